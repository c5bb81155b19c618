"""Routing: shortest paths against raw figures, SRLG-diverse 1+1 pairs, CORONET against networkx and GNPy."""

from __future__ import annotations

import copy
import json
import logging

import networkx as nx
import pytest
from corridor_helpers import NETWORK, TSC, TTN, coronet_file

from aifabric.corridor.network import great_circle_km, load_network
from aifabric.corridor.plan import plan_corridor
from aifabric.corridor.route import build_graph, diverse_pair, shortest
from aifabric.errors import RoutingError
from aifabric.units import km_to_latency_ms

TEXAS = ["dallas", "fort-worth", "austin", "san-antonio", "houston"]


@pytest.fixture(scope="module")
def us():
    network = load_network(NETWORK)
    return network, build_graph(network)


@pytest.fixture(scope="module")
def coronet():
    network = load_network(coronet_file())
    return network, build_graph(network)


@pytest.mark.parametrize("site", TEXAS)
def test_texas_to_ashburn_pairs_share_no_segment_and_no_srlg(us, site):
    network, graph = us
    working, protect = diverse_pair(network, graph, site, "ashburn")
    assert not set(working.segments) & set(protect.segments)
    srlg = {s: set(network.segments[s].srlg) for s in network.segments}
    assert not set().union(*(srlg[s] for s in working.segments)) & set().union(
        *(srlg[s] for s in protect.segments)
    )
    assert working.km <= protect.km
    assert working.km == pytest.approx(shortest(graph, site, "ashburn").km)


@pytest.mark.parametrize("level", ["srlg", "node"])
def test_diverse_pair_is_the_shortest_diverse_pair_by_brute_force(us, level):
    from aifabric.corridor.route import _route_from_graph, conflicts

    network, graph = us
    working, protect = diverse_pair(network, graph, "dallas", "ashburn", level)
    assert not conflicts(network, working, protect, level)
    # Every simple path of the subdivided graph (sites and segments alternate), up to 12 segments.
    routes = [_route_from_graph(graph, p) for p in nx.all_simple_paths(graph, "dallas", "ashburn", cutoff=24)]
    best = None
    for i, p in enumerate(routes):
        for q in routes[i + 1 :]:
            if not conflicts(network, p, q, level):
                best = p.km + q.km if best is None else min(best, p.km + q.km)
    assert working.km + protect.km == pytest.approx(best)


def test_every_planned_route_is_at_least_its_great_circle_floor():
    for spec in (TTN, TSC):
        doc = plan_corridor(spec).to_json()
        for demand in doc["demands"]:
            for path in demand["paths"]:
                assert path["km"] >= demand["great_circle_km"]
                assert path["latency_ms"] >= demand["floor_latency_ms"]
                assert path["stretch"] >= 1.0


def test_shared_srlg_defeats_protection_with_a_named_risk(write_network):
    # Two segment-disjoint paths, but both cross the same river bridge (SRLG "bridge").
    sites = {"a": (30.0, -95.0), "b": (31.0, -94.0), "c": (29.0, -94.0), "z": (30.0, -93.0)}
    path = write_network(
        sites,
        [
            {"a": "a", "z": "b", "route": "R1", "srlg": ["r1"]},
            {"a": "b", "z": "z", "route": "R1", "srlg": ["bridge"]},
            {"a": "a", "z": "c", "route": "R2", "srlg": ["r2"]},
            {"a": "c", "z": "z", "route": "R2", "srlg": ["bridge"]},
        ],
    )
    network = load_network(path)
    with pytest.raises(
        RoutingError, match=r"no node-diverse \(1\+1\) route from 'a' to 'z'.*shares SRLG 'bridge'"
    ):
        diverse_pair(network, build_graph(network), "a", "z")


