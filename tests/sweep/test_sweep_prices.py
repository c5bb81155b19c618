"""Price books: validation errors name file, line and field; the cost block is the exact sum of the BOM lines."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from aifabric.errors import SpecError, SpecErrors
from aifabric.fabric.bom import BOM_HEADER, ORDER_COLUMNS
from aifabric.fabric.plan import plan_fabric
from aifabric.fabric.prices import default_price_book_path, known_ids, load_price_book
from tests.conftest import TOPOLOGIES

HEADER = "catalog_id,unit_price_usd,usd_per_m,currency,note\n"


def _book(tmp_path, text: str, hardware):
    path = tmp_path / "prices.csv"
    path.write_text(text)
    return load_price_book(path, hardware)


def _error(tmp_path, text: str, hardware) -> str:
    with pytest.raises((SpecError, SpecErrors)) as exc:
        _book(tmp_path, text, hardware)
    return exc.value.message


@pytest.mark.parametrize(("body", "expected"), [
    ("sn5600,55000\nsn5600x,1\n", "prices.csv:3: catalog_id: unknown catalog id 'sn5600x' (did you mean 'sn5600'?)"),
    ("sn5600,-5\n", "prices.csv:2: unit_price_usd: -5 is negative; prices must be >= 0"),
    ("sn5600,lots\n", "prices.csv:2: unit_price_usd: 'lots' is not a number"),
    ("sn5600,\n", "prices.csv:2: unit_price_usd: '' is not a number"),
    ("sn5600,nan\n", "prices.csv:2: unit_price_usd: 'nan' is not a number"),
    ("sn5600,1\n# comment\nsn5600,2\n", "prices.csv:4: catalog_id: duplicate id 'sn5600' (first priced on line 2)"),
    ("sn5600,1,2\n", "prices.csv:2: usd_per_m: only cables have a price per metre"),
    ("sn5600,1,,EUR\n", "prices.csv:2: currency: 'EUR': prices must be in USD"),
    ("sn5600,1,,,,extra\n", "prices.csv:2: 6 cells but the header has 5 columns"),
])
def test_price_book_errors(tmp_path, hardware, body, expected):
    assert expected in _error(tmp_path, HEADER + body, hardware)


def test_header_errors(tmp_path, hardware):
    message = _error(tmp_path, "catalog_id,unit_prce_usd\nsn5600,1\n", hardware)
    assert "prices.csv:1: header: unknown column 'unit_prce_usd' (did you mean 'unit_price_usd'?)" in message
    assert "prices.csv:1: header: missing column 'unit_price_usd'" in message
    assert "price book is empty" in _error(tmp_path, "# nothing\n\n", hardware)


def test_every_error_is_reported_at_once(tmp_path, hardware):
    with pytest.raises(SpecErrors) as exc:
        _book(tmp_path, "catalog_id,unit_price_usd\nsn5600x,1\nqm9700,-1\n", hardware)
    assert [e.line for e in exc.value.errors] == [2, 3]


def test_cli_reports_price_book_errors_in_one_line(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("catalog_id,unit_price_usd\nsn5600,abc\n")
    code, out, err = cli("fabric", "plan", TOPOLOGIES / "spectrum-x-8k.yaml", "--prices", bad, "--json")
    assert code == 2 and out == ""
    assert err.strip() == (f"error: {bad}:2: unit_price_usd: 'abc' is not a number; "
                           "give a price in US dollars like 1250.00")


def test_shipped_book_is_marked_indicative_and_prices_every_catalog_part(hardware):
    path = default_price_book_path()
    text = path.read_text()
    assert text.startswith("# INDICATIVE PRICES ONLY")
    book = load_price_book(path, hardware)
    assert set(book.prices) == set(known_ids(hardware))
    rows = [line for line in text.splitlines() if line and not line.startswith("#")][1:]
    assert all("INDICATIVE" in row for row in rows)


@pytest.mark.parametrize("topology", sorted(p.name for p in TOPOLOGIES.glob("*.yaml")))
def test_cost_block_is_the_sum_of_the_bom_lines(tmp_path, topology):
    from aifabric.export.fabric_files import write_bom

    result = plan_fabric(TOPOLOGIES / topology, prices_path=default_price_book_path())
    cost = result.document()["cost_usd"]
    rows = list(csv.DictReader(io.StringIO(write_bom(tmp_path / "bom.csv", result).read_text())))
    by_category: dict[str, Decimal] = {}
    for row in rows:
        total = Decimal(row["total_price_usd"])
        assert total == Decimal(row["unit_price_usd"]) * int(row["quantity"])
        by_category[row["category"]] = by_category.get(row["category"], Decimal(0)) + total
    assert Decimal(str(cost["switches"])) == by_category["switch"]
    # Built-in NICs (DGX, NVL72 trays) are no line of their own, so they cost nothing here.
    assert Decimal(str(cost["nics"])) == by_category.get("nic", Decimal(0))
    assert Decimal(str(cost["transceivers"])) == by_category.get("transceiver", Decimal(0))
    assert Decimal(str(cost["cables"])) == by_category["cable"]
    assert Decimal(str(cost["total"])) == sum(by_category.values())
    assert cost["total"] > 0


def test_plan_cli_with_and_without_prices(cli, tmp_path):
    import json

    spec = TOPOLOGIES / "dgx-h100-superpod-4su.yaml"
    code, out, _ = cli("fabric", "plan", spec, "--json", "--out", tmp_path / "plain", "--no-graph")
    assert code == 0 and "cost_usd" not in json.loads(out)
    plain_header = (tmp_path / "plain" / "bom.csv").read_text().splitlines()[0]
    assert plain_header == ",".join(BOM_HEADER + ORDER_COLUMNS)
    code, out, _ = cli("fabric", "plan", spec, "--json", "--prices", default_price_book_path(), "--out",
                       tmp_path / "priced", "--no-graph")
    assert code == 0
    assert set(json.loads(out)["cost_usd"]) == {"switches", "transceivers", "cables", "nics", "total"}
    priced = (tmp_path / "priced" / "bom.csv").read_text().splitlines()
    # The order columns come after every column a BOM had before them (the prices too, in a priced BOM).
    assert priced[0] == ",".join(BOM_HEADER) + ",unit_price_usd,total_price_usd," + ",".join(ORDER_COLUMNS)
    code, out, _ = cli("fabric", "plan", spec, "--prices", default_price_book_path())
    assert code == 0 and "Cost (network)" in out and "prices-indicative.csv" in out


def test_cables_are_priced_by_length(tmp_path, hardware):
    book = _book(tmp_path, HEADER + "mpo12-om4,20,2,USD,x\n", hardware)
    assert book.unit_cents("cable", "mpo12-om4", 7.0) == 3400
    assert book.unit_cents("cable", "mpo12-om4", None) == 2000


def test_missing_default_price_book_names_the_prices_flag(monkeypatch, tmp_path):
    from aifabric.errors import SpecError
    from aifabric.fabric import prices

    monkeypatch.setattr(prices, "INDICATIVE_PRICES", tmp_path / "nowhere.csv")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as exc:
        prices.default_price_book_path()
    assert exc.value.field == "--prices" and "give --prices FILE" in exc.value.message
