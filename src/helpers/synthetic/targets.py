"""Calibration targets of the synthetic sample, each with its source.

Copied (not read at run time) from the project's research note *California prison statistics for
calibrating a synthetic CDCR-like dataset* (``ca_prison_stats.md``, compiled 2025).  Figures marked
*estimate* there are the note's suggested synthetic shares, not published facts; the published figure
they are anchored to is cited beside them.  The tests in ``tests/test_synthetic.py`` check the
generated data against these numbers within the tolerances given here.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------------
# Population size.  CDCR CPRA release to Redo.io, Dec 2023: 95,476 people in CDCR custody.
# --------------------------------------------------------------------------------------------------
DEFAULT_PEOPLE = 95_000

# --------------------------------------------------------------------------------------------------
# Race / ethnicity, raw CDCR codes.  Anchor: PPIC "California's Prison Population" (2023 data, 2024):
# Latino 46 %, Black 28 %, White 20 %, other 6 %.  Split of the Latino and "other" shares into CDCR's
# raw codes is the note's suggestion (*estimate*; CDCR keeps Mexican separate from Hispanic).
# --------------------------------------------------------------------------------------------------
ETHNICITY_SHARES: dict[str, float] = {
    "Mexican": 0.30,
    "Hispanic": 0.16,
    "Black": 0.28,
    "White": 0.20,
    "Other": 0.03,
    "American Indian": 0.012,
    "Filipino": 0.004,
    "Vietnamese": 0.004,
    "Other Asian": 0.005,
    "Pacific Islander": 0.003,
    "Japanese": 0.001,
    "Puerto Rican": 0.001,
}
ETHNICITY_TOLERANCE = 0.015  # absolute share

# --------------------------------------------------------------------------------------------------
# Sex.  PPIC 2024: men are about 95-96 % of the population.
# --------------------------------------------------------------------------------------------------
FEMALE_SHARE = 0.045
FEMALE_TOLERANCE = 0.01

# --------------------------------------------------------------------------------------------------
# Age bands (current age).  LAO criminal-justice demographics page (Jan 2025): 71.2 % under 50;
# the band split is the note's suggestion (*estimate*).
# --------------------------------------------------------------------------------------------------
AGE_BANDS: dict[str, tuple[int, int, float]] = {
    "18-24": (18, 24, 0.05),
    "25-34": (25, 34, 0.27),
    "35-49": (35, 49, 0.39),
    "50-64": (50, 64, 0.23),
    "65+": (65, 200, 0.06),
}
AGE_TOLERANCE = 0.025

# --------------------------------------------------------------------------------------------------
# Controlling-offense CDCR category.  Anchors: PPIC 2024 (homicide or assault 50 %, sex crimes 17 %
# of people in prison, 2023); BJS Prisoners 2012 (violent 69.8 %).  Split *estimate* from the note.
# --------------------------------------------------------------------------------------------------
OFFENSE_CATEGORY_SHARES: dict[str, float] = {
    "Crimes Against Persons": 0.78,
    "Property Crimes": 0.10,
    "Drug Crimes": 0.05,
    "Other Crimes": 0.07,
}
OFFENSE_CATEGORY_TOLERANCE = 0.03
HOMICIDE_ASSAULT_SHARE = 0.50  # PPIC 2024
SEX_OFFENSE_SHARE = 0.17  # PPIC 2024
OFFENSE_GROUP_TOLERANCE = 0.04

# --------------------------------------------------------------------------------------------------
# Sentence type.  Anchors: CDCR prison census 31 Dec 2013 (LWOP 3.5 %, life with parole 19.9 %,
# 716 condemned); RAND 2024 (third strikers 7 % of people from the nine pilot counties).  Split for
# today's ~92,000 is the note's suggestion (*estimate*).
# --------------------------------------------------------------------------------------------------
SENTENCE_TYPE_SHARES: dict[str, float] = {
    "DSL": 0.42,
    "Second Striker": 0.25,
    "Third Striker": 0.065,
    "Life with Parole": 0.20,
    "Life w/o Parole": 0.058,
    "Condemned": 0.007,
}
SENTENCE_TYPE_TOLERANCE = 0.015

# --------------------------------------------------------------------------------------------------
# Time served (years since the offense end date) and aggregate sentence, medians by sentence type.
# No verified statewide median exists; these are the note's suggestions (*estimate*), anchored to
# RAND 2025 (about three quarters of people considered for PIR had served more than 10 years).
# --------------------------------------------------------------------------------------------------
TIME_SERVED_MEDIAN_YEARS: dict[str, float] = {
    "DSL": 3.0,
    "Second Striker": 5.0,
    "Third Striker": 18.0,
    "Life with Parole": 17.0,
    "Life w/o Parole": 20.0,
}
TIME_SERVED_OVERALL = {"median": 6.0, "p25": 2.5, "p75": 13.0, "share_15_plus": 0.22}
TIME_SERVED_TOLERANCE_YEARS = 1.5  # on the medians by type
AGGREGATE_SENTENCE_MEDIAN_MONTHS: dict[str, float] = {
    "DSL": 60,
    "Second Striker": 110,
}
THIRD_STRIKER_SENTENCE_RANGE_MONTHS = (300, 480)  # 25-to-life and more
LIFER_MINIMUM_RANGE_MONTHS = (180, 300)  # 15- or 25-to-life

# --------------------------------------------------------------------------------------------------
# County of commitment.  Anchor: KQED citing CDCR 2011 (Los Angeles ~34 % before realignment); the
# weights are the note's suggestion (*estimate*): the fourteen largest are given, the remaining 44
# counties share 13.5 % in proportion to population x imprisonment rate.  High-rate counties: CJCJ
# California Sentencing Institute 2011; low-rate: CJCJ CASI 2011-2012.
# --------------------------------------------------------------------------------------------------
COUNTY_WEIGHTS_MAJOR: dict[str, float] = {
    "Los Angeles": 0.31,
    "San Bernardino": 0.08,
    "Riverside": 0.08,
    "San Diego": 0.07,
    "Orange": 0.05,
    "Sacramento": 0.05,
    "Kern": 0.05,
    "Fresno": 0.04,
    "Santa Clara": 0.03,
    "Alameda": 0.025,
    "San Joaquin": 0.025,
    "Tulare": 0.02,
    "Stanislaus": 0.02,
    "Contra Costa": 0.015,
}
COUNTY_REST_SHARE = 0.135
# 2020 Census population (thousands, rounded) of the other 44 counties.
COUNTY_POPULATION_K: dict[str, float] = {
    "Alpine": 1.2,
    "Amador": 40.5,
    "Butte": 211.6,
    "Calaveras": 45.3,
    "Colusa": 21.8,
    "Del Norte": 27.7,
    "El Dorado": 191.2,
    "Glenn": 28.9,
    "Humboldt": 136.5,
    "Imperial": 179.7,
    "Inyo": 19.0,
    "Kings": 152.5,
    "Lake": 68.2,
    "Lassen": 33.0,
    "Madera": 156.3,
    "Marin": 262.3,
    "Mariposa": 17.1,
    "Mendocino": 91.6,
    "Merced": 281.2,
    "Modoc": 8.7,
    "Mono": 13.2,
    "Monterey": 439.0,
    "Napa": 138.0,
    "Nevada": 102.2,
    "Placer": 404.7,
    "Plumas": 19.8,
    "San Benito": 64.2,
    "San Francisco": 873.9,
    "San Luis Obispo": 282.4,
    "San Mateo": 764.4,
    "Santa Barbara": 448.2,
    "Santa Cruz": 270.9,
    "Shasta": 182.2,
    "Sierra": 3.2,
    "Siskiyou": 44.1,
    "Solano": 453.5,
    "Sonoma": 488.9,
    "Sutter": 99.6,
    "Tehama": 65.8,
    "Trinity": 16.1,
    "Tuolumne": 55.6,
    "Ventura": 843.8,
    "Yolo": 216.4,
    "Yuba": 81.6,
}
# Relative imprisonment rate: CJCJ's highest-rate counties x2, lowest-rate x0.3, others x1.
COUNTY_RATE_HIGH = ("Kings", "Shasta", "Tehama", "Yuba", "Lake", "Butte")
COUNTY_RATE_LOW = ("Nevada", "Mono", "San Francisco", "Marin", "Santa Cruz", "San Mateo")
LOS_ANGELES_TOLERANCE = 0.015
# Counties with a larger Latino share of commitments (and of residents), for the ethnicity mix.
HISPANIC_HEAVY_COUNTIES = (
    "Imperial",
    "Tulare",
    "Kern",
    "Fresno",
    "Madera",
    "Merced",
    "Kings",
    "Monterey",
    "San Benito",
    "Stanislaus",
    "Santa Barbara",
    "Ventura",
)
BLACK_HEAVY_COUNTIES = ("Alameda", "San Francisco", "Solano", "Sacramento", "Contra Costa")
WHITE_HEAVY_COUNTIES = (
    "Shasta",
    "Butte",
    "Humboldt",
    "Tehama",
    "Del Norte",
    "Siskiyou",
    "Lake",
    "Mendocino",
    "El Dorado",
    "Placer",
    "Nevada",
    "Calaveras",
    "Tuolumne",
    "Amador",
    "Lassen",
    "Modoc",
    "Plumas",
    "Trinity",
    "Sierra",
    "Inyo",
    "Mariposa",
    "Glenn",
    "Colusa",
    "Yuba",
    "Sutter",
)
PILOT_COUNTIES = (
    # RAND County Resentencing Pilot (2021-2024), via NCJA 2025.
    "Contra Costa",
    "Humboldt",
    "Los Angeles",
    "Merced",
    "Riverside",
    "San Diego",
    "San Francisco",
    "Santa Clara",
    "Yolo",
)

# --------------------------------------------------------------------------------------------------
# Youth at offense: the note asks for ~1-2 % probable juveniles (a few aged 14-15).
# --------------------------------------------------------------------------------------------------
JUVENILE_SHARE_RANGE = (0.01, 0.02)

# --------------------------------------------------------------------------------------------------
# Enhancements: RAND final report (EurekAlert 2025): 85 % of PIR-referred cases had at least one.
# Share of all people with >= 1 current enhancement: *estimate* 50-60 %.
# --------------------------------------------------------------------------------------------------
ENHANCEMENT_PERSON_SHARE_RANGE = (0.50, 0.60)

# --------------------------------------------------------------------------------------------------
# Prior commitments: ~45 % of people (*estimate*); every striker has 1 / 2+ serious or violent priors.
# --------------------------------------------------------------------------------------------------
PRIOR_PERSON_SHARE = 0.45

# --------------------------------------------------------------------------------------------------
# Mental health: ~30 % of people in the Mental Health Services Delivery System (*estimate*, CDCR
# MHSDS population reports put it at roughly a third).
# --------------------------------------------------------------------------------------------------
MHSDS_SHARE = 0.30

# --------------------------------------------------------------------------------------------------
# Review decisions.  RAND 2025 pilot: >1,100 initial reviews and 227 resentenced out of ~50,000
# people (~2.2 % reviewed, 0.45 % resentenced); third strikers were 43 % of referred cases.
# The note suggests 0.5-3 % positives (referred or resentenced).
# --------------------------------------------------------------------------------------------------
REVIEWED_SHARE = 0.055
POSITIVE_SHARE = 0.013
RESENTENCED_SHARE_OF_POSITIVES = 0.40
POSITIVE_SHARE_RANGE = (0.005, 0.03)

# --------------------------------------------------------------------------------------------------
# Statewide "second look" screen (age >= 50, sentence >= 20 y, served >= 10 y, no current serious,
# violent or sex offense): Redo.io found 551 of the Dec 2023 file (0.58 %); 0.5-1 % accepted.
# --------------------------------------------------------------------------------------------------
SCREEN_SHARE_RANGE = (0.005, 0.01)
