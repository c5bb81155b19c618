"""A plain spec becomes a FabricSpec without pydantic building its validator (aifabric.spec.plain), and the model is
exactly the one pydantic's validation gives: same values of the same types, same fields set, in the same order;
any data pydantic refuses (or that is not plain) is left to pydantic, whose messages users see."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import types
import typing

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from aifabric.spec import fabric
from aifabric.spec.fabric import FabricSpec, Placement, load_fabric_spec
from aifabric.spec.plain import construct
from tests.conftest import ROOT, TOPOLOGIES

JUNK = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4),
                 st.integers(), st.just([]), st.just({}), st.sampled_from(["2:1", "1:0", "x:y", "3", "8.0", "1e3",
                                                                           10**400, -0.0, "é", "a b", "ok\n"]))


def values(annotation, rare: int) -> st.SearchStrategy:
    """Return values of the annotation's kind (mostly within bounds, some out), and 1 in `rare` anything."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (types.UnionType, typing.Union):
        typical = st.one_of(*(values(a, rare) for a in args if a is not type(None)), st.none())
    elif annotation is bool:
        typical = st.sampled_from([True, False, "yes", 1, 0])
    elif annotation is int:
        typical = st.one_of(st.integers(1, 16), st.integers(-2, 80),
                            st.sampled_from([72, 73, 17, 10**7, 10**7 + 1, 100_000]))
    elif annotation is float:
        typical = st.one_of(st.floats(1, 3), st.integers(1, 3), st.floats(0, 80), st.integers(0, 80),
                            st.sampled_from(["2:1", "1:1", "4:3", 1e9, 3.0]))
    elif annotation is str:
        typical = st.sampled_from(["fabric", "sn5600", "a.b_c-1", "hgx-h100", "", "-x", "x y", "x\n", "é"])
    elif origin is typing.Literal:
        typical = st.sampled_from([*args, *args, "2", 1.0, True, "in_row"])
    elif origin is dict:
        typical = st.dictionaries(st.sampled_from(["all", "nic_leaf", "leaf_spine", "spine_core", "core", 1]),
                                  st.sampled_from(["dac", "sr-optics", 3]), max_size=3)
    elif origin is list:
        typical = st.lists(values(args[0], rare), max_size=3)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        typical = st.fixed_dictionaries({}, optional={n: values(f.annotation, rare) for n, f in
                                                      annotation.model_fields.items()})
    else:
        raise AssertionError(annotation)
    return st.integers(1, rare).flatmap(lambda n: JUNK if n == 1 else typical)


def specs(rare: int) -> st.SearchStrategy:
    """Return spec data: a size, then any of the fields, now and then an unknown one."""
    fields = {n: values(f.annotation, rare) for n, f in FabricSpec.model_fields.items() if n != "gpus"}
    return st.fixed_dictionaries({"gpus": st.one_of(st.integers(1, 10**7), values(int, rare))},
                                 optional={**fields, "bogus": JUNK})


def same(a, b) -> bool:
    """Return True when two validated values are equal, of the same types, with the same fields set, in order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, BaseModel):
        return a.model_fields_set == b.model_fields_set and same(a.__dict__, b.__dict__)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@settings(max_examples=400, deadline=None)
@given(st.one_of(specs(rare=4), specs(rare=40)))
def test_plain_construction_equals_pydantic_validation(data):
    fast = construct(FabricSpec, data)
    try:
        validated = FabricSpec.model_validate(data)
    except ValidationError:
        assert fast is None
        return
    if fast is not None:
        assert same(fast, validated)


@pytest.mark.parametrize("path", sorted(TOPOLOGIES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_spec_is_plain(path, monkeypatch):
    data = yaml.safe_load(path.read_text())
    fast = construct(FabricSpec, data)
    assert fast is not None and same(fast, FabricSpec.model_validate(data))
    overrides = {"gpus": 4096, "placement.racks_per_row": 4, "oversubscription": "2:1", "tiers": "3"}
    plain = load_fabric_spec(path, overrides)
    monkeypatch.setattr(fabric, "construct", lambda model, data: None)
    assert same(plain, load_fabric_spec(path, overrides))


def test_what_pydantic_must_judge_is_left_to_it():
    assert construct(FabricSpec, {"gpus": True}) is None  # a bool is no whole number (pydantic says so)
    assert construct(FabricSpec, {"gpus": 8, "oversubscription": "1:0"}) is None  # the validator refuses
    assert construct(FabricSpec, {"gpus": 8, "servers": 1}) is None  # the model validator refuses
    assert construct(FabricSpec, {"gpus": 8, "name": "x\n"}) is None
    assert construct(Placement, {"buildings": []}) is None  # at least one building
    assert construct(FabricSpec, {"gpus": 8, "oversubscription": "2:1"}).oversubscription == 2.0


def test_a_plain_plan_builds_no_pydantic_validator():
    # No validator is built, so pydantic's plugin scan (importlib.metadata, ≈25 ms) never runs on the lean path.
    probe = ("import sys\nfrom aifabric.cli.main import run\ntry:\n    run(sys.argv[1:])\nexcept SystemExit:\n"
             "    pass\nfrom aifabric.spec.fabric import FabricSpec\n"
             "sys.stderr.write(__import__('json').dumps([FabricSpec.__pydantic_complete__, "
             "'importlib.metadata' in sys.modules]))\n")
    for args in (["fabric", "plan", str(TOPOLOGIES / "million-gpu.yaml"), "--json"],
                 ["fabric", "plan", "--gpus", "4096", "--planes", "2", "--json"]):
        done = subprocess.run([sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True, text=True,
                              check=True)
        assert json.loads(done.stderr.strip().splitlines()[-1]) == [False, False]
