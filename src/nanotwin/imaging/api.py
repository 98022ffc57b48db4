"""``nanotwin.imaging.simulate``: design or biodistribution -> image of one modality at one time;
quantification (ROI statistics, %ID/g, SUV, TBR, CNR) and best-contrast time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nanotwin.errors import DesignError
from nanotwin.imaging.image import Image
from nanotwin.imaging.maps import (
    MOLAR_MASS,
    XRAY_ELEMENT,
    Agent,
    OrganTable,
    agent_from_design,
    organ_table,
    pct_id_per_mL_map,
)
from nanotwin.imaging.phantom import Phantom, make_phantom

__all__ = ["simulate", "MODALITIES", "prepare", "quantify", "suv", "best_contrast_time"]

MODALITIES = ("PET", "SPECT", "CT", "MRI", "NIRF", "PA", "CLI", "CRET")


def _norm_modality(m: str) -> str:
    key = m.strip().upper()
    key = {"FLUORESCENCE": "NIRF", "PHOTOACOUSTIC": "PA", "CERENKOV": "CLI", "MR": "MRI"}.get(
        key, key)
    if key not in MODALITIES:
        raise DesignError(f"modality: unknown {m!r}; use one of {', '.join(MODALITIES)}")
    return key


def prepare(source: Any, agent: Agent | None = None, times_h: Any = None,
            ) -> tuple[OrganTable, Agent]:
    """Organ table and agent from a design (simulated with nanotwin.pbpk; a Design or a .yaml /
    .json design file), a result or a table (CSV path or OrganTable).
    """
    if isinstance(source, str | Path) and Path(source).suffix.lower() in (".yaml", ".yml",
                                                                          ".json"):
        from nanotwin.design import load_design

        source = load_design(source)
    if hasattr(source, "nanoparticle") and hasattr(source, "subject"):
        try:
            from nanotwin.pbpk import simulate as pbpk_simulate
        except ImportError:
            raise DesignError("design: the PBPK model (nanotwin.pbpk) is not available; give "
                              "a biodistribution result or a CSV table instead") from None
        t = np.unique(np.concatenate([[0.0], np.atleast_1d(np.asarray(
            times_h if times_h is not None else [1, 4, 24, 48], dtype=float))]))
        ds = pbpk_simulate(source, times=t)
        return organ_table(ds), agent or agent_from_design(source)
    if agent is None:
        agent = Agent()
    return organ_table(source), agent


def simulate(source: Any, modality: str = "PET", time_h: float = 24.0, *,
             agent: Agent | None = None, phantom: Phantom | None = None,
             voxel_mm: float | None = None, noise: bool = True, seed: int | None = None,
             mode: str = "fast", **options: Any) -> Image:
    """Simulate the image a modality would show at ``time_h`` after injection.

    Parameters
    ----------
    source
        A nanotwin design (simulated with the PBPK model), a biodistribution result (xarray
        Dataset with ``pct_id_per_g``, organ x time), a CSV path or an OrganTable.
    modality
        PET, SPECT, CT, MRI, NIRF, PA, CLI (Cerenkov) or CRET (Cerenkov resonance energy
        transfer to the design's dye, named by its contrast ``name``, e.g. "Cy5.5", or given
        as ``fluorophore=Fluorophore(...)``).
    time_h
        Time after injection (h).
    agent
        What was injected (nuclide, MBq, mg, contrast); taken from the design when one is given.
    phantom, voxel_mm
        Digital subject (default: species phantom at the default voxel size).
    noise, seed
        Noise on/off and random seed.
    mode
        ``"fast"`` (image space: blur + noise, every modality) or ``"tomographic"`` (PET and
        SPECT: projection, Poisson noise on the projections, OSEM; see
        :mod:`nanotwin.imaging.tomo`; options views, iterations, subsets, backend).
    **options
        Passed to the modality function (scanner, duration_s, field_T, weighting, ...).

    Examples
    --------
    >>> from nanotwin.imaging.maps import OrganTable
    >>> tab = OrganTable(("liver", "tumor", "muscle", "rest"), np.array([1.0, 24.0]),
    ...                  np.array([[20.0, 15.0], [2.0, 5.0], [1.0, 0.5], [1.0, 0.5]]))
    >>> im = simulate(tab, "PET", 24.0, agent=Agent("F-18", 10.0), voxel_mm=1.0, noise=False)
    >>> im.units, im.modality
    ('Bq/mL', 'PET')
    """
    mod = _norm_modality(modality)
    if mode not in ("fast", "tomographic"):
        raise DesignError(f"mode: unknown {mode!r}; use 'fast' or 'tomographic'")
    if mode == "tomographic" and mod not in ("PET", "SPECT"):
        raise DesignError(f"mode: tomographic mode exists for PET and SPECT only, not {mod}; "
                          f"use mode='fast'")
    table, agent = prepare(source, agent, [time_h])
    ph = phantom or make_phantom(agent.species, voxel_mm, agent.body_weight_g,
                                 agent.tumor_volume_mm3)
    rng = np.random.default_rng(seed)
    pct = table.at(time_h)
    pct_mL, notes = pct_id_per_mL_map(ph, pct)  # %ID/mL
    from nanotwin.imaging import modalities as mods

    if mod in ("PET", "SPECT", "CLI", "CRET"):
        if not agent.nuclide or not agent.injected_MBq:
            raise DesignError(f"radiolabels/administration.injected_activity: {mod} needs a "
                              f"radionuclide and an injected activity; add them to the design")
        from nanotwin.physics import decay_factor

        A = pct_mL / 100.0 * np.float32(agent.injected_MBq * 1e6 * float(
            decay_factor(agent.nuclide, time_h)))
        if mod == "CRET":
            c = agent.contrast_of(("dye",))
            if c is None:
                raise DesignError("contrast: CRET needs a 'dye' component (agent: dye, name, "
                                  "mass_fraction); add one to the design")
            fl = options.pop("fluorophore", None)
            if fl is None:
                if not c.name:
                    raise DesignError("contrast.name: name the dye for CRET (e.g. Cy5.5) or "
                                      "pass fluorophore=Fluorophore(...)")
                fl = c.name
            conc = _element_mg_per_mL(agent, c, pct_mL)
            im = mods.cret(ph, A, conc, agent.nuclide, fluorophore=fl, time_h=time_h,
                           noise=noise, rng=rng, **options)
            im.metadata.update({"organ_fill_notes": notes, "data_source": table.source,
                                "agent": agent.name})
            return im
        fn = {"PET": mods.pet, "SPECT": mods.spect, "CLI": mods.cerenkov}[mod]
        if mode == "tomographic":
            from nanotwin.imaging import tomo

            fn = {"PET": tomo.pet_tomographic, "SPECT": tomo.spect_tomographic}[mod]
        im = fn(ph, A, agent.nuclide, time_h=time_h, noise=noise, rng=rng, **options)
    elif mod == "CT":
        els = {}
        for c in agent.contrast:
            if c.agent in XRAY_ELEMENT:
                els[XRAY_ELEMENT[c.agent]] = _element_mg_per_mL(agent, c, pct_mL)
        im = mods.ct(ph, els, time_h=time_h, noise=noise, rng=rng, **options)
    elif mod == "MRI":
        c = agent.contrast_of(("Gd", "Mn", "iron_oxide"))
        if c is None:
            im = mods.mri(ph, None, time_h=time_h, noise=noise, rng=rng, **options)
        else:
            r1 = options.pop("r1", c.r1)
            r2 = options.pop("r2", c.r2)
            if r1 is None or r2 is None:
                raise DesignError(f"contrast.r1/r2: the {c.agent} component has no relaxivity; "
                                  f"give measured r1 and r2 in 1/(mM s) at your field strength")
            mM = _element_mg_per_mL(agent, c, pct_mL) / MOLAR_MASS[c.agent] * 1e3
            im = mods.mri(ph, mM, r1=r1, r2=r2, time_h=time_h, noise=noise, rng=rng, **options)
    else:  # NIRF, PA
        c = agent.contrast_of(("dye", "pa_absorber"))
        if c is None:
            raise DesignError(f"contrast: {mod} needs a 'dye' or 'pa_absorber' component; add "
                              f"one to the design (agent, mass_fraction, wavelengths)")
        conc = _element_mg_per_mL(agent, c, pct_mL)
        if mod == "NIRF":
            kw = {"excitation_nm": c.excitation_nm or 750.0, "emission_nm": c.emission_nm or 800.0}
            kw.update(options)
            im = mods.nirf(ph, conc, time_h=time_h, noise=noise, rng=rng, **kw)
        else:
            kw = {"wavelength_nm": c.excitation_nm or 800.0}
            kw.update(options)
            im = mods.photoacoustic(ph, conc, time_h=time_h, noise=noise, rng=rng, **kw)
    im.metadata.update({"organ_fill_notes": notes, "data_source": table.source,
                        "agent": agent.name})
    return im


def _element_mg_per_mL(agent: Agent, c: Any, pct_mL: np.ndarray) -> np.ndarray:
    if not agent.particle_mass_mg:
        raise DesignError("administration.dose_mg_per_kg: contrast imaging needs the injected "
                          "particle mass; give a dose in mg/kg")
    return pct_mL / 100.0 * np.float32(agent.particle_mass_mg * c.element_fraction)


def suv(C_Bq_per_mL: float, injected_Bq: float, body_weight_g: float) -> float:
    """Standardised uptake value SUV = C / (A_inj / BW), tissue density 1 g/mL.

    Examples
    --------
    >>> suv(5000.0, 10e6, 25.0)
    0.0125
    """
    return float(C_Bq_per_mL / (injected_Bq / body_weight_g))


def quantify(image: Image, phantom: Phantom, *, agent: Agent | None = None,
             truth: dict[str, float] | None = None, background: str = "muscle",
             erode_mm: float = 0.0) -> list[dict[str, Any]]:
    """ROI statistics per organ: mean, SD, voxels; for PET/SPECT also %ID/g (decay corrected
    back to injection) and SUV; tumour-to-background ratio and CNR (background SD as noise);
    recovery = measured / true when ``truth`` (organ -> true value, image units) is given.

    ROIs are the organ masks, optionally eroded by ``erode_mm`` to avoid spill-in.
    """
    from scipy.ndimage import binary_erosion

    if image.array.ndim != 3:
        raise DesignError("quantify: planar images have no 3-D organ ROIs; use a 3-D modality")
    rows = []
    stats = {}
    for o in phantom.organs:
        m = phantom.mask(o)
        if erode_mm > 0:
            it = max(1, int(round(erode_mm / min(phantom.spacing_mm))))
            m2 = binary_erosion(m, iterations=it)
            m = m2 if m2.any() else m
        v = image.array[m]
        stats[o] = (float(v.mean()) if v.size else float("nan"),
                    float(v.std()) if v.size else float("nan"), int(v.size))
    bg_mean, bg_sd, _ = stats.get(background, (float("nan"), float("nan"), 0))
    for o, (mean, sd, n) in stats.items():
        row: dict[str, Any] = {"organ": o, "mean": mean, "sd": sd, "voxels": n,
                               "units": image.units}
        if agent is not None and agent.injected_MBq and image.modality in ("PET", "SPECT"):
            from nanotwin.imaging.tissue import tissue_of
            from nanotwin.physics import decay_factor

            A0 = agent.injected_MBq * 1e6 * float(decay_factor(agent.nuclide, image.time_h))
            row["pct_id_per_g"] = mean / tissue_of(o).density / A0 * 100.0
            row["suv"] = suv(mean, A0, agent.body_weight_g)
        if bg_mean == bg_mean and bg_mean != 0:
            row["ratio_to_" + background] = mean / bg_mean
        if bg_sd and bg_sd > 0:
            row["cnr"] = (mean - bg_mean) / bg_sd
        if truth and o in truth and truth[o]:
            row["recovery"] = mean / truth[o]
        rows.append(row)
    return rows


def best_contrast_time(images: list[Image], phantom: Phantom, target: str = "tumor",
                       background: str = "muscle") -> tuple[float, float]:
    """Time (h) with the highest target-vs-background CNR among the images of one modality,
    and that CNR."""
    best = (float("nan"), -np.inf)
    for im in images:
        rows = {r["organ"]: r for r in quantify(im, phantom, background=background)}
        cnr = rows.get(target, {}).get("cnr", float("nan"))
        if cnr == cnr and cnr > best[1]:
            best = (im.time_h, cnr)
    return best
