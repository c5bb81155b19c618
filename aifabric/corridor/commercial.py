"""The terms a buyer negotiates per demand: availability against the SLA, differential delay, fiber count, waves
by year and the TCO of each service type. Computed from a routed and sized demand; no I/O beyond the catalogs."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aifabric.corridor.availability import (
    DemandAvailability,
    PathAvailability,
    demand_availability,
    differential_delay_ms,
    nines,
    path_availability,
)
from aifabric.corridor.cost import SERVICES, CorridorPriceBook, PathUse, ServiceCost, service_costs
from aifabric.corridor.darkfiber import (
    FiberCount,
    end_of_term_tbps,
    fiber_count,
    segment_fibers_ghz,
    waves_by_year,
)
from aifabric.corridor.line_catalog import LineEquipment
from aifabric.corridor.optical import channels_per_pair


@dataclass(frozen=True)
class DemandTerms:
    """One demand's RFP terms: availability, differential delay, fibers per route, waves per year, costs."""

    availability: DemandAvailability
    differential_delay_ms: float
    shared_sites: tuple[str, ...]
    fibers: FiberCount
    waves_by_year: tuple[int, ...]
    costs: dict[str, ServiceCost]

    def path(self, index: int) -> PathAvailability:
        """Return the availability of the demand's index-th path (0 working, 1 protect)."""
        return self.availability.paths[index]


