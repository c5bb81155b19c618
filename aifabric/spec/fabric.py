"""The fabric spec: what a user writes in topologies/*.yaml (and may override with CLI flags)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aifabric.errors import SpecError, SpecErrors
from aifabric.spec.flags import FLAG_NAMES, expand
from aifabric.spec.kind import check_kind
from aifabric.spec.loader import LineMap, load_yaml, validate
from aifabric.spec.plain import construct

MAX_GPUS = 10_000_000
LINK_CLASSES = ("nic_leaf", "leaf_spine", "spine_core")
# The spec models build their pydantic validators when first used (defer_build), not on import: a plain spec is
# made into a FabricSpec without them (aifabric.spec.plain), so a cold `fabric plan` builds them only for a spec
# that pydantic must judge.


class Building(BaseModel):
    """One building of a campus, by its position (metres, any local origin)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    x_m: float = Field(ge=-100_000, le=100_000)
    y_m: float = Field(ge=-100_000, le=100_000)


class Placement(BaseModel):
    """Where racks stand, which sets every link's length: rack (U, kW) -> row (kW) -> hall (MW) -> building ->
    campus. Every limit has a default, so a plan from flags alone places any size from 8 GPUs to 10M."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    servers_per_rack: int | None = Field(default=None, gt=0, le=64, strict=True)
    racks_per_row: int = Field(default=16, gt=0, le=200, strict=True)
    rack_width_m: float = Field(default=0.6, gt=0, le=5)
    row_pitch_m: float = Field(default=3.0, gt=0, le=20)
    leaf_location: Literal["in-row", "end-of-row", "central"] = "end-of-row"
    rack_drop_m: float = Field(default=2.0, ge=0, le=10)
    slack: float = Field(default=1.1, ge=1.0, le=2.0)
    rack_u: int = Field(default=48, gt=0, le=60, strict=True)
    rack_kw_max: float | None = Field(default=None, gt=0, le=2000)
    network_rack_kw_max: float = Field(default=40.0, gt=0, le=2000)
    row_kw_max: float | None = Field(default=None, gt=0, le=100_000)
    hall_mw_max: float = Field(default=40.0, gt=0, le=10_000)
    halls_per_building: int = Field(default=4, gt=0, le=64, strict=True)
    network_rooms_per_hall: int = Field(default=1, ge=1, le=8, strict=True)
    # Where the cores stand: one campus core room, a core room per building or per hall, or (auto) the fewest of
    # those whose every room fits room_racks_max (aifabric.fabric.placement).
    core_rooms: Literal["auto", "campus", "building", "hall"] = "auto"
    # Racks one network or core room may hold (switch racks + patch-panel racks): a planning default, UNSURE.
    room_racks_max: int = Field(default=200, gt=0, le=100_000, strict=True)
    building_spacing_m: float | None = Field(default=None, gt=0, le=50_000)
    buildings: list[Building] | None = Field(default=None, min_length=1, max_length=1000)


class LatencyOverrides(BaseModel):
    """Latency terms that replace the catalog's (each optional), e.g. from the architect's own measurements."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    nic_ns: float | None = Field(default=None, ge=0)
    switch_ns: float | None = Field(default=None, ge=0)
    fec_ns: float | None = Field(default=None, ge=0)
    dsp_ns: float | None = Field(default=None, ge=0)
    copper_ns_per_m: float | None = Field(default=None, gt=0)
    fiber_ns_per_m: float | None = Field(default=None, gt=0)


