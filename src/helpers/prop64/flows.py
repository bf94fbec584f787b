"""Configurable Prop 64 decision flows: YAML schema, validation, and the library of step types.

A flow is an ordered list of steps. Every step names a *type* from :data:`STEP_TYPES` (a test on a
conviction and its person's record), its parameters, an ``outcome`` (``dismiss``, ``reduce``,
``not_eligible`` or ``review``) and a plain-language ``reason``. The first step whose test holds
decides a conviction; the others are not consulted. A step may add more tests with ``and:``.
Steps are applied to all convictions at once (numpy masks), never row by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from helpers import paths
from helpers.counties import doj_name
from helpers.errors import InputError
from helpers.prop64 import codes

OUTCOMES: tuple[str, ...] = ("dismiss", "reduce", "not_eligible", "review")
DETERMINATIONS: dict[str, str] = {
    "dismiss": "Eligible for Dismissal",
    "reduce": "Eligible for Reduction",
    "not_eligible": "Not eligible",
    "review": "Maybe Eligible - Flag for Review",
}
REVIEW_FLAGS: tuple[str, ...] = (
    "superstrike",
    "pc290",
    "after_effective_date",
    "attempt",
    "possible_other_prop64",
)
CONFIG_DIR = paths.CONFIG_DIR / "prop64"
PROP64_EFFECTIVE_DATE = dt.date(2016, 11, 9)  # Prop 64 took effect the day after the 2016 election


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
    prior_same_section: np.ndarray
    total_same_section: np.ndarray
    attempt: np.ndarray

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


@dataclass
class StepType:
    """A step type of the library: its settings, default reason and vectorised test."""

    params: dict[str, Param]
    reason: str | dict[str, str]
    test: Callable[[Facts, dict[str, Any]], tuple[np.ndarray, np.ndarray | None]]
    doc: str


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


def _section_in(f: Facts, p: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
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


def _related(f: Facts, p: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    m = f.related != ""
    if p.get("sections"):
        m &= np.isin(f.related, list(p["sections"]))
    return m, f.related


def _before_this(first: np.ndarray, f: Facts, scope: str, anywhere: np.ndarray) -> np.ndarray:
    if scope == "any":
        return anywhere
    return anywhere & ((first < f.date) | np.isnan(f.date))


def _superstrike(f: Facts, p: dict[str, Any]) -> tuple[np.ndarray, None]:
    return _mask(_before_this(f.superstrike_first, f, p["scope"], f.superstrike_any))


def _pc290(f: Facts, p: dict[str, Any]) -> tuple[np.ndarray, None]:
    m = np.zeros(len(f), dtype=bool)
    if p["conviction"]:
        m |= _before_this(f.pc290_conviction_first, f, p["scope"], f.pc290_conviction_any)
    if p["registration"]:
        m |= _before_this(f.pc290_registration_first, f, p["scope"], f.pc290_registration_any)
    return m, None


def _same_section(f: Facts, p: dict[str, Any]) -> tuple[np.ndarray, None]:
    n = f.prior_same_section if p["count"] == "prior" else f.total_same_section
    m = (n >= p["min"]) & (f.prop64 != "")
    if p.get("sections"):
        m &= np.isin(f.prop64, [codes.parse_section(s).number for s in p["sections"]])
    return m, None


def _years_ago(f: Facts, years: int) -> float:
    return day_number(years_before(_as_of_date(f), years))


def _sentence(f: Facts, p: dict[str, Any]) -> np.ndarray:
    return f.this_sentence_completed if p["scope"] == "this" else f.all_sentences_completed


_AGE = Param("int", None, 1, 120, required=True)
_SCOPE = Param("choice", "any", choices=("any", "before_this"))
_SENT_SCOPE = Param("choice", "this", choices=("this", "all"))

STEP_TYPES: dict[str, StepType] = {
    "missing_conviction_date": StepType(
        {},
        "Conviction date missing or invalid",
        lambda f, p: _mask(np.isnan(f.date)),
        "The conviction has no valid STP_EVENT_DATE.",
    ),
    "misdemeanor": StepType(
        {},
        "Misdemeanor or Infraction",
        lambda f, p: _mask(~f.felony),
        "The conviction is not a felony (CONV_STAT_DESCR, or OFFENSE_TOC when blank).",
    ),
    "felony": StepType({}, "Felony", lambda f, p: _mask(f.felony), "The conviction is a felony."),
    "convicted_on_or_after": StepType(
        {"date": Param("date", PROP64_EFFECTIVE_DATE)},
        "Occurred after {date_us}",
        lambda f, p: _mask(f.date >= day_number(p["date"])),
        "Conviction dated on or after `date` (default 2016-11-09, Prop 64 effective date).",
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
        "subsections).",
    ),
    "related_charge": StepType(
        {"sections": Param("related", [])},
        "Related charge {section} in a Prop 64 arrest cycle",
        _related,
        "The conviction is a related charge (optionally only the listed ones).",
    ),
    "attempt": StepType(
        {},
        "Attempted Prop 64 offense (PC 664)",
        lambda f, p: _mask(f.attempt),
        "The charge is an attempt (PC 664) or conspiracy (PC 182).",
    ),
    "under_21_at_conviction": StepType(
        {},
        "Under 21 at conviction",
        lambda f, p: _mask(f.age_at_conviction < 21),
        "The person was under 21 on the conviction date.",
    ),
    "age_at_least": StepType(
        {"age": Param("int", None, 40, 65, required=True)},
        "{age} years or older",
        lambda f, p: _mask(f.age_now >= p["age"]),
        "The person is at least `age` (40-65) on the evaluation date.",
    ),
    "age_at_most": StepType(
        {"age": Param("int", None, 14, 30, required=True)},
        "{age} years or younger",
        lambda f, p: _mask(f.age_now <= p["age"]),
        "The person is at most `age` years old (whole years) on the evaluation date.",
    ),
    "years_since_conviction_at_least": StepType(
        {"years": Param("int", None, 1, 15, required=True)},
        "Conviction occurred {years} or more years ago",
        lambda f, p: _mask(f.date <= _years_ago(f, p["years"])),
        "The conviction is at least `years` (1-15) old on the evaluation date.",
    ),
    "no_conviction_in_years": StepType(
        {"years": Param("int", None, 1, 15, required=True)},
        "No convictions in the past {years} years",
        lambda f, p: _mask(f.latest_conviction <= _years_ago(f, p["years"])),
        "No conviction of any kind in the last `years` (1-15) years.",
    ),
    "only_prop64_convictions": StepType(
        {"require_sentences_completed": Param("bool", False)},
        "Only has 11357-60 charges",
        lambda f, p: _mask(
            f.only_prop64
            & (f.all_sentences_completed if p["require_sentences_completed"] else True)
        ),
        "Every conviction on the record is HS 11357-11360 (optionally all sentences completed).",
    ),
    "deceased": StepType(
        {},
        "Individual is deceased",
        lambda f, p: _mask(f.deceased),
        "The record has a DECEASED event.",
    ),
    "superstrike": StepType(
        {"scope": _SCOPE},
        "PC 667(e)(2)(C)(iv) superstrike on record",
        _superstrike,
        "A superstrike conviction anywhere (`scope: any`) or dated before this conviction.",
    ),
    "pc290": StepType(
        {"conviction": Param("bool", True), "registration": Param("bool", True), "scope": _SCOPE},
        "PC 290 offense or registration on record",
        _pc290,
        "A PC 290 offense conviction and/or PC 290 registration anywhere or before this conviction.",
    ),
    "same_section_convictions": StepType(
        {
            "min": Param("int", None, 1, 50, required=True),
            "count": Param("choice", "prior", choices=("prior", "total")),
            "sections": Param("sections", []),
        },
        "{min} or more {count} convictions of the same section",
        _same_section,
        "At least `min` convictions of this Prop 64 section: earlier ones (`count: prior`) or all.",
    ),
    "conviction_count_at_least": StepType(
        {"count": Param("int", None, 1, 1000, required=True)},
        "{count} or more convictions on record",
        lambda f, p: _mask(f.n_convictions >= p["count"]),
        "The record holds at least `count` convictions (any offense, any county).",
    ),
    "sentence_completed": StepType(
        {"scope": _SENT_SCOPE},
        "Sentence completed",
        lambda f, p: _mask(_sentence(f, p)),
        "The sentence of this conviction (`scope: this`) or of every conviction has ended.",
    ),
    "serving_sentence": StepType(
        {"scope": _SENT_SCOPE},
        "Currently serving sentence",
        lambda f, p: _mask(~_sentence(f, p)),
        "A sentence of this conviction (`scope: this`) or of any conviction is still running.",
    ),
    "otherwise": StepType(
        {}, "No rule of the flow applies", lambda f, p: _mask(np.ones(len(f), bool)), "Always true."
    ),
}


@dataclass
class Condition:
    """One test of a step: a step type with validated settings."""

    type: str
    params: dict[str, Any]


@dataclass
class Step:
    """A validated step: its tests (all must hold), outcome, reason and remedy."""

    id: str
    outcome: str
    reason: str
    remedy: str
    conditions: list[Condition]


@dataclass
class Flow:
    """A validated decision flow."""

    name: str
    title: str
    county: str | None
    steps: list[Step]
    sections: tuple[str, ...] = codes.PROP64_SECTIONS
    related_enabled: bool = False
    related_sections: tuple[str, ...] = codes.RELATED_CHARGES_DEFAULT
    related_require_cycle: bool = True
    effective_date: dt.date = PROP64_EFFECTIVE_DATE
    sentence_units: dict[str, float] = field(
        default_factory=lambda: {"D": 1.0, "M": 30.4375, "Y": 365.25}
    )
    review_flags: tuple[str, ...] = ("superstrike", "pc290", "after_effective_date")
    fallback_outcome: str = "review"
    fallback_reason: str = "No rule of the flow decided this conviction"
    source: str = ""
    path: Path | None = None


_TOP_KEYS = {
    "name",
    "title",
    "county",
    "source",
    "description",
    "evaluate",
    "effective_date",
    "sentence_units_days",
    "review_flags",
    "fallback",
    "steps",
}
_STEP_KEYS = {"id", "type", "outcome", "reason", "remedy", "enabled", "and", "note", "source"}


def _fail(msg: str, key: str, path: Path | None) -> InputError:
    return InputError(f"{key}: {msg}", file=str(path) if path else None)


def _convert(value: Any, spec: Param, key: str, path: Path | None) -> Any:
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(f"must be a whole number (got {value!r})", key, path)
        if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
            raise _fail(f"must be between {spec.lo} and {spec.hi} (got {value})", key, path)
        return value
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise _fail(f"must be true or false (got {value!r})", key, path)
        return value
    if spec.kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise _fail(f"must be a date YYYY-MM-DD (got {value!r})", key, path) from None
    if spec.kind == "choice":
        if value not in spec.choices:
            raise _fail(f"must be one of {', '.join(spec.choices)} (got {value!r})", key, path)
        return value
    if spec.kind in ("sections", "related"):
        if isinstance(value, (str, int)):
            value = [value]
        if not isinstance(value, list):
            raise _fail(f"must be a list of code sections (got {value!r})", key, path)
        out = []
        for i, item in enumerate(value):
            sec = codes.parse_section(str(item))
            if not sec.number:
                raise _fail(f"{item!r} is not a code section", f"{key}[{i}]", path)
            if spec.kind == "sections":
                if not sec.prop64:
                    raise _fail(
                        f"{item!r} is not a Prop 64 section (HS 11357-11360)", f"{key}[{i}]", path
                    )
                out.append(f"{sec.number}{sec.subs}")
            else:
                out.append(sec.canonical)
        return tuple(out)
    raise AssertionError(spec.kind)


def _condition(raw: dict[str, Any], key: str, path: Path | None, extra: set[str]) -> Condition:
    kind = raw.get("type")
    if kind not in STEP_TYPES:
        allowed = ", ".join(sorted(STEP_TYPES))
        raise _fail(f"unknown step type {kind!r} (choose from: {allowed})", f"{key}.type", path)
    spec = STEP_TYPES[kind]
    params: dict[str, Any] = {}
    for name in raw:
        if name not in spec.params and name not in extra and name != "type":
            allowed = ", ".join(sorted(set(spec.params) | extra)) or "none"
            raise _fail(
                f"unknown setting {name!r} for step type {kind} (allowed: {allowed})",
                f"{key}.{name}",
                path,
            )
    for name, p in spec.params.items():
        if name in raw:
            params[name] = _convert(raw[name], p, f"{key}.{name}", path)
        elif p.required:
            raise _fail(f"step type {kind} needs the setting {name!r}", f"{key}.{name}", path)
        else:
            params[name] = p.default
    return Condition(kind, params)


def _default_reason(cond: Condition, outcome: str) -> str:
    reason = STEP_TYPES[cond.type].reason
    if isinstance(reason, dict):
        return reason.get(outcome, reason["*"])
    return reason


def parse_flow(doc: Any, path: Path | None = None) -> Flow:
    """Validate a flow document (parsed YAML) and build a :class:`Flow`; errors name the key."""
    if not isinstance(doc, dict):
        raise _fail("a flow file must be a mapping with at least 'name' and 'steps'", "(top)", path)
    for key in doc:
        if key not in _TOP_KEYS:
            raise _fail(
                f"unknown setting (allowed: {', '.join(sorted(_TOP_KEYS))})", str(key), path
            )
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail("must be a non-empty text", "name", path)
    county = doc.get("county")
    if county is not None and not isinstance(county, str):
        raise _fail("must be a county name or null", "county", path)
    flow = Flow(
        name=name.strip(),
        title=str(doc.get("title") or name),
        county=doj_name(county) if county else None,
        steps=[],
    )
    flow.source, flow.path = str(doc.get("source") or ""), path
    if "effective_date" in doc:
        flow.effective_date = _convert(doc["effective_date"], Param("date"), "effective_date", path)
    ev = doc.get("evaluate") or {}
    if not isinstance(ev, dict):
        raise _fail("must be a mapping", "evaluate", path)
    for key in ev:
        if key not in ("sections", "related_charges"):
            raise _fail(
                "unknown setting (allowed: sections, related_charges)", f"evaluate.{key}", path
            )
    if "sections" in ev:
        secs = _convert(ev["sections"], Param("sections"), "evaluate.sections", path)
        if not secs:
            raise _fail("must list at least one Prop 64 section", "evaluate.sections", path)
        flow.sections = secs
    rel = ev.get("related_charges") or {}
    if not isinstance(rel, dict):
        raise _fail("must be a mapping", "evaluate.related_charges", path)
    for key in rel:
        if key not in ("enabled", "sections", "require_prop64_in_cycle"):
            raise _fail(
                "unknown setting (allowed: enabled, sections, require_prop64_in_cycle)",
                f"evaluate.related_charges.{key}",
                path,
            )
    flow.related_enabled = _convert(
        rel.get("enabled", False), Param("bool"), "evaluate.related_charges.enabled", path
    )
    if "sections" in rel:
        flow.related_sections = _convert(
            rel["sections"], Param("related"), "evaluate.related_charges.sections", path
        )
    flow.related_require_cycle = _convert(
        rel.get("require_prop64_in_cycle", True),
        Param("bool"),
        "evaluate.related_charges.require_prop64_in_cycle",
        path,
    )
    units = doc.get("sentence_units_days")
    if units is not None:
        if not isinstance(units, dict) or set(units) - {"D", "M", "Y"}:
            raise _fail("must map D, M and Y to a number of days", "sentence_units_days", path)
        for k, v in units.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise _fail(
                    f"must be a positive number of days (got {v!r})",
                    f"sentence_units_days.{k}",
                    path,
                )
        flow.sentence_units = {**flow.sentence_units, **{k: float(v) for k, v in units.items()}}
    if "review_flags" in doc:
        flags = doc["review_flags"] or []
        if not isinstance(flags, list):
            raise _fail("must be a list", "review_flags", path)
        for i, f in enumerate(flags):
            if f not in REVIEW_FLAGS:
                raise _fail(
                    f"unknown flag {f!r} (choose from: {', '.join(REVIEW_FLAGS)})",
                    f"review_flags[{i}]",
                    path,
                )
        flow.review_flags = tuple(flags)
    fb = doc.get("fallback") or {}
    if not isinstance(fb, dict) or set(fb) - {"outcome", "reason"}:
        raise _fail("must be a mapping with outcome and reason", "fallback", path)
    if "outcome" in fb:
        flow.fallback_outcome = _convert(
            fb["outcome"], Param("choice", choices=OUTCOMES), "fallback.outcome", path
        )
    if "reason" in fb:
        flow.fallback_reason = str(fb["reason"])
    steps = doc.get("steps")
    if not isinstance(steps, list) or not steps:
        raise _fail("must be a non-empty list of steps", "steps", path)
    seen: set[str] = set()
    for i, raw in enumerate(steps):
        key = f"steps[{i}]"
        if not isinstance(raw, dict):
            raise _fail("must be a mapping with at least 'type' and 'outcome'", key, path)
        enabled = _convert(raw.get("enabled", True), Param("bool"), f"{key}.enabled", path)
        cond = _condition(raw, key, path, _STEP_KEYS - {"type"})
        if "outcome" not in raw:
            raise _fail(
                "every step needs an outcome (dismiss, reduce, not_eligible or review)",
                f"{key}.outcome",
                path,
            )
        outcome = _convert(
            raw["outcome"], Param("choice", choices=OUTCOMES), f"{key}.outcome", path
        )
        conds = [cond]
        extra = raw.get("and") or []
        if not isinstance(extra, list):
            raise _fail("must be a list of tests ({type: ..., settings})", f"{key}.and", path)
        for j, sub in enumerate(extra):
            if not isinstance(sub, dict):
                raise _fail("must be a mapping with a type", f"{key}.and[{j}]", path)
            conds.append(_condition(sub, f"{key}.and[{j}]", path, set()))
        step_id = str(raw.get("id") or cond.type)
        base, n = step_id, 2
        while step_id in seen:
            step_id, n = f"{base}_{n}", n + 1
        seen.add(step_id)
        reason = raw.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise _fail("must be a text", f"{key}.reason", path)
        if enabled:
            flow.steps.append(
                Step(
                    step_id,
                    outcome,
                    reason or _default_reason(cond, outcome),
                    str(raw.get("remedy") or ""),
                    conds,
                )
            )
    return flow


def load_flow(source: str | Path) -> Flow:
    """Load a flow from a YAML path or a preset name (``statewide``, ``los_angeles`` ...)."""
    import yaml

    path = Path(source)
    if not path.exists() and not path.suffix:
        preset = CONFIG_DIR / f"{source}.yaml"
        if preset.exists():
            path = preset
        else:
            names = ", ".join(sorted(presets())) or "none found"
            raise InputError(f"no such options file or preset {str(source)!r} (presets: {names})")
    if not path.is_file():
        raise InputError("options file not found", file=str(path))
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"invalid YAML: {problem}", file=str(path), row=line) from None
    return parse_flow(doc, path)


def presets() -> dict[str, Path]:
    """Preset flow files shipped in ``configs/prop64`` by name."""
    if not CONFIG_DIR.is_dir():
        return {}
    return {p.stem: p for p in sorted(CONFIG_DIR.glob("*.yaml"))}


def flow_for_county(county: str) -> Flow:
    """The preset whose ``county`` matches, else the statewide default."""
    import yaml

    want = doj_name(county)
    for path in presets().values():
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if doc.get("county") and doj_name(doc["county"]) == want:
            return parse_flow(doc, path)
    return load_flow("statewide")


def _format_static(template: str, params: dict[str, Any]) -> str:
    values = {k: v for k, v in params.items() if not isinstance(v, (list, tuple))}
    if isinstance(params.get("date"), dt.date):
        values["date_us"] = params["date"].strftime("%m/%d/%Y")
    values["section"] = "{section}"

    class _Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return template.format_map(_Keep(values))
    except (ValueError, IndexError):
        return template


@dataclass
class Decision:
    """Outcome of a flow for each conviction (arrays aligned with the facts)."""

    outcome: np.ndarray
    reason: np.ndarray
    step: np.ndarray
    remedy: np.ndarray


def apply_flow(flow: Flow, facts: Facts) -> Decision:
    """Run the steps in order; the first step whose tests all hold decides a conviction."""
    n = len(facts)
    outcome = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    step_ids = np.full(n, "", dtype=object)
    remedy = np.full(n, "", dtype=object)
    open_ = np.ones(n, dtype=bool)
    for step in flow.steps:
        if not open_.any():
            break
        mask = open_.copy()
        labels = None
        for cond in step.conditions:
            m, lab = STEP_TYPES[cond.type].test(facts, cond.params)
            mask &= m
            if lab is not None and labels is None:
                labels = lab
        if not mask.any():
            continue
        template = _format_static(step.reason, step.conditions[0].params)
        if "{section}" in template:
            fill = labels if labels is not None else facts.prop64
            head, _, tail = template.partition("{section}")
            reason[mask] = head + fill[mask].astype(object) + tail.replace("{section}", "")
        else:
            reason[mask] = template
        outcome[mask] = step.outcome
        step_ids[mask] = step.id
        remedy[mask] = step.remedy
        open_ &= ~mask
    outcome[open_] = flow.fallback_outcome
    reason[open_] = flow.fallback_reason
    step_ids[open_] = "fallback"
    return Decision(outcome, reason, step_ids, remedy)
