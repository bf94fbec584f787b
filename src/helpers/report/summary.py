"""Views of the county summary report: projected savings, the audit headline and the DA export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.counties import slug
from helpers.privacy import SMALL_CELL
from helpers.report.audit import selection_audit_table
from helpers.report.context import CountyContext
from helpers.report.model import agreement_sheets
from helpers.spreadsheets import write_csv, write_xlsx


def projected_savings(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """Projected savings if the county's top-k eligible candidates were resentenced on the as-of date.

    Computed by :func:`helpers.accountability.savings` (the same figures as the annual report): years
    avoided per person = years from the as-of date to the expected release date (EPRD/MEPD), at least
    zero; people without a release date (LWOP, condemned) are counted but not costed.  An upper bound:
    a resentenced person is not always released at once.
    """
    from helpers.accountability import load_settings, savings

    settings = load_settings()
    k = int(k or ctx.config.top_k)
    row = savings(ctx.candidates, ctx.people, as_of=ctx.as_of, k=k, settings=settings).row(
        ctx.county, "projected"
    )
    share = settings.county_share
    rows = [
        (f"People in the top-{k} eligible list", int(row["people"])),
        ("… with a release date (costed)", int(row["costed"])),
        ("… without one (LWOP/condemned; not costed)", int(row["not_costed"])),
        ("Years of incarceration avoided (upper bound)", round(float(row["years_avoided"]), 1)),
        (
            f"Cost per person-year (USD, {settings.cost_year})",
            f"{settings.cost_per_person_year:,.0f}",
        ),
        ("Projected savings (USD)", f"{row['savings']:,.0f}"),
        (f"To the county ({share:.0%})", f"{row['county_part']:,.0f}"),
        (f"To the state ({1 - share:.0%})", f"{row['state_part']:,.0f}"),
        (
            f"At the memo's cost per person-year ({settings.comparison_cost_per_person_year:,.0f})",
            f"{row['savings_at_comparison_cost']:,.0f}",
        ),
    ]
    table = pd.DataFrame(rows, columns=["Measure", "Value"])
    if ctx.public:
        small = table["Value"].map(lambda v: isinstance(v, int | np.integer) and 0 < v < SMALL_CELL)
        table["Value"] = table["Value"].astype(object).where(~small, f"fewer than {SMALL_CELL}")
    return table


def audit_headline(ctx: CountyContext) -> pd.DataFrame:
    """Share of the population versus share of the screen-eligible, by race group, with the
    ratio against White people, its interval and the flag (suppressed in public mode)."""
    table = selection_audit_table(ctx)
    table = table[(table["selection"] == "the screen") & (table["dimension"] == "race_group")]
    wanted = (
        "group",
        "n_population",
        "n_selected",
        "share_of_population",
        "share_of_selected",
        "ratio_vs_reference",
        "ratio_vs_reference_lo",
        "ratio_vs_reference_hi",
        "flag_vs_reference",
    )
    keep = [c for c in wanted if c in table]
    return table[keep].reset_index(drop=True)


def savings_scenarios(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """The county's projected savings under each scenario of ``configs/accountability.yaml``
    (share resentenced, average or marginal cost, discounting; 70 % to the county)."""
    from helpers.accountability import load_settings, savings

    settings = load_settings()
    k = int(k or ctx.config.top_k)
    res = savings(ctx.candidates, ctx.people, as_of=ctx.as_of, k=k, settings=settings)
    rows = res.scenario_rows(ctx.county)
    cols = ["scenario", "grant_rate", "cost_basis", "discount_rate", "expected_resentenced",
            "savings", "county_part", "state_part"]  # fmt: skip
    out = rows[cols].copy()
    people = int(res.row(ctx.county, "projected")["people"])
    if ctx.public and 0 < people < SMALL_CELL:
        out[["expected_resentenced", "savings", "county_part", "state_part"]] = np.nan
    return out


def mandate_status(ctx: CountyContext) -> dict | None:
    """The county's review-mandate compliance in the latest complete year of the review log
    (both readings of "at least 5 or 50 %"), or ``None`` without a log."""
    from helpers.accountability import compliance

    path = ctx.shared.processed / "decisions.parquet"
    if not path.is_file():
        return None
    log = pd.read_parquet(path)
    years = pd.to_datetime(log["date_reviewed"], errors="coerce").dt.year.dropna()
    ended = years[years < pd.Timestamp(ctx.as_of).year]
    if years.empty:
        return None
    year = int((ended if len(ended) else years).max())
    comp = compliance(ctx.candidates, log, ctx.config, year, people=ctx.people)
    row = comp.loc[comp["county"] == ctx.county]
    return row.iloc[0].to_dict() if len(row) else None


def _count(ctx: CountyContext, n: int) -> str:
    """A count in words, "fewer than 11" in public mode for 1 to 10."""
    if ctx.public and 0 < n < SMALL_CELL:
        return f"fewer than {SMALL_CELL}"
    return f"{n:,}"


def report_summary(ctx: CountyContext) -> str:
    """The county report's opening, in words (Markdown), computed from its tables."""
    c = ctx.candidates
    eligible = int((c["eligibility"] == "eligible").sum())
    unknown = int((c["eligibility"] == "unknown").sum())
    outliers = int(c["outlier"].sum())
    lines = [
        f"**{ctx.county}** has {_count(ctx, len(ctx.people))} people in CDCR custody "
        f"(as of {ctx.as_of}). Its screen ({ctx.config.description.rstrip('.')}) finds "
        f"{_count(ctx, eligible)} eligible for a second look, and cannot decide for "
        f"{_count(ctx, unknown)} more because their records are incomplete.",
        f"{_count(ctx, outliers)} sentences{_share_text(ctx, outliers, len(c))} are extreme "
        "outliers against their peers or the federal guideline range.",
    ]
    status = mandate_status(ctx)
    if status is not None:
        lines.append(str(status["statement"]))
    scen = savings_scenarios(ctx)
    if len(scen) and scen["savings"].notna().all():
        lo, hi = scen["savings"].min(), scen["savings"].max()
        lines.append(
            f"Resentencing the top {ctx.config.top_k} eligible candidates would save between "
            f"${lo:,.0f} and ${hi:,.0f} depending on the scenario (below), "
            f"{load_share():.0%} of it to the county."
        )
    return "\n\n".join(lines)


