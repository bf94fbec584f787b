"""The shared statewide stage: run once, read by every county notebook and the site.

:func:`prepare_shared` ingests the data (when given raw files), builds one candidate list per
distinct county configuration, trains the decision models (statewide, and counties with enough
decisions of their own) and ranks each county's list behind its own screen, runs the statewide bias
audit on the screen's, the ranking's and the model's selections, and writes the run manifest
(``shared.json``).  The model and the audit are reused while their inputs, code and seed are
unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers.counties import county_names
from helpers.data.ingest import Dataset, ingest, is_processed, load_dataset, write_processed
from helpers.data.manifest import as_of_date
from helpers.errors import InputError
from helpers.pipeline.cache import config_hash
from helpers.pipeline.layout import CACHE_FILE
from helpers.pipeline.manifest import ModelFiles, RunManifest, write_run_manifest
from helpers.pipeline.settings import RunSettings
from helpers.provenance import bytes_sha256, code_hash, git_commit, library_versions
from helpers.screening.candidates import build_candidates
from helpers.screening.config import CountyConfig, county_file, load_config

PREDICTION_COLUMNS = [
    "cdcno",
    "model_score",
    "model_rank",
    "model_status",
    "model_source",
    "top_features",
]
"""``predictions.parquet``: per person, the model's score and rank within the county (only for people
the county's screen passes or cannot decide), why not otherwise, which model ranked them and the
features that raised the score."""


def prepare_shared(settings: RunSettings) -> RunManifest:
    """Run the statewide steps once, write them under ``settings.shared_root``; the run manifest.

    The as-of date is the data's (recorded at ingest); the manifest is also written as
    ``shared.json``.
    """
    shared = Path(settings.shared_root)
    dataset, processed = load_inputs(settings, shared / "processed")
    shared.mkdir(parents=True, exist_ok=True)
    as_of = dataset.as_of.isoformat()
    candidates, config_hashes, statewide = _candidate_lists(settings, dataset, shared)
    code = code_hash()
    inputs = dataset.manifest.input_hashes()
    lists = sorted({str(path) for path in candidates.values()})
    key = bytes_sha256(json.dumps([inputs, lists, code, settings.seed, as_of]).encode())
    model = _shared_model(settings, dataset, shared / "model", candidates, key)
    audit = _shared_audit(settings, processed, shared / "audit", model, key)
    manifest = RunManifest(
        as_of=dataset.as_of,
        seed=settings.seed,
        mode=settings.mode,
        processed=processed,
        inputs=inputs,
        candidates=candidates,
        statewide_candidates=statewide,
        config_hashes=config_hashes,
        model=model,
        audit=audit,
        versions=library_versions(),
        git_commit=git_commit(),
        code_hash=code,
        people=int(len(dataset.tables["people"])),
        quarantined_rows=dataset.manifest.quarantined_rows,
    )
    write_run_manifest(manifest, shared)
    return manifest


def load_inputs(settings: RunSettings, processed: Path) -> tuple[Dataset, Path]:
    """The run's data and the processed folder the notebooks read.

    Ingested data is used where it is; raw files (which need ``settings.as_of``) are ingested into
    ``processed`` first.
    """
    data = Path(settings.data)
    if is_processed(data):
        return load_dataset(data, settings.as_of), data
    day = as_of_date(settings.as_of)
    if day is None:
        raise InputError("raw files need an as-of date (--as-of YYYY-MM-DD)", file=str(data))
    result = ingest(data, day.isoformat())
    write_processed(result, processed)
    return Dataset(result.tables, result.manifest.as_of, result.manifest), processed


def _candidate_list(
    settings: RunSettings, dataset: Dataset, shared: Path, config: CountyConfig
) -> Path:
    """The statewide candidate list under ``config``.

    It is rebuilt unless a list exists for the same configuration text, inputs, as-of date and
    code; lists of earlier keys for the same configuration file are removed.
    """
    stem = Path(config.files[-1]).stem
    parts = [config_hash(config), dataset.manifest.input_hashes(), dataset.as_of.isoformat()]
    digest = bytes_sha256(json.dumps([*parts, code_hash()], sort_keys=True).encode())[:16]
    out = shared / "candidates" / f"{stem}-{digest}.parquet"
    if not out.exists() or settings.force:
        out.parent.mkdir(parents=True, exist_ok=True)
        for stale in out.parent.glob(f"{stem}-*.parquet"):
            stale.unlink()
        frame = build_candidates(dataset.tables, None, config, dataset.as_of.isoformat())
        frame.to_parquet(out, index=False)
    return out


def _candidate_lists(
    settings: RunSettings, dataset: Dataset, shared: Path
) -> tuple[dict[str, Path], dict[str, str], Path]:
    """One candidate list per distinct configuration file, for every county.

    Most counties share the statewide file; every county gets its list, so that the site and the
    statewide pages stay whole after a partial run.  Returns county → list, county →
    configuration hash, and the list under the statewide screen (the dashboards' screen outcome).
    """
    members: dict[Path, list[str]] = {}
    for county in county_names():
        members.setdefault(county_file(county), []).append(county)
    candidates: dict[str, Path] = {}
    hashes: dict[str, str] = {}
    for path, counties in members.items():
        config = load_config(counties[0], path)
        out = _candidate_list(settings, dataset, shared, config)
        for county in counties:
            candidates[county] = out
            hashes[county] = config_hash(config)
    statewide_file = county_file(None)
    if statewide_file in members:
        return candidates, hashes, candidates[members[statewide_file][0]]
    return candidates, hashes, _candidate_list(settings, dataset, shared, load_config(None))


def _shared_model(
    settings: RunSettings, dataset: Dataset, out: Path, candidates: dict[str, Path], key: str
) -> ModelFiles:
    """Train the decision models once (statewide, and each county with enough decisions of its
    own) and rank every county's list behind its own screen.

    Writes the models, their metadata, evaluation tables and ``predictions.parquet`` to ``out``.
    No model trained on a screen ranks anybody.  Reused while the inputs, configurations, code and
    seed (``key``) are unchanged.
    """
    from helpers.model import ModelSettings, train_shared

    stamp, info = out / CACHE_FILE, out / "shared_model.json"
    if stamp.exists() and stamp.read_text().strip() == key and info.exists() and not settings.force:
        return ModelFiles.from_dict(json.loads(info.read_text()))
    out.mkdir(parents=True, exist_ok=True)
    read = {path: pd.read_parquet(path) for path in set(candidates.values())}
    lists = {county: read[path] for county, path in candidates.items()}
    shared = train_shared(
        dataset.tables,
        dataset.as_of.isoformat(),
        lists,
        out,
        ModelSettings(random_state=settings.seed),
    )
    files = ModelFiles(
        hash=key,
        model=out / "model.joblib",
        metadata=out / "model.json",
        predictions=out / "predictions.parquet",
        dir=out,
        label=shared.statewide.metadata.label if shared.statewide else "none",
        ranks_by=shared.ranks_by(),
    )
    _write_predictions(shared.predictions, files.predictions)
    info.write_text(json.dumps(files.to_dict(), indent=2))
    stamp.write_text(key + "\n")
    return files


def _write_predictions(predictions: pd.DataFrame, path: Path) -> None:
    """Everybody's model columns: score and rank (within the county, behind its screen) or why not."""
    predictions[PREDICTION_COLUMNS].to_parquet(path, index=False)


def _shared_audit(
    settings: RunSettings, processed: Path, out: Path, model: ModelFiles, key: str
) -> Path:
    """The statewide bias audit (public mode) of the screen, R and the model; its folder.

    Run once per input, code and seed (``key``); the model's selection comes from the predictions
    the model step wrote.
    """
    from helpers.audit.run import write_audit

    stamp = out / CACHE_FILE
    if settings.force or not stamp.exists() or stamp.read_text() != key:
        scores = pd.read_parquet(model.predictions, columns=["cdcno", "model_score", "model_rank"])
        write_audit(processed, out, "statewide", mode="public", model_scores=scores)
        stamp.write_text(key)
    return out
