"""`aifabric netbox push|diff SPEC --url URL --token-env VAR`: a plan in a running NetBox, and its drift.

The token is read from the environment variable --token-env names; it is never printed, logged or written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from aifabric.cli.options import CATALOG, JSON, spec_flags

app = typer.Typer(no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})

SPEC_ARG = typer.Argument(None, help="A fabric spec (topologies/*.yaml; optional with --gpus/--servers) or a "
                                     "corridor spec (corridors/*.yaml).")
URL = typer.Option(..., "--url", envvar="NETBOX_URL", help="NetBox's base URL, e.g. https://netbox.example.net "
                                                           "(or $NETBOX_URL).")
TOKEN_ENV = typer.Option("NETBOX_TOKEN", "--token-env", help="The environment variable holding the API token.")
INSECURE = typer.Option(False, "--insecure", help="Do not verify NetBox's TLS certificate (a warning is printed).")
SITE = typer.Option(None, "--site", help="NetBox site of a fabric (default: the design's name).")


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")


def _client(url: str, token_env: str, insecure: bool, chunk: int, workers: int = 1):
    from aifabric.errors import SpecError
    from aifabric.netbox.client import NetboxClient

    if not url.startswith(("http://", "https://")):
        raise SpecError("command line", "--url", f"'{url}': expected http:// or https:// and NetBox's host")
    token = os.environ.get(token_env, "").strip()
    if not token:
        raise SpecError("command line", "--token-env", f"{token_env} is not set: put the NetBox API token in it")
    if insecure:
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        _say(f"warning: --insecure: the TLS certificate of {url} is not verified")
    return NetboxClient(url, token, verify=not insecure, chunk=chunk, workers=workers)


def _objects(spec: Path | None, overrides: dict[str, Any], catalog: Path | None, site: str | None):
    """Return the NetBox objects of a fabric or corridor spec (told apart by their keys, as `validate` does)."""
    from aifabric.netbox.model import corridor_objects, fabric_objects

    if spec is not None and not any(v is not None for v in overrides.values()):
        from aifabric.spec.loader import load_yaml

        data, _ = load_yaml(spec)
        if isinstance(data, dict) and ("demands" in data or "network" in data):
            from aifabric.corridor.plan import plan_corridor

            return corridor_objects(plan_corridor(spec, catalog_dir=catalog))
    from aifabric.cli.planning import plan_from

    result = plan_from(spec, overrides, catalog)
    return fabric_objects(result.links, result.hardware, site, result.networks)


@app.command("push")
@spec_flags()
def push(
    spec: Path | None = SPEC_ARG,
    url: str = URL,
    token_env: str = TOKEN_ENV,
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be created, updated and deleted; "
                                                          "write nothing."),
    insecure: bool = INSECURE,
    site: str | None = SITE,
    chunk: int = typer.Option(250, "--chunk", min=1, help="Objects per bulk request (1: one request per object)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Bulk requests in flight at once (1: one at a time)."),
    json_out: bool = JSON,
    catalog: Path | None = CATALOG,
    overrides: dict | None = None,
) -> None:
    """Push a plan into NetBox: only the difference, keyed by name and the plan's tag; resumable."""
    import time

    from aifabric.netbox.sync import push as push_plan

    client = _client(url, token_env, insecure, chunk, workers)
    objects = _objects(spec, overrides or {}, catalog, site)
    started = time.perf_counter()
    try:
        changes = push_plan(client, objects, dry_run=dry_run)
    finally:
        client.close()
    seconds = time.perf_counter() - started
    if json_out:
        from aifabric.cli.render import print_json

        print_json(changes.to_json())
        return
    _render_changes(changes, objects.tag, dry_run, seconds)


def _render_changes(changes, tag: str, dry_run: bool, seconds: float) -> None:
    from rich.table import Table

    from aifabric.cli.render import stdout_console

    table = Table(title=f"netbox push{' --dry-run' if dry_run else ''} (tag {tag})")
    for column in ("model", "created", "updated", "deleted"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for model in changes.created:
        row = (changes.created[model], changes.updated[model], changes.deleted[model])
        if any(row):
            table.add_row(model, *(f"{n:,}" for n in row))
    console = stdout_console()
    if changes.total:
        console.print(table)
    verb = "would write" if dry_run else "wrote"
    console.print(f"{verb} {changes.total:,} objects in {changes.requests:,} requests, {seconds:.1f} s"
                  + ("" if changes.total else ": NetBox already holds the plan"))


@app.command("diff")
@spec_flags()
def diff(
    spec: Path | None = SPEC_ARG,
    url: str = URL,
    token_env: str = TOKEN_ENV,
    insecure: bool = INSECURE,
    site: str | None = SITE,
    json_out: bool = JSON,
    catalog: Path | None = CATALOG,
    overrides: dict | None = None,
) -> None:
    """Read NetBox back and report what is missing, extra or miscabled against the plan; exit 1 when they differ."""
    from aifabric.netbox.sync import diff as diff_plan

    client = _client(url, token_env, insecure, 250)
    objects = _objects(spec, overrides or {}, catalog, site)
    try:
        report = diff_plan(client, objects)
    finally:
        client.close()
    if json_out:
        from aifabric.cli.render import print_json

        print_json(report)
    else:
        _render_diff(report, objects.name)
    if not report["equal"]:
        raise typer.Exit(1)


def _render_diff(report: dict, name: str) -> None:
    from rich.table import Table

    from aifabric.cli.render import stdout_console

    console = stdout_console()
    if report["equal"]:
        console.print(f"NetBox holds plan {name} exactly: nothing missing, extra or miscabled")
        return
    table = Table(title=f"netbox diff: {name}")
    for column in ("drift", "model", "device", "object", "detail"):
        table.add_column(column)
    for item in report["miscabled"]:
        table.add_row("miscabled", "dcim.cable", item["device"] or "", item["cable"],
                      f"planned {item['planned']}; found {'; '.join(item['found'])}")
    for kind in ("missing", "extra", "changed"):
        for item in report[kind]:
            detail = ", ".join(item.get("fields", [])) if kind == "changed" else (
                "" if kind == "missing" else ("carries the plan's tag" if item.get("tagged") else "not the plan's"))
            table.add_row(kind, item["model"], item.get("device") or "", item["name"], detail)
    console.print(table)
    console.print(f"{len(report['missing'])} missing, {len(report['extra'])} extra, "
                  f"{len(report['miscabled'])} miscabled, {len(report['changed'])} changed")