def _share_text(ctx: CountyContext, n: int, total: int) -> str:
    """`` (1.6 % of the county's people)``, or nothing where it would reveal a small count."""
    if total == 0 or (ctx.public and 0 < n < SMALL_CELL):
        return ""
    return f" ({n / total:.1%} of the county's people)"


def load_share() -> float:
    """The county's share of the savings (``configs/accountability.yaml``)."""
    from helpers.accountability import load_settings

    return load_settings().county_share


AGE_BANDS_PUBLIC = (0, 30, 40, 50, 60, 70, np.inf)
"""Age bands of the public candidate list (years)."""
YEAR_BANDS_PUBLIC = (0, 5, 10, 20, 30, np.inf)
"""Sentence and time-served bands of the public candidate list (years)."""
SCORE_STEP = 0.5
"""The public candidate list rounds the score R to the nearest half point."""
LINKAGE_KEYS = ("county", "age_band", "sentence_band", "served_band", "offense_category")
"""What a reader of the public CDCR file could match a published row on (quasi-identifiers)."""
PUBLIC_LIST_RULE = (
    "Published rows show age, sentence and time served in bands, the offense category (not the "
    "statute) and R to the nearest half point; a row whose bands match only one person of the "
    "county in the public CDCR file shows no bands (then no offense category), and a row that "
    "would still single one person out is not published."
)
"""The rule, in words, that keeps the public list from being linked back to a person."""


