"""Carrier RFP outputs of a corridor plan: rfp.csv, rfp.md, segments.csv, sites.csv and routes.geojson.

Every output is a pure function of the plan returning text; `write_outputs` writes them all only after
every one has been produced, so a failure leaves no partial set of files.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from aifabric.corridor.availability import nines
from aifabric.corridor.geo import corridor_kml, path_coords
from aifabric.corridor.plan import CorridorPlan

RFP_HEADER = [
    "demand_id",
    "a_site",
    "a_name",
    "a_lat",
    "a_lon",
    "z_site",
    "z_name",
    "z_lat",
    "z_lon",
    "capacity_tbps",
    "mode",
    "wave_rate_gbps",
    "waves",
    "protection",
    "path_role",
    "route_km",
    "great_circle_km",
    "stretch",
    "latency_one_way_ms",
    "rtt_ms",
    "max_latency_ms",
    "latency_pass",
    "amplifiers",
    "regens",
    "regen_sites",
    "gsnr_db",
    "margin_db",
    "segments",
    "srlgs",
    "routes",
    "sites",
    "cuts_per_year",
    "path_unavailability",
    "path_minutes_per_year",
    "demand_availability",
    "demand_minutes_per_year",
    "sla",
    "meets_sla",
    "differential_delay_ms",
    "shared_sites",
    "fibers_per_route",
    "end_of_term_tbps",
    "fiber_types",
    "service",
    "dark_fiber_tco_usd",
    "waves_tco_usd",
    "spectrum_tco_usd",
    "transponders",
    "sys_margin_db",
    "optics",
    "express_roadms",
    "protection_scheme",
    "rtt_commit_ms",
    "outages_per_year",
    "chronic",
    "handoff",
    "g694_slots",
]
SEGMENT_HEADER = [
    "segment_id",
    "a_site",
    "z_site",
    "route",
    "srlg",
    "geodesic_km",
    "fiber_km",
    "spans",
    "span_km",
    "span_loss_db",
    "ila_huts",
    "waves",
    "channels_per_fiber_pair",
    "fiber_pairs",
    "demands",
    "slots_used",
]
SITE_HEADER = ["site_id", "kind", "name", "lat", "lon", "segment", "used_by"]


def _csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _paths(plan: CorridorPlan):
    for d in plan.demands:
        for p in d.paths:
            yield d, p


def rfp_rows(plan: CorridorPlan) -> list[list]:
    """Return one rfp.csv row per demand and path, in the order of RFP_HEADER."""
    rows = []
    for d, p in _paths(plan):
        a, z = plan.network.sites[d.demand.a], plan.network.sites[d.demand.z]
        limit = d.demand.max_latency_ms
        rows.append(
            [
                d.demand.demand_id,
                a.id,
                a.name,
                f"{a.lat:.4f}",
                f"{a.lon:.4f}",
                z.id,
                z.name,
                f"{z.lat:.4f}",
                f"{z.lon:.4f}",
                f"{d.demand.capacity_tbps:g}",
                p.mode.id,
                f"{p.mode.line_rate_gbps:g}",
                p.waves,
                d.demand.protection,
                p.role,
                f"{p.route.km:.1f}",
                f"{d.great_circle_km:.1f}",
                f"{p.route.km / d.great_circle_km:.3f}",
                f"{p.latency_ms:.3f}",
                f"{2 * p.latency_ms:.3f}",
                "" if limit is None else f"{limit:g}",
                "" if limit is None else ("pass" if p.latency_ms <= limit else "fail"),
                p.amplifiers,
                len(p.regen_sites),
                ";".join(p.regen_sites),
                _fmt(p.gsnr_db, 2),
                _fmt(p.margin_db, 2),
                ";".join(p.route.segments),
                ";".join(p.srlgs),
                ";".join(p.routes),
                ";".join(p.route.sites),
                *_terms_cells(plan, d, p),
                p.transponders,
                f"{p.sys_margin_db:g}",
                "pass" if p.feasible else "FAIL",
                ";".join(p.express_roadms),
                *_commitment_cells(plan, d, p),
            ]
        )
    return rows


def _commitment_cells(plan: CorridorPlan, d, p) -> list:
    """Return a path's commitment cells: scheme, round trip to commit to, outages a year, chronic, handoff and
    its first section's ITU-T G.694.1 slots as n:m."""
    from aifabric.corridor.commercial import handoff

    t = plan.terms.demands[d.demand.demand_id]
    pa = t.path(d.paths.index(p))
    h = handoff(plan.spec, d.demand, d.mode.line_rate_gbps)
    return [
        d.demand.protection,
        f"{math.ceil(round(2 * p.latency_ms, 6) * 10) / 10:.1f}",
        f"{pa.failures_per_year:.3f}",
        "yes" if pa.failures_per_year >= plan.spec.availability.chronic_outages_per_12_months else "no",
        f"{h['interface']} ({h['connector']})",
        ";".join(f"{n}:{m}" for n, m in plan.section_slots(d, p, 0)),
    ]


