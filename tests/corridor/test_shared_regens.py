"""Regen sites are shared across demands where a path can regenerate at an earlier path's site at equal cost."""

from __future__ import annotations

from corridor_helpers import TTN

from aifabric.corridor.plan import plan_corridor

# On the equator, one degree of longitude is 111.32 km; with slack 1.05 the fiber legs are about 600, 200, 600 km.
DEG = 600 / 1.05 / 111.32
SITES = {"a": (0.0, 0.0), "m1": (0.0, DEG), "m2": (0.0, DEG + 200 / 1.05 / 111.32),
         "z": (0.0, 2 * DEG + 200 / 1.05 / 111.32)}
SEGMENTS = [{"a": "a", "z": "m1"}, {"a": "m1", "z": "m2"}, {"a": "m2", "z": "z"}]


def test_the_second_demand_regenerates_where_the_first_does(write_network, write_spec):
    # 1,400 km at a 1,000 km reach (openzr-plus-400g without GNPy): one regen, at m1 or at m2 (800 km either
    # side). a -> z takes m2 (regens as far along as they reach); z -> a alone would take m1, its farthest; with
    # sharing it takes m2 too: one regen site for the corridor, not two, at the same transponder count.
    network = write_network(SITES, SEGMENTS)
    both = [{"id": "east", "a": "a", "z": "z", "capacity_tbps": 0.4},
            {"id": "west", "a": "z", "z": "a", "capacity_tbps": 0.4}]
    plan = plan_corridor(write_spec({"network": str(network), "demands": both}))
    assert [p.regen_sites for d in plan.demands for p in d.paths] == [("m2",), ("m2",)]
    assert plan.totals()["regen_sites"] == 1 and plan.totals()["transponders"] == 8
    alone = plan_corridor(write_spec({"network": str(network), "demands": both[1:]}, name="alone.yaml"))
    assert alone.demands[0].paths[0].regen_sites == ("m1",)


def test_shipped_plan_shares_regen_sites():
    # texas-triangle-nova: 21 regen sites when each path chose alone (huts allowed); sharing at equal cost needed
    # 11. With regens at carrier sites only (regen_at: sites, the default) the paths share 14 sites.
    totals = plan_corridor(TTN).totals()
    assert totals["regen_sites"] <= 14
