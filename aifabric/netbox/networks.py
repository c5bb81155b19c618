"""The networks beside the compute fabric as NetBox objects, from links.csv's own rows.

Every other network's link (converged N/S, storage, out-of-band, NVLink between racks) is one cable tagged with
its network (`aifabric-net-<network>`), between interfaces named as links.csv names them; every device its rows
name is a NetBox device with a role per network tier (converged-leaf, storage-spine, oob-switch, ...) or managed
device class (pdu, power-shelf, nvlink-switch-tray, storage-node, ...), of the catalog's device type for a switch
(with its cages as interface templates) and a generic type for the devices the plan names no model of. A server's
N/S, storage, BMC and management ports are interfaces of its device (BMC and management ports `mgmt_only`).

Placement follows the plan's floor: a network's node leaves stand in their SU's network racks after the compute
leaves, its other switches in network racks of their own (`<network>-net<r>`) in the core hall; an OOB switch
stands in the rack of the first in-rack device it serves (at the top of the rack, where the servers leave room),
PDUs, power shelves and NVLink switch trays in their rack without a U position (the plan does not place them in
the rack); storage nodes, support servers, the customer edge and coolant units in the core hall, unracked.
"""

from __future__ import annotations

from aifabric.export.netbox import cable_type, interface_type, server_manufacturer_model
from aifabric.export.network_rows import COMPUTE, FastNaming, network_blocks, network_devices
from aifabric.fabric.rows import naming_for
from aifabric.netbox.objects import STATUS, NetboxPlan, Obj, Ref, _device_type, slugify

__all__ = ["COMPUTE", "add_networks", "network_tag", "role_slug"]

# Tag colours of the networks (NetBox shows them beside each cable and device).
NETWORK_COLORS = {"compute": "4caf50", "converged": "2196f3", "storage": "ff9800", "oob": "9e9e9e",
                  "nvlink": "76b900"}
# Device role slugs of the out-of-band network's tiers.
OOB_ROLES = {"leaf": "oob-switch", "aggregation": "oob-aggregation", "aggregation_core": "oob-aggregation-core"}
SWITCH_TIERS = ("leaf", "spine", "core")
ROLE_COLORS = {"leaf": "2196f3", "spine": "9c27b0", "core": "f44336", "oob-switch": "607d8b",
               "oob-aggregation": "455a64", "oob-aggregation-core": "263238", "storage-node": "ff9800",
               "support-server": "8bc34a", "customer-edge": "795548", "pdu": "ffc107", "power-shelf": "ff5722",
               "cdu": "00bcd4", "nvlink-switch-tray": "76b900"}
# Devices the plan names no catalog model of: (manufacturer, model, height in U); "{system}" is the rack-scale
# system's model (an NVL72's NVLink switch trays and power shelves come with the rack).
GENERIC_TYPES = {
    "nvlink_switch_tray": (None, "{system} NVLink Switch Tray", 1),
    "power_shelf": (None, "{system} Power Shelf", 1),
    "pdu": ("Generic", "Rack PDU (managed, 1GbE)", 0),
    "cdu": ("Generic", "Coolant Distribution Unit", 0),
    "storage_node": ("Generic", "Storage node", 2),
    "support_server": ("Generic", "Support server", 1),
    "customer_edge": ("Generic", "Customer edge router", 1),
}
# Short network names in cable labels (the compute fabric's labels start with its plane: p0-nl-0000001).
LABEL_PREFIX = {"converged": "cv", "storage": "st", "oob": "oob", "nvlink": "nvl"}
CLASS_LABEL = {"node_leaf": "nl", "leaf_spine": "ls", "spine_core": "sc", "device_oob": "dev", "oob_uplink": "up",
               "aggregation_core": "ac", "customer_uplink": "cu", "storage_leaf": "stl", "support_leaf": "spl",
               "storage_spine": "sts", "support_spine": "sps", "inter_rack": "ir", "isl": "isl"}
KBPS = 1_000_000


def network_tag(plan: NetboxPlan, network: str) -> str:
    """Add a network's tag (shared: made when missing) and return its slug."""
    slug = f"aifabric-net-{slugify(network)}"
    if not any(o.fields["slug"] == slug for o in plan.objects.get("extras/tags", ())):
        plan.add(Obj("extras/tags", {"name": slug, "slug": slug, "color": NETWORK_COLORS.get(network, "607d8b"),
                                     "description": f"aifabric: links and devices of the {network} network"},
                     slug, tagged=False, shared=True))
    return slug


