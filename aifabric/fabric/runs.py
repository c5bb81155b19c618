"""Runs: the links of a class grouped by what they share, so a plan is counted without building its links.

Placement yields every run once: links of one class that share their two places share their run, medium and
cable, and the rules' one-module-per-cage step raises whole groups of cages at once. A run here is such a group:
(medium, ordered length, links per plane, the rooms at both ends) and, per switch end, which switch takes how many
of its ports (a key may stand for several identical switches, e.g. the rail leaves of an SU, which see the same
servers, or for a range of cores). Part counts, port tables, trunk routes and latency chains are computed from
runs, at a cost that grows with the runs, not the links; the link table is built only when an output needs it
(FabricLinks.sets builds a class on first access, link by link as before).

Every class of a plan is counted from runs. Where its layout is one of those below, its runs are found without
building its links; any other layout (e.g. core groups, an SU's leaves standing apart) builds its links
and takes each link as a run of its own (runs_from_link_set), so part counts, ports, trunks and latency read runs
only. Covered layouts:
- nic_leaf: an SU's rail leaves stand in one place (in-row, end-of-row): one run per rack of an SU's servers
  (cut at leaf cages when cages mix media);
- leaf_spine: the same, not rail-optimized to the top: one run per (SU, rack of its pod's spines), cut at cage
  blocks when cages mix media;
- leaf_spine, rail-grouped spines: one run per (leaf, segment of its rail group's spines standing in one place),
  in link order, when one medium serves every run;
- spine_core: striped cores (no core groups), cages dividing the cores, every spine's uplinks whole cages in the
  leading pods: one run per piece of a row of core ports with one spine and one rack of cores (see _spine_core),
  and the slots past the last whole block of P rows one run per link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aifabric.catalog.models import Hardware
from aifabric.fabric import links as L
from aifabric.fabric.sizing import Plan
from aifabric.spec.fabric import LINK_CLASSES, FabricSpec


@dataclass
class EndPart:
    """Ports at one switch end taken by some runs: run i gives `ports[i]` ports to each of the `spread`
    consecutive devices from key[i] x spread."""

    runs: slice
    key: np.ndarray
    ports: np.ndarray | None  # None: one port each (runs of one link)
    spread: int | np.ndarray = 1  # devices per key: one number, or one per key (consecutive devices in key order)
    width: np.ndarray | None = None  # or: run i reaches the devices key[i] .. key[i] + width[i] - 1


@dataclass
class EndRuns:
    """One switch end of a class: its parts, the devices it has, and how many identical switches each device
    stands for (None: one each)."""

    parts: list[EndPart]
    devices: int
    mult: np.ndarray | None = None

    def table(self, columns: np.ndarray, n_columns: int) -> np.ndarray:
        """Return a (devices x n_columns) table of ports per device, columns[i] being run i's column."""
        table = np.zeros((self.devices, n_columns), dtype=np.int64)
        for part in self.parts:
            if part.width is not None:
                # Ranges of devices: + at the first, - past the last, summed along the devices.
                size = (self.devices + 1) * n_columns
                first = part.key.astype(np.int64) * n_columns + columns[part.runs]
                past = first + part.width.astype(np.int64) * n_columns
                diff = (np.bincount(first, weights=part.ports, minlength=size)
                        - np.bincount(past, weights=part.ports, minlength=size))
                table += np.cumsum(diff.reshape(-1, n_columns), axis=0)[: self.devices].astype(np.int64)
                continue
            keys = part.key.astype(np.int64) * n_columns + columns[part.runs]
            size = (int(part.key.max()) + 1 if len(part.key) else 0) * n_columns
            counts = np.bincount(keys, weights=part.ports, minlength=size).astype(np.int64, copy=False).reshape(
                -1, n_columns)
            if not np.isscalar(part.spread) or part.spread > 1:
                counts = np.repeat(counts, part.spread, axis=0)
            table[: counts.shape[0]] += counts
        return table


