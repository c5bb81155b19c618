"""Scale-across planning: from sites, a corridor spec and a training job to the inter-site rate the job needs, the
corridor that carries it (planned by the corridor core), the step-time cost of the distance, whether RoCE can stay
lossless over it, and what one fiber cut does."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aifabric.errors import SpecError
from aifabric.scale_across import formulas as f
from aifabric.scale_across import recovery as rec
from aifabric.scale_across.assumptions import assumptions
from aifabric.scale_across.assumptions import recovery as recovery_inputs
from aifabric.scale_across.assumptions import transport as transport_assumption
from aifabric.scale_across.corridor import Link, derived_spec, load_corridor_data, plan_derived
from aifabric.scale_across.sites import SitePlan, resolve_sites
from aifabric.scale_across.spec import ScaleAcrossSpec, load_scale_across_spec

FORMULAS = {
    "step_s": "T = 6 * P_active * tokens_per_step / (sum(GPUs * peak_dense_bf16) * MFU); token_split equal: each "
              "site's T_s = 6 * P_active * tokens_s / (GPUs_s * peak_s * MFU) with tokens per GPU equal, T = max T_s",
    "traffic_data": "bits per sync per link direction = algorithm factor * bits * P_total (bits = grad_bits, or "
                    "pseudo_gradient_bits for DiLoCo); ring 2 (S - 1) / S, bidirectional ring (S - 1) / S (1 for "
                    "two sites), mesh 2 / S, hierarchical 1; x 1.5 for fsdp",
    "traffic_pipeline": "bits per step per boundary direction = hidden_size * tokens_per_step * activation_bits",
    "overlap": "ddp: 2/3 * (1 - bucket / G); fsdp: 1 - 2 * bucket / G; DiLoCo blocking 0, streaming / eager 1",
    "required": "R = traffic / (overlap * T * H + allowance), H = sync_every_steps (1 for a pipeline split)",
    "required_hiding": "R_hiding = traffic / (overlap * T * H + allowance - latency term), allowance = T * H * "
                       "(1 / target_efficiency - 1) (0 at the default target 1: the exchange is truly hidden)",
    "required_line": "line rate = R_hiding / transport efficiency (achieved share of line rate)",
    "exposed": "exposed = max(0, traffic / (capacity * transport efficiency) + round trips * RTT - overlap * T * H)",
    "efficiency": "efficiency = T * H / (T * H + exposed); overall = efficiency * straggler efficiency",
    "bdp": "BDP = port rate * RTT / 8 bytes",
    "pfc_headroom": "cable < 1,000 m: (301 + 2.16 * cable_m) * speed_Mb/s / 1000 + 2.72 * MTU bytes (Linux mlx5 "
                    "calculate_xoff, drivers/net/ethernet/mellanox/mlx5/core/en/port_buffer.c); longer: speed * "
                    "RTT / 8 + 2 * MTU bytes (IEEE 802.1Qbb delay model), per port and lossless priority",
    "cuts": "cuts per year per path = route km / 1000 * cut_rate_per_1000km_yr (corridor plan)",
    "cut_hours": "per cut: protected = retransmission stall after the switchover (or a restart when it outlasts "
                 "the retries) + MTTR * (1 - efficiency after / before); unprotected = MTTR + restart + half a "
                 "checkpoint interval (elastic: timeout + restart + rollback + the rest of MTTR at the lost share "
                 "+ a restart to rejoin)",
}


@dataclass
class ScaleAcrossPlan:
    """A scale-across plan: the `scale-across plan --json` document and the corridor artefacts behind it."""

    document: dict[str, Any]
    corridor_plan: Any  # aifabric.corridor.plan.CorridorPlan
    derived_corridor: dict[str, Any]
    corridor_source: Path
    network_file: Path
    comparisons: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the `scale-across plan --json` document (with `comparisons` when --vary was given)."""
        doc = dict(self.document)
        if self.comparisons:
            doc["comparisons"] = self.comparisons
        return doc


