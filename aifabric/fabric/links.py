"""Every link of one plane as numpy columns: who joins whom on which port, how long, over which medium.

This is the single source of the topology: the cabling plan, the BOM, the graph and every export read it, so
they agree link for link. Planes are identical copies (their switches stand together), so one plane is
generated and the plane number is applied when links are written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aifabric.catalog.models import Hardware, Medium
from aifabric.errors import DesignError
from aifabric.fabric.placement import Floor
from aifabric.fabric.sizing import Plan
from aifabric.spec.fabric import LINK_CLASSES, FabricSpec


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
    # histogram needs no second search over every link.
    length_index: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.a.shape[0])

    def histogram(self, lengths_m: np.ndarray, n_media: int) -> np.ndarray:
        """Return link counts per (medium, ordered cable length), lengths_m being every orderable length."""
        cached = getattr(self, "_histogram", None)
        if cached is None:
            length_index = self.length_index
            if length_index is None:
                length_index = np.searchsorted(lengths_m, self.cable_m.astype(np.float64) - 1e-6)
            key = self.medium.astype(np.int64) * len(lengths_m) + length_index
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

    def histogram(self, link_class: str) -> np.ndarray:
        """Return link counts of one class per (medium index, index into lengths_m)."""
        return self.sets[link_class].histogram(self.lengths_m, len(self.media))


def _candidates(spec: FabricSpec, hardware: Hardware, link_class: str) -> list[Medium]:
    forced = spec.media.get(link_class) or spec.media.get("all")
    ends = "switch-nic" if link_class == "nic_leaf" else "switch-switch"
    if forced is not None:
        medium = hardware.medium(forced)
        if ends not in medium.ends:
            raise DesignError(f"{forced} does not serve {ends} links", field=f"media.{link_class}")
        return [medium]
    return sorted((m for m in hardware.media.values() if ends in m.ends), key=lambda m: (m.cost_rank, m.id))


def _choose(run_m: np.ndarray, candidates: list[Medium], media_index: dict[str, int], link_class: str,
            hardware: Hardware, all_lengths_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (medium index, ordered cable length, index of that length in all_lengths_m) per link: the cheapest
    medium whose reach covers the run, and the shortest of its cable lengths that covers it."""
    wanted = run_m - 1e-9
    reaches = [min(m.reach_m, hardware.cables[m.cable].reach_m, max(hardware.cables[m.cable].lengths_m))
               for m in candidates]
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
        names = ", ".join(m.id for m in candidates)
        raise DesignError(
            f"{link_class} links up to {longest:.0f} m exceed the reach of every allowed medium ({names}); "
            f"shorten the floor (placement.racks_per_row, row_pitch_m, leaf_location) or allow longer-reach media",
            field="placement",
        )
    chosen = np.array([media_index[m.id] for m in candidates], dtype=np.int16)[position]
    # One search over every orderable length serves all media: a medium's shortest length covering a run is its
    # shortest length covering the first orderable length at or above the run (its lengths are among them).
    above = np.searchsorted(all_lengths_m, wanted)
    table = _length_table(candidates, hardware, all_lengths_m)
    length_index = table.ravel()[position.astype(np.int32) * table.shape[1] + above]
    cable_m = all_lengths_m.astype(np.float32)[length_index]
    return chosen, cable_m, length_index


def _length_table(media: list[Medium], hardware: Hardware, all_lengths_m: np.ndarray) -> np.ndarray:
    """Return [medium position, index of the first orderable length >= a run] -> index in all_lengths_m of the
    medium's shortest cable length >= that run (0 past the medium's longest; reach checks exclude those runs)."""
    table = np.zeros((len(media), len(all_lengths_m) + 1), dtype=np.int16)
    for row, medium in enumerate(media):
        own = np.array(sorted(hardware.cables[medium.cable].lengths_m), dtype=np.float64)
        own_index = np.searchsorted(all_lengths_m, own - 1e-6)
        # For each orderable length, the number of this medium's lengths below it points at the covering one.
        local = np.searchsorted(own, all_lengths_m - 1e-9)
        table[row, :-1] = np.where(local < len(own), own_index[np.minimum(local, len(own) - 1)], 0)
    return table


