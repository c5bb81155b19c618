"""`aifabric fabric draw SPEC -o fabric.svg|png`: a readable, aggregated diagram of a fabric design."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def draw(
    spec: Path | None = typer.Argument(None, help="Fabric spec YAML (topologies/*.yaml); flags override its fields."),
    output: Path = typer.Option(..., "--output", "-o", help="Picture to write: .svg or .png."),
    gpus: int | None = typer.Option(None, "--gpus", help="Number of GPUs."),
    servers: int | None = typer.Option(None, "--servers", help="Number of servers (instead of --gpus)."),
    gpus_per_server: int | None = typer.Option(None, "--gpus-per-server"),
    nic_gbps: int | None = typer.Option(None, "--nic-gbps"),
    switch: str | None = typer.Option(None, "--switch", help="Switch catalog id (aifabric catalog switches)."),
    port_gbps: int | None = typer.Option(None, "--port-gbps"),
    uplink_gbps: int | None = typer.Option(None, "--uplink-gbps"),
    planes: int | None = typer.Option(None, "--planes"),
    tiers: str | None = typer.Option(None, "--tiers", help="2, 3 or auto."),
    oversubscription: str | None = typer.Option(None, "--oversubscription", help="Leaf down:up, e.g. 1 or 2:1."),
    server: str | None = typer.Option(None, "--server", help="Server catalog id."),
    nic: str | None = typer.Option(None, "--nic", help="NIC catalog id."),
    catalog: Path | None = typer.Option(None, "--catalog", help="Directory of catalog YAML to add/override."),
) -> None:
    """Draw the fabric: tiers, planes, pods and SU blocks with counts and link speeds (SVG or PNG)."""
    from aifabric.cli.fabric import spec_overrides
    from aifabric.errors import SpecError
    from aifabric.export.diagram import diagram_bytes
    from aifabric.fabric.plan import plan_fabric
    from aifabric.io import write_bytes

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png"):
        raise SpecError("command line", "--output", f"'{output}': the picture must end in .svg or .png")
    if spec is None and gpus is None and servers is None:
        raise SpecError("command line", "SPEC", "give a spec file or --gpus N / --servers N")
    overrides = spec_overrides(gpus, servers, gpus_per_server, nic_gbps, switch, port_gbps, uplink_gbps, planes,
                               tiers, oversubscription, server, nic)
    result = plan_fabric(spec, overrides, catalog)
    write_bytes(output, diagram_bytes(result.links, result.hardware, fmt))
    sys.stderr.write(f"wrote {output}\n")
