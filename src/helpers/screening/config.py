"""County configuration: eligibility rules, score weights, outlier thresholds and the review mandate.

One county = one YAML file ``configs/counties/<county>.yaml`` (the county name in snake case, e.g.
``los_angeles.yaml``).  A file may ``extends:`` one preset or a list of presets from
``configs/presets/*.yaml``; counties without a file use ``configs/counties/statewide.yaml``.  The
eligibility presets themselves extend ``configs/presets/defaults.yaml`` (score weights, outlier
thresholds, the mandate and ranking), so every setting is written in a file, not in code; a key
missing everywhere falls back to the value in :func:`validate` (the same as ``defaults.yaml``).

Files are read with :mod:`helpers.yamlconfig` (one reader and one error format for every settings
file).  Merging is a *deep merge*: mappings merge key by key, any other value (numbers, lists)
replaces the inherited one, and ``null`` removes an inherited setting (so a county can drop a
preset's rule with ``rules: {age: null}``; a removed setting takes its default).  A rule names its
type with ``type:`` (the types and their settings: :data:`helpers.screening.rules.RULE_TYPES`).

Weights are a number or one of the words in :data:`WEIGHT_PRESETS` (the only place these numbers are
written).  For the factor weights ``x_i`` a word takes the factor's documented direction
(:data:`FACTOR_DIRECTIONS`: mitigating → negative, aggravating → positive); a number is used as
written (negative = mitigating).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import paths
from helpers.counties import file_stem
from helpers.data.reference import LIST_NAMES
from helpers.data.schema import SENTENCE_TYPES
from helpers.screening.offenses import parse_offense_keys
from helpers.screening.rules import PARAM_KINDS, RULE_TYPES, RuleParam
from helpers.yamlconfig import (
    Doc,
    check_keys,
    choice,
    fail,
    flag,
    integer,
    join,
    mapping,
    number,
    parents_of,
    read_mapping,
    resolve_extends,
    text,
    text_list,
)

CONFIG_DIR = paths.CONFIG_DIR

#: Weight words and their numbers: one doubling step per word, with HIGH = 1 (the memo's x_class).
WEIGHT_PRESETS: dict[str, float] = {
    "NONE": 0.0,
    "LOW": 0.25,
    "MEDIUM": 0.5,
    "HIGH": 1.0,
    "VERY HIGH": 2.0,
}
WEIGHT_STEPS: tuple[float, ...] = tuple(WEIGHT_PRESETS.values())

#: Factors of PC 1172.1 the score knows, with their direction (-1 mitigating, +1 aggravating).
FACTOR_DIRECTIONS: dict[str, int] = {
    "age": -1,
    "youth_at_offense": -1,
    "time_served": -1,
    "rules_violations": +1,
    "education_rehabilitation": -1,
    "mental_illness": -1,
    "trauma_abuse": -1,
    "ipv_trafficking": -1,
    "elderly_poor_health": -1,
}

TOP_KEYS = (
    "name",
    "description",
    "sources",
    "extends",
    "county",
    "screens",
    "score",
    "outliers",
    "mandate",
    "ranking",
)
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "screens": ("estimate_margin_years", "rules"),
    "score": ("a", "b", "d", "count_stayed", "factors", "enhancement_levels", "level_cap"),
    "outliers": (
        "min_peers",
        "peer_ratio",
        "peer_percentile",
        "guideline_ratio",
        "max_enhancements",
    ),
    "mandate": ("min_cases", "share", "whichever"),
    "ranking": ("top_k",),
}


@dataclass(frozen=True)
class Rule:
    """One eligibility rule: its id in the file, its type (:data:`RULE_TYPES`) and its settings."""

    id: str
    type: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ScoreSettings:
    """Weights of R = a·Σf(current) + b·Σf(prior)·d^t + Σ x_i·y_i (see :mod:`helpers.screening.score`)."""

    a: float
    b: float
    d: float
    factors: dict[str, float]  # x_i, signed
    labels: dict[str, str]  # weight as written in the file (word or number), for reports
    count_stayed: bool = False
    enhancement_levels: dict[str, float] = field(default_factory=dict)
    level_cap: float = 43.0


@dataclass(frozen=True)
class OutlierSettings:
    """Thresholds for extreme sentences against peers and against the federal guideline range."""

    min_peers: int = 10
    peer_ratio: float = 2.0
    peer_percentile: float = 0.95
    guideline_ratio: float = 3.0
    max_enhancements: int = 5


@dataclass(frozen=True)
class Mandate:
    """Review at least ``min_cases`` or ``share`` of the extreme outliers (whichever is fewer/more)."""

    min_cases: int = 5
    share: float = 0.5
    whichever: str = "fewer"

    def required(self, n_outliers: int) -> int:
        """Number of outliers an office must review when it has ``n_outliers``."""
        by_share = int(-(-n_outliers * self.share // 1))  # ceil
        pick = min if self.whichever == "fewer" else max
        return int(min(n_outliers, pick(self.min_cases, by_share)))


@dataclass(frozen=True)
class CountyConfig:
    """A validated county configuration."""

    name: str
    county: str | None
    description: str
    sources: list[str]
    files: list[str]  # files merged, base first
    rules: tuple[Rule, ...]
    estimate_margin_years: float
    score: ScoreSettings
    outliers: OutlierSettings
    mandate: Mandate
    top_k: int


def weight_value(value: Any, key: str, path: Path | None, direction: int = 1) -> float:
    """A weight as a number: numbers as written, words through :data:`WEIGHT_PRESETS` × direction."""
    if isinstance(value, str):
        word = " ".join(value.upper().replace("_", " ").split())
        if word in WEIGHT_PRESETS:
            return direction * WEIGHT_PRESETS[word]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value, key, path)
    raise fail(path, key, f"a finite number or one of {', '.join(WEIGHT_PRESETS)}", value)


# --------------------------------------------------------------------------------------------------
# Reading the files
# --------------------------------------------------------------------------------------------------


def _preset_path(config_dir: Path, name: str) -> Path:
    return config_dir / "presets" / f"{file_stem(name)}.yaml"


def _check_rule_entries(rules: Any, path: Path) -> None:
    """Each rule is a mapping or ``null``; a rule written with the key ``rule:`` must say ``type:``."""
    for rule_id, spec in mapping(rules, "screens.rules", path).items():
        where = join("screens.rules", str(rule_id))
        if spec is not None and not isinstance(spec, dict):
            raise fail(path, where, "a mapping with 'type:' and its settings", spec)
        if isinstance(spec, dict) and "rule" in spec:
            raise fail(
                path, join(where, "rule"), f"'type: {spec['rule']}' (write type:, not rule:)"
            )


def _read_file(path: Path, config_dir: Path) -> Doc:
    """One settings file, checked for its own keys and presets before it is merged."""
    doc = read_mapping(path)
    check_keys(doc, TOP_KEYS, path)
    for name in parents_of(doc, path):
        if not _preset_path(config_dir, name).is_file():
            names = ", ".join(list_presets(config_dir))
            raise fail(path, "extends", f"the name of a preset ({names})", name)
    for section, keys in SECTION_KEYS.items():
        check_keys(mapping(doc.get(section), section, path), keys, path, section)
    _check_rule_entries((doc.get("screens") or {}).get("rules"), path)
    return doc


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


def _setting(section: Doc, key: str, default: Any) -> Any:
    """A setting of a merged section; absent or ``null`` takes ``default``."""
    value = section.get(key)
    return default if value is None else value


def offense_key(value: Any) -> str:
    """A county-written offense key in the form :func:`~helpers.screening.offenses.in_sections`
    reads: code, section and subdivision without spaces (``PC 245(a)`` -> ``PC245(A)``), a degree
    after one space (``PC459 2nd``)."""
    found = re.match(r"^(.*?)\s*\b(1st|2nd)\s*$", str(value), flags=re.IGNORECASE)
    base, degree = (found.group(1), found.group(2).lower()) if found else (str(value), "")
    key = base.replace(" ", "").upper()
    return f"{key} {degree}" if degree else key


def _param_value(value: Any, param: RuleParam, key: str, path: Path | None) -> Any:
    """One rule setting checked against its schema (sections normalised, e.g. ``PC 245(a)``)."""
    if param.kind == "number":
        number(value, key, path, lo=param.lo, hi=param.hi)
        return value
    if not isinstance(value, list):
        raise fail(path, key, PARAM_KINDS[param.kind], value)
    allowed = {"lists": LIST_NAMES, "types": SENTENCE_TYPES}.get(param.kind)
    if allowed is not None:
        for i, item in enumerate(value):
            choice(item, join(key, i), path, allowed)
        return value
    keys = [offense_key(v) for v in value]
    try:
        parse_offense_keys(keys)
    except ValueError as exc:
        raise fail(path, key, PARAM_KINDS[param.kind], str(exc)) from None
    return keys


def _rule(rule_id: str, spec: Doc, path: Path | None) -> Rule:
    """One rule of ``screens.rules``: its type and settings checked against :data:`RULE_TYPES`."""
    where = join("screens.rules", rule_id)
    if not isinstance(spec, dict) or "type" not in spec:
        raise fail(path, where, "a mapping with 'type:' and its settings", spec)
    name = choice(spec["type"], join(where, "type"), path, RULE_TYPES)
    rule_type = RULE_TYPES[name]
    check_keys(spec, ["type", *rule_type.params], path, where)
    params: dict[str, Any] = {}
    for key, param in rule_type.params.items():
        if spec.get(key) is not None:
            params[key] = _param_value(spec[key], param, join(where, key), path)
        elif param.required:
            raise fail(path, join(where, key), f"{PARAM_KINDS[param.kind]} (type {name} needs it)")
    if rule_type.one_of and not any(params.get(k) for k in rule_type.one_of):
        raise fail(path, where, f"at least one of {' or '.join(rule_type.one_of)} (type {name})")
    problem = rule_type.check(params) if rule_type.check is not None else ""
    if problem:
        raise fail(path, where, problem)
    return Rule(rule_id, name, params)


def _rules(screens: Doc, path: Path | None) -> tuple[Rule, ...]:
    """The rules in file order; a rule set to ``null`` is dropped."""
    rules = mapping(screens.get("rules"), "screens.rules", path)
    return tuple(_rule(str(k), v, path) for k, v in rules.items() if v is not None)


def _score(s: Doc, path: Path | None) -> ScoreSettings:
    """``score:``: the weights a, b, d, the factor weights, enhancement levels and the level cap."""
    factors_raw = mapping(s.get("factors"), "score.factors", path)
    check_keys(factors_raw, FACTOR_DIRECTIONS, path, "score.factors")
    factor_words = {name: _setting(factors_raw, name, "NONE") for name in FACTOR_DIRECTIONS}
    factors = {
        name: weight_value(word, f"score.factors.{name}", path, FACTOR_DIRECTIONS[name])
        for name, word in factor_words.items()
    }
    a, b = _setting(s, "a", 0.3), _setting(s, "b", 0.5)
    enh = mapping(s.get("enhancement_levels"), "score.enhancement_levels", path)
    levels = {
        str(k).replace(" ", "").upper(): number(v, f"score.enhancement_levels.{k}", path)
        for k, v in enh.items()
    }
    return ScoreSettings(
        a=weight_value(a, "score.a", path),
        b=weight_value(b, "score.b", path),
        d=number(_setting(s, "d", 0.95), "score.d", path, lo=0.0, hi=1.0),
        factors=factors,
        labels={"a": str(a), "b": str(b)} | {k: str(v) for k, v in factor_words.items()},
        count_stayed=flag(_setting(s, "count_stayed", False), "score.count_stayed", path),
        enhancement_levels=levels,
        level_cap=number(_setting(s, "level_cap", 43), "score.level_cap", path, lo=1, hi=100),
    )


def _outliers(o: Doc, path: Path | None) -> OutlierSettings:
    """``outliers:``: the peer and guideline thresholds."""

    def ratio(key: str, default: float, lo: float, hi: float) -> float:
        return number(_setting(o, key, default), f"outliers.{key}", path, lo=lo, hi=hi)

    return OutlierSettings(
        min_peers=integer(_setting(o, "min_peers", 10), "outliers.min_peers", path, lo=1),
        peer_ratio=ratio("peer_ratio", 2.0, 1.0, 100.0),
        peer_percentile=ratio("peer_percentile", 0.95, 0.5, 1.0),
        guideline_ratio=ratio("guideline_ratio", 3.0, 1.0, 100.0),
        max_enhancements=integer(
            _setting(o, "max_enhancements", 5), "outliers.max_enhancements", path, lo=0, hi=100
        ),
    )


def _mandate(m: Doc, path: Path | None) -> Mandate:
    """``mandate:``: review at least ``min_cases`` or ``share`` of the outliers."""
    return Mandate(
        min_cases=integer(_setting(m, "min_cases", 5), "mandate.min_cases", path, lo=0),
        share=number(_setting(m, "share", 0.5), "mandate.share", path, lo=0.0, hi=1.0),
        whichever=choice(
            _setting(m, "whichever", "fewer"), "mandate.whichever", path, ("fewer", "more")
        ),
    )


def validate(data: Doc, path: Path | None = None, county: str | None = None) -> CountyConfig:
    """Check a merged configuration and turn it into a :class:`CountyConfig`.

    Errors name ``path``, the key and what was expected (:func:`helpers.yamlconfig.fail`); a
    setting that is absent (or ``null``) takes the default written here, the same as
    ``configs/presets/defaults.yaml``.
    """
    sections = {}
    for section, keys in SECTION_KEYS.items():
        sections[section] = mapping(data.get(section), section, path)
        check_keys(sections[section], keys, path, section)
    screens = sections["screens"]
    margin = _setting(screens, "estimate_margin_years", 1.0)
    top_k = _setting(sections["ranking"], "top_k", 50)
    name = _setting(data, "name", county or "statewide")
    return CountyConfig(
        name=text(str(name), "name", path),
        county=county if county is not None else data.get("county"),
        description=text(_setting(data, "description", ""), "description", path, empty=True),
        sources=text_list(_setting(data, "sources", []), "sources", path),
        files=[],
        rules=_rules(screens, path),
        estimate_margin_years=number(
            margin, "screens.estimate_margin_years", path, lo=0.0, hi=10.0
        ),
        score=_score(sections["score"], path),
        outliers=_outliers(sections["outliers"], path),
        mandate=_mandate(sections["mandate"], path),
        top_k=integer(top_k, "ranking.top_k", path, lo=1, hi=10_000_000),
    )


def county_file(county: str | None, config_dir: Path = CONFIG_DIR) -> Path:
    """The file for ``county``: ``counties/<snake>.yaml`` if present, else ``counties/statewide.yaml``."""
    if county:
        path = config_dir / "counties" / f"{file_stem(county)}.yaml"
        if path.exists():
            return path
    return config_dir / "counties" / "statewide.yaml"


def load_config(
    county: str | None, path: Path | None = None, *, config_dir: Path | None = None
) -> CountyConfig:
    """Load and validate the configuration of ``county`` (or the file ``path``), presets merged in."""
    config_dir = Path(config_dir) if config_dir is not None else CONFIG_DIR
    path = Path(path) if path is not None else county_file(county, config_dir)
    data, files = resolve_extends(
        path,
        lambda name: _preset_path(config_dir, name),
        lambda file: _read_file(file, config_dir),
    )
    config = validate(data, path, county)
    return CountyConfig(**{**config.__dict__, "files": [str(f) for f in files]})


def list_presets(config_dir: Path | None = None) -> list[str]:
    """Names of the presets shipped in ``configs/presets``."""
    config_dir = Path(config_dir) if config_dir is not None else CONFIG_DIR
    return sorted(p.stem for p in (config_dir / "presets").glob("*.yaml"))
