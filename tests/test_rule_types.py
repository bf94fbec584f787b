"""The rule-type registry: one entry gives the configuration, the screens and the criteria page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.screening import rules
from helpers.screening.config import load_config
from helpers.screening.rules import (
    RULE_TYPES,
    RuleInput,
    RuleParam,
    RuleResult,
    RuleType,
    reason_text,
    rule_reference_markdown,
    write_rule_reference,
)
from helpers.screening.screens import screen

ROOT = Path(__file__).resolve().parents[1]
CRITERIA = ROOT / "book" / "method" / "criteria.md"


def _max_age(rule: RuleInput) -> RuleResult:
    years = float(rule.params["years"])
    age = rule.data.people["age"].to_numpy(dtype="float64")
    passed = age <= years
    fail = reason_text(TALL.reason, age=pd.Series(age).map("{:.0f}".format), years=years)
    unknown = pd.Series("", index=range(len(age)), dtype="string")
    return RuleResult(
        pd.Series(pd.array(passed, dtype="boolean")), fail.where(~passed, ""), unknown
    )


TALL = RuleType(
    {"years": RuleParam("number", "the oldest age that passes", True, 0, 120)},
    _max_age,
    "age {age} is over {years}",
    "Age is at most `years`.",
)


def test_every_registered_type_is_in_the_reference() -> None:
    text = rule_reference_markdown()
    for name, spec in RULE_TYPES.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        assert spec.doc in row and spec.reason in row
        for setting in spec.params:
            assert f"`{setting}`" in row


def test_a_new_type_appears_in_the_page_without_editing_docs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(rules.RULE_TYPES, "max_age", TALL)
    path = write_rule_reference(tmp_path)
    assert path.name == "rule_types.md"
    row = [line for line in path.read_text().splitlines() if line.startswith("| `max_age` |")]
    assert row and "`years` (number 0 to 120)" in row[0] and "age {age} is over {years}" in row[0]


def test_a_new_type_is_accepted_by_the_files_and_run_by_the_screens(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(rules.RULE_TYPES, "max_age", TALL)
    path = tmp_path / "young.yaml"
    path.write_text("screens: {rules: {young: {type: max_age, years: 40}}}\n")
    config = load_config(None, path)
    people = pd.DataFrame(
        {
            "cdcno": ["a", "b"],
            "county": ["Yolo", "Yolo"],
            "age": [35.0, 52.0],
            "age_source": ["reported"] * 2,
            "age_at_offense_source": ["reported"] * 2,
            "sentence_type": ["DSL"] * 2,
            **{f"controlling_{c}": [None, None] for c in ("code", "section", "subdivision")},
            **{f"controlling_{c}": [None, None] for c in ("degree", "attempt", "offense_key")},
        }
    )
    out = screen({"people": people}, config)
    assert out["eligibility"].tolist() == ["eligible", "not eligible"]
    assert out.loc[1, "failed_rules"] == "young: age 52 is over 40"
    assert np.array_equal(out["rule_young"].to_numpy(dtype=bool), [True, False])


def test_the_criteria_page_includes_the_generated_reference() -> None:
    text = CRITERIA.read_text()
    assert "{include} ../generated/rule_types.md" in text
    assert not any(line.startswith(("| `min_age`", "| rule |")) for line in text.splitlines())


def test_reason_text_fills_settings_and_per_person_values() -> None:
    words = reason_text(
        "served {served} years, under {years}", served=pd.Series(["3.5"]), years=10.0
    )
    assert words.tolist() == ["served 3.5 years, under 10"]
    assert reason_text("no current offense is {targets}", targets="serious") == (
        "no current offense is serious"
    )
