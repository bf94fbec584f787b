"""``secondlook train`` then ``secondlook predict`` on a small synthetic sample."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from helpers import model as M
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
    args = ["--data", str(processed), "--county", "statewide", "--out", str(out)]
    fast = ["--trees", "15", "--repeats", "1", "--n-boot", "60"]
    result = runner.invoke(app, ["train", *args, *fast])
    assert result.exit_code == 0, result.output
    assert "pr_auc" in result.output and "decisions of" in result.output
    for name in (
        "model.joblib",
        "model.json",
        "metrics.csv",
        "comparison.csv",
        "weights.csv",
        "learned_weights.yaml",
        "model_card.md",
    ):
        assert (out / name).exists(), name
    meta = json.loads((out / "model.json").read_text())
    assert meta["label"] == "decisions" and meta["as_of"] == AS_OF
    metrics = pd.read_csv(out / "metrics.csv").set_index("metric")
    assert 0 <= metrics.loc["pr_auc", "value"] <= 1
    assert "## Intended use" in (out / "model_card.md").read_text()

    scored = tmp_path / "candidates.csv"
    model = ["--model", str(out / "model.joblib")]
    result = runner.invoke(
        app,
        ["predict", "--data", str(processed), *model, "--explain-top", "5", "--out", str(scored)],
    )
    assert result.exit_code == 0, result.output
    assert "people ranked" in result.output
    cand = pd.read_csv(scored, dtype={"cdcno": "string"})
    assert {"model_score", "model_rank", "model_status", "top_features", "R", "rank"} <= set(cand)
    assert cand["cdcno"].is_unique and len(cand) == meta["data"]["n_people"]
    ranked = cand["model_rank"].notna()
    # Only people the screen passes or cannot decide are scored and ranked.
    assert cand.loc[ranked, "eligibility"].isin(["eligible", "unknown"]).all()
    assert cand.loc[~ranked, "model_score"].isna().all()
    assert cand.loc[ranked, "model_score"].between(0, 1).all()
    explained = cand["top_features"].fillna("") != ""
    assert (cand.loc[explained, "model_rank"] <= 5).all()
    best = cand.loc[cand["model_rank"] == 1].set_index("county")["model_score"]
    top = cand.loc[ranked].groupby("county")["model_score"].max().reindex(best.index)
    assert (best >= top).all()

    # An existing candidate list gets the columns added, rows kept in order.
    subset = tmp_path / "subset.csv"
    cand.drop(columns=list(M.MODEL_COLUMNS)).head(30).to_csv(subset, index=False)
    again = tmp_path / "again.csv"
    result = runner.invoke(
        app,
        [
            "predict",
            "--data",
            str(processed),
            *model,
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


@pytest.mark.slow  # the rule emulation check through the command line (seconds)
def test_screen_label_runs_the_rule_emulation_check_and_saves_no_model(app, processed, tmp_path):
    out = tmp_path / "check"
    result = CliRunner().invoke(
        app,
        [
            "train",
            "--data",
            str(processed),
            "--county",
            "statewide",
            "--label",
            "screen",
            "--out",
            str(out),
            "--n-boot",
            "60",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rule emulation check (diagnostic, no model saved)" in result.output
    assert not (out / "model.joblib").exists()
    assert (out / "leakage.csv").exists()


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
    assert "--label must be one of decisions, screen" in result.output
