"""Day-one configurations of every switch, rendered from the Jinja2 templates shipped in aifabric/configs/templates:

- frr.conf (FRR, which Cumulus Linux and SONiC both route with): eBGP unnumbered over IPv6 link-local next hops
  (RFC 5549) or over /31s, ASNs per RFC 7938, multipath over the uplink group, BFD on every session;
- nvue.yaml (Cumulus Linux on NVIDIA Spectrum switches): the same, plus the RoCE QoS block (`nv set qos roce mode
  lossless|lossy`; NVIDIA Cumulus Linux user guide, "RDMA over Converged Ethernet - RoCE");
- config_db.json (SONiC): PORT, INTERFACE, LOOPBACK_INTERFACE, DEVICE_METADATA and BGP_NEIGHBOR fragments.

Pure functions of the devices (aifabric/configs/devices.py): text out, no files written here.
"""

from __future__ import annotations

import json
import re
from functools import cache

from aifabric.configs.addressing import AddressPlan
from aifabric.configs.devices import Switch

# FRR's Debian build installs at most 64 equal-cost next hops per route (MULTIPATH_NUM); NVUE takes up to 128.
MAX_PATHS = 64


@cache
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("aifabric.configs", "templates"), trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                              autoescape=False)


def hostname(name: str) -> str:
    """Return a switch's hostname: its naming-table name with '/' turned into '-' (plane0-pod000-leaf000)."""
    return name.replace("/", "-")


def _context(sw: Switch, addresses: AddressPlan, plan_name: str) -> dict:
    return {"sw": sw, "hostname": hostname(sw.name), "plan_name": plan_name, "pools": addresses.pools,
            "unnumbered": addresses.pools.p2p == "unnumbered", "maximum_paths": min(sw.ecmp, MAX_PATHS),
            "roce": addresses.pools.roce}


def frr_conf(sw: Switch, addresses: AddressPlan, plan_name: str) -> str:
    """Return a switch's frr.conf."""
    return _environment().get_template("frr.conf.j2").render(_context(sw, addresses, plan_name))


def nvue_yaml(sw: Switch, addresses: AddressPlan, plan_name: str) -> str:
    """Return a switch's NVUE startup configuration (Cumulus Linux), with its RoCE QoS mode."""
    return _environment().get_template("nvue.yaml.j2").render(_context(sw, addresses, plan_name))


def sonic_name(switch_model, port: str, speed_gbps: int) -> str:
    """Return the SONiC interface name of a naming-table port: Ethernet<first lane>, lanes counted from 0 over
    the cages in front-panel order (an 8-lane OSFP cage split in two gives Ethernet0 and Ethernet4)."""
    split, unsplit = _patterns(switch_model.port_name, switch_model.port_name_unsplit)
    match = split.match(port) if switch_model.port_name != switch_model.port_name_unsplit else None
    lanes = switch_model.lanes_per_cage or 1
    if match is not None:
        groups = match.groupdict()
        lane = int(groups["lane"]) if groups.get("lane") is not None else int(groups["lane1"]) - 1
        cage = int(groups["cage"])
        per_cage = switch_model.ports_per_cage(speed_gbps)
        return f"Ethernet{(cage - 1) * lanes + lane * (lanes // per_cage)}"
    match = unsplit.match(port)
    if match is None:
        raise ValueError(f"port {port!r} does not follow {switch_model.id}'s port names")
    return f"Ethernet{(int(match.group('cage')) - 1) * lanes}"


@cache
def _patterns(port_name: str, port_name_unsplit: str) -> tuple[re.Pattern, re.Pattern]:
    def pattern(template: str) -> re.Pattern:
        text = re.escape(template)
        for key, group in (("cage", r"(?P<cage>\d+)"), ("lane1", r"(?P<lane1>\d+)"), ("lane", r"(?P<lane>\d+)")):
            text = text.replace(re.escape("{" + key + "}"), group)
        return re.compile(f"^{text}$")

    return pattern(port_name), pattern(port_name_unsplit)


def sonic_config_db(sw: Switch, addresses: AddressPlan, switch_model, plan_name: str) -> str:
    """Return a switch's SONiC config_db.json fragments (PORT, INTERFACE, LOOPBACK_INTERFACE, DEVICE_METADATA,
    BGP_NEIGHBOR); port aliases are the naming table's names."""
    ports: dict = {}
    interfaces: dict = {}
    neighbors: dict = {}
    unnumbered = addresses.pools.p2p == "unnumbered"
    for port in sw.ports:
        name = sonic_name(switch_model, port.name, port.speed_gbps)
        ports[name] = {"admin_status": "up", "alias": port.name, "description": f"{port.peer} {port.peer_port}",
                       "mtu": "9100", "speed": str(port.speed_gbps * 1000)}
        if port.kind == "fabric" and unnumbered:
            interfaces[name] = {"ipv6_use_link_local_only": "enable"}
            neighbors[f"default|{name}"] = {"asn": str(port.peer_asn), "name": hostname(port.peer),
                                            "peer_type": "external", "bfd": "true"}
        else:
            interfaces[name] = {}
            interfaces[f"{name}|{port.address}"] = {}
            if port.kind == "fabric":
                neighbors[port.peer_address] = {"asn": str(port.peer_asn), "name": hostname(port.peer),
                                                "local_addr": port.address.split("/")[0], "bfd": "true"}
    document = {
        "DEVICE_METADATA": {"localhost": {"hostname": hostname(sw.name), "bgp_asn": str(sw.asn),
                                          "type": {"leaf": "LeafRouter", "spine": "SpineRouter",
                                                   "core": "SpineRouter"}[sw.role],
                                          "docker_routing_config_mode": "split"}},
        "LOOPBACK_INTERFACE": {"Loopback0": {}, f"Loopback0|{sw.loopback}/32": {}},
        "PORT": ports,
        "INTERFACE": interfaces,
        "BGP_NEIGHBOR": neighbors,
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
