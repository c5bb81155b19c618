"""Corridor spec: pydantic models for `corridors/*.yaml` and a loader with line-aware errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aifabric.errors import SpecError

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_DEMAND_TBPS = 10_000


class Handoff(BaseModel):
    """What the carrier hands the buyer at each end of a demand: the client interface and its connector."""

    model_config = ConfigDict(extra="forbid")

    interface: str = Field(min_length=1)
    connector: str = Field(min_length=1)


class Demand(BaseModel):
    """One A-Z capacity demand between two network sites."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=KEBAB)
    a: str = Field(min_length=1)
    z: str = Field(min_length=1)
    # 10 Pb/s: some 100 fully lit C+L fiber pairs; more in one demand is a typo (1e9 made 2.5 billion waves).
    capacity_tbps: float = Field(gt=0, le=MAX_DEMAND_TBPS)
    # none; 1+1 (both paths carry every wave, ITU-T G.873.1 1+1); 1:1 (the protect path carries pre-emptible
    # extra traffic until a switch, G.873.1 1:1 APS); restoration (1+1 plus a third node-diverse path the failed
    # path is restored onto within `availability.restoration_s`); n-path (the capacity split over `paths` diverse
    # paths, each sized so the others carry it all when one is cut).
    protection: Literal["none", "1+1", "1:1", "restoration", "n-path"] = "none"
    # Diverse paths of an n-path demand (each carries capacity / (paths - 1)).
    paths: int | None = Field(default=None, ge=3, le=8)
    max_latency_ms: float | None = Field(default=None, gt=0)
    mode: str | None = None
    # Availability SLA of this demand in percent (e.g. 99.99); the spec's `availability.sla` when not given.
    sla: float | None = Field(default=None, gt=0, lt=100)
    # Modes this demand may use (the planner picks the cheapest that closes); `mode` alone means just that one.
    modes: list[str] | None = Field(default=None, min_length=1)
    # How diverse the 1+1 paths must be; unset = the spec's `diversity`.
    diversity: Literal["srlg", "node", "building"] | None = None

    # Client interface and connector handed off at both ends (default: from the wave's line rate, see rfp).
    handoff: Handoff | None = None

    @model_validator(mode="after")
    def _distinct_ends(self) -> Demand:
        if self.a == self.z:
            raise ValueError(f"a and z are the same site '{self.a}'; a demand needs two different sites")
        if self.paths is not None and self.protection != "n-path":
            raise ValueError(f"paths: {self.paths} needs protection: n-path (it is '{self.protection}')")
        return self

    @property
    def path_count(self) -> int:
        """Return how many diverse paths the demand's protection routes: 1, 2, 3, or `paths` for n-path."""
        return {"none": 1, "1+1": 2, "1:1": 2, "restoration": 3}.get(self.protection, self.paths or 3)

    @property
    def protected(self) -> bool:
        """Return True when the demand survives a single cut (every scheme but none)."""
        return self.protection != "none"

    @property
    def demand_id(self) -> str:
        """Return the demand's id: the given one, or `a-z`."""
        return self.id or f"{self.a}-{self.z}"


class Optics(BaseModel):
    """The coherent mode(s) every demand may use unless a demand names its own.

    `modes` lists the rates the planner may choose from (per path, the cheapest that closes, e.g. a carrier
    lowering 400G to 300G rather than adding a regen); without it, `mode` is the only one.
    """

    model_config = ConfigDict(extra="forbid")

    mode: str = "openzr-plus-400g"
    modes: list[str] | None = Field(default=None, min_length=1)


# The amplifier families a line system may use (aifabric/catalog/line-equipment.yaml, role ila):
# edfa = EDFAs only; raman-hybrid = a Raman+EDFA hybrid after every span whose loss is within the hybrid's gain
# range (EDFAs elsewhere); auto = per span, the catalog amplifier with the lowest noise figure at that span's gain.
AMPLIFIER_TYPES = ("edfa", "raman-hybrid", "auto")


