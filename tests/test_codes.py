"""Table-driven tests of the offense-code and sentence-string parsers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.data.codes import format_term, offense_label, parse_offense_codes, parse_sentences

OFFENSES = [
    # raw, code, section, subdivision, degree, attempt, key
    ("PC187", "PC", "187", "", "", False, "PC187"),
    ("PC187 2nd", "PC", "187", "", "2nd", False, "PC187"),
    ("PC187 1st", "PC", "187", "", "1st", False, "PC187"),
    ("PC187(664)", "PC", "187", "", "", True, "PC187"),
    ("PC664/187", "PC", "187", "", "", True, "PC187"),
    ("PC211/att", "PC", "211", "", "", True, "PC211"),
    ("PC459 2nd", "PC", "459", "", "2nd", False, "PC459"),
    ("PC212.5(c)", "PC", "212.5", "(c)", "", False, "PC212.5(c)"),
    ("PC245(a)(1)", "PC", "245", "(a)(1)", "", False, "PC245(a)(1)"),
    ("PC245(A)(1)", "PC", "245", "(a)(1)", "", False, "PC245(a)(1)"),
    ("PC 245 (a) (1)", "PC", "245", "(a)(1)", "", False, "PC245(a)(1)"),
    ("PC666.1(a)(1)", "PC", "666.1", "(a)(1)", "", False, "PC666.1(a)(1)"),
    ("PC273a(a)", "PC", "273a", "(a)", "", False, "PC273a(a)"),
    ("PC496D(A)", "PC", "496d", "(a)", "", False, "PC496d(a)"),
    ("PC273AB(A)", "PC", "273ab", "(a)", "", False, "PC273ab(a)"),
    ("HS11378", "HS", "11378", "", "", False, "HS11378"),
    ("HS11352(a)", "HS", "11352", "(a)", "", False, "HS11352(a)"),
    ("VC23152(a)", "VC", "23152", "(a)", "", False, "VC23152(a)"),
    ("VC10851(a)", "VC", "10851", "(a)", "", False, "VC10851(a)"),
    ("PC4573.6", "PC", "4573.6", "", "", False, "PC4573.6"),
    ("PC12022.53(d)", "PC", "12022.53", "(d)", "", False, "PC12022.53(d)"),
    ("pc211 second degree", "PC", "211", "", "2nd", False, "PC211"),
    ("CC25401", "CC", "25401", "", "", False, "CC25401"),
    ("PC211(664)(a)", "PC", "211", "(a)", "", True, "PC211(a)"),
]


@pytest.mark.parametrize(("raw", "code", "section", "sub", "degree", "attempt", "key"), OFFENSES)
def test_parse_offense_code(raw, code, section, sub, degree, attempt, key) -> None:
    row = parse_offense_codes(pd.Series([raw])).iloc[0]
    assert (
        row["code"],
        row["section"],
        row["subdivision"],
        row["degree"],
        bool(row["attempt"]),
        row["offense_key"],
    ) == (code, section, sub, degree, attempt, key)


@pytest.mark.parametrize(
    "raw", ["", None, "garbage", "187", "PC", "HS-11352", "PC187(", "PC187 4th"]
)
def test_unreadable_offense_codes_give_na(raw) -> None:
    assert pd.isna(parse_offense_codes(pd.Series([raw], dtype="string")).iloc[0]["offense_key"])


def test_parser_keeps_index_and_repeats() -> None:
    raw = pd.Series(["PC187", "PC459 2nd", "PC187"], index=[10, 20, 30])
    out = parse_offense_codes(raw)
    assert list(out.index) == [10, 20, 30]
    assert list(out["offense_key"]) == ["PC187", "PC459", "PC187"]
    assert list(offense_label(out)) == ["PC 187", "PC 459 (2nd)", "PC 187"]


SENTENCES = [
    # raw, months, life, lwop, condemned, stayed, error
    ("35 Years", 420, False, False, False, False, ""),
    ("81 Years 8 Months", 980, False, False, False, False, ""),
    ("1 Years 4 Months", 16, False, False, False, False, ""),
    ("1 Year", 12, False, False, False, False, ""),
    ("8 Months", 8, False, False, False, False, ""),
    ("2 Years 0 Months", 24, False, False, False, False, ""),
    ("25 Years 0 Months-to-Life", 300, True, False, False, False, ""),
    ("16 Years 0 Months-to-Life", 192, True, False, False, False, ""),
    ("15 Years to Life", 180, True, False, False, False, ""),
    ("Life with Parole", math.nan, True, False, False, False, ""),
    ("LWOP", math.nan, True, True, False, False, ""),
    ("Condemned", math.nan, True, True, True, False, ""),
    ("Stayed", 0, False, False, False, True, ""),
    ("", math.nan, False, False, False, False, ""),
    ("-3 Years", math.nan, False, False, False, False, "negative sentence '-3 Years'"),
    ("abc", math.nan, False, False, False, False, "unreadable sentence 'abc'"),
    (
        "2 Years 14 Months",
        math.nan,
        False,
        False,
        False,
        False,
        "months out of range in '2 Years 14 Months'",
    ),
]


@pytest.mark.parametrize(
    ("raw", "months", "life", "lwop", "condemned", "stayed", "error"), SENTENCES
)
def test_parse_sentence(raw, months, life, lwop, condemned, stayed, error) -> None:
    row = parse_sentences(pd.Series([raw])).iloc[0]
    if math.isnan(months):
        assert math.isnan(row["months"])
    else:
        assert row["months"] == months
    assert (row["life"], row["lwop"], row["condemned"], row["stayed"], row["error"]) == (
        life,
        lwop,
        condemned,
        stayed,
        error,
    )


@pytest.mark.parametrize(
    ("months", "life", "text"),
    [
        (300, True, "25 Years 0 Months-to-Life"),
        (8, False, "8 Months"),
        (98, False, "8 Years 2 Months"),
    ],
)
def test_format_term_round_trips(months, life, text) -> None:
    assert format_term(months, life) == text
    parsed = parse_sentences(pd.Series([text])).iloc[0]
    assert (parsed["months"], parsed["life"]) == (months, life)
