"""Core rooms (aifabric.fabric.placement) and network rooms (aifabric.fabric.rooms): a campus's top tier spread over
its buildings, every network room held to placement.room_racks_max, and per-room figures that add up to the BOM."""

from __future__ import annotations

import csv
import json
import tempfile
from collections import Counter

import numpy as np
import pytest
import yaml

from aifabric.errors import SpecError
from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES

COLOSSUS_2 = TOPOLOGIES / "colossus-2.yaml"
# Four 1,024-GPU pods, a hall each, one hall a building, buildings 300 m apart on a 2 x 2 grid (tests/test_parts.py).
FOUR_BUILDINGS = {"gpus": 4096, "server": "hgx-h100", "switch": "sn5600", "port_gbps": 400, "tiers": 3,
                  "placement": {"hall_mw_max": 1.5, "halls_per_building": 1, "building_spacing_m": 300}}


def _write(data) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(data, handle)
    return handle.name


def _four_buildings(**placement) -> str:
    spec = json.loads(json.dumps(FOUR_BUILDINGS))
    spec["placement"].update(placement)
    return _write(spec)


@pytest.fixture(scope="module")
def colossus_2():
    return plan_fabric(COLOSSUS_2)


def test_colossus_2_core_is_spread_over_its_buildings(colossus_2):
    """Before: all 5,418 cores and every spine-core trunk ended in one room, hall17-core: 362 racks of core switches
    and 280 racks of patch panels (13,427 panels, 40,281 trunks). Now each of the 7 buildings has a core room in its
    middle hall with an equal share of whole core groups, and no room is over its limit."""
    result = colossus_2
    doc = result.document()
    block = doc["network_rooms"]
    assert block["core_rooms"] == "building"
    assert block["core_room_count"] == doc["site"]["buildings"] == 7
    cores = [r for r in block["rooms"] if r["kind"] == "core"]
    assert len(cores) == 7 and sorted(r["building"] for r in cores) == list(range(7))
    # The middle hall of each building (the first of two equal ones; building 6 has two halls).
    assert [r["room"] for r in cores] == ["hall1-core", "hall5-core", "hall9-core", "hall13-core", "hall17-core",
                                          "hall21-core", "hall24-core"]
    # 63 core groups of 43 cores per plane: 9 whole groups a room, both planes.
    assert {r["switches"]["core"] for r in cores} == {9 * 43 * 2}
    assert sum(r["switches"]["core"] for r in cores) == doc["switches"]["core"]
    spines = [r for r in block["rooms"] if r["kind"] == "network"]
    assert sum(r["switches"]["spine"] for r in spines) == doc["switches"]["spine"]
    assert all(r["racks"] <= block["racks_max"] == 200 for r in block["rooms"])
    assert max(r["racks"] for r in cores) == 95 and max(r["racks"] for r in spines) == 45
    # Every pod's spines reach every building's core room: a trunk route to each core room outside its building.
    floor = result.links.floor
    routes = {tuple(sorted(route.rooms)) for route in result.counts.trunk_routes}
    for network in spines:
        far = [c for c in cores if c["building"] != network["building"]]
        room = next(r.room for r in result.rooms if r.name == network["room"])
        assert all(tuple(sorted((room, next(x.room for x in result.rooms if x.name == c["room"])))) in routes
                   for c in far), network["room"]
    assert floor.core_rooms_layout == "building"


def test_one_campus_core_room_for_colossus_2_is_refused_with_its_room_named():
    """The room limit is a placement rule: Colossus 2's core in one room is the error that names the room, its
    racks and what to change (the figures of the single core room of before, at 550,000 GPUs)."""
    with pytest.raises(SpecError) as caught:
        plan_fabric(COLOSSUS_2, {"gpus": 550_000, "placement.core_rooms": "campus"})
    message = str(caught.value)
    assert "room hall17-core takes 642 racks (362 of switches: 5,418 core; 280 of patch panels: 13,427 panels, " \
           "40,281 trunks), above room_racks_max 200" in message
    assert "core_rooms: building or hall" in message and "\n" not in message


