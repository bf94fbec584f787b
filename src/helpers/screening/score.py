"""The adjustable ranking score R (policy memo, Appendix A) and its sensitivity to the weights.

    R = a·Σ_{c∈C} f(c) + b·Σ_{p∈P} f(p)·d^{t_p} + Σ_i x_i·y_i          (lower R = better candidate)

* ``f`` is the federal offense level of :func:`helpers.screening.offenses.offense_levels`, adjusted where the data
  allow: the USSG §2B1.1 loss table for theft/fraud when an offense row has ``loss_usd`` (over $6,500:
  +2, …), and the increments of the enhancements attached to the count (the offense table's enhancement
  rows; a county may override them in ``score.enhancement_levels``), capped at ``score.level_cap`` (43).
  Counts stayed under PC 654 are left out unless ``score.count_stayed``.  A person without current
  count rows is scored on the controlling offense.
* **Every offense scored, or said so.**  A counted current offense without a level, or with an
  enhancement whose increment is unknown (an offense level is not an increment), makes the person
  ``score_status = cannot_score``: R is left empty (<NA>), the codes are listed in
  ``unscored_current`` and the person ranks after every scored person of the same eligibility, never
  among them.  A prior without a level is left out of Σf(prior), listed in ``unscored_priors`` and
  counted in ``levels_missing`` (with the unscored current offenses).
* ``t_p`` = years from the prior's offense date (end date, else begin date, else its release date) to
  the as-of date; a prior with no date gets ``t = 0`` (no decay: the conservative choice).
* ``x_i`` are the county's factor weights (negative mitigates); ``y_i ∈ [0, 1]`` come from the data by
  the formulas of :func:`factor_values`.  Missing data gives ``y = 0`` (the factor is not applied) and
  is named in ``factor_data_missing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from helpers.data.codes import OFFENSE_COLUMNS, offense_label
from helpers.screening.config import FACTOR_DIRECTIONS, WEIGHT_STEPS, CountyConfig, ScoreSettings
from helpers.screening.offenses import offense_levels
from helpers.screening.rules import controlling_codes

#: USSG §2B1.1(b)(1) loss table: (loss more than $, levels added).
LOSS_TABLE: tuple[tuple[float, int], ...] = (
    (6_500, 2),
    (15_000, 4),
    (40_000, 6),
    (95_000, 8),
    (150_000, 10),
    (250_000, 12),
    (550_000, 14),
    (1_500_000, 16),
    (3_500_000, 18),
    (9_500_000, 20),
    (25_000_000, 22),
    (65_000_000, 24),
    (150_000_000, 26),
    (250_000_000, 28),
    (550_000_000, 30),
)
#: Rules-violation weights by CDCR division (Cal. Code Regs., tit. 15, § 3323: A1 most serious … F).
DIVISION_WEIGHTS: dict[str, float] = {
    "A1": 1.0,
    "A2": 0.8,
    "B": 0.6,
    "C": 0.4,
    "D": 0.25,
    "E": 0.15,
    "F": 0.1,
}
VIOLATION_HALF_LIFE_YEARS = 3.0
CREDIT_DAYS_FULL = 180.0
#: Mental-health level of care (CDCR MHSDS) → y.
MENTAL_HEALTH_LEVELS: dict[str, float] = {
    "CCCMS": 0.5,
    "EOP": 0.75,
    "MHCB": 1.0,
    "ICF": 1.0,
    "ACUTE": 1.0,
    "PIP": 1.0,
    "DSH": 1.0,
}
FACTORS = tuple(FACTOR_DIRECTIONS)


# --------------------------------------------------------------------------------------------------
# The formula
# --------------------------------------------------------------------------------------------------


def r_score(
    current_levels: Sequence[float],
    prior_levels: Sequence[float],
    prior_years: Sequence[float],
    factor_x: Sequence[float],
    factor_y: Sequence[float],
    a: float,
    b: float,
    d: float,
) -> float:
    """R for one person: ``a·Σcurrent + b·Σ prior·d^years + Σ x·y`` (the memo's worked examples)."""
    cur = np.asarray(current_levels, dtype="float64")
    pri = np.asarray(prior_levels, dtype="float64")
    t = np.asarray(prior_years, dtype="float64")
    x = np.asarray(factor_x, dtype="float64")
    y = np.asarray(factor_y, dtype="float64")
    if pri.shape != t.shape or x.shape != y.shape:
        raise ValueError("prior_levels/prior_years and factor_x/factor_y must have equal lengths")
    if ((y < 0) | (y > 1)).any():
        raise ValueError("factor values y must lie in [0, 1]")
    return float(a * cur.sum() + b * (pri * np.power(d, t)).sum() + (x * y).sum())


def loss_levels(loss_usd: pd.Series | np.ndarray | float) -> np.ndarray:
    """Levels added by the USSG §2B1.1(b)(1) loss table (``$7,000`` → 2; ≤ $6,500 or NA → 0)."""
    loss = np.nan_to_num(np.asarray(loss_usd, dtype="float64"), nan=0.0)
    edges = np.array([e for e, _ in LOSS_TABLE])
    adds = np.array([0] + [v for _, v in LOSS_TABLE])
    return adds[np.searchsorted(edges, loss, side="left")]


# --------------------------------------------------------------------------------------------------
# Offense levels per row
# --------------------------------------------------------------------------------------------------


def _levels_on_distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """Level, guideline section and whether the row is an enhancement row of the offense table, for
    every row, evaluated once per distinct code."""
    parsed = frame[OFFENSE_COLUMNS].copy()
    parsed["attempt"] = parsed["attempt"].astype("boolean").fillna(False)
    for col in ("code", "section", "subdivision", "degree", "offense_key"):
        parsed[col] = parsed[col].astype("string").fillna("")
    ids = parsed.groupby(OFFENSE_COLUMNS, sort=False, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(ids))).groupby(ids).first().to_numpy()
    distinct = parsed.iloc[first].reset_index(drop=True)
    lv = offense_levels(distinct)
    level = pd.to_numeric(lv["federal_level"], errors="coerce").to_numpy(dtype="float64")
    section = lv["guideline_section"].astype("string").fillna("").to_numpy(dtype=object)
    is_enh = lv["is_enhancement"].to_numpy(dtype=bool)
    label = offense_label(distinct.replace({"": pd.NA}).fillna({"subdivision": ""}))
    label = label.astype("string").fillna("(no code)").to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "level": level[ids],
            "guideline_section": section[ids],
            "is_enhancement": is_enh[ids],
            "label": label[ids],
        },
        index=frame.index,
    )


