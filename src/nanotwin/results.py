"""The results model shared by every nanotwin module.

A result is an :class:`xarray.Dataset` with named dimensions (``time``, ``organ``, ``subject``,
``design`` …), the unit of every data variable and coordinate in ``attrs["units"]`` and provenance
in the dataset attrs: nanotwin version, design hash, parameter hash and the versions of the data
sets used (ICRP-107 release, radioactivedecay data set, physiology tables).

Examples
--------
>>> import numpy as np
>>> ds = make_result({"pct_id": (("organ", "time"), np.ones((2, 3)), "%ID")},
...                  coords={"organ": ["liver", "spleen"], "time": ("time", [1.0, 4.0, 24.0], "h")},
...                  kind="example")
>>> ds["pct_id"].attrs["units"], ds["time"].attrs["units"]
('%ID', 'h')
>>> sorted(k for k in ds.attrs if k.startswith("nanotwin"))
['nanotwin_kind', 'nanotwin_version']
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "make_result",
    "stable_hash",
    "data_versions",
    "to_tidy",
    "export_result",
]


def stable_hash(obj: Any) -> str:
    """A short, stable SHA-256 hash of a JSON-able object (or a pydantic model).

    Examples
    --------
    >>> stable_hash({"a": 1}) == stable_hash({"a": 1})
    True
    """
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(mode="json")

    def default(o: Any) -> Any:
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        return str(o)

    text = json.dumps(obj, sort_keys=True, default=default)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def data_versions() -> dict[str, str]:
    """Versions of the reference data sets nanotwin uses (read from the installed packages)."""
    return dict(_data_versions())


@lru_cache(maxsize=1)
def _data_versions() -> tuple[tuple[str, str], ...]:  # package metadata: read once per process
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg, label in [
        ("radioactivedecay", "radioactivedecay (ICRP-107 decay data)"),
        ("icrp107-database", "icrp107-database (ICRP-107 emission spectra)"),
    ]:
        try:
            out[label] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover - installed as a dependency
            out[label] = "not installed"
    out["physiology"] = "Brown et al. 1997 (ILSI-RSI 1994) volumes; Davies & Morris 1993 flows"
    return tuple(out.items())


def make_result(
    data_vars: Mapping[str, tuple],
    coords: Mapping[str, Any] | None = None,
    *,
    kind: str,
    design: Any = None,
    parameters: Any = None,
    attrs: Mapping[str, Any] | None = None,
) -> Any:
    """Build a nanotwin result Dataset with units and provenance.

    Parameters
    ----------
    data_vars
        ``name -> (dims, values, unit)`` or ``name -> (dims, values, unit, description)``.
    coords
        ``name -> values`` or ``name -> (dim, values, unit)``.
    kind
        What the result is (``"biodistribution"``, ``"dosimetry"``, ``"population"`` …).
    design
        The design (pydantic model or mapping) the result came from; its hash goes into attrs.
    parameters
        Model parameters (mapping or object with ``model_dump``); their hash goes into attrs.
    attrs
        Further dataset attributes.

    Returns
    -------
    xarray.Dataset
    """
    import xarray as xr

    from nanotwin import __version__

    dv = {}
    for name, spec in data_vars.items():
        dims, values, unit, *rest = spec
        var_attrs = {"units": unit}
        if rest:
            var_attrs["long_name"] = rest[0]
        dv[name] = xr.Variable(dims, np.asarray(values), attrs=var_attrs)
    cc = {}
    for name, spec in (coords or {}).items():
        if isinstance(spec, tuple) and len(spec) == 3:
            dim, values, unit = spec
            cc[name] = xr.Variable(dim, np.asarray(values), attrs={"units": unit})
        else:
            cc[name] = spec
    ds = xr.Dataset(dv, coords=cc)
    ds.attrs["nanotwin_version"] = __version__
    ds.attrs["nanotwin_kind"] = kind
    if design is not None:
        ds.attrs["design_hash"] = stable_hash(design)
        name = getattr(design, "name", None)
        if name:
            ds.attrs["design_name"] = str(name)
    if parameters is not None:
        ds.attrs["parameter_hash"] = stable_hash(parameters)
    for k, v in data_versions().items():
        ds.attrs[f"data_version: {k}"] = v
    for k, v in (attrs or {}).items():
        ds.attrs[k] = v if isinstance(v, str | int | float) else json.dumps(v, default=str)
    return ds


def to_tidy(ds: Any, variables: list[str] | None = None) -> Any:
    """Tidy (long) pandas DataFrame of a result: one row per coordinate combination.

    Columns are the dimension names (``time`` becomes ``time_h`` when its unit is hours) and one
    column per data variable.
    """
    names = variables or [n for n in ds.data_vars]
    df = ds[names].to_dataframe().reset_index()
    ren = {}
    for dim in ds.dims:
        unit = ds[dim].attrs.get("units") if dim in ds.coords else None
        if unit:
            ren[dim] = f"{dim}_{unit}"
    return df.rename(columns=ren)


def export_result(ds: Any, path: str | Path, fmt: str | None = None) -> Path:
    """Write a result to CSV (tidy), Parquet (tidy) or NetCDF, chosen by ``fmt`` or suffix.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> ds = make_result({"x": (("time",), np.arange(3.0), "h")},
    ...                  coords={"time": ("time", [0.0, 1.0, 2.0], "h")}, kind="example")
    >>> p = export_result(ds, Path(tempfile.mkdtemp()) / "r.csv")
    >>> p.read_text().splitlines()[0]
    'time_h,x'
    """
    from nanotwin.errors import DesignError

    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        to_tidy(ds).to_csv(path, index=False)
    elif fmt in ("parquet", "pq"):
        to_tidy(ds).to_parquet(path, index=False)
    elif fmt in ("nc", "netcdf", "nc4"):
        ds.to_netcdf(path, engine="h5netcdf")
    else:
        raise DesignError(
            f"export: unknown format {fmt!r} for {path.name}; use .csv, .parquet or .nc")
    return path
