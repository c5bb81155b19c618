"""Every link of one plane as numpy columns: who joins whom on which port, how long, over which medium.

This is the single source of the topology: the cabling plan, the BOM, the graph and every export read it, so
they agree link for link. Planes are identical copies (their switches stand together), so one plane is
generated and the plane number is applied when links are written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from aifabric.catalog.models import Hardware, Medium, Switch
from aifabric.errors import DesignError
from aifabric.fabric import compat
from aifabric.fabric.compat import CageEnd, Option
from aifabric.fabric.placement import Floor
from aifabric.fabric.sizing import Plan, PodShape
from aifabric.spec.fabric import LINK_CLASSES, FabricSpec

# Find runs and media once per place rather than per link (per SU when an SU's leaves stand together, per pair of
# spine and core racks); tests turn it off to check that both ways give the same table.
GROUP_RUNS = True


@dataclass
class LinkSet:
    """The links of one class in one plane. Index meaning per class:

    nic_leaf:   a = server, a_port = rail, z = leaf, z_port = leaf downlink
    leaf_spine: a = leaf, a_port = leaf uplink, z = spine (pod, index in pod), z_port = spine downlink
    spine_core: a = spine (pod, index in pod), a_port = spine uplink, z = core, z_port = core port
    """

    link_class: str
    speed_gbps: int
    a: np.ndarray
    a_pod: np.ndarray | None
    a_port: np.ndarray
    z: np.ndarray
    z_pod: np.ndarray | None
    z_port: np.ndarray
    run_m: np.ndarray
    medium: np.ndarray
    cable_m: np.ndarray
    # Index of each link's cable length into FabricLinks.lengths_m, kept from the media choice so that the
    # histogram and the latency terms need no second search over every link.
    length_index: np.ndarray

    def __len__(self) -> int:
        return int(self.a.shape[0])

    def pair_index(self, n_lengths: int) -> np.ndarray:
        """Return each link's (medium, ordered length) as one index, medium x n_lengths + length index (kept: the
        histogram and the latency terms both look links up by it)."""
        cached = getattr(self, "_pair_index", None)
        if cached is None or cached[0] != n_lengths:
            index = self.medium.astype(np.int32) * np.int32(n_lengths) + self.length_index
            cached = (n_lengths, index)
            self._pair_index = cached
        return cached[1]

    def histogram(self, lengths_m: np.ndarray, n_media: int) -> np.ndarray:
        """Return link counts per (medium, ordered cable length), lengths_m being every orderable length."""
        cached = getattr(self, "_histogram", None)
        if cached is None:
            key = self.pair_index(len(lengths_m))
            cached = np.bincount(key, minlength=n_media * len(lengths_m)).reshape(n_media, len(lengths_m))
            self._histogram = cached
        return cached


@dataclass
class FabricLinks:
    """The three link classes of one plane, plus the media table their `medium` columns index into."""

    plan: Plan
    media: list[Medium]
    sets: dict[str, LinkSet]
    lengths_m: np.ndarray
    rules: dict[str, ClassRules] = field(default_factory=dict)
    options: dict[str, list[Option]] = field(default_factory=dict)
    floor: Floor | None = None  # the campus the lengths come from (racks, halls, buildings)
    runs: dict = field(default_factory=dict)  # link class -> ClassRuns (aifabric.fabric.runs): every class has runs

    def cable_ids(self, link_class: str) -> list[tuple[str, float, str]]:
        """Return per medium index (cable or cord id, longest cord in m, id beyond it): the part a link of this class
        is cabled with, as the cabling plan names it (a trunk of structured cabling past the longest cord)."""
        result = []
        for medium in self.media:
            option = next((o for o in self.options.get(link_class, []) if o.medium.id == medium.id), None)
            if option is None:
                result.append((medium.cable, float("inf"), medium.cable))
            elif option.copper is not None:
                result.append((option.copper.id, float("inf"), option.copper.id))
            else:
                beyond = option.trunk.id if option.trunk is not None else option.cord.id
                result.append((option.cord.id, option.cord_max_m, beyond))
        return result

    def option(self, link_class: str, medium_index: int) -> Option:
        """Return the option (medium and parts) a link class builds with a medium."""
        medium_id = self.media[medium_index].id
        return next(o for o in self.options[link_class] if o.medium.id == medium_id)

    def histogram(self, link_class: str) -> np.ndarray:
        """Return link counts of one class per (medium index, index into lengths_m), from its runs."""
        return self.runs[link_class].hist


def _candidates(spec: FabricSpec, hardware: Hardware, link_class: str, rules: ClassRules) -> list[Option]:
    """Return the options the rules allow for a link class (one, when the spec forces a medium), cheapest first."""
    forced = spec.media.get(link_class) or spec.media.get("all")
    ends = compat.LINK_ENDS[link_class]
    if forced is not None:
        medium = hardware.medium(forced)
        if ends not in medium.ends:
            raise DesignError(f"{forced} does not serve {ends} links", field=f"media.{link_class}")
        found = [o for o in rules.options if o.medium.id == forced]
        if not found:
            raise compat.no_option_error(link_class, rules.a, rules.b, forced, rules.switch)
        return found
    if not rules.options:
        raise compat.no_option_error(link_class, rules.a, rules.b, None, rules.switch)
    return rules.options


def _choose(run_m: np.ndarray, candidates: list[Option], media_index: dict[str, int], link_class: str,
            hardware: Hardware, all_lengths_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (medium index, ordered cable length, index of that length in all_lengths_m) per link: the cheapest
    option whose reach covers the run, and the shortest of its orderable lengths that covers it."""
    wanted = run_m - 1e-9
    reaches = [o.reach_m for o in candidates]
    if all(a < b for a, b in zip(reaches, reaches[1:], strict=False)):
        # Cheapest-first media whose reach grows: a run takes the first medium that reaches it, i.e. the number of
        # reaches below it. A few whole-array comparisons (in float64, as a search would) beat a binary search.
        position = np.zeros(run_m.shape, dtype=np.int16)
        for reach in reaches:
            position += wanted > np.float64(reach)
    else:
        position = np.full(run_m.shape, len(candidates), dtype=np.int16)
        for i, reach in reversed(list(enumerate(reaches))):
            position[run_m <= reach] = i
    if (position >= len(candidates)).any():
        longest = float(run_m[position >= len(candidates)].max())
        names = ", ".join(f"{o.medium.id} {o.reach_m:g} m" for o in candidates)
        raise DesignError(
            f"{link_class} links up to {longest:.0f} m exceed the reach of every allowed medium ({names}); "
            f"shorten the runs (placement.racks_per_row, row_pitch_m, leaf_location, hall_mw_max, building_spacing_m) "
            f"or allow longer-reach media",
            field="placement",
        )
    chosen = np.array([media_index[o.medium.id] for o in candidates], dtype=np.int16)[position]
    # One search over every orderable length serves all media: a medium's shortest length covering a run is its
    # shortest length covering the first orderable length at or above the run (its lengths are among them).
    above = np.searchsorted(all_lengths_m, wanted)
    table = _length_table(candidates, all_lengths_m)
    length_index = table.ravel()[position.astype(np.int32) * table.shape[1] + above]
    cable_m = all_lengths_m.astype(np.float32)[length_index]
    return chosen, cable_m, length_index


