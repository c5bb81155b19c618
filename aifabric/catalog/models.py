"""Typed catalog entries for the fabric designer, and the bundle of everything a fabric plan needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from aifabric.catalog import load_entries, lookup
from aifabric.errors import SpecError

_ID = r"^[a-z0-9][a-z0-9-]*$"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID)
    source: str = Field(min_length=3)


class Switch(_Entry):
    """A switch model: cages of cage_gbps, broken out into ports at any of speeds_gbps."""

    name: str
    manufacturer: str
    model: str
    family: Literal["ethernet", "infiniband"]
    cages: int = Field(gt=0)
    cage_form: str
    cage_gbps: int = Field(gt=0)
    speeds_gbps: list[int] = Field(min_length=1)
    port_name: str = "swp{cage}s{lane}"
    port_name_unsplit: str = "swp{cage}"
    power_w: float = Field(ge=0)
    latency_ns: float = Field(ge=0)
    height_u: int = Field(default=1, gt=0)
    # Shared packet buffer of the ASIC (MB = 10^6 bytes): what PFC headroom must fit in at a site edge.
    buffer_mb: float | None = Field(default=None, gt=0)
    buffer_source: str | None = None

    @field_validator("speeds_gbps")
    @classmethod
    def _speeds_divide_cage(cls, speeds: list[int], info: ValidationInfo) -> list[int]:
        cage_gbps = info.data.get("cage_gbps")
        for speed in speeds:
            if speed <= 0 or (cage_gbps and cage_gbps % speed):
                raise ValueError(f"speed {speed} does not divide cage_gbps {cage_gbps}; a cage breaks out into "
                                 f"equal ports")
        return speeds

    def ports_per_cage(self, speed_gbps: int) -> int:
        """Return how many logical ports one cage breaks out into at this speed."""
        return self.cage_gbps // speed_gbps

    def radix(self, speed_gbps: int) -> int:
        """Return the number of ports at this speed (the switch's radix k)."""
        return self.cages * self.ports_per_cage(speed_gbps)

    def port_name_of(self, cage_index: int, lane: int, speed_gbps: int) -> str:
        """Return the interface name of a 0-based cage and lane, as the switch's OS names it."""
        if self.ports_per_cage(speed_gbps) == 1:
            return self.port_name_unsplit.format(cage=cage_index + 1)
        return self.port_name.format(cage=cage_index + 1, lane=lane, lane1=lane + 1)


class Nic(_Entry):
    """A backend NIC."""

    name: str
    rate_gbps: int = Field(gt=0)
    cage_form: str
    ports_per_cage: int = Field(default=1, gt=0)
    power_w: float = Field(ge=0)
    latency_ns: float = Field(ge=0)


class Server(_Entry):
    """A GPU server: gpus GPUs, one backend NIC per GPU."""

    name: str
    gpus: int = Field(gt=0)
    nic: str
    # The GPU model (a `gpus` catalog id): its peak FLOP/s size training step times.
    gpu: str | None = None
    nic_cage_form: str | None = None
    nic_cage_ports: int = Field(default=1, gt=0)
    power_w: float = Field(ge=0)


class Gpu(_Entry):
    """A GPU model: peak dense (no sparsity) BF16 tensor throughput."""

    name: str
    peak_dense_bf16_tflops: float = Field(gt=0)


class Transceiver(_Entry):
    """A pluggable optical module."""

    part: str
    name: str
    form: str
    module_gbps: int = Field(gt=0)
    fiber: Literal["mmf", "smf"]
    reach_m: float = Field(gt=0)
    power_w: float = Field(ge=0)


class Cable(_Entry):
    """A copper cable or a fiber cord, orderable in lengths_m."""

    part: str
    name: str
    kind: Literal["dac", "splitter-dac", "acc", "fiber"]
    cable_gbps: int = Field(gt=0)
    reach_m: float = Field(gt=0)
    lengths_m: list[float] = Field(min_length=1)
    power_w: float = Field(ge=0)
    propagation_ns_per_m: float = Field(gt=0)


class Medium(_Entry):
    """A way to build a link: copper cable, or a module at each end and a fiber cord."""

    name: str
    cost_rank: int
    ends: list[Literal["switch-switch", "switch-nic"]]
    reach_m: float = Field(gt=0)
    cable: str
    switch_transceiver: str | None = None
    nic_transceiver: dict[str, str] = Field(default_factory=dict)
    fec_ns: float = Field(ge=0)
    dsp_ns: float = Field(ge=0)

    @property
    def optical(self) -> bool:
        """Return True when the medium needs transceivers."""
        return self.switch_transceiver is not None


@dataclass(frozen=True)
class Hardware:
    """Every catalog kind the fabric designer uses, loaded once."""

    switches: dict[str, Switch]
    nics: dict[str, Nic]
    servers: dict[str, Server]
    transceivers: dict[str, Transceiver]
    cables: dict[str, Cable]
    media: dict[str, Medium]
    gpus: dict[str, Gpu]

    def switch(self, switch_id: str) -> Switch:
        """Return a switch by id or raise CatalogError."""
        return lookup(self.switches, switch_id, "switch")

    def nic(self, nic_id: str) -> Nic:
        """Return a NIC by id or raise CatalogError."""
        return lookup(self.nics, nic_id, "nic")

    def server(self, server_id: str) -> Server:
        """Return a server by id or raise CatalogError."""
        return lookup(self.servers, server_id, "server")

    def medium(self, medium_id: str) -> Medium:
        """Return a medium by id or raise CatalogError."""
        return lookup(self.media, medium_id, "medium")

    def gpu(self, gpu_id: str) -> Gpu:
        """Return a GPU model by id or raise CatalogError."""
        return lookup(self.gpus, gpu_id, "gpu")


KINDS = {
    "switches": Switch, "nics": Nic, "servers": Server,
    "transceivers": Transceiver, "cables": Cable, "media": Medium, "gpus": Gpu,
}


def load_hardware(user_dir: str | Path | None = None) -> Hardware:
    """Return the shipped catalog merged with a user's catalog directory, cross-references checked."""
    loaded = {kind: load_entries(kind, model, user_dir) for kind, model in KINDS.items()}
    hardware = Hardware(**loaded)
    def dangling(kind: str, entry_id: str, field: str, what: str, value: str, known) -> SpecError:
        from aifabric.catalog import ORIGINS
        from aifabric.spec.loader import suggest

        file, line = ORIGINS.get((kind, entry_id), (f"catalog {kind}", None))
        return SpecError(file, f"{entry_id}.{field}", f"unknown {what} '{value}'{suggest(value, list(known))}; "
                         f"known: {', '.join(sorted(known))}", line=line)

    for server in hardware.servers.values():
        if server.nic not in hardware.nics:
            raise dangling("servers", server.id, "nic", "nic", server.nic, hardware.nics)
        if server.gpu is not None and server.gpu not in hardware.gpus:
            raise dangling("servers", server.id, "gpu", "gpu", server.gpu, hardware.gpus)
    for medium in hardware.media.values():
        if medium.cable not in hardware.cables:
            raise dangling("media", medium.id, "cable", "cable", medium.cable, hardware.cables)
        parts = [medium.switch_transceiver, *medium.nic_transceiver.values()]
        for part in parts:
            if part is not None and part not in hardware.transceivers:
                raise dangling("media", medium.id, "transceiver", "transceiver", part, hardware.transceivers)
    return hardware
