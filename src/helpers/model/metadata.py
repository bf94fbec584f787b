"""The metadata of a trained model: what it was trained on, how, with what, and how well it did.

:class:`ModelMetadata` is written by :func:`helpers.model.train_model`, saved as ``model.json`` and
inside ``model.joblib`` (:func:`helpers.model.save_model`), and read back by :func:`read_metadata`
and :func:`helpers.model.load_model`; the model card and the model notebook read its attributes.
Sections of the JSON are nested dataclasses (``config``, ``parameters``, ``data``, ``evaluation``,
``memo``); evaluation tables (``tables``) are lists of records (one mapping per row), by name.  A
missing or malformed key is a one-line :class:`~helpers.errors.InputError` naming the file.

The metadata is dated by the data's as-of date and holds no clock time and no timing, so a rerun on
the same data with the same seed writes the same bytes; a run's seconds (:class:`Timing`) are kept
on the run (:class:`helpers.model.TrainResult`) and printed, never published.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.errors import InputError
from helpers.model.labels import LABELS
from helpers.model.settings import ModelSettings
from helpers.provenance import bytes_sha256
from helpers.yamlconfig import (
    check_keys,
    choice,
    fail,
    flag,
    integer,
    join,
    mapping,
    number,
    text,
    text_list,
)

#: An evaluation table as records: one mapping (column → value) per row.
Table = list[dict[str, Any]]


def data_hash(X: pd.DataFrame, y: pd.Series) -> str:
    """SHA-256 of the training feature matrix and labels (row order and values)."""
    return bytes_sha256(
        pd.util.hash_pandas_object(X.reset_index(), index=False).to_numpy().tobytes()
        + np.asarray(y.astype("Int8").fillna(-1), dtype=np.int8).tobytes()
        + ",".join(X.columns).encode()
    )


def table_records(frame: pd.DataFrame | None) -> Table | None:
    """A table as JSON records (NaN becomes ``None``), or ``None`` for no table."""
    if frame is None:
        return None
    return json.loads(frame.to_json(orient="records"))


@dataclass
class ConfigSummary:
    """The county configuration the model was trained with: name, files, rules and R's weights."""

    name: str
    files: list[str]
    rules: list[str]
    a: float
    b: float
    d: float
    factors: dict[str, float]


@dataclass
class DataSummary:
    """The training data: its hash, the decision log's examples and what was left out."""

    training_data_sha256: str
    n_people: int
    n_reviewed_people: int
    n_unlabelled_people: int
    n_decisions: int
    n_positive: int
    n_negative: int
    positive_share: float
    n_not_in_data: int
    n_unknown_decision: int
    first_decision: str
    last_decision: str


@dataclass
class EvaluationSummary:
    """How the model was evaluated: folds and repeats, the time split and the feedback dates."""

    n_splits: int
    n_repeats: int
    time_cutoff: str
    n_time_train: int
    n_time_test: int
    n_time_test_positive: int
    n_time_left_out: int
    feedback_cutoffs: list[str]


@dataclass
class Timing:
    """Seconds spent on the dated features, the cross-validation, the final fit and the whole run
    (printed by the command and the benchmark; not part of the metadata)."""

    features: float
    cross_validation: float
    fit: float
    run: float


@dataclass
class MemoPair:
    """The policy memo's reported recall and precision and the setting it reported them in."""

    recall: float
    precision: float
    setting: str


@dataclass
class ModelMetadata:
    """Everything recorded about a trained model (the keys of ``model.json``, in order).

    ``tables`` holds the evaluation tables by name (:data:`helpers.model.TABLE_FILES`).
    """

    model: str
    as_of: str
    county: str
    label: str
    label_definition: str
    unlabelled: str
    config: ConfigSummary
    seed: int
    parameters: ModelSettings
    features: list[str]
    leakage: dict[str, list[str]]
    reference_values: dict[str, Any]
    explain_features: list[str]
    data: DataSummary
    evaluation: EvaluationSummary
    versions: dict[str, str]
    memo: MemoPair
    setting: str
    feedback_status: str
    emulation_status: str
    weights_preset: str
    tables: dict[str, Table]

    def table(self, name: str) -> Table:
        """One evaluation table (empty when the run did not compute it)."""
        return self.tables.get(name) or []

    def to_dict(self) -> dict[str, Any]:
        """The metadata as plain JSON-ready values (sections as mappings)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: Any, file: str | Path) -> ModelMetadata:
        """Metadata from its mapping form; a missing or malformed key is an ``InputError``."""
        path = Path(file)
        doc = _keys_of(cls, doc, path, "")
        texts = {
            k: text(doc[k], k, path, empty=True)
            for k in (
                "model",
                "as_of",
                "county",
                "label_definition",
                "unlabelled",
                "setting",
                "feedback_status",
                "emulation_status",
                "weights_preset",
            )
        }
        leakage = mapping(doc["leakage"], "leakage", path)
        return cls(
            **texts,
            label=choice(doc["label"], "label", path, LABELS),
            config=_config(doc["config"], path),
            seed=integer(doc["seed"], "seed", path),
            parameters=_parameters(doc["parameters"], path),
            features=text_list(doc["features"], "features", path),
            leakage={k: text_list(v, join("leakage", k), path) for k, v in leakage.items()},
            reference_values=mapping(doc["reference_values"], "reference_values", path),
            explain_features=text_list(doc["explain_features"], "explain_features", path),
            data=_data(doc["data"], path),
            evaluation=_evaluation(doc["evaluation"], path),
            versions={
                k: text(v, join("versions", k), path)
                for k, v in mapping(doc["versions"], "versions", path).items()
            },
            memo=_memo(doc["memo"], path),
            tables={
                k: _table(v, join("tables", k), path)
                for k, v in mapping(doc["tables"], "tables", path).items()
            },
        )


#: The key ``model.json`` adds to the metadata: the SHA-256 of the ``model.joblib`` beside it.
MODEL_FILE_HASH = "model_file_sha256"


def read_metadata(path: str | Path) -> ModelMetadata:
    """The metadata in a ``model.json`` written by :func:`helpers.model.save_model`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            "no such model metadata file (train one with `secondlook train`)", file=str(path)
        )
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", file=str(path)) from None
    doc = mapping(doc, "", path)
    text(doc.get(MODEL_FILE_HASH), MODEL_FILE_HASH, path)
    return ModelMetadata.from_dict({k: v for k, v in doc.items() if k != MODEL_FILE_HASH}, path)


