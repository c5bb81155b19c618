"""The one naming table: node and interface names shared by every output, so exports agree port for port."""

from __future__ import annotations

import math
from dataclasses import dataclass

from aifabric.catalog.models import Switch
from aifabric.fabric.sizing import Plan


def _width(count: int) -> int:
    return max(3, len(str(max(count - 1, 0))))


@dataclass(frozen=True)
class Naming:
    """Formats stable, sortable names for one plan: plane0/pod003/leaf0017, su012/server031, ..."""

    plan: Plan
    switch: Switch

    @property
    def _su_width(self) -> int:
        return _width(self.plan.sus)

    @property
    def _server_width(self) -> int:
        return _width(self.plan.leaf_downlinks)

    @property
    def _pod_width(self) -> int:
        return _width(len(self.plan.pods))

    @property
    def _leaf_width(self) -> int:
        return _width(self.plan.leaves_per_plane)

    @property
    def _spine_width(self) -> int:
        return _width(max(p.spines for p in self.plan.pods))

    @property
    def _core_width(self) -> int:
        return _width(max(self.plan.cores_per_plane, 1))

    def server(self, server_index: int) -> str:
        """Return a server's name from its global index."""
        su, slot = divmod(server_index, self.plan.leaf_downlinks)
        return f"su{su:0{self._su_width}d}/server{slot:0{self._server_width}d}"

    def server_names(self) -> list[str]:
        """Return every server's name in index order (as `server`, built per SU and slot: 550k names in ~0.1 s)."""
        per_su = self.plan.leaf_downlinks
        slots = [f"/server{slot:0{self._server_width}d}" for slot in range(per_su)]
        sus = [f"su{su:0{self._su_width}d}" for su in range(-(-self.plan.servers // per_su))]
        return [su + slot for su in sus for slot in slots][: self.plan.servers]

    def nic_port(self, rail: int, plane: int) -> str:
        """Return the name of a NIC port on its server: nic<rail>, or nic<rail>p<plane> with several planes."""
        return f"nic{rail}" if self.plan.planes == 1 else f"nic{rail}p{plane}"

    def nic_node(self, server_index: int, rail: int, plane: int) -> str:
        """Return the graph node name of one NIC port."""
        return f"{self.server(server_index)}/{self.nic_port(rail, plane)}"

    def leaf(self, plane: int, leaf_index: int) -> str:
        """Return a leaf's name from its plane and index in the plane (the converged pair's name when the compute
        fabric is merged into it)."""
        if self.plan.merged_into:
            return f"{self.plan.merged_into}-leaf{leaf_index:04d}"
        pod = self.plan.pod_of_leaf(leaf_index)
        return f"plane{plane}/pod{pod:0{self._pod_width}d}/leaf{leaf_index:0{self._leaf_width}d}"

    def spine(self, plane: int, pod: int, spine_index: int) -> str:
        """Return a spine's name from its plane, pod and index in the pod."""
        return f"plane{plane}/pod{pod:0{self._pod_width}d}/spine{spine_index:0{self._spine_width}d}"

    def core(self, plane: int, core_index: int) -> str:
        """Return a core's name."""
        return f"plane{plane}/core{core_index:0{self._core_width}d}"

    def leaf_down_port(self, port_index: int) -> str:
        """Return the interface name of a leaf downlink (towards NICs)."""
        per_cage = self.switch.ports_per_cage(self.plan.port_gbps)
        return self.switch.port_name_of(port_index // per_cage, port_index % per_cage, self.plan.port_gbps)

    def _up_port(self, first_cage: int, port_index: int) -> str:
        per_cage = self.switch.ports_per_cage(self.plan.uplink_gbps)
        cage = first_cage + port_index // per_cage
        return self.switch.port_name_of(cage, port_index % per_cage, self.plan.uplink_gbps)

    def leaf_up_port(self, uplink_index: int) -> str:
        """Return the interface name of a leaf uplink; uplink cages follow the downlink cages."""
        first = math.ceil(self.plan.leaf_down_ports / self.switch.ports_per_cage(self.plan.port_gbps))
        return self._up_port(first, uplink_index)

    def spine_down_port(self, pod: int, port_index: int) -> str:
        """Return the interface name of a spine downlink."""
        return self._up_port(0, port_index)

    def spine_up_port(self, pod: int, uplink_index: int) -> str:
        """Return the interface name of a spine uplink; they follow the pod's downlink cages."""
        per_cage = self.switch.ports_per_cage(self.plan.uplink_gbps)
        first = math.ceil(self.plan.pods[pod].spine_downlinks / per_cage)
        return self._up_port(first, uplink_index)

    def core_port(self, port_index: int) -> str:
        """Return the interface name of a core port."""
        return self._up_port(0, port_index)
