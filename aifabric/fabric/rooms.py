"""Network rooms: what each room holding network racks takes (switch racks, patch-panel racks, the trunks that end
in it), and the room limit as a placement rule.

A network room holds its pods' spines (and central leaves), a core room its share of the cores; both hold the patch
panels where their structured runs end. A compute row appears only when its leaves' runs end on panels in it. The
switches of a room stand in racks of `per_network_rack` (placement: rack units and kW), its panels in racks of
rack_u (each panel its catalog height). The panels are those the BOM orders (PartCounts.room_panels, summed into
its structured-cabling line) and a room's trunks those of the trunk routes ending in it, so the rooms add up to the
BOM. The limit (placement.room_racks_max, default 200 racks: a planning figure, UNSURE, no public source gives one)
applies to network and core rooms; a row is bounded by racks_per_row already.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from aifabric.catalog.models import Hardware
from aifabric.errors import DesignError
from aifabric.fabric.bom import PartCounts
from aifabric.fabric.placement import CORE_ROOMS, Floor
from aifabric.fabric.sizing import Plan

LIMIT_SOURCE = ("planning default, UNSURE (no public source gives a room size): set placement.room_racks_max to "
                "the site's rooms")


@dataclass(frozen=True)
class Room:
    """One room that holds network racks: its switches per tier (every plane) and their racks, its patch panels and
    their racks, and the trunk routes, trunks and structured links that end in it."""

    room: int
    name: str
    kind: str  # network | core | row
    hall: int
    building: int
    switches: dict[str, int]
    switch_racks: int
    panels: int
    panel_racks: int
    trunk_routes: int
    trunks: int
    links: int

    @property
    def racks(self) -> int:
        """Return the room's racks: switch racks and patch-panel racks."""
        return self.switch_racks + self.panel_racks

    def json(self) -> dict[str, Any]:
        """Return the room as an entry of `plan --json` "network_rooms"."""
        return {"room": self.name, "kind": self.kind, "hall": self.hall, "building": self.building,
                "switches": self.switches, "switch_racks": self.switch_racks, "panels": self.panels,
                "panel_racks": self.panel_racks, "racks": self.racks, "trunk_routes": self.trunk_routes,
                "trunks": self.trunks, "structured_links": self.links}


def _switches_by_room(plan: Plan, floor: Floor) -> dict[str, np.ndarray]:
    """Return switches per room id and tier, every plane."""
    rooms = floor.rooms()
    planes = plan.planes
    leaves = np.bincount(floor.leaf_room(np.arange(plan.leaves_per_plane, dtype=np.int64)), minlength=rooms)
    spines = np.bincount(floor.spine_room(np.arange(len(plan.pods), dtype=np.int64)),
                         weights=[p.spines for p in plan.pods], minlength=rooms).astype(np.int64)
    cores = np.bincount(floor.core_room(np.arange(plan.cores_per_plane, dtype=np.int64)),
                        minlength=rooms).astype(np.int64)
    return {"leaf": leaves * planes, "spine": spines * planes, "core": cores * planes}


