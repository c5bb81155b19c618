"""Corridor planning: route every demand, size its optics, check it with GNPy, and total the corridor."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aifabric.corridor.asbuilt import (
    SegmentFacts,
    apply_lengths,
    min_us_per_km,
    propagation_ms,
    resolve_as_built,
    spans_as_built,
)
from aifabric.corridor.catalog import Band, CoherentMode, band, load_bands, load_modes, mode
from aifabric.corridor.commercial import CorridorTerms, add_terms_json, corridor_terms, prices_path
from aifabric.corridor.cost import load_corridor_prices, transponder_prices
from aifabric.corridor.gnpy_check import MULTIBAND_AMP, band_edges_hz, multiband
from aifabric.corridor.line_catalog import load_fibers
from aifabric.corridor.network import Network, great_circle_km, load_network
from aifabric.corridor.optical import (
    PathNode,
    SegmentSpans,
    exact_sections,
    path_nodes,
    section_units,
    span_limit_km,
    waves_for,
)
from aifabric.corridor.route import Route, build_graph, diverse_pair, diverse_paths, shortest
from aifabric.errors import AifabricError, DesignError, RoutingError, SpecError, SpecErrors
from aifabric.spec.corridor import CorridorSpec, Demand, load_corridor_spec_with_lines, network_path
from aifabric.units import FIBER_US_PER_KM, km_to_latency_ms

# A regen is a back-to-back transponder pair: its signal passes two DSPs (receive, then transmit).
DSP_PASSES_PER_REGEN = 2
# The two terminal transponders of a path each add one DSP pass.
DSP_PASSES_TERMINALS = 2


@dataclass(frozen=True)
class SectionPlan:
    """One regenerator section of a path: ends, fiber km, spans, GNPy GSNR and margin."""

    start: str
    end: str
    km: float
    spans: int
    gsnr_db: float | None
    margin_db: float | None
    end_reason: str
    penalty_db: float | None = None
    feasible: bool = True
    express_roadms: tuple[str, ...] = ()
    # GNPy's mean GSNR per band (C, or L and C on the multiband model); gsnr_db is the worse band's.
    band_gsnr_db: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class PathPlan:
    """A working or protect path of a demand, sized and checked: its mode, waves, regens and sections."""

    role: str
    route: Route
    nodes: tuple[PathNode, ...]
    sections: tuple[SectionPlan, ...]
    regen_sites: tuple[str, ...]
    regen_reasons: tuple[str, ...]
    latency_ms: float
    amplifiers: int
    srlgs: tuple[str, ...]
    routes: tuple[str, ...]
    mode: CoherentMode | None = None
    waves: int = 0
    sys_margin_db: float = 0.0
    # Intermediate sites the signal passes optically (through an express ROADM), not regenerated.
    express_roadms: tuple[str, ...] = ()
    # What the mode and regen search minimised: "price" (transponders x the price book's price per transponder
    # of each mode's rate) or "count" (transponders, when some allowed mode has no price), and the price per
    # transponder of the chosen mode (USD) when priced.
    objective: str = "count"
    transponder_usd: float | None = None

    @property
    def feasible(self) -> bool:
        """Return True when every section closes with the system margin."""
        return all(s.feasible for s in self.sections)

    @property
    def transponders(self) -> int:
        """Return the transponders the path needs: 2 per wave per section (terminals and back-to-back regens)."""
        return 2 * self.waves * len(self.sections)

    @property
    def transponders_usd(self) -> float | None:
        """Return transponders x the chosen mode's price per transponder (USD), or None when not priced."""
        return None if self.transponder_usd is None else self.transponders * self.transponder_usd

    @property
    def gsnr_db(self) -> float | None:
        """Return the worst section GSNR (0.1 nm), or None when GNPy was not run."""
        values = [s.gsnr_db for s in self.sections if s.gsnr_db is not None]
        return min(values) if values else None

    @property
    def margin_db(self) -> float | None:
        """Return the worst section margin over the required OSNR, or None when GNPy was not run."""
        values = [s.margin_db for s in self.sections if s.margin_db is not None]
        return min(values) if values else None


@dataclass(frozen=True)
class Diversity:
    """What the two paths of a 1+1 demand share: intermediate sites, segments and SRLGs (ideally nothing)."""

    level: str
    shared_sites: tuple[str, ...]
    shared_segments: tuple[str, ...]
    shared_srlgs: tuple[str, ...]
    # Sites in one building (network `building` property) used by both paths, as "building: site, site".
    shared_buildings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the `diversity` object of a demand in `corridor plan --json`."""
        return {
            "level": self.level,
            "shared_sites": list(self.shared_sites),
            "shared_segments": list(self.shared_segments),
            "shared_srlgs": list(self.shared_srlgs),
            "shared_buildings": list(self.shared_buildings),
        }


@dataclass(frozen=True)
class DemandPlan:
    """A demand with its mode, waves, latency floor and its planned paths."""

    demand: Demand
    mode: CoherentMode
    waves: int
    great_circle_km: float
    floor_latency_ms: float
    paths: tuple[PathPlan, ...]
    diversity: Diversity | None = None
    # The modes the demand was allowed (the search chose among them per path).
    allowed: tuple[CoherentMode, ...] = ()

    @property
    def latency_ok(self) -> bool:
        """Return True when every path meets the demand's one-way latency limit (or it has none)."""
        limit = self.demand.max_latency_ms
        return limit is None or all(p.latency_ms <= limit for p in self.paths)


@dataclass(frozen=True)
class SegmentPlan:
    """A segment carrying traffic: its spans and huts, the waves crossing it and the fiber pairs they need."""

    segment_id: str
    spans: SegmentSpans
    waves: int
    fiber_pairs: int
    demands: tuple[str, ...]
    slots_used: int = 0
    # Fiber pairs lit on each piece of the segment (cut at ROADM huts), and the indexes of those huts.
    piece_pairs: tuple[int, ...] = ()
    cuts: tuple[int, ...] = ()

    def pairs_at_hut(self, index: int) -> int:
        """Return the fiber pairs an in-line amplifier hut (1-based index from the a end) amplifies: its piece's,
        or the larger of the two pieces a ROADM hut joins."""
        if not self.piece_pairs:
            return self.fiber_pairs
        piece = sum(1 for c in self.cuts if c < index)
        if index in self.cuts:
            return max(self.piece_pairs[piece], self.piece_pairs[piece + 1])
        return self.piece_pairs[piece]


