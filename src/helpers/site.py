"""Build the public website (Jupyter Book 1.x) from the outputs of the main job.

``prepare_generated`` writes the small, public-safe tables the book pages include (``book/generated/``);
``build_book`` runs Jupyter Book with warnings as errors into ``_build/html``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from helpers.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


def prepare_generated(processed: Path, book_dir: Path | None = None) -> Path:
    """Write the tables the method pages include, computed from the ingest manifest and quarantine."""
    book_dir = Path(book_dir or ROOT / "book")
    out = book_dir / "generated"
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = Path(processed) / "manifest.json"
    if not manifest_path.exists():
        raise InputError("no manifest.json: run `secondlook ingest` first", file=str(processed))
    manifest = json.loads(manifest_path.read_text())
    summary = pd.DataFrame(manifest["inputs"])
    summary["file"] = summary["file"].map(lambda p: Path(p).name)
    summary = summary[["file", "kind", "rows_in", "kept", "quarantined", "sha256"]]
    summary["sha256"] = summary["sha256"].str.slice(0, 12)
    summary.columns = ["File", "Kind", "Rows in", "Kept", "Quarantined", "SHA-256 (first 12)"]
    summary.to_csv(out / "ingest_summary.csv", index=False)
    reasons = pd.Series(manifest.get("quarantine_reasons", {}), dtype="int64")
    table = pd.DataFrame({"Reason": reasons.index, "Rows": reasons.to_numpy()})
    if table.empty:
        table = pd.DataFrame({"Reason": ["(none: every row was kept)"], "Rows": [0]})
    table.to_csv(out / "quarantine_reasons.csv", index=False)
    return out


def build_book(root: Path | None = None, strict: bool = True) -> Path:
    """Run ``jupyter-book build`` (warnings are errors when ``strict``); return the HTML folder."""
    root = Path(root or ROOT)
    command = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(root),
        "--builder",
        "html",
    ]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=root)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise RuntimeError(f"jupyter-book build failed:\n{tail}")
    return root / "_build" / "html"