def network_rooms(plan: Plan, floor: Floor, counts: PartCounts, hardware: Hardware) -> list[Room]:
    """Return the rooms that hold network racks, in room id order: every network and core room with a switch or a
    panel in it, and the compute rows whose structured runs end on panels there."""
    rooms = floor.rooms()
    switches = _switches_by_room(plan, floor)
    panels = np.zeros(rooms, dtype=np.int64)
    panel_u = np.zeros(rooms, dtype=np.int64)
    for (panel_id, room), n in counts.room_panels.items():
        panels[room] += n
        panel_u[room] += n * hardware.cables[panel_id].height_u
    # Each route counted at both its rooms (once when both ends are in one room).
    listed = counts.trunk_routes
    a = np.fromiter((r.rooms[0] for r in listed), dtype=np.int64, count=len(listed))
    z = np.fromiter((r.rooms[1] for r in listed), dtype=np.int64, count=len(listed))
    per_route = {"routes": np.ones(len(listed), dtype=np.int64),
                 "trunks": np.fromiter((sum(n for _, n in r.trunks) for r in listed), dtype=np.int64,
                                       count=len(listed)),
                 "links": np.fromiter((r.links for r in listed), dtype=np.int64, count=len(listed))}
    apart = a != z
    routes, trunks, links = (np.bincount(a, weights=v, minlength=rooms).astype(np.int64)
                             + np.bincount(z[apart], weights=v[apart], minlength=rooms).astype(np.int64)
                             for v in per_route.values())
    rack_u = floor.placement.rack_u
    per_building = floor.placement.halls_per_building
    found = []
    first_network = floor.halls * floor.rows_per_hall
    held = switches["leaf"] + switches["spine"] + switches["core"]
    candidates = np.flatnonzero((held > 0) | (panels > 0))
    for room in candidates[(candidates >= first_network) | (panels[candidates] > 0)].tolist():
        hall = floor.room_hall(room)
        by_tier = {tier: int(n[room]) for tier, n in switches.items() if n[room]}
        found.append(Room(room, floor.room_name(room), floor.room_kind(room), hall, hall // per_building, by_tier,
                          -(-int(held[room]) // floor.per_network_rack), int(panels[room]),
                          -(-int(panel_u[room]) // rack_u), int(routes[room]), int(trunks[room]),
                          int(links[room])))
    return found


def rooms_block(rooms: list[Room], floor: Floor) -> dict[str, Any]:
    """Return the `network_rooms` block of `plan --json`: the core room layout, the room limit and the rooms."""
    given = "room_racks_max" in floor.placement.model_fields_set
    return {"core_rooms": floor.core_rooms_layout, "core_room_count": len(floor.core_halls),
            "racks_max": floor.placement.room_racks_max,
            "racks_max_source": "the spec (placement.room_racks_max)" if given else LIMIT_SOURCE,
            "rooms": [room.json() for room in rooms]}


def spreads(floor: Floor) -> list[str]:
    """Return the core room layouts after the floor's that give more core rooms (on one building, `building` is
    the campus room again)."""
    rooms = len(floor.core_halls)
    return [layout for layout in CORE_ROOMS[CORE_ROOMS.index(floor.core_rooms_layout) + 1:]
            if len(floor.core_layout(layout)[0]) > rooms]


def overfull(rooms: list[Room], floor: Floor) -> list[Room]:
    """Return the network and core rooms above placement.room_racks_max, fullest first."""
    limit = floor.placement.room_racks_max
    return sorted((r for r in rooms if r.kind != "row" and r.racks > limit), key=lambda r: (-r.racks, r.room))


def check_rooms(rooms: list[Room], floor: Floor) -> None:
    """Raise DesignError naming the fullest room above placement.room_racks_max and what to change."""
    over = overfull(rooms, floor)
    if not over:
        return
    room = over[0]
    limit = floor.placement.room_racks_max
    held = ", ".join(f"{n:,} {tier}" for tier, n in room.switches.items()) or "no switches"
    more = f" ({len(over) - 1} more rooms over it)" if len(over) > 1 else ""
    if room.kind == "core":
        layouts = spreads(floor)
        change = (f"spread the core with core_rooms: {' or '.join(layouts)}, or raise room_racks_max" if layouts
                  else "use a switch of more ports (fewer cores), or raise room_racks_max")
    else:
        pods = (f"network_rooms_per_hall above {floor.placement.network_rooms_per_hall}, "
                if floor.halls and floor.units_per_hall > floor.placement.network_rooms_per_hall else "")
        change = f"use {pods}smaller pods (sus_per_pod), or raise room_racks_max"
    # A core room of a layout the spec chose is about that choice; anything else about the limit.
    chosen = room.kind == "core" and "core_rooms" in floor.placement.model_fields_set
    raise DesignError(
        f"room {room.name} takes {room.racks:,} racks ({room.switch_racks:,} of switches: {held}; "
        f"{room.panel_racks:,} of patch panels: {room.panels:,} panels, {room.trunks:,} trunks), above "
        f"room_racks_max {limit:,}{more}; {change}",
        field="placement.core_rooms" if chosen else "placement.room_racks_max")
