"""Corridor service types and their total cost of ownership over the term, from a corridor price book.

Service types a buyer can order for a demand:
- dark-fiber: an IRU on the route's fibers (fibers x route-km x price per fiber-km, once) plus yearly O&M per
  route-km, and the buyer lights it: ILA nodes and hut leases, terminal line systems, transponders.
- waves: managed waves at the demand's line rate, a monthly charge per wave scaled by route km, every month.
- spectrum: managed spectrum on the carrier's line system (GHz per wave x a monthly price per GHz per 1,000 km),
  with the buyer's own transponders.
Capacity grows at the spec's CAGR: waves and spectrum are paid for the waves of each year of the term, transponders
are bought in the year their wave is installed, dark fiber is sized for the term's last year (the year the most
waves run). Recurring charges a buyer pays the carrier for dark fiber (O&M, hut leases) rise by the spec's yearly
escalator. No discounting: totals are sums over the same years for every service.

Dark fiber is also priced per segment (`segment_money`), so the corridor pays each shared segment's IRU once.

A price book is a CSV (`#` comments): `item,usd,unit,note`. Money is counted in whole dollars.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aifabric.errors import SpecError, SpecErrors

SERVICES = ("dark-fiber", "waves", "spectrum")
MONTHS_PER_YEAR = 12
# The unit each fixed item must be priced in.
FIXED_UNITS = {
    "dark-fiber-iru": "fiber-km",
    "dark-fiber-om": "route-km-year",
    "ila-hut-lease": "site-year",
    "ila-amplifier": "unit",
    "ila-edfa-low-gain": "unit",
    "ila-raman-hybrid": "unit",
    "ila-raman-hybrid-low-gain": "unit",
    "terminal-line": "unit",
    "spectrum": "ghz-month-1000km",
}
# Items priced per line rate: transponder-400g (one end, one-time), wave-400g (per wave-month per 1,000 km).
RATE_ITEM = re.compile(r"^(transponder|wave)-(\d+)g$")
RATE_UNITS = {"transponder": "unit", "wave": "wave-month-1000km"}
COLUMNS = ("item", "usd", "unit", "note")


@dataclass(frozen=True)
class CorridorPrice:
    """One price book row: the item, its price in USD, its unit and the CSV line it came from."""

    item: str
    usd: float
    unit: str
    line: int
    note: str = ""


@dataclass(frozen=True)
class CorridorPriceBook:
    """Corridor prices by item, loaded from one CSV file."""

    file: str
    prices: dict[str, CorridorPrice]

    def usd(self, item: str) -> float | None:
        """Return an item's price in USD, or None when the book does not price it."""
        price = self.prices.get(item)
        return None if price is None else price.usd

    @property
    def indicative(self) -> bool:
        """Return True when any row's note marks it INDICATIVE (not a quote)."""
        return any("INDICATIVE" in p.note.upper() for p in self.prices.values())


def default_corridor_prices_path() -> Path:
    """Return the shipped indicative corridor price book (corridors/prices-indicative.csv): the source tree's,
    else the working directory's; raise SpecError asking for `prices:` when neither exists."""
    from aifabric.io import source_tree_file

    found = source_tree_file("corridors/prices-indicative.csv")
    if found is not None:
        return found
    raise SpecError(None, "prices", "no corridor price book given and the shipped indicative one "
                    "(corridors/prices-indicative.csv of the source tree) is not here; set `prices:` in the spec")


def load_corridor_prices(path: str | Path) -> CorridorPriceBook:
    """Return the validated corridor price book of a CSV file, or raise SpecError(s) naming file, line, field."""
    from aifabric.spec.loader import read_text, suggest

    file = str(path)
    text = read_text(path, what="price book")
    rows = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise SpecError(file, None, f"price book is empty; expected a header `{','.join(COLUMNS)}` and rows")
    header_line, header_text = rows[0]
    header = [h.strip() for h in next(csv.reader([header_text]))]
    if header[:3] != list(COLUMNS[:3]):
        raise SpecError(file, "header", f"expected `{','.join(COLUMNS)}`, got `{header_text.strip()}`",
                        line=header_line)
    known = sorted(FIXED_UNITS) + ["transponder-<rate>g", "wave-<rate>g"]
    errors: list[SpecError] = []
    prices: dict[str, CorridorPrice] = {}
    for number, line in rows[1:]:
        cells = [c.strip() for c in next(csv.reader([line]))]
        item, usd_text, unit = (cells + ["", "", ""])[:3]
        note = ",".join(cells[3:])
        match = RATE_ITEM.match(item)
        expected = FIXED_UNITS.get(item) or (RATE_UNITS[match.group(1)] if match else None)
        if expected is None:
            errors.append(SpecError(file, "item", f"unknown item '{item}'{suggest(item, known)}; allowed: "
                                    f"{', '.join(known)}", line=number))
            continue
        if item in prices:
            errors.append(SpecError(file, "item", f"duplicate item '{item}' (first on line {prices[item].line})",
                                    line=number))
            continue
        if unit != expected:
            errors.append(SpecError(file, "unit", f"'{item}' is priced per {expected}, got '{unit}'", line=number))
            continue
        try:
            usd = float(usd_text.replace("_", ""))
        except ValueError:
            errors.append(SpecError(file, "usd", f"'{usd_text}' is not a number; give US dollars like 300",
                                    line=number))
            continue
        if not usd >= 0 or usd == float("inf"):
            errors.append(SpecError(file, "usd", f"{usd_text} must be a finite price >= 0", line=number))
            continue
        prices[item] = CorridorPrice(item, usd, unit, number, note)
    if errors:
        raise errors[0] if len(errors) == 1 else SpecErrors(errors)
    return CorridorPriceBook(file, dict(sorted(prices.items())))


