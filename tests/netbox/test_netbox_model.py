"""The plan as NetBox objects (no NetBox needed), and the CLI's bad-input paths that never reach one."""

from __future__ import annotations

import csv
import socket

import pytest

from aifabric.netbox.client import _field_errors, auth_header
from aifabric.netbox.model import Ref, fabric_objects, plan_tag, slugify


@pytest.fixture(scope="module")
def fabric():
    from aifabric.fabric.plan import plan_fabric

    result = plan_fabric(None, {"gpus": 256, "switch": "sn5600", "name": "nb-model"}, None)
    return result, fabric_objects(result.links, result.hardware)


def test_counts_equal_the_plan(fabric):
    result, objects = fabric
    doc = result.document()
    assert objects.count("dcim/devices") == doc["servers"] + doc["switches"]["total"]
    assert objects.count("dcim/cables") == doc["links"]["total"]
    # Every switch holds all its cages; every cabled port exists once.
    switch = result.hardware.switch(result.plan.switch_id)
    ends = [r.key for c in objects.objects["dcim/cables"] for r in (*c.fields["a_terminations"],
                                                                    *c.fields["b_terminations"])]
    assert len(ends) == len(set(ends)) == 2 * doc["links"]["total"]
    interfaces = {o.key for o in objects.objects["dcim/interfaces"]}
    assert set(ends) <= interfaces
    cages = sum(1 for o in objects.objects["dcim/interfaces"] if "parent" not in o.fields and not o.tagged
                and o.fields["device"].key[1].startswith("plane"))
    assert cages == doc["switches"]["total"] * switch.cages


def test_switch_transceivers_are_modules_the_bom_counts(fabric):
    result, objects = fabric
    doc = result.document()
    switch = result.hardware.switch(result.plan.switch_id)
    modules = objects.objects["dcim/modules"]
    # One module per optical switch cage: as many as the BOM's switch-side transceivers, per catalog part.
    by_part: dict[str, int] = {}
    for module in modules:
        by_part[module.fields["module_type"].key[1]] = by_part.get(module.fields["module_type"].key[1], 0) + 1
    bom = {result.hardware.transceivers[i].part: n for i, n in doc["parts"]["switch_modules"].items()}
    assert by_part == bom and sum(bom.values()) > 0
    bays = {m.fields["module_bay"].key for m in modules}
    assert len(bays) == len(modules)
    # Every switch has a bay per cage (from its type's templates); each module sits in a bay of its own device.
    assert objects.count("dcim/module-bays") == doc["switches"]["total"] * switch.cages
    assert objects.count("dcim/module-bay-templates") == switch.cages
    assert all(m.fields["module_bay"].key[0] == m.fields["device"].key for m in modules)
    types = {t.fields["model"]: t.fields for t in objects.objects["dcim/module-types"]}
    for part in by_part:
        module = next(t for t in result.hardware.transceivers.values() if t.part == part)
        assert types[part]["part_number"] == module.order_code_for()
        assert types[part]["profile"].key == ("Transceiver",)


def test_names_are_the_csv_exporters(fabric, tmp_path):
    from aifabric.export.netbox import write_netbox

    result, objects = fabric
    devices, _interfaces, cables = write_netbox(tmp_path, result.links, result.hardware)
    with open(devices) as f:
        names = [row["name"] for row in csv.DictReader(f)]
    assert names == [o.fields["name"] for o in objects.objects["dcim/devices"]]
    with open(cables) as f:
        labels = [row["label"] for row in csv.DictReader(f)]
    assert labels == [o.fields["label"] for o in objects.objects["dcim/cables"]]


def test_devices_stand_in_racks_without_overlap(fabric):
    _, objects = fabric
    taken = set()
    for device in objects.objects["dcim/devices"]:
        slot = (device.fields["rack"].key, device.fields["position"])
        assert slot not in taken
        taken.add(slot)
        assert device.fields["position"] >= 1


def test_keys_refer_to_planned_objects(fabric):
    _, objects = fabric
    keys = {(o.endpoint, o.key) for e in objects.endpoints for o in objects.objects.get(e, [])}
    for endpoint in objects.endpoints:
        for obj in objects.objects.get(endpoint, []):
            for value in obj.fields.values():
                refs = value if isinstance(value, list) else [value]
                for ref in refs:
                    if isinstance(ref, Ref):
                        assert (ref.endpoint, ref.key) in keys, (obj.label, ref)


def test_tag_and_slug():
    assert plan_tag("Colossus 100k") == "aifabric-colossus-100k"
    assert slugify("HGX H100 8-GPU server") == "hgx-h100-8-gpu-server"


