"""``nanotwin report``: one self-contained HTML file about a design.

The file holds the design (as given, and every field with its unit), the warnings, the defaults
and model assumptions used, the biodistribution (interactive plot, %ID and %ID/g tables, tumour
delivery and contrast), the doses (organ and tumour, Gy/GBq and for the activity, maximum
tolerated activity), fused PET/CT (or SPECT/CT) images over time, the validation status of each
model used (with quick checks run when the report is made) and the provenance (versions, hashes,
data versions). plotly.js and the images are inlined, so the file opens offline and can be
mailed. A section that cannot be computed for a design (e.g. doses without a radiolabel) says
why, in the same one-line message as the CLI, instead of failing the whole report.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nanotwin.errors import DesignError

__all__ = ["build_report", "write_report", "report_context", "default_modalities",
           "html_to_pdf"]

Progress = Callable[[float, str], None]


def _noop(_f: float, _m: str) -> None:
    return None


def default_modalities(design: Any) -> list[str]:
    """PET (positron emitter) or SPECT (other nuclides) of the first radiolabel, and CT.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> default_modalities(demo_design())
    ['PET', 'CT']
    """
    if not design.radiolabels:
        return ["CT"]
    from nanotwin.physics.nuclear import positron_fraction

    nuc = design.radiolabels[0].nuclide
    return ["PET" if positron_fraction(nuc) > 0.01 else "SPECT", "CT"]


def _section(fn: Callable[[], Any]) -> tuple[Any, str | None]:
    try:
        return fn(), None
    except DesignError as exc:
        return None, str(exc)


def image_strip(imgs: Any, view: str = "coronal") -> list[dict[str, Any]]:
    """PNG views (fused over CT where there is a CT) per modality and time, as data URIs."""
    import numpy as np

    from nanotwin.imaging import MODALITIES
    from nanotwin.report.render import view_png

    out = []
    ct = {t: im for (m, t), im in imgs.images.items() if m == "CT"}
    for m in sorted(imgs.modalities, key=MODALITIES.index):
        ims = [imgs.images[(m, t)] for t in imgs.times if (m, t) in imgs.images]
        if not ims or ims[0].array.ndim != 3:
            continue
        vmax = max(float(np.percentile(im.mip(1), 99.9)) for im in ims) or 1.0
        row = {"modality": m, "units": ims[0].units, "panels": []}
        for im in ims:
            if m == "CT":
                png = view_png(im.array, view, None, vmin=-1000.0, vmax=1500.0, cmap="gray",
                               spacing=im.spacing_mm, size=300)
            else:
                under = ct.get(im.time_h)
                png = view_png(im.array, view, None, vmax=vmax, cmap="hot",
                               under=None if under is None else under.array,
                               spacing=im.spacing_mm, size=300)
            row["panels"].append({"time_h": im.time_h, "src": "data:image/png;base64," +
                                  base64.b64encode(png).decode()})
        out.append(row)
    return out


def report_context(source: str | Path | Mapping[str, Any], *,
                   modalities: Sequence[str] | None = None,
                   times_h: Sequence[float] = (1.0, 24.0, 48.0), voxel_mm: float | None = None,
                   checks: bool = True, progress: Progress = _noop,
                   source_text: str | None = None) -> dict[str, Any]:
    """Everything the report shows, computed (see :func:`build_report`)."""
    from nanotwin.design import read_design_file
    from nanotwin.design.forms import dump_design_text, find_field, form_spec
    from nanotwin.report import analysis as an
    from nanotwin.report.render import fig_doses, fig_time_activity

    if isinstance(source, str | Path):
        path = Path(source)
        mapping = read_design_file(path)
        text = source_text or path.read_text(encoding="utf-8")
        origin = path.name
    else:
        mapping = dict(source)
        text = source_text or dump_design_text(mapping)
        origin = "web app"
    progress(0.02, "validating the design")
    design, warnings = an.quiet_design(mapping)
    spec = form_spec()
    fields = []
    for path_, value in an._leaves(mapping).items():
        f = find_field(spec, path_)
        fields.append({"field": path_, "value": value if not isinstance(value, list) else
                       "; ".join(map(str, value)), "unit": f.unit if f else "",
                       "help": f.help if f else ""})
    progress(0.1, "simulating the biodistribution (PBPK)")
    bd, bd_err = _section(lambda: an.biodistribution(design))
    models = ["pbpk"]
    ctx: dict[str, Any] = {
        "title": design.name, "origin": origin, "design_text": text, "fields": fields,
        "warnings": warnings, "design": design,
        "created": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "bd": bd, "bd_error": bd_err, "bd_fig": None, "dose": None, "dose_error": None,
        "images": None, "images_error": None,
        "source_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }
    result = bd["result"] if bd else None
    if bd:
        ctx["bd_fig"] = fig_time_activity(result, "pct_id_per_g")
        ctx["bd_fig_pid"] = fig_time_activity(result, "pct_id")
        progress(0.35, "computing doses (MIRD)")
        dose, ctx["dose_error"] = _section(lambda: an.doses(design, result))
        ctx["dose"] = dose
        if dose:
            models.append("dosimetry")
            ctx["dose_fig"] = fig_doses(dose["rows"])
        progress(0.5, "simulating images")
        mods = list(modalities) if modalities else default_modalities(design)
        imgs, ctx["images_error"] = _images_each(an, design, mods, times_h, voxel_mm,
                                                 progress)
        if imgs:
            models.append("imaging")
            ctx["images"] = image_strip(imgs)
            ctx["quant"] = [r for r in imgs.quantification if r["organ"] == "tumor"]
    ctx["assumptions"] = an.assumptions(mapping, design, result)
    progress(0.8, "running the quick validation checks")
    ctx["validation"] = an.validation_status(models, live=checks)
    ctx["provenance"] = an.provenance(design, result, ctx["dose"]["result"] if ctx["dose"]
                                      else None)
    ctx["provenance"]["design source sha256"] = ctx["source_sha256"]
    progress(0.95, "writing the report")
    return ctx


def _images_each(an: Any, design: Any, mods: Sequence[str], times_h: Sequence[float],
                 voxel_mm: float | None, progress: Progress) -> tuple[Any, str | None]:
    """Images of every modality that the design can give; the others' one-line errors."""
    sets, errors = [], []
    for i, m in enumerate(mods):
        got, err = _section(lambda m=m, i=i: an.images(
            design, [m], times_h, voxel_mm=voxel_mm,
            progress=lambda f, msg: progress(0.5 + 0.25 * (i + f) / len(mods), msg)))
        if got is not None:
            sets.append(got)
        else:
            errors.append(f"{m}: {err}")
    if not sets:
        return None, "; ".join(errors) or None
    first = sets[0]
    for other in sets[1:]:
        first.images.update(other.images)
        first.quantification.extend(other.quantification)
    return first, "; ".join(errors) or None


