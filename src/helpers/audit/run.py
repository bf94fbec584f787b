"""Run the bias audit of a county or the state and write its tables, figures and ``audit.json``.

:func:`write_audit` audits the selections of :func:`helpers.audit.selection.selections`: the screen,
the first k of each county's ranking by R, and — when model scores are given — the first k of each
county's ranking by the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.audit.assistive import assistive_audit, protect_assistive_audit
from helpers.audit.constants import (
    CI_LEVEL,
    FDR,
    N_BOOT,
    POSITIVE_DECISIONS,
    RATIO_BOUNDS,
    REFERENCE_GROUP,
    RJA_MIN_PEERS,
    RJA_NULL_SHUFFLES,
    RJA_PEER_KEYS,
    RJA_PERCENTILE,
    RJA_PERMUTATIONS,
    SEED,
    SNAPSHOT_BIAS,
    TOP_K,
)
from helpers.audit.figures import write_figures
from helpers.audit.groups import add_groups, group_definitions, race_group_table
from helpers.audit.rja import protect_rja_summary, rja_indicator, rja_null_rate, rja_summary
from helpers.audit.selection import protect_selection_audit, selection_audit, selections
from helpers.audit.sentences import SentenceDisparity, protect_sentence_tables, sentence_disparity
from helpers.audit.whatif import criterion_what_if
from helpers.counties import STATEWIDE, canonical_name, in_county
from helpers.data.ingest import load_dataset
from helpers.errors import InputError
from helpers.privacy import SMALL_CELL, check_mode, public_count
from helpers.provenance import bytes_sha256
from helpers.spreadsheets import write_csv

MODEL_SCORE_COLUMNS = ("cdcno", "model_score", "model_rank")
"""The columns of the model scores the audit takes (as in the pipeline's ``predictions.parquet``)."""


@dataclass(frozen=True)
class AuditOptions:
    """How the audit selects and tests: the county configuration, the office capacity ``k`` of the
    top-k selections, the bootstrap replicates of the sentence means and the band of ratios taken
    as no disparity."""

    config: Path | None = None
    k: int = TOP_K
    n_boot: int = N_BOOT
    bounds: tuple[float, float] = RATIO_BOUNDS


@dataclass(frozen=True)
class ModelScores:
    """Model scores matched to the candidate list, with where they came from."""

    frame: pd.DataFrame  # cdcno, model_score, model_rank (within the county)
    source: str
    sha256: str


def build_candidates_for(
    tables: dict[str, pd.DataFrame], county: str, config_file: Path | None, as_of: date | None
) -> pd.DataFrame:
    """The candidate list of ``county`` (or statewide) under its configuration."""
    from helpers.screening.candidates import build_candidates
    from helpers.screening.config import load_config

    name = None if county == STATEWIDE else county
    return build_candidates(tables, name, load_config(name, config_file), as_of)


def read_model_scores(scores: pd.DataFrame | str | Path) -> ModelScores:
    """Model scores from a frame or a Parquet/CSV file (``cdcno, model_score, model_rank``).

    ``model_rank`` ranks people within their county (1 = first), as the pipeline's model step
    writes it.  A missing file or column is a one-line :class:`~helpers.errors.InputError`.
    """
    if isinstance(scores, pd.DataFrame):
        frame, source, name = scores, "model scores given with the call", None
    else:
        path = Path(scores)
        if not path.is_file():
            raise InputError("model scores file not found", file=str(path))
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype={"cdcno": "string"})
        source, name = str(path), str(path)
    for column in MODEL_SCORE_COLUMNS:
        if column not in frame:
            raise InputError(
                f"model scores need columns {', '.join(MODEL_SCORE_COLUMNS)}",
                file=name,
                column=column,
            )
    frame = frame[list(MODEL_SCORE_COLUMNS)].drop_duplicates("cdcno").reset_index(drop=True)
    digest = bytes_sha256(frame.to_csv(index=False).encode())
    return ModelScores(frame, source, digest)


def with_model_scores(candidates: pd.DataFrame, scores: ModelScores | None) -> pd.DataFrame:
    """The candidate list with the model's ``model_score`` and ``model_rank`` (when scores are given)."""
    if scores is None:
        return candidates
    own = [c for c in MODEL_SCORE_COLUMNS[1:] if c in candidates]
    return candidates.drop(columns=own).merge(scores.frame, on="cdcno", how="left")


