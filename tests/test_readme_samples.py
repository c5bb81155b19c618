"""The README's command samples are the tool's real output (scripts/readme_samples.py regenerates them)."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("readme_samples", ROOT / "scripts" / "readme_samples.py")
readme_samples = importlib.util.module_from_spec(spec)
sys.modules["readme_samples"] = readme_samples  # dataclasses look their module up there
spec.loader.exec_module(readme_samples)

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_shown_with_output_is_a_regenerated_sample():
    """A `$ command` line in a fenced block is only ever inside a sample marker, so no sample can go stale unseen."""
    samples = readme_samples.find_samples(README)
    owned = [(s.start, s.end) for s in samples]
    for match in re.finditer(r"^[ \t]*\$ .*$", README, re.MULTILINE):
        assert any(a <= match.start() < b for a, b in owned), (
            f"README.md: `{match.group().strip()}` is shown outside a sample: put `<!-- sample: COMMAND -->` and "
            "`<!-- /sample -->` around its fenced block (the command on one line) and run `make readme`")


def test_every_command_is_documented_with_a_sample():
    """Each command of the CLI appears in at least one README sample (issue 13: `validate` was undocumented)."""
    commands = " ".join(s.command for s in readme_samples.find_samples(README))
    for command in ("catalog", "validate", "fabric plan", "fabric draw", "fabric latency", "fabric bisection",
                    "fabric failures", "fabric ecmp", "fabric sweep", "corridor plan", "corridor map",
                    "export fabric", "export corridor", "scale-across plan"):
        assert f"aifabric {command} " in commands, f"no README sample runs `aifabric {command}`"


def test_the_fast_samples_equal_the_tools_output():
    """Every sample not marked slow, run now in a scratch copy at COLUMNS=100, prints what the README shows
    (`make readme` rewrites them; `make readme-check` checks the slow ones too)."""
    problems = readme_samples.check(fast=True)
    assert not problems, "\n".join(problems) + "\nrun `make readme` to regenerate README.md"


def test_a_sample_without_its_closing_marker_is_an_error():
    text = "<!-- sample: aifabric --version -->\n```\n$ aifabric --version\n```\n"
    with pytest.raises(ValueError, match="without a closing"):
        readme_samples.find_samples(text)


def test_regenerating_rewrites_only_the_block(tmp_path):
    text = ("before\n  <!-- sample: echo 1,234 -->\n  ```\n  $ echo 1,234\n  stale\n  ```\n  <!-- /sample -->\n"
            "<!-- picture: true -->\nafter\n")
    new, changed = readme_samples.regenerate(text, tmp_path)
    assert new == ("before\n  <!-- sample: echo 1,234 -->\n  ```\n  $ echo 1,234\n  1,234\n  ```\n"
                   "  <!-- /sample -->\n<!-- picture: true -->\nafter\n")
    assert changed == ["echo 1,234"]
    assert readme_samples.regenerate(new, tmp_path) == (new, [])


def test_shipped_files_cite_public_sources_not_local_files():
    """Issue 13 item 8: the catalog cited a reference file that is not in the repository. What ships (the package,
    its data, the examples, README and docs) cites public sources, never a local reference file or machine path."""
    local = re.compile(r"fabric-facts\.md|optical-facts\.md|interop-formats\.md|\.\./shared|/work/|/home/|/tmp/")
    roots = [ROOT / "aifabric", ROOT / "topologies", ROOT / "corridors", ROOT / "scale-across", ROOT / "docs"]
    files = [ROOT / "README.md"] + [p for r in roots for p in r.rglob("*")
                                    if p.suffix in {".py", ".yaml", ".json", ".geojson", ".csv", ".md", ".svg"}]
    assert len(files) > 50
    for path in files:
        found = local.search(path.read_text(encoding="utf-8", errors="replace"))
        assert not found, f"{path.relative_to(ROOT)} cites {found.group()}"
