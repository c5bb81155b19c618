"""Benchmark: `aifabric corridor plan corridors/texas-triangle-nova.yaml --json` with GNPy checks.

`run()` returns median wall-clock seconds over several runs: the whole CLI in a fresh interpreter (imports
included, as a user sees it) and the planning call in-process (routing, sizing and GNPy propagation only).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "corridors" / "texas-triangle-nova.yaml"
RUNS = 5


def _cli_seconds() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aifabric", "corridor", "plan", str(SPEC), "--json"], cwd=REPO,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _in_process_seconds() -> float:
    from aifabric.corridor.plan import plan_corridor

    start = time.perf_counter()
    plan_corridor(SPEC).to_json()
    return time.perf_counter() - start


def run() -> dict[str, float]:
    """Return median seconds of the corridor plan (CLI subprocess, and in-process) over RUNS runs."""
    _in_process_seconds()  # warm imports so the in-process figure measures planning alone
    return {
        "corridor_plan_texas_triangle_nova_cli_s": statistics.median(_cli_seconds() for _ in range(RUNS)),
        "corridor_plan_texas_triangle_nova_in_process_s": statistics.median(
            _in_process_seconds() for _ in range(RUNS)
        ),
    }


if __name__ == "__main__":
    for name, seconds in run().items():
        print(f"{name}: {seconds:.3f} s")