@pytest.mark.parametrize("spec, overrides", [
    (COLOSSUS_2, None),
    (None, {"gpus": 1_000_000, "gpus_per_server": 8, "switch": "sn5600", "nic_gbps": 400, "planes": 2,
            "port_gbps": 200}),
    ("four:building", None),
    ("four:campus", None),
    ("four:hall", None),
])
def test_rooms_add_up_to_the_bom(spec, overrides, colossus_2, hardware):
    """Per room: its panels are the BOM's patch panels (every room's panels sum to the BOM line), it takes the panel
    ports of the trunk routes ending in it, its trunks are those routes' trunks (each trunk has two ends), and its
    racks are its switches and panels over what a rack holds."""
    if spec == COLOSSUS_2:
        result = colossus_2
    elif isinstance(spec, str):
        result = plan_fabric(_four_buildings(core_rooms=spec.split(":")[1]))
    else:
        result = plan_fabric(None, overrides)
    floor, counts = result.links.floor, result.counts
    rooms = {room.room: room for room in result.rooms}
    bom = Counter()
    for line in result.bom():
        bom[line.catalog_id] += line.quantity
    panel_ids = {p for p, _ in counts.room_panels}
    assert sum(room.panels for room in rooms.values()) == sum(bom[p] for p in panel_ids) > 0
    trunk_ids = {route.trunk for route in counts.trunk_routes}
    same_room = sum(n for route in counts.trunk_routes if route.rooms[0] == route.rooms[1] for _, n in route.trunks)
    assert sum(room.trunks for room in rooms.values()) == 2 * sum(bom[t] for t in trunk_ids) - same_room
    ports: dict[tuple[str, int], int] = {}
    for route in counts.trunk_routes:
        for end in set(route.rooms):
            for panel, n in route.panel_ports:
                ports[(panel, end)] = ports.get((panel, end), 0) + n * (2 if route.rooms[0] == route.rooms[1] else 1)
    for (panel, room_id), n in ports.items():
        assert counts.room_panels[(panel, room_id)] == -(-n // hardware.cables[panel].ports)
    rack_u = floor.placement.rack_u
    for room in rooms.values():
        held = sum(room.switches.values())
        assert room.switch_racks == -(-held // floor.per_network_rack)
        panel_u = sum(n * hardware.cables[p].height_u for (p, r), n in counts.room_panels.items() if r == room.room)
        assert room.panel_racks == -(-panel_u // rack_u)
        assert room.racks == room.switch_racks + room.panel_racks
    plan = result.plan
    assert sum(r.switches.get("core", 0) for r in rooms.values()) == plan.planes * plan.cores_per_plane
    assert sum(r.switches.get("spine", 0) for r in rooms.values()) == plan.planes * plan.spines_per_plane


def test_cabling_follows_the_core_rooms(tmp_path):
    """A core room per building (four buildings 300 m apart): each building's room holds a quarter of the cores;
    every spine reaches every core room, so the structured links ride a trunk route from each network room to the
    three core rooms in other buildings, and links.csv, rooms.csv, trunks.csv and network-rooms.csv agree with the
    BOM. Against one campus core room the same links cost no more trunks over all and no room takes the whole
    core's panels."""
    from aifabric.export.fabric_files import write_outputs

    result = plan_fabric(_four_buildings(core_rooms="building"))
    write_outputs(tmp_path, result, graph=False)
    room_of = {r["device"]: r["room"] for r in csv.DictReader((tmp_path / "rooms.csv").open())}
    cores = Counter(room for device, room in room_of.items() if "/core" in device)
    assert cores == {"hall0-core": 8, "hall1-core": 8, "hall2-core": 8, "hall3-core": 8}
    rows = list(csv.DictReader((tmp_path / "trunks.csv").open()))
    pairs = {(r["room_a"], r["room_z"]) for r in rows}
    for hall in range(4):
        others = {f"hall{h}-core" for h in range(4) if h != hall}
        assert {z for a, z in pairs if a == f"hall{hall}-network0"} == others
    route_of = {(r["room_a"], r["room_z"]): r for r in rows}
    per_route: Counter = Counter()
    longest: dict[str, float] = {}
    for link in csv.DictReader((tmp_path / "links.csv").open()):
        if link["link_class"] == "spine_core":
            same_hall = room_of[link["a_device"]].split("-")[0] == room_of[link["z_device"]].split("-")[0]
            assert (float(link["length_m"]) < 50) == same_hall, link
        if link["cable"].startswith("trunk-"):
            ends = (room_of[link["a_device"]], room_of[link["z_device"]])
            route = route_of.get(ends) or route_of[ends[::-1]]
            per_route[route["route"]] += 1
            longest[route["route"]] = max(longest.get(route["route"], 0.0), float(link["length_m"]))
    assert per_route == {r["route"]: int(r["links"]) for r in rows}
    assert all(float(r["length_m"]) >= longest[r["route"]] for r in rows)
    listed = list(csv.DictReader((tmp_path / "network-rooms.csv").open()))
    assert [r["room"] for r in listed] == [room.name for room in result.rooms]
    assert {r["room"]: int(r["trunks"]) for r in listed} == {room.name: room.trunks for room in result.rooms}
    assert all(r["racks_max"] == "200" for r in listed)
    campus = plan_fabric(_four_buildings(core_rooms="campus"))
    spread_core = max(r.panels for r in result.rooms if r.kind == "core")
    one_core = max(r.panels for r in campus.rooms if r.kind == "core")
    assert spread_core * 3 < one_core


def test_auto_takes_the_fewest_core_rooms_that_fit():
    """auto: one campus core room while it fits (the shipped designs of one building keep theirs), a room per
    building when the core's switches would not fit one room, and a room per building too when its switches fit
    but the patch panels of its trunks do not (the plan is counted again with the next layout)."""
    fits = plan_fabric(_four_buildings())
    assert fits.links.floor.core_rooms_layout == "campus" and len(fits.links.floor.core_halls) == 1
    core = next(r for r in fits.rooms if r.kind == "core")
    assert (core.switch_racks, core.panel_racks) == (3, 1)
    # Room for the core's 3 switch racks, not for its panel rack as well: counted, then spread.
    spread = plan_fabric(_four_buildings(room_racks_max=3))
    assert spread.links.floor.core_rooms_layout == "building"
    assert all(r.racks <= 3 for r in spread.rooms)
    with pytest.raises(SpecError) as caught:
        plan_fabric(_four_buildings(room_racks_max=3, core_rooms="campus"))
    assert "placement.core_rooms: room hall0-core takes 4 racks (3 of switches: 32 core; 1 of patch panels" in \
        str(caught.value)
    one_building = plan_fabric(TOPOLOGIES / "dgx-h100-superpod-16su.yaml").document()["network_rooms"]
    assert (one_building["core_rooms"], one_building["core_room_count"]) == ("campus", 1)


def test_a_building_core_room_on_one_building_is_the_campus_room(hardware):
    """On a campus of one building the building layout is the campus core room (same hall, same racks), so auto
    never plans it twice."""
    from aifabric.fabric.placement import Floor
    from aifabric.fabric.sizing import size
    from aifabric.spec.fabric import FabricSpec

    spec = FabricSpec(gpus=65536, switch="sn5600", port_gbps=400, tiers=3)
    plan = size(spec, hardware)
    floor = Floor(plan, spec.placement, hardware)
    assert floor.buildings == 1
    campus_halls, campus_first = floor.core_layout("campus")
    building_halls, building_first = floor.core_layout("building")
    assert np.array_equal(campus_halls, building_halls) and np.array_equal(campus_first, building_first)
    halls, first = floor.core_layout("hall")
    assert len(halls) == floor.halls == 3 and np.diff(first).max() - np.diff(first).min() <= 1


def test_campus_picture_marks_every_core_room(cli, tmp_path):
    out = tmp_path / "campus.svg"
    code, _, err = cli("fabric", "draw", str(COLOSSUS_2), "--campus", "-o", str(out))
    assert code == 0, err
    assert "the 7 core rooms, one per building" in out.read_text()


def test_plan_table_shows_the_network_rooms(cli):
    code, out, err = cli("fabric", "plan", _four_buildings(core_rooms="building"))
    assert code == 0, err
    assert "Network rooms (limit 200 racks a room, UNSURE: room_racks_max)" in out
    assert "the core in 4 rooms, one per building" in " ".join(out.split())
    assert "4 rooms: hall0-core .. hall3-core" in out


def test_netbox_racks_the_cores_in_their_core_rooms():
    """The NetBox model stands each core in a rack of its own core room's hall (one campus room: `core-net<r>`)."""
    from aifabric.netbox.model import fabric_objects, iter_objects

    result = plan_fabric(_four_buildings(core_rooms="building"))
    racks = {str(o.fields["name"]): o.fields["location"].key[1] for o in iter_objects(
        fabric_objects(result.links, result.hardware)) if o.endpoint == "dcim/racks" and "core" in o.fields["name"]}
    assert racks == {f"hall{h}-core-net0": f"hall{h}" for h in range(4)}
