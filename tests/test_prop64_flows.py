"""Table-driven tests of the flow step library, flow application and YAML validation."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers.errors import InputError
from helpers.prop64 import flows, steps
from helpers.prop64.flows import apply_flow, parse_flow
from helpers.prop64.steps import Facts, day_number

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
    "prior_same_section_cases": 0,
    "total_same_section_cases": 1,
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
    ("same_section_convictions", {"min": 2, "per": "count"}, {"prior_same_section": 2}, True),
    (
        "same_section_convictions",
        {"min": 2, "per": "count"},
        {"prior_same_section": 1, "total_same_section": 3},
        False,
    ),
    (
        "same_section_convictions",
        {"min": 3, "count": "total", "per": "count"},
        {"total_same_section": 3},
        True,
    ),
    (
        "same_section_convictions",
        {"min": 3, "count": "total", "per": "count", "sections": ["11358", "11359", "11360"]},
        {"total_same_section": 3, "prop64": "11357", "section": "11357 HS"},
        False,
    ),
    # per: case (the default) counts separate events: three counts of one case are one.
    (
        "same_section_convictions",
        {"min": 3, "count": "total"},
        {"total_same_section": 3, "total_same_section_cases": 1},
        False,
    ),
    (
        "same_section_convictions",
        {"min": 3, "count": "total"},
        {"total_same_section": 3, "total_same_section_cases": 3},
        True,
    ),
    (
        "same_section_convictions",
        {"min": 2},
        {"prior_same_section": 2, "prior_same_section_cases": 1},
        False,
    ),
    ("same_section_convictions", {"min": 2}, {"prior_same_section_cases": 2}, True),
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
    assert {c[0] for c in STEP_CASES} == set(steps.STEP_TYPES)


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
    (_with("colour", "red"), "key 'colour': expected one of: county, description"),
    (_with("name", ""), "key 'name': expected a non-empty text"),
    (_with("steps", []), "key 'steps': expected a non-empty list of steps"),
    (
        _with("steps.0", {"type": "misdemeanor"}),
        "key 'steps[0].outcome': expected an outcome (dismiss, reduce, not_eligible or review)",
    ),
    (
        _with("steps.0", {"type": "nap", "outcome": "dismiss"}),
        "key 'steps[0].type': expected a step type (age_at_least,",
    ),
    (
        _with("steps.0", {"type": "misdemeanor", "outcome": "pardon"}),
        "key 'steps[0].outcome': expected one of: dismiss, reduce, not_eligible, review, got 'pardon'",
    ),
    (
        _with("steps.0", {"type": "age_at_least", "outcome": "dismiss"}),
        "key 'steps[0].age': expected a whole number between 40 and 65 (step type age_at_least "
        "needs it)",
    ),
    (
        _with("steps.0", {"type": "age_at_least", "age": 30, "outcome": "dismiss"}),
        "key 'steps[0].age': expected a whole number between 40 and 65, got 30",
    ),
    (
        _with("steps.0", {"type": "no_conviction_in_years", "years": 20, "outcome": "dismiss"}),
        "key 'steps[0].years': expected a whole number between 1 and 15, got 20",
    ),
    (
        _with(
            "steps.0",
            {"type": "years_since_conviction_at_least", "years": "ten", "outcome": "dismiss"},
        ),
        "key 'steps[0].years': expected a whole number, got 'ten'",
    ),
    (
        _with("steps.0", {"type": "misdemeanor", "outcome": "dismiss", "age": 3}),
        "key 'steps[0].age': expected a setting of step type misdemeanor (none) or a step key",
    ),
    (
        _with("steps.0", {"type": "section_in", "sections": ["459"], "outcome": "dismiss"}),
        "key 'steps[0].sections[0]': expected a Prop 64 section (HS 11357-11360), got '459'",
    ),
    (
        _with("steps.0", {"type": "superstrike", "scope": "sometimes", "outcome": "review"}),
        "key 'steps[0].scope': expected one of: any, before_this, got 'sometimes'",
    ),
    (
        _with("steps.0", {"type": "deceased", "outcome": "dismiss", "enabled": "yes"}),
        "key 'steps[0].enabled': expected true or false, got 'yes'",
    ),
    (
        _with(
            "steps.0", {"type": "felony", "outcome": "dismiss", "and": [{"type": "age_at_least"}]}
        ),
        "key 'steps[0].and[0].age': expected a whole number",
    ),
    (
        _with(
            "steps", [*BASE["steps"], {"id": "misdemeanor", "type": "felony", "outcome": "review"}]
        ),
        "key 'steps[1].id': expected an id no other step of the flow has, got 'misdemeanor'",
    ),
    (
        _with(
            "steps", [*BASE["steps"], {"type": "felony", "outcome": "review", "before": "nothing"}]
        ),
        "key 'steps[1].before': expected the id of a step already in the flow (misdemeanor)",
    ),
    (
        _with("evaluate", {"sections": ["11350"]}),
        "key 'evaluate.sections[0]': expected a Prop 64 section",
    ),
    (
        _with("evaluate", {"related_charges": {"enabled": 1}}),
        "key 'evaluate.related_charges.enabled': expected true or false, got 1",
    ),
    (_with("effective_date", "soon"), "key 'effective_date': expected a date"),
    (
        _with("sentence_units_days", {"M": -1}),
        "key 'sentence_units_days.M': expected a positive number of days, got -1",
    ),
    (_with("sentence_units_days", {"M": float("nan")}), "key 'sentence_units_days.M'"),
    (_with("review_flags", ["shiny"]), "key 'review_flags[0]': expected one of: superstrike"),
    (_with("sources", [3]), "key 'sources': expected a list of texts, got [3]"),
    (_with("county", "Atlantis"), "key 'county': expected a California county name or null"),
    (_with("title", "My flow"), "key 'title': expected 'description:' in its place"),
    (
        _with("source", "HS 11361.8"),
        "key 'source': expected 'sources:' in its place, a list of citations",
    ),
    (
        _with("steps.0", {"type": "misdemeanor", "outcome": "dismiss", "source": "HS 11361.8"}),
        "key 'steps[0].source': expected 'sources:' in its place",
    ),
    (_with("extends", "statewide"), "key 'extends': expected a flow file read with load_flow"),
]


@pytest.mark.parametrize(("doc", "message"), INVALID)
def test_invalid_flow_names_file_key_and_what_was_expected(doc: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_flow(doc, Path("office.yaml"))
    assert str(err.value).startswith(f"office.yaml: {message}")
    assert "\n" not in str(err.value)


def test_invalid_yaml_file_gives_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps: [\n  - type: {\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml: line \d+: not valid YAML"):
        flows.load_flow(bad)


def test_description_and_sources_are_read() -> None:
    flow = parse_flow({**BASE, "description": "An office flow.", "sources": ["HS 11361.8"]})
    assert flow.description == "An office flow."
    assert flow.sources == ("HS 11361.8",)
    assert parse_flow({**BASE, "sources": "AB 1793"}).sources == ("AB 1793",)
    assert parse_flow(BASE).description == "" and parse_flow(BASE).sources == ()


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


def test_statewide_preset_step_order() -> None:
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


# --------------------------------------------------------------------------------------------------
# extends: a flow file that states only what differs from a preset
# --------------------------------------------------------------------------------------------------

PRESET_STEPS = {
    "statewide": [
        "missing_conviction_date",
        "misdemeanor",
        "dismiss_by_section",
        "under_21_at_conviction",
        "age_at_least",
        "years_since_conviction_at_least",
        "no_conviction_in_years",
        "only_prop64_convictions",
        "deceased",
        "reduce_by_section",
        "otherwise",
    ],
    "los_angeles": [
        "missing_conviction_date",
        "city_attorney",
        "convicted_on_or_after",
        "felony_11357ab",
        "other_11357",
        "superstrike",
        "pc290",
        "two_priors",
        "age_at_least",
        "age_at_most",
        "only_prop64_convictions",
        "no_conviction_in_years",
        "serving_sentence",
        "deceased",
        "otherwise",
    ],
    "san_joaquin": [
        "missing_conviction_date",
        "convicted_on_or_after",
        "related_bp4060",
        "related_charge",
        "misdemeanor",
        "felony_11357",
        "several_convictions_old",
        "several_convictions_recent",
        "sentence_completed",
        "otherwise",
    ],
    "sacramento": [
        "missing_conviction_date",
        "convicted_on_or_after",
        "misdemeanor",
        "felony_11357b",
        "several_convictions_old",
        "several_convictions_recent",
        "sentence_completed",
        "otherwise",
    ],
    "san_francisco": [
        "missing_conviction_date",
        "excluded_subsections",
        "superstrike",
        "pc290",
        "three_same_section",
        "resentencing",
        "redesignation",
    ],
}
PRESET_STEPS["contra_costa"] = PRESET_STEPS["san_joaquin"]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_extend_statewide_and_keep_their_steps(name: str) -> None:
    flow = flows.load_flow(name)
    assert [s.id for s in flow.steps] == PRESET_STEPS[name]
    assert flow.files[0] == flows.presets()["statewide"] and flow.files[-1] == flow.path
    assert flow.description and flow.sources
    if name != "statewide":
        own = yaml.safe_load(flow.path.read_text(encoding="utf-8"))
        assert "extends" in own and "review_flags" not in own  # inherited, not restated


def test_contra_costa_is_san_joaquin_under_another_name() -> None:
    cc, sj = flows.load_flow("contra_costa"), flows.load_flow("san_joaquin")
    assert cc.steps == sj.steps and cc.related_sections == sj.related_sections
    assert (cc.name, cc.county, sj.county) == ("contra_costa", "CONTRA COSTA", "SAN JOAQUIN")
    assert cc.files == (*sj.files, cc.path)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_child_merges_mappings_and_edits_steps_by_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "office",
        "extends: statewide\n"
        "name: office\n"
        "evaluate: {related_charges: {enabled: true}}\n"
        "steps:\n"
        "  - {id: age_at_least, age: 55}\n"
        "  - {id: deceased, enabled: false}\n"
        "  - {id: felony_review, type: felony, outcome: review, before: otherwise}\n"
        "  - {id: under_21_at_conviction, after: no_conviction_in_years}\n"
        "  - {type: attempt, outcome: review, after: missing_conviction_date}\n",
    )
    flow = flows.load_flow(path)
    assert [s.id for s in flow.steps] == [
        "missing_conviction_date",
        "attempt",
        "misdemeanor",
        "dismiss_by_section",
        "age_at_least",
        "years_since_conviction_at_least",
        "no_conviction_in_years",
        "under_21_at_conviction",
        "only_prop64_convictions",
        "reduce_by_section",
        "felony_review",
        "otherwise",
    ]
    age = next(s for s in flow.steps if s.id == "age_at_least")
    assert age.conditions[0].params == {"age": 55} and age.outcome == "dismiss"
    assert age.reason == "{age} years or older"
    statewide = flows.load_flow("statewide")
    assert flow.related_enabled and flow.sections == statewide.sections
    assert flow.review_flags == statewide.review_flags
    # name, description, sources and county are the file's own
    assert (flow.name, flow.description, flow.sources, flow.county) == ("office", "", (), None)
    assert flow.files == (flows.presets()["statewide"], path)


def test_grandchild_replaces_an_and_list_and_inherits_steps(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "office",
        "extends: san_joaquin\nname: office\nsteps:\n"
        "  - id: several_convictions_old\n"
        "    and: [{type: no_conviction_in_years, years: 7}]\n",
    )
    flow = flows.load_flow(path)
    old = next(s for s in flow.steps if s.id == "several_convictions_old")
    assert [(c.type, c.params) for c in old.conditions] == [
        ("conviction_count_at_least", {"count": 2}),
        ("no_conviction_in_years", {"years": 7}),
    ]
    same = flows.load_flow(write(tmp_path, "same", "extends: san_joaquin\nname: same\n"))
    assert same.steps == flows.load_flow("san_joaquin").steps
    assert same.related_enabled and same.county is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "steps:\n  - {type: felony, outcome: review}\n",
            "office.yaml: key 'steps[0]': expected before: or after: the id of a step of the preset",
        ),
        (
            "steps:\n  - {type: felony, outcome: review, after: nowhere}\n",
            "office.yaml: key 'steps[0].after': expected the id of a step already in the flow",
        ),
        (
            "steps:\n  - {id: deceased, before: misdemeanor, after: otherwise}\n",
            "office.yaml: key 'steps[0].after': expected either before: or after:, not both",
        ),
        (
            "steps:\n  - {id: age_at_least, age: 99}\n",
            "office.yaml: key 'steps[0].age': expected a whole number between 40 and 65, got 99",
        ),
        ("title: Office\n", "office.yaml: key 'title': expected 'description:' in its place"),
        ("steps: {a: 1}\n", "office.yaml: key 'steps': expected a non-empty list of steps"),
    ],
)
def test_child_errors_name_the_child_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "office", f"extends: statewide\nname: office\n{text}")
    with pytest.raises(InputError) as err:
        flows.load_flow(path)
    assert str(err.value).startswith(str(tmp_path / message))


def test_unknown_preset_and_cycles_are_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "office", "extends: nowhere\nname: office\n")
    with pytest.raises(InputError, match="key 'extends': expected the name of a preset file"):
        flows.load_flow(path)
    monkeypatch.setattr(flows, "PRESET_DIR", tmp_path)
    write(tmp_path, "a", "extends: b\nname: a\n")
    write(tmp_path, "b", "extends: a\nname: b\n")
    with pytest.raises(InputError, match="expected no cycle of presets"):
        flows.load_flow("a")
