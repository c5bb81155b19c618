"""The objects of a plan in NetBox: references by natural key, the plan's object list, the endpoints they go to and
the small helpers both the compute fabric's objects (aifabric.netbox.model) and the other networks'
(aifabric.netbox.networks) make their types and tags with."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The order objects are made in (each refers only to endpoints before it, or to its own: a location's parent,
# an interface's parent); deletes run in the reverse order.
FABRIC_ENDPOINTS = ("extras/tags", "dcim/manufacturers", "dcim/device-roles", "dcim/sites", "dcim/locations",
                    "dcim/racks", "dcim/device-types", "dcim/interface-templates", "dcim/module-bay-templates",
                    "dcim/module-type-profiles", "dcim/module-types", "dcim/devices", "dcim/module-bays",
                    "dcim/interfaces", "dcim/modules", "dcim/cables")
CORRIDOR_ENDPOINTS = ("extras/tags", "dcim/sites", "circuits/providers", "circuits/circuit-types",
                      "circuits/circuits", "circuits/circuit-terminations")
# NetBox's model name of each endpoint (the keys of push's created/updated/deleted counts).
MODEL_NAMES = {
    "extras/tags": "extras.tag", "dcim/manufacturers": "dcim.manufacturer", "dcim/device-roles": "dcim.devicerole",
    "dcim/sites": "dcim.site", "dcim/locations": "dcim.location", "dcim/racks": "dcim.rack",
    "dcim/device-types": "dcim.devicetype", "dcim/interface-templates": "dcim.interfacetemplate",
    "dcim/devices": "dcim.device", "dcim/interfaces": "dcim.interface", "dcim/cables": "dcim.cable",
    "dcim/module-bay-templates": "dcim.modulebaytemplate", "dcim/module-type-profiles": "dcim.moduletypeprofile",
    "dcim/module-types": "dcim.moduletype", "dcim/module-bays": "dcim.modulebay", "dcim/modules": "dcim.module",
    "circuits/providers": "circuits.provider", "circuits/circuit-types": "circuits.circuittype",
    "circuits/circuits": "circuits.circuit", "circuits/circuit-terminations": "circuits.circuittermination",
}
# The fields that make an object's natural key, per endpoint (cables are keyed by their two interfaces).
KEY_FIELDS = {
    "extras/tags": ("slug",), "dcim/manufacturers": ("slug",), "dcim/device-roles": ("slug",),
    "dcim/sites": ("slug",), "dcim/locations": ("site", "slug"), "dcim/racks": ("site", "name"),
    "dcim/device-types": ("manufacturer", "model"), "dcim/interface-templates": ("device_type", "name"),
    "dcim/devices": ("site", "name"), "dcim/interfaces": ("device", "name"),
    "dcim/module-bay-templates": ("device_type", "name"), "dcim/module-type-profiles": ("name",),
    "dcim/module-types": ("manufacturer", "model"), "dcim/module-bays": ("device", "name"),
    "dcim/modules": ("device", "module_bay"),
    "circuits/providers": ("slug",), "circuits/circuit-types": ("slug",), "circuits/circuits": ("provider", "cid"),
    "circuits/circuit-terminations": ("circuit", "term_side"),
}
# Foreign keys per endpoint: field -> the endpoint it refers to.
FOREIGN_KEYS = {
    "dcim/locations": {"site": "dcim/sites", "parent": "dcim/locations"},
    "dcim/racks": {"site": "dcim/sites", "location": "dcim/locations"},
    "dcim/device-types": {"manufacturer": "dcim/manufacturers"},
    "dcim/interface-templates": {"device_type": "dcim/device-types"},
    "dcim/devices": {"site": "dcim/sites", "location": "dcim/locations", "rack": "dcim/racks",
                     "device_type": "dcim/device-types", "role": "dcim/device-roles"},
    "dcim/interfaces": {"device": "dcim/devices", "parent": "dcim/interfaces"},
    "dcim/module-bay-templates": {"device_type": "dcim/device-types"},
    "dcim/module-types": {"manufacturer": "dcim/manufacturers", "profile": "dcim/module-type-profiles"},
    "dcim/module-bays": {"device": "dcim/devices"},
    "dcim/modules": {"device": "dcim/devices", "module_bay": "dcim/module-bays", "module_type": "dcim/module-types"},
    "circuits/circuits": {"provider": "circuits/providers", "type": "circuits/circuit-types"},
    "circuits/circuit-terminations": {"circuit": "circuits/circuits", "termination_id": "dcim/sites"},
}
# Endpoints whose objects belong to the plan's site or provider: what diff lists as extra and push may delete.
SCOPED = ("dcim/locations", "dcim/racks", "dcim/devices", "dcim/module-bays", "dcim/interfaces", "dcim/modules",
          "dcim/cables", "circuits/circuits", "circuits/circuit-terminations")
ROLE_COLORS = {"gpu-server": "4caf50", "leaf": "2196f3", "spine": "9c27b0", "core": "f44336"}
STATUS = "planned"
# NetBox's circuit type per corridor service (spec `service`); `compare` plans the capacity as waves.
CIRCUIT_TYPES = {"dark-fiber": "Dark fiber", "waves": "Wave", "spectrum": "Spectrum"}
# NetBox's module type profile for pluggable optics (loaded by NetBox's own migrations since 4.3).
TRANSCEIVER_PROFILE = "Transceiver"
KBPS_MAX = 2_147_483_647  # NetBox's circuit commit_rate (Kbps) is a 32-bit integer


@dataclass(frozen=True)
class Ref:
    """A reference to another planned (or existing) object by its endpoint and natural key."""

    endpoint: str
    key: tuple


@dataclass
class Obj:
    """One NetBox object of the plan. `shared` objects (manufacturers, types, roles, corridor sites) are made when
    missing and otherwise used as found: never changed, never deleted. `tagged` objects carry the plan's tag."""

    endpoint: str
    fields: dict
    label: str
    tagged: bool = True
    shared: bool = False
    key: tuple = ()
    tags: tuple[str, ...] = ()  # tag slugs the object carries beside the plan's (its network's)

    def __post_init__(self) -> None:
        if not self.key:
            self.key = key_of(self.endpoint, self.fields)


