"""``secondlook train`` then ``secondlook predict`` on a small synthetic sample."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from helpers.cli.model import register

AS_OF = "2026-05-01"


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:  # keep sub-commands even with two commands registered
        """Test app."""

    return app


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    from helpers.data.ingest import ingest, write_processed
    from helpers.synthetic import write_sample

    raw = tmp_path_factory.mktemp("raw")
    write_sample(raw, people=2500, seed=1)
    return write_processed(ingest(raw, AS_OF), tmp_path_factory.mktemp("processed"))


@pytest.mark.slow  # trains and predicts through the command line (seconds)
def test_train_then_predict(app, processed, tmp_path):
    runner = CliRunner()
    out = tmp_path / "model"
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(processed),
            "--county",
            "statewide",
            "--label",
            "decisions",
            "--out",
            str(out),
            "--trees",
            "20",
            "--n-boot",
            "60",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "pr_auc" in result.output
    for name in (
        "model.joblib",
        "model.json",
        "metrics.csv",
        "comparison.csv",
        "importance.csv",
        "weights.csv",
        "model_card.md",
    ):
        assert (out / name).exists(), name
    meta = json.loads((out / "model.json").read_text())
    assert meta["label"] == "decisions" and meta["as_of"] == AS_OF
    metrics = pd.read_csv(out / "metrics.csv").set_index("metric")
    assert 0 <= metrics.loc["pr_auc", "value"] <= 1
    assert "## Intended use" in (out / "model_card.md").read_text()

    scored = tmp_path / "candidates.csv"
    result = runner.invoke(
        app,
        [
            "predict",
            "--data",
            str(processed),
            "--model",
            str(out / "model.joblib"),
            "--explain-top",
            "5",
            "--out",
            str(scored),
        ],
    )
    assert result.exit_code == 0, result.output
    cand = pd.read_csv(scored, dtype={"cdcno": "string"})
    assert {"model_score", "model_rank", "top_features", "R", "rank"} <= set(cand.columns)
    assert cand["model_score"].between(0, 1).all()
    assert cand["cdcno"].is_unique and len(cand) == meta["data"]["n_people"]
    # Only the best 5 per county are explained.
    explained = cand["top_features"].fillna("") != ""
    assert explained.any()
    assert (cand.loc[explained, "model_rank"] <= 5).all()
    # Rank 1 in each county is its highest score.
    best = cand.loc[cand["model_rank"] == 1].set_index("county")["model_score"]
    assert (best >= cand.groupby("county")["model_score"].max().reindex(best.index)).all()

    # An existing candidate list gets the columns added, rows kept in order.
    subset = tmp_path / "subset.csv"
    cand.drop(columns=["model_score", "model_rank", "top_features"]).head(30).to_csv(
        subset, index=False
    )
    again = tmp_path / "again.csv"
    result = runner.invoke(
        app,
        [
            "predict",
            "--data",
            str(processed),
            "--model",
            str(out / "model.joblib"),
            "--candidates",
            str(subset),
            "--no-explain",
            "--out",
            str(again),
        ],
    )
    assert result.exit_code == 0, result.output
    small = pd.read_csv(again, dtype={"cdcno": "string"})
    assert small["cdcno"].tolist() == cand["cdcno"].head(30).tolist()
    pd.testing.assert_series_equal(small["model_score"], cand["model_score"].head(30))


def test_errors_are_one_line(app, processed, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "predict",
            "--data",
            str(processed),
            "--model",
            str(tmp_path / "none.joblib"),
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "error:" in result.output and "no such model file" in result.output
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(processed),
            "--county",
            "statewide",
            "--label",
            "votes",
            "--out",
            str(tmp_path / "m"),
        ],
    )
    assert result.exit_code == 2
    assert "--label must be one of screen, decisions" in result.output
