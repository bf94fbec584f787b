"""Current and prior commitments -> the ``offenses`` and ``enhancements`` tables.

One commitment row is one offense count (``role`` = ``current`` or ``prior``) with up to any number of
enhancement pairs ``off_enh{i}`` / ``off_enh_desc{i}``; each enhancement becomes a row of
``enhancements`` tied to its count by ``offense_id``.  A prior commitment sentenced outside
California (CDCR writes ``Other Country``, ``Unknown`` or a state) is a valid row: ``county`` is
empty, ``county_status`` says where (``out_of_state``, ``other_country``, ``unknown``; else
``california``) and ``sentenced_outside_california`` flags the first two; a current commitment needs
a California county.  Rows of people who are not kept in demographics
are quarantined: they cannot be attached to anybody.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data import schema
from helpers.data.checks import (
    RowChecks,
    column_text,
    county_column,
    date_column,
    identifier_column,
    isin,
    known_people,
    offense_code_column,
    offense_dates,
)
from helpers.data.codes import OFFENSE_COLUMNS, parse_offense_codes, parse_sentences
from helpers.data.tables import RawTable

#: Columns of the enhancements of one file, before they are tied to their counts.
FILE_ENHANCEMENT_COLUMNS = ["row", "position", *OFFENSE_COLUMNS, "enhancement_raw", "description"]
#: Columns of the ``enhancements`` table.
ENHANCEMENT_COLUMNS = [
    "offense_id",
    "cdcno",
    "role",
    "position",
    "enhancement_raw",
    *OFFENSE_COLUMNS,
    "description",
]


def _enhancement_rows(f: pd.DataFrame, checks: RowChecks) -> pd.DataFrame:
    """Every enhancement pair ``off_enh{i}`` / ``off_enh_desc{i}`` of a file, one row each."""
    parts = []
    i = 1
    while f"off_enh{i}" in f:
        code = column_text(f, f"off_enh{i}")
        present = code != ""
        if present.any():
            parsed = parse_offense_codes(code.where(present))
            checks.flag(
                (present & parsed["offense_key"].isna()).to_numpy(),
                f"off_enh{i}",
                "unreadable enhancement code",
            )
            part = parsed[present].copy()
            part.insert(0, "position", i)
            part.insert(0, "row", np.flatnonzero(present.to_numpy()))
            part["enhancement_raw"] = code[present]
            part["description"] = column_text(f, f"off_enh_desc{i}")[present]
            parts.append(part)
        i += 1
    if not parts:
        return pd.DataFrame(columns=FILE_ENHANCEMENT_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def commitment_rows(
    table: RawTable, role: str, people_ids: pd.Index
) -> tuple[pd.DataFrame, pd.DataFrame, RowChecks]:
    """One commitments file as offense rows and enhancement rows (flagged rows too) and its checks."""
    f = table.frame
    checks = RowChecks(table)
    cdcno = known_people(f, checks, people_ids)
    county = county_column(f, checks, "sentencing county", outside_ok=role == "prior")
    parsed = offense_code_column(f, checks, "offense")
    abstract = parse_sentences(column_text(f, "sentence from abstract of judgement"))
    checks.flag_errors(abstract["error"], "sentence from abstract of judgement")
    term = parse_sentences(column_text(f, "offense time with enhancement"))
    checks.flag_errors(term["error"], "offense time with enhancement")
    relationship = column_text(f, "relationship")
    checks.flag(
        ~isin(relationship, [*schema.RELATIONSHIPS, ""]),
        "relationship",
        "unknown relationship",
    )
    begin, end = offense_dates(f, checks)
    release = (
        date_column(f, checks, "release date", future_ok=True)
        if role == "prior"
        else pd.Series(pd.NaT, index=f.index)
    )
    enhancements = _enhancement_rows(f, checks)
    offenses = pd.DataFrame(
        {
            "cdcno": cdcno,
            "role": role,
            "source_row": table.rows,
            "county": county["county"].astype("string"),
            "county_fips": county["fips"].astype("string"),
            "county_status": county["county_status"].astype("string"),
            "sentenced_outside_california": county["county_status"]
            .isin(["out_of_state", "other_country"])
            .to_numpy(),
            "case_number": identifier_column(f, checks, "case number", "case number"),
            "offense_raw": column_text(f, "offense"),
            **{c: parsed[c] for c in OFFENSE_COLUMNS},
            "description": column_text(f, "offense description"),
            "cdcr_category": column_text(f, "offense category"),
            "in_prison": column_text(f, "in-prison").str.lower().eq("in-prison"),
            "offense_begin_date": begin,
            "offense_end_date": end,
            "sentence_abstract_raw": column_text(f, "sentence from abstract of judgement"),
            "sentence_abstract_months": abstract["months"],
            "sentence_abstract_life": abstract["life"],
            "sentence_abstract_lwop": abstract["lwop"],
            "sentence_abstract_condemned": abstract["condemned"],
            "offense_time_raw": column_text(f, "offense time with enhancement"),
            "offense_time_months": term["months"],
            "offense_time_life": term["life"],
            "stayed": term["stayed"] | relationship.eq("Stayed"),
            "relationship": relationship.replace("", pd.NA),
            "release_date": release,
        }
    )
    offenses["n_enhancements"] = (
        np.bincount(enhancements["row"].astype(int), minlength=len(f)) if len(enhancements) else 0
    )
    return offenses, enhancements, checks


def kept_commitments(
    table: RawTable, role: str, people_ids: pd.Index
) -> tuple[pd.DataFrame, pd.DataFrame, RowChecks]:
    """The kept offense rows of one commitments file and their enhancements (with ``cdcno``,
    ``role`` and the ``source_row`` of their count), plus the file's checks."""
    offenses, enhancements, checks = commitment_rows(table, role, people_ids)
    keep = ~checks.bad
    if len(enhancements):
        enhancements = enhancements[keep[enhancements["row"].to_numpy().astype(int)]]
    if len(enhancements):
        rows = enhancements["row"].to_numpy().astype(int)
        enhancements = enhancements.assign(
            cdcno=offenses["cdcno"].to_numpy()[rows], role=role, source_row=table.rows[rows]
        )
    return offenses.loc[keep], enhancements, checks


def combine_commitments(
    offense_parts: list[pd.DataFrame], enhancement_parts: list[pd.DataFrame]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``offenses`` table (numbered by ``offense_id``) and the ``enhancements`` table tied to
    their counts through (``role``, ``source_row``)."""
    offenses = pd.concat(offense_parts, ignore_index=True) if offense_parts else pd.DataFrame()
    offenses.insert(0, "offense_id", np.arange(len(offenses), dtype=np.int64))
    found = [e for e in enhancement_parts if len(e)]
    if not found:
        columns = ["cdcno", "role", "source_row", *FILE_ENHANCEMENT_COLUMNS[1:]]
        return offenses, pd.DataFrame(columns=columns)
    enhancements = pd.concat(found, ignore_index=True)
    key = offenses.set_index(["role", "source_row"])["offense_id"]
    enhancements = enhancements.join(key, on=["role", "source_row"])
    return offenses, enhancements[ENHANCEMENT_COLUMNS].reset_index(drop=True)
