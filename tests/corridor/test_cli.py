"""`aifabric corridor plan` end to end: the JSON contract, output files, determinism, and one-line errors."""

from __future__ import annotations

import json

import pytest
from corridor_helpers import NETWORK, TTN

CONTRACT_DEMAND = {"a", "z", "capacity_tbps", "waves", "latency_ok", "paths"}
CONTRACT_PATH = {"role", "sites", "segments", "km", "latency_ms", "amplifiers", "regens"}
CONTRACT_SEGMENT = {"id", "a", "z", "km", "waves", "fiber_pairs", "amplifiers"}
CONTRACT_TOTALS = {"route_km", "waves", "amplifier_sites", "regen_sites", "transponders"}
OUTPUTS = ["huts.csv", "rfp.csv", "rfp.md", "routes.geojson", "routes.kmz", "segments.csv", "sites.csv"]


def test_plan_json_follows_the_contract_and_prints_nothing_else(cli, tmp_path):
    code, out, err = cli("corridor", "plan", TTN, "--json", "--out", tmp_path / "ttn")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["name"] == "texas-triangle-nova"
    for demand in doc["demands"]:
        assert set(demand) >= CONTRACT_DEMAND
        assert [p["role"] for p in demand["paths"]] == (
            ["working", "protect"] if demand["protection"] == "1+1" else ["working"]
        )
        for path in demand["paths"]:
            assert set(path) >= CONTRACT_PATH
            assert path["sites"][0] == demand["a"] and path["sites"][-1] == demand["z"]
        assert demand["latency_ok"] is True
    assert all(set(s) >= CONTRACT_SEGMENT for s in doc["segments"])
    assert set(doc["totals"]) >= CONTRACT_TOTALS
    assert sorted(p.name for p in (tmp_path / "ttn").iterdir()) == OUTPUTS


def test_outputs_are_deterministic_and_routes_are_separate_features(cli, tmp_path):
    for run in ("one", "two"):
        code, _, _ = cli("corridor", "plan", TTN, "--json", "--out", tmp_path / run)
        assert code == 0
    for name in OUTPUTS:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    routes = json.loads((tmp_path / "one" / "routes.geojson").read_text())
    roles = {(f["properties"]["demand"], f["properties"]["role"]) for f in routes["features"]}
    assert ("dallas-ashburn", "working") in roles and ("dallas-ashburn", "protect") in roles
    assert all(f["geometry"]["type"] == "LineString" for f in routes["features"])
    rfp = (tmp_path / "one" / "rfp.csv").read_text().splitlines()
    assert rfp[0].startswith("demand_id,a_site,a_name,a_lat,a_lon,z_site")
    assert len(rfp) == 1 + 16  # six 1+1 demands x 2 paths + four unprotected
    sites = (tmp_path / "one" / "sites.csv").read_text()
    assert ",ila," in sites and ",regen," in sites


def test_table_output_names_every_demand(cli):
    code, out, _ = cli("corridor", "plan", TTN)
    assert code == 0
    for demand in ("dallas-ashburn", "houston-ashburn", "dallas-memphis", "san-antonio-houston"):
        assert demand in out


def _bad(cli, tmp_path, spec_path) -> str:
    out_dir = tmp_path / "out"
    code, out, err = cli("corridor", "plan", spec_path, "--out", out_dir)
    assert code == 2, err
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert not out_dir.exists() or not any(out_dir.iterdir())
    return err


def test_unknown_site_suggests_the_closest(cli, tmp_path, write_spec):
    spec = write_spec({"demands": [{"a": "dalas", "z": "ashburn", "capacity_tbps": 1}]})
    err = _bad(cli, tmp_path, spec)
    assert "spec.yaml:" in err and "demands[0].a: unknown site 'dalas' (did you mean 'dallas'?)" in err


def test_unknown_optics_lists_the_catalog(cli, tmp_path, write_spec):
    spec = write_spec(
        {"demands": [{"a": "dallas", "z": "ashburn", "capacity_tbps": 1}], "optics": {"mode": "openzr-400g"}}
    )
    err = _bad(cli, tmp_path, spec)
    assert "optics.mode: unknown coherent mode 'openzr-400g' (did you mean 'openzr-plus-400g'?)" in err


