"""The pictures read cleanly: the fabric diagram (no blank band, no overlapping labels, text inside its box,
a wrapped footer, the maker's spelling), the corridor map's legend off every site, sweep.png's labelled front."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _plan(spec: str | None, overrides: dict):
    from aifabric.fabric.plan import plan_fabric

    return plan_fabric(ROOT / spec if spec else None, overrides)


DESIGNS = {
    "million-gpu": ("topologies/million-gpu.yaml", {}),
    "spectrum-x-8k": ("topologies/spectrum-x-8k.yaml", {}),
    "superpod-16su": ("topologies/dgx-h100-superpod-16su.yaml", {}),
    "gpus-64": (None, {"gpus": 64, "switch": "sn5600"}),
    "gpus-8": (None, {"gpus": 8, "switch": "sn5600"}),
}


@pytest.fixture(scope="module", params=sorted(DESIGNS))
def drawn(request):
    from aifabric.export.diagram import TIER_COLORS, draw_figure

    spec, overrides = DESIGNS[request.param]
    result = _plan(spec, overrides)
    fig = draw_figure(result.links, result.hardware)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    texts = [(t, t.get_window_extent(renderer)) for t in ax.texts if t.get_text().strip()]
    colors = {c.lower() for c in TIER_COLORS.values()}
    from matplotlib.colors import to_hex

    boxes = [p for p in ax.patches if to_hex(p.get_facecolor()) in colors]
    return fig, renderer, texts, boxes


def test_every_text_lies_inside_the_picture(drawn):
    fig, _, texts, _ = drawn
    for text, extent in texts:
        assert fig.bbox.x0 <= extent.x0 and extent.x1 <= fig.bbox.x1, text.get_text()
        assert fig.bbox.y0 <= extent.y0 and extent.y1 <= fig.bbox.y1, text.get_text()


def test_no_two_labels_overlap(drawn):
    _, _, texts, _ = drawn
    for i, (a, ea) in enumerate(texts):
        for b, eb in texts[i + 1:]:
            assert not ea.padded(2).overlaps(eb.padded(2)), (a.get_text(), b.get_text())  # 4 px apart at least


def test_box_text_stays_inside_its_box(drawn):
    _, renderer, texts, boxes = drawn
    assert boxes
    for patch in boxes:
        whole = patch.get_window_extent(renderer)
        outer = whole.padded(-0.08 * whole.width, -0.05 * whole.height)  # a margin inside the border
        inside = [(t, e) for t, e in texts if outer.contains((e.x0 + e.x1) / 2, (e.y0 + e.y1) / 2)]
        assert inside, "a box without its text"
        for text, extent in inside:
            assert outer.x0 < extent.x0 and extent.x1 < outer.x1, text.get_text()
            assert outer.y0 < extent.y0 and extent.y1 < outer.y1, text.get_text()


def test_no_blank_band_under_the_title(drawn):
    fig, renderer, texts, _ = drawn
    title = max(texts, key=lambda item: item[1].y1)
    top_of_drawing = max(p.get_window_extent(renderer).y1 for p in fig.axes[0].patches)
    assert title[1].y0 - top_of_drawing < 0.06 * fig.bbox.height
    assert fig.bbox.y1 - title[1].y1 < 0.04 * fig.bbox.height


def test_footer_wraps_and_the_maker_is_spelled_nvidia(drawn):
    fig, _, texts, _ = drawn
    footer = min(texts, key=lambda item: item[1].y0)
    assert footer[0].get_text().startswith("switches:")
    assert footer[1].width <= 0.75 * fig.bbox.width
    title = max(texts, key=lambda item: item[1].y1)[0].get_text()
    assert "NVIDIA SN" in title or "NVIDIA QM" in title
    assert not any("Nvidia" in t.get_text() for t, _ in texts)


@pytest.mark.parametrize("name", ["texas-santa-clara.yaml", "texas-triangle-nova.yaml"])
def test_corridor_map_legend_covers_no_site(name):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from aifabric.corridor.geo import corridor_geojson_document
    from aifabric.corridor.plan import plan_corridor
    from aifabric.export.corridor_map import corridor_map_figure

    plan = plan_corridor(ROOT / "corridors" / name)
    fig = corridor_map_figure(plan)
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    fig.draw_without_rendering()
    legend = ax.get_legend().get_window_extent(renderer)
    sites = [f["geometry"]["coordinates"] for f in corridor_geojson_document(plan)["features"]
             if f["properties"]["feature"] == "site"]
    assert sites
    for x, y in ax.transData.transform(sites):
        assert not legend.contains(x, y)


def test_corridor_html_legend_names_regen_sites(small_corridor):
    from aifabric.export.corridor_map import REGEN_COLOR, corridor_map_html

    html = corridor_map_html(small_corridor)
    legend = html[html.index("aif-legend\");"):]
    assert f"background:{REGEN_COLOR}" in legend and "regen site" in legend


def _candidate(index: int, switch: str, planes: int, power_kw: float, cost: float, pareto: bool) -> dict:
    return {"index": index, "switch": switch, "planes": planes, "feasible": True, "pareto": pareto,
            "power_kw": power_kw, "cost": cost}


def test_sweep_png_labels_the_pareto_points_with_their_varied_values():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from aifabric.sweep.output import pareto_labels, scatter_figure

    candidates = [_candidate(0, "sn5600", 1, 14_000.0, 600e6, True),
                  _candidate(1, "qm9700", 2, 18_000.0, 900e6, True),
                  _candidate(2, "sn5600", 2, 17_000.0, 950e6, False),
                  {"index": 3, "switch": "qm9700", "planes": 1, "feasible": False, "pareto": False}]
    varied = ("switch", "planes")
    assert pareto_labels(candidates, varied) == ["switch=sn5600, planes=1", "switch=qm9700, planes=2"]
    assert pareto_labels(candidates, ()) == ["#0", "#1"]
    fig = scatter_figure(candidates, "t", varied)
    renderer = FigureCanvasAgg(fig).get_renderer()
    annotations = [t for t in fig.axes[0].texts if t.get_text()]
    assert sorted(t.get_text() for t in annotations) == sorted(pareto_labels(candidates, varied))
    for text in annotations:  # inside the picture, the right-hand one pointing left
        extent = text.get_window_extent(renderer)
        assert fig.bbox.x0 <= extent.x0 and extent.x1 <= fig.bbox.x1, text.get_text()


def test_single_switch_diagram_counts_in_words(drawn):
    _, _, texts, _ = drawn
    words = " ".join(t.get_text() for t, _ in texts)
    assert "1 servers" not in words and "1 leaves" not in words and "1 planes" not in words


@pytest.mark.parametrize("name", ["texas-santa-clara.yaml", "texas-triangle-nova.yaml"])
def test_corridor_map_site_labels_stay_on_the_map_and_apart(name):
    """Issue 13: "Dallas, TX (Infomart)" ran past the right edge of the Santa Clara map (Dallas is its east end).
    Every site label lies inside the map, clear of the other labels and of the legend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from aifabric.corridor.plan import plan_corridor
    from aifabric.export.corridor_map import corridor_map_figure

    fig = corridor_map_figure(plan_corridor(ROOT / "corridors" / name))
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    labels = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text().strip()]
    assert any(text.startswith("Dallas") for text, _ in labels)
    legend = ax.get_legend().get_window_extent(renderer)
    for i, (text, extent) in enumerate(labels):
        assert frame.x0 <= extent.x0 and extent.x1 <= frame.x1, text
        assert frame.y0 <= extent.y0 and extent.y1 <= frame.y1, text
        assert not extent.overlaps(legend), text
        for other, other_extent in labels[i + 1:]:
            assert not extent.overlaps(other_extent), (text, other)


def test_a_site_label_at_the_east_edge_turns_left_and_a_crowded_one_moves():
    """A terminal at the map's east edge (Dallas on texas-santa-clara) is labelled to its left; a second label at
    the same place goes where it overlaps none."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from aifabric.export.corridor_map import _place_label

    fig = Figure(figsize=(6, 3))
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.add_axes((0.05, 0.05, 0.9, 0.9))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    frame = ax.get_window_extent(renderer)
    east = _place_label(ax, "Dallas, TX (Infomart)", (9.9, 5), frame, [], renderer)
    assert frame.x0 <= east.x0 and east.x1 <= frame.x1
    assert east.x1 <= ax.transData.transform((9.9, 5))[0]  # to the left of its site
    first = _place_label(ax, "Fort Worth, TX", (5, 5), frame, [east], renderer)
    second = _place_label(ax, "Dallas, TX", (5.1, 5), frame, [east, first], renderer)
    assert not second.overlaps(first) and not second.overlaps(east)
