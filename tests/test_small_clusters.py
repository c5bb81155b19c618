"""Small and odd clusters get right-sized fabrics: one switch, packed rails, partial SUs whose leaves take only the
ports used, tiers: 1, and errors that say what to do (issue 13, item 4)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.fabric.plan import plan_fabric


def _plan(**overrides):
    return plan_fabric(None, overrides)


def test_eight_gpus_are_one_switch():
    """Before: 8 leaves + 4 spines and 512 uplinks for one server (lower-bound ratio 64). (The HGX Enterprise RA
    merges so small a compute fabric into the converged pair by default: tests/test_merge.py; here it keeps its
    own switch.)"""
    result = _plan(gpus=8, **{"networks.merge_compute": "no"})
    plan = result.plan
    assert plan.tiers == 1
    assert plan.switch_counts() == {"leaf": 1, "spine": 0, "core": 0, "total": 1}
    assert plan.link_counts() == {"nic_leaf": 8, "leaf_spine": 0, "spine_core": 0, "total": 8}
    assert plan.rails_per_leaf == 8
    document = result.document()
    assert document["lower_bound_ratio"] == 1.0  # one switch is the least any fabric has
    assert document["latency_ns"]["same_pod"] is None and document["latency_ns"]["same_leaf"] > 0


def test_a_partial_su_takes_only_the_ports_it_uses():
    """Before: 300 GPUs (38 servers) got 8 full leaves with 512 uplinks; now uplinks follow the 304 NIC ports."""
    plan = _plan(gpus=300).plan
    assert plan.tiers == 2
    assert plan.link_counts()["nic_leaf"] == 304
    assert plan.link_counts()["leaf_spine"] < 320
    assert plan.actual_oversubscription() <= 1.0  # still non-blocking
    assert plan.switch_counts()["spine"] == 3


def test_rails_are_packed_onto_leaves_in_a_small_su():
    """256 GPUs: two rails per leaf (a leaf takes GPU 0 and GPU 1 of every server, as OCP OCDAI pods do)."""
    result = _plan(gpus=256)
    plan = result.plan
    assert plan.rails_per_leaf == 2 and plan.leaves_per_plane == 4
    nic = result.links.sets["nic_leaf"]
    assert set(nic.z[nic.a_port == 0].tolist()) == {0} and set(nic.z[nic.a_port == 1].tolist()) == {0}
    assert set(nic.z[nic.a_port == 7].tolist()) == {3}
    # Each leaf port is used once.
    pairs = set(zip(nic.z.tolist(), nic.z_port.tolist(), strict=True))
    assert len(pairs) == len(nic)
    assert result.document()["rails_per_leaf"] == 2


def test_full_sus_are_unchanged():
    """A design of full SUs (the reference architectures) keeps one rail per leaf and full leaves."""
    plan = _plan(gpus=8192).plan
    assert plan.rails_per_leaf == 1 and plan.leaf_downlinks == 64 and plan.leaf_uplinks == 64


def test_tiers_one_is_accepted(cli):
    code, out, err = cli("fabric", "plan", "--gpus", "256", "--tiers", "1", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["tiers"] == 1 and document["switches"]["spine"] == 0
    assert any("rail-only" in note for note in document["notes"])


def test_tiers_one_too_big_says_what_to_do(cli):
    code, _, err = cli("fabric", "plan", "--gpus", "4096", "--tiers", "1")
    assert code == 2
    assert "one tier joins at most 128 servers" in err and "tiers: 2 or auto" in err


def test_three_tiers_too_small_does_not_contradict_itself(cli):
    """Before: '4,096 GPUs do not fit three tiers … (at most ~524,288 GPUs per plane)'."""
    code, _, err = cli("fabric", "plan", "--gpus", "4096", "--tiers", "3")
    assert code == 2
    assert "do not fit" not in err
    assert "fit one pod" in err and "use tiers: 2 (or auto)" in err


def test_planes_suggestion_only_offers_speeds_the_switch_has(cli):
    """Before: --planes 3 suggested 5 planes (80G ports, which no switch offers)."""
    code, _, err = cli("fabric", "plan", "--gpus", "1024", "--planes", "3")
    assert code == 2
    assert "use planes 1, 2, 4" in err and "5" not in err.split("use planes")[1]


@pytest.mark.parametrize("gpus", [8, 256])
def test_analyses_run_on_small_fabrics(cli, gpus):
    for argv in (["latency"], ["bisection"], ["failures", "--trials", "5"]):
        code, out, err = cli("fabric", *argv, "--gpus", str(gpus), "--json")
        assert code == 0, err
        assert json.loads(out)


def test_bisection_of_one_su_is_not_zero(cli):
    """Before: the halves were whole SUs, so a one-SU fabric had a max-flow bisection of 0."""
    for gpus in (8, 256):
        _, out, _ = cli("fabric", "bisection", "--gpus", str(gpus), "--json")
        document = json.loads(out)
        assert document["graph_tbps"] == pytest.approx(document["closed_form_tbps"]) and document["graph_tbps"] > 0


def test_ecmp_on_one_tier_is_one_line(cli):
    code, out, err = cli("fabric", "ecmp", "--gpus", "8")
    assert code == 2 and out == "" and err.count("\n") == 1 and "one-tier" in err


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(servers=st.integers(1, 200), switch=st.sampled_from(["sn5600", "qm9700", "sn5400"]),
       tiers=st.sampled_from(["auto", "1", "2"]))
def test_small_plans_agree_with_their_link_table(servers, switch, tiers):
    """Solver counts equal the link table; no leaf port is used twice or beyond the switch's ports."""
    from aifabric.errors import AifabricError

    try:
        result = _plan(servers=servers, switch=switch, tiers=tiers)
    except AifabricError:
        return
    plan, links = result.plan, result.links
    counts = plan.link_counts()
    assert len(links.sets["nic_leaf"]) * plan.planes == counts["nic_leaf"]
    assert len(links.sets["leaf_spine"]) * plan.planes == counts["leaf_spine"]
    nic = links.sets["nic_leaf"]
    assert len(set(zip(nic.z.tolist(), nic.z_port.tolist(), strict=True))) == len(nic)
    assert int(nic.z_port.max()) < plan.leaf_down_ports
    assert plan.leaf_down_ports + plan.leaf_uplinks <= plan.radix_down
    assert plan.switch_counts()["total"] <= max(3 * plan.lower_bound_switches(), 1) + 3
