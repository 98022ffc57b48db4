"""Mechanism constants, vectorised parameter derivation, blood pools, degradation, renal
filtration of protein-bound ultrasmall particles."""

from __future__ import annotations

import numpy as np
import pytest

from nanotwin.errors import DesignError

GOLD = {"name": "gold 20 nm", "nanoparticle": {"platform": "gold", "hydrodynamic_diameter": 20.0,
                                               "zeta_potential": -20.0},
        "subject": {"species": "mouse", "tumor": {"model": "4T1", "mass": 0.2}}}


def _design(**np_update):
    import copy

    d = copy.deepcopy(GOLD)
    d["nanoparticle"].update(np_update)
    return d


def test_blood_per_gram_is_the_circulating_concentration():
    from nanotwin.design import load_design
    from nanotwin.pbpk import build_parameters, simulate
    from nanotwin.pbpk.model import STATE_NAMES, solve
    from nanotwin.pbpk.simulate import RHO_BLOOD

    p = build_parameters(GOLD, canonical_numbers=True)
    t = np.array([0.5, 2.0, 24.0])
    ds = simulate(load_design(GOLD, canonical_numbers=True), times=t)
    Y = solve(p, t)
    art, ven = Y[STATE_NAMES.index("art")], Y[STATE_NAMES.index("ven")]
    c_art, c_ven = art / p.V_art, ven / p.V_ven  # %ID per mL
    per_g = ds["pct_id_per_g"].sel(organ="blood").values
    # whole-blood %ID/g = large-vessel amount / (its volume x density), between the two
    assert np.allclose(per_g * RHO_BLOOD, (art + ven) / (p.V_art + p.V_ven), rtol=1e-6)
    assert np.all(per_g * RHO_BLOOD >= np.minimum(c_art, c_ven) * (1 - 1e-9))
    assert np.all(per_g * RHO_BLOOD <= np.maximum(c_art, c_ven) * (1 + 1e-9))
    # after mixing, arterial and venous blood agree closely (the lung extracts little)
    assert abs(c_art[-1] / c_ven[-1] - 1.0) < 0.05
    plasma = ds["blood_pct_id_per_mL_plasma"].values
    assert np.allclose(plasma, per_g * RHO_BLOOD / (1.0 - p.Hct))
    total = ds["blood_pct_id_total"].values
    assert np.all(total >= ds["pct_id"].sel(organ="blood").values - 1e-9)
    assert np.all(total <= 100.0 + 1e-9)
    assert "large-vessel" in ds["organ_mass_g"].attrs.get("long_name", "") + \
        ds["organ_mass_g"].attrs.get("description", "")


def test_vectorised_derivation_equals_one_design_at_a_time():
    from nanotwin.pbpk import build_parameters
    from nanotwin.pbpk.mechanisms import MECHANISMS, prior_mechanisms
    from nanotwin.pbpk.parameters import build_parameter_batch, design_features

    designs = [_design(), _design(platform="liposome", hydrodynamic_diameter=110.0,
                                  coating={"peg": {"molecular_weight": 2000.0}}),
               _design(hydrodynamic_diameter=4.0, zeta_potential=25.0, shape="rod",
                       aspect_ratio=3.0)]
    rng = np.random.default_rng(3)
    mech = {k: v * float(np.exp(rng.normal(0, 0.3))) if MECHANISMS[k].transform == "log" else v
            for k, v in prior_mechanisms().items()}
    feats = [design_features(d, canonical_numbers=True)[0] for d in designs]
    batch = build_parameter_batch(feats, mech)
    for i, d in enumerate(designs):
        one = build_parameters(d, canonical_numbers=True, mechanisms=mech)
        for k, v in one.values.items():
            assert batch.values[k][i] == pytest.approx(v, rel=1e-12, abs=1e-300), k


def test_mechanisms_resolve_and_reject_bad_values():
    from nanotwin.pbpk.mechanisms import resolve_mechanisms

    assert resolve_mechanisms("prior")["E0_liver"] == 0.011
    with pytest.raises(DesignError, match="did you mean E0_liver"):
        resolve_mechanisms({"E0_livr": 0.01})
    with pytest.raises(DesignError, match=r"must be in \(0, 1\)"):
        resolve_mechanisms({"f_open_spleen": 1.5})
    with pytest.raises(DesignError, match="must be > 0"):
        resolve_mechanisms({"E0_liver": -1.0})
    with pytest.raises(DesignError, match="not known"):
        resolve_mechanisms("posteriorr")


