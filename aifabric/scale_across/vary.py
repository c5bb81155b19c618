"""`--vary` comparisons: rerun the scale-across plan with spec fields replaced (split, H, protection, the sites
in the ring, ...) and summarise each run in one row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aifabric.errors import AifabricError, SpecError
from aifabric.sweep.grid import Grid

FLAG = "--vary"
# Short names a user may vary, and the spec field each replaces.
FIELDS = {
    "split": "job.split", "sync_every_steps": "job.sync_every_steps", "overlap": "job.overlap", "mfu": "job.mfu",
    "grad_bits": "job.grad_bits", "tokens_per_step_m": "job.tokens_per_step_m",
    "params_total_b": "job.params_total_b", "params_active_b": "job.params_active_b",
    "protection": "protection", "growth": "growth", "sites": "sites",
    "transport": "transport.kind", "transport_efficiency": "transport.efficiency", "algorithm": "job.algorithm",
    "parallelism": "job.parallelism", "outer_sync": "job.outer_sync",
    "pseudo_gradient_bits": "job.pseudo_gradient_bits",
    "token_split": "job.token_split", "target_efficiency": "target_efficiency", "elastic": "recovery.elastic",
}
# `overlap=model` drops the spec's overlap so the model's applies.
MODEL = "model"


def _typed(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def parse_vary(flags: list[str]) -> Grid:
    """Return the grid of `--vary key=v1,v2` flags; `sites=a+b+c` lists the sites of the ring in order."""
    from aifabric.spec.loader import suggest

    keys: list[str] = []
    values: list[tuple[Any, ...]] = []
    for flag in flags:
        key, sep, text = flag.partition("=")
        key = key.strip()
        if not sep or not text.strip():
            raise SpecError("command line", FLAG, f"'{flag}': give key=v1,v2,... (keys: {', '.join(FIELDS)})")
        if key not in FIELDS:
            raise SpecError("command line", FLAG, f"unknown key '{key}'{suggest(key, list(FIELDS))}; keys: "
                            f"{', '.join(FIELDS)}")
        if key in keys:
            raise SpecError("command line", FLAG, f"'{key}' is given twice; list all its values in one --vary")
        items = [v.strip() for v in text.split(",") if v.strip()]
        if key == "sites":
            values.append(tuple(tuple(s for s in item.split("+") if s) for item in items))
        else:
            values.append(tuple(_typed(v) for v in items))
        keys.append(key)
    return Grid(tuple(keys), tuple(values))


def overrides_for(combo: dict[str, Any], spec_path: str | Path) -> dict[str, Any]:
    """Return the spec overrides of one combination; `sites` becomes the chosen site mappings, in ring order."""
    from aifabric.spec.loader import load_yaml, suggest

    overrides: dict[str, Any] = {}
    for key, value in combo.items():
        if key == "overlap" and value == MODEL:
            overrides[FIELDS[key]] = None
            continue
        if key == "elastic" and value in ("true", "false"):
            overrides[FIELDS[key]] = value == "true"
            continue
        if key != "sites":
            overrides[FIELDS[key]] = value
            continue
        data, _ = load_yaml(spec_path)
        listed = {s.get("id"): s for s in (data or {}).get("sites", []) if isinstance(s, dict)}
        chosen = []
        for site_id in value:
            if site_id not in listed:
                known = [str(k) for k in listed]
                raise SpecError("command line", FLAG, f"sites: unknown site '{site_id}'{suggest(site_id, known)}; "
                                f"the spec's sites: {', '.join(known)}")
            chosen.append(listed[site_id])
        overrides["sites"] = chosen
        overrides["ring"] = None
    return overrides


def compare(spec_path: str | Path, grid: Grid, catalog_dir: str | Path | None = None,
            progress=None) -> list[dict[str, Any]]:
    """Return one summary row per combination of the grid, in product order."""
    from aifabric.scale_across.plan import plan_scale_across

    rows = []
    combos = grid.combinations()
    for index, combo in enumerate(combos):
        label = " ".join(f"{k}={'+'.join(v) if k == 'sites' else v}" for k, v in combo.items())
        overrides = overrides_for(combo, spec_path)
        try:
            plan = plan_scale_across(spec_path, catalog_dir, overrides)
        except AifabricError as exc:
            raise SpecError("command line", FLAG, f"{label}: {exc.message}") from None
        rows.append(summary_row(plan.document, {k: ("+".join(v) if k == "sites" else v) for k, v in combo.items()}))
        if progress is not None:
            progress(index + 1, len(combos))
    return rows


def summary_row(doc: dict[str, Any], vary: dict[str, Any]) -> dict[str, Any]:
    """Return the one-row summary of a scale-across document."""
    totals = doc["corridor"]["totals"]
    by_service: dict[str, float] = {}
    for terms in doc["corridor_terms"]:
        for service, usd in terms["cost_usd"].items():
            if usd is not None:
                by_service[service] = by_service.get(service, 0.0) + usd
    return {
        "vary": vary,
        "sites": doc["order"],
        "split": doc["split"],
        "protection": doc["protection"],
        "sync_every_steps": doc["sync_every_steps"],
        "step_s": doc["step_s"],
        "required_tbps_per_direction": doc["required_tbps_per_direction"],
        "required_tbps_hiding": doc["required_tbps_hiding"],
        "required_line_tbps": doc["required_line_tbps"],
        "overlap": doc["overlap"],
        "transport": doc["transport"]["kind"],
        "transport_efficiency": doc["transport"]["efficiency"],
        "algorithm": doc["algorithm"],
        "overall_efficiency": doc["overall_efficiency"],
        "cut_hours_per_year": doc["cut_hours_per_year"],
        "provisioned_tbps_per_direction": doc["provisioned_tbps_per_direction"],
        "waves": totals["waves"],
        "transponders": totals["transponders"],
        "regen_sites": totals["regen_sites"],
        "route_km": totals["route_km"],
        "efficiency": doc["efficiency"],
        "after_cut_efficiency": doc["after_cut"]["efficiency"],
        "lossless": doc["transport"]["lossless_end_to_end"],
        "cost_usd_by_service": dict(sorted(by_service.items())),
    }
