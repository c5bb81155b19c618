"""The networks beside the compute fabric: converged north-south, storage, out-of-band management and NVLink.

Invariants on shipped topologies (every managed device has an OOB port, every node's N/S ports land on different
switches, no two links share a switch port, plan --json counts equal links.csv rows per network) and the counts
NVIDIA's RAs publish that the rules reproduce.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aifabric.fabric.networks import link_rows, oob_devices, tiered
from aifabric.fabric.plan import plan_fabric
from aifabric.fabric.rows import link_rows as compute_rows
from aifabric.fabric.rows import naming_for

TOPOLOGIES = Path(__file__).parent.parent / "topologies"
# Row-level invariants build every link; the campus-scale specs (millions of links) are checked by counts below.
SMALL = ["b300-twin-plane", "dgx-h100-superpod-16su", "dgx-h100-superpod-4su", "gb200-nvl72-superpod",
         "gb300-nvl72-spectrum-x", "gb300-nvl72-superpod", "hgx-enterprise-3su", "spectrum-x-8k"]
ALL = sorted(p.stem for p in TOPOLOGIES.glob("*.yaml"))


def _planned(name: str, overrides: dict | None = None):
    result = plan_fabric(TOPOLOGIES / f"{name}.yaml", overrides or {})
    rows = list(link_rows(result.networks, result.plan, result.hardware, naming_for(result.links, result.hardware),
                          result.links.floor))
    return result, rows


@pytest.fixture(scope="module", params=SMALL)
def planned(request):
    return request.param, *_planned(request.param)


def test_plan_json_counts_equal_the_link_rows_per_network(planned):
    _, result, rows = planned
    document = result.document()
    by_network = Counter(row[10] for row in rows)
    by_class = Counter((row[10], row[7]) for row in rows)
    for name, block in document["networks"].items():
        if name in ("compute", "total"):
            continue
        assert block["links"] == by_network.get(name, 0), name
        for cls, n in block["links_by_class"].items():
            assert by_class[(name, cls)] == n, (name, cls)
    assert document["networks"]["compute"]["links"] == document["links"]["total"]
    assert document["networks"]["total"]["links"] == document["links"]["total"] + len(rows)


def test_no_two_links_share_a_switch_port(planned):
    _, result, rows = planned
    ends = Counter()
    for row in list(compute_rows(result.links, result.hardware)):
        ends[(row[0], row[1], row[8])] += 1
        ends[(row[2], row[3], row[8])] += 1
    for row in rows:
        ends[(row[0], row[1], row[8])] += 1
        ends[(row[2], row[3], row[8])] += 1
    shared = [end for end, n in ends.items() if n > 1 and not end[0].endswith("customer-edge")]
    assert not shared[:5]


def test_every_node_lands_its_ns_ports_on_different_switches(planned):
    _, result, rows = planned
    for name in ("converged", "storage"):
        if name not in result.networks.layouts:
            continue
        rule = result.networks.layouts[name].rule
        leaves: dict[str, list[str]] = {}
        for row in rows:
            if row[10] == name and row[7] == "node_leaf":
                leaves.setdefault(row[0], []).append(row[2])
        assert len(leaves) == result.plan.servers
        for node, switches in leaves.items():
            assert len(switches) == rule.ports_per_node and len(set(switches)) == len(switches), node


def test_every_managed_device_has_an_oob_port(planned):
    _, result, rows = planned
    nets = result.networks
    assert "oob" in nets.networks
    devices = {device for device, _, _ in oob_devices(nets, nets.layouts["oob"], result.plan, result.hardware,
                                                       naming_for(result.links, result.hardware))}
    cabled = {row[0] for row in rows if row[10] == "oob" and row[7] == "device_oob"}
    assert devices == cabled
    # Every switch of every other network is a managed device.
    switches = {row[2] for row in compute_rows(result.links, result.hardware)}
    switches |= {row[2] for row in rows if row[10] in ("converged", "storage") and row[7] != "customer_uplink"}
    switches |= {row[0] for row in rows if row[10] in ("converged", "storage") and row[7] in ("leaf_spine",
                                                                                            "spine_core", "isl")}
    assert switches <= devices
    server_names = set(naming_for(result.links, result.hardware).server_names())
    assert server_names <= devices


@pytest.mark.parametrize("name", ALL)
def test_every_shipped_topology_plans_its_ra_networks(name):
    result = plan_fabric(TOPOLOGIES / f"{name}.yaml", {})
    document = result.document()
    planned = document["networks"]["total"]["planned"]
    assert planned[0] == "compute"
    assert set(result.networks.profile.planned) - {"nvlink"} <= set(planned)
    if result.plan.rack_scale:
        assert "nvlink" in planned
    oob = document["networks"]["oob"]
    # Every managed device class has ports, and the OOB network takes every switch of the other networks.
    others = sum(sum(b["switches"].values()) for k, b in document["networks"].items()
                 if k not in ("oob", "nvlink", "total"))
    assert oob["managed_devices"]["switch"] == others
    assert document["networks"]["total"]["power_kw"] >= document["power_kw"]["total"]


def test_dgx_h100_in_band_network_is_the_ras():
    """RA-11333-001 Appendix A (Tables 7 and 8): the 4-SU in-band management network is 8 SN4600C switches with
    254 DGX links (two per node), 8 management-node and 8 NFS storage links, 4 uplinks, 6 ISLs and 24 leaf-core
    links; the OOB network takes every DGX BMC, the 64 InfiniBand and 8 in-band switches, 8 management nodes and
    three PDUs per compute rack, and each OOB switch has two uplinks into the in-band network."""
    result = plan_fabric(TOPOLOGIES / "dgx-h100-superpod-4su.yaml", {})
    networks = result.document()["networks"]
    converged = networks["converged"]
    assert converged["switches"] == {"leaf": 6, "spine": 2}
    assert converged["switch_models"] == {"leaf": "sn4600c", "spine": "sn4600c"}
    assert converged["links_by_class"] == {"node_leaf": 254, "support_spine": 8, "storage_spine": 8,
                                           "customer_uplink": 4, "isl": 6, "leaf_spine": 24}
    assert converged["links"] == 304
    oob = networks["oob"]
    assert oob["managed_devices"]["node"] == 127
    assert oob["managed_devices"]["switch"] == 48 + networks["storage"]["switches"]["leaf"] \
        + networks["storage"]["switches"]["spine"] + 8
    assert oob["managed_devices"]["support_server"] == 8
    assert oob["managed_devices"]["pdu"] == 96
    assert oob["links_by_class"]["oob_uplink"] == 2 * oob["switches"]["leaf"]
    assert networks["storage"]["links_by_class"]["node_leaf"] == 254


def test_nvl72_nvlink_is_inside_the_rack_and_nvl36x2_racks_are_cabled():
    result = plan_fabric(None, {"gpus": 1152, "server": "gb200-nvl72", "switch": "sn5600"})
    nvlink = result.document()["networks"]["nvlink"]
    assert nvlink["links"] == 0 and nvlink["switches"] == {"nvlink_switch_tray": 16 * 9}
    result = plan_fabric(None, {"gpus": 1152, "server": "gb200-nvl36x2", "switch": "sn5600"})
    nvlink = result.document()["networks"]["nvlink"]
    # 36 GPUs x 18 NVLink5 links x 2 lanes / 8 lanes per OSFP cable = 162 cables per two-rack domain.
    assert nvlink["cables_per_domain"] == 162
    assert nvlink["links"] == 16 * 162


def test_networks_flag_and_section_choose_the_networks():
    result = plan_fabric(TOPOLOGIES / "spectrum-x-8k.yaml", {"networks.plan": "oob"})
    assert result.document()["networks"]["total"]["planned"] == ["compute", "oob"]
    result = plan_fabric(TOPOLOGIES / "spectrum-x-8k.yaml", {"networks.plan": "none"})
    assert result.document()["networks"]["total"]["planned"] == ["compute"]


def test_bom_and_links_csv_carry_the_network_column(tmp_path):
    from aifabric.export.fabric_files import write_outputs

    result = plan_fabric(TOPOLOGIES / "dgx-h100-superpod-4su.yaml", {})
    write_outputs(tmp_path, result, graph=False)
    import csv

    with open(tmp_path / "bom.csv") as stream:
        bom = list(csv.DictReader(stream))
    assert {line["network"] for line in bom} == {"compute", "converged", "storage", "oob"}
    assert any(line["catalog_id"] == "sn2201" and line["network"] == "oob" for line in bom)
    with open(tmp_path / "links.csv") as stream:
        links = list(csv.DictReader(stream))
    document = json.loads((tmp_path / "summary.json").read_text())
    counts = Counter(row["network"] for row in links)
    for name, block in document["networks"].items():
        if name != "total":
            assert counts.get(name, 0) == block["links"], name


@pytest.mark.parametrize("spec, message", [
    ("networks:\n  oob:\n    ports: {toaster: 1}\n", "unknown managed device class 'toaster'"),
    ("networks:\n  plan: converged,wan\n", "unknown network 'wan'"),
    ("networks:\n  converged:\n    switch: sn9999\n", "unknown switch 'sn9999'"),
])
def test_bad_networks_give_one_line_errors(cli, tmp_path, spec, message):
    path = tmp_path / "bad.yaml"
    path.write_text("gpus: 1024\n" + spec)
    code, out, err = cli("fabric", "plan", str(path), "--json")
    assert code == 2 and out == ""
    assert message in err and "bad.yaml" in err and err.count("\n") == 1 and "Traceback" not in err


@given(leaves=st.integers(1, 20_000), uplinks=st.integers(1, 64), radix=st.sampled_from([64, 128, 256]))
def test_spine_layers_reach_every_leaf(leaves, uplinks, radix):
    uplinks = min(uplinks, radix // 2)
    layer = tiered(leaves, uplinks, radix, "x")
    if leaves <= 1:
        assert layer.spines == 0
        return
    if not layer.cores:
        # Two tiers: every leaf uplink lands on a spine port.
        assert layer.spines * radix >= leaves * uplinks
        assert uplinks % layer.spines == 0 and leaves * (uplinks // layer.spines) <= radix
    else:
        assert layer.pods * layer.leaves_per_pod >= leaves
        assert layer.cores * radix >= layer.spines * layer.spine_uplinks


def test_links_csv_writes_the_rows_link_rows_yields(planned):
    """links.csv writes the large classes column by column: the same bytes as csv.writer over link_rows."""
    import csv
    import io

    from aifabric.export.fabric_files import network_csv_chunks

    _, result, rows = planned
    stream = io.StringIO(newline="")
    csv.writer(stream, lineterminator="\n").writerows(rows)
    assert b"".join(network_csv_chunks(result)) == stream.getvalue().encode("utf-8")


def test_a_small_design_collapses_the_converged_network_onto_one_leaf_pair():
    """The Enterprise RAs' smallest design points: every N/S port, support server and customer uplink on one pair
    of switches, no spines; each node's two ports on the two switches of the pair, no port taken twice."""
    result = plan_fabric(None, {"servers": 8, "server": "hgx-h100", "switch": "sn5600"})
    converged = result.document()["networks"]["converged"]
    assert converged["switches"] == {"leaf": 2}
    rows = list(link_rows(result.networks, result.plan, result.hardware, naming_for(result.links, result.hardware),
                          result.links.floor))
    mine = [row for row in rows if row[10] == "converged"]
    assert len(mine) == converged["links"] == 8 * 2 + 4 * 2 + 8
    ends = Counter((row[0], row[1]) for row in mine) + Counter((row[2], row[3]) for row in mine)
    assert max(ends.values()) == 1
    for node in {row[0] for row in mine if row[7] == "node_leaf"}:
        assert {row[2] for row in mine if row[0] == node} == {"converged-leaf0000", "converged-leaf0001"}


