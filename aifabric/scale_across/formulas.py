"""The scale-across formulas, each a pure function of its inputs (SI units: seconds, bits, bits/s, bytes, metres).

Step time is the 6·N·D rule; inter-site traffic is a hierarchical all-reduce (data split) or the activations at a
pipeline boundary; exposed time and scaling efficiency follow from the provisioned rate and the round trip; PFC
headroom is the Linux mlx5 driver's `calculate_xoff` (drivers/net/ethernet/mellanox/mlx5/core/en/port_buffer.c).
"""

from __future__ import annotations

import math

# FLOPs per parameter per token for forward + backward (2 forward, 4 backward): the 6·N·D rule.
FLOPS_PER_PARAM_TOKEN = 6
# mlx5 calculate_xoff: xoff = (301 + 2.16 * len[m]) * speed[Mb/s] / 1000 + 2.72 * MTU[B]; speed floored at 40 Gb/s.
MLX5_XOFF_FIXED = 301.0
MLX5_XOFF_PER_M = 2.16
MLX5_XOFF_PER_MTU = 2.72
MLX5_MIN_SPEED_MBPS = 40_000


def step_time_s(params_active: float, tokens_per_step: float, flops_per_s: float, mfu: float) -> float:
    """Return the training step time T = 6 · P_active · tokens / (Σ GPUs·peak · MFU), in seconds."""
    return FLOPS_PER_PARAM_TOKEN * params_active * tokens_per_step / (flops_per_s * mfu)


def gradient_bits(params_total: float, grad_bits: int) -> float:
    """Return G = grad_bits · P_total, the bits of one full gradient (or one outer-step delta)."""
    return grad_bits * params_total


def allreduce_bits_per_direction(gradient: float, sites: int) -> float:
    """Return the bits each inter-site ring link carries per direction in one hierarchical all-reduce:
    2 · (S − 1) / S · G (reduce-scatter in each site, ring all-reduce of the shards across S sites, all-gather)."""
    return 2.0 * (sites - 1) / sites * gradient


def pipeline_bits_per_direction(hidden_size: int, tokens_per_step: float, activation_bits: int) -> float:
    """Return the bits one pipeline boundary carries per direction per step: hidden · tokens · bits (activations
    forward, their gradients backward, the same size each way)."""
    return hidden_size * tokens_per_step * activation_bits


def required_rate_bps(traffic_bits: float, overlap: float, step_s: float, sync_every_steps: int) -> float:
    """Return R = traffic / (overlap · T · H), the rate per direction that hides the exchange behind compute."""
    return traffic_bits / (overlap * step_s * sync_every_steps)


def exposed_s(traffic_bits: float, rate_bps: float, latency_s: float, overlap: float, step_s: float,
              sync_every_steps: int) -> float:
    """Return the exposed time per synchronisation max(0, traffic / rate + latency − overlap · T · H), seconds
    (infinite at zero rate: the job cannot synchronise)."""
    if rate_bps <= 0:
        return math.inf
    return max(0.0, traffic_bits / rate_bps + latency_s - overlap * step_s * sync_every_steps)


def efficiency(step_s: float, sync_every_steps: int, exposed: float) -> float:
    """Return the scaling efficiency T·H / (T·H + exposed), 0 when the exposed time is infinite."""
    if math.isinf(exposed):
        return 0.0
    work = step_s * sync_every_steps
    return work / (work + exposed)


def bdp_bytes(rate_bps: float, rtt_s: float) -> float:
    """Return the bandwidth-delay product rate · RTT in bytes: what a sender keeps in flight to fill the pipe."""
    return rate_bps * rtt_s / 8.0


def pfc_headroom_bytes(cable_m: float, speed_mbps: float, mtu_bytes: int) -> float:
    """Return the mlx5 driver's PFC headroom (xoff) per port and lossless priority, bytes:
    (301 + 2.16 · cable_m) · speed_Mb/s / 1000 + 2.72 · MTU, with speed floored at 40 Gb/s as the driver does."""
    speed = max(speed_mbps, MLX5_MIN_SPEED_MBPS)
    return (MLX5_XOFF_FIXED + MLX5_XOFF_PER_M * cable_m) * speed / 1000.0 + MLX5_XOFF_PER_MTU * mtu_bytes


def lossless_reach_m(buffer_bytes: float, ports: int, speed_mbps: float, mtu_bytes: int) -> float:
    """Return the longest cable (m) at which `ports` ports' mlx5 headroom still fits in buffer_bytes (the inverse
    of pfc_headroom_bytes); 0 when even a zero-length link does not fit."""
    speed = max(speed_mbps, MLX5_MIN_SPEED_MBPS)
    per_port = buffer_bytes / ports
    metres = ((per_port - MLX5_XOFF_PER_MTU * mtu_bytes) * 1000.0 / speed - MLX5_XOFF_FIXED) / MLX5_XOFF_PER_M
    return max(0.0, metres)
