"""The annual county report: a public MyST page for the book and a printable HTML press release.

Both list the cases the office reviewed in the year (by court case number), the decision and the
reasons for each, the compliance status with the review mandate in plain words (including any
shortfall), a demographic summary of the people reviewed against the people eligible, and savings.

Privacy choice (also in ``book/method/accountability.md``): the policy memo requires the press release
to cite "the specific case number of the cases they reviewed"; superior-court case numbers are public
court records, so public outputs show them.  Public outputs never show CDCR numbers, names, birth dates,
the reviewers' free-text notes (they can hold health or family details) or the list of unreviewed
outliers (only its size); reasons are the documented reason codes in words.  Demographic counts of
1-10 people are suppressed (:func:`helpers.privacy.suppress`).  DA mode keeps everything and writes
outside the book.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import helpers
from helpers.accountability.compliance import compliance, in_year, reviewed_outliers
from helpers.accountability.savings import Savings, savings
from helpers.accountability.settings import Settings, load_settings
from helpers.audit import add_groups
from helpers.counties import canonical_name, in_county, slug
from helpers.errors import InputError
from helpers.privacy import (
    SMALL_CELL,
    SUPPRESSED_TEXT,
    check_mode,
    count_text,
    is_small,
    suppress,
)
from helpers.screening.config import CountyConfig

SUPPRESSED = "—"
SUPPRESSION_NOTE = (
    f"{SUPPRESSED} = suppressed: counts of 1 to {SMALL_CELL - 1} people, and cells or shares that "
    "would let a reader work them out, are not published."
)
PRIVACY_NOTE = (
    "Cases are named by their superior-court case number, as the review policy requires; court case "
    "numbers are public records. CDCR numbers, names, birth dates and reviewers' notes are never "
    "published; reasons are given as the documented reason codes, with medical and trauma reasons "
    "given as mitigating circumstances."
)
SAVINGS_HEADER = [
    "Measure",
    "Projected (top eligible resentenced)",
    "Realised (resentenced in the year)",
]
"""The header of the savings table of the page and the press release."""


@dataclass
class AnnualReport:
    """Everything the page and the press release show."""

    county: str
    year: int
    mode: str
    as_of: str
    compliance: dict[str, Any]
    cases: pd.DataFrame
    demographics: pd.DataFrame
    savings: Savings
    unreviewed: pd.DataFrame
    settings: Settings

    @property
    def statement(self) -> str:
        """The compliance statement in plain words (public mode: without a count of 1-10
        extreme outliers, through the publishing gate)."""
        c = self.compliance
        if self.mode == "public" and is_small(c["outliers"]):
            met = "met" if c["mandate_met"] else "did not meet"
            return (
                f"{self.county} {met} the review mandate in {self.year}: it reviewed "
                f"{c['reviewed']} extreme-outlier cases; its list holds {SUPPRESSED_TEXT} "
                "(the exact number, and what would reveal it, is suppressed)."
            )
        return str(c["statement"])

    def capped(self) -> bool:
        """True when the mandate's required number is the (suppressed) number of outliers."""
        c = self.compliance
        return self.mode == "public" and is_small(c["outliers"]) and c["required"] == c["outliers"]


GENERALISED_REASONS = {"HEALTH": "MITIGATING", "TRAUMA": "MITIGATING"}
"""Reason codes that say something about a person's health or history, and the general code public
reports give instead (a reader who knows the case must not learn a medical or trauma history)."""
GENERAL_MEANINGS = {"MITIGATING": "mitigating circumstances"}
"""The meaning of the general codes public reports use."""


def _split_public(codes: pd.Series, mode: str) -> list[list[str]]:
    """Each entry's reason codes; in public mode sensitive codes generalised (each code once)."""
    from helpers.data.decision_log import split_codes

    out = []
    for cs in split_codes(codes):
        if mode == "public":
            cs = list(dict.fromkeys(GENERALISED_REASONS.get(c, c) for c in cs))
        out.append(cs)
    return out


def _reasons_in_words(codes: pd.Series, mode: str = "public") -> pd.Series:
    """The reason codes in words (public mode: sensitive reasons generalised)."""
    from helpers.data.decision_log import reason_codes

    meaning = dict(zip(reason_codes()["code"], reason_codes()["meaning"], strict=True))
    meaning |= GENERAL_MEANINGS
    return pd.Series(
        ["; ".join(meaning.get(c, c) for c in cs) for cs in _split_public(codes, mode)],
        index=codes.index,
        dtype="string",
    )