def test_corridor_objects():
    from pathlib import Path

    from aifabric.corridor.plan import plan_corridor
    from aifabric.netbox.model import corridor_objects

    plan = plan_corridor(Path(__file__).resolve().parents[2] / "corridors" / "texas-triangle-nova.yaml")
    objects = corridor_objects(plan)
    waves = sum(p.waves for d in plan.demands for p in d.paths)
    assert objects.count("circuits/circuits") == waves
    assert objects.count("circuits/circuit-terminations") == 2 * waves
    # Each wave circuit commits its wave's line rate; together they carry at least the demand.
    for demand in plan.demands:
        for path in demand.paths:
            prefix = f"{plan.name}/{demand.demand.a}-{demand.demand.z}/{path.role}/"
            rates = [o.fields["commit_rate"] for o in objects.objects["circuits/circuits"]
                     if o.fields["cid"].startswith(prefix)]
            assert len(rates) == path.waves and sum(rates) >= demand.demand.capacity_tbps * 1e9


def test_auth_header_and_field_errors():
    assert auth_header("nbt_abc.def") == "Bearer nbt_abc.def"
    assert auth_header("0123") == "Token 0123"
    assert _field_errors({"type": ["'x' is not a valid choice."]}) == "type: 'x' is not a valid choice."
    assert _field_errors({"a_terminations": [{"object_id": ["bad"]}]}) == "a_terminations.object_id: bad"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_url_is_one_line_exit_2(cli, monkeypatch):
    monkeypatch.setenv("NB_TOKEN_OFFLINE", "nbt_secretkey.secretvalue")
    url = f"http://127.0.0.1:{_free_port()}"
    code, out, err = cli("netbox", "push", "--gpus", "64", "--switch", "sn5600", "--url", url, "--token-env",
                         "NB_TOKEN_OFFLINE")
    assert code == 2 and out == ""
    assert err == f"error: cannot reach NetBox at {url}: connection refused\n"
    assert "secret" not in err


def test_missing_token_env_is_one_line_exit_2(cli, monkeypatch):
    monkeypatch.delenv("NB_UNSET_TOKEN", raising=False)
    code, _, err = cli("netbox", "diff", "--gpus", "64", "--url", "http://127.0.0.1:9", "--token-env",
                       "NB_UNSET_TOKEN")
    assert code == 2
    assert err == "error: command line: --token-env: NB_UNSET_TOKEN is not set: put the NetBox API token in it\n"


def test_bad_url_and_insecure_warning(cli, monkeypatch):
    monkeypatch.setenv("NB_TOKEN_OFFLINE", "x")
    code, _, err = cli("netbox", "push", "--gpus", "64", "--url", "netbox.example", "--token-env", "NB_TOKEN_OFFLINE")
    assert code == 2 and "--url" in err and err.count("\n") == 1
    url = f"https://127.0.0.1:{_free_port()}"
    code, _, err = cli("netbox", "push", "--gpus", "64", "--url", url, "--token-env", "NB_TOKEN_OFFLINE",
                       "--insecure")
    assert code == 2
    assert err.splitlines()[0] == f"warning: --insecure: the TLS certificate of {url} is not verified"
    assert err.splitlines()[1].startswith("error: cannot reach NetBox")


@pytest.mark.parametrize("chunk,workers,count,per_object_s,sizes", [
    # One at a time: FIRST objects, then as many as TARGET_S holds at the last request's rate, at most `chunk`.
    (250, 1, 600, 0.0, [10, 250, 250, 90]), (250, 1, 100, 1.0, [10, 20, 20, 20, 20, 10]), (8, 1, 20, 0.0, [8, 8, 4]),
    (1, 1, 3, 0.0, [1, 1, 1]),
    # In parallel: FIRST at most, one request per worker at least.
    (250, 3, 600, 0.0, [10] * 60), (250, 3, 2, 0.0, [1, 1]), (250, 3, 1, 0.0, [1]), (250, 2, 0, 0.0, []),
])
def test_chunks_cover_every_object_once_in_order(monkeypatch, chunk, workers, count, per_object_s, sizes):
    from aifabric.netbox import client as client_module
    from aifabric.netbox.client import NetboxClient

    clock = [0.0]
    monkeypatch.setattr(client_module.time, "perf_counter", lambda: clock[0])

    def send(start: int, end: int) -> list[int]:
        clock[0] += per_object_s * (end - start)
        return list(range(start, end))

    client = NetboxClient("http://127.0.0.1:9", "t", chunk=chunk, workers=workers)
    done: list[int] = []
    answers = client._chunks(count, send, done.append)
    assert [len(a) for a in answers] == sizes == done
    assert [i for a in answers for i in a] == list(range(count))
    client.close()
