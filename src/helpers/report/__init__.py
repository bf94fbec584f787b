"""Stage 7, report: what the county notebooks show (tables, figures, ranked lists), in public or
DA mode, read from the shared stage's outputs.
"""

from __future__ import annotations

from helpers.report.core import (
    LIST_COLUMNS,
    MAX_TABLE_ROWS,
    CountyContext,
    audit_headline,
    distribution,
    eligibility_table,
    export_candidates,
    headline,
    load_context,
    model_ranked_list,
    model_setting,
    model_table,
    outlier_list,
    projected_savings,
    provenance,
    quarantine_summary,
    ranked_list,
    rule_table,
    score_figure,
    selection_audit_table,
    selections,
    sensitivity_table,
    setup_display,
    time_served_figure,
)

__all__ = [
    "CountyContext",
    "LIST_COLUMNS",
    "MAX_TABLE_ROWS",
    "audit_headline",
    "distribution",
    "eligibility_table",
    "export_candidates",
    "headline",
    "load_context",
    "model_ranked_list",
    "model_setting",
    "model_table",
    "outlier_list",
    "projected_savings",
    "provenance",
    "quarantine_summary",
    "ranked_list",
    "rule_table",
    "score_figure",
    "selection_audit_table",
    "selections",
    "sensitivity_table",
    "setup_display",
    "time_served_figure",
]