def ring_order(spec: ScaleAcrossSpec, file: str, lines) -> list[str]:
    """Return the site ids in ring (or pipeline) order; every name in `ring` must be a site, each site once."""
    from aifabric.spec.loader import suggest

    ids = [s.id for s in spec.sites]
    if spec.ring is None:
        return ids
    for index, name in enumerate(spec.ring):
        if name not in ids:
            raise SpecError(file, f"ring[{index}]", f"unknown site '{name}'{suggest(name, ids)}; sites: "
                            f"{', '.join(ids)}", lines.get(("ring", index)))
    if sorted(spec.ring) != sorted(ids):
        missing = ", ".join(sorted(set(ids) - set(spec.ring))) or "none (a site is repeated)"
        raise SpecError(file, "ring", f"must list every site exactly once; missing: {missing}",
                        lines.get(("ring",)))
    return list(spec.ring)


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


def plan_scale_across(spec_path: str | Path, catalog_dir: str | Path | None = None,
                      overrides: dict[str, Any] | None = None) -> ScaleAcrossPlan:
    """Return the scale-across plan of a spec file (with --vary overrides applied before validation)."""
    from aifabric.catalog.models import load_hardware
    from aifabric.corridor.route import build_graph

    file = str(spec_path)
    spec, lines = load_scale_across_spec(spec_path, overrides)
    hardware = load_hardware(catalog_dir)
    order = ring_order(spec, file, lines)
    corridor_file, corridor_data, network_file = load_corridor_data(spec_path, spec.corridor, lines)
    network = _check_sites_on_network(spec, file, lines, network_file, corridor_data)
    sites = {s.id: s for s in resolve_sites(spec, spec_path, lines, hardware, catalog_dir)}
    job = spec.job
    tokens = job.tokens_per_step_m * 1e6
    steps = _steps(job, sites, tokens)
    model = _Model(spec, order, sites, steps, tokens)
    graph = build_graph(network)
    choice = _choose(model, spec, file, lines, graph)
    corridor_plan, derived, corridor_doc = _plan_corridor(spec, sites, model, choice, corridor_data, corridor_file,
                                                          network_file, catalog_dir, None)
    # The first plan takes the round trip from fiber length; the corridor's own (with its transponders' DSP) may
    # need a little more rate: plan again with it when the waves no longer cover the demand.
    actual = _latency_s(corridor_doc, choice, spec.protection)
    need = _line_rate(model, choice, actual, spec)
    # No rate hides it on the corridor's own round trip: keep the plan and report the efficiency it reaches.
    if not math.isinf(need) and need > _provisioned_per_link(corridor_doc, choice, spec.protection):
        corridor_plan, derived, corridor_doc = _plan_corridor(spec, sites, model, choice, corridor_data,
                                                              corridor_file, network_file, catalog_dir, actual)
    document = _document(spec, sites, order, model, choice, corridor_doc, network, graph, corridor_data)
    return ScaleAcrossPlan(document, corridor_plan, derived, corridor_file, network_file)


@dataclass
class _Model:
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
class _Choice:
    """The chosen collective: its links, traffic, latency hops, target efficiency and required rates."""

    algorithm: str
    pairs: list[tuple[str, str]]
    traffic: float
    round_trips: int
    target: float
    target_source: str
    latency_s: float  # estimated from fiber km before the corridor is planned
    candidates: list[dict[str, Any]]


def _steps(job, sites: dict[str, SitePlan], tokens: float) -> dict[str, Any]:
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


def _choose(model: _Model, spec: ScaleAcrossSpec, file: str, lines, graph) -> _Choice:
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
    return _Choice(best["algorithm"], best["_pairs"], best["traffic_bits_per_sync"], best["round_trips"],
                   best["target_efficiency"], best["_target_source"], best["_latency"], candidates)


def _target(spec: ScaleAcrossSpec, model: _Model, latency: float, fallback: float) -> tuple[float, str]:
    """Return the efficiency the corridor is sized for: the spec's; else 1 (hide the exchange) when the overlap
    window outlasts the latency, else the fallback target."""
    if spec.target_efficiency is not None:
        return spec.target_efficiency, "spec (target_efficiency)"
    if model.overlap * model.step * model.sync_h > latency:
        return 1.0, "hide the exchange behind compute"
    return fallback, assumptions()["fallback_target_source"]


