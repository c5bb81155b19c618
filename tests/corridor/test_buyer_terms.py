"""Issue 22 items 4-8: spectrum per span, money a buyer can sign, protection schemes, RFP terms, loud misses."""

from __future__ import annotations

import math

import pytest
from corridor_helpers import TTN

from aifabric.corridor.availability import (
    PathAvailability,
    demand_availability,
    n_path_unavailability,
    restored_unavailability,
)
from aifabric.corridor.plan import plan_corridor


@pytest.fixture(scope="module")
def ttn():
    """The shipped Texas Triangle plan, checked with GNPy as the CLI runs it."""
    return plan_corridor(TTN)


# --- 4. spectrum per span -------------------------------------------------------------------------------------


def test_a_section_ending_at_a_hut_holds_slots_only_on_its_own_piece(ttn):
    seg = {s.segment_id: s for s in ttn.segments}["bristol--roanoke"]
    # 56 waves of 17 slots at 22 channels per pair: 3 pairs (the whole-segment reservation made it 6).
    assert seg.waves == 56
    assert seg.fiber_pairs == math.ceil(56 / ttn.channels_per_pair) == 3
    for s in ttn.segments:
        assert s.fiber_pairs == max(s.piece_pairs)
        # Every piece carries every wave of the segment once: never more pairs than that needs plus one for
        # continuity, never fewer than the channels allow.
        assert s.fiber_pairs >= math.ceil(s.waves / ttn.channels_per_pair)
        assert s.slots_used <= s.waves * 17


def test_hut_sheet_amplifiers_come_from_the_per_span_pairs(ttn):
    from aifabric.corridor.huts import hut_sheet

    rows = {r.site_id: r for r in hut_sheet(ttn, ttn.terms.equipment)}
    seg = {s.segment_id: s for s in ttn.segments}["bristol--roanoke"]
    for hut in seg.spans.huts:
        assert rows[hut.id].equipment["ila-amplifier"] == seg.pairs_at_hut(hut.index) == 3


def test_one_channel_count_per_pair_for_segments_and_demands(ttn):
    channels = ttn.channels_per_pair  # 22 embedded-800g channels in 4.75 THz
    for seg_id, (eot_waves, lit, _spare, _fibers, _cable) in ttn.terms.segments.items():
        assert lit == max(1, math.ceil(eot_waves / channels)), seg_id
    for t in ttn.terms.demands.values():
        assert round(t.fibers.pair_capacity_tbps * 1000 / 800) == channels


# --- 5. money -------------------------------------------------------------------------------------------------


def test_ila_amplifiers_are_multiplied_by_lit_pairs(ttn):
    book = ttn.terms.book
    d = ttn.demands[0]
    t = ttn.terms.demands[d.demand.demand_id]
    # Each hut's node is the line system's type there (an EDFA or a Raman hybrid node), at its own price.
    from aifabric.corridor.huts import hut_nodes
    from aifabric.corridor.line_catalog import load_line_equipment

    nodes = hut_nodes(ttn.line_system, load_line_equipment())
    huts = [n.id for p in d.paths for n in p.nodes if n.kind != "site"]
    assert len(huts) == sum(p.amplifiers for p in d.paths)
    per_pair = sum(book.usd(nodes[h]) for h in huts)
    assert t.costs["dark-fiber"].items["amplifiers"] == per_pair * t.fibers.lit_pairs


def test_transponders_bought_for_the_same_year_the_fibers_are_sized_for(ttn):
    for d in ttn.demands:
        t = ttn.terms.demands[d.demand.demand_id]
        # The last year's waves fit the lit pairs exactly (fibers sized for that year, not the year after).
        last = t.waves_by_year[-1]
        per_pair = ttn.channels_per_pair
        assert t.fibers.lit_pairs == max(1, math.ceil(last / per_pair - 1e-9)), d.demand.demand_id
        regens = sum(2 + 2 * len(p.regen_sites) for p in d.paths)
        assert sum(t.transponders_by_year) == last * regens


