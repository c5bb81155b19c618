"""Runs: the links of a class grouped by what they share, so a plan is counted without building its links.

Placement yields every run once (DESIGN.md, "the next layer"): links of one class that share their two places
share their run, medium and cable, and the rules' one-module-per-cage step raises whole groups of cages at once.
A run here is such a group: (medium, ordered length, links per plane, the rooms at both ends) and, per switch end,
which switch takes how many of its ports (a key may stand for several identical switches, e.g. the rail leaves of
an SU, which see the same servers). Part counts, port tables, trunk routes and latency chains are computed from
runs, at a cost that grows with the runs, not the links; the link table is built only when an output needs it
(FabricLinks.sets builds a class on first access, from the same runs model link by link).

A class gets runs only where its layout is one of those below, for which the link-by-link result is proven to be
the same (tests compare both on every shipped spec and on random specs); any other layout builds its links:
- nic_leaf: an SU's rail leaves stand in one place (in-row, end-of-row): one run per server;
- leaf_spine: the same, not rail-optimized to the top: one run per (SU, spine);
- spine_core: striped cores (no core groups), spines and cores in racks, cages dividing the cores: one run per
  spine cage of each row of core ports (C x P slots fill P whole rows), and the slots past the last whole block
  one run per link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aifabric.fabric import links as L


@dataclass
class EndPart:
    """Ports at one switch end taken by some runs: run i gives `ports[i]` ports to each of the `spread`
    consecutive devices from key[i] x spread."""

    runs: slice
    key: np.ndarray
    ports: np.ndarray
    spread: int | np.ndarray = 1  # devices per key: one number, or one per key (consecutive devices in key order)


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
            keys = part.key.astype(np.int64) * n_columns + columns[part.runs]
            size = (int(part.key.max()) + 1 if len(part.key) else 0) * n_columns
            counts = np.bincount(keys, weights=part.ports, minlength=size).astype(np.int64).reshape(-1, n_columns)
            if not np.isscalar(part.spread) or part.spread > 1:
                counts = np.repeat(counts, part.spread, axis=0)
            table[: counts.shape[0]] += counts
        return table

    def ceil_sum(self, ports: np.ndarray, per_unit: float) -> int:
        """Return the sum over switches of ceil(ports x per_unit), ports being per device."""
        units = np.ceil(ports * per_unit)
        if self.mult is not None:
            units = units * self.mult
        return int(units.sum())


@dataclass
class ClassRuns:
    """The runs of one link class in one plane (see the module docstring)."""

    link_class: str
    speed_gbps: int
    medium: np.ndarray         # per run: medium index
    length_index: np.ndarray   # per run: index into FabricLinks.lengths_m
    count: np.ndarray          # per run: links per plane
    room_a: np.ndarray         # per run: placement room of the a end
    room_z: np.ndarray         # per run: placement room of the z end
    ends: list[EndRuns]        # the switch ends, in the order bom._switch_ends gives them
    hist: np.ndarray = field(default=None)
    extra: dict = field(default_factory=dict)   # class-specific inputs of the latency chains

    def pair_index(self, n_lengths: int) -> np.ndarray:
        """Return each run's (medium, ordered length) as one index, as LinkSet.pair_index."""
        return self.medium.astype(np.int64) * n_lengths + self.length_index


def _finish(runs: ClassRuns, n_media: int, n_lengths: int) -> ClassRuns:
    cells = runs.medium.astype(np.int64) * n_lengths + runs.length_index
    runs.hist = np.bincount(cells, weights=runs.count, minlength=n_media * n_lengths).astype(np.int64).reshape(
        n_media, n_lengths)
    return runs


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


def class_runs(ctx, link_class: str, done: dict) -> ClassRuns | None:
    """Return the runs of a link class, or None when its layout is not one the runs model covers."""
    if link_class == "nic_leaf":
        return _nic_leaf(ctx)
    if link_class == "leaf_spine":
        return _leaf_spine(ctx) if "nic_leaf" in done else None
    return _spine_core(ctx)


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
    cuts = np.union1d(np.arange(0, d, spr), np.arange(0, d, ppc) if mixed else [])
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
                cuts = np.union1d(cuts, np.arange(0, shape.spines, g))
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

    found = segments(False)
    pieces = runs_of(found)
    run_m = np.concatenate([run.ravel() for run, _ in pieces])
    medium, _, length_index = L._choose(run_m, ctx.candidates_of["leaf_spine"], ctx.media_index, "leaf_spine",
                                        ctx.hardware, ctx.all_lengths)
    if int(medium.min()) != int(medium.max()) and ppc > 1:
        for (_, _, _, _, per_pair, g) in found:
            if per_pair % ppc and (ppc % per_pair or lps % g):
                return None
        found = segments(True)
        pieces = runs_of(found)
        run_m = np.concatenate([run.ravel() for run, _ in pieces])
        medium, _, length_index = L._choose(run_m, ctx.candidates_of["leaf_spine"], ctx.media_index, "leaf_spine",
                                            ctx.hardware, ctx.all_lengths)
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