@dataclass(frozen=True)
class PathUse:
    """What one path of a demand uses: route km, ILA huts, regenerators, and its own line rate, spectrum slot
    per wave and waves in each year of the term (the planner may choose a different mode per path)."""

    km: float
    amplifiers: int
    regens: int
    rate_gbps: float
    slot_ghz: float
    waves: tuple[int, ...]
    # The amplifier node's catalog entry in each hut the path passes (the line system's type there); empty when
    # the line system is not known, then every hut is priced as an `ila-amplifier`.
    hut_entries: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceCost:
    """The cost of one service type over the term: its items in USD and their total."""

    service: str
    items: dict[str, float]

    @property
    def total_usd(self) -> float:
        """Return the total cost of ownership over the term: the sum of the items."""
        return round(sum(self.items.values()))

    def to_json(self) -> dict[str, float]:
        """Return {"total_usd": x, "<item>_usd": y, ...} with whole dollars."""
        return {"total_usd": self.total_usd, **{f"{k}_usd": round(v) for k, v in self.items.items()}}


def _prices(book: CorridorPriceBook, items: Sequence[str]) -> list[float] | None:
    """Return the prices of items in order, or None when the book lacks any of them."""
    prices = [book.usd(item) for item in items]
    return None if any(p is None for p in prices) else [p or 0.0 for p in prices]


def transponder_prices(book: CorridorPriceBook, modes) -> dict[str, float]:
    """Return {mode id: USD per transponder (one end)} for the modes whose line rate the book prices
    (`transponder-<rate>g`)."""
    prices = {m.id: book.usd(f"transponder-{m.line_rate_gbps:g}g") for m in modes}
    return {mode_id: usd for mode_id, usd in sorted(prices.items()) if usd is not None}


def escalated_years(term_years: int, escalator: float) -> float:
    """Return the sum of a yearly charge over the term as multiples of year 1's: sum of (1 + escalator)^y."""
    return sum((1.0 + escalator) ** year for year in range(term_years))


def installs_by_year(waves: Sequence[int]) -> list[int]:
    """Return the waves installed in each year: the growth over the year before (year 0: all of them)."""
    return [w - (waves[y - 1] if y else 0) for y, w in enumerate(waves)]


def transponders_by_year(paths: Sequence[PathUse]) -> list[int]:
    """Return the transponders bought in each year of the term: each path's newly installed waves x (2 ends +
    2 per regen)."""
    years = max((len(p.waves) for p in paths), default=0)
    out = [0] * years
    for p in paths:
        for year, added in enumerate(installs_by_year(p.waves)):
            out[year] += max(0, added) * (2 + 2 * p.regens)
    return out


@dataclass(frozen=True)
class SegmentMoney:
    """One segment's dark-fiber IRU line: fibers x km x IRU, O&M per route-km-year, hut leases and in-line
    amplifiers x lit pairs, line terminals per lit pair at both ends; paid once however many demands share it."""

    segment_id: str
    km: float
    fibers: int
    lit_pairs: int
    huts: int
    items: dict[str, float]

    @property
    def total_usd(self) -> float:
        """Return the segment's total over the term: the sum of its items."""
        return round(sum(self.items.values()))

    def to_json(self) -> dict[str, float]:
        """Return {"total_usd": x, "<item>_usd": y, ..., fibers, lit_pairs, huts, km} in whole dollars."""
        return {"fibers": self.fibers, "lit_pairs": self.lit_pairs, "huts": self.huts, "km": round(self.km, 1),
                "total_usd": self.total_usd, **{f"{k}_usd": round(v) for k, v in self.items.items()}}


def hut_amplifiers_usd(book: CorridorPriceBook, hut_pairs: Sequence[tuple[str, int]]) -> float | None:
    """Return the in-line amplifier nodes' price: each hut's node (its catalog entry, priced under the same id)
    x the fiber pairs lit through that hut; None when the book lacks a node's price."""
    prices = _prices(book, [entry for entry, _ in hut_pairs])
    if prices is None:
        return None
    return sum(price * pairs for (_, pairs), price in zip(hut_pairs, prices, strict=True))


