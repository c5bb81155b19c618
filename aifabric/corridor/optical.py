"""Optical sizing: spans and amplifier huts per segment, waves, channels and fiber pairs, regens."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from aifabric.corridor.network import Network, Segment, geod
from aifabric.spec.corridor import Amplifiers

# Guards ceil/floor against float noise such as 12.8e3 / 400 = 32.00000000000001.
_EPS = 1e-9
# The fiber a segment is planned with unless the as-built data names another (aifabric/catalog/fibers.yaml); its
# loss per km is the spec's `amplifiers.loss_db_per_km`.
PLANNING_FIBER = "g652d"


@dataclass(frozen=True)
class Hut:
    """An in-line amplifier hut on a segment, `km_from_a` fiber km from the segment's `a` end."""

    id: str
    segment: str
    index: int
    km_from_a: float
    lat: float
    lon: float


@dataclass(frozen=True)
class SegmentSpans:
    """How a segment divides into amplified spans: count, length and loss of each, and the ILA huts."""

    segment: str
    spans: int
    span_km: float
    span_loss_db: float
    huts: tuple[Hut, ...]
    # As-built spans (measured loss or another fiber type): each span a to z as the km of planning fiber with the
    # same loss, which is what GNPy is given; None when the spans are planning fiber.
    loss_km: tuple[float, ...] | None = None
    # The segment's fiber type (catalog id); the planning fiber when the as-built data names none.
    fiber: str = PLANNING_FIBER


def span_limit_km(amps: Amplifiers) -> float:
    """Return the longest span allowed: the lesser of max_span_km and the km that max span loss permits."""
    loss_room_db = amps.max_span_loss_db - amps.connector_loss_db - amps.margin_db
    return min(amps.max_span_km, loss_room_db / amps.loss_db_per_km)


def span_loss_db(span_km: float, amps: Amplifiers) -> float:
    """Return a span's planned loss in dB: fiber loss plus connectors plus the aging margin."""
    return span_km * amps.loss_db_per_km + amps.connector_loss_db + amps.margin_db


def point_along(coords: tuple[tuple[float, float], ...], fraction: float) -> tuple[float, float]:
    """Return the (lon, lat) at `fraction` of a polyline's geodesic length, on the polyline itself."""
    g = geod()
    legs = [g.inv(a[0], a[1], b[0], b[1])[2] for a, b in zip(coords, coords[1:], strict=False)]
    target = fraction * sum(legs)
    for (a, b), leg in zip(zip(coords, coords[1:], strict=False), legs, strict=False):
        if target <= leg:
            f = 0.0 if leg == 0 else target / leg
            # Linear in lon/lat within a leg keeps the point exactly on the LineString; legs are short enough
            # (tens of km) that the geodesic fraction and the lon/lat fraction differ by metres.
            return a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
        target -= leg
    return coords[-1]


def segment_spans(segment: Segment, amps: Amplifiers) -> SegmentSpans:
    """Return the segment's spans and its ILA huts, evenly spaced so that no span exceeds the limit."""
    spans = max(1, math.ceil(segment.length_km / span_limit_km(amps) - _EPS))
    span_km = segment.length_km / spans
    huts = []
    for index in range(1, spans):
        lon, lat = point_along(segment.coords, index / spans)
        huts.append(
            Hut(
                f"{segment.id}/ila{index:02d}",
                segment.id,
                index,
                index * span_km,
                round(lat, 6),
                round(lon, 6),
            )
        )
    return SegmentSpans(segment.id, spans, span_km, span_loss_db(span_km, amps), tuple(huts))


def waves_for(capacity_tbps: float, line_rate_gbps: float) -> int:
    """Return the number of waves that carry capacity_tbps at line_rate_gbps each: ceil(capacity / rate)."""
    return math.ceil(capacity_tbps * 1000.0 / line_rate_gbps - _EPS)


def channels_per_pair(band_width_thz: float, grid_ghz: float) -> int:
    """Return the channels one fiber pair carries: floor(band width / grid)."""
    return math.floor(band_width_thz * 1000.0 / grid_ghz + _EPS)


def fiber_pairs(waves: int, channels: int) -> int:
    """Return the fiber pairs needed for `waves` channels: ceil(waves / channels per pair)."""
    return math.ceil(waves / channels) if waves > 0 else 0


@dataclass(frozen=True)
class PathNode:
    """A point along a path where a regen could stand: a site, or an ILA hut inside a long segment."""

    id: str
    kind: str  # "site", "hut", or "roadm-hut" (a hut that holds a ROADM because some path regenerates there)
    km: float  # fiber km from the path's start
    lat: float
    lon: float
    # Cumulative km of planning fiber with the same loss (differs from km only on as-built spans).
    loss_km: float | None = None
    # The fiber type of the span that ends here (catalog id).
    fiber: str = PLANNING_FIBER


