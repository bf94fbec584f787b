"""The public site: built from a pipeline run on the small sample, then driven in a real browser.

The browser is Debian's chromium (never a downloaded one) with every non-``file://`` request blocked:
the site must work offline.  Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from helpers.data.ingest import ingest, write_processed
from helpers.pipeline import RunSettings, read_run_manifest, run
from helpers.privacy import SMALL_CELL, find_identifiers
from helpers.site import dashboard
from helpers.site.build import build_book, external_references, prepare_site
from helpers.site.glossary import lookup

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
COUNTY = "Los Angeles"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the book sources, one county run through the pipeline, and the built site."""
    root = tmp_path_factory.mktemp("site")
    work = tmp_path_factory.mktemp("work")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "_static", root / "_static")
    for name in ("data", "configs"):  # pages include reference tables and configuration files
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    shutil.copytree(
        ROOT / "book", root / "book", ignore=shutil.ignore_patterns("counties", "generated")
    )
    processed = work / "processed"
    write_processed(ingest(ROOT / "data" / "sample", "2026-05-01"), processed)
    settings = RunSettings(
        data=processed,
        jobs=1,
        out_root=root / "book" / "counties",
        shared_root=work / "shared",
    )
    results = run(settings, [COUNTY], progress=False)
    assert [r.status for r in results] == ["ran"], [r.error for r in results]
    prepare_site(work / "shared", root)
    html = build_book(root)
    manifest = read_run_manifest(work / "shared")
    return {"root": root, "html": html, "shared": work / "shared", "manifest": manifest}


def test_site_is_built_offline_and_complete(built) -> None:
    html = built["html"]
    assert (html / "index.html").exists()
    for page in (
        "book/dashboards/commitments.html",
        "book/dashboards/demographics.html",
        "book/playground.html",
        "book/county-reports.html",
        "book/counties/los-angeles/05-county-report.html",
        "book/counties/los-angeles/04-bias-audit.html",
        "book/about/glossary.html",
        "book/about/changelog.html",
        "book/accountability.html",
    ):
        assert (html / page).exists(), page
    # Annual reports of the counties with reviews in the log's last complete year, and their
    # press releases, with pseudonymous case IDs (the privacy scan below checks the whole site).
    annual = sorted((html / "book" / "generated" / "accountability").glob("*-20??.html"))
    assert annual, "no county annual report page"
    assert "Compliance with the review mandate" in annual[0].read_text()
    assert external_references(html) == []
    assert (html / "_static" / "vendor" / "vega-bundle.js").stat().st_size > 500_000
    # Leaflet (folium maps) and the widget manager are served by the site, never from a CDN.
    assert (html / "_static" / "vendor" / "leaflet" / "leaflet.js").is_file()
    assert (html / "_static" / "vendor" / "html-manager" / "embed.js").is_file()
    score_page = (html / "book" / "counties" / "los-angeles" / "02-score.html").read_text()
    assert "_static/vendor/html-manager/embed.js" in score_page
    assert "cdn.jsdelivr" not in (html / "book" / "county-reports.html").read_text()
    # Downloadable tables sit beside the county pages that link them.
    assert list((html / "book" / "counties" / "los-angeles").glob("*.csv"))
    # The bundle is only loaded where a chart is.
    assert "vega-bundle.js" not in (html / "book" / "method" / "data.html").read_text()
    # Formulas are MathML, not TeX waiting for a script.
    assert "<math" in (html / "book" / "method" / "score.html").read_text()


def test_public_site_holds_no_identifier(built) -> None:
    sample = ROOT / "data" / "sample"
    people = pd.read_csv(sample / "demographics.csv", dtype=str)
    current = pd.read_csv(sample / "current_commitments.csv", dtype=str)
    dsa = pd.read_csv(sample / "dsa" / "demographics.csv", dtype=str)
    identifiers = (
        set(people["cdcno"]) | set(people["controlling case number"]) | set(current["case number"])
    )
    identifiers |= set(dsa["Offender's Name"])
    assert find_identifiers(built["html"], identifiers) == []
    # PDFs too (printed reports, press releases): their text, as a reader would copy it.
    for pdf in sorted(built["html"].rglob("*.pdf")):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert find_identifiers(text, identifiers) == [], pdf


def test_generated_pages_are_reproducible(built) -> None:
    """A second preparation from the same run writes the same bytes (no wall-clock time)."""
    generated = built["root"] / "book" / "generated"

    def contents() -> dict[str, bytes]:
        return {
            str(p.relative_to(generated)): p.read_bytes()
            for p in sorted(generated.rglob("*"))
            if p.is_file()
        }

    before = contents()
    prepare_site(built["shared"], built["root"])
    assert contents() == before
    versions = pd.read_csv(generated / "versions.csv")
    assert versions.loc[versions["Item"] == "Code (SHA-256)", "Value"].item() == (
        built["manifest"].code_hash
    )
    assert not versions["Item"].isin(["Site built", "Results computed"]).any()


