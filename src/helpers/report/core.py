"""What the county notebooks show: tables and figures computed from the shared pipeline outputs.

Notebooks only call these functions and display what they return; nothing here prints.  Public mode
applies :mod:`helpers.privacy` (pseudonymous IDs, small cells suppressed); DA mode keeps identifiers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.audit import age_band
from helpers.counties import in_county, slug
from helpers.privacy import SMALL_CELL, check_mode, pseudonymise, run_salt, suppress


@dataclass
class CountyContext:
    """Everything one county's notebooks read: shared manifest, tables, candidates, configuration."""

    county: str
    mode: str
    as_of: str
    seed: int
    shared_dir: Path
    shared: dict[str, Any]
    people: pd.DataFrame  # the county's people
    offenses: pd.DataFrame  # the county's offense rows
    statewide_people: pd.DataFrame
    candidates: pd.DataFrame  # the county's candidate list (best first)
    config: Any
    salt: str = field(repr=False, default="")

    @property
    def public(self) -> bool:
        return self.mode == "public"


@lru_cache(maxsize=4)
def _read_parquet_cached(path: str, mtime: float) -> pd.DataFrame:
    return pd.read_parquet(path)


def _parquet(path: str | Path) -> pd.DataFrame:
    """Read a Parquet file once per process (the pipeline reuses one kernel for many notebooks)."""
    path = Path(path)
    return _read_parquet_cached(str(path.resolve()), path.stat().st_mtime)


MAX_TABLE_ROWS = 200


def _table_html(frame: pd.DataFrame) -> str:
    """A table as the reports show it: no row numbers, empty cells where a value is suppressed."""
    show_index = not isinstance(frame.index, pd.RangeIndex)
    shown = frame.head(MAX_TABLE_ROWS).copy()
    # ``na_rep`` does not reach nullable (Int64, Float64, boolean) columns: blank them here.
    for col in shown.columns[shown.isna().any().to_numpy()]:
        shown[col] = (
            shown[col]
            .astype(object)
            .map(lambda v: "" if pd.isna(v) else (f"{v:.4g}" if isinstance(v, float) else v))
        )
    note = (
        f"<p><em>First {MAX_TABLE_ROWS} of {len(frame):,} rows.</em></p>"
        if len(frame) > MAX_TABLE_ROWS
        else ""
    )
    return shown.to_html(index=show_index, border=0) + note


