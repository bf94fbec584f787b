"""From DOJ rows to the facts of each conviction: decoding, counts, people, selection.

Everything is computed with numpy/pyarrow array operations. Text columns are dictionary-encoded
first, so the Python code that reads a code section runs once per *distinct* text, not per row.

Rules of the record (see ``book/method/prop64.md``):

* a row is a conviction when ``DISP_DESCR`` starts with ``CONVICTED``; its date is
  ``STP_EVENT_DATE``; rows of one person with the same ``CNT_ORDER`` are one count (the first row
  carries the conviction, sentence lengths of all its conviction rows are added);
* felony = ``CONV_STAT_DESCR`` FELONY, or blank with ``OFFENSE_TOC`` F;
* sentence end = conviction date + ``SENT_LENGTH`` in ``SENT_TIME_CODE`` units (D/M/Y); a length
  that is not a number, or a length without a unit the flow knows, is *unreadable*: the sentence
  of the count is unknown (never zero), and so is "every sentence completed" of the person unless
  a readable sentence of theirs is still running;
* a ``DECEASED`` event marks the person deceased; a ``REGISTRATION`` event with a 290 offense marks
  PC 290 registration;
* case numbers are the ``OFN`` of the person's ``COURT ACTION`` rows sharing ``CNT_ORDER[0:6]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.prop64 import codes
from helpers.prop64.flows import Flow
from helpers.prop64.steps import Facts

_EPOCH = np.datetime64("1970-01-01", "D")


def _encode(col: Any, clean: bool = True) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode a pyarrow string column -> (int codes, distinct values)."""
    import pyarrow as pa

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    enc = arr.dictionary_encode()
    idx = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    values = enc.dictionary.to_pylist()
    if not clean:
        return idx, values
    cleaned = [" ".join(v.split()).upper() for v in values]
    uniq: dict[str, int] = {}
    remap = np.array([uniq.setdefault(v, len(uniq)) for v in cleaned], dtype=np.int64)
    return (remap[idx] if len(remap) else idx), list(uniq)


def _parse_days(values: list[str]) -> np.ndarray:
    """YYYYMMDD strings -> float day numbers (NaN when invalid)."""
    import pandas as pd

    parsed = pd.to_datetime(pd.Series(values, dtype=object), format="%Y%m%d", errors="coerce")
    days = parsed.to_numpy(dtype="datetime64[D]")
    out = (days - _EPOCH).astype(np.float64)
    out[np.isnat(days)] = np.nan
    return out


def _group_max(keys: np.ndarray, values: np.ndarray, n: int, fill: float = np.nan) -> np.ndarray:
    out = np.full(n, -np.inf)
    ok = ~np.isnan(values)
    np.maximum.at(out, keys[ok], values[ok])
    out[np.isneginf(out)] = fill
    return out


def _group_min(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.inf)
    np.minimum.at(out, keys, values)
    out[np.isposinf(out)] = np.nan
    return out


