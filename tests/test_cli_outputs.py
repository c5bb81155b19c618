"""Outputs speak alike (issue 13, item 6): exact numbers in CSVs, one `wrote PATH` line per file on every writer,
a size estimate before a large --out, a bisection table that keeps bisection and total capacity apart."""

from __future__ import annotations

import csv
import json

from tests.conftest import ROOT


def test_plain_number_never_writes_an_exponent():
    from aifabric.io import plain_number

    assert plain_number(1_216_384.0) == "1216384"
    assert plain_number(17.5) == "17.5"
    assert plain_number(0.0) == "0" and plain_number(-0.0) == "0"
    assert plain_number(1e12) == "1000000000000"


def test_bom_csv_power_is_exact(cli, tmp_path):
    """Before: bom.csv printed 1.21638e+06 for 1,216,384 W."""
    code, _, err = cli("fabric", "plan", ROOT / "topologies" / "colossus-100k.yaml", "--no-graph", "-o", tmp_path)
    assert code == 0, err
    rows = list(csv.DictReader((tmp_path / "bom.csv").open()))
    power_columns = [c for c in rows[0] if "power" in c]
    assert power_columns
    for row in rows:
        for column in power_columns:
            assert "e+" not in row[column] and "e-" not in row[column], row


def test_every_writer_says_wrote_path_per_file(cli, tmp_path):
    spec = ROOT / "topologies" / "dgx-h100-superpod-4su.yaml"
    code, out, err = cli("fabric", "plan", spec, "--no-graph", "-o", tmp_path / "plan")
    assert code == 0
    assert sorted(err.splitlines()) == sorted(f"wrote {p}" for p in (tmp_path / "plan").iterdir())
    assert "wrote" not in out
    code, _, err = cli("fabric", "draw", spec, "-o", tmp_path / "f.svg")
    assert err == f"wrote {tmp_path / 'f.svg'}\n"
    code, _, err = cli("export", "fabric", spec, "--format", "simai", "-o", tmp_path / "f.topo")
    assert err == f"wrote {tmp_path / 'f.topo'}\n"
    code, out, err = cli("fabric", "sweep", spec, "--vary", "planes=1,2", "--workers", "1", "-o", tmp_path / "sw")
    assert sorted(err.splitlines()) == sorted(f"wrote {p}" for p in (tmp_path / "sw").iterdir())
    code, out, err = cli("fabric", "plan", spec, "--json", "--no-graph", "-o", tmp_path / "quiet")
    assert err == "" and json.loads(out)  # --json: the document and nothing else


def test_a_large_out_is_announced_with_its_size(cli, tmp_path, monkeypatch):
    from aifabric.cli import fabric as fabric_cli

    monkeypatch.setattr(fabric_cli, "LARGE_OUTPUT_BYTES", 1)
    code, _, err = cli("fabric", "plan", "--gpus", "1024", "-o", tmp_path)
    assert code == 0
    first = err.splitlines()[0]
    assert first.startswith("note: writing about ") and "graph.graphml ~" in first and "--no-graph" in first


def test_output_size_estimate_is_close(tmp_path):
    """The estimate is within a factor of two of what is written (it warns; it need not be exact)."""
    from aifabric.export.fabric_files import estimate_output_bytes, write_outputs
    from aifabric.fabric.plan import plan_fabric

    result = plan_fabric(ROOT / "topologies" / "spectrum-x-8k.yaml")
    estimate = estimate_output_bytes(result)
    write_outputs(tmp_path, result)
    for name, size in estimate.items():
        actual = (tmp_path / name).stat().st_size
        assert actual / 2 <= size <= actual * 2, (name, size, actual)


def test_bisection_table_keeps_bisection_and_totals_apart(cli):
    """Before: a 'spine uplinks 0.0' column on two tiers, and totals beside bisections with no word on which is
    which."""
    code, out, _ = cli("fabric", "bisection", ROOT / "topologies" / "spectrum-x-8k.yaml")
    assert code == 0
    assert "spine up" not in out and "total" in out and "half the narrowest tier" in out


def test_counts_take_their_noun_in_the_right_number(cli):
    _, out, _ = cli("fabric", "plan", "--gpus", "256")
    assert "plane(s)" not in out and "1 plane of" in out and "(1 SU of 32 servers" in out and "1 SUs" not in out
