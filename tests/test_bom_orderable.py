"""Issue 21: an orderable bill of materials. Systems are ordered as they ship (built-in NICs are no line of their
own, an NVL72 is a rack SKU whose trays are spares only), every line carries an order code, a vendor and whether
the code was read from a vendor source, generic parts are a specification a vendor can quote, rack-scale GPU
counts round up to whole racks, spares and lead times per line, and one network power with one scope."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.fabric.plan import plan_fabric

TOPOLOGIES = Path(__file__).resolve().parents[1] / "topologies"
SHIPPED = sorted(p.name for p in TOPOLOGIES.glob("*.yaml"))
CSV_ORDER = ["order_code", "vendor", "verified", "spares", "lead_time_weeks"]


@pytest.fixture(scope="module")
def shipped():
    """Every shipped topology planned once: {file name: FabricResult}."""
    return {name: plan_fabric(TOPOLOGIES / name) for name in SHIPPED}


def test_no_nic_line_for_a_system_whose_nics_are_built_in(shipped):
    """Issue 21: gb300 listed 9,216 x 900-9X81E-00EX-ST0 beside trays "with 4 scale-out NICs", gb200 9,216 x
    MCX75310AAS-NEAT, dgx-h100-superpod-4su 1,016 CX-7 cards, colossus-2 550,000 BlueField-3 cards."""
    for name, result in shipped.items():
        server = result.hardware.server(result.plan.server_id)
        nic_lines = [line for line in result.bom() if line.category == "nic"]
        if server.nics_built_in:
            assert nic_lines == [], name
        else:
            # An OEM HGX server takes add-in cards: one per GPU, ordered.
            assert [(n.catalog_id, n.quantity) for n in nic_lines] == [(result.plan.nic_id, result.plan.gpus)], name


def test_every_line_has_an_order_code_vendor_and_verified_flag(shipped):
    for name, result in shipped.items():
        for line in result.bom():
            assert line.order_code.strip() and line.vendor.strip(), (name, line)
            if line.vendor == "generic":
                assert not line.verified and line.order_code.startswith("SPEC "), (name, line)


def test_every_watt_once_network_power_is_one_figure(shipped):
    """Issue 21: power_kw.nics added 414.7 kW on the GB300 SuperPOD that the site counted inside the trays; the
    table showed "Power (network)" with NICs beside a site network figure without them."""
    for name, result in shipped.items():
        doc = result.document()
        power, site = doc["power_kw"], doc["site"]
        assert power["nics"] == 0.0 and power["total"] == pytest.approx(power["switches"] + power["transceivers"],
                                                                          abs=2e-3), name
        assert power["total"] / 1000 == pytest.approx(site["network_mw"], abs=1e-3), name
        assert power["scope"] == site["network_scope"] and "NICs" in power["scope"]
        assert power["nics_in_systems"] > 0


def test_gb300_superpod_nic_power_is_not_counted_twice(shipped):
    doc = shipped["gb300-nvl72-superpod.yaml"].document()
    assert doc["power_kw"]["nics"] == 0.0
    assert doc["power_kw"]["nics_in_systems"] == pytest.approx(9216 * 45 / 1000)
    assert doc["site"]["compute_mw"] == pytest.approx(128 * 0.142)


def test_rack_scale_is_ordered_as_a_rack_sku_with_trays_as_spares(shipped):
    result = shipped["gb200-nvl72-superpod.yaml"]
    system = [line for line in result.bom() if line.category == "system"]
    rack, tray, switch_tray = system
    assert (rack.catalog_id, rack.quantity, rack.spares) == ("gb200-nvl72", 128, 0)
    assert "NVLink switch trays" in rack.description and "power shelves" in rack.description
    assert tray.quantity == switch_tray.quantity == 0
    assert tray.installed == 128 * 18 and switch_tray.installed == 128 * 9
    assert tray.spares > 0 and switch_tray.spares > 0
    assert not any("-rack" in line.order_code or line.order_code == line.catalog_id for line in system)


def test_dgx_line_names_its_built_in_nics_and_cages(shipped):
    result = shipped["dgx-h100-superpod-4su.yaml"]
    (system,) = [line for line in result.bom() if line.category == "system"]
    assert system.quantity == 127 and "ConnectX-7" in system.description and "OSFP cages" in system.description


def test_gpus_round_up_to_whole_nvl72_racks(cli):
    """Issue 21: `--gpus 100 --server gb200-nvl72` gave 25 trays in 2 racks."""
    code, out, _ = cli("fabric", "plan", "--gpus", "100", "--server", "gb200-nvl72", "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["gpus"], doc["servers"], doc["scale_up"]["racks"], doc["gpus_requested"]) == (144, 36, 2, 100)
    assert any("rounded up to 2 whole gb200-nvl72 racks" in note for note in doc["notes"])
    code, out, _ = cli("fabric", "plan", "--gpus", "100", "--server", "gb200-nvl72")
    assert code == 0 and "100 requested, rounded up to whole racks" in out


def test_whole_gpus_need_no_gpus_requested(cli):
    code, out, _ = cli("fabric", "plan", "--gpus", "144", "--server", "gb200-nvl72", "--json")
    assert code == 0 and "gpus_requested" not in json.loads(out)


def test_nvl36x2_rounds_to_whole_two_rack_domains(cli):
    code, out, _ = cli("fabric", "plan", "--gpus", "80", "--server", "gb200-nvl36x2", "--switch", "qm9700", "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["gpus"], doc["scale_up"]["racks"], doc["gpus_requested"]) == (144, 4, 80)


def test_a_built_in_system_refuses_a_nic_it_does_not_ship_with(cli):
    code, _, err = cli("fabric", "plan", "--gpus", "256", "--server", "dgx-h100", "--nic", "bluefield-3-b3140h")
    assert code == 2 and "--nic" in err and "built in" in err and "connectx-7" in err
    assert len(err.strip().splitlines()) == 1


def test_unsure_order_codes_do_not_print_as_firm(shipped):
    """Issue 21: MFP7E30 lengths marked UNSURE in the catalog printed as firm part numbers, and nothing in a row
    said which line was which."""
    lines = shipped["colossus-100k.yaml"].bom()
    mfp7e30 = [line for line in lines if line.catalog_id == "mpo12-os2"]
    assert mfp7e30 and not any(line.verified for line in mfp7e30)
    by_code = {line.order_code: line for line in lines}
    assert by_code["MFP7E10-N030"].verified  # the one length read from NVIDIA's listing
    assert not by_code["MFP7E10-N007"].verified
    assert by_code["MMA4Z00-NS"].verified and by_code["900-9D3D4-00EN-HA0"].verified
    assert by_code["920-9N42F-00RI-7C0"].verified  # SN5600, Cumulus Linux
    # Colossus-1's server is Supermicro's, its order code read from Supermicro's product page; NVIDIA's DGX and
    # rack SKUs were not read from an NVIDIA source and stay unverified.
    assert [(line.order_code, line.verified) for line in lines if line.category == "system"] == [
        ("SYS-421GE-TNHR2-LCC", True)]
    dgx = shipped["dgx-h100-superpod-4su.yaml"].bom()
    assert not any(line.verified for line in dgx if line.category == "system")


def test_generic_parts_are_a_specification(shipped):
    lines = shipped["million-gpu.yaml"].bom()
    trunks = [line for line in lines if line.catalog_id == "trunk-mpo-os2"]
    assert trunks
    for line in trunks:
        spec = line.order_code
        assert line.vendor == "generic" and not line.verified
        assert f"{line.length_m:g} m" in spec and "F," in spec
        for words in ("OS2", "MPO-12/APC male (pinned)", "Method B", "+1 %", "pulling eye"):
            assert words in spec, (words, spec)
    generic_optics = [line for line in lines if line.catalog_id == "osfp-2xdr4-2km"]
    assert generic_optics and all(line.vendor == "generic" and "DR4+" in line.order_code for line in generic_optics)


def test_summary_counts_unverified_lines_and_units(shipped):
    result = shipped["gb200-nvl72-superpod.yaml"]
    doc = result.document()
    lines = result.bom()
    bad = [line for line in lines if not line.verified and line.quantity + line.spares]
    assert doc["bom_unverified"] == {"lines": len(bad), "units": sum(line.quantity + line.spares for line in bad)}
    assert [entry["order_code"] for entry in doc["bom"]] == [line.order_code for line in lines]
    for entry in doc["bom"]:
        assert {"category", "catalog_id", "order_code", "vendor", "verified", "quantity", "spares"} <= set(entry)


def test_spares_follow_the_afr_policy(shipped):
    """ceil(N x AFR x (lead time + repair hours) / 8766) + floor, per line, from the catalog's policy."""
    result = shipped["colossus-100k.yaml"]
    policies = result.hardware.spares
    for line in result.bom():
        policy = policies[line.part_class]
        n = line.quantity
        if policy.method == "afr":
            hours = policy.lead_time_weeks * 168 + policy.repair_hours
            expected = math.ceil(n * policy.afr * hours / 8766 - 1e-9) + policy.floor
        else:
            expected = math.ceil(n * policy.percent / 100 - 1e-9)
        assert line.spares == expected, line


