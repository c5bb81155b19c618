"""The sourced assumptions scale-across plans with (overlap, transport efficiency, headroom bounds, recovery,
outer optimizer): one YAML file in the package, read once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

FILE = Path(__file__).resolve().parents[1] / "data" / "scale-across-assumptions.yaml"


@lru_cache(maxsize=1)
def assumptions() -> dict[str, Any]:
    """Return the assumptions mapping (see aifabric/data/scale-across-assumptions.yaml), sources folded to one
    line each."""
    import yaml

    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    return _fold(data)


def _fold(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _fold(v) for k, v in node.items()}
    if isinstance(node, str):
        return " ".join(node.split())
    return node


def transport(kind: str, efficiency: float | None) -> tuple[float, str]:
    """Return (achieved share of line rate, its source) for a transport kind; a spec value wins."""
    entry = assumptions()["transports"][kind]
    if efficiency is not None:
        return efficiency, "spec (transport.efficiency)"
    return float(entry["efficiency"]), entry["source"]


def recovery(spec_recovery) -> dict[str, Any]:
    """Return the recovery inputs: each spec field, else the sourced default (with `<field>_source`)."""
    defaults = assumptions()["recovery"]
    out: dict[str, Any] = {}
    for name in ("switchover_ms", "retransmit_timeout_ms", "retry_count", "collective_timeout_s",
                 "checkpoint_interval_h", "restart_h"):
        given = getattr(spec_recovery, name)
        out[name] = float(defaults[name]) if given is None else float(given)
    out["elastic"] = bool(spec_recovery.elastic)
    out["sources"] = {name: defaults[key] for name, key in (
        ("switchover_ms", "switchover_source"), ("retransmit_timeout_ms", "retransmit_source"),
        ("collective_timeout_s", "collective_timeout_source"), ("checkpoint_interval_h", "checkpoint_source"),
        ("restart_h", "restart_source")) if getattr(spec_recovery, name) is None}
    return out
