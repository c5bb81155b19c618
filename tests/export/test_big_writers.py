"""links.csv and graph.graphml built column by column (export/link_columns.py) against the row-by-row writers they
replaced: the same bytes on shipped specs (rack-scale, two planes, three tiers, pods of two shapes), the graph
networkx reads back equal to fabric/graph.py's, names that need escaping, and the join itself."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aifabric.export.link_columns import join_rows
from aifabric.fabric.rows import LINK_HEADER, device_rows, link_rows, naming_for

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"
SPECS = ("dgx-h100-superpod-4su", "gb300-nvl72-spectrum-x", "dgx-h100-superpod-16su", "gb200-nvl72-superpod")
GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture(scope="module", params=SPECS)
def shipped(request):
    from aifabric.fabric.plan import plan_fabric

    return plan_fabric(TOPOLOGIES / f"{request.param}.yaml", {})


@pytest.fixture(scope="module")
def uneven_pods():
    """A three-tier fabric whose last pod is smaller than the others (two pod shapes, two spine-uplink tables)."""
    from aifabric.fabric.plan import plan_fabric

    result = plan_fabric(None, {"gpus": 5000, "server": "dgx-b300", "switch": "sn5600", "planes": 2, "nic_gbps": 800,
                                "tiers": "3", "sus_per_pod": 3})
    assert len({(p.spines, p.spine_downlinks, p.spine_uplinks) for p in result.plan.pods}) == 2
    return result


def _reference_links_csv(result) -> bytes:
    """links.csv as the writer before the column writer made it: csv.writer over fabric.rows.link_rows."""
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(LINK_HEADER)
    writer.writerows((*row, "compute") for row in link_rows(result.links, result.hardware))
    from aifabric.export.fabric_files import network_csv_chunks

    return stream.getvalue().encode("utf-8") + b"".join(network_csv_chunks(result))


def _reference_graphml(result) -> bytes:
    """graph.graphml as the writer before the column writer made it, one f-string per node and edge."""
    from aifabric.export.graphml import EDGE_KEYS, NODE_KEYS

    plan = result.plan
    naming = naming_for(result.links, result.hardware)
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n']
    out += [f'<key id="n_{n}" for="node" attr.name="{n}" attr.type="{k}"/>\n' for n, k in NODE_KEYS]
    out += [f'<key id="e_{n}" for="edge" attr.name="{n}" attr.type="{k}"/>\n' for n, k in EDGE_KEYS]
    out.append(f'<graph id={quoteattr(plan.name)} edgedefault="undirected">\n')
    for name, role, plane, pod, su, rail, model in device_rows(result.links, result.hardware):
        out.append(f'<node id={quoteattr(name)}><data key="n_role">{role}</data><data key="n_plane">{plane}</data>'
                   f'<data key="n_pod">{pod}</data><data key="n_su">{su}</data><data key="n_rail">{rail}</data>'
                   f'<data key="n_model">{model}</data></node>\n')
    for plane in range(plan.planes):
        for s in range(plan.servers):
            for r in range(plan.rails):
                out.append(f'<edge source={quoteattr(naming.server(s))} '
                           f'target={quoteattr(naming.nic_node(s, r, plane))}>'
                           f'<data key="e_link_class">host</data><data key="e_plane">{plane}</data></edge>\n')
    for a, a_port, z, z_port, speed, medium, length, cls, plane, _cable in link_rows(result.links, result.hardware):
        source = f"{a}/{a_port}" if cls == "nic_leaf" else a
        out.append(f'<edge source={quoteattr(source)} target={quoteattr(z)}><data key="e_link_class">{cls}</data>'
                   f'<data key="e_a_port">{a_port}</data><data key="e_z_port">{z_port}</data>'
                   f'<data key="e_speed_gbps">{speed}</data><data key="e_medium">{medium}</data>'
                   f'<data key="e_length_m">{length}</data><data key="e_plane">{plane}</data></edge>\n')
    out.append("</graph>\n</graphml>\n")
    return "".join(out).encode("utf-8")


def _write_both(result, tmp_path) -> tuple[bytes, bytes]:
    from aifabric.export.fabric_files import write_links
    from aifabric.export.graphml import write_graphml

    links = write_links(tmp_path / "links.csv", result).read_bytes()
    graph = write_graphml(tmp_path / "graph.graphml", result.links, result.hardware).read_bytes()
    return links, graph


def _edge_multiset(graph) -> Counter:
    """Edges as (sorted end pair, attributes) with their multiplicity: edge keys and end order aside."""
    return Counter((tuple(sorted((u, v))), tuple(sorted(d.items()))) for u, v, d in graph.edges(data=True))


def _assert_same_graph(read, built) -> None:
    assert dict(read.nodes(data=True)) == dict(built.nodes(data=True))
    assert list(read.nodes) == list(built.nodes), "node order follows the naming order"
    assert _edge_multiset(read) == _edge_multiset(built)
    assert read.graph.get("name", read.graph.get("id")) in (None, built.graph["name"])


def test_same_bytes_as_the_row_writers_on_shipped_specs(shipped, tmp_path):
    links, graph = _write_both(shipped, tmp_path)
    assert links == _reference_links_csv(shipped)
    assert graph == _reference_graphml(shipped)


def test_same_bytes_with_pods_of_two_shapes(uneven_pods, tmp_path):
    links, graph = _write_both(uneven_pods, tmp_path)
    assert links == _reference_links_csv(uneven_pods)
    assert graph == _reference_graphml(uneven_pods)


@pytest.mark.parametrize("spec", ["gb300-nvl72-spectrum-x", "dgx-h100-superpod-16su"])
def test_networkx_reads_the_graph_fabric_graph_builds(spec, tmp_path):
    import networkx as nx

    from aifabric.export.graphml import write_graphml
    from aifabric.fabric.graph import build_graph
    from aifabric.fabric.plan import plan_fabric

    result = plan_fabric(TOPOLOGIES / f"{spec}.yaml", {})
    path = write_graphml(tmp_path / "g.graphml", result.links, result.hardware)
    read = nx.read_graphml(path, force_multigraph=True)
    built = build_graph(result.links, result.hardware)
    assert read.number_of_edges() == result.plan.link_counts()["total"] + result.plan.servers * result.plan.rails * \
        result.plan.planes
    _assert_same_graph(read, built)


def test_graphml_structure_follows_the_schema(tmp_path):
    """The GraphML schema's rules a reader relies on: keys before the graph, every data element names a declared
    key for its element kind, node ids unique, every edge end a node."""
    from aifabric.export.graphml import write_graphml
    from aifabric.fabric.plan import plan_fabric

    result = plan_fabric(TOPOLOGIES / "gb300-nvl72-spectrum-x.yaml", {})
    path = write_graphml(tmp_path / "g.graphml", result.links, result.hardware)
    root = ElementTree.parse(path).getroot()
    assert root.tag == f"{GRAPHML_NS}graphml"
    children = [child.tag for child in root]
    assert children == [f"{GRAPHML_NS}key"] * (len(children) - 1) + [f"{GRAPHML_NS}graph"]
    keys = {key.get("id"): key.get("for") for key in root.iter(f"{GRAPHML_NS}key")}
    assert all(key.get("attr.type") in ("string", "int", "double") for key in root.iter(f"{GRAPHML_NS}key"))
    graph = root.find(f"{GRAPHML_NS}graph")
    assert graph.get("edgedefault") == "undirected"
    ids = [node.get("id") for node in graph.iter(f"{GRAPHML_NS}node")]
    assert len(ids) == len(set(ids))
    known = set(ids)
    edges = list(graph.iter(f"{GRAPHML_NS}edge"))
    assert all(edge.get("source") in known and edge.get("target") in known for edge in edges)
    for kind, elements in (("node", graph.iter(f"{GRAPHML_NS}node")), ("edge", edges)):
        for element in elements:
            assert all(keys[data.get("key")] == kind for data in element)


def test_names_that_need_escaping_round_trip(small_fabric, tmp_path, monkeypatch):
    """Markup and CSV characters in names (a catalog's port names could hold them) are escaped, not written raw."""
    import networkx as nx

    from aifabric.export.fabric_files import write_links
    from aifabric.export.graphml import write_graphml
    from aifabric.fabric.graph import build_graph
    from aifabric.fabric.naming import Naming

    leaf, port = Naming.leaf, Naming.leaf_down_port
    monkeypatch.setattr(Naming, "leaf", lambda self, plane, i: leaf(self, plane, i) + ' "A&B" <x>\t,y')
    monkeypatch.setattr(Naming, "leaf_down_port", lambda self, i: port(self, i) + " 'q' & \"r\",\n")
    small_fabric.links.__dict__.pop("_columns", None)
    try:
        graph = write_graphml(tmp_path / "g.graphml", small_fabric.links, small_fabric.hardware)
        read = nx.read_graphml(graph, force_multigraph=True)
        _assert_same_graph(read, build_graph(small_fabric.links, small_fabric.hardware))
        links = write_links(tmp_path / "links.csv", small_fabric)
        assert links.read_bytes() == _reference_links_csv(small_fabric)
    finally:
        small_fabric.links.__dict__.pop("_columns", None)


def test_server_names_match_the_one_at_a_time_names(uneven_pods, small_fabric):
    for result in (uneven_pods, small_fabric):
        naming = naming_for(result.links, result.hardware)
        assert naming.server_names() == [naming.server(s) for s in range(result.plan.servers)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=6), min_size=1, max_size=5), min_size=1, max_size=4),
       st.lists(st.text(max_size=3), min_size=4, max_size=4), st.integers(0, 40), st.integers(1, 7), st.randoms())
