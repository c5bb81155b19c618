"""Corridor networks: sites and fiber route segments, loaded from GeoJSON or from a GNPy topology JSON."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aifabric.errors import SpecError

SITE_KINDS = ("dc", "pop", "ila")
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# A LineString must end within this distance of the site it names, or it is a dangling end.
MAX_END_GAP_KM = 2.0
# Spacing of the points drawn along a great circle when a source (GNPy JSON) has no route geometry.
GREAT_CIRCLE_STEP_KM = 25.0


@dataclass(frozen=True)
class Site:
    """A network site: data-center hub, carrier POP or ILA hut, with WGS84 coordinates."""

    id: str
    name: str
    kind: str
    lat: float
    lon: float
    # The building the site's equipment stands in (GeoJSON `building`); sites default to one each.
    building_id: str | None = None

    @property
    def building(self) -> str:
        """Return the site's building: its `building` property, or the site id when none is given."""
        return self.building_id or self.id


@dataclass(frozen=True)
class Segment:
    """A fiber route segment between two sites; `coords` are (lon, lat) along the right-of-way."""

    id: str
    a: str
    z: str
    route: str
    srlg: tuple[str, ...]
    geodesic_km: float
    length_km: float
    coords: tuple[tuple[float, float], ...]
    # "route" when coords follow the right-of-way; "great-circle" when the source had no geometry.
    geometry: str

    def other(self, site_id: str) -> str:
        """Return the site at the other end of the segment from site_id."""
        return self.z if site_id == self.a else self.a


@dataclass(frozen=True)
class Network:
    """A corridor network: sites and segments by id, and the file it came from."""

    name: str
    file: str
    sites: dict[str, Site]
    segments: dict[str, Segment]
    kind: str  # "geojson" or "gnpy"


