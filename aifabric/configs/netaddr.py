"""Addresses and ASNs of the networks beside the compute fabric (converged north-south, Ethernet storage, OOB), each
from pools of its own that overlap neither the compute fabric's nor each other's.

- Every switch of a routed network has a /32 loopback (router id, and the VXLAN tunnel end point of the converged
  fabric's EVPN overlay: NVIDIA Mission Control "North-South Network Deployment Guide", "Networking Planning and
  Design": "Each VTEP is assigned a loopback IP address"; its planning table asks a /24 "to cover address from each
  switch").
- ASNs as the compute fabric's (RFC 7938 sec. 5.2) and as NVIDIA's own Cumulus Linux "auto BGP" assigns them
  (NVIDIA developer blog "Building Optimal ASN Configurations in Data Centers with Auto BGP": private 4-byte ASNs of
  RFC 6996, the spines sharing one, each leaf its own): the cores of a network share one, the spines of a pod share
  one (the OOB aggregation layer counts as spines), every leaf (and every OOB switch) has its own.
- Switch-to-switch links are unnumbered (eBGP over IPv6 link-local next hops, RFC 5549), as the compute fabric's
  default; the node-facing side takes subnets from the network's `hosts` pool (aifabric/configs/netdevices.py).
- InfiniBand networks (the DGX H100 SuperPOD's storage fabric) take no IP configuration: their subnet manager routes.

Counts are closed form (`fabric plan --json`); the switch list is enumerated from the networks' layouts in the order
the link rows name them, so addressing.csv and the configurations give each switch the same address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import NamedTuple

from aifabric.errors import DesignError

# Defaults of addressing.<network>: inside 10/8 beside the compute fabric's 10.0.0.0/12, 10.64.0.0/10 and
# 10.128.0.0/9, and in the 4-byte private ASN range (RFC 6996) above the compute fabric's 4,200,000,000-4,259,999,999.
DEFAULTS = {
    "converged": {"loopbacks": "10.16.0.0/16", "hosts": "10.24.0.0/13", "asn_first": 4_260_000_000,
                  "asn_last": 4_269_999_999},
    "storage": {"loopbacks": "10.17.0.0/16", "hosts": "10.20.0.0/14", "asn_first": 4_270_000_000,
                "asn_last": 4_279_999_999},
    "oob": {"loopbacks": "10.18.0.0/16", "hosts": "10.32.0.0/11", "asn_first": 4_280_000_000,
            "asn_last": 4_289_999_999},
}
ROUTED = tuple(DEFAULTS)


@dataclass(frozen=True)
class Pools:
    """One network's pools, the spec's fields over the defaults."""

    network: str
    loopbacks: str
    hosts: str
    asn_first: int
    asn_last: int


def pools_for(addressing, network: str) -> Pools:
    """Return a network's pools: addressing.<network>'s fields, else the defaults."""
    given = getattr(addressing, network)
    values = {k: getattr(given, k) if getattr(given, k) is not None else v for k, v in DEFAULTS[network].items()}
    return Pools(network, **values)


class NetSwitchName(NamedTuple):
    """A switch of a routed network: its name (as links.csv names it), tier, pod and loopback/ASN."""

    name: str
    role: str       # leaf | spine | core (the OOB's switches are leaves, its aggregation spines and cores)
    pod: int | None
    loopback: str
    asn: int


def _layer_names(network: str, layer) -> tuple[list[str], list[tuple[str, int | None]], list[str]]:
    """Return (leaves, [(spine, pod)], cores) of a leaf-spine layer, named as networks.py's link rows name them."""
    if network == "oob":
        leaves = [f"oob-sw{i:05d}" for i in range(layer.leaves)]
        spine, spine3, core = "oob-agg{s:04d}", "oob-pod{pod:03d}-agg{s:03d}", "oob-core{c:04d}"
    else:
        leaves = [f"{network}-leaf{i:04d}" for i in range(layer.leaves)]
        spine, spine3, core = (f"{network}-spine{{s:04d}}", f"{network}-pod{{pod:03d}}-spine{{s:03d}}",
                               f"{network}-core{{c:04d}}")
    if not layer.spines:
        return leaves, [], []
    if not layer.cores:
        return leaves, [(spine.format(s=s), None) for s in range(layer.spines)], []
    spines = [(spine3.format(pod=p, s=s), p) for p in range(layer.pods) for s in range(layer.spines_per_pod)]
    return leaves, spines, [core.format(c=c) for c in range(layer.cores)]


def routed_networks(result) -> list[str]:
    """Return the planned networks that take IP configuration (Ethernet; InfiniBand storage is routed by its subnet
    manager), in the order links.csv lists them."""
    nets = result.networks
    names = []
    for name in ROUTED:
        if name not in nets.layouts:
            continue
        model = next(iter(nets.networks[name].switch_models.values()))
        if result.hardware.switch(model).family == "ethernet":
            names.append(name)
    return names


def _layer(nets, network: str):
    return nets.layouts[network].layer


