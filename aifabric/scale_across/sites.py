"""Resolve each training site: GPUs and their peak from the catalog, the fabric (via the fabric core) when a site
names a fabric spec, and the site-edge switch with its packet buffer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aifabric.catalog.models import Hardware
from aifabric.errors import AifabricError, SpecError
from aifabric.scale_across.spec import ScaleAcrossSpec, Site
from aifabric.spec.loader import LineMap


@dataclass(frozen=True)
class SitePlan:
    """A resolved site: GPU count and model, peak FLOP/s per GPU, edge switch and buffer, fabric summary."""

    id: str
    at: str
    gpus: int
    server: str | None
    gpu: str
    peak_tflops: float
    peak_source: str
    edge_switch: str
    buffer_mb: float | None
    buffer_source: str | None
    fabric_file: str | None
    fabric: dict[str, Any] | None

    @property
    def flops_per_s(self) -> float:
        """Return the site's peak dense BF16 FLOP/s (GPUs x peak)."""
        return self.gpus * self.peak_tflops * 1e12

    def to_json(self) -> dict[str, Any]:
        """Return the site block of the scale-across document."""
        return {
            "id": self.id, "at": self.at, "gpus": self.gpus, "server": self.server, "gpu": self.gpu,
            "peak_tflops_per_gpu": self.peak_tflops, "peak_source": self.peak_source,
            "peak_pflops": round(self.flops_per_s / 1e15, 3),
            "edge_switch": self.edge_switch, "edge_buffer_mb": self.buffer_mb, "edge_buffer_source": self.buffer_source,
            "fabric_file": self.fabric_file, "fabric": self.fabric,
        }


def resolve_sites(spec: ScaleAcrossSpec, spec_path: str | Path, lines: LineMap, hardware: Hardware,
                  catalog_dir: str | Path | None) -> list[SitePlan]:
    """Return every site resolved against the catalog (and its fabric spec through the fabric core)."""
    return [_resolve(spec, site, index, spec_path, lines, hardware, catalog_dir)
            for index, site in enumerate(spec.sites)]


def _resolve(spec: ScaleAcrossSpec, site: Site, index: int, spec_path, lines: LineMap, hardware: Hardware,
             catalog_dir) -> SitePlan:
    file = str(spec_path)
    where = f"sites[{index}]"

    def fail(field: str, problem: str) -> SpecError:
        line = lines.get(("sites", index, field), lines.get(("sites", index)))
        return SpecError(file, f"{where}.{field}", problem, line)

    fabric_doc = None
    fabric_file = None
    server_id = site.server
    gpus = site.gpus
    fabric_switch = None
    if site.fabric is not None:
        from aifabric.fabric.plan import plan_fabric

        path = Path(site.fabric)
        fabric_path = path if path.is_absolute() else Path(spec_path).parent / path
        if not fabric_path.is_file():
            raise fail("fabric", f"fabric spec '{site.fabric}' does not exist (paths are relative to this file)")
        result = plan_fabric(fabric_path, catalog_dir=catalog_dir)
        doc = result.document()
        fabric_file = site.fabric
        fabric_doc = {
            "name": doc["name"], "gpus": doc["gpus"], "switch_model": doc["switch_model"], "tiers": doc["tiers"],
            "switches": doc["switches"]["total"], "bisection_tbps": doc["bisection_tbps"],
            "power_kw": doc["power_kw"]["total"],
        }
        server_id = result.spec.server
        gpus = doc["gpus"]
        fabric_switch = doc["switch_model"]
    gpu_id = site.gpu
    if gpu_id is None:
        try:
            server = hardware.server(server_id)
        except AifabricError as exc:
            raise fail("server", exc.message) from None
        if server.gpu is None:
            raise fail("server", f"server '{server_id}' names no GPU model in the catalog; give `gpu:` "
                       f"(one of {', '.join(sorted(hardware.gpus))})")
        gpu_id = server.gpu
    try:
        gpu = hardware.gpu(gpu_id)
    except AifabricError as exc:
        raise fail("gpu", exc.message) from None
    edge_id = site.edge_switch or fabric_switch or spec.transport.edge_switch
    try:
        edge = hardware.switch(edge_id)
    except AifabricError as exc:
        field = "edge_switch" if site.edge_switch else None
        if field is None:
            raise SpecError(file, "transport.edge_switch", exc.message,
                            lines.get(("transport", "edge_switch"))) from None
        raise fail(field, exc.message) from None
    assert gpus is not None
    return SitePlan(
        id=site.id, at=site.network_site, gpus=gpus, server=server_id, gpu=gpu.id,
        peak_tflops=gpu.peak_dense_bf16_tflops, peak_source=" ".join(gpu.source.split()),
        edge_switch=edge.id, buffer_mb=edge.buffer_mb,
        buffer_source=" ".join(edge.buffer_source.split()) if edge.buffer_source else None,
        fabric_file=fabric_file, fabric=fabric_doc,
    )
