"""The switches of the networks beside the compute fabric as their configurations see them, built from the one
cabling source: the `network` rows of links.csv (aifabric.fabric.networks.link_rows).

- Converged (north-south, in-band management, storage access, users): a routed underlay (eBGP unnumbered, RFC 5549,
  as the compute fabric) carrying a BGP EVPN / VXLAN overlay with each leaf's loopback as its tunnel end point (NVIDIA
  Mission Control "North-South Network Deployment Guide": "BGP EVPN provides control plane signaling and tunnel
  discovery support in a VxLAN overlay network"). A device whose ports land on two switches (each node's two N/S
  ports "to two separate switches", NVIDIA Enterprise RA "Network Logical Architecture") is one EVPN multihoming
  Ethernet segment: a bond on each of those switches with the same segment id and system MAC, all-active without
  MLAG or a peer link (Cumulus Linux user guide, "EVPN Multihoming"). Each such set of switches serves one segment:
  a VLAN mapped to a VNI, a subnet from addressing.converged.hosts with a VRR gateway. Customer uplinks are routed
  /31s (the guide's "Client P2P IP Addressing (TOR to CE) /31").
- Ethernet storage: routed as the compute fabric: a /31 per node-facing port, the leaf's end even.
- OOB: each SN2201 is a layer-2 access switch for the management ports of its devices (one management VLAN, a
  subnet per switch from addressing.oob.hosts with the switch's address as gateway) whose 100G uplinks are routed
  (eBGP unnumbered) into the converged fabric or the OOB aggregation layer, advertising that subnet.
- Peer links the plan lays between a leaf pair (the DGX H100 SuperPOD's in-band pair) are routed underlay links:
  EVPN multihoming needs no MLAG peer link.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from aifabric.configs.devices import Port, Switch
from aifabric.configs.netaddr import Pools, pools_for, routed_networks, switch_names
from aifabric.errors import DesignError

# The EVPN multihoming system MAC of every Ethernet segment (a locally administered address; a segment is told apart
# by its local id, so one MAC serves all: Cumulus Linux "EVPN Multihoming", MAC-based ESI type 3).
ES_SYS_MAC = "44:38:39:ff:00:01"
# The VRR virtual MAC (the IETF VRRP MAC block NVIDIA's own configurations use, 00:00:5E:00:01:XX).
VRR_MAC = "00:00:5e:00:01:01"
FIRST_VLAN = 101        # each switch numbers its segments' VLANs from here (VLANs are local; VNIs are global)
FIRST_VNI = 10_001
OOB_VLAN = 10           # the OOB switches' management VLAN
SWITCH_NAME = re.compile(r"^(converged|storage)-(leaf\d+|spine\d+|core\d+|pod\d+-spine\d+)$|"
                         r"^oob-(sw\d+|agg\d+|core\d+|pod\d+-agg\d+)$")


@dataclass
class Segment:
    """One layer-2 segment of the converged fabric (the devices homed on one set of switches) or an OOB switch's
    management VLAN: its VLAN on a switch, VNI, subnet and gateway."""

    vni: int
    subnet: str
    gateway: str            # the VRR virtual address (converged) or the switch's own (OOB)
    switches: tuple[str, ...]
    devices: list[str] = field(default_factory=list)

    @property
    def prefix_length(self) -> int:
        """Return the subnet's prefix length."""
        return ipaddress.IPv4Network(self.subnet).prefixlen


@dataclass
class NetSwitch(Switch):
    """A switch of a network beside the compute fabric: the compute Switch's data plus its network, its segments
    (VLAN -> segment) and the address it holds in each."""

    network: str = ""
    model: str = ""
    segments: dict[int, Segment] = field(default_factory=dict)
    svi: dict[int, str] = field(default_factory=dict)   # VLAN -> this switch's own address in it (with length)
    compute_nics: bool = False  # also the compute fabric's leaf (merged design): its GPU NIC ports are routed here

    @property
    def es_ports(self) -> list[Port]:
        """Return the ports that are EVPN multihoming segment members (one bond each)."""
        return [p for p in self.ports if p.kind == "es"]

    @property
    def access_ports(self) -> list[Port]:
        """Return the untagged ports in a segment's VLAN (single-homed devices, OOB management ports)."""
        return [p for p in self.ports if p.kind == "access"]

    @property
    def p2p_ports(self) -> list[Port]:
        """Return the routed /31 ports towards devices (storage nodes, customer edge)."""
        return [p for p in self.ports if p.kind == "p2p"]

    @property
    def vtep(self) -> bool:
        """Return True when the switch bridges a segment over VXLAN (a converged switch with segments)."""
        return self.network == "converged" and bool(self.segments)


