"""Rendering helpers: rich consoles (data to stdout, progress to stderr) and JSON printing."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from aifabric.units import count  # noqa: F401 - the CLI's renderers take it from here

# A word holding a digit is a number (2,166.7, 61.5%, 400G, 14): it is never folded, cut or ellipsized.
_NUMBER_WORD = re.compile(r"\S*\d\S*")
# A numeric cell: a number with an optional unit or verdict (2,166.7 / 61.5% / 400G / 99.99 ok / $1.2M), or "-".
_NUMERIC_CELL = re.compile(r"[-+$]?[\d,]*\.?\d+ ?(%|[A-Za-z/]{1,4})?( ok| FAIL)?|-|")


def stdout_console():
    """Return a rich Console on stdout: the terminal's width, $COLUMNS when set, else wide enough that piped
    tables are not squeezed."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console()
    columns = os.environ.get("COLUMNS", "")
    return Console(width=int(columns) if columns.isdigit() and int(columns) > 0 else 160)


def report_written(paths) -> None:
    """Say on stderr which files a command wrote, one `wrote PATH` line each (every command alike)."""
    for path in paths:
        sys.stderr.write(f"wrote {path}\n")


def print_table(console, table, droppable: Sequence[str] = ()) -> None:
    """Print a rich Table so that no number and no id is ever cut and headers wrap between words.

    A column holding numbers gets a fixed width that fits its longest number and its longest header word; a text
    column folds between words, never inside an id (a cell of one word, such as `dallas-ashburn` or `q3400`). If
    the terminal is too narrow, the droppable columns go (last first), then numeric headers break inside words,
    then, rather than break an id, any column but the first goes (last first); a note says which and how to see
    them.
    """
    widest: dict[int, tuple] = {}  # id(numeric column) -> (column, its longest cell, its longest header word)
    text: dict[int, tuple] = {}  # id(text column) -> (column, the width it folds to at least)
    for column in table.columns:
        column.overflow = "fold"
        cells = [str(cell).strip() for cell in column._cells]
        header_word = _longest_header_word(column)
        if any(_NUMBER_WORD.search(cell) for cell in cells) and all(_NUMERIC_CELL.fullmatch(cell) for cell in cells):
            longest = max(len(cell) for cell in cells)  # a number keeps its unit or verdict on its line
            widest[id(column)] = (column, longest, header_word)
            # A fixed width keeps rich from squeezing the column (it squeezes only flexible ones).
            column.width = max(longest, header_word)
        else:
            text[id(column)] = (column, _text_floor(column))
    _narrow_headers(table, widest, console.width, header_words=True)
    dropped: list[str] = []
    _drop(table, list(reversed(list(droppable))), console.width, widest, text, dropped)
    _narrow_headers(table, widest, console.width, header_words=False)
    # Still too wide: rather than break an id, leave out more columns (never the first), last first.
    _drop(table, [str(c.header) for c in reversed(table.columns[1:])], console.width, widest, text, dropped,
          word_floor=ID_ONLY_WORD_FLOOR)
    word_floor = TEXT_MIN_WIDTH if _least_width(table) <= console.width else ID_ONLY_WORD_FLOOR
    if _least_width(table, word_floor) <= console.width:
        # Rich squeezes a flexible column to nothing when fixed ones take the width: keep a readable minimum.
        text = {key: (column, _text_floor(column, word_floor)) for key, (column, _) in text.items()}
        for column, least in text.values():
            column.min_width = least
        if _natural_width(table) > console.width:
            _share_width(table, text, console.width, word_floor)
    _wrap_headers(table)
    console.print(table)
    if dropped:
        names = ", ".join(" ".join(str(n).split()) for n in reversed(dropped))
        console.print(f"[dim]columns left out to fit {console.width} columns: {names} "
                      "(a wider terminal or --json shows them)[/dim]")


def _drop(table, names: list[str], width: int, widest: dict, text: dict, dropped: list[str],
          word_floor: int = 0) -> None:
    """Remove the named columns, in order, until the table fits the width; record each name in `dropped`."""
    for name in names:
        if _least_width(table, word_floor or TEXT_MIN_WIDTH) <= width:
            return
        column = next((c for c in table.columns if str(c.header) == name), None)
        if column is not None and column is not table.columns[0]:
            table.columns.remove(column)
            widest.pop(id(column), None)
            text.pop(id(column), None)
            dropped.append(name)


def _header_words(header) -> list[str]:
    """Return a header's words: split at spaces, and after each `_` of a field name (lane_gbps -> lane_, gbps)."""
    return [w for word in str(header).split() for w in re.findall(r"[^_]+_?|_", word)]


def _longest_header_word(column) -> int:
    return max((len(w) for w in _header_words(column.header)), default=1)


