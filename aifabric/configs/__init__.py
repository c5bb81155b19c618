"""Day-one configuration of a planned fabric: addresses and ASNs from the spec's pools, and FRR, NVUE and SONiC
configurations rendered from Jinja2 templates shipped in the package."""
