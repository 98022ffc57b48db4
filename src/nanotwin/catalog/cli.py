"""``nanotwin catalog …``: browse nuclides, theranostic pairs, chelators, platforms, products.

Every number is printed with its unit. Nuclear data come from ICRP-107 via nanotwin.physics.
"""

from __future__ import annotations

import typer

__all__ = ["register"]

_ENERGY_LABELS = [
    ("alpha", "alpha"),
    ("beta-", "beta-"),
    ("beta+", "beta+"),
    ("electron", "conversion + Auger electrons"),
    ("X", "X-rays"),
    ("gamma", "gamma"),
    ("annihilation", "annihilation photons"),
]


def _table(title: str, columns: list[str]):  # noqa: ANN202 - rich Table
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    return table


def _print(obj) -> None:  # noqa: ANN001
    from rich.console import Console

    Console(width=160).print(obj)


def register(app: typer.Typer) -> None:
    """Add the ``catalog`` sub-app to the root app."""
    from nanotwin.cli import handle_errors  # here, not at import: nanotwin.cli imports us

    cat = typer.Typer(name="catalog", no_args_is_help=True,
                      help="Reference catalog: radionuclides, theranostic pairs, chelators, "
                           "nanocarrier platforms and nanomedicine products (each with sources).")
    app.add_typer(cat, name="catalog")

    @cat.command("nuclides")
    @handle_errors
    def nuclides_cmd() -> None:
        """List the medical radionuclides: half-life, decay modes, modalities."""
        from nanotwin.catalog import medical_nuclides, nuclide_info

        t = _table("Medical radionuclides (nuclear data: ICRP-107)",
                   ["nuclide", "half-life", "decay modes", "modalities", "positrons/decay",
                    "uses"])
        for name in medical_nuclides():
            i = nuclide_info(name)
            modes = ", ".join(f"{m} {bf * 100:.3g} %" for m, bf in i.decay_modes.items())
            t.add_row(i.name, i.half_life_text, modes, ", ".join(i.modalities),
                      f"{i.positron_fraction * 100:.3g} %", i.uses)
        _print(t)

    @cat.command("nuclide")
    @handle_errors
    def nuclide_cmd(
        name: str = typer.Argument(..., help="Nuclide, e.g. Lu-177, 177Lu, lu177, 99mTc."),
    ) -> None:
        """Show one radionuclide: half-life, decay, progeny, energies, photon lines, positrons."""
        from nanotwin.catalog import nuclide_info, theranostic_pairs

        i = nuclide_info(name)
        t = _table(f"{i.name} ({'medical' if i.medical else 'not in the medical list'})",
                   ["property", "value"])
        t.add_row("half-life", f"{i.half_life_text} ({i.half_life_h:.6g} h)")
        t.add_row("decay modes",
                  ", ".join(f"{m} {bf * 100:.4g} %" for m, bf in i.decay_modes.items()))
        t.add_row("radioactive progeny", ", ".join(i.progeny) or "none")
        t.add_row("modalities", ", ".join(i.modalities) or "none")
        if i.medical:
            t.add_row("derived from decay data", ", ".join(i.derived_modalities) or "none")
        for key, label in _ENERGY_LABELS:
            t.add_row(f"mean energy: {label}", f"{i.mean_energy_MeV[key] * 1000:.4g} keV/decay")
        if i.positron_fraction > 0:
            t.add_row("positron yield", f"{i.positron_fraction * 100:.4g} %")
            t.add_row("mean positron energy", f"{i.mean_positron_energy_MeV * 1000:.4g} keV")
        t.add_row("betas above Cerenkov threshold (0.264 MeV)",
                  f"{i.cerenkov_betas_per_decay:.3g} per decay")
        lines = "; ".join(f"{e:.4g} keV ({y * 100:.3g} %)" for e, y in i.photon_lines)
        t.add_row("principal photon lines", lines or "none >= 1 %")
        pairs = theranostic_pairs(i.name)
        if pairs:
            t.add_row("theranostic pairs",
                      "; ".join(f"{p.imaging}/{p.therapy}" for p in pairs))
        if i.uses:
            t.add_row("uses", i.uses)
        t.add_row("source", i.source)
        t.add_row("nuclear data", i.data_source)
        _print(t)

    @cat.command("pairs")
    @handle_errors
    def pairs_cmd(
        nuclide: str | None = typer.Option(None, "--nuclide", "-n",
                                           help="Only pairs containing this nuclide."),
    ) -> None:
        """List theranostic pairs (imaging / therapy nuclide) with half-lives and sources."""
        from nanotwin.catalog import nuclide_info, theranostic_pairs

        t = _table("Theranostic pairs", ["imaging", "half-life", "therapy", "half-life",
                                         "kind", "chelator", "example", "source"])
        for p in theranostic_pairs(nuclide):
            t.add_row(p.imaging, nuclide_info(p.imaging).half_life_text, p.therapy,
                      nuclide_info(p.therapy).half_life_text, p.kind, p.chelator or "-",
                      p.example, p.source)
        _print(t)

    @cat.command("chelators")
    @handle_errors
    def chelators_cmd(
        metal: str | None = typer.Option(None, "--metal", "-m",
                                         help="Only chelators holding this element, e.g. Lu."),
    ) -> None:
        """List chelators with the metals they hold and their label-loss half-lives."""
        from nanotwin.catalog import chelators, chelators_for

        names = set(chelators_for(metal)) if metal else None
        t = _table(f"Chelators{' for ' + metal if metal else ''}",
                   ["chelator", "metals (weak)", "label-loss half-life", "labelling", "source"])
        for c in chelators():
            if names is not None and c.name not in names:
                continue
            metals = ", ".join(f"{m}{' (weak)' if m in c.weak_metals else ''}"
                               for m in c.metals)
            half = ", ".join(f"{m}: {v:.4g} h" for m, v in c.detachment_half_life_h.items()
                             if v is not None) or "not published"
            t.add_row(c.name, metals, half, c.labelling_conditions, c.source)
        if names is not None and not names:
            from nanotwin.errors import DesignError

            raise DesignError(f"--metal {metal!r}: no catalog chelator holds this element; "
                              "give an element symbol such as Lu, Zr, Cu, Ga")
        _print(t)

    @cat.command("chelator")
    @handle_errors
    def chelator_cmd(
        name: str = typer.Argument(..., help="Chelator or alias, e.g. DOTA, CHX-A''-DTPA, DFO*."),
    ) -> None:
        """Show one chelator: metals, labelling conditions, in-vivo stability, source."""
        from nanotwin.catalog import get_chelator

        c = get_chelator(name)
        t = _table(c.name, ["property", "value"])
        t.add_row("full name", c.full_name)
        t.add_row("aliases", ", ".join(c.aliases))
        t.add_row("kind / denticity", f"{c.kind} / {c.denticity}")
        t.add_row("metals held", ", ".join(c.metals))
        t.add_row("weak or better alternative", ", ".join(c.weak_metals) or "none")
        t.add_row("labelling conditions", c.labelling_conditions)
        t.add_row("in-vivo stability", c.stability)
        for m, v in c.detachment_half_life_h.items():
            t.add_row(f"label-loss half-life {m}", "not published" if v is None else f"{v:.4g} h")
        t.add_row("basis", c.detachment_basis)
        t.add_row("source", c.source)
        _print(t)

    @cat.command("platforms")
    @handle_errors
    def platforms_cmd() -> None:
        """List nanocarrier platforms: size range, core density, loading, clinical examples."""
        from nanotwin.catalog import platforms

        t = _table("Nanocarrier platforms", ["platform", "size range", "core density",
                                             "loading", "clinical examples", "source"])
        for p in platforms():
            dens = "-" if p.density_g_cm3 is None else f"{p.density_g_cm3:g} g/cm³"
            t.add_row(p.name, f"{p.size_nm[0]:g}-{p.size_nm[1]:g} nm", dens, p.loading,
                      ", ".join(p.clinical_examples) or "-", p.source)
        _print(t)

    @cat.command("products")
    @handle_errors
    def products_cmd() -> None:
        """List approved and pipeline nanomedicines: indication, status, trial IDs."""
        from nanotwin.catalog import products

        t = _table("Nanomedicines", ["product", "platform", "payload", "size", "indication",
                                     "status", "trials", "source"])
        for p in products():
            size = "-" if p.size_nm is None else f"~{p.size_nm:g} nm"
            t.add_row(p.name, p.platform, p.payload, size, p.indication, p.status,
                      ", ".join(p.trial_ids) or "-", p.source)
        _print(t)