def shared_intermediate_sites(site_lists: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Return the sites every path passes through between its ends (sorted): a 1+1 pair's common-mode sites."""
    if len(site_lists) < 2:
        return ()
    inner = [set(sites[1:-1]) for sites in site_lists]
    return tuple(sorted(set.intersection(*inner)))


def _path_mode(path, fallback):
    """Return a path's coherent mode: its own when the planner chose one per path, else the demand's."""
    return getattr(path, "mode", None) or fallback


def demand_terms(
    paths: Sequence,
    latencies_ms: Sequence[float],
    capacity_tbps: float,
    mode,
    band_width_thz: float,
    grid_ghz: float | None,
    spec,
    sla_percent: float | None,
    equipment: Mapping[str, LineEquipment],
    book: CorridorPriceBook,
    shared_sites: Sequence[str] | None = None,
    channels_at: Callable[[float], int] | None = None,
) -> DemandTerms:
    """Return a demand's RFP terms. `paths` are objects with `route` (sites, segments, km), `amplifiers`,
    `regen_sites` and optionally their own `mode` (else `mode`, the demand's). Each wave takes the spec's fixed
    `grid_ghz`, or its mode's spacing on a flexible grid (None); `shared_sites` are the sites both
    paths of a 1+1 pair pass through (the planner's diversity result; computed from the routes when not given);
    `channels_at(grid GHz)` counts a fiber pair's channels (a band's `channels`: whole channels per sub-band of
    C+L), else floor(band width / grid)."""
    shared = tuple(shared_sites) if shared_sites is not None else shared_intermediate_sites(
        [p.route.sites for p in paths]
    )
    cut_rate = spec.availability.cut_rate_per_1000km_yr
    path_terms = tuple(
        path_availability(
            p.route.km,
            cut_rate,
            spec.availability.mttr_h,
            p.amplifiers,
            len(set(p.route.sites[1:-1]) - set(shared)),
            len(p.regen_sites),
            equipment,
        )
        for p in paths
    )
    availability = demand_availability(path_terms, len(shared), equipment, sla_percent)
    uses, counts = [], []
    for p in paths:
        path_mode = _path_mode(p, mode)
        rate = path_mode.line_rate_gbps
        slot_ghz = grid_ghz if grid_ghz is not None else path_mode.spacing_ghz
        channels = channels_at(slot_ghz) if channels_at is not None else channels_per_pair(band_width_thz, slot_ghz)
        waves = tuple(waves_by_year(capacity_tbps, spec.growth_cagr, spec.term_years, rate))
        uses.append(PathUse(p.route.km, p.amplifiers, len(p.regen_sites), rate, slot_ghz, waves))
        counts.append(fiber_count(capacity_tbps, spec.growth_cagr, spec.term_years, channels, rate,
                                  spec.spare_fiber_fraction))
    # Both routes of a 1+1 pair get the same count: the larger one, when their modes differ.
    fibers = max(counts, key=lambda c: (c.fibers, c.lit_pairs))
    services = SERVICES if spec.service == "compare" else (spec.service,)
    costs = service_costs(book, services, uses, fibers.fibers, fibers.lit_pairs, spec.term_years)
    return DemandTerms(availability, differential_delay_ms(latencies_ms), shared, fibers, uses[0].waves, costs)


def prices_path(spec_path, spec):
    """Return the corridor price book's path: the spec's `prices` (relative to the spec file), else the shipped
    INDICATIVE one."""
    from aifabric.corridor.cost import default_corridor_prices_path

    if spec.prices is None:
        return default_corridor_prices_path()
    candidate = Path(spec.prices)
    return candidate if candidate.is_absolute() else Path(spec_path).parent / candidate


@dataclass(frozen=True)
class CorridorTerms:
    """The RFP terms of every demand, with the price book and line-equipment catalog they came from."""

    demands: dict[str, DemandTerms]
    book: CorridorPriceBook
    equipment: dict[str, LineEquipment]
    # Per segment: (end-of-term waves, lit pairs, spare pairs, fibers to order, cable size).
    segments: dict[str, tuple[int, int, int, int, int | None]]


def corridor_terms(
    spec_path, spec, catalog_dir, demand_plans, channels: int, slot_ghz: float, book: CorridorPriceBook | None = None,
) -> CorridorTerms:
    """Return the RFP terms of every planned demand (availability, delay, fibers, waves by year, costs).

    `channels` and `slot_ghz` are the plan's channels per pair and grid; with no fixed `grid_ghz` in the spec each
    wave takes its own mode's spacing (flexible grid) out of the band's width. `book` is the price book when the
    caller has loaded it already (else the spec's, or the shipped one)."""
    from aifabric.corridor.catalog import band, load_bands
    from aifabric.corridor.cost import load_corridor_prices
    from aifabric.corridor.line_catalog import equipment_by_role, load_line_equipment

    catalog = load_line_equipment(catalog_dir)
    equipment = equipment_by_role(catalog)
    if book is None:
        book = load_corridor_prices(prices_path(spec_path, spec))
    chosen_band = band(load_bands(catalog_dir), spec.band)
    band_width_thz = chosen_band.width_thz
    # Usable spectrum per fiber pair: whole fixed-grid channels, or the band's width on a flexible grid.
    pair_ghz = channels * slot_ghz if spec.grid_ghz is not None else band_width_thz * 1000.0
    demands = {}
    for d in demand_plans:
        sla = d.demand.sla if d.demand.sla is not None else spec.availability.sla
        diversity = getattr(d, "diversity", None)
        demands[d.demand.demand_id] = demand_terms(
            d.paths, [p.latency_ms for p in d.paths], d.demand.capacity_tbps, d.mode, band_width_thz, spec.grid_ghz,
            spec, sla, equipment, book, diversity.shared_sites if diversity is not None else None,
            chosen_band.channels,
        )
    eot_waves: dict[str, int] = {}
    eot_ghz: dict[str, float] = {}
    for d in demand_plans:
        eot_tbps = end_of_term_tbps(d.demand.capacity_tbps, spec.growth_cagr, spec.term_years)
        for p in d.paths:
            path_mode = _path_mode(p, d.mode)
            waves = math.ceil(eot_tbps * 1000.0 / path_mode.line_rate_gbps - 1e-9)
            ghz = waves * (spec.grid_ghz if spec.grid_ghz is not None else path_mode.spacing_ghz)
            for seg_id in p.route.segments:
                eot_waves[seg_id] = eot_waves.get(seg_id, 0) + waves
                eot_ghz[seg_id] = eot_ghz.get(seg_id, 0.0) + ghz
    segments = {
        seg_id: (waves, *segment_fibers_ghz(eot_ghz[seg_id], pair_ghz, spec.spare_fiber_fraction))
        for seg_id, waves in sorted(eot_waves.items())
    }
    return CorridorTerms(demands, book, dict(catalog), segments)


def _r(value: float, digits: int) -> float:
    return round(value, digits)


def terms_json(terms: DemandTerms) -> dict:
    """Return the demand keys the RFP terms add to `corridor plan --json` (availability, delay, fibers, cost)."""
    a = terms.availability
    f = terms.fibers
    return {
        "availability": {
            "value": _r(a.availability, 8),
            "percent": _r(100 * a.availability, 6),
            "nines": _r(min(nines(a.availability), 99.0), 2),
            "minutes_per_year": _r(a.minutes_per_year, 2),
            "sla": a.sla_percent,
            "meets_sla": a.meets_sla,
            "common_mode_unavailability": {k: _r(v, 10) for k, v in a.common_terms.items()},
            "shared_sites": list(terms.shared_sites),
            "switching_ms": a.switching_ms,
        },
        "differential_delay_ms": _r(terms.differential_delay_ms, 3),
        "fibers": f.fibers,
        "fiber_sizing": {
            "end_of_term_tbps": _r(f.end_of_term_tbps, 2),
            "pair_capacity_tbps": _r(f.pair_capacity_tbps, 2),
            "lit_pairs": f.lit_pairs,
            "spare_pairs": f.spare_pairs,
            "fibers_per_route": f.fibers,
            "cable_fibers": f.cable_fibers,
            "why": f.why(),
        },
        "waves_by_year": list(terms.waves_by_year),
        "cost": {service: cost.to_json() for service, cost in terms.costs.items()},
    }


def path_terms_json(path: PathAvailability) -> dict:
    """Return the path keys the RFP terms add: cuts per year, unavailability and its terms."""
    return {
        "cuts_per_year": _r(path.cuts_per_year, 4),
        "unavailability": _r(path.unavailability, 10),
        "unavailability_terms": {k: _r(v, 10) for k, v in path.terms.items()},
    }


def add_terms_json(doc: dict, plan) -> dict:
    """Return the `corridor plan --json` document with the RFP keys added (contract: keys are only added)."""
    if plan.terms is None:
        return doc
    spec = plan.spec
    doc["term_years"] = spec.term_years
    doc["growth_cagr"] = spec.growth_cagr
    doc["service"] = spec.service
    doc["availability_inputs"] = {
        "cut_rate_per_1000km_yr": spec.availability.cut_rate_per_1000km_yr,
        "mttr_h": spec.availability.mttr_h,
        "sla": spec.availability.sla,
    }
    doc["prices"] = {"file": Path(plan.terms.book.file).name,
                     "indicative": plan.terms.book.indicative}
    for demand in doc["demands"]:
        terms = plan.terms.demands[demand["id"]]
        demand.update(terms_json(terms))
        for index, path in enumerate(demand["paths"]):
            path.update(path_terms_json(terms.path(index)))
    for segment in doc["segments"]:
        facts = plan.facts.get(segment["id"])
        segment["fiber"] = facts.fiber.id if facts is not None and facts.fiber is not None else "g652d"
        segment["as_built"] = facts is not None
        segment["measured_km"] = None if facts is None else facts.length_km
        eot, lit, spare, fibers, cable = plan.terms.segments[segment["id"]]
        segment["end_of_term_waves"] = eot
        segment["fibers"] = fibers
        segment["fiber_sizing"] = {"lit_pairs": lit, "spare_pairs": spare, "cable_fibers": cable}
    return doc
