"""Latency budgets: itemized terms from the catalog, measured over real paths."""

from __future__ import annotations

import json

from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES


def test_terms_add_up_and_come_from_the_catalog(cli, hardware):
    code, out, _ = cli("fabric", "latency", TOPOLOGIES / "colossus-100k.yaml", "--json")
    assert code == 0
    doc = json.loads(out)
    classes = [p["class"] for p in doc["paths"]]
    assert classes == ["same_leaf", "same_pod", "cross_pod"]
    switch = hardware.switch("sn5600")
    nic = hardware.nic("bluefield-3-b3140h")
    for path in doc["paths"]:
        terms = path["terms_ns"]
        assert abs(sum(terms.values()) - path["typical_ns"]) < 0.5
        assert terms["switch"] == path["switch_hops"] * switch.latency_ns
        assert terms["nic"] == 2 * nic.latency_ns
        assert path["min_ns"] <= path["typical_ns"] <= path["worst_ns"]
    assert doc["paths"][0]["switch_hops"] == 1 and doc["paths"][2]["switch_hops"] == 5
    assert "sn5600" in doc["sources"]["switch"] and "bluefield-3-b3140h" in doc["sources"]["nic"]


def test_a_longer_cable_gives_a_larger_propagation_term(tmp_path):
    near = tmp_path / "near.yaml"
    near.write_text("gpus: 8192\nplacement: {row_pitch_m: 2.4}\n")
    far = tmp_path / "far.yaml"
    far.write_text("gpus: 8192\nplacement: {row_pitch_m: 6.0}\n")
    near_paths = {p.path_class: p for p in plan_fabric(near).latencies}
    far_paths = {p.path_class: p for p in plan_fabric(far).latencies}
    assert far_paths["same_pod"].terms_ns["propagation"] > near_paths["same_pod"].terms_ns["propagation"]
    assert far_paths["same_pod"].worst_ns > near_paths["same_pod"].worst_ns
    assert far_paths["same_pod"].terms_ns["switch"] == near_paths["same_pod"].terms_ns["switch"]


def test_worst_is_a_real_path_not_a_sum_of_maxima():
    """Two NICs of one leaf: worst = the two slowest NIC links of the same leaf plus fixed terms."""
    result = plan_fabric(TOPOLOGIES / "spectrum-x-8k.yaml")
    same_leaf = next(p for p in result.latencies if p.path_class == "same_leaf")
    fixed = same_leaf.terms_ns["nic"] + same_leaf.terms_ns["switch"]
    assert same_leaf.worst_ns >= same_leaf.typical_ns >= same_leaf.min_ns > fixed


def test_spec_overrides_replace_catalog_terms(tmp_path, cli):
    spec = tmp_path / "s.yaml"
    spec.write_text("gpus: 8192\nlatency: {switch_ns: 300, nic_ns: 1000}\nlatency_budget_ns: 2500\n")
    code, out, _ = cli("fabric", "latency", spec, "--json")
    assert code == 0
    doc = json.loads(out)
    same_leaf = doc["paths"][0]
    assert same_leaf["terms_ns"]["switch"] == 300 and same_leaf["terms_ns"]["nic"] == 2000
    assert doc["sources"]["switch"] == "spec latency.switch_ns"
    assert doc["budget"]["ok"] is False
    assert any(v.startswith("same_pod (plane 0) worst") for v in doc["budget"]["violations"])


def test_plan_json_latency_block_comes_from_the_analysis(cli):
    code, out, _ = cli("fabric", "plan", TOPOLOGIES / "colossus-100k.yaml", "--json")
    plan_latency = json.loads(out)["latency_ns"]
    code, out, _ = cli("fabric", "latency", TOPOLOGIES / "colossus-100k.yaml", "--json")
    paths = {p["class"]: p for p in json.loads(out)["paths"]}
    assert plan_latency["same_leaf"] == paths["same_leaf"]["typical_ns"]
    assert plan_latency["worst"] == paths["cross_pod"]["worst_ns"]