def _line_rate(model: _Model, choice: _Choice, latency: float, spec: ScaleAcrossSpec) -> float:
    """Return the line rate per link (b/s) the demand asks of the corridor: R_hiding / transport share x growth,
    halved on each path of a split service."""
    rate = f.hiding_rate_bps(choice.traffic, model.overlap, model.step, model.sync_h, latency,
                             f.allowance_s(model.step, model.sync_h, choice.target))
    share = 0.5 if spec.protection == "split" else 1.0
    return rate / model.transport_efficiency * (1 + spec.growth) * share


def _plan_corridor(spec, sites, model: _Model, choice: _Choice, corridor_data, corridor_file, network_file,
                   catalog_dir, latency: float | None):
    line = _line_rate(model, choice, choice.latency_s if latency is None else latency, spec)
    demand_tbps = _sig(line / 1e12)
    corridor_protection = "none" if spec.protection == "none" else "1+1"
    links = [Link(sites[a].at, sites[z].at, f"{a}-{z}-training", demand_tbps, corridor_protection)
             for a, z in choice.pairs]
    derived = derived_spec(spec.name, corridor_data, corridor_file, network_file, links)
    corridor_plan = plan_derived(derived, corridor_file, catalog_dir)
    return corridor_plan, derived, corridor_plan.to_json()


def _latency_s(corridor_doc: dict[str, Any], choice: _Choice, protection: str) -> float:
    """Return the latency term on the planned corridor: round trips x the longest normal-state RTT."""
    states = []
    for a, z in choice.pairs:
        demand = _link_paths(corridor_doc, f"{a}-{z}-training")
        gbps = {p["role"]: _path_gbps(demand, p) for p in demand["paths"]}
        roles = {p["role"]: p for p in demand["paths"]}
        states.append(_normal_state(protection, gbps, roles))
    return _collective(states, choice.round_trips)[1]


def _provisioned_per_link(corridor_doc: dict[str, Any], choice: _Choice, protection: str) -> float:
    """Return the smallest line rate (b/s) one path of any training link carries."""
    rates = []
    for a, z in choice.pairs:
        demand = _link_paths(corridor_doc, f"{a}-{z}-training")
        rates.extend(_path_gbps(demand, p) * 1e9 for p in demand["paths"])
    return min(rates)


def _check_sites_on_network(spec: ScaleAcrossSpec, file: str, lines, network_file: Path, corridor_data):
    """Return the corridor network, every site checked to stand on it."""
    from aifabric.corridor.network import load_network
    from aifabric.spec.loader import suggest

    slack = corridor_data.get("slack", 1.05) if isinstance(corridor_data, dict) else 1.05
    network = load_network(network_file, slack=slack)
    for index, site in enumerate(spec.sites):
        if site.network_site not in network.sites:
            field_name = "at" if site.at is not None else "id"
            raise SpecError(
                file, f"sites[{index}].{field_name}",
                f"unknown site '{site.network_site}'{suggest(site.network_site, list(network.sites))}: it is not on "
                f"the corridor network {network_file.name} ({len(network.sites)} sites); set `at:` to one of them",
                lines.get(("sites", index, field_name), lines.get(("sites", index))),
            )
    return network


def _link_paths(corridor_doc: dict[str, Any], demand_id: str) -> dict[str, Any]:
    for demand in corridor_doc["demands"]:
        if demand["id"] == demand_id:
            return demand
    raise KeyError(demand_id)  # the corridor plan holds every demand it was given


