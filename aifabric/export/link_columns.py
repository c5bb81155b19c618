"""The fabric's names and link columns as small text tables plus integer indexes, for writers of very large files.

links.csv and graph.graphml of Colossus 2 hold 3.3 M links; formatting them row by row in Python (one f-string,
one tuple, one escape per field) took ~100 s. Here every row is the concatenation of a few pieces, each piece a
constant or an entry of a small table (server names, leaf names, port names, one entry per distinct
medium/length/cable tail) picked by an index column of the link table. `join_rows` gathers the pieces of a whole
chunk of rows with numpy and joins them in one `str.join`: the same bytes as the row-by-row writers (tests compare
them), ~20x faster.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from aifabric.fabric.links import FabricLinks, LinkSet
from aifabric.fabric.rows import naming_for

# Text per joined chunk, and the most rows one takes. A chunk is written while it is still in the processor's cache:
# the kernel's copy into the page cache of Colossus 2's 1.9 GB of files took ~1.7 s of system time in 2-8 MB chunks
# and ~0.5 s in ~1 MB ones (medians on the shared 2-core machine); much smaller chunks cost more per-chunk work.
CHUNK_BYTES = 1 << 20
CHUNK_ROWS = 1 << 14

# A piece of a row: a constant string, or (table of strings, index per row into it).
Piece = str | tuple[Sequence[str], np.ndarray]


def _encoded(table: Sequence[str], prefix: str = "", suffix: str = "") -> list[bytes]:
    """Return [(prefix + entry + suffix).encode("utf-8") for entry in table] in one encode: the entries joined with
    NUL between them, encoded and split again (2x faster on tables of 10^5 names; a NUL anywhere takes the plain
    way)."""
    parts = (prefix + (suffix + "\0" + prefix).join(table) + suffix).encode("utf-8").split(b"\0") if table else []
    if len(parts) != len(table):
        return [(prefix + entry + suffix).encode("utf-8") for entry in table]
    return parts


def _bake(pieces: Sequence[Piece], rows: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the pieces as (object array of UTF-8 bytes, index) pairs with every constant folded into the next
    table (or the previous one, at the end of the row), so a row is a concatenation of table entries only."""
    tables: list[list] = []  # [table, index, prefix]
    prefix = ""
    for piece in pieces:
        if isinstance(piece, str):
            prefix += piece
            continue
        table, index = piece
        tables.append([table, index, prefix])
        prefix = ""
    if prefix and not tables:
        raise ValueError("a row needs at least one table piece")
    last = len(tables) - 1
    return _merge([(_encoded(table, before, prefix if i == last else ""), np.asarray(index))
                   for i, (table, index, before) in enumerate(tables)], rows)


