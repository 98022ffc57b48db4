"""Image-space (fast) models of PET, SPECT, CT, MRI, NIR fluorescence, photoacoustics, Cerenkov.

Every function takes a phantom and voxel maps and returns an :class:`~nanotwin.imaging.image.Image`.
Noise-free images are the true maps blurred by the system response; with ``noise=True`` counts
(PET/SPECT) are Poisson-sampled per voxel, CT gets Gaussian noise, MRI Rician noise. Per-voxel
Poisson noise after blurring is a simplification: real reconstructions have correlated and
larger noise (use the tomographic mode for that).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.errors import DesignError
from nanotwin.imaging.image import Image
from nanotwin.imaging.phantom import Phantom
from nanotwin.imaging.scanners import (
    CTScanner,
    collimator_resolution_mm,
    collimator_sensitivity,
    get_ct,
    get_pet,
    get_spect,
    positron_mean_range_mm,
)
from nanotwin.imaging.tissue import (
    ORGAN_TISSUE,
    TISSUES,
    mass_attenuation,
    optical_properties,
    relaxation_times,
    tissue_of,
)

__all__ = ["pet", "spect", "ct", "mri", "nirf", "photoacoustic", "cerenkov", "mu_map",
           "ct_spectrum", "hu_per_mg_per_mL", "water_equivalent_diameter_mm", "blur",
           "spect_windows", "cret"]

_FWHM_TO_SIGMA = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))


def blur(arr: np.ndarray, fwhm_mm: float, spacing: tuple[float, ...]) -> np.ndarray:
    """Gaussian blur with the given FWHM (mm), float32, edges reflected."""
    from scipy.ndimage import gaussian_filter

    if fwhm_mm <= 0:
        return arr
    sig = [fwhm_mm * _FWHM_TO_SIGMA / s for s in spacing]
    return gaussian_filter(arr.astype(np.float32), sig, mode="constant", truncate=3.0)


def _positron_kernel(R_mean_mm: float, spacing: tuple[float, ...]) -> np.ndarray:
    """3-D annihilation-point kernel: density exp(-r/R)/r^2 (radial pdf exponential with mean
    R, after Palmer & Brownell, IEEE TMI 1992;11:373), voxel-averaged by 3x3x3 sub-sampling."""
    half = [max(1, int(np.ceil(4 * R_mean_mm / s))) for s in spacing]
    sub = (np.arange(3) - 1) / 3.0
    ax = [((np.arange(-h, h + 1)[:, None] + sub[None, :]) * s).ravel()
          for h, s in zip(half, spacing, strict=True)]
    X, Y, Z = np.meshgrid(*ax, indexing="ij")
    r = np.sqrt(X**2 + Y**2 + Z**2)
    r = np.maximum(r, 0.25 * min(spacing) / 3)
    k = np.exp(-r / R_mean_mm) / r**2
    k = k.reshape(2 * half[0] + 1, 3, 2 * half[1] + 1, 3, 2 * half[2] + 1, 3).sum(axis=(1, 3, 5))
    return (k / k.sum()).astype(np.float32)


def mu_map(phantom: Phantom, E_keV: float, extra: np.ndarray | None = None) -> np.ndarray:
    """Linear attenuation (1/mm) per voxel at one photon energy."""
    vals = {o: float(mass_attenuation(tissue_of(o).composition, E_keV)) * tissue_of(o).density
            / 10.0 for o in phantom.organs}
    m = phantom.lookup(vals, default=0.0)
    return m if extra is None else m + extra


def _attenuation_factor(mu: np.ndarray, spacing: tuple[float, ...], coincidence: bool
                        ) -> np.ndarray:
    """Mean survival probability of the photons leaving each voxel, averaged over the four
    transaxial directions (+-x, +-y). For coincidences (PET) the full line integral applies."""
    px = np.cumsum(mu, axis=0) * spacing[0]
    py = np.cumsum(mu, axis=1) * spacing[1]
    tx = px[-1:, :, :]
    ty = py[:, -1:, :]
    if coincidence:
        return (0.5 * (np.exp(-tx) + np.exp(-ty))).astype(np.float32) * np.ones_like(mu)
    out = 0.25 * (np.exp(-px) + np.exp(-(tx - px)) + np.exp(-py) + np.exp(-(ty - py)))
    return out.astype(np.float32)


def _decay_during(nuclide: str, duration_s: float) -> float:
    """Mean activity fraction over the scan: (1 - exp(-lambda T)) / (lambda T)."""
    from nanotwin.physics import half_life

    lam = np.log(2.0) / (half_life(nuclide, "h") * 3600.0)
    x = lam * duration_s
    return float(-np.expm1(-x) / x) if x > 1e-12 else 1.0


def _poisson(expected: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(np.clip(expected, 0.0, None).astype(np.float64)).astype(np.float32)


def pet(phantom: Phantom, activity_Bq_per_mL: np.ndarray, nuclide: str, *, time_h: float = 0.0,
        scanner: str = "inveon", duration_s: float = 600.0, noise: bool = True,
        rng: np.random.Generator | None = None) -> Image:
    """PET image (Bq/mL, attenuation and decay corrected to scan start).

    Blur = positron range kernel (exp/r^2, mean range from
    :func:`~nanotwin.imaging.scanners.positron_mean_range_mm`) then the scanner's Gaussian
    FWHM. Counts = A x positron fraction x sensitivity(z) x attenuation x duration, with a
    triangular axial sensitivity profile (3-D acquisition) peaking at the scanner's value.
    """
    from scipy.signal import fftconvolve

    from nanotwin.physics import positron_fraction

    sc = get_pet(scanner)
    sp = phantom.spacing_mm
    R = positron_mean_range_mm(nuclide)
    # The published FWHM was measured with F-18/Na-22 and so already contains their positron
    # range; only the range in excess of F-18's is added (mean ranges combined in quadrature).
    R_extra = float(np.sqrt(max(R**2 - positron_mean_range_mm("F-18") ** 2, 0.0)))
    img = activity_Bq_per_mL.astype(np.float32)
    if R_extra > 0.5 * min(sp):
        img = fftconvolve(img, _positron_kernel(R_extra, sp), mode="same").astype(np.float32)
    img = blur(img, sc.fwhm_mm, sp)
    meta: dict[str, Any] = {"scanner": sc.name, "fwhm_mm": sc.fwhm_mm,
                            "peak_sensitivity": sc.peak_sensitivity, "source": sc.source,
                            "positron_mean_range_mm": R,
                            "extra_range_mm": R_extra, "duration_s": duration_s,
                            "nuclide": nuclide, "noise": noise}
    if noise:
        rng = rng or np.random.default_rng()
        pf = positron_fraction(nuclide)
        z = (np.arange(phantom.shape[2]) - (phantom.shape[2] - 1) / 2) * sp[2]
        prof = np.clip(1.0 - 2.0 * np.abs(z) / sc.axial_fov_mm, 0.0, None)
        if phantom.species == "human":  # multi-bed whole body: overlapping beds -> flat profile
            prof = np.ones_like(z)
        eff = (sc.peak_sensitivity * pf * prof)[None, None, :].astype(np.float32)
        af = _attenuation_factor(mu_map(phantom, 511.0), sp, coincidence=True)
        T_eff = duration_s * _decay_during(nuclide, duration_s)
        scale = eff * af * T_eff * phantom.voxel_mL
        counts = _poisson(img * scale, rng)
        with np.errstate(divide="ignore", invalid="ignore"):
            img = np.where(scale > 0, counts / scale, 0.0).astype(np.float32)
        meta["total_counts"] = float(counts.sum())
    return Image(img, sp, phantom.origin_mm, "Bq/mL", "PET", time_h, meta)


def spect_windows(nuclide: str, max_windows: int = 3) -> list[tuple[float, float]]:
    """Photopeak windows (energy keV, photons per decay): the most intense photon lines of
    50-400 keV with >= 5 % yield (ICRP-107 via nanotwin.physics.photon_lines), +-10 % wide."""
    from nanotwin.physics import photon_lines

    lines = photon_lines(nuclide)
    keep = lines[(lines["energy_MeV"] >= 0.05) & (lines["energy_MeV"] <= 0.4)
                 & (lines["yield"] >= 0.05)]
    if keep.empty:
        raise DesignError(f"radiolabels[0].nuclide: {nuclide} has no photon line of 50-400 keV "
                          f"with >= 5 % yield; it cannot be imaged by SPECT")
    keep = keep.sort_values("yield", ascending=False).head(max_windows)
    return [(float(e) * 1e3, float(y)) for e, y in zip(keep["energy_MeV"], keep["yield"],
                                                         strict=True)]


def spect(phantom: Phantom, activity_Bq_per_mL: np.ndarray, nuclide: str, *,
          time_h: float = 0.0, collimator: str | None = None, radius_mm: float | None = None,
          duration_s: float = 1800.0, heads: int = 2, noise: bool = True,
          rng: np.random.Generator | None = None) -> Image:
    """SPECT image (Bq/mL) in image space: blur = collimator + intrinsic FWHM at the radius of
    rotation (plus half the body depth), sensitivity from the collimator geometry, windows at the
    nuclide's photon lines, attenuation at each window energy."""
    wins = spect_windows(nuclide)
    E_max = max(e for e, _ in wins)
    col = get_spect(collimator or ("lehr" if E_max <= 160.0 else "megp"))
    sp = phantom.spacing_mm
    if radius_mm is None:
        radius_mm = 25.0 if phantom.species == "mouse" else 250.0
    E_main = wins[0][0]
    fwhm = collimator_resolution_mm(col, radius_mm, E_main)
    img = blur(activity_Bq_per_mL.astype(np.float32), fwhm, sp)
    meta: dict[str, Any] = {"collimator": col.name, "fwhm_mm": fwhm, "radius_mm": radius_mm,
                            "windows_keV": [e for e, _ in wins], "source": col.source,
                            "duration_s": duration_s, "nuclide": nuclide, "noise": noise}
    if noise:
        rng = rng or np.random.default_rng()
        T_eff = duration_s * _decay_during(nuclide, duration_s)
        scale = np.zeros(phantom.shape, dtype=np.float32)
        for E, y in wins:
            g = collimator_sensitivity(col, E)
            af = _attenuation_factor(mu_map(phantom, E), sp, coincidence=False)
            scale += np.float32(y * g * heads * T_eff * phantom.voxel_mL) * af
        counts = _poisson(img * scale, rng)
        with np.errstate(divide="ignore", invalid="ignore"):
            img = np.where(scale > 0, counts / scale, 0.0).astype(np.float32)
        meta["total_counts"] = float(counts.sum())
    return Image(img, sp, phantom.origin_mm, "Bq/mL", "SPECT", time_h, meta)