class NetworkPools(BaseModel):
    """Address and ASN pools of one network beside the compute fabric (converged, storage, oob); a field left out
    takes the network's default (aifabric/configs/netaddr.py), none overlapping the compute fabric's."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    loopbacks: str | None = None      # a /32 per switch
    hosts: str | None = None          # node-facing subnets (converged segments, storage /31s, OOB management VLANs)
    asn_first: int | None = Field(default=None, ge=1, le=4_294_967_294, strict=True)
    asn_last: int | None = Field(default=None, ge=1, le=4_294_967_294, strict=True)

    @field_validator("loopbacks", "hosts")
    @classmethod
    def _network(cls, value: str | None) -> str | None:
        import ipaddress

        if value is None:
            return value
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError:
            raise ValueError(f"'{value}' is not an IPv4 network with its host bits zero (e.g. 10.16.0.0/16)") from None
        return str(network)


class Addressing(BaseModel):
    """Address and ASN pools of the fabric's day-one configuration (every field has a default that fits a
    10M-GPU plan's loopbacks and NICs)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    # One /32 loopback per switch (router id and BGP next hop for host routes).
    loopbacks: str = "10.0.0.0/12"
    # Switch-to-switch links: unnumbered eBGP over IPv6 link-local addresses (RFC 5549), or a /31 per link.
    p2p: Literal["unnumbered", "ipv4-31"] = "unnumbered"
    p2p_pool: str = "10.64.0.0/10"
    # NIC-to-leaf links: a /31 per NIC port, each rail of each plane in one contiguous block.
    nics: str = "10.128.0.0/9"
    # 4-byte private ASNs (RFC 6996): the first for the cores, then one per pod's spines, then one per leaf.
    asn_first: int = Field(default=4_200_000_000, ge=1, le=4_294_967_294, strict=True)
    # The compute fabric's ASNs end below the other networks' (4,260,000,000 on: addressing.converged and the rest).
    asn_last: int = Field(default=4_259_999_999, ge=1, le=4_294_967_294, strict=True)
    # RoCE QoS of the Spectrum switches' NVUE configuration (Cumulus Linux `nv set qos roce mode`).
    roce: Literal["lossless", "lossy"] = "lossless"
    # The other networks' own pools (a routed underlay each; the OOB's management VLANs).
    converged: NetworkPools = Field(default_factory=NetworkPools)
    storage: NetworkPools = Field(default_factory=NetworkPools)
    oob: NetworkPools = Field(default_factory=NetworkPools)

    @field_validator("loopbacks", "p2p_pool", "nics")
    @classmethod
    def _network(cls, value: str) -> str:
        import ipaddress

        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError:
            raise ValueError(f"'{value}' is not an IPv4 network with its host bits zero (e.g. 10.0.0.0/16)") from None
        return str(network)

    @model_validator(mode="after")
    def _asn_range(self):
        if self.asn_last < self.asn_first:
            raise ValueError(f"asn_last {self.asn_last} is below asn_first {self.asn_first}")
        return self


NETWORK_NAMES = ("converged", "storage", "oob", "nvlink")
# Managed device classes of the out-of-band network (1 GbE ports each): a node's BMC (and DPU), a rack-scale
# system's compute tray, NVLink switch tray and power shelf, a rack's PDUs, a coolant distribution unit, every
# switch of the other networks, storage nodes and support servers.
OOB_CLASSES = ("node", "compute_tray", "nvlink_switch_tray", "power_shelf", "pdu", "cdu", "switch", "storage_node",
               "support_server")


class LeafSpineNetwork(BaseModel):
    """A converged (north-south) or storage network: each field left out takes the system RA's default
    (aifabric catalog networks)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    enabled: bool | None = None
    switch: str | None = None
    ports_per_node: int | None = Field(default=None, ge=1, le=8, strict=True)
    port_gbps: int | None = Field(default=None, gt=0, le=1600, strict=True)
    leaf_oversubscription: float | None = Field(default=None, ge=1.0, le=16.0)
    customer_uplinks: int | None = Field(default=None, ge=0, le=100_000, strict=True)
    customer_uplink_gbps: int | None = Field(default=None, gt=0, le=1600, strict=True)
    support_servers: int | None = Field(default=None, ge=0, le=100_000, strict=True)
    storage_nodes: int | None = Field(default=None, ge=0, le=1_000_000, strict=True)
    storage_node_ports: int | None = Field(default=None, ge=1, le=16, strict=True)
    storage_node_gbps: int | None = Field(default=None, gt=0, le=1600, strict=True)
    storage_oversubscription: float | None = Field(default=None, ge=1.0, le=16.0)


class OobNetwork(BaseModel):
    """The out-of-band management network: 1 GbE ports per managed device class (others from the RA)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    enabled: bool | None = None
    switch: str | None = None
    ports: dict[str, int] = Field(default_factory=dict)

    @field_validator("ports")
    @classmethod
    def _classes(cls, value: dict[str, int]) -> dict[str, int]:
        for key, ports in value.items():
            if key not in OOB_CLASSES:
                raise ValueError(f"unknown managed device class '{key}'; allowed: {', '.join(OOB_CLASSES)}")
            if not isinstance(ports, int) or isinstance(ports, bool) or not 0 <= ports <= 8:
                raise ValueError(f"ports of '{key}' must be a whole number 0-8, got {ports!r}")
        return value


