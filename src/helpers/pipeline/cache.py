"""Content hashes that decide what reruns: a configuration's hash and a county's cache key."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.pipeline.layout import NOTEBOOK_DIR
from helpers.pipeline.manifest import RunManifest
from helpers.provenance import bytes_sha256
from helpers.screening.config import CountyConfig


def config_hash(config: CountyConfig) -> str:
    """First 16 hex digits of the SHA-256 of a configuration's files (base first, as merged)."""
    text = "".join(Path(name).read_text() for name in config.files)
    return bytes_sha256(text.encode())[:16]


def county_cache_key(
    county: str, manifest: RunManifest, mode: str, notebooks: tuple[str, ...]
) -> str:
    """Content hash of everything a county's executed notebooks depend on.

    The inputs, as-of date, seed, configuration, model and code come from the run manifest; the
    mode and the notebooks' text from this run.
    """
    text = "".join((NOTEBOOK_DIR / f"{name}.md").read_text() for name in notebooks)
    parts = {
        "county": county,
        "inputs": manifest.inputs,
        "as_of": manifest.as_of.isoformat(),
        "mode": mode,
        "seed": manifest.seed,
        "config": manifest.config_hashes[county],
        "notebooks": bytes_sha256(text.encode()),
        "code": manifest.code_hash,
        "model": manifest.model.hash,
    }
    return bytes_sha256(json.dumps(parts, sort_keys=True).encode())
