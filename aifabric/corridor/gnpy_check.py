"""Physics check with GNPy: propagate a full-load C-band spectrum over a section's spans, report GSNR."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from aifabric.corridor.catalog import CoherentMode
from aifabric.errors import DesignError
from aifabric.spec.corridor import Amplifiers

# GNPy's physics is run on the C band of its example equipment: C+L capacity is counted, not simulated.
C_BAND_F_MIN_HZ = 191.35e12
C_BAND_F_MAX_HZ = 196.1e12


@dataclass(frozen=True)
class GnpyResult:
    """GNPy's answer for one section: mean GSNR in 0.1 nm over the channels, and its propagation latency."""

    gsnr_db: float
    latency_ms: float
    channels: int
    spans: int


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


class GnpyChecker:
    """Runs sections through GNPy for one coherent mode and grid; results are cached by span list."""

    def __init__(self, mode: CoherentMode, grid_ghz: float, amps: Amplifiers):
        self.mode = mode
        self.grid_ghz = grid_ghz
        self.amps = amps
        self._cache: dict[tuple[float, ...], GnpyResult] = {}
        equipment = json.loads(_base_equipment_json())
        spacing_hz = grid_ghz * 1e9
        si = equipment["SI"][0]
        # The reference channel is the planned mode on the planned grid, filling the C band (full load).
        si.update(
            f_min=C_BAND_F_MIN_HZ + spacing_hz / 2,
            f_max=C_BAND_F_MAX_HZ - spacing_hz / 2,
            spacing=spacing_hz,
            baud_rate=mode.baud_gbd * 1e9,
            tx_osnr=mode.tx_osnr_db,
            power_dbm=mode.launch_power_dbm,
            tx_power_dbm=mode.launch_power_dbm,
            power_range_db=[0, 0, 1],
        )
        span = equipment["Span"][0]
        # GNPy's own span rules carry the connector loss and the aging/repair margin (EOL, added at the
        # fiber output); our spans are already shorter than its max_length, so it does not split them.
        half_connector = amps.connector_loss_db / 2
        span.update(con_in=half_connector, con_out=half_connector, EOL=amps.margin_db)
        self._equipment = equipment

    def check(self, spans_km: list[float]) -> GnpyResult:
        """Return GNPy's GSNR for a terminal-to-terminal section made of these spans (fiber km each)."""
        key = tuple(round(s, 3) for s in spans_km)
        if key not in self._cache:
            self._cache[key] = self._run(list(key))
        return self._cache[key]

    def margin_db(self, result: GnpyResult) -> float:
        """Return the section's margin: GSNR (0.1 nm) minus the mode's required OSNR (0.1 nm)."""
        return result.gsnr_db - self.mode.required_osnr_db

    def _topology(self, spans_km: list[float]) -> dict:
        elements = [
            {"uid": "trx a", "type": "Transceiver"},
            {"uid": "roadm a", "type": "Roadm"},
            {"uid": "roadm z", "type": "Roadm"},
            {"uid": "trx z", "type": "Transceiver"},
        ]
        chain = ["trx a", "roadm a"]
        for index, span_km in enumerate(spans_km):
            uid = f"fiber {index:03d}"
            # Intermediate POPs are amplifier sites: GNPy inserts an EDFA between consecutive fibers.
            elements.append(
                {
                    "uid": uid,
                    "type": "Fiber",
                    "type_variety": "SSMF",
                    "params": {
                        "length": span_km,
                        "length_units": "km",
                        "loss_coef": self.amps.loss_db_per_km,
                        "con_in": None,
                        "con_out": None,
                    },
                }
            )
            chain.append(uid)
        chain += ["roadm z", "trx z"]
        return {
            "elements": elements,
            "connections": [{"from_node": u, "to_node": v} for u, v in zip(chain, chain[1:], strict=False)],
        }

    def _run(self, spans_km: list[float]) -> GnpyResult:
        import numpy as np
        from gnpy.core.exceptions import ConfigurationError, NetworkTopologyError, ServiceError
        from gnpy.tools.json_io import load_eqpt_topo_from_json
        from gnpy.tools.worker_utils import designed_network, transmission_simulation

        gnpy_logger = logging.getLogger("gnpy")
        previous = gnpy_logger.level
        gnpy_logger.setLevel(logging.CRITICAL)
        try:
            # GNPy reports progress on stdout and its logger; the core never prints, so both are captured.
            with contextlib.redirect_stdout(io.StringIO()):
                equipment, network = load_eqpt_topo_from_json(
                    copy.deepcopy(self._equipment), self._topology(spans_km)
                )
                network, req, ref = designed_network(equipment, network, "trx a", "trx z")
                path, _, _, infos = transmission_simulation(equipment, network, req, ref)
        except (ConfigurationError, NetworkTopologyError, ServiceError, ValueError) as exc:
            raise DesignError(f"GNPy could not propagate a {len(spans_km)}-span section: {exc}") from None
        finally:
            gnpy_logger.setLevel(previous)
        receiver = path[-1]
        return GnpyResult(
            float(np.mean(receiver.snr_01nm)),
            float(np.mean(receiver.latency)),
            int(infos.number_of_channels),
            len(spans_km),
        )
