"""GraphML of the full fabric, streamed from the link table (networkx's writer is too slow for 10^5+ edges).

Nodes: every server, NIC port and switch. Edges: server to each of its NIC ports (link_class "host"), and every
fabric link with its ports, speed, medium and length. Attributes are flat scalars, as GraphML requires.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from aifabric.export.fabric_rows import device_rows, link_rows, naming_for
from aifabric.fabric.links import FabricLinks
from aifabric.io import AtomicWriter

NODE_KEYS = (("role", "string"), ("plane", "int"), ("pod", "int"), ("su", "int"), ("rail", "int"),
             ("model", "string"))
EDGE_KEYS = (("link_class", "string"), ("a_port", "string"), ("z_port", "string"), ("speed_gbps", "int"),
             ("medium", "string"), ("length_m", "double"), ("plane", "int"))


def write_graphml(path: str | Path, links: FabricLinks, hardware,
                  progress: Callable[[int, int], None] | None = None) -> Path:
    """Write the fabric as GraphML atomically; return the path."""
    plan = links.plan
    naming = naming_for(links, hardware)
    total = plan.link_counts()["total"]
    with AtomicWriter(path) as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n')
        out.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
        for name, kind in NODE_KEYS:
            out.write(f'<key id="n_{name}" for="node" attr.name="{name}" attr.type="{kind}"/>\n')
        for name, kind in EDGE_KEYS:
            out.write(f'<key id="e_{name}" for="edge" attr.name="{name}" attr.type="{kind}"/>\n')
        out.write(f'<graph id={quoteattr(plan.name)} edgedefault="undirected">\n')
        buffer = []
        for name, role, plane, pod, su, rail, model in device_rows(links, hardware):
            buffer.append(
                f'<node id={quoteattr(name)}><data key="n_role">{role}</data><data key="n_plane">{plane}</data>'
                f'<data key="n_pod">{pod}</data><data key="n_su">{su}</data><data key="n_rail">{rail}</data>'
                f'<data key="n_model">{model}</data></node>\n'
            )
            if len(buffer) >= 10000:
                out.write("".join(buffer))
                buffer.clear()
        for plane in range(plan.planes):
            for s in range(plan.servers):
                server = naming.server(s)
                for r in range(plan.rails):
                    buffer.append(
                        f'<edge source={quoteattr(server)} target={quoteattr(naming.nic_node(s, r, plane))}>'
                        f'<data key="e_link_class">host</data><data key="e_plane">{plane}</data></edge>\n'
                    )
                if len(buffer) >= 10000:
                    out.write("".join(buffer))
                    buffer.clear()
        done = 0
        for a, a_port, z, z_port, speed, medium, length, cls, plane, _cable in link_rows(links, hardware):
            source = f"{a}/{a_port}" if cls == "nic_leaf" else a
            buffer.append(
                f'<edge source={quoteattr(source)} target={quoteattr(z)}><data key="e_link_class">{cls}</data>'
                f'<data key="e_a_port">{a_port}</data><data key="e_z_port">{z_port}</data>'
                f'<data key="e_speed_gbps">{speed}</data><data key="e_medium">{medium}</data>'
                f'<data key="e_length_m">{length}</data><data key="e_plane">{plane}</data></edge>\n'
            )
            if len(buffer) >= 10000:
                out.write("".join(buffer))
                buffer.clear()
                done += 10000
                if progress:
                    progress(done, total)
        out.write("".join(buffer))
        out.write("</graph>\n</graphml>\n")
    if progress:
        progress(total, total)
    return Path(path)