@dataclass
class CorridorPlan:
    """The whole corridor plan; `to_json()` gives the `corridor plan --json` document."""

    name: str
    spec: CorridorSpec
    network: Network
    band: Band
    grid_ghz: float
    channels_per_pair: int
    span_limit_km: float
    demands: list[DemandPlan]
    segments: list[SegmentPlan]
    gnpy_version: str | None
    assumptions: list[str] = field(default_factory=list)
    sys_margin_db: float = 0.0
    allow_infeasible: bool = False
    slots_per_pair: int = 0
    # RFP terms per demand (availability, fibers, costs) and the as-built facts per segment.
    terms: CorridorTerms | None = None
    facts: dict[str, SegmentFacts] = field(default_factory=dict)
    # ILA huts that hold a ROADM: where a regen stands (`settle_roadm_huts`).
    roadm_huts: frozenset[str] = frozenset()
    # The price book the search read transponder prices from (file name), and the price per transponder (USD) of
    # each allowed mode it prices.
    price_book: str | None = None
    prices: dict[str, float] = field(default_factory=dict)
    # The catalog directory the plan read, and the line system: the amplifier after every span (line_system.py).
    catalog_dir: str | None = None
    line_system: dict[str, Any] = field(default_factory=dict)
    # The first-fit spectrum assignment: per lightpath "demand/role/section", its channels' first slot and pairs.
    assignment: Any = None

    def section_slots(self, d: DemandPlan, p: PathPlan, index: int) -> list[list[int]]:
        """Return the ITU-T G.694.1 [n, m] of every wave of a path's index-th section, lowest frequency first."""
        if self.assignment is None:
            return []
        from aifabric.corridor.catalog import SLOT_GHZ

        mode = p.mode or d.mode
        width = math.ceil(self.spec.grid_ghz / SLOT_GHZ - 1e-9) if self.spec.grid_ghz is not None else mode.slots
        channels = self.assignment.channels.get(f"{d.demand.demand_id}/{p.role}/{index}", [])
        # Waves of a section are interchangeable: listed by frequency.
        return sorted(slots_json(self.band, start, width) for start, _ in channels)

    def objective(self) -> dict[str, Any]:
        """Return what the regen and mode search minimised: {"objective": "price" | "count" | "mixed",
        "price_book": file name, "unpriced_rates_gbps": rates of allowed modes without a transponder price}."""
        kinds = {p.objective for d in self.demands for p in d.paths}
        unpriced = sorted({m.line_rate_gbps for d in self.demands for m in d.allowed if m.id not in self.prices})
        return {
            "objective": kinds.pop() if len(kinds) == 1 else "mixed",
            "price_book": self.price_book,
            "unpriced_rates_gbps": unpriced,
        }

    def missed_terms(self) -> list[tuple[int, str, str]]:
        """Return (demand index, field, what it misses) per demand that misses its latency limit or SLA."""
        return [] if self.terms is None else missed_terms(self.spec, self.demands, self.terms)

    @property
    def feasible(self) -> bool:
        """Return True when every section of every path closes with the system margin."""
        return all(p.feasible for d in self.demands for p in d.paths)

    def totals(self) -> dict[str, Any]:
        """Return the corridor totals: route km, waves, amplifier and regen sites, transponders."""
        regen_sites = sorted({site for d in self.demands for p in d.paths for site in p.regen_sites})
        return {
            "route_km": round(sum(self.network.segments[s.segment_id].length_km for s in self.segments), 1),
            "waves": sum(d.waves for d in self.demands),
            "amplifier_sites": sum(len(s.spans.huts) for s in self.segments),
            "regen_sites": len(regen_sites),
            "transponders": sum(p.transponders for d in self.demands for p in d.paths),
            "fiber_pair_km": round(
                sum(s.fiber_pairs * self.network.segments[s.segment_id].length_km for s in self.segments), 1
            ),
            **(self.terms.totals() if self.terms is not None else {}),
        }

    def to_json(self) -> dict[str, Any]:
        """Return the plan as the `corridor plan --json` contract document (plus extra keys)."""
        return add_terms_json(self._core_json(), self)

    def _core_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "network": {
                "file": Path(self.network.file).name,
                "kind": self.network.kind,
                "sites": len(self.network.sites),
                "segments": len(self.network.segments),
            },
            "band": self.band.id,
            "grid_ghz": self.grid_ghz,
            "channels_per_fiber_pair": self.channels_per_pair,
            "span_limit_km": round(self.span_limit_km, 1),
            "gnpy": {"checked": self.gnpy_version is not None, "version": self.gnpy_version},
            "sys_margin_db": self.sys_margin_db,
            "optics_objective": self.objective(),
            "feasible": self.feasible,
            "buyer_terms_ok": not self.missed_terms(),
            "demands": [_demand_json(d) for d in self.demands],
            "segments": [_segment_json(self, s) for s in self.segments],
            "spectrum": {
                s.segment_id: {"fiber_pairs": s.fiber_pairs, "slots_used": s.slots_used,
                               "piece_fiber_pairs": list(s.piece_pairs), "roadm_huts": list(s.cuts)}
                for s in self.segments
            },
            "slots_per_fiber_pair": self.slots_per_pair,
            "line_system": self.line_system,
            "totals": self.totals(),
            "assumptions": list(self.assumptions),
        }


def _r(value: float | None, digits: int) -> float | None:
    # A penalty beyond a mode's CD/PMD tolerance is infinite in GNPy; JSON has no infinity, so it is null.
    return None if value is None or not math.isfinite(value) else round(value, digits)


def _demand_json(d: DemandPlan) -> dict[str, Any]:
    return {
        "id": d.demand.demand_id,
        "a": d.demand.a,
        "z": d.demand.z,
        "capacity_tbps": d.demand.capacity_tbps,
        "protection": d.demand.protection,
        "mode": d.mode.id,
        "rate_gbps": d.mode.line_rate_gbps,
        "waves": d.waves,
        "max_latency_ms": d.demand.max_latency_ms,
        "latency_ok": d.latency_ok,
        "great_circle_km": round(d.great_circle_km, 1),
        "floor_latency_ms": round(d.floor_latency_ms, 3),
        "diversity": None if d.diversity is None else d.diversity.to_json(),
        "paths": [_path_json(d, p) for p in d.paths],
    }


def _path_json(d: DemandPlan, p: PathPlan) -> dict[str, Any]:
    mode = p.mode or d.mode
    return {
        "role": p.role,
        "sites": list(p.route.sites),
        "segments": list(p.route.segments),
        "km": round(p.route.km, 1),
        "latency_ms": round(p.latency_ms, 3),
        "rtt_ms": round(2 * p.latency_ms, 3),
        "stretch": round(p.route.km / d.great_circle_km, 3),
        "mode": mode.id,
        "rate_gbps": mode.line_rate_gbps,
        "waves": p.waves,
        "transponders": p.transponders,
        "objective": p.objective,
        "transponder_usd": p.transponder_usd,
        "transponders_usd": None if p.transponders_usd is None else round(p.transponders_usd),
        "sys_margin_db": p.sys_margin_db,
        "feasible": p.feasible,
        "amplifiers": p.amplifiers,
        "regens": len(p.regen_sites),
        "regen_sites": [
            {"site": r, "kind": "site" if r in p.route.sites else "hut"} for r in p.regen_sites
        ],
        "regen_reasons": list(p.regen_reasons),
        "express_roadms": list(p.express_roadms),
        "gsnr_db": _r(p.gsnr_db, 2),
        "margin_db": _r(p.margin_db, 2),
        "srlgs": list(p.srlgs),
        "routes": list(p.routes),
        "sections": [
            {
                "from": s.start,
                "to": s.end,
                "km": round(s.km, 1),
                "spans": s.spans,
                "gsnr_db": _r(s.gsnr_db, 2),
                "penalty_db": _r(s.penalty_db, 2),
                "margin_db": _r(s.margin_db, 2),
                "feasible": s.feasible,
                "express_roadms": list(s.express_roadms),
                "gsnr_db_by_band": {b: _r(v, 2) for b, v in s.band_gsnr_db},
            }
            for s in p.sections
        ],
    }


