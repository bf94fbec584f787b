"""Training and prediction runs from a data folder to files: what ``secondlook train`` and
``secondlook predict`` do.

* :func:`train_to_folder` trains on a data folder and writes the model, its metadata, the evaluation
  tables and the card (:func:`write_training_outputs`).
* :func:`predict_to_file` adds ``model_score``, ``model_rank`` and ``top_features`` to a candidate
  list (:func:`score_candidates`) and writes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.counties import canonical_name
from helpers.data.ingest import is_processed, load_dataset
from helpers.errors import InputError
from helpers.model.card import write_model_card
from helpers.model.features import build_features
from helpers.model.labels import check_label
from helpers.model.metadata import ModelMetadata
from helpers.model.persistence import load_model, model_ranks, predict, save_model
from helpers.model.settings import ModelSettings
from helpers.model.training import TrainResult, train_model
from helpers.screening.candidates import build_candidates
from helpers.screening.config import CountyConfig, load_config

#: The evaluation tables of a training run, each written as ``<name>.csv`` (feedback and by_group
#: only when they were computed).
TABLE_FILES = (
    "metrics",
    "comparison",
    "importance",
    "weights",
    "inspection",
    "feedback",
    "by_group",
)
CARD_FILE = "model_card.md"
#: Columns :func:`score_candidates` adds (replacing them when the list already has them).
SCORE_COLUMNS = ("model_score", "model_rank", "top_features")
SUMMARY_METRICS = ("precision", "recall", "pr_auc", "balanced_accuracy")


def write_training_tables(result: TrainResult, out: Path) -> list[Path]:
    """Write the run's evaluation tables (:data:`TABLE_FILES`) as CSV files in ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLE_FILES:
        table = getattr(result, name)
        if table is not None:
            table.to_csv(out / f"{name}.csv", index=False)
            written.append(out / f"{name}.csv")
    return written


def write_training_outputs(result: TrainResult, out: Path) -> list[Path]:
    """Write ``model.joblib``, ``model.json``, the evaluation tables and ``model_card.md``.

    Returns the files written, model and metadata first.
    """
    model_path, meta_path = save_model(result.pipeline, result.metadata, out)
    tables = write_training_tables(result, out)
    card = write_model_card(result.metadata, Path(out) / CARD_FILE)
    return [model_path, meta_path, *tables, card]


@dataclass
class TrainingRun:
    """A finished training run: its result, the files written (model and metadata first) and the
    seconds it took from reading the data to writing the card."""

    result: TrainResult
    files: list[Path]
    seconds: float

    def summary(self) -> str:
        """The run in a few lines: people and positives, headline metrics, timing and files."""
        meta, d = self.result.metadata, self.result.metadata.data
        m = self.result.metrics.set_index("metric")
        lines = [
            f"{meta.model}: {d.n_labelled:,} labelled people ({d.n_positive:,} positive), "
            f"test {d.n_test:,} ({d.n_test_positive:,} positive)"
        ]
        for metric in SUMMARY_METRICS:
            r = m.loc[metric]
            lines.append(
                f"  {metric:<18} {r['value']:.3f}  (95 % {r['ci_low']:.3f}–{r['ci_high']:.3f})"
            )
        lines.append(
            f"fit {meta.timing_seconds.fit:.1f} s; run {self.seconds:.1f} s; wrote "
            f"{self.files[0]}, {self.files[1].name}, metrics.csv, comparison.csv, importance.csv, "
            "weights.csv, model_card.md"
        )
        return "\n".join(lines)


def train_to_folder(
    data: Path,
    county: str,
    out: Path,
    *,
    label: str = "screen",
    config: Path | None = None,
    as_of: str | None = None,
    settings: ModelSettings | None = None,
) -> TrainingRun:
    """Train on the data folder ``data`` for ``county`` and write everything to ``out``.

    ``data`` is an ingested folder or raw CDCR files (:func:`helpers.data.ingest.load_dataset`);
    ``config`` a county configuration file (default: the county's); ``as_of`` defaults to the
    ingest manifest's date.
    """
    check_label(label)
    started = time.perf_counter()
    dataset = load_dataset(data, as_of)
    name = canonical_name(county)
    result = train_model(
        dataset.tables, name, load_config(name, config), dataset.as_of, label, settings
    )
    files = write_training_outputs(result, out)
    return TrainingRun(result, files, time.perf_counter() - started)


