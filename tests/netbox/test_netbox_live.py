"""Live: push plans into a real NetBox (scripts/netbox.sh), read them back, change them, kill a push, diff."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _spec(tmp_path: Path, name: str, gpus: int = 256, extra: str = "") -> Path:
    """Write a 256-GPU two-tier SN5600 fabric spec named `name` (a fresh site and tag per test)."""
    path = tmp_path / f"{name}-{gpus}{'-x' if extra else ''}.yaml"
    path.write_text(f"name: {name}\ngpus: {gpus}\nserver: hgx-h100\nswitch: sn5600\ntiers: 2\n{extra}")
    return path


def _expected(before, after) -> dict:
    """Return the {created, updated, deleted} counts that turn NetBox holding `before` into `after`."""
    from aifabric.netbox.model import MODEL_NAMES, SCOPED

    out = {"created": {}, "updated": {}, "deleted": {}}
    for endpoint in after.endpoints:
        old = {o.key: o for o in before.objects.get(endpoint, [])}
        new = {o.key: o for o in after.objects.get(endpoint, [])}
        model = MODEL_NAMES[endpoint]
        out["created"][model] = len(new.keys() - old.keys())
        out["deleted"][model] = len(old.keys() - new.keys()) if endpoint in SCOPED else 0
        out["updated"][model] = sum(1 for k in new.keys() & old.keys()
                                    if not new[k].shared and new[k].fields != old[k].fields)
    return out


def _name(kind: str) -> str:
    return f"nbt-{kind}-{uuid.uuid4().hex[:8]}"


def _check_contract(name: str, document: dict) -> None:
    """The published contract (aifabric/schemas/NAME.json) holds for every netbox --json document."""
    from jsonschema import Draft202012Validator

    from aifabric.schemas import schema_text

    errors = list(Draft202012Validator(json.loads(schema_text(name))).iter_errors(document))
    assert not errors, f"{name}: {errors[0].message}"


@pytest.fixture
def nb(netbox, monkeypatch, cli):
    """Return a runner of `aifabric netbox ...` against the live NetBox -> (code, stdout, stderr)."""
    url, token = netbox
    monkeypatch.setenv("AIFABRIC_TEST_NETBOX_TOKEN", token)

    def run(*args: str) -> tuple[int, str, str]:
        code, out, err = cli("netbox", *args, "--url", url, "--token-env", "AIFABRIC_TEST_NETBOX_TOKEN")
        assert token not in out and token not in err
        if "--json" in args and out:
            _check_contract(f"netbox-{args[0]}", json.loads(out))
        return code, out, err

    return run


@pytest.fixture
def client(netbox):
    from aifabric.netbox.client import NetboxClient

    url, token = netbox
    c = NetboxClient(url, token)
    yield c
    c.close()


def _site_counts(client, slug: str) -> dict[str, int]:
    site = client.list("dcim/sites", {"slug": slug})
    assert len(site) == 1
    site_id = site[0]["id"]
    return {e: len(client.list(f"dcim/{e}", {"site_id": site_id, "fields": "id"}))
            for e in ("devices", "interfaces", "cables", "racks")}


def _plan_of(spec: Path):
    from aifabric.fabric.plan import plan_fabric
    from aifabric.netbox.model import fabric_objects

    result = plan_fabric(spec, {}, None)
    return result, fabric_objects(result.links, result.hardware, None, result.networks)


def _links_csv(result, folder: Path) -> list[dict]:
    """Return links.csv's rows of a plan, as `fabric plan --out` writes them."""
    import csv

    from aifabric.export.fabric_files import write_links

    return list(csv.DictReader(write_links(folder / "links.csv", result).open(newline="")))


@pytest.fixture(scope="module")
def pushed(netbox, tmp_path_factory):
    """Push the 256-GPU two-tier fabric once for the module: (spec path, name, first push's counts, plan)."""

    url, token = netbox
    name = _name("fabric")
    spec = _spec(tmp_path_factory.mktemp("nb"), name)
    os.environ["AIFABRIC_TEST_NETBOX_TOKEN"] = token
    out = tmp_path_factory.mktemp("nbout") / "push.json"
    command = [sys.executable, "-m", "aifabric", "netbox", "push", str(spec), "--url", url, "--token-env",
               "AIFABRIC_TEST_NETBOX_TOKEN", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3000)
    assert done.returncode == 0, done.stderr
    out.write_text(done.stdout)
    result, objects = _plan_of(spec)
    return spec, name, json.loads(done.stdout), result, objects


