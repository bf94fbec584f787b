"""Eligibility screens: a small library of rules, composed per county, evaluated for everybody at once.

Each rule gives one three-valued column over all people (``True`` passes, ``False`` fails, ``<NA>``
the data cannot decide) plus, per person, the reason in plain words.  A person is ``eligible`` when
every rule passes, ``not eligible`` when any rule fails, and ``unknown`` otherwise.

Rules (``rule:`` in ``configs``; see the criteria page of the book)

==========================  ==================================================================
``min_age``                 age ≥ ``years``
``min_sentence_years``      aggregate sentence ≥ ``years`` (life terms pass: their maximum is life)
``min_time_served_years``   time served ≥ ``years``
``age_at_offense_between``  ``min`` ≤ age at offense < ``max`` + 1 (whole years ``min``..``max``)
``no_current_offense_in``   no current offense in ``lists``/``sections`` (minus ``except_*``)
``no_prior_offense_in``     no prior offense in ``lists``/``sections`` (minus ``except_*``)
``controlling_offense_in``  controlling offense in ``lists``/``sections``
``any_current_offense_in``  at least one current offense in ``lists``/``sections``
``no_enhancement``          no current enhancement matching ``sections`` (PC12022 = 12022(a)(1)…)
``not_near_release``        more than ``months`` months to the earliest release date
``sentence_type_in``        sentence type in ``types``
``sentence_type_not_in``    sentence type not in ``types``
``not_sex_registrant``      not a PC 290 registrant
==========================  ==================================================================

Choices
* Current offenses are the rows of the current-commitments table plus the controlling offense of the
  demographics table (so a person is screened on the controlling offense even without count rows).
* List matching (attempts, degrees, the PC 459 exception) is :func:`helpers.screening.offenses.in_statutory_list`.
* Ages: a birth date (DSA) or an age CDCR reports decides; an *estimated* age decides only when it is at
  least ``estimate_margin_years`` from the threshold, otherwise the rule is unknown, with the estimate.
* Sex registrant: the DSA flag when present, otherwise derived from the record (any current or prior
  sex-registrable offense); ``sex_registrant_derived`` flags the derived ones.
* Prior-offense rules are unknown for everybody when the data has no prior commitments at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from helpers.data.codes import offense_label
from helpers.screening.config import CountyConfig, Rule
from helpers.screening.score import person_positions

PARSED = ["code", "section", "subdivision", "degree", "attempt", "offense_key"]
LIST_WORDS = {
    "serious": "serious",
    "violent": "violent",
    "super_strike": "super-strike",
    "sex_registrable": "sex-registrable",
    "homicide": "homicide",
    "robbery": "robbery",
}
ESTIMATED_SOURCES = ("estimated",)
DECIDING_SOURCES = ("birth_date", "reported")


# --------------------------------------------------------------------------------------------------
# Shared, computed-once inputs
# --------------------------------------------------------------------------------------------------


@dataclass
class ScreenData:
    """People plus their current/prior offenses and current enhancements, positioned by person."""

    people: pd.DataFrame
    current: pd.DataFrame  # columns PARSED + person (row position in people) + label
    prior: pd.DataFrame
    enhancements: pd.DataFrame
    has_priors: bool
    _flags: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.people)

    def list_flags(self, which: str, list_name: str) -> np.ndarray:
        """Per-offense membership of ``which`` (current/prior) offenses in a statutory list (cached)."""
        key = (which, list_name)
        if key not in self._flags:
            frame = getattr(self, which)
            self._flags[key] = _on_distinct(frame, lambda u: in_statutory_list(u, list_name))
        return self._flags[key]

    def section_flags(self, which: str, keys: list[str]) -> np.ndarray:
        frame = getattr(self, which)
        return _on_distinct(frame, lambda u: in_sections(u, keys))


def in_statutory_list(parsed: pd.DataFrame, list_name: str) -> pd.Series:
    """:func:`helpers.screening.offenses.in_statutory_list` (imported on first use)."""
    from helpers.screening import offenses

    return offenses.in_statutory_list(parsed, list_name)


def in_sections(parsed: pd.DataFrame, keys: list[str]) -> pd.Series:
    """:func:`helpers.screening.offenses.in_sections` (imported on first use)."""
    from helpers.screening import offenses

    return offenses.in_sections(parsed, keys)


def _on_distinct(frame: pd.DataFrame, func: Callable[[pd.DataFrame], pd.Series]) -> np.ndarray:
    """Apply a per-code function to the distinct parsed codes only and map the result back."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    codes = frame["combo"].to_numpy()
    distinct = frame.drop_duplicates("combo").set_index("combo")[PARSED].sort_index()
    result = np.asarray(func(distinct.reset_index(drop=True)).fillna(False), dtype=bool)
    lookup = np.zeros(int(distinct.index.max()) + 1, dtype=bool)
    lookup[distinct.index.to_numpy()] = result
    return lookup[codes]


