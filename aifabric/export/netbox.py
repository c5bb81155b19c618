"""NetBox bulk-import CSVs of a fabric: devices.csv, interfaces.csv, cables.csv, streamed from the link table.

Column names and choice values follow NetBox v4.6.8 (`netbox/dcim/forms/bulk_import.py`, `netbox/dcim/choices.py`);
`version` gates the columns that changed (`device_role` before 3.6, cable `side_*_site` from 4.4). Switch
manufacturer and model are the catalog's, which match the netbox-community devicetype-library (Nvidia SN5600,
QM9700, Q3400-RA). Breakout lanes are child interfaces whose `parent` is the cage; a cage the library's device
type already creates (SN5600 swp1..swp64) is not written again, so the import does not collide with it.
One cable per link: a splitter DAC that serves two links appears as two cables with the same medium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from aifabric.errors import SpecError
from aifabric.export.containerlab import port_cage_lane
from aifabric.fabric.links import FabricLinks
from aifabric.fabric.rows import device_rows, link_rows, naming_for
from aifabric.io import ensure_dir, write_csv

DEFAULT_VERSION = "4.6"
STATUS = "planned"
ROLES = {"server": "gpu-server", "leaf": "leaf", "spine": "spine", "core": "core"}
# Device types whose devicetype-library definition already holds every cage as an interface named like ours.
LIBRARY_CAGES = {("Nvidia", "SN5600"): "swp{cage}"}
CLASS_TAG = {"nic_leaf": "nl", "leaf_spine": "ls", "spine_core": "sc"}
ETHERNET_TYPES = {
    ("osfp", 800): "800gbase-x-osfp", ("osfp", 400): "400gbase-x-osfp", ("qsfp112", 400): "400gbase-x-qsfp112",
    ("qsfp-dd", 400): "400gbase-x-qsfpdd", ("qsfp-dd", 800): "800gbase-x-qsfpdd",
    ("rj45", 1): "1000base-t", ("qsfp28", 100): "100gbase-x-qsfp28",
}
ETHERNET_BY_SPEED = {800: "800gbase-x-osfp", 400: "400gbase-x-osfp", 200: "200gbase-x-qsfp56",
                     100: "100gbase-x-qsfp28", 1: "1000base-t"}
INFINIBAND_BY_SPEED = {200: "infiniband-hdr", 400: "infiniband-ndr", 800: "infiniband-xdr"}


def parse_version(text: str) -> tuple[int, int]:
    """Return (major, minor) of a NetBox version string such as '4.6' or '3.5.9', or raise SpecError."""
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?", text.strip())
    if not match:
        raise SpecError("command line", "--netbox-version", f"'{text}': expected a version such as 4.6")
    return int(match.group(1)), int(match.group(2))


def device_header(version: str = DEFAULT_VERSION) -> list[str]:
    """Return devices.csv's columns for a NetBox version (`device_role` before 3.6, `role` from 3.6)."""
    role = "role" if parse_version(version) >= (3, 6) else "device_role"
    return ["name", role, "manufacturer", "device_type", "status", "site", "description"]


def interface_header(version: str = DEFAULT_VERSION) -> list[str]:
    """Return interfaces.csv's columns."""
    return ["device", "name", "parent", "type", "speed", "enabled", "description"]


def cable_header(version: str = DEFAULT_VERSION) -> list[str]:
    """Return cables.csv's columns (`side_a_site`/`side_b_site` from NetBox 4.4)."""
    columns = ["side_a_device", "side_a_type", "side_a_name", "side_b_device", "side_b_type", "side_b_name",
               "type", "status", "label", "length", "length_unit", "description"]
    if parse_version(version) >= (4, 4):
        columns[0:0] = ["side_a_site"]
        columns[4:4] = ["side_b_site"]
    return columns


def server_manufacturer_model(server_name: str) -> tuple[str, str]:
    """Return (manufacturer, model) of a catalog server name ('NVIDIA DGX H100' -> ('Nvidia', 'DGX H100'))."""
    if server_name.upper().startswith("NVIDIA "):
        return "Nvidia", server_name[len("NVIDIA "):]
    return "Generic", server_name


def interface_type(family: str, form: str, speed_gbps: int) -> str:
    """Return NetBox's interface type for a port of this family, cage form and speed."""
    if family == "infiniband":
        return INFINIBAND_BY_SPEED.get(speed_gbps, "other")
    return ETHERNET_TYPES.get((form, speed_gbps)) or ETHERNET_BY_SPEED.get(speed_gbps, "other")


def cable_type(cable) -> str:
    """Return NetBox's cable type for a catalog cable (dac-passive, dac-active, mmf-om4, smf-os2, ...)."""
    if cable.kind in ("dac", "splitter-dac"):
        return "dac-passive"
    if cable.kind in ("acc", "splitter-acc"):
        return "dac-active"
    if cable.kind == "aoc":
        return "aoc"
    if cable.kind == "utp":
        return "cat6a" if "cat6a" in cable.id else "cat6"
    for grade in ("om3", "om4", "om5"):
        if grade in cable.id:
            return f"mmf-{grade}"
    for grade in ("os1", "os2"):
        if grade in cable.id:
            return f"smf-{grade}"
    return "smf"