def test_price_book_lead_times_fill_the_column_the_spares_and_the_summary(tmp_path, cli):
    book = tmp_path / "book.csv"
    book.write_text(
        "catalog_id,unit_price_usd,usd_per_m,lead_time_weeks\n"
        "qm9700,30000,,26\nosfp-2xsr4,900,,12\nosfp-2xsr4-flt,900,,\nmpo12-om4,20,1,2\n")
    out_dir = tmp_path / "out"
    # The compute fabric alone: the book prices its parts only (every network's parts need prices).
    code, out, _ = cli("fabric", "plan", TOPOLOGIES / "dgx-h100-superpod-4su.yaml", "--prices", book, "--json",
                       "--out", out_dir, "--no-graph", "--networks", "none")
    assert code == 0
    doc = json.loads(out)
    assert [x["order_code"] for x in doc["longest_lead"]][:2] == ["MQM9700-NS2F", "MMA4Z00-NS"]
    rows = list(csv.DictReader(io.StringIO((out_dir / "bom.csv").read_text())))
    assert list(rows[0])[-6:-1] == CSV_ORDER and list(rows[0])[-1] == "network"
    switch = next(r for r in rows if r["category"] == "switch")
    assert (switch["order_code"], switch["verified"], switch["lead_time_weeks"]) == ("MQM9700-NS2F", "yes", "26")
    # 48 switches, AFR 0.61 %/yr over 26 weeks + 24 h of repair, plus one on the shelf.
    assert int(switch["spares"]) == math.ceil(48 * 0.0061 * (26 * 168 + 24) / 8766) + 1
    flat = next(r for r in rows if r["order_code"] == "MMA4Z00-NS-FLT")
    assert flat["lead_time_weeks"] == ""
    code, out, _ = cli("fabric", "plan", TOPOLOGIES / "dgx-h100-superpod-4su.yaml", "--prices", book, "--networks",
                       "none")
    assert code == 0 and "Longest lead" in out and "MQM9700-NS2F 26 wk" in out