def test_single_segment_cut_is_named(write_network):
    sites = {"a": (30.0, -95.0), "b": (31.0, -94.0), "z": (31.0, -92.0)}
    path = write_network(
        sites,
        [
            {"a": "a", "z": "b", "route": "R1", "srlg": ["r1"]},
            {"a": "b", "z": "z", "route": "R2", "srlg": ["r2"]},
        ],
    )
    network = load_network(path)
    with pytest.raises(RoutingError, match=r"every path crosses segment 'a--b' \(R1\)"):
        diverse_pair(network, build_graph(network), "a", "z")


def _raw_coronet_km(source: str, target: str) -> tuple[float, list[str]]:
    """Shortest path on the raw GNPy file: a directed element graph weighted by each Fiber's length."""
    raw = json.loads(coronet_file().read_text())
    lengths = {e["uid"]: e["params"]["length"] for e in raw["elements"] if e["type"] == "Fiber"}
    graph = nx.DiGraph()
    graph.add_edges_from((c["from_node"], c["to_node"]) for c in raw["connections"])
    path = nx.dijkstra_path(
        graph, f"roadm {source}", f"roadm {target}", weight=lambda u, v, d: lengths.get(v, 0.0)
    )
    km = sum(lengths.get(node, 0.0) for node in path)
    cities = [node.split(" ", 1)[1] for node in path if node.startswith("roadm ")]
    return km, cities


@pytest.mark.parametrize(
    ("source", "target"),
    [("Dallas", "Washington_DC"), ("Seattle", "Miami"), ("Los_Angeles", "New_York"), ("Houston", "Chicago")],
)
def test_coronet_shortest_paths_equal_networkx_on_the_raw_file(coronet, source, target):
    network, graph = coronet
    km, cities = _raw_coronet_km(source, target)
    route = shortest(graph, source.lower().replace("_", "-"), target.lower().replace("_", "-"))
    assert route.km == pytest.approx(km, abs=1e-6)
    assert list(route.sites) == [c.lower().replace("_", "-") for c in cities]


def test_coronet_latency_agrees_with_gnpy_within_one_percent(coronet):
    from gnpy.tools.json_io import load_eqpt_topo_from_json
    from gnpy.tools.worker_utils import designed_network, transmission_simulation

    from aifabric.corridor.gnpy_check import gnpy_equipment_file

    network, graph = coronet
    route = shortest(graph, "dallas", "washington-dc")
    assert route.km == pytest.approx(2442.8, abs=0.1)
    raw = json.loads(coronet_file().read_text())
    raw.pop("metadata")  # GNPy 3.0.1's own loader rejects the file's top-level metadata key
    logging.getLogger("gnpy").setLevel(logging.CRITICAL)
    equipment, gnpy_net = load_eqpt_topo_from_json(
        json.loads(gnpy_equipment_file().read_text()), copy.deepcopy(raw)
    )
    gnpy_net, req, ref = designed_network(equipment, gnpy_net, "trx Dallas", "trx Washington_DC")
    path, _, _, _ = transmission_simulation(equipment, gnpy_net, req, ref)
    gnpy_latency_ms = float(path[-1].latency.mean())
    assert gnpy_latency_ms == pytest.approx(11.96, abs=0.01)
    assert km_to_latency_ms(route.km) == pytest.approx(gnpy_latency_ms, rel=0.01)
    assert great_circle_km(network.sites["dallas"], network.sites["washington-dc"]) < route.km


def test_plan_on_gnpy_coronet_uses_its_fiber_lengths(write_spec):
    spec = write_spec(
        {
            "network": str(coronet_file()),
            "demands": [{"a": "dallas", "z": "washington-dc", "capacity_tbps": 4, "protection": "1+1"}],
        }
    )
    doc = plan_corridor(spec).to_json()
    working, protect = doc["demands"][0]["paths"]
    km, _ = _raw_coronet_km("Dallas", "Washington_DC")
    assert working["km"] == pytest.approx(km, abs=0.05)  # GNPy lengths are fiber km: no slack applied
    assert not set(working["segments"]) & set(protect["segments"])
    assert protect["km"] >= working["km"]
    assert doc["network"]["kind"] == "gnpy"
