"""The eligibility rule types: one registry, :data:`RULE_TYPES`, that the configuration, the screens
and the criteria page all read.

A rule type is registered once, with

* its **settings** (:class:`RuleParam`: kind, bounds, required or optional, what it means),
* its **test**, vectorised over all people: a three-valued column (``True`` passes, ``False`` fails,
  ``<NA>`` the data cannot decide) plus, per person, the reason in plain words,
* its **reason**: the template of the words a failure writes into ``failed_rules`` (``{years}`` is
  a setting, the other ``{names}`` are the person's values),
* its **doc**: one line on when the rule passes.

A county file names a type with ``type:`` (``configs/counties``, ``configs/presets``);
:func:`helpers.screening.config.validate` checks the settings against the registry and
:func:`helpers.screening.screens.screen` runs the tests.  Adding a rule type is adding one entry
here: the configuration accepts it and the criteria page lists it (:func:`rule_reference_markdown`).

Choices

* List matching (attempts, degrees, the PC 459 exception) is
  :func:`helpers.screening.offenses.in_statutory_list`; sections are
  :func:`helpers.screening.offenses.in_sections`.
* Ages: a birth date (DSA) or an age CDCR reports decides; an *estimated* age decides only when it is at
  least ``estimate_margin_years`` from the threshold, otherwise the rule is unknown, with the estimate.
* Sex registrant: the DSA flag when present, otherwise derived from the record (any current or prior
  sex-registrable offense); ``sex_registrant_derived`` flags the derived ones.
* Prior-offense rules are unknown for everybody when the data has no prior commitments at all.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.data.codes import OFFENSE_COLUMNS, offense_label
from helpers.data.reference import LIST_NAMES, statutory_lists
from helpers.data.schema import SENTENCE_TYPES
from helpers.screening.offenses import in_sections, in_statutory_list

#: How each statutory list is named in a reason ("current offense PC 211 is serious/violent").
LIST_WORDS = {
    "serious": "serious",
    "violent": "violent",
    "super_strike": "super-strike",
    "sex_registrable": "sex-registrable",
    "homicide": "homicide",
    "robbery": "robbery",
}
ESTIMATED_SOURCES = ("estimated",)
DECIDING_SOURCES = ("birth_date", "reported")
#: Kinds of rule settings and how they are written in a file.
PARAM_KINDS: dict[str, str] = {
    "number": "a number",
    "lists": f"a list of statutory lists ({', '.join(LIST_NAMES)})",
    "sections": "a list of offense keys (PC211, PC245(a), PC459 2nd, PC12022*)",
    "types": f"a list of sentence types ({', '.join(SENTENCE_TYPES)})",
}


# --------------------------------------------------------------------------------------------------
# What a rule reads
# --------------------------------------------------------------------------------------------------


@dataclass
class ScreenData:
    """People plus their current/prior offenses and current enhancements, positioned by person.

    Built by :func:`helpers.screening.screens.prepare`; the offense frames have the parsed-code
    columns, ``person`` (row position in ``people``), ``offense_id``, ``life`` and ``label``.
    """

    people: pd.DataFrame
    current: pd.DataFrame
    prior: pd.DataFrame
    enhancements: pd.DataFrame
    has_priors: bool
    _flags: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of people."""
        return len(self.people)

    def list_flags(self, which: str, list_name: str) -> np.ndarray:
        """Per-offense membership of ``which`` (current/prior) offenses in a statutory list (cached)."""
        key = (which, list_name)
        if key not in self._flags:
            frame = getattr(self, which)
            self._flags[key] = on_distinct(frame, lambda u: in_statutory_list(u, list_name))
        return self._flags[key]

    def section_flags(self, which: str, keys: list[str]) -> np.ndarray:
        """Per-offense match of ``which`` offenses against county-configured offense keys."""
        frame = getattr(self, which)
        return on_distinct(frame, lambda u: in_sections(u, keys))


