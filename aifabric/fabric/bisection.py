"""Bisection bandwidth computed on the built switch graph (max-flow between two halves of the GPUs), beside the
solver's closed form, per plane and per tier."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aifabric.fabric.links import FabricLinks
from aifabric.fabric.switchgraph import SwitchGraph, switch_graph


@dataclass(frozen=True)
class Bisection:
    """Bisection of one plane: the max flow between the two halves and the capacity of each tier."""

    plane: int
    graph_tbps: float
    closed_form_tbps: float
    nic_tbps: float
    leaf_uplink_tbps: float
    spine_uplink_tbps: float

    def to_json(self) -> dict:
        """Return the JSON entry."""
        return {"plane": self.plane, "graph_tbps": self.graph_tbps, "closed_form_tbps": self.closed_form_tbps,
                "tiers_tbps": {"nic_leaf": self.nic_tbps, "leaf_spine": self.leaf_uplink_tbps,
                               "spine_core": self.spine_uplink_tbps}}


def max_flow_gbps(graph: SwitchGraph, nic_a_gbps: np.ndarray, nic_b_gbps: np.ndarray,
                  ls_alive: np.ndarray | None = None, sc_alive: np.ndarray | None = None) -> float:
    """Return the max flow (Gb/s) from the NICs of half A to the NICs of half B, given per leaf the NIC Gb/s of
    each half on it (a leaf may hold both: a small fabric's one SU is split within its leaves)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import maximum_flow

    source, sink = graph.nodes, graph.nodes + 1
    leaves = np.arange(graph.leaves)
    ls_w = np.full(graph.ls_leaf.shape, graph.up_gbps, dtype=np.int64)
    if ls_alive is not None:
        ls_w = ls_w * ls_alive
    sc_w = np.full(graph.sc_spine.shape, graph.up_gbps, dtype=np.int64)
    if sc_alive is not None:
        sc_w = sc_w * sc_alive
    spine_node = graph.leaves + graph.ls_spine
    rows = [np.full(graph.leaves, source), leaves, graph.ls_leaf, spine_node]
    cols = [leaves, np.full(graph.leaves, sink), spine_node, graph.ls_leaf]
    caps = [nic_a_gbps, nic_b_gbps, ls_w, ls_w]
    if graph.cores:
        sc_from = graph.leaves + graph.sc_spine
        sc_to = graph.leaves + graph.spines + graph.sc_core
        rows += [sc_from, sc_to]
        cols += [sc_to, sc_from]
        caps += [sc_w, sc_w]
    size = graph.nodes + 2
    # Duplicate (row, col) entries are summed: parallel links become one edge of their total capacity.
    matrix = coo_matrix((np.concatenate(caps).astype(np.int64), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(size, size)).tocsr()
    matrix.sum_duplicates()
    return float(maximum_flow(matrix.astype(np.int32) if matrix.max() < 2**31 else matrix, source, sink).flow_value)


def halves(links: FabricLinks) -> tuple[np.ndarray, np.ndarray]:
    """Return per leaf the NIC Gb/s of half A (the first half of the servers, which is the first half of the SUs
    when they are full: the natural bisection of a Clos) and of half B (the rest)."""
    plan = links.plan
    nic = links.sets["nic_leaf"]
    # One server: its rails are split instead, within each leaf (GPUs 0-3 against 4-7 of an 8-GPU server on one
    # switch; 0-1 and 4-5 against 2-3 and 6-7 when a pair of leaves takes four rails each, as the converged pair
    # a small compute fabric is merged into: its halves never meet across the leaves).
    per_leaf = plan.rails_per_leaf
    in_a = nic.a < (plan.servers + 1) // 2 if plan.servers > 1 else (
        nic.a_port % per_leaf < per_leaf // 2 if per_leaf > 1 else nic.a_port < plan.rails // 2)
    a = np.bincount(nic.z[in_a], minlength=plan.leaves_per_plane) * plan.port_gbps
    b = np.bincount(nic.z[~in_a], minlength=plan.leaves_per_plane) * plan.port_gbps
    return a.astype(np.int64), b.astype(np.int64)


def bisections(links: FabricLinks) -> list[Bisection]:
    """Return the bisection of every plane, computed by max flow on the switch graph and in closed form."""
    plan = links.plan
    graph = switch_graph(links)
    flow_gbps = max_flow_gbps(graph, *halves(links))
    nic_gbps = plan.servers * plan.rails * plan.port_gbps
    leaf_up = plan.leaves_per_plane * plan.leaf_uplinks * plan.uplink_gbps
    spine_up = plan.spine_core_links_per_plane * plan.uplink_gbps
    closed = plan.bisection_tbps() / plan.planes
    return [Bisection(p, round(flow_gbps / 1000, 3), round(closed, 3), nic_gbps / 1000, leaf_up / 1000,
                      spine_up / 1000) for p in range(plan.planes)]
