"""The library of Prop 64 step types: the facts a step tests and the registry of step types.

Each :class:`StepType` of :data:`STEP_TYPES` declares its settings (a :class:`Param` schema), its
default reason, its test and one line of documentation.  A test reads the per-conviction
:class:`Facts` (numpy arrays) and returns a boolean mask for all convictions at once, never row by
row.  The Prop 64 method page lists the step types from this registry
(:func:`helpers.prop64.docs.step_types_markdown`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helpers.prop64 import codes

PROP64_EFFECTIVE_DATE = dt.date(2016, 11, 9)  # Prop 64 took effect the day after the 2016 election

Mask = tuple[np.ndarray, np.ndarray | None]
SENTENCE_UNKNOWN = (
    "Sentence unreadable (SENT_LENGTH or SENT_TIME_CODE): whether it is completed cannot be told"
)


@dataclass
class Facts:
    """Per-conviction facts the steps test (numpy arrays of equal length, dates as float day
    numbers since 1970-01-01 with NaN for unknown)."""

    as_of: float
    section: np.ndarray  # object: canonical section, e.g. "11357(A) HS"
    prop64: np.ndarray  # object: "11357".."11360" or ""
    related: np.ndarray  # object: matching related-charge entry or ""
    felony: np.ndarray
    date: np.ndarray
    latest_conviction: np.ndarray
    age_at_conviction: np.ndarray
    age_now: np.ndarray
    n_convictions: np.ndarray
    only_prop64: np.ndarray
    all_sentences_completed: np.ndarray
    this_sentence_completed: np.ndarray
    deceased: np.ndarray
    superstrike_any: np.ndarray
    superstrike_first: np.ndarray
    pc290_conviction_any: np.ndarray
    pc290_conviction_first: np.ndarray
    pc290_registration_any: np.ndarray
    pc290_registration_first: np.ndarray
    prior_same_section: np.ndarray  # earlier convictions (counts) of the same Prop 64 section
    total_same_section: np.ndarray
    prior_same_section_cases: np.ndarray  # the same, counted as separate events (cases)
    total_same_section_cases: np.ndarray
    attempt: np.ndarray
    # the sentence facts cannot be told (an unreadable SENT_LENGTH / SENT_TIME_CODE)
    all_sentences_unknown: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    this_sentence_unknown: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __post_init__(self) -> None:
        for name in ("all_sentences_unknown", "this_sentence_unknown"):
            if len(getattr(self, name)) != len(self.felony):
                setattr(self, name, np.zeros(len(self.felony), dtype=bool))

    def __len__(self) -> int:
        return len(self.felony)


@dataclass
class Param:
    """Schema of one step setting: kind, default, allowed range or choices."""

    kind: str  # int | bool | date | sections | related | choice
    default: Any = None
    lo: int | None = None
    hi: int | None = None
    choices: tuple[str, ...] = ()
    required: bool = False

    def describe(self) -> str:
        """What a value of this setting must be, in words (for errors and the method page)."""
        if self.kind == "int":
            return f"a whole number between {self.lo} and {self.hi}"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "date":
            return "a date YYYY-MM-DD"
        if self.kind == "choice":
            return "one of: " + ", ".join(self.choices)
        if self.kind == "sections":
            return "a list of Prop 64 sections (11357, 11357(B), ...)"
        return "a list of code sections (647(F) PC, 4060 BP, ...)"


@dataclass
class StepType:
    """A step type of the library: its settings, default reason, vectorised test and doc line;
    ``unknown`` (for tests that need a fact the record may not tell) marks the convictions whose
    test cannot be decided: a flow stops there and sends them to review."""

    params: dict[str, Param]
    reason: str | dict[str, str]
    test: Callable[[Facts, dict[str, Any]], Mask]
    doc: str
    reference: str = ""  # Clear My Record's reason label for the same rule, if it has one
    unknown: Callable[[Facts, dict[str, Any]], np.ndarray] | None = None
    unknown_reason: str = ""

    def undecided(self, facts: Facts, params: dict[str, Any]) -> np.ndarray:
        """Convictions whose test cannot be decided (none for most step types)."""
        if self.unknown is None:
            return np.zeros(len(facts), dtype=bool)
        return np.asarray(self.unknown(facts, params), dtype=bool)

    def default_reason(self, outcome: str) -> str:
        """The reason written when a step of this type gives no ``reason`` of its own."""
        if isinstance(self.reason, dict):
            return self.reason.get(outcome, self.reason["*"])
        return self.reason


def day_number(d: dt.date) -> float:
    """Days since 1970-01-01."""
    return float((d - dt.date(1970, 1, 1)).days)


def years_before(d: dt.date, years: int) -> dt.date:
    """The calendar date ``years`` before ``d`` (Feb 29 becomes Feb 28)."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def _as_of_date(f: Facts) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(f.as_of))


