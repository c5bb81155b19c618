"""Every switch and server of a plan as the configurations see it: its name, loopback, ASN and ports, each port with
its peer (device and port, from the one naming table, so configurations, links.csv and LLDP agree port for port)
and its addresses from the address plan."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from aifabric.configs.addressing import AddressPlan
from aifabric.fabric.links import FabricLinks
from aifabric.fabric.naming import Naming


@dataclass
class Port:
    """One switch port or NIC port and what is cabled to it."""

    name: str
    peer: str
    peer_port: str
    kind: str  # "fabric" (switch to switch), "host" (leaf to NIC) or "nic" (NIC to leaf)
    speed_gbps: int
    address: str | None = None  # this end's address with its prefix length; None when unnumbered
    peer_address: str | None = None
    peer_asn: int | None = None


@dataclass
class Switch:
    """One switch's day-one configuration data."""

    name: str
    role: str  # leaf | spine | core
    plane: int
    pod: int | None
    loopback: str
    asn: int
    ecmp: int  # equal-cost paths a leaf or spine spreads over (its uplink group); maximum-paths
    ports: list[Port] = field(default_factory=list)

    @property
    def fabric_ports(self) -> list[Port]:
        """Return the switch-to-switch ports, in port order."""
        return [p for p in self.ports if p.kind == "fabric"]

    @property
    def host_ports(self) -> list[Port]:
        """Return the ports towards NICs, in port order."""
        return [p for p in self.ports if p.kind == "host"]


@dataclass
class Host:
    """One server's NIC ports, each with its /31 and its leaf as gateway."""

    name: str
    ports: list[Port] = field(default_factory=list)


@dataclass
class Devices:
    """The switches and servers of a plan, by name, in naming-table order."""

    switches: dict[str, Switch]
    hosts: dict[str, Host]
    switch_id: str  # the catalog model of every switch


def fabric_devices(links: FabricLinks, hardware, addresses: AddressPlan) -> Devices:
    """Return every switch and server of the plan with its ports, peers, addresses and ASNs."""
    plan = links.plan
    naming = Naming(plan, hardware.switch(plan.switch_id))
    switches: dict[str, Switch] = {}
    hosts: dict[str, Host] = {}
    servers = naming.server_names()
    for plane in range(plan.planes):
        leaves = [_leaf(naming, addresses, plane, i) for i in range(plan.leaves_per_plane)]
        spines = [[_spine(naming, addresses, plane, p, s) for s in range(shape.spines)]
                  for p, shape in enumerate(plan.pods)]
        cores = [_core(naming, addresses, plane, c) for c in range(plan.cores_per_plane)]
        for device in (*leaves, *(s for pod in spines for s in pod), *cores):
            switches[device.name] = device
        _add_nic_links(links, naming, addresses, plane, servers, leaves, hosts)
        for index, (a, a_port, b, b_port, speed) in enumerate(_switch_links(links, naming, leaves, spines, cores)):
            pair = addresses.p2p_pair(plane, index) if addresses.pools.p2p == "ipv4-31" else (None, None)
            a.ports.append(Port(a_port, b.name, b_port, "fabric", speed, _cidr(pair[0], 31), pair[1], b.asn))
            b.ports.append(Port(b_port, a.name, a_port, "fabric", speed, _cidr(pair[1], 31), pair[0], a.asn))
    return Devices(switches, hosts, plan.switch_id)


def _cidr(address: str | None, length: int) -> str | None:
    return None if address is None else f"{address}/{length}"


def _leaf(naming: Naming, addresses: AddressPlan, plane: int, leaf: int) -> Switch:
    plan = naming.plan
    return Switch(naming.leaf(plane, leaf), "leaf", plane, plan.pod_of_leaf(leaf) if plan.tiers == 3 else None,
                  addresses.loopback(plane, addresses.leaf_index(plane, leaf)), addresses.asn_leaf(leaf),
                  max(plan.leaf_uplinks, 1))


def _spine(naming: Naming, addresses: AddressPlan, plane: int, pod: int, spine: int) -> Switch:
    plan = naming.plan
    uplinks = plan.pods[pod].spines * plan.pods[pod].spine_uplinks
    return Switch(naming.spine(plane, pod, spine), "spine", plane, pod if plan.tiers == 3 else None,
                  addresses.loopback(plane, addresses.spine_index(plane, pod, spine)), addresses.asn_spine(pod),
                  max(plan.pods[pod].spine_uplinks, 1) if uplinks else max(plan.pods[pod].spine_downlinks, 1))


def _core(naming: Naming, addresses: AddressPlan, plane: int, core: int) -> Switch:
    plan = naming.plan
    return Switch(naming.core(plane, core), "core", plane, None,
                  addresses.loopback(plane, addresses.core_index(plane, core)), addresses.asn_core(),
                  max(len(plan.pods), 1))


def _add_nic_links(links: FabricLinks, naming: Naming, addresses: AddressPlan, plane: int, servers: list[str],
                   leaves: list[Switch], hosts: dict[str, Host]) -> None:
    plan = links.plan
    link_set = links.sets["nic_leaf"]
    down = [naming.leaf_down_port(i) for i in range(plan.leaf_down_ports)]
    nic_ports = [naming.nic_port(r, plane) for r in range(plan.rails)]
    for server, rail, leaf, port in zip(link_set.a.tolist(), link_set.a_port.tolist(), link_set.z.tolist(),
                                        link_set.z_port.tolist(), strict=True):
        leaf_address, nic_address = addresses.nic_pair(plane, server, rail)
        name = servers[server]
        host = hosts.get(name)
        if host is None:
            host = hosts[name] = Host(name)
        switch = leaves[leaf]
        switch.ports.append(Port(down[port], name, nic_ports[rail], "host", link_set.speed_gbps,
                                 f"{leaf_address}/31", nic_address))
        host.ports.append(Port(nic_ports[rail], switch.name, down[port], "nic", link_set.speed_gbps,
                               f"{nic_address}/31", leaf_address, switch.asn))


def _switch_links(links: FabricLinks, naming: Naming, leaves, spines, cores) -> Iterator[tuple]:
    """Yield (a switch, a port, z switch, z port, speed) of every switch-to-switch link of a plane in links.csv
    order (leaf-spine, then spine-core), so the i-th link takes the i-th /31."""
    plan = links.plan
    if "leaf_spine" in links.sets:
        s = links.sets["leaf_spine"]
        up = [naming.leaf_up_port(i) for i in range(plan.leaf_uplinks)]
        for a, a_port, z, z_pod, z_port in zip(s.a.tolist(), s.a_port.tolist(), s.z.tolist(), s.z_pod.tolist(),
                                               s.z_port.tolist(), strict=True):
            yield leaves[a], up[a_port], spines[z_pod][z], naming.spine_down_port(z_pod, z_port), s.speed_gbps
    if "spine_core" in links.sets:
        s = links.sets["spine_core"]
        for a, a_pod, a_port, z, z_port in zip(s.a.tolist(), s.a_pod.tolist(), s.a_port.tolist(), s.z.tolist(),
                                               s.z_port.tolist(), strict=True):
            yield spines[a_pod][a], naming.spine_up_port(a_pod, a_port), cores[z], naming.core_port(z_port), \
                s.speed_gbps
