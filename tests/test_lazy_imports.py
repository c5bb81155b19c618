"""The CLI imports lazily (DESIGN.md, performance): `--help` needs none of the heavy libraries, and
`fabric plan --json` needs numpy but never networkx, geopandas, GNPy, scipy or matplotlib."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, TOPOLOGIES

HEAVY = ("numpy", "networkx", "geopandas", "gnpy", "scipy", "matplotlib", "shapely", "pyproj", "dask")
PROBE = """
import json, sys
from aifabric.cli.main import run
try:
    run(sys.argv[1:])
except SystemExit:
    pass
heavy = {heavy!r}
sys.stderr.write(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _heavy_imports(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_help_imports_no_heavy_library():
    assert _heavy_imports("--help") == []


def test_plan_json_imports_numpy_only():
    assert _heavy_imports("fabric", "plan", str(TOPOLOGIES / "dgx-h100-superpod-4su.yaml"), "--json") == ["numpy"]


# Imported only where they are used: PyYAML to read a YAML file, difflib for a "did you mean", csv and tempfile to
# write files, importlib.metadata when pydantic builds its first validator (a plain spec needs none).
ON_DEMAND = ("yaml", "difflib", "csv", "tempfile", "importlib.metadata")


def _imported(names, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=names), *args], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_plan_json_imports_only_what_it_uses():
    # The shipped catalog comes from its pickled copy, so a plan from flags alone reads no YAML at all.
    assert _imported(ON_DEMAND, "fabric", "plan", "--gpus", "4096", "--json") == []
    assert _imported(ON_DEMAND, "fabric", "plan", str(TOPOLOGIES / "million-gpu.yaml"), "--json") == ["yaml"]
