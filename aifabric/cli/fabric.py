"""`aifabric fabric plan`: size, build and write a GPU fabric."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from aifabric.cli.options import CATALOG, JSON, SPEC, out_option, plan_from, spec_flags

LARGE_OUTPUT_BYTES = 500_000_000  # above this, say how much --out will write before writing it

app = typer.Typer(no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})



@app.command("plan")
@spec_flags()
def plan(
    spec: Path | None = SPEC,
    json_out: bool = JSON,
    out: Path | None = out_option("Directory to write bom.csv, links.csv, summary.json and graph.graphml into."),
    no_graph: bool = typer.Option(False, "--no-graph", help="With --out, skip graph.graphml."),
    configs: bool = typer.Option(False, "--configs", help="With --out, also write every switch's day-one "
                                 "configuration: configs/<switch>/frr.conf, nvue.yaml, config_db.json (the converged, "
                                 "Ethernet storage and OOB switches: frr.conf, nvue.yaml)."),
    catalog: Path | None = CATALOG,
    prices: Path | None = typer.Option(None, "--prices", help="Price book CSV (e.g. topologies/prices-indicative.csv)"
                                       ": adds cost per BOM line and a cost_usd block."),
    overrides: dict[str, Any] | None = None,
) -> None:
    """Size a rail-optimized Clos fabric, choose media by reach, and report or write its BOM and cabling."""
    from aifabric.cli.render import print_json, progress_bar, progress_callback, report_written, stdout_console

    result = plan_from(spec, overrides or {}, catalog, prices)
    document = result.document()
    if out is not None:
        from aifabric.export.fabric_files import estimate_output_bytes, write_outputs

        sizes = estimate_output_bytes(result, graph=not no_graph)
        if not json_out and sum(sizes.values()) >= LARGE_OUTPUT_BYTES:
            parts = ", ".join(f"{name} ~{_size(n)}" for name, n in sizes.items())
            sys.stderr.write(f"note: writing about {_size(sum(sizes.values()))} to {out} ({parts})"
                             + ("; --no-graph skips graph.graphml" if not no_graph else "") + "\n")

        with progress_bar(enabled=not json_out) as progress:
            written = write_outputs(out, result, graph=not no_graph,
                                    progress=lambda name: progress_callback(progress, f"writing {name}"))
            written += write_day_one(out, result, configs)
    if json_out:
        print_json(document)  # --json: the document and nothing else
        return
    from aifabric.cli.fabric_render import render_plan

    render_plan(stdout_console(), result, document)
    if out is not None:
        report_written(written)


def write_day_one(out: Path, result, configs: bool) -> list[Path]:
    """Write addressing.csv and, when asked, every switch's configuration (the compute fabric's and the other routed
    networks': converged, Ethernet storage, OOB); return the paths written."""
    from aifabric.configs.addressing import address_plan
    from aifabric.configs.files import write_addressing, write_configs

    addresses = address_plan(result.plan, result.spec.addressing)
    written = [write_addressing(out / "addressing.csv", result, addresses)]
    if configs:
        from aifabric.configs.devices import fabric_devices
        from aifabric.configs.files import write_network_configs
        from aifabric.configs.netdevices import network_devices

        devices = fabric_devices(result.links, result.hardware, addresses)
        others = network_devices(result)
        files = write_configs(out, devices, addresses, result.hardware, result.plan.name,
                              skip=frozenset(others.switches))
        if not files and not result.plan.merged_into:
            sys.stderr.write(f"note: no routing configurations for {result.plan.switch_id}: an InfiniBand fabric is "
                             "routed by its subnet manager\n")
        files += write_network_configs(out, others, result.spec.addressing, result.plan.name)
        for note in others.notes:
            sys.stderr.write(f"note: {note}\n")
        if files:
            written.append(out / "configs")  # reported once: a folder per switch, its files inside
    return written


def _size(n_bytes: int) -> str:
    """Return 3.1 GB / 420 MB."""
    return f"{n_bytes / 1e9:.1f} GB" if n_bytes >= 1e9 else f"{n_bytes / 1e6:.0f} MB"


from aifabric.cli import fabric_draw  # noqa: E402 - registered last; it imports only typer at module level

app.command("draw")(fabric_draw.draw)

from aifabric.cli import fabric_analysis  # noqa: E402 - imports only typer at module level

app.command("latency")(fabric_analysis.latency)
app.command("bisection")(fabric_analysis.bisection)
app.command("failures")(fabric_analysis.failures)
app.command("ecmp")(fabric_analysis.ecmp)

from aifabric.cli import sweep as sweep_cli  # noqa: E402 - imports only typer at module level

app.command("sweep")(sweep_cli.sweep)
