"""The nanotwin web application (FastAPI, server-rendered Jinja2 pages, plotly.js served locally).

Pages: ``/`` (start), ``/designs`` (saved designs), ``/designs/new`` (the form, with the built-in
example), ``/designs/{id}`` (edit, download, run), ``/runs/{id}`` (progress, then results: a
stable link). JSON: ``/api/runs/{id}``, ``/schema.json``, ``/healthz``. Files:
``/runs/{id}/files/{name}`` (looked up in the database), ``/runs/{id}/view.png`` (image slices
and MIPs rendered on request), ``/static/{name}`` (a fixed list of files shipped in the package).

No part of a request path names a file: static files come from a fixed table, results from the
database. Request bodies are capped (:data:`MAX_BODY_BYTES`).
"""

from __future__ import annotations

import io
import json
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from nanotwin.errors import DesignError

# This module is imported only by ``nanotwin serve`` (nanotwin.web imports it on first use), so
# FastAPI is imported at its top: FastAPI reads the handlers' annotations from module globals.

__all__ = ["create_app", "MAX_BODY_BYTES"]

#: Largest request body accepted (bytes): a design upload is capped lower, at 256 KiB.
MAX_BODY_BYTES = 1024 * 1024

_ID = re.compile(r"^[A-Za-z0-9_-]{6,32}$")
_FILE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class _BodyLimit:
    """ASGI middleware: refuse request bodies larger than ``limit`` bytes with 413."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _plain(send, 413, f"request larger than {self.limit // 1024} KiB; a design "
                         "file may have at most 256 KiB")
            return
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    return {"type": "http.disconnect"}
            return msg

        await self.app(scope, limited, send)


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _static_files() -> dict[str, tuple[Path, str]]:
    from nanotwin._paths import package_data
    from nanotwin.report.render import plotly_js_path

    web = package_data("web", "static")
    return {"plotly.min.js": (plotly_js_path(), "application/javascript"),
            "app.js": (web / "app.js", "application/javascript"),
            "app.css": (web / "app.css", "text/css")}


def _error_target(message: str, names: set[str], fallback: str | None) -> str:
    """The form input (or group) an error message is about: its leading ``field:`` part."""
    head = message.split(": ", 1)[0].strip()
    for cand in (head, fallback or ""):
        parts = cand.split(".")
        while parts:
            key = ".".join(parts)
            if key in names:
                return key
            parts.pop()
    return ""


def _indices(values: dict[str, str], errors: dict[str, str], path: str) -> list[int]:
    """List indices present under ``path`` in the form values (or errors)."""
    pat = re.compile(re.escape(path) + r"\.(\d+)(?:\.|$)")
    found = {int(m.group(1)) for k in (*values, *errors) if (m := pat.match(k))}
    return sorted(found)


def create_app(db_path: str | Path, *, workers: int = 1, max_pending: int = 32,
               start_workers: bool = True) -> Any:
    """Build the ASGI app.

    Parameters
    ----------
    db_path
        SQLite database file (created if missing) for designs, runs and result files.
    workers
        Worker processes for runs (the bound on simultaneous simulations).
    max_pending
        Runs allowed to wait or run at once; more are refused with HTTP 503.
    start_workers
        Start the worker pool with the app (off: runs stay queued, for tests of the pages).
    """
    import contextlib
    import functools

    import jinja2

    import nanotwin
    from nanotwin._paths import package_data
    from nanotwin.design import forms
    from nanotwin.design.forms import dump_design_text
    from nanotwin.report.analysis import SWEEP_VARIABLES, quiet_design
    from nanotwin.results import stable_hash
    from nanotwin.web.jobs import BusyError, JobManager
    from nanotwin.web.store import Store
    from nanotwin.web.tasks import IMAGE_MODALITIES
    from nanotwin.web.uploads import MAX_DESIGN_BYTES, parse_design_text, safe_filename

    store = Store(db_path)
    jobs = JobManager(store, workers=workers, max_pending=max_pending)
    static = {k: (p.read_bytes(), mt) for k, (p, mt) in _static_files().items()}
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(package_data("web", "templates"))),
        autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["g"] = lambda v, p=3: ("–" if v is None else f"{v:.{p}g}"
                                       if isinstance(v, int | float) else str(v))
    env.filters["tojson_safe"] = lambda v: json.dumps(v).replace("</", "<\\/")
    env.filters["kib"] = lambda n: (f"{n / 1e6:.1f} MB" if n >= 1e6 else
                                    f"{n / 1e3:.0f} kB")
    env.globals.update(version=nanotwin.__version__, indices=_indices)
    env.tests["instanceof_group"] = lambda n: isinstance(n, forms.Group)
    spec = forms.form_spec()
    leaf_names = {f.path for f in forms.iter_fields(spec)}
    group_names = {g.path for g in forms._groups(spec)}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> Any:
        if start_workers:
            jobs.start()
        try:
            yield
        finally:
            if start_workers:
                jobs.shutdown()

    app = FastAPI(title="nanotwin", version=nanotwin.__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store, app.state.jobs = store, jobs

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault(
                "Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; "
                "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
        return response

    def page(template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = env.get_template(template).render(**ctx)
        return HTMLResponse(html, status_code=status)

    def not_found(what: str) -> HTMLResponse:
        return page("error.html", 404, title="not found",
                    message=f"{what} not found; it may have been typed wrong")

    # ------------------------------------------------------------------ form helpers
    def field_messages(message: str, exc_field: str | None, mapping: dict[str, Any]
                       ) -> dict[str, str]:
        target = _error_target(message, leaf_names | group_names | _concrete(mapping),
                               exc_field)
        return {target: message}

    def _concrete(mapping: dict[str, Any]) -> set[str]:
        return set(forms.values_for_form(mapping)) | {
            k.rsplit(".", 1)[0] for k in forms.values_for_form(mapping)}

    def design_page(*, design_id: str | None, values: dict[str, str],
                    errors: dict[str, str] | None = None,
                    warnings: dict[str, str] | None = None, status: int = 200,
                    notice: str = "", upload_error: str = "", run_error: str = "",
                    name: str = "") -> HTMLResponse:
        runs = store.list_runs(design_id) if design_id else []
        return page("design.html", status, spec=spec, values=values, errors=errors or {},
                    warnings=warnings or {}, design_id=design_id, runs=runs, notice=notice,
                    upload_error=upload_error, run_error=run_error, name=name,
                    modalities=IMAGE_MODALITIES, sweep_variables=SWEEP_VARIABLES,
                    title=name or "new design", max_kib=MAX_DESIGN_BYTES // 1024)

    def warn_map(texts: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for w in texts:
            key = _error_target(w, leaf_names | group_names, None)
            out[key] = (out[key] + " " if key in out else "") + w
        return out

    def save(mapping: dict[str, Any], design_id: str | None, values: dict[str, str]
             ) -> Response:
        try:
            design, warns = quiet_design(mapping)
        except DesignError as exc:
            return design_page(design_id=design_id, values=values, status=422,
                               errors=field_messages(str(exc), exc.field, mapping),
                               name=str(mapping.get("name", "")))
        did = store.save_design(design.name, dump_design_text(mapping), stable_hash(design),
                                design_id)
        suffix = "?saved=1" + ("&warn=1" if warns else "")
        return RedirectResponse(f"/designs/{did}{suffix}", status_code=303)

    def get_design_mapping(design_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        if not _ID.match(design_id):
            return None
        row = store.get_design(design_id)
        if row is None:
            return None
        return row, parse_design_text(row["source"], "design.yaml")

    # ------------------------------------------------------------------ pages
    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "version": nanotwin.__version__, **jobs.status()}

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return page("index.html", title="nanotwin", designs=store.list_designs(20),
                    runs=store.list_runs(limit=15), jobs=jobs.status())

    @app.get("/designs", response_class=HTMLResponse)
    def designs() -> HTMLResponse:
        return page("designs.html", title="designs", designs=store.list_designs(),
                    runs=store.list_runs(limit=50))

    @app.get("/designs/new", response_class=HTMLResponse)
    def new_design(blank: int = 0) -> HTMLResponse:
        from nanotwin.pbpk import demo_design_mapping

        mapping = {} if blank else demo_design_mapping()
        return design_page(design_id=None, values=forms.values_for_form(mapping),
                           name="" if blank else mapping["name"])

    @app.post("/designs")
    async def create_design(request: Request) -> Response:
        form = dict(await request.form())
        values = {k: str(v) for k, v in form.items()}
        return save(forms.form_to_mapping(values), None, values)

    @app.post("/designs/example")
    def save_example() -> Response:
        from nanotwin.pbpk import demo_design_mapping

        mapping = demo_design_mapping()
        return save(mapping, None, forms.values_for_form(mapping))

    @app.post("/designs/upload")
    async def upload(file: UploadFile, design_id: str | None = Form(None)) -> Response:
        if design_id is not None and not _ID.match(design_id):
            design_id = None
        name = safe_filename(file.filename)
        data = await file.read(MAX_DESIGN_BYTES + 1)
        try:
            mapping = parse_design_text(data, name)
        except DesignError as exc:
            return design_page(design_id=design_id, values={}, upload_error=str(exc),
                               status=422)
        try:
            design, _ = quiet_design(mapping)
        except DesignError as exc:
            msg = str(exc)
            return design_page(design_id=design_id, values=forms.values_for_form(mapping),
                               errors=field_messages(msg, exc.field, mapping),
                               upload_error=f"{name}: {msg}", status=422,
                               name=str(mapping.get("name", "")))
        did = store.save_design(design.name, dump_design_text(mapping), stable_hash(design),
                                design_id)
        return RedirectResponse(f"/designs/{did}?saved=1", status_code=303)

    @functools.lru_cache(maxsize=256)
    def warnings_of(source: str) -> tuple[str, ...]:
        return tuple(quiet_design(parse_design_text(source, "design.yaml"))[1])

    @app.get("/designs/{design_id}", response_class=HTMLResponse)
    def show_design(design_id: str, saved: int = 0, warn: int = 0,
                    run_error: str = "") -> HTMLResponse:
        got = get_design_mapping(design_id)
        if got is None:
            return not_found("design")
        row, mapping = got
        return design_page(design_id=design_id, values=forms.values_for_form(mapping),
                           warnings=warn_map(list(warnings_of(row["source"]))), name=row["name"],
                           notice="saved" if saved else "", run_error=run_error[:300])

    @app.post("/designs/{design_id}")
    async def update_design(design_id: str, request: Request) -> Response:
        if get_design_mapping(design_id) is None:
            return not_found("design")
        form = dict(await request.form())
        values = {k: str(v) for k, v in form.items()}
        return save(forms.form_to_mapping(values), design_id, values)

    @app.get("/designs/{design_id}/design.{fmt}")
    def download_design(design_id: str, fmt: str) -> Response:
        got = get_design_mapping(design_id)
        if got is None or fmt not in ("yaml", "json"):
            return not_found("design")
        row, mapping = got
        text = dump_design_text(mapping, fmt)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", row["name"]).strip("_")[:60] or "design"
        media = "application/yaml" if fmt == "yaml" else "application/json"
        return Response(text, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})

    def run_params(kind: str, form: dict[str, str]) -> dict[str, Any]:
        from nanotwin.imaging.cli import _floats

        def num(key: str, field: str) -> float | None:
            text = form.get(key, "").strip()
            if not text:
                return None
            try:
                return float(text)
            except ValueError:
                raise DesignError(f"{field}: {text!r} is not a number; give a number") from None

        if kind in ("dose",):
            phantom = form.get("phantom", "").strip()
            from nanotwin.dosimetry import PHANTOMS

            if phantom and phantom not in PHANTOMS:
                raise DesignError(f"phantom: {phantom!r} unknown; use one of "
                                  f"{', '.join(PHANTOMS)}")
            return {"phantom": phantom or None, "activity_MBq": num("activity", "activity")}
        if kind in ("images", "report"):
            mods = [m for m in IMAGE_MODALITIES if form.get(f"mod_{m}")]
            times = _floats(form.get("times", "1,24,48"), "times")
            if len(times) > 8 or any(not 0 < t <= 24 * 30 for t in times):
                raise DesignError("times: give 1 to 8 times between 0 and 720 h, e.g. 1,24,48")
            if kind == "images" and not mods:
                raise DesignError("modalities: tick at least one modality, e.g. PET and CT")
            voxel = num("voxel", "voxel")
            if voxel is not None and not 0.25 <= voxel <= 10:
                raise DesignError("voxel: give a voxel size between 0.25 and 10 mm")
            return {"modalities": mods, "times_h": times, "voxel_mm": voxel,
                    "dicom": bool(form.get("dicom", "on"))}
        if kind == "sweep":
            from nanotwin.population import load_study

            variables = {}
            for v in SWEEP_VARIABLES:
                if form.get(f"var_{v}"):
                    lo, hi = num(f"{v}_lo", f"{v} low"), num(f"{v}_hi", f"{v} high")
                    if lo is None or hi is None:
                        raise DesignError(f"{v}: give both the low and the high value")
                    variables[v] = [lo, hi]
            if not variables:
                raise DesignError("variables: tick at least one design variable to sweep")
            n = int(num("n", "points") or 16)
            gens = int(num("generations", "generations") or 0)
            objectives = [{"endpoint": form.get(f"obj{i}", ""), "goal": form.get(f"goal{i}",
                                                                                 "max")}
                          for i in (1, 2) if form.get(f"obj{i}")]
            nuclides = [x.strip() for x in form.get("nuclides", "").split(",") if x.strip()]
            spec_: dict[str, Any] = {"method": form.get("method", "lhs"), "n": n,
                                     "variables": variables, "nuclides": nuclides,
                                     "objectives": objectives, "generations": gens,
                                     "population": max(4, n)}
            points = n ** len(variables) if spec_["method"] == "grid" else n
            if points * max(1, len(nuclides)) * (1 + gens) > 2000:
                raise DesignError("sweep: more than 2000 design points; lower the number of "
                                  "points, levels or generations")
            act = num("activity", "activity")
            if act:
                spec_["therapy_activity"] = f"{act} MBq"
            # validate now, so a mistake is reported on the form rather than by a failed run
            load_study({"name": "check", "design": "design.yaml",
                        **{k: spec_[k] for k in ("therapy_activity",) if k in spec_},
                        "sweep": {k: v for k, v in spec_.items() if k != "therapy_activity"}})
            return spec_
        return {}

    @app.post("/designs/{design_id}/runs")
    async def start_run(design_id: str, request: Request) -> Response:
        from urllib.parse import quote

        got = get_design_mapping(design_id)
        if got is None:
            return not_found("design")
        row, _ = got
        form = {k: str(v) for k, v in (await request.form()).items()}
        kind = form.get("kind", "")
        from nanotwin.web.store import RUN_KINDS

        if kind not in RUN_KINDS:
            return page("error.html", 400, title="bad request",
                        message=f"kind: {kind!r} unknown; use one of {', '.join(RUN_KINDS)}")
        try:
            params = run_params(kind, form)
            rid = jobs.submit(design_id, kind, params, row["source"])
        except BusyError as exc:
            return page("error.html", 503, title="busy", message=str(exc))
        except DesignError as exc:
            return RedirectResponse(f"/designs/{design_id}?run_error={quote(str(exc))}#run",
                                    status_code=303)
        return RedirectResponse(f"/runs/{rid}", status_code=303)

    def get_run(run_id: str) -> dict[str, Any] | None:
        return store.get_run(run_id) if _ID.match(run_id) else None

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def show_run(run_id: str) -> HTMLResponse:
        run = get_run(run_id)
        if run is None:
            return not_found("run")
        design = store.get_design(run["design_id"])
        return page("run.html", run=run, design=design, title=f"{run['kind']} run")

    @app.get("/api/runs/{run_id}")
    def run_status(run_id: str) -> Response:
        run = get_run(run_id)
        if run is None:
            return JSONResponse({"error": "run not found"}, status_code=404)
        keep = ("id", "design_id", "kind", "status", "progress", "message", "error",
                "created", "started", "finished", "params")
        out = {k: run[k] for k in keep}
        out["files"] = [f["name"] for f in run["files"]]
        return JSONResponse(out)

    @app.get("/runs/{run_id}/files/{name}")
    def download(run_id: str, name: str, inline: int = 0) -> Response:
        if not _ID.match(run_id) or not _FILE.match(name):
            return not_found("file")
        got = store.get_file(run_id, name)
        if got is None:
            return not_found("file")
        media, data = got
        disp = "inline" if inline and media in ("text/html", "image/png") else "attachment"
        headers = {"Content-Disposition": f'{disp}; filename="{name}"'}
        if media == "text/html":
            headers["Content-Security-Policy"] = "sandbox allow-scripts"
        return Response(data, media_type=media, headers=headers)

    volumes: OrderedDict[str, Any] = OrderedDict()

    def load_volumes(run_id: str) -> Any:
        import numpy as np

        if run_id in volumes:
            volumes.move_to_end(run_id)
            return volumes[run_id]
        got = store.get_file(run_id, "volumes.npz")
        if got is None:
            return None
        with np.load(io.BytesIO(got[1])) as z:
            vols = {k: z[k] for k in z.files}
        volumes[run_id] = vols
        while len(volumes) > 4:
            volumes.popitem(last=False)
        return vols

    @app.get("/runs/{run_id}/view.png")
    def view(run_id: str, m: str = "PET", t: float = 24.0, view: str = "coronal",
             slice: int = -1, fused: int = 1) -> Response:  # noqa: A002
        from nanotwin.report.render import VIEWS, view_png

        run = get_run(run_id)
        if run is None or run["kind"] != "images" or run["status"] != "done":
            return not_found("image")
        info = run["summary"]
        key = f"{m}|{t:g}"
        if key not in info["volume_keys"] or view not in VIEWS:
            return not_found("image")
        vols = load_volumes(run_id)
        vol = vols[info["volume_keys"][key]]
        lo, hi = info["range"][m]
        ct_key = f"CT|{t:g}"
        under = None
        if fused and m in ("PET", "SPECT", "CLI", "CRET") and ct_key in info["volume_keys"]:
            under = vols[info["volume_keys"][ct_key]]
        cmap = "gray" if m in ("CT", "MRI") else "hot"
        png = view_png(vol, view, None if slice < 0 else slice, vmin=lo, vmax=hi, cmap=cmap,
                       under=under, spacing=tuple(info["spacing_mm"]), size=460)
        return Response(png, media_type="image/png",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/schema.json")
    def schema() -> Response:
        return JSONResponse(nanotwin.design_schema())

    @app.get("/static/{name}")
    def static_file(name: str) -> Response:
        if name not in static:
            return Response("not found", status_code=404, media_type="text/plain")
        data, media = static[name]
        return Response(data, media_type=media, headers={
            "Cache-Control": "public, max-age=3600"})

    app.add_middleware(_BodyLimit, limit=MAX_BODY_BYTES)
    return app
