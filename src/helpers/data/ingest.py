"""Ingest CDCR records (public 2023/2026 releases or DSA extracts) into typed tidy tables.

Every input row is accounted for: it lands in a processed table, or it goes to the quarantine with its
file, row, column, value and reason.  File-level problems (missing or renamed columns, empty or
undecodable files, wrong sheet) raise :class:`~helpers.errors.InputError` with a one-line message.

Choices worth knowing (also in the data page of the book):

* ``time_served_years`` is measured from the controlling offense's end date (begin date if the end is
  blank) to ``as_of``: it includes pre-sentence custody and is an upper bound of time in prison.
* ``age`` comes from the birth date when a DSA file has it (``age_source = birth_date``), else from the
  age the release reports (``reported``, as of the release date), else from the estimated age at
  offense plus the years since (``estimated``); otherwise it is unknown.
* Rows of a person who is quarantined in demographics (duplicate ID, unknown county, …) are quarantined
  too: they cannot be attached to anybody.
* A conflicting duplicate ``cdcno`` quarantines every copy; an exact duplicate row keeps the first copy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers import counties
from helpers.data import reference, schema
from helpers.data.codes import parse_offense_codes, parse_sentences
from helpers.data.manifest import (
    IngestManifest,
    InputFile,
    as_of_date,
    check_as_of,
    read_manifest,
    write_manifest,
)
from helpers.data.tables import (
    RawTable,
    empty_problems,
    normalise_header,
    parse_dates,
    parse_month_year,
    parse_numbers,
    read_raw_table,
)
from helpers.errors import InputError
from helpers.provenance import file_sha256, library_versions

# File kinds, how their names look once lower-cased with separators dropped, and required columns.
FILE_KINDS: dict[str, tuple[tuple[str, ...], list[str]]] = {
    "demographics": (
        ("demographics", "demographicscdcr"),
        [normalise_header(c) for c in schema.DEMOGRAPHICS_2023],
    ),
    "current_commitments": (
        ("currentcommitments", "currentcommits", "currentcommitmentscdcr"),
        [normalise_header(c) for c in schema.COMMITMENTS_BASE],
    ),
    "prior_commitments": (
        ("priorcommitments", "priorcommits", "priorcommitmentscdcr"),
        [normalise_header(c) for c in schema.COMMITMENTS_BASE],
    ),
    "rules_violations": (
        ("rulesviolations", "rulesviolationreports"),
        [normalise_header(c) for c in schema.RULES_VIOLATIONS],
    ),
    "education_merit_credits": (
        ("educationmeritcredits",),
        [normalise_header(c) for c in schema.EDUCATION_MERIT_CREDITS],
    ),
    "milestone_credits": (
        ("milestonecredits", "milestonecompletioncredits"),
        [normalise_header(c) for c in schema.MILESTONE_CREDITS],
    ),
    "rehabilitative_credits": (
        ("rehabilitativecredits", "rehabilitativeachievementcredits"),
        [normalise_header(c) for c in schema.REHABILITATIVE_CREDITS],
    ),
    "mitigating_factors": (
        ("mitigatingfactors",),
        [normalise_header(c) for c in schema.MITIGATING_FACTORS],
    ),
    "review_decisions": (
        ("reviewdecisions", "decisionlog", "reviewdecisionlog"),
        list(schema.REVIEW_DECISIONS),
    ),
}
SUFFIXES = (".csv", ".xlsx", ".xlsm")
PROCESSED_TABLES = (
    "people",
    "offenses",
    "enhancements",
    "violations",
    "credits",
    "factors",
    "decisions",
)


@dataclass
class IngestResult:
    """Processed tables, the quarantine and the manifest of one ingest run."""

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    manifest: IngestManifest

    def summary(self) -> pd.DataFrame:
        """Rows in, kept and quarantined per input file."""
        return pd.DataFrame([asdict(i) for i in self.manifest.inputs])[
            ["file", "kind", "rows_in", "kept", "quarantined"]
        ]


# --------------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------------


def _stem_key(path: Path) -> str:
    return "".join(ch for ch in path.stem.lower() if ch.isalnum())


def discover_files(data_dir: Path) -> dict[str, list[Path]]:
    """Find input files by name in ``data_dir`` and its sub-folders (one level deep)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError("is not a folder of CDCR files", file=str(data_dir))
    found: dict[str, list[Path]] = {}
    candidates = sorted(p for p in [*data_dir.glob("*"), *data_dir.glob("*/*")] if p.is_file())
    for path in candidates:
        if path.suffix.lower() not in SUFFIXES or path.name.startswith("~$"):
            continue
        key = _stem_key(path)
        for kind, (names, _) in FILE_KINDS.items():
            if key in names:
                found.setdefault(kind, []).append(path)
    if "demographics" not in found:
        raise InputError(
            "no demographics file (expected demographics.csv or Demographics.xlsx)",
            file=str(data_dir),
        )
    if len(found["demographics"]) > 2:
        raise InputError("more than two demographics files", file=str(data_dir))
    for kind in ("current_commitments", "prior_commitments"):
        if len(found.get(kind, [])) > 1:
            names = ", ".join(p.name for p in found[kind])
            raise InputError(f"more than one {kind} file ({names})", file=str(data_dir))
    return found