@dataclass
class ClassRuns:
    """The runs of one link class in one plane (see the module docstring)."""

    link_class: str
    speed_gbps: int
    medium: np.ndarray         # per run: medium index
    length_index: np.ndarray   # per run: index into FabricLinks.lengths_m
    count: np.ndarray          # per run: links per plane
    room_a: np.ndarray | None  # per run: placement room of the a end (None: see room_keys)
    room_z: np.ndarray | None  # per run: placement room of the z end
    ends: list[EndRuns]        # switch ends: nic_leaf leaves; leaf_spine leaves, spines; spine_core spines, cores
    hist: np.ndarray = field(default=None)
    extra: dict = field(default_factory=dict)   # class-specific inputs of the latency chains
    per_link: bool = False  # runs of one link each, in link-table order (the class's links are built)
    # Runs of one link each: (room per a-end device, a device per run, room per z-end device, z device per run),
    # so a run's rooms are looked up only when trunks need them (room_a and room_z are then None).
    room_keys: tuple | None = None

    def rooms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return (room ids used at the a ends, each run's index among them, the same for the z ends)."""
        if self.room_keys is None:
            return (*_small_unique(self.room_a), *_small_unique(self.room_z))
        rooms_a, key_a, rooms_z, key_z = self.room_keys
        used_a, index_a = _small_unique(rooms_a)
        used_z, index_z = _small_unique(rooms_z)
        return used_a, index_a[key_a], used_z, index_z[key_z]

    def pair_index(self, n_lengths: int) -> np.ndarray:
        """Return each run's (medium, ordered length) as one index, as LinkSet.pair_index."""
        return self.medium.astype(np.int64) * n_lengths + self.length_index


def _small_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return np.unique(values, return_inverse=True) of small non-negative integers (room ids), without a sort."""
    present = np.bincount(values) > 0
    return np.flatnonzero(present), (np.cumsum(present) - 1)[values]


def _finish(runs: ClassRuns, n_media: int, n_lengths: int) -> ClassRuns:
    cells = runs.medium.astype(np.int64) * n_lengths + runs.length_index
    runs.hist = np.bincount(cells, weights=runs.count, minlength=n_media * n_lengths).astype(np.int64).reshape(
        n_media, n_lengths)
    return runs


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the sorted distinct values of two integer arrays (np.union1d and a plain np.unique import numpy.ma,
    a cost of its own on the --json path)."""
    values = np.sort(np.concatenate([a, b]).astype(np.int64))
    return values[np.append(True, values[1:] != values[:-1])] if len(values) else values


def _rechoose(ctx, link_class: str, run_m: np.ndarray, medium: np.ndarray, current: np.ndarray,
              length_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (medium, length index) after raising media to `current`: the raised runs take the shortest
    orderable length of their new medium covering them (as links._one_module_per_cage does per link)."""
    changed = current != medium
    if not changed.any():
        return medium, length_index
    candidates = ctx.candidates_of[link_class]
    position_of = np.zeros(int(max(ctx.media_index.values())) + 1, dtype=np.int32)
    for position, option in enumerate(candidates):
        position_of[ctx.media_index[option.medium.id]] = position
    table = L._length_table(candidates, ctx.all_lengths)
    above = np.searchsorted(ctx.all_lengths, run_m[changed] - 1e-9)
    length_index = length_index.copy()
    length_index[changed] = table[position_of[current[changed]], above]
    return current.astype(medium.dtype), length_index


def generate(plan: Plan, spec: FabricSpec, hardware: Hardware, core_rooms: str | None = None) -> L.FabricLinks:
    """Return the cabling of one plane as runs of every link class, with its link table built per class on first
    access: a class whose layout the runs model covers builds no links until an output lists them; any other class
    builds its links now and takes each as a run of its own (core_rooms: a core room layout that replaces the
    spec's, see aifabric.fabric.placement)."""
    ctx = L._context(plan, spec, hardware, core_rooms)
    classes = [c for c in LINK_CLASSES if c in ctx.rules]
    links = L.FabricLinks(plan, ctx.media, {}, ctx.all_lengths, ctx.rules, ctx.candidates_of, ctx.floor)
    links.sets = L.LazySets(classes, lambda cls: L._build_class(ctx, links, cls))
    for link_class in classes:
        # In class order, so that a reach error names the same class as link by link.
        found = class_runs(ctx, link_class, links.runs)
        links.runs[link_class] = found if found is not None else runs_from_link_set(links, links.sets[link_class])
    return links


def class_runs(ctx, link_class: str, done: dict) -> ClassRuns | None:
    """Return the runs of a link class, or None when its layout is not one the runs model covers."""
    if link_class == "nic_leaf":
        return _nic_leaf(ctx)
    if link_class == "leaf_spine":
        if done["nic_leaf"].per_link:
            return None
        return _leaf_spine_rails(ctx) if ctx.plan.rail_pods else _leaf_spine(ctx)
    return _spine_core(ctx)


def runs_from_link_set(links: L.FabricLinks, link_set: L.LinkSet) -> ClassRuns:
    """Return a built link set as runs of one link each, in link order: the fallback of a layout the runs model
    does not cover, so that every count reads runs (each run's ends, rooms and latency inputs are its link's)."""
    plan, floor = links.plan, links.floor
    n = len(link_set.medium)
    pods = np.arange(len(plan.pods))
    spine_base = np.cumsum([0] + [p.spines for p in plan.pods]).astype(link_set.a.dtype)  # (the table's int type)
    spines = int(spine_base[-1])
    cls = link_set.link_class
    extra: dict = {}
    if cls == "nic_leaf":
        ends = [EndRuns([EndPart(slice(None), link_set.z, None)], plan.leaves_per_plane)]
        rooms = (floor.server_room(np.arange(plan.servers)), link_set.a,
                 floor.leaf_room(np.arange(plan.leaves_per_plane)), link_set.z)
        extra = {"server": link_set.a, "rail": link_set.a_port}
    elif cls == "leaf_spine":
        spine = spine_base[link_set.z_pod] + link_set.z
        ends = [EndRuns([EndPart(slice(None), link_set.a, None)], plan.leaves_per_plane),
                EndRuns([EndPart(slice(None), spine, None)], spines)]
        rooms = floor.leaf_room(np.arange(plan.leaves_per_plane)), link_set.a, floor.spine_room(pods), link_set.z_pod
    else:
        spine = spine_base[link_set.a_pod] + link_set.a
        cores = plan.cores_per_plane
        ends = [EndRuns([EndPart(slice(None), spine, None)], spines),
                EndRuns([EndPart(slice(None), link_set.z, None)], cores)]
        rooms = floor.spine_room(pods), link_set.a_pod, floor.core_room(np.arange(cores)), link_set.z
        # Every link a tail run of _spine_core's (no region of whole blocks): the cross-pod chains take each
        # link's (pod, core) as they come.
        empty = np.zeros(0, dtype=np.int64)
        extra = {"n_runs": 0, "first": empty, "length": empty, "region": 0, "spine": spine, "pod": link_set.a_pod,
                 "tail_core": link_set.z,
                 "pod_slots": np.cumsum([0] + [p.spines * p.spine_uplinks for p in plan.pods])}
        if n:
            extra["core_ports"] = int(link_set.z_port.max()) + 1
    # One link a run: the counts a read-only view of a single 1, not an array the size of the link table.
    return ClassRuns(cls, link_set.speed_gbps, link_set.medium, link_set.length_index,
                     np.broadcast_to(np.int64(1), (n,)), None, None, ends,
                     hist=link_set.histogram(links.lengths_m, len(links.media)), extra=extra, per_link=True,
                     room_keys=rooms)


def _nic_leaf(ctx) -> ClassRuns | None:
    """One run per rack of an SU's servers (split at leaf cage boundaries when cages mix media): its servers'
    rails land on the SU's rail leaves, which stand in one place, so every server of a rack has the same run."""
    plan, floor = ctx.plan, ctx.floor
    if not ctx.su_in_one_place:
        return None
    d, spr, rps = plan.leaf_downlinks, floor.servers_per_rack, floor.racks_per_su
    full, rest = divmod(plan.servers, d)
    # Racks holding servers: every rack of a whole SU, those of a last partial SU that its servers reach (a run of
    # an empty rack must not be checked against reach).
    partial = -(-rest // spr)
    rack_su = np.concatenate([np.repeat(np.arange(full), rps), np.full(partial, full)])
    rack_x, rack_y = floor._rack_xy(rack_su, np.concatenate([np.tile(np.arange(rps), full), np.arange(partial)]))
    rack_run = floor.run_m(rack_x, rack_y, ctx.su_leaf_x[rack_su, 0], ctx.su_leaf_y[rack_su, 0])
    rack_medium, _, rack_length = L._choose(rack_run, ctx.candidates_of["nic_leaf"], ctx.media_index, "nic_leaf",
                                            ctx.hardware, ctx.all_lengths)
    ppc = ctx.rules["nic_leaf"].a.ports_per_cage
    mixed = int(rack_medium.min()) != int(rack_medium.max()) and ppc > 1
    if mixed and plan.rails_per_leaf != 1:
        return None
    # Units: the slots of an SU cut at every rack, and at every leaf cage when cages may mix media.
    cuts = _union(np.arange(0, d, spr), np.arange(0, d, ppc if mixed else d))
    unit_first = np.concatenate([np.tile(cuts, full), cuts[cuts < rest]]).astype(np.int64)
    unit_su = np.concatenate([np.repeat(np.arange(full), len(cuts)), np.full(int((cuts < rest).sum()), full)])
    ends_at = np.append(cuts[1:], d)
    unit_end = np.concatenate([np.tile(ends_at, full), np.minimum(ends_at[cuts < rest], rest)])
    servers = (unit_end - unit_first).astype(np.int64)
    rack = unit_su * rps + unit_first // spr
    run_m, medium, length_index = rack_run[rack], rack_medium[rack], rack_length[rack]
    if mixed:
        # A leaf cage holds the ports of ppc consecutive servers of an SU (one per server), on every rail leaf
        # alike, and a NIC cage only rails of one server: the cages of such a block form one group.
        group = unit_su * -(-d // ppc) + unit_first // ppc
        new_group = np.diff(group, prepend=-1) != 0
        current = np.maximum.reduceat(medium, np.flatnonzero(new_group))[np.cumsum(new_group) - 1]
        medium, length_index = _rechoose(ctx, "nic_leaf", run_m, medium, current, length_index)
    leaf_room = floor.leaf_room(np.arange(plan.sus) * plan.leaves_per_su)
    mult = np.full(plan.sus, plan.leaves_per_su, dtype=np.int64)
    leaves = EndRuns([EndPart(slice(None), unit_su, servers * plan.rails_per_leaf)], plan.sus, mult)
    runs = ClassRuns("nic_leaf", plan.port_gbps, medium, length_index, servers * plan.rails,
                     floor._row_room(unit_su, unit_first // spr), leaf_room[unit_su], [leaves])
    runs.extra = {"servers": servers}
    return _finish(runs, len(ctx.media), len(ctx.all_lengths))


def _leaf_spine(ctx) -> ClassRuns | None:
    """One run per (SU, segment of its pod's spines standing in one place, cut at cage blocks when cages may mix
    media): the SU's rail leaves stand in one place and each joins every spine of its pod."""
    plan, floor = ctx.plan, ctx.floor
    if not ctx.su_in_one_place or plan.rail_pods or plan.leaf_uplinks == 0:
        return None  # (one tier has no leaf-spine links: its empty table costs nothing)
    ppc = ctx.rules["leaf_spine"].a.ports_per_cage
    lps = plan.leaves_per_su
    spine_x, spine_y, spine_base = L._spine_table(plan, floor)
    su_x, su_y = ctx.su_leaf_x[:, 0], ctx.su_leaf_y[:, 0]
    shapes = L.pod_runs(plan)
    sus_per_pod = {start: shape.leaves // lps for start, _, shape in shapes}

    def segments(mixed: bool):
        """Return per run of like pods (SUs, pods, first spine of each segment, its length, links per pair)."""
        found, su0 = [], 0
        for start, end, shape in shapes:
            n_su = (end - start) * (shape.leaves // lps)
            base = spine_base[start:end, None] + np.arange(shape.spines)[None, :]
            # Cut wherever any pod of the run changes place between consecutive spines.
            moves = ((np.diff(spine_x[base], axis=1) != 0) | (np.diff(spine_y[base], axis=1) != 0)).any(axis=0)
            cuts = np.append(0, np.flatnonzero(moves) + 1)
            g = ppc // shape.links_per_leaf_spine if shape.links_per_leaf_spine < ppc else 1
            if mixed and g > 1:
                cuts = _union(cuts, np.arange(0, shape.spines, g))
            found.append((np.arange(su0, su0 + n_su), start, cuts, np.diff(np.append(cuts, shape.spines)),
                          shape.links_per_leaf_spine, g))
            su0 += n_su
        return found

    def runs_of(found):
        pieces = []
        for su, start, cuts, _, _, _ in found:
            pod = start + (su - su[0]) // sus_per_pod[start]
            key = spine_base[pod][:, None] + cuts[None, :]
            pieces.append((floor.run_m(su_x[su][:, None], su_y[su][:, None], spine_x[key], spine_y[key]), pod))
        return pieces

    def chosen(mixed: bool):
        found = segments(mixed)
        pieces = runs_of(found)
        run_m = np.concatenate([run.ravel() for run, _ in pieces])
        medium, _, length_index = L._choose(run_m, ctx.candidates_of["leaf_spine"], ctx.media_index, "leaf_spine",
                                            ctx.hardware, ctx.all_lengths)
        return found, pieces, run_m, medium, length_index

    found, pieces, run_m, medium, length_index = chosen(False)
    if int(medium.min()) != int(medium.max()) and ppc > 1:
        for (_, _, _, _, per_pair, g) in found:
            if per_pair % ppc and (ppc % per_pair or lps % g):
                return None
        found, pieces, run_m, medium, length_index = chosen(True)
        # A leaf cage holds g = ppc / links-per-pair consecutive spines, a spine cage g consecutive leaves of one
        # SU: (SU, block of g spines) is one group of cages (g = 1: a cage pair holds one leaf and one spine).
        group = np.concatenate([(su[:, None] * plan.leaf_uplinks + (cuts // g)[None, :]).ravel()
                                for su, _, cuts, _, _, g in found])
        new_group = np.diff(group, prepend=-1) != 0
        current = np.maximum.reduceat(medium, np.flatnonzero(new_group))[np.cumsum(new_group) - 1]
        medium, length_index = _rechoose(ctx, "leaf_spine", run_m, medium, current, length_index)
    su_key, ports_leaf, seg_key, pods, seg_len = [], [], [], [], []
    seg0 = 0
    for (su, start, cuts, lengths, per_pair, _), (_, pod) in zip(found, pieces, strict=True):
        n_seg = len(cuts)
        su_key.append(np.repeat(su, n_seg))
        pods.append(np.repeat(pod, n_seg))
        ports_leaf.append(np.tile(lengths * per_pair, len(su)).astype(np.int64))
        seg_key.append(seg0 + ((pod - start)[:, None] * n_seg + np.arange(n_seg)[None, :]).ravel())
        n_pods = len(su) // sus_per_pod[start]
        seg_len.append(np.tile(lengths, n_pods))
        seg0 += n_pods * n_seg
    su, pod = np.concatenate(su_key), np.concatenate(pods)
    ports_leaf = np.concatenate(ports_leaf)
    seg_len = np.concatenate(seg_len)
    leaf_room = floor.leaf_room(np.arange(plan.sus) * lps)
    per_pair = np.concatenate([np.full(len(su) * len(cuts), pp, dtype=np.int64)
                               for su, _, cuts, _, pp, _ in found])
    ends = [EndRuns([EndPart(slice(None), su, ports_leaf)], plan.sus, np.full(plan.sus, lps, dtype=np.int64)),
            EndRuns([EndPart(slice(None), np.concatenate(seg_key), per_pair * lps, seg_len)],
                    sum(p.spines for p in plan.pods))]
    runs = ClassRuns("leaf_spine", plan.uplink_gbps, medium, length_index, ports_leaf * lps, leaf_room[su],
                     floor.spine_room(np.arange(len(plan.pods)))[pod], ends)
    runs.extra = {"segments": [(len(cuts), lengths) for _, _, cuts, lengths, _, _ in found]}
    return _finish(runs, len(ctx.media), len(ctx.all_lengths))


def _leaf_spine_rails(ctx) -> ClassRuns | None:
    """Rail-optimized to the top (rail-grouped spines): the rail-r leaf of an SU joins each spine of its pod's rail
    group r over links_per_leaf_spine links. One run per (leaf, segment of its group's spines standing in one
    place), in link-table order (leaf-major, then uplink), when every run takes one medium (a cage then holds one
    medium whatever it groups, so no medium is raised); otherwise the links are built."""
    plan, floor = ctx.plan, ctx.floor
    if not ctx.su_in_one_place or plan.leaf_uplinks == 0:
        return None
    lps, spg = plan.leaves_per_su, plan.pods[0].spines_per_group
    per_pair = {p.links_per_leaf_spine for p in plan.pods}
    if len(per_pair) != 1 or any(p.leaves % lps or p.spines != spg * lps for p in plan.pods):
        return None
    per_pair = per_pair.pop()
    if plan.leaf_uplinks != spg * per_pair:
        return None
    spine_x, spine_y, spine_base = L._spine_table(plan, floor)
    # A segment starts at each rail group's first spine and wherever the next spine stands elsewhere.
    n_spines = len(spine_x)
    pod_of = np.repeat(np.arange(len(plan.pods)), [p.spines for p in plan.pods])
    j = np.arange(n_spines) - spine_base[pod_of]
    starts = (j % spg == 0) | np.append(True, (spine_x[1:] != spine_x[:-1]) | (spine_y[1:] != spine_y[:-1]))
    seg_first = np.flatnonzero(starts)
    seg_len = np.diff(np.append(seg_first, n_spines))
    seg_rail = (j[seg_first] // spg).astype(np.int64)
    seg_pod = pod_of[seg_first]
    leaf_list, seg_list = [], []
    for pod, shape in enumerate(plan.pods):
        mine = np.flatnonzero(seg_pod == pod)
        # Per leaf of an SU (rail r), its group's segments in spine order; the pattern repeats for every SU.
        pattern = np.concatenate([mine[seg_rail[mine] == r] for r in range(lps)])
        rail = seg_rail[pattern]
        n_su = shape.leaves // lps
        first_leaf = pod * plan.leaves_per_pod
        leaf_list.append(first_leaf + (np.repeat(np.arange(n_su), len(pattern)) * lps + np.tile(rail, n_su)))
        seg_list.append(np.tile(pattern, n_su))
    leaf, seg = np.concatenate(leaf_list).astype(np.int64), np.concatenate(seg_list)
    first = seg_first[seg]
    run_m = floor.run_m(ctx.leaf_x[leaf], ctx.leaf_y[leaf], spine_x[first], spine_y[first])
    medium, _, length_index = L._choose(run_m, ctx.candidates_of["leaf_spine"], ctx.media_index, "leaf_spine",
                                        ctx.hardware, ctx.all_lengths)
    if int(medium.min()) != int(medium.max()):
        return None  # (cages may then mix media: the links are built and grouped by cage)
    count = seg_len[seg] * per_pair
    ends = [EndRuns([EndPart(slice(None), leaf, count)], plan.leaves_per_plane),
            EndRuns([EndPart(slice(None), seg, np.full(len(seg), per_pair, dtype=np.int64), seg_len)], n_spines)]
    runs = ClassRuns("leaf_spine", plan.uplink_gbps, medium, length_index, count,
                     floor.leaf_room(np.arange(plan.leaves_per_plane))[leaf],
                     floor.spine_room(np.arange(len(plan.pods)))[seg_pod[seg]], ends)
    runs.extra = {"in_link_order": True}
    return _finish(runs, len(ctx.media), len(ctx.all_lengths))


def _spine_core(ctx) -> ClassRuns | None:
    """Striped cores: slot i (pod-major, spine, uplink) goes to core i mod C on core port i div C, so the slots form
    rows of C core ports. With P ports per cage dividing C and every spine's uplinks filling whole cages, each block
    of P rows holds whole spine cages (P slots of one spine to a group of P consecutive cores) and whole core cages
    (one core's P rows), and a (block, core group) is one group of cages whose medium is the best of its links.

    A run is a piece of a row with one spine and one rack of cores on which the group's best medium is constant:
    rows are cut at each rack of cores, at their own spines, and at every change of spine rack in any row of the
    block (the groups' best then changes only there, and at a group shared by two racks of cores, which is cut
    out when its best differs from its neighbours'). Slots past the last whole block go link by link."""
    plan, floor = ctx.plan, ctx.floor
    rules = ctx.rules["spine_core"]
    ppc, cores = rules.a.ports_per_cage, plan.cores_per_plane
    if plan.core_groups or ppc < 2 or cores % ppc or any(p.spine_uplinks < 1 for p in plan.pods):
        return None
    uplinks = np.repeat([p.spine_uplinks for p in plan.pods], [p.spines for p in plan.pods]).astype(np.int64)
    spine_pod = np.repeat(np.arange(len(plan.pods)), [p.spines for p in plan.pods])
    spine_end = np.cumsum(uplinks)
    spine_first = spine_end - uplinks
    count = int(spine_end[-1])
    spine_x, spine_y, _ = L._spine_table(plan, floor)
    core_x, core_y = L._f32(floor.core_xy(np.arange(cores, dtype=np.int64)))
    spine_place, (place_x, place_y) = L._places(spine_x, spine_y)
    core_place, (core_place_x, core_place_y) = L._places(core_x, core_y)
    n_core_places = len(core_place_x)
    pairs = len(place_x) * n_core_places
    if not (L.GROUP_RUNS and pairs * 4 <= count):
        return None
    aligned = 0
    for pod in plan.pods:
        if pod.spine_uplinks % ppc:
            break
        aligned += pod.spines * pod.spine_uplinks
    block = cores * ppc
    blocks = aligned // block
    if blocks < 1:
        return None
    region = blocks * block
    racks = np.flatnonzero(np.diff(core_place, prepend=-1))  # first core of each rack of cores
    # Spine starts inside the region, and those where the spine rack changes (always at a group's first core).
    starts = spine_first[spine_first < region]
    moves = starts[np.diff(spine_place[: len(starts)], prepend=-1) != 0]

    def block_cuts(extra: np.ndarray) -> np.ndarray:
        """Return the cut positions of every block as b x C + core, sorted: racks of cores, the block's spine-rack
        changes in any of its rows, and `extra` (block x C + core)."""
        per_block = (np.arange(blocks)[:, None] * cores + racks[None, :]).ravel()
        cuts = _union(_union(per_block, (moves // block) * cores + moves % cores), extra)
        return cuts[cuts < blocks * cores]

    def cells(cuts_b: np.ndarray):
        """Return every block cut in every row of its block, in slot order (block, row, cut), sorted without a
        sort; each one's place in that order (cuts x P); where each spine start falls among them; and the spine
        at each (the spine starts at or before it)."""
        b, c = np.divmod(cuts_b, cores)
        per_block = np.bincount(b, minlength=blocks)
        block_first = np.cumsum(per_block) - per_block
        j = np.arange(len(cuts_b)) - block_first[b]
        cell = np.empty(len(cuts_b) * ppc, dtype=np.int64)
        position = np.empty((len(cuts_b), ppc), dtype=np.int64)
        for r in range(ppc):
            position[:, r] = ppc * block_first[b] + r * per_block[b] + j
            cell[position[:, r]] = b * block + r * cores + c
        at = np.searchsorted(cell, starts)
        spine = np.cumsum(np.bincount(at, minlength=len(cell) + 1))[: len(cell)] - 1
        return cell, position, at, spine

    def cut_keys(cuts_b: np.ndarray) -> np.ndarray:
        """Return the (spine rack, core rack) pair at every block cut in each row of its block (cuts x P): the pair
        of every run from there to the next cut (a spine start in between keeps the spine rack)."""
        _, position, _, spine = cells(cuts_b)
        return spine_place[spine[position]] * n_core_places + core_place[cuts_b % cores][:, None]

    def pieces(cuts_b: np.ndarray):
        """Return per run of the region its first slot, links, spine, first core, (spine rack, core rack) pair and
        block piece. A run starts at every block cut in every row of the block, and at every spine start."""
        cell, position, at, _ = cells(cuts_b)
        # Merge in the spine starts that fall between cuts; a start then sits after the new ones before it.
        new = cell[np.minimum(at, len(cell) - 1)] != starts
        first = np.insert(cell, at[new], starts[new])
        shift = np.cumsum(np.bincount(at[new], minlength=len(cell) + 1))[: len(cell)]
        run_of_cell = np.arange(len(cell)) + shift
        is_start = np.zeros(len(first), dtype=np.int64)
        is_start[at + np.cumsum(new) - new] = 1
        spine = np.cumsum(is_start) - 1
        # A run takes the block piece of the cut it starts at, or (a spine start inside a piece) of the run before.
        cell_piece = np.empty(len(cell), dtype=np.int64)
        cell_piece[position] = np.arange(len(cuts_b))[:, None]
        piece = np.zeros(len(first), dtype=np.int64)
        piece[run_of_cell] = cell_piece
        is_cell = np.zeros(len(first), dtype=bool)
        is_cell[run_of_cell] = True
        piece = piece[np.maximum.accumulate(np.where(is_cell, np.arange(len(first)), 0))]
        length = np.diff(np.append(first, region))
        core0 = first % cores
        key = spine_place[spine] * n_core_places + core_place[core0]
        return first, length, spine, core0, key, piece

    tail = np.arange(region, count)
    tail_spine = np.searchsorted(spine_end, tail, side="right")
    tail_core = tail % cores
    tail_key = spine_place[tail_spine] * n_core_places + core_place[tail_core]
    table = floor.run_m(place_x[:, None], place_y[:, None], core_place_x[None, :], core_place_y[None, :]).ravel()
    cuts_b = block_cuts(np.zeros(0, dtype=np.int64))
    cut_key = cut_keys(cuts_b)
    used = np.flatnonzero(np.bincount(np.concatenate([cut_key.ravel(), tail_key]), minlength=pairs))
    chosen = L._choose(table[used], ctx.candidates_of["spine_core"], ctx.media_index, "spine_core", ctx.hardware,
                       ctx.all_lengths)
    pair_medium, pair_length = (L._scattered(column, used, pairs) for column in (chosen[0], chosen[2]))
    # Per block piece (between two cuts), the best medium over the block's P rows there.
    best = pair_medium[cut_key].max(axis=1)
    # Groups shared by two racks of cores: their best is over all the block pieces they touch.
    shared = racks[racks % ppc != 0]
    if len(shared) and int(pair_medium[used].min()) != int(pair_medium[used].max()):
        group_lo = (shared // ppc) * ppc
        lo = (np.arange(blocks)[:, None] * cores + group_lo[None, :]).ravel()
        piece_lo = np.searchsorted(cuts_b, lo, side="right") - 1
        piece_hi = np.searchsorted(cuts_b, lo + ppc, side="left") - 1
        # (a group spans a few pieces: compare the best of its first and last piece and any between)
        span = int((piece_hi - piece_lo).max()) + 1
        index = np.minimum(piece_lo[:, None] + np.arange(span)[None, :], piece_hi[:, None])
        touched = best[index]
        differs = (touched != touched[:, :1]).any(axis=1)
        if differs.any():
            cuts_b = block_cuts(np.concatenate([lo[differs], lo[differs] + ppc]))
            best = pair_medium[cut_keys(cuts_b)].max(axis=1)
            lo = lo[differs]
            piece_lo = np.searchsorted(cuts_b, lo, side="left")
            piece_hi = np.searchsorted(cuts_b, lo + ppc, side="left")
            group_of_piece = np.arange(len(cuts_b))
            for k in range(int((piece_hi - piece_lo).max())):
                inside = piece_lo + k < piece_hi
                group_of_piece[(piece_lo + k)[inside]] = piece_lo[inside]
            top = np.full(len(cuts_b), -1, dtype=best.dtype)
            np.maximum.at(top, group_of_piece, best)
            best = top[group_of_piece]
    # Each run takes its block piece's best medium; raised runs re-choose their length.
    first, length, spine, core0, key, piece = pieces(cuts_b)
    medium, length_index = pair_medium[key], pair_length[key]
    run_m = table[key]
    medium, length_index = _rechoose(ctx, "spine_core", run_m, medium, best[piece].astype(medium.dtype),
                                     length_index)
    # Slots past the last whole block hold cages of their own: link by link, as the link table does.
    spine_base = np.cumsum([0] + [p.spines for p in plan.pods])
    tail_pod = spine_pod[tail_spine]
    tail_set = L.LinkSet("spine_core", plan.uplink_gbps, (tail_spine - spine_base[tail_pod]).astype(np.int32),
                         tail_pod.astype(np.int32), (tail - spine_first[tail_spine]).astype(np.int32),
                         tail_core.astype(np.int32), None, (tail // cores).astype(np.int32), table[tail_key],
                         pair_medium[tail_key], np.zeros(len(tail), dtype=np.float32), pair_length[tail_key])
    # Cage keys renumbered 0..n-1: the groups are found over the tail's cages, not every cage of the plane.
    L._one_module_per_cage(tail_set, lambda part=slice(None): [L._compact(k) for k in L._cage_keys(
        plan, ctx.rules, tail_set, part)], ctx.candidates_of["spine_core"], ctx.media_index, ctx.all_lengths)
    n_runs = len(first)
    region_runs, tails = slice(0, n_runs), slice(n_runs, None)
    run_spine = np.concatenate([spine, tail_spine])
    run_pod = spine_pod[run_spine]
    ones = np.ones(len(tail), dtype=np.int64)
    run_count = np.concatenate([length, ones])
    ends = [EndRuns([EndPart(slice(None), run_spine, run_count)], int(spine_base[-1])),
            EndRuns([EndPart(region_runs, core0, np.ones(n_runs, dtype=np.int64), width=length),
                     EndPart(tails, tail_core, ones)], cores)]
    room_a = floor.spine_room(np.arange(len(plan.pods)))[run_pod]
    room_z = floor.core_room(np.concatenate([core0, tail_core]))
    runs = ClassRuns("spine_core", plan.uplink_gbps, np.concatenate([medium, tail_set.medium]),
                     np.concatenate([length_index, tail_set.length_index]), run_count, room_a, room_z, ends)
    runs.extra = {"n_runs": n_runs, "first": first, "length": length, "region": region, "spine": run_spine,
                  "pod": run_pod, "tail_core": tail_core, "core_ports": -(-count // cores),
                  "pod_slots": np.cumsum([0] + [p.spines * p.spine_uplinks for p in plan.pods])}
    return _finish(runs, len(ctx.media), len(ctx.all_lengths))
