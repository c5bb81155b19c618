"""Availability: hand-computed cases (cut rate 2.13 per 1,000 km per year, Bellcore data tabulated by Alcoa
Fujikura Ltd., "Reliability of Fiber Optic Cable Systems", 2001), 1+1 versus one path, shared sites."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aifabric.corridor.availability import (
    DEFAULT_CUT_RATE_PER_1000KM_YR,
    HOURS_PER_YEAR,
    demand_availability,
    differential_delay_ms,
    meets_sla,
    minutes_per_year,
    nines,
    path_availability,
)
from aifabric.corridor.line_catalog import LineEquipment, equipment_by_role, load_line_equipment


def _item(role: str, fit: float, mttr_h: float, switching_ms: float | None = None) -> LineEquipment:
    return LineEquipment(id=f"test-{role}", name=role, role=role, rack_units=1, power_w=10, fit=fit,
                         mttr_h=mttr_h, switching_ms=switching_ms, source="test values")


def _equipment(fit: float = 0.0) -> dict[str, LineEquipment]:
    return {
        "ila": _item("ila", 5000 if fit else 0, 8),
        "roadm": _item("roadm", 10000 if fit else 0, 4),
        "transponder": _item("transponder", 4000 if fit else 0, 4),
        "terminal": _item("terminal", 3000 if fit else 0, 4),
        "protection": _item("protection", 500, 4, switching_ms=50),
    }


def test_default_cut_rate_is_bellcores_buried_cable_figure():
    assert DEFAULT_CUT_RATE_PER_1000KM_YR == 2.13
    assert HOURS_PER_YEAR == 365.25 * 24


def test_unprotected_fiber_only_matches_hand_computation():
    # 1,000 km x 2.13 / 1,000 = 2.13 cuts a year; x 12 h = 25.56 h down = 1,533.6 minutes; U = 25.56 / 8,766.
    path = path_availability(1000, 2.13, 12, amplifiers=9, sites=2, regens=1, equipment=_equipment(fit=0))
    assert path.cuts_per_year == pytest.approx(2.13)
    assert path.unavailability == pytest.approx(25.56 / 8766)
    assert minutes_per_year(path.unavailability) == pytest.approx(1533.6)
    demand = demand_availability((path,), 0, _equipment(fit=0), 99.99)
    assert demand.availability == pytest.approx(1 - 25.56 / 8766)
    assert demand.meets_sla is False
    assert demand.switching_ms is None


def test_equipment_terms_match_hand_computation():
    # 9 ILAs at 5,000 FIT x 8 h = 4e-5 each; 2 sites at 10,000 FIT x 4 h = 4e-5 each; 4 transponders (2 ends +
    # 2 at one regen) at 4,000 FIT x 4 h = 1.6e-5 each; 2 terminals at 3,000 FIT x 4 h = 1.2e-5 each.
    path = path_availability(1000, 2.13, 12, amplifiers=9, sites=2, regens=1, equipment=_equipment(fit=1))
    assert path.terms["amplifiers"] == pytest.approx(1 - (1 - 4e-5) ** 9)
    assert path.terms["sites"] == pytest.approx(1 - (1 - 4e-5) ** 2)
    assert path.terms["transponders"] == pytest.approx(1 - (1 - 1.6e-5) ** 4)
    assert path.terms["terminals"] == pytest.approx(1 - (1 - 1.2e-5) ** 2)
    expected = 1 - (1 - 25.56 / 8766) * (1 - 4e-5) ** 11 * (1 - 1.6e-5) ** 4 * (1 - 1.2e-5) ** 2
    assert path.unavailability == pytest.approx(expected)


def test_one_plus_one_matches_hand_computation():
    # Working 1,000 km: 25.56 h/yr; protect 1,200 km: 2.556 cuts x 12 h = 30.672 h/yr. Both down:
    # (25.56 / 8,766) x (30.672 / 8,766). Common: two protection switches at 500 FIT x 4 h = 2e-6 each.
    eq = _equipment(fit=0)
    working = path_availability(1000, 2.13, 12, 0, 0, 0, eq)
    protect = path_availability(1200, 2.13, 12, 0, 0, 0, eq)
    demand = demand_availability((working, protect), 0, eq, 99.99)
    both = (25.56 / 8766) * (30.672 / 8766)
    common = 1 - (1 - 2e-6) ** 2
    assert demand.unavailability == pytest.approx(1 - (1 - both) * (1 - common))
    assert demand.minutes_per_year == pytest.approx((both + common) * 525960, rel=1e-4)
    assert demand.meets_sla is True
    assert demand.switching_ms == 50


def test_one_plus_one_beats_either_path_and_shared_site_makes_it_worse():
    eq = _equipment(fit=1)
    working = path_availability(2167, 2.13, 12, 21, 3, 2, eq)
    protect = path_availability(2379, 2.13, 12, 24, 4, 2, eq)
    diverse = demand_availability((working, protect), 0, eq, 99.99)
    shared = demand_availability((working, protect), 1, eq, 99.99)
    assert diverse.unavailability < min(working.unavailability, protect.unavailability)
    assert shared.unavailability > diverse.unavailability
    assert shared.common_terms["shared_sites"] == pytest.approx(4e-5)


def test_shipped_catalog_equipment_loads_with_sources():
    equipment = equipment_by_role(load_line_equipment())
    assert set(equipment) == {"ila", "roadm", "transponder", "terminal", "protection"}
    assert equipment["protection"].switching_ms == 50
    assert all(len(e.source) > 20 for e in equipment.values())
    assert equipment["ila"].mtbf_h == pytest.approx(1e9 / equipment["ila"].fit)


def test_nines_minutes_sla_and_differential_delay():
    assert nines(0.9999) == pytest.approx(4.0)
    assert math.isinf(nines(1.0))
    assert minutes_per_year(1e-4) == pytest.approx(52.596)
    assert meets_sla(0.9999, 99.99) is True
    assert meets_sla(0.99989, 99.99) is False
    assert meets_sla(0.5, None) is None
    assert differential_delay_ms([10.75, 11.77]) == pytest.approx(1.02)
    assert differential_delay_ms([3.0]) == 0.0


@given(
    km_w=st.floats(1, 5000), km_p=st.floats(1, 5000), mttr=st.floats(1, 48),
    amps=st.integers(0, 60), shared=st.integers(0, 5),
)
def test_protection_properties(km_w, km_p, mttr, amps, shared):
    eq = _equipment(fit=1)
    w = path_availability(km_w, 2.13, mttr, amps, 2, 0, eq)
    p = path_availability(km_p, 2.13, mttr, amps, 2, 0, eq)
    assert 0 <= w.unavailability < 1
    longer = path_availability(km_w + 100, 2.13, mttr, amps, 2, 0, eq)
    assert longer.unavailability > w.unavailability
    a = demand_availability((w, p), shared, eq, None)
    b = demand_availability((w, p), shared + 1, eq, None)
    assert b.unavailability > a.unavailability