def test_push_fabric_counts_equal_plan_and_second_push_creates_nothing(nb, client, pushed):
    spec, name, first, result, objects = pushed
    doc = result.document()
    # The compute fabric and the networks the system's RA plans beside it (converged, out-of-band).
    networks = doc["networks"]
    assert first["created"]["dcim.device"] == objects.count("dcim/devices") > doc["servers"] + doc["switches"]["total"]
    assert first["created"]["dcim.cable"] == networks["total"]["links"] == objects.count("dcim/cables")
    assert sum(first["deleted"].values()) == 0
    counts = _site_counts(client, name)
    assert counts["devices"] == objects.count("dcim/devices")
    assert counts["interfaces"] == objects.count("dcim/interfaces")
    assert counts["cables"] == networks["total"]["links"]
    assert counts["racks"] == objects.count("dcim/racks")
    site_id = client.list("dcim/sites", {"slug": name})[0]["id"]
    compute = client.list("dcim/cables", {"site_id": site_id, "tag": "aifabric-net-compute", "fields": "id"})
    assert len(compute) == doc["links"]["total"] == 512
    # Switch transceivers are modules in the cages' module bays: as many as the BOM's switch-side modules, each
    # of the catalog part with its order code.
    modules = client.list("dcim/modules", {"site": name, "fields": "id,module_type,module_bay,device"})
    assert len(modules) == sum(doc["parts"]["switch_modules"].values()) == objects.count("dcim/modules")
    assert len({m["module_bay"]["id"] for m in modules}) == len(modules)
    types = {t["id"]: t for t in client.list("dcim/module-types", {"id": sorted({m["module_type"]["id"]
                                                                                   for m in modules})})}
    parts = {result.hardware.transceivers[i].order_code_for(): n for i, n in doc["parts"]["switch_modules"].items()}
    found: dict[str, int] = {}
    for module in modules:
        part = types[module["module_type"]["id"]]["part_number"]
        found[part] = found.get(part, 0) + 1
    assert found == parts
    # Devices carry the plan's tag, cables their run label, at their rack positions.
    device = client.list("dcim/devices", {"name": "su000/server000", "site": name})[0]
    assert f"aifabric-{name}" in [t["slug"] for t in device["tags"]]
    assert device["rack"]["name"] == "su000-rack0" and device["position"] == 1
    cable = client.list("dcim/cables", {"label": "p0-nl-0000001", "site": name})[0]
    assert cable["type"] == "dac-active" and cable["length_unit"]["value"] == "m"

    code, out, err = nb("push", str(spec), "--json")
    assert code == 0, err
    second = json.loads(out)
    assert sum(second["created"].values()) == sum(second["updated"].values()) == sum(second["deleted"].values()) == 0
    code, out, _ = nb("diff", str(spec), "--json")
    assert code == 0 and json.loads(out)["equal"] is True


def test_dry_run_counts_and_writes_nothing(nb, client, tmp_path, pushed):
    first = pushed[2]
    name = _name("dry")
    spec = _spec(tmp_path, name)
    code, out, err = nb("push", str(spec), "--dry-run", "--json")
    assert code == 0, err
    dry = json.loads(out)
    assert client.list("dcim/sites", {"slug": name}) == []
    # The same design under another name: the dry run counts what the real first push made.
    for model in ("dcim.site", "dcim.location", "dcim.rack", "dcim.device", "dcim.interface", "dcim.cable"):
        assert dry["created"][model] == first["created"][model], model


def test_cable_moved_by_hand_is_miscabled_and_push_puts_it_back(nb, client, pushed):
    spec, name = pushed[0], pushed[1]
    cable = client.list("dcim/cables", {"label": "p0-ls-0000001", "site": name})[0]
    leaf = cable["a_terminations"][0]["object"]["device"]
    # An operator patches the uplink into a port the plan does not have.
    spare = client.create("dcim/interfaces", [{"device": leaf["id"], "name": "swp-spare", "type": "400gbase-x-osfp"}],
                          ["swp-spare"])[0]
    client.update("dcim/cables", [{"id": cable["id"], "a_terminations": [
        {"object_type": "dcim.interface", "object_id": spare["id"]}]}], ["p0-ls-0000001"])
    code, out, _ = nb("diff", str(spec), "--json")
    assert code == 1
    report = json.loads(out)
    assert [m["cable"] for m in report["miscabled"]] == ["p0-ls-0000001"]
    assert "swp-spare" in report["miscabled"][0]["found"][0]
    assert report["equal"] is False and report["missing"] == []
    code, out, _ = nb("diff", str(spec))
    assert code == 1 and "miscabled" in out
    # A push puts the cable back; the hand-made interface is not the plan's, so it stays (and shows as extra).
    code, out, err = nb("push", str(spec), "--json")
    assert code == 0, err
    fixed = json.loads(out)
    assert fixed["deleted"]["dcim.cable"] == 1 and fixed["created"]["dcim.cable"] == 1
    report = json.loads(nb("diff", str(spec), "--json")[1])
    assert report["miscabled"] == [] and [e["name"] for e in report["extra"]] == [f"{leaf['name']} swp-spare"]
    client.delete("dcim/interfaces", [spare["id"]], ["swp-spare"])
    assert nb("diff", str(spec), "--json")[0] == 0


