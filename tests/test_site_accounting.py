"""Whole-site accounting of the networks: the site's power limit covers every network, no planned run is longer
than its part reaches, orderable switches apart from the NVLink trays inside the racks, and the site's racks
include the patch-panel racks the rooms report.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from aifabric.errors import DesignError, SpecError
from aifabric.fabric.plan import plan_fabric, plan_spec
from aifabric.spec.fabric import load_fabric_spec

TOPOLOGIES = Path(__file__).parent.parent / "topologies"
COLOSSUS_2 = TOPOLOGIES / "colossus-2.yaml"
ALL = sorted(p.stem for p in TOPOLOGIES.glob("*.yaml"))
# racks_per_leaf values each rack-scale spec's leaf takes (a leaf's downlinks hold that many racks' rails).
RACKS_PER_LEAF = [("gb200-nvl72-superpod", 1), ("gb300-nvl72-spectrum-x", 1), ("gb300-nvl72-spectrum-x", 3),
                  ("gb300-nvl72-superpod", 2), ("gb300-nvl72-superpod", 4), ("colossus-2", 1), ("colossus-2", 2),
                  ("colossus-2", 4)]


@pytest.fixture(scope="module")
def colossus_2():
    return plan_fabric(COLOSSUS_2)


# ------------------------------------------------------------------------------------------------ (a) site power


def test_colossus_2_fits_its_site_with_every_network(colossus_2):
    """The shipped Colossus 2 plans within 1.2 GW with every network: the limit bounds the whole site, and the
    whole-site figures are the compute fabric's plus the other networks' power, the Networks table's."""
    doc = colossus_2.document()
    site, networks = doc["site"], doc["networks"]
    assert site["facility_mw"] < site["facility_mw_all_networks"] <= site["max_site_mw"] == 1200
    others_kw = networks["total"]["power_kw"] - networks["compute"]["power_kw"]
    assert site["other_networks_mw"] == pytest.approx(others_kw / 1000, abs=2e-3) and others_kw > 0
    assert site["it_mw_all_networks"] == pytest.approx(site["it_mw"] + site["other_networks_mw"], abs=2e-3)
    assert site["facility_mw_all_networks"] == pytest.approx(site["it_mw_all_networks"] * site["pue"], abs=2e-3)
    assert not any("max_site_mw" in note for note in doc["notes"])


def test_550000_gpus_with_every_network_are_above_1_2_gw_and_the_error_says_what_to_change():
    """550,000 GPUs: the compute fabric and its racks fit 1.2 GW (1,182.5 MW), the whole site does not (1,213.3 MW):
    the error names the file, the field, the figures per network and what to change, in one line."""
    with pytest.raises(SpecError) as caught:
        plan_fabric(COLOSSUS_2, {"gpus": 550_000})
    message = str(caught.value)
    assert message.startswith(f"{COLOSSUS_2}:") and ": max_site_mw: " in message and "\n" not in message
    assert "with every network the site needs 1,213.3 MW of facility power" in message
    assert "compute fabric and systems 1,075.0, converged 25.5, oob 2.4; x PUE 1.1" in message
    assert "above max_site_mw 1200" in message
    assert "fewer GPUs (about 543,960 fit), fewer networks (networks.plan), a lower PUE, or more power" in message
    # The compute network alone fits: it is the other networks that take the site over its limit.
    alone = plan_fabric(COLOSSUS_2, {"gpus": 550_000, "networks.plan": "compute"}).site()
    assert alone["facility_mw_all_networks"] == alone["facility_mw"] == pytest.approx(1182.5, abs=0.1)


def test_compute_over_the_limit_is_found_before_the_other_networks_are_planned(hardware, monkeypatch):
    """The compute fabric and its systems are a lower bound of the site: above the limit, the error comes before
    any other network is planned (the earliest honest check), and says the other networks add more."""
    from aifabric.fabric import networks

    def refuse(*args, **kwargs):
        raise AssertionError("the other networks were planned before the compute power check")

    monkeypatch.setattr(networks, "plan_networks", refuse)
    spec = load_fabric_spec(COLOSSUS_2, {"max_site_mw": 1000})
    with pytest.raises(DesignError) as caught:
        plan_spec(spec, hardware)
    assert caught.value.field == "max_site_mw"
    assert caught.value.message.startswith("the compute fabric and its systems alone need 1,164.2 MW of facility "
                                           "power (1,058.4 MW IT x PUE 1.1; the other networks add more), above "
                                           "max_site_mw 1000; use fewer GPUs (at most about ")


def test_cli_site_power_error_is_one_line_exit_2_and_nothing_on_stdout(cli, tmp_path):
    out = tmp_path / "c2"
    code, stdout, err = cli("fabric", "plan", str(COLOSSUS_2), "--gpus", "550000", "--out", str(out))
    assert code == 2 and stdout == "" and not out.exists()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {COLOSSUS_2}:")
    assert "max_site_mw: with every network the site needs 1,213.3 MW" in lines[0]
    assert "Traceback" not in err


