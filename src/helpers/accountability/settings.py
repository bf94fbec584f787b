"""The accountability settings: cost of a year in prison, the county share and the fallback mandate.

They are written, with their sources, in ``configs/accountability.yaml`` and read here with the
project's one YAML reader (:mod:`helpers.yamlconfig`), so a missing, misspelt or non-finite setting
is a one-line error naming the file and the key.  See ``book/method/accountability.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import paths
from helpers.screening.config import Mandate
from helpers.yamlconfig import (
    check_keys,
    choice,
    fail,
    integer,
    mapping,
    number,
    read_mapping,
    text,
    text_list,
)

SETTINGS_FILE = paths.CONFIG_DIR / "accountability.yaml"
"""The accountability settings file."""
SETTING_KEYS = (
    "description",
    "sources",
    "cost_per_person_year",
    "comparison_cost_per_person_year",
    "cost_year",
    "comparison_cost_year",
    "county_share",
    "mandate",
    "projected_top_k",
    "marginal_cost_share",
    "scenarios",
)
"""The keys of the settings file."""
MANDATE_KEYS = ("min_cases", "share", "whichever")
"""The keys of the settings file's ``mandate``."""
SCENARIO_KEYS = ("name", "grant_rate", "cost", "discount_rate")
"""The keys of each of the settings file's savings ``scenarios``."""
COST_BASES = ("average", "marginal")
"""A scenario's cost of a person-year: the average cost, or the marginal cost (its share)."""


@dataclass(frozen=True)
class Scenario:
    """A savings scenario: the share of candidates resentenced, the cost basis and discounting."""

    name: str
    grant_rate: float
    cost: str
    discount_rate: float


@dataclass(frozen=True)
class Settings:
    """Cost per person-year, the memo's comparison cost, the county share and the fallback mandate."""

    cost_per_person_year: float
    comparison_cost_per_person_year: float
    county_share: float
    mandate: Mandate
    projected_top_k: int
    cost_year: str
    comparison_cost_year: str
    description: str
    sources: tuple[str, ...]
    marginal_cost_share: float = 1.0
    scenarios: tuple[Scenario, ...] = ()

    def cost_of(self, scenario: Scenario) -> float:
        """The cost of a person-year under ``scenario`` (average, or its marginal share)."""
        share = self.marginal_cost_share if scenario.cost == "marginal" else 1.0
        return self.cost_per_person_year * share


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read ``configs/accountability.yaml`` (or ``path``); keyword ``overrides`` replace values.

    Every setting is required and checked (costs positive, the county share between 0 and 1, the
    mandate's rule ``fewer`` or ``more``); an override is checked like the file's value.
    """
    path = Path(path) if path is not None else SETTINGS_FILE
    doc = read_mapping(path)
    check_keys(doc, SETTING_KEYS, path)
    check_keys(overrides, SETTING_KEYS, path)
    doc |= {key: value for key, value in overrides.items() if value is not None}
    return Settings(
        cost_per_person_year=_positive(
            doc.get("cost_per_person_year"), "cost_per_person_year", path
        ),
        comparison_cost_per_person_year=_positive(
            doc.get("comparison_cost_per_person_year"), "comparison_cost_per_person_year", path
        ),
        county_share=number(doc.get("county_share"), "county_share", path, lo=0, hi=1),
        mandate=_mandate(doc.get("mandate"), path),
        projected_top_k=integer(doc.get("projected_top_k"), "projected_top_k", path, lo=1),
        cost_year=text(doc.get("cost_year"), "cost_year", path),
        comparison_cost_year=text(doc.get("comparison_cost_year"), "comparison_cost_year", path),
        description=text(doc.get("description"), "description", path),
        sources=tuple(text_list(doc.get("sources"), "sources", path)),
        marginal_cost_share=number(
            doc.get("marginal_cost_share"), "marginal_cost_share", path, lo=0, hi=1
        ),
        scenarios=_scenarios(doc.get("scenarios"), path),
    )


def _scenarios(value: Any, path: Path) -> tuple[Scenario, ...]:
    """The savings scenarios: a non-empty list of name, grant rate, cost basis, discount rate."""
    if isinstance(value, tuple) and all(isinstance(v, Scenario) for v in value):
        return value
    if not isinstance(value, list) or not value:
        raise fail(path, "scenarios", "a non-empty list of scenarios", value)
    out = []
    for i, item in enumerate(value):
        key = f"scenarios[{i}]"
        m = mapping(item, key, path)
        check_keys(m, SCENARIO_KEYS, path, key)
        out.append(
            Scenario(
                name=text(m.get("name"), f"{key}.name", path),
                grant_rate=number(m.get("grant_rate"), f"{key}.grant_rate", path, lo=0, hi=1),
                cost=choice(m.get("cost"), f"{key}.cost", path, COST_BASES),
                discount_rate=number(
                    m.get("discount_rate"), f"{key}.discount_rate", path, lo=0, hi=1
                ),
            )
        )
    return tuple(out)


def _positive(value: Any, key: str, path: Path) -> float:
    """A finite number above zero."""
    out = number(value, key, path)
    if out <= 0:
        raise fail(path, key, "a positive number", value)
    return out


def _mandate(value: Any, path: Path) -> Mandate:
    """The fallback review mandate (a :class:`Mandate` override is taken as it is)."""
    if isinstance(value, Mandate):
        return value
    m = mapping(value, "mandate", path)
    check_keys(m, MANDATE_KEYS, path, "mandate")
    return Mandate(
        min_cases=integer(m.get("min_cases"), "mandate.min_cases", path, lo=0),
        share=number(m.get("share"), "mandate.share", path, lo=0, hi=1),
        whichever=choice(m.get("whichever"), "mandate.whichever", path, ("fewer", "more")),
    )
