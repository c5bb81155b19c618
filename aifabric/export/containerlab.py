"""containerlab topology (`.clab.yml`) of a fabric, or of a slice of it small enough for a lab.

Nodes and links come from `device_rows`/`link_rows`, so the lab is cabled port for port as the cabling plan.
Node names are the naming table's with `/` turned into `-` (containerlab forbids `/`); interface names are
the kind's own container-side names for the same cage and lane:
  sonic-vs       ethN = EthernetX; sonic-vs has no breakouts, so every logical port gets its own ethN in
                 front-panel order (cage-major, lane-minor)
  arista_ceos    eth<cage>_<lane> = Ethernet<cage>/<lane> (breakouts), eth<cage> when a cage is not split
  nokia_srlinux  e1-<cage>-<lane> = ethernet-1/<cage>/<lane> (breakouts), e1-<cage> when a cage is not split
  linux (GPU servers) the NIC port names of the cabling plan (nic0, nic0p1, ...)
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from aifabric.errors import SpecError
from aifabric.fabric.links import FabricLinks
from aifabric.fabric.rows import device_rows, link_rows
from aifabric.units import count

KINDS = {
    "sonic-vs": "docker-sonic-vs:latest",
    "arista_ceos": "ceos:4.32.0F",
    "nokia_srlinux": "ghcr.io/nokia/srlinux:latest",
}
SERVER_KIND = "linux"
SERVER_IMAGE = "ghcr.io/hellt/network-multitool:latest"
# containerlab's graph orders nodes by these groups.
GROUPS = {"core": "superspine", "spine": "spine", "leaf": "leaf", "server": "server"}
DEFAULT_MAX_NODES = 250
# Linux limits interface names to 15 characters.
MAX_IFACE = 15


@dataclass
class Lab:
    """The lab's nodes (name -> role) and links, and notes on what was left out."""

    name: str
    nodes: dict[str, str]
    links: list[tuple[str, str, str, str]]
    notes: list[str] = field(default_factory=list)


def clab_name(name: str) -> str:
    """Return a containerlab node name for a naming-table name ('plane0/pod000/leaf000' -> 'plane0-pod000-leaf000')."""
    return name.replace("/", "-")


def _port_pattern(template: str) -> re.Pattern:
    """Return a regex that reads cage and lane back from a switch's port-name template."""
    pattern = re.escape(template)
    for key, group in (("cage", r"(?P<cage>\d+)"), ("lane1", r"(?P<lane1>\d+)"), ("lane", r"(?P<lane>\d+)")):
        pattern = pattern.replace(re.escape("{" + key + "}"), group)
    return re.compile(f"^{pattern}$")


@cache
def _patterns(port_name: str, port_name_unsplit: str) -> tuple[re.Pattern, re.Pattern]:
    return _port_pattern(port_name), _port_pattern(port_name_unsplit)


def port_cage_lane(switch, port: str) -> tuple[int, int | None]:
    """Return (1-based cage, 0-based lane, or None when the cage is not split) of a switch port name."""
    split, unsplit = _patterns(switch.port_name, switch.port_name_unsplit)
    match = split.match(port)
    if match and switch.port_name != switch.port_name_unsplit:
        groups = match.groupdict()
        lane = int(groups["lane"]) if groups.get("lane") is not None else int(groups["lane1"]) - 1
        return int(groups["cage"]), lane
    match = unsplit.match(port)
    if match is None:
        raise ValueError(f"port {port!r} does not follow {switch.id}'s port names")
    return int(match.group("cage")), None


class PortMapper:
    """Maps the naming table's switch port names to one containerlab kind's interface names."""

    def __init__(self, switch, kind: str, port_gbps_values: Iterable[int]):
        self.kind = kind
        self.switch = switch
        # Logical ports per cage for sonic-vs numbering: the finest breakout in use.
        self.per_cage = max(switch.ports_per_cage(s) for s in port_gbps_values)

    def iface(self, port: str) -> str:
        """Return the kind's interface name for a switch port."""
        cage, lane = port_cage_lane(self.switch, port)
        if self.kind == "sonic-vs":
            return f"eth{(cage - 1) * self.per_cage + (lane or 0) + 1}"
        if self.kind == "arista_ceos":
            return f"eth{cage}" if lane is None else f"eth{cage}_{lane + 1}"
        return f"e1-{cage}" if lane is None else f"e1-{cage}-{lane + 1}"


