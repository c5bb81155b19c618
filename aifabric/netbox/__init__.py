"""A plan in a running NetBox: the plan as NetBox objects (model), the REST client, push and diff."""
