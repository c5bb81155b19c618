"""`aifabric verify cabling`: a site's LLDP neighbors compared with the plan's cabling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from aifabric.cli.options import CATALOG, JSON, SPEC, spec_flags

app = typer.Typer(no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})


@app.command("cabling")
@spec_flags()
def cabling(
    spec: Path | None = SPEC,
    lldp: Path | None = typer.Option(None, "--lldp", help="LLDP tables: a directory of <device>.json (lldpcli -f "
                                     "json show neighbors, or NVUE's nv show interface -o json), or one JSON file "
                                     "mapping device names to their tables."),
    links: Path | None = typer.Option(None, "--links", help="The cabling plan as links.csv (instead of planning "
                                      "SPEC)."),
    lab: str | None = typer.Option(None, "--lab", help="Check a running lab: its links.csv and its live LLDP."),
    network: str | None = typer.Option(None, "--network", help="Compare with one network's cables only (links.csv's "
                                       "network column: compute, converged, storage, oob, nvlink); default: the "
                                       "compute fabric when planning SPEC, every row of a links.csv."),
    json_out: bool = JSON,
    catalog: Path | None = CATALOG,
    overrides: dict[str, Any] | None = None,
) -> None:
    """Compare LLDP neighbors with the plan's cabling, cable by cable.

    Each cable is correct, miscabled (and where its ends belong), missing or unexpected; exit 1 on any difference."""
    from aifabric.errors import SpecError
    from aifabric.verify.cabling import compare, differences, planned_cables, read_links_csv

    if lab is not None:
        from aifabric.lab.cables import lldp_tables
        from aifabric.lab.state import check_name, load
        from aifabric.verify.lldp import read_table

        state = load(check_name(lab))
        rows = list(read_links_csv(state.directory / "links.csv"))
        seen, devices = {}, set()
        for device, document in lldp_tables(state).items():
            seen.update(read_table(document, device, device))
            devices.add(device)
    else:
        if lldp is None:
            raise SpecError("command line", "--lldp", "give the LLDP tables (--lldp FILE|DIR) or a lab (--lab NAME)")
        from aifabric.verify.lldp import read_tables

        seen, devices = read_tables(lldp)
        if links is not None:
            rows = list(read_links_csv(links))
        else:
            from aifabric.cli.planning import plan_from
            from aifabric.fabric.rows import link_rows

            result = plan_from(spec, overrides or {}, catalog)
            if network in (None, "compute"):
                rows = link_rows(result.links, result.hardware)
            else:
                from aifabric.configs.netdevices import network_link_rows

                rows = network_link_rows(result)
    if network is not None:
        from aifabric.verify.cabling import rows_of_network

        rows = rows_of_network(rows, network)
    planned, names = planned_cables(rows)
    document = compare(planned, names, seen, devices)
    if json_out:
        from aifabric.cli.render import print_json

        print_json(document)
    else:
        typer.echo(f"{document['devices_read']} devices' LLDP tables read; {document['correct']} cables correct")

        def end(e: dict) -> str:
            return f"{e['device']} {e['port']}"

        for item in document["miscabled"]:
            where = "; ".join(f"{end(item[k])} belongs to {end(item[k + '_should_go_to'])}" for k in ("a", "z")
                              if k + "_should_go_to" in item)
            typer.echo(f"miscabled: {end(item['a'])} - {end(item['z'])} ({where})")
        for item in document["missing"]:
            typer.echo(f"missing: {end(item['a'])} - {end(item['z'])}")
        for item in document["unexpected"]:
            typer.echo(f"unexpected: {end(item['a'])} - {end(item['z'])}")
    if differences(document):
        raise typer.Exit(1)
