"""End-to-end tests in a real browser: headless Chromium from Debian (``/usr/bin/chromium``)
driven by Playwright, against a running ``nanotwin serve``.

Fill the form, see a field error, save, run a biodistribution and see its plot, download files,
upload a design, run images and move the time slider. Screenshots go to the folder named by
``NANOTWIN_SCREENSHOTS`` (default: the test's temporary folder).

Without Chromium or Playwright the tests are skipped locally; under CI (``CI`` set) that is an
error, since ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}; .ci/run installs it (apt-get install chromium, pip install "
                    "playwright)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, chromium: str | None) -> Iterator[object]:
    exe = chromium
    if exe is None:
        _missing("Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        # a persistent context gives the fresh --user-data-dir the brief asks for
        ctx = pw.chromium.launch_persistent_context(
            str(profile), executable_path=exe, headless=True, args=FLAGS,
            accept_downloads=True, viewport={"width": 1280, "height": 900})
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = os.environ.get("NANOTWIN_SCREENSHOTS")
    p = Path(d) if d else tmp_path_factory.mktemp("screens")
    p.mkdir(parents=True, exist_ok=True)
    return p


def _wait_done(page: object, timeout_ms: int = 240_000) -> None:
    page.wait_for_selector("#run-status[data-status=done], #run-status[data-status=failed]",
                           timeout=timeout_ms)
    status = page.get_attribute("#run-status", "data-status")
    assert status == "done", page.inner_text("#run-status")


def _image_shown(page: object, condition: str = "true") -> None:
    """Wait until the viewer's image meets ``condition`` and has loaded (a function, not a
    string to evaluate: the app's Content-Security-Policy forbids eval)."""
    page.wait_for_function("() => { const img = document.getElementById('v-img'); return ("
                           + condition + ") && img.complete && img.naturalWidth > 0; }")


def test_form_error_save_run_plot_download(server: object, browser: object, shots: Path,
                                           ) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # the form's 422 answer (the field error) is logged by Chromium as a failed load: expected
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "422" not in
            m.text else None)
    page.goto(server.url + "/designs/new")
    assert page.input_value("[name='nanoparticle.hydrodynamic_diameter']") == "100"
    assert page.inner_text("[data-path='nanoparticle.hydrodynamic_diameter'] .unit") == "nm"

    # a field error: shown next to its field, in the CLI's words
    page.fill("[name='name']", "browser test liposome")
    page.fill("[name='nanoparticle.hydrodynamic_diameter']", "-5")
    page.click("#save")
    err = page.locator("[data-path='nanoparticle.hydrodynamic_diameter'] .field-error")
    err.wait_for()
    assert err.inner_text() == ("nanoparticle.hydrodynamic_diameter: must be > 0 nm, got -5 nm; "
                                "give the DLS diameter, e.g. 30 nm")
    assert page.get_attribute("[name='nanoparticle.hydrodynamic_diameter']",
                              "aria-invalid") == "true"
    page.locator("[data-path='nanoparticle.hydrodynamic_diameter']").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "browser_field_error.png"))

    # fix it, add a ligand with the "Add" button, save
    page.fill("[name='nanoparticle.hydrodynamic_diameter']", "80")
    page.click("fieldset[data-path='nanoparticle.ligands'] > button.add")
    page.fill("[name='nanoparticle.ligands.0.name']", "cRGD")
    page.select_option("[name='nanoparticle.ligands.0.kind']", "peptide")
    page.fill("[name='nanoparticle.ligands.0.target']", "integrin avb3")
    page.fill("[name='nanoparticle.ligands.0.copies_per_particle']", "50")
    page.fill("[name='nanoparticle.ligands.0.kd']", "10")
    page.click("#save")
    page.wait_for_url(re.compile(r"/designs/[A-Za-z0-9_-]+\?saved=1"))
    assert page.input_value("[name='nanoparticle.ligands.0.kd']") == "10"
    assert page.input_value("[name='nanoparticle.hydrodynamic_diameter']") == "80"
    design_url = page.url.split("?")[0]

    # download the design (YAML) and check it is the saved design
    with page.expect_download() as dl:
        page.click("#dl-yaml")
    text = Path(dl.value.path()).read_text()
    assert "hydrodynamic_diameter: 80 nm" in text and "cRGD" in text

    # run a biodistribution and see its plot
    page.click("#run-biodistribution")
    page.wait_for_url(re.compile(r"/runs/[A-Za-z0-9_-]+$"))
    run_url = page.url
    _wait_done(page)
    page.wait_for_selector("#fig-bd[data-drawn] .main-svg")
    legend = page.locator("#fig-bd .legend").text_content() or ""
    assert "tumor" in legend and "liver" in legend
    assert page.locator("#fig-bd .scatterlayer .trace").count() >= 6
    assert "DE24" in page.inner_text("#summary-table")
    page.screenshot(path=str(shots / "browser_biodistribution.png"), full_page=True)

    # the %ID tab draws the second plot; the link is stable (reload gives the same page)
    page.click("button.tab[data-fig='fig-pid']")
    page.wait_for_selector("#fig-pid[data-drawn] .main-svg")
    page.goto(run_url)
    page.wait_for_selector("#fig-bd[data-drawn] .main-svg")

    # download the CSV
    with page.expect_download() as dl:
        page.click("#downloads a[href$='biodistribution.csv']")
    head = Path(dl.value.path()).read_text().splitlines()[0]
    assert "organ" in head and "time" in head  # columns organ, time_h, ...
    assert dl.value.suggested_filename == "biodistribution.csv"

    # the design page lists the run
    page.goto(design_url)
    assert page.locator(f"a[href='{run_url.split(server.url)[1]}']").count() == 1
    assert not errors, errors
    page.close()