def write_audit(
    data: Path,
    out: Path,
    county: str | None = None,
    *,
    as_of: str | None = None,
    mode: str = "public",
    model_scores: pd.DataFrame | str | Path | None = None,
    options: AuditOptions | None = None,
) -> dict[str, Any]:
    """Run the bias audit of ``county`` (``None`` or ``statewide``: the whole state) and write its
    tables, figures and ``audit.json``.

    ``model_scores`` (columns ``cdcno, model_score, model_rank``, as in the pipeline's predictions;
    a frame or its Parquet/CSV file) add the ``top_<k>_by_model`` selection to the selection and
    assistive audits; without them ``audit.json`` says that selection was not audited and why.
    Returns the manifest written to ``audit.json``.  Raises :class:`helpers.errors.InputError` on
    bad input (the command turns it into a one-line message).
    """
    options = options or AuditOptions()
    check_mode(mode)
    dataset = load_dataset(data, as_of)
    scope, people = _scope_people(dataset.tables["people"], county)
    scores = read_model_scores(model_scores) if model_scores is not None else None
    candidates = build_candidates_for(dataset.tables, scope, options.config, dataset.as_of)
    sels = selections(people, with_model_scores(candidates, scores), options.k)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    labels = review_labels(people, dataset.tables.get("decisions"))
    tables, sent = _audit_tables(
        people, dataset.tables.get("offenses"), sels, labels, scope, mode, options
    )
    what_if = criterion_what_if(people, candidates, mode=mode, bounds=options.bounds)
    if len(what_if):
        tables["what_if.csv"] = what_if.assign(scope=scope)
    files = []
    for name, frame in tables.items():
        write_csv(frame, out / name)
        files.append(name)
    title = "Statewide" if scope == STATEWIDE else scope
    figures = write_figures(out, tables["selection_audit.csv"], sent, title, html=True)
    manifest = _manifest(scope, mode, options, people, sels, scores, sent)
    manifest |= {
        "html_figures": any(f.endswith(".html") for f in figures),
        "files": files + figures,
    }
    (out / "audit.json").write_text(json.dumps(manifest, indent=2, default=str))
    return manifest


def _scope_people(people: pd.DataFrame, county: str | None) -> tuple[str, pd.DataFrame]:
    """The audit's scope (a canonical county or statewide) and its people, with their groups."""
    people = add_groups(people).reset_index(drop=True)
    scope = canonical_name(county) or STATEWIDE
    if scope != STATEWIDE:
        keep = in_county(people, scope)
        if not keep.any():
            raise InputError(f"no people sentenced in county '{county}' in the data")
        people = people[keep].reset_index(drop=True)
    return scope, people


