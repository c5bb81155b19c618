"""verify cabling: LLDP tables in lldpd's and NVUE's JSON read into one shape, and compared with the plan cable by
cable (correct, miscabled with where each end belongs, missing, unexpected)."""

from __future__ import annotations

import json
from pathlib import Path

from aifabric.verify.cabling import compare, planned_cables
from aifabric.verify.lldp import read_table, read_tables

DATA = Path(__file__).parent / "data"

PLAN = [("plane0/pod000/leaf000", "swp2s0", "plane0/pod000/spine000", "swp1s0"),
        ("plane0/pod000/leaf000", "swp2s1", "plane0/pod000/spine001", "swp1s0"),
        ("plane0/pod000/leaf001", "swp2s0", "plane0/pod000/spine000", "swp1s1"),
        ("plane0/pod000/leaf001", "swp2s1", "plane0/pod000/spine001", "swp1s1")]


def _lldpd(neighbors: dict[str, tuple[str, str]]) -> dict:
    """Return an lldpd `-f json show neighbors` document (a list of interfaces when several, as lldpd prints)."""
    interfaces = [{port: {"via": "LLDP", "chassis": {name: {"id": {"type": "mac", "value": "02:00:00:00:00:01"}}},
                          "port": {"id": {"type": "ifname", "value": far}, "descr": far}}}
                  for port, (name, far) in neighbors.items()]
    return {"lldp": {"interface": interfaces if len(interfaces) > 1 else interfaces[0]}}


def _tables(cabling) -> dict[str, dict]:
    by_device: dict[str, dict] = {}
    for a, a_port, z, z_port in cabling:
        by_device.setdefault(a.replace("/", "-"), {})[a_port] = (z.replace("/", "-"), z_port)
        by_device.setdefault(z.replace("/", "-"), {})[z_port] = (a.replace("/", "-"), a_port)
    return {device: _lldpd(ports) for device, ports in by_device.items()}


def _check(cabling, plan=PLAN, tables=None):
    tables = _tables(cabling) if tables is None else tables
    seen = {}
    for device, document in tables.items():
        seen.update(read_table(document, device, device))
    planned, names = planned_cables(plan)
    return compare(planned, names, seen, set(tables))


def test_lldpd_json_from_the_lab_is_read():
    table = read_table(json.loads((DATA / "lldpd-spine.json").read_text()), "plane0-pod000-spine000", "x")
    assert table[("plane0-pod000-spine000", "swp2s0")] == ("plane0-core000", "swp1s0")
    assert table[("plane0-pod000-spine000", "swp1s0")] == ("plane0-pod000-leaf001", "swp2s1")
    assert len(table) == 4


def test_json0_and_nvue_shapes():
    json0 = {"lldp": [{"interface": [{"name": "swp1", "chassis": [{"name": [{"value": "spine01"}]}],
                                      "port": [{"id": [{"type": "ifname", "value": "swp51"}],
                                                "descr": [{"value": "to leaf"}]}]}]}]}
    assert read_table(json0, "leaf01", "x") == {("leaf01", "swp1"): ("spine01", "swp51")}
    nvue = {"swp51": {"type": "swp", "lldp": {"neighbor": {"spine01": {"chassis": {"system-name": "spine01"},
                                                                          "port": {"name": "swp1"}}}}},
            "swp1": {"type": "swp", "lldp": {}}}
    assert read_table(nvue, "leaf01", "x") == {("leaf01", "swp51"): ("spine01", "swp1")}


def test_as_planned_is_all_correct():
    document = _check(PLAN)
    assert document["correct"] == 4
    assert document["miscabled"] == document["missing"] == document["unexpected"] == []


def test_two_swapped_cables_are_exactly_two_miscabled():
    swapped = [PLAN[0][:2] + PLAN[3][2:], PLAN[3][:2] + PLAN[0][2:], PLAN[1], PLAN[2]]
    document = _check(swapped)
    assert document["correct"] == 2 and document["missing"] == [] and document["unexpected"] == []
    assert len(document["miscabled"]) == 2
    first = document["miscabled"][0]
    assert first["a"] == {"device": "plane0/pod000/leaf000", "port": "swp2s0"}
    assert first["z"] == {"device": "plane0/pod000/spine001", "port": "swp1s1"}
    assert first["a_should_go_to"] == {"device": "plane0/pod000/spine000", "port": "swp1s0"}
    assert first["z_should_go_to"] == {"device": "plane0/pod000/leaf001", "port": "swp2s1"}