def _document(spec: ScaleAcrossSpec, sites: dict[str, SitePlan], order: list[str], model: _Model, choice: _Choice,
              corridor_doc: dict[str, Any], network, graph, corridor_data) -> dict[str, Any]:
    job = spec.job
    pairs = choice.pairs
    step, sync_h, overlap, share = model.step, model.sync_h, model.overlap, model.transport_efficiency
    traffic = choice.traffic
    # Cut rate and repair time are the corridor plan's (its spec's `availability`), so both halves agree.
    inputs = corridor_doc["availability_inputs"]
    cut_rate = float(inputs["cut_rate_per_1000km_yr"])
    mttr_h = float(inputs["mttr_h"])
    speeds = spec.transport.port_speeds_gbps
    mtu = spec.transport.mtu_bytes
    priorities = spec.transport.lossless_priorities
    paths_out: list[dict[str, Any]] = []
    link_states = []
    for a, z in pairs:
        demand = _link_paths(corridor_doc, f"{a}-{z}-training")
        gbps = {p["role"]: _path_gbps(demand, p) for p in demand["paths"]}
        roles = {p["role"]: p for p in demand["paths"]}
        buffers = [sites[a].buffer_mb, sites[z].buffer_mb]
        buffer_bytes = None if any(b is None for b in buffers) else min(buffers) * 1e6
        for p in demand["paths"]:
            paths_out.append(_path_json(a, z, p, gbps[p["role"]], speeds, mtu, priorities, buffer_bytes))
        link_states.append((demand, gbps, roles))
    normal = [_normal_state(spec.protection, g, roles) for _, g, roles in link_states]
    capacity, latency = _collective(normal, choice.round_trips)

    def eff_at(line_bps: float, latency_s: float = latency) -> float:
        return f.efficiency(step, sync_h, f.exposed_s(traffic, line_bps * share, latency_s, overlap, step, sync_h))

    exposed = f.exposed_s(traffic, capacity * share, latency, overlap, step, sync_h)
    eff = f.efficiency(step, sync_h, exposed)
    allowance = f.allowance_s(step, sync_h, choice.target)
    required = traffic / (overlap * step * sync_h + allowance)
    hiding = f.hiding_rate_bps(traffic, overlap, step, sync_h, latency, allowance)
    required_line = hiding / share
    # The curve's unit: the line rate that meets the target, or R's when the round trip leaves no such rate.
    base = required / share if math.isinf(required_line) else required_line
    curve = []
    for multiple in spec.capacity_multiples:
        cap = multiple * base
        curve.append({"capacity_tbps": _sig(cap / 1e12), "multiple_of_required": multiple,
                      "efficiency": _sig(eff_at(cap), 6), "provisioned": False})
    curve.append({"capacity_tbps": _sig(capacity / 1e12),
                  "multiple_of_required": _sig(capacity / base, 6), "efficiency": _sig(eff, 6),
                  "provisioned": True})
    curve.sort(key=lambda row: (row["capacity_tbps"], row["provisioned"]))
    straggler_eff = model.steps["balanced_step_s"] / step
    events = _cut_events(spec, model, choice, link_states, network, graph, corridor_data, cut_rate, mttr_h, eff_at)
    after = _after_cut(spec, link_states, normal, choice.round_trips, eff_at, eff, cut_rate, mttr_h,
                       events[spec.protection])
    verdict = _verdict(paths_out, sites, speeds, priorities)
    verdict.update({"kind": spec.transport.kind, "efficiency": share, "efficiency_source": model.transport_source,
                    "achieved_tbps_per_direction": _sig(capacity * share / 1e12)})
    peak = {sid: s.peak_tflops for sid, s in sorted(sites.items())}
    document: dict[str, Any] = {
        "name": spec.name,
        "split": job.split,
        "protection": spec.protection,
        "sites": [sites[sid].to_json() for sid in order],
        "order": order,
        "links": [{"a": a, "z": z, "at": [sites[a].at, sites[z].at]} for a, z in pairs],
        "job": job.model_dump(),
        "step_s": _sig(step),
        "balanced_step_s": _sig(model.steps["balanced_step_s"]),
        "token_split": job.token_split,
        "per_site_step_s": {sid: _sig(t) for sid, t in model.steps["per_site_step_s"].items()},
        "straggler": model.steps["straggler"],
        "straggler_efficiency": _sig(straggler_eff, 6),
        "peak_tflops_per_gpu": peak,
        "gpus": {sid: s.gpus for sid, s in sorted(sites.items())},
        "total_peak_pflops": round(sum(s.flops_per_s for s in sites.values()) / 1e15, 3),
        "parallelism": job.parallelism,
        "algorithm": choice.algorithm,
        "algorithms": choice.candidates,
        "sync_every_steps": sync_h,
        "gradient_bits": model.bits,
        "traffic_bits_per_sync": traffic,
        "overlap": _sig(overlap, 6),
        "overlap_source": model.overlap_source,
        "target_efficiency": choice.target,
        "target_source": choice.target_source,
        "required_tbps_per_direction": _sig(required / 1e12),
        "required_tbps_hiding": None if math.isinf(hiding) else _sig(hiding / 1e12),
        "required_line_tbps": None if math.isinf(required_line) else _sig(required_line / 1e12),
        # What the corridor was asked for (both paths of a split together): sized on the fiber round trip, planned
        # again on the corridor's own when its waves fell short.
        "demand_tbps_per_link": _sig(max(d["capacity_tbps"] for d in corridor_doc["demands"])
                                     * (2 if spec.protection == "split" else 1)),
        "growth": spec.growth,
        "provisioned_tbps_per_direction": _sig(capacity / 1e12),
        "latency_term_ms": round(latency * 1000, 3),
        "exposed_s": _sig(exposed) if not math.isinf(exposed) else None,
        "efficiency": _sig(eff, 6),
        "overall_efficiency": _sig(eff * straggler_eff, 6),
        "efficiency_vs_capacity": curve,
        "paths": paths_out,
        "transport": verdict,
        "after_cut": after,
        "cut_hours_per_year": {p: round(e["hours_per_year"], 3) if e is not None else None
                               for p, e in events.items()},
        "cut_events": events,
        "corridor": corridor_doc,
        "formulas": FORMULAS,
        "corridor_terms": [_terms(demand) for demand, _, _ in link_states],
        "sources": {
            "availability": "the corridor plan's availability inputs (corridor spec `availability`: Bellcore "
                            "buried-cable cut rate, MTTR)",
            "pfc_headroom": "Linux mlx5 driver, calculate_xoff() in drivers/net/ethernet/mellanox/mlx5/core/en/"
                            "port_buffer.c: xoff = (301 + 216 * cable_len / 100) * speed / 1000 + 272 * mtu / 100, "
                            "for cables under 1,000 m; beyond, " + assumptions()["headroom"]["rtt_source"],
            "overlap": model.overlap_source,
            "transport_efficiency": model.transport_source,
            "target_efficiency": choice.target_source,
            "recovery": recovery_inputs(spec.recovery)["sources"],
        },
    }
    if job.diloco:
        outer = assumptions()["outer_optimizer"]
        per_site = f.outer_optimizer_bytes(job.params_total_b * 1e9, outer["copies"], outer["bytes_per_param"])
        document["outer_sync"] = job.outer_sync
        document["outer_optimizer"] = {
            "bytes_per_site": round(per_site),
            "bytes_per_gpu": round(per_site / min(s.gpus for s in sites.values())),
            "source": outer["source"],
        }
    return document


