"""Numbers meet nouns in the right number ('1 hall', '2 halls'), and titles say what was run (issue 13)."""

from __future__ import annotations

import re

import pytest

# A count of one followed by a plural noun: "1 rows", "1 halls", "1 trials" ("1 of 64 servers" is fine).
ONE_PLURAL = re.compile(r"(?<![\d.,])1 (?:[A-Za-z-]+ )?(rows|halls|buildings|racks|planes|SUs|pods|servers|rails|"
                        r"trials|flows|uplinks|spines|cores|nodes|links|waves|huts|sites|transponders|candidates|"
                        r"leaves|trays|GPUs|fiber pairs)\b")


@pytest.mark.parametrize("args", [
    ("fabric", "plan", "--gpus", "8"),
    ("fabric", "plan", "--gpus", "8", "--server", "gb200-nvl72"),
    ("fabric", "failures", "--gpus", "8", "--trials", "1"),
    ("fabric", "ecmp", "--gpus", "256", "--trials", "1"),
    ("fabric", "latency", "--gpus", "8"),
], ids=lambda a: " ".join(a))
def test_a_count_of_one_takes_the_singular(cli, monkeypatch, args):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli(*args)
    assert code == 0, err
    assert not ONE_PLURAL.search(out + err), ONE_PLURAL.search(out + err).group()


def test_campus_row_of_a_small_cluster_is_singular(cli, monkeypatch):
    """Issue: the campus row said '1 rows, 1 halls, 1 buildings'."""
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = cli("fabric", "plan", "--gpus", "8")
    assert code == 0
    campus = next(line for line in out.splitlines() if "Campus" in line)
    assert "1 row, 1 hall, 1 building" in campus


def test_monte_carlo_title_names_the_failures_drawn_on_one_tier(cli, monkeypatch):
    """Issue: the Monte Carlo title showed the default 'spine=1' on a one-tier fabric, which has no spines."""
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = cli("fabric", "failures", "--gpus", "8", "--trials", "2")
    assert code == 0
    title = next(line for line in out.splitlines() if line.startswith("Monte Carlo"))
    assert "spine" not in title and "fail leaf=1,link=0.1%" in title and "2 trials" in title
    assert "--fail spine=1 left out: a one-tier fabric has no spines" in out


def test_monte_carlo_title_on_two_tiers_keeps_the_spines(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = cli("fabric", "failures", "--gpus", "256", "--trials", "1", "--fail", "spine=1,link=0")
    assert code == 0
    title = next(line for line in out.splitlines() if line.startswith("Monte Carlo"))
    assert "1 trial," in title and "fail spine=1" in title and "left out" not in out


def test_a_text_column_is_never_squeezed_to_nothing():
    """Issue: the sweep's Pareto table showed an empty first column (its switch ids) at 100 columns: the fixed-width
    numeric columns took the whole width and rich squeezed the text column to zero."""
    from rich.console import Console
    from rich.table import Table

    from aifabric.cli.render import print_table

    table = Table()
    for key in ("switch", "planes", "port_gbps", "oversubscription"):
        table.add_column(key)
    for heading in ("cost (M$)", "power kW", "switches", "worst ns", "GPU Gb/s", "bisection Tb/s", "built tiers"):
        table.add_column(heading, justify="right")
    table.add_row("sn5600", "1", "400", "2", "589.46", "14,037.9", "2,382", "6,672", "400", "10,013", "3")
    console = Console(width=100, record=True)
    print_table(console, table)
    text = console.export_text()
    assert "sn5600" in text and "14,037.9" in text and "10,013" in text
    assert all(len(line) <= 100 for line in text.splitlines())


def test_a_design_error_counts_gpus_in_the_right_number(cli):
    """Issue: 'or a server model with 1 GPUs'."""
    code, _, err = cli("fabric", "plan", "--gpus", "8", "--gpus-per-server", "1")
    assert code == 2 and "a server model with 1 GPU" in err and "1 GPUs" not in err


def test_every_command_summary_is_one_sentence_without_a_line_break():
    """Issue 13: `aifabric fabric -h` listed sweep's summary broken mid-sentence ("drop infeasible designs" /
    "with the reason") because its docstring's first paragraph ran over two lines."""
    import typer

    from aifabric.cli.main import app

    def walk(group, path=()):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, path + (name,))
            else:
                yield path + (name,), command

    for path, command in walk(typer.main.get_command(app)):
        summary = (command.help or "").strip().split("\n\n")[0]
        assert summary and "\n" not in summary, f"aifabric {' '.join(path)}: {summary!r}"


def test_a_latency_prints_the_same_in_the_terminal_and_in_rfp_md(cli, monkeypatch, tmp_path):
    """Issue 13 item 6: the same latency printed 0.95 in the terminal and 0.96 in rfp.md. One-way ms per path and
    the differential delay read the same in both."""
    from tests.conftest import ROOT

    monkeypatch.setenv("COLUMNS", "250")
    code, out, err = cli("corridor", "plan", ROOT / "tests" / "export" / "data" / "small-corridor.yaml",
                         "-o", tmp_path)
    assert code == 0, err
    terminal = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) > 5 and cells[1] in ("working", "protect"):
            terminal[cells[0], cells[1]] = cells[4]  # one-way ms
        elif len(cells) > 5 and cells[0] in {d for d, _ in terminal} and cells[4].replace(".", "").isdigit():
            terminal[cells[0], "differential"] = cells[4]
    rfp = (tmp_path / "rfp.md").read_text()
    section = rfp[rfp.index("## 3."):rfp.index("## 4.")]
    written = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 7 and cells[0] not in ("demand", "---"):
            written[cells[0], "working"] = cells[2]
            if cells[3] != "-":
                written[cells[0], "protect"] = cells[3]
            written[cells[0], "differential"] = cells[6]
    assert len(written) >= 5 and written == terminal
