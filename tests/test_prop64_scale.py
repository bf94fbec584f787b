"""The engine at scale: chunks of people, partitions on disk, a two-worker Dask cluster, several
files with a bad one, and the reference engine's summary (gogen.json) and hypothetical flows."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from helpers.cli import app
from helpers.errors import InputError
from helpers.prop64 import (
    OUTPUT_KINDS,
    EngineSettings,
    flow_for_county,
    iter_doj,
    parse_memory,
    process_file,
    read_doj,
    run_files,
)
from helpers.prop64.read import doj_row, doj_text
from helpers.synthetic import write_doj

AS_OF = dt.date(2020, 7, 1)
COUNTY = "SAN JOAQUIN"
TABLES = ("results.csv", "condensed.csv", "prop64_convictions.csv", "errors.csv")
RUN_KEYS = ("engine", "outputs", "file")  # what differs between runs of the same file


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = write_doj(tmp_path_factory.mktemp("doj") / "doj.csv", 1500, seed=3, county=COUNTY)
    return path


def _run(src: Path, out: Path, **settings: object) -> object:
    flow = flow_for_county(COUNTY)
    return process_file(
        src, COUNTY, AS_OF, flow, out, stem="doj", settings=EngineSettings(**settings)
    )


def _same_outputs(a: Path, b: Path) -> None:
    for kind in TABLES:
        assert (a / f"doj_{kind}").read_bytes() == (b / f"doj_{kind}").read_bytes(), kind


def _counts(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in RUN_KEYS}


def test_blocks_read_the_same_rows_as_the_whole_file(synthetic: Path) -> None:
    whole = read_doj(synthetic)
    blocks = list(iter_doj(synthetic, block_bytes=30_000))
    assert len(blocks) > 10 and [b.last for b in blocks].count(True) == 1 and blocks[-1].last
    assert sum(b.table.num_rows for b in blocks) == whole.table.num_rows
    assert [int(n) for b in blocks for n in b.lines] == whole.lines.tolist()


@pytest.mark.slow
def test_chunks_of_people_give_byte_identical_outputs(synthetic: Path, tmp_path: Path) -> None:
    one = _run(synthetic, tmp_path / "one", block_bytes=1 << 30)
    many = _run(synthetic, tmp_path / "many", block_bytes=250_000)
    assert one.summary["engine"]["chunks"] == 1 and many.summary["engine"]["chunks"] > 5
    _same_outputs(tmp_path / "one", tmp_path / "many")
    assert _counts(one.summary) == _counts(many.summary)  # merged from per-chunk counts


@pytest.mark.slow
def test_rows_of_a_person_apart_are_partitioned_first(synthetic: Path, tmp_path: Path) -> None:
    lines = synthetic.read_text(encoding="utf-8").splitlines()
    body = lines[1:]
    random.Random(2).shuffle(body)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8")
    whole = _run(shuffled, tmp_path / "whole", block_bytes=1 << 30)
    parted = _run(shuffled, tmp_path / "parted", block_bytes=500_000)
    assert whole.summary["engine"]["subject_order"] == "each person's rows read together"
    order = parted.summary["engine"]["subject_order"]
    assert order.startswith("not contiguous") and "hash-partitioned by SUBJECT_ID" in order
    _same_outputs(tmp_path / "whole", tmp_path / "parted")
    assert _counts(whole.summary) == _counts(parted.summary)
    assert sorted(p.name for p in (tmp_path / "parted").iterdir()) == sorted(
        f"doj_{k}" for k in (*TABLES, "summary.json", "gogen.json")
    )  # the partition files are gone


def test_malformed_rows_are_found_in_every_block(tmp_path: Path) -> None:
    good = [
        doj_row(SUBJECT_ID=str(i), STP_EVENT_DATE="20100101", END_OF_REC="#") for i in range(40)
    ]
    text = doj_text(good).splitlines()
    text.insert(10, "short,row")
    text.insert(30, "another,short,row")
    src = tmp_path / "doj.csv"
    src.write_text("\n".join(text) + "\n", encoding="utf-8")
    res = _run(src, tmp_path / "out", block_bytes=2_000)
    errors = pd.read_csv(res.errors_path, dtype=str)
    assert errors.line.tolist() == ["11", "31"]
    assert res.summary["rows"] == {
        "read": 42,
        "kept": 40,
        "errors": 2,
        "blank_lines": 0,
        "header": True,
    }


@pytest.mark.parametrize(
    ("text", "expected"), [("1GB", 1 << 30), ("512MB", 512 << 20), ("2g", 2 << 30)]
)
def test_memory_option(text: str, expected: int) -> None:
    assert parse_memory(text) == expected


@pytest.mark.parametrize("text", ["lots", "100MB", "1TB"])
def test_memory_option_errors(text: str) -> None:
    with pytest.raises(InputError, match="--memory"):
        parse_memory(text)


def test_two_good_files_and_a_bad_one(synthetic: Path, tmp_path: Path) -> None:
    other, _ = write_doj(tmp_path / "other.csv", 300, seed=9, county=COUNTY)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    out = tmp_path / "out"
    run = run_files([synthetic, bad, other], COUNTY, AS_OF, out)
    good = [f for f in run.files if f.ok]
    assert [f.source.name for f in good] == ["doj.csv", "other.csv"]
    assert [f.source.name for f in run.failed] == ["bad.csv"]
    errors = pd.read_csv(out / "bad_errors.csv", dtype=str, keep_default_na=False)
    assert errors.reason.iloc[0].endswith(
        "no valid DOJ row (line 1: expected 95 fields, found 3); is this a DOJ research file?"
    )
    bad_summary = json.loads((out / "bad_summary.json").read_text())
    assert bad_summary["status"] == "failed" and "no valid DOJ row" in bad_summary["error"]
    combined = json.loads((out / "combined_summary.json").read_text())
    assert combined["files_evaluated"] == 2 and combined["files_failed"] == 1
    assert [f["status"] for f in combined["files"]] == ["ok", "failed", "ok"]
    assert "no valid DOJ row" in combined["files"][1]["error"]
    for key in ("people", "convictions", "evaluated_convictions", "people_with_any_relief"):
        assert combined[key] == sum(f.summary[key] for f in good), key
    for outcome, n in combined["outcomes"].items():
        assert n == sum(f.summary["outcomes"][outcome] for f in good)
    assert combined["rows"]["read"] == sum(f.summary["rows"]["read"] for f in good)
    gogen = json.loads((out / "gogen.json").read_text())
    assert gogen["lineCount"] == combined["rows"]["read"]


def test_cli_reports_the_bad_file_and_runs_the_others(synthetic: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "prop64",
            "--doj",
            str(synthetic),
            str(tmp_path / "missing.csv"),
            "--county",
            COUNTY,
            "--as-of",
            "2020-07-01",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert "missing.csv: file not found" in result.output
    assert "doj.csv:" in result.output and "convictions evaluated" in result.output
    assert (out / "doj_results.csv").exists() and (out / "combined_summary.json").exists()
    assert "Traceback" not in result.output


GOGEN_FIELDS = [
    "county",
    "earliestConviction",
    "lineCount",
    "processingTimeInSeconds",
    "reliefWithCurrentEligibilityChoices",
    "reliefWithDismissAllProp64",
    "prop64ConvictionsCountInCountyByCodeSection",
    "subjectsWithProp64ConvictionCountInCounty",
    "prop64FelonyConvictionsCountInCounty",
    "prop64NonFelonyConvictionsCountInCounty",
    "subjectsWithSomeReliefCount",
    "convictionDismissalCountByCodeSection",
    "convictionReductionCountByCodeSection",
    "convictionDismissalCountByAdditionalRelief",
]
RELIEF_KEYS = [
    "CountSubjectsNoFelony",
    "CountSubjectsNoConvictionLast7Years",
    "CountSubjectsNoConviction",
]


def test_gogen_summary_has_the_reference_fields(synthetic: Path, tmp_path: Path) -> None:
    run = run_files([synthetic], COUNTY, AS_OF, tmp_path, "statewide")
    (res,) = run.files
    gogen = json.loads(res.gogen_path.read_text())
    s = res.summary
    assert list(gogen) == GOGEN_FIELDS
    assert list(gogen["reliefWithCurrentEligibilityChoices"]) == RELIEF_KEYS
    assert (
        gogen["reliefWithCurrentEligibilityChoices"]["CountSubjectsNoFelony"]
        == s["people_no_longer_with_felony"]
    )
    hypo = s["hypothetical_flows"]["dismiss_all_prop64"]
    assert (
        gogen["reliefWithDismissAllProp64"]["CountSubjectsNoConviction"]
        == hypo["people_no_longer_with_conviction"]
    )
    assert gogen["lineCount"] == s["rows"]["read"]
    month, day, year = s["earliest_prop64_conviction_in_county"].split("/")
    assert gogen["earliestConviction"] == f"{year}-{month}-{day}T00:00:00Z"
    # by section: the statewide lists, zeros included; additional relief by Eligibility Reason
    assert list(gogen["convictionDismissalCountByCodeSection"]) == ["11357", "11358"]
    assert list(gogen["convictionReductionCountByCodeSection"]) == ["11359", "11360"]
    relief = gogen["convictionDismissalCountByAdditionalRelief"]
    assert "21 years or younger" in relief and "Misdemeanor or Infraction" not in relief
    assert not any(k.startswith("Dismiss all HS") for k in relief)
    ev = pd.read_csv(res.convictions, dtype=str, keep_default_na=False)
    dismissed = ev[(ev.outcome == "dismiss") & ev["Code Section"].str.contains("HS")]
    by_reason = dismissed["Eligibility Reason"].value_counts().to_dict()
    for reason, n in relief.items():
        assert by_reason[reason] == n
    assert (
        sum(gogen["convictionDismissalCountByCodeSection"].values())
        == s["prop64_dismissals_by_section"]["11357"] + s["prop64_dismissals_by_section"]["11358"]
    )
    assert gogen["prop64FelonyConvictionsCountInCounty"] + gogen[
        "prop64NonFelonyConvictionsCountInCounty"
    ] == sum(s["prop64_convictions_in_county_by_section"].values())


def test_reference_reason_label_beside_the_project_wording(tmp_path: Path) -> None:
    row = doj_row(
        SUBJECT_ID="1",
        PRI_DOB="19900101",
        STP_EVENT_DATE="20100101",
        STP_TYPE_DESCR="COURT ACTION",
        STP_ORI_CNTY_NAME=COUNTY,
        CNT_ORDER="001002001000",
        OFFENSE_DESCR="11359 HS-POSS FOR SALE",
        OFFENSE_TOC="F",
        DISP_DESCR="CONVICTED-PRISON",
        CONV_STAT_DESCR="FELONY",
        SENT_LENGTH="20",
        SENT_TIME_CODE="Y",
    )
    src = tmp_path / "doj.csv"
    src.write_text(doj_text([row]), encoding="utf-8")
    (res,) = run_files([src], COUNTY, AS_OF, tmp_path / "out", "statewide").files
    ev = pd.read_csv(res.convictions, dtype=str, keep_default_na=False).iloc[0]
    assert ev["Eligibility Reason"] == "21 years or younger"  # the reference's label
    assert ev["reason"] == "Under 21 at conviction"  # the project's wording


@pytest.mark.parametrize(
    ("date", "column", "not_eligible"),
    [("20161108", "N", False), ("20161109", "N", True), ("20161110", "Y", True)],
)
def test_occurred_after_is_strictly_after(
    tmp_path: Path, date: str, column: str, not_eligible: bool
) -> None:
    row = doj_row(
        SUBJECT_ID="1",
        PRI_DOB="19700101",
        STP_EVENT_DATE=date,
        STP_TYPE_DESCR="COURT ACTION",
        STP_ORI_CNTY_NAME=COUNTY,
        CNT_ORDER="001002001000",
        OFFENSE_DESCR="11359 HS-POSS FOR SALE",
        OFFENSE_TOC="F",
        DISP_DESCR="CONVICTED-PRISON",
        CONV_STAT_DESCR="FELONY",
    )
    src = tmp_path / "doj.csv"
    src.write_text(doj_text([row]), encoding="utf-8")
    (res,) = run_files([src], COUNTY, AS_OF, tmp_path / "out").files  # San Joaquin: on or after
    ev = pd.read_csv(res.convictions, dtype=str, keep_default_na=False).iloc[0]
    assert ev["Occurred after 11/9/2016"] == column
    assert (ev.outcome == "not_eligible") is not_eligible


def test_hypothetical_flows(tmp_path: Path) -> None:
    def conv(
        sid: str, cnt: str, offense: str, date: str, felony: bool = True, **kw: str
    ) -> list[str]:
        return doj_row(
            SUBJECT_ID=sid,
            PRI_DOB="19700101",
            STP_EVENT_DATE=date,
            STP_TYPE_DESCR="COURT ACTION",
            STP_ORI_CNTY_NAME=kw.pop("county", COUNTY),
            CNT_ORDER=cnt,
            OFFENSE_DESCR=offense,
            OFFENSE_TOC="F" if felony else "M",
            DISP_DESCR="CONVICTED-JAIL",
            CONV_STAT_DESCR="FELONY" if felony else "MISDEMEANOR",
        )

    rows = [
        # 1: a Prop 64 felony after 2016 (not eligible in San Joaquin) and a related misdemeanor
        conv("1", "001002001000", "11359 HS-POSS FOR SALE", "20170101"),
        conv("1", "002002001000", "647(F) PC-DRUNK IN PUBLIC", "20180101", felony=False),
        # 2: only a Prop 64 felony, in another county: never counted
        conv("2", "001002001000", "11359 HS-POSS FOR SALE", "20170101", county="KERN"),
        # 3: a Prop 64 felony and a burglary
        conv("3", "001002001000", "11360 HS-SELL", "20190101"),
        conv("3", "002002001000", "459 PC-BURGLARY", "20000101"),
    ]
    src = tmp_path / "doj.csv"
    src.write_text(doj_text(rows), encoding="utf-8")
    (res,) = run_files([src], COUNTY, AS_OF, tmp_path / "out").files
    s = res.summary
    assert s["people_no_longer_with_conviction"] == 0
    assert s["hypothetical_flows"] == {
        "dismiss_all_prop64": {
            "convictions_dismissed": 2,
            "people_no_longer_with_felony": 1,  # person 1; person 3 keeps the burglary
            "people_no_longer_with_conviction": 0,
            # since 2013-07-01: person 1 keeps the 2018 misdemeanor, person 3 has only the 2019 sale
            "people_no_longer_with_conviction_in_last_7_years": 1,
        },
        "dismiss_all_prop64_and_related": {
            "convictions_dismissed": 3,
            "people_no_longer_with_felony": 1,
            "people_no_longer_with_conviction": 1,
            "people_no_longer_with_conviction_in_last_7_years": 2,
        },
    }


@pytest.mark.slow
def test_dask_engine_on_two_local_workers_matches_the_local_engine(
    synthetic: Path, tmp_path: Path
) -> None:
    local = _run(synthetic, tmp_path / "local", block_bytes=250_000)
    dask = _run(synthetic, tmp_path / "dask", engine="dask", block_bytes=1_000_000)
    engine = dask.summary["engine"]
    assert engine["name"] == "dask" and engine["scheduler"] == "a local cluster of two workers"
    _same_outputs(tmp_path / "local", tmp_path / "dask")
    assert _counts(local.summary) == _counts(dask.summary)
    parts = dask.summary_path.parent / engine["partition_outputs"]  # named in the output folder
    assert engine["partitions"] >= 4
    names = {p.name for p in parts.iterdir()}
    assert {f"part-00000_{k}" for k in OUTPUT_KINDS} <= names and "input" not in names
    # the partitions' rows, put back in Source Line order, are the local engine's rows
    frames = [
        pd.read_csv(parts / f"part-{i:05d}_results.csv", dtype=str, keep_default_na=False)
        for i in range(engine["partitions"])
    ]
    together = pd.concat(frames).sort_values("Source Line", key=lambda s: s.astype(int))
    whole = pd.read_csv(local.results, dtype=str, keep_default_na=False)
    assert together.reset_index(drop=True).equals(whole)