def _path_json(a: str, z: str, p: dict[str, Any], path_gbps: float, speeds: list[int], mtu: int, priorities: int,
               buffer_bytes: float | None) -> dict[str, Any]:
    from aifabric.units import FIBER_US_PER_KM

    rtt_s = p["rtt_ms"] / 1000.0
    cable_m = p["km"] * 1000.0
    # The mlx5 formula holds for cables under 1,000 m (the driver's own limit); beyond, the headroom is what is
    # still arriving one round trip after the PAUSE leaves.
    mlx5_domain = cable_m < float(assumptions()["headroom"]["mlx5_max_cable_m"])
    bdp = {}
    headroom = {}
    ports = {}
    feasible = {}
    reach = {}
    for speed in speeds:
        key = str(speed)
        bdp[key] = round(f.bdp_bytes(speed * 1e9, rtt_s))
        headroom[key] = round(f.pfc_headroom_bytes(cable_m, speed * 1000, mtu) if mlx5_domain
                              else f.rtt_headroom_bytes(speed * 1e9, rtt_s, mtu))
        ports[key] = max(1, math.ceil(path_gbps / speed))
        need = ports[key] * priorities * headroom[key]
        feasible[key] = buffer_bytes is not None and need <= buffer_bytes
        reach[key] = None if buffer_bytes is None else round(_reach_km(buffer_bytes, ports[key] * priorities,
                                                                       speed, mtu, FIBER_US_PER_KM), 3)
    return {
        "a": a, "z": z, "role": p["role"], "rtt_ms": p["rtt_ms"], "km": p["km"],
        "sites": p["sites"], "capacity_tbps": round(path_gbps / 1000, 4),
        "in_flight_bytes": round(f.bdp_bytes(path_gbps * 1e9, rtt_s)),
        "bdp_bytes": bdp,
        "pfc_headroom_bytes": headroom,
        "headroom_bound": "mlx5" if mlx5_domain else "rtt-x-rate",
        "edge_ports": ports,
        "edge_buffer_bytes": None if buffer_bytes is None else round(buffer_bytes),
        "lossless_feasible_by_speed": feasible,
        "lossless_reach_km": reach,
        "lossless_feasible": any(feasible.values()),
        "cuts_per_year": p["cuts_per_year"],
    }


