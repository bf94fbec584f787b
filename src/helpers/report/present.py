"""How the county reports show things: human column names, rounded numbers, figures with captions.

Every table a notebook shows goes through :func:`format_table` (directly with :func:`show_table`, or
through the display formatter :func:`helpers.report.setup_display` installs): headers come from
:data:`COLUMN_LABELS`, numbers are rounded by kind (counts with thousands separators, shares as
percentages, ratios to two decimals, years to one), infinite values read "life" for sentences and
"n/a" elsewhere, and suppressed cells are empty, explained once per page.  Long lists go to a
downloadable CSV/XLSX with :func:`download_table`; figures get one palette (:data:`PALETTE`,
:func:`set_style`) and a one-line caption (:func:`figure`).
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.provenance import stable_ids

if TYPE_CHECKING:
    from helpers.report.context import CountyContext

COLUMN_LABELS: dict[str, str] = {
    # people and records
    "cdcno": "CDCR number",
    "pseudo_id": "Person (pseudonym)",
    "person": "Person",
    "case_number": "Case number",
    "controlling_case_number": "Case number",
    "county": "County",
    "group": "Group",
    "race_group": "Race/ethnicity",
    "dimension": "Compared by",
    "selection": "Selection",
    "age": "Age (years)",
    "age_group": "Age group",
    "sex": "Sex",
    "offense": "Offense",
    "offense_category": "Offense category",
    "controlling_offense": "Controlling offense",
    "statute": "Statute",
    "sentence_type": "Sentence type",
    "sentence_years": "Sentence (years)",
    "time_served_years": "Time served (years)",
    "years_served": "Time served (years)",
    "admission_date": "Admitted",
    "release_date": "Release date",
    "eligible_on": "Eligible on",
    # screen and score
    "rule": "Rule",
    "rule_type": "Rule type",
    "outcome": "Outcome",
    "eligibility": "Eligibility",
    "passed": "Pass",
    "failed": "Fail",
    "unknown": "Unknown",
    "reason": "Reason",
    "reasons": "Reasons",
    "failed_rules": "Rules failed",
    "unknown_rules": "Rules undecided",
    "passed_rules": "Rules passed",
    "undecided_rules": "Rules undecided (ids)",
    "near_miss": "The one rule failed",
    "unscored_current": "Current offenses without a level",
    "unscored_priors": "Prior offenses without a level",
    "controlling_offense_key": "Controlling offense",
    "outlier": "Extreme outlier",
    "outlier_reason": "Why extreme",
    "review_required": "Review required",
    "guideline_ratio": "Sentence ÷ guideline maximum",
    "step": "Step",
    "from_label": "Weight as set",
    "from_value": "From",
    "to_value": "To",
    "n_near_miss": "Fail only this rule",
    "n_within_1_year": "Eligible within 1 year",
    "n_within_2_years": "Within 2 years",
    "n_within_5_years": "Within 5 years",
    "R": "Score R",
    "score": "Score R",
    "score_status": "Score status",
    "rank": "Rank",
    "weight": "Weight",
    "setting": "Setting",
    "value": "Value",
    "overlap_at_k": "Overlap@k",
    "kendall_tau": "Kendall's τ",
    # counts and shares
    "n": "People",
    "count": "Count",
    "rows": "Rows",
    "n_population": "In prison",
    "n_selected": "Selected",
    "n_not_selected": "Not selected",
    "n_eligible": "Eligible",
    "n_candidates": "Candidates",
    "share": "Share",
    "share_of_population": "Share of prison population",
    "share_of_selected": "Share of selected",
    "selection_rate": "Selection rate",
    "ratio_vs_reference": "Ratio vs reference group",
    "ratio_low": "Ratio, lower bound",
    "ratio_high": "Ratio, upper bound",
    "flag_vs_reference": "Flag",
    "ci_low": "Lower bound (95%)",
    "ci_high": "Upper bound (95%)",
    "p_value": "p-value",
    "q_value": "q-value (adjusted)",
    # model
    "model_rank": "Model rank",
    "model_score": "Model score",
    "probability": "Probability",
    "recall_at_k": "Recall@k",
    "precision_at_k": "Precision@k",
    "auc": "AUC",
    "PR-AUC": "PR-AUC",
    "Fall in PR-AUC when shuffled": "Fall in PR-AUC when shuffled",
    "k": "k (top of list)",
    # bias audit
    "ratio_vs_reference_lo": "Ratio, lower bound (95%)",
    "ratio_vs_reference_hi": "Ratio, upper bound (95%)",
    "selection_rate_lo": "Rate, lower bound (95%)",
    "selection_rate_hi": "Rate, upper bound (95%)",
    "n_true_positive": "Eligible and on the list",
    "recall": "Share of eligible on the list",
    "recall_ratio_vs_reference": "Ratio vs White (on the list)",
    "recall_ratio_vs_reference_lo": "Lower bound (95%)",
    "recall_ratio_vs_reference_hi": "Upper bound (95%)",
    "recall_flag_vs_reference": "Flag",
    "false_negative_rate": "Share of eligible missed",
    "false_omission_rate": "Eligible among those left off",
    "n_pass": "Would pass",
    "n_added": "More than now",
    "age_band": "Age (years)",
    "sentence_band": "Sentence (years)",
    "served_band": "Time served (years)",
    # money
    "scenario": "Scenario",
    "grant_rate": "Share resentenced",
    "cost_basis": "Cost basis",
    "discount_rate": "Discount rate",
    "expected_resentenced": "Expected resentenced",
    "county_part": "To the county ($)",
    "state_part": "To the state ($)",
    "savings": "Savings ($)",
    "projected_savings": "Projected savings ($)",
}
"""Column name → the label a reader sees.  Stage owners add entries for their columns."""

PALETTE: list[str] = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#CC79A7",  # purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]
"""One colour-blind-safe palette (Okabe–Ito) for every figure of every county."""

SUPPRESSION_NOTE = (
    "Empty cells are suppressed: counts of 1 to 10 people, and any number that would reveal them, "
    "are not published."
)
"""The explanation of empty cells, shown once per page under the first table that has them."""

LONG_TEXT = 40
"""Text longer than this (characters) makes a column wide in :func:`table_html`."""

_HELPER_COLUMNS = ("suppressed", "suppression")
_ACRONYMS = {"ci": "CI", "id": "ID", "cdcr": "CDCR", "auc": "AUC", "rja": "RJA", "da": "DA"}
_PAGE = {"explained": False}


def label(name: object) -> str:
    """The human label of a column: :data:`COLUMN_LABELS`, else its name with words spaced."""
    text = str(name)
    if text in COLUMN_LABELS:
        return COLUMN_LABELS[text]
    words = [w for w in text.replace("-", "_").split("_") if w]
    if len(words) > 1 and words[0] == "n":
        words = [*words[1:], "(n)"]
    words = [_ACRONYMS.get(w.lower(), w) for w in words]
    if not words:
        return text
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


def new_page() -> None:
    """Start a page: the next table with suppressed cells explains them again."""
    _PAGE["explained"] = False


def _kind(name: str) -> str:
    """How a numeric column is rounded, from its name."""
    low = name.lower()
    if low == "n" or low.startswith(("n_", "count", "rows")) or low.endswith(("_n", "_count")):
        return "count"
    if low.startswith(("share", "pct", "rate", "recall", "precision", "overlap")) or low.endswith(
        ("_share", "_rate", "_pct")
    ):
        return "percent"
    if "sentence" in low or "years" in low or "served" in low:
        return "years"
    if low.startswith(("p_value", "q_value", "pvalue", "qvalue")):
        return "p"
    if "saving" in low or "cost" in low or low.endswith("_usd"):
        return "money"
    return "number"


def _number(value: float) -> str:
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 10 or value == round(value):
        return f"{value:,.1f}".removesuffix(".0")
    return f"{value:.2f}"


def _format_value(value: Any, kind: str, percent: bool) -> str:
    """One numeric cell as text (``""`` for a missing or suppressed value)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    number = float(value)
    if math.isinf(number):
        return "life" if kind == "years" and number > 0 else "n/a"
    if kind == "count":
        return f"{number:,.0f}"
    if kind == "percent" and percent:
        return f"{number * 100:.1f}%"
    if kind == "years":
        return f"{number:,.1f}"
    if kind == "p":
        return "<0.001" if number < 0.001 else f"{number:.3f}"
    if kind == "money":
        return f"${number:,.0f}"
    return _number(number)


