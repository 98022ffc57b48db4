"""Species physiology for the whole-body PBPK model: organ volumes, blood flows, blood.

Sources (tables shipped in ``nanotwin/data/physiology``, see SOURCES.md there):

- organ volumes (L/kg) -- ILSI-RSI 1994 = Brown et al., Toxicol Ind Health 1997;13:407;
- organ blood flows (mL/min/kg^0.75) -- Davies & Morris, Pharm Res 1993;10:1093. In the table the
  liver flow is the total liver flow (hepatic artery + portal vein), so the hepatic-artery flow is
  ``Q_liver - Q_gut - Q_spleen`` and the liver receives ~22 % of cardiac output in the mouse
  (not the 2-3 % used when only the hepatic artery is counted);
- cardiac output, plasma volume, haematocrit and GFR (per kg^0.75 or per kg) -- httk
  ``HTTK-Physiology-Data`` (Davies & Morris 1993).

Scaling: volumes are proportional to body weight, flows (and GFR) to BW^0.75, as the units of the
tables say.

Residual blood in organs (fraction of organ volume): Brown et al. 1997, Table 30 (liver 0.31,
brain 0.03, kidney 0.24, spleen 0.17, lung 0.50, muscle 0.04, heart 0.26, skin 0.03, bone 0.04,
the values used by Lin et al. / Chou et al. 2023 for the mouse); gut 0.05, adipose 0.02, rest
0.04, red marrow 0.10 and tumour 0.05 are approximations (gut, adipose, rest after Shah & Betts,
J Pharmacokinet Pharmacodyn 2012;39:67, Table 1 vascular fractions; marrow: sinusoid-rich tissue;
tumour: Jain, Cancer Res 1988;48:2641, vascular volume 1-20 %, we take 5 %).

Interstitial volume (fraction of the extravascular organ volume) -- Shah & Betts 2012, Table 1
(heart 0.14, lung 0.19, muscle 0.12, skin 0.30, adipose 0.14, bone 0.10, kidney 0.13, liver 0.16
(space of Disse), spleen 0.20, gut 0.09, rest 0.15, brain 0.004 (behind the blood-brain
barrier)); red marrow 0.10 (approximation); tumour 0.40 (Jain, Cancer Res 1987;47:3039:
tumour interstitium 0.2-0.6).

Red marrow is not in the Brown/Davies tables: it is split from "Bone" with the ICRP 89 adult
proportions (red marrow 1170 g of a 10.5 kg skeleton = 11 % of skeletal mass, and 3 % of cardiac
output to red marrow vs 2 % to bone = 60 % of skeletal flow; ICRP Publication 89, 2002,
Tables 2.8 and 2.40). This is an approximation for rodents, whose whole skeleton holds red marrow.

Tumour: volume from ``design.subject.tumor`` (``volume`` in mm^3 or ``mass`` in g, density
1 g/mL); default 0.2 g for mouse and rat (median tumour weight 0.18 g of the 376 data sets of the
Nano-Tumor database, Cheng et al., ACS Nano 2020;14:3075) and 10 g for human. Tumour blood flow
0.2 mL/min per g (Vaupel, Kallinowski & Okunieff, Cancer Res 1989;49:6449: human tumour
xenografts 0.01-1 mL/min/g, typical 0.1-0.3).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from nanotwin._paths import package_data
from nanotwin.errors import DesignError

__all__ = ["ORGANS", "TISSUES", "SPECIES", "Physiology", "physiology", "tumor_mass_g"]

#: Organs reported in results (lower case), in this order; "degraded" holds the particles that
#: phagocytes have degraded (soft carriers; their label has joined the free-label pools).
ORGANS = ("blood", "heart", "lung", "liver", "spleen", "kidney", "gut", "brain", "muscle",
          "skin", "adipose", "bone", "marrow", "rest", "tumor", "urine", "feces", "degraded")
#: Tissue organs of the PBPK model (everything but blood and the excreta).
TISSUES = ("lung", "heart", "liver", "spleen", "kidney", "gut", "brain", "muscle", "skin",
           "adipose", "bone", "marrow", "rest", "tumor")
SPECIES = ("mouse", "rat", "human")

# Residual blood fraction of organ volume (sources in the module docstring).
BLOOD_FRACTION = MappingProxyType({
    "lung": 0.50, "heart": 0.26, "liver": 0.31, "spleen": 0.17, "kidney": 0.24, "gut": 0.05,
    "brain": 0.03, "muscle": 0.04, "skin": 0.03, "adipose": 0.02, "bone": 0.04, "marrow": 0.10,
    "rest": 0.04, "tumor": 0.05})
# Interstitial fraction of the extravascular volume (sources in the module docstring).
INTERSTITIAL_FRACTION = MappingProxyType({
    "lung": 0.19, "heart": 0.14, "liver": 0.16, "spleen": 0.20, "kidney": 0.13, "gut": 0.09,
    "brain": 0.004, "muscle": 0.12, "skin": 0.30, "adipose": 0.14, "bone": 0.10, "marrow": 0.10,
    "rest": 0.15, "tumor": 0.40})

#: ICRP 89: red marrow share of the skeleton's mass and blood flow (module docstring).
MARROW_MASS_SHARE = 1170.0 / 10500.0
MARROW_FLOW_SHARE = 3.0 / 5.0
#: Default tumour mass (g) by species (module docstring).
DEFAULT_TUMOR_MASS_G = MappingProxyType({"mouse": 0.2, "rat": 0.2, "human": 10.0})
#: Tumour blood flow, mL/min per g (Vaupel et al. 1989).
TUMOR_FLOW_ML_MIN_G = 0.2

_TABLE_NAMES = {"Adipose": "adipose", "Bone": "bone", "Brain": "brain", "Gut": "gut",
                "Heart": "heart", "Kidney": "kidney", "Liver": "liver", "Lung": "lung",
                "Muscle": "muscle", "Skin": "skin", "Spleen": "spleen", "Rest": "rest",
                "Thyroid": "rest"}  # human thyroid is lumped into "rest"


@lru_cache(maxsize=1)
def _tables() -> tuple[dict, dict]:
    tissue: dict[str, dict[str, tuple[float, float]]] = {}
    with open(package_data("physiology", "tissue_volumes_flows.tsv"), newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            sp = row["Species"].lower()
            name = _TABLE_NAMES[row["Tissue"]]
            vol, flow = float(row["Vol (L/kg)"]), float(row["Flow (mL/min/kg^(3/4))"])
            old = tissue.setdefault(sp, {}).get(name, (0.0, 0.0))
            tissue[sp][name] = (old[0] + vol, old[1] + flow)
    species: dict[str, dict[str, float]] = {}
    with open(package_data("physiology", "species_physiology.tsv"), newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            for sp in SPECIES:
                species.setdefault(sp, {})[row["Parameter"]] = float(row[sp.capitalize()])
    return tissue, species


@dataclass(frozen=True)
class Physiology:
    """Organ volumes (mL), blood flows (mL/h) and blood parameters of one subject.

    Attributes
    ----------
    species, body_weight_kg
        Who.
    V
        Organ volume in mL (= g at density 1) for every organ of :data:`TISSUES`.
    Q
        Blood flow in mL/h into every systemic organ; ``Q["liver"]`` is the *total* liver flow
        (hepatic artery + portal), ``Q["hepatic_artery"]`` the arterial part.
    cardiac_output
        mL/h (= sum of the systemic venous returns, so flows balance exactly).
    blood_volume, plasma_volume
        mL.
    hematocrit, gfr
        Fraction; mL/h.
    blood_fraction, interstitial_fraction
        Per organ, dimensionless.
    """

    species: str
    body_weight_kg: float
    V: MappingProxyType
    Q: MappingProxyType
    cardiac_output: float
    blood_volume: float
    plasma_volume: float
    hematocrit: float
    gfr: float
    blood_fraction: MappingProxyType = field(default_factory=lambda: BLOOD_FRACTION)
    interstitial_fraction: MappingProxyType = field(
        default_factory=lambda: INTERSTITIAL_FRACTION)


def tumor_mass_g(tumor: Any, species: str) -> float:
    """Tumour mass in g from a design's ``Tumor`` (volume in mm^3 or mass in g), or the default.

    Examples
    --------
    >>> tumor_mass_g(None, "mouse")
    0.0
    >>> tumor_mass_g({"volume": 150.0}, "mouse")
    0.15
    """
    if tumor is None:
        return 0.0
    get = tumor.get if isinstance(tumor, dict) else lambda k, d=None: getattr(tumor, k, d)
    mass, volume = get("mass"), get("volume")
    if mass is not None:
        return float(mass)
    if volume is not None:
        return float(volume) / 1000.0  # mm^3 -> mL, density 1 g/mL
    return float(DEFAULT_TUMOR_MASS_G[species])


def physiology(species: str, body_weight_kg: float | None = None,
               tumor_g: float = 0.0) -> Physiology:
    """Build the physiology of a ``species`` subject scaled to ``body_weight_kg``.

    Parameters
    ----------
    species
        ``"mouse"``, ``"rat"`` or ``"human"``.
    body_weight_kg
        Body weight; ``None`` gives the table's average (0.02, 0.25, 70 kg).
    tumor_g
        Tumour mass in g (0 = no tumour).

    Examples
    --------
    >>> ph = physiology("mouse", 0.02)
    >>> round(ph.Q["liver"] / ph.cardiac_output, 2)   # total liver flow share of CO
    0.23
    >>> round(ph.V["liver"], 3)
    1.046
    """
    if species not in SPECIES:
        raise DesignError(
            f"subject.species: {species!r} has no physiology; use one of {', '.join(SPECIES)}",
            "subject.species")
    tissue, sp = _tables()
    t = tissue[species]
    sp = sp[species]
    bw = float(sp["Average BW"] if body_weight_kg is None else body_weight_kg)
    if not bw > 0:
        raise DesignError(f"subject.body_weight: {bw!r} must be > 0 kg; give e.g. '25 g'",
                          "subject.body_weight")
    if not tumor_g >= 0:
        raise DesignError(f"subject.tumor: mass {tumor_g!r} must be >= 0 g; give e.g. '0.2 g'",
                          "subject.tumor")
    per_h = 60.0 * bw ** 0.75  # mL/min/kg^0.75 -> mL/h
    V = {name: vol * bw * 1000.0 for name, (vol, _) in t.items()}
    Q = {name: fl * per_h for name, (_, fl) in t.items()}
    # red marrow split from the skeleton (ICRP 89 proportions)
    V["marrow"] = V["bone"] * MARROW_MASS_SHARE
    V["bone"] -= V["marrow"]
    Q["marrow"] = Q["bone"] * MARROW_FLOW_SHARE
    Q["bone"] -= Q["marrow"]
    # bronchial (lung tissue) flow returns via the systemic veins: lumped into "rest"
    Q["rest"] += Q.pop("lung")
    Q["hepatic_artery"] = Q["liver"] - Q["gut"] - Q["spleen"]
    V["tumor"] = float(tumor_g)
    Q["tumor"] = TUMOR_FLOW_ML_MIN_G * 60.0 * float(tumor_g)
    venous_return = ("heart", "liver", "kidney", "brain", "muscle", "skin", "adipose", "bone",
                     "marrow", "rest", "tumor")
    CO = sum(Q[o] for o in venous_return)
    hct = sp["Hematocrit"]
    plasma = sp["Plasma Volume"] * bw
    blood = plasma / (1.0 - hct)
    gfr = sp["GFR"] * per_h
    return Physiology(
        species=species, body_weight_kg=bw,
        V=MappingProxyType({o: V[o] for o in TISSUES}),
        Q=MappingProxyType(Q), cardiac_output=CO, blood_volume=blood, plasma_volume=plasma,
        hematocrit=hct, gfr=gfr)
