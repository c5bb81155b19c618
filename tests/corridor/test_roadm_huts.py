"""ROADMs at ILA huts stand exactly where a regen stands: none is left from an earlier pass of the search."""

from __future__ import annotations

from corridor_helpers import TTN
from hypothesis import given, settings
from hypothesis import strategies as st

from aifabric.corridor.plan import plan_corridor, settle_roadm_huts


def _fake(passes: dict[frozenset[str], frozenset[str]]):
    calls: list[frozenset[str]] = []

    def plan_with(huts: frozenset[str]):
        calls.append(huts)
        return passes[huts]

    return plan_with, calls


def test_a_hut_no_pass_regenerates_at_loses_its_roadm():
    # Pass 1 regenerates at huts a and b; with ROADMs there, pass 2 needs only b: a's ROADM is stale and goes.
    a, b = "s--t/ila01", "s--t/ila02"
    passes = {frozenset(): frozenset({a, b}), frozenset({a, b}): frozenset({b}), frozenset({b}): frozenset({b})}
    plan_with, calls = _fake(passes)
    huts, plans = settle_roadm_huts(plan_with, lambda regens: regens)
    assert huts == frozenset({b}) and plans == frozenset({b})
    assert calls == [frozenset(), frozenset({a, b}), frozenset({b})]


def test_cycling_passes_keep_a_consistent_plan():
    # {a} -> regens at b; {a, b} -> regens at a; {a} again: the consistent pass ({a, b}, regens only at ROADM huts)
    # is kept rather than one regenerating at a hut without a ROADM.
    a, b = "s--t/ila01", "s--t/ila02"
    passes = {frozenset(): frozenset({a}), frozenset({a}): frozenset({b}), frozenset({a, b}): frozenset({a})}
    plan_with, _ = _fake(passes)
    huts, plans = settle_roadm_huts(plan_with, lambda regens: regens)
    assert huts == frozenset({a, b}) and plans <= huts


def test_shipped_plan_has_roadms_only_at_regen_huts(tmp_path):
    # texas-triangle-nova with regens allowed in huts kept ROADMs at austin--houston/ila01 and
    # houston--new-orleans/ila05 from an earlier pass.
    import yaml

    spec = yaml.safe_load(TTN.read_text(encoding="utf-8"))
    spec.update(regen_at="sites+huts", network=str(TTN.parent / spec["network"]))
    path = tmp_path / "ttn-huts.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    plan = plan_corridor(path)
    regen_huts = {r for d in plan.demands for p in d.paths for r in p.regen_sites if r not in plan.network.sites}
    assert plan.roadm_huts == regen_huts and regen_huts
    express_huts = {e for d in plan.demands for p in d.paths for e in p.express_roadms if e not in plan.network.sites}
    assert express_huts <= regen_huts


@given(st.dictionaries(st.frozensets(st.sampled_from("abcd")), st.frozensets(st.sampled_from("abcd")), min_size=16,
                       max_size=16))
@settings(max_examples=200, deadline=None)
def test_settled_huts_hold_every_hut_regen_whenever_a_consistent_pass_exists(table):
    # Any planner (a table: ROADM huts -> huts its paths regenerate at): the result regenerates only at ROADM
    # huts whenever one of the passes did, and exactly at them when a pass reproduced its own huts.
    calls: list[frozenset[str]] = []

    def plan_with(huts: frozenset[str]) -> frozenset[str]:
        calls.append(huts)
        return table.get(huts, frozenset())

    huts, regens = settle_roadm_huts(plan_with, lambda r: r)
    outcomes = [(h, plan_with(h)) for h in calls[:]]
    if any(r <= h for h, r in outcomes):
        assert regens <= huts
    if regens == huts:
        assert (huts, regens) in outcomes
