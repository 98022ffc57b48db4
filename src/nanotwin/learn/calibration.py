"""Calibration: fit chosen PBPK parameters of a design to a user's measured biodistribution.

``fit(design, "measured.csv")`` estimates a few PBPK parameters (by their names in
:func:`nanotwin.pbpk.parameter_names`) from measured %ID/g or %ID per organ and time, in two ways:

1. **Weighted least squares on the log scale** (maximum likelihood for log-normal errors): the
   residual of an observation is ``(ln y_obs - ln y_pred) / sigma_log``, with
   ``sigma_log = sqrt(ln(1 + CV^2))`` the log-normal SD for the measured coefficient of variation
   ``CV = SD / mean`` (divided by ``sqrt(n)`` when the number of animals is given, i.e. the
   standard error of the mean), or ``DEFAULT_CV`` when no SD is given. Parameters are fitted on
   the log scale within bounds, from several starts (the prior centre and draws from the prior)
   with :func:`scipy.optimize.least_squares`; the best start wins. Standard errors come from the
   Jacobian (``cov = (J^T J)^-1`` in log-parameter space), AIC from the Gaussian log-likelihood
   on the log scale.
2. **Bayesian inference** with emcee (Foreman-Mackey et al., PASP 2013;125:306; affine-invariant
   ensemble sampler, Goodman & Weare 2010) and log-normal priors centred on the design's built
   value (:func:`default_prior`, the width of each family and its source are in ``PRIOR_SIGMA``).
   Reported: acceptance fraction, integrated autocorrelation time, split R-hat over walkers
   (Gelman & Rubin, Stat Sci 1992;7:457; approximate here because ensemble walkers are not
   independent chains) and the posterior correlation matrix.

Identifiability: a profile likelihood per parameter (Raue et al., Bioinformatics 2009;25:1923):
the parameter is fixed at a few points across its bounds and the others are re-optimised; when
the rise of chi-square stays below 3.84 (chi-square, 1 d.o.f., 95 %) up to a bound, the 95 %
profile interval is open on that side and the parameter is flagged *practically
non-identifiable*.

Predictive bands: the model is run for posterior draws (or, without MCMC, draws from the Laplace
approximation ``N(theta_hat, cov)`` in log space) on every organ and on a time grid; the 5/50/95 %
quantiles of %ID/g (and %ID) are returned as an xarray Dataset. The bands show parameter
uncertainty only (not the animal-to-animal scatter of new measurements).

All model runs go through the batched solver :func:`nanotwin.population.batch_simulate`, so one
call evaluates all emcee walkers, all finite-difference columns of the Jacobian or all band
draws. For a radiolabelled design the measured values are compared with the decay-corrected
activity (how %ID/g of radiotracer studies is reported); otherwise with the particles (override
with ``signal``).

Examples
--------
>>> data = read_measured([{"organ": "blood", "time": 1.0, "value": 20.0, "unit": "%ID/g"},
...                       {"organ": "Liver", "time": 24.0, "value": 12.0, "unit": "%ID/g"}])
>>> data.organ, default_parameters(data.organ)
(('blood', 'liver'), ('K_max_liver', 'N_cap_liver'))
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nanotwin.errors import DataError, DesignError
from nanotwin.organs import canonical_organ

__all__ = ["fit", "calibrate", "read_measured", "Measured", "Prior", "default_prior",
           "default_parameters", "FitResult", "plot_fit", "DEFAULT_CV", "PRIOR_SIGMA"]

#: Default coefficient of variation of a measured %ID/g when no SD is given. Stated choice: the
#: SDs of the tumour uptakes in examples/reported_uptake.csv (Perez-Medina et al. J Nucl Med
#: 2015;56:1272; Fan et al. J Nucl Med 2018;59:1134) are 15-55 % of the mean; 30 % lies inside.
DEFAULT_CV = 0.3

#: Chi-square quantile (1 d.o.f., 95 %) for profile-likelihood intervals (Raue et al. 2009).
DELTA_CHI2_95 = 3.841458820694124

_LN10 = math.log(10.0)

#: Log-normal prior widths (SD of ln theta) per parameter family, with their justification.
#: Each prior is centred on the design's built value (nanotwin.pbpk.build_parameters); bounds
#: are the centre x exp(+-3 sigma).
PRIOR_SIGMA: dict[str, tuple[float, str]] = {
    # ln-SD of the tumour permeability coefficient PT fitted per data set in the Nano-Tumor G1
    # model data set (378 data sets; Chou et al., J Control Release 2023;361:53): 1.35.
    "PS_tumor": (1.35, "ln-SD of fitted tumour permeability PT over 378 data sets "
                       "(Chou et al. J Control Release 2023;361:53)"),
    # ln-SD of the fitted tumour phagocytic uptake KTRESmax in the same data set: 1.56.
    "K_max_tumor": (1.56, "ln-SD of fitted tumour uptake KTRESmax over 378 data sets "
                          "(Chou et al. 2023)"),
    # ln-SD of the fitted tumour release KTRESrelease in the same data set: 2.59.
    "K_release_tumor": (2.59, "ln-SD of fitted KTRESrelease over 378 data sets (Chou et al. "
                              "2023)"),
    # MPS uptake: the recognition factor R is semi-empirical; its ingredients (PEG: 5-50-fold
    # lower macrophage uptake, Walkey et al. J Am Chem Soc 2012;134:2139; charge: Arvizo et al.
    # PLoS One 2011) are uncertain to about one decade -> sigma = ln 10.
    "K_max_": (_LN10, "one decade: uncertainty of the semi-empirical MPS recognition factor "
                      "(Walkey et al. JACS 2012;134:2139)"),
    "K_release_": (_LN10, "one decade: phagocyte release rates are defaults of Chou et al. "
                          "2023, not measured per particle"),
    # MPS capacity: macrophage densities are approximations (5-20 % of cells, a factor 4) and the
    # saturation threshold of ~1e12 particles (Ouyang et al. Nat Mater 2020;19:1362) is an
    # order-of-magnitude figure -> one decade.
    "N_cap_": (_LN10, "one decade: order-of-magnitude MPS saturation threshold (Ouyang et al. "
                      "Nat Mater 2020;19:1362)"),
    "N_bind_cap": (_LN10, "one decade: receptor density 1e4-1e6 per cell (Thurber et al. "
                          "Trends Pharmacol Sci 2008;29:57)"),
    # Pore-theory PS of normal organs: pore radii and areas vary between beds by ~10x (Levick &
    # Smaje, Microvasc Res 1987;33:233).
    "PS_": (_LN10, "one decade: capillary permeability range between beds (Levick & Smaje "
                   "Microvasc Res 1987;33:233)"),
    "CL_": (_LN10, "one decade: excretion clearances are defaults (Chou et al. 2023) or a steep "
                   "sieving curve (Choi et al. Nat Biotechnol 2007;25:1165)"),
    "L_": (_LN10, "one decade: lymph flow as 0.2 % of plasma flow is an approximation (Shah & "
                  "Betts J Pharmacokinet Pharmacodyn 2012;39:67)"),
    "k_on_tumor": (_LN10, "one decade: k_on 1e5-1e6 /M/s (Thurber et al. 2008)"),
    "k_off_tumor": (_LN10, "one decade: avidity model of Mammen et al. Angew Chem 1998 is "
                           "approximate"),
    "k_int_tumor": (_LN10, "one decade: internalisation 1e-5-1e-4 /s (Thurber et al. 2008)"),
    "k_det": (_LN10, "one decade: in-vivo label detachment is rarely measured"),
    # Physiology: inter-individual CV of organ weights and flows ~30 % (Brown et al., Toxicol
    # Ind Health 1997;13:407 tables give ranges of this size) -> sigma = sqrt(ln(1 + 0.3^2)).
    "Q_": (0.294, "CV 30 %: inter-individual spread of organ flows (Brown et al. 1997)"),
    "V_": (0.294, "CV 30 %: inter-individual spread of organ volumes (Brown et al. 1997)"),
    "CO": (0.294, "CV 30 %: inter-individual spread of cardiac output (Brown et al. 1997)"),
}

_UNIT_ALIASES = {
    "%id/g": "pct_id_per_g", "%id/ml": "pct_id_per_g", "%id/cc": "pct_id_per_g",
    "%ia/g": "pct_id_per_g", "id%/g": "pct_id_per_g", "pct_id_per_g": "pct_id_per_g",
    "percent_id_per_g": "pct_id_per_g", "%id": "pct_id", "%ia": "pct_id", "id%": "pct_id",
    "pct_id": "pct_id", "percent_id": "pct_id",
}


#: Tolerances of the batched solver during fitting (tighter than its default 1e-6 so that the
#: central finite differences of the Jacobian, step 0.01 in ln theta, are not solver noise).
_RTOL, _ATOL = 1e-7, 1e-10


def _organs() -> tuple[str, ...]:
    from nanotwin.population.batch import OUTPUT_ORGANS

    return tuple(OUTPUT_ORGANS)


# ------------------------------------------------------------------------------------------
# measured data
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """Measured biodistribution, one entry per observation.

    Attributes
    ----------
    organ, time_h, value, quantity
        Organ (PBPK name), time (h), value and what it is (``"pct_id_per_g"`` or ``"pct_id"``).
    sigma_log
        Standard deviation of ``ln value`` used to weight the residual.
    sd_given
        Whether ``sigma_log`` came from a measured SD (else ``DEFAULT_CV``).
    row
        Line number in the file (1 = header) or index in the given records.
    """

    organ: tuple[str, ...]
    time_h: np.ndarray
    value: np.ndarray
    quantity: tuple[str, ...]
    sigma_log: np.ndarray
    sd_given: np.ndarray
    row: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.organ)

    def subset(self, keep: Sequence[int] | np.ndarray) -> Measured:
        """The observations at positions ``keep``."""
        k = np.asarray(keep, dtype=int)
        return Measured(tuple(self.organ[i] for i in k), self.time_h[k], self.value[k],
                        tuple(self.quantity[i] for i in k), self.sigma_log[k],
                        self.sd_given[k], tuple(self.row[i] for i in k))


def _norm_col(c: str) -> str:
    return re.sub(r"[^a-z0-9%/]+", "_", str(c).strip().lower()).strip("_")


def _unit_of(text: Any, where: str) -> str:
    t = re.sub(r"\s+", "", str(text).strip().lower()).replace("percent", "%")
    if t in _UNIT_ALIASES:
        return _UNIT_ALIASES[t]
    raise DataError(f"{where}: unknown unit {text!r}; use %ID/g or %ID (decay-corrected %IA/g "
                    "is read as %ID/g)", where)


_TIME_FACTORS = {"h": 1.0, "hr": 1.0, "hrs": 1.0, "hours": 1.0, "hour": 1.0, "min": 1 / 60.0,
                 "minutes": 1 / 60.0, "d": 24.0, "day": 24.0, "days": 24.0, "s": 1 / 3600.0}


def read_measured(source: Any, *, default_cv: float = DEFAULT_CV) -> Measured:
    """Read measured biodistribution from a CSV file, a DataFrame or a list of records.

    Columns (case-insensitive): ``organ``; ``time`` (h) or ``time_h`` / ``time_min`` /
    ``time_d``; ``value`` with a ``unit`` column (``%ID/g`` or ``%ID``; ``%ID/mL`` and ``%IA/g``
    are read as %ID/g) or a value column named ``value_pct_id_per_g`` / ``value_pct_id``;
    optional ``sd`` (same unit as value), ``sem`` (with ``n``) and ``n`` (animals).

    Parameters
    ----------
    source
        Path of a CSV file, a pandas DataFrame, or a sequence of mappings.
    default_cv
        Coefficient of variation assumed where no SD is given.

    Returns
    -------
    Measured

    Raises
    ------
    DataError
        One line naming the row/column at fault and how to fix it.

    Examples
    --------
    >>> m = read_measured([{"organ": "Tumour", "time_h": 24, "value_pct_id_per_g": 5.0,
    ...                     "sd": 1.0}])
    >>> m.organ, m.quantity, round(float(m.sigma_log[0]), 4)
    (('tumor',), ('pct_id_per_g',), 0.198)
    """
    import pandas as pd

    name = "measured"
    if isinstance(source, str | Path):
        path = Path(source)
        name = path.name
        if not path.is_file():
            raise DataError(f"{name}: file not found; check the path of the measured CSV", name)
        try:
            df = pd.read_csv(path, comment="#", skipinitialspace=True)
        except Exception as exc:  # pandas raises several parser errors
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DataError(f"{name}: cannot be read as CSV ({msg}); save it as comma-"
                            "separated text with a header row", name) from None
    elif isinstance(source, pd.DataFrame):
        df = source.copy()
    elif isinstance(source, Sequence) and all(isinstance(r, Mapping) for r in source):
        df = pd.DataFrame(list(source))
    else:
        raise DataError(f"measured: expected a CSV path, a DataFrame or a list of records, got "
                        f"{type(source).__name__}", name)
    if not (0.0 < float(default_cv) < 10.0):
        raise DesignError(f"default_cv: {default_cv!r} must be in (0, 10); give e.g. 0.3",
                          "default_cv")
    df.columns = [_norm_col(c) for c in df.columns]
    if df.shape[0] == 0:
        raise DataError(f"{name}: has no data rows; give one row per organ and time", name)
    cols = set(df.columns)
    # --- organ
    organ_col = next((c for c in ("organ", "tissue") if c in cols), None)
    if organ_col is None:
        raise DataError(f"{name}: no 'organ' column (columns: {', '.join(df.columns)}); add "
                        "one with blood, liver, spleen, tumor, ...", name)
    # --- time
    time_col, t_factor = None, 1.0
    for c in df.columns:
        m = re.fullmatch(r"time(?:_(\w+))?", c)
        if m:
            unit = m.group(1) or "h"
            if unit not in _TIME_FACTORS:
                raise DataError(f"{name}: column {c!r} has unknown time unit {unit!r}; name it "
                                "time_h, time_min or time_d", name)
            time_col, t_factor = c, _TIME_FACTORS[unit]
            break
    if time_col is None:
        raise DataError(f"{name}: no time column (columns: {', '.join(df.columns)}); add 'time' "
                        "or 'time_h' in hours", name)
    # --- value and unit
    value_col, col_unit = None, None
    for c in df.columns:
        m = re.fullmatch(r"value(?:_(pct_id_per_g|pct_id))?|(pct_id_per_g|pct_id)", c)
        if m:
            value_col = c
            col_unit = m.group(1) or m.group(2)
            break
    if value_col is None:
        raise DataError(f"{name}: no value column (columns: {', '.join(df.columns)}); add "
                        "'value' with a 'unit' column, or 'value_pct_id_per_g'", name)
    unit_col = next((c for c in ("unit", "units") if c in cols), None)
    if col_unit is None and unit_col is None:
        raise DataError(f"{name}: the unit of {value_col!r} is unknown; add a 'unit' column "
                        "(%ID/g or %ID) or name the column value_pct_id_per_g / value_pct_id",
                        name)
    sd_col = next((c for c in ("sd", "std", "stdev") if c in cols), None)
    sem_col = "sem" if "sem" in cols else None
    n_col = "n" if "n" in cols else None
    if sem_col and not n_col and not sd_col:
        raise DataError(f"{name}: a 'sem' column needs an 'n' column (animals) to give the SD; "
                        "add n or give 'sd'", name)
    known = set(_organs())
    organs, times, values, quants, sig, given, rows = [], [], [], [], [], [], []

    def num(x: Any, col: str, line: int, *, allow_nan: bool = False) -> float:
        try:
            v = float(x)
        except (TypeError, ValueError):
            raise DataError(f"{name}: row {line}, column {col!r}: {x!r} is not a number; write "
                            "a plain number", col) from None
        if math.isnan(v) and not allow_nan:
            raise DataError(f"{name}: row {line}, column {col!r} is empty; fill it or delete "
                            "the row", col)
        if math.isinf(v):
            raise DataError(f"{name}: row {line}, column {col!r} is infinite; give a finite "
                            "number", col)
        return v

    for i, rec in enumerate(df.to_dict("records")):
        line = i + 2  # header is line 1
        raw = rec[organ_col]
        if not isinstance(raw, str) or not raw.strip():
            raise DataError(f"{name}: row {line}, column {organ_col!r} is empty; give an organ "
                            "such as liver", organ_col)
        o = canonical_organ(raw)
        if o not in known:
            import difflib

            near = difflib.get_close_matches(o, sorted(known), n=3, cutoff=0.6)
            hint = f"did you mean {', '.join(near)}?" if near else \
                f"use one of {', '.join(sorted(known))}"
            raise DataError(f"{name}: row {line}, organ {raw!r} is not a PBPK organ; {hint}",
                            organ_col)
        t = num(rec[time_col], time_col, line) * t_factor
        if t < 0:
            raise DataError(f"{name}: row {line}, time {rec[time_col]!r} is negative; give "
                            "hours after injection (>= 0)", time_col)
        y = num(rec[value_col], value_col, line)
        if y <= 0:
            raise DataError(f"{name}: row {line}, value {rec[value_col]!r} must be > 0 for a "
                            "log-scale fit; remove the row or give the detection limit",
                            value_col)
        q = col_unit
        if unit_col is not None:
            u = rec[unit_col]
            if isinstance(u, str) and u.strip():
                q_row = _unit_of(u, f"{name}: row {line}, column {unit_col!r}")
                if col_unit is not None and q_row != col_unit:
                    raise DataError(f"{name}: row {line}: unit {u!r} contradicts the column "
                                    f"name {value_col!r}; make them agree", unit_col)
                q = q_row
            elif q is None:
                raise DataError(f"{name}: row {line}, column {unit_col!r} is empty; write %ID/g "
                                "or %ID", unit_col)
        n_an = num(rec[n_col], n_col, line, allow_nan=True) if n_col else math.nan
        if not math.isnan(n_an) and n_an < 1:
            raise DataError(f"{name}: row {line}, n = {n_an:g} animals; give n >= 1 or leave "
                            "it empty", n_col)
        sd = num(rec[sd_col], sd_col, line, allow_nan=True) if sd_col else math.nan
        if math.isnan(sd) and sem_col:
            sem = num(rec[sem_col], sem_col, line, allow_nan=True)
            if not math.isnan(sem):
                if math.isnan(n_an):
                    raise DataError(f"{name}: row {line}: 'sem' needs 'n'; fill n or give sd",
                                    sem_col)
                sd = sem * math.sqrt(n_an)
        if not math.isnan(sd) and sd < 0:
            raise DataError(f"{name}: row {line}, sd {sd:g} is negative; give the standard "
                            "deviation (>= 0)", sd_col)
        has_sd = not math.isnan(sd) and sd > 0
        cv = sd / y if has_sd else float(default_cv)
        s = math.sqrt(math.log1p(cv * cv))
        if not math.isnan(n_an):
            s /= math.sqrt(n_an)  # standard error of the mean of n animals
        organs.append(o)
        times.append(t)
        values.append(y)
        quants.append(q)
        sig.append(s)
        given.append(has_sd)
        rows.append(line)
    return Measured(tuple(organs), np.asarray(times), np.asarray(values), tuple(quants),
                    np.asarray(sig), np.asarray(given, dtype=bool), tuple(rows))


# ------------------------------------------------------------------------------------------
# priors and the default parameter set
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prior:
    """Log-normal prior of one parameter: ``ln theta ~ N(ln centre, sigma_ln^2)``.

    Bounds of the fit are ``centre * exp(+-3 sigma_ln)``.

    Examples
    --------
    >>> p = Prior("PS_tumor", 0.002, 1.35, "example")
    >>> round(p.upper / p.centre, 1)
    57.4
    """

    name: str
    centre: float
    sigma_ln: float
    source: str

    @property
    def lower(self) -> float:
        return self.centre * math.exp(-3.0 * self.sigma_ln)

    @property
    def upper(self) -> float:
        return self.centre * math.exp(3.0 * self.sigma_ln)


def default_prior(name: str, centre: float) -> Prior:
    """The default prior of parameter ``name`` centred on ``centre`` (the design's value).

    Raises
    ------
    DesignError
        If the parameter cannot be fitted on the log scale (no prior family, or zero value).

    Examples
    --------
    >>> default_prior("K_max_liver", 0.2).sigma_ln == math.log(10.0)
    True
    """
    from nanotwin.pbpk import parameter_names

    if name not in parameter_names():
        import difflib

        near = difflib.get_close_matches(name, parameter_names(), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(near)}?" if near else \
            "see nanotwin.pbpk.parameter_names()"
        raise DesignError(f"params: unknown PBPK parameter {name!r}; {hint}", "params")
    spec = PRIOR_SIGMA.get(name)
    if spec is None:
        for key in sorted(PRIOR_SIGMA, key=len, reverse=True):
            if key.endswith("_") and name.startswith(key):
                spec = PRIOR_SIGMA[key]
                break
    if spec is None:
        raise DesignError(f"params: {name!r} is not a calibration parameter (a fixed physical "
                          "or dose quantity); fit rates, capacities, PS, clearances, flows or "
                          "volumes instead", "params")
    if not (centre > 0 and math.isfinite(centre)):
        raise DesignError(f"params: {name!r} is {centre!r} for this design, and a log-scale fit "
                          "needs a positive value; drop it from params", "params")
    return Prior(name, float(centre), float(spec[0]), spec[1])


def default_parameters(organs: Sequence[str], has_tumor: bool = True) -> tuple[str, ...]:
    """Default parameters to fit for data on ``organs``.

    Blood clearance by the liver MPS (``K_max_liver``) always; the spleen's MPS uptake when the
    spleen is measured; the tumour's transcapillary exchange and macrophage uptake
    (``PS_tumor``, ``K_max_tumor``) when the tumour is measured; the liver capacity
    ``N_cap_liver`` when the liver is measured (dose-dependent saturation).

    Examples
    --------
    >>> default_parameters(["blood", "tumor"])
    ('K_max_liver', 'PS_tumor', 'K_max_tumor')
    """
    s = set(organs)
    out = ["K_max_liver"]
    if "liver" in s:
        out.append("N_cap_liver")
    if "spleen" in s:
        out.append("K_max_spleen")
    if "tumor" in s and has_tumor:
        out += ["PS_tumor", "K_max_tumor"]
    return tuple(out)


# ------------------------------------------------------------------------------------------
# the model as a function of log-parameters
# ------------------------------------------------------------------------------------------


class _Model:
    """Batched predictions of the measured observations for many log-parameter vectors."""

    def __init__(self, p0: Any, names: Sequence[str], data: Measured, signal: str) -> None:
        self.p0 = p0
        self.names = tuple(names)
        self.signal = signal
        self.data = data
        organs = _organs()
        self.t_obs = np.unique(data.time_h)
        if self.t_obs[-1] <= 0:
            self.t_sim = np.array([1e-3])  # batch solver needs a last time > 0
        else:
            self.t_sim = self.t_obs
        self.i_org = np.array([organs.index(o) for o in data.organ])
        self.i_t = np.searchsorted(self.t_sim, data.time_h)
        self.per_g = np.array([q == "pct_id_per_g" for q in data.quantity])
        self.ln_obs = np.log(data.value)
        self.n_eval = 0

    def _params(self, X: np.ndarray) -> Any:
        from nanotwin.pbpk import stack_parameters

        base = self.p0
        sets = [base.replace(**{n: float(math.exp(x)) for n, x in zip(self.names, row,
                                                                       strict=True)})
                for row in X]
        return stack_parameters(sets)

    def _run(self, X: np.ndarray, times: np.ndarray, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Particle or decay-corrected activity %ID (m, organ, time) and organ masses (m, organ)
        from the batched solver; subjects whose solve fails are NaN."""
        from nanotwin.population import batch_simulate

        try:
            ds = batch_simulate(self._params(X), times, outputs=(key,), rtol=_RTOL, atol=_ATOL)
        except DesignError:  # some subject did not finish: solve one by one, NaN for failures
            if X.shape[0] == 1:
                return (np.full((1, len(_organs()), len(times)), np.nan),
                        np.full((1, len(_organs())), np.nan))
            parts = [self._run(X[i:i + 1], times, key) for i in range(X.shape[0])]
            return (np.concatenate([a for a, _ in parts]),
                    np.concatenate([b for _, b in parts]))
        return (np.asarray(ds[key].values, dtype=float),
                np.asarray(ds["organ_mass_g"].values, dtype=float))

    def simulate(self, X: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """%ID and %ID/g, shape (m, organ, time); rows whose solve fails are NaN."""
        X = np.atleast_2d(X)
        key = "activity_pct" if self.signal == "activity" else "pct_id"
        self.n_eval += X.shape[0]
        pct, mass = self._run(X, times, key)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_g = pct / mass[:, :, None]
        return pct, per_g

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted observations, shape (m, n_obs) (NaN where the solver failed)."""
        pct, per_g = self.simulate(X, self.t_sim)
        a = pct[:, self.i_org, self.i_t]
        b = per_g[:, self.i_org, self.i_t]
        return np.where(self.per_g[None, :], b, a)

    def residuals(self, X: np.ndarray) -> np.ndarray:
        pred = self.predict(X)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (self.ln_obs[None, :] - np.log(np.maximum(pred, 1e-12))) / \
                self.data.sigma_log[None, :]
        return np.where(np.isfinite(r), r, 1e3)  # failed solves: a large, finite misfit


# ------------------------------------------------------------------------------------------
# results
# ------------------------------------------------------------------------------------------


@dataclass
class FitResult:
    """Outcome of :func:`fit`.

    Estimates and intervals are in the parameters' own units (``units``); ``se_log`` is the
    standard error of ``ln theta`` (about the relative standard error).
    """

    names: tuple[str, ...]
    units: tuple[str, ...]
    priors: tuple[Prior, ...]
    estimate: np.ndarray
    se_log: np.ndarray
    corr: np.ndarray
    chi2: float
    chi2_initial: float
    aic: float
    n_obs: int
    success: bool
    starts: list[dict[str, Any]]
    measured: Measured
    signal: str
    residuals: np.ndarray
    residuals_initial: np.ndarray
    bands: Any = None
    posterior: np.ndarray | None = None
    posterior_corr: np.ndarray | None = None
    mcmc: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    n_model_runs: int = 0

    @property
    def ci95(self) -> tuple[np.ndarray, np.ndarray]:
        """Wald 95 % interval on the log scale, back-transformed."""
        with np.errstate(over="ignore"):
            return (self.estimate * np.exp(-1.96 * self.se_log),
                    self.estimate * np.exp(1.96 * self.se_log))

    @property
    def rmse_log(self) -> float:
        """Root-mean-square error of ``ln y`` at the fit (unweighted)."""
        r = self.residuals * self.measured.sigma_log
        return float(np.sqrt(np.mean(r * r)))

    @property
    def rmse_log_initial(self) -> float:
        """The same for the unfitted (design-built) parameters."""
        r = self.residuals_initial * self.measured.sigma_log
        return float(np.sqrt(np.mean(r * r)))

    def table(self) -> Any:
        """One row per parameter: prior, estimate, SE, intervals, posterior and profile."""
        import pandas as pd

        lo, hi = self.ci95
        rows = []
        for j, n in enumerate(self.names):
            pr = self.priors[j]
            row: dict[str, Any] = {
                "parameter": n, "unit": self.units[j], "prior_centre": pr.centre,
                "prior_sigma_ln": pr.sigma_ln, "lower_bound": pr.lower,
                "upper_bound": pr.upper, "estimate": self.estimate[j],
                "se_log": self.se_log[j], "se": self.estimate[j] * self.se_log[j],
                "ci95_low": lo[j], "ci95_high": hi[j],
            }
            if self.posterior is not None:
                q = np.exp(np.percentile(self.posterior[:, j], [5, 50, 95]))
                row.update(posterior_p05=q[0], posterior_median=q[1], posterior_p95=q[2])
            prof = self.profiles.get(n)
            if prof:
                row.update(profile_ci_low=prof["ci_low"], profile_ci_high=prof["ci_high"],
                           identifiability=prof["status"])
            row["prior_source"] = pr.source
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, Any]:
        """Fit statistics as a flat mapping."""
        out: dict[str, Any] = {
            "n_obs": self.n_obs, "n_params": len(self.names), "chi2": self.chi2,
            "chi2_initial": self.chi2_initial, "aic": self.aic,
            "rmse_ln": self.rmse_log, "rmse_ln_initial": self.rmse_log_initial,
            "signal": self.signal, "converged": self.success, "model_runs": self.n_model_runs,
        }
        out.update({f"mcmc_{k}": v for k, v in self.mcmc.items()})
        return out


# ------------------------------------------------------------------------------------------
# fitting
# ------------------------------------------------------------------------------------------


def _jac(model: _Model, x: np.ndarray, h: float = 0.01) -> np.ndarray:
    """Central finite differences of the residuals in ln-parameters, one batched solve."""
    k = x.size
    X = np.repeat(x[None, :], 2 * k, axis=0)
    for j in range(k):
        X[2 * j, j] += h
        X[2 * j + 1, j] -= h
    R = model.residuals(X)
    return ((R[0::2] - R[1::2]) / (2.0 * h)).T


def _least_squares(model: _Model, x0: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                   max_nfev: int | None = None) -> Any:
    from scipy.optimize import least_squares

    x0 = np.clip(x0, lb + 1e-9, ub - 1e-9)
    return least_squares(lambda x: model.residuals(x[None, :])[0], x0,
                         jac=lambda x: _jac(model, x), bounds=(lb, ub), method="trf",
                         x_scale=1.0, max_nfev=max_nfev, xtol=1e-5, ftol=1e-7)


def _cov(J: np.ndarray) -> np.ndarray:
    JTJ = J.T @ J
    try:
        cov = np.linalg.inv(JTJ)
        if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(JTJ)
        null = np.abs(np.diag(JTJ)) < 1e-12 * max(1.0, float(np.max(np.abs(JTJ))))
        cov[null, :] = 0.0
        cov[:, null] = 0.0
        cov[null, null] = np.inf
    return cov


def _corr(cov: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = cov / np.outer(d, d)
    c = np.where(np.isfinite(c), c, np.nan)
    np.fill_diagonal(c, 1.0)
    return c


def _profile(model: _Model, xhat: np.ndarray, chi2_min: float, lb: np.ndarray, ub: np.ndarray,
             n_points: int) -> dict[str, dict[str, Any]]:
    out = {}
    k = xhat.size
    for j, name in enumerate(model.names):
        grid = np.unique(np.concatenate([np.linspace(lb[j], ub[j], n_points), [xhat[j]]]))
        chi = np.empty(grid.size)
        for g_i, g in enumerate(grid):
            if k == 1:
                r = model.residuals(np.array([[g]]))[0]
            else:
                others = [i for i in range(k) if i != j]
                sub = _Sub(model, j, g, k)
                res = _least_squares(sub, xhat[others], lb[others], ub[others], max_nfev=15)
                r = res.fun
            chi[g_i] = float(r @ r)
        delta = chi - min(chi2_min, float(chi.min()))
        i0 = int(np.argmin(np.abs(grid - xhat[j])))
        ci = []
        for side in (-1, 1):
            idx = range(i0, -1, -1) if side < 0 else range(i0, grid.size)
            bound = None
            prev = i0
            for i in idx:
                if delta[i] >= DELTA_CHI2_95:
                    a, b = delta[prev], delta[i]
                    w = (DELTA_CHI2_95 - a) / (b - a) if b > a else 0.0
                    bound = math.exp(grid[prev] + w * (grid[i] - grid[prev]))
                    break
                prev = i
            ci.append(bound)
        open_low, open_high = ci[0] is None, ci[1] is None
        if open_low or open_high:
            sides = " and ".join(s for s, o in (("below", open_low), ("above", open_high)) if o)
            status = f"practically non-identifiable (flat {sides})"
        else:
            status = "identifiable"
        out[name] = {"grid": np.exp(grid), "delta_chi2": delta,
                     "ci_low": float("nan") if open_low else ci[0],
                     "ci_high": float("nan") if open_high else ci[1], "status": status}
    return out


class _Sub:
    """The model with parameter ``j`` fixed at ``value`` (for the profile likelihood)."""

    def __init__(self, model: _Model, j: int, value: float, k: int) -> None:
        self.model, self.j, self.value, self.k = model, j, value, k

    def residuals(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        full = np.insert(X, self.j, self.value, axis=1)
        return self.model.residuals(full)


def _split_rhat(chain: np.ndarray) -> np.ndarray:
    """Split R-hat (Gelman & Rubin 1992; Gelman et al. BDA3 ch. 11) of each parameter.

    ``chain``: (steps, walkers, params), each walker taken as a chain.
    """
    n = chain.shape[0] // 2
    if n < 2:
        return np.full(chain.shape[2], np.nan)
    halves = np.concatenate([chain[:n], chain[n:2 * n]], axis=1)  # (n, 2W, k)
    means = halves.mean(axis=0)
    W = halves.var(axis=0, ddof=1).mean(axis=0)
    B = n * means.var(axis=0, ddof=1)
    var_plus = (n - 1) / n * W + B / n
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(var_plus / W)


def _mcmc(model: _Model, priors: Sequence[Prior], xhat: np.ndarray, cov: np.ndarray,
          lb: np.ndarray, ub: np.ndarray, walkers: int, steps: int, burn: int,
          rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any], np.ndarray]:
    import emcee

    mu = np.log([p.centre for p in priors])
    sd = np.array([p.sigma_ln for p in priors])

    def log_prob(X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        lp = np.full(X.shape[0], -np.inf)
        inside = np.all((X > lb) & (X < ub), axis=1)
        if inside.any():
            r = model.residuals(X[inside])
            lp[inside] = -0.5 * np.sum(r * r, axis=1) - 0.5 * np.sum(
                ((X[inside] - mu) / sd) ** 2, axis=1)
        return lp

    k = xhat.size
    # start: draws from the Laplace approximation around the least-squares optimum (SDs capped
    # at the prior SD), so that the ensemble starts near its stationary spread
    c = np.where(np.isfinite(cov), cov, 0.0)
    var = np.diag(c).copy()
    cap = np.where(~np.isfinite(np.diag(cov)) | (var > sd**2), sd**2, var)
    f = np.sqrt(np.divide(cap, var, out=np.ones_like(var), where=var > 0))
    c = c * np.outer(f, f)
    c[np.diag_indices(k)] = np.maximum(cap, 1e-8)
    p0 = rng.multivariate_normal(xhat, c, size=walkers, check_valid="ignore", method="eigh")
    p0 = np.clip(p0, lb + 1e-6, ub - 1e-6)
    sampler = emcee.EnsembleSampler(walkers, k, log_prob, vectorize=True)
    # reproducible moves: emcee keeps its own RandomState, seeded here from the fit's generator
    sampler.random_state = np.random.RandomState(int(rng.integers(2**31))).get_state()
    sampler.run_mcmc(p0, steps, progress=False)
    chain = sampler.get_chain(discard=burn)  # (steps-burn, W, k)
    tau = sampler.get_autocorr_time(discard=burn, tol=0, quiet=True)
    flat = chain.reshape(-1, k)
    rhat = _split_rhat(chain)
    n_eff = chain.shape[0] * walkers / np.maximum(tau, 1.0)
    diag = {"walkers": walkers, "steps": steps, "burn": burn,
            "acceptance": float(np.mean(sampler.acceptance_fraction)),
            "rhat_max": float(np.nanmax(rhat)), "tau_max_steps": float(np.nanmax(tau)),
            "n_eff_min": float(np.nanmin(n_eff)),
            "chain_longer_than_50_tau": bool(chain.shape[0] > 50 * np.nanmax(tau)),
            "rhat": [float(v) for v in rhat], "tau": [float(v) for v in tau]}
    return flat, diag, chain


def _bands(model: _Model, samples: np.ndarray, xhat: np.ndarray, x0: np.ndarray,
           times: np.ndarray, design: Any, names: Sequence[str], estimate: np.ndarray,
           method: str) -> Any:
    from nanotwin.results import make_result

    X = np.vstack([xhat[None, :], x0[None, :], samples])
    pct, per_g = model.simulate(X, times)
    ok = np.all(np.isfinite(pct[2:]), axis=(1, 2))
    s_pct, s_g = pct[2:][ok], per_g[2:][ok]
    dims = ("organ", "time")
    data = model.data
    dv: dict[str, tuple] = {}
    for label, arr, best, init, unit in (("pct_id_per_g", s_g, per_g[0], per_g[1], "%ID/g"),
                                         ("pct_id", s_pct, pct[0], pct[1], "%ID")):
        q = np.percentile(arr, [5, 50, 95], axis=0) if arr.shape[0] else \
            np.full((3, *best.shape), np.nan)
        dv[f"{label}_p05"] = (dims, q[0], unit, f"{label}, 5 % quantile ({method})")
        dv[f"{label}_p50"] = (dims, q[1], unit, f"{label}, median ({method})")
        dv[f"{label}_p95"] = (dims, q[2], unit, f"{label}, 95 % quantile ({method})")
        dv[f"{label}_best_fit"] = (dims, best, unit, f"{label} at the least-squares estimate")
        dv[f"{label}_unfitted"] = (dims, init, unit, f"{label} with the design's parameters")
    dv["observed"] = (("obs",), data.value, "see obs_unit", "measured value")
    dv["observed_sigma_ln"] = (("obs",), data.sigma_log, "1", "SD of ln(value) used")
    dv["parameter_estimate"] = (("parameter",), estimate, "see parameter_unit",
                                "least-squares estimate")
    from nanotwin.pbpk.parameters import parameter_units

    units = parameter_units()
    ds = make_result(dv, coords={"organ": list(_organs()), "time": ("time", times, "h"),
                                 "obs_time": ("obs", data.time_h, "h"),
                                 "parameter": list(names)},
                     kind="calibration_bands", design=design,
                     attrs={"band_method": method, "n_band_samples": int(ok.sum()),
                            "signal": model.signal,
                            "band_note": "parameter uncertainty only (no new-animal scatter)"})
    obs_unit = ["%ID/g" if q == "pct_id_per_g" else "%ID" for q in data.quantity]
    return ds.assign_coords(obs_organ=("obs", list(data.organ)), obs_unit=("obs", obs_unit),
                            parameter_unit=("parameter", [units[n] or "1" for n in names]))


def _band_times(data: Measured, times: Any) -> np.ndarray:
    from nanotwin.pbpk.simulate import default_times

    if times is not None:
        t = np.unique(np.asarray(times, dtype=float))
        if t.size == 0 or t[0] < 0 or t[-1] <= 0 or not np.all(np.isfinite(t)):
            raise DesignError("times: give increasing hours >= 0 ending after 0, e.g. "
                              "[1, 24, 48]", "times")
        return t
    t_end = max(24.0, float(data.time_h.max()) * 1.25)
    t = np.union1d(default_times(t_end), data.time_h)
    return t[t > 0]


def fit(design: Any, measured: Any, params: Sequence[str] | str | None = None, *,
        bayes: bool = True, walkers: int | None = None, steps: int = 300,
        burn: int | None = None, seed: int | None = 0, n_starts: int = 4,
        profile_points: int = 5, n_band_samples: int = 200, species: str | None = None,
        default_cv: float = DEFAULT_CV, priors: Mapping[str, tuple[float, float]] | None = None,
        signal: str = "auto", times: Any = None) -> FitResult:
    """Fit PBPK parameters of a design to measured biodistribution (see the module docstring).

    Parameters
    ----------
    design
        Design (object, mapping or file path).
    measured
        CSV path, DataFrame or list of records (see :func:`read_measured`).
    params
        Names of the parameters to fit (list or comma-separated text);
        ``None`` -> :func:`default_parameters` for the measured organs.
    bayes
        Also sample the posterior with emcee.
    walkers, steps, burn
        emcee ensemble size (default ``max(16, 4 k)``, even), steps per walker and the
        discarded burn-in (default a third of the steps).
    seed
        Seed of the random starts, the sampler and the band draws.
    n_starts
        Least-squares starts (the prior centre, then draws from the priors).
    profile_points
        Points per profile likelihood across the bounds; 0 skips the profiles.
    n_band_samples
        Parameter draws for the predictive bands.
    species
        Simulate another species than the design's.
    default_cv
        CV assumed where the data give no SD.
    priors
        ``name -> (centre, sigma_ln)`` replacing a default prior.
    signal
        ``"auto"`` (activity for radiolabelled designs, else particles), ``"particle"`` or
        ``"activity"``.
    times
        Time grid (h) of the predictive bands; default 0..1.25 x the last measured time.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> res = fit(demo_design(), [{"organ": "blood", "time": 4, "value": 25, "unit": "%ID/g"}],
    ...           params="K_max_liver", bayes=False, n_starts=1, profile_points=0,
    ...           n_band_samples=10)
    >>> res.bands["pct_id_per_g_p50"].attrs["units"], bool(res.chi2 <= res.chi2_initial)
    ('%ID/g', True)
    """
    from nanotwin.design import Design, load_design
    from nanotwin.pbpk import build_parameters
    from nanotwin.pbpk.parameters import parameter_units

    if not isinstance(design, Design):
        design = load_design(design)
    data = read_measured(measured, default_cv=default_cv)
    p0 = build_parameters(design, species)
    has_tumor = bool(p0.meta.get("has_tumor"))
    if "tumor" in data.organ and not has_tumor:
        row = data.row[data.organ.index("tumor")]
        raise DesignError(f"measured: row {row} is tumour data but the design has no "
                          "subject.tumor; add the tumour to the design", "subject.tumor")
    if signal not in ("auto", "particle", "activity"):
        raise DesignError(f"signal: {signal!r}; use auto, particle or activity", "signal")
    if signal == "auto":
        signal = "activity" if design.radiolabel is not None else "particle"
    if signal == "activity" and design.radiolabel is None:
        raise DesignError("signal: 'activity' needs a radiolabel in the design; use 'particle'",
                          "signal")
    if params is None:
        names = default_parameters(data.organ, has_tumor)
    else:
        if isinstance(params, str):
            params = [s for s in re.split(r"[,\s]+", params) if s]
        names = tuple(dict.fromkeys(params))
        if not names:
            raise DesignError("params: empty; give parameter names, e.g. K_max_liver,PS_tumor",
                              "params")
    for label, v, lo in (("n_starts", n_starts, 1), ("steps", steps, 10),
                         ("n_band_samples", n_band_samples, 2)):
        if int(v) < lo:
            raise DesignError(f"{label}: {v!r} is too small; give at least {lo}", label)
    if profile_points and profile_points < 3:
        raise DesignError("profile_points: give 0 (skip) or at least 3", "profile_points")
    pri = []
    for n in names:
        pr = default_prior(n, float(p0.values.get(n, float("nan"))))
        if priors and n in priors:
            c, s = priors[n]
            if not (c > 0 and s > 0):
                raise DesignError(f"priors.{n}: centre and sigma_ln must be > 0; give e.g. "
                                  f"({pr.centre:.3g}, 1.0)", f"priors.{n}")
            pr = Prior(n, float(c), float(s), "user-given prior")
        pri.append(pr)
    unknown = set(priors or {}) - set(names)
    if unknown:
        raise DesignError(f"priors: {sorted(unknown)} are not among the fitted params; add them "
                          "to params or remove the priors", "priors")
    k = len(names)
    if data.size < 1:
        raise DataError("measured: no observations", "measured")
    model = _Model(p0, names, data, signal)
    lb = np.log([p.lower for p in pri])
    ub = np.log([p.upper for p in pri])
    x0 = np.log([p.centre for p in pri])
    x_design = np.log([max(float(p0.values[n]), 1e-300) for n in names])
    rng = np.random.default_rng(seed)
    r_init = model.residuals(x_design[None, :])[0]
    # --- multi-start weighted least squares
    starts = [x0]
    sd = np.array([p.sigma_ln for p in pri])
    for _ in range(int(n_starts) - 1):
        starts.append(np.clip(x0 + sd * rng.standard_normal(k), lb, ub))
    runs = []
    best = None
    for i, xs in enumerate(starts):
        res = _least_squares(model, xs, lb, ub)
        chi = float(res.fun @ res.fun)
        runs.append({"start": i, "chi2": chi, "nfev": int(res.nfev), "status": int(res.status),
                     "estimate": [float(v) for v in np.exp(res.x)]})
        if best is None or chi < float(best.fun @ best.fun):
            best = res
    assert best is not None
    xhat = best.x
    r_hat = model.residuals(xhat[None, :])[0]
    chi2 = float(r_hat @ r_hat)
    J = _jac(model, xhat)
    cov = _cov(J)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    se = np.where(np.isfinite(np.diag(cov)), se, np.inf)
    aic = chi2 + float(np.sum(np.log(2.0 * math.pi * data.sigma_log ** 2))) + 2.0 * k
    result = FitResult(
        names=tuple(names), units=tuple(parameter_units()[n] or "1" for n in names),
        priors=tuple(pri), estimate=np.exp(xhat), se_log=se, corr=_corr(cov), chi2=chi2,
        chi2_initial=float(r_init @ r_init), aic=aic, n_obs=data.size,
        success=bool(best.success), starts=runs, measured=data, signal=signal,
        residuals=r_hat, residuals_initial=r_init)
    # --- Bayesian posterior
    if bayes:
        W = walkers if walkers is not None else max(16, 4 * k)
        W = int(W) + int(W) % 2
        if W < 2 * k:
            raise DesignError(f"walkers: {walkers} is too few for {k} parameters; give at least "
                              f"{2 * k} (emcee needs 2 x parameters)", "walkers")
        b = int(steps) // 3 if burn is None else int(burn)
        if not 0 <= b < int(steps) - 1:
            raise DesignError(f"burn: {burn!r} must be in [0, steps - 2]; give e.g. "
                              f"{int(steps) // 3}", "burn")
        flat, diag, _ = _mcmc(model, pri, xhat, cov, lb, ub, W, int(steps), b, rng)
        result.posterior = flat
        result.posterior_corr = np.corrcoef(flat.T) if k > 1 else np.ones((1, 1))
        result.mcmc = diag
        idx = rng.choice(flat.shape[0], size=min(int(n_band_samples), flat.shape[0]),
                         replace=False)
        samples, method = flat[idx], "posterior (emcee)"
    else:
        c = np.where(np.isfinite(cov), cov, 0.0)
        inf = ~np.isfinite(np.diag(cov))
        c[inf, inf] = ((ub - lb)[inf] / 4.0) ** 2  # flat direction: spread across the bounds
        samples = rng.multivariate_normal(xhat, c, size=int(n_band_samples),
                                          check_valid="ignore", method="eigh")
        samples = np.clip(samples, lb, ub)
        method = "Laplace approximation N(theta_hat, (J'J)^-1) in ln theta"
    # --- profile likelihood
    if profile_points:
        result.profiles = _profile(model, xhat, chi2, lb, ub, int(profile_points))
    result.bands = _bands(model, samples, xhat, x_design, _band_times(data, times), design,
                          names, result.estimate, method)
    result.bands.attrs.update({"chi2": chi2, "aic": aic, "rmse_ln": result.rmse_log,
                               "rmse_ln_unfitted": result.rmse_log_initial})
    result.n_model_runs = model.n_eval
    return result


#: Alias of :func:`fit`.
calibrate = fit


def plot_fit(result: FitResult, path: str | Path) -> Path:
    """Plot data against the fit (best fit, unfitted and 5-95 % band) per measured organ.

    Examples
    --------
    >>> import tempfile
    >>> from nanotwin.pbpk import demo_design
    >>> res = fit(demo_design(), [{"organ": "liver", "time": 24, "value": 15, "unit": "%ID/g"}],
    ...           params="K_max_liver", bayes=False, n_starts=1, profile_points=0,
    ...           n_band_samples=10)
    >>> plot_fit(res, Path(tempfile.mkdtemp()) / "fit.png").suffix
    '.png'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ds = result.bands
    data = result.measured
    panels = list(dict.fromkeys((o, q) for o, q in zip(data.organ, data.quantity, strict=True)))
    n = len(panels)
    ncol = min(3, n)
    nrow = -(-n // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.3 * nrow), squeeze=False)
    t = ds["time"].values
    for ax, (organ, q) in zip(axes.flat, panels, strict=False):
        unit = "%ID/g" if q == "pct_id_per_g" else "%ID"
        sel = {"organ": organ}
        lo = ds[f"{q}_p05"].sel(sel).values
        hi = ds[f"{q}_p95"].sel(sel).values
        ax.fill_between(t, lo, hi, color="C0", alpha=0.25, lw=0, label="5-95 % band")
        ax.plot(t, ds[f"{q}_best_fit"].sel(sel).values, color="C0", label="fit")
        ax.plot(t, ds[f"{q}_unfitted"].sel(sel).values, color="0.4", ls="--", label="unfitted")
        m = np.array([(o == organ and qq == q) for o, qq in
                      zip(data.organ, data.quantity, strict=True)])
        y = data.value[m]
        s = data.sigma_log[m]
        ax.errorbar(data.time_h[m], y, yerr=[y - y * np.exp(-s), y * np.exp(s) - y], fmt="o",
                    color="C3", ms=4, label="measured (+-1 sigma)")
        ax.set_yscale("log")
        ax.set_title(organ)
        ax.set_xlabel("time (h)")
        ax.set_ylabel(unit)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"calibration: {', '.join(result.names)}", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
