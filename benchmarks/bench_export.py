"""Benchmark: exports of large fabrics, as whole CLI processes (imports, planning and writing included).

`run()` returns {name: (median seconds, target seconds)}:
- Colossus-100k (topologies/colossus-100k.yaml) to NetBox CSVs and to SimAI: target 30 s each (issue 5).
- `export fabric --gpus 65536 --switch sn5600 --format simai`: target 0.52 s, twice the ≈0.26 s SimAI's own
  generator takes for a 65,536-GPU file (DESIGN.md, performance).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLOSSUS = REPO / "topologies" / "colossus-100k.yaml"


def _seconds(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aifabric", *args], cwd=REPO, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _median(args: list[str], runs: int) -> float:
    return statistics.median(_seconds(args) for _ in range(runs))


def run() -> dict[str, tuple[float, float]]:
    """Return {name: (median seconds, target seconds)} of the export benchmarks."""
    out = Path(tempfile.mkdtemp(prefix="aifabric-bench-export-"))
    try:
        return {
            "export_colossus_100k_netbox_s": (
                _median(["export", "fabric", str(COLOSSUS), "--format", "netbox", "-o", str(out / "nb")], 3), 30.0),
            "export_colossus_100k_simai_s": (
                _median(["export", "fabric", str(COLOSSUS), "--format", "simai", "-o", str(out / "c.topo")], 3),
                30.0),
            "export_65536_gpus_sn5600_simai_s": (
                _median(["export", "fabric", "--gpus", "65536", "--switch", "sn5600", "--format", "simai", "-o",
                         str(out / "x.topo")], 7), 0.52),
        }
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    for name, (median_s, target_s) in run().items():
        print(f"{name}: {median_s:.3f} s (target {target_s} s) {'ok' if median_s <= target_s else 'MISSED'}")
