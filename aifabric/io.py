"""Atomic, deterministic file writing: every output goes to a temp file in the same directory, then is renamed."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from aifabric.errors import OutputError


def ensure_dir(path: str | Path) -> Path:
    """Create an output directory if needed; return it as a Path, or raise OutputError."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: --out must be a directory, but a file of that name exists")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{target}: cannot create output directory ({exc.strerror})") from None
    if not os.access(target, os.W_OK):
        raise OutputError(f"{target}: output directory is not writable")
    # A run killed mid-write leaves its hidden temp files; the final names were never touched.
    for stale in target.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    return target


class AtomicWriter:
    """Context manager yielding a text stream; the file appears under its final name only on success."""

    def __init__(self, path: str | Path, newline: str | None = "\n"):
        self.path = Path(path)
        self.newline = newline
        self._tmp_name: str | None = None
        self._stream: io.TextIOWrapper | None = None

    def __enter__(self):
        parent = self.path.parent if str(self.path.parent) else Path(".")
        if self.path.is_dir():
            raise OutputError(f"{self.path}: is a directory; give a file name")
        try:
            fd, self._tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=parent)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write ({exc.strerror})") from None
        self._stream = os.fdopen(fd, "w", encoding="utf-8", newline=self.newline)
        return self._stream

    def __exit__(self, exc_type, exc, tb):
        assert self._stream is not None and self._tmp_name is not None
        self._stream.close()
        if exc_type is not None:
            os.unlink(self._tmp_name)
            return False
        os.chmod(self._tmp_name, 0o644)
        os.replace(self._tmp_name, self.path)
        return False


def write_text(path: str | Path, text: str) -> Path:
    """Write text atomically; return the path."""
    with AtomicWriter(path) as stream:
        stream.write(text)
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write bytes atomically; return the path."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def json_text(document: Any) -> str:
    """Return the canonical JSON text of a document: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(path: str | Path, document: Any) -> Path:
    """Write a JSON document atomically and canonically; return the path."""
    return write_text(path, json_text(document))


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV (LF line ends) atomically, streaming the rows; return the path."""
    with AtomicWriter(path, newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return Path(path)