def _terms_cells(plan: CorridorPlan, d, p) -> list:
    """Return the RFP-term cells of one path's rfp.csv row (availability, delay, fibers, TCO per service)."""
    t = plan.terms.demands[d.demand.demand_id]
    pa = t.path(d.paths.index(p))
    a = t.availability
    fibers = sorted({plan.facts[s].fiber.id if s in plan.facts and plan.facts[s].fiber is not None else "g652d"
                     for s in p.route.segments})
    return [
        f"{pa.cuts_per_year:.3f}",
        f"{pa.unavailability:.8f}",
        f"{pa.unavailability * 525960:.1f}",
        f"{a.availability:.8f}",
        f"{a.minutes_per_year:.2f}",
        "" if a.sla_percent is None else f"{a.sla_percent:g}",
        "" if a.meets_sla is None else ("yes" if a.meets_sla else "no"),
        f"{t.differential_delay_ms:.3f}",
        ";".join(t.shared_sites),
        t.fibers.fibers,
        f"{t.fibers.end_of_term_tbps:.2f}",
        ";".join(fibers),
        plan.spec.service,
        *[str(t.costs[s].total_usd) if s in t.costs else "" for s in ("dark-fiber", "waves", "spectrum")],
    ]


def rfp_csv(plan: CorridorPlan) -> str:
    """Return rfp.csv: one row per demand and path with the columns a carrier RFP response needs."""
    return _csv(RFP_HEADER, rfp_rows(plan))


def segments_csv(plan: CorridorPlan) -> str:
    """Return segments.csv: per used segment its spans, huts, waves and fiber pairs."""
    rows = []
    for s in plan.segments:
        seg = plan.network.segments[s.segment_id]
        rows.append(
            [
                seg.id,
                seg.a,
                seg.z,
                seg.route,
                ";".join(seg.srlg),
                f"{seg.geodesic_km:.1f}",
                f"{seg.length_km:.1f}",
                s.spans.spans,
                f"{s.spans.span_km:.1f}",
                f"{s.spans.span_loss_db:.1f}",
                len(s.spans.huts),
                s.waves,
                plan.channels_per_pair,
                s.fiber_pairs,
                ";".join(s.demands),
                s.slots_used,
            ]
        )
    return _csv(SEGMENT_HEADER, rows)


def sites_csv(plan: CorridorPlan) -> str:
    """Return sites.csv: terminal sites, ILA huts and regen sites with their coordinates."""
    used_by: dict[str, set[str]] = {}
    terminals: set[str] = set()
    regen_nodes: dict[str, tuple] = {}
    # A regen row lists the paths regenerated there; terminal and ILA rows list the paths passing through.
    regenerated: dict[str, set[str]] = {}
    for d, p in _paths(plan):
        terminals.update((d.demand.a, d.demand.z))
        for node in p.nodes:
            used_by.setdefault(node.id, set()).add(f"{d.demand.demand_id}/{p.role}")
        for site_id in p.regen_sites:
            node = next(n for n in p.nodes if n.id == site_id)
            regen_nodes[site_id] = (node.lat, node.lon)
            regenerated.setdefault(site_id, set()).add(f"{d.demand.demand_id}/{p.role}")
    rows = []
    for site_id in sorted(terminals):
        site = plan.network.sites[site_id]
        rows.append(
            [
                site.id,
                "terminal",
                site.name,
                f"{site.lat:.6f}",
                f"{site.lon:.6f}",
                "",
                ";".join(sorted(used_by.get(site_id, ()))),
            ]
        )
    for site_id in sorted(regen_nodes):
        lat, lon = regen_nodes[site_id]
        name = plan.network.sites[site_id].name if site_id in plan.network.sites else "ILA hut"
        rows.append(
            [
                site_id,
                "regen",
                name,
                f"{lat:.6f}",
                f"{lon:.6f}",
                site_id.split("/")[0] if "/" in site_id else "",
                ";".join(sorted(regenerated[site_id])),
            ]
        )
    for s in plan.segments:
        for hut in s.spans.huts:
            rows.append(
                [
                    hut.id,
                    "ila",
                    "in-line amplifier hut",
                    f"{hut.lat:.6f}",
                    f"{hut.lon:.6f}",
                    s.segment_id,
                    ";".join(sorted(used_by.get(hut.id, ()))),
                ]
            )
    return _csv(SITE_HEADER, rows)


def routes_geojson(plan: CorridorPlan) -> str:
    """Return routes.geojson (EPSG:4326): one LineString per demand path, working and protect apart."""
    import geopandas as gpd
    from shapely.geometry import LineString

    records, geometries = [], []
    for d, p in _paths(plan):
        records.append(
            {
                "demand": d.demand.demand_id,
                "role": p.role,
                "a": d.demand.a,
                "z": d.demand.z,
                "capacity_tbps": d.demand.capacity_tbps,
                "waves": p.waves,
                "mode": p.mode.id,
                "feasible": p.feasible,
                "km": round(p.route.km, 1),
                "latency_ms": round(p.latency_ms, 3),
                "regens": len(p.regen_sites),
                "regen_sites": ";".join(p.regen_sites),
                "segments": ";".join(p.route.segments),
                "srlgs": ";".join(p.srlgs),
                "routes": ";".join(p.routes),
            }
        )
        geometries.append(LineString(path_coords(plan, p)))
    frame = gpd.GeoDataFrame(records, geometry=geometries, crs="EPSG:4326")
    return frame.to_json(drop_id=True, sort_keys=True) + "\n"


