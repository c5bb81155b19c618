"""Issue 21 (an orderable bill of materials), items 3, 7 and 8: polarity and gender of every fiber channel, latency
by lane rate and ASIC with a budget `fabric plan` reports, and the 4U liquid-cooled HGX H100 of Colossus-1. Each
defect is a test that failed before it was fixed."""

from __future__ import annotations

import json

import pytest

from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES

# ---------------------------------------------------------------------------------------------------------------
# Item 7: latency per lane rate and per ASIC


def _fec_per_hop(result) -> float:
    same_leaf = next(p for p in result.latencies if p.path_class == "same_leaf")
    return same_leaf.terms_ns["fec"] / 2  # two hops: NIC -> leaf -> NIC


def test_fec_latency_follows_the_lane_rate():
    """FEC cost 51 ns per hop on 50G-, 100G- and 200G-lane links alike; one RS(544,514) codeword (5,440 bits) at
    the lane's signalling rate is 102.4 ns at 53.125 Gb/s, 51.2 ns at 106.25 Gb/s, 25.6 ns at 212.5 Gb/s."""
    lanes_50 = plan_fabric(None, {"gpus": 2048, "switch": "sn5400"})
    lanes_100 = plan_fabric(None, {"gpus": 2048, "switch": "sn5600"})
    lanes_200 = plan_fabric(TOPOLOGIES / "gb300-nvl72-superpod.yaml")
    assert lanes_50.hardware.switch("sn5400").lane_gbps == 50
    assert lanes_200.hardware.switch(lanes_200.plan.switch_id).lane_gbps == 200
    assert _fec_per_hop(lanes_50) == pytest.approx(5440 / 53.125, abs=0.1)
    assert _fec_per_hop(lanes_100) == pytest.approx(5440 / 106.25, abs=0.1)
    assert _fec_per_hop(lanes_200) == pytest.approx(5440 / 212.5, abs=0.1)


def test_fec_source_names_the_code_and_lane_rate(cli):
    code, out, _ = cli("fabric", "latency", "--gpus", "2048", "--switch", "sn5400", "--json")
    assert code == 0
    source = json.loads(out)["sources"]["fec"]
    assert "RS(544,514)" in source and "53.125" in source


def test_switch_latency_is_per_asic(hardware):
    """The Q3400's latency was the QM9700's (a Quantum-2 figure on a Quantum-X800 switch)."""
    q3400, qm9700 = hardware.switch("q3400"), hardware.switch("qm9700")
    assert (q3400.asic, qm9700.asic) == ("quantum-x800", "quantum-2")
    assert q3400.latency_ns != qm9700.latency_ns
    assert "Quantum-X800" in q3400.source and "UNSURE" in q3400.source
    by_asic: dict[str, set[float]] = {}
    for switch in hardware.switches.values():
        assert switch.asic, f"{switch.id} names no ASIC"
        by_asic.setdefault(switch.asic, set()).add(switch.latency_ns)
    assert all(len(values) == 1 for values in by_asic.values()), by_asic


def test_plan_reports_a_violated_latency_budget(cli):
    """`fabric plan --latency-budget-ns 10` said nothing, although its help promises "met or violated"."""
    code, out, _ = cli("fabric", "plan", "--gpus", "2048", "--switch", "sn5600", "--latency-budget-ns", "10")
    assert code == 0
    assert "Latency budget" in out and "violated" in out
    code, out, _ = cli("fabric", "plan", "--gpus", "2048", "--switch", "sn5600", "--latency-budget-ns", "10",
                       "--json")
    budget = json.loads(out)["latency_budget"]
    assert set(budget) == {"ns", "met", "worst_class", "worst_ns"}
    assert budget["ns"] == 10 and budget["met"] is False and budget["worst_ns"] > 10


def test_plan_budget_agrees_with_fabric_latency(cli):
    args = (TOPOLOGIES / "colossus-100k.yaml", "--latency-budget-ns", "5000", "--json")
    _, plan_out, _ = cli("fabric", "plan", *args)
    _, latency_out, _ = cli("fabric", "latency", *args)
    plan_budget, latency = json.loads(plan_out)["latency_budget"], json.loads(latency_out)
    worst = max(latency["paths"], key=lambda p: p["worst_ns"])
    assert plan_budget["worst_ns"] == latency["budget"]["worst_ns"] == worst["worst_ns"]
    assert plan_budget["worst_class"] == worst["class"]
    assert plan_budget["met"] == latency["budget"]["ok"]
    _, out, _ = cli("fabric", "plan", TOPOLOGIES / "colossus-100k.yaml", "--latency-budget-ns", "1e6")
    assert "met" in out and "violated" not in out


def test_plan_json_has_no_budget_without_one(cli):
    _, out, _ = cli("fabric", "plan", "--gpus", "2048", "--switch", "sn5600", "--json")
    assert "latency_budget" not in json.loads(out)


# ---------------------------------------------------------------------------------------------------------------
# Item 8: Colossus-1's rack, 8 x 4U liquid-cooled HGX H100


def test_colossus_1_rack_of_eight_4u_servers():
    """hgx-h100 is 8U, so Colossus-1's eight servers per rack could not be expressed."""
    result = plan_fabric(TOPOLOGIES / "colossus-100k.yaml")
    server = result.hardware.server(result.plan.server_id)
    assert (server.height_u, server.cooling, server.gpus) == (4, "liquid", 8)
    assert server.order_code == "SYS-421GE-TNHR2-LCC" and server.vendor == "Supermicro"
    assert result.links.floor.servers_per_rack == 8
    site = result.document()["site"]
    # ServeTheHome's tour: more than 1,500 racks of 64 GPUs, about four halls.
    assert site["compute_racks"] >= 1500
    assert site["halls"] == 4


def test_eight_8u_servers_do_not_fit_a_rack():
    from aifabric.errors import SpecError

    with pytest.raises(SpecError, match="servers_per_rack"):
        plan_fabric(TOPOLOGIES / "colossus-100k.yaml", {"server": "hgx-h100"})
