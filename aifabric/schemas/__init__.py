"""The published `--json` contracts: one JSON Schema (draft 2020-12) per document, shipped as data.

A schema requires the keys every output has, with their types, and allows more: a contract grows by adding keys,
never by renaming or removing them (docs/contracts.md is generated from these files).
"""

from __future__ import annotations

from importlib import resources


def names() -> list[str]:
    """Return the names of the shipped schemas (`fabric-plan`, `corridor-plan`, ...), sorted."""
    return sorted(p.name[: -len(".json")] for p in resources.files(__package__).iterdir() if p.name.endswith(".json"))


def schema_text(name: str) -> str:
    """Return the text of schema NAME; raise SpecError naming the known schemas if there is none."""
    if name not in names():
        from aifabric.errors import SpecError
        from aifabric.spec.loader import suggest

        raise SpecError("command line", "NAME", f"unknown schema '{name}'{suggest(name, names())}; "
                        f"known: {', '.join(names())}")
    return resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
