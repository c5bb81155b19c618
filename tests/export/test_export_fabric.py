"""Fabric exporters checked by their consumers: containerlab's schema, NetBox's choices, networkx, SimAI's header."""

from __future__ import annotations

import csv
import json
import re

import pytest
from export_helpers import DATA

# NetBox v4.6.8 netbox/dcim/forms/bulk_import.py: the import columns the exporter may write.
NETBOX_DEVICE_COLUMNS = {"name", "role", "tenant", "manufacturer", "device_type", "platform", "serial", "asset_tag",
                         "status", "site", "location", "rack", "position", "face", "latitude", "longitude", "parent",
                         "device_bay", "airflow", "virtual_chassis", "vc_position", "vc_priority", "cluster",
                         "description", "config_template", "owner", "comments", "tags"}
NETBOX_DEVICE_REQUIRED = {"role", "manufacturer", "device_type", "status", "site"}
NETBOX_INTERFACE_COLUMNS = {"device", "name", "label", "parent", "bridge", "lag", "type", "speed", "duplex",
                            "enabled", "mark_connected", "wwn", "vdcs", "mtu", "mgmt_only", "description",
                            "poe_mode", "poe_type", "mode"}
NETBOX_CABLE_COLUMNS = {"side_a_site", "side_a_device", "side_a_type", "side_a_name", "side_b_site", "side_b_device",
                        "side_b_type", "side_b_name", "type", "status", "label", "color", "length", "length_unit",
                        "description", "comments", "tags", "profile", "bundle"}
# NetBox v4.6.8 netbox/dcim/choices.py: InterfaceTypeChoices, CableTypeChoices, LinkStatusChoices,
# CableLengthUnitChoices, DeviceStatusChoices (the values the exporter may use).
NETBOX_INTERFACE_TYPES = {"800gbase-x-osfp", "400gbase-x-osfp", "400gbase-x-qsfp112", "400gbase-x-qsfpdd",
                          "800gbase-x-qsfpdd", "200gbase-x-qsfp56", "100gbase-x-qsfp28", "infiniband-hdr",
                          "infiniband-ndr", "infiniband-xdr", "other"}
NETBOX_CABLE_TYPES = {"dac-active", "dac-passive", "aoc", "mmf-om3", "mmf-om4", "mmf-om5", "smf", "smf-os1",
                      "smf-os2"}
NETBOX_CABLE_STATUS = {"connected", "planned", "decommissioning"}
NETBOX_LENGTH_UNITS = {"km", "m", "cm", "mi", "ft", "in"}
NETBOX_DEVICE_STATUS = {"offline", "active", "planned", "staged", "failed", "inventory", "decommissioning"}


def _schema_validator():
    import jsonschema

    schema = json.loads((DATA / "containerlab-clab.schema.json").read_text(encoding="utf-8"))
    # The schema uses \\p{...} classes Python's re lacks, so the schema itself is not meta-checked.
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.mark.parametrize("kind", ["sonic-vs", "arista_ceos", "nokia_srlinux"])
@pytest.mark.parametrize("fabric", ["small_fabric", "three_tier_fabric", "two_plane_fabric"])
def test_containerlab_validates_against_schema(fabric, kind, request):
    import yaml

    from aifabric.export.containerlab import build_lab, containerlab_yaml

    result = request.getfixturevalue(fabric)
    lab = build_lab(result.links, result.hardware, kind, max_nodes=120)
    document = yaml.safe_load(containerlab_yaml(lab, result.links, result.hardware, kind))
    _schema_validator().validate(document)
    endpoints = [e for link in document["topology"]["links"] for e in link["endpoints"]]
    assert len(endpoints) == len(set(endpoints)), "an interface is cabled twice"
    for endpoint in endpoints:
        node, iface = endpoint.split(":")
        assert node in document["topology"]["nodes"]
        assert len(iface) <= 15 and "/" not in iface
    kinds = {n["kind"] for n in document["topology"]["nodes"].values()}
    assert kinds == {kind, "linux"}
    assert len(document["topology"]["nodes"]) <= 120


def test_containerlab_interface_names_per_kind(small_fabric):
    from aifabric.export.containerlab import PortMapper

    switch = small_fabric.hardware.switch("sn5600")
    assert PortMapper(switch, "sonic-vs", {400}).iface("swp1s0") == "eth1"
    assert PortMapper(switch, "sonic-vs", {400}).iface("swp2s1") == "eth4"
    assert PortMapper(switch, "arista_ceos", {400}).iface("swp3s1") == "eth3_2"
    assert PortMapper(switch, "nokia_srlinux", {400}).iface("swp3s1") == "e1-3-2"
    assert PortMapper(switch, "nokia_srlinux", {800}).iface("swp5") == "e1-5"