def _on_distinct_labels(frame: pd.DataFrame) -> pd.Series:
    """Readable offense labels (``PC 211 (2nd)``), built once per distinct code."""
    if frame.empty:
        return pd.Series(dtype="string", index=frame.index)
    distinct = frame.drop_duplicates("combo")
    labels = offense_label(distinct[PARSED].replace({"": pd.NA}).fillna({"subdivision": ""}))
    lookup = pd.Series(labels.to_numpy(), index=distinct["combo"].to_numpy())
    return pd.Series(
        lookup.reindex(frame["combo"].to_numpy()).to_numpy(), index=frame.index, dtype="string"
    )


def _parsed_frame(parts: pd.DataFrame, person: np.ndarray) -> pd.DataFrame:
    out = parts[PARSED].reset_index(drop=True).copy()
    out["offense_id"] = (
        pd.to_numeric(parts["offense_id"], errors="coerce").fillna(-1).astype("int64").to_numpy()
        if "offense_id" in parts
        else -1
    )
    out["attempt"] = out["attempt"].astype("boolean").fillna(False)
    for col in ("code", "section", "subdivision", "degree", "offense_key"):
        out[col] = out[col].astype("string").fillna("")
    out["person"] = person
    return out


def _add_combo(frames: list[pd.DataFrame]) -> None:
    """Give every frame a shared integer id of its parsed code (for per-distinct-code evaluation)."""
    allc = pd.concat([f[PARSED] for f in frames], ignore_index=True)
    ids = allc.groupby(PARSED, sort=False, dropna=False).ngroup().to_numpy()
    start = 0
    for f in frames:
        f["combo"] = ids[start : start + len(f)]
        start += len(f)


LIFE_TYPES = ("Life with Parole", "Life w/o Parole", "Condemned")


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
        offenses = pd.DataFrame(columns=["cdcno", "role", "stayed", *PARSED])
    who = person_positions(people, offenses)
    offenses = offenses.loc[who >= 0]
    who = who[who >= 0]
    is_cur = (offenses["role"] == "current").to_numpy()
    controlling = people[[f"controlling_{c}" for c in PARSED[:-1]] + ["controlling_offense_key"]]
    controlling.columns = PARSED
    has_ctrl = controlling["offense_key"].notna().to_numpy()
    # A life term is "punishment by life" (PC 1192.7(c)(7)) unless it is the Three Strikes term,
    # which punishes the record rather than the offense.
    stype = effective_sentence_type(people).fillna("").to_numpy(dtype=object)
    striker = np.isin(stype, ["Third Striker", "Second Striker"])
    life_cur = _life_flag(offenses.loc[is_cur]) & ~striker[who[is_cur]]
    current = pd.concat(
        [
            _parsed_frame(offenses.loc[is_cur], who[is_cur]).assign(life=life_cur),
            _parsed_frame(controlling.loc[has_ctrl], np.flatnonzero(has_ctrl)).assign(
                life=np.isin(stype, LIFE_TYPES)[has_ctrl]
            ),
        ],
        ignore_index=True,
    )
    prior = _parsed_frame(offenses.loc[~is_cur], who[~is_cur]).assign(life=False)
    enh = tables.get("enhancements", pd.DataFrame())
    if enh.empty:
        enh = pd.DataFrame(columns=["cdcno", "role", *PARSED])
    ewho = person_positions(people, enh)
    enh = enh.loc[ewho >= 0]
    enhancements = _parsed_frame(enh, ewho[ewho >= 0])
    enhancements["role"] = enh["role"].astype("string").to_numpy()
    _add_combo([current, prior, enhancements])
    for frame in (current, prior, enhancements):
        frame["label"] = _on_distinct_labels(frame)
    return ScreenData(people, current, prior, enhancements, has_priors=bool(len(prior)))


@cache
def _sentence_detected_lists() -> frozenset[str]:
    """Lists with items found from the sentence (felonies punishable by life or death)."""
    from helpers.data.reference import statutory_lists

    table = statutory_lists()
    return frozenset(table.loc[table["detect"] == "sentence", "list"].astype(str))


