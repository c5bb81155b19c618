"""Price books: unit prices per catalog id (CSV), and the cost of a bill of materials priced from one.

A price book is a CSV with a header row; lines starting with `#` and blank lines are comments. Columns:

- `catalog_id` (required): a switch, NIC, transceiver or cable id from the catalog.
- `unit_price_usd` (required): the price of one unit, >= 0.
- `usd_per_m` (optional): for cables, an extra price per metre of length (a cable line's unit price is
  unit_price_usd + usd_per_m x its length).
- `currency` (optional): must be USD when given; prices are never converted.
- `lead_time_weeks` (optional): the quoted lead time of the part, >= 0; it fills the BOM's lead-time column, sets
  the window of the AFR spares policy, and the longest are named in the plan's summary.
- `source`, `note` (optional): where the price comes from, free text.

Money is counted in whole cents, so a plan's cost block is exactly the sum of its BOM lines.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from aifabric.errors import SpecError, SpecErrors

REQUIRED_COLUMNS = ("catalog_id", "unit_price_usd")
OPTIONAL_COLUMNS = ("usd_per_m", "currency", "source", "note", "lead_time_weeks")
PRICE_COLUMNS = ("unit_price_usd", "total_price_usd")
COST_KEYS = ("switches", "nics", "transceivers", "cables")
CATEGORY_KEY = {"switch": "switches", "nic": "nics", "transceiver": "transceivers", "cable": "cables"}
PRICED_KINDS = ("switches", "nics", "transceivers", "cables")
INDICATIVE_PRICES = Path(__file__).resolve().parents[2] / "topologies" / "prices-indicative.csv"


@dataclass(frozen=True)
class Price:
    """The price of one catalog id: per unit, plus per metre for cables; the CSV line it came from."""

    catalog_id: str
    unit_usd: float
    usd_per_m: float
    line: int
    source: str = ""
    lead_time_weeks: float | None = None


@dataclass(frozen=True)
class PriceBook:
    """Unit prices by catalog id, loaded from one CSV file."""

    file: str
    prices: dict[str, Price]

    def lead_times(self) -> dict[str, float]:
        """Return {catalog id: lead time in weeks} of the rows that give one."""
        return {k: p.lead_time_weeks for k, p in self.prices.items() if p.lead_time_weeks is not None}

    def unit_cents(self, category: str, catalog_id: str, length_m: float | None = None) -> int:
        """Return the unit price in cents of one BOM line's part, or raise SpecError when the book lacks it."""
        price = self.prices.get(catalog_id)
        if price is None:
            raise SpecError(self.file, "catalog_id",
                            f"no price for {category} '{catalog_id}', which this design uses; add a row for it")
        usd = price.unit_usd + price.usd_per_m * (length_m or 0.0)
        return int(round(usd * 100))


def default_price_book_path() -> Path:
    """Return the path of the shipped indicative price book (topologies/prices-indicative.csv): the source tree's,
    else the working directory's; raise SpecError naming --prices when neither exists (an installed wheel)."""
    for candidate in (INDICATIVE_PRICES, Path.cwd() / "topologies" / "prices-indicative.csv"):
        if candidate.is_file():
            return candidate
    raise SpecError("command line", "--prices", "no price book given and the shipped indicative one "
                    "(topologies/prices-indicative.csv of the source tree) is not here; give --prices FILE")


def known_ids(hardware) -> dict[str, str]:
    """Return {catalog id: kind} of every id a price book may price (switches, NICs, transceivers, cables)."""
    ids: dict[str, str] = {}
    for kind in PRICED_KINDS:
        for entry_id in getattr(hardware, kind):
            ids.setdefault(entry_id, kind)
    return ids


