"""Partial counts of a Prop 64 run, merged, and the summaries made from them.

The engine evaluates a file piece by piece (chunks of people, partitions on a cluster, several
files); each piece gives a *tally* (:func:`helpers.prop64.engine.summarise`): counts that add up
(numbers, and mappings of numbers merged key by key) plus the earliest Prop 64 conviction (a day
number, merged by minimum). :func:`merge` adds tallies; :func:`finish` turns a tally into the
summary written to ``<stem>_summary.json`` (mappings sorted, so the order in which the pieces
were counted never shows); :func:`gogen_summary` writes the same counts in the field names and
groupings of Code for America's engine (its ``gogen.json``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from helpers.prop64 import codes
from helpers.prop64.flows import OUTCOMES, Flow

EARLIEST = "earliest_prop64_conviction_in_county"
_EPOCH = dt.date(1970, 1, 1)

Tally = dict[str, Any]


def merge(a: Tally, b: Tally) -> Tally:
    """The sum of two tallies: numbers added, mappings merged key by key, the earliest date the
    smaller one."""
    out: Tally = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == EARLIEST:
            known = [v for v in (out[key], value) if v is not None]
            out[key] = min(known) if known else None
        elif isinstance(value, dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = out[key] + value
    return out


def merge_all(tallies: list[Tally]) -> Tally:
    """The sum of several tallies (an empty tally when there is none)."""
    out: Tally = {}
    for t in tallies:
        out = merge(out, t)
    return out


def _by_key(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in sorted(d)}


def _date_us(day: float | None) -> str | None:
    if day is None:
        return None
    return (_EPOCH + dt.timedelta(days=int(day))).strftime("%m/%d/%Y")


def finish(tally: Tally) -> dict[str, Any]:
    """The summary of a tally: every mapping in a fixed order (sections and outcomes in their
    order, everything else sorted by key), the earliest date written MM/DD/YYYY."""
    out = dict(tally)
    out[EARLIEST] = _date_us(tally.get(EARLIEST))
    out["prop64_convictions_by_county"] = _by_key(tally.get("prop64_convictions_by_county", {}))
    out["outcomes_by_section"] = {
        k: {o: v[o] for o in OUTCOMES if o in v}
        for k, v in _by_key(tally.get("outcomes_by_section", {})).items()
    }
    out["reasons"] = {
        o: _by_key(tally["reasons"][o]) for o in OUTCOMES if o in tally.get("reasons", {})
    }
    for key in (
        "prop64_dismissals_by_section",
        "prop64_reductions_by_section",
        "prop64_dismissals_by_additional_relief",
    ):
        out[key] = _by_key(tally.get(key, {}))
    return out


def _section_entries(flow: Flow, outcome: str) -> list[str]:
    """The entries of the flow's section lists that decide ``outcome`` (``section_in`` steps)."""
    entries: list[str] = []
    for step in flow.steps:
        if step.kind == "section_in" and step.outcome == outcome:
            entries += [s for s in step.conditions[0].params["sections"] if s not in entries]
    return entries


def _relief(counts: dict[str, int]) -> dict[str, int]:
    return {
        "CountSubjectsNoFelony": counts["people_no_longer_with_felony"],
        "CountSubjectsNoConvictionLast7Years": counts[
            "people_no_longer_with_conviction_in_last_7_years"
        ],
        "CountSubjectsNoConviction": counts["people_no_longer_with_conviction"],
    }


def gogen_summary(summary: dict[str, Any], flow: Flow, seconds: float) -> dict[str, Any]:
    """A finished summary in the fields and groupings of Clear My Record's ``gogen.json``:
    relief with the flow and with every Prop 64 conviction dismissed, Prop 64 convictions of the
    county by section, dismissals and reductions by section (every entry of the flow's lists,
    zero included), dismissals by additional relief (the ``Eligibility Reason``), and the
    processing time. The reference has no field for its "dismiss all Prop 64 and related
    charges" estimate; it is in the project's summary (``hypothetical_flows``)."""
    earliest = summary.get(EARLIEST)
    iso = None
    if earliest:
        month, day, year = earliest.split("/")
        iso = f"{year}-{month}-{day}T00:00:00Z"
    by_section = summary["prop64_convictions_in_county_by_section"]
    dismissed = summary["prop64_dismissals_by_section"]
    reduced = summary["prop64_reductions_by_section"]
    return {
        "county": summary["county"],
        "earliestConviction": iso,
        "lineCount": summary["rows"]["read"],
        "processingTimeInSeconds": round(seconds, 3),
        "reliefWithCurrentEligibilityChoices": _relief(summary),
        "reliefWithDismissAllProp64": _relief(summary["hypothetical_flows"]["dismiss_all_prop64"]),
        "prop64ConvictionsCountInCountyByCodeSection": {
            s: by_section[s] for s in codes.PROP64_SECTIONS if by_section.get(s)
        },
        "subjectsWithProp64ConvictionCountInCounty": summary[
            "people_with_prop64_conviction_in_county"
        ],
        "prop64FelonyConvictionsCountInCounty": summary["prop64_felony_convictions_in_county"],
        "prop64NonFelonyConvictionsCountInCounty": summary[
            "prop64_nonfelony_convictions_in_county"
        ],
        "subjectsWithSomeReliefCount": summary["people_with_any_relief"],
        "convictionDismissalCountByCodeSection": {
            s: dismissed.get(s, 0) for s in _section_entries(flow, "dismiss") or sorted(dismissed)
        },
        "convictionReductionCountByCodeSection": {
            s: reduced.get(s, 0) for s in _section_entries(flow, "reduce") or sorted(reduced)
        },
        "convictionDismissalCountByAdditionalRelief": summary[
            "prop64_dismissals_by_additional_relief"
        ],
    }