def test_corridor_totals_pay_each_shared_segment_once(ttn):
    doc = ttn.to_json()
    totals = doc["totals"]
    for key in ("dark_fiber_usd", "spectrum_usd", "waves_usd", "route_km", "waves", "transponders"):
        assert key in totals
    per_segment_iru = sum(m["iru_usd"] for m in doc["money"]["segments"].values())
    per_demand_iru = sum(d["cost"]["dark-fiber"]["iru_usd"] for d in doc["demands"])
    assert per_segment_iru < per_demand_iru
    assert totals["dark_fiber_usd"] < totals["dark_fiber_per_demand_usd"]
    assert totals["waves_usd"] == sum(d["cost"]["waves"]["total_usd"] for d in doc["demands"])
    seg = doc["money"]["segments"]["bristol--roanoke"]
    assert seg["amplifiers_usd"] == seg["huts"] * seg["lit_pairs"] * 40000


def test_om_escalates_yearly():
    from aifabric.corridor.cost import default_corridor_prices_path, load_corridor_prices, segment_money

    book = load_corridor_prices(default_corridor_prices_path())
    line = segment_money(book, "x", 100.0, 24, 4, 1, 3, 0.10)
    assert line.items["om"] == pytest.approx(100 * 200 * (1 + 1.1 + 1.21))
    assert line.items["amplifiers"] == 1 * 4 * 40000


# --- 6. protection schemes ------------------------------------------------------------------------------------


def _path(u: float, failures: float) -> PathAvailability:
    return PathAvailability(1000.0, failures, {"fiber": u}, failures)


def test_n_path_and_restoration_availability_by_hand():
    us = [0.01, 0.02, 0.03]
    exact = 1 - (0.99 * 0.98 * 0.97) - sum(u * 0.99 * 0.98 * 0.97 / (1 - u) for u in us)
    assert n_path_unavailability(us) == pytest.approx(exact)
    w, p, r = _path(0.001, 2.0), _path(0.001, 2.0), _path(0.002, 3.0)
    restored = restored_unavailability(w, p, r, 120.0)
    rate = 2.0 / 8766.0
    assert restored == pytest.approx(rate * rate * (120 / 3600) ** 2 + 0.001 * 0.001 * 0.002)
    assert restored < 0.001 * 0.001


def test_schemes_rank_as_a_buyer_expects():
    from aifabric.corridor.line_catalog import equipment_by_role, load_line_equipment

    equipment = equipment_by_role(load_line_equipment())
    w, p, r = _path(0.001, 2.0), _path(0.0012, 2.2), _path(0.002, 3.0)
    one = demand_availability((w,), 0, equipment, None).unavailability
    pair = demand_availability((w, p), 0, equipment, None, "1+1").unavailability
    one_to_one = demand_availability((w, p), 0, equipment, None, "1:1").unavailability
    restored = demand_availability((w, p, r), 0, equipment, None, "restoration", 120.0).unavailability
    assert restored < pair == one_to_one < one


@pytest.mark.parametrize(("protection", "extra", "roles"), [
    ("1:1", {}, ["working", "protect"]),
    ("restoration", {}, ["working", "protect", "restoration"]),
    ("n-path", {"paths": 3}, ["path-1", "path-2", "path-3"]),
])
def test_protection_schemes_plan_their_paths(write_spec, write_network, cli, protection, extra, roles):
    import json

    # Three node-diverse routes a-z (through m1, m2, m3), each with its own SRLG.
    sites = {"a": (33.0, -97.0), "m1": (34.0, -95.0), "m2": (33.0, -95.0), "m3": (32.0, -95.0), "z": (33.0, -93.0)}
    segments = [{"id": f"{x}-{y}", "a": x, "z": y, "route": f"R{k}", "srlg": [f"r{k}{x}"]}
                for k in (1, 2, 3) for x, y in (("a", f"m{k}"), (f"m{k}", "z"))]
    network = write_network(sites, segments)
    spec = write_spec({"network": str(network), "demands": [
        {"a": "a", "z": "z", "capacity_tbps": 6.4, "protection": protection, **extra}],
        "availability": {"sla": 99.9, "sla_unprotected": 99.0}})
    code, out, err = cli("corridor", "plan", spec, "--json")
    assert code == 0, err
    d = json.loads(out)["demands"][0]
    assert [p["role"] for p in d["paths"]] == roles
    assert d["protection_scheme"]["scheme"] == protection
    sites = [set(p["sites"][1:-1]) for p in d["paths"]]
    for i in range(len(sites)):
        for j in range(i + 1, len(sites)):
            assert not sites[i] & sites[j]
    if protection == "n-path":
        # Each of 3 paths carries half the capacity: the other two carry it all when one is cut.
        assert all(p["waves"] == math.ceil(3.2e3 / p["rate_gbps"]) for p in d["paths"])
    # Every output (RFP files, KMZ with a style per role, the PNG map) takes the scheme's paths.
    out_dir = spec.parent / "out"
    code, _, err = cli("corridor", "plan", spec, "--out", out_dir)
    assert code == 0, err
    md = (out_dir / "rfp.md").read_text()
    assert all(f"| {role} |" in md for role in roles)
    code, _, err = cli("corridor", "map", spec, "-o", spec.parent / "map.png")
    assert code == 0, err


