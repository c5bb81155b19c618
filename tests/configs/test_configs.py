"""Addressing, ASNs and day-one configurations: counts in closed form agree with the devices built link by link,
pools are checked, every frr.conf passes FRR's own parser, and the rendered files match golden copies."""

from __future__ import annotations

import csv
import ipaddress
import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from aifabric.cli.planning import plan_from
from aifabric.configs.addressing import address_plan
from aifabric.configs.devices import fabric_devices
from aifabric.configs.render import frr_conf, nvue_yaml, sonic_config_db

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[2]
# Small plans of every shape: two tiers, three tiers with two planes, /31 switch links.
SMALL = {
    "two-tier": {"gpus": 64, "servers_per_su": 4, "tiers": 2},
    "three-tier": {"gpus": 128, "servers_per_su": 2, "tiers": 3, "sus_per_pod": 2, "planes": 2, "nic_gbps": 400,
                   "port_gbps": 200},
}


def _devices(overrides: dict, spec: str | None = None):
    result = plan_from(spec, overrides, None)
    addresses = address_plan(result.plan, result.spec.addressing)
    return result, addresses, fabric_devices(result.links, result.hardware, addresses)


@pytest.mark.parametrize("spec", ["spectrum-x-8k", "dgx-h100-superpod-4su", "b300-twin-plane"])
def test_closed_form_counts_equal_the_devices(spec):
    result, addresses, devices = _devices({}, str(ROOT / "topologies" / f"{spec}.yaml"))
    block = result.document()["addressing"]
    assert block["loopbacks"] == len(devices.switches)
    fabric_ports = sum(len(sw.fabric_ports) for sw in devices.switches.values())
    assert block["p2p_links"] * 2 == fabric_ports
    asns = {role: {sw.asn for sw in devices.switches.values() if sw.role == role} for role in ("leaf", "spine", "core")}
    # Planes reuse one ASN plan (they never peer): count ASNs of one plane.
    plane0 = {role: {sw.asn for sw in devices.switches.values() if sw.role == role and sw.plane == 0}
              for role in ("leaf", "spine", "core")}
    assert {k: len(v) for k, v in plane0.items()} == block["asns"]
    assert asns == plane0
    # Loopbacks unique over every plane; NIC addresses unique, each NIC in its leaf port's /31.
    loopbacks = [sw.loopback for sw in devices.switches.values()]
    assert len(set(loopbacks)) == len(loopbacks)
    nics = [p.address for h in devices.hosts.values() for p in h.ports]
    assert len(set(nics)) == len(nics) == result.plan.link_counts()["nic_leaf"]
    for host in devices.hosts.values():
        for port in host.ports:
            assert ipaddress.ip_interface(port.address).network == ipaddress.ip_interface(
                f"{port.peer_address}/31").network


def test_rfc7938_asns():
    """A leaf has its own ASN; a pod's spines share one; the cores share one; none overlap."""
    _, addresses, devices = _devices(SMALL["three-tier"])
    by_role = {}
    for sw in devices.switches.values():
        by_role.setdefault(sw.role, []).append(sw)
    leaves = [sw.asn for sw in by_role["leaf"] if sw.plane == 0]
    assert len(set(leaves)) == len(leaves)
    for pod in {sw.pod for sw in by_role["spine"]}:
        assert len({sw.asn for sw in by_role["spine"] if sw.pod == pod}) == 1
    assert len({sw.asn for sw in by_role["core"]}) == 1
    spine_asns = {sw.asn for sw in by_role["spine"]}
    assert len(spine_asns) == addresses.asn_counts()["spine"]
    assert not (set(leaves) & spine_asns) and addresses.asn_core() not in spine_asns | set(leaves)


def test_plan_json_has_addressing_and_pools_are_checked(cli, tmp_path):
    code, out, _ = cli("fabric", "plan", "--gpus", "1000000", "--planes", "2", "--port-gbps", "200",
                       "--server", "hgx-b200", "--json")
    assert code == 0
    block = json.loads(out)["addressing"]
    assert block["loopbacks"] == json.loads(out)["switches"]["total"]
    assert block["asns"]["core"] == 1 and block["asns"]["spine"] == json.loads(out)["pods"]
    spec = tmp_path / "small.yaml"
    spec.write_text("name: s\ngpus: 8192\naddressing:\n  p2p: ipv4-31\n  p2p_pool: 10.64.0.0/20\n")
    code, out, err = cli("fabric", "plan", str(spec), "--json")
    assert code == 2 and out == ""
    assert "addressing.p2p_pool: 10.64.0.0/20 holds 4,096 addresses; the plan needs 16,384" in err
    assert "use a /18 or larger" in err