def test_cli_whole_site_limit_from_a_flag(cli):
    """--max-site-mw bounds the whole site too: between the compute's figure and the whole site's it is an error
    pointing at the flag."""
    code, out, err = cli("fabric", "plan", "topologies/gb300-nvl72-spectrum-x.yaml", "--json")
    assert code == 0, err
    site = json.loads(out)["site"]
    between = round((site["facility_mw"] + site["facility_mw_all_networks"]) / 2, 3)
    assert site["facility_mw"] < between < site["facility_mw_all_networks"]
    code, out, err = cli("fabric", "plan", "topologies/gb300-nvl72-spectrum-x.yaml", "--max-site-mw", str(between),
                         "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: command line: --max-site-mw: with every network the site needs")


def test_the_sweep_marks_a_candidate_over_the_whole_site_limit_infeasible(cli, tmp_path):
    code, out, err = cli("fabric", "plan", "topologies/gb300-nvl72-spectrum-x.yaml", "--json")
    site = json.loads(out)["site"]
    between = round((site["facility_mw"] + site["facility_mw_all_networks"]) / 2, 3)
    code, out, err = cli("fabric", "sweep", "topologies/gb300-nvl72-spectrum-x.yaml", "--vary", "oversubscription=1",
                         "--max-site-mw", str(between), "--json", "-o", str(tmp_path / "s"))
    assert code == 0, err
    (candidate,) = json.loads(out)["candidates"]
    assert not candidate["feasible"] and "with every network" in candidate["reason"]


# ------------------------------------------------------------------------------------------- (b) runs within reach


def _module_reach(hardware, option) -> float:
    """How far an option's parts reach, read from the catalog: its cords (or its trunk) and its modules."""
    reach = max(hardware.cables[option.cable].lengths_m) if option.trunk is None \
        else hardware.cables[option.trunk].reach_m
    for module in (option.module_a, option.module_z):
        if module is not None:
            reach = min(reach, hardware.transceivers[module].reach_m)
    return reach


def _assert_within_reach(result) -> int:
    """Assert every run of every network (compute by its media options, the others by the option their parts were
    counted with) is within the reach of its medium and parts; return the runs checked."""
    hardware, links = result.hardware, result.links
    checked = 0
    for cls in links.runs:
        hist = links.histogram(cls)
        for m, k in zip(*hist.nonzero(), strict=True):
            option = links.option(cls, int(m))
            length = float(links.lengths_m[k])
            reaches = [option.medium.reach_m, option.reach_m]
            if option.copper is not None:
                reaches.append(max(option.copper.lengths_m))
            reaches += [end.module.reach_m if end.module is not None else end.reach_m
                        for end in (option.a, option.b) if end is not None]
            assert length <= min(reaches) + 1e-6, (result.plan.name, cls, option.medium.id, length, reaches)
            checked += 1
    for name, parts in result.network_parts().items():
        for link_class, media_id, length, index, count in parts.chosen:
            option = hardware.netmedia[media_id].options[index]
            assert count > 0 and length <= _module_reach(hardware, option) + 1e-9, (name, link_class, media_id, length)
            checked += 1
    return checked


@pytest.mark.parametrize("name", ALL)
def test_every_run_of_every_shipped_spec_is_within_its_parts_reach(name):
    result = plan_fabric(TOPOLOGIES / f"{name}.yaml")
    assert _assert_within_reach(result) > 0


@pytest.mark.parametrize("name, racks", RACKS_PER_LEAF)
def test_every_run_is_within_reach_at_other_leaf_blocks(name, racks):
    """Converged leaf groups follow the compute SUs: at 4 racks per leaf on Colossus 2 the last group of an SU (8
    trays) stood its leaves in the next SU's racks, up to 519 m from its nodes (the plan was refused: nothing reaches
    it from a QSFP112 port). Each group's leaves now stand by its own middle node."""
    result = plan_fabric(TOPOLOGIES / f"{name}.yaml", {"racks_per_leaf": racks, "max_site_mw": 100_000})
    assert result.plan.racks_per_leaf == racks
    assert _assert_within_reach(result) > 0
    node_leaf = [c for c in result.network_parts()["converged"].chosen if c[0] == "node_leaf"]
    assert max(c[2] for c in node_leaf) <= 50  # in the racks of one SU


def _short_reach(hardware, options: int):
    """The catalog with the converged nodes' media cut to its first `options` options (copper only)."""
    media = hardware.netmedia["eth-400-qsfp112"]
    cut = media.model_copy(update={"options": media.options[:options]})
    return dataclasses.replace(hardware, netmedia={**hardware.netmedia, "eth-400-qsfp112": cut})


