"""Scale-across as a training team runs it: overlap from the model, achieved (not line) rate per transport, the
cheapest collective that meets the target, DiLoCo as run, uneven sites, fiber cuts as events and PFC headroom by
the bound that applies — each against hand arithmetic, and the shipped three-site example recomputed by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from aifabric.scale_across import formulas as f
from aifabric.scale_across import recovery as rec
from aifabric.scale_across.plan import _path_json, plan_scale_across

ROOT = Path(__file__).resolve().parents[2]
THREE = ROOT / "scale-across" / "three-site-ring.yaml"
TEXAS = ROOT / "scale-across" / "texas-nova-training.yaml"
G16 = 16e12  # a 16-bit gradient of 1T parameters, bits


def _working(doc, index=0):
    return doc["corridor"]["demands"][index]["paths"][0]


# 1. Overlap from the model -------------------------------------------------------------------------------------

def test_default_overlap_is_the_backward_share_less_the_last_bucket(make_spec):
    doc = plan_scale_across(make_spec(job={"overlap": None})).document
    assert doc["overlap"] == pytest.approx(2 / 3 * (1 - 25e6 * 8 / G16), rel=1e-6)
    assert "Kaplan" in doc["overlap_source"] and "VLDB 2020" in doc["overlap_source"]
    # A bigger bucket exposes more of the gradient.
    big = plan_scale_across(make_spec("s.yaml", job={"overlap": None, "bucket_mb": 100_000})).document
    assert big["overlap"] == pytest.approx(2 / 3 * (1 - 100e9 * 8 / G16), rel=1e-6)
    assert f.ddp_overlap(2 / 3, 8e8, 1.6e9) == pytest.approx(1 / 3)
    given = plan_scale_across(make_spec("g.yaml", job={"overlap": 0.8})).document
    assert (given["overlap"], given["overlap_source"]) == (0.8, "spec (job.overlap)")


def test_required_rate_that_hides_takes_the_latency_out_of_the_window(make_spec):
    doc = plan_scale_across(make_spec(job={"overlap": None})).document
    t, overlap, rtt = doc["step_s"], doc["overlap"], _working(doc)["rtt_ms"] / 1000
    assert doc["required_tbps_per_direction"] == pytest.approx(G16 / (overlap * t) / 1e12, rel=1e-5)
    assert doc["required_tbps_hiding"] == pytest.approx(G16 / (overlap * t - rtt) / 1e12, rel=1e-5)
    assert doc["required_tbps_hiding"] > doc["required_tbps_per_direction"]
    # At 2/3 overlap the job needs 1.5x the rate the old overlap of 1 claimed.
    assert doc["required_tbps_per_direction"] == pytest.approx(1.5 * G16 / t / 1e12, rel=1e-4)


def test_fsdp_carries_one_and_a_half_gradients_over_the_whole_step(make_spec):
    ddp = plan_scale_across(make_spec(job={"overlap": None})).document
    fsdp = plan_scale_across(make_spec("f.yaml", job={"overlap": None, "parallelism": "fsdp"})).document
    assert fsdp["traffic_bits_per_sync"] == 1.5 * ddp["traffic_bits_per_sync"]
    assert fsdp["overlap"] == pytest.approx(1 - 2 * 25e6 * 8 / G16, rel=1e-6)
    assert "FSDP" in fsdp["overlap_source"]


# 2. Transport: achieved, not line, rate --------------------------------------------------------------------------

@pytest.mark.parametrize("kind, share", [("roce-lossy", 0.5), ("roce-xgs", 0.95), ("tcp", 0.8), ("gateway", 0.9)])
def test_transport_share_sizes_the_line_rate(make_spec, kind, share):
    doc = plan_scale_across(make_spec(transport={"kind": kind})).document
    assert doc["transport"]["kind"] == kind and doc["transport"]["efficiency"] == share
    assert doc["required_line_tbps"] == pytest.approx(doc["required_tbps_hiding"] / share, rel=1e-6)
    demand = doc["corridor"]["demands"][0]
    assert demand["capacity_tbps"] == pytest.approx(doc["required_line_tbps"], rel=1e-2)
    line = demand["waves"] * demand["rate_gbps"] * 1e9
    t, rtt = doc["step_s"], _working(doc)["rtt_ms"] / 1000
    exposed = max(0.0, G16 / (share * line) + rtt - t)
    assert doc["efficiency"] == pytest.approx(t / (t + exposed), abs=1e-6)
    assert doc["transport"]["achieved_tbps_per_direction"] == pytest.approx(share * line / 1e12, rel=1e-6)
    if kind != "roce-lossy":
        assert "UNSURE" in doc["transport"]["efficiency_source"]


def test_transport_efficiency_from_the_spec_wins(make_spec):
    doc = plan_scale_across(make_spec(transport={"kind": "tcp", "efficiency": 0.6})).document
    assert doc["transport"]["efficiency"] == 0.6
    assert doc["transport"]["efficiency_source"] == "spec (transport.efficiency)"


# 3. Collectives -------------------------------------------------------------------------------------------------

def test_per_link_traffic_per_algorithm():
    g = 1.0
    assert f.algorithm_bits_per_direction("ring", g, 3) == pytest.approx(4 / 3)
    assert f.algorithm_bits_per_direction("bidirectional-ring", g, 3) == pytest.approx(2 / 3)
    assert f.algorithm_bits_per_direction("mesh", g, 3) == pytest.approx(2 / 3)
    assert f.algorithm_bits_per_direction("hierarchical", g, 3) == 1.0
    for name in f.ALGORITHMS:
        assert f.algorithm_bits_per_direction(name, g, 2) == 1.0  # two sites: one gradient each way on one link
    assert [f.algorithm_round_trips(a, 4) for a in f.ALGORITHMS] == [3, 3, 1, 1]


def test_three_sites_pick_the_cheapest_collective_and_name_it(make_spec):
    sites = [{"id": "dallas", "gpus": 100000, "server": "gb200-nvl72-tray"},
             {"id": "ashburn", "gpus": 100000, "server": "gb200-nvl72-tray"},
             {"id": "atlanta", "gpus": 100000, "server": "gb200-nvl72-tray"}]
    doc = plan_scale_across(make_spec(sites=sites, protection="none")).document
    rows = {r["algorithm"]: r for r in doc["algorithms"]}
    assert set(rows) == set(f.ALGORITHMS)
    assert rows["ring"]["traffic_bits_per_sync"] == pytest.approx(4 / 3 * G16)
    assert rows["bidirectional-ring"]["traffic_bits_per_sync"] == pytest.approx(2 / 3 * G16)
    assert rows["mesh"]["traffic_bits_per_sync"] == pytest.approx(2 / 3 * G16)
    cheapest = min(rows.values(), key=lambda r: r["capacity_tbps_km"])
    assert doc["algorithm"] == cheapest["algorithm"] != "ring"
    assert doc["traffic_bits_per_sync"] == cheapest["traffic_bits_per_sync"]
    assert [[link["a"], link["z"]] for link in doc["links"]] == cheapest["links"]
    # About half the corridor of the one-way ring the tool charged before.
    assert cheapest["capacity_tbps_km"] < 0.6 * rows["ring"]["capacity_tbps_km"]
    forced = plan_scale_across(make_spec("m.yaml", sites=sites, protection="none", job={"algorithm": "mesh"})).document
    assert forced["algorithm"] == "mesh" and len(forced["links"]) == 3
    assert forced["latency_term_ms"] == pytest.approx(max(_working(forced, i)["rtt_ms"] for i in range(3)), abs=1e-3)


# 4. DiLoCo as run -----------------------------------------------------------------------------------------------

def test_blocking_diloco_costs_real_time_streaming_hides_it(make_spec):
    blocking = plan_scale_across(make_spec(job={"sync_every_steps": 100, "overlap": None})).document
    streaming = plan_scale_across(make_spec("s.yaml", job={"sync_every_steps": 100, "overlap": None,
                                                           "outer_sync": "streaming"})).document
    assert blocking["outer_sync"] == "blocking" and streaming["outer_sync"] == "streaming"
    assert blocking["overlap"] == 0.0 and "2311.08105" in blocking["overlap_source"]
    assert streaming["overlap"] == 1.0 and "2501.18512" in streaming["overlap_source"]
    # Pseudo-gradients are 32-bit by default.
    assert blocking["traffic_bits_per_sync"] == 2 * G16 and blocking["gradient_bits"] == 32
    # Nothing hides a blocking outer step: sized for the fallback target, and the efficiency shows the stall.
    assert blocking["target_efficiency"] == 0.95 and "UNSURE" in blocking["target_source"]
    t, h = blocking["step_s"], 100
    rtt = _working(blocking)["rtt_ms"] / 1000
    demand = blocking["corridor"]["demands"][0]
    achieved = 0.5 * demand["waves"] * demand["rate_gbps"] * 1e9
    assert blocking["efficiency"] == pytest.approx(t * h / (t * h + 2 * G16 / achieved + rtt), abs=1e-6)
    assert 0.95 <= blocking["efficiency"] < 1.0 and blocking["meets_target"] is True
    assert streaming["efficiency"] == 1.0
    assert blocking["required_tbps_per_direction"] > 10 * streaming["required_tbps_per_direction"]
    # The outer optimizer keeps fp32 parameters and momentum per site.
    assert blocking["outer_optimizer"]["bytes_per_site"] == 8 * 1e12
    assert blocking["outer_optimizer"]["bytes_per_gpu"] == round(8e12 / 100000)


def test_eager_and_an_impossible_target(make_spec, cli):
    eager = plan_scale_across(make_spec(job={"sync_every_steps": 10, "outer_sync": "eager", "overlap": None})
                              ).document
    assert "2502.12996" in eager["overlap_source"]
    spec = make_spec("x.yaml", job={"sync_every_steps": 2, "tokens_per_step_m": 0.01}, target_efficiency=0.999)
    code, _, err = cli("scale-across", "plan", spec, "--json")
    assert code == 2 and "no rate can reach efficiency 0.999" in err and "Traceback" not in err


# 5. Uneven sites ------------------------------------------------------------------------------------------------

def test_equal_token_split_names_the_straggler(make_spec):
    sites = [{"id": "dallas", "gpus": 100000, "gpu": "h100-sxm"},
             {"id": "ashburn", "gpus": 100000, "server": "gb200-nvl72-tray"}]
    flops = plan_scale_across(make_spec(sites=sites)).document
    assert flops["straggler"] is None and flops["straggler_efficiency"] == 1.0
    equal = plan_scale_across(make_spec("e.yaml", sites=sites, job={"token_split": "equal"})).document
    per_gpu = 6 * 1e12 * 64e6 / 200000 / 0.4
    assert equal["per_site_step_s"]["dallas"] == pytest.approx(per_gpu / 989.5e12, rel=1e-6)
    assert equal["per_site_step_s"]["ashburn"] == pytest.approx(per_gpu / 2500e12, rel=1e-6)
    assert equal["straggler"] == "dallas"
    assert equal["step_s"] == equal["per_site_step_s"]["dallas"]
    balanced = 6 * 1e12 * 64e6 / ((989.5e12 + 2500e12) * 100000 * 0.4)
    assert equal["straggler_efficiency"] == pytest.approx(balanced / equal["step_s"], rel=1e-5)
    assert equal["overall_efficiency"] == pytest.approx(equal["efficiency"] * equal["straggler_efficiency"],
                                                        rel=1e-5)


# 6. Cuts as events ----------------------------------------------------------------------------------------------

def test_recovery_event_arithmetic():
    inputs = {"switchover_ms": 50.0, "retransmit_timeout_ms": 4294.967296, "retry_count": 7.0,
              "collective_timeout_s": 600.0, "checkpoint_interval_h": 1.0, "restart_h": 0.5, "elastic": False}
    assert rec.retransmit_stall_s(50, 4294.967296, 7) == pytest.approx(4.294967296)
    assert rec.protected_event_h(inputs) == pytest.approx(4.294967296 / 3600)
    # A switchover longer than every retry fails the collective: timeout + restart + half an interval.
    slow = {**inputs, "switchover_ms": 60_000.0}
    assert rec.protected_event_h(slow) == pytest.approx(600 / 3600 + 0.5 + 0.5)
    assert rec.unprotected_event_h(inputs, 12.0, 0.5) == pytest.approx(12 + 0.5 + 0.5)
    elastic = {**inputs, "elastic": True}
    down = 12 - 600 / 3600 - 0.5
    assert rec.unprotected_event_h(elastic, 12.0, 0.5) == pytest.approx(600 / 3600 + 0.5 + 0.5 + down * 0.5 + 0.5)
    assert rec.degraded_h(12.0, 1.0, 0.75) == pytest.approx(3.0)


def test_cut_hours_per_protection_on_the_plan(make_spec):
    doc = plan_scale_across(make_spec(job={"overlap": None})).document
    hours = doc["cut_hours_per_year"]
    working, protect = doc["corridor"]["demands"][0]["paths"]
    event = 4.294967296 / 3600
    # 1+1 is no longer free: every working cut costs a retransmission stall after the switchover.
    assert hours["1+1"] == pytest.approx(working["cuts_per_year"] * event, abs=1e-3) and hours["1+1"] > 0
    assert hours["none"] == pytest.approx(working["cuts_per_year"] * 13, abs=1e-3)
    split = doc["cut_events"]["split"]
    assert split["cuts_per_year"] == pytest.approx(working["cuts_per_year"] + protect["cuts_per_year"], abs=1e-3)
    assert hours["split"] > hours["1+1"]
    assert doc["after_cut"]["training_hours_lost_per_year"] == hours["1+1"]
    # An elastic job keeps training on one site (half the compute) while the unprotected path is down.
    elastic = plan_scale_across(make_spec("e.yaml", job={"overlap": None}, recovery={"elastic": True})).document
    assert elastic["cut_hours_per_year"]["none"] < 0.6 * hours["none"]
    assert elastic["cut_events"]["none"]["elastic"] is True
    # Unprotected plans still price the 1+1 and split choices from the routing core's diverse pair.
    bare = plan_scale_across(make_spec("n.yaml", job={"overlap": None}, protection="none")).document
    assert bare["cut_hours_per_year"]["1+1"] is not None and bare["cut_hours_per_year"]["1+1"] > 0


# 7. Buffers over distance ---------------------------------------------------------------------------------------

def test_headroom_bound_follows_the_cable_length():
    path = {"role": "working", "rtt_ms": 0.02, "km": 0.5, "sites": ["a", "z"], "cuts_per_year": 0.0}
    short = _path_json("a", "z", path, 400, [400], 9000, 1, 160e6)
    assert short["headroom_bound"] == "mlx5"
    assert short["pfc_headroom_bytes"]["400"] == round(f.pfc_headroom_bytes(500, 400_000, 9000))
    far = _path_json("a", "z", {**path, "km": 100.0, "rtt_ms": 1.0}, 400, [400], 9000, 1, 160e6)
    assert far["headroom_bound"] == "rtt-x-rate"
    assert far["pfc_headroom_bytes"]["400"] == round(400e9 * 1e-3 / 8 + 2 * 9000)
    # The mlx5 formula would claim ~1.76x as much at that length.
    assert f.pfc_headroom_bytes(100_000, 400_000, 9000) / far["pfc_headroom_bytes"]["400"] > 1.7
    # Reach: one 400G port in 160 MB holds 3.2 ms of round trip, ~327 km of fiber, well past the mlx5 domain.
    assert short["lossless_reach_km"]["400"] == pytest.approx(
        (160e6 - 2 * 9000) * 8 / 400e9 * 1e6 / (2 * 4.8966), rel=1e-3)
    tiny = _path_json("a", "z", path, 400, [400], 9000, 1, 0.4e6)
    assert tiny["lossless_reach_km"]["400"] == pytest.approx(f.lossless_reach_m(0.4e6, 1, 400_000, 9000) / 1000,
                                                             abs=1e-3)
    assert tiny["lossless_reach_km"]["400"] < 1.0


def test_verdict_names_the_bound(make_spec):
    doc = plan_scale_across(make_spec()).document
    assert "round trip x rate" in doc["transport"]["verdict"] and "1,000 m" in doc["transport"]["verdict"]


# The shipped examples, by hand ----------------------------------------------------------------------------------

def test_three_site_example_by_hand(cli):
    code, out, err = cli("scale-across", "plan", str(THREE), "--json")
    assert code == 0, err
    doc = json.loads(out)
    flops = 100000 * 989.5e12 + 100000 * 2500e12 + 50000 * 2250e12
    t = 6 * 1e12 * 64e6 / (flops * 0.4)
    assert doc["step_s"] == pytest.approx(t, rel=1e-6)
    overlap = 2 / 3 * (1 - 25e6 * 8 / G16)
    assert doc["overlap"] == pytest.approx(overlap, rel=1e-6)
    rows = {r["algorithm"]: r for r in doc["algorithms"]}
    factors = {"ring": 4 / 3, "bidirectional-ring": 2 / 3, "mesh": 2 / 3, "hierarchical": 1.0}
    for name, factor in factors.items():
        assert rows[name]["traffic_bits_per_sync"] == pytest.approx(factor * G16)
    assert doc["algorithm"] == min(rows.values(), key=lambda r: r["capacity_tbps_km"])["algorithm"]
    rtt = max(d["paths"][0]["rtt_ms"] for d in doc["corridor"]["demands"]) / 1000
    trips = f.algorithm_round_trips(doc["algorithm"], 3)
    assert doc["latency_term_ms"] == pytest.approx(trips * rtt * 1000, abs=1e-3)
    traffic = factors[doc["algorithm"]] * G16
    hiding = traffic / (overlap * t - trips * rtt)
    assert doc["required_tbps_hiding"] == pytest.approx(hiding / 1e12, rel=1e-5)
    assert doc["required_line_tbps"] == pytest.approx(hiding / 0.5 / 1e12, rel=1e-5)
    line = min(d["waves"] * d["rate_gbps"] * 1e9 for d in doc["corridor"]["demands"])
    exposed = max(0.0, traffic / (0.5 * line) + trips * rtt - overlap * t)
    assert doc["efficiency"] == pytest.approx(t / (t + exposed), abs=1e-6)
    # Growth 0.25 on the line rate: the corridor carries the job as it runs, with room to grow.
    assert line >= 1.25 * hiding / 0.5 * (1 - 1e-2)


def test_vary_overlap_and_transport(make_spec, cli):
    code, out, err = cli("scale-across", "plan", make_spec(), "--json", "--vary", "overlap=model,1.0",
                         "--vary", "transport=roce-lossy,roce-xgs")
    assert code == 0, err
    rows = json.loads(out)["comparisons"]
    assert [r["vary"] for r in rows] == [{"overlap": o, "transport": k} for o in ("model", 1.0)
                                         for k in ("roce-lossy", "roce-xgs")]
    assert rows[0]["overlap"] == pytest.approx(2 / 3 * (1 - 25e6 * 8 / G16), rel=1e-5)
    assert rows[0]["required_line_tbps"] > rows[2]["required_line_tbps"]
    assert rows[0]["required_line_tbps"] == pytest.approx(rows[1]["required_line_tbps"] * 0.95 / 0.5, rel=1e-6)
    assert all(math.isfinite(r["required_line_tbps"]) for r in rows)