def _rows(result):
    return list(link_rows(result.networks, result.plan, result.hardware, naming_for(result.links, result.hardware),
                          result.links.floor))


def test_oob_room_devices_fill_the_row_switches_before_switches_of_their_own():
    """DGX SuperPOD 4 SU (RA-11333-001 Tables 7/8): eight SN2201 carry every DGX BMC, PDU, switch management port
    and management node; no OOB switch takes more device ports than its 48 RJ45 ports, and the room devices'
    ports land on the rows' switches."""
    result = plan_fabric(TOPOLOGIES / "dgx-h100-superpod-4su.yaml", {})
    oob = result.document()["networks"]["oob"]
    assert oob["switches"] == {"leaf": 8}
    rows = [row for row in _rows(result) if row[10] == "oob"]
    device = [row for row in rows if row[7] == "device_oob"]
    per_switch = Counter(row[2] for row in device)
    assert len(per_switch) == 8 and max(per_switch.values()) <= 48
    assert max(int(row[3].removeprefix("swp")) for row in device) <= 48
    room = {row[2] for row in device if "-leaf" in row[0] or "-spine" in row[0]}
    assert room <= set(per_switch)
    assert sum(1 for row in rows if row[7] == "oob_uplink") == 2 * 8      # "two uplinks per OOB to in-band"


