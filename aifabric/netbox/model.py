"""A finished plan as NetBox objects: what `netbox push` makes NetBox hold and what `netbox diff` checks.

Every object has an endpoint (`dcim/devices`), a natural key (the fields NetBox keeps unique: a device's site and
name, an interface's device and name, a cable's two interfaces) and its fields, where a reference to another
planned object is a Ref by key (NetBox's ids are only known at push time). Names, roles, interface and cable types
are the NetBox CSV exporter's (aifabric.export.netbox), so the CSVs and a pushed NetBox agree object for object.
"""

from __future__ import annotations

from collections.abc import Iterator

from aifabric.export.containerlab import port_cage_lane
from aifabric.export.netbox import (
    ROLES,
    cable_rows,
    device_rows_netbox,
    interface_rows,
    interface_type,
    server_manufacturer_model,
)
from aifabric.fabric.rows import link_rows
from aifabric.netbox.objects import (  # noqa: F401 (re-exported: sync, the CLI and the tests import them here)
    CIRCUIT_TYPES,
    CORRIDOR_ENDPOINTS,
    FABRIC_ENDPOINTS,
    FOREIGN_KEYS,
    KBPS_MAX,
    KEY_FIELDS,
    MODEL_NAMES,
    ROLE_COLORS,
    SCOPED,
    STATUS,
    TRANSCEIVER_PROFILE,
    NetboxPlan,
    Obj,
    Ref,
    _device_type,
    _manufacturer,
    _tag,
    key_of,
    plan_tag,
    slugify,
)

# -- fabric --------------------------------------------------------------------------------------------------------


