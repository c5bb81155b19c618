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


def significant(value: float, digits: int = 7) -> float:
    """Return value rounded to `digits` significant digits (small rates keep their precision)."""
    return float(f"{value:.{digits}g}")


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


# Inter-site collectives: per link direction traffic as a multiple of one gradient G, and round trips of latency.
ALGORITHMS = ("ring", "bidirectional-ring", "mesh", "hierarchical")
# FSDP / ZeRO-3 across sites: all-gather (forward) + all-gather (backward) + reduce-scatter, each half an
# all-reduce: 3/2 of the all-reduce traffic.
FSDP_TRAFFIC_FACTOR = 1.5


def algorithm_bits_per_direction(algorithm: str, gradient: float, sites: int) -> float:
    """Return the bits the busiest inter-site link carries per direction in one all-reduce of `gradient` bits:
    ring 2 (S − 1) / S · G (one unidirectional ring); bidirectional ring (S − 1) / S · G (half the data each way
    round, G for two sites on their one link); mesh (direct exchange) 2 G / S (reduce-scatter then all-gather of a
    1/S shard per pair); hierarchical (a tree through a hub) G (each spoke sends its gradient, the hub returns the
    sum)."""
    if algorithm == "ring":
        return allreduce_bits_per_direction(gradient, sites)
    if algorithm == "bidirectional-ring":
        return gradient if sites == 2 else (sites - 1) / sites * gradient
    if algorithm == "mesh":
        return 2.0 * gradient / sites
    if algorithm == "hierarchical":
        return gradient
    raise ValueError(f"unknown algorithm {algorithm!r}")


def algorithm_round_trips(algorithm: str, sites: int) -> int:
    """Return the round trips of the slowest link one all-reduce waits for: a ring's 2 (S − 1) one-way steps are
    S − 1 round trips; a mesh or a hub tree needs one step there and one back, one round trip."""
    if algorithm in ("ring", "bidirectional-ring"):
        return sites - 1
    return 1


def ddp_overlap(backward_share: float, bucket_bits: float, gradient: float) -> float:
    """Return the DDP overlap: the backward share of the step, less the last bucket's share of the gradient (it is
    ready only when backward ends, so its exchange is always exposed)."""
    return backward_share * (1.0 - min(1.0, bucket_bits / gradient))


def fsdp_overlap(bucket_bits: float, gradient: float) -> float:
    """Return the FSDP overlap: the whole step, less the first gather and the last scatter (one bucket each)."""
    return max(0.0, 1.0 - min(1.0, 2.0 * bucket_bits / gradient))


def allowance_s(step_s: float, sync_every_steps: int, target_efficiency: float) -> float:
    """Return the exposed time per synchronisation the target efficiency allows: T · H · (1 / target − 1)."""
    return step_s * sync_every_steps * (1.0 / target_efficiency - 1.0)


def hiding_rate_bps(traffic_bits: float, overlap: float, step_s: float, sync_every_steps: int, latency_s: float,
                    allowance: float = 0.0) -> float:
    """Return the achieved rate per direction that meets the target: traffic / (overlap · T · H + allowance −
    latency), which truly hides the exchange at allowance 0; infinite when the latency alone fills the window."""
    window = overlap * step_s * sync_every_steps + allowance - latency_s
    return math.inf if window <= 0 else traffic_bits / window


def rtt_headroom_bytes(speed_bps: float, rtt_s: float, mtu_bytes: int) -> float:
    """Return the PFC headroom a long link needs per port and priority: one round trip at line rate (what is still
    arriving after the PAUSE leaves) plus a maximum frame at each end, bytes."""
    return speed_bps * rtt_s / 8.0 + 2.0 * mtu_bytes


def rtt_lossless_reach_km(buffer_bytes: float, ports: int, speed_bps: float, mtu_bytes: int,
                          us_per_km: float) -> float:
    """Return the longest fiber (km) whose round trip × rate headroom for `ports` ports fits buffer_bytes (the
    inverse of rtt_headroom_bytes over fiber at us_per_km one way); 0 when even a zero-length link does not fit."""
    per_port = buffer_bytes / ports - 2.0 * mtu_bytes
    rtt_s = per_port * 8.0 / speed_bps
    return max(0.0, rtt_s * 1e6 / (2.0 * us_per_km))


def outer_optimizer_bytes(params_total: float, copies: int, bytes_per_param: int) -> float:
    """Return the outer optimizer's extra memory per site (DiLoCo): copies × bytes × parameters."""
    return copies * bytes_per_param * params_total
