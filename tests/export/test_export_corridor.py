"""Corridor exporters checked by their consumers: GNPy propagates the topology, geopandas reads the GeoJSON,
ElementTree parses the KML, and headless Chromium renders the offline map."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

US_LON = (-125.0, -66.0)
US_LAT = (24.0, 50.0)


def test_gnpy_loads_the_topology_and_computes_a_gsnr(small_corridor, tmp_path):
    import numpy as np
    from gnpy.tools.json_io import load_equipment, load_network
    from gnpy.tools.worker_utils import designed_network, transmission_simulation

    from aifabric.corridor.gnpy_check import gnpy_equipment_file
    from aifabric.export.gnpy_topology import gnpy_topology_text

    path = tmp_path / "topology.json"
    path.write_text(gnpy_topology_text(small_corridor), encoding="utf-8")
    equipment = load_equipment(gnpy_equipment_file())
    network = load_network(path, equipment)
    logging.getLogger("gnpy").setLevel(logging.CRITICAL)
    for demand in small_corridor.demands:
        a, z = demand.demand.a, demand.demand.z
        with contextlib.redirect_stdout(io.StringIO()):
            designed, request, reference = designed_network(equipment, network.copy(), f"trx {a}", f"trx {z}")
            propagated, *_ = transmission_simulation(equipment, designed, request, reference)
        gsnr_db = float(np.mean(propagated[-1].snr_01nm))
        assert 10.0 < gsnr_db < 40.0, f"{a}-{z}: GSNR {gsnr_db:.2f} dB"
        # The path GNPy took goes through the planned huts' amplifiers.
        uids = [element.uid for element in propagated]
        assert uids[0] == f"trx {a}" and uids[-1] == f"trx {z}"
        assert any(uid.startswith(("east edfa in", "west edfa in")) for uid in uids)


def test_gnpy_topology_has_real_lengths_both_directions_and_locations(small_corridor):
    from aifabric.export.gnpy_topology import gnpy_topology_document

    document = gnpy_topology_document(small_corridor)
    fibers = [e for e in document["elements"] if e["type"] == "Fiber"]
    for s in small_corridor.segments:
        seg = small_corridor.network.segments[s.segment_id]
        for a, z in ((seg.a, seg.z), (seg.z, seg.a)):
            spans = [f for f in fibers if f["uid"].startswith(f"fiber ({a} → {z})-{seg.id}-")]
            assert len(spans) == s.spans.spans
            assert sum(f["params"]["length"] for f in spans) == pytest.approx(seg.length_km, abs=0.01)
    assert all(f["params"]["loss_coef"] == small_corridor.spec.amplifiers.loss_db_per_km for f in fibers)
    assert all("latitude" in e["metadata"]["location"] for e in document["elements"])
    trx = {e["uid"] for e in document["elements"] if e["type"] == "Transceiver"}
    # A transceiver at every demand end and every regen site (back-to-back transponders there).
    regens = {f"trx {r}" for d in small_corridor.demands for p in d.paths for r in p.regen_sites}
    assert trx == {f"trx {end}" for d in small_corridor.demands for end in (d.demand.a, d.demand.z)} | regens


def test_gnpy_topology_reads_back_into_aifabric(small_corridor, tmp_path):
    from aifabric.corridor.network import load_network
    from aifabric.export.gnpy_topology import gnpy_topology_text

    path = tmp_path / "topology.json"
    path.write_text(gnpy_topology_text(small_corridor), encoding="utf-8")
    network = load_network(path)
    used = {end for s in small_corridor.segments for end in (small_corridor.network.segments[s.segment_id].a,
                                                              small_corridor.network.segments[s.segment_id].z)}
    assert set(network.sites) == used


def _check_lon_lat(coords):
    for lon, lat in coords:
        assert US_LON[0] <= lon <= US_LON[1], f"longitude {lon} (is it [lat, lon]?)"
        assert US_LAT[0] <= lat <= US_LAT[1], f"latitude {lat}"


def test_geojson_reads_back_in_epsg4326_lon_lat(small_corridor, tmp_path):
    import geopandas as gpd

    from aifabric.corridor.geo import corridor_geojson

    path = tmp_path / "corridor.geojson"
    path.write_text(corridor_geojson(small_corridor), encoding="utf-8")
    frame = gpd.read_file(path)
    assert frame.crs.to_epsg() == 4326
    paths = frame[frame["feature"] == "path"]
    assert len(paths) == sum(len(d.paths) for d in small_corridor.demands)
    assert set(paths["role"]) == {"working", "protect"}
    assert len(frame[frame["feature"] == "hut"]) == sum(len(s.spans.huts) for s in small_corridor.segments)
    for geometry in frame.geometry:
        coords = list(geometry.coords)
        _check_lon_lat(coords)
    dallas = frame[(frame["feature"] == "site") & (frame["id"] == "dallas")].geometry.iloc[0]
    assert (round(dallas.x, 2), round(dallas.y, 2)) == (-96.8, 32.78)
    for _, row in paths.iterrows():
        plan_path = next(p for d in small_corridor.demands if d.demand.demand_id == row["demand"] for p in d.paths
                         if p.role == row["role"])
        assert row["km"] == round(plan_path.route.km, 1)


def test_kml_parses_with_paths_sites_and_huts(small_corridor):
    from aifabric.corridor.geo import corridor_kml

    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.fromstring(corridor_kml(small_corridor).encode("utf-8"))
    folders = {f.findtext("k:name", namespaces=ns): f for f in root.iter("{http://www.opengis.net/kml/2.2}Folder")}
    assert set(folders) == {"Paths", "Sites", "Amplifier huts"}
    lines = folders["Paths"].findall(".//k:LineString/k:coordinates", ns)
    assert len(lines) == sum(len(d.paths) for d in small_corridor.demands)
    for element in root.iter("{http://www.opengis.net/kml/2.2}coordinates"):
        _check_lon_lat([tuple(map(float, c.split(",")[:2])) for c in element.text.split()])
    assert len(folders["Amplifier huts"].findall("k:Placemark", ns)) == sum(len(s.spans.huts)
                                                                            for s in small_corridor.segments)


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def test_corridor_map_html_is_offline_and_draws_the_paths(small_corridor, tmp_path):
    from aifabric.export.corridor_map import corridor_map_html

    html = corridor_map_html(small_corridor)
    # Offline: nothing is fetched (no script/link src, no tile URL template).
    assert not re.search(r"<(script|link)[^>]+(src|href)=", html)
    assert "{z}/{x}/{y}" not in html and "unpkg" not in html and "cdn" not in html.lower()
    corridor = json.loads(re.search(r"var corridor = (\{.*?\});\n", html).group(1))
    expected = sum(len(d.paths) for d in small_corridor.demands)
    assert sum(f["properties"]["feature"] == "path" for f in corridor["features"]) == expected
    path = tmp_path / "map.html"
    path.write_text(html, encoding="utf-8")
    browser = _chromium()
    if browser is None:
        # A developer machine without a browser still checks the embedded layers above; CI must render the page
        # (.ci/run installs Debian's chromium).
        assert os.environ.get("CI") != "true", "headless Chromium is needed in CI: apt-get install chromium"
        return
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                          "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    assert f'data-paths="{expected}"' in dom
    drawn = re.findall(r'<path class="aif-path aif-(working|protect)[^"]*"[^>]*\sd="M', dom)
    assert sorted(drawn) == sorted(p.role for d in small_corridor.demands for p in d.paths)
    assert dom.count('class="aif-hut') == sum(len(s.spans.huts) for s in small_corridor.segments)


def test_corridor_map_png_is_a_picture(small_corridor):
    from aifabric.export.corridor_map import corridor_map_png

    png = corridor_map_png(small_corridor)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and 20_000 < len(png) < 500_000
