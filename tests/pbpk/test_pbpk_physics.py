"""Physics checks of issue #3 and the CLI; numbers as measured by `nanotwin validation pbpk`."""

from __future__ import annotations

import math

import pytest

from nanotwin.pbpk.validation import lin_compatible_tumor_delivery, lin_regression, physics_checks


@pytest.fixture(scope="module")
def checks():
    # the checks test the model's structure, so they run on the literature (prior) constants;
    # how the calibrated default fares on them is printed by `nanotwin validation pbpk` and
    # written in docs/pbpk.md (several fail there)
    return {r["check"].split(":")[0]: r for r in physics_checks("prior")}


def test_calibrated_physics_checks_run_and_say_what_they_measured():
    rows = physics_checks()
    assert len(rows) == len(physics_checks("prior"))
    for r in rows:
        assert isinstance(r["passed"], bool) and r["value"]


def test_renal_clearance_of_ultrasmall_zwitterionic(checks):
    assert checks["4.5 nm zwitterionic"]["passed"], checks["4.5 nm zwitterionic"]


def test_dose_saturation_raises_tumor_delivery(checks):
    assert checks["50 nm gold, 1e10->1e13 particles"]["passed"]


def test_positive_charge_raises_mps_and_lung(checks):
    assert checks["+35 mV vs neutral (60 nm PEG)"]["passed"]


def test_larger_particles_shift_to_spleen(checks):
    assert checks["50 -> 400 nm (PEG)"]["passed"]


def test_epr_delivery_of_100nm_peg_in_range(checks):
    # was DE24 2.26 / DE168 2.08 %ID before the perivascular layer and transcytosis split;
    # measured now DE24 0.40, DE168 0.12 %ID (window 0.3-1.5 from Wilhelm et al. 2016)
    assert checks["100 nm PEG (s.c. 0.2 g)"]["passed"], checks["100 nm PEG (s.c. 0.2 g)"]


def test_perivascular_fraction_shrinks_with_size_and_is_bounded():
    from nanotwin.pbpk.parameters import F_PERF_TUMOR, perivascular_fraction

    sizes = [2.0, 5.0, 10.0, 30.0, 100.0, 300.0]
    phi = [perivascular_fraction(d) for d in sizes]
    assert all(a >= b for a, b in zip(phi, phi[1:], strict=False))
    assert all(0.0 < x <= F_PERF_TUMOR for x in phi)
    # 5 um layer (Dreher 2006, 54 nm) times the perfused vessel surface 0.5 * 200 cm^2/cm^3
    assert perivascular_fraction(54.0) == pytest.approx(F_PERF_TUMOR * 200.0 * 5e-4)


def test_blocking_occupies_receptors():
    from nanotwin.pbpk import build_parameters

    base = {"name": "rgd", "nanoparticle": {
        "platform": "gold", "hydrodynamic_diameter": 30.0,
        "ligands": [{"name": "cRGD", "kind": "peptide", "target": "avb3",
                     "copies_per_particle": 100, "kd": 200.0}]},
        "subject": {"species": "mouse", "tumor": {"model": "U87MG", "mass": 0.2}}}
    free = build_parameters(base, canonical_numbers=True)
    blk = build_parameters({**base, "administration": {"blocking": True}},
                           canonical_numbers=True)
    f_free = 200.0 / (200.0 + 1e4)  # Kd / (Kd + 10 uM free ligand)
    # blocked receptors are neither bindable nor part of the capacity
    assert blk.k_on_tumor == pytest.approx(free.k_on_tumor * f_free)
    assert blk.N_bind_cap == pytest.approx(free.N_bind_cap * f_free)
    # fewer free neighbours -> weaker avidity -> faster multivalent unbinding
    assert blk.k_off_tumor > 100 * free.k_off_tumor


def test_blocking_lowers_targeted_tumor_uptake():
    from nanotwin.pbpk import simulate

    base = {"name": "rgd", "nanoparticle": {
        "platform": "gold", "hydrodynamic_diameter": 30.0, "zeta_potential": -10.0,
        "coating": {"peg": {"molecular_weight": 5000.0}},
        "ligands": [{"name": "cRGD", "kind": "peptide", "target": "avb3",
                     "copies_per_particle": 100, "kd": 200.0}]},
        "subject": {"species": "mouse", "tumor": {"model": "U87MG", "mass": 0.2}}}
    blocked = {**base, "administration": {"blocking": True}}
    t = [0.0, 4.0, 24.0]
    from nanotwin.design import load_design

    # structure check on the prior constants (the calibrated ratio is in docs/pbpk.md)
    free = simulate(load_design(base, canonical_numbers=True), times=t, mechanisms="prior")
    blk = simulate(load_design(blocked, canonical_numbers=True), times=t, mechanisms="prior")
    u_free = float(free["pct_id"].sel(organ="tumor", time=24.0))
    u_blk = float(blk["pct_id"].sel(organ="tumor", time=24.0))
    # Cheng et al. 2014 report 3x (7.9 vs 2.6 %ID/g); the model must at least halve uptake
    assert u_blk < 0.5 * u_free


