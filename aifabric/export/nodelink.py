"""Node-link JSON of the full fabric graph (networkx's `node_link_data` layout), flat scalar attributes."""

from __future__ import annotations

import json

from aifabric.fabric.links import FabricLinks


def nodelink_document(links: FabricLinks, hardware) -> dict:
    """Return the fabric graph as a node-link document: {directed, multigraph, graph, nodes, edges}."""
    import networkx as nx

    from aifabric.fabric.graph import build_graph

    graph = build_graph(links, hardware)
    # networkx >= 3.4 changed the default edge key name; "edges" is given explicitly so readers agree.
    return nx.node_link_data(graph, edges="edges")


def nodelink_text(links: FabricLinks, hardware) -> str:
    """Return the node-link JSON text: compact, one document, node and edge order as built (deterministic)."""
    return json.dumps(nodelink_document(links, hardware), separators=(",", ":"), sort_keys=True) + "\n"
