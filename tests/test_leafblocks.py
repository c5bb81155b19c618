"""Leaf blocks of rack-scale systems: how many racks one leaf serves for one rail in one plane (`racks_per_leaf`).

NVIDIA sizes the block in powers of two racks, whatever the leaf could hold:
- DGX SuperPOD GB200 (RA-11338-001, sec. 4.2, Figure 9; docs.nvidia.com/dgx-superpod/reference-architecture-
  scalable-infrastructure-gb200/latest/network-fabrics.html): one rack per QM9700 leaf (18 of 32 downlinks).
- NVL72 Enterprise RA, GB300 NVL72 with Spectrum-X (docs.nvidia.com/enterprise-reference-architectures/nvl72-ai-
  factory/latest/networking-physical-topologies.html, "GPU Compute (Node East/West) Network"; 2026 March PDF
  pp. 25, 29-30): two racks per SN5600 leaf at 400G; the leaf "can support up to three racks but is intentionally
  underpopulated to serve only two".
- DGX SuperPOD GB300 (third-party readings of its compute-fabric figure, see tests/test_rackscale.py): four racks
  per Q3400 leaf (72 of 72 downlinks at 800G).
"""

from __future__ import annotations

import json

import pytest

from aifabric.errors import DesignError
from aifabric.fabric.plan import plan_spec
from aifabric.spec.fabric import FabricSpec, load_fabric_spec

# The Enterprise RA's GB300 NVL72 compute fabric: each ConnectX-8 800G port splits into 2 x 400G, one per plane.
GB300_SPECTRUM_X = dict(server="gb300-nvl72", nic="connectx-8", nic_gbps=800, planes=2, port_gbps=400,
                        switch="sn5600")


def _plan(hardware, racks, **fields):
    return plan_spec(FabricSpec(gpus=72 * racks, **{**GB300_SPECTRUM_X, **fields}), hardware)


# The Enterprise RA's design points as its text states them (per design: racks, leaves per plane, SN5600 in the
# dual-plane GPU network where the text gives it, 400G GPU links per rack). "2 Racks, 36 Trays with 144 Blackwell
# Ultra GPUs": 4 leaves per plane, one per GPU position, each serving both racks; up to 12 SN5600. "8 Racks, 144
# Trays with 576 Blackwell Ultra GPUs": per plane 4 rails, each leaf serving two racks, so 4 leaves per rail. The
# switch table of the 8-rack design is an image in the RA: its spine count is not checked here.
ENTERPRISE_RA_ROWS = [(2, 4, 12), (8, 16, None)]