def test_restoration_without_a_third_diverse_path_is_a_one_line_error(write_spec, cli):
    spec = write_spec({"demands": [{"a": "dallas", "z": "ashburn", "capacity_tbps": 1, "protection": "restoration"}]})
    code, _, err = cli("corridor", "plan", spec)
    assert code == 2
    assert "no node-diverse route number 3 from 'dallas' to 'ashburn'" in err
    assert len(err.strip().splitlines()) == 1


# --- 7. RFP terms ---------------------------------------------------------------------------------------------


def test_credit_tiers_apply_below_each_demands_own_sla():
    from aifabric.corridor.commercial import credit_percent

    tiers = [(99.99, 10.0), (99.9, 25.0), (99.5, 50.0), (99.0, 100.0)]
    assert credit_percent(tiers, 99.95, 99.99) == 10.0
    assert credit_percent(tiers, 99.7, 99.99) == 25.0 and credit_percent(tiers, 99.4, 99.99) == 50.0
    # A 99.5 % demand at 99.87 % meets its SLA: no credit, though it is below the 99.99 % tier.
    assert credit_percent(tiers, 99.87, 99.5) == 0.0
    assert credit_percent(tiers, 99.2, 99.5) == 50.0 and credit_percent(tiers, 98.0, None) == 0.0


def test_g694_slot_numbers():
    from aifabric.corridor.catalog import band, load_bands
    from aifabric.corridor.plan import slots_json

    c = band(load_bands(), "C")
    lo_ghz = c.ranges_thz[0][0] * 1000
    # Slot 0, one 12.5 GHz slot wide: centre at the band edge + 6.25 GHz.
    assert slots_json(c, 0, 1) == [round((lo_ghz + 6.25 - 193100) / 6.25), 1]
    n, m = slots_json(c, 10, 6)
    assert m == 6 and 193100 + n * 6.25 == pytest.approx(lo_ghz + 10 * 12.5 + 3 * 12.5)


def test_every_path_lists_one_slot_per_wave_and_rfp_terms(ttn):
    doc = ttn.to_json()
    for d in doc["demands"]:
        assert d["sla_terms"]["credit_tiers"] and d["handoff"]["interface"]
        for p in d["paths"]:
            assert len(p["slots"]) == p["waves"]
            assert all(m == 17 for _, m in p["slots"])
            assert p["rtt_commit_ms"] >= 2 * p["latency_ms"]
            assert p["alien_wave"]["min_rx_osnr_db"] == p["alien_wave"]["required_osnr_db"] + 2
            for s in p["sections"]:
                assert len(s["slots"]) == p["waves"]
    # Waves sharing a piece of fiber never share a slot on the same pair: first-fit opened a pair for each clash.
    d = doc["demands"][0]
    working = d["paths"][0]["sections"][0]["slots"]
    assert len({tuple(x) for x in working}) == len(working)


def test_sites_carry_embedded_800g_power_from_the_catalog(ttn):
    from aifabric.corridor.huts import hut_sheet

    rows = {r.site_id: r for r in hut_sheet(ttn, ttn.terms.equipment)}
    dallas = rows["dallas"]
    assert not dallas.transponder_power_unknown
    assert dallas.transponder_w == dallas.transponders * 160.0


