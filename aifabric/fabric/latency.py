"""One-way latency per path class, itemized from catalog terms and measured over the real paths of the link table.

Each link costs propagation (its ordered cable length x ns/m of its medium), FEC (one codeword per hop, by the
protocol and SerDes lane rate: catalog fec.yaml) and
optics DSP (one per module end on optical media). A path adds the NIC (tx and rx) and a switch traversal per hop.
Min and worst are taken over real paths: two NICs on one leaf; two leaves of a pod through one spine; two pods
through one core, each leg the slowest (or fastest) real chain of links that reaches that switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aifabric.catalog.models import Hardware
from aifabric.fabric.links import FabricLinks, pod_runs
from aifabric.spec.fabric import LatencyOverrides

PATH_HOPS = {
    # path class: link classes crossed, up then down
    "same_leaf": ("nic_leaf", "nic_leaf"),
    "same_pod": ("nic_leaf", "leaf_spine", "leaf_spine", "nic_leaf"),
    "cross_pod": ("nic_leaf", "leaf_spine", "spine_core", "spine_core", "leaf_spine", "nic_leaf"),
}
TERMS = ("nic", "switch", "fec", "optics", "propagation")


@dataclass(frozen=True)
class PathLatency:
    """One path class in one plane: min, typical (median links) and worst one-way latency, typical terms."""

    path_class: str
    plane: int
    min_ns: float
    typical_ns: float
    worst_ns: float
    terms_ns: dict[str, float]
    switch_hops: int

    def to_json(self) -> dict:
        """Return the `fabric latency --json` entry (contract keys first)."""
        return {"class": self.path_class, "plane": self.plane, "min_ns": self.min_ns, "typical_ns": self.typical_ns,
                "worst_ns": self.worst_ns, "terms_ns": self.terms_ns, "switch_hops": self.switch_hops}


@dataclass(frozen=True)
class LatencyModel:
    """Per-term latency inputs, from the catalog unless the spec overrides them; sources say which."""

    nic_ns: float
    switch_ns: float
    fec_ns: np.ndarray
    optics_ns: np.ndarray
    propagation_ns_per_m: np.ndarray
    sources: dict[str, str] = field(default_factory=dict)


def latency_model(links: FabricLinks, hardware: Hardware, overrides: LatencyOverrides | None = None) -> LatencyModel:
    """Return the latency inputs for a plan: catalog values, replaced by any spec overrides."""
    plan = links.plan
    o = overrides or LatencyOverrides()
    nic = hardware.nic(plan.nic_id)
    switch = hardware.switch(plan.switch_id)
    cables = [hardware.cables[m.cable] for m in links.media]
    per_m = np.array([
        (o.copper_ns_per_m if c.kind != "fiber" and o.copper_ns_per_m is not None else
         o.fiber_ns_per_m if c.kind == "fiber" and o.fiber_ns_per_m is not None else c.propagation_ns_per_m)
        for c in cables])
    # FEC by the link's protocol and SerDes lane rate (every link of a plan runs the switch's lanes): one codeword
    # per hop, so 50G lanes pay twice what 100G lanes do and 200G lanes half. A catalog without an entry for the
    # lane rate falls back to each medium's fec_ns.
    code = hardware.fec_for(switch.family, switch.lane_gbps)
    fec = np.array([o.fec_ns if o.fec_ns is not None else code.latency_ns if code is not None else m.fec_ns
                    for m in links.media])
    dsp = np.array([o.dsp_ns if o.dsp_ns is not None else m.dsp_ns for m in links.media])
    optics = np.array([2 * d if m.optical else d for d, m in zip(dsp, links.media, strict=True)])
    sources = {
        "nic": "spec latency.nic_ns" if o.nic_ns is not None else f"catalog nics/{nic.id}: {nic.source}",
        "switch": "spec latency.switch_ns" if o.switch_ns is not None else f"catalog switches/{switch.id}: "
                                                                             f"{switch.source}",
        "fec": "spec latency.fec_ns" if o.fec_ns is not None else (
            f"catalog fec/{code.id}: {code.code} at {code.lane_line_gbps:g} Gb/s per lane = "
            f"{code.latency_ns:.1f} ns per hop; {code.source}" if code is not None else
            f"catalog media fec_ns (no fec entry for {switch.family} at {switch.lane_gbps}G lanes)"),
        "optics": "spec latency.dsp_ns" if o.dsp_ns is not None else "catalog media dsp_ns per module end",
        "propagation": "cable length x catalog cables propagation_ns_per_m"
                       + (" (spec override)" if o.copper_ns_per_m or o.fiber_ns_per_m else ""),
    }
    return LatencyModel(o.nic_ns if o.nic_ns is not None else nic.latency_ns,
                        o.switch_ns if o.switch_ns is not None else switch.latency_ns,
                        fec, optics, per_m, {k: " ".join(v.split()) for k, v in sources.items()})


def _pair_ns(links: FabricLinks, model: LatencyModel) -> np.ndarray:
    """Return the link latency of every (medium, ordered length) pair, indexed as LinkSet.pair_index."""
    # Few (medium, length) pairs exist: price each once and gather, instead of arithmetic per link. Lengths go
    # through float32 as the cable_m column does, so a term equals cable_m x ns/m exactly.
    lengths = links.lengths_m.astype(np.float32).astype(np.float64)
    table = (lengths[None, :] * model.propagation_ns_per_m[:, None] + model.fec_ns[:, None]
             + model.optics_ns[:, None])
    return table.ravel()


def _typical_terms(links: FabricLinks, model: LatencyModel, link_class: str) -> dict[str, float]:
    """Return median propagation, FEC and optics of one link class, from its (medium, length) histogram."""
    hist = links.histogram(link_class)
    media_index, length_index = np.nonzero(hist)
    weights = hist[media_index, length_index]
    values = {
        "propagation": links.lengths_m[length_index] * model.propagation_ns_per_m[media_index],
        "fec": model.fec_ns[media_index],
        "optics": model.optics_ns[media_index],
    }
    result = {}
    for name, v in values.items():
        if not len(v):
            result[name] = 0.0  # a class with no links (one tier has no leaf-spine links); no path uses it
            continue
        order = np.argsort(v, kind="stable")
        cumulative = np.cumsum(weights[order])
        result[name] = float(v[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return result


def _top2(values: np.ndarray, axis: int, worst: bool) -> np.ndarray:
    """Return the sum of the two largest (worst) or two smallest values along an axis (-inf/inf if absent)."""
    if values.shape[axis] < 2:
        fill = -np.inf if worst else np.inf
        return np.full(np.delete(values.shape, axis), fill)
    better, other = (np.maximum, np.minimum) if worst else (np.minimum, np.maximum)
    # One pass keeping the best two per lane: a few whole-slice operations instead of a partition (and its copy)
    # along an inner axis.
    slices = np.moveaxis(values, axis, 0)
    first = better(slices[0], slices[1])
    second = other(slices[0], slices[1])
    for value in slices[2:]:
        second = better(second, other(first, value))
        first = better(first, value)
    return first + second


def _leaf_ports_sorted(links: FabricLinks, pair_ns: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Return (distinct NIC-link latencies, ascending; per leaf, the ranks of its NIC links in them, sorted):
    (SUs, leaves per SU, ports) for the whole SUs, then (1, leaves per SU, its ports) for a partial last SU. One
    sort serves the worst and the best chains (the two largest and the two smallest of each leaf are its last two
    and first two); few latencies exist, so their small integer ranks are sorted rather than the values."""
    plan = links.plan
    distinct, rank = np.unique(pair_ns, return_inverse=True)
    rank = rank.reshape(-1).astype(np.int16 if len(distinct) < 2**15 else np.int32)
    whole = plan.servers // plan.leaf_downlinks
    blocks = []
    runs = links.runs["nic_leaf"]
    if not runs.per_link:
        # One run per server, whose rails all land alike on the SU's rail leaves: every leaf of an SU sees the
        # same ports (a server's value once per rail it sends there), so one SU's sort serves all its leaves.
        ranks = np.repeat(rank[runs.pair_index(len(links.lengths_m))], runs.extra["servers"])
        for first, sus, servers in ((0, whole, plan.leaf_downlinks), (whole, 1, plan.servers % plan.leaf_downlinks)):
            if not sus or not servers:
                continue
            start = first * plan.leaf_downlinks
            block = ranks[start: start + sus * servers].reshape(sus, 1, servers)
            block = np.sort(np.repeat(block, plan.rails_per_leaf, axis=2), axis=2, kind="stable")
            blocks.append(np.broadcast_to(block, (sus, plan.leaves_per_su, servers * plan.rails_per_leaf)))
        return distinct, blocks
    # Runs of one link each, in link order (server-major, rail-minor).
    ranks = rank[runs.pair_index(len(links.lengths_m))]
    for first, sus, servers in ((0, whole, plan.leaf_downlinks), (whole, 1, plan.servers % plan.leaf_downlinks)):
        if not sus or not servers:
            continue
        start = first * plan.leaf_downlinks * plan.rails
        block = ranks[start: start + sus * servers * plan.rails]
        # With one rail per leaf the last axis is the SU's servers; with p rails per leaf, servers x p.
        block = block.reshape(sus, servers, plan.leaves_per_su, plan.rails_per_leaf).transpose(0, 2, 1, 3)
        block = block.reshape(sus, plan.leaves_per_su, servers * plan.rails_per_leaf)
        blocks.append(np.sort(block, axis=2, kind="stable"))  # a radix sort on small integers
    return distinct, blocks


