"""The PBPK model against the 200-nanoform organ table, without any fitting or random effects.

Each row becomes a proxy design (``nanotwin.learn.tumor_delivery._proxy_design``: bare, or with
``--peg`` 2 kDa PEG), is simulated with the installed model and averaged over the row's sampling
times (:mod:`nanotwin.learn.organ_data`), and compared with the table: median |log10 pred/obs|
per organ and overall, beside the leave-one-out median. This is the check that found wave 1 of
the model worse than the median; for the calibrated model it is IN-SAMPLE (the table was used to
calibrate it) and without the measurement model, so the honest numbers are those of
``nanotwin validation organs``.

    python benchmarks/organ_table_check.py [--mechanisms prior|posterior] [--peg]
"""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mechanisms", default="posterior", choices=("posterior", "prior"))
    ap.add_argument("--peg", action="store_true", help="give every proxy particle 2 kDa PEG")
    a = ap.parse_args()
    from nanotwin.errors import DesignWarning
    from nanotwin.learn.organ_data import OBS_ORGANS, load_organ_data, trapezoid_average_weights
    from nanotwin.learn.organs import _proxy
    from nanotwin.pbpk.parameters import build_parameter_batch, design_features
    from nanotwin.pbpk.physiology import ORGANS
    from nanotwin.population.batch import batch_simulate

    data = load_organ_data()
    feats, meta = [], None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DesignWarning)
        for k in range(data.table_obs.shape[0]):
            row = data.rows.iloc[int(data.table_unit[k])].to_dict()
            f, meta = design_features(_proxy(row, a.peg), canonical_numbers=True)
            feats.append(f)
    p = build_parameter_batch(feats, a.mechanisms, meta)
    P = np.asarray(batch_simulate(p, data.grid, outputs=("pct_id",))["pct_id"].values)
    rows = [ORGANS.index(o) for o in OBS_ORGANS]
    pred = np.array([P[k][rows] @ trapezoid_average_weights(data.table_schedule[k], data.grid)
                     for k in range(P.shape[0])])
    lr = np.log10(np.maximum(pred, 1e-6)) - data.table_obs
    y = data.table_obs
    print(f"mechanisms: {a.mechanisms}; proxy coating: {'PEG 2 kDa' if a.peg else 'bare'}")
    print(f"{'organ':8s} {'model':>7s} {'LOO median':>11s} {'bias':>6s}  (median |log10|)")
    for o, name in enumerate(OBS_ORGANS):
        loo = np.array([np.median(np.delete(y[:, o], i)) for i in range(y.shape[0])])
        print(f"{name:8s} {np.median(np.abs(lr[:, o])):7.2f} "
              f"{np.median(np.abs(loo - y[:, o])):11.2f} {np.median(lr[:, o]):+6.2f}")
    w2 = float(np.mean(np.abs(lr) <= math.log10(2.0)))
    print(f"overall  {np.median(np.abs(lr)):7.2f}; within 2-fold {100 * w2:.0f} %")


if __name__ == "__main__":
    main()
