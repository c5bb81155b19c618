"""One sweep candidate: a base spec with one combination of varied fields, sized, costed and checked.

`evaluate` is a pure function of its arguments; `evaluate_chunk` is what an executor (process pool or Dask worker)
runs: it loads the catalog and price book once per process and evaluates a list of (index, combination) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Minimised by the Pareto front, in this order.
OBJECTIVES = ("cost", "power_kw", "switches", "worst_latency_ns")
# Random failures per Monte Carlo trial when --failures is given: one leaf, one spine, 0.1 % of links.
FAILURE_LEAF = 1
FAILURE_SPINE = 1
FAILURE_LINK_PROBABILITY = 0.001
RESULT_KEYS = ("feasible", "reason", "cost", "power_kw", "switches", "worst_latency_ns", "gpu_gbps", "tiers_built",
               "leaf", "spine", "core", "transceivers", "bisection_tbps", "lower_bound_ratio", "cost_switches",
               "cost_transceivers", "cost_cables", "cost_nics", "it_mw", "facility_mw", "optics")
FAILURE_KEYS = ("bisection_left_p50", "bisection_left_p5", "worst_gpu_share_p50", "worst_gpu_share_p5")


@dataclass(frozen=True)
class SweepConfig:
    """What every candidate shares: the base spec's data, catalog, price book, constraints, failure analysis."""

    base: dict[str, Any]
    prices: Any  # a PriceBook (aifabric.fabric.prices), validated before the sweep and shipped to every worker
    catalog_dir: str | None = None
    max_power_kw: float | None = None
    max_latency_ns: float | None = None
    min_gpu_gbps: float | None = None
    min_bisection_tbps: float | None = None
    failure_trials: int = 0
    seed: int = 0

    def result_keys(self) -> tuple[str, ...]:
        """Return the keys of a candidate after its varied fields (failure columns only with --failures)."""
        return ("pareto",) + RESULT_KEYS + (FAILURE_KEYS if self.failure_trials else ())


def _empty(config: SweepConfig, index: int, combo: dict[str, Any]) -> dict[str, Any]:
    candidate: dict[str, Any] = {"index": index, **combo}
    for key in config.result_keys():
        candidate[key] = None
    candidate.update(feasible=False, reason="", pareto=False)
    return candidate


