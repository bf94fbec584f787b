"""County configuration: eligibility rules, score weights, outlier thresholds and the review mandate.

One county = one YAML file ``configs/counties/<county>.yaml`` (the county name in snake case, e.g.
``los_angeles.yaml``).  A file may ``extends:`` one preset or a list of presets from
``configs/presets/*.yaml``; counties without a file use ``configs/counties/statewide.yaml``.  The
eligibility presets themselves extend ``configs/presets/defaults.yaml`` (score weights, outlier
thresholds, the mandate and ranking), so every setting is written in a file, not in code; a key
missing everywhere falls back to the value in :func:`validate` (the same as ``defaults.yaml``).

Merging is a *deep merge*: mappings merge key by key, any other value (numbers, lists) replaces the
inherited one, and ``null`` deletes an inherited key (so a county can drop a preset's rule with
``rules: {age: null}``).

Weights are a number or one of the words in :data:`WEIGHT_PRESETS` (the only place these numbers are
written).  For the factor weights ``x_i`` a word takes the factor's documented direction
(:data:`FACTOR_DIRECTIONS`: mitigating → negative, aggravating → positive); a number is used as
written (negative = mitigating).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpers import paths
from helpers.counties import file_stem
from helpers.errors import InputError

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

STATUTORY_LISTS = ("serious", "violent", "super_strike", "sex_registrable", "homicide", "robbery")
SENTENCE_TYPES = (
    "DSL",
    "Second Striker",
    "Third Striker",
    "Life with Parole",
    "Life w/o Parole",
    "Condemned",
)

# Rule kinds: their parameters as name -> (type, required).
_NUM = (int, float)
_OFFENSE_PARAMS: dict[str, tuple[Any, bool]] = {
    "lists": (list, False),
    "sections": (list, False),
    "except_lists": (list, False),
    "except_sections": (list, False),
}
RULE_KINDS: dict[str, dict[str, tuple[Any, bool]]] = {
    "min_age": {"years": (_NUM, True)},
    "min_sentence_years": {"years": (_NUM, True)},
    "min_time_served_years": {"years": (_NUM, True)},
    "age_at_offense_between": {"min": (_NUM, True), "max": (_NUM, True)},
    "no_current_offense_in": _OFFENSE_PARAMS,
    "no_prior_offense_in": _OFFENSE_PARAMS,
    "controlling_offense_in": _OFFENSE_PARAMS,
    "any_current_offense_in": _OFFENSE_PARAMS,
    "no_enhancement": {"sections": (list, True)},
    "not_near_release": {"months": (_NUM, True)},
    "sentence_type_in": {"types": (list, True)},
    "sentence_type_not_in": {"types": (list, True)},
    "not_sex_registrant": {},
}

_TOP_KEYS = {
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
}
_SECTION_KEYS = {
    "screens": {"estimate_margin_years", "rules"},
    "score": {"a", "b", "d", "count_stayed", "factors", "enhancement_levels", "level_cap"},
    "outliers": {
        "min_peers",
        "peer_ratio",
        "peer_percentile",
        "guideline_ratio",
        "max_enhancements",
    },
    "mandate": {"min_cases", "share", "whichever"},
    "ranking": {"top_k"},
}


@dataclass(frozen=True)
class Rule:
    """One eligibility rule: its id in the file, its kind and its parameters."""

    id: str
    kind: str
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
    raw: dict[str, Any]


def weight_value(value: Any, where: str, file: str, direction: int = 1) -> float:
    """A weight as a number: numbers as written, words through :data:`WEIGHT_PRESETS` × direction."""
    if isinstance(value, bool):
        raise InputError(
            f"key '{where}': weight must be a number or a word, not {value}", file=file
        )
    if isinstance(value, _NUM):
        return float(value)
    if isinstance(value, str):
        word = " ".join(value.upper().replace("_", " ").split())
        if word in WEIGHT_PRESETS:
            return direction * WEIGHT_PRESETS[word]
    words = ", ".join(WEIGHT_PRESETS)
    raise InputError(
        f"key '{where}': unknown weight '{value}' (use a number or one of {words})", file=file
    )


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``: mappings recurse, ``None`` deletes, others replace."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise InputError("configuration file not found", file=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise InputError(
            f"{line}not valid YAML ({getattr(exc, 'problem', exc)})", file=path.name
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("must be a mapping of keys (name:, extends:, screens:, …)", file=path.name)
    return data


def _resolve(path: Path, config_dir: Path, seen: tuple[Path, ...]) -> tuple[dict, list[str]]:
    """Read ``path`` and everything it extends, merged base first."""
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise InputError(f"'extends' loops: {chain}", file=path.name)
    data = _read_yaml(path)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise InputError(
            f"unknown key '{sorted(unknown)[0]}' (expected: {', '.join(sorted(_TOP_KEYS))})",
            file=path.name,
        )
    parents = data.get("extends") or []
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise InputError("key 'extends': must be a preset name or a list of them", file=path.name)
    merged: dict[str, Any] = {}
    files: list[str] = []
    for parent in parents:
        parent_path = config_dir / "presets" / f"{file_stem(parent)}.yaml"
        if not parent_path.exists():
            names = ", ".join(sorted(p.stem for p in (config_dir / "presets").glob("*.yaml")))
            raise InputError(
                f"key 'extends': no preset '{parent}' (available: {names})", file=path.name
            )
        parent_data, parent_files = _resolve(parent_path, config_dir, (*seen, path))
        merged = deep_merge(merged, parent_data)
        files += [f for f in parent_files if f not in files]
    own = {k: v for k, v in data.items() if k != "extends"}
    # Descriptive keys belong to the file that states them; they are not inherited.
    for key in ("name", "description", "sources"):
        if key in own:
            merged.pop(key, None)
    merged = deep_merge(merged, own)
    return merged, [*files, str(path)]


def _check_mapping(value: Any, where: str, file: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"key '{where}': must be a mapping", file=file)
    unknown = set(value) - allowed
    if unknown:
        raise InputError(
            f"unknown key '{where}.{sorted(unknown)[0]}' (expected: {', '.join(sorted(allowed))})",
            file=file,
        )
    return value


def _number(
    section: dict, key: str, where: str, file: str, default: float, lo: float, hi: float
) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, _NUM) or not lo <= value <= hi:
        raise InputError(f"key '{where}.{key}': must be a number from {lo} to {hi}", file=file)
    return float(value)


def _rule(rule_id: str, spec: Any, file: str) -> Rule:
    where = f"screens.rules.{rule_id}"
    if not isinstance(spec, dict) or "rule" not in spec:
        raise InputError(
            f"key '{where}': must be a mapping with 'rule:' and its settings", file=file
        )
    kind = spec["rule"]
    if kind not in RULE_KINDS:
        raise InputError(
            f"key '{where}.rule': unknown rule '{kind}' (known: {', '.join(RULE_KINDS)})", file=file
        )
    params = {k: v for k, v in spec.items() if k != "rule"}
    expected = RULE_KINDS[kind]
    for key in params:
        if key not in expected:
            allowed = ", ".join(expected) or "no settings"
            raise InputError(
                f"key '{where}.{key}': rule '{kind}' does not take '{key}' ({allowed})", file=file
            )
    for key, (kind_type, required) in expected.items():
        if key not in params:
            if required:
                raise InputError(f"key '{where}': rule '{kind}' needs '{key}'", file=file)
            continue
        value = params[key]
        if isinstance(value, bool) or not isinstance(value, kind_type):
            what = "a number" if kind_type is _NUM else "a list"
            raise InputError(f"key '{where}.{key}': must be {what}", file=file)
        if key in ("lists", "except_lists"):
            bad = [v for v in value if v not in STATUTORY_LISTS]
            if bad:
                raise InputError(
                    f"key '{where}.{key}': unknown list '{bad[0]}' (known: {', '.join(STATUTORY_LISTS)})",
                    file=file,
                )
        if key == "types":
            bad = [v for v in value if v not in SENTENCE_TYPES]
            if bad:
                raise InputError(
                    f"key '{where}.types': unknown sentence type '{bad[0]}' (known: {', '.join(SENTENCE_TYPES)})",
                    file=file,
                )
        if key in ("sections", "except_sections"):
            params[key] = [str(v).replace(" ", "").upper() for v in value]
    if kind.endswith("offense_in") and not (params.get("lists") or params.get("sections")):
        raise InputError(f"key '{where}': rule '{kind}' needs 'lists' or 'sections'", file=file)
    if kind == "age_at_offense_between" and params["min"] > params["max"]:
        raise InputError(f"key '{where}': 'min' is above 'max'", file=file)
    return Rule(rule_id, kind, params)


def validate(data: dict[str, Any], file: str, county: str | None = None) -> CountyConfig:
    """Check a merged configuration and turn it into a :class:`CountyConfig`."""
    for section, keys in _SECTION_KEYS.items():
        _check_mapping(data.get(section, {}), section, file, keys)
    screens = data.get("screens", {})
    rules_raw = screens.get("rules", {}) or {}
    _check_mapping(rules_raw, "screens.rules", file, set(rules_raw))
    rules = tuple(_rule(str(k), v, file) for k, v in rules_raw.items())
    margin = _number(screens, "estimate_margin_years", "screens", file, 1.0, 0.0, 10.0)

    s = data.get("score", {})
    a = weight_value(s.get("a", 0.3), "score.a", file)
    b = weight_value(s.get("b", 0.5), "score.b", file)
    d = _number(s, "d", "score", file, 0.95, 0.0, 1.0)
    factors_raw = _check_mapping(
        s.get("factors", {}) or {}, "score.factors", file, set(FACTOR_DIRECTIONS)
    )
    factors = {
        name: weight_value(
            factors_raw.get(name, "NONE"), f"score.factors.{name}", file, FACTOR_DIRECTIONS[name]
        )
        for name in FACTOR_DIRECTIONS
    }
    labels = {"a": str(s.get("a", 0.3)), "b": str(s.get("b", 0.5))}
    labels |= {name: str(factors_raw.get(name, "NONE")) for name in FACTOR_DIRECTIONS}
    enh = _check_mapping(
        s.get("enhancement_levels", {}) or {},
        "score.enhancement_levels",
        file,
        set(s.get("enhancement_levels", {}) or {}),
    )
    for key, value in enh.items():
        if isinstance(value, bool) or not isinstance(value, _NUM):
            raise InputError(f"key 'score.enhancement_levels.{key}': must be a number", file=file)
    count_stayed = s.get("count_stayed", False)
    if not isinstance(count_stayed, bool):
        raise InputError("key 'score.count_stayed': must be true or false", file=file)
    score = ScoreSettings(
        a=a,
        b=b,
        d=d,
        factors=factors,
        labels=labels,
        count_stayed=count_stayed,
        enhancement_levels={str(k).replace(" ", "").upper(): float(v) for k, v in enh.items()},
        level_cap=_number(s, "level_cap", "score", file, 43, 1, 100),
    )

    o = data.get("outliers", {})
    outliers = OutlierSettings(
        min_peers=int(_number(o, "min_peers", "outliers", file, 10, 1, 1e6)),
        peer_ratio=_number(o, "peer_ratio", "outliers", file, 2.0, 1.0, 100.0),
        peer_percentile=_number(o, "peer_percentile", "outliers", file, 0.95, 0.5, 1.0),
        guideline_ratio=_number(o, "guideline_ratio", "outliers", file, 3.0, 1.0, 100.0),
        max_enhancements=int(_number(o, "max_enhancements", "outliers", file, 5, 0, 100)),
    )
    m = data.get("mandate", {})
    whichever = m.get("whichever", "fewer")
    if whichever not in ("fewer", "more"):
        raise InputError("key 'mandate.whichever': must be 'fewer' or 'more'", file=file)
    mandate = Mandate(
        min_cases=int(_number(m, "min_cases", "mandate", file, 5, 0, 1e6)),
        share=_number(m, "share", "mandate", file, 0.5, 0.0, 1.0),
        whichever=whichever,
    )
    r = data.get("ranking", {})
    top_k = int(_number(r, "top_k", "ranking", file, 50, 1, 1e7))
    sources = data.get("sources", []) or []
    if isinstance(sources, str):
        sources = [sources]
    return CountyConfig(
        name=str(data.get("name", county or "statewide")),
        county=county if county is not None else data.get("county"),
        description=str(data.get("description", "")).strip(),
        sources=[str(x) for x in sources],
        files=[],
        rules=rules,
        estimate_margin_years=margin,
        score=score,
        outliers=outliers,
        mandate=mandate,
        top_k=top_k,
        raw=data,
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
    data, files = _resolve(path, config_dir, ())
    config = validate(data, path.name, county)
    return CountyConfig(**{**config.__dict__, "files": files})


def list_presets(config_dir: Path | None = None) -> list[str]:
    """Names of the presets shipped in ``configs/presets``."""
    config_dir = Path(config_dir) if config_dir is not None else CONFIG_DIR
    return sorted(p.stem for p in (config_dir / "presets").glob("*.yaml"))