def review_labels(people: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.Series:
    """Each person's latest review decision as a label: true for ``referred`` or ``resentenced``,
    false for ``not referred`` or ``denied``, NA for people nobody reviewed (aligned with
    ``people``)."""
    out = pd.Series(pd.NA, index=people.index, dtype="boolean")
    if decisions is None or not len(decisions) or "cdcno" not in people:
        return out
    log = decisions.sort_values("date_reviewed", kind="stable").drop_duplicates(
        "cdcno", keep="last"
    )
    decided = log["decision"].astype("string")
    label = decided.isin(POSITIVE_DECISIONS).where(decided.notna())
    label = pd.Series(label.to_numpy(), index=log["cdcno"].astype("string").to_numpy())
    mapped = people["cdcno"].astype("string").map(label)
    return mapped.astype("boolean").set_axis(people.index)


def _audit_tables(
    people: pd.DataFrame,
    offenses: pd.DataFrame | None,
    sels: dict[str, pd.Series],
    labels: pd.Series,
    scope: str,
    mode: str,
    options: AuditOptions,
) -> tuple[dict[str, pd.DataFrame], SentenceDisparity]:
    """Every table of the audit by file name (protected for ``mode``), and the sentence results."""
    groups = group_definitions(people)
    n_boot = options.n_boot
    selection = _selection_table(people, sels, groups, mode, options.bounds)
    selection.insert(0, "scope", scope)
    tables = {"selection_audit.csv": selection}
    assist = _assistive_table(people, sels, labels, groups, mode, options.bounds)
    if assist is not None:
        assist.insert(0, "scope", scope)
        tables["assistive_audit.csv"] = assist
    sent = protect_sentence_tables(sentence_disparity(people, offenses, n_boot=n_boot), mode)
    tables["sentence_by_category.csv"] = sent.by_category.assign(scope=scope)
    tables["sentence_regression.csv"] = sent.regression.assign(scope=scope)
    tables["sentence_mediation.csv"] = sent.mediation.assign(scope=scope)
    # Counts of offense categories (each compared cell has >= 11 people), not of people.
    tables["sentence_summary.csv"] = sent.summary.assign(scope=scope)
    rja = rja_indicator(people, offenses)
    summary = rja_summary(people, rja, rja_null_rate(people, offenses))
    tables["rja_summary.csv"] = protect_rja_summary(summary, mode).assign(scope=scope)
    if mode == "da":
        tables["rja_indicator.csv"] = rja
    tables["race_groups.csv"] = race_group_table()
    return tables, sent


def _selection_table(
    people: pd.DataFrame,
    sels: dict[str, pd.Series],
    groups: dict[str, list[str]],
    mode: str,
    bounds: tuple[float, float],
) -> pd.DataFrame:
    """The selection audit of every selection, protected for ``mode``."""
    parts = []
    for name, selected in sels.items():
        t = selection_audit(people, selected, groups, bounds=bounds)
        t.insert(0, "selection", name)
        parts.append(t)
    return protect_selection_audit(pd.concat(parts, ignore_index=True), mode)


def _assistive_table(
    people: pd.DataFrame,
    sels: dict[str, pd.Series],
    labels: pd.Series,
    groups: dict[str, list[str]],
    mode: str,
    bounds: tuple[float, float],
) -> pd.DataFrame | None:
    """The assistive audit of every selection: each top-k selection against the screen
    (``labels`` = ``screen_eligible``), and every selection against the offices' review decisions
    among the people they reviewed (``labels`` = ``review_decisions``).  ``None`` without either."""
    parts = []
    for name, selected in sels.items():
        if name != "screen_eligible":
            t = assistive_audit(people, sels["screen_eligible"], selected, groups, bounds=bounds)
            parts.append(t.assign(selection=name, labels="screen_eligible"))
    reviewed = labels.notna().to_numpy()
    if reviewed.any():
        sub = people.loc[reviewed].reset_index(drop=True)
        y = labels[reviewed].to_numpy(bool)
        race = {"race_group": ["race_group"]}
        for name, selected in sels.items():
            s = selected.to_numpy(bool)[reviewed]
            t = assistive_audit(sub, y, s, race, bounds=bounds)
            parts.append(t.assign(selection=name, labels="review_decisions"))
    if not parts:
        return None
    out = pd.concat(parts, ignore_index=True)
    out = out[
        ["selection", "labels", *[c for c in out.columns if c not in ("selection", "labels")]]
    ]
    return protect_assistive_audit(out, mode)


def _manifest(
    scope: str,
    mode: str,
    options: AuditOptions,
    people: pd.DataFrame,
    sels: dict[str, pd.Series],
    scores: ModelScores | None,
    sent: SentenceDisparity,
) -> dict[str, Any]:
    """What ``audit.json`` records of a run (the files are added by :func:`write_audit`)."""
    k = options.k
    model_key = f"top_{k}_by_model"
    if scores is None:
        not_audited = {model_key: "no model scores were given (--model-scores)"}
    elif model_key not in sels:
        not_audited = {model_key: "the model scores rank nobody in scope"}
    else:
        not_audited = {}
    return {
        "tool": "secondlook audit",
        "scope": scope,
        "mode": mode,
        "k": k,
        "people": public_count(len(people), mode),
        "selections": list(sels),
        "selections_not_audited": not_audited,
        "selected": {name: public_count(int(s.sum()), mode) for name, s in sels.items()},
        "candidates": "helpers.screening.candidates",
        "model_scores": (
            None
            if scores is None
            else {
                "source": scores.source,
                "people": public_count(len(scores.frame), mode),
                "sha256": scores.sha256,
            }
        ),
        "top_k": "the first k of each county's ranking (rank / model_rank within the county)",
        "reference_group": REFERENCE_GROUP,
        "intervals": {
            "rates": "Wilson score",
            "ratios": "Katz log, 0.5 added to every cell of a 2 x 2 table with a zero cell",
            "within_county": "Mantel-Haenszel, Greenland-Robins variance",
            "level": CI_LEVEL,
        },
        "flags": (
            "interval outside the band after the Benjamini-Hochberg correction across each "
            f"table's ratios (false-discovery rate {FDR})"
        ),
        "ratio_bounds": list(options.bounds),
        "bootstrap": {"replicates": options.n_boot, "seed": SEED, "level": CI_LEVEL},
        "small_cell": SMALL_CELL,
        "sentence_categories": sent.category_source,
        "regression_adjustment": sent.adjustment,
        "sentence_exclusion_rule": sent.exclusion_rule,
        "rja_definition": {
            "percentile": RJA_PERCENTILE,
            "min_peers": RJA_MIN_PEERS,
            "peers": list(RJA_PEER_KEYS),
            "prong_a": "sentence longer than the percentile of at least min_peers other-race peers",
            "prong_b": (
                "in the offense x county cell, the race's sentences are above the peers' median "
                f"more often than other races' (permutation test, {RJA_PERMUTATIONS} race "
                f"shuffles among peers, Benjamini-Hochberg across cells at {FDR})"
            ),
            "null_rate": f"prong A's rate with race shuffled among peers ({RJA_NULL_SHUFFLES} shuffles)",
        },
        "snapshot_bias": SNAPSHOT_BIAS,
    }
