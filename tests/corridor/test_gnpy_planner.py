"""GNPy as planner: system margin, calibrated catalog, exact regen search, loud infeasibility, estimates."""

from __future__ import annotations

import json
import math
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
    # 13 spans of 80 km close at the 2 dB margin and 14 do not (gnpy_reach_km 1,040); margin_db is the worst
    # channel's, gsnr_db the mean over channels, so they differ by the spread across the band.
    m = load_modes()["embedded-800g"]
    verdicts = []
    for spans in (13, 14):
        result = planner.path_request(m, (equal_spans(80.0, spans),))
        assert result.margin_db == pytest.approx(result.gsnr_db - result.penalty_db - m.required_osnr_db, abs=0.1)
        assert result.feasible == (result.margin_db >= 2.0)
        verdicts.append(result.feasible)
    assert verdicts == [True, False]


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
    # Dallas-Houston (392 km) closes in one section with a 6 dB margin: a 7 dB system margin needs a regen.
    for margin in ("0", "2", "7"):
        code, out, err = cli("corridor", "plan", spec, "--json", "--sys-margin-db", margin, "--allow-infeasible")
        assert code == 0, err
        docs[margin] = json.loads(out)
    assert [docs[m]["sys_margin_db"] for m in ("0", "2", "7")] == [0, 2, 7]
    regens = [docs[m]["demands"][0]["paths"][0]["regens"] for m in ("0", "2", "7")]
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


def _service(index: int, source: str, destination: str, nodes: list[str], mode, spacing_ghz: float) -> dict:
    """One GNPy path-request (GNPy's service JSON, as gnpy-path-request reads it): strict ROADM hops, our mode."""
    watts = 10 ** (mode.launch_power_dbm / 10) / 1000
    hops = [
        {"explicit-route-usage": "route-include-ero", "index": k,
         "num-unnum-hop": {"node-id": node, "link-tp-id": "link-tp-id is not used", "hop-type": "STRICT"}}
        for k, node in enumerate([*nodes, destination])
    ]
    return {
        "request-id": str(index), "source": source, "destination": destination, "src-tp-id": source,
        "dst-tp-id": destination, "bidirectional": False,
        "path-constraints": {"te-bandwidth": {
            "technology": "flexi-grid", "trx_type": "aifabric", "trx_mode": mode.id, "spacing": spacing_ghz * 1e9,
            "output-power": watts, "tx_power": watts,
            "max-nb-of-channel": None, "path_bandwidth": mode.line_rate_gbps * 1e9,
        }},
        "explicit-route-objects": {"route-object-include-exclude": hops},
    }


