"""NVIDIA's published network counts (tests/reference/ra_networks.yaml), checked against `fabric plan --json`.

Each entry of the data file is one published configuration with its citation. Its compute-fabric counts are checked
today against the plan's top-level `switches` and `links` (the compute fabric's). Its counts for every network
(compute, converged, storage, oob, nvlink) are checked against the plan's `networks` document (issue 24's contract).
"""

from __future__ import annotations

import contextlib
import io
import json
from functools import cache
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, TOPOLOGIES

REFERENCE = yaml.safe_load((Path(__file__).parent / "reference" / "ra_networks.yaml").read_text(encoding="utf-8"))
ENTRIES = {entry["id"]: entry for entry in REFERENCE["entries"]}
NETWORKS = ("compute", "converged", "storage", "oob", "nvlink")
CHECKS = ("switches", "switches_total", "switches_at_least", "links", "links_total", "links_at_least", "links_one_of")


@cache
def plan_json(entry_id: str, spec_dir: str) -> dict:
    """Run `aifabric fabric plan SPEC --json` for an entry (once per session) and return the parsed document."""
    from aifabric.cli.main import run

    spec = ENTRIES[entry_id]["spec"]
    if "topology" in spec:
        path = TOPOLOGIES / f"{spec['topology']}.yaml"
    else:
        path = Path(spec_dir) / f"{entry_id}.yaml"
        path.write_text(yaml.safe_dump({"name": f"ra-{entry_id}", **spec["overrides"]}), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            run(["fabric", "plan", str(path), "--json"])
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise AssertionError(f"plan of {entry_id} failed: {err.getvalue()}") from None
    return json.loads(out.getvalue())


@pytest.fixture(scope="session")
def spec_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("ra-specs"))


def _compute_cases() -> list[tuple[str, str]]:
    """(entry, check) pairs of the compute counts the current plan's top-level keys can be checked against."""
    cases = []
    for entry in ENTRIES.values():
        compute = entry.get("networks", {}).get("compute", {})
        if "spec" in entry:
            cases += [(entry["id"], check) for check in ("switches", "switches_total", "links") if check in compute]
    return cases


def _network_cases() -> list[tuple[str, str]]:
    """(entry, network) pairs with at least one published count to check in `networks`."""
    cases = []
    for entry in ENTRIES.values():
        if "spec" not in entry:
            continue
        for network, published in entry.get("networks", {}).items():
            if any(check in published for check in CHECKS):
                cases.append((entry["id"], network))
        cases += [(entry["id"], f"group{i}") for i in range(len(entry.get("groups", [])))]
    return cases


def _known_difference(entry_id: str, check: str):
    """The xfail mark of a published compute count the product is known to plan differently (data file's
    `known_differences`), or None."""
    for known in REFERENCE.get("known_differences", []):
        if known["entry"] == entry_id and known["check"] == check:
            return pytest.mark.xfail(strict=True, reason=f"{known['product']} (published: {known['published']})")
    return None


def _params(cases) -> list:
    """pytest params of (entry, check) cases, a known difference marked xfail."""
    params = []
    for entry_id, check in cases:
        mark = _known_difference(entry_id, check)
        params.append(pytest.param(entry_id, check, id=f"{entry_id}-{check}", marks=[mark] if mark else []))
    return params


@pytest.mark.parametrize(("entry_id", "check"), _params(_compute_cases()))
def test_compute_fabric_matches_the_published_table(entry_id, check, spec_dir):
    """Live today: the compute fabric's switches per tier and links per kind equal the RA's table row."""
    published = ENTRIES[entry_id]["networks"]["compute"]
    doc = plan_json(entry_id, spec_dir)
    if check == "switches":
        assert {tier: doc["switches"][tier] for tier in published["switches"]} == published["switches"]
    elif check == "switches_total":
        assert doc["switches"]["total"] == published["switches_total"]
    else:
        assert {kind: doc["links"][kind] for kind in published["links"]} == published["links"]


