"""Shared fixtures of the sweep tests: a small grid on the 8k Spectrum-X spec, evaluated once in process."""

from __future__ import annotations

import pytest

from aifabric.fabric.prices import default_price_book_path, load_price_book
from aifabric.spec.fabric import load_fabric_spec
from aifabric.sweep.evaluate import SweepConfig
from aifabric.sweep.grid import parse_vary

SMALL_VARY = ["switch=sn5600,qm9700,sn5400,th4-64x400", "planes=1,2", "oversubscription=1,1.5,2",
              "tiers=auto,3"]


@pytest.fixture(scope="session")
def base_spec():
    """Return the 8,192-GPU Spectrum-X spec with the port speed left free, so planes can vary."""
    from tests.conftest import TOPOLOGIES

    spec = load_fabric_spec(TOPOLOGIES / "spectrum-x-8k.yaml")
    base = spec.model_dump(exclude_unset=True)
    base.pop("port_gbps")
    # A NIC that speaks both Ethernet and InfiniBand, so the grid's IB switch (qm9700) is a real candidate: the
    # spec's BlueField-3 is Ethernet only and the rules refuse it on an InfiniBand switch.
    base["nic"] = "connectx-7"
    return base


@pytest.fixture(scope="session")
def book(hardware):
    """Return the shipped indicative price book."""
    return load_price_book(default_price_book_path(), hardware)


@pytest.fixture(scope="session")
def small_grid():
    """Return a 48-candidate grid (switch x planes x oversubscription x tiers)."""
    return parse_vary(SMALL_VARY)


@pytest.fixture(scope="session")
def small_config(base_spec, book):
    """Return the sweep config of the small grid, no constraints."""
    return SweepConfig(base=base_spec, prices=book)


@pytest.fixture(scope="session")
def small_sweep(small_config, small_grid):
    """Return the small grid's candidates, evaluated serially in this process."""
    from aifabric.sweep.run import run_sweep

    return run_sweep(small_config, small_grid, executor="serial")
