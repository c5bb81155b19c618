"""GNPy as the planner's judge: path requests per regenerator section, with the mode, penalties and system margin.

A section is terminal -> ROADM -> (fiber spans with EDFAs) -> express ROADM -> ... -> ROADM -> terminal, as
the GNPy topology export writes it. `GnpyPlanner.path_request` builds that topology and a GNPy `PathRequest`
for the mode (a Transceiver type "aifabric" carries every catalog mode with its penalties) and propagates it
with GNPy's own `compute_constrained_path` and `propagate`, taking GNPy's GSNR, penalties and remaining margin
(GSNR - penalties - system margin - required OSNR, GNPy's `calc_feasibility`).

The exact regen search asks about many candidate sections. GNPy accumulates noise per element (ASE and NLI per
span, ROADM add/drop OSNR, Tx OSNR), so 1/GSNR of a section is the sum of 1/SNR of its parts. `estimate`
composes a section from GNPy runs of its parts (each ROADM-to-ROADM unit run once and cached); the planner then
re-runs every chosen section as a full path request, and `tests/corridor/test_gnpy_planner.py` checks the two
agree.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from aifabric.corridor.catalog import CoherentMode
from aifabric.corridor.line_catalog import FiberType, LineEquipment
from aifabric.corridor.optical import PLANNING_FIBER
from aifabric.errors import DesignError
from aifabric.spec.corridor import Amplifiers

# GNPy's physics runs on the C band of its example equipment (191.35-196.1 THz, its EDFAs' range).
C_BAND_F_MIN_HZ = 191.35e12
C_BAND_F_MAX_HZ = 196.1e12
TRX_TYPE = "aifabric"
# C+L runs on GNPy's multiband model with its multiband example library (eqpt_config_multiband.json) as it ships:
# every amplifier is a `Multiband_amplifier` of this one type (its std_medium_gain C and L EDFAs, gain 15-26 dB,
# the range of our spans' loss; the library's low-gain pairs, the ones it allows for design, stop at 16 dB + 2.5 dB
# extended gain), and the spectrum is two SI bands: C as above and L over that L amplifier's band.
MULTIBAND_AMP = "std_medium_gain_multiband"
L_BAND_AMP = "std_medium_gain_L"
# A channel below this frequency is in the L band (the guard between GNPy's L and C amplifiers).
L_C_SPLIT_HZ = 190.7e12

# A span: (fiber km, km of planning fiber with the same loss, fiber type id); the two lengths differ on as-built
# spans (measured loss, another fiber type), which GNPy is given at their real length with the loss coefficient
# that gives that loss, and with the fiber type's own dispersion, effective area and nonlinear coefficient.
Span = tuple[float, float, str]
# A unit is a ROADM-to-ROADM stretch of spans, a to z.
Unit = tuple[Span, ...]
# The unit used to separate a section's terminal noise from its units' noise.
_REFERENCE_UNIT: Unit = ((80.0, 80.0, PLANNING_FIBER),)


def equal_spans(span_km: float, spans: int, fiber_id: str = PLANNING_FIBER) -> Unit:
    """Return a unit of `spans` equal spans of one fiber type (planning fiber by default), `span_km` each."""
    return ((span_km, span_km, fiber_id),) * spans


@dataclass(frozen=True)
class LineAmplifier:
    """The amplifier after one span (in-line, or the preamp of a ROADM): its catalog entry and GNPy type, the
    gain that compensates the span, and GNPy's noise figure at that gain."""

    entry: str
    gnpy_type: str
    gain_db: float
    nf_db: float


@lru_cache(maxsize=1)
def _gnpy_amplifiers() -> dict[str, Any]:
    """Return GNPy's example amplifier library as GNPy loads it ({type_variety: Amp})."""
    from gnpy.tools.json_io import load_eqpt_topo_from_json

    with _quiet_gnpy():
        equipment, _ = load_eqpt_topo_from_json(json.loads(_base_equipment_json()), {"elements": [],
                                                                                        "connections": []})
    return equipment["Edfa"]


def _stage_nf_db(amp, gain_db: float) -> float:
    """Return a single-stage GNPy amplifier's mean NF at `gain_db` (GNPy's Edfa._nf: padding below gain_min,
    its two-stage variable-gain model, or a fixed NF)."""
    if amp.type_def == "fixed_gain":
        return float(amp.nf_model.nf0)
    gain = max(gain_db, amp.gain_min)
    g1a = gain - amp.nf_model.delta_p - max(amp.gain_flatmax - gain, 0)
    return 10 * math.log10(10 ** (amp.nf_model.nf1 / 10) + 10 ** (amp.nf_model.nf2 / 10) / 10 ** (g1a / 10))


