"""Twin link mechanics (no PBPK numbers pinned: the model is being recalibrated)."""

from __future__ import annotations

import numpy as np
import pytest

from nanotwin.errors import DesignError
from nanotwin.pbpk import demo_design
from nanotwin.qc.batch import load_batch
from nanotwin.qc.twin import (
    batch_design,
    dose_table,
    size_distribution,
    summary_table,
    twin_compare,
)

TIMES = [0.0, 1.0, 4.0, 24.0, 48.0]


def _batch(**m):
    return load_batch({"batch_id": "T", "platform": "liposome",
                       "manufactured": "2025-01-01T00:00Z", "measurements": m})


@pytest.fixture(scope="module")
def target():
    return demo_design()  # 100 nm 64Cu PEG-liposome, radiochemical purity 1


@pytest.fixture(scope="module")
def identical(target):
    return twin_compare(target, _batch(z_average="100 nm"), times=TIMES)


def test_identical_batch_gives_identical_prediction(identical):
    ds = identical
    for var in ("pct_id", "activity_pct_id", "particle_bound_activity_pct"):
        a = ds[var].sel(variant="target").values
        b = ds[var].sel(variant="batch").values
        assert np.array_equal(a, b), var
    d = ds["dose_Gy_per_GBq"]
    assert np.array_equal(d.sel(variant="target").values, d.sel(variant="batch").values)
    assert (dose_table(ds)["dose_ratio"].dropna() == 1.0).all()


def test_rcp_scales_particle_bound_activity_exactly(target, identical):
    ds = twin_compare(target, _batch(z_average="100 nm", rcp="90 %"), times=TIMES)
    # particles themselves are unchanged (to the solver's tolerance: the free-label states
    # start non-zero, so the adaptive steps differ slightly; rtol 1e-8 in simulate) ...
    assert np.allclose(ds["pct_id"].sel(variant="batch").values,
                       identical["pct_id"].sel(variant="batch").values, rtol=1e-6, atol=1e-9)
    # ... and the label on them is 0.9 of the target's at every time and organ
    tb = ds["particle_bound_activity_pct"].sel(variant="target").values
    bb = ds["particle_bound_activity_pct"].sel(variant="batch").values
    mask = tb > 1e-9
    assert np.allclose(bb[mask] / tb[mask], 0.9, rtol=1e-6)
    # total activity is conserved: what leaves the particles is free label, not lost
    tot = ds["activity_pct_id"].sel(variant="batch").sum("organ").values
    tot_t = ds["activity_pct_id"].sel(variant="target").sum("organ").values
    assert np.allclose(tot[0], tot_t[0])
    assert ds.attrs["rcp_batch"] == 0.9


def test_size_changes_the_prediction_and_pdi_averages_sizes(target, identical):
    big = twin_compare(target, _batch(z_average="160 nm"), times=TIMES, dose=False)
    assert not np.allclose(big["pct_id"].sel(variant="batch").values,
                           identical["pct_id"].sel(variant="batch").values)
    # a PDI > 0 batch is the quadrature average of the monodisperse size fractions
    poly = twin_compare(target, _batch(z_average="100 nm", pdi=0.2), times=TIMES, dose=False,
                        n_nodes=3)
    import nanotwin

    d, w = size_distribution(100.0, 0.2, 3)
    manual = 0.0
    for di, wi in zip(d, w, strict=True):
        node = target.model_copy(update={"nanoparticle": target.nanoparticle.model_copy(
            update={"hydrodynamic_diameter": float(di)})})
        manual = manual + wi * nanotwin.simulate(node, times=TIMES)["pct_id"].values
    assert np.allclose(poly["pct_id"].sel(variant="batch").values, manual, rtol=1e-12)
    # mass balance holds for the mixture
    assert np.allclose(poly["pct_id"].sel(variant="batch").sum("organ").values, 100.0,
                       atol=1e-6)


def test_size_distribution_properties():
    for pdi in (0.05, 0.2, 0.5):
        d, w = size_distribution(120.0, pdi, 5)
        assert w.sum() == pytest.approx(1.0)
        assert np.exp((w * np.log(d)).sum()) == pytest.approx(120.0)
        var = (w * (np.log(d) - np.log(120.0)) ** 2).sum()
        assert var == pytest.approx(np.log1p(pdi))
    assert size_distribution(50.0, None)[0].tolist() == [50.0]


def test_batch_design_and_errors(target):
    d = batch_design(target, _batch(z_average="120 nm", pdi=0.15, zeta_potential="-12 mV"))
    np_ = d.nanoparticle
    assert (np_.hydrodynamic_diameter, np_.pdi, np_.zeta_potential) == (120.0, 0.15, -12.0)
    assert target.nanoparticle.hydrodynamic_diameter == 100.0  # target untouched
    unlabelled = target.model_copy(update={"radiolabels": ()})
    with pytest.raises(DesignError, match="no radiolabel"):
        batch_design(unlabelled, _batch(rcp="95 %"))
    tab = summary_table(twin_compare(unlabelled, _batch(z_average="100 nm"), times=TIMES))
    assert "particle_bound_activity_pct_auc_ratio" not in tab.columns
