"""GeoJSON and KML of a corridor plan (`export corridor --format geojson|kml`): made in aifabric/corridor/geo.py,
where the RFP outputs (routes.kmz) take them from too."""

from aifabric.corridor.geo import (  # noqa: F401 - this module's public names
    DIGITS,
    ROLE_COLORS,
    corridor_geojson,
    corridor_geojson_document,
    corridor_kml,
    hut_features,
    path_coords,
    path_features,
    role_colors,
    site_features,
)
