"""The small-design merge of the compute fabric into the converged leaf pair (NVIDIA's Enterprise RAs).

NVIDIA's Enterprise RAs (NVL72 AI Factory, RTX PRO AI Factory, "Network Logical Architecture"): "In the
architectures below for smaller design points the Compute Fabric has been merged with the Converged Fabric. This is
to lower cost and to simplify the network architecture." The HGX AI Factory RA 2-8-9-400 (ERA-00010-001 Tables
10/11, as NVIDIA's public ERA switch-configuration automation transcribes them) puts E/W and N/S on one pair of
SN5600 at 1-3 SU (4-12 nodes) and gives the E/W fabric a leaf pair of its own at 4 SU (16 nodes).

The rule (the RA's tables are images; derived, UNSURE): the pair takes the compute fabric's rails in two halves
(rails 0..R/2-1 on the first switch, the rest on the second; GPUs of different rails meet over NVLink, as in any
rail-only layer) and every node's two N/S ports, one on each switch, with the storage nodes, support servers,
customer uplinks, peer links and OOB uplinks of a collapsed converged pair, all at the pair's own cages (a cage
runs one speed). `auto` merges while the endpoint ports (E/W, N/S, storage, support) fit each switch's downlink
share at the compute fabric's leaf ratio (1:1: half its cages), so the pair can still become a leaf pair under a
spine layer ("the leaf-spine networking architecture also allows for future extensibility"): 12 HGX nodes take 28
of an SN5600's 32 downlink cages, 16 nodes would take 37, as the RA's split at 4 SU. `yes` merges whenever every
port fits the pair; `no` keeps a compute fabric of its own. One plane only: a dual-plane compute fabric keeps its
planes on switches of their own (the HGX B300 RA: role-separated leaves from one SU).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from aifabric.catalog.models import ConvergedRule, Hardware, Switch
from aifabric.errors import DesignError
from aifabric.fabric.sizing import Plan, PodShape
from aifabric.fabric.sizing import leaf_ports as compute_leaf_ports
from aifabric.spec.fabric import FabricSpec

MERGE_FIELD = "networks.merge_compute"
MERGED_INTO = "converged"
ENDPOINT_CLASSES = ("compute", "node", "storage", "support")


@dataclass(frozen=True)
class PairBudget:
    """The cages one switch of a merged pair takes per class of ports (whole cages per class, at its speed)."""

    cages: int             # the switch's cages
    downlink_cages: int    # its downlink share at the compute fabric's leaf ratio
    by_class: dict[str, int]

    @property
    def endpoint_cages(self) -> int:
        """Return the cages of the endpoint ports (E/W, N/S, storage, support): the leaf's downlinks."""
        return sum(self.by_class[k] for k in ENDPOINT_CLASSES)

    @property
    def total_cages(self) -> int:
        """Return every cage the switch takes."""
        return sum(self.by_class.values())