def test_lin_structure_regression_first_datasets(shared_data):
    out = lin_regression(shared_data / "tumor_delivery" / "nano_tumor_g1_model_dataset.xlsx",
                         limit=12)
    # measured on these 12 data sets (full table: `nanotwin validation pbpk`)
    assert out["DE24"]["median_abs_log10"] < 0.3
    assert out["DEmax"]["median_abs_log10"] < 0.1


def test_lin_structure_reproduces_measured_168h_points(shared_data):
    # data sets 1, 3 and 4 have a tumour measurement at 168 h in the time-course file; the
    # re-implementation matches those (measured 2.01/1.65/1.60 vs 1.99/1.65/1.64 %ID), while the
    # listed DE168 (database value 2.06/2.83/2.99) differs -- see docs/pbpk.md
    out = lin_regression(shared_data / "tumor_delivery" / "nano_tumor_g1_model_dataset.xlsx",
                         limit=4)
    assert out["measured_168h"]["n"] == 3
    assert out["measured_168h"]["median_abs_log10"] < 0.05
    assert out["timecourse"]["n"] >= 10


def test_tumor_exchange_is_anchored_to_yuan_permeability():
    from nanotwin.pbpk import build_parameters
    from nanotwin.pbpk.parameters import F_PERF_TUMOR

    def ps(d):
        design = {"name": "lipo", "nanoparticle": {"platform": "liposome",
                  "hydrodynamic_diameter": d},
                  "subject": {"species": "mouse", "tumor": {"model": "LS174T", "mass": 0.2}}}
        return build_parameters(design, canonical_numbers=True)

    p = ps(90.0)
    # PS = f_perf * P * S/V * V_t with P = 3.4e-8 cm/s (Yuan 1995), S/V = 200 cm^2/cm^3
    expected = F_PERF_TUMOR * 3.4e-8 * 200.0 * p.V_t_tumor * 3600.0
    # times the calibrated global scale of the tumour exchange (nanotwin.pbpk.mechanisms)
    from nanotwin.pbpk.mechanisms import default_mechanisms

    expected *= default_mechanisms()["PS_tumor_scale"]
    assert p.PS_tumor == pytest.approx(expected, rel=1e-9)
    assert 0.3 <= F_PERF_TUMOR <= 0.7
    # active transcytosis (97 %, Sindhwani 2020) is size-independent; only the 3 % gap share
    # scales with pore-restricted diffusion D(d) H(d) (Renkin), so 30 nm is ~1.13x, not ~5x
    from nanotwin.pbpk.parameters import R_TUMOR, renkin_hindrance, stokes_einstein_cm2_s

    def gap(d):
        return stokes_einstein_cm2_s(d) * renkin_hindrance(d / 2.0, R_TUMOR)

    assert ps(30.0).PS_tumor / p.PS_tumor == pytest.approx(0.97 + 0.03 * gap(30.0) / gap(90.0),
                                                           rel=1e-9)
    assert ps(30.0).PS_tumor / p.PS_tumor < 1.5


def test_lin_structure_is_linear_in_dose():
    a = lin_compatible_tumor_delivery(BW=0.02, PATC=0.01)
    b = lin_compatible_tumor_delivery(BW=0.025, PATC=0.01)
    assert a["DEmax"] >= a["DE24"] > 0 and b["DE24"] > 0