def _number(text: str) -> float:
    value = float(text.replace("_", "").replace(",", "")) if text.strip() else math.nan
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def load_price_book(path: str | Path, hardware) -> PriceBook:
    """Return the validated PriceBook of a CSV file, or raise SpecError/SpecErrors naming file, line and field."""
    from aifabric.spec.loader import read_text, suggest

    file = str(path)
    text = read_text(path, what="price book")
    rows = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise SpecError(file, None, "price book is empty; expected a header "
                                    "`catalog_id,unit_price_usd[,usd_per_m,currency,source,note,lead_time_weeks]` "
                                    "and rows")
    header_line, header_text = rows[0]
    header = [h.strip() for h in next(csv.reader([header_text]))]
    allowed = list(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    errors: list[SpecError] = []
    for column in header:
        if column not in allowed:
            errors.append(SpecError(file, "header", f"unknown column '{column}'{suggest(column, allowed)}; "
                                                    f"allowed: {', '.join(allowed)}", line=header_line))
    for column in REQUIRED_COLUMNS:
        if column not in header:
            errors.append(SpecError(file, "header", f"missing column '{column}'", line=header_line))
    if errors:
        _raise(errors)
    ids = known_ids(hardware)
    prices: dict[str, Price] = {}
    for number, line in rows[1:]:
        cells = [c.strip() for c in next(csv.reader([line]))]
        if len(cells) > len(header):
            errors.append(SpecError(file, None, f"{len(cells)} cells but the header has {len(header)} columns",
                                    line=number))
            continue
        row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
        catalog_id = row["catalog_id"]
        if not catalog_id:
            errors.append(SpecError(file, "catalog_id", "empty; give a catalog id", line=number))
            continue
        if catalog_id not in ids:
            errors.append(SpecError(file, "catalog_id", f"unknown catalog id '{catalog_id}'"
                                    f"{suggest(catalog_id, sorted(ids))}; a price book prices switches, NICs, "
                                    f"transceivers and cables (aifabric catalog)", line=number))
            continue
        if catalog_id in prices:
            errors.append(SpecError(file, "catalog_id", f"duplicate id '{catalog_id}' (first priced on line "
                                    f"{prices[catalog_id].line})", line=number))
            continue
        values: dict[str, float] = {}
        for column in ("unit_price_usd", "usd_per_m"):
            raw = row.get(column, "")
            if column == "usd_per_m" and not raw:
                values[column] = 0.0
                continue
            try:
                values[column] = _number(raw)
            except ValueError:
                errors.append(SpecError(file, column, f"'{raw}' is not a number; give a price in US dollars like "
                                                      f"1250.00", line=number))
                continue
            if values[column] < 0:
                errors.append(SpecError(file, column, f"{raw} is negative; prices must be >= 0", line=number))
        if len(values) < 2 or any(v < 0 for v in values.values()):
            continue
        if values["usd_per_m"] and ids[catalog_id] != "cables":
            errors.append(SpecError(file, "usd_per_m", f"only cables have a price per metre; "
                                                       f"'{catalog_id}' is in {ids[catalog_id]}", line=number))
            continue
        lead_time = None
        raw_lead = row.get("lead_time_weeks", "")
        if raw_lead:
            try:
                lead_time = _number(raw_lead)
            except ValueError:
                lead_time = -1.0
            if lead_time < 0:
                errors.append(SpecError(file, "lead_time_weeks", f"'{raw_lead}' is not a lead time; give weeks >= 0 "
                                                                 f"like 12", line=number))
                continue
        currency = row.get("currency", "")
        if currency and currency.upper() != "USD":
            errors.append(SpecError(file, "currency", f"'{currency}': prices must be in USD (no conversion is done)",
                                    line=number))
            continue
        prices[catalog_id] = Price(catalog_id, values["unit_price_usd"], values["usd_per_m"], number,
                                   row.get("source", "") or row.get("note", ""), lead_time)
    if errors:
        _raise(errors)
    return PriceBook(file, dict(sorted(prices.items())))


def _raise(errors: list[SpecError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    raise SpecErrors(errors)


def line_cents(line, book: PriceBook) -> tuple[int, int]:
    """Return (unit price, line total) in cents of one BomLine (0 for compute systems, which the network price
    book does not price)."""
    if line.category not in CATEGORY_KEY:
        return 0, 0
    unit = book.unit_cents(line.category, line.catalog_id, getattr(line, "length_m", None))
    return unit, unit * line.quantity


def priced_rows(lines, book: PriceBook):
    """Yield each BomLine's CSV row with unit_price_usd and total_price_usd appended, then its order columns."""
    for line in lines:
        unit, total = line_cents(line, book)
        yield (*line.row(), _usd_text(unit), _usd_text(total), *line.order_row())


def cost_usd(lines, book: PriceBook) -> dict[str, float]:
    """Return the cost in USD per category (switches, transceivers, cables, nics) and the total: sums of lines."""
    cents = dict.fromkeys(COST_KEYS, 0)
    for line in lines:
        if line.category not in CATEGORY_KEY:
            continue  # compute systems (racks, trays) are outside the network price book
        cents[CATEGORY_KEY[line.category]] += line_cents(line, book)[1]
    cents["total"] = sum(cents.values())
    return {key: value / 100 for key, value in cents.items()}


def _usd_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
