"""Failure blast radius and the Monte Carlo."""

from __future__ import annotations

import json

import pytest

from aifabric.errors import SpecError
from aifabric.fabric.failures import FailureModel, FailureSpec, monte_carlo, parse_fail, single_failures
from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES


def _singles(name):
    return single_failures(FailureModel(plan_fabric(TOPOLOGIES / name).links))


def test_dgx_h100_4su_leaf_failure_cuts_one_rail_of_32_servers_and_spine_cuts_none():
    singles = {s.element: s for s in _singles("dgx-h100-superpod-4su.yaml")}
    assert singles["leaf"].gpus_cut_off == 32 and singles["leaf"].gpus_degraded == 0
    assert singles["spine"].gpus_cut_off == 0
    assert singles["spine"].worst_gpu_share == pytest.approx(30 / 32)  # each leaf loses 2 of 32 uplinks


def test_twin_plane_failure_halves_bandwidth_instead_of_cutting_off():
    """DGX B300 Spectrum-X RA: with two planes one switch, cable or transceiver failure leaves the affected GPUs at
    half bandwidth."""
    singles = _singles("b300-twin-plane.yaml")
    leaf = next(s for s in singles if s.element == "leaf")
    assert leaf.gpus_cut_off == 0 and leaf.gpus_degraded == 64 and leaf.worst_gpu_share == 0.5
    model = FailureModel(plan_fabric(TOPOLOGIES / "b300-twin-plane.yaml").links)
    state = list(model.healthy_state(1))
    state[3][0, 0] = False  # one NIC cable or transceiver
    out = model.evaluate(*state)
    shares = model.gpu_shares(out["leaf_share"][0], state[3][0])
    assert shares.min() == 0.5 and (shares < 1).sum() == 1


def test_single_plane_cable_failure_cuts_the_gpu_off():
    model = FailureModel(plan_fabric(TOPOLOGIES / "spectrum-x-8k.yaml").links)
    state = list(model.healthy_state(1))
    state[3][0, 5] = False
    out = model.evaluate(*state)
    assert model.worst_gpu_share(out["leaf_share"], state[3])[0] == 0


def test_three_tier_core_failure_degrades_without_cutting():
    singles = {s.element: s for s in _singles("dgx-h100-superpod-16su.yaml")}
    assert singles["core"].gpus_cut_off == 0
    assert singles["core"].bisection_left == pytest.approx(63 / 64, abs=1e-4)  # one of 64 cores


def test_monte_carlo_is_deterministic_under_a_seed_and_moves_with_it():
    model = FailureModel(plan_fabric(TOPOLOGIES / "dgx-h100-superpod-16su.yaml").links)
    spec = FailureSpec(spine=2, core=1, link_probability=0.002)
    first = monte_carlo(model, spec, 300, seed=7)
    again = monte_carlo(model, spec, 300, seed=7)
    other = monte_carlo(model, spec, 300, seed=8)
    assert first == again
    assert first != other
    assert 0.9 < first["bisection_left"]["p50"] < 1.0
    assert first["bisection_left"]["p1"] <= first["bisection_left"]["p5"] <= first["bisection_left"]["p50"]


def test_no_failures_leave_everything():
    model = FailureModel(plan_fabric(TOPOLOGIES / "spectrum-x-8k.yaml").links)
    mc = monte_carlo(model, FailureSpec(), 10)
    assert mc["bisection_left"]["min"] == 1.0 and mc["worst_gpu_bandwidth_share"]["min"] == 1.0


@pytest.mark.parametrize("text, message", [
    ("leaf=x", "leaf=x: must be a whole number"),
    ("link=150%", "must be a probability"),
    ("router=1", "elements: leaf, spine, core, link"),
])
def test_bad_fail_flag(text, message):
    with pytest.raises(SpecError, match=message):
        parse_fail(text)


def test_failures_cli_json_contract(cli):
    code, out, err = cli("fabric", "failures", TOPOLOGIES / "dgx-h100-superpod-4su.yaml", "--trials", "50",
                         "--fail", "spine=1,link=0.1%", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc["single"][0]) >= {"element", "plane", "gpus_cut_off", "gpus_degraded", "bisection_left"}
    assert doc["monte_carlo"]["trials"] == 50 and doc["monte_carlo"]["seed"] == 0
    for key in ("bisection_left", "worst_gpu_bandwidth_share"):
        assert set(doc["monte_carlo"][key]) >= {"p50", "p5", "p1"}


def test_too_many_failures_is_a_clean_error(cli):
    code, _, err = cli("fabric", "failures", TOPOLOGIES / "dgx-h100-superpod-4su.yaml", "--fail", "spine=99")
    assert code == 2 and "only 16 spines" in err
