"""Stylised phantoms (organ equations) and photon specific absorbed fractions by Monte Carlo.

Geometry
--------
``adult_male``: the stylised adult of MIRD Pamphlet 5 revised (Snyder, Ford & Warner 1978) as
used by Cristy & Eckerman (ORNL/TM-8381, 1987): trunk elliptical cylinder 40 × 20 × 70 cm, head
elliptical cylinder + half ellipsoid, two leg cones; organs as quadric solids with published
semi-axes and centres (liver cut by the plane x/35 + y/45 − z/43 = −1, kidneys cut at |x| = 3
cm, spleen, stomach wall 0.613 cm and contents, bladder wall 0.252 cm and contents, lungs,
brain, testes, small intestine); the whole MIRD skeleton (leg and arm bones, pelvis, the spine in
three sections, 12 ribs, clavicles, scapulae, cranium) with the ICRP-70 active-marrow share of
each bone region (:data:`MARROW_SITES`). Each region's source is written next to its equation and
marked in :data:`ADULT_ORGANS`: ``mird`` (published equations, some with the numbers of the
Geant4 human_phantom MIRD adult), ``scaled`` (ORNL adult-female solids of that example divided by
the female/male trunk ratios: pelvis, colon, pancreas), ``approx`` (nanotwin's shapes at the ORNL
masses: heart, thyroid, cranium). Coordinates: x to the phantom's left, y posterior, z up from
the base of the trunk (cm). Media: ORNL soft tissue, skeleton and lung (:data:`COMPOSITIONS`).

``mouse_25g`` (and 30/35 g scaled by (M/25)^(1/3)): nanotwin's own stylised mouse — trunk
elliptical cylinder and head ellipsoid, each organ an ellipsoid at its RADAR mass (Keenan et
al., J Nucl Med 2010;51:471) placed at its anatomical site. No published equation set exists for
this mouse; the positions are approximate.

Transport
---------
Photons are started uniformly in the source region (voxelised at :data:`VOXEL_CM`) and tracked
by Woodcock (delta) tracking through the voxel labels with xraydb cross sections
(:func:`nanotwin.dosimetry.absorbed_fractions.photon_xs_composition`), Klein–Nishina Compton and
Thomson coherent scattering. Energy deposition is scored with a collision estimator of kerma at
every real and virtual collision (see :func:`_transport`), with implicit capture and Russian
roulette; photons leaving the body are lost. Red-marrow dose from photons is the marrow kerma
(ICRU 44 red marrow, energy-transfer coefficients) per unit fluence in each bone region,
weighted by the region's share of active marrow (ICRP Publication 70 (1995), adult).

The tables (absorbed fraction per source, energy and target, with their Monte Carlo relative
standard errors) are built by ``python -m nanotwin.dosimetry.stylised build default`` (seeded;
deterministic; :data:`BUILD_N` photons) and shipped as package data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["ADULT_ORGANS", "ADULT_SOURCES", "BUILD_N", "COMPOSITIONS", "ENERGIES_MEV",
           "MARROW_SITES", "VOXEL_CM", "StylisedPhantom", "build_phantom",
           "photon_absorbed_fractions", "saf_table", "phantom_names"]

#: Photon energies of the SAF tables (MeV); S-values interpolate in log E between them.
ENERGIES_MEV = (0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0, 1.5, 2.0, 4.0)

#: Voxel size (cm) of each phantom's label map.
VOXEL_CM = {"adult_male": 0.25, "mouse": 0.025}

#: Share of the adult active (red) marrow in each bone region of the phantom, ICRP Publication 70
#: (1995) Table 41 (Cristy 1981): cranium 7.6 % + mandible 0.8 %; ribs 16.1 % + sternum 3.1 %
#: (the MIRD rib cage has no sternum); pelvis = os coxae 17.5 % + sacrum 9.9 % (the sacrum lies
#: in the MIRD pelvis region); femora and humeri: proximal halves.
MARROW_SITES = {"cranium": 0.084, "scapulae": 0.028, "clavicles": 0.008, "ribs": 0.192,
                "cervical_spine": 0.039, "thoracic_spine": 0.161, "lumbar_spine": 0.123,
                "pelvis": 0.274, "femora_proximal": 0.067, "humeri_proximal": 0.023}

_SOFT, _LUNG, _SKEL = 0, 1, 2
#: Elemental mass fractions of the phantom media of Cristy & Eckerman, ORNL/TM-8381 (1987) (soft
#: tissue 1.04, skeleton 1.4, lung 0.296 g/cm³; as tabulated in the Geant4 human_phantom GDML
#: files for soft tissue and skeleton and in DoseCalcs' MIRD geometry for lung), and ICRU
#: Report 44 (1989) adult red marrow (used only for the marrow kerma in the skeleton).
COMPOSITIONS = {
    "soft_tissue": (("H", 0.10454), ("C", 0.22663), ("N", 0.02490), ("O", 0.63525),
                    ("Na", 0.00112), ("Mg", 0.00013), ("Si", 0.00030), ("P", 0.00134),
                    ("S", 0.00204), ("Cl", 0.00133), ("K", 0.00208), ("Ca", 0.00024),
                    ("Fe", 0.00005), ("Zn", 0.00003), ("Rb", 0.00001), ("Zr", 0.00001)),
    "lung": (("H", 0.1021), ("C", 0.1001), ("N", 0.028), ("O", 0.7596), ("Na", 0.0019),
             ("Mg", 0.000074), ("Si", 0.00006), ("P", 0.00081), ("S", 0.0023), ("Cl", 0.0027),
             ("K", 0.002), ("Ca", 0.00007), ("Fe", 0.00037), ("Zn", 0.000011),
             ("Rb", 0.0000037)),
    "skeleton": (("H", 0.07337), ("C", 0.25475), ("N", 0.03057), ("O", 0.47893),
                 ("F", 0.00025), ("Na", 0.00326), ("Mg", 0.00112), ("Si", 0.00002),
                 ("P", 0.05095), ("S", 0.00173), ("Cl", 0.00143), ("K", 0.00153),
                 ("Ca", 0.10190), ("Fe", 0.00008), ("Zn", 0.00005), ("Rb", 0.00002),
                 ("Sr", 0.00003), ("Pb", 0.00001)),
    "red_marrow": (("H", 0.105), ("C", 0.414), ("N", 0.034), ("O", 0.439), ("P", 0.001),
                   ("S", 0.002), ("Cl", 0.002), ("K", 0.002), ("Fe", 0.001)),
}
#: medium index -> (density g/cm³, composition name).
MEDIA = {_SOFT: (1.04, "soft_tissue"), _LUNG: (0.296, "lung"), _SKEL: (1.4, "skeleton")}

Pred = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _ell(x0: float, y0: float, z0: float, a: float, b: float, c: float) -> Pred:
    return lambda x, y, z: ((x - x0) / a) ** 2 + ((y - y0) / b) ** 2 + ((z - z0) / c) ** 2 <= 1


def _ecyl(x0: float, y0: float, a: float, b: float, z1: float, z2: float) -> Pred:
    return lambda x, y, z: ((((x - x0) / a) ** 2 + ((y - y0) / b) ** 2) <= 1) & (z >= z1) & (
        z <= z2)


def _mirror(p: Pred) -> Pred:
    return lambda x, y, z: p(x, y, z) | p(-x, y, z)


# ------------------------------------------------------------------------------ adult male
# Sources of the equations (x to the phantom's left, y posterior, z up from the base of the
# trunk, cm): MIRD Pamphlet 5 revised (Snyder, Ford & Warner 1978) as used for the adult of
# Cristy & Eckerman, ORNL/TM-8381 (1987). Where the Pamphlet was not available to us the
# numbers were read from the Geant4 ``human_phantom`` example, which implements the MIRD adult
# (G4MIRDLeftLeg, G4MIRDLeftLegBone, G4MIRDLeftArmBone, G4MIRDLeftScapula, G4MIRDLeftClavicle),
# or, for the pelvis and the colon, from its ORNL adult-female solids (G4ORNL*, gdmlData/Female)
# divided by the ratio of the female to the male trunk (x 17.25/20, y 9.8/10, z 63.1/70), the
# similitude by which Cristy (ORNL/NUREG/TM-367, 1980) derived the phantom family.
def _adult_body(x, y, z):
    trunk = ((x / 20) ** 2 + (y / 10) ** 2 <= 1) & (z >= 0) & (z <= 70)
    head = ((x / 7) ** 2 + (y / 10) ** 2 <= 1) & (z > 70) & (z <= 85)
    cap = ((x / 7) ** 2 + (y / 10) ** 2 + ((z - 85) / 9) ** 2 <= 1) & (z > 85)
    return trunk | head | cap | _legs(x, y, z) | _testes(x, y, z)


def _legs(x, y, z):
    # two truncated circular cones about x = ±10: radius 10 cm at z = 0, 2 cm at z = -80
    # (G4MIRDLeftLeg: rmax 10 → 2 cm over 80 cm)
    R = 10 + z / 10
    return ((np.abs(x) - 10) ** 2 + y**2 <= R**2) & (z < 0) & (z >= -80)


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


#: Rib cage z-range and rib height (cm): 12 ribs, each 1.4 cm high, in the even-numbered of the
#: 23 slabs of 1.4 cm between z = 35.1 and 67.3 (MIRD-5 revised).
RIB_Z, RIB_H = (35.1, 67.3), 1.4


def _ribs(x, y, z):
    shell = ((x / 17) ** 2 + (y / 9.8) ** 2 <= 1) & ((x / 16.4) ** 2 + (y / 9.2) ** 2 > 1)
    k = np.floor((z - RIB_Z[0]) / RIB_H)
    return shell & (z >= RIB_Z[0]) & (z <= RIB_Z[1]) & (k % 2 == 0)


def _pelvis(x, y, z):
    # between (x/12)² + ((y+3)/12)² = 1 and (x/11.3)² + ((y+3.8)/11.8)² = 1, posterior to
    # y = -3, 0 ≤ z ≤ 22; below z = 12.9 only the part with y ≤ 0 (ORNL female pelvis, scaled)
    outer = (x / 12) ** 2 + ((y + 3) / 12) ** 2 <= 1
    inner = (x / 11.3) ** 2 + ((y + 3.8) / 11.8) ** 2 <= 1
    low = (z < 12.9) & (y > 0)
    return outer & ~inner & (y >= -3) & (z >= 0) & (z <= 22) & ~low


def _spine(z1: float, z2: float) -> Pred:
    # elliptical cylinder (x/2)² + ((y-5.5)/2.5)² ≤ 1: upper (cervical) 70–78.5, middle
    # (thoracic) 35.1–70, lower (lumbar) 22–35.1 cm
    return _ecyl(0, 5.5, 2, 2.5, z1, z2)


def _skull(x, y, z):
    return _ell(0, 0, 86.5, 6.8, 9.8, 8.3)(x, y, z) & (z >= 79)


def _scapulae(x, y, z):
    # (x/19)² + (y/9.8)² ≤ 1 ≤ (x/17)² + (y/9.8)², y > 0, 50.9 ≤ z ≤ 67.3,
    # 0.25 < y/|x| < 0.8 (G4MIRDLeftScapula: cuts at 14° and 38.66°)
    ax = np.abs(x)
    r = y / np.maximum(ax, 1e-9)
    return (((x / 19) ** 2 + (y / 9.8) ** 2 <= 1) & ((x / 17) ** 2 + (y / 9.8) ** 2 >= 1)
            & (y > 0) & (z >= 50.9) & (z <= 67.3) & (r > 0.25) & (r < 0.8))


def _clavicles(x, y, z):
    # torus of radius 10 cm about (0, 2, 68.25), tube radius 0.7883 cm, azimuth 298.15° to
    # 338.26° from +x (G4MIRDLeftClavicle; mirrored for the right one)
    ax = np.abs(x)
    rho = np.sqrt(ax**2 + (y - 2) ** 2)
    phi = np.degrees(np.arctan2(y - 2, ax)) % 360
    return (((rho - 10) ** 2 + (z - 68.25) ** 2 <= 0.7883**2) & (phi >= 298.15)
            & (phi <= 298.15 + math.degrees(0.7)))


def _arm_bones(proximal: bool) -> Pred:
    # ((|x| - 18.4)/1.4)² + (y/2.7)² ≤ 1, 0 ≤ z ≤ 69 (G4MIRDLeftArmBone); the upper half holds
    # the humerus heads (active marrow)
    def f(x, y, z):
        inside = ((np.abs(x) - 18.4) / 1.4) ** 2 + (y / 2.7) ** 2 <= 1
        return inside & ((z >= 34.5) & (z <= 69) if proximal else (z >= 0) & (z < 34.5))
    return f


def _leg_bones(proximal: bool) -> Pred:
    # truncated cones on the leg axes: radius 3.5 cm at z = 0, 1 cm at z = -79.8
    # (G4MIRDLeftLegBone); the upper half holds the femur heads (active marrow)
    def f(x, y, z):
        r = 1 + 2.5 * (z + 79.8) / 79.8
        inside = (np.abs(x) - 10) ** 2 + y**2 <= r**2
        return inside & ((z >= -39.9) & (z < 0) if proximal else (z >= -79.8) & (z < -39.9))
    return f


def _colon_upper(x, y, z):
    # ascending colon ((x+8.5)/2.5)² + ((y+2.36)/2.5)² ≤ 1, 14.45 ≤ z ≤ 24; transverse colon
    # ((y+2.36)/2.5)² + ((z-25.5)/1.5)² ≤ 1, |x| ≤ 10.5 (ORNL female ULI, scaled)
    ascending = _ecyl(-8.5, -2.36, 2.5, 2.5, 14.45, 24)(x, y, z)
    transverse = (((y + 2.36) / 2.5) ** 2 + ((z - 25.5) / 1.5) ** 2 <= 1) & (np.abs(x) <= 10.5)
    return ascending | transverse


def _colon_lower(x, y, z):
    # descending colon ((x-9)/1.88)² + ((y+2.36)/2.13)² ≤ 1, 8.72 ≤ z ≤ 24; sigmoid colon two
    # quarter tori of tube radius 1.88 cm in the plane y = -2.36, an S down to the pelvic floor:
    # radius 6 about (x 3, z 8.72) for x ≥ 3, z ≤ 8.72, then radius 3 about (x 3, z -0.28) for
    # x ≤ 3, z ≥ -0.28 (ORNL female LLI, G4MIRDLowerLargeIntestine, scaled)
    descending = _ecyl(9, -2.36, 1.88, 2.13, 8.72, 24)(x, y, z)
    t1 = (np.sqrt((x - 3) ** 2 + (z - 8.72) ** 2) - 6) ** 2 + (y + 2.36) ** 2 <= 1.88**2
    t2 = (np.sqrt((x - 3) ** 2 + (z + 0.28) ** 2) - 3) ** 2 + (y + 2.36) ** 2 <= 1.88**2
    sigmoid = (t1 & (x >= 3) & (z <= 8.72)) | (t2 & (x <= 3) & (z >= -0.28))
    return descending | sigmoid


def _small_intestine(x, y, z):
    # x² + (y+2.66)² ≤ 11² and x² + (y+3.46)² ≤ 11², -4.86 ≤ y ≤ 2.2, 17 ≤ z ≤ 27, less the
    # colon (painted after it) (G4MIRDSmallIntestine, MIRD adult numbers)
    return ((x**2 + (y + 2.66) ** 2 <= 121) & (x**2 + (y + 3.46) ** 2 <= 121) & (y >= -4.86)
            & (y <= 2.2) & (z >= 17) & (z <= 27))


def _pancreas(x, y, z):
    # half ellipsoid (x/16)² + (y/1.5)² + ((z-37)/3)² ≤ 1, x ≥ 0, its lower half removed beyond
    # x = 3 cm (ORNL female pancreas, G4MIRDPancreas, scaled; 94 g, Cristy–Eckerman 94.3 g)
    return (_ell(0, 0, 37, 16, 1.5, 3)(x, y, z) & (x >= 0) & ~((x > 3) & (z < 37)))


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
    ("small_intestine", _small_intestine, _SOFT, "mird"),
    ("upper_large_intestine", _colon_upper, _SOFT, "scaled"),
    ("lower_large_intestine", _colon_lower, _SOFT, "scaled"),
    ("pancreas", _pancreas, _SOFT, "scaled"),
    ("spleen", _ell(11, 3, 37, 3.5, 2, 6), _SOFT, "mird"),
    ("kidneys", _kidneys, _SOFT, "mird"),
    ("stomach_wall", _ell(8, -4, 35, 4, 3, 8), _SOFT, "mird"),
    ("stomach_contents", _ell(8, -4, 35, 3.387, 2.387, 7.387), _SOFT, "mird"),
    ("urinary_bladder_wall", _ell(0, -4.5, 8, 4.958, 3.458, 3.458), _SOFT, "mird"),
    ("urinary_bladder_contents", _ell(0, -4.5, 8, 4.706, 3.206, 3.206), _SOFT, "mird"),
    ("thyroid", _mirror(_ell(1.5, -4, 73, 0.9, 1.2, 2.2)), _SOFT, "approx"),
    ("cranium", lambda x, y, z: _skull(x, y, z) & ~_ell(0, 0, 86.5, 6, 9, 6.5)(x, y, z), _SKEL,
     "approx"),
    ("ribs", _ribs, _SKEL, "mird"),
    ("clavicles", _clavicles, _SKEL, "mird"),
    ("scapulae", _scapulae, _SKEL, "mird"),
    ("cervical_spine", _spine(70, 78.5), _SKEL, "mird"),
    ("thoracic_spine", _spine(35.1, 70), _SKEL, "mird"),
    ("lumbar_spine", _spine(22, 35.1), _SKEL, "mird"),
    ("pelvis", _pelvis, _SKEL, "scaled"),
    ("humeri_proximal", _arm_bones(True), _SKEL, "mird"),
    ("arm_bones_distal", _arm_bones(False), _SKEL, "mird"),
    ("femora_proximal", _leg_bones(True), _SKEL, "mird"),
    ("leg_bones_distal", _leg_bones(False), _SKEL, "mird"),
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
        from nanotwin.dosimetry.masses import phantom_masses

        masses = phantom_masses(name)
        scale = (masses["total_body"] / 24.11) ** (1 / 3)
        return StylisedPhantom(name, _mouse_regions(masses, scale),
                               ((-1.3 * scale, 1.3 * scale), (-1.1 * scale, 1.1 * scale),
                                (0.0, 7.4 * scale)), VOXEL_CM["mouse"])
    raise DesignError(f"phantom: no stylised geometry for {name!r}; use one of "
                      f"{', '.join(phantom_names())}", "phantom")


# ------------------------------------------------------------------------------- transport
_LNE0, _LNE1, _NLNE = math.log(5e-4), math.log(4.5), 2000


@lru_cache(maxsize=1)
def _media_tables() -> dict[str, np.ndarray]:
    """Linear coefficients (1/cm) of each medium on a uniform ln E grid.

    ``pe``, ``inc``, ``coh`` [medium, E]; ``tr`` the energy-transfer coefficient μ_tr = μ_pe +
    μ_inc·f_KN(E) (photoelectric energy absorbed locally, f_KN the Klein–Nishina mean transfer
    fraction); ``rm`` the red-marrow mass energy-transfer coefficient (cm²/g) times the
    skeleton density, i.e. the marrow kerma per unit fluence and energy in a skeleton voxel;
    ``tot`` μ_pe + μ_inc + μ_coh; ``maj`` the Woodcock majorant max over media.
    """
    from nanotwin.dosimetry.absorbed_fractions import photon_xs_composition
    from nanotwin.physics.dose_point_kernel import _kn_transfer_fraction

    lnE = np.linspace(_LNE0, _LNE1, _NLNE)
    fkn = _kn_transfer_fraction(np.exp(lnE))

    def parts(comp: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        E, ln_pe, scat = photon_xs_composition(COMPOSITIONS[comp])
        lx = np.log(E)
        return (np.exp(np.interp(lnE, lx, ln_pe)), np.interp(lnE, lx, scat[0]),
                np.interp(lnE, lx, scat[1]))

    pe, inc, coh = (np.stack(a) for a in zip(*[
        tuple(x * MEDIA[m][0] for x in parts(MEDIA[m][1])) for m in (_SOFT, _LUNG, _SKEL)],
        strict=True))
    rpe, rinc, _ = parts("red_marrow")
    tot = pe + inc + coh
    return {"lnE": lnE, "pe": pe, "inc": inc, "coh": coh, "tot": tot, "tr": pe + inc * fkn,
            "rm": (rpe + rinc * fkn) * MEDIA[_SKEL][0], "maj": tot.max(axis=0)}


def _lookup(tab: np.ndarray, le: np.ndarray) -> np.ndarray:
    """Linear interpolation on the uniform ln E grid (rows of ``tab`` broadcast)."""
    t = (np.clip(le, _LNE0, _LNE1 - 1e-12) - _LNE0) / (_LNE1 - _LNE0) * (_NLNE - 1)
    i = t.astype(np.int64)
    f = t - i
    return tab[..., i] * (1 - f) + tab[..., i + 1] * f


#: Russian roulette: photons whose weight falls below W_MIN survive with probability
#: weight/W_SURVIVE at weight W_SURVIVE (unbiased).
W_MIN, W_SURVIVE = 0.05, 0.25


def _transport(ph: StylisedPhantom, pos: np.ndarray, E0: np.ndarray, tag: np.ndarray,
               n_tags: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Woodcock tracking with a collision estimator of kerma.

    At every tentative collision (real or virtual, rate μ_max) each photon scores
    ``w E μ_tr(medium)/μ_max`` to the region it is in: the expected energy transferred per unit
    path is ``w E μ_tr``, so the sum is an unbiased track-length estimate of the kerma (energy
    transferred to electrons, taken as absorbed where transferred), with many more scoring points
    than analogue absorption events — the variance reduction that matters for small or distant
    targets. In skeleton voxels the red-marrow kerma ``w E (μ_tr/ρ)_RM ρ_skel/μ_max`` is scored
    too. Real collisions are survival-biased (implicit capture): the weight is multiplied by the
    scattering probability (μ_inc + μ_coh)/μ_t and the photon always scatters (Klein–Nishina or
    Thomson); Russian roulette below :data:`W_MIN`. Photons below 1 keV deposit ``w E`` locally.

    Returns ``(kerma [tag, label] MeV, marrow kerma [tag, label] MeV)``.
    """
    from nanotwin.dosimetry.absorbed_fractions import (
        ME_C2,
        _rotate,
        _sample_kn,
        _sample_thomson,
        isotropic_directions,
    )

    T = _media_tables()
    med_of = np.array(ph.medium, dtype=np.int64)
    med_of[0] = 0
    skel_lab = (med_of == _SKEL)
    skel_lab[0] = False
    nl = len(ph.names)
    size = n_tags * nl
    dep = np.zeros(size)
    mk = np.zeros(size)
    E = E0.astype(float).copy()
    w = np.ones(E.size)
    u = isotropic_directions(E.size, rng)
    alive = np.arange(E.size)
    for _ in range(100000):
        if alive.size == 0:
            break
        e = E[alive]
        le = np.log(e)
        mu_max = _lookup(T["maj"], le)
        pos[alive] += u[alive] * (-np.log1p(-rng.random(alive.size)) / mu_max)[:, None]
        lab = ph.label_of(pos[alive])
        inside = lab > 0
        alive, e, le, lab, mu_max = (alive[inside], e[inside], le[inside], lab[inside],
                                     mu_max[inside])
        if alive.size == 0:
            break
        med = med_of[lab]
        t = (np.clip(le, _LNE0, _LNE1 - 1e-12) - _LNE0) / (_LNE1 - _LNE0) * (_NLNE - 1)
        i = t.astype(np.int64)
        f = t - i

        def at(name: str, i=i, f=f, med=med) -> np.ndarray:
            tab = T[name]
            return tab[med, i] * (1 - f) + tab[med, i + 1] * f

        wa = w[alive]
        key = tag[alive] * nl + lab
        dep += np.bincount(key, weights=wa * e * at("tr") / mu_max, minlength=size)
        sk = skel_lab[lab]
        if sk.any():
            rm = T["rm"][i[sk]] * (1 - f[sk]) + T["rm"][i[sk] + 1] * f[sk]
            mk += np.bincount(key[sk], weights=wa[sk] * e[sk] * rm / mu_max[sk],
                              minlength=size)
        mu_t = at("tot")
        real = rng.random(alive.size) * mu_max < mu_t
        ir = alive[real]
        if ir.size:
            inc, coh = at("inc")[real], at("coh")[real]
            w[ir] *= (inc + coh) / mu_t[real]
            compton = rng.random(ir.size) * (inc + coh) < inc
            ic = ir[compton]
            if ic.size:
                k = E[ic] / ME_C2
                cos_t = _sample_kn(k, rng)
                E[ic] = E[ic] / (1 + k * (1 - cos_t))
                u[ic] = _rotate(u[ic], cos_t, rng)
            ih = ir[~compton]
            if ih.size:
                u[ih] = _rotate(u[ih], _sample_thomson(ih.size, rng), rng)
            # roulette and the 1 keV floor
            lw = ir[w[ir] < W_MIN]
            if lw.size:
                surv = rng.random(lw.size) < w[lw] / W_SURVIVE
                w[lw[surv]] = W_SURVIVE
                w[lw[~surv]] = 0.0
            low = ir[(E[ir] < 0.001) & (w[ir] > 0)]
            if low.size:
                kl = tag[low] * nl + ph.label_of(pos[low])
                dep += np.bincount(kl, weights=w[low] * E[low], minlength=size)
                w[low] = 0.0
            alive = alive[w[alive] > 0]
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


