"""Stylised phantoms (organ equations) and photon specific absorbed fractions by Monte Carlo.

Geometry
--------
``adult_male``: the stylised adult of MIRD Pamphlet 5 revised (Snyder, Ford & Warner 1978) as
revised by Cristy & Eckerman (ORNL/TM-8381, 1987): trunk elliptical cylinder 40 × 20 × 70 cm,
head elliptical cylinder + half ellipsoid, legs; organs as quadric solids with the published
semi-axes and centres for liver (cut by the plane x/35 + y/45 − z/43 = −1), kidneys (cut at
|x| = 3 cm), spleen, stomach (wall 0.613 cm, contents), urinary bladder (wall 0.252 cm,
contents), lungs, brain, testes. Coordinates: x to the phantom's left, y posterior, z up from
the base of the trunk (cm). Organs that nanotwin approximates (not the published equations, which
are longer) are marked ``approx`` in :data:`ADULT_ORGANS`: heart (wall + contents as confocal
ellipsoids at the ORNL heart mass), pancreas (half ellipsoid at the ORNL mass), thyroid lobes,
small intestine (elliptical-cylinder section), colon (cylinders), skeleton sites (spine,
ribs, pelvis, skull, clavicles, scapulae, sternum, arm and leg bones: shapes of the MIRD
skeleton simplified, skeletal tissue density 1.4 g/cm³ as in MIRD-5), legs (two truncated
cones).

``mouse_25g`` (and 30/35 g scaled by (M/25)^(1/3)): nanotwin's own stylised mouse — trunk
elliptical cylinder and head ellipsoid, each organ an ellipsoid at its RADAR mass (Keenan et
al., J Nucl Med 2010;51:471) placed at its anatomical site. No published equation set exists for
this mouse; the positions are approximate.

Transport
---------
Photons are started uniformly in the source region (voxelised at :data:`VOXEL_CM`), tracked by
Woodcock (delta) tracking through the voxel labels with the xraydb cross sections of
:mod:`nanotwin.dosimetry.absorbed_fractions` (soft tissue ICRU 44, 1.04 g/cm³; lung 0.296 g/cm³;
skeleton a cortical-bone/soft-tissue mixture at 1.4 g/cm³), Klein–Nishina Compton and Thomson
coherent scattering, photoabsorption local; energy transferred to electrons is absorbed where it
is transferred. Photons leaving the body are lost. Red-marrow dose from photons is the
energy-transfer (kerma) ratio of soft tissue to the skeletal mixture applied to each interaction in
a marrow-bearing bone site (Cristy 1981 method), weighted by the site's share of active marrow
(ICRP Publication 70 (1995), adult).

The tables (absorbed fraction per source, energy and target) are built by ``python -m
nanotwin.dosimetry.stylised build`` (seeded; deterministic) and shipped as package data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["ADULT_ORGANS", "ENERGIES_MEV", "MARROW_SITES", "VOXEL_CM", "StylisedPhantom",
           "build_phantom", "photon_absorbed_fractions", "saf_table", "phantom_names"]

#: Photon energies of the SAF tables (MeV); S-values interpolate in log E between them.
ENERGIES_MEV = (0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0, 1.5, 2.0, 4.0)

#: Voxel size (cm) of each phantom's label map.
VOXEL_CM = {"adult_male": 0.25, "mouse": 0.025}

#: Share of the adult active (red) marrow in each bone site, ICRP Publication 70 (1995) Table 41
#: (mandible counted with the cranium; femora and humeri: proximal halves).
MARROW_SITES = {"cranium": 0.084, "scapulae": 0.028, "clavicles": 0.008, "sternum": 0.031,
                "ribs": 0.161, "cervical_spine": 0.039, "thoracic_spine": 0.161,
                "lumbar_spine": 0.123, "sacrum": 0.099, "pelvis": 0.175,
                "femora_proximal": 0.067, "humeri_proximal": 0.023}

_SOFT, _LUNG, _SKEL = 0, 1, 2
#: (density g/cm³, cortical-bone mass fraction) of the three media. Soft tissue 1.04 and lung
#: 0.296 g/cm³ (Cristy & Eckerman 1987); skeleton 1.4 g/cm³ (MIRD-5) as a cortical bone (ICRU 44,
#: 1.92) / soft tissue mixture: volume fraction (1.4 − 1.04)/(1.92 − 1.04).
_V_BONE = (1.4 - 1.04) / (1.92 - 1.04)
MEDIA = {_SOFT: (1.04, 0.0), _LUNG: (0.296, 0.0),
         _SKEL: (1.4, _V_BONE * 1.92 / 1.4)}

Pred = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _ell(x0: float, y0: float, z0: float, a: float, b: float, c: float) -> Pred:
    return lambda x, y, z: ((x - x0) / a) ** 2 + ((y - y0) / b) ** 2 + ((z - z0) / c) ** 2 <= 1


def _ecyl(x0: float, y0: float, a: float, b: float, z1: float, z2: float) -> Pred:
    return lambda x, y, z: ((((x - x0) / a) ** 2 + ((y - y0) / b) ** 2) <= 1) & (z >= z1) & (
        z <= z2)


def _mirror(p: Pred) -> Pred:
    return lambda x, y, z: p(x, y, z) | p(-x, y, z)


# ------------------------------------------------------------------------------ adult male
def _adult_body(x, y, z):
    trunk = ((x / 20) ** 2 + (y / 10) ** 2 <= 1) & (z >= 0) & (z <= 70)
    head = ((x / 7) ** 2 + (y / 10) ** 2 <= 1) & (z > 70) & (z <= 85)
    cap = ((x / 7) ** 2 + (y / 10) ** 2 + ((z - 85) / 9) ** 2 <= 1) & (z > 85)
    R = 10 + 5 * z / 80  # legs: truncated cones, radius 10 cm at z = 0, 5 cm at z = -80 (approx)
    legs = ((((np.abs(x) - 10) ** 2 + y**2) <= R**2) & (z < 0) & (z >= -80))
    return trunk | head | cap | legs | _testes(x, y, z)


def _testes(x, y, z):
    return _mirror(_ell(1.3, -8, -2.3, 1.3, 1.5, 2.3))(x, y, z)


def _liver(x, y, z):
    return (((x / 16.5) ** 2 + (y / 8) ** 2) <= 1) & (x / 35 + y / 45 - z / 43 <= -1) & (
        z >= 27) & (z <= 43)


def _kidneys(x, y, z):
    ax = np.abs(x)
    return ((((ax - 6) / 4.5) ** 2 + ((y - 6) / 1.5) ** 2 + ((z - 32.5) / 5.5) ** 2) <= 1) & (
        ax >= 3)


def _lungs(x, y, z):
    one = lambda x, y, z: (((x - 8.5) / 5) ** 2 + (y / 7.5) ** 2  # noqa: E731
                           + ((z - 43.5) / 24) ** 2 <= 1) & (z >= 43.5)
    return _mirror(one)(x, y, z)


def _ribs(x, y, z):
    shell = ((x / 17) ** 2 + (y / 9.8) ** 2 <= 1) & ((x / 16.4) ** 2 + (y / 9.2) ** 2 > 1)
    band = ((z - 35.1) % 2.4 < 1.2) & (z >= 35.1) & (z <= 63.9)
    return shell & band


def _pelvis(x, y, z):
    outer = (x / 12) ** 2 + ((y + 3) / 12) ** 2 <= 1
    inner = (x / 11.3) ** 2 + ((y + 3.8) / 11.8) ** 2 <= 1
    return outer & ~inner & (y >= -3) & (z >= 14) & (z <= 22)


def _spine(z1: float, z2: float) -> Pred:
    return _ecyl(0, 5.5, 2, 2.5, z1, z2)


def _skull(x, y, z):
    return _ell(0, 0, 86.5, 6.8, 9.8, 8.3)(x, y, z) & (z >= 79)


def _scapulae(x, y, z):
    ax = np.abs(x)
    return ((x / 20) ** 2 + (y / 10) ** 2 <= 1) & ((x / 20) ** 2 + (y / 10) ** 2 >= 0.86) & (
        y > 4) & (ax >= 10) & (ax <= 16) & (z >= 50) & (z <= 67)


def _clavicles(x, y, z):
    ax = np.abs(x)
    return (((y + 6) / 0.8) ** 2 + ((z - 68.25) / 0.8) ** 2 <= 1) & (ax >= 2) & (ax <= 17)


def _arm_bones(proximal: bool) -> Pred:
    def f(x, y, z):
        inside = ((np.abs(x) - 18.4) / 1.4) ** 2 + (y / 2.7) ** 2 <= 1
        return inside & ((z >= 43.5) & (z <= 70) if proximal else (z >= 17) & (z < 43.5))
    return f


def _leg_bones(proximal: bool) -> Pred:
    def f(x, y, z):
        inside = ((np.abs(x) - 10) / 1.5) ** 2 + (y / 1.5) ** 2 <= 1
        return inside & ((z >= -40) & (z < 0) if proximal else (z >= -80) & (z < -40))
    return f


def _colon_upper(x, y, z):
    ascending = _ecyl(-8.5, -2.36, 2.5, 2.5, 14.5, 24)(x, y, z)
    transverse = (((y + 2.36) / 2.5) ** 2 + ((z - 25.5) / 1.5) ** 2 <= 1) & (np.abs(x) <= 10.5)
    return ascending | transverse


def _colon_lower(x, y, z):
    descending = _ecyl(9, 0.5, 2.2, 2.2, 11, 24)(x, y, z)
    sigmoid = (((y + 2) / 1.9) ** 2 + ((z - 10) / 1.9) ** 2 <= 1) & (x >= 0) & (x <= 9)
    return descending | sigmoid


#: Adult-male regions in paint order (later regions overwrite earlier): name, predicate,
#: medium, published equation (``mird``) or nanotwin approximation (``approx``).
ADULT_ORGANS: tuple[tuple[str, Pred, int, str], ...] = (
    ("remainder", _adult_body, _SOFT, "mird"),
    ("testes", _testes, _SOFT, "mird"),
    ("brain", _ell(0, 0, 86.5, 6, 9, 6.5), _SOFT, "mird"),
    ("lungs", _lungs, _LUNG, "mird"),
    ("heart_wall", _ell(1, -2, 52, 6, 4.5, 6.5), _SOFT, "approx"),
    ("heart_contents", _ell(1, -2, 52, 5.04, 3.78, 5.46), _SOFT, "approx"),
    ("liver", _liver, _SOFT, "mird"),
    ("small_intestine", _ecyl(0, -3.5, 11.3, 3.0, 17, 27), _SOFT, "approx"),
    ("upper_large_intestine", _colon_upper, _SOFT, "approx"),
    ("lower_large_intestine", _colon_lower, _SOFT, "approx"),
    ("pancreas", lambda x, y, z: _ell(0, 0, 37, 12, 1.5, 2.4)(x, y, z) & (x >= 0), _SOFT,
     "approx"),
    ("spleen", _ell(11, 3, 37, 3.5, 2, 6), _SOFT, "mird"),
    ("kidneys", _kidneys, _SOFT, "mird"),
    ("stomach_wall", _ell(8, -4, 35, 4, 3, 8), _SOFT, "mird"),
    ("stomach_contents", _ell(8, -4, 35, 3.387, 2.387, 7.387), _SOFT, "mird"),
    ("urinary_bladder_wall", _ell(0, -4.5, 8, 4.958, 3.458, 3.458), _SOFT, "mird"),
    ("urinary_bladder_contents", _ell(0, -4.5, 8, 4.706, 3.206, 3.206), _SOFT, "mird"),
    ("thyroid", _mirror(_ell(1.5, -4, 73, 0.9, 1.2, 2.2)), _SOFT, "approx"),
    ("cranium", lambda x, y, z: _skull(x, y, z) & ~_ell(0, 0, 86.5, 6, 9, 6.5)(x, y, z), _SKEL,
     "approx"),
    ("ribs", _ribs, _SKEL, "approx"),
    ("sternum", lambda x, y, z: (np.abs(x) <= 1.5) & (y <= -8.4) & (y >= -9.6) & (z >= 48)
     & (z <= 64), _SKEL, "approx"),
    ("clavicles", _clavicles, _SKEL, "approx"),
    ("scapulae", _scapulae, _SKEL, "approx"),
    ("cervical_spine", _spine(70, 78.5), _SKEL, "approx"),
    ("thoracic_spine", _spine(44, 70), _SKEL, "approx"),
    ("lumbar_spine", _spine(28, 44), _SKEL, "approx"),
    ("sacrum", _spine(17, 28), _SKEL, "approx"),
    ("pelvis", _pelvis, _SKEL, "approx"),
    ("humeri_proximal", _arm_bones(True), _SKEL, "approx"),
    ("arm_bones_distal", _arm_bones(False), _SKEL, "approx"),
    ("femora_proximal", _leg_bones(True), _SKEL, "approx"),
    ("leg_bones_distal", _leg_bones(False), _SKEL, "approx"),
)


# ----------------------------------------------------------------------------------- mouse
def _mouse_regions(masses: dict[str, float], scale: float
                   ) -> tuple[tuple[str, Pred, int, str], ...]:
    """Stylised mouse: trunk (z 0–5.5 cm), head; organ ellipsoids sized to RADAR masses."""
    s = scale

    def ell_mass(name: str, x0: float, y0: float, z0: float, ratio: tuple[float, float, float],
                 rho: float = 1.04) -> Pred:
        vol = masses[name] / rho
        k = (vol / (4 / 3 * math.pi * ratio[0] * ratio[1] * ratio[2])) ** (1 / 3)
        a, b, c = (k * r for r in ratio)
        return _ell(x0 * s, y0 * s, z0 * s, a, b, c)

    def pair(name: str, x0: float, y0: float, z0: float, ratio: tuple[float, float, float],
             rho: float = 1.04) -> Pred:
        half = dict(masses)
        half[name] = masses[name] / 2
        masses_p = half
        vol = masses_p[name] / rho
        k = (vol / (4 / 3 * math.pi * ratio[0] * ratio[1] * ratio[2])) ** (1 / 3)
        a, b, c = (k * r for r in ratio)
        return _mirror(_ell(x0 * s, y0 * s, z0 * s, a, b, c))

    def body(x, y, z):
        trunk = ((x / (1.25 * s)) ** 2 + (y / (1.05 * s)) ** 2 <= 1) & (z >= 0) & (z <= 5.5 * s)
        head = _ell(0, 0, 6.3 * s, 0.8 * s, 0.75 * s, 1.0 * s)(x, y, z)
        return trunk | head

    skel_vol = masses["skeleton"] / 1.4
    # skeleton: spine (radius 0.16 s) + rib-cage shell (z 3.8–5.3 s) + skull cap; the shell
    # thickness makes up the RADAR skeleton mass
    spine = _ecyl(0, 0.8 * s, 0.16 * s, 0.16 * s, 0.1 * s, 5.5 * s)
    spine_vol = math.pi * (0.16 * s) ** 2 * 5.4 * s
    t = max((skel_vol - spine_vol) / (2 * math.pi * 1.1 * s * 1.5 * s + 4 * math.pi * 0.7 * s
                                      * 0.8 * s), 0.01 * s)

    def skeleton(x, y, z):
        r = np.sqrt((x / 1.25) ** 2 + (y / 1.05) ** 2)
        cage = (r <= 1.0 * s) & (r >= 1.0 * s - t) & (z >= 3.8 * s) & (z <= 5.3 * s)
        q = np.sqrt((x / 0.8) ** 2 + (y / 0.75) ** 2 + ((z - 6.3 * s) / 1.0) ** 2)
        skull = (q <= 1.0 * s) & (q >= 1.0 * s - t)
        return spine(x, y, z) | cage | skull

    return (
        ("remainder", body, _SOFT, "nanotwin"),
        ("brain", ell_mass("brain", 0, 0.1, 6.4, (0.55, 0.4, 0.65)), _SOFT, "nanotwin"),
        ("thyroid", pair("thyroid", 0.12, -0.5, 5.3, (0.06, 0.06, 0.12)), _SOFT, "nanotwin"),
        ("lungs", pair("lungs", 0.5, 0.1, 4.6, (0.35, 0.45, 0.55), 0.3), _LUNG, "nanotwin"),
        ("heart", ell_mass("heart", 0.05, -0.3, 4.5, (0.35, 0.3, 0.4)), _SOFT, "nanotwin"),
        ("liver", ell_mass("liver", -0.1, -0.15, 3.6, (1.0, 0.55, 0.45)), _SOFT, "nanotwin"),
        ("stomach", ell_mass("stomach", 0.55, -0.2, 3.2, (0.3, 0.25, 0.3)), _SOFT, "nanotwin"),
        ("spleen", ell_mass("spleen", 0.7, 0.25, 3.1, (0.12, 0.1, 0.55)), _SOFT, "nanotwin"),
        ("pancreas", ell_mass("pancreas", 0.25, 0.25, 2.8, (0.5, 0.12, 0.3)), _SOFT,
         "nanotwin"),
        ("kidneys", pair("kidneys", 0.55, 0.5, 2.7, (0.25, 0.2, 0.38)), _SOFT, "nanotwin"),
        ("small_intestine", ell_mass("small_intestine", 0, -0.25, 1.9, (1.0, 0.55, 0.8)),
         _SOFT, "nanotwin"),
        ("large_intestine", ell_mass("large_intestine", 0, 0.2, 1.0, (0.8, 0.4, 0.45)),
         _SOFT, "nanotwin"),
        ("urinary_bladder", ell_mass("urinary_bladder", 0, -0.5, 0.45, (0.25, 0.22, 0.28)),
         _SOFT, "nanotwin"),
        ("testes", pair("testes", 0.5, -0.35, 0.35, (0.2, 0.18, 0.35)), _SOFT, "nanotwin"),
        ("skeleton", skeleton, _SKEL, "nanotwin"),
    )


# ---------------------------------------------------------------------------- voxel phantom
class StylisedPhantom:
    """Voxel label map of a stylised phantom.

    Attributes: ``name``, ``labels`` (int16 array, 0 = outside), ``names`` (label -> region),
    ``medium`` (label -> medium index), ``origin`` (cm, corner of voxel 0), ``voxel`` (cm),
    ``masses`` (region -> g, from the voxel counts).
    """

    def __init__(self, name: str, regions: tuple, bounds: tuple, voxel: float) -> None:
        (x1, x2), (y1, y2), (z1, z2) = bounds
        nx, ny, nz = (int(math.ceil((b - a) / voxel)) for a, b in bounds)
        self.name, self.voxel = name, float(voxel)
        self.origin = np.array([x1, y1, z1], dtype=float)
        xs = x1 + (np.arange(nx) + 0.5) * voxel
        ys = y1 + (np.arange(ny) + 0.5) * voxel
        lab = np.zeros((nx, ny, nz), dtype=np.int16)
        self.names = ["outside"]
        self.medium = [-1]
        self.kind = [""]
        X, Y = np.meshgrid(xs, ys, indexing="ij")
        for iz in range(nz):
            z = z1 + (iz + 0.5) * voxel
            Z = np.full_like(X, z)
            sl = lab[:, :, iz]
            for i, (_, pred, _, _) in enumerate(regions, start=1):
                m = pred(X, Y, Z)
                if i > 1:
                    m &= sl > 0  # organs only inside the body
                sl[m] = i
        for rname, _, med, kind in regions:
            self.names.append(rname)
            self.medium.append(med)
            self.kind.append(kind)
        self.labels = lab
        counts = np.bincount(lab.ravel(), minlength=len(self.names))
        v3 = voxel**3
        self.masses = {n: float(counts[i] * v3 * MEDIA[self.medium[i]][0])
                       for i, n in enumerate(self.names) if i > 0}

    def label_of(self, pos: np.ndarray) -> np.ndarray:
        idx = np.floor((pos - self.origin) / self.voxel).astype(np.int64)
        shape = np.array(self.labels.shape)
        ok = np.all((idx >= 0) & (idx < shape), axis=1)
        out = np.zeros(pos.shape[0], dtype=np.int16)
        i = idx[ok]
        out[ok] = self.labels[i[:, 0], i[:, 1], i[:, 2]]
        return out

    def sample(self, weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """n points distributed by mass over labels with the given per-label weights."""
        flat = self.labels.ravel()
        dens = np.array([0.0] + [MEDIA[m][0] for m in self.medium[1:]])
        w = weights[flat] * dens[flat]
        cand = np.flatnonzero(w > 0)
        p = w[cand] / w[cand].sum()
        pick = cand[rng.choice(cand.size, size=n, p=p)]
        ijk = np.stack(np.unravel_index(pick, self.labels.shape), axis=1)
        return self.origin + (ijk + rng.random((n, 3))) * self.voxel


def phantom_names() -> tuple[str, ...]:
    """Phantoms with a stylised geometry.

    Examples
    --------
    >>> phantom_names()
    ('adult_male', 'mouse_25g', 'mouse_30g', 'mouse_35g')
    """
    return ("adult_male", "mouse_25g", "mouse_30g", "mouse_35g")


@lru_cache(maxsize=4)
def build_phantom(name: str) -> StylisedPhantom:
    """Voxelise a stylised phantom (cached).

    Examples
    --------
    >>> ph = build_phantom("mouse_25g")
    >>> abs(ph.masses["liver"] / 1.74 - 1) < 0.05
    True
    """
    if name == "adult_male":
        return StylisedPhantom(name, ADULT_ORGANS, ((-20, 20), (-10, 10), (-80, 94)),
                               VOXEL_CM["adult_male"])
    if name in ("mouse_25g", "mouse_30g", "mouse_35g"):
        from nanotwin.dosimetry.phantoms import phantom_masses

        masses = phantom_masses(name)
        scale = (masses["total_body"] / 24.11) ** (1 / 3)
        return StylisedPhantom(name, _mouse_regions(masses, scale),
                               ((-1.3 * scale, 1.3 * scale), (-1.1 * scale, 1.1 * scale),
                                (0.0, 7.4 * scale)), VOXEL_CM["mouse"])
    raise DesignError(f"phantom: no stylised geometry for {name!r}; use one of "
                      f"{', '.join(phantom_names())}", "phantom")


# ------------------------------------------------------------------------------- transport
@lru_cache(maxsize=8)
def _media_xs() -> tuple[np.ndarray, np.ndarray]:
    """(log E grid, linear attenuation [medium, part(pe,inc,coh), E] in 1/cm)."""
    from nanotwin.dosimetry.absorbed_fractions import _photon_xs

    rows = []
    E = None
    for med in (_SOFT, _LUNG, _SKEL):
        rho, bf = MEDIA[med]
        E, ln_pe, scat = _photon_xs(round(bf, 4))
        rows.append(np.stack([np.exp(ln_pe), scat[0], scat[1]]) * rho)
    return np.log(E), np.stack(rows)


@lru_cache(maxsize=1)
def _kerma_ratio_table() -> np.ndarray:
    from nanotwin.physics.dose_point_kernel import _kn_transfer_fraction

    lnE, xs = _media_xs()
    f = _kn_transfer_fraction(np.exp(lnE))

    def tr(med: int) -> np.ndarray:
        return (xs[med, 0] + xs[med, 1] * f) / MEDIA[med][0]

    return tr(_SOFT) / tr(_SKEL)


def _kerma_ratio(E: np.ndarray) -> np.ndarray:
    """Soft-tissue / skeletal-mixture mass energy-transfer coefficient ratio at photon energy E
    (photoelectric + Compton energy transfer, Klein–Nishina mean transfer fraction)."""
    lnE, _ = _media_xs()
    return np.interp(np.log(np.maximum(E, 1e-6)), lnE, _kerma_ratio_table())


def _transport(ph: StylisedPhantom, pos: np.ndarray, E0: np.ndarray, tag: np.ndarray,
               n_tags: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Woodcock tracking. Returns (deposit [tag, label] MeV, marrow kerma [tag, label] MeV)."""
    from nanotwin.dosimetry.absorbed_fractions import ME_C2, _rotate, _sample_kn, _sample_thomson

    lnE, xs = _media_xs()
    mu_max_tab = xs.sum(axis=1).max(axis=0)
    med_of = np.array(ph.medium, dtype=np.int64)
    nl = len(ph.names)
    dep = np.zeros(n_tags * nl)
    mk = np.zeros(n_tags * nl)
    E = E0.astype(float).copy()
    u = rng.normal(size=pos.shape)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    alive = np.arange(E.size)
    skel = med_of == _SKEL
    for _ in range(5000):
        if alive.size == 0:
            break
        e = E[alive]
        le = np.log(e)
        mu_max = np.interp(le, lnE, mu_max_tab)
        pos[alive] += u[alive] * (-np.log1p(-rng.random(alive.size)) / mu_max)[:, None]
        lab = ph.label_of(pos[alive])
        out = lab == 0
        alive, e, le, lab, mu_max = (alive[~out], e[~out], le[~out], lab[~out],
                                     mu_max[~out])
        med = med_of[lab]
        pe = np.empty(alive.size)
        inc = np.empty(alive.size)
        coh = np.empty(alive.size)
        for m in (_SOFT, _LUNG, _SKEL):
            s = med == m
            if s.any():
                pe[s] = np.interp(le[s], lnE, xs[m, 0])
                inc[s] = np.interp(le[s], lnE, xs[m, 1])
                coh[s] = np.interp(le[s], lnE, xs[m, 2])
        x = rng.random(alive.size) * mu_max
        photo = x < pe
        incoh = ~photo & (x < pe + inc)
        cohm = ~photo & ~incoh & (x < pe + inc + coh)
        key = tag[alive] * nl + lab
        ratio = None
        if skel[lab].any():
            ratio = _kerma_ratio(e)
        np.add.at(dep, key[photo], e[photo])
        if ratio is not None:
            sk = photo & skel[lab]
            np.add.at(mk, key[sk], e[sk] * ratio[sk])
        ia = alive[incoh]
        k = e[incoh] / ME_C2
        cos_t = _sample_kn(k, rng)
        e_new = e[incoh] / (1 + k * (1 - cos_t))
        np.add.at(dep, key[incoh], e[incoh] - e_new)
        if ratio is not None:
            sk = skel[lab[incoh]]
            np.add.at(mk, key[incoh][sk], (e[incoh] - e_new)[sk] * ratio[incoh][sk])
        E[ia] = e_new
        u[ia] = _rotate(u[ia], cos_t, rng)
        ic = alive[cohm]
        if ic.size:
            u[ic] = _rotate(u[ic], _sample_thomson(ic.size, rng), rng)
        keep = ~photo
        alive, lab2 = alive[keep], lab[keep]
        low = E[alive] < 0.001
        if low.any():
            np.add.at(dep, tag[alive[low]] * nl + lab2[low], E[alive[low]])
        alive = alive[~low]
    return dep.reshape(n_tags, nl), mk.reshape(n_tags, nl)


