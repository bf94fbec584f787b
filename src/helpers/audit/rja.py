"""The Racial Justice Act indicator, with both prongs of PC 745(a)(4).

PC 745(a)(4) asks two things of a sentence: (A) that it is longer than those imposed on similarly
situated people of other races convicted of the same offense, *and* (B) that longer sentences
were more frequently imposed on the defendant's race for that offense in that county.

* :func:`rja_indicator` — per person.  **Peers** are people with the same controlling offense,
  county, strike status and sentence type, priors band and enhancements band
  (:data:`~helpers.audit.constants.RJA_PEER_KEYS`).  Prong A (``rja_individual``): the sentence is
  longer than at least 90 % of at least 11 other-race peers.  Prong B (``rja_group``): in the
  person's offense × county cell, people of the person's race have a sentence above their peers'
  median more often than people of other races, by a permutation test (race shuffled among
  peers, so the peers' situation is kept) corrected by Benjamini–Hochberg across the cells.
  ``rja_flag`` is prong A and prong B.
* :func:`rja_summary` — counts by race group, with the rate prong A reaches by chance (race
  shuffled among peers) printed beside the observed rate.

A prison snapshot over-represents long sentences (people with shorter sentences have left), so the
peers of a long sentence are themselves long-sentenced people still in prison; the indicator
compares people in prison only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.audit.constants import (
    FDR,
    RJA_GROUP_MIN,
    RJA_LABELS,
    RJA_MIN_PEERS,
    RJA_NULL_SHUFFLES,
    RJA_PEER_KEYS,
    RJA_PERCENTILE,
    RJA_PERMUTATIONS,
    SEED,
)
from helpers.audit.groups import add_groups
from helpers.audit.protect import protect_group_table
from helpers.audit.sentences import person_counts
from helpers.audit.stats import benjamini_hochberg, cell_rng, safe_ratio

PRIOR_BANDS = (0, 1, 2, 3)
"""Priors bands of the peer definition: 0, 1, 2, 3 or more prior offenses."""
ENHANCEMENT_BANDS = (0, 1, 2)
"""Enhancement bands of the peer definition: 0, 1, 2 or more current enhancements."""
RJA_COUNTS = [
    "n_population", "n_assessed", "n_individual", "n_flagged", "n_not_assessed",
    "n_assessed_not_individual", "n_individual_not_flagged",
]  # fmt: skip
"""The count columns of :func:`rja_summary`."""


@dataclass(frozen=True)
class PeerFrame:
    """The people the indicator can assess: stratum (peers), cell (offense × county), race, value."""

    usable: np.ndarray
    stratum: np.ndarray
    cell: np.ndarray
    race: np.ndarray
    value: np.ndarray


def rja_indicator(
    people: pd.DataFrame,
    offenses: pd.DataFrame | None = None,
    *,
    percentile: float = RJA_PERCENTILE,
    min_peers: int = RJA_MIN_PEERS,
    peer_keys: Sequence[str] = RJA_PEER_KEYS,
    permutations: int = RJA_PERMUTATIONS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Per-person Racial Justice Act indicator, ready to merge into the candidate list on ``cdcno``.

    Columns: ``cdcno, rja_peers, rja_peers_below, rja_peer_percentile, rja_individual,
    rja_group_p, rja_group_q, rja_group, rja_flag, rja_indicator``.  People without enough peers
    get ``insufficient peers`` (no flag); people whose race is unknown get no indicator.  LWOP and
    condemned sentences rank above any term.  When ``people`` lacks the controlling offense, the
    first non-stayed current offense in ``offenses`` is used; priors and enhancements are counted
    from ``offenses``.
    """
    p = add_groups(people)
    if "controlling_offense_key" not in p and offenses is not None and "offense_key" in offenses:
        p["controlling_offense_key"] = p["cdcno"].map(_first_current_offense(offenses))
    frame = _peer_frame(p, offenses, peer_keys)
    peers, below = _peers_below(frame, len(p))
    group_p, group_q = _group_prong(frame, len(p), permutations, seed)
    prongs = Prongs(
        peers=peers,
        below=below,
        enough=peers >= min_peers,
        individual=(peers >= min_peers) & (below >= percentile * peers),
        group_p=group_p,
        group_q=group_q,
    )
    return _indicator_frame(p, frame, prongs)


