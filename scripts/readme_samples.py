"""Regenerate (or check) the command samples and pictures in README.md from the tool's real output.

A sample in README.md is a fenced block between two HTML comments; the opening one holds the command line, run by
bash from the repository root with COLUMNS=100 (a command may set its own, `COLUMNS=150 aifabric ...`), stdout and
stderr together:

    <!-- sample: aifabric fabric plan topologies/colossus-100k.yaml -->
    ```
    $ aifabric fabric plan topologies/colossus-100k.yaml
    ...the output, rewritten by this script...
    ```
    <!-- /sample -->

`<!-- sample slow: ... -->` marks a command too slow for the test suite (tests/test_readme_samples.py checks the
others); `make readme-check` checks them all. `<!-- picture: COMMAND -->` runs a command that writes a picture under
docs/ and shows nothing (the image link follows it). Commands run in README order, so a picture may copy a file
an earlier sample wrote.

    python scripts/readme_samples.py            # rewrite README.md and docs/ pictures
    python scripts/readme_samples.py --check    # exit 1 naming every sample that differs (docs/ left as it was)
    python scripts/readme_samples.py --check --fast   # the samples not marked slow
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
COLUMNS = 100  # the terminal width every sample is rendered at, unless its command sets COLUMNS itself
# A sample: its opening marker (indent, kind, command), the block it owns, its closing marker.
_MARKER = re.compile(
    r"^(?P<indent>[ \t]*)<!-- (?:(?P<picture>picture): (?P<picture_command>.+?) -->\n"
    r"|(?P<kind>sample|sample slow): (?P<command>.+?) -->\n(?P<body>.*?)^(?P=indent)<!-- /sample -->\n)",
    re.MULTILINE | re.DOTALL,
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # colour codes some tools (GNPy) print even to a pipe


class SampleError(Exception):
    """A sample's command failed (not exit 0 or 2) or printed nothing: the README is left as it was."""


@dataclass(frozen=True)
class Sample:
    """One command of README.md: where its marker block starts and ends, and how to show its output."""

    kind: str  # sample | sample slow | picture
    command: str
    indent: str
    start: int
    end: int
    body: str

    @property
    def slow(self) -> bool:
        """Return True when the test suite leaves this sample to `make readme-check`."""
        return self.kind == "sample slow"


def find_samples(text: str) -> list[Sample]:
    """Return every sample and picture marker of a README text, in order."""
    samples = []
    for match in _MARKER.finditer(text):
        if match["picture"]:
            samples.append(Sample("picture", match["picture_command"], match["indent"], match.start(), match.end(), ""))
        else:
            samples.append(Sample(match["kind"], match["command"], match["indent"], match.start(), match.end(),
                                  match["body"]))
    opened = len(re.findall(r"<!-- (?:sample|sample slow|picture): ", text))
    if opened != len(samples):
        raise ValueError(f"README.md: {opened - len(samples)} sample marker(s) without a closing <!-- /sample -->")
    return samples


def environment() -> dict[str, str]:
    """Return the environment samples run in: this interpreter's bin first on PATH, COLUMNS, no colour."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = str(COLUMNS)
    env["NO_COLOR"] = "1"
    env["TERM"] = "dumb"
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as on a terminal
    env.pop("FORCE_COLOR", None)
    return env


def run(command: str, cwd: Path, shows_output: bool = True) -> str:
    """Return what a command prints (stdout and stderr as a terminal interleaves them), without colour codes or
    trailing blanks."""
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=cwd, env=environment(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    # A sample shows a result (exit 0) or a clean error (exit 2); a crash, a kill or nothing printed is no sample.
    if done.returncode not in ((0, 2) if shows_output else (0,)) or (shows_output and not done.stdout.strip()):
        raise SampleError(f"`{command}` exited {done.returncode} printing {len(done.stdout)} characters:\n"
                          + done.stdout[-2000:])
    lines = _ANSI.sub("", done.stdout).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return "".join(line.rstrip() + "\n" for line in lines)


def block(sample: Sample, output: str) -> str:
    """Return the marker block of a sample showing the given output."""
    lines = ["```", f"$ {sample.command}", *output.splitlines(), "```"]
    inner = "".join(f"{sample.indent}{line}".rstrip() + "\n" for line in lines)
    return f"{sample.indent}<!-- {sample.kind}: {sample.command} -->\n{inner}{sample.indent}<!-- /sample -->\n"


def regenerate(text: str, cwd: Path, fast: bool = False, verbose: bool = False) -> tuple[str, list[str]]:
    """Run every sample (only the fast ones when asked) in cwd; return the README text with their blocks rewritten
    and the commands whose block changed."""
    pieces, changed, last = [], [], 0
    for sample in find_samples(text):
        pieces.append(text[last:sample.start])
        last = sample.end
        original = text[sample.start:sample.end]
        if fast and (sample.slow or sample.kind == "picture"):  # a picture may need a slow sample's files
            pieces.append(original)
            continue
        started = time.perf_counter()
        output = run(sample.command, cwd, shows_output=sample.kind != "picture")
        if verbose:
            print(f"{time.perf_counter() - started:6.1f} s  {sample.command}", file=sys.stderr)
        new = original if sample.kind == "picture" else block(sample, output)
        if new != original:
            changed.append(sample.command)
        pieces.append(new)
    pieces.append(text[last:])
    return "".join(pieces), changed


def check(fast: bool = False, verbose: bool = False) -> list[str]:
    """Return a diff per README sample whose text differs from the tool's output, and a line per docs/ picture that
    differs from what its command writes now. Runs in the repository (a default price book is shown relative to
    it), writes only under build/, and puts every docs/ picture back as it was."""
    text = README.read_text(encoding="utf-8")
    problems = []
    (ROOT / "build").mkdir(exist_ok=True)
    committed = {path: path.read_bytes() for path in sorted((ROOT / "docs").iterdir()) if path.is_file()}
    try:
        new, changed = regenerate(text, ROOT, fast=fast, verbose=verbose)
    finally:
        written = {path: path.read_bytes() for path in sorted((ROOT / "docs").iterdir()) if path.is_file()}
        for path, data in committed.items():
            if written.get(path) != data:
                path.write_bytes(data)
        for path in set(written) - set(committed):
            path.unlink()
    if changed:
        diff = difflib.unified_diff(text.splitlines(), new.splitlines(), "README.md", "tool output", lineterm="", n=1)
        problems.append(f"README samples differ from the tool: {'; '.join(changed)}\n" + "\n".join(diff))
    for path, data in written.items():
        if committed.get(path) != data:
            problems.append(f"docs/{path.name} differs from what its command writes now")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Rewrite README.md and docs/ pictures, or with --check report what differs; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences instead of rewriting")
    parser.add_argument("--fast", action="store_true", help="only the samples not marked slow")
    parser.add_argument("-v", "--verbose", action="store_true", help="time each command on stderr")
    args = parser.parse_args(argv)
    try:
        return _main(args)
    except SampleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _main(args) -> int:
    if args.check:
        problems = check(fast=args.fast, verbose=args.verbose)
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    text = README.read_text(encoding="utf-8")
    new, changed = regenerate(text, ROOT, fast=args.fast, verbose=args.verbose)
    if new != text:
        tmp = README.with_suffix(".md.tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(README)
    for command in changed:
        print(f"updated: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
