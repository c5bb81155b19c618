"""GeoJSON and KML of a corridor plan: demand paths (working, protect), sites and in-line amplifier huts.

In the corridor core because the RFP outputs (routes.kmz) are built from them as well as `export corridor --format
geojson|kml`.

WGS84 throughout; GeoJSON coordinates are [longitude, latitude] (RFC 7946), KML's are "lon,lat,0".
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from aifabric.corridor.plan import CorridorPlan, PathPlan

# Six decimals of a degree is ~0.1 m: plenty for a route map, and short enough to diff.
DIGITS = 6
ROLE_COLORS = {"working": "#1f77b4", "protect": "#d62728"}
# Colours of the further roles (a restoration path, the paths of an n-path split), matplotlib's tab10 after the
# two above.
_MORE_COLORS = ("#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def role_colors(plan) -> dict[str, str]:
    """Return {role: colour} of working and protect and of every further role the plan's paths use."""
    roles = sorted({p.role for d in plan.demands for p in d.paths} - set(ROLE_COLORS))
    extra = dict(zip(roles, _MORE_COLORS * (len(roles) // len(_MORE_COLORS) + 1), strict=False))
    return {**ROLE_COLORS, **extra}


def path_coords(plan: CorridorPlan, path: PathPlan) -> list[tuple[float, float]]:
    """Return the (lon, lat) polyline of a path, each segment's geometry in the direction travelled."""
    coords: list[tuple[float, float]] = []
    for here, seg_id in zip(path.route.sites, path.route.segments, strict=False):
        seg = plan.network.segments[seg_id]
        points = list(seg.coords) if here == seg.a else list(reversed(seg.coords))
        coords.extend(points if not coords else points[1:])
    return coords


def _pt(lon: float, lat: float) -> list[float]:
    return [round(lon, DIGITS), round(lat, DIGITS)]


def path_features(plan: CorridorPlan) -> list[dict[str, Any]]:
    """Return one LineString Feature per demand path, with km, latency, waves and the routes it follows."""
    features = []
    for d in plan.demands:
        for p in d.paths:
            features.append({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [_pt(*c) for c in path_coords(plan, p)]},
                "properties": {
                    "feature": "path", "demand": d.demand.demand_id, "role": p.role, "a": d.demand.a,
                    "z": d.demand.z, "capacity_tbps": d.demand.capacity_tbps, "waves": p.waves,
                    "mode": p.mode.id, "km": round(p.route.km, 1), "latency_ms": round(p.latency_ms, 3),
                    "max_latency_ms": d.demand.max_latency_ms, "amplifiers": p.amplifiers,
                    "regens": len(p.regen_sites), "regen_sites": ";".join(p.regen_sites),
                    "routes": ";".join(p.routes), "segments": ";".join(p.route.segments),
                },
            })
    return features


def site_features(plan: CorridorPlan) -> list[dict[str, Any]]:
    """Return one Point Feature per site a path touches: demand ends are terminals, others pass-through POPs."""
    terminals = {end for d in plan.demands for end in (d.demand.a, d.demand.z)}
    regens = {s for d in plan.demands for p in d.paths for s in p.regen_sites}
    used: dict[str, set[str]] = {}
    for d in plan.demands:
        for p in d.paths:
            for site in p.route.sites:
                used.setdefault(site, set()).add(f"{d.demand.demand_id}/{p.role}")
    features = []
    for site_id in sorted(used):
        site = plan.network.sites[site_id]
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": _pt(site.lon, site.lat)},
            "properties": {"feature": "site", "id": site.id, "name": site.name, "kind": site.kind,
                           "terminal": site_id in terminals, "regen": site_id in regens,
                           "paths": ";".join(sorted(used[site_id]))},
        })
    return features


def hut_features(plan: CorridorPlan) -> list[dict[str, Any]]:
    """Return one Point Feature per in-line amplifier hut on a segment that carries traffic."""
    features = []
    for s in plan.segments:
        for hut in s.spans.huts:
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _pt(hut.lon, hut.lat)},
                "properties": {"feature": "hut", "id": hut.id, "segment": hut.segment,
                               "km_from_a": round(hut.km_from_a, 1), "span_km": round(s.spans.span_km, 1)},
            })
    return features


def corridor_geojson_document(plan: CorridorPlan) -> dict[str, Any]:
    """Return the corridor as one GeoJSON FeatureCollection: paths, then sites, then huts."""
    return {"type": "FeatureCollection", "name": plan.name,
            "features": path_features(plan) + site_features(plan) + hut_features(plan)}


def corridor_geojson(plan: CorridorPlan) -> str:
    """Return the corridor GeoJSON text (sorted keys, deterministic)."""
    return json.dumps(corridor_geojson_document(plan), sort_keys=True, indent=1) + "\n"


def _kml_color(hex_rgb: str, alpha: str = "ff") -> str:
    """Return KML's aabbggrr colour for '#rrggbb'."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha}{b}{g}{r}"


def _description(props: dict[str, Any], keys: tuple[str, ...]) -> str:
    return escape("; ".join(f"{k}: {props[k]}" for k in keys if props.get(k) not in (None, "")))


def corridor_kml(plan: CorridorPlan) -> str:
    """Return a KML 2.2 document with folders of paths (styled by role), sites and amplifier huts."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2">', "<Document>",
           f"<name>{escape(plan.name)}</name>"]
    for role, color in role_colors(plan).items():
        out.append(f'<Style id="{role}"><LineStyle><color>{_kml_color(color)}</color><width>3</width></LineStyle>'
                   "</Style>")
    out.append('<Style id="site"><IconStyle><scale>1.0</scale></IconStyle></Style>')
    out.append('<Style id="hut"><IconStyle><scale>0.5</scale></IconStyle></Style>')
    out.append("<Folder><name>Paths</name>")
    for f in path_features(plan):
        props = f["properties"]
        coords = " ".join(f"{lon},{lat},0" for lon, lat in f["geometry"]["coordinates"])
        out.append(
            f"<Placemark><name>{escape(props['demand'])} {props['role']}</name>"
            f"<description>{_description(props, ('km', 'latency_ms', 'waves', 'capacity_tbps', 'routes'))}"
            f"</description><styleUrl>#{props['role']}</styleUrl>"
            f"<LineString><tessellate>1</tessellate><coordinates>{coords}</coordinates></LineString></Placemark>"
        )
    out.append("</Folder>")
    for folder, features, style, keys in (("Sites", site_features(plan), "site", ("name", "kind", "paths")),
                                          ("Amplifier huts", hut_features(plan), "hut", ("segment", "km_from_a"))):
        out.append(f"<Folder><name>{folder}</name>")
        for f in features:
            props = f["properties"]
            lon, lat = f["geometry"]["coordinates"]
            out.append(f"<Placemark><name>{escape(props['id'])}</name>"
                       f"<description>{_description(props, keys)}</description><styleUrl>#{style}</styleUrl>"
                       f"<Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>")
        out.append("</Folder>")
    out += ["</Document>", "</kml>"]
    return "\n".join(out) + "\n"