def _reach_km(buffer_bytes: float, ports: int, speed_gbps: int, mtu: int, us_per_km: float) -> float:
    """Return the lossless reach (km): by the mlx5 formula when it lands inside its domain (under 1,000 m), else by
    round trip x rate over fiber."""
    metres = f.lossless_reach_m(buffer_bytes, ports, speed_gbps * 1000, mtu)
    if metres < float(assumptions()["headroom"]["mlx5_max_cable_m"]):
        return metres / 1000.0
    return f.rtt_lossless_reach_km(buffer_bytes, ports, speed_gbps * 1e9, mtu, us_per_km)


def _sig(value: float, digits: int = 7) -> float:
    """Return value rounded to `digits` significant digits (small rates keep their precision)."""
    return float(f"{value:.{digits}g}")


def _path_gbps(demand: dict[str, Any], path: dict[str, Any]) -> float:
    """Return a path's provisioned rate per direction, Gb/s: its waves x line rate (the path's own when the corridor
    plan gives them per path, else the demand's)."""
    return path.get("waves", demand["waves"]) * path.get("rate_gbps", demand["rate_gbps"])


def _normal_state(protection: str, gbps: dict[str, float], roles: dict[str, Any]) -> tuple[float, float]:
    """Return (rate b/s, RTT ms) of one link in normal operation: the working path, or both paths of a split."""
    if protection == "split":
        return sum(gbps.values()) * 1e9, max(p["rtt_ms"] for p in roles.values())
    return gbps["working"] * 1e9, roles["working"]["rtt_ms"]


def _cut_states(protection: str, gbps: dict[str, float], roles: dict[str, Any]) -> list[tuple[float, float]]:
    """Return the (rate b/s, RTT ms) one link can be left with after a single fiber cut, one per cut scenario."""
    if protection == "none":
        return [(0.0, roles["working"]["rtt_ms"])]
    if protection == "1+1":
        # The protect path carries every wave; the exchange waits for its longer round trip.
        return [(gbps["protect"] * 1e9, roles["protect"]["rtt_ms"])]
    # Split: the surviving path alone.
    return [(gbps[r] * 1e9, roles[r]["rtt_ms"]) for r in ("working", "protect")]


def _collective(states: list[tuple[float, float]], round_trips: int) -> tuple[float, float]:
    """Return (rate b/s, latency s) of the collective: its slowest link's rate, round trips x its longest RTT."""
    return min(s[0] for s in states), round_trips * max(s[1] for s in states) / 1000.0


def _after_cut(spec, link_states, normal, round_trips: int, eff_at, eff: float, cut_rate: float, mttr_h: float,
               events: dict[str, Any] | None) -> dict[str, Any]:
    """Return capacity and efficiency after the worst single fiber cut, the switchover latency step, expected cuts
    per year and the training time they cost (events and degraded running, cut_events of the plan's protection)."""
    worst: tuple[float, float] | None = None
    for index, (_, gbps, roles) in enumerate(link_states):
        for state in _cut_states(spec.protection, gbps, roles):
            cap, lat = _collective(normal[:index] + [state] + normal[index + 1:], round_trips)
            e = eff_at(cap, lat) if cap > 0 else 0.0
            if worst is None or e < worst[1]:
                worst = (cap, e)
    assert worst is not None
    cap_after, eff_after = worst
    # Switchover step = the corridor's differential delay (protect minus working, one way).
    steps = [demand["differential_delay_ms"] for demand, _, roles in link_states if "protect" in roles]
    cuts_working = sum(roles["working"]["cuts_per_year"] for _, _, roles in link_states)
    cuts_all = sum(p["cuts_per_year"] for _, _, roles in link_states for p in roles.values())
    fallback_h = cuts_working * mttr_h
    lost_h = events["hours_per_year"] if events is not None else fallback_h
    return {
        "capacity_tbps": round(cap_after / 1e12, 4),
        "efficiency": _sig(eff_after, 6),
        "latency_step_ms": round(max(steps), 3) if steps else None,
        "cuts_per_year": round(cuts_all, 4),
        "working_cuts_per_year": round(cuts_working, 4),
        "cuts_per_1000_km_year": cut_rate,
        "mttr_h": mttr_h,
        "hours_on_fallback_per_year": round(fallback_h, 3),
        "training_hours_lost_per_year": round(lost_h, 3),
    }


