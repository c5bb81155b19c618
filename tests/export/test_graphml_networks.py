"""graph.graphml with every planned network: the links of links.csv, each node and edge with its network."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

SPECS = {
    # Two NVL36x2 racks (inter-rack NVLink cables), converged, OOB and a storage network asked for in the spec.
    "nvl36x2": {"gpus": 72, "server": "gb200-nvl36x2", "switch": "sn5600", "networks": {
        "storage": {"enabled": True, "switch": "sn5600", "storage_nodes": 4, "port_gbps": 400}}},
    # DGX H100 SuperPOD: converged edge devices on spines, an InfiniBand storage fabric, OOB per row of racks.
    "dgx-h100": {"gpus": 512, "server": "dgx-h100", "switch": "qm9700"},
}


@pytest.fixture(scope="module", params=sorted(SPECS))
def written(request, tmp_path_factory):
    import yaml

    from aifabric.export.fabric_files import write_links
    from aifabric.export.graphml import write_graphml
    from aifabric.fabric.plan import plan_fabric

    folder = tmp_path_factory.mktemp("gmlnet")
    spec = folder / "spec.yaml"
    spec.write_text(yaml.safe_dump({"name": f"gml-{request.param}", **SPECS[request.param]}))
    result = plan_fabric(spec, {}, None)
    rows = list(csv.DictReader(write_links(folder / "links.csv", result).open(newline="")))
    path = write_graphml(folder / "graph.graphml", result.links, result.hardware, networks=result.networks)
    return result, rows, path


def server_ports_of(rows) -> set[str]:
    return {r["a_device"] for r in rows if "/server" in r["a_device"]}


def _read(path):
    """Read the graph with networkx, giving every element the key's default network where it has none."""
    import networkx as nx

    graph = nx.read_graphml(path, force_multigraph=True)
    assert graph.graph["node_default"] == graph.graph["edge_default"] == {"network": "compute"}
    for _, data in graph.nodes(data=True):
        data.setdefault("network", "compute")
    for _, _, data in graph.edges(data=True):
        data.setdefault("network", "compute")
    return graph


def test_edges_are_links_csv_rows_per_network_and_class(written):
    result, rows, path = written
    graph = _read(path)
    edges = Counter((d["network"], d["link_class"]) for _, _, d in graph.edges(data=True) if d["link_class"] != "host")
    assert edges == Counter((r["network"], r["link_class"]) for r in rows)
    assert {d["network"] for _, _, d in graph.edges(data=True)} == {r["network"] for r in rows}
    # A server's GPU NIC ports are nodes (host edges join them to it); its N/S, storage and BMC ports are the a_port
    # of its edges to the other networks' switches, as in links.csv.
    plan = result.plan
    hosts = Counter(d["network"] for _, _, d in graph.edges(data=True) if d["link_class"] == "host")
    assert hosts == Counter({"compute": plan.servers * plan.rails * plan.planes})
    server_ports = Counter((r["a_device"], r["a_port"], r["z_device"]) for r in rows
                           if "/server" in r["a_device"] and r["network"] != "compute")
    found = Counter((u, d["a_port"], v) if u in server_ports_of(rows) else (v, d["a_port"], u)
                    for u, v, d in graph.edges(data=True) if d["network"] != "compute"
                    and "/server" in (u + v) and d["link_class"] != "host")
    assert found == server_ports and server_ports
    # Lengths where links.csv has one; every edge its medium and speed.
    for _, _, d in graph.edges(data=True):
        if d["link_class"] != "host":
            assert ("length_m" in d) == (d["network"] != "nvlink")
            assert d["speed_gbps"] > 0
    lengths = Counter((d["network"], d["link_class"], float(d["length_m"])) for _, _, d in graph.edges(data=True)
                      if d["link_class"] != "host" and "length_m" in d)
    assert lengths == Counter((r["network"], r["link_class"], float(r["length_m"])) for r in rows if r["length_m"])


def test_every_device_is_a_node_with_network_and_role(written):
    result, rows, path = written
    graph = _read(path)
    devices = {r["a_device"] for r in rows} | {r["z_device"] for r in rows}
    assert devices <= set(graph.nodes)
    doc = result.document()["networks"]
    roles = Counter((d["network"], d["role"]) for _, d in graph.nodes(data=True))
    for network in ("converged", "storage", "oob"):
        for tier, count in doc.get(network, {}).get("switches", {}).items():
            assert roles[(network, tier)] == count, (network, tier)
    if "oob" in doc:
        for cls, count in doc["oob"]["managed_devices"].items():
            if cls in ("pdu", "power_shelf", "cdu"):
                assert roles[("oob", cls)] == count
    networks = {d["network"] for _, d in graph.nodes(data=True)}
    assert {"compute", "converged", "storage", "oob"} <= networks <= set(doc["total"]["planned"])


def test_same_bytes_twice_and_compute_only_unchanged(written, tmp_path):
    from aifabric.export.graphml import write_graphml

    result, _, path = written
    again = write_graphml(tmp_path / "again.graphml", result.links, result.hardware, networks=result.networks)
    assert again.read_bytes() == path.read_bytes()
    compute = write_graphml(tmp_path / "compute.graphml", result.links, result.hardware).read_text()
    assert "network" not in compute
    # The compute fabric's elements are byte for byte the compute-only graph's (their network is the default).
    full = path.read_text()
    body = compute.split("<graph ", 1)[1].rsplit("</graph>", 1)[0]
    nodes, edges = body.split("<edge ", 1)
    assert nodes.split(">", 1)[1] in full and "<edge " + edges in full
