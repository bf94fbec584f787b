"""The DA report: report.html and report.pdf, a two-page summary first, then one page per candidate."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.counties import slug
from helpers.data.ingest import ingest, write_processed
from helpers.pipeline import RunSettings, run
from helpers.privacy import find_identifiers
from helpers.report import load_context
from helpers.report.da_report import (
    REPORT_HTML,
    REPORT_PDF,
    county_da_report,
    report_html,
    write_da_report,
)

ROOT = Path(__file__).resolve().parents[1]
COUNTY = "Los Angeles"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (Path("/usr/bin/chromium").exists() and shutil.which("pdftoppm")),
        reason="needs Debian's chromium and poppler-utils",
    ),
]


@pytest.fixture(scope="module")
def da_run(tmp_path_factory: pytest.TempPathFactory):
    """A DA-mode run of one notebook for one county, with the DA report as its last step."""
    root = tmp_path_factory.mktemp("da")
    processed = root / "processed"
    write_processed(ingest(ROOT / "data" / "sample", "2026-05-01"), processed)
    settings = RunSettings(
        data=processed,
        mode="da",
        jobs=1,
        out_root=root / "da_reports",
        shared_root=root / "shared",
        notebooks=("01-clean", "02-score"),
    )
    results = run(settings, [COUNTY], progress=False, after=county_da_report)
    return settings, results


def test_the_score_notebook_runs_headless_with_its_widgets(da_run) -> None:
    """The notebook with the weights controls executes without a display or kernel errors and
    saves its widget state (what the static site draws)."""
    import nbformat

    settings, results = da_run
    assert results[0].status == "ran", results[0].error
    nb = nbformat.read(settings.output_root() / slug(COUNTY) / "02-score.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert any(m["model_name"] == "LinkModel" for m in state.values())


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages"))
    )


def page_text(pdf: Path, first: int, last: int | None = None) -> str:
    command = ["pdftotext", "-f", str(first), "-l", str(last or first), str(pdf), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_da_mode_writes_a_report_whose_first_page_is_the_summary(da_run, tmp_path: Path) -> None:
    settings, results = da_run
    assert [r.status for r in results] == ["ran"], results[0].error
    out = settings.output_root() / slug(COUNTY)
    pdf = out / REPORT_PDF
    assert (out / REPORT_HTML).is_file() and pdf.is_file()
    assert str(pdf) in results[0].outputs
    ctx = load_context(settings.shared_root, COUNTY, "da")
    top_k = min(int(ctx.config.top_k), len(ctx.candidates))
    assert pages(pdf) == 2 + top_k  # two summary pages, then one page per candidate
    first = page_text(pdf, 1)
    assert "cases that deserve a second look" in first and "Counts" in first
    assert "Review mandate" in first and "Top candidates" in first
    assert "Near misses" in page_text(pdf, 2)
    assert "Rank 1:" in page_text(pdf, 3)
    # Every page turns into an image (what a reader sees), one per page.
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "p")], check=True)
    assert len(list(tmp_path.glob("p-*.png"))) == pages(pdf)
    # DA mode shows the identifiers and ships the exports beside the report.
    best = ctx.candidates.nsmallest(1, "rank")["cdcno"].iloc[0]
    assert find_identifiers(page_text(pdf, 3), [best])
    assert (out / "export" / "candidates.xlsx").is_file()


def test_the_public_report_holds_no_identifier(da_run, tmp_path: Path) -> None:
    settings, _ = da_run
    ctx = load_context(settings.shared_root, COUNTY, "public")
    files = write_da_report(ctx, tmp_path)
    pdf = tmp_path / REPORT_PDF
    assert pdf in files and not (tmp_path / "export").exists()
    identifiers = [
        *ctx.people["cdcno"],
        *ctx.people["controlling_case_number"].dropna(),
        *ctx.offenses["case_number"].dropna(),
    ]
    text = page_text(pdf, 1, pages(pdf))
    assert "P-" in text  # pseudonyms instead
    assert find_identifiers(text, identifiers) == []
    assert find_identifiers(report_html(ctx), identifiers) == []
