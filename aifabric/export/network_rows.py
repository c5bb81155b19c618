"""The links and devices of the networks beside the compute fabric, read from links.csv's own rows.

One source: the blocks `aifabric.fabric.networks.row_blocks` yields for links.csv (after the compute rows) become
column blocks here (name tables and an index per row, plus the constant columns of the block), so GraphML and
NetBox list exactly the links links.csv lists, under the same names and `network`. A device's network and role
come from the link classes it terminates (a `node_leaf` ends on a leaf, a `spine_core` starts at a spine); a device
that only has its management port cabled (a PDU, a power shelf, an NVLink switch tray of an NVL72 rack) takes its
managed-device class from the out-of-band plan (`aifabric.fabric.networks.oob_devices`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from aifabric.export.link_columns import join_rows

# The network of the compute fabric's rows (links.csv writes it in aifabric.export.fabric_files).
COMPUTE = "compute"

# Device roles by the end of a link class they terminate: (link class, end) -> role. Roles are the tier names of
# a network's `switches` (plan --json) where the device is a switch, else the managed-device class.
END_ROLES = {
    ("node_leaf", "z"): "leaf", ("storage_leaf", "z"): "leaf", ("support_leaf", "z"): "leaf",
    ("isl", "a"): "leaf", ("isl", "z"): "leaf", ("leaf_spine", "a"): "leaf", ("leaf_spine", "z"): "spine",
    ("storage_spine", "z"): "spine", ("support_spine", "z"): "spine",
    ("spine_core", "a"): "spine", ("spine_core", "z"): "core",
    ("storage_leaf", "a"): "storage_node", ("storage_spine", "a"): "storage_node",
    ("support_leaf", "a"): "support_server", ("support_spine", "a"): "support_server",
    ("customer_uplink", "z"): "customer_edge",
    ("device_oob", "z"): "leaf", ("oob_uplink", "a"): "leaf",
    ("aggregation_core", "a"): "aggregation", ("aggregation_core", "z"): "aggregation_core",
    ("inter_rack", "a"): "nvlink_switch_tray", ("inter_rack", "z"): "nvlink_switch_tray",
}
# Weaker evidence, used only for a device no class above names: the switch an OOB switch uplinks to is an
# aggregation switch unless another network's rows name it; a customer uplink starts at a leaf of the network.
WEAK_ROLES = {("oob_uplink", "z"): "aggregation", ("customer_uplink", "a"): "leaf"}
# Managed-device classes of the out-of-band plan and the network each belongs to (servers and switches have their
# own networks; racks' power and cooling have only their management port).
MANAGED_NETWORK = {"nvlink_switch_tray": "nvlink", "power_shelf": "oob", "pdu": "oob", "cdu": "oob",
                   "storage_node": "storage", "support_server": "converged"}
# Ports of a server that are NIC-like nodes in the graph and interfaces of its NetBox device (the BMC and the
# N/S and storage ports); a switch's port is an attribute of its links.
# Managed-device classes that are servers or switches of a network (never devices of their own here).
KNOWN_CLASSES = frozenset({"node", "compute_tray"})
TAIL_FIELDS = ("speed_gbps", "medium", "length_m", "link_class", "plane", "cable", "network")


@dataclass
class Block:
    """Rows of links.csv that share every column after the four names: (table, index) per name column."""

    a: tuple[list[str], np.ndarray]
    a_port: tuple[list[str], np.ndarray]
    z: tuple[list[str], np.ndarray]
    z_port: tuple[list[str], np.ndarray]
    speed_gbps: int
    medium: str
    length_m: str
    link_class: str
    plane: int
    cable: str
    network: str
    # Where the rows' lengths and parts differ: ((length_m, cable) table, index per row); length_m and cable above
    # are then "" (use row_parts or iter_rows).
    parts: tuple[list[tuple[str, str]], np.ndarray] | None = None

    @property
    def rows(self) -> int:
        """Return the rows of the block."""
        return len(self.a[1])

    def iter_rows(self) -> Iterator[tuple]:
        """Yield the block's rows as links.csv tuples (a, a_port, z, z_port, speed, medium, length, class, plane,
        cable, network)."""
        a, ai = self.a
        ap, api = self.a_port
        z, zi = self.z
        zp, zpi = self.z_port
        if self.parts is not None:
            table, index = self.parts
            for i, j, k, m, p in zip(ai.tolist(), api.tolist(), zi.tolist(), zpi.tolist(), index.tolist(),
                                     strict=True):
                length, cable = table[p]
                yield (a[i], ap[j], z[k], zp[m], self.speed_gbps, self.medium, length, self.link_class, self.plane,
                       cable, self.network)
            return
        tail = (self.speed_gbps, self.medium, self.length_m, self.link_class, self.plane, self.cable, self.network)
        for i, j, k, m in zip(ai.tolist(), api.tolist(), zi.tolist(), zpi.tolist(), strict=True):
            yield (a[i], ap[j], z[k], zp[m], *tail)

    def row_parts(self) -> tuple[list[tuple[str, str]], np.ndarray]:
        """Return ((length_m, cable) table, index per row) of the block's rows."""
        if self.parts is not None:
            return self.parts
        return [(self.length_m, self.cable)], np.zeros(self.rows, dtype=np.int64)


