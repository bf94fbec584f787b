"""Stage 6, accountability: review-mandate compliance, projected and realised savings, and the
annual county report with its press release.

Modules: ``settings`` (the costs, county share and fallback mandate of
``configs/accountability.yaml``), ``compliance`` (did each office review the extreme outliers its
mandate asks?), ``savings`` (years of incarceration avoided and what they cost, per county and
statewide, and the statewide table for the map) and ``annual_report`` (the county's page and
printable press release).
"""

from __future__ import annotations

from helpers.accountability.annual_report import (
    GENERAL_MEANINGS,
    GENERALISED_REASONS,
    PRIVACY_NOTE,
    SAVINGS_HEADER,
    SCENARIO_HEADER,
    SUPPRESSED,
    SUPPRESSION_NOTE,
    AnnualReport,
    WrittenReport,
    build_report,
    demographic_summary,
    make_annual_report,
    render_html,
    render_markdown,
    write_report,
)
from helpers.accountability.compliance import (
    COMPLIANCE_COLUMNS,
    READINGS,
    ConfigLike,
    compliance,
    compliance_statement,
    in_year,
    mandate_text,
    reviewed_outliers,
)
from helpers.accountability.savings import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    NOT_COSTED_REASONS,
    PERSON_COLUMNS,
    SCENARIO_COLUMNS,
    STATEWIDE_COUNTS,
    STATEWIDE_ROW,
    Savings,
    money,
    present_value_years,
    projected_years,
    realised_years,
    savings,
    savings_scenarios,
    statewide_table,
)
from helpers.accountability.settings import (
    COST_BASES,
    MANDATE_KEYS,
    SCENARIO_KEYS,
    SETTING_KEYS,
    SETTINGS_FILE,
    Scenario,
    Settings,
    load_settings,
)

__all__ = [
    "AnnualReport",
    "COMPLIANCE_COLUMNS",
    "COST_BASES",
    "ConfigLike",
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "GENERALISED_REASONS",
    "GENERAL_MEANINGS",
    "MANDATE_KEYS",
    "NOT_COSTED_REASONS",
    "PERSON_COLUMNS",
    "PRIVACY_NOTE",
    "READINGS",
    "SAVINGS_HEADER",
    "SCENARIO_COLUMNS",
    "SCENARIO_HEADER",
    "SCENARIO_KEYS",
    "SETTINGS_FILE",
    "SETTING_KEYS",
    "STATEWIDE_COUNTS",
    "STATEWIDE_ROW",
    "SUPPRESSED",
    "SUPPRESSION_NOTE",
    "Savings",
    "Scenario",
    "Settings",
    "WrittenReport",
    "build_report",
    "compliance",
    "compliance_statement",
    "demographic_summary",
    "in_year",
    "load_settings",
    "make_annual_report",
    "mandate_text",
    "money",
    "present_value_years",
    "projected_years",
    "realised_years",
    "render_html",
    "render_markdown",
    "reviewed_outliers",
    "savings",
    "savings_scenarios",
    "statewide_table",
    "write_report",
]
