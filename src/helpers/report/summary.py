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
    """Share of the population versus share of the screen-eligible, by race group (suppressed)."""
    table = selection_audit_table(ctx)
    table = table[(table["selection"] == "screen eligible") & (table["dimension"] == "race_group")]
    wanted = (
        "group",
        "n_population",
        "n_selected",
        "share_of_population",
        "share_of_selected",
        "ratio_vs_reference",
        "flag_vs_reference",
    )
    keep = [c for c in wanted if c in table]
    return table[keep].reset_index(drop=True)


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
    frame.to_csv(csv_path, index=False)
    sheets = agreement_sheets(ctx)  # rules vs score vs model
    agreement_path = out / "agreement.csv"
    sheets["agreement"].to_csv(agreement_path, index=False)
    with pd.ExcelWriter(xlsx_path, engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name="candidates", index=False)
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name, index=False)
    return [csv_path, xlsx_path, agreement_path]
