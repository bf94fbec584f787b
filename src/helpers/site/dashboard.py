"""Statewide dashboards for the public site: suppressed count cubes and crossfiltering Vega-Lite specs.

The browser never sees person-level rows.  :func:`count_cube` counts people for every combination of
a few dimensions *including* an ``All`` margin on each, and :func:`suppress_cube` hides counts of
1-10 and, so that no hidden count can be recovered by subtraction, a second cell in any line (one
dimension varying, the others fixed, with its ``All`` total) that would otherwise hold exactly one
hidden cell.  The spec of :func:`dashboard_spec` only *selects* rows of that cube as the reader
clicks a county or changes a filter; it never adds counts up, so every number shown is a published,
suppressed cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.audit import AGE_BAND_ORDER, age_band
from helpers.data import reference
from helpers.pipeline.layout import REPORT_NOTEBOOK
from helpers.privacy import SMALL_CELL
from helpers.site.vega import write_spec
from helpers.spreadsheets import csv_text

ALL = "All"
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
UNKNOWN_CATEGORY = "Other/unknown"
ELIGIBILITY_ORDER = ["eligible", "unknown", "not eligible"]
COMMITMENT_DIMS = ["county", "sentence_type", "offense_category", "eligibility"]
"""Dimensions of the commitments dashboard's count cube."""
DEMOGRAPHIC_DIMS = ["county", "race_group", "age_band", "eligibility"]
"""Dimensions of the demographics dashboard's count cube."""
SCREEN_LABEL = "Passes the statewide screen"
"""The dashboards' name for the screen outcome (the statewide screen)."""


@dataclass(frozen=True)
class Facet:
    """A dimension with its own filter (a drop-down) and its own bar chart."""

    column: str
    label: str
    order: tuple[str, ...] = ()


def person_dimensions(candidates: pd.DataFrame) -> pd.DataFrame:
    """One row per person with the dashboard dimensions (no identifiers)."""
    offenses = reference.offense_table()
    category = (
        offenses.loc[~offenses["is_enhancement"]]
        .drop_duplicates("offense_key")
        # the table's key is the offense key; degree variants share a category
        .set_index("offense_key")["category"]
    )
    key = candidates["controlling_offense_key"].astype("string")
    return pd.DataFrame(
        {
            "county": candidates["county"].astype("string").fillna("Unknown"),
            "sentence_type": candidates["sentence_type"].astype("string").fillna("Unknown"),
            "offense_category": key.map(category).astype("string").fillna(UNKNOWN_CATEGORY),
            "race_group": candidates["race_group"].astype("string").fillna("Unknown"),
            "age_band": age_band(candidates["age"]),
            "eligibility": candidates["eligibility"].astype("string").fillna("unknown"),
        }
    )


def count_cube(people: pd.DataFrame, dims: Sequence[str]) -> pd.DataFrame:
    """People counted for every combination of ``dims``, each with an ``All`` margin (no zero rows)."""
    dims = list(dims)
    frames = []
    for size in range(len(dims) + 1):
        for keep in combinations(dims, size):
            if keep:
                counts = people.groupby(list(keep), observed=True).size().rename("n").reset_index()
            else:
                counts = pd.DataFrame({"n": [len(people)]})
            for d in dims:
                if d not in keep:
                    counts[d] = ALL
            frames.append(counts[[*dims, "n"]])
    cube = pd.concat(frames, ignore_index=True)
    for d in dims:
        cube[d] = cube[d].astype("string")
    return cube.sort_values(dims, kind="stable").reset_index(drop=True)


def suppress_cube(
    cube: pd.DataFrame, dims: Sequence[str], threshold: int = SMALL_CELL
) -> pd.DataFrame:
    """Hide counts 1..threshold-1 and, complementarily, enough cells that none can be derived.

    Returns the cube with ``n`` as nullable ``Int64`` (NA = suppressed) and ``suppression`` =
    ``primary`` / ``complementary`` / ``""``.
    """
    dims = list(dims)
    n = cube["n"].to_numpy(dtype=np.int64)
    primary = (n >= 1) & (n < threshold)
    hidden = primary.copy()
    lines = {}
    for d in dims:
        others = [x for x in dims if x != d]
        line = (
            cube.groupby(others, sort=False).ngroup().to_numpy()
            if others
            else np.zeros(len(cube), dtype=np.int64)
        )
        lines[d] = (line, (cube[d] == ALL).to_numpy())
    changed = True
    while changed:
        changed = False
        for line, is_total in lines.values():
            n_lines = int(line.max()) + 1 if len(line) else 0
            hidden_per_line = np.bincount(line, weights=hidden, minlength=n_lines)
            needy = hidden_per_line[line] == 1
            candidates = np.flatnonzero(needy & ~hidden & (n > 0))
            if not len(candidates):
                continue
            # Per needy line, hide its smallest positive part (the total only if nothing else is left).
            order = np.lexsort((n[candidates], is_total[candidates], line[candidates]))
            ordered = candidates[order]
            first = np.r_[True, line[ordered][1:] != line[ordered][:-1]]
            hidden[ordered[first]] = True
            changed = True
    out = cube.copy()
    out["n"] = pd.array(np.where(hidden, pd.NA, n), dtype="Int64")
    out["suppression"] = np.where(primary, "primary", np.where(hidden, "complementary", ""))
    return out


