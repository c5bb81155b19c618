"""Named rows of the fabric's links and devices, streamed from the link table through the one naming table."""

from __future__ import annotations

from collections.abc import Iterator

from aifabric.fabric.links import FabricLinks
from aifabric.fabric.naming import Naming

LINK_HEADER = ("a_device", "a_port", "z_device", "z_port", "speed_gbps", "medium", "length_m", "link_class",
               "plane", "cable", "network")
# link_rows yields the first ten columns (the compute fabric's links); links.csv adds `network` (compute here, the
# other networks' rows after them: aifabric.fabric.networks.link_rows).


def naming_for(links: FabricLinks, hardware) -> Naming:
    """Return the naming table of a plan."""
    return Naming(links.plan, hardware.switch(links.plan.switch_id))


def device_rows(links: FabricLinks, hardware) -> Iterator[tuple]:
    """Yield (name, role, plane, pod, su, rail, model) for every server, NIC port and switch."""
    plan = links.plan
    naming = naming_for(links, hardware)
    for s in range(plan.servers):
        yield (naming.server(s), "server", -1, -1, s // plan.leaf_downlinks, -1, plan.server_id)
    for plane in range(plan.planes):
        for s in range(plan.servers):
            for r in range(plan.rails):
                yield (naming.nic_node(s, r, plane), "nic", plane, -1, s // plan.leaf_downlinks, r, plan.nic_id)
        for leaf in range(plan.leaves_per_plane):
            yield (naming.leaf(plane, leaf), "leaf", plane, plan.pod_of_leaf(leaf), leaf // plan.leaves_per_su,
                   (leaf % plan.leaves_per_su) * plan.rails_per_leaf, plan.switch_id)
        for pod, shape in enumerate(plan.pods):
            for spine in range(shape.spines):
                yield (naming.spine(plane, pod, spine), "spine", plane, pod, -1, -1, plan.switch_id)
        for core in range(plan.cores_per_plane):
            yield (naming.core(plane, core), "core", plane, -1, -1, -1, plan.switch_id)


def link_rows(links: FabricLinks, hardware) -> Iterator[tuple]:
    """Yield one cabling-plan row per link, plane by plane, class by class, in index order."""
    plan = links.plan
    naming = naming_for(links, hardware)
    servers = [naming.server(s) for s in range(plan.servers)]
    leaf_down = [naming.leaf_down_port(i) for i in range(plan.leaf_down_ports)]
    leaf_up = [naming.leaf_up_port(i) for i in range(plan.leaf_uplinks)]
    switch_ports = [naming.core_port(i) for i in range(plan.radix_up)]
    spine_up_by_pod = {}
    media = [m.id for m in links.media]
    for plane in range(plan.planes):
        nic_ports = [naming.nic_port(r, plane) for r in range(plan.rails)]
        leaves = [naming.leaf(plane, i) for i in range(plan.leaves_per_plane)]
        spines = [[naming.spine(plane, p, s) for s in range(shape.spines)] for p, shape in enumerate(plan.pods)]
        cores = [naming.core(plane, c) for c in range(plan.cores_per_plane)]
        for link_set in links.sets.values():
            speed = link_set.speed_gbps
            cls = link_set.link_class
            a = link_set.a.tolist()
            a_port = link_set.a_port.tolist()
            z = link_set.z.tolist()
            z_port = link_set.z_port.tolist()
            medium = link_set.medium.tolist()
            length = link_set.cable_m.tolist()
            # The part each link is cabled with, as the rules chose it (a trunk beyond the longest cord).
            parts = links.cable_ids(cls)
            cable_ids = [[cord, beyond] for cord, _, beyond in parts]
            cord_max = [longest for _, longest, _ in parts]
            beyond_cord = [int(length[i] > cord_max[medium[i]] + 1e-6) for i in range(len(medium))]
            if cls == "nic_leaf":
                for i in range(len(a)):
                    yield (servers[a[i]], nic_ports[a_port[i]], leaves[z[i]], leaf_down[z_port[i]], speed,
                           media[medium[i]], f"{length[i]:g}", cls, plane, cable_ids[medium[i]][beyond_cord[i]])
            elif cls == "leaf_spine":
                z_pod = link_set.z_pod.tolist()
                for i in range(len(a)):
                    yield (leaves[a[i]], leaf_up[a_port[i]], spines[z_pod[i]][z[i]], switch_ports[z_port[i]], speed,
                           media[medium[i]], f"{length[i]:g}", cls, plane, cable_ids[medium[i]][beyond_cord[i]])
            else:
                a_pod = link_set.a_pod.tolist()
                for i in range(len(a)):
                    pod = a_pod[i]
                    if pod not in spine_up_by_pod:
                        shape = plan.pods[pod]
                        spine_up_by_pod[pod] = [naming.spine_up_port(pod, t) for t in range(shape.spine_uplinks)]
                    yield (spines[pod][a[i]], spine_up_by_pod[pod][a_port[i]], cores[z[i]], switch_ports[z_port[i]],
                           speed, media[medium[i]], f"{length[i]:g}", cls, plane, cable_ids[medium[i]][beyond_cord[i]])
