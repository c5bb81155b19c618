"""Carrier RFP outputs of a corridor plan: rfp.csv, rfp.md, segments.csv, sites.csv and routes.geojson.

Every output is a pure function of the plan returning text; `write_outputs` writes them all only after
every one has been produced, so a failure leaves no partial set of files.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from aifabric.corridor.plan import CorridorPlan, DemandPlan, PathPlan

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
                d.mode.id,
                f"{d.mode.line_rate_gbps:g}",
                d.waves,
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
            ]
        )
    return rows


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


def path_coords(plan: CorridorPlan, path: PathPlan) -> list[tuple[float, float]]:
    """Return the (lon, lat) polyline of a path, each segment's geometry in the direction travelled."""
    coords: list[tuple[float, float]] = []
    for here, seg_id in zip(path.route.sites, path.route.segments, strict=False):
        seg = plan.network.segments[seg_id]
        points = list(seg.coords) if here == seg.a else list(reversed(seg.coords))
        coords.extend(points if not coords else points[1:])
    return coords


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
                "waves": d.waves,
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


def _path_line(d: DemandPlan, p: PathPlan) -> str:
    limit = d.demand.max_latency_ms
    verdict = "" if limit is None else ("pass" if p.latency_ms <= limit else "**fail**")
    margin = _fmt(p.margin_db, 2) or "n/a"
    return (
        f"| {d.demand.demand_id} | {p.role} | {p.route.km:,.0f} | {p.route.km / d.great_circle_km:.2f} | "
        f"{p.latency_ms:.2f} | {'' if limit is None else f'{limit:g}'} {verdict} | {p.amplifiers} | "
        f"{', '.join(p.regen_sites) or '-'} | {margin} | {' / '.join(p.routes)} |"
    )


def rfp_markdown(plan: CorridorPlan) -> str:
    """Return rfp.md: a readable RFP summary: demands, paths, segments, totals, stated assumptions."""
    totals = plan.totals()
    out = [
        f"# Corridor plan: {plan.name}",
        "",
        f"Network `{Path(plan.network.file).name}` ({len(plan.network.sites)} sites, "
        f"{len(plan.network.segments)} segments). Band {plan.band.id}, {plan.grid_ghz:g} GHz grid, "
        f"{plan.channels_per_pair} channels per fiber pair.",
        "",
        "## Demands",
        "",
        "| demand | A | Z | capacity (Tb/s) | mode | waves | protection | great-circle km | floor (ms) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for d in plan.demands:
        out.append(
            f"| {d.demand.demand_id} | {d.demand.a} | {d.demand.z} | {d.demand.capacity_tbps:g} | "
            f"{d.mode.id} | {d.waves} | {d.demand.protection} | {d.great_circle_km:,.0f} | "
            f"{d.floor_latency_ms:.2f} |"
        )
    out += [
        "",
        "## Paths",
        "",
        "| demand | path | route km | stretch | one-way ms | limit ms | ILA huts | regens at | margin dB "
        "| routes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    out += [_path_line(d, p) for d, p in _paths(plan)]
    reasons = [(d, p, r) for d, p in _paths(plan) for r in p.regen_reasons]
    if reasons:
        out += ["", "## Why each regen", ""]
        out += [f"- {d.demand.demand_id} {p.role}: {r}" for d, p, r in reasons]
    diverse = [d for d in plan.demands if d.demand.protection == "1+1"]
    if diverse:
        out += ["", "## Diversity (1+1)", ""]
        for d in diverse:
            working, protect = d.paths
            out.append(
                f"- {d.demand.demand_id}: working via {' / '.join(working.routes)} "
                f"(SRLGs {', '.join(working.srlgs) or 'none'}); protect via {' / '.join(protect.routes)} "
                f"(SRLGs {', '.join(protect.srlgs) or 'none'}); shared segments: none; shared SRLGs: none."
            )
    out += [
        "",
        "## Segments",
        "",
        "| segment | route | fiber km | spans | ILA huts | waves | fiber pairs |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in plan.segments:
        seg = plan.network.segments[s.segment_id]
        out.append(
            f"| {seg.id} | {seg.route} | {seg.length_km:,.1f} | {s.spans.spans} | {len(s.spans.huts)} | "
            f"{s.waves} | {s.fiber_pairs} |"
        )
    out += ["", "## Totals", ""]
    out += [f"- {key.replace('_', ' ')}: {value:,}" for key, value in totals.items()]
    out += ["", "## Assumptions", ""]
    out += [f"- {item}" for item in plan.assumptions]
    out += [
        "- Coherent mode values come from the catalog; entries marked UNSURE are planning defaults:",
        *[
            f"  - {m.id}: {m.source.strip()}"
            for m in sorted({d.mode for d in plan.demands}, key=lambda m: m.id)
        ],
        "- Not covered: delivery date, term, pricing, building addresses and minimum physical separation; "
        "the carrier states these.",
        "",
    ]
    return "\n".join(out)


def render_outputs(plan: CorridorPlan) -> dict[str, str]:
    """Return {file name: text} of every output of a corridor plan."""
    return {
        "rfp.csv": rfp_csv(plan),
        "rfp.md": rfp_markdown(plan),
        "segments.csv": segments_csv(plan),
        "sites.csv": sites_csv(plan),
        "routes.geojson": routes_geojson(plan),
    }


def write_outputs(plan: CorridorPlan, out_dir: str | Path) -> list[Path]:
    """Write every output atomically into out_dir, all rendered first (no partial set); return the paths."""
    from aifabric.io import ensure_dir, write_text

    rendered = render_outputs(plan)
    target = ensure_dir(out_dir)
    return [write_text(target / name, text) for name, text in sorted(rendered.items())]
