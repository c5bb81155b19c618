"""SimAI (aliyun/SimAI, ns-3 backend) topology text of a fabric, streamed from the link table.

Format, as SimAI's own generator (astra-sim-alibabacloud/inputs/topo/gen_Topo_Template.py) writes it:
  line 1: <nodes> <gpus_per_server> <nvswitches> <switches> <links> <gpu_type>
  line 2: the ids of every switch node (NVSwitches first), space separated
  then:   <src> <dst> <bandwidth e.g. 400Gbps> <latency e.g. 0.0005ms> <error_rate>, one line per link.
Node ids: GPUs 0..G-1 (server-major, rail-minor), then one NVSwitch per server, then leaves, spines and cores of
plane 0, plane 1, ... SimAI cannot hold parallel links between two switches (SimAI issue #43), so the parallel
leaf-spine (or spine-core) links of one pair become one link with their summed bandwidth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from aifabric.fabric.links import FabricLinks, LinkSet

# SimAI's generator defaults: NVLink per GPU to its server's NVSwitch, and per-hop latencies.
NVLINK_GBPS = 2880
NVLINK_LATENCY_MS = "0.000025ms"
LINK_LATENCY_MS = "0.0005ms"
ERROR_RATE = "0"


@dataclass(frozen=True)
class SimaiCounts:
    """The header of a SimAI topology: node, NVSwitch, switch and link counts."""

    nodes: int
    gpus_per_server: int
    nvswitches: int
    switches: int
    links: int
    gpu_type: str


def gpu_type(server_name: str) -> str:
    """Return SimAI's GPU type token for a server model name (e.g. 'NVIDIA HGX H100 8-GPU server' -> 'H100')."""
    match = re.search(r"\b(GB?\d{3}|[A-Z]\d{3})\b", server_name)
    return match.group(1) if match else "H100"


def _switch_bases(links: FabricLinks) -> tuple[int, int, int, int, np.ndarray]:
    """Return (first leaf id, switches per plane, first spine offset, first core offset, spine base per pod)."""
    plan = links.plan
    first_leaf = plan.gpus + plan.servers
    per_plane = plan.leaves_per_plane + plan.spines_per_plane + plan.cores_per_plane
    spine_base = np.cumsum([0] + [p.spines for p in plan.pods])[:-1].astype(np.int64)
    return first_leaf, per_plane, plan.leaves_per_plane, plan.leaves_per_plane + plan.spines_per_plane, spine_base