def setup_display() -> None:
    """In a notebook, show tables without the meaningless row numbers and with suppressed cells empty."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _table_html)


def load_context(shared: str | Path, county: str, mode: str = "public") -> CountyContext:
    """Load the shared outputs of ``secondlook run`` for one county."""
    from helpers.data.ingest import isin
    from helpers.screening.config import county_file, load_config

    mode = check_mode(mode)
    shared_dir = Path(shared)
    manifest = json.loads((shared_dir / "shared.json").read_text())
    processed = Path(manifest["processed"])
    tables = {name: _parquet(processed / f"{name}.parquet") for name in ("people", "offenses")}
    people = tables["people"]
    county_people = people.loc[in_county(people, county)].reset_index(drop=True)
    offenses = tables["offenses"]
    county_offenses = offenses[isin(offenses["cdcno"], county_people["cdcno"])].reset_index(
        drop=True
    )
    candidates = _parquet(manifest["candidates"][county])
    candidates = candidates.loc[in_county(candidates, county)].reset_index(drop=True)
    model = manifest.get("model") or {}
    if model.get("predictions") and Path(model["predictions"]).exists():
        scores = _parquet(model["predictions"])
        candidates = candidates.merge(scores, on="cdcno", how="left")
    return CountyContext(
        county=county,
        mode=mode,
        as_of=manifest["as_of"],
        seed=int(manifest["seed"]),
        shared_dir=shared_dir,
        shared=manifest,
        people=county_people,
        offenses=county_offenses,
        statewide_people=people,
        candidates=candidates,
        config=load_config(county, county_file(county)),
        salt=run_salt(shared_dir),
    )


# --------------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------------


def provenance(ctx: CountyContext) -> pd.DataFrame:
    """Input hashes, configuration, package versions, git commit, run date and seed."""
    rows = [
        ("County", ctx.county),
        ("Mode", ctx.mode),
        ("As-of date", ctx.as_of),
        ("Run date", date.today().isoformat()),
        ("Seed", str(ctx.seed)),
        ("Git commit", ctx.shared.get("git_commit", "unknown")),
        ("Configuration", ", ".join(ctx.config.files)),
        ("Configuration hash", ctx.shared["config_hashes"].get(ctx.county, "")),
    ]
    rows += [(f"Input {name} (SHA-256)", digest) for name, digest in ctx.shared["inputs"].items()]
    rows += [(f"Version of {name}", version) for name, version in ctx.shared["versions"].items()]
    return pd.DataFrame(rows, columns=["Item", "Value"])


# --------------------------------------------------------------------------------------------------
# 01 clean: the county's data profile
# --------------------------------------------------------------------------------------------------


def headline(ctx: CountyContext) -> pd.DataFrame:
    """The county's key counts (people, eligible, outliers, …) as a two-column table."""
    c = ctx.candidates
    rows = [
        ("People in CDCR custody from this county", len(ctx.people)),
        (
            "Share of the statewide population",
            f"{len(ctx.people) / max(len(ctx.statewide_people), 1):.1%}",
        ),
        ("Eligible under the county's screen", int((c["eligibility"] == "eligible").sum())),
        ("Undecided (data cannot decide)", int((c["eligibility"] == "unknown").sum())),
        ("Extreme outliers", int(c["outlier"].sum())),
        (
            "Outlier reviews the mandate requires",
            int(c.get("review_required", pd.Series(dtype=bool)).sum()),
        ),
        ("Median time served (years)", _round(ctx.people["time_served_years"].median())),
        ("Median age", _round(ctx.people["age"].median())),
    ]
    table = pd.DataFrame(rows, columns=["Measure", "Value"])
    if ctx.public:
        small = table["Value"].map(lambda v: isinstance(v, int | np.integer) and 0 < v < SMALL_CELL)
        table["Value"] = table["Value"].astype(object).where(~small, f"fewer than {SMALL_CELL}")
    return table


def _round(value: Any) -> Any:
    return None if pd.isna(value) else round(float(value), 1)


def distribution(ctx: CountyContext, column: str, label: str) -> pd.DataFrame:
    """Counts and shares of the county's people by one column, suppressed in public mode."""
    values = ctx.people[column] if column != "age_band" else age_band(ctx.people["age"])
    counts = (
        values.astype("string")
        .fillna("unknown")
        .value_counts()
        .rename_axis(label)
        .reset_index(name="People")
    )
    counts["Share"] = (counts["People"] / counts["People"].sum()).round(3)
    if ctx.public:
        counts = suppress(counts, ["People"])
        counts = counts.drop(columns=[c for c in ("suppressed", "suppression") if c in counts])
    return counts


def quarantine_summary(ctx: CountyContext) -> pd.DataFrame:
    """Rows quarantined at ingest, by reason (statewide: quarantined rows have no reliable county)."""
    path = Path(ctx.shared["processed"]) / "quarantine.csv"
    if not path.exists():
        return pd.DataFrame({"Reason": [], "Rows": []})
    q = pd.read_csv(path)
    if q.empty:
        return pd.DataFrame({"Reason": ["(none: every row was kept)"], "Rows": [0]})
    return q["reason"].value_counts().rename_axis("Reason").reset_index(name="Rows")


