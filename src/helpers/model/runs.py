"""Training, checking and prediction runs from a data folder to files: what ``secondlook train`` and
``secondlook predict`` do.

* :func:`train_to_folder` trains the decision model on a data folder and writes the model, its
  metadata, the evaluation tables, the learned-weights preset and the card
  (:func:`write_training_outputs`).
* :func:`emulate_to_folder` (``train --label screen``) runs only the rule emulation check: its tables,
  and no model, because a screen-trained model never ranks anybody.
* :func:`predict_to_file` adds the model's columns (:data:`helpers.model.MODEL_COLUMNS`) to a
  candidate list (:func:`helpers.model.rank_candidates`) and writes it.
* :func:`train_shared` is the shared stage's model step: the statewide model, the county models the
  plan calls for (:func:`helpers.model.county_plan`) and every county's ranked list.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.counties import canonical_name, in_county, slug
from helpers.data.ingest import is_processed, load_dataset
from helpers.errors import InputError
from helpers.model.card import write_model_card
from helpers.model.diagnostic import Emulation, rule_emulation_check
from helpers.model.labels import check_label
from helpers.model.metadata import ModelMetadata
from helpers.model.persistence import load_model, save_model
from helpers.model.ranking import (
    COUNTY,
    MODEL_COLUMNS,
    STATEWIDE,
    Ranker,
    county_plan,
    rank_candidates,
)
from helpers.model.settings import ModelSettings
from helpers.model.training import TrainResult, train_model
from helpers.screening.candidates import build_candidates
from helpers.screening.config import county_file, load_config
from helpers.spreadsheets import write_csv

#: The evaluation tables of a training run, each written as ``<name>.csv`` when it was computed.
TABLE_FILES = (
    "metrics",
    "comparison",
    "time_split",
    "feedback",
    "calibration",
    "by_group",
    "weights",
    "importance",
    "inspection",
    "leakage",
    "emulation",
)
CARD_FILE = "model_card.md"
PRESET_FILE = "learned_weights.yaml"
SUMMARY_METRICS = ("pr_auc", "precision_at_50", "recall_at_50")


def write_training_tables(result: TrainResult, out: Path) -> list[Path]:
    """Write the run's evaluation tables (:data:`TABLE_FILES`) and the weights preset to ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLE_FILES:
        table = result.tables.get(name)
        if table is not None and not table.empty:
            write_csv(table, out / f"{name}.csv")
            written.append(out / f"{name}.csv")
    preset = out / PRESET_FILE
    preset.write_text(result.metadata.weights_preset + "\n", encoding="utf-8")
    return [*written, preset]


