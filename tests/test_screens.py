"""Eligibility screens: every rule on small hand-built tables, unknowns with reasons, composition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.screening.config import CONFIG_DIR, CountyConfig, Rule, load_config
from helpers.screening.screens import prepare, screen

BASE = load_config(None, CONFIG_DIR / "presets" / "defaults.yaml")


def person(cdcno: str, **kw) -> dict:
    row = {
        "cdcno": cdcno,
        "county": "Los Angeles",
        "age": 55.0,
        "age_source": "reported",
        "age_at_offense": 30.0,
        "age_at_offense_source": "estimated",
        "controlling_code": "PC",
        "controlling_section": "459",
        "controlling_subdivision": "",
        "controlling_degree": "2nd",
        "controlling_attempt": False,
        "controlling_offense_key": "PC459",
        "sentence_type": "Third Striker",
        "sentence_years": 25.0,
        "sentence_lwop": False,
        "sentence_condemned": False,
        "time_served_years": 12.0,
        "months_to_release": 60.0,
        "no_release_date": False,
        "sex_registrant": pd.NA,
    }
    row.update(kw)
    return row


def offense(cdcno: str, raw: str, role: str = "current", stayed: bool = False) -> dict:
    from helpers.data.codes import parse_offense_codes

    parsed = parse_offense_codes(pd.Series([raw])).iloc[0].to_dict()
    return {"cdcno": cdcno, "role": role, "stayed": stayed, **parsed, "offense_id": 0}


def tables(
    people: list[dict], offenses: list[dict] | None = None, enhancements: list[dict] | None = None
) -> dict:
    cols = [
        "cdcno",
        "role",
        "stayed",
        "code",
        "section",
        "subdivision",
        "degree",
        "attempt",
        "offense_key",
        "offense_id",
    ]
    off = pd.DataFrame(offenses or [], columns=cols) if not offenses else pd.DataFrame(offenses)
    off["offense_id"] = np.arange(len(off))
    enh = (
        pd.DataFrame(enhancements or [], columns=cols[:2] + cols[3:])
        if not enhancements
        else pd.DataFrame(enhancements)
    )
    return {"people": pd.DataFrame(people), "offenses": off, "enhancements": enh}


def config_with(*rules: tuple[str, str, dict], margin: float = 1.0) -> CountyConfig:
    return CountyConfig(
        **{
            **BASE.__dict__,
            "rules": tuple(Rule(i, k, p) for i, k, p in rules),
            "estimate_margin_years": margin,
        }
    )


def run(
    people: list[dict], *rules, offenses=None, enhancements=None, margin: float = 1.0
) -> pd.DataFrame:
    return screen(tables(people, offenses, enhancements), config_with(*rules, margin=margin))


# rule, people rows (overrides), expected eligibility, expected failed / unknown text fragment
CASES = [
    ("min_age", {"years": 50}, {"age": 55.0}, "eligible", ""),
    ("min_age", {"years": 50}, {"age": 45.4}, "not eligible", "age 45 is under 50"),
    ("min_age", {"years": 50}, {"age": 53.0, "age_source": "estimated"}, "eligible", ""),
    (
        "min_age",
        {"years": 50},
        {"age": 46.0, "age_source": "estimated"},
        "not eligible",
        "age 46 (estimated) is under 50",
    ),
    (
        "min_age",
        {"years": 50},
        {"age": 50.4, "age_source": "estimated"},
        "unknown",
        "age unknown: the public data has no birth date; estimated 50",
    ),
    (
        "min_age",
        {"years": 50},
        {"age": np.nan, "age_source": "unknown"},
        "unknown",
        "age unknown: the public data has no birth date, no age reported, no offense date",
    ),
    (
        "min_sentence_years",
        {"years": 20},
        {"sentence_years": 12.5},
        "not eligible",
        "sentence 12.5 years is under 20",
    ),
    ("min_sentence_years", {"years": 20}, {"sentence_years": np.inf}, "eligible", ""),
    (
        "min_sentence_years",
        {"years": 20},
        {"sentence_years": np.nan},
        "unknown",
        "sentence length unknown",
    ),
    (
        "min_time_served_years",
        {"years": 10},
        {"time_served_years": 9.96},
        "not eligible",
        "served 10.0 years, under 10",
    ),
    (
        "min_time_served_years",
        {"years": 10},
        {"time_served_years": np.nan},
        "unknown",
        "time served unknown: no offense date",
    ),
    ("age_at_offense_between", {"min": 14, "max": 15}, {"age_at_offense": 15.0}, "eligible", ""),
    (
        "age_at_offense_between",
        {"min": 14, "max": 15},
        {"age_at_offense": 15.9, "age_at_offense_source": "birth_date"},
        "eligible",
        "",
    ),
    (
        "age_at_offense_between",
        {"min": 14, "max": 15},
        {"age_at_offense": 16.0, "age_at_offense_source": "birth_date"},
        "not eligible",
        "age at offense 16.0 is not 14 to 15",
    ),
    (
        "age_at_offense_between",
        {"min": 14, "max": 15},
        {"age_at_offense": 15.6},
        "unknown",
        "age at offense unknown: the public data has no birth date; estimated 15.6",
    ),
    (
        "age_at_offense_between",
        {"min": 14, "max": 15},
        {"age_at_offense": 22.0},
        "not eligible",
        "age at offense 22.0 (estimated) is not 14 to 15",
    ),
    (
        "not_near_release",
        {"months": 18},
        {"months_to_release": 12.0},
        "not eligible",
        "12 months to release, within 18",
    ),
    (
        "not_near_release",
        {"months": 18},
        {"months_to_release": np.nan, "no_release_date": True},
        "eligible",
        "",
    ),
    (
        "not_near_release",
        {"months": 18},
        {"months_to_release": np.nan},
        "unknown",
        "release date unknown",
    ),
    (
        "sentence_type_not_in",
        {"types": ["Condemned", "Life w/o Parole"]},
        {"sentence_type": "DSL", "sentence_lwop": True},
        "not eligible",
        "sentence type is Life w/o Parole",
    ),
    (
        "sentence_type_not_in",
        {"types": ["Condemned", "Life w/o Parole"]},
        {"sentence_type": "Life with Parole"},
        "eligible",
        "",
    ),
    (
        "sentence_type_in",
        {"types": ["DSL"]},
        {"sentence_type": "Second Striker"},
        "not eligible",
        "sentence type Second Striker is not one of DSL",
    ),
    (
        "sentence_type_in",
        {"types": ["DSL"]},
        {"sentence_type": ""},
        "unknown",
        "sentence type unknown",
    ),
]


@pytest.mark.parametrize(("rule_type", "params", "row", "eligibility", "text"), CASES)
def test_single_rules(rule_type, params, row, eligibility, text) -> None:
    out = run([person("x1", **row)], ("r", rule_type, params))
    got = out.iloc[0]
    assert got["eligibility"] == eligibility
    if eligibility == "eligible":
        assert got["eligible"] is True or got["eligible"] == True  # noqa: E712
        assert got["failed_rules"] == "" and got["unknown_rules"] == ""
    elif eligibility == "not eligible":
        assert got["failed_rules"] == f"r: {text}" and not got["eligible"]
        assert got["near_miss"] == f"r: {text}" and got["passed_rules"] == ""
    else:
        assert pd.isna(got["eligible"]) and got["unknown_rules"] == f"r: {text}"
        assert got["undecided_rules"] == "r" and got["near_miss"] == ""


def test_combination_is_three_valued_and_lists_every_failure() -> None:
    people = [
        person("ok"),
        person("two_fail", age=40.0, time_served_years=3.0),
        person("one_unknown", age=50.2, age_source="estimated"),
        person("fail_and_unknown", age=50.2, age_source="estimated", time_served_years=2.0),
    ]
    out = run(
        people,
        ("age", "min_age", {"years": 50}),
        ("served", "min_time_served_years", {"years": 10}),
    )
    assert out["eligibility"].tolist() == ["eligible", "not eligible", "unknown", "not eligible"]
    assert out["eligible"].tolist()[:2] == [True, False] and pd.isna(out["eligible"].iloc[2])
    assert (
        out.loc[1, "failed_rules"] == "age: age 40 is under 50 | served: served 3.0 years, under 10"
    )
    assert out.loc[3, "failed_rules"] == "served: served 2.0 years, under 10"
    assert (
        out.loc[3, "unknown_rules"]
        == "age: age unknown: the public data has no birth date; estimated 50"
    )
    assert out["passed_rules"].tolist() == ["age | served", "", "served", ""]
    assert out["undecided_rules"].tolist() == ["", "", "age", "age"]
    assert out["near_miss"].tolist() == ["", "", "", "served: served 2.0 years, under 10"]
    assert out["rule_age"].tolist()[:2] == [True, False] and pd.isna(out["rule_age"].iloc[2])
    assert out["age_estimated"].tolist() == [False, False, True, True]


def test_no_rules_means_everybody_is_eligible() -> None:
    out = run([person("a"), person("b")])
    assert out["eligibility"].tolist() == ["eligible", "eligible"]


def test_controlling_offense_counts_as_current_and_labels() -> None:
    data = prepare(tables([person("a")], [offense("a", "HS11350(a)", "prior")]))
    assert data.current["label"].tolist() == ["PC 459 (2nd)"]
    assert data.prior["label"].tolist() == ["HS 11350(a)"]
    assert data.has_priors


def test_life_terms_pass_the_sentence_rule() -> None:
    out = run(
        [
            person("lifer", sentence_years=15.0, sentence_life=True),
            person("dsl", sentence_years=15.0, sentence_life=False),
        ],
        ("sentence", "min_sentence_years", {"years": 20}),
    )
    assert out["eligibility"].tolist() == ["eligible", "not eligible"]


SERIOUS = ("cur", "no_current_offense_in", {"lists": ["serious", "violent"]})


@pytest.mark.parametrize(
    ("raw", "failed"),
    [
        ("PC459 2nd", ""),  # commercial burglary is not serious
        ("PC459 1st", "cur: current offense PC 459 (1st) is serious (PC 1192.7(c)(18))"),
        (
            "PC664/459 1st",
            "cur: current offense PC 459 (1st, attempt) is serious (PC 1192.7(c)(18))",
        ),
        (
            "PC187(664)",
            "cur: current offense PC 187 (attempt) is serious (PC 1192.7(c)(1))"
            "/violent (PC 667.5(c)(12))",
        ),
        ("HS11350(a)", ""),
    ],
)
def test_list_matching_through_helpers_offenses(raw: str, failed: str) -> None:
    out = run([person("x")], SERIOUS, offenses=[offense("x", raw)])
    assert out.loc[0, "failed_rules"] == failed


def test_enhancement_and_exceptions_and_registrants() -> None:
    people = [
        person(
            "gbi",
            controlling_section="245",
            controlling_subdivision="(a)(4)",
            controlling_degree="",
            controlling_offense_key="PC245(a)(4)",
        ),
        person("rob", controlling_section="211", controlling_offense_key="PC211"),
        person("sex", controlling_section="459", controlling_degree="2nd"),
    ]
    offenses = [
        offense("gbi", "PC245(a)(4)"),
        offense("rob", "PC211 2nd"),
        offense("sex", "PC288(a)", "prior"),
    ]
    # offense_id links an enhancement to its count (ids are the row numbers of `offenses`).
    enh = [
        {**offense("gbi", "PC12022.7(a)"), "offense_id": 0},
        {**offense("rob", "PC12022(b)(1)"), "offense_id": 1},
    ]
    out = run(
        people,
        (
            "cur",
            "no_current_offense_in",
            {"lists": ["serious", "violent"], "except_lists": ["robbery"]},
        ),
        ("arms", "no_enhancement", {"sections": ["PC12022"]}),
        ("reg", "not_sex_registrant", {}),
        offenses=offenses,
        enhancements=enh,
    )
    assert out.loc[0, "failed_rules"] == (
        "cur: current offense with enhancement PC 12022.7(a) on count PC 245(a)(4) is serious "
        "(PC 1192.7(c)(8))/violent (PC 667.5(c)(8))"
    )
    # The weapon makes the robbery serious, but robbery is excepted: only the PC 12022 rule fails.
    assert out.loc[1, "failed_rules"] == "arms: enhancement PC 12022(b)(1) on count PC 211 (2nd)"
    assert out.loc[1, "near_miss"] == out.loc[1, "failed_rules"]
    assert (
        out.loc[2, "failed_rules"] == "reg: sex registrant (derived from prior offense PC 288(a))"
    )
    assert out["sex_registrant_derived"].tolist() == [True, True, True]


def test_prior_rules_unknown_without_any_priors() -> None:
    out = run([person("x")], ("pri", "no_prior_offense_in", {"lists": ["super_strike"]}))
    assert out.loc[0, "eligibility"] == "unknown"
    assert (
        out.loc[0, "unknown_rules"]
        == "pri: prior record unknown: the data has no prior commitments"
    )


def test_life_term_counts_are_serious_but_three_strikes_terms_are_not() -> None:
    people = [
        person("lifer", sentence_type="Life with Parole"),
        person("striker", sentence_type="Third Striker"),
    ]
    offenses = [
        {**offense("lifer", "HS11350(a)"), "offense_time_life": True},
        {**offense("striker", "HS11350(a)"), "offense_time_life": True},
    ]
    out = run(people, ("cur", "no_current_offense_in", {"lists": ["serious"]}), offenses=offenses)
    assert out.loc[0, "failed_rules"] == (
        "cur: current offense HS 11350(a) is serious (PC 1192.7(c)(7): its own life term)"
    )
    assert out.loc[1, "failed_rules"] == ""


def test_a_degree_written_in_a_county_file_selects_that_degree(tmp_path) -> None:
    path = tmp_path / "burglary.yaml"
    path.write_text(
        "screens: {rules: {b: {type: no_current_offense_in, sections: ['pc 459 2nd']}}}\n"
    )
    config = load_config(None, path)
    assert config.rules[0].params["sections"] == ["PC459 2nd"]
    people = [person("first", controlling_degree="1st"), person("second")]
    out = screen(tables(people), config)
    assert out["eligibility"].tolist() == ["eligible", "not eligible"]
    assert out.loc[1, "failed_rules"] == "b: current offense PC 459 (2nd) is listed in PC459 2nd"


# --------------------------------------------------------------------------------------------------
# Life terms of the count's own; near misses; the dates time alone will settle
# --------------------------------------------------------------------------------------------------


def test_a_count_is_a_life_felony_by_its_own_term_not_its_case() -> None:
    people = [person("lifer", sentence_type="Life with Parole")]
    offenses = [
        {
            **offense("lifer", "VC23152(a)"),
            "sentence_abstract_life": True,
            "offense_time_raw": "3 Years",
        },
        {**offense("lifer", "HS11350(a)"), "sentence_abstract_life": True, "offense_time_raw": ""},
    ]
    rules = ("cur", "no_current_offense_in", {"lists": ["serious", "violent", "super_strike"]})
    out = run(people, rules, offenses=offenses)
    # The DUI count has its own 3-year term; the possession count has none recorded.
    assert out.loc[0, "failed_rules"] == ""
    assert out.loc[0, "eligibility"] == "unknown"
    assert (
        "current offense HS 11350(a) may be serious (PC 1192.7(c)(7))"
        in out.loc[0, "unknown_rules"]
    )
    assert "VC 23152(a)" not in out.loc[0, "unknown_rules"]


def test_the_controlling_offense_of_a_lifer_without_counts_is_a_life_felony() -> None:
    out = run(
        [person("lifer", sentence_type="Life with Parole")],
        ("cur", "no_current_offense_in", {"lists": ["serious"]}),
    )
    assert out.loc[0, "failed_rules"] == (
        "cur: current offense PC 459 (2nd) is serious (PC 1192.7(c)(7): its own life term)"
    )


def test_eligible_on_when_only_time_stands_in_the_way() -> None:
    people = [
        person("soon", time_served_years=8.0, offense_end_date=pd.Timestamp("2018-05-01")),
        person("two", age=48.0, time_served_years=8.0, offense_end_date=pd.Timestamp("2018-05-01")),
        person("blocked", time_served_years=8.0, offense_end_date=pd.Timestamp("2018-05-01")),
        person("estimate", age=49.5, age_source="estimated"),
    ]
    offenses = [offense("blocked", "PC211 2nd")]
    data = prepare(tables(people, offenses), as_of="2026-05-01")
    config = config_with(
        ("age", "min_age", {"years": 50}),
        ("served", "min_time_served_years", {"years": 10}),
        ("cur", "no_current_offense_in", {"lists": ["serious"]}),
    )
    out = screen(tables(people, offenses), config, data=data).set_index("cdcno")
    assert out.loc["soon", "eligible_on"] == pd.Timestamp("2028-05-01")
    assert out.loc["soon", "near_miss"] == "served: served 8.0 years, under 10"
    # Two time rules: the later date; not a near miss (two rules fail).
    assert out.loc["two", "eligible_on"] == pd.Timestamp("2028-05-01")
    assert out.loc["two", "near_miss"] == ""
    # A serious offense: time alone will not do.
    assert pd.isna(out.loc["blocked", "eligible_on"])
    # An estimate must clear the threshold by the margin (1 year): 1.5 years (548 days) on.
    assert out.loc["estimate", "undecided_rules"] == "age"
    assert out.loc["estimate", "eligible_on"] == pd.Timestamp("2027-10-31")


def test_prior_rules_within_years_count_recent_priors_only() -> None:
    people = [person("old"), person("recent"), person("undated")]
    priors = [
        {**offense("old", "PC211 2nd", "prior"), "offense_end_date": pd.Timestamp("2000-01-01")},
        {**offense("recent", "PC211 2nd", "prior"), "offense_end_date": pd.Timestamp("2020-05-01")},
        {**offense("undated", "PC211 2nd", "prior"), "offense_end_date": pd.NaT},
    ]
    data = prepare(tables(people, priors), as_of="2026-05-01")
    config = config_with(("pri", "no_prior_offense_in", {"lists": ["robbery"], "within_years": 10}))
    out = screen(tables(people, priors), config, data=data).set_index("cdcno")
    assert out["eligibility"].tolist() == ["eligible", "not eligible", "unknown"]
    # Ten years of 365.25 days (3,653 days rounded up) after the prior of 2020-05-01.
    assert out.loc["recent", "eligible_on"] == pd.Timestamp("2030-05-02")
    assert "the offense has no date" in out.loc["undated", "unknown_rules"]


def test_within_years_is_a_checked_setting(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "screens: {rules: {p: {type: no_prior_offense_in, lists: [robbery], within_years: 10}}}\n"
    )
    assert load_config(None, path).rules[0].params["within_years"] == 10
    path.write_text(
        "screens: {rules: {p: {type: no_prior_offense_in, lists: [robbery], within_years: -1}}}\n"
    )
    with pytest.raises(Exception, match="within_years"):
        load_config(None, path)
