"""`aifabric corridor ...` commands: plan long-haul DWDM corridors (routes, optics, GNPy, RFP files)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from aifabric.cli.options import CATALOG, out_option

app = typer.Typer(no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})


@app.command("plan")
def plan(
    spec: Path = typer.Argument(..., help="A corridor spec (corridors/*.yaml)."),
    json_out: bool = typer.Option(
        False, "--json", help="Print the plan as one JSON document and nothing else."
    ),
    out: Path | None = out_option("Directory to write rfp.csv, rfp.md, segments.csv, sites.csv, huts.csv, "
                                  "routes.geojson and routes.kmz into."),
    catalog: Path | None = CATALOG,
    sys_margin_db: float | None = typer.Option(
        None, "--sys-margin-db", help="System margin every section keeps over required OSNR + penalties (spec: 2)."
    ),
    allow_infeasible: bool = typer.Option(
        False, "--allow-infeasible", help="Write a plan whose sections cannot close, marked FAIL, instead of exit 2."
    ),
    diversity: str | None = typer.Option(
        None, "--diversity", help="1+1 diversity: srlg | node | building (spec default: node)."
    ),
) -> None:
    """Route every demand (1+1 over diverse paths), choose modes and regens with GNPy, assign spectrum."""
    # Heavy imports (networkx, pyproj, GNPy, geopandas) happen here so `aifabric --help` stays fast.
    from aifabric.cli.render import print_json, progress_bar, progress_callback, report_written
    from aifabric.corridor.plan import plan_corridor

    with progress_bar(not json_out and sys.stderr.isatty()) as progress:
        result = plan_corridor(
            spec,
            catalog_dir=catalog,
            progress=progress_callback(progress, "planning demands"),
            sys_margin_db=sys_margin_db,
            allow_infeasible=allow_infeasible or None,
            diversity=diversity,
        )
    written = []
    if out is not None:
        from aifabric.corridor.rfp import write_outputs

        written = write_outputs(result, out)
    if json_out:
        print_json(result.to_json())  # --json: the document and nothing else
        return
    _render(result)
    report_written(written)


@app.command("map")
def map_(
    spec: Path = typer.Argument(..., help="A corridor spec (corridors/*.yaml)."),
    output: Path = out_option("map.html (interactive, offline) or map.png.", required=True, output_alias=True),
    catalog: Path | None = CATALOG,
) -> None:
    """Map the corridor: working and protect paths, sites and amplifier huts (HTML with popups, or PNG)."""
    from aifabric.cli.render import report_written
    from aifabric.corridor.plan import plan_corridor
    from aifabric.errors import SpecError
    from aifabric.io import check_file_target

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("html", "png"):
        raise SpecError("command line", "--output", f"'{output}': the map must end in .html or .png")
    check_file_target(output)
    plan = plan_corridor(spec, catalog_dir=catalog)
    if fmt == "html":
        from aifabric.export.corridor_map import corridor_map_html
        from aifabric.io import write_text

        write_text(output, corridor_map_html(plan))
    else:
        from aifabric.export.corridor_map import corridor_map_png
        from aifabric.io import write_bytes

        write_bytes(output, corridor_map_png(plan))
    report_written([output])


def _render(result) -> None:
    from rich.table import Table

    from aifabric.cli.render import count, print_table, stdout_console

    console = stdout_console()
    doc = result.to_json()
    demands = Table(
        title=f"{doc['name']}: demands ({doc['band']} band, {doc['slots_per_fiber_pair']} x 12.5 GHz slots/fiber "
        f"pair, system margin {doc['sys_margin_db']:g} dB)"
    )
    for column in (
        "demand",
        "path",
        "route km",
        "stretch",
        "one-way ms",
        "limit",
        "waves",
        "ILA",
        "regens",
        "mode",
        "GSNR dB",
        "margin dB",
        "routes",
    ):
        demands.add_column(column, justify="left" if column in ("demand", "path", "routes") else "right")
    for d in doc["demands"]:
        for p in d["paths"]:
            limit = d["max_latency_ms"]
            ok = limit is None or p["latency_ms"] <= limit
            demands.add_row(
                d["id"],
                p["role"],
                f"{p['km']:,.1f}",
                f"{p['stretch']:.2f}",
                f"{p['latency_ms']:.3f}",
                "" if limit is None else f"{limit:g} {'ok' if ok else 'FAIL'}",
                f"{p['waves']}",
                f"{p['amplifiers']}",
                f"{p['regens']}",
                p["mode"],
                "" if p["gsnr_db"] is None else f"{p['gsnr_db']:.2f}",
                ("" if p["margin_db"] is None else f"{p['margin_db']:.2f}") + ("" if p["feasible"] else " FAIL"),
                " / ".join(p["routes"]),
            )
    print_table(console, demands, droppable=("stretch", "ILA", "limit", "GSNR dB"))
    segments = Table(title="segments")
    for column in ("segment", "route", "fiber km", "spans", "ILA huts", "waves", "slots", "fiber pairs"):
        segments.add_column(column, justify="left" if column in ("segment", "route") else "right")
    for s in doc["segments"]:
        segments.add_row(
            s["id"],
            s["route"],
            f"{s['km']:,.1f}",
            f"{s['spans']}",
            f"{s['amplifiers']}",
            f"{s['waves']}",
            f"{doc['spectrum'][s['id']]['slots_used']}",
            f"{s['fiber_pairs']}",
        )
    print_table(console, segments)
    terms = Table(title=f"RFP terms ({doc['term_years']}-year term, growth {doc['growth_cagr']:.0%}/yr, prices "
                  f"{doc['prices']['file']}{' INDICATIVE' if doc['prices']['indicative'] else ''})")
    for column in ("demand", "availability", "min/yr", "SLA", "diff delay ms", "fibers/route", "TCO (USD M)"):
        terms.add_column(column, justify="left" if column in ("demand", "TCO (USD M)") else "right")
    for d in doc["demands"]:
        a = d["availability"]
        sla = "-" if a["meets_sla"] is None else f"{a['sla']:g} {'ok' if a['meets_sla'] else 'FAIL'}"
        costs = ", ".join(f"{s} {c['total_usd'] / 1e6:,.1f}" for s, c in d["cost"].items()) or "-"
        terms.add_row(d["id"], f"{a['percent']:.4f} %", f"{a['minutes_per_year']:,.1f}", sla,
                      f"{d['differential_delay_ms']:.3f}", f"{d['fibers']}", costs)
    print_table(console, terms)
    totals = doc["totals"]
    console.print(
        f"route {totals['route_km']:,.1f} km, {count(totals['waves'], 'wave')}, "
        f"{count(totals['amplifier_sites'], 'ILA hut')}, {count(totals['regen_sites'], 'regen site')}, "
        f"{count(totals['transponders'], 'transponder')}"
        + (
            f"; GNPy {doc['gnpy']['version']} path requests, {doc['sys_margin_db']:g} dB system margin"
            if doc["gnpy"]["checked"]
            else "; GNPy check off"
        )
        + ("" if doc["feasible"] else "; INFEASIBLE sections marked FAIL")
        + ("" if doc["buyer_terms_ok"] else "; buyer's terms missed (latency or SLA) marked FAIL")
    )
    money = {k: totals.get(k) for k in ("dark_fiber_usd", "spectrum_usd", "waves_usd")}
    if any(v is not None for v in money.values()):
        console.print(
            f"corridor TCO over {doc['term_years']} years (USD M, shared segments paid once): "
            + ", ".join(f"{k.removesuffix('_usd').replace('_', ' ')} {'-' if v is None else f'{v / 1e6:,.1f}'}"
                        for k, v in money.items())
        )
