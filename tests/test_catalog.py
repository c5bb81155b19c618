"""The hardware catalog: every entry sourced, radix per breakout, user directories add and override entries."""

from __future__ import annotations

import json

from aifabric.catalog.models import KINDS


def test_every_entry_has_a_source(hardware):
    for kind in KINDS:
        for entry in getattr(hardware, kind).values():
            assert len(entry.source) > 10, f"{kind}/{entry.id} has no source"


def test_radix_per_breakout_matches_published_port_counts(hardware):
    """SN5600: 64 x 800G = 128 x 400G = 256 x 200G; QM9700: 64 x 400G in 32 cages; Q3400: 144 x 800G
    (fabric-facts.md)."""
    sn5600 = hardware.switch("sn5600")
    assert (sn5600.radix(800), sn5600.radix(400), sn5600.radix(200)) == (64, 128, 256)
    assert hardware.switch("qm9700").radix(400) == 64
    assert hardware.switch("q3400").radix(800) == 144
    assert hardware.switch("th4-64x400").radix(400) == 64


def test_required_entries_exist(hardware):
    assert {"sn5600", "sn5400", "qm9700", "q3400", "th4-64x400"} <= set(hardware.switches)
    assert {"connectx-7", "bluefield-3-b3140h", "connectx-8"} <= set(hardware.nics)
    assert {"dgx-h100", "hgx-h100", "hgx-h200", "hgx-b200", "dgx-b300", "gb200-nvl72-tray"} <= set(hardware.servers)
    assert hardware.server("gb200-nvl72-tray").gpus == 4


def test_catalog_json_lists_kinds(cli):
    code, out, _ = cli("catalog", "switches", "--json")
    assert code == 0
    ids = [e["id"] for e in json.loads(out)["switches"]]
    assert ids == sorted(ids) and "sn5600" in ids


def test_user_catalog_adds_and_overrides(cli, tmp_path):
    (tmp_path / "mine.yaml").write_text(
        "kind: switches\nentries:\n"
        "  - {id: sn5600, name: SN5600 tuned, manufacturer: Nvidia, model: SN5600, family: ethernet, cages: 64,\n"
        "     cage_form: osfp, cage_gbps: 800, speeds_gbps: [800, 400, 200], power_w: 1000, latency_ns: 500,\n"
        "     source: our lab measurement 2026}\n"
        "  - {id: tiny-32x400, name: Tiny, manufacturer: Acme, model: T32, family: ethernet, cages: 32,\n"
        "     cage_form: qsfp-dd, cage_gbps: 400, speeds_gbps: [400], power_w: 300, latency_ns: 500,\n"
        "     source: acme datasheet}\n"
    )
    code, out, err = cli("fabric", "plan", "--gpus", "512", "--switch", "tiny-32x400", "--catalog", tmp_path, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["switch_model"] == "tiny-32x400" and doc["servers_per_su"] == 16
    code, out, _ = cli("fabric", "plan", "--gpus", "512", "--catalog", tmp_path, "--json")
    assert json.loads(out)["power_kw"]["switches"] == json.loads(out)["switches"]["total"] * 1.0


def test_bad_user_catalog_is_a_clean_error(cli, tmp_path):
    (tmp_path / "bad.yaml").write_text("kind: switches\nentries:\n  - {id: x1, name: X}\n")
    code, _, err = cli("fabric", "plan", "--gpus", "512", "--catalog", tmp_path)
    assert code == 2 and "bad.yaml" in err and "is required" in err