def _enhancement_adds(
    enhancements: pd.DataFrame | None, settings: ScoreSettings
) -> tuple[pd.Series, pd.Series]:
    """Levels the enhancements add to their count (offense_id -> levels) and the enhancements whose
    increment is unknown (offense_id -> '; '-joined codes).

    The increment is the county's override (``score.enhancement_levels``, by key or by section),
    else the offense table's enhancement row; a code that is no enhancement row (unknown, or an
    offense) has no increment."""
    if enhancements is None or enhancements.empty:
        return pd.Series(dtype="float64"), pd.Series(dtype="string")
    lv = _levels_on_distinct(enhancements)
    add = pd.Series(
        np.where(lv["is_enhancement"].to_numpy(dtype=bool), lv["level"].to_numpy(), np.nan),
        dtype="float64",
    )
    table = settings.enhancement_levels
    if table:
        key = enhancements["offense_key"].astype("string").fillna("").str.upper()
        sec = (
            enhancements["code"].astype("string").fillna("")
            + enhancements["section"].astype("string").fillna("")
        ).str.upper()
        override = key.map(table).astype("float64").fillna(sec.map(table).astype("float64"))
        add = override.reset_index(drop=True).fillna(add)
    ids = enhancements["offense_id"].to_numpy()
    unknown = add.isna().to_numpy()
    missing = (
        pd.Series(lv["label"].to_numpy()[unknown] + " (enhancement)", dtype="string")
        .groupby(ids[unknown])
        .agg("; ".join)
    )
    return add.fillna(0.0).groupby(ids).sum(), missing


