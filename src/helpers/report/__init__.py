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
    quarantine_summary,
    time_served_figure,
)
from helpers.report.context import (
    MAX_TABLE_ROWS,
    CountyContext,
    load_context,
    provenance,
    setup_display,
)
from helpers.report.model import (
    model_ranked_list,
    model_setting,
    model_table,
)
from helpers.report.screening import (
    LIST_COLUMNS,
    eligibility_table,
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
    "sensitivity_table",
    "setup_display",
    "time_served_figure",
]