def _mask(m: np.ndarray) -> tuple[np.ndarray, None]:
    return np.asarray(m, dtype=bool), None


def _years_ago(f: Facts, years: int) -> float:
    return day_number(years_before(_as_of_date(f), years))


def _before_this(first: np.ndarray, f: Facts, scope: str, anywhere: np.ndarray) -> np.ndarray:
    if scope == "any":
        return anywhere
    return anywhere & ((first < f.date) | np.isnan(f.date))


def _sentence(f: Facts, p: dict[str, Any]) -> np.ndarray:
    return f.this_sentence_completed if p["scope"] == "this" else f.all_sentences_completed


def _sentence_unknown(f: Facts, p: dict[str, Any]) -> np.ndarray:
    return f.this_sentence_unknown if p["scope"] == "this" else f.all_sentences_unknown


def _only_prop64_unknown(f: Facts, p: dict[str, Any]) -> np.ndarray:
    if not p["require_sentences_completed"]:
        return np.zeros(len(f), dtype=bool)
    return f.only_prop64 & f.all_sentences_unknown


# ---- tests of the step types (each takes the facts and the step's validated settings) ----------


def _missing_date(f: Facts, _p: dict[str, Any]) -> Mask:
    return _mask(np.isnan(f.date))


def _misdemeanor(f: Facts, _p: dict[str, Any]) -> Mask:
    return _mask(~f.felony)


def _felony(f: Facts, _p: dict[str, Any]) -> Mask:
    return _mask(f.felony)


def _on_or_after(f: Facts, p: dict[str, Any]) -> Mask:
    return _mask(f.date >= day_number(p["date"]))


def _section_in(f: Facts, p: dict[str, Any]) -> Mask:
    uniq, inv = np.unique(f.section.astype(str), return_inverse=True)
    label_u = np.full(len(uniq), "", dtype=object)
    for i, text in enumerate(uniq):
        sec = codes.parse_section(text)
        for pattern in p["sections"]:
            if codes.section_matches(sec, pattern):
                label_u[i] = pattern
                break
    labels = label_u[inv] if len(f) else np.zeros(0, dtype=object)
    return labels != "", labels


def _related(f: Facts, p: dict[str, Any]) -> Mask:
    m = f.related != ""
    if p.get("sections"):
        m &= np.isin(f.related, list(p["sections"]))
    return m, f.related


def _attempt(f: Facts, _p: dict[str, Any]) -> Mask:
    return _mask(f.attempt)


def _under_21(f: Facts, _p: dict[str, Any]) -> Mask:
    return _mask(f.age_at_conviction < 21)


def _age_at_least(f: Facts, p: dict[str, Any]) -> Mask:
    return _mask(f.age_now >= p["age"])


def _age_at_most(f: Facts, p: dict[str, Any]) -> Mask:
    return _mask(f.age_now <= p["age"])


def _conviction_years_old(f: Facts, p: dict[str, Any]) -> Mask:
    return _mask(f.date <= _years_ago(f, p["years"]))


