"""The `--json` contracts (aifabric/schemas/*.json): every shipped example's output validates against its schema,
a removed or renamed key fails, docs/contracts.md is generated from them, `aifabric schema` prints them."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("schemas_script", ROOT / "scripts" / "schemas.py")
schemas_script = importlib.util.module_from_spec(_spec)
sys.modules["schemas_script"] = schemas_script
_spec.loader.exec_module(schemas_script)

EXAMPLES = schemas_script.examples()
# Documents of running systems, validated by the tests that start them (a lab in network namespaces, LLDP tables).
LIVE = {"lab-check": "tests/lab/test_lab.py", "verify-cabling": "tests/verify/test_verify.py",
        "netbox-push": "tests/netbox/test_netbox_live.py", "netbox-diff": "tests/netbox/test_netbox_live.py"}


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schemas_script.load(name))


@pytest.fixture
def in_repo(monkeypatch):
    """Run commands from the repository root, as the examples' relative paths expect."""
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(("name", "args"), EXAMPLES, ids=[f"{n}:{' '.join(a[2:] if a[0] == 'fabric' else a[1:])}"
                                                           for n, a in EXAMPLES])
def test_every_example_validates_against_its_schema(cli, in_repo, name, args):
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    document = json.loads(out)
    errors = sorted(_validator(name).iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                                 for e in errors[:10])


def test_every_schema_is_a_valid_draft_2020_12_schema_with_examples():
    names = schemas_script.names()
    assert names == ["catalog", "corridor-plan", "fabric-bisection", "fabric-ecmp", "fabric-failures",
                     "fabric-latency", "fabric-plan", "fabric-sweep", "lab-check", "netbox-diff", "netbox-push",
                     "scale-across-plan", "validate", "verify-cabling"]
    for name in names:
        schema = schemas_script.load(name)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["description"] and schema["x-command"].startswith("aifabric ")
        assert any(n == name for n, _ in EXAMPLES) or name in LIVE, f"no example checks schema {name}"


def _objects(schema, path=()):
    """Yield (path, object schema) for every object with required keys."""
    if isinstance(schema, dict):
        if schema.get("required"):
            yield path, schema
        for key, sub in schema.get("properties", {}).items():
            yield from _objects(sub, (*path, key))
        if isinstance(schema.get("items"), dict):
            yield from _objects(schema["items"], (*path, 0))


def _at(document, path):
    for part in path:
        document = document[part]
    return document


@pytest.mark.parametrize("name,args", [
    ("fabric-plan", ["fabric", "plan", "topologies/colossus-100k.yaml"]),
    ("fabric-latency", ["fabric", "latency", "topologies/dgx-h100-superpod-4su.yaml"]),
    ("corridor-plan", ["corridor", "plan", "corridors/texas-triangle-nova.yaml"]),
])
def test_a_removed_or_renamed_key_fails(cli, in_repo, name, args):
    """Every required key of every object: dropping it, or renaming it, makes the document invalid."""
    code, out, _ = cli(*args, "--json")
    document = json.loads(out)
    validator = _validator(name)
    assert validator.is_valid(document)
    checked = 0
    for path, obj in _objects(schemas_script.load(name)):
        try:
            target = _at(document, path)
        except (KeyError, IndexError, TypeError):
            continue  # an optional branch this example lacks
        for key in obj["required"]:
            broken = copy.deepcopy(document)
            holder = _at(broken, path)
            holder[f"{key}_renamed"] = holder.pop(key)
            assert not validator.is_valid(broken), f"{name}: renaming {'/'.join(map(str, (*path, key)))} passed"
            checked += 1
        assert isinstance(target, dict)
    assert checked >= 10


def test_a_changed_type_fails(cli, in_repo):
    code, out, _ = cli("fabric", "plan", "--gpus", "8192", "--switch", "sn5600", "--json")
    document = json.loads(out)
    validator = _validator("fabric-plan")
    document["switches"]["leaf"] = "128"
    assert not validator.is_valid(document)


def test_contracts_md_is_generated_from_the_schemas():
    text = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    assert text == schemas_script.contracts_markdown(), "run `python scripts/schemas.py --docs`"
    for name in schemas_script.names():
        assert f"## {name}" in text
    assert "| `switches.leaf` | integer | yes |" in text


def test_schema_command_lists_and_prints(cli):
    code, out, _ = cli("schema")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == schemas_script.names()
    assert re.search(r"^fabric-plan +aifabric fabric plan ", out, re.MULTILINE)
    code, out, _ = cli("schema", "fabric-plan")
    assert code == 0
    assert json.loads(out) == schemas_script.load("fabric-plan")
    code, _, err = cli("schema", "fabric-plna")
    assert code == 2
    assert err.startswith("error: command line: NAME: unknown schema 'fabric-plna' (did you mean 'fabric-plan'?)")


def test_schemas_ship_in_the_package():
    """setuptools installs the schemas beside the code (a wheel without them would print nothing)."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    package_data = pyproject.split("[tool.setuptools.package-data]")[1]
    assert re.search(r'^aifabric = \[.*"schemas/\*\.json"', package_data, re.MULTILINE)
    from aifabric.schemas import names

    assert names() == schemas_script.names()
