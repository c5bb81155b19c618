"""Benchmark: design-space sweeps for 100,000 GPUs (topologies/colossus-100k.yaml), as whole CLI processes.

`run()` returns {name: (median seconds, target seconds)}:
- a 1,000-candidate analytic sweep (switch x planes x oversubscription x port speed x tiers = 5 x 5 x 5 x 4 x 2,
  most of them infeasible) on the default local process pool: target 10 s (issue 6);
- a 50-candidate sweep (switch x oversubscription x planes = 5 x 5 x 2 at 200G ports) with a 200-trial failure
  Monte Carlo (one leaf, one spine, 0.1 % of links) per feasible candidate on a Dask LocalCluster of 2 workers:
  target 120 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLOSSUS = REPO / "topologies" / "colossus-100k.yaml"
SWITCHES = "switch=sn5600,q3400,sn5400,th4-64x400,qm9700"
ANALYTIC = ["--vary", SWITCHES, "--vary", "planes=1,2,4,8,16", "--vary", "oversubscription=1,1.5,2,3,4",
            "--vary", "port_gbps=100,200,400,800", "--vary", "tiers=auto,3"]
WITH_FAILURES = ["--vary", SWITCHES, "--vary", "oversubscription=1,1.5,2,3,4", "--vary", "planes=1,2",
                 "--vary", "port_gbps=200", "--failures", "200", "--dask", "local", "--workers", "2"]


def _seconds(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aifabric", "fabric", "sweep", str(COLOSSUS), *args, "--json"], cwd=REPO,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _median(args: list[str], runs: int) -> float:
    return statistics.median(_seconds(args) for _ in range(runs))


def run() -> dict[str, tuple[float, float]]:
    """Return {name: (median seconds, target seconds)} of the sweep benchmarks."""
    return {
        "sweep_colossus_100k_1000_candidates_analytic_s": (_median(ANALYTIC, 3), 10.0),
        "sweep_colossus_100k_50_candidates_failures_dask_local_2_workers_s": (_median(WITH_FAILURES, 3), 120.0),
    }


if __name__ == "__main__":
    for name, (median_s, target_s) in run().items():
        print(f"{name}: {median_s:.3f} s (target {target_s} s) {'ok' if median_s <= target_s else 'MISSED'}")