def test_recognition_factor_rises_with_extraction_mechanism():
    from nanotwin.pbpk import build_parameters

    lo = build_parameters(GOLD, canonical_numbers=True, mechanisms={"E0_liver": 0.005})
    hi = build_parameters(GOLD, canonical_numbers=True, mechanisms={"E0_liver": 0.05})
    assert hi.K_max_liver > lo.K_max_liver * 5  # ~10x in the linear range of 1 - exp(-E0 R)
    cls = build_parameters(GOLD, canonical_numbers=True, mechanisms={"R_class_metal": 4.0})
    ref = build_parameters(GOLD, canonical_numbers=True, mechanisms={"R_class_metal": 1.0})
    assert cls.R_mps == pytest.approx(4.0 * ref.R_mps)


def test_soft_carriers_degrade_and_mass_balance_holds():
    from nanotwin.design import load_design
    from nanotwin.pbpk import mass_balance, simulate

    lipo = load_design(_design(platform="liposome", hydrodynamic_diameter=100.0) | {
        "radiolabels": [{"nuclide": "Cu-64", "chelator": "NOTA"}]}, canonical_numbers=True)
    gold = load_design(_design(hydrodynamic_diameter=100.0) | {
        "radiolabels": [{"nuclide": "Cu-64", "chelator": "NOTA"}]}, canonical_numbers=True)
    t = [0.0, 24.0, 168.0]
    m = {"k_deg_soft": 0.02}
    dl, dg = simulate(lipo, times=t, mechanisms=m), simulate(gold, times=t, mechanisms=m)
    assert float(dl["pct_id"].sel(organ="degraded")[-1]) > 1.0
    assert float(dg["pct_id"].sel(organ="degraded")[-1]) == 0.0
    for ds in (dl, dg):
        assert all(v < 1e-6 for v in mass_balance(ds).values())
        # a degraded particle carries no label: its activity is in the free-label pools
        assert float(ds["activity_pct_id"].sel(organ="degraded").max()) == 0.0


def test_protein_binding_limits_renal_filtration_unless_the_coating_resists_it():
    from nanotwin.pbpk import build_parameters

    m = {"f_unbound": 0.05}
    bare = build_parameters(_design(hydrodynamic_diameter=3.0), canonical_numbers=True,
                            mechanisms=m)
    zw = build_parameters(_design(hydrodynamic_diameter=3.0, coating={"zwitterionic": True}),
                          canonical_numbers=True, mechanisms=m)
    assert bare.CL_urine == pytest.approx(0.05 * zw.CL_urine)
    assert zw.CL_urine > 0


def test_kidney_tissue_uptake_is_an_edge_of_the_model():
    from nanotwin.pbpk import build_parameters
    from nanotwin.pbpk.model import STATE_NAMES, compiled

    p = build_parameters(GOLD, canonical_numbers=True)
    c = compiled(p)
    i = STATE_NAMES.index("kidney_pc")
    assert np.any((c.dst == i) & (c.src == STATE_NAMES.index("kidney_b")) & (c.k > 0))


def test_shipped_posterior_is_consistent():
    from nanotwin.pbpk.mechanisms import MECHANISMS, default_mechanisms, posterior

    post = posterior()
    if post is None:
        pytest.skip("no posterior shipped in this checkout")
    assert set(post.names) <= set(MECHANISMS)
    assert post.draws.shape[1] == len(post.names)
    assert {"method", "data"} <= set(post.provenance)
    point = default_mechanisms()
    assert set(post.map) == set(post.names)
    for k, v in post.map.items():  # the default point is the posterior mode
        assert point[k] == v
    # the mode lies inside the bulk of the draws (5-95 % of every constant, unconstrained)
    from nanotwin.pbpk.mechanisms import to_unconstrained

    x = to_unconstrained(dict(post.map), post.names)
    lo, hi = np.percentile(post.draws, [2.5, 97.5], axis=0)
    # ... or, for a constant the data pull to the search box (+-5 prior SDs), on that edge,
    # with the draws on its inside (docs/organs.md names them)
    sd = np.array([MECHANISMS[n].scale for n in post.names])
    mu = to_unconstrained({n: MECHANISMS[n].prior for n in post.names}, post.names)
    on_edge = np.isclose(np.abs(x - mu), 5 * sd, atol=1e-5)
    inside = (x > lo) & (x < hi)
    assert np.all(inside | on_edge)
    assert np.all(np.abs(post.draws - mu) <= 5 * sd + 1e-6)


def test_drug_of_degraded_carriers_is_released_not_kept():
    from pathlib import Path

    from nanotwin.pbpk import mass_balance, simulate

    ex = Path(__file__).resolve().parents[2] / "examples" / "liposome_177lu_dox_gated.yaml"
    ds = simulate(ex, times=[0.0, 24.0, 168.0], mechanisms={"k_deg_soft": 0.05})
    assert float(ds["pct_id"].sel(organ="degraded")[-1]) > 10.0
    assert float(np.abs(ds["drug_encapsulated_pct"].sel(organ="degraded")).max()) < 1e-9
    assert mass_balance(ds)["drug"] < 1e-6
