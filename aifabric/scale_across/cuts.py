"""Fiber cuts on the planned corridor, per protection choice: each cut as an event and the hours the job runs
degraded (or stalled) until the repair, from the corridor plan's paths (and the routing core's diverse pair for a
protection the plan did not route)."""

from __future__ import annotations

from typing import Any

from aifabric.scale_across import recovery as rec
from aifabric.scale_across.assumptions import recovery as recovery_inputs
from aifabric.scale_across.collective import Choice, Model


def cut_events(spec, model: Model, choice: Choice, link_states, network, graph, corridor_data, cut_rate: float,
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


