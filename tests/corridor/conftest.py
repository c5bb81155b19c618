"""Shared helpers for the corridor tests: paths to the shipped data and an in-process CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corridor_helpers import NETWORK


@pytest.fixture
def cli(capsys):
    """Return a function running the CLI in-process: argv -> (exit code, stdout, stderr)."""
    from aifabric.cli.main import run

    def invoke(*argv: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            run([str(a) for a in argv])
        captured = capsys.readouterr()
        return exit_info.value.code, captured.out, captured.err

    return invoke


@pytest.fixture
def write_spec(tmp_path):
    """Return a function writing a corridor spec (dict) to tmp_path and returning its path."""
    import yaml

    def write(doc: dict, name: str = "spec.yaml") -> Path:
        doc = {"name": "test-corridor", "network": str(NETWORK), "gnpy_check": False, **doc}
        path = tmp_path / name
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_network(tmp_path):
    """Return a function writing a GeoJSON network from sites and segments, returning its path."""

    def write(sites: dict[str, tuple[float, float]], segments: list[dict], name: str = "net.geojson") -> Path:
        features = [
            {
                "type": "Feature",
                "properties": {"id": sid, "name": sid, "kind": "pop"},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
            for sid, (lat, lon) in sites.items()
        ]
        for seg in segments:
            coords = seg.get("coords") or [
                [sites[seg["a"]][1], sites[seg["a"]][0]],
                [sites[seg["z"]][1], sites[seg["z"]][0]],
            ]
            props = {k: v for k, v in seg.items() if k != "coords"}
            features.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": "LineString", "coordinates": coords},
                }
            )
        path = tmp_path / name
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        return path

    return write
