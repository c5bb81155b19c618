"""On an 80-column terminal no number is replaced by "…" or cut at the edge (issue 13, item 3)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

SPEC = str(ROOT / "topologies" / "spectrum-x-8k.yaml")
COMMANDS = {
    "plan": ["fabric", "plan", str(ROOT / "topologies" / "colossus-100k.yaml")],
    "latency": ["fabric", "latency", SPEC],
    "bisection": ["fabric", "bisection", SPEC],
    "failures": ["fabric", "failures", SPEC, "--trials", "20"],
    "ecmp": ["fabric", "ecmp", SPEC, "--trials", "1"],
    "sweep": ["fabric", "sweep", SPEC, "--vary", "planes=1,2", "--vary", "oversubscription=1,2:1", "--workers", "1"],
    "catalog": ["catalog"],
    "corridor": ["corridor", "plan", str(ROOT / "corridors" / "texas-triangle-nova.yaml")],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_number_is_cut_at_80_columns(cli, monkeypatch, name):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = cli(*COMMANDS[name])
    assert code == 0, err
    assert "…" not in out, out
    for line in out.splitlines():
        assert len(line) <= 80, line
        # A table row ends with its border: nothing was cropped at the edge.
        if line.startswith(("│", "┃")):
            assert line.rstrip().endswith(("│", "┃")), line


def test_a_narrow_table_keeps_whole_numbers_and_says_what_it_left_out(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    _, narrow, _ = cli(*COMMANDS["latency"])
    monkeypatch.setenv("COLUMNS", "200")
    _, wide, _ = cli(*COMMANDS["latency"])
    numbers = re.compile(r"\d[\d,]*\.?\d*")
    wide_rows = [line for line in wide.splitlines() if line.startswith("│")]
    narrow_rows = [line for line in narrow.splitlines() if line.startswith("│")]
    assert len(wide_rows) == len(narrow_rows)
    for wide_row, narrow_row in zip(wide_rows, narrow_rows, strict=True):
        assert set(numbers.findall(narrow_row)) <= set(numbers.findall(wide_row))
        assert numbers.findall(narrow_row)[-1] == numbers.findall(wide_row)[-1]  # the worst case is shown whole
    assert "columns left out to fit 80 columns" in narrow
