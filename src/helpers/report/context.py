"""One county's context for its notebooks: the shared stage's outputs, tables and display settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from helpers import paths
from helpers.counties import in_county
from helpers.errors import InputError
from helpers.pipeline.manifest import RunManifest, read_run_manifest
from helpers.privacy import check_mode, run_salt
from helpers.report import present
from helpers.screening.config import CountyConfig


@dataclass
class CountyContext:
    """Everything one county's notebooks read: run manifest, tables, candidates, configuration."""

    county: str
    mode: str
    as_of: str
    seed: int
    shared_dir: Path
    shared: RunManifest
    people: pd.DataFrame  # the county's people
    offenses: pd.DataFrame  # the county's offense rows
    statewide_people: pd.DataFrame
    candidates: pd.DataFrame  # the county's candidate list (best first)
    config: CountyConfig
    salt: str = field(repr=False, default="")

    @property
    def public(self) -> bool:
        """True in public mode (pseudonyms, small cells suppressed)."""
        return self.mode == "public"


@lru_cache(maxsize=4)
def _read_parquet_cached(path: str, _mtime: float) -> pd.DataFrame:
    return pd.read_parquet(path)


def _parquet(path: str | Path) -> pd.DataFrame:
    """Read a Parquet file once per process (the pipeline reuses one kernel for many notebooks)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("missing: rerun `secondlook run`", file=str(path))
    return _read_parquet_cached(str(path.resolve()), path.stat().st_mtime)


MAX_TABLE_ROWS = 50
"""The most rows a table shows when a notebook displays it directly (longer lists: a download)."""


def _table_html(frame: pd.DataFrame) -> str:
    """A table as the reports show it: human headers, rounded numbers, suppressed cells empty."""
    return present.table_html(frame, max_rows=MAX_TABLE_ROWS)


def setup_display() -> None:
    """Start a report page: tables shown through :func:`present.table_html` (human headers,
    rounding, no row numbers, suppressed cells empty and explained once), the figure style set."""
    from IPython import get_ipython

    present.new_page()
    shell = get_ipython()
    if shell is not None:
        present.set_style()
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _table_html)


def load_context(shared: str | Path, county: str, mode: str = "public") -> CountyContext:
    """Load the shared outputs of ``secondlook run`` (its run manifest) for one county."""
    from helpers.data.checks import isin
    from helpers.screening.config import county_file, load_config

    mode = check_mode(mode)
    shared_dir = Path(shared)
    if not shared_dir.is_absolute() and not shared_dir.exists():
        shared_dir = paths.ROOT / shared_dir  # a notebook opened in JupyterLab runs in notebooks/
    manifest = read_run_manifest(shared_dir)
    tables = {
        name: _parquet(manifest.processed / f"{name}.parquet") for name in ("people", "offenses")
    }
    people = tables["people"]
    county_people = people.loc[in_county(people, county)].reset_index(drop=True)
    offenses = tables["offenses"]
    county_offenses = offenses[isin(offenses["cdcno"], county_people["cdcno"])].reset_index(
        drop=True
    )
    candidates = _parquet(manifest.candidates[county])
    candidates = candidates.loc[in_county(candidates, county)].reset_index(drop=True)
    candidates = candidates.merge(_parquet(manifest.model.predictions), on="cdcno", how="left")
    return CountyContext(
        county=county,
        mode=mode,
        as_of=manifest.as_of.isoformat(),
        seed=manifest.seed,
        shared_dir=shared_dir,
        shared=manifest,
        people=county_people,
        offenses=county_offenses,
        statewide_people=people,
        candidates=candidates,
        config=load_config(county, county_file(county)),
        salt=run_salt(shared_dir),
    )


def provenance(ctx: CountyContext) -> pd.DataFrame:
    """Input hashes, configuration, library versions, git commit, code hash and seed."""
    rows = [
        ("County", ctx.county),
        ("Mode", ctx.mode),
        ("As-of date", ctx.as_of),
        ("Seed", str(ctx.seed)),
        ("Git commit", ctx.shared.git_commit),
        ("Code (SHA-256)", ctx.shared.code_hash),
        ("Configuration", ", ".join(ctx.config.files)),
        ("Configuration hash", ctx.shared.config_hashes[ctx.county]),
    ]
    rows += [(f"Input {name} (SHA-256)", digest) for name, digest in ctx.shared.inputs.items()]
    rows += [(f"Version of {name}", version) for name, version in ctx.shared.versions.items()]
    return pd.DataFrame(rows, columns=["Item", "Value"])
