"""The networks beside the compute fabric: converged north-south, storage, out-of-band management and NVLink.

Each is sized in closed form from the rules of the system's reference architecture (catalog networks.yaml, the
spec's `networks:` section overriding any field), placed on the compute fabric's floor (converged and storage
leaves with the SU's compute leaves, their spines and cores with the compute spines and cores, an OOB switch per
group of racks in a row), and its links grouped into runs (links that share their length and parts) from which
parts, BOM lines and power are counted; the link rows (links.csv) are generated only when an output lists them.

Rules (cited per profile in networks.yaml):
- leaf-spine networks: every node's `ports_per_node` ports land on that many different leaves of one leaf group
  (a pair for two ports: "two separate switches"); a leaf takes d node ports and u uplinks at the port speed
  (d:u = leaf_oversubscription); storage nodes, support servers and the customer's uplinks have leaf groups of their
  own (border leaves). Two tiers while a spine reaches every leaf with whole links, else pods of leaves under
  spines and cores in groups (one per spine position), as the compute fabric's three tiers.
- OOB: every managed device's 1 GbE ports (per class) land on an OOB switch of its row (or of its rack, where the
  RA puts one in every rack); the other networks' switches, storage nodes and support servers take those
  switches' free ports, then switches of their own in the network rooms; each OOB switch's uplinks go to the
  converged network (its spines or its collapsed pair) or to an aggregation layer sized as a leaf-spine network
  (split into independent domains where one three-tier layer cannot reach them all).
- NVLink: NVL72 racks hold theirs in the rack's spine cartridges (nothing to order, no links to cable); an
  NVL36x2 domain joins its two racks with GPUs x NVLink links x lanes / lanes per cable cables.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aifabric.catalog.models import ConvergedRule, Hardware, MediaOption, NetworkProfile, OobRule
from aifabric.errors import DesignError
from aifabric.fabric.merge import check_pair, merged_pair
from aifabric.fabric.sizing import Plan
from aifabric.spec.fabric import NETWORK_NAMES, FabricSpec

OOB_SWITCH_PORTS_FIELD = "networks.oob"


@dataclass
class Tiered:
    """The switches of a leaf-spine layer: leaves in groups, spines, cores, and how links map onto them."""

    leaves: int
    uplinks: int          # per leaf
    spines: int
    pods: int = 1
    leaves_per_pod: int = 0
    spines_per_pod: int = 0
    cores: int = 0
    cores_per_group: int = 0
    spine_uplinks: int = 0
    domains: int = 1

    def switch_counts(self) -> dict[str, int]:
        """Return {tier: switches}."""
        counts = {"leaf": self.leaves}
        if self.spines:
            counts["spine"] = self.spines
        if self.cores:
            counts["core"] = self.cores
        return counts

    def link_counts(self) -> dict[str, int]:
        """Return {class: links} of the switch-to-switch links."""
        counts = {"leaf_spine": self.leaves * self.uplinks if self.spines else 0}
        if self.cores:
            counts["spine_core"] = self.spines * self.spine_uplinks
        return counts


def tiered(leaves: int, uplinks: int, radix: int, what: str) -> Tiered:
    """Return the spine (and core) layer over `leaves` leaves of `uplinks` uplinks each, switches of `radix`
    ports: two tiers while the spines reach every leaf with whole links, else pods under cores in groups, split
    into independent domains when one three-tier layer cannot reach every leaf."""
    if leaves <= 1 or uplinks == 0:
        return Tiered(leaves, 0, 0)
    if leaves <= radix:
        # The fewest spines (at least two) dividing the uplinks whose ports hold every leaf's share.
        for spines in range(2, uplinks + 1):
            if uplinks % spines == 0 and leaves * (uplinks // spines) <= radix:
                return Tiered(leaves, uplinks, spines)
        return Tiered(leaves, uplinks, uplinks)
    per_pod = radix // 2                  # a spine's downlinks: one to each leaf of its pod
    pods = -(-leaves // per_pod)
    domains = -(-pods // radix)           # a core takes one link from each pod of its domain
    pods_per_domain = -(-pods // domains)
    cores_per_group = -(-pods_per_domain * per_pod // radix)
    spines = pods * uplinks
    return Tiered(leaves, uplinks, spines, pods, per_pod, uplinks, domains * uplinks * cores_per_group,
                  cores_per_group, per_pod, domains)


def leaf_ports(switch, port_gbps: int, oversubscription: float) -> tuple[int, int]:
    """Return (downlinks, uplinks) of a leaf at one port speed with down:up = oversubscription."""
    if port_gbps not in switch.speeds_gbps:
        raise DesignError(f"{switch.id} has no {port_gbps}G ports (speeds: "
                          f"{', '.join(str(s) for s in switch.speeds_gbps)})", field="networks")
    radix = switch.cages * switch.ports_per_cage(port_gbps)
    if switch.max_logical_ports:
        radix = min(radix, switch.max_logical_ports)
    down = math.floor(radix * oversubscription / (1 + oversubscription))
    return down, radix - down


@dataclass
class Runs:
    """Links of one class of one network that share a length: count per (option, ordered length)."""

    link_class: str
    speed_gbps: int
    media: str
    lengths_m: np.ndarray     # run length of each group (metres, before ordering)
    counts: np.ndarray        # links in each group
    # The group of each item (a node, a leaf group, a rack, ...) in link-row order and its links: where the rows
    # of the class (links.csv) read their length and part. None: the groups' links follow one another.
    item_group: np.ndarray | None = None
    item_links: Any = None

    def link_groups(self) -> np.ndarray:
        """Return the length group of each link of the runs, in the order the class's link rows list them."""
        if self.item_group is None:
            return np.repeat(np.arange(len(self.counts)), self.counts)
        return np.repeat(self.item_group, self.item_links)


@dataclass
class Network:
    """One planned network beside (or being) the compute fabric."""

    name: str
    role: str
    switch_models: dict[str, str]
    switches: dict[str, int]
    links: dict[str, int]
    runs: list[Runs] = field(default_factory=list)
    managed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_links(self) -> int:
        """Return the links to cable."""
        return sum(self.links.values())


@dataclass
class NetworkPlan:
    """Every network planned beside the compute fabric, the rules they came from and their rows."""

    profile: NetworkProfile
    networks: dict[str, Network]
    layouts: dict[str, Any]
    converged: ConvergedRule | None = None
    storage: ConvergedRule | None = None
    oob: OobRule | None = None


def profile_for(server_id: str, hardware: Hardware) -> NetworkProfile:
    """Return the network profile of a system (the RA that names it), else the planning default."""
    for profile in sorted(hardware.networks.values(), key=lambda p: p.id):
        if server_id in profile.systems:
            return profile
    return hardware.networks["default"]


def chosen(spec: FabricSpec, profile: NetworkProfile) -> list[str]:
    """Return the networks to plan: the spec's list (`networks.plan`, or each network's `enabled`), else the
    profile's."""
    wanted = list(profile.planned)
    plan = spec.networks.plan
    if plan is not None:
        names = plan.split(",") if plan else []
        if "all" in names:
            wanted = list(profile.planned)
        elif "none" in names:
            wanted = []
        else:
            wanted = [n for n in NETWORK_NAMES if n in names]
    for name in NETWORK_NAMES:
        enabled = getattr(spec.networks, name).enabled
        if enabled is True and name not in wanted:
            wanted.append(name)
        if enabled is False and name in wanted:
            wanted.remove(name)
    return [n for n in NETWORK_NAMES if n in wanted]


def converged_rule(plan: Plan, spec: FabricSpec, hardware: Hardware) -> ConvergedRule | None:
    """Return the converged network's rule (the system RA's, the spec's fields over it), None when the plan has no
    converged network."""
    profile = profile_for(plan.server_id, hardware)
    if "converged" not in chosen(spec, profile):
        return None
    if profile.converged is None and spec.networks.converged.switch is None:
        return None
    return _rule(spec.networks.converged, profile.converged, "converged")


def _rule(spec_part, base: ConvergedRule | None, name: str) -> ConvergedRule:
    """Return the profile's rule with the spec's fields over it."""
    # Fields read one by one: model_dump would build the spec model's serializer on the lean --json path.
    given = {k: getattr(spec_part, k) for k in type(spec_part).model_fields
             if getattr(spec_part, k) is not None and k != "enabled"}
    if base is None:
        if "switch" not in given:
            raise DesignError(f"the system's RA has no {name} network; give networks.{name}.switch and its sizes",
                              field=f"networks.{name}")
        base = ConvergedRule(role=f"{name} (spec)", switch=given["switch"], ports_per_node=2, port_gbps=400,
                             access_media="eth-400-qsfp112", fabric_media="eth-osfp-fabric")
    return base.model_copy(update=given)


