"""Scale-across formulas hold exactly on random inputs (hypothesis), and the issue's worked case."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from aifabric.scale_across import formulas as f

positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
share = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(p_active_b=positive, tokens_m=positive, gpus=st.integers(1, 10_000_000), peak_tf=positive, mfu=share)
def test_step_time_is_6nd_over_flops(p_active_b, tokens_m, gpus, peak_tf, mfu):
    t = f.step_time_s(p_active_b * 1e9, tokens_m * 1e6, gpus * peak_tf * 1e12, mfu)
    assert math.isclose(t, 6 * p_active_b * 1e9 * tokens_m * 1e6 / (gpus * peak_tf * 1e12 * mfu), rel_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(params_b=positive, bits=st.integers(1, 64), sites=st.integers(2, 16))
def test_allreduce_traffic_is_2_s_minus_1_over_s_of_g(params_b, bits, sites):
    g = f.gradient_bits(params_b * 1e9, bits)
    assert g == bits * (params_b * 1e9)
    assert math.isclose(f.allreduce_bits_per_direction(g, sites), 2 * (sites - 1) / sites * g, rel_tol=1e-12)
    # Two sites exchange exactly one gradient per direction.
    assert math.isclose(f.allreduce_bits_per_direction(g, 2), g, rel_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(traffic=positive, overlap=share, step=positive, h=st.integers(1, 1000))
def test_required_rate_and_h_divides_it(traffic, overlap, step, h):
    r1 = f.required_rate_bps(traffic, overlap, step, 1)
    rh = f.required_rate_bps(traffic, overlap, step, h)
    assert math.isclose(r1, traffic / (overlap * step), rel_tol=1e-12)
    assert math.isclose(rh * h, r1, rel_tol=1e-12)


@settings(max_examples=300, deadline=None)
@given(traffic=positive, rate=positive, rtt=st.floats(0, 1), overlap=share, step=positive, h=st.integers(1, 500))
def test_exposed_and_efficiency_formulas(traffic, rate, rtt, overlap, step, h):
    exposed = f.exposed_s(traffic, rate, rtt, overlap, step, h)
    assert exposed == max(0.0, traffic / rate + rtt - overlap * step * h)
    eff = f.efficiency(step, h, exposed)
    assert eff == step * h / (step * h + exposed)
    assert 0 < eff <= 1
    # More capacity never lowers efficiency.
    assert f.efficiency(step, h, f.exposed_s(traffic, 2 * rate, rtt, overlap, step, h)) >= eff


def test_zero_capacity_stalls_the_job():
    assert math.isinf(f.exposed_s(1e12, 0.0, 0.02, 1.0, 1.9, 1))
    assert f.efficiency(1.9, 1, math.inf) == 0.0


@settings(max_examples=300, deadline=None)
@given(cable_m=st.floats(0, 5e6), speed_gbps=st.sampled_from([40, 100, 200, 400, 800, 1600]),
       mtu=st.integers(1500, 9216))
def test_pfc_headroom_is_the_mlx5_formula(cable_m, speed_gbps, mtu):
    speed_mbps = speed_gbps * 1000
    h = f.pfc_headroom_bytes(cable_m, speed_mbps, mtu)
    assert math.isclose(h, (301 + 2.16 * cable_m) * speed_mbps / 1000 + 2.72 * mtu, rel_tol=1e-12)
    # The driver's integer arithmetic (calculate_xoff) agrees to within rounding for whole metres.
    metres = int(cable_m)
    driver = (301 + 216 * metres // 100) * speed_mbps // 1000 + 272 * mtu // 100
    assert abs(f.pfc_headroom_bytes(metres, speed_mbps, mtu) - driver) <= speed_mbps / 1000 + 2


def test_pfc_headroom_floors_speed_at_40g_like_the_driver():
    assert f.pfc_headroom_bytes(100, 10_000, 1500) == f.pfc_headroom_bytes(100, 40_000, 1500)


@settings(max_examples=200, deadline=None)
@given(buffer_mb=st.floats(1, 100_000), ports=st.integers(1, 64), speed_gbps=st.sampled_from([100, 400, 800]),
       mtu=st.integers(1500, 9216))
def test_lossless_reach_inverts_the_headroom(buffer_mb, ports, speed_gbps, mtu):
    buffer = buffer_mb * 1e6
    reach = f.lossless_reach_m(buffer, ports, speed_gbps * 1000, mtu)
    if reach > 0:
        assert math.isclose(ports * f.pfc_headroom_bytes(reach, speed_gbps * 1000, mtu), buffer, rel_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(rate_gbps=positive, rtt_ms=st.floats(1e-6, 500))
def test_bdp(rate_gbps, rtt_ms):
    assert math.isclose(f.bdp_bytes(rate_gbps * 1e9, rtt_ms / 1000), rate_gbps * 1e9 * rtt_ms / 1000 / 8,
                        rel_tol=1e-12)


def test_worked_case_from_the_issue():
    """1T dense, 64M-token batch, 2 x 100k GPUs at 2.5 PF dense BF16, MFU 0.4: T ~ 1.9 s, ~8 Tb/s per direction;
    DiLoCo-style H = 100 divides the rate by 100 (optical-facts.md, training across sites)."""
    t = f.step_time_s(1e12, 64e6, 200_000 * 2.5e15, 0.4)
    assert math.isclose(t, 1.92, rel_tol=1e-12)
    traffic = f.allreduce_bits_per_direction(f.gradient_bits(1e12, 16), 2)
    r = f.required_rate_bps(traffic, 1.0, t, 1)
    assert math.isclose(r / 1e12, 8.3333333, rel_tol=1e-6)
    assert math.isclose(f.required_rate_bps(traffic, 1.0, t, 100) * 100, r, rel_tol=1e-12)


def test_every_catalog_server_names_a_gpu_with_a_sourced_peak(hardware):
    """Scale-across sizes any catalog server: each names a GPU model whose dense BF16 peak has a source."""
    for server in hardware.servers.values():
        assert server.gpu is not None, server.id
        gpu = hardware.gpu(server.gpu)
        assert gpu.peak_dense_bf16_tflops > 0 and "sparsity" in gpu.source
    assert hardware.gpu("gb200").peak_dense_bf16_tflops == 2500  # the issue's worked case: 2.5 PF dense BF16
