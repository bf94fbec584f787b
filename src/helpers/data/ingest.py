"""Ingest CDCR records (public 2023/2026 releases or DSA extracts) into typed tidy tables.

Every input row is accounted for: it lands in a processed table, or it goes to the quarantine with its
file, row, column, value and reason.  File-level problems (missing or renamed columns, empty or
undecodable files, wrong sheet) raise :class:`~helpers.errors.InputError` with a one-line message.

This module finds the files and runs them in order; what each file holds and how its rows are checked
is in the module that reads it: :mod:`helpers.data.demographics` (people),
:mod:`helpers.data.commitments` (offenses and enhancements), :mod:`helpers.data.dsa` (violations,
credits, mitigating factors) and :mod:`helpers.data.decision_log` (review decisions), all with the
column checks of :mod:`helpers.data.checks`.  Rows of a person who is quarantined in demographics
(duplicate ID, unknown county, ...) are quarantined in every other file too: they cannot be attached
to anybody.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from helpers.data import schema
from helpers.data.checks import RowChecks
from helpers.data.commitments import combine_commitments, kept_commitments
from helpers.data.decision_log import decision_rows, read_log_table
from helpers.data.demographics import read_people
from helpers.data.dsa import DSA_TABLES, dsa_rows
from helpers.data.levels import level_coverage
from helpers.data.manifest import (
    IngestManifest,
    InputFile,
    as_of_date,
    check_as_of,
    read_manifest,
    write_manifest,
)
from helpers.data.quarantine import quarantine_counts
from helpers.data.tables import (
    RawTable,
    empty_problems,
    labelled,
    normalise_header,
    read_raw_table,
)
from helpers.errors import InputError
from helpers.provenance import display_path, file_sha256, library_versions
from helpers.spreadsheets import write_csv

# File kinds, how their names look once lower-cased with separators dropped, and required columns.
FILE_KINDS: dict[str, tuple[tuple[str, ...], list[str]]] = {
    "demographics": (
        ("demographics", "demographicscdcr"),
        [normalise_header(c) for c in schema.DEMOGRAPHICS_2023],
    ),
    "current_commitments": (
        ("currentcommitments", "currentcommits", "currentcommitmentscdcr"),
        [normalise_header(c) for c in schema.COMMITMENTS_BASE],
    ),
    "prior_commitments": (
        ("priorcommitments", "priorcommits", "priorcommitmentscdcr"),
        [normalise_header(c) for c in schema.COMMITMENTS_BASE],
    ),
    "rules_violations": (
        ("rulesviolations", "rulesviolationreports"),
        [normalise_header(c) for c in schema.RULES_VIOLATIONS],
    ),
    "education_merit_credits": (
        ("educationmeritcredits",),
        [normalise_header(c) for c in schema.EDUCATION_MERIT_CREDITS],
    ),
    "milestone_credits": (
        ("milestonecredits", "milestonecompletioncredits"),
        [normalise_header(c) for c in schema.MILESTONE_CREDITS],
    ),
    "rehabilitative_credits": (
        ("rehabilitativecredits", "rehabilitativeachievementcredits"),
        [normalise_header(c) for c in schema.REHABILITATIVE_CREDITS],
    ),
    "mitigating_factors": (
        ("mitigatingfactors",),
        [normalise_header(c) for c in schema.MITIGATING_FACTORS],
    ),
    "review_decisions": (
        ("reviewdecisions", "decisionlog", "reviewdecisionlog"),
        list(schema.REVIEW_DECISIONS),
    ),
}
SUFFIXES = (".csv", ".xlsx", ".xlsm")
PROCESSED_TABLES = (
    "people",
    "offenses",
    "enhancements",
    "violations",
    "credits",
    "factors",
    "decisions",
)


@dataclass
class IngestResult:
    """Processed tables, the quarantine and the manifest of one ingest run."""

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    manifest: IngestManifest

    def summary(self) -> pd.DataFrame:
        """Rows in, kept and quarantined per input file (files by their path in the data folder,
        so ``demographics.csv`` and ``dsa/demographics.csv`` stay apart)."""
        table = pd.DataFrame([asdict(i) for i in self.manifest.inputs])
        table["file"] = input_labels(table["file"])
        return table[["file", "kind", "rows_in", "kept", "quarantined"]]

    def totals(self) -> dict[str, int]:
        """Rows in, kept and quarantined over every input file."""
        inputs = self.manifest.inputs
        return {
            "rows_in": sum(i.rows_in for i in inputs),
            "kept": sum(i.kept for i in inputs),
            "quarantined": sum(i.quarantined for i in inputs),
        }

    def top_reasons(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` most frequent quarantine reasons: ``reason``, ``rows`` and ``problems``."""
        return quarantine_counts(self.quarantine).head(n)


