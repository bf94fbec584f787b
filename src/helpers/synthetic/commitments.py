"""Current and prior commitments: one row per offense count, with terms and enhancements.

Sentencing rules the generator follows (simplified California law, enough for coherent data):

* Each case has exactly one ``Initial`` count (the principal term); the person's controlling offense
  is the ``Initial`` count of the main case.  Other counts are ``Consecutive``, ``Concurrent`` or
  ``Stayed`` (PC 654).
* Determinate terms: the principal term is the low, middle or upper term of the offense's triad plus
  its enhancements; a consecutive subordinate count is one third of the middle term (PC 1170.1(a)).
  Second strikers get double base terms (PC 667(e)(1)).
* Third strikers: the principal count is ``25 Years 0 Months-to-Life`` plus enhancements (five-year
  serious-felony priors, PC 667(a)(1), are common); lifers carry the offense's minimum term
  (15/25-to-life for murder, 7-to-life for premeditated attempted murder and aggravated kidnapping,
  one-strike sex terms under PC 667.61) plus enhancements (PC 12022.53(d) adds 25-to-life).
* **Aggregate rule.**  ``aggregate sentence in months`` = the sum, over every current case, of the
  months of the ``Initial`` and ``Consecutive`` counts (``offense time with enhancement``, with life
  terms counted at their minimum); ``Concurrent`` and ``Stayed`` counts add nothing.  LWOP is written
  10000 and Condemned 1000000 regardless.  ``sentence from abstract of judgement`` is that sum for the
  case (``Life with Parole`` / ``LWOP`` / ``Condemned`` for cases with a life term).
* Offenses committed in prison form a second current case (``In-Prison``), fully consecutive.
* Priors: strikers have serious or violent prior commitments (one for second strikers, two or more for
  third strikers); other people have priors at the shares in :data:`people.PRIOR_BY_TYPE`.  Prior cases
  are laid out backwards from the current offense: each ends (release date) before the next offense,
  and none starts before age 18.
"""

from __future__ import annotations

import numpy as np

from helpers.synthetic import formats, places
from helpers.synthetic.offenses import (
    CODES,
    ENH_INDEX,
    ENH_MONTHS,
    GENERIC_COMPANION_MIX,
    IN_PRISON_MIX,
    OFFENSES,
    PRIOR_OTHER_MIX,
    PRIOR_STRIKE_MIX,
    family_weights,
    weights,
)
from helpers.synthetic.people import CONDEMNED, DSL, LWOP, LWP, SECOND, THIRD, Frame, categorical

INITIAL, CONCURRENT, CONSECUTIVE, STAYED = range(4)
RELATIONSHIP_NAMES = np.array(["Initial", "Concurrent", "Consecutive", "Stayed"], dtype=object)
# Special term codes of a row.
TERM_PLAIN, TERM_LWOP, TERM_CONDEMNED, TERM_STAYED = range(4)

FAMILY = OFFENSES["family"].to_numpy(dtype=object)
SV = OFFENSES["sv"].to_numpy()
SEX = OFFENSES["sex"].to_numpy()
LOW, MID, HIGH, LIFE = (
    OFFENSES[c].to_numpy(dtype=np.int64) for c in ("low", "mid", "high", "life")
)
TRIAD = np.stack([LOW, MID, HIGH], axis=1)
FAMILIES = tuple(sorted(set(FAMILY)))

# Number of counts in the main case by sentence type (1..6); means 2.3-3.1.
COUNT_PROBS = np.array(
    [
        [0.38, 0.27, 0.16, 0.09, 0.06, 0.04],
        [0.32, 0.28, 0.18, 0.11, 0.06, 0.05],
        [0.25, 0.25, 0.20, 0.14, 0.09, 0.07],
        [0.28, 0.24, 0.20, 0.13, 0.08, 0.07],
        [0.20, 0.22, 0.20, 0.16, 0.11, 0.11],
        [0.20, 0.22, 0.20, 0.16, 0.11, 0.11],
    ]
)
# Relationship of a non-initial count by sentence type: concurrent, consecutive, stayed.
RELATION_PROBS = np.array(
    [
        [0.30, 0.40, 0.30],
        [0.30, 0.40, 0.30],
        [0.35, 0.30, 0.35],
        [0.30, 0.35, 0.35],
        [0.35, 0.25, 0.40],
        [0.35, 0.25, 0.40],
    ]
)
TIER_PROBS = np.array([0.25, 0.45, 0.30])  # low, middle, upper term
TIER_PROBS_DSL = np.array([0.35, 0.45, 0.20])


