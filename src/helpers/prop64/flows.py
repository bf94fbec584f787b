"""Configurable Prop 64 decision flows: the flow file, how a flow extends a preset, validation, and
applying a flow to the facts of every conviction.

A flow is an ordered list of steps. Every step names a *type* from
:data:`helpers.prop64.steps.STEP_TYPES` (a test on a conviction and its person's record), its
settings, an ``outcome`` (``dismiss``, ``reduce``, ``not_eligible`` or ``review``) and a
plain-language ``reason``. The first step whose test holds decides a conviction; the others are not
consulted. A step may add more tests with ``and:``. Steps are applied to all convictions at once
(numpy masks), never row by row.

Flow files are read with :mod:`helpers.yamlconfig` (one reader, one error format naming the file,
the key path and what was expected). A flow may ``extends:`` a preset of ``configs/prop64/`` (a
name, or a list of names merged in order):

* ``name``, ``description``, ``sources`` and ``county`` belong to each file and are never inherited;
* every other mapping is merged key by key, the file on top of its presets (``evaluate``,
  ``fallback``, ``sentence_units_days``); lists and single values are replaced (``review_flags``,
  ``evaluate.sections``, ``effective_date``);
* ``steps`` edit the preset's list, entry by entry, in order. Every step has an ``id`` (written,
  or else its ``type``). An entry whose id names a step of the preset changes that step: its keys
  are merged onto the step's (``enabled: false`` switches it off, ``age: 55`` changes a setting, a
  new ``and:`` list replaces the old one). An entry with a new id adds a step, placed
  ``before: <id>`` or ``after: <id>`` of a step already in the list; ``before``/``after`` on a
  preset's step moves it. A file that extends nothing lists its steps in order (ids that repeat a
  type are numbered: ``section_in``, ``section_in_2``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from helpers import paths, yamlconfig
from helpers.counties import doj_name
from helpers.errors import InputError
from helpers.prop64 import codes
from helpers.prop64.steps import PROP64_EFFECTIVE_DATE, STEP_TYPES, Facts, Param
from helpers.yamlconfig import fail, join

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
PRESET_DIR = paths.CONFIG_DIR / "prop64"

IDENTITY_KEYS: tuple[str, ...] = ("name", "description", "sources", "county")
"""Top-level keys that describe one flow file and are not inherited through ``extends``."""
TOP_KEYS: frozenset[str] = frozenset(
    {
        *IDENTITY_KEYS,
        "extends",
        "evaluate",
        "effective_date",
        "sentence_units_days",
        "review_flags",
        "fallback",
        "steps",
    }
)
STEP_KEYS: frozenset[str] = frozenset(
    {"id", "type", "outcome", "reason", "remedy", "enabled", "and", "description", "sources"}
)
POSITION_KEYS: tuple[str, ...] = ("before", "after")
# Words of older flow files and what to write instead.
RENAMED_KEYS: dict[str, str] = {
    "title": "'description:' in its place (a flow's title is its description)",
    "source": "'sources:' in its place, a list of citations (sources: [HS 11361.8])",
    "note": "'description:' in its place",
}
Doc = dict[str, Any]


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
    description: str = ""
    sources: tuple[str, ...] = ()
    label: str = ""  # the "Eligibility Reason": the reason, or the reference's label of the rule

    @property
    def kind(self) -> str:
        """The step type of the step's first test."""
        return self.conditions[0].type


@dataclass
class Flow:
    """A validated decision flow (``path``: its file; ``files``: the files read, presets first)."""

    name: str
    description: str
    county: str | None
    steps: list[Step]
    sources: tuple[str, ...] = ()
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
    path: Path | None = None
    files: tuple[Path, ...] = ()


@dataclass
class StepDraft:
    """A step entry after ``extends`` is resolved: its id, its raw settings, and the file and key
    path of the entry that last wrote it (validation errors name them)."""

    id: str
    raw: Doc
    path: Path | None
    key: str


# --------------------------------------------------------------------------------------------------
# Flow files: presets, extends, steps edits
# --------------------------------------------------------------------------------------------------


def presets() -> dict[str, Path]:
    """Preset flow files shipped in ``configs/prop64`` by name."""
    if not PRESET_DIR.is_dir():
        return {}
    return {p.stem: p for p in sorted(PRESET_DIR.glob("*.yaml"))}


def preset_path(name: str) -> Path:
    """The file of the preset flow ``name`` (it may not exist)."""
    return PRESET_DIR / f"{name}.yaml"