# Telecom sites run their equipment on a -48 V DC plant (ETSI EN 300 132-2 nominal voltage): the plant's current
# is the site's power over 48 V.
DC_PLANT_V = 48.0


def _usd(value: float) -> str:
    return f"{value / 1e6:,.2f} M"


def _pct(value: float) -> str:
    return f"{100 * value:.4f} %"


def _site_name(plan: CorridorPlan, site_id: str) -> str:
    site = plan.network.sites.get(site_id)
    return site.name if site is not None else site_id


def _table(columns: list[str]) -> list[str]:
    """Return a markdown table's header and rule lines."""
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def _scope(plan: CorridorPlan) -> list[str]:
    from aifabric.corridor.huts import demarcation_text

    spec = plan.spec
    service = {
        "compare": "dark fiber (IRU), managed waves or managed spectrum: respond with any or all, priced per demand",
        "dark-fiber": "dark fiber (IRU) on the routes below",
        "waves": "managed waves at the line rates below",
        "spectrum": "managed spectrum on the carrier's line system",
    }[spec.service]
    out = [
        "## 1. Scope",
        "",
        f"Service requested: {service}. Term {spec.term_years} years; capacity grows "
        f"{spec.growth_cagr:.0%} a year over the term. Band {plan.band.id}, flexgrid {plan.slots_per_pair} x "
        f"12.5 GHz slots per fiber pair ({plan.channels_per_pair} channels at {plan.grid_ghz:g} GHz). System "
        f"margin {plan.sys_margin_db:g} dB over each mode's required OSNR plus its CD/PMD/PDL penalties"
        + (f" (GNPy {plan.gnpy_version} path requests)." if plan.gnpy_version else " (GNPy check off: reach only)."),
        "",
        *(
            []
            if plan.feasible
            else [
                "**INFEASIBLE: the sections marked FAIL in section 2 cannot close with any allowed mode at this "
                "system margin; this plan was written only because --allow-infeasible was given.**",
                "",
            ]
        ),
        *(
            [f"**FAIL: {spec.demands[i].demand_id} misses the buyer's terms: {what}.**" for i, _f, what in
             plan.missed_terms()] + [""]
            if plan.missed_terms() else []
        ),
        "Delivery: ready for service "
        f"{spec.delivery.ready_for_service or 'not given in the spec (the carrier states its date)'}; term starts "
        f"{spec.delivery.term_start or 'at acceptance'}; acceptance tests within {spec.delivery.acceptance_days} days "
        "of the carrier's notice of completion (section 9).",
        "",
        *_table(["demand", "A", "Z", "capacity now (Tb/s)", "end of term (Tb/s)", "line rate", "waves now",
                 "protection", "availability SLA", "max one-way ms"]),
    ]
    for d in plan.demands:
        t = plan.terms.demands[d.demand.demand_id]
        sla = t.availability.sla_percent
        out.append(
            f"| {d.demand.demand_id} | {_site_name(plan, d.demand.a)} | {_site_name(plan, d.demand.z)} | "
            f"{d.demand.capacity_tbps:g} | {t.fibers.end_of_term_tbps:,.1f} | {d.mode.line_rate_gbps:g}G "
            f"({d.mode.id}) | {d.waves} | {d.demand.protection} | {'-' if sla is None else f'{sla:g} %'} | "
            f"{'-' if d.demand.max_latency_ms is None else f'{d.demand.max_latency_ms:g}'} |"
        )
    ends = sorted({end for d in plan.demands for end in (d.demand.a, d.demand.z)})
    out += ["", "Demarcation (handoff) at each end:", ""]
    for site_id in ends:
        out.append(f"- {_site_name(plan, site_id)} (`{site_id}`): {demarcation_text(spec, site_id)}")
    return out


def _gsnr_cell(p) -> str:
    """Return a path's worst GSNR, with each band's worst when the plan runs C+L (the worse band closes)."""
    worst = _fmt(p.gsnr_db, 2) or "n/a"
    bands: dict[str, float] = {}
    for s in p.sections:
        for name, value in s.band_gsnr_db:
            bands[name] = min(value, bands.get(name, value))
    if len(bands) < 2:
        return worst
    return f"{worst} ({', '.join(f'{name} {value:.2f}' for name, value in bands.items())})"


def _objective_text(plan: CorridorPlan) -> str:
    """Return what the mode and regen search minimised, in words, naming the price book or what it lacks."""
    objective = plan.objective()
    rates = ", ".join(f"transponder-{r:g}g" for r in objective["unpriced_rates_gbps"])
    priced = f"lowest transponder price (transponders x price per transponder, {objective['price_book']})"
    counted = f"fewest transponders ({objective['price_book']} has no {rates})"
    if objective["objective"] == "price":
        return priced
    if objective["objective"] == "count":
        return counted
    return f"{priced} where every allowed rate is priced, else {counted}"


