"""Runs (aifabric.fabric.runs) describe exactly the links a plan lists, every count reads them, and `plan --json`
builds no links where the runs model covers the layout."""

from __future__ import annotations

import copy
import json
import tempfile

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.errors import DesignError, SpecError
from aifabric.fabric import links as links_module
from aifabric.fabric import runs as runs_module
from aifabric.fabric.bom import count_parts
from aifabric.fabric.latency import path_latencies
from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES

FLAG_DESIGNS = [
    {"gpus": 1_000_000, "gpus_per_server": 8, "switch": "sn5600", "nic_gbps": 400, "planes": 2, "port_gbps": 200},
    {"gpus": 65536, "switch": "sn5600"},
    {"gpus": 4096, "server": "dgx-h100", "switch": "qm9700"},
    {"gpus": 8},
]


def _one_link_each(links):
    """Return a copy of the plan's cabling whose every class is its built links taken one run each."""
    flat = copy.copy(links)
    flat.runs = {c: runs_module.runs_from_link_set(links, links.sets[c]) for c in links.sets}
    return flat


def _counts(links, hardware):
    """Return what the plan counts from a cabling's runs: parts, trunk routes, port use and path latencies."""
    counts = count_parts(links, hardware)
    return (counts.media_links, counts.transceivers, counts.cables, counts.structured, counts.split_modules,
            counts.ports, counts.trunk_routes, [p.to_json() for p in path_latencies(links, hardware)])


def _assert_runs_describe_the_links(spec_path, overrides) -> list[str]:
    """Plan, then build every class's links (what links.csv lists) and check the runs describe exactly them: the
    same links per (medium, length), the same ports per switch and medium, and every count (parts, trunks, ports,
    latency) from the runs equal to the same count from the links taken one run each. Return the classes whose
    runs were found without building their links (or [] when the design is refused)."""
    try:
        result = plan_fabric(spec_path, overrides)
    except (DesignError, SpecError):
        return []
    links = result.links
    covered = sorted(c for c in links.sets if not links.runs[c].per_link)
    n_media = len(links.media)
    for link_class in links.sets:
        runs, link_set = links.runs[link_class], links.sets[link_class]
        assert int(runs.count.sum()) == len(link_set.medium), link_class
        assert np.array_equal(runs.hist, link_set.histogram(links.lengths_m, n_media)), link_class
        flat = runs_module.runs_from_link_set(links, link_set)
        for end, one_each in zip(runs.ends, flat.ends, strict=True):
            table = end.table(runs.medium, n_media)
            if end.mult is not None:
                table = np.repeat(table, end.mult, axis=0)  # a key stands for mult identical switches
            assert np.array_equal(table, one_each.table(flat.medium, n_media)), link_class
    assert _counts(links, result.hardware) == _counts(_one_link_each(links), result.hardware)
    return covered


@pytest.mark.parametrize("name", sorted(p.stem for p in TOPOLOGIES.glob("*.yaml")))
def test_runs_describe_the_links_on_every_shipped_spec(name):
    classes = _assert_runs_describe_the_links(TOPOLOGIES / f"{name}.yaml", None)
    if name in ("million-gpu", "colossus-100k", "dgx-h100-superpod-16su"):
        assert classes == ["leaf_spine", "nic_leaf", "spine_core"]


@pytest.mark.parametrize("overrides", FLAG_DESIGNS)
def test_runs_describe_the_links_on_flag_designs(overrides):
    assert _assert_runs_describe_the_links(None, overrides)


def _write(data) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(data, handle)
    return handle.name


