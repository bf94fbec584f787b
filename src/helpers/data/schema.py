"""The project's data model: raw input headers (exact) and the typed tidy tables ingest writes.

Raw CDCR public files (CPRA release) come in a 2023 and a 2026 header variant; counties with a data-sharing
agreement (DSA) receive Title Case extracts.  ``ingest`` turns any of them into the processed tables below,
written as Parquet in the output folder:

``people``          one row per person (key ``cdcno``)
``offenses``        one row per offense count, ``role`` = ``current`` or ``prior``
``enhancements``    one row per enhancement of an offense count (``offense_id`` joins ``offenses``)
``violations``      DSA rules-violation reports (optional)
``credits``         DSA education / milestone / rehabilitative credits (optional)
``factors``         DSA mitigating-factor indicators (optional)
``decisions``       the office's review-decision history (optional)
plus ``quarantine.csv`` (file, row, column, value, reason) and ``manifest.json`` (hashes, counts, as-of).
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------------
# Raw headers, exactly as published.
# --------------------------------------------------------------------------------------------------

DEMOGRAPHICS_2026 = [
    "cdcno",
    "current age",
    "ethnicity",
    "controlling offense",
    "description",
    "offense begin date",
    "offense end date",
    "controlling case number",
    "controlling case sentencing county",
    "sentence type",
    "aggregate sentence in months",
    "offense category",
    "eprd mepd",
    "current location",
    "aggregate sentence in years",
    "time served in years",
    "expected release date",
    "estimated age at offense",
    "probable juvenile at offense",
]

DEMOGRAPHICS_2023 = [
    "cdcno",
    "ethnicity",
    "controlling offense",
    "description",
    "offense begin date",
    "offense end date",
    "controlling case number",
    "controlling case sentencing county",
    "sentence type",
    "aggregate sentence in months",
    "offense category",
    "eprd/mepd month and year",
    "current location",
]

DEMOGRAPHICS_DSA = [
    "CDCNo",
    "Offender's Name",
    "Birthday",
    "Ethnicity",
    "Gender",
    "Controlling Offense",
    "Description",
    "Offense Begin Date",
    "Offense End Date",
    "Controlling Case Number",
    "Controlling Case Sentencing County",
    "Sentence Type",
    "Aggregate Sentence in Months",
    "Offense Category",
    "EPRD/MEPD",
    "Current Location",
    "Current Classification Score",
    "Current Security Level",
    "Classification Score 5 Years Ago",
    "Sex Registrant",
    "Mental Health Level of Care",
    "CSRA",
    "DPPV Disability - Mobility",
    "DPPV Disability - Hearing",
    "DPPV Disability - Vision",
    "DPPV Disability - Speech",
]

N_ENHANCEMENTS_PUBLIC = 11


def enhancement_columns(n: int) -> list[str]:
    """``off_enh1, off_enh_desc1, …, off_enhN, off_enh_descN``."""
    cols: list[str] = []
    for i in range(1, n + 1):
        cols += [f"off_enh{i}", f"off_enh_desc{i}"]
    return cols


COMMITMENTS_BASE = [
    "cdcno",
    "sentencing county",
    "case number",
    "sentence from abstract of judgement",
    "offense",
    "offense description",
    "offense category",
    "in-prison",
    "offense begin date",
    "offense end date",
    "offense time with enhancement",
    "relationship",
]
CURRENT_COMMITMENTS = COMMITMENTS_BASE + enhancement_columns(N_ENHANCEMENTS_PUBLIC)
PRIOR_COMMITMENTS = COMMITMENTS_BASE + ["release date"] + enhancement_columns(N_ENHANCEMENTS_PUBLIC)

# DSA extras (sample files are CSV; XLSX with the same headers is accepted).
RULES_VIOLATIONS = [
    "CDCNo",
    "Rule Violation Date",
    "Division",
    "Rule Violation",
    "Credit Loss (If applicable)",
    "STG Nexus",
]
EDUCATION_MERIT_CREDITS = ["CDCNo", "EMC_CreditDays", "EMC_CreditReason", "EMC_EffectiveDate"]
MILESTONE_CREDITS = ["CDCNo", "MCC_CreditDays", "MilestoneCreditType", "MCC_EffectiveDate"]
REHABILITATIVE_CREDITS = ["CDCNo", "RAC_CreditDays", "RAC_CreditReason", "RAC_EffectiveDate"]
# Not a CDCR table: indicators a county gathers from its own files (defence mitigation packets,
# probation reports).  Values are 0/1, blank = unknown.
MITIGATING_FACTORS = [
    "CDCNo",
    "Childhood Trauma",
    "Abuse Victim",
    "Intimate Partner Violence Victim",
    "Trafficking Victim",
    "Serious Medical Condition",
]
# The office's review-decision log (documented in book/method/decision-log.md).
REVIEW_DECISIONS = [
    "case_number",
    "cdcno",
    "county",
    "date_reviewed",
    "decision",
    "new_sentence_months",
    "reason_codes",
    "reason_text",
    "reviewer_role",
]
DECISION_VALUES = ("not referred", "referred", "resentenced", "denied")

# --------------------------------------------------------------------------------------------------
# Vocabularies.
# --------------------------------------------------------------------------------------------------

SENTENCE_TYPES = (
    "DSL",
    "Second Striker",
    "Third Striker",
    "Life with Parole",
    "Life w/o Parole",
    "Condemned",
)
CDCR_OFFENSE_CATEGORIES = (
    "Crimes Against Persons",
    "Property Crimes",
    "Drug Crimes",
    "Other Crimes",
    "Case Enhancement",
)
RELATIONSHIPS = ("Initial", "Concurrent", "Consecutive", "Stayed")
LWOP_MONTHS = 10_000
CONDEMNED_MONTHS = (100_000, 1_000_000)
CONDEMNED_MONTHS_WRITTEN = 1_000_000
