"""The two-best sum used by the latency chains equals the sort-based definition, ties and padding included."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aifabric.fabric.latency import _top2

FINITE = [0.0, 1.5, 2.0, 2.0, 7.25, 100.0]


@given(data=st.data(), worst=st.booleans())
def test_top2_equals_sorted_definition(data, worst):
    shape = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple))
    # Chains are padded with the fill of their direction only (-inf when worst, inf when best).
    fill = -np.inf if worst else np.inf
    grid = data.draw(arrays(np.float64, shape, elements=st.sampled_from([*FINITE, fill])))
    axis = data.draw(st.integers(0, len(shape) - 1))
    got = _top2(grid, axis, worst)
    if shape[axis] < 2:
        assert np.all(got == (-np.inf if worst else np.inf))
        return
    ordered = np.sort(grid, axis=axis)
    if worst:
        ordered = np.flip(ordered, axis=axis)
    expected = np.take(ordered, 0, axis=axis) + np.take(ordered, 1, axis=axis)
    np.testing.assert_array_equal(got, expected)
