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
    """Print a rich Table so that no number is ever cut: a column holding numbers gets a fixed width that fits its
    longest number (its header folds instead); text folds. If the terminal is too narrow, headers fold further,
    then the droppable columns go (last first) and a note says which and how to see them."""
    widest: dict[int, tuple] = {}  # id(numeric column) -> (column, its longest cell)
    text: dict[int, tuple] = {}  # id(text column) -> (column, the width it folds to at least)
    for column in table.columns:
        column.overflow = "fold"
        cells = [str(cell).strip() for cell in column._cells]
        if any(_NUMBER_WORD.search(cell) for cell in cells) and all(_NUMERIC_CELL.fullmatch(cell) for cell in cells):
            longest = max(len(cell) for cell in cells)  # a number keeps its unit or verdict on its line
            widest[id(column)] = (column, longest)
            # A fixed width keeps rich from squeezing the column (it squeezes only flexible ones).
            header = max((len(w) for w in str(column.header).split()), default=1)
            column.width = max(longest, min(header, TEXT_MIN_WIDTH))
        else:
            words = [len(w) for cell in (*cells, str(column.header)) for w in cell.split()] or [1]
            text[id(column)] = (column, min(max(words), TEXT_MIN_WIDTH))
    _narrow_headers(table, widest, console.width, HEADER_MIN_WIDTH)
    dropped = []
    for name in reversed(list(droppable)):
        if _least_width(table) <= console.width:
            break
        column = next((c for c in table.columns if c.header == name), None)
        if column is not None:
            table.columns.remove(column)
            widest.pop(id(column), None)
            dropped.append(name)
    _narrow_headers(table, widest, console.width, 1)
    if _least_width(table) <= console.width:
        # Rich squeezes a flexible column to nothing when fixed ones take the width: keep a readable minimum.
        for column, least in text.values():
            column.min_width = least
    console.print(table)
    if dropped:
        console.print(f"[dim]columns left out to fit {console.width} columns: {', '.join(reversed(dropped))} "
                      "(a wider terminal or --json shows them)[/dim]")


def _narrow_headers(table, widest: dict, width: int, floor: int) -> None:
    """Narrow numeric columns that are wider than their numbers (for their header), a character at a time, the
    widest margin first, down to max(their longest number, floor), until the table fits the width."""
    while _least_width(table) > width:
        spare = [(column.width - max(w, floor), n, column) for n, (column, w) in enumerate(widest.values())
                 if column.width > max(w, floor)]
        if not spare:
            return
        max(spare, key=lambda s: s[:2])[2].width -= 1


HEADER_MIN_WIDTH = 5  # a numeric column's header folds to no less than this before columns are dropped
TEXT_MIN_WIDTH = 8  # a text column folds to no less than this, so a word stays readable


def _least_width(table) -> int:
    """Return the narrowest width the table can take without cutting a number (cell padding and borders too)."""
    inner = 0
    for column in table.columns:
        if column.width is not None:
            inner += column.width + 2
            continue
        words = [len(w) for cell in (*column._cells, column.header) for w in str(cell).split()] or [1]
        inner += min(max(words), TEXT_MIN_WIDTH) + 2
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
