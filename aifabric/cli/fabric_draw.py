"""`aifabric fabric draw SPEC -o fabric.svg|png`: a readable, aggregated diagram of a fabric design."""

from __future__ import annotations

from pathlib import Path

import typer

from aifabric.cli.options import CATALOG, SPEC, out_option, plan_from, spec_flags


@spec_flags()
def draw(
    spec: Path | None = SPEC,
    output: Path = out_option("Picture to write: .svg or .png.", required=True, output_alias=True),
    catalog: Path | None = CATALOG,
    campus: bool = typer.Option(False, "--campus", help="Draw the campus instead: buildings, halls (pods, MW) and "
                                "the core room."),
    overrides: dict | None = None,
) -> None:
    """Draw the fabric: tiers, planes, pods and SU blocks with counts and link speeds (SVG or PNG)."""
    from aifabric.cli.render import report_written
    from aifabric.errors import SpecError
    from aifabric.export.diagram import diagram_bytes
    from aifabric.io import check_file_target, write_bytes

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png"):
        raise SpecError("command line", "--output", f"'{output}': the picture must end in .svg or .png")
    check_file_target(output)
    result = plan_from(spec, overrides or {}, catalog)
    if campus:
        from aifabric.export.campus import campus_bytes

        write_bytes(output, campus_bytes(result.links, result.hardware, fmt))
    else:
        write_bytes(output, diagram_bytes(result.links, result.hardware, fmt))
    report_written([output])
