"""The converged, Ethernet storage and OOB switches' addresses, ASNs and day-one configurations: built from the
networks' links.csv rows, pools apart from the compute fabric's, every frr.conf accepted by FRR's own parser, every
NVUE file YAML with the structure Cumulus Linux reads."""

from __future__ import annotations

import csv
import ipaddress
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from aifabric.cli.planning import plan_from
from aifabric.configs.netaddr import DEFAULTS, routed_networks, switch_names
from aifabric.configs.netdevices import network_devices
from aifabric.configs.netrender import network_frr_conf, network_nvue_yaml

ROOT = Path(__file__).resolve().parents[2]
SPECS = ["spectrum-x-8k", "dgx-h100-superpod-4su", "gb200-nvl72-superpod"]


def _result(spec: str):
    return plan_from(str(ROOT / "topologies" / f"{spec}.yaml"), {}, None)


def _require_vtysh() -> None:
    if shutil.which("vtysh") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("vtysh (Debian's frr package) is required in CI")
        pytest.skip("vtysh not installed (apt-get install -y frr)")


def test_default_pools_do_not_overlap_the_compute_fabric():
    """Every default pool (IPv4 and ASNs) of the other networks lies apart from the compute fabric's and each
    other's."""
    result = plan_from(None, {"gpus": 64}, None)
    compute = result.spec.addressing
    ip = [compute.loopbacks, compute.nics, compute.p2p_pool]
    asns = [(compute.asn_first, compute.asn_last)]
    for pools in DEFAULTS.values():
        ip += [pools["loopbacks"], pools["hosts"]]
        asns.append((pools["asn_first"], pools["asn_last"]))
    nets = [ipaddress.IPv4Network(p) for p in ip]
    for i, a in enumerate(nets):
        for b in nets[i + 1:]:
            assert not a.overlaps(b), (a, b)
    for i, (a0, a1) in enumerate(asns):
        for b0, b1 in asns[i + 1:]:
            assert a1 < b0 or b1 < a0, ((a0, a1), (b0, b1))
        assert 4_200_000_000 <= a0 <= a1 <= 4_294_967_294  # RFC 6996 private 4-byte ASNs


@pytest.mark.parametrize("spec", SPECS)
def test_devices_apart_from_compute_and_cabled_as_links_csv(spec):
    result = _result(spec)
    devices = network_devices(result)
    from aifabric.configs.addressing import address_plan
    from aifabric.configs.devices import fabric_devices

    compute = fabric_devices(result.links, result.hardware, address_plan(result.plan, result.spec.addressing))
    compute_loopbacks = {sw.loopback for sw in compute.switches.values()}
    compute_asns = {sw.asn for sw in compute.switches.values()}
    loopbacks = [sw.loopback for sw in devices.switches.values()]
    assert len(set(loopbacks)) == len(loopbacks) and not set(loopbacks) & compute_loopbacks
    assert not {sw.asn for sw in devices.switches.values()} & compute_asns
    # Every switch of every routed network, as many as plan --json counts.
    block = result.document()["addressing"]["networks"]
    for name in routed_networks(result):
        mine = [sw for sw in devices.switches.values() if sw.network == name]
        assert len(mine) == block[name]["loopbacks"] == sum(result.document()["networks"][name]["switches"].values())
        assert len({sw.asn for sw in mine}) == sum(block[name]["asns"].values())
    # Each switch-to-switch row of links.csv is a BGP neighbor at both ends; each device port is configured once.
    from aifabric.configs.netdevices import network_link_rows

    ports = Counter()
    for row in network_link_rows(result):
        if row[10] not in routed_networks(result):
            continue
        for device, port in ((row[0], row[1]), (row[2], row[3])):
            sw = devices.switches.get(device)
            if sw is not None and not (row[7] == "device_oob" and device == row[0]):
                ports[(device, port)] += 1
                assert any(p.name == port for p in sw.ports), (device, port)
    assert set(ports.values()) == {1}


