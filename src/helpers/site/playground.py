"""The weights playground: a public page where a reader moves the weights of R and sees the ranking
change in the browser (Vega-Lite, no kernel, no network), on pseudonymised, coarsened data.

    R = a·Σ_{c∈C} f(c) + b·Σ_{p∈P} f(p)·d^{t_p} + Σ_i x_i·y_i          (lower R = better candidate)

:func:`playground_data` turns the screened-in people into a *long* table, one row per term of R:

* ``pid`` — salted pseudonym (:func:`helpers.privacy.pseudonymise`), never the CDCR number;
* ``term`` — ``"current"`` (one row: the person's Σf(current) as :func:`helpers.screening.score.offense_sums`
  computes it, controlling-offense fallback included), ``"prior"`` (one row per prior that has a
  level) or ``"factor"`` (one row per factor with y > 0; a factor with y = 0 adds nothing whatever
  its weight, so its row is left out to keep the page small);
* ``factor`` — the factor's name on factor rows, else ``""``;
* ``f`` — offense level (Σ for the current row), ``t`` — years since the prior, rounded to 0.1 (0 on
  other rows), ``y`` — the factor's value in [0, 1], rounded to 3 decimals (0 on other rows).

Nothing else leaves: no county, dates, offense codes, demographics or row order (rows are sorted by
pseudonym).  Rounding ``t`` and ``y`` coarsens what could single someone out; the price is that the
playground's R can differ from the pipeline's R by at most :func:`rounding_bound` (a few hundredths
at most, usually far less) — the tests check both the exact agreement of the browser with
:func:`helpers.screening.score.r_score` on the rounded rows and the closeness to the unrounded pipeline.

:func:`playground_spec` builds the Vega-Lite spec: sliders ``a``, ``b``, ``d``, one select
``x_<factor>`` per factor with the words of :data:`helpers.screening.config.WEIGHT_PRESETS` (x = the factor's
direction × the word's number, as in :func:`helpers.screening.config.weight_value`), the R of every person
recomputed in the browser, the top :data:`TOP_N` as bars and a small chart of how the top
:data:`TOP_N` changed from the configuration's weights.

Reading the browser's numbers (tests): the spec's top-level ``usermeta["secondlook"]`` holds
``ranked_data``, the name of the Vega data set (``view.data(name)``) with one row per person and the
fields ``pid, R, R_current, R_prior, R_factor, rank, R0, rank0, top, top0, change``.  The name is
found by compiling the spec with ``vl_convert.vegalite_to_vega`` (the Vega-Lite compiler in the page's
bundle is the same one) and picking the data set whose transforms compute ``change``; see
:func:`ranked_data_name`.  With this spec it is ``data_0`` (the top-level transforms; the input rows
are the data set ``playground``).

In the browser R is rounded to 6 decimals before ranking (``rank``: R ascending, ties by ``pid``), so
floating-point noise from a different summation order cannot reorder tied people;
:func:`playground_r` and :func:`playground_ranking` are the Python twins.  ``R0``/``rank0`` use the
configuration's exact weights (fixed numbers in the transforms).  A factor weight written as a number
that is not a preset word starts its select at the nearest word (with a warning), so the page's
starting R then differs from ``R0`` for that factor.
"""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.pipeline.manifest import RunManifest
from helpers.privacy import pseudonymise
from helpers.screening.config import (
    FACTOR_DIRECTIONS,
    WEIGHT_PRESETS,
    CountyConfig,
    ScoreSettings,
    load_config,
)
from helpers.screening.score import FACTORS, add_person_positions, offense_row_levels, score

DATA_NAME = "playground"
TOP_N = 25
T_DECIMALS = 1
Y_DECIMALS = 3
R_DECIMALS = 6
DEFAULT_SEED = 20260501
COLUMNS = ["pid", "term", "factor", "f", "t", "y"]
TERMS = ("current", "prior", "factor")
CHANGE_LABELS = ("stayed in", "entered", "left")
SLIDERS = {"a": (0.0, 2.0, 0.05), "b": (0.0, 2.0, 0.05), "d": (0.5, 1.0, 0.01)}


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------


