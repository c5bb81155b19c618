"""Failure analysis: the blast radius of each single switch failure and a Monte Carlo of random switch and link
failures, vectorized over trials with numpy and scipy.sparse.

Capacity model, per plane: a spine passes the share of its uplinks that still reach a live core (three tiers);
a leaf's usable uplink bandwidth is the sum over its live uplinks of that share; each GPU on a live leaf with a
live NIC link gets min(1, usable uplink bandwidth / the leaf's NIC bandwidth) of its port's line rate for
traffic leaving the leaf. A GPU's bandwidth share is the mean over its planes. Surviving bisection is the
injection-limited cross-leaf capacity, sum over leaves of min(live NIC bandwidth, usable uplink bandwidth), over
the same sum with nothing failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from aifabric.errors import SpecError
from aifabric.fabric.links import FabricLinks
from aifabric.fabric.switchgraph import SwitchGraph, switch_graph

ELEMENTS = ("leaf", "spine", "core", "link")


@dataclass(frozen=True)
class FailureSpec:
    """How many switches of each tier fail per trial, and the probability each link (cable or optic) fails."""

    leaf: int = 0
    spine: int = 0
    core: int = 0
    link_probability: float = 0.0


def parse_fail(text: str) -> FailureSpec:
    """Return the FailureSpec of a --fail value like 'leaf=1,spine=2,link=0.1%', or raise SpecError."""
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, raw = part.partition("=")
        key = key.strip()
        if not sep or key not in ELEMENTS:
            raise SpecError("command line", "--fail", f"'{part}' is not element=count; elements: {', '.join(ELEMENTS)}"
                            " (e.g. leaf=1,spine=2,link=0.1%)")
        try:
            if key == "link":
                value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
                if not 0 <= value <= 1:
                    raise ValueError
            else:
                value = int(raw)
                if value < 0:
                    raise ValueError
        except ValueError:
            allowed = "a probability 0-1 or a percentage like 0.1%" if key == "link" else "a whole number >= 0"
            raise SpecError("command line", "--fail", f"{key}={raw}: must be {allowed}") from None
        values[key] = value
    return FailureSpec(int(values.get("leaf", 0)), int(values.get("spine", 0)), int(values.get("core", 0)),
                       float(values.get("link", 0.0)))


class FailureModel:
    """The fabric's capacity model for all planes, evaluated for a batch of failure states at once."""

    def __init__(self, links: FabricLinks):
        from scipy.sparse import csr_matrix

        plan = links.plan
        self.plan = plan
        self.graph: SwitchGraph = switch_graph(links)
        g = self.graph
        planes = plan.planes
        self.planes = planes
        self.n_nic = plan.servers * plan.rails
        self.n_ls = g.ls_leaf.shape[0]
        self.n_sc = g.sc_spine.shape[0]
        nic = links.sets["nic_leaf"]
        self.nic_leaf = nic.z.astype(np.int64)
        offsets = np.arange(planes)
        # Global ids across planes: plane p's element i is p * count + i.
        self.ls_leaf = (offsets[:, None] * g.leaves + g.ls_leaf[None, :]).ravel()
        self.ls_spine = (offsets[:, None] * g.spines + g.ls_spine[None, :]).ravel()
        self.sc_spine = (offsets[:, None] * g.spines + g.sc_spine[None, :]).ravel()
        self.sc_core = (offsets[:, None] * g.cores + g.sc_core[None, :]).ravel()
        self.nic_leaf_g = (offsets[:, None] * g.leaves + self.nic_leaf[None, :]).ravel()
        n_leaves, n_spines = planes * g.leaves, planes * g.spines
        self.ls_to_leaf = csr_matrix((np.ones(self.ls_leaf.size), (np.arange(self.ls_leaf.size), self.ls_leaf)),
                                     shape=(self.ls_leaf.size, n_leaves))
        self.sc_to_spine = csr_matrix((np.ones(self.sc_spine.size), (np.arange(self.sc_spine.size), self.sc_spine)),
                                      shape=(self.sc_spine.size, n_spines))
        self.nic_to_leaf = csr_matrix((np.ones(self.nic_leaf_g.size), (np.arange(self.nic_leaf_g.size),
                                                                         self.nic_leaf_g)),
                                      shape=(self.nic_leaf_g.size, n_leaves))
        self.spine_uplinks = np.maximum(np.asarray(self.sc_to_spine.sum(axis=0)).ravel(), 1)
        self.servers_on_leaf = np.tile(g.servers_on_leaf, planes).astype(np.float64)
        self.n_leaves, self.n_spines, self.n_cores = n_leaves, n_spines, planes * g.cores
        self.ratio = plan.uplink_gbps / plan.port_gbps
        healthy = self.evaluate(*self.healthy_state(1))
        self.baseline_leaf_share = healthy["leaf_share"][0]
        self.baseline_capacity = healthy["capacity"][0]

    def healthy_state(self, batch: int):
        """Return all-alive state arrays for a batch of trials."""
        return (np.ones((batch, self.n_leaves), bool), np.ones((batch, self.n_spines), bool),
                np.ones((batch, self.n_cores), bool), np.ones((batch, self.nic_leaf_g.size), bool),
                np.ones((batch, self.ls_leaf.size), bool), np.ones((batch, self.sc_spine.size), bool))

    def evaluate(self, leaf_ok, spine_ok, core_ok, nic_ok, ls_ok, sc_ok) -> dict[str, np.ndarray]:
        """Return per-trial leaf shares (batch x leaves, planes flattened) and injection-limited capacity."""
        if self.n_sc:
            sc_live = sc_ok & spine_ok[:, self.sc_spine] & core_ok[:, self.sc_core]
            spine_share = (self.sc_to_spine.T @ sc_live.T.astype(np.float64)).T / self.spine_uplinks
            spine_share *= spine_ok
        else:
            spine_share = spine_ok.astype(np.float64)
        ls_weight = ls_ok * spine_share[:, self.ls_spine]
        usable_up = (self.ls_to_leaf.T @ ls_weight.T).T * self.ratio  # in units of NIC ports
        if self.plan.tiers == 1:
            usable_up = np.broadcast_to(self.servers_on_leaf, leaf_ok.shape)  # one tier: traffic stays on its leaf
        nic_live = (self.nic_to_leaf.T @ nic_ok.T.astype(np.float64)).T * leaf_ok
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(self.servers_on_leaf > 0, np.minimum(1.0, usable_up / self.servers_on_leaf), 0.0)
        share = share * leaf_ok
        capacity = np.minimum(nic_live, usable_up * leaf_ok).sum(axis=1)
        return {"leaf_share": share, "capacity": capacity}

    def gpu_shares(self, leaf_share: np.ndarray, nic_ok: np.ndarray) -> np.ndarray:
        """Return each GPU's bandwidth share (mean over planes) for one trial: shape (GPUs,)."""
        per_plane = leaf_share[self.nic_leaf_g].reshape(self.planes, self.n_nic) * nic_ok.reshape(
            self.planes, self.n_nic)
        return per_plane.mean(axis=0)

    def worst_gpu_share(self, leaf_share: np.ndarray, nic_ok: np.ndarray) -> np.ndarray:
        """Return the worst GPU's share per trial for a batch, without materialising every GPU."""
        batch = leaf_share.shape[0]
        g = self.graph
        by_leaf = leaf_share.reshape(batch, self.planes, g.leaves).mean(axis=1)  # a GPU's leaf index repeats
        populated = g.servers_on_leaf > 0
        worst = by_leaf[:, populated].min(axis=1)
        dead_trials, dead_links = np.nonzero(~nic_ok)
        if dead_trials.size:
            plane = dead_links // self.n_nic
            nic = dead_links % self.n_nic
            leaf = self.nic_leaf[nic]
            # A GPU with several dead ports is rare; count each dead port against its plane separately.
            lost = leaf_share[dead_trials, plane * g.leaves + leaf] / self.planes
            candidate = by_leaf[dead_trials, leaf] - lost
            np.minimum.at(worst, dead_trials, candidate)
        return worst


