"""Dark-fiber counts and service TCO: hand-computed cases against the formulas and the shipped price book."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aifabric.corridor.cost import (
    PathUse,
    default_corridor_prices_path,
    load_corridor_prices,
    service_costs,
)
from aifabric.corridor.darkfiber import fiber_count, waves_by_year
from aifabric.errors import SpecError, SpecErrors


def test_fiber_count_hand_computed():
    # 12.8 Tb/s x 1.3^10 = 176.46 Tb/s; 63 x 400G = 25.2 Tb/s a pair; ceil(7.002) = 8 pairs = 16 fibers,
    # spares ceil(8 x 0.25) = 2 pairs = 4 fibers; 20 -> two 12-fiber tubes = 24.
    count = fiber_count(12.8, 0.30, 10, 63, 400)
    assert count.end_of_term_tbps == pytest.approx(12.8 * 1.3**10)
    assert count.pair_capacity_tbps == pytest.approx(25.2)
    assert (count.lit_pairs, count.spare_pairs, count.lit_fibers, count.fibers) == (8, 2, 16, 24)
    assert count.cable_fibers == 24
    assert "2 x ceil(176.5 / 25.2) = 16 fibers lit" in count.why()


def test_ai_growth_reaches_the_fiber_counts_ai_buyers_order():
    # 60 % a year for 10 years: 1,407 Tb/s -> 56 pairs + 14 spare = 140 -> 144 fibers (Zayo: 144-432 per route).
    count = fiber_count(12.8, 0.60, 10, 63, 400)
    assert (count.lit_pairs, count.spare_pairs, count.fibers, count.cable_fibers) == (56, 14, 144, 144)


def test_no_growth_still_asks_for_a_spare_pair_and_a_whole_tube():
    count = fiber_count(12.8, 0.0, 10, 63, 400)
    assert (count.lit_pairs, count.spare_pairs, count.fibers) == (1, 1, 12)


@given(cap=st.floats(0.1, 500), cagr=st.floats(0, 1), years=st.integers(1, 25), channels=st.integers(1, 128))
def test_fiber_count_properties(cap, cagr, years, channels):
    count = fiber_count(cap, cagr, years, channels, 400)
    assert count.fibers % 12 == 0
    assert count.lit_pairs * count.pair_capacity_tbps >= count.end_of_term_tbps * (1 - 1e-9)
    assert (count.lit_pairs - 1) * count.pair_capacity_tbps < count.end_of_term_tbps
    assert count.fibers >= 2 * (count.lit_pairs + count.spare_pairs)
    assert fiber_count(cap, cagr + 0.1, years, channels, 400).fibers >= count.fibers


def test_waves_by_year_grow_with_cagr():
    assert waves_by_year(12.8, 0.0, 3, 400) == [32, 32, 32]
    assert waves_by_year(12.8, 0.5, 3, 400) == [32, 48, 72]


def test_service_costs_hand_computed():
    book = load_corridor_prices(default_corridor_prices_path())
    assert book.indicative
    paths = [PathUse(km=1000, amplifiers=2, regens=0, rate_gbps=400, slot_ghz=75, waves=(32,))]
    costs = service_costs(book, ("dark-fiber", "waves", "spectrum"), paths, 24, 8, 1)
    dark = costs["dark-fiber"].items
    assert dark["iru"] == 24 * 1000 * 300
    assert dark["om"] == 1000 * 200
    assert dark["hut_lease"] == 2 * 24000
    assert dark["amplifiers"] == 2 * 8 * 40000  # an amplifier per lit pair in each hut
    assert dark["terminals"] == 2 * 8 * 60000
    assert dark["transponders"] == 32 * 2 * 12000
    assert costs["dark-fiber"].total_usd == 7_200_000 + 200_000 + 48_000 + 640_000 + 960_000 + 768_000
    assert costs["waves"].total_usd == 32 * 12 * 10000
    assert costs["spectrum"].total_usd == 32 * 75 * 12 * 80 + 768_000
    assert costs["waves"].to_json() == {"total_usd": 3_840_000, "waves_usd": 3_840_000}


def test_dark_fiber_prices_each_huts_node_type_per_lit_pair():
    # A path through a Raman hybrid hut and an EDFA hut: each node at its own price, per lit pair (every hut was an
    # `ila-amplifier` before).
    book = load_corridor_prices(default_corridor_prices_path())
    paths = [PathUse(km=1000, amplifiers=2, regens=0, rate_gbps=400, slot_ghz=75, waves=(32,),
                     hut_entries=("ila-raman-hybrid-low-gain", "ila-amplifier"))]
    dark = service_costs(book, ("dark-fiber",), paths, 24, 8, 1)["dark-fiber"].items
    assert dark["amplifiers"] == 8 * 70000 + 8 * 40000
    # A book without the hybrid's price cannot price the dark fiber.
    book.prices.pop("ila-raman-hybrid-low-gain")
    assert "dark-fiber" not in service_costs(book, ("dark-fiber",), paths, 24, 8, 1)


def test_protected_demand_pays_for_both_paths_and_regens_add_transponders():
    book = load_corridor_prices(default_corridor_prices_path())
    w = PathUse(1000, 2, 0, 400, 75, (10,) * 5)
    one = service_costs(book, ("waves", "spectrum"), [w], 12, 1, 5)
    two = service_costs(book, ("waves", "spectrum"), [w, PathUse(1200, 3, 1, 400, 75, (10,) * 5)], 12, 1, 5)
    assert two["waves"].total_usd == pytest.approx(one["waves"].total_usd * 2.2)
    assert two["spectrum"].items["transponders"] == (10 * 2 + 10 * 4) * 12000


def test_paths_with_their_own_modes_are_priced_at_their_own_rates():
    # Working at 800G (16 waves), protect at 400G (32 waves): each path pays its own rate's wave price.
    book = load_corridor_prices(default_corridor_prices_path())
    paths = [PathUse(1000, 0, 0, 800, 150, (16,)), PathUse(1000, 0, 0, 400, 75, (32,))]
    costs = service_costs(book, ("waves", "spectrum"), paths, 12, 1, 1)
    assert costs["waves"].total_usd == 16 * 12 * 16000 + 32 * 12 * 10000
    assert costs["spectrum"].items["spectrum"] == pytest.approx((16 * 150 + 32 * 75) * 12 * 80)
    assert costs["spectrum"].items["transponders"] == 16 * 2 * 30000 + 32 * 2 * 12000


def test_service_without_a_price_is_left_out():
    book = load_corridor_prices(default_corridor_prices_path())
    costs = service_costs(book, ("dark-fiber", "waves", "spectrum"), [PathUse(100, 0, 0, 300, 75, (1,))], 12, 1, 1)
    assert "waves" not in costs and "dark-fiber" not in costs and "spectrum" not in costs


def test_price_book_errors_name_file_line_and_field(tmp_path):
    bad = tmp_path / "p.csv"
    bad.write_text("item,usd,unit,note\nwave-400g,10,fiber-km,x\ndark-fibre-iru,3,fiber-km,x\n")
    with pytest.raises(SpecErrors) as info:
        load_corridor_prices(bad)
    text = str(info.value)
    assert f"{bad}:2: unit: 'wave-400g' is priced per wave-month-1000km" in text
    assert f"{bad}:3: item: unknown item 'dark-fibre-iru'" in text and "did you mean" in text
    bad.write_text("item,usd,unit\nspectrum,-1,ghz-month-1000km\n")
    with pytest.raises(SpecError, match=r"p.csv:2: usd: -1 must be a finite price >= 0"):
        load_corridor_prices(bad)


def test_segment_fibers_from_end_of_term_waves():
    # 1,300 waves / 63 per pair = 20.6 -> 21 pairs; spares ceil(5.25) = 6; 54 fibers -> 60 (five tubes), 72 cable.
    from aifabric.corridor.darkfiber import segment_fibers

    assert segment_fibers(1300, 63) == (21, 6, 60, 72)
    assert segment_fibers(0, 63) == (1, 1, 12, 12)
