"""The command-line flags that set spec fields: one table, read by every command that takes a spec.

Adding a spec flag is one line here: `SpecFlag("<field path>", "--flag", type, "help")`. The CLI
(aifabric/cli/specflags.py) turns each row into the same option on `fabric plan`, `latency`, `bisection`,
`failures`, `ecmp`, `sweep`, `draw` and `export fabric`, and the spec loader uses the table to put a bad value's
error on the flag that gave it. A field path with a dot sets a nested field (`placement.racks_per_row`).
Pure data: no typer here, so the core can use it without the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpecFlag:
    """One command-line flag that overrides one spec field."""

    field: str  # spec field path, dotted for nested fields: "placement.leaf_location"
    flag: str  # the option as typed: "--leaf-location"
    type: type  # int, float, str or bool (the spec model validates the value)
    help: str

    @property
    def param(self) -> str:
        """Return the Python parameter name of the flag (--leaf-location -> leaf_location)."""
        return self.flag.lstrip("-").replace("-", "_")


FABRIC_FLAGS: tuple[SpecFlag, ...] = (
    SpecFlag("gpus", "--gpus", int, "Number of GPUs (rounded up to whole servers)."),
    SpecFlag("servers", "--servers", int, "Number of servers (instead of --gpus)."),
    SpecFlag("server", "--server", str, "Server catalog id (aifabric catalog servers), e.g. dgx-h100."),
    SpecFlag("gpus_per_server", "--gpus-per-server", int, "GPUs (and rails) per server; default: the server's."),
    SpecFlag("nic", "--nic", str, "NIC catalog id (aifabric catalog nics); default: the server's."),
    SpecFlag("nic_gbps", "--nic-gbps", int, "NIC speed in Gb/s; default: the NIC's."),
    SpecFlag("switch", "--switch", str, "Switch catalog id (aifabric catalog switches), e.g. sn5600."),
    SpecFlag("port_gbps", "--port-gbps", int, "Switch port speed toward the NICs in Gb/s; default: NIC speed / "
             "planes."),
    SpecFlag("uplink_gbps", "--uplink-gbps", int, "Switch-to-switch port speed in Gb/s; default: --port-gbps."),
    SpecFlag("planes", "--planes", int, "Independent planes; each NIC splits into one port per plane."),
    SpecFlag("tiers", "--tiers", str, "Switch tiers: 1, 2, 3 or auto (the fewest that fit)."),
    SpecFlag("oversubscription", "--oversubscription", str, "Leaf downlink:uplink bandwidth, e.g. 1 or 2:1."),
    SpecFlag("servers_per_su", "--servers-per-su", int, "Servers per scalable unit (leaf downlinks used); "
             "default: as many as a leaf takes."),
    SpecFlag("racks_per_leaf", "--racks-per-leaf", int, "Racks of a rack-scale system whose trays one leaf serves "
             "for one rail in one plane (a leaf block); default: the largest power of two that fits (2 on an SN5600 "
             "at 400G, as NVIDIA's NVL72 Enterprise RA)."),
    SpecFlag("placement.servers_per_rack", "--servers-per-rack", int, "Servers per rack (sets cable lengths)."),
    SpecFlag("placement.racks_per_row", "--racks-per-row", int, "Racks per row (sets cable lengths)."),
    SpecFlag("placement.leaf_location", "--leaf-location", str, "Where leaves stand: in-row, end-of-row or "
             "central."),
    SpecFlag("scale_up_domain", "--scale-up-domain", int, "GPUs per NVLink domain (rack-scale systems, e.g. 72 "
             "for gb200-nvl72); default: the system's."),
    SpecFlag("sus_per_pod", "--sus-per-pod", int, "SUs per three-tier pod (NVIDIA's GB200 SuperPOD: 8 racks); "
             "default: as many as a spine takes."),
    SpecFlag("pue", "--pue", float, "Power usage effectiveness: facility power = IT power x PUE (default 1.2)."),
    SpecFlag("max_site_mw", "--max-site-mw", float, "Site power limit in MW (facility power); a design above it "
             "is an error."),
    SpecFlag("placement.rack_kw_max", "--rack-kw-max", float, "Power limit per compute rack in kW (default 60, "
             "150 for liquid-cooled systems)."),
    SpecFlag("placement.row_kw_max", "--row-kw-max", float, "Power limit per row of racks in kW (default: none)."),
    SpecFlag("placement.hall_mw_max", "--hall-mw-max", float, "IT power limit per hall in MW; pods are placed "
             "whole in halls (default 40)."),
    SpecFlag("placement.halls_per_building", "--halls-per-building", int, "Halls per building (default 4)."),
    SpecFlag("placement.building_spacing_m", "--building-spacing-m", float, "Distance between buildings on the "
             "campus grid in metres; default: the building's size + 50 m."),
    SpecFlag("placement.core_rooms", "--core-rooms", str, "Where the cores stand: campus (one room), building "
             "(a room per building), hall (a room per hall) or auto (the fewest that fit --room-racks-max)."),
    SpecFlag("placement.room_racks_max", "--room-racks-max", int, "Racks one network or core room may hold, "
             "switches and patch panels (default 200, a planning guess)."),
    SpecFlag("networks.plan", "--networks", str, "Networks to plan beside the compute fabric: a comma list of "
             "converged, storage, oob, nvlink, or all / none; default: those the system's RA names."),
    SpecFlag("networks.merge_compute", "--merge-compute", str, "Merge the compute fabric into the converged leaf "
             "pair (Enterprise RAs' small design points): auto (while the pair's ports hold both), yes or no; "
             "default: the system's RA."),
    SpecFlag("latency_budget_ns", "--latency-budget-ns", float, "One-way latency budget in ns; reported as met "
             "or violated."),
)

FLAG_NAMES: dict[str, str] = {f.field: f.flag for f in FABRIC_FLAGS}


def expand(overrides: dict[str, object]) -> dict[str, object]:
    """Return the flat {field path: value} overrides as nested data (placement.x -> {"placement": {"x": v}})."""
    nested: dict[str, object] = {}
    for path, value in overrides.items():
        *parents, leaf = path.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[leaf] = value  # type: ignore[index]
    return nested