def _segment_json(plan: CorridorPlan, s: SegmentPlan) -> dict[str, Any]:
    seg = plan.network.segments[s.segment_id]
    return {
        "id": seg.id,
        "a": seg.a,
        "z": seg.z,
        "route": seg.route,
        "srlg": list(seg.srlg),
        "km": round(seg.length_km, 1),
        "geodesic_km": round(seg.geodesic_km, 1),
        "waves": s.waves,
        "fiber_pairs": s.fiber_pairs,
        "amplifiers": len(s.spans.huts),
        "spans": s.spans.spans,
        "span_km": round(s.spans.span_km, 1),
        "span_loss_db": round(s.spans.span_loss_db, 1),
        "demands": list(s.demands),
    }


def plan_corridor(
    spec_path: str | Path,
    catalog_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    sys_margin_db: float | None = None,
    allow_infeasible: bool | None = None,
    diversity: str | None = None,
) -> CorridorPlan:
    """Return the corridor plan for a spec file: routes, spans, huts, modes, regens, spectrum, GSNR.

    The keyword arguments override the spec's `sys_margin_db`, `allow_infeasible` and `diversity`. Raises
    DesignError naming the section when a section cannot close with any allowed mode (unless infeasible
    sections are allowed, then they are marked in the plan).
    """
    spec, lines = load_corridor_spec_with_lines(spec_path)
    overrides = {
        k: v
        for k, v in (("sys_margin_db", sys_margin_db), ("allow_infeasible", allow_infeasible), ("diversity", diversity))
        if v is not None
    }
    if overrides:
        spec = _with_overrides(spec, overrides)
    file = str(spec_path)
    network = load_network(network_path(spec_path, spec, lines), slack=spec.slack)
    # As-built facts (OTDR length, huts, span losses, fiber type) override the geodesic estimate before routing.
    facts = resolve_as_built(spec.as_built, network, load_fibers(catalog_dir), file, lines)
    network = apply_lengths(network, facts)
    modes = load_modes(catalog_dir)
    chosen_band = band(load_bands(catalog_dir), spec.band)
    demand_modes = [_allowed_modes(spec, modes, file, lines, i, d) for i, d in enumerate(spec.demands)]
    if spec.grid_ghz is not None:
        narrow = [m for ms in demand_modes for m in ms if m.spacing_ghz <= spec.grid_ghz]
        if not narrow:
            widest = max(m.spacing_ghz for ms in demand_modes for m in ms)
            raise SpecError(
                file,
                "grid_ghz",
                f"{spec.grid_ghz:g} GHz is narrower than the {widest:g} GHz a chosen mode "
                "needs; use a grid at least as wide as every mode's spacing",
                lines.get(("grid_ghz",)),
            )
        for index, allowed in enumerate(demand_modes):
            fitting = tuple(m for m in allowed if m.spacing_ghz <= spec.grid_ghz)
            if not fitting:
                raise SpecError(
                    file,
                    "grid_ghz",
                    f"{spec.grid_ghz:g} GHz is narrower than the {min(m.spacing_ghz for m in allowed):g} GHz "
                    f"every mode of demands[{index}] needs; use a grid at least as wide as every mode's spacing",
                    lines.get(("grid_ghz",)),
                )
            demand_modes[index] = fitting
    grid_ghz = spec.grid_ghz if spec.grid_ghz is not None else max(m.spacing_ghz for ms in demand_modes for m in ms)
    channels = chosen_band.channels(grid_ghz)
    if channels < 1:
        raise SpecError(
            file, "grid_ghz", f"{grid_ghz:g} GHz is wider than the {spec.band} band", lines.get(("grid_ghz",))
        )
    graph = build_graph(network)
    spans = {
        seg_id: spans_as_built(seg, facts.get(seg_id), spec.amplifiers) for seg_id, seg in network.segments.items()
    }
    judge = None
    gnpy_version = None
    if spec.gnpy_check:
        from importlib.metadata import version

        from aifabric.corridor.gnpy_check import GnpyPlanner, line_model

        gnpy_version = version("gnpy")
        used = sorted({m for ms in demand_modes for m in ms}, key=lambda m: m.id)
        judge = GnpyPlanner(used, spec.amplifiers, spec.sys_margin_db, spec.grid_ghz, spec.band,
                            line_model(spec.amplifiers, catalog_dir))
    # The search minimises transponder price where the price book prices every allowed mode's rate; a bad book is
    # reported before any design.
    book = load_corridor_prices(prices_path(spec_path, spec))
    prices = transponder_prices(book, [m for ms in demand_modes for m in ms])
    # Every demand is checked before any is routed, and every failing demand is reported, as fabric specs do.
    _raise_all([error for index, (demand, allowed) in enumerate(zip(spec.demands, demand_modes, strict=True))
                for error in _demand_errors(file, lines, network, facts, index, demand, allowed)])
    # A regen at an ILA hut puts a ROADM there, which every path through that hut then passes: plan again with
    # those huts as ROADMs until the ROADM huts are exactly the regen huts (GNPy's view of the exported network
    # agrees, and no hut keeps a ROADM an earlier pass needed).
    def plan_all(roadm_huts: frozenset[str]) -> list[DemandPlan]:
        demand_plans = []
        routing_errors: list[AifabricError] = []
        # Regen sites of the paths planned so far: a later path that can regenerate there at equal cost does.
        shared: set[str] = set()
        for index, (demand, allowed) in enumerate(zip(spec.demands, demand_modes, strict=False)):
            try:
                demand_plans.append(
                    _plan_demand(
                        spec, file, lines, network, graph, spans, index, demand, allowed, judge, facts, roadm_huts,
                        prices, shared,
                    )
                )
                shared.update(r for p in demand_plans[-1].paths for r in p.regen_sites)
            except RoutingError as exc:
                routing_errors.append(exc)
            if progress is not None:
                progress(index + 1, len(spec.demands))
        _raise_all(routing_errors)
        return demand_plans

    def hut_regens(demand_plans: list[DemandPlan]) -> frozenset[str]:
        return frozenset(r for d in demand_plans for p in d.paths for r in p.regen_sites if r not in network.sites)

    roadm_huts, demand_plans = settle_roadm_huts(plan_all, hut_regens)
    slots_per_pair, assignment = _assign_spectrum(demand_plans, chosen_band, spec.grid_ghz, spans, roadm_huts)
    segment_plans = _segment_plans(demand_plans, spans, assignment, roadm_huts)
    # Terms read the price book: a bad input file is reported before a design that cannot close.
    # The line system names each hut's amplifier node, which the dark-fiber money and availability read.
    line = _line_system(spec, catalog_dir, network, segment_plans, demand_plans, channels, book, roadm_huts)
    terms = corridor_terms(spec_path, spec, catalog_dir, demand_plans, channels, grid_ghz, book, network, spans,
                           line, segment_plans)
    if not spec.allow_infeasible:
        _raise_infeasible(file, demand_plans, spec.sys_margin_db)
        _raise_missed_terms(file, lines, spec, demand_plans, terms)
    assumptions = _assumptions(
        spec, chosen_band, grid_ghz, channels, span_limit_km(spec.amplifiers), network, gnpy_version, line
    )
    return CorridorPlan(
        spec.name,
        spec,
        network,
        chosen_band,
        grid_ghz,
        channels,
        span_limit_km(spec.amplifiers),
        demand_plans,
        segment_plans,
        gnpy_version,
        assumptions,
        spec.sys_margin_db,
        spec.allow_infeasible,
        slots_per_pair,
        terms,
        facts,
        roadm_huts,
        Path(book.file).name,
        prices,
        None if catalog_dir is None else str(catalog_dir),
        line,
        assignment,
    )