def role_slug(network: str, role: str) -> str:
    """Return the NetBox device role of a device of a network: its tier (converged-leaf, oob-switch) or class."""
    if network == "oob" and role in OOB_ROLES:
        return OOB_ROLES[role]
    if role in SWITCH_TIERS:
        return f"{slugify(network)}-{role}"
    return slugify(role.replace("_", "-"))


def _role(plan: NetboxPlan, slug: str) -> Ref:
    if not any(o.fields["slug"] == slug for o in plan.objects.get("dcim/device-roles", ())):
        color = ROLE_COLORS.get(slug) or ROLE_COLORS.get(slug.rsplit("-", 1)[-1], "607d8b")
        plan.add(Obj("dcim/device-roles", {"name": slug, "slug": slug, "color": color}, slug, shared=True))
    return Ref("dcim/device-roles", (slug,))


def run_types(networks, hardware) -> dict[tuple[str, str], str]:
    """Return {(network, link class): NetBox cable type} where every run of the class takes parts of one type (the
    option its length picks, as the BOM counts it: aifabric.fabric.networks.count_network_parts)."""
    from aifabric.fabric.networks import option_reach

    kinds: dict[tuple[str, str], set[str]] = {}
    for name, network in networks.networks.items():
        for runs in network.runs:
            media = hardware.netmedia.get(runs.media)
            if media is None:
                continue
            reaches = [option_reach(o, hardware) for o in media.options]
            for length, count in zip(runs.lengths_m.tolist(), runs.counts.tolist(), strict=True):
                index = next((i for i, r in enumerate(reaches) if length <= r + 1e-9), None)
                if count and index is not None:
                    kind = cable_type(hardware.cables[media.options[index].cable])
                    kinds.setdefault((name, runs.link_class), set()).add(kind)
    return {key: found.pop() for key, found in kinds.items() if len(found) == 1}


def _medium_type(hardware, medium: str, cable: str, compute_types: dict[str, str]) -> str:
    """Return NetBox's cable type of a row: its cable part's, else its medium's when every option of the medium is
    of one type ("" when the row's run picks among types: links.csv does not say which)."""
    if cable and cable in hardware.cables:
        return cable_type(hardware.cables[cable])
    if medium in compute_types:
        return compute_types[medium]
    media = hardware.netmedia.get(medium)
    if media is None:
        return ""
    kinds = {cable_type(hardware.cables[o.cable]) for o in media.options}
    return kinds.pop() if len(kinds) == 1 else ""


