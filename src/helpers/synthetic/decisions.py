"""A synthetic review-decision log: which cases an office reviewed, when, what it decided, and why.

How the log is generated (every draw from the generator's own ``decisions`` random stream, so the log
changes with the seed but never with another table's draws):

1. **Review date first.**  Every person gets a candidate review date, uniform between the later of
   2021-01-01 and half a year after admission, and the day before the as-of date (window
   :data:`WINDOW`).  The drivers below are measured *on that date*: age and time served are today's
   minus the years since the review, and the custody counts are those of the five years before it.
   A model that used today's values instead of the decision date's would be fitting the future.
2. **Drivers** (documented, partly visible to a model, partly not): the latent propensity

       z = 0.07 (age - 50) + 0.09 (min(time served, 30) - 10) + 0.35 log(sentence / offense's usual term)
           + 0.6 [no serious, violent or sex current offense] + 0.4 [third striker]
           + 0.5 [enhancement changed by later law] + 0.12 min(credits in 5 years, 12) + 0.4 [degree]
           - 0.45 min(violations in 5 years, 6) - 0.9 min(serious violations in 5 years, 3)
           + 0.5 [under 26 at offense] + 0.4 [serious medical condition] + 0.3 [trauma] + 0.6 [IPV victim]
           - 1.8 [sex offense, current or prior] - 0.6 [murder] - 2.5 [LWOP or condemned]
           + e,   e ~ N(0, :data:`JUDGMENT_SD`)

   ``e`` is the office's own judgment (victim input, the file's details, the hearing), which no
   column records; "enhancement changed by later law" and "degree" are only partly visible in the
   CDCR columns.
3. **Review**: an office reviews a person with probability sigmoid(a + 0.9 z + 0.7 [pilot county]).
4. **Decision**: a reviewed person is a *positive* (``referred`` to the court, or ``resentenced``)
   with probability sigmoid(b + 1.1 z), an independent draw.

``a`` and ``b`` are solved so that ~5.5 % of people are reviewed and ~1.3 % are positive (RAND 2025:
~2.2 % reviewed and 0.45 % resentenced in the pilot counties, third strikers 43 % and crimes against
persons 79 % of referrals; the calibration note asks for 0.5-3 % positives).  About 40 % of positives
are ``resentenced``, more often the earlier reviews (later ones are still pending as ``referred``).
Reviewed negatives are ``not referred`` or, for 15 % of them and more often at higher propensity,
``denied`` (referred, the court declined).  About one positive in ten also has an earlier ``not
referred`` review, one to two and a half years before.

So the log is **not a function of the features**: the same person with the same columns can be
reviewed or not and referred or not, through ``e`` and the two Bernoulli draws.  A model evaluated on
this log can at best recover the drivers; its scores on synthetic data describe this generator, not
any office.

Reason codes (``reason_codes`` is a ``;``-separated list; ``reason_text`` spells them out):
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from helpers.synthetic import formats, places, targets
from helpers.synthetic.commitments import LIFE, MID
from helpers.synthetic.people import LWOP, THIRD, Frame

REASON_CODES: dict[str, str] = {
    "AGE": "age at review (50 or older)",
    "TIME_SERVED": "long time already served (10 years or more)",
    "REHAB": "rehabilitation: programming credits, education",
    "YOUTH": "youth at the time of the offense (under 26)",
    "CHANGE_IN_LAW": "sentence or enhancement changed by later law (Prop 36, SB 620, SB 1393, SB 483)",
    "HEALTH": "serious medical condition or advanced age",
    "TRAUMA": "history of trauma, abuse or intimate-partner violence",
    "REENTRY_PLAN": "reentry plan (housing, employment, support)",
    "PUBLIC_SAFETY": "current risk to public safety",
    "RULES_VIOLATIONS": "recent rules violations in custody",
    "VICTIM_INPUT": "victim or family input opposing relief",
    "OFFENSE_SEVERITY": "severity of the offense",
    "INSUFFICIENT_TIME": "not enough time served yet",
}
__doc__ = (__doc__ or "") + "\n".join(f"``{k}``: {v}" for k, v in REASON_CODES.items()) + "\n"

DENIED_SHARE_OF_NEGATIVES = 0.15
#: SD of the office's own judgment ``e`` in the propensity (what no column records).
JUDGMENT_SD = 0.9
ROLES = np.array(["Deputy DA", "Head Deputy", "Resentencing Unit"], dtype=object)
WINDOW = (np.datetime64("2021-01-01"), np.datetime64("2025-12-31"))
#: Days in the "recent" custody window before a review (five years).
RECENT_DAYS = 1826


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _solve(offset: np.ndarray, target: float, weight: np.ndarray | float = 1.0) -> float:
    """Intercept c with mean(weight * sigmoid(c + offset)) == target (bisection)."""
    lo, hi = -40.0, 40.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if (weight * _sigmoid(mid + offset)).mean() < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _recent_counts(
    owner: np.ndarray, when: np.ndarray, on: np.ndarray, n: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Per person, the (weighted) count of events in the five years up to the person's date ``on``."""
    age_days = (on[owner] - when).astype(np.int64)
    recent = (age_days >= 0) & (age_days < RECENT_DAYS)
    w = recent if weights is None else recent & weights
    return np.bincount(owner, weights=w, minlength=n).astype(np.int64)


