"""Rich rendering of a fabric plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def render_plan(console, result, document: dict[str, Any]) -> None:
    """Print the plan's summary tables."""
    from rich.table import Table

    from aifabric.cli.render import count, print_table

    d = document
    plan = result.plan
    head = Table(title=f"Fabric plan: {d['name']}", show_header=False, title_justify="left")
    head.add_column(style="bold")
    head.add_column()
    rows = [
        ("GPUs / servers", _gpus_on(d)),
        ("NIC", f"{d['nic_model']} {d['nic_gbps']}G, {count(d['planes'], 'plane')} of {d['port_gbps']}G"),
        ("Switch", f"{d['switch_model']}: radix {plan.radix_down} at {d['port_gbps']}G"
                   + (f", {plan.radix_up} at {d['uplink_gbps']}G" if d['uplink_gbps'] != d['port_gbps'] else "")),
        ("Tiers", f"{d['tiers']} ({_units(d)}"
                  + (f", {count(d['pods'], 'pod')} of {count(d['leaves_per_pod'], 'leaf', 'leaves')}"
                     if d['tiers'] == 3 else "")
                  + (f", {d['rails_per_leaf']} rails per leaf" if d['rails_per_leaf'] > 1 else "") + ")"),
        ("Oversubscription", f"{d['oversubscription']:g}:1 at the leaf ({d['servers_per_su']} down, "
                             f"{d['leaf_uplinks']} up)" if d['tiers'] > 1 else
                             "none: one tier, every NIC port on its rail's leaf, no uplinks"),
        ("Bisection", f"{d['bisection_tbps']:,.1f} Tb/s"),
        ("Switches vs lower bound", f"{d['switches']['total']:,} vs {d['lower_bound_switches']:,.1f} "
                                    f"((2t-1)N/k) = {d['lower_bound_ratio']:.4f}"),
        ("Power (network)", f"{d['power_kw']['total']:,.1f} kW (switches {d['power_kw']['switches']:,.1f}, "
                            f"optics {d['power_kw']['transceivers']:,.1f}); NICs "
                            f"({d['power_kw']['nics_in_systems']:,.1f} kW) are counted in the systems' power"),
        ("Latency one-way", f"same leaf {_ns(d['latency_ns']['same_leaf'])}, same pod "
                            f"{_ns(d['latency_ns']['same_pod'])}, worst {_ns(d['latency_ns']['worst'])}"),
    ]
    if "latency_budget" in d:
        b = d["latency_budget"]
        verdict = "[green]met[/green]" if b["met"] else "[bold red]violated[/bold red]"
        relation = "within" if b["met"] else "over"
        rows.append(("Latency budget", f"{verdict}: worst {_ns(b['worst_ns'])} ({b['worst_class']}) {relation} "
                                       f"the {_ns(b['ns'])} budget"))
    if d.get("scale_up", {}).get("domain_gpus"):
        u = d["scale_up"]
        rows.insert(1, ("Scale-up", f"{count(u['racks'], 'rack')} of {u['domain_gpus']}-GPU NVLink domains: "
                                    f"{count(u['compute_trays'], 'compute tray')}, "
                                    f"{count(u['nvlink_switch_trays'], 'NVLink switch tray')}"))
    if "site" in d:
        s = d["site"]
        limit = f" (limit {s['max_site_mw']:,.1f} MW)" if "max_site_mw" in s else ""
        # Below 1 MW the site is counted in kW: "0.0 MW" says nothing of an 8-GPU cluster's 12 kW.
        scale, unit = (1, "MW") if s["facility_mw"] >= 1 else (1000, "kW")
        rows.append(("Site", f"{s['facility_mw'] * scale:,.1f} {unit} facility{limit} = {s['it_mw'] * scale:,.1f} "
                             f"{unit} IT x PUE {s['pue']:g} (compute {s['compute_mw'] * scale:,.1f}, network "
                             f"{s['network_mw'] * scale:,.3f}: the Power (network) row)"))
        rooms = d.get("network_rooms", {})
        core = ""
        if d["tiers"] == 3 and rooms:
            core = ("; the core in one campus room" if rooms["core_room_count"] == 1 else
                    f"; the core in {rooms['core_room_count']:,} rooms, {_CORE_ROOMS[rooms['core_rooms']]}")
        if "it_mw_all_networks" in s:
            rows.append(("Site, every network", f"{s['facility_mw_all_networks'] * scale:,.1f} {unit} facility = "
                                                f"{s['it_mw_all_networks'] * scale:,.1f} {unit} IT (the networks "
                                                f"beside the compute fabric add {s['other_networks_mw'] * scale:,.3f}"
                                                f"; the Networks table)"))
        network = (f"{s['network_switch_racks']:,} switch, {s['patch_panel_racks']:,} patch panel"
                   if s.get("patch_panel_racks") else f"{s['network_racks']:,} network")
        rows.append(("Campus", f"{count(s['racks'], 'rack')} ({s['compute_racks']:,} compute, "
                               f"{network}) in {count(s['rows'], 'row')}, "
                               f"{count(s['halls'], 'hall')}, {count(s['buildings'], 'building')}{core}"))
    if "cost_usd" in d:
        c = d["cost_usd"]
        book = Path(result.prices.file).name if getattr(result, "prices", None) is not None else "price book"
        rows.append(("Cost (network)", f"${c['total']:,.0f} from {book} (switches ${c['switches']:,.0f}, optics "
                                       f"${c['transceivers']:,.0f}, cables ${c['cables']:,.0f}, NICs "
                                       f"${c['nics']:,.0f})"))
    if "bom" in d:
        bad = d["bom_unverified"]
        units = sum(x["quantity"] for x in d["bom"])
        spares = sum(x["spares"] for x in d["bom"])
        rows.append(("Bill of materials", f"{count(len(d['bom']), 'line')}, {units:,} units + {spares:,} spares; "
                                          f"order codes not verified with a vendor: {count(bad['lines'], 'line')}, "
                                          f"{count(bad['units'], 'unit')}"))
    if d.get("longest_lead"):
        rows.append(("Longest lead", ", ".join(f"{x['order_code']} {x['lead_time_weeks']:g} wk"
                                               for x in d["longest_lead"][:3])))
    for key, value in rows:
        head.add_row(key, value)
    print_table(console, head)

    tiers = Table(title="Switches and links per tier", title_justify="left")
    for col in ("tier", "switches", "per plane", "links up", "speed"):
        tiers.add_column(col, justify="right" if col != "tier" else "left")
    links = d["links"]
    tiers.add_row("leaf", f"{d['switches']['leaf']:,}", f"{d['switches_per_plane']['leaf']:,}",
                  f"{links['leaf_spine']:,}", f"{d['uplink_gbps']}G")
    spine_up = f"{links['spine_core']:,}" if d["tiers"] == 3 else "-"
    tiers.add_row("spine", f"{d['switches']['spine']:,}", f"{d['switches_per_plane']['spine']:,}", spine_up,
                  f"{d['uplink_gbps']}G" if d["tiers"] == 3 else "-")
    if d["tiers"] == 3:
        tiers.add_row("core", f"{d['switches']['core']:,}", f"{d['switches_per_plane']['core']:,}", "-", "-")
    tiers.add_row("NIC ports", f"{links['nic_leaf']:,}", "", "", f"{d['port_gbps']}G")
    print_table(console, tiers)
    if "networks" in d:
        _render_networks(console, d["networks"])

    media = Table(title="Media and transceivers", title_justify="left")
    for col in ("kind", "catalog id", "quantity"):
        media.add_column(col, justify="right" if col == "quantity" else "left")
    for medium, n in d["media"].items():
        media.add_row("links", medium, f"{n:,}")
    for side, parts in d["transceivers_by_side"].items():
        for part, n in parts.items():
            media.add_row(f"optics ({side})", part, f"{n:,}")
    print_table(console, media)
    if d.get("network_rooms", {}).get("rooms"):
        _render_rooms(console, d["network_rooms"])
    if "bom" in d:
        _render_bom(console, result.bom())
    for note in d["notes"]:
        console.print(f"[dim]note: {note}[/dim]")


