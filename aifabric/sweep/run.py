"""Running a sweep: every combination evaluated in process, on a local process pool or on a Dask cluster.

Whatever the executor, candidates come back sorted by their index in the grid and the Pareto front is marked
afterwards, so every executor gives identical results.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

from aifabric.sweep.evaluate import OBJECTIVES, SweepConfig, evaluate_chunk
from aifabric.sweep.grid import Grid
from aifabric.sweep.pareto import mark_pareto

EXECUTORS = ("serial", "pool", "dask-local", "dask")
Progress = Callable[[int, int], None]


def default_workers() -> int:
    """Return the number of worker processes used when none is given: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunks(grid: Grid, workers: int, expensive: bool) -> list[list[tuple[int, dict[str, Any]]]]:
    """Return the (index, combination) pairs split into chunks: one per task when each candidate is expensive,
    else about eight chunks per worker (at most 64 candidates each) to keep task overhead small."""
    pairs = list(enumerate(grid.combinations()))
    size = 1 if expensive else max(1, min(64, math.ceil(len(pairs) / (workers * 8))))
    return [pairs[start:start + size] for start in range(0, len(pairs), size)]


def run_sweep(config: SweepConfig, grid: Grid, executor: str = "pool", workers: int | None = None,
              scheduler: str | None = None, dask_processes: bool = True,
              progress: Progress | None = None) -> list[dict[str, Any]]:
    """Return every candidate of the grid, sorted by grid index, with the Pareto front marked.

    executor: "serial" (this process), "pool" (ProcessPoolExecutor of `workers` processes), "dask-local" (a Dask
    LocalCluster of `workers` single-threaded workers, processes or threads), "dask" (an existing scheduler URL).
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    workers = workers or default_workers()
    parts = chunks(grid, workers, expensive=config.failure_trials > 0)
    total = grid.size()
    if executor == "serial" or (executor == "pool" and workers == 1):
        results = _serial(config, parts, total, progress)
    elif executor == "pool":
        results = _pool(config, parts, total, workers, progress)
    else:
        results = _dask(config, parts, total, workers, scheduler if executor == "dask" else None, dask_processes,
                        progress)
    candidates = sorted(results, key=lambda c: c["index"])
    return mark_pareto(candidates, OBJECTIVES)


def _serial(config, parts, total, progress) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for part in parts:
        results.extend(evaluate_chunk(config, part))
        if progress:
            progress(len(results), total)
    return results


def _pool(config, parts, total, workers, progress) -> list[dict[str, Any]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # forkserver: workers start from a clean process, never a fork of one running threads (progress bars).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    results: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=min(workers, len(parts)) or 1, mp_context=context) as pool:
        futures = [pool.submit(evaluate_chunk, config, part) for part in parts]
        for future in as_completed(futures):
            results.extend(future.result())
            if progress:
                progress(len(results), total)
    return results


def _dask(config, parts, total, workers, scheduler, processes, progress) -> list[dict[str, Any]]:
    import logging

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            from aifabric.errors import SpecError

            raise SpecError("command line", "--scheduler", f"cannot connect to the Dask scheduler at {scheduler} "
                                                           f"({exc}); give tcp://host:8786") from None
    results: list[dict[str, Any]] = []
    try:
        shared = client.scatter(config, broadcast=True)
        futures = [client.submit(evaluate_chunk, shared, part, pure=False) for part in parts]
        for future in as_completed(futures):
            results.extend(future.result())
            if progress:
                progress(len(results), total)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results
