"""`fabric draw --campus`: the placement hierarchy seen from above, buildings with their halls, which pods each hall
holds and its IT power, and the halls holding the core rooms (where the spine-core runs end)."""

from __future__ import annotations

import numpy as np

from aifabric.fabric.links import FabricLinks
from aifabric.units import count


def draw_campus(links: FabricLinks, hardware):
    """Return a matplotlib figure of the campus: building outlines, halls (pods, MW) and the core rooms."""
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
    building_labels, hall_labels = [], []
    for b in range(campus.buildings):
        halls = range(b * per_building, min((b + 1) * per_building, floor.halls))
        x0 = floor._hx[halls[0]]
        ax.add_patch(Rectangle((x0 - 4, floor._by[b] - 4), len(halls) * floor.hall_width_m + 8,
                               floor.hall_depth_m + 8, fill=False, lw=1.6, ec="#333333"))
        building_labels.append(ax.text(x0, floor._by[b] + floor.hall_depth_m + 8, f"building {b}", fontsize=8,
                                       va="bottom"))
    units = np.unique(hall_of_su // 1)
    core_halls = set(floor.core_halls.tolist()) if plan.tiers == 3 else set()
    for hall in units.tolist():
        color = "#d62728" if hall in core_halls else "#1f77b4"
        box = ax.add_patch(Rectangle((floor._hx[hall], floor._hy[hall]), floor.hall_width_m - 2,
                                     floor.hall_depth_m - 2, fc=color, alpha=0.25, ec=color))
        label = ax.text(floor._hx[hall] + floor.hall_width_m / 2, floor._hy[hall] + floor.hall_depth_m / 2,
                        f"hall {hall}\n{hall_mw[hall]:.1f} MW", ha="center", va="center", fontsize=6)
        hall_labels.append((label, box, hall, hall_mw[hall]))
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("m")
    ax.set_ylabel("m")
    site = links.plan
    ax.set_title(f"{site.name}: {count(campus.compute_racks, 'compute rack')} in {count(floor.halls, 'hall')} of "
                 f"{count(floor.units_per_hall, 'pod' if plan.tiers == 3 else 'SU')}, "
                 f"{count(campus.buildings, 'building')} "
                 f"(red: {_core_legend(floor)})", fontsize=9)
    left_out = fit_labels(fig, ax, hall_labels, building_labels)
    if left_out:
        fig.text(0.01, 0.01, f"labels left out where a hall or building is too small to hold one at this size: "
                 f"{left_out}", fontsize=7, color="#555555")
    return fig


def _core_legend(floor) -> str:
    """Return what the red halls are: the campus core room, or the core rooms of a spread core."""
    rooms = len(floor.core_halls)
    if rooms == 1:
        return "campus core room"
    per = {"building": ", one per building", "hall": ", one per hall"}.get(floor.core_rooms_layout, "")
    return f"the {rooms} core rooms{per}"


# Hall label forms, largest first: a label takes the first that fits inside its hall (measured, not guessed).
_HALL_FORMS = (("hall {h}\n{mw:.1f} MW", 6), ("hall {h}\n{mw:.1f} MW", 5), ("{h}\n{mw:.1f} MW", 4.5),
               ("hall {h}\n{mw:.1f}\nMW", 5), ("{h}\n{mw:.1f}\nMW", 4.5),
               ("hall {h}", 5), ("{h}", 4.5))
_PAD_PX = 2  # space kept between a label and its hall's edge, and between two labels


def fit_labels(fig, ax, hall_labels, building_labels) -> str:
    """Shrink or shorten each hall label until its measured text box lies inside its hall, and keep each building
    label clear of every other label and hall; remove those that cannot fit. Return what was left out, or ''."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    ax.apply_aspect()
    dropped_halls = 0
    placed = []
    for label, box, hall, mw in hall_labels:
        inside = box.get_window_extent(renderer).padded(-_PAD_PX)
        for form, size in _HALL_FORMS:
            label.set_text(form.format(h=hall, mw=mw))
            label.set_fontsize(size)
            extent = label.get_window_extent(renderer)
            if inside.x0 <= extent.x0 and extent.x1 <= inside.x1 and inside.y0 <= extent.y0 and extent.y1 <= inside.y1:
                placed.append(extent)
                break
        else:
            label.remove()
            dropped_halls += 1
    halls = [box.get_window_extent(renderer) for _, box, _, _ in hall_labels]
    dropped_buildings = 0
    for label in building_labels:
        for size in (8, 7, 6, 5):
            label.set_fontsize(size)
            extent = label.get_window_extent(renderer).padded(_PAD_PX)
            if not any(extent.overlaps(other) for other in (*placed, *halls)):
                placed.append(extent)
                break
        else:
            label.remove()
            dropped_buildings += 1
    parts = [count(dropped_halls, "hall label")] if dropped_halls else []
    parts += [count(dropped_buildings, "building label")] if dropped_buildings else []
    return ", ".join(parts)


def campus_bytes(links: FabricLinks, hardware, fmt: str = "svg", dpi: int = 110) -> bytes:
    """Return the campus picture as SVG or PNG bytes (no dates inside, so reruns are identical)."""
    from aifabric.export.diagram import figure_bytes

    return figure_bytes(lambda: draw_campus(links, hardware), fmt, dpi)
