"""Stage 6, pipeline: the shared statewide stage (ingest, candidate lists, model, audit, the run
manifest ``shared.json``) and the per-county Papermill runs (one list of notebooks, content-hash
cache, parallel workers with reused kernels, failure isolation, run log).
"""

from __future__ import annotations

from helpers.pipeline.cache import config_hash, county_cache_key
from helpers.pipeline.kernel import (
    ENGINE,
    kernel_manager,
    register_engine,
    reset_namespace,
    worker_init,
)
from helpers.pipeline.layout import (
    CACHE_FILE,
    DA_ROOT,
    ERROR_FILE,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    PUBLIC_ROOT,
    REPORT_NOTEBOOK,
    RUN_LOG,
    SHARED_ROOT,
)
from helpers.pipeline.manifest import (
    MANIFEST_FILE,
    ModelFiles,
    RunManifest,
    read_run_manifest,
    write_run_manifest,
)
from helpers.pipeline.notebooks import (
    AfterCounty,
    describe_error,
    finalise_notebook,
    run_county,
)
from helpers.pipeline.runlog import wall_clock, write_run_log
from helpers.pipeline.runner import (
    CountyJob,
    RunReport,
    notebook_parameters,
    resolve_counties,
    run,
    run_counties,
)
from helpers.pipeline.settings import CountyResult, RunSettings
from helpers.pipeline.shared import PREDICTION_COLUMNS, load_inputs, prepare_shared

__all__ = [
    "AfterCounty",
    "CACHE_FILE",
    "CountyJob",
    "CountyResult",
    "DA_ROOT",
    "ENGINE",
    "ERROR_FILE",
    "MANIFEST_FILE",
    "ModelFiles",
    "NOTEBOOKS",
    "NOTEBOOK_DIR",
    "PREDICTION_COLUMNS",
    "PUBLIC_ROOT",
    "REPORT_NOTEBOOK",
    "RUN_LOG",
    "RunManifest",
    "RunReport",
    "RunSettings",
    "SHARED_ROOT",
    "config_hash",
    "county_cache_key",
    "describe_error",
    "finalise_notebook",
    "kernel_manager",
    "load_inputs",
    "notebook_parameters",
    "prepare_shared",
    "read_run_manifest",
    "register_engine",
    "reset_namespace",
    "resolve_counties",
    "run",
    "run_counties",
    "run_county",
    "wall_clock",
    "worker_init",
    "write_run_log",
    "write_run_manifest",
]
