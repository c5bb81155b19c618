"""The address plan joined to a fabric plan: checked pools, and the `addressing` block of its document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aifabric.configs.addressing import AddressPlan, address_plan
from aifabric.errors import DesignError
from aifabric.fabric.plan import FabricResult, design_error_at


def attach_addressing(result: FabricResult, spec_path: str | Path | None = None,
                      overrides: dict[str, Any] | None = None) -> AddressPlan:
    """Check the spec's pools against the plan (the other networks' too: sizes, and no overlap with the compute
    fabric's), add `addressing` to its document and return the address plan; a pool too small or overlapping is a
    SpecError on the spec file's field."""
    from aifabric.configs import netaddr

    try:
        addresses = address_plan(result.plan, result.spec.addressing)
        netaddr.check(result)
    except DesignError as exc:
        lines = {}
        if spec_path is not None:
            from aifabric.spec.loader import load_yaml

            lines = load_yaml(spec_path)[1]
        raise design_error_at(exc, spec_path, lines, {k: v for k, v in (overrides or {}).items() if v is not None}
                              ) from None
    result.extra["addressing"] = addresses.counts()
    others = netaddr.counts(result)
    if others:
        result.extra["addressing"]["networks"] = others
    return addresses
