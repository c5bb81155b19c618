"""GNPy as planner: system margin, calibrated catalog, exact regen search, loud infeasibility, estimates."""

from __future__ import annotations

import json
import random

import pytest

from aifabric.corridor.catalog import load_modes
from aifabric.corridor.gnpy_check import equal_spans
from aifabric.corridor.optical import PathNode, exact_sections, place_regens
from aifabric.corridor.plan import plan_corridor
from aifabric.errors import DesignError
from aifabric.spec.corridor import Amplifiers


def test_openzr_plus_400g_is_gnpys_zr400g():
    from aifabric.corridor.gnpy_check import gnpy_example_file

    zr = json.loads(gnpy_example_file("extra_eqpt_config.json").read_text())["Transceiver"][0]
    assert zr["type_variety"] == "ZR400G"
    gnpy = zr["mode"][0]
    ours = load_modes()["openzr-plus-400g"]
    assert ours.required_osnr_db == gnpy["OSNR"] == 24
    assert ours.tx_osnr_db == gnpy["tx_osnr"] == 34
    assert ours.baud_gbd * 1e9 == pytest.approx(gnpy["baud_rate"])
    assert ours.roll_off == gnpy["roll_off"]
    def points(penalties):
        return sorted(tuple(sorted((k, float(v)) for k, v in p.items())) for p in penalties)

    assert points(p.gnpy() for p in ours.penalties) == points(gnpy["penalties"])


def test_oif_400zr_openzr_plus_and_embedded_modes_are_told_apart():
    # OpenZR+ 300G/200G take GNPy's OpenROADM MSA 5.0 oFEC modes' required OSNR; 400ZR (CFEC) the OIF IA's 26 dB;
    # the embedded modes their own (formula, UNSURE) with a 36 dB Tx OSNR.
    from aifabric.corridor.gnpy_check import gnpy_example_file

    library = json.loads(gnpy_example_file("eqpt_config_openroadm_ver5.json").read_text())["Transceiver"][0]["mode"]
    openroadm = {m["format"]: m["OSNR"] for m in library}
    modes = load_modes()
    assert modes["openzr-plus-300g"].required_osnr_db == openroadm["300 Gbit/s, DP-8QAM"] == 21
    assert modes["openzr-plus-200g"].required_osnr_db == openroadm["200 Gbit/s, DP-QPSK"] == 17
    zr, zr_plus = modes["400zr"], modes["openzr-plus-400g"]
    assert (zr.fec, zr.required_osnr_db) == ("CFEC", 26.0) and (zr_plus.fec, zr_plus.required_osnr_db) == ("oFEC", 24)
    assert all(modes[m].tx_osnr_db == 34 for m in ("400zr", "openzr-plus-400g", "openzr-plus-300g",
                                                       "openzr-plus-200g"))
    embedded = [m for m in modes.values() if m.id.startswith("embedded-")]
    assert embedded and all(m.tx_osnr_db == 36 and "UNSURE" in m.source for m in embedded)
    assert len({(m.required_osnr_db, m.tx_osnr_db, m.fec) for m in modes.values()}) == len(modes)


def test_required_osnr_follows_the_stated_shannon_gap_formula():
    import math

    def formula(rate_gbps: float, baud_gbd: float, gap_db: float) -> float:
        return 10 * math.log10(2 ** (rate_gbps / (2 * baud_gbd)) - 1) + gap_db + 10 * math.log10(baud_gbd / 12.5)

    modes = load_modes()
    for mode_id, gap in (("embedded-1600g", 5.22), ("embedded-1200g", 5.22), ("embedded-800g", 5.22),
                         ("embedded-400g", 5.22), ("longhaul-800g", 5.22)):
        m = modes[mode_id]
        assert m.required_osnr_db == pytest.approx(formula(m.line_rate_gbps, m.baud_gbd, gap), abs=0.06), mode_id
    # The gaps are those of GNPy's shipped modes: ZR400G (24 dB) and Voyager 400G (66 GBd, 21 dB).
    assert formula(400, 60.138546798, 7.62) == pytest.approx(24.0, abs=0.01)
    assert formula(400, 66, 5.22) == pytest.approx(21.0, abs=0.01)


@pytest.fixture(scope="module")
def planner():
    from aifabric.corridor.gnpy_check import GnpyPlanner

    modes = load_modes()
    return GnpyPlanner([modes["embedded-800g"], modes["openzr-plus-400g"]], Amplifiers(), 2.0)


