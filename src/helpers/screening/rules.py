"""The eligibility rule types: one registry, :data:`RULE_TYPES`, that the configuration, the screens
and the criteria page all read.

A rule type is registered once, with

* its **settings** (:class:`RuleParam`: kind, bounds, required or optional, what it means),
* its **test**, vectorised over all people: a three-valued column (``True`` passes, ``False`` fails,
  ``<NA>`` the data cannot decide) plus, per person, the reason in plain words and, for rules that
  time alone will satisfy, the date the person will pass,
* its **reason**: the template of the words a failure writes into ``failed_rules`` (``{years}`` is
  a setting, the other ``{names}`` are the person's values),
* its **doc**: one line on when the rule passes.

A county file names a type with ``type:`` (``configs/counties``, ``configs/presets``);
:func:`helpers.screening.config.validate` checks the settings against the registry and
:func:`helpers.screening.screens.screen` runs the tests.  Adding a rule type is adding one entry
here: the configuration accepts it and the criteria page lists it (:func:`rule_reference_markdown`).

Choices

* List matching (attempts, degrees, the PC 459 exception, conditional items) is
  :func:`helpers.screening.offenses.list_matches`; sections are
  :func:`helpers.screening.offenses.in_sections`; :mod:`helpers.screening.records` applies them to
  a person's counts.  An offense rule lists **every** matching count and enhancement, each with its
  case and the statute that makes it match.  A conditional match (the statute needs a fact the
  record lacks and the CDCR description does not state) makes the rule undecided, with that fact.
* Ages: a birth date (DSA) or an age CDCR reports decides; an *estimated* age decides only when it is at
  least ``estimate_margin_years`` from the threshold, otherwise the rule is unknown, with the estimate.
* Sex registrant: the DSA flag when present, otherwise derived from the record: a definitely
  sex-registrable current or prior offense fails the rule, a possibly registrable one leaves it
  undecided.  ``sex_registrant_derived`` (candidate list) marks everybody without a DSA flag.
* Prior-offense rules are unknown for everybody when the data has no prior commitments at all.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.data.codes import offense_label
from helpers.data.reference import LIST_NAMES
from helpers.data.schema import SENTENCE_TYPES
from helpers.screening.offenses import in_sections, list_matches
from helpers.screening.records import (
    LIST_WORDS,
    ScreenData,
    controlling_codes,
    effective_sentence_type,
    join_per_person,
    offense_hits,
    on_distinct,
    parsed_codes,
    sex_registrant,
)

__all__ = [
    "DECIDING_SOURCES",
    "ESTIMATED_SOURCES",
    "LIST_WORDS",
    "MAYBE_REASON",
    "PARAM_KINDS",
    "RULE_REFERENCE_FILE",
    "RULE_TYPES",
    "RuleInput",
    "RuleParam",
    "RuleResult",
    "RuleType",
    "ScreenData",
    "controlling_codes",
    "effective_sentence_type",
    "on_distinct",
    "parsed_codes",
    "reason_text",
    "rule_reference_markdown",
    "sex_registrant",
    "write_rule_reference",
]

ESTIMATED_SOURCES = ("estimated",)
DECIDING_SOURCES = ("birth_date", "reported")
DAYS_PER_YEAR = 365.25
#: The words of an undecided offense rule: the count, and the list with the fact that is missing.
MAYBE_REASON = "{which} offense {offense} may be {lists}"
#: Kinds of rule settings and how they are written in a file.
PARAM_KINDS: dict[str, str] = {
    "number": "a number",
    "lists": f"a list of statutory lists ({', '.join(LIST_NAMES)})",
    "sections": "a list of offense keys (PC211, PC245(a), PC459 2nd, PC12022*)",
    "types": f"a list of sentence types ({', '.join(SENTENCE_TYPES)})",
}


# --------------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    """What a rule's test reads: the screen data, the rule's settings and the estimate margin
    (``screens.estimate_margin_years``)."""

    data: ScreenData
    params: dict[str, Any]
    margin: float


@dataclass
class RuleResult:
    """One rule over all people: pass (True/False/NA), reasons for failures and for unknowns, and
    (rules that time alone will satisfy) the date each person will pass (NaT where none)."""

    passed: pd.Series  # boolean with NA
    failed_text: pd.Series  # string, "" where not failed
    unknown_text: pd.Series  # string, "" where decided
    pass_date: np.ndarray | None = None  # datetime64[ns], NaT where passed or not by time


@dataclass(frozen=True)
class RuleParam:
    """Schema of one rule setting: its kind (:data:`PARAM_KINDS`), bounds and meaning."""

    kind: str
    doc: str
    required: bool = False
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class RuleType:
    """A rule type: its settings, vectorised test, failure reason (template) and one-line doc.

    ``one_of`` names settings of which at least one must be given; ``check`` tests the settings
    together and returns what was expected when they do not fit ("" when they do); ``timed`` says
    that time alone can make the rule pass (its test gives ``pass_date``)."""

    params: dict[str, RuleParam]
    test: Callable[[RuleInput], RuleResult]
    reason: str
    doc: str
    one_of: tuple[str, ...] = ()
    check: Callable[[dict[str, Any]], str] | None = None
    timed: bool = False


def reason_text(template: str, **values: object) -> pd.Series | np.ndarray | str:
    """``template`` with its ``{names}`` filled: numbers as written (``20``, ``2.5``), texts as they
    are, and per-person Series or arrays element by element (the result is then one too)."""
    out: pd.Series | np.ndarray | str = ""
    for literal, name, _, _ in string.Formatter().parse(template):
        out = out + literal
        if name is None:
            continue
        value = values[name]
        if isinstance(value, float | int) and not isinstance(value, bool):
            value = format(value, "g")
        out = out + value
    return out


def _texts(n: int, where: np.ndarray, values: pd.Series | str) -> pd.Series:
    out = np.full(n, "", dtype=object)
    if isinstance(values, str):
        out[where] = values
    else:
        out[where] = np.asarray(values, dtype=object)[where]
    return pd.Series(out, dtype="string")


def _fmt(values: pd.Series | np.ndarray, spec: str) -> pd.Series:
    """Format numbers, once per distinct rounded value ('life' for +inf, '' for NA)."""
    v = np.asarray(values, dtype="float64")
    digits = int(spec.strip(".f") or 0)
    v = np.round(v, digits)
    uniq, inverse = np.unique(v, return_inverse=True)
    text = np.array(
        [format(u, spec) if np.isfinite(u) else ("life" if u > 0 else "") for u in uniq],
        dtype=object,
    )
    return pd.Series(text[inverse.reshape(-1)], dtype="string")


def _result(
    passed: np.ndarray,
    known: np.ndarray,
    fail: pd.Series | str,
    unknown: pd.Series | str,
    pass_date: np.ndarray | None = None,
) -> RuleResult:
    n = len(passed)
    p = pd.array(np.where(known, passed, False), dtype="boolean")
    p[~known] = pd.NA
    failed = known & ~passed
    if pass_date is not None:
        pass_date = np.where(known & passed, np.datetime64("NaT"), pass_date)
    return RuleResult(pd.Series(p), _texts(n, failed, fail), _texts(n, ~known, unknown), pass_date)


def _estimated(source: pd.Series) -> pd.Series:
    """`` (estimated)`` where the value is an estimate, else ''."""
    return pd.Series(np.where((source == "estimated").fillna(False).to_numpy(), " (estimated)", ""))


def _threshold_with_estimates(
    value: pd.Series,
    source: pd.Series,
    ok: Callable[[np.ndarray], np.ndarray],
    margin_ok: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Decide ``ok(value)``; estimated values decide only where ``margin_ok`` (far from the edge)."""
    v = value.to_numpy(dtype="float64", na_value=np.nan)
    src = source.astype("string").fillna("unknown").to_numpy(dtype=object)
    present = ~np.isnan(v)
    deciding = present & np.isin(src, DECIDING_SOURCES)
    estimated = present & np.isin(src, ESTIMATED_SOURCES)
    known = deciding | (estimated & margin_ok)
    # Any other source with a value (a future one) decides like a reported value.
    other = present & ~np.isin(src, (*DECIDING_SOURCES, *ESTIMATED_SOURCES))
    known |= other
    passed = np.where(present, ok(np.nan_to_num(v, nan=-1.0)), False)
    return passed, known


