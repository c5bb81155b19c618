"""`aifabric fabric draw SPEC -o fabric.svg|png` (placeholder until the diagram lands)."""

from __future__ import annotations
