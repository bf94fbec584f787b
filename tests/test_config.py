"""County configuration: presets, deep merge, weight words, validation errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.errors import InputError
from helpers.screening.config import (
    CONFIG_DIR,
    WEIGHT_PRESETS,
    Mandate,
    deep_merge,
    list_presets,
    load_config,
    weight_value,
)

PRESETS = {
    "la_adult": [
        "min_age",
        "min_sentence_years",
        "min_time_served_years",
        "no_current_offense_in",
        "no_prior_offense_in",
    ],
    "la_juvenile": [
        "min_time_served_years",
        "age_at_offense_between",
        "no_current_offense_in",
        "no_prior_offense_in",
    ],
    "la_robbery": [
        "controlling_offense_in",
        "no_enhancement",
        "no_current_offense_in",
        "no_current_offense_in",
        "no_prior_offense_in",
        "min_time_served_years",
    ],
    "statewide_general": [
        "min_sentence_years",
        "min_time_served_years",
        "no_current_offense_in",
        "no_prior_offense_in",
    ],
    "nonviolent_nonserious_nonsex": ["no_current_offense_in", "no_prior_offense_in"],
    "cdcr_referral": ["sentence_type_not_in", "not_sex_registrant", "not_near_release"],
}


@pytest.mark.parametrize(("preset", "kinds"), PRESETS.items())
def test_presets_load_with_their_rules(preset: str, kinds: list[str]) -> None:
    config = load_config(None, CONFIG_DIR / "presets" / f"{preset}.yaml")
    assert [r.kind for r in config.rules] == kinds
    assert config.sources, f"{preset} names its sources"
    assert config.score.a == 0.3 and config.score.b == 0.5 and config.score.d == 0.95


def test_six_presets_plus_defaults_are_shipped() -> None:
    assert set(PRESETS) | {"defaults"} == set(list_presets())


@pytest.mark.parametrize(
    ("county", "name", "first_rule"),
    [
        ("Los Angeles", "Los Angeles", ("age", 50)),
        ("Santa Clara", "Santa Clara", ("sentence", 20)),
        ("Fresno", "statewide", ("sentence", 20)),  # no file: the statewide default
        (None, "statewide", ("sentence", 20)),
    ],
)
def test_county_files_and_statewide_default(county, name, first_rule) -> None:
    config = load_config(county)
    assert config.name == name
    rule = config.rules[0]
    assert (rule.id, rule.params["years"]) == first_rule
    assert Path(config.files[0]).name == "defaults.yaml"


def test_la_county_extends_la_adult_and_weights_take_direction() -> None:
    config = load_config("Los Angeles")
    assert [Path(f).name for f in config.files] == [
        "defaults.yaml",
        "la_adult.yaml",
        "los_angeles.yaml",
    ]
    assert config.score.factors["education_rehabilitation"] == -WEIGHT_PRESETS["HIGH"] == -1.0
    assert config.score.factors["rules_violations"] == WEIGHT_PRESETS["MEDIUM"] == 0.5
    assert config.mandate.required(13) == 5


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        ("NONE", -1, 0.0),
        ("low", -1, -0.25),
        ("Medium", 1, 0.5),
        ("VERY HIGH", -1, -2.0),
        ("very_high", 1, 2.0),
        (-1, -1, -1.0),
        (0.7, -1, 0.7),
    ],
)
def test_weight_words_and_numbers(value, direction, expected) -> None:
    assert weight_value(value, "score.factors.age", "x.yaml", direction) == expected


@pytest.mark.parametrize(
    ("n", "min_cases", "share", "whichever", "expected"),
    [
        (0, 5, 0.5, "fewer", 0),
        (3, 5, 0.5, "fewer", 2),
        (8, 5, 0.5, "fewer", 4),
        (40, 5, 0.5, "fewer", 5),
        (8, 5, 0.5, "more", 5),
        (40, 5, 0.5, "more", 20),
        (3, 5, 0.5, "more", 3),
    ],
)
def test_mandate_sizes(n, min_cases, share, whichever, expected) -> None:
    assert Mandate(min_cases, share, whichever).required(n) == expected


def test_deep_merge_recurses_replaces_and_deletes() -> None:
    base = {
        "screens": {
            "rules": {"age": {"rule": "min_age", "years": 50}, "x": {"rule": "not_sex_registrant"}}
        },
        "score": {"a": 1},
    }
    over = {"screens": {"rules": {"age": {"years": 55}, "x": None}}, "score": {"a": 2}}
    assert deep_merge(base, over) == {
        "screens": {"rules": {"age": {"rule": "min_age", "years": 55}}},
        "score": {"a": 2},
    }
    assert base["screens"]["rules"]["age"]["years"] == 50  # not mutated


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "extends: la_adult\nscore: {factors: {age: HUGE}}\n",
            "key 'score.factors.age': unknown weight 'HUGE'",
        ),
        ("extends: nope\n", "key 'extends': no preset 'nope'"),
        (
            "extends: la_adult\nscreens: {rules: {age: {years: 'old'}}}\n",
            "key 'screens.rules.age.years': must be a number",
        ),
        (
            "screens: {rules: {x: {rule: min_height, cm: 3}}}\n",
            "key 'screens.rules.x.rule': unknown rule 'min_height'",
        ),
        (
            "screens: {rules: {x: {rule: no_current_offense_in, lists: [evil]}}}\n",
            "unknown list 'evil'",
        ),
        ("screens: {rules: {x: {rule: no_current_offense_in}}}\n", "needs 'lists' or 'sections'"),
        ("screens: {rules: {x: {rule: min_age}}}\n", "rule 'min_age' needs 'years'"),
        (
            "screens: {rules: {x: {rule: sentence_type_in, types: [Lifer]}}}\n",
            "unknown sentence type 'Lifer'",
        ),
        ("score: {d: 1.5}\n", "key 'score.d': must be a number from 0.0 to 1.0"),
        ("colour: red\n", "unknown key 'colour'"),
        ("mandate: {whichever: both}\n", "key 'mandate.whichever'"),
        ("outliers: {peer_ratio: 0.5}\n", "key 'outliers.peer_ratio'"),
        ("score: [1, 2\n", "not valid YAML"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "my_county.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_config(None, path)
    assert str(err.value).startswith("my_county.yaml: ")
    assert message in str(err.value)


def test_missing_file_is_clear(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="configuration file not found"):
        load_config(None, tmp_path / "absent.yaml")


def test_county_override_changes_one_rule_and_drops_another(tmp_path: Path) -> None:
    path = tmp_path / "kern.yaml"
    path.write_text(
        "extends: la_adult\nname: Kern\nscreens: {rules: {age: {years: 55}, prior_offenses: null}}\nscore: {a: LOW, factors: {age: 2}}\n"
    )
    config = load_config("Kern", path)
    rules = {r.id: r for r in config.rules}
    assert rules["age"].params == {"years": 55}
    assert "prior_offenses" not in rules
    assert config.score.a == 0.25 and config.score.factors["age"] == 2.0
    assert config.score.labels["a"] == "LOW"
    assert config.name == "Kern" and config.county == "Kern"
