"""The rail-optimized Clos solver: pure, closed-form, no graph.

Each plane is an independent fabric. In a plane, NIC r of every server of a scalable unit (SU) lands on the
rail-r leaf of that SU; a leaf has d downlinks (SU = d servers) and u uplinks. Two tiers join every leaf to every
spine with the same number of links. Three tiers group whole SUs into pods of leaves and spines; spine uplinks are
striped over the cores one link per spine-core pair, so every core reaches every pod.

Rack-scale systems (GB200/GB300 NVL72) are rail-optimized to the top, as NVIDIA's DGX SuperPOD GB200 RA
(RA-11338-001, sec. 4.2) builds them: a server is a compute tray (rails = GPUs per tray), an SU is whole racks
(one leaf per rail per rack in NVIDIA's design), a pod is a group of SUs in which each rail has its own spines (a
"spine-leaf group"), and spine j of every rail group joins core group j.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from aifabric.catalog.models import Hardware, Server, Switch
from aifabric.errors import DesignError
from aifabric.spec.fabric import FabricSpec


@dataclass(frozen=True)
class PodShape:
    """One pod of one plane: its leaves, its spines, and how they are joined."""

    leaves: int
    spines: int
    links_per_leaf_spine: int
    spine_downlinks: int
    spine_uplinks: int
    # 1: every leaf of the pod joins every spine. R > 1: the pod's spines split into R rail groups (rack-scale
    # systems), and a rail-r leaf joins only the spines of group r (spines // R of them).
    rail_groups: int = 1

    @property
    def spines_per_group(self) -> int:
        """Return the spines one leaf reaches (all of the pod's, or its rail group's)."""
        return self.spines // self.rail_groups


@dataclass(frozen=True)
class Plan:
    """The sized fabric: every count a BOM, a graph or an analysis needs, for all planes together."""

    name: str
    server_id: str
    nic_id: str
    switch_id: str
    servers: int
    gpus_per_server: int
    planes: int
    tiers: int
    nic_gbps: int
    port_gbps: int
    uplink_gbps: int
    oversubscription: float
    spine_oversubscription: float
    leaf_downlinks: int
    leaf_uplinks: int
    sus: int
    leaves_per_plane: int
    leaves_per_pod: int
    pods: tuple[PodShape, ...]
    cores_per_plane: int
    core_links_per_pair: int
    radix_down: int
    radix_up: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Rails packed on one leaf (OCP OCDAI-style small pods: a leaf takes GPU 0 and GPU 1 of every server); 1 in
    # full SUs. Leaf l of an SU takes rails l*p .. l*p+p-1 of each of its servers.
    rails_per_leaf: int = 1

    @property
    def leaves_per_su(self) -> int:
        """Return the leaves of one SU in one plane (rails / rails per leaf)."""
        return self.gpus_per_server // self.rails_per_leaf

    @property
    def leaf_down_ports(self) -> int:
        """Return the downlink ports of a leaf (servers per SU x rails per leaf)."""
        return self.leaf_downlinks * self.rails_per_leaf
    # Core groups (rack-scale, rail-optimized to the top): spine j of every rail group joins the cores of group j
    # only, core_links_per_pair links to each. 0: spine uplinks are striped over every core.
    core_groups: int = 0
    # GPUs per NVLink domain and compute trays per rack (rack-scale systems; 0 for N-GPU servers).
    scale_up_domain: int = 0
    trays_per_rack: int = 0
    racks_per_domain: int = 1
    # The GPUs the spec asked for (0: as many as it has); a rack-scale system rounds up to whole racks.
    gpus_requested: int = 0
    # The network whose leaf pair carries this fabric's leaves (the Enterprise RAs' small-design merge of the
    # compute fabric into the converged pair: aifabric.fabric.merge), "" when the compute fabric has its own.
    merged_into: str = ""

    @property
    def rail_pods(self) -> bool:
        """Return True when pods split their spines by rail (rack-scale, rail-optimized to the top)."""
        return self.tiers == 3 and self.pods[0].rail_groups > 1

    @property
    def rack_scale(self) -> bool:
        """Return True for a rack-scale system (trays bound into racks and an NVLink domain)."""
        return self.trays_per_rack > 0

    @property
    def system_racks(self) -> int:
        """Return the racks of a rack-scale system (partial last rack counted whole), 0 otherwise."""
        return -(-self.servers // self.trays_per_rack) if self.trays_per_rack else 0

    @property
    def racks_per_leaf(self) -> int:
        """Return the racks whose trays one leaf serves for one rail in one plane (rack-scale systems), else 0."""
        return self.leaf_downlinks // self.trays_per_rack if self.trays_per_rack else 0

    @property
    def cores_per_group(self) -> int:
        """Return the cores of one core group (all cores when striped)."""
        return self.cores_per_plane // self.core_groups if self.core_groups else self.cores_per_plane

    @property
    def gpus(self) -> int:
        """Return the number of GPUs (servers x GPUs per server)."""
        return self.servers * self.gpus_per_server

    @property
    def rails(self) -> int:
        """Return the number of rails (one per GPU index)."""
        return self.gpus_per_server

    @property
    def spines_per_plane(self) -> int:
        """Return spines in one plane."""
        return sum(p.spines for p in self.pods)

    @property
    def spine_core_links_per_plane(self) -> int:
        """Return spine-to-core links in one plane."""
        return sum(p.spines * p.spine_uplinks for p in self.pods)

    def switch_counts(self) -> dict[str, int]:
        """Return switches per tier over all planes, and their total."""
        leaf = self.planes * self.leaves_per_plane
        spine = self.planes * self.spines_per_plane
        core = self.planes * self.cores_per_plane
        return {"leaf": leaf, "spine": spine, "core": core, "total": leaf + spine + core}

    def link_counts(self) -> dict[str, int]:
        """Return links per tier over all planes, and their total."""
        nic_leaf = self.planes * self.servers * self.gpus_per_server
        leaf_spine = self.planes * self.leaves_per_plane * self.leaf_uplinks
        spine_core = self.planes * self.spine_core_links_per_plane
        return {"nic_leaf": nic_leaf, "leaf_spine": leaf_spine, "spine_core": spine_core,
                "total": nic_leaf + leaf_spine + spine_core}

    def lower_bound_switches(self) -> float:
        """Return (2t-1)*N/k: the switches a t-tier full-bisection Clos of N endpoints needs at radix k."""
        endpoints = self.planes * self.gpus
        return (2 * self.tiers - 1) * endpoints / self.radix_down

    def bisection_tbps(self) -> float:
        """Return the bisection bandwidth in Tb/s: half the narrowest tier's capacity, summed over planes."""
        nic_bw = self.servers * self.gpus_per_server * self.port_gbps
        leaf_up_bw = self.leaves_per_plane * self.leaf_uplinks * self.uplink_gbps
        # One tier: every GPU of a rail meets on its leaf, so only the NIC links bound the bisection.
        narrowest = nic_bw if self.tiers == 1 else min(nic_bw, leaf_up_bw)
        if self.tiers == 3:
            narrowest = min(narrowest, self.spine_core_links_per_plane * self.uplink_gbps)
        return self.planes * narrowest / 2 / 1000

    def actual_oversubscription(self) -> float:
        """Return the leaf's downlink:uplink bandwidth ratio as built."""
        if self.leaf_uplinks == 0:
            return 1.0  # one tier: no uplinks, nothing shared
        return self.leaf_down_ports * self.port_gbps / (self.leaf_uplinks * self.uplink_gbps)

    def pod_of_leaf(self, leaf_index: int) -> int:
        """Return the pod holding a leaf (0 in two tiers)."""
        return 0 if self.tiers < 3 else leaf_index // self.leaves_per_pod


