"""Bill of materials from the link table: switches, NICs, transceivers counted per cage, cables by length."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

import numpy as np

from aifabric.catalog.models import Hardware
from aifabric.errors import DesignError
from aifabric.fabric import compat
from aifabric.fabric.links import FabricLinks, nic_cage_rails
from aifabric.fabric.sizing import Plan
from aifabric.io import plain_number

BOM_HEADER = ("category", "catalog_id", "part", "description", "quantity", "unit_power_w", "total_power_w", "source")
# Added after the columns above (and after the price columns of a priced BOM): what a buyer orders by.
# `network`: which network the line belongs to (compute, converged, storage, oob, nvlink).
ORDER_COLUMNS = ("order_code", "vendor", "verified", "spares", "lead_time_weeks", "network")


@dataclass(frozen=True)
class BomLine:
    """One line of the bill of materials: `quantity` units to order (0 for a part that ships inside a system and
    is listed only for its spares), `installed` units in service (what spares are counted from), the order code,
    vendor and whether the code was read from a vendor source, spares, and the price book's lead time."""

    category: str
    catalog_id: str
    part: str
    description: str
    quantity: int
    unit_power_w: float
    source: str
    length_m: float | None = None
    order_code: str = ""
    vendor: str = ""
    verified: bool = False
    part_class: str = ""
    installed: int | None = None
    spares: int = 0
    lead_time_weeks: float | None = None
    typical_power_w: float | None = None
    network: str = "compute"

    @property
    def total_power_w(self) -> float:
        """Return quantity x unit power."""
        return self.quantity * self.unit_power_w

    @property
    def units(self) -> int:
        """Return the units to order: quantity plus spares."""
        return self.quantity + self.spares

    def row(self) -> tuple:
        """Return the CSV row (the columns of BOM_HEADER)."""
        return (self.category, self.catalog_id, self.part, self.description, self.quantity,
                plain_number(self.unit_power_w), plain_number(self.total_power_w), " ".join(self.source.split()))

    def order_row(self) -> tuple:
        """Return the ORDER_COLUMNS cells."""
        lead = "" if self.lead_time_weeks is None else plain_number(self.lead_time_weeks)
        return (self.order_code, self.vendor, "yes" if self.verified else "no", self.spares, lead, self.network)

    def json(self) -> dict:
        """Return the line as an entry of `plan --json` "bom"."""
        entry = {"category": self.category, "catalog_id": self.catalog_id, "order_code": self.order_code,
                 "vendor": self.vendor, "verified": self.verified, "quantity": self.quantity, "spares": self.spares,
                 "unit_power_w": self.unit_power_w}
        if self.length_m is not None:
            entry["length_m"] = self.length_m
        if self.typical_power_w is not None:
            entry["typical_power_w"] = self.typical_power_w
        if self.lead_time_weeks is not None:
            entry["lead_time_weeks"] = self.lead_time_weeks
        entry["network"] = self.network
        return entry


@dataclass(slots=True)
class TrunkRoute:
    """The structured cabling between two rooms (placement room ids) for one trunk type: the optical links it
    carries over all planes, the panel ports they take at each end (an MPO-12 leg or a duplex LC port each), the
    fibers, the trunk length (the pair's longest ordered run), the trunks of each orderable fiber count, and the
    MPO-LC cassettes at each end (duplex-LC ports ride the trunk six to a 12-fiber MPO leg). A value, never changed
    once counted (not frozen: a spread core has a thousand routes, and a frozen dataclass costs 3 us each to make)."""

    trunk: str
    rooms: tuple[int, int]
    links: int
    ports: int
    fibers: int
    length_m: float
    trunks: tuple[tuple[int, int], ...]   # (fiber count, trunks of it)
    cassettes: tuple[tuple[str, int], ...] = ()  # (cassette id, cassettes at each end)
    panel_ports: tuple[tuple[str, int], ...] = ()  # (panel id, panel ports the route takes at each end)


