"""The web app's pages, forms, downloads and safety limits (in-process ASGI client; runs are
queued but not executed here: see test_web_jobs.py and the browser tests for real runs)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from nanotwin.design.forms import dump_design_text, values_for_form
from nanotwin.pbpk import demo_design_mapping

# Starlette's TestClient prefers the httpx2 package and warns when it falls back to httpx
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from nanotwin.web import create_app

    app = create_app(tmp_path / "app.sqlite", start_workers=False, max_pending=3)
    with TestClient(app, follow_redirects=False) as c:
        yield c


def _field_error(page: str, path: str) -> str | None:
    m = re.search(r'<div class="field[^"]*" data-path="' + re.escape(path) +
                  r'">.*?<p class="field-error"[^>]*>(.*?)</p>', page, re.S)
    return html.unescape(m.group(1)) if m else None


def _save_example(client: object) -> str:
    r = client.post("/designs", data=values_for_form(demo_design_mapping()))
    assert r.status_code == 303, r.text[:500]
    return r.headers["location"].split("?")[0]


def test_pages_render(client: object) -> None:
    for path in ("/", "/designs", "/designs/new", "/designs/new?blank=1", "/healthz",
                 "/schema.json", "/static/app.js", "/static/app.css", "/static/plotly.min.js"):
        r = client.get(path)
        assert r.status_code == 200, path
    page = client.get("/designs/new").text
    assert 'name="nanoparticle.hydrodynamic_diameter" value="100"' in page
    assert "https://" not in client.get("/").text  # nothing loaded from the network


def test_field_error_is_next_to_its_field_in_the_cli_words(client: object, tmp_path: Path
                                                          ) -> None:
    from typer.testing import CliRunner

    from nanotwin.cli import app

    m = demo_design_mapping()
    m["nanoparticle"]["zeta_potential"] = "-5 kg"
    values = values_for_form(m)
    r = client.post("/designs", data=values)
    assert r.status_code == 422
    web = _field_error(r.text, "nanoparticle.zeta_potential")
    assert web is not None
    bad = tmp_path / "bad.yaml"
    bad.write_text(dump_design_text(m))
    res = CliRunner().invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    assert res.output.strip() == f"nanotwin: error: bad.yaml: {web}"
    # the posted values are kept in the form
    assert 'value="-5 kg"' in r.text


def test_error_in_a_list_item_and_a_missing_field(client: object) -> None:
    v = values_for_form(demo_design_mapping())
    v["radiolabels.0.chelator"] = "DFO"
    v["radiolabels.0.nuclide"] = "Lu-177"
    r = client.post("/designs", data=v)
    assert r.status_code == 422
    err = _field_error(r.text, "radiolabels.0.chelator")
    assert err and err.startswith("radiolabels.0.chelator: DFO does not hold Lu")
    v = values_for_form(demo_design_mapping())
    v["nanoparticle.hydrodynamic_diameter"] = ""
    r = client.post("/designs", data=v)
    assert _field_error(r.text, "nanoparticle.hydrodynamic_diameter") == (
        "nanoparticle.hydrodynamic_diameter: is required but missing; add it to the design")


def test_save_edit_download_round_trip(client: object) -> None:
    import nanotwin

    loc = _save_example(client)
    assert "Design saved" in client.get(loc + "?saved=1").text
    y = client.get(loc + "/design.yaml")
    assert y.status_code == 200 and "attachment" in y.headers["content-disposition"]
    j = client.get(loc + "/design.json")
    from nanotwin.web.uploads import parse_design_text

    a = nanotwin.load_design(parse_design_text(y.text, "d.yaml"))
    b = nanotwin.load_design(parse_design_text(j.text, "d.json"))
    assert a == b == nanotwin.load_design(demo_design_mapping())
    v = values_for_form(demo_design_mapping())
    v["nanoparticle.hydrodynamic_diameter"] = "80"
    r = client.post(loc, data=v)
    assert r.status_code == 303 and r.headers["location"].startswith(loc)
    assert "hydrodynamic_diameter: 80 nm" in client.get(loc + "/design.yaml").text


def test_upload(client: object) -> None:
    text = dump_design_text(demo_design_mapping())
    r = client.post("/designs/upload", files={"file": ("mine.yaml", text, "application/yaml")})
    assert r.status_code == 303
    bad = text.replace("100 nm", "-100 nm")
    r = client.post("/designs/upload", files={"file": ("../../etc/mine.yaml", bad)})
    assert r.status_code == 422
    assert "mine.yaml: nanoparticle.hydrodynamic_diameter: must be &gt; 0 nm" in r.text
    assert _field_error(r.text, "nanoparticle.hydrodynamic_diameter")
    r = client.post("/designs/upload", files={"file": ("x.yaml", "a: !!python/object:os.X {}")})
    assert r.status_code == 422 and "malformed YAML" in r.text


def test_runs_are_queued_with_stable_links_and_bounded(client: object) -> None:
    loc = _save_example(client)
    r = client.post(loc + "/runs", data={"kind": "biodistribution"})
    assert r.status_code == 303
    run = r.headers["location"]
    assert re.fullmatch(r"/runs/[A-Za-z0-9_-]{12}", run)
    st = client.get("/api" + run).json()
    assert st["status"] == "queued" and st["kind"] == "biodistribution"
    assert client.get(run).status_code == 200
    for kind, extra in (("images", {"mod_PET": "on", "times": "1,24"}), ("report", {})):
        assert client.post(loc + "/runs", data={"kind": kind, **extra}).status_code == 303
    busy = client.post(loc + "/runs", data={"kind": "dose"})
    assert busy.status_code == 503 and "runs waiting or running" in busy.text


def test_bad_run_parameters_come_back_to_the_form(client: object) -> None:
    loc = _save_example(client)
    r = client.post(loc + "/runs", data={"kind": "images", "times": "1,24"})
    assert r.status_code == 303 and "run_error=" in r.headers["location"]
    page = client.get(r.headers["location"]).text
    assert "modalities: tick at least one modality" in page
    r = client.post(loc + "/runs", data={"kind": "sweep", "var_size": "on", "size_lo": "200",
                                         "size_hi": "20", "n": "4"})
    assert "size: low 200 must be &lt; high 20" in client.get(r.headers["location"]).text
    r = client.post(loc + "/runs", data={"kind": "sweep", "var_size": "on", "size_lo": "20",
                                         "size_hi": "200", "n": "3000"})
    assert "more than 2000 design points" in client.get(r.headers["location"]).text
    assert client.post(loc + "/runs", data={"kind": "rm -rf"}).status_code == 400


@pytest.mark.parametrize("path", [
    "/static/../../etc/passwd", "/static/%2e%2e%2fetc%2fpasswd", "/static/report.html.j2",
    "/runs/abcdefabcdef/files/..%2F..%2Fetc%2Fpasswd", "/runs/..%2F..%2Fetc/files/x",
    "/designs/..%2F..%2Fetc%2Fpasswd", "/designs/zzzzzzzzzzzz/design.yaml",
    "/runs/zzzzzzzzzzzz", "/runs/zzzzzzzzzzzz/view.png",
])
def test_no_request_path_reaches_the_file_system(client: object, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "root:" not in r.text


def test_request_size_cap(client: object) -> None:
    big = "x" * (1024 * 1024 + 10)
    r = client.post("/designs", content=big, headers={"content-type":
                                                      "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    r = client.post("/designs/upload", files={"file": ("d.yaml", "# " + "y" * 300_000)})
    assert r.status_code == 422 and "larger than the 256 KiB" in r.text


def test_security_headers(client: object) -> None:
    r = client.get("/designs/new")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
