"""The rail-optimized Clos solver: pure, closed-form, no graph.

Each plane is an independent fabric. In a plane, NIC r of every server of a scalable unit (SU) lands on the
rail-r leaf of that SU; a leaf has d downlinks (SU = d servers) and u uplinks. Two tiers join every leaf to every
spine with the same number of links. Three tiers group whole SUs into pods of leaves and spines; spine uplinks are
striped over the cores one link per spine-core pair, so every core reaches every pod.
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
        narrowest = min(nic_bw, leaf_up_bw)
        if self.tiers == 3:
            narrowest = min(narrowest, self.spine_core_links_per_plane * self.uplink_gbps)
        return self.planes * narrowest / 2 / 1000

    def actual_oversubscription(self) -> float:
        """Return the leaf's downlink:uplink bandwidth ratio as built."""
        return self.leaf_downlinks * self.port_gbps / (self.leaf_uplinks * self.uplink_gbps)

    def pod_of_leaf(self, leaf_index: int) -> int:
        """Return the pod holding a leaf (0 in two tiers)."""
        return 0 if self.tiers == 2 else leaf_index // self.leaves_per_pod


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


def resolve(spec: FabricSpec, hardware: Hardware) -> Resolved:
    """Return the spec's hardware and speeds, defaults from the catalog, checked against what the switch offers."""
    server = hardware.server(spec.server)
    switch = hardware.switch(spec.switch)
    nic = hardware.nic(spec.nic or server.nic)
    gpus_per_server = spec.gpus_per_server or server.gpus
    servers = spec.servers if spec.servers is not None else math.ceil(spec.gpus / gpus_per_server)
    nic_gbps = spec.nic_gbps or nic.rate_gbps
    if nic_gbps % spec.planes:
        divisors = [str(p) for p in range(1, 9) if nic_gbps % p == 0]
        raise DesignError(f"nic_gbps {nic_gbps} does not split evenly over {spec.planes} planes; use planes "
                          f"{', '.join(divisors)}", field="planes")
    port_gbps = spec.port_gbps or nic_gbps // spec.planes
    if port_gbps * spec.planes > nic_gbps:
        raise DesignError(
            f"port_gbps {port_gbps} x planes {spec.planes} exceeds the NIC's {nic_gbps} Gb/s; "
            f"use port_gbps <= {nic_gbps // spec.planes}", field="port_gbps"
        )
    uplink_gbps = spec.uplink_gbps or port_gbps
    for label, speed in (("port_gbps", port_gbps), ("uplink_gbps", uplink_gbps)):
        if speed not in switch.speeds_gbps:
            raise DesignError(
                f"{label} {speed}: {switch.id} offers {', '.join(map(str, switch.speeds_gbps))} Gb/s ports",
                field=label if getattr(spec, label) is not None else "switch",
            )
    return Resolved(server, switch, nic.id, gpus_per_server, servers, nic_gbps, port_gbps, uplink_gbps)


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


def _two_tier(leaves: int, leaf_uplinks: int, radix_up: int) -> PodShape | None:
    if leaves > radix_up:
        return None
    per_pair = _largest_divisor_at_most(leaf_uplinks, radix_up // leaves)
    return PodShape(leaves, leaf_uplinks // per_pair, per_pair, leaves * per_pair, 0)


def _three_tier(
    leaves: int, leaf_uplinks: int, rails: int, radix_up: int, spine_ratio: float
) -> tuple[int, tuple[PodShape, ...], int, int, list[str]] | None:
    spine_down_max = int(radix_up * spine_ratio / (1 + spine_ratio))
    while spine_down_max > 0 and spine_down_max + math.ceil(spine_down_max / spine_ratio - 1e-9) > radix_up:
        spine_down_max -= 1
    if spine_down_max <= 0:
        return None
    # Pods hold whole SUs where the spine's downlinks allow, as NVIDIA's reference architectures do.
    leaves_per_pod = (spine_down_max // rails) * rails if spine_down_max >= rails else spine_down_max
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
    max_down, _ = leaf_ports(switch, res.port_gbps, res.uplink_gbps, spec.oversubscription)
    if spec.servers_per_su is not None:
        if spec.servers_per_su > max_down:
            raise DesignError(
                f"servers_per_su {spec.servers_per_su} exceeds the {max_down} downlinks a {switch.id} leaf has at "
                f"{res.port_gbps}G with oversubscription {spec.oversubscription:g}; use at most {max_down}",
                field="servers_per_su",
            )
        down = spec.servers_per_su
    else:
        down = max_down
    up = math.ceil(down * res.port_gbps / (spec.oversubscription * res.uplink_gbps) - 1e-9)
    rails = res.gpus_per_server
    sus = math.ceil(res.servers / down)
    leaves = sus * rails
    if spec.tiers in ("auto", 2):
        pod = _two_tier(leaves, up, radix_up)
        if pod is not None:
            return _plan(spec, res, 2, down, up, sus, leaves, leaves, (pod,), 0, 0, radix_down, radix_up, [])
        if spec.tiers == 2:
            max_gpus = radix_up * down * rails // rails
            raise DesignError(
                f"{res.servers * rails:,} GPUs need {leaves} leaves per plane, but a two-tier {switch.id} fabric at "
                f"{res.uplink_gbps}G joins at most {radix_up} leaves ({max_gpus:,} GPUs per plane); "
                f"use tiers: 3 (or auto), more planes, or a higher-radix switch", field="tiers"
            )
    three = _three_tier(leaves, up, rails, radix_up, spec.spine_oversubscription)
    if three is None:
        per_plane_max = radix_up * (radix_up // 2) * down
        raise DesignError(
            f"{res.servers * rails:,} GPUs do not fit three tiers of {switch.id} at {res.port_gbps}G "
            f"(at most ~{per_plane_max:,} GPUs per plane); use more planes at a lower port speed "
            f"(e.g. planes: {spec.planes * 2}, which doubles the radix), or a higher-radix switch",
            field="gpus" if spec.gpus is not None else "servers",
        )
    leaves_per_pod, shapes, cores, per_pair, notes = three
    return _plan(spec, res, 3, down, up, sus, leaves, leaves_per_pod, shapes, cores, per_pair, radix_down,
                 radix_up, notes)


def _plan(spec, res, tiers, down, up, sus, leaves, leaves_per_pod, shapes, cores, per_pair, radix_down,
          radix_up, notes) -> Plan:
    notes = list(notes)
    if spec.gpus is not None and spec.gpus != res.servers * res.gpus_per_server:
        notes.append(f"{spec.gpus:,} GPUs rounded up to {res.servers:,} whole servers of {res.gpus_per_server} GPUs "
                     f"({res.servers * res.gpus_per_server:,} GPUs)")
    if res.servers % down:
        notes.append(
            f"last SU holds {res.servers % down} of {down} servers; it is built with its full leaves and uplinks"
        )
    return Plan(
        name=spec.name, server_id=res.server.id, nic_id=res.nic_id, switch_id=res.switch.id,
        servers=res.servers, gpus_per_server=res.gpus_per_server, planes=spec.planes, tiers=tiers,
        nic_gbps=res.nic_gbps, port_gbps=res.port_gbps, uplink_gbps=res.uplink_gbps,
        oversubscription=spec.oversubscription, spine_oversubscription=spec.spine_oversubscription,
        leaf_downlinks=down, leaf_uplinks=up, sus=sus, leaves_per_plane=leaves, leaves_per_pod=leaves_per_pod,
        pods=tuple(shapes), cores_per_plane=cores, core_links_per_pair=per_pair,
        radix_down=radix_down, radix_up=radix_up, notes=tuple(notes),
    )