def _prior_years(offenses: pd.DataFrame, as_of: date | str | pd.Timestamp) -> np.ndarray:
    """t of every offense row, exactly as :func:`helpers.screening.score.offense_sums` computes it for priors."""
    when = offenses["offense_end_date"].fillna(offenses["offense_begin_date"])
    if "release_date" in offenses:
        when = when.fillna(offenses["release_date"])
    t = ((pd.Timestamp(as_of) - pd.to_datetime(when)).dt.days / 365.25).to_numpy(
        dtype="float64", na_value=np.nan
    )
    return np.clip(np.nan_to_num(t, nan=0.0), 0, None)


def _chosen_people(eligible: np.ndarray, max_people: int, seed: int) -> np.ndarray:
    """Positions of the people shown: every eligible one, or a seeded sample of ``max_people``."""
    chosen = np.flatnonzero(eligible)
    if len(chosen) > max_people:
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(chosen, size=max_people, replace=False))
    return chosen


def _current_rows(pids: np.ndarray, scored: pd.DataFrame, chosen: np.ndarray) -> pd.DataFrame:
    """One ``current`` row per person: Σf(current) as the pipeline's score computes it."""
    return pd.DataFrame(
        {
            "pid": pids[chosen],
            "term": "current",
            "factor": "",
            "f": scored["current_sum"].to_numpy(dtype="float64")[chosen],
            "t": 0.0,
            "y": 0.0,
        }
    )


def _prior_rows(
    rows: pd.DataFrame,
    offenses: pd.DataFrame,
    as_of: date | str | pd.Timestamp,
    pids: np.ndarray,
    shown: np.ndarray,
) -> pd.DataFrame:
    """One ``prior`` row per prior with a level of a shown person, ``t`` rounded."""
    if not len(rows):
        return pd.DataFrame(columns=COLUMNS)
    where = rows["person_pos"].to_numpy(dtype=np.int64)
    level = rows["level"].to_numpy(dtype="float64")
    is_prior = (rows["role"] != "current").to_numpy(dtype=bool)
    keep = (where >= 0) & is_prior & ~np.isnan(level)
    keep[keep] = shown[where[keep]]
    t = np.round(_prior_years(offenses, as_of)[keep], T_DECIMALS)
    return pd.DataFrame(
        {
            "pid": pids[where[keep]],
            "term": "prior",
            "factor": "",
            "f": level[keep],
            "t": t,
            "y": 0.0,
        }
    )


def _factor_rows(pids: np.ndarray, scored: pd.DataFrame, chosen: np.ndarray) -> pd.DataFrame:
    """One ``factor`` row per factor with y > 0 of a shown person, ``y`` rounded."""
    y = np.round(
        scored[[f"factor_{k}" for k in FACTORS]].to_numpy(dtype="float64")[chosen], Y_DECIMALS
    )
    person, which = np.nonzero(y > 0)
    return pd.DataFrame(
        {
            "pid": pids[chosen][person],
            "term": "factor",
            "factor": np.asarray(FACTORS, dtype=object)[which],
            "f": 0.0,
            "t": 0.0,
            "y": y[person, which],
        }
    )


