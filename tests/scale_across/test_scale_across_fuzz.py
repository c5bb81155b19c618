"""Fuzz: random (often wrong) scale-across spec values never end in a traceback — a plan, or the project's error."""

from __future__ import annotations

import json
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scale_across_properties import _fake_corridor

from aifabric.errors import AifabricError
from aifabric.scale_across.plan import plan_scale_across

junk = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**7), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=8), st.lists(st.integers(0, 3), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
FIELDS = ["job.params_total_b", "job.params_active_b", "job.tokens_per_step_m", "job.grad_bits", "job.mfu",
          "job.overlap", "job.split", "job.sync_every_steps", "job.hidden_size", "protection", "growth", "ring",
          "capacity_multiples", "transport.port_speeds_gbps", "transport.mtu_bytes", "transport.edge_switch",
          "sites", "corridor", "name", "job.outer_sync", "job.algorithm", "job.parallelism", "job.token_split",
          "job.pseudo_gradient_bits", "job.bucket_mb", "transport.kind", "transport.efficiency", "target_efficiency",
          "recovery.elastic", "recovery.switchover_ms", "recovery.checkpoint_interval_h", "recovery"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), changes=st.dictionaries(st.sampled_from(FIELDS), junk, min_size=1, max_size=3))
def test_bad_values_give_project_errors(make_spec, data, changes):
    spec = make_spec()
    try:
        with mock.patch("aifabric.scale_across.plan.plan_derived", _fake_corridor(data.draw)):
            doc = plan_scale_across(spec, overrides=changes).to_json()
        # The document is strict JSON: no NaN or infinity slips through.
        json.dumps(doc, allow_nan=False)
    except AifabricError as exc:
        assert exc.message and "Traceback" not in exc.message
