"""What one ``secondlook run`` does (:class:`RunSettings`) and what became of each county."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from helpers.errors import InputError
from helpers.pipeline.layout import DA_ROOT, NOTEBOOKS, PUBLIC_ROOT, SHARED_ROOT
from helpers.privacy import check_mode


@dataclass
class RunSettings:
    """What one ``secondlook run`` does.

    ``as_of`` may be left out for ingested data (the date recorded at ingest is used; a different
    one is an error); raw files need it.  An unknown mode or notebook is a one-line error.
    """

    data: Path
    as_of: date | str | None = None
    mode: str = "public"
    seed: int = 1
    jobs: int = 2
    out_root: Path | None = None
    shared_root: Path = SHARED_ROOT
    notebooks: tuple[str, ...] = NOTEBOOKS
    force: bool = False

    def __post_init__(self) -> None:
        check_mode(self.mode)
        unknown = [name for name in self.notebooks if name not in NOTEBOOKS]
        if unknown:
            raise InputError(
                f"unknown notebook '{unknown[0]}' (one of: {', '.join(NOTEBOOKS)})",
                column="--notebooks",
            )

    def output_root(self) -> Path:
        """Where the executed notebooks go: ``out_root``, else the site's or the DA folder."""
        if self.out_root is not None:
            return Path(self.out_root)
        return PUBLIC_ROOT if self.mode == "public" else DA_ROOT


@dataclass
class CountyResult:
    """The outcome for one county."""

    county: str
    status: str  # "ran" | "skipped" | "failed"
    seconds: float = 0.0
    error: str = ""
    outputs: list[str] = field(default_factory=list)
