"""Bias audit: who is selected versus who is in prison, sentence disparities, and an RJA indicator.

* :func:`selection_audit` — per group: selection rate, shares of population and of selected,
  disparity ratios against the reference group (White) and against the overall rate, flagged
  outside 0.8–1.25, with bootstrap 95 % intervals.
* :func:`assistive_audit` — with labels (e.g. screen-eligible): recall, false-negative rate and
  false-omission rate by group (eligible people a selection misses), with fairlearn's MetricFrame.
* :func:`sentence_disparity` — mean and median aggregate sentence by race within offense category,
  with intervals, and an OLS of log sentence on race adjusted for offense level, priors,
  enhancements and county.
* :func:`rja_indicator` — per person: is the sentence longer than at least 90 % of same-offense,
  same-county peers of other races (with at least 11 such peers)?

Intervals are percentile bootstraps, vectorised with numpy (multinomial resampling of cell counts,
which is exactly resampling people with replacement) and seeded per table cell, so the same data and
seed always give the same numbers.  Public tables go through :mod:`helpers.privacy`.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from helpers.privacy import SMALL_CELL, check_mode, suppress

REFERENCE_GROUP = "White"
RATIO_BOUNDS = (0.8, 1.25)
N_BOOT = 1000
SEED = 1172
CI_LEVEL = 0.95
SEP = " | "
RACE_COLUMNS = ("race_group", "ethnicity")
AGE_BANDS: tuple[tuple[float, float, str], ...] = (
    (18, 25, "18-24"),
    (25, 35, "25-34"),
    (35, 50, "35-49"),
    (50, 65, "50-64"),
    (65, np.inf, "65+"),
)
AGE_BAND_ORDER: tuple[str, ...] = ("Under 18", *(band[2] for band in AGE_BANDS), "Unknown")
"""Every label :func:`age_band` gives, in reading order (one age scheme for the whole project)."""
RJA_PERCENTILE = 0.90
RJA_MIN_PEERS = SMALL_CELL
RJA_LABELS = {
    True: "above 90% of other-race peers",
    False: "within range of other-race peers",
    "insufficient": "insufficient peers",
    "no_sentence": "no sentence length",
    "no_offense": "no controlling offense",
}
SENTENCE_EXCLUSION_RULE = (
    "LWOP and condemned sentences (no finite term) and missing or zero sentence lengths are "
    "excluded; life with parole counts at its minimum term in months"
)

# --------------------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------------------


def race_group_table() -> pd.DataFrame:
    """The ethnicity → race_group mapping (``data/reference/race_groups.csv``)."""
    from helpers.data.reference import race_groups

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


def _labels(people: pd.DataFrame, cols: Sequence[str]) -> pd.Series:
    parts = [people[c].astype("string").fillna("Unknown") for c in cols]
    label = parts[0]
    for part in parts[1:]:
        label = label + SEP + part
    return label


def _rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator seeded by ``seed`` and the cell's name, independent of evaluation order."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)])


def _as_bool(values: pd.Series | np.ndarray | Sequence, index: pd.Index, name: str) -> np.ndarray:
    if isinstance(values, pd.Series) and not values.index.equals(index):
        if len(values) != len(index) or not values.index.isin(index).all():
            raise ValueError(f"{name} must be aligned with people (same index or same length)")
        values = values.reindex(index)
    arr = pd.Series(np.asarray(values)).astype("boolean").fillna(False).to_numpy(bool)
    if len(arr) != len(index):
        raise ValueError(f"{name} has {len(arr)} values for {len(index)} people")
    return arr


def _reference_index(uniques: Sequence[str], cols: Sequence[str], reference: str) -> np.ndarray:
    """For each group label, the position of its reference-group twin (-1 when none)."""
    race_pos = next((i for i, c in enumerate(cols) if c in RACE_COLUMNS), None)
    pos = {u: i for i, u in enumerate(uniques)}
    out = np.full(len(uniques), -1)
    if race_pos is None:
        return out
    for i, label in enumerate(uniques):
        parts = label.split(SEP)
        parts[race_pos] = reference
        out[i] = pos.get(SEP.join(parts), -1)
    return out


def _ci(boot: np.ndarray, level: float = CI_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1 - level) / 2 * 100
    with np.errstate(invalid="ignore"):
        finite = np.where(np.isfinite(boot), boot, np.nan)
        if finite.ndim == 1:
            finite = finite[:, None]
        allnan = np.isnan(finite).all(axis=0)
        safe = np.where(allnan[None, :], 0.0, finite)
        lo, hi = np.nanpercentile(safe, [alpha, 100 - alpha], axis=0)
    lo[allnan] = np.nan
    hi[allnan] = np.nan
    return lo, hi


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _flag(ratio: np.ndarray, bounds: tuple[float, float]) -> pd.Series:
    flag = pd.array((ratio < bounds[0]) | (ratio > bounds[1]), dtype="boolean")
    flag[np.isnan(ratio)] = pd.NA
    return pd.Series(flag)


# --------------------------------------------------------------------------------------------------
# Selection audit
# --------------------------------------------------------------------------------------------------


def selection_audit(
    people: pd.DataFrame,
    selected: pd.Series | np.ndarray,
    groups: Mapping[str, Sequence[str]] | None = None,
    reference_group: str = REFERENCE_GROUP,
    *,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    bounds: tuple[float, float] = RATIO_BOUNDS,
) -> pd.DataFrame:
    """Selection rates and disparity ratios by group, with bootstrap 95 % intervals.

    ``selected`` is a boolean per person (aligned with ``people``).  One row per group of each
    dimension in ``groups`` (default :func:`group_definitions`) plus an ``overall`` row.  Ratios
    against ``reference_group`` compare with the reference group of the same dimension (in an
    intersection, the reference race with the same other value); dimensions without race have none.
    ``flag_vs_*`` is true when the ratio is outside ``bounds`` (0.8–1.25, four-fifths style).
    The bootstrap resamples people with replacement (multinomial over group × selected cells).
    """
    p = add_groups(people)
    sel = _as_bool(selected, p.index, "selected")
    groups = dict(groups) if groups is not None else group_definitions(p)
    n_all, s_all = len(p), int(sel.sum())
    overall_rate = s_all / n_all if n_all else np.nan
    frames = []
    for dim, cols in {"overall": [], **groups}.items():
        labels = pd.Series("All", index=p.index, dtype="string") if not cols else _labels(p, cols)
        codes, uniques = pd.factorize(labels.to_numpy(), sort=True)
        uniques = [str(u) for u in uniques]
        k = len(uniques)
        pop = np.bincount(codes, minlength=k).astype(float)
        ns = np.bincount(codes, weights=sel.astype(float), minlength=k)
        rate = _ratio(ns, pop)
        ref = _reference_index(uniques, cols, reference_group)
        has_ref = ref >= 0
        ref_rate = np.where(has_ref, rate[np.maximum(ref, 0)], np.nan)

        cells = np.concatenate([ns, pop - ns])
        boot = _rng(seed, "selection", dim).multinomial(n_all, cells / n_all, size=n_boot)
        b_sel, b_pop = boot[:, :k].astype(float), boot.reshape(n_boot, 2, k).sum(axis=1)
        b_rate = _ratio(b_sel, b_pop.astype(float))
        b_overall = b_sel.sum(axis=1, keepdims=True) / n_all
        b_ref = np.where(has_ref[None, :], b_rate[:, np.maximum(ref, 0)], np.nan)
        rate_lo, rate_hi = _ci(b_rate)
        vs_ref = _ratio(rate, ref_rate) if has_ref.any() else np.full(k, np.nan)
        vs_ref = np.where(has_ref, vs_ref, np.nan)
        ref_lo, ref_hi = _ci(_ratio(b_rate, b_ref))
        vs_all = _ratio(rate, np.full(k, overall_rate))
        all_lo, all_hi = _ci(_ratio(b_rate, b_overall))
        frames.append(
            pd.DataFrame(
                {
                    "dimension": dim,
                    "group": uniques,
                    "n_population": pop.astype(np.int64),
                    "n_selected": ns.astype(np.int64),
                    "n_not_selected": (pop - ns).astype(np.int64),
                    "selection_rate": rate,
                    "selection_rate_lo": rate_lo,
                    "selection_rate_hi": rate_hi,
                    "share_of_population": pop / n_all,
                    "share_of_selected": ns / s_all if s_all else np.nan,
                    "reference_group": np.where(
                        has_ref, np.asarray(uniques, dtype=object)[np.maximum(ref, 0)], None
                    ),
                    "ratio_vs_reference": vs_ref,
                    "ratio_vs_reference_lo": ref_lo,
                    "ratio_vs_reference_hi": ref_hi,
                    "ratio_vs_overall": vs_all,
                    "ratio_vs_overall_lo": all_lo,
                    "ratio_vs_overall_hi": all_hi,
                    "flag_vs_reference": _flag(vs_ref, bounds),
                    "flag_vs_overall": _flag(vs_all, bounds),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["reference_group"] = out["reference_group"].astype("string")
    return out


SELECTION_COUNTS = ["n_population", "n_selected", "n_not_selected"]
SELECTION_DERIVED = {
    "selection_rate": SELECTION_COUNTS,
    "selection_rate_lo": SELECTION_COUNTS,
    "selection_rate_hi": SELECTION_COUNTS,
    "share_of_population": ["n_population"],
    "share_of_selected": ["n_selected"],
    "ratio_vs_reference": SELECTION_COUNTS,
    "ratio_vs_reference_lo": SELECTION_COUNTS,
    "ratio_vs_reference_hi": SELECTION_COUNTS,
    "ratio_vs_overall": SELECTION_COUNTS,
    "ratio_vs_overall_lo": SELECTION_COUNTS,
    "ratio_vs_overall_hi": SELECTION_COUNTS,
    "flag_vs_reference": SELECTION_COUNTS,
    "flag_vs_overall": SELECTION_COUNTS,
}


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
    parts = []
    for _, part in table.groupby(list(split), sort=False, dropna=False):
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
        parts.append(done.drop(columns=keys))
    out = pd.concat(parts, ignore_index=True) if parts else table.copy()
    if reference_cols and "reference_group" in out:
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
    return out


def protect_selection_audit(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """:func:`selection_audit` output made fit for ``mode`` (public: small cells suppressed)."""
    split = [c for c in ("scope", "selection", "dimension") if c in table]
    return protect_group_table(
        table,
        mode,
        SELECTION_COUNTS,
        SELECTION_DERIVED,
        split=split,
        row_totals={"n_population": ["n_selected", "n_not_selected"]},
        reference_cols=[
            "ratio_vs_reference",
            "ratio_vs_reference_lo",
            "ratio_vs_reference_hi",
            "flag_vs_reference",
        ],
    )


# --------------------------------------------------------------------------------------------------
# Assistive audit (labels known)
# --------------------------------------------------------------------------------------------------


def _false_omission_rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    omitted = ~np.asarray(y_pred, dtype=bool)
    if not omitted.any():
        return float("nan")
    return float(np.asarray(y_true, dtype=bool)[omitted].mean())


def assistive_audit(
    people: pd.DataFrame,
    labels: pd.Series | np.ndarray,
    selected: pd.Series | np.ndarray,
    groups: Mapping[str, Sequence[str]] | None = None,
    reference_group: str = REFERENCE_GROUP,
    *,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """Who among the eligible (``labels``) a selection misses, by group.

    Per group: counts of the confusion matrix, recall (share of eligible people selected), false-
    negative rate (eligible people missed), false-omission rate (share eligible among those not
    selected), recall ratio against the reference group, with bootstrap 95 % intervals.  Counts
    are computed with numpy (fast for hundreds of groups); :func:`fairlearn_check` recomputes the
    rates with fairlearn's ``MetricFrame`` for comparison.
    """
    p = add_groups(people)
    y = _as_bool(labels, p.index, "labels")
    s = _as_bool(selected, p.index, "selected")
    groups = dict(groups) if groups is not None else group_definitions(p)
    n_all = len(p)
    frames = []
    for dim, cols in {"overall": [], **groups}.items():
        labels_ = pd.Series("All", index=p.index, dtype="string") if not cols else _labels(p, cols)
        codes, uniques = pd.factorize(labels_.to_numpy(), sort=True)
        uniques = [str(u) for u in uniques]
        k = len(uniques)
        # Cells: tp, fn, fp, tn per group.
        cell = codes * 4 + np.where(y, np.where(s, 0, 1), np.where(s, 2, 3))
        counts = np.bincount(cell, minlength=4 * k).reshape(k, 4).astype(float)
        tp, fn, fp, tn = counts.T
        eligible = tp + fn
        recall = _ratio(tp, eligible)
        fnr = _ratio(fn, eligible)
        f_omit = _ratio(fn, fn + tn)
        ref = _reference_index(uniques, cols, reference_group)
        has_ref = ref >= 0
        recall_ref = np.where(has_ref, recall[np.maximum(ref, 0)], np.nan)

        boot = (
            _rng(seed, "assistive", dim)
            .multinomial(n_all, counts.ravel() / n_all, size=n_boot)
            .reshape(n_boot, k, 4)
            .astype(float)
        )
        b_recall = _ratio(boot[..., 0], boot[..., 0] + boot[..., 1])
        b_for = _ratio(boot[..., 1], boot[..., 1] + boot[..., 3])
        b_ref = np.where(has_ref[None, :], b_recall[:, np.maximum(ref, 0)], np.nan)
        r_lo, r_hi = _ci(b_recall)
        f_lo, f_hi = _ci(b_for)
        rr_lo, rr_hi = _ci(_ratio(b_recall, b_ref))
        frames.append(
            pd.DataFrame(
                {
                    "dimension": dim,
                    "group": uniques,
                    "n_population": (eligible + fp + tn).astype(np.int64),
                    "n_eligible": eligible.astype(np.int64),
                    "n_selected": (tp + fp).astype(np.int64),
                    "n_true_positive": tp.astype(np.int64),
                    "n_missed": fn.astype(np.int64),
                    "n_false_positive": fp.astype(np.int64),
                    "n_true_negative": tn.astype(np.int64),
                    "selection_rate": _ratio(tp + fp, tp + fn + fp + tn),
                    "recall": recall,
                    "recall_lo": r_lo,
                    "recall_hi": r_hi,
                    "false_negative_rate": fnr,
                    "false_omission_rate": f_omit,
                    "false_omission_rate_lo": f_lo,
                    "false_omission_rate_hi": f_hi,
                    "reference_group": np.where(
                        has_ref, np.asarray(uniques, dtype=object)[np.maximum(ref, 0)], None
                    ),
                    "recall_ratio_vs_reference": np.where(
                        has_ref, _ratio(recall, recall_ref), np.nan
                    ),
                    "recall_ratio_vs_reference_lo": rr_lo,
                    "recall_ratio_vs_reference_hi": rr_hi,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["reference_group"] = out["reference_group"].astype("string")
    return out


def fairlearn_check(
    people: pd.DataFrame,
    selected: pd.Series | np.ndarray,
    labels: pd.Series | np.ndarray | None = None,
    column: str = "race_group",
) -> pd.DataFrame:
    """Selection rate (and, with labels, recall and FNR) by ``column`` from fairlearn's MetricFrame.

    Rates of groups without eligible people are NaN (fairlearn reports 0 there).  Used to cross-
    check :func:`selection_audit` and :func:`assistive_audit`.
    """
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_negative_rate,
        selection_rate,
        true_positive_rate,
    )

    p = add_groups(people)
    s = _as_bool(selected, p.index, "selected").astype(int)
    y = _as_bool(labels, p.index, "labels").astype(int) if labels is not None else s
    metrics = {"n_population": count, "selection_rate": selection_rate}
    if labels is not None:
        metrics |= {"recall": true_positive_rate, "false_negative_rate": false_negative_rate}
    frame = MetricFrame(
        metrics=metrics,
        y_true=y,
        y_pred=s,
        sensitive_features=pd.Series(p[column].astype(str).to_numpy(), name="group"),
    )
    out = frame.by_group.reset_index()
    if labels is not None:
        n_eligible = pd.Series(y).groupby(p[column].astype(str).to_numpy()).sum()
        none = out["group"].map(n_eligible).to_numpy() == 0
        out.loc[none, ["recall", "false_negative_rate"]] = np.nan
    out.insert(0, "dimension", column)
    out["n_population"] = out["n_population"].astype(np.int64)
    return out


ASSISTIVE_COUNTS = [
    "n_population",
    "n_eligible",
    "n_selected",
    "n_true_positive",
    "n_missed",
    "n_false_positive",
    "n_true_negative",
]


def protect_assistive_audit(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """:func:`assistive_audit` output made fit for ``mode``."""
    split = [c for c in ("scope", "selection", "dimension") if c in table]
    derived = {
        c: ASSISTIVE_COUNTS
        for c in table.columns
        if c not in ASSISTIVE_COUNTS and pd.api.types.is_numeric_dtype(table[c])
    }
    return protect_group_table(
        table,
        mode,
        ASSISTIVE_COUNTS,
        derived,
        split=split,
        row_totals={
            "n_population": ["n_true_positive", "n_missed", "n_false_positive", "n_true_negative"],
            "n_eligible": ["n_true_positive", "n_missed"],
            "n_selected": ["n_true_positive", "n_false_positive"],
        },
        reference_cols=[
            "recall_ratio_vs_reference",
            "recall_ratio_vs_reference_lo",
            "recall_ratio_vs_reference_hi",
        ],
    )


# --------------------------------------------------------------------------------------------------
# Sentence disparity
# --------------------------------------------------------------------------------------------------


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

    Uses ``helpers.screening.offenses.offense_levels`` (federal offense level, 13 categories) when it is
    available; otherwise the CDCR category (4) with no level.  Returns the frame (columns
    ``offense_level``, ``category``) and the name of the source.
    """
    try:
        from helpers.screening.offenses import offense_levels

        cols = ["code", "section", "subdivision", "degree", "attempt", "offense_key"]
        parsed = pd.DataFrame(
            {
                c: people["controlling_offense_key" if c == "offense_key" else f"controlling_{c}"]
                for c in cols
            }
        )
        parsed["attempt"] = parsed["attempt"].astype("boolean").fillna(False)
        for c in ("code", "section", "subdivision", "degree", "offense_key"):
            parsed[c] = parsed[c].astype("string").fillna("")
        ids = parsed.groupby(cols, sort=False, dropna=False).ngroup().to_numpy()
        first = pd.Series(np.arange(len(ids))).groupby(ids).first().to_numpy()
        levels = offense_levels(parsed.iloc[first].reset_index(drop=True))
        level_col = next(c for c in ("federal_level", "offense_level", "level") if c in levels)
        level = pd.to_numeric(levels[level_col], errors="coerce").to_numpy(float)
        category = levels["category"].astype("string").to_numpy()
        out = pd.DataFrame(
            {"offense_level": level[ids], "category": pd.array(category[ids], dtype="string")},
            index=people.index,
        )
        if out["category"].notna().any():
            return out, "offense table (13 categories)"
    except (ImportError, StopIteration, KeyError, FileNotFoundError, AttributeError, TypeError):
        pass
    category = (
        people["offense_category"].astype("string")
        if "offense_category" in people
        else pd.Series(pd.NA, index=people.index, dtype="string")
    )
    return (
        pd.DataFrame({"offense_level": np.nan, "category": category}, index=people.index),
        "CDCR offense category (4)",
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
    from scipy import stats

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
    races = [r for r in sorted(d["race_group"].unique()) if r != reference_group]
    cols: dict[str, np.ndarray] = {"intercept": np.ones(len(d))}
    for r in races:
        cols[f"race_group[{r}]"] = (d["race_group"] == r).to_numpy(float)
    if use_level:
        cols["offense_level"] = info.loc[keep, "offense_level"].to_numpy(float)
        adjustment = "offense level"
    else:
        key = (
            d["controlling_offense_key"].astype("string").fillna("unknown")
            if "controlling_offense_key" in d
            else info.loc[keep, "category"].astype("string").fillna("unknown")
        )
        for v in sorted(key.unique())[1:]:
            cols[f"offense[{v}]"] = (key == v).to_numpy(float)
        adjustment = "controlling-offense fixed effects"
    cols["priors"] = counts.loc[keep, "priors"].to_numpy(float)
    cols["enhancements"] = counts.loc[keep, "enhancements"].to_numpy(float)
    adjustment += ", priors count, enhancement count"
    if "county" in d and d["county"].nunique() > 1:
        for v in sorted(d["county"].unique())[1:]:
            cols[f"county[{v}]"] = (d["county"] == v).to_numpy(float)
        adjustment += ", county fixed effects"
    names = [n for n in cols if n == "intercept" or np.ptp(cols[n]) > 0]
    x = np.column_stack([cols[n] for n in names])
    beta, se, r2, dof = _ols(y, x)
    tcrit = stats.t.ppf(0.975, dof)
    report = [
        i
        for i, n in enumerate(names)
        if n.startswith("race_group[") or n in ("offense_level", "priors", "enhancements")
    ]
    race_n = d["race_group"].value_counts()
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
                "n_group": int(race_n.get(name[len("race_group[") : -1], 0)) if is_race else len(d),
                "n_reference": int(race_n.get(reference_group, 0)),
                "estimate": beta[i],
                "std_error": se[i],
                "ci_lo": lo,
                "ci_hi": hi,
                "p_value": 2 * stats.t.sf(abs(tval), dof) if np.isfinite(tval) else np.nan,
                "pct_diff": 100 * np.expm1(beta[i]),
                "pct_diff_lo": 100 * np.expm1(lo),
                "pct_diff_hi": 100 * np.expm1(hi),
                "n_obs": len(d),
                "r_squared": r2,
            }
        )
    out = pd.DataFrame(rows)
    out["adjustment"] = adjustment
    out["reference_group"] = reference_group
    return out, adjustment


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
    rows = []
    boots: dict[tuple[str, str], np.ndarray] = {}
    for (cat, race), vals in d.groupby(["category", "race_group"], sort=True)["months"]:
        v = vals.to_numpy(float)
        b_mean, b_med = _boot_mean_median(v, n_boot, _rng(seed, "sentence", cat, race))
        boots[(cat, race)] = b_mean
        m_lo, m_hi = _ci(b_mean)
        d_lo, d_hi = _ci(b_med)
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
    by_cat = pd.DataFrame(rows)
    if by_cat.empty:
        by_cat = pd.DataFrame(columns=["category", "race_group", "n", "mean_months"])
    else:
        ref = by_cat[by_cat["race_group"] == reference_group].set_index("category")["mean_months"]
        ref_mean = by_cat["category"].map(ref)
        by_cat["reference_group"] = reference_group
        by_cat["mean_diff_vs_reference"] = by_cat["mean_months"] - ref_mean
        by_cat["mean_ratio_vs_reference"] = by_cat["mean_months"] / ref_mean
        lo, hi = [], []
        for cat, race in zip(by_cat["category"], by_cat["race_group"], strict=True):
            if (cat, reference_group) in boots:
                diff = boots[(cat, race)] - boots[(cat, reference_group)]
                a, b = _ci(diff)
                lo.append(a[0])
                hi.append(b[0])
            else:
                lo.append(np.nan)
                hi.append(np.nan)
        by_cat["mean_diff_lo"] = lo
        by_cat["mean_diff_hi"] = hi
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


