"""Counties, county-flavoured case numbers and CDCR institutions for the synthetic sample."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synthetic import targets

# The 58 California counties in FIPS order (06001 ... 06115), as in the project's county table.
COUNTIES: tuple[str, ...] = (
    "Alameda", "Alpine", "Amador", "Butte", "Calaveras", "Colusa", "Contra Costa", "Del Norte",
    "El Dorado", "Fresno", "Glenn", "Humboldt", "Imperial", "Inyo", "Kern", "Kings", "Lake", "Lassen",
    "Los Angeles", "Madera", "Marin", "Mariposa", "Mendocino", "Merced", "Modoc", "Mono", "Monterey",
    "Napa", "Nevada", "Orange", "Placer", "Plumas", "Riverside", "Sacramento", "San Benito",
    "San Bernardino", "San Diego", "San Francisco", "San Joaquin", "San Luis Obispo", "San Mateo",
    "Santa Barbara", "Santa Clara", "Santa Cruz", "Shasta", "Sierra", "Siskiyou", "Solano", "Sonoma",
    "Stanislaus", "Sutter", "Tehama", "Trinity", "Tulare", "Tuolumne", "Ventura", "Yolo", "Yuba",
)  # fmt: skip
COUNTY_INDEX: dict[str, int] = {c: i for i, c in enumerate(COUNTIES)}


def county_weights() -> np.ndarray:
    """Sentencing-county shares (sum 1) in :data:`COUNTIES` order; see :mod:`targets` for sources."""
    w = np.zeros(len(COUNTIES))
    for name, share in targets.COUNTY_WEIGHTS_MAJOR.items():
        w[COUNTY_INDEX[name]] = share
    rest = {}
    for name, pop in targets.COUNTY_POPULATION_K.items():
        rate = 1.0
        if name in targets.COUNTY_RATE_HIGH:
            rate = 2.0
        elif name in targets.COUNTY_RATE_LOW:
            rate = 0.3
        rest[name] = pop * rate
    total = sum(rest.values())
    for name, value in rest.items():
        w[COUNTY_INDEX[name]] = targets.COUNTY_REST_SHARE * value / total
    assert np.all(w > 0) and abs(w.sum() - 1) < 1e-9
    return w


# --------------------------------------------------------------------------------------------------
# Case numbers: (prefix choices, prefix weights, digits, with two-digit year).  Formats imitate each
# court's style (Los Angeles BA/KA/VA/TA/…, San Diego SCD/SCN/SCS/SCE, Riverside RIF/INF/SWF, …);
# every other county gets a generic ``CR`` or ``F`` number.  The numeric part is drawn without
# replacement across the whole sample, so case numbers never repeat.
# --------------------------------------------------------------------------------------------------
CASE_FORMATS: dict[str, tuple[tuple[str, ...], tuple[float, ...], bool]] = {
    "Los Angeles": (
        ("BA", "KA", "VA", "TA", "LA", "SA", "MA", "YA", "GA", "NA", "PA"),
        (0.40, 0.09, 0.09, 0.08, 0.07, 0.05, 0.05, 0.05, 0.04, 0.04, 0.04),
        False,
    ),
    "San Diego": (("SCD", "SCN", "SCS", "SCE"), (0.55, 0.2, 0.15, 0.1), False),
    "Riverside": (("RIF", "INF", "SWF", "BAF"), (0.5, 0.2, 0.2, 0.1), False),
    "San Bernardino": (("FSB", "FVI", "FWV", "FVA"), (0.45, 0.25, 0.2, 0.1), False),
    "Orange": (("CF",), (1.0,), True),
    "Sacramento": (("F",), (1.0,), True),
    "Kern": (("BF",), (1.0,), False),
    "Fresno": (("F",), (1.0,), True),
    "Santa Clara": (("C",), (1.0,), False),
    "Alameda": (("H", "CH"), (0.6, 0.4), False),
    "San Francisco": (("SCN",), (1.0,), False),
}
GENERIC_CASE_FORMAT: tuple[tuple[str, ...], tuple[float, ...], bool] = (
    ("CR", "F"),
    (0.6, 0.4),
    False,
)


def case_numbers(
    rng: np.random.Generator,
    county: np.ndarray,
    year: np.ndarray,
) -> np.ndarray:
    """Unique, county-flavoured case numbers for the given county codes and sentencing years."""
    n = len(county)
    digits = 6 if n <= 600_000 else 8
    numbers = rng.choice(9 * 10 ** (digits - 1), size=n, replace=False) + 10 ** (digits - 1)
    num = pd.Series(numbers).astype(str).to_numpy(dtype=object)
    yy = pd.Series(np.asarray(year) % 100).astype(str).str.zfill(2).to_numpy(dtype=object)
    out = np.empty(n, dtype=object)
    u = rng.random(n)
    names = np.asarray(COUNTIES, dtype=object)[county]
    special = np.isin(names, list(CASE_FORMATS))
    for name, (prefixes, probs, with_year) in [*CASE_FORMATS.items(), ("", GENERIC_CASE_FORMAT)]:
        rows = names == name if name else ~special
        if not rows.any():
            continue
        cum = np.cumsum(probs)
        pick = np.minimum(np.searchsorted(cum, u[rows] * cum[-1], side="right"), len(prefixes) - 1)
        pre = np.asarray(prefixes, dtype=object)[pick]
        out[rows] = (yy[rows] + pre + num[rows]) if with_year else (pre + num[rows])
    kern = names == "Kern"
    out[kern] = out[kern] + "A"
    return out


# --------------------------------------------------------------------------------------------------
# CDCR institutions: name, county, highest security level housed, and role.
# --------------------------------------------------------------------------------------------------
# name | county | level | role (general, reception, medical, women)
INSTITUTIONS: tuple[tuple[str, str, int, str], ...] = (
    ("Avenal State Prison", "Kings", 2, "general"),
    ("California Correctional Institution", "Kern", 4, "general"),
    ("California Health Care Facility - Stockton", "San Joaquin", 4, "medical"),
    ("California Institution for Men", "San Bernardino", 2, "reception"),
    ("California Medical Facility", "Solano", 3, "medical"),
    ("California Men's Colony", "San Luis Obispo", 3, "general"),
    ("California Rehabilitation Center", "Riverside", 2, "general"),
    ("California State Prison, Corcoran", "Kings", 4, "general"),
    ("California State Prison, Los Angeles County", "Los Angeles", 4, "general"),
    ("California State Prison, Sacramento", "Sacramento", 4, "general"),
    ("California State Prison, Solano", "Solano", 3, "general"),
    ("California Substance Abuse Treatment Facility", "Kings", 4, "general"),
    ("Calipatria State Prison", "Imperial", 4, "general"),
    ("Centinela State Prison", "Imperial", 4, "general"),
    ("Correctional Training Facility", "Monterey", 3, "general"),
    ("Folsom State Prison", "Sacramento", 2, "general"),
    ("High Desert State Prison", "Lassen", 4, "general"),
    ("Ironwood State Prison", "Riverside", 3, "general"),
    ("Kern Valley State Prison", "Kern", 4, "general"),
    ("Mule Creek State Prison", "Amador", 3, "general"),
    ("North Kern State Prison", "Kern", 3, "reception"),
    ("Pelican Bay State Prison", "Del Norte", 4, "general"),
    ("Pleasant Valley State Prison", "Fresno", 3, "general"),
    ("Richard J. Donovan Correctional Facility", "San Diego", 4, "reception"),
    ("Salinas Valley State Prison", "Monterey", 4, "general"),
    ("San Quentin Rehabilitation Center", "Marin", 2, "general"),
    ("Sierra Conservation Center", "Tuolumne", 2, "general"),
    ("Valley State Prison", "Madera", 2, "general"),
    ("Wasco State Prison", "Kern", 3, "reception"),
    ("Central California Women's Facility", "Madera", 4, "women"),
    ("California Institution for Women", "San Bernardino", 4, "women"),
    ("Folsom Women's Facility", "Sacramento", 2, "women"),
)
INSTITUTION_NAMES: np.ndarray = np.array([i[0] for i in INSTITUTIONS], dtype=object)
INSTITUTION_COUNTY: np.ndarray = np.array(
    [COUNTY_INDEX[i[1]] for i in INSTITUTIONS], dtype=np.int64
)
INSTITUTION_LEVEL: np.ndarray = np.array([i[2] for i in INSTITUTIONS], dtype=np.int64)
INSTITUTION_ROLE: np.ndarray = np.array([i[3] for i in INSTITUTIONS], dtype=object)
