"""The shared stage's model step on the committed sample: the shipped model learns from decisions,
ranks only people their county's screen passes or cannot decide, and the county pages show it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import model as M
from helpers.data.ingest import ingest, write_processed
from helpers.pipeline import RunSettings, prepare_shared, read_run_manifest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # the shared stage on 2,000 people (tens of seconds)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    processed = tmp_path_factory.mktemp("processed")
    write_processed(ingest(ROOT / "data" / "sample", "2026-05-01"), processed)
    root = tmp_path_factory.mktemp("shared")
    prepare_shared(RunSettings(data=processed, shared_root=root))
    return root


def test_the_shipped_model_is_trained_on_decisions_never_on_a_screen(shared: Path) -> None:
    manifest = read_run_manifest(shared)
    assert manifest.model.label == "decisions"
    assert json.loads((shared / "shared.json").read_text())["model"]["label"] == "decisions"
    assert set(manifest.model.ranks_by) == set(manifest.candidates)
    assert set(manifest.model.ranks_by.values()) <= {M.STATEWIDE, M.COUNTY}
    metadata = list(manifest.model.dir.rglob("model.json"))
    assert metadata and all(M.read_metadata(p).label == "decisions" for p in metadata)


def test_model_ranked_lists_hold_only_people_the_screen_passes_or_cannot_decide(
    shared: Path,
) -> None:
    manifest = read_run_manifest(shared)
    pred = pd.read_parquet(manifest.model.predictions)
    assert pred["cdcno"].is_unique
    for county, path in manifest.candidates.items():
        cand = pd.read_parquet(path)
        cand = cand.loc[cand["county"] == county, ["cdcno", "eligibility"]]
        rows = cand.merge(pred, on="cdcno", how="left")
        ranked = rows["model_rank"].notna()
        assert rows.loc[ranked, "eligibility"].isin(M.RANKABLE).all(), county
        assert rows.loc[~rows["eligibility"].isin(M.RANKABLE), "model_score"].isna().all()
        assert rows["model_status"].notna().all()


def test_the_county_notebook_views(shared: Path) -> None:
    from helpers import report

    ctx = report.load_context(shared, "Los Angeles", "public")
    setting = report.model_setting(ctx).set_index("Item")["Value"]
    assert setting["ranked by"] in {M.STATEWIDE, M.COUNTY}
    assert "unlabelled" in setting["people never reviewed"]
    listed = report.model_ranked_list(ctx)
    if "person" in listed:
        assert "cdcno" not in listed and listed["eligibility"].isin(M.RANKABLE).all()
    agreement = report.model_agreement(ctx)
    assert list(agreement["k"]) == list(M.KS)
    counts = agreement[[c for c in agreement.columns if c.startswith("n_")]]
    assert not ((counts >= 1) & (counts <= 10)).any().any()  # small counts suppressed
    diffs = report.model_list_differences(ctx)
    assert "cdcno" not in diffs
    for name in ("metrics", "comparison", "weights", "calibration", "leakage"):
        assert "note" not in report.model_table(ctx, name), name


def test_the_model_page_summary_figures_and_compact_tables(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import report
    from helpers.pipeline.kernel import NOTEBOOK_DIR_VARIABLE

    monkeypatch.setenv(NOTEBOOK_DIR_VARIABLE, str(tmp_path))
    ctx = report.load_context(shared, "Los Angeles", "public")
    summary = report.model_summary(ctx).text
    assert "ranked by" in summary and "PR-AUC" in summary and "synthetic" in summary
    assert "0.86" in summary and "0.41" in summary
    for view in (report.model_capacity_figure, report.model_calibration_figure):
        html = str(view(ctx))
        assert "<figcaption>" in html and "data:image/png" in html
    methods = report.model_methods(ctx, "comparison")
    assert list(methods.columns) == ["Method", "PR-AUC", "Precision@50", "Recall@50"]
    assert len(methods) == 5  # the memo's pair is in the words, not a row without intervals
    feedback = report.model_feedback(ctx)
    assert "note" in feedback or list(feedback["Metric"]) == ["PR-AUC", "Precision@50", "Recall@50"]
    setting = report.model_setting(ctx)
    assert setting["Item"].is_unique and not setting["Item"].str.startswith("parameter").any()
    assert "trained" not in set(setting["Item"]) and "data as of" in set(setting["Item"])
    groups = report.model_groups(ctx)
    counts = (
        groups[["Decisions", "Positive", "Flagged"]].replace("", "0").replace(",", "", regex=True)
    )
    assert not counts.astype(int).isin(range(1, 11)).any().any()  # counts of 1-10 never shown
    report.model_inspection_download(ctx)
    assert (tmp_path / "model-inspection.csv").is_file()


def test_the_da_export_has_the_agreement_table(shared: Path, tmp_path: Path) -> None:
    from helpers import report

    ctx = report.load_context(shared, "Los Angeles", "da")
    files = report.export_candidates(ctx, tmp_path)
    assert [f.name for f in files] == ["candidates.csv", "candidates.xlsx", "agreement.csv"]
    exported = pd.read_csv(files[0], dtype={"cdcno": "string"})
    assert {"model_score", "model_rank", "model_status", "model_source"} <= set(exported.columns)
    sheets = pd.ExcelFile(files[1]).sheet_names
    assert sheets == ["candidates", "agreement", "rank correlation", "list differences"]
    assert list(pd.read_csv(files[2])["k"]) == list(M.KS)
