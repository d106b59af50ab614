"""What people look at, opened in headless Chromium (Debian's `chromium`, driven by
Playwright; `make test` installs it): the dbt docs site with its lineage graph, and the
HTML outcomes report. Screenshots are kept in target/screenshots/ for a look after CI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import run_pathways

from pathways.core.settings import Settings

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking switches Chromium keeps calling Google's hosts, which
# this machine's closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ROOT = Settings.from_env().project_root
SCREENSHOTS = ROOT / "target" / "screenshots"
EXPOSURE_ORANGE = (255, 105, 75)  # dbt docs draws exposures in #ff694b


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield launched
        launched.close()


def _offline_page(browser, width=1400, height=900):
    """A page that may load file:// URLs only; anything else is recorded and refused."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.external_requests = []
    page.page_errors = []

    def route(route):
        if route.request.url.startswith(("file://", "data:", "about:")):
            route.continue_()
        else:
            page.external_requests.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    return page


@pytest.fixture(scope="module")
def docs_site(e2e_refreshed, tmp_path_factory):
    """`dbt docs generate --static` against the end-to-end build."""
    root, env, _, _ = e2e_refreshed
    target = tmp_path_factory.mktemp("docs")
    dbt = Path(sys.executable).parent / "dbt"
    generated = subprocess.run(
        [str(dbt), "docs", "generate", "--static", "--target-path", str(target),
         "--project-dir", str(ROOT), "--profiles-dir", str(ROOT)],
        env={**env, "PATHWAYS_BUILD_DB": str(root / "build" / "wh_build.duckdb")},
        cwd=root, capture_output=True, text=True, timeout=600)
    assert generated.returncode == 0, generated.stdout[-3000:]
    return target


def test_every_model_column_and_source_is_described(docs_site):
    manifest = json.loads((docs_site / "manifest.json").read_text())
    catalog = json.loads((docs_site / "catalog.json").read_text())
    missing = []
    for unique_id, entry in [*catalog["nodes"].items(), *catalog["sources"].items()]:
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
        if node["resource_type"] not in ("model", "seed", "snapshot", "source"):
            continue
        if not node.get("description"):
            missing.append(unique_id)
        described = {name.lower() for name, column in node["columns"].items()
                     if column.get("description")}
        missing += [f"{unique_id}.{column}" for column in entry["columns"]
                    if column.lower() not in described]
    assert not missing, f"{len(missing)} undescribed: {missing[:20]}"
    exposures = {node["name"] for node in manifest["exposures"].values()}
    assert {"outcomes_api", "outcomes_report", "institution_exports"} <= exposures


def test_the_lineage_graph_renders_with_the_exposures(browser, docs_site):
    page = _offline_page(browser)
    page.goto((docs_site / "static_index.html").as_uri() + "#!/overview?g_v=1")
    page.get_by_text("Lineage Graph").first.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas')].some(c => c.width > 300)",
        timeout=30_000)
    page.wait_for_timeout(1500)  # cytoscape lays the graph out, then draws it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(path=str(SCREENSHOTS / "docs_lineage.png"))
    assert not page.page_errors, page.page_errors
    assert not page.external_requests, page.external_requests
    drawn = page.evaluate("""([r, g, b]) => {
        let painted = 0, orange = 0;
        for (const canvas of document.querySelectorAll('canvas')) {
            if (canvas.width < 300) continue;
            const data = canvas.getContext('2d')
                .getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i + 3] > 0) painted++;
                if (Math.abs(data[i] - r) < 12 && Math.abs(data[i + 1] - g) < 12
                    && Math.abs(data[i + 2] - b) < 12 && data[i + 3] > 200) orange++;
            }
        }
        return {painted, orange};
    }""", list(EXPOSURE_ORANGE))
    assert len(shot) > 10_000
    assert drawn["painted"] > 20_000, drawn  # nodes and edges were drawn
    assert drawn["orange"] > 200, drawn  # the exposures are on the graph


def test_model_and_exposure_pages_show_their_descriptions(browser, docs_site):
    page = _offline_page(browser)
    index = (docs_site / "static_index.html").as_uri()
    page.goto(index + "#!/model/model.pathways.dim_alumni")
    page.get_by_text("current_city").first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "One row per institution and alumnus" in body
    assert "City where the alumnus lives now" in body
    page.goto(index + "#!/exposure/exposure.pathways.outcomes_api")
    page.get_by_text("Outcomes REST API").first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "dim_institutions" in body and "agg_outcomes_by_program" in body


def test_the_overview_page_is_the_methodology_of_every_measure(browser, docs_site):
    page = _offline_page(browser)
    page.goto((docs_site / "static_index.html").as_uri() + "#!/overview")
    page.get_by_text("Methodology").first.wait_for(timeout=30_000)
    body = " ".join(page.inner_text("body").split())
    for measure in ("Occupations (detailed SOC from job titles)", "In field.",
                    "Degree-level jobs", "Modelled earnings: modelled from occupation and "
                    "state, not observed earnings.", "NACE first-destination rates.",
                    "Status at 6 months, 1, 5 and 10 years", "Employers.",
                    "BLS OEWS May 2025", "O*NET 30.1 (Dec 2025)"):
        assert measure in body, measure
    assert ("This product uses public information provided by the O*NET Program: O*NET 30.1 "
            "Database by the U.S. Department of Labor") in body
    assert not page.external_requests


def test_the_outcomes_report_renders_offline_with_every_chart(browser, e2e_refreshed,
                                                               tmp_path):
    root, env, _, _ = e2e_refreshed
    report = tmp_path / "northfield.html"
    written = run_pathways(["report", "outcomes", "--institution", "northfield",
                            "--out", str(report)], env, root)
    assert written.returncode == 0, written.stderr
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org", "")  # self-contained: no script, no fetched asset

    page = _offline_page(browser, width=1200, height=900)
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(path=str(SCREENSHOTS / "outcomes_report.png"), full_page=True)
    assert len(shot) > 50_000
    assert not page.external_requests and not page.page_errors
    titles = page.locator("section h2").all_inner_texts()
    assert titles == ["Employment and further education by program", "Top employers",
                      "Occupations", "Detailed occupations", "Industries", "Where alumni live",
                      "Further education by level", "Further education: colleges",
                      "Outcome measures by program", "Match quality",
                      "History across refreshes"]
    for section in page.locator("section").all():
        # a chart, or a plain statement that suppression left nothing to show
        shown = section.locator("figure svg").count() + section.locator(".empty").count()
        assert shown == 1, section.locator("h2").inner_text()
    charts = page.locator("section figure svg")
    assert charts.count() >= len(titles) - 1  # the small fixture's colleges may all be small
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 40
    assert page.locator("section figure svg .mark-rect path, "
                        "section figure svg .mark-rect rect").count() > 20  # bars drawn

    header = page.inner_text("header p")
    assert "perturbed" in header and "cell-key" in header
    smallest = int(header.split("counts under ")[1].split()[0])
    counted = 0
    for section in page.locator("section").all()[1:8]:  # the breakdowns
        alumni = section.locator("tbody tr td:nth-child(2)").all_text_contents()
        counted += len(alumni)
        assert all(int(value.replace(",", "")) >= smallest for value in alumni)
    assert counted > 30
    footer = page.inner_text("footer")
    attribution = " ".join((ROOT / "reference" / "README.md").read_text(
        encoding="utf-8").replace("\\*", "*")
                           .split("This product uses public information")[1]
                           .split("\n\n")[0].split())
    assert "This product uses public information " + attribution in " ".join(footer.split())
    assert "not observed" in footer