def test_containerlab_slice_of_a_large_fabric_says_so(three_tier_fabric):
    from aifabric.export.containerlab import build_lab, containerlab_yaml, mgmt_subnet

    lab = build_lab(three_tier_fabric.links, three_tier_fabric.hardware, su=1, max_nodes=400)
    assert any("slice su=1" in note for note in lab.notes)
    servers = [n for n, role in lab.nodes.items() if role == "server"]
    assert servers and all(n.startswith("su001/") for n in servers)
    text = containerlab_yaml(lab, three_tier_fabric.links, three_tier_fabric.hardware)
    assert text.startswith("# containerlab topology") and "# NOTE: slice su=1" in text
    auto = build_lab(three_tier_fabric.links, three_tier_fabric.hardware, max_nodes=50)
    assert len(auto.nodes) == 50 and any("exporting SU 0 only" in note for note in auto.notes)
    assert mgmt_subnet(200) == "172.20.20.0/24" and mgmt_subnet(1000) == "172.16.0.0/22"


def _netbox_files(result, tmp_path, version="4.6"):
    from aifabric.export.netbox import write_netbox

    write_netbox(tmp_path, result.links, result.hardware, version=version)
    return {name: list(csv.DictReader((tmp_path / f"{name}.csv").open(encoding="utf-8")))
            for name in ("devices", "interfaces", "cables")}


@pytest.fixture(scope="module")
def mixed_speed_fabric():
    """Return a fabric with 400G breakout downlinks and unsplit 800G uplinks on SN5600."""
    from aifabric.fabric.plan import plan_fabric

    return plan_fabric(None, {"gpus": 256, "switch": "sn5600", "port_gbps": 400, "uplink_gbps": 800})


@pytest.mark.parametrize("fabric", ["small_fabric", "three_tier_fabric", "two_plane_fabric", "mixed_speed_fabric"])
def test_netbox_columns_and_choices(fabric, request, tmp_path):
    result = request.getfixturevalue(fabric)
    files = _netbox_files(result, tmp_path)
    devices, interfaces, cables = files["devices"], files["interfaces"], files["cables"]
    assert set(devices[0]) <= NETBOX_DEVICE_COLUMNS and set(devices[0]) >= NETBOX_DEVICE_REQUIRED
    assert set(interfaces[0]) <= NETBOX_INTERFACE_COLUMNS
    assert set(cables[0]) <= NETBOX_CABLE_COLUMNS
    assert {d["status"] for d in devices} <= NETBOX_DEVICE_STATUS
    assert {i["type"] for i in interfaces} <= NETBOX_INTERFACE_TYPES
    assert {c["type"] for c in cables} <= NETBOX_CABLE_TYPES
    assert {c["status"] for c in cables} == {"planned"}
    assert {c["length_unit"] for c in cables} == {"m"}
    assert {c["side_a_type"] for c in cables} | {c["side_b_type"] for c in cables} == {"dcim.interface"}
    plan = result.plan
    assert len(devices) == plan.servers + plan.switch_counts()["total"]
    assert len(cables) == plan.link_counts()["total"]
    assert len({c["label"] for c in cables}) == len(cables)
    # Every cable end is an interface of the import (or a cage the devicetype-library creates), and every parent
    # is defined before its children.
    defined: set[tuple[str, str]] = set()
    switch = result.hardware.switch(plan.switch_id)
    library_cages = switch.model == "SN5600"
    for row in interfaces:
        if row["parent"]:
            assert (row["device"], row["parent"]) in defined or (library_cages and re.fullmatch(r"swp\d+",
                                                                                                row["parent"]))
        defined.add((row["device"], row["name"]))
    assert len(defined) == len(interfaces), "an interface is defined twice"
    for c in cables:
        for side in ("a", "b"):
            end = (c[f"side_{side}_device"], c[f"side_{side}_name"])
            assert end in defined or (library_cages and re.fullmatch(r"swp\d+", end[1]))
    manufacturers = {(d["manufacturer"], d["device_type"]) for d in devices if d["role"] != "gpu-server"}
    assert manufacturers == {(switch.manufacturer, switch.model)}


def test_netbox_version_gates_columns(small_fabric, tmp_path):
    from aifabric.export.netbox import cable_header, device_header

    assert "device_role" in device_header("3.5") and "role" not in device_header("3.5")
    assert "role" in device_header("4.6")
    assert "side_a_site" not in cable_header("4.3") and "side_a_site" in cable_header("4.4")
    files = _netbox_files(small_fabric, tmp_path, version="3.5")
    assert "device_role" in files["devices"][0]


