"""Corridor networks: the shipped US network, GNPy topology loading, and bad GeoJSON."""

from __future__ import annotations

import json

import pytest
from corridor_helpers import NETWORK, coronet_file
from pyproj import Geod

from aifabric.corridor.network import great_circle_km, kebab, load_network
from aifabric.errors import SpecError

REQUIRED_SITES = [
    "dallas",
    "fort-worth",
    "austin",
    "san-antonio",
    "houston",
    "memphis",
    "little-rock",
    "nashville",
    "knoxville",
    "atlanta",
    "birmingham",
    "jackson",
    "shreveport",
    "new-orleans",
    "charlotte",
    "greensboro",
    "roanoke",
    "richmond",
    "ashburn",
    "el-paso",
    "phoenix",
    "los-angeles",
    "santa-clara",
]


def test_dallas_ashburn_great_circle_matches_pyproj_on_city_centres():
    # Independent figure: WGS84 geodesic between the published city centres is 1,872 km.
    _, _, metres = Geod(ellps="WGS84").inv(-96.7970, 32.7767, -77.4874, 39.0438)
    assert metres / 1000 == pytest.approx(1872, abs=1)
    network = load_network(NETWORK)
    assert great_circle_km(network.sites["dallas"], network.sites["ashburn"]) == pytest.approx(1872, abs=1)


@pytest.mark.parametrize(
    ("a", "z", "km"),
    [
        ("dallas", "houston", 361),
        ("dallas", "austin", 292),
        ("austin", "san-antonio", 118),
        ("dallas", "memphis", 677),
        ("memphis", "ashburn", 1196),
    ],
)
def test_site_coordinates_give_published_great_circles(a, z, km):
    network = load_network(NETWORK)
    assert great_circle_km(network.sites[a], network.sites[z]) == pytest.approx(km, rel=0.01)


def test_shipped_network_has_the_required_sites_and_tagged_segments():
    network = load_network(NETWORK)
    assert set(REQUIRED_SITES) <= set(network.sites)
    routes = {seg.route for seg in network.segments.values()}
    for interstate in (
        "I-45",
        "I-35",
        "I-10",
        "I-20",
        "I-30",
        "I-40",
        "I-81",
        "I-85",
        "I-95",
        "I-59",
        "I-65",
        "I-75",
    ):
        assert any(interstate in r for r in routes), interstate
    for seg in network.segments.values():
        assert seg.srlg, seg.id
        # A right-of-way is never shorter than the great circle between its ends, and follows it closely.
        ends = great_circle_km(network.sites[seg.a], network.sites[seg.z])
        assert ends <= seg.geodesic_km <= 1.4 * ends
        assert seg.length_km == pytest.approx(seg.geodesic_km * 1.05)


def test_gnpy_coronet_topology_loads_sites_and_merged_fibers():
    network = load_network(coronet_file())
    raw = json.loads(coronet_file().read_text())
    fibers = [e for e in raw["elements"] if e["type"] == "Fiber"]
    assert len(network.sites) == 75
    assert len(network.segments) == len(fibers) // 2 == 99
    assert "washington-dc" in network.sites and kebab("Washington_DC") == "washington-dc"
    dallas_abilene = network.segments["abilene--dallas"]
    assert dallas_abilene.length_km == pytest.approx(336.951)


def _geojson(tmp_path, features) -> str:
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(path)


def _site(sid, lon, lat):
    return {
        "type": "Feature",
        "properties": {"id": sid, "name": sid, "kind": "pop"},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def test_broken_json_names_the_file_and_line(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n')
    with pytest.raises(SpecError, match=r"broken\.geojson:3: not valid JSON"):
        load_network(path)


def test_dangling_segment_end_suggests_the_site(tmp_path):
    features = [
        _site("dallas", -96.8, 32.78),
        _site("houston", -95.37, 29.76),
        {
            "type": "Feature",
            "properties": {"a": "dallas", "z": "huston", "route": "I-45", "srlg": ["x"]},
            "geometry": {"type": "LineString", "coordinates": [[-96.8, 32.78], [-95.37, 29.76]]},
        },
    ]
    with pytest.raises(
        SpecError, match=r"dangling segment end: no site 'huston' \(did you mean 'houston'\?\)"
    ):
        load_network(_geojson(tmp_path, features))


def test_segment_geometry_that_stops_short_of_its_site_is_dangling(tmp_path):
    features = [
        _site("dallas", -96.8, 32.78),
        _site("houston", -95.37, 29.76),
        {
            "type": "Feature",
            "properties": {"a": "dallas", "z": "houston", "route": "I-45", "srlg": ["x"]},
            "geometry": {"type": "LineString", "coordinates": [[-96.8, 32.78], [-95.6, 30.2]]},
        },
    ]
    with pytest.raises(SpecError, match=r"the last point is .* km from site 'houston'"):
        load_network(_geojson(tmp_path, features))


def test_bad_coordinates_and_kinds_are_named(tmp_path):
    with pytest.raises(SpecError, match=r"features\[0\]\.geometry\.coordinates"):
        load_network(_geojson(tmp_path, [_site("dallas", -196.8, 32.78)]))
    bad_kind = _site("dallas", -96.8, 32.78)
    bad_kind["properties"]["kind"] = "campus"
    with pytest.raises(SpecError, match=r"kind: must be one of dc, pop, ila"):
        load_network(_geojson(tmp_path, [bad_kind]))
