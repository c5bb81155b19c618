"""The files `fabric plan --out DIR` writes: bom.csv, links.csv, summary.json, graph.graphml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aifabric.export.fabric_rows import LINK_HEADER, link_rows
from aifabric.export.graphml import write_graphml
from aifabric.fabric.bom import BOM_HEADER, bom_lines
from aifabric.fabric.plan import FabricResult
from aifabric.io import ensure_dir, write_csv, write_json

Progress = Callable[[str], Callable[[int, int], None] | None]


def write_bom(path: str | Path, result: FabricResult) -> Path:
    """Write bom.csv (with unit and total prices appended when the result is priced); return its path."""
    lines = bom_lines(result.plan, result.links, result.hardware, result.counts)
    if result.prices is not None:
        from aifabric.fabric.prices import PRICE_COLUMNS, priced_rows

        return write_csv(path, BOM_HEADER + PRICE_COLUMNS, priced_rows(lines, result.prices))
    return write_csv(path, BOM_HEADER, (line.row() for line in lines))


def write_links(path: str | Path, result: FabricResult) -> Path:
    """Write links.csv, the full cabling plan, streamed; return its path."""
    return write_csv(path, LINK_HEADER, link_rows(result.links, result.hardware))


# Bytes per link of links.csv and of graph.graphml (nodes included), measured on Colossus-100k's outputs
# (28.2 MB and 133.8 MB for 300,704 links) and rounded up: enough to warn before a multi-GB write.
LINKS_CSV_BYTES_PER_LINK = 100
GRAPHML_BYTES_PER_LINK = 460


def estimate_output_bytes(result: FabricResult, graph: bool = True) -> dict[str, int]:
    """Return the approximate size in bytes of links.csv and (with graph) graph.graphml of a plan."""
    links = result.plan.link_counts()["total"]
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
    if graph:
        callback = progress("graph.graphml") if progress else None
        written.append(write_graphml(target / "graph.graphml", result.links, result.hardware, callback))
    return written
