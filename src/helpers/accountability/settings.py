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
)
"""The keys of the settings file."""
MANDATE_KEYS = ("min_cases", "share", "whichever")
"""The keys of the settings file's ``mandate``."""


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
    )


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
