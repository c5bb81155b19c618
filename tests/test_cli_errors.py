"""Every bad spec gives one line on stderr naming file, field and what is allowed, exit 2, no traceback."""

from __future__ import annotations

import pytest

CASES = {
    "missing_size": ("name: x\nswitch: sn5600\n", "give the size: gpus"),
    "unknown_switch": ("gpus: 1024\nswitch: sn5060\n",
                       "bad.yaml:2: switch: unknown switch 'sn5060' (did you mean 'sn5600'?)"),
    "negative_gpus": ("gpus: -8\n", "bad.yaml:1: gpus: must be > 0, got -8"),
    "non_integer_gpus": ("gpus: 10.5\n", "bad.yaml:1: gpus: must be a whole number, got 10.5"),
    "text_gpus": ("gpus: many\n", "bad.yaml:1: gpus: must be a whole number, got 'many'"),
    "zero_planes": ("gpus: 64\nplanes: 0\n", "bad.yaml:2: planes: must be >= 1, got 0"),
    "impossible_oversubscription": ("gpus: 64\noversubscription: 0.5\n", "oversubscription: must be >= 1.0"),
    "bad_ratio": ("gpus: 64\noversubscription: 'two:one'\n", "must be a ratio like '2:1'"),
    "yaml_syntax": ("gpus: [1, 2\n", "YAML syntax error"),
    "wrong_type_placement": ("gpus: 64\nplacement: 3\n", "placement: must be a mapping of fields"),
    "unknown_field": ("gpus: 64\nswtich: sn5600\n", "swtich: unknown field (did you mean 'switch'?)"),
    "unknown_nested_field": ("gpus: 64\nplacement:\n  rack_widht_m: 1\n", "bad.yaml:3: placement.rack_widht_m"),
    "bad_tiers": ("gpus: 64\ntiers: 4\n", "tiers: must be one of"),
    "two_tiers_too_big": ("gpus: 100000\ntiers: 2\n", "use tiers: 3 (or auto)"),
    "too_big_for_three_tiers": ("gpus: 2000000\nswitch: qm9700\nnic: connectx-7\n", "do not fit three tiers"),
    "unsupported_speed": ("gpus: 64\nswitch: qm9700\nnic_gbps: 800\nport_gbps: 800\n",
                          "qm9700 offers 400, 200 Gb/s ports"),
    "unknown_server": ("gpus: 64\nserver: dgx-h1000\n", "unknown server 'dgx-h1000' (did you mean 'dgx-h100'?)"),
    "unknown_medium": ("gpus: 64\nmedia:\n  all: fiber\n", "bad.yaml:3: media.all: unknown medium 'fiber'"),
    "bad_media_class": ("gpus: 64\nmedia:\n  uplinks: dac\n", "unknown link class 'uplinks'"),
    "both_sizes": ("gpus: 64\nservers: 8\n", "give gpus or servers, not both"),
    "top_level_list": ("- gpus: 64\n", "top level must be a mapping"),
    "empty_file": ("", "file is empty"),
    "su_too_big": ("gpus: 64\nservers_per_su: 500\n", "servers_per_su 500 exceeds the 64 downlinks"),
    "absurd_gpus": ("gpus: 1000000000000\n", "gpus: must be <= 10000000"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_spec_is_one_clean_line(case, cli, tmp_path):
    text, expected = CASES[case]
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    code, out, err = cli("fabric", "plan", spec, "--out", tmp_path / "out")
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("error: ")
    assert expected in err
    assert not (tmp_path / "out").exists(), "nothing is written for a bad spec"


def test_several_mistakes_reported_at_once(cli, tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("gpus: -1\nplanes: 0\nswitch: 7\n")
    code, _, err = cli("validate", spec)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert any("gpus" in line for line in lines) and any("planes" in line for line in lines)


def test_missing_file(cli, tmp_path):
    code, _, err = cli("fabric", "plan", tmp_path / "nope.yaml")
    assert code == 2 and "spec file does not exist" in err


def test_directory_as_spec(cli, tmp_path):
    code, _, err = cli("validate", tmp_path)
    assert code == 2 and "is a directory" in err


def test_bad_flag_value_names_the_flag(cli):
    code, _, err = cli("fabric", "plan", "--gpus", "0")
    assert code == 2 and "--gpus: must be > 0" in err


def test_no_spec_no_size(cli):
    code, _, err = cli("fabric", "plan")
    assert code == 2 and "give a spec file or --gpus" in err


def test_out_is_a_file(cli, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    code, _, err = cli("fabric", "plan", "--gpus", "64", "--out", target)
    assert code == 2 and "--out must be a directory" in err


def test_validate_ok(cli):
    code, out, _ = cli("validate", "topologies/colossus-100k.yaml")
    assert code == 0 and "valid fabric spec" in out


def test_yaml_tags_are_not_constructed(cli, tmp_path):
    spec = tmp_path / "evil.yaml"
    spec.write_text("gpus: !!python/object/apply:os.system ['true']\n")
    code, _, err = cli("validate", spec)
    assert code == 2 and "YAML" in err
