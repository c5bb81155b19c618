"""C+L on GNPy's multiband model: multiband amplifiers, an L and a C band propagated together, GSNR per band."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aifabric.corridor.catalog import load_modes
from aifabric.corridor.gnpy_check import (
    MULTIBAND_AMP,
    GnpyPlanner,
    band_edges_hz,
    equal_spans,
    run_path_request,
    section_topology,
)
from aifabric.corridor.plan import plan_corridor
from aifabric.spec.corridor import Amplifiers

UNITS = (equal_spans(85.0, 4), equal_spans(85.0, 3))


@pytest.fixture(scope="module")
def planners():
    m = load_modes()["embedded-800g"]
    return m, GnpyPlanner([m], Amplifiers(), 2.0, band="C"), GnpyPlanner([m], Amplifiers(), 2.0, band="C+L")


def test_c_plus_l_propagates_both_bands_through_multiband_amplifiers(planners):
    m, _, cl = planners
    path, info = run_path_request(cl.equipment(m), section_topology(UNITS, cl.model, "C+L"), "trx a", "trx z",
                                  ["roadm 00", "roadm 01", "roadm end"], m, m.spacing_ghz)
    kinds = {type(e).__name__ for e in path}
    assert "Multiband_amplifier" in kinds and "Edfa" not in kinds
    amps = [e for e in path if type(e).__name__ == "Multiband_amplifier"]
    # booster + 3 ILAs + preamp per unit of 4 spans, and of 3: 5 + 4
    assert len(amps) == 9 and {a.type_variety for a in amps} == {MULTIBAND_AMP}
    (_, l_min, l_max), (_, c_min, c_max) = band_edges_hz("C+L")
    frequencies = list(info.frequency)
    low = [f for f in frequencies if f < 191e12]
    high = [f for f in frequencies if f > 191e12]
    assert low and high and all(l_min <= f <= l_max for f in low) and all(c_min <= f <= c_max for f in high)
    # 212.5 GHz channels: 16 in GNPy's 3.6 THz L band, 22 in the 4.75 THz C band.
    assert (len(low), len(high)) == (16, 22)


def test_section_gsnr_is_per_band_and_the_worse_band_closes_it(planners):
    m, c_only, cl = planners
    result = cl.path_request(m, UNITS)
    bands = dict(result.band_gsnr_db)
    assert set(bands) == {"L", "C"} and result.channels == 38
    assert result.gsnr_db == min(bands.values())
    # The margin is the worst channel of both bands: never above either band's mean margin.
    assert result.margin_db <= min(bands.values()) - result.penalty_db - m.required_osnr_db + 1e-9
    # The C band alone is a different simulation (no L channels, single-band amplifiers): it gives C only.
    assert [b for b, _ in c_only.path_request(m, UNITS).band_gsnr_db] == ["C"]


def test_composed_estimate_agrees_with_gnpy_per_band(planners):
    m, _, cl = planners
    for units in ((equal_spans(80.0, 5),), (equal_spans(70.0, 2), equal_spans(90.0, 3)), UNITS):
        full, estimate = cl.path_request(m, units), cl.estimate(m, units)
        for (band, a), (band_e, b) in zip(full.band_gsnr_db, estimate.band_gsnr_db, strict=True):
            assert band == band_e and b == pytest.approx(a, abs=0.2)
        assert estimate.margin_db - full.margin_db <= 0.012 * sum(len(u) for u in units) + 1e-6


def test_c_plus_l_plan_runs_the_multiband_model_and_exports_it(write_spec):
    from aifabric.export.gnpy_topology import gnpy_topology_document

    doc = {"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 8}], "optics": {"mode": "embedded-800g"},
           "gnpy_check": True}
    plans = {b: plan_corridor(write_spec({**doc, "band": b}, name=f"{b}.yaml")) for b in ("C", "C+L")}
    sections = {b: p.demands[0].paths[0].sections for b, p in plans.items()}
    assert [dict(s.band_gsnr_db).keys() for s in sections["C"]] == [{"C": 0}.keys()] * len(sections["C"])
    assert all(set(dict(s.band_gsnr_db)) == {"L", "C"} for s in sections["C+L"])
    assert any("multiband" in a for a in plans["C+L"].assumptions)
    assert not any("multiband" in a for a in plans["C"].assumptions)
    section = plans["C+L"].to_json()["demands"][0]["paths"][0]["sections"][0]
    assert set(section["gsnr_db_by_band"]) == {"L", "C"}
    assert section["gsnr_db"] == min(section["gsnr_db_by_band"].values())
    exported = json.loads(json.dumps(gnpy_topology_document(plans["C+L"])))
    types = {e["type"] for e in exported["elements"]}
    assert "Multiband_amplifier" in types and "Edfa" not in types
    assert all("metadata" in e for e in exported["elements"])
    assert "Edfa" in {e["type"] for e in gnpy_topology_document(plans["C"])["elements"]}


def test_exported_c_plus_l_topology_loads_in_gnpy_with_its_stock_multiband_library(write_spec):
    # An optical engineer runs GNPy's own tools with GNPy's shipped eqpt_config_multiband.json, unmodified.
    from gnpy.tools.json_io import load_eqpt_topo_from_json
    from gnpy.tools.worker_utils import designed_network

    from aifabric.corridor.gnpy_check import _quiet_gnpy, gnpy_example_file
    from aifabric.export.gnpy_topology import gnpy_topology_document

    plan = plan_corridor(write_spec({"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 8}],
                                     "optics": {"mode": "embedded-800g"}, "gnpy_check": True, "band": "C+L"}))
    equipment = json.loads(gnpy_example_file("eqpt_config_multiband.json").read_text(encoding="utf-8"))
    with _quiet_gnpy():
        eqpt, network = load_eqpt_topo_from_json(equipment, gnpy_topology_document(plan))
        network, _, _ = designed_network(eqpt, network, "trx dallas", "trx houston")
    amps = [n for n in network.nodes() if type(n).__name__ == "Multiband_amplifier"]
    assert amps and {a.type_variety for a in amps} == {MULTIBAND_AMP}
    assert all(len(a.amplifiers) == 2 for a in amps)


def test_c_plus_l_band_is_what_gnpy_simulates_and_no_channel_sits_in_the_guard():
    from aifabric.corridor.catalog import load_bands
    from aifabric.corridor.spectrum import Lightpath, first_fit

    band = load_bands()["C+L"]
    # The catalog's sub-bands are GNPy's: L over its multiband L amplifier, C as the C-band runs.
    assert [x * 1e12 for r in band.ranges_thz for x in r] == pytest.approx(
        [x for _, lo, hi in band_edges_hz("C+L") for x in (lo, hi)])
    assert band.width_thz == pytest.approx(3.6 + 4.75)
    # 212.5 GHz channels: 16 in L + 22 in C (a contiguous 8.35 THz would claim 39).
    assert band.channels(212.5) == 38
    span, guard = band.slots()
    assert span == 768 and bin(guard).count("1") == 100  # 190.1-191.35 THz
    lightpath = Lightpath("x", ("s",), 40, 17, 1)
    assignment = first_fit([lightpath], span, guard)
    starts = [start for start, _ in assignment.channels["x"]]
    assert all(not guard & (((1 << 17) - 1) << start) for start in starts)
    # 38 channels fill the first pair (16 L + 22 C), the other 2 open a second pair.
    assert assignment.fiber_pairs["s"] == 2 and assignment.slots_used["s"] == 40 * 17


def test_first_fit_skips_guard_slots():
    from aifabric.corridor.spectrum import Lightpath, first_fit

    guard = 0b0000110000  # slots 4 and 5
    assignment = first_fit([Lightpath("x", ("s", "t"), 3, 3, 1)], 10, guard)
    assert [start for start, _ in assignment.channels["x"]] == [0, 6, 0]
    assert assignment.fiber_pairs == {"s": 2, "t": 2} and assignment.slots_used == {"s": 9, "t": 9}


@given(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 5), st.sets(st.sampled_from("stuv"), min_size=1)),
                min_size=1, max_size=6),
       st.integers(0, 30), st.integers(0, 6))
@settings(max_examples=150, deadline=None)
def test_first_fit_never_uses_a_guard_slot(lightpaths, guard_start, guard_len):
    from aifabric.corridor.spectrum import Lightpath, first_fit

    slots_per_pair = 40
    guard = ((1 << guard_len) - 1) << guard_start & ((1 << slots_per_pair) - 1)
    lps = [Lightpath(f"lp{i}", tuple(sorted(segs)), waves, slots, 1)
           for i, (waves, slots, segs) in enumerate(lightpaths)]
    assignment = first_fit(lps, slots_per_pair, guard)
    for lp in lps:
        placed = assignment.channels[lp.key]
        assert len(placed) == lp.waves
        for start, pairs in placed:
            assert not guard & (((1 << lp.slots) - 1) << start) and start + lp.slots <= slots_per_pair
            assert set(pairs) == set(lp.segments)
    for seg, used in assignment.slots_used.items():
        assert used == sum(lp.waves * lp.slots for lp in lps if seg in lp.segments)


def test_c_plus_l_fiber_sizing_counts_channels_per_sub_band(write_spec):
    # 212.5 GHz embedded 800G on C+L: 16 L + 22 C = 38 channels, so a pair carries 38 x 0.8 = 30.4 Tb/s (the
    # 8.35 THz taken as one range would claim 39 channels, 31.2 Tb/s).
    plan = plan_corridor(write_spec({"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 8}],
                                     "optics": {"mode": "embedded-800g"}, "band": "C+L"}))
    doc = plan.to_json()
    assert doc["channels_per_fiber_pair"] == 38 and doc["slots_per_fiber_pair"] == 668
    assert doc["demands"][0]["fiber_sizing"]["pair_capacity_tbps"] == pytest.approx(30.4)


def test_rfp_shows_each_band_s_gsnr_on_c_plus_l(write_spec, cli, tmp_path):
    import re

    spec = write_spec({"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 8}],
                       "optics": {"mode": "embedded-800g"}, "gnpy_check": True, "band": "C+L"})
    code, _, err = cli("corridor", "plan", spec, "--out", tmp_path / "out")
    assert code == 0, err
    md = (tmp_path / "out" / "rfp.md").read_text()
    row = next(line for line in md.splitlines() if line.startswith("| dallas-houston | working | embedded-800g"))
    worst, l_band, c_band = map(float, re.search(r"\| ([\d.]+) \(L ([\d.]+), C ([\d.]+)\) \|", row).groups())
    assert worst == min(l_band, c_band)