@pytest.mark.parametrize("row", ENTERPRISE_RA_ROWS, ids=lambda r: f"{r[0]}racks")
def test_nvl72_enterprise_ra_design_points_by_default(row, hardware):
    """No knob: the default leaf block on an SN5600 at 400G is the RA's two racks (three would fit)."""
    racks, leaves_per_plane, switches = row
    result = _plan(hardware, racks)
    plan = result.plan
    assert plan.system_racks == racks and plan.tiers == 2 and plan.rails == 4
    assert plan.racks_per_leaf == 2 and plan.leaf_downlinks == 36
    assert plan.switch_counts()["leaf"] // plan.planes == leaves_per_plane
    assert plan.switch_counts()["leaf"] // plan.planes // plan.rails == racks // 2
    if switches is not None:
        assert plan.switch_counts()["total"] == switches
    assert plan.link_counts()["nic_leaf"] // plan.system_racks == 144  # 72 GPUs x 2 planes of 400G
    # One leaf takes one rail of both racks of its block, and nothing else.
    ls = result.links.sets["nic_leaf"]
    blocks, rails = {}, {}
    for tray, rail, leaf in zip(ls.a.tolist(), ls.a_port.tolist(), ls.z.tolist(), strict=True):
        blocks.setdefault(leaf, set()).add(tray // plan.trays_per_rack)
        rails.setdefault(leaf, set()).add(rail)
    assert all(len(r) == 1 for r in rails.values())
    assert sorted(tuple(sorted(b)) for b in blocks.values()) == sorted(
        (2 * k, 2 * k + 1) for k in range(racks // 2) for _ in range(4))
    assert any("3 would fit" in note for note in plan.notes)


def test_the_default_block_is_each_ras_block(hardware):
    """One rule, three RAs: the largest power of two racks that fits the leaf."""
    cases = {
        ("gb200-nvl72", "qm9700", None): 1,  # DGX SuperPOD GB200: 18 of 32 downlinks (2 racks would not fit)
        ("gb300-nvl72", "sn5600", 2): 2,  # NVL72 Enterprise RA: 3 racks (54 of 64) would fit
        ("gb300-nvl72", "q3400", None): 4,  # DGX SuperPOD GB300: 72 of 72 downlinks at 800G
    }
    for (server, switch, planes), racks_per_leaf in cases.items():
        extra = GB300_SPECTRUM_X if planes else {"server": server, "switch": switch}
        plan = plan_spec(FabricSpec(gpus=16 * 72, **extra), hardware).plan
        assert plan.racks_per_leaf == racks_per_leaf, (server, switch)


@pytest.mark.parametrize("racks", [2, 3, 5, 7, 10])
def test_growth_adds_leaves_and_moves_no_cable(racks, hardware):
    """The RA's reason for two-rack blocks: growth adds leaves without recabling. Every NIC-leaf cable of a plan
    (tray, rail -> leaf, leaf port) is still there, unchanged, when the site grows by one and by two racks: a new
    rack fills its block's free ports or gets new leaves. (Leaf uplinks stay at least the block's 36; the spines
    may be re-balanced as the spine count grows.)"""
    before = _plan(hardware, racks)
    for more in (1, 2):
        after = _plan(hardware, racks + more)
        old, new = before.links.sets["nic_leaf"], after.links.sets["nic_leaf"]
        cables_before = set(zip(old.a.tolist(), old.a_port.tolist(), old.z.tolist(), old.z_port.tolist(),
                                strict=True))
        cables_after = set(zip(new.a.tolist(), new.a_port.tolist(), new.z.tolist(), new.z_port.tolist(),
                               strict=True))
        assert cables_before <= cables_after
        assert after.plan.leaf_uplinks >= 36 and before.plan.leaf_uplinks >= 36
        added = after.plan.switch_counts()["leaf"] - before.plan.switch_counts()["leaf"]
        assert added == (8 if racks % 2 == 0 or more == 2 else 0)  # a new block: 4 rails x 2 planes


def test_a_partial_block_gets_full_leaves_and_uplinks(hardware):
    """3 racks in blocks of 2: two blocks per rail, the second holding one rack, built like a full one."""
    plan = _plan(hardware, 3).plan
    assert plan.sus == 2 and plan.leaf_downlinks == 36 and plan.leaf_uplinks == 36
    assert plan.switch_counts()["leaf"] == 2 * 4 * 2
    assert plan.link_counts()["leaf_spine"] == plan.switch_counts()["leaf"] * 36
    assert any("last leaf group holds 18 of 36 compute trays" in note for note in plan.notes)
    # A fabric smaller than one block too: one rack of a two-rack block keeps the block's leaves and uplinks.
    one = _plan(hardware, 1, racks_per_leaf=2).plan
    assert (one.tiers, one.leaf_downlinks, one.leaf_uplinks, one.switch_counts()["leaf"]) == (2, 36, 36, 8)


@pytest.mark.parametrize("racks_per_leaf", [1, 2, 3])
def test_the_knob_sets_the_block(racks_per_leaf, hardware):
    plan = _plan(hardware, 12, racks_per_leaf=racks_per_leaf).plan
    assert plan.racks_per_leaf == racks_per_leaf and plan.leaf_downlinks == 18 * racks_per_leaf
    assert plan.switch_counts()["leaf"] == 2 * 4 * -(-12 // racks_per_leaf)
    assert not any("would fit" in note for note in plan.notes)


def test_the_knob_is_checked(hardware):
    with pytest.raises(DesignError, match=r"racks_per_leaf 4 needs 72 downlinks .* use at most 3") as exc:
        _plan(hardware, 8, racks_per_leaf=4)
    assert exc.value.field == "racks_per_leaf"
    with pytest.raises(DesignError, match=r"dgx-h100 is not a rack-scale system \(8 GPUs per server\)") as exc:
        plan_spec(FabricSpec(gpus=1024, server="dgx-h100", racks_per_leaf=2), hardware)
    assert exc.value.field == "racks_per_leaf"
    with pytest.raises(DesignError, match=r"racks_per_leaf 3 \(54 trays\) and servers_per_su 36 disagree"):
        _plan(hardware, 8, racks_per_leaf=3, servers_per_su=36)
    assert _plan(hardware, 8, racks_per_leaf=2, servers_per_su=36).plan.racks_per_leaf == 2


def test_a_flag_replaces_the_files_block(tmp_path):
    """--racks-per-leaf over a spec that gives servers_per_su (and the other way round) replaces it."""
    spec = tmp_path / "f.yaml"
    spec.write_text("gpus: 576\nserver: gb300-nvl72\nservers_per_su: 36\n")
    assert load_fabric_spec(spec, {"racks_per_leaf": 3}).servers_per_su is None
    spec.write_text("gpus: 576\nserver: gb300-nvl72\nracks_per_leaf: 2\n")
    assert load_fabric_spec(spec, {"servers_per_su": 54}).racks_per_leaf is None


def test_plan_json_and_table_say_the_block(cli):
    code, out, err = cli("fabric", "plan", "topologies/gb300-nvl72-spectrum-x.yaml", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["racks_per_leaf"], doc["servers_per_su"], doc["sus"]) == (2, 36, 4)
    code, out, err = cli("fabric", "plan", "--gpus", "1024", "--json")
    assert json.loads(out)["racks_per_leaf"] == 0
    code, out, err = cli("fabric", "plan", "topologies/gb300-nvl72-spectrum-x.yaml")
    assert "4 leaf groups of 36 trays in 2 racks" in out


def test_colossus_2_fills_its_leaves_because_its_campus_power_says_so(hardware):
    """colossus-2.yaml sets racks_per_leaf 7 (126 of 128 downlinks at 200G). The power-of-two default (4 racks)
    adds leaves whose power breaks the spec's 1.2 GW: the error says so."""
    spec = load_fabric_spec("topologies/colossus-2.yaml")
    assert spec.racks_per_leaf == 7
    with pytest.raises(DesignError, match="above max_site_mw 1200"):
        plan_spec(load_fabric_spec("topologies/colossus-2.yaml", {"racks_per_leaf": 4}), hardware)


@pytest.mark.parametrize("racks", [68, 100, 128])
def test_between_two_tiers_and_a_full_pod_three_tiers_of_two_pods(racks, hardware):
    """Two-rack blocks put 4 x racks/2 leaves in a plane: above 64 racks that is more than a 128-port spine joins
    in two tiers, yet fewer leaf groups than one pod takes. The plan is three tiers: a full pod of 32 leaf groups
    (a power of two, so spine uplinks divide evenly over the cores) and a partial pod with its full spines. (Before,
    this range was an error saying the GPUs do not fit three tiers.)"""
    plan = _plan(hardware, racks).plan
    assert plan.tiers == 3 and len(plan.pods) == 2 and plan.racks_per_leaf == 2
    assert plan.pods[0].leaves == 32 * 4 and plan.pods[1].leaves == (racks // 2 - 32) * 4
    assert plan.switch_counts() == {"leaf": 2 * 4 * racks // 2, "spine": 2 * 2 * 72, "core": 2 * 72,
                                    "total": 4 * racks + 288 + 144}
    assert plan.link_counts()["spine_core"] == 2 * 2 * 72 * 64
