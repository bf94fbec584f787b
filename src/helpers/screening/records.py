"""What the eligibility rules read: people and their offenses by person, and the offenses that put a
person on a statutory list, each with the count it comes from.

:class:`ScreenData` (built by :func:`helpers.screening.screens.prepare`) holds the people and their
current offenses, prior offenses and enhancements.  :meth:`ScreenData.list_status` says, row by row,
whether an offense is definitely on a statutory list, only possibly (the statute needs a fact the
record lacks, and the CDCR description does not state it), with the citation and the missing fact.
:func:`offense_hits` turns that into one row per matching count or enhancement, with the words a
reason needs ("current offense PC 211 (2nd) in case BA123456 is serious (PC 1192.7(c)(19))").

Felonies punishable by life (PC 1192.7(c)(7), 667.5(c)(7), 667(e)(2)(C)(iv)(VIII)) are found from a
count's **own** life term (``life``), never from the term of the case it belongs to; a count whose own
term is not recorded in a case with a life term is ``life_possible`` and leaves the rule undecided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from helpers.data.codes import OFFENSE_COLUMNS
from helpers.data.reference import statutory_lists
from helpers.screening.offenses import in_sections, list_matches

#: How each statutory list is named in a reason ("current offense PC 211 is serious/violent").
LIST_WORDS = {
    "serious": "serious",
    "violent": "violent",
    "super_strike": "super-strike",
    "sex_registrable": "sex-registrable",
    "homicide": "homicide",
    "robbery": "robbery",
}
LIFE_NEEDS = (
    "whether the count's own term is a life term (its term is not recorded; its case has one)"
)
HIT_COLUMNS = ["who", "offense", "definite", "words", "date"]


@dataclass(frozen=True)
class ListStatus:
    """Per-row membership of one frame's offenses in one statutory list."""

    definite: np.ndarray  # bool
    possible: np.ndarray  # bool, never where definite
    citation: np.ndarray  # object: the citation of the item matched ('' where none)
    needs: np.ndarray  # object: the fact a possible match lacks ('' where not possible)


@dataclass
class ScreenData:
    """People plus their current/prior offenses and current enhancements, positioned by person.

    Built by :func:`helpers.screening.screens.prepare`; the offense frames have the parsed-code
    columns, ``person`` (row position in ``people``), ``offense_id``, ``life``, ``life_possible``,
    ``label`` (``PC 211 (2nd)``), ``case`` (``in case BA123456`` or ''), ``description``, ``date``
    (the offense date: end, else begin, else release for priors) and the ids ``combo`` (distinct
    code) and ``unit`` (distinct code and description).  ``as_of`` is the data's as-of date.
    """

    people: pd.DataFrame
    current: pd.DataFrame
    prior: pd.DataFrame
    enhancements: pd.DataFrame
    has_priors: bool
    as_of: pd.Timestamp | None = None
    _status: dict[tuple[str, str], ListStatus] = field(default_factory=dict)
    _lists: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of people."""
        return len(self.people)

    def list_status(self, which: str, list_name: str) -> ListStatus:
        """Membership of ``which`` (current/prior/enhancements) offenses in a statutory list, read
        with each row's CDCR description (cached)."""
        key = (which, list_name)
        if key not in self._status:
            if list_name not in self._lists:
                self._lists[list_name] = _unit_matches(self, list_name)
            frame = getattr(self, which)
            self._status[key] = _list_status(frame, self._lists[list_name], list_name)
        return self._status[key]

    def list_flags(self, which: str, list_name: str) -> np.ndarray:
        """Per-offense definite membership of ``which`` offenses in a statutory list."""
        return self.list_status(which, list_name).definite

    def section_flags(self, which: str, keys: list[str]) -> np.ndarray:
        """Per-offense match of ``which`` offenses against county-configured offense keys."""
        frame = getattr(self, which)
        return on_distinct(frame, lambda u: in_sections(u, keys))


def _unit_matches(data: ScreenData, list_name: str) -> pd.DataFrame:
    """:func:`list_matches` of every distinct (code, description) unit of the three frames, once,
    indexed by unit id."""
    frames = [f for f in (data.current, data.prior, data.enhancements) if len(f)]
    if not frames:
        return pd.DataFrame(columns=["matched", "possible", "citation", "needs"])
    units = pd.concat([f[["unit", *OFFENSE_COLUMNS, "description"]] for f in frames])
    units = units.drop_duplicates("unit").set_index("unit").sort_index()
    lm = list_matches(
        units[OFFENSE_COLUMNS].reset_index(drop=True),
        list_name,
        descriptions=units["description"].reset_index(drop=True),
    )
    lm.index = units.index
    return lm


