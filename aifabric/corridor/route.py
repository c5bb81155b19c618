"""Routing on the corridor graph: shortest path by km, and 1+1 pairs that share no segment and no SRLG."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from aifabric.corridor.network import Network
from aifabric.errors import RoutingError

# Integer edge costs for the min-cost-flow solver: metres keep it exact to well below a rounding of km.
_COST_SCALE = 1000
# Upper bound on candidate working paths tried when the edge-disjoint optimum shares an SRLG.
MAX_CANDIDATES = 400


@dataclass(frozen=True)
class Route:
    """One path through the network: its sites in order, its segments in order, and its length in km."""

    sites: tuple[str, ...]
    segments: tuple[str, ...]
    km: float


def build_graph(network: Network) -> nx.Graph:
    """Return an undirected graph: one node per site, one edge per segment (attrs `km`, `segment`)."""
    graph = nx.Graph()
    graph.add_nodes_from(sorted(network.sites))
    for seg in network.segments.values():
        graph.add_edge(seg.a, seg.z, km=seg.length_km, segment=seg.id)
    return graph


def _route(graph: nx.Graph, sites: list[str]) -> Route:
    segments = tuple(graph.edges[u, v]["segment"] for u, v in zip(sites, sites[1:], strict=False))
    km = sum(graph.edges[u, v]["km"] for u, v in zip(sites, sites[1:], strict=False))
    return Route(tuple(sites), segments, km)


def shortest(graph: nx.Graph, a: str, z: str) -> Route:
    """Return the shortest route by km from a to z, or raise RoutingError."""
    try:
        sites = nx.dijkstra_path(graph, a, z, weight="km")
    except nx.NetworkXNoPath:
        raise RoutingError(
            f"no route from '{a}' to '{z}': the network has no fiber path between them"
        ) from None
    return _route(graph, sites)


def _srlgs(network: Network, route: Route) -> set[str]:
    return {s for seg in route.segments for s in network.segments[seg].srlg}


def _edge_disjoint_pair(graph: nx.Graph, a: str, z: str) -> tuple[Route, Route] | None:
    """Return the shortest pair of segment-disjoint routes (Suurballe's problem, as a min-cost flow)."""
    flow_graph = nx.DiGraph()
    for u, v, data in sorted(graph.edges(data=True)):
        cost = round(data["km"] * _COST_SCALE)
        flow_graph.add_edge(u, v, capacity=1, weight=cost)
        flow_graph.add_edge(v, u, capacity=1, weight=cost)
    flow_graph.nodes[a]["demand"] = -2
    flow_graph.nodes[z]["demand"] = 2
    try:
        flow = nx.min_cost_flow(flow_graph)
    except nx.NetworkXUnfeasible:
        return None
    used = {(u, v) for u in sorted(flow) for v in sorted(flow[u]) if flow[u][v] > 0}
    # Opposite flows on one edge would cost more than none, so the optimum never has them; drop any anyway.
    used = {(u, v) for u, v in used if (v, u) not in used}
    routes = []
    for _ in range(2):
        sites, node = [a], a
        while node != z:
            node = min(v for u, v in used if u == node)
            used.discard((sites[-1], node))
            sites.append(node)
        routes.append(_route(graph, sites))
    routes.sort(key=lambda r: (r.km, r.sites))
    return routes[0], routes[1]


def diverse_pair(network: Network, graph: nx.Graph, a: str, z: str, level: str = "srlg") -> tuple[Route, Route]:
    """Return (working, protect): the shortest pair of routes sharing no segment and no SRLG.

    First the segment-disjoint optimum (min-cost flow); if its routes share an SRLG, an exact search over
    working candidates in increasing km (Yen), each paired with the shortest route avoiding its segments and
    SRLGs, stopping once no longer candidate can beat the best pair.
    """
    pair = _edge_disjoint_pair(graph, a, z)
    if pair is None:
        raise RoutingError(_no_pair_reason(network, graph, a, z))
    if not (_srlgs(network, pair[0]) & _srlgs(network, pair[1])):
        return pair
    first_km = shortest(graph, a, z).km
    best: tuple[Route, Route] | None = None
    candidates = nx.shortest_simple_paths(graph, a, z, weight="km")
    for count, sites in enumerate(candidates):
        working = _route(graph, sites)
        if (best is not None and working.km + first_km >= best[0].km + best[1].km) or count >= MAX_CANDIDATES:
            break
        banned = _srlgs(network, working)
        keep = set(working.segments)
        view = nx.subgraph_view(
            graph,
            filter_edge=lambda u, v, keep=keep, banned=banned: (
                graph.edges[u, v]["segment"] not in keep
                and not (set(network.segments[graph.edges[u, v]["segment"]].srlg) & banned)
            ),
        )
        try:
            protect = _route(graph, nx.dijkstra_path(view, a, z, weight="km"))
        except nx.NetworkXNoPath:
            continue
        if best is None or working.km + protect.km < best[0].km + best[1].km:
            best = tuple(sorted((working, protect), key=lambda r: (r.km, r.sites)))
    if best is None:
        raise RoutingError(_no_pair_reason(network, graph, a, z))
    return best


def _no_pair_reason(network: Network, graph: nx.Graph, a: str, z: str) -> str:
    """Return a one-line reason naming the shared segment or SRLG that defeats diversity."""
    working = shortest(graph, a, z)
    bridges = {graph.edges[u, v]["segment"] for u, v in nx.bridges(graph)}
    cut = [seg for seg in working.segments if seg in bridges]
    head = f"no diverse (1+1) route from '{a}' to '{z}'"
    if cut:
        route = network.segments[cut[0]].route or "no route tag"
        return f"{head}: every path crosses segment '{cut[0]}' ({route})"
    keep = set(working.segments)
    view = nx.subgraph_view(graph, filter_edge=lambda u, v: graph.edges[u, v]["segment"] not in keep)
    try:
        other = _route(graph, nx.dijkstra_path(view, a, z, weight="km"))
    except nx.NetworkXNoPath:
        return (
            f"{head}: no second path avoids the segments of the shortest one ({', '.join(working.segments)})"
        )
    shared = sorted(_srlgs(network, working) & _srlgs(network, other))
    segs = sorted(seg for seg in other.segments if set(network.segments[seg].srlg) & set(shared))
    return (
        f"{head}: every alternative shares SRLG '{shared[0]}' with the shortest path "
        f"(e.g. segment '{segs[0]}'); add a segment on another right-of-way or drop protection"
    )