@dataclass(frozen=True)
class Prongs:
    """Per person: peers, peers with a shorter sentence, and the two prongs' results."""

    peers: np.ndarray
    below: np.ndarray
    enough: np.ndarray
    individual: np.ndarray
    group_p: np.ndarray
    group_q: np.ndarray

    @property
    def group(self) -> np.ndarray:
        """Prong B after the correction across cells."""
        return np.nan_to_num(self.group_q, nan=1.0) <= FDR


def _indicator_frame(p: pd.DataFrame, frame: PeerFrame, prongs: Prongs) -> pd.DataFrame:
    """The indicator's columns (flags NA where the person has too few peers)."""
    peers, below, enough = prongs.peers, prongs.below, prongs.enough
    individual, group = prongs.individual, prongs.group
    share = safe_ratio(below, peers)
    flag = pd.Series(pd.array(individual & group, dtype="boolean"), index=p.index)
    flag[~enough] = pd.NA
    label = np.full(len(p), RJA_LABELS["insufficient"], dtype=object)
    label[enough & ~individual] = RJA_LABELS[False]
    label[enough & individual & ~group] = RJA_LABELS["individual"]
    label[enough & individual & group] = RJA_LABELS[True]
    value = frame.value
    label[np.isnan(value)] = RJA_LABELS["no_sentence"]
    no_offense = (
        p["controlling_offense_key"].isna().to_numpy()
        if "controlling_offense_key" in p
        else np.ones(len(p), bool)
    )
    label[no_offense] = RJA_LABELS["no_offense"]
    race_unknown = (p["race_group"].astype("string") == "Unknown").to_numpy()
    label[race_unknown] = None
    individual_col = pd.array(individual, dtype="boolean")
    individual_col[~enough] = pd.NA
    return pd.DataFrame(
        {
            "cdcno": p["cdcno"] if "cdcno" in p else pd.Series(pd.NA, index=p.index),
            "rja_peers": pd.array(peers, dtype="Int64"),
            "rja_peers_below": pd.array(np.where(frame.usable, below, np.nan), dtype="Int64"),
            "rja_peer_percentile": pd.array(np.round(share, 4), dtype="Float64"),
            "rja_individual": individual_col,
            "rja_group_p": pd.array(prongs.group_p, dtype="Float64"),
            "rja_group_q": pd.array(prongs.group_q, dtype="Float64"),
            "rja_group": pd.array(np.where(np.isnan(prongs.group_q), None, group), dtype="boolean"),
            "rja_flag": flag.to_numpy(),
            "rja_indicator": pd.array(label, dtype="string"),
        },
        index=p.index,
    )


def _first_current_offense(offenses: pd.DataFrame) -> pd.Series:
    """Each person's first non-stayed current ``offense_key``, indexed by ``cdcno``."""
    cur = offenses[offenses.get("role", "current") == "current"]
    if "stayed" in cur:
        cur = cur[~cur["stayed"].astype("boolean").fillna(False).to_numpy(bool)]
    return cur.drop_duplicates("cdcno").set_index("cdcno")["offense_key"]


def _sentence_value(p: pd.DataFrame) -> np.ndarray:
    """Aggregate sentence months, infinite for LWOP and condemned sentences."""
    months = pd.to_numeric(p.get("aggregate_sentence_months"), errors="coerce").astype(float)
    life_inf = np.zeros(len(p), dtype=bool)
    for col in ("sentence_lwop", "sentence_condemned"):
        if col in p:
            life_inf |= p[col].astype("boolean").fillna(False).to_numpy(bool)
    if "sentence_years" in p:
        life_inf |= np.isinf(pd.to_numeric(p["sentence_years"], errors="coerce").astype(float))
    return months.where(~life_inf, np.inf).to_numpy(float)


def _bands(p: pd.DataFrame, offenses: pd.DataFrame | None) -> pd.DataFrame:
    """Priors band and enhancements band of each person (0 when ``offenses`` has none)."""
    counts = person_counts(p, offenses)
    return pd.DataFrame(
        {
            "priors_band": np.minimum(counts["priors"].to_numpy(), PRIOR_BANDS[-1]),
            "enhancements_band": np.minimum(
                counts["enhancements"].to_numpy(), ENHANCEMENT_BANDS[-1]
            ),
        },
        index=p.index,
    )


