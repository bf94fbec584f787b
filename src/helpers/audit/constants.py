"""The audit's method settings, in one place: reference group, ratio band, intervals, RJA rule.

Every table, figure and ``audit.json`` of the audit reads these values; ``audit.json`` records
them with each run.
"""

from __future__ import annotations

from helpers.privacy import SMALL_CELL

REFERENCE_GROUP = "White"
"""The race group every disparity ratio compares with."""
RATIO_BOUNDS = (0.8, 1.25)
"""The band of ratios taken as no disparity (four-fifths style, and its mirror image 1 ÷ 0.8): a
ratio is flagged only when its interval lies outside it after the false-discovery correction."""
FDR = 0.05
"""False-discovery rate of the Benjamini–Hochberg correction across each table's ratios."""
CONTINUITY_CORRECTION = 0.5
"""Added to each cell of a ratio's 2 × 2 table when one of its cells is zero (Katz log interval)."""
N_BOOT = 1000
"""Bootstrap replicates of the sentence means and medians."""
SEED = 1172
"""Seed of the bootstrap generators (combined with the name of each table cell)."""
CI_LEVEL = 0.95
"""Level of the percentile intervals."""
WITHIN = "county"
"""The stratum of the pooled within-stratum comparison (a top-k selection is made per county)."""
POSITIVE_DECISIONS = ("referred", "resentenced")
"""Review decisions that count as the office finding the case suitable (the assistive labels)."""
TOP_K = 50
"""Default office capacity: the first k of each county's ranking form a top-k selection."""
SEP = " | "
"""Separator of the parts of an intersection's group label (``Black | 25-34``)."""
RACE_COLUMNS = ("race_group", "ethnicity")
"""Columns holding race: the part of a group label that the reference group replaces."""
RJA_PERCENTILE = 0.90
"""Prong A of the RJA indicator: a sentence longer than at least this share of other-race peers."""
RJA_MIN_PEERS = SMALL_CELL
"""Fewest other-race peers for an RJA indicator (and fewest other-race people for prong B)."""
RJA_GROUP_MIN = 5
"""Fewest people of the person's race in the offense × county cell for prong B's test."""
RJA_PEER_KEYS = (
    "controlling_offense_key",
    "county",
    "sentence_type",
    "priors_band",
    "enhancements_band",
)
"""Similarly situated peers: same controlling offense, county, strike status and sentence type,
priors band (0, 1, 2, 3+) and enhancements band (0, 1, 2+).  The first two form prong B's cell."""
RJA_PERMUTATIONS = 199
"""Race shuffles among peers of prong B's permutation test."""
RJA_NULL_SHUFFLES = 5
"""Race shuffles averaged for the rate prong A reaches by chance."""
RJA_LABELS = {
    True: "both prongs: above 90% of other-race peers, and longer sentences more frequent for the race",
    "individual": "above 90% of other-race peers (the race's sentences not longer in the cell)",
    False: "within range of other-race peers",
    "insufficient": "insufficient peers",
    "no_sentence": "no sentence length",
    "no_offense": "no controlling offense",
}
"""The RJA indicator in words, by status."""
MEDIATION_STEPS = (
    ("county", "county fixed effects"),
    ("offense_level", "offense level"),
    ("priors", "priors count"),
    ("enhancements", "enhancement count"),
    ("sentence_type", "strike status and sentence type"),
    ("offense", "controlling-offense fixed effects"),
    ("county_sentence_type", "county × sentence-type fixed effects"),
)
"""The steps of the sentence mediation analysis, in order: each adds one adjustment to the last."""
MIN_CLUSTERS = 20
"""Fewest counties for county-clustered standard errors (fewer: heteroskedasticity-robust)."""
SENTENCE_EXCLUSION_RULE = (
    "LWOP and condemned sentences (no finite term) and missing or zero sentence lengths are "
    "excluded; life with parole counts at its minimum term in months"
)
"""Which sentences the sentence-disparity tables leave out."""
SNAPSHOT_BIAS = (
    "The data are a snapshot of the people in prison on one date. People with shorter sentences "
    "leave sooner, so a snapshot over-represents long sentences, and more so for groups and "
    "offenses whose sentences are longer. Every sentence comparison here is among people still "
    "in prison; it is not a comparison of everyone sentenced."
)
"""The bias of a prison snapshot, stated with every sentence comparison."""
