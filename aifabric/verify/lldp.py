"""LLDP neighbor tables, as switches and servers report them, read into one shape: {(device, port): (neighbor
device, neighbor port)}.

Formats read (detected from the document):
- lldpd: `lldpcli -f json show neighbors` ({"lldp": {"interface": {...} or [{...}, ...]}}; lldpd prints a
  mapping for one interface and a list for several) and `-f json0` (every level a list);
- NVUE (Cumulus Linux): `nv show interface -o json` / `nv show interface lldp -o json`
  ({"swp1": {"lldp": {"neighbor": {"<name>": {"chassis": {"system-name"}, "port": {"name"|"description"}}}}}}).

A table does not name the device it was taken on: a directory holds one file per device named after it
(`plane0-pod000-leaf000.json`, as `lab lldp` writes them), or one file maps device names to their tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aifabric.errors import SpecError

Table = dict[tuple[str, str], tuple[str, str]]


def _one(value: Any) -> Any:
    """Return the single element of a json0 list (lldpd's json0 wraps every value in a list), else the value."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _text(value: Any) -> str | None:
    value = _one(value)
    if isinstance(value, dict):
        value = value.get("value")
    return None if value is None else str(value)


def _lldpd_entries(interfaces: Any) -> list[tuple[str, dict]]:
    """Return (local port, neighbor) pairs of lldpd's `interface` value, whichever of its shapes."""
    entries = []
    items = interfaces if isinstance(interfaces, list) else [interfaces]
    for item in items:
        if not isinstance(item, dict):
            continue
        if "name" in item and ("chassis" in item or "port" in item):  # json0: {"name": "swp1", "chassis": [...]}
            entries.append((str(item["name"]), item))
            continue
        for port, neighbor in item.items():
            for one in neighbor if isinstance(neighbor, list) else [neighbor]:
                entries.append((str(port), one))
    return entries


def _lldpd_neighbor(neighbor: dict) -> tuple[str | None, str | None]:
    """Return (system name, port) of one lldpd neighbor (port id when it is an interface name, else its
    description)."""
    chassis = _one(neighbor.get("chassis", {}))
    name = None
    if isinstance(chassis, dict):
        if "name" in chassis:  # json0, or a chassis without a mapping by name
            name = _text(chassis["name"])
        else:
            keys = [k for k in chassis if k not in ("id", "descr", "mgmt-ip", "mgmt-iface", "capability", "ttl")]
            name = keys[0] if keys else None
    port = _one(neighbor.get("port", {}))
    peer_port = None
    if isinstance(port, dict):
        port_id = _one(port.get("id", {}))
        if isinstance(port_id, dict) and _text(port_id.get("type")) in ("ifname", "local"):
            peer_port = _text(port_id.get("value"))
        peer_port = peer_port or _text(port.get("descr"))
    return name, peer_port


def _nvue_entries(document: dict) -> list[tuple[str, str | None, str | None]]:
    entries = []
    for port, body in document.items():
        neighbors = (body.get("lldp") or {}).get("neighbor") if isinstance(body, dict) else None
        if not isinstance(neighbors, dict):
            continue
        for key, neighbor in neighbors.items():
            chassis = neighbor.get("chassis", {}) if isinstance(neighbor, dict) else {}
            remote = neighbor.get("port", {}) if isinstance(neighbor, dict) else {}
            name = chassis.get("system-name") or key
            peer_port = remote.get("name") or remote.get("description") or remote.get("id")
            entries.append((str(port), name, None if peer_port is None else str(peer_port)))
    return entries


def read_table(document: Any, device: str, label: str) -> Table:
    """Return one device's neighbors from an lldpd or NVUE JSON document (SpecError naming the file when it is
    neither)."""
    table: Table = {}
    if isinstance(document, dict) and "lldp" in document:
        lldp = _one(document["lldp"])
        interfaces = lldp.get("interface", []) if isinstance(lldp, dict) else []
        for port, neighbor in _lldpd_entries(interfaces):
            name, peer_port = _lldpd_neighbor(neighbor)
            if name is not None and peer_port is not None:
                table[(device, port)] = (name, peer_port)
        return table
    if isinstance(document, dict) and all(isinstance(v, dict) for v in document.values()):
        for port, name, peer_port in _nvue_entries(document):
            if name is not None and peer_port is not None:
                table[(device, port)] = (name, peer_port)
        return table
    raise SpecError(label, None, "not an LLDP neighbor table: expected lldpcli -f json show neighbors or NVUE's "
                    "nv show interface -o json")


def read_tables(path: str | Path) -> tuple[Table, set[str]]:
    """Return (neighbors of every device, the devices read) from a directory of <device>.json files or one file
    mapping device names to their tables."""
    source = Path(path)
    if source.is_dir():
        files = sorted(source.glob("*.json"))
        if not files:
            raise SpecError(str(source), None, "no <device>.json LLDP tables in this directory")
        documents = [(f.stem, _load(f), str(f)) for f in files]
    elif source.is_file():
        whole = _load(source)
        if not isinstance(whole, dict) or not whole or not all(isinstance(v, dict) for v in whole.values()):
            raise SpecError(str(source), None, "expected a mapping of device name to its LLDP table")
        documents = [(name, body, f"{source}: {name}") for name, body in whole.items()]
    else:
        raise SpecError(str(source), None, "no such file or directory")
    table: Table = {}
    devices = set()
    for device, document, label in documents:
        table.update(read_table(document, device, label))
        devices.add(device)
    return table, devices


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SpecError(str(path), None, f"not JSON: {exc.msg} at line {exc.lineno}", line=exc.lineno) from None
    except OSError as exc:
        raise SpecError(str(path), None, f"cannot read: {exc.strerror}") from None
