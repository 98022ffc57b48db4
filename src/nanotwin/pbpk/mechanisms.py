"""The global organ-mechanism constants of the PBPK model, their priors and their posterior.

A *mechanism constant* is a number of the model that holds for every nanoparticle (not a property
of one design): the hepatic extraction of a reference particle, how charge or size change
opsonisation, the open share of the splenic circulation, how fast phagocytes degrade soft carriers,
... :func:`nanotwin.pbpk.build_parameters` turns a design into rate constants with them.

Each constant has a **prior** -- a literature value with its uncertainty, the source written next
to it in :data:`MECHANISMS` -- and a **posterior**, inferred by :mod:`nanotwin.learn.organs` from
published multi-organ biodistribution data and stored as package data
(``nanotwin/data/pbpk/mechanism_posterior.json``, with its provenance). The model uses the
posterior mode (MAP) by default (:func:`default_mechanisms`) -- the point the cross-validation of
``nanotwin validation organs`` scores; the draws give the predictive bands;
``mechanisms="prior"`` gives the uncalibrated literature model.

Transforms: ``log`` constants are log-normal (``scale`` = SD of the natural log), ``logit``
constants are fractions with a logit-normal prior (``scale`` = SD of the logit), ``linear`` ones
normal (``scale`` = SD). Where a prior is only an order of magnitude, its entry says so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np

from nanotwin._paths import package_data
from nanotwin.errors import DesignError

__all__ = ["Mechanism", "MECHANISMS", "MATERIAL_CLASSES", "PLATFORM_CLASS", "SOFT_CLASSES",
           "prior_mechanisms", "default_mechanisms", "resolve_mechanisms", "posterior",
           "Posterior", "to_unconstrained", "from_unconstrained", "material_class",
           "log_prior"]


@dataclass(frozen=True)
class Mechanism:
    """One global mechanism constant: prior centre and spread, transform, unit and source."""

    name: str
    prior: float
    scale: float
    transform: str  # "log", "logit" or "linear"
    unit: str
    meaning: str
    source: str


#: Material classes of the recognition factor ``R_class`` (polymer is the reference, R = 1).
MATERIAL_CLASSES = ("metal", "iron_oxide", "silica", "other_inorganic", "lipid", "polymer",
                    "other_organic", "hybrid")
#: Classes degraded by phagocytes on the time scale of days ("soft" carriers).
SOFT_CLASSES = ("lipid", "polymer", "other_organic")
#: Design platform -> material class.
PLATFORM_CLASS = MappingProxyType({
    "gold": "metal", "copper_sulfide": "metal", "iron_oxide": "iron_oxide",
    "silica": "silica", "mesoporous_silica": "silica",
    "quantum_dot": "other_inorganic", "upconversion": "other_inorganic",
    "carbon_nanotube": "other_inorganic", "graphene": "other_inorganic",
    "graphene_oxide": "other_inorganic", "carbon_dot": "other_inorganic",
    "liposome": "lipid", "lipid_nanoparticle": "lipid", "hdl": "lipid", "exosome": "lipid",
    "polymeric": "polymer", "micelle": "polymer", "dendrimer": "polymer",
    "polymer_drug_conjugate": "polymer",
    "melanin": "other_organic", "ferritin": "other_organic", "protein_cage": "other_organic",
    "albumin": "other_organic", "other": "other_organic", "hybrid": "hybrid",
})


def material_class(platform: str) -> str:
    """Material class of a design platform (see :data:`PLATFORM_CLASS`).

    Examples
    --------
    >>> material_class("gold"), material_class("liposome"), material_class("micelle")
    ('metal', 'lipid', 'polymer')
    """
    return PLATFORM_CLASS.get(str(platform), "other_organic")


_ORDER = ("order of magnitude only; weakly informative")
_M = [
    # --- mononuclear phagocyte system: per-pass extraction of the reference particle (R = 1)
    Mechanism("E0_liver", 0.011, 1.0, "log", "1",
              "hepatic (Kupffer cell) extraction per sinusoid pass of the reference particle "
              "(uncoated, neutral, 100 nm polymer sphere)",
              "~1 h blood half-life of conventional (non-PEG) liposomes in mice (Allen & Hansen, "
              "Biochim Biophys Acta 1991;1068:133; Klibanov et al., FEBS Lett 1990;268:235); "
              "one e-fold either way"),
    Mechanism("E0_spleen", 0.011, 1.0, "log", "1",
              "red-pulp macrophage extraction per pass through the open (cord) circulation",
              "as the liver (red-pulp macrophages are as phagocytic as Kupffer cells; Mebius & "
              "Kraal, Nat Rev Immunol 2005;5:606); one e-fold either way"),
    Mechanism("r_marrow", 0.5, 1.0, "log", "1",
              "marrow sinusoidal macrophage extraction per pass, relative to the liver's "
              "(E0_marrow = r_marrow x E0_liver)",
              "macrophage density ratio 1e7/2e7 per g (marrow vs Kupffer cells, Bouwens et al., "
              "Hepatology 1986;6:718); one e-fold either way"),
    Mechanism("E0_lung", 1.0e-4, 1.5, "log", "1",
              "lung intravascular uptake per pass (few pulmonary intravascular macrophages in "
              "rodents and humans)",
              "Brain et al., Am J Physiol 1999;276:L146 (rodents lack PIMs); " + _ORDER),
    Mechanism("E0_kidney", 1.0e-3, 1.5, "log", "1",
              "kidney tissue uptake per renal pass (glomerular mesangium, resident macrophages)",
              "renal RES uptake default 0.12/h vs hepatic 0.3/h in the mouse nano-PBPK of Chou et "
              "al., J Control Release 2023;361:53 (about 0.1 of the hepatic extraction per pass "
              "at the flows used here); mesangial uptake of ~75 nm particles, Choi et al., PNAS "
              "2011;108:6656; " + _ORDER),
    Mechanism("K_release_kidney", 0.001, 1.5, "log", "1/h",
              "release of particles held in kidney tissue back to the renal blood",
              "KKRESrelease 0.001/h of Chou et al. 2023; " + _ORDER),
    Mechanism("R_slit_spleen", 250.0, 0.5, "log", "nm",
              "radius of the interendothelial slits through which particles return from the "
              "red-pulp cords (Renkin hindrance: large particles are filtered)",
              "slits 0.2-0.5 um wide (Mebius & Kraal, Nat Rev Immunol 2005;5:606)"),
    Mechanism("N_cap_scale", 1.0, 1.0, "log", "1",
              "factor on the phagocytes' particle capacity N_cap = n_macrophages A_mem / (pi d^2)",
              "membrane-area capacity (Cannon & Swanson, J Cell Sci 1992;101:907) reproduces the "
              "~1e12-particle liver threshold of Ouyang et al., Nat Mater 2020;19:1362; one "
              "e-fold either way"),
    Mechanism("f_open_spleen", 0.82, 1.0, "logit", "1",
              "open (red-pulp cord) share of splenic blood flow in rodents (human: 0.1, fixed)",
              "rat 72-93 % (Ruppert, Hutten & Vaupel, Pflugers Arch 1981, "
              "doi:10.1007/BF00582184); logit SD 1 covers 0.4-0.97"),
    # --- recognition (opsonisation) factor R = R_coat R_charge R_size R_shape R_class
    Mechanism("s_size", 0.5, 0.5, "linear", "1",
              "size exponent of R: R_size = (d / 100 nm)^s_size (10-2000 nm)",
              "opsonisation grows with surface (Moghimi, Hunter & Murray, Pharmacol Rev "
              "2001;53:283); SD 0.5"),
    Mechanism("z_cation", 15.0, 0.5, "log", "mV",
              "charge scale of cationic particles: R_charge = exp(zeta / z_cation)",
              "Arvizo et al., PLoS One 2011;6:e24374; Xiao et al., Biomaterials 2011;32:3435 "
              "(cationic particles cleared fastest)"),
    Mechanism("z_anion", 40.0, 0.5, "log", "mV",
              "charge scale of anionic particles: R_charge = exp(-zeta / z_anion)",
              "same sources (anionic cleared faster than neutral, slower than cationic)"),
    Mechanism("s_shape", 0.5, 0.5, "linear", "1",
              "shape exponent: R_shape = aspect_ratio^-s_shape",
              "elongated particles resist phagocytosis (Champion & Mitragotri, PNAS "
              "2006;103:4930; Geng et al., Nat Nanotechnol 2007;2:249)"),
    Mechanism("a_peg", 19.0, 1.0, "log", "1",
              "PEG brush strength: R_PEG = 1 / (1 + a_peg c^2), c = Flory radius / graft spacing",
              "20-fold fall of MPS uptake on PEGylation at brush onset (Walkey et al., J Am Chem "
              "Soc 2012;134:2139; Klibanov et al. 1990)"),
    *[Mechanism(f"R_class_{c}", 1.0, 1.0, "log", "1",
                f"recognition factor of bare {c.replace('_', ' ')} particles relative to polymer",
                "no reference value: material effects on protein corona differ by orders of "
                "magnitude between studies (Walkey & Chan, Chem Soc Rev 2012;41:2780); "
                "weakly informative, one e-fold")
      for c in MATERIAL_CLASSES if c != "polymer"],
    # --- kidney filtration of ultrasmall particles
    Mechanism("f_unbound", 0.1, 1.5, "logit", "1",
              "filterable (protein-free) share of ultrasmall particles without a protein-"
              "resistant coating (zwitterionic, PEG or membrane cloak give 1)",
              "charged ultrasmall particles adsorb serum proteins and grow beyond the renal "
              "cut-off, zwitterionic ones do not (Choi et al., Nat Biotechnol 2007;25:1165); "
              "1.4 nm gold stays protein-bound in blood (Hirn et al., Eur J Pharm Biopharm "
              "2011;77:407); " + _ORDER),
    # --- degradation of soft carriers in phagocytes
    Mechanism("k_deg_soft", 0.01, 1.5, "log", "1/h",
              "degradation of soft carriers (lipid, polymer, protein) inside phagocytes; the "
              "label of a degraded particle joins the organ's free-label pool",
              "lysosomal degradation of lipid and polymer carriers over hours to weeks; median "
              "t1/2 ~3 d, " + _ORDER),
    # --- tumour
    Mechanism("PS_tumor_scale", 1.0, 1.0, "log", "1",
              "factor on the tumour exchange PS = f_perf P(d) S/V V",
              "uncertainty of the perfused fraction (0.3-0.7, Chauhan et al., Nat Commun "
              "2013;4:2516) and of P_90 (Yuan et al., Cancer Res 1995;55:3752); one e-fold"),
    Mechanism("L_pen_scale", 1.0, 0.7, "log", "1",
              "factor on the perivascular penetration depth L(d) = 5 um sqrt(54 nm / d)",
              "Dreher et al., J Natl Cancer Inst 2006;98:335 is a 30-min measurement; particles "
              "spread further over days"),
    Mechanism("q_pen", 0.5, 0.25, "linear", "1",
              "size exponent of the perivascular penetration depth, L ~ d^-q_pen",
              "diffusive spreading L ~ sqrt(D) ~ d^-0.5 (Stokes-Einstein); Dreher et al. 2006 "
              "measured only two dextran sizes; SD 0.25"),
    Mechanism("K_TAM0", 0.3, 1.56, "log", "1/h",
              "tumour-associated macrophage uptake of an R = 1 particle",
              "median and ln-SD of KTRESmax fitted to 378 tumour data sets (Chou et al. 2023)"),
    Mechanism("s_TAM", 1.0, 0.5, "linear", "1",
              "how TAM uptake follows the MPS recognition factor: K_TAM = K_TAM0 R^s_TAM",
              "TAMs are phagocytes like Kupffer cells (s = 1) but take up stealth particles "
              "over days (Miller et al., Nat Commun 2015;6:8692); SD 0.5"),
    Mechanism("K_release_tumor", 0.005, 2.59, "log", "1/h",
              "release from tumour-associated macrophages",
              "median and ln-SD of KTRESrelease fitted to 378 data sets (Chou et al. 2023)"),
]
#: Every mechanism constant by name (sources in each entry).
MECHANISMS: Mapping[str, Mechanism] = MappingProxyType({m.name: m for m in _M})


def prior_mechanisms() -> dict[str, float]:
    """Prior medians of all mechanism constants (the uncalibrated literature model).

    Examples
    --------
    >>> prior_mechanisms()["E0_liver"]
    0.011
    """
    return {k: m.prior for k, m in MECHANISMS.items()}


def to_unconstrained(values: Mapping[str, Any], names: tuple[str, ...] | None = None
                     ) -> np.ndarray:
    """Mechanism values -> the unconstrained scale of their priors (log, logit or linear).

    Works on scalars or arrays; returns shape ``(len(names), ...)``.

    Examples
    --------
    >>> x = to_unconstrained({"E0_liver": 0.011, "f_open_spleen": 0.5}, ("E0_liver",
    ...                      "f_open_spleen"))
    >>> round(float(x[0]), 3), float(x[1])
    (-4.51, 0.0)
    """
    names = tuple(values) if names is None else names
    out = []
    for n in names:
        v = np.asarray(values[n], dtype=float)
        tr = MECHANISMS[n].transform
        out.append(np.log(v) if tr == "log" else np.log(v / (1.0 - v)) if tr == "logit" else v)
    return np.asarray(out)


def from_unconstrained(x: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Inverse of :func:`to_unconstrained`: rows of ``x`` -> ``{name: value}``.

    Examples
    --------
    >>> v = from_unconstrained([np.log(0.011), 0.0], ("E0_liver", "f_open_spleen"))
    >>> round(float(v["E0_liver"]), 6), float(v["f_open_spleen"])
    (0.011, 0.5)
    """
    x = np.asarray(x, dtype=float)
    out: dict[str, Any] = {}
    for i, n in enumerate(names):
        tr = MECHANISMS[n].transform
        xi = x[i]
        v = np.exp(xi) if tr == "log" else 1.0 / (1.0 + np.exp(-xi)) if tr == "logit" else xi
        out[n] = float(v) if np.ndim(v) == 0 else v
    return out