def parse_slice(text: str | None) -> int | None:
    """Return the SU index of a `--slice su=N` value (None for no slice), or raise SpecError."""
    if text is None:
        return None
    match = re.fullmatch(r"su=(\d+)", text.strip())
    if not match:
        raise SpecError("command line", "--slice", f"'{text}': expected su=N (one scalable unit, e.g. su=0)")
    return int(match.group(1))


def build_lab(links: FabricLinks, hardware, kind: str = "sonic-vs", max_nodes: int | None = None,
              su: int | None = None) -> Lab:
    """Return the lab: the whole fabric if it fits max_nodes, else one SU's slice, trimmed to max_nodes."""
    plan = links.plan
    if kind not in KINDS:
        raise SpecError("command line", "--kind", f"'{kind}': choose one of {', '.join(KINDS)}")
    if su is not None and not 0 <= su < plan.sus:
        raise SpecError("command line", "--slice", f"su={su}: the fabric has SUs 0..{plan.sus - 1}")
    limit = DEFAULT_MAX_NODES if max_nodes is None else max_nodes
    if limit < 2:
        raise SpecError("command line", "--max-nodes", f"{limit}: a lab needs at least 2 nodes")
    total = plan.servers + plan.switch_counts()["total"]
    notes: list[str] = []
    if su is None and total > limit:
        su = 0
        notes.append(f"the full fabric has {total:,} nodes, more than --max-nodes {limit}: exporting SU 0 only")
    elif su is not None:
        notes.append(f"slice su={su} of a fabric of {count(total, 'node')} ({count(plan.sus, 'SU')})")
    rows = list(link_rows(links, hardware)) if su is None else _slice_rows(links, hardware, su)
    roles = {name: role for name, role, *_ in device_rows(links, hardware) if role != "nic"}
    wanted: dict[str, str] = {}
    for a, _, z, _, *_rest in rows:
        wanted.setdefault(a, roles[a])
        wanted.setdefault(z, roles[z])
    chosen = _trim(wanted, limit)
    if len(chosen) < len(wanted):
        notes.append(f"trimmed to {len(chosen)} of {count(len(wanted), 'node')} (--max-nodes {limit}): leaves first, "
                     "then servers, spines and cores as fit")
    lab_links = [(a, a_port, z, z_port) for a, a_port, z, z_port, *_ in rows if a in chosen and z in chosen]
    return Lab(plan.name, dict(sorted(chosen.items())), lab_links, notes)


def _slice_rows(links: FabricLinks, hardware, su: int) -> list[tuple]:
    """Return the link rows of one SU: its servers' NIC links, its leaves' uplinks and those spines' uplinks."""
    rows = list(link_rows(links, hardware))
    servers = {r[0] for r in rows if r[7] == "nic_leaf" and _su_of_server(r[0]) == su}
    leaves = {r[2] for r in rows if r[7] == "nic_leaf" and r[0] in servers}
    spines = {r[2] for r in rows if r[7] == "leaf_spine" and r[0] in leaves}
    keep = []
    for row in rows:
        cls = row[7]
        if (cls == "nic_leaf" and row[0] in servers) or (cls == "leaf_spine" and row[0] in leaves) or (
                cls == "spine_core" and row[0] in spines):
            keep.append(row)
    return keep


def _su_of_server(name: str) -> int:
    return int(name.split("/")[0][2:])