@dataclass(frozen=True)
class SingleFailure:
    """The blast radius of one switch failure."""

    element: str
    plane: int
    pod: int
    gpus_cut_off: int
    gpus_degraded: int
    worst_gpu_share: float
    bisection_left: float

    def to_json(self) -> dict:
        """Return the JSON entry (contract keys first)."""
        return {"element": self.element, "plane": self.plane, "gpus_cut_off": self.gpus_cut_off,
                "gpus_degraded": self.gpus_degraded, "bisection_left": self.bisection_left, "pod": self.pod,
                "worst_gpu_bandwidth_share": self.worst_gpu_share}


def single_failures(model: FailureModel) -> list[SingleFailure]:
    """Return the blast radius of a failure of one leaf, one spine (per pod shape) and one core, in every plane."""
    g = model.graph
    plan = model.plan
    baseline = model.gpu_shares(model.baseline_leaf_share, np.ones(model.nic_leaf_g.size, bool))
    cases = []
    shapes_seen: set = set()
    spine_reps = []
    for pod, shape in enumerate(plan.pods):
        if shape not in shapes_seen and shape.spines:
            shapes_seen.add(shape)
            spine_reps.append((pod, int(g.spine_base[pod])))
    for plane in range(plan.planes):
        cases.append(("leaf", plane, 0, ("leaf", plane * g.leaves)))
        for pod, spine in spine_reps:
            cases.append(("spine", plane, pod, ("spine", plane * g.spines + spine)))
        if g.cores:
            cases.append(("core", plane, -1, ("core", plane * g.cores)))
    results = []
    for element, plane, pod, (kind, index) in cases:
        state = list(model.healthy_state(1))
        state[{"leaf": 0, "spine": 1, "core": 2}[kind]][0, index] = False
        out = model.evaluate(*state)
        shares = model.gpu_shares(out["leaf_share"][0], state[3][0])
        cut = int((shares <= 1e-12).sum())
        degraded = int(((shares < baseline - 1e-9) & (shares > 1e-12)).sum())
        results.append(SingleFailure(element, plane, pod, cut, degraded, round(float(shares.min()), 4),
                                     round(float(out["capacity"][0] / model.baseline_capacity), 4)))
    return results


