"""Spatial transport of nanoparticles and their payload in tumour tissue (finite volumes).

Per mL of extravascular tissue, in every cell ``k`` of a :class:`~nanotwin.tumor.tissue.Tissue`
(free particles ``c`` with interstitial concentration ``C = c / epsilon``; bound ``b``,
internalised ``i``, in macrophages ``m``; units %ID per mL):

.. math::

    \\partial_t c = \\nabla\\cdot(\\epsilon D \\nabla C) - \\nabla\\cdot(W \\mathbf{u} C)
        + \\frac{S_k}{V_k}\\left[P (C_p - C) + J_v (1-\\sigma) C_{up}\\right]
        - k_{on} c (1 - b/b_{max}) + k_{off} b - k_{mac} c (1 - m/m_{max}) + k_{rel} m

    \\partial_t b = k_{on} c (1 - b/b_{max}) - (k_{off} + k_{int}) b,\\quad
    \\partial_t i = k_{int} b,\\quad
    \\partial_t m = k_{mac} c (1 - m/m_{max}) - (k_{rel} + k_{deg}) m

with the plasma input ``C_p(t)`` of the PBPK (:func:`nanotwin.tumor.plasma.plasma_input`), the
Darcy velocity ``u = -K grad p`` of the steady pressure field (:func:`pressure_field`; Baxter &
Jain 1989; the transvascular solvent-drag term ``J_v = L_p S (p_e - p)`` is off by default, see
:mod:`nanotwin.tumor.properties`), and parameters from
:func:`nanotwin.tumor.properties.transport_parameters` (sources there). This is the tumour
compartment of the PBPK (:mod:`nanotwin.pbpk.model`: the same exchange, binding, avidity,
internalisation and macrophage terms) resolved in space; necrotic cells have no receptors or
macrophages. The payload rides on the particles: the encapsulated drug of each particle pool
follows the same transfers and is released with the hazard and stimulus gates of
:mod:`nanotwin.payload` (free and surface-bound particles in the extracellular tumour
environment, internalised and phagocytosed ones in the intracellular one, as in
:mod:`nanotwin.pbpk.payload`); released drug diffuses, crosses the vessel wall and enters cells
(:class:`~nanotwin.tumor.properties.DrugParameters`). Drug released in macrophages returns to
the interstitium (macrophages as drug depots; Miller et al., Nat Commun 2015;6:8692).

Discretisation: two-point flux finite volumes (harmonic transmissibilities ``epsilon D A/d``),
first-order upwind convection, and the method of lines with scipy's BDF integrator and the exact
sparse Jacobian (``scipy.sparse``; the LU factors are reused across steps). Activity is
``f_rcp e^{-(k_det + lambda) t}`` times the particle amount (a detached label is assumed to
leave the tumour; approximate); the time-integrated activity adds the tail by decay after the
last time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["simulate_tumor", "TumorSolution", "pressure_field", "transport_operator",
           "steady_state", "PARTICLE_SPECIES", "DRUG_SPECIES", "penetration_profile",
           "penetration_distance"]

PARTICLE_SPECIES = ("free", "bound", "internalized", "macrophage")
DRUG_SPECIES = ("enc_free", "enc_bound", "enc_internalized", "enc_macrophage", "drug_free",
                "drug_cell")


def pressure_field(tissue: Any, tp: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                   np.ndarray]:
    """Steady interstitial fluid pressure (mmHg) and fluid fluxes (mL/h).

    Solves ``sum_faces G (p_k - p_j) + G_rim p_k + G_in (p_k - p_in) = L_p S_k (p_e - p_k)``
    with ``G = K A / d`` and the effective vascular pressure ``p_e = p_v - sigma_T (pi_v -
    pi_i)`` (Baxter & Jain 1989). The rim is at 0 mmHg (normal tissue); the inner face of a
    network section carries ``p_in``, the pressure of the whole tumour (a uniformly perfused
    sphere of the design's tumour mass, :func:`nanotwin.tumor.analytic.sphere_pressure`) at the
    section's depth -- or no flux where the section reaches the tumour centre.

    Returns
    -------
    tuple
        ``(p, F_face, F_rim, Q_vessel)``: pressure per cell, fluid flux across each face
        (``i -> j`` positive), out of each rim cell, and filtered from the vessels of each cell.
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    n = tissue.n_cells
    p_e = tp.p_v - tp.sigma_T * (tp.pi_v - tp.pi_i)
    G = tp.K_hyd * tissue.face_area / tissue.face_dist
    i, j = tissue.faces[:, 0], tissue.faces[:, 1]
    Gr = tp.K_hyd * tissue.rim_area / tissue.rim_dist
    Lv = tp.L_p * tissue.vessel_area
    diag = np.zeros(n)
    np.add.at(diag, i, G)
    np.add.at(diag, j, G)
    np.add.at(diag, tissue.rim_cells, Gr)
    diag += Lv
    rhs = Lv * p_e
    depth = float(tissue.coords[:, 0].max() + 0.5 * tissue.spacing_cm) if tissue.kind == \
        "network" else 0.0
    R = _tumor_radius_cm(tp)
    if tissue.inner_cells.size and R > depth:
        from nanotwin.tumor.analytic import sphere_pressure
        from nanotwin.tumor.tissue import reference_surface_density

        sv, fp = reference_surface_density()
        p_in = float(sphere_pressure(R - depth, R, tp.L_p, sv * fp, tp.K_hyd, p_e))
        Gi = tp.K_hyd * tissue.inner_area / tissue.inner_dist
        np.add.at(diag, tissue.inner_cells, Gi)
        np.add.at(rhs, tissue.inner_cells, Gi * p_in)
    A = sp.coo_matrix((np.concatenate([diag, -G, -G]),
                       (np.concatenate([np.arange(n), i, j]),
                        np.concatenate([np.arange(n), j, i]))), shape=(n, n)).tocsc()
    if not np.any(Lv > 0) and not tissue.rim_cells.size:
        return np.zeros(n), np.zeros(G.size), np.zeros(0), np.zeros(n)
    p = np.asarray(spsolve(A, rhs))
    return p, G * (p[i] - p[j]), Gr * p[tissue.rim_cells], Lv * (p_e - p)


def _tumor_radius_cm(tp: Any) -> float:
    m = float(getattr(tp, "tumor_mass_g", 0.0) or 0.0)
    return (3.0 * m / (4.0 * np.pi)) ** (1.0 / 3.0) if m > 0 else 0.0


def transport_operator(tissue: Any, D: float, epsilon: float, P: float, *,
                       flux: tuple | None = None, W: float = 1.0, sigma: float = 1.0
                       ) -> tuple[Any, np.ndarray]:
    """Linear transport operator of one mobile species: ``dc/dt = A c + b C_p(t)``.

    Parameters
    ----------
    tissue
        The mesh.
    D, epsilon, P
        Diffusivity (cm^2/h), accessible fraction, vascular permeability (cm/h).
    flux
        ``(F_face, F_rim, Q_vessel)`` of :func:`pressure_field` (``None``: no convection).
    W, sigma
        Convective hindrance in the ECM and reflection coefficient at the vessel wall.

    Returns
    -------
    tuple
        ``(A, b)``: sparse CSR matrix (1/h) and the plasma source per cell (1/h).

    Examples
    --------
    >>> from nanotwin.tumor.tissue import krogh_cylinder
    >>> t = krogh_cylinder(n_cells=4)
    >>> A, b = transport_operator(t, 1e-4, 0.4, 0.01)
    >>> A.shape, bool(np.allclose((A.T @ t.volume)[1:], 0.0))   # diffusion conserves mass
    ((4, 4), True)
    """
    import scipy.sparse as sp

    n = tissue.n_cells
    V = tissue.volume
    i, j = tissue.faces[:, 0], tissue.faces[:, 1]
    # flux i -> j = eps D A/d (C_i - C_j) = D A/d (c_i - c_j) with c = eps C (uniform eps)
    T = D * tissue.face_area / tissue.face_dist
    rows = [i, j, i, j]
    cols = [i, j, j, i]
    vals = [-T / V[i], -T / V[j], T / V[i], T / V[j]]
    diag = -P * tissue.vessel_area / (epsilon * V)
    b = P * tissue.vessel_area / V
    if flux is not None:
        F, Fr, Q = flux
        Fp = np.maximum(F, 0.0) * W
        Fm = np.maximum(-F, 0.0) * W
        # i -> j where F > 0 (upwind i), j -> i where F < 0 (upwind j)
        rows += [i, j, j, i]
        cols += [i, i, j, j]
        vals += [-Fp / (epsilon * V[i]), Fp / (epsilon * V[j]), -Fm / (epsilon * V[j]),
                 Fm / (epsilon * V[i])]
        rc = tissue.rim_cells
        out = np.zeros(n)
        np.add.at(out, rc, np.maximum(Fr, 0.0) * W)
        diag = diag - out / (epsilon * V)
        b = b + np.maximum(Q, 0.0) * (1.0 - sigma) / V
        diag = diag - np.maximum(-Q, 0.0) * (1.0 - sigma) / (epsilon * V)
    rows.append(np.arange(n))
    cols.append(np.arange(n))
    vals.append(diag)
    A = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n, n)).tocsr()
    return A, b