def _networks(doc: dict) -> dict:
    """Return the plan's `networks` document; every plan has one (the contract's key)."""
    assert "networks" in doc, "fabric plan --json has no `networks` key"
    return doc["networks"]


def _switch_total(network: dict) -> int:
    return sum(network["switches"].values())


def _check(name: str, published: dict, networks: list[dict]) -> None:
    """Assert every published check of one network (or of a group of networks, summed) on the plan's documents."""
    switches = sum(_switch_total(n) for n in networks)
    links = sum(n["links"] for n in networks)
    if "switches" in published:
        assert len(networks) == 1, f"{name}: per-tier counts are for one network"
        tiers = networks[0]["switches"]
        assert {tier: tiers.get(tier, 0) for tier in published["switches"]} == published["switches"], name
    if "switches_total" in published:
        assert switches == published["switches_total"], name
    if "switches_at_least" in published:
        assert switches >= published["switches_at_least"], name
    if "links" in published:
        assert links == sum(published["links"].values()), name
    if "links_total" in published:
        assert links == published["links_total"], name
    if "links_at_least" in published:
        assert links >= published["links_at_least"], name
    if "links_one_of" in published:
        assert links in published["links_one_of"], name
    for network in networks:
        assert network["power_kw"] >= 0, name


@pytest.mark.parametrize(("entry_id", "network"), _params(_network_cases()))
def test_network_matches_the_published_counts(entry_id, network, spec_dir):
    """Each network's switches and links in `plan --json` → `networks` equal the RA's counts (bounds where the RA
    states only a per-rack or per-node part). Skips while the plan has no `networks`."""
    entry = ENTRIES[entry_id]
    networks = _networks(plan_json(entry_id, spec_dir))
    if network.startswith("group"):
        published = entry["groups"][int(network.removeprefix("group"))]
        names = published["networks"]
    else:
        published, names = entry["networks"][network], [network]
    missing = [name for name in names if name not in networks]
    assert not missing, f"{entry_id}: the plan has no {missing} network though the RA names it"
    _check(f"{entry_id}/{network}", published, [networks[name] for name in names])


def test_every_entry_is_cited_and_well_formed():
    """Every entry names a known source and the table or section it reads; every network key is one of the
    contract's; a spec is either a shipped topology or overrides, else the entry says why it has none; every
    per-node attachment note names its source."""
    for entry in ENTRIES.values():
        assert entry["source"] in REFERENCE["sources"], entry["id"]
        assert entry["tables"].strip(), entry["id"]
        assert set(entry.get("networks", {})) <= set(NETWORKS), entry["id"]
        for group in entry.get("groups", []):
            assert set(group["networks"]) <= set(NETWORKS) and len(group["networks"]) > 1, entry["id"]
        if "spec" in entry:
            assert set(entry["spec"]) in ({"topology"}, {"overrides"}), entry["id"]
        else:
            assert entry["why_no_spec"].strip(), entry["id"]
    for attachment in REFERENCE["node_attachment"]:
        assert attachment["source"] in REFERENCE["sources"], attachment["system"]
    for source in REFERENCE["sources"].values():
        assert source["title"].strip() and (source.get("url") or source.get("note")), source


def test_shipped_topologies_of_these_ras_are_mapped():
    """Every shipped topology that follows one of these RAs is the spec of at least one reference entry (the rest
    say why they have no published counterpart)."""
    mapped = {entry["spec"]["topology"] for entry in ENTRIES.values() if "topology" in entry.get("spec", {})}
    mapped |= {entry["topology"] for entry in ENTRIES.values() if "topology" in entry}
    unmapped = REFERENCE["unmapped_topologies"]
    for name in ("dgx-h100-superpod-4su", "dgx-h100-superpod-16su", "gb200-nvl72-superpod", "gb300-nvl72-superpod",
                 "gb300-nvl72-spectrum-x", "spectrum-x-8k", "b300-twin-plane"):
        assert (TOPOLOGIES / f"{name}.yaml").exists(), name
        assert (name in mapped) != (name in unmapped), name
    assert all((ROOT / "topologies" / f"{name}.yaml").exists() for name in mapped)