def _routes(plan: CorridorPlan) -> list[str]:
    out = [
        "## 2. Routes and diversity",
        "",
        *_table(["demand", "path", "route km", "great-circle km", "stretch", "routes", "SRLGs", "sites"]),
    ]
    for d, p in _paths(plan):
        out.append(
            f"| {d.demand.demand_id} | {p.role} | {p.route.km:,.1f} | {d.great_circle_km:,.0f} | "
            f"{p.route.km / d.great_circle_km:.2f} | {' / '.join(p.routes) or '-'} | "
            f"{', '.join(p.srlgs) or 'none'} | {' > '.join(p.route.sites)} |"
        )
    out += ["", "Optics per path: mode and regens from an exact search over the sections that close. Objective: "
            f"{_objective_text(plan)}.", ""]
    out += _table(["demand", "path", "mode", "waves", "transponders", "regens at", "express ROADMs",
                   "worst GSNR dB", "margin dB", "optics"])
    for d, p in _paths(plan):
        out.append(
            f"| {d.demand.demand_id} | {p.role} | {p.mode.id} | {p.waves} | {p.transponders} | "
            f"{', '.join(p.regen_sites) or '-'} | {len(p.express_roadms)} | {_gsnr_cell(p)} | "
            f"{_fmt(p.margin_db, 2) or 'n/a'} | {'pass' if p.feasible else '**FAIL**'} |"
        )
    failing = [(d, p, s) for d, p in _paths(plan) for s in p.sections if not s.feasible]
    if failing:
        out += ["", "**FAIL: sections that cannot close:**", ""]
        out += [
            f"- {d.demand.demand_id} {p.role}: {s.start} -> {s.end} ({s.km:,.0f} km), {p.mode.id}: "
            + (
                f"GSNR {s.gsnr_db:.2f} dB, margin {s.margin_db:.2f} dB < {plan.sys_margin_db:g} dB system margin"
                if s.gsnr_db is not None and s.margin_db is not None and math.isfinite(s.margin_db)
                else "beyond reach or dispersion tolerance"
            )
            for d, p, s in failing
        ]
    diverse = [d for d in plan.demands if d.diversity is not None]
    if diverse:
        out += ["", "1+1 diversity, exactly what the two paths share (the end sites always):", ""]
        for d in diverse:
            div = d.diversity
            shared = plan.terms.demands[d.demand.demand_id].shared_sites
            out.append(
                f"- {d.demand.demand_id} (required: {div.level}-diverse): shared intermediate sites: "
                f"{', '.join(div.shared_sites) or 'none'}"
                + (" (common-mode risk, counted in the availability)" if shared else "")
                + f"; shared segments: {', '.join(div.shared_segments) or 'none'}; shared SRLGs: "
                f"{', '.join(div.shared_srlgs) or 'none'}; shared buildings: "
                f"{'; '.join(div.shared_buildings) or 'none'}."
            )
    return out


def _latency(plan: CorridorPlan) -> list[str]:
    out = [
        "## 3. Latency and differential delay",
        "",
        *_table(["demand", "floor ms", "working ms", "protect ms", "limit ms", "verdict", "differential delay ms"]),
    ]
    for d in plan.demands:
        t = plan.terms.demands[d.demand.demand_id]
        limit = d.demand.max_latency_ms
        latencies = [p.latency_ms for p in d.paths]
        verdict = "-" if limit is None else ("pass" if d.latency_ok else "**fail**")
        protect = f"{latencies[1]:.3f}" if len(latencies) > 1 else "-"
        out.append(
            f"| {d.demand.demand_id} | {d.floor_latency_ms:.3f} | {latencies[0]:.3f} | {protect} | "
            f"{'-' if limit is None else f'{limit:g}'} | {verdict} | "
            f"{t.differential_delay_ms:.3f} |"
        )
    return out


def _availability(plan: CorridorPlan) -> list[str]:
    spec = plan.spec
    out = [
        "## 4. Availability SLA",
        "",
        *_table(["demand", "path", "route km", "cuts / year", "path unavailability (min / year)",
                 "demand availability", "min / year", "nines", "SLA", "meets", "switching ms"]),
    ]
    for d in plan.demands:
        t = plan.terms.demands[d.demand.demand_id]
        a = t.availability
        for index, p in enumerate(d.paths):
            pa = t.path(index)
            first = index == 0
            sla = "-" if a.sla_percent is None else f"{a.sla_percent:g} %"
            meets = "-" if a.meets_sla is None else ("yes" if a.meets_sla else "**no**")
            out.append(
                f"| {d.demand.demand_id if first else ''} | {p.role} | {p.route.km:,.0f} | "
                f"{pa.cuts_per_year:.2f} | {pa.unavailability * 525960:,.0f} | "
                + (f"{_pct(a.availability)} | {a.minutes_per_year:,.1f} | {min(nines(a.availability), 99):.2f} | "
                   f"{sla} | {meets} | {'-' if a.switching_ms is None else f'{a.switching_ms:g}'} |"
                   if first else "| | | | | |")
            )
    out += [
        "",
        f"Cut rate {spec.availability.cut_rate_per_1000km_yr:g} per 1,000 route-km per year, fiber MTTR "
        f"{spec.availability.mttr_h:g} h; equipment FIT and MTTR from the line-equipment catalog (section 8).",
    ]
    return out