_CORE_ROOMS = {"building": "one per building", "hall": "one per hall"}  # a spread core (more than one room)


def _render_rooms(console, block: dict[str, Any]) -> None:
    """Print the rooms holding network racks: switch racks, patch-panel racks and trunks per room, rooms with the
    same figures on one row."""
    from rich.table import Table

    from aifabric.cli.render import print_table

    limit = block["racks_max"]
    unsure = ", UNSURE: room_racks_max" if block["racks_max_source"].startswith("planning") else ""
    table = Table(title=f"Network rooms (limit {limit:,} racks a room{unsure})", title_justify="left")
    for col in ("rooms", "holds", "switch racks", "panel racks", "racks", "trunk routes", "trunks"):
        table.add_column(col, justify="left" if col in ("rooms", "holds") else "right")
    groups: dict[tuple, list[tuple[int, str]]] = {}
    for position, room in enumerate(block["rooms"]):
        holds = ", ".join(f"{n:,} {tier}" for tier, n in room["switches"].items()) or "-"
        key = (room["kind"], holds, room["switch_racks"], room["panel_racks"], room["racks"], room["trunk_routes"],
               room["trunks"])
        groups.setdefault(key, []).append((position, room["room"]))
    for (_, holds, switch_racks, panel_racks, racks, routes, trunks), members in groups.items():
        table.add_row(_room_label(members), holds, f"{switch_racks:,}", f"{panel_racks:,}", f"{racks:,}",
                      f"{routes:,}", f"{trunks:,}")
    print_table(console, table)


