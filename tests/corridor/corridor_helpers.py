"""Paths to the shipped corridor data used across the corridor tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORRIDORS = REPO / "corridors"
NETWORK = CORRIDORS / "us-longhaul.geojson"
TTN = CORRIDORS / "texas-triangle-nova.yaml"
TSC = CORRIDORS / "texas-santa-clara.yaml"


def coronet_file() -> Path:
    """Return the path of GNPy's shipped CORONET CONUS topology."""
    from aifabric.corridor.gnpy_check import gnpy_example_file

    return gnpy_example_file("CORONET_CONUS_Topology.json")