def generate(plan: Plan, spec: FabricSpec, hardware: Hardware) -> FabricLinks:
    """Return every link of one plane with ports, lengths and media."""
    floor = Floor(plan, spec.placement)
    media = sorted(hardware.media.values(), key=lambda m: (m.cost_rank, m.id))
    media_index = {m.id: i for i, m in enumerate(media)}
    all_lengths = np.array(sorted({float(v) for c in hardware.cables.values() for v in c.lengths_m}),
                           dtype=np.float64)
    sets: dict[str, LinkSet] = {}
    int_t = np.int32 if plan.servers * plan.rails < 2**31 - 1 else np.int64

    # NIC -> leaf: rail r of server s lands on the rail-r leaf of the server's SU.
    servers = np.repeat(np.arange(plan.servers, dtype=int_t), plan.rails)
    rails = np.tile(np.arange(plan.rails, dtype=int_t), plan.servers)
    # SU and slot of each NIC link by repetition, not division: the table is regular, so this is a copy.
    n_links = plan.servers * plan.rails
    su = np.repeat(np.arange(plan.sus, dtype=int_t), plan.leaf_downlinks * plan.rails)[:n_links]
    slot = np.tile(np.repeat(np.arange(plan.leaf_downlinks, dtype=int_t), plan.rails), plan.sus)[:n_links]
    leaves = su * plan.rails + rails
    server_x, server_y = _f32(floor.server_xy(np.arange(plan.servers, dtype=int_t)))
    leaf_x, leaf_y = _f32(floor.leaf_xy(np.arange(plan.leaves_per_plane, dtype=int_t)))
    # Coordinates are computed once per device and gathered per link: far cheaper than per-link arithmetic.
    run = floor.run_m(server_x[servers], server_y[servers], leaf_x[leaves], leaf_y[leaves])
    medium, cable, length_index = _choose(run, _candidates(spec, hardware, "nic_leaf"), media_index, "nic_leaf",
                                          hardware, all_lengths)
    medium, cable, length_index = _share_nic_cages(plan, hardware, media, medium, cable, length_index, run,
                                                   all_lengths)
    sets["nic_leaf"] = LinkSet("nic_leaf", plan.port_gbps, servers, None, rails, leaves, None, slot, run,
                               medium, cable, length_index)

    # Leaf -> spine: consecutive uplinks go to the same spine (links_per_leaf_spine of them).
    leaf = np.repeat(np.arange(plan.leaves_per_plane, dtype=int_t), plan.leaf_uplinks)
    uplink = np.tile(np.arange(plan.leaf_uplinks, dtype=int_t), plan.leaves_per_plane)
    if plan.tiers == 2:
        pod = np.zeros_like(leaf)
        in_pod = leaf
    else:
        pod = leaf // plan.leaves_per_pod
        in_pod = leaf - pod * plan.leaves_per_pod
    per_pair = np.array([p.links_per_leaf_spine for p in plan.pods], dtype=int_t)[pod]
    spine = uplink // per_pair
    spine_port = in_pod * per_pair + uplink % per_pair
    spine_x, spine_y, spine_base = _spine_table(plan, floor)
    spine_key = spine_base[pod] + spine
    run = floor.run_m(leaf_x[leaf], leaf_y[leaf], spine_x[spine_key], spine_y[spine_key])
    medium, cable, length_index = _choose(run, _candidates(spec, hardware, "leaf_spine"), media_index,
                                          "leaf_spine", hardware, all_lengths)
    sets["leaf_spine"] = LinkSet("leaf_spine", plan.uplink_gbps, leaf, None, uplink, spine, pod, spine_port, run,
                                 medium, cable, length_index)

    if plan.tiers == 3:
        sets["spine_core"] = _spine_core(plan, floor, spec, hardware, media_index, all_lengths)
    return FabricLinks(plan, media, sets, all_lengths)


