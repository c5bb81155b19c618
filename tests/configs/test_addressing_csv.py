"""addressing.csv, joined column by column (configs/files.py), against rows built one device at a time from
AddressPlan's per-device formulas (loopback, nic_pair, p2p_pair) and the naming table, as Python's csv writer
writes them: the same bytes for every shape (one, two and three tiers, several planes, pods of two shapes) in both
switch-link modes."""

from __future__ import annotations

import csv
import io

import pytest

from aifabric.cli.planning import plan_from
from aifabric.configs.addressing import address_plan
from aifabric.configs.files import ADDRESSING_HEADER, write_addressing
from aifabric.fabric.naming import Naming

SHAPES = {
    "one-tier": {"gpus": 64, "servers_per_su": 4, "tiers": 1},
    "two-tier": {"gpus": 64, "servers_per_su": 4, "tiers": 2},
    "three-tier-two-planes": {"gpus": 128, "servers_per_su": 2, "tiers": 3, "sus_per_pod": 2, "planes": 2,
                              "nic_gbps": 400, "port_gbps": 200},
    "uneven-pods": {"gpus": 5000, "server": "dgx-b300", "switch": "sn5600", "planes": 2, "nic_gbps": 800,
                    "tiers": "3", "sus_per_pod": 3},
}


def _reference_rows(result, addresses):
    """Yield addressing.csv's rows device by device, each address from AddressPlan's own formula."""
    plan, sets = result.plan, result.links.sets
    naming = Naming(plan, result.hardware.switch(plan.switch_id))
    for plane in range(plan.planes):
        for leaf in range(plan.leaves_per_plane):
            yield (naming.leaf(plane, leaf), "lo", f"{addresses.loopback(plane, addresses.leaf_index(plane, leaf))}/32",
                   addresses.asn_leaf(leaf), "loopback-leaf", "", "", "")
        for pod, shape in enumerate(plan.pods):
            for spine in range(shape.spines):
                index = addresses.spine_index(plane, pod, spine)
                yield (naming.spine(plane, pod, spine), "lo", f"{addresses.loopback(plane, index)}/32",
                       addresses.asn_spine(pod), "loopback-spine", "", "", "")
        for core in range(plan.cores_per_plane):
            yield (naming.core(plane, core), "lo", f"{addresses.loopback(plane, addresses.core_index(plane, core))}/32",
                   addresses.asn_core(), "loopback-core", "", "", "")
        if addresses.pools.p2p == "ipv4-31":
            index = 0
            if "leaf_spine" in sets:
                s = sets["leaf_spine"]
                for a, a_port, z, z_pod, z_port in zip(s.a.tolist(), s.a_port.tolist(), s.z.tolist(),
                                                       s.z_pod.tolist(), s.z_port.tolist(), strict=True):
                    ends = addresses.p2p_pair(plane, index)
                    index += 1
                    leaf, up = naming.leaf(plane, a), naming.leaf_up_port(a_port)
                    spine, down = naming.spine(plane, z_pod, z), naming.spine_down_port(z_pod, z_port)
                    yield leaf, up, f"{ends[0]}/31", addresses.asn_leaf(a), "fabric", spine, down, ends[1]
                    yield spine, down, f"{ends[1]}/31", addresses.asn_spine(z_pod), "fabric", leaf, up, ends[0]
            if "spine_core" in sets:
                s = sets["spine_core"]
                for a, a_pod, a_port, z, z_port in zip(s.a.tolist(), s.a_pod.tolist(), s.a_port.tolist(),
                                                       s.z.tolist(), s.z_port.tolist(), strict=True):
                    ends = addresses.p2p_pair(plane, index)
                    index += 1
                    spine, up = naming.spine(plane, a_pod, a), naming.spine_up_port(a_pod, a_port)
                    core, port = naming.core(plane, z), naming.core_port(z_port)
                    yield spine, up, f"{ends[0]}/31", addresses.asn_spine(a_pod), "fabric", core, port, ends[1]
                    yield core, port, f"{ends[1]}/31", addresses.asn_core(), "fabric", spine, up, ends[0]
        nic = sets["nic_leaf"]
        for server, rail, leaf, port in zip(nic.a.tolist(), nic.a_port.tolist(), nic.z.tolist(), nic.z_port.tolist(),
                                            strict=True):
            leaf_end, nic_end = addresses.nic_pair(plane, server, rail)
            yield (naming.server(server), naming.nic_port(rail, plane), f"{nic_end}/31", "", "nic",
                   naming.leaf(plane, leaf), naming.leaf_down_port(port), leaf_end)


@pytest.mark.parametrize("p2p", ["unnumbered", "ipv4-31"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_addressing_csv_equals_the_per_device_formulas(shape, p2p, tmp_path):
    result = plan_from(None, SHAPES[shape], None)
    result.spec.addressing.p2p = p2p
    addresses = address_plan(result.plan, result.spec.addressing)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(ADDRESSING_HEADER)
    writer.writerows(_reference_rows(result, addresses))
    written = write_addressing(tmp_path / "addressing.csv", result, addresses).read_bytes()
    compute = expected.getvalue().encode("utf-8")
    assert written[:len(compute)] == compute
    # The other routed networks' switches follow: each loopback and ASN as their configurations carry them.
    from aifabric.configs.netdevices import network_devices

    others = network_devices(result).switches
    tail = list(csv.reader(io.StringIO(written[len(compute):].decode("utf-8"))))
    assert [(r[0], r[2], int(r[3]), r[4]) for r in tail] == [
        (sw.name, f"{sw.loopback}/32", sw.asn, f"loopback-{sw.role}") for sw in others.values()]
    rows = expected.getvalue().count("\n") - 1
    switch_links = 2 * (result.plan.link_counts()["leaf_spine"] + result.plan.link_counts()["spine_core"])
    assert rows == result.plan.switch_counts()["total"] + result.plan.link_counts()["nic_leaf"] + (
        switch_links if p2p == "ipv4-31" else 0)
