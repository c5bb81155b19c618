"""Benchmark: `netbox push` into the local NetBox (scripts/netbox.sh up / make netbox-up), bulk against one request
per object, side by side on the same NetBox, a 1,024-GPU fabric, and what colossus-100k would take.

`run()` returns {name: (seconds, target seconds)}:
- the same 64-GPU fabric pushed into two fresh sites of the same NetBox: once as `netbox push` does it (bulk requests
  of up to 250 objects), once with one request per object (`--chunk 1`); the bulk push's target is a tenth of the
  one-by-one push's time (bulk >= 10x, issue 25). Per NetBox model it prints the write time per object of each
  and their ratio, with the cost of one request that writes nothing (what batching can save per object);
- a 1,024-GPU two-tier fabric pushed in bulk (target 600 s), its objects per second per model;
- colossus-100k's object counts (topologies/colossus-100k.yaml) times the 1,024-GPU push's seconds per object of
  each model (a device with the objects NetBox makes from its type's templates): an extrapolation, printed, not a
  measurement.
Without a NetBox answering it says so and returns nothing. NETBOX_BENCH_GPUS (default 1024) sizes the big push;
0 skips it.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("NETBOX_STATE", REPO / ".netbox"))


def _netbox():
    from aifabric.errors import NetboxError
    from aifabric.netbox.client import NetboxClient

    url = os.environ.get("NETBOX_URL") or ((STATE / "url").read_text().strip() if (STATE / "url").exists() else "")
    token = os.environ.get("NETBOX_TOKEN") or (
        (STATE / "token").read_text().strip() if (STATE / "token").exists() else "")
    if not url or not token:
        return None
    try:
        client = NetboxClient(url, token, timeout_s=10)
        client.status()
        client.close()
    except NetboxError:
        return None
    return url, token


def _plan(gpus: int, name: str):
    from aifabric.fabric.plan import plan_fabric

    return plan_fabric(None, {"gpus": gpus, "switch": "sn5600", "server": "hgx-h100", "tiers": 2, "name": name},
                       None)


def _objects(gpus: int, name: str):
    from aifabric.netbox.model import fabric_objects

    result = _plan(gpus, name)
    return fabric_objects(result.links, result.hardware)


def push_once(url: str, token: str, gpus: int, chunk: int) -> dict:
    """Push a fresh `gpus`-GPU fabric in requests of `chunk` objects; return its wall time, objects written per
    model (those NetBox made from templates with a device included), requests, and write seconds per endpoint."""
    from aifabric.netbox.client import NetboxClient
    from aifabric.netbox.model import MODEL_NAMES
    from aifabric.netbox.sync import push

    objects = _objects(gpus, f"bench-{gpus}-c{chunk}-{uuid.uuid4().hex[:6]}")
    client = NetboxClient(url, token, chunk=chunk, workers=1)
    start = time.perf_counter()
    changes = push(client, objects)
    seconds = time.perf_counter() - start
    client.close()
    return {"seconds": seconds, "objects": changes.total, "created": changes.created, "requests": changes.requests,
            "writes": {MODEL_NAMES[e]: tuple(v) for e, v in client.write_seconds.items()}}


def request_overhead_s(url: str, token: str, n: int = 20) -> float:
    """Return the median time of one authenticated API request that reads one id and writes nothing."""
    from aifabric.netbox.client import NetboxClient

    client = NetboxClient(url, token)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client._call("GET", "dcim/sites/", "a probe", params={"limit": 1, "fields": "id"})
        times.append(time.perf_counter() - start)
    client.close()
    return statistics.median(times)


def _per_object(run: dict) -> dict[str, tuple[int, float]]:
    """Return {model: (objects, write seconds per object)} of a push (devices carry their templates' objects)."""
    return {model: (int(n), s / n) for model, (s, n) in run["writes"].items() if n}


def _templated(run: dict) -> int:
    """Return how many objects NetBox made from device types' templates in a push (module bays, cages, NIC ports):
    they cost inside the devices' requests."""
    posted = run["writes"].get("dcim.interface", (0.0, 0))[1]
    return run["created"].get("dcim.modulebay", 0) + run["created"].get("dcim.interface", 0) - int(posted)


def colossus_counts() -> dict[str, int]:
    """Return colossus-100k's NetBox objects written per model (topologies/colossus-100k.yaml); `dcim.device`
    counts each device with the objects NetBox makes from its type's templates."""
    from aifabric.fabric.plan import plan_fabric
    from aifabric.netbox.model import MODEL_NAMES, fabric_objects

    result = plan_fabric(REPO / "topologies" / "colossus-100k.yaml", {}, None)
    objects = fabric_objects(result.links, result.hardware)
    counts = {MODEL_NAMES[e]: objects.count(e) for e in objects.endpoints}
    posted = sum(1 for o in objects.objects.get("dcim/interfaces", []) if o.tagged)
    counts["dcim.device"] += counts["dcim.modulebay"] + counts["dcim.interface"] - posted
    counts["dcim.interface"] = posted
    return counts


def run() -> dict[str, tuple[float, float]]:
    """Return {name: (seconds, target seconds)} of the NetBox push benchmarks (empty without a NetBox)."""
    netbox = _netbox()
    if netbox is None:
        print("netbox benchmarks skipped: no NetBox answers (make netbox-up starts one)")
        return {}
    url, token = netbox
    overhead = request_overhead_s(url, token)
    bulk = push_once(url, token, 64, 250)
    single = push_once(url, token, 64, 1)
    print(f"netbox push 64 GPUs: bulk {bulk['objects']:,} objects in {bulk['seconds']:.1f} s "
          f"({bulk['objects'] / bulk['seconds']:,.1f} objects/s, {bulk['requests']} requests); one request per "
          f"object {single['objects']:,} in {single['seconds']:.1f} s ({single['objects'] / single['seconds']:,.1f} "
          f"objects/s, {single['requests']} requests); ratio {single['seconds'] / bulk['seconds']:.2f}x; one "
          f"request that writes nothing: {overhead * 1000:.0f} ms")
    b, s = _per_object(bulk), _per_object(single)
    print(f"  {'model':24s} {'objects':>8s} {'bulk ms/obj':>12s} {'1-by-1 ms/obj':>14s} {'ratio':>6s}")
    for model in sorted(b, key=lambda m: -b[m][0] * b[m][1]):
        if model in s:
            print(f"  {model:24s} {b[model][0]:8,d} {b[model][1] * 1000:12.1f} {s[model][1] * 1000:14.1f} "
                  f"{s[model][1] / b[model][1]:6.2f}x")
    out = {
        "netbox_push_64_gpus_bulk_s (target: one-request-per-object time / 10)": (bulk["seconds"],
                                                                                  single["seconds"] / 10),
        "netbox_push_64_gpus_one_request_per_object_s": (single["seconds"], 3600.0),
    }
    gpus = int(os.environ.get("NETBOX_BENCH_GPUS", "1024"))
    if gpus:
        big = push_once(url, token, gpus, 250)
        rates = _per_object(big)
        print(f"netbox push {gpus:,} GPUs bulk: {big['objects']:,} objects in {big['seconds']:.1f} s "
              f"({big['objects'] / big['seconds']:,.1f} objects/s, {big['requests']} requests)")
        for model, (n, per) in sorted(rates.items(), key=lambda kv: -kv[1][0] * kv[1][1]):
            print(f"  {model:24s} {n:8,d} objects {n * per:8.1f} s {1 / per:8.1f} objects/s")
        out[f"netbox_push_{gpus}_gpus_bulk_s"] = (big["seconds"], 600.0)
        counts = colossus_counts()
        # Objects NetBox makes from a device's templates cost inside the device's request: a device's rate is per
        # device and templated object, as colossus-100k's device count is.
        seconds, devices = big["writes"]["dcim.device"]
        rates["dcim.device"] = (int(devices), seconds / (devices + _templated(big)))
        written = {m: n for m, n in counts.items() if m in rates}
        estimate = sum(n * rates[m][1] for m, n in written.items())
        print(f"colossus-100k (extrapolated from the {gpus:,}-GPU push's seconds per object): "
              + ", ".join(f"{m} {n:,}" for m, n in sorted(written.items(), key=lambda kv: -kv[1]))
              + f" -> {estimate / 3600:.1f} h")
    return out


if __name__ == "__main__":
    for name, (median_s, target_s) in run().items():
        print(f"{name}: {median_s:.3f} s (target {target_s:.3f} s) {'ok' if median_s <= target_s else 'MISSED'}")
