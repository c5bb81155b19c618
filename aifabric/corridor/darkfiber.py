"""Dark-fiber sizing: how many fibers a buyer asks for on a route, from end-of-term capacity.

fibers = 2 x ceil(end-of-term capacity / capacity per fiber pair) + spares, rounded up to whole buffer tubes.
End-of-term capacity grows the demand at its CAGR over the term; a fiber pair carries floor(band / grid) channels
at the mode's line rate. Pure functions of numbers: no plan, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Loose-tube long-haul cable holds fibers in tubes of 12 (the TIA-598 colour code has 12 colours), and carriers
# sell IRUs in whole tubes.
FIBERS_PER_TUBE = 12
# Cable sizes on offer, for saying which cable a count fits in; AI buyers now ask for 144-432 fibers per route
# (Zayo) and up to 864 (Windstream).
CABLE_COUNTS = (12, 24, 48, 72, 96, 144, 288, 432, 576, 864, 1728, 3456)
# Spare pairs kept dark for restoration and maintenance, as a fraction of the lit pairs (at least one pair).
DEFAULT_SPARE_FRACTION = 0.25
# Guards ceil against float noise (176.0000000001 / 25.2).
_EPS = 1e-9


def end_of_term_tbps(capacity_tbps: float, growth_cagr: float, term_years: float) -> float:
    """Return the capacity needed at the end of the term: capacity x (1 + CAGR) ^ years."""
    return capacity_tbps * (1.0 + growth_cagr) ** term_years


def pair_capacity_tbps(channels: int, line_rate_gbps: float) -> float:
    """Return what one fiber pair carries: channels per pair x line rate, in Tb/s."""
    return channels * line_rate_gbps / 1000.0


@dataclass(frozen=True)
class FiberCount:
    """The fibers a buyer asks for on one route, and every number behind the count."""

    capacity_tbps: float
    growth_cagr: float
    term_years: float
    end_of_term_tbps: float
    pair_capacity_tbps: float
    lit_pairs: int
    spare_pairs: int
    fibers: int
    cable_fibers: int | None

    @property
    def lit_fibers(self) -> int:
        """Return the fibers that carry traffic at the end of the term: 2 per lit pair."""
        return 2 * self.lit_pairs

    def why(self) -> str:
        """Return one sentence deriving the count, for the RFP."""
        cable = f"; fits a {self.cable_fibers}-fiber cable" if self.cable_fibers else ""
        return (
            f"{self.capacity_tbps:g} Tb/s growing {self.growth_cagr:.0%} a year for {self.term_years:g} years "
            f"(to the term's last year) is {self.end_of_term_tbps:,.1f} Tb/s at end of term; one pair carries "
            f"{self.pair_capacity_tbps:.1f} Tb/s, so 2 x ceil({self.end_of_term_tbps:,.1f} / "
            f"{self.pair_capacity_tbps:.1f}) = {self.lit_fibers} fibers lit, plus {2 * self.spare_pairs} spare "
            f"for restoration and maintenance, rounded up to whole {FIBERS_PER_TUBE}-fiber tubes: "
            f"{self.fibers} fibers{cable}"
        )


def fiber_count(
    capacity_tbps: float,
    growth_cagr: float,
    term_years: float,
    channels: int,
    line_rate_gbps: float,
    spare_fraction: float = DEFAULT_SPARE_FRACTION,
) -> FiberCount:
    """Return the fibers to ask for on one route: 2 x ceil(end-of-term / per-pair capacity) + spares, in tubes."""
    eot = end_of_term_tbps(capacity_tbps, growth_cagr, term_years)
    per_pair = pair_capacity_tbps(channels, line_rate_gbps)
    lit_pairs = max(1, math.ceil(eot / per_pair - _EPS))
    spare_pairs, fibers, cable = order_fibers(lit_pairs, spare_fraction)
    return FiberCount(capacity_tbps, growth_cagr, term_years, eot, per_pair, lit_pairs, spare_pairs, fibers, cable)


def order_fibers(lit_pairs: int, spare_fraction: float = DEFAULT_SPARE_FRACTION) -> tuple[int, int, int | None]:
    """Return (spare pairs, fibers to order, smallest cable size that holds them) for lit_pairs: spares are
    ceil(lit x fraction) pairs (at least one), the total rounded up to whole 12-fiber tubes."""
    spare_pairs = max(1, math.ceil(lit_pairs * spare_fraction - _EPS))
    fibers = FIBERS_PER_TUBE * math.ceil(2 * (lit_pairs + spare_pairs) / FIBERS_PER_TUBE)
    return spare_pairs, fibers, next((c for c in CABLE_COUNTS if c >= fibers), None)


def segment_fibers(
    end_of_term_waves: int, channels: int, spare_fraction: float = DEFAULT_SPARE_FRACTION
) -> tuple[int, int, int, int | None]:
    """Return (lit pairs, spare pairs, fibers, cable size) for a segment carrying end_of_term_waves waves:
    lit pairs = ceil(waves / channels per pair), then spares and whole tubes as for one route."""
    lit_pairs = max(1, math.ceil(end_of_term_waves / channels - _EPS))
    return (lit_pairs, *order_fibers(lit_pairs, spare_fraction))


def waves_by_year(capacity_tbps: float, growth_cagr: float, term_years: int, line_rate_gbps: float) -> list[int]:
    """Return the waves needed in each year of the term (year 0 first): ceil(capacity that year / line rate)."""
    return [
        max(1, math.ceil(end_of_term_tbps(capacity_tbps, growth_cagr, year) * 1000.0 / line_rate_gbps - _EPS))
        for year in range(max(1, int(term_years)))
    ]


def growth_years(term_years: int) -> int:
    """Return the years of growth to the term's last year: a 10-year term runs years 0-9 (the waves of its last
    year are the most any year needs, so fibers and transponders are both sized for it)."""
    return max(0, int(term_years) - 1)


def segment_fibers_share(
    pairs_needed: float, spare_fraction: float = DEFAULT_SPARE_FRACTION
) -> tuple[int, int, int, int | None]:
    """Return (lit pairs, spare pairs, fibers, cable size) for a segment whose waves fill `pairs_needed` fiber
    pairs (each wave 1 / channels per pair of its mode): lit pairs = ceil(pairs_needed)."""
    lit_pairs = max(1, math.ceil(pairs_needed - _EPS))
    return (lit_pairs, *order_fibers(lit_pairs, spare_fraction))


def segment_fibers_ghz(
    end_of_term_ghz: float, pair_ghz: float, spare_fraction: float = DEFAULT_SPARE_FRACTION
) -> tuple[int, int, int, int | None]:
    """Return (lit pairs, spare pairs, fibers, cable size) for a segment whose end-of-term waves take
    end_of_term_ghz of spectrum, pair_ghz usable per fiber pair: lit pairs = ceil(GHz / GHz per pair)."""
    lit_pairs = max(1, math.ceil(end_of_term_ghz / pair_ghz - _EPS))
    return (lit_pairs, *order_fibers(lit_pairs, spare_fraction))
