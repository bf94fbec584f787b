"""Table-driven tests of the flow step library, flow application and YAML validation."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers.errors import InputError
from helpers.prop64 import flows
from helpers.prop64.flows import Facts, apply_flow, day_number, parse_flow

AS_OF = dt.date(2020, 7, 1)


def day(text: str) -> float:
    return day_number(dt.date.fromisoformat(text))


DEFAULTS = {
    "section": "11358 HS",
    "prop64": "11358",
    "related": "",
    "felony": True,
    "date": day("2010-01-01"),
    "latest_conviction": day("2010-01-01"),
    "age_at_conviction": 30.0,
    "age_now": 40.0,
    "n_convictions": 1,
    "only_prop64": True,
    "all_sentences_completed": True,
    "this_sentence_completed": True,
    "deceased": False,
    "superstrike_any": False,
    "superstrike_first": np.nan,
    "pc290_conviction_any": False,
    "pc290_conviction_first": np.nan,
    "pc290_registration_any": False,
    "pc290_registration_first": np.nan,
    "prior_same_section": 0,
    "total_same_section": 1,
    "attempt": False,
}
_OBJ = {"section", "prop64", "related"}


def make_facts(rows: list[dict]) -> Facts:
    cols = {}
    for name, default in DEFAULTS.items():
        values = [r.get(name, default) for r in rows]
        cols[name] = np.array(values, dtype=object if name in _OBJ else None)
    return Facts(as_of=day_number(AS_OF), **cols)


def one(**over: object) -> Facts:
    return make_facts([over])


STEP_CASES = [
    # (type, params, facts of one conviction, expected)
    ("missing_conviction_date", {}, {"date": np.nan}, True),
    ("missing_conviction_date", {}, {}, False),
    ("misdemeanor", {}, {"felony": False}, True),
    ("misdemeanor", {}, {"felony": True}, False),
    ("felony", {}, {"felony": True}, True),
    ("convicted_on_or_after", {}, {"date": day("2016-11-09")}, True),
    ("convicted_on_or_after", {}, {"date": day("2016-11-08")}, False),
    ("convicted_on_or_after", {"date": "2018-01-01"}, {"date": day("2017-06-01")}, False),
    ("convicted_on_or_after", {}, {"date": np.nan}, False),
    ("section_in", {"sections": ["11357", "11358"]}, {"section": "11358 HS"}, True),
    (
        "section_in",
        {"sections": ["11357(B)"]},
        {"section": "11357(B)(2) HS", "prop64": "11357"},
        True,
    ),
    (
        "section_in",
        {"sections": ["11357(B)"]},
        {"section": "11357(A) HS", "prop64": "11357"},
        False,
    ),
    ("section_in", {"sections": ["11359"]}, {"section": "11358 HS"}, False),
    ("related_charge", {}, {"related": "647(F) PC", "prop64": "", "section": "647(F) PC"}, True),
    ("related_charge", {"sections": ["4060 BP"]}, {"related": "647(F) PC", "prop64": ""}, False),
    ("related_charge", {"sections": ["4060 BP"]}, {"related": "4060 BP", "prop64": ""}, True),
    ("related_charge", {}, {}, False),
    ("attempt", {}, {"attempt": True}, True),
    ("under_21_at_conviction", {}, {"age_at_conviction": 20.0}, True),
    ("under_21_at_conviction", {}, {"age_at_conviction": 21.0}, False),
    ("under_21_at_conviction", {}, {"age_at_conviction": np.nan}, False),
    ("age_at_least", {"age": 50}, {"age_now": 50.0}, True),
    ("age_at_least", {"age": 50}, {"age_now": 49.0}, False),
    ("age_at_least", {"age": 50}, {"age_now": np.nan}, False),
    ("age_at_most", {"age": 21}, {"age_now": 21.0}, True),
    ("age_at_most", {"age": 21}, {"age_now": 22.0}, False),
    ("years_since_conviction_at_least", {"years": 10}, {"date": day("2010-07-01")}, True),
    ("years_since_conviction_at_least", {"years": 10}, {"date": day("2010-07-02")}, False),
    ("no_conviction_in_years", {"years": 5}, {"latest_conviction": day("2015-07-01")}, True),
    ("no_conviction_in_years", {"years": 5}, {"latest_conviction": day("2015-07-02")}, False),
    ("only_prop64_convictions", {}, {"only_prop64": True, "all_sentences_completed": False}, True),
    ("only_prop64_convictions", {}, {"only_prop64": False}, False),
    (
        "only_prop64_convictions",
        {"require_sentences_completed": True},
        {"only_prop64": True, "all_sentences_completed": False},
        False,
    ),
    ("deceased", {}, {"deceased": True}, True),
    ("deceased", {}, {}, False),
    ("superstrike", {}, {"superstrike_any": True, "superstrike_first": day("2015-01-01")}, True),
    (
        "superstrike",
        {"scope": "before_this"},
        {"superstrike_any": True, "superstrike_first": day("2015-01-01")},
        False,
    ),
    (
        "superstrike",
        {"scope": "before_this"},
        {"superstrike_any": True, "superstrike_first": day("2005-01-01")},
        True,
    ),
    (
        "pc290",
        {},
        {"pc290_registration_any": True, "pc290_registration_first": day("2000-01-01")},
        True,
    ),
    ("pc290", {"registration": False}, {"pc290_registration_any": True}, False),
    ("pc290", {"conviction": False}, {"pc290_conviction_any": True}, False),
    (
        "pc290",
        {"scope": "before_this"},
        {"pc290_conviction_any": True, "pc290_conviction_first": day("2012-01-01")},
        False,
    ),
    ("same_section_convictions", {"min": 2}, {"prior_same_section": 2}, True),
    (
        "same_section_convictions",
        {"min": 2},
        {"prior_same_section": 1, "total_same_section": 3},
        False,
    ),
    ("same_section_convictions", {"min": 3, "count": "total"}, {"total_same_section": 3}, True),
    (
        "same_section_convictions",
        {"min": 3, "count": "total", "sections": ["11358", "11359", "11360"]},
        {"total_same_section": 3, "prop64": "11357", "section": "11357 HS"},
        False,
    ),
    ("conviction_count_at_least", {"count": 2}, {"n_convictions": 2}, True),
    ("conviction_count_at_least", {"count": 2}, {"n_convictions": 1}, False),
    (
        "sentence_completed",
        {},
        {"this_sentence_completed": True, "all_sentences_completed": False},
        True,
    ),
    ("sentence_completed", {"scope": "all"}, {"all_sentences_completed": False}, False),
    ("serving_sentence", {}, {"this_sentence_completed": False}, True),
    ("serving_sentence", {"scope": "all"}, {"all_sentences_completed": True}, False),
    ("otherwise", {}, {}, True),
]


@pytest.mark.parametrize(("kind", "params", "over", "expected"), STEP_CASES)
def test_step_type(kind: str, params: dict, over: dict, expected: bool) -> None:
    flow = parse_flow({"name": "t", "steps": [{"type": kind, "outcome": "dismiss", **params}]})
    decision = apply_flow(flow, one(**over))
    assert (decision.outcome[0] == "dismiss") is expected
    assert decision.step[0] == (kind if expected else "fallback")


def test_every_step_type_is_covered() -> None:
    assert {c[0] for c in STEP_CASES} == set(flows.STEP_TYPES)


def test_first_matching_step_decides_and_reasons_are_filled() -> None:
    flow = parse_flow(
        {
            "name": "t",
            "steps": [
                {"type": "misdemeanor", "outcome": "dismiss"},
                {"type": "section_in", "sections": ["11357", "11358"], "outcome": "dismiss"},
                {"type": "age_at_least", "age": 50, "outcome": "dismiss", "enabled": False},
                {"type": "section_in", "sections": ["11359"], "outcome": "reduce"},
                {
                    "type": "conviction_count_at_least",
                    "count": 2,
                    "outcome": "review",
                    "and": [{"type": "no_conviction_in_years", "years": 5}],
                },
            ],
            "fallback": {"outcome": "not_eligible", "reason": "none"},
        }
    )
    f = make_facts(
        [
            {"felony": False, "section": "11359 HS", "prop64": "11359"},
            {"section": "11358 HS"},
            {"section": "11359 HS", "prop64": "11359", "age_now": 70.0},
            {
                "section": "11360 HS",
                "prop64": "11360",
                "n_convictions": 3,
                "latest_conviction": day("2010-01-01"),
            },
            {
                "section": "11360 HS",
                "prop64": "11360",
                "n_convictions": 3,
                "latest_conviction": day("2019-01-01"),
            },
        ]
    )
    d = apply_flow(flow, f)
    assert d.outcome.tolist() == ["dismiss", "dismiss", "reduce", "review", "not_eligible"]
    assert d.reason.tolist() == [
        "Misdemeanor or Infraction",
        "Dismiss all HS 11358 convictions",
        "Reduce all HS 11359 convictions",
        "2 or more convictions on record",
        "none",
    ]
    assert d.step.tolist() == [
        "misdemeanor",
        "section_in",
        "section_in_2",
        "conviction_count_at_least",
        "fallback",
    ]


@pytest.mark.parametrize(
    ("kind", "params", "reason"),
    [
        ("age_at_least", {"age": 55}, "55 years or older"),
        (
            "years_since_conviction_at_least",
            {"years": 7},
            "Conviction occurred 7 or more years ago",
        ),
        ("no_conviction_in_years", {"years": 3}, "No convictions in the past 3 years"),
        ("convicted_on_or_after", {}, "Occurred after 11/09/2016"),
        ("deceased", {}, "Individual is deceased"),
    ],
)
def test_default_reasons(kind: str, params: dict, reason: str) -> None:
    flow = parse_flow(
        {
            "name": "t",
            "steps": [
                {"type": kind, "outcome": "dismiss", **params},
                {"type": "otherwise", "outcome": "review"},
            ],
        }
    )
    f = one(
        age_now=60.0, date=day("2018-01-01"), latest_conviction=day("2001-01-01"), deceased=True
    )
    if kind in ("years_since_conviction_at_least",):
        f = one(date=day("2001-01-01"))
    assert apply_flow(flow, f).reason[0] == reason


BASE = {"name": "x", "steps": [{"type": "misdemeanor", "outcome": "dismiss"}]}


def _with(path: str, value: object) -> dict:
    doc = copy.deepcopy(BASE)
    node = doc
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


INVALID = [
    (_with("colour", "red"), "colour: unknown setting"),
    (_with("name", ""), "name: must be a non-empty text"),
    (_with("steps", []), "steps: must be a non-empty list"),
    (_with("steps.0", {"type": "misdemeanor"}), "steps[0].outcome: every step needs an outcome"),
    (
        _with("steps.0", {"type": "nap", "outcome": "dismiss"}),
        "steps[0].type: unknown step type 'nap'",
    ),
    (
        _with("steps.0", {"type": "misdemeanor", "outcome": "pardon"}),
        "steps[0].outcome: must be one of",
    ),
    (
        _with("steps.0", {"type": "age_at_least", "outcome": "dismiss"}),
        "steps[0].age: step type age_at_least needs",
    ),
    (
        _with("steps.0", {"type": "age_at_least", "age": 30, "outcome": "dismiss"}),
        "steps[0].age: must be between 40 and 65",
    ),
    (
        _with("steps.0", {"type": "no_conviction_in_years", "years": 20, "outcome": "dismiss"}),
        "steps[0].years: must be between 1 and 15",
    ),
    (
        _with(
            "steps.0",
            {"type": "years_since_conviction_at_least", "years": "ten", "outcome": "dismiss"},
        ),
        "steps[0].years: must be a whole number",
    ),
    (
        _with("steps.0", {"type": "misdemeanor", "outcome": "dismiss", "age": 3}),
        "steps[0].age: unknown setting 'age'",
    ),
    (
        _with("steps.0", {"type": "section_in", "sections": ["459"], "outcome": "dismiss"}),
        "steps[0].sections[0]: '459' is not a Prop 64 section",
    ),
    (
        _with("steps.0", {"type": "superstrike", "scope": "sometimes", "outcome": "review"}),
        "steps[0].scope: must be one of any, before_this",
    ),
    (
        _with("steps.0", {"type": "deceased", "outcome": "dismiss", "enabled": "yes"}),
        "steps[0].enabled: must be true or false",
    ),
    (
        _with(
            "steps.0", {"type": "felony", "outcome": "dismiss", "and": [{"type": "age_at_least"}]}
        ),
        "steps[0].and[0].age",
    ),
    (_with("evaluate", {"sections": ["11350"]}), "evaluate.sections[0]"),
    (_with("evaluate", {"related_charges": {"enabled": 1}}), "evaluate.related_charges.enabled"),
    (_with("effective_date", "soon"), "effective_date: must be a date"),
    (_with("sentence_units_days", {"M": -1}), "sentence_units_days.M"),
    (_with("review_flags", ["shiny"]), "review_flags[0]: unknown flag"),
]


@pytest.mark.parametrize(("doc", "message"), INVALID)
def test_invalid_flow_names_the_key(doc: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_flow(doc, Path("office.yaml"))
    assert message in str(err.value)
    assert str(err.value).startswith("office.yaml: ")


def test_invalid_yaml_file_gives_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps: [\n  - type: {\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml, row \d+: invalid YAML"):
        flows.load_flow(bad)


PRESETS = {
    "statewide": None,
    "los_angeles": "LOS ANGELES",
    "san_joaquin": "SAN JOAQUIN",
    "contra_costa": "CONTRA COSTA",
    "sacramento": "SACRAMENTO",
    "san_francisco": "SAN FRANCISCO",
}


@pytest.mark.parametrize(("name", "county"), PRESETS.items())
def test_presets_load_and_select_by_county(name: str, county: str | None) -> None:
    flow = flows.load_flow(name)
    assert flow.name == name
    assert flow.county == county
    assert flow.steps, name
    if county:
        assert flows.flow_for_county(county.title()).name == name


def test_unknown_county_uses_statewide_and_presets_are_all_listed() -> None:
    assert flows.flow_for_county("Alpine").name == "statewide"
    assert set(flows.presets()) == set(PRESETS)


def test_statewide_preset_order_matches_the_issue() -> None:
    steps = [s.conditions[0].type for s in flows.load_flow("statewide").steps]
    assert steps == [
        "missing_conviction_date",
        "misdemeanor",
        "section_in",
        "under_21_at_conviction",
        "age_at_least",
        "years_since_conviction_at_least",
        "no_conviction_in_years",
        "only_prop64_convictions",
        "deceased",
        "section_in",
        "otherwise",
    ]


def test_office_flow_by_configuration(tmp_path: Path) -> None:
    doc = yaml.safe_load(flows.presets()["statewide"].read_text(encoding="utf-8"))
    for step in doc["steps"]:
        if step["type"] in ("age_at_least", "years_since_conviction_at_least"):
            step["enabled"] = False
    doc["name"] = "my_office"
    path = tmp_path / "my_office.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    flow = flows.load_flow(path)
    assert flow.name == "my_office"
    kinds = [s.conditions[0].type for s in flow.steps]
    assert "age_at_least" not in kinds and "years_since_conviction_at_least" not in kinds
