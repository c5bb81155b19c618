"""`lab check`: every BGP session Established, each leaf's ECMP width to every other leaf's prefixes, and every
NIC reaching every other NIC of its plane; `lab fail`: a cable taken down and the time the routing takes to settle."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from aifabric.lab import netns
from aifabric.lab.daemons import vtysh_json
from aifabric.lab.netns import LabError
from aifabric.lab.state import LabState, Node

WORKERS = 4  # parallel vtysh / ip / ping commands (2 cores; each is mostly waiting)


def _sessions_of(state: LabState, node: Node) -> dict[str, str]:
    """Return a switch's BGP peers (interface, or address in ipv4-31 mode) and their states."""
    summary = vtysh_json(state.node_dir(node), "show bgp ipv4 unicast summary json")
    peers = summary.get("peers", summary.get("ipv4Unicast", {}).get("peers", {})) if isinstance(summary, dict) else {}
    return {peer: info.get("state", "") for peer, info in peers.items()}


def evpn_sessions(state: LabState) -> dict:
    """Return {"up", "expected"}: switch-to-switch cables whose BGP session has its L2VPN EVPN address family
    Established at both ends (the converged fabric's overlay)."""
    switches = state.switches()

    def peers(node: Node) -> dict[str, str]:
        summary = vtysh_json(state.node_dir(node), "show bgp l2vpn evpn summary json")
        found = summary.get("peers", {}) if isinstance(summary, dict) else {}
        return {peer: info.get("state", "") for peer, info in found.items()}

    with ThreadPoolExecutor(WORKERS) as pool:
        seen = dict(zip((n.name for n in switches), pool.map(peers, switches), strict=True))
    up = expected = 0
    for a, a_port, z, z_port in state.cables:
        if state.nodes[a].role == "host" or state.nodes[z].role == "host":
            continue
        expected += 1
        up += seen[a].get(a_port) == "Established" and seen[z].get(z_port) == "Established"
    return {"up": up, "expected": expected}


def sessions(state: LabState) -> dict:
    """Return {"up", "expected", "down": [...]}: one eBGP session per switch-to-switch cable, up when both ends
    report it Established."""
    switches = state.switches()
    with ThreadPoolExecutor(WORKERS) as pool:
        seen = dict(zip((n.name for n in switches), pool.map(lambda n: _sessions_of(state, n), switches),
                        strict=True))
    up, expected, down = 0, 0, []
    for a, a_port, z, z_port in state.cables:
        if state.nodes[a].role == "host" or state.nodes[z].role == "host":
            continue
        expected += 1
        ends = [(a, a_port, state.nodes[a].ports[a_port]), (z, z_port, state.nodes[z].ports[z_port])]
        keys = [port if info["address"] is None else info["peer_address"] for _, port, info in ends]
        if all(seen[device].get(key) == "Established" for (device, _, _), key in zip(ends, keys, strict=True)):
            up += 1
        else:
            down.append(f"{a} {a_port} - {z} {z_port}")
    return {"up": up, "expected": expected, "down": down}


def wait_established(state: LabState, timeout_s: float) -> dict:
    """Wait until every session is Established (or timeout_s); return the last sessions count."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = sessions(state)
        if found["up"] == found["expected"] or time.monotonic() >= deadline:
            return found
        time.sleep(1.0)


def _routes(node: Node) -> dict[str, list[str]]:
    """Return a switch's kernel routes installed by BGP: prefix -> its next-hop interfaces (one per ECMP path)."""
    out = netns.run(["ip", "-n", node.namespace, "-j", "route", "show", "proto", "bgp"])
    routes = {}
    for route in json.loads(out or "[]"):
        dst = route.get("dst", "")
        if "/" not in dst:
            dst += "/32"
        hops = route.get("nexthops")
        routes[dst] = sorted(h.get("dev", "") for h in hops) if hops else [route.get("dev", "")]
    return routes


def leaf_prefixes(state: LabState) -> dict[str, list[str]]:
    """Return each leaf's own prefixes: its loopback and the /31 of every NIC port it serves."""
    result = {}
    for node in state.switches():
        if node.role == "leaf":
            own = [f"{node.loopback}/32"]
            own += [str(ipaddress.ip_interface(p["address"]).network) for p in node.ports.values()
                    if p["kind"] == "host"]
            result[node.name] = own
    return result


