"""`fabric sweep` on the command line: --json shape, --out files, flag errors, the indicative-prices notice."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, TOPOLOGIES

SPEC = TOPOLOGIES / "spectrum-x-8k.yaml"


def test_json_document(cli, tmp_path):
    code, out, err = cli("fabric", "sweep", SPEC, "--vary", "switch=sn5600,qm9700", "--vary", "tiers=2,3",
                         "--workers", "1", "--json", "--out", tmp_path)
    assert code == 0, err
    document = json.loads(out)
    assert list(document) == ["candidates"]
    candidates = document["candidates"]
    assert [(c["switch"], c["tiers"]) for c in candidates] == [("sn5600", 2), ("sn5600", 3), ("qm9700", 2),
                                                              ("qm9700", 3)]
    for c in candidates:
        assert {"feasible", "reason", "cost", "power_kw", "switches", "worst_latency_ns", "pareto"} <= set(c)
    # The spec's server (hgx-h100) takes its ConnectX-7 on the InfiniBand qm9700 (its BlueField-3 is Ethernet
    # only); two tiers of 64-port switches cannot hold 8,192 GPUs, three can.
    assert not candidates[2]["feasible"] and "two-tier qm9700 fabric" in candidates[2]["reason"]
    assert candidates[3]["feasible"]
    header = (tmp_path / "sweep.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["index", "switch", "tiers"]
    assert (tmp_path / "sweep.png").stat().st_size > 1000


def test_rich_output_names_the_indicative_prices_and_reasons(cli):
    code, out, _ = cli("fabric", "sweep", SPEC, "--vary", "planes=1,2", "--vary", "oversubscription=1,2",
                       "--workers", "1", "--max-power-kw", "450")
    assert code == 0
    assert "prices-indicative.csv (INDICATIVE" in out
    assert "Pareto front" in out
    assert "exceeds --max-power-kw 450" in out
    assert "port_gbps 400 x planes 2 exceeds the NIC's 400 Gb/s" in out


def test_flag_errors_exit_2_with_one_line(cli, tmp_path):
    cases = [
        (["--vary", "swich=sn5600"], "--vary: unknown key 'swich' (did you mean 'switch'?)"),
        (["--vary", "switch=sn5600x"], "--vary: switch=sn5600x: unknown switch 'sn5600x' (did you mean 'sn5600'?)"),
        (["--vary", "planes=1,x"], "--vary: planes=x: must be a whole number"),
        (["--vary", "planes=1,1"], "--vary: planes=1,1: value '1' is listed twice"),
        (["--vary", "planes=1", "--vary", "planes=2"], "--vary: planes is varied twice"),
        (["--vary", "tiers=4"], "--vary: tiers=4: allowed: auto, 2, 3"),
        (["--vary", "oversubscription=0.5"], "--vary: oversubscription=0.5: must be between 1 and 64"),
        (["--vary", "planes"], "--vary: 'planes' is not key=v1,v2,..."),
        ([], "--vary: give at least one"),
        (["--vary", "planes=1", "--dask", "remote"], "--dask: 'remote': the only value is 'local'"),
        (["--vary", "planes=1", "--dask", "local", "--scheduler", "tcp://x:1"], "--scheduler: give --dask local or"),
    ]
    for args, expected in cases:
        code, out, err = cli("fabric", "sweep", SPEC, *args, "--json")
        assert code == 2, args
        assert out == ""
        assert len(err.strip().splitlines()) == 1 and expected in err, (args, err)


def test_plan_json_imports_neither_dask_nor_matplotlib():
    code = ("import sys\nfrom aifabric.cli.main import run\n"
            "try:\n    run(['fabric', 'plan', '--gpus', '1024', '--json'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('distributed', 'dask', 'matplotlib', 'aifabric.sweep.run') if m in sys.modules],"
            " file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"


def test_alike_reasons_are_grouped():
    from aifabric.cli.sweep import reason_groups

    candidates = [{"feasible": False, "reason": "power 13,105.6 kW exceeds --max-power-kw 12000"},
                  {"feasible": False, "reason": "power 12,001 kW exceeds --max-power-kw 12000"},
                  {"feasible": False, "reason": "port_gbps 800: qm9700 offers 400, 200 Gb/s ports"},
                  {"feasible": True, "reason": ""}]
    assert reason_groups(candidates) == [(2, "power 13,105.6 kW exceeds --max-power-kw 12000"),
                                         (1, "port_gbps 800: qm9700 offers 400, 200 Gb/s ports")]