def on_distinct(frame: pd.DataFrame, func: Callable[[pd.DataFrame], pd.Series]) -> np.ndarray:
    """Apply a per-code function to the distinct parsed codes (``combo``) only and map it back."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    codes = frame["combo"].to_numpy()
    distinct = frame.drop_duplicates("combo").set_index("combo")[OFFENSE_COLUMNS].sort_index()
    result = np.asarray(func(distinct.reset_index(drop=True)).fillna(False), dtype=bool)
    lookup = np.zeros(int(distinct.index.max()) + 1, dtype=bool)
    lookup[distinct.index.to_numpy()] = result
    return lookup[codes]


def parsed_codes(parts: pd.DataFrame, person: np.ndarray) -> pd.DataFrame:
    """Parsed-code columns of offense rows, cleaned (blank text, boolean attempt), with ``person``
    and ``offense_id`` (-1 when the rows have none)."""
    out = parts[OFFENSE_COLUMNS].reset_index(drop=True).copy()
    out["offense_id"] = (
        pd.to_numeric(parts["offense_id"], errors="coerce").fillna(-1).astype("int64").to_numpy()
        if "offense_id" in parts
        else -1
    )
    out["attempt"] = out["attempt"].astype("boolean").fillna(False)
    for col in ("code", "section", "subdivision", "degree", "offense_key"):
        out[col] = out[col].astype("string").fillna("")
    out["person"] = person
    return out


def controlling_codes(people: pd.DataFrame) -> pd.DataFrame:
    """The controlling offense of each person as parsed-code columns (``controlling_*``)."""
    ctrl = people[[f"controlling_{c}" for c in OFFENSE_COLUMNS[:-1]] + ["controlling_offense_key"]]
    return ctrl.set_axis(OFFENSE_COLUMNS, axis=1)


def effective_sentence_type(people: pd.DataFrame) -> pd.Series:
    """Sentence type with the LWOP/condemned flags applied (a 9999-month term is LWOP)."""
    stype = people["sentence_type"].astype("string").replace("", pd.NA)
    if "sentence_lwop" in people:
        stype = stype.mask(people["sentence_lwop"].fillna(False).astype(bool), "Life w/o Parole")
    if "sentence_condemned" in people:
        stype = stype.mask(people["sentence_condemned"].fillna(False).astype(bool), "Condemned")
    return stype


def sex_registrant(data: ScreenData) -> tuple[pd.Series, np.ndarray]:
    """Registrant status: the DSA flag, else any current or prior sex-registrable offense (derived)."""
    flag = data.people.get("sex_registrant")
    flag = (
        flag.astype("boolean")
        if flag is not None
        else pd.Series(pd.NA, index=data.people.index, dtype="boolean")
    )
    derived = np.zeros(data.n, dtype=bool)
    for which in ("current", "prior", "enhancements"):
        frame = getattr(data, which)
        hit = data.list_flags(which, "sex_registrable")
        derived[frame["person"].to_numpy()[hit]] = True
    is_derived = flag.isna().to_numpy()
    out = flag.fillna(pd.Series(derived, index=flag.index)).astype("boolean")
    return out.reset_index(drop=True), is_derived


@cache
def _sentence_detected_lists() -> frozenset[str]:
    """Lists with items found from the sentence (felonies punishable by life or death)."""
    table = statutory_lists()
    return frozenset(table.loc[table["detect"] == "sentence", "list"].astype(str))


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
    """One rule over all people: pass (True/False/NA), reasons for failures and for unknowns."""

    passed: pd.Series  # boolean with NA
    failed_text: pd.Series  # string, "" where not failed
    unknown_text: pd.Series  # string, "" where decided


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
    together and returns what was expected when they do not fit ("" when they do)."""

    params: dict[str, RuleParam]
    test: Callable[[RuleInput], RuleResult]
    reason: str
    doc: str
    one_of: tuple[str, ...] = ()
    check: Callable[[dict[str, Any]], str] | None = None