def _length_table(candidates: list[Option], all_lengths_m: np.ndarray) -> np.ndarray:
    """Return [option position, index of the first orderable length >= a run] -> index in all_lengths_m of the
    option's shortest orderable length >= that run (its longest past the end; reach checks exclude those runs)."""
    table = np.zeros((len(candidates), len(all_lengths_m) + 1), dtype=np.int16)
    ends = np.append(all_lengths_m, np.inf)
    for row, option in enumerate(candidates):
        own = np.array(option.lengths_m, dtype=np.float64)
        own_index = np.searchsorted(all_lengths_m, own - 1e-6)
        # For each orderable length, the number of this option's lengths below it points at the covering one.
        local = np.minimum(np.searchsorted(own, ends - 1e-9), len(own) - 1)
        table[row] = own_index[local]
    return table


@dataclass(frozen=True)
class ClassRules:
    """What the rules say about one link class of a plan: the two cage ends and the feasible options."""

    switch: Switch
    a: CageEnd
    b: CageEnd
    options: list[Option]


def class_rules(plan: Plan, hardware: Hardware) -> dict[str, ClassRules]:
    """Return the cage ends and feasible options of every link class of a plan."""
    switch = hardware.switch(plan.switch_id)
    server = hardware.server(plan.server_id)
    nic = hardware.nic(plan.nic_id)
    media = sorted(hardware.media.values(), key=lambda m: (m.cost_rank, m.id))
    mode = compat.nic_mode(nic, switch, plan.port_gbps, plan.planes)
    rails_per_cage = nic_cage_rails(plan, hardware)
    ends = {"nic_leaf": (compat.switch_end(switch, plan.port_gbps, switch.ports_per_cage(plan.port_gbps)),
                         compat.nic_end(nic, server, mode, plan.port_gbps, rails_per_cage))}
    ppc_up = switch.ports_per_cage(plan.uplink_gbps)
    # A switch cage's ports reach one far cage only when whole cages of parallel links join a pair of switches.
    aligned = all(p.links_per_leaf_spine % ppc_up == 0 for p in plan.pods)
    far = 1 if aligned else ppc_up
    ends["leaf_spine"] = (compat.switch_end(switch, plan.uplink_gbps, far),
                          compat.switch_end(switch, plan.uplink_gbps, far))
    if plan.tiers == 3:
        far = 1 if ppc_up == 1 or plan.cores_per_plane == 1 else ppc_up
        ends["spine_core"] = (compat.switch_end(switch, plan.uplink_gbps, far),
                              compat.switch_end(switch, plan.uplink_gbps, far))
    return {cls: ClassRules(switch, a, b, compat.options(hardware, media, a, b, cls)) for cls, (a, b) in ends.items()}


