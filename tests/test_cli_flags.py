"""One command line: the same spec flags on every fabric command, help on every option, -h, --version, -o/--out."""

from __future__ import annotations

import json

import pytest

from aifabric.spec.flags import FABRIC_FLAGS

# One flag set, small enough for every analysis to run in a moment; it uses flags that were missing on some
# commands before (--gpus-per-server and --nic were refused by latency/bisection/failures/ecmp) and placement flags.
FLAGS = ["--gpus", "256", "--gpus-per-server", "8", "--nic", "connectx-7", "--switch", "sn5600",
         "--port-gbps", "400", "--planes", "1", "--tiers", "2", "--oversubscription", "1",
         "--leaf-location", "central", "--racks-per-row", "8", "--servers-per-rack", "2"]


def _click_app():
    import typer

    from aifabric.cli.main import app

    return typer.main.get_command(app)


def _commands(group, prefix=()):
    # typer may vendor its own click, so tell groups and options by shape rather than by class.
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


FABRIC_SPEC_COMMANDS = [("fabric", "plan"), ("fabric", "latency"), ("fabric", "bisection"), ("fabric", "failures"),
                        ("fabric", "ecmp"), ("fabric", "sweep"), ("fabric", "draw"), ("export", "fabric")]


def test_every_spec_command_has_every_spec_flag_with_the_same_help():
    commands = dict(_commands(_click_app()))
    wanted = {f.flag: f.help for f in FABRIC_FLAGS}
    for path in FABRIC_SPEC_COMMANDS:
        options = {opt: p.help for p in commands[path].params for opt in p.opts}
        for flag, text in wanted.items():
            assert options.get(flag) == text, f"{' '.join(path)} lacks {flag} or its help differs"


def test_every_option_has_help_text():
    for path, command in _commands(_click_app()):
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"aifabric {' '.join(path)} {param.opts[0]} has no help text"


def test_every_writing_command_takes_o_and_out():
    commands = dict(_commands(_click_app()))
    for path in [("fabric", "plan"), ("fabric", "sweep"), ("fabric", "draw"), ("corridor", "plan"),
                 ("corridor", "map"), ("export", "fabric"), ("export", "corridor")]:
        opts = {opt for p in commands[path].params for opt in p.opts}
        assert {"-o", "--out"} <= opts, f"{' '.join(path)} lacks -o/--out"