def _aggregate(a: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct (a, z) pairs in first-seen order and how many parallel links each stands for."""
    key = a.astype(np.int64) * (int(z.max()) + 1 if z.size else 1) + z.astype(np.int64)
    change = np.ones(key.shape, dtype=bool)
    # Parallel links of one pair are consecutive in the link table (consecutive uplinks go to one spine).
    change[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(change)
    if _distinct(key).size != starts.size:
        uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
        order = np.argsort(first)
        return a[first[order]], z[first[order]], counts[order]
    counts = np.diff(np.append(starts, key.size))
    return a[starts], z[starts], counts


def _distinct(values: np.ndarray) -> np.ndarray:
    """Return the distinct values, sorted (np.unique's answer; a sort is many times faster than its hash table
    on these integer columns)."""
    ordered = np.sort(values)
    keep = np.ones(ordered.shape, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def _class_ids(links: FabricLinks, link_set: LinkSet) -> tuple[np.ndarray, np.ndarray]:
    """Return plane-0 node ids of each link's two ends."""
    plan = links.plan
    first_leaf, _, spine_off, core_off, spine_base = _switch_bases(links)
    if link_set.link_class == "nic_leaf":
        src = link_set.a.astype(np.int64) * plan.gpus_per_server + link_set.a_port
        dst = first_leaf + link_set.z.astype(np.int64)
    elif link_set.link_class == "leaf_spine":
        src = first_leaf + link_set.a.astype(np.int64)
        dst = first_leaf + spine_off + spine_base[link_set.z_pod] + link_set.z
    else:
        src = first_leaf + spine_off + spine_base[link_set.a_pod] + link_set.a
        dst = first_leaf + core_off + link_set.z.astype(np.int64)
    return src, dst


def simai_lines(links: FabricLinks, hardware) -> Iterator[str]:
    """Yield the SimAI topology text in chunks (header, switch ids, then link lines), newline-terminated."""
    plan = links.plan
    _, per_plane, _, _, _ = _switch_bases(links)
    tables = []
    for link_set in links.sets.values():
        src, dst = _class_ids(links, link_set)
        if link_set.link_class == "nic_leaf":
            tables.append((src, dst, np.ones(src.shape, dtype=np.int64), link_set.speed_gbps, True))
        else:
            src, dst, count = _aggregate(src, dst)
            tables.append((src, dst, count, link_set.speed_gbps, False))
    fabric_links = sum(int(t[0].size) for t in tables)
    counts = simai_counts(links, hardware, fabric_links)
    yield (f"{counts.nodes} {counts.gpus_per_server} {counts.nvswitches} {counts.switches} {counts.links} "
           f"{counts.gpu_type}\n")
    yield " ".join(map(str, range(plan.gpus, counts.nodes))) + " \n"
    # NVLink: every GPU to its server's NVSwitch (one per server).
    gpu = np.arange(plan.gpus, dtype=np.int64)
    nvswitch = plan.gpus + gpu // plan.gpus_per_server
    yield _format(gpu, nvswitch, f" {NVLINK_GBPS}Gbps {NVLINK_LATENCY_MS} {ERROR_RATE}")
    for plane in range(plan.planes):
        shift = plane * per_plane
        for src, dst, count, speed, host in tables:
            src_ids = src if host else src + shift
            dst_ids = dst + shift
            for bandwidth in _distinct(count):
                # Lines of one bandwidth share their tail text; pairs keep the link table's order within it.
                mask = count == bandwidth
                tail = f" {int(bandwidth) * speed}Gbps {LINK_LATENCY_MS} {ERROR_RATE}"
                yield _format(src_ids[mask], dst_ids[mask], tail)


# Lines formatted per block of this many, so a block's byte grid stays small (~40 MB).
FORMAT_ROWS = 1 << 20


def _format(src: np.ndarray, dst: np.ndarray, tail: str) -> str:
    """Return 'src dst<tail>' lines for two id columns (non-negative integers), as f"{src} {dst}{tail}\n" would.

    Vectorised: each block of lines is a byte grid of fixed columns (src right-aligned, a space, dst right-aligned,
    the tail); the digits are written column by column, the unused leading columns hold byte 0, and dropping every
    0 byte leaves the lines.
    """
    end = np.frombuffer((tail + "\n").encode("ascii"), dtype=np.uint8)
    chunks = []
    for first in range(0, src.shape[0], FORMAT_ROWS):
        a, b = src[first: first + FORMAT_ROWS], dst[first: first + FORMAT_ROWS]
        wa, wb = _width(a), _width(b)
        grid = np.empty((a.shape[0], wa + 1 + wb + end.size), dtype=np.uint8)
        _digits_into(grid, a, wa)
        grid[:, wa] = ord(" ")
        _digits_into(grid, b, wa + 1 + wb)
        grid[:, wa + 1 + wb:] = end
        flat = grid.ravel()
        chunks.append(flat[flat != 0].tobytes().decode("ascii"))
    return "".join(chunks)


def _width(values: np.ndarray) -> int:
    """Return the decimal digits of the largest value."""
    return len(str(int(values.max())))


def _digits_into(grid: np.ndarray, values: np.ndarray, stop: int) -> None:
    """Write values right-aligned in decimal into grid columns ending before `stop`, 0 bytes before the number."""
    rest = values.astype(np.int32 if int(values.max()) < 2**31 - 1 else np.int64)
    for k in range(_width(values)):
        rest, digit = np.divmod(rest, 10)
        digit += ord("0")
        if k:
            # A digit past the number's first (a leading zero) becomes 0, dropped with the padding.
            digit *= (rest > 0) | (digit > ord("0"))
        grid[:, stop - 1 - k] = digit


def simai_counts(links: FabricLinks, hardware, fabric_links_per_plane: int | None = None) -> SimaiCounts:
    """Return the SimAI header counts: GPUs + NVSwitches + switches as nodes, and NVLink + fabric links."""
    plan = links.plan
    if fabric_links_per_plane is None:
        fabric_links_per_plane = 0
        for link_set in links.sets.values():
            src, dst = _class_ids(links, link_set)
            fabric_links_per_plane += int(src.size) if link_set.link_class == "nic_leaf" else int(
                _aggregate(src, dst)[0].size)
    switches = plan.switch_counts()["total"]
    nvswitches = plan.servers
    return SimaiCounts(
        nodes=plan.gpus + nvswitches + switches,
        gpus_per_server=plan.gpus_per_server,
        nvswitches=nvswitches,
        switches=switches,
        links=plan.gpus + plan.planes * fabric_links_per_plane,
        gpu_type=gpu_type(hardware.server(plan.server_id).name),
    )


def simai_text(links: FabricLinks, hardware) -> str:
    """Return the whole SimAI topology file as text."""
    return "".join(simai_lines(links, hardware))