def _merge(tables: list[tuple[list[bytes], np.ndarray]], rows: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the tables with neighbours joined into one table when that is cheap: each piece of a row costs a
    gather, a copy and a join step per row, so two pieces indexed alike (a NIC port and its name again), or two
    small tables (a port x a length), become one table of their concatenations with a combined index."""
    limit = max(256, min(1 << 16, rows // 8))
    merged = [tables[0]]
    for table, index in tables[1:]:
        last, last_index = merged[-1]
        if index is last_index:
            merged[-1] = ([a + b for a, b in zip(last, table, strict=False)], index)
        elif len(last) * len(table) <= limit:
            merged[-1] = ([a + b for a in last for b in table], last_index.astype(np.int64) * len(table) + index)
        else:
            merged.append((table, index))
    return [(np.array(table, dtype=object), index) for table, index in merged]


def keep_freed_memory() -> None:
    """Ask glibc to keep freed memory for reuse instead of unmapping it (no effect elsewhere).

    Each chunk of text is a new multi-MB object; by default glibc maps it fresh from the kernel and returns it on
    free, so every chunk's pages fault in again: 730k page faults and ~3 s of system time on Colossus 2's files.
    Raising the mmap and trim thresholds (mallopt) lets the next chunk reuse the same heap pages.
    """
    global _KEPT
    if _KEPT:
        return
    _KEPT = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep up to 1 GiB of freed heap
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: chunks up to 32 MiB come from the heap
    except (OSError, AttributeError):
        pass  # not glibc: the writers are just slower


_KEPT = False


class BackgroundWrites:
    """Context manager around a binary stream: `write(data)` queues bytes and one thread writes them in order.

    The write system call (copying ~1 GB/s into the page cache here) releases the GIL, so it overlaps building the
    next chunk on another core. A write error is raised at the next `write` or on leaving the block; leaving the
    block on an error drops what is still queued.
    """

    def __init__(self, binary, depth: int = 4):
        import queue

        self._binary = binary
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = None

    def __enter__(self):
        import threading

        self._thread = threading.Thread(target=self._run, name="aifabric-writer", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._binary.write(data)
                except BaseException as exc:  # handed to the producing thread
                    self._error = exc

    def write(self, data: bytes) -> None:
        """Queue bytes to be written after everything queued before (blocks while the queue is full)."""
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._error = self._error or exc  # the writer skips the rest
        self._queue.put(None)
        self._thread.join()
        if exc_type is None and self._error is not None:
            raise self._error
        return False


def _chunk_rows(tables: list[tuple[np.ndarray, np.ndarray]]) -> int:
    """Return the rows of a chunk of about CHUNK_BYTES: a row's length estimated from up to 64 entries a table."""
    row_bytes = 0.0
    for table, _ in tables:
        sample = table[:: max(1, len(table) // 64)]
        row_bytes += sum(map(len, sample)) / max(1, len(sample))
    return int(max(64, min(CHUNK_ROWS, CHUNK_BYTES // max(row_bytes, 1.0))))


def join_rows(pieces: Sequence[Piece], rows: int, chunk_rows: int | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield (rows so far, UTF-8 text) chunk by chunk (of `chunk_rows` rows, by default about CHUNK_BYTES of text):
    row i is the concatenation, piece by piece, of the constant or of table[index[i]]. An index shorter than `rows`
    is an error (numpy raises)."""
    keep_freed_memory()
    tables = _bake(pieces, rows)
    chunk_rows = chunk_rows or _chunk_rows(tables)
    for start in range(0, rows, chunk_rows):
        end = min(rows, start + chunk_rows)
        grid = np.empty((end - start, len(tables)), dtype=object)
        for column, (table, index) in enumerate(tables):
            grid[:, column] = table[index[start:end]]
        yield end, b"".join(grid.ravel().tolist())


@dataclass
class Tails:
    """The columns after the four names of a link set's rows, as one id per distinct combination.

    ids[i] is link i's combination; medium[k], length[k] (the cabling plan's `length_m` text), cable[k] describe
    combination k. They depend on the link table only, not on the plane.
    """

    ids: np.ndarray
    medium: list[str]
    length: list[str]
    cable: list[str]


def link_tails(links: FabricLinks, link_set: LinkSet) -> Tails:
    """Return the distinct (medium, cable length, cable part) combinations of a link set and each link's one."""
    media = [m.id for m in links.media]
    n_lengths = len(links.lengths_m)
    medium = link_set.medium.astype(np.int64)
    # A link's cable length is an orderable length (length_index) chosen with its medium, so the pair is the key;
    # checked below against the cable column itself, and found by sorting when a later pass broke the relation.
    key = medium * n_lengths + link_set.length_index
    if len(key) and key.min() >= 0:
        representative = np.zeros(int(key.max()) + 1, dtype=np.int64)
        representative[key] = np.arange(len(key))
        if not np.array_equal(link_set.cable_m[representative[key]], link_set.cable_m):
            key = None
    else:
        key = None
    if key is None:
        lengths, length_id = np.unique(link_set.cable_m, return_inverse=True)
        key = medium * len(lengths) + length_id.ravel()
    present = np.flatnonzero(np.bincount(key)) if len(key) else np.zeros(0, dtype=np.int64)
    lookup = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=np.int32)
    lookup[present] = np.arange(len(present), dtype=np.int32)
    first = np.zeros(len(lookup), dtype=np.int64)
    first[key[::-1]] = np.arange(len(key) - 1, -1, -1)  # the first link of each combination
    parts = links.cable_ids(link_set.link_class)
    names, lengths_text, cables = [], [], []
    for k in present.tolist():
        link = int(first[k])
        medium_index = int(link_set.medium[link])
        # The same float and comparison as fabric.rows.link_rows, so the text and the part match it exactly.
        length = link_set.cable_m[link].item()
        cord, cord_max, beyond = parts[medium_index]
        names.append(media[medium_index])
        lengths_text.append(f"{length:g}")
        cables.append(beyond if length > cord_max + 1e-6 else cord)
    return Tails(lookup[key], names, lengths_text, cables)


@dataclass
class NameTables:
    """Every device and port name of one plane as lists, and where each pod's spines and spine uplinks start."""

    nic_ports: list[str]
    leaves: list[str]
    spines: list[str]  # all pods, pod by pod
    spine_base: np.ndarray  # [pod] -> first index in spines
    cores: list[str]


@dataclass
class FabricNames:
    """The names shared by every plane (servers, switch ports) and the per-plane tables."""

    servers: list[str]
    leaf_down: list[str]
    leaf_up: list[str]
    core_ports: list[str]
    spine_up: list[str]  # all pods, pod by pod
    spine_up_base: np.ndarray  # [pod] -> first index in spine_up
    planes: list[NameTables]


def fabric_names(links: FabricLinks, hardware) -> FabricNames:
    """Return the names of every device and port of a plan, from the one naming table."""
    plan = links.plan
    naming = naming_for(links, hardware)
    planes = []
    spine_counts = [shape.spines for shape in plan.pods]
    spine_base = np.concatenate([[0], np.cumsum(spine_counts)[:-1]]).astype(np.int64)
    for plane in range(plan.planes):
        planes.append(NameTables(
            nic_ports=[naming.nic_port(r, plane) for r in range(plan.rails)],
            leaves=[naming.leaf(plane, i) for i in range(plan.leaves_per_plane)],
            spines=[naming.spine(plane, p, s) for p, shape in enumerate(plan.pods) for s in range(shape.spines)],
            spine_base=spine_base,
            cores=[naming.core(plane, c) for c in range(plan.cores_per_plane)],
        ))
    up_counts = [shape.spine_uplinks for shape in plan.pods]
    spine_up = []
    # Pods of one shape name their uplinks alike: name each shape once.
    by_shape: dict[tuple, list[str]] = {}
    for pod, shape in enumerate(plan.pods):
        shape_key = (shape.spine_downlinks, shape.spine_uplinks)
        if shape_key not in by_shape:
            by_shape[shape_key] = [naming.spine_up_port(pod, t) for t in range(shape.spine_uplinks)]
        spine_up.extend(by_shape[shape_key])
    return FabricNames(
        servers=naming.server_names(),
        leaf_down=[naming.leaf_down_port(i) for i in range(plan.leaf_down_ports)],
        leaf_up=[naming.leaf_up_port(i) for i in range(plan.leaf_uplinks)],
        core_ports=[naming.core_port(i) for i in range(plan.radix_up)],
        spine_up=spine_up,
        spine_up_base=np.concatenate([[0], np.cumsum(up_counts)[:-1]]).astype(np.int64),
        planes=planes,
    )


@dataclass
class LinkColumns:
    """One link set's four name columns as (table, index) pairs in one plane, and its tails."""

    a: tuple[list[str], np.ndarray]
    a_port: tuple[list[str], np.ndarray]
    z: tuple[list[str], np.ndarray]
    z_port: tuple[list[str], np.ndarray]
    tails: Tails


def link_columns(link_set: LinkSet, names: FabricNames, plane: int, tails: Tails) -> LinkColumns:
    """Return the name columns of a link set in one plane (the order and names of fabric.rows.link_rows)."""
    tables = names.planes[plane]
    if link_set.link_class == "nic_leaf":
        return LinkColumns((names.servers, link_set.a), (tables.nic_ports, link_set.a_port),
                           (tables.leaves, link_set.z), (names.leaf_down, link_set.z_port), tails)
    if link_set.link_class == "leaf_spine":
        return LinkColumns((tables.leaves, link_set.a), (names.leaf_up, link_set.a_port),
                           (tables.spines, tables.spine_base[link_set.z_pod] + link_set.z),
                           (names.core_ports, link_set.z_port), tails)
    return LinkColumns((tables.spines, tables.spine_base[link_set.a_pod] + link_set.a),
                       (names.spine_up, names.spine_up_base[link_set.a_pod] + link_set.a_port),
                       (tables.cores, link_set.z), (names.core_ports, link_set.z_port), tails)


@dataclass
class FabricColumns:
    """The names of a plan and the tails of each link set: what the large writers look rows up in."""

    names: FabricNames
    tails: dict[str, Tails]


def fabric_columns(links: FabricLinks, hardware) -> FabricColumns:
    """Return the names and tails of a plan, built once per link table (links.csv and graph.graphml share them)."""
    cached = getattr(links, "_columns", None)
    if cached is None:
        cached = FabricColumns(fabric_names(links, hardware),
                               {cls: link_tails(links, link_set) for cls, link_set in links.sets.items()})
        links._columns = cached
    return cached


def plane_link_columns(links: FabricLinks, hardware) -> Iterator[tuple[int, LinkSet, LinkColumns]]:
    """Yield (plane, link set, its columns) plane by plane, class by class: the order of links.csv."""
    columns = fabric_columns(links, hardware)
    for plane in range(links.plan.planes):
        for cls, link_set in links.sets.items():
            yield plane, link_set, link_columns(link_set, columns.names, plane, columns.tails[cls])
