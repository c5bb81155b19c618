"""Availability of corridor paths and demands: fiber cuts, equipment failures, protection schemes, SLA check.

Method: the series/parallel reliability-block calculation of ITU-T G.911 ("Parameters and calculation
methodologies for reliability and availability of fibre optic systems", section 5) and Telcordia SR-332, with
the rare-event approximations carriers use for long-haul protection (see each scheme's function).

Steady-state unavailability of a repairable element is U = failure rate x mean time to repair (the rare-event
form, exact to first order when U << 1, as every term here is). Fiber: cuts per year = cut rate per 1,000 route-km
per year x route km / 1,000, U = cuts x MTTR / 8,766 h. Equipment: U = FIT / 10^9 x MTTR. Independent elements
in series multiply their availabilities. A 1+1 pair on SRLG-disjoint paths is down when both paths are down, or
when an element both share (a common site, the protection switch at each end) is down:
U = 1 - (1 - U_working x U_protect) x (1 - U_common).

Schemes: none (one path); 1+1 and 1:1 (the same two-path parallel system: 1:1 only lends the protect path to
pre-emptible traffic); n-path (N diverse paths, each sized for capacity / (N - 1): full capacity is lost only
while two or more are down); restoration (1+1 plus a third path: after the first cut the failed path is restored
onto the third within the restoration time t_r, so the exposure window of the pair shrinks from the repair time to
t_r: U = lambda_w x lambda_p x t_r^2 + U_w x U_p x U_r, capped at the 1+1 figure).

Pure functions of numbers and catalog entries: no plan, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aifabric.corridor.line_catalog import LineEquipment

# 365.25 days: the year the issue's formula (U = cuts x MTTR / 8,766) and carriers' SLA minutes use.
HOURS_PER_YEAR = 8766.0
MINUTES_PER_YEAR = HOURS_PER_YEAR * 60.0
# Service-affecting cuts of conventional buried cable per 1,000 km per year (Bellcore data).
DEFAULT_CUT_RATE_PER_1000KM_YR = 2.13
CUT_RATE_SOURCE = (
    "Bellcore data for conventional buried fiber cable: 2.130 service-affecting failures per 1,000 km per year, "
    "as tabulated in Alcoa Fujikura Ltd., \"Reliability of Fiber Optic Cable Systems\" (May 2001), "
    "Executive Summary (aerial OPGW 0.085 and ADSS 0.081 in the same table)"
)
# Mean time to repair a long-haul fiber cut, hours. UNSURE: repair averages about 4 h aerial and 6 h or more
# buried; rural long-haul cuts take longer to reach and splice, so the planning default is 12 h.
DEFAULT_FIBER_MTTR_H = 12.0
FIBER_MTTR_SOURCE = (
    "UNSURE planning default: a normal fiber-break outage is about 4 h aerial and 6 h or longer buried, longer "
    "with water, mud or a remote right-of-way; 12 h is assumed for rural long-haul buried cable"
)
FIT_HOURS = 1e9


def cuts_per_year(route_km: float, cut_rate_per_1000km_yr: float) -> float:
    """Return the expected fiber cuts per year on route_km of cable: rate x km / 1,000."""
    return cut_rate_per_1000km_yr * route_km / 1000.0


def fiber_unavailability(route_km: float, cut_rate_per_1000km_yr: float, mttr_h: float) -> float:
    """Return the fraction of a year a route is down from cuts: cuts per year x MTTR / 8,766 h (capped at 1)."""
    return min(1.0, cuts_per_year(route_km, cut_rate_per_1000km_yr) * mttr_h / HOURS_PER_YEAR)


def equipment_unavailability(item: LineEquipment, count: int = 1) -> float:
    """Return the unavailability of `count` independent items in series: 1 - (1 - FIT/10^9 x MTTR)^count."""
    if count <= 0:
        return 0.0
    single = min(1.0, item.fit / FIT_HOURS * item.mttr_h)
    return 1.0 - (1.0 - single) ** count


def series(terms: Iterable[float]) -> float:
    """Return the unavailability of independent elements in series: 1 - product of (1 - U_i)."""
    available = 1.0
    for u in terms:
        available *= 1.0 - u
    return 1.0 - available


@dataclass(frozen=True)
class PathAvailability:
    """One path's cuts per year and its unavailability, itemized by term (fiber, amplifiers, sites, ...)."""

    route_km: float
    cuts_per_year: float
    terms: dict[str, float]
    # Failures per year of every element in series (fiber cuts plus equipment failures): expected outages.
    failures_per_year: float = 0.0

    @property
    def unavailability(self) -> float:
        """Return the path's unavailability: its terms in series."""
        return series(self.terms.values())