def amplifier_range_db(gnpy_type: str) -> tuple[float, float]:
    """Return the gain range (dB) GNPy designs a library amplifier for: gain_min to the flat maximum plus the
    Span's target_extended_gain (a dual stage's flat maximum is its two stages' together)."""
    library = _gnpy_amplifiers()
    extended = json.loads(_base_equipment_json())["Span"][0]["target_extended_gain"]
    amp = library[gnpy_type]
    return float(amp.gain_min), float(amp.gain_flatmax + extended)


def amplifier_nf_db(gnpy_type: str, gain_db: float) -> float:
    """Return GNPy's mean noise figure of a library amplifier at `gain_db` (a dual stage: Friis over its first
    stage at its flat gain and its booster at the rest, as GNPy's Edfa._calc_nf)."""
    library = _gnpy_amplifiers()
    amp = library[gnpy_type]
    if amp.type_def != "dual_stage":
        return _stage_nf_db(amp, gain_db)
    stages = amp.dual_stage_model
    pre, boost = library[stages.preamp_variety], library[stages.booster_variety]
    g1 = pre.gain_flatmax
    nf1, nf2 = _stage_nf_db(pre, g1), _stage_nf_db(boost, gain_db - g1)
    return 10 * math.log10(10 ** (nf1 / 10) + 10 ** ((nf2 - g1) / 10))


def choose_amplifier(loss_db: float, family: str, raman_ok: bool, entries: list[LineEquipment]) -> LineAmplifier:
    """Return the amplifier after a span of `loss_db` (fiber, connectors and aging margin: the gain GNPy designs
    it for) for the spec's `amplifiers.type`: edfa = the EDFA with the lowest NF whose gain range covers the loss;
    raman-hybrid = a Raman hybrid where its range covers the loss and the fiber takes Raman, else that EDFA;
    auto = the lowest NF of every entry that covers the loss (GNPy's own autodesign choice). An entry whose range
    covers nothing falls back to the nearest range."""

    def fits(e: LineEquipment) -> float:
        lo, hi = amplifier_range_db(e.gnpy_type_variety or "")
        return max(lo - loss_db, loss_db - hi, 0.0)

    usable = [e for e in entries if e.family == "edfa" or (raman_ok and family != "edfa")]
    if family == "raman-hybrid":
        hybrids = [e for e in usable if e.family == "raman-hybrid" and fits(e) == 0]
        usable = hybrids or [e for e in usable if e.family == "edfa"]
    best = min(usable, key=lambda e: (fits(e), amplifier_nf_db(e.gnpy_type_variety or "", loss_db), e.id))
    gnpy_type = best.gnpy_type_variety or ""
    return LineAmplifier(best.id, gnpy_type, loss_db, amplifier_nf_db(gnpy_type, loss_db))


@dataclass(frozen=True)
class LineModel:
    """What GNPy is handed besides spans: the fiber types, the amplifier entries and the spec's amplifier family,
    the span rules (connectors, aging margin, planning loss per km) and the ROADM booster type."""

    fibers: dict[str, FiberType]
    amplifiers: tuple[LineEquipment, ...]
    family: str
    amps: Amplifiers
    booster: str

    def span_loss_db(self, span: Span) -> float:
        """Return a span's loss as its amplifier sees it: fiber loss plus connectors plus the aging margin."""
        return span[1] * self.amps.loss_db_per_km + self.amps.connector_loss_db + self.amps.margin_db

    def gain_db(self, span: Span, following: Span | None) -> float:
        """Return the gain GNPy designs the amplifier after `span` for (power mode): the span's loss plus the
        power offset of the span it launches into less the offset of this span (none into a ROADM)."""
        after = 0.0 if following is None else delta_power_db(self.span_loss_db(following))
        return self.span_loss_db(span) + after - delta_power_db(self.span_loss_db(span))

    def after(self, span: Span, following: Span | None = None) -> LineAmplifier:
        """Return the amplifier after a span that launches into `following` (None: a ROADM, so a preamp), chosen
        for the gain GNPy designs it for (cached per gain, fiber and family)."""
        fiber = self.fibers[span[2]]
        # GNPy allows Raman only on fiber no lossier than its Span's max_fiber_lineic_loss_for_raman.
        coef = span_loss_coef(span[0], span[1], self.amps.loss_db_per_km)
        raman_ok = fiber.raman and coef <= _RAMAN_MAX_DB_PER_KM
        return _choose_cached(round(self.gain_db(span, following), 3), self.family, raman_ok, self.amplifiers)


# GNPy eqpt_config.json Span max_fiber_lineic_loss_for_raman.
_RAMAN_MAX_DB_PER_KM = 0.25


