"""End to end: ``secondlook audit`` on a small hand-built dataset (public and DA modes)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import helpers.audit.run as audit_cli
from helpers.cli import app
from helpers.data.manifest import IngestManifest, write_manifest
from helpers.privacy import SMALL_CELL, assert_no_identifiers, find_small_counts

ETHNICITIES = ["Mexican", "Black", "White", "Hispanic", "Other"]


def write_tables(folder: Path) -> pd.DataFrame:
    """240 people in two counties, plus 5 American Indian people (a small cell), as Parquet."""
    rng = np.random.default_rng(4)
    n = 245
    eth = np.array(list(rng.choice(ETHNICITIES, n - 5, p=[0.3, 0.3, 0.25, 0.1, 0.05])) + [
        "American Indian"
    ] * 5)  # fmt: skip
    months = rng.integers(24, 480, n).astype(float)
    months[:3] = 10_000.0  # three LWOP
    people = pd.DataFrame(
        {
            "cdcno": [f"T{i:06d}" for i in range(n)],
            "county": np.where(np.arange(n) % 6 == 0, "Kern", "Alameda"),
            "ethnicity": eth,
            "gender": pd.array([pd.NA] * n, dtype="string"),
            "age": rng.uniform(19, 80, n).round(1),
            "aggregate_sentence_months": months,
            "sentence_lwop": months == 10_000.0,
            "sentence_condemned": False,
            "sentence_years": np.where(months == 10_000.0, np.inf, months / 12),
            "controlling_offense_key": rng.choice(["PC211", "PC245(a)(1)", "HS11352(a)"], n),
            "offense_category": rng.choice(["Crimes Against Persons", "Drug Crimes"], n),
            "controlling_case_number": [f"CASE{i:05d}" for i in range(n)],
        }
    )
    offenses = pd.DataFrame(
        {
            "cdcno": list(people["cdcno"]) + list(people["cdcno"][::4]),
            "role": ["current"] * n + ["prior"] * len(people["cdcno"][::4]),
            "n_enhancements": rng.integers(0, 3, n + len(people["cdcno"][::4])),
        }
    )
    folder.mkdir(parents=True)
    people.to_parquet(folder / "people.parquet", index=False)
    offenses.to_parquet(folder / "offenses.parquet", index=False)
    tables = {"people": len(people), "offenses": len(offenses)}
    write_manifest(IngestManifest(date(2026, 5, 1), (), tables, 0, {}), folder)
    return people


def fake_candidates(tables, county, _config_file, _as_of):  # noqa: ANN001, ANN201
    """A deterministic candidate list: every third person eligible, R = sentence months."""
    p = tables["people"]
    if county != "statewide":
        p = p[p["county"] == county]
    r = p["aggregate_sentence_months"].to_numpy(float)
    return pd.DataFrame(
        {
            "cdcno": p["cdcno"].to_numpy(),
            "eligible": np.arange(len(p)) % 3 == 0,
            "R": r,
            "rank": pd.Series(r).rank(method="first").to_numpy(),
        }
    )


def model_scores(people: pd.DataFrame) -> pd.DataFrame:
    """Model scores as the pipeline's predictions: a score and its rank within the county."""
    score = np.linspace(0, 1, len(people))
    rank = pd.Series(-score).groupby(people["county"].to_numpy()).rank(method="first")
    return pd.DataFrame(
        {"cdcno": people["cdcno"], "model_score": score, "model_rank": rank.astype("int64")}
    )


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, pd.DataFrame]:
    monkeypatch.setattr(audit_cli, "build_candidates_for", fake_candidates)
    people = write_tables(tmp_path / "processed")
    return tmp_path / "processed", people


def counts_of(frame: pd.DataFrame) -> np.ndarray:
    cols = [c for c in frame.columns if c.startswith("n_") or c == "n"]
    return frame[cols].apply(pd.to_numeric, errors="coerce").to_numpy(float)


