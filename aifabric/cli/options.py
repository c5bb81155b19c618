"""Options shared by every command: the spec flags (one table, aifabric/spec/flags.py), -o/--out, --catalog.

A command that takes a fabric spec is decorated with `@spec_flags()`: it then accepts every flag of the table,
with the same help text, and receives them as one `overrides` dict ({field path: value}, None when not given).
Adding a spec flag is one line in aifabric/spec/flags.py; no command changes.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import typer

from aifabric.cli.planning import plan_from, require_size  # noqa: F401 - re-exported for the commands
from aifabric.spec.flags import FABRIC_FLAGS, SpecFlag

SPEC_PANEL = "Spec flags (override the spec file's fields; enough on their own)"


def spec_flags(table: tuple[SpecFlag, ...] = FABRIC_FLAGS):
    """Return a decorator adding one option per spec flag of `table` to a command; the command gets them as
    `overrides` ({field path: value or None})."""

    def decorate(func):
        signature = inspect.signature(func)
        own = [p for p in signature.parameters.values() if p.name != "overrides"]
        taken = {p.name for p in own}
        extra = []
        annotations = {k: v for k, v in getattr(func, "__annotations__", {}).items() if k != "overrides"}
        for flag in table:
            if flag.param in taken:
                raise TypeError(f"{func.__name__}: parameter {flag.param} clashes with spec flag {flag.flag}")
            annotation = flag.type | None
            extra.append(inspect.Parameter(
                flag.param, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                default=typer.Option(None, flag.flag, help=flag.help, rich_help_panel=SPEC_PANEL,
                                     show_default=False)))
            annotations[flag.param] = annotation

        @functools.wraps(func)
        def command(*args, **kwargs):
            overrides = {flag.field: kwargs.pop(flag.param, None) for flag in table}
            return func(*args, overrides=overrides, **kwargs)

        command.__signature__ = signature.replace(parameters=own + extra)
        command.__annotations__ = annotations
        return command

    return decorate


def out_option(help_text: str, required: bool = False, output_alias: bool = False) -> Any:
    """Return the -o/--out option every writing command has (--output too where it was the original name)."""
    names = ("--out", "-o", "--output") if output_alias else ("--out", "-o")
    return typer.Option(... if required else None, *names, help=help_text)


CATALOG = typer.Option(None, "--catalog", help="Directory of catalog YAML that adds to or overrides the shipped "
                                               "catalog.")
JSON = typer.Option(False, "--json", help="Print one JSON document to stdout and nothing else.")
SPEC = typer.Argument(None, help="Fabric spec YAML (topologies/*.yaml); optional when --gpus or --servers is "
                                 "given; spec flags override its fields.")
