"""Day-one configurations of the switches of the networks beside the compute fabric (aifabric/configs/netdevices.py),
rendered from the Jinja2 templates shipped in aifabric/configs/templates:

- frr.conf: the routed underlay (eBGP unnumbered, RFC 5549; ASNs per RFC 7938; BFD), on the converged fabric the
  BGP EVPN address family (`advertise-all-vni` on the switches that bridge segments) and each EVPN multihoming
  bond's segment id and system MAC (FRR's `evpn mh es-id` / `evpn mh es-sys-mac`), eBGP to the customer edge;
- nvue.yaml (Cumulus Linux): the same, plus the bonds, VLAN-to-VNI map, VXLAN tunnel source, VRR gateways and, on an
  OOB switch, every management access port with the device (and its class) in its description.

Pure functions: text out, no files written here.
"""

from __future__ import annotations

from aifabric.configs.netaddr import pools_for
from aifabric.configs.netdevices import ES_SYS_MAC, VRR_MAC, NetSwitch
from aifabric.configs.render import MAX_PATHS, _environment, hostname


def _speed(gbps: int) -> str:
    return "1G" if gbps <= 1 else f"{gbps}G"


def _context(sw: NetSwitch, addressing, plan_name: str) -> dict:
    pools = pools_for(addressing, sw.network)
    fabric = [p for p in sw.ports if p.kind == "fabric"]
    edge = [p for p in sw.p2p_ports if p.device_class == "customer_uplink"]
    route_map = f"{sw.network.upper()}_CONNECTED"
    return {"sw": sw, "hostname": hostname(sw.name), "plan_name": plan_name, "fabric_ports": fabric,
            "edge_ports": edge, "maximum_paths": min(max(len(fabric), 1), MAX_PATHS), "es_sys_mac": ES_SYS_MAC,
            "vrr_mac": VRR_MAC, "route_map": route_map, "speed_text": _speed,
            "prefixes": [(pools.loopbacks, "ge 32"), (pools.hosts, "le 32")]
            + ([(addressing.nics, "ge 31")] if sw.compute_nics else [])}


def network_frr_conf(sw: NetSwitch, addressing, plan_name: str) -> str:
    """Return a network switch's frr.conf."""
    return _environment().get_template("network_frr.conf.j2").render(_context(sw, addressing, plan_name))


def network_nvue_yaml(sw: NetSwitch, addressing, plan_name: str) -> str:
    """Return a network switch's NVUE startup configuration (Cumulus Linux)."""
    return _environment().get_template("network_nvue.yaml.j2").render(_context(sw, addressing, plan_name))
