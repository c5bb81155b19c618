"""The lab's copy of a network beside the compute fabric (the converged fabric): a representative selection of that
network's links.csv rows, the rows themselves unchanged (names, ports), so the lab is cabled, addressed and configured
by the very rows and code of the full plan.

Two tiers: the first `sus` leaf groups (a leaf pair each), `servers` nodes of each, `spines` spines. Three tiers: the
first leaf group of each of the first `pods` pods, `spines` spines of each pod and, for each kept spine, the first core
it reaches (at most `cores`), so every kept spine leads to a kept core and the pods meet there. Peer links between
kept leaves stay. Storage, support and customer links are left out (they are not part of the routed shape).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aifabric.errors import SpecError

POD = re.compile(r"-pod(\d+)-")


def _pod(name: str) -> int:
    match = POD.search(name)
    return int(match.group(1)) if match else 0


def select_rows(rows: Iterable[tuple], network: str, scale) -> tuple[list[tuple], int]:
    """Return (the kept rows of one network, the ECMP width every kept leaf should have: its uplinks to the kept
    spines)."""
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
        chosen = [first_by_pod[p] for p in sorted(first_by_pod)[:scale.pods]]
    else:
        chosen = list(by_group)[:scale.sus]
    leaves = {leaf for group in chosen for leaf in group}
    servers = {s for group in chosen for s in by_group[group][:scale.servers]}
    spines_by_pod: dict[int, list[str]] = {}
    for leaf in sorted(leaves):
        for spine in up.get(leaf, []):
            kept = spines_by_pod.setdefault(_pod(spine), [])
            if spine not in kept:
                kept.append(spine)
    spines = {s for kept in spines_by_pod.values() for s in sorted(kept)[:scale.spines]}
    cores: list[str] = []
    if three_tier:
        first_core: dict[str, str] = {}
        for r in mine:
            if r[7] == "spine_core" and r[0] in spines:
                first_core.setdefault(r[0], r[2])
        for spine in sorted(spines, key=lambda s: (s.rsplit("-", 1)[-1], s)):
            core = first_core.get(spine)
            if core is not None and core not in cores and len(cores) < scale.cores:
                cores.append(core)
    kept_cores = set(cores)
    out = []
    for r in mine:
        cls = r[7]
        if (cls == "node_leaf" and r[0] in servers and r[2] in leaves) or (
                cls == "isl" and r[0] in leaves and r[2] in leaves) or (
                cls == "leaf_spine" and r[0] in leaves and r[2] in spines) or (
                cls == "spine_core" and r[0] in spines and r[2] in kept_cores):
            out.append(r)
    # A leaf reaches another leaf over each of its kept uplinks (parallel links to a spine are paths of their own).
    widths = [sum(1 for r in out if r[7] == "leaf_spine" and r[0] == leaf) for leaf in sorted(leaves)] or [0]
    return out, min(widths)
