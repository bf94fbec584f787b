"""Stage 4, audit: who is selected versus who is in prison (selection and assistive audits),
sentence disparities, the RJA indicator, and the audit's tables and figures.

Modules by what they measure: ``groups`` (the project's one race-group and age-band scheme and the
audit dimensions), ``stats`` (intervals, ratios and flags), ``protect`` (public-mode suppression of
group tables), ``selection`` (the selections and the selection audit), ``assistive`` (who among the
eligible a selection misses), ``sentences`` (sentence disparity and its regression), ``rja`` (the
Racial Justice Act indicator), ``figures`` and ``run`` (one audit's files and ``audit.json``).
The method's settings are in ``constants``.
"""

from __future__ import annotations

from helpers.audit.assistive import (
    ASSISTIVE_COUNTS,
    assistive_audit,
    fairlearn_check,
    protect_assistive_audit,
)
from helpers.audit.constants import (
    CI_LEVEL,
    N_BOOT,
    RACE_COLUMNS,
    RATIO_BOUNDS,
    REFERENCE_GROUP,
    RJA_LABELS,
    RJA_MIN_PEERS,
    RJA_PERCENTILE,
    SEED,
    SENTENCE_EXCLUSION_RULE,
    SEP,
    TOP_K,
)
from helpers.audit.figures import (
    plain_frame,
    race_rows,
    selection_rates_figure,
    selection_rates_html,
    sentence_by_category_figure,
    sentence_regression_figure,
    write_figures,
)
from helpers.audit.groups import (
    AGE_BAND_ORDER,
    AGE_BANDS,
    add_groups,
    age_band,
    group_codes,
    group_definitions,
    race_group_table,
)
from helpers.audit.protect import protect_group_table
from helpers.audit.rja import protect_rja_summary, rja_indicator, rja_summary
from helpers.audit.run import (
    MODEL_SCORE_COLUMNS,
    AuditOptions,
    ModelScores,
    build_candidates_for,
    read_model_scores,
    with_model_scores,
    write_audit,
)
from helpers.audit.selection import (
    SELECTION_COUNTS,
    SELECTION_DERIVED,
    protect_selection_audit,
    selection_audit,
    selections,
)
from helpers.audit.sentences import (
    CONTROLLING_PARTS,
    REGRESSION_VALUES,
    SentenceDisparity,
    controlling_offense_info,
    protect_sentence_tables,
    sentence_disparity,
    sentence_regression,
)
from helpers.audit.stats import (
    as_mask,
    cell_rng,
    outside_bounds,
    percentile_interval,
    reference_positions,
    safe_ratio,
)

__all__ = [
    "AGE_BANDS",
    "AGE_BAND_ORDER",
    "ASSISTIVE_COUNTS",
    "AuditOptions",
    "CI_LEVEL",
    "CONTROLLING_PARTS",
    "MODEL_SCORE_COLUMNS",
    "ModelScores",
    "N_BOOT",
    "RACE_COLUMNS",
    "RATIO_BOUNDS",
    "REFERENCE_GROUP",
    "REGRESSION_VALUES",
    "RJA_LABELS",
    "RJA_MIN_PEERS",
    "RJA_PERCENTILE",
    "SEED",
    "SELECTION_COUNTS",
    "SELECTION_DERIVED",
    "SENTENCE_EXCLUSION_RULE",
    "SEP",
    "SentenceDisparity",
    "TOP_K",
    "add_groups",
    "age_band",
    "as_mask",
    "assistive_audit",
    "build_candidates_for",
    "cell_rng",
    "controlling_offense_info",
    "fairlearn_check",
    "group_codes",
    "group_definitions",
    "outside_bounds",
    "percentile_interval",
    "plain_frame",
    "protect_assistive_audit",
    "protect_group_table",
    "protect_rja_summary",
    "protect_selection_audit",
    "protect_sentence_tables",
    "race_group_table",
    "race_rows",
    "read_model_scores",
    "reference_positions",
    "rja_indicator",
    "rja_summary",
    "safe_ratio",
    "selection_audit",
    "selection_rates_figure",
    "selection_rates_html",
    "selections",
    "sentence_by_category_figure",
    "sentence_disparity",
    "sentence_regression",
    "sentence_regression_figure",
    "with_model_scores",
    "write_audit",
    "write_figures",
]
