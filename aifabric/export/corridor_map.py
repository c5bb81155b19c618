"""Corridor maps: an offline interactive HTML map (Leaflet, bundled inline) and a static PNG with US outlines.

The HTML needs no network: Leaflet 1.9.4's JS and CSS (BSD-2-Clause, from the npm registry, kept with its
license under aifabric/data/) are inlined, and the backdrop is the US state outline GeoJSON, not map tiles.
Working paths are solid blue, protect paths dashed red; sites and amplifier huts are circle markers; every
feature has a popup (km, one-way latency, waves, ...).
"""

from __future__ import annotations

import io
import json
import math
from functools import cache
from importlib import resources

from aifabric.corridor.geo import ROLE_COLORS, corridor_geojson_document, role_colors
from aifabric.corridor.plan import CorridorPlan
from aifabric.units import count

SITE_COLOR = "#222222"
HUT_COLOR = "#ff7f0e"
REGEN_COLOR = "#2ca02c"


@cache
def _data(name: str) -> str:
    return resources.files("aifabric").joinpath("data", name).read_text(encoding="utf-8")


def us_states() -> dict:
    """Return the shipped US state outlines (WGS84 GeoJSON FeatureCollection)."""
    return json.loads(_data("us-states.geojson"))


def _script_json(document) -> str:
    """Return JSON safe to inline in a <script> element (no closing tag can appear in it)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
__LEAFLET_CSS__
</style>
<style>
html, body, #map { height: 100%; margin: 0; background: #dfe9f2; }
.aif-legend { background: white; padding: 6px 8px; font: 12px/1.4 sans-serif; border-radius: 4px; }
.aif-legend i { display: inline-block; width: 18px; height: 3px; margin-right: 6px; vertical-align: middle; }
</style>
</head>
<body>
<div id="map"></div>
<script>
__LEAFLET_JS__
</script>
<script>
var corridor = __CORRIDOR__;
var states = __STATES__;
var colors = __COLORS__;
var map = L.map("map", {zoomSnap: 0.25});
map.attributionControl.addAttribution("US states: Census-derived outlines");
L.geoJSON(states, {interactive: false,
  style: {color: "#9a9a9a", weight: 1, fillColor: "#f7f5ef", fillOpacity: 1}}).addTo(map);
function only(kind) {
  return {type: "FeatureCollection", features: corridor.features.filter(function (f) {
    return f.properties.feature === kind; })};
}
function row(label, value) { return value === null || value === "" ? "" : "<br>" + label + ": " + value; }
var paths = L.geoJSON(only("path"), {
  style: function (f) {
    var p = f.properties;
    return {color: colors[p.role], weight: p.role === "working" ? 4 : 3, opacity: 0.85,
            dashArray: p.role === "protect" ? "8 6" : null, className: "aif-path aif-" + p.role};
  },
  onEachFeature: function (f, layer) {
    var p = f.properties;
    layer.bindPopup("<b>" + p.demand + "</b> (" + p.role + ")" + row("route km", p.km.toFixed(1)) +
      row("one-way latency ms", p.latency_ms.toFixed(3)) + row("limit ms", p.max_latency_ms) +
      row("waves", p.waves + " x " + p.mode) + row("capacity Tb/s", p.capacity_tbps) +
      row("amplifiers", p.amplifiers) + row("regens", p.regens) + row("routes", p.routes));
  }
}).addTo(map);
var sites = L.geoJSON(only("site"), {
  pointToLayer: function (f, ll) {
    var p = f.properties;
    return L.circleMarker(ll, {radius: p.terminal ? 7 : 5, color: "white", weight: 2,
      fillColor: p.regen ? "__REGEN__" : "__SITE__", fillOpacity: 1, className: "aif-site"});
  },
  onEachFeature: function (f, layer) {
    var p = f.properties;
    layer.bindPopup("<b>" + p.name + "</b> (" + p.kind + (p.terminal ? ", demand end" : "") +
      (p.regen ? ", regen" : "") + ")" + row("paths", p.paths.split(";").join(", ")));
    layer.bindTooltip(p.name);
  }
}).addTo(map);
var huts = L.geoJSON(only("hut"), {
  pointToLayer: function (f, ll) {
    return L.circleMarker(ll, {radius: 3, color: "__HUT__", weight: 1, fillColor: "__HUT__", fillOpacity: 0.9,
      className: "aif-hut"});
  },
  onEachFeature: function (f, layer) {
    var p = f.properties;
    layer.bindPopup("<b>ILA hut " + p.id + "</b>" + row("km from segment start", p.km_from_a) +
      row("span km", p.span_km));
  }
}).addTo(map);
map.fitBounds(paths.getBounds().pad(0.08));
L.control.layers(null, {"Paths (working / protect)": paths, "Sites": sites, "Amplifier huts": huts},
  {collapsed: false}).addTo(map);
L.control.scale({imperial: false}).addTo(map);
var legend = L.control({position: "bottomleft"});
legend.onAdd = function () {
  var div = L.DomUtil.create("div", "aif-legend");
  div.innerHTML = "<b>__TITLE__</b><br><i style='background:" + colors.working + "'></i>working path" +
    "<br><i style='background:" + colors.protect + "'></i>protect path (dashed)" +
    "<br><i style='background:__SITE__;height:8px;width:8px;border-radius:4px'></i>site" +
    "<br><i style='background:__REGEN__;height:8px;width:8px;border-radius:4px'></i>regen site" +
    "<br><i style='background:__HUT__;height:6px;width:6px;border-radius:3px'></i>amplifier hut";
  return div;
};
legend.addTo(map);
document.body.setAttribute("data-paths", String(document.querySelectorAll("path.aif-path").length));
</script>
</body>
</html>
"""


