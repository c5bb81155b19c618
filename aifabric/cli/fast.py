"""The lean path of two commands whose start time is benchmarked: `fabric plan ... --json` and `export fabric ...
--format simai`. It reads the same spec flags (aifabric/spec/flags.py) and calls the same core functions as the typer
commands, without importing typer (its import and per-parameter validators cost more than sizing a 65,536-GPU
fabric). It takes only plain argument lists; anything else (help, an unknown or malformed option, another format,
other options) returns False and the typer app handles it, so messages and behaviour stay the typer command's.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aifabric.spec.flags import FABRIC_FLAGS

SPEC_FLAGS = {flag.flag: flag for flag in FABRIC_FLAGS}
# The options each lean command understands besides the spec flags: option -> (key, takes a value).
COMMANDS: dict[tuple[str, str], dict[str, tuple[str, bool]]] = {
    ("fabric", "plan"): {"--json": ("json", False), "--catalog": ("catalog", True)},
    ("export", "fabric"): {"--format": ("format", True), "-f": ("format", True), "--out": ("out", True),
                           "-o": ("out", True), "--output": ("out", True), "--catalog": ("catalog", True)},
}


def parse(args: list[str]) -> tuple[tuple[str, str], Path | None, dict[str, Any], dict[str, Any]] | None:
    """Return (command, spec, spec-flag overrides, other options) of a plain argument list, or None when the lean
    path does not take it."""
    command = tuple(args[:2])
    own = COMMANDS.get(command)  # type: ignore[arg-type]
    if own is None:
        return None
    spec: Path | None = None
    overrides: dict[str, Any] = {flag.field: None for flag in FABRIC_FLAGS}
    options: dict[str, Any] = {}
    rest = args[2:]
    i = 0
    while i < len(rest):
        token = rest[i]
        name, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        if not token.startswith("-") or token == "-":
            if spec is not None:
                return None
            spec = Path(token)
        elif name in SPEC_FLAGS or (name in own and own[name][1]):
            if eq:
                value = inline
            elif i + 1 < len(rest):
                i += 1
                value = rest[i]
            else:
                return None
            if name in SPEC_FLAGS:
                flag = SPEC_FLAGS[name]
                if flag.type is bool:
                    return None
                try:
                    overrides[flag.field] = flag.type(value)
                except ValueError:
                    return None  # typer says what is wrong with the value
            else:
                options[own[name][0]] = value
        elif name in own and not eq:
            options[own[name][0]] = True
        else:
            return None
        i += 1
    return command, spec, overrides, options  # type: ignore[return-value]


def run_fast(args: list[str]) -> bool:
    """Run the command on the lean path and return True, or return False to leave it to the typer app."""
    parsed = parse(args)
    if parsed is None:
        return False
    with _short_lived():
        return _run(*parsed)


@contextlib.contextmanager
def _short_lived() -> Iterator[None]:
    """Run a lean command as the short, single-threaded job it is; the process is as it was afterwards.

    - No cyclic garbage collection: the imports alone allocate enough containers for ~80 collections (≈10 ms) that
      free nothing; the command itself makes no reference cycles worth collecting before the process ends.
    - One OpenBLAS thread: numpy's OpenBLAS starts a thread per core when numpy is imported, and each spins for
      tens of ms of CPU on another core (on a 2-core machine, beside other work) although these commands do no
      linear algebra. OpenBLAS reads the variable once, when it loads, so a user's own setting wins and the
      environment is restored afterwards (a child process sees the user's).
    """
    collecting = gc.isenabled()
    gc.disable()
    blas = os.environ.get(BLAS_THREADS)
    if blas is None:
        os.environ[BLAS_THREADS] = "1"
    try:
        yield
    finally:
        if blas is None:
            os.environ.pop(BLAS_THREADS, None)
        if collecting:
            gc.enable()


BLAS_THREADS = "OPENBLAS_NUM_THREADS"


def _run(command: tuple[str, str], spec: Path | None, overrides: dict[str, Any], options: dict[str, Any]) -> bool:
    catalog = Path(options["catalog"]) if "catalog" in options else None
    if command == ("fabric", "plan"):
        if not options.get("json"):
            return False
        from aifabric.cli.planning import plan_from
        from aifabric.cli.render import print_json

        print_json(plan_from(spec, overrides, catalog).document())
        return True
    if options.get("format") != "simai" or "out" not in options:
        return False
    import sys

    from aifabric.cli.planning import export_simai

    sys.stderr.write(f"wrote {export_simai(spec, overrides, catalog, Path(options['out']))}\n")
    return True
