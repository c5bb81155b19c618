"""The scale-across spec: sites (a fabric spec, or GPUs and a server), the corridor spec that joins them, a training
job, and the protection, growth and transport choices. Loaded with line-aware one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aifabric.spec.loader import LineMap

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_SITES = 16
MAX_GPUS = 10_000_000


class Site(BaseModel):
    """A training site: where it stands on the corridor network and what GPUs it holds."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str = Field(pattern=KEBAB)
    # The corridor network's site id (defaults to `id`).
    at: str | None = Field(default=None, min_length=1)
    # A fabric spec (path relative to this file): GPUs, server and site-edge switch come from it.
    fabric: str | None = Field(default=None, min_length=1)
    gpus: int | None = Field(default=None, gt=0, le=MAX_GPUS, strict=True)
    server: str | None = None
    # A `gpus` catalog id; defaults to the server's GPU.
    gpu: str | None = None
    # The switch at the site edge that faces the corridor (a `switches` catalog id); defaults to the fabric's switch,
    # else transport.edge_switch.
    edge_switch: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Site:
        if self.fabric is None and self.gpus is None:
            raise ValueError(f"site '{self.id}': give a fabric spec (fabric: ...) or gpus with a server")
        if self.fabric is not None and (self.gpus is not None or self.server is not None):
            raise ValueError(f"site '{self.id}': give fabric or gpus/server, not both (the fabric spec sizes the site)")
        if self.gpus is not None and self.server is None and self.gpu is None:
            raise ValueError(f"site '{self.id}': gpus needs a server (catalog id) or a gpu model")
        return self

    @property
    def network_site(self) -> str:
        """Return the corridor network site id this site stands at."""
        return self.at or self.id


class Job(BaseModel):
    """The training job spread over the sites."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    params_total_b: float = Field(gt=0, le=1e6)
    params_active_b: float | None = Field(default=None, gt=0, le=1e6)
    tokens_per_step_m: float = Field(gt=0, le=1e6)
    grad_bits: int = Field(default=16, gt=0, le=64, strict=True)
    mfu: float = Field(gt=0, le=1)
    # Share of the step the inter-site exchange hides behind; unset = from the model (backward share less the
    # last bucket for DDP, the whole step less two buckets for FSDP, 0 for blocking DiLoCo).
    overlap: float | None = Field(default=None, gt=0, le=1)
    # Gradient bucket (DDP bucket_cap_mb): the last one is always exposed.
    bucket_mb: float = Field(default=25.0, gt=0, le=1e6)
    split: Literal["data", "pipeline"] = "data"
    # ddp: gradients all-reduced across sites (2 (S-1)/S per ring link); fsdp: ZeRO-3 across sites, parameters
    # gathered twice and gradients scattered once (1.5 x the traffic).
    parallelism: Literal["ddp", "fsdp"] = "ddp"
    # The inter-site collective: auto picks the one needing the least capacity x km that meets the target.
    algorithm: Literal["auto", "ring", "bidirectional-ring", "mesh", "hierarchical"] = "auto"
    sync_every_steps: int = Field(default=1, ge=1, le=100_000, strict=True)
    # DiLoCo (sync_every_steps > 1): blocking = every site waits for the outer all-reduce; streaming / eager overlap
    # it with the next inner steps.
    outer_sync: Literal["blocking", "streaming", "eager"] = "blocking"
    pseudo_gradient_bits: int = Field(default=32, gt=0, le=64, strict=True)
    # flops: tokens in proportion to each site's FLOP/s (equal step times); equal: the same tokens per GPU, so the
    # slowest GPUs set the pace.
    token_split: Literal["flops", "equal"] = "flops"
    hidden_size: int | None = Field(default=None, gt=0, le=1_000_000, strict=True)
    activation_bits: int = Field(default=16, gt=0, le=64, strict=True)

    @model_validator(mode="after")
    def _consistent(self) -> Job:
        if self.params_active_b is not None and self.params_active_b > self.params_total_b:
            raise ValueError(
                f"params_active_b ({self.params_active_b:g}) exceeds params_total_b ({self.params_total_b:g})"
            )
        if self.split == "pipeline" and self.hidden_size is None:
            raise ValueError("split: pipeline needs hidden_size (the model width crossing the site boundary)")
        return self

    @property
    def diloco(self) -> bool:
        """Return True when the sites synchronise an outer step every H > 1 inner steps (data split)."""
        return self.split == "data" and self.sync_every_steps > 1

    @property
    def active_b(self) -> float:
        """Return the active parameters per token in billions (total for a dense model)."""
        return self.params_active_b if self.params_active_b is not None else self.params_total_b


class Transport(BaseModel):
    """How the exchange crosses the site edge: the transport and its achieved share of line rate, port speeds to
    judge, host MTU, lossless priorities, default edge switch."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    # roce-lossy: RoCE with end-to-end congestion control over the long haul; roce-xgs: distance-aware congestion
    # control (Spectrum-XGS); tcp: many TCP streams; gateway: a deep-buffer gateway terminating RoCE at each edge.
    kind: Literal["roce-lossy", "roce-xgs", "tcp", "gateway"] = "roce-lossy"
    # Achieved collective throughput / line rate; unset = the published (or UNSURE) default for the kind.
    efficiency: float | None = Field(default=None, gt=0, le=1)
    port_speeds_gbps: list[int] = Field(default_factory=lambda: [400, 800], min_length=1, max_length=8)
    # Host netdev MTU, the one mlx5's headroom formula reads.
    mtu_bytes: int = Field(default=9000, ge=1500, le=9216, strict=True)
    lossless_priorities: int = Field(default=1, ge=1, le=8, strict=True)
    edge_switch: str = "sn5600"

    @model_validator(mode="after")
    def _speeds(self) -> Transport:
        for speed in self.port_speeds_gbps:
            if speed <= 0:
                raise ValueError(f"port_speeds_gbps: {speed} is not a port speed; give Gb/s > 0")
        if len(set(self.port_speeds_gbps)) != len(self.port_speeds_gbps):
            raise ValueError("port_speeds_gbps: each speed once")
        return self