def _room_label(members: list[tuple[int, str]]) -> str:
    """Return the rooms of one table row: a name, 'n rooms: a .. z' for consecutive rooms, else the first two and
    the last."""
    names = [name for _, name in members]
    if len(names) <= 2:
        return ", ".join(names)
    if members[-1][0] - members[0][0] == len(members) - 1:
        return f"{len(names)} rooms: {names[0]} .. {names[-1]}"
    return f"{len(names)} rooms: {names[0]}, {names[1]}, ... {names[-1]}"


def _render_networks(console, networks: dict[str, Any]) -> None:
    """Print every network the site orders: its switches per tier, links to cable and power, and their total."""
    from rich.table import Table

    from aifabric.cli.render import print_table

    table = Table(title="Networks (links.csv and bom.csv `network` column)", title_justify="left")
    for col in ("network", "switches", "links", "power kW"):
        table.add_column(col, justify="left" if col in ("network", "switches") else "right")
    for name, block in networks.items():
        if name == "total":
            continue
        tiers = ", ".join(f"{n:,} {tier}" for tier, n in block["switches"].items())
        if block.get("merged_into"):
            tiers = f"on the {block['merged_into']} pair"   # the small-design merge: its switches are counted there
        table.add_row(name, tiers or "-", f"{block['links']:,}", f"{block['power_kw']:,.1f}")
    total = networks["total"]
    inside = (f" (+ {total['in_system_switches']:,} inside the systems, not ordered)"
              if total.get("in_system_switches") else "")
    table.add_row("total", f"{total['switches']:,} switches{inside}", f"{total['links']:,}",
                  f"{total['power_kw']:,.1f}")
    print_table(console, table)


def _render_bom(console, lines) -> None:
    """Print the bill of materials as ordered: order code, vendor, verified, quantity, spares, lead time."""
    from rich.table import Table

    from aifabric.cli.render import print_table

    table = Table(title="Bill of materials (bom.csv)", title_justify="left")
    for col in ("network", "category", "order code", "vendor", "verified", "quantity", "spares", "lead (wk)"):
        table.add_column(col, justify="right" if col in ("quantity", "spares", "lead (wk)") else "left",
                         overflow="fold")
    for line in lines:
        lead = "-" if line.lead_time_weeks is None else f"{line.lead_time_weeks:g}"
        table.add_row(line.network, line.category, line.order_code, line.vendor, "yes" if line.verified else "no",
                      f"{line.quantity:,}", f"{line.spares:,}", lead)
    print_table(console, table)


def _gpus_on(d: dict[str, Any]) -> str:
    """Return '100,000 GPUs on 12,500 hgx-h100 (8 rails)', or for a rack-scale system '72 GPUs on 18 compute
    trays of gb200-nvl72 in 1 rack (4 rails)': its catalog entry is a tray, and a rack holds many."""
    from aifabric.cli.render import count

    rails = count(d["gpus_per_server"], "rail")
    racks = d.get("scale_up", {}).get("racks") if d.get("scale_up", {}).get("domain_gpus") else None
    requested = f"; {d['gpus_requested']:,} requested, rounded up to whole racks" if "gpus_requested" in d else ""
    if racks:
        return (f"{count(d['gpus'], 'GPU')} on {count(d['servers'], 'compute tray')} of {d['server_model']} in "
                f"{count(racks, 'rack')} ({rails}){requested}")
    return f"{count(d['gpus'], 'GPU')} on {d['servers']:,} {d['server_model']} ({rails}){requested}"


def _units(d: dict[str, Any]) -> str:
    """Return '196 SUs of 64 servers'; for a rack-scale system '128 leaf groups of 18 trays', since NVIDIA's
    scalable unit of rack-scale systems is a group of racks (8 GB200 NVL72 racks), not the trays one leaf takes."""
    from aifabric.cli.render import count

    if d.get("scale_up", {}).get("domain_gpus"):
        racks = d.get("racks_per_leaf")
        block = f" in {count(racks, 'rack')}" if racks else ""
        return f"{count(d['sus'], 'leaf group')} of {count(d['servers_per_su'], 'tray')}{block}"
    return f"{count(d['sus'], 'SU')} of {count(d['servers_per_su'], 'server')}"


def _ns(value) -> str:
    return "-" if value is None else f"{value:,.0f} ns"