def test_netbox_names_agree_with_the_cabling_plan(small_fabric, tmp_path):
    from aifabric.fabric.rows import link_rows

    cables = _netbox_files(small_fabric, tmp_path)["cables"]
    rows = list(link_rows(small_fabric.links, small_fabric.hardware))
    assert [(c["side_a_device"], c["side_a_name"], c["side_b_device"], c["side_b_name"]) for c in cables] == [
        (r[0], r[1], r[2], r[3]) for r in rows]


@pytest.mark.parametrize("fabric", ["small_fabric", "three_tier_fabric", "two_plane_fabric"])
def test_simai_header_counts_equal_the_plan(fabric, request):
    from aifabric.export.simai import simai_text

    result = request.getfixturevalue(fabric)
    plan = result.plan
    lines = simai_text(result.links, result.hardware).splitlines()
    nodes, gpus_per_server, nvswitches, switches, links, gpu_type = lines[0].split()
    assert int(nodes) == plan.gpus + plan.servers + plan.switch_counts()["total"]
    assert (int(gpus_per_server), int(nvswitches), int(switches)) == (plan.gpus_per_server, plan.servers,
                                                                       plan.switch_counts()["total"])
    assert gpu_type == ("B300" if fabric == "two_plane_fabric" else "H100")
    assert lines[1].split() == [str(i) for i in range(plan.gpus, int(nodes))]
    body = [line.split() for line in lines[2:]]
    assert len(body) == int(links)
    pairs = [(int(a), int(b)) for a, b, *_ in body]
    assert len(pairs) == len(set(pairs)), "SimAI cannot hold parallel links: they must be aggregated"
    assert all(0 <= a < int(nodes) and 0 <= b < int(nodes) for a, b in pairs)
    # Aggregation keeps the bandwidth: switch-to-switch Gb/s equal the plan's links times their speed.
    switch_gbps = sum(int(bw[:-4]) for a, _b, bw, *_ in body if int(a) >= plan.gpus)
    counts = plan.link_counts()
    assert switch_gbps == (counts["leaf_spine"] + counts["spine_core"]) * plan.uplink_gbps
    assert all(len(row) == 5 and row[2].endswith("Gbps") and row[3].endswith("ms") for row in body)


def test_graphml_reads_back_with_equal_counts(small_fabric, three_tier_fabric, tmp_path):
    import networkx as nx

    from aifabric.export.graphml import write_graphml
    from aifabric.fabric.graph import build_graph

    for result in (small_fabric, three_tier_fabric):
        path = write_graphml(tmp_path / "g.graphml", result.links, result.hardware)
        read = nx.read_graphml(path, force_multigraph=True)
        built = build_graph(result.links, result.hardware)
        assert (read.number_of_nodes(), read.number_of_edges()) == (built.number_of_nodes(), built.number_of_edges())


def test_nodelink_json_reads_back(small_fabric, two_plane_fabric):
    import networkx as nx

    from aifabric.export.nodelink import nodelink_text
    from aifabric.fabric.graph import build_graph

    for result in (small_fabric, two_plane_fabric):
        document = json.loads(nodelink_text(result.links, result.hardware))
        graph = nx.node_link_graph(document, edges="edges")
        built = build_graph(result.links, result.hardware)
        assert graph.is_multigraph()
        assert (graph.number_of_nodes(), graph.number_of_edges()) == (built.number_of_nodes(),
                                                                       built.number_of_edges())
        for _, data in graph.nodes(data=True):
            assert all(isinstance(v, (str, int, float)) for v in data.values())


def test_diagram_has_tiers_and_counts(three_tier_fabric, small_fabric):
    from aifabric.export.diagram import diagram_bytes

    svg = diagram_bytes(three_tier_fabric.links, three_tier_fabric.hardware, "svg").decode("utf-8")
    plan = three_tier_fabric.plan
    for label in ("core", "spine", "leaf", "servers"):
        assert f">{label}<" in svg
    assert f"{plan.cores_per_plane} cores per plane" in svg
    assert f"{plan.pods[0].spines} spines" in svg
    assert f"{plan.switch_counts()['total']:,}" in svg
    assert "1 more pod " in svg  # 4 pods: the first, the second, a gap and the last are drawn
    small = diagram_bytes(small_fabric.links, small_fabric.hardware, "svg").decode("utf-8")
    assert ">core<" not in small and "8 leaves" in small and "8 to each spine" in small


def test_colossus_diagram_is_aggregated_and_small():
    from aifabric.export.diagram import diagram_bytes
    from aifabric.fabric.plan import plan_fabric

    result = plan_fabric(None, {"gpus": 100000, "switch": "sn5600", "port_gbps": 400, "tiers": "3",
                                "server": "hgx-h100"})
    svg = diagram_bytes(result.links, result.hardware, "svg")
    assert len(svg) < 100_000
    assert b"22 more pods" in svg and b"784 cores per plane" in svg