def _disparity_summary(by_cat: pd.DataFrame, reference_group: str) -> pd.DataFrame:
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
    reg = result.regression.copy()
    if not reg.empty:
        small = reg["group"].notna() & (
            (reg["n_group"] < SMALL_CELL) | (reg["n_reference"] < SMALL_CELL)
        )
        value_cols = [
            "estimate",
            "std_error",
            "ci_lo",
            "ci_hi",
            "p_value",
            "pct_diff",
            "pct_diff_lo",
            "pct_diff_hi",
        ]
        reg[value_cols] = reg[value_cols].astype("Float64").mask(small)
        reg["n_group"] = (
            reg["n_group"]
            .astype("Int64")
            .mask(reg["group"].notna() & (reg["n_group"] < SMALL_CELL) & (reg["n_group"] > 0))
        )
        reg["suppressed"] = small
    return replace(result, by_category=by_cat, regression=reg)


# --------------------------------------------------------------------------------------------------
# Racial Justice Act indicator
# --------------------------------------------------------------------------------------------------


def rja_indicator(
    people: pd.DataFrame,
    offenses: pd.DataFrame | None = None,
    *,
    percentile: float = RJA_PERCENTILE,
    min_peers: int = RJA_MIN_PEERS,
    peer_keys: Sequence[str] = ("controlling_offense_key", "county"),
) -> pd.DataFrame:
    """Per-person Racial Justice Act indicator, ready to merge into the candidate list on ``cdcno``.

    Peers of a person are the people with the same controlling offense (``offense_key``: code,
    section, subdivision, degree, attempt) sentenced in the same county whose race group differs
    from the person's.  With at least ``min_peers`` such peers, ``rja_flag`` is true when the
    person's aggregate sentence is longer than at least ``percentile`` (90 %) of theirs, i.e.
    above the 90th percentile of the peers' sentences (LWOP and condemned rank above any term).
    Otherwise the indicator says ``insufficient peers``.  People whose race group is unknown are
    never peers of anyone and get no indicator.  When ``people`` lacks the controlling offense,
    the first non-stayed current offense in ``offenses`` is used.

    Columns: ``cdcno, rja_peers, rja_peers_below, rja_peer_percentile, rja_flag, rja_indicator``.
    """
    p = add_groups(people)
    key_col, county_col = peer_keys
    if key_col not in p and offenses is not None and "offense_key" in offenses:
        cur = offenses[offenses.get("role", "current") == "current"]
        if "stayed" in cur:
            cur = cur[~cur["stayed"].astype("boolean").fillna(False).to_numpy(bool)]
        first = cur.drop_duplicates("cdcno").set_index("cdcno")["offense_key"]
        p[key_col] = p["cdcno"].map(first)
    months = pd.to_numeric(p.get("aggregate_sentence_months"), errors="coerce").astype(float)
    life_inf = np.zeros(len(p), dtype=bool)
    for col in ("sentence_lwop", "sentence_condemned"):
        if col in p:
            life_inf |= p[col].astype("boolean").fillna(False).to_numpy(bool)
    if "sentence_years" in p:
        life_inf |= np.isinf(pd.to_numeric(p["sentence_years"], errors="coerce").astype(float))
    value = months.where(~life_inf, np.inf)
    key = p[key_col].astype("string") if key_col in p else pd.Series(pd.NA, index=p.index)
    race = p["race_group"].astype("string")
    usable = value.notna() & key.notna() & (race != "Unknown")
    d = pd.DataFrame(
        {"key": key, "county": p[county_col].astype("string"), "race": race, "v": value}
    )[usable.to_numpy()]
    cell = ["key", "county"]
    lower_all = d.groupby(cell)["v"].rank(method="min") - 1
    lower_same = d.groupby([*cell, "race"])["v"].rank(method="min") - 1
    n_cell = d.groupby(cell)["v"].transform("size")
    n_same = d.groupby([*cell, "race"])["v"].transform("size")
    peers = (n_cell - n_same).reindex(p.index)
    below = (lower_all - lower_same).reindex(p.index)
    share = below / peers.where(peers > 0)
    enough = peers >= min_peers
    flag = pd.Series(pd.NA, index=p.index, dtype="boolean")
    flag[enough.fillna(False)] = (below >= percentile * peers)[enough.fillna(False)]
    label = pd.Series(RJA_LABELS["insufficient"], index=p.index, dtype="string")
    label[flag.eq(True).fillna(False)] = RJA_LABELS[True]
    label[flag.eq(False).fillna(False)] = RJA_LABELS[False]
    label[value.isna().to_numpy()] = RJA_LABELS["no_sentence"]
    label[key.isna().to_numpy()] = RJA_LABELS["no_offense"]
    label[(race == "Unknown").to_numpy()] = pd.NA
    return pd.DataFrame(
        {
            "cdcno": p["cdcno"] if "cdcno" in p else pd.Series(pd.NA, index=p.index),
            "rja_peers": peers.fillna(0).astype("Int64"),
            "rja_peers_below": below.astype("Int64"),
            "rja_peer_percentile": share.round(4).astype("Float64"),
            "rja_flag": flag,
            "rja_indicator": label,
        },
        index=p.index,
    )


