"""The hardware catalog: YAML files shipped in this package, optionally extended or overridden by a user's
directory (`--catalog DIR`). Each file holds `kind:` and a list of `entries:`, each with an `id` and a `source`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from aifabric.errors import CatalogError, SpecError

Entry = TypeVar("Entry", bound=BaseModel)
PACKAGE_DIR = Path(__file__).parent
# (kind, id) -> (file, line) of the entry that won, so cross-reference errors can point at it.
ORIGINS: dict[tuple[str, str], tuple[str, int | None]] = {}


def catalog_files(kind: str, user_dir: str | Path | None = None) -> list[Path]:
    """Return the YAML files holding entries of one kind: the shipped file first, then the user's."""
    files = [PACKAGE_DIR / f"{kind}.yaml"]
    if user_dir is not None:
        root = Path(user_dir)
        if not root.exists():
            raise SpecError(str(root), None, "catalog directory does not exist")
        if not root.is_dir():
            raise SpecError(str(root), None, "--catalog must be a directory of YAML files")
        from aifabric.spec.loader import load_yaml

        for path in sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml")):
            data, _ = load_yaml(path, what="catalog")
            if isinstance(data, dict) and data.get("kind") == kind:
                files.append(path)
    return files


def load_entries(kind: str, model: type[Entry], user_dir: str | Path | None = None) -> dict[str, Entry]:
    """Return {id: validated entry} for one kind; later files override earlier ones entry by entry."""
    return dict(_load_entries_cached(kind, model, None if user_dir is None else str(user_dir)))


@lru_cache(maxsize=32)
def _load_entries_cached(kind: str, model: type[Entry], user_dir: str | None) -> tuple[tuple[str, Entry], ...]:
    from aifabric.spec.loader import load_yaml, validate

    merged: dict[str, Entry] = {}
    for path in catalog_files(kind, user_dir):
        data, lines = load_yaml(path, what="catalog")
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise SpecError(str(path), "entries", "a catalog file needs `kind:` and a list `entries:`", line=1)
        seen: set[str] = set()
        for index, raw in enumerate(data["entries"]):
            if not isinstance(raw, dict):
                raise SpecError(str(path), f"entries[{index}]", "must be a mapping", line=lines.get(("entries", index)))
            entry = validate(model, raw, lines, str(path), prefix=("entries", index))
            entry_id = entry.id
            if entry_id in seen:
                raise SpecError(str(path), f"entries[{index}].id", f"duplicate id '{entry_id}'",
                                line=lines.get(("entries", index)))
            seen.add(entry_id)
            merged[entry_id] = entry
            ORIGINS[(kind, entry_id)] = (str(path), lines.get(("entries", index)))
    return tuple(sorted(merged.items()))


def lookup(entries: dict[str, Entry], entry_id: str, what: str) -> Entry:
    """Return one entry by id, or raise CatalogError listing the known ids with a 'did you mean'."""
    if entry_id in entries:
        return entries[entry_id]
    from aifabric.spec.loader import suggest

    raise CatalogError(
        f"unknown {what} '{entry_id}'{suggest(entry_id, list(entries))}; known: {', '.join(sorted(entries))}"
    )