def add_networks(out: NetboxPlan, made: set, links, hardware, networks, site_ref: Ref, placement,
                 devices: dict[str, Ref], racks_made: set[str]) -> None:
    """Add every other network's devices, interfaces and cables (links.csv's rows after the compute fabric's)."""
    plan = links.plan
    naming = FastNaming(naming_for(links, hardware))
    blocks = list(network_blocks(networks, plan, hardware, naming))
    servers = set(naming.server_names())
    others = network_devices(networks, plan, hardware, naming, blocks, set(devices) | servers)
    compute_switches = set(devices) - servers
    server_index = {name: i for i, name in enumerate(naming.server_names())}
    server = hardware.server(plan.server_id)
    system_make, system_model = server_manufacturer_model(server.name)
    system_model = system_model.split(" (")[0]   # 'GB200 NVL36x2 (compute tray of ...)' -> 'GB200 NVL36x2'
    hall_ref = {}

    def location(hall: int) -> Ref:
        if hall not in hall_ref:
            hall_ref[hall] = Ref("dcim/locations", (site_ref.key, f"hall{hall}"))
        return hall_ref[hall]

    def rack_ref(rack: str, hall: int) -> Ref:
        if rack not in racks_made:
            racks_made.add(rack)
            out.add(Obj("dcim/racks", {"site": site_ref, "name": rack, "status": STATUS, "u_height": placement.rack_u,
                                       "location": location(hall)}, rack))
        return Ref("dcim/racks", (site_ref.key, rack))

    # The server racks in floor order: the out-of-band plan's rack k is the k-th (an SU starts a new rack).
    server_racks: list[tuple[str, int]] = []
    server_rack: dict[str, tuple[str, int]] = {}
    server_top: dict[str, int] = {}
    for s in range(plan.servers):
        name = naming.server(s)
        rack, hall, position = placement.place(name, "gpu-server")
        if not server_racks or server_racks[-1][0] != rack:
            server_racks.append((rack, hall))
        server_rack[name] = (rack, hall)
        server_top[rack] = max(server_top.get(rack, 0), position + placement.server_u - 1)

    # Which SU a network's leaf serves (its first node's), and the rack of an OOB switch's first in-rack device.
    leaf_su: dict[str, int] = {}
    oob_rack: dict[str, tuple[str, int]] = {}
    rack_of_device = {d.name: server_racks[d.rack] for d in others if 0 <= d.rack < len(server_racks)}
    for block in blocks:
        a_names, a_index = block.a
        z_names, z_index = block.z
        if block.link_class == "node_leaf":
            for i, j in zip(a_index.tolist(), z_index.tolist(), strict=True):
                if a_names[i] in server_index:
                    leaf_su.setdefault(z_names[j], server_index[a_names[i]] // plan.leaf_downlinks)
        elif block.link_class == "device_oob":
            for i, j in zip(a_index.tolist(), z_index.tolist(), strict=True):
                if z_names[j] in oob_rack:
                    continue
                where = server_rack.get(a_names[i]) or rack_of_device.get(a_names[i])
                if where is not None:
                    oob_rack[z_names[j]] = where

    # Device types: the catalog's switches with their cages as templates, generic types for the rest.
    cages_of: dict[str, list[tuple[str, str]]] = {}
    # A type the compute fabric already templated keeps its templates' interface types.
    templates = {o.key: o.fields["type"] for o in out.objects.get("dcim/interface-templates", ())}
    bays_of = {}
    for o in out.objects.get("dcim/module-bay-templates", ()):
        bays_of.setdefault(o.fields["device_type"].key, []).append(o.fields["name"])
    types: dict[str, Ref] = {}

    def switch_type(model_id: str) -> Ref:
        if model_id not in types:
            switch = hardware.switch(model_id)
            ref = _device_type(out, made, switch.manufacturer, switch.model, switch.height_u)
            types[model_id] = ref
            # An InfiniBand cage has no NetBox type of its own: it takes its two ports' (a QM9700 cage is 2 x NDR).
            cage_gbps = switch.cage_gbps // 2 if switch.family == "infiniband" else switch.cage_gbps
            cages = [(switch.port_name_unsplit.format(cage=c + 1),
                      interface_type(switch.family, switch.cage_form, cage_gbps)) for c in range(switch.cages)]
            if switch.uplink_cages:
                form = switch.uplink_cage_form_factor or switch.cage_form
                cages += [(switch.port_name_unsplit.format(cage=switch.cages + c + 1),
                           interface_type(switch.family, form, switch.uplink_gbps)) for c in range(switch.uplink_cages)]
            for i, (name, kind) in enumerate(cages):
                fields = {"device_type": ref, "name": name, "type": kind}
                obj = Obj("dcim/interface-templates", fields, f"{switch.model} {name}", tagged=False, shared=True)
                if obj.key in templates:
                    cages[i] = (name, templates[obj.key])
                else:
                    templates[obj.key] = kind
                    out.add(obj)
            cages_of[model_id] = cages
        return types[model_id]

    def generic_type(role: str) -> Ref:
        if role not in types:
            make, model, height = GENERIC_TYPES.get(role, ("Generic", role.replace("_", " ").capitalize(), 1))
            types[role] = _device_type(out, made, make or system_make, model.format(system=system_model), height)
        return types[role]

    # Interfaces the compute fabric already holds (a leaf two networks share keeps each of its ports once).
    seen_ifaces = {(o.fields["device"].key[1], o.fields["name"]) for o in out.objects.get("dcim/interfaces", ())}
    network_tags: dict[str, str] = {}

    def tag_of(network: str) -> str:
        if network not in network_tags:
            network_tags[network] = network_tag(out, network)
        return network_tags[network]

    for device in others:
        tag = tag_of(device.network)
        role = _role(out, role_slug(device.network, device.role))
        is_switch = device.model is not None and device.model in hardware.switches
        kind = switch_type(device.model) if is_switch else generic_type(device.role)
        height = hardware.switch(device.model).height_u if is_switch else GENERIC_TYPES.get(device.role, (0, 0, 1))[2]
        fields = {"site": site_ref, "name": device.name, "role": role, "device_type": kind, "status": STATUS,
                  "description": f"{device.network} {device.role.replace('_', ' ')}"}
        rack = position = None
        if is_switch and device.network == "oob" and device.role == "leaf" and device.name in oob_rack:
            # At the top of the rack of the devices it serves, where the rack's servers leave room.
            rack, hall = oob_rack[device.name]
            top = placement.used_u.get(rack, 0)
            candidate = placement.rack_u - top - height + 1
            position = candidate if candidate > server_top.get(rack, 0) else None
            placement.used_u[rack] = top + height
        elif is_switch:
            su = leaf_su.get(device.name)
            if su is not None:
                group, hall = f"su{su:03d}", placement._su_hall(su)
            else:
                group, hall = slugify(device.network), placement.floor.core_hall
            rack, hall, position = placement.in_group(group, hall, height)
        elif device.name in rack_of_device:
            rack, hall = rack_of_device[device.name]
        else:
            hall = placement.floor.core_hall
        fields["location"] = location(int(hall))
        if rack is not None:
            fields["rack"] = rack_ref(rack, int(hall))
            fields["position"] = position
            fields["face"] = "front" if position is not None else ""
        devices[device.name] = Ref("dcim/devices", out.add(Obj("dcim/devices", fields, device.name,
                                                                tags=(tag,))).key)
        if is_switch:
            for cage, cage_type in cages_of[device.model]:
                seen_ifaces.add((device.name, cage))
                out.add(Obj("dcim/interfaces", {"device": devices[device.name], "name": cage, "type": cage_type},
                            f"{device.name} {cage}", tagged=False))
            for bay in bays_of.get(kind.key, ()):
                out.add(Obj("dcim/module-bays", {"device": devices[device.name], "name": bay},
                            f"{device.name} bay {bay}", tagged=False))

    # Interfaces and cables, row by row in links.csv's order.
    compute_types = {m.id: cable_type(hardware.cables[m.cable]) for m in links.media}
    by_runs = run_types(networks, hardware)
    counters: dict[tuple[str, str], int] = {}
    families = {name: hardware.switch(d.model) for d in others
                if d.model in hardware.switches for name in (d.name,)}
    compute_switch = hardware.switch(plan.switch_id)
    for block in blocks:
        tag = tag_of(block.network)
        kinds: dict[str, str] = {}
        key = (block.network, block.link_class)
        prefix = f"{LABEL_PREFIX.get(block.network, slugify(block.network))}-" \
                 f"{CLASS_LABEL.get(block.link_class, slugify(block.link_class))}"
        for a, a_port, z, z_port, speed, medium, length_text, _cls, _plane, cable, _net in block.iter_rows():
            if cable not in kinds:
                kinds[cable] = (_medium_type(hardware, block.medium, cable, compute_types) if cable
                                else by_runs.get((block.network, block.link_class))
                                or _medium_type(hardware, block.medium, cable, compute_types))
            kind = kinds[cable]
            length = float(length_text) if length_text else None
            ends = []
            for end, device, port in (("a", a, a_port), ("z", z, z_port)):
                if (device, port) not in seen_ifaces:
                    seen_ifaces.add((device, port))
                    switch = families.get(device) or (compute_switch if device in compute_switches else None)
                    mgmt = block.link_class == "device_oob" and end == "a"
                    if mgmt or speed <= 1:
                        iface_type = "1000base-t"
                    elif switch is not None:
                        iface_type = interface_type(switch.family, switch.cage_form, speed)
                    else:
                        iface_type = interface_type("ethernet", "", speed)
                    fields = {"device": devices[device], "name": port, "type": iface_type, "speed": int(speed) * KBPS,
                              "mgmt_only": mgmt, "description": f"{block.network} {block.link_class}"}
                    out.add(Obj("dcim/interfaces", fields, f"{device} {port}", tags=(tag,)))
                ends.append(Ref("dcim/interfaces", (devices[device].key, port)))
            counters[key] = counters.get(key, 0) + 1
            label = f"{prefix}-{counters[key]:07d}"
            out.add(Obj("dcim/cables", {"a_terminations": [ends[0]], "b_terminations": [ends[1]], "type": kind,
                                        "status": STATUS, "label": label, "length": length,
                                        "length_unit": "m" if length is not None else "",
                                        "description": medium}, label, tags=(tag,)))
