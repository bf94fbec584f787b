"""The tables the method and about pages include, and how a published cell is written.

Each table is written into ``book/generated/`` from the run manifest and the files it names:
ingest summary and quarantine reasons, the versions of this build, the statewide model's card and
the statewide audit's headline tables (already suppressed by the audit).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.data.ingest import input_labels
from helpers.data.manifest import read_manifest
from helpers.errors import InputError
from helpers.pipeline.manifest import RunManifest
from helpers.spreadsheets import write_csv


def count_cell(value: Any) -> str:
    """A published count: thousands separated, ``suppressed`` where the count is hidden."""
    return "suppressed" if pd.isna(value) else f"{int(value):,}"


def share_cell(value: Any) -> str:
    """A published share as a percentage with one decimal, ``suppressed`` where hidden."""
    return "suppressed" if pd.isna(value) else f"{100 * float(value):.1f} %"


def money_cell(value: Any) -> str:
    """A published amount in whole dollars, ``suppressed`` where hidden."""
    return "suppressed" if pd.isna(value) else f"${float(value):,.0f}"


def write_ingest_tables(processed: Path, out: Path) -> None:
    """Ingest summary and quarantine reasons (method/data page)."""
    manifest = read_manifest(Path(processed))
    summary = pd.DataFrame([asdict(i) for i in manifest.inputs])
    summary["file"] = input_labels(summary["file"])  # dsa/demographics.csv apart
    summary = summary[["file", "kind", "rows_in", "kept", "quarantined", "sha256"]]
    summary["sha256"] = summary["sha256"].str.slice(0, 12)
    summary.columns = ["File", "Kind", "Rows in", "Kept", "Quarantined", "SHA-256 (first 12)"]
    write_csv(summary, out / "ingest_summary.csv")
    reasons = pd.Series(manifest.quarantine_reasons, dtype="int64")
    table = pd.DataFrame({"Reason": reasons.index, "Rows": reasons.to_numpy()})
    if table.empty:
        table = pd.DataFrame({"Reason": ["(none: every row was kept)"], "Rows": [0]})
    write_csv(table, out / "quarantine_reasons.csv")


def versions_table(manifest: RunManifest) -> pd.DataFrame:
    """Code, data and library versions of this build, from the run manifest (changelog page)."""
    rows = [
        ("secondlook version", manifest.versions["secondlook"]),
        ("Git commit", manifest.git_commit),
        ("Code (SHA-256)", manifest.code_hash),
        ("Data as of", manifest.as_of.isoformat()),
        ("Random seed", manifest.seed),
        ("People in the input", manifest.people),
        ("Rows quarantined", manifest.quarantined_rows),
    ]
    rows += [(f"Input {name} (SHA-256)", sha) for name, sha in manifest.inputs.items()]
    rows += [(f"Library {name}", v) for name, v in manifest.versions.items()]
    return pd.DataFrame(rows, columns=["Item", "Value"]).astype({"Value": "string"})


def write_model_card_include(manifest: RunManifest, out: Path) -> Path:
    """The statewide model's card, headings moved one level down to sit inside the model page."""
    from helpers.model import NO_MODEL, model_card, read_metadata

    meta_path = manifest.model.metadata
    path = out / "model_card.md"
    if not meta_path.is_file() and NO_MODEL in manifest.model.ranks_by.values():
        note = "No model was trained in this build: the review-decision log has too few decisions."
        path.write_text(
            f"```{{note}}\n{note} Nobody is ranked by a model.\n```\n", encoding="utf-8"
        )
        return path
    if not meta_path.is_file():
        raise InputError("no model metadata: rerun `secondlook run`", file=str(meta_path))
    lines = model_card(read_metadata(meta_path)).splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    text = "\n".join("#" + line if re.match(r"#+ ", line) else line for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _ratio_text(row: pd.Series) -> str:
    """A selection-rate ratio with its interval (or why there is none)."""
    if pd.isna(row["ratio_vs_reference"]):
        return "suppressed" if row["group"] != row["reference_group"] else "1 (reference)"
    return (
        f"{row['ratio_vs_reference']:.2f} "
        f"({row['ratio_vs_reference_lo']:.2f}–{row['ratio_vs_reference_hi']:.2f})"
    )


def write_audit_tables(manifest: RunManifest, out: Path) -> list[Path]:
    """The statewide audit's headline tables and figure (already suppressed by the audit)."""
    folder = manifest.audit
    sel_path = folder / "selection_audit.csv"
    if not sel_path.exists():
        raise InputError("no statewide audit: rerun `secondlook run`", file=str(folder))
    sel = pd.read_csv(sel_path)
    sel = sel[(sel["selection"] == "screen_eligible") & (sel["dimension"] == "race_group")]
    table = pd.DataFrame(
        {
            "Group": sel["group"],
            "People in prison": sel["n_population"].map(count_cell),
            "Share of prison population": sel["share_of_population"].map(share_cell),
            "Share of screen-eligible": sel["share_of_selected"].map(share_cell),
            "Selection rate vs White (95 % CI)": sel.apply(_ratio_text, axis=1),
            "Outside 0.8–1.25": sel["flag_vs_reference"].map(
                lambda f: "" if pd.isna(f) else ("yes" if str(f) == "True" else "no")
            ),
        }
    )
    files = [out / "audit_selection.csv", out / "audit_sentence_summary.csv"]
    write_csv(table, files[0])
    summary = pd.read_csv(folder / "sentence_summary.csv").drop(columns=["scope"])
    summary.columns = [
        "Group",
        "Offense categories compared",
        "… with a longer mean sentence than the reference",
        "… of which the 95 % interval excludes equality",
        "Reference group",
    ]
    write_csv(summary, files[1])
    from helpers.audit import page_tables

    for name, frame in page_tables(folder).items():
        write_csv(frame, out / name)
        files.append(out / name)
    figure = folder / "sentence_by_category.png"
    if figure.exists():
        shutil.copy(figure, out / "audit_sentence_by_category.png")
        files.append(out / "audit_sentence_by_category.png")
    return files
