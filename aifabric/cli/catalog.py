"""`aifabric catalog [KIND]`: list the hardware the tool knows, with sources."""

from __future__ import annotations

from pathlib import Path

import typer

KIND_CHOICES = ("switches", "nics", "servers", "gpus", "media", "transceivers", "cables", "coherent", "line-equipment",
                "fibers", "fec", "spares")

COLUMNS = {
    "switches": ("id", "name", "family", "cages", "cage_form_factor", "lane_gbps", "speeds_gbps", "max_logical_ports",
                 "power_w", "asic", "latency_ns", "buffer_mb", "order_code", "verified", "source"),
    "nics": ("id", "name", "part", "rate_gbps", "cage_form_factor", "port_modes", "power_w", "latency_ns", "order_code",
             "verified", "source"),
    "servers": ("id", "name", "gpus", "gpu", "nic", "nics_built_in", "nic_cage_ports", "power_w", "rack_power_max_w",
                "height_u", "cooling", "order_code", "verified", "source"),
    "gpus": ("id", "name", "peak_dense_bf16_tflops", "source"),
    "media": ("id", "name", "cost_rank", "ends", "reach_m", "cable", "switch_transceiver", "nic_transceiver",
              "source"),
    "transceivers": ("id", "part", "name", "form_factor", "lanes", "lane_gbps", "pmd", "connector", "reach_m",
                     "power_w", "order_code", "verified", "source"),
    "cables": ("id", "part", "name", "kind", "end_a", "end_b", "legs", "polarity", "gender_a", "gender_b",
               "lengths_m", "vendor", "verified", "source"),
    "spares": ("id", "method", "afr", "repair_hours", "lead_time_weeks", "floor", "percent", "source"),
    "line-equipment": ("id", "name", "role", "rack_units", "power_w", "fit", "mttr_h", "switching_ms", "source"),
    "fibers": ("id", "name", "loss_db_per_km", "group_index", "dispersion_ps_nm_km", "effective_area_um2", "source"),
    "fec": ("id", "name", "code", "protocol", "lane_gbps", "codeword_bits", "lane_line_gbps", "extra_ns", "source"),
    "coherent": ("id", "name", "line_rate_gbps", "baud_gbd", "modulation", "spacing_ghz", "reach_km",
                 "required_osnr_db", "source"),
}


def catalog(
    kind: str = typer.Argument("all", help=f"One of: all, {', '.join(KIND_CHOICES)}."),
    json_out: bool = typer.Option(False, "--json", help="Print the entries as one JSON document."),
    catalog_dir: Path | None = typer.Option(None, "--catalog", help="Directory of catalog YAML to add/override."),
) -> None:
    """List catalog entries of one kind (or all kinds), each with its source."""
    from aifabric.errors import SpecError

    if kind != "all" and kind not in KIND_CHOICES:
        from aifabric.spec.loader import suggest

        raise SpecError("command line", "KIND", f"unknown catalog kind '{kind}'{suggest(kind, list(KIND_CHOICES))}; "
                        f"allowed: all, {', '.join(KIND_CHOICES)}")
    kinds = KIND_CHOICES if kind == "all" else (kind,)
    entries = {k: _entries(k, catalog_dir) for k in kinds}
    if json_out:
        from aifabric.cli.render import print_json

        print_json({k: [e.model_dump() for e in v.values()] for k, v in entries.items()})
        return
    from rich.table import Table

    from aifabric.cli.render import print_table, stdout_console

    console = stdout_console()
    for k, items in entries.items():
        columns = COLUMNS.get(k) or tuple(next(iter(items.values())).model_dump().keys()) if items else ("id",)
        # Sources are paragraphs: in a column they fold every row into dozens of lines, so they follow the table.
        columns = tuple(col for col in columns if col != "source")
        table = Table(title=f"catalog: {k}", title_justify="left", show_lines=False)
        for col in columns:
            table.add_column(col, overflow="fold")
        for entry in items.values():
            data = entry.model_dump()
            table.add_row(*(_PRINTED.get(col, _cell)(data.get(col)) for col in columns))
        print_table(console, table)
        console.print(f"sources ({k}):", highlight=False)
        for entry in items.values():
            console.print(f"  {entry.id}: {_cell(entry.model_dump().get('source'))}", highlight=False, markup=False)


def _port_modes(modes) -> str:
    """Return '1×400G Eth · 2×200G Eth · 1×400G IB': each way the NIC's ports run, as a datasheet lists them."""
    if not modes:
        return "-"
    return " · ".join(f"{m['ports']}×{m['gbps']}G {'IB' if m['protocol'] == 'infiniband' else 'Eth'}"
                      for m in modes)


_PRINTED = {"port_modes": _port_modes}  # structured fields printed as a person reads them


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(_cell(v) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return " ".join(str(value).split())


def _entries(kind: str, catalog_dir):
    if kind == "coherent":
        from aifabric.corridor.catalog import load_modes

        return load_modes(catalog_dir)
    if kind in ("line-equipment", "fibers"):
        from aifabric.corridor.line_catalog import load_fibers, load_line_equipment

        return (load_line_equipment if kind == "line-equipment" else load_fibers)(catalog_dir)
    from aifabric.catalog.models import KINDS, load_hardware

    load_hardware(catalog_dir)
    from aifabric.catalog import load_entries

    return load_entries(kind, KINDS[kind], catalog_dir)