def _text_floor(column, word_floor: int = 0) -> int:
    """Return the narrowest width a text column folds to: its longest id (a one-word cell) whole, other words to
    word_floor (TEXT_MIN_WIDTH), its header's longest word too."""
    word_floor = word_floor or TEXT_MIN_WIDTH
    ids = [len(str(cell).strip()) for cell in column._cells
           if str(cell).strip() and len(str(cell).split()) == 1 and len(str(cell).strip()) <= ID_MAX_WIDTH]
    words = [len(w) for cell in column._cells for w in str(cell).split()] or [1]
    return max(max(ids, default=1), min(max(words), word_floor), min(_longest_header_word(column), word_floor))


def _wrap_headers(table) -> None:
    """Break each header between its words to the width its column will have, so rich never folds mid-word."""
    for column in table.columns:
        width = column.width or column.min_width
        header = str(column.header)
        if not width or len(header) <= width or "\n" in header:
            continue
        lines, line = [], ""
        for word in _header_words(header):
            joined = line + ("" if not line or line.endswith("_") else " ") + word
            if line and len(joined) > width:
                lines.append(line)
                line = word
            else:
                line = joined
        lines.append(line)
        if all(len(part) <= width for part in lines):
            column.header = "\n".join(lines)


def _narrow_headers(table, widest: dict, width: int, header_words: bool) -> None:
    """Narrow numeric columns that are wider than their numbers (for their header), a character at a time, the
    widest margin first, down to their longest number (and, with header_words, their longest header word), until
    the table fits the width."""
    while _least_width(table) > width:
        floors = [(column, max(w, words if header_words else HEADER_MIN_WIDTH)) for column, w, words in
                  widest.values()]
        spare = [(column.width - floor, n, column) for n, (column, floor) in enumerate(floors)
                 if column.width > floor]
        if not spare:
            return
        max(spare, key=lambda s: s[:2])[2].width -= 1


HEADER_MIN_WIDTH = 5  # a numeric column's header folds to no less than this once columns are dropped
TEXT_MIN_WIDTH = 8  # a text column folds to no less than this, so a word stays readable
ID_MAX_WIDTH = 24  # a one-word cell up to this long is an id and is never broken
ID_ONLY_WORD_FLOOR = 4  # before leaving a column out, other words may fold to this (ids stay whole)


def _natural(column) -> int:
    """Return the width a column takes unfolded: its longest cell line (or its fixed width)."""
    if column.width is not None:
        return column.width
    lines = [len(line) for cell in (*column._cells, column.header) for line in str(cell).splitlines()] or [1]
    return max(lines)


def _natural_width(table) -> int:
    return sum(_natural(c) + 2 for c in table.columns) + len(table.columns) + 1


def _share_width(table, text: dict, width: int, word_floor: int = 0) -> None:
    """Fix each text column's width: its floor, plus the spare width shared a character at a time to the column
    furthest from its natural width, so the table is exactly as wide as the terminal allows (rich, left alone,
    crops a table whose columns' longest words overfill it)."""
    columns = [(column, least) for column, least in text.values()]
    for column, least in columns:
        column.width = least
    spare = width - _least_width(table, word_floor)
    while spare > 0:
        wants = [(_natural_unfixed(column) - column.width, n, column) for n, (column, _) in enumerate(columns)
                 if _natural_unfixed(column) > column.width]
        if not wants:
            return
        max(wants, key=lambda w: (w[0], -w[1]))[2].width += 1
        spare -= 1


def _natural_unfixed(column) -> int:
    lines = [len(line) for cell in (*column._cells, column.header) for line in str(cell).splitlines()] or [1]
    return max(lines)


def _least_width(table, word_floor: int = 0) -> int:
    """Return the narrowest width the table can take without cutting a number or an id (padding, borders too),
    other words folded to word_floor (TEXT_MIN_WIDTH)."""
    inner = 0
    for column in table.columns:
        if column.width is not None:
            inner += column.width + 2
            continue
        inner += _text_floor(column, word_floor) + 2
    return inner + len(table.columns) + 1


def stderr_console():
    """Return a rich Console on stderr for progress and diagnostics."""
    from rich.console import Console

    return Console(stderr=True)


def print_json(document: Any) -> None:
    """Print one canonical JSON document to stdout and nothing else."""
    from aifabric.io import json_text

    sys.stdout.write(json_text(document))


def progress_bar(enabled: bool):
    """Return a rich Progress on stderr, or a no-op stand-in when disabled (--json, not a terminal)."""
    if not enabled or not sys.stderr.isatty():
        return _NoProgress()
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(), console=stderr_console(), transient=True,
    )


class _NoProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def update(self, task_id: int, advance: float | None = None, **kwargs) -> None:
        return None


def progress_callback(progress, description: str):
    """Return a function(done, total) that drives one task of the given progress bar."""
    state: dict[str, int] = {}

    def callback(done: int, total: int) -> None:
        if "task" not in state:
            state["task"] = progress.add_task(description, total=total)
        progress.update(state["task"], completed=done, total=total)

    return callback
