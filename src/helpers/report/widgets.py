"""Interactive controls of the score and audit notebooks (ipywidgets).

In JupyterLab every control recomputes live.  On the static site there is no kernel: the controls
that only switch between results computed in advance (factor presets, group and selection
pickers) still work, because they are linked in the browser (``jslink``) to a stack of those
results saved with the page; controls that need Python (the a, b, d sliders) say so and point to
the site's weights playground, which recomputes in JavaScript.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from helpers.privacy import pseudonymise
from helpers.report import present
from helpers.report.context import CountyContext

FACTOR_PRESETS = (
    "as configured",
    "no factors (offenses only)",
    "mitigating factors only",
    "aggravating factors only",
    "factors doubled",
)
"""The factor presets of :func:`weights_explorer` (the weights x_i of R's factor terms)."""

TOP_COLUMNS = ["rank", "R", "eligibility", "controlling_offense_key", "time_served_years", "age"]
NEEDS_KERNEL = (
    "Moving a, b or d recomputes R in a running notebook (JupyterLab). On the website there is no "
    "Python behind the page: the factor presets above switch between lists computed in advance, "
    "and the weights playground recomputes the ranking in your browser."
)


_SEED_USES: Counter[str] = Counter()


@contextmanager
def stable_widget_ids(seed: str) -> Iterator[None]:
    """Widget model ids drawn from ``seed`` instead of at random, so that a notebook's saved widget
    state is byte-identical on rerun (the comm layer names each widget with ``uuid.uuid4``).

    A seed used again in the same process continues from a new stream, so two live widgets never
    share an id."""
    counter = itertools.count()
    original = uuid.uuid4
    stream = f"{seed}:{_SEED_USES[seed]}"
    _SEED_USES[seed] += 1

    def seeded() -> uuid.UUID:
        digest = hashlib.sha256(f"{stream}:{next(counter)}".encode()).digest()
        return uuid.UUID(bytes=digest[:16], version=4)

    uuid.uuid4 = seeded
    try:
        yield
    finally:
        uuid.uuid4 = original


def _stable(build: Callable[..., Any]) -> Callable[..., Any]:
    """Run a widget builder under :func:`stable_widget_ids` seeded by its name and the county."""

    @functools.wraps(build)
    def wrapper(ctx: CountyContext, *args: Any, **kwargs: Any) -> Any:
        county, mode = getattr(ctx, "county", ""), getattr(ctx, "mode", "")
        with stable_widget_ids(f"{build.__name__}:{county}:{mode}"):
            return build(ctx, *args, **kwargs)

    return wrapper


def preset_factors(factors: dict[str, float], preset: str) -> dict[str, float]:
    """The factor weights x_i under a preset of :data:`FACTOR_PRESETS` (signs kept)."""
    if preset == "as configured":
        return dict(factors)
    if preset == "no factors (offenses only)":
        return dict.fromkeys(factors, 0.0)
    if preset == "mitigating factors only":
        return {k: (v if v < 0 else 0.0) for k, v in factors.items()}
    if preset == "aggravating factors only":
        return {k: (v if v > 0 else 0.0) for k, v in factors.items()}
    if preset == "factors doubled":
        return {k: 2 * v for k, v in factors.items()}
    raise ValueError(f"unknown factor preset {preset!r} (one of: {', '.join(FACTOR_PRESETS)})")


def _prior_sums(ctx: CountyContext, d: float) -> np.ndarray:
    """Σ level(prior)·d^years per candidate for a decay ``d`` (the stored sums when unchanged)."""
    c = ctx.candidates
    if d == ctx.config.score.d:
        return c["prior_sum"].to_numpy(dtype="float64", na_value=0.0)
    from helpers.screening.score import offense_sums

    settings = replace(ctx.config.score, d=d)
    tables = {"people": ctx.people, "offenses": ctx.offenses}
    sums = offense_sums(tables, settings, ctx.as_of)
    by_id = pd.Series(sums["prior_sum"].to_numpy(), index=ctx.people["cdcno"].to_numpy())
    return c["cdcno"].map(by_id).to_numpy(dtype="float64", na_value=0.0)


def rescore(
    ctx: CountyContext, a: float, b: float, d: float, factors: dict[str, float]
) -> pd.DataFrame:
    """The county's candidates re-ranked with weights a, b, d and factor weights ``factors``."""
    from helpers.screening.score import rank_order

    c = ctx.candidates.copy()
    y = np.column_stack(
        [c[f"factor_{k}"].to_numpy(dtype="float64", na_value=0.0) for k in factors]
        or [np.zeros(len(c))]
    )
    x = np.array(list(factors.values()) or [0.0])
    current = c["current_sum"].to_numpy(dtype="float64", na_value=0.0)
    r = a * current + b * _prior_sums(ctx, d) + y @ x
    r = np.where(c["score_status"].astype("string").eq("cannot_score"), np.nan, r)
    c["R"] = np.round(r, 6)
    order = rank_order(c, c["R"].to_numpy(dtype="float64"))
    c = c.iloc[order].reset_index(drop=True)
    c["rank"] = np.arange(1, len(c) + 1)
    return c


def _top_html(ctx: CountyContext, ranked: pd.DataFrame, k: int, caption: str) -> str:
    top = ranked.head(k)
    out = top[[col for col in TOP_COLUMNS if col in top]].copy()
    if ctx.public:
        out.insert(0, "person", pseudonymise(top["cdcno"], ctx.salt).to_numpy())
    else:
        out.insert(0, "cdcno", top["cdcno"].to_numpy())
    return present.table_html(out, caption=caption, max_rows=k)


@_stable
def weights_explorer(ctx: CountyContext, k: int = 5) -> Any:
    """Weights a, b, d and factor presets for R, with the county's top ``k`` under them.

    The preset picker switches between lists computed in advance (works on the static site); the
    sliders recompute live in a running kernel.
    """
    import ipywidgets as w

    s = ctx.config.score
    stack = w.Stack(
        [
            w.HTML(_top_html(ctx, rescore(ctx, s.a, s.b, s.d, preset_factors(s.factors, p)), k, p))
            for p in FACTOR_PRESETS
        ],
        selected_index=0,
    )
    preset = w.Dropdown(options=list(FACTOR_PRESETS), index=0, description="Factors")
    w.jslink((preset, "index"), (stack, "selected_index"))
    style = {"description_width": "initial"}
    sliders = {
        "a": w.FloatSlider(
            value=s.a, min=0, max=2, step=0.05, description="a (current)", style=style
        ),
        "b": w.FloatSlider(
            value=s.b, min=0, max=2, step=0.05, description="b (priors)", style=style
        ),
        "d": w.FloatSlider(
            value=s.d, min=0.5, max=1, step=0.01, description="d (decay)", style=style
        ),
    }
    live = w.HTML(f"<p><em>{NEEDS_KERNEL}</em></p>")

    def update(_change: Any = None) -> None:
        values = {n: float(sl.value) for n, sl in sliders.items()}
        factors = preset_factors(s.factors, preset.value)
        ranked = rescore(ctx, values["a"], values["b"], values["d"], factors)
        caption = f"a = {values['a']:g}, b = {values['b']:g}, d = {values['d']:g}, {preset.value}"
        live.value = _top_html(ctx, ranked, k, caption)

    for control in (*sliders.values(), preset):
        control.observe(update, names="value")
    return w.VBox(
        [
            w.HTML(f"<b>Top {k} under a factor preset</b> (a = {s.a:g}, b = {s.b:g}, d = {s.d:g})"),
            preset,
            stack,
            w.HTML("<b>Your own weights</b>"),
            w.HBox(list(sliders.values())),
            live,
        ]
    )


def _group_sentence(get: pd.Series) -> str:
    """One group under one selection, in words (``get``: its cells as shown)."""

    def cell(name: str) -> str:
        value = str(get.get(name, "") or "")
        return value or "suppressed"

    parts = [
        f"<b>{cell('group')}</b>: {cell('n_selected')} selected of {cell('n_population')} in prison",
        f"{cell('share_of_selected')} of those selected against {cell('share_of_population')} of "
        "the county's prison population",
    ]
    if str(get.get("ratio_vs_reference", "") or ""):
        parts.append(f"ratio to the reference group {cell('ratio_vs_reference')}")
    return "<p>" + "; ".join(parts) + ".</p>"


@_stable
def audit_pickers(ctx: CountyContext, table: pd.DataFrame | None = None) -> Any:
    """Selection and group pickers over the county's selection audit (computed in advance, so the
    pickers also work on the static site)."""
    import ipywidgets as w

    if table is None:
        from helpers.report.audit import selection_audit_table

        table = selection_audit_table(ctx)  # computed once per context, shared with the page
    if "dimension" in table:
        table = table[table["dimension"].astype(str) == "race_group"]
    selections = list(dict.fromkeys(table["selection"].astype(str)))
    groups = list(dict.fromkeys(table["group"].astype(str)))
    group_pick = w.Dropdown(options=groups, index=0, description="Group")
    stacks = []
    for name in selections:
        part = present.format_values(table[table["selection"].astype(str) == name])
        part = part.drop_duplicates("group")
        part.index = part["group"].astype(str)
        pages = [
            w.HTML(
                _group_sentence(part.loc[g]) if g in part.index else "<p>Not in this selection.</p>"
            )
            for g in groups
        ]
        inner = w.Stack(pages, selected_index=0)
        w.jslink((group_pick, "index"), (inner, "selected_index"))
        stacks.append(inner)
    outer = w.Stack(stacks, selected_index=0)
    selection_pick = w.Dropdown(options=selections, index=0, description="Selection")
    w.jslink((selection_pick, "index"), (outer, "selected_index"))
    return w.VBox([w.HBox([selection_pick, group_pick]), outer])