def drivers_on(
    p: Frame,
    on: np.ndarray,
    today: np.datetime64,
    violations: Frame | None = None,
    credits: dict[str, Frame] | None = None,
) -> dict[str, np.ndarray]:
    """Age, time served and the five-year custody counts on each person's date ``on``.

    Without the event tables (``violations``, ``credits``) the counts are today's.
    """
    n = len(p["person"])
    back = formats.years_between(on, today)
    out = {"age": p["age"] - back, "ts": np.maximum(p["ts_true"] - back, 0.0)}
    if violations is None:
        out["rv"], out["rv_serious"] = p["rv_recent"], p["rv_recent_serious"]
    else:
        owner, when = violations["owner"], violations["date"]
        out["rv"] = _recent_counts(owner, when, on, n)
        out["rv_serious"] = _recent_counts(owner, when, on, n, violations["div_code"] <= 3)
    if credits is None:
        out["credits"] = p["credits_recent"]
    else:
        out["credits"] = sum(
            _recent_counts(c["owner"], c["date"], on, n) for c in credits.values()
        ).astype(np.int64)
    return out


def propensity(
    p: Frame, rng: np.random.Generator, drivers: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """The latent review propensity z (see the module docstring), with ``drivers`` on the review
    date (:func:`drivers_on`; default: today's values)."""
    n = len(p["person"])
    d = drivers or {
        "age": p["age"],
        "ts": p["ts_true"],
        "rv": p["rv_recent"],
        "rv_serious": p["rv_recent_serious"],
        "credits": p["credits_recent"],
    }
    stype = p["stype"]
    usual = np.where(MID[p["offense"]] > 0, MID[p["offense"]], LIFE[p["offense"]])
    sentence = np.where(stype >= LWOP, 600, p["months_total"])
    ratio = np.log(np.maximum(sentence, 6) / np.maximum(usual, 12))
    return (
        0.07 * (d["age"] - 50)
        + 0.09 * (np.minimum(d["ts"], 30) - 10)
        + 0.35 * np.clip(ratio, -1.5, 3)
        + 0.6 * p["nonserious_current"]
        + 0.4 * (stype == THIRD)
        + 0.5 * p["change_in_law"]
        + 0.12 * np.minimum(d["credits"], 12)
        + 0.4 * p["degree"]
        - 0.45 * np.minimum(d["rv"], 6)
        - 0.9 * np.minimum(d["rv_serious"], 3)
        + 0.5 * (p["aao"] < 26)
        + 0.4 * p["medical"]
        + 0.3 * p["trauma"]
        + 0.6 * p["ipv"]
        - 1.8 * (p["sex_current"] | p["prior_sex"])
        - 0.6 * p["murder"]
        - 2.5 * (stype >= LWOP)
        + rng.normal(0, JUDGMENT_SD, n)
    )


def _review_dates(
    p: Frame, rng: np.random.Generator, today: np.datetime64
) -> tuple[np.ndarray, np.ndarray]:
    """Each person's candidate review date and whether the window leaves room for a review."""
    end = min(WINDOW[1], today - np.timedelta64(1, "D"))
    start = (
        WINDOW[0] if end - WINDOW[0] > np.timedelta64(365, "D") else end - np.timedelta64(1461, "D")
    )
    first = np.maximum(start, formats.add_years(p["admission"], 0.5))
    reviewable = first < end
    width = np.maximum((end - first).astype(np.int64), 0)
    when = first + (rng.random(len(first)) * width).astype(np.int64).astype("timedelta64[D]")
    return when, reviewable


def review_log(
    p: Frame,
    rng: np.random.Generator,
    as_of: date,
    violations: Frame | None = None,
    credits: dict[str, Frame] | None = None,
) -> pd.DataFrame:
    """Decision rows: ``owner`` (person index), ``decision``, ``date``, reasons, role, new sentence.

    ``violations`` and ``credits`` are the custody events (:mod:`helpers.synthetic.dsa`), so that
    the drivers are counted on the review date; without them today's counts are used.
    """
    n = len(p["person"])
    today = np.datetime64(as_of, "D")
    when, reviewable = _review_dates(p, rng, today)
    drivers = drivers_on(p, when, today, violations, credits)
    z = propensity(p, rng, drivers)
    pilot = np.isin(np.asarray(places.COUNTIES, dtype=object)[p["county"]], targets.PILOT_COUNTIES)
    off_review = 0.9 * z + 0.7 * pilot
    a = _solve(np.where(reviewable, off_review, -80.0), targets.REVIEWED_SHARE)
    p_review = _sigmoid(a + off_review) * reviewable
    b = _solve(1.1 * z, targets.POSITIVE_SHARE, weight=p_review)
    reviewed = rng.random(n) < p_review
    positive = reviewed & (rng.random(n) < _sigmoid(b + 1.1 * z))
    # Earlier reviews have had time to reach a resentencing; later ones are still pending.
    years_ago = formats.years_between(when, today)
    pos_idx = np.flatnonzero(positive)
    r = (
        _solve(years_ago[pos_idx] - 3.0, targets.RESENTENCED_SHARE_OF_POSITIVES)
        if pos_idx.size
        else 0
    )
    resentenced = positive & (rng.random(n) < _sigmoid(r + years_ago - 3.0))
    negative = reviewed & ~positive
    c = _solve(0.8 * z[negative], DENIED_SHARE_OF_NEGATIVES) if negative.any() else 0.0
    denied = negative & (rng.random(n) < _sigmoid(c + 0.8 * z))
    decision = np.select(
        [resentenced, positive, denied], ["resentenced", "referred", "denied"], "not referred"
    ).astype(object)

    who = np.flatnonzero(reviewed)
    rows = pd.DataFrame({"owner": who, "decision": decision[who], "date": when[who]})
    # Earlier 'not referred' reviews for about one positive in ten.
    again = who[positive[who] & (rng.random(who.size) < 0.1)]
    earlier = when[again] - rng.integers(365, 900, again.size).astype("timedelta64[D]")
    first = np.maximum(WINDOW[0], formats.add_years(p["admission"][again], 0.5))
    fits = earlier >= first
    rows = pd.concat(
        [
            rows,
            pd.DataFrame({"owner": again[fits], "decision": "not referred", "date": earlier[fits]}),
        ],
        ignore_index=True,
    )
    rows = rows.sort_values(["date", "owner"], kind="stable").reset_index(drop=True)
    _reasons(p, rows, rng, today, drivers)
    return rows


def _reasons(
    p: Frame,
    rows: pd.DataFrame,
    rng: np.random.Generator,
    today: np.datetime64,
    drivers: dict[str, np.ndarray],
) -> None:
    """Reason codes and text, reviewer role and new sentence for each decision row.

    Age and time served are those on the row's date; the custody counts those of the person's
    review date (``drivers``).
    """
    o = rows["owner"].to_numpy()
    m = len(rows)
    dec = rows["decision"].to_numpy()
    pos = np.isin(dec, ["referred", "resentenced"])
    neg = dec == "not referred"
    den = dec == "denied"
    back = formats.years_between(rows["date"].to_numpy(dtype="datetime64[D]"), today)
    age = np.floor(p["age"][o] - back).astype(np.int64)
    ts = np.maximum(p["ts_true"][o] - back, 0.0)
    credits = drivers["credits"][o]
    rv = drivers["rv"][o]
    rand = rng.random((m, 4))
    persons = p["category"][o] == "Crimes Against Persons"
    conditions = {
        "AGE": pos & (age >= 50),
        "TIME_SERVED": pos & (ts >= 10),
        "REHAB": pos & ((credits >= 3) | p["degree"][o]),
        "YOUTH": pos & (p["aao"][o] < 26),
        "CHANGE_IN_LAW": pos
        & (((p["stype"][o] == THIRD) & p["nonserious_current"][o]) | p["change_in_law"][o]),
        "HEALTH": pos & p["medical"][o],
        "TRAUMA": pos & (p["trauma"][o] | p["ipv"][o]),
        "REENTRY_PLAN": pos & (rand[:, 0] < 0.4),
        "PUBLIC_SAFETY": (neg & (~p["nonserious_current"][o] | (p["level"][o] == 4)))
        | (den & (rand[:, 1] < 0.6)),
        "RULES_VIOLATIONS": (neg | den) & (rv >= 1),
        "VICTIM_INPUT": (neg | den) & persons & (rand[:, 2] < 0.3),
        "OFFENSE_SEVERITY": neg & (p["murder"][o] | p["sex_current"][o]),
        "INSUFFICIENT_TIME": neg & (ts < 10),
    }
    none = ~np.logical_or.reduce(list(conditions.values()))
    conditions["REENTRY_PLAN"] = conditions["REENTRY_PLAN"] | (none & pos)
    conditions["PUBLIC_SAFETY"] = conditions["PUBLIC_SAFETY"] | (none & ~pos)
    idx = pd.RangeIndex(m)
    age_s = pd.Series(age, index=idx).astype(str)
    ts_s = pd.Series(np.round(ts, 1), index=idx).astype(str)
    phrases = {
        "AGE": "age " + age_s,
        "TIME_SERVED": ts_s + " years served",
        "REHAB": pd.Series(credits, index=idx).astype(str) + " programming credits in 5 years",
        "YOUTH": pd.Series(np.floor(p["aao"][o]).astype(np.int64), index=idx).astype(str)
        + " at the offense",
        "CHANGE_IN_LAW": "sentence under since-amended law",
        "HEALTH": "serious medical condition",
        "TRAUMA": "history of trauma or abuse",
        "REENTRY_PLAN": "reentry plan in place",
        "PUBLIC_SAFETY": "public-safety concern",
        "RULES_VIOLATIONS": pd.Series(rv, index=idx).astype(str) + " rules violations in 5 years",
        "VICTIM_INPUT": "victim input opposing relief",
        "OFFENSE_SEVERITY": "severity of the offense",
        "INSUFFICIENT_TIME": "only " + ts_s + " years served",
    }
    codes = pd.Series("", index=idx, dtype=object)
    text = pd.Series("", index=idx, dtype=object)
    for code, cond in conditions.items():
        phrase = phrases[code]
        phrase = phrase.astype(object) if isinstance(phrase, pd.Series) else phrase
        codes = codes.where(~cond, codes + np.where(codes == "", "", ";") + code)
        text = text.where(~cond, text + np.where(text == "", "", "; ") + phrase)
    text = text.str[:1].str.upper() + text.str[1:]
    rows["reason_codes"] = codes.to_numpy(dtype=object)
    rows["reason_text"] = text.to_numpy(dtype=object)
    role_p = np.where(neg[:, None], [0.65, 0.2, 0.15], [0.3, 0.3, 0.4])
    pick = (rand[:, 3][:, None] >= np.cumsum(role_p, axis=1)).sum(axis=1).clip(0, 2)
    rows["reviewer_role"] = ROLES[pick]
    # New sentence for resentenced people: around the time already served, below the old term.
    res = dec == "resentenced"
    old = np.where(p["stype"][o] >= LWOP, 10_000, p["months_total"][o])
    new = np.rint(np.clip(ts * 12 * rng.uniform(0.85, 1.1, m), 24, np.maximum(old - 12, 24)))
    rows["new_sentence_months"] = pd.array(np.where(res, new, np.nan), dtype="Int64")