@dataclass(frozen=True)
class Posterior:
    """Posterior of the mechanism constants (package data), on the unconstrained scale.

    Attributes
    ----------
    names
        Calibrated constants, in the order of ``mean`` / ``cov`` / ``draws``.
    mean, cov
        Posterior mean and covariance (unconstrained scale).
    draws
        Posterior draws, shape ``(n_draws, len(names))`` (unconstrained scale).
    median
        Posterior median of each constant on its natural scale.
    map
        Posterior mode (MAP) of each constant on its natural scale: the default point.
    hyper
        Measurement-model hyperparameters (between-study and residual SDs, log10 scale).
    provenance
        Method, data sets with hashes, date, nanotwin version, sampler diagnostics.
    """

    names: tuple[str, ...]
    mean: np.ndarray
    cov: np.ndarray
    draws: np.ndarray
    median: Mapping[str, float]
    hyper: Mapping[str, Any]
    provenance: Mapping[str, Any]
    map: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def draw_mechanisms(self, n: int | None = None) -> dict[str, np.ndarray]:
        """The first ``n`` posterior draws as ``{name: array}`` (natural scale); constants that
        were not calibrated keep their prior median."""
        d = self.draws if n is None else self.draws[:n]
        vals = from_unconstrained(d.T, self.names)
        k = d.shape[0]
        out = {name: np.full(k, m.prior) for name, m in MECHANISMS.items()}
        out.update({name: np.asarray(v, dtype=float) for name, v in vals.items()})
        return out


