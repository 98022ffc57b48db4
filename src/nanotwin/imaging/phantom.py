"""Stylised digital subjects: a labelled 3-D mouse and an adult human.

Organs are ellipsoids and cylinders in the manner of the MIRD/ORNL stylised phantoms (Snyder et
al., MIRD Pamphlet 5 Revised, 1978; Cristy & Eckerman, ORNL/TM-8381, 1987), labelled with the
organ names of the nanotwin PBPK model. Each organ's size is scaled so that its analytic volume
times its tissue density equals a reference mass:

* mouse: RADAR mouse phantom masses (Keenan et al., J Nucl Med 2010;51:471), interpolated in body
  weight between the 25, 30 and 35 g models; muscle, skin and adipose fractions of body weight
  from Brown et al., Toxicol Ind Health 1997;13:407 (ILSI-RSI 1994, via httk);
* human: ICRP Publication 89 (2002) reference adult male, Table 2.8.

Skin and subcutaneous adipose are shells under the body surface whose thickness is chosen (from
the distance map) to match their reference mass; the remaining body is muscle. Axes: x (left to
right of the subject), y (ventral to dorsal), z (caudal to cranial); arrays are indexed [x, y, z].
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin._paths import package_data
from nanotwin.errors import DesignError
from nanotwin.imaging.tissue import tissue_of

__all__ = ["Phantom", "mouse_phantom", "human_phantom", "reference_masses", "make_phantom",
           "TUMOR_SITES"]


@dataclass(frozen=True)
class Phantom:
    """A labelled voxel subject.

    Attributes
    ----------
    labels
        uint8 array [x, y, z]; 0 is air, ``k`` is ``organs[k - 1]``.
    organs
        Organ names (PBPK names).
    spacing_mm
        Voxel size (mm) along x, y, z.
    species, body_weight_g
        Subject.
    reference_mass_g
        Reference mass of each organ used to size it.
    """

    labels: np.ndarray
    organs: tuple[str, ...]
    spacing_mm: tuple[float, float, float]
    species: str
    body_weight_g: float
    reference_mass_g: dict[str, float] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.labels.shape)  # type: ignore[return-value]

    @property
    def voxel_mL(self) -> float:
        """Voxel volume in mL (cm^3)."""
        return float(np.prod(self.spacing_mm)) * 1e-3

    @property
    def origin_mm(self) -> tuple[float, float, float]:
        """Position (mm) of voxel [0, 0, 0]: the volume is centred on the origin."""
        return tuple(-(n - 1) / 2 * s for n, s in zip(self.shape, self.spacing_mm, strict=True))

    def label_of(self, organ: str) -> int:
        if organ not in self.organs:
            raise DesignError(f"organ {organ!r}: not in this phantom; use one of "
                              f"{', '.join(self.organs)}")
        return self.organs.index(organ) + 1

    def mask(self, organ: str) -> np.ndarray:
        """Boolean mask of one organ."""
        return self.labels == self.label_of(organ)

    def organ_voxels(self) -> dict[str, int]:
        counts = np.bincount(self.labels.ravel(), minlength=len(self.organs) + 1)
        return {o: int(counts[i + 1]) for i, o in enumerate(self.organs)}

    def organ_volume_mL(self) -> dict[str, float]:
        return {o: n * self.voxel_mL for o, n in self.organ_voxels().items()}

    def organ_mass_g(self) -> dict[str, float]:
        """Mass (g) of each organ in the voxelised phantom (volume x tissue density)."""
        return {o: v * tissue_of(o).density for o, v in self.organ_volume_mL().items()}

    def lookup(self, values: dict[str, float], default: float = 0.0) -> np.ndarray:
        """float32 map with ``values[organ]`` in each organ (``default`` elsewhere and in air)."""
        table = np.full(len(self.organs) + 1, default, dtype=np.float32)
        for i, o in enumerate(self.organs):
            if o in values:
                table[i + 1] = values[o]
        return table[self.labels]

    def density_map(self) -> np.ndarray:
        """Mass density (g/cm^3) per voxel."""
        d = {o: tissue_of(o).density for o in self.organs}
        return self.lookup(d, default=tissue_of("air").density)


@lru_cache(maxsize=1)
def _radar_table() -> dict[str, dict[float, float]]:
    path = package_data("imaging", "mouse_radar_phantom_masses_25_30_35g.csv")
    out: dict[str, dict[float, float]] = {}
    with path.open() as fh:
        for row in csv.DictReader(fh):
            out[row["Organ"].strip().lower()] = {
                25.0: float(row["25g"]), 30.0: float(row["30g"]), 35.0: float(row["35g"])}
    return out


@lru_cache(maxsize=1)
def _httk_fractions() -> dict[tuple[str, str], float]:
    path = package_data("imaging", "httk_mouse_human_volumes.tsv")
    out = {}
    for line in path.read_text().splitlines():
        tissue, species, vol, _ = (c.strip('"') for c in line.split("\t"))
        out[(species.lower(), tissue.lower())] = float(vol)
    return out


#: ICRP Publication 89, Table 2.8, reference adult male (73 kg), masses in g. Heart is the wall
#: (330 g) plus its blood content (510 g, Table 2.14); lungs include their blood (1200 g);
#: gut = stomach + small + large intestine walls (150 + 650 + 370 g); skeleton split into mineral
#: bone 5500 g and red + yellow marrow 3650 g; "rest" here is the pancreas (140 g).
_ICRP89_MALE_G = {
    "brain": 1450.0, "heart": 330.0, "blood_in_heart": 510.0, "lung": 1200.0,
    "liver": 1800.0, "spleen": 150.0, "kidney": 310.0, "gut": 1170.0, "rest": 140.0,
    "urine": 200.0, "bone": 5500.0, "marrow": 3650.0, "skin": 3300.0, "adipose": 18200.0,
    "muscle": 29000.0, "body": 73000.0,
}


def reference_masses(species: str, body_weight_g: float) -> dict[str, float]:
    """Reference organ masses (g) for a mouse (RADAR + Brown 1997) or an adult human (ICRP 89).

    Examples
    --------
    >>> round(reference_masses("mouse", 30.0)["liver"], 2)
    2.15
    """
    if species == "human":
        f = body_weight_g / _ICRP89_MALE_G["body"]
        return {k: v * f for k, v in _ICRP89_MALE_G.items()}
    if species != "mouse":
        raise DesignError(f"subject.species: no phantom for {species!r}; use mouse or human")
    if not 15.0 <= body_weight_g <= 45.0:
        raise DesignError(f"subject.body_weight: {body_weight_g:g} g is outside the mouse "
                          f"phantom range (15-45 g); give a mouse body weight in that range")
    tab = _radar_table()
    ws = np.array([25.0, 30.0, 35.0])

    def radar(name: str) -> float:
        vals = np.array([tab[name][w] for w in ws])
        slope = (vals[2] - vals[0]) / 10.0  # linear in body weight (RADAR 25/30/35 g models)
        return float(vals[1] + slope * (body_weight_g - 30.0))

    fr = _httk_fractions()
    kg = body_weight_g / 1000.0
    return {
        "brain": radar("brain"), "heart": radar("heart"),
        "lung": radar("lungs"), "liver": radar("liver"), "spleen": radar("spleen"),
        "kidney": radar("kidneys"),
        "gut": radar("stomach") + radar("small intestine") + radar("large intestine"),
        "rest": radar("pancreas") + radar("testes") + radar("thyroid"),
        "urine": radar("bladder"), "skeleton": radar("skeleton"),
        # Brown 1997 volumes (L/kg) x density (ICRU 44) -> g
        "muscle": fr[("mouse", "muscle")] * kg * 1e3 * 1.05,
        "skin": fr[("mouse", "skin")] * kg * 1e3 * 1.09,
        "adipose": fr[("mouse", "adipose")] * kg * 1e3 * 0.95,
        "body": body_weight_g,
    }


def _grid(shape: tuple[int, int, int], spacing: tuple[float, float, float]) -> list[np.ndarray]:
    return [((np.arange(n) - (n - 1) / 2) * s).astype(np.float32).reshape(
        [-1 if i == k else 1 for k in range(3)]) for i, (n, s) in enumerate(
        zip(shape, spacing, strict=True))]


def _ellipsoid(g: list[np.ndarray], c: tuple[float, ...], r: tuple[float, ...]) -> np.ndarray:
    return ((g[0] - c[0]) / r[0]) ** 2 + ((g[1] - c[1]) / r[1]) ** 2 + (
        (g[2] - c[2]) / r[2]) ** 2 <= 1.0


def _zcyl(g: list[np.ndarray], c: tuple[float, float], r: tuple[float, float],
          z0: float, z1: float) -> np.ndarray:
    return (((g[0] - c[0]) / r[0]) ** 2 + ((g[1] - c[1]) / r[1]) ** 2 <= 1.0) & (
        g[2] >= z0) & (g[2] <= z1)


def _scaled(ratios: tuple[float, float, float], volume_mm3: float) -> tuple[float, ...]:
    """Semi-axes with the given ratios whose ellipsoid volume is ``volume_mm3``."""
    v0 = 4.0 / 3.0 * np.pi * np.prod(ratios)
    s = (volume_mm3 / v0) ** (1.0 / 3.0)
    return tuple(float(r * s) for r in ratios)


#: Named tumour positions: (x, y, z) of the tumour centre as fractions of the trunk semi-axes /
#: half-length; "flank" sites sit on the body surface so that the tumour bulges out, as a
#: subcutaneous xenograft does.
TUMOR_SITES = ("right_flank", "left_flank", "right_shoulder", "liver", "brain")


def _shells(body: np.ndarray, spacing: tuple[float, float, float], v_skin: float,
            v_adip: float) -> tuple[np.ndarray, np.ndarray]:
    """Skin and adipose shells under the surface with the requested volumes (mm^3)."""
    from scipy.ndimage import distance_transform_edt

    d = distance_transform_edt(body, sampling=spacing)
    inside = d[body]
    vox = float(np.prod(spacing))
    n = inside.size
    f_skin = min(v_skin / vox / n, 0.9)
    f_adip = min((v_skin + v_adip) / vox / n, 0.95)
    t1, t2 = np.quantile(inside, [f_skin, f_adip])
    skin = body & (d <= t1)
    adip = body & (d > t1) & (d <= t2)
    return skin, adip


def _body_labels(shape: tuple[int, int, int], body: np.ndarray,
                 spacing: tuple[float, float, float], ref: dict[str, float],
                 ) -> tuple[np.ndarray, list[str]]:
    """Label volume with the body as muscle wrapped in adipose and skin shells whose volumes
    follow the reference masses (skin 1.09, adipose 0.95 g/cm^3; ICRU 44)."""
    labels = np.zeros(shape, dtype=np.uint8)
    organs: list[str] = []
    _paint(labels, organs, "muscle", body)
    skin, adip = _shells(body, spacing, ref["skin"] / 1.09 * 1e3, ref["adipose"] / 0.95 * 1e3)
    _paint(labels, organs, "adipose", adip)
    _paint(labels, organs, "skin", skin)
    return labels, organs


def _paint(labels: np.ndarray, organs: list[str], name: str, mask: np.ndarray) -> None:
    if name not in organs:
        organs.append(name)
    labels[mask] = organs.index(name) + 1


def mouse_phantom(voxel_mm: float = 0.5, body_weight_g: float = 30.0,
                  tumor_volume_mm3: float | None = 200.0, tumor_site: str = "right_flank",
                  shape: tuple[int, int, int] | None = None) -> Phantom:
    """A stylised 3-D mouse with PBPK organ labels (see module docstring for sources).

    Parameters
    ----------
    voxel_mm
        Isotropic voxel size in mm (0.1-2).
    body_weight_g
        Body weight, 15-45 g; organs are sized to RADAR/Brown masses at this weight.
    tumor_volume_mm3
        Tumour volume (None: no tumour).
    tumor_site
        One of :data:`TUMOR_SITES`.
    shape
        Array shape; default: the smallest that holds the mouse.

    Examples
    --------
    >>> ph = mouse_phantom(voxel_mm=1.0)
    >>> ph.species, "liver" in ph.organs, ph.labels.dtype.name
    ('mouse', True, 'uint8')
    """
    if not 0.05 <= voxel_mm <= 2.0:
        raise DesignError(f"voxel: {voxel_mm:g} mm is not usable for a mouse; give 0.05-2 mm")
    if tumor_site not in TUMOR_SITES:
        raise DesignError(f"tumor_site: unknown {tumor_site!r}; use one of "
                          f"{', '.join(TUMOR_SITES)}")
    ref = reference_masses("mouse", body_weight_g)
    s = (body_weight_g / 30.0) ** (1.0 / 3.0)  # isometric scaling of positions
    trunk = (13.0 * s, 11.0 * s, 42.0 * s)  # semi-axes (mm) of the trunk ellipsoid, 30 g
    head_c, head_r = (0.0, 1.0 * s, 48.0 * s), (8.5 * s, 8.0 * s, 11.0 * s)
    ext = np.array([trunk[0] + 8 * s, trunk[1] + 2 * s, head_c[2] + head_r[2] + 2 * s])
    if shape is None:
        shape = tuple(int(2 * np.ceil(e / voxel_mm)) + 1 for e in ext)  # type: ignore[assignment]
    sp = (voxel_mm,) * 3
    g = _grid(shape, sp)  # type: ignore[arg-type]
    body = _ellipsoid(g, (0.0, 0.0, 0.0), trunk) | _ellipsoid(g, head_c, head_r)
    # Trunk volume is then adjusted: trunk ellipsoid is sized so the body mass is near the
    # reference (checked in phantom_report / the tests, not forced).
    labels, organs = _body_labels(shape, body, sp, ref)

    def ell(name: str, c: tuple[float, ...], ratios: tuple[float, float, float],
            mass_g: float, n: int = 1, mirror: bool = False) -> None:
        r = _scaled(ratios, mass_g / n / tissue_of(name).density * 1e3)
        cs = [(c[0] * s, c[1] * s, c[2] * s)]
        if mirror:
            cs.append((-c[0] * s, c[1] * s, c[2] * s))
        m = np.zeros(shape, dtype=bool)
        for cc in cs:
            m |= _ellipsoid(g, cc, r)
        _paint(labels, organs, name, m & body)

    ell("gut", (0.0, -2.5, -15.0), (10.0, 6.0, 12.0), ref["gut"])
    ell("liver", (0.0, -2.0, 6.0), (11.0, 7.0, 4.5), ref["liver"])
    ell("rest", (-4.0, 1.0, -4.0), (4.0, 2.0, 3.0), ref["rest"])
    ell("spleen", (8.5, 2.0, -1.0), (1.8, 1.2, 6.0), ref["spleen"])
    ell("kidney", (5.0, 6.0, -6.0), (2.2, 2.0, 4.0), ref["kidney"], n=2, mirror=True)
    ell("urine", (0.0, -4.0, -36.0), (2.5, 2.5, 3.0), ref["urine"])
    ell("lung", (5.0, 1.5, 20.0), (4.0, 5.5, 8.0), ref["lung"], n=2, mirror=True)
    # heart: wall + blood pool (chambers; linear size 0.7 -> 34 % of the volume)
    rh = _scaled((4.0, 3.5, 5.0), ref["heart"] / 1.05 * 1e3)
    hc = (-1.0 * s, -2.0 * s, 18.0 * s)
    _paint(labels, organs, "heart", _ellipsoid(g, hc, rh) & body)
    _paint(labels, organs, "blood", _ellipsoid(g, hc, tuple(0.7 * r for r in rh)) & body)
    ell("brain", head_c, (6.0, 4.5, 7.0), ref["brain"])
    # skeleton: spine (elliptic cylinder, dorsal), femurs; cortical shell = bone, core = marrow.
    # RADAR skeleton mass includes marrow; marrow = inner 50 % radius (25 % of the volume).
    f_m = 0.25
    rho_sk = (1 - f_m) * tissue_of("bone").density + f_m * tissue_of("marrow").density
    v_sk = ref["skeleton"] / rho_sk * 1e3
    zs0, zs1 = -32.0 * s, 40.0 * s
    L_fem = 14.0 * s
    # spine radius r and femur radius 0.6 r: v = pi r^2 (Ls + 2 * 0.36 Lf)
    r_sp = float(np.sqrt(v_sk / (np.pi * ((zs1 - zs0) + 2 * 0.36 * L_fem))))
    y_sp = trunk[1] - 4.0 * s

    def skeleton(r: float) -> tuple[np.ndarray, np.ndarray]:
        sk = _zcyl(g, (0.0, y_sp), (r, r), zs0, zs1)
        co = _zcyl(g, (0.0, y_sp), (0.5 * r, 0.5 * r), zs0, zs1)
        for xf in (-5.0 * s, 5.0 * s):
            sk |= _zcyl(g, (xf, -1.0 * s), (0.6 * r,) * 2, -34 * s, -34 * s + L_fem)
            co |= _zcyl(g, (xf, -1.0 * s), (0.3 * r,) * 2, -34 * s, -34 * s + L_fem)
        return sk & body, co & body

    # the cylinders are clipped by the body surface: rescale the radius twice so that the
    # voxelised skeleton volume matches the reference
    for _ in range(2):
        spine, core = skeleton(r_sp)
        v_now = float(spine.sum()) * voxel_mm**3
        r_sp *= float(np.sqrt(v_sk / max(v_now, 1e-9)))
    spine, core = skeleton(r_sp)
    _paint(labels, organs, "bone", spine & body)
    _paint(labels, organs, "marrow", core & body)
    if tumor_volume_mm3:
        if tumor_volume_mm3 <= 0:
            raise DesignError("subject.tumor.volume: must be > 0 mm^3; give e.g. '200 mm^3'")
        rt = (3.0 * tumor_volume_mm3 / (4.0 * np.pi)) ** (1.0 / 3.0)
        zt = {"right_flank": -15.0, "left_flank": -15.0, "right_shoulder": 25.0,
              "liver": 6.0, "brain": 48.0}[tumor_site] * s
        if tumor_site in ("liver", "brain"):
            ct = (3.0 * s, -2.0 * s if tumor_site == "liver" else 1.0 * s, zt)
        else:
            side = -1.0 if tumor_site == "left_flank" else 1.0
            xsurf = trunk[0] * np.sqrt(max(1 - (zt / trunk[2]) ** 2, 0.0))
            ct = (side * (xsurf + 0.3 * rt), 0.0, zt)
        need = abs(ct[0]) + rt + voxel_mm
        if need > (shape[0] - 1) / 2 * voxel_mm:
            raise DesignError(f"shape: the tumour (radius {rt:.1f} mm) does not fit in the "
                              f"volume; give a larger shape or a smaller tumour")
        tumor = _ellipsoid(g, ct, (rt, rt, rt))
        _paint(labels, organs, "tumor", tumor)
    return Phantom(labels, tuple(organs), sp, "mouse", float(body_weight_g),
                   {k: float(v) for k, v in ref.items()})


def human_phantom(voxel_mm: float = 4.0, body_weight_kg: float = 73.0,
                  tumor_volume_mm3: float | None = 30000.0) -> Phantom:
    """A stylised adult (trunk, head and legs; arms omitted) sized to ICRP 89 masses.

    Examples
    --------
    >>> ph = human_phantom(voxel_mm=10.0)
    >>> ph.species, "brain" in ph.organs
    ('human', True)
    """
    if not 1.0 <= voxel_mm <= 15.0:
        raise DesignError(f"voxel: {voxel_mm:g} mm is not usable for a human; give 1-15 mm")
    ref = reference_masses("human", body_weight_kg * 1e3)
    s = (body_weight_kg / 73.0) ** (1.0 / 3.0)
    # MIRD-5 trunk: elliptic cylinder, semi-axes 20 x 10 cm, 70 cm long; head ellipsoid; legs.
    # Trunk semi-axes reduced to 17 x 10 cm because arms are omitted (their mass stays out).
    ta, tb, tl = 170.0 * s, 100.0 * s, 700.0 * s
    shape = (int(2 * np.ceil((ta + 20) / voxel_mm)) + 1, int(2 * np.ceil((tb + 20) / voxel_mm))
             + 1, int(np.ceil((tl + 240 * s + 800 * s) / voxel_mm)) + 3)
    sp = (voxel_mm,) * 3
    g = _grid(shape, sp)  # type: ignore[arg-type]
    z_base = -(shape[2] - 1) / 2 * voxel_mm + voxel_mm  # bottom of the feet
    z_tr0 = z_base + 800 * s
    z_tr1 = z_tr0 + tl
    body = _zcyl(g, (0.0, 0.0), (ta, tb), z_tr0, z_tr1)
    head_c = (0.0, 0.0, z_tr1 + 110 * s)
    body |= _ellipsoid(g, head_c, (75 * s, 100 * s, 110 * s))
    for xl in (-85 * s, 85 * s):
        body |= _zcyl(g, (xl, 0.0), (75 * s, 75 * s), z_base, z_tr0)
    labels, organs = _body_labels(shape, body, sp, ref)

    def ell(name: str, c: tuple[float, float, float], ratios: tuple[float, float, float],
            mass_g: float, mirror: bool = False) -> None:
        n = 2 if mirror else 1
        r = _scaled(ratios, mass_g / n / tissue_of(name).density * 1e3)
        m = _ellipsoid(g, (c[0] * s, c[1] * s, z_tr0 + c[2] * s), r)
        if mirror:
            m |= _ellipsoid(g, (-c[0] * s, c[1] * s, z_tr0 + c[2] * s), r)
        _paint(labels, organs, name, m & body)

    # centres (mm) relative to the trunk base; shapes after MIRD-5 (Snyder 1978)
    ell("gut", (0.0, -30.0, 160.0), (110.0, 55.0, 100.0), ref["gut"])
    ell("liver", (-40.0, -10.0, 330.0), (100.0, 70.0, 70.0), ref["liver"])
    ell("rest", (20.0, 0.0, 290.0), (60.0, 15.0, 20.0), ref["rest"])
    ell("spleen", (110.0, 30.0, 340.0), (35.0, 20.0, 60.0), ref["spleen"])
    ell("kidney", (60.0, 60.0, 280.0), (45.0, 15.0, 55.0), ref["kidney"], mirror=True)
    ell("urine", (0.0, -45.0, 40.0), (45.0, 35.0, 35.0), ref["urine"])
    ell("lung", (80.0, 0.0, 500.0), (50.0, 75.0, 120.0), ref["lung"], mirror=True)
    rh = _scaled((70.0, 50.0, 60.0), (ref["heart"] + ref["blood_in_heart"]) / 1.055 * 1e3)
    hc = (10.0 * s, -30.0 * s, z_tr0 + 480 * s)
    _paint(labels, organs, "heart", _ellipsoid(g, hc, rh) & body)
    f_blood = ref["blood_in_heart"] / (ref["heart"] + ref["blood_in_heart"])
    _paint(labels, organs, "blood", _ellipsoid(g, hc, tuple(r * f_blood ** (1 / 3) for r in rh)))
    ell("brain", (0.0, 0.0, tl + 110.0 + 10.0), (60.0, 80.0, 70.0), ref["brain"])
    # skeleton: spine + pelvis block + femurs, marrow core (volume fractions from the masses)
    v_bone = ref["bone"] / 1.92 * 1e3
    v_marrow = ref["marrow"] / 1.03 * 1e3
    v_tot = v_bone + v_marrow
    L = tl + 800 * s
    r_out = float(np.sqrt(v_tot / (np.pi * (tl + 2 * 0.5 * 800 * s))))
    r_in = r_out * np.sqrt(v_marrow / v_tot)
    y_sp = tb - 45.0 * s
    sk = _zcyl(g, (0.0, y_sp), (r_out, r_out), z_tr0, z_tr1)
    core = _zcyl(g, (0.0, y_sp), (r_in, r_in), z_tr0, z_tr1)
    for xl in (-85 * s, 85 * s):
        sk |= _zcyl(g, (xl, 0.0), (r_out * np.sqrt(0.5),) * 2, z_base, z_tr0)
        core |= _zcyl(g, (xl, 0.0), (r_in * np.sqrt(0.5),) * 2, z_base, z_tr0)
    del L
    _paint(labels, organs, "bone", sk & body)
    _paint(labels, organs, "marrow", core & body)
    if tumor_volume_mm3:
        rt = (3.0 * tumor_volume_mm3 / (4.0 * np.pi)) ** (1.0 / 3.0)
        _paint(labels, organs, "tumor", _ellipsoid(g, (-40.0 * s, -10.0 * s, z_tr0 + 330 * s),
                                                   (rt, rt, rt)) & body)
    ref_out = {k: float(v) for k, v in ref.items() if k != "blood_in_heart"}
    ref_out["blood"] = float(ref["blood_in_heart"])
    return Phantom(labels, tuple(organs), sp, "human", body_weight_kg * 1e3, ref_out)


def make_phantom(species: str, voxel_mm: float | None = None, body_weight_g: float | None = None,
                 tumor_volume_mm3: float | None = None, tumor_site: str = "right_flank",
                 **kw: Any) -> Phantom:
    """Phantom for a species (mouse, or human; rats use the mouse scaled by weight is NOT done).

    Examples
    --------
    >>> make_phantom("mouse", voxel_mm=1.0).species
    'mouse'
    """
    if species == "mouse":
        return mouse_phantom(voxel_mm or 0.5, body_weight_g or 30.0,
                             200.0 if tumor_volume_mm3 is None else tumor_volume_mm3,
                             tumor_site, **kw)
    if species == "human":
        return human_phantom(voxel_mm or 4.0, (body_weight_g or 73000.0) / 1e3,
                             30000.0 if tumor_volume_mm3 is None else tumor_volume_mm3)
    raise DesignError(f"subject.species: no imaging phantom for {species!r}; use mouse or human")
