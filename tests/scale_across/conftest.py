"""Scale-across test helpers: a fast corridor spec (GNPy check off) and spec files written into tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scale-across" / "texas-nova-training.yaml"
NETWORK = ROOT / "corridors" / "us-longhaul.geojson"

JOB = {"params_total_b": 1000, "params_active_b": 1000, "tokens_per_step_m": 64, "grad_bits": 16, "mfu": 0.4,
       "overlap": 1.0, "split": "data", "sync_every_steps": 1, "hidden_size": 25600}


@pytest.fixture
def make_spec(tmp_path):
    """Return a function writing a scale-across spec (and a GNPy-off corridor spec beside it) -> its path."""
    corridor = tmp_path / "corridor.yaml"
    corridor.write_text(yaml.safe_dump({
        "name": "fast", "network": str(NETWORK), "gnpy_check": False, "grid_ghz": 75,
        "optics": {"mode": "openzr-plus-400g"},
        "demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 1.0}],
    }), encoding="utf-8")

    def make(name: str = "t.yaml", **changes) -> Path:
        spec = {
            "name": "test-job",
            "sites": [{"id": "dallas", "gpus": 100000, "server": "gb200-nvl72-tray"},
                      {"id": "ashburn", "gpus": 100000, "server": "gb200-nvl72-tray"}],
            "corridor": "corridor.yaml",
            "job": dict(JOB),
            "protection": "1+1",
        }
        for key, value in changes.items():
            if key == "job":
                spec["job"].update(value)
            else:
                spec[key] = value
        path = tmp_path / name
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        return path

    return make
