"""`aifabric scale-across ...`: size the inter-site corridor from a training job and judge RoCE over the distance."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from aifabric.cli.options import CATALOG, JSON, out_option
from aifabric.units import count

app = typer.Typer(no_args_is_help=True)


@app.command("plan")
def plan(
    spec: Path = typer.Argument(..., help="A scale-across spec (scale-across/*.yaml)."),
    json_out: bool = JSON,
    out: Path | None = out_option("Directory to write the corridor outputs (rfp.csv, rfp.md, ...), the derived "
                                  "corridor.yaml beside them, scale-across.json, efficiency.csv and efficiency.png."),
    vary: list[str] = typer.Option(
        [], "--vary", help="key=v1,v2 (repeatable): compare runs in one table, e.g. split=data,pipeline, "
        "sync_every_steps=1,100, protection=1+1,split, overlap=model,1.0, transport=roce-lossy,roce-xgs, "
        "algorithm=ring,mesh, outer_sync=blocking,streaming, sites=dallas+ashburn,dallas+ashburn+atlanta."),
    catalog: Path | None = CATALOG,
) -> None:
    """Size the inter-site corridor a training job needs; report efficiency, the RoCE verdict and a fiber cut.

    The inter-site rate comes from the job; the corridor that carries it is planned by the corridor core.
    Reports step-time efficiency against capacity, the RoCE transport verdict and what one fiber cut does."""
    from aifabric.cli.render import print_json, progress_bar, progress_callback
    from aifabric.scale_across.plan import plan_scale_across

    if out is not None and out.exists() and not out.is_dir():
        from aifabric.errors import OutputError

        raise OutputError(f"{out}: --out must be a directory, but a file of that name exists")
    grid = None
    if vary:
        from aifabric.scale_across.vary import parse_vary

        grid = parse_vary(vary)
    result = plan_scale_across(spec, catalog_dir=catalog)
    if grid is not None:
        from aifabric.scale_across.vary import compare

        with progress_bar(not json_out and sys.stderr.isatty()) as progress:
            result.comparisons = compare(spec, grid, catalog,
                                         progress=progress_callback(progress, "comparing plans"))
    written = []
    if out is not None:
        from aifabric.scale_across.output import write_outputs

        written = write_outputs(result, out)
    if json_out:
        print_json(result.to_json())
        return
    _render(result.to_json(), written)


def _render(doc: dict, written: list[Path]) -> None:
    from rich.table import Table

    from aifabric.cli.render import print_table, stdout_console

    console = stdout_console()
    sites = Table(title=f"{doc['name']}: sites ({doc['split']} split over {' - '.join(doc['order'])})",
                  title_justify="left")
    for column in ("site", "at", "GPUs", "GPU", "peak TF/GPU", "peak PF", "fabric", "edge switch", "buffer MB"):
        sites.add_column(column, justify="left" if column in ("site", "at", "GPU", "fabric", "edge switch")
                         else "right", overflow="fold")
    for s in doc["sites"]:
        fabric = "-" if s["fabric"] is None else (f"{s['fabric']['name']}: {s['fabric']['switches']:,} "
                                                   f"{s['fabric']['switch_model']}")
        sites.add_row(s["id"], s["at"], f"{s['gpus']:,}", s["gpu"], f"{s['peak_tflops_per_gpu']:,.1f}",
                      f"{s['peak_pflops']:,.0f}", fabric, s["edge_switch"],
                      "unknown" if s["edge_buffer_mb"] is None else f"{s['edge_buffer_mb']:,.0f}")
    print_table(console, sites, droppable=("fabric",))
    job = doc["job"]
    step = Table(title="step time and inter-site rate", title_justify="left")
    step.add_column("quantity", overflow="fold")
    step.add_column("value", justify="right", overflow="fold")
    step.add_column("from", overflow="fold")
    gpus_total = sum(doc["gpus"].values())
    step.add_row("step time T", f"{doc['step_s']:.3f} s",
                 f"6 x {job['params_active_b'] or job['params_total_b']:g}B x {job['tokens_per_step_m']:g}M tokens / "
                 f"({gpus_total:,} GPUs, {doc['total_peak_pflops']:,.0f} PF peak x MFU {job['mfu']:g}), tokens "
                 f"split by {doc['token_split']}")
    if doc["straggler"] is not None:
        per_site = ", ".join(f"{s} {t:.3f} s" for s, t in doc["per_site_step_s"].items())
        step.add_row("straggler", doc["straggler"],
                     f"per-site steps {per_site}; balanced {doc['balanced_step_s']:.3f} s, so "
                     f"{100 * (1 - doc['straggler_efficiency']):.1f} % of the compute waits")
    if doc["split"] == "data":
        n = len(doc["order"])
        factor = {"ring": f"2 x ({n} - 1) / {n}", "bidirectional-ring": "1" if n == 2 else f"({n} - 1) / {n}",
                  "mesh": f"2 / {n}", "hierarchical": "1"}[doc["algorithm"]]
        fsdp = " x 1.5 (fsdp)" if doc["parallelism"] == "fsdp" and doc["sync_every_steps"] == 1 else ""
        what = "pseudo-gradient" if doc["sync_every_steps"] > 1 else "gradient"
        traffic_from = (f"{doc['algorithm']}: {factor}{fsdp} x {doc['gradient_bits']}-bit {what} x "
                        f"{job['params_total_b']:g}B params")
    else:
        traffic_from = (f"hidden {job['hidden_size']:,} x {job['tokens_per_step_m']:g}M tokens x "
                        f"{job['activation_bits']} bits")
    step.add_row("traffic per sync, per direction", f"{doc['traffic_bits_per_sync'] / 8e12:,.3f} TB", traffic_from)
    step.add_row("overlap", f"{doc['overlap']:.4g}", "share of T x H the exchange can run beside compute")
    allowance = "" if doc["target_efficiency"] == 1 else f" + allowance for target {doc['target_efficiency']:g}"
    step.add_row("required rate R", f"{doc['required_tbps_per_direction']:,.3f} Tb/s",
                 f"traffic / (overlap {doc['overlap']:.4g} x T x H {doc['sync_every_steps']}{allowance})")
    hiding = doc["required_tbps_hiding"]
    step.add_row("rate that hides it", "-" if hiding is None else f"{hiding:,.3f} Tb/s",
                 f"traffic / (overlap x T x H{allowance} - latency term)")
    line = doc["required_line_tbps"]
    transport = doc["transport"]
    step.add_row("line rate needed", "-" if line is None else f"{line:,.3f} Tb/s",
                 f"rate that hides it / {transport['kind']} efficiency {transport['efficiency']:g}")
    step.add_row("demand per link", f"{doc['demand_tbps_per_link']:,.3f} Tb/s",
                 f"line rate on the fiber round trip x (1 + growth {doc['growth']:g}), protection "
                 f"{doc['protection']}; planned again if the corridor's own round trip needs more waves")
    step.add_row("provisioned", f"{doc['provisioned_tbps_per_direction']:,.3f} Tb/s",
                 f"waves x line rate (corridor); achieved {transport['achieved_tbps_per_direction']:,.3f} Tb/s")
    step.add_row("latency term", f"{doc['latency_term_ms']:,.3f} ms",
                 f"{doc['algorithm']}: round trips x longest RTT")
    step.add_row("scaling efficiency", f"{100 * doc['efficiency']:.2f} %",
                 "T·H / (T·H + max(0, traffic / achieved + latency - overlap·T·H))")
    if doc["straggler"] is not None:
        step.add_row("with the straggler", f"{100 * doc['overall_efficiency']:.2f} %",
                     "scaling efficiency x balanced step / step")
    if "outer_sync" in doc:
        outer = doc["outer_optimizer"]
        step.add_row("outer optimizer memory", f"{outer['bytes_per_site'] / 1e12:,.1f} TB per site",
                     f"outer_sync {doc['outer_sync']}; {outer['bytes_per_gpu'] / 1e9:,.2f} GB per GPU sharded "
                     "(fp32 parameters + Nesterov momentum)")
    print_table(console, step)
    if not doc["meets_target"]:
        console.print(f"[bold]short of the target[/bold]: the planned corridor reaches "
                      f"{100 * doc['efficiency']:.2f} % against {100 * doc['target_efficiency']:g} %: its round trip "
                      "leaves no rate that hides the exchange; raise sync_every_steps, use outer_sync: streaming, or "
                      "lower target_efficiency")
    _render_assumptions(console, doc)
    curve = Table(title="efficiency against inter-site line capacity", title_justify="left")
    for column in ("capacity Tb/s", "x need", "efficiency", ""):
        curve.add_column(column, justify="right", overflow="fold")
    for row in doc["efficiency_vs_capacity"]:
        curve.add_row(f"{row['capacity_tbps']:,.3f}", f"{row['multiple_of_required']:g}",
                      f"{100 * row['efficiency']:.2f} %", "provisioned" if row["provisioned"] else "")
    print_table(console, curve)
    paths = Table(title="transport over the distance (per path and port speed; PFC headroom xoff by the mlx5 "
                  "formula under 1,000 m, by round trip x rate beyond)", title_justify="left")
    # xoff = the headroom one port and priority needs; reach = longest link whose headroom for all ports fits.
    for column in ("link", "path", "km", "RTT ms", "in flight GB", "port", "BDP MB", "xoff MB", "ports",
                   "xoff total MB", "buffer MB", "reach km", "lossless"):
        paths.add_column(column, justify="left" if column in ("link", "path") else "right", overflow="fold")
    priorities = doc["transport"]["lossless_priorities"]
    for p in doc["paths"]:
        for speed in p["bdp_bytes"]:
            reach = p["lossless_reach_km"][speed]
            need = p["edge_ports"][speed] * priorities * p["pfc_headroom_bytes"][speed]
            paths.add_row(
                f"{p['a']}-{p['z']}", p["role"], f"{p['km']:,.1f}", f"{p['rtt_ms']:.2f}",
                f"{p['in_flight_bytes'] / 1e9:,.2f}", f"{speed}G", f"{p['bdp_bytes'][speed] / 1e6:,.0f}",
                f"{p['pfc_headroom_bytes'][speed] / 1e6:,.0f}", f"{p['edge_ports'][speed]}", f"{need / 1e6:,.0f}",
                "unknown" if p["edge_buffer_bytes"] is None else f"{p['edge_buffer_bytes'] / 1e6:,.0f}",
                "-" if reach is None else f"{reach:,.1f}",
                "yes" if p["lossless_feasible_by_speed"][speed] else "no")
    print_table(console, paths, droppable=("in flight GB", "BDP MB", "reach km"))
    transport = doc["transport"]
    console.print(f"verdict: {transport['verdict']}")
    console.print(f"in flight: {transport['in_flight_bytes'] / 1e9:,.2f} GB per direction on the longest path "
                  f"(a gateway terminating the long haul holds it all); "
                  f"{transport['in_flight_bytes_per_gpu_nic'] / 1e3:,.0f} KB per GPU NIC when every GPU carries its "
                  "shard")
    cut = doc["after_cut"]
    failure = Table(title=f"after one fiber cut (protection {doc['protection']})", title_justify="left")
    for column in ("capacity Tb/s", "efficiency", "switchover step ms", "cuts/yr (all paths)",
                   "cuts/yr (working)", "h/yr on fallback", "training h/yr lost"):
        failure.add_column(column, justify="right", overflow="fold")
    failure.add_row(f"{cut['capacity_tbps']:,.3f}", f"{100 * cut['efficiency']:.2f} %",
                    "-" if cut["latency_step_ms"] is None else f"+{cut['latency_step_ms']:.3f}",
                    f"{cut['cuts_per_year']:.2f}", f"{cut['working_cuts_per_year']:.2f}",
                    f"{cut['hours_on_fallback_per_year']:,.1f}", f"{cut['training_hours_lost_per_year']:,.2f}")
    print_table(console, failure, droppable=("cuts/yr (all paths)", "h/yr on fallback"))
    _render_cut_events(console, doc)
    corridor = doc["corridor"]
    totals = corridor["totals"]
    demands = Table(title=f"corridor ({corridor['name']}, planned by the corridor designer)", title_justify="left")
    for column in ("demand", "path", "route km", "one-way ms", "waves", "mode", "ILA", "regens", "GSNR dB"):
        demands.add_column(column, justify="left" if column in ("demand", "path", "mode") else "right",
                           overflow="fold")
    for d in corridor["demands"]:
        for p in d["paths"]:
            demands.add_row(d["id"], p["role"], f"{p['km']:,.1f}", f"{p['latency_ms']:.2f}",
                            f"{p.get('waves', d['waves'])}", p.get("mode", d["mode"]), f"{p['amplifiers']}",
                            f"{p['regens']}",
                            "" if p["gsnr_db"] is None else f"{p['gsnr_db']:.2f}")
    print_table(console, demands, droppable=("ILA", "GSNR dB"))
    _render_terms(console, doc)
    pairs = max((s["fiber_pairs"] for s in corridor["segments"]), default=0)
    console.print(f"corridor: route {totals['route_km']:,.1f} km, {count(totals['waves'], 'wave')}, up to "
                  f"{count(pairs, 'fiber pair')} per segment, {count(totals['amplifier_sites'], 'ILA hut')}, "
                  f"{count(totals['regen_sites'], 'regen site')}, {count(totals['transponders'], 'transponder')}")
    if doc.get("comparisons"):
        _render_comparisons(console, doc["comparisons"])
    from aifabric.cli.render import report_written

    report_written(written)


def _render_assumptions(console, doc: dict) -> None:
    from rich.table import Table

    from aifabric.cli.render import print_table

    table = Table(title="assumptions (give your own in the spec; UNSURE = no published figure)",
                  title_justify="left")
    for column in ("assumption", "value", "source"):
        table.add_column(column, justify="right" if column == "value" else "left", overflow="fold")
    transport = doc["transport"]
    table.add_row("overlap", f"{doc['overlap']:.4g}", doc["overlap_source"])
    table.add_row(f"transport {transport['kind']}", f"{transport['efficiency']:g}", transport["efficiency_source"])
    table.add_row("target efficiency", f"{doc['target_efficiency']:g}", doc["target_source"])
    chosen = next(a for a in doc["algorithms"] if a["algorithm"] == doc["algorithm"])
    others = ", ".join(f"{a['algorithm']} {a['required_line_tbps']:,.2f}" for a in doc["algorithms"]
                       if a["algorithm"] != doc["algorithm"] and a["feasible"])
    table.add_row("algorithm", doc["algorithm"],
                  f"least line capacity x route km that meets the target ({chosen['required_line_tbps']:,.2f} Tb/s "
                  f"per link" + (f"; others: {others}" if others else "") + ")")
    print_table(console, table)


def _render_cut_events(console, doc: dict) -> None:
    from rich.table import Table

    from aifabric.cli.render import print_table

    table = Table(title="fiber cuts as events, per protection choice (switchover, retransmission, timeout, "
                  "restart from checkpoint)", title_justify="left")
    for column in ("protection", "cuts/yr", "event h/yr", "degraded h/yr", "job h/yr lost"):
        table.add_column(column, justify="left" if column == "protection" else "right", overflow="fold")
    for protection, entry in doc["cut_events"].items():
        if entry is None:
            table.add_row(protection, "-", "-", "-", "no diverse path")
            continue
        name = protection + (" (elastic)" if entry["elastic"] else "") + (" *" if protection == doc["protection"]
                                                                          else "")
        table.add_row(name, f"{entry['cuts_per_year']:.2f}", f"{entry['event_hours_per_year']:,.3f}",
                      f"{entry['degraded_hours_per_year']:,.3f}", f"{entry['hours_per_year']:,.3f}")
    print_table(console, table)


def _render_terms(console, doc: dict) -> None:
    from rich.table import Table

    from aifabric.cli.render import print_table

    terms = doc["corridor_terms"]
    services = sorted({service for t in terms for service in t["cost_usd"]})
    prices = doc["corridor"].get("prices") or {}
    table = Table(title="corridor terms per training link (corridor designer; cost over the term"
                  + (", prices INDICATIVE, not quotes)" if prices.get("indicative") else ")"), title_justify="left")
    for column in ("demand", "waves", "fibers", "avail. %", "SLA %", "diff. ms", *(f"{s} M$" for s in services)):
        table.add_column(column, justify="left" if column == "demand" else "right", overflow="fold")
    for t in terms:
        sla = "-" if t["sla"] is None else f"{t['sla']:g} {'ok' if t['meets_sla'] else 'MISSED'}"
        table.add_row(t["demand"], f"{t['waves']}", "-" if t["fibers"] is None else f"{t['fibers']}",
                      "-" if t["availability_percent"] is None else f"{t['availability_percent']:.4f}", sla,
                      "-" if t["differential_delay_ms"] is None else f"{t['differential_delay_ms']:.3f}",
                      *("-" if t["cost_usd"].get(s) is None else f"{t['cost_usd'][s] / 1e6:,.1f}" for s in services))
    print_table(console, table)


def _render_comparisons(console, rows: list[dict]) -> None:
    from rich.table import Table

    from aifabric.cli.render import print_table

    table = Table(title="comparisons (--vary): T step s, line rate needed and provisioned Tb/s per direction, "
                  "efficiency before and after one cut", title_justify="left")
    keys = list(rows[0]["vary"])
    short = {"sync_every_steps": "H", "tokens_per_step_m": "tokens M", "params_total_b": "params B",
             "params_active_b": "active B", "protection": "protect.", "transport": "transp.",
             "transport_efficiency": "transp. eff.", "outer_sync": "outer", "token_split": "tokens by",
             "target_efficiency": "target"}
    # A straggler (token_split: equal) costs compute the scaling efficiency does not show: its own column then.
    stragglers = any(row["overall_efficiency"] != row["efficiency"] for row in rows)
    numbers = ("T s", "need Tb/s", "prov. Tb/s", "waves", "xpdrs", "regens", "eff.",
               *(("with straggler",) if stragglers else ()), "cut eff.", "cheapest M$")
    for column in (*(short.get(k, k) for k in keys), *numbers[:-1], "lossless", numbers[-1]):
        table.add_column(column, justify="right" if column in numbers else "left", overflow="fold")
    for row in rows:
        table.add_row(*(str(row["vary"][k]) for k in keys),
                      f"{row['step_s']:.3f}",
                      "-" if row["required_line_tbps"] is None else f"{row['required_line_tbps']:,.3f}",
                      f"{row['provisioned_tbps_per_direction']:,.3f}", f"{row['waves']}", f"{row['transponders']}",
                      f"{row['regen_sites']}", f"{100 * row['efficiency']:.2f} %",
                      *((f"{100 * row['overall_efficiency']:.2f} %",) if stragglers else ()),
                      f"{100 * row['after_cut_efficiency']:.2f} %", "yes" if row["lossless"] else "no",
                      _cheapest(row["cost_usd_by_service"]))
    print_table(console, table, droppable=("xpdrs", "regens", "lossless", "cut eff."))


def _cheapest(by_service: dict) -> str:
    if not by_service:
        return "-"
    service = min(by_service, key=lambda s: (by_service[s], s))
    return f"{by_service[service] / 1e6:,.1f} {service}"
