"""Entry point: builds the typer app and maps the project's errors to exit codes (2 bad input, 1 internal)."""

from __future__ import annotations

import sys

import typer

from aifabric.cli import catalog as catalog_cli
from aifabric.cli import corridor as corridor_cli
from aifabric.cli import export as export_cli
from aifabric.cli import fabric as fabric_cli
from aifabric.cli import scale_across as scale_across_cli
from aifabric.cli import validate as validate_cli

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

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
app.command("catalog", help="List the hardware the tool knows, with sources.")(catalog_cli.catalog)
app.command("validate", help="Check a fabric or corridor spec against its schema; nothing else.")(
    validate_cli.validate
)


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; exit 2 with a one-line message on bad input, 1 with a traceback on an internal error."""
    from aifabric.errors import AifabricError

    try:
        app(args=argv, standalone_mode=False)
    except AifabricError as exc:
        sys.stderr.write(f"error: {exc.message}\n" if "\n" not in exc.message else _many(exc.message))
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        # Click's usage errors (typer may vendor its own click, so match by shape): one line, exit 2.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            message = " ".join(str(exc.format_message()).split())
            if not message:
                # A bare group (`aifabric`, `aifabric fabric`): click has printed its help; no empty error line.
                sys.exit(0)
            sys.stderr.write(f"error: command line: {message}\n")
            sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
        raise
    sys.exit(0)


def _many(message: str) -> str:
    return "".join(f"error: {line}\n" for line in message.splitlines())


if __name__ == "__main__":
    run()