# --------------------------------------------------------------------------------------------------
# Rule results
# --------------------------------------------------------------------------------------------------


@dataclass
class RuleResult:
    """One rule over all people: pass (True/False/NA), reasons for failures and for unknowns."""

    passed: pd.Series  # boolean with NA
    failed_text: pd.Series  # string, "" where not failed
    unknown_text: pd.Series  # string, "" where decided


def _texts(n: int, where: np.ndarray, values: pd.Series | str) -> pd.Series:
    out = np.full(n, "", dtype=object)
    if isinstance(values, str):
        out[where] = values
    else:
        out[where] = np.asarray(values, dtype=object)[where]
    return pd.Series(out, dtype="string")


def _fmt(values: pd.Series | np.ndarray, spec: str) -> pd.Series:
    """Format numbers, once per distinct rounded value ('life' for +inf, '' for NA)."""
    v = np.asarray(values, dtype="float64")
    digits = int(spec.strip(".f") or 0)
    v = np.round(v, digits)
    uniq, inverse = np.unique(v, return_inverse=True)
    text = np.array(
        [format(u, spec) if np.isfinite(u) else ("life" if u > 0 else "") for u in uniq],
        dtype=object,
    )
    return pd.Series(text[inverse.reshape(-1)], dtype="string")


def _result(
    passed: np.ndarray, known: np.ndarray, fail: pd.Series, unknown: pd.Series
) -> RuleResult:
    n = len(passed)
    p = pd.array(np.where(known, passed, False), dtype="boolean")
    p[~known] = pd.NA
    failed = known & ~passed
    return RuleResult(
        pd.Series(p),
        _texts(n, failed, fail),
        _texts(n, ~known, unknown),
    )


