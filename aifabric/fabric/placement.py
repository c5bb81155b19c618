"""The placement model: where every server and switch stands on a campus, hence every link's length.

A hierarchy, each level with a limit: racks (rack units and kW) hold servers (or are one rack-scale system), rows
(kW) hold racks, halls (MW) hold whole pods (whole SUs in two tiers), buildings hold halls, and a campus holds
buildings on a grid (building_spacing_m) or at the coordinates the spec lists. Inside a hall, racks run in rows
(racks_per_row, rack_width_m apart; rows row_pitch_m apart), SUs start a new rack, and leaves stand in the SU's row
(in-row), at the end of it (end-of-row) or with their pod's spines (central). Spines stand in their hall's network
room; cores in core rooms (see CORE_ROOMS). Lengths are Manhattan runs x slack plus a vertical drop at each end, as
trays and campus ducts route them. Everything is closed form per device index, so a million-GPU plan places in
milliseconds.

Core rooms. One campus core room (in the hall nearest the middle of the campus) keeps spine-core runs shortest, but
on a large campus it takes every core switch and a patch-panel port for every spine-core trunk fiber: Colossus 2's
would hold ~640 racks and ~40,000 trunks. A multi-building campus spreads its top tier instead, as Meta does for its
gigawatt Prometheus cluster (Engineering at Meta, "Building Prometheus: How Backend Aggregation Enables
Gigawatt-Scale AI Clusters", 2026: a super-spine layer, backend aggregation, interconnecting the spine fabrics of
several data-center buildings). `core_rooms: building` puts a core room in each building (in its middle hall) and
`hall` one in each hall; the cores are split into equal consecutive blocks of whole core groups (of cores when
there are fewer groups than rooms), so every pod's spines still reach every core, each room holds an
equal share of the core, and losing one building's room takes out that share, not the whole top tier. A core per
plane would divide the room by the planes only (two for Colossus 2) and not at all on one plane. `auto` (the
default) takes the fewest rooms whose core switch racks fit room_racks_max; the plan then counts each room's patch
panels and spreads further when they do not fit (aifabric.fabric.plan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aifabric.errors import DesignError
from aifabric.fabric.sizing import Plan
from aifabric.spec.fabric import Placement

# Defaults when the spec gives no limit. NVIDIA's DGX B300 RA puts four 8-GPU systems (~56 kW) in a rack; a GB300
# NVL72 rack draws up to 142 kW (NVL72 Enterprise RA), so liquid-cooled racks (rack-scale systems and servers whose
# catalog entry says `cooling: liquid`) get 150 kW.
AIR_RACK_KW = 60.0
LIQUID_RACK_KW = 150.0
# Metres between halls in a building and around the network column (aisles, walls), and between buildings:
# planning defaults (UNSURE). The network column holds the hall's leaf (central), spine and core racks.
HALL_GAP_M = 10.0
BUILDING_GAP_M = 50.0
NETWORK_COLUMN_RACKS = 8
# Core room layouts, fewest rooms first (`auto` tries them in this order).
CORE_ROOMS = ("campus", "building", "hall")


@dataclass(frozen=True)
class Campus:
    """The counts of the placement hierarchy (what the summary's `site` block reports)."""

    servers_per_rack: int
    racks_per_su: int
    compute_racks: int
    network_racks: int
    racks_per_row: int
    rows: int
    halls: int
    buildings: int
    units_per_hall: int
    switches_per_network_rack: int
    notes: tuple[str, ...] = ()


def _fail(field: str, message: str) -> DesignError:
    return DesignError(message, field=f"placement.{field}")


class Floor:
    """Coordinates (metres) of servers, leaves, spines and cores for one plane of a plan, on a campus."""

    def __init__(self, plan: Plan, placement: Placement, hardware=None, core_rooms: str | None = None):
        self.plan = plan
        self.placement = placement
        p = placement
        server = hardware.server(plan.server_id) if hardware is not None else None
        switch = hardware.switch(plan.switch_id) if hardware is not None else None
        notes: list[str] = []
        liquid = plan.rack_scale or (server is not None and server.cooling == "liquid")
        rack_kw_max = p.rack_kw_max or (LIQUID_RACK_KW if liquid else AIR_RACK_KW)
        if plan.rack_scale:
            # A rack-scale system is its rack: its trays fill it, whatever servers_per_rack says.
            spr = plan.trays_per_rack
            rack_kw = server.rack_power_w() / 1000 if server is not None else 0.0
            if rack_kw > rack_kw_max:
                raise _fail("rack_kw_max", f"a {plan.server_id} rack draws {rack_kw:.1f} kW, above rack_kw_max "
                                           f"{rack_kw_max:g}; raise rack_kw_max (liquid cooling)")
        else:
            server_kw = server.power_w / 1000 if server is not None else 0.0
            height = server.height_u if server is not None else 1
            fit_u = p.rack_u // height
            fit_kw = math.floor(rack_kw_max / server_kw + 1e-9) if server_kw else fit_u
            if p.servers_per_rack is not None:
                spr = p.servers_per_rack
                if spr * height > p.rack_u:
                    raise _fail("servers_per_rack", f"{spr} x {plan.server_id} take {spr * height}U, more than "
                                                    f"rack_u {p.rack_u}; use servers_per_rack <= {fit_u}")
                if spr * server_kw > rack_kw_max + 1e-9:
                    raise _fail("servers_per_rack", f"{spr} x {plan.server_id} draw {spr * server_kw:.1f} kW, "
                                                    f"above rack_kw_max {rack_kw_max:g}; use servers_per_rack <= "
                                                    f"{fit_kw} or raise rack_kw_max")
            else:
                spr = min(fit_u, fit_kw)
                if spr < 1:
                    raise _fail("rack_kw_max", f"one {plan.server_id} ({server_kw:.1f} kW, {height}U) does not fit "
                                               f"a rack of {rack_kw_max:g} kW / {p.rack_u}U")
            rack_kw = spr * server_kw
        self.servers_per_rack = spr
        self.rack_kw = rack_kw
        self.racks_per_su = math.ceil(plan.leaf_downlinks / spr)
        rpr = p.racks_per_row
        if p.row_kw_max is not None and rack_kw > 0:
            fit = math.floor(p.row_kw_max / rack_kw + 1e-9)
            if fit < 1:
                raise _fail("row_kw_max", f"one rack ({rack_kw:.1f} kW) exceeds row_kw_max {p.row_kw_max:g}")
            rpr = min(rpr, fit)
        self.racks_per_row = rpr
        # Switches per network rack: by rack units and by power (system plus a pluggable module in every cage).
        if switch is not None:
            module_w = 0.0 if switch.optics == "co-packaged" else max(
                (t.power_w for t in hardware.transceivers.values()
                 if t.form_factor == switch.cage_form_factor and t.fits in ("switch", "any")), default=0.0)
            switch_kw = (switch.power_w + switch.cages * module_w) / 1000
            per_rack = min(p.rack_u // switch.height_u, math.floor(p.network_rack_kw_max / switch_kw + 1e-9))
            if per_rack < 1:
                raise _fail("network_rack_kw_max", f"one {switch.id} with optics draws {switch_kw:.1f} kW, above "
                                                   f"network_rack_kw_max {p.network_rack_kw_max:g}")
        else:
            per_rack = 16
        self.per_network_rack = per_rack
        # The unit placed whole in a hall: a pod (three tiers) or an SU (two tiers).
        self.sus_per_unit = max(1, plan.leaves_per_pod // plan.leaves_per_su) if plan.tiers == 3 else 1
        units = -(-plan.sus // self.sus_per_unit)
        unit_mw = self.sus_per_unit * self.racks_per_su * rack_kw / 1000
        per_hall = max(1, math.floor(p.hall_mw_max / unit_mw + 1e-9)) if unit_mw > 0 else units
        if unit_mw > p.hall_mw_max:
            notes.append(f"a {'pod' if plan.tiers == 3 else 'SU'} draws {unit_mw:.1f} MW, above hall_mw_max "
                         f"{p.hall_mw_max:g}: each takes a hall of its own")
        if plan.tiers < 3 and units > per_hall:
            # Two tiers keep their spines together: SUs spread over halls, spines in the middle hall.
            pass
        self.units_per_hall = min(per_hall, units)
        self.halls = -(-units // self.units_per_hall)
        self.buildings = -(-self.halls // p.halls_per_building)
        racks_per_hall = self.units_per_hall * self.sus_per_unit * self.racks_per_su
        self.rows_per_hall = max(1, -(-racks_per_hall // rpr))
        width = p.rack_width_m
        self.hall_depth_m = (self.rows_per_hall - 1) * p.row_pitch_m + HALL_GAP_M
        self.hall_width_m = (rpr + NETWORK_COLUMN_RACKS) * width + HALL_GAP_M
        halls_here = min(self.halls, p.halls_per_building)
        building_width = halls_here * self.hall_width_m
        if p.buildings is not None:
            if len(p.buildings) < self.buildings:
                raise _fail("buildings", f"the design needs {self.buildings} buildings ({self.halls} halls of "
                                         f"{p.hall_mw_max:g} MW, {p.halls_per_building} per building) but "
                                         f"placement.buildings lists {len(p.buildings)}; add buildings or raise "
                                         f"hall_mw_max / halls_per_building")
            self._bx = np.array([b.x_m for b in p.buildings[: self.buildings]], dtype=np.float64)
            self._by = np.array([b.y_m for b in p.buildings[: self.buildings]], dtype=np.float64)
        else:
            spacing = p.building_spacing_m or max(building_width, self.hall_depth_m) + BUILDING_GAP_M
            cols = math.ceil(math.sqrt(self.buildings))
            b = np.arange(self.buildings)
            self._bx = (b % cols) * spacing
            self._by = (b // cols) * spacing
        # Hall origins: the halls of a building stand side by side.
        hall = np.arange(self.halls)
        self._hx = self._bx[hall // p.halls_per_building] + (hall % p.halls_per_building) * self.hall_width_m
        self._hy = self._by[hall // p.halls_per_building]
        # The campus core room: the hall whose middle is nearest the campus centroid.
        self._mid_x = self._hx + rpr * width / 2
        self._mid_y = self._hy + (self.rows_per_hall - 1) * p.row_pitch_m / 2
        self.core_hall = self._middle_hall(np.arange(self.halls))
        self.hall_mid_y = (self.rows_per_hall - 1) * p.row_pitch_m / 2
        self.notes = tuple(notes)
        self.place_cores(core_rooms or p.core_rooms)

    def _middle_hall(self, halls: np.ndarray) -> int:
        """Return the hall among `halls` whose middle is nearest their centroid (the first of equals, compared to the
        micrometre so that rounding does not pick a different one of two equal halls in each building)."""
        x, y = self._mid_x[halls], self._mid_y[halls]
        return int(halls[np.argmin(np.round(np.abs(x - x.mean()) + np.abs(y - y.mean()), 6))])

    # -- core rooms -------------------------------------------------------------------------------------------

    def core_layout(self, layout: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (hall of each core room, first core of each room and the plane's core count after the last) for a
        core room layout (campus, building or hall): equal consecutive blocks of whole core groups, or of cores when
        there are fewer groups than rooms (a room's racks are its own: consecutive cores, per_network_rack a rack)."""
        p, plan = self.placement, self.plan
        if layout == "campus":
            halls = np.array([self.core_hall])
        elif layout == "building":
            per = p.halls_per_building
            halls = np.array([self._middle_hall(np.arange(b * per, min((b + 1) * per, self.halls)))
                              for b in range(self.buildings)])
        else:
            halls = np.arange(self.halls)
        cores = plan.cores_per_plane
        unit = plan.cores_per_group if plan.core_groups >= len(halls) else 1
        units = -(-cores // unit) if cores else 0
        rooms = max(1, min(len(halls), units))
        if rooms < len(halls):
            # Fewer blocks than rooms: the rooms nearest the campus middle take them (a block is never split).
            order = np.argsort(np.abs(self._mid_x[halls] - self._mid_x.mean())
                               + np.abs(self._mid_y[halls] - self._mid_y.mean()), kind="stable")
            halls = np.sort(halls[order[:rooms]])
        first = np.minimum(np.arange(rooms + 1) * units // rooms * unit, cores)
        return halls.astype(np.int64), first.astype(np.int64)

    def core_room_racks(self, layout: str) -> int:
        """Return the most racks of core switches (every plane) one core room of a layout holds."""
        _, first = self.core_layout(layout)
        per_room = int(np.diff(first).max()) * self.plan.planes if len(first) > 1 else 0
        return -(-per_room // self.per_network_rack)

    def place_cores(self, layout: str) -> None:
        """Stand the cores in the core rooms of a layout: campus, building, hall, or auto (the first of those whose
        core switch racks fit room_racks_max in every room; hall when none does)."""
        if layout == "auto":
            fits = [name for name in CORE_ROOMS
                    if self.core_room_racks(name) <= self.placement.room_racks_max]
            layout = fits[0] if fits else CORE_ROOMS[-1]
        self.core_rooms_layout = layout
        self.core_halls, self._core_first = self.core_layout(layout)

    # -- counts ---------------------------------------------------------------------------------------------

    def campus(self) -> Campus:
        """Return the counts of the hierarchy for one plane's floor (network racks cover every plane)."""
        plan = self.plan
        compute_racks = plan.sus * self.racks_per_su
        if plan.rack_scale:
            compute_racks = plan.system_racks
        switches = plan.switch_counts()["total"]
        network_racks = -(-switches // self.per_network_rack)
        rows = -(-compute_racks // self.racks_per_row)
        return Campus(self.servers_per_rack, self.racks_per_su, compute_racks, network_racks, self.racks_per_row,
                      rows, self.halls, self.buildings, self.units_per_hall, self.per_network_rack, self.notes)

    # -- rooms: where structured cabling terminates (a trunk runs between the panels of two rooms) ---------------
    # One id space: compute rows (hall x rows_per_hall + row), then network rooms (hall x rooms + room), then the
    # campus core room. In-row and end-of-row leaves stand in their SU's middle row; central leaves and spines in
    # their pod's network room; cores in the core room.

    def rooms(self) -> int:
        """Return the number of room ids (rows, network rooms, core rooms)."""
        return self.first_core_room() + len(self.core_halls)

    def first_core_room(self) -> int:
        """Return the room id of the first core room (core rooms follow the rows and network rooms)."""
        return self.halls * self.rows_per_hall + self.halls * self.placement.network_rooms_per_hall

    def room_kind(self, room: int) -> str:
        """Return what a room id is: `row`, `network` or `core`."""
        if room < self.halls * self.rows_per_hall:
            return "row"
        return "core" if room >= self.first_core_room() else "network"

    def room_hall(self, room: int) -> int:
        """Return the hall a room stands in."""
        rows = self.halls * self.rows_per_hall
        if room < rows:
            return room // self.rows_per_hall
        if room >= self.first_core_room():
            return int(self.core_halls[room - self.first_core_room()])
        return (room - rows) // self.placement.network_rooms_per_hall

    def room_name(self, room: int) -> str:
        """Return a room's name for the cabling plan: `hall<h>-row<r>`, `hall<h>-network<k>` or `hall<h>-core` (a
        core room, in the hall it stands in; ids as rooms() counts them, halls and rows from 0)."""
        rows = self.halls * self.rows_per_hall
        if room < rows:
            return f"hall{room // self.rows_per_hall}-row{room % self.rows_per_hall}"
        if room >= self.first_core_room():
            return f"hall{self.room_hall(room)}-core"
        hall, local = divmod(room - rows, self.placement.network_rooms_per_hall)
        return f"hall{hall}-network{local}"

    def _row_room(self, su: np.ndarray, rack_in_su) -> np.ndarray:
        hall = self._su_hall(su)
        rack = (su - hall * self.units_per_hall * self.sus_per_unit) * self.racks_per_su + rack_in_su
        return hall * self.rows_per_hall + rack // self.racks_per_row

    def _network_room(self, pod: np.ndarray) -> np.ndarray:
        rooms = self.placement.network_rooms_per_hall
        if self.plan.tiers < 3:
            hall = np.full(pod.shape, self._su_hall(np.array(self.plan.sus // 2)), dtype=np.int64)
            room = np.zeros(pod.shape, dtype=np.int64)
        else:
            hall = self._su_hall(np.minimum(pod * self.sus_per_unit, self.plan.sus - 1))
            room = np.zeros(pod.shape, dtype=np.int64)
            if rooms > 1:
                local = self._pod_y(pod) - self._hy[hall]
                room = np.minimum((local / max(self.hall_depth_m, 1e-9) * rooms).astype(np.int64), rooms - 1)
        return self.halls * self.rows_per_hall + hall * rooms + room

    def server_room(self, server: np.ndarray) -> np.ndarray:
        """Return the room id (its compute row) of servers by global index."""
        su, slot = np.divmod(server, self.plan.leaf_downlinks)
        return self._row_room(su, slot // self.servers_per_rack)

    def leaf_room(self, leaf: np.ndarray) -> np.ndarray:
        """Return the room id of leaves by index in the plane."""
        su = leaf // self.plan.leaves_per_su
        if self.placement.leaf_location != "central":
            return self._row_room(su, self.racks_per_su // 2)
        pod = leaf // self.plan.leaves_per_pod if self.plan.tiers == 3 else np.zeros_like(leaf)
        return self._network_room(pod)

    def spine_room(self, pod: np.ndarray) -> np.ndarray:
        """Return the room id of the spines of pods (their network room)."""
        return self._network_room(pod)

    def _core_block(self, core: np.ndarray) -> np.ndarray:
        """Return the core room (0 .. core rooms - 1) of cores by index in the plane."""
        if len(self.core_halls) == 1:
            return np.zeros(np.shape(core), dtype=np.int64)
        return np.searchsorted(self._core_first, core, side="right").astype(np.int64) - 1

    def core_room(self, core: np.ndarray) -> np.ndarray:
        """Return the room id of cores (their core room)."""
        return self.first_core_room() + self._core_block(core)

    # -- coordinates ------------------------------------------------------------------------------------------

    def _su_hall(self, su: np.ndarray) -> np.ndarray:
        return (su // self.sus_per_unit) // self.units_per_hall

    def _rack_xy(self, su: np.ndarray, rack_in_su: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of a rack given its SU and its index in the SU."""
        hall = self._su_hall(su)
        first_su = hall * self.units_per_hall * self.sus_per_unit
        rack = (su - first_su) * self.racks_per_su + rack_in_su
        row, col = np.divmod(rack, self.racks_per_row)
        x = self._hx[hall] + col * self.placement.rack_width_m
        y = self._hy[hall] + row * self.placement.row_pitch_m
        return x.astype(np.float32), y.astype(np.float32)

    def server_xy(self, server: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of servers by global index."""
        su, slot = np.divmod(server, self.plan.leaf_downlinks)
        return self._rack_xy(su, slot // self.servers_per_rack)

    def _su_mid_xy(self, su: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._rack_xy(su, np.full_like(su, self.racks_per_su // 2))

    def _pod_y(self, pod: np.ndarray) -> np.ndarray:
        if self.plan.tiers < 3:
            return np.full(pod.shape, self._hy[self._su_hall(np.array(self.plan.sus // 2))] + self.hall_mid_y)
        mid_su = pod * self.sus_per_unit + self.sus_per_unit // 2
        mid_su = np.minimum(mid_su, self.plan.sus - 1)
        return self._su_mid_xy(mid_su)[1].astype(np.float64)

    def _pod_hall_x(self, pod: np.ndarray) -> np.ndarray:
        if self.plan.tiers < 3:
            return np.full(pod.shape, self._hx[self._su_hall(np.array(self.plan.sus // 2))])
        return self._hx[self._su_hall(np.minimum(pod * self.sus_per_unit, self.plan.sus - 1))]

    def leaf_xy(self, leaf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of leaves by index in the plane."""
        width = self.placement.rack_width_m
        su = leaf // self.plan.leaves_per_su
        x, y = self._su_mid_xy(su)
        where = self.placement.leaf_location
        if where == "in-row":
            return x.astype(np.float64), y
        hall_x = self._hx[self._su_hall(su)]
        if where == "end-of-row":
            return hall_x - width, y
        tiers3 = self.plan.tiers == 3
        pod = leaf // self.plan.leaves_per_pod if tiers3 else np.zeros_like(leaf)
        in_pod = leaf - pod * (self.plan.leaves_per_pod if tiers3 else 0)
        return (self._pod_hall_x(pod) - 4 * width,
                self._pod_y(pod) + (in_pod // self.per_network_rack) * width)

    def spine_xy(self, pod: np.ndarray, spine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of spines by pod and index in the pod: in the network room of the pod's hall."""
        width = self.placement.rack_width_m
        rooms = self.placement.network_rooms_per_hall
        y = self._pod_y(pod)
        if rooms > 1 and self.plan.tiers == 3:
            # Several network rooms along the hall: a pod's spines stand in the room nearest its middle.
            hall = self._su_hall(np.minimum(pod * self.sus_per_unit, self.plan.sus - 1))
            local = y - self._hy[hall]
            room = np.minimum((local / max(self.hall_depth_m, 1e-9) * rooms).astype(np.int64), rooms - 1)
            y = self._hy[hall] + (room + 0.5) * self.hall_depth_m / rooms
        return self._pod_hall_x(pod) - 3 * width, y + (spine // self.per_network_rack) * width

    def core_xy(self, core: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of cores by index: racks in a line through the middle of their core room."""
        width = self.placement.rack_width_m
        block = self._core_block(core)
        first = self._core_first[block]
        cores = np.maximum(self._core_first[block + 1] - first, 1)
        racks = -(-cores // self.per_network_rack)
        offset = ((core - first) // self.per_network_rack - racks // 2) * width
        hall = self.core_halls[block]
        return self._hx[hall] - 6 * width, self._hy[hall] + self.hall_mid_y + offset

    def run_m(self, ax, ay, zx, zy) -> np.ndarray:
        """Return cable runs in metres between two sets of points: Manhattan x slack + a drop at each end."""
        flat = np.abs(ax - zx)
        flat += np.abs(ay - zy)
        flat *= self.placement.slack
        flat += 2 * self.placement.rack_drop_m
        return flat
