"""`aifabric fabric sweep`: evaluate a grid of fabric designs and report the Pareto front."""

from __future__ import annotations

from pathlib import Path

import typer

from aifabric.cli.options import CATALOG, out_option, spec_flags
from aifabric.units import count

REASONS_SHOWN = 8


@spec_flags()
def sweep(
    spec: Path | None = typer.Argument(None, help="Base fabric spec YAML (topologies/*.yaml); optional when --gpus "
                                       "or --servers is given; spec flags set its fields and --vary replaces them."),
    vary: list[str] = typer.Option([], "--vary", help="key=v1,v2,... (repeatable), e.g. switch=sn5600,qm9700, "
                                   "planes=1,2,4, oversubscription=1,2:1, port_gbps=200,400, tiers=auto,3."),
    prices: Path | None = typer.Option(None, "--prices", help="Price book CSV; default: the shipped INDICATIVE "
                                       "topologies/prices-indicative.csv."),
    max_power_kw: float | None = typer.Option(None, "--max-power-kw", min=0,
                                              help="Drop designs whose network power exceeds this."),
    max_latency_ns: float | None = typer.Option(None, "--max-latency-ns", min=0,
                                                help="Drop designs whose worst one-way latency exceeds this."),
    min_gpu_gbps: float | None = typer.Option(None, "--min-gpu-gbps", min=0,
                                              help="Drop designs giving each GPU less fabric bandwidth than this "
                                              "(port_gbps x planes), e.g. 400."),
    min_bisection_tbps: float | None = typer.Option(None, "--min-bisection-tbps", min=0,
                                                    help="Drop designs whose bisection bandwidth is below this."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Worker processes (default: CPUs)."),
    dask: str | None = typer.Option(None, "--dask", help="'local': run on a Dask LocalCluster of --workers."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Run on a Dask cluster: tcp://host:8786 "
                                         "(its workers need aifabric installed)."),
    failures: int = typer.Option(0, "--failures", min=0, help="Monte Carlo trials of random failures (1 leaf, "
                                 "1 spine, 0.1% of links) per feasible design; 0 = off."),
    seed: int = typer.Option(0, "--seed", help="Seed of the failure trials."),
    json_out: bool = typer.Option(False, "--json", help="Print {\"candidates\": [...]} as one JSON document."),
    out: Path | None = out_option("Directory to write sweep.csv and sweep.png (cost vs power) into."),
    catalog: Path | None = CATALOG,
    overrides: dict | None = None,
) -> None:
    """Size and price every combination of --vary values; report the Pareto front and why the rest fail.

    Each candidate is sized by the solver of `fabric plan`, with its BOM cost, power and worst latency.
    The front minimises cost, power, switch count and worst latency; infeasible designs are listed by reason."""
    import sys

    from aifabric.catalog.models import load_hardware
    from aifabric.cli.options import require_size
    from aifabric.cli.render import print_json, progress_bar, progress_callback, report_written, stdout_console
    from aifabric.errors import SpecError
    from aifabric.fabric.prices import default_price_book_path, load_price_book
    from aifabric.spec.fabric import check_catalog_ids, load_fabric_spec_with_lines
    from aifabric.sweep.evaluate import SweepConfig
    from aifabric.sweep.grid import check_grid, parse_vary
    from aifabric.sweep.run import run_sweep

    if dask is not None and dask != "local":
        raise SpecError("command line", "--dask", f"'{dask}': the only value is 'local' (a LocalCluster); for a "
                                                  "running cluster give --scheduler tcp://host:8786")
    if dask is not None and scheduler is not None:
        raise SpecError("command line", "--scheduler", "give --dask local or --scheduler URL, not both")
    require_size(spec, overrides or {})
    grid = parse_vary(vary)
    base_spec, lines, applied = load_fabric_spec_with_lines(spec, overrides)
    hardware = load_hardware(catalog)
    check_catalog_ids(base_spec, hardware, spec, lines, applied)
    base = base_spec.model_dump(exclude_unset=True)
    check_grid(grid, base, hardware)
    indicative = prices is None
    prices_path = default_price_book_path() if indicative else prices
    book = load_price_book(prices_path, hardware)
    config = SweepConfig(base=base, prices=book, catalog_dir=None if catalog is None else str(catalog),
                         max_power_kw=max_power_kw, max_latency_ns=max_latency_ns, min_gpu_gbps=min_gpu_gbps,
                         min_bisection_tbps=min_bisection_tbps, failure_trials=failures, seed=seed)
    executor = "dask" if scheduler else "dask-local" if dask else "pool"
    with progress_bar(enabled=not json_out and sys.stderr.isatty()) as progress:
        candidates = run_sweep(config, grid, executor=executor, workers=workers, scheduler=scheduler,
                               progress=progress_callback(progress, f"evaluating {grid.size():,} designs"))
    if out is not None:
        from aifabric.sweep.output import write_sweep

        written = write_sweep(out, grid, config, candidates, base_spec.name)
    if json_out:
        print_json({"candidates": candidates})  # --json: the document and nothing else
        return
    render_sweep(stdout_console(), grid, config, candidates, prices_path, indicative, executor)
    if out is not None:
        report_written(written)


def render_sweep(console, grid, config, candidates, prices_path, indicative: bool, executor: str) -> None:
    """Print the Pareto front as a table, then the infeasible candidates counted by reason."""
    from rich.table import Table

    from aifabric.cli.render import print_table

    feasible = [c for c in candidates if c["feasible"]]
    front = sorted((c for c in feasible if c["pareto"]), key=lambda c: (c["cost"], c["index"]))
    where = {"pool": "local process pool", "dask-local": "Dask LocalCluster", "dask": "Dask cluster"}[executor]
    shape = " x ".join(str(len(v)) for v in grid.values)
    console.print(f"{count(len(candidates), 'candidate')} ({shape}) on a {where}: "
                  f"{len(feasible):,} feasible, {len(front):,} on the Pareto front "
                  "(minimising cost, power, switches, worst latency)")
    label = _shown_path(prices_path) + (" (INDICATIVE shipped example; give --prices FILE for real quotes)"
                                if indicative else "")
    console.print(f"prices: {label}")
    table = Table(title="Pareto front", title_justify="left")
    for key in grid.keys:
        table.add_column(key)
    failure_cols = [("bisection_left_p5", "bisection left p5"), ("worst_gpu_share_p5", "worst GPU share p5")]
    headings = ["cost (M$)", "power kW", "switches", "worst ns", "GPU Gb/s", "bisection Tb/s", "built tiers"]
    headings += [label for _, label in failure_cols] if config.failure_trials else []
    for heading in headings:
        table.add_column(heading, justify="right")
    for c in front:
        row = [_text(c[key]) for key in grid.keys]
        row += [f"{c['cost'] / 1e6:,.2f}", f"{c['power_kw']:,.1f}", f"{c['switches']:,}",
                f"{c['worst_latency_ns']:,.0f}", f"{c['gpu_gbps']:,}", f"{c['bisection_tbps']:,.0f}",
                str(c["tiers_built"])]
        if config.failure_trials:
            row += [_text(c[key]) for key, _ in failure_cols]
        table.add_row(*row)
    print_table(console, table, droppable=("GPU Gb/s", "bisection Tb/s", "built tiers"))
    groups = reason_groups(candidates)
    if groups:
        shown = Table(title=f"Infeasible: {count(sum(n for n, _ in groups), 'candidate')} (alike reasons grouped)",
                      title_justify="left")
        shown.add_column("count", justify="right")
        shown.add_column("reason (first example)")
        for n, example in groups[:REASONS_SHOWN]:
            shown.add_row(f"{n:,}", example)
        if len(groups) > REASONS_SHOWN:
            rest = sum(n for n, _ in groups[REASONS_SHOWN:])
            shown.add_row(f"{rest:,}", f"... {len(groups) - REASONS_SHOWN} more kinds of reason (see --out sweep.csv)")
        print_table(console, shown)


def reason_groups(candidates) -> list[tuple[int, str]]:
    """Return [(count, first example)] of the infeasible candidates' reasons, alike reasons (equal but for their
    numbers) grouped, most frequent first."""
    import re

    groups: dict[str, list] = {}
    for c in candidates:
        if not c["feasible"]:
            key = re.sub(r"\d[\d,.]*", "#", c["reason"])
            groups.setdefault(key, [0, c["reason"]])[0] += 1
    return sorted(((n, example) for n, example in groups.values()), key=lambda item: (-item[0], item[1]))


def _shown_path(path) -> str:
    """Return a path relative to the working directory when it lies under it, else as is."""
    import os

    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
