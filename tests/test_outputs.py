"""`fabric plan --out`: the files, their agreement with the solver, determinism and atomicity."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import networkx as nx

from aifabric.fabric.plan import plan_fabric
from tests.conftest import ROOT, TOPOLOGIES

SPEC = TOPOLOGIES / "dgx-h100-superpod-4su.yaml"


def test_out_writes_all_files_that_agree(cli, tmp_path):
    code, _, err = cli("fabric", "plan", SPEC, "--out", tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["addressing.csv", "bom.csv", "graph.graphml", "links.csv",
                                                          "summary.json"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    with open(tmp_path / "links.csv") as stream:
        rows = [r for r in csv.DictReader(stream) if r["network"] == "compute"]
    assert len(rows) == summary["links"]["total"] == 2040
    assert {r["medium"] for r in rows} == {"mmf-sr4"}
    assert len({(r["z_device"], r["z_port"]) for r in rows}) == len(rows), "a switch port is cabled twice"
    with open(tmp_path / "bom.csv") as stream:
        bom = list(csv.DictReader(stream))
    assert list(bom[0].keys()) == ["category", "catalog_id", "part", "description", "quantity", "unit_power_w",
                                   "total_power_w", "source", "order_code", "vendor", "verified", "spares",
                                   "lead_time_weeks", "network"]
    bom = [b for b in bom if b["network"] == "compute"]
    switches = [b for b in bom if b["category"] == "switch"]
    assert switches[0]["catalog_id"] == "qm9700" and int(switches[0]["quantity"]) == 48
    optics = sum(int(b["quantity"]) for b in bom if b["category"] == "transceiver")
    assert optics == 1536 + 508
    cords = sum(int(b["quantity"]) for b in bom if b["category"] == "cable")
    assert cords == 2040, "one MPO cord per link"
    graph = nx.read_graphml(tmp_path / "graph.graphml")
    with open(tmp_path / "links.csv") as stream:
        every = list(csv.DictReader(stream))
    # Every network's links (the compute fabric's 2040 and the others') + server-to-NIC attachments; the compute
    # fabric's nodes carry the key's default network, the other networks' devices their own.
    assert graph.number_of_edges() == len(every) + 1016 > 2040 + 1016
    compute_nodes = [n for n, d in graph.nodes(data=True) if "network" not in d]
    assert graph.graph["node_default"] == {"network": "compute"}
    assert len(compute_nodes) == 127 + 1016 + 48
    devices = {r["a_device"] for r in every} | {r["z_device"] for r in every}
    assert graph.number_of_nodes() == len(devices | set(compute_nodes))


def test_links_csv_lengths_and_ports(cli, tmp_path):
    code, _, _ = cli("fabric", "plan", TOPOLOGIES / "colossus-100k.yaml", "--out", tmp_path, "--no-graph")
    assert code == 0
    with open(tmp_path / "links.csv") as stream:
        reader = csv.DictReader(stream)
        first = next(reader)
        count = 1 + sum(1 for row in reader if row["network"] == "compute")
    assert count == 300_704
    assert first["a_device"] == "su000/server000" and first["a_port"] == "nic0"
    assert first["z_device"] == "plane0/pod000/leaf0000" and first["z_port"] == "swp1s0"
    assert float(first["length_m"]) > 0


def test_same_spec_gives_byte_identical_files_across_hash_seeds(tmp_path):
    outputs = []
    for seed in ("0", "12345"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "aifabric", "fabric", "plan", str(SPEC), "--out", str(out), "--json"],
                       check=True, env=env, cwd=ROOT, capture_output=True)
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]


def test_failed_run_leaves_previous_files_intact(cli, tmp_path):
    code, _, _ = cli("fabric", "plan", SPEC, "--out", tmp_path)
    assert code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    bad = tmp_path.parent / "bad.yaml"
    bad.write_text("gpus: 100000\ntiers: 2\n")
    code, _, _ = cli("fabric", "plan", bad, "--out", tmp_path)
    assert code == 2
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert before == after
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temp files left behind"


def test_json_flag_prints_only_the_contract_document(cli):
    code, out, _ = cli("fabric", "plan", "--gpus", "8192", "--switch", "sn5600", "--json")
    assert code == 0
    doc = json.loads(out)
    for key in ("name", "gpus", "servers", "gpus_per_server", "rails", "planes", "tiers", "switch_model", "port_gbps",
                "nic_gbps", "oversubscription", "switches", "links", "lower_bound_switches", "bisection_tbps",
                "media", "transceivers", "latency_ns", "power_kw"):
        assert key in doc
    assert set(doc["latency_ns"]) >= {"same_leaf", "same_pod", "worst"}
    assert set(doc["power_kw"]) >= {"switches", "transceivers", "nics", "total"}
    assert doc["power_kw"]["total"] == round(sum(doc["power_kw"][k] for k in ("switches", "transceivers", "nics")), 3)


def test_flags_override_the_spec():
    doc = plan_fabric(TOPOLOGIES / "spectrum-x-8k.yaml", {"gpus": 4096}).document()
    assert doc["gpus"] == 4096 and doc["switch_model"] == "sn5600"


def test_longer_floor_needs_longer_reach_media_and_more_latency(tmp_path):
    order = ["dac", "dac-splitter", "acc", "mmf-sr4", "smf-dr8", "smf-2xdr4", "smf-2xfr4"]
    compact = tmp_path / "compact.yaml"
    compact.write_text("gpus: 65536\nplacement: {racks_per_row: 16, row_pitch_m: 2.4}\n")
    sprawling = tmp_path / "sprawling.yaml"
    sprawling.write_text("gpus: 65536\nplacement: {racks_per_row: 16, row_pitch_m: 6.0}\n")
    near = plan_fabric(compact).document()
    far = plan_fabric(sprawling).document()
    assert near["switches"] == far["switches"]
    assert max(order.index(m) for m in far["media"]) >= max(order.index(m) for m in near["media"])
    assert far["latency_ns"]["worst"] > near["latency_ns"]["worst"]
