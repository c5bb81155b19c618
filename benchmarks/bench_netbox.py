"""Benchmark: `netbox push` into the local NetBox (scripts/netbox.sh up / make netbox-up), bulk against one request
per object, side by side on the same NetBox, and a 1,024-GPU fabric.

`run()` returns {name: (seconds, target seconds)}:
- the same 64-GPU fabric pushed twice into fresh sites, once in bulk requests (250 objects each) and once one
  request per object; the bulk push's target is a tenth of the one-by-one push's time (bulk >= 10x, issue 25);
- a 1,024-GPU two-tier fabric pushed in bulk: target 600 s.
Objects per second of each push are printed. Without a NetBox answering it says so and returns nothing.
"""

from __future__ import annotations

import os
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


def _objects(gpus: int, name: str):
    from aifabric.fabric.plan import plan_fabric
    from aifabric.netbox.model import fabric_objects

    result = plan_fabric(None, {"gpus": gpus, "switch": "sn5600", "server": "hgx-h100", "tiers": 2, "name": name},
                         None)
    return fabric_objects(result.links, result.hardware)


def push_seconds(url: str, token: str, gpus: int, chunk: int) -> tuple[float, int, int]:
    """Push a fresh `gpus`-GPU fabric in requests of `chunk` objects; return (seconds, objects written, requests)."""
    from aifabric.netbox.client import NetboxClient
    from aifabric.netbox.sync import push

    objects = _objects(gpus, f"bench-{gpus}-c{chunk}-{uuid.uuid4().hex[:6]}")
    client = NetboxClient(url, token, chunk=chunk)
    start = time.perf_counter()
    changes = push(client, objects)
    seconds = time.perf_counter() - start
    client.close()
    return seconds, changes.total, changes.requests


def run() -> dict[str, tuple[float, float]]:
    """Return {name: (seconds, target seconds)} of the NetBox push benchmarks (empty without a NetBox)."""
    netbox = _netbox()
    if netbox is None:
        print("netbox benchmarks skipped: no NetBox answers (make netbox-up starts one)")
        return {}
    url, token = netbox
    bulk_s, bulk_n, bulk_req = push_seconds(url, token, 64, 250)
    single_s, single_n, single_req = push_seconds(url, token, 64, 1)
    big_s, big_n, big_req = push_seconds(url, token, 1024, 250)
    print(f"netbox push 64 GPUs bulk: {bulk_n:,} objects in {bulk_s:.1f} s ({bulk_n / bulk_s:,.0f} objects/s, "
          f"{bulk_req} requests); one request per object: {single_n:,} in {single_s:.1f} s "
          f"({single_n / single_s:,.0f} objects/s, {single_req} requests); ratio {single_s / bulk_s:.1f}x")
    print(f"netbox push 1,024 GPUs bulk: {big_n:,} objects in {big_s:.1f} s ({big_n / big_s:,.0f} objects/s)")
    return {
        "netbox_push_64_gpus_bulk_s (target: one-request-per-object time / 10)": (bulk_s, single_s / 10),
        "netbox_push_64_gpus_one_request_per_object_s": (single_s, 3600.0),
        "netbox_push_1024_gpus_bulk_s": (big_s, 600.0),
    }


if __name__ == "__main__":
    for name, (median_s, target_s) in run().items():
        print(f"{name}: {median_s:.3f} s (target {target_s:.3f} s) {'ok' if median_s <= target_s else 'MISSED'}")