def test_audit_public_statewide(data_dir, tmp_path: Path) -> None:
    data, people = data_dir
    out = tmp_path / "audit"
    scores = tmp_path / "predictions.parquet"
    model_scores(people).to_parquet(scores, index=False)
    result = CliRunner().invoke(
        app,
        ["audit", "--data", str(data), "--out", str(out), "--k", "30", "--n-boot", "200",
         "--model-scores", str(scores)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in (
        "selection_audit.csv",
        "assistive_audit.csv",
        "sentence_by_category.csv",
        "sentence_regression.csv",
        "rja_summary.csv",
        "race_groups.csv",
        "audit.json",
        "selection_rates.png",
        "sentence_by_category.png",
        "selection_rates.html",
    ):
        assert (out / name).stat().st_size > 0, name
    assert not (out / "rja_indicator.csv").exists()  # no per-person rows in public mode
    html = (out / "selection_rates.html").read_text()
    assert "cdn.jsdelivr" not in html  # self-contained: renders offline

    sel = pd.read_csv(out / "selection_audit.csv")
    assert set(sel["selection"]) == {"screen_eligible", "top_30_by_R", "top_30_by_model"}
    assert set(sel["scope"]) == {"statewide"}
    assert {"race_group", "ethnicity", "age_band", "county", "county x race_group"} <= set(
        sel["dimension"]
    )
    # No published count of 1..10 people in any public table.
    for name in ("selection_audit.csv", "assistive_audit.csv", "sentence_by_category.csv",
                 "rja_summary.csv"):  # fmt: skip
        values = counts_of(pd.read_csv(out / name))
        assert not ((values >= 1) & (values < SMALL_CELL)).any(), name
    # The 5 American Indian people: population suppressed, with its rate.
    ai = sel[(sel["dimension"] == "race_group") & (sel["group"] == "American Indian")]
    assert ai["n_population"].isna().all() and ai["selection_rate"].isna().all()
    assert ai["suppressed"].all()
    # Overall eligible count is large and published: 245 people, every third eligible (82).
    overall = sel[(sel["selection"] == "screen_eligible") & (sel["dimension"] == "overall")]
    assert overall["n_selected"].iloc[0] == 82 and overall["n_population"].iloc[0] == 245
    # Top-30 by R selects exactly 30 people (the fake ranking is one statewide list); top-30 by
    # the model takes the first 30 of each county's ranking: 30 in Alameda and 30 in Kern.
    top = sel[(sel["selection"] == "top_30_by_R") & (sel["dimension"] == "overall")]
    assert top["n_selected"].iloc[0] == 30
    top = sel[(sel["selection"] == "top_30_by_model") & (sel["dimension"] == "overall")]
    assert top["n_selected"].iloc[0] == 60
    reg = pd.read_csv(out / "sentence_regression.csv")
    assert "race_group[Black]" in set(reg["term"])
    manifest = json.loads((out / "audit.json").read_text())
    assert manifest["mode"] == "public" and manifest["small_cell"] == SMALL_CELL
    assert manifest["people"] == 245 and manifest["html_figures"] is True
    assert manifest["model_scores"]["source"] == str(scores)
    assert manifest["selections_not_audited"] == {}
    ids = people["cdcno"].tolist() + people["controlling_case_number"].tolist()
    assert_no_identifiers(out, ids)


def test_audit_da_county(data_dir, tmp_path: Path) -> None:
    data, people = data_dir
    out = tmp_path / "kern"
    result = CliRunner().invoke(
        app,
        ["audit", "--data", str(data), "--county", "Kern", "--out", str(out), "--mode", "da",
         "--n-boot", "100"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    kern = people[people["county"] == "Kern"]
    sel = pd.read_csv(out / "selection_audit.csv")
    assert set(sel["scope"]) == {"Kern"}
    overall = sel[(sel["selection"] == "screen_eligible") & (sel["dimension"] == "overall")]
    assert overall["n_population"].iloc[0] == len(kern)
    # DA mode keeps small cells and writes the per-person RJA indicator.
    race = sel[(sel["selection"] == "screen_eligible") & (sel["dimension"] == "race_group")]
    assert race["n_selected"].between(1, SMALL_CELL - 1).any()
    assert not sel["suppressed"].any()
    rja = pd.read_csv(out / "rja_indicator.csv")
    assert sorted(rja["cdcno"]) == sorted(kern["cdcno"])
    assert set(rja["rja_indicator"].dropna()) <= {
        "above 90% of other-race peers",
        "within range of other-race peers",
        "insufficient peers",
    }


def test_audit_bad_mode_and_county(data_dir, tmp_path: Path) -> None:
    data, _ = data_dir
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "--data", str(data), "--out", str(tmp_path / "o"),
                                 "--mode", "press"])  # fmt: skip
    assert result.exit_code == 2 and "mode must be 'public' or 'da'" in result.output
    result = runner.invoke(app, ["audit", "--data", str(data), "--out", str(tmp_path / "o"),
                                 "--county", "Atlantis"])  # fmt: skip
    assert result.exit_code == 2
    assert "option --county: unknown California county 'Atlantis'" in result.output


def test_audit_raw_fixture_suppresses_everything(raw_dir: Path, tmp_path: Path) -> None:
    """The 4-person raw fixture, ingested on the fly: every group is a small cell."""
    from tests.conftest import PEOPLE

    out = tmp_path / "raw_audit"
    result = CliRunner().invoke(
        app,
        ["audit", "--data", str(raw_dir), "--as-of", "2026-05-01", "--out", str(out),
         "--n-boot", "100"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    by_cat = pd.read_csv(out / "sentence_by_category.csv")
    assert len(by_cat) >= 3 and by_cat["mean_months"].isna().all()
    assert by_cat["n"].isna().all() and by_cat["suppressed"].all()
    rja = pd.read_csv(out / "rja_summary.csv")
    assert rja["n_population"].isna().all()
    sel = pd.read_csv(out / "selection_audit.csv")
    if len(sel):
        values = counts_of(sel)
        assert not ((values >= 1) & (values < SMALL_CELL)).any()
    manifest = json.loads((out / "audit.json").read_text())
    # 4 people is a small count: the public audit.json does not say it (publishing gate)
    assert manifest["people"] is None and manifest["sentence_exclusion_rule"].startswith("LWOP")
    assert find_small_counts(out / "audit.json") == []
    assert_no_identifiers(out, [row[0] for row in PEOPLE] + [row[7] for row in PEOPLE])


def test_model_selection_audited_only_with_model_scores(data_dir, tmp_path: Path) -> None:
    """The model's top k is audited (selection and assistive) exactly when scores are given."""
    data, people = data_dir
    with_scores, without = tmp_path / "with", tmp_path / "without"
    audit_cli.write_audit(
        data, with_scores, options=audit_cli.AuditOptions(k=20, n_boot=100),
        model_scores=model_scores(people),
    )  # fmt: skip
    audit_cli.write_audit(data, without, options=audit_cli.AuditOptions(k=20, n_boot=100))
    for name in ("selection_audit.csv", "assistive_audit.csv"):
        assert "top_20_by_model" in set(pd.read_csv(with_scores / name)["selection"]), name
        assert "top_20_by_model" not in set(pd.read_csv(without / name)["selection"]), name
    manifest = json.loads((with_scores / "audit.json").read_text())
    assert manifest["selections"] == ["screen_eligible", "top_20_by_R", "top_20_by_model"]
    assert manifest["model_scores"]["people"] == len(people)
    assert manifest["model_scores"]["source"] == "model scores given with the call"
    manifest = json.loads((without / "audit.json").read_text())
    assert manifest["selections"] == ["screen_eligible", "top_20_by_R"]
    assert manifest["model_scores"] is None
    assert manifest["selections_not_audited"] == {
        "top_20_by_model": "no model scores were given (--model-scores)"
    }
    # The other selections are the same numbers with or without the model's.
    a = pd.read_csv(with_scores / "selection_audit.csv")
    b = pd.read_csv(without / "selection_audit.csv")
    pd.testing.assert_frame_equal(a[a["selection"] != "top_20_by_model"].reset_index(drop=True), b)


def test_model_scores_need_their_columns(data_dir, tmp_path: Path) -> None:
    data, people = data_dir
    path = tmp_path / "scores.csv"
    model_scores(people).drop(columns="model_rank").to_csv(path, index=False)
    result = CliRunner().invoke(
        app,
        ["audit", "--data", str(data), "--out", str(tmp_path / "o"), "--model-scores", str(path)],
    )
    assert result.exit_code == 2
    assert f"{path}, column 'model_rank': model scores need columns" in result.output
