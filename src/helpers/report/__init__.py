"""Stage 7, report: what the county notebooks show (tables, figures, ranked lists), in public or
DA mode, read from the shared stage's outputs.

Notebooks only call these functions and display what they return; nothing here prints.  Public
mode applies :mod:`helpers.privacy` (pseudonymous IDs, small cells suppressed); DA mode keeps
identifiers.
"""

from __future__ import annotations

from helpers.report.audit import selection_audit_table
from helpers.report.cleaning import (
    distribution,
    headline,
    level_coverage_table,
    quarantine_summary,
    time_served_figure,
    unscored_codes_table,
)
from helpers.report.context import (
    MAX_TABLE_ROWS,
    CountyContext,
    load_context,
    provenance,
    setup_display,
)
from helpers.report.model import (
    agreement_sheets,
    model_agreement,
    model_dir,
    model_exclusions,
    model_list_differences,
    model_plan,
    model_rank_correlation,
    model_ranked_list,
    model_setting,
    model_table,
)
from helpers.report.screening import (
    LIST_COLUMNS,
    eligibility_table,
    near_miss_list,
    near_miss_table,
    outlier_list,
    ranked_list,
    rule_table,
    score_figure,
    sensitivity_table,
)
from helpers.report.summary import (
    audit_headline,
    export_candidates,
    projected_savings,
)

__all__ = [
    "CountyContext",
    "LIST_COLUMNS",
    "MAX_TABLE_ROWS",
    "agreement_sheets",
    "audit_headline",
    "distribution",
    "eligibility_table",
    "export_candidates",
    "headline",
    "level_coverage_table",
    "load_context",
    "model_agreement",
    "model_dir",
    "model_exclusions",
    "model_list_differences",
    "model_plan",
    "model_rank_correlation",
    "model_ranked_list",
    "model_setting",
    "model_table",
    "near_miss_list",
    "near_miss_table",
    "outlier_list",
    "projected_savings",
    "provenance",
    "quarantine_summary",
    "ranked_list",
    "rule_table",
    "score_figure",
    "selection_audit_table",
    "sensitivity_table",
    "setup_display",
    "time_served_figure",
    "unscored_codes_table",
]
