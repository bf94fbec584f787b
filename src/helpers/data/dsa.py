"""The data-sharing (DSA) extras -> the ``violations``, ``credits`` and ``factors`` tables.

A county DSA extract may carry, beside its demographics, the rules violation reports, three kinds of
credits (education merit, milestone completion, rehabilitative achievement) and the county's
mitigating-factor indicators.  Every row must belong to a person kept in demographics.
"""

from __future__ import annotations

import pandas as pd

from helpers.data import schema
from helpers.data.checks import (
    RowChecks,
    column_text,
    date_column,
    isin,
    known_people,
    number_column,
    yes_no,
)
from helpers.data.tables import RawTable, normalise_header

DIVISIONS = ("A1", "A2", "B", "C", "D", "E", "F")
#: Credit file kind -> (column prefix, reason column).
CREDIT_KINDS: dict[str, tuple[str, str]] = {
    "education_merit_credits": ("emc", "emc_creditreason"),
    "milestone_credits": ("mcc", "milestonecredittype"),
    "rehabilitative_credits": ("rac", "rac_creditreason"),
}
#: DSA file kind -> processed table it feeds.
DSA_TABLES: dict[str, str] = {
    "rules_violations": "violations",
    **dict.fromkeys(CREDIT_KINDS, "credits"),
    "mitigating_factors": "factors",
}


def _violations(f: pd.DataFrame, checks: RowChecks, cdcno: pd.Series) -> pd.DataFrame:
    """Rules violation reports: date, division (A1 most serious ... F), credit loss, STG nexus."""
    when = date_column(f, checks, "rule violation date")
    division = column_text(f, "division").str.upper()
    checks.flag(~isin(division, DIVISIONS), "division", "unknown division (A1, A2, B-F)")
    loss = number_column(f, checks, "credit loss (if applicable)")
    return pd.DataFrame(
        {
            "cdcno": cdcno,
            "violation_date": when,
            "division": division,
            "rule_violation": column_text(f, "rule violation"),
            "credit_loss_days": loss.fillna(0.0),
            "stg_nexus": yes_no(column_text(f, "stg nexus")),
        }
    )


def _factors(f: pd.DataFrame, checks: RowChecks, cdcno: pd.Series) -> pd.DataFrame:
    """Mitigating-factor indicators: 0, 1 or blank (unknown) per column."""
    out = pd.DataFrame({"cdcno": cdcno})
    for col in [normalise_header(c) for c in schema.MITIGATING_FACTORS[1:]]:
        value = number_column(f, checks, col)
        checks.flag(
            (value > 1).fillna(False).to_numpy(),
            col,
            "indicator above 1 (expected 0, 1 or blank)",
        )
        out[col.replace(" ", "_")] = value
    return out


def _credits(f: pd.DataFrame, checks: RowChecks, cdcno: pd.Series, kind: str) -> pd.DataFrame:
    """Credits of one kind: days, reason and effective date."""
    prefix, reason_col = CREDIT_KINDS[kind]
    days = number_column(f, checks, f"{prefix}_creditdays")
    when = date_column(f, checks, f"{prefix}_effectivedate")
    return pd.DataFrame(
        {
            "cdcno": cdcno,
            "credit_type": kind.removesuffix("_credits"),
            "credit_days": days,
            "reason": column_text(f, reason_col),
            "effective_date": when,
        }
    )


def dsa_rows(table: RawTable, kind: str, people_ids: pd.Index) -> tuple[pd.DataFrame, RowChecks]:
    """One DSA extra file (a kind of :data:`DSA_TABLES`) as table rows (flagged ones too) and its
    checks."""
    f = table.frame
    checks = RowChecks(table)
    cdcno = known_people(f, checks, people_ids)
    if kind == "rules_violations":
        return _violations(f, checks, cdcno), checks
    if kind == "mitigating_factors":
        return _factors(f, checks, cdcno), checks
    return _credits(f, checks, cdcno, kind), checks
