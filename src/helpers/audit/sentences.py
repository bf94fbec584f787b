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

from helpers.audit.constants import (
    FDR,
    MEDIATION_STEPS,
    MIN_CLUSTERS,
    N_BOOT,
    REFERENCE_GROUP,
    SEED,
    SENTENCE_EXCLUSION_RULE,
)
from helpers.audit.groups import add_groups
from helpers.audit.protect import protect_group_table
from helpers.audit.stats import band_flag, benjamini_hochberg, cell_rng, percentile_interval
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
MEDIATION_COLUMNS = [
    "step", "adjustment", "term", "group", "n_group", "n_reference", "estimate", "std_error",
    "ci_lo", "ci_hi", "p_value", "q_value", "gap_flag", "pct_diff", "pct_diff_lo", "pct_diff_hi",
    "n_obs", "n_clusters", "standard_errors", "r_squared", "reference_group",
]  # fmt: skip
"""The columns of :func:`sentence_mediation`."""


@dataclass
class SentenceDisparity:
    """Results of :func:`sentence_disparity`."""

    by_category: pd.DataFrame
    regression: pd.DataFrame
    mediation: pd.DataFrame
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


def person_counts(people: pd.DataFrame, offenses: pd.DataFrame | None) -> pd.DataFrame:
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


# --------------------------------------------------------------------------------------------------
# Regression: the mediation analysis
# --------------------------------------------------------------------------------------------------


def _sentence_type_codes(p: pd.DataFrame) -> pd.Series:
    """Strike status and sentence type (DSL, second striker, third striker, life with parole)."""
    if "sentence_type" not in p:
        return pd.Series("unknown", index=p.index, dtype="string")
    return p["sentence_type"].astype("string").fillna("unknown")


def _absorb(m: np.ndarray, factors: list[np.ndarray], max_iter: int = 200) -> np.ndarray:
    """Columns of ``m`` with the means of each factor removed (fixed effects absorbed by
    alternating projections; exact after one pass with one factor)."""
    out = m - m.mean(axis=0)
    if not factors:
        return out
    sizes = [np.bincount(f).astype(float) for f in factors]
    for _ in range(max_iter if len(factors) > 1 else 1):
        before = out.copy()
        for f, size in zip(factors, sizes, strict=True):
            means = (
                np.column_stack(
                    [
                        np.bincount(f, weights=out[:, j], minlength=len(size))
                        for j in range(out.shape[1])
                    ]
                )
                / np.maximum(size, 1)[:, None]
            )
            out = out - means[f]
        if np.abs(out - before).max() < 1e-9:
            break
    return out


@dataclass(frozen=True)
class Fit:
    """One least-squares fit: coefficients, standard errors, degrees of freedom and its kind."""

    beta: np.ndarray
    se: np.ndarray
    dof: int
    r_squared: float
    n_clusters: int
    errors: str