@lru_cache(maxsize=1)
def _span_design() -> tuple[float, float, list[float]]:
    """Return GNPy's power-mode design rule: (span_loss_ref, power_slope, delta_power_range_db) of its Span."""
    from gnpy.tools.json_io import Span as GnpySpan

    span = json.loads(_base_equipment_json())["Span"][0]
    defaults = GnpySpan.default_values
    return float(defaults["span_loss_ref"]), float(defaults["power_slope"]), list(span["delta_power_range_db"])


def delta_power_db(loss_db: float) -> float:
    """Return GNPy's launch power offset into a span of `loss_db` (its target_power: (loss - span_loss_ref) x
    power_slope, rounded to the range's step and clipped to delta_power_range_db; Auge, Curri and Le Rouzic,
    "Open Design for Multi-Vendor Optical Networks", OFC 2019)."""
    from gnpy.core.utils import round2float

    ref, slope, (low, high, step) = _span_design()
    return min(high, max(low, round2float((loss_db - ref) * slope, step)))


@lru_cache(maxsize=4096)
def _choose_cached(loss_db: float, family: str, raman_ok: bool, entries: tuple[LineEquipment, ...]) -> LineAmplifier:
    return choose_amplifier(loss_db, family, raman_ok, list(entries))


def line_model(amps: Amplifiers, catalog_dir=None) -> LineModel:
    """Return the line model of a spec's amplifier rules from the fiber and line-equipment catalogs."""
    from aifabric.corridor.line_catalog import line_amplifiers, load_fibers, load_line_equipment

    equipment = load_line_equipment(catalog_dir)
    booster = equipment["roadm-node"].gnpy_type_variety or "std_medium_gain"
    return LineModel(load_fibers(catalog_dir), tuple(line_amplifiers(equipment)), amps.type, amps, booster)


def fiber_element(uid: str, span: Span, model: LineModel, metadata: dict | None = None) -> dict[str, Any]:
    """Return a GNPy Fiber element for a span: its real length, the loss coefficient that gives its loss, and its
    fiber type's physics as params (GNPy prefers an element's params to its library's "SSMF")."""
    km, loss_km, fiber_id = span
    element: dict[str, Any] = {
        "uid": uid,
        "type": "Fiber",
        "type_variety": "SSMF",
        "params": {
            "length": km,
            "length_units": "km",
            "loss_coef": span_loss_coef(km, loss_km, model.amps.loss_db_per_km),
            **model.fibers[fiber_id].gnpy_params(),
            # Connectors at both ends and the aging margin at the output (GNPy's EOL is added there too).
            "con_in": model.amps.connector_loss_db / 2,
            "con_out": model.amps.connector_loss_db / 2 + model.amps.margin_db,
        },
    }
    if metadata is not None:
        element["metadata"] = metadata
    return element


@dataclass(frozen=True)
class SectionResult:
    """GNPy's verdict on one regenerator section for one mode.

    gsnr_db: mean GSNR over the channels (0.1 nm), incl. Tx OSNR and ROADM add/drop; penalty_db: the mode's
    CD+PMD+PDL penalty; margin_db: GSNR - penalty - required OSNR (worst channel), before the system margin;
    feasible: margin_db >= system margin on every channel (GNPy's remaining margin >= 0).
    """

    gsnr_db: float
    penalty_db: float
    margin_db: float
    feasible: bool
    channels: int
    latency_ms: float = 0.0
    # Mean GSNR per band ("C", "L"), and gsnr_db is the worse band's: a section closes only if both bands do.
    band_gsnr_db: tuple[tuple[str, float], ...] = ()


def gnpy_equipment_file() -> Path:
    """Return the path of GNPy's shipped example equipment library (eqpt_config.json)."""
    import gnpy

    return Path(gnpy.__file__).parent / "example-data" / "eqpt_config.json"


def gnpy_example_file(name: str) -> Path:
    """Return the path of a file in GNPy's shipped example-data folder."""
    return gnpy_equipment_file().parent / name


@lru_cache(maxsize=1)
def _base_equipment_json() -> str:
    return gnpy_equipment_file().read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _multiband_edfas() -> str:
    return json.dumps(json.loads(gnpy_example_file("eqpt_config_multiband.json").read_text(encoding="utf-8"))["Edfa"])


@lru_cache(maxsize=1)
def _roadm_out_mw_per_ghz() -> float:
    library = json.loads(_base_equipment_json())
    per_channel_dbm = next(r for r in library["Roadm"] if "type_variety" not in r)["target_pch_out_db"]
    return 10 ** (per_channel_dbm / 10) / (library["SI"][0]["spacing"] / 1e9)