def test_a_bad_lead_time_is_one_line_naming_file_and_field(tmp_path, cli):
    book = tmp_path / "book.csv"
    book.write_text("catalog_id,unit_price_usd,lead_time_weeks\nqm9700,30000,soon\n")
    code, _, err = cli("fabric", "plan", TOPOLOGIES / "dgx-h100-superpod-4su.yaml", "--prices", book)
    assert code == 2 and "book.csv" in err and "lead_time_weeks" in err and "weeks" in err


def test_typical_power_where_the_vendor_publishes_it(hardware):
    """MMS4X00-NS: 16 W typical, 17 W max (NVIDIA's specifications page); power_kw.total_typical uses it."""
    assert hardware.transceivers["osfp-dr8"].power_typical_w == 16
    from aifabric.fabric.plan import plan_spec
    from aifabric.spec.fabric import FabricSpec

    result = plan_spec(FabricSpec(gpus=1024, server="hgx-h100", switch="sn5600"), hardware)
    power = result.document()["power_kw"]
    assert power["total_typical"] < power["total"]


def test_rich_table_network_power_is_the_site_figure(cli):
    code, out, _ = cli("fabric", "plan", TOPOLOGIES / "dgx-h100-superpod-4su.yaml")
    assert code == 0
    assert re.search(r"Power \(network\) +│ 66\.7 kW", out) and "counted in the systems' power" in out
    assert "network 0.067: the Power (network) row" in out
    assert "Bill of materials" in out and "not verified" in out and "MQM9700-NS2F" in out


def test_catalog_parts_say_who_sells_them_and_how_sure_the_code_is(hardware):
    """Every orderable catalog entry names its vendor; a generic one carries a specification; a code the source
    calls UNSURE is never marked verified (except per-length, where only the lengths read are); a verified code
    comes from an NVIDIA source."""
    unsure_code = re.compile(r"(part number|order code|codes?)[^.;]{0,40}UNSURE", re.IGNORECASE)
    for kind in ("switches", "nics", "servers", "transceivers", "cables"):
        for entry in getattr(hardware, kind).values():
            assert entry.vendor and entry.vendor.strip(), (kind, entry.id)
            source = " ".join(entry.source.split())
            if entry.vendor in ("generic", "OEM") and not entry.order_code:
                assert entry.specification is not None, (kind, entry.id)
            if entry.verified:
                assert "nvidia" in source.lower(), (kind, entry.id)
                if unsure_code.search(source):
                    assert getattr(entry, "verified_lengths_m", None), (kind, entry.id, source)
    for server in hardware.servers.values():
        if server.nics_built_in:
            assert server.nic in server.nic_options, server.id


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gpus=st.integers(min_value=1, max_value=20_000),
       server=st.sampled_from(["gb200-nvl72", "gb300-nvl72", "gb200-nvl36x2", "dgx-h100", "hgx-h100"]))
def test_random_sizes_order_whole_systems_and_no_built_in_nic(gpus, server, hardware):
    """Any size: a rack-scale plan is whole NVLink domains, the fewest that hold the GPUs asked for; a system with
    built-in NICs has no NIC line; every line has an order code; spares never negative."""
    from aifabric.errors import DesignError
    from aifabric.fabric.plan import plan_spec
    from aifabric.spec.fabric import FabricSpec

    system = hardware.servers[server]
    switch = "q3400" if server == "gb300-nvl72" else "qm9700" if system.nic == "connectx-7" else "sn5600"
    try:
        result = plan_spec(FabricSpec(gpus=gpus, server=server, switch=switch), hardware)
    except DesignError:
        return  # a size the switch cannot build says so elsewhere; here only what is built counts
    plan = result.plan
    if system.rack_scale:
        domain = system.trays_per_rack * system.racks_per_domain * system.gpus
        assert plan.gpus % domain == 0 and gpus <= plan.gpus < gpus + domain
    lines = result.bom()
    assert all(line.order_code and line.spares >= 0 for line in lines)
    assert (not any(line.category == "nic" for line in lines)) == system.nics_built_in
