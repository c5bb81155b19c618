"""Resource guards: estimate memory before building large structures and refuse, with the estimate and the
alternative, when it would not fit this machine."""

from __future__ import annotations

import os

from aifabric.errors import DesignError
from aifabric.fabric.sizing import Plan

# Measured: the link table holds ~10 numpy columns per link (int32/float32/int16) plus sort temporaries.
LINK_TABLE_BYTES_PER_LINK = 64
# Measured with networkx 3.x: a MultiGraph edge with six attributes ~1.1 KB, a node with six ~0.7 KB.
GRAPH_BYTES_PER_EDGE = 1100
GRAPH_BYTES_PER_NODE = 700
MEMORY_SHARE = 0.6


def physical_memory_bytes() -> int:
    """Return this machine's physical memory in bytes (16 GiB when it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 16 * 1024**3


def _gib(value: float) -> str:
    return f"{value / 1024**3:,.1f} GiB"


def check_link_table(plan: Plan, memory_bytes: int | None = None) -> None:
    """Raise DesignError when one plane's link table would not fit in memory."""
    memory = memory_bytes or physical_memory_bytes()
    per_plane = plan.link_counts()["total"] // plan.planes
    need = per_plane * LINK_TABLE_BYTES_PER_LINK
    if need > MEMORY_SHARE * memory:
        raise DesignError(
            f"the link table of one plane has {per_plane:,} links (~{_gib(need)}), more than this machine's "
            f"{_gib(memory)} allows; split the design into more planes or fewer GPUs",
            field="gpus",
        )


def check_graph(plan: Plan, memory_bytes: int | None = None) -> None:
    """Raise DesignError when the full networkx graph would not fit in memory, naming the streamed
    alternatives."""
    memory = memory_bytes or physical_memory_bytes()
    edges = plan.link_counts()["total"] + plan.gpus * plan.planes
    nodes = plan.servers + plan.gpus * plan.planes + plan.switch_counts()["total"]
    need = edges * GRAPH_BYTES_PER_EDGE + nodes * GRAPH_BYTES_PER_NODE
    if need > MEMORY_SHARE * memory:
        raise DesignError(
            f"an in-memory graph of {nodes:,} nodes and {edges:,} edges needs ~{_gib(need)}, more than this "
            f"machine's {_gib(memory)} allows; use the streamed outputs instead (`fabric plan --out DIR` writes "
            f"links.csv and graph.graphml without building it; `--json` needs no graph), or export a slice",
        )