@lru_cache(maxsize=32)
def _tube_spectrum(kVp: float, filtration_mm_Al: float, filtration_mm_Cu: float,
                   anode_angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Photon fluence per keV of a tungsten-anode tube from SpekPy (Poludniowski et al., Med Phys
    2021;48:3630; bremsstrahlung and characteristic W lines from its physics model), after the
    given Al/Cu filtration. Cached: SpekPy takes ~0.5 s per spectrum."""
    import spekpy

    s = spekpy.Spek(kvp=float(kVp), th=float(anode_angle_deg), dk=0.5)
    if filtration_mm_Al > 0:
        s.filter("Al", float(filtration_mm_Al))
    if filtration_mm_Cu > 0:
        s.filter("Cu", float(filtration_mm_Cu))
    E, phi = s.get_spectrum()
    E, phi = np.asarray(E, dtype=float), np.asarray(phi, dtype=float)
    keep = (E >= 10.0) & (phi > 0)
    return E[keep], phi[keep]


def ct_spectrum(kVp: float, filtration_mm_Al: float, water_mm: float, *,
                filtration_mm_Cu: float = 0.0, anode_angle_deg: float = 12.0
                ) -> tuple[np.ndarray, np.ndarray]:
    """Detected-energy weights w(E) of a CT beam behind ``water_mm`` of water.

    The tube spectrum Phi(E) is SpekPy's tungsten-anode model (Poludniowski et al. 2021) with the
    given total filtration; an energy-integrating detector weights each photon by its energy, so
    w(E) ~ E Phi(E) exp(-mu_water(E) water_mm) (beam hardening by the body), normalised to 1.
    The default anode angle, 12 deg, is SpekPy's; CT tubes use 7-12 deg, which changes the HU
    slopes by < 2 % (docs/imaging.md). Full detector absorption is assumed (thick ceramic
    scintillators absorb > 95 % below 100 keV).

    Examples
    --------
    >>> E, w = ct_spectrum(120.0, 6.0, 200.0)
    >>> round(float((E * w).sum() / w.sum()))
    77
    """
    if not 20.0 <= kVp <= 150.0:
        raise DesignError(f"kVp: {kVp!r} is outside SpekPy's diagnostic range used here; give "
                          f"a tube voltage of 20-150 kV, e.g. 80 or 120")
    if filtration_mm_Al < 0 or filtration_mm_Cu < 0 or water_mm < 0:
        raise DesignError("filtration_mm_Al/filtration_mm_Cu/water_mm: negative thickness; "
                          "give thicknesses in mm >= 0")
    E, W = _slice_spectra(kVp, filtration_mm_Al, filtration_mm_Cu, anode_angle_deg,
                          np.array([float(water_mm)]))
    return E, W[0]


def _eff_mass_att(composition: Any, E: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * mass_attenuation(composition, E)))


def hu_per_mg_per_mL(element: str, kVp: float = 120.0, filtration_mm_Al: float = 6.0,
                     water_mm: float = 200.0, *, filtration_mm_Cu: float = 0.0,
                     anode_angle_deg: float = 12.0) -> float:
    """CT contrast slope: HU per mg/mL of an element in water (linearised, spectrum-weighted):
    1000 x 1e-3 x <mu/rho>_element / <mu/rho>_water with the weights of :func:`ct_spectrum`.

    Examples
    --------
    >>> 15 < hu_per_mg_per_mL("Au", 80.0, 6.0, 200.0) < 40
    True
    """
    E, w = ct_spectrum(kVp, filtration_mm_Al, water_mm, filtration_mm_Cu=filtration_mm_Cu,
                       anode_angle_deg=anode_angle_deg)
    return float(_hu_slope(element, E, w[None, :])[0])


def _slice_spectra(kVp: float, filtration_mm_Al: float, filtration_mm_Cu: float,
                   anode_angle_deg: float, water_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Detected-energy weights E Phi(E) exp(-mu_water(E) L), normalised, for each water path L
    in ``water_mm`` (mm): array [n_path, n_E] (see :func:`ct_spectrum`)."""
    E, phi = _tube_spectrum(float(kVp), float(filtration_mm_Al), float(filtration_mm_Cu),
                            float(anode_angle_deg))
    mu_w = mass_attenuation(TISSUES["water"].composition, E) / 10.0  # 1/mm (1 g/cm^3)
    W = (phi * E)[None, :] * np.exp(-np.asarray(water_mm, dtype=float)[:, None] * mu_w[None, :])
    return E, W / W.sum(axis=1, keepdims=True)


def _hu_slope(element: str, E: np.ndarray, W: np.ndarray) -> np.ndarray:
    """HU per mg/mL of ``element`` for each weight row of W: 1000 x 1e-3 x <mu/rho>_el /
    <mu/rho>_water (linearised, water beam-hardening corrected)."""
    mu_w = W @ mass_attenuation(TISSUES["water"].composition, E)
    return 1000.0 * 1e-3 * (W @ mass_attenuation(element, E)) / mu_w


def water_equivalent_diameter_mm(phantom: Phantom,
                                 scanner: str | CTScanner | None = None) -> np.ndarray:
    """Water-equivalent diameter D_w (mm) of every axial slice (last array axis) of a phantom.

    D_w = 2 sqrt(A_w / pi), A_w = sum over the slice of (CT/1000 + 1) x pixel area, i.e. the
    area of water that attenuates as much as the slice (AAPM Report 220, McCollough et al. 2014,
    Eqs. 2-3). CT/1000 + 1 = rho <mu/rho>_tissue / <mu/rho>_water with the scanner's spectrum
    hardened by the phantom's median body D_w (two passes; soft-tissue ratios move < 1 %).
    A slice without body has D_w = 0.

    Examples
    --------
    >>> import numpy as np
    >>> from nanotwin.imaging.phantom import Phantom
    >>> g = np.arange(100) - 49.5
    >>> X, Y, Z = np.meshgrid(g, g, np.arange(3), indexing="ij")
    >>> ph = Phantom((X**2 + Y**2 <= 40.0**2).astype(np.uint8), ("muscle",), (1.0, 1.0, 1.0),
    ...              "human", 1000.0)
    >>> round(float(water_equivalent_diameter_mm(ph, "clinical_ct")[1]))  # muscle, 80 mm across
    82
    """
    sc = get_ct(scanner or ("microct" if phantom.species == "mouse" else "clinical_ct"))
    area_mm2 = phantom.spacing_mm[0] * phantom.spacing_mm[1]
    L = 0.0
    for _ in range(2):
        E, W = _slice_spectra(sc.kVp, sc.filtration_mm_Al, sc.filtration_mm_Cu,
                              sc.anode_angle_deg, np.array([L]))
        mu_w = _eff_mass_att(TISSUES["water"].composition, E, W[0])
        rel = {o: tissue_of(o).density * _eff_mass_att(tissue_of(o).composition, E, W[0]) / mu_w
               for o in phantom.organs}
        A_w = phantom.lookup(rel, default=0.0).sum(axis=(0, 1)) * area_mm2
        D_w = 2.0 * np.sqrt(A_w / np.pi)
        L = float(np.median(D_w[D_w > 0])) if np.any(D_w > 0) else 0.0
    return D_w


def ct(phantom: Phantom, element_mg_per_mL: dict[str, np.ndarray] | None = None, *,
       time_h: float = 0.0, scanner: str | CTScanner | None = None, noise: bool = True,
       water_mm: float | None = None, rng: np.random.Generator | None = None) -> Image:
    """CT image in HU: tissue mu (ICRU 44 composition) plus contrast elements, weighted by the
    SpekPy tube spectrum of the scanner class (see :func:`ct_spectrum`), blurred by the scanner
    FWHM, Gaussian noise.

    Beam hardening is per axial slice: the spectrum of slice z is hardened by that slice's
    water-equivalent diameter (:func:`water_equivalent_diameter_mm`, AAPM Report 220), so the
    same mg/mL of iodine or gold gives fewer HU in a thick adult abdomen than in the neck or a
    mouse (the size dependence of contrast enhancement; e.g. Bae, Radiology 2010;256:32).
    ``water_mm`` fixes one path for the whole volume instead. ``scanner`` is a name in
    ``CT_SCANNERS`` or a :class:`~nanotwin.imaging.scanners.CTScanner` of your own.
    """
    sc = get_ct(scanner or ("microct" if phantom.species == "mouse" else "clinical_ct"))
    if water_mm is not None and water_mm < 0:
        raise DesignError(f"water_mm: {water_mm!r} is negative; give a water path in mm >= 0")
    nz = phantom.shape[2]
    D_w = (np.full(nz, float(water_mm)) if water_mm is not None
           else water_equivalent_diameter_mm(phantom, sc))
    # Slices share a spectrum when their D_w agrees to 1 mm (< 0.1 % change in any slope).
    paths, z_of = np.unique(np.round(D_w), return_inverse=True)
    E, W = _slice_spectra(sc.kVp, sc.filtration_mm_Al, sc.filtration_mm_Cu, sc.anode_angle_deg,
                          paths)
    mu_w = W @ mass_attenuation(TISSUES["water"].composition, E)  # [n_path]
    table = np.full((len(phantom.organs) + 1, len(paths)), -1000.0)
    for k, o in enumerate(phantom.organs, start=1):
        t = tissue_of(o)
        table[k] = 1000.0 * (W @ mass_attenuation(t.composition, E) * t.density - mu_w) / mu_w
    zsel = z_of.reshape(1, 1, nz)
    img = table[phantom.labels, zsel].astype(np.float32)
    for el, conc in (element_mg_per_mL or {}).items():
        slope = _hu_slope(el, E, W)  # HU per mg/mL, per water path
        img = img + (slope[zsel] * conc).astype(np.float32)
    if sc.fwhm_mm > 0.5 * min(phantom.spacing_mm):
        img = blur(img + 1000.0, sc.fwhm_mm, phantom.spacing_mm) - 1000.0
    if noise:
        rng = rng or np.random.default_rng()
        img = img + rng.normal(0.0, sc.noise_HU, img.shape).astype(np.float32)
    body = D_w > 0
    meta = {"scanner": sc.name, "kVp": sc.kVp, "filtration_mm_Al": sc.filtration_mm_Al,
            "filtration_mm_Cu": sc.filtration_mm_Cu, "spectrum": "SpekPy (W anode)",
            "fwhm_mm": sc.fwhm_mm, "noise_HU": sc.noise_HU, "noise": noise,
            "water_equivalent_diameter_mm": (float(np.median(D_w[body])) if body.any() else 0.0),
            "beam_hardening": "per-slice water-equivalent diameter" if water_mm is None
            else f"fixed {float(water_mm)} mm water"}
    return Image(img.astype(np.float32), phantom.spacing_mm, phantom.origin_mm, "HU", "CT",
                 time_h, meta)


def mri(phantom: Phantom, conc_mM: np.ndarray | None = None, *, r1: float = 0.0,
        r2: float = 0.0, time_h: float = 0.0, field_T: float = 3.0, weighting: str = "T1",
        TR_ms: float | None = None, TE_ms: float | None = None, snr: float = 40.0,
        noise: bool = True, rng: np.random.Generator | None = None) -> Image:
    """Spin-echo MR image: R1 = 1/T1 + r1 C, R2 = 1/T2 + r2 C;
    S = PD (1 - exp(-TR R1)) exp(-TE R2) (Haacke et al., Magnetic Resonance Imaging, 1999,
    Eq. 18.4). Noise: Rician, sigma = S(muscle, no agent)/snr."""
    if weighting not in ("T1", "T2"):
        raise DesignError(f"weighting: {weighting!r}; use T1 or T2")
    TR = TR_ms if TR_ms is not None else (500.0 if weighting == "T1" else 3000.0)
    TE = TE_ms if TE_ms is not None else (10.0 if weighting == "T1" else 60.0)
    R1 = {o: 1.0 / relaxation_times(ORGAN_TISSUE[o], field_T)[0] for o in phantom.organs}
    R2 = {o: 1.0 / relaxation_times(ORGAN_TISSUE[o], field_T)[1] for o in phantom.organs}
    PD = {o: tissue_of(o).proton_density for o in phantom.organs}
    R1m = phantom.lookup(R1, 0.0)  # 1/ms
    R2m = phantom.lookup(R2, 0.0)
    if conc_mM is not None:
        R1m = R1m + np.float32(r1 * 1e-3) * conc_mM  # r in 1/(mM s) -> 1/(mM ms)
        R2m = R2m + np.float32(r2 * 1e-3) * conc_mM
    S = phantom.lookup(PD, 0.0) * (1.0 - np.exp(-TR * R1m)) * np.exp(-TE * R2m)
    T1m, T2m = relaxation_times("muscle", field_T)
    S_ref = 0.8 * (1 - np.exp(-TR / T1m)) * np.exp(-TE / T2m)
    if noise:
        rng = rng or np.random.default_rng()
        sig = S_ref / snr
        S = np.hypot(S + rng.normal(0, sig, S.shape), rng.normal(0, sig, S.shape))
    meta = {"field_T": field_T, "weighting": weighting, "TR_ms": TR, "TE_ms": TE, "r1": r1,
            "r2": r2, "snr_muscle": snr, "noise": noise}
    return Image(S.astype(np.float32), phantom.spacing_mm, phantom.origin_mm, "a.u.", "MRI",
                 time_h, meta)


def _mueff_map(phantom: Phantom, wavelength_nm: float, extra_mua: np.ndarray | None = None
               ) -> np.ndarray:
    """Effective attenuation mu_eff = sqrt(3 mu_a (mu_a + mu_s')) [1/mm] (diffusion theory;
    Jacques 2013, Eq. 5)."""
    mua = phantom.lookup({o: optical_properties(ORGAN_TISSUE[o], wavelength_nm)[0] / 10.0
                          for o in phantom.organs}, 0.0)
    musp = phantom.lookup({o: optical_properties(ORGAN_TISSUE[o], wavelength_nm)[1] / 10.0
                           for o in phantom.organs}, 0.0)
    if extra_mua is not None:
        mua = mua + extra_mua
    return np.sqrt(3.0 * mua * (mua + musp)).astype(np.float32)


def _depth_attenuation(mueff: np.ndarray, spacing: tuple[float, ...]) -> np.ndarray:
    """exp(-int mu_eff dy) from the ventral surface (y = 0 side, where the camera looks)."""
    return np.exp(-np.cumsum(mueff, axis=1) * spacing[1]).astype(np.float32)


def nirf(phantom: Phantom, dye_mg_per_mL: np.ndarray, *, time_h: float = 0.0,
         excitation_nm: float = 750.0, emission_nm: float = 800.0, noise: bool = True,
         rng: np.random.Generator | None = None) -> Image:
    """Planar epi-fluorescence (ventral view): each voxel's emission ~ dye concentration x
    excitation fluence exp(-mu_eff,ex d) x escape exp(-mu_eff,em d); summed along depth, then
    blurred by 1 mm (diffuse spread; approximate). Relative units."""
    sp = phantom.spacing_mm
    att = _depth_attenuation(_mueff_map(phantom, excitation_nm), sp) * _depth_attenuation(
        _mueff_map(phantom, emission_nm), sp)
    planar = (dye_mg_per_mL * att).sum(axis=1) * sp[1]
    planar = blur(planar, 1.0, (sp[0], sp[2]))
    if noise:
        rng = rng or np.random.default_rng()
        planar = planar + rng.normal(0, 0.01 * float(planar.max() or 1.0), planar.shape)
    meta = {"view": "ventral", "excitation_nm": excitation_nm, "emission_nm": emission_nm,
            "noise": noise}
    return Image(planar.astype(np.float32), (sp[0], sp[2]), (phantom.origin_mm[0],
                 phantom.origin_mm[2]), "a.u. (mg/mL x mm)", "NIRF", time_h, meta)


def photoacoustic(phantom: Phantom, absorber_mg_per_mL: np.ndarray, *, absorptivity: float,
                  time_h: float = 0.0, wavelength_nm: float = 800.0, noise: bool = True,
                  rng: np.random.Generator | None = None) -> Image:
    """Photoacoustic initial pressure p0 ~ mu_a Phi (Grueneisen constant taken as uniform):
    mu_a = tissue + absorptivity x concentration; fluence Phi = exp(-mu_eff d) from the ventral
    surface; blurred 0.15 mm (typical 15-20 MHz PA tomograph, approximate)."""
    if not absorptivity > 0:
        raise DesignError("absorptivity: give the absorber's absorption coefficient per mg/mL "
                          "(1/cm per mg/mL) at the wavelength, e.g. absorptivity=50")
    sp = phantom.spacing_mm
    extra = (absorptivity / 10.0) * absorber_mg_per_mL
    mua = phantom.lookup({o: optical_properties(ORGAN_TISSUE[o], wavelength_nm)[0] / 10.0
                          for o in phantom.organs}, 0.0) + extra
    phi = _depth_attenuation(_mueff_map(phantom, wavelength_nm, extra), sp)
    p0 = blur((mua * phi).astype(np.float32), 0.15, sp)
    if noise:
        rng = rng or np.random.default_rng()
        p0 = p0 + rng.normal(0, 0.01 * float(p0.max() or 1.0), p0.shape).astype(np.float32)
    meta = {"wavelength_nm": wavelength_nm, "absorptivity_per_cm_per_mg_mL": absorptivity,
            "illumination": "ventral", "noise": noise}
    return Image(p0.astype(np.float32), sp, phantom.origin_mm, "a.u. (mu_a x fluence, 1/mm)",
                 "PA", time_h, meta)


def cerenkov(phantom: Phantom, activity_Bq_per_mL: np.ndarray, nuclide: str, *,
             time_h: float = 0.0, duration_s: float = 300.0, noise: bool = True,
             rng: np.random.Generator | None = None) -> Image:
    """Planar Cerenkov luminescence (ventral view), photons escaping per mm^2 of surface.

    Emission per decay from :func:`~nanotwin.imaging.cerenkov.cerenkov_yield` (n = 1.4 tissue)
    in 50 nm bands from 650 to 900 nm (Frank-Tamm 1/lambda^2 spectrum), each band attenuated
    by exp(-mu_eff d); shorter wavelengths are taken as fully absorbed in tissue. Poisson noise on
    the photon counts (camera efficiency not modelled)."""
    from nanotwin.imaging.cerenkov import cerenkov_yield

    sp = phantom.spacing_mm
    total = np.zeros((phantom.shape[0], phantom.shape[2]), dtype=np.float32)
    bands = [(650.0, 700.0), (700.0, 750.0), (750.0, 800.0), (800.0, 850.0), (850.0, 900.0)]
    yields = {b: cerenkov_yield(nuclide, 1.4, b[0], b[1]) for b in bands}
    for (l1, l2), Y in yields.items():
        if Y <= 0:
            continue
        att = _depth_attenuation(_mueff_map(phantom, 0.5 * (l1 + l2)), sp)
        total += (activity_Bq_per_mL * phantom.voxel_mL * Y * att).sum(axis=1)
    photons = total * duration_s / (sp[0] * sp[2])  # photons per mm^2 over the exposure
    if noise and photons.max() > 0:
        rng = rng or np.random.default_rng()
        photons = _poisson(photons * sp[0] * sp[2], rng) / (sp[0] * sp[2])
    meta = {"yield_650_900_per_decay_n1.4": float(sum(yields.values())), "nuclide": nuclide,
            "duration_s": duration_s, "view": "ventral", "noise": noise}
    return Image(np.asarray(photons, dtype=np.float32), (sp[0], sp[2]),
                 (phantom.origin_mm[0], phantom.origin_mm[2]), "photons/mm^2", "CLI", time_h,
                 meta)


def cret(phantom: Phantom, activity_Bq_per_mL: np.ndarray, dye_mg_per_mL: np.ndarray,
         nuclide: str, *, fluorophore: Any = "Cy5.5", time_h: float = 0.0,
         duration_s: float = 300.0, noise: bool = True,
         rng: np.random.Generator | None = None) -> Image:
    """Planar Cerenkov resonance energy transfer image (ventral view), photons/mm^2 at the
    fluorophore's emission wavelength.

    Per voxel: Cerenkov photons per decay in the dye's absorption band (Frank-Tamm over the beta
    spectrum, n = 1.4, :func:`~nanotwin.imaging.cerenkov.cerenkov_yield`) x fraction absorbed by
    the dye, mu_a,dye / (mu_a,dye + mu_a,tissue) with mu_a,dye = ln(10) eps c and mu_a,tissue
    the band mean of :func:`~nanotwin.imaging.tissue.optical_properties` x quantum yield; the
    re-emitted photons escape with exp(-mu_eff(lambda_em) d) to the ventral surface (see
    :mod:`nanotwin.imaging.cerenkov` for sources). Excitation of the dye by Cerenkov light made
    in other voxels and direct Cerenkov leakage through the emission filter are not modelled.

    Examples
    --------
    >>> ph = Phantom(np.ones((4, 6, 4), np.uint8), ("muscle",), (1.0,) * 3, "mouse", 30.0)
    >>> A = np.full(ph.shape, 1e6, np.float32)
    >>> im = cret(ph, A, np.full(ph.shape, 0.01, np.float32), "Zr-89", noise=False)
    >>> im.modality, im.units, im.metadata["fluorophore"]
    ('CRET', 'photons/mm^2', 'Cy5.5')
    """
    from nanotwin.imaging.cerenkov import cerenkov_yield, get_fluorophore

    fl = get_fluorophore(fluorophore)
    sp = phantom.spacing_mm
    lo, hi = fl.absorption_nm
    Y_band = cerenkov_yield(nuclide, 1.4, lo, hi)
    band = np.linspace(lo, hi, 5)
    mua_t = phantom.lookup({o: float(np.mean([optical_properties(ORGAN_TISSUE[o], lam)[0]
                                              for lam in band])) / 10.0
                            for o in phantom.organs}, 0.0)  # 1/mm
    mua_d = np.float32(fl.mu_a_per_mg_mL()) * np.clip(dye_mg_per_mL, 0.0, None).astype(
        np.float32)
    tot = mua_d + mua_t
    frac = np.divide(mua_d, tot, out=np.zeros_like(mua_d), where=tot > 0)
    emitted = activity_Bq_per_mL * np.float32(phantom.voxel_mL * Y_band * fl.quantum_yield) * frac
    att = _depth_attenuation(_mueff_map(phantom, fl.emission_nm), sp)
    photons = (emitted * att).sum(axis=1) * duration_s / (sp[0] * sp[2])
    if noise and photons.max() > 0:
        rng = rng or np.random.default_rng()
        photons = _poisson(photons * sp[0] * sp[2], rng) / (sp[0] * sp[2])
    meta = {"fluorophore": fl.name, "fluorophore_source": fl.source,
            "absorption_nm": list(fl.absorption_nm), "emission_nm": fl.emission_nm,
            "quantum_yield": fl.quantum_yield, "cerenkov_in_band_per_decay_n1.4": Y_band,
            "nuclide": nuclide, "duration_s": duration_s, "view": "ventral", "noise": noise}
    return Image(np.asarray(photons, dtype=np.float32), (sp[0], sp[2]),
                 (phantom.origin_mm[0], phantom.origin_mm[2]), "photons/mm^2", "CRET", time_h,
                 meta)
