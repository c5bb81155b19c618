"""A readable picture of a fabric design: tiers, planes, pods and SU blocks with counts and link speeds.

The drawing is aggregated, never one glyph per switch: a pod is a box holding its spine block and up to three SU
blocks (first, second, last; the rest elided with a count), at most three pods are drawn the same way, and extra
planes are shown as a stack behind plane 0 (planes are identical copies). A 100k-GPU fabric fits on one page.
"""

from __future__ import annotations

import io
import math

from aifabric.fabric.links import FabricLinks
from aifabric.units import count

TIER_COLORS = {"core": "#7b3294", "spine": "#c2a5cf", "leaf": "#a6dba0", "servers": "#e0e0e0"}
EDGE_COLOR = "#555555"
WIDTH_IN, HEIGHT_IN = 14.0, 8.5
Y_UNITS = 62.0  # data units per HEIGHT_IN; a shorter drawing gets a proportionally shorter figure
MIN_FONT_PT = 4.5
# The catalog spells makers as the netbox devicetype-library does ("Nvidia", the netbox export needs that);
# a picture uses the maker's own spelling (nvidia.com writes NVIDIA).
BRAND_NAMES = {"nvidia": "NVIDIA"}


def brand(manufacturer: str) -> str:
    """Return the manufacturer as the maker writes it ('Nvidia' -> 'NVIDIA'; others unchanged)."""
    return BRAND_NAMES.get(manufacturer.lower(), manufacturer)


def _picked(count: int) -> list[int | None]:
    """Return which of `count` items to draw: all of up to 3, else first, second, a gap (None) and the last."""
    if count <= 3:
        return list(range(count))
    return [0, 1, None, count - 1]


