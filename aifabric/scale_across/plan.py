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
from aifabric.scale_across.assumptions import assumptions
from aifabric.scale_across.assumptions import recovery as recovery_inputs
from aifabric.scale_across.collective import Choice, Model, choose, steps_of
from aifabric.scale_across.corridor import Link, derived_spec, load_corridor_data, plan_derived
from aifabric.scale_across.cuts import cut_events
from aifabric.scale_across.formulas import significant as _sig
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
    steps = steps_of(job, sites, tokens)
    model = Model(spec, order, sites, steps, tokens)
    graph = build_graph(network)
    choice = choose(model, spec, file, lines, graph)
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


def _line_rate(model: Model, choice: Choice, latency: float, spec: ScaleAcrossSpec) -> float:
    """Return the line rate per link (b/s) the demand asks of the corridor: R_hiding / transport share x growth,
    halved on each path of a split service."""
    rate = f.hiding_rate_bps(choice.traffic, model.overlap, model.step, model.sync_h, latency,
                             f.allowance_s(model.step, model.sync_h, choice.target))
    share = 0.5 if spec.protection == "split" else 1.0
    return rate / model.transport_efficiency * (1 + spec.growth) * share


def _plan_corridor(spec, sites, model: Model, choice: Choice, corridor_data, corridor_file, network_file,
                   catalog_dir, latency: float | None):
    line = _line_rate(model, choice, choice.latency_s if latency is None else latency, spec)
    demand_tbps = _sig(line / 1e12)
    corridor_protection = "none" if spec.protection == "none" else "1+1"
    links = [Link(sites[a].at, sites[z].at, f"{a}-{z}-training", demand_tbps, corridor_protection)
             for a, z in choice.pairs]
    derived = derived_spec(spec.name, corridor_data, corridor_file, network_file, links)
    corridor_plan = plan_derived(derived, corridor_file, catalog_dir)
    return corridor_plan, derived, corridor_plan.to_json()


def _latency_s(corridor_doc: dict[str, Any], choice: Choice, protection: str) -> float:
    """Return the latency term on the planned corridor: round trips x the longest normal-state RTT."""
    states = []
    for a, z in choice.pairs:
        demand = _link_paths(corridor_doc, f"{a}-{z}-training")
        gbps = {p["role"]: _path_gbps(demand, p) for p in demand["paths"]}
        roles = {p["role"]: p for p in demand["paths"]}
        states.append(_normal_state(protection, gbps, roles))
    return _collective(states, choice.round_trips)[1]


def _provisioned_per_link(corridor_doc: dict[str, Any], choice: Choice, protection: str) -> float:
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


def _document(spec: ScaleAcrossSpec, sites: dict[str, SitePlan], order: list[str], model: Model, choice: Choice,
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
    events = cut_events(spec, model, choice, link_states, network, graph, corridor_data, cut_rate, mttr_h, eff_at)
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
        # The corridor was sized for the target; a round trip longer than planned can still leave it short.
        "meets_target": eff >= choice.target * (1 - 1e-9),
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