def time_served_figure(ctx: CountyContext):
    """Histogram of time served by sentence type (matplotlib figure)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    data = ctx.people
    for kind, group in data.groupby("sentence_type"):
        if len(group) >= SMALL_CELL or not ctx.public:
            ax.hist(
                group["time_served_years"].dropna(),
                bins=np.arange(0, 51, 2),
                alpha=0.5,
                label=str(kind),
            )
    ax.set_xlabel("Years since the controlling offense (time served, upper bound)")
    ax.set_ylabel("People")
    ax.legend(fontsize=7, ncols=2)
    ax.set_title(f"{ctx.county}: time served by sentence type")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------
# 02 score: screens, ranked list, sensitivity, outliers
# --------------------------------------------------------------------------------------------------


def eligibility_table(ctx: CountyContext) -> pd.DataFrame:
    """People by screen outcome."""
    counts = (
        ctx.candidates["eligibility"]
        .value_counts()
        .rename_axis("Outcome")
        .reset_index(name="People")
    )
    if ctx.public:
        counts = suppress(counts, ["People"]).drop(
            columns=["suppressed", "suppression"], errors="ignore"
        )
    return counts


def rule_table(ctx: CountyContext) -> pd.DataFrame:
    """For each rule of the county's screen: people who pass, fail, or cannot be decided."""
    rows = []
    for rule in ctx.config.rules:
        col = f"rule_{rule.id}"
        if col not in ctx.candidates:
            continue
        values = ctx.candidates[col]
        rows.append(
            {
                "Rule": rule.id,
                "Passes": int((values == True).sum()),  # noqa: E712 - NA-aware
                "Fails": int((values == False).sum()),  # noqa: E712
                "Cannot decide": int(values.isna().sum()),
            }
        )
    table = pd.DataFrame(rows)
    if ctx.public and not table.empty:
        table = suppress(table, ["Passes", "Fails", "Cannot decide"], by="Rule")
        table = table.drop(columns=["suppressed", "suppression"], errors="ignore")
    return table


LIST_COLUMNS = [
    "rank",
    "eligibility",
    "R",
    "sentence_type",
    "sentence_years",
    "time_served_years",
    "age",
    "controlling_offense_key",
    "outlier",
    "failed_rules",
]


def ranked_list(
    ctx: CountyContext, k: int | None = None, extra: list[str] | None = None
) -> pd.DataFrame:
    """The county's top-k candidates: pseudonymous IDs in public mode, CDCR numbers in DA mode."""
    k = int(k or ctx.config.top_k)
    cols = LIST_COLUMNS + [c for c in (extra or []) if c in ctx.candidates]
    top = ctx.candidates.nsmallest(k, "rank")
    out = top[[c for c in cols if c in top]].copy()
    if ctx.public:
        out.insert(0, "person", pseudonymise(top["cdcno"], ctx.salt).to_numpy())
    else:
        out.insert(0, "cdcno", top["cdcno"].to_numpy())
        people = ctx.people.set_index("cdcno")
        out.insert(1, "case_number", top["cdcno"].map(people["controlling_case_number"]).to_numpy())
    for col in ("R", "sentence_years", "time_served_years", "age"):
        if col in out:
            out[col] = out[col].astype(float).round(2)
    return out.reset_index(drop=True)


