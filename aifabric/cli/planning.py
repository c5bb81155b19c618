"""Planning from a spec file and/or spec flags, shared by the typer commands and the lean path (no typer here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def require_size(spec: Path | None, overrides: dict[str, Any]) -> None:
    """Raise SpecError when there is neither a spec file nor a size flag."""
    from aifabric.errors import SpecError

    if spec is None and overrides.get("gpus") is None and overrides.get("servers") is None:
        raise SpecError("command line", "SPEC", "give a spec file or --gpus N / --servers N")


def plan_from(spec: Path | None, overrides: dict[str, Any], catalog: Path | None, prices: Path | None = None):
    """Return the FabricResult of a spec file and/or spec flags (SpecError when neither gives a size)."""
    from aifabric.configs.attach import attach_addressing
    from aifabric.fabric.plan import plan_fabric

    require_size(spec, overrides)
    result = plan_fabric(spec, overrides, catalog, prices)
    attach_addressing(result, spec, overrides)
    return result


def export_simai(spec: Path | None, overrides: dict[str, Any], catalog: Path | None, output: Path) -> Path:
    """Plan and write the SimAI topology file (checked writable before the planning); return its path."""
    from aifabric.export.simai import simai_chunks
    from aifabric.io import AtomicWriter, check_file_target

    check_file_target(output)
    result = plan_from(spec, overrides, catalog)
    with AtomicWriter(output, binary=True) as stream:
        for chunk in simai_chunks(result.links, result.hardware):
            stream.write(chunk)
    return Path(output)