def _list_status(frame: pd.DataFrame, lm: pd.DataFrame, list_name: str) -> ListStatus:
    """:meth:`ScreenData.list_status` of one frame from the matches of its units."""
    n = len(frame)
    if n == 0:
        empty = np.zeros(0, dtype=bool)
        return ListStatus(empty, empty, np.zeros(0, dtype=object), np.zeros(0, dtype=object))
    size = int(lm.index.max()) + 1
    at = np.full(size, -1, dtype=np.int64)
    at[lm.index.to_numpy()] = np.arange(len(lm))
    at = at[frame["unit"].to_numpy()]
    definite = lm["matched"].to_numpy(dtype=bool)[at]
    possible = lm["possible"].to_numpy(dtype=bool)[at]
    citation = lm["citation"].fillna("").to_numpy(dtype=object)[at]
    needs = lm["needs"].fillna("").to_numpy(dtype=object)[at]
    if list_name in sentence_citations():
        life = frame["life"].to_numpy(dtype=bool)
        maybe = frame["life_possible"].to_numpy(dtype=bool) & ~definite & ~life
        cite = sentence_citations()[list_name]
        citation = np.where(life & ~definite, cite + ": its own life term", citation)
        citation = np.where(maybe & ~possible, cite, citation)
        needs = np.where(maybe & ~possible, LIFE_NEEDS, needs)
        definite = definite | life
        possible = (possible | maybe) & ~definite
    return ListStatus(definite, possible, citation, needs)


@cache
def sentence_citations() -> dict[str, str]:
    """Lists with an item found from the sentence (felonies punishable by life or death), each
    with that item's citation."""
    table = statutory_lists()
    items = table[table["detect"] == "sentence"].drop_duplicates("list")
    return dict(zip(items["list"].astype(str), items["citation"].astype(str), strict=True))


def on_distinct(frame: pd.DataFrame, func: Callable[[pd.DataFrame], pd.Series]) -> np.ndarray:
    """Apply a per-code function to the distinct parsed codes (``combo``) only and map it back."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    codes = frame["combo"].to_numpy()
    distinct = frame.drop_duplicates("combo").set_index("combo")[OFFENSE_COLUMNS].sort_index()
    result = np.asarray(func(distinct.reset_index(drop=True)).fillna(False), dtype=bool)
    lookup = np.zeros(int(distinct.index.max()) + 1, dtype=bool)
    lookup[distinct.index.to_numpy()] = result
    return lookup[codes]


def parsed_codes(parts: pd.DataFrame, person: np.ndarray) -> pd.DataFrame:
    """Parsed-code columns of offense rows, cleaned (blank text, boolean attempt), with ``person``
    and ``offense_id`` (-1 when the rows have none)."""
    out = parts[OFFENSE_COLUMNS].reset_index(drop=True).copy()
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


def controlling_codes(people: pd.DataFrame) -> pd.DataFrame:
    """The controlling offense of each person as parsed-code columns (``controlling_*``)."""
    ctrl = people[[f"controlling_{c}" for c in OFFENSE_COLUMNS[:-1]] + ["controlling_offense_key"]]
    return ctrl.set_axis(OFFENSE_COLUMNS, axis=1)


def effective_sentence_type(people: pd.DataFrame) -> pd.Series:
    """Sentence type with the LWOP/condemned flags applied (a 9999-month term is LWOP)."""
    stype = people["sentence_type"].astype("string").replace("", pd.NA)
    if "sentence_lwop" in people:
        stype = stype.mask(people["sentence_lwop"].fillna(False).astype(bool), "Life w/o Parole")
    if "sentence_condemned" in people:
        stype = stype.mask(people["sentence_condemned"].fillna(False).astype(bool), "Condemned")
    return stype


def sex_registrant(data: ScreenData) -> tuple[pd.Series, np.ndarray]:
    """Registrant status: the DSA flag, else any current or prior offense (or enhancement) that is
    definitely sex-registrable; and which people's status is derived (no DSA flag)."""
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


# --------------------------------------------------------------------------------------------------
# Offense hits: one row per count or enhancement that matches a rule's lists or sections
# --------------------------------------------------------------------------------------------------


def _exempt(data: ScreenData, which: str, params: dict[str, Any]) -> np.ndarray:
    """Rows of ``which`` definitely matched by the ``except_lists`` / ``except_sections``."""
    exempt = np.zeros(len(getattr(data, which)), dtype=bool)
    for name in params.get("except_lists", []):
        exempt |= data.list_flags(which, name)
    if params.get("except_sections"):
        exempt |= data.section_flags(which, params["except_sections"])
    return exempt


def _add_words(acc: np.ndarray, where: np.ndarray, words: np.ndarray, sep: str) -> np.ndarray:
    """Append ``words`` to ``acc`` (object array) where ``where``, joined by ``sep``."""
    idx = np.flatnonzero(where)
    if len(idx):
        old, add = acc[idx], np.asarray(words, dtype=object)[idx]
        acc[idx] = np.where(old == "", add, old + sep + add)
    return acc