def evaluate(config: SweepConfig, index: int, combo: dict[str, Any], hardware, book) -> dict[str, Any]:
    """Return the candidate dict of one combination: its varied fields, feasible, reason, cost (USD), power_kw,
    switches, worst_latency_ns and the other metrics; infeasible ones carry the solver's or constraint's reason."""
    from pydantic import ValidationError

    from aifabric.errors import AifabricError
    from aifabric.fabric.plan import plan_spec
    from aifabric.fabric.prices import cost_usd
    from aifabric.fabric.summary import power_kw
    from aifabric.spec.fabric import FabricSpec
    from aifabric.sweep.grid import merge

    candidate = _empty(config, index, combo)
    merged = merge(config.base, combo)
    # Pluggable vs co-packaged optics is a property of the switch (a sweep varies it by varying the switch), so an
    # infeasible candidate says it too.
    switch_id = merged.get("switch", FabricSpec.model_fields["switch"].default)
    if isinstance(switch_id, str) and switch_id in hardware.switches:
        candidate["optics"] = hardware.switches[switch_id].optics
    try:
        spec = FabricSpec.model_validate(merged)
        result = plan_spec(spec, hardware)
        lines = result.bom()
        cost = cost_usd(lines, book)
    except ValidationError as exc:
        candidate["reason"] = "spec: " + "; ".join(e["msg"] for e in exc.errors())
        return candidate
    except AifabricError as exc:
        candidate["reason"] = exc.message
        return candidate
    plan = result.plan
    switches = plan.switch_counts()
    power = power_kw(plan, result.counts, hardware)["total"]
    worst = round(max(p.worst_ns for p in result.latencies), 1)
    # The fabric bandwidth each GPU injects: one port per plane. Without a floor on it (and on bisection) a
    # half-speed or heavily oversubscribed design wins every objective, since it buys fewer, slower parts.
    gpu_gbps = plan.port_gbps * plan.planes
    bisection_tbps = round(plan.bisection_tbps(), 3)
    candidate.update(
        feasible=True, cost=cost["total"], power_kw=power, switches=switches["total"], worst_latency_ns=worst,
        gpu_gbps=gpu_gbps, tiers_built=plan.tiers, leaf=switches["leaf"], spine=switches["spine"],
        core=switches["core"],
        transceivers=sum(result.counts.transceiver_totals().values()),
        bisection_tbps=bisection_tbps,
        lower_bound_ratio=round(switches["total"] / plan.lower_bound_switches(), 4),
        cost_switches=cost["switches"], cost_transceivers=cost["transceivers"], cost_cables=cost["cables"],
        cost_nics=cost["nics"],
    )
    site = result.site()
    candidate.update(it_mw=site["it_mw"], facility_mw=site["facility_mw"])
    reasons = []
    if config.max_power_kw is not None and power > config.max_power_kw:
        reasons.append(f"power {power:,.1f} kW exceeds --max-power-kw {config.max_power_kw:g}")
    if config.max_latency_ns is not None and worst > config.max_latency_ns:
        reasons.append(f"worst latency {worst:,.0f} ns exceeds --max-latency-ns {config.max_latency_ns:g}")
    if config.min_gpu_gbps is not None and gpu_gbps < config.min_gpu_gbps:
        reasons.append(f"{gpu_gbps:,} Gb/s per GPU is below --min-gpu-gbps {config.min_gpu_gbps:g}")
    if config.min_bisection_tbps is not None and bisection_tbps < config.min_bisection_tbps:
        reasons.append(f"bisection {bisection_tbps:,.1f} Tb/s is below --min-bisection-tbps "
                       f"{config.min_bisection_tbps:g}")
    if spec.latency_budget_ns is not None and worst > spec.latency_budget_ns:
        reasons.append(f"worst latency {worst:,.0f} ns exceeds latency_budget_ns {spec.latency_budget_ns:g}")
    if reasons:
        candidate.update(feasible=False, reason="; ".join(reasons))
        return candidate
    if config.failure_trials:
        candidate.update(failure_metrics(result, config.failure_trials, config.seed))
    return candidate


def failure_metrics(result, trials: int, seed: int) -> dict[str, float | None]:
    """Return the Monte Carlo percentiles (surviving bisection, worst GPU's bandwidth share) of random failures of
    one leaf, one spine and 0.1 % of links per trial; None values when the fabric is too small for them."""
    from aifabric.errors import AifabricError
    from aifabric.fabric.failures import FailureModel, FailureSpec, monte_carlo

    model = FailureModel(result.links)
    failures = FailureSpec(leaf=FAILURE_LEAF, spine=FAILURE_SPINE, core=0, link_probability=FAILURE_LINK_PROBABILITY)
    try:
        out = monte_carlo(model, failures, trials, seed)
    except AifabricError:
        return dict.fromkeys(FAILURE_KEYS)
    return {"bisection_left_p50": out["bisection_left"]["p50"], "bisection_left_p5": out["bisection_left"]["p5"],
            "worst_gpu_share_p50": out["worst_gpu_bandwidth_share"]["p50"],
            "worst_gpu_share_p5": out["worst_gpu_bandwidth_share"]["p5"]}


@lru_cache(maxsize=4)
def _hardware(catalog_dir: str | None):
    """Return the catalog, loaded once per process."""
    from aifabric.catalog.models import load_hardware

    return load_hardware(catalog_dir)


def evaluate_chunk(config: SweepConfig, chunk: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Return the candidate dicts of a list of (index, combination) pairs (what an executor's worker runs)."""
    hardware = _hardware(config.catalog_dir)
    return [evaluate(config, index, combo, hardware, config.prices) for index, combo in chunk]