def _format_column(column: pd.Series) -> pd.Series:
    """A column as the reader sees it: numbers rounded by kind, dates as dates, gaps empty."""
    if pd.api.types.is_bool_dtype(column):
        return column.map(lambda v: "" if pd.isna(v) else ("yes" if v else "no"))
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_numeric_dtype(column):
        kind = _kind(str(column.name))
        if pd.api.types.is_integer_dtype(column) and kind == "number":
            kind = "count"
        values = pd.to_numeric(column, errors="coerce").astype("float64")
        finite = values[np.isfinite(values)]
        percent = bool(len(finite)) and bool(finite.between(0, 1).all())
        return column.astype(object).map(lambda v: _format_value(v, kind, percent))
    return column.astype(object).map(lambda v: "" if _missing(v) else v)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def has_suppressed(frame: pd.DataFrame) -> bool:
    """True when some cell of ``frame`` was suppressed by :func:`helpers.privacy.suppress`."""
    if frame.attrs.get("suppressed"):
        return True
    if "suppressed" in frame and frame["suppressed"].fillna(False).astype(bool).any():
        return True
    return "suppression" in frame and frame["suppression"].fillna("").astype(str).ne("").any()


def format_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell of ``frame`` as the reader sees it (text), column names unchanged."""
    out = pd.DataFrame(
        {i: _format_column(frame.iloc[:, i]) for i in range(frame.shape[1])}, index=frame.index
    )
    out.columns = frame.columns
    return out


def format_table(
    frame: pd.DataFrame, labels: Mapping[str, str] | None = None, max_rows: int | None = None
) -> pd.DataFrame:
    """``frame`` as text cells with human headers (first ``max_rows`` rows), ready to show."""
    shown = frame.drop(columns=[c for c in _HELPER_COLUMNS if c in frame])
    if max_rows is not None:
        shown = shown.head(max_rows)
    names = {**COLUMN_LABELS, **(labels or {})}
    out = format_values(shown)
    out.columns = [names.get(str(c), label(c)) for c in shown.columns]
    if not isinstance(out.index, pd.RangeIndex):
        out.index = out.index.set_names(
            [None if n is None else names.get(str(n), label(n)) for n in out.index.names]
        )
    return out


def table_html(
    frame: pd.DataFrame,
    *,
    caption: str | None = None,
    max_rows: int = 15,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The HTML of a table as the reports show it (see :func:`show_table`)."""
    shown = format_table(frame, labels, max_rows)
    # Columns of long text (reasons) get room to wrap in lines rather than in letters.
    wide = {
        c: "18rem"
        for c in shown.columns
        if len(shown) and shown[c].astype(str).str.len().max() > LONG_TEXT
    }
    body = shown.to_html(
        index=not isinstance(frame.index, pd.RangeIndex),
        border=0,
        escape=True,
        na_rep="",
        col_space=wide or None,
    )
    parts = ['<div class="sl-table">']
    if caption:
        parts.append(f'<p class="sl-caption"><strong>{html.escape(caption)}</strong></p>')
    parts.append(body)
    notes = []
    if len(frame) > max_rows:
        notes.append(f"First {max_rows:,} of {len(frame):,} rows.")
    if has_suppressed(frame) and not _PAGE["explained"]:
        notes.append(SUPPRESSION_NOTE)
        _PAGE["explained"] = True
    if notes:
        parts.append(f'<p class="sl-note"><em>{html.escape(" ".join(notes))}</em></p>')
    parts.append("</div>")
    return "".join(parts)