@dataclass
class NetPort(Port):
    """A port of a network switch: the compute Port plus the bond, VLAN and segment id it belongs to."""

    vlan: int | None = None
    es_id: int | None = None
    bond: str | None = None
    device_class: str = ""


@dataclass
class NetDevices:
    """The switches of the routed networks beside the compute fabric, by name, and notes on what is not configured."""

    switches: dict[str, NetSwitch]
    notes: list[str] = field(default_factory=list)


def _block(size: int) -> int:
    return 1 << max(size - 1, 0).bit_length()


class _Allocator:
    """Hands out aligned blocks of a pool in order; DesignError naming the pool when it runs out."""

    def __init__(self, pools: Pools):
        self.pools = pools
        network = ipaddress.IPv4Network(pools.hosts)
        self.next = int(network.network_address)
        self.end = int(network.broadcast_address) + 1

    def take(self, size: int) -> int:
        block = _block(size)
        start = -(-self.next // block) * block
        if start + block > self.end:
            raise DesignError(f"{self.pools.hosts} is too small for the {self.pools.network} network's subnets "
                              f"(segments, management VLANs and /31s): use a larger pool",
                              field=f"addressing.{self.pools.network}.hosts")
        self.next = start + block
        return start


def _ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def network_devices(result, rows: Iterable[tuple] | None = None, device_classes: dict[str, str] | None = None
                    ) -> NetDevices:
    """Return every switch of the routed networks beside the compute fabric with its ports, peers, segments and
    addresses, from the plan's network link rows (or the rows given: a lab's selection of them)."""
    names = routed_networks(result)
    switches: dict[str, NetSwitch] = {}
    notes = []
    for name in names:
        model = next(iter(result.networks.networks[name].switch_models.values()))
        for sw in switch_names(result, name):
            role_model = result.networks.networks[name].switch_models.get(
                {"leaf": "leaf", "spine": "aggregation" if name == "oob" else "spine",
                 "core": "aggregation_core" if name == "oob" else "core"}[sw.role], model)
            switches[sw.name] = NetSwitch(sw.name, sw.role, 0, sw.pod, sw.loopback, sw.asn, 1, network=name,
                                          model=role_model)
    for name in ("storage",):
        if name in result.networks.layouts and name not in names:
            notes.append(f"{name}: an InfiniBand fabric takes no IP configuration (its subnet manager routes it)")
    if rows is None:
        rows = network_link_rows(result)
    if device_classes is None and "oob" in names:
        device_classes = _oob_classes(result)
    # (device, network) -> its ports: (port, switch, switch port, speed, link class)
    by_device: dict[tuple[str, str], list[tuple[str, str, str, int, str]]] = {}
    for row in rows:
        a, a_port, z, z_port, speed, cls, network = row[0], row[1], row[2], row[3], int(row[4]), row[7], row[10]
        if network not in names:
            continue
        a_sw, z_sw = switches.get(a), switches.get(z)
        if cls == "device_oob":
            a_sw = None  # a switch's own management port: a managed device of the OOB network
        if a_sw is not None and z_sw is not None:
            a_sw.ports.append(NetPort(a_port, z, z_port, "fabric", speed, peer_asn=z_sw.asn))
            z_sw.ports.append(NetPort(z_port, a, a_port, "fabric", speed, peer_asn=a_sw.asn))
        elif z_sw is not None:
            by_device.setdefault((a, z_sw.network), []).append((a_port, z, z_port, speed, cls))
        elif a_sw is not None:
            by_device.setdefault((z, a_sw.network), []).append((z_port, a, a_port, speed, cls))
    _attach_devices(result, switches, by_device, device_classes or {})
    if result.plan.merged_into in names:
        _attach_compute_ports(result, switches)
    for sw in switches.values():
        uplinks = [p for p in sw.ports if p.kind == "fabric"]
        sw.ecmp = max(1, len(uplinks))
    return NetDevices(switches, notes)


def _attach_compute_ports(result, switches: dict[str, NetSwitch]) -> None:
    """On a design whose compute fabric is merged into the converged pair (aifabric.fabric.merge), give each pair
    switch the compute fabric's GPU NIC ports as routed /31s from the compute fabric's own NIC pool, so one switch has
    one configuration: the converged switch's loopback and ASN, its segments and, beside them, the E/W rails."""
    from aifabric.configs.addressing import address_plan
    from aifabric.configs.devices import fabric_devices

    compute = fabric_devices(result.links, result.hardware, address_plan(result.plan, result.spec.addressing))
    for name, compute_switch in compute.switches.items():
        sw = switches.get(name)
        if sw is None:
            continue
        for p in compute_switch.host_ports:
            sw.ports.append(NetPort(p.name, p.peer, p.peer_port, "p2p", p.speed_gbps, p.address, p.peer_address,
                                    device_class="gpu_nic"))
        sw.compute_nics = True


def network_link_rows(result) -> Iterable[tuple]:
    """Yield the links.csv rows of every network beside the compute fabric (their `network` column set)."""
    from aifabric.fabric.networks import link_rows
    from aifabric.fabric.rows import naming_for

    return link_rows(result.networks, result.plan, result.hardware, naming_for(result.links, result.hardware),
                     result.links.floor)


def _oob_classes(result) -> dict[str, str]:
    """Return each managed device's OOB class (node, pdu, switch, ...), as the OOB plan counts it."""
    from aifabric.fabric.networks import oob_devices
    from aifabric.fabric.rows import naming_for

    nets = result.networks
    return {device: cls for device, cls, _ in oob_devices(nets, nets.layouts["oob"], result.plan, result.hardware,
                                                          naming_for(result.links, result.hardware))}


def _attach_devices(result, switches: dict[str, NetSwitch], by_device: dict, classes: dict[str, str]) -> None:
    """Give each device-facing port its role: EVPN segment member, access port or routed /31 (see the module)."""
    allocators = {name: _Allocator(pools_for(result.spec.addressing, name)) for name in routed_networks(result)}
    segments: dict[tuple[str, ...], Segment] = {}
    es_ids: dict[str, int] = {}
    oob_segments: dict[str, Segment] = {}
    p2p: list[tuple[NetSwitch, str, str, str, int]] = []
    for (device, network), ends in by_device.items():
        if network == "oob":
            for port, switch, switch_port, speed, _cls in ends:
                sw = switches[switch]
                segment = oob_segments.get(switch)
                if segment is None:
                    segment = oob_segments[switch] = _oob_segment(sw, result, allocators["oob"])
                segment.devices.append(device)
                sw.ports.append(NetPort(switch_port, device, port, "access", speed, vlan=OOB_VLAN,
                                        device_class=classes.get(device, "")))
            continue
        routed = network == "storage" or all(cls == "customer_uplink" for *_, cls in ends)
        if routed:
            for port, switch, switch_port, speed, cls in ends:
                p2p.append((switches[switch], switch_port, device, port, speed, cls))
            continue
        key = tuple(sorted({switch for _, switch, _, _, _ in ends}))
        segment = segments.get(key)
        if segment is None:
            segment = segments[key] = Segment(FIRST_VNI + len(segments), "", "", key)
        segment.devices.append(device)
        if len(key) > 1:
            es_ids[device] = len(es_ids) + 1
        for port, switch, switch_port, speed, _cls in ends:
            kind = "es" if len(key) > 1 else "access"
            es_id = es_ids.get(device)
            switches[switch].ports.append(NetPort(switch_port, device, port, kind, speed, es_id=es_id,
                                                  bond=f"es{es_id}" if es_id else None))
    # Subnets in the order segments were first seen: the VRR gateway first, then one address per switch of the
    # segment, then one per device.
    for segment in segments.values():
        size = 1 + len(segment.switches) + len(segment.devices) + 2
        base = allocators["converged"].take(size)
        segment.subnet = f"{_ip(base)}/{32 - (_block(size) - 1).bit_length()}"
        segment.gateway = _ip(base + 1)
        for k, switch in enumerate(segment.switches):
            sw = switches[switch]
            vlan = FIRST_VLAN + len(sw.segments)
            sw.segments[vlan] = segment
            sw.svi[vlan] = f"{_ip(base + 2 + k)}/{segment.prefix_length}"
    for segment in segments.values():
        for switch in segment.switches:
            sw = switches[switch]
            vlan = next(v for v, s in sw.segments.items() if s is segment)
            for port in sw.ports:
                if port.kind in ("es", "access") and port.peer in segment.devices and port.vlan is None:
                    port.vlan = vlan
    for sw, switch_port, device, port, speed, cls in p2p:
        base = allocators[sw.network].take(2)
        sw.ports.append(NetPort(switch_port, device, port, "p2p", speed, f"{_ip(base)}/31", _ip(base + 1),
                                device_class=cls))


def _oob_segment(sw: NetSwitch, result, allocator: _Allocator) -> Segment:
    """Return an OOB switch's management VLAN: a subnet with room for a device on every access port."""
    cages = result.hardware.switch(sw.model).cages
    base = allocator.take(cages + 3)
    segment = Segment(0, f"{_ip(base)}/{32 - (_block(cages + 3) - 1).bit_length()}", _ip(base + 1), (sw.name,))
    sw.segments[OOB_VLAN] = segment
    sw.svi[OOB_VLAN] = f"{segment.gateway}/{segment.prefix_length}"
    return segment
