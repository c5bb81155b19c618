"""Catalog models for corridor line equipment (ILA, ROADM, transponder, terminal, protection) and fiber types."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aifabric.catalog import load_entries, lookup
from aifabric.units import SPEED_OF_LIGHT_KM_PER_S


class LineEquipment(BaseModel):
    """One kind of line equipment: its rack space, power and reliability (FIT and MTTR)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    role: Literal["ila", "roadm", "transponder", "terminal", "protection"]
    rack_units: float = Field(ge=0)
    # None: the power comes from elsewhere (a transponder's power is its coherent mode's power_w).
    power_w: float | None = Field(default=None, ge=0)
    fit: float = Field(ge=0, description="failures per 10^9 device-hours")
    mttr_h: float = Field(gt=0)
    switching_ms: float | None = Field(default=None, gt=0)
    # The GNPy amplifier (eqpt_config.json Edfa type_variety) this entry is in the line model: an ILA node's
    # amplifier, a ROADM node's booster. `family` is the spec's `amplifiers.type` it belongs to.
    gnpy_type_variety: str | None = None
    family: Literal["edfa", "raman-hybrid"] | None = None
    source: str = Field(min_length=3)

    @property
    def mtbf_h(self) -> float:
        """Return the mean time between failures in hours: 10^9 / FIT (infinite when FIT is 0)."""
        return float("inf") if self.fit == 0 else 1e9 / self.fit


class FiberType(BaseModel):
    """A fiber type: cabled loss, group index (hence latency per km), dispersion and effective area."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    loss_db_per_km: float = Field(gt=0)
    group_index: float = Field(ge=1.0)
    dispersion_ps_nm_km: float
    effective_area_um2: float = Field(gt=0)
    # Nonlinear coefficient; None = silica's, which GNPy derives from n2 = 2.6e-20 m2/W and the effective area.
    gamma_per_w_km: float | None = Field(default=None, gt=0)
    pmd_ps_per_sqrt_km: float = Field(default=0.04, ge=0)
    # Whether distributed Raman gain works in it (silica cores; not an air core).
    raman: bool = True
    source: str = Field(min_length=3)

    def gnpy_params(self) -> dict[str, float]:
        """Return the fiber's physics as GNPy Fiber params (SI units): dispersion, effective area, PMD and the
        nonlinear coefficient when it is not silica's."""
        params = {
            "dispersion": self.dispersion_ps_nm_km * 1e-6,
            "effective_area": self.effective_area_um2 * 1e-12,
            "pmd_coef": self.pmd_ps_per_sqrt_km * 1e-12 / 1000**0.5,
        }
        if self.gamma_per_w_km is not None:
            params["gamma"] = self.gamma_per_w_km * 1e-3
        return params

    @property
    def us_per_km(self) -> float:
        """Return the one-way propagation delay in microseconds per km: group index / c."""
        return self.group_index / SPEED_OF_LIGHT_KM_PER_S * 1e6


def load_line_equipment(user_dir: str | Path | None = None) -> dict[str, LineEquipment]:
    """Return {id: line equipment} from the shipped catalog merged with a user's catalog directory."""
    return load_entries("line-equipment", LineEquipment, user_dir)


def load_fibers(user_dir: str | Path | None = None) -> dict[str, FiberType]:
    """Return {id: fiber type} from the shipped catalog merged with a user's catalog directory."""
    return load_entries("fibers", FiberType, user_dir)


# The catalog id the planner uses for each role; override an entry with `--catalog DIR` under the same id.
ROLE_IDS = {
    "ila": "ila-amplifier",
    "roadm": "roadm-node",
    "transponder": "coherent-transponder",
    "terminal": "terminal-line",
    "protection": "protection-switch",
}


def equipment_by_role(entries: dict[str, LineEquipment]) -> dict[str, LineEquipment]:
    """Return {role: entry} of the entries the planner uses (ROLE_IDS), or raise CatalogError if one is missing."""
    return {role: lookup(entries, entry_id, "line-equipment entry") for role, entry_id in ROLE_IDS.items()}


def line_amplifiers(entries: dict[str, LineEquipment]) -> list[LineEquipment]:
    """Return the in-line amplifier entries that name a GNPy amplifier (role ila), in id order."""
    return [e for _, e in sorted(entries.items()) if e.role == "ila" and e.gnpy_type_variety and e.family]


def fiber(fibers: dict[str, FiberType], fiber_id: str) -> FiberType:
    """Return one fiber type or raise CatalogError with a did-you-mean."""
    return lookup(fibers, fiber_id, "fiber type")