def test_spec_change_pushes_only_the_difference(nb, pushed, tmp_path):
    spec, name, _, _, objects = pushed
    # Two servers a rack instead of four: new racks, servers moved, their cables' lengths change; nothing else.
    changed = _spec(tmp_path, name, extra="placement:\n  servers_per_rack: 2\n")
    _, changed_objects = _plan_of(changed)
    code, out, err = nb("push", str(changed), "--json")
    assert code == 0, err
    change = json.loads(out)
    assert change == _expected(objects, changed_objects)
    assert change["created"]["dcim.rack"] > 0 and change["updated"]["dcim.device"] > 0
    # No server or compute link is new: only the racks' own devices (an OOB switch and PDUs in every rack).
    new_devices = {o.key for o in changed_objects.objects["dcim/devices"]} - {o.key for o in
                                                                             objects.objects["dcim/devices"]}
    assert all("/server" not in key[1] and not key[1].startswith("plane") for key in new_devices)
    assert nb("diff", str(changed), "--json")[0] == 0
    code, out, err = nb("push", str(spec), "--json")
    assert code == 0, err
    back = json.loads(out)
    assert back == _expected(changed_objects, objects)
    assert back["deleted"]["dcim.rack"] == change["created"]["dcim.rack"]
    assert nb("diff", str(spec), "--json")[0] == 0