def segment_money(
    book: CorridorPriceBook, segment_id: str, km: float, fibers: int, lit_pairs: int, huts: int, term_years: int,
    escalator: float, hut_pairs: Sequence[tuple[str, int]] | None = None,
) -> SegmentMoney | None:
    """Return a segment's dark-fiber IRU line, or None when the book lacks a price it needs. `hut_pairs` gives
    each hut's amplifier node (catalog entry of the line system's type there) and the pairs it amplifies; without
    it every hut holds an `ila-amplifier` per lit pair."""
    fixed = _prices(book, ("dark-fiber-iru", "dark-fiber-om", "ila-hut-lease", "ila-amplifier", "terminal-line"))
    if fixed is None:
        return None
    iru, om, lease, amp, terminal = fixed
    amplifiers = huts * lit_pairs * amp if hut_pairs is None else hut_amplifiers_usd(book, hut_pairs)
    if amplifiers is None:
        return None
    years = escalated_years(term_years, escalator)
    return SegmentMoney(segment_id, km, fibers, lit_pairs, huts, {
        "iru": fibers * km * iru,
        "om": km * om * years,
        "hut_lease": huts * lease * years,
        "amplifiers": amplifiers,
        "terminals": 2 * lit_pairs * terminal,
    })


def _transponders_usd(book: CorridorPriceBook, paths: Sequence[PathUse]) -> float | None:
    """Return the transponders' price: the most waves of the term on each path x (2 ends + 2 per regen) x the
    path's transponder price; None when a path's rate has no transponder price."""
    prices = _prices(book, [f"transponder-{p.rate_gbps:g}g" for p in paths])
    if prices is None:
        return None
    return sum(max(p.waves) * (2 + 2 * p.regens) * price for p, price in zip(paths, prices, strict=True))


def dark_fiber_cost(
    book: CorridorPriceBook, paths: Sequence[PathUse], fibers: int, lit_pairs: int, term_years: int,
    escalator: float = 0.0,
) -> ServiceCost | None:
    """Return dark fiber's TCO as if the demand were bought alone: IRU on `fibers` per path route, escalated O&M
    and hut leases, an in-line amplifier per lit pair in every hut, terminals, transponders; None when the book
    lacks a price it needs."""
    fixed = _prices(book, ("dark-fiber-iru", "dark-fiber-om", "ila-hut-lease", "ila-amplifier", "terminal-line"))
    transponders = _transponders_usd(book, paths)
    if fixed is None or transponders is None:
        return None
    iru, om, lease, amp, terminal = fixed
    huts = sum(p.amplifiers for p in paths)
    km = sum(p.km for p in paths)
    years = escalated_years(term_years, escalator)
    # Each lit pair needs its own amplifier node in every hut it passes, of the line system's type there.
    amplifiers: float | None = huts * lit_pairs * amp
    if paths and all(len(p.hut_entries) == p.amplifiers for p in paths):
        amplifiers = hut_amplifiers_usd(book, [(e, lit_pairs) for p in paths for e in p.hut_entries])
        if amplifiers is None:
            return None
    return ServiceCost("dark-fiber", {
        "iru": fibers * km * iru,
        "om": km * om * years,
        "hut_lease": huts * lease * years,
        "amplifiers": amplifiers,
        "terminals": 2 * lit_pairs * len(paths) * terminal,
        "transponders": transponders,
    })


def waves_cost(book: CorridorPriceBook, paths: Sequence[PathUse]) -> ServiceCost | None:
    """Return managed waves' TCO: on each path, each year's waves x 12 months x its rate's price per wave-month
    per 1,000 km x path km; None when the book has no wave at a path's rate."""
    prices = _prices(book, [f"wave-{p.rate_gbps:g}g" for p in paths])
    if prices is None:
        return None
    return ServiceCost("waves", {"waves": sum(
        sum(p.waves) * MONTHS_PER_YEAR * price * p.km / 1000.0 for p, price in zip(paths, prices, strict=True)
    )})


def spectrum_cost(book: CorridorPriceBook, paths: Sequence[PathUse]) -> ServiceCost | None:
    """Return managed spectrum's TCO: on each path, each year's waves x slot GHz x 12 x price per GHz-month per
    1,000 km x path km, plus the buyer's transponders; None when the book lacks either price."""
    per_ghz = book.usd("spectrum")
    transponders = _transponders_usd(book, paths)
    if per_ghz is None or transponders is None:
        return None
    return ServiceCost("spectrum", {
        "spectrum": sum(sum(p.waves) * p.slot_ghz * MONTHS_PER_YEAR * per_ghz * p.km / 1000.0 for p in paths),
        "transponders": transponders,
    })


def service_costs(
    book: CorridorPriceBook,
    services: Sequence[str],
    paths: Sequence[PathUse],
    fibers: int,
    lit_pairs: int,
    term_years: int,
    escalator: float = 0.0,
) -> dict[str, ServiceCost]:
    """Return {service: cost} for each requested service the price book can price, in SERVICES order."""
    costs = {
        "dark-fiber": lambda: dark_fiber_cost(book, paths, fibers, lit_pairs, term_years, escalator),
        "waves": lambda: waves_cost(book, paths),
        "spectrum": lambda: spectrum_cost(book, paths),
    }
    out = {}
    for service in SERVICES:
        if service in services:
            cost = costs[service]()
            if cost is not None:
                out[service] = cost
    return out