def test_rfp_md_states_commitments_handoff_acceptance_and_corridor_totals(ttn):
    from aifabric.corridor.rfp import rfp_markdown

    md = rfp_markdown(ttn)
    assert "## 9. Commitments, handoff and acceptance" in md
    assert "800GBASE-DR8 (IEEE 802.3df)" in md
    assert "Acceptance tests" in md and "G.694.1" in md and "G.698.2" in md
    assert "Dark fiber per segment" in md and "Corridor totals over the term" in md
    assert "Not covered: delivery date" not in md


# --- 8. loud on the buyer's terms -----------------------------------------------------------------------------


def test_unprotected_demands_are_judged_against_the_unprotected_sla(write_spec, cli):
    import json

    spec = write_spec({"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 1}],
                       "availability": {"sla": 99.99, "sla_unprotected": 99.5}})
    code, out, err = cli("corridor", "plan", spec, "--json")
    assert code == 0, err
    a = json.loads(out)["demands"][0]["availability"]
    assert a["sla"] == 99.5 and a["meets_sla"] is True


def test_a_missed_sla_exits_2_naming_the_demand_and_allow_infeasible_marks_it(write_spec, cli):
    spec = write_spec({"demands": [{"id": "dh", "a": "dallas", "z": "houston", "capacity_tbps": 1, "sla": 99.99}]})
    code, out, err = cli("corridor", "plan", spec)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "demand dh misses the buyer's terms: availability" in err and "99.99 % SLA" in err
    assert "--allow-infeasible" in err
    code, out, err = cli("corridor", "plan", spec, "--allow-infeasible")
    assert code == 0
    assert "99.99 FAIL" in out and "buyer's terms missed" in out


def test_a_missed_latency_limit_exits_2(write_spec, cli):
    spec = write_spec({"demands": [{"id": "dh", "a": "dallas", "z": "houston", "capacity_tbps": 1,
                                    "max_latency_ms": 1.91}]})
    code, _, err = cli("corridor", "plan", spec)
    assert code == 2
    assert "demand dh misses the buyer's terms: working path" in err and "max_latency_ms 1.91 ms" in err


def test_why_regen_never_calls_a_margin_above_the_system_margin_below_it(ttn):
    import re

    for d in ttn.demands:
        for p in d.paths:
            for reason in p.regen_reasons:
                match = re.search(r"leaves (-?[\d.]+) dB", reason)
                if match and float(match.group(1)) >= ttn.sys_margin_db:
                    assert "below the" not in reason
                    assert "above the 2 dB system margin but short of" in reason


def test_shipped_corridors_plan_with_exit_0(cli):
    from corridor_helpers import TSC

    for spec in (TTN, TSC):
        code, _, err = cli("corridor", "plan", spec, "--json")
        assert code == 0, err


def test_delivery_and_handoff_come_from_the_spec(write_spec, cli):
    import json

    spec = write_spec({"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 0.8}],
                       "delivery": {"ready_for_service": "2027-06-30", "acceptance_days": 7},
                       "handoff": {"interface": "400GBASE-FR4", "connector": "LC duplex"}})
    code, out, err = cli("corridor", "plan", spec, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["delivery"] == {"ready_for_service": "2027-06-30", "term_start": None, "acceptance_days": 7}
    assert doc["demands"][0]["handoff"]["interface"] == "400GBASE-FR4"
    # Quoted, pydantic judges the date; bare, YAML itself builds it (and once crashed on month 13).
    quoted = spec.read_text().replace("2027-06-30", "2027-13-30")
    spec.write_text(quoted)
    code, _, err = cli("corridor", "plan", spec)
    assert code == 2 and "delivery.ready_for_service" in err
    spec.write_text(quoted.replace("'2027-13-30'", "2027-13-30"))
    code, _, err = cli("corridor", "plan", spec)
    assert code == 2 and "month must be in 1..12; dates are YYYY-MM-DD" in err and "Traceback" not in err
