"""Extreme sentences: against peers and against the federal guideline range, sized for a review mandate.

A person's sentence is an *extreme outlier* when any of these holds (thresholds in ``outliers:`` of the
county configuration):

1. **Peers, statewide** — people with the same controlling offense (key, degree, attempt) and the same
   number of current enhancements (``max_enhancements`` or more pooled): at least ``min_peers`` peers,
   sentence ≥ ``peer_ratio`` × the peer median and at or above the ``peer_percentile``.
2. **Peers, in the county** — the same test among the county's peers.
3. **Federal guideline** — actual months ÷ the guideline maximum for the person's offense level and
   criminal history category (``data/reference/guideline_ranges.csv``, USSG Ch.5 Pt.A) ≥
   ``guideline_ratio``.  The offense level is the highest adjusted count level (see
   :mod:`helpers.screening.score`) plus the USSG §3D1.4 multiple-count units, each count taken as its own group
   (this can only raise the level, so it understates the ratio).  The criminal history category comes
   from the person's prior prison commitments: 3 points each (USSG §4A1.1(a), a prior sentence of more
   than 13 months), category I for 0–1 points up to VI for 13 or more (USSG Ch.5 Pt.A).

Life without parole and death sentences are ranked above any term, but in every ratio they count as
:data:`LIFE_MONTHS` (470 months, the value the US Sentencing Commission gives a life sentence), so a
ratio is never infinite; against a life guideline maximum a sentence is compared with those 470
months.  A life-without-parole or death sentence that the statute of the controlling offense itself
prescribes (``data/reference/mandatory_lwop.csv``: e.g. PC 209(a), first-degree murder with a special
circumstance) is not an outlier: the court had no lower sentence to give.  Severity (for ordering the
review list) is the largest of each ratio divided by its threshold; ties are broken by time served
(longest first), then age (oldest first).  The mandate ("review at least 5 or 50 % of extreme
outliers") is applied per county by :func:`mandate_list`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.data.codes import offense_label
from helpers.screening.config import CountyConfig, OutlierSettings, ScoreSettings
from helpers.screening.score import controlling_levels, offense_row_levels, person_positions

LIFE_MONTHS = 470.0
"""Months a life (without parole) or death sentence counts as in a ratio: the US Sentencing
Commission's value for a life sentence in its sentencing data."""
CATEGORIES = ("I", "II", "III", "IV", "V", "VI")
"""USSG criminal history categories."""
CATEGORY_POINTS = (0, 2, 4, 7, 10, 13)
"""The fewest criminal history points of each category (USSG Ch.5 Pt.A)."""
PRIOR_POINTS = 3
"""Points per prior prison commitment (USSG §4A1.1(a): a prior sentence over 13 months)."""


def guideline_ranges() -> pd.DataFrame:
    """USSG sentencing table: ``offense_level, criminal_history_category, min_months, max_months,
    max_is_life`` (life maxima have ``max_months`` = inf), from ``guideline_ranges.csv``."""
    from helpers.data.reference import data_dir

    table = pd.read_csv(data_dir() / "guideline_ranges.csv")
    life = table["max_is_life"].astype(str).str.lower().eq("true")
    table["max_months"] = table["max_months"].astype("float64").where(~life, np.inf)
    return table


def guideline_max_months(
    level: np.ndarray | pd.Series, category: np.ndarray | pd.Series | None = None
) -> np.ndarray:
    """Guideline maximum (months) for offense levels and criminal history categories (1 = I …
    6 = VI; default I); levels are rounded and held to 1..43."""
    lv = np.asarray(level, dtype="float64")
    chc = np.ones(len(lv), dtype=int) if category is None else np.asarray(category, dtype=int)
    table = guideline_ranges()
    lookup = np.full((44, 7), np.nan)
    col = table["criminal_history_category"].map({c: i + 1 for i, c in enumerate(CATEGORIES)})
    lookup[table["offense_level"].to_numpy(), col.to_numpy()] = table["max_months"].to_numpy()
    idx = np.clip(np.nan_to_num(np.rint(lv), nan=0), 0, 43).astype(int)
    return np.where(np.isnan(lv), np.nan, lookup[np.maximum(idx, 1), np.clip(chc, 1, 6)])


