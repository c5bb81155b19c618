"""Corridor spec: pydantic models for `corridors/*.yaml` and a loader with line-aware errors."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aifabric.errors import SpecError

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Demand(BaseModel):
    """One A-Z capacity demand between two network sites."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=KEBAB)
    a: str = Field(min_length=1)
    z: str = Field(min_length=1)
    capacity_tbps: float = Field(gt=0)
    protection: Literal["none", "1+1"] = "none"
    max_latency_ms: float | None = Field(default=None, gt=0)
    mode: str | None = None

    @model_validator(mode="after")
    def _distinct_ends(self) -> Demand:
        if self.a == self.z:
            raise ValueError(f"a and z are the same site '{self.a}'; a demand needs two different sites")
        return self

    @property
    def demand_id(self) -> str:
        """Return the demand's id: the given one, or `a-z`."""
        return self.id or f"{self.a}-{self.z}"


class Optics(BaseModel):
    """The coherent mode used on every demand unless a demand names its own."""

    model_config = ConfigDict(extra="forbid")

    mode: str = "openzr-plus-400g"


class Amplifiers(BaseModel):
    """In-line amplifier rules: a span ends where its length or its loss would exceed the limit."""

    model_config = ConfigDict(extra="forbid")

    max_span_km: float = Field(default=100.0, gt=0)
    loss_db_per_km: float = Field(default=0.22, gt=0)
    # Connector and splice loss of one span (both ends together).
    connector_loss_db: float = Field(default=1.0, ge=0)
    # Aging and repair margin added to every span's loss.
    margin_db: float = Field(default=3.0, ge=0)
    # GNPy eqpt_config.json Span default max_loss.
    max_span_loss_db: float = Field(default=28.0, gt=0)

    @model_validator(mode="after")
    def _room_for_fiber(self) -> Amplifiers:
        if self.connector_loss_db + self.margin_db >= self.max_span_loss_db:
            raise ValueError(
                f"connector_loss_db + margin_db ({self.connector_loss_db + self.margin_db:g} dB) leaves no "
                f"room for fiber under max_span_loss_db ({self.max_span_loss_db:g} dB)"
            )
        return self


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
    from aifabric.spec.loader import load_yaml, validate

    data, lines = load_yaml(path)
    spec = validate(CorridorSpec, data, lines, str(path))
    if not spec.network.strip():
        raise SpecError(
            str(path), "network", "must name a GeoJSON or GNPy topology JSON file", lines.get(("network",))
        )
    return spec


def network_path(spec_path: str | Path, spec: CorridorSpec) -> Path:
    """Return the network file's path: as given if absolute, else relative to the spec file's folder."""
    candidate = Path(spec.network)
    return candidate if candidate.is_absolute() else Path(spec_path).parent / candidate


def load_corridor_spec_with_lines(path: str | Path) -> tuple[CorridorSpec, dict]:
    """Return (validated spec, {field path: line}) so later checks can name the line of a demand's field."""
    from aifabric.spec.loader import load_yaml, validate

    data, lines = load_yaml(path)
    return validate(CorridorSpec, data, lines, str(path)), lines