def is_inorganic(platform: str) -> bool:
    """Whether a platform counts as inorganic (or hybrid) in the calibration's measurement model.

    Examples
    --------
    >>> is_inorganic("gold"), is_inorganic("liposome")
    (True, False)
    """
    return material_class(platform) not in SOFT_CLASSES


def published_offset(hyper: Mapping[str, Any], organ: str, inorganic: bool = False) -> float:
    """Mean log10 ratio of a published value of ``organ`` to the model's %ID.

    The calibration's measurement model (:mod:`nanotwin.learn.organs`): the global recovery
    ``mu_r`` plus the organ's recovery ``delta_<organ>`` (and a material offset, held at 0);
    terms the posterior does not carry count 0.

    Examples
    --------
    >>> published_offset({"mu_r": -0.2, "delta_liver": -0.5}, "liver")
    -0.7
    """
    return float(hyper.get("mu_r", 0.0) + hyper.get(f"delta_{organ}", 0.0) +
                 hyper.get("gamma_inorganic", 0.0) * bool(inorganic))


def new_study_sd(hyper: Mapping[str, Any], organ: str, point: bool = False) -> float:
    """SD (log10) of a published value of ``organ`` of a study never seen, about the model.

    Study recovery, study x organ, nanoform and residual scatter of the calibration's
    measurement model (``point``: a tumour time point, with its own residual SD).

    Examples
    --------
    >>> h = {"tau_r": 0.3, "tau_w": 0.0, "tau_tumor": 0.4, "sigma_tumor": 0.0, "sigma_tc": 0.0}
    >>> round(new_study_sd(h, "tumor"), 6)
    0.5
    """
    sig = hyper["sigma_tc"] if point else hyper[f"sigma_{organ}"]
    return math.sqrt(sig ** 2 + hyper["tau_r"] ** 2 + hyper[f"tau_{organ}"] ** 2 +
                     hyper["tau_w"] ** 2)


