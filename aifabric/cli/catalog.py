"""`aifabric catalog`: list the hardware the tool knows."""

from __future__ import annotations


def catalog() -> None:
    """List catalog entries."""