def steady_state(tissue: Any, D: float, epsilon: float, P: float, C_p: float,
                 k_loss: float = 0.0) -> np.ndarray:
    """Steady interstitial concentration ``C`` (per mL of accessible fluid) of a non-binding
    solute with first-order loss ``k_loss`` (1/h) at constant plasma concentration ``C_p``.

    Examples
    --------
    >>> from nanotwin.tumor.tissue import krogh_cylinder
    >>> C = steady_state(krogh_cylinder(n_cells=8), 1e-4, 0.4, 0.01, 2.0)
    >>> bool(np.allclose(C, 2.0))      # no loss: equilibrium with plasma
    True
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    A, b = transport_operator(tissue, D, epsilon, P)
    M = A - sp.identity(tissue.n_cells) * float(k_loss)
    c = spsolve(M.tocsc(), -b * float(C_p))
    return np.asarray(c) / epsilon


class TumorSolution:
    """Result of :func:`simulate_tumor`: fields over ``time x cell`` and summaries.

    Attributes
    ----------
    t
        Output times (h).
    fields
        ``species -> array (n_times, n_cells)``, %ID (or % of drug) per mL of tissue.
    tissue, params, plasma
        The inputs.
    pressure
        Interstitial fluid pressure per cell (mmHg).
    """

    def __init__(self, t: np.ndarray, fields: dict[str, np.ndarray], tissue: Any, params: Any,
                 plasma: Any, pressure: np.ndarray) -> None:
        self.t = t
        self.fields = fields
        self.tissue = tissue
        self.params = params
        self.plasma = plasma
        self.pressure = pressure

    @property
    def particles(self) -> np.ndarray:
        """All particles (free + bound + internalised + macrophage), %ID/mL of tissue."""
        return sum(self.fields[s] for s in PARTICLE_SPECIES)

    def tumor_average(self, with_blood: bool = True) -> np.ndarray:
        """Whole-tumour %ID/g over time: volume-weighted tissue mean (extravascular share
        ``1 - v_b``) plus the particles in the tumour's blood (``v_b`` x whole-blood
        concentration), as the PBPK tumour compartment counts them."""
        V = self.tissue.volume
        ev = (self.particles * V).sum(axis=1) / V.sum()
        vb = self.params.v_blood
        out = (1.0 - vb) * ev
        if with_blood:
            out = out + vb * self.plasma.curve(self.t, "C_blood")
        return out

    def activity(self) -> np.ndarray:
        """Activity (%IA per mL of tissue, not decay-corrected) at the output times."""
        tp = self.params
        return self.particles * (tp.f_rcp * np.exp(-(tp.k_det + tp.lambda_phys) *
                                                   self.t))[:, None]

    def time_integrated_activity(self) -> np.ndarray:
        """Time-integrated activity per cell, %IA h per mL of tissue (trapezoid over the output
        times plus the tail ``A(t_end) / (lambda + k_det)``)."""
        a = self.activity()
        tia = np.trapezoid(a, self.t, axis=0)
        lam = self.params.lambda_phys + self.params.k_det
        if lam > 0:
            tia = tia + a[-1] / lam
        return tia

    def drug_uM(self, species: str = "drug_cell_free") -> np.ndarray:
        """Drug concentration (uM) over time x cell: ``"drug_cell_free"`` (free intracellular,
        for the Emax model), ``"drug_free"`` (interstitial) or an encapsulated pool per mL."""
        dp = self.params.drug
        if dp is None:
            raise DesignError("payloads: the design has no payload; add one to get drug "
                              "concentrations", "payloads")
        per = dp.dose_umol / 100.0 * 1000.0  # % of dose per mL -> uM
        if species == "drug_cell_free":
            f = dp.f_cell * (1.0 + dp.K_bind)
            return self.fields["drug_cell"] / f * per * (~self.tissue.necrotic)
        if species == "drug_free":
            return self.fields["drug_free"] / self.params.epsilon * per
        return self.fields[species] * per


def _viable(tissue: Any) -> np.ndarray:
    return (~np.asarray(tissue.necrotic, dtype=bool)).astype(float)


def simulate_tumor(design: Any = None, tissue: Any = None, *, params: Any = None,
                   plasma: Any = None, times: Any = None, t_end_h: float = 168.0,
                   species: str | None = None, rtol: float = 1e-4, atol: float = 1e-8,
                   progress: Any = None) -> TumorSolution:
    """Simulate particle (and payload) transport in tumour tissue driven by the PBPK plasma.

    Parameters
    ----------
    design
        The design (its tumour); needed unless both ``params`` and ``plasma`` are given.
    tissue
        A :class:`~nanotwin.tumor.tissue.Tissue`; default a Krogh cylinder.
    params
        :class:`~nanotwin.tumor.properties.TransportParameters`; default from the design.
    plasma
        :class:`~nanotwin.tumor.plasma.PlasmaInput`; default from the PBPK of the design.
    times
        Output times (h); default 30 geometric times to ``t_end_h`` (plus 0).
    t_end_h
        Last time (h).
    species
        PBPK species (default the design's).
    rtol, atol
        BDF tolerances (atol in %ID/mL).
    progress
        Optional callable ``progress(fraction)`` called while integrating.

    Returns
    -------
    TumorSolution

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> sol = simulate_tumor(demo_design(), t_end_h=24.0)
    >>> sol.fields["free"].shape[1], bool(sol.tumor_average()[-1] > 0)
    (60, True)
    """
    import scipy.sparse as sp
    from scipy.integrate import solve_ivp

    from nanotwin.tumor.plasma import plasma_input
    from nanotwin.tumor.properties import transport_parameters
    from nanotwin.tumor.tissue import krogh_cylinder

    if params is None or plasma is None:
        if design is None:
            raise DesignError("design: give a design, or both params and plasma", "design")
    tp = params if params is not None else transport_parameters(design, species)
    t_last = float(t_end_h) if times is None else float(np.max(times))
    pin = plasma if plasma is not None else plasma_input(design, species=species,
                                                         t_end_h=max(t_last, 1e-3))
    ts = tissue if tissue is not None else krogh_cylinder()
    if times is None:
        t_out = np.concatenate([[0.0], np.geomspace(min(0.05, t_last), t_last, 30)])
        t_out = np.unique(t_out)
    else:
        t_out = np.asarray(times, dtype=float)
        if t_out.ndim != 1 or t_out.size < 1 or np.any(np.diff(t_out) <= 0) or t_out[0] < 0:
            raise DesignError("times: give increasing hours >= 0, e.g. [0, 1, 24]", "times")
    if t_out[-1] > pin.t_h[-1] + 1e-9:
        raise DesignError(f"times: the plasma input ends at {pin.t_h[-1]:g} h; simulate the "
                          "PBPK to the last output time", "times")
    n = ts.n_cells
    viable = _viable(ts)
    flux = None
    p_field = np.zeros(n)
    if tp.convection and ts.rim_cells.size:
        p_field, F, Fr, Q = pressure_field(ts, tp)
        flux = (F, Fr, Q)
    elif tp.convection:
        p_field = np.full(n, tp.p_v - tp.sigma_T * (tp.pi_v - tp.pi_i))
    sig = tp.sigma if tp.transvascular_convection else 1.0
    A, bvec = transport_operator(ts, tp.D, tp.epsilon, tp.P, flux=flux, W=tp.W, sigma=sig)
    kon = tp.k_on * viable
    kmac = tp.k_mac * viable
    inv_bmax = (1.0 / tp.b_max) if tp.b_max > 0 else 0.0
    inv_mmax = (1.0 / tp.m_max) if tp.m_max > 0 else 0.0
    dp = tp.drug
    n_sp = 4 + (6 if dp is not None else 0)
    if dp is not None:
        Af, bf = transport_operator(ts, dp.D, tp.epsilon, dp.P, flux=flux, W=1.0,
                                    sigma=0.0 if tp.transvascular_convection else 1.0)
        from nanotwin.payload import gate_multiplier, microenvironment, release_hazard

        G_ext = gate_multiplier(dp.gate, microenvironment("tumor"))
        G_int = gate_multiplier(dp.gate, microenvironment("tumor", "intracellular"))
        kcell = dp.k_cell * viable
        back = tp.epsilon / (dp.f_cell * (1.0 + dp.K_bind))

        def hz(tt: float) -> float:
            if dp.release[1] == "none":
                return 0.0
            return float(release_hazard(tt, *dp.release))
    Z = sp.csr_matrix((n, n))
    I_n = sp.identity(n, format="csr")

    def rhs(tt: float, y: np.ndarray) -> np.ndarray:
        Y = y.reshape(n_sp, n)
        c, b, _, m = Y[0], Y[1], Y[2], Y[3]
        sb = 1.0 - b * inv_bmax
        sm = 1.0 - m * inv_mmax
        r_b = kon * c * sb
        r_m = kmac * c * sm
        out = np.empty_like(Y)
        out[0] = A @ c + bvec * pin.at(tt) - r_b + tp.k_off * b - r_m + tp.k_mac_release * m
        out[1] = r_b - (tp.k_off + tp.k_int) * b
        out[2] = tp.k_int * b
        out[3] = r_m - (tp.k_mac_release + tp.k_mac_deg) * m
        if dp is not None:
            ec, eb, ei, em, f, q = Y[4], Y[5], Y[6], Y[7], Y[8], Y[9]
            h = hz(tt)
            kb = kon * sb
            km = kmac * sm
            out[4] = (A @ ec + bvec * pin.at(tt, "C_p_enc") - (kb + km + h * G_ext) * ec
                      + tp.k_off * eb + tp.k_mac_release * em)
            out[5] = kb * ec - (tp.k_off + tp.k_int + h * G_int) * eb
            out[6] = tp.k_int * eb - h * G_int * ei
            out[7] = km * ec - (tp.k_mac_release + tp.k_mac_deg + h * G_int) * em
            up = kcell * (f - back * q)
            # a carrier degraded in a macrophage frees its drug there (-> interstitium)
            out[8] = (Af @ f + bf * pin.at(tt, "C_p_free") + h * (G_ext * ec + G_int * eb
                                                                  + G_int * em)
                      + tp.k_mac_deg * em - up)
            out[9] = up + h * G_int * ei
        if progress is not None:
            progress(min(tt / t_out[-1], 1.0))
        return out.ravel()

    def jac(tt: float, y: np.ndarray) -> Any:
        Y = y.reshape(n_sp, n)
        c, b, m = Y[0], Y[1], Y[3]
        sb = 1.0 - b * inv_bmax
        sm = 1.0 - m * inv_mmax
        d_c_c = -kon * sb - kmac * sm
        d_b_c = kon * sb
        d_c_b = kon * c * inv_bmax + tp.k_off
        d_b_b = -kon * c * inv_bmax - tp.k_off - tp.k_int
        d_m_c = kmac * sm
        d_c_m = kmac * c * inv_mmax + tp.k_mac_release
        d_m_m = -kmac * c * inv_mmax - tp.k_mac_release - tp.k_mac_deg
        D = sp.diags
        blocks: list[list[Any]] = [[None] * n_sp for _ in range(n_sp)]
        blocks[0][0] = A + D(d_c_c)
        blocks[0][1] = D(d_c_b)
        blocks[0][3] = D(d_c_m)
        blocks[1][0] = D(d_b_c)
        blocks[1][1] = D(d_b_b)
        blocks[2][1] = I_n * tp.k_int
        blocks[3][0] = D(d_m_c)
        blocks[3][3] = D(d_m_m)
        blocks[2][2] = Z
        if dp is not None:
            ec, em = Y[4], Y[7]
            h = hz(tt)
            kb = kon * sb
            km = kmac * sm
            blocks[4][4] = A + D(-(kb + km + h * G_ext))
            blocks[4][1] = D(kon * ec * inv_bmax)
            blocks[4][3] = D(kmac * ec * inv_mmax)
            blocks[4][5] = I_n * tp.k_off
            blocks[4][7] = I_n * tp.k_mac_release
            blocks[5][4] = D(kb)
            blocks[5][1] = D(-kon * ec * inv_bmax)
            blocks[5][5] = I_n * -(tp.k_off + tp.k_int + h * G_int)
            blocks[6][5] = I_n * tp.k_int
            blocks[6][6] = I_n * (-h * G_int)
            blocks[7][4] = D(km)
            blocks[7][3] = D(-kmac * em * inv_mmax)
            blocks[7][7] = I_n * -(tp.k_mac_release + tp.k_mac_deg + h * G_int)
            blocks[8][4] = I_n * (h * G_ext)
            blocks[8][5] = I_n * (h * G_int)
            blocks[8][7] = I_n * (h * G_int + tp.k_mac_deg)
            blocks[8][8] = Af + D(-kcell)
            blocks[8][9] = D(kcell * back)
            blocks[9][6] = I_n * (h * G_int)
            blocks[9][8] = D(kcell)
            blocks[9][9] = D(-kcell * back)
        return sp.bmat(blocks, format="csc")

    y0 = np.zeros(n_sp * n)
    if t_out[-1] == 0.0:
        Ysol = y0[:, None]
    else:
        from threadpoolctl import threadpool_limits

        # one BLAS thread: the integrator's small dense products are slower multi-threaded
        with threadpool_limits(limits=1):
            sol = solve_ivp(rhs, (0.0, float(t_out[-1])), y0, method="BDF", t_eval=t_out,
                            jac=jac, rtol=rtol, atol=atol)
        if not sol.success:  # pragma: no cover - BDF with the exact Jacobian
            raise DesignError(f"tumour solver: {sol.message}; try a looser rtol", "rtol")
        Ysol = sol.y
    Yt = Ysol.T.reshape(t_out.size, n_sp, n)
    names = PARTICLE_SPECIES + (DRUG_SPECIES if dp is not None else ())
    fields = {s: np.clip(Yt[:, k, :], 0.0, None) for k, s in enumerate(names)}
    return TumorSolution(t_out, fields, ts, tp, pin, p_field)


def penetration_profile(sol: TumorSolution, time_h: float, species: str | None = None,
                        bin_um: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """Mean concentration (%ID/mL) against distance from the nearest perfused vessel wall.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> sol = simulate_tumor(demo_design(), t_end_h=4.0)
    >>> r, c = penetration_profile(sol, 4.0)
    >>> r.size == c.size and bool(c[0] >= c[-1])
    True
    """
    it = int(np.argmin(np.abs(sol.t - float(time_h))))
    vals = sol.particles[it] if species is None else sol.fields[species][it]
    dist = sol.tissue.distance_um
    V = sol.tissue.volume
    edges = np.arange(0.0, float(dist.max()) + bin_um, bin_um)
    if edges.size < 2:
        edges = np.array([0.0, bin_um])
    k = np.clip(np.digitize(dist, edges) - 1, 0, edges.size - 2)
    w = np.bincount(k, weights=V, minlength=edges.size - 1)
    s = np.bincount(k, weights=V * vals, minlength=edges.size - 1)
    ok = w > 0
    centres = 0.5 * (edges[1:] + edges[:-1])
    return centres[ok], s[ok] / w[ok]


def penetration_distance(sol: TumorSolution, time_h: float, fraction: float = 0.9,
                         species: str | None = None) -> float:
    """Distance from the vessel wall (um) within which ``fraction`` of the particles in the
    tissue lie (volume-weighted), at the output time nearest ``time_h``.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> sol = simulate_tumor(demo_design(), t_end_h=4.0)
    >>> 0 < penetration_distance(sol, 4.0) < sol.tissue.meta["r_krogh_um"]
    True
    """
    it = int(np.argmin(np.abs(sol.t - float(time_h))))
    vals = sol.particles[it] if species is None else sol.fields[species][it]
    amt = vals * sol.tissue.volume
    tot = amt.sum()
    if not tot > 0:
        return float("nan")
    dist = sol.tissue.distance_um
    if sol.tissue.kind == "krogh":
        # cell outer edges (the distance reached by the whole cell)
        edges = sol.tissue.meta["edges_cm"]
        d_out = (edges[1:] - edges[0]) * 1e4
    else:
        d_out = dist + 0.5 * sol.tissue.spacing_cm * 1e4
    order = np.argsort(dist)
    cum = np.cumsum(amt[order]) / tot
    k = int(np.searchsorted(cum, fraction))
    k = min(k, order.size - 1)
    if sol.tissue.kind == "krogh" and k > 0:
        # interpolate inside the cell that crosses the fraction
        lo = cum[k - 1]
        frac = (fraction - lo) / max(cum[k] - lo, 1e-300)
        e = sol.tissue.meta["edges_cm"]
        return float((e[order[k]] - e[0] + frac * (e[order[k] + 1] - e[order[k]])) * 1e4)
    return float(d_out[order[k]])
