"""The project's one grouping scheme: race groups, age bands and the audit's dimensions.

The audit, the dashboards, the annual reports and the county pages all group people with these
functions, so a group means the same thing everywhere: CDCR ethnicity codes are grouped into race
groups by ``data/reference/race_groups.csv``, and current age into the bands of :data:`AGE_BANDS`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.audit.constants import SEP
from helpers.data.reference import race_groups
from helpers.privacy import SMALL_CELL

AGE_BANDS: tuple[tuple[float, float, str], ...] = (
    (18, 25, "18-24"),
    (25, 35, "25-34"),
    (35, 50, "35-49"),
    (50, 65, "50-64"),
    (65, np.inf, "65+"),
)
"""Age bands as (lowest age, first age above, label)."""
AGE_BAND_ORDER: tuple[str, ...] = ("Under 18", *(band[2] for band in AGE_BANDS), "Unknown")
"""Every label :func:`age_band` gives, in reading order (one age scheme for the whole project)."""


def race_group_table() -> pd.DataFrame:
    """The ethnicity → race_group mapping (``data/reference/race_groups.csv``)."""
    return race_groups()[["ethnicity", "race_group"]].copy()


def age_band(age: pd.Series) -> pd.Series:
    """Age bands 18-24, 25-34, 35-49, 50-64, 65+ (``Under 18`` and ``Unknown`` otherwise)."""
    values = pd.to_numeric(age, errors="coerce").astype(float).to_numpy()
    out = np.full(len(values), "Unknown", dtype=object)
    out[values < 18] = "Under 18"
    for lo, hi, label in AGE_BANDS:
        out[(values >= lo) & (values < hi)] = label
    return pd.Series(out, index=age.index, dtype="string")


def add_groups(people: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``people`` with ``race_group`` (if absent), ``age_band`` and blank groups filled."""
    out = people.copy()
    if "ethnicity" in out:
        out["ethnicity"] = (
            out["ethnicity"].astype("string").fillna("Unknown").replace("", "Unknown")
        )
    if "race_group" not in out and "ethnicity" in out:
        mapping = race_group_table().set_index("ethnicity")["race_group"]
        group = out["ethnicity"].map(mapping).fillna("Other")
        out["race_group"] = group.mask(out["ethnicity"] == "Unknown", "Unknown").astype("string")
    if "race_group" in out:
        out["race_group"] = out["race_group"].astype("string").fillna("Unknown")
    if "age" in out:
        out["age_band"] = age_band(out["age"])
    for col in ("gender", "county"):
        if col in out:
            out[col] = out[col].astype("string").fillna("Unknown")
    return out


def group_definitions(people: pd.DataFrame, min_cell: int = SMALL_CELL) -> dict[str, list[str]]:
    """Audit dimensions present in ``people``: name → columns (two columns = an intersection).

    One-way: race_group, ethnicity (raw CDCR codes), age_band, gender (when recorded), county (when
    more than one).  Intersections race_group × age_band, race_group × gender, county × race_group
    are kept only where at least two of their cells reach ``min_cell`` people.
    """
    p = add_groups(people)
    dims: dict[str, list[str]] = {}
    for col in ("race_group", "ethnicity", "age_band"):
        if col in p:
            dims[col] = [col]
    if "gender" in p and (p["gender"] != "Unknown").any():
        dims["gender"] = ["gender"]
    if "county" in p and p["county"].nunique() > 1:
        dims["county"] = ["county"]
    pairs = [("race_group", "age_band"), ("race_group", "gender"), ("county", "race_group")]
    for a, b in pairs:
        if a in dims and b in dims:
            sizes = p.groupby([a, b], observed=True).size()
            if (sizes >= min_cell).sum() >= 2:
                dims[f"{a} x {b}"] = [a, b]
    return dims


def group_codes(people: pd.DataFrame, cols: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Each person's group number along ``cols`` and the sorted group labels.

    A label joins the person's values of ``cols`` with ``" | "`` (an intersection); with no columns
    everybody is in the one group ``All``.
    """
    if cols:
        parts = [people[c].astype("string").fillna("Unknown") for c in cols]
        labels = parts[0]
        for part in parts[1:]:
            labels = labels + SEP + part
    else:
        labels = pd.Series("All", index=people.index, dtype="string")
    codes, uniques = pd.factorize(labels.to_numpy(), sort=True)
    return codes, [str(u) for u in uniques]