POSTERIOR_FILE = ("pbpk", "mechanism_posterior.json")


@lru_cache(maxsize=1)
def posterior() -> Posterior | None:
    """The shipped posterior (``None`` if the package has none).

    Examples
    --------
    >>> post = posterior()
    >>> post is None or set(post.names) <= set(MECHANISMS)
    True
    """
    path = package_data(*POSTERIOR_FILE)
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    names = tuple(raw["names"])
    unknown = set(names) - set(MECHANISMS)
    if unknown:  # pragma: no cover - guards the package data against drift
        raise DesignError(f"{path.name}: unknown mechanism constants {sorted(unknown)}; "
                          "re-run the calibration")
    return Posterior(names=names, mean=np.asarray(raw["mean"], float),
                     cov=np.asarray(raw["cov"], float), draws=np.asarray(raw["draws"], float),
                     median=MappingProxyType(dict(raw["median"])),
                     hyper=MappingProxyType(dict(raw.get("hyper", {}))),
                     provenance=MappingProxyType(dict(raw.get("provenance", {}))),
                     map=MappingProxyType(dict(raw.get("map", raw["median"]))))


def default_mechanisms() -> dict[str, float]:
    """Mechanism constants the model uses by default: the posterior mode (MAP) where calibrated,
    else the prior median.

    Examples
    --------
    >>> m = default_mechanisms()
    >>> set(m) == set(MECHANISMS) and all(np.isfinite(v) for v in m.values())
    True
    """
    out = prior_mechanisms()
    post = posterior()
    if post is not None:
        out.update({k: float(v) for k, v in post.map.items()})
    return out


