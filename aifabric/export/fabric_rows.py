"""Named rows of the fabric's links and devices: made in aifabric/fabric/rows.py, where the graph builder takes
them from too; this is the exporters' name for them."""

from aifabric.fabric.rows import LINK_HEADER, device_rows, link_rows, naming_for  # noqa: F401 - public names
