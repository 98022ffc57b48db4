"""Design sweeps (grid, Latin hypercube) and multi-objective optimisation on the batched solver.

Design variables: ``size`` (hydrodynamic diameter, nm), ``zeta`` (mV), ``peg_density``
(PEG chains/nm^2) and ``ligand_density`` (ligand copies per particle, first ligand), plus a list of
nuclides (``"Lu-177"`` or ``"Y-90/DOTA"`` to also set the chelator). Every design point is
simulated in the reference subject of the study's species with the PBPK model, all points in one
batched call. Endpoints: ``tumor_delivery`` (max tumour %ID over the study times, DEmax),
``tumor_pct_id_24h``, ``liver_pct_id_24h``, ``tumor_contrast`` (tumour/muscle %ID/g at the first
imaging time, default 24 h) and, with an activity, absorbed doses ``<organ>_dose`` (Gy) for
tumour, kidney, liver, spleen, marrow and lung.

Multi-objective optimisation: non-dominated sorting and crowding distance of NSGA-II (Deb et al.,
IEEE Trans Evol Comput 2002;6:182) over the evaluated set, refined for ``generations`` rounds by
simulated binary crossover and polynomial mutation (same paper) in the unit box of the variables;
Latin hypercube sampling by :class:`scipy.stats.qmc.LatinHypercube` (McKay et al. 1979).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["design_points", "evaluate_designs", "run_sweep", "optimize", "pareto_front",
           "non_dominated_rank"]


def design_points(variables: Mapping[str, tuple[float, float]], n: int, method: str = "lhs",
                  seed: int = 0) -> np.ndarray:
    """Points in the variable box: ``(n_points, n_variables)``.

    ``lhs``: ``n`` Latin-hypercube points; ``grid``: ``n`` levels per variable (full factorial).

    Examples
    --------
    >>> design_points({"size": (20, 200)}, 3, "grid")[:, 0].tolist()
    [20.0, 110.0, 200.0]
    """
    lo = np.array([v[0] for v in variables.values()], dtype=float)
    hi = np.array([v[1] for v in variables.values()], dtype=float)
    d = lo.size
    if method == "lhs":
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d=d, seed=seed).random(n)
    elif method == "grid":
        axes = [np.linspace(0.0, 1.0, n) for _ in range(d)]
        u = np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)
    else:
        raise DesignError(f"sweep.method: {method!r} unknown; use 'lhs' or 'grid'")
    return lo + u * (hi - lo)


def _variant(base: dict, names: Sequence[str], x: np.ndarray, nuclide: str | None) -> dict:
    import copy

    d = copy.deepcopy(base)
    npd = d["nanoparticle"]
    for name, val in zip(names, x, strict=True):
        if name == "size":
            npd["hydrodynamic_diameter"] = float(val)
        elif name == "zeta":
            npd["zeta_potential"] = float(val)
        elif name == "peg_density":
            coat = npd.setdefault("coating", {}) or {}
            npd["coating"] = coat
            peg = coat.get("peg") or {"molecular_weight": 2000.0}
            peg["surface_density"] = float(val)
            coat["peg"] = peg
        elif name == "ligand_density":
            if not npd.get("ligands"):
                raise DesignError("sweep.variables.ligand_density: the design has no ligand; add "
                                  "nanoparticle.ligands or drop this variable")
            npd["ligands"][0]["copies_per_particle"] = float(val)
    if nuclide:
        nuc, _, chel = nuclide.partition("/")
        if not d.get("radiolabels"):
            raise DesignError("sweep.nuclides: the design has no radiolabel to change; add one")
        d["radiolabels"][0]["nuclide"] = nuc
        if chel:
            d["radiolabels"][0]["chelator"] = chel
    return d


def evaluate_designs(base_design: Any, variables: Mapping[str, tuple[float, float]],
                     X: np.ndarray, nuclides: Sequence[str] = (), *, species: str | None = None,
                     times: Sequence[float] = (1.0, 4.0, 24.0, 48.0, 72.0, 168.0),
                     activity_MBq: float | None = None, imaging_time: float = 24.0,
                     rtol: float = 1e-6, tumor_response: bool = False) -> Any:
    """Simulate every design point (x every nuclide) in one batch; returns endpoints.

    ``tumor_response`` adds ``TCP`` and ``time_to_regrowth_h`` per point
    (:func:`nanotwin.tumor.endpoints.add_sweep_endpoints`; needs an activity).

    Returns
    -------
    xarray.Dataset
        Dim ``point``; variables = design variables, ``nuclide`` and endpoints.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> ds = evaluate_designs(demo_design(), {"size": (30, 150)}, np.array([[30.0], [150.0]]))
    >>> ds.sizes["point"], bool(ds["tumor_delivery"].min() > 0)
    (2, True)
    """
    import xarray as xr

    from nanotwin.design import Design, load_design
    from nanotwin.pbpk import build_parameters, stack_parameters
    from nanotwin.population.batch import OUTPUT_ORGANS, batch_simulate
    from nanotwin.population.endpoints import _load_quiet, organ_doses

    base = base_design if isinstance(base_design, Design) else load_design(base_design)
    base_d = base.model_dump(mode="json")
    names = list(variables)
    nucs: list[str | None] = list(nuclides) or [None]
    t = np.array(sorted(set(times) | {24.0, float(imaging_time)}), dtype=float)
    rows, params, labels, designs = [], [], [], []
    for nuc in nucs:
        for x in X:
            des = _load_quiet(_variant(base_d, names, x, nuc))
            designs.append(des)
            params.append(build_parameters(des, species))
            rows.append(x)
            labels.append(des.radiolabels[0].nuclide if des.radiolabels else "")
    out: dict[str, Any] = {}
    A0 = activity_MBq or base.administration.injected_activity
    sp = params[0].meta["species"]
    # one batch per nuclide (the model structure is shared; chelators only change rates)
    ds_all = batch_simulate(stack_parameters(params), t, outputs=("pct_id",), rtol=rtol)
    P = ds_all["pct_id"].values
    org = list(OUTPUT_ORGANS)
    it = int(np.searchsorted(t, 24.0))
    ii = int(np.searchsorted(t, imaging_time))
    mass = ds_all["organ_mass_g"].values
    out["tumor_delivery"] = P[:, org.index("tumor")].max(axis=1)
    out["tumor_pct_id_24h"] = P[:, org.index("tumor"), it]
    out["liver_pct_id_24h"] = P[:, org.index("liver"), it]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["tumor_contrast"] = (P[:, org.index("tumor"), ii] / mass[:, org.index("tumor")]) / (
            P[:, org.index("muscle"), ii] / mass[:, org.index("muscle")])
    if A0 and all(labels):
        doses = np.zeros((len(params), 6))
        for nuc in sorted(set(labels)):
            sel = np.array([lab == nuc for lab in labels])
            doses[sel] = organ_doses(ds_all.isel(subject=np.flatnonzero(sel)), nuc, sp, A0)
        from nanotwin.population.endpoints import DOSE_ORGANS

        for j, o in enumerate(DOSE_ORGANS):
            out[f"{o}_dose"] = doses[:, j]
    R = np.asarray(rows)
    data = {n: ("point", R[:, j]) for j, n in enumerate(names)}
    data["nuclide"] = ("point", np.asarray(labels, dtype=str))
    for k, v in out.items():
        data[k] = ("point", np.asarray(v, dtype=float))
    ds = xr.Dataset(data, coords={"point": np.arange(R.shape[0])})
    units = {"size": "nm", "zeta": "mV", "peg_density": "1/nm**2", "ligand_density": "1",
             "tumor_delivery": "%ID", "tumor_pct_id_24h": "%ID", "liver_pct_id_24h": "%ID",
             "tumor_contrast": "1"}
    for k in ds.data_vars:
        ds[k].attrs["units"] = units.get(k, "Gy" if k.endswith("_dose") else "")
    ds.attrs["nanotwin_kind"] = "design_sweep"
    if tumor_response:  # hook: tumour-response endpoints of nanotwin.tumor
        from nanotwin.tumor.endpoints import add_sweep_endpoints

        ds = add_sweep_endpoints(ds, designs, species)
    return ds


def non_dominated_rank(F: np.ndarray) -> np.ndarray:
    """Pareto rank (0 = non-dominated) of rows of ``F`` (all objectives minimised).

    Examples
    --------
    >>> non_dominated_rank(np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])).tolist()
    [0, 0, 1]
    """
    n = F.shape[0]
    le = np.all(F[:, None, :] <= F[None, :, :], axis=2)
    lt = np.any(F[:, None, :] < F[None, :, :], axis=2)
    dom = le & lt  # dom[i, j]: i dominates j
    count = dom.sum(axis=0)
    rank = np.full(n, -1)
    r = 0
    current = np.flatnonzero(count == 0)
    while current.size:
        rank[current] = r
        count = count - dom[current].sum(axis=0)
        count[rank >= 0] = -1
        current = np.flatnonzero(count == 0)
        r += 1
    return rank


def _crowding(F: np.ndarray) -> np.ndarray:
    n, m = F.shape
    d = np.zeros(n)
    for j in range(m):
        o = np.argsort(F[:, j])
        span = F[o[-1], j] - F[o[0], j]
        d[o[0]] = d[o[-1]] = np.inf
        if span > 0 and n > 2:
            d[o[1:-1]] += (F[o[2:], j] - F[o[:-2], j]) / span
    return d


def _tournament(rng: Any, rank: np.ndarray, crowd: np.ndarray) -> int:
    """Binary tournament on (rank, crowding distance) (Deb et al. 2002)."""
    a, b = rng.integers(0, rank.size, 2)
    if rank[a] != rank[b]:
        return int(a if rank[a] < rank[b] else b)
    return int(a if crowd[a] >= crowd[b] else b)


def _objective_matrix(ds: Any, objectives: Sequence[Any]) -> np.ndarray:
    cols = []
    for ob in objectives:
        if ob.endpoint not in ds:
            avail = [k for k in ds.data_vars if k not in ("nuclide",)]
            raise DesignError(f"sweep.objectives: endpoint {ob.endpoint!r} not available; use "
                              f"one of {', '.join(avail)}")
        v = np.asarray(ds[ob.endpoint].values, dtype=float)
        cols.append(-v if ob.goal == "max" else v)
    F = np.stack(cols, axis=1)
    return np.where(np.isfinite(F), F, np.inf)


def pareto_front(ds: Any, objectives: Sequence[Any],
                 constraints: Mapping[str, float] | None = None) -> np.ndarray:
    """Boolean mask of the non-dominated, feasible points of an evaluated sweep."""
    F = _objective_matrix(ds, objectives)
    feas = np.ones(F.shape[0], dtype=bool)
    for k, lim in (constraints or {}).items():
        if k not in ds:
            raise DesignError(f"sweep.constraints: endpoint {k!r} not available")
        feas &= np.asarray(ds[k].values) <= lim
    F = np.where(feas[:, None], F, np.inf)
    return (non_dominated_rank(F) == 0) & feas


def _study_args(st: Any) -> dict[str, Any]:
    img = st.imaging[0].scan_time if st.imaging else 24.0
    return dict(species=st.species, times=st.times, activity_MBq=st.therapy_activity,
                imaging_time=img, rtol=st.run.rtol, tumor_response=st.tumor_response)


def _load(study: Any) -> tuple[Any, Any]:
    from nanotwin.design import load_design
    from nanotwin.population.study import Study, load_study

    st = study if isinstance(study, Study) else load_study(study)
    if st.sweep is None:
        raise DesignError("study.sweep: missing; add sweep: {variables: {size: [20, 200]}, n: 32}"
                          " to the study")
    design = load_design(st.design if isinstance(st.design, Mapping) else st.design_path())
    return st, design


def run_sweep(study: Any) -> Any:
    """Evaluate the study's grid or Latin-hypercube sweep; marks the Pareto front if objectives
    are given (``pareto`` variable)."""
    st, design = _load(study)
    sw = st.sweep
    X = design_points(sw.variables, sw.n, sw.method, st.seed)
    ds = evaluate_designs(design, sw.variables, X, sw.nuclides, **_study_args(st))
    if sw.objectives:
        ds["pareto"] = ("point", pareto_front(ds, sw.objectives, sw.constraints))
    return ds


def optimize(study: Any, *, out_dir: str | None = None) -> Any:
    """Multi-objective optimisation (NSGA-II-style) over the study's design variables.

    Starts from a Latin hypercube of ``sweep.population`` points, runs ``sweep.generations``
    rounds of SBX crossover + polynomial mutation with (rank, crowding) survival, and returns all
    evaluated points with ``pareto`` (final non-dominated set) and ``generation``. With
    ``out_dir`` a Pareto plot ``pareto.png`` and ``pareto.csv`` are written there.
    """
    import xarray as xr

    st, design = _load(study)
    sw = st.sweep
    if len(sw.objectives) < 2:
        raise DesignError("sweep.objectives: give at least two, e.g. [{endpoint: tumor_dose, "
                          "goal: max}, {endpoint: liver_dose, goal: min}]")
    rng = np.random.default_rng(st.seed)
    lo = np.array([v[0] for v in sw.variables.values()])
    hi = np.array([v[1] for v in sw.variables.values()])
    N = sw.population
    U = design_points({k: (0.0, 1.0) for k in sw.variables}, N, "lhs", st.seed)
    args = _study_args(st)
    ds = evaluate_designs(design, sw.variables, lo + U * (hi - lo), sw.nuclides, **args)
    ds["generation"] = ("point", np.zeros(ds.sizes["point"], dtype=int))
    eta_c, eta_m = 15.0, 20.0  # distribution indices (Deb et al. 2002)
    for g in range(1, sw.generations + 1):
        F = _objective_matrix(ds, sw.objectives)
        feas = np.ones(F.shape[0], dtype=bool)
        for k, lim in sw.constraints.items():
            feas &= np.asarray(ds[k].values) <= lim
        F = np.where(feas[:, None], F, np.inf)
        rank = non_dominated_rank(F)
        crowd = np.zeros(F.shape[0])
        for r in np.unique(rank):
            m = rank == r
            crowd[m] = _crowding(np.where(np.isfinite(F[m]), F[m], 1e300))
        Xall = np.stack([ds[k].values for k in sw.variables], axis=1)
        Uall = (Xall - lo) / (hi - lo)

        kids = []
        while len(kids) < N:
            p1 = Uall[_tournament(rng, rank, crowd)]
            p2 = Uall[_tournament(rng, rank, crowd)]
            u = rng.random(p1.size)
            beta = np.where(u <= 0.5, (2 * u) ** (1 / (eta_c + 1)),
                            (1 / (2 * (1 - u))) ** (1 / (eta_c + 1)))
            c1 = 0.5 * ((1 + beta) * p1 + (1 - beta) * p2)
            um = rng.random(p1.size)
            delta = np.where(um < 0.5, (2 * um) ** (1 / (eta_m + 1)) - 1,
                             1 - (2 * (1 - um)) ** (1 / (eta_m + 1)))
            mutate = rng.random(p1.size) < 1.0 / p1.size
            c1 = np.clip(c1 + mutate * delta, 0.0, 1.0)
            kids.append(c1)
        new = evaluate_designs(design, sw.variables, lo + np.asarray(kids) * (hi - lo),
                               sw.nuclides, **args)
        new["generation"] = ("point", np.full(new.sizes["point"], g))
        ds = xr.concat([ds, new], dim="point")
        ds = ds.assign_coords(point=np.arange(ds.sizes["point"]))
    ds["pareto"] = ("point", pareto_front(ds, sw.objectives, sw.constraints))
    ds.attrs["objectives"] = ", ".join(f"{o.goal} {o.endpoint}" for o in sw.objectives)
    if out_dir:
        write_pareto(ds, sw.objectives, out_dir)
    return ds


def write_pareto(ds: Any, objectives: Sequence[Any], out_dir: str) -> list[str]:
    """Pareto plot (PNG, first two objectives, coloured by nuclide) and CSV of the front."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    a, b = objectives[0].endpoint, objectives[1].endpoint
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for nuc in np.unique(ds["nuclide"].values):
        m = ds["nuclide"].values == nuc
        ax.scatter(ds[b].values[m], ds[a].values[m], s=12, alpha=0.4, label=f"{nuc or 'all'}")
    pm = ds["pareto"].values
    order = np.argsort(ds[b].values[pm])
    ax.plot(ds[b].values[pm][order], ds[a].values[pm][order], "k.-", label="Pareto front")
    ax.set_xlabel(f"{b} [{ds[b].attrs.get('units', '')}]")
    ax.set_ylabel(f"{a} [{ds[a].attrs.get('units', '')}]")
    ax.legend(fontsize=8)
    ax.set_title("nanotwin design optimisation")
    fig.tight_layout()
    png = out / "pareto.png"
    fig.savefig(png, dpi=120)
    plt.close(fig)
    csv = out / "pareto.csv"
    ds.isel(point=np.flatnonzero(pm)).to_dataframe().to_csv(csv)
    return [str(png), str(csv)]