def _spine_core(ctx) -> ClassRuns | None:
    """Striped cores: slot i (pod-major, spine, uplink) goes to core i mod C, port i div C. With P ports per cage
    dividing C and every spine's uplinks filling whole cages, each block of C x P slots is P rows of core ports
    whose spine cages (P slots of one spine to P consecutive cores) and core cages (one core's P rows) form groups
    of P x P slots: one run per spine cage of a row and rack of cores, the group's medium the best of its runs."""
    plan, floor = ctx.plan, ctx.floor
    rules = ctx.rules["spine_core"]
    ppc, cores = rules.a.ports_per_cage, plan.cores_per_plane
    if plan.core_groups or ppc < 2 or cores % ppc:
        return None
    uplinks = np.repeat([p.spine_uplinks for p in plan.pods], [p.spines for p in plan.pods]).astype(np.int64)
    spine_pod = np.repeat(np.arange(len(plan.pods)), [p.spines for p in plan.pods])
    spine_end = np.cumsum(uplinks)
    count = int(spine_end[-1]) if len(spine_end) else 0
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
    # Segments: consecutive cores of one cage group (P cores) in one place (rack); a spine cage's P slots reach
    # one group, so a run is (block, row, segment), its links as many as the segment's cores.
    core = np.arange(cores)
    seg_first = np.flatnonzero((core % ppc == 0) | np.diff(core_place, prepend=-1).astype(bool))
    seg_len = np.diff(np.append(seg_first, cores))
    seg_q = seg_first // ppc
    n_seg = len(seg_first)
    start = ((np.arange(blocks)[:, None, None] * block + np.arange(ppc)[None, :, None] * cores)
             + seg_first[None, None, :]).ravel()
    # A cell's spine: the spines starting at or before it, counted along the rows (a spine starts on a cage, so at
    # the first core of a group, which begins a segment).
    seg_of_core = np.cumsum(np.isin(core, seg_first)) - 1
    starts_here = spine_end[spine_end < blocks * block]
    cell_spine = np.cumsum(np.bincount((starts_here // cores) * n_seg + seg_of_core[starts_here % cores],
                                       minlength=len(start)))
    cell_s = np.tile(np.arange(n_seg), blocks * ppc)
    tail = np.arange(blocks * block, count)
    tail_spine = np.searchsorted(spine_end, tail, side="right")
    tail_core = tail % cores
    key = np.concatenate([spine_place[cell_spine] * n_core_places + core_place[seg_first[cell_s]],
                          spine_place[tail_spine] * n_core_places + core_place[tail_core]])
    used = np.flatnonzero(np.bincount(key, minlength=pairs))
    table = floor.run_m(place_x[:, None], place_y[:, None], core_place_x[None, :], core_place_y[None, :]).ravel()
    chosen = L._choose(table[used], ctx.candidates_of["spine_core"], ctx.media_index, "spine_core", ctx.hardware,
                       ctx.all_lengths)
    run_m = table[key]
    medium, _, length_index = (L._scattered(column, used, pairs)[key] for column in chosen)
    n_cells = len(start)
    # Groups of the cells: the P rows of a (block, core group); the best medium of the group for all of them.
    cell_medium = medium[:n_cells].reshape(blocks, ppc, n_seg).max(axis=1)
    group_first = np.flatnonzero(np.diff(seg_q, prepend=-1).astype(bool))
    top = np.maximum.reduceat(cell_medium, group_first, axis=1)[:, seg_q]
    current = np.repeat(top[:, None, :], ppc, axis=1).ravel()
    cell_m, cell_len = _rechoose(ctx, "spine_core", run_m[:n_cells], medium[:n_cells], current,
                                 length_index[:n_cells])
    # Slots past the last whole block hold cages of their own: link by link, as the link table does.
    spine_base = np.cumsum([0] + [p.spines for p in plan.pods])
    tail_pod = spine_pod[tail_spine]
    first_slot = spine_end - uplinks
    tail_set = L.LinkSet("spine_core", plan.uplink_gbps, (tail_spine - spine_base[tail_pod]).astype(np.int32),
                         tail_pod.astype(np.int32), (tail - first_slot[tail_spine]).astype(np.int32),
                         tail_core.astype(np.int32), None, (tail // cores).astype(np.int32), run_m[n_cells:],
                         medium[n_cells:].copy(), np.zeros(len(tail), dtype=np.float32),
                         length_index[n_cells:].copy())
    # Cage keys renumbered 0..n-1: the groups are found over the tail's cages, not every cage of the plane.
    L._one_module_per_cage(tail_set, lambda part=slice(None): [L._compact(key) for key in L._cage_keys(
        plan, ctx.rules, tail_set, part)], ctx.candidates_of["spine_core"], ctx.media_index, ctx.all_lengths)
    medium = np.concatenate([cell_m, tail_set.medium])
    length_index = np.concatenate([cell_len, tail_set.length_index])
    cells, tails = slice(0, n_cells), slice(n_cells, None)
    run_spine = np.concatenate([cell_spine, tail_spine])
    run_pod = spine_pod[run_spine]
    ones = np.ones(len(tail), dtype=np.int64)
    cell_count = seg_len[cell_s].astype(np.int64)
    ends = [EndRuns([EndPart(slice(None), run_spine, np.concatenate([cell_count, ones]))], int(spine_base[-1])),
            EndRuns([EndPart(cells, cell_s, np.ones(n_cells, dtype=np.int64), seg_len),
                     EndPart(tails, tail_core, ones)], cores)]
    room_a = floor.spine_room(np.arange(len(plan.pods)))[run_pod]
    room_z = np.full(len(run_pod), floor.rooms() - 1, dtype=np.int64)
    runs = ClassRuns("spine_core", plan.uplink_gbps, medium, length_index,
                     np.concatenate([cell_count, ones]), room_a, room_z, ends)
    runs.extra = {"n_cells": n_cells, "seg_len": seg_len, "spine": run_spine, "pod": run_pod, "cell_s": cell_s,
                  "tail_core": tail_core, "core_ports": -(-count // cores)}
    return _finish(runs, len(ctx.media), len(ctx.all_lengths))
