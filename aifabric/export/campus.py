"""`fabric draw --campus`: the placement hierarchy seen from above, buildings with their halls, which pods each hall
holds and its IT power, and the campus core room (where every spine-core run ends)."""

from __future__ import annotations

import numpy as np

from aifabric.fabric.links import FabricLinks
from aifabric.units import count


def draw_campus(links: FabricLinks, hardware):
    """Return a matplotlib figure of the campus: building outlines, halls (pods, MW) and the core room."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    floor, plan = links.floor, links.plan
    campus = floor.campus()
    server = hardware.server(plan.server_id)
    su = np.arange(plan.sus)
    hall_of_su = floor._su_hall(su)
    servers_in_su = np.minimum(plan.servers - su * plan.leaf_downlinks, plan.leaf_downlinks)
    unit_w = server.rack_power_w() / plan.trays_per_rack if plan.rack_scale else server.power_w
    hall_mw = np.bincount(hall_of_su, weights=servers_in_su * unit_w, minlength=floor.halls) / 1e6
    fig = Figure(figsize=(10, 7.5))
    ax = fig.add_subplot()
    per_building = floor.placement.halls_per_building
    for b in range(campus.buildings):
        halls = range(b * per_building, min((b + 1) * per_building, floor.halls))
        x0 = floor._hx[halls[0]]
        ax.add_patch(Rectangle((x0 - 4, floor._by[b] - 4), len(halls) * floor.hall_width_m + 8,
                               floor.hall_depth_m + 8, fill=False, lw=1.6, ec="#333333"))
        ax.text(x0, floor._by[b] + floor.hall_depth_m + 8, f"building {b}", fontsize=8, va="bottom")
    units = np.unique(hall_of_su // 1)
    for hall in units.tolist():
        color = "#d62728" if hall == floor.core_hall else "#1f77b4"
        ax.add_patch(Rectangle((floor._hx[hall], floor._hy[hall]), floor.hall_width_m - 2, floor.hall_depth_m - 2,
                               fc=color, alpha=0.25, ec=color))
        ax.text(floor._hx[hall] + floor.hall_width_m / 2, floor._hy[hall] + floor.hall_depth_m / 2,
                f"hall {hall}\n{hall_mw[hall]:.1f} MW", ha="center", va="center", fontsize=6)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("m")
    ax.set_ylabel("m")
    site = links.plan
    ax.set_title(f"{site.name}: {count(campus.compute_racks, 'compute rack')} in {count(floor.halls, 'hall')} of "
                 f"{count(floor.units_per_hall, 'pod' if plan.tiers == 3 else 'SU')}, "
                 f"{count(campus.buildings, 'building')} "
                 f"(red: campus core room)", fontsize=9)
    return fig


def campus_bytes(links: FabricLinks, hardware, fmt: str = "svg", dpi: int = 110) -> bytes:
    """Return the campus picture as SVG or PNG bytes (no dates inside, so reruns are identical)."""
    from aifabric.export.diagram import figure_bytes

    return figure_bytes(lambda: draw_campus(links, hardware), fmt, dpi)
