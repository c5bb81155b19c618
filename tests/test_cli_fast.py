"""The lean path of `fabric plan --json` and `export fabric --format simai` (issue 13, item 9): the same results as
the typer commands, without importing typer, and the typer command for anything it does not take."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aifabric.cli.fast import parse, run_fast
from tests.conftest import ROOT, TOPOLOGIES

SPEC = str(TOPOLOGIES / "dgx-h100-superpod-4su.yaml")


def test_plain_arguments_take_the_lean_path():
    command, spec, overrides, options = parse(["export", "fabric", "--gpus", "4096", "--switch=sn5600",
                                               "--leaf-location", "central", "-f", "simai", "-o", "x.topo"])
    assert command == ("export", "fabric") and spec is None
    assert overrides["gpus"] == 4096 and overrides["switch"] == "sn5600"
    assert overrides["placement.leaf_location"] == "central"
    assert options == {"format": "simai", "out": "x.topo"}


@pytest.mark.parametrize("args", [
    ["fabric", "plan", "--gpus", "64", "--json", "--help"],
    ["fabric", "plan", "--gpus", "64", "--json", "-h"],
    ["fabric", "plan", "--gpus", "many", "--json"],           # typer says what is wrong with the value
    ["fabric", "plan", "--gpus", "64", "--json", "--prices", "p.csv"],
    ["fabric", "plan", SPEC, SPEC, "--json"],
    ["fabric", "plan", "--gpus"],
    ["fabric", "latency", "--gpus", "64", "--json"],
])
def test_anything_else_is_left_to_typer(args):
    assert parse(args) is None


def test_plan_without_json_and_other_formats_are_left_to_typer(capsys):
    assert run_fast(["fabric", "plan", "--gpus", "64"]) is False
    assert run_fast(["export", "fabric", "--gpus", "64", "--format", "graphml", "-o", "x.graphml"]) is False
    assert capsys.readouterr().out == ""


def test_lean_and_typer_paths_agree(cli, tmp_path, monkeypatch):
    lean = tmp_path / "lean.topo"
    code, _, err = cli("export", "fabric", SPEC, "--racks-per-row", "4", "--format", "simai", "-o", lean)
    assert code == 0 and err == f"wrote {lean}\n"
    _, lean_json, _ = cli("fabric", "plan", SPEC, "--racks-per-row", "4", "--json")
    from aifabric.cli import fast

    monkeypatch.setattr(fast, "run_fast", lambda args: False)
    typer_topo = tmp_path / "typer.topo"
    code, _, err = cli("export", "fabric", SPEC, "--racks-per-row", "4", "--format", "simai", "-o", typer_topo)
    assert code == 0 and err == f"wrote {typer_topo}\n"
    assert lean.read_bytes() == typer_topo.read_bytes()
    _, typer_json, _ = cli("fabric", "plan", SPEC, "--racks-per-row", "4", "--json")
    assert json.loads(lean_json) == json.loads(typer_json)


def test_lean_errors_are_the_same_one_line(cli, tmp_path):
    code, out, err = cli("export", "fabric", "--gpus", "0", "--format", "simai", "-o", tmp_path / "x.topo")
    assert code == 2 and out == "" and err == "error: command line: --gpus: must be > 0, got 0\n"
    code, _, err = cli("export", "fabric", "--gpus", "64", "--format", "simai", "-o", tmp_path / "no" / "x.topo")
    assert code == 2 and "does not exist" in err and err.count("\n") == 1


def test_simai_export_does_not_import_typer(tmp_path):
    probe = ("import sys\nfrom aifabric.cli.main import run\ntry:\n    run(sys.argv[1:])\nexcept SystemExit:\n"
             "    pass\nsys.stderr.write(str(sorted(m for m in ('typer', 'click', 'rich') if m in sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", probe, "export", "fabric", "--gpus", "1024", "--format", "simai",
                           "-o", str(tmp_path / "x.topo")], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