def roadm_equalization() -> dict[str, float]:
    """Return the ROADM output equalization GNPy is handed (equipment and exported ROADMs): power per slot width,
    GNPy's `target_out_mWperSlotWidth`, at its example library's point (-20 dBm per channel of its 50 GHz
    reference, so -20 dBm per 50 GHz of slot). The launch is set per slot width too (0 dBm per 50 GHz,
    coherent.yaml), so every channel leaves a ROADM 20 dB under its line launch, as in GNPy's example; kept per
    channel, a 212.5 GHz channel would leave it 26.3 dB under, and each ROADM booster would add that much more
    noise. A flexgrid ROADM equalizes power per slot width (GNPy's json_structure_description: Roadm)."""
    return {"target_out_mWperSlotWidth": _roadm_out_mw_per_ghz()}


def multiband(band: str) -> bool:
    """Return True when a catalog band id is simulated on GNPy's multiband model (C+L)."""
    return band == "C+L"


def band_edges_hz(band: str) -> list[tuple[str, float, float]]:
    """Return the (label, f_min, f_max) bands GNPy simulates for a catalog band id: C alone, or L and C (the L
    band over GNPy's multiband L amplifier's range)."""
    c_band = ("C", C_BAND_F_MIN_HZ, C_BAND_F_MAX_HZ)
    if not multiband(band):
        return [c_band]
    amp = next(a for a in json.loads(_multiband_edfas()) if a["type_variety"] == L_BAND_AMP)
    return [("L", float(amp["f_min"]), float(amp["f_max"])), c_band]


def band_label(frequency_hz: float) -> str:
    """Return the band ("L" or "C") a channel's centre frequency lies in."""
    return "L" if frequency_hz < L_C_SPLIT_HZ else "C"


def gnpy_mode(mode: CoherentMode) -> dict[str, Any]:
    """Return a catalog mode as a GNPy Transceiver mode (eqpt_config.json form), format = the catalog id."""
    return {
        "format": mode.id,
        "baud_rate": mode.baud_gbd * 1e9,
        "OSNR": mode.required_osnr_db,
        "bit_rate": mode.line_rate_gbps * 1e9,
        "roll_off": mode.roll_off,
        "tx_osnr": mode.tx_osnr_db,
        "min_spacing": mode.spacing_ghz * 1e9,
        "penalties": [p.gnpy() for p in mode.penalties],
        "cost": mode.cost if mode.cost is not None else 1,
    }


def equipment_json(
    modes: list[CoherentMode], reference: CoherentMode, spacing_ghz: float, amps: Amplifiers, sys_margin_db: float,
    band: str = "C", booster: str | None = None,
) -> dict[str, Any]:
    """Return a GNPy eqpt_config.json document: GNPy's example library, the planned modes as Transceiver
    "aifabric", the reference channel (SI) at `reference`'s baud and power filling the band at `spacing_ghz`,
    the span rules (connectors, aging margin) and the system margin. For C+L the amplifiers are GNPy's multiband
    example library (MULTIBAND_AMP allowed for design) and the SI has a second entry, the L band."""
    equipment = json.loads(_base_equipment_json())
    spacing_hz = spacing_ghz * 1e9
    si = equipment["SI"][0]
    # Every library ROADM equalizes per slot width at its own per-channel figure (see `roadm_equalization`).
    for roadm in equipment["Roadm"]:
        per_channel_dbm = roadm.pop("target_pch_out_db", None)
        if per_channel_dbm is not None:
            roadm["target_out_mWperSlotWidth"] = 10 ** (per_channel_dbm / 10) / (si["spacing"] / 1e9)
    edges = band_edges_hz(band)
    _, c_min, c_max = edges[-1]
    si.update(
        f_min=c_min + spacing_hz / 2,
        f_max=c_max - spacing_hz / 2,
        spacing=spacing_hz,
        baud_rate=reference.baud_gbd * 1e9,
        roll_off=reference.roll_off,
        tx_osnr=reference.tx_osnr_db,
        power_dbm=reference.launch_power_dbm,
        tx_power_dbm=reference.launch_power_dbm,
        power_range_db=[0, 0, 1],
        sys_margins=sys_margin_db,
    )
    span = equipment["Span"][0]
    # Every fiber element carries its connectors and the aging/repair margin itself (con_out, where GNPy's EOL
    # would add it), so GNPy's stock library (EOL 0) sees the same span losses in the exported topology; our spans
    # are already shorter than its max_length, so it does not split them.
    half_connector = amps.connector_loss_db / 2
    span.update(con_in=half_connector, con_out=half_connector + amps.margin_db, EOL=0)
    if booster is not None:
        # Every ROADM degree's booster is the catalog's (GNPy would otherwise pick one from its whole library).
        for roadm in equipment["Roadm"]:
            roadm.setdefault("restrictions", {})["booster_variety_list"] = [booster]
    if multiband(band):
        equipment["Edfa"] = json.loads(_multiband_edfas())
        _, l_min, l_max = edges[0]
        equipment["SI"].append({**si, "type_variety": "lband", "f_min": l_min + spacing_hz / 2,
                                "f_max": l_max - spacing_hz / 2})
    equipment["Transceiver"].append(
        {
            "type_variety": TRX_TYPE,
            "frequency": {"min": edges[0][1], "max": edges[-1][2]},
            "mode": [gnpy_mode(m) for m in sorted(modes, key=lambda m: m.id)],
        }
    )
    return equipment