def test_missing_and_unexpected():
    cabling = [*PLAN[:3], ("plane0/pod000/leaf009", "swp9s0", "plane0/pod000/spine009", "swp9s0")]
    document = _check(cabling)
    assert document["correct"] == 3
    assert document["missing"] == [{"a": {"device": "plane0/pod000/leaf001", "port": "swp2s1"},
                                    "z": {"device": "plane0/pod000/spine001", "port": "swp1s1"}}]
    assert document["unexpected"] == [{"a": {"device": "plane0-pod000-leaf009", "port": "swp9s0"},
                                       "z": {"device": "plane0-pod000-spine009", "port": "swp9s0"}}]


def test_a_cable_seen_from_one_end_only_counts_once_and_unread_devices_are_not_missing():
    tables = _tables(PLAN)
    only_leaves = {k: v for k, v in tables.items() if "leaf" in k}
    document = _check(PLAN, tables=only_leaves)
    assert document["correct"] == 4 and document["missing"] == []
    only_leaf0 = {k: v for k, v in tables.items() if k.endswith("leaf000")}
    assert _check(PLAN, tables=only_leaf0)["correct"] == 2


def test_cli_reads_a_directory_against_the_plan(cli, tmp_path):
    """`verify cabling SPEC --lldp DIR`: the plan's own links (from flags) against tables written per device."""
    from aifabric.cli.planning import plan_from
    from aifabric.fabric.rows import link_rows

    result = plan_from(None, {"gpus": 64, "servers_per_su": 4, "tiers": 2}, None)
    rows = [row[:4] for row in link_rows(result.links, result.hardware)]
    first, second = (i for i, row in enumerate(rows) if row[0].endswith(("leaf000", "leaf001")) and "spine" in row[2]
                     and row[1] == "swp3s0")
    rows[first], rows[second] = rows[first][:2] + rows[second][2:], rows[second][:2] + rows[first][2:]
    for device, document in _tables(rows).items():
        (tmp_path / f"{device}.json").write_text(json.dumps(document))
    code, out, _ = cli("verify", "cabling", "--gpus", "64", "--servers-per-su", "4", "--tiers", "2", "--lldp",
                       str(tmp_path), "--json")
    assert code == 1
    document = json.loads(out)
    from jsonschema import Draft202012Validator

    from aifabric.schemas import schema_text

    assert not list(Draft202012Validator(json.loads(schema_text("verify-cabling"))).iter_errors(document))
    assert len(document["miscabled"]) == 2 and document["missing"] == [] and document["unexpected"] == []
    assert document["correct"] == len(rows) - 2
    tables, devices = read_tables(tmp_path)
    assert len(devices) == 17 + 8  # 17 switches, 8 servers


def test_rows_of_one_network(cli, tmp_path):
    """--network keeps one network's rows of links.csv (rows without the column are the compute fabric's)."""
    import pytest as _pytest

    from aifabric.errors import SpecError
    from aifabric.verify.cabling import rows_of_network

    rows = [("a", "p", "b", "q"), ("s", "ns0", "converged-leaf0000", "swp1", 200, "", "", "node_leaf", 0, "",
                                   "converged")]
    assert rows_of_network(rows, "compute") == [rows[0]]
    assert rows_of_network(rows, "converged") == [rows[1]]
    with _pytest.raises(SpecError, match="--network"):
        rows_of_network(rows, "backend")
    # Against a plan: an OOB table that sees its planned neighbor is one correct cable of the oob rows.
    table = tmp_path / "lldp.json"
    table.write_text('{"oob-sw00000": {"lldp": {"interface": {"swp1": {"chassis": {"su000-server000": {}}, '
                     '"port": {"id": {"type": "ifname", "value": "bmc"}}}}}}}')
    root = Path(__file__).resolve().parents[2]
    code, out, err = cli("verify", "cabling", str(root / "topologies" / "dgx-h100-superpod-4su.yaml"), "--lldp",
                         str(table), "--network", "oob", "--json")
    import json

    document = json.loads(out)
    assert document["correct"] == 1 and document["miscabled"] == [] and document["unexpected"] == []
