"""Network data and 1+1 diversity: geometry drawn once, parallel segments, SRLGs per segment, node-diverse pairs."""

from __future__ import annotations

import json

import pytest
from corridor_helpers import NETWORK, TSC, TTN

from aifabric.corridor.network import load_network
from aifabric.corridor.plan import plan_corridor
from aifabric.corridor.route import build_graph, conflicts, diverse_pair
from aifabric.errors import SpecError


def test_shipped_network_draws_every_stretch_once():
    network = load_network(NETWORK)
    legs: dict[tuple, str] = {}
    for seg in network.segments.values():
        for leg in zip(seg.coords, seg.coords[1:], strict=False):
            key = tuple(sorted(leg))
            assert key not in legs, f"{seg.id} and {legs[key]} draw the same leg"
            legs[key] = seg.id
    # I-20 meets I-10 near Kent, TX: one shared segment to El Paso used by both routes.
    assert "i-10-i-20-junction--el-paso" in network.segments
    assert network.sites["i-10-i-20-junction"].kind == "ila"


def test_a_stretch_drawn_twice_is_an_error(tmp_path):
    doc = json.loads(NETWORK.read_text())
    shared = next(f for f in doc["features"] if f["properties"].get("id") == "i-10-i-20-junction--el-paso")
    for feature in doc["features"]:
        if feature["properties"].get("id") == "san-antonio--i-10-i-20-junction":
            # The old data: San Antonio's line drawn on to El Paso over the shared stretch.
            feature["properties"]["z"] = "el-paso"
            feature["geometry"]["coordinates"] += shared["geometry"]["coordinates"][1:]
    path = tmp_path / "twice.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(SpecError, match="'i-10-i-20-junction--el-paso' draws the leg .* "
                       "that 'san-antonio--i-10-i-20-junction' already"):
        load_network(path)


def test_srlgs_are_per_segment():
    network = load_network(NETWORK)
    owners: dict[str, set[str]] = {}
    for seg in network.segments.values():
        assert seg.srlg == (f"conduit-{seg.id}",)
        for srlg in seg.srlg:
            owners.setdefault(srlg, set()).add(seg.id)
    assert all(len(segs) == 1 for segs in owners.values())


def test_parallel_segments_form_a_diverse_pair(write_network):
    sites = {"a": (30.0, -95.0), "z": (30.0, -94.0)}
    path = write_network(
        sites,
        [
            {"id": "north", "a": "a", "z": "z", "route": "R1", "srlg": ["r1"],
             "coords": [[-95.0, 30.0], [-94.5, 30.3], [-94.0, 30.0]]},
            {"id": "south", "a": "a", "z": "z", "route": "R2", "srlg": ["r2"],
             "coords": [[-95.0, 30.0], [-94.5, 29.7], [-94.0, 30.0]]},
        ],
    )
    network = load_network(path)
    working, protect = diverse_pair(network, build_graph(network), "a", "z", "node")
    assert {working.segments, protect.segments} == {("north",), ("south",)}


def test_parallel_segment_without_an_id_is_an_error(write_network):
    sites = {"a": (30.0, -95.0), "z": (30.0, -94.0)}
    path = write_network(
        sites,
        [{"id": "north", "a": "a", "z": "z"},
         {"a": "a", "z": "z", "coords": [[-95.0, 30.0], [-94.5, 29.7], [-94.0, 30.0]]}],
    )
    with pytest.raises(SpecError, match="give each parallel segment an `id`"):
        load_network(path)


@pytest.mark.parametrize("spec", [TTN, TSC])
def test_shipped_pairs_are_node_diverse_and_say_so(spec):
    plan = plan_corridor(spec)
    for d in plan.demands:
        if d.demand.protection != "1+1":
            continue
        working, protect = (p.route for p in d.paths)
        assert not conflicts(plan.network, working, protect, "node")
        assert d.diversity is not None and d.diversity.level == "node"
        assert d.diversity.shared_sites == () and d.diversity.shared_segments == () and d.diversity.shared_srlgs == ()


def test_fort_worth_ashburn_no_longer_shares_the_dallas_pop():
    plan = plan_corridor(TTN)
    d = next(d for d in plan.demands if d.demand.demand_id == "fort-worth-ashburn")
    assert "dallas" not in set(d.paths[0].route.sites) & set(d.paths[1].route.sites)
    srlg_only = plan_corridor(TTN, diversity="srlg", allow_infeasible=True)
    d = next(d for d in srlg_only.demands if d.demand.demand_id == "fort-worth-ashburn")
    # At srlg level the shorter pair through Dallas is allowed, and the plan states the shared site; the shared
    # site is a common-mode term that costs the pair its 99.99 % SLA, which stops the plan unless allowed.
    assert d.diversity.shared_sites == ("dallas",)
    assert srlg_only.terms.demands["fort-worth-ashburn"].availability.meets_sla is False
    from aifabric.errors import DesignError

    with pytest.raises(DesignError, match="demand fort-worth-ashburn misses the buyer's terms"):
        plan_corridor(TTN, diversity="srlg")


def test_santa_clara_counts_the_shared_i10_stretch_once():
    plan = plan_corridor(TSC)
    doc = plan.to_json()
    users = [s for s in doc["segments"] if s["id"] == "i-10-i-20-junction--el-paso"]
    assert len(users) == 1
    route_km = sum(s["km"] for s in doc["segments"])
    assert doc["totals"]["route_km"] == pytest.approx(route_km, abs=0.5)
