"""The PyTomography backend of the tomographic SPECT mode (optional ``tomo`` extra; skipped when
PyTomography is not installed)."""

from __future__ import annotations

import numpy as np
import pytest

from nanotwin.errors import DesignError
from nanotwin.imaging import OrganTable, Phantom, simulate
from nanotwin.imaging.maps import Agent
from nanotwin.imaging.scanners import SPECT_COLLIMATORS, collimator_sensitivity
from nanotwin.imaging.tomo import pet_tomographic, spect_tomographic

pytest.importorskip("pytomography")

C_TRUE = 1.0e5  # Bq/mL


def _cylinder(n: int = 32, nz: int = 16, radius_vox: float = 12.0,
              z_slab: tuple[int, int] | None = None) -> Phantom:
    g = np.arange(n) - (n - 1) / 2
    X, Y = np.meshgrid(g, g, indexing="ij")
    lab = np.zeros((n, n, nz), np.uint8)
    lab[X**2 + Y**2 <= radius_vox**2, slice(*z_slab) if z_slab else slice(None)] = 1
    return Phantom(lab, ("muscle",), (1.0,) * 3, "mouse", 30.0)


def _core(n: int, r: float) -> np.ndarray:
    g = np.arange(n) - (n - 1) / 2
    X, Y = np.meshgrid(g, g, indexing="ij")
    return X**2 + Y**2 <= r**2


@pytest.mark.slow  # ~30 s on 2 cores (PyTomography CPU)
def test_pytomography_counts_match_hand_calculation_without_attenuation() -> None:
    ph = _cylinder(z_slab=(5, 11))
    A = ph.lookup({"muscle": C_TRUE})
    T = 60.0
    im = spect_tomographic(ph, A, "Tc-99m", views=16, iterations=1, subsets=1, noise=False,
                           attenuation=False, duration_s=T, backend="pytomography")
    lam = np.log(2) / (6.0067 * 3600)  # Tc-99m half-life 6.0067 h (NNDC)
    T_eff = -np.expm1(-lam * T) / lam
    g = collimator_sensitivity(SPECT_COLLIMATORS["lehr"], 140.5)
    expected = C_TRUE * ph.voxel_mL * int((ph.labels > 0).sum()) * 0.885 * g * 2 * T_eff
    assert im.metadata["backend"] == "pytomography"
    assert im.metadata["total_counts"] == pytest.approx(expected, rel=0.03)


def test_pytomography_and_numpy_projectors_see_the_same_attenuated_counts() -> None:
    ph = _cylinder()
    A = ph.lookup({"muscle": C_TRUE})
    kw = {"views": 16, "iterations": 1, "subsets": 1, "noise": False}
    n_np = spect_tomographic(ph, A, "Tc-99m", **kw).metadata["total_counts"]
    n_pt = spect_tomographic(ph, A, "Tc-99m", backend="pytomography", **kw
                             ).metadata["total_counts"]
    assert n_pt == pytest.approx(n_np, rel=0.03)


@pytest.mark.slow  # ~100 s on 2 cores (PyTomography CPU)
def test_pytomography_osem_recovers_uniform_cylinder() -> None:
    ph = _cylinder()
    A = ph.lookup({"muscle": C_TRUE})
    im = spect_tomographic(ph, A, "Tc-99m", views=32, iterations=10, subsets=8, noise=False,
                           backend="pytomography")
    assert float(im.array[_core(32, 6.0)][:, 4:12].mean()) == pytest.approx(C_TRUE, rel=0.05)


def test_simulate_with_pytomography_backend_and_pet_refusal() -> None:
    ph = _cylinder(n=24, nz=8, radius_vox=9)
    tab = OrganTable(("muscle",), np.array([1.0, 24.0]), np.array([[5.0, 5.0]]))
    im = simulate(tab, "SPECT", 1.0, agent=Agent("Tc-99m", 20.0), phantom=ph,
                  mode="tomographic", backend="pytomography", views=12, iterations=2,
                  subsets=4, seed=0)
    assert im.metadata["backend"] == "pytomography" and im.shape == ph.shape
    assert float(im.array.sum()) > 0
    with pytest.raises(DesignError, match="SPECT only"):
        pet_tomographic(ph, ph.lookup({"muscle": C_TRUE}), "F-18", views=4,
                        backend="pytomography")
