"""Published reference designs reproduced exactly, each test citing its source."""

from __future__ import annotations

from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES


def test_dgx_h100_superpod_4su_matches_ra_11333_001():
    """NVIDIA DGX H100 SuperPOD RA (RA-11333-001), 4 SU / 127 nodes: 32 leaf, 16 spine; 1016 node-leaf and 1024
    leaf-spine links; all-multimode BOM of 1536 switch-side and 508 node-side twin-port OSFP transceivers."""
    doc = plan_fabric(TOPOLOGIES / "dgx-h100-superpod-4su.yaml").document()
    assert doc["tiers"] == 2
    assert doc["switches"] == {"leaf": 32, "spine": 16, "core": 0, "total": 48}
    assert doc["links"]["nic_leaf"] == 1016
    assert doc["links"]["leaf_spine"] == 1024
    assert doc["transceivers_by_side"]["switch"] == {"osfp-2xsr4": 1536}
    # Node side: the same twin-port 2xSR4 optics with a flat top, as the DGX H100's cages take (NVIDIA LinkX:
    # finned-top twin-port modules are for switch cages only).
    assert doc["transceivers_by_side"]["nic"] == {"osfp-2xsr4-flt": 508}


def test_dgx_h100_superpod_16su_three_tiers_matches_ra():
    """RA-11333-001, 16 SU / 512 nodes / 4096 GPUs: three tiers of 128 leaf, 128 spine, 64 core; 4096 links per
    tier."""
    doc = plan_fabric(TOPOLOGIES / "dgx-h100-superpod-16su.yaml").document()
    assert doc["tiers"] == 3
    assert doc["switches"] == {"leaf": 128, "spine": 128, "core": 64, "total": 320}
    assert doc["links"] == {"nic_leaf": 4096, "leaf_spine": 4096, "spine_core": 4096, "total": 12288}


def test_colossus_100k_three_tiers_within_two_percent_of_lower_bound():
    """xAI Colossus (NVIDIA press release 2024-10-28): 100,000 H100 on SN5600 at 400G, three tiers. The design must
    be within 2 % of (2t-1)N/k = 5 x 100,000 / 128."""
    doc = plan_fabric(TOPOLOGIES / "colossus-100k.yaml").document()
    assert doc["tiers"] == 3
    assert doc["lower_bound_switches"] == 5 * 100_000 / 128
    assert doc["switches"]["total"] <= 1.02 * 5 * 100_000 / 128
    assert doc["links"]["nic_leaf"] == 100_000
    assert doc["bisection_tbps"] == 100_000 * 400 / 2 / 1000


def test_spectrum_x_8k_is_the_two_tier_maximum():
    """Radix 128 (SN5600 at 400G): two tiers hold k^2/2 = 8,192 endpoints (fabric-facts.md), full bisection with
    128 leaves and 64 spines."""
    doc = plan_fabric(TOPOLOGIES / "spectrum-x-8k.yaml").document()
    assert doc["tiers"] == 2
    assert doc["switches"] == {"leaf": 128, "spine": 64, "core": 0, "total": 192}
    assert doc["lower_bound_ratio"] == 1.0


def test_spectrum_x_one_more_server_needs_three_tiers():
    doc = plan_fabric(None, {"gpus": 8200, "switch": "sn5600"}).document()
    assert doc["tiers"] == 3


def test_b300_twin_plane_splits_each_nic_over_two_planes():
    """DGX B300 Spectrum-X RA: ConnectX-8 800G as 2 x 400G, one port per plane; each plane is a full fabric."""
    doc = plan_fabric(TOPOLOGIES / "b300-twin-plane.yaml").document()
    assert doc["planes"] == 2 and doc["port_gbps"] == 400
    assert doc["links"]["nic_leaf"] == 2 * 8192
    assert doc["switches_per_plane"] == {"leaf": 128, "spine": 64, "core": 0, "total": 192}
    assert doc["switches"]["total"] == 2 * 192


def test_million_gpus_fit_three_tiers_at_radix_256():
    doc = plan_fabric(TOPOLOGIES / "million-gpu.yaml").document()
    assert doc["gpus"] == 1_000_000 and doc["tiers"] == 3 and doc["planes"] == 2
    assert doc["lower_bound_ratio"] < 1.02