def _count(n: int, word: str) -> str:
    """Return '1 server' / '2 servers' (n with thousands separators, word pluralised with an s)."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _speed(gbps: int) -> str:
    return f"{gbps // 1000}T" if gbps % 1000 == 0 and gbps >= 1000 else f"{gbps}G"


def _wrap(text, parts: list[str], sep: str, max_px: float, renderer) -> None:
    """Set `text` to `parts` joined by `sep`, breaking lines between parts so no line is wider than max_px."""
    lines: list[str] = []
    for part in parts:
        if lines:
            text.set_text(lines[-1] + sep + part)
            if text.get_window_extent(renderer).width <= max_px:
                lines[-1] += sep + part
                continue
            lines[-1] += sep.rstrip()  # a title line ends with its comma, a footer line with nothing
        lines.append(part)
    text.set_text("\n".join(lines))


def _fit(text, patch, renderer) -> None:
    """Shrink `text` (never below MIN_FONT_PT) until it lies inside `patch` with a margin."""
    inner = patch.get_window_extent(renderer)
    while text.get_fontsize() > MIN_FONT_PT:
        extent = text.get_window_extent(renderer)
        if extent.width <= inner.width * 0.8 and extent.height <= inner.height * 0.9:
            return
        text.set_fontsize(max(text.get_fontsize() - 0.5, MIN_FONT_PT))


def draw_figure(links: FabricLinks, hardware):
    """Return a matplotlib Figure of the fabric (Agg backend; nothing is shown or written)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    plan = links.plan
    switch = hardware.switch(plan.switch_id)
    server = hardware.server(plan.server_id)
    levels = {"core": 50.0, "spine": 40.0, "leaf": 25.0, "servers": 9.0}
    if plan.tiers < 3:
        levels.pop("core")
    if plan.tiers < 2:
        levels.pop("spine")
    # Heights from the tiers drawn, so a two-tier fabric gets no empty band where the core would be.
    pod_top = levels["spine" if plan.tiers > 1 else "leaf"] + 3.2 + 2.6
    frame_top = (levels["core"] + 3.2 if plan.tiers == 3 else pod_top) + 2.2
    title_y = frame_top + 0.8 * min(plan.planes - 1, 3) + 2.0  # just above the (up to 3) shadow planes
    y_top = title_y + 1.5
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN * y_top / Y_UNITS))
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, y_top)
    ax.axis("off")
    boxed = []  # (patch, text): text shrunk at the end until it fits its box

    def box(x, y, w, h, color, text, size=8.0, weight="normal", z=2):
        patch = FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.2,rounding_size=0.6", linewidth=0.8,
                               edgecolor="#333333", facecolor=color, zorder=z)
        ax.add_patch(patch)
        boxed.append((patch, ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size,
                                     weight=weight, zorder=z + 1)))

    def edge(x1, y1, x2, y2, label=None, width=1.2):
        ax.plot([x1, x2], [y1, y2], color=EDGE_COLOR, linewidth=width, zorder=1)
        if label:
            ax.text((x1 + x2) / 2 + 0.4, (y1 + y2) / 2, label, fontsize=6.5, color="#222222", zorder=4,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})

    counts = plan.switch_counts()
    link_counts = plan.link_counts()
    title = (f"{plan.name}: {plan.gpus:,} GPUs on {plan.servers:,} × {server.name}, {plan.tiers}-tier "
             + ("rail-optimized Clos, " if plan.tiers > 1 else "leaf layer, ")
             + f"{_count(plan.planes, 'plane')}, "
             + f"{brand(switch.manufacturer)} {switch.model}")
    title_text = ax.text(50, title_y, title, ha="center", va="center", fontsize=11, weight="bold")
    for tier, y in levels.items():
        ax.text(1.0, y + 1.5, tier, fontsize=10, weight="bold", va="center", color="#222222")

    # Extra planes: shadow copies of the plane frame, offset up and right.
    frame = (8.0, 4.0, 90.0, frame_top - 4.0)
    for shadow in range(min(plan.planes - 1, 3), 0, -1):
        ax.add_patch(FancyBboxPatch((frame[0] + shadow * 0.8, frame[1] + shadow * 0.8), frame[2], frame[3],
                                    boxstyle="round,pad=0.3", linewidth=0.8, edgecolor="#888888",
                                    facecolor="#fafafa", zorder=0))
    ax.add_patch(FancyBboxPatch(frame[:2], frame[2], frame[3], boxstyle="round,pad=0.3", linewidth=1.0,
                                edgecolor="#333333", facecolor="white", zorder=0))
    plane_label = "plane 0" if plan.planes == 1 else f"plane 0 of {plan.planes} identical planes"
    # In the band above the core (or the pods): never on top of another label.
    ax.text(frame[0] + 0.8, frame_top - 0.4, plane_label, fontsize=8, style="italic", va="top")

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
        ax.add_patch(FancyBboxPatch((px, 6.0), pw, pod_top - 6.0, boxstyle="round,pad=0.2", linewidth=0.8,
                                    edgecolor="#999999", facecolor="#f4f8fb", linestyle="--", zorder=0.5))
        ax.text(px + 0.5, pod_top - 0.4, f"pod {pod}" if plan.tiers == 3 else "one pod", fontsize=7.5, va="top")
        spine_x, spine_w = px + pw * 0.15, pw * 0.7
        if shape.spines:
            box(spine_x, levels["spine"], spine_w, 3.2, TIER_COLORS["spine"],
                count(shape.spines, "spine") + (f"\n{shape.spine_uplinks} × {_speed(plan.uplink_gbps)} up each"
                                            if plan.tiers == 3 else ""), size=7.5)
        if shape.spines:
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
            leaf_word = "leaf" if leaves_here == 1 else "leaves"
            box(lx, levels["leaf"], lw, 3.2, TIER_COLORS["leaf"], f"SU {su}\n{leaves_here} {leaf_word}", size=7)
            box(lx, levels["servers"], lw, 4.0, TIER_COLORS["servers"],
                f"{_count(servers_here, 'server')}\n{servers_here * plan.gpus_per_server:,} GPUs", size=7)
            edge(lx + lw / 2, levels["servers"] + 4.0, lx + lw / 2, levels["leaf"],
                 f"{plan.rails}×{_speed(plan.port_gbps)}\nper server" if k == 0 and slot == 0 else None)
            if shape.spines:
                edge(lx + lw / 2, levels["leaf"] + 3.2, spine_x + spine_w / 2, levels["spine"],
                     (f"{plan.leaf_uplinks}×{_speed(plan.uplink_gbps)} per leaf\n"
                      f"{shape.links_per_leaf_spine} to each spine") if k == 0 and slot == 0 else None, width=0.9)

    if plan.tiers == 3:
        cx, cw = frame[0] + 10, frame[2] - 20
        box(cx, levels["core"], cw, 3.2, TIER_COLORS["core"],
            f"{count(plan.cores_per_plane, 'core')} per plane", size=8.5, weight="bold")
        for i, (x, top, shape) in enumerate(pod_tops):
            edge(x, top, min(max(x, cx + 2), cx + cw - 2), levels["core"],
                 f"{shape.spines * shape.spine_uplinks:,}×{_speed(plan.uplink_gbps)}\nper pod" if i == 0 else None,
                 width=1.6)

    parts = [f"switches: {counts['leaf']:,} leaf"
             + (f" + {counts['spine']:,} spine" if plan.tiers > 1 else "")
             + (f" + {counts['core']:,} core" if plan.tiers == 3 else "") + f" = {counts['total']:,}",
             f"links: {link_counts['nic_leaf']:,} NIC-leaf @ {_speed(plan.port_gbps)}"
             + (f", {link_counts['leaf_spine']:,} leaf-spine @ {_speed(plan.uplink_gbps)}" if plan.tiers > 1 else "")
             + (f", {link_counts['spine_core']:,} spine-core @ {_speed(plan.uplink_gbps)}" if plan.tiers == 3 else ""),
             f"SU = {_count(plan.leaf_downlinks, 'server')}, {_count(plan.rails, 'rail')}"]
    renderer = canvas.get_renderer()
    footer = ax.text(50, 2.0, "", ha="center", va="center", fontsize=8.5)
    _wrap(footer, parts, "    ", fig.bbox.width * 0.7, renderer)
    _wrap(title_text, title.split(", "), ", ", fig.bbox.width * 0.96, renderer)
    for patch, text in boxed:
        _fit(text, patch, renderer)
    # Everything lies inside the axes anyway; unclipped artists keep memory addresses (matplotlib keys clip-path
    # ids on them) out of the SVG, so reruns are byte-identical.
    for artist in ax.get_children():
        artist.set_clip_on(False)
    return fig


def _metadata(fmt: str) -> dict:
    # No dates or versions in the file, so reruns are byte-identical.
    return {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}


def figure_bytes(draw, fmt: str = "svg", dpi: int = 110) -> bytes:
    """Return the figure `draw()` makes as SVG (text kept as text) or PNG bytes, identical on every rerun."""
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "aifabric", "font.family": "DejaVu Sans"}):
        fig = draw()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_metadata(fmt))
    return buffer.getvalue()


def diagram_bytes(links: FabricLinks, hardware, fmt: str = "svg", dpi: int = 110) -> bytes:
    """Return the fabric diagram as SVG (text kept as text) or PNG bytes."""
    return figure_bytes(lambda: draw_figure(links, hardware), fmt, dpi)
