"""The error catalog: every bad input in tests/errors/ with the exact message it must produce beside it.

A case is a file or directory named <kind>-<what>.* (kind: fabric, corridor, network, catalog, price, cli, scale), its
expected stderr in <case>.expected, and optionally the command in <case>.args ({file} is the case's input).
Defaults: fabric-* -> `fabric plan FILE`, corridor-* -> `corridor plan FILE`, network-* -> `corridor plan
<case>.spec.yaml` (a spec beside it naming the network), catalog-* -> `fabric plan --gpus 512 --catalog DIR`,
scale-* -> `scale-across plan FILE`.
Each must exit 2 with no output on stdout, no traceback, and stderr exactly as expected.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

ERRORS = Path(__file__).parent / "errors"
KINDS = ("fabric-", "corridor-", "network-", "catalog-", "price-", "cli-", "scale-")


def _default_args(case: str, input_name: str) -> list[str]:
    if case.startswith("fabric-"):
        return ["fabric", "plan", input_name]
    if case.startswith("corridor-"):
        return ["corridor", "plan", input_name]
    if case.startswith("network-"):
        return ["corridor", "plan", f"{case}.spec.yaml"]
    if case.startswith("catalog-"):
        return ["fabric", "plan", "--gpus", "512", "--catalog", input_name]
    if case.startswith("scale-"):
        return ["scale-across", "plan", input_name]
    raise AssertionError(f"{case}: give the command in {case}.args")


def _cases() -> dict[str, list[str]]:
    cases: dict[str, list[str]] = {}
    for path in sorted(ERRORS.iterdir()):
        if not path.name.startswith(KINDS) or path.suffix in (".expected", ".args") or ".spec." in path.name:
            continue
        case = path.name.split(".")[0]
        args_file = ERRORS / f"{case}.args"
        if args_file.exists():
            cases[case] = [a.replace("{file}", path.name) for a in shlex.split(args_file.read_text())]
        else:
            cases[case] = _default_args(case, path.name)
    for args_file in sorted(ERRORS.glob("cli-*.args")):
        cases.setdefault(args_file.stem, shlex.split(args_file.read_text()))
    return cases


CASES = _cases()


def test_the_catalog_is_large_enough():
    assert len(CASES) >= 60
    kinds = {case.split("-")[0] for case in CASES}
    assert {"fabric", "corridor", "network", "catalog", "cli"} <= kinds


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_case(case, cli, monkeypatch):
    monkeypatch.chdir(ERRORS)
    code, out, err = cli(*CASES[case])
    expected = (ERRORS / f"{case}.expected").read_text()
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert err == expected
    assert all(line.startswith("error: ") for line in err.splitlines())