def test_addressing_csv_and_configs_agree_with_links_csv(cli, tmp_path):
    code, _, err = cli("fabric", "plan", "--gpus", "128", "--servers-per-su", "2", "--tiers", "3", "--sus-per-pod",
                       "2", "--out", str(tmp_path), "--configs", "--no-graph")
    assert code == 0, err
    with open(tmp_path / "links.csv") as stream:
        links = [row for row in csv.DictReader(stream) if row["network"] == "compute"]
    with open(tmp_path / "addressing.csv") as stream:
        rows = list(csv.DictReader(stream))
    nic_rows = [r for r in rows if r["role"] == "nic"]
    nic_links = {(r["a_device"], r["a_port"], r["z_device"], r["z_port"]) for r in links
                 if r["link_class"] == "nic_leaf"}
    assert {(r["device"], r["interface"], r["peer_device"], r["peer_interface"]) for r in nic_rows} == nic_links
    switches = {r["device"] for r in rows if r["role"].startswith("loopback")}
    assert switches == {p.relative_to(tmp_path / "configs").parent.as_posix()
                        for p in (tmp_path / "configs").rglob("frr.conf")}
    # Every switch-to-switch cable of links.csv is a BGP neighbor on its port, with the far end in its description.
    for link in links:
        if link["link_class"] == "nic_leaf":
            continue
        conf = (tmp_path / "configs" / link["a_device"] / "frr.conf").read_text()
        assert f"neighbor {link['a_port']} interface peer-group FABRIC" in conf
        assert f"interface {link['a_port']}\n description {link['z_device']} {link['z_port']}\n" in conf


@pytest.mark.parametrize("shape", sorted(SMALL))
def test_frr_parses_every_generated_config(shape, tmp_path):
    """FRR's own parser (vtysh --dryrun) accepts every generated frr.conf."""
    if shutil.which("vtysh") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("vtysh (Debian's frr package) is required in CI")
        pytest.skip("vtysh not installed (apt-get install -y frr)")
    _, addresses, devices = _devices(SMALL[shape])
    for sw in devices.switches.values():
        path = tmp_path / (sw.name.replace("/", "-") + ".conf")
        path.write_text(frr_conf(sw, addresses, "t"))
        done = subprocess.run(["vtysh", "--dryrun", "-f", str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (sw.name, done.stdout, done.stderr)


def test_ipv4_31_mode_numbers_both_ends():
    result = plan_from(None, {"gpus": 64, "servers_per_su": 4, "tiers": 2}, None)
    result.spec.addressing.p2p = "ipv4-31"
    addresses = address_plan(result.plan, result.spec.addressing)
    devices = fabric_devices(result.links, result.hardware, addresses)
    pairs = Counter()
    for sw in devices.switches.values():
        for port in sw.fabric_ports:
            network = ipaddress.ip_interface(port.address).network
            assert ipaddress.ip_address(port.peer_address) in network
            pairs[network] += 1
    assert set(pairs.values()) == {2}
    conf = frr_conf(next(iter(devices.switches.values())), addresses, "t")
    assert "interface peer-group" not in conf and "peer-group FABRIC" in conf


def _golden_files(shape: str) -> dict[str, str]:
    _, addresses, devices = _devices(SMALL[shape])
    result = plan_from(None, SMALL[shape], None)
    model = result.hardware.switch(result.plan.switch_id)
    files = {}
    for sw in devices.switches.values():
        if sw.plane != 0 or sw.name.split("/")[-1] not in ("leaf000", "spine000", "core000") or "pod00" in sw.name \
                and "pod000" not in sw.name:
            continue
        stem = f"{shape}-{sw.name.replace('/', '-')}"
        files[f"{stem}.frr.conf"] = frr_conf(sw, addresses, result.plan.name)
        files[f"{stem}.nvue.yaml"] = nvue_yaml(sw, addresses, result.plan.name)
        files[f"{stem}.config_db.json"] = sonic_config_db(sw, addresses, model, result.plan.name)
    return files


@pytest.mark.parametrize("shape", sorted(SMALL))
def test_golden_configs(shape):
    """The rendered configurations of a few switches equal the golden copies (AIFABRIC_UPDATE_GOLDEN=1 rewrites)."""
    files = _golden_files(shape)
    assert files
    for name, text in files.items():
        path = GOLDEN / name
        if os.environ.get("AIFABRIC_UPDATE_GOLDEN") == "1":
            path.write_text(text)
        assert path.read_text() == text, name
        if name.endswith(".yaml"):
            document = yaml.safe_load(text)
            assert document[0]["set"]["qos"]["roce"]["mode"] == "lossless"
        if name.endswith(".json"):
            assert {"PORT", "INTERFACE", "BGP_NEIGHBOR", "LOOPBACK_INTERFACE"} <= set(json.loads(text))


def test_lossy_roce_mode_reaches_nvue(tmp_path):
    spec = tmp_path / "lossy.yaml"
    spec.write_text("name: lossy\ngpus: 64\nservers_per_su: 4\ntiers: 2\naddressing:\n  roce: lossy\n")
    result = plan_from(spec, {}, None)
    addresses = address_plan(result.plan, result.spec.addressing)
    devices = fabric_devices(result.links, result.hardware, addresses)
    text = nvue_yaml(next(iter(devices.switches.values())), addresses, "lossy")
    assert yaml.safe_load(text)[0]["set"]["qos"]["roce"] == {"enable": True, "mode": "lossy"}