def asn_counts(layer) -> dict[str, int]:
    """Return the distinct ASNs per tier of a layer: a leaf each, one per pod's spines, one for the cores."""
    spine = 0 if not layer.spines else (layer.pods if layer.cores else 1)
    return {"leaf": layer.leaves, "spine": spine, "core": 1 if layer.cores else 0}


def counts(result) -> dict:
    """Return `addressing.networks` of `fabric plan --json`: loopbacks, ASNs per tier and pools of each routed
    network beside the compute fabric."""
    block = {}
    for name in routed_networks(result):
        pools = pools_for(result.spec.addressing, name)
        layer = _layer(result.networks, name)
        block[name] = {"loopbacks": sum(result.networks.networks[name].switches.values()),
                       "asns": asn_counts(layer), "p2p": "unnumbered",
                       "pools": {"loopbacks": pools.loopbacks, "hosts": pools.hosts,
                                 "asns": f"{pools.asn_first}-{pools.asn_last}"}}
    return block


def check(result) -> None:
    """Raise DesignError naming the field when a routed network's pool is too small for its switches, or any pool
    (IPv4 or ASN range) overlaps the compute fabric's or another network's."""
    compute = result.spec.addressing
    ip_pools = [("addressing.loopbacks", compute.loopbacks), ("addressing.nics", compute.nics)]
    if compute.p2p == "ipv4-31":
        ip_pools.append(("addressing.p2p_pool", compute.p2p_pool))
    asn_pools = [("addressing.asn_first", compute.asn_first, compute.asn_last)]
    for name in routed_networks(result):
        pools = pools_for(compute, name)
        layer = _layer(result.networks, name)
        switches = sum(result.networks.networks[name].switches.values())
        held = ipaddress.IPv4Network(pools.loopbacks).num_addresses
        if switches > held:
            raise DesignError(f"{pools.loopbacks} holds {held:,} addresses; the {name} network needs {switches:,} "
                              f"(a /32 per switch)", field=f"addressing.{name}.loopbacks")
        needed = sum(asn_counts(layer).values())
        if pools.asn_last < pools.asn_first or needed > pools.asn_last - pools.asn_first + 1:
            raise DesignError(f"asn_first..asn_last holds {max(0, pools.asn_last - pools.asn_first + 1):,} ASNs; the "
                              f"{name} network needs {needed:,}: use asn_last >= {pools.asn_first + needed - 1}",
                              field=f"addressing.{name}.asn_last")
        ip_pools += [(f"addressing.{name}.loopbacks", pools.loopbacks), (f"addressing.{name}.hosts", pools.hosts)]
        asn_pools.append((f"addressing.{name}.asn_first", pools.asn_first, pools.asn_last))
    for i, (field_a, a) in enumerate(ip_pools):
        for field_b, b in ip_pools[i + 1:]:
            if field_a.startswith("addressing.") and field_a.count(".") == 1 and field_b.count(".") == 1:
                continue  # the compute fabric's own pools are checked by AddressPlan.check
            if ipaddress.IPv4Network(a).overlaps(ipaddress.IPv4Network(b)):
                raise DesignError(f"{b} overlaps {field_a} {a}; each network's pools must not overlap another's",
                                  field=field_b)
    for i, (field_a, first_a, last_a) in enumerate(asn_pools):
        for field_b, first_b, last_b in asn_pools[i + 1:]:
            if first_a <= last_b and first_b <= last_a:
                raise DesignError(f"ASNs {first_b}-{last_b} overlap {field_a.rsplit('.', 1)[0]}'s {first_a}-{last_a}; "
                                  "each network's ASNs must not overlap another's", field=field_b)


def switch_names(result, network: str) -> list[NetSwitchName]:
    """Return every switch of a routed network with its loopback and ASN: leaves, then spines pod by pod, then
    cores (loopbacks consecutive in that order; ASNs cores first, then each pod's spines, then each leaf)."""
    pools = pools_for(result.spec.addressing, network)
    layer = _layer(result.networks, network)
    leaves, spines, cores = _layer_names(network, layer)
    counts_ = asn_counts(layer)
    base = int(ipaddress.IPv4Network(pools.loopbacks).network_address)

    def dotted(index: int) -> str:  # ipaddress per switch costs ~10x this on a campus's 28k switches
        v = base + index
        return f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"

    out = []
    first_leaf = pools.asn_first + 1 + counts_["spine"]
    for i, leaf in enumerate(leaves):
        out.append(NetSwitchName(leaf, "leaf", i // layer.leaves_per_pod if layer.cores else None, dotted(i),
                                 first_leaf + i))
    for k, (spine, pod) in enumerate(spines):
        out.append(NetSwitchName(spine, "spine", pod, dotted(len(leaves) + k), pools.asn_first + 1 + (pod or 0)))
    for k, core in enumerate(cores):
        out.append(NetSwitchName(core, "core", None, dotted(len(leaves) + len(spines) + k), pools.asn_first))
    return out
