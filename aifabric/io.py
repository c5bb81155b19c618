"""Atomic, deterministic file writing: every output goes to a temp file in the same directory, then is renamed."""

from __future__ import annotations

import io
import os
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


def check_file_target(path: str | Path) -> Path:
    """Return the path if a file can be written there (its directory exists and is writable), else raise
    OutputError naming what is wrong; commands call it before long work so a bad -o fails at once."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; give a file name")
    if not parent.exists():
        raise OutputError(f"{target}: cannot write: directory {parent} does not exist (create it first)")
    if not parent.is_dir():
        raise OutputError(f"{target}: cannot write: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{target}: cannot write: directory {parent} is not writable")
    return target


def _temp_beside(path: Path, mode: str, newline: str | None = None):
    """Return (stream, temp name) of a hidden temp file in the target's directory, or raise OutputError."""
    check_file_target(path)
    try:
        fd, tmp_name = _create_temp(path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    if "b" in mode:
        return os.fdopen(fd, mode), tmp_name
    return os.fdopen(fd, mode, encoding="utf-8", newline=newline), tmp_name


# As tempfile.mkstemp opens its files (created here, private, not inherited), without importing tempfile and the
# modules it needs (≈3 ms of a command's start).
_TEMP_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | \
    getattr(os, "O_BINARY", 0)


def _create_temp(path: Path) -> tuple[int, str]:
    """Return (descriptor, name) of a new file `.<name>.<random>.tmp` beside the target, readable only by its owner
    (tempfile.mkstemp's names and mode); raise OSError when none can be created."""
    for _ in range(100):
        name = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(name, _TEMP_FLAGS, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(17, "no free temporary name", str(path.parent))


def _publish(tmp_name: str, path: Path) -> None:
    """Give the finished temp file its final name (readable by all, as a normal file would be)."""
    try:
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except OSError as exc:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None


class AtomicWriter:
    """Context manager yielding a text stream (a binary one if `binary`); the file appears under its final name only
    on success."""

    def __init__(self, path: str | Path, newline: str | None = "\n", binary: bool = False):
        self.path = Path(path)
        self.newline = newline
        self.binary = binary
        self._tmp_name: str | None = None
        self._stream: io.TextIOWrapper | io.BufferedWriter | None = None

    def __enter__(self):
        self._stream, self._tmp_name = _temp_beside(self.path, "wb" if self.binary else "w", self.newline)
        return self._stream

    def __exit__(self, exc_type, exc, tb):
        assert self._stream is not None and self._tmp_name is not None
        self._stream.close()
        if exc_type is not None:
            os.unlink(self._tmp_name)
            return False
        _publish(self._tmp_name, self.path)
        return False


def write_text(path: str | Path, text: str) -> Path:
    """Write text atomically; return the path."""
    with AtomicWriter(path) as stream:
        stream.write(text)
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write bytes atomically; return the path."""
    target = Path(path)
    stream, tmp = _temp_beside(target, "wb")
    try:
        with stream:
            stream.write(data)
    except BaseException:
        os.unlink(tmp)
        raise
    _publish(tmp, target)
    return target


def plain_number(value: float, decimals: int = 3) -> str:
    """Return a number for a CSV cell: exact integers as integers (1216384, never 1.21638e+06), else fixed decimals
    without trailing zeros (17.5)."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def json_text(document: Any) -> str:
    """Return the canonical JSON text of a document: sorted keys, 2-space indent, trailing newline."""
    import json  # here, not with the module: a command writing no JSON (export --format simai) skips it

    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(path: str | Path, document: Any) -> Path:
    """Write a JSON document atomically and canonically; return the path."""
    return write_text(path, json_text(document))


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV (LF line ends) atomically, streaming the rows; return the path."""
    import csv

    with AtomicWriter(path, newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return Path(path)


# The source tree's root: shipped example data (price books) lives beside the package, not inside it.
SOURCE_ROOT = Path(__file__).resolve().parents[1]


def source_tree_file(relative: str) -> Path | None:
    """Return a shipped data file (e.g. `topologies/prices-indicative.csv`) from the source tree, else from the
    working directory; None when neither holds it (an installed wheel run elsewhere)."""
    for candidate in (SOURCE_ROOT / relative, Path.cwd() / relative):
        if candidate.is_file():
            return candidate
    return None