def _env() -> Any:
    import jinja2

    from nanotwin._paths import package_data

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(package_data("report"))),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined)
    env.filters["g"] = lambda v, p=3: ("–" if v is None else f"{v:.{p}g}"
                                       if isinstance(v, int | float) else str(v))
    return env


def build_report(source: str | Path | Mapping[str, Any], **kw: Any) -> str:
    """The report as one HTML string (plotly.js and images inlined).

    Parameters
    ----------
    source
        A design file (YAML/JSON/TOML) or a design mapping.
    **kw
        ``modalities`` (default: PET or SPECT for the label, and CT), ``times_h`` (images;
        default 1, 24, 48 h), ``voxel_mm``, ``checks`` (run the quick validation checks; default
        True), ``progress`` (callback ``(fraction, message)``).
    """
    import json

    from nanotwin.report.render import plotly_js_path

    ctx = report_context(source, **kw)
    ctx["plotly_js"] = plotly_js_path().read_text(encoding="utf-8")
    ctx["figs_json"] = json.dumps({k: ctx.get(k) for k in ("bd_fig", "bd_fig_pid", "dose_fig")
                                   if ctx.get(k)}).replace("</", "<\\/")
    return _env().get_template("report.html.j2").render(**ctx)


def write_report(source: str | Path | Mapping[str, Any], out: str | Path, *,
                 overwrite: bool = False, **kw: Any) -> Path:
    """Compute the report, then write it to ``out`` (an ``.html`` file).

    The output is checked before anything is computed and written last, atomically (a temporary
    file renamed into place), so a failure leaves no partial file.
    """
    import os
    import tempfile

    from nanotwin.outputs import prepare_output_dir

    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise DesignError(f"--out: {out.name} should end in .html; give e.g. report.html")
    if out.is_dir():
        raise DesignError(f"--out: {out} is a folder; give a file name such as "
                          f"{out / 'report.html'}")
    if out.exists() and not overwrite:
        raise DesignError(f"--out: {out} exists; give a new file name or add --overwrite")
    html = build_report(source, **kw)
    folder = prepare_output_dir(out.parent if str(out.parent) else Path("."), overwrite=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".report-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, *, browser: str | None = None,
                timeout_s: float = 120.0) -> Path:
    """Print a report to PDF with headless Chromium (Debian's ``chromium``; optional).

    The browser is ``browser``, else ``$NANOTWIN_CHROMIUM``, else ``chromium`` on the PATH. It
    runs with a fresh profile, no network services, and a virtual-time budget so the plots are
    drawn before printing.

    Raises
    ------
    DesignError
        If no Chromium is found or it fails (one line).
    """
    import os
    import shutil
    import subprocess
    import tempfile

    exe = browser or os.environ.get("NANOTWIN_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not exe:
        raise DesignError("--pdf: needs Chromium (apt-get install chromium) or "
                          "NANOTWIN_CHROMIUM=/path/to/chromium; the HTML report was written")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    with tempfile.TemporaryDirectory() as profile:
        args = [exe, "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                "--virtual-time-budget=20000", "--no-pdf-header-footer",
                f"--print-to-pdf={pdf_path.resolve()}", html_path.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(2, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            res = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise DesignError(f"--pdf: Chromium did not finish within {timeout_s:g} s; the "
                              "HTML report was written") from None
    if res.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        last = (res.stderr.strip().splitlines() or ["no output"])[-1]
        raise DesignError(f"--pdf: Chromium failed ({last}); the HTML report was written")
    return pdf_path
