"""Structured cabling of the networks beside the compute fabric: every links.csv row of the converged, storage and
OOB networks carries its run's length and the part the BOM counts for it.

The BOM is counted from runs (aifabric.fabric.networks.count_network_parts); the rows here are counted back into
parts the way the BOM counts them (a cord per links_per_cable links, cables_per_link cords per link; a run beyond
the cords: a jumper at each end and the link's fibers on a trunk) and must equal the BOM's lines, network by
network, part by part, length by length.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from aifabric.export.fabric_files import network_csv_chunks
from aifabric.fabric.networks import Network, Runs, count_network_parts, link_rows, option_reach, row_parts
from aifabric.fabric.plan import plan_fabric
from aifabric.fabric.rows import naming_for

TOPOLOGIES = Path(__file__).parent.parent / "topologies"
CASES = {
    "dgx-h100-superpod-4su": (TOPOLOGIES / "dgx-h100-superpod-4su.yaml", {}),
    "gb300-nvl72-spectrum-x": (TOPOLOGIES / "gb300-nvl72-spectrum-x.yaml", {}),
    "hgx-64-gpu": (None, {"gpus": 64, "server": "hgx-h100", "switch": "sn5600"}),
    "hgx-enterprise-3su": (TOPOLOGIES / "hgx-enterprise-3su.yaml", {}),
    "colossus-100k": (TOPOLOGIES / "colossus-100k.yaml", {}),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def planned(request):
    path, overrides = CASES[request.param]
    result = plan_fabric(path, overrides)
    rows = list(link_rows(result.networks, result.plan, result.hardware, naming_for(result.links, result.hardware),
                          result.links.floor))
    return request.param, result, rows


def _option(hardware, medium: str, cable: str, length: float):
    """Return (option, beyond the cords) of a row: the first option of its medium whose cord (or trunk) is the
    row's part and whose reach covers the row's length."""
    for option in hardware.netmedia[medium].options:
        if length > option_reach(option, hardware) + 1e-6:
            continue
        if option.cable == cable:
            return option, False
        if option.trunk == cable:
            return option, True
    raise AssertionError(f"{cable} of {length:g} m is no part of {medium} in reach")


def test_every_other_network_row_has_a_length_and_a_part_in_reach(planned):
    """Each row of a cabled network names its part and a length the part reaches (a cord of that length is
    orderable; a trunk run is within the trunk's and the modules' reach)."""
    _, result, rows = planned
    hardware = result.hardware
    cabled = [row for row in rows if row[10] != "nvlink"]
    assert cabled
    for row in cabled:
        assert row[6] and row[9], row
        length = float(row[6])
        option, beyond = _option(hardware, row[5], row[9], length)
        if beyond:
            cord = hardware.cables[option.cable]
            assert max(cord.lengths_m) < length <= option_reach(option, hardware) + 1e-6, row
        else:
            assert length in hardware.cables[row[9]].lengths_m, row
            assert length <= option_reach(option, hardware) + 1e-6, row


def test_row_parts_count_to_the_bom_lines(planned):
    """Counted from the rows as the BOM counts runs, every network's cable lines (part and length) and trunk fibers
    equal the BOM's."""
    _, result, rows = planned
    hardware = result.hardware
    links: Counter = Counter((row[10], row[5], row[9], float(row[6])) for row in rows if row[10] != "nvlink")
    cords: dict = defaultdict(int)
    fibers: dict = defaultdict(int)
    for (network, medium, cable, length), n in links.items():
        option, beyond = _option(hardware, medium, cable, length)
        cord = hardware.cables[option.cable]
        if beyond:
            cords[(network, cord.id, min(cord.lengths_m))] += 2 * n * option.cables_per_link
            fibers[(network, cable)] += max(cord.fiber_count, 2) * n * option.cables_per_link
        else:
            cords[(network, cable, length)] += math.ceil(n / option.links_per_cable) * option.cables_per_link
    trunks = {o.trunk for media in hardware.netmedia.values() for o in media.options if o.trunk}
    bom: dict = defaultdict(int)
    for line in result.bom():
        if line.network == "compute" or line.category != "cable" or line.catalog_id in trunks:
            continue
        bom[(line.network, line.catalog_id, float(line.length_m))] += line.quantity
    assert dict(cords) == dict(bom)
    parts = result.network_parts()
    assert dict(fibers) == {(name, trunk): n for name, p in parts.items() for trunk, n in p.trunk_fibers.items()}


def test_rows_and_blocks_write_the_same_bytes_twice(planned):
    """links.csv's other-network rows (column blocks with per-row lengths and parts) are csv.writer's bytes over
    link_rows, and the same on a second plan of the same spec."""
    _, result, rows = planned
    stream = io.StringIO(newline="")
    csv.writer(stream, lineterminator="\n").writerows(rows)
    written = b"".join(network_csv_chunks(result))
    assert written == stream.getvalue().encode("utf-8")
    assert b"".join(network_csv_chunks(plan_fabric(*CASES[planned[0]]))) == written


def test_a_run_beyond_the_cords_names_its_trunk_and_run_length():
    """A run longer than every cord rides a trunk: its rows name the trunk and the run's length, the BOM counts a
    jumper at each end and the links' fibers on the trunk."""
    import numpy as np

    from aifabric.catalog.models import load_hardware
    from aifabric.fabric.networks import NetworkPlan

    hardware = load_hardware()
    runs = Runs("oob_uplink", 100, "qsfp28-100g", np.array([4.0, 150.0]), np.array([2, 3]))
    network = Network("oob", "test", {}, {}, {"oob_uplink": 5}, runs=[runs])
    option = next(o for o in hardware.netmedia["qsfp28-100g"].options if o.trunk)
    assert max(hardware.cables[option.cable].lengths_m) < 150 <= option_reach(option, hardware)
    table, index = row_parts(NetworkPlan(None, {"oob": network}, {}), hardware)[("oob", "oob_uplink")]
    rows = [table[i] for i in index.tolist()]
    near = next(o for o in hardware.netmedia["qsfp28-100g"].options if option_reach(o, hardware) >= 4.0)
    assert rows[2:] == [("150", option.trunk)] * 3
    assert rows[:2] == [(f"{min(v for v in hardware.cables[near.cable].lengths_m if v >= 4):g}", near.cable)] * 2
    parts = count_network_parts(network, hardware)
    cord = hardware.cables[option.cable]
    assert parts.trunk_fibers == {option.trunk: max(cord.fiber_count, 2) * 3}
    assert parts.cables[(cord.id, min(cord.lengths_m))] == 2 * 3