def cube_csv(cube: pd.DataFrame, dims: Sequence[str]) -> str:
    """The suppressed cube as compact CSV text (suppressed counts are empty)."""
    return csv_text(cube[[*dims, "n"]])


def _select_param(name: str, label: str, options: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "value": ALL,
        "bind": {"input": "select", "options": [ALL, *options], "name": f"{label} "},
    }


def _facet_param(facet: Facet) -> str:
    return f"f_{facet.column}"


def _match(dims: Sequence[str], facets: Sequence[Facet], free: str | None) -> str:
    """Filter expression selecting the cube line where ``free`` varies and the others follow the UI."""
    parts = []
    for d in dims:
        if d == free:
            parts.append(f"datum['{d}'] != '{ALL}'")
        elif d == "county":
            parts.append("datum.county == sel_county")
        elif d == "eligibility":
            parts.append("datum.eligibility == f_eligibility")
        else:
            facet = next(f for f in facets if f.column == d)
            parts.append(f"datum['{d}'] == {_facet_param(facet)}")
    return " && ".join(parts)


def _value_calcs() -> list[dict[str, Any]]:
    """Shown value (count or share of the line's total) and its label; suppressed cells stay empty."""
    return [
        {"calculate": "isValid(datum.n) ? datum.n : null", "as": "count"},
        {
            "calculate": "isValid(datum.n) && datum.line_total > 0 ? 100 * datum.n / datum.line_total : null",
            "as": "share",
        },
        {"calculate": "show_share ? datum.share : datum.count", "as": "value"},
        {
            "calculate": (
                "!isValid(datum.n) ? 'suppressed (fewer than 11, or hidden so it cannot be derived)'"
                " : show_share ? (isValid(datum.share) ? format(datum.share, '.1f') + ' %' : 'n/a')"
                " : format(datum.n, ',')"
            ),
            "as": "label",
        },
    ]