# --------------------------------------------------------------------------------------------------
# Row checks
# --------------------------------------------------------------------------------------------------


class RowChecks:
    """Collects row-level problems of one raw table; a flagged row is quarantined."""

    def __init__(self, table: RawTable) -> None:
        self.table = table
        self.parts: list[pd.DataFrame] = [table.problems]
        self.bad = np.zeros(len(table.frame), dtype=bool)

    def flag(self, mask: object, column: str, reason: object, value: object = None) -> None:
        """Quarantine rows where ``mask`` is true, naming ``column`` and ``reason``."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        if value is None:
            value = self.table.frame.get(column, "")
        values = (
            value.iloc[idx].astype("string").to_numpy() if isinstance(value, pd.Series) else value
        )
        reasons = reason.iloc[idx].to_numpy() if isinstance(reason, pd.Series) else reason
        self.parts.append(
            pd.DataFrame(
                {
                    "file": self.table.name,
                    "row": self.table.rows[idx],
                    "column": column,
                    "value": values,
                    "reason": reasons,
                }
            )
        )
        self.bad |= mask

    def flag_errors(self, errors: pd.Series, column: str) -> None:
        """Quarantine rows whose parse ``errors`` (reason strings) are non-empty."""
        self.flag((errors != "").to_numpy(), column, errors)

    def problems(self) -> pd.DataFrame:
        parts = [p for p in self.parts if not p.empty]
        if not parts:
            return empty_problems()
        return pd.concat(parts, ignore_index=True)

    def counts(self) -> dict:
        problems = self.problems()
        return {
            "rows_in": self.table.rows_in,
            "kept": int((~self.bad).sum()),
            "quarantined": int(problems["row"].nunique()) if not problems.empty else 0,
        }


def isin(values: pd.Series, allowed: object) -> np.ndarray:
    """Fast membership test for string columns (Arrow hashing; pandas' ``isin`` is slow on them)."""
    value_set = pa.array(
        pd.Series(
            list(allowed) if not isinstance(allowed, pd.Series | pd.Index) else allowed,
            dtype="string",
        )
    )
    result = pc.is_in(pa.array(values.astype("string")), value_set=value_set)
    return result.to_numpy(zero_copy_only=False).astype(bool)


def column_text(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as stripped strings, or blanks when the column is absent."""
    if name in frame:
        return frame[name].astype("string").str.strip()
    return pd.Series("", index=frame.index, dtype="string")


def _today() -> pd.Timestamp:
    return pd.Timestamp(date.today())


def _dates(
    frame: pd.DataFrame,
    checks: RowChecks,
    column: str,
    as_of: pd.Timestamp,
    future_ok: bool = False,
) -> pd.Series:
    values, errors = parse_dates(column_text(frame, column))
    checks.flag_errors(errors, column)
    if not future_ok:
        # Dates after the as-of date are legitimate when an office evaluates an earlier date (the
        # person is flagged); dates after today cannot be true.
        checks.flag((values > _today()).fillna(False).to_numpy(), column, "date in the future")
    return values


def _yes_no(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.upper()
    mapped = text.map(
        {
            "Y": True,
            "YES": True,
            "TRUE": True,
            "1": True,
            "N": False,
            "NO": False,
            "FALSE": False,
            "0": False,
        }
    )
    return mapped.astype("boolean")


def _counties(frame: pd.DataFrame, checks: RowChecks, column: str) -> pd.DataFrame:
    raw = column_text(frame, column)
    canon = counties.canonical_counties(raw)
    unknown = canon["county"].isna().to_numpy()
    checks.flag(unknown & (raw != "").to_numpy(), column, "unknown California county")
    checks.flag((raw == "").to_numpy(), column, "blank county")
    canon.index = frame.index
    return canon


def _offense_codes(frame: pd.DataFrame, checks: RowChecks, column: str) -> pd.DataFrame:
    raw = column_text(frame, column)
    parsed = parse_offense_codes(raw)
    checks.flag(
        (parsed["offense_key"].isna() & (raw != "")).to_numpy(), column, "unreadable offense code"
    )
    checks.flag((raw == "").to_numpy(), column, "blank offense code")
    return parsed


# --------------------------------------------------------------------------------------------------
# Demographics → people
# --------------------------------------------------------------------------------------------------


def _variant(names: list[str]) -> str:
    if "birthday" in names or "offender's name" in names:
        return "dsa"
    if "current age" in names:
        return "public-2026"
    return "public-2023"


def _people(table: RawTable, as_of: pd.Timestamp) -> tuple[pd.DataFrame, RowChecks]:
    f = table.frame
    checks = RowChecks(table)
    variant = _variant(list(f.columns))
    cdcno = column_text(f, "cdcno")
    checks.flag((cdcno == "").to_numpy(), "cdcno", "blank cdcno")
    # Duplicates: an exact copy keeps the first; conflicting copies are all quarantined.
    dup_any = cdcno.duplicated(keep=False) & (cdcno != "")
    if dup_any.any():
        exact_later = f.duplicated(keep="first")
        conflicting = dup_any & ~f.duplicated(keep=False)
        same_id_conflict = pd.Series(isin(cdcno, cdcno[conflicting]), index=cdcno.index)
        checks.flag(
            (exact_later & dup_any & ~same_id_conflict).to_numpy(), "cdcno", "exact duplicate row"
        )
        checks.flag(same_id_conflict.to_numpy(), "cdcno", "duplicate cdcno with conflicting values")

    county = _counties(f, checks, "controlling case sentencing county")
    parsed = _offense_codes(f, checks, "controlling offense")

    stype = column_text(f, "sentence type")
    known_type = isin(stype, schema.SENTENCE_TYPES)
    checks.flag(~known_type, "sentence type", "unknown sentence type")
    months, err = parse_numbers(column_text(f, "aggregate sentence in months"))
    checks.flag_errors(err, "aggregate sentence in months")
    checks.flag(
        months.isna().to_numpy() & (err == "").to_numpy(),
        "aggregate sentence in months",
        "blank sentence",
    )
    lwop = (months == schema.LWOP_MONTHS) | (stype == "Life w/o Parole")
    condemned = months.isin(schema.CONDEMNED_MONTHS) | (stype == "Condemned")
    life = (
        pd.Series(isin(stype, ["Life with Parole", "Life w/o Parole", "Condemned"]), index=f.index)
        | lwop
        | condemned
    )

    begin = _dates(f, checks, "offense begin date", as_of)
    end = _dates(f, checks, "offense end date", as_of)
    checks.flag(
        (begin > end).fillna(False).to_numpy(),
        "offense end date",
        "offense end date before begin date",
    )
    eprd, no_release, err = parse_month_year(column_text(f, "eprd mepd"))
    checks.flag_errors(err, "eprd mepd")

    offense_date = end.fillna(begin)
    after_as_of = (begin.fillna(end) > as_of).fillna(False)
    served = ((as_of - offense_date).dt.days / 365.25).clip(lower=0)

    # Ages.
    birth = (
        _dates(f, checks, "birthday", as_of)
        if "birthday" in f
        else pd.Series(pd.NaT, index=f.index)
    )
    reported_col = "current age" if "current age" in f else "age in years"
    reported, err = parse_numbers(column_text(f, reported_col))
    checks.flag_errors(err, reported_col)
    checks.flag(
        ((reported < 12) | (reported > 110)).fillna(False).to_numpy(),
        reported_col,
        "age out of range 12-110",
    )
    est_col = (
        "estimated age at offense" if "estimated age at offense" in f else "age during offense"
    )
    est_at_offense, err = parse_numbers(column_text(f, est_col))
    checks.flag_errors(err, est_col)
    begin_or_end = begin.fillna(end)
    age_birth = (as_of - birth).dt.days / 365.25
    checks.flag(
        ((age_birth < 12) | (age_birth > 110)).fillna(False).to_numpy(),
        "birthday",
        "age out of range 12-110",
    )
    age_est = est_at_offense + (as_of - begin_or_end).dt.days / 365.25
    age = age_birth.fillna(reported).fillna(age_est)
    age_source = np.select(
        [age_birth.notna(), reported.notna(), age_est.notna()],
        ["birth_date", "reported", "estimated"],
        "unknown",
    )
    at_offense_birth = (begin_or_end - birth).dt.days / 365.25
    age_at_offense = at_offense_birth.fillna(est_at_offense)
    age_at_offense_source = np.select(
        [at_offense_birth.notna(), est_at_offense.notna()], ["birth_date", "estimated"], "unknown"
    )
    juvenile_flag = _yes_no(column_text(f, "probable juvenile at offense"))
    juvenile = (age_at_offense < 18).astype("boolean").fillna(juvenile_flag)

    ethnicity = column_text(f, "ethnicity").replace("", "Unknown")
    groups = reference.race_groups().set_index("ethnicity")["race_group"]
    race_group = ethnicity.map(groups).fillna("Other").astype("string")
    race_group = race_group.mask(ethnicity == "Unknown", "Unknown")

    people = pd.DataFrame(
        {
            "cdcno": cdcno,
            "source_variant": variant,
            "source_row": table.rows,
            "county": county["county"].astype("string"),
            "county_fips": county["fips"].astype("string"),
            "ethnicity": ethnicity,
            "race_group": race_group,
            "gender": column_text(f, "gender").replace("", pd.NA),
            "name": column_text(f, "offender's name").replace("", pd.NA),
            "birth_date": birth,
            "age": age.round(2),
            "age_source": pd.Series(age_source, index=f.index, dtype="string"),
            "age_at_offense": age_at_offense.round(2),
            "age_at_offense_source": pd.Series(
                age_at_offense_source, index=f.index, dtype="string"
            ),
            "juvenile_at_offense": juvenile,
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
            "controlling_case_number": column_text(f, "controlling case number"),
            "sentence_type": stype,
            "aggregate_sentence_months": months,
            "sentence_life": life.fillna(False).astype(bool),
            "sentence_lwop": lwop.fillna(False).astype(bool),
            "sentence_condemned": condemned.fillna(False).astype(bool),
            "sentence_years": (months / 12).where(~(lwop | condemned), np.inf).round(3),
            "eprd": eprd,
            "no_release_date": no_release,
            "months_to_release": ((eprd - as_of).dt.days / 30.4375).round(1),
            "current_location": column_text(f, "current location"),
            "time_served_years": served.round(3),
            "offense_after_as_of": after_as_of.astype(bool),
            "time_served_years_reported": parse_numbers(column_text(f, "time served in years"))[0],
        }
    )
    # DSA-only columns.
    people["sex_registrant"] = _yes_no(column_text(f, "sex registrant"))
    people["mental_health_level"] = column_text(f, "mental health level of care").replace("", pd.NA)
    people["security_level"] = column_text(f, "current security level").replace("", pd.NA)
    people["classification_score"] = parse_numbers(column_text(f, "current classification score"))[
        0
    ]
    people["classification_score_5y_ago"] = parse_numbers(
        column_text(f, "classification score 5 years ago")
    )[0]
    return people, checks


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


def _merge_dsa_people(public: pd.DataFrame, dsa: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Add DSA-only columns to public-release people and recompute ages from birth dates."""
    extra = dsa.set_index("cdcno")[DSA_PERSON_COLUMNS]
    out = public.drop(columns=DSA_PERSON_COLUMNS).join(extra, on="cdcno")
    birth = out["birth_date"]
    age_birth = ((as_of - birth).dt.days / 365.25).round(2)
    has = birth.notna()
    out.loc[has, "age"] = age_birth[has]
    out.loc[has, "age_source"] = "birth_date"
    offense_day = out["offense_begin_date"].fillna(out["offense_end_date"])
    at_offense = ((offense_day - birth).dt.days / 365.25).round(2)
    has_off = at_offense.notna()
    out.loc[has_off, "age_at_offense"] = at_offense[has_off]
    out.loc[has_off, "age_at_offense_source"] = "birth_date"
    out.loc[has_off, "juvenile_at_offense"] = at_offense[has_off] < 18
    return out[public.columns]


# --------------------------------------------------------------------------------------------------
# Commitments → offenses + enhancements
# --------------------------------------------------------------------------------------------------


def _commitments(
    table: RawTable, role: str, people_ids: pd.Index, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame, RowChecks]:
    f = table.frame
    checks = RowChecks(table)
    cdcno = column_text(f, "cdcno")
    checks.flag(
        ~isin(cdcno, people_ids),
        "cdcno",
        "cdcno not among the kept people in demographics",
    )
    county = _counties(f, checks, "sentencing county")
    parsed = _offense_codes(f, checks, "offense")
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
    begin = _dates(f, checks, "offense begin date", as_of)
    end = _dates(f, checks, "offense end date", as_of)
    checks.flag(
        (begin > end).fillna(False).to_numpy(),
        "offense end date",
        "offense end date before begin date",
    )
    release = (
        _dates(f, checks, "release date", as_of, future_ok=True)
        if role == "prior"
        else pd.Series(pd.NaT, index=f.index)
    )

    # Enhancements: off_enh{i} / off_enh_desc{i}, any number of pairs.
    enh_parts = []
    i = 1
    while f"off_enh{i}" in f:
        code = column_text(f, f"off_enh{i}")
        present = code != ""
        if present.any():
            parsed_enh = parse_offense_codes(code.where(present))
            checks.flag(
                (present & parsed_enh["offense_key"].isna()).to_numpy(),
                f"off_enh{i}",
                "unreadable enhancement code",
            )
            part = parsed_enh[present].copy()
            part.insert(0, "position", i)
            part.insert(0, "row", np.flatnonzero(present.to_numpy()))
            part["enhancement_raw"] = code[present]
            part["description"] = column_text(f, f"off_enh_desc{i}")[present]
            enh_parts.append(part)
        i += 1

    offenses = pd.DataFrame(
        {
            "cdcno": cdcno,
            "role": role,
            "source_row": table.rows,
            "county": county["county"].astype("string"),
            "county_fips": county["fips"].astype("string"),
            "case_number": column_text(f, "case number"),
            "offense_raw": column_text(f, "offense"),
            **{
                c: parsed[c]
                for c in ["code", "section", "subdivision", "degree", "attempt", "offense_key"]
            },
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
    enhancements = (
        pd.concat(enh_parts, ignore_index=True)
        if enh_parts
        else pd.DataFrame(
            columns=[
                "row",
                "position",
                "code",
                "section",
                "subdivision",
                "degree",
                "attempt",
                "offense_key",
                "enhancement_raw",
                "description",
            ]
        )
    )
    offenses["n_enhancements"] = (
        np.bincount(enhancements["row"].astype(int), minlength=len(f)) if len(enhancements) else 0
    )
    return offenses, enhancements, checks


# --------------------------------------------------------------------------------------------------
# DSA extras and the decision log
# --------------------------------------------------------------------------------------------------


def _extra(
    table: RawTable, kind: str, people_ids: pd.Index, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, RowChecks]:
    f = table.frame
    checks = RowChecks(table)
    if kind == "review_decisions":
        return check_decisions(table, checks, as_of), checks
    cdcno = column_text(f, "cdcno")
    checks.flag(
        ~isin(cdcno, people_ids),
        "cdcno",
        "cdcno not among the kept people in demographics",
    )
    if kind == "rules_violations":
        when = _dates(f, checks, "rule violation date", as_of)
        division = column_text(f, "division").str.upper()
        checks.flag(
            ~isin(division, ["A1", "A2", "B", "C", "D", "E", "F"]),
            "division",
            "unknown division (A1, A2, B-F)",
        )
        loss, err = parse_numbers(column_text(f, "credit loss (if applicable)"))
        checks.flag_errors(err, "credit loss (if applicable)")
        out = pd.DataFrame(
            {
                "cdcno": cdcno,
                "violation_date": when,
                "division": division,
                "rule_violation": column_text(f, "rule violation"),
                "credit_loss_days": loss.fillna(0.0),
                "stg_nexus": _yes_no(column_text(f, "stg nexus")),
            }
        )
        return out, checks
    if kind == "mitigating_factors":
        cols = [normalise_header(c) for c in schema.MITIGATING_FACTORS[1:]]
        out = pd.DataFrame({"cdcno": cdcno})
        for col in cols:
            value, err = parse_numbers(column_text(f, col))
            checks.flag_errors(err, col)
            checks.flag(
                (value > 1).fillna(False).to_numpy(),
                col,
                "indicator above 1 (expected 0, 1 or blank)",
            )
            out[col.replace(" ", "_")] = value
        return out, checks
    prefix, reason_col = {
        "education_merit_credits": ("emc", "emc_creditreason"),
        "milestone_credits": ("mcc", "milestonecredittype"),
        "rehabilitative_credits": ("rac", "rac_creditreason"),
    }[kind]
    days, err = parse_numbers(column_text(f, f"{prefix}_creditdays"))
    checks.flag_errors(err, f"{prefix}_creditdays")
    when = _dates(f, checks, f"{prefix}_effectivedate", as_of)
    out = pd.DataFrame(
        {
            "cdcno": cdcno,
            "credit_type": kind.removesuffix("_credits"),
            "credit_days": days,
            "reason": column_text(f, reason_col),
            "effective_date": when,
        }
    )
    return out, checks


def check_decisions(table: RawTable, checks: RowChecks, as_of: pd.Timestamp) -> pd.DataFrame:
    f = table.frame
    cdcno = column_text(f, "cdcno")
    checks.flag((cdcno == "").to_numpy(), "cdcno", "blank cdcno")
    county = _counties(f, checks, "county")
    when = _dates(f, checks, "date_reviewed", as_of)
    checks.flag(
        when.isna().to_numpy() & (column_text(f, "date_reviewed") == "").to_numpy(),
        "date_reviewed",
        "blank date",
    )
    decision = column_text(f, "decision").str.lower()
    checks.flag(
        ~isin(decision, schema.DECISION_VALUES),
        "decision",
        f"unknown decision (expected one of: {', '.join(schema.DECISION_VALUES)})",
    )
    new_months, err = parse_numbers(column_text(f, "new_sentence_months"))
    checks.flag_errors(err, "new_sentence_months")
    return pd.DataFrame(
        {
            "case_number": column_text(f, "case_number"),
            "cdcno": cdcno,
            "county": county["county"].astype("string"),
            "date_reviewed": when,
            "decision": decision,
            "new_sentence_months": new_months,
            "reason_codes": column_text(f, "reason_codes"),
            "reason_text": column_text(f, "reason_text"),
            "reviewer_role": column_text(f, "reviewer_role"),
        }
    )


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


def ingest(
    data_dir: Path,
    as_of: date | str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
) -> IngestResult:
    """Read every recognised file in ``data_dir`` and return typed tables, quarantine and manifest."""
    as_of_ts = pd.Timestamp(as_of)
    found = discover_files(Path(data_dir))
    inputs: list[dict] = []
    problems: list[pd.DataFrame] = []

    def record(kind: str, table: RawTable, checks: RowChecks, variant: str | None = None) -> None:
        inputs.append(
            {
                "file": str(table.path),
                "kind": kind,
                "variant": variant,
                "sheet": table.sheet,
                "sha256": file_sha256(table.path),
                **checks.counts(),
            }
        )
        problems.append(checks.problems())

    # Demographics: the public release is the base; a DSA extract adds person-level columns.
    demo_tables = [
        read_raw_table(
            p,
            required=FILE_KINDS["demographics"][1],
            kind="demographics",
            encoding=encoding,
            sheet=sheet,
        )
        for p in found["demographics"]
    ]
    variants = [_variant(list(t.frame.columns)) for t in demo_tables]
    order = sorted(range(len(demo_tables)), key=lambda i: variants[i] == "dsa")
    base_i = order[0]
    people, checks = _people(demo_tables[base_i], as_of_ts)
    if people.empty or len(demo_tables[base_i].frame) == 0:
        raise InputError("has a header but no data rows", file=demo_tables[base_i].name)
    people = people.loc[~checks.bad].reset_index(drop=True)
    record("demographics", demo_tables[base_i], checks, variants[base_i])
    if len(order) == 2:
        dsa_i = order[1]
        if variants[dsa_i] != "dsa":
            raise InputError(
                "two public demographics files; keep one (a second file must be the DSA extract)",
                file=demo_tables[dsa_i].name,
            )
        dsa_people, dsa_checks = _people(demo_tables[dsa_i], as_of_ts)
        dsa_checks.flag(
            ~isin(dsa_people["cdcno"], people["cdcno"]),
            "cdcno",
            "cdcno not among the kept people of the public release",
        )
        dsa_people = dsa_people.loc[~dsa_checks.bad]
        people = _merge_dsa_people(people, dsa_people, as_of_ts)
        record("demographics", demo_tables[dsa_i], dsa_checks, "dsa")
    ids = pd.Index(people["cdcno"])

    offense_parts, enhancement_parts = [], []
    for kind, role in (("current_commitments", "current"), ("prior_commitments", "prior")):
        for path in found.get(kind, []):
            table = read_raw_table(
                path,
                required=FILE_KINDS[kind][1],
                kind=kind.replace("_", " "),
                encoding=encoding,
                sheet=sheet,
            )
            offenses, enhancements, checks = _commitments(table, role, ids, as_of_ts)
            keep = ~checks.bad
            offense_parts.append(offenses.loc[keep])
            enh = (
                enhancements[keep[enhancements["row"].to_numpy().astype(int)]]
                if len(enhancements)
                else enhancements
            )
            enh = (
                enh.assign(
                    cdcno=offenses["cdcno"].to_numpy()[enh["row"].to_numpy().astype(int)],
                    role=role,
                    source_row=table.rows[enh["row"].to_numpy().astype(int)],
                )
                if len(enh)
                else enh
            )
            enhancement_parts.append(enh)
            record(kind, table, checks)
    offenses = pd.concat(offense_parts, ignore_index=True) if offense_parts else pd.DataFrame()
    offenses.insert(0, "offense_id", np.arange(len(offenses), dtype=np.int64))
    # Attach offense_id to enhancements through (role, source_row).
    enhancements = (
        pd.concat([e for e in enhancement_parts if len(e)], ignore_index=True)
        if any(len(e) for e in enhancement_parts)
        else pd.DataFrame(
            columns=[
                "cdcno",
                "role",
                "source_row",
                "position",
                "code",
                "section",
                "subdivision",
                "degree",
                "attempt",
                "offense_key",
                "enhancement_raw",
                "description",
            ]
        )
    )
    if len(enhancements):
        key = offenses.set_index(["role", "source_row"])["offense_id"]
        enhancements = enhancements.join(key, on=["role", "source_row"])
        enhancements = enhancements[
            [
                "offense_id",
                "cdcno",
                "role",
                "position",
                "enhancement_raw",
                "code",
                "section",
                "subdivision",
                "degree",
                "attempt",
                "offense_key",
                "description",
            ]
        ].reset_index(drop=True)

    tables: dict[str, pd.DataFrame] = {
        "people": people,
        "offenses": offenses,
        "enhancements": enhancements,
    }
    credit_parts = []
    for kind in (
        "rules_violations",
        "education_merit_credits",
        "milestone_credits",
        "rehabilitative_credits",
        "mitigating_factors",
        "review_decisions",
    ):
        for path in found.get(kind, []):
            table = read_raw_table(
                path,
                required=FILE_KINDS[kind][1],
                kind=kind.replace("_", " "),
                encoding=encoding,
                sheet=sheet,
            )
            out, checks = _extra(table, kind, ids, as_of_ts)
            out = out.loc[~checks.bad].reset_index(drop=True)
            record(kind, table, checks)
            if kind == "rules_violations":
                tables["violations"] = out
            elif kind == "mitigating_factors":
                tables["factors"] = out
            elif kind == "review_decisions":
                out["in_population"] = isin(out["cdcno"], ids)
                tables["decisions"] = out
            else:
                credit_parts.append(out)
    if credit_parts:
        tables["credits"] = pd.concat(credit_parts, ignore_index=True)

    quarantine = (
        pd.concat([p for p in problems if not p.empty], ignore_index=True)
        if any(not p.empty for p in problems)
        else empty_problems()
    )
    manifest = IngestManifest(
        as_of=as_of_ts.date(),
        inputs=tuple(InputFile(**i) for i in inputs),
        tables={name: int(len(t)) for name, t in tables.items()},
        quarantined_rows=int(sum(i["quarantined"] for i in inputs)),
        quarantine_reasons={
            str(k): int(v) for k, v in quarantine["reason"].value_counts().sort_index().items()
        },
        versions=library_versions(),
    )
    return IngestResult(tables, quarantine, manifest)


def write_processed(result: IngestResult, out_dir: Path) -> Path:
    """Write the tables as Parquet plus ``quarantine.csv`` and ``manifest.json``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in result.tables.items():
        frame.to_parquet(out_dir / f"{name}.parquet", index=False)
    for name in PROCESSED_TABLES:  # drop stale optional tables from an earlier run
        if name not in result.tables and (out_dir / f"{name}.parquet").exists():
            (out_dir / f"{name}.parquet").unlink()
    result.quarantine.to_csv(out_dir / "quarantine.csv", index=False)
    write_manifest(result.manifest, out_dir)
    return out_dir


def load_processed(path: Path) -> dict[str, pd.DataFrame]:
    """Read the Parquet tables written by :func:`write_processed`."""
    path = Path(path)
    if not (path / "people.parquet").exists():
        raise InputError("has no people.parquet: run `secondlook ingest` first", file=str(path))
    return {
        p.stem: pd.read_parquet(p)
        for p in sorted(path.glob("*.parquet"))
        if p.stem in PROCESSED_TABLES
    }


@dataclass(frozen=True)
class Dataset:
    """The processed tables with the as-of date they are measured at and their manifest."""

    tables: dict[str, pd.DataFrame]
    as_of: date
    manifest: IngestManifest


def is_processed(path: Path) -> bool:
    """True for a folder written by ``secondlook ingest`` (Parquet tables and a manifest)."""
    return (Path(path) / "people.parquet").exists()


def load_dataset(path: Path, as_of: date | str | None = None) -> Dataset:
    """An ingested folder (Parquet + manifest) or, ingesting on the fly, a folder of raw CDCR files.

    For an ingested folder the as-of date is the manifest's; ``as_of``, when given, must be the
    same date (a different one is a one-line error: the tables' time served was measured at the
    ingest date).  Raw files need ``as_of``.
    """
    path = Path(path)
    if is_processed(path):
        manifest = read_manifest(path)
        day = check_as_of(manifest.as_of, as_of, path)
        return Dataset(load_processed(path), day, manifest)
    day = as_of_date(as_of)
    if day is None:
        raise InputError("raw files need an as-of date (--as-of YYYY-MM-DD)", file=str(path))
    result = ingest(path, day)
    return Dataset(result.tables, day, result.manifest)
