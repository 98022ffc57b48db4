"""Chunked execution of population runs: in-process or on Dask, streaming results to Zarr.

This is the one place where a population runs in chunks (:func:`run_chunks`); the work of a
chunk is :func:`nanotwin.population.endpoints.simulate_subjects`.

Rule: Dask only when asked: a scheduler address (``--scheduler`` / ``run.scheduler``: an
existing cluster, possibly of several machines) or ``run.use_dask: true`` (a
``LocalCluster(n_workers=run.n_workers, threads_per_worker=1)``). Otherwise the chunks run in
this process, where the numba kernel already uses every core; on one machine that wins (the
population benchmark measures a LocalCluster against the in-process run). ``run.dask_min_subjects``
is accepted for older study files and no longer switches to Dask by itself. Each finished chunk
is appended to the Zarr store (``run.zarr`` or ``--out``) along ``subject``; a rich progress bar
counts chunks.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nanotwin.population.population import chunk_factors

__all__ = ["run_chunks", "chunk_factors"]


def _chunk_task(design_json: dict, species: str | None, fac: dict, times: np.ndarray,
                A0: float, ids: np.ndarray, rtol: float, single_thread: bool) -> Any:
    from nanotwin.population.endpoints import _load_quiet, simulate_subjects

    if single_thread:  # one numba thread per Dask worker (workers are the parallelism)
        import numba

        numba.set_num_threads(1)
    design = _load_quiet(design_json)
    return simulate_subjects(design, species, fac, times, A0, ids, rtol)


def run_chunks(design: Any, species: str | None, factors: Mapping[str, np.ndarray],
               times: np.ndarray, A0: float, study: Any, *, scheduler: str | None = None,
               out_dir: str | None = None, tag: str = "therapy", progress: bool = False) -> Any:
    """Simulate all subjects in chunks; returns the concatenated Dataset (ordered by subject)."""
    import xarray as xr

    n = int(np.asarray(factors["body_weight"]).size)
    run = study.run
    size = max(1, int(run.chunk_size))
    bounds = [(lo, min(n, lo + size)) for lo in range(0, n, size)]
    address = scheduler or run.scheduler
    use = bool(address) or run.use_dask is True
    zpath = None
    if out_dir or run.zarr:
        base = Path(out_dir) if out_dir else Path(study.base_dir)
        zname = Path(run.zarr).name if run.zarr else "population.zarr"
        zpath = base / f"{Path(zname).stem}_{tag.replace('-', '').lower()}.zarr"
        zpath.parent.mkdir(parents=True, exist_ok=True)
    design_json = design.model_dump(mode="json")
    parts: list[Any] = []

    def write(ds: Any, first: bool) -> None:
        if zpath is None:
            return
        clean = ds.copy()
        clean.attrs = {k: v for k, v in ds.attrs.items() if isinstance(v, str | int | float)}
        # Zarr format 2: its string coordinates (organ names) have a stable specification
        if first:
            clean.to_zarr(zpath, mode="w", consolidated=False, zarr_format=2)
        else:
            clean.to_zarr(zpath, mode="a", append_dim="subject", consolidated=False,
                          zarr_format=2)

    from rich.progress import Progress

    with Progress(disable=not progress, transient=True) as bar:
        job = bar.add_task(f"{tag}: {n} subjects", total=len(bounds))
        if not use:
            for i, (lo, hi) in enumerate(bounds):
                ds = _chunk_task(design_json, species, chunk_factors(factors, lo, hi), times, A0,
                                 np.arange(lo, hi), run.rtol, False)
                write(ds, i == 0)
                parts.append(ds)
                bar.advance(job)
        else:
            from dask.distributed import Client, LocalCluster, as_completed

            cluster = None
            if address:
                client = Client(address)
            else:
                cluster = LocalCluster(n_workers=run.n_workers, threads_per_worker=1,
                                       processes=True, dashboard_address=None)
                client = Client(cluster)
            try:
                futs = [client.submit(_chunk_task, design_json, species,
                                      chunk_factors(factors, lo, hi), times, A0,
                                      np.arange(lo, hi), run.rtol, True, pure=False)
                        for lo, hi in bounds]
                for i, fut in enumerate(as_completed(futs)):
                    ds = fut.result()
                    write(ds, i == 0)
                    parts.append(ds)
                    bar.advance(job)
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    out = xr.concat(parts, dim="subject") if len(parts) > 1 else parts[0]
    return out.sortby("subject")
