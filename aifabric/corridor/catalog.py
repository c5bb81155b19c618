"""Catalog models for the corridor designer: coherent modes and optical bands (with sources)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from aifabric.catalog import load_entries, lookup


class CoherentMode(BaseModel):
    """One coherent transceiver mode: line rate, symbol rate, grid, reach and OSNR need."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    line_rate_gbps: float = Field(gt=0)
    baud_gbd: float = Field(gt=0)
    modulation: str
    fec: str
    spacing_ghz: float = Field(gt=0)
    reach_km: float = Field(gt=0)
    required_osnr_db: float
    tx_osnr_db: float = Field(gt=0)
    launch_power_dbm: float
    dsp_latency_us: float = Field(ge=0)
    power_w: float | None = Field(default=None, gt=0)
    source: str = Field(min_length=3)


class Band(BaseModel):
    """An optical band: its frequency edges and usable width per fiber pair."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    f_min_thz: float = Field(gt=0)
    f_max_thz: float = Field(gt=0)
    width_thz: float = Field(gt=0)
    source: str = Field(min_length=3)


def load_modes(user_dir: str | Path | None = None) -> dict[str, CoherentMode]:
    """Return {id: coherent mode} from the shipped catalog merged with a user's catalog directory."""
    return load_entries("coherent", CoherentMode, user_dir)


def load_bands(user_dir: str | Path | None = None) -> dict[str, Band]:
    """Return {id: band} from the shipped catalog merged with a user's catalog directory."""
    return load_entries("bands", Band, user_dir)


def mode(modes: dict[str, CoherentMode], mode_id: str) -> CoherentMode:
    """Return one coherent mode or raise CatalogError with a did-you-mean."""
    return lookup(modes, mode_id, "coherent mode")


def band(bands: dict[str, Band], band_id: str) -> Band:
    """Return one band or raise CatalogError."""
    return lookup(bands, band_id, "band")
