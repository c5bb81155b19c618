"""`aifabric export fabric|corridor SPEC --format F -o PATH`: a design in other tools' formats.

Fabric formats: graphml, json (node-link), containerlab, netbox (a directory of CSVs), simai.
Corridor formats: geojson, kml, gnpy. Heavy imports happen inside the commands so `aifabric --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from aifabric.cli.options import CATALOG, SPEC, out_option, plan_from, spec_flags
from aifabric.units import count

app = typer.Typer(no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})

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
@spec_flags()
def export_fabric(
    spec: Path | None = SPEC,
    fmt: str = typer.Option(..., "--format", "-f", help="graphml, json, containerlab, netbox or simai."),
    output: Path = out_option("File to write (a directory for netbox).", required=True, output_alias=True),
    kind: str = typer.Option("sonic-vs", "--kind", help="containerlab switch kind: sonic-vs, arista_ceos, "
                                                        "nokia_srlinux."),
    max_nodes: int | None = typer.Option(None, "--max-nodes", help="containerlab: at most this many nodes "
                                                                   "(default 250)."),
    slice_: str | None = typer.Option(None, "--slice", help="containerlab: export one SU, e.g. su=0."),
    network: str = typer.Option("compute", "--network", help="containerlab: the network to export, each its own "
                                "topology named as links.csv: compute, converged, storage (Ethernet) or oob."),
    netbox_version: str = typer.Option("4.6", "--netbox-version", help="NetBox version the CSVs target."),
    site: str | None = typer.Option(None, "--site", help="NetBox site name (default: the design's name)."),
    catalog: Path | None = CATALOG,
    overrides: dict | None = None,
) -> None:
    """Export a fabric design to GraphML, node-link JSON, containerlab, NetBox CSVs or a SimAI topology."""
    _check_format(fmt, FABRIC_FORMATS)
    if fmt == "simai":
        from aifabric.cli.planning import export_simai

        _say(f"wrote {export_simai(spec, overrides or {}, catalog, output)}")
        return
    if fmt != "netbox":
        from aifabric.io import check_file_target

        check_file_target(output)
    result = plan_from(spec, overrides or {}, catalog)
    links, hardware = result.links, result.hardware
    if fmt == "netbox":
        from aifabric.export.netbox import write_netbox

        for path in write_netbox(output, links, hardware, site, netbox_version):
            _say(f"wrote {path}")
        return
    elif fmt == "graphml":
        from aifabric.export.graphml import write_graphml

        write_graphml(output, links, hardware, networks=result.networks)
    elif fmt == "json":
        from aifabric.export.nodelink import nodelink_text
        from aifabric.io import write_text

        write_text(output, nodelink_text(links, hardware))
    else:
        from aifabric.export.containerlab import build_lab, containerlab_yaml, parse_slice
        from aifabric.io import write_text

        if network == "compute":
            lab = build_lab(links, hardware, kind, max_nodes, parse_slice(slice_))
            text = containerlab_yaml(lab, links, hardware, kind)
        else:
            from aifabric.configs.netaddr import routed_networks
            from aifabric.configs.netdevices import network_link_rows
            from aifabric.errors import SpecError
            from aifabric.export.containerlab import build_network_lab, network_containerlab_yaml

            if network in result.networks.layouts and network not in routed_networks(result):
                raise SpecError("command line", "--network", f"the {network} network is InfiniBand: containerlab "
                                "runs Ethernet switches")
            lab = build_network_lab(network_link_rows(result), network, result.plan.name, max_nodes)
            text = network_containerlab_yaml(lab, network, kind)
        write_text(output, text)
        for note in lab.notes:
            _say(f"note: {note}")
        _say(f"wrote {output}: {count(len(lab.nodes), 'node')}, {count(len(lab.links), 'link')}")
        return
    _say(f"wrote {output}")


@app.command("corridor")
def export_corridor(
    spec: Path = typer.Argument(..., help="A corridor spec (corridors/*.yaml)."),
    fmt: str = typer.Option(..., "--format", "-f", help="geojson, kml or gnpy."),
    output: Path = out_option("File to write.", required=True, output_alias=True),
    catalog: Path | None = CATALOG,
) -> None:
    """Export a corridor plan's paths, sites and huts to GeoJSON or KML, or its network to a GNPy topology."""
    from aifabric.corridor.plan import plan_corridor
    from aifabric.io import check_file_target, write_text

    _check_format(fmt, CORRIDOR_FORMATS)
    check_file_target(output)
    plan = plan_corridor(spec, catalog_dir=catalog)
    if fmt == "geojson":
        from aifabric.corridor.geo import corridor_geojson as render
    elif fmt == "kml":
        from aifabric.corridor.geo import corridor_kml as render
    else:
        from aifabric.export.gnpy_topology import gnpy_topology_text as render
    write_text(output, render(plan))
    _say(f"wrote {output}")