def _percentiles(values: np.ndarray) -> dict[str, float]:
    return {"p50": round(float(np.percentile(values, 50)), 4), "p5": round(float(np.percentile(values, 5)), 4),
            "p1": round(float(np.percentile(values, 1)), 4), "min": round(float(values.min()), 4),
            "mean": round(float(values.mean()), 4)}


def monte_carlo(model: FailureModel, failures: FailureSpec, trials: int, seed: int = 0,
                progress: Callable[[int, int], None] | None = None) -> dict:
    """Return the distribution of surviving bisection and of the worst GPU's bandwidth share over random trials."""
    if model.n_spines == 0:
        # One tier has no spines: a spine failure (in the default --fail) has nothing to hit.
        failures = replace(failures, spine=0)
    for name, count, available in (("leaf", failures.leaf, model.n_leaves), ("spine", failures.spine, model.n_spines),
                                   ("core", failures.core, model.n_cores)):
        if count > available:
            raise SpecError("command line", "--fail", f"{name}={count}: the fabric has only {available} {name}s")
    rng = np.random.default_rng(seed)
    n_links = (model.nic_leaf_g.size, model.ls_leaf.size, model.sc_spine.size)
    per_trial_links = max(1, sum(n_links))
    batch = int(max(1, min(256, 4_000_000 // per_trial_links)))
    bisection, worst = [], []
    done = 0
    while done < trials:
        size = min(batch, trials - done)
        state = list(model.healthy_state(size))
        for arr_index, count, available in ((0, failures.leaf, model.n_leaves), (1, failures.spine, model.n_spines),
                                            (2, failures.core, model.n_cores)):
            if count:
                for trial in range(size):
                    state[arr_index][trial, rng.choice(available, size=count, replace=False)] = False
        if failures.link_probability > 0:
            for arr_index, available in zip((3, 4, 5), n_links, strict=True):
                if available:
                    state[arr_index] &= rng.random((size, available)) >= failures.link_probability
        out = model.evaluate(*state)
        bisection.append(out["capacity"] / model.baseline_capacity)
        worst.append(model.worst_gpu_share(out["leaf_share"], state[3]))
        done += size
        if progress:
            progress(done, trials)
    bisection_left = np.concatenate(bisection)
    worst_share = np.concatenate(worst)
    return {"trials": trials, "seed": seed,
            "failures": {"leaf": failures.leaf, "spine": failures.spine, "core": failures.core,
                         "link_probability": failures.link_probability},
            "bisection_left": _percentiles(bisection_left),
            "worst_gpu_bandwidth_share": _percentiles(worst_share),
            "gpus_cut_off_trials": int((worst_share <= 1e-12).sum())}