class Html:
    """A piece of HTML a notebook displays (``_repr_html_``); ``str()`` gives the HTML."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def show_table(
    frame: pd.DataFrame,
    *,
    caption: str | None = None,
    max_rows: int = 15,
    labels: Mapping[str, str] | None = None,
) -> Html:
    """A table for the page: human headers, rounding by kind, ``inf`` as "n/a" ("life" for
    sentences), suppressed cells empty (explained once), the first ``max_rows`` rows with a note."""
    return Html(table_html(frame, caption=caption, max_rows=max_rows, labels=labels))


def notebook_dir(ctx: CountyContext) -> Path:
    """The folder of the county's executed notebooks, where its downloadable files go."""
    from helpers.counties import slug
    from helpers.pipeline.kernel import NOTEBOOK_DIR_VARIABLE
    from helpers.pipeline.layout import DA_ROOT, PUBLIC_ROOT

    env = os.environ.get(NOTEBOOK_DIR_VARIABLE)
    if env:
        return Path(env)

    return (PUBLIC_ROOT if ctx.public else DA_ROOT) / slug(ctx.county)


def _write_files(frame: pd.DataFrame, base: Path) -> list[Path]:
    """``frame`` as ``base.csv`` and ``base.xlsx`` through the project's formula-safe writer."""
    from helpers.spreadsheets import write_csv, write_xlsx

    base.parent.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = base.with_suffix(".csv"), base.with_suffix(".xlsx")
    write_csv(frame, csv_path)
    write_xlsx({base.name[:31]: frame}, xlsx_path)
    return [csv_path, xlsx_path]


