"""The model's metadata: typed sections, a faithful JSON round trip, one-line errors, and feedback
that was not evaluated reported with its reason."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import model as M
from helpers.errors import InputError
from helpers.provenance import file_sha256

AS_OF = "2026-05-01"
FAST = M.ModelSettings(n_estimators=15, n_boot=50, importance_repeats=1, explain_features=3)
NO_LOG = "not evaluated: the data has no review-decision log"


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    from helpers.data.ingest import ingest
    from helpers.synthetic import write_sample

    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, people=2500, seed=1)
    return ingest(folder, AS_OF).tables


@pytest.fixture(scope="module")
def result(tables: dict[str, pd.DataFrame]) -> M.TrainResult:
    """A run on data without a decision log: the feedback step has nothing to learn from."""
    from helpers.screening.config import load_config

    without_log = {k: v for k, v in tables.items() if k != "decisions"}
    return M.train_model(without_log, None, load_config(None), AS_OF, "screen", FAST)


@pytest.fixture(scope="module")
def saved(result: M.TrainResult, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return M.write_training_outputs(result, tmp_path_factory.mktemp("model"))


def test_feedback_not_evaluated_is_reported(result: M.TrainResult) -> None:
    assert result.feedback is None
    assert result.feedback_status == NO_LOG
    assert result.metadata.feedback_status == NO_LOG and result.metadata.feedback is None
    card = M.model_card(result.metadata)
    assert "### Human feedback\n\nNot evaluated: the data has no review-decision log.\n" in card


def test_training_outputs_are_the_model_its_tables_and_card(saved: list[Path]) -> None:
    names = [p.name for p in saved]
    assert names == [
        "model.joblib",
        "model.json",
        "metrics.csv",
        "comparison.csv",
        "importance.csv",
        "weights.csv",
        "inspection.csv",
        "by_group.csv",
        "model_card.md",
    ]
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
    assert loaded.versions["imbalanced-learn"] and loaded.versions["secondlook"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["data"].pop("n_test"), "key 'data.n_test' is missing"),
        (lambda d: d.pop("feedback_status"), "key 'feedback_status' is missing"),
        (lambda d: d.update(seed="1172"), "key 'seed': expected a whole number"),
        (lambda d: d["parameters"].update(ks=[25, "x"]), "key 'parameters.ks[1]'"),
        (lambda d: d.update(label="votes"), "key 'label': expected one of: screen, decisions"),
        (lambda d: d.update(metrics={"a": 1}), "key 'metrics': expected a table"),
        (lambda d: d["timing_seconds"].update(fit=float("nan")), "key 'timing_seconds.fit'"),
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


def _log(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["cdcno", "county", "decision", "date_reviewed"])
    frame["date_reviewed"] = pd.to_datetime(frame["date_reviewed"])
    return frame


def test_training_feedback_says_why_it_was_not_evaluated() -> None:
    ids = pd.Index([f"p{i}" for i in range(8)], dtype="string", name="cdcno")
    X = pd.DataFrame({"age": np.arange(8.0)}, index=ids)
    y = pd.Series([True, False] * 4, index=ids)
    positions = (np.arange(6), np.arange(6, 8))
    log = _log([("p0", "Yolo", "referred", "2024-01-01"), ("p1", "Yolo", "declined", "2024-02-01")])

    def status(label: str, **kw) -> str:
        out = M.training_feedback(label, X, y, positions, FAST, **kw)
        assert out.table is None
        return out.status

    assert status("screen", decisions=None) == NO_LOG
    assert status("screen", decisions=log.iloc[:0]) == NO_LOG
    assert status("screen", decisions=log, county="Los Angeles") == (
        "not evaluated: the review-decision log has no decisions of Los Angeles's office"
    )
    assert status("screen", decisions=log, feedback=log.iloc[:0]) == (
        "not evaluated: the feedback log is empty"
    )
    # With the decision label, the earlier half of the log has one positive among the training
    # people: too few to train the "before" model.
    assert status("decisions", decisions=log).startswith(
        "not evaluated: fewer than 2 training people are positive before the feedback"
    )


def test_model_notebook_settings_table_has_every_row(saved: list[Path]) -> None:
    from types import SimpleNamespace

    from helpers.report import model_setting

    ctx = SimpleNamespace(shared=SimpleNamespace(model=SimpleNamespace(metadata=saved[1])))
    table = model_setting(ctx).set_index("Item")["Value"]
    items = [
        "label",
        "county",
        "n_train",
        "n_test",
        "positives_train",
        "positives_test",
        "positive_rate",
        "threshold",
        "training_data_hash",
        "trained",
        "seconds",
    ]
    params = [f"parameter {f.name}" for f in fields(M.ModelSettings)]
    assert list(table.index) == items + params
    assert table.notna().all() and (table.str.strip() != "").all()
    meta = M.read_metadata(saved[1])
    assert table["n_test"] == str(meta.data.n_test)
    assert table["training_data_hash"] == meta.data.training_data_sha256
    assert table["parameter ks"] == str(list(FAST.ks))
    assert table["parameter max_depth"] == "none"
