"""Golden files: each exporter's output on the small fabric and corridor, byte for byte (and so deterministic)."""

from __future__ import annotations

import io

import pytest
from export_helpers import check_golden


def _clab(result, tmp_path):
    from aifabric.export.containerlab import build_lab, containerlab_yaml

    return containerlab_yaml(build_lab(result.links, result.hardware), result.links, result.hardware)


def _simai(result, tmp_path):
    from aifabric.export.simai import simai_text

    return simai_text(result.links, result.hardware)


def _nodelink(result, tmp_path):
    from aifabric.export.nodelink import nodelink_text

    return nodelink_text(result.links, result.hardware)


def _graphml(result, tmp_path):
    from aifabric.export.graphml import write_graphml

    return write_graphml(tmp_path / "g.graphml", result.links, result.hardware).read_text(encoding="utf-8")


def _netbox(name):
    def render(result, tmp_path):
        from aifabric.export.netbox import write_netbox

        write_netbox(tmp_path, result.links, result.hardware)
        return (tmp_path / name).read_text(encoding="utf-8")

    return render


FABRIC_OUTPUTS = {
    "small-fabric.clab.yml": _clab,
    "small-fabric.topo": _simai,
    "small-fabric.nodelink.json": _nodelink,
    "small-fabric.graphml": _graphml,
    "small-fabric-netbox-devices.csv": _netbox("devices.csv"),
    "small-fabric-netbox-interfaces.csv": _netbox("interfaces.csv"),
    "small-fabric-netbox-cables.csv": _netbox("cables.csv"),
}


@pytest.mark.parametrize("name", sorted(FABRIC_OUTPUTS))
def test_fabric_golden(name, small_fabric, tmp_path):
    text = FABRIC_OUTPUTS[name](small_fabric, tmp_path)
    check_golden(name, text)
    # A second run gives the same bytes.
    assert FABRIC_OUTPUTS[name](small_fabric, tmp_path) == text


def test_corridor_golden(small_corridor):
    from aifabric.corridor.geo import corridor_geojson, corridor_kml
    from aifabric.export.gnpy_topology import gnpy_topology_text

    check_golden("small-corridor.geojson", corridor_geojson(small_corridor))
    check_golden("small-corridor.kml", corridor_kml(small_corridor))
    check_golden("small-corridor.gnpy.json", gnpy_topology_text(small_corridor))


def test_diagram_svg_golden(small_fabric):
    from aifabric.export.diagram import diagram_bytes

    svg = diagram_bytes(small_fabric.links, small_fabric.hardware, "svg")
    check_golden("small-fabric.svg", svg)
    assert diagram_bytes(small_fabric.links, small_fabric.hardware, "svg") == svg
    png = diagram_bytes(small_fabric.links, small_fabric.hardware, "png")
    assert io.BytesIO(png).read(8) == b"\x89PNG\r\n\x1a\n"
