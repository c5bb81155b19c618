"""Push a plan's NetBox objects and diff NetBox against them, over the REST API.

Push is idempotent and resumable: every object is found by its natural key (name within its site, device and
name, a cable's two interfaces) before anything is written, so a second push writes nothing and a push killed at
any point (each bulk request is one NetBox transaction) converges when run again. Deletes touch only objects in the
plan's site (or provider) that carry the plan's tag; shared objects (manufacturers, device types, roles, the
corridor's sites) are made when missing and otherwise left as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from aifabric.errors import NetboxError
from aifabric.netbox.client import NetboxClient
from aifabric.netbox.model import FOREIGN_KEYS, KEY_FIELDS, MODEL_NAMES, SCOPED, NetboxPlan, Obj, Ref

# Fields compared to find an update (the key fields and cable ends are the object's identity, not compared).
NOT_COMPARED = {"slug", "a_terminations", "b_terminations", "termination_type"}
# The oldest NetBox the objects fit: circuit terminations on any object (termination_type) came in 4.2.
MIN_VERSION = (4, 2)

Progress = Callable[[str, int], None]
# Templates on a device type, and what NetBox makes from them with each new device.
TEMPLATES = ("dcim/interface-templates", "dcim/module-bay-templates")
FROM_TEMPLATES = ("dcim/interfaces", "dcim/module-bays")
# Objects that hold others: deleted after the creates and updates that move their contents elsewhere.
CONTAINERS = ("dcim/racks", "dcim/locations")
NOT_CONTAINERS = tuple(e for e in SCOPED if e not in CONTAINERS)


@dataclass
class State:
    """What NetBox holds for the plan: records by endpoint and key, and the key of every id."""

    records: dict[str, dict[tuple, dict]] = field(default_factory=dict)
    keys: dict[str, dict[int, tuple]] = field(default_factory=dict)

    def put(self, endpoint: str, key: tuple, record: dict) -> None:
        """Store a record under its key."""
        self.records.setdefault(endpoint, {})[key] = record
        self.keys.setdefault(endpoint, {})[record["id"]] = key

    def drop(self, endpoint: str, key: tuple) -> None:
        """Forget a record (deleted)."""
        record = self.records.get(endpoint, {}).pop(key, None)
        if record is not None:
            self.keys.get(endpoint, {}).pop(record["id"], None)

    def id_of(self, ref: Ref) -> int | None:
        """Return the NetBox id of a referenced object, or None when NetBox does not hold it."""
        record = self.records.get(ref.endpoint, {}).get(ref.key)
        return None if record is None else record["id"]


@dataclass
class Changes:
    """Counts per NetBox model of what a push created, updated and deleted (the `--json` document)."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    requests: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return {"created": {model: n}, "updated": {model: n}, "deleted": {model: n}}."""
        return {"created": dict(self.created), "updated": dict(self.updated), "deleted": dict(self.deleted)}

    @property
    def total(self) -> int:
        """Return how many objects were written."""
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values())