def test_gnpys_own_path_request_feasibility_agrees_with_the_plan():
    # GNPy's own decision, not ours: its service flow (gnpy.tools.worker_utils.planning, as gnpy-path-request runs
    # it: requests_from_json, compute_path_with_disjunction, propagate) on the exported topology, and its
    # remaining margin (Transceiver.calc_feasibility: snr_01nm - penalties - SI sys_margins - required OSNR, the
    # GSNR and the required OSNR both in 0.1 nm). Every planned section closes in GNPy; every section that skips a
    # planned regen is judged alike by GNPy and by the planner's verdict, and at least one of them fails.
    import copy

    import numpy as np
    from corridor_helpers import CORRIDORS
    from gnpy.tools.json_io import load_eqpt_topo_from_json
    from gnpy.tools.worker_utils import designed_network, planning
    from gnpy.topology.request import remaining_margin

    from aifabric.corridor.gnpy_check import _quiet_gnpy, equipment_json, path_requests
    from aifabric.export.gnpy_topology import gnpy_topology_document

    plan = plan_corridor(CORRIDORS / "texas-triangle-nova.yaml")
    (mode,) = {p.mode for d in plan.demands for p in d.paths}
    spacing = plan.spec.grid_ghz or mode.spacing_ghz
    topology = gnpy_topology_document(plan)
    equipment_doc = equipment_json([mode], mode, spacing, plan.spec.amplifiers, plan.sys_margin_db, plan.band.id)

    def roadms(path, start: str, end: str) -> list[str]:
        ids = [n.id for n in path.nodes]
        inner = [n for n in path.nodes[ids.index(start) + 1 : ids.index(end)] if n.kind == "site"]
        return [f"roadm {start}", *(f"roadm {n.id}" for n in inner), f"roadm {end}"]

    planned, skipping = {}, {}
    for d in plan.demands:
        for p in d.paths:
            for s in p.sections:
                planned.setdefault((s.start, s.end, tuple(roadms(p, s.start, s.end))), s)
            for first, second in zip(p.sections, p.sections[1:], strict=False):
                skipping.setdefault((first.start, second.end, tuple(roadms(p, first.start, second.end))), None)
    requests = [*planned, *skipping]
    services = {"path-request": [_service(i, f"trx {a}", f"trx {z}", list(nodes), mode, spacing)
                                 for i, (a, z, nodes) in enumerate(requests)]}
    with _quiet_gnpy():
        equipment, network = load_eqpt_topo_from_json(copy.deepcopy(equipment_doc), copy.deepcopy(topology))
        network, _, _ = designed_network(equipment, network)
        _, propagated, _, _, _, _ = planning(network, equipment, services)
    margins = [float(np.min(remaining_margin(path[-1]))) for path in propagated]
    gnpy_feasible = [m >= 0 for m in margins]
    ours = path_requests(equipment_doc, topology, [(f"trx {a}", f"trx {z}", list(n), mode) for a, z, n in requests],
                         spacing, plan.sys_margin_db)
    for key, margin, feasible, verdict in zip(requests, margins, gnpy_feasible, ours, strict=True):
        assert verdict.feasible == feasible, key
        assert verdict.margin_db - plan.sys_margin_db == pytest.approx(margin, abs=0.01), key
    for key, margin in zip(planned, margins, strict=False):
        assert margin >= 0 and planned[key].margin_db - plan.sys_margin_db == pytest.approx(margin, abs=0.2), key
    assert not all(gnpy_feasible[len(planned):])


def test_openzr_plus_400g_closes_a_98_km_section_and_roadms_equalize_per_slot_width():
    # One 98 km span between two ROADMs (25.6 dB with connectors and aging): GNPy's ZR400G closes it at the 2 dB
    # system margin once the ROADMs equalize power per slot width, as the launch does (it left 1.81 dB when every
    # ROADM put out -20 dBm per channel whatever the channel's width); two 80 km spans still do not close.
    from aifabric.corridor.gnpy_check import GnpyPlanner, roadm_equalization, run_path_request, section_topology

    modes = load_modes()
    zr_plus, wide = modes["openzr-plus-400g"], modes["embedded-800g"]
    planner = GnpyPlanner([zr_plus, wide], Amplifiers(), 2.0)
    one = planner.path_request(zr_plus, (equal_spans(98.0, 1),))
    assert one.feasible and one.margin_db > 2.0
    assert not planner.path_request(zr_plus, (equal_spans(80.0, 2),)).feasible
    # -20 dBm per 50 GHz of slot: GNPy's example point, 20 dB under the 0 dBm-per-50-GHz launch at every width.
    assert roadm_equalization()["target_out_mWperSlotWidth"] == pytest.approx(0.01 / 50)
    for mode in (zr_plus, wide):
        topology = section_topology((equal_spans(80.0, 1),), planner.model)
        path, _ = run_path_request(planner.equipment(mode), topology, "trx a", "trx z", ["roadm 00", "roadm end"],
                                   mode, planner.spacing_ghz(mode))
        booster = next(e for e in path if type(e).__name__ == "Edfa")
        # Launch 10 log10(spacing / 50 GHz) dBm, ROADM out 20 dB under it (GNPy adds the span's power offset).
        assert mode.launch_power_dbm == pytest.approx(10 * math.log10(planner.spacing_ghz(mode) / 50), abs=0.01)
        assert booster.effective_gain == pytest.approx(20.0, abs=0.6), mode.id
