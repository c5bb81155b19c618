"""Catalog models for the corridor designer: coherent modes and optical bands (with sources)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aifabric.catalog import load_entries, lookup

# ITU-T G.694.1 flexible grid: channel widths are multiples of 12.5 GHz.
SLOT_GHZ = 12.5


class Penalty(BaseModel):
    """One point of a mode's penalty curve, in GNPy's form: an impairment value and the OSNR penalty there.

    Exactly one of chromatic_dispersion (ps/nm), pmd (ps) or pdl (dB) is set. GNPy interpolates between the
    points and treats values beyond the last point as infeasible (infinite penalty).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    chromatic_dispersion: float | None = Field(default=None, ge=0)
    pmd: float | None = Field(default=None, ge=0)
    pdl: float | None = Field(default=None, ge=0)
    penalty_value: float = Field(ge=0)

    @model_validator(mode="after")
    def _one_impairment(self) -> Penalty:
        given = [k for k in ("chromatic_dispersion", "pmd", "pdl") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a penalty names exactly one of chromatic_dispersion, pmd, pdl")
        return self

    def gnpy(self) -> dict[str, float]:
        """Return the point as GNPy's eqpt_config.json writes it."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class CoherentMode(BaseModel):
    """One coherent transceiver mode: line rate, symbol rate, grid, reach, OSNR need and penalties."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    line_rate_gbps: float = Field(gt=0)
    baud_gbd: float = Field(gt=0)
    modulation: str
    fec: str
    spacing_ghz: float = Field(gt=0)
    # Claimed reach (used without GNPy) and the GNPy reference reach (see coherent.yaml's header).
    reach_km: float = Field(gt=0)
    gnpy_reach_km: float | None = Field(default=None, ge=0)
    required_osnr_db: float
    tx_osnr_db: float = Field(gt=0)
    launch_power_dbm: float
    dsp_latency_us: float = Field(ge=0)
    power_w: float | None = Field(default=None, gt=0)
    # GNPy's transceiver mode fields: spectral roll-off and the CD/PMD/PDL penalty curve.
    roll_off: float = Field(default=0.15, ge=0, le=1)
    penalties: tuple[Penalty, ...] = ()
    # Relative cost of one transponder (GNPy's mode `cost`); the planner minimises count x cost when every
    # allowed mode has one, and transponder count otherwise.
    cost: float | None = Field(default=None, gt=0)
    source: str = Field(min_length=3)

    @property
    def slots(self) -> int:
        """Return the 12.5 GHz flexgrid slots one channel of this mode occupies (ITU-T G.694.1)."""
        import math

        return math.ceil(self.spacing_ghz / SLOT_GHZ - 1e-9)


class Band(BaseModel):
    """An optical band: its frequency edges and usable width per fiber pair."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    f_min_thz: float = Field(gt=0)
    f_max_thz: float = Field(gt=0)
    width_thz: float = Field(gt=0)
    # The amplified sub-bands (f_min, f_max THz) when the band is not one contiguous range (C+L: the guard between
    # the L and C amplifiers carries no channel); width_thz is then their sum.
    sub_bands_thz: tuple[tuple[float, float], ...] = ()
    source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _sub_bands_add_up(self) -> Band:
        if self.sub_bands_thz:
            total = sum(hi - lo for lo, hi in self.sub_bands_thz)
            inside = all(self.f_min_thz <= lo < hi <= self.f_max_thz for lo, hi in self.sub_bands_thz)
            if not inside or abs(total - self.width_thz) > 1e-6:
                raise ValueError(f"sub_bands_thz must lie within f_min_thz..f_max_thz and add up to width_thz "
                                 f"({self.width_thz:g} THz), they add up to {total:g} THz")
        return self

    @property
    def ranges_thz(self) -> tuple[tuple[float, float], ...]:
        """Return the band's amplified ranges (f_min, f_max THz): its sub-bands, else f_min..f_min + width."""
        return self.sub_bands_thz or ((self.f_min_thz, self.f_min_thz + self.width_thz),)

    def channels(self, grid_ghz: float) -> int:
        """Return the channels one fiber pair carries at `grid_ghz`: whole channels in each sub-band."""
        import math

        return sum(math.floor((hi - lo) * 1000.0 / grid_ghz + 1e-9) for lo, hi in self.ranges_thz)

    def slots(self) -> tuple[int, int]:
        """Return (flexgrid slot index span from the band's lowest edge, mask of the slots in guards between
        sub-bands): 12.5 GHz slots (ITU-T G.694.1); a channel never overlaps a guard slot."""
        lo0 = self.ranges_thz[0][0]
        span = round((self.ranges_thz[-1][1] - lo0) * 1000.0 / SLOT_GHZ)
        guard = (1 << span) - 1
        for lo, hi in self.ranges_thz:
            first, last = round((lo - lo0) * 1000.0 / SLOT_GHZ), round((hi - lo0) * 1000.0 / SLOT_GHZ)
            guard &= ~(((1 << (last - first)) - 1) << first)
        return span, guard


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
