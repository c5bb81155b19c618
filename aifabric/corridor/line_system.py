"""The line system as planned: the amplifier after every span of every used segment (type, gain, noise figure,
output power, electrical power and price), the same amplifiers GNPy is handed (gnpy_check.LineModel)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from aifabric.corridor.gnpy_check import LineModel, amplifier_range_db


@dataclass(frozen=True)
class SpanAmplifier:
    """One span of a segment in one direction and the amplifier after it (in a hut, or the next ROADM's
    preamp)."""

    segment: str
    direction: str
    index: int
    km: float
    loss_db: float
    fiber: str
    at: str
    entry: str
    gnpy_type: str
    gain_db: float
    nf_db: float
    out_dbm: float


def span_amplifiers(network, segments, model: LineModel, launch_dbm: float, channels: int,
                    roadm_huts: frozenset[str] = frozenset()) -> list[SpanAmplifier]:
    """Return the amplifier after each span of each used segment, both directions (each amplifier's gain is set
    by the span before it and the span it launches into, so the two directions may differ); its total output is
    the launch power per channel at full load (`channels` per fiber pair), as GNPy designs it."""
    out_dbm = launch_dbm + 10 * math.log10(max(channels, 1))
    rows = []
    for s in segments:
        seg = network.segments[s.segment_id]
        spans = s.spans
        ends = [0.0, *(h.km_from_a for h in spans.huts), seg.length_km]
        lengths = [b - a for a, b in zip(ends, ends[1:], strict=False)]
        losses = list(spans.loss_km) if spans.loss_km is not None else lengths
        fiber_spans = [(round(km, 3), round(loss, 3), spans.fiber) for km, loss in zip(lengths, losses, strict=True)]
        for start, end in ((seg.a, seg.z), (seg.z, seg.a)):
            order = list(range(spans.spans) if start == seg.a else range(spans.spans - 1, -1, -1))
            for n, k in enumerate(order):
                # The node after span k in this direction: a hut (k, or k-1 going back), else the far site.
                last = n == len(order) - 1
                hut = None if last else spans.huts[k if start == seg.a else k - 1]
                into_roadm = hut is None or hut.id in roadm_huts
                following = None if into_roadm else fiber_spans[order[n + 1]]
                span = fiber_spans[k]
                amp = model.after(span, following)
                rows.append(SpanAmplifier(seg.id, f"{start}->{end}", k + 1, lengths[k], model.span_loss_db(span),
                                          spans.fiber, end if hut is None else hut.id, amp.entry, amp.gnpy_type,
                                          amp.gain_db, amp.nf_db, out_dbm))
    return rows


def line_system_json(rows: list[SpanAmplifier], equipment: dict, prices: dict[str, float], family: str,
                     booster: str) -> dict[str, Any]:
    """Return the `line_system` object of `corridor plan --json`: amplifiers per GNPy type (one per span and
    direction, per fiber pair), spans, the catalog entry, power and price of each type, and every span's
    amplifier in each direction."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.gnpy_type] = counts.get(r.gnpy_type, 0) + 1
    types = {}
    for r in rows:
        if r.gnpy_type in types:
            continue
        entry = equipment[r.entry]
        lo, hi = amplifier_range_db(r.gnpy_type)
        types[r.gnpy_type] = {"entry": entry.id, "name": entry.name, "family": entry.family,
                              "gain_range_db": [lo, hi], "power_w": entry.power_w,
                              "price_usd": prices.get(entry.id)}
    return {
        "family": family,
        "amplifiers": dict(sorted(counts.items())),
        "spans": len({(r.segment, r.index) for r in rows}),
        "roadm_booster": booster,
        "types": dict(sorted(types.items())),
        "per_span": [
            {"segment": r.segment, "direction": r.direction, "span": r.index, "km": round(r.km, 1),
             "loss_db": round(r.loss_db, 2),
             "fiber": r.fiber, "at": r.at, "type": r.gnpy_type, "entry": r.entry, "gain_db": round(r.gain_db, 2),
             "nf_db": round(r.nf_db, 2), "out_dbm": round(r.out_dbm, 2)}
            for r in rows
        ],
    }