def path_nodes(
    network: Network, sites: tuple[str, ...], segments: tuple[str, ...], spans: dict[str, SegmentSpans]
) -> list[PathNode]:
    """Return the sites and huts along a path in order, with cumulative fiber km from its start."""
    first = network.sites[sites[0]]
    nodes = [PathNode(first.id, "site", 0.0, first.lat, first.lon, 0.0)]
    km = loss_km = 0.0
    for here, there, seg_id in zip(sites, sites[1:], segments, strict=False):
        seg = network.segments[seg_id]
        seg_spans = spans[seg_id]
        forward = here == seg.a
        ends = [0.0, *(h.km_from_a for h in seg_spans.huts), seg.length_km]
        lengths = list(seg_spans.loss_km) if seg_spans.loss_km is not None else [
            b - a for a, b in zip(ends, ends[1:], strict=False)]
        if not forward:
            lengths.reverse()
        huts = seg_spans.huts if forward else tuple(reversed(seg_spans.huts))
        for hut, span_loss_km in zip(huts, lengths, strict=False):
            offset = hut.km_from_a if forward else seg.length_km - hut.km_from_a
            loss_km += span_loss_km
            nodes.append(PathNode(hut.id, "hut", km + offset, hut.lat, hut.lon, loss_km, seg_spans.fiber))
        loss_km += lengths[-1]
        km += seg.length_km
        site = network.sites[there]
        nodes.append(PathNode(site.id, "site", km, site.lat, site.lon, loss_km, seg_spans.fiber))
    return nodes


@dataclass(frozen=True)
class Section:
    """A regenerator section: from node index `start` to node index `end` of a path, and why it ends there."""

    start: int
    end: int
    reason: str


def place_regens(nodes: list[PathNode], fits: Callable[[int, int], tuple[bool, str]]) -> list[Section]:
    """Return the path's regenerator sections, greedily as long as possible, ending at sites where possible.

    `fits(i, j)` says whether one transceiver pair can bridge nodes i..j, and if not, why not. A section
    ends at the farthest site that fits; only when no site fits does it end at an ILA hut.
    """
    sections: list[Section] = []
    start, last = 0, len(nodes) - 1
    while start < last:
        ok, why = fits(start, last)
        if ok:
            sections.append(Section(start, last, ""))
            break
        end, reason = _farthest(nodes, start, last, fits, "site", why)
        if end is None:
            end, reason = _farthest(nodes, start, last, fits, "hut", why)
        if end is None:
            # Even the next node cannot be reached: keep the hop and let the plan report its negative margin.
            end, reason = start + 1, why
        sections.append(Section(start, end, reason))
        start = end
    return sections


def _farthest(
    nodes: list[PathNode],
    start: int,
    last: int,
    fits: Callable[[int, int], tuple[bool, str]],
    kind: str,
    why: str,
) -> tuple[int | None, str]:
    """Return the farthest node of `kind` in (start, last) that fits (binary search: reach and GSNR only
    worsen with distance), with the reason the section cannot go one candidate further."""
    candidates = [i for i in range(start + 1, last) if nodes[i].kind == kind]
    lo, hi, found = 0, len(candidates) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if fits(start, candidates[mid])[0]:
            found, lo = mid, mid + 1
        else:
            hi = mid - 1
    if found is None:
        return None, why
    beyond = candidates[found + 1] if found + 1 < len(candidates) else last
    return candidates[found], fits(start, beyond)[1] or why


def section_units(nodes: list[PathNode], i: int, j: int) -> tuple[tuple[tuple[float, float, str], ...], ...]:
    """Return the ROADM-to-ROADM units of the section from node i to node j: per unit, its spans a to z as
    (fiber km, km of planning fiber with the same loss, fiber type id).

    Sites (and huts holding a regen's ROADM) are ROADMs, so a unit ends at each between i and j (express
    ROADMs); other huts are amplifiers inside a unit. Each span keeps its own length and loss (as-built spans
    differ), so GNPy sees every span as built.
    """
    units: list[tuple[tuple[float, float], ...]] = []
    spans: list[tuple[float, float]] = []
    for k in range(i + 1, j + 1):
        a, b = nodes[k - 1], nodes[k]
        km = b.km - a.km
        loss_km = (b.loss_km - a.loss_km) if a.loss_km is not None and b.loss_km is not None else km
        spans.append((km, loss_km, b.fiber))
        if b.kind != "hut" or k == j:
            units.append(tuple(spans))
            spans = []
    return tuple(units)


def exact_sections(
    n_nodes: int, hop: Callable[[int, int], tuple[float, ...] | None]
) -> list[tuple[int, int]] | None:
    """Return the cheapest chain of sections from node 0 to node n-1 (a shortest path in the DAG of feasible
    sections), or None when no chain exists.

    `hop(i, j)` gives a section's cost tuple (added element-wise, compared lexicographically) or None when it
    cannot close. A section that cannot close stays closed when it grows (noise and dispersion only
    accumulate), so the search stops extending a start at its first failure. Ties keep the earliest start.
    """
    best: list[tuple[float, ...] | None] = [None] * n_nodes
    back: list[int] = [-1] * n_nodes
    best[0] = ()
    for i in range(n_nodes - 1):
        here = best[i]
        if here is None:
            continue
        for j in range(i + 1, n_nodes):
            cost = hop(i, j)
            if cost is None:
                break
            total = tuple(a + b for a, b in zip(here, cost, strict=True)) if here else cost
            if best[j] is None or total < best[j]:
                best[j], back[j] = total, i
    if best[-1] is None:
        return None
    chain, j = [], n_nodes - 1
    while j > 0:
        chain.append((back[j], j))
        j = back[j]
    return chain[::-1]