def test_dashboard_data_is_suppressed(built) -> None:
    spec = json.loads(
        (built["root"] / "book" / "generated" / "charts" / "commitments.json").read_text()
    )
    cube = pd.read_csv(pd.io.common.StringIO(spec["data"]["values"]))
    shown = cube["n"].dropna()
    assert not ((shown >= 1) & (shown < SMALL_CELL)).any()
    assert cube["n"].isna().any()  # the small sample does have small cells


# --------------------------------------------------------------------------------------------------
# In the browser
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/ensure_chromium.sh` (apt chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


class OfflinePage:
    """A page with the network blocked that records console errors and failed requests."""

    def __init__(self, browser, html: Path) -> None:
        self.html = html
        self.page = browser.new_page(viewport={"width": 1300, "height": 1000})
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.route("**/*", self._route)

    def _route(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, relative: str) -> None:
        self.page.goto((self.html / relative).as_uri())
        self.page.wait_for_function(
            "[...document.querySelectorAll('div.sl-chart')]"
            ".every(e => e.dataset.ready || e.dataset.error)",
            timeout=30_000,
        )
        self.page.wait_for_timeout(100)

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.blocked == [], self.blocked
        assert self.failed == [], self.failed

    def signal(self, chart: str, name: str):
        return self.page.evaluate(f"window.secondlookViews['sl-chart-{chart}'].signal('{name}')")

    def svg_text(self, chart: str) -> str:
        return self.page.inner_text(f"#sl-chart-{chart}")

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def offline(browser, built) -> Iterator[OfflinePage]:
    page = OfflinePage(browser, built["html"])
    yield page
    page.page.close()


def _statewide_people(built) -> pd.DataFrame:
    return dashboard.person_dimensions(pd.read_parquet(built["manifest"].statewide_candidates))


def test_every_page_loads_offline_without_errors(built, offline) -> None:
    pages = sorted(
        str(p.relative_to(built["html"])) for p in (built["html"] / "book").rglob("*.html")
    )
    assert len(pages) >= 20
    for page in pages:
        offline.open(page)
        assert offline.page.locator("div.sl-chart[data-error]").count() == 0, page
    offline.assert_clean()


def test_clicking_a_county_filters_every_chart(built, offline) -> None:
    offline.open("book/dashboards/commitments.html")
    before = offline.svg_text("commitments")
    assert "California" in before
    offline.page.click(f'path[aria-label="{COUNTY}"]', force=True)
    offline.page.wait_for_timeout(300)
    assert offline.signal("commitments", "sel_county") == COUNTY
    after = offline.svg_text("commitments")
    assert f"Offense category: {COUNTY} County" in after
    assert f"Sentence type: {COUNTY} County" in after
    people = _statewide_people(built)
    n = int((people["county"] == COUNTY).sum())
    assert n >= SMALL_CELL
    assert f"People in CDCR custody (filters applied): {n:,}" in after
    offline.shot("dashboard-commitments-county")
    # A drop-down filter: only second strikers, still in the county.
    offline.page.select_option('select[name="f_sentence_type"]', "Second Striker")
    offline.page.wait_for_timeout(300)
    m = int(((people["county"] == COUNTY) & (people["sentence_type"] == "Second Striker")).sum())
    text = offline.svg_text("commitments")
    expected = f"{m:,}" if m >= SMALL_CELL else "suppressed"
    assert f"People in CDCR custody (filters applied): {expected}" in text
    offline.assert_clean()


def test_checkbox_shows_shares(offline) -> None:
    offline.open("book/dashboards/demographics.html")
    assert "(% of total)" not in offline.svg_text("demographics")
    offline.page.check('input[name="show_share"]')
    offline.page.wait_for_timeout(300)
    assert offline.signal("demographics", "show_share") is True
    text = offline.svg_text("demographics")
    assert "Race/ethnicity: California (% of total)" in text
    assert " %" in text
    offline.shot("dashboard-demographics-shares")
    offline.assert_clean()


def test_moving_a_weight_changes_the_ranking(built, offline) -> None:
    spec = json.loads(
        (built["root"] / "book" / "generated" / "charts" / "playground.json").read_text()
    )
    name = spec["usermeta"]["secondlook"]["ranked_data"]
    read = (
        "n => window.secondlookViews['sl-chart-playground'].data(n)"
        ".slice().sort((x, y) => x.rank - y.rank).map(r => [r.pid, r.R])"
    )
    offline.open("book/playground.html")
    before = offline.page.evaluate(read, name)
    offline.page.eval_on_selector(
        'input[name="b"]',
        """el => { el.value = "2"; el.dispatchEvent(new Event("input", {bubbles: true}));
                   el.dispatchEvent(new Event("change", {bubbles: true})); }""",
    )
    offline.page.select_option('select[name="x_time_served"]', "VERY HIGH")
    offline.page.wait_for_timeout(300)
    after = offline.page.evaluate(read, name)
    assert offline.signal("playground", "b") == 2
    assert [r for _, r in before] != [r for _, r in after]
    assert [p for p, _ in before] != [p for p, _ in after]
    offline.shot("playground-moved")
    offline.assert_clean()


def test_hovering_a_question_mark_shows_its_definition(offline) -> None:
    offline.open("book/dashboards/commitments.html")
    term = offline.page.locator(".sl-term").first
    definition = term.locator(".sl-def")
    assert not definition.is_visible()
    term.locator(".sl-q").hover()
    definition.wait_for(state="visible", timeout=2_000)
    key = term.get_attribute("data-term")
    assert definition.inner_text().strip() == lookup(key).definition.strip()
    offline.shot("glossary-hover")
    offline.assert_clean()


def test_county_index_map_links_to_the_county_report(offline) -> None:
    """The state map (folium, Leaflet served by the site) loads offline; a click opens the report."""
    offline.open("book/county-reports.html")
    frame = offline.page.frame_locator("iframe.sl-map")
    county = frame.locator(f"path.sl-county-{COUNTY.lower().replace(' ', '-')}")
    county.wait_for(timeout=10_000)
    assert frame.locator("path.sl-county").count() == 58
    county.hover()
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=2_000)
    assert COUNTY in tooltip.inner_text()
    offline.shot("county-reports-map")
    with offline.page.expect_navigation():
        county.click(force=True)
    assert offline.page.url.endswith("counties/los-angeles/05-county-report.html")
    assert COUNTY in offline.page.title()
    offline.assert_clean()


SCREEN = {"width": 1400, "height": 900}
HEIGHT_BUDGET = 8 * SCREEN["height"]
"""The tallest a county page may be at 1400 px width: eight screens of 900 px."""


def test_county_pages_stay_within_the_height_budget(built, offline) -> None:
    offline.page.set_viewport_size(SCREEN)
    heights = {}
    for page in sorted((built["html"] / "book" / "counties" / "los-angeles").glob("*.html")):
        offline.open(str(page.relative_to(built["html"])))
        heights[page.name] = offline.page.evaluate("document.documentElement.scrollHeight")
        offline.shot(f"county-{page.stem}-1400")
    assert len(heights) == 5
    assert all(h <= HEIGHT_BUDGET for h in heights.values()), heights
    offline.assert_clean()


def test_widget_controls_work_on_the_static_page(offline) -> None:
    """The factor-preset picker switches the list on the page without a kernel (jslink)."""
    offline.open("book/counties/los-angeles/02-score.html")
    select = offline.page.locator(".widget-dropdown select").first
    select.wait_for(timeout=15_000)
    stack = offline.page.locator(".widget-stack, .jupyter-widgets.widget-container").first

    def visible_caption() -> str:
        return offline.page.evaluate(
            """() => [...document.querySelectorAll('.sl-caption')]
                 .filter(e => e.offsetParent !== null).map(e => e.innerText).join('|')"""
        )

    before = visible_caption()
    assert "as configured" in before
    select.select_option(label="no factors (offenses only)")
    offline.page.wait_for_timeout(300)
    after = visible_caption()
    assert "no factors (offenses only)" in after and "as configured" not in after
    assert stack.count() >= 1
    offline.shot("widgets-static")
    offline.assert_clean()


def test_dashboard_labels_are_not_clipped_at_800_px(offline) -> None:
    for width in (1400, 800):
        offline.page.set_viewport_size({"width": width, "height": 900})
        for page in ("commitments", "demographics"):
            offline.open(f"book/dashboards/{page}.html")
            text = offline.svg_text(page)
            assert "…" not in text, f"{page} at {width} px clips a label"
            offline.shot(f"dashboard-{page}-{width}")
    offline.assert_clean()


def test_public_site_holds_no_small_count(built) -> None:
    """The publishing gate holds by every route: table cells, JSON counts, phrases of text and
    lengths of lists of people (the public list of reviewed cases is the documented exception)."""
    from helpers.privacy import find_small_counts

    assert find_small_counts(built["html"]) == []
