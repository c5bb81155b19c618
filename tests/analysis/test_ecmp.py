"""The ECMP collision model against the closed form, and static hashing against adaptive routing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aifabric.fabric.ecmp import max_min_rates, simulate, single_stage_share
from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES


@pytest.mark.parametrize("n, trials", [(64, 400), (128, 200), (1024, 40)])
def test_monte_carlo_matches_closed_form_within_one_point(n, trials):
    """n equal flows hashed onto n links: expected share of links carrying a flow is 1 - (1 - 1/n)^n
    (fabric-facts.md, ECMP and flow collisions)."""
    measured = single_stage_share(n, trials, seed=1).mean()
    assert abs(measured - (1 - (1 - 1 / n) ** n)) < 0.01


def test_max_min_rates_on_a_known_case():
    # Flows 0 and 1 share link 0 (capacity 1); flow 2 alone on link 1 (capacity 1); flow 1 also crosses link 2.
    hops = np.array([[0, -1], [0, 2], [1, -1]])
    rates = max_min_rates(hops, np.array([1.0, 1.0, 0.2]), tolerance=0)
    assert rates == pytest.approx([0.8, 0.2, 1.0])


def test_adaptive_beats_static_hashing_on_spectrum_x():
    links = plan_fabric(TOPOLOGIES / "spectrum-x-8k.yaml").links
    static = simulate(links, "random-permutation", "static-hash", 1, 4, 0)
    adaptive = simulate(links, "random-permutation", "adaptive", 1, 4, 0)
    assert adaptive.aggregate.mean() > 0.95
    assert 0.4 < static.aggregate.mean() < 0.7
    assert static.pace.mean() < static.aggregate.mean()


def test_ecmp_is_deterministic_under_a_seed(cli):
    args = ("fabric", "ecmp", TOPOLOGIES / "dgx-h100-superpod-4su.yaml", "--traffic", "all-to-all",
            "--flows-per-nic", "2", "--trials", "3", "--seed", "5", "--json")
    code, first, _ = cli(*args)
    code2, second, _ = cli(*args)
    assert code == code2 == 0 and first == second
    doc = json.loads(first)
    assert doc["traffic"] == "all-to-all" and doc["routing"] == "static-hash" and doc["trials"] == 3
    assert set(doc["aggregate_share"]) >= {"mean", "p5"} and set(doc["collective_pace_share"]) >= {"mean", "p5"}


def test_bad_traffic_is_a_clean_error(cli):
    code, _, err = cli("fabric", "ecmp", "--gpus", "512", "--traffic", "broadcast")
    assert code == 2 and "'broadcast' is not one of" in err