def _row_kinds(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (code, description, life term) kinds of a frame's rows: a representative row of
    each kind and each row's kind.  Every list and section match is a function of the kind."""
    if frame.empty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    life = frame["life"].to_numpy(dtype=bool).astype(np.int64)
    maybe = frame["life_possible"].to_numpy(dtype=bool).astype(np.int64)
    key = frame["unit"].to_numpy(dtype=np.int64) * 3 + life * 2 + maybe
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def match_rows(
    data: ScreenData, which: str, params: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``which``: definitely matched, possibly matched, the lists matched definitely in
    words (``serious (PC 1192.7(c)(19))/violent (PC 667.5(c)(9))``) and the possible matches in
    words (``violent (PC 667.5(c)(21)): the record does not show whether ...``); exceptions removed.

    The words are built once per distinct kind of row (:func:`_row_kinds`) and broadcast."""
    frame = getattr(data, which)
    first, kind = _row_kinds(frame)
    n = len(first)
    definite = np.zeros(n, dtype=bool)
    possible = np.zeros(n, dtype=bool)
    words = np.full(n, "", dtype=object)
    maybe = np.full(n, "", dtype=object)
    for name in params.get("lists", []):
        st = data.list_status(which, name)
        is_def, is_pos = st.definite[first], st.possible[first]
        cite = LIST_WORDS[name] + " (" + st.citation[first].astype(object) + ")"
        words = _add_words(words, is_def, cite, "/")
        needs = cite + ": the record does not show " + st.needs[first].astype(object)
        maybe = _add_words(maybe, is_pos, needs, ", or ")
        definite |= is_def
        possible |= is_pos
    sections = params.get("sections", [])
    if sections:
        flag = data.section_flags(which, sections)[first]
        text = np.full(n, "listed in " + ", ".join(sections), dtype=object)
        words = _add_words(words, flag, text, "/")
        definite |= flag
    exempt = _exempt(data, which, params)[first]
    definite &= ~exempt
    possible &= ~exempt & ~definite
    return definite[kind], possible[kind], words[kind], maybe[kind]


def offense_hits(data: ScreenData, which: str, params: dict[str, Any]) -> pd.DataFrame:
    """The counts of ``which`` (current/prior) and their enhancements that match the rule's lists or
    sections (definitely or possibly), one row each: ``who`` (person position), ``offense``
    (``PC 211 (2nd) in case BA123456``, or ``with enhancement PC 12022.7(a) on count PC 245(a)(1)
    in case ...``), ``definite``, ``words`` (the lists, or the fact that is missing) and ``date``
    (the count's offense date)."""
    frame = getattr(data, which)
    definite, possible, words, maybe = match_rows(data, which, params)
    parts = [_hit_frame(frame, definite, possible, words, maybe)]
    if params.get("lists") and len(data.enhancements):
        parts.append(_enhancement_hit_frame(data, which, params))
    return pd.concat(parts, ignore_index=True)


def _hit_frame(
    frame: pd.DataFrame,
    definite: np.ndarray,
    possible: np.ndarray,
    words: np.ndarray,
    maybe: np.ndarray,
    enhancement: bool = False,
) -> pd.DataFrame:
    keep = definite | possible

    def col(name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=object, na_value="")[keep]

    offense = col("label") + col("case")
    if enhancement:
        offense = "with enhancement " + col("label") + col("on") + col("case")
    return pd.DataFrame(
        {
            "who": frame["person"].to_numpy()[keep],
            "offense": offense,
            "definite": definite[keep],
            "words": np.where(definite, words, maybe)[keep],
            "date": frame["date"].to_numpy()[keep],
        },
        columns=HIT_COLUMNS,
    )


def _enhancement_hit_frame(data: ScreenData, which: str, params: dict[str, Any]) -> pd.DataFrame:
    """Enhancements on ``which`` counts that prove a listed item (great bodily injury makes a felony
    serious), except those on an excepted count (a robbery with a weapon is part of the robbery)."""
    enh = data.enhancements
    definite, possible, words, maybe = match_rows(data, "enhancements", {"lists": params["lists"]})
    role = (enh["role"] == which).to_numpy(dtype=bool).copy()
    if params.get("except_lists") or params.get("except_sections"):
        frame = getattr(data, which)
        exempt_ids = frame["offense_id"].to_numpy()[_exempt(data, which, params)]
        role &= ~np.isin(enh["offense_id"].to_numpy(), exempt_ids[exempt_ids >= 0])
    return _hit_frame(enh, definite & role, possible & role, words, maybe, enhancement=True)


def join_per_person(
    n: int, who: np.ndarray, text: pd.Series | np.ndarray
) -> tuple[np.ndarray, pd.Series]:
    """Whether each person has a row, and the distinct texts of their rows in row order, '; '-joined
    (the controlling offense is also a count row: its repeat is dropped)."""
    has = np.zeros(n, dtype=bool)
    out = np.full(n, "", dtype=object)
    if len(who):
        texts = np.asarray(text, dtype=object)
        code, uniques = pd.factorize(texts)
        who = np.asarray(who, dtype=np.int64)
        _, keep = np.unique(who * (len(uniques) + 1) + code, return_index=True)
        keep = np.sort(keep)  # first occurrences, in row order
        people, texts = who[keep], texts[keep]
        nth = pd.Series(people).groupby(people, sort=False).cumcount().to_numpy()
        has[people] = True
        for k in range(int(nth.max()) + 1 if len(nth) else 0):  # vectorised per position
            at = nth == k
            out[people[at]] = texts[at] if k == 0 else out[people[at]] + "; " + texts[at]
    return has, pd.Series(out, dtype="string")
