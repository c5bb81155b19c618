"""The campus picture's labels never run together (issue 23, item 4): every hall label lies inside its hall and no
two texts overlap, measured as drawn text boxes (as the fabric diagram's tests do), at every campus size."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DESIGNS = {
    "colossus-2": ("topologies/colossus-2.yaml", {}),
    "colossus-100k": ("topologies/colossus-100k.yaml", {}),
    "million-gpu": ("topologies/million-gpu.yaml", {}),
    "one-hall": (None, {"gpus": 2048, "switch": "sn5600"}),
    "many-small-halls": (None, {"gpus": 65536, "switch": "sn5600", "placement.hall_mw_max": 5}),
}


@pytest.fixture(scope="module", params=sorted(DESIGNS))
def drawn(request):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from aifabric.export.campus import draw_campus
    from aifabric.fabric.plan import plan_fabric

    spec, overrides = DESIGNS[request.param]
    result = plan_fabric(ROOT / spec if spec else None, overrides)
    fig = draw_campus(result.links, result.hardware)
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    texts = [(t, t.get_window_extent(renderer)) for t in (*ax.texts, *fig.texts) if t.get_text().strip()]
    return fig, ax, renderer, texts


def test_no_two_labels_overlap(drawn):
    _, _, _, texts = drawn
    for i, (a, ea) in enumerate(texts):
        for b, eb in texts[i + 1:]:
            assert not ea.overlaps(eb), (a.get_text(), b.get_text())


def test_every_hall_label_lies_inside_its_hall(drawn):
    _, ax, renderer, texts = drawn
    halls = [p.get_window_extent(renderer) for p in ax.patches if p.get_fill()]
    labels = [(t, e) for t, e in texts if t.get_text().startswith(tuple("0123456789")) or
              t.get_text().startswith("hall ")]
    assert labels or "hall label" in " ".join(t.get_text() for t, _ in texts)
    for text, extent in labels:
        x, y = (extent.x0 + extent.x1) / 2, (extent.y0 + extent.y1) / 2
        box = next(h for h in halls if h.contains(x, y))
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0 and extent.y1 <= box.y1, \
            text.get_text()


def test_colossus_2_halls_say_their_power():
    from aifabric.export.campus import draw_campus
    from aifabric.fabric.plan import plan_fabric

    result = plan_fabric(ROOT / "topologies" / "colossus-2.yaml", {})
    fig = draw_campus(result.links, result.hardware)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "hall 0\n39.7\nMW" in labels and sum(t.startswith("hall ") for t in labels) == 25  # a pod a hall