def _line_system(spec: CorridorSpec, catalog_dir, network: Network, segment_plans: list[SegmentPlan],
                 demand_plans: list[DemandPlan], channels: int, book,
                 roadm_huts: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return the line system's JSON: the amplifier after every span of the used segments, as GNPy is handed it,
    at full load of the highest launch power of the modes in use."""
    from aifabric.corridor.gnpy_check import line_model
    from aifabric.corridor.line_catalog import load_line_equipment
    from aifabric.corridor.line_system import line_system_json, span_amplifiers

    model = line_model(spec.amplifiers, catalog_dir)
    launch_dbm = max(p.mode.launch_power_dbm for d in demand_plans for p in d.paths if p.mode is not None)
    rows = span_amplifiers(network, segment_plans, model, launch_dbm, channels, roadm_huts)
    prices = {item: price.usd for item, price in book.prices.items()}
    return line_system_json(rows, load_line_equipment(catalog_dir), prices, model.family, model.booster)


def _with_overrides(spec: CorridorSpec, overrides: dict[str, Any]) -> CorridorSpec:
    """Return the spec with command-line overrides applied and validated like the file's own values."""
    from pydantic import ValidationError

    try:
        return CorridorSpec.model_validate({**spec.model_dump(), **overrides})
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(x) for x in first["loc"])
        raise SpecError("command line", f"--{field_name.replace('_', '-')}", first["msg"]) from None


def _allowed_modes(
    spec: CorridorSpec, modes: dict[str, CoherentMode], file: str, lines: dict, index: int, demand: Demand
) -> tuple[CoherentMode, ...]:
    """Return the modes a demand may use: its own `modes` or `mode`, else the spec's optics."""
    if demand.modes:
        where, ids = ("demands", index, "modes"), demand.modes
    elif demand.mode:
        where, ids = ("demands", index, "mode"), [demand.mode]
    elif spec.optics.modes:
        where, ids = ("optics", "modes"), spec.optics.modes
    else:
        where, ids = ("optics", "mode"), [spec.optics.mode]
    label = ".".join(str(x) if isinstance(x, str) else f"[{x}]" for x in where).replace(".[", "[")
    return tuple(
        _mode_at(modes, mode_id, file, label, lines.get(where)) for mode_id in dict.fromkeys(ids)
    )


def _mode_at(
    modes: dict[str, CoherentMode], mode_id: str, file: str, field_name: str, line: int | None
) -> CoherentMode:
    try:
        return mode(modes, mode_id)
    except AifabricError as exc:
        raise SpecError(file, field_name, exc.message, line) from None


def _raise_all(errors: list[AifabricError]) -> None:
    """Raise the one error, or all of them at once (one line each), when there are any."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        if all(isinstance(e, SpecError) for e in errors):
            raise SpecErrors(errors)  # type: ignore[arg-type]
        raise AifabricError("\n".join(e.message for e in errors))


def _latency_floor(
    network: Network, facts: dict[str, SegmentFacts], demand: Demand, allowed: tuple[CoherentMode, ...]
) -> tuple[float, float]:
    """Return (great-circle km, latency floor ms) of a demand: light in the fastest fiber in use (hollow core is
    about a third faster than G.652.D) plus the terminals' DSPs (the fastest allowed mode's)."""
    gc_km = great_circle_km(network.sites[demand.a], network.sites[demand.z])
    dsp_ms = min(m.dsp_latency_us for m in allowed) / 1000.0
    return gc_km, km_to_latency_ms(gc_km, min_us_per_km(facts)) + DSP_PASSES_TERMINALS * dsp_ms


def _demand_errors(file: str, lines: dict, network: Network, facts: dict[str, SegmentFacts], index: int,
                   demand: Demand, allowed: tuple[CoherentMode, ...]) -> list[SpecError]:
    """Return what is wrong with one demand before routing: unknown sites, a latency limit below physics."""
    from aifabric.spec.loader import suggest

    where = f"demands[{index}]"
    errors = []
    for end in ("a", "z"):
        site_id = getattr(demand, end)
        if site_id not in network.sites:
            errors.append(SpecError(
                file,
                f"{where}.{end}",
                f"unknown site '{site_id}'{suggest(site_id, list(network.sites))}"
                f"; {Path(network.file).name} has {len(network.sites)} sites",
                lines.get(("demands", index, end)),
            ))
    if errors:
        return errors
    gc_km, floor_ms = _latency_floor(network, facts, demand, allowed)
    if demand.max_latency_ms is not None and demand.max_latency_ms < floor_ms:
        errors.append(SpecError(
            file,
            f"{where}.max_latency_ms",
            f"{demand.max_latency_ms:g} ms is below the physical floor {floor_ms:.2f} ms for "
            f"{demand.a}-{demand.z} ({gc_km:,.0f} km great-circle at {FIBER_US_PER_KM:.3f} us/km plus "
            f"2 transponder DSPs); no fiber route can meet it",
            lines.get(("demands", index, "max_latency_ms")),
        ))
    return errors


def _plan_demand(
    spec: CorridorSpec,
    file: str,
    lines: dict,
    network: Network,
    graph,
    spans,
    index: int,
    demand: Demand,
    allowed: tuple[CoherentMode, ...],
    judge,
    facts: dict[str, SegmentFacts],
    roadm_huts: frozenset[str] = frozenset(),
    prices: dict[str, float] | None = None,
    shared: set[str] | None = None,
) -> DemandPlan:
    where = f"demands[{index}]"
    gc_km, floor_ms = _latency_floor(network, facts, demand, allowed)
    level = demand.diversity or spec.diversity
    try:
        count = demand.path_count
        if count == 1:
            routes = [("working", shortest(graph, demand.a, demand.z))]
        elif count == 2:
            working, protect = diverse_pair(network, graph, demand.a, demand.z, level)
            routes = [("working", working), ("protect", protect)]
        else:
            found = diverse_paths(network, graph, demand.a, demand.z, count, level)
            routes = list(zip(path_roles(demand), found, strict=True))
    except RoutingError as exc:
        line = lines.get(("demands", index))
        raise RoutingError(f"{file}{f':{line}' if line else ''}: {where}: {exc.message}") from None
    # The two paths of a 1+1 pair never share a regen site with each other (that site would be common to both).
    before = frozenset(shared or ())
    # Each path of an n-path split carries capacity / (N - 1), so the others carry it all when one is cut.
    carried = demand if demand.protection != "n-path" else demand.model_copy(
        update={"capacity_tbps": demand.capacity_tbps / (len(routes) - 1)})
    paths = tuple(
        _plan_path(network, spans, role, route, carried, allowed, judge, spec.sys_margin_db, facts, roadm_huts,
                   prices or {}, before, spec.regen_at)
        for role, route in routes
    )
    diversity = _diversity(network, level, paths) if len(paths) >= 2 else None
    return DemandPlan(
        demand,
        paths[0].mode,
        paths[0].waves,
        gc_km,
        floor_ms,
        paths,
        diversity,
        allowed,
    )


def _diversity(network: Network, level: str, paths: tuple[PathPlan, ...]) -> Diversity:
    """Return what any two of the paths share (intermediate sites, segments, SRLGs, buildings)."""
    from itertools import combinations

    sites: set[str] = set()
    segments: set[str] = set()
    srlgs: set[str] = set()
    buildings_shared: set[str] = set()
    for first, second in combinations(paths, 2):
        one, two = first.route, second.route
        sites |= set(one.sites[1:-1]) & set(two.sites[1:-1])
        segments |= set(one.segments) & set(two.segments)
        srlgs |= set(first.srlgs) & set(second.srlgs)
        buildings: list[dict[str, set[str]]] = []
        for r in (one, two):
            by_building: dict[str, set[str]] = {}
            for site_id in r.sites[1:-1]:
                by_building.setdefault(network.sites[site_id].building, set()).add(site_id)
            buildings.append(by_building)
        buildings_shared |= {
            f"{b}: {', '.join(sorted(buildings[0][b] | buildings[1][b]))}"
            for b in set(buildings[0]) & set(buildings[1])
            if buildings[0][b] | buildings[1][b] != buildings[0][b] or buildings[0][b] != buildings[1][b]
        }
    return Diversity(level, tuple(sorted(sites)), tuple(sorted(segments)), tuple(sorted(srlgs)),
                     tuple(sorted(buildings_shared)))


def path_roles(demand: Demand) -> list[str]:
    """Return the roles of a demand's paths: working (and protect), restoration third, path-1.. of an n-path."""
    if demand.protection == "n-path":
        return [f"path-{k}" for k in range(1, demand.path_count + 1)]
    return ["working", "protect", "restoration"][: demand.path_count]