class NvlinkNetwork(BaseModel):
    """NVLink between racks (NVL36x2 pairs); NVL72 racks carry theirs inside."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    enabled: bool | None = None


class Networks(BaseModel):
    """The networks planned beside the compute fabric; `plan` lists them (comma-separated, or all / none),
    default the system RA's."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    plan: str | None = None
    # The small-design merge of the compute fabric into the converged leaf pair (NVIDIA's Enterprise RAs): auto
    # merges while the pair's ports hold both at the leaf's down:up ratio, yes forces it (an error when the ports do
    # not fit), no keeps a compute fabric of its own; default the system RA's (aifabric.fabric.merge).
    merge_compute: Literal["auto", "yes", "no"] | None = None
    converged: LeafSpineNetwork = Field(default_factory=LeafSpineNetwork)
    storage: LeafSpineNetwork = Field(default_factory=LeafSpineNetwork)
    oob: OobNetwork = Field(default_factory=OobNetwork)
    nvlink: NvlinkNetwork = Field(default_factory=NvlinkNetwork)

    @field_validator("merge_compute", mode="before")
    @classmethod
    def _merge_compute(cls, value):
        # YAML 1.1 reads an unquoted yes / no as a boolean.
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("plan")
    @classmethod
    def _plan(cls, value: str | None) -> str | None:
        if value is None:
            return value
        names = [n.strip() for n in value.split(",") if n.strip()]
        allowed = ("compute", "all", "none", *NETWORK_NAMES)
        for name in names:
            if name not in allowed:
                raise ValueError(f"unknown network '{name}'; allowed: {', '.join(allowed)}")
        return ",".join(names)