def _cut_events(spec, model: _Model, choice: _Choice, link_states, network, graph, corridor_data, cut_rate: float,
                mttr_h: float, eff_at) -> dict[str, dict[str, Any] | None]:
    """Return, per protection choice (none, 1+1, split), the expected job hours a year fiber cuts cost: each cut as
    an event (retransmission stall after a switchover, or timeout + restart + rollback) plus the hours running
    degraded (or stalled) until the repair. Paths the plan did not route (a protect path when protection is none)
    come from the routing core's diverse pair, their round trip from fiber length plus the working path's DSP."""
    from aifabric.corridor.availability import cuts_per_year
    from aifabric.corridor.route import diverse_pair
    from aifabric.errors import RoutingError
    from aifabric.units import km_to_latency_ms

    inputs = recovery_inputs(spec.recovery)
    level = corridor_data.get("diversity", "node") if isinstance(corridor_data, dict) else "node"
    # Per link: (working rtt, working cuts, protect rtt, protect cuts) and the normal line rate of the link.
    links = []
    for (a, z), (_, gbps, roles) in zip(choice.pairs, link_states, strict=True):
        working = roles["working"]
        total_gbps = sum(gbps.values()) if spec.protection == "split" else gbps["working"]
        if "protect" in roles:
            protect = (roles["protect"]["rtt_ms"], roles["protect"]["cuts_per_year"])
        else:
            try:
                route = diverse_pair(network, graph, model.sites[a].at, model.sites[z].at, level)[1]
            except RoutingError:
                protect = None
            else:
                dsp_ms = working["rtt_ms"] - 2 * km_to_latency_ms(working["km"])
                protect = (2 * km_to_latency_ms(route.km) + dsp_ms, cuts_per_year(route.km, cut_rate))
        links.append(((working["rtt_ms"], working["cuts_per_year"]), protect, total_gbps * 1e9))
    capacity = min(link[2] for link in links)
    trips = choice.round_trips
    flops = {sid: s.flops_per_s for sid, s in model.sites.items()}
    out: dict[str, dict[str, Any] | None] = {}
    for protection in ("none", "1+1", "split"):
        if protection != "none" and any(link[1] is None for link in links):
            out[protection] = None
            continue
        normal_rtt = [w[0] if protection != "split" else max(w[0], p[0]) for w, p, _ in links]
        eff_normal = eff_at(capacity, trips * max(normal_rtt) / 1000.0)
        cuts = 0.0
        event_h = 0.0
        degraded = 0.0
        for index, (working, protect, _) in enumerate(links):
            others = max([rtt for j, rtt in enumerate(normal_rtt) if j != index], default=0.0)
            if protection == "none":
                share = _surviving_share(choice.pairs, index, flops)
                per_cut = rec.unprotected_event_h(inputs, mttr_h, share)
                cuts += working[1]
                event_h += working[1] * per_cut
                continue
            per_event = rec.protected_event_h(inputs)
            if protection == "1+1":
                # A cut of the protect path costs nothing while the working path carries the traffic.
                after = eff_at(capacity, trips * max(others, protect[0]) / 1000.0)
                cuts += working[1]
                event_h += working[1] * per_event
                degraded += working[1] * rec.degraded_h(mttr_h, eff_normal, after)
            else:
                for rtt, count in (working, protect):
                    survivor = protect[0] if rtt == working[0] else working[0]
                    after = eff_at(capacity / 2, trips * max(others, survivor) / 1000.0)
                    cuts += count
                    event_h += count * per_event
                    degraded += count * rec.degraded_h(mttr_h, eff_normal, after)
        out[protection] = {
            "cuts_per_year": round(cuts, 4), "event_hours_per_year": round(event_h, 4),
            "degraded_hours_per_year": round(degraded, 4), "hours_per_year": event_h + degraded,
            "elastic": inputs["elastic"] if protection == "none" else None,
        }
    for entry in out.values():
        if entry is not None:
            entry["hours_per_year"] = round(entry["hours_per_year"], 4)
    return out