# Passes of the plan with hut regens as ROADMs; three have sufficed on shipped specs.
_MAX_HUT_PASSES = 8


def settle_roadm_huts(
    plan_with: Callable[[frozenset[str]], Any], regen_huts_of: Callable[[Any], frozenset[str]],
    max_passes: int = _MAX_HUT_PASSES,
) -> tuple[frozenset[str], Any]:
    """Return (ROADM huts, plans): plans made with ROADMs at exactly the huts where they regenerate.

    A pass plans with ROADMs at `huts`; a pass that regenerates at a hut without one adds it (other paths must
    pass it), a pass that no longer regenerates at a hut drops it (a stale express ROADM costs every path through
    it). When the passes cycle or run out, the consistent pass (regens only at ROADM huts) with the fewest stale
    ROADM huts is kept, else the last.
    """
    huts: frozenset[str] = frozenset()
    seen: set[frozenset[str]] = set()
    best: tuple[int, frozenset[str], Any] | None = None
    plans = None
    for _ in range(max_passes):
        plans = plan_with(huts)
        regens = frozenset(regen_huts_of(plans))
        if regens == huts:
            return huts, plans
        seen.add(huts)
        if regens <= huts:
            if best is None or len(huts - regens) < best[0]:
                best = (len(huts - regens), huts, plans)
            huts = regens
        else:
            huts = huts | regens
        if huts in seen:
            break
    if best is not None:
        return best[1], best[2]
    return huts, plans



def _plan_path(
    network: Network,
    spans: dict[str, SegmentSpans],
    role: str,
    route: Route,
    demand: Demand,
    allowed: tuple[CoherentMode, ...],
    judge,
    sys_margin_db: float,
    facts: dict[str, SegmentFacts],
    roadm_huts: frozenset[str] = frozenset(),
    prices: dict[str, float] | None = None,
    shared: frozenset[str] = frozenset(),
    regen_at: str = "sites",
) -> PathPlan:
    # A hut where any path regenerates holds a ROADM that every other path through it passes (express).
    nodes = [
        replace(n, kind="roadm-hut") if n.id in roadm_huts else n
        for n in path_nodes(network, route.sites, route.segments, spans)
    ]
    # Price per transponder of each allowed mode: the price book's when it prices every one, else none (count).
    unit_usd = {m.id: prices[m.id] for m in allowed} if prices and all(m.id in prices for m in allowed) else None
    banned: dict[str, set[tuple[int, int]]] = {m.id: set() for m in allowed}
    candidates = regen_candidates(nodes, regen_at)
    nexts = {i: j for i, j in zip(candidates, candidates[1:], strict=False)}
    options: dict[str, tuple] = {}
    while True:
        for candidate in allowed:
            if candidate.id not in options:
                options[candidate.id] = _option(nodes, candidate, judge, demand, unit_usd, banned[candidate.id],
                                                shared, candidates)
        key, chosen, chain, waves = min(options.values(), key=lambda o: o[0])
        # GNPy's full path request judges every section of the chosen chain; a section the composed
        # estimate passed but GNPy fails is banned and that mode searched again.
        verdicts = [_verdict(nodes, chosen, judge, i, j, full=True) for i, j in chain]
        failed = {(i, j) for (i, j), (ok, _) in zip(chain, verdicts, strict=True) if not ok and j > nexts[i]}
        if not failed:
            break
        banned[chosen.id] |= failed
        del options[chosen.id]
    section_plans = []
    for (i, j), (ok, result) in zip(chain, verdicts, strict=True):
        express = tuple(n.id for n in nodes[i + 1 : j] if n.kind != "hut")
        section_plans.append(
            SectionPlan(
                nodes[i].id,
                nodes[j].id,
                nodes[j].km - nodes[i].km,
                j - i,
                None if result is None else result.gsnr_db,
                None if result is None else result.margin_db,
                "",
                None if result is None else result.penalty_db,
                ok,
                express,
                () if result is None else result.band_gsnr_db,
            )
        )
    regen_sites = tuple(nodes[j].id for _, j in chain[:-1])
    reasons = tuple(
        f"{nodes[j].id}: {_why_regen(nodes, chosen, judge, i, j, nexts[j], sys_margin_db, unit_usd is not None)}"
        for i, j in chain[:-1]
    )
    dsp_passes = DSP_PASSES_TERMINALS + DSP_PASSES_PER_REGEN * len(regen_sites)
    latency_ms = propagation_ms(network, route.segments, facts) + dsp_passes * chosen.dsp_latency_us / 1000.0
    srlgs = tuple(sorted({s for seg in route.segments for s in network.segments[seg].srlg}))
    routes = tuple(
        dict.fromkeys(network.segments[seg].route for seg in route.segments if network.segments[seg].route)
    )
    amplifiers = sum(1 for n in nodes if n.kind != "site")
    express_roadms = tuple(e for s in section_plans for e in s.express_roadms)
    return PathPlan(
        role,
        route,
        tuple(nodes),
        tuple(section_plans),
        regen_sites,
        reasons,
        latency_ms,
        amplifiers,
        srlgs,
        routes,
        chosen,
        waves,
        sys_margin_db,
        express_roadms,
        "count" if unit_usd is None else "price",
        None if unit_usd is None else unit_usd[chosen.id],
    )