def path_availability(
    route_km: float,
    cut_rate_per_1000km_yr: float,
    fiber_mttr_h: float,
    amplifiers: int | Sequence[LineEquipment],
    sites: int,
    regens: int,
    equipment: Mapping[str, LineEquipment],
) -> PathAvailability:
    """Return one wave's availability on one path: fiber cuts, ILA huts, pass-through sites, transponders.

    `amplifiers` is the number of ILA huts (each the `ila` role's node), or each hut's own node (the line
    system's type there: a Raman hybrid has its own FIT), all in series.

    `sites` counts the intermediate sites the path passes through that it does not share with its 1+1 partner
    (shared ones are common-mode terms); `regens` the regenerators on it. The wave crosses 2 terminal
    transponders plus 2 per regen, and the terminal line system (mux, booster, pre-amplifier) at both ends.
    """
    huts = [equipment["ila"]] * amplifiers if isinstance(amplifiers, int) else list(amplifiers)
    # N alike nodes in series: 1 - (1 - U)^N; nodes of several types: their terms in series.
    alike = all(e == huts[0] for e in huts)
    counts = {"sites": ("roadm", sites), "transponders": ("transponder", 2 + 2 * regens), "terminals": ("terminal", 2)}
    terms = {"fiber": fiber_unavailability(route_km, cut_rate_per_1000km_yr, fiber_mttr_h),
             "amplifiers": equipment_unavailability(huts[0], len(huts)) if huts and alike
             else series(equipment_unavailability(e) for e in huts)}
    terms.update({name: equipment_unavailability(equipment[role], n) for name, (role, n) in counts.items()})
    cuts = cuts_per_year(route_km, cut_rate_per_1000km_yr)
    failures = cuts + sum(equipment[role].fit / FIT_HOURS * HOURS_PER_YEAR * n for role, n in counts.values())
    failures += sum(e.fit / FIT_HOURS * HOURS_PER_YEAR for e in huts)
    return PathAvailability(route_km, cuts, terms, failures)


def common_mode_terms(shared_sites: int, equipment: Mapping[str, LineEquipment]) -> dict[str, float]:
    """Return the unavailability a 1+1 pair cannot protect: sites both paths pass through, and the protection
    switch (or client selector) at each of the two ends."""
    return {
        "shared_sites": equipment_unavailability(equipment["roadm"], shared_sites),
        "protection_switches": equipment_unavailability(equipment["protection"], 2),
    }


def protected_unavailability(u_working: float, u_protect: float, u_common: float) -> float:
    """Return a 1+1 pair's unavailability: 1 - (1 - U_working x U_protect) x (1 - U_common)."""
    return 1.0 - (1.0 - u_working * u_protect) * (1.0 - u_common)


def n_path_unavailability(path_u: Iterable[float]) -> float:
    """Return the unavailability of full capacity over N paths each sized for capacity / (N - 1): the chance
    that two or more are down at once, 1 - P(none down) - P(exactly one down)."""
    values = list(path_u)
    none_down = 1.0
    for u in values:
        none_down *= 1.0 - u
    one_down = sum(u * none_down / (1.0 - u) for u in values if u < 1.0)
    return max(0.0, 1.0 - none_down - one_down)


