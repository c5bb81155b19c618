"""Addresses and ASNs of a planned fabric, from the spec's pools (`addressing:`), in closed form.

- Loopbacks: one /32 per switch, plane by plane; in a plane leaves, then spines pod by pod, then cores.
- Switch-to-switch links: unnumbered eBGP over IPv6 link-local addresses (RFC 5549: IPv4 routes with IPv6 next
  hops), or a /31 per link (RFC 3021) taken in links.csv order, plane by plane.
- NIC ports: a /31 per NIC-to-leaf link (the leaf's port the even address, the NIC the odd one, which is how
  NVIDIA's Spectrum-X hosts are routed to their leaf); each (plane, rail) is one contiguous block, and inside it each
  SU a power-of-two block, so a rail's and a leaf's addresses aggregate.
- ASNs (RFC 7938 sec. 5.2): the cores share one ASN, the spines of a pod share one, each leaf has its own, so an
  eBGP path never turns back down through a second spine or core (the AS-path loop check prevents it) and the paths
  over a pod's spines are equal. Planes never peer, so every plane uses the same ASNs.

Everything here is a formula of the plan: `counts` is what `fabric plan --json` reports (no per-link work), and the
per-device functions give one device's addresses when configurations are written.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aifabric.errors import DesignError
from aifabric.fabric.sizing import Plan
from aifabric.spec.fabric import Addressing


def _block(size: int) -> int:
    """Return the smallest power of two >= size (at least 1)."""
    return 1 << max(size - 1, 0).bit_length()


def _prefix_for(size: int) -> int:
    """Return the IPv4 prefix length of the smallest network holding size addresses."""
    return 32 - (_block(size) - 1).bit_length()


@dataclass(frozen=True)
class AddressPlan:
    """The fabric's addressing: pools checked against the plan, and the formulas that give each address."""

    plan: Plan
    pools: Addressing

    # --- sizes -------------------------------------------------------------------------------------------------
    @property
    def switches_per_plane(self) -> int:
        """Return the switches of one plane."""
        return self.plan.switch_counts()["total"] // self.plan.planes

    @property
    def su_block(self) -> int:
        """Return the addresses of one SU's NIC ports of one rail in one plane (a power of two: /31 per NIC)."""
        return _block(2 * self.plan.leaf_downlinks)

    def needs(self) -> dict[str, int]:
        """Return the addresses (or ASNs) each pool must hold for this plan."""
        plan = self.plan
        links = plan.link_counts()
        return {
            "loopbacks": plan.switch_counts()["total"],
            "p2p_pool": 2 * (links["leaf_spine"] + links["spine_core"]) if self.pools.p2p == "ipv4-31" else 0,
            "nics": plan.planes * plan.rails * plan.sus * self.su_block,
            "asns": sum(self.asn_counts().values()),
        }

    def asn_counts(self) -> dict[str, int]:
        """Return the distinct ASNs per tier: a leaf each, one per pod's spines, one for the cores."""
        plan = self.plan
        spine = 0 if plan.tiers == 1 else (len(plan.pods) if plan.tiers == 3 else 1)
        return {"leaf": plan.leaves_per_plane, "spine": spine, "core": 1 if plan.tiers == 3 else 0}

    def counts(self) -> dict:
        """Return the `addressing` block of `fabric plan --json`."""
        links = self.plan.link_counts()
        return {"loopbacks": self.plan.switch_counts()["total"],
                "p2p_links": links["leaf_spine"] + links["spine_core"],
                "p2p": self.pools.p2p,
                "asns": self.asn_counts(),
                "pools": {"loopbacks": self.pools.loopbacks, "nics": self.pools.nics,
                          **({"p2p_pool": self.pools.p2p_pool} if self.pools.p2p == "ipv4-31" else {}),
                          "asns": f"{self.pools.asn_first}-{self.pools.asn_last}"}}

    def check(self) -> None:
        """Raise DesignError naming the pool and the size it needs when a pool is too small, or pools overlap."""
        needs = self.needs()
        for pool in ("loopbacks", "p2p_pool", "nics"):
            network = ipaddress.IPv4Network(getattr(self.pools, pool))
            if needs[pool] > network.num_addresses:
                what = {"loopbacks": "a /32 per switch", "p2p_pool": "a /31 per switch-to-switch link",
                        "nics": f"a /31 per NIC port, {self.su_block} addresses per SU, rail and plane"}[pool]
                raise DesignError(
                    f"{network} holds {network.num_addresses:,} addresses; the plan needs {needs[pool]:,} ({what}): "
                    f"use a /{_prefix_for(needs[pool])} or larger", field=f"addressing.{pool}")
        held = self.pools.asn_last - self.pools.asn_first + 1
        if needs["asns"] > held:
            counts = self.asn_counts()
            raise DesignError(
                f"asn_first..asn_last holds {held:,} ASNs; the plan needs {needs['asns']:,} (a leaf each: "
                f"{counts['leaf']:,}, one per pod's spines: {counts['spine']:,}, the cores: {counts['core']}): use "
                f"asn_last >= {self.pools.asn_first + needs['asns'] - 1}", field="addressing.asn_last")
        used = [("loopbacks", self.pools.loopbacks), ("nics", self.pools.nics)]
        if self.pools.p2p == "ipv4-31":
            used.append(("p2p_pool", self.pools.p2p_pool))
        for i, (name_a, a) in enumerate(used):
            for name_b, b in used[i + 1:]:
                if ipaddress.IPv4Network(a).overlaps(ipaddress.IPv4Network(b)):
                    raise DesignError(f"{a} overlaps addressing.{name_b} {b}; pools must not overlap",
                                      field=f"addressing.{name_a}")

    # --- per device ----------------------------------------------------------------------------------------------
    def _base(self, pool: str) -> int:
        return int(ipaddress.IPv4Network(getattr(self.pools, pool)).network_address)

    def leaf_index(self, plane: int, leaf: int) -> int:
        """Return a leaf's switch index in its plane's loopback order."""
        return leaf

    def spine_index(self, plane: int, pod: int, spine: int) -> int:
        """Return a spine's switch index in its plane's loopback order."""
        return self.plan.leaves_per_plane + sum(p.spines for p in self.plan.pods[:pod]) + spine

    def core_index(self, plane: int, core: int) -> int:
        """Return a core's switch index in its plane's loopback order."""
        return self.plan.leaves_per_plane + self.plan.spines_per_plane + core

    def loopback(self, plane: int, index_in_plane: int) -> str:
        """Return a switch's loopback address (no prefix length)."""
        return str(ipaddress.IPv4Address(self._base("loopbacks") + plane * self.switches_per_plane + index_in_plane))

    def asn_core(self) -> int:
        """Return the cores' ASN."""
        return self.pools.asn_first

    def asn_spine(self, pod: int) -> int:
        """Return the ASN of a pod's spines (all spines share one in two tiers)."""
        return self.pools.asn_first + 1 + (pod if self.plan.tiers == 3 else 0)

    def asn_leaf(self, leaf: int) -> int:
        """Return a leaf's own ASN."""
        return self.pools.asn_first + 1 + self.asn_counts()["spine"] + leaf

    def nic_pair(self, plane: int, server: int, rail: int) -> tuple[str, str]:
        """Return (leaf port address, NIC address) of one NIC port's /31."""
        plan = self.plan
        su, slot = divmod(server, plan.leaf_downlinks)
        offset = ((plane * plan.rails + rail) * plan.sus + su) * self.su_block + 2 * slot
        base = self._base("nics") + offset
        return str(ipaddress.IPv4Address(base)), str(ipaddress.IPv4Address(base + 1))

    def rail_network(self, plane: int, rail: int) -> str:
        """Return the network holding every NIC address of one rail in one plane."""
        size = self.plan.sus * self.su_block
        base = self._base("nics") + (plane * self.plan.rails + rail) * size
        return str(ipaddress.IPv4Network((base, _prefix_for(size)), strict=False))

    def p2p_pair(self, plane: int, link_index_in_plane: int) -> tuple[str, str]:
        """Return the (a end, z end) addresses of a switch-to-switch link's /31 (ipv4-31 mode)."""
        per_plane = self.plan.leaves_per_plane * self.plan.leaf_uplinks + self.plan.spine_core_links_per_plane
        base = self._base("p2p_pool") + 2 * (plane * per_plane + link_index_in_plane)
        return str(ipaddress.IPv4Address(base)), str(ipaddress.IPv4Address(base + 1))


def address_plan(plan: Plan, pools: Addressing) -> AddressPlan:
    """Return the fabric's address plan, its pools checked (DesignError naming the pool that is too small)."""
    result = AddressPlan(plan, pools)
    result.check()
    return result
