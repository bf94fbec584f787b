"""The county pages of the data and the screen (notebooks 01 and 02) on the committed sample: a
computed summary in words first, figures with captions, long lists as downloads, settings once,
small counts never in words."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from helpers import report
from helpers.data.ingest import ingest, write_processed
from helpers.pipeline import RunSettings, prepare_shared
from helpers.pipeline.kernel import NOTEBOOK_DIR_VARIABLE
from helpers.privacy import SMALL_CELL

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # the shared stage on 2,000 people (tens of seconds)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    processed = tmp_path_factory.mktemp("processed")
    write_processed(ingest(ROOT / "data" / "sample", "2026-05-01"), processed)
    root = tmp_path_factory.mktemp("shared")
    prepare_shared(RunSettings(data=processed, shared_root=root))
    return root


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv(NOTEBOOK_DIR_VARIABLE, str(tmp_path))
    return tmp_path


def text_of(html: object) -> str:
    return re.sub(r"<[^>]+>", " ", str(html))


@pytest.mark.parametrize("mode", ["public", "da"])
def test_every_view_of_the_two_pages_runs(shared: Path, pages: Path, mode: str) -> None:
    ctx = report.load_context(shared, "Los Angeles", mode)
    for name in (
        "cleaning_summary",
        "time_served_figure",
        "sentence_figure",
        "profile_tables",
        "screen_summary",
        "funnel_figure",
        "ranked_download",
        "score_figure",
        "near_miss_download",
        "sensitivity_figure",
        "sensitivity_download",
        "outlier_download",
    ):
        out = str(getattr(report, name)(ctx))
        assert out.startswith("<") and "inf" not in text_of(out).split(), name
    for name in ("headline", "eligibility_table", "settings_table", "rule_table"):
        assert isinstance(getattr(report, name)(ctx), pd.DataFrame)
    assert {p.name for p in pages.iterdir()} >= {
        "ranked_list.csv",
        "ranked_list.xlsx",
        "near_misses.csv",
        "outliers.csv",
        "weight_sensitivity.csv",
    }


def test_the_summary_is_computed_from_the_candidates(shared: Path) -> None:
    ctx = report.load_context(shared, "Los Angeles", "da")
    words = text_of(report.screen_summary(ctx))
    c = ctx.candidates
    eligible = int((c["eligibility"] == "eligible").sum())
    assert f"Of {len(c):,} people from Los Angeles, {eligible:,} pass every rule" in words
    near = int(c["near_miss"].fillna("").ne("").sum())
    assert f"{near:,} people fail exactly one rule" in words
    words = text_of(report.cleaning_summary(ctx))
    assert f"Los Angeles has {len(ctx.people):,} people in CDCR custody as of {ctx.as_of}" in words


def test_small_counts_never_appear_in_words(shared: Path) -> None:
    ctx = report.load_context(shared, "Los Angeles", "public")
    few = replace(ctx, people=ctx.people.head(5), candidates=ctx.candidates.head(5))
    for view in (report.cleaning_summary, report.screen_summary):
        words = text_of(view(few))
        assert f"fewer than {SMALL_CELL}" in words
        assert "Half have served" not in words  # no median of five people
        numbers = {int(n) for n in re.findall(r"(?<![\d.,-])(\d+)(?![\d.,%-])", words)}
        assert not numbers & set(range(1, SMALL_CELL)), (numbers, words)
    headline = report.headline(few).set_index("Measure")["Value"]
    assert headline["Median age"] == "not published"


def test_the_funnel_follows_the_configuration(shared: Path) -> None:
    ctx = report.load_context(shared, "Los Angeles", "da")
    funnel = report.screen_funnel(ctx)
    assert list(funnel["rule"]) == ["everybody", *[r.id for r in ctx.config.rules]]
    assert funnel["passed"].is_monotonic_decreasing and funnel["possible"].is_monotonic_decreasing
    assert (funnel["passed"] <= funnel["possible"]).all()
    assert funnel["passed"].iloc[-1] == int((ctx.candidates["eligibility"] == "eligible").sum())


def test_the_ranked_download_holds_everybody_the_screen_keeps(shared: Path, pages: Path) -> None:
    ctx = report.load_context(shared, "Los Angeles", "public")
    html = str(report.ranked_download(ctx))
    assert 'href="ranked_list.csv"' in html
    written = pd.read_csv(pages / "ranked_list.csv", dtype=str)
    kept = int(ctx.candidates["eligibility"].ne("not eligible").sum())
    assert len(written) == max(kept, ctx.config.top_k)
    assert "cdcno" not in written and not set(written["person"]) & set(ctx.candidates["cdcno"])
    assert html.count("<tr>") <= report.TOP_ROWS + 1  # the page shows the first rows only


def test_settings_appear_once_with_relative_paths(shared: Path) -> None:
    ctx = report.load_context(shared, "Los Angeles", "public")
    table = report.settings_table(ctx)
    assert table["setting"].is_unique
    assert not table["value"].str.contains(str(ROOT), regex=False).any()
    rules = table[table["setting"].str.startswith("Rule ")]
    assert len(rules) == len(ctx.config.rules)
    listed = report.ranked_list(ctx)
    assert not {"top_k", "weights", "configuration"} & set(listed.columns)


def test_the_near_miss_table_counts_with_count_labels(shared: Path) -> None:
    ctx = report.load_context(shared, "Los Angeles", "da")
    table = report.near_miss_table(ctx)
    c = ctx.candidates
    rule = c["near_miss"].fillna("").str.split(":", n=1).str[0]
    for row in table.itertuples(index=False):
        assert row.n_near_miss == int((rule == row.rule).sum())
    shown = report.present.format_table(table)
    assert "Fail only this rule" in shown.columns
    assert not shown.stack().astype(str).str.endswith(".0").any()
