"""The files `fabric plan --out DIR` writes: bom.csv, links.csv, summary.json, graph.graphml, and trunks.csv,
rooms.csv and network-rooms.csv when runs are structured cabling."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from aifabric.export.graphml import write_graphml
from aifabric.export.link_columns import BackgroundWrites, join_rows, plane_link_columns
from aifabric.fabric.bom import BOM_HEADER, ORDER_COLUMNS, trunk_part
from aifabric.fabric.links import FabricLinks
from aifabric.fabric.plan import FabricResult
from aifabric.fabric.rows import LINK_HEADER, naming_for
from aifabric.io import AtomicWriter, ensure_dir, write_csv, write_json

Progress = Callable[[str], Callable[[int, int], None] | None]


def write_bom(path: str | Path, result: FabricResult) -> Path:
    """Write bom.csv (with unit and total prices appended when the result is priced); return its path."""
    lines = result.bom()
    if result.prices is not None:
        from aifabric.fabric.prices import PRICE_COLUMNS, priced_rows

        return write_csv(path, BOM_HEADER + PRICE_COLUMNS + ORDER_COLUMNS, priced_rows(lines, result.prices))
    return write_csv(path, BOM_HEADER + ORDER_COLUMNS, (line.row() + line.order_row() for line in lines))


def csv_cell(text: str) -> str:
    """Return a CSV cell exactly as Python's csv writer (QUOTE_MINIMAL, LF line ends) writes it in a row."""
    if not any(char in text for char in ',"\r\n'):
        return text  # nothing to quote: the usual case, without the writer
    stream = io.StringIO(newline="")
    csv.writer(stream, lineterminator="\n").writerow([text, ""])
    return stream.getvalue()[:-2]


def _cells(table) -> list[str]:
    """Return a table of names as CSV cells (the table itself when none needs quoting: the usual case)."""
    joined = "\0".join(table)
    if not any(char in joined for char in ',"\r\n'):
        return table
    return [csv_cell(text) for text in table]


def links_csv_chunks(links: FabricLinks, hardware) -> Iterator[bytes]:
    """Yield the UTF-8 text of links.csv after its header, in chunks: the rows of fabric.rows.link_rows as Python's csv
    writer writes them, built column by column (export/link_columns.py)."""
    for plane, link_set, columns in plane_link_columns(links, hardware):
        tails = columns.tails
        tail_text = [f"{link_set.speed_gbps},{csv_cell(medium)},{csv_cell(length)},{link_set.link_class},{plane},"
                     f"{csv_cell(cable)},compute\n"
                     for medium, length, cable in zip(tails.medium, tails.length, tails.cable, strict=True)]
        pieces = [(_cells(columns.a[0]), columns.a[1]), ",", (_cells(columns.a_port[0]), columns.a_port[1]), ",",
                  (_cells(columns.z[0]), columns.z[1]), ",", (_cells(columns.z_port[0]), columns.z_port[1]), ",",
                  (tail_text, tails.ids)]
        for _, text in join_rows(pieces, len(link_set)):
            yield text


def write_links(path: str | Path, result: FabricResult) -> Path:
    """Write links.csv, the full cabling plan, streamed; return its path."""
    with AtomicWriter(path, newline="") as stream, BackgroundWrites(stream.buffer) as binary:
        # Chunks are UTF-8 bytes already: they go to the binary layer beneath the (still empty) text stream.
        binary.write((",".join(csv_cell(name) for name in LINK_HEADER) + "\n").encode("utf-8"))
        for chunk in links_csv_chunks(result.links, result.hardware):
            binary.write(chunk)
        for chunk in network_csv_chunks(result):
            binary.write(chunk)
    return Path(path)


def network_csv_chunks(result: FabricResult) -> Iterator[bytes]:
    """Yield the links.csv rows of the networks beside the compute fabric, after the compute rows: the large
    classes column by column (as the compute rows), the small ones through Python's csv writer."""
    from aifabric.fabric.networks import row_blocks

    naming = naming_for(result.links, result.hardware)
    for block, rows in row_blocks(result.networks, result.plan, result.hardware, naming):
        if isinstance(block, str):
            stream = io.StringIO(newline="")
            csv.writer(stream, lineterminator="\n").writerows(rows)
            yield stream.getvalue().encode("utf-8")
            continue
        # The name columns are CSV-quoted as needed; the tail (text or table of texts) is CSV already.
        pieces = [(_cells(piece[0]), piece[1]) if isinstance(piece, tuple) and i < len(block) - 1 else piece
                  for i, piece in enumerate(block)]
        for _, text in join_rows(pieces, rows):
            yield text


TRUNK_HEADER = ("route", "trunk", "room_a", "room_z", "links", "fibers", "length_m", "trunks", "panel_ports_per_end",
                "cassettes_per_end")