def check_flow_keys(doc: Doc, path: Path | None) -> None:
    """Reject unknown top-level keys; old words (``title``, ``source``) say what to write."""
    for key in doc:
        if key in RENAMED_KEYS:
            raise fail(path, str(key), RENAMED_KEYS[key])
    yamlconfig.check_keys(doc, TOP_KEYS, path)


def _flow_path(source: str | Path) -> Path:
    path = Path(source)
    if not path.exists() and not path.suffix:
        preset = preset_path(str(source))
        if preset.exists():
            return preset
        names = ", ".join(sorted(presets())) or "none found"
        raise InputError(f"no such options file or preset {str(source)!r} (presets: {names})")
    if not path.is_file():
        raise InputError("options file not found", file=str(path))
    return path


def load_flow(source: str | Path) -> Flow:
    """Load a flow from a YAML path or a preset name (``statewide``, ``los_angeles`` ...),
    resolving the presets it ``extends``."""
    path = _flow_path(source)
    own: dict[Path, Doc] = {}

    def read(file: Path) -> Doc:
        doc = yamlconfig.read_mapping(file)
        check_flow_keys(doc, file)
        own[file] = doc
        return {k: v for k, v in doc.items() if k not in IDENTITY_KEYS and k != "steps"}

    merged, files = yamlconfig.resolve_extends(path, preset_path, read)
    drafts: list[StepDraft] = []
    for file in files:
        doc = own[file]
        extends = bool(yamlconfig.parents_of(doc, file))
        if "steps" in doc or not extends:
            drafts = edit_steps(drafts, doc.get("steps"), file, extends)
    identity = {k: own[path][k] for k in IDENTITY_KEYS if k in own[path]}
    flow = build_flow({**merged, **identity}, drafts, path)
    flow.files = tuple(files)
    return flow


def flow_for_county(county: str) -> Flow:
    """The preset whose ``county`` matches, else the statewide default."""
    want = doj_name(county)
    for path in presets().values():
        named = yamlconfig.read_mapping(path).get("county")
        if named and doj_name(named) == want:
            return load_flow(path)
    return load_flow("statewide")


def _position(raw: Doc, path: Path | None, key: str) -> tuple[str, str] | None:
    given = [k for k in POSITION_KEYS if k in raw]
    if len(given) > 1:
        raise fail(path, join(key, "after"), "either before: or after:, not both")
    if not given:
        return None
    where = given[0]
    return where, yamlconfig.text(raw[where], join(key, where), path)


def _place(
    steps: list[StepDraft], draft: StepDraft, position: tuple[str, str], path: Path | None
) -> None:
    where, target = position
    ids = [s.id for s in steps]
    if target not in ids:
        expected = f"the id of a step already in the flow ({', '.join(ids) or 'none'})"
        raise fail(path, join(draft.key, where), expected, target)
    steps.insert(ids.index(target) + (where == "after"), draft)


def _base_id(raw: Doc, taken: list[str], path: Path | None, key: str) -> str:
    """Id of a step of a file that extends nothing: written, or its type numbered if repeated."""
    if raw.get("id"):
        step_id = str(raw["id"])
        if step_id in taken:
            raise fail(path, join(key, "id"), "an id no other step of the flow has", step_id)
        return step_id
    base = step_id = str(raw.get("type"))
    n = 2
    while step_id in taken:
        step_id, n = f"{base}_{n}", n + 1
    return step_id


def edit_steps(
    steps: list[StepDraft], entries: Any, path: Path | None, extends: bool
) -> list[StepDraft]:
    """Apply the ``steps`` entries of one file to the steps built so far (see the module doc).

    ``extends`` says whether the file edits a preset's steps (entries change the step their id
    names, new steps need ``before:``/``after:``) or lists its own steps from scratch.
    """
    if not isinstance(entries, list) or (not entries and not extends):
        raise fail(path, "steps", "a non-empty list of steps", entries)
    out = list(steps)
    for i, raw in enumerate(entries):
        key = join("steps", i)
        if not isinstance(raw, dict):
            raise fail(path, key, "a mapping with at least 'type' and 'outcome'", raw)
        position = _position(raw, path, key)
        fields = {k: v for k, v in raw.items() if k not in POSITION_KEYS}
        ids = [s.id for s in out]
        step_id = str(raw.get("id") or raw.get("type") or "")
        if extends and not step_id:
            raise fail(path, key, "an id (the step to change) or a type (a new step)", raw)
        if extends and step_id in ids:
            old = out.pop(ids.index(step_id))
            draft = StepDraft(step_id, yamlconfig.deep_merge(old.raw, fields), path, key)
            if position is None:
                out.insert(ids.index(step_id), draft)
            else:
                _place(out, draft, position, path)
            continue
        if extends and position is None:
            expected = (
                "before: or after: the id of a step of the preset (a new step needs a place; "
                "an id of the preset changes that step)"
            )
            raise fail(path, key, expected, step_id or None)
        if not extends:
            step_id = _base_id(raw, ids, path, key)
        draft = StepDraft(step_id, fields, path, key)
        if position is None:
            out.append(draft)
        else:
            _place(out, draft, position, path)
    return out


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