def _trim(nodes: dict[str, str], limit: int) -> dict[str, str]:
    """Return at most `limit` nodes: leaves, then servers, spines and cores, each in name order."""
    if len(nodes) <= limit:
        return nodes
    # A lab is most useful bottom-up: an SU's leaves with their servers, then as much of the upper tiers as fits.
    order = {"leaf": 0, "server": 1, "spine": 2, "core": 3}
    ranked = sorted(nodes.items(), key=lambda item: (order[item[1]], item[0]))
    return dict(ranked[:limit])


def mgmt_subnet(nodes: int) -> str:
    """Return a management IPv4 subnet with room for every node plus the gateway ('172.20.20.0/24' up to 253)."""
    bits = max(8, math.ceil(math.log2(nodes + 3)))
    if bits == 8:
        return "172.20.20.0/24"
    network = ipaddress.ip_network(f"172.16.0.0/{32 - bits}", strict=False)
    return str(network)


def containerlab_yaml(lab: Lab, links: FabricLinks, hardware, kind: str = "sonic-vs") -> str:
    """Return the `.clab.yml` text of a lab, with notes on slicing as comments at the top."""
    plan = links.plan
    switch = hardware.switch(plan.switch_id)
    mapper = PortMapper(switch, kind, {plan.port_gbps, plan.uplink_gbps})

    def iface(node: str, port: str) -> str:
        name = port if lab.nodes[node] == "server" else mapper.iface(port)
        if len(name) > MAX_IFACE or "/" in name:
            raise ValueError(f"interface {name!r} of {node} is not a valid Linux interface name")
        return name

    lines = [f"# containerlab topology of {plan.name}: {switch.manufacturer} {switch.model} modelled as {kind}"]
    lines += [f"# NOTE: {note}" for note in lab.notes]
    lines += [
        f"name: {_lab_name(lab.name)}",
        "mgmt:",
        f"  ipv4-subnet: {mgmt_subnet(len(lab.nodes))}",
        "topology:",
        "  kinds:",
        f"    {kind}:",
        f"      image: {KINDS[kind]}",
        f"    {SERVER_KIND}:",
        f"      image: {SERVER_IMAGE}",
        "  nodes:",
    ]
    for node, role in lab.nodes.items():
        node_kind = SERVER_KIND if role == "server" else kind
        lines.append(f"    {clab_name(node)}: {{kind: {node_kind}, group: {GROUPS[role]}}}")
    lines.append("  links:")
    for a, a_port, z, z_port in lab.links:
        lines.append(f'    - endpoints: ["{clab_name(a)}:{iface(a, a_port)}", "{clab_name(z)}:{iface(z, z_port)}"]')
    return "\n".join(lines) + "\n"


def _lab_name(name: str) -> str:
    cleaned = re.sub(r"[^a-zA-Z0-9-._]", "-", name)
    return cleaned if re.match(r"^[a-zA-Z0-9]", cleaned) else f"lab-{cleaned}"


# ---------------------------------------------------------------------------------------------------------------
# The networks beside the compute fabric: one topology per network, from that network's links.csv rows.

NETWORK_SWITCH = re.compile(r"^(?:converged|storage)-(?:(?P<leaf>leaf)|(?P<core>core)|(?:pod\d+-)?spine)\d+$|"
                            r"^oob-(?:(?P<sw>sw)|(?P<ocore>core)|(?:pod\d+-)?agg)\d+$")
NETWORKS = ("converged", "storage", "oob")
_POD = re.compile(r"-pod(\d+)-")


def _pod(name: str) -> int:
    match = _POD.search(name)
    return int(match.group(1)) if match else 0


def network_role(name: str, network: str) -> str:
    """Return a device's role in one network's topology from its links.csv name: leaf, spine or core for a switch
    of that network (the OOB switches are leaves, their aggregation spines), server for anything else (nodes,
    storage, PDUs, the other networks' switches as managed devices or as the OOB uplinks' far ends)."""
    match = NETWORK_SWITCH.match(name) if name.startswith(f"{network}-") else None
    if match is None:
        return "server"
    if match.group("leaf") or match.group("sw"):
        return "leaf"
    return "core" if match.group("core") or match.group("ocore") else "spine"