def _capacity(plan: CorridorPlan) -> list[str]:
    out = [
        "## 5. Capacity and growth",
        "",
        *_table(["demand", "waves year 1", "waves final year", "end of term Tb/s", "per pair Tb/s", "lit pairs",
                 "spare pairs", "fibers per route"]),
    ]
    for d in plan.demands:
        t = plan.terms.demands[d.demand.demand_id]
        f = t.fibers
        out.append(
            f"| {d.demand.demand_id} | {t.waves_by_year[0]} | {t.waves_by_year[-1]} | {f.end_of_term_tbps:,.1f} | "
            f"{f.pair_capacity_tbps:.1f} | {f.lit_pairs} | {f.spare_pairs} | {f.fibers} |"
        )
    out += ["", "Why these fiber counts:", ""]
    out += [f"- {d.demand.demand_id}: {plan.terms.demands[d.demand.demand_id].fibers.why()}." for d in plan.demands]
    out += [
        "",
        "Per segment (every demand crossing it, both paths of 1+1 demands): fibers to order for dark fiber.",
        "",
        *_table(["segment", "route", "fiber", "fiber km", "spans", "ILA huts", "waves now", "fiber pairs now",
                 "waves end of term", "fibers to order", "cable"]),
    ]
    for s in plan.segments:
        seg = plan.network.segments[s.segment_id]
        eot, _lit, _spare, fibers, cable = plan.terms.segments[s.segment_id]
        facts = plan.facts.get(s.segment_id)
        fiber = facts.fiber.id if facts is not None and facts.fiber is not None else "g652d"
        measured = " (measured)" if facts is not None and facts.length_km is not None else ""
        out.append(
            f"| {seg.id} | {seg.route or '-'} | {fiber} | {seg.length_km:,.1f}{measured} | {s.spans.spans} | "
            f"{len(s.spans.huts)} | {s.waves} | {s.fiber_pairs} | {eot} | {fibers} | {cable or '-'} |"
        )
    return out


def _corridor_money(plan: CorridorPlan) -> list[str]:
    """Return the per-segment IRU lines and the corridor totals (each shared segment paid once)."""
    money = plan.terms.segment_money
    if not money:
        return []
    out = ["", f"Dark fiber per segment (each segment paid once however many demands share it; O&M and hut leases "
           f"escalate {plan.spec.om_escalator:.0%} a year):", ""]
    out += _table(["segment", "km", "fibers", "lit pairs", "huts", "IRU", "O&M", "hut lease", "ILA amplifiers",
                   "line terminals", "total"])
    for seg_id, m in money.items():
        i = m.items
        out.append(f"| {seg_id} | {m.km:,.1f} | {m.fibers} | {m.lit_pairs} | {m.huts} | {_usd(i['iru'])} | "
                   f"{_usd(i['om'])} | {_usd(i['hut_lease'])} | {_usd(i['amplifiers'])} | {_usd(i['terminals'])} | "
                   f"{_usd(m.total_usd)} |")
    totals = plan.terms.totals()
    out += ["", "Corridor totals over the term (USD): " + "; ".join(
        f"{key.removesuffix('_usd').replace('_', ' ')} {'-' if v is None else _usd(v)}" for key, v in totals.items())
        + ". Dark fiber = the segment lines plus every path's transponders; per demand pays shared segments again."]
    return out


