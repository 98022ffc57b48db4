"""Tests of the tomographic PET/SPECT mode (nanotwin.imaging.tomo): projector adjointness,
calibration, counting statistics, OSEM recovery, API and CLI wiring."""

from __future__ import annotations

import numpy as np
import pytest

from nanotwin.errors import DesignError
from nanotwin.imaging import OrganTable, Phantom, simulate
from nanotwin.imaging.maps import Agent
from nanotwin.imaging.scanners import SPECT_COLLIMATORS, collimator_sensitivity
from nanotwin.imaging.tomo import (
    Projector,
    acquire,
    osem,
    pet_tomographic,
    spect_tomographic,
)

C_TRUE = 1.0e5  # Bq/mL


def _cylinder(n: int = 32, nz: int = 16, radius_vox: float = 12.0, z_slab: tuple[int, int] | None
              = None, voxel: float = 1.0) -> Phantom:
    """Muscle cylinder along z in air; optionally only slices z_slab[0]:z_slab[1] filled."""
    g = np.arange(n) - (n - 1) / 2
    X, Y = np.meshgrid(g, g, indexing="ij")
    lab = np.zeros((n, n, nz), np.uint8)
    zs = slice(*z_slab) if z_slab else slice(None)
    lab[X**2 + Y**2 <= radius_vox**2, zs] = 1
    return Phantom(lab, ("muscle",), (voxel,) * 3, "mouse", 30.0)


def _core(n: int, r: float) -> np.ndarray:
    g = np.arange(n) - (n - 1) / 2
    X, Y = np.meshgrid(g, g, indexing="ij")
    return X**2 + Y**2 <= r**2


@pytest.mark.parametrize("coincidence", [False, True])
def test_projector_and_backprojector_are_adjoint(coincidence: bool) -> None:
    rng = np.random.default_rng(1)
    M, Nz = 24, 10
    mu = (0.01 * rng.random((M, M, Nz))).astype(np.float32)
    fwhm = 2.0 if coincidence else np.linspace(2.0, 6.0, M)
    P = Projector((M, M, Nz), (1.0, 1.5), np.linspace(0, np.pi, 13, endpoint=False), [mu],
                  [0.7], [fwhm], coincidence=coincidence,
                  axial_weight=np.linspace(0.5, 1.0, Nz).astype(np.float32))
    x = rng.random((M, M, Nz)).astype(np.float32)
    y = rng.random((13, M, Nz)).astype(np.float32)
    lhs = float(np.vdot(P.forward(x).astype(np.float64), y))
    rhs = float(np.vdot(x.astype(np.float64), P.back(y).astype(np.float64)))
    assert abs(lhs - rhs) / abs(lhs) < 1e-5


def test_spect_total_counts_match_hand_calculation_without_attenuation() -> None:
    # Tc-99m 140.5 keV, yield 0.885 (ICRP-107); every decay inside the FOV is seen in one view of
    # a 2-head orbit; blur conserves counts away from the edges.
    ph = _cylinder(z_slab=(5, 11))
    A = ph.lookup({"muscle": C_TRUE})
    T = 60.0
    im = spect_tomographic(ph, A, "Tc-99m", views=16, iterations=1, subsets=1, noise=False,
                           attenuation=False, duration_s=T)
    lam = np.log(2) / (6.0067 * 3600)  # Tc-99m half-life 6.0067 h (NNDC)
    T_eff = -np.expm1(-lam * T) / lam
    g = collimator_sensitivity(SPECT_COLLIMATORS["lehr"], 140.5)
    expected = C_TRUE * ph.voxel_mL * int((ph.labels > 0).sum()) * 0.885 * g * 2 * T_eff
    assert im.metadata["total_counts"] == pytest.approx(expected, rel=0.02)


def test_counts_scale_with_scan_duration() -> None:
    ph = _cylinder(n=24, nz=6, radius_vox=8)
    A = ph.lookup({"muscle": C_TRUE})
    c = [pet_tomographic(ph, A, "F-18", views=8, iterations=1, subsets=1, noise=False,
                         duration_s=T).metadata["total_counts"] for T in (30.0, 60.0, 120.0)]
    lam = np.log(2) / (109.77 * 60)  # F-18 half-life 109.77 min (NNDC)
    T_eff = [-np.expm1(-lam * T) / lam for T in (30.0, 60.0, 120.0)]
    assert c[1] / c[0] == pytest.approx(T_eff[1] / T_eff[0], rel=1e-4)
    assert c[2] / c[0] == pytest.approx(T_eff[2] / T_eff[0], rel=1e-4)


def test_poisson_noise_in_projection_space_has_variance_equal_to_mean() -> None:
    M, Nz = 16, 4
    P = Projector((M, M, Nz), (1.0, 1.0), np.linspace(0, np.pi, 8, endpoint=False), [None],
                  [1.0], [0.0])
    x = np.zeros((M, M, Nz), np.float32)
    x[4:12, 4:12] = 5.0
    ybar = P.forward(x)
    rng = np.random.default_rng(7)
    ys = np.stack([acquire(P, x, True, rng) for _ in range(200)])
    sel = ybar > 10
    var, mean = ys.var(axis=0, ddof=1)[sel], ys.mean(axis=0)[sel]
    assert float(np.mean(var / ybar[sel])) == pytest.approx(1.0, abs=0.05)
    assert float(np.mean(mean / ybar[sel])) == pytest.approx(1.0, abs=0.01)