def offense_row_levels(tables: dict[str, pd.DataFrame], settings: ScoreSettings) -> pd.DataFrame:
    """Adjusted level ``f`` of every offense row (with ``offense_id, cdcno, role``).

    ``level`` is <NA> (NaN) when the count has no level or carries an enhancement whose increment is
    unknown; ``unlevelled`` then names the codes ('' otherwise)."""
    offenses = tables.get("offenses", pd.DataFrame())
    if offenses.empty:
        return pd.DataFrame(
            columns=[
                "offense_id",
                "cdcno",
                "person_pos",
                "role",
                "level",
                "guideline_section",
                "stayed",
                "unlevelled",
            ]
        )
    base = _levels_on_distinct(offenses)
    level = base["level"].to_numpy(copy=True)
    if "loss_usd" in offenses:
        theft = base["guideline_section"].str.startswith("§2B1.1").to_numpy(dtype=bool)
        level = np.where(theft, level + loss_levels(offenses["loss_usd"]), level)
    adds, missing = _enhancement_adds(tables.get("enhancements"), settings)
    ids = offenses["offense_id"]
    if len(adds):
        level = level + ids.map(adds).fillna(0.0).to_numpy(dtype="float64")
    unlevelled = pd.Series(
        np.where(np.isnan(base["level"].to_numpy()), base["label"].to_numpy(dtype=object), ""),
        dtype="string",
    )
    enh_missing = ids.map(missing).astype("string").fillna("").reset_index(drop=True)
    unlevelled = (unlevelled + np.where((unlevelled != "") & (enh_missing != ""), "; ", "")) + (
        enh_missing
    )
    level = np.where(enh_missing.to_numpy() != "", np.nan, level)
    level = np.minimum(level, settings.level_cap)
    stayed = (
        offenses["stayed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "stayed" in offenses
        else np.zeros(len(offenses), dtype=bool)
    )
    return pd.DataFrame(
        {
            "offense_id": offenses["offense_id"].to_numpy(),
            "cdcno": offenses["cdcno"].astype("string").to_numpy(),
            "person_pos": person_positions(tables["people"].reset_index(drop=True), offenses),
            "role": offenses["role"].astype("string").to_numpy(),
            "level": level,
            "guideline_section": base["guideline_section"].to_numpy(),
            "stayed": stayed,
            "unlevelled": unlevelled.to_numpy(dtype=object),
        }
    )


def controlling_levels(people: pd.DataFrame) -> np.ndarray:
    """Unadjusted federal level of each person's controlling offense."""
    return _levels_on_distinct(controlling_codes(people))["level"].to_numpy()


# --------------------------------------------------------------------------------------------------
# Factors
# --------------------------------------------------------------------------------------------------


def person_positions(people: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Row position in ``people`` of each row of ``frame`` (by ``cdcno``); -1 when not a person.

    Uses the ``person_pos`` column when :func:`add_person_positions` has added it.
    """
    if "person_pos" in frame:
        return frame["person_pos"].to_numpy(dtype=np.int64)
    codes = pd.Categorical(
        frame["cdcno"].astype("string"), categories=people["cdcno"].astype("string")
    ).codes
    return np.asarray(codes, dtype=np.int64)


def add_person_positions(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Tables with a ``person_pos`` column on every per-person table (people reset to 0..n-1)."""
    people = tables["people"].reset_index(drop=True)
    out = {**tables, "people": people}
    for name in ("offenses", "enhancements", "violations", "credits", "factors"):
        frame = tables.get(name)
        if frame is not None and "cdcno" in frame and "person_pos" not in frame:
            out[name] = frame.assign(person_pos=person_positions(people, frame))
    return out


def _num(people: pd.DataFrame, col: str) -> np.ndarray:
    if col not in people:
        return np.full(len(people), np.nan)
    return pd.to_numeric(people[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _per_person(where: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum ``values`` by person position (rows of unknown people, -1, are dropped)."""
    keep = where >= 0
    return np.bincount(where[keep], weights=np.asarray(values)[keep], minlength=n)


def _indicator(
    factors: pd.DataFrame | None, where: np.ndarray, cols: list[str], n: int
) -> tuple[np.ndarray, bool]:
    """Max of 0/1 indicator columns per person (NA → 0); False when no column exists."""
    if factors is None or factors.empty or not any(c in factors for c in cols):
        return np.zeros(n), False
    vals = np.nanmax(
        np.column_stack(
            [
                pd.to_numeric(factors[c], errors="coerce").to_numpy(
                    dtype="float64", na_value=np.nan
                )
                if c in factors
                else np.full(len(factors), np.nan)
                for c in cols
            ]
        ),
        axis=1,
        initial=0.0,
    )
    vals = np.nan_to_num(vals, nan=0.0)
    keep = where >= 0
    out = np.zeros(n)
    np.maximum.at(out, where[keep], vals[keep])
    return np.clip(out, 0.0, 1.0), True


def _rules_violations(
    tables: dict[str, pd.DataFrame], people: pd.DataFrame, as_of: pd.Timestamp
) -> np.ndarray | None:
    """1 − exp(−Σ w_div · 0.5^(years ago / 3)) per person; ``None`` without a violations table."""
    violations = tables.get("violations")
    if violations is None or violations.empty:
        return None
    years = (as_of - pd.to_datetime(violations["violation_date"])).dt.days / 365.25
    years = np.clip(np.nan_to_num(years.to_numpy(dtype="float64"), nan=0.0), 0, None)
    w = violations["division"].astype("string").str.upper().map(DIVISION_WEIGHTS)
    w = w.astype("float64").fillna(0.0).to_numpy()
    load = w * np.power(0.5, years / VIOLATION_HALF_LIFE_YEARS)
    return 1.0 - np.exp(-_per_person(person_positions(people, violations), load, len(people)))


def _education(tables: dict[str, pd.DataFrame], people: pd.DataFrame) -> np.ndarray | None:
    """clip(Σ credit days / 180) per person; ``None`` without a credits table."""
    credits = tables.get("credits")
    if credits is None or credits.empty:
        return None
    days = pd.to_numeric(credits["credit_days"], errors="coerce").fillna(0.0).to_numpy()
    total = _per_person(person_positions(people, credits), np.clip(days, 0, None), len(people))
    return np.clip(total / CREDIT_DAYS_FULL, 0, 1)


def _mental_illness(people: pd.DataFrame) -> np.ndarray | None:
    """The level of care's value (:data:`MENTAL_HEALTH_LEVELS`); ``None`` when nobody has one."""
    if "mental_health_level" not in people or not people["mental_health_level"].notna().any():
        return None
    level = people["mental_health_level"].astype("string").str.upper().fillna("")
    y = np.zeros(len(people))
    for word, value in MENTAL_HEALTH_LEVELS.items():
        y = np.maximum(y, np.where(level.str.contains(word, regex=False), value, 0.0))
    return y


def _indicators(
    tables: dict[str, pd.DataFrame], people: pd.DataFrame
) -> dict[str, tuple[np.ndarray, bool]]:
    """The factors read from the county's mitigating-factor indicators, each with whether the data
    has the columns."""
    n = len(people)
    factors = tables.get("factors")
    fpos = person_positions(people, factors) if factors is not None and len(factors) else None
    ipv = ["intimate_partner_violence_victim", "trafficking_victim"]
    return {
        "trauma_abuse": _indicator(factors, fpos, ["childhood_trauma", "abuse_victim"], n),
        "ipv_trafficking": _indicator(factors, fpos, ipv, n),
        "serious_medical_condition": _indicator(factors, fpos, ["serious_medical_condition"], n),
    }


def factor_values(
    tables: dict[str, pd.DataFrame], as_of: date | str | pd.Timestamp
) -> tuple[pd.DataFrame, pd.Series]:
    """The y_i ∈ [0, 1] of every person (columns ``factor_<name>``) and the factors lacking data.

    Formulas (clip(v, 0, 1) = v limited to [0, 1]; missing data → 0):

    * ``age``: clip((age − 30) / 40): 0 at 30 or younger, 0.5 at 50, 1 at 70 (risk falls with age).
    * ``youth_at_offense``: clip((26 − age at offense) / 8): 1 at 18 or younger, 0 from 26 (PC 1016.7).
    * ``time_served``: clip(years served / 20): 1 from 20 years (CDCR elderly-parole horizon).
    * ``rules_violations``: 1 − exp(−Σ w_div · 0.5^(years ago / 3)); w: A1 1, A2 0.8, B 0.6, C 0.4,
      D 0.25, E 0.15, F 0.1 — recent and serious violations weigh more (aggravating).
    * ``education_rehabilitation``: clip(Σ credit days (education merit, milestone, rehabilitative
      achievement) / 180).
    * ``mental_illness``: level of care: CCCMS 0.5, EOP 0.75, MHCB/ICF/acute/PIP/DSH 1, else 0.
    * ``trauma_abuse``: max(childhood trauma, abuse victim) indicators.
    * ``ipv_trafficking``: max(intimate-partner-violence victim, trafficking victim) indicators.
    * ``elderly_poor_health``: max(clip((age − 60) / 10), serious medical condition).
    """
    people = tables["people"].reset_index(drop=True)
    n = len(people)
    age = _num(people, "age")
    out: dict[str, np.ndarray] = {
        "age": np.clip((age - 30.0) / 40.0, 0, 1),
        "youth_at_offense": np.clip((26.0 - _num(people, "age_at_offense")) / 8.0, 0, 1),
        "time_served": np.clip(_num(people, "time_served_years") / 20.0, 0, 1),
    }
    from_tables = {
        "rules_violations": _rules_violations(tables, people, pd.Timestamp(as_of)),
        "education_rehabilitation": _education(tables, people),
        "mental_illness": _mental_illness(people),
    }
    missing = [name for name, y in from_tables.items() if y is None]
    out |= {name: np.zeros(n) if y is None else y for name, y in from_tables.items()}
    indicators = _indicators(tables, people)
    for name in ("trauma_abuse", "ipv_trafficking"):
        out[name], ok = indicators[name]
        if not ok:
            missing.append(name)
    medical, _ = indicators["serious_medical_condition"]
    out["elderly_poor_health"] = np.maximum(np.clip((age - 60.0) / 10.0, 0, 1), medical)

    frame = pd.DataFrame(
        {f"factor_{k}": np.nan_to_num(out[k], nan=0.0) for k in FACTORS}, index=people.index
    )
    person_missing = pd.Series("; ".join(missing), index=people.index, dtype="string")
    unknown_age = np.isnan(age)
    if unknown_age.any():
        person_missing = person_missing.mask(
            unknown_age, ("age; elderly_poor_health; " + person_missing).str.rstrip("; ")
        )
    return frame, person_missing


# --------------------------------------------------------------------------------------------------
# Scoring all people
# --------------------------------------------------------------------------------------------------


def _codes_per_person(where: np.ndarray, text: np.ndarray, n: int) -> np.ndarray:
    """'; '-joined distinct non-empty texts per person position ('' for nobody)."""
    out = np.full(n, "", dtype=object)
    has = text != ""
    if has.any():
        found = pd.DataFrame({"who": where[has], "t": text[has]}).drop_duplicates()
        joined = found.groupby("who")["t"].agg("; ".join)
        out[joined.index.to_numpy()] = joined.to_numpy(dtype=object)
    return out


def _prior_years(offenses: pd.DataFrame, as_of: date | str | pd.Timestamp) -> np.ndarray:
    """Years from each prior's offense date (end, else begin, else release) to ``as_of``; 0 without
    a date (no decay: the conservative choice)."""
    when = offenses["offense_end_date"].fillna(offenses["offense_begin_date"])
    if "release_date" in offenses:
        when = when.fillna(offenses["release_date"])
    t = ((pd.Timestamp(as_of) - pd.to_datetime(when)).dt.days / 365.25).to_numpy(
        dtype="float64", na_value=np.nan
    )
    return np.clip(np.nan_to_num(t, nan=0.0), 0, None)


def offense_sums(
    tables: dict[str, pd.DataFrame],
    settings: ScoreSettings,
    as_of: date | str | pd.Timestamp,
    rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Σf(current), Σf(prior)·d^t and what could not be levelled, per person.

    Columns ``current_sum``, ``prior_sum``, ``n_current_counted``, ``n_priors``, ``levels_missing``
    (counted current offenses and priors without a level), ``cannot_score`` (a counted current
    offense, or the controlling offense of a person without counted counts, has no level),
    ``unscored_current`` and ``unscored_priors`` (the codes, '; '-joined).
    """
    people = tables["people"].reset_index(drop=True)
    n = len(people)
    rows = offense_row_levels(tables, settings) if rows is None else rows
    offenses = tables.get("offenses", pd.DataFrame())
    where = rows["person_pos"].to_numpy(dtype=np.int64)
    keep = where >= 0
    rows, where = rows.loc[keep], where[keep]
    level = rows["level"].to_numpy(dtype="float64")
    has_level = ~np.isnan(level)
    unlevelled = rows["unlevelled"].astype("string").fillna("").to_numpy(dtype=object)
    is_cur = (rows["role"] == "current").to_numpy()
    counted = is_cur & (settings.count_stayed | ~rows["stayed"].to_numpy(dtype=bool))
    cur_sum = np.bincount(where[counted & has_level], level[counted & has_level], minlength=n)
    n_cur = np.bincount(where[counted], minlength=n)
    missing = np.bincount(where[counted & ~has_level], minlength=n)
    unscored_current = _codes_per_person(
        where[counted], np.where(has_level[counted], "", unlevelled[counted]), n
    )
    # People without counted current rows: the controlling offense is their one current conviction.
    none = n_cur == 0
    if none.any():
        ctrl = controlling_levels(people)
        ctrl_ok = none & ~np.isnan(ctrl)
        cur_sum = np.where(ctrl_ok, np.minimum(np.nan_to_num(ctrl), settings.level_cap), cur_sum)
        ctrl_missing = none & np.isnan(ctrl)
        missing = missing + ctrl_missing
        if ctrl_missing.any():
            label = offense_label(controlling_codes(people).fillna({"subdivision": ""}))
            label = label.astype("string").fillna("(no controlling offense code)")
            unscored_current = np.where(
                ctrl_missing, label.to_numpy(dtype=object), unscored_current
            )
    is_pri = ~is_cur
    prior_sum = np.zeros(n)
    n_pri = np.bincount(where[is_pri], minlength=n)
    unscored_priors = np.full(n, "", dtype=object)
    if is_pri.any():
        t = _prior_years(offenses.loc[keep].loc[is_pri], as_of)
        ok = has_level[is_pri]
        contrib = np.where(ok, np.nan_to_num(level[is_pri]) * np.power(settings.d, t), 0.0)
        prior_sum = np.bincount(where[is_pri], contrib, minlength=n)
        missing = missing + np.bincount(where[is_pri][~ok], minlength=n)
        unscored_priors = _codes_per_person(where[is_pri], np.where(ok, "", unlevelled[is_pri]), n)
    return pd.DataFrame(
        {
            "current_sum": cur_sum,
            "prior_sum": prior_sum,
            "n_current_counted": np.maximum(n_cur, none.astype(int)),
            "n_priors": n_pri,
            "levels_missing": missing.astype(int),
            "cannot_score": unscored_current != "",
            "unscored_current": pd.array(unscored_current, dtype="string"),
            "unscored_priors": pd.array(unscored_priors, dtype="string"),
        },
        index=people.index,
    )


SCORE_STATUSES = ("scored", "cannot_score")


def score(
    tables: dict[str, pd.DataFrame],
    config: CountyConfig,
    as_of: date | str | pd.Timestamp,
    *,
    rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """R and its parts for every person, in ``people`` order.

    Columns: ``cdcno, county, R, score_status`` (``scored`` or ``cannot_score``: R is <NA> when a
    counted current offense has no level), ``current_sum, prior_sum, factor_sum,
    n_current_counted, n_priors, levels_missing, unscored_current, unscored_priors``, one
    ``factor_<name>`` (y_i) per factor and ``factor_data_missing``.  ``rows`` (from
    :func:`offense_row_levels`) may be passed to share the work with the outliers.
    """
    s = config.score
    people = tables["people"].reset_index(drop=True)
    sums = offense_sums(tables, s, as_of, rows)
    y, missing = factor_values(tables, as_of)
    x = np.array([s.factors[k] for k in FACTORS])
    factor_sum = y.to_numpy() @ x
    r = s.a * sums["current_sum"].to_numpy() + s.b * sums["prior_sum"].to_numpy() + factor_sum
    cannot = sums["cannot_score"].to_numpy(dtype=bool)
    out = pd.DataFrame(
        {
            "cdcno": people["cdcno"].astype("string"),
            "county": people["county"].astype("string"),
            "R": np.where(cannot, np.nan, np.round(r, 6)),
            "score_status": pd.array(np.where(cannot, "cannot_score", "scored"), dtype="string"),
        }
    )
    out = pd.concat([out, sums.drop(columns="cannot_score"), y], axis=1)
    out.insert(6, "factor_sum", factor_sum)
    out["factor_data_missing"] = missing.to_numpy()
    return out


# --------------------------------------------------------------------------------------------------
# Ranking and sensitivity
# --------------------------------------------------------------------------------------------------

ELIGIBILITY_ORDER = {"eligible": 0, "unknown": 1, "not eligible": 2}


def _rank_keys(frame: pd.DataFrame, r: np.ndarray) -> list[np.ndarray]:
    """Sort keys, least significant first, for :func:`np.lexsort`."""
    elig = (
        frame["eligibility"].map(ELIGIBILITY_ORDER).fillna(1).to_numpy(dtype="float64")
        if "eligibility" in frame
        else np.zeros(len(frame))
    )

    def neg(col: str) -> np.ndarray:
        if col not in frame:
            return np.zeros(len(frame))
        v = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return np.nan_to_num(-v, nan=0.0)

    cdc = pd.factorize(frame["cdcno"].astype("string").fillna(""), sort=True)[0]
    unscored = (
        frame["score_status"].astype("string").eq("cannot_score").fillna(False).to_numpy(bool)
        if "score_status" in frame
        else np.isnan(np.asarray(r, dtype="float64"))
    )
    r_key = np.nan_to_num(np.asarray(r, dtype="float64"), nan=np.inf)
    return [cdc, neg("age"), neg("time_served_years"), r_key, unscored.astype(int), elig]


def rank_order(frame: pd.DataFrame, r: np.ndarray | None = None) -> np.ndarray:
    """Positions of ``frame`` rows in rank order within the whole frame.

    Order: eligibility (eligible, unknown, not eligible); within each, scored people before people
    whose R cannot be computed (``score_status = cannot_score``); R ascending, then deterministic
    tie-breaks: longer time served, older age, then ``cdcno``.
    """
    r = frame["R"].to_numpy(dtype="float64") if r is None else r
    return np.lexsort(_rank_keys(frame, r))


def rank_within_county(frame: pd.DataFrame) -> np.ndarray:
    """Rank 1..n inside each county by :func:`rank_order`."""
    county = pd.factorize(frame["county"].astype("string").fillna(""), sort=True)[0]
    order = np.lexsort([*_rank_keys(frame, frame["R"].to_numpy(dtype="float64")), county])
    sorted_county = county[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_county)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    ranks = np.empty(len(frame), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - first + 1
    return ranks


def _tau(base: np.ndarray, new: np.ndarray, kendalltau) -> float:
    """Kendall's τ between two score vectors (1 when either is constant, NA for one person)."""
    if len(base) > 1 and np.ptp(base) > 0 and np.ptp(new) > 0:
        return float(kendalltau(base, new).statistic)
    return 1.0 if len(base) > 1 else np.nan


def _step(value: float, direction: int, up: bool) -> float | None:
    """The next preset magnitude above/below |value|, with the weight's sign."""
    sign = np.sign(value) if value != 0 else direction
    mag = abs(value)
    steps = [s for s in WEIGHT_STEPS if (s > mag + 1e-12 if up else s < mag - 1e-12)]
    if not steps:
        return None
    return float(sign * (min(steps) if up else max(steps)))


def sensitivity(scored: pd.DataFrame, config: CountyConfig, k: int | None = None) -> pd.DataFrame:
    """How the top-k changes when each weight (a, b, every x_i) moves one preset step up or down.

    ``scored`` needs ``R, current_sum, prior_sum, factor_<name>``, ``cdcno`` and, for the pool,
    ``eligibility``.  The pool is the people not screened out (eligible or unknown), or everybody if
    nobody is left.  ``overlap_at_k`` = share of the base top-k still in the new top-k;
    ``kendall_tau`` = Kendall's τ between base and new R over the pool's people with an R.
    """
    from scipy.stats import kendalltau

    s = config.score
    k = int(k or config.top_k)
    pool = scored
    if "eligibility" in scored:
        keep = (scored["eligibility"] != "not eligible").to_numpy(dtype=bool)
        if keep.any():
            pool = scored.loc[keep]
    pool = pool.reset_index(drop=True)
    base = pool["R"].to_numpy(dtype="float64")
    scored = np.isfinite(base)  # Kendall's τ over the people with an R
    k_eff = min(k, len(pool))
    base_top = set(rank_order(pool, base)[:k_eff])
    weights = [("a", s.a, 1, pool["current_sum"].to_numpy(dtype="float64"))]
    weights.append(("b", s.b, 1, pool["prior_sum"].to_numpy(dtype="float64")))
    for name in FACTORS:
        weights.append(
            (name, s.factors[name], FACTOR_DIRECTIONS[name], pool[f"factor_{name}"].to_numpy())
        )
    rows = []
    for name, value, direction, part in weights:
        for up in (False, True):
            new = _step(value, direction, up)
            if new is None:
                continue
            r_new = base + (new - value) * part
            top = set(rank_order(pool, r_new)[:k_eff])
            overlap = len(base_top & top) / k_eff if k_eff else np.nan
            tau = _tau(base[scored], r_new[scored], kendalltau)
            rows.append(
                {
                    "weight": name,
                    "step": "up" if up else "down",
                    "from_label": s.labels.get(name, str(value)),
                    "from_value": value,
                    "to_value": new,
                    "k": k_eff,
                    "pool": len(pool),
                    "overlap_at_k": overlap,
                    "kendall_tau": tau,
                }
            )
    return pd.DataFrame(rows)
