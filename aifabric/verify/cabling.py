"""A built site's cabling, as LLDP sees it, compared with the plan's cabling (links.csv): per cable correct,
miscabled (with where each end should go), missing or unexpected.

A cable is judged once, whichever of its ends reported it. Device names are compared as hostnames ('/' and '-' are
the same: plane0/pod000/leaf000 is plane0-pod000-leaf000) and ports with '/' as '_' (a Linux interface cannot hold
'/'), so names from the naming table, from a switch and from the lab all match.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from aifabric.errors import SpecError
from aifabric.verify.lldp import Table

End = tuple[str, str]


def _device(name: str) -> str:
    return name.replace("/", "-")


def _port(name: str) -> str:
    return name.replace("/", "_")


def planned_cables(rows: Iterable[tuple]) -> tuple[dict[End, End], dict[str, str]]:
    """Return (each planned end -> its far end, hostname -> plan name) from rows starting a_device, a_port,
    z_device, z_port (links.csv's columns)."""
    planned: dict[End, End] = {}
    names: dict[str, str] = {}
    for row in rows:
        a, a_port, z, z_port = row[0], row[1], row[2], row[3]
        names[_device(a)] = a
        names[_device(z)] = z
        ends = ((_device(a), _port(a_port)), (_device(z), _port(z_port)))
        planned[ends[0]] = ends[1]
        planned[ends[1]] = ends[0]
    return planned, names


def read_links_csv(path: str | Path) -> Iterable[tuple]:
    """Yield links.csv's rows (a_device, a_port, z_device, z_port, ...), checking its header."""
    try:
        with open(path, newline="") as stream:
            reader = csv.reader(stream)
            header = next(reader, None)
            if header is None or header[:4] != ["a_device", "a_port", "z_device", "z_port"]:
                raise SpecError(str(path), None, "not a links.csv: expected columns a_device,a_port,z_device,z_port")
            yield from (tuple(row) for row in reader)
    except OSError as exc:
        raise SpecError(str(path), None, f"cannot read: {exc.strerror}") from None


NETWORKS = ("compute", "converged", "storage", "oob", "nvlink")


def rows_of_network(rows: Iterable[tuple], network: str) -> list[tuple]:
    """Return the rows of one network (links.csv's 11th column, `network`; rows without it are the compute
    fabric's), or raise SpecError naming the networks allowed."""
    if network not in NETWORKS:
        raise SpecError("command line", "--network", f"'{network}': choose one of {', '.join(NETWORKS)}")
    return [r for r in rows if (r[10] if len(r) > 10 and r[10] else "compute") == network]


def compare(planned: dict[End, End], names: dict[str, str], seen: Table, devices_read: set[str]) -> dict:
    """Return the `verify cabling --json` document: {"correct", "miscabled", "missing", "unexpected"} (plus the
    devices read), each difference a cable with its two ends, and for a miscabled one where each end belongs."""
    observed: dict[End, End] = {}
    for (device, port), (peer, peer_port) in seen.items():
        observed[(_device(device), _port(port))] = (_device(peer), _port(peer_port))
    read = {_device(d) for d in devices_read}
    cables = set()
    for end, far in observed.items():
        cables.add(tuple(sorted((end, far))))
    involved = {end for cable in cables for end in cable}
    correct, miscabled, unexpected = 0, [], []

    def name(end: End) -> dict:
        return {"device": names.get(end[0], end[0]), "port": end[1]}

    for a, z in sorted(cables):
        if planned.get(a) == z:
            correct += 1
        elif a in planned or z in planned:
            entry = {"a": name(a), "z": name(z)}
            if a in planned:
                entry["a_should_go_to"] = name(planned[a])
            if z in planned:
                entry["z_should_go_to"] = name(planned[z])
            miscabled.append(entry)
        else:
            unexpected.append({"a": name(a), "z": name(z)})
    missing = []
    for a, z in sorted({tuple(sorted((e, f))) for e, f in planned.items()}):
        if (a[0] in read or z[0] in read) and a not in involved and z not in involved:
            missing.append({"a": name(a), "z": name(z)})
    return {"correct": correct, "miscabled": miscabled, "missing": missing, "unexpected": unexpected,
            "devices_read": len(read)}


def differences(document: dict) -> int:
    """Return how many cables differ from the plan."""
    return len(document["miscabled"]) + len(document["missing"]) + len(document["unexpected"])
