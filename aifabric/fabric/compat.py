"""The physical-layer rules: whether two ends can be joined, and with which parts. One module, asked by the solver
(port modes, logical-port limits), the link table (which media a link class may use, how far each reaches) and
the BOM (which module fills a cage, which cable joins two connectors, whether a run fits its loss budget).

Nothing else chooses a part id. The rules, each from the hardware's public documents (sources in the catalog):
- a module fills one cage: same form factor, host lanes x lane rate = the cage, finned (switch) or flat (NIC) top;
- two modules talk when their optical ports speak the same PMD at the same optical lane rate (SR8 at 50G lanes
  does not talk to SR4 at 100G lanes); a twin-port module's ports break out to single-port modules of that PMD;
- a logical port takes whole lanes: a port of fewer lanes than an optical port shares it through a 1:2 splitter
  fiber (2 channels per leg, NVIDIA MFP7E20/MFP7E40); a port of more lanes takes several optical ports;
- copper joins a cage to exactly one far cage (or, as a splitter, to `legs` NIC cages): a cage whose ports go to
  different switches needs optics;
- runs longer than the longest cord are structured cabling (trunk, two panel ports, two jumpers; for a duplex-LC
  PMD on an MPO trunk, an MPO-LC cassette at each end) and must fit the PMD's channel insertion loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aifabric.catalog.models import Cable, Hardware, Medium, Nic, Server, Switch, Transceiver
from aifabric.errors import DesignError
from aifabric.units import count

LINK_ENDS = {"nic_leaf": "switch-nic", "leaf_spine": "switch-switch", "spine_core": "switch-switch"}


# ---------------------------------------------------------------------------------------------------------------
# Port modes and logical ports (asked by the solver)


def nic_mode(nic: Nic, switch: Switch, port_gbps: int, planes: int):
    """Return the NIC port mode a design uses (planes ports of port_gbps over the switch's protocol), or raise
    DesignError naming the NIC's modes and the fix."""
    for mode in nic.port_modes:
        if mode.ports == planes and mode.gbps == port_gbps and mode.protocol == switch.family:
            return mode
    offered = ", ".join(f"{m.ports} x {m.gbps}G {'IB' if m.protocol == 'infiniband' else 'Ethernet'}"
                        for m in nic.port_modes)
    same_protocol = [m for m in nic.port_modes if m.protocol == switch.family]
    if not same_protocol:
        other = "an InfiniBand" if switch.family == "ethernet" else "an Ethernet"
        raise DesignError(
            f"{nic.id} runs only {nic.port_modes[0].protocol}; {switch.id} is an {switch.family} switch: use "
            f"{other} switch or a NIC with {switch.family} ports ({nic.id} offers {offered})", field="nic")
    hints = "; ".join(f"planes: {m.ports} with port_gbps: {m.gbps}" for m in same_protocol)
    what = "single-port" if planes == 1 else f"{planes}-port"
    protocol = "GbE" if switch.family == "ethernet" else "G InfiniBand"
    fix = f"use {hints}"
    if switch.family == "ethernet" and any(m.protocol == "infiniband" and m.ports == planes and m.gbps == port_gbps
                                            for m in nic.port_modes):
        fix += ", or an InfiniBand switch"
    raise DesignError(f"{nic.id} has no {what} {port_gbps}{protocol} mode ({offered}); {fix}", field="planes")


def check_server(server: Server, gpus_per_server: int) -> None:
    """Raise DesignError when a design asks a server for a GPU count it does not have (one NIC per GPU)."""
    if gpus_per_server != server.gpus:
        raise DesignError(
            f"gpus_per_server {gpus_per_server}: a {server.id} holds {count(server.gpus, 'GPU')}, each with its own "
            f"NIC and rail; use gpus_per_server: {server.gpus} (or leave it out), or a server model with "
            f"{count(gpus_per_server, 'GPU')}", field="gpus_per_server")


def check_logical_ports(switch: Switch, speed_gbps: int, ports_used: int, role: str) -> None:
    """Raise DesignError when a switch would need more logical ports, or cages, than it has."""
    if ports_used > switch.max_logical_ports:
        raise DesignError(f"a {role} {switch.id} would need {ports_used} logical ports; it supports at most "
                          f"{switch.max_logical_ports}", field="switch")
    cages = math.ceil(ports_used / switch.ports_per_cage(speed_gbps))
    if cages > switch.cages:
        raise DesignError(f"a {role} {switch.id} would need {cages} cages at {speed_gbps}G; it has "
                          f"{switch.cages}", field="switch")


# ---------------------------------------------------------------------------------------------------------------
# Modules and cables (asked by the link table and the BOM)


@dataclass(frozen=True)
class CageEnd:
    """One kind of cage at one end of a link class: its form factor, host lanes and the ports it carries."""

    form_factor: str
    fits: str            # "switch" or "nic"
    cage_gbps: int
    host_lane_gbps: int
    port_gbps: int       # one logical port's rate at this end
    ports_per_cage: int  # logical ports one cage carries
    far_cages: int       # distinct far-end cages one cage's ports reach (1 = all to one far cage)
    co_packaged: Switch | None = None


def switch_end(switch: Switch, speed_gbps: int, far_cages: int) -> CageEnd:
    """Return the cage end of a switch port at this speed."""
    return CageEnd(switch.cage_form_factor, "switch", switch.cage_gbps, switch.lane_gbps, speed_gbps,
                   switch.ports_per_cage(speed_gbps), far_cages,
                   switch if switch.optics == "co-packaged" else None)


def nic_end(nic: Nic, server: Server, mode, port_gbps: int, rails_per_cage: int) -> CageEnd:
    """Return the cage end of a server's NIC cage: rails_per_cage NICs x their ports of port_gbps each."""
    form = server.nic_cage_form or nic.cage_form_factor
    ports = rails_per_cage * mode.ports
    return CageEnd(form, "nic", rails_per_cage * nic.rate_gbps, mode.lane_gbps, port_gbps, ports, ports)


def modules_for(hardware: Hardware, end: CageEnd, family: str) -> list[Transceiver]:
    """Return the modules of a PMD family that fill this cage, shortest reach first."""
    found = [t for t in hardware.transceivers.values()
             if t.form_factor == end.form_factor and t.fits in (end.fits, "any")
             and t.module_gbps == end.cage_gbps and t.host_lane_gbps == end.host_lane_gbps
             and t.port_pmd.startswith(family)]
    return sorted(found, key=lambda t: (t.reach_m, t.power_w, t.id))


def talk(a: Transceiver, b: Transceiver) -> bool:
    """Return True when the optical ports of two modules talk: same port PMD, same optical lane rate."""
    return a.port_pmd == b.port_pmd and a.lane_gbps == b.lane_gbps


@dataclass(frozen=True)
class OpticalEnd:
    """The module at one end of an optical link class and how a link uses its optical ports."""

    module: Transceiver | None   # None: co-packaged optics (part of the switch)
    pmd: str
    lane_gbps: int
    reach_m: float
    links_per_optical_port: int  # > 1: this end needs a 1:2 (or 1:n) splitter fiber
    optical_ports_per_link: int  # > 1: a link takes several optical ports (an 800G port over 2 x SR4)
    split_lanes: bool            # True when the module lights only part of its lanes (NIC split power)


def _optical_end(hardware: Hardware, end: CageEnd, family: str, reach_m: float) -> list[OpticalEnd]:
    """Return the ways one end can take a PMD family, cheapest first (the shortest module reach covering reach_m
    first, then longer)."""
    if end.co_packaged is not None:
        switch = end.co_packaged
        if not (switch.cpo_pmd or "").startswith(family):
            return []
        return [OpticalEnd(None, switch.cpo_pmd, switch.lane_gbps, switch.cpo_reach_m or 500.0, 1, 1, False)]
    result = []
    for module in modules_for(hardware, end, family):
        optical_port_gbps = module.port_gbps
        if end.port_gbps >= optical_port_gbps:
            if end.port_gbps % optical_port_gbps:
                continue
            per_link, shared = end.port_gbps // optical_port_gbps, 1
        else:
            if optical_port_gbps % end.port_gbps:
                continue
            per_link, shared = 1, optical_port_gbps // end.port_gbps
        lit = end.ports_per_cage * end.port_gbps
        result.append(OpticalEnd(module, module.port_pmd, module.lane_gbps, module.reach_m, shared, per_link,
                                 end.fits == "nic" and lit * 2 <= module.module_gbps
                                 and module.split_power_w is not None))
    covering = [o for o in result if o.reach_m >= reach_m]
    return covering + [o for o in reversed(result) if o.reach_m < reach_m]


def copper_cable(hardware: Hardware, medium: Medium, a: CageEnd, b: CageEnd) -> Cable | None:
    """Return the copper cable of a medium's kind (passive or active) joining cage end a (a switch) to b, or None
    when none exists: same lane rate, connectors fitting both cages, one far cage per cage (or a splitter leg per
    NIC cage)."""
    kind = hardware.cables[medium.cable].kind.replace("splitter-", "")
    if a.co_packaged is not None or b.co_packaged is not None or a.host_lane_gbps != b.host_lane_gbps:
        return None
    if b.fits == "nic":
        if b.far_cages != 1:
            return None  # a NIC cage whose ports go to several switches cannot take one cable end
        legs = a.ports_per_cage * a.port_gbps // b.cage_gbps if a.port_gbps * a.ports_per_cage >= b.cage_gbps else 0
        if legs < 1 or b.port_gbps * b.ports_per_cage != b.cage_gbps:
            return None
    else:
        if a.far_cages != 1:
            return None
        legs = 1
    want_kinds = {kind, f"splitter-{kind}"}
    for cable in sorted(hardware.cables.values(), key=lambda c: (max(c.lengths_m), c.id)):
        if (cable.kind in want_kinds and cable.legs == legs and cable.end_a == a.form_factor
                and cable.end_b == b.form_factor and cable.lane_gbps == a.host_lane_gbps
                and cable.lanes * cable.lane_gbps == a.cage_gbps):
            return cable
    return None


def fiber_cable(hardware: Hardware, module: Transceiver | None, fiber: str, connector: str, legs: int,
                kind: str) -> Cable | None:
    """Return the cord (kind fiber / splitter-fiber) or trunk for a connector and fiber type, or None."""
    for cable in sorted(hardware.cables.values(), key=lambda c: c.id):
        if cable.kind == kind and cable.fiber == fiber and cable.end_a == connector and cable.legs == legs:
            return cable
    return None


@dataclass(frozen=True)
class Option:
    """One way to build a link class: a medium, its parts at each end, its cords, and how far it reaches."""

    medium: Medium
    reach_m: float
    copper: Cable | None = None
    a: OpticalEnd | None = None          # switch end (the a end of switch-switch classes)
    b: OpticalEnd | None = None          # far end (NIC, or the other switch)
    cord: Cable | None = None            # straight cord, or the splitter fiber when an end shares optical ports
    trunk: Cable | None = None
    panel: Cable | None = None
    jumper: Cable | None = None
    cord_max_m: float = 0.0
    adapter: Cable | None = None         # joins the two splitter legs of a link split at both ends
    cassette: Cable | None = None        # breaks a trunk's MPO legs out to the panel's duplex-LC ports

    @property
    def lengths_m(self) -> list[float]:
        """Return the orderable lengths a run on this option is rounded to: cords, then trunks beyond them."""
        if self.copper is not None:
            return sorted(self.copper.lengths_m)
        cords = sorted(self.cord.lengths_m) if self.cord is not None else []
        trunks = sorted(v for v in self.trunk.lengths_m if v > self.cord_max_m) if self.trunk is not None else []
        return cords + trunks


def options(hardware: Hardware, media: list[Medium], a: CageEnd, b: CageEnd, link_class: str) -> list[Option]:
    """Return the feasible options for a link class, cheapest medium first, each with its effective reach (the
    smallest of the medium's, the modules' and the cabling's)."""
    result = []
    for medium in media:
        if LINK_ENDS[link_class] not in medium.ends:
            continue
        if not medium.optical:
            cable = copper_cable(hardware, medium, a, b)
            if cable is not None:
                result.append(Option(medium, min(medium.reach_m, max(cable.lengths_m)), copper=cable))
            continue
        option = _optical_option(hardware, medium, a, b)
        if option is not None:
            result.append(option)
    return result


def _optical_option(hardware: Hardware, medium: Medium, a: CageEnd, b: CageEnd) -> Option | None:
    """Return the optical option of a medium between two ends, or None when no pair of parts can join them."""
    for end_a in _optical_end(hardware, a, medium.pmd, medium.reach_m):
        for end_b in _optical_end(hardware, b, medium.pmd, min(medium.reach_m, end_a.reach_m)):
            if end_a.pmd != end_b.pmd or end_a.lane_gbps != end_b.lane_gbps:
                continue
            connector = (end_a.module or end_b.module).connector if (end_a.module or end_b.module) else "mpo-12"
            fiber = (end_a.module or end_b.module).fiber if (end_a.module or end_b.module) else "smf"
            split = max(end_a.links_per_optical_port, end_b.links_per_optical_port)
            kind = "fiber" if split == 1 else "splitter-fiber"
            if split > 1 and connector == "lc-duplex":
                continue  # CWDM optics multiplex all lanes on one fiber pair: no splitter exists
            cord = fiber_cable(hardware, None, fiber, connector, split, kind)
            if cord is None:
                continue
            # Split at both ends: a switch-side and a NIC-side splitter leg meet in a coupler.
            adapter = None
            if min(end_a.links_per_optical_port, end_b.links_per_optical_port) > 1:
                adapter = _by_kind(hardware, "adapter", connector)
                if adapter is None:
                    continue
            trunk = hardware.cables.get(medium.trunk) if medium.trunk else None
            if trunk is not None and trunk.fiber != fiber:
                trunk = None
            panel = _by_kind(hardware, "panel", connector)
            jumper = fiber_cable(hardware, None, fiber, connector, 1, "fiber")
            # A duplex-LC PMD on an MPO trunk breaks each MPO leg out to LC ports in a cassette at both ends.
            cassette = None
            if trunk is not None and trunk.end_a != connector:
                cassette = _cassette(hardware, trunk.end_a, connector, fiber)
            if trunk is None or panel is None or jumper is None or (trunk.end_a != connector and cassette is None):
                trunk = panel = jumper = cassette = None
            cord_max = max(cord.lengths_m)
            option = Option(medium, 0.0, None, end_a, end_b, cord, trunk, panel, jumper, cord_max, adapter, cassette)
            structured_max = 0.0
            if trunk is not None:
                # Structured runs are as long as the PMD's channel insertion loss allows, and no longer.
                spare_db = channel_budget_db(option) - structured_loss_db(option, 0.0)
                by_loss = spare_db / trunk.loss_db_per_km * 1000 if trunk.loss_db_per_km > 0 else float("inf")
                # The longest orderable trunk the budget allows: a run is ordered at the next length up, so a
                # reach between two lengths would order a trunk past the budget.
                structured_max = max((v for v in trunk.lengths_m if v <= by_loss + 1e-9), default=0.0)
            if structured_max <= cord_max:
                option = Option(medium, 0.0, None, end_a, end_b, cord, None, None, None, cord_max, adapter)
                structured_max = cord_max
            reach = min(medium.reach_m, end_a.reach_m, end_b.reach_m, structured_max)
            return Option(medium, reach, None, end_a, end_b, cord, option.trunk, option.panel, option.jumper,
                          cord_max, adapter, option.cassette)
    return None


def _by_kind(hardware: Hardware, kind: str, connector: str) -> Cable | None:
    for cable in sorted(hardware.cables.values(), key=lambda c: c.id):
        if cable.kind == kind and cable.end_a == connector:
            return cable
    return None


def _cassette(hardware: Hardware, trunk_connector: str, connector: str, fiber: str) -> Cable | None:
    for cable in sorted(hardware.cables.values(), key=lambda c: c.id):
        if (cable.kind == "cassette" and cable.end_a == trunk_connector and cable.end_b == connector
                and cable.fiber == fiber):
            return cable
    return None


def structured_loss_db(option: Option, trunk_m: float) -> float:
    """Return the channel insertion loss of a structured run: trunk fiber plus a mated pair at each panel (splitter
    legs plug into the panels, so no adapter joins them), plus the rear MPO pair of a cassette at each end when
    duplex-LC ports ride an MPO trunk."""
    cassette_db = option.cassette.connector_loss_db if option.cassette is not None else 0.0
    return trunk_m / 1000 * option.trunk.loss_db_per_km + 2 * (option.panel.connector_loss_db + cassette_db)


def channel_budget_db(option: Option) -> float:
    """Return the smaller of the two ends' PMD channel insertion-loss budgets."""
    budgets = [e.module.channel_loss_db for e in (option.a, option.b) if e is not None and e.module is not None]
    return min(budgets) if budgets else 3.0


def no_option_error(link_class: str, a: CageEnd, b: CageEnd, forced: str | None, switch: Switch) -> DesignError:
    """Return the error for a link class no part can build, naming the ends and what to change."""
    far = "NIC" if b.fits == "nic" else "switch"
    what = (f"{link_class} links ({switch.id} {a.form_factor} cage at {a.host_lane_gbps}G lanes, {a.port_gbps}G "
            f"ports, to a {far} {b.form_factor} cage at {b.host_lane_gbps}G lanes)")
    if forced is not None:
        return DesignError(f"medium {forced} has no parts for {what}: no module or cable of its kind fits both ends; "
                           f"remove media.{link_class} to let the rules choose, or pick another medium",
                           field=f"media.{link_class}")
    return DesignError(f"no catalog part joins {what}: their PMDs or lane rates differ; use a NIC and switch of one "
                       f"lane generation, another port speed, or add the parts with --catalog", field="switch")


# ---------------------------------------------------------------------------------------------------------------
# Invariants of a built plan (asked by the BOM; tests check them on every shipped and random spec)


def port_usage(links) -> dict[str, dict]:
    """Return, per switch tier, the switch model, the most cages and logical ports any switch of the tier uses,
    its cages and its logical-port maximum; raise DesignError if any switch would exceed either."""
    plan = links.plan
    switch = next(iter(links.rules.values())).switch
    ppc_down = switch.ports_per_cage(plan.port_gbps)
    ppc_up = switch.ports_per_cage(plan.uplink_gbps)
    down = plan.leaf_down_ports
    used = {"leaf": (math.ceil(down / ppc_down) + math.ceil(plan.leaf_uplinks / ppc_up), down + plan.leaf_uplinks)}
    if plan.tiers >= 2:
        used["spine"] = max(((math.ceil(p.spine_downlinks / ppc_up) + math.ceil(p.spine_uplinks / ppc_up),
                              p.spine_downlinks + p.spine_uplinks) for p in plan.pods), default=(0, 0))
    if plan.tiers == 3 and "spine_core" in links.runs:
        core_ports = links.runs["spine_core"].extra["core_ports"]
        used["core"] = (math.ceil(core_ports / ppc_up), core_ports)
    elif plan.tiers == 3 and "spine_core" in links.sets and len(links.sets["spine_core"]):
        core_ports = int(links.sets["spine_core"].z_port.max()) + 1
        used["core"] = (math.ceil(core_ports / ppc_up), core_ports)
    result = {}
    for tier, (cages, ports) in used.items():
        if ports > switch.max_logical_ports:
            raise DesignError(f"a {tier} {switch.id} would use {ports} logical ports; it supports at most "
                              f"{switch.max_logical_ports}", field="switch")
        if cages > switch.cages:
            raise DesignError(f"a {tier} {switch.id} would use {cages} cages; it has {switch.cages}", field="switch")
        result[tier] = {"switch": switch.id, "cages_used_max": cages, "cages": switch.cages,
                        "logical_ports_max": switch.max_logical_ports, "logical_ports_used_max": ports}
    return result