def _commitments(plan: CorridorPlan) -> list[str]:
    """Return section 9: what the carrier commits to per demand and path (SLA credits, MTTR, chronic outages,
    round-trip delay, handoff, G.694.1 slots, alien-wave interface) and the acceptance tests."""
    spec = plan.spec
    avail = spec.availability
    tiers = ", ".join(f"below {b:g} %: {c:g} %" for b, c in avail.credit_tiers)
    out = [
        "## 9. Commitments, handoff and acceptance",
        "",
        f"SLA credits (percent of the monthly charge, UNSURE typical terms; a demand earns the tiers at or below its "
        f"own SLA): {tiers}. Mean time to repair a fiber "
        f"cut: {avail.mttr_h:g} h. A path with {avail.chronic_outages_per_12_months} or more outages in 12 months is "
        "chronic: the buyer may terminate it without penalty.",
        "",
        *_table(["demand", "protection", "SLA", "expected credit", "handoff (each end)", "path", "RTT commit ms",
                 "outages / year", "chronic", "G.694.1 slots [n, m] (first section)"]),
    ]
    from aifabric.corridor.commercial import credit_percent, handoff

    for d in plan.demands:
        t = plan.terms.demands[d.demand.demand_id]
        a = t.availability
        h = handoff(spec, d.demand, d.mode.line_rate_gbps)
        clients = f"{h['clients_per_wave']} x " if h["clients_per_wave"] else ""
        handoff_text = f"{clients}{h['interface']}, {h['connector']}"
        for index, p in enumerate(d.paths):
            pa = t.path(index)
            slots = plan.section_slots(d, p, 0)
            first = index == 0
            credit_text = f"{credit_percent(avail.credit_tiers, 100 * a.availability, a.sla_percent):g} %"
            scheme = d.demand.protection + (
                f" (restoration {avail.restoration_s:g} s)" if d.demand.protection == "restoration" else "")
            out.append(
                f"| {d.demand.demand_id if first else ''} | {scheme if first else ''} | "
                f"{('-' if a.sla_percent is None else f'{a.sla_percent:g} %') if first else ''} | "
                f"{credit_text if first else ''} | "
                f"{handoff_text if first else ''} | {p.role} | "
                f"{math.ceil(round(2 * p.latency_ms, 6) * 10) / 10:.1f} | {pa.failures_per_year:.2f} | "
                f"{'**yes**' if pa.failures_per_year >= avail.chronic_outages_per_12_months else 'no'} | "
                f"{' '.join(f'[{n}, {m}]' for n, m in slots) or '-'} |"
            )
    out += ["", "Slots: ITU-T G.694.1 flexible grid, centre 193.1 THz + n x 6.25 GHz, width m x 12.5 GHz; a slot "
            "listed twice is used on two fiber pairs; a regen may move a wave to other slots on its next section "
            "(`--json` lists every section's).", ""]
    modes = sorted({p.mode for _, p in _paths(plan)}, key=lambda m: m.id)
    out += ["Alien waves (managed spectrum: the buyer's transponders on the carrier's line system, ITU-T G.698.2 "
            "black-link single-channel interface at the add/drop port):", ""]
    out += _table(["mode", "channel GHz", "baud GBd", "launch dBm", "min Tx OSNR dB", "required OSNR dB",
                   "min Rx OSNR dB (with system margin)"])
    for m in modes:
        width = spec.grid_ghz if spec.grid_ghz is not None else m.slots * 12.5
        out.append(f"| {m.id} | {width:g} | {m.baud_gbd:g} | {m.launch_power_dbm:g} | {m.tx_osnr_db:g} | "
                   f"{m.required_osnr_db:g} | {m.required_osnr_db + plan.sys_margin_db:g} |")
    switching = plan.terms.equipment["protection-switch"].switching_ms
    out += [
        "",
        "Acceptance tests (the buyer runs them within the acceptance window; each must pass before the term starts):",
        "",
        "- Dark fiber: bidirectional OTDR trace and end-to-end loss of every fiber, each span's loss at most its "
        "planned loss (section 5), connectors and splices within the carrier's stated limits.",
        "- Waves: 24-hour error-free test of every wave (post-FEC BER 0, ITU-T M.2101-style bringing-into-service "
        "limits); received OSNR at or above the alien-wave table's minimum.",
        "- Latency: measured one-way delay of every path at or below the committed round trip / 2 (section 3).",
        f"- Protection: a forced cut of each working path switches within {switching:g} ms (ITU-T G.873.1), and "
        "restoration paths restore within the restoration time.",
        "- Diversity: as-built route maps (KMZ) of every path confirm the shared sites, segments and SRLGs of "
        "section 2.",
    ]
    return out


def _tco(plan: CorridorPlan) -> list[str]:
    book = plan.terms.book
    out = [
        "## 6. Service options and TCO",
        "",
        f"Total cost of ownership over {plan.spec.term_years} years in USD (M = million), priced from "
        f"`{Path(book.file).name}`"
        + (" - **INDICATIVE prices, not quotes**: replace them with the carriers' quotes." if book.indicative
           else "."),
        "",
        *_table(["demand", "service", "total", "lowest", "items"]),
    ]
    for d in plan.demands:
        costs = plan.terms.demands[d.demand.demand_id].costs
        if not costs:
            out.append(f"| {d.demand.demand_id} | - | - | - | the price book prices no service at "
                       f"{d.mode.line_rate_gbps:g}G |")
            continue
        cheapest = min(costs.values(), key=lambda c: c.total_usd).service
        for service, cost in costs.items():
            items = ", ".join(f"{k.replace('_', ' ')} {_usd(v)}" for k, v in cost.items.items())
            out.append(f"| {d.demand.demand_id} | {service} | {_usd(cost.total_usd)} | "
                       f"{'**yes**' if service == cheapest else ''} | {items} |")
    out += _corridor_money(plan)
    return out