def public_list_rule(ctx: CountyContext) -> str:
    """How the page's candidate list is published, in words (empty in DA mode)."""
    return f"_{PUBLIC_LIST_RULE}_" if ctx.public else "_DA mode: exact values and CDCR numbers._"


def _band(values: pd.Series, edges: tuple[float, ...], unit: str = "") -> pd.Series:
    """Values as band labels (``30-39``, ``70+``), ``life`` for infinite, empty when missing."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    labels = [
        f"{int(lo)}+" if np.isinf(hi) else f"{int(lo)}-{int(hi) - 1}"
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
    ]
    out = pd.cut(v.where(np.isfinite(v)), list(edges), right=False, labels=labels)
    text = out.astype("string").fillna("") + (unit if unit else "")
    text = text.where(out.notna(), "")
    return text.mask(np.isinf(v.fillna(0)), "life")


def public_bands(frame: pd.DataFrame) -> pd.DataFrame:
    """The linkage keys of people (or candidates) as the public list shows them."""
    return pd.DataFrame(
        {
            "county": frame["county"].astype("string").fillna(""),
            "age_band": _band(frame["age"], AGE_BANDS_PUBLIC),
            "sentence_band": _band(frame["sentence_years"], YEAR_BANDS_PUBLIC),
            "served_band": _band(frame["time_served_years"], YEAR_BANDS_PUBLIC),
            "offense_category": frame["offense_category"].astype("string").fillna(""),
        },
        index=frame.index,
    )


def unique_matches(published: pd.DataFrame, population: pd.DataFrame) -> int:
    """How many published rows match exactly one person of ``population`` on the shown keys
    (empty keys match anybody): a linkage attack on the public CDCR file."""
    pop = public_bands(population)
    count = 0
    for row in published[list(LINKAGE_KEYS)].itertuples(index=False):
        hit = np.ones(len(pop), dtype=bool)
        for key, value in zip(LINKAGE_KEYS, row, strict=True):
            if value:
                hit &= (pop[key] == value).to_numpy()
        count += int(hit.sum() == 1)
    return count


def _top_factors(c: pd.DataFrame, n: int = 2) -> pd.Series:
    """The ``n`` mitigating factors that add most to each candidate's score, in words."""
    factors = [
        col
        for col in c.columns
        if col.startswith("factor_")
        and col != "factor_sum"
        and pd.api.types.is_numeric_dtype(c[col])
    ]
    if not factors:
        return pd.Series("", index=c.index)
    values = c[factors].to_numpy(dtype="float64", na_value=0.0)
    names = np.array([f[len("factor_") :].replace("_", " ") for f in factors])
    order = np.argsort(-values, axis=1, kind="stable")[:, :n]
    words = [", ".join(names[j] for j in row if values[i, j] > 0) for i, row in enumerate(order)]
    return pd.Series(words, index=c.index)


GENERALISE_STEPS = (("age_band", "sentence_band", "served_band"), ("offense_category",))
"""What a published row loses, in turn, while it would single out one person."""
SENSITIVE_FACTORS = ("trauma abuse", "mental illness", "elderly poor health", "ipv trafficking")
"""Score factors about a person's health or history: public lists say "mitigating circumstances"."""


def _generalise(bands: pd.DataFrame, population: pd.DataFrame) -> np.ndarray:
    """Blank (in place) the keys of rows that match one person of ``population``, step by step
    (:data:`GENERALISE_STEPS`); rows still unique are dropped (the mask of rows kept)."""
    keep = np.ones(len(bands), dtype=bool)
    for pos, i in enumerate(bands.index):
        for step in (*GENERALISE_STEPS, None):
            hit = np.ones(len(population), dtype=bool)
            for key in LINKAGE_KEYS:
                if bands.at[i, key]:
                    hit &= (population[key] == bands.at[i, key]).to_numpy()
            if hit.sum() > 1:
                break
            if step is None:
                keep[pos] = False
            else:
                bands.loc[i, list(step)] = ""
    return keep