def test_converged_leaf_groups_shrink_to_the_reach_of_the_media(hardware):
    """With copper only (DAC up to 3 m, ACC up to 5 m), a converged leaf group spans no more racks than 5 m reaches
    from its middle rack: the groups are smaller, there are more leaves, and every node-leaf run is within 5 m."""
    # Support servers stand in the network room, 9 m away: none here, so the nodes' runs are the ones bounded.
    spec = load_fabric_spec(COLOSSUS_2, {"networks.converged.support_servers": 0, "max_site_mw": 100_000})
    usual = plan_spec(spec, hardware)
    short = plan_spec(spec, _short_reach(hardware, 2))
    before, after = usual.networks.layouts["converged"], short.networks.layouts["converged"]
    assert max(c[2] for c in usual.network_parts()["converged"].chosen if c[0] == "node_leaf") > 5
    assert after.size < before.size and after.node_groups > before.node_groups
    assert short.networks.networks["converged"].switches["leaf"] > usual.networks.networks["converged"].switches["leaf"]
    node_leaf = [c for c in short.network_parts()["converged"].chosen if c[0] == "node_leaf"]
    assert max(c[2] for c in node_leaf) <= 5.0 and sum(c[4] for c in node_leaf) == short.plan.servers * 2
    # Every node still has its two ports on the two leaves of its group.
    groups, slots = after.node_group(np.arange(short.plan.servers))
    assert int(slots.max()) < after.size and int(groups.max()) == after.node_groups - 1


def test_no_media_reaching_a_node_in_its_own_rack_is_an_error_naming_placement(hardware):
    spec = load_fabric_spec(TOPOLOGIES / "gb300-nvl72-spectrum-x.yaml")
    with pytest.raises(DesignError) as caught:
        plan_spec(spec, _short_reach(hardware, 1))
    assert caught.value.field == "placement"
    assert "converged node-leaf runs exceed eth-400-qsfp112's longest reach (3 m)" in caught.value.message


# --------------------------------------------------------------------------- (c) orderable switches, NVLink trays


@pytest.mark.parametrize("name", ["gb300-nvl72-spectrum-x", "dgx-h100-superpod-4su"])
def test_total_switches_are_the_orderable_ones_and_nvlink_trays_are_apart(name):
    """networks.total.switches is what the BOM orders (every network's switch lines); the NVLink switch trays
    inside the NVL72 rack SKU are in_system_switches, the nvlink entry's own count."""
    result = plan_fabric(TOPOLOGIES / f"{name}.yaml")
    doc = result.document()
    total = doc["networks"]["total"]
    ordered = sum(line.quantity for line in result.bom() if line.category == "switch")
    assert total["switches"] == ordered > 0
    nvlink = doc["networks"].get("nvlink", {}).get("switches", {})
    assert total["in_system_switches"] == sum(nvlink.values()) == doc["scale_up"]["nvlink_switch_trays"]
    assert (total["in_system_switches"] > 0) == result.plan.rack_scale


def test_cli_networks_table_says_the_trays_inside_the_racks_apart(cli):
    code, out, err = cli("fabric", "plan", "topologies/gb300-nvl72-spectrum-x.yaml")
    assert code == 0, err
    doc = plan_fabric(TOPOLOGIES / "gb300-nvl72-spectrum-x.yaml").document()["networks"]["total"]
    assert f"{doc['switches']:,} switches (+ {doc['in_system_switches']:,} inside the systems, not ordered)" in out


# ------------------------------------------------------------------------------------- (d) patch-panel racks


@pytest.mark.parametrize("name", ["colossus-2", "million-gpu", "colossus-100k", "spectrum-x-8k"])
def test_site_racks_include_the_rooms_patch_panel_racks(name, colossus_2):
    result = colossus_2 if name == "colossus-2" else plan_fabric(TOPOLOGIES / f"{name}.yaml")
    doc = result.document()
    site, rooms = doc["site"], doc["network_rooms"]["rooms"]
    assert site["patch_panel_racks"] == sum(room["panel_racks"] for room in rooms)
    assert site["network_racks"] == site["network_switch_racks"] + site["patch_panel_racks"]
    assert site["racks"] == site["compute_racks"] + site["network_racks"]
    assert site["network_switch_racks"] == -(-doc["switches"]["total"] // result.links.floor.per_network_rack)
    if name == "colossus-2":
        # 25 network rooms of 11 panel racks and 7 core rooms of 40-43 (the Network rooms table).
        assert site["patch_panel_racks"] > 500 and site["racks"] == 7525 + site["network_racks"]


def test_cli_campus_row_counts_switch_and_patch_panel_racks(cli, colossus_2):
    site = colossus_2.document()["site"]
    code, out, err = cli("fabric", "plan", "topologies/colossus-2.yaml")
    assert code == 0, err
    text = " ".join(out.split())
    assert (f"{site['racks']:,} racks (7,525 compute, {site['network_switch_racks']:,} switch, "
            f"{site['patch_panel_racks']:,} patch panel)") in text