def test_converged_pairs_are_evpn_multihoming_segments():
    """Each node's two N/S ports land on two leaves that bond them with one segment id and system MAC, in one
    VLAN whose VNI, subnet and VRR gateway both leaves share (no MLAG, no peer link)."""
    result = _result("spectrum-x-8k")
    devices = network_devices(result)
    by_node = {}
    for sw in devices.switches.values():
        for port in sw.es_ports:
            by_node.setdefault(port.peer, []).append((sw, port))
    assert len([n for n in by_node if not n.startswith("converged-")]) == result.plan.servers  # + support servers
    es_ids = set()
    for node, ends in by_node.items():
        assert len(ends) == 2 and ends[0][0].name != ends[1][0].name
        (a, pa), (b, pb) = ends
        assert pa.es_id == pb.es_id and pa.bond == pb.bond == f"es{pa.es_id}"
        sa, sb = a.segments[pa.vlan], b.segments[pb.vlan]
        assert sa is sb and sa.vni >= 10_001 and node in sa.devices
        assert ipaddress.ip_address(sa.gateway) in ipaddress.ip_network(sa.subnet)
        assert a.svi[pa.vlan] != b.svi[pb.vlan]
        es_ids.add(pa.es_id)
    assert len(es_ids) == len(by_node)
    text = network_frr_conf(ends[0][0], result.spec.addressing, "t")
    assert f"interface es{ends[0][1].es_id}\n" in text and "evpn mh es-sys-mac" in text
    assert "address-family l2vpn evpn\n  neighbor FABRIC activate\n  advertise-all-vni" in text


def test_oob_switch_nvue_names_every_device_and_its_class():
    result = _result("dgx-h100-superpod-4su")
    devices = network_devices(result)
    sw = devices.switches["oob-sw00000"]
    document = yaml.safe_load(network_nvue_yaml(sw, result.spec.addressing, "t"))[0]["set"]
    interfaces = document["interface"]
    assert document["system"]["hostname"] == "oob-sw00000"
    with_rows = {}
    from aifabric.configs.netdevices import network_link_rows

    for row in network_link_rows(result):
        if row[2] == "oob-sw00000" and row[7] == "device_oob":
            with_rows[row[3]] = f"{row[0]} {row[1]}"
    assert with_rows and len(with_rows) <= 48
    for port, device in with_rows.items():
        assert interfaces[port]["description"].startswith(device + " (")
        assert interfaces[port]["bridge"]["domain"]["br_default"]["access"] == 10
        assert interfaces[port]["link"]["speed"] == "1G"
    classes = Counter(interfaces[p]["description"].rsplit("(", 1)[1].rstrip(")") for p in with_rows)
    assert {"node", "pdu"} <= set(classes)
    # Two 100G uplinks to the converged spines, routed (eBGP unnumbered), the management subnet advertised.
    neighbors = document["vrf"]["default"]["router"]["bgp"]["neighbor"]
    assert sorted(neighbors) == ["swp49", "swp50"]
    assert interfaces["vlan10"]["ip"]["address"]
    assert interfaces["swp49"]["description"].startswith("converged-spine")


