"""simulate(design, learned=True) and `nanotwin simulate --learned`: the learned tumour delivery
beside the mechanistic one, with units, and one-line errors outside the training domain."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from typer.testing import CliRunner

from nanotwin import simulate
from nanotwin.errors import DesignError
from nanotwin.learn.predictor import predict_tumor_delivery
from nanotwin.pbpk.simulate import demo_design_mapping

TIMES = [0.0, 24.0, 168.0]


def _design(**tumor):
    d = demo_design_mapping()
    d["subject"]["tumor"].update(tumor)
    return d


def test_simulate_learned_adds_delivery_with_units():
    ds = simulate(_design(), times=TIMES, learned=True)
    v = ds["learned_delivery"]
    assert v.attrs["units"] == "%ID"
    assert list(ds["endpoint"].values) == ["DE24", "DE168", "DEmax"]
    assert list(ds["statistic"].values) == ["median", "lower_5", "upper_95"]
    m, lo, hi = v.sel(endpoint="DE24").values
    assert 0 < lo < m < hi
    # same numbers as the predictor called directly on the same design
    p = predict_tumor_delivery(_design())
    np.testing.assert_allclose([m, lo, hi], [p["DE24"][k] for k in ("median", "lower", "upper")])
    assert ds.attrs["learned_learner_DE24"] == p["DE24"]["learner"]
    # the mechanistic output is untouched by the flag
    plain = simulate(_design(), times=TIMES)
    np.testing.assert_array_equal(plain["pct_id"].values, ds["pct_id"].values)
    assert "learned_delivery" not in plain


def test_learned_delivery_grows_with_tumour_mass():
    """DE in %ID is concentration x tumour mass; the learned model must follow the mass."""
    small = predict_tumor_delivery(_design(mass="0.05 g"))["DE24"]["median"]
    large = predict_tumor_delivery(_design(mass="1 g"))["DE24"]["median"]
    assert large > 1.5 * small


def test_learned_rejects_non_mouse_and_no_tumour():
    with pytest.raises(DesignError, match="mice only") as e:
        simulate(_design(), species="rat", times=TIMES, learned=True)
    assert "\n" not in str(e.value)
    no_tumor = copy.deepcopy(demo_design_mapping())
    no_tumor["subject"].pop("tumor")
    with pytest.raises(DesignError, match="no tumour"):
        simulate(no_tumor, times=TIMES, learned=True)


def test_cli_simulate_learned(tmp_path):
    import yaml

    from nanotwin.cli import app

    f = tmp_path / "design.yaml"
    f.write_text(yaml.safe_dump(_design()))
    r = CliRunner().invoke(app, ["simulate", str(f), "--learned"])
    assert r.exit_code == 0, r.output
    assert "DE24 learned (90 % interval)" in r.output
    d = _design()
    d["subject"]["species"] = "human"
    d["subject"].pop("body_weight")
    f.write_text(yaml.safe_dump(d))
    r = CliRunner().invoke(app, ["simulate", str(f), "--learned"])
    assert r.exit_code == 2
