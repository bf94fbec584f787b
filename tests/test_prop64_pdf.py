"""The summary report for the District Attorney: printed by Debian's chromium, two pages at most,
with the tool version and the input files' hashes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import helpers
from helpers.printing import CHROMIUM, page_count
from helpers.prop64 import run_files
from helpers.prop64.pdf import MAX_PAGES, summary_html
from helpers.synthetic import write_doj

AS_OF = dt.date(2020, 7, 1)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("pdf")
    a, _ = write_doj(work / "a.csv", 300, seed=1, county="SAN JOAQUIN")
    b, _ = write_doj(work / "b.csv", 200, seed=2, county="SAN JOAQUIN")
    bad = work / "bad.csv"
    bad.write_text("not,a,doj,file\n", encoding="utf-8")
    return run_files([a, bad, b], "SAN JOAQUIN", AS_OF, work / "out")


def test_page_shows_version_hashes_and_every_file(run) -> None:
    page = summary_html(run, dt.datetime(2026, 5, 1, 9, 30))
    assert f"secondlook {helpers.__version__}" in page and "Printed 2026-05-01 09:30" in page
    for f in run.files:
        assert f.source.name in page
        if f.ok:
            assert f.summary["file_sha256"] in page
    assert "not evaluated" in page and "Dismiss all Prop 64 and related" in page
    assert "SYNTHETIC,PERSON" not in page  # counts only, no names


@pytest.mark.slow
def test_pdf_is_printed_with_chromium_in_two_pages(run, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/ensure_chromium.sh` (apt chromium)")
    from helpers.prop64.pdf import write_summary_pdf

    path = write_summary_pdf(run, tmp_path, dt.datetime(2026, 5, 1, 9, 30, 5))
    assert path.name == "prop64_summary_20260501-093005.pdf"
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and 1 <= page_count(data) <= MAX_PAGES
    assert re.search(rb"/Producer", data)
