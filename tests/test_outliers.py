"""Extreme outliers against peers and the federal guideline range, and the review mandate."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from helpers.screening.config import OutlierSettings, load_config
from helpers.screening.outliers import (
    find_outliers,
    guideline_max_months,
    guideline_ranges,
    mandate_list,
    multiple_count_add,
)


def loose(county: str | None = None):
    """A configuration with easy thresholds (peer ratio 2, 95th percentile, guideline ratio 3)."""
    return replace(load_config(county), outliers=OutlierSettings(10, 2.0, 0.95, 3.0, 5))


def _people(
    months: list[float], county: list[str], key: str = "PC211", lwop: list[bool] | None = None
) -> dict:
    n = len(months)
    people = pd.DataFrame(
        {
            "cdcno": [f"p{i:03d}" for i in range(n)],
            "county": county,
            "controlling_code": "PC",
            "controlling_section": key[2:],
            "controlling_subdivision": "",
            "controlling_degree": "2nd",
            "controlling_attempt": False,
            "controlling_offense_key": key,
            "aggregate_sentence_months": months,
            "sentence_lwop": lwop or [False] * n,
            "sentence_condemned": False,
        }
    )
    enh = pd.DataFrame({"cdcno": pd.Series(dtype="string"), "role": pd.Series(dtype="string")})
    return {"people": people, "enhancements": enh}


def test_guideline_table_has_every_criminal_history_category() -> None:
    table = guideline_ranges()
    assert len(table) == 43 * 6
    wide = table.pivot(
        index="offense_level", columns="criminal_history_category", values="max_months"
    )
    assert (wide.diff(axis=1).iloc[:, 1:].fillna(0) >= 0).all().all()  # more history, longer
    assert (wide.diff().iloc[1:].fillna(0) >= 0).all().all()  # higher level, longer
    assert guideline_max_months(np.array([30.0, 30.0]), np.array([1, 6])).tolist() == [121, 210]
    assert guideline_max_months(np.array([1, 8, 14, 20, 33, 41, 42, 43, np.nan])).tolist()[:-1] == [
        6,
        6,
        21,
        41,
        168,
        405,
        np.inf,
        np.inf,
    ]
    assert np.isnan(guideline_max_months(np.array([np.nan]))[0])


@pytest.mark.parametrize(
    ("units", "add"),
    [(1, 0), (1.5, 1), (2, 2), (2.5, 3), (3, 3), (3.5, 4), (5, 4), (5.5, 5), (9, 5)],
)
def test_multiple_count_units(units: float, add: int) -> None:
    assert multiple_count_add(np.array([units]))[0] == add


def test_peer_and_guideline_outliers_with_reasons() -> None:
    # 12 robbery peers at 60 months in LA, one at 600 months; 1 in Alameda at 60.
    months = [60.0] * 12 + [600.0, 60.0]
    county = ["Los Angeles"] * 13 + ["Alameda"]
    tables = _people(months, county)
    config = loose("Los Angeles")
    out = find_outliers(tables, config, levels=np.full(14, 20.0))  # level 20: max 41 months
    big = out.iloc[12]
    assert big["state_peers"] == 14 and big["state_median_months"] == 60
    assert big["state_ratio"] == 10 and big["outlier_peer_state"] and big["outlier_peer_county"]
    assert big["guideline_max_months"] == 41 and big["guideline_ratio"] == pytest.approx(600 / 41)
    assert big["outlier_guideline"]
    assert (
        "is 10.0 times the statewide median (60 months) for PC 211 (2nd) with no enhancement"
        in big["outlier_reason"]
    )
    assert (
        "14.6 times the federal guideline maximum (41 months at offense level 20, criminal history I)"
        in big["outlier_reason"]
    )
    assert out["outlier"].sum() == 1
    assert out.loc[0, "outlier_reason"] == ""


def test_small_peer_groups_are_not_compared() -> None:
    tables = _people([60.0] * 5 + [600.0], ["Alameda"] * 6)
    out = find_outliers(tables, loose(), levels=np.full(6, 43.0))  # life guideline max
    assert not out["outlier"].any()
    assert out["state_peers"].tolist() == [6] * 6
    # A life guideline maximum counts as 470 months: no infinite or zero ratio.
    assert out["guideline_ratio"].tolist() == pytest.approx([60 / 470] * 5 + [600 / 470])


def test_lwop_against_finite_guideline_is_extreme() -> None:
    tables = _people([9999.0, 120.0], ["Kern", "Kern"], lwop=[True, False])
    out = find_outliers(tables, loose(), levels=np.array([30.0, 30.0]))
    assert out["sentence_months"].iloc[0] == np.inf
    assert out["outlier_guideline"].tolist() == [True, False]
    assert out["guideline_ratio"].iloc[0] == pytest.approx(470 / 121)  # finite, not inf
    assert (
        "life without parole is 3.9 times the federal guideline maximum (121 months"
        in out["outlier_reason"].iloc[0]
    )


def test_criminal_history_from_prior_commitments() -> None:
    tables = _people([300.0, 300.0, 300.0], ["Kern"] * 3)
    ids = tables["people"]["cdcno"].tolist()
    tables["offenses"] = pd.DataFrame(
        {
            "cdcno": [ids[1], ids[2], ids[2], ids[2]],
            "role": "prior",
            "case_number": ["C1", "D1", "D2", "D3"],
        }
    )
    out = find_outliers(tables, loose(), levels=np.full(3, 30.0))
    # 0 priors: I; 1 prior commitment = 3 points: II; 3 commitments = 9 points: IV.
    assert out["criminal_history_category"].tolist() == ["I", "II", "IV"]
    assert out["guideline_max_months"].tolist() == [121, 135, 168]


def test_statute_prescribed_lwop_is_not_an_outlier() -> None:
    tables = _people([9999.0, 9999.0], ["Kern", "Kern"], lwop=[True, True])
    tables["people"]["controlling_offense_key"] = ["PC209(a)", "PC211"]
    out = find_outliers(tables, loose(), levels=np.array([30.0, 30.0]))
    assert out["statute_requires_life"].tolist() == [True, False]
    assert out["outlier"].tolist() == [False, True]


def test_mandate_ties_broken_by_time_served_then_age() -> None:
    frame = pd.DataFrame(
        {
            "cdcno": ["zz", "aa", "mm"],
            "county": "Kern",
            "outlier": True,
            "outlier_severity": 2.0,
            "time_served_years": [10.0, 10.0, 20.0],
            "age": [70.0, 40.0, 30.0],
        }
    )
    listed = mandate_list(frame, loose())
    assert listed["cdcno"].tolist() == ["mm", "zz", "aa"]


def test_mandate_list_orders_by_severity_and_sizes_reviews() -> None:
    # Kern: 8 outliers by guideline ratio (3.1 .. 10 × max 6 months) -> fewer of (5, 4) = 4 reviews.
    months = [6 * r for r in (3.1, 10, 4, 5, 6, 7, 8, 9)] + [6.0]
    tables = _people(months, ["Kern"] * 9)
    out = find_outliers(tables, loose(), levels=np.full(9, 8.0))
    listed = mandate_list(out, loose())
    assert listed["cdcno"].tolist()[:3] == ["p001", "p007", "p006"]
    assert listed["outlier_rank"].tolist() == list(range(1, 9))
    assert set(listed["required_reviews"]) == {4}
    assert listed["review_required"].sum() == 4
    assert listed["county_outliers"].iloc[0] == 8


def test_shipped_thresholds_are_strict() -> None:
    o = load_config(None).outliers
    assert (o.min_peers, o.peer_ratio, o.peer_percentile, o.guideline_ratio) == (
        10,
        3.0,
        0.99,
        10.0,
    )
    tables = _people([60.0] * 12 + [150.0], ["Kern"] * 13)  # 2.5 times the median: not extreme
    out = find_outliers(tables, load_config(None), levels=np.full(13, 20.0))
    assert not out["outlier"].any()
