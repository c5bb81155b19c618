"""aifabric: design the interconnect of AI clusters, inside a site and between sites."""

__version__ = "0.1.0"
