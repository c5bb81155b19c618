"""`scale-across plan`: the JSON contract on the shipped example, composition with the corridor core (the derived
spec reruns to the same corridor plan), the formulas applied to the corridor's numbers, failure behaviour."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from aifabric.scale_across import formulas as f
from aifabric.scale_across.plan import plan_scale_across

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scale-across" / "texas-nova-training.yaml"

CONTRACT_KEYS = {"step_s", "peak_tflops_per_gpu", "gpus", "traffic_bits_per_sync", "required_tbps_per_direction",
                 "paths", "efficiency", "efficiency_vs_capacity", "after_cut", "corridor",
                 "overlap", "overlap_source", "transport", "required_tbps_hiding", "algorithm", "per_site_step_s",
                 "straggler", "cut_hours_per_year"}
# The model's overlap for DDP: backward share 2/3 less the last 25 MB bucket of a 16-bit 1T gradient.
OVERLAP = 2 / 3 * (1 - 25e6 * 8 / 16e12)
PATH_KEYS = {"a", "z", "role", "rtt_ms", "km", "bdp_bytes", "pfc_headroom_bytes", "lossless_feasible"}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """Run the shipped example once through the CLI with --json and --out."""
    from aifabric.cli.main import run

    out = tmp_path_factory.mktemp("sa") / "out"
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), pytest.raises(SystemExit) as exit_info:
        run(["scale-across", "plan", str(EXAMPLE), "--json", "--out", str(out)])
    assert exit_info.value.code == 0
    return json.loads(buffer.getvalue()), out


def test_contract_keys_and_worked_case(shipped):
    doc, _ = shipped
    assert set(doc) >= CONTRACT_KEYS
    assert doc["step_s"] == pytest.approx(1.92, rel=1e-6)
    assert doc["overlap"] == pytest.approx(OVERLAP, rel=1e-6)
    assert doc["required_tbps_per_direction"] == pytest.approx(16e12 / (OVERLAP * 1.92) / 1e12, rel=1e-6)
    assert doc["traffic_bits_per_sync"] == 16e12
    assert doc["transport"]["kind"] == "roce-lossy" and doc["transport"]["efficiency"] == 0.5
    assert doc["algorithm"] == "ring" and doc["straggler"] is None
    assert doc["per_site_step_s"] == {"ashburn": 1.92, "dallas": 1.92}
    assert set(doc["cut_hours_per_year"]) == {"none", "1+1", "split"}
    assert "outer_sync" not in doc
    assert doc["peak_tflops_per_gpu"] == {"ashburn": 2500.0, "dallas": 2500.0}
    assert doc["gpus"] == {"ashburn": 100000, "dallas": 100000}
    for path in doc["paths"]:
        assert set(path) >= PATH_KEYS
        assert set(path["bdp_bytes"]) == set(path["pfc_headroom_bytes"]) == {"400", "800"}
    roles = [p["role"] for p in doc["paths"]]
    assert roles == ["working", "protect"]
    for row in doc["efficiency_vs_capacity"]:
        assert {"capacity_tbps", "efficiency"} <= set(row)


def test_paths_come_from_the_corridor_plan(shipped):
    doc, _ = shipped
    demand = doc["corridor"]["demands"][0]
    assert demand["capacity_tbps"] == pytest.approx(doc["demand_tbps_per_link"], rel=1e-6)
    # The corridor is asked for the line rate that hides the exchange: within 1 % of the one on its own round trip.
    assert demand["capacity_tbps"] == pytest.approx(doc["required_line_tbps"], rel=1e-2)
    assert demand["protection"] == "1+1"
    for p, c in zip(doc["paths"], demand["paths"], strict=True):
        assert (p["role"], p["rtt_ms"], p["km"]) == (c["role"], c["rtt_ms"], c["km"])
        for speed in ("400", "800"):
            assert p["bdp_bytes"][speed] == round(int(speed) * 1e9 * c["rtt_ms"] / 1000 / 8)
            # 2,000 km is far outside the mlx5 formula's domain (< 1,000 m): round trip x rate + a frame each end.
            assert p["pfc_headroom_bytes"][speed] == round(int(speed) * 1e9 * c["rtt_ms"] / 1000 / 8 + 2 * 9000)
        assert p["headroom_bound"] == "rtt-x-rate"
        # 2,000 km of headroom dwarfs a 160 MB switch buffer: lossy RoCE, PFC stops at the site edge.
        assert p["lossless_feasible"] is False
    assert doc["transport"]["mode"] == "lossy-with-congestion-control"
    assert doc["transport"]["in_flight_bytes"] == max(p["in_flight_bytes"] for p in doc["paths"])
    assert doc["transport"]["in_flight_bytes_per_gpu_nic"] == round(doc["transport"]["in_flight_bytes"] / 100000)
    # Availability, fibers and cost are the corridor designer's, passed through unchanged.
    terms = doc["corridor_terms"][0]
    assert terms["cost_usd"] == {s: c["total_usd"] for s, c in demand["cost"].items()}
    assert (terms["fibers"], terms["availability_percent"]) == (demand["fibers"], demand["availability"]["percent"])
    assert doc["after_cut"]["latency_step_ms"] == demand["differential_delay_ms"]
    assert doc["after_cut"]["mttr_h"] == doc["corridor"]["availability_inputs"]["mttr_h"]


def test_efficiency_is_the_formula_on_the_corridor_numbers(shipped):
    doc, _ = shipped
    demand = doc["corridor"]["demands"][0]
    capacity = demand["waves"] * demand["rate_gbps"] * 1e9
    working, protect = demand["paths"]
    t, traffic = doc["step_s"], doc["traffic_bits_per_sync"]
    window = OVERLAP * t
    # Lossy RoCE achieves half the line rate.
    expected = t / (t + max(0.0, traffic / (0.5 * capacity) + working["rtt_ms"] / 1000 - window))
    assert doc["efficiency"] == pytest.approx(expected, abs=1e-5)
    hiding = traffic / (window - working["rtt_ms"] / 1000)
    assert doc["required_tbps_hiding"] == pytest.approx(hiding / 1e12, rel=1e-6)
    assert doc["required_line_tbps"] == pytest.approx(hiding / 0.5 / 1e12, rel=1e-6)
    assert capacity >= hiding / 0.5  # the corridor carries the job as it runs
    required = doc["required_line_tbps"] * 1e12
    for row in doc["efficiency_vs_capacity"]:
        cap = row["capacity_tbps"] * 1e12
        if not row["provisioned"]:
            assert cap == pytest.approx(row["multiple_of_required"] * required, rel=1e-4)
        e = t / (t + max(0.0, traffic / (0.5 * cap) + working["rtt_ms"] / 1000 - window))
        assert row["efficiency"] == pytest.approx(e, abs=1e-4)
    # Efficiency never falls as capacity grows.
    effs = [r["efficiency"] for r in doc["efficiency_vs_capacity"]]
    assert effs == sorted(effs)
    # 1+1: a cut leaves the full capacity, on the longer protect path.
    cut = doc["after_cut"]
    assert cut["capacity_tbps"] == pytest.approx(capacity / 1e12)
    e_cut = t / (t + max(0.0, traffic / (0.5 * capacity) + protect["rtt_ms"] / 1000 - window))
    assert cut["efficiency"] == pytest.approx(e_cut, abs=1e-5)
    # The plan document rounds to 3 significant digits.
    assert cut["latency_step_ms"] == pytest.approx(protect["latency_ms"] - working["latency_ms"], abs=5e-3)
    assert cut["cuts_per_year"] == pytest.approx((working["km"] + protect["km"]) / 1000 * 2.13, abs=1e-3)


def test_out_writes_a_derived_corridor_spec_that_reruns_to_the_same_plan(shipped, cli):
    doc, out = shipped
    names = sorted(p.name for p in out.iterdir())
    for name in ("corridor.yaml", "rfp.csv", "rfp.md", "routes.geojson", "routes.kmz", "scale-across.json",
                 "efficiency.csv", "efficiency.png"):
        assert name in names
    code, text, err = cli("corridor", "plan", str(out / "corridor.yaml"), "--json")
    assert code == 0, err
    assert json.loads(text) == doc["corridor"]
    assert json.loads((out / "scale-across.json").read_text()) == doc


def test_diloco_h_divides_the_rate(make_spec):
    """Streaming DiLoCo overlaps the outer exchange with the next H steps: H divides the rate (pseudo-gradients are
    32-bit, twice the 16-bit gradient)."""
    base = plan_scale_across(make_spec()).document
    outer = plan_scale_across(make_spec("h.yaml", job={"sync_every_steps": 100, "outer_sync": "streaming"})).document
    assert outer["required_tbps_per_direction"] == pytest.approx(2 * base["required_tbps_per_direction"] / 100,
                                                                 rel=1e-5)
    assert outer["traffic_bits_per_sync"] == 2 * base["traffic_bits_per_sync"]
    assert outer["corridor"]["demands"][0]["waves"] < base["corridor"]["demands"][0]["waves"]


def test_pipeline_split_carries_the_boundary_activations(make_spec):
    doc = plan_scale_across(make_spec(job={"split": "pipeline", "hidden_size": 16384, "sync_every_steps": 10})).document
    assert doc["traffic_bits_per_sync"] == 16384 * 64e6 * 16
    # Activations cross every step: H does not apply to a pipeline split.
    assert doc["sync_every_steps"] == 1 and doc["algorithm"] == "chain" and "outer_sync" not in doc
    assert doc["required_tbps_per_direction"] == pytest.approx(16384 * 64e6 * 16 / doc["step_s"] / 1e12, rel=1e-5)


def test_split_protection_keeps_half_after_a_cut(make_spec):
    doc = plan_scale_across(make_spec(protection="split")).document
    demand = doc["corridor"]["demands"][0]
    assert demand["capacity_tbps"] == pytest.approx(doc["required_line_tbps"] / 2, rel=1e-2)
    assert demand["capacity_tbps"] == pytest.approx(doc["demand_tbps_per_link"] / 2, rel=1e-6)
    per_path = demand["waves"] * demand["rate_gbps"] / 1000
    assert doc["provisioned_tbps_per_direction"] == pytest.approx(2 * per_path)
    assert doc["after_cut"]["capacity_tbps"] == pytest.approx(per_path)
    assert doc["after_cut"]["efficiency"] < doc["efficiency"]


def test_unprotected_corridor_stalls_on_a_cut(make_spec):
    doc = plan_scale_across(make_spec(protection="none")).document
    assert [p["role"] for p in doc["paths"]] == ["working"]
    assert doc["after_cut"] == {**doc["after_cut"], "capacity_tbps": 0.0, "efficiency": 0.0, "latency_step_ms": None}


def test_three_sites_form_a_ring(make_spec):
    sites = [{"id": "dallas", "gpus": 100000, "server": "gb200-nvl72-tray"},
             {"id": "ashburn", "gpus": 100000, "server": "gb200-nvl72-tray"},
             {"id": "atlanta", "gpus": 100000, "server": "gb200-nvl72-tray"}]
    doc = plan_scale_across(make_spec(sites=sites, protection="none", job={"algorithm": "ring"})).document
    assert doc["algorithm"] == "ring"
    assert [(link["a"], link["z"]) for link in doc["links"]] == [("dallas", "ashburn"), ("ashburn", "atlanta"),
                                                                 ("atlanta", "dallas")]
    assert doc["traffic_bits_per_sync"] == pytest.approx(2 * 2 / 3 * 16e12)
    assert doc["latency_term_ms"] == pytest.approx(2 * max(p["rtt_ms"] for p in doc["paths"]), abs=1e-3)
    assert len(doc["corridor"]["demands"]) == 3


def test_fabric_site_comes_from_the_fabric_core(make_spec):

    sites = [{"id": "dallas", "fabric": str(ROOT / "topologies" / "colossus-100k.yaml")},
             {"id": "ashburn", "gpus": 100000, "server": "gb200-nvl72-tray"}]
    doc = plan_scale_across(make_spec(sites=sites)).document
    dallas = doc["sites"][0]
    assert (dallas["gpus"], dallas["gpu"], dallas["edge_switch"]) == (100000, "h100-sxm", "sn5600")
    assert dallas["fabric"]["switches"] == 3920
    flops = 100000 * 989.5e12 + 100000 * 2500e12
    assert doc["step_s"] == pytest.approx(6 * 1e12 * 64e6 / (flops * 0.4), rel=1e-6)


def test_short_small_link_can_stay_lossless(make_spec):
    """A 7B job between Dallas and Fort Worth (~50 km) needs one 400G port: its headroom fits 160 MB."""
    sites = [{"id": "dallas", "gpus": 1024, "server": "gb200-nvl72-tray"},
             {"id": "fort-worth", "gpus": 1024, "server": "gb200-nvl72-tray"}]
    doc = plan_scale_across(make_spec(sites=sites, protection="none",
                                      job={"params_total_b": 7, "params_active_b": 7, "tokens_per_step_m": 32})
                            ).document
    path = doc["paths"][0]
    assert path["edge_ports"]["400"] == 1
    assert path["lossless_feasible_by_speed"]["400"] is True
    assert path["lossless_feasible"] is True and doc["transport"]["lossless_end_to_end"] is True
    assert path["km"] < path["lossless_reach_km"]["400"]


def test_switch_without_published_buffer_is_not_called_lossless(make_spec):
    doc = plan_scale_across(make_spec(transport={"edge_switch": "qm9700"})).document
    assert doc["transport"]["unknown_buffers"] == ["qm9700"]
    assert not any(p["lossless_feasible"] for p in doc["paths"])


def test_vary_compares_split_and_h(make_spec, cli):
    spec = make_spec()
    code, out, err = cli("scale-across", "plan", spec, "--json", "--vary", "split=data,pipeline",
                         "--vary", "sync_every_steps=1,100", "--vary", "outer_sync=streaming")
    assert code == 0, err
    rows = json.loads(out)["comparisons"]
    assert [r["vary"] for r in rows] == [{"split": "data", "sync_every_steps": 1, "outer_sync": "streaming"},
                                         {"split": "data", "sync_every_steps": 100, "outer_sync": "streaming"},
                                         {"split": "pipeline", "sync_every_steps": 1, "outer_sync": "streaming"},
                                         {"split": "pipeline", "sync_every_steps": 100, "outer_sync": "streaming"}]
    # 32-bit pseudo-gradients every 100 steps: 2 / 100 of the per-step rate.
    assert rows[1]["required_tbps_per_direction"] == pytest.approx(rows[0]["required_tbps_per_direction"] / 50,
                                                                   rel=1e-5)
    assert rows[2]["required_tbps_per_direction"] == rows[3]["required_tbps_per_direction"]


def test_vary_sites_builds_a_ring(make_spec, cli):
    sites = [{"id": "dallas", "gpus": 100000, "server": "gb200-nvl72-tray"},
             {"id": "ashburn", "gpus": 100000, "server": "gb200-nvl72-tray"},
             {"id": "atlanta", "gpus": 50000, "server": "hgx-b200"}]
    spec = make_spec(sites=sites, ring=["dallas", "ashburn", "atlanta"])
    code, out, err = cli("scale-across", "plan", spec, "--json",
                         "--vary", "sites=dallas+ashburn,dallas+ashburn+atlanta")
    assert code == 0, err
    rows = json.loads(out)["comparisons"]
    assert [r["sites"] for r in rows] == [["dallas", "ashburn"], ["dallas", "ashburn", "atlanta"]]
    assert rows[1]["step_s"] < rows[0]["step_s"]


def test_table_output_shows_the_verdict(cli):
    code, out, err = cli("scale-across", "plan", str(EXAMPLE))
    assert code == 0, err
    # 25.425 Tb/s: the line rate that hides the round trip, whose DSP time counts every regen on the path.
    assert "verdict: lossy RoCE" in out and "1.920 s" in out and "12.500 Tb/s" in out and "25.425 Tb/s" in out
    flat = " ".join(out.split())
    assert "UNSURE" in flat and "round trip x rate" in flat
    assert "…" not in out  # no truncated cells


def test_capacity_zero_share_is_not_nan():
    assert math.isfinite(f.efficiency(1.0, 1, f.exposed_s(1.0, 1.0, 0.0, 1.0, 1.0, 1)))


def test_every_shipped_example_validates():
    """Every scale-across/*.yaml loads, names sites in its ring, and its sites stand on the corridor network."""
    from aifabric.scale_across.corridor import load_corridor_data
    from aifabric.scale_across.plan import _check_sites_on_network, ring_order
    from aifabric.scale_across.spec import load_scale_across_spec

    examples = sorted((ROOT / "scale-across").glob("*.yaml"))
    assert len(examples) >= 2
    for path in examples:
        spec, lines = load_scale_across_spec(path)
        assert len(ring_order(spec, str(path), lines)) == len(spec.sites)
        _, data, network = load_corridor_data(path, spec.corridor, lines)
        _check_sites_on_network(spec, str(path), lines, network, data)


def test_validate_knows_scale_across_specs(cli):
    code, out, err = cli("validate", str(EXAMPLE))
    assert code == 0, err
    assert "valid scale-across spec" in out
    code, _, err = cli("validate", str(ROOT / "tests" / "errors" / "scale-zero-mfu.yaml"))
    assert code == 2 and "job.mfu: must be > 0" in err
