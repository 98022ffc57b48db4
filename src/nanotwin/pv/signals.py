"""Drug-event counts from FAERS reports, the signal table and its plot.

Counting unit: the deduplicated *report*. For every normalised drug (suspect roles only by
default) and MedDRA preferred term, ``n11`` is the number of reports naming both; ``n_drug`` and
``n_event`` are the reports naming the drug or the term, and ``N`` the reports with at least one
counted drug and one term. ``E = n_drug · n_event / N`` is the count expected under independence,
shared by the IC and MGPS.

Examples
--------
>>> import tempfile, pathlib
>>> from nanotwin.pv.synthetic import write_quarter
>>> from nanotwin.pv.faers import read_faers
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = write_quarter(d, n_reports=3000, seed=3)
>>> counts = drug_event_counts(read_faers(d))
>>> sorted(counts.columns)
['N', 'drug', 'n11', 'n_drug', 'n_event', 'pt']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nanotwin._paths import package_data
from nanotwin.errors import DataError, DesignError

__all__ = ["Thresholds", "load_thresholds", "drug_event_counts", "signal_table",
           "plot_signals"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _PRR(_Frozen):
    min: float = 2.0
    chi_square: float = 4.0


class _ROR(_Frozen):
    lower_above: float = 1.0


class _IC(_Frozen):
    lower_above: float = 0.0


class _EBGM(_Frozen):
    eb05_min: float = 2.0


class Thresholds(_Frozen):
    """Signal criteria (defaults and sources: ``nanotwin/data/pv/thresholds.yaml``).

    Examples
    --------
    >>> Thresholds().prr.min, Thresholds().ebgm.eb05_min
    (2.0, 2.0)
    """

    min_count: int = Field(3, ge=1)
    level: float = Field(0.95, gt=0.0, lt=1.0)
    ic_method: str = Field("noren2013", pattern="^(noren2013|bate1998)$")
    prr: _PRR = _PRR()
    ror: _ROR = _ROR()
    ic: _IC = _IC()
    ebgm: _EBGM = _EBGM()
    methods_required: int = Field(1, ge=1, le=4)


def load_thresholds(path: str | os.PathLike[str] | None = None) -> Thresholds:
    """The default thresholds, updated by a YAML file's keys.

    Raises
    ------
    DesignError
        A key or value the file may not have, in one line.

    Examples
    --------
    >>> load_thresholds().min_count
    3
    """
    import yaml

    base = yaml.safe_load(package_data("pv", "thresholds.yaml").read_text(encoding="utf-8"))
    if path is not None:
        try:
            user = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise DesignError(f"thresholds: {path} not found; check the path",
                              "thresholds") from None
        except yaml.YAMLError as exc:
            raise DesignError(f"thresholds: {path} is not valid YAML ({exc.__class__.__name__});"
                              " fix the file", "thresholds") from None
        if not isinstance(user, dict):
            raise DesignError(f"thresholds: {path} must hold a mapping such as 'prr: {{min: 2}}'",
                              "thresholds")
        for k, v in user.items():
            if isinstance(v, dict) and isinstance(base.get(k), dict):
                base[k] = {**base[k], **v}
            else:
                base[k] = v
    try:
        return Thresholds(**base)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise DesignError(f"thresholds.{loc}: {err['msg']}", f"thresholds.{loc}") from None


def drug_event_counts(data: Any, *, roles: Sequence[str] | None = ("PS", "SS")) -> Any:
    """Counts of every drug-event pair and the margins (a Polars frame).

    Parameters
    ----------
    data
        :class:`nanotwin.pv.faers.FaersData` (from :func:`nanotwin.pv.read_faers`).
    roles
        Drug roles counted (``None``: all roles, concomitant drugs included).

    Returns
    -------
    polars.DataFrame
        ``drug``, ``pt``, ``n11``, ``n_drug``, ``n_event``, ``N``.
    """
    import polars as pl

    drug = data.drug
    if roles is not None:
        drug = drug.filter(pl.col("role_cod").is_in([r.upper() for r in roles]))
    drug = drug.filter(pl.col("drug") != "").select("primaryid", "drug").unique()
    reac = data.reac.select("primaryid", "pt").unique()
    both = drug.select("primaryid").unique().join(reac.select("primaryid").unique(),
                                                  on="primaryid", how="inner")
    N = both.height
    if N == 0:
        raise DataError("FAERS: no report names both a counted drug and a reaction; check the "
                        "files or the roles")
    drug = drug.join(both, on="primaryid", how="semi")
    reac = reac.join(both, on="primaryid", how="semi")
    n_drug = drug.group_by("drug").agg(pl.len().alias("n_drug"))
    n_event = reac.group_by("pt").agg(pl.len().alias("n_event"))
    pairs = drug.join(reac, on="primaryid").group_by(["drug", "pt"]).agg(pl.len().alias("n11"))
    out = (pairs.join(n_drug, on="drug").join(n_event, on="pt")
           .with_columns(pl.lit(N, dtype=pl.Int64).alias("N"))
           .select("drug", "pt", "n11", "n_drug", "n_event", "N")
           .sort(["drug", "pt"]))
    return out.with_columns(pl.col(c).cast(pl.Int64) for c in ("n11", "n_drug", "n_event"))


def signal_table(counts: Any, *, thresholds: Thresholds | None = None, prior: Any = None,
                 drugs: Sequence[str] | None = None) -> tuple[Any, Any]:
    """Every measure and signal flag for each drug-event pair.

    The MGPS prior is fitted on **all** pairs of ``counts`` (unless ``prior`` is given); the
    table is then restricted to ``drugs`` (normalised names) if given.

    Parameters
    ----------
    counts
        Output of :func:`drug_event_counts` (Polars or pandas frame with the same columns).
    thresholds
        Signal criteria (default :func:`load_thresholds`).
    prior
        A :class:`nanotwin.pv.mgps.GPSPrior` to use instead of fitting one.
    drugs
        Keep only these drugs in the returned table.

    Returns
    -------
    (pandas.DataFrame, GPSPrior)
        Columns: the counts, ``E``, ``ror``/``ror_lower``/``ror_upper``, ``prr``/``prr_lower``/
        ``prr_upper``, ``chi_square``, ``ic``/``ic_lower``/``ic_upper``, ``ebgm``/``eb05``/
        ``eb95``, flags ``signal_ror``, ``signal_prr``, ``signal_ic``, ``signal_ebgm``,
        ``n_methods`` and ``signal``; sorted by ``eb05`` (highest first).
    """
    import pandas as pd

    from nanotwin.pv import disproportionality as dp
    from nanotwin.pv.mgps import eb_quantile, ebgm, fit_gps_prior

    th = thresholds or load_thresholds()
    df = counts.to_pandas() if hasattr(counts, "to_pandas") else pd.DataFrame(counts)
    need = {"drug", "pt", "n11", "n_drug", "n_event", "N"}
    if not need <= set(df.columns):
        raise DataError(f"counts: missing column(s) {', '.join(sorted(need - set(df.columns)))};"
                        " pass the output of drug_event_counts")
    a, b, c, d = dp.table_2x2(df["n11"].to_numpy(), df["n_drug"].to_numpy(),
                              df["n_event"].to_numpy(), df["N"].to_numpy())
    E = df["n_drug"].to_numpy(float) * df["n_event"].to_numpy(float) / df["N"].to_numpy(float)
    if prior is None:
        prior = fit_gps_prior(a, E, N_star=1)
    if drugs is not None:
        wanted = set(drugs)
        sel = df["drug"].isin(wanted).to_numpy()
        if not sel.any():
            raise DesignError(f"drugs: none of {', '.join(sorted(wanted))} is in the reports; "
                              "use names as normalised (e.g. 'Doxil')", "drugs")
        df, a, b, c, d, E = df[sel].copy(), a[sel], b[sel], c[sel], d[sel], E[sel]
    out = df.reset_index(drop=True).copy()
    out["E"] = E
    for res in (dp.ror(a, b, c, d, level=th.level), dp.prr(a, b, c, d, level=th.level),
                dp.information_component(a, b, c, d, method=th.ic_method, level=th.level)):
        for k, v in res.items():
            out[k] = v
    out["chi_square"] = dp.chi_square(a, b, c, d)
    out["ebgm"] = ebgm(a, E, prior)
    out["eb05"] = eb_quantile(a, E, prior, 0.05)
    out["eb95"] = eb_quantile(a, E, prior, 0.95)
    enough = a >= th.min_count
    out["signal_ror"] = enough & (out["ror_lower"].to_numpy() > th.ror.lower_above)
    out["signal_prr"] = (enough & (out["prr"].to_numpy() >= th.prr.min)
                         & (out["chi_square"].to_numpy() >= th.prr.chi_square))
    out["signal_ic"] = enough & (out["ic_lower"].to_numpy() > th.ic.lower_above)
    out["signal_ebgm"] = enough & (out["eb05"].to_numpy() >= th.ebgm.eb05_min)
    flags = ["signal_ror", "signal_prr", "signal_ic", "signal_ebgm"]
    out["n_methods"] = out[flags].sum(axis=1).astype(int)
    out["signal"] = out["n_methods"] >= th.methods_required
    out = out.sort_values(["eb05", "n11"], ascending=False, kind="stable").reset_index(drop=True)
    return out, prior


def plot_signals(table: Any, path: str | os.PathLike[str], *, drug: str | None = None,
                 top: int = 20) -> None:
    """Forest plot of the top pairs: ROR with its CI and EBGM with EB05-EB95 (log scale).

    Parameters
    ----------
    table
        Output of :func:`signal_table`.
    path
        PNG (or any matplotlib format) to write.
    drug
        Plot only this drug's pairs.
    top
        Number of pairs (highest EB05 first).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = table if drug is None else table[table["drug"] == drug]
    t = t.head(top).iloc[::-1]
    if t.empty:
        raise DesignError(f"plot: no pairs to plot{' for ' + drug if drug else ''}", "drug")
    y = np.arange(len(t))
    labels = [f"{r.drug} – {r.pt} (n={int(r.n11)})" for r in t.itertuples()]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(t) + 1.5))
    ax.errorbar(t["ror"], y + 0.15, xerr=[t["ror"] - t["ror_lower"], t["ror_upper"] - t["ror"]],
                fmt="o", color="tab:blue", label="ROR (95 % CI)")
    # with a two-component posterior the geometric mean can lie outside EB05-EB95 (a small
    # weight on a far component moves E[ln λ] more than the 5 %/95 % quantiles): clip the bars
    ax.errorbar(t["ebgm"], y - 0.15, xerr=[(t["ebgm"] - t["eb05"]).clip(lower=0),
                                           (t["eb95"] - t["ebgm"]).clip(lower=0)],
                fmt="s", color="tab:red", label="EBGM (EB05–EB95)")
    ax.axvline(1.0, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("reporting ratio")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
