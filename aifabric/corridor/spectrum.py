"""Spectrum assignment: first-fit flexgrid slots with wavelength continuity along each transparent section.

Every wave of a regenerator section (a lightpath) needs the same contiguous block of 12.5 GHz slots on every
segment it crosses; a ROADM may move it to another fiber pair of the next segment (each fiber pair is its own
degree), but not to another frequency. A regen ends the lightpath, so the next section is assigned afresh.
Fiber pairs per segment are then the pairs the assignment opened, not ceil(waves / channels).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lightpath:
    """The waves of one section: `waves` channels of `slots` slots each over `segments`, aligned to `align`."""

    key: str
    segments: tuple[str, ...]
    waves: int
    slots: int
    align: int


@dataclass(frozen=True)
class Assignment:
    """Where each wave went: per lightpath key, a list of (first slot, {segment: fiber pair index})."""

    slots_per_pair: int
    channels: dict[str, list[tuple[int, dict[str, int]]]]
    fiber_pairs: dict[str, int]
    slots_used: dict[str, int]


def first_fit(lightpaths: list[Lightpath], slots_per_pair: int, guard: int = 0) -> Assignment:
    """Return a first-fit assignment of every wave: the lowest slot block free on every segment of its section
    (on any fiber pair there), opening a new fiber pair only where no existing one has the block free.

    `guard` is a mask of slots no channel may use (between the sub-bands of C+L); they count as occupied on every
    fiber pair but not in `slots_used`. Lightpaths are placed widest first, then longest (most segments) first,
    then in the given order, the usual first-fit ordering that packs tighter.
    """
    occupied: dict[str, list[int]] = {}
    # Per segment: bits occupied on every one of its fiber pairs (a block is blocked there only if so).
    blocked: dict[str, int] = {}
    channels: dict[str, list[tuple[int, dict[str, int]]]] = {}
    order = sorted(range(len(lightpaths)), key=lambda i: (-lightpaths[i].slots, -len(lightpaths[i].segments), i))
    for index in order:
        lp = lightpaths[index]
        if lp.slots > slots_per_pair:
            raise ValueError(f"a {lp.slots}-slot channel does not fit a {slots_per_pair}-slot fiber pair")
        placed = channels.setdefault(lp.key, [])
        block = (1 << lp.slots) - 1
        for _ in range(lp.waves):
            combined = guard
            for seg in lp.segments:
                combined |= blocked.get(seg, 0)
            start = _lowest_free(combined, block, lp, occupied, slots_per_pair)
            if start is None:
                # No block is free on every segment: take the block that needs new fiber pairs on fewest segments.
                starts = [s for s in range(0, slots_per_pair - lp.slots + 1, lp.align) if not guard & (block << s)]
                if not starts:
                    raise ValueError(f"a {lp.slots}-slot channel fits no sub-band of a {slots_per_pair}-slot pair")
                start = min(
                    starts,
                    key=lambda s: (sum(1 for seg in lp.segments if blocked.get(seg, 0) & (block << s)), s),
                )
            mask = block << start
            pairs: dict[str, int] = {}
            for seg in lp.segments:
                seg_pairs = occupied.setdefault(seg, [])
                pair = next((p for p, bits in enumerate(seg_pairs) if not bits & mask), None)
                if pair is None:
                    seg_pairs.append(guard)
                    pair = len(seg_pairs) - 1
                seg_pairs[pair] |= mask
                pairs[seg] = pair
                all_bits = (1 << slots_per_pair) - 1
                for bits in seg_pairs:
                    all_bits &= bits
                blocked[seg] = all_bits
            placed.append((start, pairs))
    return Assignment(
        slots_per_pair,
        channels,
        {seg: len(pairs) for seg, pairs in sorted(occupied.items())},
        {seg: sum(bin(bits & ~guard).count("1") for bits in pairs) for seg, pairs in sorted(occupied.items())},
    )


def _lowest_free(
    combined: int, block: int, lp: Lightpath, occupied: dict[str, list[int]], slots_per_pair: int
) -> int | None:
    """Return the lowest aligned block free on some fiber pair of every segment, or None."""
    for start in range(0, slots_per_pair - lp.slots + 1, lp.align):
        mask = block << start
        # `combined` rules out quickly the blocks that are busy on every pair of some segment; mixed widths
        # can still leave no single pair with the whole block free, so check the pairs.
        if not combined & mask and all(
            any(not bits & mask for bits in occupied.get(seg, [])) or seg not in occupied for seg in lp.segments
        ):
            return start
    return None
