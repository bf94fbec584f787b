"""Eligibility screens: the county's rules, evaluated for everybody at once.

Each rule (one of the types registered in :data:`helpers.screening.rules.RULE_TYPES`, named with
``type:`` in ``configs``; see the criteria page of the book) gives one three-valued column over all
people (``True`` passes, ``False`` fails, ``<NA>`` the data cannot decide) plus, per person, the
reason in plain words.  A person is ``eligible`` when every rule passes, ``not eligible`` when any
rule fails, and ``unknown`` otherwise.

Current offenses are the rows of the current-commitments table plus the controlling offense of the
demographics table (so a person is screened on the controlling offense even without count rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from helpers.data.codes import OFFENSE_COLUMNS, offense_label
from helpers.data.demographics import LIFE_SENTENCE_TYPES
from helpers.screening.config import CountyConfig
from helpers.screening.records import (
    ScreenData,
    controlling_codes,
    effective_sentence_type,
    parsed_codes,
)
from helpers.screening.rules import RULE_TYPES, RuleInput
from helpers.screening.score import person_positions

#: Separator between rules in ``failed_rules``, ``unknown_rules``, ``passed_rules`` and
#: ``undecided_rules`` (the reasons of one rule are '; '-joined).
RULE_SEPARATOR = " | "


def _on_distinct_labels(frame: pd.DataFrame) -> pd.Series:
    """Readable offense labels (``PC 211 (2nd)``), built once per distinct code."""
    if frame.empty:
        return pd.Series(dtype="string", index=frame.index)
    distinct = frame.drop_duplicates("combo")
    labels = offense_label(
        distinct[OFFENSE_COLUMNS].replace({"": pd.NA}).fillna({"subdivision": ""})
    )
    lookup = pd.Series(labels.to_numpy(), index=distinct["combo"].to_numpy())
    return pd.Series(
        lookup.reindex(frame["combo"].to_numpy()).to_numpy(), index=frame.index, dtype="string"
    )


def _add_ids(frames: list[pd.DataFrame]) -> None:
    """Give every frame shared integer ids of its parsed code (``combo``) and of its code and
    description (``unit``), for per-distinct-code evaluation."""
    allc = pd.concat([f[[*OFFENSE_COLUMNS, "description"]] for f in frames], ignore_index=True)
    combo = allc.groupby(OFFENSE_COLUMNS, sort=False, dropna=False).ngroup().to_numpy()
    unit = allc.groupby([*OFFENSE_COLUMNS, "description"], sort=False, dropna=False).ngroup()
    start = 0
    for f in frames:
        f["combo"] = combo[start : start + len(f)]
        f["unit"] = unit.to_numpy()[start : start + len(f)]
        start += len(f)


def _flag(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[col].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series("", index=range(len(frame)), dtype="string")
    return frame[col].astype("string").fillna("").str.strip().reset_index(drop=True)


def _case_words(case: pd.Series) -> pd.Series:
    """`` in case BA123456`` ('' without a case number)."""
    return case.where(case == "", " in case " + case)


def _offense_date(frame: pd.DataFrame) -> np.ndarray:
    """The offense date of each row: end, else begin, else release (NaT without any)."""
    day = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for col in ("offense_end_date", "offense_begin_date", "release_date"):
        if col in frame:
            day = day.fillna(pd.to_datetime(frame[col]))
    return day.to_numpy(dtype="datetime64[ns]")


def _count_frame(offenses: pd.DataFrame, who: np.ndarray, striker: np.ndarray) -> pd.DataFrame:
    """Count rows as screen rows: a life term is the count's **own** (``offense time with
    enhancement``); a count without its own term in a case with a life term is only possibly one.
    A Three Strikes life term punishes the record, not the offense, and is not counted."""
    out = parsed_codes(offenses, who)
    own = _flag(offenses, "offense_time_life")
    if "offense_time_raw" in offenses:
        blank = _text(offenses, "offense_time_raw").eq("").to_numpy()
    else:
        blank = np.zeros(len(offenses), dtype=bool)
    case_life = _flag(offenses, "sentence_abstract_life")
    not_strike = ~striker[who] if len(who) else np.zeros(0, dtype=bool)
    out["life"] = own & not_strike
    out["life_possible"] = blank & case_life & not_strike
    out["description"] = _text(offenses, "description")
    out["case"] = _case_words(_text(offenses, "case_number"))
    out["date"] = _offense_date(offenses)
    return out


def _controlling_frame(
    people: pd.DataFrame, stype: np.ndarray, counted: np.ndarray
) -> pd.DataFrame:
    """The controlling offense as a current offense; its life term is the sentence's only for
    people without count rows (with count rows, each count carries its own term)."""
    controlling = controlling_codes(people)
    has = controlling["offense_key"].notna().to_numpy()
    out = parsed_codes(controlling.loc[has], np.flatnonzero(has))
    out["life"] = (np.isin(stype, LIFE_SENTENCE_TYPES) & ~counted)[has]
    out["life_possible"] = False
    out["description"] = _text(people, "description")[has].reset_index(drop=True)
    out["case"] = _case_words(_text(people, "controlling_case_number"))[has].reset_index(drop=True)
    out["date"] = _offense_date(people)[has]
    return out


def _enhancement_frame(people: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Enhancements with their role (the count and case they belong to: :func:`_attach`)."""
    enh = tables.get("enhancements", pd.DataFrame())
    if enh.empty:
        enh = pd.DataFrame(columns=["cdcno", "role", *OFFENSE_COLUMNS])
    ewho = person_positions(people, enh)
    enh = enh.loc[ewho >= 0]
    out = parsed_codes(enh, ewho[ewho >= 0])
    out["role"] = enh["role"].astype("string").to_numpy()
    out["life"] = False
    out["life_possible"] = False
    out["description"] = _text(enh, "description")
    return out


