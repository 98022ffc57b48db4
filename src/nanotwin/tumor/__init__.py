"""Inside the tumour: spatial transport, micro-scale dose and treatment response.

The whole-body PBPK (:mod:`nanotwin.pbpk`) gives a tumour's %ID/g; this package resolves what
happens inside it, driven by the PBPK plasma curve: extravasation, hindered diffusion and
convection in the ECM, receptor binding and internalisation, macrophage uptake and payload
release in a Krogh cylinder or a vessel network (:mod:`~nanotwin.tumor.transport`); the
micro-scale absorbed dose of the radiolabel from the dose point kernels of
:mod:`nanotwin.physics.dose_point_kernel` (:mod:`~nanotwin.tumor.microdose`); and the response
(:mod:`~nanotwin.tumor.response`: linear-quadratic with dose rate and repair, RBE, TCP, growth
and regrowth, chemotherapy Emax; :mod:`~nanotwin.tumor.thermal`: photothermal heating;
:mod:`~nanotwin.tumor.radiosensitization`: high-Z dose enhancement).

Examples
--------
>>> from nanotwin.tumor import krogh_cylinder, simulate_tumor
>>> from nanotwin.pbpk import demo_design
>>> sol = simulate_tumor(demo_design(), krogh_cylinder(n_cells=20), t_end_h=24.0)
>>> bool(sol.tumor_average()[-1] > 0)
True
"""

from __future__ import annotations

from nanotwin._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "PlasmaInput": "nanotwin.tumor.plasma",
    "plasma_input": "nanotwin.tumor.plasma",
    "Tissue": "nanotwin.tumor.tissue",
    "krogh_cylinder": "nanotwin.tumor.tissue",
    "vessel_network": "nanotwin.tumor.tissue",
    "TransportParameters": "nanotwin.tumor.properties",
    "transport_parameters": "nanotwin.tumor.properties",
    "ecm_diffusivity": "nanotwin.tumor.properties",
    "simulate_tumor": "nanotwin.tumor.transport",
    "TumorSolution": "nanotwin.tumor.transport",
    "pressure_field": "nanotwin.tumor.transport",
    "steady_state": "nanotwin.tumor.transport",
    "penetration_profile": "nanotwin.tumor.transport",
    "penetration_distance": "nanotwin.tumor.transport",
    "analyze_tumor": "nanotwin.tumor.analysis",
    "TumorAnalysis": "nanotwin.tumor.analysis",
    "ExternalBeam": "nanotwin.tumor.analysis",
    "micro_dose": "nanotwin.tumor.microdose",
    "dose_map": "nanotwin.tumor.microdose",
    "dvh": "nanotwin.tumor.microdose",
    "fraction_below": "nanotwin.tumor.microdose",
    "compare_nuclides": "nanotwin.tumor.microdose",
    "Radiobiology": "nanotwin.tumor.response",
    "GrowthModel": "nanotwin.tumor.response",
    "survival": "nanotwin.tumor.response",
    "tcp": "nanotwin.tumor.response",
    "growth_curve": "nanotwin.tumor.response",
    "protracted_bed": "nanotwin.tumor.response",
    "Laser": "nanotwin.tumor.thermal",
    "photothermal": "nanotwin.tumor.thermal",
    "dose_enhancement_factor": "nanotwin.tumor.radiosensitization",
    "mass_energy_absorption": "nanotwin.tumor.radiosensitization",
    "reference_response": "nanotwin.tumor.endpoints",
    "endpoints_for_doses": "nanotwin.tumor.endpoints",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports("nanotwin.tumor", _LAZY, __all__)
