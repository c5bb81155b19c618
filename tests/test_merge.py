"""The small-design merge of the compute fabric into the converged leaf pair (NVIDIA's Enterprise RAs).

The HGX AI Factory RA 2-8-9-400 (ERA-00010-001 Tables 10/11, third-party transcription in tests/reference/
ra_networks.yaml) carries E/W and N/S on one SN5600 pair at 1-3 SU (4-12 nodes) and gives E/W a leaf pair of its own
at 4 SU; the NVL72 and RTX PRO AI Factory RAs: "for smaller design points the Compute Fabric has been merged with
the Converged Fabric". Invariants on every merged plan: each switch port carries one link, the E/W cages and the
converged cages of a switch are apart, every node's two N/S ports land on the pair's two switches, rail r on the
switch of its half, and the pair is ordered, powered and managed once.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.fabric.merge import pair_budget
from aifabric.fabric.networks import link_rows, oob_devices
from aifabric.fabric.plan import plan_fabric
from aifabric.fabric.rows import link_rows as compute_rows
from aifabric.fabric.rows import naming_for

PAIR = {"converged-leaf0000", "converged-leaf0001"}


def _hgx(servers: int, **more):
    return plan_fabric(None, {"servers": servers, "server": "hgx-h100", "switch": "sn5600", "port_gbps": 400,
                              **more})


def _all_rows(result):
    naming = naming_for(result.links, result.hardware)
    compute = [(*row, "compute") for row in compute_rows(result.links, result.hardware)]
    return compute + list(link_rows(result.networks, result.plan, result.hardware, naming, result.links.floor))


def _cage(port: str) -> int:
    return int(re.match(r"swp(\d+)", port).group(1))


@pytest.mark.parametrize("servers", [1, 4, 8, 12])
def test_hgx_small_designs_carry_the_compute_fabric_on_the_converged_pair(servers):
    document = _hgx(servers).document()
    networks = document["networks"]
    assert networks["compute"]["switches"] == {} and networks["compute"]["merged_into"] == "converged"
    assert networks["converged"]["switches"] == {"leaf": 2}
    assert networks["converged"]["switch_models"] == {"leaf": "sn5600"}   # the compute fabric's switch
    assert networks["converged"]["merged"]["compute_links"] == servers * 8 == networks["compute"]["links"]
    # The top-level keys stay the E/W fabric's: one tier over the pair, four rails per switch.
    assert document["tiers"] == 1 and document["switches"]["total"] == 2 and document["rails_per_leaf"] == 4
    assert document["links"]["nic_leaf"] == servers * 8
    # 2 switches for compute + converged (the RA's collapsed pair), and nothing else but OOB.
    assert networks["total"]["switches"] == 2 + sum(networks["oob"]["switches"].values())


def test_sixteen_hgx_nodes_keep_a_compute_fabric_of_their_own():
    """At 4 SU the RA separates E/W and N/S pairs: the pair's endpoint ports (37 cages) exceed its 32-cage
    downlink half. The E/W fabric is then the RA's dedicated leaf pair."""
    result = _hgx(16)
    networks = result.document()["networks"]
    assert "merged_into" not in networks["compute"] and networks["compute"]["switches"] == {"leaf": 2}
    assert networks["converged"]["switches"] == {"leaf": 2} and "merged" not in networks["converged"]
    from aifabric.fabric.networks import converged_rule

    budget = pair_budget(result.plan, converged_rule(result.plan, result.spec, result.hardware),
                         result.hardware.switch("sn5600"), 1.0)
    assert budget.endpoint_cages == 37 and budget.downlink_cages == 32


def test_merge_budget_of_the_ras_small_points():
    """12 nodes: 24 E/W cages (48 x 400G), 3 N/S cages (12 x 200G), 1 support cage: 28 of 32."""
    networks = _hgx(12).document()["networks"]
    merged = networks["converged"]["merged"]
    assert merged["downlink_cages"] == 32 and merged["switch_cages"] == 64
    endpoints = sum(merged["cages_per_switch"].get(k, 0) for k in ("compute", "node", "storage", "support"))
    assert merged["cages_per_switch"]["compute"] == 24 and endpoints == 28


def test_merge_compute_no_and_yes():
    assert "merged_into" not in _hgx(8, **{"networks.merge_compute": "no"}).document()["networks"]["compute"]
    forced = _hgx(16, **{"networks.merge_compute": "yes"})
    assert forced.plan.merged_into == "converged"
    assert any("spine layer later means recabling" in note for note in forced.plan.notes)
    # The DGX SuperPOD RAs keep the compute fabric apart.
    dgx = plan_fabric(None, {"servers": 4, "server": "dgx-h100"}).document()["networks"]["compute"]
    assert "merged_into" not in dgx


def test_bom_orders_the_pair_once_under_converged_and_power_is_counted_once(tmp_path):
    from aifabric.export.fabric_files import write_outputs

    result = _hgx(12)
    write_outputs(tmp_path, result, graph=False)
    with open(tmp_path / "bom.csv") as stream:
        bom = list(csv.DictReader(stream))
    switches = [line for line in bom if line["category"] == "switch"]
    assert sorted((line["catalog_id"], line["network"], line["quantity"]) for line in switches) == [
        ("sn2201", "oob", "3"), ("sn5600", "converged", "2")]
    document = json.loads((tmp_path / "summary.json").read_text())
    networks = document["networks"]
    switch_kw = 2 * result.hardware.switch("sn5600").power_w / 1000
    assert networks["compute"]["power_kw"] == pytest.approx(document["power_kw"]["total"] - switch_kw, abs=1e-3)
    assert networks["converged"]["power_kw"] >= switch_kw
    assert networks["total"]["power_kw"] == pytest.approx(
        sum(b["power_kw"] for k, b in networks.items() if k != "total"), abs=2e-3)
    # links.csv: the E/W links stay compute rows, ending on the pair.
    with open(tmp_path / "links.csv") as stream:
        links = list(csv.DictReader(stream))
    ew = [row for row in links if row["network"] == "compute"]
    assert len(ew) == 96 and {row["z_device"] for row in ew} == PAIR


