"""The switch-level graph of one plane as sparse arrays: every leaf-spine and spine-core pair with its link
count, the input of bisection, failure and ECMP analysis (vectorized; no per-link Python objects)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aifabric.fabric.links import FabricLinks


@dataclass(frozen=True)
class SwitchGraph:
    """Switch indices: leaves [0, L), spines [L, L+S), cores [L+S, L+S+C). Links are listed once per link."""

    leaves: int
    spines: int
    cores: int
    spine_pod: np.ndarray          # pod of each spine
    spine_base: np.ndarray         # first spine index of each pod (relative to spines)
    leaf_pod: np.ndarray           # pod of each leaf
    servers_on_leaf: np.ndarray    # NIC ports attached to each leaf (partial SUs have fewer)
    ls_leaf: np.ndarray            # per leaf-spine link: leaf index
    ls_spine: np.ndarray           # per leaf-spine link: spine index (0-based among spines)
    sc_spine: np.ndarray           # per spine-core link: spine index
    sc_core: np.ndarray            # per spine-core link: core index (0-based among cores)
    down_gbps: int
    up_gbps: int

    @property
    def nodes(self) -> int:
        """Return the number of switches in the plane."""
        return self.leaves + self.spines + self.cores


def switch_graph(links: FabricLinks) -> SwitchGraph:
    """Return the switch graph of one plane from the link table."""
    plan = links.plan
    spine_counts = [p.spines for p in plan.pods]
    spine_base = np.cumsum([0] + spine_counts)[:-1]
    spine_pod = np.repeat(np.arange(len(plan.pods)), spine_counts)
    leaf_index = np.arange(plan.leaves_per_plane)
    leaf_pod = leaf_index // plan.leaves_per_pod if plan.tiers == 3 else np.zeros_like(leaf_index)
    nic = links.sets["nic_leaf"]
    servers_on_leaf = np.bincount(nic.z, minlength=plan.leaves_per_plane)
    ls = links.sets["leaf_spine"]
    ls_spine = spine_base[ls.z_pod] + ls.z
    if "spine_core" in links.sets:
        sc = links.sets["spine_core"]
        sc_spine, sc_core = spine_base[sc.a_pod] + sc.a, sc.z.astype(np.int64)
    else:
        sc_spine = sc_core = np.zeros(0, dtype=np.int64)
    return SwitchGraph(plan.leaves_per_plane, int(sum(spine_counts)), plan.cores_per_plane, spine_pod, spine_base,
                       leaf_pod, servers_on_leaf, ls.a.astype(np.int64), ls_spine.astype(np.int64), sc_spine,
                       sc_core, plan.port_gbps, plan.uplink_gbps)