def _spine_table(plan: Plan, floor: Floor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (x, y) of every spine of a plane, indexed by pod base + index in pod, and the pod bases."""
    base = np.cumsum([0] + [p.spines for p in plan.pods])
    pod = np.repeat(np.arange(len(plan.pods)), [p.spines for p in plan.pods])
    spine = np.arange(base[-1]) - base[pod]
    x, y = _f32(floor.spine_xy(pod, spine))
    return x, y, base[:-1]


def _f32(xy: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return xy[0].astype(np.float32), xy[1].astype(np.float32)


def nic_cage_rails(plan: Plan, hardware: Hardware) -> int:
    """Return how many rails share one NIC-side cage on a server (2 on a DGX H100's twin-port OSFPs)."""
    rails = hardware.server(plan.server_id).nic_cage_ports
    return rails if plan.rails % rails == 0 else 1


def _share_nic_cages(plan, hardware, media, medium, cable, length_index, run, all_lengths_m):
    """Return media where the rails sharing a NIC cage all take the longest-reach medium among them: one module
    type fills a cage."""
    rails_per_cage = nic_cage_rails(plan, hardware)
    if rails_per_cage == 1:
        return medium, cable, length_index
    grouped = medium.reshape(plan.servers, plan.rails // rails_per_cage, rails_per_cage)
    widest = np.repeat(grouped.max(axis=2), rails_per_cage, axis=1).reshape(-1).astype(np.int16)
    changed = widest != medium
    if changed.any():
        for index in np.unique(widest[changed]):
            mask = changed & (widest == index)
            lengths = np.array(sorted(hardware.cables[media[index].cable].lengths_m), dtype=np.float64)
            local = np.minimum(np.searchsorted(lengths, run[mask] - 1e-9), len(lengths) - 1)
            cable[mask] = lengths[local]
            length_index[mask] = np.searchsorted(all_lengths_m, lengths - 1e-6).astype(np.int16)[local]
    return widest, cable, length_index


def _spine_core(plan: Plan, floor: Floor, spec: FabricSpec, hardware: Hardware, media_index,
                all_lengths_m: np.ndarray) -> LinkSet:
    """Stripe spine uplinks over the cores: slot i goes to core i mod C, arriving on core port i div C."""
    # Pods of one shape share one template; only the last pod may differ.
    pods, spines, uplinks = [], [], []
    start = 0
    while start < len(plan.pods):
        shape = plan.pods[start]
        end = start
        while end < len(plan.pods) and plan.pods[end] == shape:
            end += 1
        repeats, per_pod = end - start, shape.spines * shape.spine_uplinks
        pods.append(np.repeat(np.arange(start, end, dtype=np.int32), per_pod))
        template = np.repeat(np.arange(shape.spines, dtype=np.int32), shape.spine_uplinks)
        spines.append(np.tile(template, repeats))
        uplinks.append(np.tile(np.arange(shape.spine_uplinks, dtype=np.int32), shape.spines * repeats))
        start = end
    pod = np.concatenate(pods)
    spine = np.concatenate(spines)
    uplink = np.concatenate(uplinks)
    # Slot i goes to core i mod C on core port i div C; built by repetition rather than division.
    count, cores = pod.shape[0], plan.cores_per_plane
    rounds = -(-count // cores)
    core = np.tile(np.arange(cores, dtype=np.int32), rounds)[:count]
    core_port = np.repeat(np.arange(rounds, dtype=np.int32), cores)[:count]
    spine_x, spine_y, spine_base = _spine_table(plan, floor)
    spine_key = spine_base[pod] + spine
    core_x, core_y = _f32(floor.core_xy(np.arange(plan.cores_per_plane, dtype=np.int64)))
    run = floor.run_m(spine_x[spine_key], spine_y[spine_key], core_x[core], core_y[core])
    medium, cable, length_index = _choose(run, _candidates(spec, hardware, "spine_core"), media_index,
                                          "spine_core", hardware, all_lengths_m)
    return LinkSet("spine_core", plan.uplink_gbps, spine, pod, uplink, core, None, core_port, run, medium, cable,
                   length_index)


__all__ = ["LINK_CLASSES", "FabricLinks", "LinkSet", "generate"]
