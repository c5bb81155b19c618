"""Tables at 80 columns keep ids and header words whole; structured catalog fields read as a datasheet; words say
trays, racks, kW; help shows no `<bool>` and never cuts a default (issue 23, items 4 and 6)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT


def _run80(cli, monkeypatch, *args):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = cli(*args)
    assert code == 0, err
    assert all(len(line) <= 80 for line in out.splitlines())
    return out


def _cells(out: str) -> list[str]:
    """Return every table cell's text, one per row segment (stripped)."""
    return [cell.strip() for line in out.splitlines() if line.startswith("│") for cell in line.strip("│").split("│")]


@pytest.mark.parametrize("args, ids", [
    (["corridor", "plan", str(ROOT / "corridors" / "texas-triangle-nova.yaml")],
     ["dallas-ashburn", "fort-worth-ashburn", "san-antonio-ashburn"]),
    (["catalog", "switches"], ["q3400", "q3400-ra", "th6-128x800-cpo"]),
    (["catalog", "nics"], ["bluefield-3-b3140h", "900-9D3D4-00EN-HA0", "MCX75310AAS-NEAT"]),
])
def test_ids_are_never_broken_at_80_columns(cli, monkeypatch, args, ids):
    cells = _cells(_run80(cli, monkeypatch, *args))
    for name in ids:
        assert name in cells, f"{name} is broken or missing"


def test_headers_wrap_between_words_at_80_columns(cli, monkeypatch):
    out = _run80(cli, monkeypatch, "catalog", "switches")
    header = [line for line in out.splitlines() if line.startswith("┃")]
    words = {w.strip() for line in header for w in line.strip("┃").split("┃")}
    assert "lane_gbp" not in words and "efficien" not in words
    assert "lane_" in words and "gbps" in words  # lane_gbps wraps after its underscore
    out = _run80(cli, monkeypatch, "scale-across", "plan", str(ROOT / "scale-across" / "three-site-ring.yaml"))
    assert not re.search(r"┃[^┃\n]*\befficien\s*┃", out)


def test_a_column_left_out_is_said(cli, monkeypatch):
    out = _run80(cli, monkeypatch, "catalog", "nics")
    assert "columns left out to fit 80 columns:" in " ".join(out.split())


def test_catalog_port_modes_read_as_a_datasheet(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = cli("catalog", "nics")
    assert "1×400G Eth · 2×200G Eth · 1×200G Eth" in out
    assert "1×400G IB · 1×400G Eth" in out
    assert "protocol:" not in out


def test_rack_scale_systems_count_trays_and_racks_and_no_su_of_one_rack(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = cli("fabric", "plan", "--gpus", "72", "--server", "gb200-nvl72", "--switch", "sn5600")
    assert "72 GPUs on 18 compute trays of gb200-nvl72 in 1 rack (4 rails)" in out
    assert "1 leaf group of 18 trays" in out and " SU" not in out
    code, out, _ = cli("fabric", "plan", str(ROOT / "topologies" / "colossus-100k.yaml"))
    assert "100,000 GPUs on 12,500 hgx-h100-4u-lc (8 rails)" in out and "196 SUs of 64 servers" in out


def test_a_small_site_is_counted_in_kw_and_one_tier_has_no_uplink_ratio(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = cli("fabric", "plan", "--gpus", "8", "--switch", "sn5600")
    assert "0.0 MW" not in out
    assert re.search(r"Site +│ [\d.]+ kW facility = [\d.]+ kW IT x PUE 1.2", out)
    assert "(1 down, 0 up)" not in out and "none: one tier" in out
    code, out, _ = cli("fabric", "plan", str(ROOT / "topologies" / "colossus-100k.yaml"))
    assert "165.4 MW facility = 137.8 MW IT" in out and "1:1 at the leaf (64 down, 64 up)" in out


@pytest.mark.parametrize("command", [["fabric", "plan"], ["fabric", "failures"], ["fabric", "sweep"],
                                     ["corridor", "plan"], ["scale-across", "plan"], ["catalog"], ["schema"]])
def test_help_has_no_bool_metavar_and_never_cuts_a_default(cli, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cli(*command, "--help")
    assert code == 0
    assert "<bool>" not in out and "…" not in out
    assert "--json" in out or command == ["schema"]
