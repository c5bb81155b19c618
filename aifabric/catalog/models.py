"""Typed catalog entries for the fabric designer, and the bundle of everything a fabric plan needs.

The physical layer is modelled as it is built: a switch has cages of a form factor, each cage a number of SerDes
lanes at one lane rate; a logical port takes a whole number of lanes; a module fills one cage and speaks one PMD
(SR4, DR4, FR4, ...) at one optical lane rate on each of its optical ports; cables join connectors. The rules that
decide whether two ends can be joined, and with which parts, live in aifabric.fabric.compat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from aifabric.catalog import load_entries, lookup
from aifabric.errors import SpecError

_ID = r"^[a-z0-9][a-z0-9-]*$"

# Cage (and module) form factors. "osfp-1.6t" is the 8 x 200G OSFP cage of 200G-lane switches (Quantum-X800);
# "cpo" means co-packaged optics: no cages, the optical engines sit beside the switch ASIC.
# "qsfp28" (4 x 25G) and "rj45" (1000BASE-T) are the cages of the management networks' switches.
FormFactor = Literal["osfp", "qsfp-dd", "qsfp112", "osfp-1.6t", "cpo", "qsfp28", "rj45"]
# Lanes of one cage when an entry does not say (OSFP and QSFP-DD are 8-lane, QSFP112 and QSFP28 4-lane).
DEFAULT_LANES = {"osfp": 8, "qsfp-dd": 8, "qsfp112": 4, "osfp-1.6t": 8, "cpo": 8, "qsfp28": 4, "rj45": 1}


def _legacy(data: Any, old: str, new: str) -> Any:
    """Return raw entry data with a legacy key renamed (catalogs written before the field was renamed stay valid)."""
    if isinstance(data, dict) and old in data and new not in data:
        data = dict(data)
        data[new] = data.pop(old)
    return data


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(pattern=_ID)
    source: str = Field(min_length=3)


class GenericSpec(BaseModel):
    """What a buyer writes down for a generic part (no one vendor's part number) so that any vendor can quote it:
    fiber type, connector and gender at each end, polarity method, length tolerance, pulling eye (TIA-568.3-D
    terms). Empty fields do not apply to the part."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    part: str
    fiber: str | None = None
    end_a: str | None = None
    end_b: str | None = None
    polarity: str | None = None
    length_tolerance: str | None = None
    pulling_eye: str | None = None

    def text(self, fibers: int | None = None, length_m: float | None = None) -> str:
        """Return the specification as one line (a trunk's fiber count and length, a cord's length filled in)."""
        fields = [f"{fibers}F" if fibers else None, self.fiber,
                  f"{self.end_a} / {self.end_b}" if self.end_a and self.end_b else self.end_a,
                  self.polarity,
                  (f"{length_m:g} m" + (f" {self.length_tolerance}" if self.length_tolerance else ""))
                  if length_m else None,
                  f"pulling eye {self.pulling_eye}" if self.pulling_eye else None]
        return f"SPEC {self.part}: " + ", ".join(f for f in fields if f)


class _Part(_Entry):
    """An entry a buyer orders: the vendor's orderable part number (`order_code`, cited in `source`), who sells it
    (`vendor`: a company, `OEM` for a server maker's build, `generic` for a part any vendor quotes from
    `specification`), and `verified`: true only where the code was read from a vendor source. `power_typical_w`:
    the typical draw where the vendor publishes it beside the maximum (`power_w`)."""

    order_code: str | None = None
    vendor: str | None = None
    verified: bool = False
    specification: GenericSpec | None = None
    power_typical_w: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _orderable(self) -> _Part:
        if self.vendor == "generic" and self.verified:
            raise ValueError("a generic part (vendor: generic) is quoted from a specification: verified must be false")
        return self

    def order_code_for(self, fibers: int | None = None, length_m: float | None = None) -> str:
        """Return the line's order code: the vendor's part number, or a generic part's specification text."""
        if self.specification is not None:
            return self.specification.text(fibers, length_m)
        return self.order_code or getattr(self, "part", None) or self.id


class Switch(_Part):
    """A switch model: cages of lanes_per_cage SerDes lanes at lane_gbps; a port at a speed takes speed/lane_gbps
    lanes; at most max_logical_ports ports in all (the ASIC's port limit, whatever the breakout)."""

    name: str
    manufacturer: str
    model: str
    family: Literal["ethernet", "infiniband"]
    cages: int = Field(gt=0)
    cage_form_factor: FormFactor
    lanes_per_cage: int = Field(default=0, ge=0)
    lane_gbps: int = Field(default=0, ge=0)
    cage_gbps: int = Field(default=0, ge=0)
    speeds_gbps: list[int] = Field(min_length=1)
    max_logical_ports: int = Field(default=0, ge=0)
    # pluggable: modules go into cages and are counted in the BOM; co-packaged: the optics are part of the switch
    # (their power is in power_w), `cages` counts its front-panel optical ports, which speak cpo_pmd.
    optics: Literal["pluggable", "co-packaged"] = "pluggable"
    cpo_pmd: str | None = None
    cpo_connector: str | None = None
    cpo_reach_m: float | None = Field(default=None, gt=0)
    port_name: str = "swp{cage}s{lane}"
    port_name_unsplit: str = "swp{cage}"
    power_w: float = Field(ge=0)
    # A switch whose uplinks are cages of their own kind (SN2201: 48 x RJ45 down, 4 x QSFP28 up).
    uplink_cages: int = Field(default=0, ge=0)
    uplink_cage_form_factor: FormFactor | None = None
    uplink_gbps: int = Field(default=0, ge=0)
    # Port-to-port latency is the ASIC's: switches of one ASIC (asic) share it, each ASIC's figure cited.
    asic: str | None = None
    latency_ns: float = Field(ge=0)
    height_u: int = Field(default=1, gt=0)
    # Shared packet buffer of the ASIC (MB = 10^6 bytes): what PFC headroom must fit in at a site edge.
    buffer_mb: float | None = Field(default=None, gt=0)
    buffer_source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, data: Any) -> Any:
        """Fill lanes_per_cage, lane_gbps and cage_gbps from each other (older entries give only cage_gbps)."""
        data = _legacy(data, "cage_form", "cage_form_factor")
        if not isinstance(data, dict):
            return data
        data = dict(data)
        form = data.get("cage_form_factor")
        lanes = data.get("lanes_per_cage") or (DEFAULT_LANES.get(form, 8) if isinstance(form, str) else 8)
        data["lanes_per_cage"] = lanes
        cage, lane = data.get("cage_gbps"), data.get("lane_gbps")
        if isinstance(cage, int) and cage > 0 and not lane and isinstance(lanes, int) and lanes > 0:
            data["lane_gbps"] = max(cage // lanes, 1)
        elif isinstance(lane, int) and lane > 0 and not cage and isinstance(lanes, int):
            data["cage_gbps"] = lane * lanes
        return data

    @field_validator("speeds_gbps")
    @classmethod
    def _speeds_divide_cage(cls, speeds: list[int], info: ValidationInfo) -> list[int]:
        cage_gbps = info.data.get("cage_gbps")
        lane_gbps = info.data.get("lane_gbps")
        for speed in speeds:
            if speed <= 0 or (cage_gbps and cage_gbps % speed):
                raise ValueError(f"speed {speed} does not divide cage_gbps {cage_gbps}; a cage breaks out into "
                                 f"equal ports")
            if lane_gbps and speed % lane_gbps:
                raise ValueError(f"speed {speed} is not a whole number of {lane_gbps}G lanes; a port takes whole "
                                 f"lanes")
        return speeds

    @model_validator(mode="after")
    def _consistent(self) -> Switch:
        if self.lane_gbps * self.lanes_per_cage != self.cage_gbps:
            raise ValueError(f"cage_gbps {self.cage_gbps} must equal lanes_per_cage {self.lanes_per_cage} x "
                             f"lane_gbps {self.lane_gbps}")
        if self.max_logical_ports == 0:
            # No stated limit: every lane may be its own port at the slowest speed.
            object.__setattr__(self, "max_logical_ports",
                               self.cages * self.cage_gbps // min(self.speeds_gbps))
        if self.optics == "co-packaged" and not self.cpo_pmd:
            raise ValueError("a co-packaged-optics switch names the PMD its ports speak (cpo_pmd, e.g. dr4)")
        return self

    @property
    def cage_form(self) -> str:
        """Return the cage form factor (the name the field had before the physical-layer model)."""
        return self.cage_form_factor

    def lanes_per_port(self, speed_gbps: int) -> int:
        """Return the SerDes lanes one logical port at this speed takes."""
        return max(speed_gbps // self.lane_gbps, 1)

    def ports_per_cage(self, speed_gbps: int) -> int:
        """Return how many logical ports one cage breaks out into at this speed: whole lanes per port, and no more
        than the switch's logical-port limit allows per cage."""
        by_lanes = self.cage_gbps // speed_gbps
        return max(min(by_lanes, self.max_logical_ports // self.cages), 1)

    def radix(self, speed_gbps: int) -> int:
        """Return the number of ports at this speed (the switch's radix k), never above max_logical_ports."""
        return self.cages * self.ports_per_cage(speed_gbps)

    def port_name_of(self, cage_index: int, lane: int, speed_gbps: int) -> str:
        """Return the interface name of a 0-based cage and lane, as the switch's OS names it."""
        if self.ports_per_cage(speed_gbps) == 1:
            return self.port_name_unsplit.format(cage=cage_index + 1)
        return self.port_name.format(cage=cage_index + 1, lane=lane, lane1=lane + 1)


class PortMode(BaseModel):
    """One way a NIC's port(s) can run: `ports` logical ports of `gbps` each, over one protocol, at one lane rate."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    ports: int = Field(gt=0)
    gbps: int = Field(gt=0)
    protocol: Literal["ethernet", "infiniband"]
    lane_gbps: int = Field(gt=0)


class Nic(_Part):
    """A backend NIC: one cage of cage_form_factor, the port modes its firmware offers, its orderable part."""

    name: str
    part: str | None = None
    rate_gbps: int = Field(gt=0)
    cage_form_factor: Literal["osfp", "qsfp112"]
    ports_per_cage: int = Field(default=1, gt=0)
    port_modes: list[PortMode] = Field(default_factory=list)
    power_w: float = Field(ge=0)
    latency_ns: float = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _rename(cls, data: Any) -> Any:
        return _legacy(data, "cage_form", "cage_form_factor")

    @model_validator(mode="after")
    def _default_mode(self) -> Nic:
        if not self.port_modes:
            # An entry that lists no modes offers its full rate as one port of either protocol, on 100G lanes.
            modes = [PortMode(ports=1, gbps=self.rate_gbps, protocol=p, lane_gbps=100)
                     for p in ("ethernet", "infiniband")]
            object.__setattr__(self, "port_modes", modes)
        return self

    @property
    def cage_form(self) -> str:
        """Return the cage form factor (the name the field had before the physical-layer model)."""
        return self.cage_form_factor


class Server(_Part):
    """A GPU server: gpus GPUs, one backend NIC per GPU. A rack-scale system (GB200/GB300 NVL72) is described by
    its compute tray (gpus = GPUs per tray) plus the NVLink domain and rack it belongs to."""

    name: str
    gpus: int = Field(gt=0)
    nic: str
    # Other backend NICs the system is offered with (an InfiniBand fabric takes a VPI card where the default NIC is
    # Ethernet-only): with no NIC given, the first whose protocol is the switch's is chosen.
    nic_options: list[str] = Field(default_factory=list)
    # The GPU model (a `gpus` catalog id): its peak FLOP/s size training step times.
    gpu: str | None = None
    nic_cage_form: str | None = None
    nic_cage_ports: int = Field(default=1, gt=0)
    power_w: float = Field(ge=0)
    height_u: int = Field(default=8, gt=0)
    # Liquid-cooled systems (direct-to-chip) get the liquid rack power limit by default (aifabric.fabric.placement).
    cooling: Literal["air", "liquid"] = "air"
    # Rack-scale systems only: GPUs in one NVLink domain, compute trays per rack, racks per domain (NVL36x2: 2),
    # NVLink switch trays per rack and their power.
    scale_up_domain: int | None = Field(default=None, gt=0)
    trays_per_rack: int | None = Field(default=None, gt=0)
    racks_per_domain: int = Field(default=1, gt=0)
    nvlink_switch_trays_per_rack: int = Field(default=0, ge=0)
    nvlink_switch_tray_power_w: float = Field(default=0, ge=0)
    rack_overhead_w: float = Field(default=0, ge=0)
    # As ordered: NICs built in (DGX, NVL72 trays: never a BOM line of their own) or add-in cards (OEM HGX
    # servers: one NIC line per GPU); the NICs a built-in system ships with (nic_options; empty: any); what else
    # ships inside (NVLink switch trays, power shelves, in-rack cables), printed on the system's BOM line.
    nics_built_in: bool = False
    nic_options: list[str] = Field(default_factory=list)
    includes: list[str] = Field(default_factory=list)
    # Rack-scale systems: the published power of one full rack (max, and typical where published), which the
    # site counts instead of a sum of trays; the order codes of a spare compute tray and NVLink switch tray.
    rack_power_max_w: float | None = Field(default=None, gt=0)
    rack_power_typical_w: float | None = Field(default=None, gt=0)
    spare_tray_order_code: str | None = None
    spare_switch_tray_order_code: str | None = None

    @property
    def rack_scale(self) -> bool:
        """Return True for a rack-scale system (its trays are bound into racks and one NVLink domain)."""
        return self.trays_per_rack is not None

    def rack_power_w(self) -> float:
        """Return one full rack's power: the published rack figure where there is one, else compute trays, NVLink
        switch trays and the rack's own overhead."""
        if self.rack_power_max_w is not None:
            return self.rack_power_max_w
        trays = self.trays_per_rack or 1
        return trays * self.power_w + self.nvlink_switch_trays_per_rack * self.nvlink_switch_tray_power_w + \
            self.rack_overhead_w


class SparesPolicy(_Entry):
    """How many spares a part class gets: AFR-based, ceil(N x afr x (lead time + repair hours) / 8766) + floor
    (the failures expected while a replacement is on order and being fitted), or a percentage of N."""

    method: Literal["afr", "percent"]
    afr: float = Field(default=0.0, ge=0, le=1)
    repair_hours: float = Field(default=0.0, ge=0)
    lead_time_weeks: float = Field(default=0.0, ge=0)
    floor: int = Field(default=0, ge=0)
    percent: float = Field(default=0.0, ge=0, le=100)

    def spares(self, units: int, lead_time_weeks: float | None = None) -> int:
        """Return the spares of `units` installed units (lead_time_weeks: the price book's, else the policy's)."""
        if units <= 0:
            return 0
        if self.method == "percent":
            return math.ceil(units * self.percent / 100 - 1e-9)
        weeks = self.lead_time_weeks if lead_time_weeks is None else lead_time_weeks
        hours = weeks * 168 + self.repair_hours
        return math.ceil(units * self.afr * hours / HOURS_PER_YEAR - 1e-9) + self.floor


HOURS_PER_YEAR = 8766  # 365.25 days


class Gpu(_Entry):
    """A GPU model: peak dense (no sparsity) BF16 tensor throughput."""

    name: str
    peak_dense_bf16_tflops: float = Field(gt=0)


class Transceiver(_Part):
    """A pluggable optical module: it fills one cage of form_factor (host side: lanes x host_lane_gbps) and has
    `ports` optical ports, each speaking `pmd` over `connector` at lane_gbps per optical lane."""

    part: str
    name: str
    form_factor: FormFactor
    fits: Literal["switch", "nic", "any"] = "any"   # finned top (switch cages) or flat top (NIC cages)
    lanes: int = Field(gt=0)
    lane_gbps: int = Field(gt=0)
    host_lane_gbps: int = Field(default=0, ge=0)
    ports: int = Field(default=1, gt=0)
    pmd: str
    connector: Literal["mpo-12", "mpo-16", "lc-duplex"]
    fiber: Literal["mmf", "smf"]
    reach_m: float = Field(gt=0)
    channel_loss_db: float = Field(gt=0)
    power_w: float = Field(ge=0)
    split_power_w: float | None = Field(default=None, ge=0)
    module_gbps: int = Field(default=0, ge=0)
    # The gender of the module's optical receptacle: MPO modules are pinned (IEEE 802.3 MDI), LC has no pins.
    mdi_gender: Literal["pinned", "unpinned", "none"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _rename(cls, data: Any) -> Any:
        return _legacy(data, "form", "form_factor")

    @model_validator(mode="after")
    def _derive(self) -> Transceiver:
        if not self.host_lane_gbps:
            object.__setattr__(self, "host_lane_gbps", self.lane_gbps)
        if not self.module_gbps:
            object.__setattr__(self, "module_gbps", self.lane_gbps * self.lanes)
        if self.ports > 1 and not self.pmd.startswith(f"{self.ports}x"):
            raise ValueError(f"a {self.ports}-port module's pmd starts with '{self.ports}x' (e.g. 2xdr4)")
        return self

    @property
    def port_pmd(self) -> str:
        """Return the PMD of one optical port (2xdr4 -> dr4): what the far end must speak."""
        return self.pmd.split("x", 1)[1] if self.ports > 1 else self.pmd

    @property
    def port_gbps(self) -> int:
        """Return the rate of one optical port."""
        return self.module_gbps // self.ports

    @property
    def lanes_per_optical_port(self) -> int:
        """Return the optical lanes of one optical port."""
        return self.port_gbps // self.lane_gbps


class Cable(_Part):
    """A copper cable, a fiber cord or a structured-cabling part. Cords and cables are orderable in lengths_m, each
    length with its own part number (part_numbers); `legs` > 1 is a splitter (one end to `legs` ends)."""

    part: str
    name: str
    kind: Literal["dac", "splitter-dac", "acc", "splitter-acc", "fiber", "splitter-fiber", "trunk", "jumper",
                  "panel", "adapter", "cassette", "shuffle", "aoc", "utp"]
    end_a: str = "osfp"
    end_b: str = "osfp"
    legs: int = Field(default=1, gt=0)
    lane_gbps: int = Field(default=100, gt=0)
    lanes: int = Field(default=8, gt=0)
    fiber: Literal["mmf", "smf"] | None = None
    fiber_count: int = Field(default=0, ge=0)
    fiber_counts: list[int] = Field(default_factory=list)  # a trunk's orderable fiber counts
    ports: int = Field(default=1, gt=0)  # adapter ports of a patch panel; duplex ports on a cassette's front
    height_u: int = Field(default=1, gt=0)  # rack units a patch panel takes
    cable_gbps: int = Field(default=0, ge=0)
    reach_m: float = Field(gt=0)
    lengths_m: list[float] = Field(default_factory=list)
    part_numbers: dict[float, str] = Field(default_factory=dict)
    loss_db_per_km: float = Field(default=0.0, ge=0)
    connector_loss_db: float = Field(default=0.0, ge=0)
    power_w: float = Field(ge=0)
    propagation_ns_per_m: float = Field(default=4.9, gt=0)
    # Fiber parts: TIA-568.3-D polarity type (A straight, B reversed, C pairs flipped; for a panel, its adapters:
    # A key-up to key-down, B key-up to key-up) and the connector gender at each end (MPO: pinned or unpinned; LC:
    # none). A splitter's end_a is its main end, end_b its legs; a cassette's end_a its rear MPO.
    polarity: Literal["A", "B", "C"] | None = None
    gender_a: Literal["pinned", "unpinned", "none"] | None = None
    gender_b: Literal["pinned", "unpinned", "none"] | None = None
    # The lengths whose own part numbers were read from a vendor source (empty: `verified` holds for them all);
    # a length code that follows the family's pattern but was not read is UNSURE and prints as unverified.
    verified_lengths_m: list[float] = Field(default_factory=list)

    @model_validator(mode="after")
    def _lengths(self) -> Cable:
        if not self.lengths_m and self.part_numbers:
            object.__setattr__(self, "lengths_m", sorted(self.part_numbers))
        if not self.lengths_m:
            raise ValueError("give lengths_m or part_numbers (length -> orderable part number)")
        missing = [length for length in self.part_numbers if length not in self.lengths_m]
        if missing:
            raise ValueError(f"part_numbers has lengths {missing} that lengths_m lacks")
        if not self.cable_gbps:
            object.__setattr__(self, "cable_gbps", self.lane_gbps * self.lanes)
        return self

    def verified_at(self, length_m: float | None) -> bool:
        """Return True when the order code of this length was read from a vendor source."""
        if not self.verified or length_m is None or not self.verified_lengths_m:
            return self.verified
        return any(abs(length - length_m) < 1e-6 for length in self.verified_lengths_m)

    def order_code_for(self, fibers: int | None = None, length_m: float | None = None) -> str:
        """Return the order code of one length (a generic part's specification with its length and fibers)."""
        if self.specification is not None:
            return self.specification.text(fibers, length_m)
        return self.part_number(length_m)

    def part_number(self, length_m: float | None) -> str:
        """Return the orderable part number for a length (the family part when lengths carry no own number)."""
        if length_m is None:
            return self.part
        for length, number in self.part_numbers.items():
            if abs(length - length_m) < 1e-6:
                return number
        return self.part


class Medium(_Entry):
    """A way to build a link, cheapest first: copper, or optics of one PMD family (the rules in
    aifabric.fabric.compat choose the actual modules per cage by form factor, lane rate, PMD and reach)."""

    name: str
    cost_rank: int
    ends: list[Literal["switch-switch", "switch-nic"]]
    reach_m: float = Field(gt=0)
    cable: str
    trunk: str | None = None
    pmd: Literal["sr", "dr", "fr", "lr"] | None = None
    switch_transceiver: str | None = None
    nic_transceiver: dict[str, str] = Field(default_factory=dict)
    fec_ns: float = Field(ge=0)
    dsp_ns: float = Field(ge=0)

    @property
    def optical(self) -> bool:
        """Return True when the medium needs transceivers."""
        return self.pmd is not None or self.switch_transceiver is not None


class Fec(_Entry):
    """A link's forward error correction on one protocol and SerDes lane rate: the codeword a receiver buffers
    before it can decode, at the lane's signalling rate."""

    name: str
    code: str
    protocol: Literal["ethernet", "infiniband"]
    lane_gbps: int = Field(gt=0)
    codeword_bits: int = Field(gt=0)
    lane_line_gbps: float = Field(gt=0)
    extra_ns: float = Field(default=0.0, ge=0)

    @property
    def latency_ns(self) -> float:
        """Return the FEC latency of one hop: one codeword at the lane's line rate, plus decoder/inner-code time."""
        return self.codeword_bits / self.lane_line_gbps + self.extra_ns


class MediaOption(BaseModel):
    """One way to build a link of a network beside the compute fabric: a cable (links_per_cable links on one
    splitter), or a module at each end (links_per_module_a ports per switch-side module) joined by cords
    (cables_per_link each), with a trunk for runs beyond the longest cord."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    cable: str
    links_per_cable: int = Field(default=1, gt=0)
    cables_per_link: int = Field(default=1, gt=0)
    module_a: str | None = None
    links_per_module_a: int = Field(default=1, gt=0)
    module_z: str | None = None
    links_per_module_z: int = Field(default=1, gt=0)
    trunk: str | None = None


class NetMedia(_Entry):
    """The parts of one link class of the networks beside the compute fabric, cheapest first."""

    options: list[MediaOption] = Field(min_length=1)


class ConvergedRule(BaseModel):
    """A leaf-spine Ethernet or InfiniBand network beside the compute fabric (converged N/S or storage)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    role: str
    switch: str
    ports_per_node: int = Field(ge=1, le=8)
    port_gbps: int = Field(gt=0)
    leaf_oversubscription: float = Field(default=1.0, ge=1.0, le=16.0)
    customer_uplinks: int = Field(default=0, ge=0)
    customer_uplink_gbps: int = Field(default=400, gt=0)
    support_servers: int = Field(default=0, ge=0)
    support_server_ports: int = Field(default=2, ge=1)
    storage_nodes: int = Field(default=0, ge=0)
    storage_node_ports: int = Field(default=2, ge=1)
    storage_node_gbps: int = Field(default=400, gt=0)
    # down:up of the leaves that take the storage nodes (the DGX SuperPOD storage fabric: "storage devices are
    # connected at a 1:1 port to uplink ratio"); the node leaves keep leaf_oversubscription.
    storage_oversubscription: float = Field(default=1.0, ge=1.0, le=16.0)
    access_media: str
    fabric_media: str
    # A fixed number of leaf uplinks (else from leaf_oversubscription), peer links per leaf pair, and whether
    # storage nodes, support servers and customer uplinks land on the spines (else on leaves of their own).
    leaf_uplinks: int | None = Field(default=None, ge=1)
    isl_per_pair: int = Field(default=0, ge=0)
    edge_at_spine: bool = False
    # Node leaf groups stay inside an SU (standing with its compute leaves); false: groups run across SUs (the
    # in-band network of the DGX SuperPOD, three leaf pairs for four SUs).
    groups_in_su: bool = True
    # The small-design merge of the compute fabric into this network's leaf pair (converged only): auto (the
    # Enterprise RAs: "for smaller design points the Compute Fabric has been merged with the Converged Fabric"),
    # yes, or no (the DGX SuperPOD RAs keep the compute fabric apart). The spec's networks.merge_compute overrides.
    merge_compute: Literal["auto", "yes", "no"] = "no"


class OobRule(BaseModel):
    """The out-of-band management network: 1 GbE ports per managed device class, its switch and aggregation."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    switch: str
    aggregation: str
    ports: dict[str, int]
    cdu_racks: int = Field(default=0, ge=0)   # racks one coolant distribution unit serves (0: none)
    pdus_per_rack: int = Field(default=2, ge=0)
    switches_per_rack: int = Field(default=0, ge=0)  # OOB switches in every rack of a rack-scale system (at least)
    # An OOB switch in every rack of servers (else one group per row of racks): the Enterprise RAs' in-rack
    # management switch.
    per_rack: bool = False
    min_switches: int = Field(default=1, ge=1)   # OOB switches at least (a pair in the Enterprise RAs)
    uplinks_per_switch: int = Field(default=2, ge=1)
    # "converged": OOB switches uplink to the converged (in-band) network's spines, no aggregation layer.
    uplink_to: Literal["aggregation", "converged"] = "aggregation"
    uplink_media: str
    access_media: str = "rj45-1g"


class NvlinkRule(BaseModel):
    """NVLink between the racks of one NVLink domain (NVL36x2): the cables from the GPUs' links and lanes."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    gpu_links: int = Field(gt=0)
    lanes_per_link: int = Field(gt=0)
    lanes_per_cable: int = Field(gt=0)
    cable: str | None = None


class NetworkProfile(_Entry):
    """The networks one reference architecture plans beside the compute fabric, for the systems it names."""

    name: str
    systems: list[str] = Field(default_factory=list)
    planned: list[Literal["converged", "storage", "oob", "nvlink"]]
    converged: ConvergedRule | None = None
    storage: ConvergedRule | None = None
    oob: OobRule | None = None
    nvlink: NvlinkRule | None = None


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
    spares: dict[str, SparesPolicy]
    fec: dict[str, Fec] = dataclass_field(default_factory=dict)
    networks: dict[str, NetworkProfile] = dataclass_field(default_factory=dict)
    netmedia: dict[str, NetMedia] = dataclass_field(default_factory=dict)

    def fec_for(self, protocol: str, lane_gbps: int) -> Fec | None:
        """Return the FEC a link of this protocol runs at this SerDes lane rate, or None when the catalog has none."""
        return next((f for f in sorted(self.fec.values(), key=lambda f: f.id)
                     if f.protocol == protocol and f.lane_gbps == lane_gbps), None)

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
    "transceivers": Transceiver, "cables": Cable, "media": Medium, "gpus": Gpu, "spares": SparesPolicy,
    "fec": Fec, "networks": NetworkProfile, "netmedia": NetMedia,
}


def load_hardware(user_dir: str | Path | None = None) -> Hardware:
    """Return the shipped catalog merged with a user's catalog directory, cross-references checked (the shipped
    catalog alone from its pickled copy when that is current: aifabric.catalog.cache)."""
    if user_dir is not None:
        return _validated_hardware(user_dir)
    from aifabric.catalog import cache, catalog_files

    files = [catalog_files(kind)[0] for kind in KINDS]
    key = cache.cache_key(files)
    hardware = cache.load(key)
    if not isinstance(hardware, Hardware):
        hardware = _validated_hardware(None)
        # A file edited while it was being validated would pair the old entries with the new key: store only when
        # the files still hash to the key they were read under.
        if cache.cache_key(files) == key:
            cache.store(key, hardware)
    return hardware


def _validated_hardware(user_dir: str | Path | None) -> Hardware:
    """Return the catalog validated from its YAML files, cross-references checked."""
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
        for option in server.nic_options:
            if option not in hardware.nics:
                raise dangling("servers", server.id, "nic_options", "nic", option, hardware.nics)
        if server.gpu is not None and server.gpu not in hardware.gpus:
            raise dangling("servers", server.id, "gpu", "gpu", server.gpu, hardware.gpus)
        for option in server.nic_options:
            if option not in hardware.nics:
                raise dangling("servers", server.id, "nic_options", "nic", option, hardware.nics)
    for medium in hardware.media.values():
        for field in ("cable", "trunk"):
            value = getattr(medium, field)
            if value is not None and value not in hardware.cables:
                raise dangling("media", medium.id, field, "cable", value, hardware.cables)
        parts = [medium.switch_transceiver, *medium.nic_transceiver.values()]
        for part in parts:
            if part is not None and part not in hardware.transceivers:
                raise dangling("media", medium.id, "transceiver", "transceiver", part, hardware.transceivers)
    return hardware
