"""Corridor planning: route every demand, size its optics, check it with GNPy, and total the corridor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
from aifabric.corridor.commercial import CorridorTerms, add_terms_json, corridor_terms
from aifabric.corridor.line_catalog import load_fibers
from aifabric.corridor.network import Network, great_circle_km, load_network
from aifabric.corridor.optical import (
    PathNode,
    SegmentSpans,
    channels_per_pair,
    fiber_pairs,
    path_nodes,
    place_regens,
    span_limit_km,
    waves_for,
)
from aifabric.corridor.route import Route, build_graph, diverse_pair, shortest
from aifabric.errors import AifabricError, RoutingError, SpecError, SpecErrors
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


@dataclass(frozen=True)
class PathPlan:
    """A working or protect path of a demand, sized and checked."""

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
class DemandPlan:
    """A demand with its mode, waves, latency floor and its planned paths."""

    demand: Demand
    mode: CoherentMode
    waves: int
    great_circle_km: float
    floor_latency_ms: float
    paths: tuple[PathPlan, ...]

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
    # RFP terms per demand (availability, fibers, costs) and the as-built facts per segment.
    terms: CorridorTerms | None = None
    facts: dict[str, SegmentFacts] = field(default_factory=dict)

    def totals(self) -> dict[str, Any]:
        """Return the corridor totals: route km, waves, amplifier and regen sites, transponders."""
        regen_sites = sorted({site for d in self.demands for p in d.paths for site in p.regen_sites})
        return {
            "route_km": round(sum(self.network.segments[s.segment_id].length_km for s in self.segments), 1),
            "waves": sum(d.waves for d in self.demands),
            "amplifier_sites": sum(len(s.spans.huts) for s in self.segments),
            "regen_sites": len(regen_sites),
            "transponders": sum(
                d.waves * 2 * (1 + len(p.regen_sites)) for d in self.demands for p in d.paths
            ),
            "fiber_pair_km": round(
                sum(s.fiber_pairs * self.network.segments[s.segment_id].length_km for s in self.segments), 1
            ),
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
            "demands": [_demand_json(d) for d in self.demands],
            "segments": [_segment_json(self, s) for s in self.segments],
            "totals": self.totals(),
            "assumptions": list(self.assumptions),
        }


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


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
        "paths": [
            {
                "role": p.role,
                "sites": list(p.route.sites),
                "segments": list(p.route.segments),
                "km": round(p.route.km, 1),
                "latency_ms": round(p.latency_ms, 3),
                "rtt_ms": round(2 * p.latency_ms, 3),
                "stretch": round(p.route.km / d.great_circle_km, 3),
                "amplifiers": p.amplifiers,
                "regens": len(p.regen_sites),
                "regen_sites": list(p.regen_sites),
                "regen_reasons": list(p.regen_reasons),
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
                        "margin_db": _r(s.margin_db, 2),
                    }
                    for s in p.sections
                ],
            }
            for p in d.paths
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
) -> CorridorPlan:
    """Return the corridor plan for a spec file: routes, spans, huts, regens, waves, fiber pairs, GSNR."""
    spec, lines = load_corridor_spec_with_lines(spec_path)
    file = str(spec_path)
    network = load_network(network_path(spec_path, spec, lines), slack=spec.slack)
    # As-built facts (OTDR length, huts, span losses, fiber type) override the geodesic estimate before routing.
    facts = resolve_as_built(spec.as_built, network, load_fibers(catalog_dir), file, lines)
    network = apply_lengths(network, facts)
    modes = load_modes(catalog_dir)
    chosen_band = band(load_bands(catalog_dir), spec.band)
    default_mode = _mode_at(modes, spec.optics.mode, file, "optics.mode", lines.get(("optics", "mode")))
    demand_modes = [
        _mode_at(modes, d.mode, file, f"demands[{i}].mode", lines.get(("demands", i, "mode")))
        if d.mode
        else default_mode
        for i, d in enumerate(spec.demands)
    ]
    widest = max(m.spacing_ghz for m in demand_modes)
    grid_ghz = spec.grid_ghz if spec.grid_ghz is not None else widest
    if grid_ghz < widest:
        raise SpecError(
            file,
            "grid_ghz",
            f"{grid_ghz:g} GHz is narrower than the {widest:g} GHz a chosen mode "
            "needs; use a grid at least as wide as every mode's spacing",
            lines.get(("grid_ghz",)),
        )
    channels = channels_per_pair(chosen_band.width_thz, grid_ghz)
    if channels < 1:
        raise SpecError(
            file, "grid_ghz", f"{grid_ghz:g} GHz is wider than the {spec.band} band", lines.get(("grid_ghz",))
        )
    graph = build_graph(network)
    spans = {
        seg_id: spans_as_built(seg, facts.get(seg_id), spec.amplifiers) for seg_id, seg in network.segments.items()
    }
    checkers: dict[str, Any] = {}
    gnpy_version = None
    if spec.gnpy_check:
        from importlib.metadata import version

        from aifabric.corridor.gnpy_check import GnpyChecker

        gnpy_version = version("gnpy")
        checkers = {
            m.id: GnpyChecker(m, grid_ghz, spec.amplifiers)
            for m in sorted(set(demand_modes), key=lambda m: m.id)
        }
    # Every demand is checked before any is routed, and every failing demand is reported, as fabric specs do.
    _raise_all([error for index, (demand, demand_mode) in enumerate(zip(spec.demands, demand_modes, strict=True))
                for error in _demand_errors(file, lines, network, facts, index, demand, demand_mode)])
    demand_plans = []
    routing_errors: list[AifabricError] = []
    for index, (demand, demand_mode) in enumerate(zip(spec.demands, demand_modes, strict=False)):
        try:
            demand_plans.append(
                _plan_demand(
                    spec,
                    file,
                    lines,
                    network,
                    graph,
                    spans,
                    index,
                    demand,
                    demand_mode,
                    checkers.get(demand_mode.id),
                    facts,
                )
            )
        except RoutingError as exc:
            routing_errors.append(exc)
        if progress is not None:
            progress(index + 1, len(spec.demands))
    _raise_all(routing_errors)
    segment_plans = _segment_plans(demand_plans, spans, channels)
    terms = corridor_terms(spec_path, spec, catalog_dir, demand_plans, channels, grid_ghz)
    assumptions = _assumptions(
        spec, chosen_band, grid_ghz, channels, span_limit_km(spec.amplifiers), network, gnpy_version
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
        terms,
        facts,
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


def _latency_floor(network: Network, facts: dict[str, SegmentFacts], demand: Demand,
                   demand_mode: CoherentMode) -> tuple[float, float]:
    """Return (great-circle km, latency floor ms) of a demand: light in the fastest fiber in use (hollow core is
    about a third faster than G.652.D) plus the terminals' DSPs."""
    gc_km = great_circle_km(network.sites[demand.a], network.sites[demand.z])
    dsp_ms = demand_mode.dsp_latency_us / 1000.0
    return gc_km, km_to_latency_ms(gc_km, min_us_per_km(facts)) + DSP_PASSES_TERMINALS * dsp_ms


