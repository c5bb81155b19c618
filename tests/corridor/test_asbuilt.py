"""As-built inputs: a measured length, existing huts, span losses and fiber type flow into routing km, spans,
latency and cost; bad as-built entries are one-line errors naming the field."""

from __future__ import annotations

import pytest

from aifabric.corridor.plan import plan_corridor
from aifabric.errors import SpecError
from aifabric.units import FIBER_US_PER_KM

DEMAND = {"id": "dh", "a": "dallas", "z": "houston", "capacity_tbps": 6.4}


def _plan(write_spec, **extra):
    return plan_corridor(write_spec({"demands": [DEMAND], **extra}))


def _segment(plan, seg_id="dallas--houston"):
    return next(s for s in plan.segments if s.segment_id == seg_id)


def test_measured_length_changes_spans_latency_and_cost(write_spec):
    base = _plan(write_spec)
    measured = _plan(write_spec, as_built={"dallas--houston": {"length_km": 520.0}})
    b, m = base.demands[0].paths[0], measured.demands[0].paths[0]
    assert b.route.km == pytest.approx(391.7, abs=0.1)
    assert m.route.km == pytest.approx(520.0)
    assert _segment(base).spans.spans == 4 and _segment(measured).spans.spans == 6
    assert m.latency_ms - b.latency_ms == pytest.approx((520.0 - b.route.km) * FIBER_US_PER_KM / 1000)
    base_cost = base.terms.demands["dh"].costs
    measured_cost = measured.terms.demands["dh"].costs
    for service in ("dark-fiber", "waves", "spectrum"):
        assert measured_cost[service].total_usd > base_cost[service].total_usd
    assert measured.terms.demands["dh"].costs["dark-fiber"].items["iru"] == pytest.approx(12 * 520.0 * 300)
    doc = measured.to_json()
    seg = next(s for s in doc["segments"] if s["id"] == "dallas--houston")
    assert seg["km"] == 520.0 and seg["measured_km"] == 520.0 and seg["as_built"] is True


def test_hollow_core_cuts_latency_by_a_third_and_ultra_low_loss_needs_fewer_huts(write_spec):
    base = _plan(write_spec)
    hcf = _plan(write_spec, as_built={"dallas--houston": {"fiber": "hcf"}})
    km = base.demands[0].paths[0].route.km
    saved = base.demands[0].paths[0].latency_ms - hcf.demands[0].paths[0].latency_ms
    assert saved == pytest.approx(km * (1.468 - 1.0003) / 299792.458 * 1000, rel=1e-6)
    assert saved / (km * FIBER_US_PER_KM / 1000) == pytest.approx(0.319, abs=0.002)
    # With a 150 km cap the loss decides: 28 - 1 - 3 = 24 dB of fiber per span.
    loose = {"max_span_km": 150, "loss_db_per_km": 0.22}
    g652 = _plan(write_spec, amplifiers=loose)
    g654 = _plan(write_spec, amplifiers=loose, as_built={"dallas--houston": {"fiber": "g654e"}})
    assert _segment(g652).spans.spans == 4  # 24 dB / 0.22 = 109 km spans
    assert _segment(g654).spans.spans == 3  # 24 dB / 0.17 = 141 km spans
    assert g654.to_json()["segments"][0]["fiber"] == "g654e"


def test_existing_huts_and_measured_span_losses_set_the_spans(write_spec):
    plan = _plan(write_spec, as_built={"dallas--houston": {
        "length_km": 400.0, "huts_km": [90.0, 210.0, 300.0], "span_loss_db": [21.0, 27.5, 22.0, 23.0]}})
    spans = _segment(plan).spans
    assert spans.spans == 4
    assert [h.km_from_a for h in spans.huts] == [90.0, 210.0, 300.0]
    assert spans.span_km == pytest.approx(120.0)
    assert spans.span_loss_db == 27.5
    huts = [n for n in plan.demands[0].paths[0].nodes if n.kind == "hut"]
    assert [round(n.km, 1) for n in huts] == [90.0, 210.0, 300.0]
    evenly = _plan(write_spec, as_built={"dallas--houston": {"span_loss_db": [20, 21, 22, 23, 24]}})
    assert _segment(evenly).spans.spans == 5 and _segment(evenly).spans.span_loss_db == 24


