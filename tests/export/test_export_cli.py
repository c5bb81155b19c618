"""The export, draw and map commands: files written, messages, one-line errors, lazy imports."""

from __future__ import annotations

import subprocess
import sys

from export_helpers import SMALL_CORRIDOR


def test_export_fabric_every_format(cli, tmp_path):
    for fmt, name in (("simai", "x.topo"), ("graphml", "x.graphml"), ("json", "x.json"), ("containerlab",
                                                                                          "x.clab.yml")):
        code, _, err = cli("export", "fabric", "--gpus", "64", "--switch", "sn5600", "--format", fmt, "-o",
                           tmp_path / name)
        assert code == 0, err
        assert (tmp_path / name).stat().st_size > 0 and f"wrote {tmp_path / name}" in err
    code, _, err = cli("export", "fabric", "--gpus", "64", "--switch", "sn5600", "--format", "netbox", "-o",
                       tmp_path / "nb", "--netbox-version", "4.3")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "nb").iterdir()) == ["cables.csv", "devices.csv", "interfaces.csv"]
    assert "side_a_site" not in (tmp_path / "nb" / "cables.csv").read_text(encoding="utf-8").splitlines()[0]


def test_export_containerlab_slice_is_announced(cli, tmp_path):
    out = tmp_path / "lab.clab.yml"
    code, _, err = cli("export", "fabric", "--gpus", "4096", "--switch", "qm9700", "--nic", "connectx-7", "--tiers",
                       "3", "--format", "containerlab", "--kind", "nokia_srlinux", "--slice", "su=2",
                       "--max-nodes", "100", "-o", out)
    assert code == 0, err
    assert "note: slice su=2" in err and "100 nodes" in err
    assert "# NOTE: slice su=2" in out.read_text(encoding="utf-8")


def test_export_errors_are_one_line(cli, tmp_path):
    cases = [
        ("export", "fabric", "--gpus", "64", "--format", "visio", "-o", tmp_path / "x"),
        ("export", "fabric", "--gpus", "64", "--format", "containerlab", "--kind", "cumulus", "-o", tmp_path / "x"),
        ("export", "fabric", "--gpus", "64", "--format", "containerlab", "--slice", "pod=1", "-o", tmp_path / "x"),
        ("export", "fabric", "--gpus", "64", "--format", "netbox", "--netbox-version", "four", "-o", tmp_path / "x"),
        ("export", "fabric", "--format", "simai", "-o", tmp_path / "x"),
        ("export", "corridor", SMALL_CORRIDOR, "--format", "shapefile", "-o", tmp_path / "x"),
        ("fabric", "draw", "--gpus", "64", "-o", tmp_path / "x.pdf"),
        ("corridor", "map", SMALL_CORRIDOR, "-o", tmp_path / "x.jpg"),
    ]
    for args in cases:
        code, out, err = cli(*args)
        assert code == 2, (args, err)
        assert err.count("\n") == 1 and err.startswith("error: "), err
        assert out == ""


def test_export_corridor_formats(cli, tmp_path):
    for fmt in ("geojson", "kml", "gnpy"):
        out = tmp_path / f"c.{fmt}"
        code, _, err = cli("export", "corridor", SMALL_CORRIDOR, "--format", fmt, "-o", out)
        assert code == 0, err
        assert out.stat().st_size > 1000


def test_fabric_draw_and_corridor_map(cli, tmp_path):
    code, _, err = cli("fabric", "draw", "--gpus", "64", "--switch", "sn5600", "-o", tmp_path / "f.svg")
    assert code == 0, err
    assert ">leaf<" in (tmp_path / "f.svg").read_text(encoding="utf-8")
    code, _, err = cli("fabric", "draw", "--gpus", "64", "--switch", "sn5600", "-o", tmp_path / "f.png")
    assert code == 0 and (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    for name in ("m.html", "m.png"):
        code, _, err = cli("corridor", "map", SMALL_CORRIDOR, "-o", tmp_path / name)
        assert code == 0, err
        assert (tmp_path / name).stat().st_size > 10_000


def test_help_imports_no_heavy_module():
    probe = ("import sys; from aifabric.cli.main import app; "
             "heavy = ('numpy', 'networkx', 'geopandas', 'gnpy', 'matplotlib', 'yaml'); "
             "print(','.join(m for m in heavy if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() in ("", "yaml")