def criminal_history(tables: dict[str, pd.DataFrame], people: pd.DataFrame) -> np.ndarray:
    """Each person's USSG criminal history category (1 = I … 6 = VI) from their prior prison
    commitments (distinct prior cases, :data:`PRIOR_POINTS` points each)."""
    offenses = tables.get("offenses")
    if offenses is None or not len(offenses) or "role" not in offenses:
        return np.ones(len(people), dtype=int)
    prior = offenses.loc[(offenses["role"] == "prior").to_numpy()]
    case = prior["case_number"].astype("string") if "case_number" in prior else prior.index
    commitments = (
        pd.DataFrame({"cdcno": prior["cdcno"].astype("string").to_numpy(), "case": case})
        .drop_duplicates()
        .groupby("cdcno")
        .size()
    )
    n = people["cdcno"].astype("string").map(commitments).fillna(0).to_numpy(float)
    return np.searchsorted(np.array(CATEGORY_POINTS), n * PRIOR_POINTS, side="right")


def statute_requires_life(people: pd.DataFrame) -> np.ndarray:
    """Life-without-parole or death sentences that the controlling offense's statute prescribes
    (``data/reference/mandatory_lwop.csv``)."""
    from helpers.data.reference import data_dir

    table = pd.read_csv(data_dir() / "mandatory_lwop.csv", dtype=str, keep_default_na=False)
    key = people["controlling_offense_key"].astype("string").fillna("")
    degree = people["controlling_degree"].astype("string").fillna("")
    listed = np.zeros(len(people), dtype=bool)
    for row in table.itertuples():
        listed |= (key == row.offense_key).to_numpy() & (
            (degree == row.degree).to_numpy() if row.degree else True
        )
    life = np.zeros(len(people), dtype=bool)
    for col in ("sentence_lwop", "sentence_condemned"):
        if col in people:
            life |= people[col].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return listed & life


def multiple_count_add(units: np.ndarray) -> np.ndarray:
    """USSG §3D1.4 levels added for total units (1 → 0, 1.5 → 1, 2 → 2, 2.5–3 → 3, 3.5–5 → 4, >5 → 5)."""
    u = np.asarray(units, dtype="float64")
    return np.select([u <= 1, u <= 1.5, u <= 2, u <= 3, u <= 5], [0, 1, 2, 3, 4], 5)


def person_offense_levels(
    tables: dict[str, pd.DataFrame], settings: ScoreSettings, rows: pd.DataFrame | None = None
) -> np.ndarray:
    """Guideline offense level per person: highest counted current level + §3D1.4 units, cap 43."""
    people = tables["people"].reset_index(drop=True)
    n = len(people)
    rows = offense_row_levels(tables, settings) if rows is None else rows
    counted = (rows["role"] == "current").to_numpy() & ~rows["stayed"].to_numpy(dtype=bool)
    counted &= ~np.isnan(rows["level"].to_numpy(dtype="float64"))
    cur = rows.loc[counted]
    who = cur["person_pos"].to_numpy(dtype=np.int64)
    ok = who >= 0
    who = who[ok]
    level = cur["level"].to_numpy(dtype="float64")[ok]
    top = np.full(n, -np.inf)
    np.maximum.at(top, who, level)
    diff = top[who] - level
    unit = np.select([diff <= 4, diff <= 8], [1.0, 0.5], 0.0)
    units = np.bincount(who, unit, minlength=n)
    out = np.where(np.isfinite(top), top + multiple_count_add(units), np.nan)
    fallback = np.isnan(out)
    if fallback.any():
        out = np.where(fallback, controlling_levels(people), out)
    return np.minimum(out, settings.level_cap)


