"""The SimAI export needs only who joins whom at what speed: links.link_ends gives a class's link-table columns
without choosing media or modules, and the export writes the same file as from the full link table."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from aifabric.fabric import links as links_module
from aifabric.fabric.plan import plan_fabric
from tests.conftest import ROOT, TOPOLOGIES

DESIGNS = [
    (TOPOLOGIES / "dgx-h100-superpod-4su.yaml", None),
    (TOPOLOGIES / "gb200-nvl72-superpod.yaml", None),
    (TOPOLOGIES / "b300-twin-plane.yaml", None),
    (TOPOLOGIES / "spectrum-x-8k.yaml", None),
    (None, {"gpus": 65536, "switch": "sn5600"}),
    (None, {"gpus": 4096, "server": "dgx-h100", "switch": "qm9700"}),
    (None, {"gpus": 8}),
]


@pytest.mark.parametrize(("spec", "flags"), DESIGNS)
def test_link_ends_equal_the_link_table(spec, flags):
    result = plan_fabric(spec, flags)
    links = result.links
    planned_from_runs = [c for c in links.sets if not links.runs[c].per_link]
    ends = {c: links_module.link_ends(links, c) for c in links.sets}
    # Asking for the ends builds no link set of a class planned from runs.
    assert not any(links.sets.built(c) for c in planned_from_runs)
    for link_class, (speed, a, a_pod, a_port, z, z_pod) in ends.items():
        full = links.sets[link_class]
        assert speed == full.speed_gbps
        for got, column in ((a, full.a), (a_pod, full.a_pod), (a_port, full.a_port), (z, full.z), (z_pod, full.z_pod)):
            if column is None:
                assert got is None
            else:
                assert got.dtype == column.dtype and np.array_equal(got, column), link_class


@pytest.mark.parametrize(("spec", "flags"), DESIGNS)
def test_export_without_link_sets_equals_export_from_the_link_table(spec, flags, tmp_path, monkeypatch):
    from aifabric.cli.planning import export_simai
    from aifabric.export.simai import simai_text

    full = plan_fabric(spec, flags)
    for link_class in full.links.sets:
        full.links.sets[link_class]  # build every set: the export then reads the built columns
    expected = simai_text(full.links, full.hardware)
    built = []
    original = links_module._build_class
    monkeypatch.setattr(links_module, "_build_class", lambda ctx, links, cls: built.append(cls) or original(
        ctx, links, cls))
    out = export_simai(spec, dict(flags or {}), None, tmp_path / "x.topo")
    assert out.read_bytes() == expected.encode("ascii")
    # Only classes the runs model does not cover are built, as planning builds them anyway.
    assert not [c for c in built if not full.links.runs[c].per_link]
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["x.topo"]  # no temp file left


PROBE = """
import json, sys
from aifabric.cli.main import run
try:
    run(sys.argv[1:])
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted(m for m in ("tempfile", "shutil", "yaml", "typer", "networkx") if m in sys.modules)))
"""


def test_lean_export_imports_no_tempfile_nor_json_writer(tmp_path):
    """The lean export writes its file without tempfile (and its imports); json is the probe's own."""
    done = subprocess.run([sys.executable, "-c", PROBE, "export", "fabric", "--gpus", "4096", "--format", "simai",
                           "-o", str(tmp_path / "x.topo")], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "x.topo").read_text().startswith("4704 8 512 96 ")  # 4096 GPUs + 512 NVSwitches + 96 switches


def test_temp_files_are_private_unique_and_hidden(tmp_path):
    from aifabric.io import _create_temp

    target = tmp_path / "x.topo"
    made = [_create_temp(target) for _ in range(20)]
    for fd, _ in made:
        os.close(fd)
    names = [os.path.basename(name) for _, name in made]
    assert len(set(names)) == 20
    assert all(n.startswith(".x.topo.") and n.endswith(".tmp") for n in names)
    assert all(stat.S_IMODE(os.stat(name).st_mode) == 0o600 for _, name in made)
