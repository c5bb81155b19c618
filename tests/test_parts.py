"""Parts that physically fit: the defects of the physical-layer issue, each as a test that failed before it was fixed,
and the invariants every plan must keep (modules <= cages, logical ports <= maximum, both ends of every link
compatible, every run within reach and loss budget, BOM module counts = what the link table implies)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.errors import AifabricError, DesignError, SpecError
from aifabric.fabric import compat
from aifabric.fabric.links import cage_keys
from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES

SHIPPED = sorted(p.name for p in TOPOLOGIES.glob("*.yaml"))


def check_invariants(result) -> None:
    """Assert the physical-layer invariants on a plan, counted from its link table independently of the BOM."""
    links, hardware, plan = result.links, result.hardware, result.plan
    switch = hardware.switch(plan.switch_id)
    counts = result.counts
    switch_modules: dict[str, int] = {}
    nic_modules: dict[str, int] = {}
    for link_class, link_set in links.sets.items():
        if not len(link_set):
            continue
        options = {o.medium.id: o for o in links.options[link_class]}
        media = np.unique(link_set.medium).tolist()
        for index in media:
            option = options[links.media[index].id]
            mask = link_set.medium == index
            # Every run within the option's reach; optical ends talk (same port PMD, same optical lane rate).
            assert float(link_set.run_m[mask].max()) <= option.reach_m + 1e-6
            if option.copper is None:
                assert option.a.pmd == option.b.pmd and option.a.lane_gbps == option.b.lane_gbps
                for end in (option.a, option.b):
                    if end.module is not None:
                        assert float(link_set.run_m[mask].max()) <= end.module.reach_m + 1e-6
                longest = float(link_set.cable_m[mask].max())
                if longest > option.cord_max_m + 1e-6:
                    assert compat.structured_loss_db(option, longest) <= compat.channel_budget_db(option) + 1e-9
        # One module per cage: every lane of a cage on one medium.
        for key in cage_keys(links, link_class):
            order = np.argsort(key, kind="stable")
            k, m = key[order], link_set.medium[order]
            same_cage = k[1:] == k[:-1]
            assert (m[1:][same_cage] == m[:-1][same_cage]).all(), f"{link_class}: a cage holds two media"
        # Switch modules implied by the link table: one per optical cage at each switch end.
        ppc = switch.ports_per_cage(link_set.speed_gbps)
        ends = _switch_end_cages(links, link_class, ppc)
        for side, (cage, device) in enumerate(ends):
            for index in media:
                option = options[links.media[index].id]
                end = option.a if side == 0 else option.b
                if option.copper is not None or end is None or end.module is None:
                    continue
                mask = link_set.medium == index
                cages = np.unique(cage[mask])
                switch_modules[end.module.id] = switch_modules.get(end.module.id, 0) + len(cages) * plan.planes
                per_switch = np.bincount(device[mask][np.unique(cage[mask], return_index=True)[1]])
                assert per_switch.max() <= switch.cages, "more modules than cages on one switch"
        if link_class == "nic_leaf":
            rails_per_cage = max(links.rules["nic_leaf"].b.ports_per_cage // plan.planes, 1)
            nic_cage = link_set.a.astype(np.int64) * (plan.rails // rails_per_cage) + link_set.a_port // rails_per_cage
            for index in media:
                option = options[links.media[index].id]
                if option.copper is None:
                    n = len(np.unique(nic_cage[link_set.medium == index]))
                    nic_modules[option.b.module.id] = nic_modules.get(option.b.module.id, 0) + n
    assert counts.transceivers["switch"] == switch_modules
    assert counts.transceivers["nic"] == nic_modules
    check_trunks(result)
    for usage in counts.ports.values():
        assert usage["cages_used_max"] <= usage["cages"] == switch.cages
        assert usage["logical_ports_used_max"] <= usage["logical_ports_max"] == switch.max_logical_ports


def check_trunks(result) -> None:
    """Assert the structured cabling against the link table: every link past its cord rides exactly one room
    pair's trunks; each pair's trunks hold its fibers with the fewest orderable sizes (no trunk could be dropped or
    made smaller); the BOM's trunk, jumper and panel lines are the routes' sums; each run fits its loss budget."""
    links, counts, hardware = result.links, result.counts, result.hardware
    structured_links = jumpers = lc_ports = 0
    for link_class, link_set in links.sets.items():
        for option in links.options[link_class]:
            if option.trunk is None or option.copper is not None:
                continue
            index = links.media.index(option.medium)
            beyond = (link_set.medium == index) & (link_set.cable_m > option.cord_max_m + 1e-6)
            n = int(beyond.sum()) * result.plan.planes
            structured_links += n
            if n:
                longest = float(link_set.cable_m[beyond].max())
                assert compat.structured_loss_db(option, longest) <= compat.channel_budget_db(option) + 1e-9
                ends = [e for e in (option.a, option.b) if e is not None and e.links_per_optical_port == 1]
                per_link = max(e.optical_ports_per_link for e in (option.a, option.b) if e)
                jumpers += n * per_link * len(ends)
                if option.cassette is not None:
                    lc_ports += n * per_link
    routes = counts.trunk_routes
    assert sum(r.links for r in routes) == structured_links
    assert len({(r.trunk, r.rooms) for r in routes}) == len(routes) or structured_links == 0
    trunks: dict[tuple, int] = {}
    for route in routes:
        sizes = hardware.cables[route.trunk].fiber_counts
        capacity = sum(size * n for size, n in route.trunks)
        assert route.fibers <= capacity < route.fibers + max(sizes)
        for size, n in route.trunks:
            trunks[(route.trunk, route.length_m, size)] = trunks.get((route.trunk, route.length_m, size), 0) + n
    bom_trunks = {k: n for k, n in counts.structured.items() if k[2] is not None}
    assert bom_trunks == trunks
    # MPO-LC cassettes: every duplex-LC port of a route at each end, six to a cassette, one trunk leg each.
    cassettes: dict[str, int] = {}
    for route in routes:
        for cassette_id, n in route.cassettes:
            assert 0 < n <= -(-route.ports // hardware.cables[cassette_id].ports)
            cassettes[cassette_id] = cassettes.get(cassette_id, 0) + 2 * n
    per_end = sum(cassettes.values()) // 2
    assert lc_ports <= 6 * per_end < lc_ports + 6 * len(routes) or lc_ports == per_end == 0
    assert cassettes == {k[0]: n for k, n in counts.structured.items() if hardware.cables[k[0]].kind == "cassette"}
    bom_jumpers = sum(n for (part, _, fibers), n in counts.structured.items()
                      if fibers is None and hardware.cables[part].kind == "fiber")
    assert bom_jumpers == jumpers


def _switch_end_cages(links, link_class: str, ppc: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (global cage key, switch key) per switch end of a link class."""
    plan, link_set = links.plan, links.sets[link_class]
    cages = links.rules[link_class].switch.cages
    base = np.cumsum([0] + [p.spines for p in plan.pods])[:-1]
    if link_class == "nic_leaf":
        device = link_set.z.astype(np.int64)
        return [(device * cages + link_set.z_port // ppc, device)]
    if link_class == "leaf_spine":
        leaf = link_set.a.astype(np.int64)
        spine = (base[link_set.z_pod] + link_set.z).astype(np.int64)
        return [(leaf * cages + link_set.a_port // ppc, leaf), (spine * cages + link_set.z_port // ppc, spine)]
    spine = (base[link_set.a_pod] + link_set.a).astype(np.int64)
    core = link_set.z.astype(np.int64)
    return [(spine * cages + link_set.a_port // ppc, spine), (core * cages + link_set.z_port // ppc, core)]


@pytest.mark.parametrize("name", SHIPPED)
def test_invariants_hold_on_every_shipped_spec(name):
    check_invariants(plan_fabric(TOPOLOGIES / name))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gpus=st.integers(8, 6000), switch=st.sampled_from(["sn5600", "sn5400", "qm9700", "q3400", "th4-64x400"]),
       server=st.sampled_from(["hgx-h100", "dgx-h100", "dgx-b300", "hgx-b200"]), planes=st.sampled_from([1, 2]),
       speed_index=st.integers(0, 2), racks_per_row=st.integers(2, 40), leaf=st.sampled_from(
           ["in-row", "end-of-row", "central"]), servers_per_rack=st.integers(1, 16),
       campus=st.sampled_from([None, (0.5, 1, 150), (1.0, 2, 400)]))
def test_invariants_hold_on_random_specs(gpus, switch, server, planes, speed_index, racks_per_row, leaf,
                                         servers_per_rack, campus):
    """Random designs: either a clean error naming what to change, or a plan that keeps every invariant (campus:
    small halls in buildings apart, so runs past the longest cord ride room-pair trunks)."""
    from aifabric.catalog.models import load_hardware

    hardware = load_hardware()
    speeds = hardware.switch(switch).speeds_gbps
    overrides = {"gpus": gpus, "switch": switch, "server": server, "planes": planes,
                 "port_gbps": speeds[min(speed_index, len(speeds) - 1)]}
    if server == "hgx-h100" and switch in ("qm9700", "q3400"):
        overrides["nic"] = "connectx-7" if switch == "qm9700" else "connectx-8"
    spec = {"placement": {"racks_per_row": racks_per_row, "leaf_location": leaf, "servers_per_rack": servers_per_rack}}
    if campus is not None:
        spec["placement"].update(hall_mw_max=campus[0], halls_per_building=campus[1], building_spacing_m=campus[2])
    try:
        result = plan_fabric(_write(spec), overrides)
    except (DesignError, SpecError) as exc:
        assert "\n" not in exc.message and len(exc.message) > 20
        return
    check_invariants(result)


def _write(data) -> str:
    import tempfile

    import yaml

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(data, handle)
    return handle.name


# ---------------------------------------------------------------------------------------------------------------
# The defects


def test_b300_xdr_on_q3400_takes_1_6t_modules_at_most_one_per_cage():
    """DGX B300 XDR SuperPOD (RA-11339-001): Q3400 has 72 twin-port 1.6T OSFP cages at 200G lanes. Before: 13,664
    MMA4Z00-NS (100G-lane SR4) for 7,200 cages, 400G SR4 on 800G NIC ports."""
    result = plan_fabric(None, {"gpus": 4608, "server": "dgx-b300", "switch": "q3400"})
    parts = result.document()["parts"]
    assert set(parts["switch_modules"]) == {"osfp1600-2xdr4"}
    assert parts["nic_modules"] == {"osfp-800g-dr4": 4608}
    switches = result.plan.switch_counts()["total"]
    assert parts["switch_modules"]["osfp1600-2xdr4"] <= 72 * switches
    module = result.hardware.transceivers["osfp1600-2xdr4"]
    assert (module.lane_gbps, module.form_factor, module.pmd) == (200, "osfp-1.6t", "2xdr4")
    assert result.document()["ports"]["leaf"]["cages_used_max"] <= 72
    check_invariants(result)


@pytest.mark.parametrize("switch", ["sn5400", "th4-64x400"])
def test_qsfp_dd_50g_lane_switches_take_qsfp_dd_modules_and_no_sr8_to_sr4(switch):
    """SN5400 / TH4: 64 x 400GbE QSFP-DD at 50G lanes. Before: OSFP twin-port modules 'one per two cages', OSFP ACCs,
    and 50G-lane SR8 joined to 100G-lane NIC SR4."""
    result = plan_fabric(None, {"gpus": 2048, "switch": switch})
    doc = result.document()
    assert all(result.hardware.transceivers[m].form_factor == "qsfp-dd" for m in doc["parts"]["switch_modules"])
    nic_option = result.links.options["nic_leaf"][0]
    assert nic_option.b.pmd == nic_option.a.pmd == "dr4"  # SR8 cannot meet the NIC's SR4; DR4 (gearboxed) can
    assert "qsfpdd-sr8-400g" not in {o.a.module.id for o in result.links.options["nic_leaf"] if o.a is not None}
    assert not any(c.startswith(("acc", "dac-800g")) for c in doc["parts"]["cables"])
    check_invariants(result)


def test_sr8_does_not_talk_to_sr4(hardware):
    assert not compat.talk(hardware.transceivers["qsfpdd-sr8-400g"], hardware.transceivers["qsfp112-sr4-400g"])
    assert compat.talk(hardware.transceivers["qsfpdd-dr4-400g"], hardware.transceivers["qsfp112-dr4-400g"])
    assert compat.talk(hardware.transceivers["osfp-2xsr4"], hardware.transceivers["osfp-sr4-400g"])


def test_sn5600_radix_at_100g_is_its_256_logical_ports(hardware):
    """Before: 'SN5600 radix 512 at 100G'; the SN5000 page lists at most 256 logical ports."""
    sn5600 = hardware.switch("sn5600")
    assert sn5600.max_logical_ports == 256
    assert sn5600.radix(100) == 256 and sn5600.radix(200) == 256 and sn5600.radix(400) == 128


@pytest.mark.parametrize("overrides, words", [
    ({"server": "dgx-h100", "switch": "qm9700", "planes": 2, "port_gbps": 200},
     ["connectx-7 has no 2-port 200G", "planes: 1"]),
    ({"server": "dgx-b300", "switch": "sn5600", "planes": 1, "port_gbps": 800},
     ["connectx-8 has no single-port 800GbE mode", "planes: 2 with port_gbps: 400", "InfiniBand switch"]),
    ({"switch": "q3400", "nic": "bluefield-3-b3140h"}, ["bluefield-3-b3140h runs only ethernet", "q3400",
                                                         "NICs with 1 x 400G InfiniBand: connectx-7 (in dgx-h100"]),
    ({"server": "dgx-b300", "gpus_per_server": 7, "switch": "sn5600", "planes": 2, "port_gbps": 400},
     ["gpus_per_server 7", "holds 8 GPUs"]),
])
def test_designs_a_nic_or_server_cannot_run_are_errors_naming_the_fix(overrides, words):
    with pytest.raises(AifabricError) as exc:
        plan_fabric(None, {"gpus": 2048, **overrides})
    for word in words:
        assert word in exc.value.message


def test_bluefield_3_copper_is_a_qsfp112_splitter():
    """Colossus: BlueField-3 (QSFP112) links got MCA4J80, an OSFP-OSFP ACC. NVIDIA lists MCP7Y10 (DAC, 1-3 m) and
    MCA7J65 (ACC, 4-5 m) with QSFP112 ends."""
    result = plan_fabric(TOPOLOGIES / "colossus-100k.yaml")
    cables = result.document()["parts"]["cables"]
    copper = {c for c in cables if result.hardware.cables[c].kind in ("dac", "acc", "splitter-dac", "splitter-acc")}
    assert copper and all(result.hardware.cables[c].end_b == "qsfp112" for c in copper)
    bom = {line.catalog_id: line for line in result.bom()}
    assert "acc-800g" not in bom


def test_multi_plane_nic_uses_splitter_fibers():
    """million-gpu (BlueField-3 over 2 x 200G planes): before, two straight MPO trunks met one NIC MPO socket. Each
    MPO whose lanes go to two far ends is split: in cord runs where both ends share their optical ports, a straight
    cord from each to a shuffle module (no vendor documents a coupler between two splitter legs: issue 21)."""
    result = plan_fabric(None, {"gpus": 4096, "server": "hgx-b200", "switch": "sn5600", "planes": 2,
                                "port_gbps": 200})
    parts = result.document()["parts"]
    option = result.links.options["nic_leaf"][0]
    assert option.a.links_per_optical_port == 2 and option.b.links_per_optical_port == 2
    assert set(parts["cables"]) <= {"mpo12-om4", "mpo12-os2", "shuffle-mpo12-om4-2x2", "shuffle-mpo12-os2-2x2",
                                    "mpo12-om4-splitter", "mpo12-os2-splitter", "acc-800g-splitter-qsfp112"}
    nic_links = result.plan.link_counts()["nic_leaf"]
    shuffles = sum(n for c, n in parts["cables"].items() if c.startswith("shuffle"))
    assert shuffles * 4 >= nic_links  # a 2 x 2 shuffle carries four links
    assert parts["nic_modules"] == {"qsfp112-sr4-400g": 4096}  # one module per NIC cage, all planes share it


def test_single_200g_port_nic_module_draws_split_power():
    """NVIDIA MMS4X00-NS400 / MMA4Z00-NS400: a 400G module run at 200G lights 2 channels and draws ~5 W, not 9."""
    result = plan_fabric(None, {"gpus": 1024, "server": "hgx-h100", "nic": "connectx-7", "switch": "qm9700",
                                "port_gbps": 200})
    assert result.counts.split_modules
    half = [line for line in result.bom() if "half its lanes lit" in line.description]
    assert half and all(line.unit_power_w < result.hardware.transceivers[line.catalog_id].power_w for line in half)


def test_long_single_mode_runs_are_structured_cabling_within_the_loss_budget():
    """Before: 300 m and 500 m runs ordered as 'MFP7E30' patch cords (NVIDIA's 100 m cord). Beyond the longest cord
    a run is a trunk, two panel ports and two jumpers, checked against the PMD's channel insertion loss."""
    result = plan_fabric(TOPOLOGIES / "colossus-100k.yaml")
    cables = result.counts.cables
    assert all(length <= 100 for (c, length) in cables if c == "mpo12-os2")
    structured = result.document()["parts"]["structured_cabling"]
    assert structured.get("trunk-mpo-os2") and structured.get("panel-mpo")
    option = next(o for o in result.links.options["leaf_spine"] if o.medium.id == "smf-2xdr4")
    assert compat.structured_loss_db(option, 500) <= compat.channel_budget_db(option) == 3.0


def test_the_loss_budget_limits_structured_reach(tmp_path):
    """With lossy panels (1.5 dB a mated pair) a DR4 channel (3 dB) has no room for a structured run: DR4 then reaches
    only its longest cord, and the 150-500 m runs take FR4 (4 dB) instead; every run stays within its budget."""
    lossy = tmp_path / "cat"
    lossy.mkdir()
    (lossy / "panels.yaml").write_text(
        "kind: cables\nentries:\n  - {id: panel-mpo, part: P, name: lossy panel, kind: panel, end_a: mpo-12,\n"
        "     end_b: mpo-12, ports: 72, reach_m: 1, lengths_m: [0], connector_loss_db: 1.5, power_w: 0,\n"
        "     source: a lossy panel for the test}\n")
    result = plan_fabric(TOPOLOGIES / "colossus-100k.yaml", catalog_dir=lossy)
    option = next(o for o in result.links.options["spine_core"] if o.medium.id == "smf-2xdr4")
    assert option.trunk is None and option.reach_m == 100
    assert "smf-2xfr4" in result.document()["media"]
    check_invariants(result)


@pytest.mark.parametrize("overrides", [
    {"spec": "b300-twin-plane.yaml"},
    {"server": "dgx-h100", "switch": "qm9700", "gpus": 1024},
])
def test_a_nic_cage_fanning_out_to_two_switches_gets_no_copper(overrides):
    """b300-twin-plane: 512 twin-port ACCs for 1,024 links whose NIC cage goes to two planes' switches; DGX H100 twin
    cages go to two rail leaves. A cage that fans out to two switches needs optics."""
    overrides = dict(overrides)
    spec = overrides.pop("spec", None)
    result = plan_fabric(TOPOLOGIES / spec if spec else None, overrides or None)
    assert not any(o.copper is not None for o in result.links.options["nic_leaf"])
    nic_media = {result.links.media[i].id for i in np.unique(result.links.sets["nic_leaf"].medium)}
    assert nic_media.isdisjoint({"dac", "dac-splitter", "acc"})


def test_colossus_switch_cages_hold_one_medium():
    """colossus-100k links.csv had 2,176 switch cages with a different medium on each lane (e.g. smf-2xdr4 and
    smf-dr8, some mixing multimode and single-mode): one module per cage, sized for its longest lane."""
    result = plan_fabric(TOPOLOGIES / "colossus-100k.yaml")
    for link_class in result.links.sets:
        link_set = result.links.sets[link_class]
        for key in cage_keys(result.links, link_class):
            top = np.zeros(int(key.max()) + 1, dtype=np.int64)
            low = np.full(int(key.max()) + 1, 1 << 30, dtype=np.int64)
            np.maximum.at(top, key, link_set.medium)
            np.minimum.at(low, key, link_set.medium)
            used = np.unique(key)
            assert (top[used] == low[used]).all()


def test_800g_links_over_2xsr4_take_two_cords():
    """--uplink-gbps 800 gave 800G links on mmf-sr4 with one MPO-12 each; a 2 x SR4 800G link needs two."""
    result = plan_fabric(None, {"gpus": 8192, "switch": "sn5600", "port_gbps": 400, "uplink_gbps": 800})
    option = next(o for o in result.links.options["leaf_spine"] if o.medium.id == "mmf-sr4")
    assert option.a.optical_ports_per_link == 2
    up = result.links.sets["leaf_spine"]
    n_up = int((up.medium == result.links.media.index(option.medium)).sum()) * result.plan.planes
    nic = result.links.sets["nic_leaf"]
    n_nic = int((nic.medium == result.links.media.index(option.medium)).sum())
    core = result.links.sets.get("spine_core")
    n_core = int((core.medium == result.links.media.index(option.medium)).sum()) if core is not None else 0
    cords = sum(n for (c, _), n in result.counts.cables.items() if c == "mpo12-om4")
    assert cords == n_nic + 2 * (n_up + n_core)


def test_bom_lines_carry_orderable_part_numbers():
    """Before: part numbers ended in placeholders (MFP7E10-N0xx) and the NIC line carried the catalog id."""
    result = plan_fabric(TOPOLOGIES / "spectrum-x-8k.yaml")
    lines = result.bom()
    nic = next(line for line in lines if line.category == "nic")
    assert nic.part == "900-9D3D4-00EN-HA0"
    for line in lines:
        assert "xx" not in line.part.lower(), line.part
    cords = [line for line in lines if line.catalog_id == "mpo12-om4"]
    assert cords and all(line.part == f"MFP7E10-N{int(line.length_m):03d}" for line in cords)


def test_dgx_h100_4su_reference_bom_is_unchanged():
    """RA-11333-001 BOM: 1,536 switch-side and 508 node-side twin-port 2xSR4 transceivers, all multimode."""
    doc = plan_fabric(TOPOLOGIES / "dgx-h100-superpod-4su.yaml").document()
    assert doc["parts"]["switch_modules"] == {"osfp-2xsr4": 1536}
    assert doc["parts"]["nic_modules"] == {"osfp-2xsr4-flt": 508}


def test_b300_spectrum_x_twin_plane_runs_connectx_8_as_two_400gbe():
    """DGX B300 Spectrum-X RA: ConnectX-8 as 2 x 400GbE, one port per plane, a flat-top twin-port module per NIC."""
    result = plan_fabric(TOPOLOGIES / "b300-twin-plane.yaml")
    doc = result.document()
    assert doc["parts"]["nic_modules"] == {"osfp-2xsr4-flt": 8192}
    option = result.links.options["nic_leaf"][0]
    assert option.b.links_per_optical_port == 1 and option.b.optical_ports_per_link == 1
    check_invariants(result)


def test_co_packaged_optics_switch_counts_no_modules(tmp_path):
    """A co-packaged-optics switch has no cages to fill: its optics are in the switch; the NIC side still takes its
    module, which must speak the switch's PMD."""
    (tmp_path / "cpo.yaml").write_text(
        "kind: switches\nentries:\n  - {id: cpo-test, name: CPO test, manufacturer: Test, model: C1,\n"
        "     family: ethernet, cages: 64, cage_form_factor: cpo, lanes_per_cage: 8, lane_gbps: 100,\n"
        "     speeds_gbps: [800, 400], max_logical_ports: 128, optics: co-packaged, cpo_pmd: dr4,\n"
        "     cpo_connector: mpo-12, cpo_reach_m: 500, power_w: 2000, latency_ns: 500, source: test entry}\n")
    result = plan_fabric(None, {"gpus": 2048, "switch": "cpo-test"}, catalog_dir=tmp_path)
    doc = result.document()
    assert doc["parts"]["switch_modules"] == {}
    assert set(doc["parts"]["nic_modules"]) == {"qsfp112-dr4-400g"}


def test_catalog_json_carries_the_physical_contract_keys(cli):
    import json

    code, out, _ = cli("catalog", "transceivers", "--json")
    assert code == 0
    for entry in json.loads(out)["transceivers"]:
        assert {"form_factor", "lane_gbps", "lanes", "pmd", "connector"} <= set(entry)
    code, out, _ = cli("catalog", "switches", "--json")
    for entry in json.loads(out)["switches"]:
        assert {"cage_form_factor", "cages", "lane_gbps", "max_logical_ports"} <= set(entry)


def test_plan_json_carries_parts_and_ports(cli):
    import json

    code, out, err = cli("fabric", "plan", str(TOPOLOGIES / "colossus-100k.yaml"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc["parts"]) == {"switch_modules", "nic_modules", "cables", "structured_cabling"}
    assert set(doc["ports"]) == {"leaf", "spine", "core"}
    for usage in doc["ports"].values():
        assert {"switch", "cages_used_max", "cages", "logical_ports_max"} <= set(usage)


def test_validate_applies_the_port_mode_rules(cli, tmp_path):
    """validate runs the rules that need no sizing: an Ethernet-only NIC on an InfiniBand switch is refused."""
    spec = tmp_path / "ib.yaml"
    spec.write_text("gpus: 2048\nswitch: q3400\nnic: bluefield-3-b3140h\n")
    code, _, err = cli("validate", spec)
    assert code == 2 and err.count("\n") == 1 and "runs only ethernet" in err
    code, out, _ = cli("validate", TOPOLOGIES / "b300-twin-plane.yaml")
    assert code == 0 and "valid fabric spec" in out


# ---------------------------------------------------------------------------------------------------------------
# Split power and trunks per room pair


def test_multi_plane_nic_module_lights_all_four_lanes_at_full_power():
    """million-gpu's BlueField-3 as 2 x 200G planes: each plane's 200G port takes 2 of the module's 4 channels, so
    all four are lit. NVIDIA's lower power is for a module that lights only 2 channels ("automatically reduces power
    as only 2 channels are activated", MMA1Z00-NS400 / MMS4X00-NS400 pages): a 400G module at 200G. By hand: 4,096
    GPUs on SN5600 at 200G, 2 planes: 6,144 switch-side 2xSR4 at 15 W + 4,096 QSFP112 SR4 at 9 W (max) = 129.024
    kW; the site counts the same optics."""
    result = plan_fabric(None, {"gpus": 4096, "server": "hgx-b200", "switch": "sn5600", "planes": 2,
                                "port_gbps": 200})
    doc = result.document()
    assert doc["parts"]["nic_modules"] == {"qsfp112-sr4-400g": 4096}
    assert doc["parts"]["switch_modules"] == {"osfp-2xsr4": 6144}
    assert not result.counts.split_modules
    assert doc["power_kw"]["transceivers"] == pytest.approx((6144 * 15 + 4096 * 9) / 1000)
    nic_line = next(line for line in result.bom() if line.catalog_id == "qsfp112-sr4-400g")
    assert nic_line.unit_power_w == 9 and nic_line.quantity == 4096
    network_w = doc["switches"]["total"] * 1450 + 6144 * 15 + 4096 * 9
    assert doc["site"]["network_mw"] == pytest.approx(network_w / 1e6, abs=5e-4)


def test_split_mode_power_reaches_the_site_power():
    """A ConnectX-7 run as one 200G port lights 2 of its module's 4 channels: 6.5 W max, not 9 W (NVIDIA
    MMA4Z00-NS400 page). The BOM and `power_kw` counted that; the site's IT power counted 9 W. By hand: 1,024 GPUs
    on QM9700 at 200G: 24 switches x 750 W + 768 twin-port SR4 x 15 W + 1,024 NIC SR4 x 6.5 W = 36,176 W."""
    result = plan_fabric(None, {"gpus": 1024, "server": "hgx-h100", "nic": "connectx-7", "switch": "qm9700",
                                "port_gbps": 200})
    doc = result.document()
    assert result.counts.split_modules == {"osfp-sr4-400g": 1024}
    assert doc["power_kw"]["transceivers"] == pytest.approx((768 * 15 + 1024 * 6.5) / 1000)
    assert doc["switches"]["total"] == 24
    assert doc["site"]["network_mw"] == pytest.approx(36176 / 1e6, abs=5e-4)
    bom_optics_w = sum(line.total_power_w for line in result.bom() if line.category == "transceiver"
                       and line.network == "compute")
    assert bom_optics_w == pytest.approx(768 * 15 + 1024 * 6.5)


FOUR_HALLS = {"gpus": 4096, "server": "hgx-h100", "switch": "sn5600", "port_gbps": 400, "tiers": 3,
              "placement": {"hall_mw_max": 1.5, "halls_per_building": 1, "building_spacing_m": 300}}


def test_trunks_are_routed_per_room_pair_by_hand():
    """Before: every structured run went into pooled 144-fiber trunks of one length. Now a trunk route joins two
    rooms. By hand: 4 pods of 1,024 GPUs, one hall each (1.5 MW), one hall per building, buildings on a 2 x 2 grid
    300 m apart; the core room stands in hall 0 (pod 0's). Each pod has 16 spines x 64 uplinks = 1,024 spine-core
    links. Pod 0's reach the core room by cord. Pods 1 and 2 (300 m away) run 2xDR4 over 400 m trunks: 1,024
    MPO-12 legs x 12 fibers = 12,288 fibers = 42 x 288 + 192, so 43 x 288F each. Pod 3 (600 m, diagonal) runs
    2xFR4 over duplex LC at 750 m: its 1,024 LC ports reach the MPO trunk through MPO-LC cassettes of 6 ports,
    ceil(1,024 / 6) = 171 at each end, each taking a 12-fiber leg: 2,052 fibers = 7 x 288 + 36, so 7 x 288F + 1 x
    48F. Panels: 1,024 MPO legs in each of pods 1 and 2's rooms (15 x 72-port panels each), 2,048 in the core room
    (29); 1,024 LC ports at each end of pod 3's route (8 x 144-port panels each)."""
    result = plan_fabric(_write(FOUR_HALLS))
    plan, floor = result.plan, result.links.floor
    assert [p.spines for p in plan.pods] == [16, 16, 16, 16] and floor.halls == 4 and floor.core_hall == 0
    core_room = floor.rooms() - 1
    pod_room = floor.spine_room(np.arange(4)).tolist()
    routes = {(r.rooms, r.trunk): r for r in result.counts.trunk_routes}
    assert len(routes) == 3
    for pod in (1, 2):
        route = routes[((pod_room[pod], core_room), "trunk-mpo-os2")]
        assert (route.links, route.ports, route.fibers, route.length_m) == (1024, 1024, 12288, 400)
        assert route.trunks == ((288, 43),)
    route = routes[((pod_room[3], core_room), "trunk-mpo-os2")]
    assert (route.links, route.fibers, route.length_m, route.trunks) == (1024, 2052, 750, ((48, 1), (288, 7)))
    assert route.cassettes == (("cassette-mpo-lc-os2", 171),)
    structured = result.counts.structured
    assert structured[("cassette-mpo-lc-os2", None, None)] == 2 * 171
    assert structured[("trunk-mpo-os2", 400.0, 288)] == 86
    assert structured[("panel-mpo", None, None)] == 15 + 15 + 29
    assert structured[("panel-lc", None, None)] == 8 + 8
    lines = {line.part: line for line in result.bom() if line.catalog_id == "trunk-mpo-os2"}
    assert lines["TRUNK-MPO12-OS2-288F-400M"].quantity == 86 and lines["TRUNK-MPO12-OS2-48F-750M"].quantity == 1
    assert not [line.part for line in result.bom() if "xx" in line.part.lower()]  # LC jumpers had LC-LC-OS2-xxx
    check_invariants(result)


def test_trunk_bom_is_what_links_csv_implies():
    """links.csv names the part of every link (a trunk id past the longest cord): its structured rows, grouped by
    the spine's pod (one room each here), are the routes' links; each row takes a jumper at both ends."""
    from aifabric.fabric.rows import link_rows

    result = plan_fabric(_write(FOUR_HALLS))
    by_pod: dict[str, int] = {}
    rows = 0
    for row in link_rows(result.links, result.hardware):
        if row[-1] == "trunk-mpo-os2":
            rows += 1
            pod = row[0].split("/")[1]  # plane0/pod001/spine000
            by_pod[pod] = by_pod.get(pod, 0) + 1
    routes = result.counts.trunk_routes
    assert rows == sum(r.links for r in routes) == 3072
    assert sorted(by_pod.values()) == sorted(r.links for r in routes)
    jumpers = sum(n for (part, _, fibers), n in result.counts.structured.items()
                  if fibers is None and part in ("mpo12-os2", "lc-duplex-os2"))
    assert jumpers == 2 * rows


def test_trunk_sizes_fill_the_largest_then_the_smallest_that_holds_the_rest():
    from aifabric.fabric.bom import trunk_sizes

    sizes = [12, 24, 48, 72, 96, 144, 288]
    assert trunk_sizes(12288, sizes) == [(288, 43)]
    assert trunk_sizes(2048, sizes) == [(48, 1), (288, 7)]
    assert trunk_sizes(288, sizes) == [(288, 1)]
    assert trunk_sizes(13, sizes) == [(24, 1)]
    assert trunk_sizes(290, sizes) == [(12, 1), (288, 1)]


@pytest.mark.parametrize("spec", ["four-halls", "colossus-100k.yaml"])
def test_trunk_routes_from_runs_equal_routes_by_link(spec):
    """The room-pair count from runs of many links and from the links taken one run each agree."""
    import copy

    from aifabric.fabric.bom import count_parts
    from aifabric.fabric.runs import runs_from_link_set

    path = _write(FOUR_HALLS) if spec == "four-halls" else TOPOLOGIES / spec
    result = plan_fabric(path)
    fast = result.counts
    flat = copy.copy(result.links)
    flat.runs = {c: runs_from_link_set(result.links, result.links.sets[c]) for c in result.links.sets}
    slow = count_parts(flat, result.hardware)
    assert fast.trunk_routes and fast.trunk_routes == slow.trunk_routes
    assert fast.structured == slow.structured


# ---------------------------------------------------------------------------------------------------------------
# Part strings an order desk accepts, and every part in its group (issue 11's leftovers)


def test_a_link_split_at_both_ends_takes_a_shuffle_not_a_coupler():
    """Issue 11 listed the coupler joining two splitter legs under structured_cabling; issue 21: no vendor documents
    that coupler (two unpinned legs, and two Type B legs in series land Tx on Tx). A link split at both ends (an
    SN5600 400G port at 2 x 200G to BlueField-3s split over two planes) is a cord run through a shuffle module,
    among the cables, chosen by the rules (Option.shuffle): a straight cord per optical port at each end."""
    result = plan_fabric(None, {"gpus": 4096, "server": "hgx-b200", "switch": "sn5600", "planes": 2,
                                "port_gbps": 200})
    parts = result.document()["parts"]
    assert parts["structured_cabling"] == {}
    option = result.links.options["nic_leaf"][0]
    assert option.adapter is None and option.shuffle is not None and option.shuffle.kind == "shuffle"
    assert "adapter-mpo" not in parts["cables"] and "adapter-mpo" not in result.hardware.cables
    links = result.plan.link_counts()["total"]  # NIC-leaf and leaf-spine links both run 200G on 400G optical ports
    assert parts["cables"]["shuffle-mpo12-om4-2x2"] == links // 4  # a 2 x 2 shuffle carries four links
    assert parts["cables"]["mpo12-om4"] == links  # one cord per optical port (two links) at each end
    line = next(line for line in result.bom() if line.catalog_id == "shuffle-mpo12-om4-2x2")
    assert " m" not in line.description.split(")")[-1]


def test_b300_xdr_bom_orders_the_module_strings_nvidia_lists():
    """DGX B300 XDR (RA-11339-001) on Q3400: the switch side is NVIDIA's MMS4A00 1.6T twin-port 2 x DR4 (IHS OPN
    980-9IAH1-00XM00), the ConnectX-8 side its 800G single-port DR4 MMS4A20 (OPN 980-9IAT0-00XM00,
    networking-docs.nvidia.com/9iat0mosfp800sprhs). Before: the NIC side was "MMS4A00-XM800", a string NVIDIA does
    not list."""
    result = plan_fabric(None, {"gpus": 4608, "server": "dgx-b300", "switch": "q3400"})
    parts = {line.part for line in result.bom() if line.category == "transceiver" and line.network == "compute"}
    assert parts == {"MMS4A00-XM", "MMS4A20-XM800"}


def test_catalog_part_strings_are_the_ones_nvidia_and_public_orders_list(hardware):
    """Corrections, each from a cited page: NVIDIA's 2 x LR4 10 km twin-port is MMS4X90-NR (was a generic
    OSFP-800G-2LR4); a 2 m MCP1660 QSFP-DD DAC is 26 AWG, MCP1660-W002E26 (was -W002E30); MFP7E10 cords come in
    the lengths public orders name (3-50 m), and a 22 m run orders a 30 m cord, not an unlisted 25 m one."""
    assert hardware.transceivers["osfp-2xlr4"].part == "MMS4X90-NR"
    dac = hardware.cables["dac-400g-qsfpdd"]
    assert [dac.part_number(m) for m in (0.5, 1, 2)] == ["MCP1660-W00AE30", "MCP1660-W001E30", "MCP1660-W002E26"]
    cord = hardware.cables["mpo12-om4"]
    assert cord.lengths_m == [3, 5, 7, 10, 15, 20, 30, 50]
    assert min(v for v in cord.lengths_m if v >= 22) == 30
    acc = hardware.cables["acc-800g"]
    assert [acc.part_number(m) for m in (3, 4, 5)] == ["MCA4J80-N003", "MCA4J80-N004", "MCA4J80-N005"]


def test_every_nvidia_part_cites_a_page(hardware):
    """Every NVIDIA LinkX part (M... strings) cites an NVIDIA page in its source, or says UNSURE where none is."""
    parts = list(hardware.transceivers.values()) + list(hardware.cables.values())
    for part in parts:
        if part.part.startswith("M"):
            assert "nvidia.com" in part.source or "UNSURE" in part.source, part.id


def test_duplex_lc_structured_runs_break_out_in_mpo_lc_cassettes():
    """Before: 2xFR4 (duplex-LC) runs on MPO trunks were counted as 2 fibers per LC port straight into LC panels,
    with no part turning the trunk's MPO legs into LC ports and no loss for that connection. An MPO-LC cassette (12
    fibers to 6 duplex LC, icc.com MPO cassette white paper) sits at each end: 171 per end for pod 3's 1,024 LC
    ports, and the channel has four mated pairs (LC and MPO at each end, 0.75 dB each, TIA-568.3-D):
    750 m x 0.4 dB/km + 4 x 0.75 dB = 3.3 dB, within FR4's 4 dB."""
    result = plan_fabric(_write(FOUR_HALLS))
    option = next(o for o in result.links.options["spine_core"] if o.medium.id == "smf-2xfr4")
    assert option.cassette is not None and option.cassette.id == "cassette-mpo-lc-os2"
    assert compat.structured_loss_db(option, 750) == pytest.approx(0.3 + 4 * 0.75)
    dr4 = next(o for o in result.links.options["spine_core"] if o.medium.id == "smf-2xdr4")
    assert dr4.cassette is None and compat.structured_loss_db(dr4, 400) == pytest.approx(0.16 + 2 * 0.75)
    line = next(line for line in result.bom() if line.catalog_id == "cassette-mpo-lc-os2")
    assert (line.part, line.quantity) == ("CASSETTE-MPO12-6LC-OS2", 342)
    assert result.document()["parts"]["structured_cabling"]["cassette-mpo-lc-os2"] == 342


def test_trunk_routes_are_written_for_the_installer(tmp_path):
    """Before: runs that became structured cabling showed only a trunk id in links.csv; the routes (which rooms,
    how many fibers, which trunks, panel ports and cassettes at each end) were in no output. `--out` now writes
    trunks.csv, one row per route, that the BOM's trunk, panel-port and cassette counts add up to, and rooms.csv,
    the room of every server and switch, by which each structured link of links.csv finds its route."""
    import csv

    from aifabric.export.fabric_files import write_outputs

    result = plan_fabric(_write(FOUR_HALLS))
    written = write_outputs(tmp_path, result, graph=False)
    assert tmp_path / "trunks.csv" in written
    rows = list(csv.DictReader((tmp_path / "trunks.csv").open()))
    assert [r["route"] for r in rows] == ["T0000", "T0001", "T0002"]
    assert {r["room_z"] for r in rows} == {"hall0-core"}
    assert sorted(r["room_a"] for r in rows) == ["hall1-network0", "hall2-network0", "hall3-network0"]
    assert sum(int(r["links"]) for r in rows) == 3072
    lc = next(r for r in rows if r["cassettes_per_end"])
    assert (lc["fibers"], lc["length_m"]) == ("2052", "750")
    assert lc["trunks"] == "TRUNK-MPO12-OS2-48F-750M:1;TRUNK-MPO12-OS2-288F-750M:7"
    assert lc["panel_ports_per_end"] == "PANEL-1U-LC-144:1024"
    assert lc["cassettes_per_end"] == "CASSETTE-MPO12-6LC-OS2:171"
    bom = {line.part: line.quantity for line in result.bom() if line.network == "compute"}
    ordered: dict[str, int] = {}
    for row in rows:
        for item in row["trunks"].split(";"):
            part, n = item.split(":")
            ordered[part] = ordered.get(part, 0) + int(n)
    assert ordered == {part: n for part, n in bom.items() if part.startswith("TRUNK-")}
    # Every structured link of links.csv finds its route by the rooms (rooms.csv) its two devices stand in.
    room = {r["device"]: r["room"] for r in csv.DictReader((tmp_path / "rooms.csv").open())}
    route_of = {(r["room_a"], r["room_z"]): r for r in rows}
    per_route: dict[str, int] = {}
    for link in csv.DictReader((tmp_path / "links.csv").open()):
        if link["cable"] == "trunk-mpo-os2":
            ends = (room[link["a_device"]], room[link["z_device"]])
            route = route_of.get(ends) or route_of[ends[::-1]]
            per_route[route["route"]] = per_route.get(route["route"], 0) + 1
    assert per_route == {r["route"]: int(r["links"]) for r in rows}
    small = plan_fabric(None, {"gpus": 256, "server": "hgx-h100", "switch": "sn5600"})
    assert not small.counts.trunk_routes
    names = {path.name for path in write_outputs(tmp_path / "small", small, graph=False)}
    assert not names & {"trunks.csv", "rooms.csv"}


def test_structured_reach_is_the_longest_orderable_trunk_within_the_loss_budget(tmp_path):
    """Before: a structured reach was min(longest trunk, the budget's length), so a run between two orderable
    lengths was ordered at the next one up, past the budget (an 8.1 km LR4 run ordered a 10 km trunk). A duplex-LC
    channel on an MPO trunk has four mated connections (4 x 0.75 dB) and 400G-LR4-10 allows 6.3 dB: the fiber may
    take 3.3 dB = 8.25 km of 0.4 dB/km, so the reach is the 8 km trunk, whose channel fits."""
    spec = tmp_path / "campus.yaml"
    spec.write_text("gpus: 100000\nswitch: sn5600\nport_gbps: 400\ntiers: 3\nplacement:\n  hall_mw_max: 10\n"
                    "  halls_per_building: 2\n  buildings:\n" +
                    "".join(f"    - {{x_m: {i * 1000}, y_m: 0}}\n" for i in range(16)))
    result = plan_fabric(spec)
    option = next(o for o in result.links.options["spine_core"] if o.medium.id == "smf-lr4")
    assert option.cassette is not None and option.reach_m == 8000
    assert compat.structured_loss_db(option, 8000) <= compat.channel_budget_db(option) == 6.3
    assert compat.structured_loss_db(option, 10000) > 6.3
    check_invariants(result)


def test_with_no_nic_given_the_servers_nic_for_the_switchs_protocol_is_chosen_and_said(cli):
    """hgx-h100's default BlueField-3 is Ethernet-only: on an InfiniBand qm9700 its ConnectX-7 option is taken,
    and the plan says so under its table (and in --json notes)."""
    code, out, err = cli("fabric", "plan", "--gpus", "1024", "--server", "hgx-h100", "--switch", "qm9700", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["nic_model"] == "connectx-7"
    assert ("NIC connectx-7 chosen for qm9700's InfiniBand: hgx-h100's default bluefield-3-b3140h runs only "
            "Ethernet (--nic sets it)") in document["notes"]
    code, out, _ = cli("fabric", "plan", "--gpus", "1024", "--server", "hgx-h100", "--switch", "sn5600", "--json")
    assert json.loads(out)["nic_model"] == "bluefield-3-b3140h"
    assert not any("chosen" in n for n in json.loads(out)["notes"])


def test_a_nic_mode_mismatch_lists_the_catalog_nics_and_servers_that_have_the_mode(cli):
    code, _, err = cli("fabric", "plan", "--gpus", "1024", "--server", "hgx-h100", "--nic", "bluefield-3-b3140h",
                       "--nic-gbps", "800", "--switch", "sn5600")
    assert code == 2
    assert err.rstrip().endswith("; catalog NICs with 1 x 800G Ethernet: connectx-9 (in dgx-rubin-nvl8)")