@dataclass
class _Context:
    """What every link class of one plane is generated from: the floor, the media table, the rules and each
    device's coordinates (one entry per device, cheap next to the links)."""

    plan: Plan
    hardware: Hardware
    floor: Floor
    media: list[Medium]
    media_index: dict[str, int]
    rules: dict[str, ClassRules]
    candidates_of: dict[str, list[Option]]
    all_lengths: np.ndarray
    int_t: type
    leaf_x: np.ndarray
    leaf_y: np.ndarray
    su_leaf_x: np.ndarray
    su_leaf_y: np.ndarray
    su_in_one_place: bool
    _server_xy: tuple | None = None

    def server_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of every server, float32, computed once when first asked."""
        if self._server_xy is None:
            self._server_xy = _f32(self.floor.server_xy(np.arange(self.plan.servers, dtype=self.int_t)))
        return self._server_xy


def _context(plan: Plan, spec: FabricSpec, hardware: Hardware, core_rooms: str | None = None) -> _Context:
    floor = Floor(plan, spec.placement, hardware, core_rooms)
    media = sorted(hardware.media.values(), key=lambda m: (m.cost_rank, m.id))
    media_index = {m.id: i for i, m in enumerate(media)}
    rules = class_rules(plan, hardware)
    candidates_of = {cls: _candidates(spec, hardware, cls, r) for cls, r in rules.items()}
    all_lengths = np.array(sorted({float(v) for opts in candidates_of.values() for o in opts for v in o.lengths_m}),
                           dtype=np.float64)
    int_t = _int_type(plan)
    leaf_x, leaf_y = _f32(floor.leaf_xy(np.arange(plan.leaves_per_plane, dtype=int_t)))
    su_leaf_x = leaf_x.reshape(plan.sus, plan.leaves_per_su)
    su_leaf_y = leaf_y.reshape(plan.sus, plan.leaves_per_su)
    su_in_one_place = GROUP_RUNS and bool((su_leaf_x == su_leaf_x[:, :1]).all()
                                           and (su_leaf_y == su_leaf_y[:, :1]).all())
    return _Context(plan, hardware, floor, media, media_index, rules, candidates_of, all_lengths, int_t, leaf_x,
                    leaf_y, su_leaf_x, su_leaf_y, su_in_one_place)


class LazySets(Mapping):
    """The link sets of a plane by class, each built on first access: the classes planned from runs
    (aifabric.fabric.runs) are expanded link by link only when an output needs their links."""

    def __init__(self, classes: list[str], build):
        self._classes = list(classes)
        self._build = build
        self._sets: dict[str, LinkSet] = {}

    def __getitem__(self, link_class: str) -> LinkSet:
        if link_class not in self._classes:
            raise KeyError(link_class)
        if link_class not in self._sets:
            self._sets[link_class] = self._build(link_class)
        return self._sets[link_class]

    def __iter__(self):
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)

    def built(self, link_class: str) -> bool:
        """Return True when the links of a class have been built."""
        return link_class in self._sets

    def put(self, link_class: str, link_set: LinkSet) -> None:
        """Store a built link set."""
        self._sets[link_class] = link_set


def _build_class(ctx: _Context, links: FabricLinks, link_class: str) -> LinkSet:
    """Return the links of one class, media chosen per run and one module per cage."""
    builder = {"nic_leaf": _nic_leaf_set, "leaf_spine": _leaf_spine_set, "spine_core": _spine_core_set}[link_class]
    link_set = builder(ctx)
    period = cage_periods(ctx.plan, ctx.rules).get(link_class, (0, 0)) if GROUP_RUNS else (0, 0)
    _one_module_per_cage(link_set, lambda part=slice(None): _cage_keys(ctx.plan, ctx.rules, link_set, part),
                         ctx.candidates_of[link_class], ctx.media_index, ctx.all_lengths, period)
    return link_set


def _nic_leaf_set(ctx: _Context) -> LinkSet:
    """NIC -> leaf: rail r of server s lands on the rail-r leaf of the server's SU (with p rails per leaf, on leaf
    r // p, port slot * p + r % p)."""
    plan = ctx.plan
    servers, _, rails, leaves, _, slot = _nic_leaf_ends(plan)
    candidates = ctx.candidates_of["nic_leaf"]
    if ctx.su_in_one_place:
        # All rail leaves of an SU stand in one place (in-row, end-of-row): a server's rails have equal runs, so
        # the run, medium and cable are found once per server and repeated over its rails (the same numbers).
        per_server, chosen = nic_leaf_per_server(ctx)
        run = np.repeat(per_server, plan.rails)
        medium, cable, length_index = (np.repeat(column, plan.rails) for column in chosen)
    else:
        # Coordinates are computed once per device and gathered per link: far cheaper than per-link arithmetic.
        server_x, server_y = ctx.server_xy()
        run = ctx.floor.run_m(server_x[servers], server_y[servers], ctx.leaf_x[leaves], ctx.leaf_y[leaves])
        medium, cable, length_index = _choose(run, candidates, ctx.media_index, "nic_leaf", ctx.hardware,
                                              ctx.all_lengths)
    return LinkSet("nic_leaf", plan.port_gbps, servers, None, rails, leaves, None, slot, run, medium, cable,
                   length_index)


