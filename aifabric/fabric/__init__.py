"""GPU fabric designer: sizing (closed form), links (naming, placement, media), graph, BOM."""