designs = st.fixed_dictionaries({
    "gpus": st.one_of(st.integers(8, 6000), st.integers(20_000, 140_000)),
    "switch": st.sampled_from(["sn5600", "sn5400", "qm9700", "q3400"]),
    "server": st.sampled_from(["hgx-h100", "dgx-h100", "dgx-b300", "hgx-b200", "gb200-nvl72"]),
    "planes": st.sampled_from([1, 2]),
    "speed_index": st.integers(0, 2),
    "racks_per_row": st.integers(2, 64),
    "servers_per_rack": st.integers(1, 16),
    "leaf": st.sampled_from(["in-row", "end-of-row", "central"]),
    "campus": st.sampled_from([None, (0.5, 1, 150), (1.0, 2, 400)]),
    "oversubscription": st.sampled_from([1.0, 2.0]),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(kw=designs)
def test_runs_describe_the_links_on_random_specs(kw, hardware):
    """Graph counts = solver counts: parts, ports, trunk routes and latencies from the runs equal those from the
    link table taken one link a run, on random designs of one to three tiers, mixed media and campuses whose runs
    ride room-pair trunks."""
    speeds = hardware.switch(kw["switch"]).speeds_gbps
    overrides = {"gpus": kw["gpus"], "switch": kw["switch"], "server": kw["server"], "planes": kw["planes"],
                 "port_gbps": speeds[min(kw["speed_index"], len(speeds) - 1)],
                 "oversubscription": kw["oversubscription"]}
    if kw["server"] == "hgx-h100" and kw["switch"] in ("qm9700", "q3400"):
        overrides["nic"] = "connectx-7" if kw["switch"] == "qm9700" else "connectx-8"
    spec = {"placement": {"racks_per_row": kw["racks_per_row"], "leaf_location": kw["leaf"],
                          "servers_per_rack": kw["servers_per_rack"]}}
    if kw["campus"] is not None:
        spec["placement"].update(hall_mw_max=kw["campus"][0], halls_per_building=kw["campus"][1],
                                 building_spacing_m=kw["campus"][2])
    _assert_runs_describe_the_links(_write(spec), overrides)


# Port setups that plan (the random designs above mostly end in a clean error), from one to three tiers.
SETUPS = [
    {"switch": "sn5600"},
    {"switch": "sn5600", "gpus_per_server": 8, "nic_gbps": 400, "planes": 2, "port_gbps": 200},
    {"switch": "sn5600", "port_gbps": 200, "nic_gbps": 400, "planes": 2, "server": "hgx-b200"},
    {"server": "dgx-h100", "switch": "qm9700"},
    {"switch": "sn5400"},
]

big_designs = st.fixed_dictionaries({
    "gpus": st.one_of(st.integers(8_000, 40_000), st.integers(60_000, 260_000)),
    "setup": st.sampled_from(SETUPS),
    "racks_per_row": st.integers(4, 72),
    "servers_per_rack": st.integers(1, 8),
    "leaf": st.sampled_from(["in-row", "end-of-row", "central"]),
    "campus": st.sampled_from([None, (2.0, 1, 150), (5.0, 2, 400), (20.0, 4, None)]),
    "rooms": st.sampled_from([1, 2, 3]),
    "core_rooms": st.sampled_from(["auto", "building", "hall"]),
    "oversubscription": st.sampled_from([1.0, 1.0, 2.0]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(kw=big_designs)
def test_runs_describe_the_links_on_random_large_fabrics(kw):
    """Three-tier fabrics of many racks, spines and cores (spine-core runs cut at racks of cores and at groups of
    cages shared by two racks, cores in one campus room or spread over buildings or halls, media mixed by campus
    distance): the runs describe the links."""
    overrides = {"gpus": kw["gpus"], "oversubscription": kw["oversubscription"], **kw["setup"]}
    spec = {"placement": {"racks_per_row": kw["racks_per_row"], "leaf_location": kw["leaf"],
                          "servers_per_rack": kw["servers_per_rack"], "network_rooms_per_hall": kw["rooms"],
                          "core_rooms": kw["core_rooms"], "room_racks_max": 100_000}}
    if kw["campus"] is not None:
        hall_mw, halls, spacing = kw["campus"]
        spec["placement"].update(hall_mw_max=hall_mw, halls_per_building=halls)
        if spacing is not None:
            spec["placement"]["building_spacing_m"] = spacing
    _assert_runs_describe_the_links(_write(spec), overrides)


@pytest.mark.parametrize("core_rooms", ["building", "hall"])
@pytest.mark.parametrize("overrides", [FLAG_DESIGNS[1], {"gpus": 200_000, "server": "gb200-nvl72",
                                                         "switch": "sn5600"}])
def test_runs_describe_the_links_of_a_spread_core(core_rooms, overrides):
    """Cores in a room per building or per hall (striped cores, and core groups): each run ends in its core's room,
    and the runs still describe the links, so trunks, parts and latency are those of the link table."""
    spec = {"placement": {"hall_mw_max": 20.0, "halls_per_building": 2, "core_rooms": core_rooms}}
    assert _assert_runs_describe_the_links(_write(spec), overrides)
    result = plan_fabric(_write(spec), overrides)
    floor = result.links.floor
    assert len(floor.core_halls) > 1
    used_a, index_a, used_z, index_z = result.links.runs["spine_core"].rooms()
    assert set(used_z[index_z].tolist()) == set(range(floor.first_core_room(), floor.rooms()))


@pytest.mark.parametrize("spec_path, overrides", [(TOPOLOGIES / "million-gpu.yaml", None), (None, FLAG_DESIGNS[0])])
def test_plan_json_builds_no_link_table(spec_path, overrides, cli, monkeypatch):
    """`fabric plan --json` of a million GPUs is counted from runs: no class's links are ever built."""
    def refuse(ctx, links, link_class):
        raise AssertionError(f"built the {link_class} links")

    monkeypatch.setattr(links_module, "_build_class", refuse)
    args = ["fabric", "plan"] + ([str(spec_path)] if spec_path else [])
    for key, value in (overrides or {}).items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    assert json.loads(out)["gpus"] == 1_000_000


def test_links_outside_the_runs_model_are_runs_of_one_link_each():
    """Colossus 2's core groups are not a layout the runs model covers: its spine-core links are built at planning
    and counted as runs of one link each, in link order (the counts above then hold); its rail-grouped spines are
    runs of (leaf, spines in one place), whose links are not built."""
    links = plan_fabric(TOPOLOGIES / "colossus-2.yaml").links
    runs = links.runs["spine_core"]
    assert runs.per_link and links.sets.built("spine_core")
    assert np.array_equal(runs.medium, links.sets["spine_core"].medium)
    assert bool((runs.count == 1).all())
    assert not links.runs["leaf_spine"].per_link and not links.sets.built("leaf_spine")
    assert len(links.runs["leaf_spine"].count) < len(links.sets["leaf_spine"].medium)


def test_links_csv_lists_what_the_runs_count(tmp_path, cli):
    """The invariant end to end: links.csv has, per medium, the links the plan counts from runs (summary.json)."""
    import csv

    code, _, err = cli("fabric", "plan", str(TOPOLOGIES / "dgx-h100-superpod-4su.yaml"), "--out", str(tmp_path),
                       "--no-graph")
    assert code == 0, err
    with open(tmp_path / "links.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    media = json.loads((tmp_path / "summary.json").read_text())["media"]
    listed: dict[str, int] = {}
    for row in rows:
        if row["network"] == "compute":
            listed[row["medium"]] = listed.get(row["medium"], 0) + 1
    assert listed == media


def test_plan_json_of_a_million_gpus_skips_numpy_ma():
    """The runs path avoids the numpy calls that import numpy.ma (a plain np.unique, np.union1d, np.isin)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    probe = ("import sys\nfrom aifabric.fabric.plan import plan_fabric\n"
             f"plan_fabric({str(TOPOLOGIES / 'million-gpu.yaml')!r}).document()\n"
             f"plan_fabric(None, {FLAG_DESIGNS[0]!r}).document()\n"
             "print('numpy.ma' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("placement", [None, {"hall_mw_max": 20.0, "halls_per_building": 4},
                                       {"racks_per_row": 64, "leaf_location": "end-of-row"},
                                       {"leaf_location": "central", "racks_per_row": 8}])
def test_rail_grouped_spines_runs_describe_the_links(placement):
    """Rail-grouped spines (GB200 NVL72 at 200k GPUs): runs per (leaf, spines in one place) where an SU's leaves
    stand together, the links one run each where they stand apart (central); either way the runs describe the
    links (and so every count equals the link table's)."""
    overrides = {"gpus": 200_000, "server": "gb200-nvl72", "switch": "sn5600"}
    covered = _assert_runs_describe_the_links(_write({"placement": placement}) if placement else None, overrides)
    assert ("leaf_spine" in covered) == (placement is None or placement.get("leaf_location") != "central")
