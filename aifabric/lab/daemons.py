"""FRR (zebra, bgpd, bfdd) and lldpd in one namespace each, every file of theirs in the namespace's own folder of the
lab's state directory: configuration, vty and zebra sockets, pid files, logs. FRR's daemons run as the `frr` user,
as Debian's package runs them; vtysh reaches them through the folder's sockets."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from aifabric.lab.netns import FRR_DIR, LabError, run

FRR_DAEMONS = ("zebra", "bgpd", "bfdd")


def _own_by_frr(folder: Path) -> None:
    """Give a folder (and its files) to the frr user, which FRR's daemons run as."""
    try:
        user = pwd.getpwnam("frr")
    except KeyError:
        raise LabError("user 'frr' not found; install FRR (Debian: apt-get install -y frr)") from None
    for path in (folder, *folder.iterdir()):
        os.chown(path, user.pw_uid, user.pw_gid)


def start_frr(namespace: str, folder: Path) -> list[subprocess.Popen]:
    """Start zebra, bgpd and bfdd in a namespace with folder/frr.conf (each daemonizes and writes its pid file);
    return the launching processes to wait for."""
    _own_by_frr(folder)
    launched = []
    for daemon in FRR_DAEMONS:
        args = ["ip", "netns", "exec", namespace, f"{FRR_DIR}/{daemon}", "-d", "-f", str(folder / "frr.conf"),
                "--vty_socket", str(folder), "-i", str(folder / f"{daemon}.pid"), "-z", str(folder / "zserv.api"),
                "--log", f"file:{folder / (daemon + '.log')}"]
        launched.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    return launched


def wait_started(launched: list[subprocess.Popen], what: str) -> None:
    """Wait for launching processes; LabError naming the first that failed."""
    for process in launched:
        _, err = process.communicate(timeout=30)
        if process.returncode != 0:
            raise LabError(f"{what}: {' '.join(process.args[4:5])} failed to start: {err.strip()}")


def vtysh_json(folder: Path, command: str) -> dict | list:
    """Return the JSON FRR answers to a show command in the namespace whose daemons keep their sockets in folder."""
    out = run(["vtysh", "--vty_socket", str(folder), "-c", command], timeout_s=20)
    try:
        return json.loads(out) if out.strip() else {}
    except json.JSONDecodeError:
        raise LabError(f"vtysh '{command}' did not answer JSON: {out[:200]}") from None


def lldpd_config(hostname: str) -> str:
    """Return the lldpcli commands lldpd runs at start: the device's name, port ids as interface names, a 1 s
    transmit interval (a lab re-cabled in seconds)."""
    return (f"configure system hostname {hostname}\n"
            "configure lldp portidsubtype ifname\n"
            "configure lldp tx-interval 1\n")


def start_lldpd(namespace: str, folder: Path, hostname: str, interfaces: list[str]) -> subprocess.Popen:
    """Start lldpd in a namespace on the given interfaces, in the foreground of its own session; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "lldpd.conf"
    config.write_text(lldpd_config(hostname))
    log = open(folder / "lldpd.log", "w")  # noqa: SIM115 - handed to the daemon for its life
    binary = shutil.which("lldpd") or "/usr/sbin/lldpd"
    try:
        return subprocess.Popen(["ip", "netns", "exec", namespace, binary, "-d", "-u", str(folder / "lldpd.socket"),
                                 "-O", str(config), "-I", ",".join(interfaces)],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()


def lldp_neighbors(folder: Path) -> dict:
    """Return `lldpcli -f json show neighbors` of the lldpd whose socket is in folder."""
    out = run(["lldpcli", "-u", str(folder / "lldpd.socket"), "-f", "json", "show", "neighbors"], timeout_s=20)
    return json.loads(out) if out.strip() else {}
