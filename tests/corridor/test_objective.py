"""The regen and mode search minimises transponder price where the price book prices every allowed rate."""

from __future__ import annotations

import json

from corridor_helpers import CORRIDORS

from aifabric.corridor.plan import plan_corridor

DEMAND = {"demands": [{"a": "dallas", "z": "houston", "capacity_tbps": 0.8}],
          "optics": {"modes": ["embedded-800g", "embedded-400g"]}}


def _book(tmp_path, name: str, rows: dict[str, int]):
    lines = ["item,usd,unit,note", *(f"{item},{usd},unit,test" for item, usd in rows.items())]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_price_changes_the_mode_the_count_would_choose(write_spec, tmp_path):
    # Both modes close Dallas-Houston in one section: 800G needs 1 wave (2 transponders), 400G 2 waves (4).
    # The fewest transponders is 800G; the shipped INDICATIVE book prices 400G at 12,000 and 800G at 30,000 USD
    # per transponder, so 4 x 12,000 = 48,000 beats 2 x 30,000 = 60,000 and the price objective takes 400G.
    shipped = plan_corridor(write_spec(DEMAND, name="shipped.yaml")).demands[0].paths[0]
    assert (shipped.mode.id, shipped.objective, shipped.transponders) == ("embedded-400g", "price", 4)
    assert shipped.transponders_usd == 4 * 12_000
    # A book without a 400G price: the search falls back to the count and takes 800G.
    partial = _book(tmp_path, "partial.csv", {"transponder-800g": 30_000})
    counted = plan_corridor(write_spec({**DEMAND, "prices": str(partial)}, name="partial.yaml"))
    path = counted.demands[0].paths[0]
    assert (path.mode.id, path.objective, path.transponders, path.transponder_usd) == ("embedded-800g", "count", 2,
                                                                                        None)
    assert counted.objective() == {"objective": "count", "price_book": "partial.csv", "unpriced_rates_gbps": [400.0]}
    # 400G at 20,000: 4 x 20,000 = 80,000 > 60,000, so price and count agree on 800G.
    dear = _book(tmp_path, "dear.csv", {"transponder-800g": 30_000, "transponder-400g": 20_000})
    path = plan_corridor(write_spec({**DEMAND, "prices": str(dear)}, name="dear.yaml")).demands[0].paths[0]
    assert (path.mode.id, path.objective, path.transponders_usd) == ("embedded-800g", "price", 60_000)


def test_objective_is_stated_in_json_and_rfp(write_spec, tmp_path, cli):
    partial = _book(tmp_path, "partial.csv", {"transponder-800g": 30_000})
    spec = write_spec({**DEMAND, "prices": str(partial)})
    code, out, err = cli("corridor", "plan", spec, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["optics_objective"]["objective"] == "count"
    assert doc["demands"][0]["paths"][0]["objective"] == "count"
    code, _, err = cli("corridor", "plan", spec, "--out", tmp_path / "out")
    assert code == 0, err
    md = (tmp_path / "out" / "rfp.md").read_text()
    assert "Objective: fewest transponders (partial.csv has no transponder-400g)" in md


def test_shipped_texas_triangle_nova_is_priced(cli):
    code, out, err = cli("corridor", "plan", CORRIDORS / "texas-triangle-nova.yaml", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["optics_objective"] == {"objective": "price", "price_book": "prices-indicative.csv",
                                       "unpriced_rates_gbps": []}
    paths = [p for d in doc["demands"] for p in d["paths"]]
    assert all(p["transponders_usd"] == p["transponders"] * 30_000 for p in paths)
