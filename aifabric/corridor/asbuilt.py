"""As-built inputs: measured segment lengths (OTDR), span losses, existing huts and fiber types.

They override the geodesic estimate: the measured length replaces geodesic km x slack (so routing, spans, latency
and cost all see it), existing huts fix where spans end, measured span losses replace the planned ones, and the
fiber type sets loss per km (hence span count) and latency per km (hollow core is about a third faster).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from aifabric.corridor.line_catalog import FiberType
from aifabric.corridor.network import Network, Segment
from aifabric.corridor.optical import PLANNING_FIBER, Hut, SegmentSpans, point_along, segment_spans, span_limit_km
from aifabric.errors import SpecError
from aifabric.spec.corridor import Amplifiers, AsBuilt
from aifabric.units import FIBER_US_PER_KM

# Guards ceil against float noise, as optical.py does.
_EPS = 1e-9


@dataclass(frozen=True)
class SegmentFacts:
    """What the planner knows of one segment: its fiber type (None: the spec's planning fiber, G.652.D at the
    spec's loss), and the measured length, span losses and huts when the as-built data gives them."""

    segment_id: str
    fiber: FiberType | None
    length_km: float | None
    span_loss_db: tuple[float, ...] | None
    huts_km: tuple[float, ...] | None

    @property
    def us_per_km(self) -> float:
        """Return the segment's one-way delay per km: the fiber type's, else G.652.D's 4.897 us/km."""
        return self.fiber.us_per_km if self.fiber is not None else FIBER_US_PER_KM


def resolve_as_built(
    as_built: dict[str, AsBuilt],
    network: Network,
    fibers: dict[str, FiberType],
    file: str,
    lines: dict,
) -> dict[str, SegmentFacts]:
    """Return {segment id: facts} for every segment the spec's `as_built` names, or raise SpecError naming the
    field (unknown segment, unknown fiber, hut beyond the segment's end)."""
    from aifabric.spec.loader import suggest

    facts = {}
    for seg_id in sorted(as_built):
        entry = as_built[seg_id]
        line = lines.get(("as_built", seg_id))
        if seg_id not in network.segments:
            raise SpecError(file, f"as_built.{seg_id}", f"unknown segment '{seg_id}'"
                            f"{suggest(seg_id, list(network.segments))}; segment ids are 'a--z' or the "
                            "network's `id`", line)
        if entry.fiber is not None and entry.fiber not in fibers:
            raise SpecError(file, f"as_built.{seg_id}.fiber", f"unknown fiber type '{entry.fiber}'"
                            f"{suggest(entry.fiber, list(fibers))}; known: {', '.join(sorted(fibers))}",
                            lines.get(("as_built", seg_id, "fiber"), line))
        length = entry.length_km if entry.length_km is not None else network.segments[seg_id].length_km
        if entry.huts_km and entry.huts_km[-1] >= length:
            raise SpecError(file, f"as_built.{seg_id}.huts_km", f"hut at {entry.huts_km[-1]:g} km is not inside "
                            f"the {length:,.1f} km segment", lines.get(("as_built", seg_id, "huts_km"), line))
        facts[seg_id] = SegmentFacts(
            seg_id,
            fibers[entry.fiber] if entry.fiber is not None else None,
            entry.length_km,
            tuple(entry.span_loss_db) if entry.span_loss_db is not None else None,
            tuple(entry.huts_km) if entry.huts_km is not None else None,
        )
    return facts


def apply_lengths(network: Network, facts: dict[str, SegmentFacts]) -> Network:
    """Return the network with each measured length in place of the geodesic estimate (others unchanged)."""
    segments = {
        seg_id: replace(seg, length_km=facts[seg_id].length_km)
        if seg_id in facts and facts[seg_id].length_km is not None
        else seg
        for seg_id, seg in network.segments.items()
    }
    return replace(network, segments=segments)


def fiber_amplifiers(amps: Amplifiers, facts: SegmentFacts | None) -> Amplifiers:
    """Return the span rules for a segment: the spec's, with the fiber type's loss per km when one is given."""
    if facts is None or facts.fiber is None:
        return amps
    return amps.model_copy(update={"loss_db_per_km": facts.fiber.loss_db_per_km})


def spans_as_built(segment: Segment, facts: SegmentFacts | None, amps: Amplifiers) -> SegmentSpans:
    """Return a segment's spans: at its existing huts when given, else as many even spans as its measured span
    losses, else planned from the limit (with the fiber type's loss). span_km and span_loss_db are the longest
    span and the worst loss; each hut keeps its own km."""
    rules = fiber_amplifiers(amps, facts)
    if facts is None or (facts.huts_km is None and facts.span_loss_db is None):
        planned = segment_spans(segment, rules)
        if facts is None or facts.fiber is None:
            return planned
        ends = [0.0, *(h.km_from_a for h in planned.huts), segment.length_km]
        return replace(planned, loss_km=_loss_km(ends, None, rules, amps), fiber=facts.fiber.id)
    length = segment.length_km
    if facts.huts_km is not None:
        ends = [0.0, *facts.huts_km, length]
    else:
        count = len(facts.span_loss_db or ())
        ends = [length * i / count for i in range(count + 1)]
    spans_km = [b - a for a, b in zip(ends, ends[1:], strict=False)]
    huts = []
    for index, km in enumerate(ends[1:-1], start=1):
        lon, lat = point_along(segment.coords, km / length)
        huts.append(Hut(f"{segment.id}/ila{index:02d}", segment.id, index, km, round(lat, 6), round(lon, 6)))
    if facts.span_loss_db is not None:
        worst_db = max(facts.span_loss_db)
    else:
        worst_db = max(s * rules.loss_db_per_km for s in spans_km) + rules.connector_loss_db + rules.margin_db
    return SegmentSpans(segment.id, len(spans_km), max(spans_km), worst_db, tuple(huts),
                        _loss_km(ends, facts.span_loss_db, rules, amps),
                        facts.fiber.id if facts.fiber is not None else PLANNING_FIBER)


def _loss_km(
    ends: list[float], measured_db: tuple[float, ...] | None, rules: Amplifiers, amps: Amplifiers
) -> tuple[float, ...]:
    """Return each span as the km of planning fiber (the spec's dB/km) with the same fiber loss: a measured span
    loss less the connectors, else km x the fiber type's dB/km. GNPy is given these, so it sees each span's real
    loss (its amplifier noise), with the fiber type's own dispersion, effective area and nonlinear coefficient."""
    spans_km = [b - a for a, b in zip(ends, ends[1:], strict=False)]
    if measured_db is not None:
        return tuple(max(0.0, db - amps.connector_loss_db) / amps.loss_db_per_km for db in measured_db)
    return tuple(km * rules.loss_db_per_km / amps.loss_db_per_km for km in spans_km)


def span_losses_db(segment: Segment, facts: SegmentFacts | None, amps: Amplifiers) -> list[float]:
    """Return each span's loss a to z: measured when given, else fiber km x the fiber's loss + connectors."""
    spans = spans_as_built(segment, facts, amps)
    if facts is not None and facts.span_loss_db is not None and len(facts.span_loss_db) == spans.spans:
        return list(facts.span_loss_db)
    rules = fiber_amplifiers(amps, facts)
    ends = [0.0, *(h.km_from_a for h in spans.huts), segment.length_km]
    return [(b - a) * rules.loss_db_per_km + rules.connector_loss_db + rules.margin_db
            for a, b in zip(ends, ends[1:], strict=False)]


def propagation_ms(network: Network, segments: tuple[str, ...], facts: dict[str, SegmentFacts]) -> float:
    """Return a path's one-way propagation delay: each segment's km x its fiber's us/km, in ms."""
    total_us = 0.0
    for seg_id in segments:
        per_km = facts[seg_id].us_per_km if seg_id in facts else FIBER_US_PER_KM
        total_us += network.segments[seg_id].length_km * per_km
    return total_us / 1000.0


def over_limit_spans(segment: Segment, facts: SegmentFacts | None, amps: Amplifiers) -> list[int]:
    """Return the 1-based indexes of existing spans longer than the span limit (the RFP flags them)."""
    if facts is None or facts.huts_km is None:
        return []
    limit = span_limit_km(fiber_amplifiers(amps, facts))
    ends = [0.0, *facts.huts_km, segment.length_km]
    return [i for i, (a, b) in enumerate(zip(ends, ends[1:], strict=False), start=1) if b - a > limit + _EPS]


def min_us_per_km(facts: dict[str, SegmentFacts]) -> float:
    """Return the lowest delay per km of any fiber in use (G.652.D's unless a faster type is built)."""
    return min([FIBER_US_PER_KM, *(f.us_per_km for f in facts.values())])

