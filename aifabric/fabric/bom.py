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


def _modules_per_device(keys: np.ndarray, mask: np.ndarray, speed_gbps: int, module_gbps: int) -> int:
    """Return modules needed when each device packs its ports of one medium into modules of module_gbps."""
    if not mask.any():
        return 0
    ports = np.bincount(keys[mask])
    ports = ports[ports > 0]
    return int(np.ceil(ports * speed_gbps / module_gbps).sum())


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
    media_links: dict[str, int] = {}
    transceivers: dict[str, dict[str, int]] = {"switch": {}, "nic": {}}
    cables: dict[tuple, int] = {}
    for link_set in links.sets.values():
        counts = np.bincount(link_set.medium, minlength=len(links.media))
        for index, medium in enumerate(links.media):
            n_links = int(counts[index])
            if not n_links:
                continue
            media_links[medium.id] = media_links.get(medium.id, 0) + n_links * planes
            mask = link_set.medium == index
            cable = hardware.cables[medium.cable]
            if medium.optical:
                module = hardware.transceivers[medium.switch_transceiver]
                for keys in _switch_ends(plan, link_set):
                    n = _modules_per_device(keys, mask, link_set.speed_gbps, module.module_gbps) * planes
                    transceivers["switch"][module.id] = transceivers["switch"].get(module.id, 0) + n
                if link_set.link_class == "nic_leaf":
                    module_id, n = _nic_modules(plan, hardware, medium, link_set, mask)
                    transceivers["nic"][module_id] = transceivers["nic"].get(module_id, 0) + n
                lengths, per_length = np.unique(link_set.cable_m[mask], return_counts=True)
                for length, n in zip(lengths.tolist(), per_length.tolist()):
                    key = (cable.id, float(length))
                    cables[key] = cables.get(key, 0) + n * planes
            else:
                # Copper: one cable per switch cage's worth of links (an 800G DAC carries two 400G links).
                keys = _switch_ends(plan, link_set)[0]
                lengths = link_set.cable_m[mask]
                for length in np.unique(lengths).tolist():
                    sub = mask.copy()
                    sub[mask] = lengths == length
                    n = _modules_per_device(keys, sub, link_set.speed_gbps, cable.cable_gbps) * planes
                    key = (cable.id, float(length))
                    cables[key] = cables.get(key, 0) + n
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


def bom_lines(plan: Plan, links: FabricLinks, hardware: Hardware) -> list[BomLine]:
    """Return the BOM lines, sorted by category then id then length."""
    switch = hardware.switch(plan.switch_id)
    nic = hardware.nic(plan.nic_id)
    counts = count_parts(links, hardware)
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
                             cable.power_w, cable.source))
    return lines