def _bar_chart(dims: Sequence[str], facets: Sequence[Facet], facet: Facet) -> dict[str, Any]:
    col = facet.column
    param = _facet_param(facet)
    total_expr = _match(dims, facets, free=None).replace(
        f"datum['{col}'] == {param}", f"datum['{col}'] == '{ALL}'"
    )
    sort: Any = (
        list(facet.order)
        if facet.order
        else {"field": "value_pos", "op": "max", "order": "descending"}
    )
    y = {"field": col, "type": "nominal", "title": None, "sort": sort}
    return {
        "title": {
            "text": {
                "expr": f"'{facet.label}: ' + place_label + (show_share ? ' (% of total)' : '')"
            },
            "anchor": "start",
        },
        "width": 300,
        "encoding": {"y": y},
        "transform": [
            {"calculate": f"({total_expr}) ? datum.n : null", "as": "total_here"},
            {"joinaggregate": [{"op": "max", "field": "total_here", "as": "line_total"}]},
            {"filter": _match(dims, facets, free=col)},
            *_value_calcs(),
            {"calculate": "isValid(datum.value) ? datum.value : 0", "as": "value_pos"},
        ],
        "layer": [
            {
                "mark": {"type": "bar", "tooltip": True},
                "encoding": {
                    "x": {
                        "field": "value",
                        "type": "quantitative",
                        "title": None,
                    },
                    "color": {
                        "condition": {
                            "test": f"{param} == '{ALL}' || datum['{col}'] == {param}",
                            "value": "#3b6ea8",
                        },
                        "value": "#b9c7d8",
                    },
                    "tooltip": [
                        {"field": col, "title": facet.label},
                        {"field": "label", "title": "People"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 10},
                "encoding": {
                    "x": {"field": "value_pos", "type": "quantitative"},
                    "text": {"field": "label"},
                },
                "transform": [
                    {
                        "calculate": "isValid(datum.n) ? datum.label : 'suppressed'",
                        "as": "label",
                    }
                ],
            },
        ],
    }


def _dashboard_params(
    cube: pd.DataFrame, facets: Sequence[Facet], screen_label: str
) -> list[dict[str, Any]]:
    """The dashboard's inputs (county menu, one drop-down per facet, screen outcome, shares) and
    the signals derived from them (the selected county and its label)."""
    counties = sorted(c for c in cube["county"].dropna().unique() if c != ALL)
    return [
        _select_param("county_menu", "County", counties),
        *[
            _select_param(_facet_param(f), f.label, list(f.order) or _values(cube, f.column))
            for f in facets
        ],
        {
            "name": "f_eligibility",
            "value": ALL,
            "bind": {
                "input": "radio",
                "options": [ALL, *[e for e in ELIGIBILITY_ORDER if e in set(cube["eligibility"])]],
                "name": f"{screen_label} ",
            },
        },
        {
            "name": "show_share",
            "value": False,
            "bind": {"input": "checkbox", "name": "Show shares (%) instead of counts "},
        },
        {
            "name": "sel_county",
            "expr": "length(data('pick_store')) ? data('pick_store')[0].values[0] : county_menu",
        },
        {
            "name": "place_label",
            "expr": f"sel_county == '{ALL}' ? 'California' : sel_county + ' County'",
        },
    ]


def _county_layer(
    dims: Sequence[str], facets: Sequence[Facet], features: list[dict[str, Any]]
) -> dict[str, Any]:
    """The clickable counties, coloured by the cube line the filters select."""
    return {
        "transform": [
            {"filter": _match(dims, facets, free="county")},
            {
                "lookup": "county",
                "from": {"data": {"values": features}, "key": "properties.county"},
                "as": "geo",
            },
            {"calculate": "datum.n", "as": "line_total"},
            *_value_calcs()[0:1],
            {
                "calculate": (
                    "isValid(datum.n) ? format(datum.n, ',') : "
                    "'suppressed (fewer than 11, or hidden so it cannot be derived)'"
                ),
                "as": "label",
            },
        ],
        "params": [
            {
                "name": "pick",
                "select": {
                    "type": "point",
                    "fields": ["county"],
                    "on": "click",
                    "clear": "dblclick",
                    "toggle": False,
                },
            }
        ],
        "mark": {"type": "geoshape", "stroke": "white", "cursor": "pointer"},
        "encoding": {
            "shape": {"field": "geo", "type": "geojson"},
            "description": {"field": "county"},
            "color": county_color("count"),
            "stroke": {
                "condition": {"param": "pick", "empty": False, "value": "#d4442b"},
                "value": "white",
            },
            "strokeWidth": {
                "condition": {"param": "pick", "empty": False, "value": 2.5},
                "value": 0.5,
            },
            "tooltip": [
                {"field": "county", "title": "County"},
                {"field": "label", "title": "People"},
            ],
        },
    }


def _map_view(
    dims: Sequence[str], facets: Sequence[Facet], features: list[dict[str, Any]]
) -> dict[str, Any]:
    """The county map: every county in grey beneath the clickable, coloured counties."""
    return {
        "title": {
            "text": "Click a county (double-click to clear)",
            "anchor": "start",
        },
        "width": 420,
        "height": 480,
        "projection": {"type": "mercator"},
        "layer": [
            {
                "data": {"name": "counties"},
                "mark": {"type": "geoshape", "fill": "#e6e6e6", "stroke": "white"},
                "encoding": {"tooltip": [{"field": "properties.county", "title": "County"}]},
            },
            _county_layer(dims, facets, features),
        ],
    }


def dashboard_spec(
    cube: pd.DataFrame,
    dims: Sequence[str],
    facets: Sequence[Facet],
    *,
    title: str,
    screen_label: str,
    geojson: dict[str, Any] | None = None,
    county_links: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A crossfiltering dashboard: county map (click to filter), one bar chart per facet, filters.

    ``cube`` is a suppressed count cube over ``dims`` (which must include ``county`` and
    ``eligibility``).  ``county_links`` maps a county to its report page (relative URL), kept as
    the ``link`` property of the county's shape.
    """
    geojson = geojson or reference.county_geojson()
    features = geojson["features"]
    for feature in features:
        link = (county_links or {}).get(feature["properties"]["county"])
        if link:
            feature["properties"]["link"] = link
    bars = [_bar_chart(dims, facets, f) for f in facets]
    return {
        "$schema": SCHEMA,
        "description": title,
        "params": _dashboard_params(cube, facets, screen_label),
        "datasets": {"counties": features},
        "data": {
            "values": cube_csv(cube, dims),
            "format": {"type": "csv", "parse": {"n": "number"}},
        },
        "vconcat": [
            {
                "hconcat": [
                    _map_view(dims, facets, features),
                    _stats_view(dims, facets, screen_label),
                ]
            },
            {"hconcat": bars},
        ],
        # Axis labels are never cut (Vega-Lite clips them at 180 px by default).
        "config": {
            "view": {"stroke": None},
            "font": "system-ui, sans-serif",
            "axis": {"labelLimit": 0, "titleLimit": 0},
            "title": {"limit": 0},
        },
        "usermeta": {"embedOptions": {"actions": False}},
    }


def county_color(field: str) -> dict[str, Any]:
    """The choropleth colour channel shared by every county map (suppressed counts stay grey)."""
    return {
        "field": field,
        "type": "quantitative",
        "title": "People",
        "scale": {"scheme": "blues", "type": "sqrt"},
        "legend": {"orient": "top-right", "gradientLength": 110},
    }


def _values(cube: pd.DataFrame, column: str) -> list[str]:
    return sorted(v for v in cube[column].dropna().unique() if v != ALL)


def _stats_view(dims: Sequence[str], facets: Sequence[Facet], screen_label: str) -> dict[str, Any]:
    """The selected county's statistics under the current filters, as lines of text."""
    match = _match(dims, facets, free="eligibility")
    total_expr = _match(dims, facets, free=None).replace(
        "datum.eligibility == f_eligibility", f"datum.eligibility == '{ALL}'"
    )
    lines = [
        ("1", "place_label"),
        (
            "2",
            "'People in CDCR custody (filters applied): ' + "
            "(isValid(datum.total) ? format(datum.total, ',') : 'suppressed')",
        ),
        (
            "3",
            f"'{screen_label}: ' + (isValid(datum.eligible) ? format(datum.eligible, ',') + "
            "(isValid(datum.total) && datum.total > 0 ? ' (' + format(100 * datum.eligible / "
            "datum.total, '.1f') + ' %)' : '') : 'suppressed or none')",
        ),
        (
            "4",
            "sel_county == 'All' ? 'Click a county for its figures.' : "
            "'Counts of 1-10 are suppressed to protect privacy.'",
        ),
    ]
    return {
        "width": 250,
        "height": 100,
        "transform": [
            {"filter": f"({match}) || ({total_expr})"},
            {"calculate": "datum.eligibility == 'All' ? datum.n : null", "as": "total_part"},
            {
                "calculate": "datum.eligibility == 'eligible' ? datum.n : null",
                "as": "eligible_part",
            },
            {
                "aggregate": [
                    {"op": "max", "field": "total_part", "as": "total"},
                    {"op": "max", "field": "eligible_part", "as": "eligible"},
                ]
            },
            *[{"calculate": expr, "as": f"line{key}"} for key, expr in lines],
            {"fold": [f"line{key}" for key, _ in lines], "as": ["line", "text"]},
        ],
        "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 13, "x": 0},
        "encoding": {
            "y": {"field": "line", "type": "ordinal", "axis": None},
            "text": {"field": "text"},
            "size": {"condition": {"test": "datum.line == 'line1'", "value": 15}, "value": 12},
        },
    }


def dashboards() -> dict[str, tuple[list[str], list[Facet], str]]:
    """The site's two dashboards: name → (cube dimensions, facets, title)."""
    return {
        "commitments": (
            COMMITMENT_DIMS,
            [
                Facet("offense_category", "Offense category"),
                Facet("sentence_type", "Sentence type"),
            ],
            "Current commitments by county, offense category and sentence type",
        ),
        "demographics": (
            DEMOGRAPHIC_DIMS,
            [Facet("race_group", "Race/ethnicity"), Facet("age_band", "Age", AGE_BAND_ORDER)],
            "People in prison by county, race/ethnicity and age",
        ),
    }


def write_dashboards(statewide: pd.DataFrame, out: Path, links: dict[str, str]) -> list[Path]:
    """The two statewide dashboards' specs (suppressed count cubes) in ``out/charts``.

    ``statewide`` is the candidate list under the statewide screen; ``links`` maps a county to its
    report folder.
    """
    people = person_dimensions(statewide)
    county_links = {
        c: f"../counties/{folder}/{REPORT_NOTEBOOK}.html" for c, folder in links.items()
    }
    written = []
    for name, (dims, facets, title) in dashboards().items():
        cube = suppress_cube(count_cube(people, dims), dims)
        spec = dashboard_spec(
            cube, dims, facets, title=title, screen_label=SCREEN_LABEL, county_links=county_links
        )
        written.append(write_spec(out / "charts" / f"{name}.json", spec))
    return written
