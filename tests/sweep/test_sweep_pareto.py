"""The Pareto front is exact: every dropped feasible design is dominated by a kept one; no kept one is dominated."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aifabric.sweep.evaluate import OBJECTIVES
from aifabric.sweep.pareto import dominates, pareto_mask


def _vector(candidate):
    return tuple(candidate[key] for key in OBJECTIVES)


def test_front_of_small_grid_is_exact(small_sweep):
    feasible = [c for c in small_sweep if c["feasible"]]
    kept = [c for c in feasible if c["pareto"]]
    dropped = [c for c in feasible if not c["pareto"]]
    assert len(small_sweep) == 48
    assert kept and dropped, "the grid should have both front and dominated designs"
    for c in dropped:
        assert any(dominates(_vector(k), _vector(c)) for k in kept), c
    for k in kept:
        assert not any(dominates(_vector(other), _vector(k)) for other in feasible), k
    assert not any(c["pareto"] for c in small_sweep if not c["feasible"])


def test_best_design_on_each_objective_is_on_the_front(small_sweep):
    feasible = [c for c in small_sweep if c["feasible"]]
    for first in range(len(OBJECTIVES)):
        order = OBJECTIVES[first:] + OBJECTIVES[:first]
        best = min(feasible, key=lambda c: tuple(c[key] for key in order))
        assert best["pareto"], (OBJECTIVES[first], best)


def test_ties_are_all_kept_and_order_does_not_matter():
    points = [(3, 1), (1, 3), (2, 2), (2, 2), (3, 3), (1, 4)]
    assert pareto_mask(points) == [True, True, True, True, False, False]
    assert pareto_mask(list(reversed(points))) == list(reversed(pareto_mask(points)))
    assert pareto_mask([]) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(*(st.integers(0, 6) for _ in range(4))), max_size=40))
def test_matches_brute_force(points):
    brute = [not any(dominates(q, p) for q in points) for p in points]
    assert pareto_mask(points) == brute
