"""Dask LocalCluster run equals the in-process run and streams chunks to Zarr."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_dask_local_cluster_equals_in_process(tmp_path):
    import xarray as xr

    from nanotwin.design import load_design
    from nanotwin.population import load_study, sample_factors
    from nanotwin.population.distributed import run_chunks

    design = load_design(ROOT / "examples" / "studies" / "lu177_liposome_human.yaml")
    fac = sample_factors(10, "human", seed=4)
    t = np.array([1.0, 24.0, 168.0])
    base = {"name": "d", "design": "x", "n_subjects": 10}
    st_d = load_study({**base, "run": {"use_dask": True, "n_workers": 2, "chunk_size": 3}})
    st_p = load_study({**base, "run": {"use_dask": False, "chunk_size": 4}})
    a = run_chunks(design, None, fac, t, 7400.0, st_d, out_dir=str(tmp_path))
    b = run_chunks(design, None, fac, t, 7400.0, st_p)
    assert np.allclose(a["dose_Gy"].values, b["dose_Gy"].values, rtol=1e-12)
    z = xr.open_zarr(tmp_path / "population_therapy.zarr", consolidated=False)
    assert sorted(z["subject"].values.tolist()) == list(range(10))