def regen_candidates(nodes: list[PathNode], regen_at: str) -> list[int]:
    """Return the node indexes where a section may end: both ends, every network site, and ILA huts only when
    `regen_at` is "sites+huts" (a carrier staffs its sites, not its huts)."""
    last = len(nodes) - 1
    return [
        k for k, n in enumerate(nodes)
        if k in (0, last) or n.kind == "site" or (regen_at == "sites+huts" and n.kind != "site")
    ]


def _option(
    nodes: list[PathNode], m: CoherentMode, judge, demand: Demand, unit_usd: dict[str, float] | None,
    banned: set[tuple[int, int]], shared: frozenset[str] = frozenset(), candidates: list[int] | None = None,
) -> tuple:
    """Return (sort key, mode, cheapest chain of sections, waves) for one mode on one path.

    Sections end only at `candidates` (node indexes; every node when None): the chain is the exact minimum over
    them, a shortest path in the DAG of sections GNPy closes. The key orders failing sections first (fewest),
    then cost (transponders x price per transponder when `unit_usd` prices the modes, else the count), then
    regens at new huts, then regens at new sites (a site or hut in `shared` already regenerates for another path:
    sharing it adds no regen site), then fewer waves and the id, so the choice is deterministic.
    """
    last = len(nodes) - 1
    points = list(range(len(nodes))) if candidates is None else candidates

    def hop(a: int, b: int) -> tuple[float, ...] | None:
        i, j = points[a], points[b]
        new = 1.0 if j < last and nodes[j].id not in shared else 0.0
        new_hut = new if nodes[j].kind != "site" else 0.0
        # Among equal chains, regens as far along as they reach (as a greedy planner would place them).
        later = -nodes[j].km if j < last else 0.0
        ok = (i, j) not in banned and _verdict(nodes, m, judge, i, j)[0]
        if ok:
            return (0.0, 1.0, new_hut, new, later)
        if b == a + 1:
            # The next allowed point is always reachable, counted as failing, so an infeasible path still gets
            # a plan.
            return (1.0, 1.0, new_hut, new, later)
        return None if (i, j) not in banned else (math.inf,) * 5

    steps = exact_sections(len(points), hop)
    assert steps is not None  # the next allowed point is always reachable
    chain = [(points[a], points[b]) for a, b in steps]
    waves = waves_for(demand.capacity_tbps, m.line_rate_gbps)
    fails = sum(1 for i, j in chain if (i, j) in banned or not _verdict(nodes, m, judge, i, j)[0])
    price = unit_usd[m.id] if unit_usd is not None else 1.0
    new = [nodes[j] for _, j in chain[:-1] if nodes[j].id not in shared]
    new_huts = sum(1 for n in new if n.kind != "site")
    return (fails, 2 * waves * len(chain) * price, new_huts, len(new), waves, m.id), m, chain, waves


# The composed estimate is optimistic by up to ~0.01 dB per span (measured against full GNPy runs, see
# tests/corridor/test_gnpy_planner.py). The search counts a section as closing on the estimate alone only when it
# clears the system margin by this allowance; a section nearer the margin than that (either side) is judged by
# GNPy's own path request, so the minimum over the allowed regen points is exact for GNPy's verdicts.
_ALLOWANCE_DB_PER_SPAN = 0.012
# How far below the system margin an estimate may fall and GNPy's full run still be asked (the estimate can be
# pessimistic by a few hundredths of a dB too; the test beside the allowance's bounds it).
_BORDER_DB = 0.2


def _verdict(nodes: list[PathNode], m: CoherentMode, judge, i: int, j: int, full: bool = False):
    """Return (closes, SectionResult or None) for the section i..j in mode m: GNPy's verdict with the system
    margin, or the catalog reach when GNPy checks are off."""
    if judge is None:
        return nodes[j].km - nodes[i].km <= m.reach_km + 1e-6, None
    units = section_units(nodes, i, j)
    if full:
        result = judge.path_request(m, units)
        return result.feasible, result
    result = judge.estimate(m, units)
    excess_db = result.margin_db - judge.sys_margin_db
    if excess_db >= _ALLOWANCE_DB_PER_SPAN * (j - i):
        return True, result
    if excess_db > -_BORDER_DB:
        # Too close for the estimate to decide: GNPy's own path request does (the search stays exact).
        result = judge.path_request(m, units)
        return result.feasible, result
    return False, result


def _why_regen(
    nodes: list[PathNode], m: CoherentMode, judge, i: int, j: int, k: int, sys_margin_db: float,
    priced: bool = False,
) -> str:
    """Return why a section ends at node j: what going on to node k (the next point a regen may stand) would
    give."""
    ok, result = _verdict(nodes, m, judge, i, k)
    km = nodes[k].km - nodes[i].km
    if ok:
        best = "lowest transponder price" if priced else "fewest transponders"
        return f"{m.id}: {best} overall (the section could reach {nodes[k].id})"
    if result is None:
        return f"{km:,.0f} km to {nodes[k].id} exceeds the {m.reach_km:,.0f} km reach of {m.id}"
    if not math.isfinite(result.margin_db):
        return f"{m.id}: {km:,.0f} km to {nodes[k].id} exceeds the mode's dispersion (CD/PMD) tolerance"
    return (
        f"{m.id}: to {nodes[k].id} ({km:,.0f} km) GNPy GSNR {result.gsnr_db:.2f} dB leaves "
        f"{result.margin_db:.2f} dB over the {m.required_osnr_db:.2f} dB required (+{result.penalty_db:.2f} dB "
        f"penalties), below the {sys_margin_db:g} dB system margin"
    )


def _raise_infeasible(file: str, demands: list[DemandPlan], sys_margin_db: float) -> None:
    """Raise DesignError naming the first section no allowed mode can close, with its GSNR and best mode."""
    for d in demands:
        for p in d.paths:
            for s in p.sections:
                if s.feasible:
                    continue
                mode_id = p.mode.id if p.mode else d.mode.id
                physics = (
                    f"GNPy GSNR {s.gsnr_db:.2f} dB, margin {s.margin_db:.2f} dB < {sys_margin_db:g} dB system margin"
                    if s.gsnr_db is not None and s.margin_db is not None and math.isfinite(s.margin_db)
                    else "beyond the mode's reach or dispersion tolerance"
                )
                count = sum(1 for dd in demands for pp in dd.paths for ss in pp.sections if not ss.feasible)
                raise DesignError(
                    f"{file}: demand {d.demand.demand_id} {p.role}: section {s.start} -> {s.end} "
                    f"({s.km:,.0f} km) cannot close with any allowed mode (best {mode_id}: {physics}); "
                    f"{count} failing section(s) in all; allow more modes, add a site, lower --sys-margin-db, or "
                    "pass --allow-infeasible to write the plan with FAIL marks",
                    field="sys_margin_db",
                )