def test_killed_push_rerun_converges(netbox, client, tmp_path):
    url, token = netbox
    name = _name("killed")
    spec = _spec(tmp_path, name, gpus=64)
    cables_planned = _plan_of(spec)[1].count("dcim/cables")
    env = dict(os.environ, NB_LIVE_TOKEN=token)
    command = [sys.executable, "-m", "aifabric", "netbox", "push", str(spec), "--url", url, "--token-env",
               "NB_LIVE_TOKEN", "--chunk", "8", "--json"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Kill it once it has written part of the cables: devices and interfaces exist, cables half made.
    deadline = time.monotonic() + 300
    killed_at = None
    while time.monotonic() < deadline and process.poll() is None:
        sites = client.list("dcim/sites", {"slug": name})
        if sites and client.list("dcim/cables", {"site_id": sites[0]["id"], "limit": 1, "fields": "id"}):
            cables = len(client.list("dcim/cables", {"site_id": sites[0]["id"], "fields": "id"}))
            if cables >= 8:
                process.send_signal(signal.SIGKILL)
                killed_at = cables
                break
        time.sleep(0.2)
    process.wait(timeout=60)
    assert killed_at is not None and killed_at < cables_planned, "the push finished before it could be killed"
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    rerun = json.loads(run.stdout)
    # The killed push may have made one more chunk after the count was read.
    assert 0 < rerun["created"]["dcim.cable"] <= cables_planned - killed_at
    assert sum(rerun["deleted"].values()) == 0
    diff = subprocess.run([*command[:4], "diff", *command[5:10], "--json"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert diff.returncode == 0 and json.loads(diff.stdout)["equal"] is True
    counts = _site_counts(client, name)
    assert counts["cables"] == cables_planned


# The smallest design with every network: two NVL36x2 racks (one NVLink domain: inter-rack NVLink cables), the
# converged and out-of-band networks of the system's RA, and a storage network asked for in the spec.
EVERY_NETWORK = """name: {name}
gpus: 72
server: gb200-nvl36x2
switch: sn5600
networks:
  storage:
    enabled: {storage}
    switch: sn5600
    storage_nodes: 4
    port_gbps: 400
"""


def test_every_network_pushed_counts_per_network_and_removed_network_deleted(nb, client, tmp_path):
    from collections import Counter

    from aifabric.netbox.networks import role_slug

    name = _name("nets")
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(EVERY_NETWORK.format(name=name, storage="true"))
    result, objects = _plan_of(spec)
    rows = _links_csv(result, tmp_path)
    planned = Counter(r["network"] for r in rows)
    assert set(planned) == {"compute", "converged", "storage", "oob", "nvlink"}
    code, out, err = nb("push", str(spec), "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["created"]["dcim.cable"] == len(rows) and first["created"]["dcim.device"] == objects.count(
        "dcim/devices")
    site_id = client.list("dcim/sites", {"slug": name})[0]["id"]

    def per_network(endpoint: str, network: str) -> int:
        return len(client.list(endpoint, {"site_id": site_id, "tag": f"aifabric-net-{network}", "fields": "id"}))

    # NetBox holds, network by network, as many cables as links.csv has rows, and the devices of every tier.
    for network, count in planned.items():
        assert per_network("dcim/cables", network) == count, network
    doc = result.document()["networks"]
    for network in ("converged", "storage", "oob"):
        for tier, count in doc[network]["switches"].items():
            role = role_slug(network, tier)
            assert len(client.list("dcim/devices", {"site_id": site_id, "role": role, "fields": "id"})) == count, role
    devices = Counter(t for o in objects.objects["dcim/devices"] for t in o.tags)
    for network in ("converged", "storage", "oob", "nvlink"):
        assert per_network("dcim/devices", network) == devices[f"aifabric-net-{network}"] > 0, network
    # A PDU is a device whose management port is cabled to an OOB switch.
    pdu = client.list("dcim/devices", {"site_id": site_id, "role": "pdu"})[0]
    bmc = client.list("dcim/interfaces", {"device_id": pdu["id"], "name": "bmc"})[0]
    assert bmc["mgmt_only"] and bmc["cable"] and bmc["link_peers"][0]["device"]["name"].startswith("oob-sw")
    code, out, err = nb("push", str(spec), "--json")
    assert code == 0, err
    again = json.loads(out)
    assert sum(again["created"].values()) == sum(again["updated"].values()) == sum(again["deleted"].values()) == 0
    assert nb("diff", str(spec), "--json")[0] == 0

    # The storage network dropped from the spec: its switches, storage nodes and cables leave NetBox.
    without = tmp_path / "without" / f"{name}.yaml"
    without.parent.mkdir()
    without.write_text(EVERY_NETWORK.format(name=name, storage="false"))
    _, fewer = _plan_of(without)
    code, out, err = nb("push", str(without), "--json")
    assert code == 0, err
    change = json.loads(out)
    assert change == _expected(objects, fewer)
    assert change["deleted"]["dcim.cable"] >= planned["storage"] and change["deleted"]["dcim.device"] > 0
    assert per_network("dcim/cables", "storage") == per_network("dcim/devices", "storage") == 0
    assert nb("diff", str(without), "--json")[0] == 0


def test_corridor_push_circuits_and_second_push_creates_nothing(nb, client):
    from aifabric.corridor.plan import plan_corridor
    from aifabric.netbox.model import corridor_objects

    spec = ROOT / "corridors" / "texas-triangle-nova.yaml"
    objects = corridor_objects(plan_corridor(spec))
    code, out, err = nb("push", str(spec), "--json")
    assert code == 0, err
    provider = client.list("circuits/providers", {"slug": objects.scope.key[0]})[0]
    circuits = client.list("circuits/circuits", {"provider_id": provider["id"]})
    assert len(circuits) == objects.count("circuits/circuits") == sum(
        p.waves for d in plan_corridor(spec).demands for p in d.paths)
    assert all(c["commit_rate"] > 0 and c["termination_a"] and c["termination_z"] for c in circuits)
    code, out, err = nb("push", str(spec), "--json")
    assert code == 0, err
    again = json.loads(out)
    assert sum(again["created"].values()) == sum(again["updated"].values()) == 0
    assert nb("diff", str(spec), "--json")[0] == 0


def test_netbox_refusal_names_object_and_field(netbox, tmp_path):
    from aifabric.errors import NetboxError
    from aifabric.netbox.client import NetboxClient
    from aifabric.netbox.model import Obj
    from aifabric.netbox.sync import push

    url, token = netbox
    name = _name("refused")
    _, objects = _plan_of(_spec(tmp_path, name))
    site = objects.objects["dcim/sites"][0]
    objects.objects["dcim/sites"][0] = Obj(site.endpoint, {**site.fields, "status": "half-built"}, site.label)
    client = NetboxClient(url, token)
    with pytest.raises(NetboxError) as info:
        push(client, objects)
    message = str(info.value)
    assert "\n" not in message and f"'{name}'" in message and "status" in message and token not in message
    assert client.list("dcim/sites", {"slug": name}) == []


def test_bad_token_is_one_line_and_never_shown(netbox, cli, monkeypatch, tmp_path):
    url, _ = netbox
    secret = "nbt_notakey.0123456789abcdef0123456789abcdef"
    monkeypatch.setenv("NB_BAD", secret)
    code, out, err = cli("netbox", "push", str(_spec(tmp_path, _name("token"))), "--url", url, "--token-env",
                         "NB_BAD")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert secret not in out + err and "notakey" not in out + err
