"""A readable picture of a fabric design: tiers, planes, pods and SU blocks with counts and link speeds.

The drawing is aggregated, never one glyph per switch: a pod is a box holding its spine block and up to three SU
blocks (first, second, last; the rest elided with a count), at most three pods are drawn the same way, and extra
planes are shown as a stack behind plane 0 (planes are identical copies). A 100k-GPU fabric fits on one page.
"""

from __future__ import annotations

import io
import math

from aifabric.fabric.links import FabricLinks

TIER_COLORS = {"core": "#7b3294", "spine": "#c2a5cf", "leaf": "#a6dba0", "servers": "#e0e0e0"}
EDGE_COLOR = "#555555"
WIDTH_IN, HEIGHT_IN = 14.0, 8.5


def _picked(count: int) -> list[int | None]:
    """Return which of `count` items to draw: all of up to 3, else first, second, a gap (None) and the last."""
    if count <= 3:
        return list(range(count))
    return [0, 1, None, count - 1]


def _speed(gbps: int) -> str:
    return f"{gbps // 1000}T" if gbps % 1000 == 0 and gbps >= 1000 else f"{gbps}G"


def draw_figure(links: FabricLinks, hardware):
    """Return a matplotlib Figure of the fabric (Agg backend; nothing is shown or written)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    plan = links.plan
    switch = hardware.switch(plan.switch_id)
    server = hardware.server(plan.server_id)
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 62)
    ax.axis("off")

    def box(x, y, w, h, color, text, size=8.0, weight="normal", z=2):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.2,rounding_size=0.6", linewidth=0.8,
                                    edgecolor="#333333", facecolor=color, zorder=z))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size, weight=weight, zorder=z + 1)

    def edge(x1, y1, x2, y2, label=None, width=1.2):
        ax.plot([x1, x2], [y1, y2], color=EDGE_COLOR, linewidth=width, zorder=1)
        if label:
            ax.text((x1 + x2) / 2 + 0.4, (y1 + y2) / 2, label, fontsize=6.5, color="#222222", zorder=4,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})

    counts = plan.switch_counts()
    link_counts = plan.link_counts()
    title = (f"{plan.name}: {plan.gpus:,} GPUs on {plan.servers:,} × {server.name}, {plan.tiers}-tier "
             f"rail-optimized Clos, {plan.planes} plane{'s' if plan.planes > 1 else ''}, "
             f"{switch.manufacturer} {switch.model}")
    ax.text(50, 60.2, title, ha="center", va="center", fontsize=11, weight="bold")
    levels = {"core": 50.0, "spine": 40.0, "leaf": 25.0, "servers": 9.0}
    if plan.tiers == 2:
        levels.pop("core")
    for tier, y in levels.items():
        ax.text(1.0, y + 1.5, tier, fontsize=10, weight="bold", va="center", color="#222222")

    # Extra planes: shadow copies of the plane frame, offset up and right.
    frame = (8.0, 4.0, 90.0, 50.5 if plan.tiers == 3 else 41.0)
    for shadow in range(min(plan.planes - 1, 3), 0, -1):
        ax.add_patch(FancyBboxPatch((frame[0] + shadow * 0.8, frame[1] + shadow * 0.8), frame[2], frame[3],
                                    boxstyle="round,pad=0.3", linewidth=0.8, edgecolor="#888888",
                                    facecolor="#fafafa", zorder=0))
    ax.add_patch(FancyBboxPatch(frame[:2], frame[2], frame[3], boxstyle="round,pad=0.3", linewidth=1.0,
                                edgecolor="#333333", facecolor="white", zorder=0))
    plane_label = "plane 0" if plan.planes == 1 else f"plane 0 of {plan.planes} identical planes"
    ax.text(frame[0] + 0.8, frame[1] + frame[3] - 1.2, plane_label, fontsize=8, style="italic", va="top")

    pods = _picked(len(plan.pods))
    slot_w = frame[2] / len(pods)
    pod_tops = []
    for slot, pod in enumerate(pods):
        x0 = frame[0] + slot * slot_w
        if pod is None:
            hidden = len(plan.pods) - 3
            ax.text(x0 + slot_w / 2, 25, f"… {hidden:,} more pod{'s' if hidden > 1 else ''} …", ha="center",
                    fontsize=9, style="italic")
            continue
        shape = plan.pods[pod]
        sus_in_pod = math.ceil(shape.leaves / plan.leaves_per_su)
        first_su = pod * plan.leaves_per_pod // plan.leaves_per_su if plan.tiers == 3 else 0
        px, pw = x0 + 1.0, slot_w - 2.0
        ax.add_patch(FancyBboxPatch((px, 6.0), pw, 39.5, boxstyle="round,pad=0.2", linewidth=0.8,
                                    edgecolor="#999999", facecolor="#f4f8fb", linestyle="--", zorder=0.5))
        ax.text(px + 0.5, 44.6, f"pod {pod}" if plan.tiers == 3 else "one pod", fontsize=7.5, va="top")
        spine_x, spine_w = px + pw * 0.15, pw * 0.7
        if shape.spines:
            box(spine_x, levels["spine"], spine_w, 3.2, TIER_COLORS["spine"],
                f"{shape.spines} spines" + (f"\n{shape.spine_uplinks} × {_speed(plan.uplink_gbps)} up each"
                                            if plan.tiers == 3 else ""), size=7.5)
        pod_tops.append((spine_x + spine_w / 2, levels["spine"] + 3.2, shape))
        sus = _picked(sus_in_pod)
        su_w = pw / len(sus)
        for k, su_local in enumerate(sus):
            sx = px + k * su_w
            if su_local is None:
                hidden_sus = sus_in_pod - 3
                ax.text(sx + su_w / 2, levels["leaf"] + 1.5, f"+{hidden_sus} SU{'s' if hidden_sus > 1 else ''}",
                        ha="center", fontsize=7, style="italic")
                continue
            su = first_su + su_local
            leaves_here = min(plan.leaves_per_su, shape.leaves - su_local * plan.leaves_per_su)
            servers_here = min(plan.leaf_downlinks, max(plan.servers - su * plan.leaf_downlinks, 0))
            lx, lw = sx + 0.4, su_w - 0.8
            box(lx, levels["leaf"], lw, 3.2, TIER_COLORS["leaf"], f"SU {su}\n{leaves_here} leaves", size=7)
            box(lx, levels["servers"], lw, 4.0, TIER_COLORS["servers"],
                f"{servers_here} servers\n{servers_here * plan.gpus_per_server:,} GPUs", size=7)
            edge(lx + lw / 2, levels["servers"] + 4.0, lx + lw / 2, levels["leaf"],
                 f"{plan.rails}×{_speed(plan.port_gbps)}\nper server" if k == 0 and slot == 0 else None)
            if shape.spines:
                edge(lx + lw / 2, levels["leaf"] + 3.2, spine_x + spine_w / 2, levels["spine"],
                     (f"{plan.leaf_uplinks}×{_speed(plan.uplink_gbps)} per leaf\n"
                      f"{shape.links_per_leaf_spine} to each spine") if k == 0 and slot == 0 else None, width=0.9)

    if plan.tiers == 3:
        cx, cw = frame[0] + 10, frame[2] - 20
        box(cx, levels["core"], cw, 3.2, TIER_COLORS["core"],
            f"{plan.cores_per_plane:,} cores per plane", size=8.5, weight="bold")
        for i, (x, top, shape) in enumerate(pod_tops):
            edge(x, top, min(max(x, cx + 2), cx + cw - 2), levels["core"],
                 f"{shape.spines * shape.spine_uplinks:,}×{_speed(plan.uplink_gbps)}\nper pod" if i == 0 else None,
                 width=1.6)

    summary = (f"switches: {counts['leaf']:,} leaf + {counts['spine']:,} spine"
               + (f" + {counts['core']:,} core" if plan.tiers == 3 else "") + f" = {counts['total']:,}    "
               f"links: {link_counts['nic_leaf']:,} NIC-leaf @ {_speed(plan.port_gbps)}, "
               f"{link_counts['leaf_spine']:,} leaf-spine @ {_speed(plan.uplink_gbps)}"
               + (f", {link_counts['spine_core']:,} spine-core @ {_speed(plan.uplink_gbps)}" if plan.tiers == 3 else "")
               + f"    SU = {plan.leaf_downlinks} servers, {plan.rails} rails")
    ax.text(50, 1.3, summary, ha="center", va="center", fontsize=8.5)
    # Everything lies inside the axes anyway; unclipped artists keep memory addresses (matplotlib keys clip-path
    # ids on them) out of the SVG, so reruns are byte-identical.
    for artist in ax.get_children():
        artist.set_clip_on(False)
    return fig


def _metadata(fmt: str) -> dict:
    # No dates or versions in the file, so reruns are byte-identical.
    return {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}


def diagram_bytes(links: FabricLinks, hardware, fmt: str = "svg", dpi: int = 110) -> bytes:
    """Return the fabric diagram as SVG (text kept as text) or PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "aifabric", "font.family": "DejaVu Sans"}):
        fig = draw_figure(links, hardware)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_metadata(fmt))
    return buffer.getvalue()
