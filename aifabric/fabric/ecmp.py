"""The ECMP collision model: place a collective's flows on the built fabric, route them by static hashing or by
adaptive spraying, and share bandwidth max-min fairly.

Static hashing picks one link uniformly at every equal-cost choice (leaf uplink, spine uplink, core link into the
destination pod, spine downlink among parallel links): flows collide, as n flows on n links occupy only
1 - (1 - 1/n)^n of them. Adaptive routing (packet spraying, Spectrum-X style) spreads each flow evenly over every
equal-cost link, modelled as bundles whose capacity is the sum of their links. Rates are max-min fair
(progressive filling); the aggregate is the sum of rates over line rate, the collective's pace its slowest flow.
One plane is modelled: planes are identical and carry identical traffic.

Rack-scale fabrics rail-optimized to the top (NVIDIA DGX SuperPOD GB200 RA, sec. 4.2) are routed on their own
links: a rail-r leaf reaches only rail group r's spines; spine j of a rail group reaches only core group j, and
core group j reaches spine j of every rail group of every pod. A flow between leaves of one pod and one rail turns
at a spine; any other (another pod, or another rail of the same pod) climbs to a core of the group its spine picked
and comes down spine j of the destination's rail group. The hops are looked up in the link table itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from aifabric.errors import DesignError, SpecError
from aifabric.fabric.links import FabricLinks

TRAFFIC = ("allreduce-ring", "all-to-all", "random-permutation")
ROUTING = ("static-hash", "adaptive")


def max_min_rates(hops: np.ndarray, capacity: np.ndarray, tolerance: float = 5e-3) -> np.ndarray:
    """Return max-min fair rates of flows whose paths are rows of link ids (-1 = no hop), by progressive filling.

    Every active flow's rate rises together; a link saturates when its remaining capacity runs out, freezing its
    flows. Links that saturate within `tolerance` of the current level (relative) saturate in the same round,
    so rates are exact to that tolerance while near-equal bottlenecks cost one round, not thousands.
    """
    flows, width = hops.shape
    pad = capacity.shape[0]
    paths = np.where(hops < 0, pad, hops)
    flat = paths.ravel()
    valid = flat != pad
    links_of_hops = flat[valid]
    flows_of_hops = np.repeat(np.arange(flows), width)[valid]
    order = np.argsort(links_of_hops, kind="stable")
    flows_by_link = flows_of_hops[order]
    starts = np.searchsorted(links_of_hops[order], np.arange(pad + 1))
    load = np.bincount(links_of_hops, minlength=pad + 1).astype(np.float64)
    load[pad] = 0
    remaining = np.append(capacity.astype(np.float64), np.inf)
    rates = np.zeros(flows)
    active = np.ones(flows, bool)
    live = np.flatnonzero(load[:pad] > 0)
    level = 0.0
    while live.size:
        headroom = remaining[live] / load[live]
        step = float(headroom.min())
        level += step
        remaining[live] -= step * load[live]
        saturated = live[headroom <= step + tolerance * level]
        counts = starts[saturated + 1] - starts[saturated]
        first = np.repeat(starts[saturated] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        candidates = flows_by_link[first + np.arange(counts.sum())]
        frozen = np.unique(candidates[active[candidates]])
        rates[frozen] = level
        active[frozen] = False
        np.subtract.at(load, paths[frozen].ravel(), 1.0)
        load[pad] = 0
        live = live[load[live] > 0.5]
    return rates


def single_stage_share(n_links: int, trials: int, seed: int = 0) -> np.ndarray:
    """Return, per trial, the aggregate throughput share of n equal flows hashed onto n equal links (each flow
    also crossing its own ingress link), computed with the same max-min machinery as the fabric model."""
    rng = np.random.default_rng(seed)
    shares = np.empty(trials)
    ingress = np.arange(n_links)
    for trial in range(trials):
        hops = np.stack([ingress, n_links + rng.integers(0, n_links, n_links)], axis=1)
        shares[trial] = max_min_rates(hops, np.ones(2 * n_links)).sum() / n_links
    return shares


@dataclass(frozen=True)
class EcmpResult:
    """Per-trial aggregate and pace shares, and the closed form for the leaf's first hashing stage."""

    traffic: str
    routing: str
    trials: int
    seed: int
    flows_per_nic: int
    flows: int
    aggregate: np.ndarray
    pace: np.ndarray
    closed_form_first_stage: float

    def to_json(self) -> dict:
        """Return the `fabric ecmp --json` document."""
        def stats(values: np.ndarray) -> dict:
            return {"mean": round(float(values.mean()), 4), "p5": round(float(np.percentile(values, 5)), 4),
                    "p50": round(float(np.percentile(values, 50)), 4), "min": round(float(values.min()), 4)}

        return {"traffic": self.traffic, "routing": self.routing, "trials": self.trials, "seed": self.seed,
                "flows_per_nic": self.flows_per_nic, "flows": self.flows,
                "aggregate_share": stats(self.aggregate), "collective_pace_share": stats(self.pace),
                "closed_form_first_stage_share": round(self.closed_form_first_stage, 4)}


