"""Where a run reads and writes: the county notebooks, the output folders and the marker files."""

from __future__ import annotations

from helpers import paths

NOTEBOOK_DIR = paths.ROOT / "notebooks"
"""The parameterised county notebooks (MyST text)."""

NOTEBOOKS = ("01-clean", "02-score", "03-model", "04-bias-audit", "05-county-report")
"""Every county notebook, in the order a county run executes them."""

REPORT_NOTEBOOK = "05-county-report"
"""The county's summary report: the site's page for the county, the others are its sub-pages."""

PUBLIC_ROOT = paths.ROOT / "book" / "counties"
"""Executed notebooks of public runs (part of the website)."""

DA_ROOT = paths.ROOT / "da_reports"
"""Executed notebooks and exports of DA-mode runs (with identifiers, outside the website)."""

SHARED_ROOT = paths.ROOT / "outputs" / "shared"
"""Outputs of the shared statewide stage (``shared.json`` and the files it names)."""

CACHE_FILE = ".cache-key"
"""Beside a county's notebooks (and the shared model and audit): the key of what made them."""

ERROR_FILE = "ERROR.txt"
"""Beside a county's notebooks when its run failed: the error."""

RUN_LOG = "run.json"
"""In the output root: the settings, wall-clock times and outcome of the last run."""