def _rows_for(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Owner index and position within owner for ``counts`` rows per owner."""
    owner = np.repeat(np.arange(len(counts)), counts)
    start = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - start[owner]


class Enhancements:
    """Collects enhancement assignments as (row, code index, slot order) triples."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.codes: list[np.ndarray] = []
        self.order: list[np.ndarray] = []

    def add(self, rows: np.ndarray, codes: np.ndarray | int, order: int) -> None:
        """Give enhancement ``codes`` (one, or one per row) to ``rows``, in slot ``order``."""
        rows = np.asarray(rows, dtype=np.int64)
        self.rows.append(rows)
        self.codes.append(np.broadcast_to(np.asarray(codes, dtype=np.int64), rows.shape).copy())
        self.order.append(np.full(rows.shape, order, dtype=np.int64))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All assignments as (rows, code indices, slot orders)."""
        if not self.rows:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty
        return np.concatenate(self.rows), np.concatenate(self.codes), np.concatenate(self.order)

    def months(self, n_rows: int) -> np.ndarray:
        """Months the enhancements add to each of ``n_rows`` rows."""
        rows, codes, _ = self.arrays()
        return np.bincount(rows, weights=ENH_MONTHS[codes], minlength=n_rows).astype(np.int64)


def _pick(rng: np.random.Generator, mask: np.ndarray, p: float) -> np.ndarray:
    """Indices where ``mask`` holds, each kept with probability ``p`` (array or scalar)."""
    idx = np.flatnonzero(mask)
    keep = rng.random(idx.size) < (p if np.isscalar(p) else np.asarray(p)[idx])
    return idx[keep]


def _choose(rng: np.random.Generator, idx: np.ndarray, codes: dict[str, float]) -> np.ndarray:
    names = list(codes)
    probs = np.array(list(codes.values()))
    pick = rng.choice(len(names), size=idx.size, p=probs / probs.sum())
    return np.array([ENH_INDEX[c] for c in names])[pick]


# --------------------------------------------------------------------------------------------------
# Current commitments
# --------------------------------------------------------------------------------------------------


def build_current(p: Frame, rng: np.random.Generator) -> Frame:
    """Counts of the main case with relationships, offenses, enhancements and months.

    Sets on ``p``: ``months_main`` (aggregate of the main case), ``months`` (the same, LWOP and
    condemned coded 10000 / 1000000), ``nonserious_current`` (no serious, violent or sex count),
    ``sex_current`` and ``n_counts``.
    """
    n = len(p["person"])
    stype = p["stype"]
    counts = categorical(rng, COUNT_PROBS[stype]) + 1
    owner, pos = _rows_for(counts)
    r: Frame = {"owner": owner, "pos": pos, "case": np.zeros(owner.size, dtype=np.int64)}
    t = stype[owner]
    r["relationship"] = np.where(pos == 0, INITIAL, categorical(rng, RELATION_PROBS[t]) + 1)
    _current_offenses(p, r, rng, t)
    p["n_counts"] = counts
    months, life, special = _base_terms(r, rng, t)
    rel = r["relationship"]
    enh = Enhancements()
    _current_enhancements(p, r, rng, enh)
    r["enh"] = enh
    em = enh.months(owner.size)
    # Subordinate consecutive counts carry one third of their enhancements.
    em = np.where((rel == CONSECUTIVE) & ~life, np.rint(em / 3).astype(np.int64), em)
    months = np.where(special == TERM_PLAIN, months + em, months)
    r["months"], r["life"], r["special"] = months, life, special
    p["months_main"] = _aggregate(r, n)
    p["months"] = _coded(p["months_main"], stype)
    return r


def _current_offenses(p: Frame, r: Frame, rng: np.random.Generator, t: np.ndarray) -> None:
    """Offenses of the counts: the controlling offense first, companions of the same offense,
    family or generic; sets ``r["offense"]``, may soften ``r["relationship"]``, and sets
    ``nonserious_current`` and ``sex_current`` on ``p``."""
    owner, pos, rel = r["owner"], r["pos"], r["relationship"]
    ctrl = p["offense"][owner]
    off = ctrl.copy()
    comp = pos > 0
    u = rng.random(owner.size)
    life_only = MID[ctrl] == 0
    same = comp & (u < 0.35) & (~life_only | (t >= LWP))
    fam_rows = comp & ~same & (u < 0.75)
    gen_rows = comp & ~same & ~fam_rows
    for fam in FAMILIES:
        rows = np.flatnonzero(fam_rows & (FAMILY[ctrl] == fam))
        if rows.size:
            off[rows] = rng.choice(len(CODES), size=rows.size, p=family_weights(fam))
    rows = np.flatnonzero(gen_rows)
    off[rows] = rng.choice(len(CODES), size=rows.size, p=weights(GENERIC_COMPANION_MIX))
    # Non-serious controlling offense: companions stay non-serious and non-sex.
    nonserious_ctrl = ~SV[p["offense"]] & ~SEX[p["offense"]]
    bad = comp & nonserious_ctrl[owner] & (SV[off] | SEX[off])
    off[bad] = ctrl[bad]
    # A second life count (another murder) is mostly stayed or concurrent, sometimes consecutive.
    soften = (rel == CONSECUTIVE) & (MID[off] == 0) & (rng.random(owner.size) < 0.75)
    r["relationship"] = np.where(
        soften, np.where(rng.random(owner.size) < 0.5, STAYED, CONCURRENT), rel
    )
    r["offense"] = off
    p["nonserious_current"] = nonserious_ctrl
    p["sex_current"] = np.bincount(owner, weights=SEX[off], minlength=len(p["person"])) > 0


def _base_terms(
    r: Frame, rng: np.random.Generator, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Months, life flag and special term code of every count before enhancements."""
    off, rel = r["offense"], r["relationship"]
    size = off.size
    tier = np.where(
        t == DSL,
        rng.choice(3, size=size, p=TIER_PROBS_DSL),
        rng.choice(3, size=size, p=TIER_PROBS),
    )
    base = TRIAD[off, tier]
    mid = MID[off]
    months = np.zeros(size, dtype=np.int64)
    life = np.zeros(size, dtype=bool)
    special = np.full(size, TERM_PLAIN, dtype=np.int64)
    striker = (t == SECOND) | (t == THIRD)
    init = rel == INITIAL
    consec = rel == CONSECUTIVE
    concur = rel == CONCURRENT
    off_life = MID[off] == 0  # life-only offense (murder, aggravated kidnapping, PC 269, 288.7)

    # Initial counts.
    m = init & (t == DSL)
    months[m] = base[m]
    m = init & (t == SECOND)
    months[m] = 2 * base[m]
    m = init & (t == THIRD)
    months[m], life[m] = 300, True
    m = init & (t == LWP)
    months[m], life[m] = np.where(LIFE[off[m]] > 0, LIFE[off[m]], 180), True
    special[init & (t == LWOP)] = TERM_LWOP
    special[init & (t == CONDEMNED)] = TERM_CONDEMNED
    # Consecutive counts.
    third_life = consec & (t == THIRD) & SV[off] & (rng.random(size) < 0.12)
    sub = np.rint(mid / 3).astype(np.int64)
    m = consec & ~off_life
    months[m] = np.where(striker[m], 2 * sub[m], sub[m])
    m = consec & ~off_life & (t >= LWP)
    months[m] = base[m]  # determinate terms run in full before a life term
    months[third_life], life[third_life] = 300, True
    m = consec & off_life
    months[m], life[m] = LIFE[off[m]], True
    special[consec & off_life & (t == LWOP)] = TERM_LWOP
    special[consec & off_life & (t == CONDEMNED)] = TERM_CONDEMNED
    # Concurrent counts: full term (life term for life-only offenses).
    m = concur & ~off_life
    months[m] = np.where(striker[m], 2 * base[m], base[m])
    m = concur & off_life
    months[m], life[m] = LIFE[off[m]], True
    special[rel == STAYED] = TERM_STAYED
    return months, life, special


def _aggregate(r: Frame, n: int) -> np.ndarray:
    counted = (r["relationship"] == INITIAL) | (r["relationship"] == CONSECUTIVE)
    counted &= r["special"] == TERM_PLAIN
    return np.bincount(r["owner"], weights=np.where(counted, r["months"], 0), minlength=n).astype(
        np.int64
    )


def _coded(months: np.ndarray, stype: np.ndarray) -> np.ndarray:
    out = months.copy()
    out[stype == LWOP] = 10_000
    out[stype == CONDEMNED] = 1_000_000
    return out


def _current_enhancements(p: Frame, r: Frame, rng: np.random.Generator, enh: Enhancements) -> None:
    """Enhancements on the main case (date-dependent ones come later, :func:`dated_enhancements`)."""
    t = p["stype"][r["owner"]]
    off, rel = r["offense"], r["relationship"]
    init = rel == INITIAL
    has_gun = _firearm_enhancements(rng, enh, t, off, init)
    _weapon_injury_gang_enhancements(p, r, rng, enh, init & ~has_gun)
    _prior_and_term_enhancements(rng, enh, t, off, init, rel == STAYED)


def _firearm_enhancements(
    rng: np.random.Generator, enh: Enhancements, t: np.ndarray, off: np.ndarray, init: np.ndarray
) -> np.ndarray:
    """Firearm enhancements, one per count at most; returns the counts that carry one."""
    fam = FAMILY[off]
    life_type = t >= LWP
    p_gun = np.select(
        [fam == "homicide", fam == "robbery", fam == "assault", fam == "kidnap"],
        [np.where(life_type, 0.25, 0.35), 0.45, 0.20, 0.25],
        np.where(np.isin(fam, ["sex", "burglary", "drug"]), 0.06, 0.0),
    )
    gun_code = OFFENSES["code"].to_numpy(dtype=object)[off]
    p_gun = np.where(np.isin(gun_code, ["PC245(a)(2)", "PC245(b)", "PC246"]), 0.5, p_gun)
    gun_rows = _pick(rng, init, p_gun)
    mixes = {
        "homicide": {"PC12022.53(d)": 45, "PC12022.53(c)": 10, "PC12022.53(b)": 8,
                     "PC12022.5(a)": 25, "PC12022(a)(1)": 12},
        "robbery": {"PC12022.53(b)": 35, "PC12022.53(c)": 5, "PC12022.53(d)": 2,
                    "PC12022.5(a)": 33, "PC12022(a)(1)": 25},
        "assault": {"PC12022.5(a)": 60, "PC12022.53(c)": 15, "PC12022.53(d)": 10,
                    "PC12022(a)(1)": 15},
        "kidnap": {"PC12022.53(b)": 30, "PC12022.5(a)": 40, "PC12022(a)(1)": 30},
        "": {"PC12022(a)(1)": 70, "PC12022.5(a)": 30},
    }  # fmt: skip
    gun_fam = fam[gun_rows]
    gun_codes = np.zeros(gun_rows.size, dtype=np.int64)
    for name, mix in mixes.items():
        sel = gun_fam == name if name else ~np.isin(gun_fam, [k for k in mixes if k])
        gun_codes[sel] = _choose(rng, gun_rows[sel], mix)
    # 25-to-life firearm enhancements only on life terms; determinate sentences get PC 12022.53(c).
    det = ~life_type[gun_rows] & (t[gun_rows] != THIRD)
    gun_codes[det & (gun_codes == ENH_INDEX["PC12022.53(d)"])] = ENH_INDEX["PC12022.53(c)"]
    enh.add(gun_rows, gun_codes, 1)
    has_gun = np.zeros(off.size, dtype=bool)
    has_gun[gun_rows] = True
    return has_gun


def _weapon_injury_gang_enhancements(
    p: Frame, r: Frame, rng: np.random.Generator, enh: Enhancements, no_gun: np.ndarray
) -> None:
    """Deadly weapon (initial counts without a firearm), great bodily injury and gang
    enhancements of the initial counts."""
    off, init = r["offense"], r["relationship"] == INITIAL
    fam = FAMILY[off]
    p_weapon = np.select(
        [np.isin(fam, ["assault", "robbery", "kidnap"]), fam == "homicide", fam == "sex"],
        [0.18, 0.10, 0.06],
        0.04,
    )
    enh.add(_pick(rng, no_gun, p_weapon), ENH_INDEX["PC12022(b)(1)"], 2)
    # Great bodily injury (domestic-violence variant for PC 273.5).
    code = OFFENSES["code"].to_numpy(dtype=object)[off]
    dv = code == "PC273.5(a)"
    enh.add(_pick(rng, init & dv, 0.3), ENH_INDEX["PC12022.7(e)"], 3)
    not_murder = ~np.isin(code, ["PC187 1st", "PC187 2nd"])
    p_gbi = np.select(
        [fam == "assault", fam == "homicide", np.isin(fam, ["robbery", "sex", "kidnap"])],
        [0.25, 0.15, 0.05],
        0.0,
    )
    enh.add(_pick(rng, init & ~dv & not_murder, p_gbi), ENH_INDEX["PC12022.7(a)"], 3)
    # Gang enhancement: more often in Los Angeles and the Central Valley.
    gang_county = np.isin(
        np.asarray(places.COUNTIES, dtype=object)[p["county"][r["owner"]]],
        ["Los Angeles", "Fresno", "Kern", "Tulare", "San Bernardino", "Riverside"],
    )
    p_gang = np.where(
        np.isin(fam, ["homicide", "assault", "robbery", "kidnap", "weapon"]),
        np.where(gang_county, 0.10, 0.06),
        0.0,
    )
    enh.add(_pick(rng, init, p_gang), ENH_INDEX["PC186.22(b)(1)"], 4)


def _prior_and_term_enhancements(
    rng: np.random.Generator,
    enh: Enhancements,
    t: np.ndarray,
    off: np.ndarray,
    init: np.ndarray,
    stayed: np.ndarray,
) -> None:
    """Five-year serious-felony priors, on-bail, one-strike and kidnap-for-sex terms, and a few
    enhancements on other (not stayed) counts."""
    fam = FAMILY[off]
    code = OFFENSES["code"].to_numpy(dtype=object)[off]
    # Five-year serious-felony priors for strikers with a serious current offense (0, 1 or 2).
    serious = SV[off] & init
    n667 = np.zeros(off.size, dtype=np.int64)
    second = serious & (t == SECOND)
    third = serious & (t == THIRD)
    n667[second] = rng.choice(3, size=int(second.sum()), p=[0.45, 0.5, 0.05])
    n667[third] = rng.choice(3, size=int(third.sum()), p=[0.35, 0.35, 0.30])
    for k in (1, 2):
        enh.add(np.flatnonzero(n667 >= k), ENH_INDEX["PC667(a)(1)"], 4 + k)
    # On bail; one-strike and kidnap-for-sex terms.
    enh.add(_pick(rng, init & (t <= SECOND), 0.05), ENH_INDEX["PC12022.1"], 8)
    sex_life = init & (fam == "sex") & (t >= LWP) & ~np.isin(code, ["PC269(a)", "PC288.7(a)"])
    enh.add(_pick(rng, sex_life, 0.9), ENH_INDEX["PC667.61"], 9)
    enh.add(_pick(rng, init & (fam == "sex"), 0.03), ENH_INDEX["PC667.8(a)"], 10)
    # A few enhancements on other (not stayed) counts.
    other = ~init & ~stayed & np.isin(fam, ["homicide", "assault", "robbery", "kidnap"])
    rows = _pick(rng, other, 0.2)
    enh.add(
        rows,
        _choose(rng, rows, {"PC12022(b)(1)": 40, "PC12022.5(a)": 35, "PC12022.7(a)": 25}),
        11,
    )


def dated_enhancements(p: Frame, r: Frame, rng: np.random.Generator) -> None:
    """Enhancements that depend on the offense date, then the aggregate again.

    PC 667.5(b) one-year prison priors (for people with priors, offenses before 2020: SB 136) and
    HS 11370.2 drug priors (drug offenses before 2018: SB 180).
    """
    n = len(p["person"])
    owner = r["owner"]
    init = (r["relationship"] == INITIAL) & (r["case"] == 0)
    year = p["offense_end"].astype("datetime64[Y]").astype(np.int64) + 1970
    has_prior = p["n_priors"][owner] > 0
    pre2020 = year[owner] < 2020
    plain = r["special"] == TERM_PLAIN
    enh: Enhancements = r["enh"]
    before = enh.months(owner.size)
    rows = _pick(rng, init & has_prior & pre2020, 0.45)
    enh.add(rows, ENH_INDEX["PC667.5(b)"], 7)
    drug = FAMILY[r["offense"]] == "drug"
    rows = _pick(rng, init & has_prior & drug & (year[owner] < 2018), 0.3)
    enh.add(rows, ENH_INDEX["HS11370.2(a)"], 7)
    added = enh.months(owner.size) - before
    r["months"] = np.where(plain, r["months"] + added, r["months"])
    p["months_main"] = _aggregate(r, n)
    p["months"] = _coded(p["months_main"], p["stype"])


def in_prison_case(p: Frame, rng: np.random.Generator, as_of: np.datetime64) -> Frame:
    """A second current case for offenses committed in prison (~4.5 % of people in custody 2.5+ years).

    Sets ``months_in_prison``, ``months_total`` (main + in-prison case) and ``months`` (coded).
    """
    n = len(p["person"])
    stype = p["stype"]
    eligible = (p["ts_true"] >= p["lag"] + 2.5) & (stype != CONDEMNED)
    who = _pick(rng, eligible, 0.045)
    counts = np.where(rng.random(who.size) < 0.3, 2, 1)
    k, pos = _rows_for(counts)
    owner = who[k]
    t = stype[owner]
    off = rng.choice(len(CODES), size=owner.size, p=weights(IN_PRISON_MIX))
    rel = np.where(pos == 0, INITIAL, rng.choice([CONCURRENT, STAYED], size=owner.size))
    months = np.where((t == SECOND) | (t == THIRD), 2 * MID[off], MID[off])
    special = np.where(rel == STAYED, TERM_STAYED, TERM_PLAIN)
    # Offense date: between admission + 1 year and six months before the as-of date.
    start = p["offense_end"][who] + np.rint((p["lag"][who] + 1.0) * 365.25).astype("timedelta64[D]")
    stop = as_of - np.timedelta64(183, "D")
    width = np.maximum((stop - start).astype(np.int64), 1)
    when = start + (rng.random(who.size) * width).astype(np.int64).astype("timedelta64[D]")
    men = places.INSTITUTION_ROLE != "women"
    women = ~men
    prison = np.where(
        p["female"][who],
        rng.choice(np.flatnonzero(women), size=who.size),
        rng.choice(np.flatnonzero(men), size=who.size),
    )
    extra: Frame = {
        "owner": owner,
        "pos": pos,
        "case": np.ones(owner.size, dtype=np.int64),
        "relationship": rel,
        "offense": off,
        "months": months,
        "life": np.zeros(owner.size, dtype=bool),
        "special": special,
        "in_prison": np.ones(owner.size, dtype=bool),
        "date": when[k],
        "county": places.INSTITUTION_COUNTY[prison][k],
    }
    counted = np.where((rel == INITIAL), months, 0)
    added = np.bincount(owner, weights=counted, minlength=n).astype(np.int64)
    p["months_in_prison"] = added
    p["months_total"] = p["months_main"] + added
    p["months"] = _coded(p["months_total"], stype)
    return extra


# --------------------------------------------------------------------------------------------------
# Prior commitments
# --------------------------------------------------------------------------------------------------


def build_priors(p: Frame, rng: np.random.Generator) -> Frame:
    """Prior cases laid out backwards from the current offense, 1-2 counts each."""
    stype = p["stype"]
    n_cases = p["n_priors"]
    owner, k = _rows_for(n_cases)  # k = 0 is the most recent prior case
    t = stype[owner]
    strike = np.select(
        [(t == SECOND) & (k == 0), (t == THIRD) & (k <= 1), (t == SECOND) | (t == THIRD)],
        [True, True, rng.random(owner.size) < 0.3],
        rng.random(owner.size) < 0.05,
    )
    off = np.where(
        strike,
        rng.choice(len(CODES), size=owner.size, p=weights(PRIOR_STRIKE_MIX)),
        rng.choice(len(CODES), size=owner.size, p=weights(PRIOR_OTHER_MIX)),
    )
    tier = rng.choice(3, size=owner.size, p=TIER_PROBS)
    term = TRIAD[off, tier]
    second_count = rng.random(owner.size) < 0.25
    # Durations (years) going back from the next offense: gap out of custody, time served, lag.
    gap = rng.gamma(1.5, 1.2, owner.size) + 0.1
    served = term / 12.0 * rng.uniform(0.45, 0.85, owner.size)
    lag = rng.gamma(2.0, 0.25, owner.size)
    dur = gap + served + lag
    cum = np.cumsum(dur)
    start_of_owner = np.cumsum(n_cases) - n_cases
    base = np.concatenate([[0.0], cum])[start_of_owner[owner]]
    back = cum - base  # years from current offense back to this prior's offense
    total = np.bincount(owner, weights=dur, minlength=len(stype))
    available = formats.years_between(p["birth"], p["offense_begin"]) - 18.0
    scale = np.clip(available / np.maximum(total, 1e-9), 0.0, 1.0)[owner]
    keep = available[owner] > 0.5
    offense_day = formats.add_years(p["offense_begin"][owner], -back * scale)
    release = formats.add_years(offense_day, (lag + served) * scale)
    # Second counts (concurrent, stayed or consecutive) of the same prior case.
    rows_owner = np.concatenate([np.arange(owner.size), np.flatnonzero(second_count)])
    is_second = np.arange(rows_owner.size) >= owner.size
    order = np.lexsort((is_second, rows_owner))
    rows_owner = rows_owner[order]
    is_second = is_second[order]
    case_off = off[rows_owner]
    second_off = rng.choice(len(CODES), size=rows_owner.size, p=weights(PRIOR_OTHER_MIX))
    row_off = np.where(is_second, second_off, case_off)
    rel = np.where(
        is_second,
        rng.choice([CONCURRENT, STAYED, CONSECUTIVE], size=rows_owner.size, p=[0.5, 0.3, 0.2]),
        INITIAL,
    )
    row_term = np.where(is_second, TRIAD[row_off, 1], term[rows_owner])
    row_term = np.where(rel == CONSECUTIVE, np.rint(MID[row_off] / 3), row_term).astype(np.int64)
    county = np.where(
        rng.random(owner.size) < 0.7,
        p["county"][owner],
        rng.choice(len(places.COUNTIES), size=owner.size, p=places.county_weights()),
    )
    keep_rows = keep[rows_owner]
    pr: Frame = {
        "case_owner": owner,  # per prior case
        "case_keep": keep,
        "case_county": county,
        "case_date": offense_day,
        "case_release": release,
        "case_strike": strike,
        "row_case": rows_owner[keep_rows],  # per row
        "row_offense": row_off[keep_rows],
        "row_relationship": rel[keep_rows],
        "row_months": row_term[keep_rows],
    }
    enh = Enhancements()
    rows = _pick(rng, np.ones(pr["row_case"].size, dtype=bool), 0.06)
    enh.add(
        rows, _choose(rng, rows, {"PC12022(b)(1)": 50, "PC667.5(b)": 30, "PC12022.5(a)": 20}), 1
    )
    pr["enh"] = enh
    p["n_priors"] = np.bincount(owner[keep], minlength=len(stype))
    p["prior_strikes"] = np.bincount(owner[keep & strike], minlength=len(stype))
    p["prior_sex"] = (
        np.bincount(owner[pr["row_case"]], weights=SEX[pr["row_offense"]], minlength=len(stype)) > 0
    )
    return pr
