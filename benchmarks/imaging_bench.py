"""Fast-mode timing per modality for a 128^3 mouse volume (run: python benchmarks/imaging_bench.py).

The tomographic SPECT/PET mode (projector + OSEM, PyTomography comparison) is not implemented yet.
"""

from __future__ import annotations

import time

import numpy as np

from nanotwin.imaging import Agent, Contrast, OrganTable, mouse_phantom, simulate


def main() -> None:
    ph = mouse_phantom(voxel_mm=0.9, shape=(128, 128, 128))
    tab = OrganTable(("liver", "spleen", "tumor", "muscle", "blood", "rest"), np.array([1.0, 24.0]),
                     np.array([[20, 15], [10, 12], [2, 6], [1, 0.5], [30, 5], [1, 0.5]], float))
    ag = Agent("Cu-64", 10.0, 0.5, (Contrast("Au", 0.9), Contrast("Gd", 0.05, r1=10.0, r2=20.0),
                                    Contrast("dye", 0.01, excitation_nm=750, emission_nm=800)),
               "mouse", 30.0, 200.0)
    ag_spect = Agent("Tc-99m", 40.0)
    for mod in ("PET", "SPECT", "CT", "MRI", "NIRF", "CLI"):
        a = ag_spect if mod == "SPECT" else ag
        simulate(tab, mod, 24.0, agent=a, phantom=ph, seed=0)  # warm caches
        t0 = time.perf_counter()
        simulate(tab, mod, 24.0, agent=a, phantom=ph, seed=0)
        print(f"{mod:5s} 128^3 fast mode: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
