"""Exporters: each a pure function of the plan's link table or graph; files are written atomically."""