def _no_conviction_in_years(f: Facts, p: dict[str, Any]) -> Mask:
    return _mask(f.latest_conviction <= _years_ago(f, p["years"]))


def _only_prop64(f: Facts, p: dict[str, Any]) -> Mask:
    done = f.all_sentences_completed if p["require_sentences_completed"] else True
    return _mask(f.only_prop64 & done)


def _deceased(f: Facts, _p: dict[str, Any]) -> Mask:
    return _mask(f.deceased)


def _superstrike(f: Facts, p: dict[str, Any]) -> Mask:
    return _mask(_before_this(f.superstrike_first, f, p["scope"], f.superstrike_any))


def _pc290(f: Facts, p: dict[str, Any]) -> Mask:
    m = np.zeros(len(f), dtype=bool)
    if p["conviction"]:
        m |= _before_this(f.pc290_conviction_first, f, p["scope"], f.pc290_conviction_any)
    if p["registration"]:
        m |= _before_this(f.pc290_registration_first, f, p["scope"], f.pc290_registration_any)
    return m, None


def _same_section(f: Facts, p: dict[str, Any]) -> Mask:
    if p["per"] == "case":
        n = f.prior_same_section_cases if p["count"] == "prior" else f.total_same_section_cases
    else:
        n = f.prior_same_section if p["count"] == "prior" else f.total_same_section
    m = (n >= p["min"]) & (f.prop64 != "")
    if p.get("sections"):
        m &= np.isin(f.prop64, [codes.parse_section(s).number for s in p["sections"]])
    return m, None


def _conviction_count(f: Facts, p: dict[str, Any]) -> Mask:
    return _mask(f.n_convictions >= p["count"])


def _sentence_completed(f: Facts, p: dict[str, Any]) -> Mask:
    return _mask(_sentence(f, p))


def _serving_sentence(f: Facts, p: dict[str, Any]) -> Mask:
    return _mask(~_sentence(f, p))


def _otherwise(f: Facts, _p: dict[str, Any]) -> Mask:
    return _mask(np.ones(len(f), bool))


_SCOPE = Param("choice", "any", choices=("any", "before_this"))
_SENT_SCOPE = Param("choice", "this", choices=("this", "all"))