def _keys_of(cls: type, doc: Any, path: Path, where: str) -> dict[str, Any]:
    """``doc`` as a mapping holding exactly the fields of the dataclass ``cls``."""
    doc = mapping(doc, where, path) if where else _top_mapping(doc, path)
    names = [f.name for f in fields(cls)]
    check_keys(doc, names, path, where)
    for name in names:
        if name not in doc:
            raise InputError(f"key '{join(where, name)}' is missing", file=str(path))
    return doc


def _top_mapping(doc: Any, path: Path) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise fail(path, "", "a mapping of metadata keys", type(doc).__name__)
    return doc


def _table(value: Any, key: str, path: Path) -> Table:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise fail(path, key, "a table (a list of rows)", type(value).__name__)
    return value


def _config(value: Any, path: Path) -> ConfigSummary:
    doc = _keys_of(ConfigSummary, value, path, "config")
    factors = mapping(doc["factors"], "config.factors", path)
    return ConfigSummary(
        name=text(doc["name"], "config.name", path),
        files=text_list(doc["files"], "config.files", path),
        rules=text_list(doc["rules"], "config.rules", path),
        a=number(doc["a"], "config.a", path),
        b=number(doc["b"], "config.b", path),
        d=number(doc["d"], "config.d", path),
        factors={k: number(v, join("config.factors", k), path) for k, v in factors.items()},
    )


def _parameter(value: Any, key: str, kind: str, path: Path) -> Any:
    """One setting of :class:`ModelSettings`, read by the type its field declares."""
    if kind == "int | None":
        return None if value is None else integer(value, key, path, lo=1)
    if kind == "str | float":
        return value if isinstance(value, str) else number(value, key, path)
    if kind.startswith("tuple"):
        if not isinstance(value, list | tuple):
            raise fail(path, key, "a list of whole numbers", value)
        return tuple(integer(k, join(key, i), path, lo=1) for i, k in enumerate(value))
    readers = {"int": integer, "float": number, "bool": flag, "str": text}
    return readers[kind](value, key, path)


def _parameters(value: Any, path: Path) -> ModelSettings:
    doc = _keys_of(ModelSettings, value, path, "parameters")
    return ModelSettings(
        **{
            f.name: _parameter(doc[f.name], join("parameters", f.name), str(f.type), path)
            for f in fields(ModelSettings)
        }
    )


def _data(value: Any, path: Path) -> DataSummary:
    doc = _keys_of(DataSummary, value, path, "data")
    counts = {
        f.name: integer(doc[f.name], join("data", f.name), path, lo=0)
        for f in fields(DataSummary)
        if f.name.startswith("n_")
    }
    return DataSummary(
        training_data_sha256=text(doc["training_data_sha256"], "data.training_data_sha256", path),
        positive_share=number(doc["positive_share"], "data.positive_share", path, lo=0, hi=1),
        first_decision=text(doc["first_decision"], "data.first_decision", path),
        last_decision=text(doc["last_decision"], "data.last_decision", path),
        **counts,
    )


def _evaluation(value: Any, path: Path) -> EvaluationSummary:
    doc = _keys_of(EvaluationSummary, value, path, "evaluation")
    counts = {
        f.name: integer(doc[f.name], join("evaluation", f.name), path, lo=0)
        for f in fields(EvaluationSummary)
        if f.name.startswith("n_")
    }
    return EvaluationSummary(
        time_cutoff=text(doc["time_cutoff"], "evaluation.time_cutoff", path, empty=True),
        feedback_cutoffs=text_list(doc["feedback_cutoffs"], "evaluation.feedback_cutoffs", path),
        **counts,
    )


def _memo(value: Any, path: Path) -> MemoPair:
    doc = _keys_of(MemoPair, value, path, "memo")
    return MemoPair(
        recall=number(doc["recall"], "memo.recall", path, lo=0, hi=1),
        precision=number(doc["precision"], "memo.precision", path, lo=0, hi=1),
        setting=text(doc["setting"], "memo.setting", path),
    )
