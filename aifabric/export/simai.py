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

from aifabric.fabric.links import FabricLinks, link_ends

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
    # Keys in order (the leaf-spine table) are distinct between their changes; else a sort tells.
    if not bool((key[1:] >= key[:-1]).all()) and _distinct(key).size != starts.size:
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


def _class_ids(links: FabricLinks, link_class: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Return plane-0 node ids of each link's two ends, and the class's link speed (no media needed: link_ends)."""
    plan = links.plan
    first_leaf, _, spine_off, core_off, spine_base = _switch_bases(links)
    speed_gbps, a, a_pod, a_port, z, z_pod = link_ends(links, link_class)
    if link_class == "nic_leaf":
        src = a.astype(np.int64) * plan.gpus_per_server + a_port
        dst = first_leaf + z.astype(np.int64)
    elif link_class == "leaf_spine":
        src = first_leaf + a.astype(np.int64)
        dst = first_leaf + spine_off + spine_base[z_pod] + z
    else:
        src = first_leaf + spine_off + spine_base[a_pod] + a
        dst = first_leaf + core_off + z.astype(np.int64)
    return src, dst, speed_gbps


def simai_lines(links: FabricLinks, hardware) -> Iterator[str]:
    """Yield the SimAI topology text in chunks (header, switch ids, then link lines), newline-terminated."""
    for chunk in simai_chunks(links, hardware):
        yield bytes(chunk).decode("ascii")


def simai_chunks(links: FabricLinks, hardware) -> Iterator[bytes | np.ndarray]:
    """Yield the SimAI topology file's bytes in chunks (bytes or uint8 arrays, written as they come)."""
    plan = links.plan
    _, per_plane, _, _, _ = _switch_bases(links)
    tables = []
    for link_class in links.sets:
        src, dst, speed_gbps = _class_ids(links, link_class)
        if link_class == "nic_leaf":
            tables.append((src, dst, np.ones(src.shape, dtype=np.int64), speed_gbps, True))
        else:
            src, dst, count = _aggregate(src, dst)
            tables.append((src, dst, count, speed_gbps, False))
    fabric_links = sum(int(t[0].size) for t in tables)
    counts = simai_counts(links, hardware, fabric_links)
    yield (f"{counts.nodes} {counts.gpus_per_server} {counts.nvswitches} {counts.switches} {counts.links} "
           f"{counts.gpu_type}\n").encode("ascii")
    yield (" ".join(map(str, range(plan.gpus, counts.nodes))) + " \n").encode("ascii")
    ids = _id_text(counts.nodes)  # every line's ids are node ids: formatted once, looked up per line
    # NVLink: every GPU to its server's NVSwitch (one per server).
    gpu = np.arange(plan.gpus, dtype=np.int64)
    nvswitch = plan.gpus + gpu // plan.gpus_per_server
    yield from _format_bytes(gpu, nvswitch, f" {NVLINK_GBPS}Gbps {NVLINK_LATENCY_MS} {ERROR_RATE}", ids)
    for plane in range(plan.planes):
        shift = plane * per_plane
        for src, dst, count, speed, host in tables:
            src_ids = src if host else src + shift
            dst_ids = dst + shift
            for bandwidth in _distinct(count):
                # Lines of one bandwidth share their tail text; pairs keep the link table's order within it.
                mask = count == bandwidth
                tail = f" {int(bandwidth) * speed}Gbps {LINK_LATENCY_MS} {ERROR_RATE}"
                yield from _format_bytes(src_ids[mask], dst_ids[mask], tail, ids)


# Lines formatted per block of this many, so a block's byte grids stay small (~40 MB).
FORMAT_ROWS = 1 << 20
# A block whose lines change column widths more often than once per this many lines is laid out on one padded grid.
RUN_LINES = 32
_WORD = np.dtype("<u8")  # 8 text bytes in file order, whatever the machine's byte order
_QUAD = 10_000


def _quads() -> np.ndarray:
    """Return the 4-byte text of 0..9999 three ways, as the low half of a word: zero-padded ('0042'), unpadded with
    0 blank, unpadded with 0 as '0' (unused leading bytes are 0 bytes)."""
    value = np.arange(_QUAD)
    text = np.empty((_QUAD, 4), dtype=np.uint8)
    for k in range(4):
        value, digit = divmod(value, 10)
        text[:, 3 - k] = ord("0") + digit
    padded = text.copy()
    text[text.cumsum(axis=1) == ord("0") * np.arange(1, 5)] = 0  # leading '0' characters become 0 bytes
    zero = text.copy()
    zero[0, 3] = ord("0")
    return np.concatenate([padded, text, zero]).view("<u4").ravel().astype(_WORD)


_QUADS = _quads()
_CHUNK = _QUAD * _QUAD  # the decimal digits one word holds
_POW10 = 10 ** np.arange(19, dtype=np.int64)


def _words(values: np.ndarray, count: int) -> np.ndarray:
    """Return (len(values), count) words holding each value's decimal text right-aligned, leading bytes 0."""
    words = []
    rest = values.astype(np.int64)
    higher = None  # rows whose value has digits in the words left of this one (so this word is zero-padded)
    for w in range(count):
        last = w == count - 1
        scale = _CHUNK ** (count - 1 - w)
        chunk = rest
        if not last:
            chunk = rest // scale
            rest = rest - chunk * scale
        high = chunk // _QUAD
        low = chunk - high * _QUAD
        # Quad tables: 0 pads with '0', 1 leaves 0 blank, 2 writes 0 as '0' (the last digit of every value).
        blank = high == 0
        if higher is not None:
            blank &= ~higher
            high += _QUAD * (~higher)
        else:
            high += _QUAD
        low += blank * ((2 if last else 1) * _QUAD)
        word = _QUADS[low]
        word <<= np.uint64(32)
        word |= _QUADS[high]
        words.append(word)
        if not last:
            higher = chunk > 0 if higher is None else higher | (chunk > 0)
    return words[0].reshape(-1, 1) if count == 1 else np.stack(words, axis=1)


def _digits(values: np.ndarray) -> np.ndarray | int:
    """Return the decimal digits of each non-negative value (1 for 0), or one number when they all have as many."""
    fewest, most = len(str(int(values.min()))), len(str(int(values.max())))
    if fewest == most:
        return most
    return np.maximum(np.searchsorted(_POW10, values, side="right"), 1)


def _format(src: np.ndarray, dst: np.ndarray, tail: str) -> str:
    """Return 'src dst<tail>' lines for two id columns (non-negative integers), as f"{src} {dst}{tail}\n" would."""
    return "".join(chunk.tobytes().decode("ascii") for chunk in _format_bytes(src, dst, tail))


def _id_text(limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (decimal text words, digits) of every id below `limit`, to look ids up rather than format each."""
    ids = np.arange(limit, dtype=np.int64)
    count = -(-len(str(max(limit - 1, 0))) // 8)
    return _words(ids, count), np.maximum(np.searchsorted(_POW10, ids, side="right"), 1).astype(np.uint8)


def _text(values: np.ndarray, ids: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray | int]:
    """Return (text words as bytes, digits) of ids: formatted, or looked up in an _id_text table."""
    if ids is None:
        wide = _digits(values)
        return _words(values, -(-int(np.max(wide)) // 8)).view(np.uint8), wide
    words, digits = ids
    fewest, most = len(str(int(values.min()))), len(str(int(values.max())))
    text = words[:, 0][values][:, None] if words.shape[1] == 1 else words[values]
    return text.view(np.uint8), most if fewest == most else digits[values]


def _format_bytes(src: np.ndarray, dst: np.ndarray, tail: str, ids: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> Iterator[np.ndarray]:
    """Yield the bytes (uint8 arrays) of 'src dst<tail>' lines, as f"{src} {dst}{tail}\n" would write them.

    Vectorised: each id becomes its decimal text in 8-byte words (two table look-ups of 4 digits per word, or one
    look-up in `ids`, an _id_text table of every id). Lines of equal id widths in a row are laid out as one byte
    grid of fixed columns; a block whose widths change often is laid out as padded words with 0 bytes before each
    number, and dropping every 0 byte leaves the lines.
    """
    end = np.frombuffer((tail + "\n").encode("ascii"), dtype=np.uint8)
    for first in range(0, src.shape[0], FORMAT_ROWS):
        a = src[first: first + FORMAT_ROWS].astype(np.int64)
        b = dst[first: first + FORMAT_ROWS].astype(np.int64)
        (text_a, wide_a), (text_b, wide_b) = _text(a, ids), _text(b, ids)
        if isinstance(wide_a, int) and isinstance(wide_b, int):
            yield _fixed_lines(text_a, text_b, wide_a, wide_b, end)
            continue
        wide_a, wide_b = np.broadcast_to(wide_a, a.shape), np.broadcast_to(wide_b, b.shape)
        key = wide_a.astype(np.int64) * 64 + wide_b
        starts = np.flatnonzero(key[1:] != key[:-1]) + 1
        if starts.size * RUN_LINES > a.shape[0]:
            yield _padded_lines(text_a, text_b, end)
            continue
        bounds = [0, *starts.tolist(), a.shape[0]]
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=False):
            yield _fixed_lines(text_a[lo:hi], text_b[lo:hi], int(wide_a[lo]), int(wide_b[lo]), end)


def _fixed_lines(text_a: np.ndarray, text_b: np.ndarray, wide_a: int, wide_b: int, end: np.ndarray) -> np.ndarray:
    """Return the bytes of lines whose ids all have the same widths: a grid of fixed columns."""
    rows = text_a.shape[0]
    width = wide_a + 1 + wide_b + end.size
    grid = np.empty(rows * width, dtype=np.uint8)
    # The constant text (the space and the tail) of every line, by doubling one line (contiguous copies).
    grid[wide_a] = ord(" ")
    grid[wide_a + 1 + wide_b: width] = end
    done = 1
    while done < rows:
        step = min(done, rows - done)
        grid[done * width: (done + step) * width] = grid[: step * width]
        done += step
    grid = grid.reshape(rows, width)
    grid[:, :wide_a] = text_a[:, text_a.shape[1] - wide_a:]
    grid[:, wide_a + 1: wide_a + 1 + wide_b] = text_b[:, text_b.shape[1] - wide_b:]
    return grid.ravel()


def _padded_lines(text_a: np.ndarray, text_b: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Return the bytes of lines of any id widths: padded words, the space before the second id, 0 bytes dropped."""
    tail = np.concatenate([end, np.zeros(-end.size % 8, dtype=np.uint8)]).view(_WORD)
    count_a, count_b = text_a.shape[1] // 8, text_b.shape[1] // 8
    if text_b[:, 0].any():  # the second id fills its first word: give the space a word of its own
        text_b = np.concatenate([np.zeros((text_b.shape[0], 8), dtype=np.uint8), text_b], axis=1)
        count_b += 1
    grid = np.empty((text_a.shape[0], count_a + count_b + tail.size), dtype=_WORD)
    grid[:, :count_a] = text_a.view(_WORD)
    grid[:, count_a: count_a + count_b] = text_b.view(_WORD)
    grid[:, count_a] |= np.uint64(ord(" "))  # the first byte of the second id's words is always a 0 byte
    grid[:, count_a + count_b:] = tail
    flat = grid.view(np.uint8).ravel()
    return flat[flat != 0]


def simai_counts(links: FabricLinks, hardware, fabric_links_per_plane: int | None = None) -> SimaiCounts:
    """Return the SimAI header counts: GPUs + NVSwitches + switches as nodes, and NVLink + fabric links."""
    plan = links.plan
    if fabric_links_per_plane is None:
        fabric_links_per_plane = 0
        for link_class in links.sets:
            src, dst, _ = _class_ids(links, link_class)
            fabric_links_per_plane += int(src.size) if link_class == "nic_leaf" else int(
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