def _source_weights(ph: StylisedPhantom, source: str) -> np.ndarray:
    w = np.zeros(len(ph.names))
    if source == "total_body":
        w[1:] = 1.0
    elif source == "skeleton_all":
        w[[i for i, m in enumerate(ph.medium) if m == _SKEL]] = 1.0
    elif source == "red_marrow_all":
        for site, share in MARROW_SITES.items():
            if site in ph.names:
                i = ph.names.index(site)
                w[i] = share / ph.masses[site]
    else:
        w[ph.names.index(source)] = 1.0
    return w


def _one_source(phantom: str, src: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(af, marrow af) [energy, target] of one source; its own seed stream (seed, source name),
    so a source's result does not depend on which other sources are computed."""
    ph = build_phantom(phantom)
    rng = np.random.default_rng([seed, *src.encode()])
    Eg = np.array(ENERGIES_MEV)
    pos = ph.sample(_source_weights(ph, src), n * Eg.size, rng)
    E0 = np.repeat(Eg, n)
    tag = np.repeat(np.arange(Eg.size), n)
    dep, mk = _transport(ph, pos, E0, tag, Eg.size, rng)
    return dep[:, 1:] / (Eg[:, None] * n), mk[:, 1:] / (Eg[:, None] * n)


def photon_absorbed_fractions(phantom: str, sources: list[str] | None = None, n: int = 4000,
                              seed: int = 20240917, progress: Any = None) -> dict[str, Any]:
    """Photon absorbed fractions φ(target ← source, E) of a stylised phantom by Monte Carlo.

    Returns a dict with ``sources``, ``targets`` (region names), ``energies_MeV``,
    ``af`` (source × energy × target: fraction of the emitted energy absorbed in the target),
    ``marrow_af`` (same shape: the red-marrow-equivalent kerma fraction in each bone site),
    ``masses_g`` (per target), ``n``, ``seed``.

    Examples
    --------
    >>> r = photon_absorbed_fractions("mouse_25g", ["liver"], n=200)
    >>> af = r["af"][0]                         # energies × targets
    >>> bool(0 < af[:, r["targets"].index("liver")].mean() < 1 and af.sum(axis=1).max() <= 1)
    True
    """
    ph = build_phantom(phantom)
    regions = list(ph.names[1:])
    extra = ["total_body", "skeleton_all"] + (["red_marrow_all"]
                                              if "pelvis" in ph.names else [])
    srcs = sources or [*regions, *extra]
    Eg = np.array(ENERGIES_MEV)
    af = np.zeros((len(srcs), Eg.size, len(ph.names) - 1))
    maf = np.zeros_like(af)
    for j, src in enumerate(srcs):
        af[j], maf[j] = _one_source(phantom, src, n, seed)
        if progress is not None:
            progress(src)
    return {"phantom": phantom, "sources": srcs, "targets": regions, "energies_MeV": Eg,
            "af": af, "marrow_af": maf, "masses_g": np.array([ph.masses[t] for t in regions]),
            "n": n, "seed": seed}


_TABLE_FILE = "stylised_photon_af_{}.npz"


@lru_cache(maxsize=8)
def saf_table(phantom: str) -> dict[str, Any]:
    """The shipped photon absorbed-fraction table of a stylised phantom (package data).

    Built by ``python -m nanotwin.dosimetry.stylised build`` (see module notes).

    Examples
    --------
    >>> t = saf_table("adult_male")
    >>> "liver" in t["targets"] and t["af"].shape[1] == len(ENERGIES_MEV)
    True
    """
    from nanotwin._paths import package_data

    if phantom not in phantom_names():
        raise DesignError(f"phantom: no stylised geometry for {phantom!r}; use one of "
                          f"{', '.join(phantom_names())}", "phantom")
    path = package_data("dosimetry", _TABLE_FILE.format(phantom))
    with np.load(path, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}
    out["sources"] = [str(s) for s in out["sources"]]
    out["targets"] = [str(s) for s in out["targets"]]
    return out


def _build(phantoms: list[str], n: int) -> None:  # pragma: no cover - run by hand
    from nanotwin._paths import package_data

    for name in phantoms:
        r = photon_absorbed_fractions(name, n=n, progress=lambda s, nm=name: print(nm, s,
                                                                               flush=True))
        np.savez_compressed(package_data("dosimetry", _TABLE_FILE.format(name)),
                            sources=np.array(r["sources"]), targets=np.array(r["targets"]),
                            energies_MeV=r["energies_MeV"], af=r["af"],
                            marrow_af=r["marrow_af"], masses_g=r["masses_g"],
                            n=np.array(r["n"]), seed=np.array(r["seed"]))


if __name__ == "__main__":  # pragma: no cover
    import sys

    args = sys.argv[1:]
    if not args or args[0] != "build":
        sys.exit("usage: python -m nanotwin.dosimetry.stylised build [N] [phantom ...]")
    n_ = int(args[1]) if len(args) > 1 else 20000
    _build(args[2:] or list(phantom_names()), n_)
