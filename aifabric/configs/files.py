"""The files of a plan's day-one configuration: addressing.csv, and configs/<switch>/{frr.conf, nvue.yaml,
config_db.json} (the switch's naming-table name as its folder: configs/plane0/pod000/leaf000/frr.conf)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aifabric.configs.addressing import AddressPlan
from aifabric.configs.devices import Devices
from aifabric.configs.render import frr_conf, nvue_yaml, sonic_config_db
from aifabric.io import ensure_dir, write_csv, write_text

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


def addressing_rows(result, addresses: AddressPlan) -> Iterator[tuple]:
    """Yield addressing.csv's rows, streamed from the link table: every switch's loopback and ASN, the /31 of each
    end of a switch-to-switch link (ipv4-31 mode; unnumbered links have no address to list), and each NIC port's
    /31 with its leaf's end as gateway."""
    import ipaddress

    import numpy as np

    from aifabric.fabric.naming import Naming

    plan, links = result.plan, result.links
    naming = Naming(plan, result.hardware.switch(plan.switch_id))
    nic_base = int(ipaddress.IPv4Network(addresses.pools.nics).network_address)
    servers = naming.server_names()
    down = [naming.leaf_down_port(i) for i in range(plan.leaf_down_ports)]
    for plane in range(plan.planes):
        leaves = [naming.leaf(plane, i) for i in range(plan.leaves_per_plane)]
        for i, name in enumerate(leaves):
            yield (name, "lo", f"{addresses.loopback(plane, i)}/32", addresses.asn_leaf(i), "loopback-leaf", "", "",
                   "")
        spines = []
        for pod, shape in enumerate(plan.pods):
            spines.append([naming.spine(plane, pod, s) for s in range(shape.spines)])
            for s, name in enumerate(spines[-1]):
                yield (name, "lo", f"{addresses.loopback(plane, addresses.spine_index(plane, pod, s))}/32",
                       addresses.asn_spine(pod), "loopback-spine", "", "", "")
        cores = [naming.core(plane, c) for c in range(plan.cores_per_plane)]
        for c, name in enumerate(cores):
            yield (name, "lo", f"{addresses.loopback(plane, addresses.core_index(plane, c))}/32",
                   addresses.asn_core(), "loopback-core", "", "", "")
        if addresses.pools.p2p == "ipv4-31":
            yield from _p2p_rows(result, addresses, naming, plane, leaves, spines, cores)
        nic = links.sets["nic_leaf"]
        server, rail = nic.a.astype(np.int64), nic.a_port.astype(np.int64)
        su, slot = np.divmod(server, plan.leaf_downlinks)
        leaf_int = nic_base + ((plane * plan.rails + rail) * plan.sus + su) * addresses.su_block + 2 * slot
        leaf_text = _dotted(leaf_int.tolist())
        nic_text = _dotted((leaf_int + 1).tolist())
        nic_ports = [naming.nic_port(r, plane) for r in range(plan.rails)]
        for i, (s, r, z, port) in enumerate(zip(nic.a.tolist(), nic.a_port.tolist(), nic.z.tolist(),
                                                nic.z_port.tolist(), strict=True)):
            yield (servers[s], nic_ports[r], f"{nic_text[i]}/31", "", "nic", leaves[z], down[port], leaf_text[i])


def _p2p_rows(result, addresses: AddressPlan, naming, plane: int, leaves, spines, cores) -> Iterator[tuple]:
    """Yield both ends' rows of every switch-to-switch /31 of a plane, in links.csv order."""
    plan, sets = result.plan, result.links.sets
    index = 0
    if "leaf_spine" in sets:
        s = sets["leaf_spine"]
        up = [naming.leaf_up_port(i) for i in range(plan.leaf_uplinks)]
        for a, a_port, z, z_pod, z_port in zip(s.a.tolist(), s.a_port.tolist(), s.z.tolist(), s.z_pod.tolist(),
                                               s.z_port.tolist(), strict=True):
            ends = addresses.p2p_pair(plane, index)
            index += 1
            spine_port = naming.spine_down_port(z_pod, z_port)
            yield (leaves[a], up[a_port], f"{ends[0]}/31", addresses.asn_leaf(a), "fabric", spines[z_pod][z],
                   spine_port, ends[1])
            yield (spines[z_pod][z], spine_port, f"{ends[1]}/31", addresses.asn_spine(z_pod), "fabric", leaves[a],
                   up[a_port], ends[0])
    if "spine_core" in sets:
        s = sets["spine_core"]
        for a, a_pod, a_port, z, z_port in zip(s.a.tolist(), s.a_pod.tolist(), s.a_port.tolist(), s.z.tolist(),
                                               s.z_port.tolist(), strict=True):
            ends = addresses.p2p_pair(plane, index)
            index += 1
            spine_port, core_port = naming.spine_up_port(a_pod, a_port), naming.core_port(z_port)
            yield (spines[a_pod][a], spine_port, f"{ends[0]}/31", addresses.asn_spine(a_pod), "fabric", cores[z],
                   core_port, ends[1])
            yield (cores[z], core_port, f"{ends[1]}/31", addresses.asn_core(), "fabric", spines[a_pod][a],
                   spine_port, ends[0])


def write_addressing(path: str | Path, result, addresses: AddressPlan) -> Path:
    """Write addressing.csv, streamed; return its path."""
    return write_csv(path, ADDRESSING_HEADER, addressing_rows(result, addresses))


def write_configs(out_dir: str | Path, devices: Devices, addresses: AddressPlan, hardware,
                  plan_name: str) -> list[Path]:
    """Write every switch's frr.conf, nvue.yaml (NVIDIA Spectrum switches) and config_db.json under out_dir/configs;
    return the paths written. InfiniBand switches take no routing configuration (their subnet manager routes)."""
    written: list[Path] = []
    model = hardware.switch(devices.switch_id)
    if model.family != "ethernet":
        return written
    nvue = model.manufacturer.lower() == "nvidia"
    for sw in devices.switches.values():
        folder = ensure_dir(Path(out_dir) / "configs" / sw.name)
        written.append(write_text(folder / "frr.conf", frr_conf(sw, addresses, plan_name)))
        if nvue:
            written.append(write_text(folder / "nvue.yaml", nvue_yaml(sw, addresses, plan_name)))
        written.append(write_text(folder / "config_db.json", sonic_config_db(sw, addresses, model, plan_name)))
    return written