def reason_text(template: str, **values: object) -> pd.Series | str:
    """``template`` with its ``{names}`` filled: numbers as written (``20``, ``2.5``), texts as they
    are, and per-person Series element by element (the result is then a Series)."""
    out: pd.Series | str = ""
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
    passed: np.ndarray, known: np.ndarray, fail: pd.Series | str, unknown: pd.Series | str
) -> RuleResult:
    n = len(passed)
    p = pd.array(np.where(known, passed, False), dtype="boolean")
    p[~known] = pd.NA
    failed = known & ~passed
    return RuleResult(pd.Series(p), _texts(n, failed, fail), _texts(n, ~known, unknown))


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


# --------------------------------------------------------------------------------------------------
# Tests: ages, sentence, time served, release
# --------------------------------------------------------------------------------------------------


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
    unknown = pd.Series(
        np.where(
            np.isnan(v),
            "age unknown: no birth date, reported age or offense date",
            "age unknown: public data has no birth date; estimated " + _fmt(v, ".0f"),
        )
    )
    return _result(passed, known, fail, unknown)


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
    v = rule.data.people["time_served_years"].astype("float64").to_numpy(na_value=np.nan)
    known = ~np.isnan(v)
    fail = reason_text(
        RULE_TYPES["min_time_served_years"].reason, served=_fmt(v, ".1f"), years=years
    )
    unknown = "time served unknown: no offense date"
    return _result(np.nan_to_num(v, nan=-1) >= years, known, fail, unknown)


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
            "age at offense unknown: public data has no birth date; estimated " + _fmt(v, ".1f"),
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


def _exempt(data: ScreenData, which: str, params: dict[str, Any]) -> np.ndarray:
    """Rows of ``which`` matched by the ``except_lists`` / ``except_sections`` settings."""
    exempt = np.zeros(len(getattr(data, which)), dtype=bool)
    for name in params.get("except_lists", []):
        exempt |= data.list_flags(which, name)
    if params.get("except_sections"):
        exempt |= data.section_flags(which, params["except_sections"])
    return exempt


def _match(data: ScreenData, which: str, params: dict[str, Any]) -> tuple[np.ndarray, pd.Series]:
    """Per-row match of ``which`` rows (current/prior/enhancements) against the rule's lists and
    sections, minus exceptions, with the names of the lists matched."""
    frame = getattr(data, which)
    hit = np.zeros(len(frame), dtype=bool)
    words = pd.Series("", index=frame.index, dtype="string")
    life = frame["life"].to_numpy(dtype=bool) if "life" in frame else np.zeros(len(frame), bool)
    for name in params.get("lists", []):
        flag = data.list_flags(which, name)
        if name in _sentence_detected_lists():
            flag = flag | life
        hit |= flag
        words = words.mask(flag, words + np.where(words == "", "", "/") + LIST_WORDS[name])
    sections = params.get("sections", [])
    if sections:
        flag = data.section_flags(which, sections)
        hit |= flag
        words = words.mask(flag & (words == ""), "listed in " + ", ".join(sections))
    return hit & ~_exempt(data, which, params), words