def _demand_errors(file: str, lines: dict, network: Network, facts: dict[str, SegmentFacts], index: int,
                   demand: Demand, demand_mode: CoherentMode) -> list[SpecError]:
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
    gc_km, floor_ms = _latency_floor(network, facts, demand, demand_mode)
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
    demand_mode: CoherentMode,
    checker,
    facts: dict[str, SegmentFacts],
) -> DemandPlan:
    where = f"demands[{index}]"
    gc_km, floor_ms = _latency_floor(network, facts, demand, demand_mode)
    try:
        if demand.protection == "1+1":
            working, protect = diverse_pair(network, graph, demand.a, demand.z)
            routes = [("working", working), ("protect", protect)]
        else:
            routes = [("working", shortest(graph, demand.a, demand.z))]
    except RoutingError as exc:
        line = lines.get(("demands", index))
        raise RoutingError(f"{file}{f':{line}' if line else ''}: {where}: {exc.message}") from None
    paths = tuple(
        _plan_path(network, spans, role, route, demand_mode, checker, facts) for role, route in routes
    )
    return DemandPlan(
        demand,
        demand_mode,
        waves_for(demand.capacity_tbps, demand_mode.line_rate_gbps),
        gc_km,
        floor_ms,
        paths,
    )


def _plan_path(
    network: Network,
    spans: dict[str, SegmentSpans],
    role: str,
    route: Route,
    demand_mode: CoherentMode,
    checker,
    facts: dict[str, SegmentFacts],
) -> PathPlan:
    nodes = path_nodes(network, route.sites, route.segments, spans)
    reach_km = demand_mode.reach_km

    def section_spans(i: int, j: int) -> list[float]:
        return [nodes[k + 1].km - nodes[k].km for k in range(i, j)]

    def fits(i: int, j: int) -> tuple[bool, str]:
        km = nodes[j].km - nodes[i].km
        if km > reach_km + 1e-6:
            return False, f"{km:,.0f} km exceeds the {reach_km:,.0f} km reach of {demand_mode.id}"
        if checker is not None:
            result = checker.check(section_spans(i, j))
            if checker.margin_db(result) < 0:
                return False, (
                    f"GNPy GSNR {result.gsnr_db:.2f} dB over {km:,.0f} km is below the "
                    f"{demand_mode.required_osnr_db:.2f} dB {demand_mode.id} needs"
                )
        return True, ""

    sections = place_regens(nodes, fits)
    section_plans = []
    for s in sections:
        gsnr = margin = None
        if checker is not None:
            result = checker.check(section_spans(s.start, s.end))
            gsnr, margin = result.gsnr_db, checker.margin_db(result)
        section_plans.append(
            SectionPlan(
                nodes[s.start].id,
                nodes[s.end].id,
                nodes[s.end].km - nodes[s.start].km,
                s.end - s.start,
                gsnr,
                margin,
                s.reason,
            )
        )
    regen_sites = tuple(nodes[s.end].id for s in sections[:-1])
    reasons = tuple(f"{nodes[s.end].id}: {s.reason}" for s in sections[:-1])
    dsp_passes = DSP_PASSES_TERMINALS + DSP_PASSES_PER_REGEN * len(regen_sites)
    latency_ms = propagation_ms(network, route.segments, facts) + dsp_passes * demand_mode.dsp_latency_us / 1000.0
    srlgs = tuple(sorted({s for seg in route.segments for s in network.segments[seg].srlg}))
    routes = tuple(
        dict.fromkeys(network.segments[seg].route for seg in route.segments if network.segments[seg].route)
    )
    amplifiers = sum(1 for n in nodes if n.kind == "hut")
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
    )


