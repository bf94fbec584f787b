"""Public-mode suppression of the audit's long group tables (one row per dimension and group).

Every audit table goes through :func:`protect_group_table`, which applies
:func:`helpers.privacy.suppress` to each sub-table and hides ratios against a suppressed
reference group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from helpers.audit.constants import SEP
from helpers.privacy import SMALL_CELL, check_mode, suppress


def protect_group_table(
    table: pd.DataFrame,
    mode: str,
    count_cols: Sequence[str],
    derived: Mapping[str, Sequence[str]],
    *,
    split: Sequence[str] = ("dimension",),
    row_totals: Mapping[str, Sequence[str]] | None = None,
    reference_cols: Sequence[str] = (),
    threshold: int = SMALL_CELL,
) -> pd.DataFrame:
    """Suppress a long group table (``dimension``/``group`` rows) for ``mode``.

    Each combination of ``split`` columns is one table; in an intersection (``a | b`` labels) the
    complementary rule runs along both margins.  ``reference_cols`` (ratios against the reference
    group) are also hidden when the reference group's own row is suppressed.
    """
    if check_mode(mode) == "da":
        out = table.copy()
        out["suppressed"] = False
        out["suppression"] = pd.Series("", index=out.index, dtype="string")
        return out
    parts = [
        _suppress_part(part, count_cols, derived, row_totals, threshold)
        for _, part in table.groupby(list(split), sort=False, dropna=False)
    ]
    out = pd.concat(parts, ignore_index=True) if parts else table.copy()
    if reference_cols and "reference_group" in out:
        _hide_suppressed_references(out, split, reference_cols)
    return out


def _suppress_part(
    part: pd.DataFrame,
    count_cols: Sequence[str],
    derived: Mapping[str, Sequence[str]],
    row_totals: Mapping[str, Sequence[str]] | None,
    threshold: int,
) -> pd.DataFrame:
    """One sub-table suppressed, with both margins of an intersection as complementary sets."""
    part = part.copy()
    parts_n = part["group"].astype(str).str.split(SEP, regex=False).str.len().max()
    if len(part) and parts_n > 1:
        comps = part["group"].astype(str).str.split(SEP, regex=False, expand=True)
        keys = [f"_g{i}" for i in range(comps.shape[1])]
        part[keys] = comps.to_numpy()
        by: list[list[str]] = [[k] for k in keys]
    else:
        keys, by = [], [[]]
    done = suppress(
        part, count_cols, by=by, threshold=threshold, row_totals=row_totals, derived=derived
    )
    return done.drop(columns=keys)


def _hide_suppressed_references(
    out: pd.DataFrame, split: Sequence[str], reference_cols: Sequence[str]
) -> None:
    """Blank (in place) the ratios of rows whose reference group's own row is suppressed."""
    key = out[list(split)].astype(str).agg("\x1f".join, axis=1) + "\x1f" + out["group"]
    ref_key = (
        out[list(split)].astype(str).agg("\x1f".join, axis=1)
        + "\x1f"
        + out["reference_group"].fillna("")
    )
    hidden = set(key[out["suppressed"]])
    ref_hidden = ref_key.isin(hidden) & out["reference_group"].notna()
    for c in reference_cols:
        if c in out:
            out[c] = out[c].mask(ref_hidden)
    out.loc[ref_hidden, "suppressed"] = True
    out.loc[ref_hidden & (out["suppression"] == ""), "suppression"] = "reference suppressed"