def network_iface(kind: str, port: str) -> str:
    """Return a kind's interface name of a network switch's port (swpN: sonic-vs and cEOS ethN, SR Linux e1-N)."""
    number = int(port[3:]) if port.startswith("swp") and port[3:].isdigit() else None
    if number is None:
        raise ValueError(f"port {port!r} is not a swpN port")
    return f"e1-{number}" if kind == "nokia_srlinux" else f"eth{number}"


def representative_rows(rows: Iterable[tuple], network: str, sus: int = 2, servers: int = 2, spines: int = 2,
                        pods: int = 2, cores: int = 2) -> tuple[list[tuple], int]:
    """Return (the kept rows of one network, the ECMP width every kept leaf should have: its uplinks to the kept
    spines): two tiers, the first `sus` leaf groups (a leaf pair each) with `servers` nodes each and `spines` spines;
    three tiers, the first group of each of the first `pods` pods, `spines` spines per pod and, for each kept spine,
    the first core it reaches (at most `cores`), so every kept spine leads to a kept core and the pods meet there.
    Peer links between kept leaves stay; storage, support and customer links are left out."""
    mine = [r for r in rows if r[10] == network]
    if not mine:
        raise SpecError("command line", "--network", f"the plan has no {network} network (plan it: networks:)")
    groups: dict[str, list[str]] = {}       # server -> its leaves, in port order
    for r in mine:
        if r[7] == "node_leaf":
            groups.setdefault(r[0], []).append(r[2])
    by_group: dict[tuple[str, ...], list[str]] = {}
    for server, leaves in groups.items():
        by_group.setdefault(tuple(leaves), []).append(server)
    up: dict[str, list[str]] = {}
    for r in mine:
        if r[7] == "leaf_spine":
            up.setdefault(r[0], []).append(r[2])
    three_tier = any(r[7] == "spine_core" for r in mine)
    if three_tier:
        first_by_pod: dict[int, tuple[str, ...]] = {}
        for group in by_group:
            first_by_pod.setdefault(_pod(up.get(group[0], [""])[0]), group)
        chosen = [first_by_pod[p] for p in sorted(first_by_pod)[:pods]]
    else:
        chosen = list(by_group)[:sus]
    leaves = {leaf for group in chosen for leaf in group}
    kept_servers = {s for group in chosen for s in by_group[group][:servers]}
    spines_by_pod: dict[int, list[str]] = {}
    for leaf in sorted(leaves):
        for spine in up.get(leaf, []):
            kept = spines_by_pod.setdefault(_pod(spine), [])
            if spine not in kept:
                kept.append(spine)
    kept_spines = {s for kept in spines_by_pod.values() for s in sorted(kept)[:spines]}
    kept_cores: list[str] = []
    if three_tier:
        first_core: dict[str, str] = {}
        for r in mine:
            if r[7] == "spine_core" and r[0] in kept_spines:
                first_core.setdefault(r[0], r[2])
        for spine in sorted(kept_spines, key=lambda s: (s.rsplit("-", 1)[-1], s)):
            core = first_core.get(spine)
            if core is not None and core not in kept_cores and len(kept_cores) < cores:
                kept_cores.append(core)
    out = []
    for r in mine:
        cls = r[7]
        if (cls == "node_leaf" and r[0] in kept_servers and r[2] in leaves) or (
                cls == "isl" and r[0] in leaves and r[2] in leaves) or (
                cls == "leaf_spine" and r[0] in leaves and r[2] in kept_spines) or (
                cls == "spine_core" and r[0] in kept_spines and r[2] in kept_cores):
            out.append(r)
    # A leaf reaches another leaf over each of its kept uplinks (parallel links to a spine are paths of their own).
    widths = [sum(1 for r in out if r[7] == "leaf_spine" and r[0] == leaf) for leaf in sorted(leaves)] or [0]
    return out, min(widths)