def _fit(y: np.ndarray, x: np.ndarray, cluster: np.ndarray, absorbed: int) -> Fit:
    """OLS of demeaned ``y`` on demeaned ``x``: county-clustered (CR1) standard errors with at
    least :data:`MIN_CLUSTERS` counties, heteroskedasticity-robust (HC1) ones otherwise."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    n, k = x.shape
    k_all = k + absorbed
    bread = np.linalg.pinv(x.T @ x)
    groups = int(cluster.max()) + 1 if len(cluster) else 0
    if groups >= MIN_CLUSTERS:
        scores = np.column_stack(
            [np.bincount(cluster, weights=x[:, j] * resid, minlength=groups) for j in range(k)]
        )
        meat = scores.T @ scores
        scale = groups / (groups - 1) * (n - 1) / max(n - k_all, 1)
        dof, errors = groups - 1, "clustered by county (CR1)"
    else:
        meat = (x * resid[:, None] ** 2).T @ x
        scale = n / max(n - k_all, 1)
        dof, errors = max(n - k_all, 1), "robust (HC1)"
    cov = bread @ meat @ bread * scale
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    tss = (y**2).sum()
    r2 = 1 - (resid**2).sum() / tss if tss > 0 else np.nan
    return Fit(beta, se, dof, float(r2), groups, errors)


@dataclass(frozen=True)
class Design:
    """The people a mediation analysis keeps and their variables."""

    y: np.ndarray
    race: pd.Series
    columns: dict[str, np.ndarray]
    county: np.ndarray
    offense: np.ndarray
    county_type: np.ndarray  # county × sentence type (the synthetic generator's route for race)


def _mediation_design(
    p: pd.DataFrame, offenses: pd.DataFrame | None, info: pd.DataFrame, reference_group: str
) -> Design | None:
    """Log sentence months and every variable of the mediation steps, for the people kept."""
    months, keep = _finite_months(p)
    has_level = info["offense_level"].notna()
    if keep.any() and bool(has_level[keep].mean() > 0.5):
        keep &= has_level
    keep &= p["race_group"] != "Unknown"
    d = p.loc[keep]
    if d.empty or (d["race_group"] == reference_group).sum() == 0:
        return None
    counts = person_counts(p, offenses).loc[keep]
    key = (
        d["controlling_offense_key"].astype("string").fillna("unknown")
        if "controlling_offense_key" in d
        else info.loc[keep, "category"].astype("string").fillna("unknown")
    )
    stype = _sentence_type_codes(d)
    cols: dict[str, np.ndarray] = {}
    for r in sorted(set(d["race_group"]) - {reference_group}):
        cols[f"race_group[{r}]"] = (d["race_group"] == r).to_numpy(float)
    cols["offense_level"] = info.loc[keep, "offense_level"].to_numpy(float)  # NaN: not used
    cols["priors"] = counts["priors"].to_numpy(float)
    cols["enhancements"] = counts["enhancements"].to_numpy(float)
    for v in sorted(set(stype))[1:]:
        cols[f"sentence_type[{v}]"] = (stype == v).to_numpy(float)
    return Design(
        y=np.log(months[keep].to_numpy(float)),
        race=d["race_group"].astype(str).reset_index(drop=True),
        columns=cols,
        county=pd.factorize(d["county"].astype("string").fillna("Unknown"))[0]
        if "county" in d
        else np.zeros(len(d), dtype=int),
        offense=pd.factorize(key)[0],
        county_type=pd.factorize(
            d.get("county", pd.Series("", index=d.index)).astype("string").fillna("Unknown")
            + "|"
            + stype
        )[0],
    )


def _varies(design: Design, step: str) -> bool:
    """Whether the variable a mediation step adds varies among the people kept."""
    if step == "county":
        return True
    if step == "offense":
        return design.offense.max() > 0
    if step == "county_sentence_type":
        return design.county_type.max() > design.county.max()
    if step == "sentence_type":
        return any(n.startswith("sentence_type[") for n in design.columns)
    values = design.columns.get(step)
    if values is None or np.isnan(values).all():
        return False
    return bool(np.nanmax(values) > np.nanmin(values))


def _step_columns(design: Design, step: str) -> list[str]:
    """The regressors of each mediation step up to ``step`` (cumulative)."""
    names = [n for n in design.columns if n.startswith("race_group[")]
    for s, _ in MEDIATION_STEPS[: [s for s, _ in MEDIATION_STEPS].index(step) + 1]:
        if s == "sentence_type":
            names += [n for n in design.columns if n.startswith("sentence_type[")]
        elif s in design.columns:
            names.append(s)
    return [n for n in names if np.ptp(design.columns[n]) > 0]


def sentence_mediation(
    people: pd.DataFrame,
    offenses: pd.DataFrame | None = None,
    reference_group: str = REFERENCE_GROUP,
    *,
    info: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The sentence gap by race, step by step as adjustments are added (a mediation analysis).

    OLS of log aggregate sentence months on race group (reference White) with county fixed
    effects, then adding, one at a time (:data:`MEDIATION_STEPS`): the controlling offense's federal
    level, the number of priors, the number of current enhancements, strike status and sentence
    type, controlling-offense fixed effects, and county × sentence-type fixed effects.  Standard errors are clustered by county (CR1;
    HC1 within one county).  Race rows give ``pct_diff = 100·(exp(β) − 1)`` with 95 % intervals,
    p-values and Benjamini–Hochberg q-values across the table; ``gap_flag`` is true when ``q ≤``
    :data:`~helpers.audit.constants.FDR`.  The gap that shrinks from one step to the next is the
    part that step's variable carries; what is left after the last step is not explained by any
    recorded variable, which is not proof that race caused it.
    """
    p = add_groups(people)
    info = info if info is not None else controlling_offense_info(p)[0]
    design = _mediation_design(p, offenses, info, reference_group)
    if design is None:
        return pd.DataFrame(columns=MEDIATION_COLUMNS)
    race_n = design.race.value_counts()
    rows, done = [], []
    for i, (step, words) in enumerate(MEDIATION_STEPS, start=1):
        if not _varies(design, step):
            continue
        done.append(words)
        names = _step_columns(design, step)
        factors = [design.county] if design.county.max() > 0 else []
        if step in ("offense", "county_sentence_type"):
            factors.append(design.offense)
        if step == "county_sentence_type":
            factors.append(design.county_type)
        absorbed = sum(int(f.max()) for f in factors)
        m = _absorb(np.column_stack([design.y, *[design.columns[n] for n in names]]), factors)
        kept = [0, *[j + 1 for j in range(len(names)) if np.ptp(m[:, j + 1]) > 1e-8]]
        names, m = [names[j - 1] for j in kept[1:]], m[:, kept]  # absorbed columns dropped
        fit = _fit(m[:, 0], m[:, 1:], design.county, absorbed)
        rows += _step_rows(i, ", ".join(done), names, fit, race_n, reference_group, len(design.y))
    out = pd.DataFrame(rows)
    race = out["group"].notna()
    out["q_value"] = np.where(race, benjamini_hochberg(out["p_value"].where(race)), np.nan)
    out["gap_flag"] = band_flag(out["q_value"].to_numpy(float), FDR).where(race, pd.NA)
    return out[MEDIATION_COLUMNS]