def geod():
    """Return the WGS84 pyproj Geod used for every distance in the corridor designer."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


def great_circle_km(a: Site, z: Site) -> float:
    """Return the WGS84 geodesic distance in km between two sites."""
    _, _, meters = geod().inv(a.lon, a.lat, z.lon, z.lat)
    return meters / 1000.0


def line_km(coords: tuple[tuple[float, float], ...]) -> float:
    """Return the geodesic length in km of a (lon, lat) polyline."""
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    return geod().line_length(lons, lats) / 1000.0


def load_network(path: str | Path, slack: float = 1.05) -> Network:
    """Return the network in a GeoJSON FeatureCollection or a GNPy topology JSON file."""
    from aifabric.spec.loader import read_text

    text = read_text(path, what="network")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(str(path), None, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return _from_geojson(str(path), data, slack)
    if isinstance(data, dict) and isinstance(data.get("elements"), list):
        return _from_gnpy(str(path), data)
    raise SpecError(
        str(path), None, "expected a GeoJSON FeatureCollection or a GNPy topology JSON (`elements`)"
    )


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _point(file: str, where: str, value: Any) -> tuple[float, float]:
    if not (isinstance(value, list) and len(value) >= 2 and _number(value[0]) and _number(value[1])):
        raise SpecError(file, where, f"coordinates must be [longitude, latitude] numbers, got {value!r}")
    lon, lat = float(value[0]), float(value[1])
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        swapped = abs(lon) <= 90.0 < abs(lat) <= 180.0
        hint = f" (swapped? GeoJSON wants [longitude, latitude]: [{lat}, {lon}])" if swapped else ""
        raise SpecError(file, where, f"[{lon}, {lat}] is not a WGS84 [longitude, latitude] pair{hint}")
    return lon, lat


def _from_geojson(file: str, data: dict, slack: float) -> Network:
    from aifabric.spec.loader import suggest

    features = data.get("features")
    if not isinstance(features, list):
        raise SpecError(file, "features", "must be a list of GeoJSON Features")
    sites: dict[str, Site] = {}
    lines: list[tuple[int, dict, list]] = []
    for index, feature in enumerate(features):
        where = f"features[{index}]"
        if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
            raise SpecError(file, where, "must be a Feature with a `geometry`")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise SpecError(file, f"{where}.properties", "must be a mapping")
        geometry = feature["geometry"]
        kind = geometry.get("type")
        if kind == "Point":
            site_id = props.get("id")
            if not isinstance(site_id, str) or not KEBAB.match(site_id):
                raise SpecError(
                    file, f"{where}.properties.id", f"site id must be lowercase kebab-case, got {site_id!r}"
                )
            if site_id in sites:
                raise SpecError(file, f"{where}.properties.id", f"duplicate site id '{site_id}'")
            site_kind = props.get("kind", "pop")
            if site_kind not in SITE_KINDS:
                raise SpecError(
                    file,
                    f"{where}.properties.kind",
                    f"must be one of {', '.join(SITE_KINDS)}, got {site_kind!r}",
                )
            lon, lat = _point(file, f"{where}.geometry.coordinates", geometry.get("coordinates"))
            building = props.get("building")
            if building is not None and (not isinstance(building, str) or not building):
                raise SpecError(file, f"{where}.properties.building", f"must be text, got {building!r}")
            sites[site_id] = Site(site_id, str(props.get("name", site_id)), site_kind, lat, lon, building)
        elif kind == "LineString":
            coords = geometry.get("coordinates")
            if not isinstance(coords, list) or len(coords) < 2:
                raise SpecError(
                    file, f"{where}.geometry.coordinates", "a LineString needs at least two points"
                )
            points = [_point(file, f"{where}.geometry.coordinates[{i}]", c) for i, c in enumerate(coords)]
            lines.append((index, props, points))
        else:
            raise SpecError(
                file, f"{where}.geometry.type", f"must be Point (site) or LineString (segment), got {kind!r}"
            )
    if not sites:
        raise SpecError(file, "features", "no sites: add Point features with `id`, `name`, `kind`")
    segments: dict[str, Segment] = {}
    pairs: dict[tuple[str, str], str] = {}
    drawn: dict[tuple[tuple[float, float], tuple[float, float]], str] = {}
    known = sorted(sites)
    for index, props, points in lines:
        where = f"features[{index}].properties"
        ends = []
        for end in ("a", "z"):
            site_id = props.get(end)
            if not isinstance(site_id, str) or site_id not in sites:
                hint = suggest(site_id, known) if isinstance(site_id, str) else ""
                raise SpecError(file, f"{where}.{end}", f"dangling segment end: no site {site_id!r}{hint}")
            ends.append(site_id)
        a, z = ends
        if a == z:
            raise SpecError(file, f"{where}.z", f"segment starts and ends at the same site '{a}'")
        seg_id = props.get("id", f"{a}--{z}")
        if not isinstance(seg_id, str) or not seg_id:
            raise SpecError(file, f"{where}.id", "segment id must be text")
        if seg_id in segments:
            raise SpecError(file, f"{where}.id", f"duplicate segment id '{seg_id}'")
        pair = tuple(sorted((a, z)))
        if pair in pairs and "id" not in props:
            # Parallel segments (two rights-of-way between the same sites) are allowed; each needs its own id.
            raise SpecError(
                file,
                f"{where}.id",
                f"segment runs between the same sites as '{pairs[pair]}'; give each parallel segment an `id`",
            )
        pairs.setdefault(pair, seg_id)
        srlg = props.get("srlg", [])
        if not isinstance(srlg, list) or not all(isinstance(s, str) and s for s in srlg):
            raise SpecError(file, f"{where}.srlg", f"must be a list of SRLG names, got {srlg!r}")
        for end_id, point, label in ((a, points[0], "first"), (z, points[-1], "last")):
            site = sites[end_id]
            _, _, gap_m = geod().inv(site.lon, site.lat, point[0], point[1])
            if gap_m / 1000.0 > MAX_END_GAP_KM:
                raise SpecError(
                    file,
                    f"features[{index}].geometry",
                    f"dangling segment end: the {label} point is "
                    f"{gap_m / 1000.0:.1f} km from site '{end_id}' (allowed {MAX_END_GAP_KM:g} km)",
                )
        coords = tuple(points)
        _check_not_drawn_twice(file, f"features[{index}]", seg_id, coords, drawn)
        geodesic = line_km(coords)
        segments[seg_id] = Segment(
            seg_id,
            a,
            z,
            str(props.get("route", "")),
            tuple(sorted(set(srlg))),
            geodesic,
            geodesic * slack,
            coords,
            "route",
        )
    if not segments:
        raise SpecError(
            file, "features", "no segments: add LineString features with `a`, `z`, `route`, `srlg`"
        )
    return Network(
        str(data.get("name", Path(file).stem)),
        file,
        dict(sorted(sites.items())),
        dict(sorted(segments.items())),
        "geojson",
    )


def _check_not_drawn_twice(
    file: str,
    where: str,
    seg_id: str,
    coords: tuple[tuple[float, float], ...],
    drawn: dict[tuple[tuple[float, float], tuple[float, float]], str],
) -> None:
    """Raise when a leg of this segment's line is a leg of another segment's: the same fiber drawn twice would
    count its km, huts and risk twice. Shared right-of-way is one segment; routes share it through a site."""
    for leg in zip(coords, coords[1:], strict=False):
        key = tuple(sorted(leg))
        other = drawn.get(key)
        if other is not None and other != seg_id:
            raise SpecError(
                file,
                f"{where}.geometry",
                f"segment '{seg_id}' draws the leg {list(leg[0])} -> {list(leg[1])} that '{other}' already draws; "
                "split the shared stretch into one segment with a junction site at each end",
            )
        drawn[key] = seg_id


def kebab(city: str) -> str:
    """Return a city name as a kebab-case site id: `Washington_DC` -> `washington-dc`."""
    return re.sub(r"[^a-z0-9]+", "-", city.lower()).strip("-")


def _from_gnpy(file: str, data: dict) -> Network:
    elements = data["elements"]
    connections = data.get("connections")
    if not isinstance(connections, list):
        raise SpecError(file, "connections", "a GNPy topology needs a `connections` list")
    by_uid: dict[str, dict] = {}
    site_of: dict[str, str] = {}
    sites: dict[str, Site] = {}
    for index, element in enumerate(elements):
        if not isinstance(element, dict) or not isinstance(element.get("uid"), str):
            raise SpecError(file, f"elements[{index}]", "each element needs a text `uid`")
        by_uid[element["uid"]] = element
        if element.get("type") in ("Transceiver", "Roadm"):
            location = (element.get("metadata") or {}).get("location") or {}
            city = location.get("city") or element["uid"].split(" ", 1)[-1]
            site_id = kebab(str(city))
            site_of[element["uid"]] = site_id
            lat, lon = location.get("latitude"), location.get("longitude")
            if not (_number(lat) and _number(lon)):
                raise SpecError(file, f"elements[{index}].metadata.location", "needs latitude and longitude")
            sites.setdefault(
                site_id, Site(site_id, str(city).replace("_", " "), "pop", float(lat), float(lon))
            )
    successors: dict[str, list[str]] = {}
    for index, conn in enumerate(connections):
        if (
            not isinstance(conn, dict)
            or conn.get("from_node") not in by_uid
            or conn.get("to_node") not in by_uid
        ):
            raise SpecError(file, f"connections[{index}]", f"connects an unknown element: {conn!r}")
        successors.setdefault(conn["from_node"], []).append(conn["to_node"])
    # Walk every site's outgoing chains of Fiber/Edfa elements to the next site; sum the fiber lengths.
    directed: dict[tuple[str, str], list[float]] = {}
    for uid in sorted(site_of):
        for first in sorted(successors.get(uid, [])):
            length_km, node, seen = 0.0, first, set()
            while node not in site_of and node not in seen:
                seen.add(node)
                element = by_uid[node]
                if element.get("type") == "Fiber":
                    length_km += _fiber_km(file, element)
                nxt = successors.get(node, [])
                if len(nxt) != 1:
                    break
                node = nxt[0]
            if node in site_of and length_km > 0 and site_of[node] != site_of[uid]:
                directed.setdefault((site_of[uid], site_of[node]), []).append(length_km)
    segments: dict[str, Segment] = {}
    for a, z in sorted({tuple(sorted(pair)) for pair in directed}):
        lengths = directed.get((a, z), []) + directed.get((z, a), [])
        # Both directions of a GNPy link are separate Fiber elements; one corridor segment uses their mean.
        length_km = sum(lengths) / len(lengths)
        seg_id = f"{a}--{z}"
        coords = _great_circle_coords(sites[a], sites[z])
        segments[seg_id] = Segment(
            seg_id, a, z, "", (), great_circle_km(sites[a], sites[z]), length_km, coords, "great-circle"
        )
    if not segments:
        raise SpecError(file, "elements", "no Fiber elements connect two Transceiver/Roadm sites")
    return Network(Path(file).stem, file, dict(sorted(sites.items())), segments, "gnpy")


def _great_circle_coords(a: Site, z: Site) -> tuple[tuple[float, float], ...]:
    """Return (lon, lat) points along the great circle from a to z, about every GREAT_CIRCLE_STEP_KM."""
    count = int(great_circle_km(a, z) // GREAT_CIRCLE_STEP_KM)
    inner = geod().npts(a.lon, a.lat, z.lon, z.lat, count) if count > 0 else []
    points = [(a.lon, a.lat), *inner, (z.lon, z.lat)]
    return tuple((round(lon, 6), round(lat, 6)) for lon, lat in points)


def _fiber_km(file: str, element: dict) -> float:
    params = element.get("params") or {}
    length = params.get("length")
    if not _number(length) or length < 0:
        raise SpecError(
            file,
            f"element '{element['uid']}'.params.length",
            f"must be a non-negative number, got {length!r}",
        )
    units = params.get("length_units", "km")
    return float(length) / 1000.0 if units == "m" else float(length)