def convert(value: Any, spec: Param, key: str, path: Path | None) -> Any:
    """A setting value checked and converted according to its :class:`Param` schema."""
    if spec.kind == "int":
        return yamlconfig.integer(value, key, path, lo=spec.lo, hi=spec.hi)
    if spec.kind == "bool":
        return yamlconfig.flag(value, key, path)
    if spec.kind == "date":
        day = yamlconfig.day(value, key, path)
        return day.date() if isinstance(day, dt.datetime) else day
    if spec.kind == "choice":
        return yamlconfig.choice(value, key, path, spec.choices)
    if spec.kind in ("sections", "related"):
        return _sections(value, spec.kind == "sections", key, path)
    raise AssertionError(spec.kind)


def _sections(value: Any, prop64: bool, key: str, path: Path | None) -> tuple[str, ...]:
    """A list of code sections: Prop 64 patterns (``11357(B)``) or related-charge entries."""
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, list):
        raise fail(path, key, "a list of code sections", value)
    out = []
    for i, item in enumerate(value):
        sec = codes.parse_section(str(item))
        if not sec.number:
            raise fail(path, join(key, i), "a code section such as 11357 or 647(F) PC", item)
        if not prop64:
            out.append(sec.canonical)
        elif not sec.prop64:
            raise fail(path, join(key, i), "a Prop 64 section (HS 11357-11360)", item)
        else:
            out.append(f"{sec.number}{sec.subs}")
    return tuple(out)


def _condition(raw: Doc, key: str, path: Path | None, extra: frozenset[str]) -> Condition:
    kind = raw.get("type")
    if kind not in STEP_TYPES:
        allowed = ", ".join(sorted(STEP_TYPES))
        raise fail(path, join(key, "type"), f"a step type ({allowed})", kind)
    spec = STEP_TYPES[kind]
    for name in raw:
        if name in RENAMED_KEYS and name not in spec.params:
            raise fail(path, join(key, name), RENAMED_KEYS[name])
        if name not in spec.params and name not in extra and name != "type":
            settings = ", ".join(sorted(spec.params)) or "none"
            others = ", ".join(sorted({"type", *extra}))
            expected = f"a setting of step type {kind} ({settings}) or a step key ({others})"
            raise fail(path, join(key, str(name)), expected)
    params: dict[str, Any] = {}
    for name, p in spec.params.items():
        if name in raw:
            params[name] = convert(raw[name], p, join(key, name), path)
        elif p.required:
            raise fail(path, join(key, name), f"{p.describe()} (step type {kind} needs it)")
        else:
            params[name] = p.default
    return Condition(kind, params)


def _step(draft: StepDraft) -> Step | None:
    """A validated step, or None when it is switched off (``enabled: false``)."""
    raw, key, path = draft.raw, draft.key, draft.path
    enabled = yamlconfig.flag(raw.get("enabled", True), join(key, "enabled"), path)
    cond = _condition(raw, key, path, STEP_KEYS - {"type"})
    if "outcome" not in raw:
        raise fail(
            path, join(key, "outcome"), "an outcome (dismiss, reduce, not_eligible or review)"
        )
    outcome = yamlconfig.choice(raw["outcome"], join(key, "outcome"), path, OUTCOMES)
    extra = raw.get("and") or []
    if not isinstance(extra, list):
        raise fail(path, join(key, "and"), "a list of tests ({type: ..., settings})", extra)
    conds = [cond]
    for j, sub in enumerate(extra):
        where = join(join(key, "and"), j)
        if not isinstance(sub, dict):
            raise fail(path, where, "a mapping with a type", sub)
        conds.append(_condition(sub, where, path, frozenset()))
    reason = raw.get("reason")
    if reason is not None:
        reason = yamlconfig.text(reason, join(key, "reason"), path, empty=True)
    if not enabled:
        return None
    own = reason or STEP_TYPES[cond.type].default_reason(outcome)
    return Step(
        draft.id,
        outcome,
        own,
        str(raw.get("remedy") or ""),
        conds,
        yamlconfig.text(raw.get("description", ""), join(key, "description"), path, empty=True),
        tuple(yamlconfig.text_list(raw.get("sources", []), join(key, "sources"), path)),
        label=own if reason else (STEP_TYPES[cond.type].reference or own),
    )


