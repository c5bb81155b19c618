"""The lab's plan: the plan's shape scaled down (no namespaces needed), cabled and named by the planner's own code."""

from __future__ import annotations

import pytest

from aifabric.cli.planning import plan_from
from aifabric.errors import SpecError
from aifabric.lab.shape import Scale, expected_ecmp, lab_plan, parse_scale
from aifabric.lab.updown import build_state
from tests.conftest import TOPOLOGIES


def test_scale_is_parsed_and_bounded():
    assert parse_scale("rails=4, spines=3") == Scale(rails=4, spines=3)
    assert parse_scale(None) == Scale()
    for bad in ("rails=0", "rails=9", "racks=2", "rails"):
        with pytest.raises(SpecError):
            parse_scale(bad)


@pytest.mark.parametrize("spec, tiers, planes, switches", [
    ("spectrum-x-8k", 2, 1, {"leaf": 4, "spine": 2, "core": 0, "total": 6}),
    ("million-gpu", 3, 2, {"leaf": 8, "spine": 8, "core": 4, "total": 20}),
])
def test_lab_keeps_the_plans_tiers_and_planes(spec, tiers, planes, switches):
    result = plan_from(TOPOLOGIES / f"{spec}.yaml", {}, None)
    plan = lab_plan(result.plan, Scale())
    assert (plan.tiers, plan.planes) == (result.plan.tiers, result.plan.planes) == (tiers, planes)
    assert plan.switch_counts() == switches
    assert expected_ecmp(plan) == 2
    state, configs, _ = build_state(result, Scale(), "shape", spec)
    cables = len(state.cables)
    assert cables == plan.link_counts()["total"]
    # Every switch gets its generated frr.conf with one BGP neighbor per switch-to-switch port.
    for node in state.switches():
        fabric = [p for p, info in node.ports.items() if info["kind"] == "fabric"]
        assert configs[node.name].count("interface peer-group FABRIC") == len(fabric)


def test_a_lab_never_grows_past_the_plan():
    result = plan_from(None, {"gpus": 64, "servers_per_su": 4, "tiers": 2}, None)
    plan = lab_plan(result.plan, Scale(spines=8, rails=8))
    assert plan.pods[0].spines == 1 and plan.rails == 8  # the plan has one spine; eight rails


def test_infiniband_and_oversized_labs_are_refused():
    result = plan_from(TOPOLOGIES / "gb300-nvl72-superpod.yaml", {}, None)
    with pytest.raises(SpecError, match="InfiniBand"):
        build_state(result, Scale(), "ib", "gb300-nvl72-superpod.yaml")
    result = plan_from(TOPOLOGIES / "million-gpu.yaml", {}, None)
    with pytest.raises(SpecError, match="namespaces"):
        build_state(result, Scale(rails=8, servers=8, spines=8, pods=4, cores=8, planes=2), "big", "x")
