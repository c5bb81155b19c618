"""Physical constants and unit conversions, in one place."""

from __future__ import annotations

SPEED_OF_LIGHT_KM_PER_S = 299_792.458
# Group index of G.652 SSMF at 1550 nm; gives 4.897 us/km one way (GNPy reports 4.896 on CORONET).
FIBER_GROUP_INDEX = 1.468
FIBER_US_PER_KM = FIBER_GROUP_INDEX / SPEED_OF_LIGHT_KM_PER_S * 1e6
FIBER_NS_PER_M = FIBER_US_PER_KM
VACUUM_US_PER_KM = 1e6 / SPEED_OF_LIGHT_KM_PER_S


def gbps_to_tbps(rate_gbps: float) -> float:
    """Return the rate in Tb/s."""
    return rate_gbps / 1000.0


def km_to_latency_ms(length_km: float, us_per_km: float = FIBER_US_PER_KM) -> float:
    """Return one-way propagation latency in ms over length_km of fiber."""
    return length_km * us_per_km / 1000.0


def count(n: int, noun: str, plural: str | None = None) -> str:
    """Return '1 plane', '2 planes', '3,264 transponders': a count with its noun in the right number."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
