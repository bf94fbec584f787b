"""The Prop 64 engine: evaluate a DOJ table with a flow, and build the output columns and summary.

:func:`evaluate` decodes the rows and derives the facts of every conviction
(:mod:`helpers.prop64.record`), applies the flow (:func:`helpers.prop64.flows.apply_flow`) to the
evaluated convictions, then writes the added columns on their rows and counts the results. Every
step works on whole arrays (numpy/pyarrow), never row by row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helpers.counties import doj_name
from helpers.prop64 import codes
from helpers.prop64.flows import DETERMINATIONS, OUTCOMES, Decision, Flow, apply_flow
from helpers.prop64.record import (
    Convictions,
    People,
    Rows,
    SectionTable,
    Selection,
    conviction_facts,
    decode_rows,
    group_convictions,
    person_facts,
    same_section_counts,
    select_convictions,
)
from helpers.prop64.steps import Facts, day_number, years_before

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
SENTENCE_ROWS = "unreadable_sentence_rows"
"""Tally key of the error-file rows of unreadable sentences (taken out of the summary)."""
_EPOCH = np.datetime64("1970-01-01", "D")
_EPOCH_DATE = dt.date(1970, 1, 1)


@dataclass
class Evaluation:
    """Result of :func:`evaluate`: the added columns for every kept row (pyarrow arrays), the
    positions of the evaluated rows, their facts and decisions, and the summary counts."""

    columns: dict[str, Any]
    evaluated_rows: np.ndarray
    facts: Facts
    decision: Decision
    summary: dict[str, Any] = field(default_factory=dict)


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


# --------------------------------------------------------------------------------------------------
# Output columns and summary
# --------------------------------------------------------------------------------------------------


@dataclass
class EvaluationParts:
    """Everything :func:`evaluate` computed, for the output columns and the summary."""

    table: Any
    county: str
    as_of_day: float
    flow: Flow
    rows: Rows
    sections: SectionTable
    convs: Convictions
    people: People
    chosen: Selection
    facts: Facts
    decision: Decision
    evaluated_rows: np.ndarray = field(init=False)
    evaluated_people: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.evaluated_rows = self.convs.rows[self.chosen.index]
        self.evaluated_people = self.convs.person[self.chosen.index]


def _case_numbers(res: EvaluationParts) -> np.ndarray:
    """Case numbers of each evaluated count: the OFN of the person's COURT ACTION rows sharing
    CNT_ORDER[0:6], in file order, without duplicates, joined with "; "."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    rows, e_rows = res.rows, res.evaluated_rows
    e_case = rows.case_key[e_rows]
    ofn_all = res.table.column("OFN")
    ofn_nonblank = pc.not_equal(ofn_all, "").to_numpy(zero_copy_only=False)
    case_rows = np.flatnonzero(rows.court & ofn_nonblank & np.isin(rows.case_key, e_case))
    if not len(case_rows):
        return np.full(len(e_rows), "", dtype=object)
    # First appearance of each (case, OFN) pair, in file order; then the OFNs of each case.
    ofn = ofn_all.take(pa.array(case_rows)).to_numpy(zero_copy_only=False)
    pairs = pd.DataFrame({"k": rows.case_key[case_rows], "o": pd.factorize(ofn)[0]})
    first = np.flatnonzero(~pairs.duplicated().to_numpy())
    keys = pairs["k"].to_numpy()[first]
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], ofn[first][order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    offsets = pa.array(np.r_[starts, len(keys)].astype(np.int32))
    lists = pa.ListArray.from_arrays(offsets, pa.array(values.astype(object), pa.string()))
    joined = dict(zip(keys[starts].tolist(), pc.binary_join(lists, "; ").to_pylist(), strict=True))
    return np.array([joined.get(k, "") for k in e_case.tolist()], dtype=object)


def _other_prop64(res: EvaluationParts) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose comment names another Prop 64 charge (every row), and that comment text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = res.table.column
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
    return cand, other


def _history_columns(res: EvaluationParts) -> dict[str, np.ndarray]:
    """Columns of the person's record on each evaluated conviction (values, not yet scattered)."""
    people, convs, sections = res.people, res.convs, res.sections
    e_s, as_of_day = res.evaluated_people, res.as_of_day
    e_date = convs.date[res.chosen.index]
    eff = day_number(res.flow.effective_date)
    uniq_e_s = np.unique(e_s)
    c_s = convs.person
    ss_sel = np.flatnonzero(people.conviction_superstrike & np.isin(c_s, uniq_e_s))
    ss_text = _join_by_key(c_s[ss_sel], people.superstrike_labels[ss_sel], ";")
    p290_sel = np.flatnonzero(people.conviction_pc290 & np.isin(c_s, uniq_e_s))
    p290_text = _join_by_key(c_s[p290_sel], sections.canonical[convs.section[p290_sel]], ";")
    cols = {
        "# of convictions on record": people.n_convictions[e_s].astype(str),
        "Occurred after 11/9/2016": np.where(
            np.isnan(e_date), "", np.where(e_date > eff, "Y", "N")
        ).astype(object),
        "Superstrike Code Section(s)": np.array(
            [ss_text.get(s, "-") for s in e_s.tolist()], dtype=object
        ),
        "PC290 Code Section(s)": np.array(
            [p290_text.get(s, "-") for s in e_s.tolist()], dtype=object
        ),
        "PC290 Registration": np.where(people.registration_any[e_s], "Yes", "-").astype(object),
        "Date of Conviction": _fmt_days_us(e_date),
        "Years Since This Conviction": _fmt_years((as_of_day - e_date) / 365.25),
        "Years Since Any Conviction": _fmt_years((as_of_day - people.latest[e_s]) / 365.25),
        "# of Prop 64 convictions": people.n_prop64[e_s].astype(str),
    }
    for s in codes.PROP64_SECTIONS:
        cols[f"# of HS {s} convictions"] = people.prop64_counts[s][e_s].astype(str)
    cols["Deceased"] = np.where(people.deceased[e_s], "Deceased", "-").astype(object)
    return cols


def _review_flags(
    res: EvaluationParts, other_row: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The configured review flags of each evaluated conviction, and every flag's mask."""
    facts, e_rows = res.facts, res.evaluated_rows
    e_date = res.convs.date[res.chosen.index]
    flags = np.full(len(e_rows), "", dtype=object)
    flag_masks = {
        "superstrike": facts.superstrike_any,
        "pc290": facts.pc290_conviction_any | facts.pc290_registration_any,
        "after_effective_date": e_date >= day_number(res.flow.effective_date),
        "attempt": facts.attempt,
        "possible_other_prop64": other_row[e_rows],
    }
    for name in res.flow.review_flags:
        m = flag_masks[name]
        flags[m] = flags[m] + np.where(flags[m] == "", "", "; ").astype(object) + name
    return flags, flag_masks


def output_columns(
    res: EvaluationParts, lines: np.ndarray | None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The added columns for every kept row (pyarrow arrays, filled on evaluated rows;
    ``Possible Other P64 Charges`` on every row), and the review-flag masks."""
    import pyarrow as pa

    n, e_rows = res.rows.n, res.evaluated_rows
    decision, facts = res.decision, res.facts
    source = lines if lines is not None else np.arange(n, dtype=np.int64) + 1
    cols: dict[str, Any] = {"Source Line": pa.array(source, pa.int64()).cast(pa.string())}
    cols["Case Number"] = _scatter(n, e_rows, _case_numbers(res))
    history = _history_columns(res)
    cols["# of convictions on record"] = _scatter(
        n, e_rows, history.pop("# of convictions on record")
    )
    cand, other = _other_prop64(res)
    cols["Possible Other P64 Charges"] = _scatter(n, cand, other)
    other_row = np.zeros(n, dtype=bool)
    other_row[cand[other != ""]] = True
    for name, values in history.items():
        cols[name] = _scatter(n, e_rows, values)
    det = np.array([DETERMINATIONS.get(o, "") for o in decision.outcome.tolist()], dtype=object)
    cols["Eligibility Determination"] = _scatter(n, e_rows, det)
    cols["Eligibility Reason"] = _scatter(n, e_rows, decision.label)
    cols["Potentially Eligible Related Charge"] = _scatter(n, e_rows, facts.related)
    cols["Code Section"] = _scatter(n, e_rows, facts.section)
    cols["outcome"] = _scatter(n, e_rows, decision.outcome)
    cols["reason"] = _scatter(n, e_rows, decision.reason)
    cols["remedy"] = _scatter(n, e_rows, decision.remedy)
    cols["flow_step"] = _scatter(n, e_rows, decision.step)
    flags, flag_masks = _review_flags(res, other_row)
    cols["review_flags"] = _scatter(n, e_rows, flags)
    return cols, flag_masks


def _count_by(keys: list[str], values: list[str]) -> dict[str, dict[str, int]]:
    """Counts of ``values`` per key."""
    out: dict[str, dict[str, int]] = {}
    for key, value in zip(keys, values, strict=True):
        d = out.setdefault(key, {})
        d[value] = d.get(value, 0) + 1
    return out


def _count(values: np.ndarray) -> dict[str, int]:
    keys, counts = np.unique(values.astype(str), return_counts=True)
    return {str(k): int(v) for k, v in zip(keys, counts, strict=True)}


def _cleared(res: EvaluationParts, relief: np.ndarray, dismissed: np.ndarray) -> dict[str, int]:
    """People left with no felony / no conviction / no conviction in the last 7 years (before
    the evaluation date) when the convictions of ``relief`` are dismissed or reduced and those
    of ``dismissed`` dismissed."""
    convs, n_subj = res.convs, res.rows.n_subjects

    def cleared(sel: np.ndarray, done: np.ndarray) -> int:
        have = np.bincount(convs.person[sel], minlength=n_subj)
        gone = np.bincount(convs.person[sel & done], minlength=n_subj)
        return int(((have > 0) & (have == gone)).sum())

    as_of = _EPOCH_DATE + dt.timedelta(days=int(res.as_of_day))
    seven = day_number(years_before(as_of, 7))
    recent = (convs.date > seven) & (convs.date <= res.as_of_day)
    return {
        "people_no_longer_with_felony": cleared(convs.felony, relief),
        "people_no_longer_with_conviction": cleared(np.ones(convs.n, dtype=bool), dismissed),
        "people_no_longer_with_conviction_in_last_7_years": cleared(recent, dismissed),
    }


def _people_counts(res: EvaluationParts) -> dict[str, int]:
    """People with any relief, and people left with no felony / conviction / recent conviction."""
    convs = res.convs
    c_out = np.full(convs.n, "", dtype=object)
    c_out[res.chosen.index] = res.decision.outcome
    relief = np.isin(c_out, ["dismiss", "reduce"])
    return {
        "people_with_any_relief": int(len(np.unique(convs.person[relief]))),
        **_cleared(res, relief, c_out == "dismiss"),
    }


def _hypothetical(res: EvaluationParts) -> dict[str, dict[str, int]]:
    """The reference engine's impact estimates, computed in the same pass: every Prop 64
    conviction of the county dismissed, and every Prop 64 and related-charge conviction of the
    county dismissed (the flow's related-charge list, in any arrest cycle)."""
    convs, c_in = res.convs, res.chosen.in_county
    p64 = (convs.prop64 != "") & c_in
    related = (res.sections.related[convs.section] != "") & c_in if convs.n else p64
    out = {}
    for name, mask in (
        ("dismiss_all_prop64", p64),
        ("dismiss_all_prop64_and_related", p64 | related),
    ):
        out[name] = {"convictions_dismissed": int(mask.sum()), **_cleared(res, mask, mask)}
    return out


def _relief_by_rule(res: EvaluationParts) -> dict[str, dict[str, int]]:
    """Prop 64 convictions dismissed or reduced by a section list (by the entry matched), and
    dismissed by an additional-relief rule (by their ``Eligibility Reason``), as the reference
    engine's summary groups them."""
    decision, facts = res.decision, res.facts
    p64 = facts.prop64 != ""
    by_section = decision.kind == "section_in"
    dismiss, reduce = decision.outcome == "dismiss", decision.outcome == "reduce"
    other = p64 & dismiss & ~by_section & (decision.kind != "misdemeanor")
    return {
        "prop64_dismissals_by_section": _count(decision.matched[p64 & dismiss & by_section]),
        "prop64_reductions_by_section": _count(decision.matched[p64 & reduce & by_section]),
        "prop64_dismissals_by_additional_relief": _count(decision.label[other]),
    }


def _unread(res: EvaluationParts) -> dict[str, int]:
    """Convictions whose charge has no code section (e.g. SEE COMMENT FOR CHARGE with a comment
    that names none), and charges with text the reader could not place: kept visible."""
    convs, sections, c_in = res.convs, res.sections, res.chosen.in_county
    if not convs.n:
        return {"no_code_section": 0, "no_code_section_in_county": 0, "unread_text_in_county": 0}
    none = ~sections.readable[convs.section]
    return {
        "no_code_section": int(none.sum()),
        "no_code_section_in_county": int((none & c_in).sum()),
        "unread_text_in_county": int((sections.unread[convs.section] & c_in).sum()),
    }


def summarise(res: EvaluationParts, flag_masks: dict[str, np.ndarray]) -> dict[str, Any]:
    """The partial counts of one table (a tally, see :mod:`helpers.prop64.tally`): by section,
    outcome, reason and flag; Prop 64 convictions by county; people; the hypothetical flows."""
    convs, facts, decision, flow = res.convs, res.facts, res.decision, res.flow
    c_p64, c_in = convs.prop64, res.chosen.in_county
    e_key = np.where(facts.prop64 != "", facts.prop64, "related " + facts.related)
    p64_in_cty = (c_p64 != "") & c_in
    dates = convs.date[p64_in_cty]
    earliest = float(np.nanmin(dates)) if len(dates) and not np.isnan(dates).all() else None
    by_county = np.unique(res.rows.county_code[convs.rows[c_p64 != ""]], return_counts=True)
    return {
        "people": res.rows.n_subjects,
        "convictions": convs.n,
        "prop64_convictions_in_county_by_section": {
            s: int(((c_p64 == s) & c_in).sum()) for s in codes.PROP64_SECTIONS
        },
        "prop64_felony_convictions_in_county": int((p64_in_cty & convs.felony).sum()),
        "prop64_nonfelony_convictions_in_county": int((p64_in_cty & ~convs.felony).sum()),
        "earliest_prop64_conviction_in_county": earliest,
        "people_with_prop64_conviction_in_county": int(len(np.unique(convs.person[p64_in_cty]))),
        "prop64_convictions_by_county": {
            res.rows.county_names[k]: int(v) for k, v in zip(*by_county, strict=True)
        },
        "evaluated_convictions": int(len(res.chosen.index)),
        "outcomes": {o: int((decision.outcome == o).sum()) for o in OUTCOMES},
        "outcomes_by_section": _count_by(e_key.tolist(), decision.outcome.tolist()),
        "reasons": _count_by(decision.outcome.tolist(), decision.reason.tolist()),
        "review_flags": {k: int(v.sum()) for k, v in flag_masks.items() if k in flow.review_flags},
        **_people_counts(res),
        **_relief_by_rule(res),
        "hypothetical_flows": _hypothetical(res),
        "charges_not_fully_read": _unread(res),
    }


def evaluate(
    table: Any, county: str, as_of: dt.date, flow: Flow, lines: np.ndarray | None = None
) -> Evaluation:
    """Evaluate every Prop 64 conviction of ``county`` in a DOJ table (95 string columns)."""
    as_of_day = day_number(as_of)
    target = doj_name(county)
    rows, sections = decode_rows(table, target, flow)
    convs = group_convictions(rows, sections)
    people = person_facts(rows, convs, sections, as_of_day)
    chosen = select_convictions(rows, convs, sections, flow)
    facts = conviction_facts(convs, people, sections, chosen, same_section_counts(convs), as_of_day)
    decision = apply_flow(flow, facts)
    result = EvaluationParts(
        table, target, as_of_day, flow, rows, sections, convs, people, chosen, facts, decision
    )
    columns, flag_masks = output_columns(result, lines)
    summary = summarise(result, flag_masks)
    summary[SENTENCE_ROWS] = unreadable_sentences(table, rows, lines)
    summary["convictions_with_unreadable_sentence"] = int(convs.sentence_unknown.sum())
    return Evaluation(columns, result.evaluated_rows, facts, decision, summary)


def unreadable_sentences(table: Any, rows: Rows, lines: np.ndarray | None) -> list[list[Any]]:
    """Error-file rows (``line``, ``reason``, ``text``) of the conviction rows whose sentence is
    unreadable: the row is kept, and the steps that need its sentence send it to review."""
    bad = np.flatnonzero(rows.convicted & (rows.sentence_problem != ""))
    if not len(bad):
        return []
    import pyarrow as pa

    where = pa.array(bad)
    length = table.column("SENT_LENGTH").take(where).to_pylist()
    unit = table.column("SENT_TIME_CODE").take(where).to_pylist()
    line = lines[bad] if lines is not None else bad + 1
    return [
        [
            int(ln),
            f"unreadable sentence (row kept, its sentence steps go to review): {why}",
            f"SENT_LENGTH={ln_text!r} SENT_TIME_CODE={u!r}",
        ]
        for ln, why, ln_text, u in zip(
            line.tolist(), rows.sentence_problem[bad].tolist(), length, unit, strict=True
        )
    ]
