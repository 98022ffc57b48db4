"""Organ S-values on stylised geometry: photon SAFs, walls from contents, red marrow.

``S(T←S) = Σ_i E_i Y_i Φ_i(T←S)`` (MIRD Pamphlet 21, Bolch et al. 2009) with, per radiation:

* **Photons**: Φ from the stylised-phantom Monte Carlo tables
  (:func:`nanotwin.dosimetry.stylised.saf_table`), log-E interpolated. Cross SAFs are used as
  they are (per gram of target; to first order independent of the target's mass); self absorbed
  fractions are scaled to the subject's organ mass as φ ∝ m^(1/3) (Snyder et al., MIRD Pamphlet
  11, 1975). ``adult_female`` uses the male geometry with SAFs scaled by the body-mass ratio
  (M_male/M_female)^(2/3) (approximation; no female geometry yet).
* **Electrons and alphas**: absorbed in the source organ (nanotwin's sphere model) except
  - walls of hollow organs from their contents (stomach, heart, urinary bladder):
    ``S(wall←contents) = E / (2 m_contents)`` — the dose at the wall surface is half the
    equilibrium dose of the contents (ICRP Publication 30 (1979) convention, used by MIRDOSE /
    OLINDA);
  - red (active) marrow, see below.
* **Red marrow** (target ``red_marrow``):
  - photons: the marrow-equivalent kerma in each marrow-bearing bone site (Cristy 1981 method,
    computed interaction by interaction in the Monte Carlo), weighted by the site's share of
    active marrow (ICRP Publication 70 (1995));
  - electrons/alphas from marrow (RM←RM): two-scale model of the spongiosa with active and
    inactive (fatty) marrow mixed uniformly in the marrow space — the ICRP convention
    φ(AM←AM) = CF · φ(TM←TM) (ICRP Publication 70 (1995); Bolch et al., J Nucl Med
    2002;43:97) — so an electron line's energy is absorbed in the active marrow as
    ``φ = CF φ_cav + f_eq (φ_sp − φ_cav)``: within a marrow cavity of diameter
    :data:`D_CAVITY_CM` the active share CF of the marrow (cellularity), beyond the cavity the
    equilibrium share f_eq of the spongiosa's stopping mass that is active marrow, until it
    leaves a spongiosa of radius :data:`R_SPONGIOSA_CM`. φ_cav, φ_sp are nanotwin's sphere
    absorbed fractions (ICRU 37 stopping, ICRP-107 spectra). Masses from ICRP Publication 89
    (2002) Table 2.8 (active marrow 1170 g, trabecular bone 1100 g for the adult male); CF = 0.7
    (adult active-marrow cellularity, ICRP Publication 70); bone/marrow mass collision stopping
    ratio 0.94 (ICRU Report 44 compositions, Bethe formula). (Until this revision a third,
    60 µm active-cell-cluster scale kept all the energy of the shortest tracks in active marrow;
    it is not part of the ICRP convention and overestimated RM←RM by 12–16 % against OLINDA for
    low-energy β emitters; :data:`D_CLUSTER_CM` is kept for reference only.)
  - electrons/alphas from bone: red marrow ← trabecular bone volume for electrons from the
    spongiosa model by reciprocity (:func:`marrow_from_trabecular_bone_fraction`); otherwise
    ICRP Publication 30 Part 1 (1979) absorbed fractions for beta (alpha) emitters: red marrow
    ← trabecular bone surface 0.5 (0.5), ← trabecular bone volume — (0.05), ← cortical bone
    0 (0); skeleton source (uniform in the skeleton): electrons give the skeleton's mean dose.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from nanotwin.physics import nuclear

__all__ = ["BONE_SOURCES", "CELLULARITY", "D_CAVITY_CM", "D_CLUSTER_CM", "R_SPONGIOSA_CM",
           "geometric_s_pair", "has_geometry", "marrow_from_trabecular_bone_fraction",
           "marrow_self_fraction"]

MEV_TO_J = 1.602176634e-13

#: Adult active-marrow cellularity (ICRP Publication 70, 1995).
CELLULARITY = 0.7
#: Diameter of an active-marrow cell cluster between adipocytes (cm; adipocytes ~50–100 µm);
#: no longer used by :func:`marrow_self_fraction` (see the module notes).
D_CLUSTER_CM = 0.006
#: Marrow-cavity diameter (cm): adult mean marrow chords 0.5–1.7 mm (Whitwell & Spiers, Phys
#: Med Biol 1976;21:16); 1 mm taken.
D_CAVITY_CM = 0.1
#: Radius of a spongiosa region (cm; a lumbar vertebral body is ~ 3 × 4 cm).
R_SPONGIOSA_CM = 1.5
#: ICRP 89 adult male: active marrow and trabecular bone masses (g).
_M_AM, _M_TRAB = 1170.0, 1100.0
#: bone / marrow mass collision stopping power ratio (ICRU 44 compositions, Bethe; ~ Z/A ratio)
_S_BONE_RATIO = 0.94

#: Skeletal sources with ICRP-30 red-marrow absorbed fractions (beta, alpha).
BONE_SOURCES = {"trabecular_bone_surface": (0.5, 0.5), "trabecular_bone_volume": (0.35, 0.05),
                "cortical_bone_surface": (0.0, 0.0), "cortical_bone_volume": (0.0, 0.0)}

# phantom organ -> stylised regions (unions are mass-weighted)
_ADULT_MAP = {
    "brain": ("brain",), "heart": ("heart_wall",), "heart_contents": ("heart_contents",),
    "stomach": ("stomach_wall",), "stomach_contents": ("stomach_contents",),
    "small_intestine": ("small_intestine",),
    "large_intestine": ("upper_large_intestine", "lower_large_intestine"),
    "kidneys": ("kidneys",), "liver": ("liver",), "lungs": ("lungs",),
    "pancreas": ("pancreas",), "spleen": ("spleen",), "testes": ("testes",),
    "thyroid": ("thyroid",), "urinary_bladder": ("urinary_bladder_wall",),
    "urinary_bladder_contents": ("urinary_bladder_contents",),
    "adrenals": ("kidneys",),  # adrenals sit on the kidneys (approximation)
    "muscle": ("remainder",), "skin": ("remainder",), "adipose": ("remainder",),
    "breast": ("remainder",),
}
_MOUSE_MAP = {o: (o,) for o in ("brain", "thyroid", "lungs", "heart", "liver", "stomach",
                                "spleen", "pancreas", "kidneys", "small_intestine",
                                "large_intestine", "urinary_bladder", "testes", "skeleton")}
_WALLS = {"stomach": "stomach_contents", "heart": "heart_contents",
          "urinary_bladder": "urinary_bladder_contents"}
_SKELETON_SITES = ("cranium", "ribs", "clavicles", "scapulae", "cervical_spine",
                   "thoracic_spine", "lumbar_spine", "pelvis", "humeri_proximal",
                   "arm_bones_distal", "femora_proximal", "leg_bones_distal")


def has_geometry(phantom: str) -> bool:
    """Whether a phantom's cross-dose uses stylised geometry.

    Examples
    --------
    >>> has_geometry("adult_male"), has_geometry("adult_female"), has_geometry("mouse_30g")
    (True, True, True)
    """
    return phantom in ("adult_male", "adult_female", "mouse_25g", "mouse_30g", "mouse_35g")


def _table_name(phantom: str) -> str:
    return "adult_male" if phantom.startswith("adult") else phantom


def _regions(phantom: str, organ: str, role: str) -> tuple[str, ...] | None:
    if phantom.startswith("adult"):
        if organ == "skeleton":
            return ("skeleton_all",) if role == "source" else _SKELETON_SITES
        if organ == "red_marrow" and role == "source":
            return ("red_marrow_all",)
        if organ in BONE_SOURCES and role == "source":
            return ("skeleton_all",)
        if organ in ("remainder", "total_body") and role == "source":
            return ("total_body",)
        if organ == "total_body":
            return None
        return _ADULT_MAP.get(organ)
    if organ == "skeleton":
        return ("skeleton_all",) if role == "source" else ("skeleton",)
    if organ in ("remainder", "total_body") and role == "source":
        return ("total_body",)
    return _MOUSE_MAP.get(organ)


@lru_cache(maxsize=4096)
def _photon_phi(phantom: str, source: str, target: str) -> tuple[np.ndarray, float] | None:
    """(Φ on ENERGIES_MEV in 1/g, stylised target mass g) or None if not in geometry."""
    t = _load(phantom)
    src = _regions(phantom, source, "source")
    if src is None or any(s not in t["sources"] for s in src):
        return None
    rows = [t["sources"].index(s) for s in src]
    if source in ("skeleton", "red_marrow", "remainder", "total_body") or len(rows) == 1:
        w = np.ones(len(rows)) / len(rows)
    else:
        w = np.array([t["masses"][s] for s in src])
        w = w / w.sum()
    af = np.tensordot(w, t["af"][rows], axes=1)  # energies x targets
    if target == "red_marrow":
        if not phantom.startswith("adult"):
            return None
        from nanotwin.dosimetry.stylised import MARROW_SITES

        maf = np.tensordot(w, t["marrow_af"][rows], axes=1)
        phi = np.zeros(af.shape[0])
        for site, share in MARROW_SITES.items():
            i = t["targets"].index(site)
            phi += share * maf[:, i] / t["masses_g"][i]
        return phi * t["scale"], _M_AM
    tg = _regions(phantom, target, "target")
    if tg is None or any(x not in t["targets"] for x in tg):
        return None
    idx = [t["targets"].index(x) for x in tg]
    m = float(sum(t["masses_g"][i] for i in idx))
    return af[:, idx].sum(axis=1) / m * t["scale"], m


@lru_cache(maxsize=8)
def _load(phantom: str) -> dict:
    from nanotwin.dosimetry.masses import phantom_masses
    from nanotwin.dosimetry.stylised import saf_table

    t = dict(saf_table(_table_name(phantom)))
    t["masses"] = dict(zip(t["targets"], t["masses_g"], strict=True))
    t["scale"] = 1.0
    if phantom == "adult_female":
        t["scale"] = (phantom_masses("adult_male")["total_body"]
                      / phantom_masses("adult_female")["total_body"]) ** (2 / 3)
    return t


def _photon_lines(nuclide: str) -> tuple[np.ndarray, np.ndarray]:
    rows = nuclear._emission_rows(nuclide)
    sel = [(e, y) for r, e, y in rows if r in ("X", "gamma", "annihilation") and e > 0]
    return np.array([e for e, _ in sel]), np.array([y for _, y in sel])


def _photon_s(nuclide: str, source: str, target: str, phantom: str, m_target: float,
              same: bool) -> float | None:
    """Photon S (Gy/(Bq s)) or None if the pair is not in the geometry."""
    from nanotwin.dosimetry.stylised import ENERGIES_MEV

    r = _photon_phi(phantom, source, target)
    if r is None:
        return None
    phi, m_ph = r
    E, Y = _photon_lines(nuclide)
    if E.size == 0:
        return 0.0
    lg = np.log(np.array(ENERGIES_MEV))
    Phi = np.interp(np.log(E), lg, phi)
    if same:  # self: φ = Φ m scales as m^(1/3)  ->  Φ_subject = Φ (m_ph/m)^(2/3)
        Phi = Phi * (m_ph / m_target) ** (2 / 3)
    return float(np.sum(E * Y * Phi)) * MEV_TO_J * 1e3


@lru_cache(maxsize=512)
def _spongiosa_parts(nuclide: str) -> tuple[float, float, float, float, float, float]:
    """(electron MeV absorbed in a marrow cavity, in a spongiosa, emitted; same for alphas)."""
    from nanotwin.dosimetry.svalues import absorbed_energy_per_decay

    def parts(radius: float) -> tuple[float, float]:
        mass = 4 / 3 * math.pi * radius**3 * 1.03
        d = dict(absorbed_energy_per_decay(nuclide, float(f"{mass:.6g}"), 1.03, 0.0))
        return d["beta-"] + d["beta+"] + d["electron"], d["alpha"]

    mean = nuclear.mean_energy_per_decay(nuclide)
    (ve, va), (se, sa) = parts(D_CAVITY_CM / 2), parts(R_SPONGIOSA_CM)
    return ve, se, mean["electrons_total"], va, sa, mean["alpha"]


def _f_eq() -> float:
    """Active-marrow share of the spongiosa's electron stopping mass."""
    return _M_AM / (_M_AM / CELLULARITY + _M_TRAB * _S_BONE_RATIO)