def _sites(plan: CorridorPlan) -> list[str]:
    from aifabric.corridor.huts import hut_sheet

    catalog = plan.terms.equipment
    rows = hut_sheet(plan, catalog)
    out = [
        "## 7. Sites and huts",
        "",
        *_table(["site", "kind", "lat", "lon", "equipment", "transponders", "rack units", "kW", "DC A at -48 V",
                 "demarcation"]),
    ]
    for row in rows:
        equipment = ", ".join(f"{count} x {item}" for item, count in sorted(row.equipment.items())) or "-"
        unknown = f" + {', '.join(sorted(row.transponder_power_unknown))} (power not in catalog)" if (
            row.transponder_power_unknown) else ""
        out.append(
            f"| {row.site_id} | {row.kind}{' + regen' if row.regen and row.kind != 'regen' else ''} | "
            f"{row.lat:.5f} | {row.lon:.5f} | {equipment} | {row.transponders} | {row.rack_units(catalog):.1f} | "
            f"{row.power_kw(catalog):.2f}{unknown} | {row.power_kw(catalog) * 1000 / DC_PLANT_V:,.0f} | "
            f"{row.demarcation} |"
        )
    reasons = [(d, p, r) for d, p in _paths(plan) for r in p.regen_reasons]
    if reasons:
        out += ["", "Why each regen:", ""]
        out += [f"- {d.demand.demand_id} {p.role}: {r}" for d, p, r in reasons]
    totals = plan.totals()
    out += ["", "Totals: " + "; ".join(f"{key.replace('_', ' ')} {'-' if value is None else f'{value:,}'}"
                                       for key, value in totals.items()) + "."]
    return out


def _assumptions(plan: CorridorPlan) -> list[str]:
    from aifabric.corridor.availability import CUT_RATE_SOURCE, FIBER_MTTR_SOURCE

    spec = plan.spec
    book = plan.terms.book
    out = ["## 8. Assumptions", ""]
    out += [f"- {item}" for item in plan.assumptions]
    out += [
        f"- Availability: fiber cuts per year = {spec.availability.cut_rate_per_1000km_yr:g} per 1,000 route-km "
        f"x route km ({CUT_RATE_SOURCE}); unavailability U = cuts x MTTR {spec.availability.mttr_h:g} h / "
        f"8,766 h ({FIBER_MTTR_SOURCE}); each equipment item adds FIT / 10^9 x its MTTR; items in series "
        "multiply availabilities (the series/parallel method of ITU-T G.911); a wave crosses 2 transponders plus 2 "
        "per regen, the terminal line system at each end, every ILA hut (the line system's node there, with its own "
        "FIT) and every pass-through site. 1+1 and 1:1: "
        "U = 1 - (1 - U_working x U_protect) x (1 - U_common), U_common = sites two paths share plus the "
        "protection switch at each end; restoration: U_working x U_protect becomes lambda_w x lambda_p x t_r^2 + "
        f"U_w x U_p x U_r (t_r = {spec.availability.restoration_s:g} s, failure rates per hour); n-path: full "
        "capacity is down while two or more paths are. Minutes per year = U x 525,960.",
        "- Line equipment (FIT, MTTR, rack units, power; UNSURE values are planning defaults):",
        *[f"  - {e.id}: {e.fit:g} FIT (MTBF {e.mtbf_h:,.0f} h), MTTR {e.mttr_h:g} h, {e.rack_units:g} RU, "
          f"{'mode power' if e.power_w is None else f'{e.power_w:g} W'}. {' '.join(e.source.split())}"
          for e in sorted(plan.terms.equipment.values(), key=lambda e: e.id)],
        f"- Fiber count per route = 2 x ceil(end-of-term capacity / capacity per fiber pair) + spares: end of "
        f"term = capacity x (1 + {spec.growth_cagr:g})^{spec.term_years}; per pair = {plan.channels_per_pair} "
        f"channels x the line rate; spares = ceil({spec.spare_fiber_fraction:g} x lit pairs) pairs, at least "
        "one, for restoration and maintenance; rounded up to whole 12-fiber buffer tubes (carriers sell IRUs "
        "in tubes). AI buyers now order 144-432 fibers per long-haul route (Zayo), some up to 864 (Windstream): "
        "the per-segment count adds every demand sharing the segment.",
        f"- TCO over {spec.term_years} years, undiscounted, from `{Path(book.file).name}`"
        + (" (INDICATIVE)" if book.indicative else "") + ": dark fiber = fibers x route km x IRU per fiber-km "
        "+ O&M per route-km per year + ILA hut lease per site-year + in every hut its line-system node (EDFA or "
        "Raman hybrid, at its own price) per lit pair through the hut + terminal line systems per lit "
        "pair per end + transponders for the most waves of the term; waves = each year's waves x 12 months x "
        "price per wave-month per 1,000 km x route km; spectrum = each year's waves x grid GHz x 12 x price per "
        "GHz-month per 1,000 km x route km + the buyer's transponders. A 1+1 demand pays for both paths. Per "
        "demand as if bought alone: demands sharing a segment share its fibers in practice.",
        "- Prices used: " + "; ".join(f"{p.item} {p.usd:,.0f} USD per {p.unit}" for p in book.prices.values()) + ".",
    ]
    if plan.facts:
        out.append("- As-built inputs (override the geodesic estimate; flow into routing km, spans, latency and "
                   "cost): " + "; ".join(_facts_text(f) for f in plan.facts.values()) + ". GNPy is given each "
                   "as-built span as the km of planning fiber with the same loss (measured loss less connectors, "
                   "or km x the fiber type's dB/km), so its amplifier noise is the span's, with the fiber type's "
                   "dispersion, effective area and nonlinear coefficient.")
        fibers = {f.fiber.id: f.fiber for f in plan.facts.values() if f.fiber is not None}
        for f in fibers.values():
            out.append(f"  - {f.id}: {f.loss_db_per_km:g} dB/km, group index {f.group_index:g} "
                       f"({f.us_per_km:.3f} us/km). {' '.join(f.source.split())}")
    out += [
        "- Coherent mode values come from the catalog; entries marked UNSURE are planning defaults:",
        *[
            f"  - {m.id}: {m.source.strip()}"
            for m in sorted({p.mode for _, p in _paths(plan)}, key=lambda m: m.id)
        ],
        "- Not covered: building addresses not given in the spec, and minimum physical separation between the "
        "diverse routes; the carrier states these.",
        "",
    ]
    return out


