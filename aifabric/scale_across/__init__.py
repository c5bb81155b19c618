"""Scale-across: size the inter-site corridor from a training job spread over sites, and judge its transport."""