@lru_cache(maxsize=512)
def marrow_self_fraction(nuclide: str) -> tuple[float, float]:
    """Fraction of the electron (and alpha) energy emitted in red marrow absorbed in red marrow.

    The spongiosa model of the module notes. Returns ``(electrons, alphas)``.

    Examples
    --------
    >>> fe, fa = marrow_self_fraction("Lu-177")
    >>> 0.4 < fe < 0.9 and fa == 0.0
    True
    """
    ve, se, E_e, va, sa, E_a = _spongiosa_parts(nuclide)

    def phi(v: float, s: float, E: float) -> float:
        if E <= 0:
            return 0.0
        return (CELLULARITY * v + _f_eq() * (s - v)) / E

    return phi(ve, se, E_e), phi(va, sa, E_a)


@lru_cache(maxsize=512)
def marrow_from_trabecular_bone_fraction(nuclide: str) -> float:
    """Fraction of the electron energy emitted in trabecular bone (volume) absorbed in red marrow.

    From the same spongiosa model by reciprocity (equal specific absorbed fractions between two
    regions of one medium, here with stopping masses): the energy that marrow-born electrons
    give to the trabeculae, ``(φ_sp − φ_cav)(1 − f_TM)`` with ``f_TM`` the marrow share of the
    stopping mass, is returned from bone-born ones scaled by the stopping-mass ratio
    ``m_TM / (m_TB S_b/m)``; the active share is CF. No further parameter: for long ranges it
    tends to the equilibrium share, for ranges shorter than a cavity to zero. (ICRP
    Publication 30 used a fixed 0.35 for all β emitters; kept for alphas, 0.05.)

    Examples
    --------
    >>> round(marrow_from_trabecular_bone_fraction("Y-90"), 2) > round(
    ...     marrow_from_trabecular_bone_fraction("Lu-177"), 2) > 0
    True
    """
    ve, se, E_e, *_ = _spongiosa_parts(nuclide)
    if E_e <= 0:
        return 0.0
    m_tm, m_tb = _M_AM / CELLULARITY, _M_TRAB * _S_BONE_RATIO
    f_tm = m_tm / (m_tm + m_tb)
    return CELLULARITY * m_tm / m_tb * (se - ve) * (1 - f_tm) / E_e