def multiband_topology(topology: dict[str, Any]) -> dict[str, Any]:
    """Return a topology with every amplifier a GNPy `Multiband_amplifier` (type chosen when GNPy designs it):
    hut EDFAs become multiband, and a booster after each ROADM degree, a preamp before it and an amplifier between
    two fibers are written out (GNPy's own insertion picks the amplifier type from what the OMS already holds,
    which depends on the order it visits ROADMs, so the multiband OMS is spelled out as its example network does)."""
    kinds = {e["uid"]: e["type"] for e in topology["elements"]}
    metadata = {e["uid"]: e["metadata"] for e in topology["elements"] if "metadata" in e}
    # One multiband type for every amplifier, named (its library entry is not `allowed_for_design`): GNPy keeps
    # only the channels every amplifier of a path covers, and the library's pairs cover slightly different L/C
    # ranges. GNPy still designs each band's gain and power.
    members = next(a for a in json.loads(_multiband_edfas()) if a["type_variety"] == MULTIBAND_AMP)["amplifiers"]
    amplifier = {"type": "Multiband_amplifier", "type_variety": MULTIBAND_AMP,
                 "amplifiers": [{"type_variety": m, "operational": {}} for m in members]}
    elements = [
        {k: v for k, v in e.items() if k not in ("operational", "type_variety")} | amplifier
        if e["type"] == "Edfa" else e
        for e in topology["elements"]
    ]
    connections = []
    for c in topology["connections"]:
        u, v = c["from_node"], c["to_node"]
        pair = (kinds[u], kinds[v])
        if pair in {("Roadm", "Fiber"), ("Fiber", "Fiber"), ("Fiber", "Roadm")}:
            role = {"Roadm": "booster", "Fiber": "amp"}[pair[0]] if pair[1] == "Fiber" else "preamp"
            amp = f"{role} {u} -> {v}"
            # Where it stands: at the ROADM (booster, preamp), else where the first fiber is placed.
            where = v if role == "preamp" else u
            elements.append({"uid": amp, **amplifier} | ({"metadata": metadata[where]} if where in metadata else {}))
            connections += [{"from_node": u, "to_node": amp}, {"from_node": amp, "to_node": v}]
        else:
            connections.append(c)
    return {"elements": elements, "connections": connections}


def section_topology(units: tuple[Unit, ...], model: LineModel, band: str = "C") -> dict[str, Any]:
    """Return a GNPy topology for one section: a ROADM at each end and between units (express), fibers in
    between, each span followed by the amplifier the line model names for it (in-line, or the next ROADM's
    preamp); GNPy adds each ROADM's booster (the catalog's type) when it designs the network. For C+L every
    amplifier is a multiband amplifier (`multiband_topology`)."""
    elements: list[dict[str, Any]] = [
        {"uid": "trx a", "type": "Transceiver"},
        {"uid": "trx z", "type": "Transceiver"},
    ]
    chain = ["trx a"]
    for u, unit in enumerate(units):
        roadm = f"roadm {u:02d}"
        elements.append({"uid": roadm, "type": "Roadm"})
        chain.append(roadm)
        for index, span in enumerate(unit):
            uid = f"fiber {u:02d}-{index:03d}"
            elements.append(fiber_element(uid, span, model))
            amp = f"amp {u:02d}-{index:03d}"
            following = unit[index + 1] if index + 1 < len(unit) else None
            elements.append({"uid": amp, "type": "Edfa", "type_variety": model.after(span, following).gnpy_type,
                             "operational": {}})
            chain += [uid, amp]
    elements.append({"uid": "roadm end", "type": "Roadm"})
    chain += ["roadm end", "trx z"]
    topology = {
        "elements": elements,
        "connections": [{"from_node": u, "to_node": v} for u, v in zip(chain, chain[1:], strict=False)],
    }
    return multiband_topology(topology) if multiband(band) else topology


