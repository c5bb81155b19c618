"""Fuzzing the CLI in-process with generated fabric and corridor specs, valid and invalid: every run ends in a
result (exit 0, one JSON document) or a clean error (exit 2, one line per mistake), never a traceback.

`make test` runs a few hundred examples; `make fuzz` sets AIFABRIC_FUZZ_EXAMPLES=10000.
"""

from __future__ import annotations

import json
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT

EXAMPLES = int(os.environ.get("AIFABRIC_FUZZ_EXAMPLES", "150"))
CORRIDOR_EXAMPLES = max(20, EXAMPLES // 3)
SETTINGS = dict(deadline=None, derandomize=EXAMPLES < 1000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
JUNK = st.sampled_from([None, "", "x", -1, 0, 1.5, True, [], {}, 10**12, "2:1", [1, 2], {"a": 1}])


def maybe(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly valid values, sometimes junk."""
    return st.one_of(valid, valid, valid, JUNK)


placement = st.fixed_dictionaries({}, optional={
    "servers_per_rack": maybe(st.integers(1, 16)),
    "racks_per_row": maybe(st.integers(1, 64)),
    "rack_width_m": maybe(st.floats(0.3, 1.2)),
    "row_pitch_m": maybe(st.floats(1.0, 8.0)),
    "leaf_location": maybe(st.sampled_from(["in-row", "end-of-row", "central"])),
    "slack": maybe(st.floats(1.0, 1.5)),
})
fabric_specs = st.fixed_dictionaries({}, optional={
    "name": maybe(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)),
    "gpus": maybe(st.integers(1, 300_000)),
    "servers": maybe(st.integers(1, 30_000)),
    "server": maybe(st.sampled_from(["hgx-h100", "dgx-h100", "dgx-b300", "gb200-nvl72-tray", "hgx-b200", "dgx"])),
    "switch": maybe(st.sampled_from(["sn5600", "sn5400", "qm9700", "q3400", "th4-64x400", "sn9999"])),
    "nic_gbps": maybe(st.sampled_from([200, 400, 800, 1600, 300])),
    "port_gbps": maybe(st.sampled_from([100, 200, 400, 800, 250])),
    "uplink_gbps": maybe(st.sampled_from([200, 400, 800])),
    "planes": maybe(st.integers(1, 8)),
    "tiers": maybe(st.sampled_from(["auto", 2, 3, 4])),
    "oversubscription": maybe(st.one_of(st.floats(1.0, 8.0), st.sampled_from(["2:1", "3:2", "1:2"]))),
    "servers_per_su": maybe(st.integers(1, 256)),
    "placement": maybe(placement),
    "media": maybe(st.dictionaries(st.sampled_from(["all", "nic_leaf", "leaf_spine", "spine_core", "up"]),
                                   st.sampled_from(["dac", "acc", "mmf-sr4", "smf-dr8", "smf-2xfr4", "fiber"]),
                                   max_size=2)),
    "latency_budget_ns": maybe(st.floats(100, 20_000)),
    "latency": maybe(st.fixed_dictionaries({}, optional={"switch_ns": maybe(st.floats(0, 2000)),
                                                        "nic_ns": maybe(st.floats(0, 2000))})),
    "bogus_field": st.integers(),
})


def _check(code: int, out: str, err: str) -> None:
    assert code in (0, 2), f"exit {code}: {err}"
    assert "Traceback" not in err
    if code == 0:
        json.loads(out)
    else:
        assert out == ""
        assert err and all(line.startswith("error: ") for line in err.splitlines()), err


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(spec=fabric_specs)
def test_fabric_plan_never_crashes(spec, cli, tmp_path):
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(spec))
    _check(*cli("fabric", "plan", path, "--json"))


@settings(max_examples=max(20, EXAMPLES // 5), **SETTINGS)
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_crashes(text, cli, tmp_path):
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass") if False else path.write_bytes(
        text.encode("utf-8", "surrogatepass"))
    _check(*cli("validate", path))


SITES = ["dallas", "fort-worth", "austin", "san-antonio", "houston", "memphis", "ashburn", "atlanta", "el-paso",
         "santa-clara", "phoenix", "nowhere", "Dallas"]
demands = st.lists(st.fixed_dictionaries(
    {"a": maybe(st.sampled_from(SITES)), "z": maybe(st.sampled_from(SITES)),
     "capacity_tbps": maybe(st.floats(0.1, 40))},
    optional={"protection": maybe(st.sampled_from(["none", "1+1", "1:1"])),
              "max_latency_ms": maybe(st.floats(0.5, 40))}), min_size=0, max_size=4)
corridor_specs = st.fixed_dictionaries(
    {"name": maybe(st.just("fuzz")), "demands": maybe(demands), "gnpy_check": st.just(False)},
    optional={
        "optics": maybe(st.fixed_dictionaries({"mode": maybe(st.sampled_from(
            ["400zr", "openzr-plus-400g", "openzr-plus-200g", "800zr", "longhaul-800g", "zr"]))})),
        "band": maybe(st.sampled_from(["C", "C+L", "L"])),
        "grid_ghz": maybe(st.sampled_from([50, 75, 100, 150, 0])),
        "amplifiers": maybe(st.fixed_dictionaries({}, optional={"max_span_km": maybe(st.floats(20, 200)),
                                                                "loss_db_per_km": maybe(st.floats(0.15, 0.4))})),
        "slack": maybe(st.floats(1.0, 2.0)),
    })


@settings(max_examples=CORRIDOR_EXAMPLES, **SETTINGS)
@given(spec=corridor_specs)
def test_corridor_plan_never_crashes(spec, cli, tmp_path):
    spec = dict(spec, network=str(ROOT / "corridors" / "us-longhaul.geojson"))
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(spec))
    _check(*cli("corridor", "plan", path, "--json"))
