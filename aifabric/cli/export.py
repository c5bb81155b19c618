"""`aifabric export fabric|corridor SPEC --format F -o PATH` (placeholder until the exporters land)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
