"""Person-level draws: sentence type, sex, county, ethnicity, controlling offense, ages and dates.

The columns are drawn jointly, in this order, each conditional on what came before:

1. sentence type (statewide shares);
2. sex given sentence type (women are rarely strikers or condemned);
3. sentencing county (statewide weights), ethnicity given county and sentence type (Latino share
   higher in the Central Valley and Imperial, Black share higher among third strikers and the
   condemned), rescaled so the statewide shares still meet the targets;
4. controlling offense given sentence type and sex (women: few sex or weapon offenses);
5. age at offense given sentence type (strikers older: they need earlier strikes; lifers younger,
   a few juveniles tried as adults);
6. after the sentence is known (:mod:`commitments`), time served given sentence type and length, so
   that age = age at offense + time served, and all dates follow.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from helpers.data import schema
from helpers.synthetic import formats, places, targets
from helpers.synthetic.offenses import CODES, MIX, OFFENSES, weights

Frame = dict[str, np.ndarray]

STYPES: tuple[str, ...] = schema.SENTENCE_TYPES
DSL, SECOND, THIRD, LWP, LWOP, CONDEMNED = range(6)
ETHNICITIES: tuple[str, ...] = tuple(targets.ETHNICITY_SHARES)

# P(female | sentence type); gives ~4.5 % women overall (PPIC 2024: men 95-96 %).
FEMALE_BY_TYPE = np.array([0.066, 0.030, 0.008, 0.035, 0.035, 0.03])
# Share of people with at least one prior prison commitment, by sentence type (strikers: all).
PRIOR_BY_TYPE = np.array([0.21, 1.0, 1.0, 0.20, 0.22, 0.30])
THREE_STRIKES_START = np.datetime64("1994-03-07")  # Three Strikes law in force
PROP_36 = np.datetime64("2012-11-07")  # Three Strikes Reform Act: non-serious 3rd strikes end
DEATH_PENALTY_START = np.datetime64("1978-01-01")


def categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix (rows need not be normalised)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _ethnicity_matrix() -> np.ndarray:
    """P(ethnicity | county, sentence type) as a (58, 6, k) array meeting the statewide targets."""
    target = np.array(list(targets.ETHNICITY_SHARES.values()))
    target = target / target.sum()
    k = len(ETHNICITIES)
    col = {e: i for i, e in enumerate(ETHNICITIES)}
    mult = np.ones((len(places.COUNTIES), len(STYPES), k))
    for c, name in enumerate(places.COUNTIES):
        if name in targets.HISPANIC_HEAVY_COUNTIES:
            mult[c, :, [col["Mexican"], col["Hispanic"]]] *= 1.7
        if name in targets.BLACK_HEAVY_COUNTIES:
            mult[c, :, col["Black"]] *= 1.6
        if name in targets.WHITE_HEAVY_COUNTIES:
            mult[c, :, col["White"]] *= 2.5
            mult[c, :, col["American Indian"]] *= 3.0
    mult[:, THIRD, col["Black"]] *= 1.35
    mult[:, LWOP, col["Black"]] *= 1.25
    mult[:, CONDEMNED, col["Black"]] *= 1.4
    mult[:, DSL, col["White"]] *= 1.1
    p_group = places.county_weights()[:, None] * np.array(
        list(targets.SENTENCE_TYPE_SHARES.values())
    )
    base = target.copy()
    for _ in range(50):  # rescale so the statewide mixture equals the target shares
        m = mult * base
        m /= m.sum(axis=2, keepdims=True)
        achieved = (p_group[:, :, None] * m).sum(axis=(0, 1))
        base *= target / achieved
    m = mult * base
    return m / m.sum(axis=2, keepdims=True)


def _offense_matrix() -> np.ndarray:
    """P(controlling offense | sentence type, sex) as a (6, 2, n_offenses) array."""
    fam = OFFENSES["family"].to_numpy()
    female_mult = np.ones(len(CODES))
    female_mult[fam == "sex"] = 0.08
    female_mult[fam == "weapon"] = 0.5
    female_mult[np.isin(fam, ["drug", "theft", "fraud"])] = 2.5
    out = np.zeros((len(STYPES), 2, len(CODES)))
    for t, name in enumerate(STYPES):
        w = weights(MIX[name])
        out[t, 0] = w
        wf = w * female_mult
        out[t, 1] = wf / wf.sum()
    return out


def draw_people(n: int, rng: np.random.Generator) -> Frame:
    """Sentence type, sex, county, ethnicity, controlling offense, age at offense and priors."""
    p: Frame = {"person": np.arange(n)}
    stype = rng.choice(len(STYPES), size=n, p=np.array(list(targets.SENTENCE_TYPE_SHARES.values())))
    p["stype"] = stype
    p["female"] = rng.random(n) < FEMALE_BY_TYPE[stype]
    county = rng.choice(len(places.COUNTIES), size=n, p=places.county_weights())
    if n >= 2_000:  # every county appears in any sample of realistic size
        missing = np.setdiff1d(np.arange(len(places.COUNTIES)), county)
        if missing.size:
            la = np.flatnonzero(county == places.COUNTY_INDEX["Los Angeles"])
            county[rng.choice(la, size=missing.size, replace=False)] = missing
    p["county"] = county
    p["ethnicity"] = categorical(rng, _ethnicity_matrix()[county, stype])
    p["offense"] = categorical(rng, _offense_matrix()[stype, p["female"].astype(int)])
    p["aao"] = _age_at_offense(stype, rng)
    has_prior = rng.random(n) < PRIOR_BY_TYPE[stype]
    extra = rng.poisson(np.select([stype == SECOND, stype == THIRD], [0.5, 0.6], 0.35))
    p["n_priors"] = np.where(has_prior, np.select([stype == THIRD], [2], 1) + extra, 0).astype(
        np.int64
    )
    return p


def _age_at_offense(stype: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """True age at the controlling offense (years), by sentence type; ~1.5 % juveniles."""
    n = len(stype)
    # (minimum age, gamma shape, gamma scale) by sentence type
    params = np.array(
        [
            [18.3, 1.7, 10.0],  # DSL
            [20.0, 2.2, 8.0],  # Second Striker
            [22.0, 2.6, 5.5],  # Third Striker
            [18.3, 1.4, 8.0],  # Life with Parole
            [18.3, 1.4, 7.5],  # LWOP
            [18.3, 1.6, 6.5],  # Condemned
        ]
    )
    lo, shape, scale = params[stype].T
    aao = lo + rng.gamma(shape, scale)
    aao = np.where(aao > 50, 50 + 0.6 * (aao - 50), aao)  # few first offend late in life
    # Juveniles tried as adults: mostly lifers; a few aged 14-15.
    p_juv = np.array([0.004, 0.0, 0.0, 0.045, 0.05, 0.0])[stype]
    juv = rng.random(n) < p_juv
    juv_year = rng.choice([14, 15, 16, 17], size=n, p=[0.03, 0.06, 0.36, 0.55])
    aao = np.where(juv, juv_year + rng.random(n), aao)
    return np.minimum(aao, 78.0 + rng.random(n))


def draw_timeline(p: Frame, rng: np.random.Generator, as_of: date) -> None:
    """Time served, offense dates, birth date and ages, given the sentence (``p["months_main"]``).

    Time served is measured, as in the CDCR release, from the offense end date: it includes the time
    between offense and sentencing (``lag``).  Determinate terms: people are a draw through the part
    of their term they will serve (``p["served_fraction"]`` x sentence), skewed towards its end
    because admissions have fallen for a decade; indeterminate terms:
    lognormal by type, third strikes no earlier than March 1994, non-serious third strikes before
    Prop 36 (Nov 2012), death sentences after 1977.
    """
    n = len(p["person"])
    stype = p["stype"]
    today = np.datetime64(as_of, "D")
    lag = rng.gamma(2.2, 0.4, n)
    years = p["months_main"] / 12.0
    # Later in their terms than a steady state would put them: admissions have fallen for a decade.
    u = rng.beta(1.4, 1.0, n)
    det = lag + u * p["served_fraction"] * years
    z = rng.standard_normal(n)
    ts = det.copy()
    med = np.array([0, 0, 17.5, 17.5, 20.5, 26.0])[stype]
    sig = np.array([0, 0, 0.45, 0.5, 0.45, 0.3])[stype]
    indet = stype >= THIRD
    ts[indet] = (med * np.exp(sig * z))[indet]
    max_ts = np.full(n, 55.0)
    strikes_years = formats.years_between(THREE_STRIKES_START, today)
    max_ts[(stype == SECOND) | (stype == THIRD)] = strikes_years
    max_ts[stype == CONDEMNED] = formats.years_between(DEATH_PENALTY_START, today)
    ts = np.minimum(ts, max_ts - rng.random(n))
    # Non-serious third strikes: sentenced before Prop 36.
    prop36 = formats.years_between(PROP_36, today)
    old3 = (stype == THIRD) & p["nonserious_current"] & (strikes_years > prop36 + 1)
    span = strikes_years - prop36
    ts[old3] = prop36 + 0.3 + (span - 0.6) * rng.beta(1.6, 2.2, int(old3.sum()))
    ts = np.maximum(ts, lag)
    # Age limits: adults in custody (>= 18 today) and no one older than ~92.
    ts = np.maximum(ts, 18.05 - p["aao"])
    ts = np.minimum(ts, np.maximum(92.0 - p["aao"], lag))
    p["lag"] = lag
    p["ts_true"] = ts
    end = formats.add_years(np.full(n, today), -ts)
    p["offense_end"] = end
    # Begin date: same day for most; continuous or repeated offenses span weeks to years.
    fam = OFFENSES["family"].to_numpy()[p["offense"]]
    long_span = np.isin(fam, ["sex", "fraud"]) & (rng.random(n) < 0.35)
    short_span = rng.random(n) < 0.12
    span_days = np.where(
        long_span,
        rng.integers(30, 900, n),
        np.where(short_span, rng.integers(1, 4, n), 0),
    )
    p["offense_begin"] = end - span_days.astype("timedelta64[D]")
    p["ts_years"] = np.round(formats.years_between(end, today), 2)
    for _ in range(3):
        birth = formats.add_years(np.full(n, today), -(p["aao"] + ts))
        p["birth"] = birth
        p["age"] = formats.calendar_age(birth, today)
        # CDCR's estimate: whole years of age minus time served (up to a year below the truth).
        p["aao_est"] = np.round(p["age"] - p["ts_years"], 1)
        low = p["aao_est"] < 14  # keep the youngest estimates at 14 or more
        if not low.any():
            break
        p["aao"] = np.where(low, p["aao"] + (14 - p["aao_est"]) + 0.02, p["aao"])


def served_fraction(p: Frame) -> np.ndarray:
    """Share of the term served before release (or before the minimum parole date).

    Violent determinate terms: 85 % (PC 2933.1); other determinate terms about half (Prop 57 and
    conduct credits); strikers 80 % (PC 667(c)(5)); lifers 85 % of the minimum.
    """
    violent = OFFENSES["sv"].to_numpy()[p["offense"]]
    stype = p["stype"]
    return np.select(
        [stype == DSL, stype == SECOND],
        [np.where(violent, 0.85, 0.55), np.where(violent, 0.8, 0.67)],
        np.where(stype == THIRD, 0.8, 0.85),
    )


def release_dates(p: Frame, rng: np.random.Generator, as_of: date) -> None:
    """Expected release date (EPRD or MEPD): blank for LWOP and condemned.

    Determinate terms always end after the as-of date; a lifer's or third striker's minimum
    eligible parole date may lie in the past (eligible, not yet found suitable).
    """
    today = np.datetime64(as_of, "D")
    stype = p["stype"]
    years = p["lag"] + p["served_fraction"] * p["months_total"] / 12.0
    release = formats.add_years(p["offense_end"], years)
    det = stype <= SECOND
    floor = today + rng.integers(20, 120, len(stype)).astype("timedelta64[D]")
    release = np.where(det & (release < floor), floor, release)
    release = release.astype("datetime64[D]")
    release[stype >= LWOP] = np.datetime64("NaT")
    p["release"] = release