def corridor_map_html(plan: CorridorPlan) -> str:
    """Return a self-contained HTML page (no network access needed) mapping the corridor plan."""
    from xml.sax.saxutils import escape

    replacements = {
        "__LEAFLET_CSS__": _data("leaflet.css"),
        "__CORRIDOR__": _script_json(corridor_geojson_document(plan)),
        "__STATES__": _script_json(us_states()),
        "__COLORS__": _script_json(role_colors(plan)),
        "__TITLE__": escape(plan.name),
        "__REGEN__": REGEN_COLOR,
        "__SITE__": SITE_COLOR,
        "__HUT__": HUT_COLOR,
    }
    page = _PAGE
    for key, value in replacements.items():
        page = page.replace(key, value)
    # Leaflet goes in last, so no placeholder text inside it can be replaced by accident.
    return page.replace("__LEAFLET_JS__", _data("leaflet.js").replace("</script", "<\\/script"))


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


LEGEND_CORNERS = ("upper left", "lower left", "lower right", "upper right")


def _place_legend(ax, handles, points: list[tuple[float, float]], renderer, labels: list = ()):
    """Add the legend in the first corner whose box covers none of `points` (lon, lat) and none of the `labels`
    (display extents); if every corner covers some, the corner covering fewest. Return the legend."""
    best = None
    ax.apply_aspect()  # the fixed aspect moves the axes box; transform with its final position
    display = ax.transData.transform(points) if points else []
    for loc in LEGEND_CORNERS:
        legend = ax.legend(handles=handles, loc=loc, fontsize=8, framealpha=0.9)
        extent = legend.get_window_extent(renderer).padded(6)  # a marker's radius beyond the frame
        covered = sum(1 for x, y in display if extent.contains(x, y)) + sum(1 for e in labels if extent.overlaps(e))
        if best is None or covered < best[0]:
            best = (covered, loc)
        if covered == 0:
            return legend
    return ax.legend(handles=handles, loc=best[1], fontsize=8, framealpha=0.9)


# Where a site's label may go, in points from the site, tried in turn: right-above, left-above, right-below,
# left-below, then further out (Dallas beside Fort Worth; Dallas at the east edge of the Santa Clara map).
_LABEL_OFFSETS = [(5, 4, "left"), (-5, 4, "right"), (5, -11, "left"), (-5, -11, "right"),
                  (5, 14, "left"), (-5, 14, "right"), (5, -21, "left"), (-5, -21, "right")]


def _place_label(ax, text: str, point: tuple[float, float], frame, placed: list, renderer):
    """Annotate a site at the first offset whose label lies inside the map and clear of the labels placed so far
    (the first offset if none is); return the label's extent."""
    label = None
    for dx, dy, ha in _LABEL_OFFSETS:
        if label is not None:
            label.remove()
        label = ax.annotate(text, point, xytext=(dx, dy), ha=ha, textcoords="offset points", fontsize=8, zorder=6,
                            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.6})
        extent = label.get_window_extent(renderer)
        inside = frame.x0 <= extent.x0 and extent.x1 <= frame.x1 and frame.y0 <= extent.y0 and extent.y1 <= frame.y1
        if inside and not any(extent.overlaps(other) for other in placed):
            return extent
    label.remove()
    dx, dy, ha = _LABEL_OFFSETS[0]
    label = ax.annotate(text, point, xytext=(dx, dy), ha=ha, textcoords="offset points", fontsize=8, zorder=6,
                        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.6})
    return label.get_window_extent(renderer)


