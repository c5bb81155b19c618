"""Campus placement (rack U and kW, rows, halls, buildings) and site power."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aifabric.fabric.placement import Floor
from aifabric.fabric.plan import plan_fabric
from aifabric.fabric.sizing import size
from aifabric.spec.fabric import FabricSpec

MILLION_FLAGS = ["fabric", "plan", "--gpus", "1000000", "--gpus-per-server", "8", "--switch", "sn5600", "--nic-gbps",
                 "400", "--planes", "2", "--port-gbps", "200", "--json"]


def test_million_gpus_from_flags_plan_on_a_campus_issue_failure_2(cli):
    """Issue failure 2: this command failed with 'spine_core links up to 3309 m exceed the reach of every allowed
    medium' (one endless hall). It now spreads over halls and buildings and the long runs take campus optics."""
    code, out, err = cli(*MILLION_FLAGS)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["site"]["halls"] > 1 and doc["site"]["buildings"] > 1
    long_reach = [m for m in doc["media"] if m in ("smf-2xdr4-2km", "smf-2xfr4", "smf-lr4")]
    assert long_reach, doc["media"]
    assert doc["site"]["facility_mw"] == pytest.approx(doc["site"]["it_mw"] * 1.2, rel=1e-3)


def test_eight_hgx_b200_do_not_fit_one_rack_issue_failure_3(cli, tmp_path):
    """Issue failure 3: million-gpu.yaml put 8 HGX B200 (~114 kW, ~80U) in one rack. That is now refused."""
    spec = tmp_path / "m.yaml"
    spec.write_text("gpus: 8192\nserver: hgx-b200\nplacement:\n  servers_per_rack: 8\n")
    code, _, err = cli("fabric", "plan", str(spec))
    assert code == 2
    assert "servers_per_rack" in err and "80U" in err and "rack_u 48" in err


def test_rack_power_limit_is_checked(cli, tmp_path):
    spec = tmp_path / "m.yaml"
    spec.write_text("gpus: 8192\nserver: hgx-b200\nplacement:\n  servers_per_rack: 4\n  rack_kw_max: 40\n")
    code, _, err = cli("fabric", "plan", str(spec))
    assert code == 2 and "57.2 kW" in err and "rack_kw_max 40" in err