def routes_of_leaves(state: LabState) -> dict[str, dict[str, list[str]]]:
    """Return every leaf's BGP routes (prefix -> next-hop interfaces)."""
    leaves = [n for n in state.switches() if n.role == "leaf"]
    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(zip((n.name for n in leaves), pool.map(_routes, leaves), strict=True))


def ecmp(state: LabState, routes: dict[str, dict[str, list[str]]] | None = None) -> dict:
    """Return {"min", "expected", "short": [...]}: the fewest next hops any leaf has to a prefix of another leaf of
    its plane (a missing route counts 0); expected is the plan's spines per pod."""
    routes = routes_of_leaves(state) if routes is None else routes
    own = leaf_prefixes(state)
    # Leaves cabled to each other (a converged leaf pair's peer links) reach each other directly, not over spines.
    direct = {(a, z) for a, _, z, _ in state.cables} | {(z, a) for a, _, z, _ in state.cables}
    widths, short = [], []
    for leaf, table in routes.items():
        plane = state.nodes[leaf].plane
        for other, prefixes in own.items():
            if other == leaf or state.nodes[other].plane != plane or (leaf, other) in direct:
                continue
            for prefix in prefixes:
                width = len(table.get(prefix, []))
                widths.append(width)
                if width < state.ecmp_expected:
                    short.append(f"{leaf} -> {prefix} ({other}): {width} paths")
    return {"min": min(widths) if widths else 0, "expected": state.ecmp_expected, "short": short}


def _pings(node: Node, pairs: list[tuple[str, str]]) -> list[bool]:
    """Ping each (source address, destination) once from a server's namespace; return which answered."""
    script = "".join(f"ping -n -q -c 1 -W 1 -I {src} {dst} >/dev/null 2>&1 && echo 1 || echo 0\n"
                     for src, dst in pairs)
    done = subprocess.run(["ip", "netns", "exec", node.namespace, "sh", "-s"], input=script, capture_output=True,
                          text=True, timeout=30 + 2 * len(pairs))
    return [line == "1" for line in done.stdout.split()]


def reachability(state: LabState) -> dict:
    """Return {"ok", "tried", "failed": [...]}: every NIC port pinged from every NIC port of the other servers in
    its plane (across rails, SUs and pods), each from its own address."""
    nics = []  # (host, port, address, plane)
    for host in state.hosts():
        for port, info in sorted(host.ports.items()):
            nics.append((host, port, info["address"].split("/")[0], state.nodes[info["peer"]].plane))
    work: dict[str, tuple[Node, list[tuple[str, str]], list[str]]] = {}
    for host, port, src, plane in nics:
        for other, other_port, dst, other_plane in nics:
            if other.name == host.name or other_plane != plane:
                continue
            entry = work.setdefault(host.name, (host, [], []))
            entry[1].append((src, dst))
            entry[2].append(f"{host.name} {port} -> {other.name} {other_port}")
    return _ping_all(list(work.values()))


def loopback_reachability(state: LabState) -> dict:
    """Return {"ok", "tried", "failed": [...]}: every leaf's loopback pinged from every other leaf, from its own
    loopback (the converged fabric's VXLAN tunnel end points must reach each other over the underlay)."""
    leaves = [n for n in state.switches() if n.role == "leaf"]
    work = [(leaf, [(leaf.loopback, other.loopback) for other in leaves if other is not leaf],
             [f"{leaf.name} -> {other.name} ({other.loopback})" for other in leaves if other is not leaf])
            for leaf in leaves]
    return _ping_all(work)


def _ping_all(work: list) -> dict:
    """Run each (namespace node, [(source, target)...], [label...]) item's pings, a few nodes at a time; return
    {"ok", "tried", "failed": [labels of the pings that did not answer]}."""
    with ThreadPoolExecutor(WORKERS) as pool:
        answers = list(pool.map(lambda item: _pings(item[0], item[1]), work))
    ok, tried, failed = 0, 0, []
    for (_, _, labels), answered in zip(work, answers, strict=True):
        for label, good in zip(labels, answered + [False] * (len(labels) - len(answered)), strict=True):
            tried += 1
            ok += good
            if not good:
                failed.append(label)
    return {"ok": ok, "tried": tried, "failed": failed}


