"""Optical sizing: huts on the route geometry, span limits, waves, channels, fiber pairs, regens and GSNR."""

from __future__ import annotations

import math

import pytest
from corridor_helpers import NETWORK, TTN
from shapely.geometry import LineString, Point

from aifabric.corridor.network import load_network
from aifabric.corridor.optical import channels_per_pair, fiber_pairs, segment_spans, span_limit_km, waves_for
from aifabric.corridor.plan import plan_corridor
from aifabric.spec.corridor import Amplifiers


@pytest.fixture(scope="module")
def ttn_plan():
    return plan_corridor(TTN)


def test_channel_counts_follow_band_width_over_grid():
    # optical-facts.md: at 4.75 THz, 63 x 75 GHz, 47 x 100 GHz, 31 x 150 GHz.
    assert [channels_per_pair(4.75, g) for g in (75, 100, 150)] == [63, 47, 31]
    assert waves_for(12.8, 400) == 32 and waves_for(12.9, 400) == 33 and waves_for(0.4, 800) == 1
    assert fiber_pairs(63, 63) == 1 and fiber_pairs(64, 63) == 2 and fiber_pairs(0, 63) == 0


def test_span_limit_is_the_lesser_of_length_and_loss():
    assert span_limit_km(Amplifiers(max_span_km=100, loss_db_per_km=0.22)) == 100
    # 28 dB - 1 dB connectors - 3 dB margin = 24 dB of fiber at 0.25 dB/km = 96 km.
    assert span_limit_km(Amplifiers(max_span_km=120, loss_db_per_km=0.25)) == pytest.approx(96)


def test_huts_lie_on_the_route_geometry_and_split_it_evenly():
    network = load_network(NETWORK)
    amps = Amplifiers()
    limit = span_limit_km(amps)
    for seg in network.segments.values():
        spans = segment_spans(seg, amps)
        assert spans.spans == max(1, math.ceil(seg.length_km / limit))
        assert spans.span_km <= limit + 1e-9
        assert len(spans.huts) == spans.spans - 1
        line = LineString(seg.coords)
        for hut in spans.huts:
            assert line.distance(Point(hut.lon, hut.lat)) < 1e-5
            assert hut.km_from_a == pytest.approx(hut.index * seg.length_km / spans.spans)


def test_segment_waves_count_every_crossing_wave_and_pairs_hold_the_slots(ttn_plan):
    doc = ttn_plan.to_json()
    slots_per_pair = doc["slots_per_fiber_pair"]
    assert slots_per_pair == 380  # 4.75 THz / 12.5 GHz
    crossing: dict[str, int] = {}
    for demand in doc["demands"]:
        for path in demand["paths"]:
            assert path["waves"] == math.ceil(demand["capacity_tbps"] * 1000 / path["rate_gbps"])
            for seg in path["segments"]:
                crossing[seg] = crossing.get(seg, 0) + path["waves"]
    assert {s["id"]: s["waves"] for s in doc["segments"]} == crossing
    assert set(doc["spectrum"]) == set(crossing)
    for seg in doc["segments"]:
        spectrum = doc["spectrum"][seg["id"]]
        assert spectrum["fiber_pairs"] == seg["fiber_pairs"] >= math.ceil(spectrum["slots_used"] / slots_per_pair)


def test_sections_close_with_the_system_margin(ttn_plan):
    assert ttn_plan.sys_margin_db == 2
    for demand in ttn_plan.demands:
        for path in demand.paths:
            assert len(path.sections) == len(path.regen_sites) + 1
            for section in path.sections:
                assert section.feasible
                assert section.margin_db is not None and section.margin_db >= ttn_plan.sys_margin_db
            assert len(path.regen_reasons) == len(path.regen_sites)
            assert path.transponders == 2 * path.waves * len(path.sections)


def test_low_gnpy_margin_adds_a_regen_and_says_why(write_spec):
    # Dallas-Houston (392 km) closes with 800G embedded in one section (6 dB margin); 5 dB more required OSNR
    # needs a regen.
    catalog_spec = write_spec(
        {
            "demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 0.8}],
            "optics": {"mode": "embedded-800g"},
            "gnpy_check": True,
            "regen_at": "sites+huts",
        }
    )
    plan = plan_corridor(catalog_spec)
    assert plan.demands[0].paths[0].regen_sites == ()
    assert 2 + 5 > plan.demands[0].paths[0].sections[0].margin_db > 2 + 3
    override = catalog_spec.parent / "catalog"
    override.mkdir()
    import yaml

    from aifabric.corridor.catalog import load_modes

    mode = load_modes()["embedded-800g"].model_dump()
    mode["required_osnr_db"] += 5
    mode["penalties"] = [{k: v for k, v in p.items() if v is not None} for p in mode["penalties"]]
    (override / "coherent.yaml").write_text(yaml.safe_dump({"kind": "coherent", "entries": [mode]}))
    strict = plan_corridor(catalog_spec, catalog_dir=override)
    path = strict.demands[0].paths[0]
    assert path.regen_sites
    assert path.regen_reasons[0].startswith(f"{path.regen_sites[0]}: embedded-800g")
    assert all(s.margin_db >= 2 for s in path.sections)


def test_latency_counts_fiber_and_dsp_terms(ttn_plan):
    from aifabric.units import FIBER_US_PER_KM

    for demand in ttn_plan.demands:
        for path in demand.paths:
            dsp_ms = path.mode.dsp_latency_us * (2 + 2 * len(path.regen_sites)) / 1000
            assert path.latency_ms == pytest.approx(path.route.km * FIBER_US_PER_KM / 1000 + dsp_ms)


def test_regens_prefer_sites_and_fall_back_to_huts_inside_long_segments():
    from aifabric.corridor.optical import PathNode, place_regens

    kinds = ["site", "site", "hut", "hut", "hut", "hut", "site"]
    kms = [0, 150, 300, 450, 600, 750, 900]
    nodes = [PathNode(f"n{i}", k, km, 0.0, 0.0) for i, (k, km) in enumerate(zip(kinds, kms, strict=True))]

    def fits(i: int, j: int) -> tuple[bool, str]:
        ok = nodes[j].km - nodes[i].km <= 400
        return ok, "" if ok else "reach"

    sections = place_regens(nodes, fits)
    # From n0 the farthest site within 400 km is n1; beyond it no site fits, so the farthest huts serve.
    assert [(s.start, s.end) for s in sections] == [(0, 1), (1, 3), (3, 5), (5, 6)]
    assert all(s.reason == "reach" for s in sections[:-1])
