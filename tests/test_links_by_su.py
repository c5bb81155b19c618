"""The link table found once per SU (when an SU's leaves stand together) equals the one found link by link."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifabric.errors import DesignError
from aifabric.fabric import links as links_module
from aifabric.fabric.runs import generate
from aifabric.fabric.sizing import size
from aifabric.spec.fabric import FabricSpec

COLUMNS = [f.name for f in dataclasses.fields(links_module.LinkSet)]


def _both(spec: FabricSpec, hardware, monkeypatch):
    plan = size(spec, hardware)
    fast = generate(plan, spec, hardware)
    with monkeypatch.context() as patch:
        patch.setattr(links_module, "GROUP_RUNS", False)
        slow = generate(plan, spec, hardware)
    return fast, slow


def _assert_same(fast, slow) -> None:
    assert fast.sets.keys() == slow.sets.keys()
    for name, fast_set in fast.sets.items():
        slow_set = slow.sets[name]
        for column in COLUMNS:
            a, b = getattr(fast_set, column), getattr(slow_set, column)
            if isinstance(a, np.ndarray):
                assert a.dtype == b.dtype, (name, column)
                assert np.array_equal(a, b), (name, column)
            else:
                assert a == b, (name, column)


placements = st.fixed_dictionaries({
    "servers_per_rack": st.integers(1, 16),
    "racks_per_row": st.integers(1, 40),
    "row_pitch_m": st.sampled_from([1.8, 2.4, 3.0, 4.5]),
    "leaf_location": st.sampled_from(["in-row", "end-of-row", "central"]),
})
specs = st.fixed_dictionaries({
    "servers": st.integers(1, 600),
    "server": st.sampled_from(["hgx-h100", "dgx-h100", "dgx-b300"]),
    "switch": st.sampled_from(["qm9700", "sn5600", "sn5400"]),
    "oversubscription": st.sampled_from([1.0, 2.0]),
    "tiers": st.sampled_from(["auto", 3]),
    "placement": placements,
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(kw=specs)
def test_grouped_by_su_equals_link_by_link(kw, hardware, monkeypatch):
    spec = FabricSpec(**kw)
    try:
        fast, slow = _both(spec, hardware, monkeypatch)
    except DesignError:
        return
    _assert_same(fast, slow)


@pytest.mark.parametrize("name", ["dgx-h100-superpod-4su", "colossus-100k", "b300-twin-plane"])
def test_shipped_specs_grouped_by_su_equal_link_by_link(name, hardware, monkeypatch):
    from aifabric.spec.fabric import load_fabric_spec
    from tests.conftest import TOPOLOGIES

    fast, slow = _both(load_fabric_spec(TOPOLOGIES / f"{name}.yaml"), hardware, monkeypatch)
    _assert_same(fast, slow)


def test_reach_error_is_the_same_both_ways(hardware, monkeypatch):
    spec = FabricSpec(servers=512, server="hgx-h100", switch="sn5600", media={"leaf_spine": "dac"},
                      placement={"racks_per_row": 64, "leaf_location": "end-of-row"})
    messages = []
    for grouped in (True, False):
        monkeypatch.setattr(links_module, "GROUP_RUNS", grouped)
        with pytest.raises(DesignError) as exc:
            generate(size(spec, hardware), spec, hardware)
        messages.append(exc.value.message)
    assert messages[0] == messages[1]
    assert "exceed the reach" in messages[0]


def test_rails_sharing_a_nic_cage_take_the_widest_medium(hardware):
    """On a DGX H100 two rails share a twin-port cage: if one rail needs single-mode, both take it (one module fills
    a cage), each with the shortest orderable length of that medium covering its own run."""
    spec = FabricSpec(servers=4, server="dgx-h100", switch="qm9700")
    plan = size(spec, hardware)
    links = generate(plan, spec, hardware)
    link_set = links.sets["nic_leaf"]
    index = {m.id: i for i, m in enumerate(links.media)}
    lengths = links.lengths_m
    link_set.run_m[:] = 2.2
    link_set.run_m[1] = 80.0  # rail 1 of server 0 is beyond multimode reach; rail 0 shares its cage
    link_set.medium[:] = index["mmf-sr4"]
    link_set.medium[1] = index["smf-dr8"]
    link_set.length_index[:] = np.searchsorted(lengths, 3.0 - 1e-6)
    link_set.cable_m[:] = 3.0
    nic_cages = links_module.cage_keys(links, "nic_leaf")[:1]
    links_module._one_module_per_cage(link_set, lambda part=slice(None): [key[part] for key in nic_cages],
                                      links.options["nic_leaf"], index, lengths)
    assert link_set.medium[0] == link_set.medium[1] == index["smf-dr8"]
    assert (link_set.medium[2:] == index["mmf-sr4"]).all()
    assert link_set.cable_m[0] == 3.0  # MFP7E30's shortest length covering 2.2 m
    assert (link_set.cable_m[2:] == 3.0).all()


@pytest.mark.parametrize("kw", [
    {"gpus": 65536, "switch": "sn5600"},
    {"gpus": 70000, "switch": "sn5600", "tiers": 3, "port_gbps": 200, "nic_gbps": 400, "planes": 2,
     "gpus_per_server": 8},
])
def test_three_tier_cage_blocks_equal_link_by_link(kw, hardware, monkeypatch):
    """Cage groups found on one repeating block of cages (cage_periods) give the same link table as over every
    link, on three-tier fabrics whose spine-core runs mix media."""
    spec = FabricSpec(**kw)
    fast, slow = _both(spec, hardware, monkeypatch)
    assert len(np.unique(fast.sets["spine_core"].medium)) > 1
    assert links_module.cage_periods(fast.plan, fast.rules)["spine_core"][1] > 1
    _assert_same(fast, slow)


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = np.unique(a.astype(np.int64) * (int(b.max()) + 1) + b)
    return len(np.unique(a)) == len(np.unique(b)) == len(pairs)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(gpus=st.integers(20_000, 120_000), port=st.sampled_from([(200, 400, 2), (400, 400, 1)]),
       switch=st.sampled_from(["sn5600", "sn5400"]))
def test_cage_groups_by_block_equal_whole(gpus, port, switch, hardware):
    """The groups of connected cages found per block (and the links past the last block apart) partition the
    links exactly as the groups found over all links do, whatever the core count modulo the ports per cage."""
    port_gbps, nic_gbps, planes = port
    spec = FabricSpec(gpus=gpus, switch=switch, tiers=3, port_gbps=port_gbps, nic_gbps=nic_gbps, planes=planes,
                      gpus_per_server=8)
    try:
        plan = size(spec, hardware)
        links = generate(plan, spec, hardware)
    except DesignError:
        return
    for link_class, (period, blocks) in links_module.cage_periods(plan, links.rules).items():
        keys = links_module.cage_keys(links, link_class)
        if blocks < 2 or not keys:
            continue
        parts = lambda part, keys=keys: [key[part] for key in keys]  # noqa: E731
        assert _same_partition(links_module._cage_groups(parts, len(keys[0]), period, blocks),
                               links_module._cage_groups(parts, len(keys[0])))


@given(cores=st.integers(1, 60), ppc=st.sampled_from([1, 2, 4, 8]), slots=st.integers(1, 3000))
def test_striped_cage_groups_by_block_equal_whole(cores, ppc, slots):
    """A stripe of slot i to core i mod C, port i div C, spine cages of P consecutive slots: blocks of C x P slots
    group their cages alike, whatever C modulo P (the whole block is one group when P does not divide C)."""
    slot = np.arange(slots * ppc, dtype=np.int64)
    keys = [slot // ppc, (slot % cores) * len(slot) + (slot // cores) // ppc]  # core x cages + port cage
    block = cores * ppc
    parts = lambda part: [key[part] for key in keys]  # noqa: E731
    whole = links_module._cage_groups(parts, len(slot))
    assert _same_partition(links_module._cage_groups(parts, len(slot), block, len(slot) // block), whole)
