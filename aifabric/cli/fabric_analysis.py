"""`aifabric fabric latency|bisection|failures|ecmp`: the analyses an architect signs a design off on."""

from __future__ import annotations

from pathlib import Path

import typer

from aifabric.cli.options import CATALOG, JSON, SPEC, plan_from, spec_flags


@spec_flags()
def latency(spec: Path | None = SPEC, catalog: Path | None = CATALOG,
            json_out: bool = JSON, overrides: dict | None = None) -> None:
    """Itemized one-way latency per path class and plane: min, typical and worst over the real links."""
    from aifabric.fabric.latency import latency_model

    result = plan_from(spec, overrides or {}, catalog)
    budget = result.spec.latency_budget_ns
    worst = max(p.worst_ns for p in result.latencies)
    violations = [f"{p.path_class} (plane {p.plane}) worst {p.worst_ns:,.0f} ns > budget {budget:,.0f} ns"
                  for p in result.latencies if budget is not None and p.worst_ns > budget]
    document = {"paths": [p.to_json() for p in result.latencies],
                "sources": latency_model(result.links, result.hardware, result.spec.latency).sources,
                "budget": {"latency_budget_ns": budget, "worst_ns": worst, "ok": not violations,
                           "violations": violations}}
    if json_out:
        from aifabric.cli.render import print_json

        print_json(document)
        return
    from rich.table import Table

    from aifabric.cli.render import print_table, stdout_console

    console = stdout_console()
    table = Table(title=f"One-way latency (ns): {result.plan.name}", title_justify="left")
    for col in ("path", "plane", "hops", "nic", "switch", "fec", "optics", "propagation", "typical", "min",
                "worst"):
        table.add_column(col, justify="left" if col == "path" else "right")
    for p in result.latencies:
        t = p.terms_ns
        table.add_row(p.path_class, str(p.plane), str(p.switch_hops), f"{t['nic']:,.0f}", f"{t['switch']:,.0f}",
                      f"{t['fec']:,.0f}", f"{t['optics']:,.0f}", f"{t['propagation']:,.1f}",
                      f"{p.typical_ns:,.0f}", f"{p.min_ns:,.0f}", f"{p.worst_ns:,.0f}")
    print_table(console, table, droppable=("hops", "fec", "optics"))
    for term, source in document["sources"].items():
        console.print(f"[dim]{term}: {source}[/dim]")
    if budget is not None:
        if violations:
            for v in violations:
                console.print(f"[bold red]budget violated: {v}[/bold red]")
        else:
            console.print(f"[green]within latency budget {budget:,.0f} ns (worst {worst:,.0f} ns)[/green]")


@spec_flags()
def bisection(spec: Path | None = SPEC, catalog: Path | None = CATALOG,
              json_out: bool = JSON, overrides: dict | None = None) -> None:
    """Bisection bandwidth by max flow on the switch graph, beside the closed form, per plane and tier."""
    from aifabric.fabric.bisection import bisections

    result = plan_from(spec, overrides or {}, catalog)
    entries = bisections(result.links)
    document = {"planes": [b.to_json() for b in entries],
                "graph_tbps": round(sum(b.graph_tbps for b in entries), 3),
                "closed_form_tbps": round(sum(b.closed_form_tbps for b in entries), 3),
                "oversubscription": round(result.plan.actual_oversubscription(), 4)}
    if json_out:
        from aifabric.cli.render import print_json

        print_json(document)
        return
    from rich.table import Table

    from aifabric.cli.render import print_table, stdout_console

    plan = result.plan
    table = Table(title=f"Bisection (Tb/s): {plan.name}", title_justify="left")
    table.add_column("plane", justify="right")
    table.add_column("max flow", justify="right")
    table.add_column("closed form", justify="right")
    table.add_column("NIC links total", justify="right")
    if plan.tiers > 1:
        table.add_column("leaf up total", justify="right")
    if plan.tiers == 3:
        table.add_column("spine up total", justify="right")
    for b in entries:
        row = [str(b.plane), f"{b.graph_tbps:,.1f}", f"{b.closed_form_tbps:,.1f}", f"{b.nic_tbps:,.1f}"]
        row += [f"{b.leaf_uplink_tbps:,.1f}"] if plan.tiers > 1 else []
        row += [f"{b.spine_uplink_tbps:,.1f}"] if plan.tiers == 3 else []
        table.add_row(*row)
    console = stdout_console()
    print_table(console, table)
    console.print("[dim]bisection: the most one half of the servers can send the other half at once; max flow on "
                  "the built switch graph, closed form = half the narrowest tier's total. The totals are each "
                  "tier's whole capacity (twice the bisection when nothing is oversubscribed).[/dim]")
    gap = [b for b in entries if abs(b.graph_tbps - b.closed_form_tbps) > 1e-6 * max(b.closed_form_tbps, 1)]
    if gap:
        b = gap[0]
        console.print(f"[dim]max flow differs from the closed form by {b.graph_tbps - b.closed_form_tbps:+,.1f} Tb/s "
                      f"in plane {b.plane}: the closed form has the halves meet only above the leaves, evenly; "
                      "halves that share a leaf (one SU) exchange traffic without the uplinks, and an uneven last "
                      "SU or pod moves the cut.[/dim]")


