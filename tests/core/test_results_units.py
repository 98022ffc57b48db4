"""The shared results model (units, provenance, export) and unit parsing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nanotwin
from nanotwin.errors import DesignError
from nanotwin.results import export_result, make_result, stable_hash, to_tidy
from nanotwin.units import to_canonical


def _result():
    design = nanotwin.load_design({"name": "r", "nanoparticle": {
        "platform": "liposome", "hydrodynamic_diameter": "100 nm"}})
    values = np.arange(6.0).reshape(2, 3)
    return make_result(
        {"pct_id": (("organ", "time"), values, "%ID", "percent of injected dose")},
        coords={"organ": ["liver", "tumor"], "time": ("time", [1.0, 4.0, 24.0], "h")},
        kind="biodistribution", design=design, parameters={"Q_liver": 1.2},
    ), design


def test_units_and_provenance_in_attrs() -> None:
    ds, design = _result()
    assert ds["pct_id"].attrs["units"] == "%ID"
    assert ds["time"].attrs["units"] == "h"
    assert ds.attrs["nanotwin_version"] == nanotwin.__version__
    assert ds.attrs["design_hash"] == stable_hash(design)
    assert ds.attrs["parameter_hash"] == stable_hash({"Q_liver": 1.2})
    assert any("ICRP-107" in k for k in ds.attrs)
    assert ds.attrs["design_name"] == "r"


def test_hash_changes_with_design() -> None:
    _, design = _result()
    other = design.model_copy(update={"name": "s"})
    assert stable_hash(design) != stable_hash(other)


def test_tidy_export_csv_parquet_netcdf(tmp_path) -> None:
    ds, _ = _result()
    tidy = to_tidy(ds)
    assert list(tidy.columns) == ["organ", "time_h", "pct_id"]
    assert len(tidy) == 6
    csv = export_result(ds, tmp_path / "r.csv")
    back = pd.read_csv(csv)
    assert back.loc[(back.organ == "tumor") & (back.time_h == 24.0), "pct_id"].item() == 5.0
    pq = export_result(ds, tmp_path / "r.parquet")
    assert pd.read_parquet(pq).shape == (6, 3)
    nc = export_result(ds, tmp_path / "r.nc")
    again = xr.open_dataset(nc, engine="h5netcdf")
    assert again["pct_id"].attrs["units"] == "%ID"
    assert again.attrs["design_hash"] == ds.attrs["design_hash"]
    np.testing.assert_array_equal(again["pct_id"].values, ds["pct_id"].values)
    again.close()


def test_unknown_export_format(tmp_path) -> None:
    ds, _ = _result()
    with pytest.raises(DesignError, match="unknown format"):
        export_result(ds, tmp_path / "r.xlsx")


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [("30 nm", "nm", 30.0), ("0.03 um", "nm", 30.0), ("30 µm", "nm", 30000.0),
     ("5 MBq", "MBq", 5.0), ("1 mCi", "MBq", 37.0), ("2 mg/kg", "mg/kg", 2.0),
     ("12.7 h", "h", 12.7), ("2 d", "h", 48.0), ("90 min", "h", 1.5),
     ("-25 mV", "mV", -25.0), ("5 kDa", "Da", 5000.0), ("25 g", "kg", 0.025)],
)
def test_to_canonical(value: str, unit: str, expected: float) -> None:
    assert to_canonical(value, unit, "f") == pytest.approx(expected)


def test_to_canonical_errors() -> None:
    with pytest.raises(DesignError, match="cannot be converted"):
        to_canonical("5 kg", "MBq", "administration.injected_activity")
    with pytest.raises(DesignError, match="no unit"):
        to_canonical(5, "MBq", "a", allow_plain=False)
    with pytest.raises(DesignError, match="cannot read"):
        to_canonical("5 bananas", "MBq", "a")
