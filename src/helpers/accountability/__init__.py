"""Stage 5, accountability: review-mandate compliance, projected and realised savings, and the
annual county report with its press release.
"""

from __future__ import annotations

from helpers.accountability.annual_report import (
    STATEWIDE,
    AnnualReport,
    build_report,
    demographic_summary,
    render_html,
    render_markdown,
    write_report,
)
from helpers.accountability.core import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    SETTINGS_FILE,
    STATEWIDE_COUNTS,
    FeedbackReport,
    Savings,
    Settings,
    compliance,
    compliance_statement,
    feedback_labels,
    feedback_report,
    in_year,
    load_settings,
    mandate_text,
    money,
    projected_years,
    ranking_change,
    realised_years,
    reviewed_outliers,
    savings,
    statewide_table,
)

__all__ = [
    "AnnualReport",
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "FeedbackReport",
    "SETTINGS_FILE",
    "STATEWIDE",
    "STATEWIDE_COUNTS",
    "Savings",
    "Settings",
    "build_report",
    "compliance",
    "compliance_statement",
    "demographic_summary",
    "feedback_labels",
    "feedback_report",
    "in_year",
    "load_settings",
    "mandate_text",
    "money",
    "projected_years",
    "ranking_change",
    "realised_years",
    "render_html",
    "render_markdown",
    "reviewed_outliers",
    "savings",
    "statewide_table",
    "write_report",
]