def _cages(ports: int, speed_gbps: int, switch: Switch) -> int:
    return -(-ports // switch.ports_per_cage(speed_gbps)) if ports else 0


def pair_budget(plan: Plan, rule: ConvergedRule, switch: Switch, oversubscription: float,
                oob_uplinks: int = 0, oob_uplink_gbps: int = 100) -> PairBudget:
    """Return the cages each switch of the pair takes when it carries the compute fabric (half the rails of every
    node) and the converged pair's ports (half of every class: each device's ports alternate over the pair)."""
    def half(n: int) -> int:
        return -(-n // 2)

    by_class = {
        "compute": _cages(plan.servers * (plan.rails // 2) * plan.planes, plan.port_gbps, switch),
        "node": _cages(half(plan.servers * rule.ports_per_node), rule.port_gbps, switch),
        "storage": _cages(half(rule.storage_nodes * rule.storage_node_ports), rule.storage_node_gbps, switch),
        "support": _cages(half(rule.support_servers * rule.support_server_ports), rule.port_gbps, switch),
        "customer": _cages(half(rule.customer_uplinks), rule.customer_uplink_gbps, switch),
        "isl": _cages(rule.isl_per_pair, rule.port_gbps, switch),
        "oob_uplink": _cages(half(oob_uplinks), oob_uplink_gbps, switch),
    }
    down, _ = compute_leaf_ports(switch, plan.port_gbps, plan.uplink_gbps, oversubscription)
    return PairBudget(switch.cages, down // switch.ports_per_cage(plan.port_gbps), by_class)


def merge_mode(spec: FabricSpec, rule: ConvergedRule | None) -> str:
    """Return auto, yes or no: the spec's networks.merge_compute, else the system RA's."""
    return spec.networks.merge_compute or (rule.merge_compute if rule is not None else "no")


def _obstacle(plan: Plan, spec: FabricSpec, rule: ConvergedRule, switch: Switch) -> str | None:
    """Return why the compute fabric cannot share the converged pair at all, or None."""
    if plan.planes > 1:
        return (f"the compute fabric has {plan.planes} planes, each a fabric of its own; one pair merges one plane "
                f"(the HGX B300 RA keeps dual-plane E/W leaves apart)")
    if switch.family != "ethernet":
        return f"{switch.id} is an InfiniBand switch and the converged network is Ethernet"
    if plan.rack_scale:
        return "a rack-scale system's compute leaves take whole racks (leaf blocks), not one pair"
    if plan.rails % 2:
        return f"{plan.rails} rails do not split evenly over the pair's two switches"
    if spec.tiers not in ("auto", 1):
        return f"tiers {spec.tiers} asks for a compute fabric of its own; the merged pair is one tier"
    if spec.servers_per_su is not None:
        return "servers_per_su sizes compute leaves of their own"
    given = spec.networks.converged.switch
    if given is not None and given != switch.id:
        return f"networks.converged.switch {given} differs from the compute fabric's {switch.id}"
    if rule.ports_per_node != 2:
        return f"the converged network takes {rule.ports_per_node} ports per node, not a pair (2)"
    speeds = {rule.port_gbps, rule.customer_uplink_gbps} | ({rule.storage_node_gbps} if rule.storage_nodes else set())
    missing = sorted(s for s in speeds if s not in switch.speeds_gbps)
    if missing:
        return f"{switch.id} has no {', '.join(f'{s}G' for s in missing)} ports for the converged network"
    return None


def merge_plan(plan: Plan, spec: FabricSpec, hardware: Hardware, rule: ConvergedRule | None) -> Plan:
    """Return the plan with its compute fabric merged into the converged leaf pair when the spec or the system's RA
    asks for it and the ports fit (module docstring), else the plan unchanged; raise DesignError when
    merge_compute: yes cannot be built (rule: the plan's converged network, aifabric.fabric.networks
    .converged_rule; None without one)."""
    mode = merge_mode(spec, rule)
    if mode == "no":
        return plan
    if rule is None:
        if mode == "yes":
            raise DesignError("yes, but the plan has no converged network to merge the compute fabric into; plan "
                              "it (networks.plan) or use no", field=MERGE_FIELD)
        return plan
    switch = hardware.switch(plan.switch_id)
    reason = _obstacle(plan, spec, rule, switch)
    budget = None
    if reason is None:
        budget = pair_budget(plan, rule, switch, spec.oversubscription)
        if budget.total_cages > budget.cages:
            reason = (f"each switch of the pair would need {budget.total_cages} of its {budget.cages} cages "
                      f"({_classes(budget)})")
        elif mode == "auto" and budget.endpoint_cages > budget.downlink_cages:
            reason = (f"the endpoint ports would take {budget.endpoint_cages} of a switch's "
                      f"{budget.downlink_cages} downlink cages")
    if reason is not None:
        if mode == "yes":
            raise DesignError(f"yes, but the compute fabric cannot share the converged pair: {reason}; use auto "
                              f"or no", field=MERGE_FIELD)
        return plan
    return _merged(plan, budget)


def _classes(budget: PairBudget) -> str:
    return ", ".join(f"{k} {v}" for k, v in budget.by_class.items() if v)


def _merged(plan: Plan, budget: PairBudget) -> Plan:
    """Return the compute plan as one tier of two leaves, half the rails each: the converged pair."""
    per_leaf = plan.rails // 2
    kept = [n for n in plan.notes if not n.startswith(("one switch takes", "one tier of"))
            and "rails share each leaf" not in n]
    note = (f"compute merged into the converged pair (Enterprise RA small design point): rails 0-{per_leaf - 1} on "
            f"{MERGED_INTO}-leaf0000, rails {per_leaf}-{plan.rails - 1} on {MERGED_INTO}-leaf0001, with every node's "
            f"two N/S ports; GPUs of different rails meet over NVLink; each switch's endpoints take "
            f"{budget.endpoint_cages} of its {budget.downlink_cages} downlink cages")
    if budget.endpoint_cages > budget.downlink_cages:
        note += ", beyond the leaf's down:up share: a spine layer later means recabling"
    return replace(plan, tiers=1, leaf_downlinks=plan.servers, leaf_uplinks=0, sus=1, leaves_per_plane=2,
                   leaves_per_pod=2, pods=(PodShape(2, 0, 0, 0, 0),), cores_per_plane=0, core_links_per_pair=0,
                   core_groups=0, rails_per_leaf=per_leaf, notes=(*kept, note), merged_into=MERGED_INTO)


def merged_pair(network, layout, plan: Plan, hardware: Hardware):
    """Return the converged network and layout of a pair that also carries the compute fabric: its ports numbered
    on the cages after the compute fabric's, its `merged` block (what the pair carries, cages per class)."""
    if not layout.collapsed:
        raise DesignError("the converged network does not collapse onto one leaf pair here, so the compute fabric "
                          "cannot share it; use no", field=MERGE_FIELD)
    switch = hardware.switch(plan.switch_id)
    rule = layout.rule
    first = math.ceil(plan.leaf_down_ports / switch.ports_per_cage(plan.port_gbps))
    # The pair's own ports are split at its fastest class's breakout, so that every port carries its link (a 400G
    # customer uplink never lands on a quarter of a cage).
    name_gbps = _name_gbps(rule)
    free = (switch.cages - first) * switch.ports_per_cage(name_gbps)
    isl = rule.isl_per_pair if rule.ports_per_node == 2 else 0
    # Node, storage, support, customer and OOB ports count up from the first free cage; the peer links take the
    # last ports (down + up + k).
    layout = replace(layout, down=free - isl, up=0, first_cage=first, name_switch=switch, name_gbps=name_gbps)
    network.extra["merged"] = {"networks": ["compute"], "compute_links": plan.link_counts()["nic_leaf"],
                               "compute_cages_per_switch": first}
    network.notes.append(f"converged: the pair also carries the compute fabric ({plan.link_counts()['nic_leaf']} "
                         f"E/W links on cages 1-{first} of each switch); its switches are ordered here")
    return network, layout


def _name_gbps(rule: ConvergedRule) -> int:
    speeds = [rule.port_gbps] + ([rule.customer_uplink_gbps] if rule.customer_uplinks else [])
    return max(speeds + ([rule.storage_node_gbps] if rule.storage_nodes else []))


def _named_ports(layout, oob_uplinks: int) -> int:
    """Return the ports the pair's own classes take on each switch, as the rows number them."""
    rule = layout.rule
    edge = rule.storage_nodes * rule.storage_node_ports + rule.support_servers * rule.support_server_ports \
        + rule.customer_uplinks
    return layout.pair_used + -(-edge // 2) + -(-oob_uplinks // 2) + rule.isl_per_pair


def check_pair(nets, plan: Plan, hardware: Hardware, oversubscription: float) -> None:
    """Raise DesignError when the merged pair's ports, the OOB uplinks included, exceed its cages; record the cages
    each class takes in the converged network's `merged` block."""
    network = nets.networks[MERGED_INTO]
    layout = nets.layouts[MERGED_INTO]
    oob = nets.networks.get("oob")
    uplinks = oob.links.get("oob_uplink", 0) if oob is not None and nets.layouts["oob"].to_converged else 0
    uplink_gbps = hardware.switch(nets.oob.switch).uplink_gbps or 100 if nets.oob is not None else 100
    budget = pair_budget(plan, layout.rule, hardware.switch(plan.switch_id), oversubscription, uplinks, uplink_gbps)
    network.extra["merged"].update({"cages_per_switch": {k: v for k, v in budget.by_class.items() if v},
                                    "switch_cages": budget.cages, "downlink_cages": budget.downlink_cages})
    switch = hardware.switch(plan.switch_id)
    named = layout.first_cage + _cages(_named_ports(layout, uplinks), layout.name_gbps, switch)
    if max(budget.total_cages, named) > budget.cages:
        raise DesignError(f"each switch of the merged pair would need {max(budget.total_cages, named)} of its "
                          f"{budget.cages} cages with the OOB uplinks ({_classes(budget)}); use no", field=MERGE_FIELD)