def _attach(enhancements: pd.DataFrame, counts: list[pd.DataFrame]) -> None:
    """Give each enhancement the label (`` on count PC 245(a)(1)``), case and date of its count."""
    parts = [c[["offense_id", "label", "case", "date"]] for c in counts if len(c)]
    if not parts or enhancements.empty:
        enhancements["on"] = ""
        enhancements["case"] = ""
        enhancements["date"] = np.full(len(enhancements), np.datetime64("NaT"), "datetime64[ns]")
        return
    rows = pd.concat(parts)
    rows = rows[rows["offense_id"] >= 0].drop_duplicates("offense_id").set_index("offense_id")
    ids = enhancements["offense_id"]
    on = ids.map(rows["label"]).astype("string")
    enhancements["on"] = on.where(on.isna(), " on count " + on).fillna("").to_numpy()
    enhancements["case"] = ids.map(rows["case"]).astype("string").fillna("").to_numpy()
    enhancements["date"] = pd.to_datetime(ids.map(rows["date"])).to_numpy(dtype="datetime64[ns]")


def prepare(
    tables: dict[str, pd.DataFrame], as_of: date | str | pd.Timestamp | None = None
) -> ScreenData:
    """Index offenses and enhancements by person position; add the controlling offense as current.

    ``as_of`` (the data's as-of date) dates the rules that time alone will pass (``eligible_on``)."""
    people = tables["people"].reset_index(drop=True)
    offenses = tables.get("offenses", pd.DataFrame())
    if offenses.empty:
        offenses = pd.DataFrame(columns=["cdcno", "role", "stayed", *OFFENSE_COLUMNS])
    who = person_positions(people, offenses)
    offenses = offenses.loc[who >= 0]
    who = who[who >= 0]
    is_cur = (offenses["role"] == "current").to_numpy()
    stype = effective_sentence_type(people).fillna("").to_numpy(dtype=object)
    striker = np.isin(stype, ["Third Striker", "Second Striker"])
    counted = np.zeros(len(people), dtype=bool)
    counted[who[is_cur]] = True
    current = pd.concat(
        [
            _count_frame(offenses.loc[is_cur], who[is_cur], striker),
            _controlling_frame(people, stype, counted),
        ],
        ignore_index=True,
    )
    prior = _count_frame(offenses.loc[~is_cur], who[~is_cur], np.ones(len(people), dtype=bool))
    enhancements = _enhancement_frame(people, tables)
    _add_ids([current, prior, enhancements])
    for frame in (current, prior, enhancements):
        frame["label"] = _on_distinct_labels(frame)
    _attach(enhancements, [current, prior])
    day = None if as_of is None else pd.Timestamp(as_of)
    return ScreenData(people, current, prior, enhancements, has_priors=bool(len(prior)), as_of=day)


def _join(acc: np.ndarray, text: pd.Series, prefix: str = "") -> np.ndarray:
    """Append non-empty ``text`` (after ``prefix``) to ``acc`` (object array) with
    :data:`RULE_SEPARATOR` (only touched rows change)."""
    t = text.to_numpy(dtype=object, na_value="")
    idx = np.flatnonzero(t != "")
    if len(idx):
        old, add = acc[idx], prefix + t[idx]
        acc[idx] = np.where(old == "", add, old + RULE_SEPARATOR + add)
    return acc


@dataclass
class _Run:
    """The rules' outcomes: per rule its column, and per person the reasons, the outcome of each
    rule (0 passed, 1 failed, 2 undecided), the latest date a timed rule will pass and whether a
    rule time cannot settle stands in the way."""

    columns: dict[str, np.ndarray]
    failed: np.ndarray
    unknown: np.ndarray
    status: np.ndarray
    when: np.ndarray
    other_open: np.ndarray


