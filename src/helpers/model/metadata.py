"""The metadata of a trained model: what it was trained on, how, with what, and how well it did.

:class:`ModelMetadata` is written by :func:`helpers.model.train_model`, saved as ``model.json`` and
inside ``model.joblib`` (:func:`helpers.model.save_model`), and read back by :func:`read_metadata`
and :func:`helpers.model.load_model`; the model card and the model notebook read its attributes.
Sections of the JSON are nested dataclasses (``config``, ``parameters``, ``data``,
``timing_seconds``, ``memo``); evaluation tables are lists of records (one mapping per row).  A
missing or malformed key is a one-line :class:`~helpers.errors.InputError` naming the file.
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
    """The training data: its hash and the counts of people, labels, split and positives."""

    training_data_sha256: str
    n_people: int
    n_labelled: int
    n_unlabelled: int
    n_positive: int
    positive_share: float
    n_train: int
    n_test: int
    n_train_positive: int
    n_test_positive: int
    test_positive_share: float


@dataclass
class Timing:
    """Seconds spent fitting the model, predicting the test set and on the whole run."""

    fit: float
    predict_test: float
    run: float


@dataclass
class MemoPair:
    """The policy memo's reported recall and precision and the setting it reported them in."""

    recall: float
    precision: float
    setting: str


@dataclass
class ModelMetadata:
    """Everything recorded about a trained model (the keys of ``model.json``, in order)."""

    model: str
    created: str
    as_of: str
    county: str
    label: str
    label_definition: str
    config: ConfigSummary
    seed: int
    parameters: ModelSettings
    features: list[str]
    screen_input_features: list[str]
    reference_values: dict[str, Any]
    explain_features: list[str]
    data: DataSummary
    timing_seconds: Timing
    versions: dict[str, str]
    metrics: Table
    comparison: Table
    memo: MemoPair
    setting: str
    learned_weights: Table
    importance: Table
    inspection: Table
    feedback: Table | None
    feedback_status: str
    by_group: Table | None

    def to_dict(self) -> dict[str, Any]:
        """The metadata as plain JSON-ready values (sections as mappings)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: Any, file: str | Path) -> ModelMetadata:
        """Metadata from its mapping form; a missing or malformed key is an ``InputError``."""
        path = Path(file)
        doc = _keys_of(cls, doc, path, "")
        table = {k: _table(doc[k], k, path) for k in _TABLES}
        optional = {k: None if doc[k] is None else _table(doc[k], k, path) for k in _OPTIONAL}
        return cls(
            model=text(doc["model"], "model", path),
            created=text(doc["created"], "created", path),
            as_of=text(doc["as_of"], "as_of", path),
            county=text(doc["county"], "county", path),
            label=choice(doc["label"], "label", path, LABELS),
            label_definition=text(doc["label_definition"], "label_definition", path),
            config=_config(doc["config"], path),
            seed=integer(doc["seed"], "seed", path),
            parameters=_parameters(doc["parameters"], path),
            features=text_list(doc["features"], "features", path),
            screen_input_features=text_list(
                doc["screen_input_features"], "screen_input_features", path
            ),
            reference_values=mapping(doc["reference_values"], "reference_values", path),
            explain_features=text_list(doc["explain_features"], "explain_features", path),
            data=_data(doc["data"], path),
            timing_seconds=_timing(doc["timing_seconds"], path),
            versions={
                k: text(v, join("versions", k), path)
                for k, v in mapping(doc["versions"], "versions", path).items()
            },
            memo=_memo(doc["memo"], path),
            setting=text(doc["setting"], "setting", path),
            feedback_status=text(doc["feedback_status"], "feedback_status", path),
            **table,
            **optional,
        )


_TABLES = ("metrics", "comparison", "learned_weights", "importance", "inspection")
_OPTIONAL = ("feedback", "by_group")
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


def _parameters(value: Any, path: Path) -> ModelSettings:
    doc = _keys_of(ModelSettings, value, path, "parameters")

    def whole(key: str, lo: int | None = None) -> int:
        return integer(doc[key], join("parameters", key), path, lo=lo)

    def real(key: str) -> float:
        return number(doc[key], join("parameters", key), path)

    ks = doc["ks"]
    if not isinstance(ks, list | tuple):
        raise fail(path, "parameters.ks", "a list of whole numbers", ks)
    max_features = doc["max_features"]
    if not isinstance(max_features, str):
        max_features = (integer if isinstance(max_features, int) else number)(
            max_features, "parameters.max_features", path
        )
    return ModelSettings(
        n_estimators=whole("n_estimators", 1),
        max_depth=None if doc["max_depth"] is None else whole("max_depth", 1),
        min_samples_leaf=whole("min_samples_leaf", 1),
        max_features=max_features,
        sampling_strategy=text(doc["sampling_strategy"], "parameters.sampling_strategy", path),
        replacement=flag(doc["replacement"], "parameters.replacement", path),
        bootstrap=flag(doc["bootstrap"], "parameters.bootstrap", path),
        smote=flag(doc["smote"], "parameters.smote", path),
        smote_ratio=real("smote_ratio"),
        smote_k_neighbors=whole("smote_k_neighbors", 1),
        n_jobs=whole("n_jobs"),
        random_state=whole("random_state"),
        test_size=real("test_size"),
        threshold=real("threshold"),
        ks=tuple(integer(k, join("parameters.ks", i), path, lo=1) for i, k in enumerate(ks)),
        n_boot=whole("n_boot", 1),
        importance_repeats=whole("importance_repeats", 1),
        importance_max_rows=whole("importance_max_rows", 1),
        explain_features=whole("explain_features", 0),
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
        test_positive_share=number(
            doc["test_positive_share"], "data.test_positive_share", path, lo=0, hi=1
        ),
        **counts,
    )


def _timing(value: Any, path: Path) -> Timing:
    doc = _keys_of(Timing, value, path, "timing_seconds")
    return Timing(
        **{
            f.name: number(doc[f.name], join("timing_seconds", f.name), path, lo=0)
            for f in fields(Timing)
        }
    )


def _memo(value: Any, path: Path) -> MemoPair:
    doc = _keys_of(MemoPair, value, path, "memo")
    return MemoPair(
        recall=number(doc["recall"], "memo.recall", path, lo=0, hi=1),
        precision=number(doc["precision"], "memo.precision", path, lo=0, hi=1),
        setting=text(doc["setting"], "memo.setting", path),
    )
