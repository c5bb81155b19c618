"""Bill of materials from the link table: switches, NICs, transceivers counted per cage, cables by length."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aifabric.catalog.models import Hardware
from aifabric.fabric.links import FabricLinks, LinkSet, nic_cage_rails
from aifabric.fabric.sizing import Plan

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
                f"{self.unit_power_w:g}", f"{self.total_power_w:g}", " ".join(self.source.split()))


def _spine_keys(plan: Plan, pod: np.ndarray, spine: np.ndarray) -> np.ndarray:
    base = np.cumsum([0] + [p.spines for p in plan.pods])[:-1]
    return base[pod] + spine


def _ports_per_device_and_medium(keys: np.ndarray, medium: np.ndarray, n_media: int) -> np.ndarray:
    """Return a (devices x media) table of how many ports each device has on each medium."""
    devices = int(keys.max()) + 1 if keys.size else 0
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
    """Links per medium, transceivers per id on each side (switch, nic), cables per (id, length_m)."""

    media_links: dict[str, int]
    transceivers: dict[str, dict[str, int]]
    cables: dict[tuple, int]

    def transceiver_totals(self) -> dict[str, int]:
        """Return transceivers per id, both sides together."""
        totals: dict[str, int] = {}
        for side in self.transceivers.values():
            for module_id, n in side.items():
                totals[module_id] = totals.get(module_id, 0) + n
        return dict(sorted(totals.items()))


def count_parts(links: FabricLinks, hardware: Hardware) -> PartCounts:
    """Return the part counts over all planes."""
    plan = links.plan
    planes = plan.planes
    n_media = len(links.media)
    media_links: dict[str, int] = {}
    transceivers: dict[str, dict[str, int]] = {"switch": {}, "nic": {}}
    cables: dict[tuple, int] = {}

    def add(bucket: dict, key, n: int) -> None:
        if n:
            bucket[key] = bucket.get(key, 0) + n

    for link_set in links.sets.values():
        hist = links.histogram(link_set.link_class)
        speed = link_set.speed_gbps
        ends = [_ports_per_device_and_medium(k, link_set.medium, n_media) for k in _switch_ends(plan, link_set)]
        for index, medium in enumerate(links.media):
            n_links = int(hist[index].sum())
            if not n_links:
                continue
            add(media_links, medium.id, n_links * planes)
            cable = hardware.cables[medium.cable]
            if medium.optical:
                module = hardware.transceivers[medium.switch_transceiver]
                for table in ends:
                    n = int(np.ceil(table[:, index] * speed / module.module_gbps).sum()) * planes
                    add(transceivers["switch"], module.id, n)
                if link_set.link_class == "nic_leaf":
                    module_id, n = _nic_modules(plan, hardware, medium, link_set, link_set.medium == index)
                    add(transceivers["nic"], module_id, n)
                for length_index in np.nonzero(hist[index])[0].tolist():
                    key = (cable.id, float(links.lengths_m[length_index]))
                    add(cables, key, int(hist[index, length_index]) * planes)
            else:
                # Copper: one cable per switch cage's worth of links (an 800G DAC carries two 400G links).
                mask = link_set.medium == index
                keys = _switch_ends(plan, link_set)[0][mask]
                length_of_link = link_set.length_index[mask]
                for length_index in np.nonzero(hist[index])[0].tolist():
                    ports = np.bincount(keys[length_of_link == length_index])
                    n = int(np.ceil(ports * speed / cable.cable_gbps).sum()) * planes
                    # Keyed by the length as the cable_m column holds it (float32), as the cabling plan shows it.
                    add(cables, (cable.id, float(np.float32(links.lengths_m[length_index]))), n)
    return PartCounts(dict(sorted(media_links.items())), transceivers, cables)


def _nic_modules(plan: Plan, hardware: Hardware, medium, link_set: LinkSet, mask: np.ndarray) -> tuple[str, int]:
    """Return (module id, modules over all planes) on the NIC side: one module fills each NIC cage, and a NIC's
    ports of every plane share its cage."""
    server = hardware.server(plan.server_id)
    nic = hardware.nic(plan.nic_id)
    rails_per_cage = nic_cage_rails(plan, hardware)
    ports_per_cage = rails_per_cage * plan.planes
    form = server.nic_cage_form or nic.cage_form
    if ports_per_cage > 1 and form == "osfp":
        # A NIC cage carrying several ports takes the twin-port OSFP module the switches use.
        module_id = medium.switch_transceiver
    else:
        module_id = medium.nic_transceiver.get(form)
        if module_id is None:
            from aifabric.errors import DesignError

            raise DesignError(f"medium {medium.id} has no NIC-side module for a {form} cage")
    module = hardware.transceivers[module_id]
    cage_keys = link_set.a * (plan.rails // rails_per_cage) + link_set.a_port // rails_per_cage
    cage_ports = np.bincount(cage_keys[mask])
    cage_ports = cage_ports[cage_ports > 0] * plan.planes
    return module_id, int(np.ceil(cage_ports * link_set.speed_gbps / module.module_gbps).sum())


def bom_lines(plan: Plan, links: FabricLinks, hardware: Hardware, counts: PartCounts | None = None) -> list[BomLine]:
    """Return the BOM lines, sorted by category then id then length (counts: reuse parts already counted)."""
    switch = hardware.switch(plan.switch_id)
    nic = hardware.nic(plan.nic_id)
    counts = counts if counts is not None else count_parts(links, hardware)
    lines = [
        BomLine("switch", switch.id, switch.model, switch.name, plan.switch_counts()["total"], switch.power_w,
                switch.source),
        BomLine("nic", nic.id, nic.id, f"{nic.name} (one per GPU)", plan.gpus, nic.power_w, nic.source),
    ]
    for side, label in (("switch", "switch side"), ("nic", "NIC side")):
        for module_id, quantity in sorted(counts.transceivers[side].items()):
            module = hardware.transceivers[module_id]
            lines.append(BomLine("transceiver", module.id, module.part, f"{module.name} ({label})", quantity,
                                 module.power_w, module.source))
    for (cable_id, length), quantity in sorted(counts.cables.items()):
        cable = hardware.cables[cable_id]
        lines.append(BomLine("cable", cable.id, cable.part, f"{cable.name}, {length:g} m", quantity,
                             cable.power_w, cable.source, length))
    return lines