def _facts_text(f) -> str:
    parts = []
    if f.length_km is not None:
        parts.append(f"{f.length_km:g} km measured")
    if f.huts_km is not None:
        parts.append(f"huts at {', '.join(f'{h:g}' for h in f.huts_km)} km")
    if f.span_loss_db is not None:
        parts.append(f"span losses {', '.join(f'{x:g}' for x in f.span_loss_db)} dB")
    if f.fiber is not None:
        parts.append(f.fiber.id)
    return f"{f.segment_id} " + ", ".join(parts)


def rfp_markdown(plan: CorridorPlan) -> str:
    """Return rfp.md: the sizing half of a carrier RFP, in the order a buyer's RFP asks: scope, routes and
    diversity, latency and differential delay, availability SLA, capacity and growth, service options and TCO,
    sites and huts, assumptions."""
    out = [
        f"# Carrier RFP sizing: {plan.name}",
        "",
        f"Network `{Path(plan.network.file).name}` ({len(plan.network.sites)} sites, "
        f"{len(plan.network.segments)} segments). Produced by aifabric `corridor plan`; every figure is derived "
        "in section 8.",
        "",
    ]
    for section in (_scope, _routes, _latency, _availability, _capacity, _tco, _sites, _assumptions, _commitments):
        out += section(plan)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


HUT_HEADER = [
    "site_id", "kind", "regen", "name", "lat", "lon", "segment", "equipment", "transponders", "rack_units",
    "power_kw", "power_not_in_catalog", "demarcation", "used_by",
]


def huts_csv(plan: CorridorPlan) -> str:
    """Return huts.csv: the hut and handoff sheet, one row per terminal, POP, regen and ILA site."""
    from aifabric.corridor.huts import hut_sheet

    catalog = plan.terms.equipment
    rows = [
        [
            r.site_id, r.kind, "yes" if r.regen else "", r.name, f"{r.lat:.6f}", f"{r.lon:.6f}", r.segment,
            ";".join(f"{item}={count}" for item, count in sorted(r.equipment.items())), r.transponders,
            f"{r.rack_units(catalog):.2f}", f"{r.power_kw(catalog):.3f}", ";".join(sorted(r.transponder_power_unknown)),
            r.demarcation, ";".join(sorted(r.used_by)),
        ]
        for r in hut_sheet(plan, catalog)
    ]
    return _csv(HUT_HEADER, rows)


# A fixed timestamp keeps the KMZ byte-identical from run to run.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def routes_kmz(plan: CorridorPlan) -> bytes:
    """Return routes.kmz: the corridor KML (paths by role, sites, ILA huts) zipped as doc.kml (KMZ)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("doc.kml", date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, corridor_kml(plan).encode("utf-8"))
    return buffer.getvalue()


def render_outputs(plan: CorridorPlan) -> dict[str, str]:
    """Return {file name: text} of every text output of a corridor plan (routes.kmz is binary: render_kmz)."""
    return {
        "rfp.csv": rfp_csv(plan),
        "rfp.md": rfp_markdown(plan),
        "segments.csv": segments_csv(plan),
        "sites.csv": sites_csv(plan),
        "huts.csv": huts_csv(plan),
        "routes.geojson": routes_geojson(plan),
    }


def render_binary_outputs(plan: CorridorPlan) -> dict[str, bytes]:
    """Return {file name: bytes} of the binary outputs of a corridor plan: routes.kmz."""
    return {"routes.kmz": routes_kmz(plan)}


def write_outputs(plan: CorridorPlan, out_dir: str | Path) -> list[Path]:
    """Write every output atomically into out_dir, all rendered first (no partial set); return the paths."""
    from aifabric.io import ensure_dir, write_bytes, write_text

    rendered: dict[str, str | bytes] = {**render_outputs(plan), **render_binary_outputs(plan)}
    target = ensure_dir(out_dir)
    return [
        write_bytes(target / name, data) if isinstance(data, bytes) else write_text(target / name, data)
        for name, data in sorted(rendered.items())
    ]