def test_negative_capacity_names_the_line(cli, tmp_path, write_spec):
    spec = write_spec({"demands": [{"a": "dallas", "z": "ashburn", "capacity_tbps": -1}]})
    err = _bad(cli, tmp_path, spec)
    assert "demands[0].capacity_tbps: must be > 0" in err


def test_latency_limit_below_the_floor_is_refused(cli, tmp_path, write_spec):
    spec = write_spec({"demands": [{"a": "dallas", "z": "ashburn", "capacity_tbps": 1, "max_latency_ms": 9}]})
    err = _bad(cli, tmp_path, spec)
    assert (
        "max_latency_ms: 9 ms is below the physical floor 9.19 ms" in err and "1,872 km great-circle" in err
    )


def test_no_diverse_path_names_the_shared_site(cli, tmp_path, write_spec, write_network):
    # Two segment-disjoint ways from a to z, but both pass site m: srlg diversity accepts the pair (and rfp.md says
    # they share m); node diversity, the default, refuses it and names the site.
    sites = {"a": (30.0, -95.0), "x": (30.5, -94.5), "m": (30.0, -94.0), "y": (29.5, -93.5), "z": (30.0, -93.0)}
    network = write_network(
        sites,
        [{"a": "a", "z": "m"}, {"a": "a", "z": "x"}, {"a": "x", "z": "m"}, {"a": "m", "z": "z"},
         {"a": "m", "z": "y"}, {"a": "y", "z": "z"}],
    )
    spec = write_spec({"network": str(network),
                       "demands": [{"a": "a", "z": "z", "capacity_tbps": 1, "protection": "1+1"}]})
    err = _bad(cli, tmp_path, spec)
    assert "no node-diverse (1+1) route from 'a' to 'z': every path passes site 'm'" in err
    code, out, err = cli("corridor", "plan", spec, "--json", "--diversity", "srlg")
    assert code == 0, err
    diversity = json.loads(out)["demands"][0]["diversity"]
    assert diversity["shared_sites"] == ["m"] and diversity["shared_segments"] == []
    code, _, _ = cli("corridor", "plan", spec, "--diversity", "srlg", "--out", tmp_path / "srlg")
    assert code == 0
    assert "shared intermediate sites: m" in (tmp_path / "srlg" / "rfp.md").read_text()


def test_broken_geojson_is_a_one_line_error(cli, tmp_path, write_spec):
    broken = tmp_path / "broken.geojson"
    broken.write_text(NETWORK.read_text()[:500])
    spec = write_spec(
        {"network": str(broken), "demands": [{"a": "dallas", "z": "ashburn", "capacity_tbps": 1}]}
    )
    err = _bad(cli, tmp_path, spec)
    assert "broken.geojson" in err and "not valid JSON" in err


def test_dangling_segment_end_is_a_one_line_error(cli, tmp_path, write_spec):
    doc = json.loads(NETWORK.read_text())
    for feature in doc["features"]:
        if feature["properties"].get("a") == "dallas" and feature["properties"].get("z") == "houston":
            feature["properties"]["z"] = "huston"
    network = tmp_path / "dangling.geojson"
    network.write_text(json.dumps(doc))
    spec = write_spec(
        {"network": str(network), "demands": [{"a": "dallas", "z": "ashburn", "capacity_tbps": 1}]}
    )
    err = _bad(cli, tmp_path, spec)
    assert "dangling segment end: no site 'huston' (did you mean 'houston'?)" in err


@pytest.mark.parametrize("field", [{"band": "L"}, {"slack": 0.9}, {"grid_ghz": 50}, {"demandz": []}])
def test_schema_errors_exit_2(cli, tmp_path, write_spec, field):
    spec = write_spec({"demands": [{"a": "dallas", "z": "ashburn", "capacity_tbps": 1}], **field})
    _bad(cli, tmp_path, spec)


def test_validate_accepts_the_shipped_specs(cli):
    code, out, _ = cli("validate", TTN)
    assert code == 0 and "valid corridor spec" in out


def test_missing_network_file_is_a_one_line_error(cli, tmp_path, write_spec):
    spec = write_spec(
        {"network": "nowhere.geojson", "demands": [{"a": "dallas", "z": "ashburn", "capacity_tbps": 1}]}
    )
    err = _bad(cli, tmp_path, spec)
    assert "nowhere.geojson does not exist" in err
    assert "relative network path is read from the spec file's folder" in err  # a copied spec says why
