"""Candidates: infeasible ones carry the solver's reason; constraints drop designs with theirs; metrics agree with
fabric plan."""

from __future__ import annotations

import pytest

from aifabric.errors import DesignError
from aifabric.fabric.plan import plan_spec
from aifabric.spec.fabric import FabricSpec
from aifabric.sweep.evaluate import SweepConfig, evaluate
from aifabric.sweep.grid import merge


def test_infeasible_candidates_carry_the_solvers_reason(small_sweep, base_spec, hardware):
    infeasible = [c for c in small_sweep if not c["feasible"]]
    assert infeasible
    for c in infeasible:
        combo = {k: c[k] for k in ("switch", "planes", "oversubscription", "tiers")}
        with pytest.raises(DesignError) as exc:
            plan_spec(FabricSpec.model_validate(merge(base_spec, combo)), hardware)
        assert c["reason"] == exc.value.message
        assert c["cost"] is None and c["pareto"] is False


def test_two_tier_limit_is_reported(base_spec, book, hardware):
    config = SweepConfig(base=base_spec, prices=book)
    c = evaluate(config, 0, {"switch": "qm9700", "tiers": 2}, hardware, book)
    assert not c["feasible"]
    assert "two-tier qm9700" in c["reason"]


def test_metrics_agree_with_fabric_plan(small_sweep, base_spec, book, hardware):
    c = next(c for c in small_sweep if c["feasible"])
    combo = {k: c[k] for k in ("switch", "planes", "oversubscription", "tiers")}
    result = plan_spec(FabricSpec.model_validate(merge(base_spec, combo)), hardware)
    result.prices = book
    doc = result.document()
    assert c["cost"] == doc["cost_usd"]["total"]
    assert c["power_kw"] == doc["power_kw"]["total"]
    assert c["switches"] == doc["switches"]["total"]
    assert c["worst_latency_ns"] == round(doc["latency_ns"]["worst"], 1)


def test_constraints_drop_candidates_with_the_reason(base_spec, book, hardware, small_sweep):
    feasible = sorted((c for c in small_sweep if c["feasible"]), key=lambda c: c["power_kw"])
    limit_kw = feasible[len(feasible) // 2]["power_kw"]
    latency_ns = sorted(c["worst_latency_ns"] for c in feasible)[len(feasible) // 2]
    config = SweepConfig(base=base_spec, prices=book, max_power_kw=limit_kw, max_latency_ns=latency_ns)
    for c in feasible:
        combo = {k: c[k] for k in ("switch", "planes", "oversubscription", "tiers")}
        got = evaluate(config, c["index"], combo, hardware, book)
        too_hot = c["power_kw"] > limit_kw
        too_slow = c["worst_latency_ns"] > latency_ns
        assert got["feasible"] == (not too_hot and not too_slow)
        assert ("exceeds --max-power-kw" in got["reason"]) == too_hot
        assert ("exceeds --max-latency-ns" in got["reason"]) == too_slow
        assert got["cost"] == c["cost"]  # the metrics stay, so the user sees by how much it missed


def test_spec_latency_budget_is_a_constraint(base_spec, book, hardware):
    config = SweepConfig(base={**base_spec, "latency_budget_ns": 100}, prices=book)
    c = evaluate(config, 0, {"switch": "sn5600"}, hardware, book)
    assert not c["feasible"] and "exceeds latency_budget_ns 100" in c["reason"]


def test_missing_price_makes_the_candidate_infeasible_with_the_reason(base_spec, book, hardware):
    from aifabric.fabric.prices import PriceBook

    partial = PriceBook("mine.csv", {k: v for k, v in book.prices.items() if k != "sn5600"})
    c = evaluate(SweepConfig(base=base_spec, prices=partial), 0, {"switch": "sn5600"}, hardware, partial)
    assert not c["feasible"]
    assert c["reason"] == "mine.csv: catalog_id: no price for switch 'sn5600', which this design uses; add a row for it"


def test_bandwidth_floors_drop_half_speed_and_oversubscribed_designs(base_spec, book, hardware):
    config = SweepConfig(base=base_spec, prices=book, min_gpu_gbps=400, min_bisection_tbps=0)
    full = evaluate(config, 0, {"switch": "sn5600", "planes": 1, "port_gbps": 400}, hardware, book)
    half = evaluate(config, 1, {"switch": "sn5600", "planes": 1, "port_gbps": 200}, hardware, book)
    assert full["feasible"] and full["gpu_gbps"] == 400
    assert not half["feasible"] and half["gpu_gbps"] == 200
    assert "200 Gb/s per GPU is below --min-gpu-gbps 400" in half["reason"]
    # The bisection floor at exactly the full design's bisection keeps it and drops the 2:1 oversubscribed one.
    floor = full["bisection_tbps"]
    config = SweepConfig(base=base_spec, prices=book, min_bisection_tbps=floor)
    kept = evaluate(config, 0, {"switch": "sn5600", "port_gbps": 400, "oversubscription": 1}, hardware, book)
    thin = evaluate(config, 1, {"switch": "sn5600", "port_gbps": 400, "oversubscription": 2}, hardware, book)
    assert kept["feasible"]
    assert not thin["feasible"] and "is below --min-bisection-tbps" in thin["reason"]
    assert thin["bisection_tbps"] < floor