def corridor_map_png(plan: CorridorPlan, dpi: int = 100) -> bytes:
    """Return a static PNG map: US state outlines, working and protect paths, sites (labelled) and huts."""
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = corridor_map_figure(plan)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def corridor_map_figure(plan: CorridorPlan):
    """Return the matplotlib Figure of corridor_map_png (Agg canvas; the legend placed off every site)."""
    colors = role_colors(plan)
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    document = corridor_geojson_document(plan)
    features = document["features"]
    lons = [c[0] for f in features if f["properties"]["feature"] == "path" for c in f["geometry"]["coordinates"]]
    lats = [c[1] for f in features if f["properties"]["feature"] == "path" for c in f["geometry"]["coordinates"]]
    pad_lon = max(2.0, 0.12 * (max(lons) - min(lons)))
    pad_lat = max(1.5, 0.12 * (max(lats) - min(lats)))
    west, east = min(lons) - pad_lon, max(lons) + pad_lon
    south, north = min(lats) - pad_lat, max(lats) + pad_lat
    # Equirectangular with the x scale shrunk by cos(latitude), so shapes look right at mid-latitudes.
    aspect = 1.0 / math.cos(math.radians((south + north) / 2))
    width_in = 11.0
    height_in = min(9.0, max(4.0, width_in * (north - south) * aspect / (east - west)))
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(width_in, height_in))
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0.01, 0.01, 0.98, 0.92))
        ax.set_facecolor("#dfe9f2")
        polygons = [ring for f in us_states()["features"] for ring in _rings(f["geometry"])]
        ax.add_collection(PolyCollection(polygons, facecolors="#f7f5ef", edgecolors="#9a9a9a", linewidths=0.6,
                                         zorder=1))
        for f in features:
            props = f["properties"]
            if props["feature"] != "path":
                continue
            xs = [c[0] for c in f["geometry"]["coordinates"]]
            ys = [c[1] for c in f["geometry"]["coordinates"]]
            working = props["role"] == "working"
            ax.plot(xs, ys, color=colors[props["role"]], linewidth=2.4 if working else 1.8,
                    linestyle="-" if working else (0, (5, 3)), alpha=0.85, zorder=3 if working else 2)
        huts = [f["geometry"]["coordinates"] for f in features if f["properties"]["feature"] == "hut"]
        if huts:
            ax.scatter([h[0] for h in huts], [h[1] for h in huts], s=7, color=HUT_COLOR, zorder=4)
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect(aspect)
        ax.apply_aspect()  # the axes box final now, so a label's extent can be measured where it will be drawn
        renderer = canvas.get_renderer()
        frame = ax.get_window_extent(renderer)
        placed: list = []  # extents of the labels drawn so far
        sites = sorted((f for f in features if f["properties"]["feature"] == "site"),
                       key=lambda f: (-f["geometry"]["coordinates"][0], f["properties"]["id"]))
        for f in sites:
            props = f["properties"]
            lon, lat = f["geometry"]["coordinates"]
            color = REGEN_COLOR if props["regen"] else SITE_COLOR
            ax.scatter([lon], [lat], s=40 if props["terminal"] else 18, color=color, edgecolors="white",
                       linewidths=1.0, zorder=5)
            if props["terminal"]:
                placed.append(_place_label(ax, props["name"], (lon, lat), frame, placed, renderer))
        ax.set_xticks([])
        ax.set_yticks([])
        totals = plan.totals()
        fig.suptitle(f"{plan.name}: {count(len(plan.demands), 'demand')}, {totals['route_km']:,.0f} route km, "
                     f"{count(totals['waves'], 'wave')}, {count(totals['amplifier_sites'], 'amplifier hut')}",
                     fontsize=11, y=0.975)
        handles = [Line2D([], [], color=ROLE_COLORS["working"], linewidth=2.4, label="working path"),
                   Line2D([], [], color=ROLE_COLORS["protect"], linewidth=1.8, linestyle=(0, (5, 3)),
                          label="protect path"),
                   Line2D([], [], marker="o", linestyle="", color=SITE_COLOR, label="site"),
                   Line2D([], [], marker="o", linestyle="", color=REGEN_COLOR, label="regen site"),
                   Line2D([], [], marker="o", linestyle="", markersize=3, color=HUT_COLOR, label="amplifier hut")]
        site_points = [tuple(f["geometry"]["coordinates"]) for f in sites]
        _place_legend(ax, handles, site_points, renderer, placed)
    return fig