def test_cli_simulate_and_export(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from nanotwin.cli import app

    design = {"name": "cli", "nanoparticle": {"platform": "gold",
              "hydrodynamic_diameter": "40 nm", "coating": {"peg": {"molecular_weight": "5 kDa"}}},
              "radiolabels": [{"nuclide": "Cu-64", "chelator": "NOTA"}],
              "administration": {"injected_activity": "5 MBq"},
              "subject": {"species": "mouse", "tumor": {"model": "4T1", "mass": "0.2 g"}}}
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(design))
    runner = CliRunner()
    res = runner.invoke(app, ["simulate", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "DE24" in res.output and "t_half" in res.output
    head = (tmp_path / "o" / "biodistribution.csv").read_text().splitlines()[0]
    assert head.startswith("organ,time_h,pct_id,pct_id_per_g") or "time_h" in head
    assert (tmp_path / "o" / "biodistribution.nc").stat().st_size > 0
    assert (tmp_path / "o" / "biodistribution.png").stat().st_size > 0
    res = runner.invoke(app, ["export-sbml", str(path)])
    assert res.exit_code == 0 and "<sbml" in res.output
    path.write_text(yaml.safe_dump({**design, "administration": {"route": "oral"}}))
    res = runner.invoke(app, ["simulate", str(path)])
    assert res.exit_code == 2 and "administration.route" in res.output


def test_tumor_uptake_breakdown_fluxes_balance_the_tumor_states():
    from nanotwin.pbpk.validation import tumor_uptake_breakdown

    design = {"name": "rgd", "nanoparticle": {
        "platform": "gold", "hydrodynamic_diameter": "30 nm",
        "coating": {"peg": {"molecular_weight": "5 kDa"}},
        "ligands": [{"name": "cRGD", "kind": "peptide", "target": "avb3",
                     "copies_per_particle": 100, "kd": "200 nM"}]},
        "subject": {"species": "mouse", "tumor": {"model": "U87MG", "mass": "0.2 g"}}}
    out = tumor_uptake_breakdown(design, times=[4.0, 24.0])
    f = {k: v["0-24h"] for k, v in out["tumor_flux_pct_id"].items()}
    st = {k: v[1] for k, v in out["tumor_states"].items()}
    # every tumour sub-compartment at 24 h = what flowed in minus what flowed out (the
    # integrals are trapezoids: tolerance 0.5 % of the extravasated amount)
    tol = 0.005 * f["extravasation"]
    assert st["tumor_t"] == pytest.approx(
        f["extravasation"] - f["back_diffusion"] - f["tam_uptake"] + f["tam_release"] -
        f["binding"] + f["unbinding"], abs=tol)
    assert st["tumor_int"] == pytest.approx(f["internalisation"], abs=tol)
    assert st["tumor_pc"] == pytest.approx(f["tam_uptake"] - f["tam_release"], abs=tol)
    assert st["tumor_bound"] == pytest.approx(
        f["binding"] - f["unbinding"] - f["internalisation"], abs=tol)
    # the reported half-life is the log-linear one between the reported 4 h and 24 h blood
    b4, b24 = out["blood_total_pct_id"]
    assert out["blood_t_half_h"]["4-24h"] == pytest.approx(
        math.log(2.0) * 20.0 / math.log(b4 / b24), rel=1e-6)
    assert out["organ_pct_id"]["tumor"][1] == pytest.approx(sum(st.values()), rel=1e-9)


def test_cli_pbpk_diagnose(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from nanotwin.cli import app

    design = {"name": "peg", "nanoparticle": {"platform": "liposome",
              "hydrodynamic_diameter": "100 nm", "coating": {"peg": {"molecular_weight": "2 kDa"}}},
              "subject": {"species": "mouse", "tumor": {"model": "4T1", "mass": "0.2 g"}}}
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(design))
    res = CliRunner().invoke(app, ["validation", "pbpk-diagnose", str(path)])
    assert res.exit_code == 0, res.output
    assert "extravasation" in res.output and "half-life" in res.output


def test_rodent_spleen_open_circulation_takes_peg_liposomes():
    # rat spleen: 72-93 % of the flow is open (red-pulp cords; Ruppert, Hutten & Vaupel 1981),
    # so the spleen, not only the liver, clears long-circulating particles: per gram it should
    # take at least as much as the liver (186Re-Doxil in rats: "low liver accumulation and
    # increasing spleen accumulation", Soundararajan et al., Nucl Med Biol 2009;36:515)
    from nanotwin.design import load_design
    from nanotwin.pbpk import simulate

    d = load_design({"name": "peg", "nanoparticle": {
        "platform": "liposome", "hydrodynamic_diameter": 100.0, "zeta_potential": -5.0,
        "coating": {"peg": {"molecular_weight": 5000.0}}}}, canonical_numbers=True)
    # structure check on the prior constants; calibrated, the liver takes more per gram
    # (80 vs 33 %ID/g at 24 h, docs/pbpk.md)
    g = simulate(d, times=[0.0, 4.0, 24.0, 48.0], mechanisms="prior")["pct_id_per_g"]
    spleen, liver = (g.sel(organ=o) for o in ("spleen", "liver"))
    assert float(spleen.sel(time=24.0)) > float(liver.sel(time=24.0))
    assert float(spleen.sel(time=48.0)) > float(spleen.sel(time=4.0))  # rising