STEP_TYPES: dict[str, StepType] = {
    "missing_conviction_date": StepType(
        {},
        "Conviction date missing or invalid",
        _missing_date,
        "The conviction has no valid STP_EVENT_DATE.",
    ),
    "misdemeanor": StepType(
        {},
        "Misdemeanor or Infraction",
        _misdemeanor,
        "The conviction is not a felony (CONV_STAT_DESCR, or OFFENSE_TOC when blank).",
    ),
    "felony": StepType({}, "Felony", _felony, "The conviction is a felony."),
    "convicted_on_or_after": StepType(
        {"date": Param("date", PROP64_EFFECTIVE_DATE)},
        "Occurred after {date_us}",
        _on_or_after,
        "The conviction is dated on or after `date` (Prop 64's effective date unless set); "
        "`{date_us}` in the reason writes `date` as MM/DD/YYYY.",
    ),
    "section_in": StepType(
        {"sections": Param("sections", required=True)},
        {
            "dismiss": "Dismiss all HS {section} convictions",
            "reduce": "Reduce all HS {section} convictions",
            "*": "HS {section}",
        },
        _section_in,
        "The section is one of `sections` (a pattern such as 11357 or 11357(B) also covers its "
        "subsections); `{section}` in the reason names the entry.",
    ),
    "related_charge": StepType(
        {"sections": Param("related", [])},
        "Related charge {section} in a Prop 64 arrest cycle",
        _related,
        "The conviction is an evaluated related charge (optionally only the listed ones).",
    ),
    "attempt": StepType(
        {},
        "Attempted Prop 64 offense (PC 664)",
        _attempt,
        "The charge is an attempt (PC 664) or conspiracy (PC 182).",
    ),
    "under_21_at_conviction": StepType(
        {},
        "Under 21 at conviction",
        _under_21,
        "The person was under 21 on the conviction date.",
        reference="21 years or younger",
    ),
    "age_at_least": StepType(
        {"age": Param("int", None, 40, 65, required=True)},
        "{age} years or older",
        _age_at_least,
        "The person is at least `age` on the evaluation date.",
    ),
    "age_at_most": StepType(
        {"age": Param("int", None, 14, 30, required=True)},
        "{age} years or younger",
        _age_at_most,
        "The person is at most `age` years old (whole years) on the evaluation date.",
    ),
    "years_since_conviction_at_least": StepType(
        {"years": Param("int", None, 1, 15, required=True)},
        "Conviction occurred {years} or more years ago",
        _conviction_years_old,
        "The conviction is at least `years` old on the evaluation date.",
    ),
    "no_conviction_in_years": StepType(
        {"years": Param("int", None, 1, 15, required=True)},
        "No convictions in the past {years} years",
        _no_conviction_in_years,
        "No conviction of any kind in the last `years` years before the evaluation date.",
    ),
    "only_prop64_convictions": StepType(
        {"require_sentences_completed": Param("bool", False)},
        "Only has 11357-60 charges",
        _only_prop64,
        "Every conviction on the record is HS 11357-11360 (optionally all sentences completed).",
        unknown=_only_prop64_unknown,
        unknown_reason=SENTENCE_UNKNOWN,
    ),
    "deceased": StepType(
        {},
        "Individual is deceased",
        _deceased,
        "The record has a DECEASED event.",
    ),
    "superstrike": StepType(
        {"scope": _SCOPE},
        "PC 667(e)(2)(C)(iv) superstrike on record",
        _superstrike,
        "A superstrike conviction anywhere (`scope: any`) or dated before this conviction.",
        reference="PC 667(e)(2)(c)(iv)",
    ),
    "pc290": StepType(
        {"conviction": Param("bool", True), "registration": Param("bool", True), "scope": _SCOPE},
        "PC 290 offense or registration on record",
        _pc290,
        "A PC 290 offense conviction and/or PC 290 registration anywhere or before this conviction.",
        reference="PC 290",
    ),
    "same_section_convictions": StepType(
        {
            "min": Param("int", None, 1, 50, required=True),
            "count": Param("choice", "prior", choices=("prior", "total")),
            "per": Param("choice", "case", choices=("case", "count")),
            "sections": Param("sections", []),
        },
        "{min} or more {count} convictions of the same section",
        _same_section,
        "At least `min` convictions of this Prop 64 section: earlier ones (`count: prior`) or all. "
        "`per: case` counts convictions on separate events (the cases of `CNT_ORDER[0:6]`: counts "
        "of one case are one conviction); `per: count` counts every count, as Clear My Record's "
        "Los Angeles flow did.",
    ),
    "conviction_count_at_least": StepType(
        {"count": Param("int", None, 1, 1000, required=True)},
        "{count} or more convictions on record",
        _conviction_count,
        "The record holds at least `count` convictions (any offense, any county).",
    ),
    "sentence_completed": StepType(
        {"scope": _SENT_SCOPE},
        "Sentence completed",
        _sentence_completed,
        "The sentence of this conviction (`scope: this`) or of every conviction has ended.",
        unknown=_sentence_unknown,
        unknown_reason=SENTENCE_UNKNOWN,
    ),
    "serving_sentence": StepType(
        {"scope": _SENT_SCOPE},
        "Currently serving sentence",
        _serving_sentence,
        "A sentence of this conviction (`scope: this`) or of any conviction is still running.",
        unknown=_sentence_unknown,
        unknown_reason=SENTENCE_UNKNOWN,
    ),
    "otherwise": StepType({}, "No rule of the flow applies", _otherwise, "Always true."),
}