@dataclass
class PartCounts:
    """Links per medium; transceivers per id on each side (switch, nic), those of them lit on half their lanes
    (split); cables per (id, length_m); structured cabling per (id, length_m or None, trunk fibers or None);
    switch ports per tier; the trunk routes (one per room pair and trunk type); the patch panels per (panel id,
    room) that the structured cabling line sums."""

    media_links: dict[str, int]
    transceivers: dict[str, dict[str, int]]
    cables: dict[tuple, int]
    structured: dict[tuple, int] = field(default_factory=dict)
    split_modules: dict[str, int] = field(default_factory=dict)
    ports: dict[str, dict] = field(default_factory=dict)
    trunk_routes: list[TrunkRoute] = field(default_factory=list)
    room_panels: dict[tuple[str, int], int] = field(default_factory=dict)

    def transceiver_totals(self) -> dict[str, int]:
        """Return transceivers per id, both sides together."""
        totals: dict[str, int] = {}
        for side in self.transceivers.values():
            for module_id, n in side.items():
                totals[module_id] = totals.get(module_id, 0) + n
        return dict(sorted(totals.items()))

    def optics_power_w(self, hardware: Hardware, typical: bool = False) -> float:
        """Return the power in W of every pluggable module and active cable: a module at its catalog power, or at
        its split-mode power when it lights only half its lanes (a 400G NIC module run as one 200G port, NVIDIA
        MMS4X00-NS400 / MMA4Z00-NS400: 2 channels lit, 5-6.5 W instead of 9 W). A NIC module split over two
        planes (2 x 200G) lights all four lanes and draws its full power. The one sum BOM, summary and site use.
        typical: full-power modules at their typical draw where the vendor publishes one (else the maximum)."""
        total = 0.0
        for module_id, n in self.transceiver_totals().items():
            module = hardware.transceivers[module_id]
            split = self.split_modules.get(module_id, 0) if module.split_power_w is not None else 0
            full_w = module.power_typical_w if typical and module.power_typical_w is not None else module.power_w
            total += full_w * (n - split) + (module.split_power_w or 0.0) * split
        return total + sum(hardware.cables[c].power_w * n for (c, _), n in self.cables.items())

    def parts(self) -> dict[str, dict[str, int]]:
        """Return the `parts` block of `fabric plan --json`: modules per side, cables and structured cabling per id."""
        def by_id(bucket: dict) -> dict[str, int]:
            totals: dict[str, int] = {}
            for key, n in bucket.items():
                totals[key[0]] = totals.get(key[0], 0) + n
            return dict(sorted(totals.items()))

        return {"switch_modules": dict(sorted(self.transceivers["switch"].items())),
                "nic_modules": dict(sorted(self.transceivers["nic"].items())),
                "cables": by_id(self.cables), "structured_cabling": by_id(self.structured)}


def count_parts(links: FabricLinks, hardware: Hardware) -> PartCounts:
    """Return the part counts over all planes, each part chosen by the rules (aifabric.fabric.compat)."""
    plan = links.plan
    planes = plan.planes
    n_media = len(links.media)
    counts = PartCounts({}, {"switch": {}, "nic": {}}, {}, {}, {}, compat.port_usage(links))
    # trunk id -> room pair -> [links, panel ports, fibers, longest run, {cassette id: LC ports},
    # {panel id: ports}];
    # (panel id, room) -> panel ports
    pairs: dict[str, dict[int, list]] = {}
    panels: dict[tuple[str, int], int] = {}

    def add(bucket: dict, key, n: int) -> None:
        if n:
            bucket[key] = bucket.get(key, 0) + n

    for link_class in links.sets:
        hist = links.histogram(link_class)
        present = np.flatnonzero(hist.sum(axis=1))
        only = int(present[0]) if len(present) == 1 else None
        # Counted from the class's runs: a key may stand for several identical switches (mult).
        runs = links.runs[link_class]
        speed = runs.speed_gbps
        ends = [(end.table(runs.medium, n_media), end.mult) for end in runs.ends]
        structured = []
        for index in range(n_media):
            n_links = int(hist[index].sum())
            if not n_links:
                continue
            option = links.option(link_class, index)
            add(counts.media_links, option.medium.id, n_links * planes)
            if option.copper is not None:
                _count_copper(option.copper, runs, index, hist, links.lengths_m, planes, counts.cables)
                continue
            # One module fills each cage: per switch, its ports on this medium over the ports one cage carries.
            for (table, mult), end in zip(ends, (option.a, option.b), strict=False):
                if end.module is not None:
                    n = _ceil_sum(table[:, index] * speed / end.module.module_gbps, mult) * planes
                    add(counts.transceivers["switch"], end.module.id, n)
            if link_class == "nic_leaf":
                n = _nic_modules(plan, hardware, option.b.module, runs, None if only is not None else index)
                add(counts.transceivers["nic"], option.b.module.id, n)
                if option.b.split_lanes:
                    add(counts.split_modules, option.b.module.id, n)
            beyond = []
            for length_index in np.nonzero(hist[index])[0].tolist():
                length_m = float(links.lengths_m[length_index])
                n = int(hist[index, length_index]) * planes
                if option.trunk is not None and length_m > option.cord_max_m + 1e-6:
                    beyond.append((length_m, n))
                else:
                    _count_fiber(option, n, length_m, counts)
            if beyond:
                _check_loss(option, max(beyond)[0], link_class)
                _count_jumpers(option, sum(n for _, n in beyond), counts)
                structured.append((index, option))
        if structured:
            table = _room_table(links, runs)
            _route_pairs(links, table, structured, pairs, panels)
    _count_trunks(hardware, pairs, panels, counts, links.floor.rooms() if pairs else 1)
    counts.media_links = dict(sorted(counts.media_links.items()))
    return counts