@contextlib.contextmanager
def _quiet_gnpy():
    """Silence GNPy's stdout progress and logger (the core never prints)."""
    gnpy_logger = logging.getLogger("gnpy")
    previous = gnpy_logger.level
    gnpy_logger.setLevel(logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        gnpy_logger.setLevel(previous)


def _request(equipment, source: str, destination: str, nodes: list[str], mode: CoherentMode, spacing_ghz: float):
    """Return GNPy's PathRequest for `mode` from source to destination through `nodes` (strict), over every SI band
    of the equipment (C, or L and C: GNPy drops the channels between the bands' amplifiers)."""
    from gnpy.core.equipment import trx_mode_params
    from gnpy.core.utils import automatic_nch, dbm2watt
    from gnpy.topology.request import PathRequest

    f_min = min(si.f_min for si in equipment["SI"].values())
    f_max = max(si.f_max for si in equipment["SI"].values())
    params = trx_mode_params(equipment, TRX_TYPE, mode.id, error_message=True)
    spacing_hz = spacing_ghz * 1e9
    params.update(
        request_id=f"{source}->{destination}", trx_type=TRX_TYPE, trx_mode=mode.id, source=source,
        destination=destination, bidir=False, nodes_list=[*nodes, destination],
        loose_list=["STRICT"] * (len(nodes) + 1), spacing=spacing_hz,
        power=dbm2watt(mode.launch_power_dbm), tx_power=dbm2watt(mode.launch_power_dbm),
        nb_channel=automatic_nch(f_min, f_max, spacing_hz), f_min=f_min, f_max=f_max,
        path_bandwidth=mode.line_rate_gbps * 1e9, effective_freq_slot=None,
    )
    return PathRequest(**params)


def run_path_request(
    equipment_doc: dict[str, Any], topology: dict[str, Any], source: str, destination: str,
    nodes: list[str], mode: CoherentMode, spacing_ghz: float,
) -> tuple[Any, Any]:
    """Return (GNPy path, spectral information) after GNPy designs the network with the SI reference channel and
    propagates a PathRequest for `mode` from `source` to `destination` through `nodes` (strict; GNPy element
    uids); the path's last element is the receiver. Raises DesignError when GNPy refuses the input."""
    from gnpy.core.exceptions import ConfigurationError, NetworkTopologyError, ServiceError
    from gnpy.tools.json_io import load_eqpt_topo_from_json
    from gnpy.tools.worker_utils import designed_network
    from gnpy.topology.request import compute_constrained_path, propagate

    try:
        with _quiet_gnpy():
            equipment, network = load_eqpt_topo_from_json(copy.deepcopy(equipment_doc), copy.deepcopy(topology))
            network, _, _ = designed_network(equipment, network, source, destination)
            request = _request(equipment, source, destination, nodes, mode, spacing_ghz)
            path = compute_constrained_path(network, request)
            if not path:
                raise DesignError(f"GNPy found no path {source} -> {destination} through {nodes}")
            info = propagate(path, request, equipment)
    except (ConfigurationError, NetworkTopologyError, ServiceError, ValueError, KeyError) as exc:
        raise DesignError(f"GNPy could not propagate {source} -> {destination}: {exc}") from None
    return path, info


def path_requests(
    equipment_doc: dict[str, Any],
    topology: dict[str, Any],
    requests: list[tuple[str, str, list[str], CoherentMode]],
    spacing_ghz: float,
    sys_margin_db: float,
) -> list[SectionResult]:
    """Return GNPy's verdict on each (source, destination, strict nodes, mode) request over one topology, designed
    once with the SI reference channel (GNPy's own path-request flow on a whole network, e.g. the exported one)."""
    from gnpy.tools.json_io import load_eqpt_topo_from_json
    from gnpy.tools.worker_utils import designed_network
    from gnpy.topology.request import compute_constrained_path, propagate

    results = []
    with _quiet_gnpy():
        equipment, network = load_eqpt_topo_from_json(copy.deepcopy(equipment_doc), copy.deepcopy(topology))
        network, _, _ = designed_network(equipment, network)
        for source, destination, nodes, mode in requests:
            request = _request(equipment, source, destination, nodes, mode, spacing_ghz)
            path = compute_constrained_path(network, request)
            if not path:
                raise DesignError(f"GNPy found no path {source} -> {destination} through {nodes}")
            info = propagate(path, request, equipment)
            results.append(receiver_result(path, mode, sys_margin_db, info.frequency))
    return results


def band_means_db(snr_db, frequencies) -> tuple[tuple[str, float], ...]:
    """Return the mean GSNR (dB) of the channels in each band, L before C, from per-channel values."""
    import numpy as np

    snr = np.asarray(snr_db, dtype=float)
    labels = np.array([band_label(f) for f in frequencies])
    return tuple((b, float(np.mean(snr[labels == b]))) for b in ("L", "C") if np.any(labels == b))


def receiver_result(path: list, mode: CoherentMode, sys_margin_db: float, frequencies) -> SectionResult:
    """Return the SectionResult GNPy's receiver (last element of a propagated path) reports; `frequencies` are the
    channels' centres (the propagated spectral information's), which place each channel in its band."""
    import numpy as np

    receiver = path[-1]
    snr = np.asarray(receiver.snr_01nm, dtype=float)
    penalty = np.asarray(receiver.total_penalty, dtype=float)
    margin = snr - penalty - mode.required_osnr_db
    latency = float(np.mean(receiver.latency)) if receiver.latency is not None else 0.0
    bands = band_means_db(snr, frequencies)
    return SectionResult(
        min(v for _, v in bands),
        float(np.max(penalty)),
        float(np.min(margin)),
        bool(np.all(margin - sys_margin_db >= 0)),
        int(snr.size),
        latency,
        bands,
    )


def span_loss_coef(span_km: float, loss_km: float, loss_db_per_km: float) -> float:
    """Return the loss coefficient (dB/km) that gives a span of `span_km` the loss of `loss_km` of planning fiber."""
    return loss_db_per_km * loss_km / span_km if span_km > 0 else loss_db_per_km


def _rounded(units: tuple[Unit, ...]) -> tuple[Unit, ...]:
    """Return units with span figures rounded to metres (cache keys; GNPy is given the same figures)."""
    return tuple(tuple((round(km, 3), round(loss, 3), fiber) for km, loss, fiber in unit) for unit in units)


class GnpyPlanner:
    """Judges regenerator sections with GNPy for every allowed mode; results are cached per section."""

    def __init__(
        self, modes: list[CoherentMode], amps: Amplifiers, sys_margin_db: float, grid_ghz: float | None = None,
        band: str = "C", model: LineModel | None = None,
    ):
        self.modes = {m.id: m for m in modes}
        self.band = band
        self.amps = amps
        # The fibers and amplifiers GNPy is handed (the catalog's, for the spec's amplifier family).
        self.model = model if model is not None else line_model(amps)
        self.sys_margin_db = sys_margin_db
        self.grid_ghz = grid_ghz
        self._equipment: dict[str, dict] = {}
        self._units: dict[tuple[tuple, Unit], Any] = {}
        self._terminal: dict[tuple, Any] = {}
        self._full: dict[tuple[str, tuple[Unit, ...]], SectionResult] = {}
        # Composed noise per unit and verdicts per section (keys: the unrounded figures the search passes).
        self._unit_cache: dict[tuple, Any] = {}
        self._estimates: dict[tuple, SectionResult] = {}
        # Channel centre frequencies per launched signal (the same for every section of that signal).
        self._frequencies: dict[tuple, Any] = {}

    def spacing_ghz(self, mode: CoherentMode) -> float:
        """Return the channel spacing a mode is planned at: the fixed grid if the spec sets one, else its own."""
        return self.grid_ghz if self.grid_ghz is not None else mode.spacing_ghz

    def equipment(self, mode: CoherentMode) -> dict[str, Any]:
        """Return the GNPy equipment document for a mode: the reference channel is that mode at full load."""
        if mode.id not in self._equipment:
            self._equipment[mode.id] = equipment_json(
                list(self.modes.values()), mode, self.spacing_ghz(mode), self.amps, self.sys_margin_db, self.band,
                self.model.booster,
            )
        return self._equipment[mode.id]

    def path_request(self, mode: CoherentMode, units: tuple[Unit, ...]) -> SectionResult:
        """Return GNPy's own path-request verdict for one section (full propagation, cached)."""
        key = (mode.id, _rounded(units))
        if key not in self._full:
            topology = section_topology(key[1], self.model, self.band)
            express = [f"roadm {u:02d}" for u in range(1, len(units))]
            path, info = run_path_request(
                self.equipment(mode), topology, "trx a", "trx z", ["roadm 00", *express, "roadm end"], mode,
                self.spacing_ghz(mode),
            )
            self._full[key] = receiver_result(path, mode, self.sys_margin_db, info.frequency)
        return self._full[key]

    def _noise(self, mode: CoherentMode, units: tuple[Unit, ...]):
        """Return 1/SNR (linear, per channel) GNPy reports for a section (receiver snr_01nm)."""
        import numpy as np

        topology = section_topology(units, self.model, self.band)
        express = [f"roadm {u:02d}" for u in range(1, len(units))]
        path, info = run_path_request(
            self.equipment(mode), topology, "trx a", "trx z", ["roadm 00", *express, "roadm end"], mode,
            self.spacing_ghz(mode),
        )
        self._frequencies.setdefault(self._signal(mode), np.asarray(info.frequency, dtype=float))
        return 1.0 / 10 ** (np.asarray(path[-1].snr_01nm, dtype=float) / 10)

    def _signal(self, mode: CoherentMode) -> tuple:
        """Return what a propagation depends on besides the section: modes with equal signals share runs."""
        return (mode.baud_gbd, mode.roll_off, self.spacing_ghz(mode), mode.launch_power_dbm, mode.tx_osnr_db)

    def _unit_noise(self, mode: CoherentMode, unit: Unit):
        """Return a unit's 1/SNR (per channel) incl. the section's terminal part. Each span with its amplifier
        adds its own noise, so a unit of spans s1..sn is U(s1) + sum over i >= 2 of (U(si, si) - U(si)): two
        GNPy runs per distinct span (exact for equal spans, which are designed alike; the planner re-runs every
        chosen section in full)."""
        key = (self._signal(mode), unit)
        if key not in self._unit_cache:
            spans = _rounded((unit,))[0]
            total = self._measured(mode, spans[:1])
            for span in spans[1:]:
                total = total + self._measured(mode, (span, span)) - self._measured(mode, (span,))
            self._unit_cache[key] = total
        return self._unit_cache[key]

    def _measured(self, mode: CoherentMode, unit: Unit):
        # Modes that launch the same signal (baud, roll-off, spacing, power, Tx OSNR) share one propagation.
        key = (self._signal(mode), unit)
        if key not in self._units:
            self._units[key] = self._noise(mode, (unit,))
        return self._units[key]

    def _terminal_noise(self, mode: CoherentMode):
        """Return the terminal part of a section's 1/SNR (Tx OSNR, add/drop ROADMs): a one-unit section
        counts it once, the same unit twice through an express ROADM counts the unit twice, so
        T = 2/SNR(u) - 1/SNR(u + u)."""
        signal = self._signal(mode)
        if signal not in self._terminal:
            single = self._measured(mode, _REFERENCE_UNIT)
            double = self._noise(mode, (_REFERENCE_UNIT, _REFERENCE_UNIT))
            self._terminal[signal] = 2 * single - double
        return self._terminal[signal]

    def penalty_db(self, mode: CoherentMode, spans: list[Span] | float):
        """Return the mode's CD+PMD+PDL penalty over spans (each its fiber type's dispersion and PMD), or over a
        number of km of planning fiber (GNPy's interpolation, inf beyond the curve)."""
        import numpy as np

        if not isinstance(spans, list):
            spans = [(float(spans), float(spans), PLANNING_FIBER)]
        fibers = self.model.fibers
        cd_ps_nm = sum(km * fibers[f].dispersion_ps_nm_km for km, _, f in spans)
        pmd_ps = math.sqrt(sum(km * fibers[f].pmd_ps_per_sqrt_km ** 2 for km, _, f in spans))
        values = {"chromatic_dispersion": cd_ps_nm, "pmd": pmd_ps, "pdl": 0.0}
        total = 0.0
        for impairment, value in values.items():
            points = sorted(
                (getattr(p, impairment), p.penalty_value) for p in mode.penalties if getattr(p, impairment) is not None
            )
            if not points:
                continue
            if all(x > 0 for x, _ in points):
                points.insert(0, (0.0, 0.0))
            xs, ys = zip(*points, strict=True)
            total += float(np.interp(value, xs, ys, left=math.inf, right=math.inf))
        return total

    def estimate(self, mode: CoherentMode, units: tuple[Unit, ...]):
        """Return the section's verdict composed from cached GNPy runs of its units (see module docstring)."""
        import numpy as np

        # The search asks about the same sections in every pass of the plan.
        key = (mode.id, units)
        if key in self._estimates:
            return self._estimates[key]
        terminal = self._terminal_noise(mode)
        noise = terminal + sum(self._unit_noise(mode, u) - terminal for u in units)
        snr = 10 * np.log10(1.0 / noise)
        penalty = self.penalty_db(mode, [span for unit in units for span in unit])
        margin = snr - penalty - mode.required_osnr_db
        bands = band_means_db(snr, self._frequencies[self._signal(mode)])
        self._estimates[key] = SectionResult(
            min(v for _, v in bands),
            penalty,
            float(np.min(margin)),
            bool(np.all(margin - self.sys_margin_db >= 0)),
            int(snr.size),
            0.0,
            bands,
        )
        return self._estimates[key]