def check_netbox(client: NetboxClient, plan: NetboxPlan) -> str:
    """Return NetBox's version, or raise NetboxError naming the model this NetBox lacks."""
    status = client.status()
    version = str(status.get("netbox-version", "")) if isinstance(status, dict) else ""
    parts = version.split("-")[0].split(".")
    try:
        major_minor = (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        raise NetboxError(f"{client.url} answered /api/status/ without a NetBox version: is it NetBox?") from None
    for app in sorted({e.split("/")[0] for e in plan.endpoints}):
        have = client.endpoints(app)
        for endpoint in plan.endpoints:
            if endpoint.startswith(app + "/") and endpoint.split("/")[1] not in have:
                raise NetboxError(f"NetBox {version} at {client.url} has no {MODEL_NAMES[endpoint]} "
                                  f"(/api/{endpoint}/), which the plan needs")
    if "circuits/circuit-terminations" in plan.endpoints and major_minor < MIN_VERSION:
        raise NetboxError(f"NetBox {version} at {client.url}: circuits.circuittermination has no termination_type "
                          f"(a circuit ending at a site needs NetBox >= {MIN_VERSION[0]}.{MIN_VERSION[1]})")
    return version


# -- reading NetBox back ------------------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    """Return a record field as a comparable value: a choice's value, a nested object's id, a number as float."""
    if isinstance(value, dict):
        if "value" in value:
            return value["value"]
        if "id" in value:
            return value["id"]
    return value


def _record_key(state: State, endpoint: str, record: dict) -> tuple | None:
    """Return an existing record's natural key, or None when it refers to something outside the plan's reach."""
    if endpoint == "dcim/cables":
        ends = []
        for side in ("a_terminations", "b_terminations"):
            keys = []
            for term in record.get(side) or ():
                if term.get("object_type") != "dcim.interface":
                    return None
                key = state.keys.get("dcim/interfaces", {}).get(term.get("object_id"))
                if key is None:
                    return None
                keys.append(key)
            ends.append(tuple(keys))
        return tuple(sorted(ends))
    out = []
    refs = FOREIGN_KEYS.get(endpoint, {})
    for name in KEY_FIELDS[endpoint]:
        value = _value(record.get(name))
        if name in refs:
            if value is None:
                out.append(None)
                continue
            key = state.keys.get(refs[name], {}).get(value)
            if key is None:
                return None
            out.append(key)
        else:
            out.append(value)
    return tuple(out)


def _query(plan: NetboxPlan, state: State, endpoint: str) -> dict | None:
    """Return the filter that reads an endpoint's objects relevant to the plan (None: nothing to read yet)."""
    objects = plan.objects.get(endpoint, [])
    if endpoint in SCOPED:
        scope_id = state.id_of(plan.scope) if plan.scope else None
        if scope_id is None:
            return None
        if plan.scope.endpoint == "dcim/sites":
            return {"site_id": scope_id}
        if endpoint == "circuits/circuits":
            return {"provider_id": scope_id}
        circuits = [r["id"] for r in state.records.get("circuits/circuits", {}).values()]
        return {"circuit_id": circuits} if circuits else None
    if endpoint == "dcim/device-types":
        return {"model": sorted({o.fields["model"] for o in objects})}
    if endpoint in ("dcim/interface-templates", "dcim/module-bay-templates"):
        types = sorted({r["id"] for r in state.records.get("dcim/device-types", {}).values()})
        return {"device_type_id": types} if types else None
    if endpoint == "dcim/module-types":
        return {"model": sorted({o.fields["model"] for o in objects})}
    if endpoint == "dcim/module-type-profiles":
        return {"name": sorted({o.fields["name"] for o in objects})}
    return {"slug": sorted({o.fields["slug"] for o in objects})}


def read_state(client: NetboxClient, plan: NetboxPlan, progress: Progress | None = None) -> State:
    """Read back from NetBox every object the plan could hold, endpoint by endpoint in creation order."""
    state = State()
    for endpoint in plan.endpoints:
        _read(client, plan, state, endpoint)
        if progress:
            progress(f"read {MODEL_NAMES[endpoint]}", 0)
    return state


def _read(client: NetboxClient, plan: NetboxPlan, state: State, endpoint: str) -> None:
    state.records[endpoint] = {}
    state.keys[endpoint] = {}
    query = _query(plan, state, endpoint)
    if query is None:
        return
    # Only the fields push and diff read: NetBox serialises a full interface ~7x slower than these.
    names = {"id", "tags", *KEY_FIELDS.get(endpoint, ())}
    for obj in plan.objects.get(endpoint, []):
        names.update(obj.fields)
    if endpoint == "dcim/interfaces":
        names.update({"cable", "cable_end"})
    if endpoint == "dcim/cables":
        # A cable's ends come from its interfaces' cable and cable_end (read just before): NetBox serialises a
        # cable's terminations ~10x slower than the rest of it.
        names.update({"label"})
        names -= {"a_terminations", "b_terminations"}
    query["fields"] = ",".join(sorted(names))
    records = client.list(endpoint, query)
    if endpoint == "dcim/cables":
        _attach_ends(state, records)
    # A location's or interface's parent is of its own endpoint: key parents before children.
    pending = records
    for _ in range(8):
        later = []
        for record in pending:
            key = _record_key(state, endpoint, record)
            if key is None and _self_ref_unknown(state, endpoint, record):
                later.append(record)
                continue
            if key is not None:
                state.put(endpoint, key, record)
            else:
                state.records[endpoint][("#", record["id"])] = record
        if not later or len(later) == len(pending):
            for record in later:
                state.records[endpoint][("#", record["id"])] = record
            break
        pending = later


def _attach_ends(state: State, cables: list[dict]) -> None:
    """Give each cable record its a/b terminations from the interfaces that name it (cable, cable_end)."""
    ends: dict[int, dict[str, list[dict]]] = {}
    for record in state.records.get("dcim/interfaces", {}).values():
        cable = _value(record.get("cable"))
        if cable is not None:
            side = "a_terminations" if record.get("cable_end") == "A" else "b_terminations"
            ends.setdefault(cable, {}).setdefault(side, []).append(
                {"object_type": "dcim.interface", "object_id": record["id"]})
    for cable in cables:
        found = ends.get(cable["id"], {})
        cable["a_terminations"] = found.get("a_terminations", [])
        cable["b_terminations"] = found.get("b_terminations", [])
        if not cable["a_terminations"] or not cable["b_terminations"]:
            # An end outside the plan's interfaces (another site, a front port): not a cable the plan can key.
            cable["a_terminations"] = [{"object_type": "other", "object_id": 0}]


def _self_ref_unknown(state: State, endpoint: str, record: dict) -> bool:
    refs = FOREIGN_KEYS.get(endpoint, {})
    for name in KEY_FIELDS.get(endpoint, ()):
        if refs.get(name) == endpoint:
            value = _value(record.get(name))
            if value is not None and value not in state.keys.get(endpoint, {}):
                return True
    return False


def _tagged(record: dict, tag: str) -> bool:
    return any((t.get("slug") if isinstance(t, dict) else None) == tag for t in record.get("tags") or ())


# -- comparing ----------------------------------------------------------------------------------------------------


def _differs(state: State, obj: Obj, record: dict, tag: str) -> list[str]:
    """Return the fields of a planned object whose NetBox value differs (and 'tags' when the tag is missing)."""
    out = []
    for name, planned in obj.fields.items():
        if name in NOT_COMPARED:
            continue
        have = _value(record.get(name))
        if isinstance(planned, Ref):
            if have != state.id_of(planned):
                out.append(name)
        elif isinstance(planned, float) or isinstance(have, float):
            try:
                if have is None or abs(float(have) - float(planned)) > 1e-6:
                    out.append(name)
            except (TypeError, ValueError):
                out.append(name)
        elif have != planned and not (have in (None, "") and planned in (None, "")):
            out.append(name)
    if (obj.tagged and not _tagged(record, tag)) or any(not _tagged(record, extra) for extra in obj.tags):
        out.append("tags")
    return out


def _payload(state: State, obj: Obj, tag_id: int | None, fake: Callable[[], int]) -> dict:
    """Return the JSON body of a planned object: Refs as ids (a placeholder id in a dry run)."""
    body: dict[str, Any] = {}
    for name, value in obj.fields.items():
        if isinstance(value, Ref):
            body[name] = state.id_of(value) or fake()
        elif isinstance(value, list) and value and isinstance(value[0], Ref):
            body[name] = [{"object_type": "dcim.interface", "object_id": state.id_of(r) or fake()} for r in value]
        else:
            body[name] = value
    if obj.tagged and tag_id is not None:
        body["tags"] = [tag_id]
    if obj.tags:
        # The object's network tags beside the plan's (made first: extras/tags leads the endpoints).
        extra = [_tag_id(state, slug) or fake() for slug in obj.tags]
        body["tags"] = sorted({*body.get("tags", ()), *extra})
    return body


def _tag_id(state: State, slug: str) -> int | None:
    """Return the NetBox id of a tag by slug, or None when NetBox does not hold it."""
    record = state.records.get("extras/tags", {}).get((slug,))
    return None if record is None else record["id"]


def _level(obj: Obj, levels: dict[tuple, int]) -> int:
    """Return an object's depth among objects of its own endpoint (a location under a location, a lane under a
    cage): parents are made before their children."""
    for name, target in FOREIGN_KEYS.get(obj.endpoint, {}).items():
        value = obj.fields.get(name)
        if target == obj.endpoint and isinstance(value, Ref):
            return levels.get(value.key, 0) + 1
    return 0


# -- push ---------------------------------------------------------------------------------------------------------


def push(client: NetboxClient, plan: NetboxPlan, dry_run: bool = False, progress: Progress | None = None) -> Changes:
    """Make NetBox hold the plan: create what is missing, update what differs, delete the plan's tagged objects
    the plan no longer has. With dry_run, count the same changes and write nothing."""
    check_netbox(client, plan)
    state = read_state(client, plan, progress)
    changes = Changes()
    for endpoint in plan.endpoints:
        model = MODEL_NAMES[endpoint]
        changes.created[model] = changes.updated[model] = changes.deleted[model] = 0
    fake_ids = count(-1, -1)

    def fake() -> int:
        return next(fake_ids)

    # Stale cables, interfaces and devices go first (their names may be taken again); stale racks and locations
    # last, once the devices that move have left them.
    _delete_stale(client, plan, state, changes, dry_run, progress, skip=CONTAINERS)
    created_devices = False
    tag_record = state.records.get("extras/tags", {}).get((plan.tag,))
    for endpoint in plan.endpoints:
        model = MODEL_NAMES[endpoint]
        objects = plan.objects.get(endpoint, [])
        if endpoint in TEMPLATES:
            objects = [o for o in objects if _own_type(state, o, plan.tag)]
        if endpoint in FROM_TEMPLATES and created_devices and not dry_run:
            # Devices made just now got their interfaces and module bays from their types' templates: read them.
            missing_before = {o.key for o in objects if o.key not in state.records.get(endpoint, {})}
            _read(client, plan, state, endpoint)
            changes.created[model] += sum(1 for k in missing_before if k in state.records[endpoint])
        if endpoint == "dcim/cables":
            _check_cable_ends(plan, state, objects)
        levels: dict[tuple, int] = {}
        by_level: dict[int, list[Obj]] = {}
        for obj in objects:
            levels[obj.key] = _level(obj, levels)
            by_level.setdefault(levels[obj.key], []).append(obj)
        for level in sorted(by_level):
            todo = by_level[level]
            have = state.records.get(endpoint, {})
            to_create = [o for o in todo if o.key not in have]
            to_update = [(o, have[o.key]) for o in todo if o.key in have and not o.shared]
            to_update = [(o, r) for o, r in to_update if _differs(state, o, r, plan.tag)]
            tag_id = tag_record["id"] if tag_record else None
            if to_create:
                changes.created[model] += len(to_create)
                if dry_run:
                    for o in to_create:
                        state.put(endpoint, o.key, {"id": fake()})
                else:
                    bodies = [_payload(state, o, tag_id, fake) for o in to_create]
                    records = client.create(endpoint, bodies, [o.label for o in to_create],
                                            _step(progress, f"create {model}"))
                    for o, record in zip(to_create, records, strict=True):
                        state.put(endpoint, o.key, record)
                if endpoint == "dcim/devices":
                    created_devices = True
            if to_update:
                changes.updated[model] += len(to_update)
                if not dry_run:
                    moving = [r["id"] for o, r in to_update if endpoint == "dcim/devices"
                              and {"rack", "position"} & set(_differs(state, o, r, plan.tag))]
                    if moving:
                        # Devices trading rack units: free every unit first, or NetBox finds each one taken.
                        client.update(endpoint, [{"id": i, "position": None, "face": ""} for i in moving],
                                      [o.label for o, r in to_update if r["id"] in set(moving)])
                    bodies = []
                    for o, record in to_update:
                        body = _payload(state, o, tag_id, fake)
                        if (o.tagged and tag_id is not None) or o.tags:
                            body["tags"] = sorted({_value(t) for t in record.get("tags") or ()}
                                                  | set(body.get("tags", ())))
                        body["id"] = record["id"]
                        bodies.append(body)
                    client.update(endpoint, bodies, [o.label for o, _ in to_update],
                                  _step(progress, f"update {model}"))
        if endpoint == "extras/tags":
            tag_record = state.records.get("extras/tags", {}).get((plan.tag,))
    _delete_stale(client, plan, state, changes, dry_run, progress, skip=NOT_CONTAINERS)
    changes.requests = client.requests
    return changes


def _step(progress: Progress | None, what: str):
    if progress is None:
        return None
    return lambda n: progress(what, n)


def _own_type(state: State, template: Obj, tag: str) -> bool:
    """Return True when the template's device type is the plan's to shape: made by this plan (its tag) or about to
    be made. A device type someone else keeps (the devicetype-library's) is left as it is."""
    record = state.records.get("dcim/device-types", {}).get(template.fields["device_type"].key)
    return record is None or record.get("id", 0) < 0 or "tags" not in record or _tagged(record, tag)


def _check_cable_ends(plan: NetboxPlan, state: State, cables: list[Obj]) -> None:
    """Raise NetboxError when a planned cable's interface holds a cable that is not the plan's to remove."""
    have = state.records.get("dcim/cables", {})
    occupied: dict[tuple, dict] = {}
    for key, record in have.items():
        if key and key[0] != "#":
            for end in key:
                for iface in end:
                    occupied[iface] = record
    for obj in cables:
        if obj.key in have:
            continue
        for ref in (*obj.fields["a_terminations"], *obj.fields["b_terminations"]):
            record = occupied.get(ref.key)
            if record is not None:
                device, name = ref.key[0][1], ref.key[1]
                raise NetboxError(f"dcim.cable '{obj.label}': interface {device} {name} already holds cable "
                                  f"{record.get('label') or record['id']}, which does not carry tag {plan.tag}; "
                                  f"remove that cable in NetBox, then push again")


def _delete_stale(client: NetboxClient, plan: NetboxPlan, state: State, changes: Changes, dry_run: bool,
                  progress: Progress | None, skip: tuple[str, ...]) -> None:
    """Delete the tagged objects of the plan's scope the plan no longer holds (children before parents), and the
    devices whose type changed (NetBox cannot change a device's type under its interfaces)."""
    planned = {e: {o.key: o for o in plan.objects.get(e, [])} for e in plan.endpoints}
    gone_devices: set[tuple] = set()
    for endpoint in reversed(plan.endpoints):
        if endpoint not in SCOPED or endpoint in skip:
            continue
        model = MODEL_NAMES[endpoint]
        stale = []
        for key, record in state.records.get(endpoint, {}).items():
            obj = planned[endpoint].get(key)
            if endpoint == "dcim/interfaces" and key[0] in gone_devices:
                continue
            if not _tagged(record, plan.tag):
                continue
            retyped = endpoint == "dcim/devices" and obj is not None and \
                _value(record.get("device_type")) != state.id_of(obj.fields["device_type"])
            if obj is None or retyped:
                stale.append((key, record))
        if endpoint == "dcim/devices":
            gone_devices = {key for key, _ in stale}
        # Children first: a hall before its building, a lane before its cage.
        stale.sort(key=lambda kr: -_depth(state, endpoint, kr[1]))
        groups: dict[int, list] = {}
        for key, record in stale:
            groups.setdefault(_depth(state, endpoint, record), []).append((key, record))
        for depth in sorted(groups, reverse=True):
            group = groups[depth]
            changes.deleted[model] += len(group)
            if not dry_run:
                client.delete(endpoint, [r["id"] for _, r in group],
                              [_label(state, endpoint, k, r) for k, r in group], _step(progress, f"delete {model}"))
            for key, _ in group:
                state.drop(endpoint, key)
        if endpoint == "dcim/devices" and gone_devices:
            # NetBox deletes a device's interfaces, module bays and modules, and their cables, with it: counted
            # as deleted with it (the ones its type's templates made carry no tag and were not deleted above).
            for endpoint_of_device in ("dcim/interfaces", "dcim/module-bays", "dcim/modules"):
                dropped = [k for k in state.records.get(endpoint_of_device, {}) if k[0] in gone_devices]
                changes.deleted[MODEL_NAMES[endpoint_of_device]] += len(dropped)
                for key in dropped:
                    state.drop(endpoint_of_device, key)
            for key in [k for k in state.records.get("dcim/cables", {})
                        if k[0] != "#" and any(i[0] in gone_devices for end in k for i in end)]:
                state.drop("dcim/cables", key)


def _depth(state: State, endpoint: str, record: dict) -> int:
    depth, seen = 0, set()
    parent = _value(record.get("parent")) if endpoint in ("dcim/locations", "dcim/interfaces") else None
    while parent is not None and parent not in seen and depth < 16:
        seen.add(parent)
        depth += 1
        key = state.keys.get(endpoint, {}).get(parent)
        nxt = state.records.get(endpoint, {}).get(key) if key is not None else None
        parent = _value(nxt.get("parent")) if nxt else None
    return depth


def _label(state: State, endpoint: str, key: tuple, record: dict) -> str:
    """Return a readable name of an existing object: its label, name or cid, with its device."""
    if endpoint == "dcim/cables":
        return record.get("label") or _ends_text(key) or str(record.get("id"))
    name = record.get("name") or record.get("cid") or record.get("display") or str(record.get("id"))
    device = record.get("device")
    if isinstance(device, dict) and device.get("name"):
        return f"{device['name']} {name}"
    return str(name)


def _ends_text(key: tuple) -> str:
    if not key or key[0] == "#":
        return ""
    return " — ".join(", ".join(f"{i[0][1]} {i[1]}" for i in end) for end in key)


# -- diff ---------------------------------------------------------------------------------------------------------


def diff(client: NetboxClient, plan: NetboxPlan, progress: Progress | None = None) -> dict[str, Any]:
    """Return what NetBox holds against the plan: {"missing", "extra", "miscabled", "changed", "equal"}.

    missing: planned objects NetBox lacks; extra: objects in the plan's site (or provider) the plan lacks;
    miscabled: planned cables whose interfaces are cabled to other ports; changed: objects whose fields differ.
    """
    check_netbox(client, plan)
    state = read_state(client, plan, progress)
    missing: list[dict] = []
    extra: list[dict] = []
    miscabled: list[dict] = []
    changed: list[dict] = []
    cable_of: dict[tuple, tuple] = {}
    for key in state.records.get("dcim/cables", {}):
        if key and key[0] != "#":
            for end in key:
                for iface in end:
                    cable_of[iface] = key
    explained: set[tuple] = set()
    planned_keys = {e: {o.key for o in plan.objects.get(e, [])} for e in plan.endpoints}
    for endpoint in plan.endpoints:
        model = MODEL_NAMES[endpoint]
        have = state.records.get(endpoint, {})
        for obj in plan.objects.get(endpoint, []):
            record = have.get(obj.key)
            if record is not None:
                if not obj.shared:
                    fields = [f for f in _differs(state, obj, record, plan.tag) if f != "tags"]
                    if fields:
                        changed.append({"model": model, "name": obj.label, "device": _device_of(obj),
                                        "fields": fields})
                continue
            if endpoint == "dcim/cables":
                ends = [r.key for r in (*obj.fields["a_terminations"], *obj.fields["b_terminations"])]
                found = sorted({cable_of[e] for e in ends if e in cable_of})
                if found:
                    explained.update(found)
                    miscabled.append({"cable": obj.label, "device": ends[0][0][1],
                                      "planned": _ends_text(obj.key),
                                      "found": [_ends_text(k) for k in found]})
                    continue
            missing.append({"model": model, "name": obj.label, "device": _device_of(obj)})
        if endpoint in SCOPED:
            for key, record in have.items():
                if key in planned_keys[endpoint] or key in explained:
                    continue
                device = record.get("device")
                extra.append({"model": model, "name": _label(state, endpoint, key, record),
                              "device": device.get("name") if isinstance(device, dict) else None,
                              "tagged": _tagged(record, plan.tag)})
    return {"missing": missing, "extra": extra, "miscabled": miscabled, "changed": changed,
            "equal": not (missing or extra or miscabled or changed)}


def _device_of(obj: Obj) -> str | None:
    """Return the device an object belongs to (a device's own name), or None."""
    if obj.endpoint == "dcim/devices":
        return obj.fields["name"]
    device = obj.fields.get("device")
    if isinstance(device, Ref):
        return device.key[1]
    if obj.endpoint == "dcim/cables":
        return obj.fields["a_terminations"][0].key[0][1]
    return None
