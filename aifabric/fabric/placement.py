"""The placement model: where every server and switch stands on the floor, hence every link's length.

Servers fill racks (servers_per_rack), SUs start a new rack, racks run in rows (racks_per_row, rack_width_m apart;
rows row_pitch_m apart). Leaves stand in the SU's row (in-row, middle of the SU), at the end of the SU's row
(end-of-row), or with their pod's spines (central). Spines stand in a network column at the end of their pod's
rows; cores in a column beside the middle of the hall. Lengths are Manhattan runs x slack plus a vertical drop at
each end, as overhead trays route them.
"""

from __future__ import annotations

import math

import numpy as np

from aifabric.fabric.sizing import Plan
from aifabric.spec.fabric import Placement

SWITCHES_PER_NETWORK_RACK = 16


class Floor:
    """Coordinates (metres) of servers, leaves, spines and cores for one plane of a plan."""

    def __init__(self, plan: Plan, placement: Placement):
        self.plan = plan
        self.placement = placement
        self.racks_per_su = math.ceil(plan.leaf_downlinks / placement.servers_per_rack)
        total_racks = plan.sus * self.racks_per_su
        self.rows = max(1, math.ceil(total_racks / placement.racks_per_row))
        self.hall_mid_y = (self.rows - 1) * placement.row_pitch_m / 2

    def _rack_xy(self, rack: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        row, col = np.divmod(rack, self.placement.racks_per_row)
        return (col * self.placement.rack_width_m).astype(np.float32), (row * self.placement.row_pitch_m).astype(
            np.float32)

    def server_xy(self, server: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of servers by global index."""
        su, slot = np.divmod(server, self.plan.leaf_downlinks)
        rack = su * self.racks_per_su + slot // self.placement.servers_per_rack
        return self._rack_xy(rack)

    def _su_mid_xy(self, su: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._rack_xy(su * self.racks_per_su + self.racks_per_su // 2)

    def _pod_y(self, pod: np.ndarray) -> np.ndarray:
        if self.plan.tiers < 3:
            return np.full_like(pod, self.hall_mid_y, dtype=np.float64)
        sus_per_pod = max(1, self.plan.leaves_per_pod // self.plan.leaves_per_su)
        mid_su = pod * sus_per_pod + sus_per_pod // 2
        mid_su = np.minimum(mid_su, self.plan.sus - 1)
        return self._su_mid_xy(mid_su)[1]

    def leaf_xy(self, leaf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of leaves by index in the plane."""
        width = self.placement.rack_width_m
        su = leaf // self.plan.leaves_per_su
        x, y = self._su_mid_xy(su)
        where = self.placement.leaf_location
        if where == "in-row":
            return x.astype(np.float64), y
        if where == "end-of-row":
            return np.full(leaf.shape, -width), y
        pod = leaf // self.plan.leaves_per_pod if self.plan.tiers == 3 else np.zeros_like(leaf)
        in_pod = leaf - pod * (self.plan.leaves_per_pod if self.plan.tiers == 3 else 0)
        return np.full(leaf.shape, -4 * width), self._pod_y(pod) + (in_pod // SWITCHES_PER_NETWORK_RACK) * width

    def spine_xy(self, pod: np.ndarray, spine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of spines by pod and index in the pod."""
        width = self.placement.rack_width_m
        return np.full(pod.shape, -3 * width), self._pod_y(pod) + (spine // SWITCHES_PER_NETWORK_RACK) * width

    def core_xy(self, core: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of cores by index."""
        width = self.placement.rack_width_m
        racks = math.ceil(max(self.plan.cores_per_plane, 1) / SWITCHES_PER_NETWORK_RACK)
        offset = (core // SWITCHES_PER_NETWORK_RACK - racks // 2) * width
        return np.full(core.shape, -6 * width), self.hall_mid_y + offset

    def run_m(self, ax, ay, zx, zy) -> np.ndarray:
        """Return cable runs in metres between two sets of points: Manhattan x slack + a drop at each end."""
        flat = np.abs(ax - zx)
        flat += np.abs(ay - zy)
        flat *= self.placement.slack
        flat += 2 * self.placement.rack_drop_m
        return flat