def resolve_mechanisms(mechanisms: Any = None) -> dict[str, Any]:
    """Full set of mechanism constants from ``None`` (default), ``"prior"``, ``"posterior"`` or
    a mapping of some constants (the rest default).

    Examples
    --------
    >>> resolve_mechanisms("prior")["a_peg"]
    19.0
    >>> resolve_mechanisms({"a_peg": 5.0})["a_peg"]
    5.0
    >>> resolve_mechanisms({"E0_livr": 1.0})
    Traceback (most recent call last):
    ...
    nanotwin.errors.DesignError: mechanisms: unknown constant 'E0_livr'; did you mean E0_liver?
    """
    if mechanisms is None or (isinstance(mechanisms, str) and mechanisms == "posterior"):
        return default_mechanisms()
    if isinstance(mechanisms, str):
        if mechanisms == "prior":
            return prior_mechanisms()
        raise DesignError(f"mechanisms: {mechanisms!r} is not known; use 'posterior', 'prior' or "
                          "a mapping of constants", "mechanisms")
    base = default_mechanisms()
    for k, v in dict(mechanisms).items():
        if k not in MECHANISMS:
            import difflib

            near = difflib.get_close_matches(k, list(MECHANISMS), n=3, cutoff=0.6)
            hint = f"did you mean {', '.join(near)}?" if near else \
                "see nanotwin.pbpk.mechanisms.MECHANISMS"
            raise DesignError(f"mechanisms: unknown constant {k!r}; {hint}", "mechanisms")
        arr = np.asarray(v, dtype=float)
        m = MECHANISMS[k]
        ok = np.all(np.isfinite(arr)) and (m.transform == "linear" or np.all(arr > 0)) and (
            m.transform != "logit" or np.all(arr < 1))
        if not ok:
            rng = "in (0, 1)" if m.transform == "logit" else "> 0" if m.transform == "log" \
                else "finite"
            raise DesignError(f"mechanisms.{k}: {v!r} must be {rng}", f"mechanisms.{k}")
        base[k] = float(arr) if arr.ndim == 0 else arr
    return base


def log_prior(x: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Log prior density (up to a constant) of unconstrained values ``x`` (rows = names).

    Examples
    --------
    >>> x = to_unconstrained(prior_mechanisms(), ("E0_liver",))
    >>> float(log_prior(x, ("E0_liver",))) == 0.0, float(log_prior(x + 1.0, ("E0_liver",)))
    (True, -0.5)
    """
    x = np.asarray(x, dtype=float)
    mu = to_unconstrained(prior_mechanisms(), names)
    sd = np.array([MECHANISMS[n].scale for n in names])
    shape = (-1,) + (1,) * (x.ndim - 1)
    return -0.5 * np.sum(((x - mu.reshape(shape)) / sd.reshape(shape)) ** 2, axis=0)