def test_catalog_reach_is_gnpys_reference_reach():
    # gnpy_reach_km: the longest run of 80 km spans GNPy closes with the 2 dB system margin (coherent.yaml).
    from aifabric.corridor.gnpy_check import GnpyPlanner

    ids = ("embedded-800g", "openzr-plus-400g", "openzr-plus-300g", "openzr-plus-200g")
    planner = GnpyPlanner([load_modes()[i] for i in ids], Amplifiers(), 2.0)
    for mode_id in ids:
        m = load_modes()[mode_id]
        assert m.gnpy_reach_km is not None
        spans = int(m.gnpy_reach_km // 80)
        assert planner.path_request(m, (equal_spans(80.0, spans),)).feasible
        assert not planner.path_request(m, (equal_spans(80.0, spans + 1),)).feasible


def test_composed_estimate_is_close_to_gnpy_and_never_pessimistic(planner):
    rng = random.Random(3)
    m = load_modes()["embedded-800g"]
    for _ in range(8):
        units = tuple(equal_spans(round(rng.uniform(50, 100), 1), rng.randint(1, 4)) for _ in range(rng.randint(1, 4)))
        full, estimate = planner.path_request(m, units), planner.estimate(m, units)
        assert abs(estimate.gsnr_db - full.gsnr_db) < 0.2
        spans = sum(len(u) for u in units)
        # The search's allowance (0.012 dB per span) covers the estimate's optimism.
        assert estimate.margin_db - full.margin_db <= 0.012 * spans + 1e-6


def test_system_margin_is_a_margin(planner):
    m = load_modes()["embedded-800g"]
    result = planner.path_request(m, (equal_spans(80.0, 8),))
    assert result.margin_db == pytest.approx(result.gsnr_db - result.penalty_db - m.required_osnr_db, abs=0.05)
    assert result.feasible == (result.margin_db >= 2.0)


def _nodes(kinds: list[str], kms: list[float]) -> list[PathNode]:
    return [PathNode(f"n{i}", k, km, 0.0, 0.0) for i, (k, km) in enumerate(zip(kinds, kms, strict=True))]


def test_exact_search_beats_site_first_greedy_on_a_constructed_case():
    # Reach 400 km. Greedy ends each section at the farthest *site* (n1 at 350 km), then needs 3 more;
    # the exact search regenerates at the hut at 400 km, then at the site at 790 km: 3 sections in all.
    kinds = ["site", "site", "hut", "hut", "site", "hut", "site"]
    kms = [0, 350, 400, 700, 790, 1000, 1150]
    nodes = _nodes(kinds, kms)

    def fits(i: int, j: int) -> tuple[bool, str]:
        ok = nodes[j].km - nodes[i].km <= 400
        return ok, "" if ok else "reach"

    greedy = place_regens(nodes, fits)
    exact = exact_sections(len(nodes), lambda i, j: (1.0,) if fits(i, j)[0] else None)
    assert exact is not None
    assert len(exact) < len(greedy)
    assert [(s.start, s.end) for s in greedy] == [(0, 1), (1, 3), (3, 4), (4, 6)]
    assert len(exact) == 3


def test_exact_search_never_needs_more_sections_than_greedy():
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(2, 14)
        kms = sorted(rng.uniform(0, 3000) for _ in range(n - 1))
        kms = [0.0, *kms]
        kinds = ["site"] + [rng.choice(["site", "hut"]) for _ in range(n - 2)] + ["site"]
        nodes = _nodes(kinds, kms)
        reach = rng.uniform(300, 1200)
        if any(b - a > reach for a, b in zip(kms, kms[1:], strict=False)):
            continue

        def fits(i: int, j: int, nodes=nodes, reach=reach) -> tuple[bool, str]:
            ok = nodes[j].km - nodes[i].km <= reach
            return ok, "" if ok else "reach"

        greedy = place_regens(nodes, fits)
        exact = exact_sections(n, lambda i, j, fits=fits: (1.0,) if fits(i, j)[0] else None)
        assert exact is not None and len(exact) <= len(greedy)


def _spec(write_spec, mode: str, **extra):
    return write_spec(
        {"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 0.8}], "optics": {"mode": mode},
         "gnpy_check": True, "regen_at": "sites+huts", **extra}
    )


def test_infeasible_section_is_an_error_naming_it(write_spec):
    # GNPy's ZR400G cannot close the 392 km Dallas-Houston section (regens at sites only) with 3 dB aging and
    # 2 dB system margin.
    spec = _spec(write_spec, "openzr-plus-400g", regen_at="sites")
    with pytest.raises(DesignError) as info:
        plan_corridor(spec)
    message = info.value.message
    assert "dallas -> houston" in message and "GNPy GSNR" in message and "openzr-plus-400g" in message
    assert "--allow-infeasible" in message


def test_allow_infeasible_writes_fail_marks(write_spec, cli, tmp_path):
    spec = _spec(write_spec, "openzr-plus-400g", regen_at="sites")
    code, _, err = cli("corridor", "plan", spec, "--json")
    assert code == 2 and "cannot close" in err
    code, out, _ = cli("corridor", "plan", spec, "--json", "--allow-infeasible")
    assert code == 0
    doc = json.loads(out)
    assert doc["feasible"] is False
    path = doc["demands"][0]["paths"][0]
    assert path["feasible"] is False and any(not s["feasible"] for s in path["sections"])
    code, _, _ = cli("corridor", "plan", spec, "--allow-infeasible", "--out", tmp_path / "out")
    assert code == 0
    md = (tmp_path / "out" / "rfp.md").read_text()
    assert "INFEASIBLE" in md and "**FAIL**" in md and "**FAIL: sections that cannot close:**" in md
    assert "FAIL" in (tmp_path / "out" / "rfp.csv").read_text()


def test_sys_margin_flag_changes_the_plan(write_spec, cli):
    spec = _spec(write_spec, "embedded-800g")
    docs = {}
    for margin in ("0", "2", "5"):
        code, out, err = cli("corridor", "plan", spec, "--json", "--sys-margin-db", margin, "--allow-infeasible")
        assert code == 0, err
        docs[margin] = json.loads(out)
    assert [docs[m]["sys_margin_db"] for m in ("0", "2", "5")] == [0, 2, 5]
    regens = [docs[m]["demands"][0]["paths"][0]["regens"] for m in ("0", "2", "5")]
    assert regens == sorted(regens) and regens[2] > regens[0]


def test_lower_rate_instead_of_a_regen(write_spec):
    # With 800G and 400G allowed, a path 800G cannot close alone drops to 400G rather than adding regens
    # when that needs fewer transponders.
    spec = write_spec(
        {"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 0.8}],
         "optics": {"modes": ["embedded-1200g", "embedded-800g", "embedded-400g"]}, "gnpy_check": True,
         "sys_margin_db": 4.5}
    )
    single = plan_corridor(spec).demands[0].paths[0]
    for m in ("embedded-1200g", "embedded-800g", "embedded-400g"):
        only = write_spec(
            {"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 0.8}], "optics": {"mode": m},
             "gnpy_check": True, "sys_margin_db": 4.5, "allow_infeasible": True},
            name=f"{m}.yaml",
        )
        other = plan_corridor(only).demands[0].paths[0]
        if other.feasible:
            assert single.transponders <= other.transponders


@pytest.mark.parametrize("spec_name", ["texas-triangle-nova.yaml", "texas-santa-clara.yaml"])
def test_gnpy_path_requests_on_the_exported_topology_agree_with_the_plan(spec_name):
    # Acceptance (issue 12): for every section of every path of the shipped specs, GNPy's own path request on the
    # exported topology (same mode, same system margin) agrees on feasibility and on GSNR within 0.2 dB.
    from corridor_helpers import CORRIDORS

    from aifabric.corridor.gnpy_check import equipment_json, path_requests
    from aifabric.export.gnpy_topology import gnpy_topology_document

    plan = plan_corridor(CORRIDORS / spec_name)
    topology = gnpy_topology_document(plan)
    used = sorted({p.mode for d in plan.demands for p in d.paths}, key=lambda m: m.id)
    checked = 0
    for mode in used:
        spacing = plan.spec.grid_ghz or mode.spacing_ghz
        equipment = equipment_json(used, mode, spacing, plan.spec.amplifiers, plan.sys_margin_db, plan.band.id)
        requests, expected = [], []
        for d in plan.demands:
            for p in d.paths:
                if p.mode != mode:
                    continue
                ids = [n.id for n in p.nodes]
                for s in p.sections:
                    inner = [n for n in p.nodes[ids.index(s.start) + 1 : ids.index(s.end)] if n.kind == "site"]
                    nodes = [f"roadm {s.start}", *(f"roadm {n.id}" for n in inner), f"roadm {s.end}"]
                    requests.append((f"trx {s.start}", f"trx {s.end}", nodes, mode))
                    expected.append(s)
        for s, result in zip(expected, path_requests(equipment, topology, requests, spacing, plan.sys_margin_db),
                             strict=True):
            assert result.feasible == s.feasible, (s.start, s.end)
            assert result.gsnr_db == pytest.approx(s.gsnr_db, abs=0.2), (s.start, s.end)
            checked += 1
    assert checked == sum(len(p.sections) for d in plan.demands for p in d.paths)
