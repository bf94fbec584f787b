"""Offense levels and statutory-list matching (helpers.screening.offenses), table-driven."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.screening.offenses import in_sections, in_statutory_list, list_matches, offense_levels

VOCABULARY = Path(__file__).resolve().parents[1] / "notes" / "offense_vocabulary.md"

_RAW = re.compile(
    r"^(?P<code>[A-Z]+)(?P<pre>664/)?(?P<section>\d+(?:\.\d+)?[A-Za-z]*)"
    r"(?P<parens>(?:\([0-9A-Za-z]+\))*)(?:\s+(?P<degree>1st|2nd))?$"
)


def parse(raw: str) -> dict[str, object]:
    """Tiny stand-in for helpers.data.codes.parse_offense_codes (CDCR raw code -> parsed parts)."""
    m = _RAW.match(raw.strip())
    assert m, raw
    groups = re.findall(r"\(([0-9A-Za-z]+)\)", m["parens"])
    attempt = bool(m["pre"]) or "664" in groups
    return {
        "code": m["code"],
        "section": m["section"].lower(),
        "subdivision": "".join(f"({g.lower()})" for g in groups if g != "664"),
        "degree": m["degree"] or "",
        "attempt": attempt,
    }


def frame(*raws: str) -> pd.DataFrame:
    return pd.DataFrame([parse(r) for r in raws])


# --------------------------------------------------------------------------------------------------
# offense_levels
# --------------------------------------------------------------------------------------------------

LEVELS = [
    # raw, level, category, guideline section, matched key
    ("PC187 1st", 43, "Murder", "§2A1.1", "PC187 1st"),
    ("PC187 2nd", 38, "Murder", "§2A1.2", "PC187 2nd"),
    ("PC187", 38, "Murder", "§2A1.2", "PC187"),  # degree not recorded: lesser degree (PC 1157)
    ("PC192(a)", 29, "Murder", "§2A1.3", "PC192(a)"),
    ("PC487(a)", 6, "Theft", "§2B1.1", "PC487(a)"),  # theft base 6 (memo: $7,000 theft = 6 + 2)
    ("PC484", 6, "Theft", "§2B1.1", "PC484"),
    ("HS11350(a)", 6, "Drug Crimes", "§2D2.1", "HS11350(a)"),  # drug possession = 6
    ("HS11377(a)", 4, "Drug Crimes", "§2D2.1", "HS11377(a)"),
    ("PC245(a)(4)", 14, "Attack/Injury", "§2A2.2", "PC245(a)(4)"),  # aggravated assault = 14
    ("PC245(a)(1)", 18, "Attack/Injury", "§2A2.2", "PC245(a)(1)"),  # 14 + 4 weapon used
    ("PC211 2nd", 20, "Robbery", "§2B3.1", "PC211 2nd"),
    ("PC211 1st", 22, "Robbery", "§2B3.1", "PC211 1st"),
    ("PC215(a)", 22, "Robbery", "§2B3.1(b)(5)", "PC215(a)"),
    ("PC459 1st", 17, "Theft", "§2B2.1(a)(1)", "PC459 1st"),
    ("PC459 2nd", 12, "Theft", "§2B2.1(a)(2)", "PC459 2nd"),
    ("PC459", 12, "Theft", "§2B2.1(a)(2)", "PC459"),
    ("PC207(a)", 32, "Kidnapping/Trafficking", "§2A4.1", "PC207(a)"),
    ("PC209(a)", 38, "Kidnapping/Trafficking", "§2A4.1", "PC209(a)"),
    ("PC261(a)(2)", 34, "Sex Offenses", "§2A3.1", "PC261(a)(2)"),
    ("PC288(a)", 22, "Sex Offenses", "§2A3.4", "PC288(a)"),
    ("PC29800(a)(1)", 14, "Gun/Major Weapon Crimes", "§2K2.1", "PC29800(a)(1)"),
    ("PC451(b)", 24, "Environment/Arson/Public Danger", "§2K1.4", "PC451(b)"),
    ("VC23152(a)", 6, "Vehicular Crimes", "§2X5.2 (proxy)", "VC23152(a)"),
    ("PC4530(b)", 13, "Custody/Justice System", "§2P1.1", "PC4530(b)"),
    ("PC118", 14, "Fraud/Perjury/White Collar", "§2J1.3", "PC118"),
    ("PC602", 4, "Miscellaneous Near-Misdemeanors", "§2B2.3", "PC602"),
    # fallbacks: longest subdivision prefix, then the section
    ("PC245(a)(9)", 14, "Attack/Injury", "§2A2.2", "PC245"),
    ("PC286(c)(2)(c)", 34, "Sex Offenses", "§2A3.1", "PC286(c)(2)"),
    ("HS11377(b)", 4, "Drug Crimes", "§2D2.1", "HS11377"),
    ("PC187(a) 1st", 43, "Murder", "§2A1.1", "PC187 1st"),
    ("PC273A(A)", 16, "Attack/Injury", "§2A2.2", "PC273a(a)"),
    # enhancements: the level is the increment the guideline adds
    ("PC12022.53(d)", 11, "Gun/Major Weapon Crimes", "§2B3.1(b)(3)", "PC12022.53(d)"),
    ("PC12022.7(a)", 5, "Attack/Injury", "§2A2.2(b)(3)(B)", "PC12022.7(a)"),
    ("PC667(a)(1)", 0, "Custody/Justice System", "§4A1.1", "PC667(a)(1)"),
]


@pytest.mark.parametrize(("raw", "level", "category", "gsec", "key"), LEVELS)
def test_offense_levels(raw: str, level: int, category: str, gsec: str, key: str) -> None:
    out = offense_levels(frame(raw)).iloc[0]
    assert out["federal_level"] == level
    assert out["category"] == category
    assert out["guideline_section"] == gsec
    assert out["matched_key"] == key
    assert isinstance(out["level_basis"], str) and out["level_basis"]


ATTEMPTS = [
    # raw, level, guideline section contains
    ("PC187(664)", 33, "§2A2.1"),  # attempted murder: own guideline
    ("PC664/187", 33, "§2A2.1"),
    ("PC187(664) 1st", 33, "§2A2.1"),
    ("PC187(664) 2nd", 27, "§2A2.1"),
    ("PC211(664) 2nd", 17, "§2X1.1"),  # 20 - 3
    ("PC459(664) 1st", 14, "§2X1.1"),  # 17 - 3
    ("PC487(a)(664)", 3, "§2X1.1"),  # 6 - 3
    ("PC240(664)", 1, "§2X1.1"),  # 4 - 3 = 1
    ("PC602(664)", 1, "§2X1.1"),  # 4 - 3 floored at 1
    ("PC12022.53(d)(664)", 11, "§2B3.1"),  # enhancements are not attempt-adjusted
]


@pytest.mark.parametrize(("raw", "level", "gsec"), ATTEMPTS)
def test_attempt_levels(raw: str, level: int, gsec: str) -> None:
    out = offense_levels(frame(raw)).iloc[0]
    assert out["federal_level"] == level
    assert gsec in out["guideline_section"]


def test_attempt_basis_explains_reduction() -> None:
    out = offense_levels(frame("PC211(664) 2nd", "PC187(664)"))
    assert "§2X1.1" in out["level_basis"].iloc[0] and "-3" in out["level_basis"].iloc[0]
    assert out["level_basis"].iloc[1].startswith("attempted murder")
    assert out["category"].tolist() == ["Robbery", "Murder"]


def test_unmatched_codes_are_unclassified() -> None:
    parsed = pd.DataFrame(
        {
            "code": ["ZZ", "PC", None],
            "section": ["999", "99999", None],
            "subdivision": ["(a)", "", None],
            "degree": ["", "", None],
            "attempt": [False, True, None],
        }
    )
    out = offense_levels(parsed)
    assert out["federal_level"].isna().all()
    assert out["category"].tolist() == ["Unclassified"] * 3
    assert out["matched_key"].isna().all()
    assert "ZZ999(a)" in out["level_basis"].iloc[0]
    assert "PC99999 (attempt)" in out["level_basis"].iloc[1]
    assert out["level_basis"].iloc[2] == "no offense code to look up"


def test_levels_keep_index_and_dtypes() -> None:
    parsed = frame("PC187 1st", "PC487(a)", "XX1")
    parsed.index = pd.Index([10, 7, 3], name="offense_id")
    out = offense_levels(parsed)
    assert out.index.equals(parsed.index)
    assert str(out["federal_level"].dtype) == "Int64"
    assert out["federal_level"].tolist()[:2] == [43, 6]
    assert out["is_enhancement"].dtype == bool


def test_levels_optional_columns_and_missing_code() -> None:
    out = offense_levels(pd.DataFrame({"code": ["PC"], "section": ["487"]}))
    assert out["federal_level"].iloc[0] == 6
    with pytest.raises(KeyError, match="section"):
        offense_levels(pd.DataFrame({"code": ["PC"]}))


def test_levels_empty_frame() -> None:
    out = offense_levels(frame("PC187").iloc[0:0])
    assert len(out) == 0
    assert list(out.columns) == [
        "federal_level",
        "category",
        "guideline_section",
        "level_basis",
        "level_source",
        "matched_key",
        "is_enhancement",
    ]


def test_levels_repeated_codes_broadcast() -> None:
    raws = ["PC187 1st", "PC487(a)", "PC187 1st", "HS11377(a)"] * 500
    out = offense_levels(frame(*raws))
    assert out["federal_level"].tolist() == [43, 6, 43, 4] * 500


def _vocabulary_codes() -> tuple[list[tuple[str, str]], list[str]]:
    """(raw code, CDCR category) rows and enhancement codes from notes/offense_vocabulary.md."""
    text = VOCABULARY.read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*((?:PC|HS|VC)[^|]*?)\s*\|[^|]*\|\s*([^|]+?)\s*\|$", text, re.M)
    enh_text = text.split("Enhancement codes", 1)[1]
    enh = re.findall(r"\b((?:PC|HS)\d[\d.]*[a-z]?(?:\([0-9a-zA-Z]+\))*)", enh_text)
    return rows, enh


def test_vocabulary_note_is_read() -> None:
    rows, enh = _vocabulary_codes()
    assert len(rows) >= 80
    assert ("PC187 1st", "Crimes Against Persons") in rows
    assert "PC12022.53(d)" in enh and "HS11370.2(a)" in enh


def test_every_vocabulary_offense_has_level_category_and_cdcr_category() -> None:
    rows, _ = _vocabulary_codes()
    out = offense_levels(frame(*[r for r, _ in rows]))
    assert out["federal_level"].notna().all(), [
        r for (r, _), ok in zip(rows, out["federal_level"].notna(), strict=True) if not ok
    ]
    assert (out["category"] != "Unclassified").all()
    assert not out["is_enhancement"].any()
    from helpers.data.reference import offense_table

    table = offense_table()
    key = table["offense_key"].where(
        table["degree"].eq(""), table["offense_key"] + " " + table["degree"]
    )
    cdcr = dict(zip(key, table["cdcr_category"], strict=True))
    for (raw, category), matched in zip(rows, out["matched_key"], strict=True):
        if "(664)" in raw:
            continue
        assert cdcr[matched] == category, (raw, matched)


def test_every_vocabulary_enhancement_has_increment() -> None:
    _, enh = _vocabulary_codes()
    out = offense_levels(frame(*enh))
    assert out["federal_level"].notna().all()
    assert out["is_enhancement"].all()
    assert (out["category"] != "Unclassified").all()


def test_vocabulary_with_project_parser() -> None:
    from helpers.data import codes

    rows, enh = _vocabulary_codes()
    parsed = codes.parse_offense_codes(pd.Series([r for r, _ in rows] + enh))
    assert parsed["offense_key"].notna().all()
    out = offense_levels(parsed)
    assert out["federal_level"].notna().all()
    assert (out["category"] != "Unclassified").all()


# --------------------------------------------------------------------------------------------------
# in_statutory_list
# --------------------------------------------------------------------------------------------------

MEMBERSHIP = [
    # raw, list, expected (default options)
    ("PC187 1st", "violent", True),
    ("PC187 2nd", "violent", True),  # degree variants match
    ("PC187", "violent", True),
    ("PC187(664)", "violent", True),  # attempt form matches
    ("PC187 2nd", "serious", True),
    ("PC187(664)", "super_strike", True),
    ("PC187", "homicide", True),
    ("PC192(a)", "violent", True),
    ("PC192(a)", "super_strike", False),  # PC 192 lies outside PC 187-191.5
    ("PC191.5(a)", "super_strike", True),
    ("PC192(c)(1)", "homicide", True),
    ("PC192(b)", "serious", False),
    # burglary exception
    ("PC459 1st", "serious", True),
    ("PC459(664) 1st", "serious", True),  # attempt of first degree matches
    ("PC459 2nd", "serious", False),  # second degree never matches
    ("PC459(664) 2nd", "serious", False),
    ("PC459", "serious", False),  # degree not recorded: lesser degree (PC 1157)
    ("PC459 1st", "violent", False),  # 667.5(c)(21) needs a person present: conditional
    ("PC460(a)", "serious", True),
    # robbery
    ("PC211 2nd", "robbery", True),
    ("PC211(664)", "robbery", True),
    ("PC212.5(c)", "violent", True),
    ("PC215(a)", "violent", True),
    ("PC211 1st", "serious", True),
    ("PC211 1st", "super_strike", False),
    ("PC245(a)(1)", "robbery", False),
    # subdivision prefixes
    ("PC288(a)", "sex_registrable", True),
    ("PC288(a)", "super_strike", True),
    ("PC288(a)", "violent", True),
    ("PC288(b)(1)", "serious", True),
    ("PC288(b)(2)", "serious", False),  # dependent adult, not a child under 14
    ("PC288(b)(2)", "violent", True),  # 667.5(c)(6) names all of 288(b)
    ("PC288(c)(1)", "super_strike", False),
    ("PC288(c)(1)", "sex_registrable", True),
    ("PC286(c)(2)(a)", "violent", True),  # entry (c) matches (c)(2)(a)
    ("PC286(c)(1)", "violent", True),
    ("PC286(c)(1)", "serious", False),  # only the forcible forms are serious
    ("PC286(c)(1)", "super_strike", True),
    ("PC261(a)(2)", "super_strike", True),
    ("PC261(a)(2)", "sex_registrable", True),
    ("PC288.5(a)", "violent", True),
    ("PC288.7(a)", "sex_registrable", True),
    ("PC311.11(a)", "sex_registrable", True),
    ("PC236.1(b)", "sex_registrable", True),
    ("PC236.1(a)", "sex_registrable", False),  # labor trafficking is not registrable
    ("PC290.018(b)", "sex_registrable", False),
    ("PC245(a)(1)", "serious", True),
    ("PC245(a)(2)", "serious", True),
    ("PC245(a)(4)", "serious", False),  # force likely to produce GBI is not listed
    ("PC245(a)(1)", "violent", False),
    ("PC245(d)(3)", "super_strike", True),
    ("PC245(d)(1)", "super_strike", False),
    ("PC422", "serious", True),
    ("PC422", "violent", False),
    ("PC451(b)", "violent", True),
    ("PC451(c)", "violent", False),
    ("PC451(c)", "serious", True),
    ("PC452(c)", "serious", False),
    ("PC4501(a)", "serious", True),
    ("PC4501(b)", "serious", False),  # conditional only
    ("PC487(d)(2)", "serious", True),
    ("PC487(a)", "serious", False),
    ("HS11352(a)", "serious", False),
    ("PC653f(b)", "super_strike", True),
    ("PC207(a)", "violent", True),
    ("PC207(a)", "sex_registrable", False),  # needs sexual intent: conditional
    ("PC273a(a)", "violent", False),
    # enhancements proving a list item
    ("PC12022.7(a)", "serious", True),  # 1192.7(c)(8) GBI
    ("PC12022.7(a)", "violent", True),  # 667.5(c)(8)
    ("PC12022(b)(1)", "serious", True),  # 1192.7(c)(23) deadly weapon use
    ("PC12022(b)(1)", "violent", False),
    ("PC12022(a)(1)", "serious", False),  # armed is not use
    ("PC12022.53(e)", "serious", True),  # (c)(40) any violation of 12022.53
    ("PC12022.53(b)", "violent", True),  # 667.5(c)(22)
    ("PC12022.5(a)", "violent", True),
    ("PC186.22(b)(1)", "serious", True),  # (c)(28), People v. Briceno
    ("PC186.22(b)(1)", "violent", False),
    ("PC667.5(b)", "serious", False),
    # sections always punished by life: 1192.7(c)(7), 667.5(c)(7), super strike (VIII)
    ("PC288.7(a)", "serious", True),
    ("PC288.7(a)", "violent", True),
    ("PC269(a)", "violent", True),
    ("PC4500", "violent", True),
    ("PC209(b)(1)", "super_strike", True),
    ("PC207(a)", "super_strike", False),
    ("PC667.61(a)", "violent", True),  # one-strike life term
    ("PC243(d)", "serious", False),  # conditional on personal infliction
]


@pytest.mark.parametrize(("raw", "list_name", "expected"), MEMBERSHIP)
def test_in_statutory_list(raw: str, list_name: str, expected: bool) -> None:
    assert in_statutory_list(frame(raw), list_name).tolist() == [expected]


CONDITIONAL = [
    ("PC459 1st", "violent"),  # 667.5(c)(21), person present
    ("PC518", "violent"),  # 667.5(c)(19), with gang finding
    ("PC4501(b)", "serious"),
    ("PC288.5(a)", "super_strike"),  # WIC 6600(b) force not shown
    ("PC207(a)", "sex_registrable"),
    ("PC286(b)", "sex_registrable"),  # PC 290(c)(2) age-gap exception
    ("PC459", "serious"),  # degree not recorded
    ("PC243(d)", "serious"),  # 1192.7(c)(8) if the injury was personally inflicted
]


@pytest.mark.parametrize(("raw", "list_name"), CONDITIONAL)
def test_conditional_items(raw: str, list_name: str) -> None:
    parsed = frame(raw)
    assert not in_statutory_list(parsed, list_name).iloc[0]
    assert in_statutory_list(parsed, list_name, include_conditional=True).iloc[0]
    lm = list_matches(parsed, list_name).iloc[0]
    assert (lm["matched"], lm["possible"]) == (False, True)
    assert isinstance(lm["citation"], str) and lm["citation"]


def test_second_degree_burglary_never_possible_for_first_degree_items() -> None:
    lm = list_matches(frame("PC459 2nd", "PC459(664) 2nd"), "violent")
    assert not lm["matched"].any() and not lm["possible"].any()
    assert not in_statutory_list(frame("PC459 2nd"), "serious", include_conditional=True).iloc[0]


CITATIONS = [
    ("PC211 2nd", "violent", "PC 667.5(c)(9)"),
    ("PC187(664)", "violent", "PC 667.5(c)(12)"),  # the attempt item is cited for attempts
    ("PC187 1st", "violent", "PC 667.5(c)(1)"),
    ("PC459 1st", "serious", "PC 1192.7(c)(18)"),
    ("PC12022.7(a)", "serious", "PC 1192.7(c)(8)"),
    ("PC288(a)", "super_strike", "PC 667(e)(2)(C)(iv)(III)"),
    ("PC288(a)", "sex_registrable", "PC 290(c)(1)"),
]


@pytest.mark.parametrize(("raw", "list_name", "citation"), CITATIONS)
def test_list_matches_citation(raw: str, list_name: str, citation: str) -> None:
    lm = list_matches(frame(raw), list_name).iloc[0]
    assert lm["matched"] and not lm["possible"]
    assert lm["citation"] == citation


STATUTE_ATTEMPTS = [
    # raw, list, attempts="statute" result
    ("PC211(664)", "violent", False),  # 667.5(c) does not list attempted robbery
    ("PC211(664)", "serious", True),  # 1192.7(c)(39): attempts of non-assault items
    ("PC187(664)", "violent", True),  # 667.5(c)(12) attempted murder
    ("PC187(664)", "super_strike", True),  # (IV) includes attempted homicide
    ("PC288(a)(664)", "super_strike", False),
    ("PC288(a)(664)", "sex_registrable", True),  # PC 290(c) covers attempts
    ("PC245(a)(1)(664)", "serious", False),  # assaults excluded from (c)(39)
    ("PC211 2nd", "violent", True),
]


@pytest.mark.parametrize(("raw", "list_name", "expected"), STATUTE_ATTEMPTS)
def test_attempts_statute_mode(raw: str, list_name: str, expected: bool) -> None:
    assert in_statutory_list(frame(raw), list_name, attempts="statute").iloc[0] == expected


def test_attempts_never_mode() -> None:
    out = in_statutory_list(frame("PC187(664)", "PC187 2nd"), "violent", attempts="never")
    assert out.tolist() == [False, True]


def test_enhancements_can_be_switched_off() -> None:
    parsed = frame("PC12022.7(a)", "PC211 2nd")
    assert in_statutory_list(parsed, "serious").tolist() == [True, True]
    assert in_statutory_list(parsed, "serious", via_enhancements=False).tolist() == [False, True]


def test_list_result_keeps_index_and_name() -> None:
    parsed = frame("PC211 2nd", "PC459 2nd", "PC187 1st")
    parsed.index = pd.Index(["x", "y", "z"])
    out = in_statutory_list(parsed, "serious")
    assert out.index.equals(parsed.index)
    assert out.name == "serious" and out.dtype == bool
    assert out.tolist() == [True, False, True]


def test_list_handles_missing_values_and_case() -> None:
    parsed = pd.DataFrame(
        {
            "code": ["pc", None, "PC"],
            "section": ["211", None, "459"],
            "subdivision": [None, None, ""],
            "degree": [pd.NA, None, "1ST"],
            "attempt": [None, None, False],
        }
    )
    assert in_statutory_list(parsed, "violent").tolist() == [True, False, False]
    assert in_statutory_list(parsed, "serious").tolist() == [True, False, True]


def test_unknown_list_and_bad_attempt_mode() -> None:
    with pytest.raises(ValueError, match="unknown statutory list"):
        in_statutory_list(frame("PC187"), "nonviolent")
    with pytest.raises(ValueError, match="attempts"):
        in_statutory_list(frame("PC187"), "violent", attempts="sometimes")  # type: ignore[arg-type]


def test_lists_are_vectorised_over_many_rows() -> None:
    raws = ["PC211 2nd", "PC459 2nd", "PC459 1st", "PC187(664)", "HS11377(a)"]
    parsed = frame(*raws * 2000)
    out = in_statutory_list(parsed, "serious").to_numpy()
    assert np.array_equal(out, np.tile([True, False, True, True, False], 2000))


# --------------------------------------------------------------------------------------------------
# in_sections
# --------------------------------------------------------------------------------------------------

SECTIONS = [
    # keys, raw, expected
    (["PC211", "PC12022"], "PC211 2nd", True),
    (["PC211", "PC12022"], "PC211(664)", True),
    (["PC211", "PC12022"], "PC12022(b)(1)", True),
    (["PC211", "PC12022"], "PC12022.5(a)", False),  # sections are exact
    (["PC12022*"], "PC12022.5(a)", True),  # family wildcard
    (["PC12022*"], "PC12022.53(d)", True),
    (["PC12022*"], "PC12022(a)(1)", True),
    (["PC12022*"], "PC1202", False),
    (["PC245(a)"], "PC245(a)(1)", True),  # subdivision prefix
    (["PC245(a)"], "PC245(b)", False),
    (["PC245(a)(1)"], "PC245", False),
    (["PC459"], "PC459 1st", True),  # burglary: first degree only
    (["PC459"], "PC459 2nd", False),
    (["PC459"], "PC459", False),
    (["PC459"], "PC459(664) 1st", True),
    (["PC459 2nd"], "PC459 2nd", True),
    (["PC459 2nd"], "PC459 1st", False),
    (["PC187"], "PC187 2nd", True),  # degree variants
    (["PC187 1st"], "PC187 2nd", False),
    (["pc 273a(a)"], "PC273a(a)", True),  # tolerant key spelling
    (["HS11352"], "HS11352(a)", True),
    (["HS11352"], "HS11351", False),
]


@pytest.mark.parametrize(("keys", "raw", "expected"), SECTIONS)
def test_in_sections(keys: list[str], raw: str, expected: bool) -> None:
    assert in_sections(frame(raw), keys).tolist() == [expected]


def test_in_sections_attempt_modes_and_empty() -> None:
    parsed = frame("PC211(664)", "PC211 2nd")
    assert in_sections(parsed, ["PC211"], attempts="never").tolist() == [False, True]
    assert in_sections(parsed, []).tolist() == [False, False]
    out = in_sections(parsed.set_axis([5, 6]), ["PC211"])
    assert list(out.index) == [5, 6] and out.dtype == bool


@pytest.mark.parametrize("bad", ["211", "PC", "PC12022*(a)", "PC187 3rd", "PC187;PC211"])
def test_in_sections_rejects_bad_keys(bad: str) -> None:
    with pytest.raises(ValueError, match="cannot read offense keys"):
        in_sections(frame("PC187"), [bad])


def test_generator_vocabulary_is_covered() -> None:
    """Every code the synthetic generator emits (offenses and enhancements) has a level."""
    from helpers.data import codes
    from helpers.synthetic import offenses as synthetic

    raw = pd.Series(list(synthetic.CODES) + list(synthetic.ENH_CODES))
    out = offense_levels(codes.parse_offense_codes(raw))
    missing = raw[out["federal_level"].isna() | out["category"].eq("Unclassified")]
    assert missing.empty, missing.tolist()


# --------------------------------------------------------------------------------------------------
# Conditional items settled by CDCR's description; exact subdivisions
# --------------------------------------------------------------------------------------------------

SEX_INTENT = "Assault with Intent to Commit Specific Sex Offense"


@pytest.mark.parametrize(
    ("raw", "description", "list_name", "matched", "possible"),
    [
        ("PC220", SEX_INTENT, "sex_registrable", True, False),
        ("PC220", SEX_INTENT, "super_strike", True, False),
        ("PC220", SEX_INTENT, "violent", True, False),
        ("PC220", "Assault To Commit Mayhem", "sex_registrable", False, False),
        ("PC220", "Assault To Commit Mayhem", "violent", False, False),
        ("PC220", "Assault To Commit Mayhem/Rape", "violent", False, True),  # both: unsettled
        ("PC220", "", "violent", False, True),
        ("PC220(a)(2)", "", "violent", True, False),
        ("PC220(b)", "", "super_strike", True, False),
        ("PC288(b)", "Lewd Act With Child Under 14 By Force", "super_strike", True, False),
        ("PC288(b)", "", "serious", True, False),
        ("PC288(b)", "Lewd Act On Dependent Adult By Force", "super_strike", False, False),
        ("PC288(b)(2)", "", "super_strike", False, False),  # exact: (b) is not (b)(2)
        ("PC459", "Burglary 1st", "serious", True, False),
        ("PC459", "Commercial Burglary", "serious", False, False),
        ("PC459", "Burglary", "serious", False, True),
        ("PC459", "Burglary 1st", "violent", False, True),  # still needs a person present
        ("PC243(d)", "Battery With Serious Bodily Injury", "serious", False, True),
    ],
)
def test_descriptions_settle_conditional_items(
    raw: str, description: str, list_name: str, matched: bool, possible: bool
) -> None:
    lm = list_matches(frame(raw), list_name, descriptions=pd.Series([description])).iloc[0]
    assert (bool(lm["matched"]), bool(lm["possible"])) == (matched, possible)
    if possible:
        assert lm["needs"] != ""


def test_pc220_without_a_description_is_conditional_for_the_violent_list() -> None:
    lm = list_matches(frame("PC220"), "violent").iloc[0]
    assert not lm["matched"] and lm["possible"]
    assert lm["citation"] == "PC 667.5(c)(15)" and "mayhem" in lm["needs"]


def test_a_settled_item_says_so_and_descriptions_follow_the_rows() -> None:
    parsed = frame("PC220", "PC220", "PC220")
    descriptions = pd.Series([SEX_INTENT, "Assault To Commit Mayhem", SEX_INTENT])
    parsed.index = descriptions.index = pd.Index([7, 3, 5])
    lm = list_matches(parsed, "sex_registrable", descriptions=descriptions)
    assert lm.index.tolist() == [7, 3, 5]
    assert lm["matched"].tolist() == [True, False, True]
    assert lm["by_description"].tolist() == [True, False, True]
