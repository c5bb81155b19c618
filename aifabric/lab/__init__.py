"""A scaled-down copy of a plan booted in Linux network namespaces: FRR and lldpd per switch, veth pairs as cables,
every process and namespace recorded under one state directory."""
