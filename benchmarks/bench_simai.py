"""Benchmark: `export fabric --format simai` of 65,536 GPUs beside SimAI's own generator, in one run.

SimAI's generator is `astra-sim-alibabacloud/inputs/topo/gen_Topo_Template.py` of github.com/aliyun/SimAI; give
its path in SIMAI_GENERATOR (`make bench` passes one when it finds it). It writes a one-pod Spectrum-X topology of
65,536 GPUs (spines given 1,024 ports, which no switch has); aifabric writes a buildable three-tier SN5600 design.
Both run as whole processes, alternately, so machine load hits both alike; the ratio of the medians is the figure
(target <= 0.8, DESIGN.md performance).

`run()` returns {name: (value, target)}: both medians (seconds) and the ratio.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = 7
RATIO_TARGET = 0.8  # standing target: aifabric's export takes at most 0.8x SimAI's generator, side by side
SIMAI_ARGS = ["-topo", "Spectrum-X", "-g", "65536", "-psn", "64", "-app", "1024"]
AIFABRIC_ARGS = ["export", "fabric", "--gpus", "65536", "--switch", "sn5600", "--format", "simai", "-o"]


def _seconds(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run() -> dict[str, tuple[float, float]]:
    """Return the medians of both generators and their ratio, or {} when SimAI's generator is not given."""
    generator = os.environ.get("SIMAI_GENERATOR", "")
    if not generator or not Path(generator).is_file():
        sys.stderr.write("bench_simai: set SIMAI_GENERATOR to SimAI's gen_Topo_Template.py to compare; the standing "
                         f"target (ratio <= {RATIO_TARGET}) is not measured\n")
        return {}
    work = Path(tempfile.mkdtemp(prefix="aifabric-bench-simai-"))
    try:
        ours, theirs = [], []
        for _ in range(RUNS):
            theirs.append(_seconds([sys.executable, generator, *SIMAI_ARGS], work))
            ours.append(_seconds([sys.executable, "-m", "aifabric", *AIFABRIC_ARGS, str(work / "x.topo")], REPO))
        ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
        return {
            "simai_generator_65536_gpus_s (reference, no target)": (theirs_s, theirs_s),
            "export_65536_gpus_simai_s (same run)": (ours_s, RATIO_TARGET * theirs_s),
            "export_simai_ratio_to_simai_generator": (ours_s / theirs_s, RATIO_TARGET),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    for name, (value, target) in run().items():
        print(f"{name}: {value:.3f} (target {target:.3f}) {'ok' if value <= target else 'MISSED'}")