def fabric_objects(links, hardware, site: str | None = None, networks=None) -> NetboxPlan:
    """Return a fabric plan's NetBox objects: types with interface templates, roles, the site, buildings and halls
    as locations, racks, devices at their U positions, interfaces and one cable per link. With `networks` (the
    plan's NetworkPlan) every other network of links.csv too (aifabric.netbox.networks), and every switch and
    cable carries its network's tag."""
    plan = links.plan
    site_name = site or plan.name
    out = NetboxPlan(plan.name, plan_tag(plan.name), FABRIC_ENDPOINTS)
    _tag(out)
    switch = hardware.switch(plan.switch_id)
    server = hardware.server(plan.server_id)
    made: set = set()
    server_make, server_model = server_manufacturer_model(server.name)
    server_type = _device_type(out, made, server_make, server_model, server.height_u)
    switch_type = _device_type(out, made, switch.manufacturer, switch.model, switch.height_u)
    for role in ROLES.values():
        out.add(Obj("dcim/device-roles", {"name": role, "slug": role, "color": ROLE_COLORS[role]}, role, shared=True))
    site_ref = Ref("dcim/sites", (slugify(site_name),))
    out.scope = site_ref
    out.add(Obj("dcim/sites", {"name": site_name, "slug": slugify(site_name), "status": STATUS,
                               "description": f"aifabric plan {plan.name}"}, site_name))
    placement = _Placement(links, hardware)
    compute_tags: tuple[str, ...] = ()
    if networks is not None:
        from aifabric.netbox.networks import COMPUTE, network_tag

        compute_tags = (network_tag(out, COMPUTE),)
    for building in range(placement.buildings):
        out.add(Obj("dcim/locations", {"site": site_ref, "name": f"building{building}", "slug": f"building{building}",
                                       "status": STATUS}, f"building{building}"))
    for hall in range(placement.halls):
        building = hall // placement.halls_per_building
        out.add(Obj("dcim/locations", {"site": site_ref, "name": f"hall{hall}", "slug": f"hall{hall}",
                                       "parent": Ref("dcim/locations", (site_ref.key, f"building{building}")),
                                       "status": STATUS}, f"hall{hall}"))

    devices: dict[str, Ref] = {}
    servers: set[str] = set()
    racks_made: set[str] = set()
    for name, role, _make, _model, _status, _site, description in device_rows_netbox(links, hardware, site_name):
        rack, hall, position = placement.place(name, role)
        if rack not in racks_made:
            racks_made.add(rack)
            out.add(Obj("dcim/racks", {"site": site_ref, "name": rack, "status": STATUS, "u_height": placement.rack_u,
                                       "location": Ref("dcim/locations", (site_ref.key, f"hall{hall}"))}, rack))
        fields = {"site": site_ref, "name": name, "role": Ref("dcim/device-roles", (role,)),
                  "device_type": server_type if role == "gpu-server" else switch_type, "status": STATUS,
                  "location": Ref("dcim/locations", (site_ref.key, f"hall{hall}")),
                  "rack": Ref("dcim/racks", (site_ref.key, rack)), "position": position, "face": "front",
                  "description": description}
        tags = () if role == "gpu-server" else compute_tags
        devices[name] = Ref("dcim/devices", out.add(Obj("dcim/devices", fields, name, tags=tags)).key)
        if role == "gpu-server":
            servers.add(name)

    # Interfaces: the cages a switch's type holds (as templates, so NetBox makes them with each device), the NIC
    # ports a server's type holds, then every breakout lane or plane port, which names its cage or NIC.
    cage_type = interface_type(switch.family, switch.cage_form,
                               plan.port_gbps if switch.family == "infiniband" else switch.cage_gbps)
    cages = [switch.port_name_unsplit.format(cage=c + 1) for c in range(switch.cages)]
    for cage in cages:
        out.add(Obj("dcim/interface-templates", {"device_type": switch_type, "name": cage, "type": cage_type},
                    f"{switch.model} {cage}", tagged=False, shared=True))
    rows = list(interface_rows(links, hardware))
    first_server = next((r[0] for r in rows if r[0] in servers), None)
    server_ports = [r for r in rows if r[0] == first_server and not r[2]]
    for row in server_ports:
        out.add(Obj("dcim/interface-templates", {"device_type": server_type, "name": row[1], "type": row[3]},
                    f"{server_model} {row[1]}", tagged=False, shared=True))
    templated = {r[1] for r in server_ports}
    switch_names = [name for name in devices if name not in servers]
    seen: set[tuple[str, str]] = set()
    for name in switch_names:
        for cage in cages:
            seen.add((name, cage))
            out.add(Obj("dcim/interfaces", {"device": devices[name], "name": cage, "type": cage_type},
                        f"{name} {cage}", tagged=False))
    for device, port, parent, kind, speed, _enabled, description in rows:
        if (device, port) in seen:
            continue
        seen.add((device, port))
        from_template = not parent and device in servers and port in templated
        fields = {"device": devices[device], "name": port, "type": kind}
        if not from_template:
            # NetBox >= 4.7 lets only virtual or channel interfaces have a parent, and a channel interface takes
            # no cable of its own (its cage's profiled cable stands for it): a breakout lane is a physical
            # interface that names its cage or NIC, so each lane keeps its own cable as the plan has it.
            where = f"lane of {parent}" if parent else ""
            fields.update({"speed": int(speed), "description": "; ".join(x for x in (where, description) if x)})
        out.add(Obj("dcim/interfaces", fields, f"{device} {port}", tagged=not from_template))

    _transceivers(out, made, links, hardware, switch_type, devices, switch_names, cages)

    for row in cable_rows(links, hardware, site_name, "4.6"):
        _s, a, _t, a_port, _s2, z, _t2, z_port, kind, status, label, length, unit, medium = row
        a_ref = Ref("dcim/interfaces", (devices[a].key, a_port))
        z_ref = Ref("dcim/interfaces", (devices[z].key, z_port))
        out.add(Obj("dcim/cables", {"a_terminations": [a_ref], "b_terminations": [z_ref], "type": kind,
                                    "status": status, "label": label, "length": float(length),
                                    "length_unit": unit, "description": medium}, label, tags=compute_tags))
    if networks is not None:
        from aifabric.netbox.networks import add_networks

        add_networks(out, made, links, hardware, networks, site_ref, placement, devices, racks_made)
    return out


