"""The job's side of a scale-across plan: per-site step times (and the straggler), the gradient and its overlap
with compute, the transport's achieved share, and the inter-site collective that needs the least capacity x km
while meeting the target efficiency (routed on the corridor network before the corridor is planned)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from aifabric.errors import SpecError
from aifabric.scale_across import formulas as f
from aifabric.scale_across.assumptions import assumptions
from aifabric.scale_across.assumptions import transport as transport_assumption
from aifabric.scale_across.formulas import significant as _sig
from aifabric.scale_across.sites import SitePlan
from aifabric.scale_across.spec import ScaleAcrossSpec


def links_of(order: list[str], split: str, algorithm: str = "ring", hub: str | None = None
             ) -> list[tuple[str, str]]:
    """Return the inter-site links: a chain for a pipeline; for a data split a ring (one link for two sites), every
    pair for a mesh, or a star around the hub for a hierarchical all-reduce."""
    if split == "data" and algorithm == "mesh":
        return [(a, z) for i, a in enumerate(order) for z in order[i + 1:]]
    if split == "data" and algorithm == "hierarchical" and len(order) > 2:
        centre = hub or order[0]
        return [(centre, z) for z in order if z != centre]
    pairs = list(zip(order, order[1:], strict=False))
    if split == "data" and len(order) > 2:
        pairs.append((order[-1], order[0]))
    return pairs


@dataclass
class Model:
    """The job's side of the plan: step time, gradient, overlap, transport share, target (before any algorithm)."""

    spec: ScaleAcrossSpec
    order: list[str]
    sites: dict[str, SitePlan]
    steps: dict[str, Any]
    tokens: float

    def __post_init__(self) -> None:
        job = self.spec.job
        a = assumptions()
        self.step = self.steps["step_s"]
        self.count = len(self.order)
        if job.split == "data":
            bits = job.pseudo_gradient_bits if job.diloco else job.grad_bits
            self.bits = bits
            self.gradient = f.gradient_bits(job.params_total_b * 1e9, bits)
            # Inner steps of DiLoCo stay inside each site: FSDP's extra gathers never cross the corridor then.
            self.factor = f.FSDP_TRAFFIC_FACTOR if job.parallelism == "fsdp" and not job.diloco else 1.0
            self.sync_h = job.sync_every_steps
        else:
            assert job.hidden_size is not None
            self.bits = job.activation_bits
            self.gradient = f.pipeline_bits_per_direction(job.hidden_size, self.tokens, job.activation_bits)
            self.factor = 1.0
            self.sync_h = 1
        self.overlap, self.overlap_source = _overlap(job, self.gradient, a["overlap"])
        self.transport_efficiency, self.transport_source = transport_assumption(self.spec.transport.kind,
                                                                                 self.spec.transport.efficiency)

    def traffic(self, algorithm: str) -> float:
        """Return the bits per link direction per synchronisation under an algorithm (a chain for a pipeline)."""
        if self.spec.job.split == "pipeline":
            return self.gradient
        return self.factor * f.algorithm_bits_per_direction(algorithm, self.gradient, self.count)

    def round_trips(self, algorithm: str) -> int:
        """Return the round trips of the slowest link per synchronisation."""
        if self.spec.job.split == "pipeline":
            return self.count - 1
        return f.algorithm_round_trips(algorithm, self.count)


@dataclass(frozen=True)
class Choice:
    """The chosen collective: its links, traffic, latency hops, target efficiency and required rates."""

    algorithm: str
    pairs: list[tuple[str, str]]
    traffic: float
    round_trips: int
    target: float
    target_source: str
    latency_s: float  # estimated from fiber km before the corridor is planned
    candidates: list[dict[str, Any]]


def steps_of(job, sites: dict[str, SitePlan], tokens: float) -> dict[str, Any]:
    """Return per-site step times, the job's step (the straggler's under an equal split), the balanced step and
    the straggler."""
    flops = sum(s.flops_per_s for s in sites.values())
    gpus = sum(s.gpus for s in sites.values())
    balanced = f.step_time_s(job.active_b * 1e9, tokens, flops, job.mfu)
    if job.token_split == "flops":
        per_site = {sid: balanced for sid in sorted(sites)}
    else:
        per_site = {sid: f.step_time_s(job.active_b * 1e9, tokens * s.gpus / gpus, s.flops_per_s, job.mfu)
                    for sid, s in sorted(sites.items())}
    step = max(per_site.values())
    slowest = max(sorted(per_site), key=lambda sid: per_site[sid])
    straggler = slowest if step > min(per_site.values()) * (1 + 1e-9) else None
    return {"step_s": step, "balanced_step_s": balanced, "per_site_step_s": per_site, "straggler": straggler}


