"""Table-driven tests of the charge-reading classes: a charge in COMMENT_TEXT after a label, a gang
enhancement in the same charge string, stray leading characters, decimal sections after a letter,
garbage trailing tokens, and same-section convictions counted per event.

Real spellings come from California's DOJ law enforcement statute code table (the ``statute`` and
``code`` columns, e.g. ``337A.6(A) PC``, ``171D.2 PC``, ``240/242 PC``, ``484(A)/488 PC``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from helpers.prop64 import codes, run_prop64
from helpers.prop64.read import doj_row, doj_text

# ---- a charge written in COMMENT_TEXT after a label or punctuation ---------------------------

COMMENT_CHARGES = [
    # (COMMENT_TEXT of a SEE COMMENT FOR CHARGE row, section text read, Prop 64 section)
    ("CHRG 11358 HS", "11358 HS", "11358"),
    (":CHRG 11358 HS", "11358 HS", "11358"),
    ("CHRG: 11359 HS-POSS FOR SALE", "11359 HS", "11359"),
    ("CHG-11360(A) HS-TRANSPORT", "11360(A) HS", "11360"),
    ("*CHARGE* 11357(B) HS", "11357(B) HS", "11357"),
    ("(11358 HS)", "11358 HS)", "11358"),
    ("POSS MARIJUANA 11357 HS", "11357 HS", "11357"),
    ("DOB 19800101 CHRG 11358 HS", "11358 HS", "11358"),  # a date before the charge is skipped
    ("REF 2 CTS 11360(A) HS", "11360(A) HS", "11360"),  # so is a count of counts
    ("664-11359 HS-ATTEMPT", "664/11359 HS", "11359"),  # attempt marker joined by a dash
    ("CHRG HS11357(A)", "HS11357(A)", "11357"),  # code letters first
    ("chrg 11358 hs", "11358 HS", "11358"),  # lower case
    ("CHRG 187 PC", "187 PC", ""),  # not Prop 64, still read
    ("11358 HS-CULTIVATE", "11358 HS", "11358"),  # the plain form is unchanged
    ("NO CHARGE GIVEN", "", ""),  # nothing to read: no section, visible as such
]


@pytest.mark.parametrize(("comment", "text", "p64"), COMMENT_CHARGES)
def test_charge_in_comment_after_a_label(comment: str, text: str, p64: str) -> None:
    got = codes.section_text("SEE COMMENT FOR CHARGE", comment)
    assert got == text
    assert codes.prop64_section(got) == p64


def test_offense_dash_after_an_attempt_marker_is_not_the_description() -> None:
    assert codes.section_text("664-187 PC-ATTEMPTED MURDER") == "664/187 PC"
    assert codes.is_superstrike(codes.section_text("664-187 PC-ATTEMPTED MURDER"))


# ---- a gang enhancement in the same charge string ---------------------------------------------

GANG_INLINE = [
    # (charge, superstrike label, main section)
    ("246/186.22(B)(4) PC", "246 PC + 186.22(B)(4) PC", "246 PC"),
    ("215 + 186.22(B)(4) PC", "215 PC + 186.22(B)(4) PC", "215 PC"),
    ("136.1/186.22(B)(4) PC", "136.1 PC + 186.22(B)(4) PC", "136.1 PC"),
    ("519 & 186.22(B)(4) PC", "519 PC + 186.22(B)(4) PC", "519 PC"),
    ("213(A)(1)(A)/186.22(B)(4) PC", "213(A)(1)(A) PC + 186.22(B)(4) PC", "213(A)(1)(A) PC"),
    ("186.22(B)(4)/246 PC", "246 PC + 186.22(B)(4) PC", "186.22(B)(4) PC"),  # enhancement first
    ("664/246/186.22(B)(4) PC", "246 PC + 186.22(B)(4) PC", "246 PC"),
    ("246/186.22(B)(1) PC", "", "246 PC"),  # another gang subdivision: not the life enhancement
    ("459/186.22(B)(4) PC", "", "459 PC"),  # not an offense the enhancement makes a superstrike
    ("240/242 PC", "", "240 PC"),  # a real joined statute: both sections read
    ("484(A)/488 PC", "", "484(A) PC"),
]


@pytest.mark.parametrize(("charge", "label", "main"), GANG_INLINE)
def test_gang_enhancement_in_the_same_charge(charge: str, label: str, main: str) -> None:
    assert codes.gang_pair(charge) == label
    assert codes.normalize_section(charge) == main


def _conviction(sid: str, cnt: str, offense: str, date: str = "20050101", **kw: str) -> list[str]:
    fields = {
        "SUBJECT_ID": sid,
        "PRI_DOB": "19800101",
        "STP_EVENT_DATE": date,
        "STP_TYPE_DESCR": "COURT ACTION",
        "STP_ORI_CNTY_NAME": "SAN FRANCISCO",
        "CNT_ORDER": cnt,
        "OFN": "D" + cnt[:6],
        "OFFENSE_DESCR": offense,
        "OFFENSE_TOC": "F",
        "DISP_DESCR": "CONVICTED-PRISON",
        "CONV_STAT_DESCR": "FELONY",
        "END_OF_REC": "#",
    }
    fields.update(kw)
    return doj_row(**fields)


def _run(tmp_path: Path, rows: list[list[str]], county: str = "SAN FRANCISCO") -> pd.DataFrame:
    src = tmp_path / "doj.csv"
    src.write_text(doj_text(rows), encoding="utf-8")
    (res,) = run_prop64([src], county, dt.date(2020, 7, 1), tmp_path / "out")
    return pd.read_csv(res.convictions, dtype=str, keep_default_na=False)


def test_inline_gang_enhancement_is_the_same_superstrike_as_two_counts(tmp_path: Path) -> None:
    rows = [
        # person 1: offense and enhancement as two counts of one case
        _conviction("1", "001002001000", "246 PC-SHOOT AT INHABITED DWELLING"),
        _conviction("1", "001002002000", "186.22(B)(4) PC-GANG ENHANCEMENT"),
        _conviction("1", "002002001000", "11358 HS-CULTIVATE", "20100101"),
        # person 2: the same written in one charge
        _conviction("2", "001002001000", "246/186.22(B)(4) PC-SHOOT AT DWELLING W/GANG ENH"),
        _conviction("2", "002002001000", "11358 HS-CULTIVATE", "20100101"),
        # person 3: the joined charge with another subdivision (no superstrike)
        _conviction("3", "001002001000", "246/186.22(B)(1) PC-SHOOT AT DWELLING W/GANG ENH"),
        _conviction("3", "002002001000", "11358 HS-CULTIVATE", "20100101"),
    ]
    ev = _run(tmp_path, rows).set_index("SUBJECT_ID")
    for sid in ("1", "2"):
        assert ev.loc[sid, "Superstrike Code Section(s)"] == "246 PC + 186.22(B)(4) PC"
        assert ev.loc[sid, "outcome"] == "not_eligible"
        assert ev.loc[sid, "reason"] == "PC 667(e)(2)(C)(iv) superstrike on record"
    assert ev.loc["3", "Superstrike Code Section(s)"] == "-"
    assert ev.loc["3", "outcome"] == "reduce"


# ---- stray leading characters, decimals after a letter, garbage trailing tokens -------------

SPELLINGS = [
    # (as written, canonical, Prop 64 section, unread text)
    ("/11357 HS", "11357 HS", "11357", ""),
    (":11358 HS", "11358 HS", "11358", ""),
    ("*11359(A) HS", "11359(A) HS", "11359", ""),
    ("-11360 HS", "11360 HS", "11360", ""),
    ("  .11357(B) HS", "11357(B) HS", "11357", ""),
    # decimal sections after a letter (DOJ statute table: 337A.6(A), 171D.2, 640B.1)
    ("266J.11 PC", "266J.11 PC", "", ""),
    ("337A.6(A) PC", "337A.6(A) PC", "", ""),
    ("171D.2 PC", "171D.2 PC", "", ""),
    ("640B.1 PC", "640B.1 PC", "", ""),
    ("148.2.1 PC", "148.2.1 PC", "", ""),  # two decimals
    # garbage after the section: never a subsection, kept as unread text
    ("11357(A)ZZ HS", "11357(A) HS", "11357", "ZZ"),
    ("11357 HS X", "11357 HS", "11357", "X"),
    ("11358 HS 2", "11358 HS", "11358", "2"),
    ("11357 HS(A)", "11357 HS", "11357", "(A)"),
    ("11359(B)QQQ HS", "11359(B) HS", "11359", "QQQ"),
    ("245(A)(1)XYZ PC", "245(A)(1) PC", "", "XYZ"),
    # still read as subsections
    ("11357(A)1 HS", "11357(A)(1) HS", "11357", ""),
    ("11357B2 HS", "11357(B)(2) HS", "11357", ""),
    ("11360(A)(3)(D) HS", "11360(A)(3)(D) HS", "11360", ""),
]


@pytest.mark.parametrize(("raw", "canonical", "p64", "unread"), SPELLINGS)
def test_spellings(raw: str, canonical: str, p64: str, unread: str) -> None:
    sec = codes.parse_section(raw)
    assert sec.canonical == canonical
    assert sec.prop64 == p64
    assert sec.unread == unread


# A sample of the DOJ statute code table, as ``<statute> <code>``: each reads back unchanged.
DOJ_STATUTES = [
    "187(A) PC",
    "245(A)(1) PC",
    "261(A)(2) PC",
    "288A(C)(2)(B) PC",
    "11357(B) HS",
    "11359(C)(3) HS",
    "11360(A)(3)(D) HS",
    "23152(A) VC",
    "4060 BP",
    "647(F) PC",
    "12022.53(D) PC",
    "666.5(A) PC",
    "337A.6(A) PC",
    "337A.1 PC",
    "171D.2 PC",
    "172B.1 PC",
    "640A.2 PC",
    "148.2.1 PC",
    "18302(B)(1) EL",
    "1916.3(B) CI",
    "5371 PU",
    "424(A)(1) PC",
]


@pytest.mark.parametrize("statute", DOJ_STATUTES)
def test_doj_statute_table_spellings_read_back(statute: str) -> None:
    assert codes.normalize_section(statute) == statute


def test_unread_text_and_missing_sections_are_counted(tmp_path: Path) -> None:
    rows = [
        _conviction("1", "001002001000", "11357(A)ZZ HS-POSS", STP_ORI_CNTY_NAME="SAN JOAQUIN"),
        _conviction(
            "2",
            "001002001000",
            "SEE COMMENT FOR CHARGE",
            COMMENT_TEXT="NO CHARGE GIVEN",
            STP_ORI_CNTY_NAME="SAN JOAQUIN",
        ),
        _conviction(
            "3",
            "001002001000",
            "SEE COMMENT FOR CHARGE",
            COMMENT_TEXT=":CHRG 11358 HS",
            STP_ORI_CNTY_NAME="SAN JOAQUIN",
        ),
    ]
    src = tmp_path / "doj.csv"
    src.write_text(doj_text(rows), encoding="utf-8")
    (res,) = run_prop64([src], "SAN JOAQUIN", dt.date(2020, 7, 1), tmp_path / "out", "statewide")
    assert res.summary["charges_not_fully_read"] == {
        "no_code_section": 1,
        "no_code_section_in_county": 1,
        "unread_text_in_county": 1,
    }
    ev = pd.read_csv(res.convictions, dtype=str, keep_default_na=False)
    assert ev.set_index("SUBJECT_ID")["Code Section"].to_dict() == {
        "1": "11357(A) HS",
        "3": "11358 HS",  # read from the comment after its label
    }


# ---- three or more convictions of the same section: separate events, not counts -------------

SAME_SECTION = [
    # (CNT_ORDER and date of each 11359 conviction of one person, San Francisco outcome)
    (
        [("001002001000", "20000101"), ("001002002000", "20000101"), ("001002003000", "20000101")],
        "reduce",
    ),
    (
        [("001002001000", "20000101"), ("002002001000", "20020101"), ("003002001000", "20040101")],
        "not_eligible",
    ),
    (
        [("001002001000", "20000101"), ("001002002000", "20000101"), ("002002001000", "20020101")],
        "reduce",
    ),
    (
        [
            ("001002001000", "20000101"),
            ("001002002000", "20000101"),
            ("002002001000", "20020101"),
            ("003002001000", "20040101"),
        ],
        "not_eligible",
    ),
    # two cases on the same day are two events
    (
        [("001002001000", "20000101"), ("001003001000", "20000101"), ("002002001000", "20020101")],
        "not_eligible",
    ),
]


@pytest.mark.parametrize(("counts", "expected"), SAME_SECTION)
def test_san_francisco_same_section_counts_events(
    tmp_path: Path, counts: list[tuple[str, str]], expected: str
) -> None:
    rows = [_conviction("1", cnt, "11359 HS-POSS FOR SALE", date) for cnt, date in counts]
    ev = _run(tmp_path, rows)
    assert set(ev.outcome) == {expected}
    if expected == "not_eligible":
        assert set(ev.reason) == {"Three or more convictions of the same section"}


def test_los_angeles_two_priors_still_counts_counts(tmp_path: Path) -> None:
    la = {"STP_ORI_CNTY_NAME": "LOS ANGELES"}
    rows = [
        _conviction("1", "001002001000", "11359 HS-POSS FOR SALE", "20000101", **la),
        _conviction("1", "001002002000", "11359 HS-POSS FOR SALE", "20000101", **la),
        _conviction("1", "002002001000", "11359 HS-POSS FOR SALE", "20050101", **la),
    ]
    ev = _run(tmp_path, rows, "LOS ANGELES").set_index("CNT_ORDER")
    assert ev.loc["002002001000", "reason"] == "Two priors"  # as Clear My Record's LA flow
