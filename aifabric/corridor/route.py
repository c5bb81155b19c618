"""Routing on the corridor graph: shortest path by km, and 1+1 pairs as diverse as the spec asks.

The network is a multigraph (two sites may be joined by parallel segments on different rights-of-way). Routing
works on its subdivision: every segment becomes a node between its two sites, so a path is a sequence of sites
and segments, parallel segments are distinct choices, and "no shared segment" and "no shared site" are both
node-disjointness, which a min-cost flow with node capacities solves exactly (Suurballe's problem).

Diversity levels: `srlg` = no shared segment and no shared SRLG; `node` = also no shared intermediate site;
`building` = also no intermediate sites in one building (a site's `building` property).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from aifabric.corridor.network import Network
from aifabric.errors import RoutingError

# Integer edge costs for the min-cost-flow solver: metres keep it exact to well below a rounding of km.
_COST_SCALE = 1000
# Upper bound on candidate working paths tried when the flow optimum shares an SRLG or a building.
MAX_CANDIDATES = 400
LEVELS = ("srlg", "node", "building")


@dataclass(frozen=True)
class Route:
    """One path through the network: its sites in order, its segments in order, and its length in km."""

    sites: tuple[str, ...]
    segments: tuple[str, ...]
    km: float


def _seg_node(seg_id: str) -> str:
    # Site ids are kebab-case, so a segment node can never collide with a site.
    return f"segment:{seg_id}"


def build_graph(network: Network) -> nx.Graph:
    """Return the subdivided graph: site nodes and one node per segment between its two sites (edge attr `km`,
    half the segment each side), so parallel segments between two sites stay distinct."""
    graph = nx.Graph()
    graph.add_nodes_from(sorted(network.sites), kind="site")
    for seg in sorted(network.segments.values(), key=lambda s: s.id):
        node = _seg_node(seg.id)
        graph.add_node(node, kind="segment", segment=seg.id)
        graph.add_edge(seg.a, node, km=seg.length_km / 2)
        graph.add_edge(node, seg.z, km=seg.length_km / 2)
    return graph


def shortest(graph: nx.Graph, a: str, z: str) -> Route:
    """Return the shortest route by km from a to z, or raise RoutingError."""
    try:
        nodes = nx.dijkstra_path(graph, a, z, weight="km")
    except nx.NetworkXNoPath:
        raise RoutingError(
            f"no route from '{a}' to '{z}': the network has no fiber path between them"
        ) from None
    return _route_from_graph(graph, nodes)


def _route_from_graph(graph: nx.Graph, nodes: list[str]) -> Route:
    sites = tuple(n for n in nodes if graph.nodes[n]["kind"] == "site")
    segments = tuple(graph.nodes[n]["segment"] for n in nodes if graph.nodes[n]["kind"] == "segment")
    km = sum(graph.edges[u, v]["km"] for u, v in zip(nodes, nodes[1:], strict=False))
    return Route(sites, segments, km)


def _srlgs(network: Network, route: Route) -> set[str]:
    return {s for seg in route.segments for s in network.segments[seg].srlg}


def _buildings(network: Network, route: Route) -> set[str]:
    return {network.sites[s].building for s in route.sites[1:-1]}


def conflicts(network: Network, working: Route, protect: Route, level: str) -> list[str]:
    """Return what two routes share that the diversity level forbids (empty when they are diverse enough)."""
    shared = [f"segment '{s}'" for s in sorted(set(working.segments) & set(protect.segments))]
    shared += [f"SRLG '{s}'" for s in sorted(_srlgs(network, working) & _srlgs(network, protect))]
    if level in ("node", "building"):
        shared += [f"site '{s}'" for s in sorted(set(working.sites[1:-1]) & set(protect.sites[1:-1]))]
    if level == "building":
        ends = {network.sites[working.sites[0]].building, network.sites[working.sites[-1]].building}
        both = (_buildings(network, working) & _buildings(network, protect)) - ends
        shared += [f"building '{b}'" for b in sorted(both)]
    return shared


def _disjoint_pair(graph: nx.Graph, a: str, z: str, level: str) -> tuple[Route, Route] | None:
    """Return the shortest pair of routes sharing no segment (and, unless level is srlg, no intermediate site):
    a min-cost flow of 2 units with every segment, and every intermediate site, of capacity 1."""
    flow_graph = nx.DiGraph()
    for node, kind in sorted(graph.nodes(data="kind")):
        capacity = 2 if node in (a, z) or (kind == "site" and level == "srlg") else 1
        flow_graph.add_edge((node, "in"), (node, "out"), capacity=capacity, weight=0)
    for u, v, km in sorted(graph.edges(data="km")):
        cost = round(km * _COST_SCALE)
        flow_graph.add_edge((u, "out"), (v, "in"), capacity=1, weight=cost)
        flow_graph.add_edge((v, "out"), (u, "in"), capacity=1, weight=cost)
    flow_graph.nodes[(a, "out")]["demand"] = -2
    flow_graph.nodes[(z, "in")]["demand"] = 2
    try:
        flow = nx.min_cost_flow(flow_graph)
    except nx.NetworkXUnfeasible:
        return None
    used = {
        (u[0], v[0])
        for u in sorted(flow)
        for v in sorted(flow[u])
        if flow[u][v] > 0 and u[1] == "out" and v[1] == "in"
    }
    # Opposite flows on one edge would cost more than none, so the optimum never has them; drop any anyway.
    used = {(u, v) for u, v in used if (v, u) not in used}
    routes = []
    for _ in range(2):
        nodes, node = [a], a
        while node != z:
            node = min(v for u, v in used if u == node)
            used.discard((nodes[-1], node))
            nodes.append(node)
        routes.append(_route_from_graph(graph, nodes))
    routes.sort(key=lambda r: (r.km, r.sites, r.segments))
    return routes[0], routes[1]


def diverse_pair(
    network: Network, graph: nx.Graph, a: str, z: str, level: str = "node"
) -> tuple[Route, Route]:
    """Return (working, protect): the shortest pair of routes as diverse as `level` asks (see module docstring).

    First the flow optimum (segment-disjoint, and site-disjoint unless level is srlg); if its routes still share
    an SRLG or a building, an exact search over working candidates in increasing km (Yen), each paired with the
    shortest route avoiding everything it may not share, stopping once no longer candidate can beat the best.
    """
    if level not in LEVELS:
        raise RoutingError(f"unknown diversity '{level}'; use one of {', '.join(LEVELS)}")
    pair = _disjoint_pair(graph, a, z, level)
    if pair is None:
        raise RoutingError(_no_pair_reason(network, graph, a, z, level))
    if not conflicts(network, pair[0], pair[1], level):
        return pair
    first_km = shortest(graph, a, z).km
    best: tuple[Route, Route] | None = None
    candidates = nx.shortest_simple_paths(graph, a, z, weight="km")
    for count, nodes in enumerate(candidates):
        working = _route_from_graph(graph, nodes)
        if (best is not None and working.km + first_km >= best[0].km + best[1].km) or count >= MAX_CANDIDATES:
            break
        banned = _banned_nodes(network, graph, working, level)
        view = nx.subgraph_view(graph, filter_node=lambda n, banned=banned: n not in banned)
        try:
            protect = _route_from_graph(graph, nx.dijkstra_path(view, a, z, weight="km"))
        except nx.NetworkXNoPath:
            continue
        if best is None or working.km + protect.km < best[0].km + best[1].km:
            best = tuple(sorted((working, protect), key=lambda r: (r.km, r.sites, r.segments)))
    if best is None:
        raise RoutingError(_no_pair_reason(network, graph, a, z, level))
    return best


def _banned_nodes(network: Network, graph: nx.Graph, working: Route, level: str) -> set[str]:
    """Return the graph nodes a protect route may not use given the working route and the diversity level."""
    srlgs = _srlgs(network, working)
    banned = {_seg_node(s) for s in working.segments}
    banned |= {_seg_node(s.id) for s in network.segments.values() if set(s.srlg) & srlgs}
    ends = set(working.sites[:1] + working.sites[-1:])
    if level in ("node", "building"):
        banned |= set(working.sites[1:-1])
    if level == "building":
        buildings = _buildings(network, working)
        banned |= {s.id for s in network.sites.values() if s.building in buildings and s.id not in ends}
    return banned - ends


def _no_pair_reason(network: Network, graph: nx.Graph, a: str, z: str, level: str) -> str:
    """Return a one-line reason naming the shared segment, site or SRLG that defeats diversity."""
    working = shortest(graph, a, z)
    head = f"no {level}-diverse (1+1) route from '{a}' to '{z}'"
    cut_nodes = set(nx.articulation_points(graph))
    for node in [_seg_node(s) for s in working.segments] + list(working.sites[1:-1]):
        if node not in cut_nodes:
            continue
        if node.startswith("segment:"):
            seg = network.segments[node.removeprefix("segment:")]
            return f"{head}: every path crosses segment '{seg.id}' ({seg.route or 'no route tag'})"
        if level != "srlg":
            return (
                f"{head}: every path passes site '{node}'; add a route around it or use --diversity srlg "
                "(then the paths share that site, and rfp.md says so)"
            )
    banned = _banned_nodes(network, graph, working, "srlg") - {_seg_node(s.id) for s in network.segments.values()
                                                                if s.id not in working.segments}
    view = nx.subgraph_view(graph, filter_node=lambda n: n not in banned)
    try:
        other = _route_from_graph(graph, nx.dijkstra_path(view, a, z, weight="km"))
    except nx.NetworkXNoPath:
        return f"{head}: no second path avoids the segments of the shortest one ({', '.join(working.segments)})"
    shared = conflicts(network, working, other, level)
    return (
        f"{head}: every alternative shares {shared[0] if shared else 'a site'} with the shortest path; add a "
        "segment on another right-of-way, relax --diversity, or drop protection"
    )


def diverse_paths(
    network: Network, graph: nx.Graph, a: str, z: str, count: int, level: str = "node"
) -> list[Route]:
    """Return `count` routes from a to z, each as diverse from all the others as `level` asks: the shortest
    diverse pair, then each further route the shortest that avoids everything the earlier ones may not share
    (greedy: a joint optimum over all routes could be shorter in total, never more diverse)."""
    routes = list(diverse_pair(network, graph, a, z, level))
    while len(routes) < count:
        banned: set[str] = set()
        for route in routes:
            banned |= _banned_nodes(network, graph, route, level)
        view = nx.subgraph_view(graph, filter_node=lambda n, banned=banned: n not in banned)
        try:
            routes.append(_route_from_graph(graph, nx.dijkstra_path(view, a, z, weight="km")))
        except nx.NetworkXNoPath:
            raise RoutingError(
                f"no {level}-diverse route number {len(routes) + 1} from '{a}' to '{z}': every further path "
                f"crosses a segment, SRLG or site of the first {len(routes)}; add a route on another right-of-way, "
                "use fewer paths, or relax --diversity"
            ) from None
    return routes
