"""A pickled copy of the validated shipped catalog, so that a command does not validate every entry (and build the
catalog models' pydantic validators) each time it starts.

Like compiled modules, the copy lives in the package's __pycache__ and is only ever a shortcut: its name carries
a hash of everything the validated result depends on (the shipped YAML files, the model code, the pydantic and
Python versions) and any trouble reading or writing it falls back to validating the YAML. It is written on first
use, or by `make venv` (as compileall writes the compiled modules, which PYTHONDONTWRITEBYTECODE does not stop). A
user's catalog directory (--catalog) is always validated afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

CACHE_DIR = Path(__file__).parent / "__pycache__"
PREFIX = "catalog-"


def cache_key(files: list[Path]) -> str:
    """Return a hash of the files' names and bytes, the model code and the pydantic and Python versions."""
    import pydantic

    digest = hashlib.blake2b(digest_size=16)
    here = Path(__file__).parent
    for path in [*files, here / "__init__.py", here / "models.py", Path(__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"{pydantic.VERSION} {sys.version} {pickle.HIGHEST_PROTOCOL}".encode())
    return digest.hexdigest()


def load(key: str) -> Any | None:
    """Return the object stored under a key, or None when there is none or it cannot be read."""
    try:
        with open(CACHE_DIR / f"{PREFIX}{key}.pickle", "rb") as stream:
            return pickle.load(stream)
    except Exception:  # noqa: BLE001 - a missing, partial or foreign file is only a cache miss
        return None


def store(key: str, value: Any) -> None:
    """Store an object under a key (replacing older copies), atomically; do nothing if it cannot be written."""
    target = CACHE_DIR / f"{PREFIX}{key}.pickle"
    temporary = CACHE_DIR / f".{PREFIX}{key}.{os.getpid()}.tmp"
    try:
        CACHE_DIR.mkdir(exist_ok=True)
        with open(temporary, "wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
        for old in CACHE_DIR.glob(f"{PREFIX}*.pickle"):
            if old != target:
                old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - a copy that cannot be written is no error: the next start validates
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
