"""RFP outputs: rfp.md sections in a buyer's order with every formula and price shown, rfp.csv one row per path
with the RFP terms, the hut and handoff sheet, the KMZ beside the GeoJSON, and the --json keys (added only)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from corridor_helpers import TTN

from aifabric.corridor.plan import plan_corridor
from aifabric.corridor.rfp import render_binary_outputs, render_outputs

SECTIONS = [
    "## 1. Scope",
    "## 2. Routes and diversity",
    "## 3. Latency and differential delay",
    "## 4. Availability SLA",
    "## 5. Capacity and growth",
    "## 6. Service options and TCO",
    "## 7. Sites and huts",
    "## 8. Assumptions",
]


@pytest.fixture(scope="module")
def ttn():
    plan = plan_corridor(TTN)
    return plan, {**render_outputs(plan), **render_binary_outputs(plan)}


def test_rfp_md_sections_in_a_buyers_order(ttn):
    _, out = ttn
    md = out["rfp.md"]
    positions = [md.index(section) for section in SECTIONS]
    assert positions == sorted(positions)


def test_assumptions_show_every_formula_source_and_price(ttn):
    plan, out = ttn
    assumptions = out["rfp.md"].split("## 8. Assumptions")[1]
    assert "Bellcore" in assumptions and "Alcoa Fujikura" in assumptions and "2.13 per 1,000 route-km" in assumptions
    assert "U = cuts x MTTR 12 h / 8,766 h" in assumptions
    assert "1 - (1 - U_working x U_protect) x (1 - U_common)" in assumptions
    assert "2 x ceil(end-of-term capacity / capacity per fiber pair) + spares" in assumptions
    assert "(1 + 0.4)^10" in assumptions
    assert "INDICATIVE" in assumptions and "dark-fiber-iru 300 USD per fiber-km" in assumptions
    for item in plan.terms.book.prices:
        assert item in assumptions
    for entry in ("ila-amplifier", "roadm-node", "coherent-transponder", "terminal-line", "protection-switch"):
        assert f"  - {entry}: " in assumptions
    assert "G.873.1" in assumptions


def test_tco_and_fiber_counts_come_from_the_formulas(ttn):
    plan, out = ttn
    md = out["rfp.md"]
    t = plan.terms.demands["dallas-ashburn"]
    # The term's last year (year 9 of a 10-year term): 12.8 Tb/s x 1.4^9 = 264.5 Tb/s; 800G at 212.5 GHz:
    # 22 channels x 800G = 17.6 Tb/s a pair -> 16 lit pairs + 4 spare = 40 fibers -> 48 in whole 12-fiber tubes.
    assert (t.fibers.lit_pairs, t.fibers.spare_pairs, t.fibers.fibers) == (16, 4, 48)
    assert "2 x ceil(264.5 / 17.6) = 32 fibers lit, plus 8 spare" in md
    dark = t.costs["dark-fiber"]
    km = sum(p.route.km for p in plan.demands[0].paths)
    assert dark.items["iru"] == pytest.approx(48 * km * 300)
    # O&M escalates 3 % a year over the 10 years.
    assert dark.items["om"] == pytest.approx(km * 200 * sum(1.03**y for y in range(10)))
    waves = t.costs["waves"]
    assert waves.total_usd == round(sum(t.waves_by_year) * 12 * 16000 * km / 1000)  # wave-800g
    assert f"| dallas-ashburn | dark-fiber | {dark.total_usd / 1e6:,.2f} M | **yes** |" in md


def test_rfp_csv_one_row_per_path_with_terms(ttn):
    plan, out = ttn
    rows = list(csv.DictReader(io.StringIO(out["rfp.csv"])))
    assert len(rows) == sum(len(d.paths) for d in plan.demands)
    da = [r for r in rows if r["demand_id"] == "dallas-ashburn"]
    assert [r["path_role"] for r in da] == ["working", "protect"]
    assert da[0]["meets_sla"] == "yes" and da[0]["fibers_per_route"] == "48"
    assert float(da[0]["cuts_per_year"]) == pytest.approx(2.13 * float(da[0]["route_km"]) / 1000, abs=1e-3)
    assert float(da[0]["differential_delay_ms"]) == pytest.approx(
        float(da[1]["latency_one_way_ms"]) - float(da[0]["latency_one_way_ms"]), abs=2e-3)
    assert da[0]["fiber_types"] == "g652d" and da[0]["service"] == "compare"
    assert int(da[0]["dark_fiber_tco_usd"]) < int(da[0]["waves_tco_usd"])
    # Node-diverse by default: Fort Worth-Ashburn's protect path no longer passes the Dallas POP (issue 12).
    fwa = [r for r in rows if r["demand_id"] == "fort-worth-ashburn"][0]
    assert fwa["shared_sites"] == ""


def test_hut_sheet_has_coordinates_rack_units_power_and_demarcation(ttn):
    plan, out = ttn
    rows = list(csv.DictReader(io.StringIO(out["huts.csv"])))
    kinds = {r["kind"] for r in rows}
    assert kinds == {"terminal", "roadm", "regen", "ila"}
    ila = [r for r in rows if r["kind"] == "ila"]
    assert len(ila) == plan.totals()["amplifier_sites"]
    # One amplifier node per fiber pair lit on the hut's piece of segment, of the line system's type there (a Raman
    # hybrid node: 4 RU, 450 W; an EDFA node: 2 RU, 250 W); huts that also hold a regen add its transponders.
    from aifabric.corridor.line_catalog import load_line_equipment

    catalog = load_line_equipment()
    types = {row["at"]: row["entry"] for row in plan.line_system["per_span"]}
    assert "ila-raman-hybrid-low-gain" in {r["equipment"].split("=")[0] for r in ila}
    for r in (r for r in ila if not r["regen"]):
        seg = next(s for s in plan.segments if s.segment_id == r["segment"])
        pairs = seg.pairs_at_hut(next(h.index for h in seg.spans.huts if h.id == r["site_id"]))
        entry, count = r["equipment"].split("=")
        assert int(count) == pairs and entry in catalog and catalog[entry].role == "ila" and r["site_id"] in types
        node = catalog[entry]
        assert float(r["rack_units"]) == node.rack_units * pairs
        assert float(r["power_kw"]) == pytest.approx((node.power_w or 0) * pairs / 1000)
    dallas = next(r for r in rows if r["site_id"] == "dallas")
    assert dallas["demarcation"] == "Infomart, 1950 N Stemmons Fwy, Dallas TX, meet-me room"
    ashburn = next(r for r in rows if r["site_id"] == "ashburn")
    assert "buyer names the building" in ashburn["demarcation"]
    # Ashburn ends five 1+1 demands at 800G: 56 waves, one transponder per wave per path = 112 at the catalog's
    # 160 W for embedded 800G, with 6 terminal lines and 56 switches.
    assert ashburn["transponders"] == "112"
    assert ashburn["power_not_in_catalog"] == ""
    assert ashburn["equipment"] == "protection-switch=56;terminal-line=6"
    assert float(ashburn["power_kw"]) == pytest.approx((6 * 200 + 56 * 10 + 112 * 160) / 1000)


def test_kmz_holds_the_corridor_kml(ttn):
    plan, out = ttn
    with zipfile.ZipFile(io.BytesIO(out["routes.kmz"])) as archive:
        assert archive.namelist() == ["doc.kml"]
        kml = archive.read("doc.kml").decode()
    assert kml.startswith('<?xml version="1.0"') and "<kml xmlns=\"http://www.opengis.net/kml/2.2\">" in kml
    assert kml.count("<LineString>") == sum(len(d.paths) for d in plan.demands)
    assert render_binary_outputs(plan)["routes.kmz"] == out["routes.kmz"]


def test_json_adds_the_rfp_keys(ttn):
    plan, _ = ttn
    doc = json.loads(json.dumps(plan.to_json()))
    for demand in doc["demands"]:
        assert set(demand["availability"]) >= {"value", "minutes_per_year", "meets_sla"}
        assert isinstance(demand["availability"]["meets_sla"], bool)
        assert demand["differential_delay_ms"] >= 0 and demand["fibers"] % 12 == 0
        assert set(demand["cost"]) == {"dark-fiber", "waves", "spectrum"}
        assert all("total_usd" in c for c in demand["cost"].values())
        for path in demand["paths"]:
            assert path["cuts_per_year"] == pytest.approx(2.13 * path["km"] / 1000, abs=1e-3)
            assert 0 < path["unavailability"] < 1
    assert all(s["fibers"] % 12 == 0 and s["fibers"] >= 12 for s in doc["segments"])


def test_single_service_prices_only_that_service(write_spec):
    plan = plan_corridor(write_spec({"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 6.4}],
                                     "service": "waves"}))
    assert set(plan.to_json()["demands"][0]["cost"]) == {"waves"}


def test_unprotected_sla_is_checked_per_demand(write_spec):
    demand = {"a": "dallas", "z": "houston", "capacity_tbps": 6.4}
    # Unprotected demands are judged against the unprotected SLA (none by default), never the protected one.
    default = plan_corridor(write_spec({"demands": [demand]}))
    assert default.to_json()["demands"][0]["availability"]["sla"] is None
    strict = plan_corridor(write_spec({"demands": [demand], "allow_infeasible": True,
                                       "availability": {"sla_unprotected": 99.9}}, name="strict.yaml"))
    loose = plan_corridor(write_spec({"demands": [{**demand, "sla": 99.8}]}, name="loose.yaml"))
    assert strict.to_json()["demands"][0]["availability"]["meets_sla"] is False
    assert loose.to_json()["demands"][0]["availability"]["meets_sla"] is True


def test_spectrum_slot_is_the_fixed_grid_or_the_modes_own_spacing(write_spec):
    demand = {"a": "dallas", "z": "houston", "capacity_tbps": 6.4}
    fixed = plan_corridor(write_spec({"demands": [demand], "grid_ghz": 150}))
    flex = plan_corridor(write_spec({"demands": [demand]}, name="flex.yaml"))
    fixed_usd, flex_usd = (p.terms.demands["dallas-houston"].costs["spectrum"].items["spectrum"] for p in (fixed, flex))
    assert fixed_usd == pytest.approx(2 * flex_usd)
    # 16 waves x 75 GHz = 1,200 GHz on a flexible grid: one pair of the 4,750 GHz C band.
    assert flex.terms.segments["dallas--houston"][1] == 1