class Amplifiers(BaseModel):
    """In-line amplifier rules: a span ends where its length or its loss would exceed the limit; `type` is the
    amplifier family the line system uses (`amplifiers: edfa` is short for `amplifiers: {type: edfa}`)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["edfa", "raman-hybrid", "auto"] = "auto"

    max_span_km: float = Field(default=100.0, gt=0)
    loss_db_per_km: float = Field(default=0.22, gt=0)
    # Connector and splice loss of one span (both ends together).
    connector_loss_db: float = Field(default=1.0, ge=0)
    # Aging and repair margin added to every span's loss.
    margin_db: float = Field(default=3.0, ge=0)
    # GNPy eqpt_config.json Span default max_loss.
    max_span_loss_db: float = Field(default=28.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _type_shorthand(cls, data):
        # `amplifiers: edfa` names the family alone and keeps every span rule's default.
        return {"type": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _room_for_fiber(self) -> Amplifiers:
        if self.connector_loss_db + self.margin_db >= self.max_span_loss_db:
            raise ValueError(
                f"connector_loss_db + margin_db ({self.connector_loss_db + self.margin_db:g} dB) leaves no "
                f"room for fiber under max_span_loss_db ({self.max_span_loss_db:g} dB)"
            )
        return self


class Availability(BaseModel):
    """Fiber-cut and repair figures for availability, and the SLA each demand is checked against."""

    model_config = ConfigDict(extra="forbid")

    # Bellcore buried-cable figure: 2.13 service-affecting cuts per 1,000 route-km per year.
    cut_rate_per_1000km_yr: float = Field(default=2.13, ge=0)
    # Mean time to repair a fiber cut, hours (UNSURE planning default for rural long-haul buried cable).
    mttr_h: float = Field(default=12.0, gt=0)
    # Availability SLA in percent of protected demands; a demand may set its own `sla`.
    sla: float | None = Field(default=99.99, gt=0, lt=100)
    # Availability SLA of unprotected demands, none unless asked (carriers quote about 99.5-99.9 % for an
    # unprotected long-haul wave; a buried route is down about cut rate x km x MTTR a year, ~10 h for 400 km).
    sla_unprotected: float | None = Field(default=None, gt=0, lt=100)
    # Time to restore a cut path onto the restoration path (protection: restoration), seconds. UNSURE: a
    # GMPLS/WSON optical restoration (path computation, ROADM reconfiguration, amplifier settling) takes tens of
    # seconds to minutes.
    restoration_s: float = Field(default=120.0, gt=0)
    # SLA credits: [availability below (percent), credit (percent of the monthly charge)] (UNSURE: typical
    # carrier terms); outages in 12 months that make a path chronic (the buyer may then terminate it).
    credit_tiers: list[tuple[float, float]] = Field(
        default_factory=lambda: [(99.99, 10.0), (99.9, 25.0), (99.5, 50.0), (99.0, 100.0)], min_length=1
    )
    chronic_outages_per_12_months: int = Field(default=3, ge=1)

    @field_validator("credit_tiers")
    @classmethod
    def _tiers(cls, tiers: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if any(not 0 < below < 100 or not 0 < credit <= 100 for below, credit in tiers):
            raise ValueError("each tier is [availability below, 0-100 %; credit, 0-100 % of the monthly charge]")
        if any(b >= a for (a, _), (b, _) in zip(tiers, tiers[1:], strict=False)):
            raise ValueError("tiers must list availabilities from highest to lowest")
        return tiers


class Delivery(BaseModel):
    """When and how the service is delivered: ready-for-service date, term start, acceptance window."""

    model_config = ConfigDict(extra="forbid")

    # ISO dates (YAML reads 2027-06-30 as a date).
    ready_for_service: date | None = None
    term_start: date | None = None
    # Days the buyer has to run the acceptance tests after the carrier's notice of completion.
    acceptance_days: int = Field(default=5, ge=1, le=90)


class AsBuilt(BaseModel):
    """Measured facts of a segment that override the geodesic estimate: OTDR length, span losses, huts, fiber."""

    model_config = ConfigDict(extra="forbid")

    length_km: float | None = Field(default=None, gt=0)
    # Measured loss of each span, a to z; with `huts_km` one more loss than huts.
    span_loss_db: list[float] | None = Field(default=None, min_length=1)
    # Existing amplifier huts, fiber km from the segment's `a` end, ascending.
    huts_km: list[float] | None = None
    # A fiber-type catalog id: g652d, g654e, hcf (aifabric/catalog/fibers.yaml).
    fiber: str | None = Field(default=None, pattern=KEBAB)

    @field_validator("span_loss_db")
    @classmethod
    def _positive_losses(cls, losses: list[float] | None) -> list[float] | None:
        if losses is not None and any(not 0 < loss < 100 for loss in losses):
            raise ValueError("every span loss must be between 0 and 100 dB")
        return losses

    @model_validator(mode="after")
    def _huts_inside(self) -> AsBuilt:
        huts = self.huts_km or []
        if any(b <= a for a, b in zip(huts, huts[1:], strict=False)) or any(h <= 0 for h in huts):
            raise ValueError("huts_km must be positive and ascending (fiber km from the segment's a end)")
        if self.length_km is not None and huts and huts[-1] >= self.length_km:
            raise ValueError(f"hut at {huts[-1]:g} km is not inside the {self.length_km:g} km segment")
        if self.huts_km is not None and self.span_loss_db is not None and len(self.span_loss_db) != len(huts) + 1:
            raise ValueError(
                f"{len(huts)} huts make {len(huts) + 1} spans, but span_loss_db lists {len(self.span_loss_db)}"
            )
        return self


class Demarcation(BaseModel):
    """Where the carrier hands the service off at a site: the building and its meet-me room."""

    model_config = ConfigDict(extra="forbid")

    building: str = Field(min_length=1)
    room: str | None = None


class CorridorSpec(BaseModel):
    """A corridor spec: the network file, the demands and the optical planning rules."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=KEBAB)
    network: str = Field(min_length=1)
    demands: list[Demand] = Field(min_length=1, max_length=10_000)
    optics: Optics = Field(default_factory=Optics)
    band: Literal["C", "C+L"] = "C"
    grid_ghz: float | None = Field(default=None, gt=0)
    amplifiers: Amplifiers = Field(default_factory=Amplifiers)
    slack: float = Field(default=1.05, ge=1.0, le=3.0)
    gnpy_check: bool = True
    availability: Availability = Field(default_factory=Availability)
    # Contract term and the yearly growth of every demand's capacity over it (0.3 = 30 % a year).
    term_years: int = Field(default=10, ge=1, le=40)
    growth_cagr: float = Field(default=0.0, ge=0, le=5)
    # The service type to price; `compare` prices every type the price book can.
    service: Literal["dark-fiber", "waves", "spectrum", "compare"] = "compare"
    # Spare fiber pairs for restoration and maintenance, as a fraction of lit pairs (at least one pair).
    spare_fiber_fraction: float = Field(default=0.25, ge=0, le=4)
    # Corridor price book CSV (relative to the spec file); the shipped INDICATIVE one when not given.
    prices: str | None = Field(default=None, min_length=1)
    # Yearly escalator of recurring charges (O&M, hut leases) (UNSURE: IRU O&M commonly escalates ~3 % a year).
    om_escalator: float = Field(default=0.03, ge=0, le=0.5)
    delivery: Delivery = Field(default_factory=Delivery)
    # Client interface and connector at every demand end, unless a demand names its own.
    handoff: Handoff | None = None
    # Measured facts per segment id.
    as_built: dict[str, AsBuilt] = Field(default_factory=dict)
    # Hand-off building and meet-me room per site id.
    demarcation: dict[str, Demarcation] = Field(default_factory=dict)
    # System margin every section must keep above the mode's required OSNR plus penalties (GNPy SI
    # `sys_margins`, 2 dB in its example library; planning practice is 2-3 dB).
    sys_margin_db: float = Field(default=2.0, ge=0, le=20)
    # 1+1 diversity: srlg = no shared segment or SRLG; node = also no shared intermediate site; building = also
    # no two sites in one building (a site's `building` property in the network).
    diversity: Literal["srlg", "node", "building"] = "node"
    # Write a plan whose sections cannot close (marked FAIL) instead of stopping with an error.
    allow_infeasible: bool = False
    # Where a regen may stand: the network's sites (ROADM/POP/DC, staffed by the carrier), or also ILA huts
    # (a regen there puts a ROADM and transponders in an unstaffed hut).
    regen_at: Literal["sites", "sites+huts"] = "sites"

    @field_validator("demands")
    @classmethod
    def _unique_ids(cls, demands: list[Demand]) -> list[Demand]:
        seen: set[str] = set()
        for demand in demands:
            if demand.demand_id in seen:
                raise ValueError(
                    f"duplicate demand id '{demand.demand_id}'; give each demand a distinct `id`"
                )
            seen.add(demand.demand_id)
        return demands


