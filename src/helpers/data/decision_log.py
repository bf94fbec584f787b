"""The review-decision log an office fills in (CSV or XLSX), read with the same checks as ``ingest``.

Format (one row per review; the header must hold these columns, any order, extra columns ignored):

``case_number``          superior-court case number of the controlling case (required: the annual press
                         release names cases by it)
``cdcno``                CDCR number of the person (required; never published)
``county``               the reviewing office's county (any spelling ``counties.csv`` knows)
``date_reviewed``        date of the decision (YYYY-MM-DD or M/D/YYYY; not in the future)
``decision``             ``not referred`` | ``referred`` | ``resentenced`` | ``denied``
``new_sentence_months``  the new aggregate sentence in months; required for ``resentenced`` and only there
``reason_codes``         one or more codes of ``data/reference/decision_reason_codes.csv``, ``;``-separated
``reason_text``          free text (required with the code ``OTHER``; never published in public mode)
``reviewer_role``        e.g. Deputy DA, Head Deputy, Resentencing Unit (optional)

Rows whose first cell starts with ``#`` are comments (the template's two ``# EXAMPLE`` rows) and are
skipped.  Every other row is kept or quarantined with its file, row, column, value and reason, so
``kept + quarantined + comments == rows read``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path

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
    number_column,
)
from helpers.data.reference import data_dir
from helpers.data.tables import RawTable, empty_problems, read_raw_table
from helpers.errors import InputError
from helpers.spreadsheets import CsvWriter, write_xlsx

COLUMNS: list[str] = list(schema.REVIEW_DECISIONS)
REASON_CODES_FILE = "decision_reason_codes.csv"
TEMPLATE_NAME = "decision_log_template"
COMMENT = "#"
#: The template's example rows (written commented out, marked EXAMPLE).
EXAMPLE_ROWS: list[dict[str, str]] = [
    {
        "case_number": "BA000001",
        "cdcno": "EXAMPLE1",
        "county": "Los Angeles",
        "date_reviewed": "2025-03-14",
        "decision": "resentenced",
        "new_sentence_months": "216",
        "reason_codes": "AGE;TIME_SERVED;REHAB",
        "reason_text": "EXAMPLE: age 62, 24 years served, college degree in custody",
        "reviewer_role": "Resentencing Unit",
    },
    {
        "case_number": "BA000002",
        "cdcno": "EXAMPLE2",
        "county": "Los Angeles",
        "date_reviewed": "2025-06-02",
        "decision": "not referred",
        "new_sentence_months": "",
        "reason_codes": "PUBLIC_SAFETY;RULES_VIOLATIONS",
        "reason_text": "EXAMPLE: two serious rules violations in the last five years",
        "reviewer_role": "Deputy DA",
    },
]
_ALIASES = {
    "case number": "case_number",
    "case no": "case_number",
    "date reviewed": "date_reviewed",
    "review date": "date_reviewed",
    "new sentence months": "new_sentence_months",
    "new sentence (months)": "new_sentence_months",
    "reason codes": "reason_codes",
    "reasons": "reason_codes",
    "reason text": "reason_text",
    "reviewer role": "reviewer_role",
}


def reason_codes() -> pd.DataFrame:
    """The documented reason codes: ``code, meaning, source`` (``data/reference``)."""
    path = data_dir() / REASON_CODES_FILE
    if not path.is_file():
        raise InputError("reason-code list not found", file=str(path))
    table = pd.read_csv(path, dtype="string", keep_default_na=False)
    table["code"] = table["code"].str.strip().str.upper()
    return table


def split_codes(values: pd.Series) -> pd.Series:
    """``"age; rehab"`` → ``["AGE", "REHAB"]`` (``;``, ``,`` or ``|`` separate codes)."""
    text = values.astype("string").fillna("").str.upper().tolist()
    parts = [[c for c in (p.strip() for p in re.split(r"[;,|]", s)) if c] for s in text]
    return pd.Series(parts, index=values.index, dtype=object)


def read_log_table(path: Path, sheet: str | None = None, encoding: str | None = None) -> RawTable:
    """The raw log with canonical column names (spellings such as ``Case Number`` or ``Review
    Date`` accepted), or an InputError naming the missing column."""
    try:
        return read_raw_table(
            path, required=COLUMNS, kind="decision-log", encoding=encoding, sheet=sheet
        )
    except InputError as exc:
        if not (exc.reason.startswith("missing") or exc.reason.startswith("no sheet has")):
            raise
    table = read_raw_table(path, required=[], kind="decision-log", encoding=encoding, sheet=sheet)
    names = [_ALIASES.get(c, c.replace(" ", "_")) for c in table.frame.columns]
    table.frame.columns = names
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        close = difflib.get_close_matches(missing[0], [n for n in names if n not in COLUMNS], 1)
        hint = f" (found '{close[0]}': rename it)" if close else ""
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise InputError(
            f"missing decision-log column{hint}{more}; the header must hold: {', '.join(COLUMNS)}",
            file=table.name,
            row=1,
            column=missing[0],
        )
    return table


def check_decisions(table: RawTable, checks: RowChecks) -> pd.DataFrame:
    """The checks every decision row gets, in ``ingest`` and :func:`read_decision_log` alike.

    ``cdcno`` and ``case_number`` present and shaped like identifiers, county known,
    ``date_reviewed`` a date not in the future, ``decision`` one of
    :data:`helpers.data.schema.DECISION_VALUES`, ``new_sentence_months`` a number given for
    ``resentenced`` and only there, reason codes documented (``OTHER`` with a text), no duplicate
    and no conflicting decision.  Returns the rows typed as the ingested ``decisions`` table
    (flagged rows too; reason codes upper-case and ``;``-joined).
    """
    f = table.frame
    cdcno = identifier_column(f, checks, "cdcno", "cdcno")
    checks.flag((cdcno == "").to_numpy(), "cdcno", "blank cdcno")
    case_number = identifier_column(f, checks, "case_number", "case number")
    checks.flag((case_number == "").to_numpy(), "case_number", "blank case number")
    county = county_column(f, checks, "county")
    when = date_column(f, checks, "date_reviewed")
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
    new_months = number_column(f, checks, "new_sentence_months")
    out = pd.DataFrame(
        {
            "case_number": case_number,
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
    out["reason_codes"] = _check_reason_codes(f, checks, out)
    _check_new_sentence(f, checks, out)
    _check_duplicates(table, checks)
    return out


COMMENT_REASON = "comment row (first cell starts with #, as the template's EXAMPLE rows): skipped"


def _without_comments(raw: RawTable) -> tuple[RawTable, pd.DataFrame]:
    """The table without its comment rows (first cell starting with ``#``) and those rows as
    problems (``file, row, column, value, reason``)."""
    first = raw.frame[COLUMNS[0]].astype("string").fillna("").str.strip()
    comment = first.str.startswith(COMMENT).to_numpy(dtype=bool)
    problems = raw.problems
    bad_comment = (
        problems["value"].astype("string").fillna("").str.strip().str.startswith(COMMENT)
        if len(problems)
        else pd.Series([], dtype=bool)
    ).to_numpy(dtype=bool)
    comments = pd.DataFrame(
        {
            "file": raw.name,
            "row": np.concatenate([raw.rows[comment], problems["row"].to_numpy()[bad_comment]]),
            "column": COLUMNS[0],
            "value": pd.concat(
                [first[comment], problems["value"].astype("string")[bad_comment]]
            ).to_numpy(),
            "reason": COMMENT_REASON,
        }
    ).sort_values("row", kind="stable")
    table = replace(
        raw,
        frame=raw.frame.loc[~comment].reset_index(drop=True),
        rows=raw.rows[~comment],
        problems=problems.loc[~bad_comment] if len(problems) else empty_problems(),
        rows_in=raw.rows_in - len(comments),
    )
    return table, comments.reset_index(drop=True)


def _check_reason_codes(f: pd.DataFrame, checks: RowChecks, out: pd.DataFrame) -> pd.Series:
    """At least one reason code, each in the documented list; OTHER needs a text.

    Returns the codes upper-case and ``;``-joined."""
    known = set(reason_codes()["code"])
    codes = split_codes(column_text(f, "reason_codes"))
    n_codes = np.array([len(cs) for cs in codes], dtype=int)
    checks.flag(
        n_codes == 0,
        "reason_codes",
        "no reason code (at least one code of decision_reason_codes.csv is needed)",
    )
    first_unknown = pd.Series(
        [next((c for c in cs if c not in known), "") for cs in codes], index=f.index, dtype="string"
    )
    checks.flag(
        (first_unknown != "").to_numpy(),
        "reason_codes",
        "unknown reason code '"
        + first_unknown
        + "' (see data/reference/decision_reason_codes.csv)",
    )
    other = np.array(["OTHER" in cs for cs in codes], dtype=bool)
    checks.flag(
        other & (out["reason_text"] == "").to_numpy(),
        "reason_text",
        "reason code OTHER needs a reason_text",
    )
    return pd.Series([";".join(cs) for cs in codes], index=out.index, dtype="string")


def _check_new_sentence(f: pd.DataFrame, checks: RowChecks, out: pd.DataFrame) -> None:
    """A new sentence is required for 'resentenced', and only there."""
    resentenced = (out["decision"] == "resentenced").to_numpy(dtype=bool)
    has_new = out["new_sentence_months"].notna().to_numpy()
    raw_new = column_text(f, "new_sentence_months")
    checks.flag(
        resentenced & ~has_new & (raw_new == "").to_numpy(),
        "new_sentence_months",
        "a 'resentenced' decision needs new_sentence_months",
    )
    decided = isin(out["decision"], schema.DECISION_VALUES)
    checks.flag(
        has_new & decided & ~resentenced,
        "new_sentence_months",
        "new_sentence_months given but the decision is not 'resentenced'",
    )


def _check_duplicates(table: RawTable, checks: RowChecks) -> None:
    """An exact copy is quarantined (the first is kept); conflicting decisions on the same person
    and date quarantine every copy."""
    f = table.frame
    exact = f[COLUMNS].duplicated(keep="first").to_numpy()
    first_row = pd.Series(table.rows, index=f.index).groupby([f[c] for c in COLUMNS])
    checks.flag(
        exact,
        "cdcno",
        "duplicate of row " + first_row.transform("first").astype("string"),
    )
    same = f[["cdcno", "date_reviewed"]].assign(cdcno=column_text(f, "cdcno"))
    conflict = (
        same[~exact].duplicated(keep=False).reindex(f.index, fill_value=False)
    ).to_numpy() & (column_text(f, "cdcno") != "").to_numpy()
    checks.flag(
        conflict,
        "decision",
        "conflicting decisions for the same cdcno and date_reviewed",
    )


def read_decision_log(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and validate a decision log; return ``(decisions, quarantine)``.

    ``decisions`` has the columns of :data:`helpers.data.schema.REVIEW_DECISIONS` (typed as in the
    ingested ``decisions`` table, codes upper-case and ``;``-joined, county canonical) plus
    ``source_row``.  ``quarantine`` has ``file, row, column, value, reason``.  Row accounting is in
    ``decisions.attrs``: ``rows_in``, ``comments``, ``kept``, ``quarantined``.
    File-level problems (missing file or column, empty or undecodable file) raise :class:`InputError`.
    """
    raw = read_log_table(Path(path), sheet, encoding)
    table, comments = _without_comments(raw)
    checks = RowChecks(table)
    out = check_decisions(table, checks)

    out.insert(len(out.columns), "source_row", table.rows)
    kept = out.loc[~checks.bad].reset_index(drop=True)
    quarantine = checks.problems().sort_values(["row", "column"], kind="stable")
    kept.attrs.update(
        rows_in=int(raw.rows_in),
        comments=int(len(comments)),
        kept=int(len(kept)),
        quarantined=int(checks.counts()["quarantined"]),
    )
    return kept, quarantine.reset_index(drop=True)


def default_template_path() -> Path:
    """``data/reference/decision_log_template.csv``."""
    return data_dir() / f"{TEMPLATE_NAME}.csv"


def _template_rows() -> list[list[str]]:
    rows = []
    for example in EXAMPLE_ROWS:
        values = [example[c] for c in COLUMNS]
        values[0] = f"{COMMENT} EXAMPLE {values[0]}"
        rows.append(values)
    return rows


def write_template(path: str | Path | None = None) -> list[Path]:
    """Write the empty log as CSV and XLSX (``path`` with each suffix): the header plus two
    commented-out rows marked EXAMPLE; the workbook adds sheets with the reason codes and
    instructions.  Returns the paths written."""
    path = Path(path) if path is not None else default_template_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_path = path.with_suffix(".csv")
    xlsx_path = path.with_suffix(".xlsx")
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = CsvWriter(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(_template_rows())
    codes = reason_codes()
    instructions = pd.DataFrame(
        {
            "column": COLUMNS,
            "what to enter": [
                "Superior-court case number of the controlling case (required)",
                "CDCR number (required; never published)",
                "Your county (e.g. Los Angeles)",
                "Date of the decision, YYYY-MM-DD (not in the future)",
                "; ".join(schema.DECISION_VALUES),
                "New aggregate sentence in months: only for 'resentenced', and required there",
                "One or more codes from the 'reason codes' sheet, separated by ';'",
                "Free text (required with OTHER; kept inside the office)",
                "Deputy DA, Head Deputy, Resentencing Unit, ...",
            ],
        }
    )
    note = pd.DataFrame(
        {
            "column": [
                "",
                "Rows whose first cell starts with # are comments and are skipped: "
                "delete the two EXAMPLE rows or keep the #.",
            ],
            "what to enter": ["", ""],
        }
    )
    sheets = {
        "decisions": pd.DataFrame(_template_rows(), columns=COLUMNS),
        "reason codes": codes,
        "instructions": pd.concat([instructions, note], ignore_index=True),
    }
    write_xlsx(sheets, xlsx_path, width=20)
    return [csv_path, xlsx_path]


def decision_rows(table: RawTable, people_ids: pd.Index) -> tuple[pd.DataFrame, RowChecks]:
    """The decision log of an ingested folder, with the checks of :func:`read_decision_log`:
    :func:`check_decisions` rows (flagged ones too) with ``in_population`` (the person is among the
    kept people), and the file's checks, where comment rows are quarantined as skipped so that the
    manifest's ``kept + quarantined`` is every row read."""
    rows, comments = _without_comments(table)
    checks = RowChecks(rows)
    out = check_decisions(rows, checks)
    out["in_population"] = isin(out["cdcno"], people_ids)
    checks.parts.append(comments)
    checks.table = replace(rows, rows_in=table.rows_in)
    return out, checks