def _first_per_person(n: int, who: np.ndarray, text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Whether each person has a row, and the text of the first one (+ 'and N more')."""
    any_hit = np.zeros(n, dtype=bool)
    out = pd.Series("", index=range(n), dtype="string")
    if len(who) == 0:
        return any_hit, out
    # Drop repeats of the same text for one person (the controlling offense is also a count row).
    dedup = pd.DataFrame({"who": who, "t": pd.Series(text, dtype="string").to_numpy()})
    dedup = dedup.drop_duplicates()
    counts = np.bincount(dedup["who"].to_numpy(), minlength=n)
    first = dedup.drop_duplicates("who")
    rows = first["who"].to_numpy()
    any_hit[rows] = True
    more = counts[rows] - 1
    suffix = np.where(more > 0, " (and " + pd.Series(more).astype(str) + " more)", "")
    out.iloc[rows] = (first["t"].to_numpy(dtype=object) + suffix).astype(object)
    return any_hit, out


def _enhancement_hits(
    data: ScreenData, which: str, params: dict[str, Any]
) -> tuple[np.ndarray, pd.Series]:
    """Enhancements on ``which`` counts that prove a listed item (great bodily injury makes a felony
    serious), except those on an excepted count (a robbery with a weapon is part of the robbery)."""
    enh = data.enhancements
    hit, words = _match(data, "enhancements", {"lists": params["lists"]})
    hit &= (enh["role"] == which).to_numpy(dtype=bool)
    if params.get("except_lists") or params.get("except_sections"):
        frame = getattr(data, which)
        exempt_ids = frame["offense_id"].to_numpy()[_exempt(data, which, params)]
        hit &= ~np.isin(enh["offense_id"].to_numpy(), exempt_ids[exempt_ids >= 0])
    return hit, words


def _offense_hits(
    data: ScreenData, which: str, params: dict[str, Any]
) -> list[tuple[np.ndarray, pd.Series, pd.Series]]:
    """The matching rows of ``which`` counts and of their enhancements: (person, offense words,
    list words) each."""
    frame = getattr(data, which)
    hit, words = _match(data, which, params)
    hits = [(frame["person"].to_numpy()[hit], frame["label"][hit], words[hit])]
    if params.get("lists") and len(data.enhancements):
        enh = data.enhancements
        ehit, ewords = _enhancement_hits(data, which, params)
        label = "with enhancement " + enh["label"].astype("string")
        hits.append((enh["person"].to_numpy()[ehit], label[ehit], ewords[ehit]))
    return hits


def _prior_known(data: ScreenData, which: str) -> tuple[np.ndarray, str]:
    """Prior-offense rules cannot decide when the data has no prior commitments at all."""
    if which == "prior" and not data.has_priors:
        return np.zeros(
            data.n, dtype=bool
        ), "prior record unknown: the data has no prior commitments"
    return np.ones(data.n, dtype=bool), ""


def _no_offense_in(rule: RuleInput, which: str, name: str) -> RuleResult:
    """No ``which`` (current/prior) count or enhancement matches; the first match is the reason."""
    hits = _offense_hits(rule.data, which, rule.params)
    template = RULE_TYPES[name].reason
    texts = [reason_text(template, offense=offense, lists=words) for _, offense, words in hits]
    who = np.concatenate([w for w, _, _ in hits])
    has, first = _first_per_person(rule.data.n, who, pd.concat(texts, ignore_index=True))
    known, unknown = _prior_known(rule.data, which)
    return _result(~has, known, first, unknown)


def _any_offense_in(rule: RuleInput, which: str, name: str) -> RuleResult:
    """At least one ``which`` count or enhancement matches."""
    has = np.zeros(rule.data.n, dtype=bool)
    for who, _, _ in _offense_hits(rule.data, which, rule.params):
        has[who] = True
    known, unknown = _prior_known(rule.data, which)
    fail = reason_text(RULE_TYPES[name].reason, targets=_targets(rule.params))
    return _result(has, known, fail, unknown)


def _targets(params: dict[str, Any]) -> str:
    """The lists and sections a rule names, in words (``serious or PC211``)."""
    parts = [LIST_WORDS[x] for x in params.get("lists", [])]
    parts += params.get("sections", [])
    return " or ".join(parts)


def _controlling_offense_in(rule: RuleInput) -> RuleResult:
    params = rule.params
    ctrl = controlling_codes(rule.data.people)
    known = ctrl["offense_key"].notna().to_numpy()
    parsed = parsed_codes(ctrl, np.arange(len(ctrl)))[OFFENSE_COLUMNS]
    hit = np.zeros(len(ctrl), dtype=bool)
    for name in params.get("lists", []):
        hit |= np.asarray(in_statutory_list(parsed, name).fillna(False), dtype=bool)
    if params.get("sections"):
        hit |= np.asarray(in_sections(parsed, params["sections"]).fillna(False), dtype=bool)
    label = offense_label(ctrl.fillna({"subdivision": ""})).astype("string").fillna("")
    fail = reason_text(
        RULE_TYPES["controlling_offense_in"].reason, offense=label, targets=_targets(params)
    )
    return _result(hit, known, fail, "controlling offense unknown")


def _no_enhancement(rule: RuleInput) -> RuleResult:
    data = rule.data
    frame = data.enhancements
    hit = data.section_flags("enhancements", rule.params["sections"])
    hit &= (frame["role"] == "current").to_numpy(dtype=bool)
    text = reason_text(
        RULE_TYPES["no_enhancement"].reason, enhancement=frame["label"].astype("string")
    )
    has, first = _first_per_person(data.n, frame["person"].to_numpy()[hit], text[hit])
    return _result(~has, np.ones(data.n, dtype=bool), first, "")


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
    reg, derived = sex_registrant(rule.data)
    why = np.where(derived, " (from a sex-registrable offense in the record)", "")
    fail = reason_text(RULE_TYPES["not_sex_registrant"].reason, derived=pd.Series(why))
    return _result(~reg.to_numpy(dtype=bool, na_value=False), np.ones(rule.data.n, bool), fail, "")


# --------------------------------------------------------------------------------------------------
# Registry entries
# --------------------------------------------------------------------------------------------------

_OFFENSE_PARAMS = {
    "lists": RuleParam("lists", "statutory lists whose offenses match"),
    "sections": RuleParam("sections", "offense keys that match"),
    "except_lists": RuleParam("lists", "statutory lists whose offenses never match"),
    "except_sections": RuleParam("sections", "offense keys that never match"),
}


def _ordered(params: dict[str, Any]) -> str:
    return "" if params["min"] <= params["max"] else "'min' at most 'max'"


RULE_TYPES: dict[str, RuleType] = {
    "min_age": RuleType(
        {"years": RuleParam("number", "the youngest age that passes", True, 0, 120)},
        _min_age,
        "age {age}{estimated} is under {years}",
        "Age is at least `years` (an estimated age decides only `estimate_margin_years` from it).",
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
        _OFFENSE_PARAMS,
        partial(_no_offense_in, which="prior", name="no_prior_offense_in"),
        "prior offense {offense} is {lists}",
        "No prior offense or enhancement is in `lists` or `sections`, apart from the exceptions.",
        one_of=("lists", "sections"),
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
        "Not a PC 290 registrant (the DSA flag, else any sex-registrable offense on record).",
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
        "| type | settings | reason when it fails | passes when |",
        "|---|---|---|---|",
    ]
    for name, spec in types.items():
        settings = "<br>".join(_param_words(k, p) for k, p in spec.params.items()) or "none"
        if spec.one_of:
            settings += "<br>at least one of " + ", ".join(f"`{k}`" for k in spec.one_of)
        reason = spec.reason.replace("|", "\\|")
        lines.append(f"| `{name}` | {settings} | `{reason}` | {spec.doc} |")
    kinds = "; ".join(f"{kind}: {words}" for kind, words in PARAM_KINDS.items())
    note = (
        "In a reason, a name that is a setting (`{years}`, `{months}`) is the number the file "
        "gives; the other names are the person's values: `{estimated}` reads ` (estimated)` when "
        "the value is CDCR's estimate, `{derived}` says when registration is derived from the "
        "record, `{offense}` and `{lists}` name the first matching offense and its lists (with "
        '"and N more" when there are several).'
    )
    return "\n".join(lines) + f"\n\n{note}\n\nSetting kinds: {kinds}.\n"


def write_rule_reference(folder: Path) -> Path:
    """Write :func:`rule_reference_markdown` to ``folder/rule_types.md`` (the criteria page
    includes it from ``book/generated``)."""
    path = Path(folder) / RULE_REFERENCE_FILE
    path.write_text(rule_reference_markdown(), encoding="utf-8")
    return path
