"""The run log (``run.json`` in the output root): settings, wall-clock times and every outcome.

The only place a run's wall-clock times are kept: the run manifest and the pages derive from the
inputs, code and seed alone.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from helpers.pipeline.layout import RUN_LOG
from helpers.pipeline.settings import CountyResult, RunSettings


def wall_clock() -> str:
    """The wall-clock time to the second, as ISO text (for the run log only)."""
    return datetime.now().isoformat(timespec="seconds")


def write_run_log(
    root: Path, settings: RunSettings, results: list[CountyResult], started: str
) -> Path:
    """Write ``run.json`` into ``root``: the settings, start and end times and each county's outcome."""
    root.mkdir(parents=True, exist_ok=True)
    finished = wall_clock()
    log = {
        "settings": {k: str(v) for k, v in asdict(settings).items()},
        "date": finished[:10],
        "started": started,
        "finished": finished,
        "results": [asdict(r) for r in results],
    }
    path = root / RUN_LOG
    path.write_text(json.dumps(log, indent=2))
    return path