@pytest.mark.parametrize(
    ("as_built", "message"),
    [
        ({"dallas--huston": {"length_km": 400}}, "as_built.dallas--huston: unknown segment 'dallas--huston' "
                                                 "(did you mean 'dallas--houston'?)"),
        ({"dallas--houston": {"fiber": "g655"}}, "as_built.dallas--houston.fiber: unknown fiber type 'g655'"),
        ({"dallas--houston": {"huts_km": [100, 500]}}, "as_built.dallas--houston.huts_km: hut at 500 km is not "
                                                      "inside the 391.7 km segment"),
    ],
)
def test_bad_as_built_names_the_field(write_spec, as_built, message):
    with pytest.raises(SpecError) as info:
        _plan(write_spec, as_built=as_built)
    assert message in str(info.value)


def test_span_losses_must_match_the_huts(write_spec):
    from aifabric.errors import AifabricError

    with pytest.raises(AifabricError, match="2 huts make 3 spans, but span_loss_db lists 2"):
        _plan(write_spec, as_built={"dallas--houston": {"huts_km": [100, 200], "span_loss_db": [20, 20]}})


def test_catalog_lists_fibers_and_line_equipment(cli):
    import json

    code, out, _ = cli("catalog", "fibers", "--json")
    assert code == 0 and [f["id"] for f in json.loads(out)["fibers"]] == ["g652d", "g654e", "hcf"]
    code, out, _ = cli("catalog", "line-equipment", "--json")
    assert code == 0 and "protection-switch" in {e["id"] for e in json.loads(out)["line-equipment"]}


def test_fiber_type_and_measured_span_losses_reach_gnpy(write_spec):
    # GNPy is given each as-built span at its loss: ultra-low-loss fiber raises the GSNR, lossy measured spans
    # lower it, and the spans GNPy sees are the km of planning fiber with the same loss.
    def gsnr(as_built):
        plan = plan_corridor(write_spec({"demands": [DEMAND], "gnpy_check": True, "as_built": as_built,
                                         "optics": {"mode": "openzr-plus-200g"}, "regen_at": "sites+huts"}))
        return plan.demands[0].paths[0].gsnr_db, plan

    base, _ = gsnr({})
    ull, plan = gsnr({"dallas--houston": {"fiber": "g654e"}})
    lossy, _ = gsnr({"dallas--houston": {"span_loss_db": [27.0, 27.0, 27.0, 27.0]}})
    # ULL spans reach GNPy at their real length with 0.17 dB/km (less ASE, but a longer effective length for
    # the nonlinear noise), so the gain is smaller than the 4.9 dB of loss per span saved would suggest.
    assert ull > base + 0.1
    assert lossy < base - 0.2
    from aifabric.corridor.optical import section_units

    nodes = list(plan.demands[0].paths[0].nodes)
    (unit,) = section_units(nodes, 0, len(nodes) - 1)
    assert len(unit) == 4
    for span_km, loss_km, _ in unit:
        assert span_km == pytest.approx(391.7 / 4, abs=0.1)
        assert loss_km == pytest.approx(391.7 / 4 * 0.17 / 0.22, abs=0.1)


def test_unequal_as_built_spans_reach_gnpy_span_by_span(write_spec):
    # Existing huts at 60, 200 and 300 km of the 391.7 km Dallas-Houston segment: spans of 60, 140, 100 and
    # 91.7 km. GNPy is given each span as built (the planner's section and the exported topology alike); an
    # average span (97.9 km x 4, as before) hid the 140 km span's extra amplifier noise.
    from aifabric.corridor.optical import section_units
    from aifabric.export.gnpy_topology import gnpy_topology_document

    def plan(huts):
        return plan_corridor(write_spec({"demands": [DEMAND], "gnpy_check": True, "allow_infeasible": True,
                                         "optics": {"mode": "openzr-plus-200g"},
                                         "as_built": {"dallas--houston": {"huts_km": huts}}}))

    length = 391.7
    uneven, even = plan([60.0, 200.0, 300.0]), plan([length / 4, length / 2, 3 * length / 4])
    nodes = list(uneven.demands[0].paths[0].nodes)
    (unit,) = section_units(nodes, 0, len(nodes) - 1)
    assert [round(km, 1) for km, _, _ in unit] == [60.0, 140.0, 100.0, round(uneven.network.segments[
        "dallas--houston"].length_km - 300.0, 1)]
    assert all(km == pytest.approx(loss_km) for km, loss_km, _ in unit)
    fibers = [e for e in gnpy_topology_document(uneven)["elements"]
              if e["type"] == "Fiber" and "(dallas → houston)" in e["uid"]]
    assert [round(f["params"]["length"], 1) for f in fibers] == [round(km, 1) for km, _, _ in unit]
    assert uneven.demands[0].paths[0].gsnr_db < even.demands[0].paths[0].gsnr_db - 0.5