@pytest.mark.parametrize(("servers", "oob_switches"), [(4, 2), (8, 2), (12, 3), (16, 4)])
def test_enterprise_hgx_has_an_oob_switch_in_every_rack_uplinked_to_the_converged_pair(servers, oob_switches):
    """HGX Enterprise RA small designs: one SN2201 per rack of four nodes, two at least (2 at 1-2 SU, a third at
    9-12 nodes), no aggregation layer: the OOB switches uplink to the converged pair's free ports."""
    result = plan_fabric(None, {"servers": servers, "server": "hgx-h100", "switch": "sn5600", "port_gbps": 400})
    oob = result.document()["networks"]["oob"]
    assert oob["switches"] == {"leaf": oob_switches}
    rows = _rows(result)
    uplinks = [row for row in rows if row[7] == "oob_uplink"]
    assert len(uplinks) == 2 * oob_switches
    assert {row[2] for row in uplinks} == {"converged-leaf0000", "converged-leaf0001"}
    ends = Counter((row[0], row[1]) for row in rows) + Counter((row[2], row[3]) for row in rows)
    assert max(ends.values()) == 1


def test_storage_leaves_take_storage_at_one_to_one_and_reproduce_table_8():
    """DGX SuperPOD 4 SU storage fabric: DGX leaves at 4:3 (32 down, 24 up), storage leaves at 1:1; the links equal
    Table 8's 494 "DGX to leaf, leaf to spine" plus 48 storage cables."""
    result = plan_fabric(TOPOLOGIES / "dgx-h100-superpod-4su.yaml", {})
    storage = result.document()["networks"]["storage"]
    assert storage["switches"]["leaf"] == 10
    assert storage["links"] == 494 + 48
    rows = [row for row in _rows(result) if row[10] == "storage"]
    down = Counter(row[2] for row in rows if row[7] == "storage_leaf")
    up = Counter(row[0] for row in rows if row[7] == "leaf_spine")
    assert all(down[leaf] <= up[leaf] for leaf in down)
