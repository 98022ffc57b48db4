"""Biokinetics of a radiometal (or radiohalide) that has left its nanoparticle.

A detached label joins the free-ion pool in blood and is then distributed by a first-order
compartment model of the shape used by the ICRP systemic models: from blood (clearance half-time
``t_blood_h``) a fraction ``f[o]`` goes to each organ pool ``o`` (or directly to urine/faeces);
each organ pool returns to blood with its retention half-time ``T[o]``, and the liver pool of
hepatobiliary elements is excreted to faeces with ``t_bile_h``.

Free-ion compartments (``FREE_ORGANS``): blood, liver, spleen, kidney, gut, bone, marrow, muscle,
rest, tumor (the thyroid is part of "rest" and the stomach part of "gut" in nanotwin's organ
list), plus the urine and faeces sinks.

Element data (approximate; fractions of what leaves blood; sources per entry):

- Cu (free 64Cu2+): liver-dominant uptake and biliary excretion -- Peng et al., J Nucl Med
  2006;47:1649 ([64Cu]CuCl2 in mice: liver highest at all times); ICRP 30 Part 2 (Cu: 0.4 of
  systemic copper to liver, biliary excretion).
- Zr (free 89Zr4+, oxalate/chloride): bone seeker -- Abou, Ku & Smith-Jones, Nucl Med Biol
  2011;38:675 (89Zr-oxalate: ~20 %ID/g bone retained for days); ICRP 30 (Zr: 0.5 to bone).
- Lu, Y, Sc, Tb, Ho, Sm, Er, Gd, Dy (trivalent rare earths): ICRP 30 Part 3 lanthanide model
  (0.6 to bone, 0.2 to liver, 0.2 excreted); Durbin, Health Phys 1962;8:665 (heavy lanthanides
  are bone-seeking).
- Ac: ICRP 30 Part 4 (0.45 to bone, 0.45 to liver, 0.1 excreted).
- Ga, In (transferrin-bound): ICRP 30 (In: 0.3 liver, 0.2 kidney, 0.07 spleen, 0.25 bone); Ga
  similar with more bone/marrow (Hoffer, Semin Nucl Med 1980;10:173: 67Ga-citrate
  in bone, marrow, liver; 25 % urinary excretion in 24 h). Blood half-time ~10 h (transferrin).
- Bi: ICRP 30 Part 2 (0.4 kidney, 0.3 excreted, 0.3 other tissues).
- Pb: ICRP 67 (bone-seeking; we take 0.5 bone, 0.1 liver, 0.1 kidney, 0.3 urine).
- I (iodide): ICRP 53/128 (0.3 to thyroid -> "rest", stomach/salivary secretion -> "gut" 0.1,
  0.6 to urine; blood half-time 6 h; thyroid retention 80 d).
- Tc (pertechnetate): ICRP 53/128 (thyroid 0.04 -> "rest", stomach 0.1 -> "gut", 0.5 urine, rest
  soft tissue; blood half-time 1 h).
- F (fluoride): ICRP 53 (0.5 to bone, 0.5 to urine; blood half-time 0.2 h).
- any other element: a documented generic model (0.5 to "rest", 0.5 to urine, blood half-time
  1 h) -- results then carry attrs ``free_label_model = "generic"``.

Blood clearance half-times where not stated: 0.25 h for ions cleared by tissue binding and
filtration (Cu, Zr, lanthanides, Ac, Bi, Pb); tissue retention 24 h (soft tissue), 100 h (liver),
1e4 h (bone, for bone seekers) -- order-of-magnitude values from the ICRP models cited.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["FREE_ORGANS", "FREE_POOLS", "free_ion_model", "free_compartment_of"]

#: Organ pools of the free-ion model (the excreta are the sinks "urine" and "feces").
FREE_ORGANS = ("blood", "liver", "spleen", "kidney", "gut", "bone", "marrow", "muscle", "rest",
               "tumor")
FREE_POOLS = (*FREE_ORGANS, "urine", "feces")

_SOFT, _LIVER, _BONE = 24.0, 100.0, 1.0e4

_RARE_EARTH = {"t_blood_h": 0.25, "f": {"bone": 0.6, "liver": 0.2, "urine": 0.2},
               "T": {"bone": _BONE, "liver": _LIVER}, "t_bile_h": None}
_MODELS: dict[str, dict] = {
    "Cu": {"t_blood_h": 0.25,
           "f": {"liver": 0.5, "kidney": 0.1, "gut": 0.1, "muscle": 0.05, "rest": 0.15,
                 "urine": 0.1},
           "T": {"liver": _LIVER}, "t_bile_h": 50.0},
    "Zr": {"t_blood_h": 0.25, "f": {"bone": 0.5, "liver": 0.1, "kidney": 0.05, "rest": 0.15,
                                    "urine": 0.2},
           "T": {"bone": _BONE, "liver": _LIVER}, "t_bile_h": None},
    **{el: _RARE_EARTH for el in ("Lu", "Y", "Sc", "Tb", "Ho", "Sm", "Er", "Gd", "Dy")},
    "Ac": {"t_blood_h": 0.25, "f": {"bone": 0.45, "liver": 0.45, "urine": 0.1},
           "T": {"bone": _BONE, "liver": _LIVER}, "t_bile_h": None},
    "In": {"t_blood_h": 10.0,
           "f": {"liver": 0.3, "kidney": 0.2, "spleen": 0.07, "bone": 0.15, "marrow": 0.1,
                 "rest": 0.18},
           "T": {"liver": _LIVER, "bone": _BONE, "marrow": _LIVER}, "t_bile_h": None},
    "Ga": {"t_blood_h": 10.0,
           "f": {"bone": 0.2, "marrow": 0.1, "liver": 0.15, "rest": 0.3, "urine": 0.25},
           "T": {"liver": _LIVER, "bone": _BONE, "marrow": _LIVER}, "t_bile_h": None},
    "Bi": {"t_blood_h": 0.25, "f": {"kidney": 0.4, "rest": 0.3, "urine": 0.3}, "T": {},
           "t_bile_h": None},
    "Pb": {"t_blood_h": 0.25, "f": {"bone": 0.5, "liver": 0.1, "kidney": 0.1, "urine": 0.3},
           "T": {"bone": _BONE, "liver": _LIVER}, "t_bile_h": None},
    "I": {"t_blood_h": 6.0, "f": {"rest": 0.3, "gut": 0.1, "urine": 0.6},
          "T": {"rest": 80 * 24.0, "gut": 2.0}, "t_bile_h": None},
    "Tc": {"t_blood_h": 1.0, "f": {"rest": 0.4, "gut": 0.1, "urine": 0.5},
           "T": {"gut": 2.0}, "t_bile_h": None},
    "F": {"t_blood_h": 0.2, "f": {"bone": 0.5, "urine": 0.5}, "T": {"bone": _BONE},
          "t_bile_h": None},
}
_GENERIC = {"t_blood_h": 1.0, "f": {"rest": 0.5, "urine": 0.5}, "T": {}, "t_bile_h": None}

# Where a label freed inside a particle organ appears: organs with their own free pool keep it,
# the others (lung, heart, brain, skin, adipose) hand it to "rest"; the vascular space to blood.
_FREE_OF = {"lung": "rest", "heart": "rest", "brain": "rest", "skin": "rest", "adipose": "rest"}


def free_compartment_of(organ: str) -> str:
    """Free-ion pool that receives a label detached in ``organ``.

    Examples
    --------
    >>> free_compartment_of("liver"), free_compartment_of("skin")
    ('liver', 'rest')
    """
    return _FREE_OF.get(organ, organ)


def free_ion_model(element: str | None) -> MappingProxyType:
    """First-order rate constants (1/h) of the free-ion model of ``element``.

    Returns
    -------
    mappingproxy
        ``k_out`` (blood clearance), ``f`` (fractions to pools, summing to 1), ``k_back``
        (organ pool -> blood), ``k_bile`` (liver pool -> faeces), ``generic`` (True when the
        element has no specific model).

    Examples
    --------
    >>> m = free_ion_model("Zr")
    >>> m["f"]["bone"], m["generic"]
    (0.5, False)
    >>> round(sum(free_ion_model("Cu")["f"].values()), 6)
    1.0
    """
    import math

    spec = _MODELS.get(element or "", _GENERIC)
    ln2 = math.log(2.0)
    k_back = {o: ln2 / spec["T"].get(o, _SOFT) for o in FREE_ORGANS if o != "blood"}
    t_bile = spec["t_bile_h"]
    return MappingProxyType({
        "k_out": ln2 / spec["t_blood_h"],
        "f": MappingProxyType(dict(spec["f"])),
        "k_back": MappingProxyType(k_back),
        "k_bile": 0.0 if t_bile is None else ln2 / t_bile,
        "generic": spec is _GENERIC,
    })
