"""The networkx graph of a fabric, built from the same named rows every export uses."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx

from aifabric.fabric.guards import check_graph
from aifabric.fabric.links import FabricLinks
from aifabric.fabric.rows import device_rows, link_rows, naming_for


def build_graph(links: FabricLinks, hardware, progress: Callable[[int, int], None] | None = None) -> nx.MultiGraph:
    """Return a MultiGraph: nodes are servers, NIC ports and switches; edges are host attachments and links.

    Parallel links between one leaf and one spine stay separate edges, keyed by the leaf's port name.
    """
    plan = links.plan
    check_graph(plan)
    naming = naming_for(links, hardware)
    graph = nx.MultiGraph(name=plan.name)
    for name, role, plane, pod, su, rail, model in device_rows(links, hardware):
        graph.add_node(name, role=role, plane=plane, pod=pod, su=su, rail=rail, model=model)
    for plane in range(plan.planes):
        for s in range(plan.servers):
            server = naming.server(s)
            for r in range(plan.rails):
                graph.add_edge(server, naming.nic_node(s, r, plane), key="host", link_class="host", plane=plane)
    total = plan.link_counts()["total"]
    for done, (a, a_port, z, z_port, speed, medium, length, cls, plane, _cable) in enumerate(
        link_rows(links, hardware)
    ):
        source = f"{a}/{a_port}" if cls == "nic_leaf" else a
        graph.add_edge(source, z, key=a_port, link_class=cls, a_port=a_port, z_port=z_port, speed_gbps=speed,
                       medium=medium, length_m=float(length), plane=plane)
        if progress and done % 50000 == 0:
            progress(done, total)
    if progress:
        progress(total, total)
    return graph
