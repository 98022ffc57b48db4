"""Tests of nanotwin.imaging: phantoms, image-space models, physics checks, formats, CLI."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from nanotwin.errors import DesignError
from nanotwin.imaging import (
    Agent,
    Contrast,
    Image,
    OrganTable,
    Phantom,
    cerenkov_yield,
    mouse_phantom,
    quantify,
    read_dicom_series,
    read_nifti,
    simulate,
    suv,
)
from nanotwin.imaging import modalities as mods
from nanotwin.imaging.scanners import PET_SCANNERS, positron_mean_range_mm


def _sphere_phantom(radius_mm: float = 10.0, voxel: float = 0.5, n: int = 64) -> Phantom:
    """Muscle cube with a central 'tumor' sphere (organ names of the PBPK model)."""
    g = (np.arange(n) - (n - 1) / 2) * voxel
    X, Y, Z = np.meshgrid(g, g, g, indexing="ij")
    lab = np.ones((n, n, n), np.uint8)
    lab[X**2 + Y**2 + Z**2 <= radius_mm**2] = 2
    return Phantom(lab, ("muscle", "tumor"), (voxel,) * 3, "mouse", 30.0)


@pytest.fixture(scope="module")
def mouse() -> Phantom:
    return mouse_phantom(voxel_mm=0.5, body_weight_g=30.0)


def test_mouse_organ_masses_close_to_radar(mouse: Phantom) -> None:
    m, ref = mouse.organ_mass_g(), mouse.reference_mass_g
    for organ in ("liver", "kidney", "spleen", "brain", "lung"):
        assert m[organ] == pytest.approx(ref[organ], rel=0.05), organ
    assert m["gut"] == pytest.approx(ref["gut"], rel=0.10)  # overlapped by later organs (-6 %)
    assert m["heart"] + m["blood"] == pytest.approx(ref["heart"], rel=0.05)
    assert m["bone"] + m["marrow"] == pytest.approx(ref["skeleton"], rel=0.10)
    assert sum(m.values()) - m["tumor"] == pytest.approx(ref["body"], rel=0.05)


def test_noise_free_pet_recovers_concentration_in_large_roi() -> None:
    ph = _sphere_phantom()
    conc = ph.lookup({"muscle": 1000.0, "tumor": 25000.0})
    im = mods.pet(ph, conc, "F-18", noise=False)
    fwhm = PET_SCANNERS["inveon"].fwhm_mm
    g = (np.arange(64) - 31.5) * 0.5
    X, Y, Z = np.meshgrid(g, g, g, indexing="ij")
    core = X**2 + Y**2 + Z**2 <= (10.0 - 3 * fwhm) ** 2  # ROI > 3x resolution from the edge
    assert im.array[core].mean() == pytest.approx(25000.0, rel=0.01)


@pytest.mark.parametrize("modality", ["SPECT", "CT"])
def test_noise_free_other_modalities_recover_roi(modality: str) -> None:
    ph = _sphere_phantom(radius_mm=25.0, voxel=1.0, n=64)
    if modality == "SPECT":
        conc = ph.lookup({"muscle": 1000.0, "tumor": 20000.0})
        im = mods.spect(ph, conc, "Tc-99m", noise=False)
        truth = 20000.0
    else:
        # one fixed 200 mm water path, so every slice has the slope of hu_per_mg_per_mL
        im = mods.ct(ph, {"Au": ph.lookup({"tumor": 5.0})}, noise=False, scanner="clinical_ct",
                     water_mm=200.0)
        truth = float(mods.ct(ph, {}, noise=False, scanner="clinical_ct",
                              water_mm=200.0).array[32, 32, 32]) + \
            5.0 * mods.hu_per_mg_per_mL("Au", 120.0, 6.0, 200.0)
    fwhm = im.metadata["fwhm_mm"]
    g = np.arange(64) - 31.5
    X, Y, Z = np.meshgrid(g, g, g, indexing="ij")
    core = X**2 + Y**2 + Z**2 <= (25.0 - 3 * fwhm) ** 2
    assert core.sum() > 20
    assert im.array[core].mean() == pytest.approx(truth, rel=0.01)


def test_pet_point_source_resolution_and_sensitivity() -> None:
    n, voxel = 41, 0.2
    ph = Phantom(np.full((n, n, n), 0, np.uint8), ("muscle",), (voxel,) * 3, "mouse", 30.0)
    A = np.zeros((n, n, n), np.float32)
    A[20, 20, 20] = 1e6 / ph.voxel_mL  # 1 MBq point in one voxel, in Bq/mL
    im = mods.pet(ph, A, "F-18", noise=False)
    prof = im.array[:, 20, 20].astype(float)
    half = prof.max() / 2
    above = np.where(prof >= half)[0]
    left, right = above[0], above[-1]
    xl = left - 1 + (half - prof[left - 1]) / (prof[left] - prof[left - 1])
    xr = right + (prof[right] - half) / (prof[right] - prof[right + 1])
    fwhm = (xr - xl) * voxel
    assert fwhm == pytest.approx(PET_SCANNERS["inveon"].fwhm_mm, rel=0.05)
    noisy = mods.pet(ph, A, "F-18", noise=True, duration_s=10.0,
                     rng=np.random.default_rng(1))
    from nanotwin.physics import positron_fraction

    sens = noisy.metadata["total_counts"] / (1e6 * 10.0 * positron_fraction("F-18"))
    assert sens == pytest.approx(PET_SCANNERS["inveon"].peak_sensitivity, rel=0.02)


@lru_cache(maxsize=1)
def _adult_liver_water_path_mm() -> float:
    """Water-equivalent diameter (AAPM Report 220) of the adult phantom's axial slice with the
    most liver: the anatomy of the published slopes below (Boote: liver; Bae: adult abdomen)."""
    from nanotwin.imaging.phantom import make_phantom

    ph = make_phantom("human")
    D_w = mods.water_equivalent_diameter_mm(ph, "clinical_ct")
    z = int(np.argmax(ph.mask("liver").sum(axis=(0, 1))))
    return float(D_w[z])


def test_adult_liver_slice_is_the_mird_trunk() -> None:
    # The MIRD-5 trunk is an elliptic cylinder with semi-axes 20 x 10 cm (Snyder et al. 1978):
    # area-equivalent diameter 2 sqrt(200 x 100) = 283 mm of soft tissue; the liver slice also
    # holds lung bases and spine, so its D_w must be near that, not a path chosen to fit.
    assert _adult_liver_water_path_mm() == pytest.approx(2.0 * np.sqrt(200.0 * 100.0), rel=0.1)


def test_ct_gold_slope_at_140kvp_matches_boote_2010() -> None:
    # Boote et al., Acad Radiol 2010;17:410: ~27 HU per mg Au/mL at 140 kVp (clinical CT)
    L = _adult_liver_water_path_mm()
    assert mods.hu_per_mg_per_mL("Au", 140.0, 6.0, L) == pytest.approx(27.0, rel=0.10)


@pytest.mark.xfail(strict=True, reason="SpekPy spectrum, 6 mm Al, adult liver slice (D_w 271 "
                   "mm): 24.8 HU per mg/mL vs 22 measured by Boote 2010 in swine liver at "
                   "80 kVp (+13 %; XCIST's GE generic beam gives +11 %, docs/imaging.md); the "
                   "measured 80/140 kVp ratio 0.81 needs a far harder beam than either")
def test_ct_gold_slope_at_80kvp_matches_boote_2010() -> None:
    L = _adult_liver_water_path_mm()
    assert mods.hu_per_mg_per_mL("Au", 80.0, 6.0, L) == pytest.approx(22.0, rel=0.10)


def test_ct_iodine_slope_at_120kvp_in_an_adult_abdomen() -> None:
    # ~25 HU per mg I/mL at 120 kVp in adult body CT (Bae, Radiology 2010;256:32)
    L = _adult_liver_water_path_mm()
    assert mods.hu_per_mg_per_mL("I", 120.0, 6.0, L) == pytest.approx(25.0, rel=0.10)


def _cylinder(radius_mm: float, organ: str = "muscle") -> Phantom:
    n = int(2 * radius_mm / 2.0) + 8
    g = (np.arange(n) - (n - 1) / 2) * 2.0
    X, Y, _ = np.meshgrid(g, g, np.arange(3), indexing="ij")
    return Phantom((X**2 + Y**2 <= radius_mm**2).astype(np.uint8), (organ,), (2.0, 2.0, 2.0),
                   "human", 70000.0)


def test_water_equivalent_diameter_is_area_times_relative_attenuation() -> None:
    # AAPM Report 220: D_w = 2 sqrt(A_w / pi), A_w = sum (CT/1000 + 1) A_pixel
    ph = _cylinder(100.0)
    D_w = mods.water_equivalent_diameter_mm(ph, "clinical_ct")
    hu_muscle = float(mods.ct(ph, noise=False, scanner="clinical_ct").array[ph.shape[0] // 2,
                                                                            ph.shape[1] // 2, 1])
    A_w = ph.labels[:, :, 1].sum() * 4.0 * (hu_muscle / 1000.0 + 1.0)
    assert D_w[1] == pytest.approx(2.0 * np.sqrt(A_w / np.pi), rel=1e-3)
    assert np.all(D_w == D_w[1])


def test_ct_contrast_per_mg_falls_with_body_size() -> None:
    # Beam hardening: the same iodine concentration gives fewer HU in a larger body, and each
    # slice follows hu_per_mg_per_mL at its own water-equivalent diameter.
    slopes = []
    for r in (60.0, 160.0):
        ph = _cylinder(r)
        c = 10.0 * ph.labels.astype(np.float32)
        i0 = mods.ct(ph, noise=False, scanner="clinical_ct").array
        i1 = mods.ct(ph, {"I": c}, noise=False, scanner="clinical_ct").array
        ctr = (ph.shape[0] // 2, ph.shape[1] // 2, 1)
        slope = float(i1[ctr] - i0[ctr]) / 10.0
        D_w = float(mods.water_equivalent_diameter_mm(ph, "clinical_ct")[1])
        assert slope == pytest.approx(mods.hu_per_mg_per_mL("I", 120.0, 6.0, round(D_w)),
                                      rel=2e-3)
        slopes.append(slope)
    assert slopes[1] < 0.95 * slopes[0]


def test_ct_spectrum_is_spekpy_tungsten_spectrum() -> None:
    # A real W-anode spectrum has the K-alpha lines (57.98 / 59.32 keV; Deslattes et al., Rev Mod
    # Phys 2003;75:35) standing above the bremsstrahlung continuum; Kramers' law has none.
    E, w = mods.ct_spectrum(120.0, 6.0, 0.0)
    phi = w / E
    line = phi[(E > 57.5) & (E < 59.6)].max()
    cont = phi[(E > 52.0) & (E < 56.0)].mean()
    assert line > 1.5 * cont
    # more filtration or body water hardens the detected beam
    mean = [float((E * w).sum()) for E, w in (mods.ct_spectrum(120.0, f, d)
                                               for f, d in ((3.0, 0.0), (9.0, 0.0), (9.0, 200.0)))]
    assert mean[0] < mean[1] < mean[2]
    with pytest.raises(DesignError, match="kVp"):
        mods.ct_spectrum(300.0, 6.0, 0.0)


def test_mri_relaxation_rate_linear_in_concentration() -> None:
    ph = Phantom(np.ones((4, 4, 6), np.uint8), ("muscle",), (1.0,) * 3, "mouse", 30.0)
    C = np.repeat(np.array([0.0, 0.05, 0.1, 0.2, 0.4, 0.8], np.float32)[None, None, :], 4, 0)
    C = np.repeat(C, 4, 1)
    r1 = 4.5  # 1/(mM s)
    S1 = mods.mri(ph, C, r1=r1, r2=0.0, TR_ms=300.0, TE_ms=5.0, noise=False).array[0, 0]
    S2 = mods.mri(ph, C, r1=r1, r2=0.0, TR_ms=900.0, TE_ms=5.0, noise=False).array[0, 0]
    # saturation recovery: S2/S1 = (1-x^3)/(1-x), x = exp(-300 ms R1) -> solve for R1
    ratio = S2 / S1
    x = (-1 + np.sqrt(4 * ratio - 3)) / 2
    R1 = -np.log(x) / 0.3  # 1/s
    slope, intercept = np.polyfit(C[0, 0], R1, 1)
    assert slope == pytest.approx(r1, rel=1e-3)
    from nanotwin.imaging.tissue import relaxation_times

    assert intercept == pytest.approx(1000.0 / relaxation_times("muscle", 3.0)[0], rel=1e-3)


def test_cerenkov_yields() -> None:
    # In-111: no beta, conversion electrons (145, 219 keV) below the 264 keV threshold
    assert cerenkov_yield("In-111") == 0.0
    # Tc-99m: IC electrons below threshold; only its 0.0037 % beta- branch to Ru-99 (ICRP-107)
    # gives ~1e-6 photons per decay, i.e. no usable light
    assert cerenkov_yield("Tc-99m") < 1e-5
    f18, ga68, y90 = (cerenkov_yield(n) for n in ("F-18", "Ga-68", "Y-90"))
    assert 0.5 < f18 < ga68 < y90


def test_suv_by_hand() -> None:
    # 5 kBq/mL in a 25 g mouse given 10 MBq: SUV = 5000 / (10e6 / 25) = 0.0125
    assert suv(5000.0, 10e6, 25.0) == pytest.approx(0.0125)


def test_positron_range_against_published_mean_ranges() -> None:
    # mean positron range in water (mm) tabulated in J Nucl Med 2022;63:649, Table 3
    for nuc, ref in (("F-18", 0.6), ("Cu-64", 0.7), ("Zr-89", 1.3), ("Ga-68", 3.5)):
        assert positron_mean_range_mm(nuc) == pytest.approx(ref, rel=0.20), nuc


def test_quantify_recovers_pct_id_per_g_noise_free(mouse: Phantom) -> None:
    tab = OrganTable(("liver", "tumor", "muscle", "rest"), np.array([1.0, 24.0]),
                     np.array([[20.0, 10.0], [3.0, 6.0], [1.0, 1.0], [1.0, 1.0]]))
    ag = Agent("Zr-89", 5.0, body_weight_g=30.0)
    im = simulate(tab, "PET", 24.0, agent=ag, phantom=mouse, noise=False)
    rows = {r["organ"]: r for r in quantify(im, mouse, agent=ag, erode_mm=1.5)}
    assert rows["liver"]["pct_id_per_g"] == pytest.approx(10.0, rel=0.15)
    assert rows["tumor"]["ratio_to_muscle"] > 3.0


def test_nifti_and_dicom_round_trip(tmp_path) -> None:
    a = np.random.default_rng(0).gamma(2.0, 500.0, (6, 5, 4)).astype(np.float32)
    im = Image(a, (0.5, 0.5, 0.8), (-1.0, -1.0, -1.2), "Bq/mL", "PET", 24.0)
    back = read_nifti(im.to_nifti(tmp_path / "x.nii.gz"))
    np.testing.assert_allclose(back.array, a)
    assert back.spacing_mm == pytest.approx((0.5, 0.5, 0.8)) and back.units == "Bq/mL"
    files = im.to_dicom(tmp_path / "dcm")
    import pydicom

    ds = pydicom.dcmread(str(files[0]))
    assert ds.Units == "BQML" and ds.Modality == "PT" and len(files) == 4
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.128"
    d = read_dicom_series(tmp_path / "dcm")
    np.testing.assert_allclose(d.array, a, atol=float(a.max()) / 32000 + 1e-6)
    assert d.spacing_mm == pytest.approx((0.5, 0.5, 0.8))


def test_bad_input_one_line_errors() -> None:
    tab = OrganTable(("liver",), np.array([1.0, 24.0]), np.array([[1.0, 1.0]]))
    with pytest.raises(DesignError, match="modality"):
        simulate(tab, "ultrasound", 1.0)
    with pytest.raises(DesignError, match="time_h"):
        simulate(tab, "CT", 100.0, agent=Agent(), voxel_mm=1.0)
    with pytest.raises(DesignError, match="injected_activity"):
        simulate(tab, "PET", 1.0, agent=Agent(), voxel_mm=1.0)
    with pytest.raises(DesignError, match="r1/r2"):
        simulate(tab, "MRI", 1.0, agent=Agent(particle_mass_mg=1.0,
                                               contrast=(Contrast("Gd", 0.1),)), voxel_mm=1.0)
    with pytest.raises(DesignError, match="no positrons"):
        positron_mean_range_mm("Tc-99m")


def test_ct_accepts_a_user_scanner_with_its_own_filtration() -> None:
    from nanotwin.imaging.scanners import CTScanner

    ph = _cylinder(100.0)
    c = {"I": 10.0 * ph.labels.astype(np.float32)}
    hard = CTScanner("my_ct", 120.0, 9.0, 0.6, 10.0, "user: HVL-matched filtration")
    ctr = (ph.shape[0] // 2, ph.shape[1] // 2, 1)
    s6 = mods.ct(ph, c, noise=False, scanner="clinical_ct", water_mm=200.0).array[ctr]
    s9 = mods.ct(ph, c, noise=False, scanner=hard, water_mm=200.0).array[ctr]
    assert s9 < s6  # more filtration, harder beam, less iodine contrast
    assert mods.ct(ph, c, noise=False, scanner=hard).metadata["scanner"] == "my_ct"


def test_simulate_reads_a_design_file_path(tmp_path) -> None:
    from pathlib import Path

    from nanotwin.design import load_design
    from nanotwin.imaging import simulate

    ex = Path(__file__).resolve().parents[2] / "examples" / "hdl_89zr.yaml"
    a = simulate(ex, modality="PET", time_h=24.0, noise=False, voxel_mm=1.0)
    b = simulate(load_design(ex), modality="PET", time_h=24.0, noise=False, voxel_mm=1.0)
    assert np.array_equal(a.array, b.array)


def test_malformed_table_gives_one_line_data_error(tmp_path) -> None:
    from nanotwin.errors import DataError
    from nanotwin.imaging import simulate

    bad = tmp_path / "bad.csv"
    bad.write_text('organ,time_h,value\nliver,1,"5\n')
    with pytest.raises(DataError, match="not a readable CSV table"):
        simulate(bad, modality="PET")
    with pytest.raises(DataError, match="no such file"):
        simulate(tmp_path / "missing.csv", modality="PET")


def test_gold_ct_example_carries_mg_per_kg_to_hu() -> None:
    # Design dose (mg/kg) -> PBPK %ID/g -> mg Au/mL -> HU: the liver's CT enhancement must equal
    # the slope at that slice's water path times the gold concentration computed by hand.
    from pathlib import Path

    import nanotwin
    from nanotwin.design import load_design
    from nanotwin.imaging import make_phantom, simulate
    from nanotwin.imaging.tissue import tissue_of

    d = load_design(Path(__file__).resolve().parents[2] / "examples" /
                    "au_1.9nm_ct_hainfeld.yaml")
    ph = make_phantom("mouse", voxel_mm=0.5)
    t = 0.1
    with_au = simulate(d, "CT", t, noise=False, phantom=ph).array
    without = simulate(d.model_copy(update={"contrast": ()}), "CT", t, noise=False,
                       phantom=ph).array
    ds = nanotwin.simulate(d, times=np.array([0.0, t]))
    liver_pct_per_g = float(ds["pct_id_per_g"].sel(organ="liver", time=t))
    gold = next(c for c in d.contrast if c.agent == "Au")
    dose_mg_au = (float(d.administration.dose_mg_per_kg) * float(d.subject.body_weight)
                  * float(gold.mass_fraction))  # mg/kg x kg x gold mass fraction
    c_mg_per_mL = liver_pct_per_g / 100.0 * dose_mg_au * tissue_of("liver").density
    z = int(np.argmax(ph.mask("liver").sum(axis=(0, 1))))
    D_w = float(mods.water_equivalent_diameter_mm(ph, "microct")[z])
    expected = mods.hu_per_mg_per_mL("Au", 80.0, 0.5, round(D_w)) * c_mg_per_mL
    m = ph.mask("liver")
    m[:, :, :z] = False
    m[:, :, z + 1:] = False
    assert float((with_au - without)[m].mean()) == pytest.approx(expected, rel=1e-3)