def build_network_lab(rows: Iterable[tuple], network: str, plan_name: str, max_nodes: int | None = None) -> Lab:
    """Return the lab of one network beside the compute fabric from its links.csv rows: the whole network if it
    fits max_nodes, else its representative shape (converged, storage: representative_rows, as `lab up`
    boots it) or the first
    OOB switches with their devices and uplinks, as many as fit."""
    if network not in NETWORKS:
        raise SpecError("command line", "--network", f"'{network}': choose compute or one of {', '.join(NETWORKS)}")
    limit = DEFAULT_MAX_NODES if max_nodes is None else max_nodes
    if limit < 2:
        raise SpecError("command line", "--max-nodes", f"{limit}: a lab needs at least 2 nodes")
    mine = [r for r in rows if r[10] == network]
    if not mine:
        raise SpecError("command line", "--network", f"the plan has no {network} network (plan it: networks:)")
    names = {n for r in mine for n in (r[0], r[2])}
    notes: list[str] = []
    if len(names) > limit:
        mine = _oob_slice(mine, limit) if network == "oob" else representative_rows(mine, network)[0]
        kept = {n for r in mine for n in (r[0], r[2])}
        notes.append(f"the {network} network has {len(names):,} nodes, more than --max-nodes {limit}: exporting "
                     f"{len(kept)} of them (a representative slice)")
        names = kept
    nodes = {n: network_role(n, network) for n in sorted(names)}
    return Lab(f"{plan_name}-{network}", nodes, [(r[0], r[1], r[2], r[3]) for r in mine], notes)


def _oob_slice(rows: list[tuple], limit: int) -> list[tuple]:
    """Return the rows of the first OOB switches (each with its devices and its uplinks' far ends) that fit."""
    per_switch: dict[str, list[tuple]] = {}
    for r in rows:
        switch = r[2] if r[7] == "device_oob" else r[0]
        per_switch.setdefault(switch, []).append(r)
    kept: list[tuple] = []
    names: set[str] = set()
    for switch in sorted(per_switch):
        more = {n for r in per_switch[switch] for n in (r[0], r[2])} - names
        if len(names) + len(more) > limit:
            break
        names |= more
        kept += per_switch[switch]
    return kept


def network_containerlab_yaml(lab: Lab, network: str, kind: str = "sonic-vs") -> str:
    """Return the `.clab.yml` text of a network's lab: its switches as `kind` (ports swpN mapped to the kind's
    names), every other device a linux node with its links.csv port names; groups by tier."""
    if kind not in KINDS:
        raise SpecError("command line", "--kind", f"'{kind}': choose one of {', '.join(KINDS)}")

    def iface(node: str, port: str) -> str:
        name = port if lab.nodes[node] == "server" else network_iface(kind, port)
        if len(name) > MAX_IFACE or "/" in name:
            raise ValueError(f"interface {name!r} of {node} is not a valid Linux interface name")
        return name

    lines = [f"# containerlab topology of the {network} network of {lab.name.rsplit('-', 1)[0]}: its switches "
             f"modelled as {kind}, every other device as linux"]
    lines += [f"# NOTE: {note}" for note in lab.notes]
    lines += [f"name: {_lab_name(lab.name)}", "mgmt:", f"  ipv4-subnet: {mgmt_subnet(len(lab.nodes))}", "topology:",
              "  kinds:", f"    {kind}:", f"      image: {KINDS[kind]}", f"    {SERVER_KIND}:",
              f"      image: {SERVER_IMAGE}", "  nodes:"]
    for node, role in lab.nodes.items():
        node_kind = SERVER_KIND if role == "server" else kind
        lines.append(f"    {clab_name(node)}: {{kind: {node_kind}, group: {network}-{GROUPS[role]}}}")
    lines.append("  links:")
    for a, a_port, z, z_port in lab.links:
        lines.append(f'    - endpoints: ["{clab_name(a)}:{iface(a, a_port)}", "{clab_name(z)}:{iface(z, z_port)}"]')
    return "\n".join(lines) + "\n"