def _tail(text: str) -> tuple | None:
    """Return the columns after the names from a block's CSV tail (',speed,medium,...,network\\n'), or None."""
    if not text.startswith(",") or not text.endswith("\n"):
        return None
    cells = next(csv.reader(io.StringIO(text[1:-1])), None)
    if cells is None or len(cells) != len(TAIL_FIELDS):
        return None
    try:
        return int(cells[0]), cells[1], cells[2], cells[3], int(cells[4]), cells[5], cells[6]
    except ValueError:
        return None


def _from_rows(rows: list) -> Iterator[Block]:
    """Return blocks of consecutive rows sharing their columns after the names (each name its own table entry)."""
    start = 0
    while start < len(rows):
        tail = tuple(rows[start][4:])
        end = start + 1
        while end < len(rows) and tuple(rows[end][4:]) == tail:
            end += 1
        part = rows[start:end]
        index = np.arange(len(part), dtype=np.int64)
        speed, medium, length, cls, plane, cable, network = tail
        yield Block(([r[0] for r in part], index), ([r[1] for r in part], index), ([r[2] for r in part], index),
                    ([r[3] for r in part], index), int(speed), str(medium), str(length), str(cls), int(plane),
                    str(cable), str(network))
        start = end


def network_blocks(networks, plan, hardware, naming) -> Iterator[Block]:
    """Yield the rows of links.csv after the compute rows (every other network's links) as blocks, in order."""
    from aifabric.fabric.networks import row_blocks

    for pieces, rows in row_blocks(networks, plan, hardware, naming):
        if isinstance(pieces, str):
            yield from _from_rows(rows)
            continue
        shaped = (len(pieces) == 8 and all(isinstance(pieces[i], tuple) for i in (0, 2, 4, 6))
                  and all(pieces[i] == "," for i in (1, 3, 5)))
        tail, parts = None, None
        if shaped and isinstance(pieces[7], str):
            tail = _tail(pieces[7])
        elif shaped and isinstance(pieces[7], tuple):
            # Rows whose lengths and parts differ: one tail per (length, cable), the rest of the columns shared.
            tails = [_tail(text) for text in pieces[7][0]]
            shared = {None if t is None else (t[0], t[1], t[3], t[4], t[6]) for t in tails}
            if len(shared) == 1 and None not in shared:
                t = tails[0]
                tail = (t[0], t[1], "", t[3], t[4], "", t[6])
                parts = ([(t[2], t[5]) for t in tails], np.asarray(pieces[7][1], dtype=np.int64))
        if tail is None:
            # A block of another shape: its rows as links.csv has them (slower, the same result).
            text = b"".join(chunk for _, chunk in join_rows(pieces, rows)).decode("utf-8")
            yield from _from_rows([tuple(r) for r in csv.reader(io.StringIO(text))])
            continue
        columns = [(list(pieces[i][0]), np.asarray(pieces[i][1], dtype=np.int64)) for i in (0, 2, 4, 6)]
        yield Block(*columns, *tail, parts=parts)


@dataclass(slots=True)
class Device:
    """A device of the networks beside the compute fabric: its network, role and model id (a catalog switch, an
    NVLink switch tray; None when the plan names none), and the rack index of the out-of-band plan where it stands
    in a rack (-1 otherwise)."""

    name: str
    network: str
    role: str
    model: str | None
    rack: int = -1


