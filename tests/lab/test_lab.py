"""The lab for real: a two-tier and a three-tier plan booted in network namespaces with FRR and lldpd. Every BGP
session comes up, every leaf has the planned ECMP width and every NIC reaches every other; a failed cable's
convergence is measured; two swapped cables are exactly the two `verify cabling` reports; `lab down` (also after a
crash) leaves no namespace, process or state behind.

These tests need root, iproute2, FRR, lldpd and ping (Debian: apt-get install -y iproute2 frr lldpd iputils-ping).
Without them they are skipped, except in CI (CI=true), where they fail: CI must run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from aifabric.lab import netns
from aifabric.lab.state import lab_dir, prefix

ROOT = Path(__file__).resolve().parents[2]


def _require_lab() -> None:
    missing = netns.require_tools()
    if missing:
        message = f"the lab needs {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the lab tests (.ci/run installs them)")
        pytest.skip(message)


def _namespaces(name: str) -> list[str]:
    return [n for n in netns.namespaces() if n.startswith(prefix(name))]


def _processes_of(name: str) -> list[str]:
    """Return command lines of live processes that name the lab's state directory."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(lab_dir(name)) in cmdline and state != "Z":
            found.append(cmdline)
    return found


def _json(cli, *args: str) -> tuple[int, dict]:
    code, out, err = cli(*args, "--json")
    assert out, err
    document = json.loads(out)
    if args[:2] in (("lab", "up"), ("lab", "check")):
        _check_contract(document)
    return code, document


def _check_contract(document: dict) -> None:
    """The published contract (aifabric/schemas/lab-check.json) holds for every lab document."""
    from jsonschema import Draft202012Validator

    from aifabric.schemas import schema_text

    errors = list(Draft202012Validator(json.loads(schema_text("lab-check"))).iter_errors(document))
    assert not errors, errors[0].message


def _assert_gone(name: str) -> None:
    assert _namespaces(name) == []
    assert not lab_dir(name).exists()
    assert _processes_of(name) == []


@pytest.fixture(scope="module")
def two_tier():
    """A lab of spectrum-x-8k (2 tiers): 4 leaves, 2 spines, 4 servers; removed afterwards."""
    _require_lab()
    name = f"t2-{os.getpid() % 100000}"
    yield name
    from aifabric.lab.updown import down

    down(name)
    _assert_gone(name)


def test_two_tier_lab_comes_up(cli, two_tier):
    code, document = _json(cli, "lab", "up", str(ROOT / "topologies" / "spectrum-x-8k.yaml"), "--name", two_tier)
    assert code == 0, document
    assert document["sessions"]["up"] == document["sessions"]["expected"] == 8  # 4 leaves x 2 spines
    assert document["ecmp"] == {"min": 2, "expected": 2, "short": []}
    assert document["reachability"]["ok"] == document["reachability"]["tried"] == 48  # 8 NICs, 6 each on others
    assert len(_namespaces(two_tier)) == 6 + 4
    code, again = _json(cli, "lab", "check", "--name", two_tier)
    assert code == 0 and again["sessions"]["up"] == 8


def test_link_failure_converges_and_restores(cli, two_tier):
    code, document = _json(cli, "lab", "fail", "plane0/pod000/leaf000:plane0/pod000/spine000", "--name", two_tier)
    assert code == 0
    assert document["converged"] is True and document["convergence_ms"] > 0
    assert document["sessions"]["up"] == document["sessions"]["expected"] - 1
    assert document["ecmp"]["min"] == 1  # to and from leaf000 only spine001 is left
    assert document["reachability"]["ok"] == document["reachability"]["tried"]
    code, back = _json(cli, "lab", "restore", "plane0/pod000/leaf000:plane0/pod000/spine000", "--name", two_tier)
    assert back["sessions"]["up"] == back["sessions"]["expected"] and back["ecmp"]["min"] == 2


def test_two_swapped_cables_are_reported_exactly(cli, two_tier, tmp_path):
    code, before = _json(cli, "verify", "cabling", "--lab", two_tier)
    assert code == 0 and before["correct"] == 16 and not before["miscabled"]
    code, _, err = cli("lab", "swap", "plane0/pod000/leaf000:swp2s0", "plane0/pod000/leaf001:swp2s1", "--name",
                       two_tier)
    assert code == 0, err
    deadline = time.monotonic() + 30
    while True:  # LLDP re-learns the new neighbors within a few transmit intervals (1 s)
        code, document = _json(cli, "verify", "cabling", "--lab", two_tier)
        if len(document["miscabled"]) == 2 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert code == 1
    assert document["correct"] == 14 and document["missing"] == [] and document["unexpected"] == []
    ends = {(m["a"]["device"], m["a"]["port"]) for m in document["miscabled"]}
    assert ends == {("plane0/pod000/leaf000", "swp2s0"), ("plane0/pod000/leaf001", "swp2s1")}
    # The same from files: the lab's LLDP tables written out, against the lab's links.csv.
    code, _, _ = cli("lab", "lldp", "--out", str(tmp_path), "--name", two_tier)
    assert code == 0 and len(list(tmp_path.glob("*.json"))) == 10
    code, from_files = _json(cli, "verify", "cabling", "--links", str(lab_dir(two_tier) / "links.csv"), "--lldp",
                             str(tmp_path))
    assert code == 1 and from_files == document


