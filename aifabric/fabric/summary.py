"""The `fabric plan --json` document (a contract: keys are only ever added)."""

from __future__ import annotations

from typing import Any

from aifabric.catalog.models import Hardware
from aifabric.fabric.bom import PartCounts
from aifabric.fabric.latency import PathLatency
from aifabric.fabric.links import FabricLinks
from aifabric.fabric.sizing import Plan


def power_kw(plan: Plan, counts: PartCounts, hardware: Hardware) -> dict[str, float | str]:
    """Return network power in kW: switches, transceivers (and active cables), their total, and the same at
    typical draw where vendors publish it; `nics` is the NIC power in that total (0: every NIC's watts are in its
    system's power, counted once with the compute), `nics_in_systems` what they draw there."""
    from aifabric.fabric.site import NETWORK_POWER_SCOPE, network_power_w

    switch = hardware.switch(plan.switch_id)
    n_switches = plan.switch_counts()["total"]
    switch_w = n_switches * switch.power_w
    optics_w = counts.optics_power_w(hardware)
    parts: dict[str, float] = {"switches": switch_w, "transceivers": optics_w, "nics": 0.0}
    parts["total"] = network_power_w(plan, counts, hardware)
    parts["total_typical"] = (n_switches * (switch.power_typical_w if switch.power_typical_w is not None
                                            else switch.power_w) + counts.optics_power_w(hardware, typical=True))
    parts["nics_in_systems"] = plan.gpus * hardware.nic(plan.nic_id).power_w
    block: dict[str, float | str] = {k: round(v / 1000, 3) for k, v in parts.items()}
    block["scope"] = NETWORK_POWER_SCOPE
    return block


def summary(plan: Plan, links: FabricLinks, counts: PartCounts, latencies: list[PathLatency],
            hardware: Hardware, cost_usd: dict[str, float] | None = None, site: dict[str, Any] | None = None,
            bom: list | None = None) -> dict[str, Any]:
    """Return the plan's JSON document (with a `cost_usd` block when a cost is given, and the BOM's order lines,
    unverified counts and longest lead times when its lines are given)."""
    by_class = {p.path_class: p for p in latencies if p.plane == 0}
    worst = max(p.worst_ns for p in latencies)
    lower = plan.lower_bound_switches()
    switches = plan.switch_counts()
    document = {
        "name": plan.name,
        "gpus": plan.gpus,
        "servers": plan.servers,
        "gpus_per_server": plan.gpus_per_server,
        "rails": plan.rails,
        "rails_per_leaf": plan.rails_per_leaf,
        "planes": plan.planes,
        "tiers": plan.tiers,
        "server_model": plan.server_id,
        "nic_model": plan.nic_id,
        "switch_model": plan.switch_id,
        "port_gbps": plan.port_gbps,
        "uplink_gbps": plan.uplink_gbps,
        "nic_gbps": plan.nic_gbps,
        "oversubscription": round(plan.actual_oversubscription(), 4),
        "servers_per_su": plan.leaf_downlinks,
        "racks_per_leaf": plan.racks_per_leaf,
        "leaf_uplinks": plan.leaf_uplinks,
        "sus": plan.sus,
        "pods": len(plan.pods) if plan.tiers == 3 else 1,
        "leaves_per_pod": plan.leaves_per_pod,
        "switches": switches,
        "switches_per_plane": {k: v // plan.planes for k, v in switches.items()},
        "links": plan.link_counts(),
        "lower_bound_switches": round(lower, 2),
        # No fabric has fewer than one switch: a design smaller than one switch is measured against one.
        "lower_bound_ratio": round(switches["total"] / max(lower, 1.0), 4),
        "bisection_tbps": round(plan.bisection_tbps(), 3),
        "media": counts.media_links,
        "transceivers": counts.transceiver_totals(),
        "transceivers_by_side": {side: dict(sorted(v.items())) for side, v in counts.transceivers.items()},
        "parts": counts.parts(),
        "ports": counts.ports,
        "latency_ns": {
            # A path class the design lacks (one server: no two NICs share a leaf) is null.
            "same_leaf": by_class["same_leaf"].typical_ns if "same_leaf" in by_class else None,
            "same_pod": by_class["same_pod"].typical_ns if "same_pod" in by_class else None,
            "worst": worst,
        },
        "power_kw": power_kw(plan, counts, hardware),
        "notes": list(plan.notes) + (list(links.floor.notes) if links.floor is not None else []),
    }
    from aifabric.fabric.site import scale_up

    document["scale_up"] = scale_up(plan, hardware)
    if plan.gpus_requested and plan.gpus_requested != plan.gpus:
        document["gpus_requested"] = plan.gpus_requested
    if bom is not None:
        from aifabric.fabric.bom import longest_lead, unverified

        document["bom"] = [line.json() for line in bom]
        document["bom_unverified"] = unverified(bom)
        lead = longest_lead(bom)
        if lead:
            document["longest_lead"] = lead
    if site is not None:
        document["site"] = site
    if cost_usd is not None:
        document["cost_usd"] = cost_usd
    return document