# --------------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------------


def file_label(path: Path, root: Path) -> str:
    """How messages name an input file: its path inside the data folder (``dsa/demographics.csv``),
    else its name."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).name


def input_labels(files: Iterable[str | Path]) -> list[str]:
    """The input files of one ingest named by their path inside the data folder (the folder they
    share), so ``demographics.csv`` and ``dsa/demographics.csv`` stay apart."""
    paths = [Path(f) for f in files]
    if not paths:
        return []
    root = paths[0].parent if len(set(paths)) == 1 else Path(os.path.commonpath(paths))
    return [file_label(p, root) for p in paths]


def _stem_key(path: Path) -> str:
    return "".join(ch for ch in path.stem.lower() if ch.isalnum())


def discover_files(data_dir: Path) -> dict[str, list[Path]]:
    """Find input files by name in ``data_dir`` and its sub-folders (one level deep)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError("is not a folder of CDCR files", file=str(data_dir))
    found: dict[str, list[Path]] = {}
    candidates = sorted(p for p in [*data_dir.glob("*"), *data_dir.glob("*/*")] if p.is_file())
    for path in candidates:
        if path.suffix.lower() not in SUFFIXES or path.name.startswith("~$"):
            continue
        key = _stem_key(path)
        for kind, (names, _) in FILE_KINDS.items():
            if key in names:
                found.setdefault(kind, []).append(path)
    if "demographics" not in found:
        raise InputError(
            "no demographics file (expected demographics.csv or Demographics.xlsx)",
            file=str(data_dir),
        )
    if len(found["demographics"]) > 2:
        raise InputError("more than two demographics files", file=str(data_dir))
    for kind in ("current_commitments", "prior_commitments"):
        if len(found.get(kind, [])) > 1:
            names = ", ".join(p.name for p in found[kind])
            raise InputError(f"more than one {kind} file ({names})", file=str(data_dir))
    return found


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------

#: Commitment file kinds and the ``role`` of their offenses.
COMMITMENT_ROLES = {"current_commitments": "current", "prior_commitments": "prior"}
#: Person-level extras in reading order, and the processed table each one feeds.
EXTRA_TABLES: dict[str, str] = {**DSA_TABLES, "review_decisions": "decisions"}
_Reader = Callable[[str, Path], RawTable]


@dataclass
class _Accounts:
    """Row accounting of the files read, in reading order: manifest inputs and their problems."""

    inputs: list[InputFile] = field(default_factory=list)
    problems: list[pd.DataFrame] = field(default_factory=list)

    def record(self, kind: str, checks: RowChecks, variant: str | None = None) -> None:
        """Account for one file read: its manifest entry and its problems."""
        table = checks.table
        self.inputs.append(
            InputFile(
                file=display_path(table.path),
                kind=kind,
                variant=variant,
                sheet=table.sheet,
                sha256=file_sha256(table.path),
                **checks.counts(),
            )
        )
        self.problems.append(checks.problems())

    def quarantine(self) -> pd.DataFrame:
        """Every problem of every file, in reading order."""
        found = [p for p in self.problems if not p.empty]
        return pd.concat(found, ignore_index=True) if found else empty_problems()


def _read_commitments(
    found: dict[str, list[Path]], read: _Reader, ids: pd.Index, accounts: _Accounts
) -> tuple[pd.DataFrame, pd.DataFrame]:
    offense_parts, enhancement_parts = [], []
    for kind, role in COMMITMENT_ROLES.items():
        for path in found.get(kind, []):
            offenses, enhancements, checks = kept_commitments(read(kind, path), role, ids)
            offense_parts.append(offenses)
            enhancement_parts.append(enhancements)
            accounts.record(kind, checks)
    return combine_commitments(offense_parts, enhancement_parts)


def _read_extras(
    found: dict[str, list[Path]], read: _Reader, ids: pd.Index, accounts: _Accounts
) -> dict[str, pd.DataFrame]:
    parts: dict[str, list[pd.DataFrame]] = {}
    for kind, name in EXTRA_TABLES.items():
        for path in found.get(kind, []):
            table = read(kind, path)
            if kind == "review_decisions":
                out, checks = decision_rows(table, ids)
            else:
                out, checks = dsa_rows(table, kind, ids)
            accounts.record(kind, checks)
            parts.setdefault(name, []).append(out.loc[~checks.bad].reset_index(drop=True))
    order = ("violations", "factors", "decisions", "credits")
    return {name: pd.concat(parts[name], ignore_index=True) for name in order if name in parts}