def test_three_tier_lab_and_down_after_a_crash(cli):
    _require_lab()
    name = f"t3-{os.getpid() % 100000}"
    try:
        code, document = _json(cli, "lab", "up", str(ROOT / "topologies" / "million-gpu.yaml"), "--name", name)
        assert code == 0, document
        # 2 planes x (4 leaves x 2 spines + 4 spines x 2 cores) sessions; ECMP over the pod's 2 spines.
        assert document["sessions"]["up"] == document["sessions"]["expected"] == 32
        assert document["ecmp"]["min"] == document["ecmp"]["expected"] == 2
        assert document["reachability"]["ok"] == document["reachability"]["tried"] == 96
        code, failed = _json(cli, "lab", "fail", "plane1/pod001/spine001:plane1/core000", "--name", name)
        assert failed["converged"] and failed["ecmp"]["min"] == 2  # a leaf still has both spines
        # A crash: lab.json is gone, the namespaces and daemons are not; `lab down` still finds them by prefix.
        (lab_dir(name) / "lab.json").unlink()
        code, _, err = cli("lab", "down", "--name", name)
        assert code == 0 and "removed 24 namespaces" in err
        code, _, err = cli("lab", "down", "--name", name)
        assert code == 0 and "removed 0 namespaces" in err  # idempotent
    finally:
        from aifabric.lab.updown import down

        down(name)
    _assert_gone(name)
    assert subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.count(prefix(name)) == 0


@pytest.mark.parametrize("spec, switches, sessions, width", [
    # 2 leaf pairs x 4 uplinks to each of 2 spines; 3 tiers: a pair in each of 2 pods, 2 spines each, 2 cores.
    ("spectrum-x-8k", 6, 32, 8),
    ("gb200-nvl72-superpod", 10, 96, 2),
])
def test_converged_lab_comes_up_and_is_cabled_as_its_rows(cli, spec, switches, sessions, width, tmp_path):
    """The converged fabric's routed shape: every underlay and EVPN session up, the ECMP width over the kept
    uplinks, every leaf loopback (VXLAN tunnel end point) reaching every other; LLDP matches the lab's converged
    links.csv rows, and two swapped cables are exactly the two reported."""
    _require_lab()
    name = f"cv-{os.getpid() % 100000}"
    try:
        code, document = _json(cli, "lab", "up", str(ROOT / "topologies" / f"{spec}.yaml"), "--network", "converged",
                               "--name", name)
        assert code == 0, document
        assert document["network"] == "converged" and document["namespaces"]["switches"] == switches
        assert document["sessions"]["up"] == document["sessions"]["expected"] == sessions
        assert document["evpn_sessions"] == {"up": sessions, "expected": sessions}
        assert document["ecmp"]["min"] == document["ecmp"]["expected"] == width
        assert document["reachability"]["ok"] == document["reachability"]["tried"] == 4 * 3
        with open(lab_dir(name) / "links.csv") as stream:
            import csv

            rows = list(csv.DictReader(stream))
        assert rows and {r["network"] for r in rows} == {"converged"}
        code, cabling = _json(cli, "verify", "cabling", "--lab", name, "--network", "converged")
        assert code == 0 and cabling["correct"] == len(rows) and not cabling["miscabled"]
        if spec == "spectrum-x-8k":
            # A leaf-spine cable pulled: leaf0000 keeps 7 of its 8 uplinks, everything still reaches everything.
            code, failed = _json(cli, "lab", "fail", "converged-leaf0000:converged-spine0000", "--name", name)
            assert failed["converged"] and failed["ecmp"]["min"] == 7
            assert failed["sessions"]["up"] == sessions - 1 and failed["reachability"]["ok"] == 12
            code, back = _json(cli, "lab", "restore", "converged-leaf0000:converged-spine0000", "--name", name)
            assert back["sessions"]["up"] == sessions and back["ecmp"]["min"] == width
            code, _, err = cli("lab", "swap", "converged-leaf0000:swp129", "converged-leaf0002:swp129", "--name", name)
            assert code == 0, err
            deadline = time.monotonic() + 30
            while True:
                code, after = _json(cli, "verify", "cabling", "--lab", name)
                # Both ends re-learn within a few 1 s transmit intervals; until then a cable may show as it was.
                settled = len(after["miscabled"]) == 2 and after["correct"] == len(rows) - 2
                if settled or time.monotonic() > deadline:
                    break
                time.sleep(1)
            ends = {(m["a"]["device"], m["a"]["port"]) for m in after["miscabled"]}
            assert code == 1 and ends == {("converged-leaf0000", "swp129"), ("converged-leaf0002", "swp129")}
            assert after["correct"] == len(rows) - 2
    finally:
        from aifabric.lab.updown import down

        down(name)
    _assert_gone(name)
