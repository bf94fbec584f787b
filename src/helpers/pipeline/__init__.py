"""Stage 6, pipeline: the shared statewide stage (ingest, candidates, model, audit) and the
per-county Papermill runs (cache, parallel workers, failure isolation).
"""

from __future__ import annotations

from helpers.pipeline.core import (
    CACHE_FILE,
    DA_ROOT,
    ERROR_FILE,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    PUBLIC_ROOT,
    ROOT,
    SHARED_ROOT,
    CountyResult,
    RunSettings,
    code_hash,
    county_cache_key,
    git_commit,
    package_versions,
    prepare_shared,
    resolve_counties,
    run,
    run_county,
)

__all__ = [
    "CACHE_FILE",
    "CountyResult",
    "DA_ROOT",
    "ERROR_FILE",
    "NOTEBOOKS",
    "NOTEBOOK_DIR",
    "PUBLIC_ROOT",
    "ROOT",
    "RunSettings",
    "SHARED_ROOT",
    "code_hash",
    "county_cache_key",
    "git_commit",
    "package_versions",
    "prepare_shared",
    "resolve_counties",
    "run",
    "run_county",
]