def _peer_frame(p: pd.DataFrame, offenses: pd.DataFrame | None, keys: Sequence[str]) -> PeerFrame:
    """Strata of similarly situated people, offense × county cells, race codes and sentences."""
    p = pd.concat([p, _bands(p, offenses)], axis=1)
    value = _sentence_value(p)
    race = p["race_group"].astype("string").fillna("Unknown")
    usable = ~np.isnan(value) & (race != "Unknown").to_numpy()
    if "controlling_offense_key" in p:
        usable &= p["controlling_offense_key"].notna().to_numpy()
    else:
        usable &= False
    parts = [p[k].astype("string").fillna("unknown") if k in p else pd.Series("", index=p.index)
             for k in keys]  # fmt: skip
    stratum = pd.MultiIndex.from_arrays([x.to_numpy() for x in parts]).factorize()[0]
    cell = pd.MultiIndex.from_arrays([parts[0].to_numpy(), parts[1].to_numpy()]).factorize()[0]
    return PeerFrame(
        usable=usable,
        stratum=np.where(usable, stratum, -1),
        cell=np.where(usable, cell, -1),
        race=pd.factorize(race)[0],
        value=np.where(usable, value, np.nan),
    )


def _peers_below(frame: PeerFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per person: other-race peers (same stratum), and how many have a shorter sentence."""
    u = frame.usable
    d = pd.DataFrame({"s": frame.stratum[u], "r": frame.race[u], "v": frame.value[u]})
    lower_all = d.groupby("s")["v"].rank(method="min") - 1
    lower_same = d.groupby(["s", "r"])["v"].rank(method="min") - 1
    n_all = d.groupby("s")["v"].transform("size")
    n_same = d.groupby(["s", "r"])["v"].transform("size")
    peers = np.zeros(n)
    below = np.zeros(n)
    peers[u] = (n_all - n_same).to_numpy()
    below[u] = (lower_all - lower_same).to_numpy()
    return peers, below


def _above_median(frame: PeerFrame) -> np.ndarray:
    """Whether each usable person's sentence is above the median of their stratum (ties: ½)."""
    u = frame.usable
    d = pd.DataFrame({"s": frame.stratum[u], "v": frame.value[u]})
    med = d.groupby("s")["v"].transform("median").to_numpy()
    out = np.zeros(len(frame.usable))
    v = d["v"].to_numpy()
    out[u] = np.where(v > med, 1.0, np.where(v == med, 0.5, 0.0))
    return out


def _cell_race_gap(above: np.ndarray, cell: np.ndarray, race: np.ndarray, shape: tuple) -> tuple:
    """Per cell × race: people, and the share above the median minus that of other races."""
    n_cells, n_races = shape
    slot = cell * n_races + race
    count = np.bincount(slot, minlength=n_cells * n_races).reshape(shape).astype(float)
    hits = np.bincount(slot, weights=above, minlength=n_cells * n_races).reshape(shape)
    total_n, total_hits = count.sum(axis=1, keepdims=True), hits.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = hits / count - (total_hits - hits) / (total_n - count)
    return count, gap


def _group_prong(
    frame: PeerFrame, n: int, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per person: the permutation p-value of prong B for the person's race in their cell, and
    its Benjamini–Hochberg q-value across every cell × race tested.

    Race is shuffled among the people of each stratum (their situation is kept); the statistic is
    the share of the race above the stratum median minus the share of the other races, in the
    offense × county cell.  NaN where the race or the others have too few people in the cell.
    """
    u = np.flatnonzero(frame.usable)
    p_out, q_out = np.full(n, np.nan), np.full(n, np.nan)
    if not len(u):
        return p_out, q_out
    above = _above_median(frame)[u]
    cell, race, stratum = frame.cell[u], frame.race[u], frame.stratum[u]
    cells, cell = np.unique(cell, return_inverse=True)
    shape = (len(cells), int(frame.race.max()) + 1)
    count, observed = _cell_race_gap(above, cell, race, shape)
    testable = (count >= RJA_GROUP_MIN) & (
        count.sum(axis=1, keepdims=True) - count >= RJA_MIN_PEERS
    )
    exceed = np.zeros(shape)
    rng = cell_rng(seed, "rja", "group")
    by_stratum = np.argsort(stratum, kind="stable")
    for _ in range(permutations):
        shuffled = by_stratum[np.lexsort((rng.random(len(u)), stratum[by_stratum]))]
        perm_race = np.empty_like(race)
        perm_race[by_stratum] = race[shuffled]
        _, gap = _cell_race_gap(above, cell, perm_race, shape)
        exceed += gap >= observed - 1e-12
    p_cell = np.where(testable, (exceed + 1) / (permutations + 1), np.nan)
    q_cell = benjamini_hochberg(p_cell.ravel()).reshape(shape)
    p_out[u], q_out[u] = p_cell[cell, race], q_cell[cell, race]
    return p_out, q_out


def rja_null_rate(
    people: pd.DataFrame,
    offenses: pd.DataFrame | None = None,
    *,
    shuffles: int = RJA_NULL_SHUFFLES,
    seed: int = SEED,
) -> pd.Series:
    """Per race group: the share of assessed people prong A flags when race is shuffled among
    peers — the rate expected by chance if sentences did not depend on race."""
    p = add_groups(people)
    frame = _peer_frame(p, offenses, RJA_PEER_KEYS)
    names = pd.factorize(p["race_group"].astype("string").fillna("Unknown"))[1]
    u = np.flatnonzero(frame.usable)
    rng = cell_rng(seed, "rja", "null")
    assessed = np.zeros(len(names))
    flagged = np.zeros(len(names))
    by_stratum = np.argsort(frame.stratum[u], kind="stable")
    for _ in range(shuffles):
        shuffled = by_stratum[np.lexsort((rng.random(len(u)), frame.stratum[u][by_stratum]))]
        race = frame.race.copy()
        race[u[by_stratum]] = frame.race[u][shuffled]
        shuffled_frame = PeerFrame(frame.usable, frame.stratum, frame.cell, race, frame.value)
        peers, below = _peers_below(shuffled_frame, len(p))
        enough = peers >= RJA_MIN_PEERS
        assessed += np.bincount(race[enough], minlength=len(names))
        hit = enough & (below >= RJA_PERCENTILE * peers)
        flagged += np.bincount(race[hit], minlength=len(names))
    return pd.Series(safe_ratio(flagged, assessed), index=[str(x) for x in names])


def rja_summary(
    people: pd.DataFrame, rja: pd.DataFrame, null_rate: pd.Series | None = None
) -> pd.DataFrame:
    """Counts of the RJA indicator by race group: people, assessed, prong A, both prongs; the
    rates, and prong A's rate by chance (``individual_null_rate``) when ``null_rate`` is given."""
    p = add_groups(people)
    d = pd.DataFrame(
        {
            "group": p["race_group"].astype("string").to_numpy(),
            "assessed": rja["rja_flag"].notna().to_numpy(),
            "individual": rja["rja_individual"].eq(True).fillna(False).to_numpy(),
            "flagged": rja["rja_flag"].eq(True).fillna(False).to_numpy(),
        }
    )
    out = (
        d.groupby("group")
        .agg(
            n_population=("group", "size"),
            n_assessed=("assessed", "sum"),
            n_individual=("individual", "sum"),
            n_flagged=("flagged", "sum"),
        )
        .reset_index()
    )
    out.insert(0, "dimension", "race_group")
    out["n_not_assessed"] = out["n_population"] - out["n_assessed"]
    out["n_assessed_not_individual"] = out["n_assessed"] - out["n_individual"]
    out["n_individual_not_flagged"] = out["n_individual"] - out["n_flagged"]
    assessed = out["n_assessed"].to_numpy(float)
    out["individual_rate"] = safe_ratio(out["n_individual"].to_numpy(float), assessed)
    null = null_rate if null_rate is not None else pd.Series(dtype=float)
    out["individual_null_rate"] = out["group"].map(null).astype(float)
    out["flag_rate"] = safe_ratio(out["n_flagged"].to_numpy(float), assessed)
    return out


def protect_rja_summary(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """:func:`rja_summary` made fit for ``mode``."""
    rates = ["individual_rate", "individual_null_rate", "flag_rate"]
    return protect_group_table(
        table,
        mode,
        RJA_COUNTS,
        {c: RJA_COUNTS for c in rates},
        split=["dimension"],
        row_totals={
            "n_population": ["n_assessed", "n_not_assessed"],
            "n_assessed": ["n_individual", "n_assessed_not_individual"],
            "n_individual": ["n_flagged", "n_individual_not_flagged"],
        },
    )