def test_noise_free_spect_osem_recovers_uniform_cylinder() -> None:
    ph = _cylinder()
    A = ph.lookup({"muscle": C_TRUE})
    im = spect_tomographic(ph, A, "Tc-99m", views=32, iterations=10, subsets=8, noise=False)
    core = _core(32, 6.0)
    assert float(im.array[core][:, 4:12].mean()) == pytest.approx(C_TRUE, rel=0.05)
    assert im.units == "Bq/mL" and im.metadata["mode"] == "tomographic"


def test_noise_free_pet_osem_recovers_uniform_cylinder_with_attenuation() -> None:
    ph = _cylinder()
    A = ph.lookup({"muscle": C_TRUE})
    im = pet_tomographic(ph, A, "F-18", views=32, iterations=4, subsets=8, noise=False)
    core = _core(32, 6.0)
    assert float(im.array[core][:, 4:12].mean()) == pytest.approx(C_TRUE, rel=0.05)
    no_ac = pet_tomographic(ph, A, "F-18", views=32, iterations=4, subsets=8, noise=False,
                            attenuation=False)
    assert float(no_ac.array[core].mean()) == pytest.approx(C_TRUE, rel=0.05)


def test_noisy_spect_reconstruction_is_unbiased_in_large_roi() -> None:
    ph = _cylinder()
    A = ph.lookup({"muscle": C_TRUE})
    im = spect_tomographic(ph, A, "Tc-99m", views=32, iterations=10, subsets=8,
                           duration_s=1800.0, rng=np.random.default_rng(3))
    v = im.array[_core(32, 6.0)][:, 4:12]
    assert float(v.mean()) == pytest.approx(C_TRUE, rel=0.08)
    assert float(v.std()) > 0.0


def test_osem_rejects_bad_subsets() -> None:
    P = Projector((8, 8, 2), (1.0, 1.0), np.linspace(0, np.pi, 4, endpoint=False))
    with pytest.raises(DesignError, match="subsets"):
        osem(P, np.ones((4, 8, 2), np.float32), 1, 5)


def test_bad_backend_and_anisotropic_voxels_are_one_line_errors() -> None:
    ph = _cylinder(n=8, nz=2, radius_vox=3)
    A = ph.lookup({"muscle": C_TRUE})
    with pytest.raises(DesignError, match="backend"):
        spect_tomographic(ph, A, "Tc-99m", views=4, backend="stir")
    try:
        import pytomography  # noqa: F401
    except ImportError:
        with pytest.raises(DesignError, match=r"nanotwin\[tomo\]"):
            spect_tomographic(ph, A, "Tc-99m", views=4, backend="pytomography")
    ph2 = Phantom(ph.labels, ph.organs, (1.0, 2.0, 1.0), "mouse", 30.0)
    with pytest.raises(DesignError, match="spacing"):
        pet_tomographic(ph2, A, "F-18", views=4)


def test_simulate_tomographic_mode_wiring() -> None:
    ph = _cylinder(n=24, nz=8, radius_vox=9)
    tab = OrganTable(("muscle",), np.array([1.0, 24.0]), np.array([[5.0, 5.0]]))
    ag = Agent("Tc-99m", 20.0)
    im = simulate(tab, "SPECT", 1.0, agent=ag, phantom=ph, mode="tomographic", views=12,
                  iterations=2, subsets=4, seed=0)
    assert im.metadata["mode"] == "tomographic" and im.shape == ph.shape
    with pytest.raises(DesignError, match="tomographic"):
        simulate(tab, "CT", 1.0, agent=ag, phantom=ph, mode="tomographic")
    with pytest.raises(DesignError, match="mode"):
        simulate(tab, "SPECT", 1.0, agent=ag, phantom=ph, mode="slow")


def test_cli_tomographic_mode(tmp_path) -> None:
    from typer.testing import CliRunner

    from nanotwin.cli import app

    csv = tmp_path / "bio.csv"
    csv.write_text("organ,time_h,value\nliver,1,20\ntumor,1,3\nmuscle,1,1\nrest,1,1\n")
    r = CliRunner().invoke(app, ["image", str(csv), "--modality", "pet", "--times", "1",
                                 "--nuclide", "F-18", "--activity", "10", "--voxel", "2.0",
                                 "--out", str(tmp_path / "o"), "--no-dicom", "--mode",
                                 "tomographic"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o" / "pet_1h.nii.gz").is_file()
    r = CliRunner().invoke(app, ["image", str(csv), "--modality", "pet", "--times", "1",
                                 "--nuclide", "F-18", "--activity", "10", "--mode", "tomo",
                                 "--out", str(tmp_path / "o2")])
    assert r.exit_code == 2
