"""Sentence disparities: aggregate sentence by race within offense category, and adjusted.

* :func:`sentence_disparity` — mean and median aggregate sentence by race within offense category,
  with bootstrap intervals, and :func:`sentence_regression`, an OLS of log sentence on race adjusted
  for offense level, priors, enhancements and county.
* :func:`protect_sentence_tables` — the tables fit for public mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from helpers.audit.constants import N_BOOT, REFERENCE_GROUP, SEED, SENTENCE_EXCLUSION_RULE
from helpers.audit.groups import add_groups
from helpers.audit.protect import protect_group_table
from helpers.audit.stats import cell_rng, percentile_interval
from helpers.privacy import SMALL_CELL, check_mode

CONTROLLING_PARTS = ("code", "section", "subdivision", "degree", "attempt", "offense_key")
"""The parts of the controlling offense (``controlling_<part>`` columns of the people table)."""
REGRESSION_VALUES = [
    "estimate",
    "std_error",
    "ci_lo",
    "ci_hi",
    "p_value",
    "pct_diff",
    "pct_diff_lo",
    "pct_diff_hi",
]
"""The value columns of :func:`sentence_regression`, hidden together when a group is small."""


@dataclass
class SentenceDisparity:
    """Results of :func:`sentence_disparity`."""

    by_category: pd.DataFrame
    regression: pd.DataFrame
    summary: pd.DataFrame
    category_source: str
    adjustment: str
    exclusion_rule: str = SENTENCE_EXCLUSION_RULE
    n_excluded: int = 0
    notes: list[str] = field(default_factory=list)


def controlling_offense_info(people: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Offense level and category of each person's controlling offense.

    Uses :func:`helpers.screening.offenses.offense_levels` (federal offense level, 13 categories)
    when ``people`` carries the parts of the controlling offense; otherwise the CDCR category (4)
    with no level.  Returns the frame (columns ``offense_level``, ``category``) and the name of the
    source.
    """
    columns = [_controlling_column(part) for part in CONTROLLING_PARTS]
    if all(c in people for c in columns):
        out = _offense_table_info(people)
        if out["category"].notna().any():
            return out, "offense table (13 categories)"
    category = (
        people["offense_category"].astype("string")
        if "offense_category" in people
        else pd.Series(pd.NA, index=people.index, dtype="string")
    )
    return (
        pd.DataFrame({"offense_level": np.nan, "category": category}, index=people.index),
        "CDCR offense category (4)",
    )


def _controlling_column(part: str) -> str:
    return "controlling_offense_key" if part == "offense_key" else f"controlling_{part}"


def _offense_table_info(people: pd.DataFrame) -> pd.DataFrame:
    """Federal offense level and offense-table category of each controlling offense."""
    from helpers.screening.offenses import offense_levels

    cols = list(CONTROLLING_PARTS)
    parsed = pd.DataFrame({c: people[_controlling_column(c)] for c in cols})
    parsed["attempt"] = parsed["attempt"].astype("boolean").fillna(False)
    for c in ("code", "section", "subdivision", "degree", "offense_key"):
        parsed[c] = parsed[c].astype("string").fillna("")
    ids = parsed.groupby(cols, sort=False, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(ids))).groupby(ids).first().to_numpy()
    levels = offense_levels(parsed.iloc[first].reset_index(drop=True))
    level = pd.to_numeric(levels["federal_level"], errors="coerce").to_numpy(float)
    category = levels["category"].astype("string").to_numpy()
    return pd.DataFrame(
        {"offense_level": level[ids], "category": pd.array(category[ids], dtype="string")},
        index=people.index,
    )


def _person_counts(people: pd.DataFrame, offenses: pd.DataFrame | None) -> pd.DataFrame:
    """Priors count (prior offense rows) and enhancement count (current offenses) per person."""
    out = pd.DataFrame({"priors": 0.0, "enhancements": 0.0}, index=people.index)
    if offenses is None or offenses.empty or "cdcno" not in people:
        return out
    ids = people["cdcno"].astype("string")
    role = offenses.get("role", pd.Series("current", index=offenses.index)).astype("string")
    prior = offenses.loc[role == "prior", "cdcno"].astype("string").value_counts()
    out["priors"] = ids.map(prior).fillna(0).to_numpy(float)
    if "n_enhancements" in offenses:
        cur = offenses[role == "current"]
        enh = pd.to_numeric(cur["n_enhancements"], errors="coerce").fillna(0)
        enh = enh.groupby(cur["cdcno"].astype("string")).sum()
        out["enhancements"] = ids.map(enh).fillna(0).to_numpy(float)
    return out