def _evidence(blocks: list[Block], table: dict) -> dict[str, tuple[str, str]]:
    """Return {device: (network, role)} from the ends of each block's rows the table names (first one wins)."""
    found: dict[str, tuple[str, str]] = {}
    for block in blocks:
        for end in ("a", "z"):
            role = table.get((block.link_class, end))
            if role is None:
                continue
            names, index = getattr(block, end)
            used = np.unique(index) if len(index) != len(names) else range(len(names))
            for i in used:
                found.setdefault(names[int(i)], (block.network, role))
    return found


class FastNaming:
    """A plan's naming table whose server, leaf, spine and core names come from lists built once (the out-of-band
    plan names every server and switch one at a time: 137k servers and 39k spines on Colossus 2); every other name
    comes from the naming table itself. `tables` is the compute writers' FabricNames, when already built."""

    def __init__(self, naming, tables=None):
        self._naming = naming
        self._servers = tables.servers if tables is not None else naming.server_names()
        self._planes = tables.planes if tables is not None else None

    def server(self, index: int) -> str:
        """Return a server's name by index."""
        return self._servers[index]

    def server_names(self) -> list[str]:
        """Return every server's name in index order."""
        return self._servers

    def leaf(self, plane: int, index: int) -> str:
        """Return a leaf's name."""
        return self._planes[plane].leaves[index] if self._planes else self._naming.leaf(plane, index)

    def spine(self, plane: int, pod: int, index: int) -> str:
        """Return a spine's name."""
        if not self._planes:
            return self._naming.spine(plane, pod, index)
        tables = self._planes[plane]
        return tables.spines[int(tables.spine_base[pod]) + index]

    def core(self, plane: int, index: int) -> str:
        """Return a core's name."""
        return self._planes[plane].cores[index] if self._planes else self._naming.core(plane, index)

    def __getattr__(self, name: str):
        return getattr(self._naming, name)


def network_devices(networks, plan, hardware, naming, blocks: list[Block], known: set[str]) -> list[Device]:
    """Return the devices of the blocks' rows that are not in `known` (the compute fabric's servers and switches),
    each with its network, role and model: the devices the network rows name in their order, then the managed
    devices only an out-of-band management port connects, in the out-of-band plan's order."""
    strong = _evidence(blocks, END_ROLES)
    weak = _evidence(blocks, WEAK_ROLES)
    managed: dict[str, tuple[str, int]] = {}
    oob = networks.layouts.get("oob")
    if oob is not None:
        from aifabric.fabric.networks import oob_devices

        for device, cls, rack in oob_devices(networks, oob, plan, hardware, naming):
            if cls not in KNOWN_CLASSES and device not in known:
                managed[device] = (cls, rack)
    out: list[Device] = []
    seen = set(known)
    models: dict[tuple[str, str], str | None] = {}

    def add(name: str, network: str, role: str) -> None:
        seen.add(name)
        rack = managed[name][1] if name in managed else -1
        if (network, role) not in models:
            models[network, role] = _model(networks, network, role, hardware)
        out.append(Device(name, network, role, models[network, role], rack))

    oob_ends: list[list[str]] = []
    for block in blocks:
        for end in ("a", "z"):
            names, index = getattr(block, end)
            if block.link_class == "device_oob" and end == "a":
                oob_ends.append(names)   # the managed devices: after the rows' own devices
                continue
            if not set(names).difference(seen):
                continue   # every name already a device (the servers of a node-leaf block)
            used = np.unique(index) if len(index) != len(names) else range(len(names))
            for i in used:
                name = names[int(i)]
                if name in seen:
                    continue
                if name in strong:
                    add(name, *strong[name])
                elif name in managed:
                    add(name, MANAGED_NETWORK.get(managed[name][0], block.network), managed[name][0])
                else:
                    add(name, *weak.get(name, (block.network, "device")))
    for name, (cls, _) in managed.items():
        if name not in seen:
            add(name, *(strong[name] if name in strong else (MANAGED_NETWORK.get(cls, "oob"), cls)))
    for names in oob_ends:
        # A management port of a device no other row and no managed class names (none today): a plain device.
        for name in sorted(set(names) - seen):
            add(name, "oob", "device")
    return out


def _model(networks, network: str, role: str, hardware) -> str | None:
    """Return the model id of a device's network tier (a catalog switch, or a system's NVLink switch tray), or
    None (a device the plan names no model of)."""
    net = networks.networks.get(network)
    return net.switch_models.get(role) if net is not None else None
