"""The audit's method settings, in one place: reference group, ratio bounds, bootstrap, RJA rule.

Every table, figure and ``audit.json`` of the audit reads these values; ``audit.json`` records
them with each run.
"""

from __future__ import annotations

from helpers.privacy import SMALL_CELL

REFERENCE_GROUP = "White"
"""The race group every disparity ratio compares with."""
RATIO_BOUNDS = (0.8, 1.25)
"""A ratio outside these bounds is flagged (four-fifths style, and its mirror image 1 ÷ 0.8)."""
N_BOOT = 1000
"""Bootstrap replicates of every interval."""
SEED = 1172
"""Seed of the bootstrap generators (combined with the name of each table cell)."""
CI_LEVEL = 0.95
"""Level of the percentile intervals."""
TOP_K = 50
"""Default office capacity: the first k of each county's ranking form a top-k selection."""
SEP = " | "
"""Separator of the parts of an intersection's group label (``Black | 25-34``)."""
RACE_COLUMNS = ("race_group", "ethnicity")
"""Columns holding race: the part of a group label that the reference group replaces."""
RJA_PERCENTILE = 0.90
"""The RJA indicator flags a sentence longer than at least this share of other-race peers."""
RJA_MIN_PEERS = SMALL_CELL
"""Fewest other-race peers for an RJA indicator."""
RJA_LABELS = {
    True: "above 90% of other-race peers",
    False: "within range of other-race peers",
    "insufficient": "insufficient peers",
    "no_sentence": "no sentence length",
    "no_offense": "no controlling offense",
}
"""The RJA indicator in words, by status."""
SENTENCE_EXCLUSION_RULE = (
    "LWOP and condemned sentences (no finite term) and missing or zero sentence lengths are "
    "excluded; life with parole counts at its minimum term in months"
)
"""Which sentences the sentence-disparity tables leave out."""
