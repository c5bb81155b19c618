"""The terms a buyer negotiates per demand: availability against the SLA, differential delay, fiber count, waves
by year and the TCO of each service type. Computed from a routed and sized demand; no I/O beyond the catalogs."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aifabric.corridor.availability import (
    DemandAvailability,
    PathAvailability,
    demand_availability,
    differential_delay_ms,
    nines,
    path_availability,
)
from aifabric.corridor.cost import (
    SERVICES,
    CorridorPriceBook,
    PathUse,
    SegmentMoney,
    ServiceCost,
    segment_money,
    service_costs,
    transponders_by_year,
)
from aifabric.corridor.darkfiber import (
    FiberCount,
    end_of_term_tbps,
    fiber_count,
    growth_years,
    segment_fibers_share,
    waves_by_year,
)
from aifabric.corridor.huts import hut_nodes
from aifabric.corridor.line_catalog import LineEquipment
from aifabric.corridor.optical import channels_per_pair


@dataclass(frozen=True)
class DemandTerms:
    """One demand's RFP terms: availability, differential delay, fibers per route, waves per year, costs."""

    availability: DemandAvailability
    differential_delay_ms: float
    shared_sites: tuple[str, ...]
    fibers: FiberCount
    waves_by_year: tuple[int, ...]
    costs: dict[str, ServiceCost]
    # Transponders bought in each year of the term (the year their wave is installed), all paths.
    transponders_by_year: tuple[int, ...] = ()

    def path(self, index: int) -> PathAvailability:
        """Return the availability of the demand's index-th path (0 working, 1 protect)."""
        return self.availability.paths[index]