def _calendar_age(dob: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years between day numbers (NaN when either is unknown)."""
    bad = np.isnan(dob) | np.isnan(on)
    d0 = (_EPOCH + np.where(bad, 0, dob).astype(np.int64)).astype("datetime64[D]")
    d1 = (_EPOCH + np.where(bad, 0, on).astype(np.int64)).astype("datetime64[D]")
    y0, y1 = d0.astype("datetime64[Y]").astype(int), d1.astype("datetime64[Y]").astype(int)
    # Compare month/day, not day-of-year, so leap years do not shift birthdays.
    m0 = d0.astype("datetime64[M]").astype(int) % 12
    m1 = d1.astype("datetime64[M]").astype(int) % 12
    dd0 = (d0 - d0.astype("datetime64[M]").astype("datetime64[D]")).astype(int)
    dd1 = (d1 - d1.astype("datetime64[M]").astype("datetime64[D]")).astype(int)
    before = (m1 < m0) | ((m1 == m0) & (dd1 < dd0))
    age = (y1 - y0 - before).astype(np.float64)
    age[bad] = np.nan
    return age


# --------------------------------------------------------------------------------------------------
# Rows: the DOJ columns the engine reads, decoded once per distinct text
# --------------------------------------------------------------------------------------------------


@dataclass
class SectionTable:
    """What is known of each distinct code section of a file (arrays indexed by section id)."""

    canonical: np.ndarray
    prop64: np.ndarray
    attempt: np.ndarray
    superstrike: np.ndarray
    pc290: np.ndarray
    gang: np.ndarray
    enhanceable: np.ndarray
    gang_pair: np.ndarray
    registration290: np.ndarray
    related: np.ndarray
    readable: np.ndarray
    unread: np.ndarray


@dataclass
class Rows:
    """Per-row arrays of a DOJ table: person, event kind, county, felony, dates, section id, the
    count / case / arrest-cycle keys and the sentence days of the row."""

    n: int
    subject: np.ndarray
    n_subjects: int
    convicted: np.ndarray
    court: np.ndarray
    registration: np.ndarray
    dead: np.ndarray
    in_county: np.ndarray
    county_code: np.ndarray
    county_names: list[str]
    felony: np.ndarray
    date: np.ndarray
    dob: np.ndarray
    section: np.ndarray
    count_key: np.ndarray
    case_key: np.ndarray
    cycle_key: np.ndarray
    sentence_days: np.ndarray
    sentence_problem: np.ndarray  # object: why the row's sentence is unreadable, "" if readable


def _row_events(col: Any, n: int, target: str) -> dict[str, Any]:
    """Conviction, event type, county, felony and dates of every row."""
    disp, disp_u = _encode(col("DISP_DESCR"))
    convicted = (
        np.array([v.startswith("CONVICTED") for v in disp_u], dtype=bool)[disp]
        if n
        else np.zeros(0, bool)
    )
    stp, stp_u = _encode(col("STP_TYPE_DESCR"))
    stp_u_arr = np.array(stp_u, dtype=object)
    cty, cty_u = _encode(col("STP_ORI_CNTY_NAME"))
    stat, stat_u = _encode(col("CONV_STAT_DESCR"))
    toc, toc_u = _encode(col("OFFENSE_TOC"))
    stat_u_arr = np.array(stat_u, dtype=object)
    felony = (
        (stat_u_arr == "FELONY")[stat]
        | ((stat_u_arr == "")[stat] & (np.array(toc_u, dtype=object) == "F")[toc])
        if n
        else np.zeros(0, bool)
    )
    date_c, date_u = _encode(col("STP_EVENT_DATE"))
    dob_c, dob_u = _encode(col("PRI_DOB"))
    return {
        "convicted": convicted,
        "court": (stp_u_arr == "COURT ACTION")[stp] if n else np.zeros(0, bool),
        "registration": (stp_u_arr == "REGISTRATION")[stp] if n else np.zeros(0, bool),
        "dead": (stp_u_arr == "DECEASED")[stp] if n else np.zeros(0, bool),
        "in_county": (np.array(cty_u, dtype=object) == target)[cty] if n else np.zeros(0, bool),
        "county_code": cty,
        "county_names": cty_u,
        "felony": felony,
        "date": _parse_days(date_u)[date_c] if n else np.zeros(0),
        "dob": _parse_days(dob_u)[dob_c] if n else np.zeros(0),
    }


def _row_sections(col: Any, n: int, flow: Flow) -> tuple[np.ndarray, SectionTable]:
    """The section id of every row (the text before the first "-" of the offense, or of the
    comment) and the table of what each distinct section is."""
    import pyarrow as pa

    off, off_u = _encode(col("OFFENSE_DESCR"), clean=False)
    off_comment = np.array([v.strip() in ("", "SEE COMMENT FOR CHARGE") for v in off_u], dtype=bool)
    sec_ids: dict[str, int] = {}
    off_sec = np.array(
        [sec_ids.setdefault(codes.section_text(v), len(sec_ids)) for v in off_u], dtype=np.int64
    )
    sec = off_sec[off] if n else np.zeros(0, np.int64)
    use_comment = off_comment[off] if n else np.zeros(0, bool)
    if use_comment.any():
        rows_c = np.flatnonzero(use_comment)
        com, com_u = _encode(col("COMMENT_TEXT").take(pa.array(rows_c)), clean=False)
        com_sec = np.array(
            [sec_ids.setdefault(codes.section_text("", v), len(sec_ids)) for v in com_u],
            dtype=np.int64,
        )
        sec[rows_c] = com_sec[com]
    texts = list(sec_ids)
    parsed = [codes.parse_section(t) for t in texts]
    return sec, SectionTable(
        canonical=np.array([p.canonical for p in parsed], dtype=object),
        prop64=np.array([p.prop64 for p in parsed], dtype=object),
        attempt=np.array([p.attempt for p in parsed], dtype=bool),
        superstrike=np.array([codes.is_superstrike(t) for t in texts], dtype=bool),
        pc290=np.array([codes.is_pc290(t) for t in texts], dtype=bool),
        gang=np.array([codes.is_gang_enhancement(t) for t in texts], dtype=bool),
        enhanceable=np.array([codes.is_gang_enhanceable(t) for t in texts], dtype=bool),
        gang_pair=np.array([codes.gang_pair(t) for t in texts], dtype=object),
        registration290=np.array([codes.is_pc290_registration_section(t) for t in texts], bool),
        related=np.array([codes.related_charge(t, flow.related_sections) for t in texts], object),
        readable=np.array([bool(p.number) for p in parsed], dtype=bool),
        unread=np.array([bool(p.unread) for p in parsed], dtype=bool),
    )


def _row_keys(col: Any, n: int, subj: np.ndarray) -> dict[str, np.ndarray]:
    """CNT_ORDER keys per person: the count (all 12 digits), the case [0:6], the cycle [0:3]."""
    cnt, cnt_u = _encode(col("CNT_ORDER"))
    cnt_blank = (np.array(cnt_u, dtype=object) == "")[cnt] if n else np.zeros(0, bool)
    c6_ids: dict[str, int] = {}
    c3_ids: dict[str, int] = {}
    c6 = (
        np.array([c6_ids.setdefault(v[:6], len(c6_ids)) for v in cnt_u], dtype=np.int64)[cnt]
        if n
        else np.zeros(0, np.int64)
    )
    c3 = (
        np.array([c3_ids.setdefault(v[:3], len(c3_ids)) for v in cnt_u], dtype=np.int64)[cnt]
        if n
        else np.zeros(0, np.int64)
    )
    own = -(np.arange(n, dtype=np.int64) + 1)  # a blank CNT_ORDER makes the row its own count
    return {
        "count_key": np.where(cnt_blank, own, subj * (len(cnt_u) + 1) + cnt),
        "case_key": np.where(cnt_blank, own, subj * (len(c6_ids) + 1) + c6),
        "cycle_key": np.where(cnt_blank, own, subj * (len(c3_ids) + 1) + c3),
    }


def _row_sentence_days(col: Any, n: int, flow: Flow) -> tuple[np.ndarray, np.ndarray]:
    """Sentence length of every row in days (SENT_LENGTH in SENT_TIME_CODE units; blank: none),
    and why a row's sentence is unreadable ("" when it is readable; its days are then 0)."""
    import pandas as pd

    sl, sl_u = _encode(col("SENT_LENGTH"))
    tc, tc_u = _encode(col("SENT_TIME_CODE"))
    if not n:
        return np.zeros(0), np.zeros(0, dtype=object)
    number = pd.to_numeric(pd.Series(sl_u, dtype=object), errors="coerce").to_numpy(np.float64)
    blank_len = np.array([v == "" for v in sl_u], dtype=bool)
    bad_len = ~blank_len & ~(np.isfinite(number) & (number >= 0))
    length_u = np.where(blank_len | bad_len, 0.0, number)
    unit_u = np.array([flow.sentence_units.get(v[:1], np.nan) if v else 0.0 for v in tc_u])
    known = ", ".join(sorted(flow.sentence_units))
    len_text = np.array([f"SENT_LENGTH '{v}' is not a number of units" for v in sl_u], object)
    unit_text = np.array(
        [f"SENT_TIME_CODE '{v}' is not a unit the flow knows ({known})" for v in tc_u], object
    )
    length, unit = length_u[sl], unit_u[tc]
    problem = np.full(n, "", dtype=object)
    no_unit = (unit == 0.0) & (length > 0)  # a length with a blank unit
    problem[no_unit] = "SENT_LENGTH without a SENT_TIME_CODE"
    odd_unit = np.isnan(unit) & (length > 0)
    problem[odd_unit] = unit_text[tc][odd_unit]
    problem[bad_len[sl]] = len_text[sl][bad_len[sl]]
    days = np.where(problem == "", length * np.nan_to_num(unit), 0.0)
    return days, problem


def decode_rows(table: Any, target: str, flow: Flow) -> tuple[Rows, SectionTable]:
    """Decode the DOJ columns the engine uses into per-row arrays and the section table
    (``target``: the DOJ name of the county under review)."""
    col = table.column
    n = table.num_rows
    subj, subj_u = _encode(col("SUBJECT_ID"))
    events = _row_events(col, n, target)
    section, sections = _row_sections(col, n, flow)
    days, problem = _row_sentence_days(col, n, flow)
    rows = Rows(
        n=n,
        subject=subj,
        n_subjects=len(subj_u),
        **events,
        section=section,
        **_row_keys(col, n, subj),
        sentence_days=days,
        sentence_problem=problem,
    )
    return rows, sections


# --------------------------------------------------------------------------------------------------
# Convictions and people
# --------------------------------------------------------------------------------------------------


@dataclass
class Convictions:
    """One entry per (person, CNT_ORDER) count with a conviction; the first conviction row of the
    count carries it, sentence days of all its conviction rows are added."""

    n: int
    rows: np.ndarray
    person: np.ndarray
    date: np.ndarray
    end: np.ndarray
    section: np.ndarray
    prop64: np.ndarray
    felony: np.ndarray
    case: np.ndarray
    sentence_unknown: np.ndarray  # a conviction row of the count has an unreadable sentence


def group_convictions(rows: Rows, sections: SectionTable) -> Convictions:
    """The convictions of a table (see :class:`Convictions`)."""
    import pandas as pd

    conv_rows = np.flatnonzero(rows.convicted)
    grp = pd.factorize(rows.count_key[conv_rows])[0]
    n_c = int(grp.max()) + 1 if len(grp) else 0
    first_pos = np.full(n_c, len(conv_rows), dtype=np.int64)
    np.minimum.at(first_pos, grp, np.arange(len(conv_rows)))
    c_rows = conv_rows[first_pos]
    days = rows.sentence_days[conv_rows]
    c_sent = np.bincount(grp, weights=days, minlength=n_c) if n_c else np.zeros(0)
    bad = (rows.sentence_problem[conv_rows] != "").astype(np.float64)
    c_unknown = np.bincount(grp, weights=bad, minlength=n_c) > 0 if n_c else np.zeros(0, bool)
    c_date = rows.date[c_rows]
    c_sec = rows.section[c_rows]
    return Convictions(
        n=n_c,
        rows=c_rows,
        person=rows.subject[c_rows],
        date=c_date,
        end=c_date + np.round(c_sent),
        section=c_sec,
        prop64=sections.prop64[c_sec] if n_c else np.zeros(0, dtype=object),
        felony=rows.felony[c_rows],
        case=rows.case_key[c_rows],
        sentence_unknown=c_unknown,
    )


@dataclass
class People:
    """Person-level facts (arrays indexed by person) and the per-conviction superstrike and
    PC 290 marks they come from."""

    n_convictions: np.ndarray
    latest: np.ndarray
    prop64_counts: dict[str, np.ndarray]
    n_prop64: np.ndarray
    all_done: np.ndarray
    all_unknown: np.ndarray  # no readable sentence is running, but one is unreadable
    deceased: np.ndarray
    dob: np.ndarray
    registration_any: np.ndarray
    registration_first: np.ndarray
    superstrike_any: np.ndarray
    superstrike_first: np.ndarray
    pc290_any: np.ndarray
    pc290_first: np.ndarray
    conviction_superstrike: np.ndarray
    superstrike_labels: np.ndarray
    conviction_pc290: np.ndarray


def _superstrikes(
    rows: Rows, convs: Convictions, sections: SectionTable
) -> tuple[np.ndarray, np.ndarray]:
    """Superstrike convictions and their labels; a gang-enhanceable offense with the PC
    186.22(b)(4) enhancement in the same case is one (label ``offense + enhancement``)."""
    import pandas as pd

    n_c, c_sec = convs.n, convs.section
    c_ss = sections.superstrike[c_sec] if n_c else np.zeros(0, bool)
    ss_labels = sections.canonical[c_sec].copy() if n_c else np.zeros(0, dtype=object)
    if n_c:
        c_gang, c_enh = sections.gang[c_sec], sections.enhanceable[c_sec]
    else:
        c_gang, c_enh = np.zeros(0, bool), np.zeros(0, bool)
    inline = sections.gang_pair[c_sec] != "" if n_c else np.zeros(0, bool)
    if inline.any():  # offense and enhancement written in one charge
        ss_labels[inline] = sections.gang_pair[c_sec][inline]
        c_ss = c_ss | inline
    if c_gang.any() and c_enh.any():
        c_case = rows.case_key[convs.rows]
        gang_cases = pd.Series(sections.canonical[c_sec][c_gang], index=c_case[c_gang])
        gang_cases = gang_cases[~gang_cases.index.duplicated()]
        combo = c_enh & np.isin(c_case, gang_cases.index.to_numpy())
        ss_labels[combo] = (
            ss_labels[combo] + " + " + gang_cases.reindex(c_case[combo]).to_numpy().astype(object)
        )
        c_ss = c_ss | combo
    return c_ss, ss_labels


def _first_dob(rows: Rows) -> np.ndarray:
    """Date of birth per person: the first valid PRI_DOB of the person's rows."""
    n, n_subj = rows.n, rows.n_subjects
    dob = np.full(n_subj, np.nan)
    ok_dob = ~np.isnan(rows.dob)
    first_dob_row = np.full(n_subj, n, dtype=np.int64)
    np.minimum.at(first_dob_row, rows.subject[ok_dob], np.arange(n, dtype=np.int64)[ok_dob])
    has_dob = first_dob_row < n
    dob[has_dob] = rows.dob[first_dob_row[has_dob]]
    return dob


def person_facts(
    rows: Rows, convs: Convictions, sections: SectionTable, as_of_day: float
) -> People:
    """Counts, latest conviction, sentences, death, birth, PC 290 and superstrikes per person.

    Unknown dates of disqualifying events count as "before" any conviction (conservative).
    """
    n_subj, subj = rows.n_subjects, rows.subject
    c_s, c_date = convs.person, convs.date
    p64_counts = {
        s: np.bincount(c_s[convs.prop64 == s], minlength=n_subj) for s in codes.PROP64_SECTIONS
    }
    end_max = _group_max(c_s, convs.end, n_subj, fill=-np.inf)
    all_done = ~(end_max > as_of_day)
    any_unknown = np.bincount(c_s[convs.sentence_unknown], minlength=n_subj) > 0
    if rows.n:
        reg_rows = np.flatnonzero(rows.registration & sections.registration290[rows.section])
    else:
        reg_rows = np.zeros(0, np.int64)
    c_ss, ss_labels = _superstrikes(rows, convs, sections)
    c_290 = sections.pc290[convs.section] if convs.n else np.zeros(0, bool)

    def first(keys: np.ndarray, days: np.ndarray) -> np.ndarray:
        return _group_min(keys, np.nan_to_num(days, nan=-np.inf), n_subj)

    return People(
        n_convictions=np.bincount(c_s, minlength=n_subj),
        latest=_group_max(c_s, c_date, n_subj),
        prop64_counts=p64_counts,
        n_prop64=sum(p64_counts.values()) if n_subj else np.zeros(0, np.int64),
        all_done=all_done,
        all_unknown=all_done & any_unknown,
        deceased=np.bincount(subj[rows.dead], minlength=n_subj) > 0,
        dob=_first_dob(rows),
        registration_any=np.bincount(subj[reg_rows], minlength=n_subj) > 0,
        registration_first=first(subj[reg_rows], rows.date[reg_rows]),
        superstrike_any=np.bincount(c_s[c_ss], minlength=n_subj) > 0,
        superstrike_first=first(c_s[c_ss], c_date[c_ss]),
        pc290_any=np.bincount(c_s[c_290], minlength=n_subj) > 0,
        pc290_first=first(c_s[c_290], c_date[c_290]),
        conviction_superstrike=c_ss,
        superstrike_labels=ss_labels,
        conviction_pc290=c_290,
    )


def same_section_counts(convs: Convictions) -> dict[str, np.ndarray]:
    """Earlier and all convictions of the same Prop 64 section of the person, per conviction,
    counted two ways: as counts (``prior``, ``total``) and as separate events, the cases of
    ``CNT_ORDER[0:6]`` (``prior_cases``, ``total_cases``; counts of one case are one event).
    "Earlier" means a strictly earlier date; a conviction without a date has none earlier."""
    import pandas as pd

    out = {
        k: np.zeros(convs.n, dtype=np.int64)
        for k in ("prior", "total", "prior_cases", "total_cases")
    }
    p64_idx = np.flatnonzero(convs.prop64 != "")
    if not len(p64_idx):
        return out
    group = pd.factorize(
        pd.MultiIndex.from_arrays([convs.person[p64_idx], convs.prop64[p64_idx].astype(str)])
    )[0].astype(np.int64)
    date = convs.date[p64_idx]
    case = convs.case[p64_idx]
    out["prior"][p64_idx] = _earlier(group, date, group, date)
    out["total"][p64_idx] = np.bincount(group)[group]
    # One event per (person, section, case), dated by its first conviction of the section.
    events = (
        pd.DataFrame({"g": group, "case": case, "d": date})
        .groupby(["g", "case"], sort=False)["d"]
        .min()
    )
    e_group = events.index.get_level_values("g").to_numpy(np.int64)
    out["prior_cases"][p64_idx] = _earlier(e_group, events.to_numpy(np.float64), group, date)
    out["total_cases"][p64_idx] = np.bincount(e_group, minlength=group.max() + 1)[group]
    return out


def _earlier(
    ref_group: np.ndarray, ref_date: np.ndarray, group: np.ndarray, date: np.ndarray
) -> np.ndarray:
    """For each (group, date): how many reference dates of the same group are strictly earlier
    (reference dates that are unknown never count; an unknown date has none earlier)."""
    ok = ~np.isnan(ref_date)
    span = 1e6  # wider than any day number
    keys = np.sort(ref_group[ok] * span + ref_date[ok])
    known = ~np.isnan(date)
    out = np.zeros(len(group), dtype=np.int64)
    g, d = group[known], date[known]
    out[known] = np.searchsorted(keys, g * span + d, "left") - np.searchsorted(
        keys, g * span - span / 2, "left"
    )
    return out


# --------------------------------------------------------------------------------------------------
# Which convictions are evaluated, and their facts
# --------------------------------------------------------------------------------------------------


@dataclass
class Selection:
    """The evaluated convictions: Prop 64 convictions of the county and related charges."""

    in_county: np.ndarray
    prop64: np.ndarray
    related: np.ndarray
    related_entry: np.ndarray
    index: np.ndarray


def select_convictions(
    rows: Rows, convs: Convictions, sections: SectionTable, flow: Flow
) -> Selection:
    """Convictions of the county in the flow's sections, and (when the flow enables them)
    related charges, in an arrest cycle with a Prop 64 charge if the flow asks for it."""
    n_c = convs.n
    c_in = rows.in_county[convs.rows]
    wanted = [s[:5] for s in flow.sections]
    c_eval_p64 = c_in & np.isin(convs.prop64, wanted) if n_c else np.zeros(0, bool)
    if n_c and any("(" in s for s in flow.sections):
        keep_sec = np.array(
            [
                any(codes.section_matches(codes.parse_section(t), s) for s in flow.sections)
                for t in sections.canonical
            ],
            dtype=bool,
        )
        c_eval_p64 &= keep_sec[convs.section]
    c_rel = sections.related[convs.section] if n_c else np.zeros(0, dtype=object)
    c_eval_rel = np.zeros(n_c, dtype=bool)
    if flow.related_enabled and n_c:
        c_eval_rel = c_in & (c_rel != "") & ~c_eval_p64
        if flow.related_require_cycle:
            is_p64_row = (sections.prop64[rows.section] if rows.n else np.zeros(0, object)) != ""
            p64_cycles = np.unique(rows.cycle_key[is_p64_row])
            c_eval_rel &= np.isin(rows.cycle_key[convs.rows], p64_cycles)
    index = np.flatnonzero(c_eval_p64 | c_eval_rel)
    return Selection(c_in, c_eval_p64, c_eval_rel, c_rel, index)


def conviction_facts(
    convs: Convictions,
    people: People,
    sections: SectionTable,
    chosen: Selection,
    same_section: dict[str, np.ndarray],
    as_of_day: float,
) -> Facts:
    """The :class:`Facts` of the evaluated convictions, which the flow's steps test."""
    e_idx = chosen.index
    e_s = convs.person[e_idx]
    e_date = convs.date[e_idx]
    e_dob = people.dob[e_s]
    some = len(e_idx) > 0
    return Facts(
        as_of=as_of_day,
        section=sections.canonical[convs.section[e_idx]] if some else np.zeros(0, dtype=object),
        prop64=np.where(chosen.prop64[e_idx], convs.prop64[e_idx], "").astype(object),
        related=np.where(chosen.related[e_idx], chosen.related_entry[e_idx], "").astype(object),
        felony=convs.felony[e_idx],
        date=e_date,
        latest_conviction=people.latest[e_s],
        age_at_conviction=_calendar_age(e_dob, e_date),
        age_now=_calendar_age(e_dob, np.full(len(e_idx), as_of_day)),
        n_convictions=people.n_convictions[e_s],
        only_prop64=(people.n_convictions[e_s] == people.n_prop64[e_s]),
        all_sentences_completed=people.all_done[e_s],
        this_sentence_completed=~(convs.end[e_idx] > as_of_day),
        all_sentences_unknown=people.all_unknown[e_s],
        this_sentence_unknown=convs.sentence_unknown[e_idx] & ~(convs.end[e_idx] > as_of_day),
        deceased=people.deceased[e_s],
        superstrike_any=people.superstrike_any[e_s],
        superstrike_first=people.superstrike_first[e_s],
        pc290_conviction_any=people.pc290_any[e_s],
        pc290_conviction_first=people.pc290_first[e_s],
        pc290_registration_any=people.registration_any[e_s],
        pc290_registration_first=people.registration_first[e_s],
        prior_same_section=same_section["prior"][e_idx],
        total_same_section=same_section["total"][e_idx],
        prior_same_section_cases=same_section["prior_cases"][e_idx],
        total_same_section_cases=same_section["total_cases"][e_idx],
        attempt=sections.attempt[convs.section[e_idx]] if some else np.zeros(0, bool),
    )
