"""Issue 21 (an orderable bill of materials), items 3, 7 and 8: polarity and gender of every fiber channel, latency
by lane rate and ASIC with a budget `fabric plan` reports, and the 4U liquid-cooled HGX H100 of Colossus-1. Each
defect is a test that failed before it was fixed."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES

# ---------------------------------------------------------------------------------------------------------------
# Item 7: latency per lane rate and per ASIC


def _fec_per_hop(result) -> float:
    same_leaf = next(p for p in result.latencies if p.path_class == "same_leaf")
    return same_leaf.terms_ns["fec"] / 2  # two hops: NIC -> leaf -> NIC


def test_fec_latency_follows_the_lane_rate():
    """FEC cost 51 ns per hop on 50G-, 100G- and 200G-lane links alike; one RS(544,514) codeword (5,440 bits) at
    the lane's signalling rate is 102.4 ns at 53.125 Gb/s, 51.2 ns at 106.25 Gb/s, 25.6 ns at 212.5 Gb/s."""
    lanes_50 = plan_fabric(None, {"gpus": 2048, "switch": "sn5400"})
    lanes_100 = plan_fabric(None, {"gpus": 2048, "switch": "sn5600"})
    lanes_200 = plan_fabric(TOPOLOGIES / "gb300-nvl72-superpod.yaml")
    assert lanes_50.hardware.switch("sn5400").lane_gbps == 50
    assert lanes_200.hardware.switch(lanes_200.plan.switch_id).lane_gbps == 200
    assert _fec_per_hop(lanes_50) == pytest.approx(5440 / 53.125, abs=0.1)
    assert _fec_per_hop(lanes_100) == pytest.approx(5440 / 106.25, abs=0.1)
    assert _fec_per_hop(lanes_200) == pytest.approx(5440 / 212.5, abs=0.1)


def test_fec_source_names_the_code_and_lane_rate(cli):
    code, out, _ = cli("fabric", "latency", "--gpus", "2048", "--switch", "sn5400", "--json")
    assert code == 0
    source = json.loads(out)["sources"]["fec"]
    assert "RS(544,514)" in source and "53.125" in source


def test_switch_latency_is_per_asic(hardware):
    """The Q3400's latency was the QM9700's (a Quantum-2 figure on a Quantum-X800 switch)."""
    q3400, qm9700 = hardware.switch("q3400"), hardware.switch("qm9700")
    assert (q3400.asic, qm9700.asic) == ("quantum-x800", "quantum-2")
    assert q3400.latency_ns != qm9700.latency_ns
    assert "Quantum-X800" in q3400.source and "UNSURE" in q3400.source
    by_asic: dict[str, set[float]] = {}
    for switch in hardware.switches.values():
        assert switch.asic, f"{switch.id} names no ASIC"
        by_asic.setdefault(switch.asic, set()).add(switch.latency_ns)
    assert all(len(values) == 1 for values in by_asic.values()), by_asic


def test_plan_reports_a_violated_latency_budget(cli):
    """`fabric plan --latency-budget-ns 10` said nothing, although its help promises "met or violated"."""
    code, out, _ = cli("fabric", "plan", "--gpus", "2048", "--switch", "sn5600", "--latency-budget-ns", "10")
    assert code == 0
    assert "Latency budget" in out and "violated" in out
    code, out, _ = cli("fabric", "plan", "--gpus", "2048", "--switch", "sn5600", "--latency-budget-ns", "10",
                       "--json")
    budget = json.loads(out)["latency_budget"]
    assert set(budget) == {"ns", "met", "worst_class", "worst_ns"}
    assert budget["ns"] == 10 and budget["met"] is False and budget["worst_ns"] > 10


def test_plan_budget_agrees_with_fabric_latency(cli):
    args = (TOPOLOGIES / "colossus-100k.yaml", "--latency-budget-ns", "5000", "--json")
    _, plan_out, _ = cli("fabric", "plan", *args)
    _, latency_out, _ = cli("fabric", "latency", *args)
    plan_budget, latency = json.loads(plan_out)["latency_budget"], json.loads(latency_out)
    worst = max(latency["paths"], key=lambda p: p["worst_ns"])
    assert plan_budget["worst_ns"] == latency["budget"]["worst_ns"] == worst["worst_ns"]
    assert plan_budget["worst_class"] == worst["class"]
    assert plan_budget["met"] == latency["budget"]["ok"]
    _, out, _ = cli("fabric", "plan", TOPOLOGIES / "colossus-100k.yaml", "--latency-budget-ns", "1e6")
    assert "met" in out and "violated" not in out


def test_plan_json_has_no_budget_without_one(cli):
    _, out, _ = cli("fabric", "plan", "--gpus", "2048", "--switch", "sn5600", "--json")
    assert "latency_budget" not in json.loads(out)


# ---------------------------------------------------------------------------------------------------------------
# Item 8: Colossus-1's rack, 8 x 4U liquid-cooled HGX H100


