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
from aifabric.scale_across.corridor import Link, derived_spec, load_corridor_data, plan_derived
from aifabric.scale_across.sites import SitePlan, resolve_sites
from aifabric.scale_across.spec import ScaleAcrossSpec, load_scale_across_spec

FORMULAS = {
    "step_s": "T = 6 * P_active * tokens_per_step / (sum(GPUs * peak_dense_bf16) * MFU)",
    "traffic_data": "bits per sync per link direction = 2 * (S - 1) / S * grad_bits * P_total",
    "traffic_pipeline": "bits per step per boundary direction = hidden_size * tokens_per_step * activation_bits",
    "required": "R = traffic / (overlap * T * H), H = sync_every_steps (1 for a pipeline split)",
    "exposed": "exposed = max(0, traffic / capacity + (S - 1) * RTT - overlap * T * H)",
    "efficiency": "efficiency = T * H / (T * H + exposed)",
    "bdp": "BDP = port rate * RTT / 8 bytes",
    "pfc_headroom": "headroom = (301 + 2.16 * cable_m) * speed_Mb/s / 1000 + 2.72 * MTU bytes per port and "
                    "lossless priority (Linux mlx5 calculate_xoff, drivers/net/ethernet/mellanox/mlx5/core/en/"
                    "port_buffer.c)",
    "cuts": "cuts per year per path = route km / 1000 * cut_rate_per_1000km_yr (corridor plan)",
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


def links_of(order: list[str], split: str) -> list[tuple[str, str]]:
    """Return the inter-site links: a ring for a data split (one link for two sites), a chain for a pipeline."""
    pairs = list(zip(order, order[1:], strict=False))
    if split == "data" and len(order) > 2:
        pairs.append((order[-1], order[0]))
    return pairs


def plan_scale_across(spec_path: str | Path, catalog_dir: str | Path | None = None,
                      overrides: dict[str, Any] | None = None) -> ScaleAcrossPlan:
    """Return the scale-across plan of a spec file (with --vary overrides applied before validation)."""
    from aifabric.catalog.models import load_hardware

    file = str(spec_path)
    spec, lines = load_scale_across_spec(spec_path, overrides)
    hardware = load_hardware(catalog_dir)
    order = ring_order(spec, file, lines)
    corridor_file, corridor_data, network_file = load_corridor_data(spec_path, spec.corridor, lines)
    _check_sites_on_network(spec, file, lines, network_file, corridor_data)
    sites = {s.id: s for s in resolve_sites(spec, spec_path, lines, hardware, catalog_dir)}
    job = spec.job
    flops = sum(s.flops_per_s for s in sites.values())
    tokens = job.tokens_per_step_m * 1e6
    step = f.step_time_s(job.active_b * 1e9, tokens, flops, job.mfu)
    count = len(order)
    if job.split == "data":
        traffic = f.allreduce_bits_per_direction(f.gradient_bits(job.params_total_b * 1e9, job.grad_bits), count)
        sync_h = job.sync_every_steps
    else:
        assert job.hidden_size is not None
        traffic = f.pipeline_bits_per_direction(job.hidden_size, tokens, job.activation_bits)
        sync_h = 1
    required = f.required_rate_bps(traffic, job.overlap, step, sync_h)
    pairs = links_of(order, job.split)
    # A split service puts half the rate on each of two diverse paths (a 1+1-routed pair, both active).
    per_path_share = 0.5 if spec.protection == "split" else 1.0
    demand_tbps = _sig(required * (1 + spec.growth) * per_path_share / 1e12)
    corridor_protection = "none" if spec.protection == "none" else "1+1"
    links = [Link(sites[a].at, sites[z].at, f"{a}-{z}-training", demand_tbps, corridor_protection) for a, z in pairs]
    derived = derived_spec(spec.name, corridor_data, corridor_file, network_file, links)
    corridor_plan = plan_derived(derived, corridor_file, catalog_dir)
    corridor_doc = corridor_plan.to_json()
    document = _document(spec, sites, order, pairs, step, traffic, required, sync_h, corridor_doc, hardware)
    return ScaleAcrossPlan(document, corridor_plan, derived, corridor_file, network_file)


def _check_sites_on_network(spec: ScaleAcrossSpec, file: str, lines, network_file: Path, corridor_data) -> None:
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


def _link_paths(corridor_doc: dict[str, Any], demand_id: str) -> dict[str, Any]:
    for demand in corridor_doc["demands"]:
        if demand["id"] == demand_id:
            return demand
    raise KeyError(demand_id)  # the corridor plan holds every demand it was given


def _document(spec: ScaleAcrossSpec, sites: dict[str, SitePlan], order: list[str], pairs, step: float,
              traffic: float, required: float, sync_h: int, corridor_doc: dict[str, Any], hardware) -> dict[str, Any]:
    job = spec.job
    count = len(order)
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
    capacity, latency = _ring(normal, count)
    exposed = f.exposed_s(traffic, capacity, latency, job.overlap, step, sync_h)
    eff = f.efficiency(step, sync_h, exposed)
    curve = []
    for multiple in spec.capacity_multiples:
        cap = multiple * required
        e = f.efficiency(step, sync_h, f.exposed_s(traffic, cap, latency, job.overlap, step, sync_h))
        curve.append({"capacity_tbps": _sig(cap / 1e12), "multiple_of_required": multiple,
                      "efficiency": _sig(e, 6), "provisioned": False})
    curve.append({"capacity_tbps": _sig(capacity / 1e12),
                  "multiple_of_required": _sig(capacity / required, 6), "efficiency": _sig(eff, 6),
                  "provisioned": True})
    curve.sort(key=lambda row: (row["capacity_tbps"], row["provisioned"]))
    after = _after_cut(spec, link_states, normal, traffic, job, step, sync_h, count, eff, cut_rate, mttr_h)
    verdict = _verdict(paths_out, sites, speeds, priorities)
    peak = {sid: s.peak_tflops for sid, s in sorted(sites.items())}
    return {
        "name": spec.name,
        "split": job.split,
        "protection": spec.protection,
        "sites": [sites[sid].to_json() for sid in order],
        "order": order,
        "links": [{"a": a, "z": z, "at": [sites[a].at, sites[z].at]} for a, z in pairs],
        "job": job.model_dump(),
        "step_s": _sig(step),
        "peak_tflops_per_gpu": peak,
        "gpus": {sid: s.gpus for sid, s in sorted(sites.items())},
        "total_peak_pflops": round(sum(s.flops_per_s for s in sites.values()) / 1e15, 3),
        "sync_every_steps": sync_h,
        "traffic_bits_per_sync": traffic,
        "required_tbps_per_direction": _sig(required / 1e12),
        "demand_tbps_per_link": _sig(required * (1 + spec.growth) / 1e12),
        "growth": spec.growth,
        "provisioned_tbps_per_direction": _sig(capacity / 1e12),
        "latency_term_ms": round(latency * 1000, 3),
        "exposed_s": _sig(exposed) if not math.isinf(exposed) else None,
        "efficiency": _sig(eff, 6),
        "efficiency_vs_capacity": curve,
        "paths": paths_out,
        "transport": verdict,
        "after_cut": after,
        "corridor": corridor_doc,
        "formulas": FORMULAS,
        "corridor_terms": [_terms(demand) for demand, _, _ in link_states],
        "sources": {
            "availability": "the corridor plan's availability inputs (corridor spec `availability`: Bellcore "
                            "buried-cable cut rate, MTTR)",
            "pfc_headroom": "Linux mlx5 driver, calculate_xoff() in drivers/net/ethernet/mellanox/mlx5/core/en/"
                            "port_buffer.c: xoff = (301 + 216 * cable_len / 100) * speed / 1000 + 272 * mtu / 100",
        },
    }


def _path_json(a: str, z: str, p: dict[str, Any], path_gbps: float, speeds: list[int], mtu: int, priorities: int,
               buffer_bytes: float | None) -> dict[str, Any]:
    rtt_s = p["rtt_ms"] / 1000.0
    cable_m = p["km"] * 1000.0
    bdp = {}
    headroom = {}
    ports = {}
    feasible = {}
    reach = {}
    for speed in speeds:
        key = str(speed)
        bdp[key] = round(f.bdp_bytes(speed * 1e9, rtt_s))
        headroom[key] = round(f.pfc_headroom_bytes(cable_m, speed * 1000, mtu))
        ports[key] = max(1, math.ceil(path_gbps / speed))
        need = ports[key] * priorities * headroom[key]
        feasible[key] = buffer_bytes is not None and need <= buffer_bytes
        reach[key] = (None if buffer_bytes is None else
                      round(f.lossless_reach_m(buffer_bytes, ports[key] * priorities, speed * 1000, mtu) / 1000, 3))
    return {
        "a": a, "z": z, "role": p["role"], "rtt_ms": p["rtt_ms"], "km": p["km"],
        "sites": p["sites"], "capacity_tbps": round(path_gbps / 1000, 4),
        "in_flight_bytes": round(f.bdp_bytes(path_gbps * 1e9, rtt_s)),
        "bdp_bytes": bdp,
        "pfc_headroom_bytes": headroom,
        "edge_ports": ports,
        "edge_buffer_bytes": None if buffer_bytes is None else round(buffer_bytes),
        "lossless_feasible_by_speed": feasible,
        "lossless_reach_km": reach,
        "lossless_feasible": any(feasible.values()),
        "cuts_per_year": p["cuts_per_year"],
    }


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


def _ring(states: list[tuple[float, float]], count: int) -> tuple[float, float]:
    """Return (rate b/s, latency s) of the whole ring or chain: its slowest link's rate, (S - 1) x its longest RTT."""
    return min(s[0] for s in states), (count - 1) * max(s[1] for s in states) / 1000.0


def _after_cut(spec, link_states, normal, traffic: float, job, step: float, sync_h: int, count: int,
               eff: float, cut_rate: float, mttr_h: float) -> dict[str, Any]:
    """Return capacity and efficiency after the worst single fiber cut, the switchover latency step, expected cuts
    per year and the training time they cost."""
    worst: tuple[float, float] | None = None
    for index, (_, gbps, roles) in enumerate(link_states):
        for state in _cut_states(spec.protection, gbps, roles):
            cap, lat = _ring(normal[:index] + [state] + normal[index + 1:], count)
            e = f.efficiency(step, sync_h, f.exposed_s(traffic, cap, lat, job.overlap, step, sync_h))
            if worst is None or e < worst[1]:
                worst = (cap, e)
    assert worst is not None
    cap_after, eff_after = worst
    # Switchover step = the corridor's differential delay (protect minus working, one way).
    steps = [demand["differential_delay_ms"] for demand, _, roles in link_states if "protect" in roles]
    cuts_working = sum(roles["working"]["cuts_per_year"] for _, _, roles in link_states)
    cuts_all = sum(p["cuts_per_year"] for _, _, roles in link_states for p in roles.values())
    fallback_h = cuts_working * mttr_h
    lost_h = fallback_h * (1 - eff_after / eff) if eff > 0 else fallback_h
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
    if lossless:
        text = ("lossless RoCE feasible: PFC headroom for every corridor-facing port fits the site-edge buffers")
    elif unknown:
        text = (f"cannot confirm lossless: no published buffer for {', '.join(unknown)}; plan lossy RoCE with "
                "end-to-end congestion control, PFC terminated at the site edge")
    else:
        text = (f"lossy RoCE with end-to-end congestion control, PFC terminated at the site edge: "
                f"{longest['km']:,.0f} km needs {longest['pfc_headroom_bytes'][top] / 1e9:,.2f} GB of headroom per "
                f"{top}G port and priority, the edge buffer holds {longest['edge_buffer_bytes'] / 1e6:,.0f} MB "
                f"(lossless reach at {top}G: {longest['lossless_reach_km'][top]:,.1f} km)")
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