def missed_terms(spec: CorridorSpec, demands: list[DemandPlan], terms: CorridorTerms) -> list[tuple[int, str, str]]:
    """Return (demand index, field, what it misses) for every demand whose paths break its own latency limit or
    whose availability falls short of its SLA (its own `sla`, else the spec's for its protection)."""
    misses = []
    by_id = {d.demand_id: i for i, d in enumerate(spec.demands)}
    for d in demands:
        index = by_id[d.demand.demand_id]
        limit = d.demand.max_latency_ms
        for p in d.paths:
            if limit is not None and p.latency_ms > limit:
                longer = "" if p.role == "working" else ", or relax the diversity that forces this longer path"
                misses.append((index, "max_latency_ms",
                               f"{p.role} path {p.latency_ms:.3f} ms one way > demands[{index}].max_latency_ms "
                               f"{limit:g} ms; raise the limit to at least {math.ceil(p.latency_ms * 100) / 100:g} "
                               f"ms or plan it on a faster fiber (as_built fiber: hcf){longer}"))
        a = terms.demands[d.demand.demand_id].availability
        if a.meets_sla is False:
            where = f"demands[{index}].sla" if d.demand.sla is not None else (
                "availability.sla" if d.demand.protected else "availability.sla_unprotected")
            misses.append((index, where,
                           f"availability {100 * a.availability:.4f} % < the {a.sla_percent:g} % SLA ({where}); "
                           f"give it a stronger protection (1+1, restoration, n-path), a lower `sla`, or a "
                           "shorter cut repair (availability.mttr_h)"))
    return misses


def _raise_missed_terms(
    file: str, lines: dict, spec: CorridorSpec, demands: list[DemandPlan], terms: CorridorTerms
) -> None:
    """Raise DesignError naming the first demand that misses its latency limit or SLA, and how many miss."""
    misses = missed_terms(spec, demands, terms)
    if not misses:
        return
    index, field_name, what = misses[0]
    line = lines.get(("demands", index))
    more = f"; {len(misses)} missed terms in all" if len(misses) > 1 else ""
    raise DesignError(
        f"{file}{f':{line}' if line else ''}: demand {spec.demands[index].demand_id} misses the buyer's terms: "
        f"{what}{more}; pass --allow-infeasible to write the plan with FAIL marks",
        field=field_name,
    )


def _assign_spectrum(
    demands: list[DemandPlan], chosen_band: Band, grid_ghz: float | None, spans: dict[str, SegmentSpans],
    roadm_huts: frozenset[str],
):
    """Return (usable slots per fiber pair, first-fit assignment) over every section of every path; no channel
    crosses the guard between the sub-bands of C+L.

    A section holds its slots only on the pieces of segment it runs over: a segment is one piece, cut at each hut
    that holds a ROADM (where some path regenerates), so a section ending at such a hut frees its slots beyond it
    (fiber pairs continue through an in-line amplifier, so no other hut cuts a segment)."""
    from aifabric.corridor.catalog import SLOT_GHZ
    from aifabric.corridor.spectrum import Lightpath, first_fit

    slots_per_pair, guard = chosen_band.slots()
    grid_slots = None if grid_ghz is None else math.ceil(grid_ghz / SLOT_GHZ - 1e-9)
    lightpaths = []
    for d in demands:
        for p in d.paths:
            m = p.mode or d.mode
            slots = grid_slots or m.slots
            index = {n.id: k for k, n in enumerate(p.nodes)}
            pieces = path_pieces(p, spans, roadm_huts)
            for n, s in enumerate(p.sections):
                hops = pieces[index[s.start] : index[s.end]]
                lightpaths.append(
                    Lightpath(f"{d.demand.demand_id}/{p.role}/{n}", tuple(dict.fromkeys(hops)), p.waves, slots,
                              grid_slots or 1)
                )
    return slots_per_pair - bin(guard).count("1"), first_fit(lightpaths, slots_per_pair, guard)


def piece_key(segment_id: str, piece: int, cuts: int) -> str:
    """Return the spectrum resource of one piece of a segment: the segment id when no ROADM hut cuts it."""
    return segment_id if cuts == 0 else f"{segment_id}#{piece}"


def segment_cuts(seg_spans: SegmentSpans, roadm_huts: frozenset[str]) -> list[int]:
    """Return the indexes (1-based from the segment's a end) of the segment's huts that hold a ROADM."""
    return [h.index for h in seg_spans.huts if h.id in roadm_huts]


def path_pieces(p: PathPlan, spans: dict[str, SegmentSpans], roadm_huts: frozenset[str]) -> list[str]:
    """Return, per hop between consecutive nodes of a path, the segment piece (spectrum resource) it runs on."""
    out: list[str] = []
    hop = 0
    for seg_id in p.route.segments:
        seg_spans = spans[seg_id]
        cuts = segment_cuts(seg_spans, roadm_huts)
        # Travelled a to z when the node after this site is the segment's first hut (no hut: one piece anyway).
        forward = not seg_spans.huts or p.nodes[hop + 1].id == seg_spans.huts[0].id
        for local in range(seg_spans.spans):
            # Canonical span index from the segment's a end: the piece is the ROADM huts at or before it.
            canonical = local if forward else seg_spans.spans - 1 - local
            out.append(piece_key(seg_id, sum(1 for c in cuts if c <= canonical), len(cuts)))
            hop += 1
    return out


def slots_json(band: Band, start: int, width: int) -> list[int]:
    """Return a channel's ITU-T G.694.1 flexible-grid slot [n, m]: centre 193.1 THz + n x 6.25 GHz, width
    m x 12.5 GHz, from its first 12.5 GHz slot `start` above the band's lowest edge and its width in slots."""
    from aifabric.corridor.catalog import SLOT_GHZ

    centre_ghz = band.ranges_thz[0][0] * 1000.0 + (start + width / 2.0) * SLOT_GHZ
    return [round((centre_ghz - 193100.0) / 6.25), round(width * SLOT_GHZ / 12.5)]