def _identity(doc: Doc, path: Path | None) -> Flow:
    """A flow with its name, description, sources and county, and no steps yet."""
    name = yamlconfig.text(doc.get("name"), "name", path)
    county = doc.get("county")
    if county is not None:
        county = yamlconfig.text(county, "county", path)
        try:
            county = doj_name(county)
        except InputError:
            raise fail(path, "county", "a California county name or null", county) from None
    return Flow(
        name=name,
        description=yamlconfig.text(doc.get("description", ""), "description", path, empty=True),
        county=county,
        steps=[],
        sources=tuple(yamlconfig.text_list(doc.get("sources", []), "sources", path)),
        path=path,
    )


def _evaluate(flow: Flow, doc: Doc, path: Path | None) -> None:
    """Which convictions the flow evaluates: ``evaluate.sections`` and related charges."""
    ev = yamlconfig.mapping(doc.get("evaluate"), "evaluate", path)
    yamlconfig.check_keys(ev, ("sections", "related_charges"), path, "evaluate")
    if "sections" in ev:
        secs = _sections(ev["sections"], True, "evaluate.sections", path)
        if not secs:
            raise fail(path, "evaluate.sections", "at least one Prop 64 section", [])
        flow.sections = secs
    where = "evaluate.related_charges"
    rel = yamlconfig.mapping(ev.get("related_charges"), where, path)
    yamlconfig.check_keys(rel, ("enabled", "sections", "require_prop64_in_cycle"), path, where)
    flow.related_enabled = yamlconfig.flag(rel.get("enabled", False), f"{where}.enabled", path)
    if "sections" in rel:
        flow.related_sections = _sections(rel["sections"], False, f"{where}.sections", path)
    flow.related_require_cycle = yamlconfig.flag(
        rel.get("require_prop64_in_cycle", True), f"{where}.require_prop64_in_cycle", path
    )


def _record_settings(flow: Flow, doc: Doc, path: Path | None) -> None:
    """Effective date, sentence units, review flags and the fallback decision."""
    if "effective_date" in doc:
        flow.effective_date = convert(doc["effective_date"], Param("date"), "effective_date", path)
    units = doc.get("sentence_units_days")
    if units is not None:
        if not isinstance(units, dict) or set(units) - {"D", "M", "Y"}:
            raise fail(path, "sentence_units_days", "a mapping of D, M and Y to days", units)
        for k, v in units.items():
            days = yamlconfig.number(v, f"sentence_units_days.{k}", path)
            if days <= 0:
                raise fail(path, f"sentence_units_days.{k}", "a positive number of days", v)
        flow.sentence_units = {**flow.sentence_units, **{k: float(v) for k, v in units.items()}}
    if "review_flags" in doc:
        flags = doc["review_flags"] or []
        if not isinstance(flags, list):
            raise fail(path, "review_flags", "a list of flags", flags)
        for i, flag in enumerate(flags):
            yamlconfig.choice(flag, join("review_flags", i), path, REVIEW_FLAGS)
        flow.review_flags = tuple(flags)
    fb = yamlconfig.mapping(doc.get("fallback"), "fallback", path)
    yamlconfig.check_keys(fb, ("outcome", "reason"), path, "fallback")
    if "outcome" in fb:
        flow.fallback_outcome = yamlconfig.choice(fb["outcome"], "fallback.outcome", path, OUTCOMES)
    if "reason" in fb:
        flow.fallback_reason = yamlconfig.text(fb["reason"], "fallback.reason", path)


def build_flow(doc: Doc, drafts: list[StepDraft], path: Path | None = None) -> Flow:
    """A :class:`Flow` from a merged flow document (without ``steps``) and its step drafts."""
    flow = _identity(doc, path)
    _evaluate(flow, doc, path)
    _record_settings(flow, doc, path)
    if not drafts:
        raise fail(path, "steps", "a non-empty list of steps")
    flow.steps = [step for step in map(_step, drafts) if step is not None]
    return flow


