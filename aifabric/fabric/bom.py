"""Bill of materials from the link table: switches, NICs, transceivers counted per cage, cables by length."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aifabric.catalog.models import Hardware
from aifabric.errors import DesignError
from aifabric.fabric import compat
from aifabric.fabric.links import FabricLinks, LinkSet, nic_cage_rails
from aifabric.fabric.sizing import Plan
from aifabric.io import plain_number

BOM_HEADER = ("category", "catalog_id", "part", "description", "quantity", "unit_power_w", "total_power_w", "source")


@dataclass(frozen=True)
class BomLine:
    """One line of the bill of materials."""

    category: str
    catalog_id: str
    part: str
    description: str
    quantity: int
    unit_power_w: float
    source: str
    length_m: float | None = None

    @property
    def total_power_w(self) -> float:
        """Return quantity x unit power."""
        return self.quantity * self.unit_power_w

    def row(self) -> tuple:
        """Return the CSV row."""
        return (self.category, self.catalog_id, self.part, self.description, self.quantity,
                plain_number(self.unit_power_w), plain_number(self.total_power_w), " ".join(self.source.split()))


def _spine_keys(plan: Plan, pod: np.ndarray, spine: np.ndarray) -> np.ndarray:
    base = np.cumsum([0] + [p.spines for p in plan.pods])[:-1].astype(spine.dtype)
    return base[pod] + spine


def _ports_per_device_and_medium(keys: np.ndarray, medium: np.ndarray, n_media: int,
                                 only: int | None = None) -> np.ndarray:
    """Return a (devices x media) table of how many ports each device has on each medium (only: the one medium of
    a class that uses one, which needs a plain count per device)."""
    devices = int(keys.max()) + 1 if keys.size else 0
    if only is not None:
        table = np.zeros((devices, n_media), dtype=np.int64)
        table[:, only] = np.bincount(keys, minlength=devices)
        return table
    table = np.bincount(keys.astype(np.int64) * n_media + medium, minlength=devices * n_media)
    return table.reshape(devices, n_media)


def _switch_ends(plan: Plan, link_set: LinkSet) -> list[np.ndarray]:
    """Return the switch keys at each switch end of a link set (one array per switch end)."""
    if link_set.link_class == "nic_leaf":
        return [link_set.z]
    if link_set.link_class == "leaf_spine":
        return [link_set.a, _spine_keys(plan, link_set.z_pod, link_set.z)]
    return [_spine_keys(plan, link_set.a_pod, link_set.a), link_set.z]


@dataclass
class PartCounts:
    """Links per medium; transceivers per id on each side (switch, nic), those of them lit on half their lanes
    (split); cables per (id, length_m); structured cabling per (id, length_m or None); switch ports per tier."""

    media_links: dict[str, int]
    transceivers: dict[str, dict[str, int]]
    cables: dict[tuple, int]
    structured: dict[tuple, int] = field(default_factory=dict)
    split_modules: dict[str, int] = field(default_factory=dict)
    ports: dict[str, dict] = field(default_factory=dict)

    def transceiver_totals(self) -> dict[str, int]:
        """Return transceivers per id, both sides together."""
        totals: dict[str, int] = {}
        for side in self.transceivers.values():
            for module_id, n in side.items():
                totals[module_id] = totals.get(module_id, 0) + n
        return dict(sorted(totals.items()))

    def parts(self) -> dict[str, dict[str, int]]:
        """Return the `parts` block of `fabric plan --json`: modules per side, cables and structured cabling per id."""
        def by_id(bucket: dict) -> dict[str, int]:
            totals: dict[str, int] = {}
            for (part_id, _), n in bucket.items():
                totals[part_id] = totals.get(part_id, 0) + n
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

    def add(bucket: dict, key, n: int) -> None:
        if n:
            bucket[key] = bucket.get(key, 0) + n

    for link_set in links.sets.values():
        hist = links.histogram(link_set.link_class)
        speed = link_set.speed_gbps
        switch_ends = _switch_ends(plan, link_set)
        present = np.flatnonzero(hist.sum(axis=1))
        only = int(present[0]) if len(present) == 1 else None
        ends = [_ports_per_device_and_medium(k, link_set.medium, n_media, only) for k in switch_ends]
        for index in range(n_media):
            n_links = int(hist[index].sum())
            if not n_links:
                continue
            option = links.option(link_set.link_class, index)
            add(counts.media_links, option.medium.id, n_links * planes)
            if option.copper is not None:
                _count_copper(option.copper, link_set, switch_ends[0], index, hist, links.lengths_m, speed, planes,
                              counts.cables)
                continue
            # One module fills each cage: per switch, its ports on this medium over the ports one cage carries.
            for table, end in zip(ends, (option.a, option.b), strict=False):
                if end.module is not None:
                    n = int(np.ceil(table[:, index] * speed / end.module.module_gbps).sum()) * planes
                    add(counts.transceivers["switch"], end.module.id, n)
            if link_set.link_class == "nic_leaf":
                n = _nic_modules(plan, hardware, option.b.module, link_set, None if only is not None else
                                 link_set.medium == index)
                add(counts.transceivers["nic"], option.b.module.id, n)
                if option.b.split_lanes:
                    add(counts.split_modules, option.b.module.id, n)
            for length_index in np.nonzero(hist[index])[0].tolist():
                _count_fiber(option, int(hist[index, length_index]) * planes, float(links.lengths_m[length_index]),
                             link_set.link_class, counts)
    counts.media_links = dict(sorted(counts.media_links.items()))
    return counts


def _count_copper(cable, link_set: LinkSet, keys: np.ndarray, index: int, hist: np.ndarray, lengths_m: np.ndarray,
                  speed: int, planes: int, bucket: dict) -> None:
    """Add copper cables: one per switch cage's worth of links (an 800G splitter carries two 400G NIC links)."""
    mask = link_set.medium == index
    keys = keys[mask]
    length_of_link = link_set.length_index[mask]
    for length_index in np.nonzero(hist[index])[0].tolist():
        ports = np.bincount(keys[length_of_link == length_index])
        n = int(np.ceil(ports * speed / cable.cable_gbps).sum()) * planes
        # Keyed by the length as the cable_m column holds it (float32), as the cabling plan shows it.
        key = (cable.id, float(np.float32(lengths_m[length_index])))
        bucket[key] = bucket.get(key, 0) + n


