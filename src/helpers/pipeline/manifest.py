"""The run manifest (``shared.json``): what the shared statewide stage computed, from what.

:func:`write_run_manifest` writes it and :func:`read_run_manifest` is the one reader (a missing or
malformed file is a one-line :class:`~helpers.errors.InputError` naming it).  Every field is derived
from the inputs, configuration, code and seed, never from the wall clock, so that a rerun on the
same inputs and code writes the same bytes; when a run happened is in the run log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from helpers.errors import InputError
from helpers.provenance import display_path, stored_path

MANIFEST_FILE = "shared.json"
"""The run manifest's file name in the shared folder."""


@dataclass(frozen=True)
class ModelFiles:
    """The shared model step's files and its key (``hash``: inputs, candidate lists, code, seed and
    as-of date it was trained from).

    ``label`` is the shipped models' label (``decisions``: no screen-trained model ranks anybody)
    and ``ranks_by`` maps every county to the model its pages rank by (its own county model, or
    the statewide model).
    """

    hash: str
    model: Path
    metadata: Path
    predictions: Path
    dir: Path
    label: str = "decisions"
    ranks_by: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (paths as text)."""
        return {
            "hash": self.hash,
            "model": display_path(self.model),
            "metadata": display_path(self.metadata),
            "predictions": display_path(self.predictions),
            "dir": display_path(self.dir),
            "label": self.label,
            "ranks_by": dict(self.ranks_by),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelFiles:
        """Read the JSON form (a missing key raises ``KeyError``)."""
        return cls(
            hash=str(data["hash"]),
            model=stored_path(data["model"]),
            metadata=stored_path(data["metadata"]),
            predictions=stored_path(data["predictions"]),
            dir=stored_path(data["dir"]),
            label=str(data["label"]),
            ranks_by={str(k): str(v) for k, v in data["ranks_by"].items()},
        )


@dataclass(frozen=True)
class RunManifest:
    """What the shared statewide stage wrote: inputs, candidate lists, model, audit, versions.

    ``candidates`` maps every county to the candidate list of its configuration (Parquet) and
    ``config_hashes`` to that configuration's hash; ``statewide_candidates`` is the list under the
    statewide screen (the dashboards' screen outcome).
    """

    as_of: date
    seed: int
    mode: str
    processed: Path
    inputs: dict[str, str]
    candidates: dict[str, Path]
    statewide_candidates: Path
    config_hashes: dict[str, str]
    model: ModelFiles
    audit: Path
    versions: dict[str, str]
    git_commit: str
    code_hash: str
    people: int
    quarantined_rows: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (dates as ISO text, paths as text)."""
        return {
            "as_of": self.as_of.isoformat(),
            "seed": self.seed,
            "mode": self.mode,
            "processed": display_path(self.processed),
            "inputs": dict(self.inputs),
            "candidates": {c: display_path(p) for c, p in self.candidates.items()},
            "statewide_candidates": display_path(self.statewide_candidates),
            "config_hashes": dict(self.config_hashes),
            "model": self.model.to_dict(),
            "audit": display_path(self.audit),
            "versions": dict(self.versions),
            "git_commit": self.git_commit,
            "code_hash": self.code_hash,
            "people": self.people,
            "quarantined_rows": self.quarantined_rows,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunManifest:
        """Read the JSON form (a missing key raises ``KeyError``, a bad value ``ValueError``)."""
        return cls(
            as_of=date.fromisoformat(str(data["as_of"])),
            seed=int(data["seed"]),
            mode=str(data["mode"]),
            processed=stored_path(data["processed"]),
            inputs={str(k): str(v) for k, v in data["inputs"].items()},
            candidates={str(k): stored_path(v) for k, v in data["candidates"].items()},
            statewide_candidates=stored_path(data["statewide_candidates"]),
            config_hashes={str(k): str(v) for k, v in data["config_hashes"].items()},
            model=ModelFiles.from_dict(data["model"]),
            audit=stored_path(data["audit"]),
            versions={str(k): str(v) for k, v in data["versions"].items()},
            git_commit=str(data["git_commit"]),
            code_hash=str(data["code_hash"]),
            people=int(data["people"]),
            quarantined_rows=int(data["quarantined_rows"]),
        )


def write_run_manifest(manifest: RunManifest, shared_dir: Path) -> Path:
    """Write ``shared.json`` into ``shared_dir``; return its path."""
    path = Path(shared_dir) / MANIFEST_FILE
    path.write_text(json.dumps(manifest.to_dict(), indent=2), encoding="utf-8")
    return path


def read_run_manifest(shared_dir: Path) -> RunManifest:
    """The run manifest of a shared folder (one-line error when it is missing or malformed)."""
    path = Path(shared_dir) / MANIFEST_FILE
    if not path.is_file():
        raise InputError("no run manifest: run `secondlook run` first", file=str(path))
    try:
        return RunManifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # JSON errors are ValueErrors
        raise InputError(
            f"not a run manifest written by `secondlook run` ({type(exc).__name__}: {exc}); "
            "rerun `secondlook run`",
            file=str(path),
        ) from None