def plan_networks(plan: Plan, spec: FabricSpec, hardware: Hardware, floor, compute_switches: dict[str, int]
                  ) -> NetworkPlan:
    """Return every network the spec (or the system's RA) plans beside the compute fabric, sized and placed."""
    profile = profile_for(plan.server_id, hardware)
    names = chosen(spec, profile)
    networks: dict[str, Network] = {}
    layouts: dict[str, Any] = {}
    result = NetworkPlan(profile, networks, layouts)
    # A compute fabric merged into the converged pair has no switches of its own (aifabric.fabric.merge).
    other_switches = 0 if plan.merged_into else sum(v for k, v in compute_switches.items() if k != "total")
    for name in ("converged", "storage"):
        if name not in names:
            continue
        rule = _rule(getattr(spec.networks, name), getattr(profile, name), name)
        if name == plan.merged_into:
            rule = rule.model_copy(update={"switch": plan.switch_id})   # the pair is the compute fabric's switch
        for switch_id in (rule.switch,):
            if switch_id not in hardware.switches:
                raise DesignError(f"unknown switch '{switch_id}'; known: {', '.join(sorted(hardware.switches))}",
                                  field=f"networks.{name}.switch")
        setattr(result, name, rule)
        network, layout = _leaf_spine(name, rule, plan, hardware, floor)
        if name == plan.merged_into:
            network, layout = merged_pair(network, layout, plan, hardware)
        networks[name] = network
        layouts[name] = layout
        other_switches += sum(network.switches.values())
    if "nvlink" in names and plan.rack_scale:
        networks["nvlink"] = _nvlink(plan, profile, hardware)
    if "oob" in names:
        oob = profile.oob or hardware.networks["default"].oob
        ports = {**oob.ports, **spec.networks.oob.ports}
        oob = oob.model_copy(update={"ports": ports, **({"switch": spec.networks.oob.switch}
                                                         if spec.networks.oob.switch else {})})
        if oob.switch not in hardware.switches:
            raise DesignError(f"unknown switch '{oob.switch}'; known: {', '.join(sorted(hardware.switches))}",
                              field="networks.oob.switch")
        result.oob = oob
        networks["oob"], layouts["oob"] = _oob(oob, plan, hardware, floor, other_switches, result)
    if plan.merged_into in networks:
        check_pair(result, plan, hardware, spec.oversubscription)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Leaf-spine networks (converged N/S, storage)