def _segment_plans(
    demands: list[DemandPlan], spans: dict[str, SegmentSpans], assignment, roadm_huts: frozenset[str]
) -> list[SegmentPlan]:
    waves: dict[str, int] = {}
    users: dict[str, set[str]] = {}
    for d in demands:
        for p in d.paths:
            for seg_id in p.route.segments:
                waves[seg_id] = waves.get(seg_id, 0) + p.waves
                users.setdefault(seg_id, set()).add(d.demand.demand_id)
    plans = []
    for seg_id in sorted(waves):
        cuts = segment_cuts(spans[seg_id], roadm_huts)
        keys = [piece_key(seg_id, k, len(cuts)) for k in range(len(cuts) + 1)]
        # Fiber pairs per segment: the most any of its pieces needs (the cable is one; a piece ending at a ROADM
        # hut may light fewer).
        pairs = tuple(assignment.fiber_pairs.get(k, 0) for k in keys)
        used = tuple(assignment.slots_used.get(k, 0) for k in keys)
        plans.append(SegmentPlan(seg_id, spans[seg_id], waves[seg_id], max(pairs), tuple(sorted(users[seg_id])),
                                 max(used), pairs, tuple(cuts)))
    return plans


def _line_text(line: dict[str, Any], family: str) -> str:
    """Return the assumption naming every amplifier type of the line system (the ones GNPy is handed)."""
    types = line.get("types", {})
    parts = []
    for t, v in types.items():
        lo, hi = v["gain_range_db"]
        power = "power not in catalog" if v["power_w"] is None else f"{v['power_w']:g} W"
        price = "" if v["price_usd"] is None else f", {v['price_usd']:,.0f} USD"
        parts.append(f"{t} ({v['entry']}: {v['name']}, {line['amplifiers'][t]} amplifier(s), gain {lo:g}-{hi:g} dB, "
                     f"{power}{price})")
    named = "; ".join(parts)
    return (
        f"Line system (amplifiers: {family}): after every span, in each direction, an amplifier of the type GNPy "
        f"is handed, in the ILA hut or as the next ROADM's preamp, chosen by the gain GNPy designs it for (the span's "
        f"loss, fiber + connectors + aging margin, plus GNPy's power-mode launch offsets): {named or 'none'}; every "
        f"ROADM degree's booster is GNPy's {line.get('roadm_booster', '-')}. {line.get('spans', 0)} spans in all; "
        "noise figure per amplifier from GNPy's amplifier model at that gain."
    )


def _assumptions(
    spec: CorridorSpec,
    chosen_band: Band,
    grid_ghz: float,
    channels: int,
    limit_km: float,
    network: Network,
    gnpy_version: str | None,
    line: dict[str, Any] | None = None,
) -> list[str]:
    amps = spec.amplifiers
    items = [
        f"Latency one way = route km x {FIBER_US_PER_KM:.3f} us/km (group index 1.468) plus transponder DSP "
        f"latency: {DSP_PASSES_TERMINALS} passes at the terminals and {DSP_PASSES_PER_REGEN} per regen.",
        f"Band {chosen_band.id}: {chosen_band.width_thz:g} THz ({chosen_band.source.strip()}); "
        f"grid {grid_ghz:g} GHz -> {channels} channels per fiber pair.",
        f"Spans end where length exceeds {amps.max_span_km:g} km or loss exceeds "
        f"{amps.max_span_loss_db:g} dB (fiber {amps.loss_db_per_km:g} dB/km, connectors "
        f"{amps.connector_loss_db:g} dB, aging margin {amps.margin_db:g} dB): longest span "
        f"{limit_km:.1f} km; huts evenly spaced on the route geometry.",
        "Every intermediate site is a ROADM: an express ROADM (GNPy Roadm with its booster and preamp) where "
        "the signal passes, a terminal where it is regenerated. ROADMs equalize power per slot width, -20 dBm per "
        "50 GHz (GNPy's example point, 20 dB under the launch of 0 dBm per 50 GHz).",
        _line_text(line or {}, amps.type),
        "Mode and regens per path: an exact search (shortest path over "
        + ("every site and ILA hut" if spec.regen_at == "sites+huts" else
           "the network's sites only: a carrier staffs its ROADM/POP/DC sites, not its ILA huts (regen_at: sites)")
        + " as a candidate regen, for every allowed mode, each section judged by GNPy) for the lowest transponder "
        "price (transponders x the price book's "
        "transponder-<rate>g price) where the price book prices every allowed mode's rate, else for the fewest "
        "transponders; among equals, fewer new regen huts, then fewer new regen sites (a site where an earlier "
        "demand's path regenerates is shared, demands in spec order).",
        f"A section closes when GNPy's GSNR minus the mode's CD/PMD/PDL penalties clears the required OSNR by "
        f"the {spec.sys_margin_db:g} dB system margin on every channel, at full load of the mode on the band.",
        "Waves = ceil(capacity / line rate) per path; every path of a 1+1, 1:1 or restoration demand carries "
        "every wave.",
        "Transponders = 2 per wave per regenerator section (terminals and back-to-back regens).",
        "Spectrum: first-fit flexgrid (12.5 GHz slots) with the same slots on every segment of a section "
        "(wavelength continuity); a section holds its slots only on the pieces of segment it crosses (a segment "
        "is cut at the huts that hold a ROADM, where a regen stands); fiber pairs per segment are the most any "
        "of its pieces opened, and each ILA hut amplifies the pairs of its piece. Slots are given as ITU-T "
        "G.694.1 [n, m]: centre 193.1 THz + n x 6.25 GHz, width m x 12.5 GHz.",
        "Protection: 1+1 and 1:1 route two diverse paths (1:1 lends the protect path to pre-emptible traffic); "
        "restoration adds a third diverse path with its own standby transponders and regens, onto which the "
        "first cut path is restored within availability.restoration_s; n-path routes `paths` diverse paths, "
        "each carrying capacity / (paths - 1). Further paths are found greedily (the shortest avoiding the "
        "earlier ones).",
        f"1+1 diversity required: {spec.diversity} (srlg: no shared segment or SRLG; node: also no shared "
        "intermediate site; building: also no two sites in one building); the Diversity section states what "
        "each pair shares.",
    ]
    if network.kind == "geojson":
        items.append(f"Fiber km = geodesic length of the right-of-way x slack {spec.slack:g}.")
    else:
        items.append(
            "Fiber km = the GNPy topology's Fiber lengths (mean of the two directions); no route geometry, "
            "so huts are placed on the great circle between sites."
        )
    if gnpy_version is not None:
        items.append(
            f"GSNR from GNPy {gnpy_version} path requests (its example equipment library plus the catalog modes as "
            "a Transceiver, full load of the band at the mode's baud and launch power); margin = GSNR (0.1 nm) - "
            "penalties - the mode's required OSNR, reported before the system margin."
        )
        if multiband(spec.band):
            (_, l_min, l_max), (_, c_min, c_max) = band_edges_hz(spec.band)
            items.append(
                f"C+L on GNPy's multiband model: L {l_min / 1e12:.2f}-{l_max / 1e12:.2f} THz (its multiband example "
                f"L amplifier's band) and C {c_min / 1e12:.2f}-{c_max / 1e12:.2f} THz both fully loaded, every "
                f"amplifier a Multiband_amplifier ({MULTIBAND_AMP}, eqpt_config_multiband.json); GSNR is taken "
                "per band and a section closes only when every channel of both bands does (the worse band "
                "closes it)."
            )
    else:
        items.append("GNPy physics check disabled (gnpy_check: false): regens placed by reach only.")
    return items