def _threshold_with_estimates(
    value: pd.Series,
    source: pd.Series,
    ok: Callable[[np.ndarray], np.ndarray],
    margin_ok: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Decide ``ok(value)``; estimated values decide only where ``margin_ok`` (far from the edge)."""
    v = value.to_numpy(dtype="float64", na_value=np.nan)
    src = source.astype("string").fillna("unknown").to_numpy(dtype=object)
    present = ~np.isnan(v)
    deciding = present & np.isin(src, DECIDING_SOURCES)
    estimated = present & np.isin(src, ESTIMATED_SOURCES)
    known = deciding | (estimated & margin_ok)
    # Any other source with a value (a future one) decides like a reported value.
    other = present & ~np.isin(src, (*DECIDING_SOURCES, *ESTIMATED_SOURCES))
    known |= other
    passed = np.where(present, ok(np.nan_to_num(v, nan=-1.0)), False)
    return passed, known


def rule_min_age(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """Age ≥ ``years``."""
    years = float(rule.params["years"])
    age = data.people["age"].astype("float64")
    src = data.people["age_source"]
    v = age.to_numpy(na_value=np.nan)
    passed, known = _threshold_with_estimates(
        age, src, lambda x: x >= years, np.abs(np.nan_to_num(v, nan=years) - years) >= margin
    )
    est = (src == "estimated").fillna(False).to_numpy()
    fail = (
        "age "
        + _fmt(v, ".0f")
        + pd.Series(np.where(est, " (estimated)", ""))
        + f" is under {years:g}"
    )
    unknown = pd.Series(
        np.where(
            np.isnan(v),
            "age unknown: no birth date, reported age or offense date",
            "age unknown: public data has no birth date; estimated " + _fmt(v, ".0f"),
        )
    )
    return _result(passed, known, fail, unknown)


def rule_min_sentence_years(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """Aggregate sentence ≥ ``years``; life terms pass (their maximum is life, whatever the minimum)."""
    years = float(rule.params["years"])
    v = data.people["sentence_years"].astype("float64").to_numpy(na_value=np.nan)
    life = (
        data.people["sentence_life"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "sentence_life" in data.people
        else np.zeros(data.n, dtype=bool)
    )
    known = ~np.isnan(v) | life
    fail = "sentence " + _fmt(v, ".1f") + f" years is under {years:g}"
    passed = life | (np.nan_to_num(v, nan=-1) >= years)
    return _result(passed, known, fail, "sentence length unknown")


def rule_min_time_served_years(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """Time served ≥ ``years`` (from the controlling offense date, an upper bound)."""
    years = float(rule.params["years"])
    v = data.people["time_served_years"].astype("float64").to_numpy(na_value=np.nan)
    known = ~np.isnan(v)
    fail = "served " + _fmt(v, ".1f") + f" years, under {years:g}"
    unknown = "time served unknown: no offense date"
    return _result(np.nan_to_num(v, nan=-1) >= years, known, fail, unknown)


def rule_age_at_offense_between(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """``min`` ≤ age at offense < ``max`` + 1."""
    lo, hi = float(rule.params["min"]), float(rule.params["max"]) + 1
    age = data.people["age_at_offense"].astype("float64")
    v = age.to_numpy(na_value=np.nan)
    filled = np.nan_to_num(v, nan=lo)
    far = np.minimum(np.abs(filled - lo), np.abs(filled - hi)) >= margin
    passed, known = _threshold_with_estimates(
        age, data.people["age_at_offense_source"], lambda x: (x >= lo) & (x < hi), far
    )
    words = f"{lo:g} to {hi - 1:g}" if hi - 1 > lo else f"{lo:g}"
    est = (data.people["age_at_offense_source"] == "estimated").fillna(False).to_numpy()
    fail = (
        "age at offense "
        + _fmt(v, ".1f")
        + pd.Series(np.where(est, " (estimated)", ""))
        + f" is not {words}"
    )
    unknown = pd.Series(
        np.where(
            np.isnan(v),
            "age at offense unknown: no birth date or estimate",
            "age at offense unknown: public data has no birth date; estimated " + _fmt(v, ".1f"),
        )
    )
    return _result(passed, known, fail, unknown)


def _match(data: ScreenData, which: str, rule: Rule) -> tuple[np.ndarray, pd.Series]:
    """Per-row match of ``which`` rows (current/prior/enhancements) against the rule's lists and
    sections, minus exceptions, with the names of the lists matched."""
    frame = getattr(data, which)
    hit = np.zeros(len(frame), dtype=bool)
    words = pd.Series("", index=frame.index, dtype="string")
    life = frame["life"].to_numpy(dtype=bool) if "life" in frame else np.zeros(len(frame), bool)
    for name in rule.params.get("lists", []):
        flag = data.list_flags(which, name)
        if name in _sentence_detected_lists():
            flag = flag | life
        hit |= flag
        words = words.mask(flag, words + np.where(words == "", "", "/") + LIST_WORDS[name])
    sections = rule.params.get("sections", [])
    if sections:
        flag = data.section_flags(which, sections)
        hit |= flag
        label = "listed in " + ", ".join(sections)
        words = words.mask(flag & (words == ""), label)
    exempt = np.zeros(len(frame), dtype=bool)
    for name in rule.params.get("except_lists", []):
        exempt |= data.list_flags(which, name)
    if rule.params.get("except_sections"):
        exempt |= data.section_flags(which, rule.params["except_sections"])
    return hit & ~exempt, words


def _first_per_person(n: int, who: np.ndarray, text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Whether each person has a row, and the text of the first one (+ 'and N more')."""
    any_hit = np.zeros(n, dtype=bool)
    out = pd.Series("", index=range(n), dtype="string")
    if len(who) == 0:
        return any_hit, out
    # Drop repeats of the same text for one person (the controlling offense is also a count row).
    dedup = pd.DataFrame({"who": who, "t": pd.Series(text, dtype="string").to_numpy()})
    dedup = dedup.drop_duplicates()
    counts = np.bincount(dedup["who"].to_numpy(), minlength=n)
    first = dedup.drop_duplicates("who")
    rows = first["who"].to_numpy()
    any_hit[rows] = True
    more = counts[rows] - 1
    suffix = np.where(more > 0, " (and " + pd.Series(more).astype(str) + " more)", "")
    out.iloc[rows] = (first["t"].to_numpy(dtype=object) + suffix).astype(object)
    return any_hit, out


def _offense_rule(data: ScreenData, rule: Rule, which: str, want_none: bool) -> RuleResult:
    """Offense-list rules over counts (``which`` = current/prior) and their enhancements."""
    frame = getattr(data, which)
    hit, words = _match(data, which, rule)
    text = which + " offense " + frame["label"][hit] + " is " + words[hit]
    who = [frame["person"].to_numpy()[hit]]
    texts = [text]
    # List items proven by an enhancement (e.g. great bodily injury makes a felony serious).
    enh = data.enhancements
    if rule.params.get("lists") and len(enh):
        role = (enh["role"] == which).to_numpy(dtype=bool)
        ehit, ewords = _match(
            data, "enhancements", Rule(rule.id, rule.kind, {"lists": rule.params["lists"]})
        )
        ehit &= role
        if rule.params.get("except_lists") or rule.params.get("except_sections"):
            # An enhancement on an excepted count (a robbery with a weapon) is part of that count.
            exempt = np.zeros(len(frame), dtype=bool)
            for name in rule.params.get("except_lists", []):
                exempt |= data.list_flags(which, name)
            if rule.params.get("except_sections"):
                exempt |= data.section_flags(which, rule.params["except_sections"])
            exempt_ids = frame["offense_id"].to_numpy()[exempt]
            ehit &= ~np.isin(enh["offense_id"].to_numpy(), exempt_ids[exempt_ids >= 0])
        who.append(enh["person"].to_numpy()[ehit])
        texts.append(
            (
                which
                + " offense with enhancement "
                + enh["label"].astype("string")
                + " is "
                + ewords
            )[ehit]
        )
    has, first = _first_per_person(data.n, np.concatenate(who), pd.concat(texts, ignore_index=True))
    known = np.ones(data.n, dtype=bool)
    unknown = ""
    if which == "prior" and not data.has_priors:
        known[:] = False
        unknown = "prior record unknown: the data has no prior commitments"
    if want_none:
        return _result(~has, known, first, unknown)
    wanted = _describe_targets(rule)
    return _result(has, known, f"no current offense is {wanted}", unknown)


def _describe_targets(rule: Rule) -> str:
    parts = [LIST_WORDS[x] for x in rule.params.get("lists", [])]
    parts += rule.params.get("sections", [])
    return " or ".join(parts)


def rule_no_current_offense_in(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """No current offense in the lists/sections."""
    return _offense_rule(data, rule, "current", want_none=True)


def rule_no_prior_offense_in(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """No prior offense in the lists/sections."""
    return _offense_rule(data, rule, "prior", want_none=True)


def rule_any_current_offense_in(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """At least one current offense in the lists/sections."""
    return _offense_rule(data, rule, "current", want_none=False)


def rule_controlling_offense_in(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """The controlling offense is in the lists/sections."""
    people = data.people
    ctrl = people[[f"controlling_{c}" for c in PARSED[:-1]] + ["controlling_offense_key"]]
    ctrl.columns = PARSED
    known = ctrl["offense_key"].notna().to_numpy()
    parsed = _parsed_frame(ctrl, np.arange(len(ctrl)))
    hit = np.zeros(len(ctrl), dtype=bool)
    for name in rule.params.get("lists", []):
        hit |= np.asarray(in_statutory_list(parsed[PARSED], name).fillna(False), dtype=bool)
    if rule.params.get("sections"):
        hit |= np.asarray(
            in_sections(parsed[PARSED], rule.params["sections"]).fillna(False), dtype=bool
        )
    label = offense_label(ctrl.fillna({"subdivision": ""})).astype("string").fillna("")
    fail = "controlling offense " + label + f" is not {_describe_targets(rule)}"
    return _result(hit, known, fail, "controlling offense unknown")


def rule_no_enhancement(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """No current enhancement matching the sections."""
    frame = data.enhancements
    hit = data.section_flags("enhancements", rule.params["sections"])
    hit &= (frame["role"] == "current").to_numpy(dtype=bool)
    text = ("enhancement " + frame["label"].astype("string"))[hit]
    has, first = _first_per_person(data.n, frame["person"].to_numpy()[hit], text)
    return _result(~has, np.ones(data.n, dtype=bool), first, "")


def rule_not_near_release(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """More than ``months`` months to the earliest possible release (none for LWOP/condemned)."""
    months = float(rule.params["months"])
    v = data.people["months_to_release"].astype("float64").to_numpy(na_value=np.nan)
    none = data.people["no_release_date"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    known = none | ~np.isnan(v)
    passed = none | (np.nan_to_num(v, nan=-1) > months)
    fail = _fmt(v, ".0f") + f" months to release, within {months:g}"
    return _result(passed, known, fail, "release date unknown")


def effective_sentence_type(people: pd.DataFrame) -> pd.Series:
    """Sentence type with the LWOP/condemned flags applied (a 9999-month term is LWOP)."""
    stype = people["sentence_type"].astype("string").replace("", pd.NA)
    if "sentence_lwop" in people:
        stype = stype.mask(people["sentence_lwop"].fillna(False).astype(bool), "Life w/o Parole")
    if "sentence_condemned" in people:
        stype = stype.mask(people["sentence_condemned"].fillna(False).astype(bool), "Condemned")
    return stype


def _type_rule(data: ScreenData, rule: Rule, inside: bool) -> RuleResult:
    types = list(rule.params["types"])
    stype = effective_sentence_type(data.people)
    known = stype.notna().to_numpy()
    member = stype.isin(types).fillna(False).to_numpy(dtype=bool)
    words = ", ".join(types)
    if inside:
        fail = "sentence type " + stype.fillna("") + f" is not one of {words}"
    else:
        fail = "sentence type is " + stype.fillna("")
    return _result(member if inside else ~member, known, fail, "sentence type unknown")


def rule_sentence_type_in(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """Sentence type in ``types``."""
    return _type_rule(data, rule, inside=True)


def rule_sentence_type_not_in(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """Sentence type not in ``types``."""
    return _type_rule(data, rule, inside=False)


def sex_registrant(data: ScreenData) -> tuple[pd.Series, np.ndarray]:
    """Registrant status: the DSA flag, else any current or prior sex-registrable offense (derived)."""
    flag = data.people.get("sex_registrant")
    flag = (
        flag.astype("boolean")
        if flag is not None
        else pd.Series(pd.NA, index=data.people.index, dtype="boolean")
    )
    derived = np.zeros(data.n, dtype=bool)
    for which in ("current", "prior", "enhancements"):
        frame = getattr(data, which)
        hit = data.list_flags(which, "sex_registrable")
        derived[frame["person"].to_numpy()[hit]] = True
    is_derived = flag.isna().to_numpy()
    out = flag.fillna(pd.Series(derived, index=flag.index)).astype("boolean")
    return out.reset_index(drop=True), is_derived


def rule_not_sex_registrant(data: ScreenData, rule: Rule, margin: float) -> RuleResult:
    """Not a sex registrant (PC 290)."""
    reg, derived = sex_registrant(data)
    reg_np = reg.to_numpy(dtype=bool, na_value=False)
    fail = pd.Series(
        np.where(
            derived,
            "sex registrant (from a sex-registrable offense in the record)",
            "sex registrant",
        )
    )
    return _result(~reg_np, np.ones(data.n, dtype=bool), fail, "")


RULES: dict[str, Callable[[ScreenData, Rule, float], RuleResult]] = {
    "min_age": rule_min_age,
    "min_sentence_years": rule_min_sentence_years,
    "min_time_served_years": rule_min_time_served_years,
    "age_at_offense_between": rule_age_at_offense_between,
    "no_current_offense_in": rule_no_current_offense_in,
    "no_prior_offense_in": rule_no_prior_offense_in,
    "controlling_offense_in": rule_controlling_offense_in,
    "any_current_offense_in": rule_any_current_offense_in,
    "no_enhancement": rule_no_enhancement,
    "not_near_release": rule_not_near_release,
    "sentence_type_in": rule_sentence_type_in,
    "sentence_type_not_in": rule_sentence_type_not_in,
    "not_sex_registrant": rule_not_sex_registrant,
}


def _join(acc: np.ndarray, text: pd.Series) -> np.ndarray:
    """Append non-empty ``text`` to ``acc`` (object array) with '; ' (only touched rows change)."""
    t = text.to_numpy(dtype=object, na_value="")
    idx = np.flatnonzero(t != "")
    if len(idx):
        acc[idx] = [a + "; " + b if a else b for a, b in zip(acc[idx], t[idx], strict=True)]
    return acc


def screen(
    tables: dict[str, pd.DataFrame],
    config: CountyConfig,
    as_of: date | str | None = None,
    *,
    data: ScreenData | None = None,
) -> pd.DataFrame:
    """Apply the county's rules to every person; one row per person in ``people`` order.

    Columns: ``cdcno, county, eligible`` (True/False/NA), ``eligibility`` ('eligible' | 'not
    eligible' | 'unknown'), ``failed_rules`` and ``unknown_rules`` ('; '-joined plain words),
    ``age_estimated``, ``age_at_offense_estimated``, ``sex_registrant_derived`` and one
    ``rule_<id>`` column (True/False/NA) per rule.  ``as_of`` is accepted for symmetry: ages and time
    served were computed at ingest for the ingest's as-of date.
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
        res = RULES[rule.kind](data, rule, config.estimate_margin_years)
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