def demographic_summary(
    people: pd.DataFrame, eligible: pd.Series, reviewed: pd.Series, mode: str
) -> pd.DataFrame:
    """People eligible vs reviewed by race group and age band (``people`` of one county).

    Columns: ``dimension, group, eligible, reviewed, eligible_share, reviewed_share``; in public mode
    small cells are suppressed within each dimension, shares with their counts.
    """
    p = add_groups(people.reset_index(drop=True))
    elig = np.asarray(eligible, dtype=bool)
    rev = np.asarray(reviewed, dtype=bool)
    frames = []
    for dim, label in (("race_group", "race group"), ("age_band", "age band")):
        if dim not in p:
            continue
        g = p[dim].astype("string").fillna("Unknown").to_numpy()
        groups = sorted(set(g))
        e = np.array([int((elig & (g == x)).sum()) for x in groups])
        r = np.array([int((rev & (g == x)).sum()) for x in groups])
        frames.append(
            pd.DataFrame(
                {
                    "dimension": label,
                    "group": groups,
                    "eligible": e,
                    "reviewed": r,
                    "eligible_share": e / e.sum() if e.sum() else np.nan,
                    "reviewed_share": r / r.sum() if r.sum() else np.nan,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    if check_mode(mode) == "da":
        table["suppressed"] = False
        return table
    return suppress(
        table,
        ["eligible", "reviewed"],
        by="dimension",
        derived={"eligible_share": ["eligible"], "reviewed_share": ["reviewed"]},
    )


def build_report(
    tables: dict[str, pd.DataFrame],
    county: str,
    year: int,
    *,
    as_of: date | str,
    decisions: pd.DataFrame | None = None,
    mode: str = "public",
    config: CountyConfig | None = None,
    candidates: pd.DataFrame | None = None,
) -> AnnualReport:
    """Compute the report of ``county`` for ``year`` (the log: ``decisions`` or ``tables``').

    ``config`` defaults to the county's configuration, ``candidates`` to its candidate list under
    it; costs and shares are the accountability settings (:func:`load_settings`).
    """
    from helpers.screening.candidates import build_candidates
    from helpers.screening.config import load_config

    check_mode(mode)
    county = canonical_name(county)
    if county is None:
        raise InputError(
            "the annual report is per county: name one with --county", column="--county"
        )
    settings = load_settings()
    config = config or load_config(county)
    decisions = decisions if decisions is not None else tables.get("decisions")
    if decisions is None:
        raise InputError(
            "no review-decision log: pass --log FILE or ingest decisions/review_decisions.csv"
        )
    people = tables["people"]
    if candidates is None:
        candidates = build_candidates(tables, county, config, as_of)
    comp = compliance(candidates, decisions, config, year, people=people, settings=settings)
    comp_row = comp.loc[comp["county"] == county]
    if comp_row.empty:
        raise InputError(f"no people from {county} in the data", column="--county")
    log = in_year(decisions, year)
    log = log.loc[in_county(log, county)]
    log = log.sort_values(["date_reviewed", "case_number"], kind="stable").reset_index(drop=True)
    outl = reviewed_outliers(candidates, decisions, year, people=people)
    return AnnualReport(
        county=county,
        year=int(year),
        mode=mode,
        as_of=str(pd.Timestamp(as_of).date()),
        compliance=comp_row.iloc[0].to_dict(),
        cases=_reviewed_cases(log, outl, mode),
        demographics=_reviewed_vs_eligible(people, candidates, log, county, mode),
        savings=savings(
            candidates, people, log, year=year, as_of=as_of, k=config.top_k, settings=settings
        ),
        unreviewed=_unreviewed(outl, county, mode),
        settings=settings,
    )


def _reviewed_cases(log: pd.DataFrame, outliers: pd.DataFrame, mode: str) -> pd.DataFrame:
    """The cases the county's office reviewed in the year: case number, date, decision, new
    sentence, whether an extreme outlier, reasons in words (DA mode: CDCR number, notes, reviewer)."""
    outlier_ids = set(outliers["cdcno"].astype(str))
    outlier_cases = {c for c in outliers["case_number"].astype(str) if c}
    is_outlier = log["cdcno"].astype(str).isin(outlier_ids) | log["case_number"].astype(str).isin(
        outlier_cases
    )
    new = pd.to_numeric(log["new_sentence_months"], errors="coerce")
    cases = pd.DataFrame(
        {
            "case_number": log["case_number"].astype("string"),
            "date_reviewed": pd.to_datetime(log["date_reviewed"]).dt.strftime("%Y-%m-%d"),
            "decision": log["decision"].astype("string"),
            "new_sentence_months": new.map(lambda v: "" if pd.isna(v) else f"{v:.0f}").astype(
                "string"
            ),
            "extreme_outlier": np.where(is_outlier.to_numpy(), "yes", "no"),
            "reasons": _reasons_in_words(log["reason_codes"], mode),
            "reason_codes": pd.Series(
                [";".join(cs) for cs in _split_public(log["reason_codes"], mode)],
                index=log.index,
                dtype="string",
            ),
        }
    )
    if mode == "da":
        cases.insert(1, "cdcno", log["cdcno"].astype("string"))
        cases["reason_text"] = log["reason_text"].astype("string")
        cases["reviewer_role"] = log["reviewer_role"].astype("string")
    return cases


def _reviewed_vs_eligible(
    people: pd.DataFrame, candidates: pd.DataFrame, log: pd.DataFrame, county: str, mode: str
) -> pd.DataFrame:
    """:func:`demographic_summary` of the county's people: reviewed in the year vs eligible."""
    cp = people.loc[in_county(people, county)].reset_index(drop=True)
    elig_ids = set(candidates.loc[candidates["eligibility"] == "eligible", "cdcno"].astype(str))
    rev_ids = set(log["cdcno"].astype(str))
    ids = cp["cdcno"].astype(str)
    return demographic_summary(cp, ids.isin(elig_ids), ids.isin(rev_ids), mode)


def _unreviewed(outliers: pd.DataFrame, county: str, mode: str) -> pd.DataFrame:
    """The county's extreme outliers not reviewed in the year (DA mode only; public: none listed)."""
    left = outliers.loc[in_county(outliers, county) & ~outliers["reviewed"]]
    unreviewed = left[["cdcno", "case_number", "outlier_severity", "review_required"]].copy()
    if "outlier_reason" in left:
        unreviewed["outlier_reason"] = left["outlier_reason"].to_numpy()
    if mode == "public":
        unreviewed = unreviewed.iloc[:0][[]]
    return unreviewed.reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def _usd(v: float) -> str:
    return f"${v:,.0f}"


def _savings_rows(report: AnnualReport) -> list[tuple[str, str, str]]:
    """(measure, projected, realised) rows for the county, in words."""
    s = report.settings
    p = report.savings.row(report.county, "projected")
    r = report.savings.row(report.county, "realised")
    hide_p = report.mode == "public" and 0 < int(p["people"]) < SMALL_CELL

    def show(row: dict[str, Any], key: str, fmt) -> str:
        if row is p and hide_p:
            return SUPPRESSED
        return fmt(row[key])

    share = f"{s.county_share:.0%}"
    rest = f"{1 - s.county_share:.0%}"
    return [
        ("People", show(p, "people", str), show(r, "people", str)),
        ("… costed", show(p, "costed", str), show(r, "costed", str)),
        (
            "… not costed (life without parole, condemned, no release date)",
            show(p, "not_costed", str),
            show(r, "not_costed", str),
        ),
        (
            "Years of incarceration avoided",
            show(p, "years_avoided", "{:,.1f}".format),
            show(r, "years_avoided", "{:,.1f}".format),
        ),
        (
            f"Savings at {_usd(s.cost_per_person_year)} per person-year ({s.cost_year})",
            show(p, "savings", _usd),
            show(r, "savings", _usd),
        ),
        (f"… to the county ({share})", show(p, "county_part", _usd), show(r, "county_part", _usd)),
        (f"… to the state ({rest})", show(p, "state_part", _usd), show(r, "state_part", _usd)),
        (
            f"For comparison, at {_usd(s.comparison_cost_per_person_year)} per person-year "
            f"({s.comparison_cost_year})",
            show(p, "savings_at_comparison_cost", _usd),
            show(r, "savings_at_comparison_cost", _usd),
        ),
    ]


SCENARIO_HEADER = [
    "Scenario",
    "Share resentenced",
    "Cost of a person-year",
    "Discount rate",
    "Projected savings",
    "… to the county",
    "… to the state",
]
"""The header of the savings-scenarios table of the page and the press release."""


def _scenario_rows(report: AnnualReport) -> list[list[str]]:
    """The projected savings of the county under each scenario, in words."""
    rows = []
    people = int(report.savings.row(report.county, "projected")["people"])
    hide = report.mode == "public" and 0 < people < SMALL_CELL
    for r in report.savings.scenario_rows(report.county).itertuples():
        money_cells = [SUPPRESSED] * 3 if hide else [_usd(r.savings), _usd(r.county_part),
                                                      _usd(r.state_part)]  # fmt: skip
        rows.append(
            [
                str(r.scenario),
                f"{r.grant_rate:.0%}",
                f"{_usd(r.cost_per_person_year)} ({r.cost_basis})",
                f"{r.discount_rate:.0%}",
                *money_cells,
            ]
        )
    return rows


def _demo_rows(report: AnnualReport) -> list[list[str]]:
    rows = []
    for _, d in report.demographics.iterrows():

        def cell(count: Any, share: Any) -> str:
            if pd.isna(count):
                return SUPPRESSED
            return f"{int(count)}" + ("" if pd.isna(share) else f" ({float(share):.0%})")

        rows.append(
            [
                str(d["dimension"]),
                str(d["group"]),
                cell(d["eligible"], d["eligible_share"]),
                cell(d["reviewed"], d["reviewed_share"]),
            ]
        )
    return rows


def _case_header(report: AnnualReport) -> list[str]:
    head = [
        "Case number",
        "Date",
        "Decision",
        "New sentence (months)",
        "Extreme outlier",
        "Reasons",
    ]
    if report.mode == "da":
        head[1:1] = ["CDCR number"]
        head += ["Notes", "Reviewer"]
    return head


def _case_rows(report: AnnualReport) -> list[list[str]]:
    cols = ["case_number", "date_reviewed", "decision", "new_sentence_months", "extreme_outlier"]
    cols += ["reasons"]
    if report.mode == "da":
        cols[1:1] = ["cdcno"]
        cols += ["reason_text", "reviewer_role"]
    return [[str(v) for v in r] for r in report.cases[cols].fillna("").itertuples(index=False)]


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def esc(v: str) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(esc(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def _facts(report: AnnualReport) -> list[tuple[str, str]]:
    c = report.compliance
    required = SUPPRESSED_TEXT if report.capped() else str(c["required"])
    shortfall = SUPPRESSED_TEXT if report.capped() and c["shortfall"] else str(c["shortfall"])
    return [
        ("Extreme-outlier cases on the list", count_text(int(c["outliers"]), report.mode)),
        ("Reviews the mandate requires", f"{required} ({c['mandate']})"),
        ("Extreme-outlier cases reviewed in the year", str(c["reviewed"])),
        ("Mandate met", "yes" if c["mandate_met"] else "no"),
        ("Shortfall", shortfall),
        ("All reviews logged in the year", str(c["reviews_logged"])),
    ]


def _decision_counts(report: AnnualReport) -> str:
    counts = report.cases["decision"].value_counts()
    from helpers.data.schema import DECISION_VALUES

    parts = [f"{int(counts.get(d, 0))} {d}" for d in DECISION_VALUES]
    return f"{len(report.cases)} cases reviewed: " + ", ".join(parts) + "."


def render_markdown(report: AnnualReport, html_name: str | None = None) -> str:
    """The MyST page for the book."""
    lines = [
        *_md_opening(report, html_name),
        *_md_compliance(report),
        *_md_cases(report),
        *_md_demographics(report),
        *_md_savings(report),
    ]
    return "\n".join(lines)


def _md_opening(report: AnnualReport, html_name: str | None) -> list[str]:
    """Title, DA-mode warning, what the report is, and the link to the press release."""
    lines = [f"# {report.county} County: resentencing reviews in {report.year}", ""]
    if report.mode == "da":
        lines += [
            "```{warning}",
            "DA mode: this page holds identifiers. Do not publish it.",
            "```",
            "",
        ]
    lines += [
        f"Annual report of the {report.county} County District Attorney's office on its reviews "
        f"of cases for recall and resentencing (PC 1172.1), from its review-decision log. Data as "
        f"of {report.as_of}.",
        "",
    ]
    if html_name:
        lines += [f"Printable press release: {{download}}`{html_name} <{html_name}>`", ""]
    return lines


def _md_compliance(report: AnnualReport) -> list[str]:
    """The compliance statement and facts (DA mode: the outliers not yet reviewed)."""
    lines = [
        "## Compliance with the review mandate",
        "",
        "```{important}",
        report.statement,
        "```",
        "",
        _md_table(["Measure", "Value"], [list(f) for f in _facts(report)]),
        "",
    ]
    if report.mode == "da" and len(report.unreviewed):
        rows = [
            [str(r.cdcno), str(r.case_number), f"{r.outlier_severity:.2f}",
             "yes" if r.review_required else "no"]
            for r in report.unreviewed.itertuples()
        ]  # fmt: skip
        lines += [
            "### Extreme outliers not yet reviewed",
            "",
            _md_table(["CDCR number", "Case number", "Severity", "On the mandate list"], rows),
            "",
        ]
    return lines


def _md_cases(report: AnnualReport) -> list[str]:
    """The cases reviewed in the year, with the privacy note in public mode."""
    lines = ["## Cases reviewed", "", _decision_counts(report), ""]
    if len(report.cases):
        lines += [_md_table(_case_header(report), _case_rows(report)), ""]
    return [*lines, PRIVACY_NOTE if report.mode == "public" else "", ""]


def _md_demographics(report: AnnualReport) -> list[str]:
    """Who was reviewed against who is eligible, with the suppression note in public mode."""
    lines = [
        "## Who was reviewed, and who is eligible",
        "",
        "People from the county reviewed in the year, against the people the county's screen finds "
        "eligible.",
        "",
        _md_table(["Dimension", "Group", "Eligible", "Reviewed"], _demo_rows(report)),
        "",
    ]
    if report.mode == "public":
        lines += [SUPPRESSION_NOTE, ""]
    return lines


def _md_savings(report: AnnualReport) -> list[str]:
    """Projected and realised savings, how they are computed, and the generator's version."""
    return [
        "## Savings",
        "",
        _md_table(SAVINGS_HEADER, [list(r) for r in _savings_rows(report)]),
        "",
        "Projected: if the county's top eligible candidates were resentenced on the as-of date, the "
        "years to their expected release. Realised: for people resentenced in the year, the years "
        "between the old expected release and the end of the new sentence. Formulas and sources: "
        "[the accountability method](../method/accountability.md).",
        "",
        "### Projected savings as scenarios",
        "",
        "Not everyone reviewed is resentenced, a few people leaving saves less than the average "
        "cost of a prison bed, and a dollar saved in ten years is worth less than one today:",
        "",
        _md_table(SCENARIO_HEADER, _scenario_rows(report)),
        "",
        f"_Generated by secondlook {helpers.__version__}; mode {report.mode}._",
        "",
    ]


CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 48rem; margin: 2rem auto;
       padding: 0 1rem; color: #111; line-height: 1.45; }
header { border-bottom: 3px solid #111; margin-bottom: 1.5rem; }
header p { margin: 0.2rem 0; font-family: Helvetica, Arial, sans-serif; font-size: 0.9rem; }
h1 { font-size: 1.6rem; margin: 0.4rem 0; }
h2 { font-size: 1.15rem; border-bottom: 1px solid #999; margin-top: 1.8rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin: 0.6rem 0; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #eee; }
.statement { border-left: 5px solid #111; padding: 0.6rem 0.9rem; background: #f4f4f4;
             font-size: 1.05rem; }
.statement.unmet { border-left-color: #a00; }
.note { font-size: 0.8rem; color: #333; }
@page { size: letter; margin: 0.75in; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  .statement { background: none; }
  tr, .statement { page-break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead>"]
    out.append("<tbody>")
    out += ["<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in r) + "</tr>" for r in rows]
    out.append("</tbody></table>")
    return "\n".join(out)


def render_html(report: AnnualReport) -> str:
    """The printable press release: one self-contained HTML file (inline CSS, no scripts)."""
    e = html.escape
    body = [
        *_html_opening(report),
        *_html_compliance(report),
        *_html_cases(report),
        "<h2>Who was reviewed, and who is eligible</h2>",
        _html_table(["Dimension", "Group", "Eligible", "Reviewed"], _demo_rows(report)),
    ]
    if report.mode == "public":
        body.append(f'<p class="note">{e(SUPPRESSION_NOTE)}</p>')
    body += _html_savings(report)
    title = f"{report.county} County resentencing reviews {report.year}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _html_opening(report: AnnualReport) -> list[str]:
    """The press release's masthead (DA mode: the do-not-publish warning)."""
    e = html.escape
    lines = [
        "<header>",
        f"<p>{e(report.county)} County District Attorney &middot; for immediate release</p>",
        f"<h1>Resentencing reviews in {report.year}: annual report</h1>",
        f"<p>Data as of {e(report.as_of)}</p>",
        "</header>",
    ]
    if report.mode == "da":
        lines.append("<p><strong>DA mode: holds identifiers. Do not publish.</strong></p>")
    return lines


def _html_compliance(report: AnnualReport) -> list[str]:
    """The compliance statement (marked when the mandate was not met) and facts."""
    e = html.escape
    met = bool(report.compliance["mandate_met"])
    return [
        "<h2>Compliance with the review mandate</h2>",
        f'<p class="statement{"" if met else " unmet"}">{e(report.statement)}</p>',
        _html_table(["Measure", "Value"], [list(f) for f in _facts(report)]),
    ]


def _html_cases(report: AnnualReport) -> list[str]:
    """The cases reviewed in the year, with the privacy note in public mode."""
    e = html.escape
    lines = ["<h2>Cases reviewed</h2>", f"<p>{e(_decision_counts(report))}</p>"]
    if len(report.cases):
        lines.append(_html_table(_case_header(report), _case_rows(report)))
    if report.mode == "public":
        lines.append(f'<p class="note">{e(PRIVACY_NOTE)}</p>')
    return lines


def _html_savings(report: AnnualReport) -> list[str]:
    """Projected and realised savings, how they are computed, and the generator's version."""
    return [
        "<h2>Savings</h2>",
        _html_table(SAVINGS_HEADER, [list(r) for r in _savings_rows(report)]),
        '<p class="note">Projected: the years to expected release of the top eligible candidates, '
        "if resentenced on the as-of date (an upper bound). Realised: the years between the old "
        "expected release and the end of the new sentence of people resentenced in the year. Life "
        "without parole and condemned sentences are counted but not costed.</p>",
        "<h3>Projected savings as scenarios</h3>",
        _html_table(SCENARIO_HEADER, _scenario_rows(report)),
        f'<p class="note">Generated by secondlook {html.escape(helpers.__version__)}.</p>',
    ]


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


def _default_out_dir(county: str, mode: str) -> Path:
    """``book/accountability`` (public) or ``da_reports/<county-slug>/accountability`` (DA)."""
    if mode == "da":
        return Path("da_reports") / slug(county) / "accountability"
    return Path("book") / "accountability"


def write_report(report: AnnualReport, out_dir: str | Path | None = None) -> dict[str, Path]:
    """Write ``<county-slug>-<year>.md`` and ``<county-slug>-<year>-press-release.html``.

    The default folder is ``book/accountability`` (public) or
    ``da_reports/<county-slug>/accountability`` (DA mode, outside the book).
    """
    out = Path(out_dir) if out_dir is not None else _default_out_dir(report.county, report.mode)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{slug(report.county)}-{report.year}"
    html_path = out / f"{stem}-press-release.html"
    md_path = out / f"{stem}.md"
    html_path.write_text(render_html(report), encoding="utf-8")
    md_path.write_text(render_markdown(report, html_path.name), encoding="utf-8")
    return {"page": md_path, "press_release": html_path}


@dataclass
class WrittenReport:
    """An annual report written to its files, with notes on the decision log that was read."""

    report: AnnualReport
    page: Path
    press_release: Path
    notes: list[str]


def make_annual_report(
    county: str,
    year: int,
    data: Path,
    *,
    log: Path | None = None,
    as_of: str | None = None,
    mode: str = "public",
    out: Path | None = None,
) -> WrittenReport:
    """Build and write the annual report of ``county`` for ``year`` from the data in ``data``.

    The decision log is ``log`` (CSV/XLSX; its quarantined rows are summed up in ``notes``) or the
    one ingested with ``data``.  Ingested data keep their as-of date; raw files without ``as_of``
    are read as of the end of ``year`` (or today, if earlier).
    """
    from helpers.data.decision_log import read_decision_log
    from helpers.data.ingest import is_processed, load_dataset

    check_mode(mode)
    when: date | str | None = as_of
    if as_of is None and not is_processed(data):
        when = min(date(year, 12, 31), date.today())
    dataset = load_dataset(data, when)
    decisions, notes = None, []
    if log is not None:
        decisions, quarantine = read_decision_log(log)
        if len(quarantine):
            notes.append(
                f"  {quarantine['row'].nunique()} log rows quarantined; first: "
                f"row {quarantine['row'].iloc[0]}: {quarantine['reason'].iloc[0]}"
            )
    report = build_report(
        dataset.tables, county, year, as_of=dataset.as_of, decisions=decisions, mode=mode
    )
    paths = write_report(report, out)
    return WrittenReport(report, paths["page"], paths["press_release"], notes)