@spec_flags()
def failures(spec: Path | None = SPEC, catalog: Path | None = CATALOG,
             fail: str = typer.Option("leaf=1,spine=1,link=0.1%", "--fail",
                                      help="Failures per trial: leaf=N,spine=N,core=N,link=P% (each link fails "
                                           "with probability P)."),
             trials: int = typer.Option(1000, "--trials", min=1, max=1_000_000,
                                        help="Monte Carlo trials (each draws the --fail failures afresh)."),
             seed: int = typer.Option(0, "--seed", help="Random seed of the trials (same seed, same result)."),
             json_out: bool = JSON, overrides: dict | None = None) -> None:
    """Blast radius of each single switch failure, and a Monte Carlo of random switch and link failures."""
    from aifabric.cli.render import progress_bar, progress_callback
    from aifabric.fabric.failures import FailureModel, monte_carlo, parse_fail, single_failures

    failure_spec = parse_fail(fail)
    result = plan_from(spec, overrides or {}, catalog)
    model = FailureModel(result.links)
    singles = single_failures(model)
    with progress_bar(enabled=not json_out) as progress:
        mc = monte_carlo(model, failure_spec, trials, seed, progress_callback(progress, "failure trials"))
    document = {"single": [s.to_json() for s in singles], "monte_carlo": mc}
    if json_out:
        from aifabric.cli.render import print_json

        print_json(document)
        return
    from rich.table import Table

    from aifabric.cli.render import count, print_table, stdout_console

    console = stdout_console()
    table = Table(title=f"Single switch failures: {result.plan.name}", title_justify="left")
    for col in ("element", "plane", "pod", "GPUs cut off", "GPUs degraded", "worst GPU share", "bisection left"):
        table.add_column(col, justify="left" if col == "element" else "right")
    for s in singles:
        table.add_row(s.element, str(s.plane), "-" if s.pod < 0 else str(s.pod), f"{s.gpus_cut_off:,}",
                      f"{s.gpus_degraded:,}", f"{s.worst_gpu_share:.1%}", f"{s.bisection_left:.2%}")
    print_table(console, table)
    mc_table = Table(title=f"Monte Carlo: {count(trials, 'trial')}, seed {seed}, {_applied_failures(mc['failures'])}",
                     title_justify="left")
    for col in ("metric", "p50", "p5", "p1", "min", "mean"):
        mc_table.add_column(col, justify="left" if col == "metric" else "right")
    for key, label in (("bisection_left", "surviving bisection"), ("worst_gpu_bandwidth_share", "worst GPU share")):
        row = mc[key]
        mc_table.add_row(label, *(f"{row[k]:.2%}" for k in ("p50", "p5", "p1", "min", "mean")))
    print_table(console, mc_table)
    console.print(f"trials with a GPU cut off: {mc['gpus_cut_off_trials']:,} of {trials:,}")
    if failure_spec.spine and not mc["failures"]["spine"]:
        console.print(f"[dim]--fail spine={failure_spec.spine} left out: a one-tier fabric has no spines[/dim]")


def _applied_failures(failures: dict) -> str:
    """Return the failures each trial draws, as --fail names them ('fail leaf=1,link=0.1%'), or 'no failures'."""
    parts = [f"{key}={failures[key]}" for key in ("leaf", "spine", "core") if failures[key]]
    if failures["link_probability"]:
        parts.append(f"link={failures['link_probability'] * 100:g}%")
    return "fail " + ",".join(parts) if parts else "no failures"


@spec_flags()
def ecmp(spec: Path | None = SPEC, catalog: Path | None = CATALOG,
         traffic: str = typer.Option("random-permutation", "--traffic",
                                     help="allreduce-ring | all-to-all | random-permutation"),
         routing: str = typer.Option("static-hash", "--routing", help="static-hash | adaptive"),
         flows_per_nic: int = typer.Option(1, "--flows-per-nic", min=1,
                                           help="Flows (hash entropy) per NIC and destination."),
         trials: int = typer.Option(10, "--trials", min=1, help="Trials, each with fresh hashes and pairings."),
         seed: int = typer.Option(0, "--seed", help="Random seed of the trials (same seed, same result)."),
         json_out: bool = JSON, overrides: dict | None = None) -> None:
    """Place a collective's flows on the fabric and report throughput under static ECMP or adaptive routing."""
    from aifabric.cli.render import progress_bar, progress_callback
    from aifabric.fabric.ecmp import simulate

    result = plan_from(spec, overrides or {}, catalog)
    with progress_bar(enabled=not json_out) as progress:
        outcome = simulate(result.links, traffic, routing, flows_per_nic, trials, seed,
                           progress_callback(progress, "ECMP trials"))
    document = outcome.to_json()
    if json_out:
        from aifabric.cli.render import print_json

        print_json(document)
        return
    from rich.table import Table

    from aifabric.cli.render import count, print_table, stdout_console

    table = Table(title=f"ECMP model: {result.plan.name}, {traffic}, {routing}, {count(flows_per_nic, 'flow')} per "
                        f"NIC, {count(trials, 'trial')}, seed {seed}", title_justify="left")
    for col in ("share of line rate", "mean", "p5", "p50", "min"):
        table.add_column(col, justify="left" if col.startswith("share") else "right")
    for key, label in (("aggregate_share", "aggregate throughput"), ("collective_pace_share", "collective pace")):
        row = document[key]
        table.add_row(label, *(f"{row[k]:.1%}" for k in ("mean", "p5", "p50", "min")))
    console = stdout_console()
    print_table(console, table)
    console.print(f"[dim]closed form for one hashing stage of {count(result.plan.leaf_uplinks, 'uplink')}: "
                  f"1 - (1 - 1/n)^n = {document['closed_form_first_stage_share']:.1%}[/dim]")
