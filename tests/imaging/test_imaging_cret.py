"""Cerenkov resonance energy transfer (CRET): physics checks, API and CLI wiring."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from nanotwin.errors import DesignError
from nanotwin.imaging import Agent, Contrast, Fluorophore, OrganTable, Phantom, simulate
from nanotwin.imaging import modalities as mods
from nanotwin.imaging.cerenkov import FLUOROPHORES, cerenkov_yield


def _slab(n_depth: int = 60) -> Phantom:
    return Phantom(np.ones((4, n_depth, 4), np.uint8), ("muscle",), (0.5,) * 3, "mouse", 30.0)


def _layer(ph: Phantom, depth_mm: float, value: float) -> np.ndarray:
    a = np.zeros(ph.shape, np.float32)
    a[:, int(round(depth_mm / ph.spacing_mm[1])), :] = value
    return a


def test_no_cret_from_tc99m_or_in111() -> None:
    ph = _slab(20)
    A = _layer(ph, 2.0, 1e6)
    D = np.full(ph.shape, 1e-3, np.float32)
    f18 = float(mods.cret(ph, A, D, "F-18", noise=False).array.sum())
    assert f18 > 0
    # Tc-99m: only its 0.0037 % beta- branch; In-111: its 219 keV K conversion electron is just
    # above the n = 1.4 threshold (219.1 keV), so both give < 1e-3 of F-18's light
    for nuc in ("Tc-99m", "In-111"):
        assert float(mods.cret(ph, A, D, nuc, noise=False).array.sum()) < 1e-3 * f18


def test_cret_proportional_to_activity_and_to_dye_when_dilute() -> None:
    ph = _slab(20)
    D = np.full(ph.shape, 1e-6, np.float32)
    s = [float(mods.cret(ph, _layer(ph, 2.0, a), d * D, "Zr-89", noise=False).array.sum())
         for a, d in ((1e6, 1.0), (3e6, 1.0), (1e6, 2.0))]
    assert s[1] / s[0] == pytest.approx(3.0, rel=1e-5)
    # dye absorbs little next to tissue at 1e-6 mg/mL: light ~ dye concentration (1st order)
    assert s[2] / s[0] == pytest.approx(2.0, rel=0.01)
    # concentrated dye captures every band photon: light saturates at Y_band x QY per decay
    fl = FLUOROPHORES["Cy5.5"]
    big = mods.cret(ph, _layer(ph, 0.0, 1e6), np.full(ph.shape, 10.0, np.float32), "Zr-89",
                    noise=False, duration_s=1.0)
    emitted = 1e6 * ph.voxel_mL * 4 * 4 * cerenkov_yield("Zr-89", 1.4, *fl.absorption_nm) \
        * fl.quantum_yield
    escaped = float(big.array.sum()) * ph.spacing_mm[0] * ph.spacing_mm[2]
    assert 0.5 * emitted < escaped < emitted


def test_red_shifted_cret_penetrates_deeper_than_cerenkov() -> None:
    ph = _slab(60)
    D = np.full(ph.shape, 1e-4, np.float32)
    depth_ratio = {}
    for name, fn in (("cret", lambda A: mods.cret(ph, A, D, "F-18", noise=False)),
                     ("cli", lambda A: mods.cerenkov(ph, A, "F-18", noise=False))):
        shallow = float(fn(_layer(ph, 1.0, 1e6)).array.sum())
        deep = float(fn(_layer(ph, 15.0, 1e6)).array.sum())
        depth_ratio[name] = deep / shallow
    assert depth_ratio["cret"] > 1.1 * depth_ratio["cli"]


def test_fluorophore_validation_and_simulate_wiring() -> None:
    with pytest.raises(DesignError, match="absorption_nm"):
        Fluorophore("x", (300.0, 400.0), 1e5, 0.5, 700.0, 1000.0, "test")
    tab = OrganTable(("liver", "tumor", "muscle", "rest"), np.array([1.0, 24.0]),
                     np.array([[20.0, 15.0], [2.0, 5.0], [1.0, 0.5], [1.0, 0.5]]))
    ag = Agent("Zr-89", 10.0, 0.5, (Contrast("dye", 0.01, name="Cy5.5"),))
    im = simulate(tab, "cret", 24.0, agent=ag, voxel_mm=1.0, noise=False)
    assert im.modality == "CRET" and im.array.ndim == 2 and float(im.array.max()) > 0
    assert im.metadata["fluorophore"] == "Cy5.5"
    with pytest.raises(DesignError, match="contrast.name"):
        simulate(tab, "CRET", 24.0, agent=Agent("Zr-89", 10.0, 0.5, (Contrast("dye", 0.01),)),
                 voxel_mm=1.0, noise=False)
    with pytest.raises(DesignError, match="no CRET data"):
        simulate(tab, "CRET", 24.0, voxel_mm=1.0, noise=False,
                 agent=Agent("Zr-89", 10.0, 0.5, (Contrast("dye", 0.01, name="FooDye"),)))


def test_cli_cret_modality(tmp_path) -> None:
    from nanotwin.cli import app

    rows = ["organ,time_h,value,unit"]
    for organ, v1, v24 in (("liver", 20, 15), ("tumor", 2, 6), ("muscle", 1, 0.5),
                           ("rest", 1, 0.5)):
        rows += [f"{organ},1,{v1},%ID/g", f"{organ},24,{v24},%ID/g"]
    csv = tmp_path / "bd.csv"
    csv.write_text("\n".join(rows) + "\n")
    out = tmp_path / "o"
    res = CliRunner().invoke(app, ["image", str(csv), "--modality", "cret", "--times", "24",
                                   "--voxel", "1.0", "--nuclide", "Zr-89", "--activity", "10",
                                   "--mass", "0.5", "--dye", "Cy5.5", "--dye-fraction", "0.01",
                                   "--out", str(out), "--no-dicom"])
    assert res.exit_code == 0, res.output
    assert (out / "cret_24h.nii.gz").is_file() and (out / "panel.png").is_file()
    bad = CliRunner().invoke(app, ["image", str(csv), "--modality", "cret", "--times", "24",
                                   "--voxel", "1.0", "--nuclide", "Zr-89", "--activity", "10",
                                   "--mass", "0.5", "--dye", "Cy5.5", "--out",
                                   str(tmp_path / "o2")])
    assert bad.exit_code == 2 and "--dye-fraction" in bad.output
