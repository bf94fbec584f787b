"""Demographics files -> the ``people`` table (one row per person).

Three header variants are read: the public CPRA release of 2023 (``age in years``) and of 2026
(``current age``), and the Title Case DSA extract (``birthday``, ``offender's name``, classification).
The public release is the base; a DSA extract given beside it adds its person-level columns
(:data:`DSA_PERSON_COLUMNS`) and ages from birth dates.

* ``time_served_years`` is measured from the controlling offense's end date (begin date if the end is
  blank) to ``as_of``: it includes pre-sentence custody and is an upper bound of time in prison.
* ``age`` comes from the birth date when a DSA file has it (``age_source = birth_date``), else from the
  age the release reports (``reported``, as of the release date), else from the estimated age at
  offense plus the years since (``estimated``); otherwise it is unknown.
* A conflicting duplicate ``cdcno`` quarantines every copy; an exact duplicate row keeps the first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data import reference, schema
from helpers.data.checks import (
    RowChecks,
    column_text,
    county_column,
    date_column,
    identifier_column,
    isin,
    number_column,
    offense_code_column,
    offense_dates,
    yes_no,
)
from helpers.data.tables import RawTable, parse_month_year, parse_numbers
from helpers.errors import InputError

#: Person-level columns only a DSA extract carries; merged onto the public release by ``cdcno``.
DSA_PERSON_COLUMNS = [
    "gender",
    "name",
    "birth_date",
    "sex_registrant",
    "mental_health_level",
    "security_level",
    "classification_score",
    "classification_score_5y_ago",
]
LIFE_SENTENCE_TYPES = ("Life with Parole", "Life w/o Parole", "Condemned")
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = 30.4375
AGE_RANGE = (12, 110)


def demographics_variant(names: list[str]) -> str:
    """``dsa``, ``public-2026`` or ``public-2023``, from the (normalised) header names."""
    if "birthday" in names or "offender's name" in names:
        return "dsa"
    if "current age" in names:
        return "public-2026"
    return "public-2023"


def _ids(f: pd.DataFrame, checks: RowChecks) -> pd.Series:
    """``cdcno``; blanks and duplicates are flagged (an exact copy keeps its first row)."""
    cdcno = identifier_column(f, checks, "cdcno", "cdcno")
    checks.flag((cdcno == "").to_numpy(), "cdcno", "blank cdcno")
    dup_any = cdcno.duplicated(keep=False) & (cdcno != "")
    if dup_any.any():
        exact_later = f.duplicated(keep="first")
        conflicting = dup_any & ~f.duplicated(keep=False)
        same_id_conflict = pd.Series(isin(cdcno, cdcno[conflicting]), index=cdcno.index)
        checks.flag(
            (exact_later & dup_any & ~same_id_conflict).to_numpy(), "cdcno", "exact duplicate row"
        )
        checks.flag(same_id_conflict.to_numpy(), "cdcno", "duplicate cdcno with conflicting values")
    return cdcno


def _sentence(f: pd.DataFrame, checks: RowChecks) -> dict[str, pd.Series]:
    """Sentence type and aggregate months, with the life, LWOP and condemned flags."""
    stype = column_text(f, "sentence type")
    checks.flag(~isin(stype, schema.SENTENCE_TYPES), "sentence type", "unknown sentence type")
    months, err = parse_numbers(column_text(f, "aggregate sentence in months"))
    checks.flag_errors(err, "aggregate sentence in months")
    checks.flag(
        months.isna().to_numpy() & (err == "").to_numpy(),
        "aggregate sentence in months",
        "blank sentence",
    )
    lwop = (months == schema.LWOP_MONTHS) | (stype == "Life w/o Parole")
    condemned = months.isin(schema.CONDEMNED_MONTHS) | (stype == "Condemned")
    life = pd.Series(isin(stype, LIFE_SENTENCE_TYPES), index=f.index) | lwop | condemned
    return {"type": stype, "months": months, "lwop": lwop, "condemned": condemned, "life": life}


def _years_between(start: pd.Series | pd.Timestamp, end: pd.Series | pd.Timestamp) -> pd.Series:
    return (end - start).dt.days / DAYS_PER_YEAR


def _flag_age_range(checks: RowChecks, age: pd.Series, column: str) -> None:
    lo, hi = AGE_RANGE
    checks.flag(
        ((age < lo) | (age > hi)).fillna(False).to_numpy(), column, f"age out of range {lo}-{hi}"
    )


def _ages(
    f: pd.DataFrame, checks: RowChecks, as_of: pd.Timestamp, offense_day: pd.Series
) -> dict[str, object]:
    """Age now and at the offense, each with its source (birth date, reported or estimated)."""
    birth = (
        date_column(f, checks, "birthday") if "birthday" in f else pd.Series(pd.NaT, index=f.index)
    )
    reported_col = "current age" if "current age" in f else "age in years"
    reported = number_column(f, checks, reported_col)
    _flag_age_range(checks, reported, reported_col)
    est_col = (
        "estimated age at offense" if "estimated age at offense" in f else "age during offense"
    )
    est_at_offense = number_column(f, checks, est_col)
    age_birth = _years_between(birth, as_of)
    _flag_age_range(checks, age_birth, "birthday")
    age_est = est_at_offense + _years_between(offense_day, as_of)
    age = age_birth.fillna(reported).fillna(age_est)
    age_source = np.select(
        [age_birth.notna(), reported.notna(), age_est.notna()],
        ["birth_date", "reported", "estimated"],
        "unknown",
    )
    at_offense_birth = _years_between(birth, offense_day)
    age_at_offense = at_offense_birth.fillna(est_at_offense)
    age_at_offense_source = np.select(
        [at_offense_birth.notna(), est_at_offense.notna()], ["birth_date", "estimated"], "unknown"
    )
    juvenile_flag = yes_no(column_text(f, "probable juvenile at offense"))
    return {
        "birth_date": birth,
        "age": age.round(2),
        "age_source": pd.Series(age_source, index=f.index, dtype="string"),
        "age_at_offense": age_at_offense.round(2),
        "age_at_offense_source": pd.Series(age_at_offense_source, index=f.index, dtype="string"),
        "juvenile_at_offense": (age_at_offense < 18).astype("boolean").fillna(juvenile_flag),
    }


def _race(f: pd.DataFrame, checks: RowChecks) -> tuple[pd.Series, pd.Series]:
    """Ethnicity in ``race_groups.csv``'s spelling (blank = Unknown) and its race group.

    The match ignores case and spacing (``MEXICAN``, ``other  asian``); a value that still matches
    nothing is quarantined with its reason rather than counted as "Other" (it would skew the bias
    audit silently)."""
    written = column_text(f, "ethnicity")
    groups = reference.race_groups()
    key = groups["ethnicity"].str.upper().str.split().str.join(" ")
    spelling = pd.Series(groups["ethnicity"].to_numpy(), index=key.to_numpy())
    group = pd.Series(groups["race_group"].to_numpy(), index=key.to_numpy())
    spelling, group = spelling[~spelling.index.duplicated()], group[~group.index.duplicated()]
    wanted = written.str.upper().str.split().str.join(" ").fillna("")
    ethnicity = wanted.map(spelling).astype("string")
    unknown = ethnicity.isna().to_numpy() & (wanted != "").to_numpy()
    checks.flag(
        unknown,
        "ethnicity",
        "unknown ethnicity (not in data/reference/race_groups.csv, in any case or spacing)",
    )
    ethnicity = ethnicity.fillna(written).mask(wanted == "", "Unknown")
    race_group = wanted.map(group).fillna("Other").astype("string")
    return ethnicity, race_group.mask(ethnicity == "Unknown", "Unknown")


def _dsa_columns(f: pd.DataFrame) -> dict[str, pd.Series]:
    """Person-level columns only the DSA extract fills (blank in the public releases)."""
    return {
        "sex_registrant": yes_no(column_text(f, "sex registrant")),
        "mental_health_level": column_text(f, "mental health level of care").replace("", pd.NA),
        "security_level": column_text(f, "current security level").replace("", pd.NA),
        "classification_score": parse_numbers(column_text(f, "current classification score"))[0],
        "classification_score_5y_ago": parse_numbers(
            column_text(f, "classification score 5 years ago")
        )[0],
    }


def people_rows(table: RawTable, as_of: pd.Timestamp) -> tuple[pd.DataFrame, RowChecks]:
    """One demographics file as ``people`` rows (every row, flagged ones too) and its checks."""
    f = table.frame
    checks = RowChecks(table)
    cdcno = _ids(f, checks)
    county = county_column(f, checks, "controlling case sentencing county")
    parsed = offense_code_column(f, checks, "controlling offense")
    sentence = _sentence(f, checks)
    begin, end = offense_dates(f, checks)
    eprd, no_release, err = parse_month_year(column_text(f, "eprd mepd"))
    checks.flag_errors(err, "eprd mepd")
    offense_day = end.fillna(begin)
    ages = _ages(f, checks, as_of, begin.fillna(end))
    ethnicity, race_group = _race(f, checks)
    months, lwop, condemned = sentence["months"], sentence["lwop"], sentence["condemned"]
    people = pd.DataFrame(
        {
            "cdcno": cdcno,
            "source_variant": demographics_variant(list(f.columns)),
            "source_row": table.rows,
            "county": county["county"].astype("string"),
            "county_fips": county["fips"].astype("string"),
            "ethnicity": ethnicity,
            "race_group": race_group,
            "gender": column_text(f, "gender").replace("", pd.NA),
            "name": column_text(f, "offender's name").replace("", pd.NA),
            **ages,
            "controlling_offense_raw": column_text(f, "controlling offense"),
            "controlling_offense_key": parsed["offense_key"],
            "controlling_code": parsed["code"],
            "controlling_section": parsed["section"],
            "controlling_subdivision": parsed["subdivision"],
            "controlling_degree": parsed["degree"],
            "controlling_attempt": parsed["attempt"],
            "description": column_text(f, "description"),
            "offense_category": column_text(f, "offense category"),
            "offense_begin_date": begin,
            "offense_end_date": end,
            "controlling_case_number": identifier_column(
                f, checks, "controlling case number", "case number"
            ),
            "sentence_type": sentence["type"],
            "aggregate_sentence_months": months,
            "sentence_life": sentence["life"].fillna(False).astype(bool),
            "sentence_lwop": lwop.fillna(False).astype(bool),
            "sentence_condemned": condemned.fillna(False).astype(bool),
            "sentence_years": (months / 12).where(~(lwop | condemned), np.inf).round(3),
            "eprd": eprd,
            "no_release_date": no_release,
            "months_to_release": ((eprd - as_of).dt.days / DAYS_PER_MONTH).round(1),
            "current_location": column_text(f, "current location"),
            "time_served_years": _years_between(offense_day, as_of).clip(lower=0).round(3),
            "offense_after_as_of": (begin.fillna(end) > as_of).fillna(False).astype(bool),
            "time_served_years_reported": parse_numbers(column_text(f, "time served in years"))[0],
        }
    )
    return people.assign(**_dsa_columns(f)), checks


def merge_dsa_people(public: pd.DataFrame, dsa: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Add DSA-only columns to public-release people and recompute ages from birth dates."""
    extra = dsa.set_index("cdcno")[DSA_PERSON_COLUMNS]
    out = public.drop(columns=DSA_PERSON_COLUMNS).join(extra, on="cdcno")
    birth = out["birth_date"]
    age_birth = _years_between(birth, as_of).round(2)
    has = birth.notna()
    out.loc[has, "age"] = age_birth[has]
    out.loc[has, "age_source"] = "birth_date"
    offense_day = out["offense_begin_date"].fillna(out["offense_end_date"])
    at_offense = _years_between(birth, offense_day).round(2)
    has_off = at_offense.notna()
    out.loc[has_off, "age_at_offense"] = at_offense[has_off]
    out.loc[has_off, "age_at_offense_source"] = "birth_date"
    out.loc[has_off, "juvenile_at_offense"] = at_offense[has_off] < 18
    return out[public.columns]