def _finite_months(people: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Sentence months and a mask of people kept by the exclusion rule."""
    months = pd.to_numeric(people.get("aggregate_sentence_months"), errors="coerce").astype(float)
    keep = months.notna() & (months > 0)
    for col in ("sentence_lwop", "sentence_condemned"):
        if col in people:
            keep &= ~people[col].astype("boolean").fillna(False).to_numpy(bool)
    if "sentence_years" in people:
        keep &= np.isfinite(pd.to_numeric(people["sentence_years"], errors="coerce").astype(float))
    return months, keep


def _boot_mean_median(
    values: np.ndarray, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap means and medians of ``values`` via multinomial counts over distinct values."""
    uniq, counts = np.unique(values, return_counts=True)
    n = len(values)
    draws = rng.multinomial(n, counts / n, size=n_boot)
    means = draws @ uniq / n
    cum = draws.cumsum(axis=1)
    lo = (cum > (n - 1) // 2).argmax(axis=1)
    hi = (cum > n // 2).argmax(axis=1)
    return means, (uniq[lo] + uniq[hi]) / 2


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, int]:
    """OLS coefficients, HC1 robust standard errors, R² and residual degrees of freedom."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    n, k = x.shape
    rank = np.linalg.matrix_rank(x)
    bread = np.linalg.pinv(x.T @ x)
    meat = (x * resid[:, None] ** 2).T @ x
    cov = bread @ meat @ bread * n / max(n - rank, 1)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    tss = ((y - y.mean()) ** 2).sum()
    r2 = 1 - (resid**2).sum() / tss if tss > 0 else np.nan
    return beta, se, float(r2), max(n - rank, 1)


# --------------------------------------------------------------------------------------------------
# Regression
# --------------------------------------------------------------------------------------------------


def sentence_regression(
    people: pd.DataFrame,
    offenses: pd.DataFrame | None = None,
    reference_group: str = REFERENCE_GROUP,
    *,
    info: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, str]:
    """OLS of log aggregate sentence months on race group (reference White), adjusted.

    Adjusts for the controlling offense level (or, without the offense table, controlling-offense
    fixed effects), number of prior offenses, number of enhancements on current offenses, and
    county fixed effects; HC1 robust standard errors.  Race coefficients are reported as percent
    differences vs the reference group, ``100·(exp(β) − 1)``, with 95 % intervals.
    """
    p = add_groups(people)
    info = info if info is not None else controlling_offense_info(p)[0]
    months, keep = _finite_months(p)
    counts = _person_counts(p, offenses)
    has_level = info["offense_level"].notna()
    use_level = bool(has_level[keep].mean() > 0.5) if keep.any() else False
    if use_level:
        keep &= has_level
    keep &= p["race_group"] != "Unknown"
    d = p.loc[keep]
    if d.empty or (d["race_group"] == reference_group).sum() == 0:
        return pd.DataFrame(), "no data"
    y = np.log(months[keep].to_numpy(float))
    cols, adjustment = _design(d, info.loc[keep], counts.loc[keep], use_level, reference_group)
    names = [n for n in cols if n == "intercept" or np.ptp(cols[n]) > 0]
    x = np.column_stack([cols[n] for n in names])
    out = _coefficients(names, y, x, d["race_group"].value_counts(), reference_group)
    out["adjustment"] = adjustment
    out["reference_group"] = reference_group
    return out, adjustment


def _design(
    d: pd.DataFrame,
    info: pd.DataFrame,
    counts: pd.DataFrame,
    use_level: bool,
    reference_group: str,
) -> tuple[dict[str, np.ndarray], str]:
    """The regression's columns (intercept, race dummies, offense, priors, enhancements, county)
    for the people kept (``d``), and the adjustment set in words."""
    races = [r for r in sorted(d["race_group"].unique()) if r != reference_group]
    cols: dict[str, np.ndarray] = {"intercept": np.ones(len(d))}
    for r in races:
        cols[f"race_group[{r}]"] = (d["race_group"] == r).to_numpy(float)
    if use_level:
        cols["offense_level"] = info["offense_level"].to_numpy(float)
        adjustment = "offense level"
    else:
        key = (
            d["controlling_offense_key"].astype("string").fillna("unknown")
            if "controlling_offense_key" in d
            else info["category"].astype("string").fillna("unknown")
        )
        for v in sorted(key.unique())[1:]:
            cols[f"offense[{v}]"] = (key == v).to_numpy(float)
        adjustment = "controlling-offense fixed effects"
    cols["priors"] = counts["priors"].to_numpy(float)
    cols["enhancements"] = counts["enhancements"].to_numpy(float)
    adjustment += ", priors count, enhancement count"
    if "county" in d and d["county"].nunique() > 1:
        for v in sorted(d["county"].unique())[1:]:
            cols[f"county[{v}]"] = (d["county"] == v).to_numpy(float)
        adjustment += ", county fixed effects"
    return cols, adjustment


def _coefficients(
    names: list[str], y: np.ndarray, x: np.ndarray, race_n: pd.Series, reference_group: str
) -> pd.DataFrame:
    """The fit's reported terms (race groups, offense level, priors, enhancements) with intervals."""
    from scipy import stats

    beta, se, r2, dof = _ols(y, x)
    tcrit = stats.t.ppf(0.975, dof)
    report = [
        i
        for i, n in enumerate(names)
        if n.startswith("race_group[") or n in ("offense_level", "priors", "enhancements")
    ]
    rows = []
    for i in report:
        name = names[i]
        is_race = name.startswith("race_group[")
        lo, hi = beta[i] - tcrit * se[i], beta[i] + tcrit * se[i]
        tval = beta[i] / se[i] if se[i] > 0 else np.nan
        rows.append(
            {
                "term": name,
                "group": name[len("race_group[") : -1] if is_race else pd.NA,
                "n_group": int(race_n.get(name[len("race_group[") : -1], 0)) if is_race else len(y),
                "n_reference": int(race_n.get(reference_group, 0)),
                "estimate": beta[i],
                "std_error": se[i],
                "ci_lo": lo,
                "ci_hi": hi,
                "p_value": 2 * stats.t.sf(abs(tval), dof) if np.isfinite(tval) else np.nan,
                "pct_diff": 100 * np.expm1(beta[i]),
                "pct_diff_lo": 100 * np.expm1(lo),
                "pct_diff_hi": 100 * np.expm1(hi),
                "n_obs": len(y),
                "r_squared": r2,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# By offense category
# --------------------------------------------------------------------------------------------------


def sentence_disparity(
    people: pd.DataFrame,
    offenses: pd.DataFrame | None = None,
    reference_group: str = REFERENCE_GROUP,
    *,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> SentenceDisparity:
    """Aggregate sentence by race within offense category, plus the adjusted regression.

    ``by_category``: per category × race group, n, mean and median months with bootstrap 95 %
    intervals, and the mean difference and ratio against the reference group of the same category.
    ``summary``: per race group, in how many categories (both groups ≥ 11 people) its mean is above
    the reference group's.  LWOP and condemned sentences are excluded (see ``exclusion_rule``).
    """
    p = add_groups(people)
    info, source = controlling_offense_info(p)
    months, keep = _finite_months(p)
    d = pd.DataFrame(
        {
            "category": info["category"].fillna("Unknown").astype(str),
            "race_group": p["race_group"].astype(str),
            "months": months,
        }
    )[keep.to_numpy()]
    by_cat, boots = _category_means(d, n_boot, seed)
    if by_cat.empty:
        by_cat = pd.DataFrame(columns=["category", "race_group", "n", "mean_months"])
    else:
        _add_reference_differences(by_cat, boots, reference_group)
    summary = _disparity_summary(by_cat, reference_group)
    regression, adjustment = sentence_regression(p, offenses, reference_group, info=info)
    return SentenceDisparity(
        by_category=by_cat,
        regression=regression,
        summary=summary,
        category_source=source,
        adjustment=adjustment,
        n_excluded=int((~keep).sum()),
    )


def _category_means(
    d: pd.DataFrame, n_boot: int, seed: int
) -> tuple[pd.DataFrame, dict[tuple[str, str], np.ndarray]]:
    """Per category × race group: n, mean and median months with intervals; the bootstrap means."""
    rows = []
    boots: dict[tuple[str, str], np.ndarray] = {}
    for (cat, race), vals in d.groupby(["category", "race_group"], sort=True)["months"]:
        v = vals.to_numpy(float)
        b_mean, b_med = _boot_mean_median(v, n_boot, cell_rng(seed, "sentence", cat, race))
        boots[(cat, race)] = b_mean
        m_lo, m_hi = percentile_interval(b_mean)
        d_lo, d_hi = percentile_interval(b_med)
        rows.append(
            {
                "category": cat,
                "race_group": race,
                "n": len(v),
                "mean_months": v.mean(),
                "mean_lo": m_lo[0],
                "mean_hi": m_hi[0],
                "median_months": float(np.median(v)),
                "median_lo": d_lo[0],
                "median_hi": d_hi[0],
            }
        )
    return pd.DataFrame(rows), boots


def _add_reference_differences(
    by_cat: pd.DataFrame, boots: dict[tuple[str, str], np.ndarray], reference_group: str
) -> None:
    """Add (in place) the mean difference and ratio against the reference group of each category."""
    ref = by_cat[by_cat["race_group"] == reference_group].set_index("category")["mean_months"]
    ref_mean = by_cat["category"].map(ref)
    by_cat["reference_group"] = reference_group
    by_cat["mean_diff_vs_reference"] = by_cat["mean_months"] - ref_mean
    by_cat["mean_ratio_vs_reference"] = by_cat["mean_months"] / ref_mean
    lo, hi = [], []
    for cat, race in zip(by_cat["category"], by_cat["race_group"], strict=True):
        if (cat, reference_group) in boots:
            a, b = percentile_interval(boots[(cat, race)] - boots[(cat, reference_group)])
            lo.append(a[0])
            hi.append(b[0])
        else:
            lo.append(np.nan)
            hi.append(np.nan)
    by_cat["mean_diff_lo"] = lo
    by_cat["mean_diff_hi"] = hi


def _disparity_summary(by_cat: pd.DataFrame, reference_group: str) -> pd.DataFrame:
    """Per race group: categories compared with the reference group, and how many with a longer
    mean sentence (and with the difference's interval above zero)."""
    if by_cat.empty or "mean_diff_vs_reference" not in by_cat:
        return pd.DataFrame(
            columns=["race_group", "categories_compared", "categories_higher_than_reference"]
        )
    big = by_cat[by_cat["n"] >= SMALL_CELL]
    ref_ok = set(big.loc[big["race_group"] == reference_group, "category"])
    comp = big[(big["race_group"] != reference_group) & big["category"].isin(ref_ok)]
    out = (
        comp.groupby("race_group")
        .agg(
            categories_compared=("category", "size"),
            categories_higher_than_reference=(
                "mean_diff_vs_reference",
                lambda s: int((s > 0).sum()),
            ),
            categories_higher_ci_excludes_zero=("mean_diff_lo", lambda s: int((s > 0).sum())),
        )
        .reset_index()
    )
    out["reference_group"] = reference_group
    return out


# --------------------------------------------------------------------------------------------------
# Public tables
# --------------------------------------------------------------------------------------------------


def protect_sentence_tables(result: SentenceDisparity, mode: str) -> SentenceDisparity:
    """The sentence tables made fit for ``mode`` (public: cells under 11 people suppressed)."""
    if check_mode(mode) == "da" or result.by_category.empty:
        by_cat = result.by_category.copy()
        by_cat["suppressed"] = False
        reg = result.regression.copy()
        if not reg.empty:
            reg["suppressed"] = False
        return replace(result, by_category=by_cat, regression=reg)
    t = result.by_category.rename(columns={"category": "dimension", "race_group": "group"})
    derived = {c: ["n"] for c in t.columns if c != "n" and pd.api.types.is_numeric_dtype(t[c])}
    t = protect_group_table(
        t,
        mode,
        ["n"],
        derived,
        split=["dimension"],
        reference_cols=[
            "mean_diff_vs_reference",
            "mean_ratio_vs_reference",
            "mean_diff_lo",
            "mean_diff_hi",
        ],
    )
    by_cat = t.rename(columns={"dimension": "category", "group": "race_group"})
    return replace(result, by_category=by_cat, regression=_protect_regression(result.regression))


def _protect_regression(regression: pd.DataFrame) -> pd.DataFrame:
    """The regression with the terms of groups (or references) under 11 people hidden."""
    reg = regression.copy()
    if reg.empty:
        return reg
    small = reg["group"].notna() & (
        (reg["n_group"] < SMALL_CELL) | (reg["n_reference"] < SMALL_CELL)
    )
    reg[REGRESSION_VALUES] = reg[REGRESSION_VALUES].astype("Float64").mask(small)
    reg["n_group"] = (
        reg["n_group"]
        .astype("Int64")
        .mask(reg["group"].notna() & (reg["n_group"] < SMALL_CELL) & (reg["n_group"] > 0))
    )
    reg["suppressed"] = small
    return reg
