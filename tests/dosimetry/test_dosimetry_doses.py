"""Doses from TIAs and from simulation results, radiobiology, CLI."""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from nanotwin.dosimetry import (
    bed,
    dose_from_result,
    dose_from_tia,
    effective_dose,
    eqd2,
    max_tolerated_activity,
    mouse_to_human,
    s_value,
    therapeutic_indices,
)
from nanotwin.errors import DesignError
from nanotwin.physics import half_life
from nanotwin.results import make_result


def test_dose_from_tia_is_sum_of_tia_times_s() -> None:
    tia_s = {"liver": 5000.0, "kidneys": 2000.0, "remainder": 10000.0}
    ds = dose_from_tia("Lu-177", tia_s, "mouse_30g", activity_MBq=10.0)
    expect = sum(v * s_value("Lu-177", k, "kidneys", "mouse_30g") for k, v in tia_s.items())
    assert float(ds.dose_Gy_per_GBq.sel(organ="kidneys")) == pytest.approx(expect * 1e9)
    assert float(ds.dose_Gy.sel(organ="kidneys")) == pytest.approx(expect * 1e7)
    assert ds.dose_Gy_per_GBq.attrs["units"] == "Gy/GBq"
    with pytest.raises(DesignError, match="tumor_mass_g"):
        dose_from_tia("Lu-177", {"tumor": 1.0}, "mouse_30g")


def test_progeny_redistribution_moves_dose() -> None:
    tia_s = {"liver": 5000.0}
    insitu = dose_from_tia("Pb-212", tia_s, "mouse_25g", progeny=True)
    moved = dose_from_tia("Pb-212", tia_s, "mouse_25g",
                          progeny={"Bi-212": {"escape_fraction": 0.3, "to": "kidneys"},
                                   "Po-212": {"escape_fraction": 0.3, "to": "kidneys"},
                                   "Tl-208": {"escape_fraction": 0.3, "to": "kidneys"}})
    k0 = float(insitu.dose_rbe_Gy_per_GBq.sel(organ="kidneys"))
    k1 = float(moved.dose_rbe_Gy_per_GBq.sel(organ="kidneys"))
    assert k1 > 10 * k0
    assert float(moved.dose_Gy_per_GBq.sel(organ="liver")) < float(
        insitu.dose_Gy_per_GBq.sel(organ="liver"))
    parent = dose_from_tia("Pb-212", tia_s, "mouse_25g", progeny=False)
    assert float(parent.dose_Gy_per_GBq.sel(organ="liver")) < float(
        insitu.dose_Gy_per_GBq.sel(organ="liver"))


def test_dose_from_hand_built_result() -> None:
    t = np.array([0.5, 4.0, 24.0, 72.0, 168.0])
    organs = ["blood", "liver", "spleen", "kidney", "tumor", "urine"]
    pct = np.array([[50, 20, 5, 1, 0.1], [10, 30, 35, 30, 25], [2, 4, 4, 3, 2],
                    [3, 2, 1.5, 1, 0.5], [0.5, 2, 4, 4, 3], [0, 10, 20, 25, 27]], dtype=float)
    ds = make_result({"pct_id": (("organ", "time"), pct, "%ID")},
                     coords={"organ": organs, "time": ("time", t, "h")}, kind="bd")
    out = dose_from_result(ds, "Lu-177", "mouse_25g", tumor_mass_g=0.2, activity_MBq=20.0)
    assert set(out.organ.values) >= {"liver", "tumor", "kidneys"}
    # liver TIA by hand: decay-corrected %ID -> physical decay -> trapezoid + tail
    lam = math.log(2) / half_life("Lu-177")
    y = pct[1] * np.exp(-lam * t)
    tia_h = np.trapezoid(np.r_[y[0], y], np.r_[0.0, t]) + y[-1] / lam
    ref = dose_from_tia("Lu-177", {"liver": tia_h / 100 * 3600}, "mouse_25g",
                        targets=["liver"])
    assert float(out.dose_Gy_per_GBq.sel(organ="liver")) > float(ref.dose_Gy_per_GBq[0])
    assert float(out.dose_Gy_per_GBq.sel(organ="liver")) < 1.05 * float(ref.dose_Gy_per_GBq[0])
    ti = therapeutic_indices(out)
    assert set(ti) == {"tumor_to_kidneys", "tumor_to_marrow", "tumor_to_liver"}


def test_radiobiology_and_limits() -> None:
    # BED -> D for very slow dose rate decay vs repair (no repair-limited effect)
    assert bed(10.0, 3.0, 1e9, 1.5) == pytest.approx(10.0, rel=1e-6)
    # acute limit: lambda >> mu gives D(1 + D/(a/b))
    assert bed(10.0, 3.0, 1e-9, 1.5) == pytest.approx(10 * (1 + 10 / 3), rel=1e-6)
    assert eqd2(10.0, 2.0, 1e-9) == pytest.approx(bed(10.0, 2.0, 1e-9) / 2)
    mta = max_tolerated_activity({"kidneys": 1.0, "red_marrow": 0.5, "liver": 0.1})
    assert mta["limiting_organ"] == "red_marrow" and mta["activity_GBq"] == pytest.approx(5.0)
    assert effective_dose({"lungs": 2.0}) == pytest.approx(2.0)
    with pytest.raises(DesignError):
        bed(1.0, 0.0, 10.0)


def test_mouse_to_human_labelled() -> None:
    out = mouse_to_human([1.0], [10.0], "liver", mouse_body_g=25.0)
    assert "extrapolated" in out["label"]
    assert out["times_h"][0] == pytest.approx((73000 / 25) ** 0.25)


def test_cli_dose_from_measured_csv(tmp_path) -> None:
    from nanotwin.cli import app

    lam = math.log(2) / half_life("Lu-177")
    rows = ["organ,time_h,value,unit"]
    for t in (1, 4, 24, 72, 168):
        rows.append(f"liver,{t},{20 * math.exp(-(lam + 0.01) * t):.6g},%ID")
        rows.append(f"kidneys,{t},{5 * math.exp(-(lam + 0.02) * t) / 0.3:.6g},%ID/g")
    csv = tmp_path / "bd.csv"
    csv.write_text("\n".join(rows) + "\n")
    out = tmp_path / "dose.csv"
    res = CliRunner().invoke(app, ["dose", "--data", str(csv), "--nuclide", "177Lu",
                                   "--phantom", "mouse_25g", "--model", "mono", "--out",
                                   str(out)])
    assert res.exit_code == 0, res.output
    assert "liver" in res.output and out.is_file()
    bad = CliRunner().invoke(app, ["dose", "--data", str(csv), "--nuclide", "Lu-178m2"])
    assert bad.exit_code == 2