def download_table(
    ctx: CountyContext,
    frame: pd.DataFrame,
    name: str,
    *,
    top: int = 10,
    caption: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Html:
    """Write ``frame`` in full as ``<name>.csv`` and ``<name>.xlsx`` beside the county's notebooks
    and show its first ``top`` rows with links to both files."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"download name must be a plain file name, not {name!r}")
    csv_path, xlsx_path = _write_files(frame, notebook_dir(ctx) / name)
    shown = table_html(frame, caption=caption, max_rows=top, labels=labels)
    rows = f"{len(frame):,} row{'s' if len(frame) != 1 else ''}"
    links = (
        f'<p class="sl-download">Full table ({rows}): '
        f'<a href="{csv_path.name}" download>{csv_path.name}</a> · '
        f'<a href="{xlsx_path.name}" download>{xlsx_path.name}</a></p>'
    )
    return Html(shown + links)


def set_style() -> None:
    """The one figure style of the reports: seaborn's white grid, :data:`PALETTE`, readable sizes."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "secondlook",
        }
    )


def figure_png(fig: Any) -> bytes:
    """A figure as PNG bytes (no timestamp or software metadata: identical on rerun)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def figure(ax_or_fig: Any, caption: str) -> Html:
    """A figure with its one-line caption (what to see) underneath, as an embedded image.

    The matplotlib figure is closed, so the notebook shows it once, with the caption.
    """
    import matplotlib.pyplot as plt

    fig = ax_or_fig
    if not hasattr(fig, "savefig"):  # an Axes (or a seaborn grid): its figure
        fig = fig.get_figure() if hasattr(fig, "get_figure") else fig.figure
    data = base64.b64encode(figure_png(fig)).decode("ascii")
    plt.close(fig)
    text = html.escape(caption)
    return Html(
        f'<figure class="sl-figure"><img src="data:image/png;base64,{data}" alt="{text}" '
        f'style="max-width:100%"/><figcaption>{text}</figcaption></figure>'
    )


def county_map(ctx: CountyContext, height: int = 320) -> Any:
    """A small folium map of the county (no tiles: it opens offline) with its counts on hover."""
    import folium

    from helpers.data import reference

    geo = reference.county_geojson()
    shape = [f for f in geo["features"] if f["properties"]["county"] == ctx.county]
    outcome = ctx.candidates["eligibility"].astype("string")
    counts = {
        "People in prison": len(ctx.candidates),
        "Pass the screen": outcome.eq("eligible").sum(),
    }
    shown = {k: _published(ctx, int(v)) for k, v in counts.items()}
    for feature in shape:
        feature["properties"] = {**feature["properties"], **shown}
    fmap = folium.Map(tiles=None, width="100%", height=height, zoom_control=False)
    fmap.default_js = [js for js in folium.Map.default_js if js[0] == "leaflet"]
    fmap.default_css = [css for css in folium.Map.default_css if css[0] == "leaflet_css"]
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": shape},
        style_function=lambda _f: {"fillColor": PALETTE[0], "color": "#333", "weight": 1.5},
        tooltip=folium.GeoJsonTooltip(fields=["county", *shown], aliases=["County", *shown]),
    ).add_to(fmap)
    if shape:
        fmap.fit_bounds(layer.get_bounds())
    return stable_ids(fmap)


def _published(ctx: CountyContext, n: int) -> str:
    """A count as the page may show it: "suppressed (1 to 10)" in public mode for small ones."""
    from helpers.privacy import SMALL_CELL

    return "suppressed (1 to 10)" if ctx.public and 0 < n < SMALL_CELL else f"{n:,}"
