"""Shared test helpers: run the CLI in-process and capture its exit code and streams."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOPOLOGIES = ROOT / "topologies"


@pytest.fixture
def cli(capsys):
    """Return a function running `aifabric ARGS` in-process -> (exit code, stdout, stderr)."""
    from aifabric.cli.main import run

    def invoke(*args: str) -> tuple[int, str, str]:
        try:
            run([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture(scope="session")
def hardware():
    """Return the shipped catalog."""
    from aifabric.catalog.models import load_hardware

    return load_hardware()
