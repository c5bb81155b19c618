"""The graph, built from the link table, counted against the solver for many random specs."""

from __future__ import annotations

from collections import Counter, defaultdict

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aifabric.errors import DesignError
from aifabric.fabric.graph import build_graph
from aifabric.fabric.plan import plan_spec
from aifabric.spec.fabric import FabricSpec

specs = st.builds(
    dict,
    servers=st.integers(min_value=1, max_value=700),
    server=st.sampled_from(["hgx-h100", "dgx-h100", "dgx-b300", "gb200-nvl72-tray"]),
    switch=st.sampled_from(["qm9700", "th4-64x400", "sn5600", "sn5400"]),
    planes=st.sampled_from([1, 2]),
    oversubscription=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    tiers=st.sampled_from(["auto", 3]),
)


def _spec(kw: dict, hardware) -> FabricSpec | None:
    nic = hardware.nic(hardware.server(kw["server"]).nic)
    port = nic.rate_gbps // kw["planes"]
    switch = hardware.switch(kw["switch"])
    if port not in switch.speeds_gbps:
        return None
    return FabricSpec(**kw, port_gbps=port)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kw=specs)
# 68 GB300 NVL72 racks on two SN5600 planes at 400G (two-rack leaf blocks): too many leaves for two tiers, few
# enough for one pod, so three tiers of a full pod of 32 leaf groups and a partial one.
@example(kw=dict(servers=18 * 68, server="gb300-nvl72", switch="sn5600", planes=2, oversubscription=1.0, tiers="auto"))
def test_graph_counts_equal_solver_counts(kw, hardware):
    spec = _spec(kw, hardware)
    if spec is None:
        return
    try:
        result = plan_spec(spec, hardware)
    except DesignError:
        return
    plan = result.plan
    graph = build_graph(result.links, hardware)
    roles = Counter(role for _, role in graph.nodes(data="role"))
    counts = plan.switch_counts()
    assert roles["server"] == plan.servers
    assert roles["nic"] == plan.servers * plan.rails * plan.planes
    assert roles["leaf"] == counts["leaf"]
    assert roles["spine"] == counts["spine"]
    assert roles["core"] == counts["core"]
    classes = Counter(cls for _, _, cls in graph.edges(data="link_class"))
    links = plan.link_counts()
    for cls in ("nic_leaf", "leaf_spine", "spine_core"):
        assert classes[cls] == links[cls]
    assert classes["host"] == plan.servers * plan.rails * plan.planes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kw=specs)
# 68 GB300 NVL72 racks on two SN5600 planes at 400G (two-rack leaf blocks): too many leaves for two tiers, few
# enough for one pod, so three tiers of a full pod of 32 leaf groups and a partial one.
@example(kw=dict(servers=18 * 68, server="gb300-nvl72", switch="sn5600", planes=2, oversubscription=1.0, tiers="auto"))
def test_every_nic_port_has_one_link_and_no_switch_overuses_ports(kw, hardware):
    spec = _spec(kw, hardware)
    if spec is None:
        return
    try:
        result = plan_spec(spec, hardware)
    except DesignError:
        return
    plan = result.plan
    switch = hardware.switch(plan.switch_id)
    graph = build_graph(result.links, hardware)
    ports_used: dict[str, list[str]] = defaultdict(list)
    for a, z, data in graph.edges(data=True):
        if data["link_class"] == "host":
            continue
        a_role = graph.nodes[a]["role"]
        if a_role != "nic":
            ports_used[a].append(data["a_port"])
        ports_used[z].append(data["z_port"])
    for node, role in graph.nodes(data="role"):
        if role == "nic":
            fabric = [d for _, _, d in graph.edges(node, data=True) if d["link_class"] != "host"]
            assert len(fabric) == 1
            # A leaf takes rails [rail, rail + rails_per_leaf): one rail in full SUs, several in a small packed one.
            leaf_rail = graph.nodes[next(n for n in graph.neighbors(node) if graph.nodes[n]["role"] == "leaf")]["rail"]
            assert leaf_rail <= graph.nodes[node]["rail"] < leaf_rail + plan.rails_per_leaf
    for node, ports in ports_used.items():
        assert len(ports) == len(set(ports)), f"{node} uses a port twice"
        # Ports at mixed speeds are counted in cages.
        assert len(ports) <= switch.radix(min(plan.port_gbps, plan.uplink_gbps))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kw=specs)
# Five SUs on QM9700 in three tiers: a full pod of four SUs and a last pod of one SU that must still reach every core.
@example(kw=dict(servers=160, server="dgx-h100", switch="qm9700", planes=1, oversubscription=1.0, tiers=3))
# 68 GB300 NVL72 racks on two SN5600 planes at 400G (two-rack leaf blocks): too many leaves for two tiers, few
# enough for one pod, so three tiers of a full pod of 32 leaf groups and a partial one.
@example(kw=dict(servers=18 * 68, server="gb300-nvl72", switch="sn5600", planes=2, oversubscription=1.0, tiers="auto"))
def test_balanced_tiers_and_every_core_reaches_every_pod(kw, hardware):
    spec = _spec(kw, hardware)
    if spec is None:
        return
    try:
        result = plan_spec(spec, hardware)
    except DesignError:
        return
    plan = result.plan
    graph = build_graph(result.links, hardware)
    pair_links: Counter = Counter()
    core_pods: dict[str, set] = defaultdict(set)
    spine_core_pairs: Counter = Counter()
    for a, z, data in graph.edges(data=True):
        if data["link_class"] == "leaf_spine":
            pair_links[(a, z)] += 1
        elif data["link_class"] == "spine_core":
            core_pods[z].add((graph.nodes[a]["plane"], graph.nodes[a]["pod"]))
            spine_core_pairs[(a, z)] += 1
    # Every leaf reaches every spine of its pod (of its rail's group, on rack-scale pods rail-optimized to the
    # top) with the same number of links.
    by_leaf: dict[str, Counter] = defaultdict(Counter)
    for (leaf, spine), n in pair_links.items():
        by_leaf[leaf][spine] = n
    for leaf, spines in by_leaf.items():
        pod = graph.nodes[leaf]["pod"]
        assert len(spines) == plan.pods[pod].spines_per_group
        assert set(spines.values()) == {plan.pods[pod].links_per_leaf_spine}
    if plan.tiers == 3:
        assert set(spine_core_pairs.values()) == {plan.core_links_per_pair}
        for core, pods in core_pods.items():
            plane = graph.nodes[core]["plane"]
            assert pods == {(plane, p) for p in range(len(plan.pods))}