def rja_summary(people: pd.DataFrame, rja: pd.DataFrame) -> pd.DataFrame:
    """Counts of the RJA indicator by race group (people, with enough peers, flagged)."""
    p = add_groups(people)
    d = pd.DataFrame(
        {
            "group": p["race_group"].astype("string").to_numpy(),
            "assessed": rja["rja_flag"].notna().to_numpy(),
            "flagged": rja["rja_flag"].eq(True).fillna(False).to_numpy(),
        }
    )
    out = (
        d.groupby("group")
        .agg(
            n_population=("group", "size"),
            n_assessed=("assessed", "sum"),
            n_flagged=("flagged", "sum"),
        )
        .reset_index()
    )
    out.insert(0, "dimension", "race_group")
    out["n_not_assessed"] = out["n_population"] - out["n_assessed"]
    out["n_assessed_not_flagged"] = out["n_assessed"] - out["n_flagged"]
    out["flag_rate"] = _ratio(out["n_flagged"].to_numpy(float), out["n_assessed"].to_numpy(float))
    return out


def protect_rja_summary(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """:func:`rja_summary` made fit for ``mode``."""
    counts = ["n_population", "n_assessed", "n_flagged", "n_not_assessed", "n_assessed_not_flagged"]
    return protect_group_table(
        table,
        mode,
        counts,
        {"flag_rate": counts},
        split=["dimension"],
        row_totals={
            "n_population": ["n_assessed", "n_not_assessed"],
            "n_assessed": ["n_flagged", "n_assessed_not_flagged"],
        },
    )
