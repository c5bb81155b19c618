"""containerlab topologies of the networks beside the compute fabric: one per network, its nodes and links exactly
that network's links.csv rows (names as links.csv, switch ports as the kind's names)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aifabric.cli.planning import plan_from
from aifabric.configs.netdevices import network_link_rows
from aifabric.export.containerlab import build_network_lab, clab_name, network_containerlab_yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("network", ["converged", "oob"])
def test_network_topology_is_its_links_csv_rows(network):
    result = plan_from(str(ROOT / "topologies" / "dgx-h100-superpod-4su.yaml"), {}, None)
    rows = [r for r in network_link_rows(result) if r[10] == network]
    lab = build_network_lab(network_link_rows(result), network, result.plan.name, max_nodes=10_000)
    document = yaml.safe_load(network_containerlab_yaml(lab, network, "arista_ceos"))
    assert document["name"] == f"dgx-h100-superpod-4su-{network}"
    nodes = document["topology"]["nodes"]
    assert set(nodes) == {clab_name(n) for r in rows for n in (r[0], r[2])}
    links = document["topology"]["links"]
    assert len(links) == len(rows)
    for link, row in zip(links, rows, strict=True):
        a, z = link["endpoints"]
        for end, device, port in ((a, row[0], row[1]), (z, row[2], row[3])):
            node, iface = end.split(":")
            assert node == clab_name(device)
            if nodes[node]["kind"] == "arista_ceos":
                assert iface == f"eth{int(port[3:])}" and device.startswith(f"{network}-")
            else:
                assert iface == port
    groups = {v["group"] for v in nodes.values()}
    assert f"{network}-leaf" in groups


def test_large_network_is_sliced_with_a_note(cli, tmp_path):
    code, _, err = cli("export", "fabric", str(ROOT / "topologies" / "spectrum-x-8k.yaml"), "-f", "containerlab",
                       "--network", "converged", "-o", str(tmp_path / "c.clab.yml"), "--max-nodes", "50")
    assert code == 0, err
    assert "representative slice" in err
    document = yaml.safe_load((tmp_path / "c.clab.yml").read_text())
    assert len(document["topology"]["nodes"]) <= 50


def test_infiniband_storage_is_refused(cli, tmp_path):
    code, _, err = cli("export", "fabric", str(ROOT / "topologies" / "dgx-h100-superpod-4su.yaml"), "-f",
                       "containerlab", "--network", "storage", "-o", str(tmp_path / "s.clab.yml"))
    assert code == 2 and "InfiniBand" in err


def test_representative_rows_keep_the_routed_shape():
    """Three tiers: a leaf pair in each of two pods, two spines per pod, and every kept spine reaches a kept core
    that every pod's spine of the same position reaches too (so the pods meet); rows are links.csv's, unchanged."""
    from aifabric.export.containerlab import representative_rows

    result = plan_from(str(ROOT / "topologies" / "gb200-nvl72-superpod.yaml"), {}, None)
    rows = [r for r in network_link_rows(result) if r[10] == "converged"]
    kept, width = representative_rows(rows, "converged")
    assert set(kept) <= set(rows)
    by_class = {}
    for r in kept:
        by_class.setdefault(r[7], []).append(r)
    leaves = {r[2] for r in by_class["node_leaf"]}
    spines = {r[2] for r in by_class["leaf_spine"]}
    cores = {r[2] for r in by_class["spine_core"]}
    assert len(leaves) == 4 and len(spines) == 4 and len(cores) == 2
    assert {s.split("-")[1] for s in spines} == {"pod000", "pod001"}
    assert {r[0] for r in by_class["spine_core"]} == spines  # every kept spine leads to a kept core
    for core in cores:  # and each kept core joins both pods
        assert {r[0].split("-")[1] for r in by_class["spine_core"] if r[2] == core} == {"pod000", "pod001"}
    assert width == min(sum(1 for r in by_class["leaf_spine"] if r[0] == leaf) for leaf in leaves) == 2
    assert len({r[0] for r in by_class["node_leaf"]}) == 4  # two nodes per pair