def trunk_rows(result: FabricResult) -> Iterator[tuple]:
    """Yield one row per trunk route (a room pair and trunk type, every plane's structured links between the two
    rooms): its rooms, links, fibers, length, the trunks to order, and at each end the panel ports it takes and
    the MPO-LC cassettes it needs (`part:count`, `;`-separated). A structured link's route is the pair of rooms
    its two devices stand in; its links.csv cable is the trunk id."""
    floor, cables = result.links.floor, result.hardware.cables
    for number, route in enumerate(result.counts.trunk_routes):
        trunk = cables[route.trunk]
        room_a, room_z = (floor.room_name(room) for room in route.rooms)
        trunks = ";".join(f"{trunk_part(trunk, size, route.length_m)}:{n}" for size, n in route.trunks)
        panels = ";".join(f"{cables[panel].part}:{n}" for panel, n in route.panel_ports)
        cassettes = ";".join(f"{cables[cassette].part}:{n}" for cassette, n in route.cassettes)
        yield (f"T{number:04d}", route.trunk, room_a, room_z, route.links, route.fibers, f"{route.length_m:g}",
               trunks, panels, cassettes)


ROOM_HEADER = ("device", "role", "room")


def room_rows(result: FabricResult) -> Iterator[tuple]:
    """Yield (device, role, room) for every server and switch: the room (placement's name) each stands in, so a
    structured link of links.csv finds its trunk route in trunks.csv by the rooms of its two devices."""
    plan, floor = result.plan, result.links.floor
    naming = naming_for(result.links, result.hardware)
    names = [floor.room_name(room) for room in range(floor.rooms())]
    server_rooms = floor.server_room(np.arange(plan.servers)).tolist()
    yield from zip(naming.server_names(), ["server"] * plan.servers, [names[room] for room in server_rooms],
                   strict=True)
    leaf_rooms = floor.leaf_room(np.arange(plan.leaves_per_plane)).tolist()
    spine_rooms = floor.spine_room(np.arange(len(plan.pods))).tolist()
    core_rooms = floor.core_room(np.arange(plan.cores_per_plane)).tolist()
    for plane in range(plan.planes):
        for leaf, room in enumerate(leaf_rooms):
            yield naming.leaf(plane, leaf), "leaf", names[room]
        for pod, shape in enumerate(plan.pods):
            for spine in range(shape.spines):
                yield naming.spine(plane, pod, spine), "spine", names[spine_rooms[pod]]
        for core, room in enumerate(core_rooms):
            yield naming.core(plane, core), "core", names[room]


def write_rooms(path: str | Path, result: FabricResult) -> Path:
    """Write rooms.csv, the room of every server and switch; return its path."""
    return write_csv(path, ROOM_HEADER, room_rows(result))


NETWORK_ROOM_HEADER = ("room", "kind", "hall", "building", "leaf_switches", "spine_switches", "core_switches",
                       "switch_racks", "panels", "panel_racks", "racks", "racks_max", "trunk_routes", "trunks",
                       "structured_links")


def network_room_rows(result: FabricResult) -> Iterator[tuple]:
    """Yield one row per room holding network racks (aifabric.fabric.rooms): its switches per tier over every plane,
    their racks, its patch panels and their racks, the room limit, and the trunk routes and trunks ending in it."""
    limit = result.links.floor.placement.room_racks_max
    for room in result.rooms:
        yield (room.name, room.kind, room.hall, room.building, room.switches.get("leaf", 0),
               room.switches.get("spine", 0), room.switches.get("core", 0), room.switch_racks, room.panels,
               room.panel_racks, room.racks, limit if room.kind != "row" else "", room.trunk_routes, room.trunks,
               room.links)


def write_network_rooms(path: str | Path, result: FabricResult) -> Path:
    """Write network-rooms.csv, the racks and trunks of every room holding network racks; return its path."""
    return write_csv(path, NETWORK_ROOM_HEADER, network_room_rows(result))


def write_trunks(path: str | Path, result: FabricResult) -> Path:
    """Write trunks.csv, the trunk routes an installer builds (one row per route); return its path."""
    return write_csv(path, TRUNK_HEADER, trunk_rows(result))


# Bytes per link of links.csv and of graph.graphml (nodes included), measured on Colossus-100k's outputs
# (28.2 MB and 133.8 MB for 300,704 links) and rounded up: enough to warn before a multi-GB write.
LINKS_CSV_BYTES_PER_LINK = 100
GRAPHML_BYTES_PER_LINK = 460


def estimate_output_bytes(result: FabricResult, graph: bool = True) -> dict[str, int]:
    """Return the approximate size in bytes of links.csv and (with graph) graph.graphml of a plan, every network's
    links counted (Colossus 2 with every network: 4.6 M links, 1.94 GB of GraphML, 420 bytes a link)."""
    links = result.plan.link_counts()["total"] + sum(n.total_links for n in result.networks.networks.values())
    sizes = {"links.csv": links * LINKS_CSV_BYTES_PER_LINK}
    if graph:
        sizes["graph.graphml"] = links * GRAPHML_BYTES_PER_LINK
    return sizes


def write_outputs(out_dir: str | Path, result: FabricResult, graph: bool = True,
                  progress: Progress | None = None) -> list[Path]:
    """Write every output of a fabric plan into out_dir (each atomically); return the paths written."""
    target = ensure_dir(out_dir)
    written = [write_json(target / "summary.json", result.document()), write_bom(target / "bom.csv", result),
               write_links(target / "links.csv", result)]
    if result.counts.trunk_routes:
        written += [write_trunks(target / "trunks.csv", result), write_rooms(target / "rooms.csv", result),
                    write_network_rooms(target / "network-rooms.csv", result)]
    if graph:
        callback = progress("graph.graphml") if progress else None
        written.append(write_graphml(target / "graph.graphml", result.links, result.hardware, callback,
                                     networks=result.networks))
    return written