def _chains(links: FabricLinks, model: LatencyModel, worst: bool, link_ns: dict[str, np.ndarray],
            leaf_ports: tuple[np.ndarray, list[np.ndarray]]) -> dict[str, float]:
    """Return the min or worst link-latency sum of each path class over real paths (leaf_ports: the NIC links of
    every leaf, sorted, from _leaf_ports_sorted)."""
    plan = links.plan
    pick = np.max if worst else np.min
    fill = -np.inf if worst else np.inf
    ns, blocks = leaf_ports
    results = {}
    if plan.leaf_down_ports > 1:
        # The two worst (best) NIC links of a leaf are its last (first) two; a leaf of one port has no such pair.
        pairs = [pick(ns[b[..., -1]] + ns[b[..., -2]] if worst else ns[b[..., 0]] + ns[b[..., 1]]) for b in blocks
                 if b.shape[2] > 1]
        results["same_leaf"] = float(pick(pairs)) if pairs else fill
    # Per leaf, index su * leaves per SU + leaf: its worst (best) NIC link.
    nic_leaf = np.concatenate([ns[b[..., -1] if worst else b[..., 0]].reshape(-1) for b in blocks])
    if plan.leaf_uplinks == 0:
        return results  # one tier: no path leaves a leaf

    ls = link_ns["leaf_spine"]
    leaf_to_spine_chain = []  # per pod: (spines,) best chain NIC -> leaf -> spine
    same_pod = []
    offset = 0
    leaf0 = 0
    ls_runs = links.runs.get("leaf_spine")
    per_link = ls_runs is None or ls_runs.per_link or ls_runs.extra.get("in_link_order", False)
    if per_link and ls_runs is not None and not ls_runs.per_link:
        ls = np.repeat(ls, ls_runs.count)  # runs that tile the link table in order: each link's value in order
    for start, end, shape in (pod_runs(plan) if per_link else ()):
        # Pods of one shape at once: (pods, leaves, spines, parallel links).
        pods = end - start
        count = pods * shape.leaves * plan.leaf_uplinks
        reach = shape.spines_per_group  # spines one leaf reaches (its rail group's, on rack-scale pods)
        block = ls[offset: offset + count].reshape(pods, shape.leaves, reach, shape.links_per_leaf_spine)
        leaf_chain = nic_leaf[leaf0: leaf0 + pods * shape.leaves].reshape(pods, shape.leaves, 1)
        # (pods, leaves, spines reached): the leaf's chain plus its worst (best) parallel link to the spine.
        parallel = block[..., 0] if shape.links_per_leaf_spine == 1 else pick(block, axis=3)
        chain = parallel + leaf_chain
        if shape.rail_groups > 1:
            # Leaves run SU-major, rail-minor: two leaves share a spine only within one rail.
            chain = chain.reshape(pods, shape.leaves // plan.rails, plan.rails, reach)
            same_pod.append(pick(_top2(chain, axis=1, worst=worst)))
            leaf_to_spine_chain.extend(pick(chain, axis=1).reshape(pods, shape.spines))
        else:
            same_pod.append(pick(_top2(chain, axis=1, worst=worst)))
            leaf_to_spine_chain.extend(pick(chain, axis=1))
        offset += count
        leaf0 += pods * shape.leaves
    if not per_link:
        # One run per (SU, spine), the same for every rail leaf of the SU (and its parallel links): a leaf's
        # chain is its SU's, and the best two leaves of a pod at a spine are one SU's twice when an SU has two.
        lps = plan.leaves_per_su
        su_chain = nic_leaf[::lps]
        su0 = 0
        for (start, end, shape), (n_seg, lengths) in zip(pod_runs(plan), links.runs["leaf_spine"].extra["segments"],
                                                          strict=True):
            # One run per (SU, segment of spines in one place): the same for each spine of the segment.
            pods, sus = end - start, shape.leaves // lps
            count = pods * sus * n_seg
            chain = ls[offset: offset + count].reshape(pods, sus, n_seg) + su_chain[su0: su0 + pods * sus
                                                                                  ].reshape(pods, sus, 1)
            top2 = 2 * pick(chain, axis=1) if lps > 1 else _top2(chain, axis=1, worst=worst)
            same_pod.append(pick(top2))
            leaf_to_spine_chain.extend(np.repeat(pick(chain, axis=1), lengths, axis=1))
            offset += count
            su0 += pods * sus
    results["same_pod"] = float(pick(np.array(same_pod)))
    if plan.tiers == 3:
        results["cross_pod"] = _cross_pod(links, worst, link_ns["spine_core"], leaf_to_spine_chain)
    return results


def _cross_pod(links: FabricLinks, worst: bool, sc: np.ndarray, leaf_to_spine_chain: list) -> float:
    """Return the worst (best) cross-pod link-latency sum from the spine-core runs: per (pod, core) the worst
    (best) chain up to a spine and over one of its core links. Runs of whole rows tile the region of whole cage
    blocks; the runs past it (every run, when they are runs of one link each) name their own pod and core."""
    plan = links.plan
    extra = links.runs["spine_core"].extra
    cores = plan.cores_per_plane
    fill = -np.inf if worst else np.inf
    pick = np.max if worst else np.min
    values = sc + np.concatenate(leaf_to_spine_chain)[extra["spine"]]
    n_runs, region, pod_slots = extra["n_runs"], extra["region"], extra["pod_slots"]
    # The runs tile the rows of core ports in slot order: their values laid out per slot, a row per C slots.
    grid = np.repeat(values[:n_runs], extra["length"]).reshape(-1, cores)
    per_pod_core = np.full((len(plan.pods), cores), fill)
    for pod in range(len(plan.pods)):
        # A pod's slots are a band of rows, its first and last shared with the pods around it.
        lo, hi = int(pod_slots[pod]), min(int(pod_slots[pod + 1]), region)
        if lo >= hi:
            continue
        first_row, end_row = lo // cores, -(-hi // cores)
        band = grid[first_row: end_row]
        if lo % cores or hi % cores:
            band = band.copy()
            flat = band.reshape(-1)
            flat[: lo - first_row * cores] = fill
            flat[hi - first_row * cores:] = fill
        per_pod_core[pod] = pick(band, axis=0)
    (np.maximum.at if worst else np.minimum.at)(per_pod_core, (extra["pod"][n_runs:], extra["tail_core"]),
                                                values[n_runs:])
    return float(pick(_top2(per_pod_core, axis=0, worst=worst)))


def path_latencies(links: FabricLinks, hardware: Hardware, overrides: LatencyOverrides | None = None,
                   ) -> list[PathLatency]:
    """Return min / typical / worst latency of every path class the plan has, for every plane."""
    plan = links.plan
    model = latency_model(links, hardware, overrides)
    typical_by_class = {name: _typical_terms(links, model, name) for name in links.sets}
    # NIC links enter the chains through their leaf's sorted ranks only, so they need no per-link latency column.
    pair_ns = _pair_ns(links, model)
    n_lengths = len(links.lengths_m)
    link_ns = {name: pair_ns[links.runs[name].pair_index(n_lengths)]
               for name in links.sets if name != "nic_leaf"}
    leaf_ports = _leaf_ports_sorted(links, pair_ns)
    worst = _chains(links, model, True, link_ns, leaf_ports)
    best = _chains(links, model, False, link_ns, leaf_ports)
    results = []
    for path_class, hops in PATH_HOPS.items():
        if path_class not in worst or not np.isfinite(worst[path_class]):
            continue
        switches = len(hops) - 1
        fixed = 2 * model.nic_ns + switches * model.switch_ns
        typical = {"nic": 2 * model.nic_ns, "switch": switches * model.switch_ns, "fec": 0.0, "optics": 0.0,
                   "propagation": 0.0}
        for hop in hops:
            for name in ("fec", "optics", "propagation"):
                typical[name] += typical_by_class[hop][name]
        typical = {k: round(v, 1) for k, v in typical.items()}
        for plane in range(plan.planes):
            results.append(PathLatency(path_class, plane, round(fixed + best[path_class], 1),
                                       round(sum(typical.values()), 1), round(fixed + worst[path_class], 1),
                                       typical, switches))
    return results


def latency_budget(latencies: list[PathLatency], budget_ns: float) -> dict:
    """Return the `latency_budget` block of `fabric plan --json`: the budget, whether every path class's worst
    one-way latency meets it, and the worst class and its worst latency (over all planes)."""
    worst = max(latencies, key=lambda p: (p.worst_ns, -list(PATH_HOPS).index(p.path_class)))
    return {"ns": budget_ns, "met": worst.worst_ns <= budget_ns, "worst_class": worst.path_class,
            "worst_ns": worst.worst_ns}
