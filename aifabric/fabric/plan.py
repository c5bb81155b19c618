"""Orchestration of a fabric plan: spec -> solver -> link table -> parts, latency, summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aifabric.catalog.models import Hardware, load_hardware
from aifabric.errors import DesignError, SpecError
from aifabric.fabric import compat
from aifabric.fabric.bom import PartCounts, count_parts
from aifabric.fabric.guards import check_link_table
from aifabric.fabric.latency import PathLatency, path_latencies
from aifabric.fabric.links import FabricLinks
from aifabric.fabric.merge import merge_plan
from aifabric.fabric.rooms import Room, check_rooms, network_rooms, overfull, rooms_block, spreads
from aifabric.fabric.runs import generate
from aifabric.fabric.sizing import Plan, size
from aifabric.fabric.summary import summary
from aifabric.spec.fabric import FabricSpec, check_catalog_ids, load_fabric_spec_with_lines

# Above this many links per plane a graph build is refused unless asked for (memory: ~1 KB per edge).
MAX_LINKS_FOR_DEFAULT_GRAPH = 4_000_000


@dataclass
class FabricResult:
    """Everything `fabric plan` computed for one spec."""

    spec: FabricSpec
    hardware: Hardware
    plan: Plan
    links: FabricLinks
    counts: PartCounts
    latencies: list[PathLatency]
    rooms: list[Room] = field(default_factory=list)  # the rooms holding network racks (aifabric.fabric.rooms)
    prices: Any = None  # a PriceBook (aifabric.fabric.prices) when the plan is to be costed
    # Blocks that packages above the fabric core add to the plan's document (e.g. `addressing`, by configs/).
    extra: dict[str, Any] = field(default_factory=dict)

    _networks: Any = None
    _network_parts: Any = None

    @property
    def networks(self):
        """Return the networks planned beside the compute fabric (aifabric.fabric.networks.NetworkPlan)."""
        if self._networks is None:
            from aifabric.fabric.networks import count_network_parts, plan_networks

            self._networks = plan_networks(self.plan, self.spec, self.hardware, self.links.floor,
                                           self.plan.switch_counts())
            self._network_parts = {name: count_network_parts(network, self.hardware)
                                   for name, network in self._networks.networks.items()}
        return self._networks

    def network_parts(self) -> dict:
        """Return {network: NetParts} of the networks beside the compute fabric."""
        self.networks  # noqa: B018 (plans them on first use)
        return self._network_parts

    def bom(self) -> list:
        """Return the BOM lines (BomLine), from the parts already counted: the compute fabric's, then every other
        network's (each line's `network` names it)."""
        from aifabric.fabric import networks as N
        from aifabric.fabric.bom import bom_lines, with_spares

        lead_times = self.prices.lead_times() if self.prices is not None else None
        lines = bom_lines(self.plan, self.links, self.hardware, self.counts, lead_times)
        if self.plan.merged_into:
            # The merged pair is ordered once, with the network it is merged into.
            lines = [line for line in lines if line.category != "switch"]
        others = []
        for name, network in self.networks.networks.items():
            others += N.bom_lines(network, self.network_parts()[name], self.hardware)
        return lines + with_spares(others, self.hardware, lead_times or {})

    def networks_document(self, compute_power_kw: float) -> dict[str, Any]:
        """Return the `networks` block: every network's switches per tier, links and power (compute first), and
        their total."""
        from aifabric.fabric import networks as N

        switches = self.plan.switch_counts()
        links = self.plan.link_counts()
        block: dict[str, Any] = {"compute": {
            "switches": {k: v for k, v in switches.items() if k != "total" and v},
            "links": links["total"], "power_kw": compute_power_kw, "role": "GPU compute (east-west)",
            "switch_models": {k: self.plan.switch_id for k, v in switches.items() if k != "total" and v},
            "links_by_class": {k: v for k, v in links.items() if k != "total" and v}}}
        if self.plan.merged_into:
            # The pair's switches (and their power) are the converged network's; the compute fabric keeps its
            # links, optics and NICs (the top-level keys stay the E/W fabric's, the pair included).
            compute = block["compute"]
            switch_kw = switches["total"] * self.hardware.switch(self.plan.switch_id).power_w / 1000
            compute.update({"switches": {}, "switch_models": {}, "merged_into": self.plan.merged_into,
                            "power_kw": round(compute_power_kw - switch_kw, 3)})
        for name, network in self.networks.networks.items():
            power = N.network_power_w(self.network_parts()[name], self.hardware)
            block[name] = N.summary_block(network, power)
        # Orderable switches are catalog switches (BOM lines); an NVLink switch tray ships inside its rack SKU and
        # is counted apart.
        inside = {name: sum(n for tier, n in b["switches"].items() if b["switch_models"].get(tier)
                            not in self.hardware.switches)
                  for name, b in block.items()}
        block["total"] = {"switches": sum(sum(b["switches"].values()) - inside[k] for k, b in block.items()),
                          "links": sum(b["links"] for b in block.values()),
                          "power_kw": round(sum(b["power_kw"] for b in block.values()), 3),
                          "planned": list(block),
                          "in_system_switches": sum(inside.values())}
        return block

    def other_networks_w(self) -> dict[str, float]:
        """Return {network: W} of the networks beside the compute fabric (switches, optics, active cables)."""
        from aifabric.fabric import networks as N

        return {name: N.network_power_w(self.network_parts()[name], self.hardware)["total"]
                for name in self.networks.networks}

    def cost_usd(self, bom: list | None = None) -> dict[str, float] | None:
        """Return the cost block {switches, nics, transceivers, cables, total} in USD, or None without prices
        (bom: lines already built)."""
        if self.prices is None:
            return None
        from aifabric.fabric.prices import cost_usd

        return cost_usd(bom if bom is not None else self.bom(), self.prices)

    def site(self) -> dict[str, Any]:
        """Return the `site` block: racks (network racks with their patch-panel racks), halls, buildings, IT and
        facility MW of the compute fabric and of the whole site (every network)."""
        from aifabric.fabric.site import site

        return site(self.plan, self.links, self.counts, self.hardware, self.spec.pue, self.spec.max_site_mw,
                    self.rooms, self.other_networks_w())

    def document(self) -> dict[str, Any]:
        """Return the `fabric plan --json` document (with `cost_usd` when priced, `latency_budget` when the spec
        sets a budget)."""
        bom = self.bom()
        document = summary(self.plan, self.links, self.counts, self.latencies, self.hardware, self.cost_usd(bom),
                           self.site(), bom)
        if self.spec.latency_budget_ns is not None:
            from aifabric.fabric.latency import latency_budget

            document["latency_budget"] = latency_budget(self.latencies, self.spec.latency_budget_ns)
        document["network_rooms"] = rooms_block(self.rooms, self.links.floor)
        document["networks"] = self.networks_document(document["power_kw"]["total"])
        document.update(self.extra)
        return document


def plan_fabric(spec_path: str | Path | None, overrides: dict[str, Any] | None = None,
                catalog_dir: str | Path | None = None, prices_path: str | Path | None = None) -> FabricResult:
    """Return the full result for a spec file and/or command-line overrides, costed when prices_path is given."""
    spec, lines, applied = load_fabric_spec_with_lines(spec_path, overrides)
    hardware = load_hardware(catalog_dir)
    check_catalog_ids(spec, hardware, spec_path, lines, applied)
    prices = None
    if prices_path is not None:
        from aifabric.fabric.prices import load_price_book

        prices = load_price_book(prices_path, hardware)
    try:
        result = plan_spec(spec, hardware)
    except DesignError as exc:
        raise design_error_at(exc, spec_path, lines, applied) from None
    result.prices = prices
    return result


def design_error_at(exc: DesignError, spec_path, lines, applied: dict[str, Any]) -> SpecError:
    """Return a DesignError re-pointed at the spec file, line and field (or flag) it is about."""
    from aifabric.spec.flags import FLAG_NAMES

    field = exc.field
    top = (field or "").split(".")[0]
    given = next((key for key in (field, top) if key in applied), None)
    if given is None and field and spec_path is None:
        # A design error about a whole group (e.g. "placement") that flags set in part: name the flags given.
        given = next((key for key in applied if key.startswith(f"{field}.")), None)
    if given is not None or spec_path is None:
        key = given or field or ""
        return SpecError("command line", _flag_label(key, FLAG_NAMES) if field else None, exc.message)
    keys = tuple(field.split(".")) if field else ()
    line = None
    for end in range(len(keys), 0, -1):
        if keys[:end] in lines:
            line = lines[keys[:end]]
            break
    return SpecError(str(spec_path), field, exc.message, line=line)


def _flag_label(key: str, flag_names: dict[str, str]) -> str:
    """Return the flag of a field, or for a group of fields (placement) the group and the flags that set it."""
    if key in flag_names:
        return flag_names[key]
    inside = [flag for field, flag in flag_names.items() if field.startswith(f"{key}.")]
    return f"{key} (set by {', '.join(inside)})" if inside else key


def _cabling(plan: Plan, spec: FabricSpec, hardware: Hardware,
             core_rooms: str | None) -> tuple[FabricLinks, PartCounts, list[Room]]:
    """Return the links, part counts and network rooms of a plan with a core room layout (None: the spec's)."""
    links = generate(plan, spec, hardware, core_rooms)
    compat.check_channels(links)  # every fiber channel lands Tx on Rx through mated ends, or the plan is an error
    counts = count_parts(links, hardware)
    return links, counts, network_rooms(plan, links.floor, counts, hardware)


def plan_spec(spec: FabricSpec, hardware: Hardware) -> FabricResult:
    """Return the full result for a validated spec."""
    # The Enterprise RAs' small designs carry the compute fabric on the converged leaf pair (aifabric.fabric.merge).
    from aifabric.fabric.networks import converged_rule

    plan = size(spec, hardware)
    plan = merge_plan(plan, spec, hardware, converged_rule(plan, spec, hardware))
    check_link_table(plan)
    links, counts, rooms = _cabling(plan, spec, hardware, None)
    if spec.placement.core_rooms == "auto":
        # The floor took the fewest core rooms whose switches fit; when their patch panels overfill a core room,
        # the next layout (more, smaller rooms) is planned instead.
        while any(room.kind == "core" for room in overfull(rooms, links.floor)) and spreads(links.floor):
            links, counts, rooms = _cabling(plan, spec, hardware, spreads(links.floor)[0])
    check_rooms(rooms, links.floor)
    latencies = path_latencies(links, hardware, spec.latency)
    result = FabricResult(spec, hardware, plan, links, counts, latencies, rooms)
    from aifabric.fabric.site import check_site, site

    per_system = plan.gpus_per_server * (plan.trays_per_rack if plan.rack_scale else 1)
    if spec.max_site_mw is not None:
        # The compute fabric and its systems first: a lower bound of the whole site, known before the other
        # networks are planned, and the more basic error to fix.
        check_site(site(plan, links, counts, hardware, spec.pue, spec.max_site_mw, rooms), spec.max_site_mw,
                   gpus=plan.gpus, gpus_per_system=per_system)
    # The other networks are planned now, so their errors point at the spec; then the limit holds for the whole
    # site, every network's switches and optics with the compute's.
    result.networks  # noqa: B018
    if spec.max_site_mw is not None:
        check_site(result.site(), spec.max_site_mw, result.other_networks_w(), plan.gpus, per_system)
    return result
