"""`aifabric fabric sweep`: evaluate a grid of fabric designs and report the Pareto front."""

from __future__ import annotations

import typer


def sweep(spec: str = typer.Argument(..., help="Base fabric spec YAML.")) -> None:
    """Evaluate every combination of --vary values (in progress)."""
    raise typer.Exit(1)
