"""Which kind of input a file holds, so a spec given to the wrong command names its kind and the right command.

A fabric spec sizes a GPU fabric (`gpus`/`servers`, `switch`), a corridor spec lists long-haul `demands` over a
`network`, a scale-across spec places a training `job` over `sites`; a corridor network is a GeoJSON
FeatureCollection or a GNPy topology JSON (`elements`, `connections`), named by a corridor spec, never planned alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aifabric.errors import SpecError

# kind -> (the keys only that kind has, what it is called, the command that takes it)
KINDS: dict[str, tuple[frozenset[str], str, str]] = {
    "fabric": (frozenset({"gpus", "servers", "switch", "server", "tiers", "planes", "gpus_per_server"}),
               "a fabric spec", "aifabric fabric plan"),
    "corridor": (frozenset({"demands"}), "a corridor spec", "aifabric corridor plan"),
    "scale-across": (frozenset({"job", "ring"}), "a scale-across spec", "aifabric scale-across plan"),
}


def detect(data: Any) -> str | None:
    """Return 'fabric', 'corridor', 'scale-across', 'geojson' or 'gnpy-topology' by the keys a document has, or
    None when it has none of them."""
    if not isinstance(data, dict):
        return None
    if data.get("type") == "FeatureCollection" or "features" in data:
        return "geojson"
    if "elements" in data and "connections" in data:
        return "gnpy-topology"
    found = [kind for kind, (keys, _, _) in KINDS.items() if keys & data.keys()]
    return found[0] if len(found) == 1 else None


def check_kind(path: str | Path, data: Any, expected: str) -> None:
    """Raise SpecError when the file holds another kind of input than `expected`, naming its kind and the command
    that takes it; say nothing when it may be the expected kind (its own errors are then the useful ones)."""
    kind = detect(data)
    if kind is None or kind == expected:
        return
    if kind in ("geojson", "gnpy-topology"):
        what = "a corridor network (GeoJSON)" if kind == "geojson" else "a corridor network (GNPy topology JSON)"
        instead = KINDS[expected][1] if expected in KINDS else "a spec"
        raise SpecError(str(path), None, f"this is {what}, not {instead}; a corridor spec names it in `network:` "
                        "and `aifabric corridor plan SPEC` plans its demands over it")
    _, name, command = KINDS[kind]
    raise SpecError(str(path), None, f"this is {name}, not {KINDS[expected][1]}; use `{command} {path}`")
