"""`lab up` and `lab down`: the lab's plan booted in namespaces, and everything it made removed again."""

from __future__ import annotations

import time
from pathlib import Path

from aifabric.configs.addressing import address_plan
from aifabric.configs.devices import fabric_devices
from aifabric.configs.render import frr_conf, hostname
from aifabric.errors import SpecError
from aifabric.fabric.runs import generate
from aifabric.lab import netns
from aifabric.lab.daemons import start_frr, start_lldpd, wait_started
from aifabric.lab.netns import LabError, iface
from aifabric.lab.shape import MAX_NODES, Scale, check_size, expected_ecmp, lab_plan
from aifabric.lab.state import LabState, Node, clear, lab_dir, load, prefix

SWITCH_SYSCTLS = ("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.ipv4.conf.all.rp_filter=0",
                  "net.ipv4.conf.default.rp_filter=0", "net.ipv4.fib_multipath_hash_policy=1")
HOST_SYSCTLS = ("net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
# Appended to the generated frr.conf in the lab only: FRR 8.4 (Debian 12) can leave a kernel nexthop group at one
# member after a link flaps and comes back, while its own RIB holds both paths; routes with their next hops inline
# (no kernel nexthop groups) keep the kernel's ECMP width equal to FRR's after `lab fail` and restore.
LAB_FRR = "! lab only: next hops inline in each kernel route\nno zebra nexthop kernel enable\n!\n"
AFTER = "service integrated-vtysh-config\n!\n"  # zebra reads it before any route is made
# Policy-routing tables of a server's NIC ports: NIC i answers from table FIRST_TABLE + i.
FIRST_TABLE = 100


def build_state(result, scale: Scale, name: str, spec_label: str, network: str = "compute"
                ) -> tuple[LabState, dict[str, str], object]:
    """Return (the lab's state, each switch's frr.conf text, the lab's link table: a FabricLinks, or the network's
    kept links.csv rows) for a planned result."""
    if network != "compute":
        return _network_state(result, scale, name, spec_label, network)
    hardware = result.hardware
    switch = hardware.switch(result.plan.switch_id)
    if switch.family != "ethernet":
        raise SpecError(spec_label, "switch", f"{switch.id} is an InfiniBand switch; the lab boots Ethernet fabrics "
                        f"routed with BGP (FRR), e.g. switch: sn5600")
    plan = lab_plan(result.plan, scale)
    check_size(plan)
    links = generate(plan, result.spec, hardware)
    addresses = address_plan(plan, result.spec.addressing)
    devices = fabric_devices(links, hardware, addresses)
    ns_prefix = prefix(name)
    nodes: dict[str, Node] = {}
    configs: dict[str, str] = {}
    for sw in devices.switches.values():
        nodes[sw.name] = Node(sw.name, ns_prefix + hostname(sw.name), sw.role, sw.plane, sw.loopback, sw.asn,
                              {iface(p.name): _port(p) for p in sw.ports})
        configs[sw.name] = frr_conf(sw, addresses, plan.name).replace(AFTER, AFTER + LAB_FRR, 1)
    for host in devices.hosts.values():
        nodes[host.name] = Node(host.name, ns_prefix + hostname(host.name), "host",
                                ports={iface(p.name): _port(p) for p in host.ports})
    cables = []
    for node in nodes.values():
        for port, info in node.ports.items():
            # One cable per pair of ports, listed from the end that sorts first.
            if (node.name, port) < (info["peer"], iface(info["peer_port"])):
                cables.append([node.name, port, info["peer"], iface(info["peer_port"])])
    state = LabState(name, spec_label, plan.tiers, plan.planes, expected_ecmp(plan), nodes, sorted(cables),
                     result.spec.addressing.p2p)
    return state, configs, links


def _network_state(result, scale: Scale, name: str, spec_label: str, network: str
                   ) -> tuple[LabState, dict[str, str], list[tuple]]:
    """Return the lab of a network beside the compute fabric: its kept links.csv rows (representative_rows)
    booted with the switches' generated frr.conf; its servers are namespaces with their N/S ports (for LLDP)."""
    from aifabric.configs.netaddr import routed_networks
    from aifabric.configs.netdevices import network_devices, network_link_rows
    from aifabric.configs.netrender import network_frr_conf
    from aifabric.export.containerlab import representative_rows

    if network not in ("converged",) or network not in routed_networks(result):
        raise SpecError("command line", "--network", f"'{network}': the lab boots compute or converged (an Ethernet "
                        f"converged network the plan has); planned: compute, {', '.join(routed_networks(result))}")
    rows, width = representative_rows(network_link_rows(result), network, scale.sus, scale.servers, scale.spines,
                                      scale.pods, scale.cores)
    devices = network_devices(result, rows, device_classes={})
    ns_prefix = prefix(name)
    nodes: dict[str, Node] = {}
    configs: dict[str, str] = {}
    for sw in devices.switches.values():
        if not sw.ports:
            continue  # a switch the lab's selection left out
        nodes[sw.name] = Node(sw.name, ns_prefix + hostname(sw.name), sw.role, 0, sw.loopback, sw.asn,
                              {iface(p.name): _port(p) for p in sw.ports})
        configs[sw.name] = network_frr_conf(sw, result.spec.addressing, result.plan.name).replace(
            AFTER, AFTER + LAB_FRR, 1)
    hosts: dict[str, dict] = {}
    for r in rows:
        if r[0] not in nodes:
            hosts.setdefault(r[0], {})[iface(r[1])] = {"peer": r[2], "peer_port": r[3], "kind": "nic",
                                                        "address": None, "peer_address": None}
    for host, ports in hosts.items():
        nodes[host] = Node(host, ns_prefix + hostname(host), "host", ports=ports)
    if len(nodes) > MAX_NODES:
        raise SpecError("command line", "--scale", f"the lab would run {len(nodes)} namespaces; at most {MAX_NODES}: "
                        "lower servers, sus, spines, pods or cores")
    cables = sorted([r[0], iface(r[1]), r[2], iface(r[3])] if (r[0], iface(r[1])) < (r[2], iface(r[3]))
                    else [r[2], iface(r[3]), r[0], iface(r[1])] for r in rows)
    state = LabState(name, spec_label, 3 if any(n.role == "core" for n in nodes.values()) else 2, 1, width, nodes,
                     cables, "unnumbered", network)
    return state, configs, rows


def _port(port) -> dict:
    return {"peer": port.peer, "peer_port": port.peer_port, "kind": port.kind, "address": port.address,
            "peer_address": port.peer_address}


def up(result, scale: Scale, name: str, spec_label: str, timeout_s: float = 90.0, network: str = "compute"
       ) -> LabState:
    """Boot the lab: namespaces, cables, addresses, FRR and lldpd; wait until every BGP session is Established
    (or timeout_s); return its state. On any failure everything made so far is removed."""
    missing = netns.require_tools()
    if missing:
        raise LabError(f"the lab cannot run here: missing {', '.join(missing)}")
    state, configs, links = build_state(result, scale, name, spec_label, network)
    if (lab_dir(name) / "lab.json").exists() or any(n.startswith(prefix(name)) for n in netns.namespaces()):
        raise SpecError("command line", "--name", f"lab '{name}' is already up; run `aifabric lab down --name "
                        f"{name}` first, or choose another --name")
    state.save()
    try:
        _write_files(state, configs, links, result.hardware)
        _create(state)
        _start(state)
    except BaseException:
        down(name)
        raise
    from aifabric.lab.check import wait_ready

    wait_ready(state, timeout_s)
    return state


def _write_files(state: LabState, configs: dict[str, str], links, hardware) -> None:
    from aifabric.export.fabric_files import links_csv_chunks
    from aifabric.fabric.rows import LINK_HEADER

    with open(state.directory / "links.csv", "wb") as stream:
        stream.write((",".join(LINK_HEADER) + "\n").encode())
        if isinstance(links, list):  # a network's kept rows, as links.csv wrote them
            import csv
            import io

            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(links)
            stream.write(text.getvalue().encode())
        else:
            for chunk in links_csv_chunks(links, hardware):
                stream.write(chunk)
    for node in state.nodes.values():
        folder = state.node_dir(node)
        folder.mkdir(parents=True, exist_ok=True)
        if node.name in configs:
            (folder / "frr.conf").write_text(configs[node.name])


def _create(state: LabState) -> None:
    nodes = state.nodes
    lines = [f"netns add {node.namespace}" for node in nodes.values()]
    for a, a_port, z, z_port in state.cables:
        lines.append(f"link add {a_port} netns {nodes[a].namespace} type veth peer name {z_port} "
                     f"netns {nodes[z].namespace}")
    netns.batch(lines)
    for node in nodes.values():
        commands = ["link set lo up"]
        if node.role == "host":
            commands += _host_commands(node)
        else:
            commands += [f"link set {port} up" for port in node.ports]
        netns.batch(commands, node.namespace)
        sysctls = HOST_SYSCTLS if node.role == "host" else SWITCH_SYSCTLS
        netns.run(["ip", "netns", "exec", node.namespace, "sysctl", "-q", "-w", *sysctls])


def _host_commands(node: Node) -> list[str]:
    """Return a server's `ip` commands: each NIC port's /31, and a routing table per port (source-routed, as RoCE
    hosts route each NIC to its own leaf); the first port also carries the main table's default route."""
    commands = []
    if all(info["address"] is None for info in node.ports.values()):
        # A converged lab's server: its N/S ports up for LLDP (its bond and VLAN are the switches' EVPN segment).
        return [f"link set {port} up" for port in sorted(node.ports)]
    for i, (port, info) in enumerate(sorted(node.ports.items())):
        table = FIRST_TABLE + i
        address = info["address"].split("/")[0]
        commands += [f"link set {port} up", f"address add {info['address']} dev {port}",
                     f"route add default via {info['peer_address']} dev {port} table {table}",
                     f"rule add from {address} table {table} priority {table}"]
        if i == 0:
            commands.append(f"route add default via {info['peer_address']} dev {port}")
    return commands


def _start(state: LabState) -> None:
    launched = []
    for node in state.switches():
        launched.append((node.name, start_frr(node.namespace, state.node_dir(node))))
    for name, processes in launched:
        wait_started(processes, name)
    for node in state.nodes.values():
        start_lldpd(node.namespace, state.node_dir(node), hostname(node.name), sorted(node.ports))


def down(name: str) -> list[str]:
    """Stop every process and delete every namespace of a lab, then its state directory; return the namespaces
    deleted. Idempotent, and complete after a crash: the namespaces are found by lab.json and by their prefix."""
    targets = set()
    try:
        state = load(name)
        targets |= {node.namespace for node in state.nodes.values()}
    except (SpecError, ValueError, KeyError, TypeError):
        pass  # no or unreadable lab.json: the prefix still finds the namespaces
    targets |= {n for n in netns.namespaces() if n.startswith(prefix(name))}
    removed = netns.remove(sorted(targets))
    _kill_recorded(lab_dir(name))
    clear(name)
    return removed


def _kill_recorded(directory: Path) -> None:
    """Stop any daemon whose pid file is in the lab's folder and which still runs (belt and braces)."""
    pids = []
    for pid_file in directory.glob("nodes/*/*.pid"):
        try:
            pids.append(int(pid_file.read_text().split()[0]))
        except (ValueError, IndexError, OSError):
            continue
    alive = [pid for pid in pids if _runs_from(pid, directory)]
    netns.kill_all(alive, wait_s=2.0)


def _runs_from(pid: int, directory: Path) -> bool:
    """Return True when a process's command line names the lab's directory (so a reused pid is left alone)."""
    try:
        return str(directory) in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False


def wait_until(predicate, timeout_s: float, interval_s: float = 0.25) -> bool:
    """Poll predicate until it is true or timeout_s passes; return its last value."""
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)