@dataclass
class LeafSpineLayout:
    """Where a leaf-spine network's endpoints land: node leaf groups, then storage, support and border leaves."""

    rule: ConvergedRule
    down: int
    up: int
    node_groups: int
    storage_groups: int
    support_groups: int
    border_leaves: int
    border_down: int
    layer: Tiered
    edge: bool = False
    groups_per_su: int = 1
    per_su: int = 1
    collapsed: bool = False     # one leaf pair takes everything (no spines)
    pair_used: int = 0          # node ports on each leaf of a collapsed pair
    storage_down: int = 0       # storage node ports on each storage leaf
    group_nodes: int = 0        # nodes per leaf group (0: `down`; fewer where the access media's reach bounds it)
    servers: int = 0            # nodes of the plan (0: unbounded)

    @property
    def size(self) -> int:
        """Return the nodes of a full leaf group."""
        return self.group_nodes or self.down
    # A pair that also carries the compute fabric (aifabric.fabric.merge): its ports follow the compute fabric's
    # cages (first_cage, 0-based) and are named as the switch names them; -1: ports numbered swp1, swp2, ...
    first_cage: int = -1
    name_switch: Any = None
    name_gbps: int = 0          # the breakout the pair's own ports are named at (its fastest class's)

    def port(self, n: int) -> str:
        """Return the name of the leaf's n-th port (1-based)."""
        if self.first_cage < 0:
            return f"swp{n}"
        per = self.name_switch.ports_per_cage(self.name_gbps)
        return self.name_switch.port_name_of(self.first_cage + (n - 1) // per, (n - 1) % per, self.name_gbps)

    def port_names(self, count: int) -> list[str]:
        """Return the names of the leaf's first `count` ports."""
        return _swp(count) if self.first_cage < 0 else [self.port(n + 1) for n in range(count)]

    def node_group(self, server):
        """Return (leaf group, slot on its leaves) of node index(es): groups of `size` nodes inside each SU."""
        su, local = server // self.per_su, server % self.per_su
        return su * self.groups_per_su + local // self.size, local % self.size

    def group_mid(self, group):
        """Return the middle node of leaf group(s), where the group's leaves stand: inside the group's own SU (a
        partial last group's middle is of its own nodes)."""
        return _group_mid(group, self.size, self.per_su, self.groups_per_su, self.servers)


def _group_mid(group, size: int, per_su: int, groups_per_su: int, servers: int):
    """Return the middle node of leaf groups of `size` nodes, `groups_per_su` to an SU of `per_su` nodes."""
    su, local = group // groups_per_su, group % groups_per_su
    start = su * per_su + local * size
    end = np.minimum(np.minimum(start + size, (su + 1) * per_su), servers or np.iinfo(np.int64).max)
    return start + (end - start) // 2


def _node_leaf_m(size: int, per_su: int, plan: Plan, floor) -> np.ndarray:
    """Return each node's run to its leaf group's leaves (in the rack of the group's middle node), groups of
    `size` nodes inside SUs of `per_su` nodes."""
    servers = np.arange(plan.servers)
    groups_per_su = -(-per_su // size)
    group = (servers // per_su) * groups_per_su + (servers % per_su) // size
    mid = _group_mid(group, size, per_su, groups_per_su, plan.servers)
    sx, sy = floor.server_xy(servers)
    lx, ly = floor.server_xy(mid)
    return floor.run_m(sx, sy, lx, ly)


def _group_size(name: str, rule: ConvergedRule, down: int, per_su: int, plan: Plan, hardware: Hardware,
                floor) -> int:
    """Return the nodes per leaf group: `down` (a leaf's node ports), fewer when a run from a node to its group's
    leaves would pass the longest reach of the access media (whole racks of nodes, then fewer), so that every
    node-leaf run has a part that reaches it."""
    size = min(down, per_su)
    media = hardware.netmedia.get(rule.access_media)
    if floor is None or media is None or not plan.servers:
        return size
    reach = max(option_reach(o, hardware) for o in media.options)
    spr = max(1, floor.servers_per_rack)
    candidates = [size] + [k * spr for k in range((size - 1) // spr, 0, -1)] + list(range(min(spr, size) - 1, 0, -1))
    for nodes in candidates:
        if float(_node_leaf_m(nodes, per_su, plan, floor).max()) <= reach + 1e-9:
            return nodes
    raise DesignError(f"{name} node-leaf runs exceed {rule.access_media}'s longest reach ({reach:g} m) even with a "
                      f"leaf pair in every node's rack; shorten the runs (placement)", field="placement")


def _leaf_spine(name: str, rule: ConvergedRule, plan: Plan, hardware: Hardware, floor
                ) -> tuple[Network, LeafSpineLayout]:
    switch = hardware.switch(rule.switch)
    down, up = leaf_ports(switch, rule.port_gbps, rule.leaf_oversubscription)
    radix = down + up   # a spine's (and core's) ports at the port speed
    if rule.leaf_uplinks is not None:
        # A fixed uplink count (the in-band management network of the DGX SuperPOD: four per leaf); the peer
        # links of the pair take ports of their own.
        isl = -(-rule.isl_per_pair // 2)
        down, up = down + up - rule.leaf_uplinks - isl, rule.leaf_uplinks
    p = rule.ports_per_node
    # Node leaf groups stay inside an SU (they stand with its compute leaves): groups per SU, the last SU's part.
    per_su = plan.leaf_downlinks if rule.groups_in_su else plan.servers
    # A group's leaves stand by its middle node: a group takes fewer nodes where a run would pass the media's reach.
    size = _group_size(name, rule, down, per_su, plan, hardware, floor)
    groups_per_su = -(-per_su // size)
    full, rest = divmod(plan.servers, per_su)
    node_groups = full * groups_per_su + -(-rest // size)
    if rule.leaf_uplinks is None:
        # Uplinks for the node ports a leaf takes (a group inside a small SU uses fewer than it has), at the
        # leaf's down:up ratio: no spine ports for ports nobody cables.
        used = min(size, per_su, plan.servers)
        up = min(up, max(1, math.ceil(used / rule.leaf_oversubscription - 1e-6)))
    edge = rule.edge_at_spine and p * node_groups > 2
    # A small design on one leaf pair: storage, support servers and customer uplinks on the pair's free ports, no
    # spines (the collapsed pair of the Enterprise RAs' smallest design points).
    isl = -(-rule.isl_per_pair // 2)
    per_leaf = (plan.servers + -(-rule.storage_nodes * rule.storage_node_ports // 2)
                + -(-rule.support_servers * rule.support_server_ports // 2) + -(-rule.customer_uplinks // 2))
    collapsed = (p == 2 and node_groups == 1 and per_leaf <= down + up - isl
                 and {rule.storage_node_gbps, rule.customer_uplink_gbps} <= set(switch.speeds_gbps))
    edge = edge or collapsed
    # Storage leaves: storage ports at the storage ratio (1:1 in the DGX SuperPOD), no more than the leaf's uplinks
    # carry at that ratio.
    storage_down = min(leaf_ports(switch, rule.storage_node_gbps, rule.storage_oversubscription)[0],
                       max(1, math.floor(up * rule.storage_oversubscription))) if rule.storage_nodes else down
    storage_groups = -(-rule.storage_nodes // storage_down) if rule.storage_nodes and not edge else 0
    support_groups = -(-rule.support_servers // down) if rule.support_servers and not edge else 0
    border_down = leaf_ports(switch, rule.customer_uplink_gbps, rule.leaf_oversubscription)[0] \
        if rule.customer_uplinks else 0
    border = 2 * -(-rule.customer_uplinks // (2 * border_down)) if rule.customer_uplinks and not edge else 0
    leaves = p * node_groups + rule.storage_node_ports * storage_groups + rule.support_server_ports * support_groups \
        + border
    layer = Tiered(2, 0, 0) if collapsed else tiered(leaves, up, radix, name)
    if edge and not layer.spines and not collapsed:
        edge = False
    layout = LeafSpineLayout(rule, down, up, node_groups, storage_groups, support_groups, border, border_down, layer,
                             edge, groups_per_su, per_su, collapsed, plan.servers if collapsed else 0,
                             storage_down=storage_down, group_nodes=size if size != down else 0,
                             servers=plan.servers)
    links = {"node_leaf": plan.servers * p}
    at = "spine" if edge and not collapsed else "leaf"
    if rule.storage_nodes:
        links[f"storage_{at}"] = rule.storage_nodes * rule.storage_node_ports
    if rule.support_servers:
        links[f"support_{at}"] = rule.support_servers * rule.support_server_ports
    if rule.customer_uplinks:
        links["customer_uplink"] = rule.customer_uplinks
    if rule.isl_per_pair and p == 2:
        links["isl"] = node_groups * rule.isl_per_pair
    links.update({k: v for k, v in layer.link_counts().items() if v})
    network = Network(name, rule.role, {tier: switch.id for tier in layer.switch_counts()}, layer.switch_counts(),
                      links)
    if layer.domains > 1:
        network.notes.append(f"{name}: {layer.domains} independent three-tier domains (one layer of "
                             f"{switch.id} cannot reach all {leaves} leaves), joined at the customer edge (UNSURE)")
    network.managed = {"storage_node": rule.storage_nodes, "support_server": rule.support_servers}
    network.runs = _leaf_spine_runs(name, layout, plan, floor)
    return network, layout


def _leaf_spine_runs(name: str, layout: LeafSpineLayout, plan: Plan, floor) -> list[Runs]:
    """Return the runs of a leaf-spine network from the compute fabric's floor: node leaves stand by their group's
    middle node (inside its SU), the other leaves, spines and cores with the compute spines and cores."""
    rule, layer = layout.rule, layout.layer
    # The group's leaves stand in the rack of its middle node (in-row, beside the racks they serve).
    node_m = _node_leaf_m(layout.size, layout.per_su, plan, floor)
    runs = [_grouped("node_leaf", rule.port_gbps, rule.access_media, node_m, rule.ports_per_node)]
    px, py = floor.spine_xy(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64))
    room_m = float(floor.run_m(px, py, px, py)[0]) + 5.0   # storage, support and border racks beside the room
    at = "spine" if layout.edge and not layout.collapsed else "leaf"
    if rule.isl_per_pair and rule.ports_per_node == 2:
        runs.append(Runs("isl", rule.port_gbps, rule.fabric_media, np.array([2.0]),
                         np.array([layout.node_groups * rule.isl_per_pair])))
    for cls, count, speed in ((f"storage_{at}", rule.storage_nodes * rule.storage_node_ports, rule.storage_node_gbps),
                              (f"support_{at}", rule.support_servers * rule.support_server_ports, rule.port_gbps),
                              ("customer_uplink", rule.customer_uplinks, rule.customer_uplink_gbps)):
        if count:
            media = rule.access_media if cls != "customer_uplink" else rule.fabric_media
            runs.append(Runs(cls, speed, media, np.array([room_m]), np.array([count])))
    if layer.spines:
        node_leaves = rule.ports_per_node * layout.node_groups
        su_g = layout.group_mid(np.arange(layout.node_groups))
        gx, gy = floor.server_xy(su_g)
        su_g = su_g // plan.leaf_downlinks
        pod = np.minimum(su_g // max(1, plan.leaves_per_pod // plan.leaves_per_su), len(plan.pods) - 1) \
            if plan.tiers == 3 else np.zeros_like(su_g)
        spx, spy = floor.spine_xy(pod, np.zeros_like(pod))
        up_m = floor.run_m(gx, gy, spx, spy)
        runs.append(_grouped("leaf_spine", rule.port_gbps, rule.fabric_media, up_m,
                             rule.ports_per_node * layer.uplinks))
        other = layer.leaves - node_leaves
        if other:
            runs.append(Runs("leaf_spine", rule.port_gbps, rule.fabric_media, np.array([room_m]),
                             np.array([other * layer.uplinks])))
        if layer.cores:
            cx, cy = floor.core_xy(np.zeros(1, dtype=np.int64))
            core_m = float(floor.run_m(px, py, cx, cy)[0])
            runs.append(Runs("spine_core", rule.port_gbps, rule.fabric_media, np.array([core_m]),
                             np.array([layer.spines * layer.spine_uplinks])))
    return runs


def _grouped(cls: str, speed: int, media: str, lengths: np.ndarray, per_item: int) -> Runs:
    """Return runs grouping equal lengths (metres rounded to a decimetre), `per_item` links per entry."""
    rounded = np.round(np.asarray(lengths, dtype=np.float64), 1)
    values, inverse, counts = np.unique(rounded, return_inverse=True, return_counts=True)
    return Runs(cls, speed, media, values, counts * per_item, inverse.ravel(), per_item)


# ---------------------------------------------------------------------------------------------------------------
# Out-of-band management


@dataclass
class OobLayout:
    """How managed devices fill the OOB switches: per row of racks, then the switches' room."""

    ports_per_rack: int
    racks: int
    rack_nodes: np.ndarray      # nodes (servers or compute trays) per rack
    rack_group: np.ndarray      # the OOB switch group of each rack (a row, or the rack itself)
    group_switches: np.ndarray  # OOB switches per group
    device_switches: int    # switches for the other networks' switch ports, storage nodes, support servers
    device_ports: int
    classes: dict[str, int]
    layer: Tiered
    to_converged: bool = False
    group_ports: np.ndarray | None = None   # device ports per group (the rest of its switches' ports are free)
    cages: int = 48

    def room_slots(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (switch, slot) of the rooms' first n device ports: the groups' free ports in group order (dealt
        round-robin over a group's switches as its own devices are), then the room switches'."""
        targets, slots = [], []
        base = 0
        left = n
        for count, used in zip(self.group_switches.tolist(), self.group_ports.tolist(), strict=True):
            if left <= 0:
                break
            take = min(left, count * self.cages - used)
            if take > 0:
                pos = np.arange(used, used + take)
                targets.append(base + pos % count)
                slots.append(pos // count)
                left -= take
            base += count
        base = int(self.group_switches.sum())
        if left > 0:
            pos = np.arange(left)
            d = max(self.device_switches, 1)
            targets.append(base + pos % d)
            slots.append(pos // d)
        if not targets:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(targets).astype(np.int64), np.concatenate(slots).astype(np.int64)


def _oob(rule: OobRule, plan: Plan, hardware: Hardware, floor, other_switches: int, result: NetworkPlan
         ) -> tuple[Network, OobLayout]:
    switch = hardware.switch(rule.switch)
    ports = rule.ports
    server = hardware.server(plan.server_id)
    spr = floor.servers_per_rack
    racks = -(-plan.servers // spr)
    if plan.rack_scale:
        per_rack = {"compute_tray": spr, "nvlink_switch_tray": server.nvlink_switch_trays_per_rack,
                    "power_shelf": _power_shelves(server), "pdu": rule.pdus_per_rack}
    else:
        per_rack = {"node": spr, "pdu": rule.pdus_per_rack}
    # Racks as the floor fills them (an SU starts a new rack): nodes per rack, each rack's first node.
    servers = np.arange(plan.servers)
    su, local = servers // plan.leaf_downlinks, servers % plan.leaf_downlinks
    rack_key = su * floor.racks_per_su + local // spr
    starts = np.flatnonzero(np.append(True, rack_key[1:] != rack_key[:-1]))
    rack_nodes = np.diff(np.append(starts, plan.servers))
    racks = len(starts)
    node_key = "compute_tray" if plan.rack_scale else "node"
    fixed = sum(ports.get(k, 0) * n for k, n in per_rack.items() if k != node_key)
    rack_port_counts = fixed + ports.get(node_key, 0) * rack_nodes
    rack_ports = int(rack_port_counts.max()) if racks else 0
    cdus = -(-racks // rule.cdu_racks) if rule.cdu_racks and ports.get("cdu", 0) else 0
    storage_nodes = sum(r.storage_nodes for r in (result.converged, result.storage) if r is not None)
    support = sum(r.support_servers for r in (result.converged, result.storage) if r is not None)
    # Coolant units stand with the row's network racks: their ports go with the rooms' devices.
    room = {"switch": other_switches, "storage_node": storage_nodes, "support_server": support, "cdu": cdus}
    room_ports = sum(ports.get(k, 0) * n for k, n in room.items())
    # A rack-scale system's rack has OOB switches of its own (the NVL72 Enterprise RA: two SN2201 in each rack);
    # racks of N-GPU servers share them per row of racks (the floor's row rooms).
    first = servers[starts]
    if plan.rack_scale or rule.per_rack:
        rack_group = np.arange(racks)
    else:
        rooms = floor.server_room(first)
        rack_group = np.cumsum(np.append(0, rooms[1:] != rooms[:-1]))
    group_ports = np.bincount(rack_group, weights=rack_port_counts).astype(np.int64)
    group_switches = -(-group_ports // switch.cages)
    if plan.rack_scale and rule.switches_per_rack:
        # The RA's management switches in every rack (two SN2201 in a GB200/GB300 NVL72 rack), more if its ports
        # need them.
        group_switches = np.maximum(group_switches, rule.switches_per_rack)
    if len(group_switches) and group_switches.sum() < rule.min_switches:
        # The RA's smallest OOB network is still a pair (the HGX Enterprise RA: two SN2201 from one SU): the first
        # group's devices are dealt over the extra switches.
        group_switches = group_switches.copy()
        group_switches[0] += rule.min_switches - int(group_switches.sum())
    # The rooms' devices (other networks' switches, storage, support servers) take the free ports of the groups'
    # OOB switches first (the DGX SuperPOD's eight SN2201 carry DGX BMCs, PDUs and every switch's management port
    # together: RA-11333-001 Tables 7 and 8), then switches of their own.
    free_ports = int((group_switches * switch.cages - group_ports).sum())
    device_switches = -(-max(0, room_ports - free_ports) // switch.cages)
    oob_switches = int(group_switches.sum()) + device_switches
    aggregation = hardware.switch(rule.aggregation)
    agg_radix = aggregation.cages * aggregation.ports_per_cage(switch.uplink_gbps or 100)
    # Uplinks to the converged (in-band) network: its spines, or the free ports of a collapsed leaf pair (the
    # BasePOD's and the small Enterprise designs' "OOB to in-band" links).
    conv = result.layouts.get("converged")
    to_converged = (rule.uplink_to == "converged" and conv is not None
                    and (conv.layer.spines > 0 or conv.collapsed))
    layer = Tiered(oob_switches, rule.uplinks_per_switch, 0) if to_converged else \
        tiered(oob_switches, rule.uplinks_per_switch, agg_radix, "oob")
    classes = {k: n * racks for k, n in per_rack.items()}
    classes[node_key] = plan.servers
    classes = {k: v for k, v in classes.items() if v}
    classes.update({k: v for k, v in room.items() if v})
    managed_ports = {k: ports.get(k, 0) * n for k, n in classes.items()}
    links = {"device_oob": sum(managed_ports.values())}
    links.update({k.replace("leaf_spine", "oob_uplink").replace("spine_core", "aggregation_core"): v
                  for k, v in layer.link_counts().items() if v})
    switches = {"leaf": oob_switches}
    models = {"leaf": switch.id}
    if layer.spines:
        switches["aggregation"] = layer.spines
        models["aggregation"] = aggregation.id
    if layer.cores:
        switches["aggregation_core"] = layer.cores
        models["aggregation_core"] = aggregation.id
    if to_converged:
        links["oob_uplink"] = oob_switches * rule.uplinks_per_switch
    network = Network("oob", "out-of-band management (1 GbE)", models, switches, links, managed=classes)
    unmanaged = [k for k, n in classes.items() if n and not ports.get(k, 0)]
    if unmanaged:
        raise DesignError(f"managed devices without an OOB port: {', '.join(unmanaged)}; give networks.oob.ports "
                          f"of each (1 or more)", field="networks.oob.ports")
    if layer.domains > 1:
        network.notes.append(f"oob: {layer.domains} aggregation domains (one per {layer.pods // layer.domains} "
                             f"pods of OOB switches), joined at the site's management network (UNSURE)")
    if cdus:
        network.notes.append(f"oob: one coolant distribution unit per {rule.cdu_racks} racks (UNSURE)")
    layout = OobLayout(rack_ports, racks, rack_nodes, rack_group, group_switches, device_switches, room_ports,
                       per_rack, layer, group_ports=group_ports, cages=switch.cages)
    # Runs: a device to its group's OOB switch (in the group's middle rack), a room device to the room's switches,
    # an OOB switch to the aggregation in the network room.
    rx, ry = floor.server_xy(first)
    groups = len(group_switches)
    group_first = np.flatnonzero(np.append(True, rack_group[1:] != rack_group[:-1]))
    group_mid = (group_first + np.append(group_first[1:], racks)) // 2
    mx, my = rx[group_mid][rack_group], ry[group_mid][rack_group]
    rack_m = floor.run_m(rx, ry, mx, my)
    values, inverse = np.unique(np.round(rack_m.astype(np.float64), 1), return_inverse=True)
    inverse = inverse.ravel()
    counts = np.bincount(inverse, weights=rack_port_counts).astype(np.int64)
    runs = [Runs("device_oob", 1, rule.access_media, values, counts, inverse, rack_port_counts)]
    px, py = floor.spine_xy(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64))
    room_m = float(floor.run_m(px, py, px, py)[0]) + 5.0
    if room_ports:
        runs.append(Runs("device_oob", 1, rule.access_media, np.array([room_m]), np.array([room_ports])))
    if layer.spines:
        # Each group's OOB switches uplink to the aggregation in its own pod's network room.
        gx, gy = rx[group_mid], ry[group_mid]
        group_su = first[group_mid] // plan.leaf_downlinks
        pod = (np.minimum(group_su * plan.leaves_per_su // plan.leaves_per_pod, len(plan.pods) - 1)
               if plan.tiers == 3 else np.zeros(groups, dtype=np.int64))
        ax, ay = floor.spine_xy(pod, np.zeros_like(pod))
        up_m = floor.run_m(gx, gy, ax, ay)
        per_row = group_switches * rule.uplinks_per_switch
        values, inverse = np.unique(np.round(up_m.astype(np.float64), 1), return_inverse=True)
        inverse = inverse.ravel()
        runs.append(Runs("oob_uplink", switch.uplink_gbps or 100, rule.uplink_media, values,
                         np.bincount(inverse, weights=per_row).astype(np.int64), inverse, per_row))
        if device_switches:
            runs.append(Runs("oob_uplink", switch.uplink_gbps or 100, rule.uplink_media, np.array([room_m]),
                             np.array([device_switches * rule.uplinks_per_switch])))
        if layer.cores:
            cx, cy = floor.core_xy(np.zeros(1, dtype=np.int64))
            runs.append(Runs("aggregation_core", switch.uplink_gbps or 100, rule.uplink_media,
                             np.array([float(floor.run_m(px, py, cx, cy)[0])]),
                             np.array([layer.spines * layer.spine_uplinks])))
    if to_converged:
        runs.append(Runs("oob_uplink", switch.uplink_gbps or 100, rule.uplink_media, np.array([room_m]),
                         np.array([oob_switches * rule.uplinks_per_switch])))
    network.runs = runs
    layout.to_converged = to_converged
    return network, layout


def _power_shelves(server) -> int:
    """Return the power shelves of a rack-scale system's rack, from the system's `includes` (0 when unnamed)."""
    for text in server.includes:
        words = text.split()
        if "power" in words and "shelves" in words and words[0].isdigit():
            return int(words[0])
    return 0


# ---------------------------------------------------------------------------------------------------------------
# NVLink


def _nvlink(plan: Plan, profile: NetworkProfile, hardware: Hardware) -> Network:
    """Return the NVLink network: NVLink switch trays inside the racks; cables only between the racks of a
    multi-rack domain (NVL36x2)."""
    server = hardware.server(plan.server_id)
    racks = plan.system_racks
    trays = racks * server.nvlink_switch_trays_per_rack
    rule = profile.nvlink
    per_domain = server.racks_per_domain if hasattr(server, "racks_per_domain") else 1
    links: dict[str, int] = {}
    network = Network("nvlink", "NVLink scale-up (in the racks)", {"nvlink_switch_tray": f"{server.id}-nvlink-switch"
                                                                                          f"-tray"},
                      {"nvlink_switch_tray": trays}, links)
    gpus_per_rack = plan.trays_per_rack * plan.gpus_per_server
    network.extra["in_rack_links"] = racks * gpus_per_rack * (rule.gpu_links if rule else 18)
    if (per_domain or 1) > 1 and rule is not None:
        domains = racks // per_domain
        cables = gpus_per_rack * rule.gpu_links * rule.lanes_per_link // rule.lanes_per_cable
        links["inter_rack"] = domains * cables
        network.extra["cables_per_domain"] = cables
        network.notes.append(f"nvlink: {cables} inter-rack NVLink cables per {per_domain}-rack domain "
                             f"({gpus_per_rack} GPUs x {rule.gpu_links} links x {rule.lanes_per_link} lanes / "
                             f"{rule.lanes_per_cable} lanes per OSFP cable), ordered with the racks (UNSURE)")
    else:
        network.notes.append("nvlink: inside each rack's NVLink spine cartridges; nothing to cable or order beyond "
                             "the rack")
    return network


# ---------------------------------------------------------------------------------------------------------------
# Parts, BOM and power


@dataclass
class NetParts:
    """Parts of one network: switches per model, modules per id, cables per (id, length), trunk fibers per id."""

    switches: dict[str, int] = field(default_factory=dict)
    modules: dict[str, int] = field(default_factory=dict)
    cables: dict[tuple[str, float], int] = field(default_factory=dict)
    trunk_fibers: dict[str, int] = field(default_factory=dict)
    trunk_length_m: dict[str, float] = field(default_factory=dict)
    # Each run's choice: (link class, media id, run length m, option index, links), the record its reach is read by.
    chosen: list[tuple[str, str, float, int, int]] = field(default_factory=list)


def option_reach(option: MediaOption, hardware: Hardware) -> float:
    """Return how far an option reaches: its cords' longest length, or with a trunk its modules' reach."""
    cable = hardware.cables[option.cable]
    reach = max(cable.lengths_m) if option.trunk is None else hardware.cables[option.trunk].reach_m
    for module in (option.module_a, option.module_z):
        if module is not None:
            reach = min(reach, hardware.transceivers[module].reach_m)
    return reach


@dataclass
class RunPart:
    """The part one length group of a run takes: its media option (index and entry), the run length, the cord
    length ordered, and whether the run is beyond the cords (a jumper at each end and a trunk)."""

    index: int
    option: MediaOption
    length_m: float
    ordered_m: float
    beyond: bool

    @property
    def row_cable(self) -> str:
        """Return the part a link row names: the cable (cord), or the trunk a run beyond the cords rides."""
        return self.option.trunk if self.beyond else self.option.cable

    @property
    def row_length(self) -> str:
        """Return the length_m a link row gives (as the compute rows write theirs: the ordered cord length, or
        the run's length on structured cabling)."""
        return f"{float(np.float32(self.length_m if self.beyond else self.ordered_m)):g}"


def run_parts(network: Network, runs: Runs, hardware: Hardware) -> list[RunPart | None]:
    """Return the part of each length group of a run (None for an empty group): the first option of its media
    whose reach covers it, ordered at the shortest length covering it (two cords and a trunk beyond the cords)."""
    media = hardware.netmedia.get(runs.media)
    if media is None:
        raise DesignError(f"unknown network media '{runs.media}'", field=f"networks.{network.name}")
    reaches = [option_reach(o, hardware) for o in media.options]
    result: list[RunPart | None] = []
    for length, count in zip(runs.lengths_m.tolist(), runs.counts.tolist(), strict=True):
        if not count:
            result.append(None)
            continue
        index = next((i for i, r in enumerate(reaches) if length <= r + 1e-9), None)
        if index is None:
            raise DesignError(f"{network.name} {runs.link_class} links of {length:.0f} m exceed every option of "
                              f"{runs.media} (longest {max(reaches):g} m); shorten the runs (placement)",
                              field="placement")
        option = media.options[index]
        cable = hardware.cables[option.cable]
        if length <= max(cable.lengths_m) + 1e-9:
            result.append(RunPart(index, option, length, min(v for v in cable.lengths_m if v >= length - 1e-9),
                                  False))
        else:
            result.append(RunPart(index, option, length, min(cable.lengths_m), True))
    return result


def count_network_parts(network: Network, hardware: Hardware) -> NetParts:
    """Return the parts of a network from its runs: each run takes the first option of its media whose reach
    covers it, ordered at the shortest length covering it (two cords and a trunk share beyond the cords)."""
    parts = NetParts()
    for tier, n in network.switches.items():
        model = network.switch_models[tier]
        if model in hardware.switches:
            parts.switches[model] = parts.switches.get(model, 0) + n
    for runs in network.runs:
        for part, count in zip(run_parts(network, runs, hardware), runs.counts.tolist(), strict=True):
            if part is None:
                continue
            option, length = part.option, part.length_m
            parts.chosen.append((runs.link_class, runs.media, length, part.index, count))
            cable = hardware.cables[option.cable]
            if not part.beyond:
                cords = -(-count // option.links_per_cable) * option.cables_per_link
            else:
                # Beyond the cords: a jumper at each end (shortest cord) and the link's fibers on a trunk route.
                cords = 2 * count * option.cables_per_link
                fibers = max(cable.fiber_count, 2) * count * option.cables_per_link
                parts.trunk_fibers[option.trunk] = parts.trunk_fibers.get(option.trunk, 0) + fibers
                parts.trunk_length_m[option.trunk] = max(parts.trunk_length_m.get(option.trunk, 0.0), length)
            key = (cable.id, part.ordered_m)
            parts.cables[key] = parts.cables.get(key, 0) + cords
            for module, per in ((option.module_a, option.links_per_module_a),
                                (option.module_z, option.links_per_module_z)):
                if module is not None:
                    parts.modules[module] = parts.modules.get(module, 0) + -(-count // per)
    return parts


def row_parts(nets: NetworkPlan, hardware: Hardware) -> dict[tuple[str, str], tuple[list[tuple[str, str]],
                                                                                      np.ndarray]]:
    """Return {(network, link class): ((length_m, cable) table, index per link row)}: each row's run length and
    part as the BOM counts them (run_parts over the runs' own groups), the class's runs in row order."""
    result: dict[tuple[str, str], tuple[list[tuple[str, str]], list[np.ndarray]]] = {}
    for name, network in nets.networks.items():
        for runs in network.runs:
            table, indices = result.setdefault((name, runs.link_class), ([], []))
            parts = run_parts(network, runs, hardware)
            base = len(table)
            table.extend(("", "") if p is None else (p.row_length, p.row_cable) for p in parts)
            indices.append(runs.link_groups() + base)
    return {key: (table, np.concatenate(indices).astype(np.int64)) for key, (table, indices) in result.items()}


def network_power_w(parts: NetParts, hardware: Hardware) -> dict[str, float]:
    """Return {switches, transceivers, total} in W of a network's parts (active cables with the transceivers)."""
    switch_w = sum(hardware.switches[k].power_w * n for k, n in parts.switches.items())
    optics_w = sum(hardware.transceivers[k].power_w * n for k, n in parts.modules.items())
    optics_w += sum(hardware.cables[k].power_w * n for (k, _), n in parts.cables.items())
    return {"switches": switch_w, "transceivers": optics_w, "total": switch_w + optics_w}


def bom_lines(network: Network, parts: NetParts, hardware: Hardware) -> list:
    """Return the BOM lines of one network (its `network` column set)."""
    from dataclasses import replace

    from aifabric.fabric.bom import _line, trunk_part, trunk_sizes

    lines = []
    for model, n in sorted(parts.switches.items()):
        switch = hardware.switches[model]
        lines.append(_line("switch", switch, switch.model, f"{switch.name} ({network.name})", n, switch.power_w))
    for module_id, n in sorted(parts.modules.items()):
        module = hardware.transceivers[module_id]
        lines.append(_line("transceiver", module, module.part, f"{module.name} ({network.name})", n, module.power_w))
    for (cable_id, length), n in sorted(parts.cables.items()):
        cable = hardware.cables[cable_id]
        lines.append(_line("cable", cable, cable.part_number(length), f"{cable.name}, {length:g} m ({network.name})",
                           n, cable.power_w, length=length))
    for trunk_id, fibers in sorted(parts.trunk_fibers.items()):
        trunk = hardware.cables[trunk_id]
        length = min((v for v in trunk.lengths_m if v >= parts.trunk_length_m[trunk_id] - 1e-9),
                     default=max(trunk.lengths_m))
        for size, n in trunk_sizes(fibers, trunk.fiber_counts):
            lines.append(_line("cable", trunk, trunk_part(trunk, size, length),
                               f"{trunk.name}: {size} fibers, {length:g} m ({network.name}, structured cabling)",
                               n, trunk.power_w, length=length, fibers=size))
    return [replace(line, network=network.name) for line in lines]


def summary_block(network: Network, power_w: dict[str, float] | None) -> dict[str, Any]:
    """Return a network's `networks` entry of `plan --json`."""
    block: dict[str, Any] = {"switches": dict(network.switches), "links": network.total_links,
                             "power_kw": round((power_w or {}).get("total", 0.0) / 1000, 3),
                             "role": network.role, "switch_models": dict(network.switch_models),
                             "links_by_class": dict(network.links)}
    if network.managed:
        block["managed_devices"] = {k: v for k, v in network.managed.items() if v}
    if network.extra:
        block.update(network.extra)
    if network.notes:
        block["notes"] = list(network.notes)
    return block


# ---------------------------------------------------------------------------------------------------------------
# Link rows (links.csv), generated only when an output lists links


def link_rows(nets: NetworkPlan, plan: Plan, hardware: Hardware, naming, floor) -> Iterator[tuple]:
    """Yield the links.csv rows of every network beside the compute fabric (after the compute rows), one per
    link: a_device, a_port, z_device, z_port, speed_gbps, medium, length_m, link_class, plane, cable, network.
    A row's length_m and cable are its run's, as the BOM counts them (row_parts)."""
    parts = row_parts(nets, hardware)
    taken: dict[tuple[str, str], int] = {}
    for name in ("converged", "storage"):
        if name in nets.layouts:
            yield from _with_parts(_leaf_spine_rows(name, nets.layouts[name], plan, naming), parts, taken)
    if "nvlink" in nets.networks and nets.networks["nvlink"].links.get("inter_rack"):
        yield from _nvlink_rows(nets.networks["nvlink"], plan, hardware)
    if "oob" in nets.layouts:
        yield from _with_parts(_oob_rows(nets, nets.layouts["oob"], plan, hardware, naming), parts, taken)


def _with_parts(rows, parts: dict, taken: dict[tuple[str, str], int]) -> Iterator[tuple]:
    """Yield rows with the length_m and cable of their run: a class's rows take its links' parts in order."""
    for row in rows:
        key = (row[10], row[7])
        found = parts.get(key)
        n = taken.get(key, 0)
        taken[key] = n + 1
        if found is None or n >= len(found[1]):
            yield row
            continue
        length, cable = found[0][found[1][n]]
        yield (*row[:6], length, *row[7:9], cable, row[10])


def _row(a, ap, z, zp, speed, cls, network, medium="", length="", cable=""):
    return (a, ap, z, zp, speed, medium, length, cls, 0, cable, network)


def _leaf_spine_rows(name: str, layout: LeafSpineLayout, plan: Plan, naming) -> Iterator[tuple]:
    rule, layer = layout.rule, layout.layer
    p = rule.ports_per_node
    leaf = [f"{name}-leaf{i:04d}" for i in range(layer.leaves)]
    media = rule.access_media
    node_port = "ns" if name == "converged" else "stor"  # a node's N/S ports, its storage ports
    for s in range(plan.servers):
        group, slot = layout.node_group(s)
        node = naming.server(s)
        for port in range(p):
            yield _row(node, f"{node_port}{port}", leaf[group * p + port], layout.port(slot + 1), rule.port_gbps,
                       "node_leaf", name, media)
    yield from _leaf_spine_small_rows(name, layout)
    yield from _leaf_spine_fabric_rows(name, layout)


def _leaf_spine_small_rows(name: str, layout: LeafSpineLayout) -> Iterator[tuple]:
    """Yield the peer links and the storage, support and customer links of a leaf-spine network."""
    rule = layout.rule
    p = rule.ports_per_node
    leaf = [f"{name}-leaf{i:04d}" for i in range(layout.layer.leaves)]
    media = rule.access_media
    nxt = layout.node_groups * p
    if rule.isl_per_pair and p == 2:
        for group in range(layout.node_groups):
            for k in range(rule.isl_per_pair):
                port = layout.port(layout.down + layout.up + k + 1)
                yield _row(leaf[2 * group], port, leaf[2 * group + 1], port, rule.port_gbps, "isl", name,
                           rule.fabric_media)
    if layout.edge:
        yield from _edge_rows(name, layout)
    for cls, count, ports, prefix, down in (
            ("storage_leaf", rule.storage_nodes, rule.storage_node_ports, "storage", layout.storage_down),
            ("support_leaf", rule.support_servers, rule.support_server_ports, "support", layout.down)):
        if not count or layout.edge:
            continue
        groups = -(-count // down)
        for i in range(count):
            group, slot = divmod(i, down)
            for port in range(ports):
                yield _row(f"{name}-{prefix}{i:04d}", f"ns{port}", leaf[nxt + group * ports + port], f"swp{slot + 1}",
                           rule.port_gbps, cls, name, media)
        nxt += groups * ports
    for i in range(0 if layout.edge else rule.customer_uplinks):
        pair, slot = divmod(i, 2 * layout.border_down)
        side, slot = slot % 2, slot // 2
        yield _row(leaf[nxt + 2 * pair + side], f"swp{slot + 1}", f"{name}-customer-edge", f"uplink{i}",
                   rule.customer_uplink_gbps, "customer_uplink", name, rule.fabric_media)


def _leaf_spine_fabric_rows(name: str, layout: LeafSpineLayout) -> Iterator[tuple]:
    """Yield the leaf-spine and spine-core links of a leaf-spine network."""
    rule, layer = layout.rule, layout.layer
    leaf = [f"{name}-leaf{i:04d}" for i in range(layer.leaves)]
    if not layer.spines:
        return
    first_up = layout.down + 1
    if layer.cores == 0:
        per = layer.uplinks // layer.spines
        for i in range(layer.leaves):
            for u in range(layer.uplinks):
                spine, k = u % layer.spines, u // layer.spines
                yield _row(leaf[i], f"swp{first_up + u}", f"{name}-spine{spine:04d}", f"swp{i * per + k + 1}",
                           rule.port_gbps, "leaf_spine", name, rule.fabric_media)
        return
    per_pod = layer.leaves_per_pod
    for i in range(layer.leaves):
        pod, local = divmod(i, per_pod)
        for u in range(layer.uplinks):
            yield _row(leaf[i], f"swp{first_up + u}", f"{name}-pod{pod:03d}-spine{u:03d}", f"swp{local + 1}",
                       rule.port_gbps, "leaf_spine", name, rule.fabric_media)
    yield from _spine_core_rows(layer, f"{name}-pod{{pod:03d}}-spine{{spine:03d}}", f"{name}-core{{core:04d}}",
                                rule.port_gbps, "spine_core", name, rule.fabric_media)


def _spine_core_rows(layer, spine_name: str, core_name: str, speed_gbps: int, kind: str, network: str,
                     media: str) -> Iterator[tuple]:
    """Yield the spine-to-core rows of a three-tier layer: the spines of a pod reach the cores of their group, pods
    split over independent domains; spine_name/core_name are format strings of (pod, spine) and (core). The spine's
    uplink ports follow its leaves_per_pod downlinks."""
    per_pod = layer.leaves_per_pod
    pods_per_domain = -(-layer.pods // layer.domains)
    for pod in range(layer.pods):
        domain, local_pod = divmod(pod, pods_per_domain)
        for spine in range(layer.spines_per_pod):
            for t in range(layer.spine_uplinks):
                core = (domain * layer.spines_per_pod + spine) * layer.cores_per_group + t % layer.cores_per_group
                port = local_pod * -(-layer.spine_uplinks // layer.cores_per_group) + t // layer.cores_per_group
                yield _row(spine_name.format(pod=pod, spine=spine), f"swp{per_pod + t + 1}",
                           core_name.format(core=core), f"swp{port + 1}", speed_gbps, kind, network, media)


def _edge_rows(name: str, layout: LeafSpineLayout) -> Iterator[tuple]:
    """Yield the rows of storage nodes, support servers and customer uplinks on the spines (two-tier layers) or on a
    collapsed leaf pair, after the ports the leaves (nodes) take, alternating so each device's ports land on
    different switches."""
    rule, layer = layout.rule, layout.layer
    if layout.collapsed:
        targets, used, at = [f"{name}-leaf0000", f"{name}-leaf0001"], layout.pair_used, "leaf"
    else:
        targets = [f"{name}-spine{i:04d}" for i in range(layer.spines)]
        used, at = layer.leaves * (layer.uplinks // layer.spines), "spine"
    items = [(f"storage_{at}", f"{name}-storage{i:04d}", f"ns{k}", rule.storage_node_gbps)
             for i in range(rule.storage_nodes) for k in range(rule.storage_node_ports)]
    items += [(f"support_{at}", f"{name}-support{i:04d}", f"ns{k}", rule.port_gbps)
              for i in range(rule.support_servers) for k in range(rule.support_server_ports)]
    items += [("customer_uplink", f"{name}-customer-edge", f"uplink{i}", rule.customer_uplink_gbps)
              for i in range(rule.customer_uplinks)]
    for slot, (cls, device, port, speed) in enumerate(items):
        target, k = targets[slot % len(targets)], slot // len(targets)
        media = rule.fabric_media if cls == "customer_uplink" else rule.access_media
        if cls == "customer_uplink":
            yield _row(target, layout.port(used + k + 1), device, port, speed, cls, name, media)
        else:
            yield _row(device, port, target, layout.port(used + k + 1), speed, cls, name, media)


def _nvlink_rows(network: Network, plan: Plan, hardware: Hardware) -> Iterator[tuple]:
    server = hardware.server(plan.server_id)
    per_domain = server.racks_per_domain
    cables = network.extra["cables_per_domain"]
    trays = server.nvlink_switch_trays_per_rack
    per_tray = -(-cables // trays)
    for domain in range(plan.system_racks // per_domain):
        a, z = domain * per_domain, domain * per_domain + 1
        for c in range(cables):
            tray, cage = divmod(c, per_tray)
            yield _row(f"rack{a:05d}-nvsw{tray}", f"osfp{cage + 1}", f"rack{z:05d}-nvsw{tray}", f"osfp{cage + 1}",
                       1600, "inter_rack", "nvlink")


def oob_devices(nets: NetworkPlan, layout: OobLayout, plan: Plan, hardware: Hardware, naming) -> Iterator[
        tuple[str, str, int]]:
    """Yield (device, class, rack or -1) of every managed device, rack by rack then the rooms' devices."""
    rule = nets.oob
    server = hardware.server(plan.server_id)
    node_key = "compute_tray" if plan.rack_scale else "node"
    first = 0
    for rack, nodes in enumerate(layout.rack_nodes.tolist()):
        for s in range(first, first + nodes):
            yield naming.server(s), node_key, rack
        first += nodes
        if plan.rack_scale:
            for t in range(server.nvlink_switch_trays_per_rack):
                yield f"rack{rack:05d}-nvsw{t}", "nvlink_switch_tray", rack
            for t in range(layout.classes.get("power_shelf", 0)):
                yield f"rack{rack:05d}-shelf{t}", "power_shelf", rack
        for t in range(layout.classes.get("pdu", 0)):
            yield f"rack{rack:05d}-pdu{t}", "pdu", rack
    if rule.cdu_racks and rule.ports.get("cdu", 0):
        for rack in range(0, layout.racks, rule.cdu_racks):
            yield f"rack{rack:05d}-cdu", "cdu", -1
    for s in range(0 if plan.merged_into else plan.planes):   # merged: the converged pair's, below
        for leaf in range(plan.leaves_per_plane):
            yield naming.leaf(s, leaf), "switch", -1
        for pod, shape in enumerate(plan.pods):
            for spine in range(shape.spines):
                yield naming.spine(s, pod, spine), "switch", -1
        for core in range(plan.cores_per_plane):
            yield naming.core(s, core), "switch", -1
    for name in ("converged", "storage"):
        if name not in nets.layouts:
            continue
        lay = nets.layouts[name].layer
        for i in range(lay.leaves):
            yield f"{name}-leaf{i:04d}", "switch", -1
        if lay.cores:
            for pod in range(lay.pods):
                for spine in range(lay.spines_per_pod):
                    yield f"{name}-pod{pod:03d}-spine{spine:03d}", "switch", -1
            for core in range(lay.cores):
                yield f"{name}-core{core:04d}", "switch", -1
        else:
            for spine in range(lay.spines):
                yield f"{name}-spine{spine:04d}", "switch", -1
        r = nets.layouts[name].rule
        for i in range(r.storage_nodes):
            yield f"{name}-storage{i:04d}", "storage_node", -1
        for i in range(r.support_servers):
            yield f"{name}-support{i:04d}", "support_server", -1


def _oob_rows(nets: NetworkPlan, layout: OobLayout, plan: Plan, hardware: Hardware, naming) -> Iterator[tuple]:
    rule = nets.oob
    ports = rule.ports
    media = rule.access_media
    # A group's ports are dealt round-robin over its switches (a rack's two OOB switches share its devices); the
    # rooms' devices over the room switches, numbered after every group's.
    group_of = layout.rack_group.tolist()
    switches_of = layout.group_switches.tolist() + [layout.device_switches]
    base = [0]
    for n in switches_of:
        base.append(base[-1] + n)
    rooms = len(switches_of) - 1
    seen = [0] * len(switches_of)
    room_target, room_slot = (a.tolist() for a in layout.room_slots(layout.device_ports))
    for device, cls, rack in oob_devices(nets, layout, plan, hardware, naming):
        for port in range(ports.get(cls, 0)):
            group = group_of[rack] if rack >= 0 else rooms
            position = seen[group]
            seen[group] += 1
            if group == rooms:
                target, slot = room_target[position], room_slot[position]
            else:
                target = base[group] + position % switches_of[group]
                slot = position // switches_of[group]
            yield _row(device, "bmc" if port == 0 else f"mgmt{port}", f"oob-sw{target:05d}", f"swp{slot + 1}", 1,
                       "device_oob", "oob", media)
    yield from _oob_uplink_rows(nets, layout, hardware)


def _oob_uplink_rows(nets: NetworkPlan, layout: OobLayout, hardware: Hardware) -> Iterator[tuple]:
    """Yield the uplinks of the OOB switches: to the converged spines, or to the aggregation (and its cores)."""
    rule = nets.oob
    switch = hardware.switch(rule.switch)
    layer = layout.layer
    up = rule.uplinks_per_switch
    if layout.to_converged and nets.layouts["converged"].collapsed:
        # A collapsed converged pair: each OOB switch's uplinks alternate over the pair, on the ports after the
        # pair's nodes, storage, support servers, customer uplinks and peer links.
        conv = nets.layouts["converged"]
        r = conv.rule
        used = conv.pair_used + -(-(r.storage_nodes * r.storage_node_ports + r.support_servers
                                    * r.support_server_ports + r.customer_uplinks) // 2)
        slot = 0
        for i in range(layer.leaves):
            for u in range(up):
                leaf, k = slot % 2, slot // 2
                slot += 1
                yield _row(f"oob-sw{i:05d}", f"swp{switch.cages + u + 1}", f"converged-leaf{leaf:04d}",
                           conv.port(used + k + 1), switch.uplink_gbps or 100, "oob_uplink", "oob", rule.uplink_media)
        return
    if layout.to_converged:
        conv = nets.layouts["converged"]
        c = conv.layer
        edge = (conv.rule.storage_nodes * conv.rule.storage_node_ports + conv.rule.support_servers
                * conv.rule.support_server_ports + conv.rule.customer_uplinks) if conv.edge else 0
        used = c.leaves * (c.uplinks // c.spines) + -(-edge // c.spines)
        slot = 0
        for i in range(layer.leaves):
            for u in range(up):
                spine, k = slot % c.spines, slot // c.spines
                slot += 1
                yield _row(f"oob-sw{i:05d}", f"swp{switch.cages + u + 1}", f"converged-spine{spine:04d}",
                           f"swp{used + k + 1}", switch.uplink_gbps or 100, "oob_uplink", "oob", rule.uplink_media)
        return
    if not layer.spines:
        return
    first = switch.cages + 1
    if not layer.cores:
        per = up // layer.spines
        for i in range(layer.leaves):
            for u in range(up):
                spine, k = u % layer.spines, u // layer.spines
                yield _row(f"oob-sw{i:05d}", f"swp{first + u}", f"oob-agg{spine:04d}", f"swp{i * per + k + 1}",
                           switch.uplink_gbps or 100, "oob_uplink", "oob", rule.uplink_media)
        return
    per_pod = layer.leaves_per_pod
    for i in range(layer.leaves):
        pod, local = divmod(i, per_pod)
        for u in range(up):
            yield _row(f"oob-sw{i:05d}", f"swp{first + u}", f"oob-pod{pod:03d}-agg{u:03d}", f"swp{local + 1}",
                       switch.uplink_gbps or 100, "oob_uplink", "oob", rule.uplink_media)
    yield from _spine_core_rows(layer, "oob-pod{pod:03d}-agg{spine:03d}", "oob-core{core:04d}",
                                switch.uplink_gbps or 100, "aggregation_core", "oob", rule.uplink_media)


# ---------------------------------------------------------------------------------------------------------------
# The same rows as columns: a block is (pieces, rows) for aifabric.export.link_columns.join_rows, or a list of rows
# (the small classes), so links.csv of a campus is written at the compute fabric's speed.


def _swp(n: int) -> list[str]:
    return [f"swp{i + 1}" for i in range(n)]


def _tail(speed, cls: str, network: str, media: str) -> str:
    return f",{speed},{media},,{cls},0,,{network}\n"


def _block(a, a_port, z, z_port, tail: str, rows: int) -> tuple[list, int]:
    return [a, ",", a_port, ",", z, ",", z_port, tail], rows


def row_blocks(nets: NetworkPlan, plan: Plan, hardware: Hardware, naming) -> Iterator[tuple]:
    """Yield the rows of link_rows as blocks, in the same order: (pieces, rows) or ("rows", list of rows). A block's
    last piece is its rows' tail: one text, or (texts, index per row) where its rows' lengths and parts differ."""
    parts = row_parts(nets, hardware)
    taken: dict[tuple[str, str], int] = {}
    for name in ("converged", "storage"):
        if name in nets.layouts:
            yield from _with_part_blocks(_leaf_spine_blocks(name, nets.layouts[name], plan, naming), parts, taken)
    if "nvlink" in nets.networks and nets.networks["nvlink"].links.get("inter_rack"):
        yield "rows", list(_nvlink_rows(nets.networks["nvlink"], plan, hardware))
    if "oob" in nets.layouts:
        yield from _with_part_blocks(_oob_blocks(nets, nets.layouts["oob"], plan, hardware, naming), parts, taken)


def _with_part_blocks(blocks, parts: dict, taken: dict[tuple[str, str], int]) -> Iterator[tuple]:
    """Yield blocks with their rows' run lengths and parts: a block's constant tail becomes a table of tails
    indexed per row (the class's links' parts in order, as _with_parts gives link_rows)."""
    for pieces, rows in blocks:
        if isinstance(pieces, str):
            yield pieces, list(_with_parts(rows, parts, taken))
            continue
        speed, media, _, cls, plane, _, network = pieces[-1][1:-1].split(",")
        key = (network, cls)
        found = parts.get(key)
        n = taken.get(key, 0)
        taken[key] = n + rows
        if found is None or n + rows > len(found[1]):
            yield pieces, rows
            continue
        table = [f",{speed},{media},{length},{cls},{plane},{cable},{network}\n" for length, cable in found[0]]
        yield [*pieces[:-1], (table, found[1][n:n + rows])], rows


def _leaf_spine_blocks(name: str, layout: LeafSpineLayout, plan: Plan, naming) -> Iterator[tuple]:
    rule, layer = layout.rule, layout.layer
    p = rule.ports_per_node
    leaf = [f"{name}-leaf{i:04d}" for i in range(layer.leaves)]
    node_port = "ns" if name == "converged" else "stor"
    servers = np.repeat(np.arange(plan.servers), p)
    port = np.tile(np.arange(p), plan.servers)
    group, slot = layout.node_group(servers)
    yield _block((naming.server_names(), servers), ([f"{node_port}{k}" for k in range(p)], port),
                 (leaf, group * p + port), (layout.port_names(layout.down), slot),
                 _tail(rule.port_gbps, "node_leaf", name, rule.access_media), len(servers))
    # The small classes (peer links, storage, support, customer) as rows, in link_rows' order.
    yield "rows", list(_leaf_spine_small_rows(name, layout))
    if not layer.spines:
        return
    first_up = layout.down + 1
    n = layer.leaves * layer.uplinks
    i = np.repeat(np.arange(layer.leaves), layer.uplinks)
    u = np.tile(np.arange(layer.uplinks), layer.leaves)
    tail = _tail(rule.port_gbps, "leaf_spine", name, rule.fabric_media)
    up_ports = [f"swp{first_up + k}" for k in range(layer.uplinks)]
    if layer.cores == 0:
        per = layer.uplinks // layer.spines
        spines = [f"{name}-spine{s:04d}" for s in range(layer.spines)]
        yield _block((leaf, i), (up_ports, u), (spines, u % layer.spines),
                     (_swp(layer.leaves * per), i * per + u // layer.spines), tail, n)
        return
    per_pod = layer.leaves_per_pod
    spp = layer.spines_per_pod
    spines = [f"{name}-pod{pod:03d}-spine{s:03d}" for pod in range(layer.pods) for s in range(spp)]
    pod, local = np.divmod(i, per_pod)
    yield _block((leaf, i), (up_ports, u), (spines, pod * spp + u), (_swp(per_pod), local), tail, n)
    su_ = layer.spine_uplinks
    n = layer.pods * spp * su_
    pod = np.repeat(np.arange(layer.pods), spp * su_)
    spine = np.tile(np.repeat(np.arange(spp), su_), layer.pods)
    t = np.tile(np.arange(su_), layer.pods * spp)
    pods_per_domain = -(-layer.pods // layer.domains)
    domain, local_pod = np.divmod(pod, pods_per_domain)
    cpg = layer.cores_per_group
    core = (domain * spp + spine) * cpg + t % cpg
    core_port = local_pod * -(-su_ // cpg) + t // cpg
    cores = [f"{name}-core{c:04d}" for c in range(layer.cores)]
    yield _block((spines, pod * spp + spine), ([f"swp{per_pod + k + 1}" for k in range(su_)], t), (cores, core),
                 (_swp(int(core_port.max()) + 1), core_port),
                 _tail(rule.port_gbps, "spine_core", name, rule.fabric_media), n)


def _oob_blocks(nets: NetworkPlan, layout: OobLayout, plan: Plan, hardware: Hardware, naming) -> Iterator[tuple]:
    rule = nets.oob
    switch = hardware.switch(rule.switch)
    cages = switch.cages
    names: list[str] = []
    classes: list[str] = []
    racks: list[int] = []
    for device, cls, rack in oob_devices(nets, layout, plan, hardware, naming):
        names.append(device)
        classes.append(cls)
        racks.append(rack)
    kinds = sorted(set(classes))
    kind_index = {k: n for n, k in enumerate(kinds)}
    per_kind = np.array([rule.ports.get(k, 0) for k in kinds], dtype=np.int64)
    device_ports = per_kind[np.array([kind_index[c] for c in classes], dtype=np.int64)]
    rack = np.array(racks, dtype=np.int64)
    device = np.repeat(np.arange(len(names)), device_ports)
    starts = np.cumsum(device_ports) - device_ports
    port_no = np.arange(len(device)) - np.repeat(starts, device_ports)
    port_rack = rack[device]
    in_rack = port_rack >= 0
    group = np.where(in_rack, layout.rack_group[np.maximum(port_rack, 0)], len(layout.group_switches))
    # Ports of one group in order; a group's switches follow the previous groups' (room switches last).
    order_in_group = np.arange(len(device)) - np.searchsorted(group, group, side="left")
    per_group = np.append(layout.group_switches, max(layout.device_switches, 1))
    base = np.concatenate([[0], np.cumsum(per_group)])
    target = base[group] + order_in_group % per_group[group]
    slot = order_in_group // per_group[group]
    room = ~in_rack
    if room.any():
        target[room], slot[room] = layout.room_slots(int(room.sum()))
    n_switches = int(target.max()) + 1 if len(target) else 0
    switches = [f"oob-sw{i:05d}" for i in range(max(n_switches, layout.layer.leaves))]
    port_names = ["bmc"] + [f"mgmt{k}" for k in range(1, int(per_kind.max()) if len(per_kind) else 1)]
    yield _block((names, device), (port_names, port_no), (switches, target), (_swp(cages), slot),
                 _tail(1, "device_oob", "oob", rule.access_media), len(device))
    # Uplinks (a few per OOB switch): rows as link_rows yields them.
    yield "rows", list(_oob_uplink_rows(nets, layout, hardware))