def shared_intermediate_sites(site_lists: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Return the sites every path passes through between its ends (sorted): a 1+1 pair's common-mode sites."""
    if len(site_lists) < 2:
        return ()
    inner = [set(sites[1:-1]) for sites in site_lists]
    return tuple(sorted(set.intersection(*inner)))


def _path_mode(path, fallback):
    """Return a path's coherent mode: its own when the planner chose one per path, else the demand's."""
    return getattr(path, "mode", None) or fallback


def demand_terms(
    paths: Sequence,
    latencies_ms: Sequence[float],
    capacity_tbps: float,
    mode,
    band_width_thz: float,
    grid_ghz: float | None,
    spec,
    sla_percent: float | None,
    equipment: Mapping[str, LineEquipment],
    book: CorridorPriceBook,
    shared_sites: Sequence[str] | None = None,
    channels_at: Callable[[float], int] | None = None,
    scheme: str | None = None,
    hut_nodes: Mapping[str, LineEquipment] | None = None,
) -> DemandTerms:
    """Return a demand's RFP terms. `paths` are objects with `route` (sites, segments, km), `amplifiers`,
    `regen_sites` and optionally their own `mode` (else `mode`, the demand's). Each wave takes the spec's fixed
    `grid_ghz`, or its mode's spacing on a flexible grid (None); `shared_sites` are the sites both
    paths of a 1+1 pair pass through (the planner's diversity result; computed from the routes when not given);
    `channels_at(grid GHz)` counts a fiber pair's channels (a band's `channels`: whole channels per sub-band of
    C+L), else floor(band width / grid). `hut_nodes` maps each ILA hut to its amplifier node (the line system's
    type there), which prices the hut's amplifiers and gives their FIT; without it every hut is the `ila` node."""
    shared = tuple(shared_sites) if shared_sites is not None else shared_intermediate_sites(
        [p.route.sites for p in paths]
    )
    cut_rate = spec.availability.cut_rate_per_1000km_yr
    huts = [_path_huts(p, hut_nodes) for p in paths]
    path_terms = tuple(
        path_availability(
            p.route.km,
            cut_rate,
            spec.availability.mttr_h,
            p.amplifiers if nodes is None else nodes,
            len(set(p.route.sites[1:-1]) - set(shared)),
            len(p.regen_sites),
            equipment,
        )
        for p, nodes in zip(paths, huts, strict=True)
    )
    availability = demand_availability(path_terms, len(shared), equipment, sla_percent, scheme,
                                       spec.availability.restoration_s)
    uses, counts = [], []
    # Each path of an n-path split carries capacity / (N - 1).
    if scheme == "n-path" and len(paths) > 2:
        capacity_tbps = capacity_tbps / (len(paths) - 1)
    for p, nodes in zip(paths, huts, strict=True):
        path_mode = _path_mode(p, mode)
        rate = path_mode.line_rate_gbps
        slot_ghz = grid_ghz if grid_ghz is not None else path_mode.spacing_ghz
        channels = channels_at(slot_ghz) if channels_at is not None else channels_per_pair(band_width_thz, slot_ghz)
        waves = tuple(waves_by_year(capacity_tbps, spec.growth_cagr, spec.term_years, rate))
        uses.append(PathUse(p.route.km, p.amplifiers, len(p.regen_sites), rate, slot_ghz, waves,
                            () if nodes is None else tuple(e.id for e in nodes)))
        counts.append(fiber_count(capacity_tbps, spec.growth_cagr, growth_years(spec.term_years), channels, rate,
                                  spec.spare_fiber_fraction))
    # Both routes of a 1+1 pair get the same count: the larger one, when their modes differ.
    fibers = max(counts, key=lambda c: (c.fibers, c.lit_pairs))
    services = SERVICES if spec.service == "compare" else (spec.service,)
    costs = service_costs(book, services, uses, fibers.fibers, fibers.lit_pairs, spec.term_years,
                          spec.om_escalator)
    return DemandTerms(availability, differential_delay_ms(latencies_ms), shared, fibers, uses[0].waves, costs,
                       tuple(transponders_by_year(uses)))


def _path_huts(path, hut_nodes: Mapping[str, LineEquipment] | None) -> list[LineEquipment] | None:
    """Return the amplifier node of each ILA hut a path passes (its nodes that are not sites), or None when the
    line system does not name every one."""
    if hut_nodes is None:
        return None
    ids = [n.id for n in getattr(path, "nodes", ()) if n.kind != "site"]
    if len(ids) != path.amplifiers or any(i not in hut_nodes for i in ids):
        return None
    return [hut_nodes[i] for i in ids]


def hut_lit_pairs(lit_pairs: int, pairs_at_hut: int, fiber_pairs: int) -> int:
    """Return the end-of-term pairs an ILA hut amplifies: the segment's lit pairs, on a piece cut at a ROADM hut
    scaled by the share of the segment's planned pairs that piece lights (`SegmentPlan.pairs_at_hut`)."""
    if fiber_pairs <= 0 or pairs_at_hut >= fiber_pairs:
        return lit_pairs
    return max(1, math.ceil(lit_pairs * pairs_at_hut / fiber_pairs - 1e-9))


def prices_path(spec_path, spec):
    """Return the corridor price book's path: the spec's `prices` (relative to the spec file), else the shipped
    INDICATIVE one."""
    from aifabric.corridor.cost import default_corridor_prices_path

    if spec.prices is None:
        return default_corridor_prices_path()
    candidate = Path(spec.prices)
    return candidate if candidate.is_absolute() else Path(spec_path).parent / candidate


@dataclass(frozen=True)
class CorridorTerms:
    """The RFP terms of every demand, with the price book and line-equipment catalog they came from."""

    demands: dict[str, DemandTerms]
    book: CorridorPriceBook
    equipment: dict[str, LineEquipment]
    # Per segment: (end-of-term waves, lit pairs, spare pairs, fibers to order, cable size).
    segments: dict[str, tuple[int, int, int, int, int | None]]
    # Per segment: its dark-fiber IRU line (empty when the price book lacks a dark-fiber price).
    segment_money: dict[str, SegmentMoney] = field(default_factory=dict)
    term_years: int = 10

    def totals(self) -> dict[str, float | None]:
        """Return the corridor's totals per service over the term, USD: dark fiber per segment (each shared
        segment paid once) plus every path's transponders; waves and spectrum summed over demands (priced per
        wave-km, nothing shared); the per-demand dark-fiber sum, for comparison (it pays shared segments again)."""
        def summed(service: str) -> float | None:
            costs = [t.costs.get(service) for t in self.demands.values()]
            return None if any(c is None for c in costs) else float(sum(c.total_usd for c in costs))

        dark = None
        if self.segment_money and all("dark-fiber" in t.costs for t in self.demands.values()):
            transponders = sum(t.costs["dark-fiber"].items["transponders"] for t in self.demands.values())
            dark = float(round(sum(m.total_usd for m in self.segment_money.values()) + transponders))
        return {
            "dark_fiber_usd": dark,
            "spectrum_usd": summed("spectrum"),
            "waves_usd": summed("waves"),
            "dark_fiber_per_demand_usd": summed("dark-fiber"),
        }


def corridor_terms(
    spec_path, spec, catalog_dir, demand_plans, channels: int, slot_ghz: float, book: CorridorPriceBook | None = None,
    network=None, spans=None, line_system: dict | None = None, segment_plans=None,
) -> CorridorTerms:
    """Return the RFP terms of every planned demand (availability, delay, fibers, waves by year, costs).

    `channels` and `slot_ghz` are the plan's channels per pair and grid; with no fixed `grid_ghz` in the spec each
    wave takes its own mode's spacing (flexible grid) out of the band's width. `book` is the price book when the
    caller has loaded it already (else the spec's, or the shipped one). With the plan's `line_system` and
    `segment_plans`, each hut's amplifier node is the line system's type there, priced per pair it amplifies, with
    that type's FIT."""
    from aifabric.corridor.catalog import band, load_bands
    from aifabric.corridor.cost import load_corridor_prices
    from aifabric.corridor.line_catalog import equipment_by_role, load_line_equipment

    catalog = load_line_equipment(catalog_dir)
    equipment = equipment_by_role(catalog)
    if book is None:
        book = load_corridor_prices(prices_path(spec_path, spec))
    chosen_band = band(load_bands(catalog_dir), spec.band)
    band_width_thz = chosen_band.width_thz
    node_ids = hut_nodes(line_system, catalog) if line_system is not None else None
    nodes = None if node_ids is None else {hut: catalog[entry] for hut, entry in node_ids.items()}
    demands = {}
    for d in demand_plans:
        diversity = getattr(d, "diversity", None)
        demands[d.demand.demand_id] = demand_terms(
            d.paths, [p.latency_ms for p in d.paths], d.demand.capacity_tbps, d.mode, band_width_thz, spec.grid_ghz,
            spec, demand_sla(spec, d.demand), equipment, book,
            diversity.shared_sites if diversity is not None else None, chosen_band.channels, d.demand.protection,
            nodes,
        )
    eot_waves: dict[str, int] = {}
    # Fiber pairs each segment's end-of-term waves fill: a wave takes 1 / channels per pair of its mode, the same
    # channel count the demands are sized with (a flexgrid pair holds whole channels of a mode, not GHz / spacing).
    eot_pairs: dict[str, float] = {}
    for d in demand_plans:
        eot_tbps = end_of_term_tbps(d.demand.capacity_tbps, spec.growth_cagr, growth_years(spec.term_years))
        if d.demand.protection == "n-path" and len(d.paths) > 2:
            eot_tbps /= len(d.paths) - 1
        for p in d.paths:
            path_mode = _path_mode(p, d.mode)
            waves = math.ceil(eot_tbps * 1000.0 / path_mode.line_rate_gbps - 1e-9)
            per_pair = chosen_band.channels(spec.grid_ghz if spec.grid_ghz is not None else path_mode.spacing_ghz)
            for seg_id in p.route.segments:
                eot_waves[seg_id] = eot_waves.get(seg_id, 0) + waves
                eot_pairs[seg_id] = eot_pairs.get(seg_id, 0.0) + waves / per_pair
    segments = {
        seg_id: (waves, *segment_fibers_share(eot_pairs[seg_id], spec.spare_fiber_fraction))
        for seg_id, waves in sorted(eot_waves.items())
    }
    money = {}
    if network is not None and spans is not None:
        plans = {s.segment_id: s for s in segment_plans or ()}
        for seg_id, (_, lit, _spare, fibers, _cable) in segments.items():
            hut_pairs = None
            if node_ids is not None and seg_id in plans:
                s = plans[seg_id]
                hut_pairs = [(node_ids.get(h.id, "ila-amplifier"), hut_lit_pairs(lit, s.pairs_at_hut(h.index),
                                                                                  s.fiber_pairs))
                             for h in spans[seg_id].huts]
            line = segment_money(book, seg_id, network.segments[seg_id].length_km, fibers, lit,
                                 len(spans[seg_id].huts), spec.term_years, spec.om_escalator, hut_pairs)
            if line is not None:
                money[seg_id] = line
    return CorridorTerms(demands, book, dict(catalog), segments, money, spec.term_years)


def demand_sla(spec, demand) -> float | None:
    """Return the SLA a demand is judged against: its own `sla`, else the spec's for protected demands
    (`availability.sla`) or for unprotected ones (`availability.sla_unprotected`)."""
    if demand.sla is not None:
        return demand.sla
    return spec.availability.sla if demand.protected else spec.availability.sla_unprotected


def _r(value: float, digits: int) -> float:
    return round(value, digits)


def terms_json(terms: DemandTerms) -> dict:
    """Return the demand keys the RFP terms add to `corridor plan --json` (availability, delay, fibers, cost)."""
    a = terms.availability
    f = terms.fibers
    return {
        "availability": {
            "value": _r(a.availability, 8),
            "percent": _r(100 * a.availability, 6),
            "nines": _r(min(nines(a.availability), 99.0), 2),
            "minutes_per_year": _r(a.minutes_per_year, 2),
            "sla": a.sla_percent,
            "meets_sla": a.meets_sla,
            "common_mode_unavailability": {k: _r(v, 10) for k, v in a.common_terms.items()},
            "shared_sites": list(terms.shared_sites),
            "switching_ms": a.switching_ms,
        },
        "differential_delay_ms": _r(terms.differential_delay_ms, 3),
        "fibers": f.fibers,
        "fiber_sizing": {
            "end_of_term_tbps": _r(f.end_of_term_tbps, 2),
            "pair_capacity_tbps": _r(f.pair_capacity_tbps, 2),
            "lit_pairs": f.lit_pairs,
            "spare_pairs": f.spare_pairs,
            "fibers_per_route": f.fibers,
            "cable_fibers": f.cable_fibers,
            "why": f.why(),
        },
        "waves_by_year": list(terms.waves_by_year),
        "transponders_by_year": list(terms.transponders_by_year),
        "cost": {service: cost.to_json() for service, cost in terms.costs.items()},
    }


def path_terms_json(path: PathAvailability) -> dict:
    """Return the path keys the RFP terms add: cuts per year, unavailability and its terms."""
    return {
        "cuts_per_year": _r(path.cuts_per_year, 4),
        "unavailability": _r(path.unavailability, 10),
        "unavailability_terms": {k: _r(v, 10) for k, v in path.terms.items()},
    }


def add_terms_json(doc: dict, plan) -> dict:
    """Return the `corridor plan --json` document with the RFP keys added (contract: keys are only added)."""
    if plan.terms is None:
        return doc
    spec = plan.spec
    doc["term_years"] = spec.term_years
    doc["growth_cagr"] = spec.growth_cagr
    doc["service"] = spec.service
    doc["availability_inputs"] = {
        "cut_rate_per_1000km_yr": spec.availability.cut_rate_per_1000km_yr,
        "mttr_h": spec.availability.mttr_h,
        "sla": spec.availability.sla,
    }
    doc["prices"] = {"file": Path(plan.terms.book.file).name,
                     "indicative": plan.terms.book.indicative}
    doc["om_escalator"] = spec.om_escalator
    doc["delivery"] = spec.delivery.model_dump(mode="json")
    doc["money"] = {
        "segments": {seg_id: m.to_json() for seg_id, m in plan.terms.segment_money.items()},
        "totals": plan.terms.totals(),
    }
    for demand_plan, demand in zip(plan.demands, doc["demands"], strict=True):
        terms = plan.terms.demands[demand["id"]]
        demand.update(terms_json(terms))
        demand.update(buyer_terms_json(plan, demand_plan, terms))
        for index, path in enumerate(demand["paths"]):
            path.update(path_terms_json(terms.path(index)))
            p = demand_plan.paths[index]
            path["slots"] = plan.section_slots(demand_plan, p, 0)
            for number, section in enumerate(path["sections"]):
                section["slots"] = plan.section_slots(demand_plan, p, number)
            path.update(rfp_path_terms(plan, demand_plan, p, terms.path(index)))
    for segment in doc["segments"]:
        facts = plan.facts.get(segment["id"])
        segment["fiber"] = facts.fiber.id if facts is not None and facts.fiber is not None else "g652d"
        segment["as_built"] = facts is not None
        segment["measured_km"] = None if facts is None else facts.length_km
        eot, lit, spare, fibers, cable = plan.terms.segments[segment["id"]]
        segment["end_of_term_waves"] = eot
        segment["fibers"] = fibers
        segment["fiber_sizing"] = {"lit_pairs": lit, "spare_pairs": spare, "cable_fibers": cable}
    return doc


# Client handoff per Ethernet rate when the spec names none: the IEEE 802.3 single-mode PMD a carrier hands off at
# that rate and its connector (IEEE 802.3ba 100GBASE-LR4, 802.3bs 200GBASE-FR4, 802.3cu 400GBASE-FR4, 802.3df
# 800GBASE-DR8 on an MPO-16); a wave above 800G is handed off as several 800G or 400G clients.
CLIENT_HANDOFFS = {
    800: ("800GBASE-DR8 (IEEE 802.3df)", "MPO-16 APC single-mode"),
    400: ("400GBASE-FR4 (IEEE 802.3cu)", "LC duplex single-mode"),
    200: ("200GBASE-FR4 (IEEE 802.3bs)", "LC duplex single-mode"),
    100: ("100GBASE-LR4 (IEEE 802.3ba)", "LC duplex single-mode"),
}


def handoff(spec, demand, rate_gbps: float) -> dict:
    """Return the handoff at each end of a demand's waves: the demand's or the spec's `handoff`, else the IEEE
    802.3 client of the largest Ethernet rate that divides the line rate, one or several per wave."""
    given = demand.handoff or spec.handoff
    if given is not None:
        return {"interface": given.interface, "connector": given.connector, "clients_per_wave": None,
                "from": "spec"}
    for client, (interface, connector) in CLIENT_HANDOFFS.items():
        if rate_gbps >= client and rate_gbps % client == 0:
            return {"interface": interface, "connector": connector,
                    "clients_per_wave": int(rate_gbps // client), "from": "line rate"}
    interface, connector = CLIENT_HANDOFFS[100]
    return {"interface": interface, "connector": connector, "clients_per_wave": max(1, int(rate_gbps // 100)),
            "from": "line rate"}


def demand_tiers(tiers, sla_percent: float | None) -> list[tuple[float, float]]:
    """Return the credit tiers that apply to a demand: those at or below its SLA (a demand that meets its SLA
    earns no credit); none without an SLA."""
    if sla_percent is None:
        return []
    return [(below, credit) for below, credit in tiers if below <= sla_percent + 1e-9]


def credit_percent(tiers, availability_percent: float, sla_percent: float | None = 100.0) -> float:
    """Return the SLA credit (percent of the monthly charge) of an availability: the lowest tier at or below the
    SLA that it falls below, 0 when it falls below none."""
    credit = 0.0
    for below, tier_credit in demand_tiers(tiers, sla_percent):
        if round(availability_percent, 9) < below:
            credit = tier_credit
    return credit


def buyer_terms_json(plan, demand_plan, terms: DemandTerms) -> dict:
    """Return the buyer's commercial terms of one demand: protection scheme, SLA credits, MTTR, handoff, and
    whether it meets its own latency limit and SLA."""
    spec = plan.spec
    demand = demand_plan.demand
    a = terms.availability
    scheme = {"scheme": demand.protection, "paths": len(demand_plan.paths), "switching_ms": a.switching_ms,
              "restoration_s": spec.availability.restoration_s if demand.protection == "restoration" else None,
              "per_path_share": round(1.0 / (len(demand_plan.paths) - 1), 4)
              if demand.protection == "n-path" else 1.0}
    misses = [what for index, _field, what in plan.missed_terms()
              if spec.demands[index].demand_id == demand.demand_id]
    return {
        "protection_scheme": scheme,
        "sla_terms": {
            "sla": a.sla_percent,
            "credit_tiers": [{"below_percent": below, "credit_percent_of_mrc": credit}
                             for below, credit in demand_tiers(spec.availability.credit_tiers, a.sla_percent)],
            "expected_credit_percent_of_mrc": credit_percent(spec.availability.credit_tiers,
                                                             100.0 * a.availability, a.sla_percent),
            "mttr_h": spec.availability.mttr_h,
            "chronic_outages_per_12_months": spec.availability.chronic_outages_per_12_months,
        },
        "handoff": handoff(spec, demand, demand_plan.mode.line_rate_gbps),
        "meets_terms": not misses,
        "missed_terms": misses,
    }


def rfp_path_terms(plan, demand_plan, path, availability: PathAvailability) -> dict:
    """Return the per-path RFP commitments: round-trip delay to commit to, expected outages a year and whether
    they make the path chronic, and the alien-wave parameters (ITU-T G.698.2 style black-link interface) a
    spectrum buyer's transponders must meet."""
    spec = plan.spec
    mode = path.mode or demand_plan.mode
    threshold = spec.availability.chronic_outages_per_12_months
    width = (spec.grid_ghz if spec.grid_ghz is not None else mode.slots * 12.5)
    return {
        # Committed round trip: the computed one rounded up to the next 0.1 ms.
        "rtt_commit_ms": math.ceil(round(2 * path.latency_ms, 6) * 10) / 10,
        "expected_outages_per_year": round(availability.failures_per_year, 3),
        "chronic": availability.failures_per_year >= threshold,
        "alien_wave": {
            "standard": "ITU-T G.698.2 black-link (single-channel interface at the carrier's ROADM add/drop)",
            "channel_width_ghz": width,
            "baud_gbd": mode.baud_gbd,
            "modulation": mode.modulation,
            "launch_power_dbm": mode.launch_power_dbm,
            "min_tx_osnr_db": mode.tx_osnr_db,
            "required_osnr_db": mode.required_osnr_db,
            "min_rx_osnr_db": round(mode.required_osnr_db + plan.sys_margin_db, 2),
            "worst_gsnr_db": None if path.gsnr_db is None or not math.isfinite(path.gsnr_db)
            else round(path.gsnr_db, 2),
        },
    }