def _one_source(phantom: str, src: str, n: int, seed: int, batches: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(af, marrow af, af rse, marrow af rse) [energy, target] of one source.

    ``n`` photons per energy in ``batches`` independent batches, each with its own seed stream
    (seed, source name, batch), so a source's result does not depend on which other sources are
    computed; the relative standard error is that of the batch means.
    """
    ph = build_phantom(phantom)
    Eg = np.array(ENERGIES_MEV)
    nb = max(int(n) // batches, 1)
    w = _source_weights(ph, src)
    runs, mruns = [], []
    for b in range(batches):
        rng = np.random.default_rng([seed, *src.encode(), b])
        pos = ph.sample(w, nb * Eg.size, rng)
        E0 = np.repeat(Eg, nb)
        tag = np.repeat(np.arange(Eg.size), nb)
        dep, mk = _transport(ph, pos, E0, tag, Eg.size, rng)
        runs.append(dep[:, 1:] / (Eg[:, None] * nb))
        mruns.append(mk[:, 1:] / (Eg[:, None] * nb))
    r, m = np.array(runs), np.array(mruns)

    def rse(a: np.ndarray) -> np.ndarray:
        mean = a.mean(axis=0)
        se = a.std(axis=0, ddof=1) / math.sqrt(a.shape[0]) if a.shape[0] > 1 else mean * 0
        return np.where(mean > 0, se / np.where(mean > 0, mean, 1), np.inf)

    return r.mean(axis=0), m.mean(axis=0), rse(r), rse(m)


#: Sources tabulated for the adult (regions that nanotwin's organs map to, plus unions).
ADULT_SOURCES = ("testes", "brain", "lungs", "heart_wall", "heart_contents", "liver",
                 "small_intestine", "upper_large_intestine", "lower_large_intestine", "pancreas",
                 "spleen", "kidneys", "stomach_wall", "stomach_contents",
                 "urinary_bladder_wall", "urinary_bladder_contents", "thyroid", "remainder",
                 "total_body", "skeleton_all", "red_marrow_all")


def photon_absorbed_fractions(phantom: str, sources: list[str] | None = None, n: int = 4000,
                              seed: int = 20240917, progress: Any = None, batches: int = 10
                              ) -> dict[str, Any]:
    """Photon absorbed fractions φ(target ← source, E) of a stylised phantom by Monte Carlo.

    Returns a dict with ``sources``, ``targets`` (region names), ``energies_MeV``,
    ``af`` (source × energy × target: fraction of the emitted energy absorbed in the target),
    ``marrow_af`` (same shape: the red-marrow kerma fraction in each bone site), ``af_rse`` and
    ``marrow_af_rse`` (relative standard errors from ``batches`` independent batches),
    ``masses_g`` (per target), ``n`` (photons per energy and source), ``seed``.

    Examples
    --------
    >>> r = photon_absorbed_fractions("mouse_25g", ["liver"], n=200, batches=2)
    >>> af = r["af"][0]                         # energies × targets
    >>> bool(0 < af[:, r["targets"].index("liver")].mean() < 1 and af.sum(axis=1).max() < 1.1)
    True
    """
    ph = build_phantom(phantom)
    regions = list(ph.names[1:])
    if phantom == "adult_male":
        default = list(ADULT_SOURCES)
    else:
        default = [*regions, "total_body", "skeleton_all"]
    srcs = sources or default
    Eg = np.array(ENERGIES_MEV)
    shape = (len(srcs), Eg.size, len(ph.names) - 1)
    af, maf, af_rse, maf_rse = (np.zeros(shape) for _ in range(4))
    for j, src in enumerate(srcs):
        af[j], maf[j], af_rse[j], maf_rse[j] = _one_source(phantom, src, n, seed, batches)
        if progress is not None:
            progress(src)
    return {"phantom": phantom, "sources": srcs, "targets": regions, "energies_MeV": Eg,
            "af": af, "marrow_af": maf, "af_rse": af_rse, "marrow_af_rse": maf_rse,
            "masses_g": np.array([ph.masses[t] for t in regions]), "n": n, "seed": seed}


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


#: Photons per energy and source of the shipped tables (``python -m nanotwin.dosimetry.stylised
#: build``); the mouse phantoms are small and need fewer.
BUILD_N = {"adult_male": 200_000, "mouse_25g": 40_000, "mouse_30g": 40_000,
           "mouse_35g": 40_000}


def _build(phantoms: list[str], n: int | None) -> None:  # pragma: no cover - run by hand
    import time

    from nanotwin._paths import package_data

    for name in phantoms:
        t0 = time.perf_counter()
        nn = n or BUILD_N[name]
        r = photon_absorbed_fractions(
            name, n=nn, progress=lambda s, nm=name, t0=t0: print(
                f"{nm} {s} {time.perf_counter() - t0:.0f} s", flush=True))
        np.savez_compressed(package_data("dosimetry", _TABLE_FILE.format(name)),
                            sources=np.array(r["sources"]), targets=np.array(r["targets"]),
                            energies_MeV=r["energies_MeV"], af=r["af"],
                            marrow_af=r["marrow_af"], af_rse=r["af_rse"],
                            marrow_af_rse=r["marrow_af_rse"], masses_g=r["masses_g"],
                            n=np.array(r["n"]), seed=np.array(r["seed"]))
        print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":  # pragma: no cover
    import sys

    args = sys.argv[1:]
    if not args or args[0] != "build":
        sys.exit("usage: python -m nanotwin.dosimetry.stylised build [N|default] [phantom ...]")
    n_ = int(args[1]) if len(args) > 1 and args[1] != "default" else None
    _build(args[2:] or list(phantom_names()), n_)
