"""Bad scale-across specs get one-line errors naming file, field and what is allowed (exit 2)."""

from __future__ import annotations

import pytest


def _one_line(cli, *args) -> str:
    code, out, err = cli(*args)
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_unknown_site_in_ring(make_spec, cli):
    spec = make_spec(ring=["dallas", "ashbrun"])
    line = _one_line(cli, "scale-across", "plan", spec)
    assert "ring[1]" in line and "unknown site 'ashbrun'" in line and "did you mean 'ashburn'" in line


def test_unknown_site_in_vary(make_spec, cli):
    line = _one_line(cli, "scale-across", "plan", make_spec(), "--vary", "sites=dallas+atlantis")
    assert "--vary" in line and "unknown site 'atlantis'" in line


def test_site_not_on_the_corridor_network(make_spec, cli):
    sites = [{"id": "dallas", "gpus": 1000, "server": "hgx-b200"},
             {"id": "paris", "gpus": 1000, "server": "hgx-b200"}]
    line = _one_line(cli, "scale-across", "plan", make_spec(sites=sites))
    assert "sites[1].id" in line and "unknown site 'paris'" in line
    assert "not on the corridor network us-longhaul.geojson" in line


def test_site_at_not_on_the_network(make_spec, cli):
    sites = [{"id": "dallas", "gpus": 1000, "server": "hgx-b200"},
             {"id": "nova", "at": "ashbern", "gpus": 1000, "server": "hgx-b200"}]
    line = _one_line(cli, "scale-across", "plan", make_spec(sites=sites))
    assert "sites[1].at" in line and "did you mean 'ashburn'" in line


@pytest.mark.parametrize("field, value, expected", [
    ("mfu", 0, "job.mfu: must be > 0"),
    ("overlap", 1.5, "job.overlap: must be <= 1"),
    ("overlap", 0, "job.overlap: must be > 0"),
    ("sync_every_steps", 0, "job.sync_every_steps: must be >= 1"),
])
def test_bad_job_numbers(make_spec, cli, field, value, expected):
    line = _one_line(cli, "scale-across", "plan", make_spec(job={field: value}))
    assert expected in line and "t.yaml:" in line


def test_pipeline_needs_hidden_size(make_spec, cli):
    line = _one_line(cli, "scale-across", "plan", make_spec(job={"split": "pipeline", "hidden_size": None}))
    assert "hidden_size" in line


def test_unknown_server_and_missing_corridor(make_spec, cli):
    sites = [{"id": "dallas", "gpus": 1000, "server": "hgx-b2000"},
             {"id": "ashburn", "gpus": 1000, "server": "hgx-b200"}]
    line = _one_line(cli, "scale-across", "plan", make_spec(sites=sites))
    assert "sites[0].server" in line and "did you mean 'hgx-b200'" in line
    line = _one_line(cli, "scale-across", "plan", make_spec("c.yaml", corridor="nope.yaml"))
    assert "corridor" in line and "does not exist" in line


def test_unknown_vary_key(make_spec, cli):
    line = _one_line(cli, "scale-across", "plan", make_spec(), "--vary", "splt=data")
    assert "did you mean 'split'" in line


def test_non_finite_numbers_are_refused(make_spec, cli):
    line = _one_line(cli, "scale-across", "plan", make_spec(capacity_multiples=[0.5, float("inf")]))
    assert "capacity_multiples" in line
    line = _one_line(cli, "scale-across", "plan", make_spec(job={"mfu": float("nan")}))
    assert "job.mfu" in line
