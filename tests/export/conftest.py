"""Shared fixtures of the export tests: small fabric and corridor plans, built once per session."""

from __future__ import annotations

import pytest
from export_helpers import SMALL_CORRIDOR, SMALL_FABRIC


@pytest.fixture(scope="session")
def small_fabric():
    """Return the FabricResult of the 64-GPU golden fabric."""
    from aifabric.fabric.plan import plan_fabric

    return plan_fabric(None, dict(SMALL_FABRIC))


@pytest.fixture(scope="session")
def three_tier_fabric():
    """Return a 4,096-GPU three-tier QM9700 fabric (pods, spines, cores)."""
    from aifabric.fabric.plan import plan_fabric

    return plan_fabric(None, {"gpus": 4096, "switch": "qm9700", "nic": "connectx-7", "tiers": "3"})


@pytest.fixture(scope="session")
def two_plane_fabric():
    """Return a 128-GPU fabric with each 800G NIC split over two 400G planes."""
    from aifabric.fabric.plan import plan_fabric

    return plan_fabric(None, {"gpus": 128, "server": "dgx-b300", "switch": "sn5600", "planes": 2,
                                    "nic_gbps": 800})


@pytest.fixture(scope="session")
def small_corridor():
    """Return the CorridorPlan of the small two-demand corridor."""
    from aifabric.corridor.plan import plan_corridor

    return plan_corridor(SMALL_CORRIDOR)


@pytest.fixture
def cli(capsys):
    """Return a function running `aifabric ARGS` in-process -> (exit code, stdout, stderr)."""
    from aifabric.cli.main import run

    def invoke(*args: str) -> tuple[int, str, str]:
        try:
            run([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke
