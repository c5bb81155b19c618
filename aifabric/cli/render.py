"""Rendering helpers: rich consoles (data to stdout, progress to stderr) and JSON printing."""

from __future__ import annotations

import sys
from typing import Any


def stdout_console():
    """Return a rich Console on stdout, wide enough that piped tables are not truncated."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)


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
