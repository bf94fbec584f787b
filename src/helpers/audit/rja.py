"""The Racial Justice Act indicator: is a sentence longer than those of other-race peers?

:func:`rja_indicator` asks, per person, whether the sentence is longer than at least 90 % of
same-offense, same-county peers of other races (with at least 11 such peers); :func:`rja_summary`
counts the indicator by race group for the public tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.audit.constants import RJA_LABELS, RJA_MIN_PEERS, RJA_PERCENTILE
from helpers.audit.groups import add_groups
from helpers.audit.protect import protect_group_table
from helpers.audit.stats import safe_ratio


def rja_indicator(
    people: pd.DataFrame,
    offenses: pd.DataFrame | None = None,
    *,
    percentile: float = RJA_PERCENTILE,
    min_peers: int = RJA_MIN_PEERS,
    peer_keys: Sequence[str] = ("controlling_offense_key", "county"),
) -> pd.DataFrame:
    """Per-person Racial Justice Act indicator, ready to merge into the candidate list on ``cdcno``.

    Peers of a person are the people with the same controlling offense (``offense_key``: code,
    section, subdivision, degree, attempt) sentenced in the same county whose race group differs
    from the person's.  With at least ``min_peers`` such peers, ``rja_flag`` is true when the
    person's aggregate sentence is longer than at least ``percentile`` (90 %) of theirs, i.e.
    above the 90th percentile of the peers' sentences (LWOP and condemned rank above any term).
    Otherwise the indicator says ``insufficient peers``.  People whose race group is unknown are
    never peers of anyone and get no indicator.  When ``people`` lacks the controlling offense,
    the first non-stayed current offense in ``offenses`` is used.

    Columns: ``cdcno, rja_peers, rja_peers_below, rja_peer_percentile, rja_flag, rja_indicator``.
    """
    p = add_groups(people)
    key_col, county_col = peer_keys
    if key_col not in p and offenses is not None and "offense_key" in offenses:
        p[key_col] = p["cdcno"].map(_first_current_offense(offenses))
    value = _sentence_value(p)
    key = p[key_col].astype("string") if key_col in p else pd.Series(pd.NA, index=p.index)
    race = p["race_group"].astype("string")
    peers, below = _peers_below(p, key, p[county_col].astype("string"), race, value)
    share = below / peers.where(peers > 0)
    enough = peers >= min_peers
    flag = pd.Series(pd.NA, index=p.index, dtype="boolean")
    flag[enough.fillna(False)] = (below >= percentile * peers)[enough.fillna(False)]
    label = pd.Series(RJA_LABELS["insufficient"], index=p.index, dtype="string")
    label[flag.eq(True).fillna(False)] = RJA_LABELS[True]
    label[flag.eq(False).fillna(False)] = RJA_LABELS[False]
    label[value.isna().to_numpy()] = RJA_LABELS["no_sentence"]
    label[key.isna().to_numpy()] = RJA_LABELS["no_offense"]
    label[(race == "Unknown").to_numpy()] = pd.NA
    return pd.DataFrame(
        {
            "cdcno": p["cdcno"] if "cdcno" in p else pd.Series(pd.NA, index=p.index),
            "rja_peers": peers.fillna(0).astype("Int64"),
            "rja_peers_below": below.astype("Int64"),
            "rja_peer_percentile": share.round(4).astype("Float64"),
            "rja_flag": flag,
            "rja_indicator": label,
        },
        index=p.index,
    )


def _first_current_offense(offenses: pd.DataFrame) -> pd.Series:
    """Each person's first non-stayed current ``offense_key``, indexed by ``cdcno``."""
    cur = offenses[offenses.get("role", "current") == "current"]
    if "stayed" in cur:
        cur = cur[~cur["stayed"].astype("boolean").fillna(False).to_numpy(bool)]
    return cur.drop_duplicates("cdcno").set_index("cdcno")["offense_key"]


def _sentence_value(p: pd.DataFrame) -> pd.Series:
    """Aggregate sentence months, infinite for LWOP and condemned sentences."""
    months = pd.to_numeric(p.get("aggregate_sentence_months"), errors="coerce").astype(float)
    life_inf = np.zeros(len(p), dtype=bool)
    for col in ("sentence_lwop", "sentence_condemned"):
        if col in p:
            life_inf |= p[col].astype("boolean").fillna(False).to_numpy(bool)
    if "sentence_years" in p:
        life_inf |= np.isinf(pd.to_numeric(p["sentence_years"], errors="coerce").astype(float))
    return months.where(~life_inf, np.inf)


def _peers_below(
    p: pd.DataFrame, key: pd.Series, county: pd.Series, race: pd.Series, value: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Per person: other-race peers (same offense and county), and how many have a shorter sentence."""
    usable = value.notna() & key.notna() & (race != "Unknown")
    d = pd.DataFrame({"key": key, "county": county, "race": race, "v": value})[usable.to_numpy()]
    cell = ["key", "county"]
    lower_all = d.groupby(cell)["v"].rank(method="min") - 1
    lower_same = d.groupby([*cell, "race"])["v"].rank(method="min") - 1
    n_cell = d.groupby(cell)["v"].transform("size")
    n_same = d.groupby([*cell, "race"])["v"].transform("size")
    peers = (n_cell - n_same).reindex(p.index)
    below = (lower_all - lower_same).reindex(p.index)
    return peers, below


def rja_summary(people: pd.DataFrame, rja: pd.DataFrame) -> pd.DataFrame:
    """Counts of the RJA indicator by race group (people, with enough peers, flagged)."""
    p = add_groups(people)
    d = pd.DataFrame(
        {
            "group": p["race_group"].astype("string").to_numpy(),
            "assessed": rja["rja_flag"].notna().to_numpy(),
            "flagged": rja["rja_flag"].eq(True).fillna(False).to_numpy(),
        }
    )
    out = (
        d.groupby("group")
        .agg(
            n_population=("group", "size"),
            n_assessed=("assessed", "sum"),
            n_flagged=("flagged", "sum"),
        )
        .reset_index()
    )
    out.insert(0, "dimension", "race_group")
    out["n_not_assessed"] = out["n_population"] - out["n_assessed"]
    out["n_assessed_not_flagged"] = out["n_assessed"] - out["n_flagged"]
    out["flag_rate"] = safe_ratio(
        out["n_flagged"].to_numpy(float), out["n_assessed"].to_numpy(float)
    )
    return out


def protect_rja_summary(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """:func:`rja_summary` made fit for ``mode``."""
    counts = ["n_population", "n_assessed", "n_flagged", "n_not_assessed", "n_assessed_not_flagged"]
    return protect_group_table(
        table,
        mode,
        counts,
        {"flag_rate": counts},
        split=["dimension"],
        row_totals={
            "n_population": ["n_assessed", "n_not_assessed"],
            "n_assessed": ["n_flagged", "n_assessed_not_flagged"],
        },
    )
