"""GraphML of the full fabric, streamed from the link table (networkx's writer is too slow for 10^5+ edges).

Nodes: every server, NIC port and switch. Edges: server to each of its NIC ports (link_class "host"), and every
fabric link with its ports, speed, medium and length. Attributes are flat scalars, as GraphML requires.
Rows are built column by column from name tables (export/link_columns.py): Colossus 2's 3.3 M links and 1.2 M
nodes (1.5 GB) in seconds. networkx.read_graphml reads back the graph fabric/graph.py builds (tests check it).

With the plan's other networks (`networks`, as `fabric plan --out` writes it) the graph holds every link of
links.csv: each node and edge gains `network` (converged, storage, oob, nvlink; the key's default, compute, for
the compute fabric's elements, which stay byte for byte as without the networks); the other networks'
switches and managed devices (PDUs, power shelves, NVLink switch trays, storage nodes, ...) are nodes with their
network's tier or device class as `role`; every other network's link is an edge from links.csv's own rows
(aifabric.export.network_rows) with its ports, speed, medium and, where links.csv gives one, its length. A server's
N/S, storage and BMC ports are the `a_port` of its edges, as a switch's ports are: only the GPU NIC ports are nodes
of their own (they carry the rail). Nothing is aggregated: the graph and links.csv list the same links. Colossus 2
with every network: 4.6 M links, 1.94 GB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from aifabric.export.link_columns import BackgroundWrites, FabricNames, fabric_columns, join_rows, plane_link_columns
from aifabric.fabric.links import FabricLinks
from aifabric.io import AtomicWriter

NODE_KEYS = (("role", "string"), ("plane", "int"), ("pod", "int"), ("su", "int"), ("rail", "int"),
             ("model", "string"))
EDGE_KEYS = (("link_class", "string"), ("a_port", "string"), ("z_port", "string"), ("speed_gbps", "int"),
             ("medium", "string"), ("length_m", "double"), ("plane", "int"))
# With the other networks: the network of every node and edge (default: the compute fabric, whose elements, servers
# included, carry none of their own).
NETWORK_KEYS = (("n_network", "node"), ("e_network", "edge"))

# An attribute value between double quotes: markup characters, the quote and whitespace that XML would normalise.
_ATTRIBUTE = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _attr(text: str) -> str:
    """Return text escaped for a double-quoted XML attribute (quoteattr's escaping, always double quotes)."""
    return escape(text, _ATTRIBUTE)


def _clean(table, special: str) -> bool:
    """Return whether no string of a table holds any of the special characters (one scan of the joined text)."""
    joined = "\0".join(table)
    return not any(char in joined for char in special)


def _attrs(table) -> list[str]:
    """Return a table of names escaped for attributes (the table itself when no name needs it: the usual case)."""
    return table if _clean(table, '&<>"\n\r\t') else [_attr(text) for text in table]


def _texts(table) -> list[str]:
    """Return a table of names escaped for element text (the table itself when no name needs it)."""
    return table if _clean(table, "&<>") else [escape(text) for text in table]


def _node(name: str, role: str, plane: int, pod: int, su: int, rail: int, model: str) -> str:
    return (f'<node id="{_attr(name)}"><data key="n_role">{role}</data><data key="n_plane">{plane}</data>'
            f'<data key="n_pod">{pod}</data><data key="n_su">{su}</data><data key="n_rail">{rail}</data>'
            f'<data key="n_model">{escape(model)}</data></node>\n')


def _node_chunks(links: FabricLinks, names: FabricNames) -> Iterator[bytes]:
    """Yield the node elements: servers, then per plane its NIC ports, leaves, spines and cores."""
    plan = links.plan
    servers = _attrs(names.servers)
    server_index = np.arange(plan.servers, dtype=np.int64)
    su_of_server = server_index // plan.leaf_downlinks
    su_text = [str(su) for su in range(int(su_of_server[-1]) + 1)] if plan.servers else []
    yield from (text for _, text in join_rows(
        ['<node id="', (servers, server_index), '"><data key="n_role">server</data><data key="n_plane">-1</data>'
         '<data key="n_pod">-1</data><data key="n_su">', (su_text, su_of_server),
         f'</data><data key="n_rail">-1</data><data key="n_model">{escape(plan.server_id)}</data></node>\n'],
        plan.servers))
    nic_server = np.repeat(server_index, plan.rails)
    nic_rail = np.tile(np.arange(plan.rails, dtype=np.int64), plan.servers)
    nic_su = np.repeat(su_of_server, plan.rails)
    rail_tail = [f'</data><data key="n_rail">{r}</data><data key="n_model">{escape(plan.nic_id)}</data></node>\n'
                 for r in range(plan.rails)]
    for plane, tables in enumerate(names.planes):
        port_head = [f'/{_attr(port)}"><data key="n_role">nic</data><data key="n_plane">{plane}</data>'
                     f'<data key="n_pod">-1</data><data key="n_su">' for port in tables.nic_ports]
        yield from (text for _, text in join_rows(
            ['<node id="', (servers, nic_server), (port_head, nic_rail), (su_text, nic_su), (rail_tail, nic_rail)],
            len(nic_server)))
        rows = [_node(name, "leaf", plane, plan.pod_of_leaf(leaf), leaf // plan.leaves_per_su,
                      (leaf % plan.leaves_per_su) * plan.rails_per_leaf, plan.switch_id)
                for leaf, name in enumerate(tables.leaves)]
        for pod, shape in enumerate(plan.pods):
            base = int(tables.spine_base[pod])
            rows.extend(_node(tables.spines[base + spine], "spine", plane, pod, -1, -1, plan.switch_id)
                        for spine in range(shape.spines))
        rows.extend(_node(name, "core", plane, -1, -1, -1, plan.switch_id) for name in tables.cores)
        yield "".join(rows).encode("utf-8")


def _host_chunks(links: FabricLinks, names: FabricNames) -> Iterator[bytes]:
    """Yield the host edges: each server to each of its NIC ports, plane by plane."""
    plan = links.plan
    servers = _attrs(names.servers)
    nic_server = np.repeat(np.arange(plan.servers, dtype=np.int64), plan.rails)
    nic_rail = np.tile(np.arange(plan.rails, dtype=np.int64), plan.servers)
    for plane, tables in enumerate(names.planes):
        port_tail = [f'/{_attr(port)}"><data key="e_link_class">host</data><data key="e_plane">{plane}</data>'
                     f'</edge>\n' for port in tables.nic_ports]
        yield from (text for _, text in join_rows(
            ['<edge source="', (servers, nic_server), '" target="', (servers, nic_server), (port_tail, nic_rail)],
            len(nic_server)))


def _link_chunks(links: FabricLinks, hardware) -> Iterator[tuple[int, bytes]]:
    """Yield (links written so far, text) of the fabric links' edges, in links.csv's order."""
    done = 0
    for plane, link_set, columns in plane_link_columns(links, hardware):
        cls = link_set.link_class
        tails = columns.tails
        tail_text = [f'{escape(medium)}</data><data key="e_length_m">{length}</data><data key="e_plane">{plane}'
                     f'</data></edge>\n' for medium, length in zip(tails.medium, tails.length, strict=True)]
        a_names, a_index = columns.a
        a_ports, a_port_index = columns.a_port
        if cls == "nic_leaf":
            # The edge starts at the NIC port's node, server/port.
            source_pieces = ['<edge source="', (_attrs(a_names), a_index),
                             ([f'/{_attr(port)}" target="' for port in a_ports], a_port_index)]
        else:
            source_pieces = ['<edge source="', (_attrs(a_names), a_index), '" target="']
        pieces = source_pieces + [
            (_attrs(columns.z[0]), columns.z[1]),
            f'"><data key="e_link_class">{cls}</data><data key="e_a_port">', (_texts(a_ports), a_port_index),
            '</data><data key="e_z_port">', (_texts(columns.z_port[0]), columns.z_port[1]),
            f'</data><data key="e_speed_gbps">{link_set.speed_gbps}</data><data key="e_medium">',
            (tail_text, tails.ids)]
        for rows, text in join_rows(pieces, len(link_set)):
            yield done + rows, text
        done += len(link_set)


def _net(kind: str, network: str) -> str:
    """Return the `network` data element of a node ("n") or edge ("e")."""
    return f'<data key="{kind}_network">{escape(network)}</data>'


class _NetworkRows:
    """The other networks' rows as blocks, and the devices they name beside the compute fabric's."""

    def __init__(self, links: FabricLinks, hardware, networks):
        from aifabric.export.network_rows import FastNaming, network_blocks, network_devices
        from aifabric.fabric.rows import naming_for

        plan = links.plan
        naming = FastNaming(naming_for(links, hardware), fabric_columns(links, hardware).names)
        self.blocks = list(network_blocks(networks, plan, hardware, naming))
        known = set(naming.server_names()) | set(_compute_switches(links, hardware))
        self.devices = network_devices(networks, plan, hardware, naming, self.blocks, known)

    @property
    def rows(self) -> int:
        """Return the links of the other networks."""
        return sum(block.rows for block in self.blocks)


def _compute_switches(links: FabricLinks, hardware) -> Iterator[str]:
    """Yield the compute fabric's switch names (from the one naming table)."""
    from aifabric.fabric.rows import naming_for

    plan = links.plan
    naming = naming_for(links, hardware)
    for plane in range(plan.planes):
        for leaf in range(plan.leaves_per_plane):
            yield naming.leaf(plane, leaf)
        for pod, shape in enumerate(plan.pods):
            for spine in range(shape.spines):
                yield naming.spine(plane, pod, spine)
        for core in range(plan.cores_per_plane):
            yield naming.core(plane, core)


def _network_node_chunks(rows: _NetworkRows) -> Iterator[bytes]:
    """Yield the other networks' device nodes, each with its network and its tier or device class as role."""
    kinds: dict[tuple, int] = {}
    kind = np.array([kinds.setdefault((d.role, d.model or "", d.network), len(kinds)) for d in rows.devices],
                    dtype=np.int64)
    tails = [f'"><data key="n_role">{escape(role)}</data><data key="n_plane">-1</data><data key="n_pod">-1</data>'
             f'<data key="n_su">-1</data><data key="n_rail">-1</data><data key="n_model">{escape(model)}</data>'
             f'{_net("n", network)}</node>\n' for role, model, network in kinds]
    yield from (chunk for _, chunk in join_rows(
        ['<node id="', (_attrs([d.name for d in rows.devices]), np.arange(len(kind))), (tails, kind)], len(kind)))


def _network_link_chunks(rows: _NetworkRows) -> Iterator[tuple[int, bytes]]:
    """Yield (links written so far, text) of the other networks' edges, in links.csv's order."""
    done = 0
    for block in rows.blocks:
        table, index = block.row_parts()
        lengths = [f'<data key="e_length_m">{escape(length)}</data>' if length else "" for length, _ in table]
        pieces = ['<edge source="', (_attrs(block.a[0]), block.a[1]), '" target="', (_attrs(block.z[0]), block.z[1]),
                  f'"><data key="e_link_class">{escape(block.link_class)}</data><data key="e_a_port">',
                  (_texts(block.a_port[0]), block.a_port[1]), '</data><data key="e_z_port">',
                  (_texts(block.z_port[0]), block.z_port[1]),
                  f'</data><data key="e_speed_gbps">{block.speed_gbps}</data><data key="e_medium">'
                  f'{escape(block.medium)}</data>', (lengths, index), f'<data key="e_plane">{block.plane}</data>'
                  f'{_net("e", block.network)}</edge>\n']
        for count, chunk in join_rows(pieces, block.rows):
            yield done + count, chunk
        done += block.rows


def write_graphml(path: str | Path, links: FabricLinks, hardware,
                  progress: Callable[[int, int], None] | None = None, networks=None) -> Path:
    """Write the fabric as GraphML atomically; return the path. With `networks` (the plan's NetworkPlan), the
    graph holds every network's links and devices, each node and edge with its `network`."""
    from aifabric.export.network_rows import COMPUTE

    plan = links.plan
    names = fabric_columns(links, hardware).names
    others = _NetworkRows(links, hardware, networks) if networks is not None else None
    total = plan.link_counts()["total"] + (others.rows if others else 0)
    head = ['<?xml version="1.0" encoding="utf-8"?>\n', '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n']
    head += [f'<key id="n_{name}" for="node" attr.name="{name}" attr.type="{kind}"/>\n' for name, kind in NODE_KEYS]
    head += [f'<key id="e_{name}" for="edge" attr.name="{name}" attr.type="{kind}"/>\n' for name, kind in EDGE_KEYS]
    if others is not None:
        # The compute fabric's elements carry no `network` of their own: the key's default (GraphML's rule; networkx
        # keeps it in G.graph["node_default"] / ["edge_default"]), 195 MB less on Colossus 2.
        head += [f'<key id="{key}" for="{kind}" attr.name="network" attr.type="string"><default>{COMPUTE}'
                 f'</default></key>\n' for key, kind in NETWORK_KEYS]
    head.append(f'<graph id={quoteattr(plan.name)} edgedefault="undirected">\n')
    with AtomicWriter(path) as stream, BackgroundWrites(stream.buffer) as out:
        # Chunks are UTF-8 bytes already: they go to the binary layer beneath the (still empty) text stream.
        out.write("".join(head).encode("utf-8"))
        for text in _node_chunks(links, names):
            out.write(text)
        if others is not None:
            for text in _network_node_chunks(others):
                out.write(text)
        for text in _host_chunks(links, names):
            out.write(text)
        done = 0
        for done, text in _link_chunks(links, hardware):
            out.write(text)
            if progress:
                progress(done, total)
        if others is not None:
            base = plan.link_counts()["total"]
            for done, text in _network_link_chunks(others):
                out.write(text)
                if progress:
                    progress(base + done, total)
        out.write(b"</graph>\n</graphml>\n")
    if progress:
        progress(total, total)
    return Path(path)