def device_rows_netbox(links: FabricLinks, hardware, site: str, version: str = DEFAULT_VERSION) -> Iterator[list]:
    """Yield one devices.csv row per server and switch (NIC ports are interfaces, not devices)."""
    plan = links.plan
    switch = hardware.switch(plan.switch_id)
    server = hardware.server(plan.server_id)
    server_make, server_model = server_manufacturer_model(server.name)
    parse_version(version)
    for name, role, plane, pod, su, rail, _model in device_rows(links, hardware):
        if role == "nic":
            continue
        if role == "server":
            yield [name, ROLES[role], server_make, server_model, STATUS, site, f"SU {su}"]
        else:
            where = f"plane {plane}" + (f", pod {pod}" if pod >= 0 else "") + (f", SU {su}, rail {rail}"
                                                                                 if role == "leaf" else "")
            yield [name, ROLES[role], switch.manufacturer, switch.model, STATUS, site, f"{role}, {where}"]


def interface_rows(links: FabricLinks, hardware, version: str = DEFAULT_VERSION) -> Iterator[list]:
    """Yield interfaces.csv rows: cages (where the device type lacks them) before their breakout lanes."""
    plan = links.plan
    switch = hardware.switch(plan.switch_id)
    nic = hardware.nic(plan.nic_id)
    kbps = 1_000_000  # NetBox's interface speed is in Kbps.
    library = LIBRARY_CAGES.get((switch.manufacturer, switch.model)) == switch.port_name_unsplit
    # An InfiniBand cage has no type of its own in NetBox: it takes its ports' (a QM9700 cage is 2 x NDR).
    cage_type = interface_type(switch.family, switch.cage_form,
                               plan.port_gbps if switch.family == "infiniband" else switch.cage_gbps)
    speeds = {plan.port_gbps, plan.uplink_gbps}
    split_ports = any(switch.ports_per_cage(s) > 1 for s in speeds)
    # Cages exist as interfaces when the device type creates them, or when they are written below as parents.
    cages_exist = library or split_ports
    if split_ports and not library:
        for name, role, *_ in device_rows(links, hardware):
            if role in ("leaf", "spine", "core"):
                for cage in range(switch.cages):
                    yield [name, switch.port_name_unsplit.format(cage=cage + 1), "", cage_type,
                           switch.cage_gbps * kbps, "true", "cage"]
    nic_type = interface_type(switch.family, nic.cage_form, plan.nic_gbps)
    if plan.planes > 1:
        # Each NIC splits into one port per plane: the NIC is the parent interface of its plane ports.
        naming = naming_for(links, hardware)
        for s in range(plan.servers):
            server = naming.server(s)
            for r in range(plan.rails):
                yield [server, f"nic{r}", "", nic_type, plan.nic_gbps * kbps, "true", f"rail {r} NIC"]
    port_cache: dict[str, str] = {}
    port_types = {speed: interface_type(switch.family, switch.cage_form, speed) for speed in speeds}
    nic_port_type = interface_type(switch.family, nic.cage_form, plan.port_gbps)
    for a, a_port, z, z_port, speed, _medium, _length, cls, plane, _cable in link_rows(links, hardware):
        if cls == "nic_leaf":
            parent = a_port.split("p")[0] if plan.planes > 1 else ""
            yield [a, a_port, parent, nic_port_type, speed * kbps, "true", f"plane {plane}"]
        else:
            row = _switch_port(a, a_port, switch, speed, port_types[speed], port_cache, cages_exist)
            if row:
                yield row
        row = _switch_port(z, z_port, switch, speed, port_types[speed], port_cache, cages_exist)
        if row:
            yield row


def _switch_port(device: str, port: str, switch, speed: int, port_type: str, cache: dict[str, str],
                 cages_exist: bool) -> list | None:
    """Return a switch port's row, or None for an unsplit cage that already exists (device type or cage rows)."""
    parent = cache.get(port)
    if parent is None:
        cage, lane = port_cage_lane(switch, port)
        parent = "" if lane is None else switch.port_name_unsplit.format(cage=cage)
        cache[port] = parent
    if not parent and cages_exist:
        return None
    return [device, port, parent, port_type, speed * 1_000_000, "true", ""]


def cable_rows(links: FabricLinks, hardware, site: str, version: str = DEFAULT_VERSION) -> Iterator[list]:
    """Yield one cables.csv row per link: interface terminations, type from the medium, length in m, planned."""
    with_site = parse_version(version) >= (4, 4)
    types = {m.id: cable_type(hardware.cables[m.cable]) for m in links.media}
    counters = dict.fromkeys(CLASS_TAG, 0)
    for a, a_port, z, z_port, _speed, medium, length, cls, plane, _cable in link_rows(links, hardware):
        counters[cls] += 1
        label = f"p{plane}-{CLASS_TAG[cls]}-{counters[cls]:07d}"
        row = [a, "dcim.interface", a_port, z, "dcim.interface", z_port, types[medium], STATUS, label, length, "m",
               medium]
        if with_site:
            row[0:0] = [site]
            row[4:4] = [site]
        yield row


def write_netbox(out_dir: str | Path, links: FabricLinks, hardware, site: str | None = None,
                 version: str = DEFAULT_VERSION) -> list[Path]:
    """Write devices.csv, interfaces.csv and cables.csv into out_dir (each atomically); return their paths."""
    parse_version(version)
    site = site or links.plan.name
    target = ensure_dir(out_dir)
    return [
        write_csv(target / "devices.csv", device_header(version), device_rows_netbox(links, hardware, site, version)),
        write_csv(target / "interfaces.csv", interface_header(version), interface_rows(links, hardware, version)),
        write_csv(target / "cables.csv", cable_header(version), cable_rows(links, hardware, site, version)),
    ]