def read_people(
    tables: list[RawTable], as_of: pd.Timestamp
) -> tuple[pd.DataFrame, list[tuple[RowChecks, str]]]:
    """The ``people`` table from one public release, optionally with the DSA extract beside it.

    Returns the kept people and, per file read (public release first), its checks and variant.
    """
    variants = [demographics_variant(list(t.frame.columns)) for t in tables]
    order = sorted(range(len(tables)), key=lambda i: variants[i] == "dsa")
    base = tables[order[0]]
    people, checks = people_rows(base, as_of)
    if people.empty or len(base.frame) == 0:
        raise InputError("has a header but no data rows", file=base.name)
    people = people.loc[~checks.bad].reset_index(drop=True)
    read = [(checks, variants[order[0]])]
    if len(order) == 2:
        dsa_table = tables[order[1]]
        if variants[order[1]] != "dsa":
            raise InputError(
                "two public demographics files; keep one (a second file must be the DSA extract)",
                file=dsa_table.name,
            )
        dsa_people, dsa_checks = people_rows(dsa_table, as_of)
        dsa_checks.flag(
            ~isin(dsa_people["cdcno"], people["cdcno"]),
            "cdcno",
            "cdcno not among the kept people of the public release",
        )
        people = merge_dsa_people(people, dsa_people.loc[~dsa_checks.bad], as_of)
        read.append((dsa_checks, "dsa"))
    return people, read
