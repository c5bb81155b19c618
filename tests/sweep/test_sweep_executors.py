"""The same sweep gives byte-identical sweep.csv in process, on the local process pool and on Dask LocalCluster."""

from __future__ import annotations

from aifabric.sweep.output import write_sweep
from aifabric.sweep.run import run_sweep


def test_pool_and_dask_local_cluster_write_identical_sweep_csv(tmp_path, small_config, small_grid, small_sweep):
    serial = write_sweep(tmp_path / "serial", small_grid, small_config, small_sweep, "x")[0].read_bytes()
    pool = run_sweep(small_config, small_grid, executor="pool", workers=2)
    pool_csv = write_sweep(tmp_path / "pool", small_grid, small_config, pool, "x")[0].read_bytes()
    dask = run_sweep(small_config, small_grid, executor="dask-local", workers=2, dask_processes=True)
    dask_csv = write_sweep(tmp_path / "dask", small_grid, small_config, dask, "x")[0].read_bytes()
    assert pool_csv == serial
    assert dask_csv == pool_csv
    assert pool == small_sweep and dask == small_sweep
    assert (tmp_path / "dask" / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_failure_analysis_runs_per_candidate_on_dask_threads(base_spec, book):
    from aifabric.sweep.evaluate import SweepConfig
    from aifabric.sweep.grid import parse_vary

    grid = parse_vary(["oversubscription=1,2", "switch=sn5600,qm9700"])
    config = SweepConfig(base=base_spec, prices=book, failure_trials=20, seed=3)
    serial = run_sweep(config, grid, executor="serial")
    dask = run_sweep(config, grid, executor="dask-local", workers=2, dask_processes=False)
    assert dask == serial
    feasible = [c for c in serial if c["feasible"]]
    assert len(feasible) == 2  # qm9700 does not fit two tiers at 8,192 GPUs
    for c in feasible:
        assert 0 < c["bisection_left_p5"] <= c["bisection_left_p50"] <= 1
        assert 0 <= c["worst_gpu_share_p5"] <= 1
