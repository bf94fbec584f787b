"""The feature matrix of the eligibility model: what an office knows about a person at screening time.

One row per person (index ``cdcno``, in ``people`` order).  Every column is computed from the
processed tables of :mod:`helpers.data.ingest`; nothing comes from a review outcome.  Race, ethnicity,
gender and county are **not** features: race and gender so that the model cannot use them directly
(the bias audit measures what it does indirectly), county because it encodes an office's policy, not
the case.

Numeric columns (:data:`NUMERIC`)

* ``age``, ``age_at_offense``, ``time_served_years``
* ``sentence_years`` — aggregate sentence; life without parole, condemned and any term above
  :data:`SENTENCE_CAP_YEARS` (100 years) are capped at 100 so that the value stays finite; the flags
  ``sentence_life``, ``sentence_lwop``, ``sentence_condemned`` carry the distinction
* ``months_to_release`` — to the EPRD/MEPD, capped at :data:`MONTHS_TO_RELEASE_CAP` (no release date
  = the cap, with the flag ``no_release_date``)
* ``offense_level`` — federal offense level of the controlling offense (:mod:`helpers.screening.offenses`)
* ``current_levels_sum`` (Σf current) and ``prior_levels_decayed`` (Σf prior·d^t with the
  configuration's decay ``d``), ``levels_missing``, ``n_current_offenses``, ``n_prior_offenses``
* ``n_enhancements`` and ``n_enh_<kind>`` for the kinds of :data:`ENHANCEMENT_KINDS` (firearm,
  weapon, great bodily injury, gang, prior-conviction, sex) of current counts
* DSA extras (NaN when the extract is absent): ``violations_5y``, ``serious_violations_5y``
  (divisions A1, A2, B), ``violations_total``, ``credit_loss_days_5y``, ``credit_days_total``,
  ``credit_days_5y``, ``mental_health_level`` (ordinal, :data:`MENTAL_HEALTH_ORDINAL`),
  ``classification_score``

Binary columns (:data:`BINARY`; 0/1, NaN = unknown)

* ``juvenile_at_offense``, ``youth_at_offense`` (under 26), ``sentence_life``, ``sentence_lwop``,
  ``sentence_condemned``, ``no_release_date``, ``sex_registrant`` (DSA flag, else derived)
* ``current_<list>`` and ``prior_<list>`` for the statutory lists (serious, violent, super-strike,
  sex-registrable, homicide, robbery); prior flags are NaN when the data has no prior commitments
* mitigating-factor indicators of the DSA ``factors`` table: ``childhood_trauma``, ``abuse_victim``,
  ``ipv_victim``, ``trafficking_victim``, ``serious_medical_condition``

Categorical columns (:data:`CATEGORICAL`): ``sentence_type`` and ``offense_category`` (CDCR
category of the controlling offense).

Dated features (:func:`features_on_dates`): the decision model learns from what an office knew on
the day of each decision, so every feature of a decision is computed from the tables as they stood on
the first day of the decision's month (:func:`tables_on_dates`: age and time served taken back, months
to release added back, custody events and in-prison offenses after that day left out).  The columns of
:data:`SNAPSHOT_FEATURES` are recorded once, on the extract date, and cannot be taken back: the
decision model leaves them out (:data:`DECISION_FEATURES`).

:func:`screen_inputs` lists the columns a county's screen reads; :mod:`helpers.model.leakage` adds
everything derivable from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from helpers.screening.config import CountyConfig, ScoreSettings, load_config

SENTENCE_CAP_YEARS = 100.0
MONTHS_TO_RELEASE_CAP = 1200.0
RECENT_YEARS = 5.0
SERIOUS_DIVISIONS = ("A1", "A2", "B")
LISTS = ("serious", "violent", "super_strike", "sex_registrable", "homicide", "robbery")
#: Mental-health level of care (CDCR MHSDS) → ordinal (none 0 … inpatient 3).
MENTAL_HEALTH_ORDINAL: dict[str, float] = {
    "CCCMS": 1.0,
    "EOP": 2.0,
    "MHCB": 3.0,
    "ICF": 3.0,
    "ACUTE": 3.0,
    "PIP": 3.0,
    "DSH": 3.0,
}
#: Enhancement kinds: (code, section, subdivision prefixes or () for any subdivision).
ENHANCEMENT_KINDS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "firearm": (
        ("PC", "12022.5", ()),
        ("PC", "12022.53", ()),
        ("PC", "12022.55", ()),
        ("PC", "12022", ("(a)", "(c)", "(d)")),
    ),
    "weapon": (("PC", "12022", ("(b)",)),),
    "gbi": (("PC", "12022.7", ()), ("PC", "12022.8", ())),
    "gang": (("PC", "186.22", ()),),
    "priors": (("PC", "667", ("(a)",)), ("PC", "667.5", ()), ("HS", "11370.2", ())),
    "sex": (("PC", "667.61", ()), ("PC", "667.6", ()), ("PC", "667.71", ())),
}
FACTOR_INDICATORS = {
    "childhood_trauma": "childhood_trauma",
    "abuse_victim": "abuse_victim",
    "ipv_victim": "intimate_partner_violence_victim",
    "trafficking_victim": "trafficking_victim",
    "serious_medical_condition": "serious_medical_condition",
}

#: Numeric features only data-sharing (DSA) extracts carry.
DSA_NUMERIC: tuple[str, ...] = (
    "violations_5y",
    "serious_violations_5y",
    "violations_total",
    "credit_loss_days_5y",
    "credit_days_total",
    "credit_days_5y",
    "mental_health_level",
    "classification_score",
)
NUMERIC: tuple[str, ...] = (
    "age",
    "age_at_offense",
    "time_served_years",
    "sentence_years",
    "months_to_release",
    "offense_level",
    "current_levels_sum",
    "prior_levels_decayed",
    "levels_missing",
    "n_current_offenses",
    "n_prior_offenses",
    "n_enhancements",
    *(f"n_enh_{k}" for k in ENHANCEMENT_KINDS),
    *DSA_NUMERIC,
)
BINARY: tuple[str, ...] = (
    "juvenile_at_offense",
    "youth_at_offense",
    "sentence_life",
    "sentence_lwop",
    "sentence_condemned",
    "no_release_date",
    "sex_registrant",
    *(f"current_{name}" for name in LISTS),
    *(f"prior_{name}" for name in LISTS),
    *FACTOR_INDICATORS,
)
CATEGORICAL: tuple[str, ...] = ("sentence_type", "offense_category")
FEATURES: tuple[str, ...] = (*NUMERIC, *BINARY, *CATEGORICAL)
DSA_FEATURES: tuple[str, ...] = (*DSA_NUMERIC, *FACTOR_INDICATORS)
#: Columns recorded once, on the extract date (a level of care, a classification score, a current
#: medical condition): they may postdate a decision, so the decision model leaves them out.
SNAPSHOT_FEATURES: tuple[str, ...] = (
    "mental_health_level",
    "classification_score",
    "serious_medical_condition",
)
#: The decision model's features: everything known on the decision date.
DECISION_FEATURES: tuple[str, ...] = tuple(c for c in FEATURES if c not in SNAPSHOT_FEATURES)

#: Feature columns each screen rule reads (see :func:`screen_inputs`).
_SENTENCE = ["sentence_years", "sentence_life", "sentence_lwop", "sentence_condemned"]
_TYPE = ["sentence_type", "sentence_life", "sentence_lwop", "sentence_condemned"]
_ENH = ["n_enhancements", *(f"n_enh_{k}" for k in ENHANCEMENT_KINDS)]
RULE_FEATURES: dict[str, list[str]] = {
    "min_age": ["age"],
    "min_sentence_years": _SENTENCE,
    "min_time_served_years": ["time_served_years"],
    "age_at_offense_between": ["age_at_offense", "juvenile_at_offense", "youth_at_offense"],
    "no_enhancement": _ENH,
    "not_near_release": ["months_to_release", "no_release_date"],
    "sentence_type_in": _TYPE,
    "sentence_type_not_in": _TYPE,
    "not_sex_registrant": ["sex_registrant", "current_sex_registrable", "prior_sex_registrable"],
}


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _flag(frame: pd.DataFrame, col: str) -> np.ndarray:
    """A boolean column as 0/1 floats with NaN for unknown."""
    if col not in frame:
        return np.full(len(frame), np.nan)
    return frame[col].astype("boolean").astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def _positions(people: pd.DataFrame) -> pd.Series:
    return pd.Series(np.arange(len(people)), index=pd.Index(people["cdcno"].astype("string")))


def _per_person(pos: pd.Series, cdcno: pd.Series, values: np.ndarray, n: int) -> np.ndarray:
    where = cdcno.astype("string").map(pos)
    keep = where.notna().to_numpy()
    return np.bincount(
        where[keep].astype(int).to_numpy(),
        weights=np.asarray(values, dtype="float64")[keep],
        minlength=n,
    )


def enhancement_kind(enhancements: pd.DataFrame) -> pd.Series:
    """The kind of each enhancement row (:data:`ENHANCEMENT_KINDS`), ``other`` when none applies."""
    code = enhancements["code"].astype("string").fillna("").str.upper().to_numpy(dtype=object)
    section = enhancements["section"].astype("string").fillna("").to_numpy(dtype=object)
    sub = enhancements["subdivision"].astype("string").fillna("")
    kind = np.full(len(enhancements), "other", dtype=object)
    for name, items in ENHANCEMENT_KINDS.items():
        for c, s, prefixes in items:
            hit = (code == c) & (section == s)
            if prefixes:
                hit &= sub.str.startswith(prefixes).to_numpy(dtype=bool)
            kind = np.where(hit & (kind == "other"), name, kind)
    return pd.Series(kind, index=enhancements.index, dtype="string")


def _dsa_features(
    tables: dict[str, pd.DataFrame], people: pd.DataFrame, as_of: pd.Timestamp
) -> dict[str, np.ndarray]:
    n = len(people)
    pos = _positions(people)
    out: dict[str, np.ndarray] = {}
    nan = np.full(n, np.nan)
    violations = tables.get("violations")
    if violations is not None:
        years = (as_of - pd.to_datetime(violations["violation_date"])).dt.days / 365.25
        recent = (years <= RECENT_YEARS).fillna(False).to_numpy(dtype=bool)
        serious = (
            (violations["division"].astype("string").str.upper().isin(SERIOUS_DIVISIONS))
            .fillna(False)
            .to_numpy(dtype=bool)
        )
        loss = pd.to_numeric(violations["credit_loss_days"], errors="coerce").fillna(0.0)
        cdc = violations["cdcno"]
        out["violations_5y"] = _per_person(pos, cdc, recent.astype(float), n)
        out["serious_violations_5y"] = _per_person(pos, cdc, (recent & serious).astype(float), n)
        out["violations_total"] = _per_person(pos, cdc, np.ones(len(violations)), n)
        out["credit_loss_days_5y"] = _per_person(pos, cdc, loss.to_numpy() * recent, n)
    else:
        for col in (
            "violations_5y",
            "serious_violations_5y",
            "violations_total",
            "credit_loss_days_5y",
        ):
            out[col] = nan
    credits = tables.get("credits")
    if credits is not None:
        days = pd.to_numeric(credits["credit_days"], errors="coerce").fillna(0.0).clip(lower=0)
        years = (as_of - pd.to_datetime(credits["effective_date"])).dt.days / 365.25
        recent = (years <= RECENT_YEARS).fillna(False).to_numpy(dtype=bool)
        out["credit_days_total"] = _per_person(pos, credits["cdcno"], days.to_numpy(), n)
        out["credit_days_5y"] = _per_person(pos, credits["cdcno"], days.to_numpy() * recent, n)
    else:
        out["credit_days_total"] = out["credit_days_5y"] = nan
    mh = people.get("mental_health_level")
    if mh is not None and mh.notna().any():
        text = mh.astype("string").str.upper().fillna("")
        level = np.zeros(n)
        for word, value in MENTAL_HEALTH_ORDINAL.items():
            level = np.maximum(level, np.where(text.str.contains(word, regex=False), value, 0.0))
        out["mental_health_level"] = level
    else:
        out["mental_health_level"] = nan
    out["classification_score"] = _num(people, "classification_score")
    factors = tables.get("factors")
    for feature, col in FACTOR_INDICATORS.items():
        if factors is None or col not in factors:
            out[feature] = nan
            continue
        where = factors["cdcno"].astype("string").map(pos)
        keep = where.notna().to_numpy()
        vals = pd.to_numeric(factors[col], errors="coerce").to_numpy(dtype="float64")[keep]
        y = np.full(n, np.nan)
        idx = where[keep].astype(int).to_numpy()
        # Several rows for a person: the largest known value (fmax ignores NaN).
        order = np.argsort(np.nan_to_num(vals, nan=-1.0), kind="stable")
        y[idx[order]] = vals[order]
        out[feature] = y
    return out


def _person_numbers(people: pd.DataFrame) -> dict[str, np.ndarray]:
    """Age, age at offense, time served, the capped sentence and the months to release."""
    out = {c: _num(people, c) for c in ("age", "age_at_offense", "time_served_years")}
    out["sentence_years"] = np.minimum(_num(people, "sentence_years"), SENTENCE_CAP_YEARS)
    months = _num(people, "months_to_release")
    out["months_to_release"] = np.where(
        _flag(people, "no_release_date") == 1,
        MONTHS_TO_RELEASE_CAP,
        np.minimum(months, MONTHS_TO_RELEASE_CAP),
    )
    return out


def _offense_numbers(
    tables: dict[str, pd.DataFrame], config: CountyConfig, as_of: pd.Timestamp, pos: pd.Series
) -> dict[str, np.ndarray]:
    """Offense level of the controlling offense, the sums of levels and the offense counts."""
    from helpers.screening import score

    people = tables["people"]
    n = len(people)
    sums = score.offense_sums(tables, config.score, as_of)
    out = {
        "offense_level": score.controlling_levels(people),
        "current_levels_sum": sums["current_sum"].to_numpy(dtype="float64"),
        "prior_levels_decayed": sums["prior_sum"].to_numpy(dtype="float64"),
        "levels_missing": sums["levels_missing"].to_numpy(dtype="float64"),
    }
    offenses = tables.get("offenses", pd.DataFrame())
    if len(offenses):
        is_cur = (offenses["role"] == "current").to_numpy()
        out["n_current_offenses"] = _per_person(pos, offenses["cdcno"], is_cur.astype(float), n)
        out["n_prior_offenses"] = _per_person(pos, offenses["cdcno"], (~is_cur).astype(float), n)
    else:
        out["n_current_offenses"] = out["n_prior_offenses"] = np.zeros(n)
    return out


def _enhancement_counts(
    tables: dict[str, pd.DataFrame], pos: pd.Series, n: int
) -> dict[str, np.ndarray]:
    """Counts of current enhancements, in all and by kind (:data:`ENHANCEMENT_KINDS`)."""
    out: dict[str, np.ndarray] = {}
    enh = tables.get("enhancements")
    if enh is not None and len(enh):
        enh = enh.loc[(enh["role"] == "current").to_numpy()]
        kind = enhancement_kind(enh)
        out["n_enhancements"] = _per_person(pos, enh["cdcno"], np.ones(len(enh)), n)
        for name in ENHANCEMENT_KINDS:
            out[f"n_enh_{name}"] = _per_person(
                pos, enh["cdcno"], (kind == name).to_numpy(dtype=float), n
            )
    else:
        for col in ("n_enhancements", *(f"n_enh_{k}" for k in ENHANCEMENT_KINDS)):
            out[col] = np.zeros(n)
    return out


def _binary_flags(
    tables: dict[str, pd.DataFrame], age_at_offense: np.ndarray
) -> dict[str, np.ndarray]:
    """Youth, sentence and release flags, sex registration and the statutory-list flags."""
    from helpers.screening import rules, screens

    people = tables["people"]
    n = len(people)
    juvenile = _flag(people, "juvenile_at_offense")
    out = {
        "juvenile_at_offense": juvenile,
        "youth_at_offense": np.where(
            np.isnan(age_at_offense), np.where(juvenile == 1, 1.0, np.nan), age_at_offense < 26
        ),
        "no_release_date": _flag(people, "no_release_date"),
    }
    for col in ("sentence_life", "sentence_lwop", "sentence_condemned"):
        out[col] = _flag(people, col)
    data = screens.prepare(tables)
    registrant, _ = rules.sex_registrant(data)
    out["sex_registrant"] = registrant.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    for which in ("current", "prior"):
        frame = getattr(data, which)
        for name in LISTS:
            flag = np.zeros(n)
            hit = data.list_flags(which, name) if len(frame) else np.zeros(0, dtype=bool)
            flag[frame["person"].to_numpy()[hit]] = 1.0
            if which == "prior" and not data.has_priors:
                flag[:] = np.nan
            out[f"{which}_{name}"] = flag
    return out


def build_features(
    tables: dict[str, pd.DataFrame],
    as_of: date | str | pd.Timestamp,
    config: CountyConfig | None = None,
) -> pd.DataFrame:
    """The feature matrix (columns :data:`FEATURES`), one row per person, index ``cdcno``.

    ``config`` supplies the decay ``d`` and enhancement levels of ``prior_levels_decayed`` and
    ``current_levels_sum`` (default: the statewide configuration).
    """
    config = config if config is not None else load_config(None)
    as_of_ts = pd.Timestamp(as_of)
    people = tables["people"].reset_index(drop=True)
    tables = {**tables, "people": people}
    n = len(people)
    pos = _positions(people)
    out = _person_numbers(people)
    out |= _offense_numbers(tables, config, as_of_ts, pos)
    out |= _enhancement_counts(tables, pos, n)
    out |= _dsa_features(tables, people, as_of_ts)
    out |= _binary_flags(tables, out["age_at_offense"])

    result = pd.DataFrame({c: np.asarray(out[c], dtype="float64") for c in (*NUMERIC, *BINARY)})
    for col in CATEGORICAL:
        result[col] = (
            people[col].astype("string").replace("", pd.NA).to_numpy(dtype=object, na_value=None)
            if col in people
            else None
        )
    result.index = pd.Index(people["cdcno"].astype("string"), name="cdcno")
    return result[list(FEATURES)]


def screen_inputs(config: CountyConfig) -> list[str]:
    """Feature columns the county's screen reads (:func:`helpers.model.leakage_set` adds everything
    derivable from them).

    Offense-list rules map to the ``current_<list>``/``prior_<list>`` flags of their lists (and to
    ``offense_category``, ``offense_level`` and the level sums when they name sections, which no flag
    represents exactly); other rules map through :data:`RULE_FEATURES`.
    """
    cols: list[str] = []
    for rule in config.rules:
        if rule.type.endswith("offense_in"):
            which = "prior" if rule.type.startswith("no_prior") else "current"
            for name in [*rule.params.get("lists", []), *rule.params.get("except_lists", [])]:
                cols.append(f"{which}_{name}")
            if rule.params.get("sections") or rule.params.get("except_sections"):
                cols += ["offense_category", "offense_level"]
                cols.append("prior_levels_decayed" if which == "prior" else "current_levels_sum")
        else:
            cols += RULE_FEATURES.get(rule.type, [])
    return [c for c in FEATURES if c in set(cols)]


@dataclass
class ScoreTerms:
    """The parts of R per person, for fitting its weights: Σf(current), prior rows, factor values."""

    cdcno: pd.Index
    current_sum: np.ndarray  # Σ f(current), per person
    prior_person: np.ndarray  # position of the person of each prior row
    prior_level: np.ndarray  # f of each prior row (rows without a level are dropped)
    prior_years: np.ndarray  # years since each prior (t)
    factors: pd.DataFrame  # y_i ∈ [0, 1], columns = factor names


def score_terms(
    tables: dict[str, pd.DataFrame],
    as_of: date | str | pd.Timestamp,
    settings: ScoreSettings | None = None,
) -> ScoreTerms:
    """The inputs of R = a·Σf(current) + b·Σ f(prior)·d^t + Σ x·y, prior by prior (same rules as
    :func:`helpers.screening.score.offense_sums`: levels with enhancements, stayed counts left out, priors dated
    by end, begin or release date, undated priors t = 0)."""
    from helpers.screening import score

    settings = settings if settings is not None else load_config(None).score
    people = tables["people"].reset_index(drop=True)
    tables = {**tables, "people": people}
    pos = _positions(people)
    as_of_ts = pd.Timestamp(as_of)
    sums = score.offense_sums(tables, settings, as_of_ts)
    y, _ = score.factor_values(tables, as_of_ts)
    y.columns = [c.removeprefix("factor_") for c in y.columns]
    rows = score.offense_row_levels(tables, settings)
    offenses = tables.get("offenses", pd.DataFrame())
    person = np.zeros(0, dtype=np.int64)
    level = years = np.zeros(0)
    if len(rows):
        where = rows["cdcno"].map(pos)
        is_pri = (rows["role"] == "prior").to_numpy() & where.notna().to_numpy()
        is_pri &= ~np.isnan(rows["level"].to_numpy(dtype="float64"))
        src = offenses.loc[is_pri]
        when = src["offense_end_date"].fillna(src["offense_begin_date"])
        if "release_date" in src:
            when = when.fillna(src["release_date"])
        t = ((as_of_ts - pd.to_datetime(when)).dt.days / 365.25).to_numpy(
            dtype="float64", na_value=np.nan
        )
        years = np.clip(np.nan_to_num(t, nan=0.0), 0, None)
        person = where[is_pri].astype(int).to_numpy()
        level = rows["level"].to_numpy(dtype="float64")[is_pri]
    return ScoreTerms(
        cdcno=pd.Index(people["cdcno"].astype("string")),
        current_sum=sums["current_sum"].to_numpy(dtype="float64"),
        prior_person=person,
        prior_level=level,
        prior_years=years,
        factors=y.reset_index(drop=True),
    )


#: Dated tables :func:`tables_on_dates` leaves out after a row's day: (table, date column).
EVENT_DATES = (
    ("violations", "violation_date"),
    ("credits", "effective_date"),
    ("offenses", "offense_begin_date"),
)


def _shift_people(people: pd.DataFrame, years: np.ndarray) -> pd.DataFrame:
    """People on an earlier day: age and time served taken back by ``years``, release added back."""
    out = people.copy()
    for col in ("age", "time_served_years", "time_served_years_reported"):
        if col in out:
            v = pd.to_numeric(out[col], errors="coerce").to_numpy(dtype="float64") - years
            out[col] = v if col == "age" else np.maximum(v, 0.0)
    if "months_to_release" in out:
        out["months_to_release"] = pd.to_numeric(out["months_to_release"]).to_numpy() + 12 * years
    return out


def tables_on_dates(
    tables: dict[str, pd.DataFrame],
    cdcno: pd.Series,
    dates: pd.Series,
    as_of: date | str | pd.Timestamp,
) -> dict[str, pd.DataFrame]:
    """The tables as they stood on each row's day, one pseudo-person per (person, day) row.

    Row ``i`` becomes the person ``"i"`` (with offense ids of its own): their rows of every table
    are copied with every date moved
    forward by (as-of date − day), so that a feature computed "as of" the data's date is the one of
    that day; age and time served are taken back, months to release added back; rules violations,
    credits and offenses (in-prison cases) dated after the day are left out, with the enhancements
    of those offenses; undated rows are kept (nothing places them later).  The aggregate sentence and
    the snapshot columns (:data:`SNAPSHOT_FEATURES`) are as recorded.
    """
    as_of_ts = pd.Timestamp(as_of)
    ids = pd.Series(cdcno, dtype="string").reset_index(drop=True)
    days = pd.to_datetime(pd.Series(dates)).reset_index(drop=True)
    shift = (as_of_ts - days).clip(lower=pd.Timedelta(0))
    rows = pd.DataFrame({"cdcno": ids, "_row": np.arange(len(ids)), "_shift": shift})
    dated = dict(EVENT_DATES)
    out: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame) or "cdcno" not in frame:
            out[name] = frame
            continue
        f = frame.assign(cdcno=frame["cdcno"].astype("string")).merge(rows, on="cdcno", how="inner")
        for col in f.columns[[pd.api.types.is_datetime64_any_dtype(t) for t in f.dtypes]]:
            f[col] = f[col] + f["_shift"]
        if name in dated:
            late = (pd.to_datetime(f[dated[name]]) > as_of_ts).fillna(False)
            f = f.loc[~late.to_numpy(dtype=bool)]
        if name == "people":
            f = _shift_people(f, f["_shift"].dt.days.to_numpy() / 365.25)
        f["cdcno"] = f["_row"].astype(str).astype("string")
        if "offense_id" in f:  # each pseudo-person's offenses get ids of their own
            f["offense_id"] = f["offense_id"].astype("int64") * len(ids) + f["_row"]
        out[name] = f.drop(columns=["_row", "_shift"]).reset_index(drop=True)
    if "enhancements" in out and "offenses" in out and "offense_id" in out["enhancements"]:
        kept = out["offenses"][["cdcno", "offense_id"]]
        out["enhancements"] = out["enhancements"].merge(kept, on=["cdcno", "offense_id"])
    return out


def features_on_dates(
    tables: dict[str, pd.DataFrame],
    cdcno: pd.Series,
    dates: pd.Series,
    as_of: date | str | pd.Timestamp,
    config: CountyConfig | None = None,
) -> tuple[pd.DataFrame, ScoreTerms]:
    """Features and score terms of each (person, day) row, from the tables as they stood that day
    (:func:`tables_on_dates`).

    The feature frame has one row per input row (index ``cdcno``, in input order); the terms have
    one "person" per row, in the same order.
    """
    config = config if config is not None else load_config(None)
    ids = pd.Series(cdcno, dtype="string").reset_index(drop=True)
    dated = tables_on_dates(tables, ids, dates, as_of)
    keys = pd.Index(np.arange(len(ids)).astype(str))
    X = build_features(dated, as_of, config)
    X = X.loc[~X.index.duplicated()].reindex(keys)
    terms = score_terms(dated, as_of, config.score)
    where = pd.Index(terms.cdcno).get_indexer(keys)
    missing = where < 0
    if missing.any():
        raise ValueError(f"{int(missing.sum())} rows name people the tables do not have")
    X.index = pd.Index(ids.to_numpy(), name="cdcno")
    return X, _reorder_terms(terms, where)


def _reorder_terms(terms: ScoreTerms, where: np.ndarray) -> ScoreTerms:
    """``terms`` with its people in the order ``where`` (positions into the terms' people)."""
    back = np.empty(len(where), dtype=np.int64)
    back[where] = np.arange(len(where))
    return ScoreTerms(
        cdcno=pd.Index(terms.cdcno[where]),
        current_sum=terms.current_sum[where],
        prior_person=back[terms.prior_person],
        prior_level=terms.prior_level,
        prior_years=terms.prior_years,
        factors=terms.factors.iloc[where].reset_index(drop=True),
    )


def restrict_to_people(tables: dict[str, pd.DataFrame], ids: pd.Index) -> dict[str, pd.DataFrame]:
    """Every table restricted to the people ``ids`` (tables without ``cdcno`` are kept whole).

    Features are per person, so :func:`build_features` of the restricted tables gives the same rows
    as of the whole tables, at a fraction of the cost.
    """
    keep = pd.Index(pd.Series(ids).astype("string"))
    out = {}
    for name, frame in tables.items():
        if isinstance(frame, pd.DataFrame) and "cdcno" in frame:
            out[name] = frame.loc[frame["cdcno"].astype("string").isin(keep).to_numpy(dtype=bool)]
        else:
            out[name] = frame
    return out
