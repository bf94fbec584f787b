"""Vectorised Prop 64 engine: from DOJ rows to per-conviction facts, decisions and output columns.

Everything is computed with numpy/pyarrow array operations. Text columns are dictionary-encoded
first, so the Python code that reads a code section runs once per *distinct* text, not per row.

Rules of the record (see ``book/method/prop64.md``):

* a row is a conviction when ``DISP_DESCR`` starts with ``CONVICTED``; its date is
  ``STP_EVENT_DATE``; rows of one person with the same ``CNT_ORDER`` are one count (the first row
  carries the conviction, sentence lengths of all its conviction rows are added);
* felony = ``CONV_STAT_DESCR`` FELONY, or blank with ``OFFENSE_TOC`` F;
* sentence end = conviction date + ``SENT_LENGTH`` in ``SENT_TIME_CODE`` units (D/M/Y);
* a ``DECEASED`` event marks the person deceased; a ``REGISTRATION`` event with a 290 offense marks
  PC 290 registration;
* case numbers are the ``OFN`` of the person's ``COURT ACTION`` rows sharing ``CNT_ORDER[0:6]``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helpers.counties import doj_name
from helpers.prop64 import codes
from helpers.prop64.flows import (
    DETERMINATIONS,
    Decision,
    Facts,
    Flow,
    apply_flow,
    day_number,
    years_before,
)

ADDED_COLUMNS: tuple[str, ...] = (
    "Source Line",
    "Case Number",
    "# of convictions on record",
    "Possible Other P64 Charges",
    "Occurred after 11/9/2016",
    "Superstrike Code Section(s)",
    "PC290 Code Section(s)",
    "PC290 Registration",
    "Date of Conviction",
    "Years Since This Conviction",
    "Years Since Any Conviction",
    "# of Prop 64 convictions",
    "# of HS 11357 convictions",
    "# of HS 11358 convictions",
    "# of HS 11359 convictions",
    "# of HS 11360 convictions",
    "Deceased",
    "Eligibility Determination",
    "Eligibility Reason",
    "Potentially Eligible Related Charge",
    "Code Section",
    "outcome",
    "reason",
    "remedy",
    "flow_step",
    "review_flags",
)
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class Evaluation:
    """Result of :func:`evaluate`: the added columns for every kept row (pyarrow arrays), the
    positions of the evaluated rows, their facts and decisions, and the summary counts."""

    columns: dict[str, Any]
    evaluated_rows: np.ndarray
    facts: Facts
    decision: Decision
    summary: dict[str, Any] = field(default_factory=dict)


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


def _take(values: list[str], idx: np.ndarray) -> Any:
    import pyarrow as pa

    return pa.array(values, pa.string()).take(pa.array(idx, pa.int64()))


def _scatter(n: int, rows: np.ndarray, values: np.ndarray) -> Any:
    """A pyarrow string column of length n: ``values`` at ``rows``, empty elsewhere."""
    import pyarrow as pa

    idx = np.zeros(n, dtype=np.int64)
    idx[rows] = np.arange(1, len(rows) + 1)
    vals = pa.array(
        np.concatenate([np.array([""], dtype=object), values.astype(object)]), pa.string()
    )
    return vals.take(pa.array(idx))


def _fmt_days_us(days: np.ndarray) -> np.ndarray:
    out = np.full(len(days), "", dtype=object)
    ok = ~np.isnan(days)
    if ok.any():
        d = (_EPOCH + days[ok].astype(np.int64)).astype("datetime64[D]").astype(str)
        out[ok] = [f"{s[5:7]}/{s[8:10]}/{s[0:4]}" for s in d]
    return out


def _fmt_years(years: np.ndarray) -> np.ndarray:
    out = np.full(len(years), "", dtype=object)
    ok = ~np.isnan(years)
    out[ok] = np.char.mod("%.1f", years[ok]).astype(object)
    return out


def _join_by_key(keys: np.ndarray, labels: np.ndarray, sep: str) -> dict[int, str]:
    """Ordered, de-duplicated join of labels per key (small inputs: flagged convictions)."""
    out: dict[int, list[str]] = {}
    for k, lab in zip(keys.tolist(), labels.tolist(), strict=True):
        lst = out.setdefault(k, [])
        if lab not in lst:
            lst.append(lab)
    return {k: sep.join(v) for k, v in out.items()}


def evaluate(
    table: Any, county: str, as_of: dt.date, flow: Flow, lines: np.ndarray | None = None
) -> Evaluation:
    """Evaluate every Prop 64 conviction of ``county`` in a DOJ table (95 string columns)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    target = doj_name(county)
    as_of_day = day_number(as_of)
    col = table.column

    subj, subj_u = _encode(col("SUBJECT_ID"))
    n_subj = len(subj_u)
    disp, disp_u = _encode(col("DISP_DESCR"))
    convicted = (
        np.array([v.startswith("CONVICTED") for v in disp_u], dtype=bool)[disp]
        if n
        else np.zeros(0, bool)
    )
    stp, stp_u = _encode(col("STP_TYPE_DESCR"))
    stp_u_arr = np.array(stp_u, dtype=object)
    is_court = (stp_u_arr == "COURT ACTION")[stp] if n else np.zeros(0, bool)
    is_reg = (stp_u_arr == "REGISTRATION")[stp] if n else np.zeros(0, bool)
    is_dead = (stp_u_arr == "DECEASED")[stp] if n else np.zeros(0, bool)
    cty, cty_u = _encode(col("STP_ORI_CNTY_NAME"))
    in_county = (np.array(cty_u, dtype=object) == target)[cty] if n else np.zeros(0, bool)
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
    date = _parse_days(date_u)[date_c] if n else np.zeros(0)
    dob_c, dob_u = _encode(col("PRI_DOB"))
    dob_row = _parse_days(dob_u)[dob_c] if n else np.zeros(0)

    # Code section: the text before the first "-" of the offense, or of the comment.
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
    sec_texts = list(sec_ids)
    parsed = [codes.parse_section(t) for t in sec_texts]
    u_canon = np.array([p.canonical for p in parsed], dtype=object)
    u_p64 = np.array([p.prop64 for p in parsed], dtype=object)
    u_attempt = np.array([p.attempt for p in parsed], dtype=bool)
    u_ss = np.array([codes.is_superstrike(t) for t in sec_texts], dtype=bool)
    u_290 = np.array([codes.is_pc290(t) for t in sec_texts], dtype=bool)
    u_gang = np.array([codes.is_gang_enhancement(t) for t in sec_texts], dtype=bool)
    u_enh = np.array([codes.is_gang_enhanceable(t) for t in sec_texts], dtype=bool)
    u_reg290 = np.array([codes.is_pc290_registration_section(t) for t in sec_texts], dtype=bool)
    u_related = np.array(
        [
            codes.related_charge(t, flow.related_sections) if flow.related_enabled else ""
            for t in sec_texts
        ],
        dtype=object,
    )
    row_p64 = u_p64[sec] if n else np.zeros(0, dtype=object)
    is_p64_row = row_p64 != ""

    # CNT_ORDER: count key, case key [0:6], cycle key [0:3] per person.
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
    rows = np.arange(n, dtype=np.int64)
    count_key = np.where(cnt_blank, -(rows + 1), subj * (len(cnt_u) + 1) + cnt)
    case_key = np.where(cnt_blank, -(rows + 1), subj * (len(c6_ids) + 1) + c6)
    cycle_key = np.where(cnt_blank, -(rows + 1), subj * (len(c3_ids) + 1) + c3)

    # Sentence length in days per row.
    sl, sl_u = _encode(col("SENT_LENGTH"))
    tc, tc_u = _encode(col("SENT_TIME_CODE"))
    import pandas as pd

    length_u = (
        pd.to_numeric(pd.Series(sl_u, dtype=object), errors="coerce")
        .fillna(0.0)
        .to_numpy(np.float64)
    )
    unit_u = np.array(
        [flow.sentence_units.get(v[:1], 0.0) if v else 0.0 for v in tc_u], dtype=np.float64
    )
    part_days = length_u[sl] * unit_u[tc] if n else np.zeros(0)

    # Convictions: one per (person, CNT_ORDER); the first conviction row carries it.
    conv_rows = np.flatnonzero(convicted)
    grp = pd.factorize(count_key[conv_rows])[0]
    n_c = int(grp.max()) + 1 if len(grp) else 0
    first_pos = np.full(n_c, len(conv_rows), dtype=np.int64)
    np.minimum.at(first_pos, grp, np.arange(len(conv_rows)))
    c_rows = conv_rows[first_pos]
    c_sent = np.bincount(grp, weights=part_days[conv_rows], minlength=n_c) if n_c else np.zeros(0)
    c_s = subj[c_rows]
    c_date = date[c_rows]
    c_end = c_date + np.round(c_sent)
    c_sec = sec[c_rows]
    c_p64 = u_p64[c_sec] if n_c else np.zeros(0, dtype=object)
    c_fel = felony[c_rows]

    # Person-level facts.
    n_conv = np.bincount(c_s, minlength=n_subj)
    latest = _group_max(c_s, c_date, n_subj)
    p64_counts = {s: np.bincount(c_s[c_p64 == s], minlength=n_subj) for s in codes.PROP64_SECTIONS}
    n_p64 = sum(p64_counts.values()) if n_subj else np.zeros(0, np.int64)
    end_max = _group_max(c_s, c_end, n_subj, fill=-np.inf)
    all_done = ~(end_max > as_of_day)
    deceased = np.bincount(subj[is_dead], minlength=n_subj) > 0
    dob = np.full(n_subj, np.nan)
    ok_dob = ~np.isnan(dob_row)
    first_dob_row = np.full(n_subj, n, dtype=np.int64)
    np.minimum.at(first_dob_row, subj[ok_dob], rows[ok_dob])
    has_dob = first_dob_row < n
    dob[has_dob] = dob_row[first_dob_row[has_dob]]
    # Unknown dates of disqualifying events count as "before" any conviction (conservative).
    reg_rows = np.flatnonzero(is_reg & u_reg290[sec]) if n else np.zeros(0, np.int64)
    reg_any = np.bincount(subj[reg_rows], minlength=n_subj) > 0
    reg_first = _group_min(subj[reg_rows], np.nan_to_num(date[reg_rows], nan=-np.inf), n_subj)
    c_ss = u_ss[c_sec] if n_c else np.zeros(0, bool)
    ss_labels = u_canon[c_sec].copy() if n_c else np.zeros(0, dtype=object)
    c_gang, c_enh = (u_gang[c_sec], u_enh[c_sec]) if n_c else (np.zeros(0, bool), np.zeros(0, bool))
    if c_gang.any() and c_enh.any():
        c_case = case_key[c_rows]
        gang_cases = pd.Series(u_canon[c_sec][c_gang], index=c_case[c_gang])
        gang_cases = gang_cases[~gang_cases.index.duplicated()]
        combo = c_enh & np.isin(c_case, gang_cases.index.to_numpy())
        ss_labels[combo] = (
            ss_labels[combo] + " + " + gang_cases.reindex(c_case[combo]).to_numpy().astype(object)
        )
        c_ss = c_ss | combo
    ss_any = np.bincount(c_s[c_ss], minlength=n_subj) > 0
    ss_first = _group_min(c_s[c_ss], np.nan_to_num(c_date[c_ss], nan=-np.inf), n_subj)
    c_290 = u_290[c_sec] if n_c else np.zeros(0, bool)
    p290_any = np.bincount(c_s[c_290], minlength=n_subj) > 0
    p290_first = _group_min(c_s[c_290], np.nan_to_num(c_date[c_290], nan=-np.inf), n_subj)

    # Prior / total convictions of the same Prop 64 section per person.
    prior_same = np.zeros(n_c, dtype=np.int64)
    total_same = np.zeros(n_c, dtype=np.int64)
    p64_idx = np.flatnonzero(c_p64 != "")
    if len(p64_idx):
        frame = pd.DataFrame(
            {"s": c_s[p64_idx], "sec": c_p64[p64_idx].astype(str), "d": c_date[p64_idx]}
        )
        g = frame.groupby(["s", "sec"], sort=False)["d"]
        prior_same[p64_idx] = (g.rank(method="min").fillna(1.0).to_numpy() - 1).astype(np.int64)
        total_same[p64_idx] = g.transform("size").to_numpy()

    # Which convictions are evaluated.
    c_in = in_county[c_rows]
    c_eval_p64 = c_in & np.isin(c_p64, [s[:5] for s in flow.sections]) if n_c else np.zeros(0, bool)
    if n_c and any("(" in s for s in flow.sections):
        keep_sec = np.array(
            [
                any(codes.section_matches(codes.parse_section(t), s) for s in flow.sections)
                for t in u_canon
            ],
            dtype=bool,
        )
        c_eval_p64 &= keep_sec[c_sec]
    c_rel = u_related[c_sec] if n_c else np.zeros(0, dtype=object)
    c_eval_rel = np.zeros(n_c, dtype=bool)
    if flow.related_enabled and n_c:
        c_eval_rel = c_in & (c_rel != "") & ~c_eval_p64
        if flow.related_require_cycle:
            p64_cycles = np.unique(cycle_key[is_p64_row])
            c_eval_rel &= np.isin(cycle_key[c_rows], p64_cycles)
    e_idx = np.flatnonzero(c_eval_p64 | c_eval_rel)
    e_rows = c_rows[e_idx]
    e_s = c_s[e_idx]
    e_date = c_date[e_idx]
    e_dob = dob[e_s]
    facts = Facts(
        as_of=as_of_day,
        section=u_canon[c_sec[e_idx]] if len(e_idx) else np.zeros(0, dtype=object),
        prop64=np.where(c_eval_p64[e_idx], c_p64[e_idx], "").astype(object),
        related=np.where(c_eval_rel[e_idx], c_rel[e_idx], "").astype(object),
        felony=c_fel[e_idx],
        date=e_date,
        latest_conviction=latest[e_s],
        age_at_conviction=_calendar_age(e_dob, e_date),
        age_now=_calendar_age(e_dob, np.full(len(e_idx), as_of_day)),
        n_convictions=n_conv[e_s],
        only_prop64=(n_conv[e_s] == n_p64[e_s]),
        all_sentences_completed=all_done[e_s],
        this_sentence_completed=~(c_end[e_idx] > as_of_day),
        deceased=deceased[e_s],
        superstrike_any=ss_any[e_s],
        superstrike_first=ss_first[e_s],
        pc290_conviction_any=p290_any[e_s],
        pc290_conviction_first=p290_first[e_s],
        pc290_registration_any=reg_any[e_s],
        pc290_registration_first=reg_first[e_s],
        prior_same_section=prior_same[e_idx],
        total_same_section=total_same[e_idx],
        attempt=u_attempt[c_sec[e_idx]] if len(e_idx) else np.zeros(0, bool),
    )
    decision = apply_flow(flow, facts)

    # ---- output columns -------------------------------------------------------------------
    cols: dict[str, Any] = {}
    cols["Source Line"] = pa.array(lines if lines is not None else rows + 1, pa.int64()).cast(
        pa.string()
    )
    # Case numbers of the count's court action (OFN of COURT ACTION rows, CNT_ORDER[0:6]).
    e_case = case_key[e_rows]
    ofn_all = col("OFN")
    ofn_nonblank = pc.not_equal(ofn_all, "").to_numpy(zero_copy_only=False)
    case_rows = np.flatnonzero(is_court & ofn_nonblank & np.isin(case_key, e_case))
    case_text = np.full(len(e_rows), "", dtype=object)
    if len(case_rows):
        grouped = (
            pa.table({"k": case_key[case_rows], "o": ofn_all.take(pa.array(case_rows))})
            .group_by(["k", "o"], use_threads=False)
            .aggregate([])
            .group_by("k", use_threads=False)
            .aggregate([("o", "list")])
        )
        joined = dict(
            zip(
                grouped.column("k").to_pylist(),
                pc.binary_join(grouped.column("o_list"), "; ").to_pylist(),
                strict=True,
            )
        )
        case_text = np.array([joined.get(k, "") for k in e_case.tolist()], dtype=object)
    cols["Case Number"] = _scatter(n, e_rows, case_text)
    cols["# of convictions on record"] = _scatter(n, e_rows, n_conv[e_s].astype(str))

    # Possible other Prop 64 charge named in the comment (every row).
    com_all = col("COMMENT_TEXT")
    cand = np.flatnonzero(
        pc.match_substring_regex(com_all, r"1135[789]|11360").to_numpy(zero_copy_only=False)
    )
    other = np.full(len(cand), "", dtype=object)
    if len(cand):
        cache: dict[tuple[str, str], str] = {}
        o_list = col("OFFENSE_DESCR").take(pa.array(cand)).to_pylist()
        c_list = com_all.take(pa.array(cand)).to_pylist()
        for i, pair in enumerate(zip(o_list, c_list, strict=True)):
            if pair not in cache:
                cache[pair] = codes.possible_other_prop64(*pair)
            other[i] = cache[pair]
    cols["Possible Other P64 Charges"] = _scatter(n, cand, other)
    other_row = np.zeros(n, dtype=bool)
    other_row[cand[other != ""]] = True

    eff = day_number(flow.effective_date)
    after = np.where(np.isnan(e_date), "", np.where(e_date >= eff, "Y", "N")).astype(object)
    cols["Occurred after 11/9/2016"] = _scatter(n, e_rows, after)
    uniq_e_s = np.unique(e_s)
    ss_sel = np.flatnonzero(c_ss & np.isin(c_s, uniq_e_s))
    ss_text = _join_by_key(c_s[ss_sel], ss_labels[ss_sel], ";")
    p290_sel = np.flatnonzero(c_290 & np.isin(c_s, uniq_e_s))
    p290_text = _join_by_key(c_s[p290_sel], u_canon[c_sec[p290_sel]], ";")
    cols["Superstrike Code Section(s)"] = _scatter(
        n, e_rows, np.array([ss_text.get(s, "-") for s in e_s.tolist()], dtype=object)
    )
    cols["PC290 Code Section(s)"] = _scatter(
        n, e_rows, np.array([p290_text.get(s, "-") for s in e_s.tolist()], dtype=object)
    )
    cols["PC290 Registration"] = _scatter(
        n, e_rows, np.where(reg_any[e_s], "Yes", "-").astype(object)
    )
    cols["Date of Conviction"] = _scatter(n, e_rows, _fmt_days_us(e_date))
    cols["Years Since This Conviction"] = _scatter(
        n, e_rows, _fmt_years((as_of_day - e_date) / 365.25)
    )
    cols["Years Since Any Conviction"] = _scatter(
        n, e_rows, _fmt_years((as_of_day - latest[e_s]) / 365.25)
    )
    cols["# of Prop 64 convictions"] = _scatter(n, e_rows, n_p64[e_s].astype(str))
    for s in codes.PROP64_SECTIONS:
        cols[f"# of HS {s} convictions"] = _scatter(n, e_rows, p64_counts[s][e_s].astype(str))
    cols["Deceased"] = _scatter(n, e_rows, np.where(deceased[e_s], "Deceased", "-").astype(object))
    det = np.array([DETERMINATIONS.get(o, "") for o in decision.outcome.tolist()], dtype=object)
    cols["Eligibility Determination"] = _scatter(n, e_rows, det)
    cols["Eligibility Reason"] = _scatter(n, e_rows, decision.reason)
    cols["Potentially Eligible Related Charge"] = _scatter(n, e_rows, facts.related)
    cols["Code Section"] = _scatter(n, e_rows, facts.section)
    cols["outcome"] = _scatter(n, e_rows, decision.outcome)
    cols["reason"] = _scatter(n, e_rows, decision.reason)
    cols["remedy"] = _scatter(n, e_rows, decision.remedy)
    cols["flow_step"] = _scatter(n, e_rows, decision.step)
    flags = np.full(len(e_rows), "", dtype=object)
    flag_masks = {
        "superstrike": facts.superstrike_any,
        "pc290": facts.pc290_conviction_any | facts.pc290_registration_any,
        "after_effective_date": e_date >= eff,
        "attempt": facts.attempt,
        "possible_other_prop64": other_row[e_rows],
    }
    for name in flow.review_flags:
        m = flag_masks[name]
        flags[m] = flags[m] + np.where(flags[m] == "", "", "; ").astype(object) + name
    cols["review_flags"] = _scatter(n, e_rows, flags)

    # ---- summary ---------------------------------------------------------------------------
    c_out = np.full(n_c, "", dtype=object)
    c_out[e_idx] = decision.outcome
    relief = np.isin(c_out, ["dismiss", "reduce"])
    dismissed = c_out == "dismiss"

    def _people_cleared(sel: np.ndarray, cleared: np.ndarray) -> int:
        have = np.bincount(c_s[sel], minlength=n_subj)
        done = np.bincount(c_s[sel & cleared], minlength=n_subj)
        return int(((have > 0) & (have == done)).sum())

    seven = day_number(years_before(as_of, 7))
    by_section: dict[str, dict[str, int]] = {}
    e_key = np.where(facts.prop64 != "", facts.prop64, "related " + facts.related)
    for key, out in zip(e_key.tolist(), decision.outcome.tolist(), strict=True):
        d = by_section.setdefault(key, {})
        d[out] = d.get(out, 0) + 1
    reasons: dict[str, dict[str, int]] = {}
    for out, why in zip(decision.outcome.tolist(), decision.reason.tolist(), strict=True):
        d = reasons.setdefault(out, {})
        d[why] = d.get(why, 0) + 1
    p64_in_cty = (c_p64 != "") & c_in
    earliest = (
        np.nanmin(c_date[p64_in_cty])
        if p64_in_cty.any() and not np.isnan(c_date[p64_in_cty]).all()
        else np.nan
    )
    summary: dict[str, Any] = {
        "county": target,
        "as_of": as_of.isoformat(),
        "flow": flow.name,
        "flow_file": str(flow.path) if flow.path else None,
        "people": n_subj,
        "convictions": n_c,
        "prop64_convictions_in_county_by_section": {
            s: int(((c_p64 == s) & c_in).sum()) for s in codes.PROP64_SECTIONS
        },
        "prop64_felony_convictions_in_county": int((p64_in_cty & c_fel).sum()),
        "prop64_nonfelony_convictions_in_county": int((p64_in_cty & ~c_fel).sum()),
        "earliest_prop64_conviction_in_county": _fmt_days_us(np.array([earliest]))[0] or None,
        "people_with_prop64_conviction_in_county": int(len(np.unique(c_s[p64_in_cty]))),
        "prop64_convictions_by_county": {
            cty_u[k]: int(v)
            for k, v in zip(*np.unique(cty[c_rows[c_p64 != ""]], return_counts=True), strict=True)
        },
        "evaluated_convictions": int(len(e_idx)),
        "outcomes": {
            o: int((decision.outcome == o).sum())
            for o in ("dismiss", "reduce", "not_eligible", "review")
        },
        "outcomes_by_section": {k: by_section[k] for k in sorted(by_section)},
        "reasons": reasons,
        "review_flags": {k: int(v.sum()) for k, v in flag_masks.items() if k in flow.review_flags},
        "people_with_any_relief": int(len(np.unique(c_s[relief]))),
        "people_no_longer_with_felony": _people_cleared(c_fel, relief),
        "people_no_longer_with_conviction": _people_cleared(np.ones(n_c, dtype=bool), dismissed),
        "people_no_longer_with_conviction_in_last_7_years": _people_cleared(
            c_date > seven, dismissed
        ),
    }
    return Evaluation(cols, e_rows, facts, decision, summary)
