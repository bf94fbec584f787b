"""Summaries of the quarantine: rows and reasons counted separately.

One quarantined row can have several problems (two unreadable dates, a blank county and an unknown
offense code): the quarantine holds one entry per (row, column, reason).  Summaries therefore count
**rows** (each quarantined row once, or once per reason it has) apart from **problems** (entries),
and say so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: What every summary says about its counts.
COUNTING_NOTE = "a row can have more than one reason: rows are counted once per reason they have"


def quarantine_counts(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantine reasons with the ``rows`` that have each (a row with two reasons counts under
    both) and the ``problems`` (every column flagged), most rows first."""
    if quarantine.empty:
        return pd.DataFrame(
            {
                "reason": pd.Series(dtype="string"),
                "rows": pd.Series(dtype="int64"),
                "problems": pd.Series(dtype="int64"),
            }
        )
    q = quarantine.astype({"reason": "string", "file": "string"})
    rows = q.drop_duplicates(["file", "row", "reason"])["reason"].value_counts()
    problems = q["reason"].value_counts()
    out = pd.DataFrame({"rows": rows, "problems": problems.reindex(rows.index)})
    out = out.rename_axis("reason").reset_index()
    return out.sort_values(
        ["rows", "reason"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def quarantine_totals(quarantine: pd.DataFrame) -> dict[str, int]:
    """Distinct quarantined ``rows`` (file and row) and ``problems`` (entries) of a quarantine."""
    if quarantine.empty:
        return {"rows": 0, "problems": 0}
    return {
        "rows": int(len(quarantine.drop_duplicates(["file", "row"]))),
        "problems": int(len(quarantine)),
    }


def quarantine_lines(quarantine: pd.DataFrame, path: Path | None = None, top: int = 5) -> str:
    """Plain-text summary of a quarantine: totals, the ``top`` reasons and where the details are."""
    totals = quarantine_totals(quarantine)
    lines = [
        f"  quarantine: {totals['rows']:,} rows, {totals['problems']:,} problems ({COUNTING_NOTE})"
    ]
    for r in quarantine_counts(quarantine).head(top).itertuples(index=False):
        lines.append(f"    {r.rows:,} rows ({r.problems:,} problems): {r.reason}")
    if path is not None:
        lines.append(f"  details in {path}")
    return "\n".join(lines)
