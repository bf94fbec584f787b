"""Eligibility screens: the county's rules, evaluated for everybody at once.

Each rule (one of the types registered in :data:`helpers.screening.rules.RULE_TYPES`, named with
``type:`` in ``configs``; see the criteria page of the book) gives one three-valued column over all
people (``True`` passes, ``False`` fails, ``<NA>`` the data cannot decide) plus, per person, the
reason in plain words.  A person is ``eligible`` when every rule passes, ``not eligible`` when any
rule fails, and ``unknown`` otherwise.

Current offenses are the rows of the current-commitments table plus the controlling offense of the
demographics table (so a person is screened on the controlling offense even without count rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.codes import OFFENSE_COLUMNS, offense_label
from helpers.data.demographics import LIFE_SENTENCE_TYPES
from helpers.screening.config import CountyConfig
from helpers.screening.rules import (
    RULE_TYPES,
    RuleInput,
    ScreenData,
    controlling_codes,
    effective_sentence_type,
    parsed_codes,
)
from helpers.screening.score import person_positions


def _on_distinct_labels(frame: pd.DataFrame) -> pd.Series:
    """Readable offense labels (``PC 211 (2nd)``), built once per distinct code."""
    if frame.empty:
        return pd.Series(dtype="string", index=frame.index)
    distinct = frame.drop_duplicates("combo")
    labels = offense_label(
        distinct[OFFENSE_COLUMNS].replace({"": pd.NA}).fillna({"subdivision": ""})
    )
    lookup = pd.Series(labels.to_numpy(), index=distinct["combo"].to_numpy())
    return pd.Series(
        lookup.reindex(frame["combo"].to_numpy()).to_numpy(), index=frame.index, dtype="string"
    )


def _add_combo(frames: list[pd.DataFrame]) -> None:
    """Give every frame a shared integer id of its parsed code (for per-distinct-code evaluation)."""
    allc = pd.concat([f[OFFENSE_COLUMNS] for f in frames], ignore_index=True)
    ids = allc.groupby(OFFENSE_COLUMNS, sort=False, dropna=False).ngroup().to_numpy()
    start = 0
    for f in frames:
        f["combo"] = ids[start : start + len(f)]
        start += len(f)


def _life_flag(offenses: pd.DataFrame) -> np.ndarray:
    """Counts with a life term of their own (``…-to-Life``, LWOP or death) on the count."""
    life = np.zeros(len(offenses), dtype=bool)
    for col in ("offense_time_life", "sentence_abstract_life"):
        if col in offenses:
            life |= offenses[col].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return life


def prepare(tables: dict[str, pd.DataFrame]) -> ScreenData:
    """Index offenses and enhancements by person position; add the controlling offense as current."""
    people = tables["people"].reset_index(drop=True)
    offenses = tables.get("offenses", pd.DataFrame())
    if offenses.empty:
        offenses = pd.DataFrame(columns=["cdcno", "role", "stayed", *OFFENSE_COLUMNS])
    who = person_positions(people, offenses)
    offenses = offenses.loc[who >= 0]
    who = who[who >= 0]
    is_cur = (offenses["role"] == "current").to_numpy()
    controlling = controlling_codes(people)
    has_ctrl = controlling["offense_key"].notna().to_numpy()
    # A life term is "punishment by life" (PC 1192.7(c)(7)) unless it is the Three Strikes term,
    # which punishes the record rather than the offense.
    stype = effective_sentence_type(people).fillna("").to_numpy(dtype=object)
    striker = np.isin(stype, ["Third Striker", "Second Striker"])
    life_cur = _life_flag(offenses.loc[is_cur]) & ~striker[who[is_cur]]
    current = pd.concat(
        [
            parsed_codes(offenses.loc[is_cur], who[is_cur]).assign(life=life_cur),
            parsed_codes(controlling.loc[has_ctrl], np.flatnonzero(has_ctrl)).assign(
                life=np.isin(stype, LIFE_SENTENCE_TYPES)[has_ctrl]
            ),
        ],
        ignore_index=True,
    )
    prior = parsed_codes(offenses.loc[~is_cur], who[~is_cur]).assign(life=False)
    enh = tables.get("enhancements", pd.DataFrame())
    if enh.empty:
        enh = pd.DataFrame(columns=["cdcno", "role", *OFFENSE_COLUMNS])
    ewho = person_positions(people, enh)
    enh = enh.loc[ewho >= 0]
    enhancements = parsed_codes(enh, ewho[ewho >= 0])
    enhancements["role"] = enh["role"].astype("string").to_numpy()
    _add_combo([current, prior, enhancements])
    for frame in (current, prior, enhancements):
        frame["label"] = _on_distinct_labels(frame)
    return ScreenData(people, current, prior, enhancements, has_priors=bool(len(prior)))


def _join(acc: np.ndarray, text: pd.Series) -> np.ndarray:
    """Append non-empty ``text`` to ``acc`` (object array) with '; ' (only touched rows change)."""
    t = text.to_numpy(dtype=object, na_value="")
    idx = np.flatnonzero(t != "")
    if len(idx):
        acc[idx] = [a + "; " + b if a else b for a, b in zip(acc[idx], t[idx], strict=True)]
    return acc


def screen(
    tables: dict[str, pd.DataFrame], config: CountyConfig, *, data: ScreenData | None = None
) -> pd.DataFrame:
    """Apply the county's rules to every person; one row per person in ``people`` order.

    Columns: ``cdcno, county, eligible`` (True/False/NA), ``eligibility`` ('eligible' | 'not
    eligible' | 'unknown'), ``failed_rules`` and ``unknown_rules`` ('; '-joined plain words),
    ``age_estimated``, ``age_at_offense_estimated``, ``sex_registrant_derived`` and one
    ``rule_<id>`` column (True/False/NA) per rule.  Ages and time served are those of the ingest's
    as-of date.  ``data`` (from :func:`prepare`) may be passed to share it with other steps.
    """
    data = data if data is not None else prepare(tables)
    people = data.people
    n = data.n
    out = pd.DataFrame(
        {
            "cdcno": people["cdcno"].astype("string"),
            "county": people["county"].astype("string"),
        }
    )
    failed = np.full(n, "", dtype=object)
    unknown = np.full(n, "", dtype=object)
    any_false = np.zeros(n, dtype=bool)
    any_na = np.zeros(n, dtype=bool)
    for rule in config.rules:
        test = RULE_TYPES[rule.type].test
        res = test(RuleInput(data, rule.params, config.estimate_margin_years))
        out[f"rule_{rule.id}"] = res.passed.to_numpy()
        is_na = res.passed.isna().to_numpy()
        any_na |= is_na
        any_false |= ~res.passed.fillna(True).to_numpy(dtype=bool)
        failed = _join(failed, res.failed_text.reset_index(drop=True))
        unknown = _join(unknown, res.unknown_text.reset_index(drop=True))
    eligible = pd.array(~any_false, dtype="boolean")
    eligible[any_na & ~any_false] = pd.NA
    out.insert(2, "eligible", eligible)
    out.insert(
        3,
        "eligibility",
        pd.Series(
            np.select([any_false, any_na], ["not eligible", "unknown"], "eligible"), dtype="string"
        ),
    )
    out.insert(4, "failed_rules", pd.array(failed, dtype="string"))
    out.insert(5, "unknown_rules", pd.array(unknown, dtype="string"))
    out["age_estimated"] = (people["age_source"] == "estimated").fillna(False).to_numpy(dtype=bool)
    out["age_at_offense_estimated"] = (
        (people["age_at_offense_source"] == "estimated").fillna(False).to_numpy(dtype=bool)
    )
    flag = (
        people["sex_registrant"]
        if "sex_registrant" in people
        else pd.Series(pd.NA, index=people.index)
    )
    out["sex_registrant_derived"] = flag.isna().to_numpy(dtype=bool)
    return out
