"""The SimAI writer's vectorised line formatter writes exactly what an f-string per line writes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from aifabric.export import simai

TAIL = " 400Gbps 0.0005ms 0"


def _reference(src, dst, tail: str) -> str:
    return "".join(f"{a} {b}{tail}\n" for a, b in zip(src.tolist(), dst.tolist(), strict=True))


ids = st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 2**40)) | st.tuples(st.integers(0, 120),
                                                                                   st.integers(0, 12)),
               max_size=60)


@given(pairs=ids)
def test_format_equals_one_f_string_per_line(pairs):
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b in pairs], dtype=np.int64)
    assert simai._format(src, dst, TAIL) == _reference(src, dst, TAIL)


def test_format_digit_boundaries_and_blocks(monkeypatch):
    values = np.array([0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 2**31 - 2, 2**31 - 1, 2**31, 10**12], dtype=np.int64)
    src, dst = np.repeat(values, len(values)), np.tile(values, len(values))
    assert simai._format(src, dst, TAIL) == _reference(src, dst, TAIL)
    monkeypatch.setattr(simai, "FORMAT_ROWS", 7)  # blocks of 7 lines, each with its own column widths
    assert simai._format(src, dst, TAIL) == _reference(src, dst, TAIL)
    assert simai._format(src[:0], dst[:0], TAIL) == ""


@given(values=st.lists(st.integers(0, 10**9), max_size=50))
def test_distinct_equals_unique(values):
    array = np.array(values, dtype=np.int64)
    assert np.array_equal(simai._distinct(array), np.unique(array))


@given(widths=st.lists(st.tuples(st.integers(1, 18), st.integers(1, 18), st.integers(1, 40)), min_size=1, max_size=8),
       seed=st.integers(0, 2**32 - 1))
def test_format_runs_of_equal_widths_equal_one_f_string_per_line(widths, seed):
    """Runs of lines with the same id widths (the export's usual shape) take the fixed-column layout; every
    layout (fixed runs, padded words, any block size) writes what the f-string writes."""
    rng = np.random.default_rng(seed)
    src = np.concatenate([rng.integers(10 ** (a - 1) if a > 1 else 0, 10**a, n) for a, _, n in widths])
    dst = np.concatenate([rng.integers(10 ** (b - 1) if b > 1 else 0, 10**b, n) for _, b, n in widths])
    expected = _reference(src, dst, TAIL)
    assert simai._format(src, dst, TAIL) == expected
    for run_lines, rows in ((1, 5), (10**9, 1 << 20), (1, 1 << 20)):
        simai.RUN_LINES, simai.FORMAT_ROWS = run_lines, rows
        try:
            assert simai._format(src, dst, TAIL) == expected
        finally:
            simai.RUN_LINES, simai.FORMAT_ROWS = 32, 1 << 20


def test_format_takes_the_fixed_layout_for_runs(monkeypatch):
    """Sorted ids of few widths are laid out without the padded grid (whose 0-byte filter costs more)."""
    monkeypatch.setattr(simai, "_padded_lines", None)  # calling it would fail
    src = np.arange(100_000, dtype=np.int64)
    dst = 100_000 + src // 8
    assert simai._format(src, dst, TAIL) == _reference(src, dst, TAIL)


@given(pairs=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)), min_size=1, max_size=60),
       sorted_=st.booleans())
def test_format_with_an_id_table_equals_one_f_string_per_line(pairs, sorted_):
    """The export looks ids up in a table of every node id's text (_id_text): the same lines as formatting each."""
    if sorted_:
        pairs = sorted(pairs)
    src = np.array([a for a, _ in pairs], dtype=np.int64) % 20_000
    dst = np.array([b for _, b in pairs], dtype=np.int64) % 20_000
    ids = simai._id_text(20_000)
    got = b"".join(bytes(chunk) for chunk in simai._format_bytes(src, dst, TAIL, ids))
    assert got.decode("ascii") == _reference(src, dst, TAIL)


def test_id_table_holds_every_id_text():
    words, digits = simai._id_text(123_457)
    text = words.view(np.uint8).reshape(len(words), -1)
    for value in (0, 1, 9, 10, 99_999, 100_000, 123_456):
        assert bytes(text[value][text[value] != 0]).decode() == str(value)
        assert digits[value] == len(str(value))
