"""Imaging timings for a 128^3 mouse volume.

Run: ``python benchmarks/imaging_bench.py`` (fast mode, every modality) or
``python benchmarks/imaging_bench.py --tomo`` (tomographic SPECT: 128^3, 120 views over 360
degrees, attenuation + depth-dependent collimator blur; one forward + one back projection with
nanotwin's numpy projector, and, when PyTomography is importable, with PyTomography's default
SPECT system matrix (attenuation + PSF transforms) on the same volume). Not a test: prints times.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nanotwin.imaging import Agent, Contrast, OrganTable, mouse_phantom, simulate


def fast() -> None:
    ph = mouse_phantom(voxel_mm=0.9, shape=(128, 128, 128))
    tab = OrganTable(("liver", "spleen", "tumor", "muscle", "blood", "rest"), np.array([1.0, 24.0]),
                     np.array([[20, 15], [10, 12], [2, 6], [1, 0.5], [30, 5], [1, 0.5]], float))
    ag = Agent("Cu-64", 10.0, 0.5, (Contrast("Au", 0.9), Contrast("Gd", 0.05, r1=10.0, r2=20.0),
                                    Contrast("dye", 0.01, name="Cy5.5", excitation_nm=675,
                                    emission_nm=694)),
               "mouse", 30.0, 200.0)
    ag_spect = Agent("Tc-99m", 40.0)
    for mod in ("PET", "SPECT", "CT", "MRI", "NIRF", "CLI", "CRET"):
        a = ag_spect if mod == "SPECT" else ag
        simulate(tab, mod, 24.0, agent=a, phantom=ph, seed=0)  # warm caches
        t0 = time.perf_counter()
        simulate(tab, mod, 24.0, agent=a, phantom=ph, seed=0)
        print(f"{mod:5s} 128^3 fast mode: {time.perf_counter() - t0:.2f} s")
    import os

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _numpy_system(n: int, views: int, voxel: float):
    """nanotwin projector for Tc-99m LEHR SPECT of a 128^3 mouse phantom."""
    from nanotwin.imaging.modalities import mu_map
    from nanotwin.imaging.scanners import SPECT_COLLIMATORS, collimator_resolution_mm
    from nanotwin.imaging.tomo import Projector

    ph = mouse_phantom(voxel_mm=voxel, shape=(n, n, n))
    mu = mu_map(ph, 140.5)
    R = 30.0  # radius of rotation (mm)
    depth = (np.arange(n) - (n - 1) / 2) * voxel
    fwhm = np.array([collimator_resolution_mm(SPECT_COLLIMATORS["lehr"], R - d, 140.5)
                     for d in depth])
    angles = np.linspace(0, 2 * np.pi, views, endpoint=False)
    t0 = time.perf_counter()
    P = Projector((n, n, n), (voxel, voxel), angles, [mu], [1.0], [fwhm])
    t_build = time.perf_counter() - t0
    x = (ph.labels > 0).astype(np.float32)
    return ph, P, x, mu, R, t_build


def tomo(n: int = 128, views: int = 120, voxel: float = 0.3) -> None:
    import os

    if os.environ.get("NANOTWIN_BENCH_N"):  # smaller smoke run, e.g. NANOTWIN_BENCH_N=32
        n = int(os.environ["NANOTWIN_BENCH_N"])
        voxel *= 128 / n
    ph, P, x, mu, R, t_build = _numpy_system(n, views, voxel)
    t0 = time.perf_counter()
    y = P.forward(x)
    t_fp = time.perf_counter() - t0
    t0 = time.perf_counter()
    P.back(y)
    t_bp = time.perf_counter() - t0
    print(f"SPECT {n}^3, {views} views, attenuation + depth-dependent blur (nanotwin numpy): "
          f"build {t_build:.2f} s, forward {t_fp:.2f} s, back {t_bp:.2f} s, "
          f"forward+back {t_fp + t_bp:.2f} s")
    try:
        import torch  # noqa: F401
        from pytomography.metadata.SPECT import SPECTObjectMeta  # noqa: F401
    except ImportError:
        print("PyTomography: not installed (pip install 'nanotwin[tomo]' to compare)")
        return
    t_pt = _pytomography(n, views, voxel, mu, R, y)
    print(f"SPECT {n}^3, {views} views (PyTomography default SPECT system matrix, CPU): "
          f"forward+back {t_pt:.2f} s; ratio nanotwin/PyTomography = "
          f"{(t_fp + t_bp) / t_pt:.2f}")


def _pytomography(n: int, views: int, voxel: float, mu: np.ndarray, R: float,
                  y: np.ndarray) -> float:
    """Forward + back projection time of PyTomography's SPECTSystemMatrix with its attenuation
    and Gaussian PSF transforms, built by nanotwin.imaging.tomo.pytomography_spect_system (the
    same Anger-formula PSF and mu map as the numpy projector)."""
    import torch

    from nanotwin.imaging.scanners import SPECT_COLLIMATORS
    from nanotwin.imaging.tomo import pytomography_spect_system

    S = pytomography_spect_system((n, n, n), (voxel, voxel), views, R, mu,
                                  SPECT_COLLIMATORS["lehr"], 140.5)
    x = torch.ones((n, n, n), dtype=torch.float32)
    with torch.no_grad():
        t0 = time.perf_counter()
        S.backward(S.forward(x))  # first call: also builds the PSF layers
        t_first = time.perf_counter() - t0
        t0 = time.perf_counter()
        p = S.forward(x)
        S.backward(p)
        t = time.perf_counter() - t0
    print(f"  PyTomography first call (incl. PSF set-up) {t_first:.2f} s, "
          f"torch threads {torch.get_num_threads()}")
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tomo", action="store_true", help="tomographic SPECT projector timing")
    args = ap.parse_args()
    if args.tomo:
        tomo()
    else:
        fast()


if __name__ == "__main__":
    main()