def _transceivers(plan: NetboxPlan, made: set, links, hardware, switch_type: Ref, devices: dict[str, Ref],
                  switch_names: list[str], cages: list[str]) -> None:
    """Add the switch cages' transceivers as NetBox modules: a module bay per cage on the switch's device type
    (NetBox makes the bays with each switch), a module type per catalog transceiver (its order code as part number,
    NetBox's Transceiver profile) and one module in the bay of every cage a link lights through an optic, the
    module the plan's BOM counts for that cage's medium (a copper cage holds its DAC's plug, not a module)."""
    switch = hardware.switch(links.plan.switch_id)
    for number, cage in enumerate(cages, start=1):
        plan.add(Obj("dcim/module-bay-templates", {"device_type": switch_type, "name": cage, "position": str(number),
                                                   "description": f"{switch.cage_form_factor.upper()} cage"},
                     f"{switch.model} {cage}", tagged=False, shared=True))
    for name in switch_names:
        for cage in cages:
            plan.add(Obj("dcim/module-bays", {"device": devices[name], "name": cage}, f"{name} bay {cage}",
                         tagged=False))
    profile = Ref("dcim/module-type-profiles", (TRANSCEIVER_PROFILE,))
    profile_added = False
    media_index = {m.id: i for i, m in enumerate(links.media)}
    module_of: dict[tuple[str, str], object] = {}
    for a, a_port, z, z_port, _speed, medium, _length, cls, _plane, _cable in link_rows(links, hardware):
        option = links.option(cls, media_index[medium])
        if option.copper is not None:
            continue
        ends = [(z, z_port, option.a)] if cls == "nic_leaf" else [(a, a_port, option.a), (z, z_port, option.b)]
        for device, port, end in ends:
            if end is None or end.module is None:
                continue
            cage = switch.port_name_unsplit.format(cage=port_cage_lane(switch, port)[0])
            module_of.setdefault((device, cage), end.module)
    types: dict[str, Ref] = {}
    for (device, cage), module in module_of.items():
        if module.id not in types:
            if not profile_added:
                profile_added = True
                plan.add(Obj("dcim/module-type-profiles", {"name": TRANSCEIVER_PROFILE}, TRANSCEIVER_PROFILE,
                             tagged=False, shared=True))
            maker = _manufacturer(plan, made, module.vendor if module.vendor not in (None, "generic", "OEM")
                                  else "Generic")
            model = module.part or module.id
            types[module.id] = Ref("dcim/module-types", (maker.key, model))
            plan.add(Obj("dcim/module-types", {
                "manufacturer": maker, "model": model, "part_number": module.order_code_for(), "profile": profile,
                "description": module.name[:200],
                "attribute_data": {"form_factor": module.form_factor.upper(), "media": module.fiber.upper(),
                                   "phy": module.pmd.upper(), "data_rate": f"{module.module_gbps}G",
                                   "reach": module.reach_m, "connector_type": module.connector.upper()}},
                model, tagged=False, shared=True))
        bay = Ref("dcim/module-bays", (devices[device].key, cage))
        plan.add(Obj("dcim/modules", {"device": devices[device], "module_bay": bay, "module_type": types[module.id],
                                      "status": STATUS}, f"{device} {cage} {module.part or module.id}"))