def restored_unavailability(
    working: PathAvailability, protect: PathAvailability, restoration: PathAvailability, restoration_s: float
) -> float:
    """Return a 1+1 pair's unavailability when the first cut path is restored onto a third path within
    restoration_s: both paths down only inside the restoration window (lambda_w x lambda_p x t_r^2, rates per
    hour, t_r in hours), or with the third path down too (U_w x U_p x U_r); never worse than 1+1 alone."""
    t_r = restoration_s / 3600.0
    rate_w = working.failures_per_year / HOURS_PER_YEAR
    rate_p = protect.failures_per_year / HOURS_PER_YEAR
    u_w, u_p = working.unavailability, protect.unavailability
    return min(u_w * u_p, rate_w * rate_p * t_r * t_r + u_w * u_p * restoration.unavailability)


def minutes_per_year(unavailability: float) -> float:
    """Return the expected minutes down per year: U x 525,960."""
    return unavailability * MINUTES_PER_YEAR


def nines(availability: float) -> float:
    """Return the number of nines: -log10(1 - A) (99.99 % -> 4.0; infinite when A is 1)."""
    down = 1.0 - availability
    return math.inf if down <= 0 else -math.log10(down)


def meets_sla(availability: float, sla_percent: float | None) -> bool | None:
    """Return whether availability (a fraction) reaches the SLA (a percentage); None when there is no SLA."""
    if sla_percent is None:
        return None
    # Compare in percent rounded far below any SLA's precision, so 99.99 meets a 99.99 SLA despite float noise.
    return round(availability * 100.0, 9) >= sla_percent


def differential_delay_ms(latencies_ms: Iterable[float]) -> float:
    """Return the differential delay between the paths of a demand: longest minus shortest one-way latency."""
    values = list(latencies_ms)
    return max(values) - min(values) if len(values) > 1 else 0.0


@dataclass(frozen=True)
class DemandAvailability:
    """A demand's availability: per-path figures, common-mode terms, the total and the SLA verdict."""

    paths: tuple[PathAvailability, ...]
    common_terms: dict[str, float]
    unavailability: float
    sla_percent: float | None
    switching_ms: float | None

    @property
    def availability(self) -> float:
        """Return the demand's availability, a fraction."""
        return 1.0 - self.unavailability

    @property
    def minutes_per_year(self) -> float:
        """Return the demand's expected minutes down per year."""
        return minutes_per_year(self.unavailability)

    @property
    def meets_sla(self) -> bool | None:
        """Return whether the demand meets its SLA (None when it has none)."""
        return meets_sla(self.availability, self.sla_percent)


def demand_availability(
    paths: tuple[PathAvailability, ...],
    shared_sites: int,
    equipment: Mapping[str, LineEquipment],
    sla_percent: float | None,
    scheme: str | None = None,
    restoration_s: float | None = None,
) -> DemandAvailability:
    """Return a demand's availability under its protection scheme (none, 1+1, 1:1, restoration, n-path; by
    default none for one path and 1+1 for two), with the common-mode terms no scheme protects."""
    if len(paths) == 1:
        return DemandAvailability(paths, {}, paths[0].unavailability, sla_percent, None)
    scheme = scheme or "1+1"
    common = common_mode_terms(shared_sites, equipment)
    u_common = series(common.values())
    if scheme == "n-path":
        parallel = n_path_unavailability(p.unavailability for p in paths)
    elif scheme == "restoration" and len(paths) == 3:
        parallel = restored_unavailability(*paths, restoration_s if restoration_s is not None else 0.0)
    else:
        parallel = paths[0].unavailability * paths[1].unavailability
    total = 1.0 - (1.0 - parallel) * (1.0 - u_common)
    return DemandAvailability(paths, common, total, sla_percent, equipment["protection"].switching_ms)
