"""`aifabric fabric plan`: size, build and write a GPU fabric."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

app = typer.Typer(no_args_is_help=True)

SpecArg = typer.Argument(None, help="Fabric spec YAML (topologies/*.yaml); flags override its fields.")


def spec_overrides(gpus, servers, gpus_per_server, nic_gbps, switch, port_gbps, uplink_gbps, planes, tiers,
                   oversubscription, server, nic) -> dict[str, Any]:
    """Return the spec fields given on the command line."""
    return {"gpus": gpus, "servers": servers, "gpus_per_server": gpus_per_server, "nic_gbps": nic_gbps,
            "switch": switch, "port_gbps": port_gbps, "uplink_gbps": uplink_gbps, "planes": planes,
            "tiers": tiers, "oversubscription": oversubscription, "server": server, "nic": nic}


@app.command("plan")
def plan(
    spec: Path | None = SpecArg,
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
    json_out: bool = typer.Option(False, "--json", help="Print the plan as one JSON document."),
    out: Path | None = typer.Option(None, "--out", help="Write bom.csv, links.csv, summary.json, graph.graphml."),
    no_graph: bool = typer.Option(False, "--no-graph", help="With --out, skip graph.graphml."),
    catalog: Path | None = typer.Option(None, "--catalog", help="Directory of catalog YAML to add/override."),
    prices: Path | None = typer.Option(None, "--prices", help="Price book CSV (e.g. topologies/prices-indicative.csv)"
                                       ": adds cost per BOM line and a cost_usd block."),
) -> None:
    """Size a rail-optimized Clos fabric, choose media by reach, and report or write its BOM and cabling."""
    from aifabric.cli.render import print_json, progress_bar, progress_callback, stdout_console
    from aifabric.errors import SpecError
    from aifabric.fabric.plan import plan_fabric

    if spec is None and gpus is None and servers is None:
        raise SpecError("command line", "SPEC", "give a spec file or --gpus N / --servers N")
    overrides = spec_overrides(gpus, servers, gpus_per_server, nic_gbps, switch, port_gbps, uplink_gbps, planes,
                               tiers, oversubscription, server, nic)
    result = plan_fabric(spec, overrides, catalog, prices)
    document = result.document()
    if out is not None:
        from aifabric.export.fabric_files import write_outputs

        with progress_bar(enabled=not json_out) as progress:
            write_outputs(out, result, graph=not no_graph,
                          progress=lambda name: progress_callback(progress, f"writing {name}"))
    if json_out:
        print_json(document)
        return
    from aifabric.cli.fabric_render import render_plan

    render_plan(stdout_console(), result, document, out)


from aifabric.cli import fabric_draw  # noqa: E402 - registered last; it imports only typer at module level

app.command("draw")(fabric_draw.draw)

from aifabric.cli import fabric_analysis  # noqa: E402 - imports only typer at module level

app.command("latency")(fabric_analysis.latency)
app.command("bisection")(fabric_analysis.bisection)
app.command("failures")(fabric_analysis.failures)
app.command("ecmp")(fabric_analysis.ecmp)

from aifabric.cli import sweep as sweep_cli  # noqa: E402 - imports only typer at module level

app.command("sweep")(sweep_cli.sweep)