def _surviving_share(pairs: list[tuple[str, str]], cut: int, flops: dict[str, float]) -> float:
    """Return the share of the compute in the largest group of sites still joined when link `cut` is down."""
    groups = {site: {site} for site in flops}
    for index, (a, z) in enumerate(pairs):
        if index == cut or groups[a] is groups[z]:
            continue
        merged = groups[a] | groups[z]
        for site in merged:
            groups[site] = merged
    total = sum(flops.values())
    return max(sum(flops[s] for s in group) for group in groups.values()) / total


def _terms(demand: dict[str, Any]) -> dict[str, Any]:
    """Return the corridor designer's commercial terms of one training link: availability, fibers, cost."""
    availability = demand.get("availability") or {}
    return {
        "demand": demand["id"], "waves": demand["waves"], "fibers": demand.get("fibers"),
        "availability_percent": availability.get("percent"), "sla": availability.get("sla"),
        "meets_sla": availability.get("meets_sla"), "differential_delay_ms": demand.get("differential_delay_ms"),
        "cost_usd": {service: c.get("total_usd") for service, c in sorted((demand.get("cost") or {}).items())},
    }


def _verdict(paths: list[dict[str, Any]], sites: dict[str, SitePlan], speeds: list[int], priorities: int
             ) -> dict[str, Any]:
    """Return the transport verdict: lossless end to end only if every path's headroom fits the edge buffers."""
    lossless = all(p["lossless_feasible"] for p in paths)
    unknown = sorted({s.edge_switch for s in sites.values() if s.buffer_mb is None})
    longest = max(paths, key=lambda p: p["km"])
    top = str(max(speeds))
    bound = ("round trip x rate (IEEE 802.1Qbb delay model; the mlx5 formula holds only for cables under 1,000 m)"
             if longest["headroom_bound"] == "rtt-x-rate" else "the mlx5 headroom formula (cable under 1,000 m)")
    if lossless:
        text = ("lossless RoCE feasible: PFC headroom for every corridor-facing port fits the site-edge buffers "
                f"(headroom by {bound})")
    elif unknown:
        text = (f"cannot confirm lossless: no published buffer for {', '.join(unknown)}; plan lossy RoCE with "
                "end-to-end congestion control, PFC terminated at the site edge")
    else:
        text = (f"lossy RoCE with end-to-end congestion control, PFC terminated at the site edge: "
                f"{longest['km']:,.0f} km needs {longest['pfc_headroom_bytes'][top] / 1e9:,.2f} GB of headroom per "
                f"{top}G port and priority by {bound}; {longest['edge_ports'][top]} ports x "
                f"{longest['pfc_headroom_bytes'][top] / 1e6:,.0f} MB against the "
                f"{longest['edge_buffer_bytes'] / 1e6:,.0f} MB edge buffer (lossless reach at {top}G: "
                f"{longest['lossless_reach_km'][top]:,.1f} km)")
    return {
        "lossless_end_to_end": lossless,
        "mode": "lossless" if lossless else "lossy-with-congestion-control",
        "pfc_terminated_at_site_edge": not lossless,
        "verdict": text,
        "in_flight_bytes": max(p["in_flight_bytes"] for p in paths),
        # Hierarchical all-reduce spreads the inter-site exchange over every GPU's NIC: what each NIC keeps in flight
        # (the smallest site's share); a gateway that terminates the long haul holds the whole in_flight_bytes.
        "in_flight_bytes_per_gpu_nic": round(max(p["in_flight_bytes"] for p in paths)
                                             / min(s.gpus for s in sites.values())),
        "lossless_priorities": priorities,
        "unknown_buffers": unknown,
    }