class FabricSpec(BaseModel):
    """A rail-optimized Clos GPU fabric to size and build."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: str = Field(default="fabric", min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str | None = None
    gpus: int | None = Field(default=None, gt=0, le=MAX_GPUS, strict=True)
    servers: int | None = Field(default=None, gt=0, le=MAX_GPUS, strict=True)
    server: str = "hgx-h100"
    gpus_per_server: int | None = Field(default=None, gt=0, le=72, strict=True)
    nic: str | None = None
    nic_gbps: int | None = Field(default=None, gt=0, strict=True)
    switch: str = "sn5600"
    port_gbps: int | None = Field(default=None, gt=0, strict=True)
    uplink_gbps: int | None = Field(default=None, gt=0, strict=True)
    planes: int = Field(default=1, ge=1, le=16, strict=True)
    tiers: Literal["auto", 1, 2, 3] = "auto"
    oversubscription: float = Field(default=1.0, ge=1.0, le=64.0)
    spine_oversubscription: float = Field(default=1.0, ge=1.0, le=64.0)
    servers_per_su: int | None = Field(default=None, gt=0, strict=True)
    # Rack-scale systems: racks whose trays one leaf serves for one rail in one plane (a leaf block); default: the
    # largest power of two racks that fit a leaf, as NVIDIA's RAs size it (sizing._leaf_block).
    racks_per_leaf: int | None = Field(default=None, gt=0, le=64, strict=True)
    sus_per_pod: int | None = Field(default=None, gt=0, strict=True)
    scale_up_domain: int | None = Field(default=None, gt=0, le=100_000, strict=True)
    pue: float = Field(default=1.2, ge=1.0, le=3.0)
    max_site_mw: float | None = Field(default=None, gt=0, le=100_000)
    placement: Placement = Field(default_factory=Placement)
    media: dict[str, str] = Field(default_factory=dict)
    latency_budget_ns: float | None = Field(default=None, gt=0)
    latency: LatencyOverrides = Field(default_factory=LatencyOverrides)
    addressing: Addressing = Field(default_factory=Addressing)
    networks: Networks = Field(default_factory=Networks)

    @field_validator("oversubscription", "spine_oversubscription", mode="before")
    @classmethod
    def _ratio(cls, value: Any) -> Any:
        """Accept '2:1' as well as 2."""
        if isinstance(value, str) and ":" in value:
            left, _, right = value.partition(":")
            try:
                return float(left) / float(right)
            except (ValueError, ZeroDivisionError):
                raise ValueError(f"must be a ratio like '2:1' or a number >= 1, got {value!r}") from None
        return value

    @field_validator("media")
    @classmethod
    def _media_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key not in (*LINK_CLASSES, "all"):
                raise ValueError(f"unknown link class '{key}'; allowed: all, {', '.join(LINK_CLASSES)}")
        return value

    @model_validator(mode="after")
    def _size_given(self):
        if self.gpus is None and self.servers is None:
            raise ValueError("give the size: gpus (e.g. gpus: 8192) or servers")
        if self.gpus is not None and self.servers is not None:
            raise ValueError("give gpus or servers, not both")
        return self




def load_fabric_spec(path: str | Path | None, overrides: dict[str, Any] | None = None) -> FabricSpec:
    """Return the validated spec from a YAML file (or none) with command-line overrides applied."""
    return load_fabric_spec_with_lines(path, overrides)[0]


def load_fabric_spec_with_lines(
    path: str | Path | None, overrides: dict[str, Any] | None = None
) -> tuple[FabricSpec, LineMap, dict[str, Any]]:
    """Return (spec, line map, overrides applied) so later checks can point at the offending line or flag."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    file = str(path) if path is not None else "<command line>"
    data: Any = {}
    lines: LineMap = {}
    if path is not None:
        data, lines = load_yaml(path)
        if data is None:
            raise SpecError(file, None, "file is empty; expected a mapping of fields (gpus, switch, ...)")
        if not isinstance(data, dict):
            raise SpecError(file, None, f"top level must be a mapping of fields, got {type(data).__name__}", line=1)
        check_kind(file, data, "fabric")
    merged = dict(data)
    if "gpus" in overrides:
        merged.pop("servers", None)
    if "servers" in overrides:
        merged.pop("gpus", None)
    # servers_per_su and racks_per_leaf both set a rack-scale leaf's block: a flag for one replaces the file's other.
    if "racks_per_leaf" in overrides:
        merged.pop("servers_per_su", None)
    if "servers_per_su" in overrides:
        merged.pop("racks_per_leaf", None)
    for key, value in expand(overrides).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}  # a flag sets one nested field and keeps the file's others
        else:
            merged[key] = value
    if "tiers" in overrides and str(overrides["tiers"]).isdigit():
        merged["tiers"] = int(overrides["tiers"])
    spec = construct(FabricSpec, merged)
    if spec is not None:
        return spec, lines, overrides
    try:
        return validate(FabricSpec, merged, lines, file), lines, overrides
    except SpecErrors as exc:
        raise SpecErrors([relabel(e, overrides) for e in exc.errors]) from None
    except SpecError as exc:
        raise relabel(exc, overrides) from None


def check_catalog_ids(spec: FabricSpec, hardware, path: str | Path | None, lines: LineMap,
                      overrides: dict[str, Any]) -> None:
    """Raise SpecError (file, line, field, did-you-mean) for a switch, server, NIC or medium the catalog lacks."""
    from aifabric.errors import CatalogError

    file = str(path) if path is not None else "<command line>"
    checks = [("switch", spec.switch, hardware.switch), ("server", spec.server, hardware.server)]
    if spec.nic is not None:
        checks.append(("nic", spec.nic, hardware.nic))
    checks += [(f"media.{k}", v, hardware.medium) for k, v in sorted(spec.media.items())]
    for field_path, value, lookup in checks:
        try:
            lookup(value)
        except CatalogError as exc:
            error = SpecError(file, field_path, exc.message, line=lines.get(tuple(field_path.split("."))))
            raise relabel(error, overrides) from None


def relabel(error: SpecError, overrides: dict[str, Any]) -> SpecError:
    """Return the error pointed at the command-line flag when the bad value came from one (else unchanged)."""
    field = (error.field or "").split("[")[0]
    top = field.split(".")[0]
    for key in (field, top):
        if key in overrides:
            return SpecError("command line", FLAG_NAMES.get(key, key), error.problem)
    return error
