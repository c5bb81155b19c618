"""The lab's state: one directory per lab (ROOT/<name>) holding lab.json (namespaces, devices, cables), the lab's
links.csv, and a folder per namespace with its daemons' configuration, sockets, pid files and logs. lab.json is
written before anything is created, so `lab down` finds everything a crashed `lab up` left behind."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from aifabric.errors import SpecError

# Under /run (a tmpfs, emptied at boot, as namespaces are) and traversable by FRR's daemons, which run as `frr`.
ROOT = Path(os.environ.get("AIFABRIC_LAB_ROOT", "/run/aifabric-lab"))
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,15}$")


def check_name(name: str) -> str:
    """Return a lab name, or raise SpecError: 1-16 lowercase letters, digits or '-'."""
    if not NAME.match(name):
        raise SpecError("command line", "--name", f"'{name}': use 1-16 lowercase letters, digits or '-' (e.g. lab)")
    return name


@dataclass
class Node:
    """One namespace: a switch (role leaf/spine/core) or a server (role host)."""

    name: str  # the naming table's name (plane0/pod000/leaf000, su000/server000)
    namespace: str
    role: str
    plane: int = -1
    loopback: str = ""
    asn: int = 0
    # port -> {"peer", "peer_port", "kind", "address", "peer_address"}
    ports: dict[str, dict] = field(default_factory=dict)


@dataclass
class LabState:
    """What one lab is made of, as lab.json records it."""

    name: str
    spec: str
    tiers: int
    planes: int
    ecmp_expected: int
    nodes: dict[str, Node]
    cables: list[list[str]]  # [a device, a port, z device, z port] per veth pair
    p2p: str = "unnumbered"
    network: str = "compute"  # the network the lab copies (compute, or converged: its representative rows)

    @property
    def directory(self) -> Path:
        """Return the lab's state directory."""
        return lab_dir(self.name)

    def node_dir(self, node: Node) -> Path:
        """Return a namespace's own folder (its daemons' files)."""
        return self.directory / "nodes" / node.namespace

    def switches(self) -> list[Node]:
        """Return the switch nodes, in naming order."""
        return [n for n in self.nodes.values() if n.role != "host"]

    def hosts(self) -> list[Node]:
        """Return the server nodes, in naming order."""
        return [n for n in self.nodes.values() if n.role == "host"]

    def save(self) -> Path:
        """Write lab.json; return its path."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / "lab.json"
        document = asdict(self)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
        tmp.replace(path)
        return path


def lab_dir(name: str) -> Path:
    """Return the state directory of a lab."""
    return ROOT / name


def prefix(name: str) -> str:
    """Return the prefix of every namespace of a lab (aifabric-<name>.)."""
    return f"aifabric-{name}."


def load(name: str) -> LabState:
    """Return a lab's state, or raise SpecError when no such lab is up."""
    path = lab_dir(name) / "lab.json"
    if not path.exists():
        raise SpecError("command line", "--name", f"no lab '{name}' is up (no {path}); start one with "
                        f"`aifabric lab up SPEC --name {name}`")
    data = json.loads(path.read_text())
    data["nodes"] = {k: Node(**v) for k, v in data["nodes"].items()}
    return LabState(**data)


def clear(name: str) -> None:
    """Remove a lab's state directory (idempotent)."""
    shutil.rmtree(lab_dir(name), ignore_errors=True)
