"""`aifabric schema [NAME]`: list the published `--json` contracts, or print one JSON Schema."""

from __future__ import annotations

import typer


def schema(name: str = typer.Argument(None, help="A schema name, e.g. fabric-plan; none lists them.",
                                      metavar="[NAME]")) -> None:
    """Print the JSON Schema (draft 2020-12) of a `--json` document, or list the schemas with their commands."""
    import json

    from aifabric.schemas import names, schema_text

    if name is None:
        rows = [(n, json.loads(schema_text(n)).get("x-command", "")) for n in names()]
        width = max(len(n) for n, _ in rows)
        for n, command in rows:
            typer.echo(f"{n:<{width}}  {command}")
        return
    typer.echo(schema_text(name), nl=False)
