"""The files of a plan's day-one configuration: addressing.csv, and configs/<switch>/{frr.conf, nvue.yaml,
config_db.json} (the switch's naming-table name as its folder: configs/plane0/pod000/leaf000/frr.conf)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aifabric.configs.addressing import AddressPlan
from aifabric.configs.devices import Devices
from aifabric.configs.render import frr_conf, nvue_yaml, sonic_config_db
from aifabric.io import AtomicWriter, ensure_dir, write_text

ADDRESSING_HEADER = ("device", "interface", "address", "asn", "role", "peer_device", "peer_interface", "peer_address")


def _dotted(values) -> list[str]:
    """Return IPv4 addresses (ints) as dotted quads, through two tables of 16-bit halves (no ipaddress per row)."""
    low = _LOW16
    high: dict[int, str] = {}
    out = []
    for value in values:
        top = value >> 16
        text = high.get(top)
        if text is None:
            text = high[top] = f"{top >> 8}.{top & 255}."
        out.append(text + low[value & 0xFFFF])
    return out


_LOW16 = [f"{i >> 8}.{i & 255}" for i in range(65536)]


def _address(values) -> list:
    """Return the pieces (export/link_columns.py) of one dotted-quad column: its upper 16 bits from a table of the
    few values present, its lower 16 bits from the table of all 65,536."""
    import numpy as np

    values = np.asarray(values, dtype=np.int64)
    top = values >> 16
    first = int(top.min()) if len(top) else 0
    last = int(top.max()) if len(top) else 0
    return [([f"{t >> 8}.{t & 255}." for t in range(first, last + 1)], top - first), (_LOW16, values & 0xFFFF)]


def _cells(table) -> list[str]:
    """Return a table of names as CSV cells (the table itself when none needs quoting: the usual case)."""
    from aifabric.export.fabric_files import csv_cell

    return table if not any(char in "\0".join(table) for char in ',"\r\n') else [csv_cell(t) for t in table]


def addressing_chunks(result, addresses: AddressPlan) -> Iterator[bytes]:
    """Yield the UTF-8 text of addressing.csv after its header, in chunks, plane by plane: every switch's loopback
    and ASN (leaves, spines pod by pod, cores), the /31 of each end of a switch-to-switch link (ipv4-31 mode, in
    links.csv order; unnumbered links have no address to list), and each NIC port's /31 with its leaf's end as
    gateway. Rows are joined column by column from name tables (export/link_columns.py): Colossus 2's 1.1 M rows
    in a fraction of a second; each address is the formula of AddressPlan (loopback, p2p_pair, nic_pair)."""
    import ipaddress

    import numpy as np

    from aifabric.export.link_columns import fabric_columns, join_rows

    plan, links = result.plan, result.links
    names = fabric_columns(links, result.hardware).names
    servers, down = _cells(names.servers), _cells(names.leaf_down)
    loopback_base = int(ipaddress.IPv4Network(addresses.pools.loopbacks).network_address)
    nic_base = int(ipaddress.IPv4Network(addresses.pools.nics).network_address)
    asn_leaf = [str(addresses.asn_leaf(i)) for i in range(plan.leaves_per_plane)]
    asn_spine = [str(addresses.asn_spine(pod)) for pod in range(len(plan.pods))]
    for plane, tables in enumerate(names.planes):
        leaves, spines, cores = _cells(tables.leaves), _cells(tables.spines), _cells(tables.cores)
        spine_pods = [pod for pod, shape in enumerate(plan.pods) for _ in range(shape.spines)]
        tails = [f"{asn},loopback-leaf,,,\n" for asn in asn_leaf]
        tails += [f"{asn_spine[pod]},loopback-spine,,,\n" for pod in spine_pods]
        tails += [f"{addresses.asn_core()},loopback-core,,,\n"] * len(cores)
        switches = leaves + spines + cores
        # A plane's loopbacks are consecutive in this order (AddressPlan.leaf_index, spine_index, core_index).
        first = loopback_base + plane * addresses.switches_per_plane
        loopbacks = _dotted(range(first, first + len(switches)))
        # A compute fabric merged into the converged pair (aifabric.fabric.merge) has no loopback of its own: the
        # pair's switches keep the converged network's (network_addressing_text), one loopback and ASN per switch.
        yield "".join(f"{name},lo,{address}/32,{tail}" for name, address, tail in zip(switches, loopbacks, tails,
                                                                                       strict=True)
                      if not plan.merged_into).encode("utf-8")
        if addresses.pools.p2p == "ipv4-31":
            yield from _p2p_chunks(result, addresses, names, plane, leaves, spines, cores)
        nic = links.sets["nic_leaf"]
        server, rail = nic.a.astype(np.int64), nic.a_port.astype(np.int64)
        su, slot = np.divmod(server, plan.leaf_downlinks)
        leaf_int = nic_base + ((plane * plan.rails + rail) * plan.sus + su) * addresses.su_block + 2 * slot
        pieces = [(servers, server), ",", (_cells(tables.nic_ports), rail), ",", *_address(leaf_int + 1), "/31,,nic,",
                  (leaves, nic.z), ",", (down, nic.z_port), ",", *_address(leaf_int), "\n"]
        for _, text in join_rows(pieces, len(nic)):
            yield text


def _p2p_chunks(result, addresses: AddressPlan, names, plane: int, leaves, spines, cores) -> Iterator[bytes]:
    """Yield both ends' rows of every switch-to-switch /31 of a plane, in links.csv order (AddressPlan.p2p_pair)."""
    import ipaddress

    import numpy as np

    from aifabric.export.link_columns import join_rows

    plan, sets = result.plan, result.links.sets
    tables = names.planes[plane]
    per_plane = plan.leaves_per_plane * plan.leaf_uplinks + plan.spine_core_links_per_plane
    first = int(ipaddress.IPv4Network(addresses.pools.p2p_pool).network_address) + 2 * plane * per_plane
    asn_leaf = [str(addresses.asn_leaf(i)) for i in range(plan.leaves_per_plane)]
    asn_spine = [str(addresses.asn_spine(pod)) for pod in range(len(plan.pods))]
    core_ports, leaf_up, spine_up = _cells(names.core_ports), _cells(names.leaf_up), _cells(names.spine_up)
    done = 0
    for cls in ("leaf_spine", "spine_core"):
        if cls not in sets:
            continue
        s = sets[cls]
        a_end = first + 2 * (done + np.arange(len(s), dtype=np.int64))
        done += len(s)
        if cls == "leaf_spine":
            # A spine's downlink is named as a core port (Naming.spine_down_port).
            a_name, a_port, a_asn = (leaves, s.a), (leaf_up, s.a_port), (asn_leaf, s.a)
            z_name, z_port = (spines, tables.spine_base[s.z_pod] + s.z), (core_ports, s.z_port)
            z_asn = (asn_spine, s.z_pod)
        else:
            a_name, a_asn = (spines, tables.spine_base[s.a_pod] + s.a), (asn_spine, s.a_pod)
            a_port = (spine_up, names.spine_up_base[s.a_pod] + s.a_port)
            z_name, z_port = (cores, s.z), (core_ports, s.z_port)
            z_asn = ([str(addresses.asn_core())], np.zeros(len(s), dtype=np.int64))
        a_text, z_text = _address(a_end), _address(a_end + 1)
        pieces = [a_name, ",", a_port, ",", *a_text, "/31,", a_asn, ",fabric,", z_name, ",", z_port, ",", *z_text,
                  "\n", z_name, ",", z_port, ",", *z_text, "/31,", z_asn, ",fabric,", a_name, ",", a_port, ",",
                  *a_text, "\n"]
        for _, text in join_rows(pieces, len(s)):
            yield text