def key_of(endpoint: str, fields: dict) -> tuple:
    """Return the natural key of an object from its fields (a Ref contributes the key it refers to)."""
    if endpoint == "dcim/cables":
        ends = [tuple(t.key for t in fields["a_terminations"]), tuple(t.key for t in fields["b_terminations"])]
        return tuple(sorted(ends))
    out = []
    for name in KEY_FIELDS[endpoint]:
        value = fields.get(name)
        out.append(value.key if isinstance(value, Ref) else value)
    return tuple(out)


@dataclass
class NetboxPlan:
    """A plan as NetBox objects, in creation order; `tag` is the plan's tag slug (`aifabric-<plan name>`)."""

    name: str
    tag: str
    endpoints: tuple[str, ...]
    objects: dict[str, list[Obj]] = field(default_factory=dict)
    scope: Ref | None = None  # the site (fabric) or provider (corridor) every scoped object belongs to

    def add(self, obj: Obj) -> Obj:
        """Add an object (the first with a key wins: a second identical one is the same object)."""
        self.objects.setdefault(obj.endpoint, []).append(obj)
        return obj

    def count(self, endpoint: str) -> int:
        """Return how many objects of an endpoint the plan holds."""
        return len(self.objects.get(endpoint, ()))


def slugify(text: str) -> str:
    """Return NetBox's slug of a name: lowercase letters, digits, '-' and '_' ('DGX H100' -> 'dgx-h100')."""
    slug = re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")
    return slug[:100] or "x"


def plan_tag(name: str) -> str:
    """Return the plan's tag slug: `aifabric-<plan name>`."""
    return f"aifabric-{slugify(name)}"


def _tag(plan: NetboxPlan) -> None:
    plan.add(Obj("extras/tags", {"name": plan.tag, "slug": plan.tag, "color": "607d8b",
                                 "description": f"made by aifabric for plan {plan.name}"}, plan.tag, tagged=False,
                 shared=True))


def _manufacturer(plan: NetboxPlan, made: set, manufacturer: str) -> Ref:
    """Add the manufacturer (once, by slug: 'NVIDIA' and 'Nvidia' are one) and return its Ref."""
    m_slug = slugify(manufacturer)
    if ("m", m_slug) not in made:
        made.add(("m", m_slug))
        plan.add(Obj("dcim/manufacturers", {"name": manufacturer, "slug": m_slug}, manufacturer, shared=True))
    return Ref("dcim/manufacturers", (m_slug,))


def _device_type(plan: NetboxPlan, made: set, manufacturer: str, model: str, height_u: int) -> Ref:
    """Add the manufacturer and device type (once) and return the device type's Ref."""
    m_ref = _manufacturer(plan, made, manufacturer)
    m_slug = m_ref.key[0]
    if ("t", m_slug, model) not in made:
        made.add(("t", m_slug, model))
        plan.add(Obj("dcim/device-types", {"manufacturer": m_ref, "model": model, "slug": slugify(model),
                                           "u_height": height_u, "is_full_depth": True},
                     f"{manufacturer} {model}", shared=True))
    return Ref("dcim/device-types", (m_ref.key, model))