def _long_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows as one table with the published types, sorted by pid, term, factor, f and t."""
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    out = out[COLUMNS].astype(
        {"pid": "string", "term": "string", "factor": "string", "f": "float64"}
    )
    out["t"] = out["t"].astype("float64")
    out["y"] = out["y"].astype("float64")
    term_order = out["term"].map({k: i for i, k in enumerate(TERMS)})
    return (
        out.assign(_term=term_order)
        .sort_values(["pid", "_term", "factor", "f", "t"], kind="mergesort")
        .drop(columns="_term")
        .reset_index(drop=True)
    )


def playground_data(
    tables: dict[str, pd.DataFrame],
    config: CountyConfig,
    as_of: date | str | pd.Timestamp,
    *,
    salt: str | bytes,
    max_people: int = 400,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """The long, public-safe table of R's terms for the people that pass ``config``'s screen.

    One row per term per person (see the module docstring for the columns).  When more than
    ``max_people`` are eligible a sample of ``max_people`` is drawn with ``seed`` (same tables, config,
    seed and salt → same table).  Rows are sorted by ``pid``, then term, factor, f and t.
    """
    from helpers.screening.screens import screen

    if max_people < 1:
        raise ValueError("max_people must be at least 1")
    tables = add_person_positions(tables)
    people = tables["people"]
    screened = screen(tables, config)
    rows = offense_row_levels(tables, config.score)
    scored = score(tables, config, as_of, rows=rows)
    eligible = (screened["eligibility"] == "eligible").to_numpy(dtype=bool)
    chosen = _chosen_people(eligible, max_people, seed)
    pids = np.full(len(people), None, dtype=object)  # the pseudonym of each shown person
    pids[chosen] = pseudonymise(people["cdcno"].iloc[chosen], salt).to_numpy(dtype=object)
    shown = np.zeros(len(people), dtype=bool)
    shown[chosen] = True
    offenses = tables.get("offenses", pd.DataFrame())
    return _long_table(
        [
            _current_rows(pids, scored, chosen),
            _prior_rows(rows, offenses, as_of, pids, shown),
            _factor_rows(pids, scored, chosen),
        ]
    )


# --------------------------------------------------------------------------------------------------
# Python reference (what the browser must reproduce)
# --------------------------------------------------------------------------------------------------


def factor_weights(words: dict[str, str]) -> dict[str, float]:
    """x_i from weight words: the factor's direction × the word's number."""
    return {k: FACTOR_DIRECTIONS[k] * WEIGHT_PRESETS[w] for k, w in words.items()}


def playground_r(
    data: pd.DataFrame, a: float, b: float, d: float, factors: dict[str, float]
) -> pd.Series:
    """R per ``pid`` from the long table (vectorised ``helpers.screening.score.r_score``), rounded to 6 dp."""
    term = data["term"].to_numpy(dtype=object)
    f = data["f"].to_numpy(dtype="float64")
    t = data["t"].to_numpy(dtype="float64")
    y = data["y"].to_numpy(dtype="float64")
    x = data["factor"].map(factors).astype("float64").fillna(0.0).to_numpy()
    contrib = np.where(
        term == "current", a * f, np.where(term == "prior", b * f * np.power(d, t), x * y)
    )
    r = pd.Series(contrib).groupby(data["pid"].to_numpy(), sort=True).sum()
    return r.round(R_DECIMALS).rename("R")


def playground_ranking(r: pd.Series) -> list[str]:
    """Pseudonyms in rank order: R ascending (as rounded), ties by pid — as the page ranks them."""
    frame = pd.DataFrame({"pid": r.index.astype(str), "R": r.to_numpy()})
    return frame.sort_values(["R", "pid"], kind="mergesort")["pid"].tolist()


def rounding_bound(data: pd.DataFrame, b: float, d: float, factors: dict[str, float]) -> pd.Series:
    """Largest |R(rounded t, y) − R(exact t, y)| per pid the rounding of ``t`` and ``y`` allows."""
    term = data["term"].to_numpy(dtype=object)
    f = data["f"].to_numpy(dtype="float64")
    t = data["t"].to_numpy(dtype="float64")
    half_t = 0.5 * 10.0**-T_DECIMALS
    # d^t is monotone in t, so the worst case over |Δt| ≤ half_t is at an end of the interval.
    decay = np.maximum(
        np.abs(np.power(d, np.maximum(t - half_t, 0.0)) - np.power(d, t)),
        np.abs(np.power(d, t + half_t) - np.power(d, t)),
    )
    x = data["factor"].map(factors).astype("float64").fillna(0.0).to_numpy()
    err = np.where(
        term == "prior",
        b * f * decay,
        np.where(term == "factor", np.abs(x) * 0.5 * 10.0**-Y_DECIMALS, 0.0),
    )
    out = pd.Series(err).groupby(data["pid"].to_numpy(), sort=True).sum()
    # factor rows rounded to 0 are not in the table: allow their rounding on every factor.
    tiny = 0.5 * 10.0**-Y_DECIMALS * sum(abs(v) for v in factors.values())
    return out + tiny + 10.0**-R_DECIMALS


# --------------------------------------------------------------------------------------------------
# Vega-Lite spec
# --------------------------------------------------------------------------------------------------


def weight_word(value: float, direction: int, label: str | None = None) -> str:
    """The weight word a select starts at: the word as written, else the nearest word's x."""
    if label is not None:
        word = " ".join(str(label).upper().replace("_", " ").split())
        if word in WEIGHT_PRESETS:
            return word
    words = list(WEIGHT_PRESETS)
    xs = np.array([direction * WEIGHT_PRESETS[w] for w in words])
    word = words[int(np.argmin(np.abs(xs - value)))]
    if abs(direction * WEIGHT_PRESETS[word] - value) > 1e-12:
        warnings.warn(
            f"weight {value} is not a preset word: the playground starts at the nearest, {word}",
            stacklevel=3,
        )
    return word


