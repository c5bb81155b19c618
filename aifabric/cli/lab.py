"""`aifabric lab up|check|fail|restore|swap|lldp|down`: a scaled-down copy of a plan running in network namespaces."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from aifabric.cli.options import CATALOG, JSON, SPEC, spec_flags

app = typer.Typer(no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})

NAME = typer.Option("lab", "--name", help="The lab's name: its namespaces are aifabric-NAME.*, its state "
                                          "/run/aifabric-lab/NAME.")
LINK = typer.Argument(..., metavar="A:B", help="Two devices (their first cable) or DEVICE:PORT, e.g. "
                                                "plane0/pod000/leaf000:plane0/pod000/spine000.")


def _state(name: str):
    from aifabric.lab.state import check_name, load

    return load(check_name(name))


def _emit(document: dict, json_out: bool, lines: list[str]) -> None:
    from aifabric.cli.render import print_json

    if json_out:
        print_json(document)
    else:
        for line in lines:
            typer.echo(line)


def _summary_lines(document: dict) -> list[str]:
    s, e, r = document["sessions"], document["ecmp"], document["reachability"]
    lines = [f"BGP sessions Established: {s['up']}/{s['expected']}",
             f"ECMP width leaf to leaf: min {e['min']}, planned {e['expected']}",
             f"{'host-to-host' if document.get('network', 'compute') == 'compute' else 'leaf loopback-to-loopback'} "
             f"reachability: {r['ok']}/{r['tried']}"]
    if "evpn_sessions" in document:
        lines.insert(1, f"EVPN sessions Established: {document['evpn_sessions']['up']}/"
                        f"{document['evpn_sessions']['expected']}")
    for label, items in (("down", s["down"]), ("short", e["short"]), ("unreachable", r["failed"])):
        lines += [f"  {label}: {x}" for x in items[:SHOWN]]
        if len(items) > SHOWN:
            lines.append(f"  ... {len(items) - SHOWN} more {label} (--json lists them all)")
    return lines


SHOWN = 4  # problems of each kind listed on a terminal


def _healthy(document: dict) -> bool:
    s, e, r = document["sessions"], document["ecmp"], document["reachability"]
    evpn = document.get("evpn_sessions", {"up": 0, "expected": 0})
    return s["up"] == s["expected"] and e["min"] >= e["expected"] and r["ok"] == r["tried"] and \
        evpn["up"] == evpn["expected"]


@app.command("up")
@spec_flags()
def up(
    spec: Path | None = SPEC,
    scale: str | None = typer.Option(None, "--scale", help="How far to shrink the plan, key=N,...: rails, servers "
                                     "(per leaf), sus, spines (per pod), pods, cores, planes (default rails=2,"
                                     "servers=2,sus=2,spines=2,pods=2,cores=2,planes=2; never more than the plan)."),
    name: str = NAME,
    timeout: float = typer.Option(90.0, "--timeout", help="Seconds to wait for every BGP session and ECMP path."),
    network: str = typer.Option("compute", "--network", help="The network to boot: compute, or converged (its "
                                "leaf pairs, spines and cores with their EVPN underlay; --scale sus, servers, "
                                "spines, pods, cores)."),
    json_out: bool = JSON,
    catalog: Path | None = CATALOG,
    overrides: dict[str, Any] | None = None,
) -> None:
    """Boot a scaled-down copy of the plan in network namespaces and check it.

    FRR and lldpd run per switch, veth pairs are the cables; exit 1 unless every session is up, every leaf has the
    planned ECMP width and every NIC reaches the others."""
    from aifabric.cli.planning import plan_from
    from aifabric.lab.check import check
    from aifabric.lab.shape import parse_scale
    from aifabric.lab.state import check_name
    from aifabric.lab.updown import up as lab_up

    chosen = parse_scale(scale)
    check_name(name)
    result = plan_from(spec, overrides or {}, catalog)
    state = lab_up(result, chosen, name, str(spec) if spec else "command line", timeout_s=timeout, network=network)
    document = check(state)
    switches, hosts = len(state.switches()), len(state.hosts())
    document["namespaces"] = {"switches": switches, "servers": hosts}
    document["state"] = str(state.directory)
    _emit(document, json_out, [f"lab {name}: {switches} switches and {hosts} servers in namespaces "
                                f"(state {state.directory})", *_summary_lines(document)])
    if not _healthy(document):
        raise typer.Exit(1)


@app.command("check")
def check_cmd(name: str = NAME, json_out: bool = JSON) -> None:
    """Report BGP sessions, leaf-to-leaf ECMP width and host-to-host reachability.

    The ECMP width is each leaf's to every other leaf's prefixes; exit 1 on any shortfall."""
    from aifabric.lab.check import check

    document = check(_state(name))
    _emit(document, json_out, _summary_lines(document))
    if not _healthy(document):
        raise typer.Exit(1)


@app.command("fail")
def fail(link: str = LINK, name: str = NAME, json_out: bool = JSON) -> None:
    """Take a cable down and measure how long the leaves' routes take to settle."""
    from aifabric.lab.check import fail as lab_fail

    document = lab_fail(_state(name), link)
    c = document["link"]
    lines = [f"cable down: {c['a_device']} {c['a_port']} - {c['z_device']} {c['z_port']}",
             f"routes settled {document['convergence_ms']} ms after the cable went down"
             if document["converged"] else "routes did not settle within the time allowed",
             *_summary_lines(document)]
    _emit(document, json_out, lines)


@app.command("restore")
def restore(link: str = LINK, name: str = NAME, json_out: bool = JSON) -> None:
    """Bring a failed cable back up and wait for its session and the planned ECMP width."""
    from aifabric.lab.check import restore as lab_restore

    document = lab_restore(_state(name), link)
    _emit(document, json_out, [f"BGP sessions Established: {document['sessions']['up']}/"
                               f"{document['sessions']['expected']}; ECMP min {document['ecmp']['min']}"])


@app.command("swap")
def swap(first: str = typer.Argument(..., metavar="DEVICE:PORT"),
         second: str = typer.Argument(..., metavar="DEVICE:PORT"), name: str = NAME) -> None:
    """Exchange the far ends of two switch-to-switch cables (a cabling mistake to find with `verify cabling`)."""
    from aifabric.lab.cables import swap as lab_swap

    for a, a_port, z, z_port in lab_swap(_state(name), first, second):
        typer.echo(f"cabled {a} {a_port} - {z} {z_port}")


@app.command("lldp")
def lldp(out: Path = typer.Option(..., "--out", "-o", help="Directory for <device>.json LLDP tables."),
         name: str = NAME) -> None:
    """Write every namespace's LLDP neighbors (lldpcli -f json show neighbors) to a directory."""
    from aifabric.lab.cables import write_lldp

    written = write_lldp(_state(name), out)
    sys.stderr.write(f"wrote {len(written)} LLDP tables to {out}\n")


@app.command("down")
def down(name: str = NAME) -> None:
    """Stop every process and delete every namespace of the lab, and its state.

    Idempotent, and complete after a crash: namespaces are found by the lab's state and by their prefix."""
    from aifabric.lab.state import check_name
    from aifabric.lab.updown import down as lab_down

    removed = lab_down(check_name(name))
    sys.stderr.write(f"lab {name}: removed {len(removed)} namespaces\n")
