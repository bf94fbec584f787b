"""Compliance, savings and the statewide table on toy data computed by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers import accountability as acc
from helpers.errors import InputError
from helpers.screening.config import Mandate


def toy_candidates() -> pd.DataFrame:
    """Alameda: 6 outliers (A1 most extreme); Butte: 12 outliers; Colusa: none."""
    rows = []
    for i in range(1, 7):
        rows.append((f"A{i}", "Alameda", True, 10.0 - i, i <= 3, f"CASE-A{i}"))
    for i in range(1, 13):
        rows.append((f"B{i}", "Butte", True, 20.0 - i, i <= 5, f"CASE-B{i}"))
    rows.append(("A99", "Alameda", False, 0.0, False, "CASE-A99"))
    rows.append(("C1", "Colusa", False, 0.0, False, "CASE-C1"))
    c = pd.DataFrame(rows, columns=["cdcno", "county", "outlier", "outlier_severity", "review_required", "case_number"])  # fmt: skip
    c["eligibility"] = "not eligible"
    c["rank"] = c.groupby("county").cumcount() + 1
    return c


def log(rows: list[tuple]) -> pd.DataFrame:
    cols = ["case_number", "cdcno", "county", "date_reviewed", "decision", "new_sentence_months"]
    out = pd.DataFrame(rows, columns=cols)
    out["date_reviewed"] = pd.to_datetime(out["date_reviewed"])
    out["new_sentence_months"] = out["new_sentence_months"].astype("float64")
    out["reason_codes"] = "AGE"
    return out


DECISIONS = log(
    [
        ("CASE-A1", "A1", "Alameda", "2025-02-01", "referred", np.nan),  # by CDCR number
        ("CASE-A4", "TYPO", "Alameda", "2025-05-01", "not referred", np.nan),  # by case number
        ("CASE-A2", "A2", "Alameda", "2024-12-31", "denied", np.nan),  # another year
        ("CASE-B6", "B6", "Alameda", "2025-03-01", "referred", np.nan),  # another county's office
        ("CASE-A99", "A99", "Alameda", "2025-06-01", "not referred", np.nan),  # not an outlier
        *[
            (f"CASE-B{i}", f"B{i}", "Butte", f"2025-07-0{i}", "not referred", np.nan)
            for i in (1, 2, 3, 7, 8)
        ],  # fmt: skip
    ]
)


def test_compliance_by_hand() -> None:
    comp = acc.compliance(toy_candidates(), DECISIONS, None, 2025).set_index("county")
    assert comp.index.tolist() == ["Alameda", "Butte", "Colusa"]
    a, b, c = comp.loc["Alameda"], comp.loc["Butte"], comp.loc["Colusa"]
    # Alameda: 6 outliers -> min(5, ceil(3)) = 3 required; A1 and A4 reviewed in 2025 -> shortfall 1.
    assert (a["outliers"], a["required"], a["reviewed"], a["shortfall"]) == (6, 3, 2, 1)
    assert not a["mandate_met"]
    assert a["reviewed_priority"] == 1  # A1 only (A4 is not on the mandate list)
    assert a["unreviewed"] == ["A2", "A3", "A5", "A6"]
    assert a["unreviewed_case_numbers"] == ["CASE-A2", "CASE-A3", "CASE-A5", "CASE-A6"]
    assert a["reviews_logged"] == 4
    assert a["fips"] == "06001"
    assert a["statement"] == (
        "Alameda did not meet the review mandate in 2025: it reviewed 2 of the 3 extreme-outlier "
        "cases the mandate (at least 5 or 50 % of extreme outliers, whichever is fewer) requires, a "
        "shortfall of 1. 4 of its 6 extreme-outlier cases remain unreviewed. Read as whichever "
        "is more, the mandate would require 5, which Alameda did not meet."
    )
    # Both readings of "at least 5 or 50 %": min(5, 3) = 3 and max(5, 3) = 5 of 6 outliers.
    assert (a["required_fewer"], a["required_more"], a["reading"]) == (3, 5, "fewer")
    assert not a["met_fewer"] and not a["met_more"]
    # Butte: 12 outliers -> min(5, 6) = 5; five reviewed (B6 was reviewed by Alameda's office).
    assert (b["outliers"], b["required"], b["reviewed"], b["shortfall"]) == (12, 5, 5, 0)
    assert b["mandate_met"] and b["reviewed_priority"] == 3
    assert b["statement"].startswith(
        "Butte met the review mandate in 2025: it reviewed 5 of its 12"
    )
    assert (c["outliers"], c["required"], c["mandate_met"]) == (0, 0, True)
    assert "no extreme-outlier cases" in c["statement"]
    # 2024: only A2 reviewed.
    y24 = acc.compliance(toy_candidates(), DECISIONS, None, 2024).set_index("county")
    assert y24.loc["Alameda", "reviewed"] == 1 and y24.loc["Butte", "reviewed"] == 0


def test_compliance_uses_each_county_mandate() -> None:
    mandates = {"Butte": Mandate(5, 0.5, "more")}

    def config_for(county: str) -> SimpleNamespace:
        return SimpleNamespace(mandate=mandates.get(county, Mandate()))

    comp = acc.compliance(toy_candidates(), DECISIONS, config_for, 2025).set_index("county")
    # whichever is more: max(5, 6) = 6 -> 5 reviewed is one short.
    assert comp.loc["Butte", ["required", "shortfall", "mandate_met"]].tolist() == [6, 1, False]
    assert comp.loc["Alameda", "required"] == 3


def test_settings_file_defaults_and_overrides() -> None:
    s = acc.load_settings()
    assert (s.cost_per_person_year, s.comparison_cost_per_person_year, s.county_share) == (132_860, 106_000, 0.70)  # fmt: skip
    assert s.mandate == Mandate(5, 0.5, "fewer")
    assert acc.load_settings(county_share=0.8).county_share == 0.8
    with pytest.raises(InputError, match="county_share"):
        acc.load_settings(county_share=1.5)
    assert s.sources and all("$" in src or "memo" in src or "RAND" in src for src in s.sources)
    assert [sc.grant_rate for sc in s.scenarios] == [1.0, 0.21, 0.21]
    assert s.cost_of(s.scenarios[2]) == pytest.approx(132_860 * s.marginal_cost_share)


def test_savings_scenarios_by_hand() -> None:
    """Two people, 2 and 4 years to release: each scenario's savings and the 70 % county part."""
    s = acc.load_settings()
    projected = pd.DataFrame(
        {"county": ["Kern", "Kern"], "years_avoided": [2.0, 4.0], "costed": [True, True]}
    )
    t = acc.savings_scenarios(projected, s).set_index(["county", "scenario"])
    upper = t.loc[("Kern", s.scenarios[0].name)]
    assert upper["savings"] == pytest.approx(6 * 132_860)
    assert upper["county_part"] == pytest.approx(0.7 * 6 * 132_860)
    pilot = t.loc[("Kern", s.scenarios[1].name)]
    pv = acc.present_value_years(np.array([2.0, 4.0]), 0.03).sum()
    assert pv < 6 and pilot["savings"] == pytest.approx(0.21 * pv * 132_860)
    assert pilot["expected_resentenced"] == pytest.approx(0.42)
    marginal = t.loc[("Kern", s.scenarios[2].name)]
    assert marginal["savings"] == pytest.approx(pilot["savings"] * s.marginal_cost_share)
    assert t.loc[("Statewide", s.scenarios[0].name), "savings"] == pytest.approx(upper["savings"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("county_share: 0.70", "county_shares: 0.70"), "key 'county_shares': expected one of: "),
        (("county_share: 0.70", "county_share: .nan"), "key 'county_share': expected a finite"),
        (
            ("cost_per_person_year: 132860", "cost_per_person_year: 0"),
            "key 'cost_per_person_year': expected a positive number, got 0",
        ),
        (("whichever: fewer", "whichever: most"), "key 'mandate.whichever': expected one of"),
        (("projected_top_k: 50", "projected_top_k: 0"), "key 'projected_top_k': expected a whole"),
        (('cost_year: "2024-25"\n', ""), "key 'cost_year': expected a non-empty text"),
        (("cost: marginal", "cost: cheapest"), "key 'scenarios[2].cost': expected one of"),
        (("grant_rate: 1.0", "grant_rate: 2"), "key 'scenarios[0].grant_rate'"),
    ],
)
def test_settings_file_errors_name_file_and_key(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    text = acc.SETTINGS_FILE.read_text(encoding="utf-8")
    assert edit[0] in text
    path = tmp_path / "accountability.yaml"
    path.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    with pytest.raises(InputError) as err:
        acc.load_settings(path)
    assert str(err.value).startswith(f"{path}: {message}")
    assert "\n" not in str(err.value)


def savings_data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    cands = pd.DataFrame(
        {
            "cdcno": ["P1", "P2", "P3", "P4", "Q1"],
            "county": ["Alameda"] * 4 + ["Butte"],
            "eligibility": ["eligible", "eligible", "eligible", "not eligible", "eligible"],
            "rank": [1, 2, 3, 4, 1],
        }
    )
    people = pd.DataFrame(
        {
            "cdcno": ["P1", "P2", "P3", "P4", "Q1", "R1", "R2", "R3", "R5"],
            "county": ["Alameda"] * 4 + ["Butte"] + ["Alameda"] * 4,
            "eprd": pd.to_datetime(["2028-01-01", None, "2030-01-01", "2027-01-01", "2025-06-01",
                                    "2040-01-01", "2035-01-01", None, "2030-01-01"]),
            "no_release_date": [False, True, False, False, False, False, False, True, False],
            "sentence_lwop": [False, True, False, False, False, False, False, True, False],
            "sentence_condemned": False,
            "offense_end_date": pd.to_datetime(["2000-01-01"] * 5 + ["2000-01-01", "2010-01-01", "1990-01-01", "2010-01-01"]),
        }
    )  # fmt: skip
    decisions = log(
        [
            ("C-R1", "R1", "Alameda", "2025-06-01", "resentenced", 300),
            ("C-R2", "R2", "Alameda", "2025-03-01", "resentenced", 240),
            ("C-R3", "R3", "Alameda", "2025-04-01", "resentenced", 360),  # LWOP before
            ("C-R4", "R4", "Alameda", "2025-04-01", "resentenced", 100),  # not in the data
            ("C-R5", "R5", "Alameda", "2024-04-01", "resentenced", 100),  # another year
            ("C-P1", "P1", "Alameda", "2025-04-01", "denied", np.nan),
        ]
    )
    return cands, people, decisions


def test_projected_savings_by_hand() -> None:
    cands, people, _ = savings_data()
    s = acc.savings(cands, people, None, as_of="2026-01-01", k=2)
    proj = s.projected.set_index("cdcno")
    assert proj.index.tolist() == ["P1", "P2", "Q1"]  # top 2 eligible of Alameda, top 1 of Butte
    assert proj.loc["P1", "years_avoided"] == pytest.approx(
        730 / 365.25
    )  # 2026-01-01 -> 2028-01-01
    assert not proj.loc["P2", "costed"] and proj.loc["P2", "not_costed_reason"] == "life without parole or condemned"  # fmt: skip
    assert proj.loc["Q1", "years_avoided"] == 0.0  # release already past: never negative
    row = s.row("Alameda", "projected")
    years = 730 / 365.25
    assert (row["people"], row["costed"], row["not_costed"]) == (2, 1, 1)
    assert row["savings"] == pytest.approx(years * 132_860)
    assert row["county_part"] == pytest.approx(years * 132_860 * 0.7)
    assert row["state_part"] == pytest.approx(years * 132_860 * 0.3)
    assert row["savings_at_comparison_cost"] == pytest.approx(years * 106_000)
    state = s.row(acc.STATEWIDE_ROW, "projected")
    assert (state["people"], state["years_avoided"]) == (3, pytest.approx(years))


def test_realised_savings_by_hand_and_split() -> None:
    cands, people, decisions = savings_data()
    settings = acc.load_settings(county_share=0.8, cost_per_person_year=100_000)
    s = acc.savings(cands, people, decisions, year=2025, as_of="2026-01-01", settings=settings)
    real = s.realised.set_index("cdcno")
    assert sorted(real.index) == ["R1", "R2", "R3", "R4"]
    # R1: 2000-01-01 + 300 x 30.4375 days = 2024-12-31, before the decision: released 2025-06-01.
    assert real.loc["R1", "new_release"] == pd.Timestamp("2025-06-01")
    y1 = (date(2040, 1, 1) - date(2025, 6, 1)).days / 365.25
    assert real.loc["R1", "years_avoided"] == pytest.approx(y1)
    # R2: 2010-01-01 + 240 x 30.4375 = 7305 days = 2030-01-01; old release 2035-01-01.
    assert real.loc["R2", "new_release"] == pd.Timestamp("2030-01-01")
    y2 = 1826 / 365.25
    assert real.loc["R2", "years_avoided"] == pytest.approx(y2)
    assert (
        real.loc["R3", "not_costed_reason"]
        == "life without parole or condemned before resentencing"
    )
    assert real.loc["R4", "not_costed_reason"] == "not in the CDCR data"
    row = s.row("Alameda", "realised")
    assert (row["people"], row["costed"], row["not_costed"]) == (4, 2, 2)
    assert row["savings"] == pytest.approx((y1 + y2) * 100_000)
    assert row["county_part"] == pytest.approx((y1 + y2) * 80_000)
    assert row["state_part"] == pytest.approx((y1 + y2) * 20_000)
    assert row["savings_at_comparison_cost"] == pytest.approx((y1 + y2) * 106_000)
    all_years = acc.savings(cands, people, decisions, as_of="2026-01-01").row("Alameda", "realised")
    assert all_years["people"] == 5  # R5 of 2024 counted without a year filter


def test_statewide_table_public_and_da() -> None:
    cands, people, _ = savings_data()
    c = pd.concat(
        [toy_candidates(), cands.assign(outlier=False, outlier_severity=0.0)], ignore_index=True
    )
    da = acc.statewide_table(c, DECISIONS, None, 2025, people=people, as_of="2026-01-01", mode="da")
    assert len(da) == 58 and da["fips"].str.startswith("06").all()
    ala = da.set_index("county").loc["Alameda"]
    assert (ala["outliers"], ala["required"], ala["reviewed"], ala["shortfall"]) == (6, 3, 2, 1)
    assert ala["projected_people"] == 3 and bool(ala["mandate_met"]) is False
    pub = acc.statewide_table(
        c, DECISIONS, None, 2025, people=people, as_of="2026-01-01"
    ).set_index("county")
    # Alameda's 6 outliers are a small cell; Butte's 12 is the complementary cell of the column.
    assert pd.isna(pub.loc["Alameda", "outliers"]) and pd.isna(pub.loc["Alameda", "required"])
    assert pd.isna(pub.loc["Butte", "outliers"])
    assert pd.isna(pub.loc["Butte", "reviewed"])  # 5 reviewed: a small cell itself
    assert pd.isna(pub.loc["Alameda", "projected_savings"])
    assert pub.loc["Alameda", "mandate_met"] == False  # noqa: E712 - the status stays published
    assert pub.loc["Butte", "mandate_met"] == True  # noqa: E712
    counts = pub[acc.STATEWIDE_COUNTS].stack()
    assert ((counts == 0) | (counts >= 11)).all()
    assert pub.loc["Colusa", "outliers"] == 0
