"""The lean path of `fabric plan --json` and `export fabric --format simai` (issue 13, item 9): the same results as
the typer commands, without importing typer, and the typer command for anything it does not take."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_lean_command_leaves_the_process_as_it_was(cli, monkeypatch):
    # The lean path runs without cyclic GC and with one OpenBLAS thread; a caller's process gets both back.
    import gc
    import os

    from aifabric.cli import fast

    monkeypatch.delenv(fast.BLAS_THREADS, raising=False)
    assert cli("fabric", "plan", "--gpus", "64", "--json")[0] == 0
    assert gc.isenabled() and fast.BLAS_THREADS not in os.environ
    monkeypatch.setenv(fast.BLAS_THREADS, "3")
    assert cli("fabric", "plan", "--gpus", "0", "--json")[0] == 2
    assert gc.isenabled() and os.environ[fast.BLAS_THREADS] == "3"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts the process's threads in /proc (Linux)")
def test_lean_command_starts_no_openblas_threads(tmp_path):
    # numpy's OpenBLAS would start a spinning thread per core at import; the lean commands do no linear algebra.
    probe = ("import os, sys\nfrom aifabric.cli.main import run\ntry:\n    run(sys.argv[1:])\nexcept SystemExit:\n"
             "    pass\nsys.stderr.write(f\"{'numpy' in sys.modules} {len(os.listdir('/proc/self/task'))}\")\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", probe, "fabric", "plan", "--gpus", "1024", "--json"], cwd=ROOT,
                          capture_output=True, text=True, check=True, env=env)
    assert done.stderr.split()[-2:] == ["True", "1"]


def test_a_lean_process_ends_at_once_with_every_byte_written(tmp_path):
    # `python -m aifabric` ends a lean command with os._exit after flushing: same bytes, exit code 0; an error still
    # takes the ordinary exit (one line, code 2).
    from aifabric.cli.planning import export_simai, plan_from
    from aifabric.io import json_text

    run = [sys.executable, "-m", "aifabric"]
    done = subprocess.run([*run, "fabric", "plan", SPEC, "--json"], cwd=ROOT, capture_output=True, check=True)
    assert done.stdout.decode() == json_text(plan_from(Path(SPEC), {}, None).document()) and done.stderr == b""
    topo = tmp_path / "x.topo"
    done = subprocess.run([*run, "export", "fabric", "--gpus", "4096", "--format", "simai", "-o", str(topo)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stderr == f"wrote {topo}\n"
    assert topo.read_bytes() == export_simai(None, {"gpus": 4096}, None, tmp_path / "in-process.topo").read_bytes()
    done = subprocess.run([*run, "fabric", "plan", "--gpus", "0", "--json"], cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "error: command line: --gpus: must be > 0, got 0\n")