class EcmpModel:
    """Directed links of one plane and the equal-cost choices between any two NIC ports."""

    def __init__(self, links: FabricLinks):
        plan = links.plan
        self.plan = plan
        self.n_nic = plan.servers * plan.rails
        self.n_ls = len(links.sets["leaf_spine"])
        self.n_sc = len(links.sets["spine_core"]) if "spine_core" in links.sets else 0
        n, ls, sc = self.n_nic, self.n_ls, self.n_sc
        # Directed link ids: NIC up, NIC down, leaf->spine, spine->leaf, spine->core, core->spine.
        self.base = {"nic_up": 0, "nic_down": n, "ls_up": 2 * n, "ls_down": 2 * n + ls, "sc_up": 2 * n + 2 * ls,
                     "sc_down": 2 * n + 2 * ls + sc}
        self.capacity = np.concatenate([np.full(2 * n, plan.port_gbps, float), np.full(2 * ls + 2 * sc,
                                                                                      plan.uplink_gbps, float)])
        self.per_pair = np.array([p.links_per_leaf_spine for p in plan.pods])
        self.spine_uplinks = np.array([p.spine_uplinks for p in plan.pods])
        counts = np.array([p.spines * p.spine_uplinks for p in plan.pods])
        self.pod_slot_base = np.concatenate([[0], np.cumsum(counts)])
        if plan.rail_pods:
            self._index_rail_pods(links)

    def _index_rail_pods(self, links: FabricLinks) -> None:
        """Index the spine-core links by (spine, uplink) so that a rail-grouped path is read from the link table."""
        plan = self.plan
        sc = links.sets["spine_core"]
        self.spr = plan.pods[0].spines_per_group
        self.spine_base = np.concatenate([[0], np.cumsum([p.spines for p in plan.pods])])
        self.max_spine_up = int(self.spine_uplinks.max())
        spine_key = self.spine_base[sc.a_pod] + sc.a
        self.sc_of = np.full(int(self.spine_base[-1]) * self.max_spine_up, -1, dtype=np.int64)
        self.sc_of[spine_key * self.max_spine_up + sc.a_port] = np.arange(len(sc))
        self.sc_core = sc.z.astype(np.int64)

    def leaf_of(self, nic: np.ndarray) -> np.ndarray:
        """Return the leaf of each NIC port (index server * rails + rail)."""
        server, rail = np.divmod(nic, self.plan.rails)
        return (server // self.plan.leaf_downlinks) * self.plan.leaves_per_su + rail // self.plan.rails_per_leaf

    def pod_of(self, leaf: np.ndarray) -> np.ndarray:
        """Return the pod of each leaf."""
        return leaf // self.plan.leaves_per_pod if self.plan.tiers == 3 else np.zeros_like(leaf)

    def group_of(self, leaf: np.ndarray) -> np.ndarray:
        """Return the spine group a leaf climbs into: its pod, or (pod, rail) on fabrics rail-optimized to the top."""
        pod = self.pod_of(leaf)
        if not self.plan.rail_pods:
            return pod
        return pod * self.plan.leaves_per_su + leaf % self.plan.leaves_per_su

    def _first_hops(self, src: np.ndarray, dst: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """Return (hops with the NIC links and the hashed leaf uplink set, leaf and pod of each end, remote flows,
        the uplink each flow hashed to): the part every static path shares."""
        u, b = self.plan.leaf_uplinks, self.base
        flows = src.shape[0]
        hops = np.full((flows, 6), -1, dtype=np.int64)
        hops[:, 0] = b["nic_up"] + src
        hops[:, 5] = b["nic_down"] + dst
        leaf_a, leaf_b = self.leaf_of(src), self.leaf_of(dst)
        remote = leaf_a != leaf_b
        uplink = rng.integers(0, u, flows)
        hops[remote, 1] = b["ls_up"] + (leaf_a * u + uplink)[remote]
        return hops, leaf_a, leaf_b, self.pod_of(leaf_a), self.pod_of(leaf_b), remote, uplink

    def static_paths(self, src: np.ndarray, dst: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Return (flows x 6) directed link ids, hashing uniformly at every equal-cost choice."""
        if self.plan.rail_pods:
            return self._static_rail_paths(src, dst, rng)
        plan = self.plan
        u = plan.leaf_uplinks
        b = self.base
        flows = src.shape[0]
        hops, leaf_a, leaf_b, pod_a, pod_b, remote, uplink = self._first_hops(src, dst, rng)
        m_a = self.per_pair[pod_a]
        spine_a = uplink // m_a
        same_pod = remote & (pod_a == pod_b)
        down_choice = rng.integers(0, np.iinfo(np.int64).max, flows)
        j = down_choice % m_a
        hops[same_pod, 4] = b["ls_down"] + (leaf_b * u + spine_a * m_a + j)[same_pod]
        cross = remote & (pod_a != pod_b)
        if cross.any():
            cores = plan.cores_per_plane
            u_s = self.spine_uplinks[pod_a]
            spine_in_pod = spine_a
            t = rng.integers(0, np.iinfo(np.int64).max, flows) % u_s
            slot = self.pod_slot_base[pod_a] + spine_in_pod * u_s + t
            core = slot % cores
            start_b, end_b = self.pod_slot_base[pod_b], self.pod_slot_base[pod_b + 1]
            first = start_b + (core - start_b) % cores
            choices = np.maximum((end_b - 1 - first) // cores + 1, 1)
            k = rng.integers(0, np.iinfo(np.int64).max, flows) % choices
            slot_b = first + k * cores
            spine_b = (slot_b - start_b) // self.spine_uplinks[pod_b]
            m_b = self.per_pair[pod_b]
            j_b = down_choice % m_b
            hops[cross, 2] = b["sc_up"] + slot[cross]
            hops[cross, 3] = b["sc_down"] + slot_b[cross]
            hops[cross, 4] = b["ls_down"] + (leaf_b * u + spine_b * m_b + j_b)[cross]
        return hops

    def _static_rail_paths(self, src: np.ndarray, dst: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Return (flows x 6) directed link ids on a fabric rail-optimized to the top, hashing uniformly among the
        leaf's uplinks, the spine's uplinks (turning flows only), the parallel core-spine links and spine-leaf
        links."""
        plan = self.plan
        u, b, spr = plan.leaf_uplinks, self.base, self.spr
        big = np.iinfo(np.int64).max
        flows = src.shape[0]
        hops, leaf_a, leaf_b, pod_a, pod_b, remote, uplink = self._first_hops(src, dst, rng)
        rail_b = leaf_b % plan.leaves_per_su
        m_a, m_b = self.per_pair[pod_a], self.per_pair[pod_b]
        j = uplink // m_a  # the spine's place in its rail group: it picks core group j and spine j downstream
        down = leaf_b * u + j * m_b + rng.integers(0, big, flows) % m_b
        hops[remote, 4] = b["ls_down"] + down[remote]
        turn = remote & (self.group_of(leaf_a) != self.group_of(leaf_b))
        if turn.any():
            spine_a = (leaf_a % plan.leaves_per_su) * spr + j
            u_s = self.spine_uplinks[pod_a]
            t = rng.integers(0, big, flows) % u_s
            up = self.sc_of[(self.spine_base[pod_a] + spine_a) * self.max_spine_up + t]
            core = self.sc_core[up]
            # The core reaches spine j of the destination's rail group over the uplinks t' = core (mod group size)
            # of that spine: core_links_per_pair parallel links, one picked.
            per_group = plan.cores_per_group
            spine_b = rail_b * spr + j
            k = rng.integers(0, big, flows) % plan.core_links_per_pair
            t_b = core % per_group + k * per_group
            back = self.sc_of[(self.spine_base[pod_b] + spine_b) * self.max_spine_up + t_b]
            hops[turn, 2] = b["sc_up"] + up[turn]
            hops[turn, 3] = b["sc_down"] + back[turn]
        return hops

    def sprayed_paths(self, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (flows x 6 bundle ids, bundle capacities): each flow spread evenly over every equal-cost link,
        so a leaf's uplinks, a spine group's uplinks (a pod's, or a pod's rail group's on fabrics rail-optimized to
        the top) and the core links into a spine group each act as one bundle."""
        plan = self.plan
        n = self.n_nic
        leaves = plan.leaves_per_plane
        u = plan.leaf_uplinks
        flows = src.shape[0]
        leaf_a, leaf_b = self.leaf_of(src), self.leaf_of(dst)
        pod_a, pod_b = self.group_of(leaf_a), self.group_of(leaf_b)
        pod_links = np.diff(self.pod_slot_base)
        if plan.rail_pods:
            # A rail group holds 1/R of its pod's spines and spine uplinks.
            pod_links = np.repeat(pod_links // plan.leaves_per_su, plan.leaves_per_su)
        pods = len(pod_links)
        base_up, base_down = 2 * n, 2 * n + leaves
        base_pod_up, base_pod_down = 2 * n + 2 * leaves, 2 * n + 2 * leaves + pods
        capacity = np.concatenate([
            np.full(2 * n, plan.port_gbps, float),
            np.full(2 * leaves, u * plan.uplink_gbps, float),
            np.tile(pod_links * plan.uplink_gbps, 2).astype(float) if plan.tiers == 3 else np.zeros(2 * pods),
        ])
        hops = np.full((flows, 6), -1, dtype=np.int64)
        hops[:, 0] = src
        hops[:, 5] = n + dst
        remote = leaf_a != leaf_b
        hops[remote, 1] = base_up + leaf_a[remote]
        hops[remote, 4] = base_down + leaf_b[remote]
        cross = remote & (pod_a != pod_b)
        hops[cross, 2] = base_pod_up + pod_a[cross]
        hops[cross, 3] = base_pod_down + pod_b[cross]
        return hops, capacity


def traffic_pairs(model: EcmpModel, traffic: str, flows_per_nic: int, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Return (source NIC, destination NIC) of every flow of a collective.

    allreduce-ring: each NIC sends to the same rail and slot of the next SU (the data-parallel ring across SUs,
    every hop crossing the fabric); all-to-all: random steps of a rail-aligned all-to-all (PXN style), each a
    shifted permutation of the servers; random-permutation: random permutations of all NIC ports.
    """
    plan = model.plan
    n = model.n_nic
    nic = np.arange(n)
    if traffic == "allreduce-ring":
        step = plan.leaf_downlinks * plan.rails if plan.sus > 1 else plan.rails
        dst = (nic + step) % n
        src = np.repeat(nic, flows_per_nic)
        return src, np.repeat(dst, flows_per_nic)
    if traffic == "all-to-all":
        # An all-to-all runs as a sequence of shifted permutations within each rail; each flow is one step, so
        # every NIC sends and receives flows_per_nic flows (no endpoint hot spots, only fabric collisions).
        servers, rails = np.divmod(nic, plan.rails)
        shifts = rng.choice(np.arange(1, max(plan.servers, 2)), size=flows_per_nic,
                            replace=flows_per_nic >= plan.servers)
        src = np.tile(nic, flows_per_nic)
        dst_server = (np.tile(servers, flows_per_nic) + np.repeat(shifts, n)) % plan.servers
        return src, dst_server * plan.rails + np.tile(rails, flows_per_nic)
    src, dst = [], []
    for _ in range(flows_per_nic):
        src.append(nic)
        dst.append(rng.permutation(n))
    return np.concatenate(src), np.concatenate(dst)


def simulate(links: FabricLinks, traffic: str = "random-permutation", routing: str = "static-hash",
             flows_per_nic: int = 1, trials: int = 10, seed: int = 0,
             progress: Callable[[int, int], None] | None = None) -> EcmpResult:
    """Return the aggregate throughput and collective pace of a traffic pattern, as shares of line rate."""
    if traffic not in TRAFFIC:
        raise SpecError("command line", "--traffic", f"'{traffic}' is not one of {', '.join(TRAFFIC)}")
    if routing not in ROUTING:
        raise SpecError("command line", "--routing", f"'{routing}' is not one of {', '.join(ROUTING)}")
    if flows_per_nic < 1 or flows_per_nic > 64:
        raise SpecError("command line", "--flows-per-nic", f"must be 1-64, got {flows_per_nic}")
    if trials < 1:
        raise SpecError("command line", "--trials", f"must be >= 1, got {trials}")
    plan = links.plan
    if plan.leaf_uplinks == 0:
        raise DesignError("a one-tier fabric has no uplinks to hash over: every flow crosses only its leaf, so the "
                          "ECMP model does not apply (use tiers: 2 to study hashing)", field="tiers")
    model = EcmpModel(links)
    rng = np.random.default_rng(seed)
    aggregate, pace = np.empty(trials), np.empty(trials)
    flows = 0
    for trial in range(trials):
        src, dst = traffic_pairs(model, traffic, flows_per_nic, rng)
        if routing == "static-hash":
            hops, capacity = model.static_paths(src, dst, rng), model.capacity
        else:
            hops, capacity = model.sprayed_paths(src, dst)
        rates = max_min_rates(hops, capacity)
        flows = src.shape[0]
        aggregate[trial] = rates.sum() / (model.n_nic * plan.port_gbps)
        pace[trial] = rates.min() * flows_per_nic / plan.port_gbps
        if progress:
            progress(trial + 1, trials)
    u = plan.leaf_uplinks
    closed = 1 - (1 - 1 / u) ** u
    return EcmpResult(traffic, routing, trials, seed, flows_per_nic, flows, aggregate, pace, closed)
