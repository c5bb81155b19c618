"""Bisection by max flow on the built switch graph agrees with the solver's closed form."""

from __future__ import annotations

import pytest

from aifabric.fabric.bisection import bisections
from aifabric.fabric.plan import plan_fabric
from tests.conftest import TOPOLOGIES


@pytest.mark.parametrize("spec, overrides", [
    (TOPOLOGIES / "dgx-h100-superpod-16su.yaml", {}),                     # 3 tiers, full bisection
    (TOPOLOGIES / "spectrum-x-8k.yaml", {}),                              # 2 tiers, full bisection
    (None, {"gpus": 8 * 84 * 12, "oversubscription": "2:1"}),             # 2 tiers, 84 down : 42 up
    (None, {"servers": 480, "server": "dgx-h100", "switch": "qm9700", "oversubscription": "3:1"}),
    (None, {"gpus": 8192, "server": "dgx-b300", "planes": 2, "nic_gbps": 800}),  # twin plane
])
def test_graph_max_flow_equals_closed_form(spec, overrides):
    result = plan_fabric(spec, overrides)
    entries = bisections(result.links)
    assert len(entries) == result.plan.planes
    for entry in entries:
        assert entry.graph_tbps == pytest.approx(entry.closed_form_tbps, rel=1e-9)
    assert sum(e.graph_tbps for e in entries) == pytest.approx(result.plan.bisection_tbps())


def test_oversubscription_halves_the_bisection():
    full = plan_fabric(None, {"gpus": 8 * 64 * 8}).document()
    over = plan_fabric(None, {"gpus": 8 * 84 * 12, "oversubscription": "2:1"}).document()
    per_gpu_full = full["bisection_tbps"] / full["gpus"]
    per_gpu_over = over["bisection_tbps"] / over["gpus"]
    assert per_gpu_over == pytest.approx(per_gpu_full / 2)
