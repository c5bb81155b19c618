"""The lab's plan: a scaled-down copy of a plan's shape (the same tiers, planes and switch model; a few rails,
servers per leaf, spines, pods and cores), itself a Plan, so the lab is cabled, named, addressed and configured by
the very code that plans the full fabric."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from aifabric.errors import SpecError
from aifabric.fabric.sizing import Plan, PodShape

SCALE_KEYS = ("rails", "servers", "sus", "spines", "pods", "cores", "planes")
# Each kept small: a switch namespace runs zebra, bgpd, bfdd and lldpd; 2 cores host the whole lab.
LIMITS = {"rails": 8, "servers": 8, "sus": 8, "spines": 8, "pods": 4, "cores": 8, "planes": 4}
MAX_NODES = 64


@dataclass(frozen=True)
class Scale:
    """How far the lab shrinks the plan: at most this many of each (never more than the plan has)."""

    rails: int = 2
    servers: int = 2  # servers per leaf (per SU)
    sus: int = 2  # SUs in two tiers
    spines: int = 2  # spines per pod (the ECMP width of every leaf)
    pods: int = 2  # pods in three tiers (one SU each)
    cores: int = 2
    planes: int = 2


def parse_scale(text: str | None) -> Scale:
    """Return the Scale of `--scale rails=2,servers=2,...` (defaults for keys not given), or raise SpecError."""
    if not text:
        return Scale()
    values: dict[str, int] = {}
    for part in text.split(","):
        match = re.fullmatch(r"\s*([a-z]+)\s*=\s*(\d+)\s*", part)
        if match is None or match.group(1) not in SCALE_KEYS:
            raise SpecError("command line", "--scale", f"'{part.strip()}': expected key=N with key one of "
                            f"{', '.join(SCALE_KEYS)} (e.g. rails=2,servers=2,spines=2)")
        key, value = match.group(1), int(match.group(2))
        if not 1 <= value <= LIMITS[key]:
            raise SpecError("command line", "--scale", f"{key}={value}: allowed 1..{LIMITS[key]}")
        values[key] = value
    return Scale(**values)


def lab_plan(plan: Plan, scale: Scale) -> Plan:
    """Return the scaled-down Plan: the plan's tiers, planes (at most scale.planes) and switch, with few rails,
    servers, SUs, spines, pods and cores, one link per switch pair (so a leaf's ECMP width is its pod's spines)."""
    rails = min(plan.rails, scale.rails)
    servers_per_leaf = min(plan.leaf_downlinks, scale.servers)
    planes = min(plan.planes, scale.planes)
    common = {"gpus_per_server": rails, "leaf_downlinks": servers_per_leaf, "rails_per_leaf": 1, "planes": planes,
              "core_groups": 0, "trays_per_rack": 0, "scale_up_domain": 0, "racks_per_domain": 1,
              "notes": (), "name": f"{plan.name}-lab"}
    if plan.tiers == 1:
        shape = PodShape(rails, 0, 0, 0, 0)
        return dataclasses.replace(plan, servers=servers_per_leaf, leaf_uplinks=0, sus=1, leaves_per_plane=rails,
                                   leaves_per_pod=rails, pods=(shape,), cores_per_plane=0, core_links_per_pair=0,
                                   **common)
    spines = min(plan.pods[0].spines_per_group, scale.spines)
    if plan.tiers == 2:
        sus = min(plan.sus, scale.sus)
        leaves = sus * rails
        shape = PodShape(leaves, spines, 1, leaves, 0)
        return dataclasses.replace(plan, servers=sus * servers_per_leaf, leaf_uplinks=spines, sus=sus,
                                   leaves_per_plane=leaves, leaves_per_pod=leaves, pods=(shape,), cores_per_plane=0,
                                   core_links_per_pair=0, **common)
    pods = min(len(plan.pods), scale.pods)
    cores = min(plan.cores_per_plane, scale.cores)
    shape = PodShape(rails, spines, 1, rails, cores)
    return dataclasses.replace(plan, servers=pods * servers_per_leaf, leaf_uplinks=spines, sus=pods,
                               leaves_per_plane=pods * rails, leaves_per_pod=rails, pods=(shape,) * pods,
                               cores_per_plane=cores, core_links_per_pair=1, **common)


def check_size(plan: Plan) -> None:
    """Raise SpecError when the lab would run more switch and server namespaces than MAX_NODES."""
    nodes = plan.switch_counts()["total"] + plan.servers
    if nodes > MAX_NODES:
        raise SpecError("command line", "--scale", f"the lab would run {nodes} namespaces (switches and servers); "
                        f"at most {MAX_NODES}: lower rails, servers, spines, pods, cores or planes")


def expected_ecmp(plan: Plan) -> int:
    """Return the ECMP width every leaf should have to every other leaf's prefixes: its pod's spines."""
    return plan.pods[0].spines if plan.tiers > 1 else 0