def test_colossus_1_rack_of_eight_4u_servers():
    """hgx-h100 is 8U, so Colossus-1's eight servers per rack could not be expressed."""
    result = plan_fabric(TOPOLOGIES / "colossus-100k.yaml")
    server = result.hardware.server(result.plan.server_id)
    assert (server.height_u, server.cooling, server.gpus) == (4, "liquid", 8)
    assert server.order_code == "SYS-421GE-TNHR2-LCC" and server.vendor == "Supermicro"
    assert result.links.floor.servers_per_rack == 8
    site = result.document()["site"]
    # ServeTheHome's tour: more than 1,500 racks of 64 GPUs, about four halls.
    assert site["compute_racks"] >= 1500
    assert site["halls"] == 4


def test_eight_8u_servers_do_not_fit_a_rack():
    from aifabric.errors import SpecError

    with pytest.raises(SpecError, match="servers_per_rack"):
        plan_fabric(TOPOLOGIES / "colossus-100k.yaml", {"server": "hgx-h100"})


# ---------------------------------------------------------------------------------------------------------------
# Item 3: polarity and gender as rules

SHIPPED = sorted(p for p in TOPOLOGIES.glob("*.yaml"))
POLARITY_WORDS = ("lands on", "MPO ends meet", "cannot mate", "gives no polarity")


def _used_fiber_options(result):
    links = result.links
    for link_class in links.sets:
        hist = links.histogram(link_class)
        for index in hist.sum(axis=1).nonzero()[0].tolist():
            option = links.option(link_class, int(index))
            if option.copper is None:
                beyond = bool((hist[index] * (links.lengths_m > option.cord_max_m + 1e-6)).sum())
                yield link_class, option, beyond


def _run_shapes(option, beyond) -> set[str]:
    """Return the channel shapes an option builds (for coverage: every shape is checked somewhere)."""
    shapes = set()
    a, b = option.a.links_per_optical_port, option.b.links_per_optical_port
    shapes.add("shuffle" if a > 1 and b > 1 else "split" if max(a, b) > 1 else "straight")
    if beyond and option.trunk is not None:
        shapes.add("structured-lc" if option.cassette is not None else
                   "structured-split" if max(a, b) > 1 else "structured")
    return shapes


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda p: p.stem)
def test_polarity_invariant_on_shipped_topologies(spec):
    """Every fiber channel of every shipped topology lands each Tx lane on the far end's Rx of that lane, in both
    directions, through pinned-to-unpinned MPO matings (the plan checks it; here it is checked again per option)."""
    from aifabric.fabric import compat

    result = plan_fabric(spec)
    switch = result.hardware.switch(result.plan.switch_id)
    for link_class, option, beyond in _used_fiber_options(result):
        compat.check_polarity(option, link_class, switch, structured=beyond and option.trunk is not None)
    assert "adapter-mpo" not in result.document()["parts"]["cables"]


SPLIT_ONE_END = {"gpus": 1024, "server": "hgx-h100", "nic": "connectx-7", "switch": "qm9700", "port_gbps": 200}
FOUR_HALLS = {"name": "four-halls", "gpus": 4096, "server": "hgx-h100", "switch": "sn5600", "port_gbps": 400,
              "tiers": 3, "placement": {"hall_mw_max": 1.5, "halls_per_building": 1, "building_spacing_m": 300}}


def test_every_channel_shape_is_checked(tmp_path):
    """The shipped topologies plus two specs cover every shape the rules build: a straight cord, a 1:2 splitter
    (one end shares its optical port), a shuffle (both do), structured runs with jumpers, with splitter legs, and
    duplex LC through MPO-LC cassettes."""
    import yaml

    from aifabric.fabric import compat

    four_halls = tmp_path / "four-halls.yaml"
    four_halls.write_text(yaml.safe_dump(FOUR_HALLS))
    results = [plan_fabric(spec) for spec in SHIPPED]
    results += [plan_fabric(None, SPLIT_ONE_END), plan_fabric(four_halls)]
    shapes = set()
    for result in results:
        switch = result.hardware.switch(result.plan.switch_id)
        for link_class, option, beyond in _used_fiber_options(result):
            shapes |= _run_shapes(option, beyond)
            compat.check_polarity(option, link_class, switch, structured=beyond and option.trunk is not None)
    assert {"straight", "split", "shuffle", "structured", "structured-split", "structured-lc"} <= shapes, shapes


def test_million_gpu_has_no_leg_to_leg_coupler():
    """million-gpu joined 4.05 M splitter legs in MPO couplers: two unpinned ends, two Type B legs in series."""
    parts = plan_fabric(TOPOLOGIES / "million-gpu.yaml").document()["parts"]
    assert not any(c.startswith("adapter") for c in parts["cables"])
    assert sum(n for c, n in parts["cables"].items() if c.startswith("shuffle")) > 0


