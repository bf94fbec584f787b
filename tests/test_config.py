"""County configuration: presets, merging, weight words, the rule registry, errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.errors import InputError
from helpers.screening.config import (
    CONFIG_DIR,
    WEIGHT_PRESETS,
    Mandate,
    list_presets,
    load_config,
    offense_key,
    weight_value,
)
from helpers.screening.rules import RULE_TYPES

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


@pytest.mark.parametrize(("preset", "types"), PRESETS.items())
def test_presets_load_with_their_rules(preset: str, types: list[str]) -> None:
    config = load_config(None, CONFIG_DIR / "presets" / f"{preset}.yaml")
    assert [r.type for r in config.rules] == types
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
    assert weight_value(value, "score.factors.age", Path("x.yaml"), direction) == expected


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


def test_null_drops_an_inherited_rule_and_a_setting_takes_its_default(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        "extends: la_adult\nscreens: {rules: {age: {years: 55}, served: null}}\n"
        "score: {a: null, factors: {age: null}}\n"
    )
    config = load_config(None, path)
    rules = {r.id: r for r in config.rules}
    assert "served" not in rules and rules["age"].params == {"years": 55}
    assert rules["age"].type == "min_age"  # inherited from the preset
    assert config.score.a == 0.3 and config.score.factors["age"] == 0.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "extends: la_adult\nscore: {factors: {age: HUGE}}\n",
            "key 'score.factors.age': expected a finite number or one of NONE, LOW, MEDIUM, HIGH, "
            "VERY HIGH, got 'HUGE'",
        ),
        ("extends: nope\n", "key 'extends': expected the name of a preset (cdcr_referral,"),
        (
            "extends: la_adult\nscreens: {rules: {age: {years: 'old'}}}\n",
            "key 'screens.rules.age.years': expected a finite number, got 'old'",
        ),
        (
            "screens: {rules: {x: {type: min_height, cm: 3}}}\n",
            "key 'screens.rules.x.type': expected one of: min_age,",
        ),
        (
            "screens: {rules: {x: {type: min_age, years: 50, cm: 3}}}\n",
            "key 'screens.rules.x.cm': expected one of: type, years",
        ),
        (
            "screens: {rules: {x: {type: no_current_offense_in, lists: [evil]}}}\n",
            "key 'screens.rules.x.lists[0]': expected one of: serious,",
        ),
        (
            "screens: {rules: {x: {type: no_current_offense_in}}}\n",
            "key 'screens.rules.x': expected at least one of lists or sections",
        ),
        (
            "screens: {rules: {x: {type: min_age}}}\n",
            "key 'screens.rules.x.years': expected a number (type min_age needs it)",
        ),
        (
            "screens: {rules: {x: {type: min_age, years: -3}}}\n",
            "key 'screens.rules.x.years': expected a number between 0 and 120, got -3",
        ),
        (
            "screens: {rules: {x: {type: sentence_type_in, types: [Lifer]}}}\n",
            "key 'screens.rules.x.types[0]': expected one of: DSL,",
        ),
        (
            "screens: {rules: {x: {type: no_enhancement, sections: ['12022']}}}\n",
            "key 'screens.rules.x.sections': expected a list of offense keys",
        ),
        (
            "screens: {rules: {x: {type: age_at_offense_between, min: 16, max: 14}}}\n",
            "key 'screens.rules.x': expected 'min' at most 'max'",
        ),
        (
            "screens: {rules: {age: {rule: min_age, years: 50}}}\n",
            "key 'screens.rules.age.rule': expected 'type: min_age' (write type:, not rule:)",
        ),
        ("score: {d: 1.5}\n", "key 'score.d': expected a number between 0 and 1, got 1.5"),
        ("colour: red\n", "key 'colour': expected one of: county, description,"),
        ("mandate: {whichever: both}\n", "key 'mandate.whichever': expected one of: fewer, more"),
        ("outliers: {peer_ratio: 0.5}\n", "key 'outliers.peer_ratio'"),
        ("outliers: {min_peers: 2.5}\n", "key 'outliers.min_peers': expected a whole number"),
        ("score: [1, 2\n", "not valid YAML"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "my_county.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_config(None, path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("score: {factors: {age: .nan}}\n", "score.factors.age"),
        ("score: {a: .inf}\n", "score.a"),
        ("score: {b: -.inf}\n", "score.b"),
        ("score: {enhancement_levels: {PC12022: .nan}}\n", "score.enhancement_levels.PC12022"),
        ("screens: {rules: {x: {type: min_age, years: .nan}}}\n", "screens.rules.x.years"),
    ],
)
def test_nan_and_infinite_weights_are_rejected(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_config(None, path)
    assert str(err.value).startswith(f"{path}: key '{key}': expected a finite number")


def test_an_old_rule_key_in_a_parent_names_the_parent(tmp_path: Path) -> None:
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "old.yaml").write_text("screens: {rules: {a: {rule: min_age}}}\n")
    county = tmp_path / "county.yaml"
    county.write_text("extends: old\n")
    with pytest.raises(InputError, match="old.yaml: key 'screens.rules.a.rule': expected 'type:"):
        load_config(None, county, config_dir=tmp_path)


def test_every_registered_type_is_checked_against_its_schema() -> None:
    for name, rule_type in RULE_TYPES.items():
        assert rule_type.doc and rule_type.reason, name
        for param in rule_type.params.values():
            assert param.kind in ("number", "lists", "sections", "types")
            assert param.kind != "number" or (param.lo is not None and param.hi is not None)


@pytest.mark.parametrize(
    ("written", "key"),
    [("PC 245(a)", "PC245(A)"), ("pc459 2ND", "PC459 2nd"), ("PC12022*", "PC12022*")],
)
def test_offense_keys_are_normalised_with_their_degree(written: str, key: str) -> None:
    assert offense_key(written) == key


def test_missing_file_is_clear(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="settings file not found"):
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