def _count_fiber(option, n_links: int, length_m: float, link_class: str, counts: PartCounts) -> None:
    """Add the fiber of n_links optical links of one ordered length: straight cords (several per link when a port
    spans optical ports), 1:2 splitter fibers where an end shares an optical port between two links (both ends:
    a splitter each and an adapter joining the legs), or structured cabling beyond the longest cord."""
    def add(bucket: dict, key, n: int) -> None:
        if n:
            bucket[key] = bucket.get(key, 0) + n

    ends = [e for e in (option.a, option.b) if e is not None]
    per_link = max(e.optical_ports_per_link for e in ends)
    splits = [e.links_per_optical_port for e in ends if e.links_per_optical_port > 1]
    if length_m <= option.cord_max_m + 1e-6:
        if not splits:
            add(counts.cables, (option.cord.id, length_m), n_links * per_link)
        else:
            for split in splits:
                add(counts.cables, (option.cord.id, length_m), -(-n_links // split))
            if len(splits) == 2:
                add(counts.structured, (_adapter_id(option), None), n_links)
        return
    # Structured cabling: the run's fibers in shared trunks, a panel port at each end, a jumper (or, at an end that
    # shares optical ports, a splitter jumper) from each panel port to its module.
    loss_db = compat.structured_loss_db(option, length_m)
    budget_db = compat.channel_budget_db(option)
    if loss_db > budget_db + 1e-9:
        module = (option.a.module or option.b.module).part
        raise DesignError(
            f"{link_class} runs of {length_m:g} m over structured cabling lose {loss_db:.2f} dB "
            f"({option.trunk.loss_db_per_km:g} dB/km fiber + {option.panel.connector_loss_db:g} dB per panel "
            f"connection), over the {budget_db:g} dB channel budget of {module}; shorten the runs "
            f"(placement) or use a longer-reach medium", field="placement")
    optical_ports = n_links * per_link
    fibers = optical_ports * option.cord.fiber_count
    add(counts.structured, (option.trunk.id, length_m), -(-fibers // option.trunk.fiber_count))
    add(counts.structured, (option.panel.id, None), -(-2 * optical_ports // option.panel.ports))
    jumper_m = min(option.jumper.lengths_m)
    for end in ends:
        if end.links_per_optical_port > 1:
            add(counts.cables, (option.cord.id, min(option.cord.lengths_m)), -(-n_links // end.links_per_optical_port))
        else:
            add(counts.structured, (option.jumper.id, jumper_m), optical_ports)
    if len(splits) == 2:
        add(counts.structured, (_adapter_id(option), None), n_links)


def _adapter_id(option) -> str:
    return "adapter-mpo"


def _nic_modules(plan: Plan, hardware: Hardware, module, link_set: LinkSet, mask: np.ndarray | None) -> int:
    """Return the NIC-side modules over all planes: one module fills each NIC cage, and a NIC's ports of every
    plane share its cage (mask None: every NIC link on this medium, so every cage is full)."""
    rails_per_cage = nic_cage_rails(plan, hardware)
    if mask is None:
        cages = plan.servers * (plan.rails // rails_per_cage)
        return cages * -(-rails_per_cage * plan.planes * link_set.speed_gbps // module.module_gbps)
    cage_keys = link_set.a * (plan.rails // rails_per_cage) + link_set.a_port // rails_per_cage
    cage_ports = np.bincount(cage_keys[mask])
    cage_ports = cage_ports[cage_ports > 0] * plan.planes
    return int(np.ceil(cage_ports * link_set.speed_gbps / module.module_gbps).sum())


def bom_lines(plan: Plan, links: FabricLinks, hardware: Hardware, counts: PartCounts | None = None) -> list[BomLine]:
    """Return the BOM lines, sorted by category then id then length (counts: reuse parts already counted)."""
    switch = hardware.switch(plan.switch_id)
    nic = hardware.nic(plan.nic_id)
    counts = counts if counts is not None else count_parts(links, hardware)
    lines = _system_lines(plan, hardware) + [
        BomLine("switch", switch.id, switch.model, switch.name, plan.switch_counts()["total"], switch.power_w,
                switch.source),
        BomLine("nic", nic.id, nic.part or nic.id, f"{nic.name} (one per GPU)", plan.gpus, nic.power_w, nic.source),
    ]
    for side, label in (("switch", "switch side"), ("nic", "NIC side")):
        for module_id, quantity in sorted(counts.transceivers[side].items()):
            module = hardware.transceivers[module_id]
            split = counts.split_modules.get(module_id, 0) if side == "nic" else 0
            if quantity - split:
                lines.append(BomLine("transceiver", module.id, module.part, f"{module.name} ({label})",
                                     quantity - split, module.power_w, module.source))
            if split:
                lines.append(BomLine("transceiver", module.id, module.part,
                                     f"{module.name} ({label}, half its lanes lit)", split,
                                     module.split_power_w if module.split_power_w is not None else module.power_w,
                                     module.source))
    for (cable_id, length), quantity in sorted(counts.cables.items()):
        cable = hardware.cables[cable_id]
        lines.append(BomLine("cable", cable.id, cable.part_number(length), f"{cable.name}, {length:g} m", quantity,
                             cable.power_w, cable.source, length))
    for (part_id, length), quantity in sorted(counts.structured.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        part = hardware.cables[part_id]
        where = f", {length:g} m" if length is not None else ""
        lines.append(BomLine("cable", part.id, part.part_number(length), f"{part.name} (structured cabling){where}",
                             quantity, part.power_w, part.source, length))
    return lines


def _system_lines(plan: Plan, hardware: Hardware) -> list[BomLine]:
    """Return the rack-scale system lines (racks, compute trays, NVLink switch trays and their power), none for
    N-GPU servers."""
    if not plan.rack_scale:
        return []
    server = hardware.server(plan.server_id)
    racks = plan.system_racks
    switch_trays = racks * server.nvlink_switch_trays_per_rack
    return [
        BomLine("system", server.id, f"{server.id}-rack", f"{server.name}: rack, power shelves and NVLink spine "
                f"({plan.trays_per_rack} compute trays, {server.nvlink_switch_trays_per_rack} NVLink switch trays "
                f"per rack)", racks, server.rack_overhead_w, server.source),
        BomLine("system", f"{server.id}-compute-tray", f"{server.id}-compute-tray",
                f"{server.name}: compute tray, {plan.gpus_per_server} GPUs and {plan.rails} scale-out NICs",
                plan.servers, server.power_w, server.source),
        BomLine("system", f"{server.id}-nvlink-switch-tray", f"{server.id}-nvlink-switch-tray",
                f"{server.name}: NVLink switch tray (2 NVLink switch chips)", switch_trays,
                server.nvlink_switch_tray_power_w, server.source),
    ]
