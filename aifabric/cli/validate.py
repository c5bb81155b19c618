"""`aifabric validate SPEC`: schema check, plus the physical-layer rules a fabric spec can break before sizing."""

from __future__ import annotations

from pathlib import Path

import typer


def validate(
    spec: Path = typer.Argument(..., help="A fabric spec (topologies/*.yaml), corridor spec (corridors/*.yaml) or "
                                          "scale-across spec (scale-across/*.yaml)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON document instead of a message."),
) -> None:
    """Check a spec against its schema and report every error at once."""
    from aifabric.spec.loader import load_yaml

    data, _ = load_yaml(spec)
    from aifabric.spec.kind import check_kind, detect

    if detect(data) in ("geojson", "gnpy-topology"):
        check_kind(spec, data, "any")
    if isinstance(data, dict) and ("job" in data or "sites" in data):
        from aifabric.scale_across.plan import ring_order
        from aifabric.scale_across.spec import load_scale_across_spec

        scale_spec, lines = load_scale_across_spec(spec)
        ring_order(scale_spec, str(spec), lines)
        kind = "scale-across"
    elif isinstance(data, dict) and ("demands" in data or "network" in data):
        from aifabric.spec.corridor import load_corridor_spec

        load_corridor_spec(spec)
        kind = "corridor"
    else:
        from aifabric.catalog.models import load_hardware
        from aifabric.spec.fabric import check_catalog_ids, load_fabric_spec_with_lines

        fabric_spec, lines, _ = load_fabric_spec_with_lines(spec)
        hardware = load_hardware()
        check_catalog_ids(fabric_spec, hardware, spec, lines, {})
        # The physical-layer rules that need no sizing: the NIC runs the asked port mode on the switch's protocol,
        # the server has the GPUs asked for, the speeds are the switch's.
        from aifabric.errors import DesignError
        from aifabric.fabric.plan import design_error_at
        from aifabric.fabric.sizing import resolve

        try:
            resolve(fabric_spec, hardware)
        except DesignError as exc:
            raise design_error_at(exc, spec, lines, {}) from None
        kind = "fabric"
    if json_out:
        from aifabric.cli.render import print_json

        print_json({"file": str(spec), "kind": kind, "valid": True})
    else:
        typer.echo(f"{spec}: valid {kind} spec")