def write_addressing(path: str | Path, result, addresses: AddressPlan) -> Path:
    """Write addressing.csv, streamed (the compute fabric's rows, then the other routed networks' loopbacks);
    return its path."""
    from aifabric.export.fabric_files import csv_cell
    from aifabric.export.link_columns import BackgroundWrites

    with AtomicWriter(path, newline="") as stream, BackgroundWrites(stream.buffer) as binary:
        # Chunks are UTF-8 bytes already: they go to the binary layer beneath the (still empty) text stream.
        binary.write((",".join(csv_cell(name) for name in ADDRESSING_HEADER) + "\n").encode("utf-8"))
        for chunk in addressing_chunks(result, addresses):
            binary.write(chunk)
        binary.write(network_addressing_text(result).encode("utf-8"))
    return Path(path)


def write_configs(out_dir: str | Path, devices: Devices, addresses: AddressPlan, hardware,
                  plan_name: str, skip: frozenset[str] = frozenset()) -> list[Path]:
    """Write every switch's frr.conf, nvue.yaml (NVIDIA Spectrum switches) and config_db.json under out_dir/configs;
    return the paths written. InfiniBand switches take no routing configuration (their subnet manager routes).
    Switches named in `skip` are configured with another network (a compute fabric merged into the converged pair:
    the pair's one configuration carries both)."""
    written: list[Path] = []
    model = hardware.switch(devices.switch_id)
    if model.family != "ethernet":
        return written
    nvue = model.manufacturer.lower() == "nvidia"
    for sw in devices.switches.values():
        if sw.name in skip:
            continue
        folder = ensure_dir(Path(out_dir) / "configs" / sw.name)
        written.append(write_text(folder / "frr.conf", frr_conf(sw, addresses, plan_name)))
        if nvue:
            written.append(write_text(folder / "nvue.yaml", nvue_yaml(sw, addresses, plan_name)))
        written.append(write_text(folder / "config_db.json", sonic_config_db(sw, addresses, model, plan_name)))
    return written


def network_addressing_text(result) -> str:
    """Return addressing.csv's rows of the routed networks beside the compute fabric: every switch's loopback and
    ASN (role loopback-<tier>, the device named as links.csv names it), in closed form from the networks' layouts."""
    from aifabric.configs.netaddr import routed_networks, switch_names

    lines = []
    for network in routed_networks(result):
        lines += [f"{sw.name},lo,{sw.loopback}/32,{sw.asn},loopback-{sw.role},,,\n"
                  for sw in switch_names(result, network)]
    return "".join(lines)


def write_network_configs(out_dir: str | Path, devices, addressing, plan_name: str) -> list[Path]:
    """Write every routed network switch's frr.conf and nvue.yaml under out_dir/configs/<switch>/ (the links.csv
    name: configs/converged-leaf0000/); return the paths written."""
    from aifabric.configs.netrender import network_frr_conf, network_nvue_yaml

    written: list[Path] = []
    for sw in devices.switches.values():
        folder = ensure_dir(Path(out_dir) / "configs" / sw.name)
        written.append(write_text(folder / "frr.conf", network_frr_conf(sw, addressing, plan_name)))
        written.append(write_text(folder / "nvue.yaml", network_nvue_yaml(sw, addressing, plan_name)))
    return written
