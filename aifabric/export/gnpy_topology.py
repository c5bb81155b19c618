"""GNPy topology JSON of a corridor plan, for the optical engineers' own GNPy runs.

Elements as GNPy's example networks write them (CORONET_CONUS_Topology.json): a `Roadm` at every site a path
uses and a `Transceiver` at every demand end and regen site (a regen at an ILA hut gets a `Roadm` there too),
named "roadm <site>" / "trx <site>" so that aifabric's own GNPy loader reads the same site ids back. Each
traffic-carrying segment becomes one chain per direction (GNPy connections are one-way): `Fiber` spans cut at
the plan's amplifier huts (each with its fiber type's physics, its connectors and the aging margin), an `Edfa` at
each hut and a preamp before each ROADM, of the type the plan's line system names (GNPy designs their gain; it
adds each ROADM's booster); a C+L plan writes `Multiband_amplifier`s instead, boosters and preamps included (GNPy's
multiband model).
Every element carries `metadata.location`.
"""

from __future__ import annotations

import json
from typing import Any

from aifabric.corridor.gnpy_check import fiber_element, line_model, multiband, multiband_topology, roadm_equalization
from aifabric.corridor.optical import point_along
from aifabric.corridor.plan import CorridorPlan

DIGITS = 6


def _location(lat: float, lon: float, city: str | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {"latitude": round(lat, DIGITS), "longitude": round(lon, DIGITS)}
    if city is not None:
        location["city"] = city
        location["region"] = ""
    return {"location": location}


def gnpy_topology_document(plan: CorridorPlan) -> dict[str, Any]:
    """Return {"elements": [...], "connections": [...]} for every site, segment and hut the plan uses; a C+L plan's
    amplifiers are GNPy Multiband_amplifiers (boosters and preamps written out), as GNPy's multiband model needs."""
    document = _single_band_document(plan)
    return multiband_topology(document) if multiband(plan.band.id) else document


def _single_band_document(plan: CorridorPlan) -> dict[str, Any]:
    network = plan.network
    amps = plan.spec.amplifiers
    model = line_model(amps, plan.catalog_dir)
    regens = {r for d in plan.demands for p in d.paths for r in p.regen_sites}
    # A regen at an ILA hut needs a ROADM there for its back-to-back transponders (in place of the hut's EDFAs).
    regen_huts = {hut.id: hut for s in plan.segments for hut in s.spans.huts if hut.id in plan.roadm_huts}
    terminals = sorted({end for d in plan.demands for end in (d.demand.a, d.demand.z)} | regens)
    sites_only = set(terminals) - set(regen_huts)
    segments = [network.segments[s.segment_id] for s in plan.segments]
    sites = sorted({end for seg in segments for end in (seg.a, seg.z)} | sites_only)
    elements: list[dict[str, Any]] = []
    connections: list[dict[str, str]] = []
    # Each ROADM carries the planner's equalization, so a GNPy run with GNPy's own library sees the same ROADMs.
    equalization = roadm_equalization()
    for site_id in sites:
        site = network.sites[site_id]
        elements.append({"uid": f"roadm {site_id}", "type": "Roadm", "params": dict(equalization),
                         "metadata": _location(site.lat, site.lon, site_id)})
    for hut in sorted(regen_huts.values(), key=lambda h: h.id):
        elements.append({"uid": f"roadm {hut.id}", "type": "Roadm", "params": dict(equalization),
                         "metadata": _location(hut.lat, hut.lon, hut.id)})
    for site_id in terminals:
        site = network.sites[site_id] if site_id in network.sites else regen_huts[site_id]
        elements.append({"uid": f"trx {site_id}", "type": "Transceiver",
                         "metadata": _location(site.lat, site.lon, site_id)})
        connections.append({"from_node": f"trx {site_id}", "to_node": f"roadm {site_id}"})
        connections.append({"from_node": f"roadm {site_id}", "to_node": f"trx {site_id}"})
    spans_by_segment = {s.segment_id: s.spans for s in plan.segments}
    for seg in segments:
        spans = spans_by_segment[seg.id]
        # Each span as built, a to z: its fiber km (between huts) and its loss as km of planning fiber.
        ends = [0.0, *(h.km_from_a for h in spans.huts), seg.length_km]
        lengths = [b - a for a, b in zip(ends, ends[1:], strict=False)]
        losses = list(spans.loss_km) if spans.loss_km is not None else lengths
        for start, end in ((seg.a, seg.z), (seg.z, seg.a)):
            forward = start == seg.a
            chain = [f"roadm {start}"]
            order = list(range(spans.spans) if forward else range(spans.spans - 1, -1, -1))
            for index, span in enumerate(order):
                # Span i runs between hut i and hut i+1 counted from this direction's start.
                lon, lat = point_along(seg.coords, (ends[span] + ends[span + 1]) / 2 / seg.length_km)
                uid = f"fiber ({start} → {end})-{seg.id}-{index + 1:02d}"
                fiber_span = _span(lengths, losses, span, spans.fiber)
                element = fiber_element(uid, fiber_span, model, _location(lat, lon))
                element["params"].update(loss_coef=round(element["params"]["loss_coef"], 9))
                elements.append(element)
                chain.append(uid)
                hut = spans.huts[index if forward else spans.spans - 2 - index] if index < spans.spans - 1 else None
                # The amplifier after this span (the line model's type for the gain GNPy designs): in the hut, or
                # the next ROADM's preamp (at the far site, or at a hut that holds a regen's ROADM).
                into_roadm = hut is None or hut.id in regen_huts
                following = None if into_roadm else _span(lengths, losses, order[index + 1], spans.fiber)
                amp_type = model.after(fiber_span, following).gnpy_type
                if hut is not None and not into_roadm:
                    amp = f"east edfa in {hut.id}" if forward else f"west edfa in {hut.id}"
                    elements.append({"uid": amp, "type": "Edfa", "type_variety": amp_type,
                                     "metadata": _location(hut.lat, hut.lon, hut.id), "operational": {}})
                    chain.append(amp)
                    continue
                where = hut.id if hut is not None else end
                place = hut if hut is not None else network.sites[end]
                preamp = f"preamp ({start} → {end})-{seg.id} in {where}"
                elements.append({"uid": preamp, "type": "Edfa", "type_variety": amp_type,
                                 "metadata": _location(place.lat, place.lon, where), "operational": {}})
                chain.append(preamp)
                if hut is not None:
                    chain.append(f"roadm {hut.id}")
            chain.append(f"roadm {end}")
            connections += [{"from_node": u, "to_node": v} for u, v in zip(chain, chain[1:], strict=False)]
    return {"elements": elements, "connections": connections}


def _span(lengths: list[float], losses: list[float], index: int, fiber: str) -> tuple[float, float, str]:
    """Return span `index` of a segment as the line model takes it (rounded to metres, as GNPy is given it)."""
    return (round(lengths[index], 3), round(losses[index], 3), fiber)


def gnpy_topology_text(plan: CorridorPlan) -> str:
    """Return the GNPy topology JSON text (2-space indent, UTF-8 arrows kept as GNPy writes them)."""
    return json.dumps(gnpy_topology_document(plan), indent=2, ensure_ascii=False) + "\n"
