"""The efficiency-vs-capacity chart (matplotlib, Agg): what a cheaper or a bigger corridor does to training time."""

from __future__ import annotations

import io
from typing import Any


def efficiency_png(doc: dict[str, Any]) -> bytes:
    """Return a PNG of scaling efficiency against provisioned inter-site capacity, R and the plan marked."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from aifabric.scale_across import formulas as f

    # Capacity on the x axis is line rate (what the corridor sells); the exchange runs at the transport's share.
    required = doc["required_line_tbps"] or doc["provisioned_tbps_per_direction"]
    provisioned = doc["provisioned_tbps_per_direction"]
    step, sync_h, overlap = doc["step_s"], doc["sync_every_steps"], doc["overlap"]
    share = doc["transport"]["efficiency"]
    traffic, latency_s = doc["traffic_bits_per_sync"], doc["latency_term_ms"] / 1000.0
    top = max(2.5 * required, 1.2 * provisioned, max(r["capacity_tbps"] for r in doc["efficiency_vs_capacity"]))
    xs = [top * i / 400 for i in range(1, 401)]
    ys = [f.efficiency(step, sync_h, f.exposed_s(traffic, x * 1e12 * share, latency_s, overlap, step, sync_h))
          for x in xs]
    figure = Figure(figsize=(8, 5), dpi=100)
    ax = figure.add_subplot()
    ax.plot(xs, [100 * y for y in ys], color="#1f77b4", label="scaling efficiency")
    for row in doc["efficiency_vs_capacity"]:
        marker, color = ("*", "#d62728") if row["provisioned"] else ("o", "#1f77b4")
        ax.plot([row["capacity_tbps"]], [100 * row["efficiency"]], marker=marker, color=color,
                markersize=12 if row["provisioned"] else 6)
        label = "provisioned" if row["provisioned"] else f"{row['multiple_of_required']:g}× need"
        ax.annotate(f"{label}\n{100 * row['efficiency']:.1f} %", (row["capacity_tbps"], 100 * row["efficiency"]),
                    textcoords="offset points", xytext=(8, -30) if row["provisioned"] else (-18, 8), fontsize=8)
    ax.axvline(required, color="grey", linestyle="--", linewidth=1)
    ax.text(required, 3, f" line rate to hide = {required:.2f} Tb/s", color="grey", fontsize=8)
    ax.set_xlim(0, top)
    ax.set_ylim(0, 115)
    ax.set_xlabel(f"inter-site line capacity per direction (Tb/s; {doc['transport']['kind']} achieves "
                  f"{share:g} of it)")
    ax.set_ylabel("scaling efficiency (%)")
    names = " – ".join(doc["order"])
    ax.set_title(f"{doc['name']}: {names}, {doc['split']} split ({doc['algorithm']}), H = {sync_h}, "
                 f"overlap {overlap:.3g}, RTT term {doc['latency_term_ms']:.1f} ms", fontsize=10)
    ax.grid(True, alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