def parse_flow(doc: Any, path: Path | None = None) -> Flow:
    """Validate a whole flow document (parsed YAML, no ``extends``) and build a :class:`Flow`.

    Flow files that extend a preset are read with :func:`load_flow`.
    """
    if not isinstance(doc, dict):
        raise fail(path, "", "a mapping with at least 'name' and 'steps'", doc)
    check_flow_keys(doc, path)
    if "extends" in doc:
        raise fail(path, "extends", "a flow file read with load_flow (it resolves presets)")
    drafts = edit_steps([], doc.get("steps"), path, extends=False)
    return build_flow({k: v for k, v in doc.items() if k != "steps"}, drafts, path)


# --------------------------------------------------------------------------------------------------
# Applying a flow
# --------------------------------------------------------------------------------------------------


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
    """Outcome of a flow for each conviction (arrays aligned with the facts): the outcome, the
    project's reason, the deciding step's id, type and remedy, the ``Eligibility Reason`` label
    (the reference engine's wording where it names the same rule) and the section entry a
    ``section_in`` step matched."""

    outcome: np.ndarray
    reason: np.ndarray
    step: np.ndarray
    remedy: np.ndarray
    label: np.ndarray
    kind: np.ndarray
    matched: np.ndarray


def _fill(template: str, params: dict[str, Any], fill: np.ndarray, mask: np.ndarray) -> Any:
    """The reason text of the convictions of ``mask``: ``{section}`` filled per conviction."""
    text = _format_static(template, params)
    if "{section}" not in text:
        return text
    head, _, tail = text.partition("{section}")
    return head + fill[mask].astype(object) + tail.replace("{section}", "")


def _undecided(step: Step, facts: Facts, possible: np.ndarray, out: dict[str, Any]) -> None:
    """Convictions a step cannot decide (a test needs a fact the record does not tell) stop
    there, undecided: outcome ``review`` with the reason."""
    reasons = [
        STEP_TYPES[c.type].unknown_reason
        for c in step.conditions
        if STEP_TYPES[c.type].undecided(facts, c.params)[possible].any()
    ]
    reason = f"{'; '.join(dict.fromkeys(r for r in reasons if r))} (step {step.id})"
    out["reason"][possible] = reason
    out["label"][possible] = reason
    out["outcome"][possible] = "review"
    out["step"][possible] = step.id
    out["kind"][possible] = "undecided"


def apply_flow(flow: Flow, facts: Facts) -> Decision:
    """Run the steps in order; the first step whose tests all hold decides a conviction. A
    conviction whose next step cannot be decided (unknown facts, e.g. an unreadable sentence)
    stops there as ``review`` with the reason, never falling through to a later step."""
    n = len(facts)
    out = {k: np.full(n, "", dtype=object) for k in Decision.__dataclass_fields__}
    open_ = np.ones(n, dtype=bool)
    for step in flow.steps:
        if not open_.any():
            break
        mask = open_.copy()
        possible = open_.copy()
        labels = None
        for cond in step.conditions:
            m, lab = STEP_TYPES[cond.type].test(facts, cond.params)
            unknown = STEP_TYPES[cond.type].undecided(facts, cond.params)
            mask &= m & ~unknown
            possible &= m | unknown
            if lab is not None and labels is None:
                labels = lab
        possible &= ~mask
        if possible.any():
            _undecided(step, facts, possible, out)
            open_ &= ~possible
        if not mask.any():
            continue
        fill = labels if labels is not None else facts.prop64
        params = step.conditions[0].params
        out["reason"][mask] = _fill(step.reason, params, fill, mask)
        out["label"][mask] = _fill(step.label or step.reason, params, fill, mask)
        out["outcome"][mask] = step.outcome
        out["step"][mask] = step.id
        out["remedy"][mask] = step.remedy
        out["kind"][mask] = step.kind
        if labels is not None:
            out["matched"][mask] = labels[mask]
        open_ &= ~mask
    out["outcome"][open_] = flow.fallback_outcome
    out["reason"][open_] = flow.fallback_reason
    out["label"][open_] = flow.fallback_reason
    out["step"][open_] = "fallback"
    out["kind"][open_] = "fallback"
    return Decision(**out)