def load_corridor_spec(path: str | Path) -> CorridorSpec:
    """Return the validated corridor spec, or raise SpecError/SpecErrors naming file, line and field."""
    from aifabric.spec.kind import check_kind
    from aifabric.spec.loader import load_yaml, validate

    data, lines = load_yaml(path)
    check_kind(path, data, "corridor")
    spec = validate(CorridorSpec, data, lines, str(path))
    if not spec.network.strip():
        raise SpecError(
            str(path), "network", "must name a GeoJSON or GNPy topology JSON file", lines.get(("network",))
        )
    return spec


def network_path(spec_path: str | Path, spec: CorridorSpec, lines: dict | None = None) -> Path:
    """Return the network file's path: as given if absolute, else relative to the spec file's folder. Raise
    SpecError when no file is there, saying where it looked and why (a copied spec loses its network)."""
    candidate = Path(spec.network)
    path = candidate if candidate.is_absolute() else Path(spec_path).parent / candidate
    if not path.exists():
        how = "" if candidate.is_absolute() else (
            f" (a relative network path is read from the spec file's folder, {Path(spec_path).parent}/; "
            "give an absolute path or a path relative to the spec)")
        raise SpecError(str(spec_path), "network", f"network file {path} does not exist{how}",
                        (lines or {}).get(("network",)))
    return path


def load_corridor_spec_with_lines(path: str | Path) -> tuple[CorridorSpec, dict]:
    """Return (validated spec, {field path: line}) so later checks can name the line of a demand's field."""
    from aifabric.spec.kind import check_kind
    from aifabric.spec.loader import load_yaml, validate

    data, lines = load_yaml(path)
    check_kind(path, data, "corridor")
    return validate(CorridorSpec, data, lines, str(path)), lines