@dataclass(frozen=True)
class Resolved:
    """The spec with catalog defaults filled in."""

    server: Server
    switch: Switch
    nic_id: str
    gpus_per_server: int
    servers: int
    nic_gbps: int
    port_gbps: int
    uplink_gbps: int
    scale_up_domain: int = 0
    trays_per_rack: int = 0
    gpus_requested: int = 0
    nic_note: str = ""  # why the NIC is not the server's default, said under the plan's table


def resolve(spec: FabricSpec, hardware: Hardware) -> Resolved:
    """Return the spec's hardware and speeds, defaults from the catalog, checked against what the switch offers."""
    server = hardware.server(spec.server)
    switch = hardware.switch(spec.switch)
    nic, nic_note = _nic_for(spec, server, switch, hardware)
    gpus_per_server = spec.gpus_per_server or server.gpus
    servers = spec.servers if spec.servers is not None else math.ceil(spec.gpus / gpus_per_server)
    nic_gbps = spec.nic_gbps or nic.rate_gbps
    if nic_gbps % spec.planes:
        # Only plane counts whose port speed the switch offers are worth suggesting (400G over 5 planes is 80G).
        divisors = [str(p) for p in range(1, 17) if nic_gbps % p == 0 and nic_gbps // p in switch.speeds_gbps]
        raise DesignError(f"nic_gbps {nic_gbps} does not split evenly over {spec.planes} planes; use planes "
                          f"{', '.join(divisors)}", field="planes")
    port_gbps = spec.port_gbps or nic_gbps // spec.planes
    if port_gbps * spec.planes > nic_gbps:
        raise DesignError(
            f"port_gbps {port_gbps} x planes {spec.planes} exceeds the NIC's {nic_gbps} Gb/s; "
            f"use port_gbps <= {nic_gbps // spec.planes}", field="port_gbps"
        )
    uplink_gbps = spec.uplink_gbps or port_gbps
    domain, trays_per_rack = _scale_up(spec, server, gpus_per_server)
    requested = spec.gpus if spec.gpus is not None else servers * gpus_per_server
    if trays_per_rack:
        # A rack-scale system is sold and run whole: an NVL72 rack (18 trays, 72 GPUs) is one NVLink domain, an
        # NVL36x2 domain two racks; a partial rack is not a product.
        unit = trays_per_rack * server.racks_per_domain
        servers = -(-servers // unit) * unit
    _check_nic_fits(server, nic)
    for label, speed in (("port_gbps", port_gbps), ("uplink_gbps", uplink_gbps)):
        if speed not in switch.speeds_gbps:
            raise DesignError(
                f"{label} {speed}: {switch.id} offers {', '.join(map(str, switch.speeds_gbps))} Gb/s ports",
                field=label if getattr(spec, label) is not None else "switch",
            )
    # The physical-layer rules: a NIC runs only the port modes its firmware lists; a server has its GPUs.
    from aifabric.fabric import compat

    if spec.gpus_per_server is not None:
        compat.check_server(server, gpus_per_server)
    try:
        compat.nic_mode(nic, switch, port_gbps, spec.planes)
    except DesignError as exc:
        raise DesignError(exc.message + _who_has(hardware, switch.family, spec.planes, port_gbps),
                          field=exc.field) from None
    return Resolved(server, switch, nic.id, gpus_per_server, servers, nic_gbps, port_gbps, uplink_gbps, domain,
                    trays_per_rack, requested, nic_note)


def _check_nic_fits(server: Server, nic) -> None:
    """Raise DesignError when a system whose NICs are built in is asked for a NIC it does not ship with."""
    if server.nics_built_in and server.nic_options and nic.id not in server.nic_options:
        raise DesignError(
            f"{server.id} ships with its NICs built in ({', '.join(server.nic_options)}), so {nic.id} cannot be "
            f"ordered for it; use nic: {server.nic_options[0]}, or an HGX server that takes add-in NICs",
            field="nic")



def _nic_for(spec: FabricSpec, server: Server, switch: Switch, hardware: Hardware):
    """Return (NIC, note): the spec's NIC, else the server's default, else, when the default cannot speak the
    switch's protocol, the first of the server's other NICs that can (and a note saying so)."""
    if spec.nic:
        return hardware.nic(spec.nic), ""
    default = hardware.nic(server.nic)
    if any(m.protocol == switch.family for m in default.port_modes):
        return default, ""
    for option in server.nic_options:
        nic = hardware.nic(option)
        if any(m.protocol == switch.family for m in nic.port_modes):
            return nic, (f"NIC {nic.id} chosen for {switch.id}'s {_PROTOCOL[switch.family]}: {server.id}'s default "
                         f"{default.id} runs only {_PROTOCOL[default.port_modes[0].protocol]} (--nic sets it)")
    return default, ""


_PROTOCOL = {"ethernet": "Ethernet", "infiniband": "InfiniBand"}


def _who_has(hardware: Hardware, protocol: str, planes: int, port_gbps: int) -> str:
    """Return '; catalog NICs with 1 x 400G InfiniBand: connectx-7 (in dgx-h100, ...)', or '' when none has it."""
    nics = [n for n in hardware.nics.values()
            if any(m.protocol == protocol and m.ports == planes and m.gbps == port_gbps for m in n.port_modes)]
    if not nics:
        return ""
    ids = {n.id for n in nics}
    servers = sorted(s.id for s in hardware.servers.values() if s.nic in ids or ids & set(s.nic_options))
    return (f"; catalog NICs with {planes} x {port_gbps}G {_PROTOCOL[protocol]}: {', '.join(sorted(ids))}"
            + (f" (in {', '.join(servers)})" if servers else ""))


def _scale_up(spec: FabricSpec, server: Server, gpus_per_server: int) -> tuple[int, int]:
    """Return (GPUs per NVLink domain, compute trays per rack) of a rack-scale system, (0, 0) for N-GPU servers."""
    if not server.rack_scale:
        if spec.scale_up_domain is not None and spec.scale_up_domain != gpus_per_server:
            raise DesignError(
                f"scale_up_domain {spec.scale_up_domain}: {server.id} is a {gpus_per_server}-GPU server whose NVLink "
                f"domain is the server itself; use scale_up_domain {gpus_per_server} or a rack-scale system "
                f"(server: gb200-nvl72, gb300-nvl72, gb200-nvl36x2)", field="scale_up_domain")
        return 0, 0
    domain = spec.scale_up_domain or server.scale_up_domain or server.trays_per_rack * gpus_per_server
    if domain % gpus_per_server:
        raise DesignError(f"scale_up_domain {domain} is not a whole number of {gpus_per_server}-GPU trays; use a "
                          f"multiple of {gpus_per_server} (e.g. {server.scale_up_domain})", field="scale_up_domain")
    trays_per_domain = domain // gpus_per_server
    # A smaller domain (e.g. NVL36 of an NVL72 rack) still fills whole racks; a larger one spans several racks.
    trays_per_rack = min(server.trays_per_rack, trays_per_domain)
    return domain, trays_per_rack


def leaf_ports(switch: Switch, down_gbps: int, up_gbps: int, ratio: float) -> tuple[int, int]:
    """Return (downlinks, uplinks) of a leaf: the most downlinks whose bandwidth is at most ratio x the uplinks'."""
    per_cage_down = switch.ports_per_cage(down_gbps)
    per_cage_up = switch.ports_per_cage(up_gbps)
    total_gbps = switch.cages * switch.cage_gbps
    down = int(total_gbps * ratio / (1 + ratio) // down_gbps)
    while down > 0:
        up = math.ceil(down * down_gbps / (ratio * up_gbps) - 1e-9)
        cages = math.ceil(down / per_cage_down) + math.ceil(up / per_cage_up)
        if cages <= switch.cages:
            return down, up
        down -= 1
    raise DesignError(f"oversubscription {ratio:g} leaves no downlink on a {switch.id}", field="oversubscription")


def _largest_divisor_at_most(value: int, limit: int) -> int:
    """Return the largest divisor of value that is <= limit (at least 1)."""
    best = 1
    for candidate in range(1, min(value, limit) + 1):
        if value % candidate == 0:
            best = candidate
    return best


def _pod_shape(leaves: int, leaf_uplinks: int, spine_down_max: int, spine_ratio: float) -> PodShape:
    per_pair = _largest_divisor_at_most(leaf_uplinks, spine_down_max // leaves)
    spines = leaf_uplinks // per_pair
    downlinks = leaves * per_pair
    uplinks = math.ceil(downlinks / spine_ratio - 1e-9)
    return PodShape(leaves, spines, per_pair, downlinks, uplinks)


def _two_tier(
    leaves: int, leaf_uplinks: int, radix_up: int, uplink_room: int | None = None, spine_pairs: bool = False,
) -> PodShape | None:
    """Return the one pod of a two-tier plane: the fewest spines such that every leaf has the same number of links
    to every spine. Uplinks may be rounded up to a multiple of the spines when the leaf has the spare ports
    (uplink_room), so that a small fabric is not spread over many spines to divide its uplinks evenly.
    spine_pairs: the spines of a plane come in pairs and divide the leaf's uplinks exactly (see _held_block)."""
    if leaves > radix_up:
        return None
    if spine_pairs:
        for spines in range(max(2, math.ceil(leaves * leaf_uplinks / radix_up)), leaf_uplinks + 1):
            if spines % 2 == 0 and leaf_uplinks % spines == 0 and leaves * (leaf_uplinks // spines) <= radix_up:
                return PodShape(leaves, spines, leaf_uplinks // spines, leaves * (leaf_uplinks // spines), 0)
    per_pair = _largest_divisor_at_most(leaf_uplinks, radix_up // leaves)
    best = PodShape(leaves, leaf_uplinks // per_pair, per_pair, leaves * per_pair, 0)
    room = leaf_uplinks if uplink_room is None else uplink_room
    for spines in range(max(1, math.ceil(leaves * leaf_uplinks / radix_up)), best.spines):
        per_pair = math.ceil(leaf_uplinks / spines)
        if spines * per_pair <= room and leaves * per_pair <= radix_up:
            return PodShape(leaves, spines, per_pair, leaves * per_pair, 0)
    return best


def _three_tier(
    leaves: int, leaf_uplinks: int, rails: int, radix_up: int, spine_ratio: float, sus_per_pod: int | None = None,
    asked: bool = False,
) -> tuple[int, tuple[PodShape, ...], int, int, list[str]] | None:
    spine_down_max = _spine_down_max(radix_up, spine_ratio)
    if spine_down_max <= 0:
        return None
    # Pods hold whole SUs where the spine's downlinks allow, as NVIDIA's reference architectures do.
    leaves_per_pod = (spine_down_max // rails) * rails if spine_down_max >= rails else spine_down_max
    if sus_per_pod is not None and not asked:
        # The hall limit may cap the pod (pods are placed whole in halls); never below one SU.
        if rails <= spine_down_max and sus_per_pod * rails < leaves_per_pod:
            leaves_per_pod = sus_per_pod * rails
    elif sus_per_pod is not None:
        if sus_per_pod * rails > spine_down_max:
            raise DesignError(f"sus_per_pod {sus_per_pod}: a spine takes at most {spine_down_max} leaves "
                              f"({max(spine_down_max // rails, 1)} SUs of {rails} rails)", field="sus_per_pod")
        leaves_per_pod = sus_per_pod * rails
    full_pods, last = divmod(leaves, leaves_per_pod)
    shapes = [_pod_shape(leaves_per_pod, leaf_uplinks, spine_down_max, spine_ratio)] * full_pods
    if last:
        shapes.append(_pod_shape(last, leaf_uplinks, spine_down_max, spine_ratio))
    if len(shapes) < 2:
        return None
    notes: list[str] = []
    for _ in range(4):
        cores, per_pair = _cores(shapes, radix_up)
        pod_uplinks = [s.spines * s.spine_uplinks for s in shapes]
        if min(pod_uplinks) >= cores:
            break
        # A small last pod must still reach every core: spread it over more spines with spare uplinks.
        small = shapes[-1]
        reshaped = _reach_all_cores(small, leaf_uplinks, radix_up, spine_ratio, cores)
        if reshaped is None:
            return None
        shapes[-1] = reshaped
    else:
        return None
    if shapes[-1].spine_uplinks * spine_ratio > shapes[-1].spine_downlinks + 1e-9:
        notes.append(
            f"last pod ({shapes[-1].leaves} leaves) gets {shapes[-1].spines} spines with "
            f"{shapes[-1].spine_uplinks} uplinks each so that it reaches all {cores} cores"
        )
    if any(s.spines * s.spine_uplinks < cores for s in shapes):
        return None
    return leaves_per_pod, tuple(shapes), cores, per_pair, notes


def _reach_all_cores(
    pod: PodShape, leaf_uplinks: int, radix_up: int, spine_ratio: float, cores: int
) -> PodShape | None:
    """Return the pod re-shaped with the fewest spines whose uplinks cover every core, or None."""
    for per_pair in sorted((d for d in range(1, leaf_uplinks + 1) if leaf_uplinks % d == 0), reverse=True):
        spines = leaf_uplinks // per_pair
        downlinks = pod.leaves * per_pair
        uplinks = max(math.ceil(downlinks / spine_ratio - 1e-9), math.ceil(cores / spines))
        if downlinks + uplinks <= radix_up and uplinks <= cores:
            return PodShape(pod.leaves, spines, per_pair, downlinks, uplinks)
    return None


def _cores(shapes: list[PodShape], radix_up: int) -> tuple[int, int]:
    """Return (cores, links per spine-core pair): the fewest cores that take every spine uplink evenly."""
    total = sum(s.spines * s.spine_uplinks for s in shapes)
    least = math.ceil(total / radix_up)
    uplink_counts = {s.spine_uplinks for s in shapes}
    widest = max(uplink_counts)
    if len(uplink_counts) == 1 and least < widest:
        for candidate in range(least, widest):
            if widest % candidate == 0:
                return candidate, widest // candidate
    return max(least, widest), 1


def size(spec: FabricSpec, hardware: Hardware) -> Plan:
    """Return the sized Plan for a spec, or raise DesignError saying what to change."""
    res = resolve(spec, hardware)
    switch = res.switch
    radix_down = switch.radix(res.port_gbps)
    radix_up = switch.radix(res.uplink_gbps)
    rails = res.gpus_per_server
    nics = res.servers * rails
    trays = res.trays_per_rack
    if spec.racks_per_leaf is not None and not trays:
        raise DesignError(f"racks_per_leaf {spec.racks_per_leaf}: {res.server.id} is not a rack-scale system "
                          f"({res.gpus_per_server} GPUs per server); use servers_per_su for its leaves, or a "
                          f"rack-scale server (gb200-nvl72, gb300-nvl72, gb200-nvl36x2)", field="racks_per_leaf")
    asked_block = spec.servers_per_su is not None or spec.racks_per_leaf is not None
    if spec.tiers == 1 or (spec.tiers == "auto" and not asked_block and nics <= radix_down):
        return _one_tier(spec, res, radix_down, radix_up)
    max_down, _ = leaf_ports(switch, res.port_gbps, res.uplink_gbps, spec.oversubscription)
    per_leaf = 1
    block_note = ""
    if spec.servers_per_su is not None:
        if spec.servers_per_su > max_down:
            raise DesignError(
                f"servers_per_su {spec.servers_per_su} exceeds the {max_down} downlinks a {switch.id} leaf has at "
                f"{res.port_gbps}G with oversubscription {spec.oversubscription:g}; use at most {max_down}",
                field="servers_per_su",
            )
        if trays and spec.servers_per_su % trays:
            raise DesignError(f"servers_per_su {spec.servers_per_su}: an SU of {res.server.id} is whole racks of "
                              f"{trays} trays; use a multiple of {trays}", field="servers_per_su")
        if trays and spec.racks_per_leaf is not None and spec.racks_per_leaf * trays != spec.servers_per_su:
            raise DesignError(f"racks_per_leaf {spec.racks_per_leaf} ({spec.racks_per_leaf * trays} trays) and "
                              f"servers_per_su {spec.servers_per_su} disagree; give one of them",
                              field="racks_per_leaf")
        down = spec.servers_per_su
    elif trays:
        down, block_note = _leaf_block(spec, res, switch, max_down)
    elif res.servers < max_down:
        # One partial SU: its leaves take only the ports used, and rails share a leaf while they fit (as OCP's
        # OCDAI pods do), rather than a full SU's leaves with every uplink for a handful of servers.
        down = res.servers
        per_leaf = _largest_divisor_at_most(rails, max_down // down)
    else:
        down = max_down
    up = math.ceil(down * per_leaf * res.port_gbps / (spec.oversubscription * res.uplink_gbps) - 1e-9)
    sus = math.ceil(res.servers / down)
    leaves = sus * rails // per_leaf
    if spec.tiers in ("auto", 2):
        held = _held_block(trays, down, max_down)
        room = None if held else _uplink_room(switch, down * per_leaf, res.port_gbps, res.uplink_gbps)
        pod = _two_tier(leaves, up, radix_up, room, spine_pairs=held)
        if pod is not None:
            up = pod.spines * pod.links_per_leaf_spine
            return _plan(spec, res, 2, down, up, sus, leaves, leaves, (pod,), 0, 0, radix_down, radix_up,
                         [block_note] if block_note else [], per_leaf)
        if spec.tiers == 2:
            max_gpus = radix_up * down * rails // rails
            raise DesignError(
                f"{nics:,} GPUs need {leaves} leaves per plane, but a two-tier {switch.id} fabric at "
                f"{res.uplink_gbps}G joins at most {radix_up} leaves ({max_gpus:,} GPUs per plane); "
                f"use tiers: 3 (or auto), more planes, or a higher-radix switch", field="tiers"
            )
    sus_per_pod = spec.sus_per_pod or _sus_per_hall(spec, res, down)
    if trays:
        three = _three_tier_rail_groups(sus, up, rails, radix_up, spec.spine_oversubscription, sus_per_pod,
                                        spec.sus_per_pod is not None)
    else:
        three = _three_tier(leaves, up, rails, radix_up, spec.spine_oversubscription, sus_per_pod,
                            spec.sus_per_pod is not None)
    if three is None:
        one_pod = _two_tier(leaves, up, radix_up) is not None
        if one_pod:
            raise DesignError(
                f"{nics:,} GPUs per plane fit one pod of {leaves} leaves, so a third tier would join nothing; "
                f"use tiers: 2 (or auto); three tiers start above {radix_up * down:,} GPUs per plane at "
                f"{res.uplink_gbps}G on a {switch.id}", field="tiers")
        per_plane_max = radix_up * (radix_up // 2) * down
        more_planes = spec.planes * 2
        hint = (f"use more planes at a lower port speed (e.g. planes: {more_planes}, which doubles the radix), or "
                f"a higher-radix switch" if res.nic_gbps % more_planes == 0
                and res.nic_gbps // more_planes in switch.speeds_gbps else "use a higher-radix switch")
        raise DesignError(
            f"{nics:,} GPUs do not fit three tiers of {switch.id} at {res.port_gbps}G "
            f"(at most ~{per_plane_max:,} GPUs per plane); {hint}",
            field="gpus" if spec.gpus is not None else "servers",
        )
    leaves_per_pod, shapes, cores, per_pair, notes, *groups = three
    if block_note:
        notes = [block_note, *notes]
    return _plan(spec, res, 3, down, up, sus, leaves, leaves_per_pod, shapes, cores, per_pair, radix_down,
                 radix_up, notes, core_groups=groups[0] if groups else 0)


def _sus_per_hall(spec: FabricSpec, res: Resolved, down: int) -> int | None:
    """Return the most SUs whose compute power fits one hall (placement.hall_mw_max), so that a pod, which is
    placed whole in a hall, fits one; None when a single SU already exceeds it (the pod then takes a hall)."""
    server = res.server
    su_w = down // res.trays_per_rack * server.rack_power_w() if res.trays_per_rack else down * server.power_w
    if su_w <= 0:
        return None
    fit = int(spec.placement.hall_mw_max * 1e6 // su_w)
    return fit if fit >= 1 else None


def _leaf_block(spec: FabricSpec, res: Resolved, switch: Switch, max_down: int) -> tuple[int, str]:
    """Return (leaf downlinks, note) of a rack-scale system: a leaf takes rail r of every tray in a block of whole
    racks (racks_per_leaf), and a note when the default leaves room for more racks than it serves.

    NVIDIA sizes the block in powers of two racks: one rack per QM9700 leaf (DGX SuperPOD GB200, RA-11338-001, where
    a second would not fit), two per SN5600 leaf at 400G (NVL72 Enterprise RA: "can support up to three racks but is
    intentionally underpopulated to serve only two"), four per Q3400 leaf (DGX SuperPOD GB300). Blocks of 1, 2, 4 or
    8 racks tile NVIDIA's 8-rack SU, so a fabric grows by whole blocks: new racks get new leaves and no cable moves.
    A partial last block, or a fabric smaller than one block, gets the block's full leaves and uplinks (as NVIDIA
    builds a partial SU), so filling it later moves no cable either.
    """
    trays = res.trays_per_rack
    fit = max_down // trays
    if fit < 1:
        raise DesignError(
            f"a {res.server.id} rack has {trays} trays per rail but a {switch.id} leaf has only {max_down} "
            f"downlinks at {res.port_gbps}G; use more planes at a lower port speed or a higher-radix switch",
            field="racks_per_leaf" if spec.racks_per_leaf is not None else "switch")
    if spec.racks_per_leaf is not None:
        if spec.racks_per_leaf > fit:
            raise DesignError(
                f"racks_per_leaf {spec.racks_per_leaf} needs {spec.racks_per_leaf * trays} downlinks per leaf (one "
                f"rail of {trays} trays per rack), but a {switch.id} leaf has {max_down} at {res.port_gbps}G with "
                f"oversubscription {spec.oversubscription:g}; use at most {fit}", field="racks_per_leaf")
        return spec.racks_per_leaf * trays, ""
    racks = 1 << (fit.bit_length() - 1)  # the largest power of two that fits
    note = ""
    if racks < fit:
        note = (f"a leaf serves one rail of {racks} racks ({fit} would fit): NVIDIA sizes leaf blocks in powers of "
                f"two racks so that growth adds leaves without recabling (NVL72 Enterprise RA); racks_per_leaf "
                f"sets it")
    return racks * trays, note


def _spine_down_max(radix_up: int, spine_ratio: float) -> int:
    """Return the most downlinks a spine can have with its uplinks at spine_ratio (0 if none)."""
    down = int(radix_up * spine_ratio / (1 + spine_ratio))
    while down > 0 and down + math.ceil(down / spine_ratio - 1e-9) > radix_up:
        down -= 1
    return down


def _three_tier_rail_groups(sus: int, leaf_uplinks: int, rails: int, radix_up: int, spine_ratio: float,
                            sus_per_pod: int | None, asked: bool = False):
    """Return (leaves per pod, pod shapes, cores, links per spine-core pair, notes, core groups) of a rack-scale
    fabric rail-optimized to the top (NVIDIA DGX SuperPOD GB200 RA, sec. 4.2), or None when it does not fit.

    A pod holds sus_per_pod SUs; each rail has its own spines in the pod (NVIDIA's spine-leaf group: 8 leaves and 6
    spines per rail per 8-rack SU). Spine j of every rail group joins the cores of core group j, so there are as
    many core groups as spines per rail group, and each group's cores take every one of its spines' uplinks.
    """
    spine_down = _spine_down_max(radix_up, spine_ratio)
    if spine_down <= 0:
        return None
    per_rail = sus_per_pod or spine_down
    if per_rail > spine_down and not asked:
        per_rail = spine_down  # a hall would hold more, but a spine takes no more leaves of one rail
    if per_rail > spine_down:
        raise DesignError(f"sus_per_pod {per_rail}: a spine takes at most {spine_down} leaves of one rail; use at "
                          f"most {spine_down}", field="sus_per_pod")
    per_rail = min(per_rail, sus)
    if per_rail == sus and not asked and sus > 1:
        # Too many leaves for two tiers but few enough for one pod: the spines of one pod split by rail would join
        # no rail to another, so the leaf groups go into pods of the largest power of two below their count (a
        # full pod and a partial one, which the cores join); a power of two keeps the spine uplinks divisible
        # over few cores (pods of an odd count need a core per spine uplink).
        per_rail = 1 << ((sus - 1).bit_length() - 1)
    full = _pod_shape(per_rail, leaf_uplinks, spine_down, spine_ratio)
    shape = PodShape(per_rail * rails, full.spines * rails, full.links_per_leaf_spine, full.spine_downlinks,
                     full.spine_uplinks, rails)
    full_pods, last = divmod(sus, per_rail)
    shapes = [shape] * full_pods
    notes: list[str] = []
    if last:
        # A partial pod keeps every spine and spine uplink (as a partial SU keeps its leaves), so each core group
        # reaches it like any other pod.
        shapes.append(PodShape(last * rails, shape.spines, shape.links_per_leaf_spine,
                               last * shape.links_per_leaf_spine, shape.spine_uplinks, rails))
        # Rack-scale only: the group of trays one leaf takes is a "leaf group" (NVIDIA's GB200 SU is 8 racks).
        notes.append(f"last pod holds {last} of {per_rail} leaf groups; it is built with its full spines and "
                     "uplinks")
    if len(shapes) < 2:
        return None
    groups = full.spines
    group_spines = len(shapes) * rails
    least = math.ceil(group_spines * shape.spine_uplinks / radix_up)
    per_group = next((c for c in range(least, shape.spine_uplinks + 1) if shape.spine_uplinks % c == 0), None)
    if per_group is None:
        return None
    return (per_rail * rails, tuple(shapes), groups * per_group, shape.spine_uplinks // per_group, notes, groups)


def _held_block(trays: int, down: int, max_down: int) -> bool:
    """Return True when a rack-scale leaf serves fewer whole racks than its downlinks fit (NVIDIA's underpopulated
    leaf block). The NVL72 Enterprise RA builds that leaf non-blocking with exactly as many uplinks as downlinks, the
    spare ports held rather than used as extra uplinks, and its spines in pairs per plane dividing each leaf's
    uplinks evenly: Table 6 and Appendix B Table 11 print 2, 4, 4 and 6 SN5600 spines per plane for 2, 4, 6 and 8
    racks (36 uplinks per leaf; 4, 8, 12, 16 leaves per plane), where the fewest spines alone give 2, 3, 4 and 5.
    The pairing is read off those counts; the RA's text does not state it."""
    return bool(trays) and max_down // trays > down // trays


def _uplink_room(switch: Switch, down_ports: int, down_gbps: int, up_gbps: int) -> int:
    """Return the uplink ports a leaf has left once its downlink ports are placed (whole cages each way)."""
    free_cages = switch.cages - math.ceil(down_ports / switch.ports_per_cage(down_gbps))
    return max(free_cages, 0) * switch.ports_per_cage(up_gbps)


def _one_tier(spec: FabricSpec, res: Resolved, radix_down: int, radix_up: int) -> Plan:
    """Return a one-tier plan: one SU whose leaves take every rail, no spines. A single switch when all NIC ports
    fit it; else a rail-only layer (rails packed onto as few leaves as fit), whose rails meet only over the
    servers' scale-up links."""
    rails = res.gpus_per_server
    if res.servers > radix_down:
        raise DesignError(
            f"one tier joins at most {radix_down} servers ({radix_down * rails:,} GPUs, one leaf per rail) on a "
            f"{res.switch.id} at {res.port_gbps}G; {res.servers:,} servers need tiers: 2 or auto", field="tiers")
    per_leaf = _largest_divisor_at_most(rails, radix_down // res.servers)
    if res.servers > 1 and per_leaf == rails and rails % 2 == 0:
        # A leaf pair, never one switch, for several servers: NVIDIA's spine-less designs split the rails over two
        # switches even where one has the ports - DGX BasePOD (2 QM9700 for 2-8 DGX), the HGX Enterprise RAs'
        # dedicated E/W leaf pair (2-8-9-400 at 16 nodes; 2-8-9-800: two leaves per plane at 1-4 SUs; ERA-00010 and
        # ERA-00011 tables as NVIDIA's ERA switch-configuration automation transcribes them), so that one switch
        # lost leaves every server half its rails.
        per_leaf = rails // 2
        pair = True
    else:
        pair = False
    leaves = rails // per_leaf
    notes = []
    if pair:
        notes.append(f"a leaf pair, not one switch, although one {res.switch.id} has the ports: NVIDIA's smallest "
                     f"designs (DGX BasePOD, the HGX Enterprise RAs' E/W pair) split the rails over two switches")
    if leaves > 1:
        notes.append(f"one tier of {leaves} leaves and no spines (rail-only): GPUs of different rails meet only "
                     f"over the servers' scale-up links (e.g. NVLink), not over this fabric")
    pod = PodShape(leaves, 0, 0, 0, 0)
    return _plan(spec, res, 1, res.servers, 0, 1, leaves, leaves, (pod,), 0, 0, radix_down, radix_up, notes,
                 per_leaf)


def _plan(spec, res, tiers, down, up, sus, leaves, leaves_per_pod, shapes, cores, per_pair, radix_down,
          radix_up, notes, rails_per_leaf: int = 1, core_groups: int = 0) -> Plan:
    notes = list(notes)
    if res.nic_note:
        notes.append(res.nic_note)
    if res.trays_per_rack and res.gpus_requested != res.servers * res.gpus_per_server:
        racks = res.servers // res.trays_per_rack
        notes.append(f"{res.gpus_requested:,} GPUs rounded up to {racks:,} whole {res.server.id} racks "
                     f"({res.servers:,} trays, {res.servers * res.gpus_per_server:,} GPUs): a rack-scale system is "
                     f"ordered and run as whole {res.scale_up_domain}-GPU NVLink domains")
    elif spec.gpus is not None and spec.gpus != res.servers * res.gpus_per_server:
        notes.append(f"{spec.gpus:,} GPUs rounded up to {res.servers:,} whole servers of {res.gpus_per_server} GPUs "
                     f"({res.servers * res.gpus_per_server:,} GPUs)")
    rails = res.gpus_per_server
    if rails_per_leaf == rails and tiers == 1:
        notes.append(f"one switch takes every NIC port ({res.servers * rails:,} per plane): no leaf-spine tier")
    elif rails_per_leaf > 1:
        notes.append(f"{rails_per_leaf} rails share each leaf, as OCP OCDAI pods pack them (leaf 0 takes GPUs "
                     f"0-{rails_per_leaf - 1} of every server): {rails // rails_per_leaf} leaves per plane instead "
                     f"of {rails}")
    if res.servers % down:
        unit, members = ("leaf group", "compute trays") if res.server.rack_scale else ("SU", "servers")
        notes.append(
            f"last {unit} holds {res.servers % down} of {down} {members}; it is built with its full leaves and uplinks"
        )
    return Plan(
        name=spec.name, server_id=res.server.id, nic_id=res.nic_id, switch_id=res.switch.id,
        servers=res.servers, gpus_per_server=res.gpus_per_server, planes=spec.planes, tiers=tiers,
        nic_gbps=res.nic_gbps, port_gbps=res.port_gbps, uplink_gbps=res.uplink_gbps,
        oversubscription=spec.oversubscription, spine_oversubscription=spec.spine_oversubscription,
        leaf_downlinks=down, leaf_uplinks=up, sus=sus, leaves_per_plane=leaves, leaves_per_pod=leaves_per_pod,
        pods=tuple(shapes), cores_per_plane=cores, core_links_per_pair=per_pair,
        radix_down=radix_down, radix_up=radix_up, notes=tuple(notes), rails_per_leaf=rails_per_leaf,
        core_groups=core_groups,
        scale_up_domain=res.scale_up_domain, trays_per_rack=res.trays_per_rack,
        racks_per_domain=res.server.racks_per_domain if res.trays_per_rack else 1,
        gpus_requested=res.gpus_requested,
    )