def test_join_rows_is_the_row_by_row_concatenation(tables, constants, rows, chunk_rows, rng):
    indexes = [np.array([rng.randrange(len(t)) for _ in range(rows)], dtype=np.int64) for t in tables]
    pieces = []
    for k, (table, index) in enumerate(zip(tables, indexes, strict=True)):
        pieces += [constants[k], (table, index)]
    pieces.append(constants[-1])
    expected = "".join("".join(c if isinstance(c, str) else c[0][c[1][i]] for c in pieces) for i in range(rows))
    chunks = list(join_rows(pieces, rows, chunk_rows))
    assert b"".join(text for _, text in chunks) == expected.encode("utf-8")
    assert [done for done, _ in chunks] == [min(rows, end) for end in range(chunk_rows, rows + chunk_rows,
                                                                                chunk_rows)][: len(chunks)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), min_size=2, max_size=5))
def test_csv_cell_quotes_as_the_csv_module(cells):
    from aifabric.export.fabric_files import csv_cell

    stream = io.StringIO(newline="")
    csv.writer(stream, lineterminator="\n").writerow(cells)
    assert ",".join(csv_cell(cell) for cell in cells) + "\n" == stream.getvalue()


def test_background_writes_keep_order_and_raise_a_write_error():
    from aifabric.export.link_columns import BackgroundWrites

    class Sink:
        def __init__(self, fail_at: int | None = None):
            self.parts, self.fail_at = [], fail_at

        def write(self, data: bytes) -> None:
            if len(self.parts) == self.fail_at:
                raise OSError(28, "No space left on device")
            self.parts.append(data)

    sink = Sink()
    with BackgroundWrites(sink, depth=2) as out:
        for i in range(50):
            out.write(b"%d," % i)
    assert b"".join(sink.parts) == b"".join(b"%d," % i for i in range(50))
    failing = Sink(fail_at=3)
    with pytest.raises(OSError, match="No space"), BackgroundWrites(failing, depth=2) as out:
        for _ in range(50):
            out.write(b"x")
    assert len(failing.parts) == 3