def _segment_plans(
    demands: list[DemandPlan], spans: dict[str, SegmentSpans], channels: int
) -> list[SegmentPlan]:
    waves: dict[str, int] = {}
    users: dict[str, set[str]] = {}
    for d in demands:
        for p in d.paths:
            for seg_id in p.route.segments:
                waves[seg_id] = waves.get(seg_id, 0) + d.waves
                users.setdefault(seg_id, set()).add(d.demand.demand_id)
    return [
        SegmentPlan(
            seg_id,
            spans[seg_id],
            waves[seg_id],
            fiber_pairs(waves[seg_id], channels),
            tuple(sorted(users[seg_id])),
        )
        for seg_id in sorted(waves)
    ]


def _assumptions(
    spec: CorridorSpec,
    chosen_band: Band,
    grid_ghz: float,
    channels: int,
    limit_km: float,
    network: Network,
    gnpy_version: str | None,
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
        "Intermediate POPs are amplifier/ROADM sites and are not counted as ILA huts.",
        "Regens stand at the farthest site within reach and GSNR margin; at an ILA hut only when no site "
        "fits.",
        "Waves = ceil(capacity / line rate); working and protect paths each carry every wave of a 1+1 "
        "demand.",
        "Transponders = 2 per wave per path, plus 2 per wave at each regen.",
        "1+1 paths share no segment and no SRLG; they may pass through the same POP building.",
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
            f"GSNR from GNPy {gnpy_version} (example equipment library, C band full load at the mode's baud "
            "and launch power); margin = GSNR (0.1 nm) - the mode's required OSNR."
        )
    else:
        items.append("GNPy physics check disabled (gnpy_check: false): regens placed by reach only.")
    return items
