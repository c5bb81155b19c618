"""The composed plan applies the formulas exactly to whatever the corridor core returns: random jobs, protections
and corridor answers (waves, km, RTT) through `plan_scale_across`, the corridor core stubbed by a random plan."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.errors import SpecError
from aifabric.scale_across.plan import plan_scale_across


class _FakeCorridorPlan:
    def __init__(self, doc):
        self.doc = doc

    def to_json(self):
        return self.doc


def _fake_corridor(draw):
    def plan_derived(derived, source, catalog_dir):
        demands = []
        for d in derived["demands"]:
            roles = ["working", "protect"] if d["protection"] == "1+1" else ["working"]
            km = sorted(draw(st.floats(50, 5000)) for _ in roles)
            paths = [{"role": r, "km": round(k, 1), "rtt_ms": round(2 * k * 0.0049 + 0.01, 3),
                      "latency_ms": round(k * 0.0049 + 0.005, 3), "sites": [d["a"], d["z"]],
                      "cuts_per_year": round(k / 1000 * 2.13, 3)}
                     for r, k in zip(roles, km, strict=True)]
            if draw(st.booleans()):
                # The corridor may give each path its own mode (rate and waves), as GNPy-planned optics do.
                for path in paths:
                    path["rate_gbps"] = draw(st.sampled_from([200, 400, 800]))
                    path["waves"] = draw(st.integers(1, 200))
            demands.append({"id": d["id"], "waves": draw(st.integers(1, 200)), "rate_gbps": 400,
                            "capacity_tbps": d["capacity_tbps"], "protection": d["protection"], "paths": paths,
                            "differential_delay_ms": paths[-1]["latency_ms"] - paths[0]["latency_ms"]})
        return _FakeCorridorPlan({"name": derived["name"], "demands": demands, "segments": [],
                                  "availability_inputs": {"cut_rate_per_1000km_yr": 2.13, "mttr_h": 12.0},
                                  "totals": {"route_km": 0, "waves": 0, "transponders": 0, "regen_sites": 0}})
    return plan_derived


SHARE = {"roce-lossy": 0.5, "roce-xgs": 0.95, "tcp": 0.8, "gateway": 0.9}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), params_b=st.floats(1, 5000), tokens_m=st.floats(0.5, 256), mfu=st.floats(0.05, 1),
       overlap=st.floats(0.05, 1), h=st.integers(1, 500), protection=st.sampled_from(["1+1", "split", "none"]),
       gpus=st.integers(1000, 200_000), growth=st.floats(0, 1),
       outer_sync=st.sampled_from(["blocking", "streaming", "eager"]), kind=st.sampled_from(sorted(SHARE)))
def test_plan_applies_the_formulas_exactly(make_spec, data, params_b, tokens_m, mfu, overlap, h, protection, gpus,
                                           growth, outer_sync, kind):
    spec = make_spec(sites=[{"id": "dallas", "gpus": gpus, "server": "gb200-nvl72-tray"},
                            {"id": "ashburn", "gpus": gpus, "server": "hgx-b200"}],
                     job={"params_total_b": params_b, "params_active_b": params_b, "tokens_per_step_m": tokens_m,
                          "mfu": mfu, "overlap": overlap, "sync_every_steps": h, "outer_sync": outer_sync},
                     protection=protection, growth=growth, transport={"kind": kind})
    t = 6 * params_b * 1e9 * tokens_m * 1e6 / ((gpus * 2500e12 + gpus * 2250e12) * mfu)
    # DiLoCo (H > 1) sends 32-bit pseudo-gradients; blocking DiLoCo overlaps nothing.
    traffic = (32 if h > 1 else 16) * params_b * 1e9
    window = 0.0 if h > 1 and outer_sync == "blocking" else overlap * t * h
    share = SHARE[kind]
    try:
        with mock.patch("aifabric.scale_across.plan.plan_derived", _fake_corridor(data.draw)):
            doc = plan_scale_across(spec).document
    except SpecError as exc:
        # Only when the round trip alone outlasts the window the fallback target allows.
        assert "no rate can reach efficiency" in exc.message
        assert window + t * h * (1 / 0.95 - 1) <= 0.03
        return
    assert doc["step_s"] == pytest.approx(t, rel=1e-6, abs=1e-6)
    assert doc["traffic_bits_per_sync"] == pytest.approx(traffic, rel=1e-12)
    assert doc["overlap"] * t * h == pytest.approx(window, rel=1e-5, abs=1e-9)
    fiber_latency = doc["algorithms"][0]["latency_term_ms_fiber"] / 1000
    target = 1.0 if window > fiber_latency else 0.95
    assert doc["target_efficiency"] == target
    allowance = t * h * (1 / target - 1)
    r = traffic / (window + allowance)
    assert doc["required_tbps_per_direction"] == pytest.approx(r / 1e12, rel=1e-5, abs=1e-6)
    demand = doc["corridor"]["demands"][0]
    split_share = 0.5 if protection == "split" else 1.0
    assert demand["capacity_tbps"] == pytest.approx(doc["demand_tbps_per_link"] * split_share, rel=1e-6)
    # The corridor is asked for at least R at the transport's share (the round trip only adds).
    assert demand["capacity_tbps"] >= r / share * (1 + growth) * split_share / 1e12 * (1 - 1e-6)
    paths = {p["role"]: p for p in demand["paths"]}
    gbps = {r: p.get("waves", demand["waves"]) * p.get("rate_gbps", 400) * 1e9 for r, p in paths.items()}
    capacity = sum(gbps.values()) if protection == "split" else gbps["working"]
    rtt = max(p["rtt_ms"] for p in paths.values()) if protection == "split" else paths["working"]["rtt_ms"]

    def eff(cap, rtt_ms):
        if cap == 0:
            return 0.0
        exposed = max(0.0, traffic / (cap * share) + rtt_ms / 1000 - window)
        return t * h / (t * h + exposed)

    assert doc["efficiency"] == pytest.approx(eff(capacity, rtt), abs=2e-5)
    if eff(capacity, rtt) < target - 1e-4:
        assert doc["meets_target"] is False
    elif eff(capacity, rtt) >= target:
        assert doc["meets_target"] is True
    hiding = None if window + allowance <= rtt / 1000 else traffic / (window + allowance - rtt / 1000)
    if hiding is None:
        assert doc["required_tbps_hiding"] is None
        base = r / share
    else:
        assert doc["required_tbps_hiding"] == pytest.approx(hiding / 1e12, rel=1e-5)
        base = hiding / share
    for row in doc["efficiency_vs_capacity"]:
        cap = capacity if row["provisioned"] else row["multiple_of_required"] * base
        assert row["capacity_tbps"] == pytest.approx(cap / 1e12, rel=1e-5)
        assert row["efficiency"] == pytest.approx(eff(cap, rtt), abs=2e-5)
    cut = doc["after_cut"]
    cuts_working = paths["working"]["cuts_per_year"]
    assert cut["hours_on_fallback_per_year"] == pytest.approx(cuts_working * 12.0, abs=1e-3)
    assert cut["training_hours_lost_per_year"] == pytest.approx(doc["cut_hours_per_year"][protection], abs=1e-3)
    # Unprotected and rigid: each cut stalls the job for the repair, a restart and half a checkpoint interval.
    if doc["cut_hours_per_year"]["none"] is not None:
        assert doc["cut_hours_per_year"]["none"] == pytest.approx(cuts_working * (12 + 0.5 + 0.5), abs=1e-3)
    if protection == "none":
        assert (cut["capacity_tbps"], cut["efficiency"]) == (0.0, 0.0)
    elif protection == "1+1":
        assert cut["capacity_tbps"] == pytest.approx(gbps["protect"] / 1e12)
        assert cut["efficiency"] == pytest.approx(eff(gbps["protect"], paths["protect"]["rtt_ms"]), abs=2e-5)
    else:
        worst = min((eff(gbps[r], p["rtt_ms"]), gbps[r]) for r, p in paths.items())
        assert cut["efficiency"] == pytest.approx(worst[0], abs=2e-5)
    for p in doc["paths"]:
        for speed in ("400", "800"):
            assert p["bdp_bytes"][speed] == round(int(speed) * 1e9 * p["rtt_ms"] / 1000 / 8)
            # Every corridor path is far beyond the mlx5 formula's 1,000 m: round trip x rate bounds the headroom.
            assert p["pfc_headroom_bytes"][speed] == round(int(speed) * 1e9 * p["rtt_ms"] / 1000 / 8 + 2 * 9000)