def _overlap(job, gradient: float, a: dict[str, Any]) -> tuple[float, str]:
    """Return (overlap, where it comes from): the spec's, else the model's for this parallelism and sync."""
    if job.diloco:
        if job.outer_sync == "blocking":
            ignored = "" if job.overlap is None else f"; job.overlap ({job.overlap:g}) does not apply to it"
            return 0.0, a["blocking_source"] + ignored
        if job.overlap is not None:
            return job.overlap, "spec (job.overlap)"
        return 1.0, a["streaming_source" if job.outer_sync == "streaming" else "eager_source"]
    if job.overlap is not None:
        return job.overlap, "spec (job.overlap)"
    if job.split == "pipeline":
        return 1.0, a["pipeline_source"]
    bucket = job.bucket_mb * 8e6
    if job.parallelism == "fsdp":
        return f.fsdp_overlap(bucket, gradient), f"{a['fsdp_source']}; bucket {job.bucket_mb:g} MB"
    share = float(a["backward_share"])
    return (f.ddp_overlap(share, bucket, gradient),
            f"backward share {share:.4g} of the step: {a['backward_source']}; the last {job.bucket_mb:g} MB bucket "
            f"exposed: {a['bucket_source']}")


def _route_km(graph, a: str, z: str) -> float:
    from aifabric.corridor.route import shortest

    return shortest(graph, a, z).km


def choose(model: Model, spec: ScaleAcrossSpec, file: str, lines, graph) -> Choice:
    """Return the cheapest collective (least line capacity x route km over its links) that meets the target; the
    spec's algorithm when it names one. A pipeline split is a chain."""
    from aifabric.units import km_to_latency_ms

    job = spec.job
    if job.split == "pipeline":
        names = ["chain"]
    elif job.algorithm != "auto":
        names = [job.algorithm]
    else:
        names = list(f.ALGORITHMS)
    km = {}
    for i, a in enumerate(model.order):
        for z in model.order[i + 1:]:
            km[(a, z)] = km[(z, a)] = _route_km(graph, model.sites[a].at, model.sites[z].at)
    hub = min(model.order, key=lambda s: (sum(km[(s, o)] for o in model.order if o != s), model.order.index(s)))
    fallback = float(assumptions()["fallback_target_efficiency"])
    rows = []
    for index, name in enumerate(names):
        pairs = links_of(model.order, job.split, name, hub)
        traffic = model.traffic(name)
        trips = model.round_trips(name)
        latency = trips * max(2 * km_to_latency_ms(km[p]) for p in pairs) / 1000.0
        target, source = _target(spec, model, latency, fallback)
        rate = f.hiding_rate_bps(traffic, model.overlap, model.step, model.sync_h, latency,
                                 f.allowance_s(model.step, model.sync_h, target))
        line = rate / model.transport_efficiency
        feasible = not math.isinf(line)
        cost = sum(line * km[p] for p in pairs) / 1e12 if feasible else None
        rows.append({"algorithm": name, "links": [list(p) for p in pairs], "traffic_bits_per_sync": traffic,
                     "round_trips": trips, "latency_term_ms_fiber": round(latency * 1000, 6),
                     "target_efficiency": target, "feasible": feasible,
                     "required_line_tbps": _sig(line / 1e12) if feasible else None,
                     "capacity_tbps_km": _sig(cost) if cost is not None else None,
                     "_order": index, "_target_source": source, "_latency": latency, "_pairs": pairs})
    feasible_rows = [r for r in rows if r["feasible"]]
    if not feasible_rows:
        worst = rows[0]
        raise SpecError(file, "target_efficiency" if spec.target_efficiency is not None else "job",
                        f"no rate can reach efficiency {worst['target_efficiency']:g}: the round trips "
                        f"({worst['_latency'] * 1000:,.1f} ms) alone exceed the time the exchange may take "
                        f"({model.overlap:g} x T {model.step:.3f} s x H {model.sync_h} + allowance); lower "
                        "target_efficiency, raise sync_every_steps or use outer_sync: streaming",
                        lines.get(("target_efficiency",), lines.get(("job",))))
    best = min(feasible_rows, key=lambda r: (r["capacity_tbps_km"], r["_order"]))
    candidates = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    return Choice(best["algorithm"], best["_pairs"], best["traffic_bits_per_sync"], best["round_trips"],
                   best["target_efficiency"], best["_target_source"], best["_latency"], candidates)


def _target(spec: ScaleAcrossSpec, model: Model, latency: float, fallback: float) -> tuple[float, str]:
    """Return the efficiency the corridor is sized for: the spec's; else 1 (hide the exchange) when the overlap
    window outlasts the latency, else the fallback target."""
    if spec.target_efficiency is not None:
        return spec.target_efficiency, "spec (target_efficiency)"
    if model.overlap * model.step * model.sync_h > latency:
        return 1.0, "hide the exchange behind compute"
    return fallback, assumptions()["fallback_target_source"]