def _in_years(start: np.ndarray | pd.Series, years: np.ndarray | float) -> np.ndarray:
    """``start`` plus ``years`` (of 365.25 days), rounded up to the day; NaT where either is NA."""
    start = pd.to_datetime(pd.Series(start)).to_numpy(dtype="datetime64[ns]")
    days = np.ceil(np.asarray(years, dtype="float64") * DAYS_PER_YEAR)
    ok = ~np.isnat(start) & np.isfinite(days)
    out = np.full(len(start), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[ok] = start[ok] + days[ok].astype("int64").astype("timedelta64[D]")
    return out


def _as_of_dates(data: ScreenData) -> np.ndarray:
    """The as-of date for every person (NaT when the screen was given none)."""
    day = np.datetime64("NaT") if data.as_of is None else np.datetime64(data.as_of, "ns")
    return np.full(data.n, day, dtype="datetime64[ns]")


# --------------------------------------------------------------------------------------------------
# Tests: ages, sentence, time served, release
# --------------------------------------------------------------------------------------------------


def _has(people: pd.DataFrame, col: str) -> np.ndarray:
    """Where a column of ``people`` has a value (False everywhere when it is absent)."""
    if col not in people:
        return np.zeros(len(people), dtype=bool)
    return people[col].notna().to_numpy()


def _age_unknown_words(people: pd.DataFrame) -> pd.Series:
    """Why an age is unknown: what the record lacks, starting with the birth date."""
    no_birth = np.where(_has(people, "birth_date"), "", "the public data has no birth date")
    no_reported = "no age reported"
    dates = _has(people, "offense_begin_date") | _has(people, "offense_end_date")
    estimate = np.where(dates, "no estimated age at the offense", "no offense date")
    parts = pd.DataFrame({"a": no_birth, "b": no_reported, "c": estimate})
    return "age unknown: " + parts.apply(lambda r: ", ".join(x for x in r if x), axis=1)


def _min_age(rule: RuleInput) -> RuleResult:
    years = float(rule.params["years"])
    people = rule.data.people
    age = people["age"].astype("float64")
    v = age.to_numpy(na_value=np.nan)
    far = np.abs(np.nan_to_num(v, nan=years) - years) >= rule.margin
    passed, known = _threshold_with_estimates(age, people["age_source"], lambda x: x >= years, far)
    fail = reason_text(
        RULE_TYPES["min_age"].reason,
        age=_fmt(v, ".0f"),
        estimated=_estimated(people["age_source"]),
        years=years,
    )
    missing = np.isnan(v)
    unknown = pd.Series(
        np.where(
            missing,
            _age_unknown_words(people) if missing.any() else "",
            "age unknown: the public data has no birth date; estimated " + _fmt(v, ".0f"),
        )
    )
    # The date the rule will pass: from the birth date, else from the age at the as-of date
    # (an estimate must clear the threshold by the margin).
    estimated = (people["age_source"] == "estimated").fillna(False).to_numpy(dtype=bool)
    needed = years - v + np.where(estimated, rule.margin, 0.0)
    when = _in_years(_as_of_dates(rule.data), needed)
    if "birth_date" in people:
        by_birth = _in_years(people["birth_date"], np.full(rule.data.n, years))
        when = np.where(np.isnat(by_birth), when, by_birth)
    return _result(passed, known, fail, unknown, when)


def _min_sentence_years(rule: RuleInput) -> RuleResult:
    years = float(rule.params["years"])
    people = rule.data.people
    v = people["sentence_years"].astype("float64").to_numpy(na_value=np.nan)
    life = (
        people["sentence_life"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "sentence_life" in people
        else np.zeros(rule.data.n, dtype=bool)
    )
    known = ~np.isnan(v) | life
    fail = reason_text(
        RULE_TYPES["min_sentence_years"].reason, sentence=_fmt(v, ".1f"), years=years
    )
    passed = life | (np.nan_to_num(v, nan=-1) >= years)
    return _result(passed, known, fail, "sentence length unknown")


def _min_time_served_years(rule: RuleInput) -> RuleResult:
    years = float(rule.params["years"])
    people = rule.data.people
    v = people["time_served_years"].astype("float64").to_numpy(na_value=np.nan)
    known = ~np.isnan(v)
    fail = reason_text(
        RULE_TYPES["min_time_served_years"].reason, served=_fmt(v, ".1f"), years=years
    )
    unknown = "time served unknown: no offense date"
    if "offense_end_date" in people or "offense_begin_date" in people:
        start = people.get("offense_end_date", pd.Series(pd.NaT, index=people.index))
        start = pd.to_datetime(start).fillna(
            pd.to_datetime(people.get("offense_begin_date", pd.Series(pd.NaT, index=people.index)))
        )
        when = _in_years(start, np.full(rule.data.n, years))
    else:
        when = _in_years(_as_of_dates(rule.data), years - v)
    return _result(np.nan_to_num(v, nan=-1) >= years, known, fail, unknown, when)


def _age_at_offense_between(rule: RuleInput) -> RuleResult:
    lo, hi = float(rule.params["min"]), float(rule.params["max"]) + 1
    people = rule.data.people
    age = people["age_at_offense"].astype("float64")
    v = age.to_numpy(na_value=np.nan)
    filled = np.nan_to_num(v, nan=lo)
    far = np.minimum(np.abs(filled - lo), np.abs(filled - hi)) >= rule.margin
    passed, known = _threshold_with_estimates(
        age, people["age_at_offense_source"], lambda x: (x >= lo) & (x < hi), far
    )
    fail = reason_text(
        RULE_TYPES["age_at_offense_between"].reason,
        age=_fmt(v, ".1f"),
        estimated=_estimated(people["age_at_offense_source"]),
        ages=f"{lo:g} to {hi - 1:g}" if hi - 1 > lo else f"{lo:g}",
    )
    unknown = pd.Series(
        np.where(
            np.isnan(v),
            "age at offense unknown: no birth date or estimate",
            "age at offense unknown: the public data has no birth date; estimated "
            + _fmt(v, ".1f"),
        )
    )
    return _result(passed, known, fail, unknown)


def _not_near_release(rule: RuleInput) -> RuleResult:
    months = float(rule.params["months"])
    people = rule.data.people
    v = people["months_to_release"].astype("float64").to_numpy(na_value=np.nan)
    none = people["no_release_date"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    known = none | ~np.isnan(v)
    passed = none | (np.nan_to_num(v, nan=-1) > months)
    fail = reason_text(RULE_TYPES["not_near_release"].reason, left=_fmt(v, ".0f"), months=months)
    return _result(passed, known, fail, "release date unknown")


# --------------------------------------------------------------------------------------------------
# Tests: offenses and enhancements
# --------------------------------------------------------------------------------------------------


def _prior_known(data: ScreenData, which: str) -> tuple[np.ndarray, str]:
    """Prior-offense rules cannot decide when the data has no prior commitments at all."""
    if which == "prior" and not data.has_priors:
        return np.zeros(
            data.n, dtype=bool
        ), "prior record unknown: the data has no prior commitments"
    return np.ones(data.n, dtype=bool), ""


def _within_years(hits: pd.DataFrame, data: ScreenData, years: float | None) -> pd.DataFrame:
    """Hits of a prior rule limited to the last ``years`` before the as-of date; a hit without a
    date becomes possible (its date decides)."""
    if years is None:
        return hits
    dates = pd.to_datetime(hits["date"]).to_numpy(dtype="datetime64[ns]")
    until = _in_years(dates, np.full(len(hits), years))
    as_of = np.datetime64("NaT") if data.as_of is None else np.datetime64(data.as_of, "ns")
    recent = ~np.isnat(until) & (until > as_of)
    undated = np.isnat(dates) & hits["definite"].to_numpy(dtype=bool)
    hits = hits.assign(until=until)
    hits.loc[undated, "definite"] = False
    hits.loc[undated, "words"] = (
        hits.loc[undated, "words"]
        + " within "
        + format(years, "g")
        + (" years: the offense has no date")
    )
    return hits[recent | np.isnat(dates)].reset_index(drop=True)


def _no_offense_in(rule: RuleInput, which: str, name: str) -> RuleResult:
    """No ``which`` (current/prior) count or enhancement matches: every definite match is a reason
    to fail; with only possible matches the rule is undecided, with the fact that is missing."""
    data = rule.data
    hits = _within_years(
        offense_hits(data, which, rule.params), data, rule.params.get("within_years")
    )
    definite = hits["definite"].to_numpy(dtype=bool)
    offense = hits["offense"].to_numpy(dtype=object)
    words = hits["words"].to_numpy(dtype=object)
    fail_text = reason_text(
        RULE_TYPES[name].reason, offense=offense[definite], lists=words[definite]
    )
    maybe_text = reason_text(
        MAYBE_REASON, which=which, offense=offense[~definite], lists=words[~definite]
    )
    who = hits["who"].to_numpy(dtype=np.int64)
    fails, failed = join_per_person(data.n, who[definite], fail_text)
    maybe, unknown = join_per_person(data.n, who[~definite], maybe_text)
    known, no_record = _prior_known(data, which)
    known = known & (fails | ~maybe)
    unknown = unknown.where(unknown != "", no_record) if no_record else unknown
    pass_date = None
    if "until" in hits:
        latest = pd.Series(hits["until"].to_numpy()[definite]).groupby(who[definite]).max()
        pass_date = np.full(data.n, np.datetime64("NaT"), dtype="datetime64[ns]")
        pass_date[latest.index.to_numpy()] = latest.to_numpy(dtype="datetime64[ns]")
        pass_date[maybe & ~fails] = np.datetime64("NaT")
    return _result(~fails, known, failed, unknown, pass_date)


def _any_offense_in(rule: RuleInput, which: str, name: str) -> RuleResult:
    """At least one ``which`` count or enhancement matches (a possible match leaves it undecided)."""
    data = rule.data
    hits = offense_hits(data, which, rule.params)
    definite = hits["definite"].to_numpy(dtype=bool)
    who = hits["who"].to_numpy(dtype=np.int64)
    has = np.zeros(data.n, dtype=bool)
    has[who[definite]] = True
    maybe_text = reason_text(
        MAYBE_REASON,
        which=which,
        offense=hits["offense"].to_numpy(dtype=object)[~definite],
        lists=hits["words"].to_numpy(dtype=object)[~definite],
    )
    maybe, unknown = join_per_person(data.n, who[~definite], maybe_text)
    known, no_record = _prior_known(data, which)
    known = known & (has | ~maybe)
    unknown = unknown.where(unknown != "", no_record) if no_record else unknown
    fail = reason_text(RULE_TYPES[name].reason, targets=_targets(rule.params))
    return _result(has, known, fail, unknown)


def _targets(params: dict[str, Any]) -> str:
    """The lists and sections a rule names, in words (``serious or PC211``)."""
    parts = [LIST_WORDS[x] for x in params.get("lists", [])]
    parts += params.get("sections", [])
    return " or ".join(parts)


def _controlling_offense_in(rule: RuleInput) -> RuleResult:
    params = rule.params
    people = rule.data.people
    ctrl = controlling_codes(people)
    known = ctrl["offense_key"].notna().to_numpy()
    parsed = parsed_codes(ctrl, np.arange(len(ctrl)))
    description = people.get("description")
    hit = np.zeros(len(ctrl), dtype=bool)
    maybe = np.zeros(len(ctrl), dtype=bool)
    needs = pd.Series("", index=range(len(ctrl)), dtype="string")
    for name in params.get("lists", []):
        lm = list_matches(parsed, name, descriptions=description).reset_index(drop=True)
        hit |= lm["matched"].to_numpy(dtype=bool)
        possible = lm["possible"].to_numpy(dtype=bool) & ~maybe
        needs[possible] = (
            LIST_WORDS[name]
            + " ("
            + lm["citation"].fillna("")
            + "): the record does not show "
            + lm["needs"].fillna("")
        )[possible]
        maybe |= possible
    if params.get("sections"):
        hit |= np.asarray(in_sections(parsed, params["sections"]).fillna(False), dtype=bool)
    label = offense_label(ctrl.fillna({"subdivision": ""})).astype("string").fillna("")
    fail = reason_text(
        RULE_TYPES["controlling_offense_in"].reason, offense=label, targets=_targets(params)
    )
    unknown = pd.Series(
        np.where(
            known,
            "controlling offense " + label + " may be " + needs,
            "controlling offense unknown",
        )
    )
    return _result(hit, known & (hit | ~maybe), fail, unknown)


def _no_enhancement(rule: RuleInput) -> RuleResult:
    data = rule.data
    frame = data.enhancements
    hit = data.section_flags("enhancements", rule.params["sections"])
    hit &= (frame["role"] == "current").to_numpy(dtype=bool)
    text = reason_text(
        RULE_TYPES["no_enhancement"].reason,
        enhancement=(frame["label"] + frame["on"] + frame["case"]).astype("string"),
    )
    has, joined = join_per_person(data.n, frame["person"].to_numpy()[hit], text[hit])
    return _result(~has, np.ones(data.n, dtype=bool), joined, "")


# --------------------------------------------------------------------------------------------------
# Tests: sentence type and registration
# --------------------------------------------------------------------------------------------------


def _type_rule(rule: RuleInput, inside: bool, name: str) -> RuleResult:
    types = list(rule.params["types"])
    stype = effective_sentence_type(rule.data.people)
    known = stype.notna().to_numpy()
    member = stype.isin(types).fillna(False).to_numpy(dtype=bool)
    fail = reason_text(RULE_TYPES[name].reason, type=stype.fillna(""), types=", ".join(types))
    return _result(member if inside else ~member, known, fail, "sentence type unknown")


def _not_sex_registrant(rule: RuleInput) -> RuleResult:
    """The DSA flag decides; without it a definitely registrable offense fails the rule and a
    possibly registrable one leaves it undecided."""
    data = rule.data
    flag = data.people.get("sex_registrant")
    flag = (
        flag.astype("boolean").reset_index(drop=True)
        if flag is not None
        else pd.Series(pd.NA, index=range(data.n), dtype="boolean")
    )
    derived = flag.isna().to_numpy()
    params = {"lists": ["sex_registrable"]}
    parts = [
        offense_hits(data, which, params).assign(which=which) for which in ("current", "prior")
    ]
    hits = pd.concat(parts, ignore_index=True)
    definite = hits["definite"].to_numpy(dtype=bool)
    who = hits["who"].to_numpy(dtype=np.int64)
    words = hits["which"].to_numpy(dtype=object) + " offense " + hits["offense"].to_numpy(object)
    found, from_record = join_per_person(data.n, who[definite], words[definite])
    maybe_text = reason_text(
        "registrant status unknown: {offense} may be {lists}",
        offense=words[~definite],
        lists=hits["words"].to_numpy(dtype=object)[~definite],
    )
    maybe, unknown = join_per_person(data.n, who[~definite], maybe_text)
    registrant = flag.fillna(pd.Series(found)).to_numpy(dtype=bool, na_value=False)
    why = pd.Series(np.where(derived & found, " (derived from " + from_record + ")", ""))
    fail = reason_text(RULE_TYPES["not_sex_registrant"].reason, derived=why)
    known = ~derived | found | ~maybe
    return _result(~registrant, known, fail, unknown)


# --------------------------------------------------------------------------------------------------
# Registry entries
# --------------------------------------------------------------------------------------------------

_OFFENSE_PARAMS = {
    "lists": RuleParam("lists", "statutory lists whose offenses match"),
    "sections": RuleParam("sections", "offense keys that match"),
    "except_lists": RuleParam("lists", "statutory lists whose offenses never match"),
    "except_sections": RuleParam("sections", "offense keys that never match"),
}
_PRIOR_PARAMS = {
    **_OFFENSE_PARAMS,
    "within_years": RuleParam(
        "number", "count only priors whose offense date is this recent", False, 0, 100
    ),
}


def _ordered(params: dict[str, Any]) -> str:
    return "" if params["min"] <= params["max"] else "'min' at most 'max'"


RULE_TYPES: dict[str, RuleType] = {
    "min_age": RuleType(
        {"years": RuleParam("number", "the youngest age that passes", True, 0, 120)},
        _min_age,
        "age {age}{estimated} is under {years}",
        "Age is at least `years` (an estimated age decides only `estimate_margin_years` from it).",
        timed=True,
    ),
    "min_sentence_years": RuleType(
        {"years": RuleParam("number", "the shortest sentence that passes", True, 0, 1000)},
        _min_sentence_years,
        "sentence {sentence} years is under {years}",
        "The aggregate sentence is at least `years`; a life term passes (its maximum is life).",
    ),
    "min_time_served_years": RuleType(
        {"years": RuleParam("number", "the least time served that passes", True, 0, 100)},
        _min_time_served_years,
        "served {served} years, under {years}",
        "Time served (from the controlling offense date) is at least `years`.",
        timed=True,
    ),
    "age_at_offense_between": RuleType(
        {
            "min": RuleParam("number", "the youngest age at the offense that passes", True, 0, 120),
            "max": RuleParam("number", "the oldest age at the offense that passes", True, 0, 120),
        },
        _age_at_offense_between,
        "age at offense {age}{estimated} is not {ages}",
        "Age at the offense is from `min` up to, not including, `max` + 1 (whole years).",
        check=_ordered,
    ),
    "no_current_offense_in": RuleType(
        _OFFENSE_PARAMS,
        partial(_no_offense_in, which="current", name="no_current_offense_in"),
        "current offense {offense} is {lists}",
        "No current offense or enhancement is in `lists` or `sections`, apart from the exceptions.",
        one_of=("lists", "sections"),
    ),
    "no_prior_offense_in": RuleType(
        _PRIOR_PARAMS,
        partial(_no_offense_in, which="prior", name="no_prior_offense_in"),
        "prior offense {offense} is {lists}",
        "No prior offense or enhancement is in `lists` or `sections` (within `within_years` of the "
        "as-of date when given), apart from the exceptions.",
        one_of=("lists", "sections"),
        timed=True,
    ),
    "controlling_offense_in": RuleType(
        {k: _OFFENSE_PARAMS[k] for k in ("lists", "sections")},
        _controlling_offense_in,
        "controlling offense {offense} is not {targets}",
        "The controlling offense is in `lists` or `sections`.",
        one_of=("lists", "sections"),
    ),
    "any_current_offense_in": RuleType(
        _OFFENSE_PARAMS,
        partial(_any_offense_in, which="current", name="any_current_offense_in"),
        "no current offense is {targets}",
        "At least one current offense is in `lists` or `sections`, apart from the exceptions.",
        one_of=("lists", "sections"),
    ),
    "no_enhancement": RuleType(
        {"sections": RuleParam("sections", "enhancement keys that fail the rule", True)},
        _no_enhancement,
        "enhancement {enhancement}",
        "No current enhancement matches `sections` (PC12022 also matches PC12022(a)(1), "
        "not PC12022.5).",
    ),
    "not_near_release": RuleType(
        {"months": RuleParam("number", "months to release that still fail", True, 0, 1200)},
        _not_near_release,
        "{left} months to release, within {months}",
        "More than `months` months to the earliest possible release date (none for LWOP, death).",
    ),
    "sentence_type_in": RuleType(
        {"types": RuleParam("types", "sentence types that pass", True)},
        partial(_type_rule, inside=True, name="sentence_type_in"),
        "sentence type {type} is not one of {types}",
        "The sentence type (9999 months = life without parole) is one of `types`.",
    ),
    "sentence_type_not_in": RuleType(
        {"types": RuleParam("types", "sentence types that fail", True)},
        partial(_type_rule, inside=False, name="sentence_type_not_in"),
        "sentence type is {type}",
        "The sentence type (9999 months = life without parole) is none of `types`.",
    ),
    "not_sex_registrant": RuleType(
        {},
        _not_sex_registrant,
        "sex registrant{derived}",
        "Not a PC 290 registrant (the DSA flag, else no sex-registrable offense on record).",
    ),
}


# --------------------------------------------------------------------------------------------------
# The reference of the criteria page
# --------------------------------------------------------------------------------------------------


def _param_words(name: str, param: RuleParam) -> str:
    kind = {"number": "number", "lists": "lists", "sections": "offense keys", "types": "types"}
    bounds = ""
    if param.lo is not None or param.hi is not None:
        bounds = f" {param.lo:g} to {param.hi:g}"
    need = "" if param.required else ", optional"
    return f"`{name}` ({kind[param.kind]}{bounds}{need}): {param.doc}"


RULE_REFERENCE_FILE = "rule_types.md"


def rule_reference_markdown(types: dict[str, RuleType] | None = None) -> str:
    """The rule types of the registry as a MyST table: type, settings (kind, bounds), the reason a
    failure writes, and when the rule passes."""
    types = RULE_TYPES if types is None else types
    lines = [
        "| type | settings | reason when it fails | passes when | time alone can pass it |",
        "|---|---|---|---|---|",
    ]
    for name, spec in types.items():
        settings = "<br>".join(_param_words(k, p) for k, p in spec.params.items()) or "none"
        if spec.one_of:
            settings += "<br>at least one of " + ", ".join(f"`{k}`" for k in spec.one_of)
        reason = spec.reason.replace("|", "\\|")
        timed = "yes" if spec.timed else "no"
        lines.append(f"| `{name}` | {settings} | `{reason}` | {spec.doc} | {timed} |")
    kinds = "; ".join(f"{kind}: {words}" for kind, words in PARAM_KINDS.items())
    note = (
        "In a reason, a name that is a setting (`{years}`, `{months}`) is the number the file "
        "gives; the other names are the person's values: `{estimated}` reads ` (estimated)` when "
        "the value is CDCR's estimate, `{derived}` names the offenses a registration is derived "
        "from, `{offense}` is a matching count with its case (or an enhancement with its count) and "
        "`{lists}` the lists it is on, each with the statute that puts it there. An offense rule "
        "writes one such reason for **every** matching count and enhancement. When a statute needs "
        "a fact the record lacks, the rule is undecided and `unknown_rules` says "
        f"`{MAYBE_REASON}` with the missing fact. For the rules that time alone can pass, "
        "`eligible_on` gives the date a person will pass them when every other rule passes."
    )
    return "\n".join(lines) + f"\n\n{note}\n\nSetting kinds: {kinds}.\n"


def write_rule_reference(folder: Path) -> Path:
    """Write :func:`rule_reference_markdown` to ``folder/rule_types.md`` (the criteria page
    includes it from ``book/generated``)."""
    path = Path(folder) / RULE_REFERENCE_FILE
    path.write_text(rule_reference_markdown(), encoding="utf-8")
    return path