@pytest.mark.parametrize("command", ["plan", "latency", "bisection", "failures", "ecmp"])
def test_fabric_commands_run_from_flags_alone(cli, command):
    extra = ["--trials", "2"] if command in ("failures", "ecmp") else []
    code, out, err = cli("fabric", command, *FLAGS, *extra, "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document


def test_draw_export_and_sweep_from_the_same_flags(cli, tmp_path):
    code, _, err = cli("fabric", "draw", *FLAGS, "-o", tmp_path / "f.svg")
    assert code == 0, err
    assert (tmp_path / "f.svg").read_text().startswith("<")
    code, _, err = cli("export", "fabric", *FLAGS, "--format", "simai", "--out", tmp_path / "f.topo")
    assert code == 0, err
    assert (tmp_path / "f.topo").exists()
    code, out, err = cli("fabric", "sweep", *FLAGS, "--vary", "planes=1,2", "--workers", "1", "--json")
    assert code == 0, err
    assert len(json.loads(out)["candidates"]) == 2


def test_flags_reach_the_spec_the_same_way_everywhere(cli):
    """The plan's document and the analyses see the same design from the same flags."""
    _, plan_out, _ = cli("fabric", "plan", *FLAGS, "--json")
    _, bisection_out, _ = cli("fabric", "bisection", *FLAGS, "--json")
    plan = json.loads(plan_out)
    assert plan["gpus"] == 256 and plan["tiers"] == 2 and plan["nic_model"] == "connectx-7"
    assert json.loads(bisection_out)["closed_form_tbps"] == pytest.approx(plan["bisection_tbps"])


def test_placement_flags_change_cable_lengths(cli):
    _, near, _ = cli("fabric", "plan", "--gpus", "4096", "--leaf-location", "in-row", "--json")
    _, far, _ = cli("fabric", "plan", "--gpus", "4096", "--leaf-location", "central", "--racks-per-row", "4",
                    "--json")
    assert json.loads(near)["media"] != json.loads(far)["media"]


def test_a_bad_placement_flag_names_the_flag(cli):
    code, out, err = cli("fabric", "latency", "--gpus", "64", "--leaf-location", "centre")
    assert code == 2 and out == ""
    assert err == "error: command line: --leaf-location: must be one of 'in-row', 'end-of-row' or 'central', " \
                  "got 'centre'\n"


def test_a_flag_overrides_one_nested_field_and_keeps_the_others(cli, tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("gpus: 1024\nplacement:\n  racks_per_row: 4\n  leaf_location: in-row\n")
    from aifabric.spec.fabric import load_fabric_spec

    merged = load_fabric_spec(spec, {"placement.leaf_location": "central"})
    assert merged.placement.racks_per_row == 4 and merged.placement.leaf_location == "central"


def test_h_and_version(cli):
    from aifabric import __version__

    code, out, _ = cli("-h")
    assert code == 0 and "Usage" in out
    code, out, _ = cli("fabric", "latency", "-h")
    assert code == 0 and "--gpus-per-server" in out
    code, out, err = cli("--version")
    assert code == 0 and out == f"aifabric {__version__}\n" and err == ""


def test_bare_command_prints_help_without_an_empty_error(cli):
    code, out, err = cli()
    assert code == 0 and "Usage" in out
    assert "error" not in err


WRITERS = [
    ("fabric", "draw", "--gpus", "64", "-o", "{bad}/x.svg"),
    ("fabric", "draw", "--gpus", "64", "-o", "{bad}/x.png"),
    ("fabric", "plan", "--gpus", "64", "-o", "{bad}/out"),
    ("export", "fabric", "--gpus", "64", "--format", "simai", "-o", "{bad}/x.topo"),
    ("export", "fabric", "--gpus", "64", "--format", "graphml", "-o", "{bad}/x.graphml"),
]


@pytest.mark.parametrize("kind", ["missing", "file"])
@pytest.mark.parametrize("args", WRITERS, ids=lambda a: "-".join(a[:2]) + a[-1][-4:])
def test_every_writer_turns_an_unwritable_path_into_one_line(cli, tmp_path, args, kind):
    bad = tmp_path / "nodir"
    if kind == "file":
        bad.write_text("a file where a directory should be")
    argv = [a.format(bad=bad) for a in args]
    code, out, err = cli(*argv)
    if args[1] == "plan" and kind == "missing":
        assert code == 0, err  # --out DIR is a directory of outputs: it is created with its parents
        return
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert str(bad) in err


def test_corridor_writers_turn_an_unwritable_path_into_one_line(cli, tmp_path):
    from tests.conftest import ROOT

    spec = ROOT / "corridors" / "texas-triangle-nova.yaml"
    for argv in (("corridor", "map", spec, "-o", tmp_path / "nodir" / "m.png"),
                 ("corridor", "map", spec, "-o", tmp_path / "nodir" / "m.html"),
                 ("export", "corridor", spec, "--format", "kml", "-o", tmp_path / "nodir" / "x.kml")):
        code, _, err = cli(*argv)
        assert code == 2 and err.count("\n") == 1 and "does not exist" in err, err


def test_million_gpus_from_flags_reach_placement(cli):
    """The issue's million-GPU command line: the default floor is too long for spine-core reach; a placement flag
    (which no flag could set before) reaches the floor model, and the error says which flags set it."""
    argv = ["fabric", "plan", "--gpus", "1000000", "--gpus-per-server", "8", "--switch", "sn5600", "--nic-gbps",
            "400", "--planes", "2", "--port-gbps", "200", "--json"]
    code, _, err = cli(*argv)
    if code == 2:  # until campus placement lands, the default floor may be out of reach: the error names the flags
        assert "--racks-per-row" in err and err.count("\n") == 1
    code, out, err = cli(*argv, "--racks-per-row", "32")
    assert code == 0, err
    assert json.loads(out)["gpus"] == 1_000_000


# Every spec flag of the table at once (--servers is the alternative to --gpus; --racks-per-leaf sets the leaf
# block of a rack-scale system, which an 8-GPU server refuses: RACK_SCALE_FLAGS runs it), each with a value a
# 256-GPU two-tier fabric accepts; a flag added to the table must be added here, so every command is run with it.
EVERY_FLAG = {"--gpus": "256", "--server": "dgx-h100", "--gpus-per-server": "8", "--nic": "connectx-7",
              "--nic-gbps": "400", "--switch": "sn5600", "--port-gbps": "400", "--uplink-gbps": "400",
              "--planes": "1", "--tiers": "2", "--oversubscription": "1", "--servers-per-su": "16",
              "--servers-per-rack": "2", "--racks-per-row": "8", "--leaf-location": "central",
              "--scale-up-domain": "8", "--sus-per-pod": "2", "--pue": "1.3", "--max-site-mw": "50",
              "--rack-kw-max": "40", "--row-kw-max": "400", "--hall-mw-max": "10", "--halls-per-building": "2",
              "--building-spacing-m": "200", "--latency-budget-ns": "20000", "--core-rooms": "building",
              "--room-racks-max": "100",
              "--networks": "converged,oob", "--merge-compute": "auto"}


def test_every_fabric_command_runs_from_every_spec_flag_alone(cli, tmp_path):
    """Issue 13 acceptance: every fabric command, no spec, one and the same flag set (all the table's flags)."""
    assert set(EVERY_FLAG) == {f.flag for f in FABRIC_FLAGS} - {"--servers", "--racks-per-leaf"}
    flags = [token for pair in EVERY_FLAG.items() for token in pair]
    runs = {("fabric", "plan"): ["--json"], ("fabric", "latency"): ["--json"], ("fabric", "bisection"): ["--json"],
            ("fabric", "failures"): ["--trials", "2", "--json"], ("fabric", "ecmp"): ["--trials", "1", "--json"],
            ("fabric", "sweep"): ["--vary", "oversubscription=1,2", "--workers", "1", "--json"],
            ("fabric", "draw"): ["-o", tmp_path / "f.svg"],
            ("export", "fabric"): ["--format", "simai", "-o", tmp_path / "f.topo"]}
    assert set(runs) == set(FABRIC_SPEC_COMMANDS)
    outputs = {}
    for command, extra in runs.items():
        code, out, err = cli(*command, *flags, *extra)
        assert code == 0, f"{' '.join(command)}: {err}"
        outputs[command] = out
    plan = json.loads(outputs[("fabric", "plan")])
    assert (plan["gpus"], plan["server_model"], plan["nic_model"], plan["servers_per_su"]) == (
        256, "dgx-h100", "connectx-7", 16)
    assert plan["site"]["pue"] == 1.3 and plan["site"]["max_site_mw"] == 50
    sweep = json.loads(outputs[("fabric", "sweep")])["candidates"]
    assert len(sweep) == 2 and all(c["feasible"] for c in sweep), sweep
    assert (tmp_path / "f.svg").exists() and (tmp_path / "f.topo").exists()


RACK_SCALE_FLAGS = {"--gpus": "576", "--server": "gb300-nvl72", "--nic": "connectx-8", "--nic-gbps": "800",
                    "--planes": "2", "--port-gbps": "400", "--switch": "sn5600", "--racks-per-leaf": "1"}


def test_every_fabric_command_runs_with_a_leaf_block_flag(cli, tmp_path):
    """--racks-per-leaf reaches every fabric command: 8 GB300 NVL72 racks with one rack per leaf (the default is 2)
    give 8 leaf groups of 18 trays."""
    flags = [token for pair in RACK_SCALE_FLAGS.items() for token in pair]
    runs = {("fabric", "plan"): ["--json"], ("fabric", "latency"): ["--json"], ("fabric", "bisection"): ["--json"],
            ("fabric", "failures"): ["--trials", "2", "--json"], ("fabric", "ecmp"): ["--trials", "1", "--json"],
            ("fabric", "sweep"): ["--vary", "oversubscription=1,2", "--workers", "1", "--json"],
            ("fabric", "draw"): ["-o", tmp_path / "f.svg"],
            ("export", "fabric"): ["--format", "simai", "-o", tmp_path / "f.topo"]}
    assert set(runs) == set(FABRIC_SPEC_COMMANDS)
    for command, extra in runs.items():
        code, out, err = cli(*command, *flags, *extra)
        assert code == 0, f"{' '.join(command)}: {err}"
        if command == ("fabric", "plan"):
            plan = json.loads(out)
            assert (plan["racks_per_leaf"], plan["servers_per_su"], plan["sus"]) == (1, 18, 8)
