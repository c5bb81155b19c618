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
            # An optical port is shared by as many links as the cage puts on it: a NIC cage running one 200G port
            # on a 400G module lights half its lanes for one link (NVIDIA's 200G mode), it does not share it.
            per_link = 1
            shared = max(min(optical_port_gbps // end.port_gbps, -(-end.ports_per_cage // module.ports)), 1)
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
    adapter: Cable | None = None         # (no longer chosen: two splitter legs cannot mate in a coupler)
    cassette: Cable | None = None        # breaks a trunk's MPO legs out to the panel's duplex-LC ports
    shuffle: Cable | None = None         # both ends share optical ports: straight cords to a shuffle module
    splitter: Cable | None = None        # the splitter legs of structured runs when the cord is straight

    @property
    def lengths_m(self) -> list[float]:
        """Return the orderable lengths a run on this option is rounded to: cords, then trunks beyond them."""
        if self.copper is not None:
            return sorted(self.copper.lengths_m)
        cords = sorted(v for v in self.cord.lengths_m if v <= self.cord_max_m + 1e-9) if self.cord is not None else []
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
            both = min(end_a.links_per_optical_port, end_b.links_per_optical_port) > 1
            kind = "fiber" if split == 1 else "splitter-fiber"
            if split > 1 and connector == "lc-duplex":
                continue  # CWDM optics multiplex all lanes on one fiber pair: no splitter exists
            cord = fiber_cable(hardware, None, fiber, connector, split, kind)
            if cord is None:
                continue
            # Split at both ends: no vendor documents a coupler joining two splitter legs (two unpinned ends, and
            # two Type-B legs in series land Tx on Tx). Each module's optical port takes a straight cord to a
            # shuffle module that sends each link's lanes from its slot at one end to its slot at the other;
            # structured runs still plug each splitter leg into its own panel port (the trunk joins them).
            adapter = shuffle = splitter = None
            if both:
                splitter = cord
                cord = fiber_cable(hardware, None, fiber, connector, 1, "fiber")
                shuffle = _shuffle(hardware, connector, fiber, split)
                if cord is None or shuffle is None:
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
            if shuffle is not None:
                # The shuffle's two mated pairs are in the channel: cords only as long as the budget allows.
                budget = min(e.module.channel_loss_db for e in (end_a, end_b) if e.module is not None)
                fits = [v for v in cord.lengths_m
                        if 2 * shuffle.connector_loss_db + v / 1000 * cord.loss_db_per_km <= budget + 1e-9]
                if not fits:
                    continue
                cord_max = max(fits)
            option = Option(medium, 0.0, None, end_a, end_b, cord, trunk, panel, jumper, cord_max, adapter, cassette,
                            shuffle, splitter)
            structured_max = 0.0
            if trunk is not None:
                # Structured runs are as long as the PMD's channel insertion loss allows, and no longer.
                spare_db = channel_budget_db(option) - structured_loss_db(option, 0.0)
                by_loss = spare_db / trunk.loss_db_per_km * 1000 if trunk.loss_db_per_km > 0 else float("inf")
                # The longest orderable trunk the budget allows: a run is ordered at the next length up, so a
                # reach between two lengths would order a trunk past the budget.
                structured_max = max((v for v in trunk.lengths_m if v <= by_loss + 1e-9), default=0.0)
            if structured_max <= cord_max:
                option = Option(medium, 0.0, None, end_a, end_b, cord, None, None, None, cord_max, adapter, None,
                                shuffle, splitter)
                structured_max = cord_max
            reach = min(medium.reach_m, end_a.reach_m, end_b.reach_m, structured_max)
            return Option(medium, reach, None, end_a, end_b, cord, option.trunk, option.panel, option.jumper,
                          cord_max, adapter, option.cassette, shuffle, splitter)
    return None


def _by_kind(hardware: Hardware, kind: str, connector: str) -> Cable | None:
    for cable in sorted(hardware.cables.values(), key=lambda c: c.id):
        if cable.kind == kind and cable.end_a == connector:
            return cable
    return None


def _shuffle(hardware: Hardware, connector: str, fiber: str, slots: int) -> Cable | None:
    for cable in sorted(hardware.cables.values(), key=lambda c: c.id):
        if cable.kind == "shuffle" and cable.end_a == connector and cable.fiber == fiber and cable.legs == slots:
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
    core_runs = links.runs.get("spine_core")
    if plan.tiers == 3 and core_runs is not None and "core_ports" in core_runs.extra:
        core_ports = core_runs.extra["core_ports"]  # (absent when the class has no links)
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


# ---------------------------------------------------------------------------------------------------------------
# Polarity and gender (asked by the plan: every fiber channel it builds must land Tx on Rx through mated ends)
#
# Fiber positions are numbered on each connector face as TIA-568.3-D numbers them (MPO-12: 1-12, MPO-16: 1-16, a
# duplex LC: 1-2). A parallel module sends lane j on position j+1 and receives it on position N-j (IEEE 802.3
# optical lane assignments of SR4/DR4/SR8: Tx on the low positions, Rx mirrored on the high ones); a duplex-LC
# (WDM) module sends on 1 and receives on 2. Each part maps positions: Type A straight (i -> i), Type B reversed
# (i -> N+1-i), Type C pairs flipped (1<->2, 3<->4, ...); an adapter joins two faces key-up to key-down (A, aligned)
# or key-up to key-up (B, reversed), a plug goes straight into a module. A channel is right when lane j of each end
# arrives on the far end's Rx position of lane j, and every MPO mating joins one pinned and one unpinned end (a
# module's MPO receptacle is pinned, IEEE 802.3; LC has no pins).

POSITIONS = {"mpo-12": 12, "mpo-16": 16, "lc-duplex": 2}


def _map(polarity: str, n: int, p: int) -> int:
    """Return the position p lands on through a Type A, B or C part (or an A/B adapter) of n positions."""
    if polarity == "A":
        return p
    if polarity == "B":
        return n + 1 - p
    return p + 1 if p % 2 else p - 1


class _Step:
    """One part of a channel: a position map in each direction, and the name the error message gives it."""

    def __init__(self, name: str, fwd, back=None):
        self.name, self.fwd, self.back = name, fwd, back or fwd


def _typed(name: str, polarity: str, n: int) -> _Step:
    return _Step(f"{name} (Type {polarity})", lambda p: _map(polarity, n, p))


def _fan(name: str, polarity: str, n: int, lanes: int, slot_main: int) -> _Step:
    """Return a 1:k splitter from its main end to the leg of slot_main (back: that leg to the main end). Leg k
    carries the main end's lanes k*lanes .. k*lanes+lanes-1 as its lanes 0..lanes-1, crossed (B) or not (A)."""
    def fwd(p):
        if p is None:
            return None
        low = p <= n // 2
        i = p - 1 if low else n - p
        if i // lanes != slot_main:
            return None  # the fiber leaves on another leg
        j = i % lanes
        return (n - j if low else j + 1) if polarity == "B" else (j + 1 if low else n - j)

    def back(q):
        if q is None:
            return None
        low = q <= n // 2
        j = q - 1 if low else n - q
        if j >= lanes:
            return None
        i = slot_main * lanes + j
        return (n - i if low else i + 1) if polarity == "B" else (i + 1 if low else n - i)
    return _Step(f"{name} leg {slot_main + 1} (Type {polarity})", fwd, back)


def _mesh(name: str, polarity: str, n: int, lanes: int, slot_in: int, slot_out: int) -> _Step:
    """Return a shuffle (mesh) module: slot s of input port u leaves on output port s as its slot u, crossed (B)
    or not (A). fwd: from the input port of the link's far-end slot slot_out; the link's near slot is slot_in."""
    def shuffle(p, slot_expected, slot_new):
        if p is None:
            return None
        low = p <= n // 2
        i = p - 1 if low else n - p
        if i // lanes != slot_expected:
            return None
        i = slot_new * lanes + i % lanes
        return (n - i if low else i + 1) if polarity == "B" else (i + 1 if low else n - i)
    return _Step(f"{name} (Type {polarity} shuffle)", lambda p: shuffle(p, slot_in, slot_out),
                 lambda p: shuffle(p, slot_out, slot_in))


@dataclass(frozen=True)
class _Face:
    """One end of a channel: a module's optical port (or a co-packaged switch port)."""

    name: str
    connector: str
    gender: str
    lanes: int           # lanes of one optical port
    slots: int           # links sharing the optical port (1: the port is one link's)


def _face(end: OpticalEnd, switch: Switch | None) -> _Face:
    if end.module is not None:
        module = end.module
        gender = module.mdi_gender or ("none" if module.connector == "lc-duplex" else "pinned")
        return _Face(module.id, module.connector, gender, module.lanes_per_optical_port, end.links_per_optical_port)
    connector = (switch.cpo_connector if switch is not None else None) or "mpo-12"
    # A co-packaged switch's front-panel MPO ports stand where a module's receptacle would (pinned, UNSURE).
    return _Face(switch.id if switch is not None else "co-packaged port", connector,
                 "none" if connector == "lc-duplex" else "pinned", 4, end.links_per_optical_port)


def _fiber(cable: Cable, role: str) -> tuple[str, str, str]:
    """Return (polarity, gender at end a, gender at end b) of a fiber part, or raise when the catalog omits them."""
    if cable.polarity is None or cable.gender_a is None or cable.gender_b is None:
        raise DesignError(f"catalog cable {cable.id} ({role}) gives no polarity and connector gender: add polarity "
                          f"(A, B or C, TIA-568.3-D) and gender_a / gender_b (pinned, unpinned or none)",
                          field="catalog")
    return cable.polarity, cable.gender_a, cable.gender_b


def _check_mate(left: tuple[str, str], right: tuple[str, str], connector: str) -> str | None:
    """Return why two ends cannot mate (None when they can): MPO needs one pinned and one unpinned end."""
    (gl, nl), (gr, nr) = left, right
    if connector == "lc-duplex" or "none" in (gl, gr):
        return None if gl == gr == "none" else f"{nl} ({gl}) cannot mate {nr} ({gr})"
    if {gl, gr} != {"pinned", "unpinned"}:
        return f"two {gl} MPO ends meet: {nl} and {nr} (an MPO mating needs one pinned and one unpinned end)"
    return None


def channel_runs(option: Option, switch: Switch | None = None, structured: bool = True
                 ) -> list[tuple[str, list, list]]:
    """Return the fiber channels an optical option builds, each as (run, steps, matings): the cord run (a cord, a
    1:2 splitter where one end shares an optical port, or a cord to a shuffle module and one on where both do) and
    the structured run (jumpers or splitter legs, panels, trunk, MPO-LC cassettes) when it has one."""
    a, b = _face(option.a, switch), _face(option.b, switch if option.b.module is None else None)
    runs = []
    cord_kind = option.cord.kind
    if a.slots > 1 and b.slots > 1:
        runs.append(("cord", *_shuffle_run(option, a, b)))
    elif cord_kind == "splitter-fiber" or a.slots > 1 or b.slots > 1:
        runs.append(("cord", *_split_run(option, a, b, option.cord, None)))
    else:
        runs.append(("cord", *_straight_run(option, a, b)))
    if structured and option.trunk is not None:
        runs.append(("structured", *_structured_run(option, a, b)))
    return runs


def _straight_run(option: Option, a: _Face, b: _Face):
    pol, ga, gb = _fiber(option.cord, "cord")
    n = POSITIONS[a.connector]
    steps = [_typed(option.cord.id, pol, n)]
    matings = [((a.gender, a.name), (ga, option.cord.id)), ((gb, option.cord.id), (b.gender, b.name))]
    return lambda sa, sb: steps, matings


def _split_run(option: Option, a: _Face, b: _Face, splitter: Cable, far: list | None):
    """A splitter's main end at the shared end, a leg at the other (far: the parts between the leg and the far
    module, default nothing)."""
    pol, g_main, g_leg = _fiber(splitter, "splitter cord")
    n = POSITIONS[a.connector]
    shared_a = a.slots > 1
    lanes = (a.lanes // a.slots) if shared_a else (b.lanes // b.slots)
    matings = [((a.gender if shared_a else b.gender, a.name if shared_a else b.name), (g_main, splitter.id)),
               ((g_leg, splitter.id), (b.gender if shared_a else a.gender, b.name if shared_a else a.name))]

    def steps(sa, sb):
        if shared_a:
            return [_fan(splitter.id, pol, n, lanes, sa)]
        fan = _fan(splitter.id, pol, n, lanes, sb)
        return [_Step(fan.name, fan.back, fan.fwd)]
    return steps, matings


def _shuffle_run(option: Option, a: _Face, b: _Face):
    """Both ends share their optical ports: a straight cord from each module to a shuffle (mesh) module, which sends
    each link's lanes from its slot at one end to its slot at the other."""
    shuffle = option.shuffle
    if shuffle is None:
        raise DesignError(f"{option.medium.id}: both ends share optical ports and the catalog has no shuffle module "
                          f"for {a.connector}; add a cable of kind shuffle", field="catalog")
    pol, ga, gb = _fiber(option.cord, "cord")
    spol, sa_gender, sb_gender = _fiber(shuffle, "shuffle module")
    n = POSITIONS[a.connector]
    lanes = a.lanes // a.slots
    matings = [((a.gender, a.name), (ga, option.cord.id)), ((gb, option.cord.id), (sa_gender, shuffle.id)),
               ((sb_gender, shuffle.id), (ga, option.cord.id)), ((gb, option.cord.id), (b.gender, b.name))]
    return (lambda sa, sb: [_typed(option.cord.id, pol, n), _mesh(shuffle.id, spol, n, lanes, sa, sb),
                            _typed(option.cord.id, pol, n)]), matings


def _structured_run(option: Option, a: _Face, b: _Face):
    """Jumper (or splitter leg) - panel - trunk - panel - jumper (or leg); a duplex-LC PMD reaches the MPO trunk
    through an MPO-LC cassette at each end (its LC ports taken as a bank of positions 1-12 on its front)."""
    trunk, panel, jumper = option.trunk, option.panel, option.jumper
    tpol, tga, tgb = _fiber(trunk, "trunk")
    n = POSITIONS[trunk.end_a]
    if option.cassette is not None:
        cassette = option.cassette
        cpol, c_rear, c_front = _fiber(cassette, "cassette")
        jpol, jga, jgb = _fiber(jumper, "jumper")
        # A duplex jumper flips its pair: on the cassette's bank of LC positions, a Type C (pair) flip.
        jumper_on_bank = "C" if jpol == "B" else "A"
        matings = [((a.gender, a.name), (jga, jumper.id)), ((jgb, jumper.id), (c_front, cassette.id)),
                   ((c_rear, cassette.id), (tga, trunk.id)), ((tgb, trunk.id), (c_rear, cassette.id)),
                   ((c_front, cassette.id), (jga, jumper.id)), ((jgb, jumper.id), (b.gender, b.name))]
        def to_lc(p):
            return None if p is None else (p - 1) % 2 + 1  # a bank position -> its duplex port's position

        steps = [_Step("LC port", lambda p: p, to_lc), _typed(jumper.id, jumper_on_bank, n),
                 _typed(cassette.id, cpol, n), _typed(trunk.id, tpol, n), _typed(cassette.id, cpol, n),
                 _typed(jumper.id, jumper_on_bank, n), _Step("LC port", to_lc, lambda p: p)]
        return (lambda sa, sb: steps), matings
    ppol = panel.polarity or "A"
    ends = []
    for face in (a, b):
        if face.slots > 1:
            pol, g_main, g_leg = _fiber(option.cord, "splitter leg")
            ends.append(("split", pol, g_main, g_leg, option.cord))
        else:
            pol, g1, g2 = _fiber(jumper, "jumper")
            ends.append(("jumper", pol, g1, g2, jumper))
    (ka, pa, ga1, ga2, part_a), (kb, pb, gb1, gb2, part_b) = ends
    matings = [((a.gender, a.name), (ga1, part_a.id)), ((ga2, part_a.id), (tga, f"{trunk.id} at {panel.id}")),
               ((tgb, f"{trunk.id} at {panel.id}"), (gb2, part_b.id)), ((gb1, part_b.id), (b.gender, b.name))]
    lanes_a = a.lanes // a.slots
    lanes_b = b.lanes // b.slots

    def steps(sa, sb):
        first = _fan(part_a.id, pa, n, lanes_a, sa) if ka == "split" else _typed(part_a.id, pa, n)
        if kb == "split":
            fan = _fan(part_b.id, pb, n, lanes_b, sb)
            last = _Step(fan.name, fan.back, fan.fwd)
        else:
            last = _typed(part_b.id, pb, n)
        return [first, _typed(f"{panel.id} adapter", ppol, n), _typed(trunk.id, tpol, n),
                _typed(f"{panel.id} adapter", ppol, n), last]
    return steps, matings


def _lanes(face: _Face, slot: int, lanes: int) -> tuple[list[int], list[int]]:
    """Return the Tx and Rx positions of a link's lanes on a face (its slot of a shared optical port)."""
    n = POSITIONS[face.connector]
    if face.connector == "lc-duplex":
        return [1], [2]
    first = slot * lanes
    return [first + j + 1 for j in range(lanes)], [n - first - j for j in range(lanes)]


def check_polarity(option: Option, link_class: str, switch: Switch | None = None, structured: bool = True) -> None:
    """Raise DesignError naming the run when a channel of this option lands a Tx lane anywhere but on the far
    end's Rx of that lane (in either direction), or mates two MPO ends of one gender."""
    if option.copper is not None or option.a is None or option.b is None:
        return
    a, b = _face(option.a, switch), _face(option.b, switch if option.b.module is None else None)
    lanes = min(a.lanes // a.slots, b.lanes // b.slots)
    for run, steps_of, matings in channel_runs(option, switch, structured):
        where = f"{link_class} {run} runs on {option.medium.id}"
        connector = option.trunk.end_a if run == "structured" and option.trunk is not None else a.connector
        for left, right in matings:
            why = _check_mate(left, right, "lc-duplex" if "none" in (left[0], right[0]) else connector)
            if why is not None:
                raise DesignError(f"{where}: {why}; order the part with the other gender", field="media")
        for sa in range(a.slots):
            for sb in range(b.slots):
                steps = steps_of(sa, sb)
                for src, dst, order, s_src, s_dst in ((a, b, steps, sa, sb), (b, a, steps[::-1], sb, sa)):
                    tx, _ = _lanes(src, s_src, lanes)
                    _, rx = _lanes(dst, s_dst, lanes)
                    for j, (start, want) in enumerate(zip(tx, rx, strict=True)):
                        p = start
                        for step in order:
                            p = (step.fwd if order is steps else step.back)(p) if p is not None else None
                        if p != want:
                            path = " - ".join(s.name for s in steps)
                            landed = "another leg" if p is None else f"position {p}"
                            raise DesignError(
                                f"{where}: Tx lane {j} of {src.name} lands on {landed} of {dst.name}, not its Rx "
                                f"position {want} ({src.name} - {path} - {dst.name}); use Type B cords and trunks "
                                f"throughout (TIA-568.3-D Method B) or one part that flips the channel",
                                field="media")


def check_channels(links) -> None:
    """Check polarity and gender of every fiber channel a plan builds (each link class and medium it uses, cord
    runs and, where runs go past the longest cord, structured runs); raise DesignError naming the run."""
    import numpy as np

    switch = next(iter(links.rules.values())).switch if links.rules else None
    for link_class in links.sets:
        hist = links.histogram(link_class)
        for index in np.flatnonzero(hist.sum(axis=1)).tolist():
            option = links.option(link_class, index)
            if option.copper is not None:
                continue
            beyond = bool((hist[index] * (links.lengths_m > option.cord_max_m + 1e-6)).sum())
            check_polarity(option, link_class, switch, structured=beyond and option.trunk is not None)