def _ceil_sum(values: np.ndarray, mult: np.ndarray | None) -> int:
    """Return the sum of ceil(values) over switches, each value standing for mult identical switches."""
    units = np.ceil(values)
    return int((units * mult).sum() if mult is not None else units.sum())


def _count_copper(cable, runs, index: int, hist: np.ndarray, lengths_m: np.ndarray, planes: int,
                  bucket: dict) -> None:
    """Add copper cables from a class's runs: one per switch cage's worth of links (an 800G splitter carries two
    400G NIC links), keyed by the length as the cable_m column holds it (float32), as the cabling plan shows it."""
    n_lengths = len(lengths_m)
    end = runs.ends[0]
    columns = np.where(runs.medium == index, runs.length_index, n_lengths)
    ports = end.table(columns, n_lengths + 1)
    for length_index in np.nonzero(hist[index])[0].tolist():
        n = _ceil_sum(ports[:, length_index] * runs.speed_gbps / cable.cable_gbps, end.mult) * planes
        key = (cable.id, float(np.float32(lengths_m[length_index])))
        bucket[key] = bucket.get(key, 0) + n


def _count_fiber(option, n_links: int, length_m: float, counts: PartCounts) -> None:
    """Add the cords of n_links optical links of one ordered length: straight cords (several per link when a port
    spans optical ports), or 1:2 splitter fibers where an end shares an optical port between two links (both ends:
    a splitter each and a coupler joining the legs: part of the cord run, so a cable, not structured cabling)."""
    splits = [e.links_per_optical_port for e in (option.a, option.b) if e is not None and e.links_per_optical_port > 1]
    if not splits:
        _add(counts.cables, (option.cord.id, length_m), n_links * _ports_per_link(option))
        return
    if option.shuffle is not None:
        # Split at both ends: a straight cord from each far-end optical port (the run's length) and from each
        # near-end one (the shortest cord) to shuffle modules beside the near end, each joining `legs` ports of
        # each side (aifabric.fabric.compat).
        _add(counts.cables, (option.cord.id, length_m), -(-n_links // option.b.links_per_optical_port))
        near = min(option.cord.lengths_m)
        _add(counts.cables, (option.cord.id, near), -(-n_links // option.a.links_per_optical_port))
        _add(counts.cables, (option.shuffle.id, None), -(-n_links // option.shuffle.legs ** 2))
        return
    for split in splits:
        _add(counts.cables, (option.cord.id, length_m), -(-n_links // split))


def _add(bucket: dict, key, n: int) -> None:
    if n:
        bucket[key] = bucket.get(key, 0) + n


def _ports_per_link(option) -> int:
    return max(e.optical_ports_per_link for e in (option.a, option.b) if e is not None)


def _check_loss(option, length_m: float, link_class: str) -> None:
    """Raise DesignError when a structured run of length_m exceeds the PMD's channel insertion-loss budget."""
    loss_db = compat.structured_loss_db(option, length_m)
    budget_db = compat.channel_budget_db(option)
    if loss_db > budget_db + 1e-9:
        module = (option.a.module or option.b.module).part
        raise DesignError(
            f"{link_class} runs of {length_m:g} m over structured cabling lose {loss_db:.2f} dB "
            f"({option.trunk.loss_db_per_km:g} dB/km fiber + {compat.structured_loss_db(option, 0.0) / 2:g} dB of "
            f"connections at each end), over the {budget_db:g} dB channel budget of {module}; shorten the runs "
            f"(placement) or use a longer-reach medium", field="placement")


def _count_jumpers(option, n_links: int, counts: PartCounts) -> None:
    """Add the jumpers of n_links structured links: at each end a jumper per optical port from the panel to the
    module, or, at an end that shares optical ports, a splitter cord (the cord family's shortest length) per
    optical port of the module (each leg plugs into its own panel port, so no adapter joins two legs)."""
    ends = [e for e in (option.a, option.b) if e is not None]
    optical_ports = n_links * _ports_per_link(option)
    for end in ends:
        if end.links_per_optical_port > 1:
            legs = option.splitter or option.cord
            _add(counts.cables, (legs.id, min(legs.lengths_m)), -(-n_links // end.links_per_optical_port))
        else:
            _add(counts.structured, (option.jumper.id, min(option.jumper.lengths_m), None), optical_ports)


def _room_table(links: FabricLinks, runs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (room ids of the a ends, room ids of the z ends, links per (room pair, medium, ordered length)) of a
    link class from its runs, the room pair p being a-room index p // len(z rooms), z-room index p % len(z rooms)."""
    n_lengths, n_media = len(links.lengths_m), len(links.media)
    used_a, room_a, used_z, room_z = runs.rooms()
    cell = ((room_a.astype(np.int64) * len(used_z) + room_z) * n_media + runs.medium) * n_lengths + runs.length_index
    weights = None if runs.per_link else runs.count  # (a run of one link counts once: no float weights)
    table = np.bincount(cell, weights=weights, minlength=len(used_a) * len(used_z) * n_media * n_lengths)
    return used_a, used_z, table.astype(np.int64, copy=False).reshape(-1, n_media, n_lengths)


def _route_pairs(links: FabricLinks, room_table, structured: list, pairs: dict, panels: dict) -> None:
    """Add the structured links of a link class to their room pairs (over all planes): links, panel ports, trunk
    fibers and the pair's longest ordered run per trunk type (links of every class and medium between two rooms
    share the trunks between their panels), and each room's panel ports per panel type. room_table: from
    _room_table; structured: the (medium index, option) pairs with runs past the longest cord."""
    used_a, used_z, table = room_table
    rooms = links.floor.rooms()
    planes = links.plan.planes
    for index, option in structured:
        beyond = links.lengths_m > option.cord_max_m + 1e-6
        counts = table[:, index, :] * beyond
        per_link = _ports_per_link(option)
        bucket = pairs.setdefault(option.trunk.id, {})
        fibers_per_leg = _fibers_per_leg(option)
        # Per room pair with structured links (arrays, then one dict update per pair): its links over all planes
        # and its longest ordered run (the last length column it uses).
        sums = counts.sum(axis=1)
        used = np.flatnonzero(sums)
        last = counts.shape[1] - 1 - np.argmax(counts[used, ::-1] > 0, axis=1)
        room_a, room_z = used_a[used // len(used_z)], used_z[used % len(used_z)]
        keys = np.minimum(room_a, room_z) * rooms + np.maximum(room_a, room_z)
        for key, a, z, n, longest in zip(keys.tolist(), room_a.tolist(), room_z.tolist(),
                                         (sums[used] * planes).tolist(), links.lengths_m[last].tolist(), strict=True):
            entry = bucket.setdefault(key, [0, 0, 0, 0.0, {}, {}])
            entry[0] += n
            entry[1] += n * per_link
            entry[5][option.panel.id] = entry[5].get(option.panel.id, 0) + n * per_link
            if option.cassette is not None:
                # LC ports reach the trunk through cassettes: their fibers are counted per whole cassette leg.
                entry[4][option.cassette.id] = entry[4].get(option.cassette.id, 0) + n * per_link
            else:
                entry[2] += n * per_link * fibers_per_leg
            entry[3] = max(entry[3], longest)
            for room in (a, z):
                panels[(option.panel.id, room)] = panels.get((option.panel.id, room), 0) + n * per_link


def _fibers_per_leg(option) -> int:
    """Return the trunk fibers one optical port takes: a whole MPO-12 leg (12 fibers, 8 lit for DR4/SR4; 24 for an
    MPO-16). Duplex-LC ports take theirs through cassettes (_count_trunks)."""
    return -(-option.cord.fiber_count // 12) * 12


def trunk_part(trunk, fibers: int, length_m: float) -> str:
    """Return the part string of a made-to-order trunk: family, fiber count and length (TRUNK-MPO12-OS2-288F-400M)."""
    return f"{trunk.part}-{fibers}F-{length_m:g}M"


def trunk_sizes(fibers: int, sizes: list[int]) -> list[tuple[int, int]]:
    """Return (fiber count, trunks) covering `fibers` with orderable trunk sizes: as many of the largest as fill,
    then the smallest size that holds the rest."""
    largest = max(sizes)
    full, rest = divmod(fibers, largest)
    result = [(largest, full)] if full else []
    if rest:
        size = min(s for s in sizes if s >= rest)
        if result and size == largest:
            result = [(largest, full + 1)]
        else:
            result.append((size, 1))
    return sorted(result)


def _count_trunks(hardware: Hardware, pairs: dict, panels: dict, counts: PartCounts, rooms: int) -> None:
    """Add the trunks of every room pair (orderable fiber counts, the pair's longest run rounded up to the trunk's
    orderable lengths), its MPO-LC cassettes (a route's LC ports over a cassette's, at each end; each cassette takes
    one whole MPO leg of the trunk) and the patch panels of every room (its panel ports over the panel's ports)."""
    for trunk_id, by_pair in sorted(pairs.items()):
        trunk = hardware.cables[trunk_id]
        sizes = trunk.fiber_counts or [trunk.fiber_count]
        orderable = sorted(trunk.lengths_m)
        split_of: dict[int, list[tuple[int, int]]] = {}  # fibers -> trunks (many routes carry the same fibers)
        for key, (n_links, ports, fibers, longest, lc_ports, panel_ports) in sorted(by_pair.items()):
            # The shortest orderable length covering the longest run (made to the run's length past the longest).
            at = bisect.bisect_left(orderable, longest - 1e-6)
            length = orderable[at] if at < len(orderable) else longest
            cassettes = []
            for cassette_id, n_ports in sorted(lc_ports.items()):
                cassette = hardware.cables[cassette_id]
                n = -(-n_ports // cassette.ports)
                fibers += n * cassette.fiber_count
                cassettes.append((cassette_id, n))
                _add(counts.structured, (cassette_id, None, None), 2 * n)
            split = split_of.get(fibers)
            if split is None:
                split = split_of[fibers] = trunk_sizes(fibers, sizes)
            for size, n in split:
                _add(counts.structured, (trunk_id, length, size), n)
            counts.trunk_routes.append(TrunkRoute(trunk_id, divmod(key, rooms), n_links, ports, fibers, length,
                                                  tuple(split), tuple(cassettes), tuple(sorted(panel_ports.items()))))
    for (panel_id, room), ports in sorted(panels.items()):
        n = -(-ports // hardware.cables[panel_id].ports)
        counts.room_panels[(panel_id, room)] = n
        _add(counts.structured, (panel_id, None, None), n)


def _nic_modules(plan: Plan, hardware: Hardware, module, runs, index: int | None) -> int:
    """Return the NIC-side modules over all planes from the NIC-leaf runs: one module fills each NIC cage, and a
    NIC's ports of every plane share its cage (index None: every NIC link on the medium, so every cage is full)."""
    rails_per_cage = nic_cage_rails(plan, hardware)
    if index is not None and runs.per_link:
        # Runs of one link each: a cage may hold rails on two media, each medium's ports counted per cage.
        cage_keys = runs.extra["server"] * (plan.rails // rails_per_cage) + runs.extra["rail"] // rails_per_cage
        cage_ports = np.bincount(cage_keys[runs.medium == index])
        cage_ports = cage_ports[cage_ports > 0] * plan.planes
        return int(np.ceil(cage_ports * runs.speed_gbps / module.module_gbps).sum())
    # Runs of whole servers, every rail of a server on one medium: each cage of a server on the medium is full.
    servers = plan.servers if index is None else int(runs.extra["servers"][runs.medium == index].sum())
    cages = servers * (plan.rails // rails_per_cage)
    return cages * -(-rails_per_cage * plan.planes * runs.speed_gbps // module.module_gbps)


def bom_lines(plan: Plan, links: FabricLinks, hardware: Hardware, counts: PartCounts | None = None,
              lead_times: dict[str, float] | None = None) -> list[BomLine]:
    """Return the BOM lines, sorted by category then id then length, each with its order code, vendor, verified
    flag and spares (counts: reuse parts already counted; lead_times: weeks per catalog id, from a price book)."""
    switch = hardware.switch(plan.switch_id)
    nic = hardware.nic(plan.nic_id)
    server = hardware.server(plan.server_id)
    counts = counts if counts is not None else count_parts(links, hardware)
    lines = _system_lines(plan, hardware) + [
        _line("switch", switch, switch.model, switch.name, plan.switch_counts()["total"], switch.power_w),
    ]
    if not server.nics_built_in:
        # Add-in cards of an OEM server are ordered; built-in NICs ship inside the system (its line says so).
        lines.append(_line("nic", nic, nic.part or nic.id, f"{nic.name} (add-in, one per GPU)", plan.gpus,
                           nic.power_w))
    for side, label in (("switch", "switch side"), ("nic", "NIC side")):
        for module_id, quantity in sorted(counts.transceivers[side].items()):
            module = hardware.transceivers[module_id]
            split = counts.split_modules.get(module_id, 0) if side == "nic" else 0
            if quantity - split:
                lines.append(_line("transceiver", module, module.part, f"{module.name} ({label})", quantity - split,
                                   module.power_w))
            if split:
                lines.append(_line("transceiver", module, module.part, f"{module.name} ({label}, half its lanes lit)",
                                   split, module.split_power_w if module.split_power_w is not None else
                                   module.power_w, typical=False))
    for (cable_id, length), quantity in sorted(counts.cables.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        cable = hardware.cables[cable_id]
        where = f", {length:g} m" if length is not None else ""
        lines.append(_line("cable", cable, cable.part_number(length), f"{cable.name}{where}", quantity,
                           cable.power_w, length=length))
    for (part_id, length, fibers), quantity in sorted(counts.structured.items(),
                                                      key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2] or 0)):
        part = hardware.cables[part_id]
        if fibers is not None:
            # A trunk is made to order: its fiber count and length are the part.
            legs = f"{fibers // 12} MPO-12 legs" if part.end_a == "mpo-12" else f"{fibers} fibers"
            lines.append(_line("cable", part, trunk_part(part, fibers, length),
                               f"{part.name}: {fibers} fibers ({legs}), {length:g} m (structured cabling)",
                               quantity, part.power_w, length=length, fibers=fibers))
            continue
        where = f", {length:g} m" if length is not None else ""
        lines.append(_line("cable", part, part.part_number(length), f"{part.name} (structured cabling){where}",
                           quantity, part.power_w, length=length))
    return with_spares(lines, hardware, lead_times or {})


CABLE_CLASS = {"dac": "copper", "splitter-dac": "copper", "acc": "copper", "splitter-acc": "copper",
               "fiber": "fiber-cord", "splitter-fiber": "fiber-cord", "jumper": "fiber-cord", "trunk": "trunk",
               "panel": "structured", "adapter": "structured", "cassette": "structured", "aoc": "fiber-cord",
               "utp": "copper"}


def _line(category: str, entry, part: str, description: str, quantity: int, unit_power_w: float,
          length: float | None = None, fibers: int | None = None, typical: bool = True) -> BomLine:
    """Return a BomLine of a catalog part: its order code (a generic part's specification), vendor, verified flag
    (per length for cords whose codes were read only for some lengths) and spares class."""
    verified = entry.verified_at(length) if category == "cable" else entry.verified
    # A cable kind the table does not know (a new structured-cabling part) is spared as structured cabling.
    part_class = CABLE_CLASS.get(entry.kind, "structured") if category == "cable" else category
    return BomLine(category, entry.id, part, description, quantity, unit_power_w, entry.source, length,
                   order_code=entry.order_code_for(fibers, length), vendor=entry.vendor or "", verified=verified,
                   part_class=part_class, typical_power_w=entry.power_typical_w if typical else None)


def with_spares(lines: list[BomLine], hardware: Hardware, lead_times: dict[str, float]) -> list[BomLine]:
    """Return the lines with spares per their class's policy (catalog spares.yaml) and the price book's lead time
    (which also sets the AFR policy's window), counted from the units installed."""
    out = []
    for line in lines:
        policy = hardware.spares.get(line.part_class)
        lead = lead_times.get(line.catalog_id)
        installed = line.quantity if line.installed is None else line.installed
        spares = policy.spares(installed, lead) if policy is not None else 0
        out.append(replace(line, spares=spares, lead_time_weeks=lead))
    return out


def unverified(lines: list[BomLine]) -> dict[str, int]:
    """Return how many lines, and units (quantity + spares), carry an order code not read from a vendor source."""
    bad = [line for line in lines if not line.verified and line.units]
    return {"lines": len(bad), "units": sum(line.units for line in bad)}


def longest_lead(lines: list[BomLine], n: int = 5) -> list[dict]:
    """Return the n lines with the longest lead time (price book), longest first."""
    timed = sorted((line for line in lines if line.lead_time_weeks is not None and line.units),
                   key=lambda line: (-line.lead_time_weeks, line.catalog_id, line.length_m or 0))
    return [{"catalog_id": line.catalog_id, "order_code": line.order_code, "lead_time_weeks": line.lead_time_weeks,
             "units": line.units} for line in timed[:n]]


def _system_lines(plan: Plan, hardware: Hardware) -> list[BomLine]:
    """Return the system lines as the systems are ordered: N-GPU servers one line each (their built-in NICs and
    cages named in it); a rack-scale system one line per rack SKU (trays, NVLink switch trays, spine and power
    shelves inside), its compute and NVLink switch trays listed with quantity 0 for their spares only."""
    server = hardware.server(plan.server_id)
    inside = f"; ships with {'; '.join(server.includes)}" if server.includes else ""
    if not plan.rack_scale:
        nics = (f"; {plan.rails} x {hardware.nic(plan.nic_id).name} built in" if server.nics_built_in and
                not server.includes else "")
        return [_line("system", server, server.order_code_for(), f"{server.name}{nics}{inside}", plan.servers,
                      server.power_w)]
    racks = plan.system_racks
    nic = hardware.nic(plan.nic_id)
    rack = _line("system", server, server.order_code_for(),
                 f"{server.name}: whole rack ({plan.trays_per_rack} compute trays with {plan.rails} x {nic.name} "
                 f"each{inside})", racks, server.rack_power_w())
    # The rack SKU is not spared whole: its trays are (the lines below).
    rack = replace(rack, typical_power_w=server.rack_power_typical_w, part_class="rack")
    tray = replace(rack, catalog_id=f"{server.id}-compute-tray", part=server.spare_tray_order_code or "",
                   order_code=server.spare_tray_order_code or f"{server.order_code_for()} compute tray",
                   description=f"{server.name}: compute tray ({plan.gpus_per_server} GPUs, {plan.rails} x {nic.name}"
                               f"), spare only: the rack ships with its trays", quantity=0,
                   unit_power_w=server.power_w, installed=plan.servers, typical_power_w=None, part_class="system")
    switch_trays = racks * server.nvlink_switch_trays_per_rack
    lines = [rack, tray]
    if switch_trays:
        lines.append(replace(tray, catalog_id=f"{server.id}-nvlink-switch-tray",
                             part=server.spare_switch_tray_order_code or "",
                             order_code=server.spare_switch_tray_order_code
                             or f"{server.order_code_for()} NVLink switch tray",
                             description=f"{server.name}: NVLink switch tray (2 NVLink switch chips), spare only: the "
                                         f"rack ships with its {server.nvlink_switch_trays_per_rack}",
                             unit_power_w=server.nvlink_switch_tray_power_w, installed=switch_trays))
    return lines