class Recovery(BaseModel):
    """What a fiber cut costs as an event: protection switchover, RoCE retransmission, the collective timeout and a
    restart from the last checkpoint; unset fields take the sourced defaults."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    switchover_ms: float | None = Field(default=None, ge=0, le=3_600_000)
    retransmit_timeout_ms: float | None = Field(default=None, gt=0, le=3_600_000)
    retry_count: int | None = Field(default=None, ge=0, le=64, strict=True)
    collective_timeout_s: float | None = Field(default=None, gt=0, le=86_400)
    checkpoint_interval_h: float | None = Field(default=None, gt=0, le=10_000)
    restart_h: float | None = Field(default=None, ge=0, le=10_000)
    # An elastic job continues on the sites still joined while a path is down (and rejoins after the repair).
    elastic: bool = False


class ScaleAcrossSpec(BaseModel):
    """A multi-site training plan: sites, the corridor spec joining them, the job and the service choices."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(pattern=KEBAB)
    description: str | None = None
    sites: list[Site] = Field(min_length=2, max_length=MAX_SITES)
    # Order of the sites around the ring (data split) or along the pipeline; default: as listed.
    ring: list[str] | None = None
    corridor: str = Field(min_length=1)
    job: Job
    protection: Literal["none", "1+1", "split"] = "1+1"
    # Demand = R x (1 + growth).
    growth: float = Field(default=0.0, ge=0, le=100)
    capacity_multiples: list[float] = Field(default_factory=lambda: [0.25, 0.5, 1.0, 2.0], min_length=1,
                                            max_length=32)
    transport: Transport = Field(default_factory=Transport)
    # Efficiency the corridor is sized for; unset = hide the exchange (1.0), or the fallback target when nothing
    # can hide it (blocking DiLoCo, a round trip longer than the window).
    target_efficiency: float | None = Field(default=None, gt=0, le=1)
    recovery: Recovery = Field(default_factory=Recovery)

    @model_validator(mode="after")
    def _unique_sites(self) -> ScaleAcrossSpec:
        seen: set[str] = set()
        places: set[str] = set()
        for site in self.sites:
            if site.id in seen:
                raise ValueError(f"duplicate site id '{site.id}'")
            if site.network_site in places:
                raise ValueError(f"two sites stand at network site '{site.network_site}'; one site per place")
            seen.add(site.id)
            places.add(site.network_site)
        for multiple in self.capacity_multiples:
            if multiple <= 0:
                raise ValueError(f"capacity_multiples: {multiple:g} must be > 0")
        return self


def load_scale_across_spec(path: str | Path, overrides: dict[str, Any] | None = None
                           ) -> tuple[ScaleAcrossSpec, LineMap]:
    """Return (validated spec, line map); `overrides` maps dotted fields (job.split) to values set before
    validation (the --vary comparisons)."""
    from aifabric.errors import SpecError
    from aifabric.spec.kind import check_kind
    from aifabric.spec.loader import load_yaml, validate

    data, lines = load_yaml(path)
    check_kind(path, data, "scale-across")
    if isinstance(data, dict) and overrides:
        data = _with_overrides(data, overrides)
    if data is not None and not isinstance(data, dict):
        raise SpecError(str(path), None, f"top level must be a mapping of fields, got {type(data).__name__}", line=1)
    return validate(ScaleAcrossSpec, data, lines, str(path)), lines


def _with_overrides(data: dict, overrides: dict[str, Any]) -> dict:
    import copy

    merged = copy.deepcopy(data)
    for dotted, value in overrides.items():
        node = merged
        parts = dotted.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    return merged
