"""End to end: `secondlook annual-report` and `decision-template` on a small generated dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from helpers import accountability as acc
from helpers.cli.accountability import register
from helpers.privacy import SMALL_CELL, assert_no_identifiers, find_identifiers

AS_OF = "2026-05-01"
COUNTY = "Los Angeles"
YEAR = 2025


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from helpers.data.ingest import ingest, write_processed
    from helpers.screening.candidates import build_candidates
    from helpers.screening.config import load_config
    from helpers.synthetic import write_sample

    root = tmp_path_factory.mktemp("acc")
    write_sample(root / "raw", people=3000, seed=3)
    result = ingest(root / "raw", AS_OF)
    write_processed(result, root / "processed")
    tables = result.tables
    cands = build_candidates(tables, COUNTY, load_config(COUNTY), AS_OF)
    return {"root": root, "tables": tables, "candidates": cands}


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def run(app: typer.Typer, *args: str) -> object:
    return CliRunner().invoke(app, list(args))


def test_annual_report_public_and_da(data: dict, app: typer.Typer) -> None:
    from helpers.screening.config import load_config

    tables, root = data["tables"], data["root"]
    comp = acc.compliance(data["candidates"], tables["decisions"], load_config(COUNTY), YEAR,
                          people=tables["people"])  # fmt: skip
    statement = comp.set_index("county").loc[COUNTY, "statement"]
    out = root / "public"
    res = run(app, "annual-report", "--county", "los angeles", "--year", str(YEAR),
              "--data", str(root / "processed"), "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == statement
    page, release = out / "los-angeles-2025.md", out / "los-angeles-2025-press-release.html"
    assert page.exists() and release.exists()
    md, html = page.read_text(), release.read_text()
    assert statement in md and statement in html
    assert "{download}`los-angeles-2025-press-release.html" in md

    # The cases the office reviewed in the year, by case number, with decision and reasons.
    log = acc.in_year(tables["decisions"], YEAR)
    log = log[log["county"] == COUNTY]
    assert len(log) > 0
    for case in log["case_number"]:
        assert f"| {case} |" in md and f"<td>{case}</td>" in html
    assert f"{len(log)} cases reviewed:" in md

    # No CDCR number or name in public outputs; DA outputs do have them (the check works).
    ids = tables["people"]["cdcno"].tolist() + tables["decisions"]["cdcno"].tolist()
    names = tables["people"]["name"].dropna().tolist()
    assert len(names) > 0
    assert_no_identifiers(out, ids + names)
    assert "current risk to public safety" in md  # reasons as code meanings, not free text
    free_text = [t for t in log["reason_text"] if "years served" in t]
    assert not any(t in md or t in html for t in free_text)

    # Self-contained, printable HTML.
    assert "@media print" in html and "<style>" in html
    for bad in ("<script", "<link", "http://", "https://", "@import"):
        assert bad not in html


def test_small_cells_suppressed_and_da_mode(data: dict) -> None:
    from helpers.accountability.annual_report import (
        SUPPRESSED,
        build_report,
        render_markdown,
        write_report,
    )

    tables = data["tables"]
    pub = build_report(tables, COUNTY, YEAR, as_of=AS_OF, candidates=data["candidates"])
    da = build_report(tables, COUNTY, YEAR, as_of=AS_OF, mode="da", candidates=data["candidates"])
    counts = pub.demographics[["eligible", "reviewed"]].stack()
    assert ((counts == 0) | (counts >= SMALL_CELL)).all()
    raw = da.demographics[["eligible", "reviewed"]].stack()
    assert ((raw > 0) & (raw < SMALL_CELL)).any()  # there were small cells to hide
    assert pub.demographics["reviewed"].isna().sum() >= 2  # primary + complementary
    assert int(
        da.demographics.loc[da.demographics["dimension"] == "race group", "reviewed"].sum()
    ) == (acc.in_year(tables["decisions"], YEAR).query("county == @COUNTY")["cdcno"].nunique())
    md = render_markdown(pub)
    assert SUPPRESSED in md and "suppressed: counts of 1 to 10 people" in md
    assert list(pub.cases.columns) == ["case_number", "date_reviewed", "decision",
                                       "new_sentence_months", "extreme_outlier", "reasons",
                                       "reason_codes"]  # fmt: skip
    paths = write_report(da, data["root"] / "da")
    log = acc.in_year(tables["decisions"], YEAR).query("county == @COUNTY")
    found = find_identifiers(paths["page"], log["cdcno"].tolist())
    assert found == sorted({c.lower() for c in log["cdcno"]})  # DA mode keeps CDCR numbers
    assert "DA mode" in paths["press_release"].read_text()
    assert pub.unreviewed.empty and len(da.unreviewed) == pub.compliance["outliers"] - pub.compliance["reviewed"]  # fmt: skip


def test_log_option_and_template(data: dict, app: typer.Typer, tmp_path: Path) -> None:
    from helpers.data.schema import REVIEW_DECISIONS

    d = data["tables"]["decisions"]
    la = d[d["county"] == COUNTY][REVIEW_DECISIONS].copy()
    la["date_reviewed"] = la["date_reviewed"].dt.strftime("%Y-%m-%d")
    la["new_sentence_months"] = la["new_sentence_months"].map(
        lambda v: "" if pd.isna(v) else f"{v:.0f}"
    )
    la.loc[la.index[0], "decision"] = "perhaps"  # one bad row
    path = tmp_path / "log.xlsx"
    la.to_excel(path, index=False)
    res = run(app, "annual-report", "--county", COUNTY, "--year", str(YEAR), "--data",
              str(data["root"] / "processed"), "--log", str(path), "--out", str(tmp_path / "o"))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "1 log rows quarantined; first: row 2: unknown decision" in res.output
    assert (tmp_path / "o" / "los-angeles-2025.md").exists()

    res = run(app, "decision-template", "--out", str(tmp_path / "tpl.csv"))
    assert res.exit_code == 0
    assert res.output.split() == [str(tmp_path / "tpl.csv"), str(tmp_path / "tpl.xlsx")]

    res = run(app, "annual-report", "--county", COUNTY, "--year", "2025", "--data",
              str(data["root"] / "processed"), "--mode", "press")  # fmt: skip
    assert res.exit_code == 2 and "error: mode must be 'public' or 'da'" in res.output


def test_make_annual_report_returns_what_the_command_prints(data: dict, tmp_path: Path) -> None:
    from helpers.data.schema import REVIEW_DECISIONS

    d = data["tables"]["decisions"]
    log = d[d["county"] == COUNTY][REVIEW_DECISIONS].copy()
    log.loc[log.index[0], "decision"] = "perhaps"
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False, date_format="%Y-%m-%d")
    written = acc.make_annual_report(
        COUNTY, YEAR, data["root"] / "processed", log=path, out=tmp_path / "o"
    )
    assert len(written.notes) == 1
    assert written.notes[0].startswith("  1 log rows quarantined; first: row 2: unknown decision")
    assert written.page == tmp_path / "o" / "los-angeles-2025.md" and written.page.exists()
    assert written.press_release.exists()
    assert written.report.statement in written.page.read_text()
    # Raw files without --as-of are read as of the end of the year.
    raw = acc.make_annual_report(COUNTY, YEAR, data["root"] / "raw", out=tmp_path / "raw")
    assert raw.report.as_of == f"{YEAR}-12-31" and raw.notes == []


def test_sensitive_reasons_are_generalised_in_public() -> None:
    from helpers.accountability.annual_report import _reasons_in_words, _split_public

    codes = pd.Series(["HEALTH;TRAUMA;AGE", "TIME_SERVED"])
    public = _reasons_in_words(codes, "public").tolist()
    assert public[0] == "mitigating circumstances; age at review (50 or older)"
    assert "medical" not in public[0] and "trauma" not in public[0]
    assert _split_public(codes, "public")[0] == ["MITIGATING", "AGE"]
    assert "serious medical condition" in _reasons_in_words(codes, "da").iloc[0]