class _Placement:
    """Racks, halls and U positions of every device, from the plan's floor (aifabric.fabric.placement).

    Servers fill their SU's racks bottom up (`su<k>-rack<r>`, servers_per_rack each, in the SU's hall); a rack-scale
    system's trays fill its own rack. Switches stand in network racks of `switches_per_network_rack` each: leaves
    of an SU in `su<k>-net<r>` in the SU's hall, spines of a pod in `pod<p>-net<r>` and cores in `core-net<r>` in
    the campus core hall (a spread core: `hall<h>-core-net<r>` in each core room's hall), as the floor places their
    rooms.
    """

    def __init__(self, links, hardware):
        plan = links.plan
        floor = links.floor
        self.plan = plan
        self.floor = floor
        self.halls = floor.halls
        self.halls_per_building = floor.placement.halls_per_building
        self.buildings = floor.buildings
        self.rack_u = floor.placement.rack_u
        self.server_u = hardware.server(plan.server_id).height_u
        self.switch_u = hardware.switch(plan.switch_id).height_u
        self.spr = floor.servers_per_rack
        self.per_net = floor.per_network_rack
        self.slot_in_group: dict[str, int] = {}
        self._leaf_index: dict[str, int] = {}
        self.used_u: dict[str, int] = {}   # network racks: the U their switches fill from the bottom

    def _su_hall(self, su: int) -> int:
        # As Floor._su_hall: SUs fill whole units (pods in three tiers), units fill halls.
        return (su // self.floor.sus_per_unit) // self.floor.units_per_hall

    def place(self, name: str, role: str) -> tuple[str, int, int]:
        """Return (rack name, hall, U position) of a device by name and NetBox role."""
        if role == "gpu-server":
            su_text, slot_text = name.split("/")
            su, slot = int(su_text[2:]), int(slot_text[len("server"):])
            rack, in_rack = divmod(slot, self.spr)
            return f"{su_text}-rack{rack}", self._su_hall(su), 1 + in_rack * self.server_u
        if role == "leaf":
            # Leaves of an SU stand together: plane/leaf index order within the SU.
            leaf = int(name.rsplit("leaf", 1)[1])
            su = leaf // self.plan.leaves_per_su
            group, hall = f"su{su:03d}", self._su_hall(su)
        elif role == "spine":
            pod = int(name.split("pod", 1)[1].split("/")[0]) if "pod" in name else 0
            group, hall = f"pod{pod:03d}", self.floor.core_hall
        elif len(self.floor.core_halls) == 1:
            group, hall = "core", int(self.floor.core_halls[0])
        else:
            # A spread core: each core stands in its own core room's hall (aifabric.fabric.placement).
            core = int(name.rsplit("core", 1)[1])
            hall = int(self.floor.core_halls[self.floor.core_room(core) - self.floor.first_core_room()])
            group = f"hall{hall}-core"
        return self.in_group(group, hall, self.switch_u)

    def in_group(self, group: str, hall: int, height_u: int) -> tuple[str, int, int | None]:
        """Return (rack, hall, U position) of the next switch of a group of network racks (`<group>-net<r>`,
        switches_per_network_rack each, stacked from the bottom; no position once the rack's U are full)."""
        index = self.slot_in_group.get(group, 0)
        self.slot_in_group[group] = index + 1
        rack = f"{group}-net{index // self.per_net}"
        position = self.used_u.get(rack, 0) + 1
        self.used_u[rack] = position + height_u - 1
        return rack, hall, position if position + height_u - 1 <= self.rack_u else None


# -- corridor ------------------------------------------------------------------------------------------------------


def corridor_objects(plan) -> NetboxPlan:
    """Return a corridor plan's NetBox objects: its end sites, a provider for the carrier the RFP awards, circuit
    types, and per demand path (working, protect) one circuit per wave (wave service, commit rate the wave's line
    rate) or one circuit (dark fiber, spectrum), each with A/Z terminations at the demand's end sites."""
    out = NetboxPlan(plan.name, plan_tag(plan.name), CORRIDOR_ENDPOINTS)
    _tag(out)
    sites: dict[str, Ref] = {}
    for demand in plan.demands:
        for site_id in (demand.demand.a, demand.demand.z):
            if site_id not in sites:
                site = plan.network.sites[site_id]
                sites[site_id] = Ref("dcim/sites", (slugify(site_id),))
                out.add(Obj("dcim/sites", {"name": site.name, "slug": slugify(site_id), "status": "active",
                                           "latitude": round(site.lat, 6), "longitude": round(site.lon, 6)},
                            site.name, shared=True))
    provider_slug = slugify(f"{plan.name}-carrier")
    provider = Ref("circuits/providers", (provider_slug,))
    out.scope = provider
    out.add(Obj("circuits/providers", {"name": f"{plan.name} carrier", "slug": provider_slug,
                                       "description": "the carrier the corridor RFP awards"}, f"{plan.name} carrier"))
    for service, type_name in CIRCUIT_TYPES.items():
        out.add(Obj("circuits/circuit-types", {"name": type_name, "slug": slugify(type_name),
                                               "description": f"corridor service: {service}"}, type_name,
                    shared=True))
    service = plan.spec.service if plan.spec.service in CIRCUIT_TYPES else "waves"
    circuit_type = Ref("circuits/circuit-types", (slugify(CIRCUIT_TYPES[service]),))
    for demand in plan.demands:
        d = demand.demand
        for path in demand.paths:
            mode = path.mode if path.mode is not None else demand.mode
            base = f"{plan.name}/{d.a}-{d.z}/{path.role}"
            about = f"{path.role} path {path.route.km:.1f} km, {path.latency_ms:.2f} ms one-way"
            if service == "waves":
                # A carrier sells each wave as a circuit; NetBox's commit rate is a 32-bit Kbps field (at most
                # 2.1 Tbps), which one wave fits and a whole multi-Tbps demand does not.
                circuits = [(f"{base}/w{w:02d}", int(mode.line_rate_gbps * 1_000_000),
                             f"{about}, wave {w + 1} of {path.waves} ({mode.id}) for {d.capacity_tbps:g} Tbps")
                            for w in range(path.waves)]
            else:
                kbps = int(round(d.capacity_tbps * 1_000_000_000))
                circuits = [(base, kbps if kbps <= KBPS_MAX else None,
                             f"{about}, {d.capacity_tbps:g} Tbps as {path.waves} x {mode.id}")]
            for cid, commit_kbps, description in circuits:
                circuit = out.add(Obj("circuits/circuits", {
                    "provider": provider, "cid": cid, "type": circuit_type, "status": STATUS,
                    "commit_rate": commit_kbps, "description": description}, cid))
                circuit_ref = Ref("circuits/circuits", circuit.key)
                for side, site_id in (("A", d.a), ("Z", d.z)):
                    out.add(Obj("circuits/circuit-terminations", {
                        "circuit": circuit_ref, "term_side": side, "termination_type": "dcim.site",
                        "termination_id": sites[site_id]}, f"{cid} {side}"))
    return out


def iter_objects(plan: NetboxPlan) -> Iterator[Obj]:
    """Yield every object of the plan in creation order."""
    for endpoint in plan.endpoints:
        yield from plan.objects.get(endpoint, ())