def _word_number(param: str) -> str:
    """Vega expression: the number of the weight word held by ``param``."""
    expr = "0"
    for word, value in reversed(list(WEIGHT_PRESETS.items())):
        expr = f"({param} === {word!r} ? {value!r} : {expr})"
    return expr


def _factor_x(xs: dict[str, str]) -> str:
    """Vega expression: x of the row's factor (``xs`` maps factor → expression)."""
    expr = "0"
    for name, x in reversed(list(xs.items())):
        expr = f"(datum.factor === {name!r} ? {x} : {expr})"
    return expr


def _contribution(a: str, b: str, d: str, x: str) -> str:
    return (
        f"datum.term === 'current' ? ({a}) * datum.f : "
        f"datum.term === 'prior' ? ({b}) * datum.f * pow({d}, datum.t) : ({x}) * datum.y"
    )


def _round(field: str) -> str:
    scale = 10**R_DECIMALS
    return f"round(datum.{field} * {scale}) / {scale}"


def _weight_params(score: ScoreSettings, words: dict[str, str]) -> list[dict[str, Any]]:
    """The inputs: a slider for ``a``, ``b`` and ``d``, a select of weight words per factor."""
    params: list[dict[str, Any]] = []
    for name, (lo, hi, step) in SLIDERS.items():
        value = float(getattr(score, name))
        params.append(
            {
                "name": name,
                "value": value,
                "bind": {"input": "range", "min": lo, "max": hi, "step": step, "name": f"{name} "},
            }
        )
    for k in FACTORS:
        kind = "mitigating" if FACTOR_DIRECTIONS[k] < 0 else "aggravating"
        params.append(
            {
                "name": f"x_{k}",
                "value": words[k],
                "bind": {
                    "input": "select",
                    "options": list(WEIGHT_PRESETS),
                    "name": f"{k.replace('_', ' ')} ({kind}) ",
                },
            }
        )
    return params


def _ranking_transform(score: ScoreSettings, n: int) -> list[dict[str, Any]]:
    """R of every person with the page's and the configuration's weights, both ranks, the change."""
    x_now = {k: f"{FACTOR_DIRECTIONS[k]} * {_word_number('x_' + k)}" for k in FACTORS}
    x_default = {k: repr(float(score.factors[k])) for k in FACTORS}
    contrib = _contribution("a", "b", "d", _factor_x(x_now))
    contrib0 = _contribution(repr(score.a), repr(score.b), repr(score.d), _factor_x(x_default))
    return [
        {"calculate": contrib, "as": "c"},
        {"calculate": contrib0, "as": "c0"},
        {"calculate": "datum.term === 'current' ? datum.c : 0", "as": "c_current"},
        {"calculate": "datum.term === 'prior' ? datum.c : 0", "as": "c_prior"},
        {"calculate": "datum.term === 'factor' ? datum.c : 0", "as": "c_factor"},
        {
            "aggregate": [
                {"op": "sum", "field": "c", "as": "R_sum"},
                {"op": "sum", "field": "c0", "as": "R0_sum"},
                {"op": "sum", "field": "c_current", "as": "R_current"},
                {"op": "sum", "field": "c_prior", "as": "R_prior"},
                {"op": "sum", "field": "c_factor", "as": "R_factor"},
            ],
            "groupby": ["pid"],
        },
        {"calculate": _round("R_sum"), "as": "R"},
        {"calculate": _round("R0_sum"), "as": "R0"},
        {
            "window": [{"op": "row_number", "as": "rank"}],
            "sort": [{"field": "R", "order": "ascending"}, {"field": "pid", "order": "ascending"}],
        },
        {
            "window": [{"op": "row_number", "as": "rank0"}],
            "sort": [{"field": "R0", "order": "ascending"}, {"field": "pid", "order": "ascending"}],
        },
        {"calculate": f"datum.rank <= {n}", "as": "top"},
        {"calculate": f"datum.rank0 <= {n}", "as": "top0"},
        {
            "calculate": (
                f"datum.top && datum.top0 ? {CHANGE_LABELS[0]!r} : "
                f"datum.top ? {CHANGE_LABELS[1]!r} : datum.top0 ? {CHANGE_LABELS[2]!r} : ''"
            ),
            "as": "change",
        },
    ]