def link_ends(links: FabricLinks, link_class: str) -> tuple:
    """Return (speed_gbps, a, a_pod, a_port, z, z_pod) of every link of a class in link-table order (see LinkSet):
    the built set's columns, or for a class not yet built (planned from runs) the same columns without choosing any
    medium or module (for an export that needs only who joins whom at what speed, e.g. SimAI's topology)."""
    sets = links.sets
    if not isinstance(sets, LazySets) or sets.built(link_class) or links.runs[link_class].per_link:
        s = sets[link_class]
        return s.speed_gbps, s.a, s.a_pod, s.a_port, s.z, s.z_pod
    ends = {"nic_leaf": _nic_leaf_ends, "leaf_spine": _leaf_spine_ends, "spine_core": _spine_core_ends}[link_class]
    a, a_pod, a_port, z, z_pod, _ = ends(links.plan)
    return links.runs[link_class].speed_gbps, a, a_pod, a_port, z, z_pod


def _nic_leaf_ends(plan: Plan) -> tuple:
    """Return the NIC-leaf link table's (a, a_pod, a_port, z, z_pod, z_port): server, rail, leaf, leaf port."""
    int_t = _int_type(plan)
    servers = np.repeat(np.arange(plan.servers, dtype=int_t), plan.rails)
    rails = np.tile(np.arange(plan.rails, dtype=int_t), plan.servers)
    # SU and slot of each NIC link by repetition, not division: the table is regular, so this is a copy.
    n_links = plan.servers * plan.rails
    su = np.repeat(np.arange(plan.sus, dtype=int_t), plan.leaf_downlinks * plan.rails)[:n_links]
    slot = np.tile(np.repeat(np.arange(plan.leaf_downlinks, dtype=int_t), plan.rails), plan.sus)[:n_links]
    per_leaf = plan.rails_per_leaf
    leaves = su * plan.leaves_per_su + (rails // per_leaf if per_leaf > 1 else rails)
    if per_leaf > 1:
        slot = slot * per_leaf + rails % per_leaf
    return servers, None, rails, leaves, None, slot


def nic_leaf_per_server(ctx: _Context) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return (run per server, (medium, cable, length index) per server) when an SU's leaves stand in one place."""
    plan = ctx.plan
    server_su = np.repeat(np.arange(plan.sus, dtype=ctx.int_t), plan.leaf_downlinks)[: plan.servers]
    server_x, server_y = ctx.server_xy()
    per_server = ctx.floor.run_m(server_x, server_y, ctx.su_leaf_x[server_su, 0], ctx.su_leaf_y[server_su, 0])
    return per_server, _choose(per_server, ctx.candidates_of["nic_leaf"], ctx.media_index, "nic_leaf", ctx.hardware,
                               ctx.all_lengths)


def _leaf_spine_set(ctx: _Context) -> LinkSet:
    """Leaf -> spine: consecutive uplinks go to the same spine (links_per_leaf_spine of them)."""
    plan, floor = ctx.plan, ctx.floor
    leaf, _, uplink, spine, pod, spine_port = _leaf_spine_ends(plan)
    spine_x, spine_y, spine_base = _spine_table(plan, floor)
    candidates = ctx.candidates_of["leaf_spine"]
    if ctx.su_in_one_place and not plan.rail_pods:
        blocks, chosen = leaf_spine_by_su_blocks(ctx)
        run, medium, cable, length_index = _expand_su_blocks(plan, blocks, chosen)
    else:
        spine_key = spine_base[pod] + spine
        run = floor.run_m(ctx.leaf_x[leaf], ctx.leaf_y[leaf], spine_x[spine_key], spine_y[spine_key])
        medium, cable, length_index = _choose(run, candidates, ctx.media_index, "leaf_spine", ctx.hardware,
                                              ctx.all_lengths)
    return LinkSet("leaf_spine", plan.uplink_gbps, leaf, None, uplink, spine, pod, spine_port, run, medium, cable,
                   length_index)


def _leaf_spine_ends(plan: Plan) -> tuple:
    """Return the leaf-spine link table's (a, a_pod, a_port, z, z_pod, z_port): leaf, uplink, spine in its pod, pod,
    spine port."""
    int_t = _int_type(plan)
    leaf = np.repeat(np.arange(plan.leaves_per_plane, dtype=int_t), plan.leaf_uplinks)
    uplink = np.tile(np.arange(plan.leaf_uplinks, dtype=int_t), plan.leaves_per_plane)
    if plan.tiers < 3:
        pod = np.zeros_like(leaf)
        in_pod = leaf
    else:
        pod = leaf // plan.leaves_per_pod
        in_pod = leaf - pod * plan.leaves_per_pod
    # Links per leaf-spine pair: one count for every pod is a scalar; pods that differ give each link its pod's.
    pair_counts = {p.links_per_leaf_spine for p in plan.pods}
    per_pair = (int_t(min(pair_counts)) if len(pair_counts) == 1 else
                np.array([p.links_per_leaf_spine for p in plan.pods], dtype=int_t)[pod])
    if pair_counts == {1}:
        spine, spine_port = uplink.copy(), in_pod.copy()  # one link per pair: uplink u to spine u, port = leaf
    else:
        spine = uplink // per_pair
        spine_port = in_pod * per_pair + uplink % per_pair
    if plan.rail_pods:
        # Rail-optimized to the top: a rail-r leaf joins only rail group r's spines, arriving on port
        # (its SU's place in the pod) x links per pair.
        rail = leaf % plan.leaves_per_su
        spine = rail * plan.pods[0].spines_per_group + spine
        spine_port = (in_pod // plan.leaves_per_su) * per_pair + uplink % per_pair
    return leaf, None, uplink, spine, pod, spine_port


def _spine_core_set(ctx: _Context) -> LinkSet:
    return _spine_core(ctx.plan, ctx.floor, ctx.candidates_of["spine_core"], ctx.hardware, ctx.media_index,
                       ctx.all_lengths)


def cage_periods(plan: Plan, rules: dict[str, ClassRules]) -> dict[str, tuple[int, int]]:
    """Return {link class: (links per block, blocks)} where a class's first blocks x links-per-block links fall in
    blocks that repeat one pattern of cages, each block on cages of its own (no cage is shared between blocks).

    Leaf-spine: one block per pod of the first run of like pods (a pod's leaves and spines are its own, and its
    links are laid out alike). Spine-core, striped (slot i to core i mod C, port i div C): C x P consecutive slots
    (P ports per cage) fill P rows of one core cage per core, so when each spine's uplinks fill whole cages, every
    C x P slots hold whole spine cages and whole core cages of their own, in the same pattern (slots past the
    last whole block, on cages of their own too, are grouped apart). The groups of
    connected cages are then found on one block and repeated, instead of over every link.
    """
    periods: dict[str, tuple[int, int]] = {}
    if plan.tiers < 3:
        return periods
    start, end, shape = pod_runs(plan)[0]
    if shape.leaves == plan.leaves_per_pod and (not plan.rail_pods or plan.leaves_per_pod % plan.leaves_per_su == 0):
        periods["leaf_spine"] = (shape.leaves * plan.leaf_uplinks, end - start)
    ppc = rules["spine_core"].a.ports_per_cage
    if not plan.core_groups:
        # Blocks only where every spine's uplinks fill whole cages (the leading pods; a smaller last pod may not).
        aligned = 0
        for pod in plan.pods:
            if pod.spine_uplinks % ppc:
                break
            aligned += pod.spines * pod.spine_uplinks
        block = plan.cores_per_plane * ppc
        periods["spine_core"] = (block, aligned // block)
    return periods


def pod_runs(plan: Plan) -> list[tuple[int, int, PodShape]]:
    """Return (first pod, end pod, shape) of each run of consecutive pods of one shape (usually all pods but the
    last share one)."""
    runs = []
    start = 0
    while start < len(plan.pods):
        end = start
        while end < len(plan.pods) and plan.pods[end] == plan.pods[start]:
            end += 1
        runs.append((start, end, plan.pods[start]))
        start = end
    return runs


def leaf_spine_by_su_blocks(ctx: _Context) -> tuple[list[tuple[np.ndarray, int]], tuple]:
    """Return ([(runs of (SU, spine) of a run of like pods, links per pair)], (medium, cable, length index) over
    those runs concatenated) when every leaf of an SU stands in one place: a link's run then depends only on its
    SU and its spine, so runs and media are found once per (SU, spine)."""
    plan, floor = ctx.plan, ctx.floor
    spine_x, spine_y, spine_base = _spine_table(plan, floor)
    su_x, su_y = ctx.su_leaf_x[:, 0], ctx.su_leaf_y[:, 0]
    blocks = []  # per run of like pods: (SUs x spines) runs, links per pair
    su0 = 0
    for start, end, shape in pod_runs(plan):
        sus_per_pod = shape.leaves // plan.leaves_per_su
        su = np.arange(su0, su0 + (end - start) * sus_per_pod)
        pod = start + (su - su0) // sus_per_pod
        key = spine_base[pod][:, None] + np.arange(shape.spines)[None, :]
        blocks.append((floor.run_m(su_x[su][:, None], su_y[su][:, None], spine_x[key], spine_y[key]),
                       shape.links_per_leaf_spine))
        su0 += (end - start) * sus_per_pod
    compact = np.concatenate([block.ravel() for block, _ in blocks])
    return blocks, _choose(compact, ctx.candidates_of["leaf_spine"], ctx.media_index, "leaf_spine", ctx.hardware,
                           ctx.all_lengths)


def _expand_su_blocks(plan: Plan, blocks, chosen) -> tuple:
    """Return (run, medium, cable, length index) per leaf-spine link from the (SU, spine) runs: each repeated over
    the SU's rail leaves and the parallel links of a leaf-spine pair (the same numbers as per link)."""
    compact = np.concatenate([block.ravel() for block, _ in blocks])
    columns = []
    for values in (compact, *chosen):
        pieces, offset = [], 0
        for block, per_pair in blocks:
            part = values[offset: offset + block.size].reshape(block.shape)
            pieces.append(np.repeat(np.repeat(part, per_pair, axis=1), plan.leaves_per_su, axis=0).ravel())
            offset += block.size
        columns.append(np.concatenate(pieces))
    return tuple(columns)


def _places(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Return (place index per device, (x, y) of each distinct place) of devices given by coordinates."""
    x, y = x.astype(np.float32), y.astype(np.float32)
    # One 64-bit key per (x, y) bit pattern: a plain unique, far cheaper than a row-wise one.
    keys = (x.view(np.uint32).astype(np.uint64) << np.uint64(32)) | y.view(np.uint32)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return inverse.reshape(-1).astype(np.int32), (x[first], y[first])


def _spine_table(plan: Plan, floor: Floor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (x, y) of every spine of a plane, indexed by pod base + index in pod, and the pod bases."""
    base = np.cumsum([0] + [p.spines for p in plan.pods])
    pod = np.repeat(np.arange(len(plan.pods)), [p.spines for p in plan.pods])
    spine = np.arange(base[-1]) - base[pod]
    x, y = _f32(floor.spine_xy(pod, spine))
    return x, y, base[:-1]


def _int_type(plan: Plan) -> type:
    """Return the integer type of a plane's device and port columns: int32 while the NIC links fit."""
    return np.int32 if plan.servers * plan.rails < 2**31 - 1 else np.int64


def _f32(xy: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return xy[0].astype(np.float32), xy[1].astype(np.float32)


def nic_cage_rails(plan: Plan, hardware: Hardware) -> int:
    """Return how many rails share one NIC-side cage on a server (2 on a DGX H100's twin-port OSFPs)."""
    rails = hardware.server(plan.server_id).nic_cage_ports
    return rails if plan.rails % rails == 0 else 1


def cage_keys(links: FabricLinks, link_class: str, part: slice = slice(None)) -> list[np.ndarray]:
    """Return, per end of a link class that shares cages, each link's cage there as one integer key (a NIC cage of
    a server, or a switch cage: switch x cages + port // ports per cage; port groups start on a cage boundary), for
    the links of `part` (all by default)."""
    return _cage_keys(links.plan, links.rules, links.sets[link_class], part)


def _cage_keys(plan: Plan, rules_of: dict[str, ClassRules], whole: LinkSet, part: slice = slice(None)
               ) -> list[np.ndarray]:
    link_class = whole.link_class
    link_set = LinkSet(whole.link_class, whole.speed_gbps, *(
        None if getattr(whole, name) is None else getattr(whole, name)[part]
        for name in ("a", "a_pod", "a_port", "z", "z_pod", "z_port", "run_m", "medium", "cable_m", "length_index")))
    rules = rules_of[link_class]
    switches = plan.leaves_per_plane + plan.spines_per_plane + plan.cores_per_plane
    wide = max(switches * rules.switch.cages, plan.servers * plan.rails) >= 2**31 - 1
    int_t = np.int64 if wide else np.int32  # half the memory traffic when keys fit

    def key(device, per_device: int, port, per_cage: int) -> np.ndarray:
        return device.astype(int_t, copy=False) * per_device + port.astype(int_t, copy=False) // per_cage

    keys = []
    if link_class == "nic_leaf":
        rails_per_cage = max(rules.b.ports_per_cage // plan.planes, 1)
        if rails_per_cage > 1:
            keys.append(key(link_set.a, plan.rails // rails_per_cage, link_set.a_port, rails_per_cage))
        ppc = rules.a.ports_per_cage
        if ppc > 1:
            keys.append(key(link_set.z, rules.switch.cages, link_set.z_port, ppc))
        return keys
    ppc = rules.a.ports_per_cage
    if ppc == 1:
        return keys
    cages = rules.switch.cages
    base = np.cumsum([0] + [p.spines for p in plan.pods])[:-1].astype(int_t)
    if link_class == "leaf_spine":
        keys.append(key(link_set.a, cages, link_set.a_port, ppc))
        keys.append(key(base[link_set.z_pod] + link_set.z, cages, link_set.z_port, ppc))
    else:
        keys.append(key(base[link_set.a_pod] + link_set.a, cages, link_set.a_port, ppc))
        keys.append(key(link_set.z, cages, link_set.z_port, ppc))
    return keys


def _one_module_per_cage(link_set: LinkSet, keys, candidates: list[Option], media_index,
                         all_lengths_m: np.ndarray, period: tuple[int, int] = (0, 0)) -> None:
    """Give every lane of a cage the medium of its longest-reach lane (one module fills a cage), and the far end of
    each link the same medium, until nothing changes; re-choose the orderable length of the links that changed.
    keys: a callable returning the cage keys per end of a slice of the links (all by default; built only when a
    class mixes media); period: (links per block, blocks) of repeating blocks of cages (cage_periods), or (0, 0)."""
    medium = link_set.medium
    if medium.size == 0:
        return
    low = int(medium.min())
    if low == int(medium.max()):
        return
    # The fixed point of "every lane of a cage takes the cage's best medium, both ends of a link take the same" is
    # the best medium over each connected group of cages (cages joined by links), found in one pass per group.
    group = _cage_groups(keys, medium.size, *period)
    if group is None:
        return  # the class shares no cages
    raised = medium > low
    top = np.full(int(group.max()) + 1, low, dtype=medium.dtype)
    np.maximum.at(top, group[raised], medium[raised])
    current = top[group]
    changed = current != medium
    if changed.any():
        position_of = np.zeros(int(max(media_index.values())) + 1, dtype=np.int32)
        for position, option in enumerate(candidates):
            position_of[media_index[option.medium.id]] = position
        table = _length_table(candidates, all_lengths_m)
        above = np.searchsorted(all_lengths_m, link_set.run_m[changed] - 1e-9)
        link_set.length_index[changed] = table[position_of[current[changed]], above]
        link_set.cable_m[changed] = all_lengths_m.astype(np.float32)[link_set.length_index[changed]]
        link_set.medium = current.astype(medium.dtype)


def _cage_groups(keys, links: int, period: int = 0, blocks: int = 0) -> np.ndarray | None:
    """Return, per link, the id of its connected group of cages (None when the class shares no cages): cages are
    nodes (one id range per end), each link joins its cages. keys(part) gives the cage keys per end of a slice of
    the links. With blocks > 1, the first period x blocks links are blocks of one pattern on cages of their own
    (cage_periods): the groups of the first block, repeated with fresh ids, and those of the rest after them; the
    keys of the other blocks are never built."""
    if blocks < 2:
        every = keys(slice(None))
        return _connected(every) if every else None
    first = keys(slice(0, period))
    if not first:
        return None
    head = _compact(_connected([_compact(key) for key in first]))
    width = int(head.max()) + 1
    groups = [(np.arange(blocks, dtype=np.int64) * width)[:, None] + head[None, :]]
    tail = period * blocks
    if tail < links:
        groups.append(_compact(_connected([_compact(key) for key in keys(slice(tail, None))])) + blocks * width)
    return np.concatenate([g.ravel() for g in groups])


def _compact(values: np.ndarray) -> np.ndarray:
    """Return values renumbered 0..n-1 in their order (n distinct values): small ids for a part of the links."""
    return np.unique(values, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _connected(keys: list[np.ndarray]) -> np.ndarray:
    """Return, per link, a root id of its connected group of cages. Hook-and-jump label propagation (each round
    hooks every root to the smallest root it touches, then compresses paths), so the number of rounds grows with
    the log of a group's size, not its diameter."""
    offsets, nodes = [], 0
    for key in keys:
        offsets.append(nodes)
        nodes += int(key.max()) + 1
    int_t = np.int32 if nodes < 2**31 - 1 else np.int64
    ends = [key.astype(int_t, copy=False) + int_t(offset) for key, offset in zip(keys, offsets, strict=True)]
    parent = np.arange(nodes, dtype=int_t)
    active = ends
    while len(active) > 1:
        roots = [parent[end] for end in active]
        low = np.minimum.reduce(roots) if len(roots) > 2 else np.minimum(roots[0], roots[1])
        apart = roots[0] != low
        for root in roots[1:]:
            apart |= root != low
        if not apart.any():
            break
        # A link whose cages already share a root keeps sharing it (roots only merge), so it drops out.
        low = low[apart]
        for root in roots:
            root = root[apart]
            hook = root != low
            np.minimum.at(parent, root[hook], low[hook])
        active = [end[apart] for end in active]
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    return parent[ends[0]]


def _spine_core(plan: Plan, floor: Floor, candidates: list[Option], hardware: Hardware, media_index,
                all_lengths_m: np.ndarray) -> LinkSet:
    """Stripe spine uplinks over the cores: slot i goes to core i mod C, arriving on core port i div C."""
    spine, pod, uplink, core, _, core_port = _spine_core_ends(plan)
    count, cores = pod.shape[0], plan.cores_per_plane
    rounds = -(-count // cores)
    spine_x, spine_y, spine_base = _spine_table(plan, floor)
    core_x, core_y = _f32(floor.core_xy(np.arange(plan.cores_per_plane, dtype=np.int64)))
    spine_place, (place_x, place_y) = _places(spine_x, spine_y)
    core_place, (core_place_x, core_place_y) = _places(core_x, core_y)
    pairs = len(place_x) * len(core_place_x)
    if GROUP_RUNS and pairs * 4 <= count:
        # Spines and cores stand in racks: a run depends only on the two racks, so runs and media are found once
        # per pair of places that some link joins, then looked up per link (the same numbers as per link).
        # Slots run spine by spine (pod-major), so a link's spine place is its spine's, repeated over its uplinks.
        per_spine = np.repeat([p.spine_uplinks for p in plan.pods], [p.spines for p in plan.pods])
        key = np.repeat(spine_place * len(core_place_x), per_spine)
        key += core_place[core] if plan.core_groups else np.tile(core_place, rounds)[:count]
        used = np.flatnonzero(np.bincount(key, minlength=pairs))
        table = floor.run_m(place_x[:, None], place_y[:, None], core_place_x[None, :],
                            core_place_y[None, :]).ravel()
        chosen = _choose(table[used], candidates, media_index, "spine_core", hardware, all_lengths_m)
        run = table[key]
        medium, cable, length_index = (_scattered(column, used, pairs)[key] for column in chosen)
    else:
        spine_key = spine_base[pod] + spine
        run = floor.run_m(spine_x[spine_key], spine_y[spine_key], core_x[core], core_y[core])
        medium, cable, length_index = _choose(run, candidates, media_index, "spine_core", hardware, all_lengths_m)
    return LinkSet("spine_core", plan.uplink_gbps, spine, pod, uplink, core, None, core_port, run, medium, cable,
                   length_index)


def _spine_core_ends(plan: Plan) -> tuple:
    """Return the spine-core link table's (a, a_pod, a_port, z, z_pod, z_port): spine in its pod, pod, uplink, core,
    core port."""
    # Pods of one shape share one template; only the last pod may differ.
    pods, spines, uplinks = [], [], []
    for start, end, shape in pod_runs(plan):
        repeats, per_pod = end - start, shape.spines * shape.spine_uplinks
        pods.append(np.repeat(np.arange(start, end, dtype=np.int32), per_pod))
        template = np.repeat(np.arange(shape.spines, dtype=np.int32), shape.spine_uplinks)
        spines.append(np.tile(template, repeats))
        uplinks.append(np.tile(np.arange(shape.spine_uplinks, dtype=np.int32), shape.spines * repeats))
    pod = np.concatenate(pods)
    spine = np.concatenate(spines)
    uplink = np.concatenate(uplinks)
    count, cores = pod.shape[0], plan.cores_per_plane
    if plan.core_groups:
        core, core_port = _core_groups(plan, pod, spine, uplink)
    else:
        # Slot i goes to core i mod C on core port i div C; built by repetition rather than division.
        rounds = -(-count // cores)
        core = np.tile(np.arange(cores, dtype=np.int32), rounds)[:count]
        core_port = np.repeat(np.arange(rounds, dtype=np.int32), cores)[:count]
    return spine, pod, uplink, core, None, core_port


def _scattered(values: np.ndarray, at: np.ndarray, size: int) -> np.ndarray:
    """Return an array of `size` (zeros elsewhere) holding values at the positions `at`."""
    table = np.zeros(size, dtype=values.dtype)
    table[at] = values
    return table


def _core_groups(plan: Plan, pod: np.ndarray, spine: np.ndarray, uplink: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return (core, core port) per spine uplink when spine j of every rail group joins core group j (NVIDIA DGX
    SuperPOD GB200 RA, sec. 4.2): uplink u goes to core u mod C of the group, links per pair = uplinks / C."""
    per_group = plan.cores_per_group
    spr = plan.pods[0].spines_per_group
    rail, j = np.divmod(spine, spr)
    core = (j * per_group + uplink % per_group).astype(np.int32)
    # The core's ports: one block of links-per-pair ports per spine of its group (pod-major, then rail).
    member = pod.astype(np.int64) * plan.leaves_per_su + rail
    core_port = (member * plan.core_links_per_pair + uplink // per_group).astype(np.int32)
    return core, core_port


__all__ = ["LINK_CLASSES", "FabricLinks", "LinkSet"]