def test_upload_error_then_images_with_time_slider(server: object, browser: object,
                                                   shots: Path, tmp_path: Path) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # an uploaded design with a bad field: the form shows the file's values and the error
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad upload\nnanoparticle:\n  platform: gold\n"
                   "  hydrodynamic_diameter: 30 nm\n  zeta_potential: 20 kV\n")
    page.goto(server.url + "/designs/new")
    page.set_input_files("#upload-file", str(bad))
    page.click("#upload")
    page.wait_for_selector("#upload-error")
    err = page.locator("[data-path='nanoparticle.zeta_potential'] .field-error").inner_text()
    assert err.startswith("nanoparticle.zeta_potential:")
    assert page.input_value("[name='nanoparticle.platform']") == "gold"
    page.screenshot(path=str(shots / "browser_upload_error.png"))

    # a good upload
    good = tmp_path / "good.yaml"
    from nanotwin.design.forms import dump_design_text
    from nanotwin.pbpk import demo_design_mapping

    good.write_text(dump_design_text(demo_design_mapping()))
    page.set_input_files("#upload-file", str(good))
    page.click("#upload")
    page.wait_for_url(re.compile(r"/designs/[A-Za-z0-9_-]+\?saved=1"))

    # images: PET and CT at 1 and 24 h; fused coronal MIP, then the time slider and a slice
    page.fill("form:has(#run-images) [name='times']", "1,24")
    page.click("#run-images")
    page.wait_for_url(re.compile(r"/runs/[A-Za-z0-9_-]+$"))
    _wait_done(page)
    img = page.locator("#v-img")
    _image_shown(page)
    assert page.input_value("#v-mod") == "PET"
    src0 = img.get_attribute("src")
    assert "fused=1" in src0 and "t=1" in src0
    page.screenshot(path=str(shots / "browser_pet_ct_1h.png"), full_page=True)
    page.locator("#v-time").fill("1")
    _image_shown(page, "img.src.indexOf('t=24') > 0")
    assert page.inner_text("#v-time-label") == "24 h"
    page.uncheck("#v-mip")
    page.select_option("#v-view", "axial")
    _image_shown(page, "img.src.indexOf('view=axial') > 0 && img.src.indexOf('slice=-1') < 0")
    page.screenshot(path=str(shots / "browser_pet_ct_24h_axial.png"), full_page=True)

    with page.expect_download() as dl:
        page.click("#downloads a[href$='images_dicom.zip']")
    import zipfile

    with zipfile.ZipFile(dl.value.path()) as z:
        names = z.namelist()
    assert any(n.startswith("pet_24h_dicom/") and n.endswith(".dcm") for n in names)
    assert not errors, errors
    page.close()