def _change_color(n: int) -> dict[str, Any]:
    """One colour scale for both charts (same definition, so Vega-Lite merges it without warnings)."""
    return {
        "field": "change",
        "type": "nominal",
        "scale": {"domain": list(CHANGE_LABELS), "range": ["#4c78a8", "#54a24b", "#e45756"]},
        "legend": {"title": f"top {n} vs the county's weights", "orient": "bottom"},
    }


def _top_bars(n: int) -> dict[str, Any]:
    """Bar chart of the top ``n`` by R, with each person's terms in the tooltip."""
    tooltip = [
        {"field": "rank", "type": "quantitative", "title": "rank"},
        {"field": "pid", "type": "nominal", "title": "pseudonym"},
        {"field": "R", "type": "quantitative", "format": ".3f"},
        {"field": "R_current", "type": "quantitative", "format": ".3f", "title": "a·Σf(current)"},
        {"field": "R_prior", "type": "quantitative", "format": ".3f", "title": "b·Σf(prior)·d^t"},
        {"field": "R_factor", "type": "quantitative", "format": ".3f", "title": "Σ x·y"},
        {"field": "rank0", "type": "quantitative", "title": "rank with the county's weights"},
    ]
    return {
        "title": f"Top {n} by R (lower R = reviewed first)",
        "transform": [{"filter": f"datum.rank <= {n}"}],
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {
                "field": "pid",
                "type": "nominal",
                "sort": {"field": "rank", "op": "min", "order": "ascending"},
                "title": "person (pseudonym)",
            },
            "x": {"field": "R", "type": "quantitative", "title": "R"},
            "color": _change_color(n),
            "tooltip": tooltip,
        },
        "width": 360,
        "height": {"step": 14},
    }


def _change_chart(n: int) -> dict[str, Any]:
    """How many people stayed in, entered or left the top ``n`` against the configuration's weights."""
    return {
        "title": f"Top {n} compared with the county's weights",
        "transform": [{"filter": "datum.change !== ''"}],
        "layer": [
            {"mark": {"type": "bar", "tooltip": True}, "encoding": {"color": _change_color(n)}},
            {
                "mark": {"type": "text", "dy": -7},
                "encoding": {"text": {"aggregate": "count", "type": "quantitative"}},
            },
        ],
        "encoding": {
            "x": {
                "field": "change",
                "type": "nominal",
                "scale": {"domain": list(CHANGE_LABELS)},
                "sort": list(CHANGE_LABELS),
                "title": None,
                "axis": {"labelAngle": 0},
            },
            "y": {"aggregate": "count", "type": "quantitative", "title": "people"},
        },
        "width": 200,
        "height": 160,
    }


