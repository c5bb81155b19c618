"""Same-leaf latency equals a brute force over the link table: per leaf (the z end of its NIC links), the two
slowest (fastest) NIC links, whatever the SU fill or the rails a leaf takes."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.errors import DesignError
from aifabric.fabric.latency import _pair_ns, latency_model, path_latencies
from aifabric.fabric.runs import generate
from aifabric.fabric.sizing import size
from aifabric.spec.fabric import FabricSpec


def _brute_same_leaf(links, model) -> tuple[float, float] | None:
    link_set = links.sets["nic_leaf"]
    ns = _pair_ns(links, model)[link_set.pair_index(len(links.lengths_m))]
    worst, best = -np.inf, np.inf
    for leaf in np.unique(link_set.z):
        values = np.sort(ns[link_set.z == leaf])
        if len(values) > 1:
            worst = max(worst, values[-1] + values[-2])
            best = min(best, values[0] + values[1])
    return None if worst == -np.inf else (worst, best)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(servers=st.integers(1, 300), server=st.sampled_from(["hgx-h100", "dgx-h100", "dgx-b300"]),
       switch=st.sampled_from(["sn5600", "qm9700"]), per_rack=st.integers(1, 8), per_row=st.integers(1, 20),
       where=st.sampled_from(["in-row", "end-of-row", "central"]))
def test_same_leaf_equals_brute_force(servers, server, switch, per_rack, per_row, where, hardware):
    spec = FabricSpec(servers=servers, server=server, switch=switch,
                      placement={"servers_per_rack": per_rack, "racks_per_row": per_row, "leaf_location": where})
    try:
        plan = size(spec, hardware)
        links = generate(plan, spec, hardware)
    except DesignError:
        return
    model = latency_model(links, hardware, spec.latency)
    found = {p.path_class: p for p in path_latencies(links, hardware, spec.latency) if p.plane == 0}
    expected = _brute_same_leaf(links, model)
    if expected is None:
        assert "same_leaf" not in found
        return
    fixed = 2 * model.nic_ns + model.switch_ns
    assert found["same_leaf"].worst_ns == round(fixed + expected[0], 1)
    assert found["same_leaf"].min_ns == round(fixed + expected[1], 1)
