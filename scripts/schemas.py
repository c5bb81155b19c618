"""The `--json` contracts: the examples each schema is checked on, docs/contracts.md, and a drafting aid.

Each `--json` document has a JSON Schema (draft 2020-12) in aifabric/schemas/NAME.json. A schema requires the keys
every output has today, with their types, and allows more: contracts grow by adding keys, never by renaming or
removing them. tests/test_schemas.py validates the output of every example below against its schema.

    python scripts/schemas.py --docs            # rewrite docs/contracts.md from the schemas
    python scripts/schemas.py --docs --check    # exit 1 if docs/contracts.md differs from the schemas
    python scripts/schemas.py --draft NAME      # print a schema inferred from NAME's examples (to compare with the
                                                # shipped one when adding keys; the shipped file is the contract)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "aifabric" / "schemas"
CONTRACTS_MD = ROOT / "docs" / "contracts.md"

_TOPOLOGIES = sorted(p.name for p in (ROOT / "topologies").glob("*.yaml"))
_CORRIDORS = sorted(p.name for p in (ROOT / "corridors").glob("*.yaml"))
_SCALE = sorted(p.name for p in (ROOT / "scale-across").glob("*.yaml"))
# Monte Carlo and ECMP trials over the two largest fabrics take minutes (make bench territory): they are checked on
# every other example.
_SLOW_ANALYSIS = {"colossus-2.yaml", "million-gpu.yaml"}
# One-tier fabrics have no uplinks to hash over: `fabric ecmp` refuses them (exit 2, tests/test_small_clusters.py).
_ONE_TIER = {"hgx-enterprise-3su.yaml"}
# Designs from flags: InfiniBand, two planes, 800G, oversubscribed, a one-switch cluster, a price book.
FLAG_DESIGNS = [
    ["--gpus", "8192", "--switch", "sn5600"],
    ["--servers", "64", "--server", "dgx-h100", "--switch", "qm9700"],
    ["--gpus", "65536", "--switch", "sn5600", "--planes", "2"],
    ["--gpus", "4096", "--switch", "sn5600", "--oversubscription", "2:1"],
    ["--gpus", "8", "--switch", "sn5600"],
    ["--gpus", "2048", "--server", "dgx-b300", "--switch", "q3400"],
    ["--gpus", "2048", "--server", "dgx-b300", "--switch", "sn5600", "--planes", "2"],
]


def examples() -> list[tuple[str, list[str]]]:
    """Return (schema name, aifabric arguments without --json) for every example checked against a schema."""
    out: list[tuple[str, list[str]]] = []
    for name in _TOPOLOGIES:
        spec = f"topologies/{name}"
        out.append(("fabric-plan", ["fabric", "plan", spec]))
        out.append(("fabric-latency", ["fabric", "latency", spec]))
        out.append(("fabric-bisection", ["fabric", "bisection", spec]))
        if name not in _SLOW_ANALYSIS:
            out.append(("fabric-failures", ["fabric", "failures", spec]))
            if name not in _ONE_TIER:
                out.append(("fabric-ecmp", ["fabric", "ecmp", spec]))
        out.append(("validate", ["validate", spec]))
    out.append(("fabric-plan", ["fabric", "plan", "topologies/colossus-100k.yaml", "--prices",
                                "topologies/prices-indicative.csv"]))
    for flags in FLAG_DESIGNS:
        out.append(("fabric-plan", ["fabric", "plan", *flags]))
    out.append(("fabric-latency", ["fabric", "latency", *FLAG_DESIGNS[1]]))
    out.append(("fabric-latency", ["fabric", "latency", *FLAG_DESIGNS[0], "--latency-budget-ns", "3000"]))
    out.append(("fabric-failures", ["fabric", "failures", *FLAG_DESIGNS[0], "--fail", "leaf=1,spine=1,link=0.1%"]))
    out.append(("fabric-ecmp", ["fabric", "ecmp", *FLAG_DESIGNS[0], "--routing", "adaptive"]))
    out.append(("fabric-sweep", ["fabric", "sweep", "topologies/spectrum-x-8k.yaml", "--vary", "planes=1,2",
                                 "--vary", "switch=sn5600,qm9700"]))
    out.append(("fabric-sweep", ["fabric", "sweep", "--gpus", "4096", "--switch", "sn5600", "--vary",
                                 "oversubscription=1,2:1", "--failures", "2"]))
    for name in _CORRIDORS:
        out.append(("corridor-plan", ["corridor", "plan", f"corridors/{name}"]))
        out.append(("validate", ["validate", f"corridors/{name}"]))
    for name in _SCALE:
        out.append(("scale-across-plan", ["scale-across", "plan", f"scale-across/{name}"]))
        out.append(("validate", ["validate", f"scale-across/{name}"]))
    out.append(("catalog", ["catalog"]))
    out.append(("catalog", ["catalog", "nics"]))
    return out


def names() -> list[str]:
    """Return the names of the shipped schemas."""
    return sorted(p.stem for p in SCHEMAS.glob("*.json"))


def load(name: str) -> dict:
    """Return the shipped schema NAME."""
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------- docs

_UNITS = (("_dbm", "dBm"), ("_us", "µs"),
          ("_gbps", "Gb/s"), ("_tbps", "Tb/s"), ("_pflops", "PFLOP/s"), ("_tflops", "TFLOP/s"), ("_km", "km"),
          ("_ms", "ms"), ("_ns", "ns"), ("_s", "s"), ("_m", "m"), ("_mw", "MW"), ("_kw", "kW"), ("_w", "W"),
          ("_db", "dB"), ("_usd", "USD"), ("_ghz", "GHz"), ("_gbd", "GBd"), ("_h", "hours"))


def _type_text(schema: dict) -> str:
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    elif "enum" in schema:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    else:
        return "any"
    parts = []
    for t in types:
        if t == "array":
            item = schema.get("items", {})
            parts.append(f"array of {_type_text(item)}" if item else "array")
        elif t == "object" and "properties" not in schema and isinstance(schema.get("additionalProperties"), dict):
            parts.append(f"object of {_type_text(schema['additionalProperties'])} by key")
        else:
            parts.append(t)
    return " or ".join(parts)


def _unit(key: str) -> str:
    if "_per_" in key:  # loss_db_per_km -> dB/km, cuts_per_year -> /year
        left, right = key.rsplit("_per_", 1)
        return f"{_unit(left)}/{_unit('_' + right) or right.replace('_', ' ')}"
    return next((unit for suffix, unit in _UNITS if key.endswith(suffix)), "")


def _rows(schema: dict, path: str, out: list[str], changed: list[str] | None = None) -> None:
    target = schema
    if target.get("type") == "array" or (isinstance(target.get("type"), list) and "array" in target["type"]):
        target = target.get("items", {})
        path = f"{path}[]"
    if not isinstance(target.get("additionalProperties"), dict) or "properties" in target:
        pass
    elif "properties" in target["additionalProperties"]:
        _rows(target["additionalProperties"], f"{path}.*", out, changed)
        return
    required = set(target.get("required", ()))
    for key, sub in target.get("properties", {}).items():
        here = f"{path}.{key}" if path else key
        text = sub.get("description", "")
        unit = _unit(key)
        out.append(f"| `{here}` | {_type_text(sub)} | {'yes' if key in required else ''} | {unit} | {text} |")
        if changed is not None and sub.get("x-changed"):
            # A key whose value changed meaning (same name, same type): said once, under the table.
            changed.append(f"- `{here}`: {sub['x-changed']}")
        _rows(sub, here, out, changed)


def contracts_markdown() -> str:
    """Return docs/contracts.md: one section per schema, one row per key."""
    lines = [
        "# `--json` contracts",
        "",
        "<!-- generated by scripts/schemas.py --docs from aifabric/schemas/*.json; do not edit by hand -->",
        "",
        "Every `--json` document of aifabric is one JSON object with a published JSON Schema (draft 2020-12),",
        "shipped in the package and printed by `aifabric schema NAME` (`aifabric schema` lists the names). A schema",
        "requires the keys every output has, with their types, and allows more: a contract grows by adding keys,",
        "never by renaming or removing them. The test suite validates the `--json` output of every shipped example",
        "against these schemas.",
        "",
        "Units are in key names (`_gbps`, `_km`, `_ms`, `_kw`, `_usd`, ...). `a.b` is key `b` of object `a`; `a[]`",
        "is each item of array `a`; `a.*` is each value of an object keyed by id.",
        "",
    ]
    for name in names():
        schema = load(name)
        lines += [f"## {name}", "", f"`{schema.get('x-command', '')}`", "", schema.get("description", ""), "",
                  "| key | type | required | unit | what |", "|---|---|---|---|---|"]
        rows: list[str] = []
        changed: list[str] = []
        _rows(schema, "", rows, changed)
        lines += rows
        lines.append("")
        if changed:
            lines += ["Values whose meaning changed (the key and its type stay):", "", *changed, ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- draft

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_FLOAT_KEYS = re.compile(r"(_kw|_mw|_w|_ms|_ns|_s|_km|_m|_tbps|_db|_usd|ratio|share|oversubscription|cost|pue|"
                         r"_pflops|_tflops|mean|p\d+|_h|_ghz|_gbd)$")


# Objects keyed by an id (a site, a catalog entry) rather than by field names: their values share one schema.
MAPS = {"scale-across-plan": {"gpus", "peak_tflops_per_gpu"}}


def _merge(values: list, key: str = "", maps: frozenset = frozenset()) -> dict:
    kinds = {_json_type(v) for v in values}
    schema: dict = {}
    nullable = "null" in kinds
    kinds.discard("null")
    if kinds == {"integer", "number"} or (kinds == {"integer"} and _FLOAT_KEYS.search(key)):
        kinds = {"number"}
    if len(kinds) == 1:
        kind = kinds.pop()
        schema["type"] = [kind, "null"] if nullable else kind
        if kind == "object":
            dicts = [v for v in values if isinstance(v, dict)]
            keys = sorted({k for d in dicts for k in d})
            if keys and (key in maps or not all(_IDENTIFIER.match(k) for k in keys)):
                schema["additionalProperties"] = _merge([d[k] for d in dicts for k in d], "", maps)
            else:
                schema["properties"] = {k: _merge([d[k] for d in dicts if k in d], k, maps) for k in keys}
                required = [k for k in keys if all(k in d for d in dicts)]
                if required:
                    schema["required"] = required
        elif kind == "array":
            items = [i for v in values if isinstance(v, list) for i in v]
            if items:
                schema["items"] = _merge(items, key, maps)
    elif kinds:
        schema["type"] = sorted(kinds) + (["null"] if nullable else [])
    else:
        schema["type"] = "null"
    return schema


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def run_json(args: list[str]) -> dict:
    """Return the --json document `aifabric ARGS --json` prints (a subprocess, as a user runs it)."""
    done = subprocess.run([sys.executable, "-m", "aifabric", *args, "--json"], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def draft(name: str) -> dict:
    """Return a schema inferred from the outputs of NAME's examples."""
    documents = [run_json(args) for schema, args in examples() if schema == name]
    if name == "catalog":
        # One array per catalog kind, each of its own entries; `catalog KIND` prints one of them.
        kinds = sorted({k for d in documents for k in d})
        merged = {"type": "object", "properties": {
            k: _merge([d[k] for d in documents if k in d], k, frozenset()) for k in kinds}}
    else:
        merged = _merge(documents, "", frozenset(MAPS.get(name, ())))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **merged}


def main() -> int:
    """Rewrite or check docs/contracts.md, or print a drafted schema."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", action="store_true", help="rewrite docs/contracts.md from the schemas")
    parser.add_argument("--check", action="store_true", help="with --docs: exit 1 if it differs")
    parser.add_argument("--draft", metavar="NAME", help="print a schema inferred from NAME's examples")
    args = parser.parse_args()
    if args.draft:
        print(json.dumps(draft(args.draft), indent=2))
        return 0
    if args.docs:
        text = contracts_markdown()
        if args.check:
            current = CONTRACTS_MD.read_text(encoding="utf-8") if CONTRACTS_MD.exists() else ""
            if current != text:
                print(f"{CONTRACTS_MD.relative_to(ROOT)} differs from aifabric/schemas: run "
                      "`python scripts/schemas.py --docs`", file=sys.stderr)
                return 1
            return 0
        CONTRACTS_MD.write_text(text, encoding="utf-8")
        print(f"wrote {CONTRACTS_MD.relative_to(ROOT)}")
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