def test_a_wrong_cord_is_an_error_naming_the_run(cli, tmp_path):
    """A deliberately wrong channel (Type A cords: Tx lands on Tx) is a one-line error naming the run, exit 2."""
    import yaml

    from aifabric.catalog.models import load_hardware

    cord = load_hardware().cables["mpo12-om4"].model_dump(exclude_none=True)
    cord["polarity"] = "A"
    (tmp_path / "cables.yaml").write_text(yaml.safe_dump({"kind": "cables", "entries": [cord]}))
    code, out, err = cli("fabric", "plan", "--gpus", "2048", "--switch", "sn5600", "--catalog", tmp_path)
    assert code == 2 and out == ""
    assert "nic_leaf cord runs on mmf-sr4" in err and "Rx position" in err and len(err.strip().splitlines()) == 1


def test_two_unpinned_ends_are_an_error_naming_the_run(tmp_path):
    """A shuffle module with unpinned adapters would mate two unpinned cords: the gender rule names the run."""
    import yaml

    from aifabric.catalog.models import load_hardware
    from aifabric.errors import SpecError

    shuffle = load_hardware().cables["shuffle-mpo12-om4-2x2"].model_dump(exclude_none=True)
    shuffle["gender_a"] = "unpinned"
    (tmp_path / "cables.yaml").write_text(yaml.safe_dump({"kind": "cables", "entries": [shuffle]}))
    with pytest.raises(SpecError, match="nic_leaf cord runs on mmf-sr4: two unpinned MPO ends meet"):
        plan_fabric(TOPOLOGIES / "million-gpu.yaml", catalog_dir=tmp_path)


def test_a_straight_shuffle_lands_tx_on_tx(tmp_path):
    """Two Type B cords around a Type A shuffle cross twice: Tx on Tx, as two Type B legs in a coupler did."""
    import yaml

    from aifabric.catalog.models import load_hardware
    from aifabric.errors import SpecError

    shuffle = load_hardware().cables["shuffle-mpo12-om4-2x2"].model_dump(exclude_none=True)
    shuffle["polarity"] = "A"
    (tmp_path / "cables.yaml").write_text(yaml.safe_dump({"kind": "cables", "entries": [shuffle]}))
    with pytest.raises(SpecError, match="nic_leaf cord runs on mmf-sr4: Tx lane 0 of .* lands on position"):
        plan_fabric(None, {"gpus": 4096, "server": "hgx-b200", "switch": "sn5600", "planes": 2, "port_gbps": 200},
                    catalog_dir=tmp_path)


def test_the_split_mode_nic_takes_nvidias_splitter_not_a_shuffle():
    """A NIC running one 200G port on a 400G module lights half its lanes for one link (NVIDIA's 200G mode over
    MFP7E20): only the switch's optical port is shared, so a 1:2 splitter joins them (no shuffle, no coupler)."""
    result = plan_fabric(None, SPLIT_ONE_END)
    option = result.links.options["nic_leaf"][0]
    assert (option.a.links_per_optical_port, option.b.links_per_optical_port) == (2, 1)
    assert option.cord.id == "mpo12-om4-splitter" and option.shuffle is None and option.b.split_lanes
    assert result.document()["parts"]["cables"]["mpo12-om4-splitter"] == result.plan.link_counts()["nic_leaf"] // 2


specs = st.fixed_dictionaries({
    "gpus": st.integers(8, 40_000),
    "server": st.sampled_from(["hgx-h100", "dgx-h100", "hgx-b200", "dgx-b300", "hgx-h100-4u-lc", "gb200-nvl72-tray"]),
    "switch": st.sampled_from(["sn5600", "sn5400", "qm9700", "q3400", "th4-64x400", "sn5610"]),
}, optional={
    "planes": st.sampled_from([1, 2]),
    "port_gbps": st.sampled_from([200, 400, 800]),
    "tiers": st.sampled_from(["auto", 2, 3]),
    "placement": st.fixed_dictionaries({}, optional={
        "racks_per_row": st.integers(1, 64), "row_pitch_m": st.floats(1.0, 8.0),
        "leaf_location": st.sampled_from(["in-row", "end-of-row", "central"]),
        "hall_mw_max": st.floats(0.5, 20.0)}),
})


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=specs)
def test_polarity_invariant_on_random_specs(spec, tmp_path):
    """Random specs: a plan either fails for a design reason that is not polarity or gender (the shipped catalog
    never builds a wrong channel), or every fiber channel it builds passes the rules."""
    import yaml

    from aifabric.errors import SpecError
    from aifabric.fabric import compat

    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(dict(spec, name="random")))
    try:
        result = plan_fabric(path)
    except SpecError as exc:
        assert not any(word in exc.message for word in POLARITY_WORDS), exc.message
        return
    switch = result.hardware.switch(result.plan.switch_id)
    for link_class, option, beyond in _used_fiber_options(result):
        compat.check_polarity(option, link_class, switch, structured=beyond and option.trunk is not None)
        for o in result.links.options[link_class]:  # and every option the rules offered the class
            compat.check_polarity(o, link_class, switch, structured=o.trunk is not None)
