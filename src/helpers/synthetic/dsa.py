"""Custody records a county receives under a data-sharing agreement (DSA), synthesised jointly.

Two latent traits per person drive them: ``conduct`` (higher = more rule violations) and
``programming`` (higher = more education and rehabilitation credits; correlated -0.4 with conduct).
Rule violations arrive at a rate that falls with age at admission and decays with time in custody
(half-life ~5 years), so younger people and recent admissions have more; many people have none.
Credits accrue only after they existed (milestone credits 2010, education-merit and rehabilitative-
achievement credits with Prop 57, May 2017) and not for LWOP or condemned people.

In a real DSA extract ``CDCNo`` is the CDCR number (e.g. ``AB1234``); in this synthetic sample it is
the same 8-character hash as the public files, so the extras join the public tables directly.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from helpers.synthetic import formats, places
from helpers.synthetic.people import LWOP, LWP, SECOND, Frame, categorical

DIVISIONS = np.array(["A1", "A2", "B", "C", "D", "E", "F"], dtype=object)
DIVISION_BASE = np.array([0.015, 0.03, 0.08, 0.12, 0.35, 0.15, 0.255])
CREDIT_LOSS_RANGE = np.array(
    [[181, 360], [151, 180], [121, 150], [91, 120], [61, 90], [31, 60], [0, 30]]
)
# Rule violations by division (CCR Title 15 sections; the bracket is the specific act number).
VIOLATIONS: dict[str, tuple[str, ...]] = {
    "A1": (
        "Battery on a Peace Officer with Serious Injury - 3005(d)(1)-[11]",
        "Attempted Murder - 3005(d)(1)-[2]",
        "Possession of a Deadly Weapon - 3006(a)-[14]",
    ),
    "A2": (
        "Battery on an Inmate with a Weapon - 3005(d)(1)-[17]",
        "Distribution of a Controlled Substance - 3016(d)-[19]",
    ),
    "B": (
        "Battery on a Peace Officer - 3005(d)(1)-[21]",
        "Introduction of a Controlled Substance - 3016(c)-[24]",
        "Gassing - 3005(d)(2)-[26]",
    ),
    "C": (
        "Battery on an Inmate - 3005(d)(1)-[31]",
        "Possession of a Controlled Substance - 3016(a)-[33]",
        "Threatening Staff - 3005(c)-[35]",
    ),
    "D": (
        "Fighting - 3005(d)(1)-[41]",
        "Possession of a Cellular Telephone - 3006(c)(19)-[42]",
        "Refusing a Urinalysis Test - 3290(c)-[44]",
        "Mutual Combat - 3005(d)(1)-[43]",
    ),
    "E": (
        "Possession of Inmate-Manufactured Alcohol - 3016(a)-[51]",
        "Disobeying an Order - 3005(b)-[52]",
        "Refusing Assigned Housing - 3005(c)-[53]",
    ),
    "F": (
        "Failure to Report to Work - 3041(b)-[61]",
        "Delaying a Peace Officer - 3005(a)-[62]",
        "Possession of Contraband - 3006(c)-[63]",
        "Out of Bounds - 3005(a)-[64]",
    ),
}
EMC_REASONS = (
    ("GED", 90, 0.35),
    ("High School Diploma", 90, 0.30),
    ("AA Degree", 180, 0.22),
    ("BA Degree", 180, 0.05),
    ("Offender Mentor Certification Program", 180, 0.08),
)
MILESTONE_TYPES = (
    ("CBI - program completion", 21, 0.22),
    ("CBI - module completion", 7, 0.18),
    ("Substance Use Disorder Treatment - program completion", 28, 0.14),
    ("Academic - grade level completion", 14, 0.16),
    ("Career Technical Education - component completion", 14, 0.16),
    ("College - 12 semester units", 21, 0.08),
    ("Anger Management - program completion", 14, 0.06),
)
RAC_REASONS = (
    ("Alcoholics Anonymous", 0.18),
    ("Narcotics Anonymous", 0.18),
    ("Alternatives to Violence Project", 0.10),
    ("Victim Awareness", 0.10),
    ("Criminals and Gang Members Anonymous", 0.08),
    ("Toastmasters", 0.06),
    ("Parenting", 0.07),
    ("Restorative Justice Circle", 0.08),
    ("Guiding Rage Into Power", 0.07),
    ("Celebrate Recovery", 0.08),
)
MH_LEVELS = np.array(["CCCMS", "EOP", "ICF", "Acute", "MHCB"], dtype=object)
MH_PROBS = np.array([0.79, 0.17, 0.02, 0.01, 0.01])
MILESTONE_START = np.datetime64("2010-01-01")
PROP_57_CREDITS = np.datetime64("2017-05-01")
DECAY_YEARS = 7.0


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def latent_traits(p: Frame, rng: np.random.Generator) -> None:
    """Conduct and programming traits, serious medical conditions and the admission date."""
    n = len(p["person"])
    conduct = rng.standard_normal(n)
    program = -0.4 * conduct + np.sqrt(1 - 0.16) * rng.standard_normal(n)
    program += 0.2 * p["female"] + 0.01 * np.clip(p["age"] - 35, -15, 25)
    p["conduct"], p["program"] = conduct, program
    # Serious medical condition: rare when young, common past 65.
    p["medical"] = rng.random(n) < 0.03 + 0.6 * _sigmoid((p["age"] - 65) / 6)
    p["admission"] = formats.add_years(p["offense_end"], p["lag"])


# --------------------------------------------------------------------------------------------------
# Rules violations
# --------------------------------------------------------------------------------------------------


def rules_violations(p: Frame, rng: np.random.Generator, as_of: date) -> Frame:
    """One row per rules violation report; sets per-person counts used later."""
    n = len(p["person"])
    today = np.datetime64(as_of, "D")
    years_in = np.maximum(formats.years_between(p["admission"], today), 0.0)
    age_adm = p["age"] - years_in
    type_mult = np.array([1.0, 1.1, 1.0, 1.0, 1.25, 0.8])[p["stype"]]
    rate = 0.42 * np.exp(-0.06 * (age_adm - 25)) * np.exp(0.75 * p["conduct"]) * type_mult
    rate *= np.where(p["female"], 0.5, 1.0)
    mass = 1 - np.exp(-years_in / DECAY_YEARS)
    counts = np.minimum(rng.poisson(rate * DECAY_YEARS * mass), 60)
    owner = np.repeat(np.arange(n), counts)
    u = rng.random(owner.size)
    t = -DECAY_YEARS * np.log1p(-u * mass[owner])
    when = formats.add_years(p["admission"][owner], t)
    when = np.minimum(when, today - np.timedelta64(1, "D"))
    shift = np.exp(0.4 * p["conduct"][owner])
    probs = np.tile(DIVISION_BASE, (owner.size, 1))
    probs[:, :4] *= shift[:, None]
    div = categorical(rng, probs)
    rule = np.empty(owner.size, dtype=object)
    for d, name in enumerate(DIVISIONS):
        rows = np.flatnonzero(div == d)
        options = np.array(VIOLATIONS[name], dtype=object)
        rule[rows] = options[rng.integers(0, len(options), rows.size)]
    lo, hi = CREDIT_LOSS_RANGE[div].T
    loss = np.where(rng.random(owner.size) < 0.6, hi, lo + (rng.random(owner.size) * (hi - lo + 1)))
    loss = loss.astype(np.int64).astype(str).astype(object)
    loss[p["stype"][owner] >= LWOP] = ""  # no credits to lose
    p_stg = 0.05 + 0.12 * (div <= 3) + 0.05 * (p["age"][owner] < 30) + 0.2 * p["gang"][owner]
    stg = np.where(rng.random(owner.size) < p_stg, "Y", "N").astype(object)
    order = np.lexsort((when, owner))
    rv: Frame = {
        "owner": owner[order],
        "date": when[order],
        "division": DIVISIONS[div][order],
        "rule": rule[order],
        "loss": loss[order],
        "stg": stg[order],
        "div_code": div[order],
    }
    recent = (today - rv["date"]).astype(np.int64) < 5 * 365.25
    serious = rv["div_code"] <= 3
    p["rv_total"] = np.bincount(rv["owner"], minlength=n)
    p["rv_recent"] = np.bincount(rv["owner"], weights=recent, minlength=n).astype(np.int64)
    p["rv_recent_serious"] = np.bincount(rv["owner"], weights=recent & serious, minlength=n).astype(
        np.int64
    )
    five_ago = today - np.timedelta64(1826, "D")
    ten_ago = today - np.timedelta64(3652, "D")
    window = (rv["date"] >= ten_ago) & (rv["date"] < five_ago)
    p["rv_5_10"] = np.bincount(rv["owner"], weights=window, minlength=n).astype(np.int64)
    return rv


# --------------------------------------------------------------------------------------------------
# Credits
# --------------------------------------------------------------------------------------------------


def _credit_rows(
    rng: np.random.Generator,
    counts: np.ndarray,
    start: np.ndarray,
    today: np.datetime64,
    reasons: tuple[tuple, ...],
) -> Frame:
    """``counts`` credit rows per person, dated between ``start`` and today, with a reason drawn
    from ``reasons`` (and its days when the reasons carry them), sorted by person and date."""
    owner = np.repeat(np.arange(len(counts)), counts)
    width = np.maximum((today - start[owner]).astype(np.int64), 1)
    when = start[owner] + (rng.random(owner.size) * width).astype(np.int64).astype("timedelta64[D]")
    probs = np.array([r[-1] for r in reasons])
    pick = rng.choice(len(reasons), size=owner.size, p=probs / probs.sum())
    names = np.array([r[0] for r in reasons], dtype=object)
    order = np.lexsort((when, owner))
    out: Frame = {"owner": owner[order], "date": when[order], "reason": names[pick][order]}
    if len(reasons[0]) == 3:
        out["days"] = np.array([r[1] for r in reasons], dtype=np.int64)[pick][order]
    return out


def credits(p: Frame, rng: np.random.Generator, as_of: date) -> dict[str, Frame]:
    """Education-merit, milestone and rehabilitative-achievement credits."""
    n = len(p["person"])
    today = np.datetime64(as_of, "D")
    eligible = p["stype"] < LWOP
    start57 = np.maximum(p["admission"], PROP_57_CREDITS)
    start_m = np.maximum(p["admission"], MILESTONE_START)
    y57 = np.maximum(formats.years_between(start57, today), 0.0) * eligible
    ym = np.maximum(formats.years_between(start_m, today), 0.0) * eligible
    z = p["program"]
    p_emc = _sigmoid(-2.3 + 0.9 * z + 0.12 * np.minimum(y57, 9)) * (y57 > 0.2)
    emc_n = (rng.random(n) < p_emc) * (1 + (rng.random(n) < 0.25))
    mcc_n = np.minimum(rng.poisson(0.45 * ym * np.exp(0.7 * z - 0.3)), 40)
    rac_n = np.minimum(rng.poisson(0.8 * y57 * np.exp(0.8 * z - 0.35)), 40)
    emc = _credit_rows(rng, emc_n, start57, today, EMC_REASONS)
    mcc = _credit_rows(rng, mcc_n, start_m, today, MILESTONE_TYPES)
    rac = _credit_rows(rng, rac_n, start57, today, RAC_REASONS)
    rac["days"] = np.where(rng.random(rac["owner"].size) < 0.85, 10, 20)
    recent = today - np.timedelta64(1826, "D")
    p["credits_recent"] = sum(
        np.bincount(c["owner"], weights=c["date"] >= recent, minlength=n) for c in (emc, mcc, rac)
    ).astype(np.int64)
    p["credits_total"] = (emc_n + mcc_n + rac_n).astype(np.int64)
    p["degree"] = np.bincount(
        emc["owner"], weights=np.isin(emc["reason"], ["AA Degree", "BA Degree"]), minlength=n
    ).astype(bool)
    return {"emc": emc, "mcc": mcc, "rac": rac}


# --------------------------------------------------------------------------------------------------
# Person-level DSA columns
# --------------------------------------------------------------------------------------------------


def person_columns(p: Frame, rng: np.random.Generator, as_of: date) -> None:
    """Classification, security level, location, mental health, CSRA, disabilities, factors."""
    n = len(p["person"])
    stype = p["stype"]
    today = np.datetime64(as_of, "D")
    years_in = np.maximum(formats.years_between(p["admission"], today), 0.0)
    base = np.array([26.0, 40.0, 62.0, 60.0, 82.0, 88.0])[stype]
    score = (
        base
        + 4.0 * np.minimum(p["rv_recent"], 8)
        + 10.0 * np.minimum(p["rv_recent_serious"], 4)
        + 8.0 * (p["age"] < 26)
        - 0.25 * np.maximum(p["age"] - 30, 0)
        - 0.8 * np.minimum(years_in, 20)
        + rng.normal(0, 18, n)
    )
    floor = np.where(stype >= LWOP, 19.0, np.where(stype == LWP, 19.0, 0.0))
    score = np.maximum(np.rint(score), floor).astype(np.int64)
    old = score + np.rint(0.9 * 5 + 3.0 * p["rv_5_10"] + rng.normal(0, 4, n)).astype(np.int64)
    old = np.maximum(old, floor.astype(np.int64))
    p["class_score"] = score
    p["class_score_5y"] = np.where(years_in >= 5, old, -1)
    level = np.select([score <= 18, score <= 35, score <= 59], [1, 2, 3], 4)
    p["level"] = level
    p["location"] = _locations(p, rng, level, years_in)
    # Mental health level of care (~30 % in the MHSDS; more women).
    in_mh = rng.random(n) < np.where(p["female"], 0.5, 0.29) + 0.03 * (p["conduct"] > 1)
    mh = np.where(in_mh, MH_LEVELS[categorical(rng, np.tile(MH_PROBS, (n, 1)))], "")
    p["mh_level"] = mh.astype(object)
    # CSRA (California Static Risk Assessment): criminal history and youth.
    risk = (
        0.5 * p["n_priors"]
        + 0.3 * p["prior_strikes"]
        + 0.6 * (p["aao"] < 25)
        + rng.normal(0, 0.8, n)
    )
    p["csra"] = np.select([risk < 0.55, risk < 1.2], ["Low", "Moderate"], "High").astype(object)
    age = p["age"]
    p["dppv_mobility"] = rng.random(n) < 0.01 + 0.25 * _sigmoid((age - 70) / 6)
    p["dppv_hearing"] = rng.random(n) < 0.01 + 0.12 * _sigmoid((age - 68) / 7)
    p["dppv_vision"] = rng.random(n) < 0.005 + 0.05 * _sigmoid((age - 68) / 7)
    p["dppv_speech"] = rng.random(n) < 0.003
    # Mitigating factors (county files): unknown for ~30 % of people.
    known = rng.random(n) >= 0.30
    female = p["female"]
    trauma = rng.random(n) < 0.38 + 0.15 * (p["aao"] < 21) + 0.1 * female
    abuse = rng.random(n) < 0.22 + 0.3 * female + 0.1 * trauma
    homicide_f = female & (p["family"] == "homicide")
    ipv = rng.random(n) < np.where(female, np.where(homicide_f, 0.6, 0.4), 0.02)
    trafficking = rng.random(n) < np.where(female, 0.07, 0.004)
    medical = p["medical"]
    p["trauma"] = trauma & known
    p["ipv"] = ipv & known
    factors = {
        "Childhood Trauma": trauma,
        "Abuse Victim": abuse,
        "Intimate Partner Violence Victim": ipv,
        "Trafficking Victim": trafficking,
        "Serious Medical Condition": medical,
    }
    p["factors"] = {}
    for name, value in factors.items():
        cell_known = known & (rng.random(n) >= 0.04)
        text = np.where(value, "1", "0").astype(object)
        text[~cell_known] = ""
        p["factors"][name] = text


def _locations(
    p: Frame, rng: np.random.Generator, level: np.ndarray, years_in: np.ndarray
) -> np.ndarray:
    """Current location: institution by sex, security level, age/health, or a county control office."""
    n = len(level)
    role = places.INSTITUTION_ROLE
    inst_level = places.INSTITUTION_LEVEL
    names = places.INSTITUTION_NAMES
    out = np.empty(n, dtype=object)
    # Men by level: institutions housing that level (level I people live at level II yards).
    general = np.flatnonzero(role == "general")
    for lv in (1, 2, 3, 4):
        rows = np.flatnonzero(~p["female"] & (level == lv))
        ok = general[(inst_level[general] >= max(lv, 2)) & (inst_level[general] <= max(lv, 2) + 1)]
        if lv == 4:
            ok = general[inst_level[general] == 4]
        out[rows] = names[rng.choice(ok, size=rows.size)]
    # Recent admissions: reception centres.
    reception = np.flatnonzero(role == "reception")
    rows = np.flatnonzero(~p["female"] & (years_in < 0.3) & (rng.random(n) < 0.7))
    out[rows] = names[rng.choice(reception, size=rows.size)]
    # Elderly or ill: the medical facilities.
    medical = np.flatnonzero(role == "medical")
    sick = ~p["female"] & ((p["age"] >= 65) | p["medical"]) & (rng.random(n) < 0.35)
    out[sick] = names[rng.choice(medical, size=int(sick.sum()), p=[0.6, 0.4])]
    # Women: CCWF and CIW (Folsom Women's Facility for low levels).
    women = np.flatnonzero(p["female"])
    w_names = np.array(
        [
            "Central California Women's Facility",
            "California Institution for Women",
            "Folsom Women's Facility",
        ],
        dtype=object,
    )
    pick = rng.choice(3, size=women.size, p=[0.57, 0.37, 0.06])
    pick = np.where((pick == 2) & (level[women] > 2), 0, pick)
    out[women] = w_names[pick]
    # Short non-violent determinate terms served under contract in a county: "<County> Control Office".
    short = (
        (p["stype"] <= SECOND)
        & p["nonserious_current"]
        & (p["months_total"] <= 72)
        & (rng.random(n) < 0.06)
    )
    county_names = np.asarray(places.COUNTIES, dtype=object)[p["county"]]
    out[short] = county_names[short] + " Control Office"
    return out
