"""`scale-across plan --out DIR`: the corridor designer's outputs for the derived corridor, the derived corridor
spec beside them (rerun `corridor plan DIR/corridor.yaml`), the plan document, the efficiency table and chart."""

from __future__ import annotations

from pathlib import Path

from aifabric.scale_across.plan import ScaleAcrossPlan


def efficiency_csv(plan: ScaleAcrossPlan) -> str:
    """Return efficiency.csv: capacity per direction, multiple of R, efficiency, provisioned flag."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["capacity_tbps", "multiple_of_required", "efficiency", "provisioned"])
    for row in plan.document["efficiency_vs_capacity"]:
        writer.writerow([row["capacity_tbps"], row["multiple_of_required"], row["efficiency"], row["provisioned"]])
    return buffer.getvalue()


def write_outputs(plan: ScaleAcrossPlan, out_dir: str | Path) -> list[Path]:
    """Render every output first (no partial set), then write each atomically into out_dir; return the paths."""
    from aifabric.corridor.rfp import render_binary_outputs, render_outputs
    from aifabric.io import ensure_dir, json_text, write_bytes, write_text
    from aifabric.scale_across.chart import efficiency_png
    from aifabric.scale_across.corridor import DERIVED_SPEC_NAME, relative_paths, spec_yaml

    target = Path(out_dir)
    texts: dict[str, str | bytes] = {**render_outputs(plan.corridor_plan),
                                     **render_binary_outputs(plan.corridor_plan)}
    derived = relative_paths(plan.derived_corridor, target)
    note = None
    if plan.document["protection"] == "split":
        note = ("protection split: each demand is half the rate, routed 1+1 over two diverse paths that both carry "
                "traffic (active-active).")
    texts[DERIVED_SPEC_NAME] = spec_yaml(derived, plan.corridor_source, note)
    texts["scale-across.json"] = json_text(plan.to_json())
    texts["efficiency.csv"] = efficiency_csv(plan)
    texts["efficiency.png"] = efficiency_png(plan.document)
    target = ensure_dir(target)
    return [write_bytes(target / name, data) if isinstance(data, bytes) else write_text(target / name, data)
            for name, data in sorted(texts.items())]
