"""``prop64_summary_<timestamp>.pdf``: the summary of a Prop 64 run for the District Attorney.

Two pages at most: the county, evaluation date and flow; the tool version and every input file
with its SHA-256 and rows accounted for (or why it was not evaluated); the outcomes, by section and
by reason; the people left with no felony or no conviction under the flow and under the two
hypothetical flows; the review flags and the charges the reader could not fully read. Counts only,
no names or identifiers. The page is plain HTML with its style inline, printed by Debian's
``chromium`` in headless mode with every network feature off.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import helpers
from helpers.printing import page_count, print_pdf
from helpers.prop64.flows import DETERMINATIONS, OUTCOMES

MAX_PAGES = 2
REASONS_SHOWN = 8  # reasons listed per outcome (fewer when the summary would run over two pages)

_STYLE = """
@page { size: Letter; margin: 14mm 14mm 14mm 14mm; }
body { font: 9pt/1.3 "DejaVu Sans", Arial, sans-serif; color: #111; }
h1 { font-size: 14pt; margin: 0 0 2mm; }
h2 { font-size: 10.5pt; margin: 4mm 0 1mm; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0; }
th, td { border: 1px solid #bbb; padding: 0.6mm 1.5mm; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.small { font-size: 7.5pt; color: #333; }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; word-break: break-all; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else _e(value)


def _table(head: list[str], rows: list[list[Any]], numeric_from: int = 1) -> str:
    cells = "".join(
        f'<th class="{"n" if i >= numeric_from else ""}">{_e(h)}</th>' for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if i >= numeric_from else ""}">{_n(v)}</td>' for i, v in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{cells}</tr>{body}</table>"


def _files(run: Any) -> str:
    rows = []
    for f in run.files:
        if f.ok:
            r = f.summary["rows"]
            rows.append(
                [
                    f.source.name,
                    "evaluated",
                    r["read"],
                    r["kept"],
                    r["errors"],
                    f.summary["file_sha256"],
                ]
            )
        else:
            rows.append([f.source.name, f"not evaluated: {f.error}", "", "", "", ""])
    head = ["File", "Status", "Rows read", "Kept", "Malformed", "SHA-256"]
    text = _table(head, rows, numeric_from=2)
    return re.sub(r"<td class=\"n\">([0-9a-f]{64})</td>", r'<td class="mono">\1</td>', text)


def _outcomes(s: dict[str, Any]) -> str:
    sections = s["outcomes_by_section"]
    head = ["Section", *(DETERMINATIONS[o] for o in OUTCOMES), "Total"]
    rows = [
        [key, *(by.get(o, 0) for o in OUTCOMES), sum(by.values())] for key, by in sections.items()
    ]
    rows.append(["All", *(s["outcomes"][o] for o in OUTCOMES), s["evaluated_convictions"]])
    return _table(head, rows)


def _reasons(s: dict[str, Any], shown: int) -> str:
    rows = []
    for outcome, reasons in s["reasons"].items():
        ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        for reason, n in ranked[:shown]:
            rows.append([DETERMINATIONS[outcome], reason, n])
        if len(ranked) > shown:
            rest = sum(n for _, n in ranked[shown:])
            rows.append([DETERMINATIONS[outcome], f"{len(ranked) - shown} other reasons", rest])
    return _table(["Outcome", "Reason", "Convictions"], rows, numeric_from=2)


def _people(s: dict[str, Any]) -> str:
    hypo = s["hypothetical_flows"]
    names = {
        "dismiss_all_prop64": "Dismiss all Prop 64",
        "dismiss_all_prop64_and_related": "Dismiss all Prop 64 and related",
    }
    columns = [("This flow", s), *((names.get(k, k), v) for k, v in hypo.items())]
    keys = [
        ("people_no_longer_with_felony", "No felony left"),
        ("people_no_longer_with_conviction", "No conviction left"),
        ("people_no_longer_with_conviction_in_last_7_years", "No conviction in the last 7 years"),
    ]
    rows = [[label, *(c[k] for _, c in columns)] for k, label in keys]
    rows.insert(
        0,
        [
            "Convictions dismissed",
            s["outcomes"]["dismiss"],
            *(v["convictions_dismissed"] for v in hypo.values()),
        ],
    )
    return _table(["People", *(name for name, _ in columns)], rows)


def summary_html(run: Any, stamp: dt.datetime, reasons_shown: int = REASONS_SHOWN) -> str:
    """The page (HTML) of a run's summary (:class:`helpers.prop64.report.RunResult`)."""
    s = run.combined
    parts = [
        f"<h1>Prop 64 relief: summary for the District Attorney, {_e(s['county'].title())}</h1>",
        f"<p>Evaluated on {_e(s['as_of'])} with flow <b>{_e(s['flow'])}</b>. "
        f"Printed {_e(stamp.strftime('%Y-%m-%d %H:%M'))} by secondlook {_e(helpers.__version__)}. "
        f"{s['files_evaluated']} file(s) evaluated, {s['files_failed']} not evaluated.</p>",
        "<h2>Input files</h2>",
        _files(run),
    ]
    if s["files_evaluated"]:
        p64 = s["prop64_convictions_in_county_by_section"]
        parts += [
            "<h2>Prop 64 convictions in the county</h2>",
            _table(
                ["", *(f"HS {k}" for k in p64), "Felony", "Misdemeanor or infraction", "People"],
                [
                    [
                        "Convictions",
                        *p64.values(),
                        s["prop64_felony_convictions_in_county"],
                        s["prop64_nonfelony_convictions_in_county"],
                        s["people_with_prop64_conviction_in_county"],
                    ]
                ],
            ),
            "<h2>Proposed outcomes of the evaluated convictions</h2>",
            _outcomes(s),
            "<h2>Reasons</h2>",
            _reasons(s, reasons_shown),
            "<h2>People whose record would change</h2>",
            _people(s),
            "<h2>For review</h2>",
            _table(
                ["Flag or reading problem", "Convictions"],
                [[k, v] for k, v in s["review_flags"].items()]
                + [[k.replace("_", " "), v] for k, v in s["charges_not_fully_read"].items()],
            ),
        ]
    parts.append(
        '<p class="small">The engine proposes; prosecutors decide. It sees only the DOJ record: '
        "it cannot judge risk to public safety or confirm identity. Counts only; identifiers are "
        "in the per-file result tables. Hypothetical flows dismiss every Prop 64 conviction of the "
        "county (and every related charge), as Code for America's engine estimated impact.</p>"
    )
    body = "\n".join(parts)
    return f'<!doctype html><html><head><meta charset="utf-8"><style>{_STYLE}</style></head><body>{body}</body></html>'


def write_summary_pdf(run: Any, out_dir: Path, stamp: dt.datetime | None = None) -> Path:
    """Write ``prop64_summary_<YYYYmmdd-HHMMSS>.pdf`` for a run; at most :data:`MAX_PAGES` pages
    (the reasons table is shortened if the page would run over)."""
    stamp = stamp or dt.datetime.now()
    out = Path(out_dir) / f"prop64_summary_{stamp.strftime('%Y%m%d-%H%M%S')}.pdf"
    for shown in (REASONS_SHOWN, 4, 2):
        print_pdf(summary_html(run, stamp, shown), out)
        if page_count(out.read_bytes()) <= MAX_PAGES:
            break
    return out
