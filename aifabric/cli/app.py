"""The typer app: every command group and command, -h/--help and --version."""

from __future__ import annotations

import typer

from aifabric.cli import catalog as catalog_cli
from aifabric.cli import corridor as corridor_cli
from aifabric.cli import export as export_cli
from aifabric.cli import fabric as fabric_cli
from aifabric.cli import help_style
from aifabric.cli import netbox as netbox_cli
from aifabric.cli import scale_across as scale_across_cli
from aifabric.cli import schema as schema_cli
from aifabric.cli import validate as validate_cli

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

help_style.apply()

app = typer.Typer(
    name="aifabric",
    help="Design AI-cluster interconnects: GPU fabrics inside a site, DWDM corridors between sites.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=HELP_OPTIONS,
)


def _version(value: bool) -> None:
    if value:
        from aifabric import __version__

        typer.echo(f"aifabric {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """Design AI-cluster interconnects: GPU fabrics inside a site, DWDM corridors between sites."""
app.add_typer(fabric_cli.app, name="fabric", help="Size, build and analyse rail-optimized GPU fabrics.")
app.add_typer(corridor_cli.app, name="corridor", help="Route and size long-haul DWDM corridors.")
app.add_typer(scale_across_cli.app, name="scale-across",
              help="Size the inter-site corridor from a training job; judge RoCE over the distance.")
app.add_typer(export_cli.app, name="export", help="Export a fabric or corridor to other tools' formats.")
from aifabric.cli import lab as lab_cli  # noqa: E402 - imports only typer at module level
from aifabric.cli import verify as verify_cli  # noqa: E402

app.add_typer(lab_cli.app, name="lab", help="Boot a scaled-down copy of a plan in network namespaces (FRR, lldpd) "
                                            "and check its routing.")
app.add_typer(verify_cli.app, name="verify", help="Check a built site against its plan (LLDP against links.csv).")
app.add_typer(netbox_cli.app, name="netbox", help="Push a plan into a running NetBox and diff NetBox against it.")
app.command("catalog", help="List the hardware the tool knows, with sources.")(catalog_cli.catalog)
app.command("validate", help="Check a fabric, corridor or scale-across spec against its schema and the catalog; "
                             "size nothing.")(validate_cli.validate)
app.command("schema", help="Print the JSON Schema of a --json document (fabric-plan, corridor-plan, ...); "
                           "none lists them.")(schema_cli.schema)
