"""Every planned network as NetBox objects (no NetBox needed): the same links and devices as links.csv's rows."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from aifabric.netbox.model import fabric_objects

# The smallest design with every network: two NVL36x2 racks (one NVLink domain: inter-rack NVLink cables), the
# converged and out-of-band networks of the system's RA, and a storage network asked for in the spec.
EVERY_NETWORK = """name: {name}
gpus: 72
server: gb200-nvl36x2
switch: sn5600
networks:
  storage:
    enabled: true
    switch: sn5600
    storage_nodes: 4
    port_gbps: 400
"""
# DGX H100 SuperPOD networks: converged edge devices on its spines, an InfiniBand storage fabric with spines, OOB
# switches per row uplinked to the converged spines.
DGX = "name: {name}\ngpus: 512\nserver: dgx-h100\nswitch: qm9700\n"


def _plan(tmp_path, text: str, name: str):
    from aifabric.export.fabric_files import write_links
    from aifabric.fabric.plan import plan_fabric

    spec = tmp_path / f"{name}.yaml"
    spec.write_text(text.format(name=name))
    result = plan_fabric(spec, {}, None)
    rows = list(csv.DictReader(write_links(tmp_path / f"{name}-links.csv", result).open(newline="")))
    return result, rows, fabric_objects(result.links, result.hardware, None, result.networks)


@pytest.fixture(scope="module", params=[EVERY_NETWORK, DGX], ids=["nvl36x2-every-network", "dgx-h100"])
def planned(request, tmp_path_factory):
    return _plan(tmp_path_factory.mktemp("nbnet"), request.param, "nbnet")


def _tag(obj) -> str:
    network_tags = [t for t in obj.tags if t.startswith("aifabric-net-")]
    assert len(network_tags) == 1, obj.label
    return network_tags[0][len("aifabric-net-"):]


def test_one_cable_per_links_csv_row_tagged_with_its_network(planned):
    result, rows, objects = planned
    cables = objects.objects["dcim/cables"]
    assert Counter(_tag(c) for c in cables) == Counter(r["network"] for r in rows)
    # Cable ends are links.csv's (device, port) pairs, row for row.
    ends = Counter((a.key[0][1], a.key[1], b.key[0][1], b.key[1]) for c in cables
                   for a, b in [(c.fields["a_terminations"][0], c.fields["b_terminations"][0])])
    assert ends == Counter((r["a_device"], r["a_port"], r["z_device"], r["z_port"]) for r in rows)
    # Every network's label is unique; lengths where links.csv gives one.
    assert len({c.fields["label"] for c in cables}) == len(cables)
    by_label = {c.fields["label"]: c for c in cables}
    # The other networks' cables carry their run's length (the row's), in metres; NVLink rows give none.
    row_length = {(r["a_device"], r["a_port"], r["z_device"], r["z_port"]): r["length_m"] for r in rows}
    for c in cables:
        if _tag(c) == "compute":
            continue
        a, b = c.fields["a_terminations"][0], c.fields["b_terminations"][0]
        given = row_length[(a.key[0][1], a.key[1], b.key[0][1], b.key[1])]
        assert c.fields["length"] == (float(given) if given else None), c.label
        assert c.fields["length_unit"] == ("m" if given else "")
    assert any(c.fields["length"] for c in cables if _tag(c) not in ("compute", "nvlink"))
    assert all(c.fields["length"] > 0 and c.fields["length_unit"] == "m" for c in by_label.values()
               if _tag(c) == "compute")
    planned_networks = set(result.document()["networks"]["total"]["planned"])
    assert {_tag(c) for c in cables} <= planned_networks


def test_every_device_of_links_csv_once_with_a_role_per_network_tier(planned):
    result, rows, objects = planned
    devices = {d.fields["name"]: d for d in objects.objects["dcim/devices"]}
    assert len(devices) == objects.count("dcim/devices")
    named = {r["a_device"] for r in rows} | {r["z_device"] for r in rows}
    servers = {n for n, d in devices.items() if d.fields["role"].key == ("gpu-server",)}
    assert named | servers == set(devices)
    doc = result.document()["networks"]
    roles = Counter(d.fields["role"].key[0] for d in devices.values())
    for network in ("converged", "storage"):
        for tier, count in doc.get(network, {}).get("switches", {}).items():
            assert roles[f"{network}-{tier}"] == count, (network, tier)
    if "oob" in doc:
        oob = doc["oob"]["switches"]
        assert roles["oob-switch"] == oob["leaf"]
        assert roles["oob-aggregation"] == oob.get("aggregation", 0)
        assert roles["oob-aggregation-core"] == oob.get("aggregation_core", 0)
        managed = doc["oob"]["managed_devices"]
        for cls in ("pdu", "power_shelf", "cdu", "storage_node", "support_server", "nvlink_switch_tray"):
            assert roles[cls.replace("_", "-")] == managed.get(cls, 0), cls
    # Every switch of a network is the catalog model its network plans, in NetBox's Nvidia manufacturer.
    hardware = result.hardware
    for name, device in devices.items():
        role = device.fields["role"].key[0]
        for network in ("converged", "storage"):
            tier = role[len(network) + 1:]
            if role.startswith(network + "-") and tier in doc[network]["switch_models"]:
                model = hardware.switch(doc[network]["switch_models"][tier]).model
                assert device.fields["device_type"].key[1] == model, name


def test_server_ports_and_management_ports(planned):
    result, rows, objects = planned
    interfaces = {o.key: o for o in objects.objects["dcim/interfaces"]}
    ends = {(k[0][1], k[1]): o for k, o in interfaces.items()}
    for row in rows:
        assert (row["a_device"], row["a_port"]) in ends and (row["z_device"], row["z_port"]) in ends
        if row["link_class"] == "device_oob":
            bmc = ends[(row["a_device"], row["a_port"])]
            assert bmc.fields["mgmt_only"] is True and bmc.fields["type"] == "1000base-t"
    ns = [o for (device, port), o in ends.items() if port.startswith(("ns", "stor")) and "/server" in device]
    per_node = {n: result.networks.layouts[n].rule.ports_per_node for n in ("converged", "storage")
                if n in result.networks.layouts}
    assert len(ns) == result.plan.servers * sum(per_node.values())


def test_network_devices_stand_in_racks_without_overlap(planned):
    _, _, objects = planned
    used: dict[tuple, set[int]] = {}
    heights = {t.key: t.fields["u_height"] for t in objects.objects["dcim/device-types"]}
    u = {r.key: r.fields["u_height"] for r in objects.objects["dcim/racks"]}
    for device in objects.objects["dcim/devices"]:
        rack = device.fields.get("rack")
        if rack is None or device.fields.get("position") is None:
            continue
        position, height = device.fields["position"], heights[device.fields["device_type"].key]
        span = set(range(position, position + height))
        taken = used.setdefault(rack.key, set())
        assert not span & taken, device.label
        assert max(span) <= u[rack.key]
        taken |= span


def test_same_objects_twice_and_compute_only_without_networks(planned, tmp_path):
    result, _, objects = planned
    again = fabric_objects(result.links, result.hardware, None, result.networks)
    assert [(o.endpoint, o.key, o.fields, o.tags) for e in objects.endpoints for o in objects.objects.get(e, ())] == \
        [(o.endpoint, o.key, o.fields, o.tags) for e in again.endpoints for o in again.objects.get(e, ())]
    compute = fabric_objects(result.links, result.hardware)
    assert compute.count("dcim/cables") == result.plan.link_counts()["total"]
    assert not any(o.tags for e in compute.endpoints for o in compute.objects.get(e, ()))


def test_blocks_are_links_csv_rows():
    """The column blocks NetBox and GraphML read are links.csv's rows of the other networks, in order."""
    from aifabric.export.network_rows import network_blocks
    from aifabric.fabric.networks import link_rows
    from aifabric.fabric.plan import plan_fabric
    from aifabric.fabric.rows import naming_for

    for overrides in ({"gpus": 256, "server": "hgx-h100"}, {"gpus": 1152, "server": "gb200-nvl72"}):
        result = plan_fabric(None, overrides, None)
        naming = naming_for(result.links, result.hardware)
        nets, plan, hw = result.networks, result.plan, result.hardware
        from_blocks = [row for block in network_blocks(nets, plan, hw, naming) for row in block.iter_rows()]
        expected = [tuple(str(v) for v in row)
                    for row in link_rows(nets, plan, hw, naming, result.links.floor)]
        assert [tuple(str(v) for v in row) for row in from_blocks] == expected


def test_template_interfaces_are_their_templates(planned):
    """The interfaces NetBox makes from a device type's templates are planned with the templates' own types, so a
    push never retypes them (a storage QM9700 shares the compute fabric's QM9700 templates)."""
    _, _, objects = planned
    template = {(o.fields["device_type"].key, o.fields["name"]): o.fields["type"]
                for o in objects.objects["dcim/interface-templates"]}
    type_of = {d.key: d.fields["device_type"].key for d in objects.objects["dcim/devices"]}
    made = [o for o in objects.objects["dcim/interfaces"] if not o.tagged]
    assert made
    for interface in made:
        key = (type_of[interface.fields["device"].key], interface.fields["name"])
        assert template[key] == interface.fields["type"], interface.label
