"""Paths, the golden-file check and small specs shared by the export tests."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
DATA = HERE / "data"
SMALL_CORRIDOR = DATA / "small-corridor.yaml"
# The golden fabric: 64 GPUs on SN5600, two tiers, 16 parallel links per leaf-spine pair.
# servers_per_su and tiers pinned: 64 GPUs would otherwise fit one switch (one tier); the goldens show a leaf-spine
# fabric of eight rail leaves.
SMALL_FABRIC = {"gpus": 64, "switch": "sn5600", "servers_per_su": 8, "tiers": "2"}
# Set AIFABRIC_REGEN_GOLDEN=1 to rewrite the golden files deliberately (then review the diff).
REGEN = os.environ.get("AIFABRIC_REGEN_GOLDEN") == "1"


def check_golden(name: str, data: str | bytes) -> None:
    """Compare output with tests/export/golden/<name> byte for byte (or rewrite it when regenerating)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path = GOLDEN / name
    if REGEN or not path.exists():
        assert REGEN, f"golden file {name} is missing: run with AIFABRIC_REGEN_GOLDEN=1 to create it"
        path.write_bytes(raw)
    assert raw == path.read_bytes(), f"{name} differs from its golden file"
