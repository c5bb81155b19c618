"""Rack-scale NVL72 systems: NVIDIA's published SU tables, the NVLink domain, racks and their power."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest

from aifabric.fabric.plan import plan_fabric, plan_spec
from aifabric.spec.fabric import FabricSpec

# NVIDIA DGX SuperPOD with DGX GB200 (RA-11338-001), sec. 4.2 "Compute Fabric", Table 4.1 "Larger SuperPOD
# component counts", p. 15 (the HTML edition, docs.nvidia.com/dgx-superpod/reference-architecture-scalable-
# infrastructure-gb200/latest/network-fabrics.html, numbers it Table 3): GPUs, SUs, core groups, switches per core
# group, core switches, IB leaf switches per SU and in total, IB spine switches per SU and in total.
GB200_TABLE_4_1 = [
    (1152, 2, 6, 3, 18, 32, 64, 24, 48),
    (2304, 4, 6, 6, 36, 32, 128, 24, 96),
    (4608, 8, 6, 12, 72, 32, 256, 24, 192),
    (9216, 16, 6, 24, 144, 32, 512, 24, 384),
]


@pytest.mark.parametrize("row", GB200_TABLE_4_1, ids=lambda r: f"{r[0]}gpus")
def test_gb200_superpod_table_4_1_exactly(row, hardware):
    gpus, sus, groups, per_group, cores, leaf_su, leaf, spine_su, spine = row
    spec = FabricSpec(gpus=gpus, server="gb200-nvl72", switch="qm9700", tiers=3, sus_per_pod=8)
    plan = plan_spec(spec, hardware).plan
    counts = plan.switch_counts()
    nvidia_sus = plan.system_racks // 8  # NVIDIA's SU: 8 racks
    assert nvidia_sus == sus
    assert plan.core_groups == groups and plan.cores_per_group == per_group
    assert counts["core"] == cores
    assert counts["leaf"] == leaf and counts["leaf"] // sus == leaf_su
    assert counts["spine"] == spine and counts["spine"] // sus == spine_su
    # Sec. 4.2: each SU has 4 spine-leaf groups (one per IB rail = GPUs per tray) of 8 leaves (one per rack) and
    # 6 spines; a leaf takes one rail of one rack's 18 trays.
    assert plan.rails == 4 and plan.leaf_downlinks == 18
    pod = plan.pods[0]
    assert pod.rail_groups == 4 and pod.spines_per_group == 6 and pod.leaves // plan.rails == 8


def test_gb200_superpod_one_su_is_one_leaf_per_rack_per_rail(hardware):
    """RA-11338-001 "Compute Fabric" (network-fabrics.html, Figure 9 "Compute fabric for full 576 GPUs DGX
    SuperPOD"): "Each compute rack is rail-aligned ... Traffic between different compute racks, or between different
    rails, traverses the spine layer", i.e. one leaf per rack per rail. Figure 9 is an image; AI闲谈 ("NVIDIA
    B200/B300/GB200/GB300 集群互联", sec. 5.3) reads it as 32 QM9700 leaves (8 per rail, 18 down / 18 up) and 9
    spines with 2 links to every leaf, 576 node-leaf and 576 leaf-spine cables."""
    result = plan_spec(FabricSpec(gpus=576, server="gb200-nvl72", switch="qm9700"), hardware)
    plan, ls = result.plan, result.links.sets["nic_leaf"]
    assert plan.tiers == 2 and plan.system_racks == 8
    assert (plan.switch_counts()["leaf"], plan.switch_counts()["spine"]) == (32, 9)
    assert (plan.leaf_downlinks, plan.leaf_uplinks, plan.pods[0].links_per_leaf_spine) == (18, 18, 2)
    assert (plan.link_counts()["nic_leaf"], plan.link_counts()["leaf_spine"]) == (576, 576)
    place = {(tray // plan.trays_per_rack, rail) for tray, rail in zip(ls.a.tolist(), ls.a_port.tolist(), strict=True)}
    per_leaf = defaultdict(set)
    for tray, rail, leaf in zip(ls.a.tolist(), ls.a_port.tolist(), ls.z.tolist(), strict=True):
        per_leaf[leaf].add((tray // plan.trays_per_rack, rail))
    assert len(place) == 32 and all(len(v) == 1 for v in per_leaf.values()) and len(per_leaf) == 32


def test_gb200_superpod_su_power_and_size():
    """RA-11338-001 "DGX SuperPOD Architecture" (dgx-superpod-architecture.html): "Each SU requires a Thermal Design
    Power (TDP) of 1.2 Megawatts (MW)" for 8 DGX GB200 racks, and the SuperPOD scales "up to and beyond 128 racks with
    9216 GPUs". The 16 SU reference design has those 128 racks, and per SU its compute racks and its compute fabric
    (switches, optics, NICs) stay within the 1.2 MW TDP."""
    result = plan_fabric("topologies/gb200-nvl72-superpod.yaml")
    site = result.site()
    assert result.plan.gpus == 9216 and site["compute_racks"] == 128 == 16 * 8
    assert site["compute_mw"] / 16 <= site["it_mw"] / 16 <= 1.2


# NVIDIA DGX SuperPOD with DGX B300, Quantum-X800 InfiniBand and AC power (RA-11339-001), section "DGX SuperPOD
# Architecture", Table 3 "Example Compute Fabric Components for DGX SuperPOD Counts" (docs.nvidia.com/dgx-superpod/
# reference-architecture/scalable-infrastructure-b300-xdr/latest/dgx-superpod-architecture.html): SU count, nodes,
# GPUs, leaf and spine Q3400 switches, node-leaf and leaf-spine cables. Every row the table lists.
B300_XDR_TABLE_3 = [
    (1, 72, 576, 8, 4, 576, 576),
    (2, 144, 1152, 16, 8, 1152, 1152),
    (4, 288, 2304, 32, 18, 2304, 2304),
    (8, 576, 4608, 64, 36, 4608, 4608),
    (18, 1296, 10368, 144, 72, 10368, 10368),
]


@pytest.mark.parametrize("row", B300_XDR_TABLE_3, ids=lambda r: f"{r[0]}su")
def test_b300_xdr_superpod_table_3_exactly(row, hardware):
    """Two tiers of 144-port Q3400 at 800G XDR; the spine count is the least that takes every leaf uplink AND
    divides a leaf's 72 uplinks evenly (4 SU: 16 would leave 72/16 uneven, so 18; 8 SU: 36, not 32)."""
    sus, nodes, gpus, leaf, spine, node_leaf, leaf_spine = row
    plan = plan_spec(FabricSpec(gpus=gpus, server="dgx-b300", switch="q3400"), hardware).plan
    assert plan.servers == nodes and plan.tiers == 2
    assert plan.switch_counts()["leaf"] == leaf and plan.switch_counts()["spine"] == spine
    links = plan.link_counts()
    assert links["nic_leaf"] == node_leaf and links["leaf_spine"] == leaf_spine


# NVIDIA SuperPOD DGX B300 Systems, Spectrum-4 Ethernet and DC Busbar Power RA, section "DGX SuperPOD
# Architecture", Table 3 "Larger DGX SuperPOD component counts" (docs.nvidia.com/dgx-superpod/reference-architecture/
# scalable-infrastructure-b300/latest/dgx-superpod-architecture.html): SU count, nodes, GPUs, leaf and spine switches,
# node-leaf and leaf-spine cables. SU = 64 DGX B300; each ConnectX-8 800G port splits into 2 x 400G, one per plane,
# on SN5600 at 128 x 400G. Every row the table lists.
B300_SPECTRUM4_TABLE_3 = [
    (1, 64, 512, 16, 8, 512, 512),
    (2, 128, 1024, 32, 16, 1024, 1024),
    (4, 256, 2048, 64, 32, 2048, 2048),
    (8, 512, 4096, 128, 64, 4096, 4096),
    (16, 1024, 8192, 256, 128, 8192, 8192),
]


@pytest.mark.parametrize("row", B300_SPECTRUM4_TABLE_3, ids=lambda r: f"{r[0]}su")
def test_b300_spectrum4_superpod_table_3_exactly(row, hardware):
    """Two SN5600 planes at 400G, two tiers: both planes' leaves and spines together are the table's counts. The
    table counts 800G cables: a node-leaf cable is one GPU's twin-port OSFP (split to its two planes' leaves, one NIC
    module each) and a leaf-spine cable joins one twin-port cage to another, carrying two 400G links."""
    sus, nodes, gpus, leaf, spine, node_leaf, leaf_spine = row
    spec = FabricSpec(gpus=gpus, server="dgx-b300", nic="connectx-8", nic_gbps=800, planes=2, port_gbps=400,
                      switch="sn5600")
    result = plan_spec(spec, hardware)
    plan = result.plan
    assert plan.servers == nodes and plan.tiers == 2 and plan.leaf_downlinks == 64 and plan.sus == sus
    assert (plan.switch_counts()["leaf"], plan.switch_counts()["spine"]) == (leaf, spine)
    assert result.document()["transceivers_by_side"]["nic"] == {"osfp-2xsr4-flt": node_leaf}
    assert plan.link_counts()["leaf_spine"] == 2 * leaf_spine


# NVIDIA DGX SuperPOD with DGX GB300 ("NVIDIA DGX SuperPOD: Next Generation Scalable Infrastructure for AI Leadership
# - Reference Architecture featuring NVIDIA DGX GB300", docs.nvidia.com/pdf/dgx-spod-gb300-ra.pdf): SU = 8 DGX GB300
# racks = 144 compute trays = 576 GPUs, each GPU one ConnectX-8 at 800G XDR to a Quantum-X800 Q3400-RD, one plane,
# two tiers, 2 to 16 SUs (1,152 to 9,216 GPUs). NVIDIA's PDF is NOT in any corpus we could search (docs, pages, code,
# issues; queries: "dgx-spod-gb300-ra", "DGX GB300 SuperPOD compute fabric", "GB300 scalable unit leaf spine switches
# table", "Q3400-RD compute fabric DGX GB300 SU", "Larger SuperPOD component counts", "Next Generation Scalable
# Infrastructure ... DGX GB300"), and no HTML edition of it is stored. So every GB300 row below is a THIRD-PARTY
# transcription of its InfiniBand compute-fabric table, each row with the copy that states it:
#   2 SU: 16 leaf / 8 spine  - a GB300 NVL72 floor planner's design notes ("at 1,152 GPU ... NVIDIA's Table 3 row -
#                              16 leaf, 8 spine"; its fabricFor() transcribes "RA Tables 3/4");
#   8 SU: 64 leaf / 36 spine - the same planner's NVL72 fingerprint for 64 compute racks ("64 leaf / 36 spine");
#  16 SU: 128 leaf / 72 spine - AI闲谈, "NVIDIA B200/B300/GB200/GB300 集群互联" (sec. 5.3 on the GB300 SuperPod RA:
#                              "9216 GPU 只需要 128+72=200 个 Q3400").
# No copy found states the 4 SU row; it is checked below against the primary B300 XDR table instead.
GB300_SUPERPOD_ROWS = [(2, 16, 8), (8, 64, 36), (16, 128, 72)]


@pytest.mark.parametrize("row", GB300_SUPERPOD_ROWS, ids=lambda r: f"{r[0]}su")
def test_gb300_superpod_xdr_compute_fabric(row, hardware):
    sus, leaf, spine = row
    gpus = sus * 576
    plan = plan_spec(FabricSpec(gpus=gpus, server="gb300-nvl72", switch="q3400"), hardware).plan
    assert plan.system_racks == 8 * sus and plan.tiers == 2 and plan.planes == 1 and plan.port_gbps == 800
    counts = plan.switch_counts()
    assert counts["leaf"] == leaf and counts["spine"] == spine
    assert plan.link_counts()["nic_leaf"] == gpus == plan.link_counts()["leaf_spine"]


@pytest.mark.parametrize("row", B300_XDR_TABLE_3[:4], ids=lambda r: f"{r[0]}su")
def test_gb300_su_is_the_b300_xdr_su_so_its_fabric_is_table_3s(row, hardware):
    """A GB300 SU (576 x 800G XDR endpoints on Q3400, 72 per leaf) is the same fabric as a DGX B300 XDR SU, so for
    1, 2, 4 and 8 SUs its switches and cables equal RA-11339-001 Table 3's row, the primary source we have for the
    4 SU count (32 leaf / 18 spine) that no GB300 copy states."""
    sus, _nodes, gpus, leaf, spine, node_leaf, leaf_spine = row
    plan = plan_spec(FabricSpec(gpus=gpus, server="gb300-nvl72", switch="q3400"), hardware).plan
    assert plan.system_racks == 8 * sus
    assert (plan.switch_counts()["leaf"], plan.switch_counts()["spine"]) == (leaf, spine)
    assert (plan.link_counts()["nic_leaf"], plan.link_counts()["leaf_spine"]) == (node_leaf, leaf_spine)


def test_gb300_leaf_takes_one_rail_of_four_whole_racks(hardware):
    """The GB300 SuperPOD's rail layout as AI闲谈 (sec. 5.3) reads the RA's compute-fabric figure: 8 leaves per SU;
    a leaf joins 4 racks with 4 x 18 = 72 of its 800G ports; two leaves make one rail, together reaching all 8 racks
    of the SU. Every GPU position r of every tray is on rail r (the RA's rails = GPUs per tray)."""
    result = plan_spec(FabricSpec(gpus=2 * 576, server="gb300-nvl72", switch="q3400"), hardware)
    plan, ls = result.plan, result.links.sets["nic_leaf"]
    racks_of, rails_of = defaultdict(set), defaultdict(set)
    for tray, rail, leaf in zip(ls.a.tolist(), ls.a_port.tolist(), ls.z.tolist(), strict=True):
        racks_of[leaf].add(tray // plan.trays_per_rack)
        rails_of[leaf].add(rail)
    assert len(racks_of) == 16 and plan.rails == 4
    assert all(len(rails) == 1 for rails in rails_of.values())
    assert all(len(racks) == 4 for racks in racks_of.values())
    assert Counter(ls.z.tolist()) == dict.fromkeys(range(16), 72)
    for su in range(2):  # two leaves per rail per 8-rack SU, which between them take all 8 racks
        su_racks = set(range(8 * su, 8 * su + 8))
        for rail in range(4):
            leaves = [leaf for leaf, racks in racks_of.items() if racks <= su_racks and rails_of[leaf] == {rail}]
            assert len(leaves) == 2 and set().union(*(racks_of[leaf] for leaf in leaves)) == su_racks


def test_gb300_superpod_reference_design(hardware):
    """topologies/gb300-nvl72-superpod.yaml: 16 SUs of 8 GB300 NVL72 racks on Quantum-X800 XDR, the RA's largest
    row (128 leaf + 72 spine); the BOM orders its 128 racks whole, its 2,304 trays and 1,152 NVLink switch trays
    appear only as spares; the compute racks of an SU draw at most the 1.2 MW TDP the RA gives per 8-rack SU (p. 5,
    as third-party notes transcribe it) at the Enterprise RA's "up to 142 kW" per rack."""
    result = plan_fabric("topologies/gb300-nvl72-superpod.yaml")
    plan = result.plan
    assert (plan.switch_counts()["leaf"], plan.switch_counts()["spine"]) == (128, 72)
    assert plan.system_racks == 128 and plan.nic_id == "connectx-8" and plan.port_gbps == 800
    lines = {line.catalog_id: line for line in result.bom() if line.category == "system"}
    assert {k: v.quantity for k, v in lines.items()} == {
        "gb300-nvl72": 128, "gb300-nvl72-compute-tray": 0, "gb300-nvl72-nvlink-switch-tray": 0}
    assert lines["gb300-nvl72-compute-tray"].installed == 2304
    assert lines["gb300-nvl72-nvlink-switch-tray"].installed == 1152
    assert lines["gb300-nvl72-compute-tray"].spares > 0 and lines["gb300-nvl72"].spares == 0
    assert result.site()["compute_mw"] == pytest.approx(128 * 0.142)
    assert result.site()["compute_mw"] / 16 <= 1.2


def test_gb300_nvl72_rack_power_is_the_enterprise_ra_figure(hardware):
    """NVIDIA Enterprise RA, GB300 NVL72 with Spectrum-X (System Hardware): a full rack draws "up to 142 kW"
    (8 power shelves of 33 kW). The site counts that published figure, not a sum of guessed trays."""
    system = hardware.servers["gb300-nvl72"]
    assert system.rack_power_w() == system.rack_power_max_w == 142_000


def test_gb200_superpod_links_are_rail_optimized_to_the_top(hardware):
    """A rail-r leaf reaches only rail r's spines; spine j of a rail group reaches only core group j; every core
    reaches every pod with the same number of links; no port is used twice."""
    result = plan_fabric("topologies/gb200-nvl72-superpod.yaml")
    plan, links = result.plan, result.links
    ls = links.sets["leaf_spine"]
    spr = plan.pods[0].spines_per_group
    assert ((ls.z // spr) == (ls.a % plan.rails)).all()
    sc = links.sets["spine_core"]
    assert ((sc.z // plan.cores_per_group) == (sc.a % spr)).all()
    per_pair = Counter(zip(sc.a_pod.tolist(), sc.a.tolist(), sc.z.tolist(), strict=True))
    assert set(per_pair.values()) == {plan.core_links_per_pair}
    pods_of_core = defaultdict(set)
    for pod, core in zip(sc.a_pod.tolist(), sc.z.tolist(), strict=True):
        pods_of_core[core].add(pod)
    assert all(pods == set(range(len(plan.pods))) for pods in pods_of_core.values())
    core_ports = Counter(zip(sc.z.tolist(), sc.z_port.tolist(), strict=True))
    assert max(core_ports.values()) == 1 and max(sc.z_port) < plan.radix_up
    spine_ports = Counter(zip(ls.z_pod.tolist(), ls.z.tolist(), ls.z_port.tolist(), strict=True))
    assert max(spine_ports.values()) == 1


def test_gb300_enterprise_ra_two_racks(hardware):
    """NVIDIA Enterprise RA GB300 NVL72 + Spectrum-X (2026 March), '2 Racks, 36 Trays with 144 Blackwell Ultra GPUs'
    (p. 25): each plane uses 4 leaf switches (one per GPU position), each leaf serving two racks; up to 12 SN5600
    for the dual-plane GPU network; 144 x 400G GPU links per rack (72 GPUs x 2 planes)."""
    spec = FabricSpec(gpus=144, server="gb300-nvl72", nic="connectx-8", nic_gbps=800, planes=2, port_gbps=400,
                      switch="sn5600", servers_per_su=36)
    plan = plan_spec(spec, hardware).plan
    assert plan.switch_counts()["leaf"] // plan.planes == 4
    assert plan.switch_counts()["total"] == 12
    assert plan.link_counts()["nic_leaf"] // plan.system_racks == 144


def test_nvl72_tray_no_longer_straddles_racks_issue_failure_1(cli):
    """Issue failure 1: `--server gb200-nvl72-tray --gpus 576` gave 5 SUs of 32 trays straddling racks and no
    NVLink trays or rack power. SUs are now whole racks; the 8 racks, their 72 NVLink switch trays and the rack
    power are in the plan."""
    code, out, _ = cli("fabric", "plan", "--gpus", "576", "--server", "gb200-nvl72-tray", "--switch", "qm9700",
                       "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["servers_per_su"] % 18 == 0
    assert doc["scale_up"] == {"domain_gpus": 72, "nvlink_switch_trays": 72, "racks": 8, "compute_trays": 144,
                               "domains": 8}
    assert doc["site"]["compute_racks"] == 8
    # 8 racks at the catalog's rack figure (132 kW, UNSURE), not a sum of trays.
    assert doc["site"]["compute_mw"] == pytest.approx(8 * 132 / 1000, abs=1e-3)


def test_bom_counts_racks_trays_and_nvlink_switch_trays(hardware):
    result = plan_fabric("topologies/gb200-nvl72-superpod.yaml")
    lines = {line.catalog_id: line for line in result.bom() if line.category == "system"}
    assert lines["gb200-nvl72"].quantity == 128
    # Trays ship inside the rack SKU: listed for their spares only.
    assert lines["gb200-nvl72-compute-tray"].quantity == 0
    assert lines["gb200-nvl72-compute-tray"].installed == 128 * 18
    assert lines["gb200-nvl72-nvlink-switch-tray"].installed == 128 * 9
    assert lines["gb200-nvl72-nvlink-switch-tray"].unit_power_w > 0


def test_eight_gpu_servers_have_no_scale_up_block_values(cli):
    code, out, _ = cli("fabric", "plan", "--gpus", "1024", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["scale_up"]["domain_gpus"] == 0 and doc["scale_up"]["nvlink_switch_trays"] == 0


def test_scale_up_domain_must_fit_the_system(cli):
    code, _, err = cli("fabric", "plan", "--gpus", "1024", "--server", "hgx-h100", "--scale-up-domain", "72")
    assert code == 2 and "--scale-up-domain" in err and "rack-scale" in err
    code, _, err = cli("fabric", "plan", "--gpus", "1152", "--server", "gb200-nvl72", "--scale-up-domain", "70")
    assert code == 2 and "multiple of 4" in err


def test_nvl36x2_domain_spans_two_racks(hardware):
    spec = FabricSpec(gpus=1152, server="gb200-nvl36x2", switch="qm9700")
    result = plan_spec(spec, hardware)
    assert result.plan.trays_per_rack == 9
    assert result.plan.system_racks == 32
    assert result.document()["scale_up"]["domains"] == 16
    assert result.plan.leaf_downlinks % 9 == 0


def _decode_static_paths(result, seed=3):
    """Static-hash paths of a random permutation on a rail-grouped fabric, decoded back into link-table rows."""
    import numpy as np

    from aifabric.fabric.ecmp import EcmpModel, traffic_pairs

    model = EcmpModel(result.links)
    rng = np.random.default_rng(seed)
    src, dst = traffic_pairs(model, "random-permutation", 2, rng)
    return model, src, dst, model.static_paths(src, dst, rng)


RAIL_GROUPED = {
    "gb200-superpod": ("topologies/gb200-nvl72-superpod.yaml", None),
    # Spectrum-X, two planes, three pods of which the last is partly filled.
    "spectrum-x-50k": (None, {"gpus": 50000, "server": "gb200-nvl72", "nic": "bluefield-3-b3140h", "planes": 2,
                              "port_gbps": 200, "switch": "sn5600", "tiers": 3}),
}


@pytest.mark.parametrize("case", sorted(RAIL_GROUPED))
def test_ecmp_routes_rail_grouped_fabrics_on_their_own_links(case, hardware):
    """Before: `fabric ecmp` refused the NVL72 three-tier designs rail-optimized to the top. Every hop of a static
    path is a real link and consecutive hops meet at the same switch: the leaf's uplink goes to a spine of its own
    rail group, the spine's uplink to a core of group j, the core back down spine j of the destination's rail group
    in its pod, and that spine to the destination leaf."""
    import numpy as np

    result = plan_fabric(*RAIL_GROUPED[case])
    plan, sets = result.plan, result.links.sets
    assert plan.rail_pods
    model, src, dst, hops = _decode_static_paths(result)
    b, u, spr = model.base, plan.leaf_uplinks, plan.pods[0].spines_per_group
    ls, sc = sets["leaf_spine"], sets["spine_core"]
    leaf_a, leaf_b = model.leaf_of(src), model.leaf_of(dst)
    remote = leaf_a != leaf_b
    up = hops[remote, 1] - b["ls_up"]
    down = hops[remote, 4] - b["ls_down"]
    assert (ls.a[up] == leaf_a[remote]).all() and (ls.a[down] == leaf_b[remote]).all()
    assert (ls.z[up] // spr == leaf_a[remote] % plan.rails).all()  # a leaf climbs only into its rail group
    turned = hops[:, 2] >= 0
    same_group = remote & (model.group_of(leaf_a) == model.group_of(leaf_b))
    assert (turned == (remote & ~same_group)).all() and turned.any() and same_group.any()
    # Turning at a spine: the way down is a link of the very spine the flow climbed to.
    flat = same_group[remote]
    assert (ls.z[down[flat]] == ls.z[up[flat]]).all() and (ls.z_pod[down[flat]] == ls.z_pod[up[flat]]).all()
    # Through a core: spine -> core -> spine -> leaf, each hop starting where the last ended.
    sc_up, sc_down = hops[turned, 2] - b["sc_up"], hops[turned, 3] - b["sc_down"]
    ls_up_t, ls_down_t = hops[turned, 1] - b["ls_up"], hops[turned, 4] - b["ls_down"]
    assert (sc.a[sc_up] == ls.z[ls_up_t]).all() and (sc.a_pod[sc_up] == ls.z_pod[ls_up_t]).all()
    assert (sc.z[sc_up] == sc.z[sc_down]).all()
    assert (sc.a[sc_down] == ls.z[ls_down_t]).all() and (sc.a_pod[sc_down] == ls.z_pod[ls_down_t]).all()
    # A cross-rail flow inside one pod climbs to a core too (no spine joins two rails).
    pod = model.pod_of(leaf_a)
    cross_rail = remote & (pod == model.pod_of(leaf_b)) & (leaf_a % plan.rails != leaf_b % plan.rails)
    assert cross_rail.any() and turned[cross_rail].all()
    cross_pod = pod != model.pod_of(leaf_b)
    assert cross_pod.any() and turned[cross_pod].all()
    assert np.unique(hops[hops[:, 1] >= 0, 1]).size <= u * plan.leaves_per_plane


def test_ecmp_on_a_rail_grouped_superpod_adaptive_is_line_rate_static_collides(cli):
    """The non-blocking GB200 SuperPOD: spraying a permutation reaches line rate; static hashing loses throughput to
    collisions, no better than the leaf's first hashing stage alone (1 - (1 - 1/u)^u)."""
    runs = {}
    for routing in ("adaptive", "static-hash"):
        code, out, err = cli("fabric", "ecmp", "topologies/gb200-nvl72-superpod.yaml", "--routing", routing,
                             "--trials", "2", "--json")
        assert code == 0, err
        runs[routing] = json.loads(out)
    assert runs["adaptive"]["aggregate_share"]["min"] == pytest.approx(1.0, abs=0.01)
    static = runs["static-hash"]["aggregate_share"]["mean"]
    assert 0.3 < static < runs["static-hash"]["closed_form_first_stage_share"] + 0.02 < 1.0


def test_sweep_varies_the_system_and_reports_site_power(cli, tmp_path):
    """The sweep varies the system (8-GPU servers vs NVL72 racks) and pluggable vs co-packaged switches, and reports
    IT and facility MW per candidate; --max-site-mw makes the ones above the site infeasible."""
    code, out, err = cli("fabric", "sweep", "--gpus", "9216", "--vary", "switch=q3400,q3450-ld",
                         "--vary", "server=gb300-nvl72,dgx-b300", "--json", "-o", str(tmp_path / "s"))
    assert code == 0, err
    rows = {(c["switch"], c["server"]): c for c in json.loads(out)["candidates"]}
    assert all(c["feasible"] for c in rows.values()), [c["reason"] for c in rows.values()]
    # Co-packaged optics: same switches, no switch-side modules, less network power.
    assert rows[("q3450-ld", "gb300-nvl72")]["power_kw"] < rows[("q3400", "gb300-nvl72")]["power_kw"]
    assert rows[("q3400", "gb300-nvl72")]["facility_mw"] > rows[("q3400", "gb300-nvl72")]["it_mw"] > 0
    code, out, err = cli("fabric", "sweep", "--gpus", "9216", "--vary", "switch=q3400,q3450-ld", "--server",
                         "gb300-nvl72", "--max-site-mw", "10", "--json", "-o", str(tmp_path / "t"))
    assert code == 0, err
    assert all(not c["feasible"] and "max_site_mw" in c["reason"] for c in json.loads(out)["candidates"])


def test_sweep_varies_pluggable_vs_co_packaged_on_an_ethernet_design(cli, tmp_path):
    """Before: Spectrum-6's 200G lanes matched no catalog Ethernet NIC, so pluggable vs CPO could only be shown on
    InfiniBand (Q3400 vs Q3450-LD). ConnectX-9 (800GbE on 4 x 200G lanes, announced) in the DGX Rubin NVL8 pairs
    with them: on Ethernet the sweep compares a pluggable 200G-lane switch (Tomahawk 6 class, 1.6T modules in its
    cages) with the Spectrum-X Photonics SN6810 and SN6800 (co-packaged: no switch-side modules, less power), and
    says why a 100G-lane SN5600 cannot join the NIC."""
    code, out, err = cli("fabric", "sweep", "--gpus", "9216", "--server", "dgx-rubin-nvl8", "--vary",
                         "switch=sn5600,th6-64x1600,sn6810,sn6800", "--json", "-o", str(tmp_path / "s"))
    assert code == 0, err
    rows = {c["switch"]: c for c in json.loads(out)["candidates"]}
    assert not rows["sn5600"]["feasible"] and "100G lanes" in rows["sn5600"]["reason"]
    assert rows["sn5600"]["optics"] == "pluggable"  # an infeasible candidate still says which optics it had
    pluggable, cpo = rows["th6-64x1600"], [rows["sn6810"], rows["sn6800"]]
    assert pluggable["feasible"] and pluggable["optics"] == "pluggable"
    assert all(c["feasible"] and c["optics"] == "co-packaged" for c in cpo)
    # Co-packaged: only the NICs' 9,216 modules remain; the pluggable design adds its switch-side modules.
    assert all(c["transceivers"] == 9216 for c in cpo) and pluggable["transceivers"] > 9216
    assert all(c["power_kw"] < pluggable["power_kw"] and c["it_mw"] < pluggable["it_mw"] for c in cpo)
    assert all(c["gpu_gbps"] == 800 for c in [pluggable, *cpo])
    csv_header = (tmp_path / "s" / "sweep.csv").read_text().splitlines()[0].split(",")
    assert "optics" in csv_header


def test_connectx_8_ethernet_cannot_join_spectrum_6_but_connectx_9_can(hardware):
    from aifabric.errors import AifabricError

    with pytest.raises(AifabricError) as exc:
        plan_spec(FabricSpec(gpus=1024, server="dgx-b300", switch="sn6810", planes=2, port_gbps=400), hardware)
    assert "lane" in exc.value.message
    result = plan_spec(FabricSpec(gpus=1024, server="dgx-rubin-nvl8", switch="sn6810"), hardware)
    assert result.plan.nic_id == "connectx-9" and result.plan.port_gbps == 800
    assert not result.document()["parts"]["switch_modules"]


def test_colossus_2_fits_its_site_and_its_bom_counts_nvl72_racks_and_nvlink_trays():
    """Issue 14 acceptance: Colossus 2 plans within its 1.2 GW site (the spec's max_site_mw would make it an error
    otherwise) and its BOM orders whole NVL72 racks (issue 21: no 16-tray rack; the trays and NVLink switch trays
    inside appear as spares only), whose rack power is the site's compute power. Issue 24: the limit holds for the
    whole site (every network), so the spec plans 25 full pods of 7-rack leaf groups (541,800 GPUs), not 550,000."""
    result = plan_fabric("topologies/colossus-2.yaml")
    site = result.site()
    racks = 25 * 43 * 7  # 25 pods of 43 leaf groups of 7 racks
    assert site["compute_racks"] == racks == 7525
    assert result.plan.servers == racks * 18 and result.plan.gpus == racks * 72 == 541_800
    assert "gpus_requested" not in result.document()
    assert site["facility_mw"] <= site["facility_mw_all_networks"] <= site["max_site_mw"] == 1200
    assert site["facility_mw"] == pytest.approx(site["it_mw"] * 1.1, abs=1e-3)
    lines = {line.catalog_id: line for line in result.bom() if line.category == "system"}
    assert lines["gb200-nvl72"].quantity == racks
    trays, switch_trays = lines["gb200-nvl72-compute-tray"], lines["gb200-nvl72-nvlink-switch-tray"]
    assert trays.installed == racks * 18 and switch_trays.installed == 9 * racks
    assert trays.quantity == switch_trays.quantity == 0
    assert site["compute_mw"] == pytest.approx(racks * lines["gb200-nvl72"].unit_power_w / 1e6, abs=1e-3)
    assert site["halls"] > 1 and site["buildings"] > 1


# NVIDIA NVL72 AI Factory Enterprise RA (GB300 NVL72, Spectrum-X SN5600 at 400G, two planes, a leaf per rail per
# plane serving a block of two racks): Appendix B Table 11, SN5600 "compute core fabric" for 1 to 8 SUs (racks), and
# Table 6's leaf/spine split at 2, 4 and 8 racks. The tables are images in NVIDIA's PDF; these rows are a
# third-party transcription (tests/reference/ra_networks.yaml, source era-nvl72-tables).
ERA_NVL72_TABLE_11 = [(1, 12), (2, 12), (3, 24), (4, 24), (5, 32), (6, 32), (7, 44), (8, 44)]
ERA_NVL72_TABLE_6 = {2: (8, 4), 4: (16, 8), 8: (32, 12)}


@pytest.mark.parametrize("row", ERA_NVL72_TABLE_11, ids=lambda r: f"{r[0]}racks")
def test_nvl72_enterprise_ra_compute_fabric_per_su(row, hardware):
    """Every Table 11 column, and Table 6's split: the underpopulated leaf (36 of 64 downlinks) keeps exactly 36
    uplinks, and the spines of a plane come in pairs that divide them evenly (2, 4, 4, 6 per plane; the fewest
    spines alone would give 2, 3, 4, 5 and the published 4 and 8 rack counts would be missed)."""
    racks, total = row
    spec = FabricSpec(gpus=72 * racks, server="gb300-nvl72", nic="connectx-8", nic_gbps=800, planes=2,
                      port_gbps=400, switch="sn5600", racks_per_leaf=2)
    plan = plan_spec(spec, hardware).plan
    counts = plan.switch_counts()
    assert plan.tiers == 2 and counts["total"] == total
    if racks in ERA_NVL72_TABLE_6:
        assert (counts["leaf"], counts["spine"]) == ERA_NVL72_TABLE_6[racks]
    pod = plan.pods[0]
    assert plan.leaf_downlinks == 36 == plan.leaf_uplinks == pod.spines * pod.links_per_leaf_spine
    assert pod.spines % 2 == 0


def test_spine_pairs_only_for_an_underpopulated_rack_block(hardware):
    """The pairing is the NVL72 Enterprise RA's, for a leaf block with room for more racks: a GB200 rack per
    QM9700 leaf (a full block) keeps the DGX SuperPOD GB200's 9 spines for 8 racks (RA-11338-001 Figure 9)."""
    plan = plan_spec(FabricSpec(gpus=576, server="gb200-nvl72", switch="qm9700"), hardware).plan
    assert plan.switch_counts()["spine"] == 9
