"""`nanotwin tumor`, the analysis, and the population hooks (TCP, time to regrowth)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nanotwin.cli import app

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_tumor_command_writes_endpoints_maps_and_figures(tmp_path):
    out = tmp_path / "tumor"
    r = CliRunner().invoke(app, ["tumor", str(EXAMPLES / "au_tripod_64cu_rgd.yaml"),
                                 "--mode", "network", "--shape", "24x12", "--t-end", "48",
                                 "--compare", "Lu-177,Ac-225", "--dose-threshold", "0.1",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    for f in ("endpoints.json", "endpoints.csv", "tumor.nc", "nuclides.csv", "dvh.png",
              "growth.png", "penetration.png", "particle_maps.png"):
        assert (out / f).is_file(), f
    data = json.loads((out / "endpoints.json").read_text())
    assert 0.0 <= data["endpoints"]["TCP"] <= 1.0
    assert data["units"]["mean_dose_Gy"] == "Gy"
    import xarray as xr

    ds = xr.open_dataset(out / "tumor.nc", engine="h5netcdf")
    assert ds["free"].dims == ("time", "cell") and ds["free"].attrs["units"] == "%ID/mL"
    ds.close()
    # a second run into the same folder needs --overwrite (nothing is written without it)
    r2 = CliRunner().invoke(app, ["tumor", str(EXAMPLES / "au_tripod_64cu_rgd.yaml"),
                                  "--out", str(out)])
    assert r2.exit_code == 2 and "--overwrite" in r2.output


@pytest.mark.parametrize("args,msg", [(["--mode", "cube"], "mode"),
                                      (["--shape", "1x"], "--shape"),
                                      (["--laser", "2"], "sigma_abs_cm2")])
def test_tumor_command_bad_input_is_one_line(args, msg):
    r = CliRunner().invoke(app, ["tumor", str(EXAMPLES / "hdl_89zr.yaml"), "--t-end", "4",
                                 *args])
    assert r.exit_code == 2
    lines = [x for x in r.output.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and msg in lines[0]


def test_design_without_tumour_is_refused():
    import nanotwin
    from nanotwin.errors import DesignError
    from nanotwin.tumor.properties import transport_parameters

    d = nanotwin.load_design({"name": "x", "nanoparticle": {"platform": "gold",
                                                            "hydrodynamic_diameter": "20 nm"}})
    with pytest.raises(DesignError, match="subject.tumor"):
        transport_parameters(d)


def test_analysis_combines_treatments_by_independent_action():
    from nanotwin.pbpk import demo_design
    from nanotwin.tumor.analysis import ExternalBeam, analyze_tumor

    base = analyze_tumor(demo_design(), t_end_h=48.0, growth_days=20.0)
    both = analyze_tumor(demo_design(), t_end_h=48.0, growth_days=20.0,
                         beam=ExternalBeam(4.0, 100.0))
    e0, e1 = base.endpoints, both.endpoints
    assert e1["beam_DEF_mean"] == pytest.approx(1.0)  # no high-Z element in a liposome
    assert e1["surviving_fraction"] < e0["surviving_fraction"]
    assert e1["growth_delay_h"] > e0["growth_delay_h"]


def test_trial_hook_and_dose_scaling_of_endpoints():
    from nanotwin.pbpk import demo_design
    from nanotwin.tumor.endpoints import endpoints_for_doses, reference_response

    ref = reference_response(demo_design(), t_end_h=48.0, growth_days=60.0)
    e = endpoints_for_doses(ref, [0.0, 4.0, 10.0, 400.0], [0.2, 0.2, 0.2, 0.2])
    assert np.all(np.diff(e["TCP"]) >= 0)
    assert e["growth_delay_h"][0] == pytest.approx(0.0, abs=1.0)
    assert e["growth_delay_h"][2] > e["growth_delay_h"][1] > 0
    assert e["TCP"][3] > 0.5 > e["TCP"][1]


def test_study_field_switches_the_trial_hook():
    from nanotwin.pbpk import demo_design_mapping
    from nanotwin.population.study import load_study
    from nanotwin.population.trial import run_trial

    st = load_study({"name": "t", "design": "-", "n_subjects": 3, "times": [1, 24, 48],
                     "tumor_response": True})
    ds = run_trial(st.model_copy(update={"design": demo_design_mapping()}))
    assert ds["TCP"].dims == ("subject",) and ds["time_to_regrowth_h"].sizes["subject"] == 3