def _reachability(state: LabState) -> dict:
    """Return the lab's reachability: host to host (compute), leaf loopback to loopback (converged)."""
    return reachability(state) if state.network == "compute" else loopback_reachability(state)


def check(state: LabState) -> dict:
    """Return the `lab check --json` document (for a converged lab, reachability is leaf loopback to loopback)."""
    reach = _reachability(state)
    document = {"lab": state.name, "network": state.network, "sessions": sessions(state), "ecmp": ecmp(state),
                "reachability": reach}
    if state.network == "converged":
        document["evpn_sessions"] = evpn_sessions(state)
    return document


def find_cable(state: LabState, text: str) -> list[str]:
    """Return the cable [a, a port, z, z port] that `A:B` names: two devices (their first cable), or a device and
    one of its ports. Names may be the naming table's (plane0/pod000/leaf000) or hostnames (plane0-pod000-leaf000)."""
    from aifabric.errors import SpecError

    left, sep, right = text.partition(":")
    if not sep:
        raise SpecError("command line", "LINK", f"'{text}': expected A:B (two devices, or a device and its port)")
    names = {n.name: n.name for n in state.nodes.values()}
    names.update({n.name.replace("/", "-"): n.name for n in state.nodes.values()})
    a = names.get(left)
    if a is None:
        raise SpecError("command line", "LINK", f"'{left}' is not a device of lab {state.name}")
    b = names.get(right)
    for cable in state.cables:
        ends = [(cable[0], cable[1]), (cable[2], cable[3])]
        for (device, port), (other, other_port) in (ends, ends[::-1]):
            if device == a and (other == b or (b is None and port == right)):
                return [device, port, other, other_port]
    raise SpecError("command line", "LINK", f"'{text}': no cable joins {left} and {right} in lab {state.name}")


def set_cable(state: LabState, cable: list[str], up: bool) -> None:
    """Take a cable down (both ends administratively down, as a pulled fibre drops both lasers) or back up."""
    for device, port in ((cable[0], cable[1]), (cable[2], cable[3])):
        netns.run(["ip", "-n", state.nodes[device].namespace, "link", "set", port, "up" if up else "down"])


def fail(state: LabState, text: str, settle_s: float = 3.0, timeout_s: float = 30.0,
         interval_s: float = 0.05) -> dict:
    """Take a cable down and measure convergence: the time from the cable going down until the last change of any
    leaf's routes, once they have stayed unchanged for settle_s (bounded by timeout_s). Returns the cable, the
    convergence in ms, the sessions, the ECMP widths and reachability afterwards."""
    cable = find_cable(state, text)
    if state.nodes[cable[0]].role == "host" or state.nodes[cable[2]].role == "host":
        raise LabError(f"{text}: a server's cable carries no routing; fail a switch-to-switch cable")
    before = routes_of_leaves(state)
    start = time.monotonic()
    set_cable(state, cable, up=False)
    last = before
    last_change = None
    while True:
        now = time.monotonic()
        current = routes_of_leaves(state)
        if current != last:
            last_change, last = now, current
        if last_change is not None and now - last_change >= settle_s:
            break
        if now - start >= timeout_s:
            break
        time.sleep(interval_s)
    converged = last_change is not None and time.monotonic() - last_change >= settle_s
    return {"link": {"a_device": cable[0], "a_port": cable[1], "z_device": cable[2], "z_port": cable[3]},
            "converged": converged,
            "convergence_ms": round((last_change - start) * 1000, 1) if last_change is not None else None,
            "sessions": sessions(state), "ecmp": ecmp(state, last), "reachability": _reachability(state)}


def restore(state: LabState, text: str, timeout_s: float = 60.0) -> dict:
    """Bring a cable back up and wait for its session and the full ECMP width; return {"sessions", "ecmp"}."""
    set_cable(state, find_cable(state, text), up=True)
    return wait_ready(state, timeout_s)


def wait_ready(state: LabState, timeout_s: float) -> dict:
    """Wait until every session is Established and every leaf has the planned ECMP width (or timeout_s); return
    {"sessions", "ecmp"} as last seen."""
    deadline = time.monotonic() + timeout_s
    found = wait_established(state, timeout_s)
    while True:
        width = ecmp(state)
        if width["min"] >= width["expected"] or time.monotonic() >= deadline:
            return {"sessions": found, "ecmp": width}
        time.sleep(0.5)
