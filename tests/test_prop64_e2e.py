"""End-to-end tests: small DOJ files written in tmp_path, run through the engine and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from helpers.cli import app
from helpers.errors import InputError
from helpers.prop64 import ADDED_COLUMNS, codes, read_doj, run_prop64
from helpers.prop64.read import DOJ_COLUMNS, doj_row, doj_text

RUNNER = CliRunner()


def row(sid: str = "1", **kw: str) -> list[str]:
    base = {
        "SUBJECT_ID": sid,
        "PRI_NAME": f"SYNTHETIC,PERSON {sid}",
        "PRI_DOB": "19700101",
        "STP_ORI_CNTY_NAME": "SAN JOAQUIN",
        "END_OF_REC": "#",
    }
    base.update(kw)
    return doj_row(**base)


def conviction(
    sid: str, date: str, offense: str, cnt: str, felony: bool = True, **kw: str
) -> list[str]:
    fields = {
        "STP_EVENT_DATE": date,
        "STP_TYPE_DESCR": "COURT ACTION",
        "CNT_ORDER": cnt,
        "OFFENSE_DESCR": offense,
        "OFFENSE_TOC": "F" if felony else "M",
        "DISP_DESCR": "CONVICTED-PROBATION",
        "CONV_STAT_DESCR": "FELONY" if felony else "MISDEMEANOR",
    }
    fields.update(kw)
    return row(sid, **fields)


def run(
    tmp_path: Path, rows: list[list[str]], county: str, as_of: str, options: str | None = None
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    src = tmp_path / "doj.csv"
    src.write_text(doj_text(rows), encoding="utf-8")
    (res,) = run_prop64([src], county, dt.date.fromisoformat(as_of), tmp_path / "out", options)
    read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False)  # noqa: E731
    return res.summary, read(res.results), read(res.convictions)


def outcome_of(ev: pd.DataFrame, sid: str, cnt: str) -> tuple[str, str]:
    hit = ev[(sid == ev.SUBJECT_ID) & (cnt == ev.CNT_ORDER)]
    assert len(hit) == 1, (sid, cnt, len(hit))
    return hit.outcome.iloc[0], hit.reason.iloc[0]


# ---- the worked example of the DOJ format reference ------------------------------------------

EXAMPLE_BASE = {
    "SUBJECT_ID": "18675309",
    "REQ_CII_NUMBER": "1008675309",
    "CII_NUMBER": "1008675309",
    "PRI_NAME": "SKYWALKER,LUKE S",
    "PRI_DOB": "19600314",
    "STP_ORI_DESCR": "CASCSACRAMENTO",
    "STP_ORI_CNTY_NAME": "SACRAMENTO",
    "END_OF_REC": "#",
}


def example_rows() -> list[list[str]]:
    def r(**kw: str) -> list[str]:
        return doj_row(**{**EXAMPLE_BASE, **kw})

    return [
        r(
            STP_EVENT_DATE="19790525",
            STP_TYPE_DESCR="ARREST/DETAINED/CITED",
            CNT_ORDER="101001001000",
            OFN="140189",
            OFFENSE_DESCR="503 VC-TAKE CAR W/OUT OWNERS CONSENT",
            OFFENSE_TOC="F",
            DISP_DESCR="REL/TOT OTHER JURIS/AUTH",
            CONV_STAT_DESCR="FELONY",
        ),
        r(
            STP_EVENT_DATE="19790601",
            STP_TYPE_DESCR="COURT ACTION",
            CNT_ORDER="101001002000",
            OFN="NULL  ",
            OFFENSE_DESCR="503 VC-TAKE CAR W/OUT OWNERS CONSENT",
            OFFENSE_TOC="F",
            DISP_DESCR="CONVICTED-JAIL",
            CONV_STAT_DESCR="FELONY",
            SENT_LOC_DESCR="JAIL",
            SENT_LENGTH="90",
            SENT_TIME_CODE="D",
        ),
        r(
            STP_EVENT_DATE="19810410",
            STP_TYPE_DESCR="ARREST/DETAINED/CITED",
            CNT_ORDER="101001003000",
            OFN="140190",
            OFFENSE_DESCR="632 PC-EAVESDROPPING",
            OFFENSE_TOC="M",
        ),
        r(
            STP_EVENT_DATE="19810411",
            STP_TYPE_DESCR="COURT ACTION",
            CNT_ORDER="101001005000",
            OFN="140192",
            OFFENSE_DESCR="632 PC-EAVESDROPPING",
            OFFENSE_TOC="F",
            DISP_DESCR="DISMISSED/CHARGE DROPPED",
            CONV_STAT_DESCR="FELONY",
        ),
        r(
            STP_EVENT_DATE="19810411",
            STP_TYPE_DESCR="COURT ACTION",
            STP_ORI_DESCR="CASCSACRAMENTO",
            CNT_ORDER="101001006000",
            DISP_DATE="19810411",
            OFN="140193",
            OFFENSE_DESCR="11358 HS-CULTIVATE CANNABIS",
            OFFENSE_TOC="F",
            DISP_DESCR="CONVICTED-PROBATION",
            CONV_STAT_DESCR="FELONY",
            SENT_LOC_CODE="P",
            SENT_LOC_DESCR="PROBATION",
            SENT_LENGTH="6",
            SENT_TIME_CODE="M",
            SENT_TIME_DESCR="MONTHS",
            CYC_AGE="25",
        ),
        r(STP_EVENT_DATE="20150101", STP_TYPE_DESCR="DECEASED", CNT_ORDER="102001001000"),
    ]


EXPECTED_EXAMPLE = {
    "Case Number": "NULL  ; 140192; 140193",
    "# of convictions on record": "2",
    "Occurred after 11/9/2016": "N",
    "Superstrike Code Section(s)": "-",
    "PC290 Code Section(s)": "-",
    "PC290 Registration": "-",
    "Date of Conviction": "04/11/1981",
    "Years Since This Conviction": "38.6",
    "Years Since Any Conviction": "38.6",
    "# of Prop 64 convictions": "1",
    "# of HS 11357 convictions": "0",
    "# of HS 11358 convictions": "1",
    "# of HS 11359 convictions": "0",
    "# of HS 11360 convictions": "0",
    "Deceased": "Deceased",
    "Eligibility Determination": "Eligible for Dismissal",
    "Eligibility Reason": "Dismiss all HS 11358 convictions",
}


def test_worked_example_reproduced_exactly(tmp_path: Path) -> None:
    # SACRAMENTO, compute date 2019-11-11, dismiss 11357/11358, reduce 11359/11360, all relief on.
    summary, full, ev = run(
        tmp_path, example_rows(), "SACRAMENTO", "2019-11-11", options="statewide"
    )
    assert len(ev) == 1
    got = ev.iloc[0]
    for column, value in EXPECTED_EXAMPLE.items():
        assert got[column] == value, column
    assert got.outcome == "dismiss"
    assert got["Source Line"] == "6"  # header is line 1
    assert len(full) == 6 and full["Eligibility Determination"].tolist().count("") == 5
    assert list(full.columns[: len(DOJ_COLUMNS)]) == list(DOJ_COLUMNS)
    assert summary["rows"] == {"read": 6, "kept": 6, "errors": 0, "blank_lines": 0, "header": True}
    assert summary["outcomes"] == {"dismiss": 1, "reduce": 0, "not_eligible": 0, "review": 0}
    assert summary["outcomes_by_section"] == {"11358": {"dismiss": 1}}
    assert summary["people_with_any_relief"] == 1
    assert summary["people_no_longer_with_felony"] == 0  # the 1979 felony remains
    assert summary["earliest_prop64_conviction_in_county"] == "04/11/1981"


def test_worked_example_through_the_cli(tmp_path: Path) -> None:
    src = tmp_path / "cadoj.csv"
    src.write_text(doj_text(example_rows()), encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(
        app,
        [
            "prop64",
            "--doj",
            str(src),
            "--county",
            "Sacramento",
            "--as-of",
            "2019-11-11",
            "--options",
            "statewide",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 convictions evaluated: 1 dismiss" in result.output
    ev = pd.read_csv(out / "cadoj_prop64_convictions.csv", dtype=str, keep_default_na=False)
    assert {k: ev.iloc[0][k] for k in EXPECTED_EXAMPLE} == EXPECTED_EXAMPLE
    condensed = pd.read_csv(out / "cadoj_condensed.csv", dtype=str, keep_default_na=False)
    assert len(condensed) == 6 and condensed.PRI_NAME.iloc[0] == "SKYWALKER,LUKE S"
    assert json.loads((out / "cadoj_summary.json").read_text())["evaluated_convictions"] == 1
    assert (out / "cadoj_errors.csv").read_text().strip() == "line,reason,text"


def test_county_preset_is_the_default(tmp_path: Path) -> None:
    # Without --options, SACRAMENTO uses its preset: two convictions, the last > 10 years ago.
    _, _, ev = run(tmp_path, example_rows(), "SACRAMENTO", "2019-11-11")
    assert outcome_of(ev, "18675309", "101001006000") == (
        "dismiss",
        "No convictions in past 10 years",
    )


# ---- header variants ---------------------------------------------------------------------------


def _variant_text(kind: str) -> str:
    rows = example_rows()
    if kind == "header":
        return doj_text(rows)
    if kind == "no_header":
        return doj_text(rows, header=False)
    if kind == "header_trailing_comma":
        return ",".join(DOJ_COLUMNS) + ",\n" + doj_text(rows, header=False)
    if kind == "all_trailing_commas":
        return doj_text(rows, trailing_comma=True)
    if kind == "bom_crlf":
        return "\ufeff" + doj_text(rows).replace("\n", "\r\n")
    if kind == "mixed_trailing_commas":  # some rows with a trailing comma, some without
        return doj_text(rows[:3], trailing_comma=True) + doj_text(rows[3:], header=False)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "line"),
    [
        ("header", 6),
        ("no_header", 5),
        ("header_trailing_comma", 6),
        ("all_trailing_commas", 6),
        ("bom_crlf", 6),
        ("mixed_trailing_commas", 6),
    ],
)
def test_header_variants(tmp_path: Path, kind: str, line: int) -> None:
    src = tmp_path / "doj.csv"
    src.write_bytes(_variant_text(kind).encode("utf-8"))
    doj = read_doj(src)
    assert doj.errors == [] and doj.table.num_rows == 6
    assert doj.has_header is (kind != "no_header")
    (res,) = run_prop64([src], "SACRAMENTO", dt.date(2019, 11, 11), tmp_path / "out", "statewide")
    ev = pd.read_csv(res.convictions, dtype=str, keep_default_na=False)
    assert {k: ev.iloc[0][k] for k in EXPECTED_EXAMPLE} == EXPECTED_EXAMPLE
    assert ev.iloc[0]["Source Line"] == str(line)
    assert ev.iloc[0]["OFN"] == "140193" and ev.iloc[0]["END_OF_REC"] == "#"
    full = pd.read_csv(res.results, dtype=str, keep_default_na=False)
    assert full.shape == (6, len(DOJ_COLUMNS) + len(ADDED_COLUMNS))
    assert full.OFN.tolist() == ["140189", "NULL  ", "140190", "140192", "140193", ""]
    assert full.PRI_NAME.eq("SKYWALKER,LUKE S").all()


def test_wrong_header_is_a_clear_error(tmp_path: Path) -> None:
    names = list(DOJ_COLUMNS)
    names[54] = "OFFENSE"
    src = tmp_path / "doj.csv"
    src.write_text(",".join(names) + "\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"row 1, column 'OFFENSE_DESCR': header column 55 is 'OFFENSE'"
    ):
        read_doj(src)


# ---- malformed rows ------------------------------------------------------------------------------


def test_malformed_rows_go_to_the_error_file_with_line_numbers(tmp_path: Path) -> None:
    good = conviction("7", "20100101", "11357(C) HS-POSSESS", "001002001000", felony=False)
    short = doj_text([good[:-1]], header=False).strip()  # 94 fields
    long = doj_text([good + ["EXTRA", "MORE"]], header=False).strip()  # 97 fields
    extra_filled = doj_text([good + ["X"]], header=False).strip()  # 96 fields, the last not empty
    no_subject = doj_text([row("", STP_EVENT_DATE="20100101")], header=False).strip()
    lines = [
        ",".join(DOJ_COLUMNS),  # 1
        doj_text([good], header=False).strip(),  # 2
        short,  # 3
        "",  # 4 blank line
        long,  # 5
        no_subject,  # 6
        extra_filled,  # 7
        doj_text(
            [conviction("8", "20120101", "11360 HS-SELL", "001002001000")], header=False
        ).strip(),  # 8
    ]
    src = tmp_path / "doj.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (res,) = run_prop64([src], "SAN JOAQUIN", dt.date(2020, 7, 1), tmp_path / "out", "statewide")
    errors = pd.read_csv(res.errors_path, dtype=str, keep_default_na=False)
    assert errors.line.tolist() == ["3", "5", "6", "7"]
    assert errors.reason.tolist() == [
        "expected 95 fields, found 94",
        "expected 95 fields, found 97",
        "SUBJECT_ID is blank: the row cannot be linked to a person",
        "expected 95 fields, found 96",
    ]
    assert errors.text.iloc[0] == short
    s = res.summary["rows"]
    assert (s["read"], s["kept"], s["errors"], s["blank_lines"]) == (6, 2, 4, 1)
    full = pd.read_csv(res.results, dtype=str, keep_default_na=False)
    assert full["Source Line"].tolist() == ["2", "8"]
    assert full.outcome.tolist() == ["dismiss", "dismiss"]
    assert full.reason.tolist() == ["Misdemeanor or Infraction", "50 years or older"]


def test_file_with_no_valid_row_is_an_input_error(tmp_path: Path) -> None:
    src = tmp_path / "notdoj.csv"
    src.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="no valid DOJ row"):
        read_doj(src)
    with pytest.raises(InputError, match="file not found"):
        read_doj(tmp_path / "missing.csv")


# ---- record rules ---------------------------------------------------------------------------------


def test_split_cnt_order_adds_sentences_and_counts_once(tmp_path: Path) -> None:
    rows = [
        conviction(
            "1",
            "20150101",
            "11359 HS-POSS FOR SALE",
            "001002001000",
            SENT_LENGTH="6",
            SENT_TIME_CODE="M",
        ),
        conviction(
            "1",
            "20150101",
            "11359 HS-POSS FOR SALE",
            "001002001000",
            SENT_LENGTH="6",
            SENT_TIME_CODE="M",
        ),
        conviction(
            "2",
            "20150101",
            "11359 HS-POSS FOR SALE",
            "001002001000",
            SENT_LENGTH="6",
            SENT_TIME_CODE="M",
        ),
    ]
    # San Joaquin flow, single conviction: completed sentence -> dismiss, else review.
    summary, full, ev = run(tmp_path, rows, "SAN JOAQUIN", "2015-10-01")
    assert outcome_of(ev, "1", "001002001000") == ("review", "Sentence not Completed")  # 12 months
    assert outcome_of(ev, "2", "001002001000") == ("dismiss", "Sentence Completed")  # 6 months
    assert full["# of convictions on record"].tolist() == ["1", "", "1"]
    assert summary["convictions"] == 2


def test_felony_fallback_to_offense_toc_and_see_comment(tmp_path: Path) -> None:
    rows = [
        conviction(
            "1", "20100101", "11360 HS-SELL", "001002001000", CONV_STAT_DESCR="", OFFENSE_TOC="F"
        ),
        conviction(
            "2", "20100101", "11360 HS-SELL", "001002001000", CONV_STAT_DESCR="", OFFENSE_TOC="M"
        ),
        conviction(
            "3",
            "20100101",
            "SEE COMMENT FOR CHARGE",
            "001002001000",
            COMMENT_TEXT="11359 HS-POSS FOR SALE",
        ),
        conviction("4", "20100101", "664.11359 HS-ATTEMPT", "001002001000"),
        conviction("5", "20100101", "11357A HS-POSS", "001002001000"),
    ]
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "name: plain\nsteps:\n  - {type: misdemeanor, outcome: dismiss}\n"
        "  - {type: section_in, sections: ['11357(A)'], outcome: dismiss}\n"
        "  - {type: otherwise, outcome: reduce}\n",
        encoding="utf-8",
    )
    _, _, ev = run(tmp_path, rows, "SAN JOAQUIN", "2020-07-01", options=str(flow))
    assert outcome_of(ev, "1", "001002001000")[0] == "reduce"
    assert outcome_of(ev, "2", "001002001000") == ("dismiss", "Misdemeanor or Infraction")
    assert ev.set_index("SUBJECT_ID")["Code Section"].to_dict() == {
        "1": "11360 HS",
        "2": "11360 HS",
        "3": "11359 HS",
        "4": "11359 HS",
        "5": "11357(A) HS",
    }
    assert outcome_of(ev, "5", "001002001000") == ("dismiss", "Dismiss all HS 11357(A) convictions")
    assert (
        ev.set_index("SUBJECT_ID").loc["4", "review_flags"] == ""
    )  # flags not configured in this flow


def test_evaluated_sections_can_be_narrowed(tmp_path: Path) -> None:
    rows = [
        conviction("1", "20100101", "11357B HS-POSS", "001002001000", felony=False),
        conviction("1", "20100101", "11357(A) HS-POSS", "002002001000", felony=False),
        conviction("1", "20100101", "11358 HS-CULTIVATE", "003002001000"),
    ]
    flow = tmp_path / "only_b.yaml"
    flow.write_text(
        "name: only_b\nevaluate: {sections: ['11357(B)']}\nsteps:\n  - {type: otherwise, outcome: dismiss}\n",
        encoding="utf-8",
    )
    summary, _, ev = run(tmp_path, rows, "SAN JOAQUIN", "2020-07-01", options=str(flow))
    assert ev.CNT_ORDER.tolist() == ["001002001000"]
    assert ev["Code Section"].tolist() == ["11357(B) HS"]
    assert summary["prop64_convictions_in_county_by_section"]["11357"] == 2


def test_statewide_flags_do_not_disqualify(tmp_path: Path) -> None:
    rows = [
        conviction("1", "20050101", "11360 HS-SELL", "001002001000", PRI_DOB="19800101"),
        conviction("1", "20060101", "187 PC-MURDER", "002002001000", STP_ORI_CNTY_NAME="FRESNO"),
        row(
            "1",
            STP_EVENT_DATE="20070101",
            STP_TYPE_DESCR="REGISTRATION",
            CNT_ORDER="003001001000",
            OFFENSE_DESCR="290 PC-REGISTRATION",
        ),
        conviction(
            "2",
            "20170301",
            "664.11359 HS-ATTEMPT",
            "001002001000",
            PRI_DOB="19800101",
            COMMENT_TEXT="ALSO 11358 HS",
        ),
        conviction("2", "20190301", "459 PC-BURGLARY", "002002001000"),
    ]
    _, _, ev = run(tmp_path, rows, "SAN JOAQUIN", "2020-07-01", options="statewide")
    one = ev.set_index("SUBJECT_ID")
    assert outcome_of(ev, "1", "001002001000") == (
        "dismiss",
        "Conviction occurred 10 or more years ago",
    )
    assert one.loc["1", "review_flags"] == "superstrike; pc290"
    assert one.loc["1", "Superstrike Code Section(s)"] == "187 PC"
    assert one.loc["1", "PC290 Registration"] == "Yes"
    assert outcome_of(ev, "2", "001002001000") == ("reduce", "Reduce all HS 11359 convictions")
    assert one.loc["2", "review_flags"] == "after_effective_date; attempt; possible_other_prop64"
    assert one.loc["2", "Occurred after 11/9/2016"] == "Y"
    assert one.loc["2", "Possible Other P64 Charges"] == "ALSO 11358 HS"


# ---- county flows ---------------------------------------------------------------------------------


def test_san_joaquin_related_charges(tmp_path: Path) -> None:
    rows = [
        row(
            "1",
            STP_EVENT_DATE="20100101",
            STP_TYPE_DESCR="ARREST/DETAINED/CITED",
            CNT_ORDER="001001001000",
            OFFENSE_DESCR="11359 HS-POSS FOR SALE",
        ),
        conviction("1", "20100201", "647(F) PC-DRUNK IN PUBLIC", "001002002000", felony=False),
        conviction(
            "1", "20100201", "4060 BP-POSS CONTROLLED SUBSTANCE", "001002003000", felony=False
        ),
        conviction(
            "1", "20110201", "602 PC-TRESPASS", "002002001000", felony=False
        ),  # no Prop 64 in cycle 002
        conviction(
            "1",
            "20100201",
            "11364 HS-PARAPHERNALIA",
            "001002004000",
            felony=False,
            STP_ORI_CNTY_NAME="KERN",
        ),
        conviction("1", "20190101", "11357(A) HS-POSS", "003002001000"),
    ]
    _, full, ev = run(tmp_path, rows, "SAN JOAQUIN", "2020-07-01")
    assert outcome_of(ev, "1", "001002002000") == (
        "dismiss",
        "Related charge 647(F) PC in a Prop 64 arrest cycle",
    )
    assert outcome_of(ev, "1", "001002003000") == ("review", "4060 BP")
    assert outcome_of(ev, "1", "003002001000") == ("not_eligible", "Occurred after 11/09/2016")
    assert len(ev) == 3  # 602 (other cycle) and 11364 (other county) are not evaluated
    assert (
        ev.set_index("CNT_ORDER").loc["001002002000", "Potentially Eligible Related Charge"]
        == "647(F) PC"
    )


def test_contra_costa_matches_san_joaquin_steps(tmp_path: Path) -> None:
    rows = [
        conviction(
            "1", "20100101", "11360 HS-SELL", "001002001000", STP_ORI_CNTY_NAME="CONTRA COSTA"
        ),
        conviction(
            "1", "20180101", "459 PC-BURGLARY", "002002001000", STP_ORI_CNTY_NAME="CONTRA COSTA"
        ),
        conviction(
            "2", "20100101", "11360 HS-SELL", "001002001000", STP_ORI_CNTY_NAME="CONTRA COSTA"
        ),
        conviction(
            "2", "20120101", "459 PC-BURGLARY", "002002001000", STP_ORI_CNTY_NAME="CONTRA COSTA"
        ),
    ]
    summary, _, ev = run(tmp_path, rows, "Contra Costa", "2020-07-01")
    assert summary["flow"] == "contra_costa"
    assert outcome_of(ev, "1", "001002001000") == ("review", "Has convictions in past 5 years")
    assert outcome_of(ev, "2", "001002001000") == ("dismiss", "No convictions in past 5 years")


def test_los_angeles_flow(tmp_path: Path) -> None:
    la = {"STP_ORI_CNTY_NAME": "LOS ANGELES"}
    rows = [
        conviction("1", "20100101", "11357(C) HS-POSS", "001002001000", felony=False, **la),
        conviction("2", "20170101", "11359 HS-POSS FOR SALE", "001002001000", **la),
        conviction("3", "20100101", "11357(A) HS-POSS", "001002001000", **la),
        conviction("4", "20100101", "11357(C) HS-POSS", "001002001000", **la),
        # superstrike before the Prop 64 conviction -> not eligible
        conviction("5", "20000101", "187 PC-MURDER", "001002001000", **la),
        conviction("5", "20100101", "11360 HS-SELL", "002002001000", **la),
        # superstrike after it -> continues; age 55 -> dismiss
        conviction("6", "20100101", "11360 HS-SELL", "001002001000", PRI_DOB="19650101", **la),
        conviction("6", "20150101", "187 PC-MURDER", "002002001000", **la),
        # two earlier convictions of the same section -> the third is not eligible
        conviction(
            "7", "19950101", "11359 HS-POSS FOR SALE", "001002001000", PRI_DOB="19750101", **la
        ),
        conviction("7", "19970101", "11359 HS-POSS FOR SALE", "002002001000", **la),
        conviction("7", "19990101", "11359 HS-POSS FOR SALE", "003002001000", **la),
        # age 21 or younger on the evaluation date
        conviction("8", "20160101", "11360 HS-SELL", "001002001000", PRI_DOB="19990101", **la),
        # still serving (a recent prison term elsewhere), not old enough, recent conviction -> review
        conviction("9", "20150101", "11358 HS-CULTIVATE", "001002001000", PRI_DOB="19850101", **la),
        conviction(
            "9",
            "20190101",
            "459 PC-BURGLARY",
            "002002001000",
            PRI_DOB="19850101",
            SENT_LENGTH="3",
            SENT_TIME_CODE="Y",
        ),
        # deceased, completed, recent other conviction
        conviction(
            "10", "20150101", "11358 HS-CULTIVATE", "001002001000", PRI_DOB="19850101", **la
        ),
        conviction("10", "20160101", "459 PC-BURGLARY", "002002001000"),
        row("10", STP_TYPE_DESCR="DECEASED", STP_EVENT_DATE="20190101", CNT_ORDER="003001001000"),
        # PC 290 registration before -> not eligible
        row(
            "11",
            STP_EVENT_DATE="20000101",
            STP_TYPE_DESCR="REGISTRATION",
            CNT_ORDER="001001001000",
            OFFENSE_DESCR="290 PC-REGISTRATION",
        ),
        conviction("11", "20100101", "11360 HS-SELL", "002002001000", **la),
    ]
    _, _, ev = run(tmp_path, rows, "LOS ANGELES", "2020-07-01")
    expect = {
        ("1", "001002001000"): ("review", "Misdemeanor or Infraction - refer to City Attorney"),
        ("2", "001002001000"): ("not_eligible", "Occurred after 11/09/2016"),
        ("3", "001002001000"): ("dismiss", "11357(a) or 11357(b)"),
        ("4", "001002001000"): ("review", "Other 11357"),
        ("5", "002002001000"): ("not_eligible", "PC 667(e)(2)(C)(iv)"),
        ("6", "001002001000"): ("dismiss", "50 years or older"),
        ("7", "001002001000"): ("dismiss", "Only has 11357-60 charges and completed sentence"),
        ("7", "003002001000"): ("not_eligible", "Two priors"),
        ("8", "001002001000"): ("dismiss", "21 years or younger"),
        ("9", "001002001000"): ("review", "Currently serving sentence"),
        ("10", "001002001000"): ("dismiss", "Deceased"),
        ("11", "002002001000"): ("not_eligible", "PC 290"),
    }
    got = {(k[0], k[1]): outcome_of(ev, *k) for k in expect}
    assert got == expect


def test_sacramento_flow(tmp_path: Path) -> None:
    sac = {"STP_ORI_CNTY_NAME": "SACRAMENTO"}
    rows = [
        conviction("1", "20150101", "11357(B) HS-POSS", "001002001000", **sac),
        conviction("1", "20160101", "459 PC-BURGLARY", "002002001000", **sac),
        conviction("2", "20150101", "11359 HS-POSS FOR SALE", "001002001000", **sac),
        conviction("2", "20160101", "459 PC-BURGLARY", "002002001000", **sac),
        conviction(
            "3",
            "20150101",
            "11359 HS-POSS FOR SALE",
            "001002001000",
            SENT_LENGTH="16",
            SENT_TIME_CODE="M",
            **sac,
        ),
        conviction(
            "4",
            "20150101",
            "11359 HS-POSS FOR SALE",
            "001002001000",
            SENT_LENGTH="16",
            SENT_TIME_CODE="Y",
            **sac,
        ),
    ]
    _, _, ev = run(tmp_path, rows, "SACRAMENTO", "2020-07-01")
    assert outcome_of(ev, "1", "001002001000") == ("dismiss", "HS 11357(b)")
    assert outcome_of(ev, "2", "001002001000") == ("reduce", "Has convictions in past 10 years")
    assert outcome_of(ev, "3", "001002001000") == ("dismiss", "Sentence Completed")
    assert outcome_of(ev, "4", "001002001000") == ("reduce", "Sentence not Completed")


def test_san_francisco_flow(tmp_path: Path) -> None:
    sf = {"STP_ORI_CNTY_NAME": "SAN FRANCISCO"}
    rows = [
        conviction("1", "20170101", "11359(C)(3) HS-POSS FOR SALE W/PRIOR", "001002001000", **sf),
        conviction("2", "20100101", "11358 HS-CULTIVATE", "001002001000", **sf),
        conviction("2", "20150101", "220 PC-ASSAULT", "002002001000", STP_ORI_CNTY_NAME="KERN"),
        row(
            "3",
            STP_EVENT_DATE="20150101",
            STP_TYPE_DESCR="REGISTRATION",
            CNT_ORDER="002001001000",
            OFFENSE_DESCR="290 PC-REG",
        ),
        conviction("3", "20100101", "11358 HS-CULTIVATE", "001002001000", **sf),
        conviction("4", "20000101", "11360 HS-SELL", "001002001000", **sf),
        conviction("4", "20020101", "11360(A) HS-SELL", "002002001000", **sf),
        conviction("4", "20040101", "11360 HS-SELL", "003002001000", **sf),
        conviction(
            "5",
            "20150101",
            "11359 HS-POSS FOR SALE",
            "001002001000",
            SENT_LENGTH="6",
            SENT_TIME_CODE="Y",
            **sf,
        ),
        conviction(
            "6",
            "20150101",
            "11357 HS-POSS",
            "001002001000",
            felony=False,
            SENT_LENGTH="30",
            SENT_TIME_CODE="D",
            **sf,
        ),
    ]
    summary, _, ev = run(tmp_path, rows, "San Francisco", "2020-07-01")
    assert summary["flow"] == "san_francisco"
    assert outcome_of(ev, "1", "001002001000") == (
        "not_eligible",
        "Excluded subsection HS 11359(C)(3)",
    )
    assert outcome_of(ev, "2", "001002001000") == (
        "not_eligible",
        "PC 667(e)(2)(C)(iv) superstrike on record",
    )
    assert outcome_of(ev, "3", "001002001000") == ("not_eligible", "PC 290 registration")
    assert [
        outcome_of(ev, "4", c)[0] for c in ("001002001000", "002002001000", "003002001000")
    ] == ["not_eligible"] * 3
    five = ev[ev.SUBJECT_ID == "5"].iloc[0]
    six = ev[ev.SUBJECT_ID == "6"].iloc[0]
    assert (five.outcome, five.remedy) == ("reduce", "resentencing")
    assert (six.outcome, six.remedy) == ("reduce", "redesignation")


def test_summary_people_counts(tmp_path: Path) -> None:
    rows = [
        # person 1: only a misdemeanor Prop 64 -> dismissed: no conviction left
        conviction("1", "20100101", "11357 HS-POSS", "001002001000", felony=False),
        # person 2: felony 11358 dismissed, misdemeanor 459 stays: no felony left
        conviction("2", "20100101", "11358 HS-CULTIVATE", "001002001000", PRI_DOB="19950101"),
        conviction("2", "20190101", "484 PC-THEFT", "002002001000", felony=False),
        # person 3: felony 11360 reduced, felony 459 stays
        conviction("3", "20150101", "11360 HS-SELL", "001002001000", PRI_DOB="19900101"),
        conviction("3", "20190101", "459 PC-BURGLARY", "002002001000"),
    ]
    summary, _, _ = run(tmp_path, rows, "SAN JOAQUIN", "2020-07-01", options="statewide")
    assert summary["outcomes_by_section"] == {
        "11357": {"dismiss": 1},
        "11358": {"dismiss": 1},
        "11360": {"reduce": 1},
    }
    assert summary["people_with_any_relief"] == 3
    assert summary["people_no_longer_with_felony"] == 1
    assert summary["people_no_longer_with_conviction"] == 1
    assert summary["prop64_felony_convictions_in_county"] == 2
    assert summary["reasons"]["dismiss"] == {
        "Misdemeanor or Infraction": 1,
        "Dismiss all HS 11358 convictions": 1,
    }


# ---- CLI ----------------------------------------------------------------------------------------


def _two_files(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.csv", tmp_path / "b.dat"
    a.write_text(doj_text(example_rows()), encoding="utf-8")
    b.write_text(
        doj_text(
            [
                conviction(
                    "1", "20100101", "11360 HS-SELL", "001002001000", STP_ORI_CNTY_NAME="SACRAMENTO"
                )
            ],
            header=False,
        ),
        encoding="utf-8",
    )
    return a, b


def test_cli_several_files(tmp_path: Path) -> None:
    a, b = _two_files(tmp_path)
    out = tmp_path / "out"
    ok = RUNNER.invoke(
        app,
        [
            "prop64",
            "--doj",
            str(a),
            str(b),
            "--county",
            "SACRAMENTO",
            "--as-of",
            "2020-07-01",
            "--out",
            str(out),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            f"{stem}_{k}"
            for stem in ("a", "b")
            for k in (
                "results.csv",
                "condensed.csv",
                "prop64_convictions.csv",
                "summary.json",
                "gogen.json",
                "errors.csv",
            )
        ]
        + ["combined_summary.json", "gogen.json"]
    )
    again = RUNNER.invoke(
        app,
        [
            "prop64",
            "--doj",
            str(a),
            "--doj",
            str(b),
            "--county",
            "SACRAMENTO",
            "--as-of",
            "2020-07-01",
            "--out",
            str(out),
        ],
    )
    assert again.exit_code == 0 and again.output.count("convictions evaluated") == 2
    elsewhere = RUNNER.invoke(
        app, ["prop64", "--doj", str(a), "--county", "KERN", "--out", str(out)]
    )
    assert elsewhere.exit_code == 0
    assert (
        "warning: no Prop 64 conviction in KERN; the file has some in: SACRAMENTO"
        in elsewhere.output
    )


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    a, _ = _two_files(tmp_path)
    out = tmp_path / "out"
    bad_yaml = tmp_path / "office.yaml"
    bad_yaml.write_text(
        "name: office\nsteps:\n  - {type: age_at_least, age: 90, outcome: dismiss}\n",
        encoding="utf-8",
    )
    old_flow = tmp_path / "old.yaml"
    old_flow.write_text(
        "name: old\ntitle: Old flow\nsteps:\n  - {type: otherwise, outcome: review}\n",
        encoding="utf-8",
    )
    for args, message in [
        (["--doj", str(tmp_path / "nope.csv")], "nope.csv: file not found"),
        (
            ["--doj", str(a), "--options", str(old_flow)],
            "old.yaml: key 'title': expected 'description:' in its place",
        ),
        (
            ["--doj", str(a), "--options", str(bad_yaml)],
            "office.yaml: key 'steps[0].age': expected a whole number between 40 and 65, got 90",
        ),
        (["--doj", str(a), "--as-of", "July 1"], "--as-of must be a date YYYY-MM-DD"),
    ]:
        res = RUNNER.invoke(app, ["prop64", *args, "--county", "SACRAMENTO", "--out", str(out)])
        assert res.exit_code == 2
        assert message in res.output
        assert "Traceback" not in res.output
    help_text = RUNNER.invoke(app, ["prop64", "--help"]).output
    assert "--doj" in help_text and "--options" in help_text and "los_angeles" in help_text


def test_sample_doj_cli_is_deterministic_and_realistic(tmp_path: Path) -> None:
    args = ["sample-doj", "--people", "300", "--seed", "11", "--county", "Los Angeles"]
    one = RUNNER.invoke(app, [*args, "--out", str(tmp_path / "a.csv")])
    two = RUNNER.invoke(app, [*args, "--out", str(tmp_path / "b.csv")])
    other = RUNNER.invoke(
        app, ["sample-doj", "--people", "300", "--seed", "12", "--out", str(tmp_path / "c.csv")]
    )
    assert one.exit_code == two.exit_code == other.exit_code == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    doj = read_doj(tmp_path / "a.csv")
    assert doj.errors == []
    df = doj.table.to_pandas()
    assert df.SUBJECT_ID.nunique() == 300
    assert df.PRI_NAME.str.fullmatch(r"SYNTHETIC,PERSON \d{6}").all()
    assert {"ARREST/DETAINED/CITED", "COURT ACTION", "DECEASED", "REGISTRATION"} <= set(
        df.STP_TYPE_DESCR
    )
    assert (df.OFFENSE_DESCR == "SEE COMMENT FOR CHARGE").any()
    assert df.OFFENSE_DESCR.str.startswith("664.").any()
    assert df.OFFENSE_DESCR.str.contains(
        r"^1135[789][A-Z]|^11360A", regex=True
    ).any()  # no parentheses
    assert df.OFFENSE_DESCR.str.contains("(", regex=False).any()
    assert df.DISP_DESCR.str.startswith("DISMISSED").any()
    assert {"FELONY", "MISDEMEANOR"} <= set(df.CONV_STAT_DESCR)
    assert df.STP_ORI_CNTY_NAME.nunique() > 3
    assert (df.STP_EVENT_DATE < "20161109").any() and (df.STP_EVENT_DATE >= "20161109").any()
    conv = df[df.DISP_DESCR.str.startswith("CONVICTED")]
    assert conv.duplicated(["SUBJECT_ID", "CNT_ORDER"]).any()  # split sentences
    sections = conv.OFFENSE_DESCR.map(lambda t: codes.section_text(t))
    assert sections.map(codes.is_superstrike).any()
    # every person has a Prop 64 conviction in the county
    p64 = conv[sections.map(codes.prop64_section).ne("") & conv.STP_ORI_CNTY_NAME.eq("LOS ANGELES")]
    p64_comment = conv[
        conv.OFFENSE_DESCR.eq("SEE COMMENT FOR CHARGE") & conv.STP_ORI_CNTY_NAME.eq("LOS ANGELES")
    ]
    assert set(p64.SUBJECT_ID) | set(p64_comment.SUBJECT_ID) == set(df.SUBJECT_ID)


@pytest.mark.parametrize(
    "preset",
    ["statewide", "los_angeles", "san_joaquin", "contra_costa", "sacramento", "san_francisco"],
)
def test_synthetic_file_through_every_preset(tmp_path: Path, preset: str) -> None:
    from helpers.synthetic import write_doj

    path, n = write_doj(tmp_path / "doj.csv", 400, seed=5, county="SAN JOAQUIN")
    (res,) = run_prop64([path], "SAN JOAQUIN", dt.date(2020, 7, 1), tmp_path / "out", preset)
    s = res.summary
    assert s["rows"]["read"] == s["rows"]["kept"] == n
    full = pd.read_csv(res.results, dtype=str, keep_default_na=False)
    ev = pd.read_csv(res.convictions, dtype=str, keep_default_na=False)
    assert len(full) == n and len(ev) == s["evaluated_convictions"] == sum(s["outcomes"].values())
    assert set(ev.outcome) <= {"dismiss", "reduce", "not_eligible", "review"}
    assert (ev.reason != "").all()
    assert set(ev.SUBJECT_ID) == set(
        full.SUBJECT_ID
    )  # everyone has a Prop 64 conviction in the county
    misd = ev[
        ev.CONV_STAT_DESCR.eq("MISDEMEANOR") & ev["Potentially Eligible Related Charge"].eq("")
    ]
    after = ev["Occurred after 11/9/2016"].eq("Y")
    if preset == "statewide":
        assert (misd.outcome == "dismiss").all()
        assert (ev.outcome != "not_eligible").all()
    if preset == "los_angeles":
        assert (misd.outcome == "review").all()
    if preset in ("san_joaquin", "contra_costa", "sacramento"):
        assert (ev[after].outcome == "not_eligible").all()
    if preset == "san_francisco":
        assert (ev.outcome != "dismiss").all() and set(ev.remedy) <= {
            "resentencing",
            "redesignation",
            "",
        }


def test_office_flow_extending_a_preset(tmp_path: Path) -> None:
    from helpers.synthetic import write_doj

    path, _ = write_doj(tmp_path / "doj.csv", 300, seed=8, county="SAN JOAQUIN")
    office = tmp_path / "office.yaml"
    office.write_text(
        "extends: san_joaquin\nname: office\nsteps:\n"
        "  - {id: related_charge, outcome: review, reason: Related charge - review}\n",
        encoding="utf-8",
    )
    as_of = dt.date(2020, 7, 1)
    (base,) = run_prop64([path], "SAN JOAQUIN", as_of, tmp_path / "base", "san_joaquin")
    (mine,) = run_prop64([path], "SAN JOAQUIN", as_of, tmp_path / "mine", str(office))
    read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False)  # noqa: E731
    a, b = read(base.convictions), read(mine.convictions)
    changed = a.flow_step.eq("related_charge")
    assert changed.any() and mine.summary["flow"] == "office"
    assert (b.outcome[changed] == "review").all()
    assert (b.reason[changed] == "Related charge - review").all()
    assert a[~changed].equals(b[~changed])
