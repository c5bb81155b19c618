"""`aifabric export fabric|corridor SPEC --format F -o PATH`: a design in other tools' formats.

Fabric formats: graphml, json (node-link), containerlab, netbox (a directory of CSVs), simai.
Corridor formats: geojson, kml, gnpy. Heavy imports happen inside the commands so `aifabric --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)

FABRIC_FORMATS = ("graphml", "json", "containerlab", "netbox", "simai")
CORRIDOR_FORMATS = ("geojson", "kml", "gnpy")


def _check_format(value: str, allowed: tuple[str, ...]) -> str:
    from aifabric.errors import SpecError

    if value not in allowed:
        raise SpecError("command line", "--format", f"'{value}': choose one of {', '.join(allowed)}")
    return value


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")


@app.command("fabric")
def export_fabric(
    spec: Path | None = typer.Argument(None, help="Fabric spec YAML (topologies/*.yaml); flags override its fields."),
    fmt: str = typer.Option(..., "--format", "-f", help="graphml, json, containerlab, netbox or simai."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (a directory for netbox)."),
    gpus: int | None = typer.Option(None, "--gpus", help="Number of GPUs."),
    servers: int | None = typer.Option(None, "--servers", help="Number of servers (instead of --gpus)."),
    gpus_per_server: int | None = typer.Option(None, "--gpus-per-server"),
    nic_gbps: int | None = typer.Option(None, "--nic-gbps"),
    switch: str | None = typer.Option(None, "--switch", help="Switch catalog id (aifabric catalog switches)."),
    port_gbps: int | None = typer.Option(None, "--port-gbps"),
    uplink_gbps: int | None = typer.Option(None, "--uplink-gbps"),
    planes: int | None = typer.Option(None, "--planes"),
    tiers: str | None = typer.Option(None, "--tiers", help="2, 3 or auto."),
    oversubscription: str | None = typer.Option(None, "--oversubscription", help="Leaf down:up, e.g. 1 or 2:1."),
    server: str | None = typer.Option(None, "--server", help="Server catalog id."),
    nic: str | None = typer.Option(None, "--nic", help="NIC catalog id."),
    kind: str = typer.Option("sonic-vs", "--kind", help="containerlab switch kind: sonic-vs, arista_ceos, "
                                                        "nokia_srlinux."),
    max_nodes: int | None = typer.Option(None, "--max-nodes", help="containerlab: at most this many nodes "
                                                                   "(default 250)."),
    slice_: str | None = typer.Option(None, "--slice", help="containerlab: export one SU, e.g. su=0."),
    netbox_version: str = typer.Option("4.6", "--netbox-version", help="NetBox version the CSVs target."),
    site: str | None = typer.Option(None, "--site", help="NetBox site name (default: the design's name)."),
    catalog: Path | None = typer.Option(None, "--catalog", help="Directory of catalog YAML to add/override."),
) -> None:
    """Export a fabric design to GraphML, node-link JSON, containerlab, NetBox CSVs or a SimAI topology."""
    from aifabric.cli.fabric import spec_overrides
    from aifabric.errors import SpecError
    from aifabric.fabric.plan import plan_fabric

    _check_format(fmt, FABRIC_FORMATS)
    if spec is None and gpus is None and servers is None:
        raise SpecError("command line", "SPEC", "give a spec file or --gpus N / --servers N")
    overrides = spec_overrides(gpus, servers, gpus_per_server, nic_gbps, switch, port_gbps, uplink_gbps, planes,
                               tiers, oversubscription, server, nic)
    result = plan_fabric(spec, overrides, catalog)
    links, hardware = result.links, result.hardware
    if fmt == "simai":
        from aifabric.export.simai import simai_lines
        from aifabric.io import AtomicWriter

        with AtomicWriter(output) as stream:
            for chunk in simai_lines(links, hardware):
                stream.write(chunk)
    elif fmt == "netbox":
        from aifabric.export.netbox import write_netbox

        for path in write_netbox(output, links, hardware, site, netbox_version):
            _say(f"wrote {path}")
        return
    elif fmt == "graphml":
        from aifabric.export.graphml import write_graphml

        write_graphml(output, links, hardware)
    elif fmt == "json":
        from aifabric.export.nodelink import nodelink_text
        from aifabric.io import write_text

        write_text(output, nodelink_text(links, hardware))
    else:
        from aifabric.export.containerlab import build_lab, containerlab_yaml, parse_slice
        from aifabric.io import write_text

        lab = build_lab(links, hardware, kind, max_nodes, parse_slice(slice_))
        write_text(output, containerlab_yaml(lab, links, hardware, kind))
        for note in lab.notes:
            _say(f"note: {note}")
        _say(f"wrote {output}: {len(lab.nodes)} nodes, {len(lab.links)} links")
        return
    _say(f"wrote {output}")


@app.command("corridor")
def export_corridor(
    spec: Path = typer.Argument(..., help="A corridor spec (corridors/*.yaml)."),
    fmt: str = typer.Option(..., "--format", "-f", help="geojson, kml or gnpy."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    catalog: Path | None = typer.Option(None, "--catalog", help="A directory of catalog YAML overriding the "
                                                                "shipped one."),
) -> None:
    """Export a corridor plan's paths, sites and huts to GeoJSON or KML, or its network to a GNPy topology."""
    from aifabric.corridor.plan import plan_corridor
    from aifabric.io import write_text

    _check_format(fmt, CORRIDOR_FORMATS)
    plan = plan_corridor(spec, catalog_dir=catalog)
    if fmt == "geojson":
        from aifabric.export.geo import corridor_geojson as render
    elif fmt == "kml":
        from aifabric.export.geo import corridor_kml as render
    else:
        from aifabric.export.gnpy_topology import gnpy_topology_text as render
    write_text(output, render(plan))
    _say(f"wrote {output}")