@pytest.mark.parametrize("spec", SPECS)
def test_frr_parses_every_network_config(spec, tmp_path):
    """FRR's own parser (vtysh --dryrun) accepts the frr.conf of a switch of every role of every routed network,
    and every NVUE file is YAML."""
    _require_vtysh()
    result = _result(spec)
    devices = network_devices(result)
    seen = set()
    for sw in devices.switches.values():
        key = (sw.network, sw.role, bool(sw.es_ports), bool(sw.access_ports), bool(sw.p2p_ports))
        if key in seen:
            continue
        seen.add(key)
        path = tmp_path / f"{sw.name}.conf"
        path.write_text(network_frr_conf(sw, result.spec.addressing, "t"))
        done = subprocess.run(["vtysh", "--dryrun", "-f", str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (sw.name, done.stdout, done.stderr)
        assert yaml.safe_load(network_nvue_yaml(sw, result.spec.addressing, "t"))[0]["set"]["router"]["bgp"]
    assert len(seen) >= 3


def test_ethernet_storage_is_routed_and_infiniband_storage_is_skipped(tmp_path):
    result = _result("dgx-h100-superpod-4su")
    assert "storage" not in routed_networks(result)
    assert any("InfiniBand" in n for n in network_devices(result).notes)
    spec = tmp_path / "eth.yaml"
    spec.write_text("name: eth\ngpus: 256\nnetworks:\n  storage:\n    enabled: true\n    switch: sn5600\n"
                    "    storage_nodes: 4\n")
    result = plan_from(spec, {}, None)
    assert "storage" in routed_networks(result)
    devices = network_devices(result)
    leaves = [sw for sw in devices.switches.values() if sw.network == "storage" and sw.role == "leaf"]
    ports = [p for sw in leaves for p in sw.p2p_ports]
    assert ports and all(ipaddress.ip_interface(p.address).network.prefixlen == 31 for p in ports)
    assert all(ipaddress.ip_address(p.peer_address) in ipaddress.ip_interface(p.address).network for p in ports)
    assert all(ipaddress.ip_interface(p.address).ip in ipaddress.ip_network(DEFAULTS["storage"]["hosts"])
               for p in ports)
    assert not any(sw.vtep for sw in devices.switches.values() if sw.network == "storage")


def test_overlapping_pool_is_an_error_naming_the_field(cli, tmp_path):
    spec = tmp_path / "overlap.yaml"
    spec.write_text("name: o\ngpus: 64\naddressing:\n  oob:\n    asn_first: 4250000000\n    asn_last: 4250001000\n")
    code, out, err = cli("fabric", "plan", str(spec), "--json")
    assert code == 2 and out == ""
    assert "addressing.oob.asn_first" in err and "overlap" in err


def test_out_configs_writes_every_network_switch(cli, tmp_path):
    code, _, err = cli("fabric", "plan", str(ROOT / "topologies" / "dgx-h100-superpod-4su.yaml"), "--out",
                       str(tmp_path), "--configs", "--no-graph")
    assert code == 0, err
    assert "InfiniBand" in err
    result = _result("dgx-h100-superpod-4su")
    for name in routed_networks(result):
        for sw in switch_names(result, name):
            assert (tmp_path / "configs" / sw.name / "frr.conf").read_text().count(f"ip address {sw.loopback}/32")
            assert (tmp_path / "configs" / sw.name / "nvue.yaml").exists()
    with open(tmp_path / "addressing.csv") as stream:
        rows = {r["device"]: r for r in csv.DictReader(stream)}
    assert rows["converged-leaf0000"]["address"] == "10.16.0.0/32"
    assert rows["oob-sw00000"]["asn"] == str(DEFAULTS["oob"]["asn_first"] + 1)


def test_merged_pair_has_one_configuration_with_both_roles(cli, tmp_path):
    """A compute fabric merged into the converged pair (64 HGX GPUs): each pair switch gets one configuration, the
    converged one, that also routes every GPU NIC port cabled to it (links.csv's compute rows) from the compute
    fabric's NIC pool; addressing.csv lists one loopback per switch; FRR parses it."""
    code, _, err = cli("fabric", "plan", "--gpus", "64", "--out", str(tmp_path), "--configs", "--no-graph")
    assert code == 0, err
    result = plan_from(None, {"gpus": 64}, None)
    assert result.plan.merged_into == "converged"
    with open(tmp_path / "links.csv") as stream:
        nic_rows = [r for r in csv.DictReader(stream) if r["network"] == "compute"]
    assert nic_rows
    with open(tmp_path / "addressing.csv") as stream:
        rows = list(csv.DictReader(stream))
    loopbacks = Counter(r["device"] for r in rows if r["interface"] == "lo")
    assert set(loopbacks.values()) == {1}
    nic_address = {(r["peer_device"], r["peer_interface"]): r["peer_address"] for r in rows if r["role"] == "nic"}
    for switch in ("converged-leaf0000", "converged-leaf0001"):
        assert not (tmp_path / "configs" / switch / "config_db.json").exists()
        text = (tmp_path / "configs" / switch / "frr.conf").read_text()
        mine = [r for r in nic_rows if switch in (r["a_device"], r["z_device"])]
        assert mine
        for r in mine:
            port = r["z_port"] if r["z_device"] == switch else r["a_port"]
            assert f"interface {port}\n" in text and f"ip address {nic_address[(switch, port)]}/31" in text
        assert "permit 10.128.0.0/9 ge 31" in text
    if shutil.which("vtysh") or os.environ.get("CI"):
        _require_vtysh()
        done = subprocess.run(["vtysh", "--dryrun", "-f", str(tmp_path / "configs" / "converged-leaf0000" /
                                                              "frr.conf")], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def test_golden_network_configs():
    """A collapsed converged pair's leaf and an OOB switch of a 64-GPU plan equal their golden copies
    (AIFABRIC_UPDATE_GOLDEN=1 rewrites them)."""
    result = plan_from(None, {"gpus": 64}, None)
    devices = network_devices(result)
    golden = Path(__file__).parent / "golden"
    for name in ("converged-leaf0000", "oob-sw00000"):
        sw = devices.switches[name]
        for suffix, text in ((".frr.conf", network_frr_conf(sw, result.spec.addressing, result.plan.name)),
                             (".nvue.yaml", network_nvue_yaml(sw, result.spec.addressing, result.plan.name))):
            path = golden / f"networks-{name}{suffix}"
            if os.environ.get("AIFABRIC_UPDATE_GOLDEN") == "1":
                path.write_text(text)
            assert path.read_text() == text, path.name