@pytest.mark.parametrize("switch", ["q3400", "sn5600", "qm9700", "sn6810"])
def test_network_racks_respect_rack_units_and_power(switch, hardware):
    """Issue: 16 switches per network rack were 64U of Q3400s or ~40 kW of SN5600s with optics. A network rack now
    holds what fits its 48U and its 40 kW with a pluggable module in every cage (none on a CPO switch)."""
    server = {"q3400": "dgx-b300", "qm9700": "dgx-h100"}.get(switch, "hgx-h100")
    spec = FabricSpec(gpus=4096, switch=switch, server=server)
    plan = size(spec, hardware)
    floor = Floor(plan, spec.placement, hardware)
    model = hardware.switch(switch)
    module_w = 0 if model.optics == "co-packaged" else max(
        t.power_w for t in hardware.transceivers.values()
        if t.form_factor == model.cage_form_factor and t.fits in ("switch", "any"))
    kw = (model.power_w + model.cages * module_w) / 1000
    assert floor.per_network_rack * model.height_u <= 48
    assert floor.per_network_rack * kw <= 40
    assert floor.per_network_rack == min(48 // model.height_u, int(40 // kw))
    if switch == "q3400":
        assert floor.per_network_rack <= 12  # 48U of 4U switches, not 16


def test_colossus_100k_is_about_four_halls():
    """Issue: colossus-100k came out as one ~590 m hall; Colossus 1 is about four halls (ServeTheHome tour)."""
    doc = plan_fabric("topologies/colossus-100k.yaml").document()
    assert doc["site"]["halls"] == 4
    worst_core_run = float(plan_fabric("topologies/colossus-100k.yaml").links.sets["spine_core"].run_m.max())
    assert worst_core_run < 500


@pytest.mark.parametrize("gpus", [8, 300, 4096, 100_000])
def test_default_placement_works_from_flags_alone(gpus, cli):
    code, out, err = cli("fabric", "plan", "--gpus", str(gpus), "--json")
    assert code == 0, err
    site = json.loads(out)["site"]
    assert site["compute_racks"] >= 1 and site["halls"] >= 1 and site["buildings"] >= 1


def test_pods_are_placed_whole_in_halls_within_the_hall_limit(hardware):
    result = plan_fabric("topologies/million-gpu.yaml")
    plan, floor = result.plan, result.links.floor
    servers = np.arange(plan.servers)
    su = servers // plan.leaf_downlinks
    pod = su // (plan.leaves_per_pod // plan.rails)
    hall = floor._su_hall(su)
    # One hall per pod.
    first = np.zeros(len(plan.pods), dtype=np.int64)
    first[pod] = hall
    assert (first[pod] == hall).all()
    per_hall_kw = np.bincount(hall) * hardware.server(plan.server_id).power_w / 1000
    assert per_hall_kw.max() <= result.spec.placement.hall_mw_max * 1000


def test_building_coordinates_override_the_grid(tmp_path, cli):
    base = "gpus: 100000\nswitch: sn5600\nport_gbps: 400\ntiers: 3\nplacement:\n  hall_mw_max: 10\n"
    far = tmp_path / "far.yaml"
    far.write_text(base + "  halls_per_building: 2\n  buildings:\n" +
                   "".join(f"    - {{x_m: {i * 1000}, y_m: 0}}\n" for i in range(16)))
    near = tmp_path / "near.yaml"
    near.write_text(base + "  halls_per_building: 2\n  buildings:\n" +
                    "".join(f"    - {{x_m: {i * 100}, y_m: 0}}\n" for i in range(16)))
    runs = {}
    for name, path in (("far", far), ("near", near)):
        result = plan_fabric(path)
        runs[name] = float(result.links.sets["spine_core"].run_m.max())
    assert runs["far"] > runs["near"] + 2000
    few = tmp_path / "few.yaml"
    few.write_text(base + "  halls_per_building: 1\n  buildings:\n    - {x_m: 0, y_m: 0}\n")
    code, _, err = cli("fabric", "plan", str(few))
    assert code == 2 and "placement.buildings lists 1" in err


def test_site_power_adds_up_and_the_site_limit_is_enforced(cli):
    code, out, _ = cli("fabric", "plan", "topologies/gb200-nvl72-superpod.yaml", "--pue", "1.3", "--json")
    site = json.loads(out)["site"]
    assert site["it_mw"] == pytest.approx(site["compute_mw"] + site["network_mw"], abs=2e-3)
    assert site["facility_mw"] == pytest.approx(site["it_mw"] * 1.3, abs=2e-3)
    code, _, err = cli("fabric", "plan", "topologies/gb200-nvl72-superpod.yaml", "--max-site-mw", "5")
    assert code == 2 and "--max-site-mw" in err and "MW of facility power" in err


def test_ten_million_gpus_place_from_defaults(hardware):
    """The default placement handles any size: 10M GPUs on two planes of a Spectrum-6 SN6800 (2,048 x 200G)."""
    spec = FabricSpec(gpus=10_000_000, switch="sn6800", planes=2, port_gbps=200)
    plan = size(spec, hardware)
    campus = Floor(plan, spec.placement, hardware).campus()
    assert campus.halls >= 10_000_000 / 8 * 10.2e-3 / 40 and campus.buildings == -(-campus.halls // 4)


def test_campus_picture_shows_halls_buildings_and_the_core_room(cli, tmp_path):
    out = tmp_path / "campus.svg"
    code, _, err = cli("fabric", "draw", "topologies/colossus-2.yaml", "--campus", "-o", str(out))
    assert code == 0, err
    text = out.read_text()
    assert "hall 24" in text and "hall 25" not in text and "building 6" in text and "core room" in text