def write_training_outputs(result: TrainResult, out: Path) -> list[Path]:
    """Write ``model.joblib``, ``model.json``, the tables, the preset and ``model_card.md``.

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
        """The run in a few lines: decisions and positives, headline metrics, timing and files."""
        meta, d = self.result.metadata, self.result.metadata.data
        m = pd.DataFrame(meta.table("metrics")).set_index("metric")
        lines = [
            f"{meta.model} ({meta.county}): {d.n_decisions:,} decisions of "
            f"{d.n_reviewed_people:,} people ({d.n_positive:,} positive); "
            f"{meta.evaluation.n_splits}-fold grouped cross-validation × {meta.evaluation.n_repeats}"
        ]
        for metric in SUMMARY_METRICS:
            r = m.loc[metric]
            lines.append(
                f"  {metric:<18} {r['value']:.3f}  (95 % {r['ci_low']:.3f}–{r['ci_high']:.3f})"
            )
        t = self.result.timing
        lines.append(
            f"run {self.seconds:.1f} s (dated features {t.features:.1f} s, cross-validation "
            f"{t.cross_validation:.1f} s, final fit {t.fit:.1f} s); wrote {self.files[0]}, "
            + ", ".join(p.name for p in self.files[1:])
        )
        return "\n".join(lines)


def train_to_folder(
    data: Path,
    county: str,
    out: Path,
    *,
    config: Path | None = None,
    as_of: str | None = None,
    settings: ModelSettings | None = None,
) -> TrainingRun:
    """Train on the data folder ``data`` for ``county`` and write everything to ``out``.

    ``data`` is an ingested folder or raw CDCR files (:func:`helpers.data.ingest.load_dataset`);
    ``config`` a county configuration file (default: the county's); ``as_of`` defaults to the
    ingest manifest's date.
    """
    started = time.perf_counter()
    dataset = load_dataset(data, as_of)
    name = canonical_name(county)
    result = train_model(dataset.tables, name, load_config(name, config), dataset.as_of, settings)
    files = write_training_outputs(result, out)
    return TrainingRun(result, files, time.perf_counter() - started)


@dataclass
class EmulationRun:
    """A finished rule emulation check: its tables and the files written."""

    emulation: Emulation
    files: list[Path]
    seconds: float

    def summary(self) -> str:
        """The check in a few lines: its setting and the shallow-tree verdicts."""
        lines = [f"rule emulation check (diagnostic, no model saved): {self.emulation.status}"]
        for r in self.emulation.leakage.itertuples():
            verdict = "rebuilds the label" if r.leaks else "does not rebuild the label"
            lines.append(f"  depth-3 tree, {r.features}: PR-AUC {r.pr_auc:.3f} ({verdict})")
        lines.append(f"run {self.seconds:.1f} s; wrote " + ", ".join(str(p) for p in self.files))
        return "\n".join(lines)


def emulate_to_folder(
    data: Path,
    county: str,
    out: Path,
    *,
    config: Path | None = None,
    as_of: str | None = None,
    settings: ModelSettings | None = None,
) -> EmulationRun:
    """The rule emulation check of ``county``'s screen: ``emulation.csv`` and ``leakage.csv``."""
    started = time.perf_counter()
    dataset = load_dataset(data, as_of)
    name = canonical_name(county)
    cfg = load_config(name, config)
    candidates = build_candidates(dataset.tables, name, cfg, dataset.as_of)
    emu = rule_emulation_check(
        dataset.tables, cfg, dataset.as_of, candidates, settings or ModelSettings()
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for table, file in ((emu.table, "emulation.csv"), (emu.leakage, "leakage.csv")):
        if not table.empty:
            write_csv(table, out / file)
            files.append(out / file)
    return EmulationRun(emu, files, time.perf_counter() - started)


def train_or_check(
    data: Path,
    county: str,
    out: Path,
    label: str,
    *,
    config: Path | None = None,
    as_of: str | None = None,
    settings: ModelSettings | None = None,
) -> str:
    """``secondlook train``: the decision model (label ``decisions``) or the rule emulation check
    (label ``screen``, which saves no model); the run's summary."""
    run = emulate_to_folder if check_label(label) == "screen" else train_to_folder
    return run(data, county, out, config=config, as_of=as_of, settings=settings).summary()


def read_candidates(path: Path) -> pd.DataFrame:
    """A candidate list CSV (``cdcno`` read as text); a missing file or column is an error."""
    if not Path(path).exists():
        raise InputError("no such candidate list", file=str(path))
    frame = pd.read_csv(path, dtype={"cdcno": "string"})
    for col in ("cdcno", "eligibility"):
        if col not in frame:
            raise InputError(f"has no {col} column", file=str(path))
    return frame


def _config_file(metadata: ModelMetadata) -> Path | None:
    """The model's own configuration file when it still exists (else the county's default)."""
    files = metadata.config.files
    return Path(files[-1]) if files and Path(files[-1]).exists() else None


@dataclass
class PredictionRun:
    """A finished prediction run: the ranked list, where it was written, and its timing."""

    frame: pd.DataFrame
    model: Path
    metadata: ModelMetadata
    out: Path
    seconds: float

    def summary(self) -> str:
        """One line: people ranked and not ranked, the model, total time, the file written."""
        ranked = int(self.frame["model_rank"].notna().sum())
        return (
            f"{ranked:,} of {len(self.frame):,} people ranked with {self.model.name} (the others "
            f"fail the county's screen); trained on data as of {self.metadata.as_of}; "
            f"{self.seconds:.1f} s; wrote {self.out}"
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
    """Rank a candidate list with a saved model and write it to ``out`` (CSV).

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
    ranked = rank_candidates(
        frame,
        dataset.tables,
        config,
        dataset.as_of,
        Ranker(pipeline, meta, STATEWIDE if meta.county == "statewide" else COUNTY),
        explain=explain,
        explain_top=explain_top,
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(ranked, out)
    return PredictionRun(ranked, Path(model), meta, out, time.perf_counter() - started)


#: Folder of the county models inside the shared model folder (one sub-folder per county slug).
COUNTY_DIR = "counties"
PLAN_FILE = "county_models.csv"
NO_MODEL = "no model"


@dataclass
class SharedModels:
    """The shared stage's models: the statewide one, the county ones, the plan and the ranked lists.

    ``predictions`` has one row per person: ``cdcno``, ``county`` and :data:`MODEL_COLUMNS` (score
    and rank only for people their county's screen passes or cannot decide).
    """

    statewide: TrainResult | None  # None when the decision log is too small to train on
    counties: dict[str, TrainResult]
    plan: pd.DataFrame
    predictions: pd.DataFrame

    def ranks_by(self) -> dict[str, str]:
        """County → the model that ranks its people."""
        return dict(zip(self.plan["county"], self.plan["model"], strict=True))


def county_model_dir(out: Path, county: str) -> Path:
    """Where the county model of ``county`` is written inside the shared model folder ``out``."""
    return Path(out) / COUNTY_DIR / slug(county)


def train_shared(
    tables: dict[str, pd.DataFrame],
    as_of: date | str,
    lists: dict[str, pd.DataFrame],
    out: Path,
    settings: ModelSettings,
) -> SharedModels:
    """Train the statewide decision model and each county model the plan calls for; rank every list.

    ``lists`` maps each county to its candidate list (under its own configuration; rows of other
    counties are ignored).  Features are computed under the configuration of the model that scores
    them (the county's for a county model, the statewide one otherwise); who may be ranked comes from
    the county's own list.  Writes every model's files (model, metadata, tables, preset) to
    ``out`` (county models under :func:`county_model_dir`) and the plan to ``county_models.csv``.
    """
    out = Path(out)
    counties = list(lists)
    try:
        statewide = train_model(
            tables, None, load_config(None), as_of, settings, candidates=_statewide(lists)
        )
    except InputError as exc:
        return _without_model(lists, str(exc), out)
    write_training_tables(statewide, out)
    save_model(statewide.pipeline, statewide.metadata, out)
    plan = county_plan(tables.get("decisions"), tables["people"]["cdcno"], counties)
    own: dict[str, TrainResult] = {}
    ranked, by_statewide = [], []
    for row in plan.itertuples():
        frame = lists[row.county]
        frame = frame.loc[in_county(frame, row.county)]
        if row.model != COUNTY:
            by_statewide.append(frame)
            continue
        config = load_config(row.county)
        result = train_model(
            tables, row.county, config, as_of, settings, candidates=frame, emulation=False
        )
        folder = county_model_dir(out, row.county)
        write_training_tables(result, folder)
        save_model(result.pipeline, result.metadata, folder)
        own[row.county] = result
        ranker = Ranker(result.pipeline, result.metadata, COUNTY)
        ranked.append(rank_candidates(frame, tables, config, as_of, ranker))
    if by_statewide:
        ranker = Ranker(statewide.pipeline, statewide.metadata, STATEWIDE)
        frame = pd.concat(by_statewide, ignore_index=True)
        ranked.append(rank_candidates(frame, tables, load_config(None), as_of, ranker))
    write_csv(plan, out / PLAN_FILE)
    predictions = pd.concat(ranked, ignore_index=True)[["cdcno", "county", *MODEL_COLUMNS]]
    return SharedModels(statewide, own, plan, predictions)


def _without_model(lists: dict[str, pd.DataFrame], why: str, out: Path) -> SharedModels:
    """No model could be trained: nobody is ranked, and every row says why."""
    frames = [frame.loc[in_county(frame, county)] for county, frame in lists.items()]
    people = pd.concat(frames, ignore_index=True)[["cdcno", "county"]]
    status = f"not ranked: no model ({why})"
    people = people.assign(
        model_score=np.nan,
        model_rank=pd.array([pd.NA] * len(people), dtype="Int64"),
        model_status=pd.array([status] * len(people), dtype="string"),
        model_source=pd.array([""] * len(people), dtype="string"),
        top_features=pd.array([""] * len(people), dtype="string"),
    )
    plan = pd.DataFrame({"county": list(lists), "model": NO_MODEL})
    out.mkdir(parents=True, exist_ok=True)
    write_csv(plan, out / PLAN_FILE)
    return SharedModels(None, {}, plan, people)


def _statewide(lists: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """The statewide list (the one of the counties without their own configuration), if any."""
    default = county_file(None)
    for county, frame in lists.items():
        if county_file(county) == default:
            return frame
    return None
