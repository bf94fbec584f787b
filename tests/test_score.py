"""The ranking score R: the memo's worked examples, factor formulas, ranking and sensitivity."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from helpers.screening.config import load_config
from helpers.screening.score import (
    factor_values,
    loss_levels,
    r_score,
    rank_within_county,
    score,
    sensitivity,
)

# Memo Appendix A: theft of $7,000 = base 6 + 2 (loss over $6,500); drug possession level 6;
# aggravated assault level 14.
THEFT = 6 + 2
ALICE = dict(
    current_levels=[THEFT], prior_levels=[6, 6], prior_years=[8, 5], factor_x=[-1], factor_y=[1]
)
BOB = dict(
    current_levels=[THEFT],
    prior_levels=[6, 6, 14],
    prior_years=[8, 5, 11],
    factor_x=[-1],
    factor_y=[0],
)


@pytest.mark.parametrize(("person", "expected"), [(ALICE, 5.712), (BOB, 10.693)])
def test_worked_examples(person: dict, expected: float) -> None:
    assert round(r_score(**person, a=0.3, b=0.5, d=0.95), 3) == expected


def test_loss_table_gives_alice_her_plus_two() -> None:
    assert 6 + loss_levels(7000) == THEFT
    assert loss_levels(np.array([0, 6500, 6500.01, 15000, 15001, 2e6, np.nan])).tolist() == [
        0,
        0,
        2,
        2,
        4,
        16,
        0,
    ]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(current_levels=[], prior_levels=[], prior_years=[], factor_x=[], factor_y=[]), 0.0),
        (
            dict(
                current_levels=[10, 20], prior_levels=[], prior_years=[], factor_x=[], factor_y=[]
            ),
            9.0,
        ),
        (
            dict(current_levels=[], prior_levels=[10], prior_years=[0], factor_x=[], factor_y=[]),
            5.0,
        ),
        (
            dict(
                current_levels=[],
                prior_levels=[],
                prior_years=[],
                factor_x=[-2, 1],
                factor_y=[0.5, 1],
            ),
            0.0,
        ),
    ],
)
def test_formula_parts(kwargs: dict, expected: float) -> None:
    assert r_score(**kwargs, a=0.3, b=0.5, d=0.95) == pytest.approx(expected)


def test_bad_factor_values_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        r_score([1], [], [], [-1], [1.5], 0.3, 0.5, 0.95)
    with pytest.raises(ValueError, match="equal lengths"):
        r_score([1], [1, 2], [3], [], [], 0.3, 0.5, 0.95)


def test_memo_weights_are_the_default_preset() -> None:
    s = load_config(None).score
    alice = r_score(
        **{**ALICE, "factor_x": [s.factors["education_rehabilitation"]]}, a=s.a, b=s.b, d=s.d
    )
    assert round(alice, 3) == 5.712


# ---------------------------------------------------------------------------------------------
# Vectorised scoring on tables
# ---------------------------------------------------------------------------------------------

AS_OF = pd.Timestamp("2024-01-01")


def _people(**cols) -> pd.DataFrame:
    base = {
        "cdcno": ["alice", "bob"],
        "county": ["Kern", "Kern"],
        "age": [30.0, 30.0],
        "age_at_offense": [40.0, 40.0],
        "time_served_years": [0.0, 0.0],
        "controlling_code": "PC",
        "controlling_section": "487",
        "controlling_subdivision": "(a)",
        "controlling_degree": "",
        "controlling_attempt": False,
        "controlling_offense_key": "PC487(a)",
    }
    base.update(cols)
    return pd.DataFrame(base)


def _offense(oid, cdcno, role, code, section, sub, years_ago, loss=np.nan) -> dict:
    day = AS_OF - pd.Timedelta(days=round(years_ago * 365.25))
    return {
        "offense_id": oid,
        "cdcno": cdcno,
        "role": role,
        "code": code,
        "section": section,
        "subdivision": sub,
        "degree": "",
        "attempt": False,
        "offense_key": f"{code}{section}{sub}",
        "offense_begin_date": day,
        "offense_end_date": day,
        "stayed": False,
        "loss_usd": loss,
    }


def memo_tables() -> dict:
    rows = []
    for i, who in enumerate(["alice", "bob"]):
        rows.append(_offense(10 * i, who, "current", "PC", "487", "(a)", 1, loss=7000))
        # The memo's drug possession (level 6): narcotic possession, HS 11350 (HS 11377 is 4).
        rows.append(_offense(10 * i + 1, who, "prior", "HS", "11350", "(a)", 8))
        rows.append(_offense(10 * i + 2, who, "prior", "HS", "11350", "(a)", 5))
    rows.append(_offense(99, "bob", "prior", "PC", "245", "(a)(4)", 11))
    credits = pd.DataFrame(
        {"cdcno": ["alice"], "credit_type": ["education_merit"], "credit_days": [180.0]}
    )
    return {"people": _people(), "offenses": pd.DataFrame(rows), "credits": credits}


def test_scoring_the_memo_examples_from_tables() -> None:
    config = load_config(None)
    factors = {k: 0.0 for k in config.score.factors} | {"education_rehabilitation": -1.0}
    config = replace(config, score=replace(config.score, factors=factors))
    out = score(memo_tables(), config, AS_OF).set_index("cdcno")
    assert out.loc["alice", "current_sum"] == 8  # theft level 6 + 2 for a $7,000 loss
    assert out.loc["alice", "factor_education_rehabilitation"] == 1.0
    assert round(out.loc["alice", "R"], 3) == 5.712
    assert round(out.loc["bob", "R"], 3) == 10.693
    assert out.loc["bob", "n_priors"] == 3 and out.loc["bob", "levels_missing"] == 0


def test_factor_formulas_values_and_bounds() -> None:
    people = _people(
        age=[70.0, 20.0],
        age_at_offense=[17.0, 30.0],
        time_served_years=[25.0, 5.0],
        mental_health_level=["EOP", None],
    )
    tables = {
        "people": people,
        "violations": pd.DataFrame(
            {
                "cdcno": ["alice", "bob", "bob"],
                "violation_date": [AS_OF, AS_OF - pd.Timedelta(days=1096), AS_OF],
                "division": ["A1", "A1", "F"],
            }
        ),
        "credits": pd.DataFrame({"cdcno": ["alice", "alice"], "credit_days": [60.0, 30.0]}),
        "factors": pd.DataFrame(
            {
                "cdcno": ["alice", "bob"],
                "childhood_trauma": [1.0, np.nan],
                "abuse_victim": [0.0, np.nan],
                "intimate_partner_violence_victim": [0.0, 0.0],
                "trafficking_victim": [1.0, 0.0],
                "serious_medical_condition": [0.0, 1.0],
            }
        ),
    }
    y, missing = factor_values(tables, AS_OF)
    alice, bob = y.iloc[0], y.iloc[1]
    assert alice.to_dict() == pytest.approx(
        {
            "factor_age": 1.0,
            "factor_youth_at_offense": 1.0,
            "factor_time_served": 1.0,
            "factor_rules_violations": 1 - np.exp(-1.0),
            "factor_education_rehabilitation": 0.5,
            "factor_mental_illness": 0.75,
            "factor_trauma_abuse": 1.0,
            "factor_ipv_trafficking": 1.0,
            "factor_elderly_poor_health": 1.0,
        }
    )
    assert bob["factor_age"] == 0 and bob["factor_youth_at_offense"] == 0
    assert bob["factor_time_served"] == 0.25
    # A1 three years ago weighs half; F today weighs 0.1.
    assert bob["factor_rules_violations"] == pytest.approx(
        1 - np.exp(-(0.5 * 0.5 ** (1096 / 365.25 / 3 - 1) + 0.1)), rel=1e-3
    )
    assert bob["factor_elderly_poor_health"] == 1.0 and bob["factor_mental_illness"] == 0
    assert ((y >= 0) & (y <= 1)).all().all()
    assert missing.tolist() == ["", ""]
    # Without DSA tables the factors are 0 and named as missing.
    y2, missing2 = factor_values({"people": people}, AS_OF)
    assert y2["factor_rules_violations"].tolist() == [0.0, 0.0]
    assert (
        missing2.iloc[0]
        == "rules_violations; education_rehabilitation; trauma_abuse; ipv_trafficking"
    )


def test_ranking_ties_are_deterministic() -> None:
    frame = pd.DataFrame(
        {
            "cdcno": ["d", "c", "b", "a", "e"],
            "county": ["X", "X", "X", "X", "Y"],
            "eligibility": ["eligible", "eligible", "eligible", "unknown", "not eligible"],
            "R": [1.0, 1.0, 1.0, 0.1, 5.0],
            "time_served_years": [10.0, 12.0, 10.0, 30.0, 1.0],
            "age": [50.0, 40.0, 50.0, 70.0, 20.0],
        }
    )
    # c served longest; b and d tie on everything but cdcno; a is unknown so after the eligible.
    assert rank_within_county(frame).tolist() == [3, 1, 2, 4, 1]


def test_sensitivity_overlap_and_tau() -> None:
    config = load_config(None)
    frame = pd.DataFrame(
        {
            "cdcno": list("pqrs"),
            "county": "X",
            "eligibility": "eligible",
            "current_sum": [1.0, 2.0, 3.0, 4.0],
            "prior_sum": [8.0, 6.0, 4.0, 2.0],
            **{f"factor_{k}": 0.0 for k in config.score.factors},
        }
    )
    frame["R"] = 0.3 * frame["current_sum"] + 0.5 * frame["prior_sum"]  # 4.3, 3.6, 2.9, 2.2
    out = sensitivity(frame, config, k=2).set_index(["weight", "step"])
    # b 0.5 -> 0.25: R = 2.3, 2.1, 1.9, 1.7: same order; b 0.5 -> 1: same order.
    assert out.loc[("b", "down"), ["to_value", "overlap_at_k", "kendall_tau"]].tolist() == [
        0.25,
        1.0,
        1.0,
    ]
    # a 0.3 -> 2 would be two steps; one step up is 0.5: R = 4.5, 4, 3.5, 3: same order.
    assert out.loc[("a", "up"), "to_value"] == 0.5
    # A factor without spread cannot move anything.
    assert out.loc[("age", "up"), "overlap_at_k"] == 1.0
    assert (
        out.loc[("age", "down"), "to_value"] == -0.25 and out.loc[("age", "up"), "to_value"] == -1.0
    )
    # Reverse the order: give prior_sum the opposite trend and step b down to 0.
    frame["prior_sum"] = [0.0, 0.0, 0.0, 0.0]
    frame["current_sum"] = [4.0, 3.0, 2.0, 1.0]
    frame["factor_time_served"] = [0.0, 0.4, 0.8, 1.0]
    frame["R"] = 0.3 * frame["current_sum"] - 0.5 * frame["factor_time_served"]  # 1.2, .7, .2, -.2
    out = sensitivity(frame, config, k=2).set_index(["weight", "step"])
    assert out.loc[("time_served", "down"), "kendall_tau"] == pytest.approx(1.0)
    assert out.loc[("a", "down"), "overlap_at_k"] == 1.0
    assert len(out) == 2 * 11  # a, b and nine factors, each one step down and one up
