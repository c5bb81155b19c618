"""Re-cabling the running lab (two cables' far ends exchanged, as a technician swapping two plugs) and reading
every namespace's LLDP neighbors."""

from __future__ import annotations

import json
from pathlib import Path

from aifabric.configs.render import hostname
from aifabric.errors import SpecError
from aifabric.lab import netns
from aifabric.lab.daemons import lldp_neighbors
from aifabric.lab.state import LabState


def _end(state: LabState, text: str) -> tuple[str, str]:
    """Return (device, port) of 'DEVICE:PORT' (a naming-table name or a hostname)."""
    device, sep, port = text.rpartition(":")
    names = {n.name: n.name for n in state.nodes.values()}
    names.update({hostname(n.name): n.name for n in state.nodes.values()})
    if not sep or device not in names or port not in state.nodes[names[device]].ports:
        raise SpecError("command line", "END", f"'{text}': expected DEVICE:PORT, a port of a device of lab "
                        f"{state.name} (e.g. plane0/pod000/leaf000:swp2s0)")
    return names[device], port


def _far(state: LabState, device: str, port: str) -> tuple[str, str]:
    """Return the end a port is cabled to now (the plan's, or another after swaps: read from the live links)."""
    current = state_links(state)
    return current[(device, port)]


def state_links(state: LabState) -> dict[tuple[str, str], tuple[str, str]]:
    """Return the lab's cabling as it is now: both directions of every cable (lab.json's `cables`)."""
    result = {}
    for a, a_port, z, z_port in state.cables:
        result[(a, a_port)] = (z, z_port)
        result[(z, z_port)] = (a, a_port)
    return result


def swap(state: LabState, first: str, second: str) -> list[list[str]]:
    """Exchange the far ends of the cables on two switch ports (A:p1-X:q1 and B:p2-Y:q2 become A:p1-Y:q2 and
    B:p2-X:q1); lab.json records the cabling as it now is (its plan stays links.csv). Return the two new cables."""
    a, b = _end(state, first), _end(state, second)
    x, y = _far(state, *a), _far(state, *b)
    if {a, b} & {x, y} or a == b:
        raise SpecError("command line", "END", f"{first} and {second}: choose two ports of different cables")
    for device, _ in (a, b, x, y):
        if state.nodes[device].role == "host":
            raise SpecError("command line", "END", f"{device} is a server: swap switch-to-switch cables")
    nodes = state.nodes
    netns.run(["ip", "-n", nodes[a[0]].namespace, "link", "del", a[1]])
    netns.run(["ip", "-n", nodes[b[0]].namespace, "link", "del", b[1]])
    netns.batch([_veth(state, a, y), _veth(state, b, x)])
    for device, port in (a, b, x, y):
        netns.run(["ip", "-n", nodes[device].namespace, "link", "set", port, "up"])
    new = [sorted([a, y]), sorted([b, x])]
    kept = [c for c in state.cables if {(c[0], c[1]), (c[2], c[3])}.isdisjoint({a, b, x, y})]
    state.cables = sorted(kept + [[*cable[0], *cable[1]] for cable in new])
    state.save()
    return [[*cable[0], *cable[1]] for cable in new]


def _veth(state: LabState, one: tuple[str, str], other: tuple[str, str]) -> str:
    """Return the `ip -batch` line that cables two ports with a veth pair."""
    return (f"link add {one[1]} netns {state.nodes[one[0]].namespace} type veth peer name {other[1]} "
            f"netns {state.nodes[other[0]].namespace}")


def lldp_tables(state: LabState) -> dict[str, dict]:
    """Return every namespace's `lldpcli -f json show neighbors`, by hostname."""
    return {hostname(node.name): lldp_neighbors(state.node_dir(node)) for node in state.nodes.values()}


def write_lldp(state: LabState, out_dir: str | Path) -> list[Path]:
    """Write each namespace's LLDP neighbors to out_dir/<hostname>.json; return the paths."""
    from aifabric.io import ensure_dir, write_text

    folder = ensure_dir(out_dir)
    return [write_text(folder / f"{name}.json", json.dumps(table, indent=1, sort_keys=True) + "\n")
            for name, table in lldp_tables(state).items()]