def ingest(
    data_dir: Path,
    as_of: date | str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
) -> IngestResult:
    """Read every recognised file in ``data_dir`` and return typed tables, quarantine and manifest."""
    as_of_ts = pd.Timestamp(as_of)
    found = discover_files(Path(data_dir))

    root = Path(data_dir)

    def read(kind: str, path: Path) -> RawTable:
        required = FILE_KINDS[kind][1]
        name = file_label(path, root)
        try:
            if kind == "review_decisions":
                table = read_log_table(path, sheet, encoding)
            else:
                words = kind.replace("_", " ")
                table = read_raw_table(
                    path, required=required, kind=words, encoding=encoding, sheet=sheet
                )
        except InputError as exc:
            if exc.file != path.name:
                raise
            raise InputError(exc.reason, file=name, row=exc.row, column=exc.column) from None
        return labelled(table, name)

    accounts = _Accounts()
    demographics = [read("demographics", p) for p in found["demographics"]]
    people, people_checks = read_people(demographics, as_of_ts)
    for checks, variant in people_checks:
        accounts.record("demographics", checks, variant)
    ids = pd.Index(people["cdcno"])
    offenses, enhancements = _read_commitments(found, read, ids, accounts)
    tables = {"people": people, "offenses": offenses, "enhancements": enhancements}
    tables |= _read_extras(found, read, ids, accounts)
    quarantine = accounts.quarantine()
    reasons = quarantine_counts(quarantine).sort_values("reason")
    manifest = IngestManifest(
        as_of=as_of_ts.date(),
        inputs=tuple(accounts.inputs),
        tables={name: int(len(t)) for name, t in tables.items()},
        quarantined_rows=int(sum(i.quarantined for i in accounts.inputs)),
        quarantine_reasons={
            str(r): int(n) for r, n in zip(reasons["reason"], reasons["rows"], strict=True)
        },
        versions=library_versions(),
        quarantine_problems=int(len(quarantine)),
        offense_coverage=level_coverage(tables),
    )
    return IngestResult(tables, quarantine, manifest)


def ingest_folder(
    data_dir: Path,
    out_dir: Path,
    as_of: date | str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
) -> IngestResult:
    """:func:`ingest` ``data_dir`` and :func:`write_processed` the result into ``out_dir``."""
    result = ingest(data_dir, as_of, encoding=encoding, sheet=sheet)
    write_processed(result, out_dir)
    return result


def write_processed(result: IngestResult, out_dir: Path) -> Path:
    """Write the tables as Parquet plus ``quarantine.csv`` and ``manifest.json``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in result.tables.items():
        frame.to_parquet(out_dir / f"{name}.parquet", index=False)
    for name in PROCESSED_TABLES:  # drop stale optional tables from an earlier run
        if name not in result.tables and (out_dir / f"{name}.parquet").exists():
            (out_dir / f"{name}.parquet").unlink()
    write_csv(result.quarantine, out_dir / "quarantine.csv")
    write_manifest(result.manifest, out_dir)
    return out_dir


def load_processed(path: Path) -> dict[str, pd.DataFrame]:
    """Read the Parquet tables written by :func:`write_processed`."""
    path = Path(path)
    if not (path / "people.parquet").exists():
        raise InputError("has no people.parquet: run `secondlook ingest` first", file=str(path))
    return {
        p.stem: pd.read_parquet(p)
        for p in sorted(path.glob("*.parquet"))
        if p.stem in PROCESSED_TABLES
    }


@dataclass(frozen=True)
class Dataset:
    """The processed tables with the as-of date they are measured at and their manifest, and the
    quarantine when the tables were ingested on the fly from raw files (else ``None``: the
    processed folder's ``quarantine.csv`` holds it)."""

    tables: dict[str, pd.DataFrame]
    as_of: date
    manifest: IngestManifest
    quarantine: pd.DataFrame | None = None


def is_processed(path: Path) -> bool:
    """True for a folder written by ``secondlook ingest`` (Parquet tables and a manifest)."""
    return (Path(path) / "people.parquet").exists()


def load_dataset(path: Path, as_of: date | str | None = None) -> Dataset:
    """An ingested folder (Parquet + manifest) or, ingesting on the fly, a folder of raw CDCR files.

    For an ingested folder the as-of date is the manifest's; ``as_of``, when given, must be the
    same date (a different one is a one-line error: the tables' time served was measured at the
    ingest date).  Raw files need ``as_of``.
    """
    path = Path(path)
    if is_processed(path):
        manifest = read_manifest(path)
        day = check_as_of(manifest.as_of, as_of, path)
        return Dataset(load_processed(path), day, manifest)
    day = as_of_date(as_of)
    if day is None:
        raise InputError("raw files need an as-of date (--as-of YYYY-MM-DD)", file=str(path))
    result = ingest(path, day)
    return Dataset(result.tables, day, result.manifest, result.quarantine)