def _run_rules(data: ScreenData, config: CountyConfig) -> _Run:
    """Every rule of ``config`` over everybody, in the configuration's order."""
    n = data.n
    run = _Run(
        {},
        np.full(n, "", dtype=object),
        np.full(n, "", dtype=object),
        np.zeros((n, len(config.rules)), dtype=np.int8),
        np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
        np.zeros(n, dtype=bool),
    )
    for j, rule in enumerate(config.rules):
        spec = RULE_TYPES[rule.type]
        res = spec.test(RuleInput(data, rule.params, config.estimate_margin_years))
        passed = res.passed.reset_index(drop=True)
        run.columns[rule.id] = passed.to_numpy()
        is_na = passed.isna().to_numpy()
        is_false = ~passed.fillna(True).to_numpy(dtype=bool)
        prefix = f"{rule.id}: "
        run.failed = _join(run.failed, res.failed_text.reset_index(drop=True), prefix)
        run.unknown = _join(run.unknown, res.unknown_text.reset_index(drop=True), prefix)
        run.status[:, j] = np.where(is_na, 2, np.where(is_false, 1, 0))
        open_ = is_na | is_false
        dated = np.zeros(n, dtype=bool)
        if spec.timed and res.pass_date is not None:
            dated = open_ & ~np.isnat(res.pass_date)
            later = dated & ((run.when < res.pass_date) | np.isnat(run.when))
            run.when = np.where(later, res.pass_date, run.when)
        run.other_open |= open_ & ~dated
    return run


def _rule_ids(status: np.ndarray, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The ids of the rules each person passes and of those undecided, built once per distinct
    pattern of rule outcomes (a few dozen patterns over the whole state)."""
    if status.shape[1] == 0:
        empty = np.full(len(status), "", dtype=object)
        return empty, empty.copy()
    pattern, first = np.unique(status, axis=0, return_inverse=True)
    first = first.reshape(-1)
    passed = np.array(
        [
            RULE_SEPARATOR.join(i for i, v in zip(ids, row, strict=True) if v == 0)
            for row in pattern
        ],
        dtype=object,
    )
    undecided = np.array(
        [
            RULE_SEPARATOR.join(i for i, v in zip(ids, row, strict=True) if v == 2)
            for row in pattern
        ],
        dtype=object,
    )
    return passed[first], undecided[first]


def screen(
    tables: dict[str, pd.DataFrame],
    config: CountyConfig,
    *,
    data: ScreenData | None = None,
    as_of: date | str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Apply the county's rules to every person; one row per person in ``people`` order.

    Columns: ``cdcno, county, eligible`` (True/False/NA), ``eligibility`` ('eligible' | 'not
    eligible' | 'unknown'), ``failed_rules`` and ``unknown_rules`` (``rule: reason`` for every
    failing or undecided rule, in the configuration's order, joined by ``" | "``; the reasons of an
    offense rule name every matching count, '; '-joined), ``passed_rules`` and ``undecided_rules``
    (rule ids), ``near_miss`` (``rule: reason`` of the single rule failed, when exactly one fails),
    ``eligible_on`` (the date the person will pass, when only rules that time alone satisfies stand
    in the way), ``age_estimated``, ``age_at_offense_estimated``, ``sex_registrant_derived`` (True
    where no DSA flag says whether the person is a registrant: registrant rules then read the
    record) and one ``rule_<id>`` column (True/False/NA) per rule.  Ages and time served are those
    of the ingest's as-of date.  ``data`` (from :func:`prepare`) may be passed to share it.
    """
    data = data if data is not None else prepare(tables, as_of)
    people = data.people
    run = _run_rules(data, config)
    status = run.status
    any_false = (status == 1).any(axis=1)
    any_na = (status == 2).any(axis=1)
    passed, undecided = _rule_ids(status, [r.id for r in config.rules])
    eligible = pd.array(~any_false, dtype="boolean")
    eligible[any_na & ~any_false] = pd.NA
    single = (status == 1).sum(axis=1) == 1
    waiting = (any_false | any_na) & ~run.other_open
    out = pd.DataFrame(
        {
            "cdcno": people["cdcno"].astype("string"),
            "county": people["county"].astype("string"),
            "eligible": eligible,
            "eligibility": pd.Series(
                np.select([any_false, any_na], ["not eligible", "unknown"], "eligible"),
                dtype="string",
            ),
            "failed_rules": pd.array(run.failed, dtype="string"),
            "unknown_rules": pd.array(run.unknown, dtype="string"),
            "passed_rules": pd.array(passed, dtype="string"),
            "undecided_rules": pd.array(undecided, dtype="string"),
            "near_miss": pd.array(np.where(single, run.failed, ""), dtype="string"),
            "eligible_on": pd.Series(np.where(waiting, run.when, np.datetime64("NaT"))),
        }
    )
    for rule_id, column in run.columns.items():
        out[f"rule_{rule_id}"] = column
    out["age_estimated"] = (people["age_source"] == "estimated").fillna(False).to_numpy(dtype=bool)
    out["age_at_offense_estimated"] = (
        (people["age_at_offense_source"] == "estimated").fillna(False).to_numpy(dtype=bool)
    )
    flag = (
        people["sex_registrant"]
        if "sex_registrant" in people
        else pd.Series(pd.NA, index=people.index)
    )
    out["sex_registrant_derived"] = flag.isna().to_numpy(dtype=bool)
    return out
