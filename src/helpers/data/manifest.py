"""The ingest manifest (``manifest.json``): the as-of date, every input's hash and row accounting.

Row accounting counts rows and reasons separately: ``quarantined_rows`` counts each quarantined row
once, ``quarantine_reasons`` counts per reason the rows that have it (a row with two reasons counts
under both) and ``quarantine_problems`` counts every (row, column, reason) entry of
``quarantine.csv``.  ``offense_coverage`` records how the offenses were levelled
(:func:`helpers.data.levels.level_coverage`).

The as-of date is recorded **once**, at ingest: time served, ages and every date-dependent value of
the processed tables are measured at it.  :func:`load_dataset` returns it with the tables, and
every later step (screens, score, outliers, model, audit, reports) uses that date; a command given a
different ``--as-of`` than the data's fails with a one-line error instead of mixing two dates.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from helpers.errors import InputError

MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class InputFile:
    """One input file of an ingest run and what became of its rows."""

    file: str
    kind: str
    variant: str | None
    sheet: str | None
    sha256: str
    rows_in: int
    kept: int
    quarantined: int


@dataclass(frozen=True)
class IngestManifest:
    """What one ingest run read and wrote (``manifest.json`` of the processed folder)."""

    as_of: date
    inputs: tuple[InputFile, ...]
    tables: dict[str, int]
    quarantined_rows: int
    quarantine_reasons: dict[str, int]  # reason -> rows with that reason (a row may have two)
    versions: dict[str, str] = field(default_factory=dict)
    tool: str = "secondlook ingest"
    quarantine_problems: int = 0  # (row, column, reason) entries: a row may have several
    offense_coverage: dict[str, Any] = field(default_factory=dict)

    def input_hashes(self) -> dict[str, str]:
        """Input file name -> SHA-256 (names as the files are called in the input folder)."""
        return {Path(i.file).name: i.sha256 for i in self.inputs}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (dates as ISO text)."""
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = MANIFEST_FILE) -> IngestManifest:
        """Read the JSON form; a missing or malformed key is a one-line error."""
        try:
            return cls(
                as_of=date.fromisoformat(str(data["as_of"])),
                inputs=tuple(InputFile(**i) for i in data["inputs"]),
                tables={str(k): int(v) for k, v in data["tables"].items()},
                quarantined_rows=int(data["quarantined_rows"]),
                quarantine_reasons={str(k): int(v) for k, v in data["quarantine_reasons"].items()},
                versions=dict(data.get("versions") or {}),
                tool=str(data.get("tool", "secondlook ingest")),
                quarantine_problems=int(data.get("quarantine_problems", 0)),
                offense_coverage=dict(data.get("offense_coverage") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"not a manifest written by `secondlook ingest` ({type(exc).__name__}: {exc}); "
                "re-run `secondlook ingest`",
                file=where,
            ) from None


def write_manifest(manifest: IngestManifest, folder: Path) -> Path:
    """Write ``manifest.json`` into ``folder`` (stable key order, so reruns give the same bytes)."""
    path = Path(folder) / MANIFEST_FILE
    path.write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: Path) -> IngestManifest:
    """The manifest of a processed folder (a one-line error when it is missing or unreadable)."""
    path = Path(folder) / MANIFEST_FILE
    if not path.is_file():
        raise InputError(
            f"has no {MANIFEST_FILE}: run `secondlook ingest` into this folder first",
            file=str(folder),
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", file=str(path)) from None
    return IngestManifest.from_dict(data, str(path))


def as_of_date(value: date | str | None, option: str = "--as-of") -> date | None:
    """A date from ``YYYY-MM-DD`` text (``None`` stays ``None``); bad text is a one-line error."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"must be a date like 2025-01-01, not '{value}'", column=option) from None


def check_as_of(data_as_of: date, requested: date | str | None, folder: Path) -> date:
    """The data's as-of date; a different requested date is an error (never mix two dates)."""
    wanted = as_of_date(requested)
    if wanted is not None and wanted != data_as_of:
        raise InputError(
            f"--as-of {wanted.isoformat()} differs from the as-of date of the data "
            f"({data_as_of.isoformat()}, recorded at ingest in {MANIFEST_FILE}); re-run "
            f"`secondlook ingest --as-of {wanted.isoformat()}` or leave --as-of out",
            file=str(folder),
        )
    return data_as_of
