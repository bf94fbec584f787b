"""Where the repository's folders are: the one place that knows the layout on disk."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root (the folder holding ``configs/``, ``data/`` and ``book/``)."""

CONFIG_DIR = ROOT / "configs"
"""County configurations, presets, Prop 64 flows and accountability settings (YAML)."""

REFERENCE_DIR = ROOT / "data" / "reference"
"""Committed reference tables, each citing its source."""

REFERENCE_ENV_VAR = "SECONDLOOK_REFERENCE_DIR"
"""Environment variable naming another reference folder (e.g. a county office's own tables)."""


def reference_dir() -> Path:
    """The reference-data folder: ``$SECONDLOOK_REFERENCE_DIR`` if set, else ``data/reference``."""
    override = os.environ.get(REFERENCE_ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    return REFERENCE_DIR
