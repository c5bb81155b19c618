"""One-way latency per path class, itemized, from catalog terms and the real lengths of the link table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aifabric.catalog.models import Hardware
from aifabric.fabric.links import FabricLinks

PATH_HOPS = {
    # path class: (link classes crossed, in order, up then down)
    "same_leaf": ("nic_leaf", "nic_leaf"),
    "same_pod": ("nic_leaf", "leaf_spine", "leaf_spine", "nic_leaf"),
    "cross_pod": ("nic_leaf", "leaf_spine", "spine_core", "spine_core", "leaf_spine", "nic_leaf"),
}


@dataclass(frozen=True)
class PathLatency:
    """One path class: min, typical (median links) and worst one-way latency, and the typical terms."""

    path_class: str
    min_ns: float
    typical_ns: float
    worst_ns: float
    terms_ns: dict[str, float]


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def class_terms(links: FabricLinks, hardware: Hardware, link_class: str) -> dict[str, tuple[float, float, float]]:
    """Return {term: (min, median, max)} in ns over the links of one class, from its (medium, length) histogram."""
    hist = links.histogram(link_class)
    media_index, length_index = np.nonzero(hist)
    weights = hist[media_index, length_index].astype(np.float64)
    lengths = links.lengths_m[length_index]
    per_m = np.array([hardware.cables[m.cable].propagation_ns_per_m for m in links.media])[media_index]
    fec = np.array([m.fec_ns for m in links.media])[media_index]
    optics = np.array([2 * m.dsp_ns if m.optical else m.dsp_ns for m in links.media])[media_index]
    terms = {"propagation": lengths * per_m, "fec": fec, "optics": optics}
    total = terms["propagation"] + fec + optics
    result = {name: (float(v.min()), _weighted_median(v, weights), float(v.max())) for name, v in terms.items()}
    result["total"] = (float(total.min()), _weighted_median(total, weights), float(total.max()))
    return result


def path_latencies(links: FabricLinks, hardware: Hardware) -> list[PathLatency]:
    """Return the latency of every path class the plan has (cross_pod only in three tiers)."""
    plan = links.plan
    nic_ns = hardware.nic(plan.nic_id).latency_ns
    switch_ns = hardware.switch(plan.switch_id).latency_ns
    terms = {name: class_terms(links, hardware, name) for name in links.sets}
    results = []
    for path_class, hops in PATH_HOPS.items():
        if any(h not in terms for h in hops):
            continue
        switches = len(hops) - 1
        fixed = 2 * nic_ns + switches * switch_ns
        typical = {"nic": 2 * nic_ns, "switch": switches * switch_ns, "propagation": 0.0, "fec": 0.0,
                   "optics": 0.0}
        low = high = fixed
        for hop in hops:
            for name in ("propagation", "fec", "optics"):
                typical[name] += terms[hop][name][1]
            low += terms[hop]["total"][0]
            high += terms[hop]["total"][2]
        typical = {k: round(v, 1) for k, v in typical.items()}
        results.append(PathLatency(path_class, round(low, 1), round(sum(typical.values()), 1), round(high, 1),
                                   typical))
    return results
