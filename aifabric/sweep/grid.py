"""The sweep grid: `--vary key=v1,v2,...` flags parsed into typed value lists, and their combinations."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from aifabric.errors import SpecError

FLAG = "--vary"
INT_KEYS = ("gpus", "servers", "gpus_per_server", "nic_gbps", "port_gbps", "uplink_gbps", "planes", "servers_per_su",
            "racks_per_leaf")
RATIO_KEYS = ("oversubscription", "spine_oversubscription")
ID_KEYS = {"switch": "switch", "server": "server", "nic": "nic"}
TIER_VALUES = ("auto", "2", "3")
VARY_KEYS = tuple(sorted((*INT_KEYS, *RATIO_KEYS, *ID_KEYS, "tiers")))


@dataclass(frozen=True)
class Grid:
    """The varied spec fields in the order given, each with its values in the order given."""

    keys: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]

    def size(self) -> int:
        """Return the number of combinations."""
        total = 1
        for values in self.values:
            total *= len(values)
        return total

    def combinations(self) -> list[dict[str, Any]]:
        """Return every combination as {key: value}, in product order (the last key varies fastest)."""
        return [dict(zip(self.keys, combo, strict=True)) for combo in itertools.product(*self.values)]


def _bad(problem: str) -> SpecError:
    return SpecError("command line", FLAG, problem)


def _value(key: str, text: str) -> Any:
    """Return one typed value of a varied key, or raise SpecError naming the flag."""
    if key in INT_KEYS:
        try:
            value = int(text)
        except ValueError:
            raise _bad(f"{key}={text}: must be a whole number") from None
        if value <= 0:
            raise _bad(f"{key}={text}: must be > 0")
        return value
    if key in RATIO_KEYS:
        try:
            if ":" in text:
                left, _, right = text.partition(":")
                value = float(left) / float(right)
            else:
                value = float(text)
        except (ValueError, ZeroDivisionError):
            raise _bad(f"{key}={text}: must be a number >= 1 or a ratio like 2:1") from None
        if not 1.0 <= value <= 64.0:
            raise _bad(f"{key}={text}: must be between 1 and 64")
        return value
    if key == "tiers":
        if text not in TIER_VALUES:
            raise _bad(f"tiers={text}: allowed: {', '.join(TIER_VALUES)}")
        return text if text == "auto" else int(text)
    return text


def parse_vary(flags: list[str]) -> Grid:
    """Return the Grid of `--vary key=v1,v2,...` flags, or raise SpecError naming the flag and the bad part."""
    from aifabric.spec.loader import suggest

    if not flags:
        raise _bad(f"give at least one, e.g. --vary switch=sn5600,qm9700 --vary planes=1,2; "
                   f"keys: {', '.join(VARY_KEYS)}")
    keys: list[str] = []
    values: list[tuple[Any, ...]] = []
    for flag in flags:
        key, sep, raw = flag.partition("=")
        key = key.strip().replace("-", "_")
        if not sep:
            raise _bad(f"'{flag}' is not key=v1,v2,...; e.g. planes=1,2,4")
        if key not in VARY_KEYS:
            raise _bad(f"unknown key '{key}'{suggest(key, list(VARY_KEYS))}; allowed: {', '.join(VARY_KEYS)}")
        if key in keys:
            raise _bad(f"{key} is varied twice; give all its values in one flag: {key}=v1,v2")
        items = [item.strip() for item in raw.split(",")]
        if not raw.strip() or any(not item for item in items):
            raise _bad(f"{key}={raw}: give a comma-separated list of values without empty items")
        typed = [_value(key, item) for item in items]
        for index, value in enumerate(typed):
            if value in typed[:index]:
                raise _bad(f"{key}={raw}: value '{items[index]}' is listed twice")
        keys.append(key)
        values.append(tuple(typed))
    if "gpus" in keys and "servers" in keys:
        raise _bad("vary gpus or servers, not both")
    return Grid(tuple(keys), tuple(values))


def check_grid(grid: Grid, base: dict[str, Any], hardware) -> None:
    """Raise SpecError naming the flag for a catalog id the catalog lacks or a value the spec schema refuses."""
    from pydantic import ValidationError

    from aifabric.errors import CatalogError
    from aifabric.spec.fabric import FabricSpec

    lookups = {"switch": hardware.switch, "server": hardware.server, "nic": hardware.nic}
    for key, values in zip(grid.keys, grid.values, strict=True):
        for value in values:
            if key in lookups:
                try:
                    lookups[key](value)
                except CatalogError as exc:
                    raise _bad(f"{key}={value}: {exc.message}") from None
            try:
                FabricSpec.model_validate(merge(base, {key: value}))
            except ValidationError as exc:
                problems = "; ".join(e["msg"] for e in exc.errors() if any(str(p) == key for p in e["loc"]))
                if problems:
                    raise _bad(f"{key}={value}: {problems}") from None


def merge(base: dict[str, Any], combo: dict[str, Any]) -> dict[str, Any]:
    """Return the spec data of a base spec with one combination applied (gpus replaces servers and back, and so do
    racks_per_leaf and servers_per_su)."""
    data = dict(base)
    for key, other in (("gpus", "servers"), ("servers", "gpus"), ("racks_per_leaf", "servers_per_su"),
                       ("servers_per_su", "racks_per_leaf")):
        if key in combo:
            data.pop(other, None)
    data.update(combo)
    return data