def _peer_stats(months: np.ndarray, groups: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group size, median and percentile (average rank ÷ size) of each person's sentence."""
    s = pd.Series(months, index=groups.index)
    g = s.groupby(groups.to_numpy(), sort=False, dropna=False)
    size = g.transform("size").to_numpy(dtype="float64")
    median = g.transform("median").to_numpy(dtype="float64")
    pct = g.rank(method="average", pct=True).to_numpy(dtype="float64")
    return size, median, pct


def _times(ratio: np.ndarray) -> pd.Series:
    """`` is 3.2 times `` or, for life without parole, ``, against ``."""
    return pd.Series(ratio).map(lambda v: ", against " if np.isinf(v) else f" is {v:.1f} times ")


def _fmt_months(v: np.ndarray) -> pd.Series:
    s = pd.Series(v)
    return s.map(lambda m: "life without parole" if np.isinf(m) else f"{m:.0f} months")


@dataclass(frozen=True)
class PeerTest:
    """One peer comparison per person: group size, median, ratio to it, percentile and the flag."""

    size: np.ndarray
    median: np.ndarray
    ratio: np.ndarray
    percentile: np.ndarray
    flag: np.ndarray


def _sentence_months(people: pd.DataFrame) -> np.ndarray:
    """Aggregate sentence in months; LWOP and condemned count as infinite."""
    months = pd.to_numeric(people["aggregate_sentence_months"], errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    lwop = np.zeros(len(people), dtype=bool)
    for col in ("sentence_lwop", "sentence_condemned"):
        if col in people:
            lwop |= people[col].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return np.where(lwop, np.inf, months)


def _enhancement_counts(tables: dict[str, pd.DataFrame], people: pd.DataFrame) -> np.ndarray:
    """Number of current enhancements per person."""
    enh = tables.get("enhancements")
    if enh is None or not len(enh):
        return np.zeros(len(people), dtype=int)
    cur = enh.loc[(enh["role"] == "current").to_numpy()]
    who = person_positions(people, cur)
    return np.bincount(who[who >= 0], minlength=len(people))


def _peer_groups(people: pd.DataFrame, pooled: np.ndarray, known: np.ndarray) -> pd.Series:
    """Peer group key: controlling offense (key, degree, attempt) and pooled enhancement count;
    ``None`` where the sentence or the offense is unknown."""
    key = (
        people["controlling_offense_key"].astype("string").fillna("?")
        + "|"
        + people["controlling_degree"].astype("string").fillna("")
        + "|"
        + people["controlling_attempt"].astype("boolean").fillna(False).astype(str)
        + "|"
        + pd.Series(pooled).astype(str)
    )
    return key.where(known, None)


def _controlling_label(people: pd.DataFrame) -> pd.Series:
    """The controlling offense in words (``PC 211 (2nd)``)."""
    ctrl = people[
        ["controlling_code", "controlling_section", "controlling_subdivision"]
        + ["controlling_degree", "controlling_attempt"]
    ].copy()
    ctrl.columns = ["code", "section", "subdivision", "degree", "attempt"]
    return (
        offense_label(ctrl.fillna({"subdivision": ""})).astype("string").fillna("unknown offense")
    )


def _peer_test(
    months: np.ndarray, groups: pd.Series, known: np.ndarray, o: OutlierSettings
) -> PeerTest:
    """Sentences at least ``peer_ratio`` × the peer median and at or above ``peer_percentile``."""
    size, median, pct = _peer_stats(months, groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(median > 0, _ratio_months(months) / _ratio_months(median), np.nan)
    flag = (
        known
        & (size >= o.min_peers)
        & (np.nan_to_num(ratio, nan=0) >= o.peer_ratio)
        & (np.nan_to_num(pct, nan=0) >= o.peer_percentile)
    )
    return PeerTest(size, median, ratio, pct, flag)


@dataclass(frozen=True)
class GuidelineTest:
    """The federal guideline comparison per person: offense level, guideline maximum, ratio, flag."""

    level: np.ndarray
    max_months: np.ndarray
    ratio: np.ndarray
    flag: np.ndarray
    category: np.ndarray


def _ratio_months(months: np.ndarray) -> np.ndarray:
    """Months as a ratio counts them: life without parole and death as :data:`LIFE_MONTHS`."""
    return np.where(np.isinf(months), LIFE_MONTHS, months)


def _guideline_test(
    months: np.ndarray, level: np.ndarray, category: np.ndarray, o: OutlierSettings
) -> GuidelineTest:
    """Actual months ÷ the guideline maximum at the person's level and criminal history (life
    sentences and life maxima count as :data:`LIFE_MONTHS`) ≥ the threshold."""
    gmax = guideline_max_months(level, category)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_ratio = _ratio_months(months) / _ratio_months(gmax)
    g_ratio = np.where(np.isnan(months) | np.isnan(gmax), np.nan, g_ratio)
    flag = np.nan_to_num(g_ratio, nan=0) >= o.guideline_ratio
    return GuidelineTest(level, gmax, g_ratio, flag, category)


def _peer_text(
    test: PeerTest, idx: np.ndarray, m_txt: pd.Series, who: pd.Series, where: str
) -> pd.Series:
    """'sentence … is N times the <where> median (…) for … (Pth percentile of N peers)'."""
    txt = (
        "sentence "
        + m_txt
        + _times(test.ratio[idx])
        + f"the {where} median ("
        + _fmt_months(test.median[idx])
        + ") for "
        + who
        + " ("
        + pd.Series(test.percentile[idx] * 100).map("{:.0f}".format)
        + "th percentile of "
        + pd.Series(test.size[idx]).map("{:.0f}".format)
        + " peers)"
    )
    return txt.where(test.flag[idx], "")


def _outlier_reasons(
    idx: np.ndarray,
    people: pd.DataFrame,
    months: np.ndarray,
    count: np.ndarray,
    tests: tuple[PeerTest, PeerTest, GuidelineTest],
) -> pd.Series:
    """The reasons of the outliers (rows ``idx``) in words, '; '-joined; '' for everybody else."""
    state, county, guideline = tests
    n = len(people)
    reason = pd.Series("", index=range(n), dtype="string")
    if not len(idx):
        return reason
    m_txt = _fmt_months(months[idx])
    enh_txt = pd.Series(count[idx]).map(
        lambda c: "no enhancement" if c == 0 else f"{c} enhancement" + ("s" if c > 1 else "")
    )
    who = _controlling_label(people).iloc[idx].reset_index(drop=True) + " with " + enh_txt
    g_txt = (
        "sentence "
        + m_txt
        + _times(guideline.ratio[idx])
        + "the federal guideline maximum ("
        + pd.Series(guideline.max_months[idx]).map("{:.0f}".format)
        + " months at offense level "
        + pd.Series(guideline.level[idx]).map("{:.0f}".format)
        + ", criminal history "
        + pd.Series(np.asarray(CATEGORIES)[np.clip(guideline.category[idx], 1, 6) - 1])
        + ")"
    )
    texts = [
        _peer_text(state, idx, m_txt, who, "statewide"),
        _peer_text(county, idx, m_txt, who, "county"),
        g_txt.where(guideline.flag[idx], ""),
    ]
    joined = pd.Series("", index=range(len(idx)), dtype="string")
    for p in texts:
        p = p.astype("string").reset_index(drop=True)
        has = p != ""
        joined = joined.mask(has & (joined != ""), joined + "; " + p).mask(has & (joined == ""), p)
    reason.iloc[idx] = joined.to_numpy()
    return reason


def find_outliers(
    tables: dict[str, pd.DataFrame],
    config: CountyConfig,
    *,
    levels: np.ndarray | None = None,
    rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Outlier tests for every person (``people`` order) with the reason in words.

    Columns: ``cdcno, county, sentence_months, enhancement_count, peer_group, state_peers,
    state_median_months, state_ratio, state_percentile, county_peers, county_median_months,
    county_ratio, county_percentile, offense_level, guideline_max_months, guideline_ratio,
    outlier_peer_state, outlier_peer_county, outlier_guideline, outlier, outlier_severity,
    outlier_reason, statute_requires_life, time_served_years, age`` (and
    ``criminal_history_category`` after ``offense_level``).
    """
    o = config.outliers
    people = tables["people"].reset_index(drop=True)
    n = len(people)
    months = _sentence_months(people)
    count = _enhancement_counts(tables, people)
    known = ~np.isnan(months) & people["controlling_offense_key"].notna().to_numpy()
    key = _peer_groups(people, np.minimum(count, o.max_enhancements), known)
    county = people["county"].astype("string").fillna("")
    state = _peer_test(months, key, known, o)
    local = _peer_test(months, key + "|" + county, known, o)

    level = person_offense_levels(tables, config.score, rows) if levels is None else levels
    guide = _guideline_test(months, level, criminal_history(tables, people), o)
    prescribed = statute_requires_life(people)
    for test in (state, local, guide):
        test.flag[prescribed] = False
    outlier = state.flag | local.flag | guide.flag
    severity = np.nanmax(
        np.column_stack(
            [
                np.where(state.flag, state.ratio / o.peer_ratio, 0.0),
                np.where(local.flag, local.ratio / o.peer_ratio, 0.0),
                np.where(guide.flag, guide.ratio / o.guideline_ratio, 0.0),
            ]
        ),
        axis=1,
    )
    reason = _outlier_reasons(np.flatnonzero(outlier), people, months, count, (state, local, guide))
    return pd.DataFrame(
        {
            "cdcno": people["cdcno"].astype("string"),
            "county": county.replace("", pd.NA),
            "sentence_months": months,
            "enhancement_count": count,
            "peer_group": key,
            "state_peers": state.size.astype("int64") if n else state.size,
            "state_median_months": state.median,
            "state_ratio": state.ratio,
            "state_percentile": state.percentile,
            "county_peers": local.size.astype("int64") if n else local.size,
            "county_median_months": local.median,
            "county_ratio": local.ratio,
            "county_percentile": local.percentile,
            "offense_level": level,
            "criminal_history_category": np.asarray(CATEGORIES)[np.clip(guide.category, 1, 6) - 1],
            "guideline_max_months": guide.max_months,
            "guideline_ratio": guide.ratio,
            "outlier_peer_state": state.flag,
            "outlier_peer_county": local.flag,
            "outlier_guideline": guide.flag,
            "outlier": outlier,
            "outlier_severity": np.where(outlier, severity, 0.0),
            "outlier_reason": reason,
            "statute_requires_life": prescribed,
            "time_served_years": _column(people, "time_served_years"),
            "age": _column(people, "age"),
        }
    )


def _column(people: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column of ``people`` (NaN when absent), for tie-breaking."""
    if name not in people:
        return np.full(len(people), np.nan)
    return pd.to_numeric(people[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def mandate_list(outliers: pd.DataFrame, config: CountyConfig) -> pd.DataFrame:
    """The extreme outliers per county, most extreme first, with the reviews the mandate requires.

    Adds ``outlier_rank`` (1 = most extreme in the county; ties by time served, longest first, then
    age, oldest first, then the order of the data), ``county_outliers``,
    ``required_reviews`` (:meth:`helpers.screening.config.Mandate.required`) and ``review_required``
    (the first ``required_reviews`` of the county).
    """
    out = outliers.loc[outliers["outlier"].to_numpy(dtype=bool)].copy()
    out["county"] = out["county"].astype("string").fillna("")
    for col in ("time_served_years", "age"):
        if col not in out:
            out[col] = np.nan
    out = out.sort_values(
        ["county", "outlier_severity", "time_served_years", "age"],
        ascending=[True, False, False, False],
        kind="stable",
        na_position="last",
    )
    out["outlier_rank"] = out.groupby("county", sort=False).cumcount() + 1
    out["county_outliers"] = out.groupby("county", sort=False)["cdcno"].transform("size")
    out["required_reviews"] = out["county_outliers"].map(config.mandate.required)
    out["review_required"] = out["outlier_rank"] <= out["required_reviews"]
    return out.reset_index(drop=True)


def outlier_shares(outliers: pd.DataFrame) -> pd.DataFrame:
    """People, extreme outliers and their share, per county and for the state (``Statewide``)."""
    flag = outliers["outlier"].astype(bool)
    county = outliers["county"].astype("string").fillna("Unknown")
    per = flag.groupby(county.to_numpy()).agg(["size", "sum"])
    per.loc["Statewide"] = [len(flag), int(flag.sum())]
    out = per.rename(columns={"size": "people", "sum": "outliers"}).rename_axis("county")
    out["share"] = out["outliers"] / out["people"].where(out["people"] > 0)
    return out.reset_index()
