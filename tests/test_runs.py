"""Runs (aifabric.fabric.runs) give the same plan as the link table, and `plan --json` never builds the links."""

from __future__ import annotations

import json
import tempfile

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.errors import DesignError, SpecError
from aifabric.fabric import links as links_module
from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES

FLAG_DESIGNS = [
    {"gpus": 1_000_000, "gpus_per_server": 8, "switch": "sn5600", "nic_gbps": 400, "planes": 2, "port_gbps": 200},
    {"gpus": 65536, "switch": "sn5600"},
    {"gpus": 4096, "server": "dgx-h100", "switch": "qm9700"},
    {"gpus": 8},
]


def _outcome(spec_path, overrides, monkeypatch, use_runs: bool):
    """Return (document, trunk routes, latencies, BOM rows, classes planned from runs), or the error message."""
    with monkeypatch.context() as patch:
        patch.setattr(links_module, "RUNS", use_runs)
        try:
            result = plan_fabric(spec_path, overrides)
        except (DesignError, SpecError) as exc:
            return exc.message
        return (json.dumps(result.document(), sort_keys=True), result.counts.trunk_routes,
                [p.to_json() for p in result.latencies], [line.row() for line in result.bom()],
                sorted(result.links.runs))


def _assert_runs_equal_links(spec_path, overrides, monkeypatch) -> list[str]:
    by_runs = _outcome(spec_path, overrides, monkeypatch, True)
    by_links = _outcome(spec_path, overrides, monkeypatch, False)
    if isinstance(by_runs, str) or isinstance(by_links, str):
        assert by_runs == by_links
        return []
    assert by_links[4] == []
    assert by_runs[:4] == by_links[:4]
    return by_runs[4]


@pytest.mark.parametrize("name", sorted(p.stem for p in TOPOLOGIES.glob("*.yaml")))
def test_runs_count_what_the_links_count_on_every_shipped_spec(name, monkeypatch):
    classes = _assert_runs_equal_links(TOPOLOGIES / f"{name}.yaml", None, monkeypatch)
    if name in ("million-gpu", "colossus-100k", "dgx-h100-superpod-16su"):
        assert classes == ["leaf_spine", "nic_leaf", "spine_core"]


@pytest.mark.parametrize("overrides", FLAG_DESIGNS)
def test_runs_count_what_the_links_count_on_flag_designs(overrides, monkeypatch):
    assert _assert_runs_equal_links(None, overrides, monkeypatch)


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
def test_runs_count_what_the_links_count_on_random_specs(kw, hardware, monkeypatch):
    """Graph counts = solver counts: parts, ports, trunk routes, latencies and the BOM from runs equal those from
    the link table (or both raise the same error), on random designs of one to three tiers, mixed media and
    campuses whose runs ride room-pair trunks."""
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
    _assert_runs_equal_links(_write(spec), overrides, monkeypatch)


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
    "oversubscription": st.sampled_from([1.0, 1.0, 2.0]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(kw=big_designs)
def test_runs_count_what_the_links_count_on_random_large_fabrics(kw, monkeypatch):
    """Three-tier fabrics of many racks, spines and cores (spine-core runs cut at racks of cores and at groups of
    cages shared by two racks, media mixed by campus distance): runs and links give the same plan."""
    overrides = {"gpus": kw["gpus"], "oversubscription": kw["oversubscription"], **kw["setup"]}
    spec = {"placement": {"racks_per_row": kw["racks_per_row"], "leaf_location": kw["leaf"],
                          "servers_per_rack": kw["servers_per_rack"], "network_rooms_per_hall": kw["rooms"]}}
    if kw["campus"] is not None:
        hall_mw, halls, spacing = kw["campus"]
        spec["placement"].update(hall_mw_max=hall_mw, halls_per_building=halls)
        if spacing is not None:
            spec["placement"]["building_spacing_m"] = spacing
    _assert_runs_equal_links(_write(spec), overrides, monkeypatch)


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


def test_links_built_on_demand_equal_links_built_at_once(monkeypatch):
    """A class planned from runs builds, on first access, the same links as when runs are off."""
    lazy = plan_fabric(TOPOLOGIES / "colossus-100k.yaml").links
    assert not any(lazy.sets.built(c) for c in lazy.sets)
    monkeypatch.setattr(links_module, "RUNS", False)
    eager = plan_fabric(TOPOLOGIES / "colossus-100k.yaml").links
    for name in eager.sets:
        for column in ("a", "a_pod", "a_port", "z", "z_pod", "z_port", "run_m", "medium", "cable_m",
                       "length_index"):
            a, b = getattr(lazy.sets[name], column), getattr(eager.sets[name], column)
            assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b)), (name, column)


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