def _public_reasons(reasons: pd.Series) -> pd.Series:
    """Sensitive score factors generalised to "mitigating circumstances" (each reason once)."""

    def general(text: str) -> str:
        parts = [
            "mitigating circumstances" if p in SENSITIVE_FACTORS else p
            for p in text.split(", ")
            if p
        ]
        return ", ".join(dict.fromkeys(parts))

    return reasons.map(general)


def top_candidates(ctx: CountyContext, k: int = 10) -> pd.DataFrame:
    """The first ``k`` of the county's ranked list with the reasons their score is high.

    Public mode: pseudonyms, banded age, sentence and time served, offense category and R to the
    nearest half point (:data:`PUBLIC_LIST_RULE`); keys that would single out one person of the
    county are blanked, and a row that still would is left out; health and history reasons read
    "mitigating circumstances".  DA mode: CDCR numbers and exact values.
    """
    from helpers.privacy import gate_list, pseudonymise

    c = ctx.candidates.nsmallest(k, "rank").copy()
    people = ctx.people.drop_duplicates("cdcno").set_index("cdcno")
    c["offense_category"] = c["cdcno"].map(people["offense_category"])
    reasons = _top_factors(c)
    if not ctx.public:
        out = c[["rank", "cdcno", "R", "age", "sentence_years", "time_served_years",
                 "controlling_offense_key"]].copy()  # fmt: skip
        out["reasons"] = reasons.to_numpy()
        return out.reset_index(drop=True)
    withheld = gate_list(c, ctx.mode, population=ctx.candidates)  # the county's whole 1-10
    if withheld is not c:
        return withheld
    bands = public_bands(c)
    population = ctx.people.assign(
        sentence_years=ctx.people["cdcno"].map(
            ctx.candidates.drop_duplicates("cdcno").set_index("cdcno")["sentence_years"]
        )
    )
    keep = _generalise(bands, public_bands(population))
    c, bands, reasons = c[keep], bands[keep], reasons[keep]
    out = pd.DataFrame(
        {
            "rank": c["rank"].to_numpy(),
            "person": pseudonymise(c["cdcno"], ctx.salt).to_numpy(),
            "R": (c["R"] / SCORE_STEP).round() * SCORE_STEP,
            **{key: bands[key].to_numpy() for key in LINKAGE_KEYS if key != "county"},
            "county": bands["county"].to_numpy(),
            "reasons": _public_reasons(reasons).to_numpy(),
        }
    )
    return out.reset_index(drop=True)


def export_candidates(ctx: CountyContext, out_dir: str | Path | None = None) -> list[Path]:
    """DA mode only: write the county's full candidate list as CSV and XLSX for the office, with the
    agreement of rules, score and model (``agreement.csv`` and sheets of the workbook).

    The default folder is ``da_reports/<county>/export`` — outside the public site.
    """
    if ctx.public:
        raise PermissionError("candidate lists with identifiers are exported in DA mode only")
    from helpers.pipeline import DA_ROOT

    out = Path(out_dir) if out_dir is not None else DA_ROOT / slug(ctx.county) / "export"
    out.mkdir(parents=True, exist_ok=True)
    people = ctx.people.set_index("cdcno")
    frame = ctx.candidates.copy()
    frame.insert(1, "case_number", frame["cdcno"].map(people["controlling_case_number"]))
    csv_path, xlsx_path = out / "candidates.csv", out / "candidates.xlsx"
    write_csv(frame, csv_path)
    sheets = agreement_sheets(ctx)  # rules vs score vs model
    agreement_path = out / "agreement.csv"
    write_csv(sheets["agreement"], agreement_path)
    write_xlsx({"candidates": frame, **sheets}, xlsx_path, infinity="life")
    return [csv_path, xlsx_path, agreement_path]