def playground_spec(data: pd.DataFrame, config: CountyConfig, *, top_n: int = TOP_N) -> dict:
    """The Vega-Lite spec of the playground (a dict; data inlined as the data set ``playground``)."""
    s = config.score
    words = {k: weight_word(s.factors[k], FACTOR_DIRECTIONS[k], s.labels.get(k)) for k in FACTORS}
    records = data[COLUMNS].astype(object).where(data[COLUMNS].notna(), None)
    spec: dict[str, Any] = {
        "$schema": schema_url(),
        "description": (
            "Weights playground: R = a·Σf(current) + b·Σf(prior)·d^t + Σ x·y recomputed in the "
            "browser for pseudonymised people (lower R = reviewed first)."
        ),
        "datasets": {DATA_NAME: records.to_dict(orient="records")},
        "data": {"name": DATA_NAME},
        "params": _weight_params(s, words),
        "transform": _ranking_transform(s, top_n),
        "hconcat": [_top_bars(top_n), _change_chart(top_n)],
        "usermeta": {
            "secondlook": {
                "playground": True,
                "top_n": top_n,
                "config": config.name,
                "default_weights": {
                    "a": s.a,
                    "b": s.b,
                    "d": s.d,
                    "factors": {k: float(s.factors[k]) for k in FACTORS},
                },
                "start_words": words,
            }
        },
    }
    spec["usermeta"]["secondlook"]["ranked_data"] = ranked_data_name(spec)
    return spec


def schema_url() -> str:
    """``$schema`` of the Vega-Lite major version in the page's bundle (v5 specs compile unchanged;
    naming the bundled major avoids vega-embed's version-mismatch console warning)."""
    import vl_convert

    major = vl_convert.get_vegalite_versions()[-1].split(".")[0].lstrip("v")
    return f"https://vega.github.io/schema/vega-lite/v{major}.json"


def ranked_data_name(spec: dict) -> str:
    """Name of the compiled Vega data set holding one ranked row per person (``view.data(name)``)."""
    import vl_convert

    vega = vl_convert.vegalite_to_vega(spec)
    names = [
        d["name"]
        for d in vega.get("data", [])
        if any(
            t.get("as") == "change" for t in d.get("transform", []) if t.get("type") == "formula"
        )
    ]
    if len(names) != 1:
        raise RuntimeError(f"cannot find the ranked data set in the compiled spec ({names})")
    return names[0]


# --------------------------------------------------------------------------------------------------
# For the site
# --------------------------------------------------------------------------------------------------


def playground_page_data(
    processed: str | Path,
    config_path: str | Path | None,
    as_of: date | str,
    salt: str | bytes,
    *,
    county: str | None = None,
    max_people: int = 400,
    seed: int = DEFAULT_SEED,
) -> dict:
    """The playground spec for the site: processed Parquet folder + county config → Vega-Lite dict.

    ``config_path`` is a county YAML file (``None``: the file of ``county``, else statewide).  Write
    it with ``helpers.site.vega.chart_html(spec, "playground")`` (or ``standalone_html``).
    """
    from helpers.data.ingest import load_dataset

    tables = load_dataset(Path(processed), as_of).tables
    config = load_config(county, Path(config_path) if config_path is not None else None)
    data = playground_data(tables, config, as_of, salt=salt, max_people=max_people, seed=seed)
    return playground_spec(data, config)


def playground_page_spec(
    manifest: RunManifest,
    *,
    config_path: str | Path | None = None,
    salt: str | bytes | None = None,
    max_people: int = 400,
) -> dict:
    """The playground spec from ``secondlook run``'s run manifest (processed data, as-of, seed).

    The configuration is ``config_path`` (default: the statewide file) and the salt is ``salt``,
    else the one :func:`helpers.privacy.get_salt` finds (``$SECONDLOOK_SALT``) — without a salt no
    pseudonym can be made and :class:`helpers.errors.InputError` is raised.
    """
    from helpers.privacy import get_salt
    from helpers.screening.config import county_file

    salt = salt if salt is not None else get_salt()
    if not salt:  # pseudonymise raises the same error; say it before loading data
        pseudonymise([], salt)
    return playground_page_data(
        manifest.processed,
        config_path if config_path is not None else county_file(None),
        manifest.as_of.isoformat(),
        salt,
        max_people=max_people,
        seed=manifest.seed,
    )
