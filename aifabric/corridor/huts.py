"""Hut and handoff sheet: per terminal, ROADM, regen and ILA site its coordinates, equipment, rack units and kW
(from catalog power of line equipment and of each coherent mode), and the demarcation at each demand end.

Equipment per site (the rules the RFP states):
- ILA hut: one in-line amplifier node per fiber pair of its segment, of the line system's type there (a Raman
  hybrid node when either direction's amplifier is one, else the EDFA node of the larger catalog power).
- Pass-through POP: one ROADM node per fiber pair of the busiest used segment at the site.
- Terminal (a demand ends here): one terminal line system per fiber pair of each used segment at the site, one
  transponder per wave per path ending here, one protection switch per wave of a 1+1 demand ending here.
- Regen (a POP or a hut): two transponders per wave per path regenerated there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aifabric.corridor.line_catalog import LineEquipment

KIND_ORDER = {"terminal": 0, "roadm": 1, "regen": 2, "ila": 3}
# A demand end without a `demarcation:` entry in the spec.
DEMARCATION_UNKNOWN = "not in the spec: the buyer names the building, the carrier its meet-me room"


def demarcation_text(spec, site_id: str) -> str:
    """Return where the service is handed off at a demand end: the spec's building and meet-me room, or a
    request to state them."""
    demarc = spec.demarcation.get(site_id)
    if demarc is None:
        return DEMARCATION_UNKNOWN
    return demarc.building + (f", {demarc.room}" if demarc.room else "")


@dataclass
class HutRow:
    """One site of the sheet: where it is, what stands in it, its rack units and kW, and the handoff."""

    site_id: str
    kind: str
    name: str
    lat: float
    lon: float
    segment: str = ""
    equipment: dict[str, int] = field(default_factory=dict)
    transponders: int = 0
    regen: bool = False
    transponder_w: float = 0.0
    transponder_power_unknown: set[str] = field(default_factory=set)
    demarcation: str = ""
    used_by: set[str] = field(default_factory=set)

    def rack_units(self, catalog: dict[str, LineEquipment]) -> float:
        """Return the rack units of the site's equipment and transponders (transponder hosts by catalog share)."""
        units = sum(count * catalog[item].rack_units for item, count in self.equipment.items())
        return units + self.transponders * catalog["coherent-transponder"].rack_units

    def power_kw(self, catalog: dict[str, LineEquipment]) -> float:
        """Return the site's power in kW: catalog power of its equipment plus its transponders' mode power."""
        watts = sum(count * (catalog[item].power_w or 0.0) for item, count in self.equipment.items())
        return (watts + self.transponder_w) / 1000.0


def _add(row: HutRow, item: str, count: int) -> None:
    if count > 0:
        row.equipment[item] = row.equipment.get(item, 0) + count


def _hut_nodes(plan, catalog: dict[str, LineEquipment]) -> dict[str, str]:
    """Return {hut id: catalog entry of its amplifier node} of a plan's line system (`hut_nodes`)."""
    return hut_nodes(getattr(plan, "line_system", None) or {}, catalog)


def hut_nodes(line_system: dict, catalog: dict[str, LineEquipment]) -> dict[str, str]:
    """Return {hut id: catalog entry of its amplifier node} from a line system's JSON (`per_span`): of the two
    directions' amplifiers there, the Raman hybrid if either is one, else the entry of the larger power (one
    bidirectional node). ROADM sites' preamps are not huts: only `at` ids the caller asks about matter."""
    entries: dict[str, set[str]] = {}
    for row in line_system.get("per_span", []):
        entries.setdefault(row["at"], set()).add(row["entry"])

    def rank(entry_id: str) -> tuple[bool, float, str]:
        e = catalog.get(entry_id)
        return (e is not None and e.family == "raman-hybrid", (e.power_w or 0.0) if e else 0.0, entry_id)

    return {at: max(ids, key=rank) for at, ids in entries.items() if all(i in catalog for i in ids)}


def hut_sheet(plan, catalog: dict[str, LineEquipment]) -> list[HutRow]:
    """Return the sheet's rows: terminals, pass-through POPs, regens, then ILA huts, each sorted by id."""
    network = plan.network
    pairs = {s.segment_id: s.fiber_pairs for s in plan.segments}
    terminals = {end for d in plan.demands for end in (d.demand.a, d.demand.z)}
    rows: dict[str, HutRow] = {}

    def site_row(site_id: str, kind: str) -> HutRow:
        if site_id not in rows:
            site = network.sites[site_id]
            rows[site_id] = HutRow(site_id, kind, site.name, site.lat, site.lon)
        return rows[site_id]

    for d in plan.demands:
        for p in d.paths:
            tag = f"{d.demand.demand_id}/{p.role}"
            for site_id in p.route.sites:
                site_row(site_id, "terminal" if site_id in terminals else "roadm").used_by.add(tag)
    for site_id, row in rows.items():
        incident = [pairs[s] for s in pairs if site_id in (network.segments[s].a, network.segments[s].z)]
        if row.kind == "terminal":
            _add(row, "terminal-line", sum(incident))
            row.demarcation = demarcation_text(plan.spec, site_id)
        else:
            _add(row, "roadm-node", max(incident, default=0))
            row.demarcation = "carrier POP (no handoff)"
    node_at = _hut_nodes(plan, catalog)
    for s in plan.segments:
        for hut in s.spans.huts:
            row = HutRow(hut.id, "ila", "in-line amplifier hut", hut.lat, hut.lon, s.segment_id)
            # Per-span counts: a hut amplifies the pairs lit on its piece of the segment, with the line system's node.
            _add(row, node_at.get(hut.id, "ila-amplifier"), s.pairs_at_hut(hut.index))
            row.demarcation = "carrier ILA hut (no handoff)"
            row.used_by = {f"{d}" for d in s.demands}
            rows[hut.id] = row
    for d in plan.demands:
        for p in d.paths:
            tag = f"{d.demand.demand_id}/{p.role}"
            # Each path has its own mode and wave count (the planner chooses them per path).
            placements = [(d.demand.a, p.waves, False), (d.demand.z, p.waves, False)]
            placements += [(site_id, 2 * p.waves, True) for site_id in p.regen_sites]
            for site_id, count, regen in placements:
                row = rows[site_id]
                if regen:
                    row.regen = True
                    if row.kind == "roadm":
                        row.kind = "regen"
                row.transponders += count
                if p.mode.power_w is None:
                    row.transponder_power_unknown.add(p.mode.id)
                else:
                    row.transponder_w += count * p.mode.power_w
                row.used_by.add(tag)
            if d.demand.protection in ("1+1", "1:1", "restoration") and p.role == "working":
                for site_id in (d.demand.a, d.demand.z):
                    _add(rows[site_id], "protection-switch", d.waves)
    return sorted(rows.values(), key=lambda r: (KIND_ORDER[r.kind], r.site_id))
