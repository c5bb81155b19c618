"""Sweep outputs: the candidate table (sweep.csv) and a scatter plot of cost vs power (sweep.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aifabric.sweep.evaluate import SweepConfig
from aifabric.sweep.grid import Grid


def columns(grid: Grid, config: SweepConfig) -> tuple[str, ...]:
    """Return the sweep.csv header: index, the varied fields in --vary order, then the results."""
    return ("index", *grid.keys, *config.result_keys())


def cell(value: Any) -> str:
    """Return the CSV text of a value: empty for None, true/false, floats without float noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".12g")
    return str(value)


def csv_rows(candidates: list[dict[str, Any]], header: tuple[str, ...]):
    """Yield one CSV row per candidate, in the header's column order."""
    for candidate in candidates:
        yield [cell(candidate.get(key)) for key in header]


def pareto_labels(candidates: list[dict[str, Any]], varied: tuple[str, ...]) -> list[str]:
    """Return one label per feasible Pareto candidate, in candidate order: its varied values ('gpus=8192,
    switch=sn5600'), or its index when nothing was varied."""
    front = [c for c in candidates if c["feasible"] and c["pareto"]]
    if not varied:
        return [f"#{c['index']}" for c in front]
    return [", ".join(f"{key}={cell(c.get(key))}" for key in varied) for c in front]


def scatter_png(candidates: list[dict[str, Any]], title: str, varied: tuple[str, ...] = ()) -> bytes:
    """Return a PNG scatter plot of cost (M USD) against power (kW) of the feasible candidates, the Pareto front
    (over cost, power, switches and worst latency) highlighted and labelled with its varied values."""
    import io

    figure = scatter_figure(candidates, title, varied)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def scatter_figure(candidates: list[dict[str, Any]], title: str, varied: tuple[str, ...] = ()):
    """Return the matplotlib Figure of scatter_png (Agg canvas, nothing written)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    feasible = [c for c in candidates if c["feasible"]]
    front = [c for c in feasible if c["pareto"]]
    rest = [c for c in feasible if not c["pareto"]]
    figure = Figure(figsize=(8, 5.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    if rest:
        axes.scatter([c["power_kw"] for c in rest], [c["cost"] / 1e6 for c in rest], s=14, color="#9aa5b1",
                     label=f"other feasible ({len(rest)})", zorder=2)
    if front:
        axes.scatter([c["power_kw"] for c in front], [c["cost"] / 1e6 for c in front], s=36, color="#d62728",
                     edgecolor="black", linewidth=0.5, label=f"Pareto front ({len(front)})", zorder=3)
        # Labels of points in the right half point left, so they stay inside the axes; alternate above and below
        # along the front so neighbouring labels do not sit on each other.
        middle_kw = (min(c["power_kw"] for c in feasible) + max(c["power_kw"] for c in feasible)) / 2
        for k, (c, label) in enumerate(zip(front, pareto_labels(candidates, varied), strict=True)):
            right = c["power_kw"] > middle_kw
            axes.annotate(label, (c["power_kw"], c["cost"] / 1e6),
                          xytext=(-6 if right else 6, 6 if k % 2 == 0 else -12),
                          ha="right" if right else "left", textcoords="offset points", fontsize=7, zorder=4,
                          bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5})
    infeasible = len(candidates) - len(feasible)
    axes.set_xlabel("network power (kW)")
    axes.set_ylabel("network cost (million USD)")
    axes.set_title(f"{title}: {len(candidates)} candidates, {infeasible} infeasible", fontsize=11)
    axes.grid(True, color="#e5e5e5", zorder=0)
    if feasible:
        axes.legend(loc="best", fontsize=9)
    else:
        axes.text(0.5, 0.5, "no feasible candidate", ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    return figure


def write_sweep(out_dir: str | Path, grid: Grid, config: SweepConfig, candidates: list[dict[str, Any]],
                title: str) -> list[Path]:
    """Write sweep.csv and sweep.png into out_dir (each atomically); return the paths written."""
    from aifabric.io import ensure_dir, write_bytes, write_csv

    target = ensure_dir(out_dir)
    header = columns(grid, config)
    return [write_csv(target / "sweep.csv", header, csv_rows(candidates, header)),
            write_bytes(target / "sweep.png", scatter_png(candidates, title, grid.keys))]
