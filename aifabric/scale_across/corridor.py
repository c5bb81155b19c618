"""Hand the training job's inter-site demands to the corridor designer: derive a corridor spec from the user's
corridor spec (network, optics, amplifiers, band — their choices kept verbatim) with the demands replaced, and plan
it with the corridor core (`plan_corridor`), never the CLI."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aifabric.errors import AifabricError, SpecError
from aifabric.spec.loader import LineMap

DERIVED_SPEC_NAME = "corridor.yaml"
# Corridor spec fields holding a file path relative to the spec: made absolute in the derived spec (planned from a
# temporary file) and relative to --out when written there.
PATH_FIELDS = ("network", "prices")


@dataclass(frozen=True)
class Link:
    """One inter-site link of the ring (or pipeline chain): two network sites and the demand put on it."""

    a: str
    z: str
    demand_id: str
    capacity_tbps: float
    protection: str


def corridor_path(spec_path: str | Path, corridor: str) -> Path:
    """Return the corridor spec's path: as given if absolute, else relative to the scale-across spec's folder."""
    path = Path(corridor)
    return path if path.is_absolute() else Path(spec_path).parent / path


def load_corridor_data(spec_path: str | Path, corridor: str, lines: LineMap) -> tuple[Path, dict[str, Any], Path]:
    """Return (corridor spec path, its raw YAML mapping, its network file path), checked by the corridor's schema."""
    from aifabric.spec.corridor import load_corridor_spec, network_path
    from aifabric.spec.loader import load_yaml

    path = corridor_path(spec_path, corridor)
    if not path.is_file():
        raise SpecError(str(spec_path), "corridor", f"corridor spec '{corridor}' does not exist (paths are relative "
                        "to this file)", lines.get(("corridor",)))
    parsed = load_corridor_spec(path)
    data, _ = load_yaml(path)
    return path, data, network_path(path, parsed).resolve()


def derived_spec(name: str, corridor_data: dict[str, Any], corridor_file: Path, network_file: Path,
                 links: list[Link]) -> dict[str, Any]:
    """Return the derived corridor spec: the user's corridor choices with the training demands in place of theirs,
    every file path made absolute."""
    derived: dict[str, Any] = {"name": f"{name}-corridor", "network": str(network_file)}
    for key, value in corridor_data.items():
        if key in ("name", "network", "demands"):
            continue
        if key in PATH_FIELDS and isinstance(value, str) and not Path(value).is_absolute():
            value = str((corridor_file.parent / value).resolve())
        derived[key] = value
    derived["demands"] = [
        {"id": link.demand_id, "a": link.a, "z": link.z, "capacity_tbps": link.capacity_tbps,
         "protection": link.protection}
        for link in links
    ]
    return derived


def spec_yaml(derived: dict[str, Any], source: Path, note: str | None = None) -> str:
    """Return the derived corridor spec as YAML text with a header saying where it came from."""
    import yaml

    header = (f"# Derived by `aifabric scale-across plan` from {source.name}: the training job's inter-site demands\n"
              f"# replace the corridor spec's own. Rerun with `aifabric corridor plan {DERIVED_SPEC_NAME}`.\n")
    if note:
        header += f"# {note}\n"
    return header + yaml.safe_dump(derived, sort_keys=False, default_flow_style=None, width=110)


def plan_derived(derived: dict[str, Any], source: Path, catalog_dir: str | Path | None):
    """Return the corridor core's plan (CorridorPlan) of the derived spec, planned from a temporary file."""
    from aifabric.corridor.plan import plan_corridor

    with tempfile.TemporaryDirectory(prefix="aifabric-scale-across-") as tmp:
        path = Path(tmp) / DERIVED_SPEC_NAME
        path.write_text(spec_yaml(derived, source), encoding="utf-8")
        try:
            return plan_corridor(path, catalog_dir=catalog_dir)
        except AifabricError as exc:
            # Name the user's corridor spec, not a temporary file they never saw.
            exc.message = exc.message.replace(str(path), f"derived corridor spec (from {source})")
            exc.args = (exc.message,)
            raise


def relative_paths(derived: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Return the derived spec as written into <out>/corridor.yaml: its file paths relative to out_dir."""
    written = dict(derived)
    for key in PATH_FIELDS:
        if isinstance(written.get(key), str):
            # On another drive (Windows) relpath fails: the path stays absolute.
            with contextlib.suppress(ValueError):
                written[key] = os.path.relpath(written[key], out_dir.resolve())
    return written
