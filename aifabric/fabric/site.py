"""Site power and the placement hierarchy's counts: does the design fit the site?

IT power is the compute (servers, or rack-scale systems at their published rack figure, else compute trays, NVLink
switch trays and the rack's own overhead, from the catalog) plus the network (switches, pluggable optics and active
cables). The NICs are inside the servers' and trays' catalog power, so they are not added again: the network power
here is `fabric plan`'s `power_kw.total`, one figure with one scope. Facility power = IT power x PUE (default 1.2).
The site's limit (max_site_mw) bounds the whole site: these figures plus the networks beside the compute fabric
(converged, storage, OOB: their switches, optics and active cables), `facility_mw_all_networks`. The site's racks
are the compute racks, the compute fabric's switch racks and the patch-panel racks of the network rooms.
"""

from __future__ import annotations

import math
from typing import Any

from aifabric.catalog.models import Hardware
from aifabric.errors import DesignError
from aifabric.fabric.bom import PartCounts
from aifabric.fabric.links import FabricLinks
from aifabric.fabric.sizing import Plan

NETWORK_POWER_SCOPE = ("switches, pluggable optics and active cables; NICs are counted in the systems' power "
                       "(inside the servers' and racks' catalog figures)")


def compute_power_w(plan: Plan, hardware: Hardware) -> dict[str, float]:
    """Return compute power in W: servers (their NICs inside), or for a rack-scale system its racks at the
    published rack figure (catalog rack_power_max_w), else compute trays, NVLink switch trays and rack overhead."""
    server = hardware.server(plan.server_id)
    racks = plan.system_racks
    if plan.rack_scale and server.rack_power_max_w is not None:
        return {"racks": racks * server.rack_power_max_w}
    return {"servers": plan.servers * server.power_w,
            "nvlink_switch_trays": racks * server.nvlink_switch_trays_per_rack * server.nvlink_switch_tray_power_w,
            "rack_overhead": racks * server.rack_overhead_w}


def network_power_w(plan: Plan, counts: PartCounts, hardware: Hardware) -> float:
    """Return switch + optics + active cable power in W (NIC power is counted with the servers)."""
    switch_w = plan.switch_counts()["total"] * hardware.switch(plan.switch_id).power_w
    # Optics at the power the modules draw in their mode (split-mode NIC modules at their split power), as the BOM.
    return switch_w + counts.optics_power_w(hardware)


def scale_up(plan: Plan, hardware: Hardware) -> dict[str, int]:
    """Return the `scale_up` block: GPUs per NVLink domain, NVLink switch trays, racks and trays (0 for N-GPU
    servers, whose NVLink stays inside the box)."""
    if not plan.rack_scale:
        return {"domain_gpus": 0, "nvlink_switch_trays": 0, "racks": 0, "compute_trays": 0, "domains": 0}
    server = hardware.server(plan.server_id)
    return {"domain_gpus": plan.scale_up_domain,
            "nvlink_switch_trays": plan.system_racks * server.nvlink_switch_trays_per_rack,
            "racks": plan.system_racks, "compute_trays": plan.servers,
            "domains": -(-plan.gpus // plan.scale_up_domain)}


def site(plan: Plan, links: FabricLinks, counts: PartCounts, hardware: Hardware, pue: float,
         max_site_mw: float | None = None, rooms: list | None = None,
         other_networks_w: dict[str, float] | None = None) -> dict[str, Any]:
    """Return the `site` block: racks, rows, halls, buildings, IT and facility MW (and the site limit). With the
    network rooms (aifabric.fabric.rooms) the network racks include their patch-panel racks; with the power of the
    networks beside the compute fabric ({network: W}) the block gains the whole site's IT and facility MW."""
    campus = links.floor.campus()
    compute = compute_power_w(plan, hardware)
    it_w = sum(compute.values()) + network_power_w(plan, counts, hardware)
    # Patch-panel racks as the rooms count them (the panels the BOM orders, per room): one figure, read not redone.
    panel_racks = sum(room.panel_racks for room in rooms or ())
    block: dict[str, Any] = {
        "racks": campus.compute_racks + campus.network_racks + panel_racks,
        "compute_racks": campus.compute_racks,
        "network_racks": campus.network_racks + panel_racks,
        "network_switch_racks": campus.network_racks,
        "patch_panel_racks": panel_racks,
        "servers_per_rack": campus.servers_per_rack,
        "rows": campus.rows,
        "halls": campus.halls,
        "buildings": campus.buildings,
        "it_mw": round(it_w / 1e6, 3),
        "compute_mw": round(sum(compute.values()) / 1e6, 3),
        "network_mw": round((it_w - sum(compute.values())) / 1e6, 3),
        "network_scope": NETWORK_POWER_SCOPE,
        "pue": pue,
        "facility_mw": round(it_w * pue / 1e6, 3),
    }
    if other_networks_w is not None:
        others_w = sum(other_networks_w.values())
        block["other_networks_mw"] = round(others_w / 1e6, 3)
        block["it_mw_all_networks"] = round((it_w + others_w) / 1e6, 3)
        block["facility_mw_all_networks"] = round((it_w + others_w) * pue / 1e6, 3)
    if max_site_mw is not None:
        block["max_site_mw"] = max_site_mw
    return block


def check_site(block: dict[str, Any], max_site_mw: float | None, other_networks_w: dict[str, float] | None = None,
               gpus: int = 0, gpus_per_system: int = 1) -> None:
    """Raise DesignError when the site's facility power exceeds its limit: the whole site's (every network) when
    the block has it (other_networks_w: {network: W}, named in the message), else the compute fabric's and its
    systems' (a lower bound, checked before the other networks are planned). gpus: the design's GPUs, to say
    about how many fit (whole systems of gpus_per_system)."""
    if max_site_mw is None:
        return
    whole = "facility_mw_all_networks" in block
    need = block["facility_mw_all_networks"] if whole else block["facility_mw"]
    if need <= max_site_mw:
        return
    # Whole MW to a tenth on a large site; a small one to the kW, so the figure and the limit never print alike.
    places = 1 if need >= 100 else 3

    def mw(value: float) -> str:
        return f"{value:,.{places}f}"

    fit = ""
    if gpus:
        per = max(1, gpus_per_system)
        # Power scales about linearly with GPUs (the fabric's tiers and pods step): an estimate, said as one.
        # Before the other networks are counted the estimate is an upper bound: they take their share too.
        fit = (f" ({'' if whole else 'at most '}about {math.floor(gpus * max_site_mw / need / per) * per:,} "
               f"fit)")
    if whole:
        others = "".join(f", {name} {mw(w / 1e6)}" for name, w in (other_networks_w or {}).items() if w)
        raise DesignError(
            f"with every network the site needs {mw(need)} MW of facility power ({mw(block['it_mw_all_networks'])} "
            f"MW IT: compute fabric and systems {mw(block['it_mw'])}{others}; x PUE {block['pue']:g}), above "
            f"max_site_mw {max_site_mw:g}; use fewer GPUs{fit}, fewer networks (networks.plan), a lower PUE, or "
            f"more power", field="max_site_mw")
    raise DesignError(
        f"the compute fabric and its systems alone need {mw(need)} MW of facility power ({mw(block['it_mw'])} MW "
        f"IT x PUE {block['pue']:g}; the other networks add more), above max_site_mw {max_site_mw:g}; use fewer "
        f"GPUs{fit}, a lower PUE, or more power", field="max_site_mw")