def _step_rows(
    step: int,
    words: str,
    names: list[str],
    fit: Fit,
    race_n: pd.Series,
    reference_group: str,
    n_obs: int,
) -> list[dict]:
    """The reported terms of one step: race groups and the recorded covariates."""
    from scipy import stats

    tcrit = stats.t.ppf(0.975, fit.dof)
    rows = []
    for i, name in enumerate(names):
        is_race = name.startswith("race_group[")
        group = name[len("race_group[") : -1] if is_race else pd.NA
        lo, hi = fit.beta[i] - tcrit * fit.se[i], fit.beta[i] + tcrit * fit.se[i]
        tval = fit.beta[i] / fit.se[i] if fit.se[i] > 0 else np.nan
        rows.append(
            {
                "step": step,
                "adjustment": words,
                "term": name,
                "group": group,
                "n_group": int(race_n.get(group, 0)) if is_race else n_obs,
                "n_reference": int(race_n.get(reference_group, 0)),
                "estimate": fit.beta[i],
                "std_error": fit.se[i],
                "ci_lo": lo,
                "ci_hi": hi,
                "p_value": 2 * stats.t.sf(abs(tval), fit.dof) if np.isfinite(tval) else np.nan,
                "pct_diff": 100 * np.expm1(fit.beta[i]),
                "pct_diff_lo": 100 * np.expm1(lo),
                "pct_diff_hi": 100 * np.expm1(hi),
                "n_obs": n_obs,
                "n_clusters": fit.n_clusters,
                "standard_errors": fit.errors,
                "r_squared": fit.r_squared,
                "reference_group": reference_group,
            }
        )
    return rows


def sentence_regression(
    people: pd.DataFrame,
    offenses: pd.DataFrame | None = None,
    reference_group: str = REFERENCE_GROUP,
    *,
    info: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, str]:
    """The fully adjusted step of :func:`sentence_mediation` and its adjustment set in words."""
    med = sentence_mediation(people, offenses, reference_group, info=info)
    if med.empty or med["group"].isna().all():
        return med, "no data"
    last = med[med["step"] == med["step"].max()].reset_index(drop=True)
    return last, str(last["adjustment"].iloc[0])


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
    mediation = sentence_mediation(p, offenses, reference_group, info=info)
    last = mediation[mediation["step"] == mediation["step"].max()].reset_index(drop=True)
    adjustment = str(last["adjustment"].iloc[0]) if len(last) else "no data"
    return SentenceDisparity(
        by_category=by_cat,
        regression=last,
        mediation=mediation,
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
    if check_mode(mode) == "da":
        by_cat = result.by_category.copy()
        by_cat["suppressed"] = False
        reg, med = result.regression.copy(), result.mediation.copy()
        reg["suppressed"] = False
        med["suppressed"] = False
        return replace(result, by_category=by_cat, regression=reg, mediation=med)
    regression = _protect_regression(result.regression)
    mediation = _protect_regression(result.mediation)
    if result.by_category.empty:
        return replace(result, regression=regression, mediation=mediation)
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
    return replace(result, by_category=by_cat, regression=regression, mediation=mediation)


def _protect_regression(regression: pd.DataFrame) -> pd.DataFrame:
    """The regression with the terms of groups (or references) under 11 people hidden."""
    reg = regression.copy()
    if reg.empty:
        return reg
    small = reg["group"].notna() & (
        (reg["n_group"] < SMALL_CELL) | (reg["n_reference"] < SMALL_CELL)
    )
    values = [c for c in (*REGRESSION_VALUES, "q_value") if c in reg]
    reg[values] = reg[values].astype("Float64").mask(small)
    if "gap_flag" in reg:
        reg["gap_flag"] = reg["gap_flag"].astype("boolean").mask(small)
    reg["n_group"] = (
        reg["n_group"]
        .astype("Int64")
        .mask(reg["group"].notna() & (reg["n_group"] < SMALL_CELL) & (reg["n_group"] > 0))
    )
    reg["suppressed"] = small
    return reg