def test_oob_manages_each_switch_of_the_pair_once():
    result = _hgx(12)
    networks = result.document()["networks"]
    assert networks["oob"]["managed_devices"]["switch"] == 2
    nets = result.networks
    devices = [d for d, cls, _ in oob_devices(nets, nets.layouts["oob"], result.plan, result.hardware,
                                               naming_for(result.links, result.hardware)) if cls == "switch"]
    assert sorted(devices) == sorted(PAIR)


def _check_merged_rows(result) -> None:
    rows = _all_rows(result)
    ends = Counter()
    for row in rows:
        ends[(row[0], row[1])] += 1
        ends[(row[2], row[3])] += 1
    assert not [end for end, n in ends.items() if n > 1 and not end[0].endswith("customer-edge")][:3]
    # E/W cages first, the converged network's after them, never one cage for both; none past the 64th.
    ew_cages = {switch: set() for switch in PAIR}
    own_cages = {switch: set() for switch in PAIR}
    for row in rows:
        for device, port in ((row[0], row[1]), (row[2], row[3])):
            if device in PAIR and port.startswith("swp"):   # not its management port (OOB)
                (ew_cages if row[10] == "compute" else own_cages)[device].add(_cage(port))
    for switch in PAIR:
        assert ew_cages[switch] and not ew_cages[switch] & own_cages[switch]
        assert max(ew_cages[switch] | own_cages[switch]) <= 64
    per_leaf = result.plan.rails // 2
    for row in rows:
        if row[10] == "compute":
            assert row[2] == f"converged-leaf{int(row[1].removeprefix('nic')) // per_leaf:04d}"
    ns: dict[str, set[str]] = {}
    for row in rows:
        if row[10] == "converged" and row[7] == "node_leaf":
            ns.setdefault(row[0], set()).add(row[2])
    assert len(ns) == result.plan.servers and all(switches == PAIR for switches in ns.values())


@pytest.mark.parametrize("servers", [4, 12])
def test_merged_pair_ports_are_each_used_once_on_cages_of_their_own(servers):
    _check_merged_rows(_hgx(servers))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(servers=st.integers(1, 20), support=st.integers(0, 12), customer=st.integers(0, 16),
       storage=st.integers(0, 6))
def test_auto_merges_exactly_while_the_endpoints_fit_the_downlink_half(servers, support, customer, storage):
    """auto merges iff each switch's endpoint ports fit its 1:1 downlink half (and every port fits the switch);
    a merged plan keeps every invariant."""
    sizes = {"networks.converged.support_servers": support, "networks.converged.customer_uplinks": customer,
             "networks.converged.storage_nodes": storage}
    result = _hgx(servers, **sizes)
    from aifabric.fabric.networks import converged_rule

    original = _hgx(servers, **sizes, **{"networks.merge_compute": "no"})
    rule = converged_rule(original.plan, original.spec, original.hardware)
    budget = pair_budget(original.plan, rule, original.hardware.switch("sn5600"), 1.0)
    fits = budget.endpoint_cages <= budget.downlink_cages and budget.total_cages <= budget.cages
    assert (result.plan.merged_into == "converged") == fits
    if fits:
        _check_merged_rows(result)
        networks = result.document()["networks"]
        assert networks["converged"]["links_by_class"]["node_leaf"] == 2 * servers


def test_merge_compute_flag_on_the_command_line(cli):
    code, out, err = cli("fabric", "plan", "--servers", "8", "--merge-compute", "no", "--json")
    assert code == 0, err
    assert "merged_into" not in json.loads(out)["networks"]["compute"]
    code, out, err = cli("fabric", "plan", "--servers", "8", "--json")
    assert code == 0 and json.loads(out)["networks"]["compute"]["merged_into"] == "converged"


@pytest.mark.parametrize("flags, message", [
    (["--servers", "64", "--merge-compute", "yes"], "cannot share the converged pair: each switch of the pair"),
    (["--servers", "8", "--planes", "2", "--port-gbps", "200", "--merge-compute", "yes"], "2 planes"),
    (["--servers", "8", "--networks", "oob", "--merge-compute", "yes"], "no converged network"),
    (["--servers", "8", "--merge-compute", "maybe"], "'auto', 'yes' or 'no'"),
])
def test_a_merge_that_cannot_be_built_is_a_one_line_error(cli, flags, message):
    code, out, err = cli("fabric", "plan", *flags, "--json")
    assert code == 2 and out == ""
    assert message in err and "--merge-compute" in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_spec_file_names_the_field_and_reads_an_unquoted_yes(cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("servers: 64\nnetworks:\n  merge_compute: yes\n")
    code, out, err = cli("fabric", "plan", str(path), "--json")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "bad.yaml" in err and "networks.merge_compute: yes, but" in err
    path.write_text("servers: 8\nnetworks:\n  merge_compute: yes\n")
    code, out, err = cli("fabric", "plan", str(path), "--json")
    assert code == 0 and json.loads(out)["networks"]["compute"]["merged_into"] == "converged"


def test_merged_outputs_are_deterministic(tmp_path):
    from aifabric.export.fabric_files import write_outputs

    for name in ("a", "b"):
        write_outputs(tmp_path / name, _hgx(12), graph=False)
    for file in ("links.csv", "bom.csv", "summary.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
