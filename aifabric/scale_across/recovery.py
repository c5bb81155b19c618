"""A fiber cut as an event: what the job loses each time (protection switchover and RoCE retransmission, or a
collective timeout and a restart from the last checkpoint), and while the path is down (a degraded exchange, a
stalled job, or an elastic job running on the sites still joined). Pure functions; hours are job wall-clock hours."""

from __future__ import annotations

import math

SECONDS_PER_HOUR = 3600.0


def retransmit_stall_s(outage_ms: float, retransmit_timeout_ms: float, retry_count: float) -> float | None:
    """Return the stall a short outage costs a RoCE queue pair: the packets in flight are lost and resent at the
    first retransmission timeout after the light is back, so ceil(outage / timeout) timeouts (at least one); None
    when the outage outlasts every retry (the queue pair errors out and the collective fails)."""
    timeouts = max(1, math.ceil(outage_ms / retransmit_timeout_ms))
    if timeouts > retry_count + 1:
        return None
    return timeouts * retransmit_timeout_ms / 1000.0


def restart_h(collective_timeout_s: float, restart: float, checkpoint_interval_h: float) -> float:
    """Return the hours a failed collective costs: the timeout that detects it, the restart, and half a checkpoint
    interval of work redone on average."""
    return collective_timeout_s / SECONDS_PER_HOUR + restart + checkpoint_interval_h / 2.0


def protected_event_h(inputs: dict) -> float:
    """Return the hours one cut on a protected (1+1 or split) path costs as an event: the retransmission stall after
    the switchover, or a restart when the switchover outlasts RoCE's retries."""
    stall = retransmit_stall_s(inputs["switchover_ms"], inputs["retransmit_timeout_ms"], inputs["retry_count"])
    if stall is None:
        return restart_h(inputs["collective_timeout_s"], inputs["restart_h"], inputs["checkpoint_interval_h"])
    return stall / SECONDS_PER_HOUR


def unprotected_event_h(inputs: dict, mttr_h: float, surviving_share: float) -> float:
    """Return the hours one cut of an unprotected path costs. A rigid job waits for the repair (the timeout falls
    inside it), restarts and redoes half a checkpoint interval. An elastic job restarts on the sites still joined
    after the timeout, runs at their share of the compute until the repair, and restarts once more to rejoin; it
    takes whichever loses less."""
    timeout_h = inputs["collective_timeout_s"] / SECONDS_PER_HOUR
    rollback = inputs["checkpoint_interval_h"] / 2.0
    rigid = max(mttr_h, timeout_h) + inputs["restart_h"] + rollback
    if not inputs["elastic"]:
        return rigid
    down = mttr_h - timeout_h - inputs["restart_h"]
    if down <= 0:
        return rigid
    elastic = timeout_h + inputs["restart_h"] + rollback + down * (1.0 - surviving_share) + inputs["restart_h"]
    return min(rigid, elastic)


def degraded_h(mttr_h: float, efficiency_normal: float, efficiency_after: float) -> float:
    """Return the hours lost while a path is down and the job runs on the fallback: MTTR × (1 − after / normal)."""
    if efficiency_normal <= 0:
        return mttr_h
    return mttr_h * max(0.0, 1.0 - efficiency_after / efficiency_normal)
