"""A training run end to end on a small sample: its tables, typed metadata with a faithful JSON round
trip, one-line errors, the model card, and the notebook's settings table."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

from helpers import model as M
from helpers.errors import InputError
from helpers.provenance import file_sha256

AS_OF = "2026-05-01"
FAST = M.ModelSettings(
    n_estimators=15,
    n_repeats=1,
    n_boot=50,
    weight_boot=5,
    emulation_trees=5,
    importance_repeats=1,
    explain_features=3,
    n_jobs=1,
)
pytestmark = pytest.mark.slow  # one training run on 2,500 people (seconds)


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    from helpers.data.ingest import ingest
    from helpers.synthetic import write_sample

    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, people=2500, seed=1)
    return ingest(folder, AS_OF).tables


@pytest.fixture(scope="module")
def result(tables: dict[str, pd.DataFrame]) -> M.TrainResult:
    from helpers.screening.config import load_config

    return M.train_model(tables, None, load_config(None), AS_OF, FAST)


@pytest.fixture(scope="module")
def saved(result: M.TrainResult, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return M.write_training_outputs(result, tmp_path_factory.mktemp("model"))


def test_the_model_learns_from_decisions_never_from_the_screen(result: M.TrainResult) -> None:
    meta = result.metadata
    assert meta.label == "decisions"
    assert meta.data.n_decisions == meta.data.n_positive + meta.data.n_negative
    assert meta.data.n_unlabelled_people == meta.data.n_people - meta.data.n_reviewed_people
    assert not set(meta.features) & set(M.SNAPSHOT_FEATURES)
    assert "unlabelled" in meta.unlabelled


def test_every_method_on_the_same_folds_beside_the_memo(result: M.TrainResult) -> None:
    comp = result.tables["comparison"]
    assert set(comp["method"]) == {
        "BRF",
        "SMOTE+BRF",
        "logistic regression",
        "score R (office weights)",
        "score R (learned weights)",
        "policy memo",
    }
    memo = comp[comp["method"] == "policy memo"].set_index("metric")["value"]
    assert memo["recall"] == 0.86 and memo["precision"] == 0.41
    ours = comp[comp["method"] != "policy memo"]
    assert set(ours["metric"]) == {"pr_auc"} | {
        f"{m}_at_{k}" for m in ("precision", "recall") for k in FAST.ks
    }
    assert ours["value"].between(0, 1).all()
    # Every interval is non-degenerate: a positive width wherever the data allow.
    assert (ours["ci_high"] > ours["ci_low"]).all()
    assert set(ours.loc[ours["metric"] != "pr_auc", "interval"]) == {"Wilson"}


def test_time_split_feedback_calibration_groups_weights(result: M.TrainResult) -> None:
    t = result.tables
    e = result.metadata.evaluation
    assert e.n_time_test > 0 and e.time_cutoff
    assert set(t["time_split"]["method"]) == set(t["comparison"]["method"]) - {"policy memo"}
    status = result.metadata.feedback_status
    assert status.startswith(("evaluated: trained on the decisions before", "not evaluated: "))
    if t["feedback"] is not None:
        fb = t["feedback"].set_index("metric")
        assert fb.loc["pr_auc", "change"] == pytest.approx(
            fb.loc["pr_auc", "after"] - fb.loc["pr_auc", "before"]
        )
    cal = t["calibration"]
    assert cal["n"].sum() == result.metadata.data.n_decisions
    assert "race_group" in set(t["by_group"]["dimension"])
    w = t["weights"].set_index("weight")
    assert {"a", "b", "d", "age", "rules_violations"} <= set(w.index)
    assert {"learned_low", "learned_high", "learned_office_scale_low"} <= set(w.columns)
    assert "score:" in result.metadata.weights_preset


def test_leakage_checks_and_the_rule_emulation_diagnostic(result: M.TrainResult) -> None:
    leak = result.tables["leakage"].set_index("features")
    assert "decision model features (label: decisions)" in leak.index
    emu = result.tables["emulation"]
    if not emu.empty:
        assert set(emu["features"]) >= {"all features", "without the leakage set"}
        assert "policy memo" in set(emu["method"])
    assert result.metadata.emulation_status.startswith(("evaluated:", "not evaluated:"))


def test_training_outputs_are_the_model_its_tables_preset_and_card(saved: list[Path]) -> None:
    names = [p.name for p in saved]
    assert names[:2] == ["model.joblib", "model.json"]
    assert {"metrics.csv", "comparison.csv", "weights.csv", "leakage.csv"} <= set(names)
    assert names[-2:] == ["learned_weights.yaml", "model_card.md"]
    assert all(p.is_file() for p in saved)


def test_metadata_round_trip(result: M.TrainResult, saved: list[Path]) -> None:
    model_path, meta_path = saved[:2]
    doc = json.loads(meta_path.read_text())
    assert list(doc) == [f.name for f in fields(M.ModelMetadata)] + [M.MODEL_FILE_HASH]
    assert doc[M.MODEL_FILE_HASH] == file_sha256(model_path)
    assert doc["parameters"]["ks"] == list(FAST.ks)
    assert M.read_metadata(meta_path) == result.metadata
    _, loaded = M.load_model(model_path)
    assert loaded == result.metadata
    assert isinstance(loaded.parameters, M.ModelSettings) and loaded.parameters == FAST
    assert M.model_card(loaded) == M.model_card(result.metadata)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["data"].pop("n_decisions"), "key 'data.n_decisions' is missing"),
        (lambda d: d.pop("feedback_status"), "key 'feedback_status' is missing"),
        (lambda d: d.update(seed="1172"), "key 'seed': expected a whole number"),
        (lambda d: d["parameters"].update(ks=[25, "x"]), "key 'parameters.ks[1]'"),
        (lambda d: d.update(label="votes"), "key 'label': expected one of: decisions, screen"),
        (lambda d: d["tables"].update(metrics={"a": 1}), "key 'tables.metrics': expected a table"),
        (lambda d: d["evaluation"].update(n_splits=-1), "key 'evaluation.n_splits'"),
        (lambda d: d.update(created="2026-05-01T10:00:00"), "key 'created': expected one of"),
        (lambda d: d.update(extra=1), "key 'extra': expected one of"),
        (lambda d: d.pop(M.MODEL_FILE_HASH), "key 'model_file_sha256'"),
    ],
)
def test_bad_metadata_is_a_one_line_error(
    saved: list[Path], tmp_path: Path, change, message
) -> None:
    doc = json.loads(saved[1].read_text())
    change(doc)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        M.read_metadata(path)
    text = str(err.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_unreadable_metadata_and_model_files(tmp_path: Path) -> None:
    bad = tmp_path / "model.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        M.read_metadata(bad)
    with pytest.raises(InputError, match="no such model metadata file"):
        M.read_metadata(tmp_path / "none.json")
    import joblib

    joblib.dump({"pipeline": None, "metadata": {"model": "x"}}, tmp_path / "model.joblib")
    with pytest.raises(InputError) as err:
        M.load_model(tmp_path)
    assert str(err.value).startswith(str(tmp_path / "model.joblib")) and "is missing" in str(
        err.value
    )


def test_model_card_sections_and_numbers(result: M.TrainResult) -> None:
    text = M.model_card(result.metadata)
    for section in (
        "## Model details",
        "## Intended use",
        "## Factors",
        "## Metrics",
        "## Evaluation data",
        "## Training data",
        "## Quantitative analyses",
        "### Comparison on the same folds, and the policy memo",
        "### Time split",
        "### Calibration",
        "### Human feedback",
        "### Learned weights of R",
        "### By race group",
        "### Leakage control",
        "### Rule emulation check",
        "## Ethical considerations",
        "## Caveats and recommendations",
    ):
        assert section in text
    assert "0.86" in text and "0.41" in text
    assert (
        "reflects" in text or "that generator" in text
    )  # synthetic results describe the generator
    assert "recall 1.000 for every group" not in text
    pr = next(r for r in result.metadata.table("metrics") if r["metric"] == "pr_auc")
    assert f"{pr['value']:.3f}" in text


def test_too_few_decisions_is_a_one_line_error(tables: dict[str, pd.DataFrame]) -> None:
    from helpers.screening.config import load_config

    few = {**tables, "decisions": tables["decisions"].head(5)}
    with pytest.raises(InputError, match="at least 10 of each are needed"):
        M.train_model(few, None, load_config(None), AS_OF, FAST)


def test_a_rerun_writes_the_same_tables_and_the_same_bytes(
    tables: dict[str, pd.DataFrame], result: M.TrainResult, saved: list[Path], tmp_path: Path
) -> None:
    from helpers.screening.config import load_config

    again = M.train_model(tables, None, load_config(None), AS_OF, FAST)
    for name, table in result.tables.items():
        if table is None:
            assert again.tables[name] is None
        else:
            pd.testing.assert_frame_equal(table, again.tables[name], obj=name)
    assert again.metadata.data.training_data_sha256 == result.metadata.data.training_data_sha256
    rewritten = M.write_training_outputs(again, tmp_path)
    for first, second in zip(saved, rewritten, strict=True):
        assert first.name == second.name
        assert first.read_bytes() == second.read_bytes(), first.name
    doc = json.loads(saved[1].read_text())
    assert "created" not in doc and "timing_seconds" not in doc  # no clock time is published
    assert doc["as_of"] == AS_OF


def test_zeroing_tree_padding_keeps_the_scores(tables: dict[str, pd.DataFrame]) -> None:
    import pickle

    from helpers.screening.config import load_config

    spec = M.RunSpec(None, load_config(None), AS_OF, FAST)
    ex = M.labelled_examples(tables, spec)
    pipe = M.fit(M.make_pipeline(ex.features, FAST, missing=ex.missing), ex.X, ex.y)
    before = M.scores(pipe, ex.X)
    assert M.zero_tree_padding(pipe) >= FAST.n_estimators  # every tree of the forest
    assert (M.scores(pipe, ex.X) == before).all()
    again = M.fit(M.make_pipeline(ex.features, FAST, missing=ex.missing), ex.X, ex.y)
    M.zero_tree_padding(again)
    assert pickle.dumps(pipe) == pickle.dumps(again)
