"""Stage 7, report: what the county notebooks show (tables, figures, ranked lists), in public or
DA mode, read from the shared stage's outputs.
"""

from __future__ import annotations

from helpers.report.core import (
    CountyContext,
    MAX_TABLE_ROWS,
    setup_display,
    load_context,
    provenance,
    headline,
    distribution,
    quarantine_summary,
    time_served_figure,
    eligibility_table,
    rule_table,
    LIST_COLUMNS,
    ranked_list,
    sensitivity_table,
    outlier_list,
    score_figure,
    selections,
    selection_audit_table,
    projected_savings,
    audit_headline,
    export_candidates,
    model_table,
    model_setting,
    model_ranked_list,
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
