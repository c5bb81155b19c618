"""Linux network namespaces and veth pairs through iproute2 (`ip`), in batches: one `ip -batch` creates every
namespace and cable, one `ip -n NS -batch` per namespace sets its addresses and routes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from aifabric.errors import AifabricError

# Linux limits interface names to 15 characters and forbids '/' in them.
MAX_IFACE = 15


class LabError(AifabricError):
    """The lab cannot run here (no privilege, a tool missing) or a command inside it failed."""


def iface(port: str) -> str:
    """Return the Linux interface name of a naming-table port ('/' is not allowed: Ethernet1/1 -> Ethernet1_1)."""
    name = port.replace("/", "_")
    if len(name) > MAX_IFACE:
        raise LabError(f"port name {port!r} is longer than Linux's {MAX_IFACE}-character interface names")
    return name


def run(args: list[str], input_text: str | None = None, timeout_s: float = 60, check: bool = True) -> str:
    """Run a command and return its stdout; LabError with its stderr when it fails (when check)."""
    try:
        done = subprocess.run(args, input=input_text, capture_output=True, text=True, timeout=timeout_s)
    except FileNotFoundError:
        raise LabError(f"{args[0]} not found; the lab needs iproute2, frr and lldpd (Debian: apt-get install -y "
                       f"iproute2 frr lldpd iputils-ping)") from None
    except subprocess.TimeoutExpired:
        raise LabError(f"{' '.join(args[:4])} did not finish within {timeout_s:g} s") from None
    if check and done.returncode != 0:
        raise LabError(f"{' '.join(args[:6])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def batch(lines: Iterable[str], namespace: str | None = None) -> None:
    """Run `ip -batch` (in a namespace when given) over the lines."""
    text = "".join(line + "\n" for line in lines)
    if text:
        run(["ip", *(["-n", namespace] if namespace else []), "-batch", "-"], input_text=text)


def namespaces() -> list[str]:
    """Return every network namespace's name."""
    out = run(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def pids_in(namespace: str) -> list[int]:
    """Return the processes running in a namespace."""
    out = run(["ip", "netns", "pids", namespace], check=False)
    return [int(p) for p in out.split() if p.isdigit()]


def kill_all(pids: Iterable[int], wait_s: float = 5.0) -> None:
    """Send SIGTERM to the processes, then SIGKILL to those still alive after wait_s."""
    alive = set(pids)
    for pid in list(alive):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            alive.discard(pid)
    deadline = time.monotonic() + wait_s
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = {pid for pid in alive if _alive(pid)}
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Return True while a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return False
    return state != "Z"


def remove(names: Iterable[str]) -> list[str]:
    """Stop every process in the namespaces and delete them; return the names deleted (idempotent)."""
    existing = set(namespaces())
    targets = [n for n in names if n in existing]
    kill_all(pid for n in targets for pid in pids_in(n))
    for name in targets:
        run(["ip", "netns", "del", name], check=False)
    return targets


def require_tools() -> list[str]:
    """Return what is missing for the lab to run here (root, ip, FRR's daemons, vtysh, lldpd), empty when ready."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (network namespaces need CAP_SYS_ADMIN)")
    for tool in ("ip", "vtysh", "lldpd", "lldpcli", "ping"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            missing.append(tool)
    for daemon in ("zebra", "bgpd", "bfdd"):
        if not Path(FRR_DIR, daemon).exists():
            missing.append(f"{FRR_DIR}/{daemon}")
    return missing


FRR_DIR = "/usr/lib/frr"
