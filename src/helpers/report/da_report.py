"""The county report an office can open, print and forward: ``report.html`` and ``report.pdf``.

A two-page summary first (counts, the review mandate, the top candidates with their reasons, the
near misses), then one page per top-k candidate (offense history, rules passed and failed with
the statutes they test, R with its terms, model rank, factors), then the exported files.  The HTML
is self-contained (styles and figures inline); the PDF is printed from it by Debian's
``chromium``.  In DA mode identifiers appear (CDCR and case numbers, names); in public mode only
pseudonyms, no case numbers, and small counts suppressed.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.counties import slug
from helpers.printing import print_pdf
from helpers.privacy import SMALL_CELL, pseudonymise, without_case_numbers
from helpers.report import present
from helpers.report.context import CountyContext, load_context

REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
"""The browser that prints the PDF (Debian's ``chromium``, also used by the browser tests)."""

SUMMARY_ROWS = 8
"""Top candidates and near misses listed on the summary pages."""

_CSS = """
@page { size: Letter; margin: 14mm 14mm 16mm 14mm; }
body { font: 10pt/1.35 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0; }
h1 { font-size: 17pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 10pt 0 4pt; }
h3 { font-size: 11pt; margin: 8pt 0 3pt; }
.page { break-after: page; } .page:last-child { break-after: auto; }
.lead { font-size: 10.5pt; } .muted { color: #555; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%; margin: 3pt 0 6pt; font-size: 8pt; }
th, td { border-bottom: 1px solid #ccc; padding: 1.5pt 4pt; text-align: left; vertical-align: top; }
th { background: #eef2f7; } .sl-note, .sl-caption { margin: 2pt 0; font-size: 8.5pt; }
.facts td:first-child { width: 32%; font-weight: bold; }
.pass { color: #006d2c; } .fail { color: #a50f15; } .unknown { color: #7a5d00; }
figure { margin: 4pt 0; } figure img { max-width: 100%; max-height: 62mm; }
figcaption { font-size: 8.5pt; color: #444; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None or _na(value) else str(value))


def _na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _facts(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table class="facts">{body}</table>'


def _count(ctx: CountyContext, n: int) -> str:
    """A count as published: suppressed (empty, "<11") from 1 to 10 in public mode."""
    if ctx.public and 0 < n < SMALL_CELL:
        return f"<{SMALL_CELL}"
    return f"{n:,}"


def _person_id(ctx: CountyContext, cdcno: pd.Series) -> pd.Series:
    return pseudonymise(cdcno, ctx.salt) if ctx.public else cdcno.astype("string")


def _summary_counts(ctx: CountyContext) -> list[tuple[str, Any]]:
    c = ctx.candidates
    outcome = c["eligibility"].astype("string")
    outliers = int(c["outlier"].fillna(False).astype(bool).sum()) if "outlier" in c else 0
    near = int(c["near_miss"].astype("string").fillna("").ne("").sum()) if "near_miss" in c else 0
    required = ctx.config.mandate.required(outliers)
    mandate = ctx.config.mandate
    return [
        ("People in prison from the county", _count(ctx, len(c))),
        (
            "Pass every rule of the screen (eligible)",
            _count(ctx, int(outcome.eq("eligible").sum())),
        ),
        ("Cannot be decided from the data", _count(ctx, int(outcome.eq("unknown").sum()))),
        ("Do not pass", _count(ctx, int(outcome.eq("not eligible").sum()))),
        ("Near misses (fail exactly one rule)", _count(ctx, near)),
        ("Extreme outliers (mandated review)", _count(ctx, outliers)),
        (
            "Review mandate",
            f"at least {mandate.min_cases} or {mandate.share:.0%} of extreme outliers, whichever "
            f"is {mandate.whichever}: {_count(ctx, required)} reviews required",
        ),
    ]


def _summary_pages(ctx: CountyContext, files: list[str]) -> str:
    from helpers.report.screening import near_miss_list, ranked_list

    top = ranked_list(ctx, SUMMARY_ROWS)
    near = near_miss_list(ctx, SUMMARY_ROWS)
    counts = _summary_counts(ctx)
    eligible = counts[1][1]
    mode = "DA mode: identifiers shown" if not ctx.public else "public mode: pseudonyms only"
    lead = (
        f"Under its screen ({', '.join(Path(f).name for f in ctx.config.files)}), {eligible} people from {ctx.county} "
        f"pass every rule as of {ctx.as_of}. The {min(len(top), SUMMARY_ROWS)} best candidates "
        f"by the score R (lower is better) are listed below; one page per candidate of the top "
        f"{ctx.config.top_k} follows."
    )
    present.new_page()
    page1 = (
        f'<section class="page"><h1>{_e(ctx.county)}: cases that deserve a second look</h1>'
        f'<p class="muted">As of {_e(ctx.as_of)} · {_e(mode)} · SYNTHETIC default data unless '
        f"the office supplied its own files · PC 1172.1 resentencing</p>"
        f'<p class="lead">{_e(lead)}</p><h2>Counts</h2>{_facts(counts)}'
        f"<h2>Top candidates and why</h2>"
        f"{present.table_html(_summary_list(top), max_rows=SUMMARY_ROWS)}</section>"
    )
    page2 = (
        '<section class="page"><h2>Near misses</h2><p>People who fail exactly one rule, or whom '
        "time alone will make eligible (earliest date first).</p>"
        f"{present.table_html(_summary_list(near, 110), max_rows=SUMMARY_ROWS)}"
        f"<h2>Files of this report</h2><ul>{''.join(f'<li>{_e(f)}</li>' for f in files)}</ul>"
        f'<p class="muted">Settings: weights a={ctx.config.score.a:g}, b={ctx.config.score.b:g}, '
        f"d={ctx.config.score.d:g}; top-k {ctx.config.top_k}. Seed {ctx.seed}; code "
        f"{_e(ctx.shared.code_hash[:12])}.</p></section>"
    )
    return page1 + page2


def _summary_list(frame: pd.DataFrame, width: int = 70) -> pd.DataFrame:
    """A short list for the summary: identifiers, rank, R, offense, time, reasons (clipped); empty
    columns left out."""
    keep = [
        c
        for c in (
            "person",
            "cdcno",
            "case_number",
            "rank",
            "R",
            "controlling_offense_key",
            "sentence_years",
            "time_served_years",
            "failed_rules",
            "near_miss",
            "eligible_on",
        )
        if c in frame and frame[c].notna().any() and frame[c].astype("string").ne("").any()
    ]
    out = frame[keep].copy()
    for col in ("failed_rules", "near_miss"):
        if col in out:
            text = out[col].astype("string").fillna("")
            out[col] = text.where(text.str.len() <= width, text.str.slice(0, width - 1) + "…")
    return out


def _rule_rows(ctx: CountyContext, row: pd.Series) -> str:
    """Each rule of the screen for one person: pass, fail or unknown, with its settings."""
    items = []
    reasons = " ".join(
        str(row.get(c, "")) for c in ("failed_rules", "unknown_rules") if not _na(row.get(c))
    )
    for rule in ctx.config.rules:
        value = row.get(f"rule_{rule.id}")
        status = "unknown" if _na(value) else ("pass" if bool(value) else "fail")
        settings = ", ".join(f"{k}: {_short(v)}" for k, v in rule.params.items())
        items.append(
            f'<tr><td>{_e(rule.id)}</td><td class="{status}">{status}</td>'
            f"<td>{_e(rule.type)}</td><td>{_e(settings)}</td></tr>"
        )
    head = "<tr><th>Rule</th><th>Result</th><th>Type</th><th>Statutes and settings</th></tr>"
    text = without_case_numbers(pd.Series([reasons])).iloc[0] if ctx.public else reasons
    note = f'<p class="sl-note">Reasons: {_e(text)}</p>' if text.strip() else ""
    return f"<table>{head}{''.join(items)}</table>{note}"


def _short(value: Any) -> str:
    if isinstance(value, list | tuple):
        shown = ", ".join(str(v) for v in value[:12])
        return f"{shown}, … ({len(value)} in all)" if len(value) > 12 else shown
    return str(value)


def _score_terms(ctx: CountyContext, row: pd.Series) -> pd.DataFrame:
    s = ctx.config.score
    rows = [
        ("a × Σ levels of current offenses", s.a, row.get("current_sum")),
        (f"b × Σ levels of priors × d^years (d = {s.d:g})", s.b, row.get("prior_sum")),
    ]
    rows += [
        (f"factor {name}", s.factors.get(name, 0.0), row.get(f"factor_{name}"))
        for name in s.factors
    ]
    table = pd.DataFrame(rows, columns=["term", "weight", "value"])
    table["weight"] = pd.to_numeric(table["weight"], errors="coerce")
    table["value"] = pd.to_numeric(table["value"], errors="coerce")
    table["contribution"] = table["weight"] * table["value"]
    return table


def _offense_history(ctx: CountyContext, cdcno: str) -> pd.DataFrame:
    rows = ctx.offenses.loc[ctx.offenses["cdcno"].astype("string").eq(cdcno)]
    cols = [
        "role",
        "case_number",
        "offense_key",
        "description",
        "offense_begin_date",
        "offense_time_raw",
        "relationship",
        "n_enhancements",
    ]
    out = rows[[c for c in cols if c in rows]].copy()
    if ctx.public and "case_number" in out:
        out = out.drop(columns="case_number")
    return out.reset_index(drop=True)


def _candidate_page(ctx: CountyContext, row: pd.Series, shown_id: str) -> str:
    people = ctx.people.set_index("cdcno")
    person = people.loc[row["cdcno"]] if row["cdcno"] in people.index else pd.Series(dtype=object)
    facts: list[tuple[str, Any]] = [("Person", shown_id)]
    if not ctx.public:
        facts += [
            ("Name", person.get("name")),
            ("Case number", person.get("controlling_case_number")),
        ]
    facts += [
        ("Rank (score R)", f"{int(row['rank'])} (R = {_r_text(row.get('R'))})"),
        ("Model rank", "n/a" if _na(row.get("model_rank")) else int(row["model_rank"])),
        ("Screen outcome", row.get("eligibility")),
        (
            "Controlling offense",
            f"{row.get('controlling_offense_key', '')} {person.get('description', '')}",
        ),
        ("Sentence", f"{person.get('sentence_type', '')}, {_years(row.get('sentence_years'))}"),
        ("Time served", _years(row.get("time_served_years"))),
        ("Age", _years(row.get("age"))),
        ("Extreme outlier", row.get("outlier_reason") if bool(row.get("outlier")) else "no"),
    ]
    present.new_page()
    return (
        f'<section class="page"><h2>Rank {int(row["rank"])}: {_e(shown_id)}</h2>{_facts(facts)}'
        f"<h3>Rules of the screen</h3>{_rule_rows(ctx, row)}"
        f"<h3>Score R and its terms</h3>"
        f"{present.table_html(_score_terms(ctx, row), max_rows=40)}"
        f"<h3>Offense history</h3>"
        f"{present.table_html(_offense_history(ctx, str(row['cdcno'])), max_rows=12)}</section>"
    )


def _r_text(value: Any) -> str:
    return "cannot be scored" if _na(value) else f"{float(value):.2f}"


def _years(value: Any) -> str:
    if _na(value):
        return "n/a"
    number = float(value)
    return "life" if number == float("inf") else f"{number:.1f} years"


def report_html(ctx: CountyContext, files: list[str] | None = None) -> str:
    """The whole report as one self-contained HTML page (summary, then one page per candidate)."""
    top = ctx.candidates.nsmallest(int(ctx.config.top_k), "rank")
    ids = _person_id(ctx, top["cdcno"]).to_numpy()
    pages = [_summary_pages(ctx, files or [])]
    pages += [
        _candidate_page(ctx, row, str(i)) for (_, row), i in zip(top.iterrows(), ids, strict=True)
    ]
    title = f"{ctx.county}: second-look report ({ctx.mode} mode, as of {ctx.as_of})"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_CSS}</style></head><body>{''.join(pages)}</body></html>\n"
    )


def write_da_report(
    ctx: CountyContext, out_dir: str | Path | None = None, *, pdf: bool = True
) -> list[Path]:
    """Write ``report.html`` and ``report.pdf`` (and, in DA mode, the CSV/XLSX exports) for the
    county into ``out_dir`` (default ``da_reports/<county>``); the files written."""
    from helpers.pipeline.layout import DA_ROOT, PUBLIC_ROOT

    out = (
        Path(out_dir)
        if out_dir is not None
        else (PUBLIC_ROOT if ctx.public else DA_ROOT) / slug(ctx.county)
    )
    out.mkdir(parents=True, exist_ok=True)
    exports: list[Path] = []
    if not ctx.public:
        from helpers.report.summary import export_candidates

        exports = export_candidates(ctx, out / "export")
    names = [
        REPORT_HTML,
        *([REPORT_PDF] if pdf else []),
        *(str(p.relative_to(out)) for p in exports),
    ]
    html_path = out / REPORT_HTML
    html_path.write_text(report_html(ctx, names), encoding="utf-8")
    written = [html_path]
    if pdf:
        written.append(print_pdf(html_path.read_text(encoding="utf-8"), out / REPORT_PDF))
    return written + exports


def county_da_report(county: str, parameters: dict[str, Any], out_dir: str) -> list[str]:
    """After a county's notebooks ran (pipeline hook): its DA report, in DA mode only."""
    if parameters.get("mode") != "da":
        return []
    ctx = load_context(parameters["shared"], county, "da")
    return [str(p) for p in write_da_report(ctx, out_dir)]