@dataclass
class ScoredCandidates:
    """A candidate list with the model's columns, and the seconds the scoring itself took."""

    frame: pd.DataFrame
    scoring_seconds: float


def score_candidates(
    candidates: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    config: CountyConfig,
    as_of: date | str,
    pipeline: Any,
    metadata: ModelMetadata,
    *,
    explain: bool = True,
    explain_top: int = 1000,
) -> ScoredCandidates:
    """``candidates`` with ``model_score``, ``model_rank`` and (when ``explain``) ``top_features``.

    Ranks are within each county when the list has a ``county`` column.  Only the best
    ``explain_top`` per county are explained (0 = everybody); the others get an empty text.
    """
    X = build_features(tables, as_of, config)
    X = X.loc[~X.index.duplicated()].reindex(pd.Index(candidates["cdcno"].astype("string")))
    started = time.perf_counter()
    pred = predict(pipeline, metadata, X, explain_rows=False)
    seconds = time.perf_counter() - started
    out = candidates.drop(columns=list(SCORE_COLUMNS), errors="ignore")
    out["model_score"] = pred["model_score"].to_numpy()
    county = out.get("county")
    out["model_rank"] = model_ranks(out["model_score"].to_numpy(), county)
    if explain:
        rows = out["model_rank"].to_numpy() <= explain_top if explain_top else True
        why = predict(pipeline, metadata, X, explain_rows=rows)
        out["top_features"] = why["top_features"].to_numpy()
    return ScoredCandidates(out, seconds)


def read_candidates(path: Path) -> pd.DataFrame:
    """A candidate list CSV (``cdcno`` read as text); a missing file or column is an error."""
    if not Path(path).exists():
        raise InputError("no such candidate list", file=str(path))
    frame = pd.read_csv(path, dtype={"cdcno": "string"})
    if "cdcno" not in frame:
        raise InputError("has no cdcno column", file=str(path))
    return frame


def _config_file(metadata: ModelMetadata) -> Path | None:
    """The model's own configuration file when it still exists (else the county's default)."""
    files = metadata.config.files
    return Path(files[-1]) if files and Path(files[-1]).exists() else None


@dataclass
class PredictionRun:
    """A finished prediction run: the scored list, where it was written, and its timings."""

    scored: ScoredCandidates
    model: Path
    metadata: ModelMetadata
    out: Path
    seconds: float

    def summary(self) -> str:
        """One line: people scored, the model, scoring and total time, the file written."""
        return (
            f"{len(self.scored.frame):,} people scored with {self.model.name} "
            f"({self.metadata.label} label, trained {self.metadata.created}) in "
            f"{self.scored.scoring_seconds:.2f} s; total {self.seconds:.1f} s; wrote {self.out}"
        )


def predict_to_file(
    data: Path,
    model: Path,
    out: Path,
    *,
    county: str | None = None,
    candidates: Path | None = None,
    as_of: str | None = None,
    explain: bool = True,
    explain_top: int = 1000,
) -> PredictionRun:
    """Score a candidate list with a saved model and write it to ``out`` (CSV).

    The list is ``candidates`` (a CSV) or the county's list built from ``data`` (county: the
    model's by default).  ``as_of`` defaults to the ingest manifest's date, else the model's.
    """
    started = time.perf_counter()
    pipeline, meta = load_model(model)
    dataset = load_dataset(data, as_of or (None if is_processed(data) else meta.as_of))
    name = canonical_name(county if county is not None else meta.county)
    config = load_config(name, _config_file(meta))
    if candidates is not None:
        frame = read_candidates(candidates)
    else:
        frame = build_candidates(dataset.tables, name, config, dataset.as_of)
    scored = score_candidates(
        frame,
        dataset.tables,
        config,
        dataset.as_of,
        pipeline,
        meta,
        explain=explain,
        explain_top=explain_top,
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scored.frame.to_csv(out, index=False)
    return PredictionRun(scored, Path(model), meta, out, time.perf_counter() - started)