def _charged_energy(nuclide: str) -> tuple[float, float]:
    mean = nuclear.mean_energy_per_decay(nuclide)
    return mean["alpha"] + mean["alpha_recoil"], mean["electrons_total"]


def geometric_s_pair(nuclide: str, source: str, target: str, phantom: str,
                     masses: dict[str, float], self_charged: tuple[float, float]
                     ) -> tuple[float, float] | None:
    """(S_alpha, S_other) Gy/(Bq s) of one chain member on stylised geometry, or None.

    ``self_charged``: (alpha, electron) MeV absorbed in the source organ per decay (sphere
    model), used for self-dose. Returns None where the geometry has no answer (the caller falls
    back to its sphere / remainder model).
    """
    if not has_geometry(phantom):
        return None
    adult = phantom.startswith("adult")
    Ea, Ee = _charged_energy(nuclide)
    same = source == target
    m_t = masses.get(target)
    if m_t is None:
        return None
    to_gy = MEV_TO_J * 1e3
    # photons
    ph = _photon_s(nuclide, source, target, phantom, m_t, same)
    if ph is None:
        return None
    # charged particles
    a = o = 0.0
    if target == "red_marrow" and adult:
        if source == "red_marrow":
            fe, fa = marrow_self_fraction(nuclide)
            rec = nuclear.mean_energy_per_decay(nuclide)["alpha_recoil"]
            a = (fa * (Ea - rec) + rec) * to_gy / m_t
            o = fe * Ee * to_gy / m_t
        elif source in BONE_SOURCES:
            fb, fal = BONE_SOURCES[source]
            if source == "trabecular_bone_volume":
                fb = marrow_from_trabecular_bone_fraction(nuclide)
            a, o = fal * Ea * to_gy / m_t, fb * Ee * to_gy / m_t
        elif source == "skeleton":
            a, o = Ea * to_gy / masses["skeleton"], Ee * to_gy / masses["skeleton"]
    elif target == "skeleton" and adult and source in ("red_marrow", *BONE_SOURCES):
        a, o = Ea * to_gy / m_t, Ee * to_gy / m_t
    elif same:
        a, o = (x * to_gy / m_t for x in self_charged)
    elif _WALLS.get(target) == source and source in masses:
        a, o = (x * to_gy / (2 * masses[source]) for x in (Ea, Ee))
    elif source == "remainder":
        # activity spread through the body (blood, unmodelled tissue): charged particles give
        # every tissue the whole-body mean (nanotwin's remainder convention)
        M = masses["total_body"]
        a, o = Ea * to_gy / M, Ee * to_gy / M
    return a, o + ph