def sensitivity_table(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """How the top-k changes when each weight moves one preset step (overlap@k, Kendall τ)."""
    from helpers.screening.score import sensitivity

    return sensitivity(ctx.candidates, ctx.config, k).round(3)


def outlier_list(ctx: CountyContext) -> pd.DataFrame:
    """The county's extreme outliers, most extreme first, with the reason and mandate status."""
    c = ctx.candidates[ctx.candidates["outlier"]].copy()
    sort_col = "outlier_severity" if "outlier_severity" in c else "R"
    c = c.sort_values(sort_col, ascending=False)
    cols = [
        "outlier_reason",
        "review_required",
        "sentence_type",
        "sentence_years",
        "guideline_ratio",
        "controlling_offense_key",
    ]
    out = c[[col for col in cols if col in c]].copy()
    if ctx.public:
        out.insert(0, "person", pseudonymise(c["cdcno"], ctx.salt).to_numpy())
    else:
        out.insert(0, "cdcno", c["cdcno"].to_numpy())
    return out.reset_index(drop=True).round(2)


def score_figure(ctx: CountyContext):
    """Distribution of R by screen outcome (matplotlib figure)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for outcome, group in ctx.candidates.groupby("eligibility"):
        if len(group) >= SMALL_CELL or not ctx.public:
            ax.hist(group["R"].dropna(), bins=40, alpha=0.55, label=str(outcome))
    ax.set_xlabel("R (lower = better candidate)")
    ax.set_ylabel("People")
    ax.legend(fontsize=8)
    ax.set_title(f"{ctx.county}: ranking score by screen outcome")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------
# 04 bias audit
# --------------------------------------------------------------------------------------------------


def selections(ctx: CountyContext, k: int | None = None) -> dict[str, pd.Series]:
    """The selections the audit compares: screen-eligible, top-k by R, top-k by model (if any)."""
    k = int(k or ctx.config.top_k)
    c = ctx.candidates
    out = {
        "screen eligible": (c["eligibility"] == "eligible"),
        f"top {k} by R": c["rank"] <= k,
    }
    if "model_rank" in c and c["model_rank"].notna().any():
        model_rank = c["model_rank"].rank(method="first")
        out[f"top {k} by model"] = model_rank <= k
    return {
        name: s.fillna(False).astype(bool).set_axis(c["cdcno"].to_numpy())
        for name, s in out.items()
    }


def selection_audit_table(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """Selection rates and disparity ratios by race group for each selection, suppressed in public."""
    from helpers import audit

    people = ctx.people.set_index("cdcno").loc[ctx.candidates["cdcno"]].reset_index()
    frames = []
    for name, selected in selections(ctx, k).items():
        table = audit.selection_audit(
            people,
            selected.to_numpy(),
            groups={"race_group": ["race_group"]},
            n_boot=500,
            seed=ctx.seed,
        )
        table = audit.protect_selection_audit(table, ctx.mode)
        table.insert(0, "selection", name)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------------
# 05 county report: savings and the one-page summary
# --------------------------------------------------------------------------------------------------


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
    """DA mode only: write the county's full candidate list as CSV and XLSX for the office.

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
    with pd.ExcelWriter(xlsx_path, engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name="candidates", index=False)
    return [csv_path, xlsx_path]


# --------------------------------------------------------------------------------------------------
# 03 model: the statewide model, read back for a county
# --------------------------------------------------------------------------------------------------


def model_table(ctx: CountyContext, name: str) -> pd.DataFrame:
    """One of the statewide model's evaluation tables (metrics, comparison, importance, weights, …)."""
    model = ctx.shared.get("model") or {}
    path = Path(model.get("dir", "")) / f"{name}.csv"
    if not model or not path.exists():
        return pd.DataFrame(
            {"note": [f"no {name} table: the statewide model was not trained in this run"]}
        )
    table = pd.read_csv(path)
    numeric = table.select_dtypes("number").columns
    table[numeric] = table[numeric].round(3)
    if ctx.public and name in {"by_group", "inspection"}:
        counts = [
            c
            for c in table.columns
            if c.startswith("n") and pd.api.types.is_integer_dtype(table[c])
        ]
        if counts:
            table = suppress(table, counts).drop(
                columns=["suppressed", "suppression"], errors="ignore"
            )
    return table


def model_setting(ctx: CountyContext) -> pd.DataFrame:
    """The model's setting in words: label, positives, split, parameters, training-data hash."""
    model = ctx.shared.get("model") or {}
    if not model:
        return pd.DataFrame({"note": ["the statewide model was not trained in this run"]})
    meta = json.loads(Path(model["metadata"]).read_text())
    keep = [
        "label",
        "county",
        "n_train",
        "n_test",
        "positives_train",
        "positives_test",
        "positive_rate",
        "threshold",
        "training_data_hash",
        "trained",
        "seconds",
    ]
    rows = [(k, meta[k]) for k in keep if k in meta]
    rows += [(f"parameter {k}", v) for k, v in (meta.get("parameters") or {}).items()]
    return pd.DataFrame(rows, columns=["Item", "Value"]).astype({"Value": "string"})


def model_ranked_list(ctx: CountyContext, k: int = 25) -> pd.DataFrame:
    """The county's top-k by model score, with the features that pushed each score up."""
    if "model_rank" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model scores in this run"]})
    top = ctx.candidates.nsmallest(k, "model_rank")
    cols = ["model_rank", "model_score", "rank", "eligibility", "R", "top_features"]
    out = top[[c for c in cols if c in top]].copy()
    if ctx.public:
        out.insert(0, "person", pseudonymise(top["cdcno"], ctx.salt).to_numpy())
    else:
        out.insert(0, "cdcno", top["cdcno"].to_numpy())
    return out.reset_index(drop=True).round(3)
