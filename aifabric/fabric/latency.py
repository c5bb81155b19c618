"""One-way latency per path class, itemized, from catalog terms and the real lengths of the link table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aifabric.catalog.models import Hardware
from aifabric.fabric.links import FabricLinks, LinkSet

PATH_HOPS = {
    # path class: (link classes crossed, in order, up then down)
    "same_leaf": ("nic_leaf", "nic_leaf"),
    "same_pod": ("nic_leaf", "leaf_spine", "leaf_spine", "nic_leaf"),
    "cross_pod": ("nic_leaf", "leaf_spine", "spine_core", "spine_core", "leaf_spine", "nic_leaf"),
}


@dataclass(frozen=True)
class LinkTerms:
    """Per-link latency terms of one link class (ns), as arrays over its links."""

    propagation: np.ndarray
    fec: np.ndarray
    optics: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """Return the per-link sum of the terms."""
        return self.propagation + self.fec + self.optics


@dataclass(frozen=True)
class PathLatency:
    """One path class: min, typical (median links) and worst one-way latency, and the typical terms."""

    path_class: str
    min_ns: float
    typical_ns: float
    worst_ns: float
    terms_ns: dict[str, float]


def link_terms(link_set: LinkSet, links: FabricLinks, hardware: Hardware) -> LinkTerms:
    """Return propagation (cable length x ns/m), FEC and optics DSP (both module ends) per link."""
    n_media = len(links.media)
    prop_per_m = np.array([hardware.cables[m.cable].propagation_ns_per_m for m in links.media])[:n_media]
    fec = np.array([m.fec_ns for m in links.media])
    dsp = np.array([2 * m.dsp_ns if m.optical else m.dsp_ns for m in links.media])
    return LinkTerms(link_set.cable_m * prop_per_m[link_set.medium], fec[link_set.medium], dsp[link_set.medium])


def path_latencies(links: FabricLinks, hardware: Hardware) -> list[PathLatency]:
    """Return the latency of every path class the plan has (cross_pod only in three tiers)."""
    plan = links.plan
    nic_ns = hardware.nic(plan.nic_id).latency_ns
    switch_ns = hardware.switch(plan.switch_id).latency_ns
    terms = {name: link_terms(s, links, hardware) for name, s in links.sets.items()}
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
            t = terms[hop]
            typical["propagation"] += float(np.median(t.propagation))
            typical["fec"] += float(np.median(t.fec))
            typical["optics"] += float(np.median(t.optics))
            low += float(t.total.min())
            high += float(t.total.max())
        typical = {k: round(v, 1) for k, v in typical.items()}
        results.append(PathLatency(path_class, round(low, 1), round(sum(typical.values()), 1), round(high, 1),
                                   typical))
    return results
