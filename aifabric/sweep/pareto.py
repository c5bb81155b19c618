"""The Pareto front of sweep candidates: the feasible designs no other feasible design beats on every objective."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """Return True when a is no worse than b on every objective and better on at least one (all minimised)."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))


def pareto_mask(points: Sequence[Sequence[float]]) -> list[bool]:
    """Return, per point, whether it is on the Pareto front (minimising every coordinate); exact, deterministic.

    Points are visited in lexicographic order: a point can only be dominated by one that sorts before it, and
    whatever dominates a point is itself dominated by (or is) a point already on the front. Equal points are all
    kept, since neither dominates the other.
    """
    order = sorted(range(len(points)), key=lambda i: (tuple(points[i]), i))
    front: list[int] = []
    mask = [False] * len(points)
    for i in order:
        point = tuple(points[i])
        if not any(dominates(points[j], point) for j in front):
            front.append(i)
            mask[i] = True
    return mask


def mark_pareto(candidates: list[dict[str, Any]], objectives: Sequence[str]) -> list[dict[str, Any]]:
    """Return the candidates with `pareto` set: True for the feasible ones on the front of the given objectives."""
    feasible = [c for c in candidates if c["feasible"]]
    mask = pareto_mask([tuple(c[key] for key in objectives) for c in feasible])
    for candidate in candidates:
        candidate["pareto"] = False
    for candidate, on_front in zip(feasible, mask, strict=True):
        candidate["pareto"] = on_front
    return candidates
