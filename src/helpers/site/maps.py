"""The state map of the county reports (folium, offline) and the local copies of its JavaScript.

folium draws with Leaflet; the site serves Leaflet itself (``_static/vendor/leaflet/``) and the
maps have no tiles (``tiles=None``): county polygons on a plain background, with tooltips and a
link from every county to its report.  Notebooks and pages are written with folium's usual Leaflet
links; :func:`localise_assets` points every built page at the local copy, so nothing loads from a
network.  One map technology per purpose: folium for maps that link to pages, Vega-Lite for the
dashboards whose map filters the charts beside it (see the About pages).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.counties import slug
from helpers.pipeline.layout import REPORT_NOTEBOOK
from helpers.provenance import stable_ids

LEAFLET_VERSION = "1.9.3"
"""The Leaflet version folium 0.20.0 draws with (vendored in ``site/vendor/leaflet``)."""

LEAFLET_JS = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"
LOCAL_ASSETS = {
    LEAFLET_JS: "_static/vendor/leaflet/leaflet.js",
    LEAFLET_CSS: "_static/vendor/leaflet/leaflet.css",
}
"""folium's Leaflet links → the copies the built site serves (paths from the site root)."""

BLUES = ["#deebf7", "#9ecae1", "#4292c6", "#08519c", "#08306b"]
"""Five classes of people in prison (suppressed counts stay grey)."""
SUPPRESSED_FILL = "#e6e6e6"


def leaflet_only(fmap: Any) -> Any:
    """A folium map that loads Leaflet only (no jQuery, Bootstrap or icon fonts it does not use)."""
    fmap.default_js = [("leaflet", LEAFLET_JS)]
    fmap.default_css = [("leaflet_css", LEAFLET_CSS)]
    return fmap


def _classes(values: pd.Series) -> tuple[np.ndarray, list[float]]:
    """Quantile classes (0–4) of the known counts; -1 where suppressed."""
    known = values.dropna().astype(float)
    edges = sorted(set(np.quantile(known, [0.2, 0.4, 0.6, 0.8]).tolist())) if len(known) else []
    cls = np.where(values.isna(), -1, np.searchsorted(edges, values.fillna(0).astype(float)))
    return cls.astype(int), edges


def _legend(edges: list[float]) -> str:
    """The map's key: one swatch per class of people in prison, and the suppressed grey."""
    swatch = "display:inline-block;width:12px;height:12px;margin-right:5px;background:"
    cuts = [int(e) for e in edges]
    names = [f"under {cuts[0]:,}"] if cuts else ["all counties"]
    names += [f"{lo:,} to {hi - 1:,}" for lo, hi in zip(cuts, cuts[1:], strict=False)]
    names += [f"{cuts[-1]:,} or more"] if cuts else []
    rows = [f'<i style="{swatch}{BLUES[i]}"></i>{n}' for i, n in enumerate(names[: len(BLUES)])]
    rows.append(f'<i style="{swatch}{SUPPRESSED_FILL}"></i>suppressed (1 to 10)')
    return (
        '<div class="sl-map-legend" style="position:absolute;bottom:12px;left:12px;z-index:9999;'
        "background:white;padding:6px 8px;font:12px sans-serif;border:1px solid #bbb;"
        'line-height:18px"><b>People in prison</b><br>' + "<br>".join(rows) + "</div>"
        "<style>.leaflet-container { background: #ffffff; }</style>"
    )


def state_map(table: pd.DataFrame, link_prefix: str = "counties") -> Any:
    """Choropleth of California's counties by people in prison (from the county index ``table``:
    ``county, people, eligible, outliers, report``); a tooltip per county and a click opens its
    report (``<link_prefix>/<folder>/05-county-report.html``)."""
    import folium

    from helpers.data import reference
    from helpers.site.tables import count_cell

    geo = reference.county_geojson()
    rows = table.set_index("county")
    cls, edges = _classes(rows["people"])
    fill = dict(zip(rows.index, [SUPPRESSED_FILL if c < 0 else BLUES[c] for c in cls], strict=True))
    features = []
    for feature in geo["features"]:
        county = feature["properties"]["county"]
        row = rows.loc[county] if county in rows.index else None
        report = row["report"] if row is not None and isinstance(row["report"], str) else None
        props = {
            "county": county,
            "people": count_cell(row["people"]) if row is not None else "no data",
            "eligible": count_cell(row["eligible"]) if row is not None else "no data",
            "link": f"{link_prefix}/{report}/{REPORT_NOTEBOOK}.html" if report else "",
            "fill": fill.get(county, SUPPRESSED_FILL),
        }
        features.append({**feature, "properties": {**feature["properties"], **props}})
    fmap = leaflet_only(
        folium.Map(
            location=[37.2, -119.5],
            zoom_start=6,
            tiles=None,
            min_zoom=5,
            max_zoom=10,
            width="100%",
            height="100%",
            control_scale=False,
        )
    )
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="counties",
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "white",
            "weight": 1,
            "fillOpacity": 0.9,
            "className": f"sl-county sl-county-{slug(f['properties']['county'])}",
        },
        highlight_function=lambda _f: {"weight": 3, "color": "#333"},
        tooltip=folium.GeoJsonTooltip(
            fields=["county", "people", "eligible"],
            aliases=["County", "People in prison", "Pass the county's screen"],
            sticky=True,
        ),
    )
    layer.add_to(fmap)
    stable_ids(fmap)
    _link_on_click(fmap, layer)
    fmap.get_root().html.add_child(folium.Element(_legend(edges)))
    return stable_ids(fmap)


def _link_on_click(fmap: Any, layer: Any) -> None:
    """A click on a county opens its report in the page holding the map (not inside the map)."""
    import folium

    script = f"""
    window.addEventListener('load', function () {{
      {layer.get_name()}.eachLayer(function (l) {{
        var link = l.feature.properties.link;
        if (!link) return;
        l.on('click', function () {{
          window.top.location.href = new URL(link, document.baseURI).href;
        }});
      }});
    }});"""
    fmap.get_root().script.add_child(folium.Element(script))


def map_iframe(fmap: Any, height: int = 620, title: str = "Map") -> str:
    """The map as an ``<iframe srcdoc>`` for a page (links inside resolve against the page)."""
    doc = fmap.get_root().render()
    return (
        f'<iframe class="sl-map" title="{html.escape(title)}" srcdoc="{html.escape(doc)}" '
        f'style="width:100%;height:{height}px;border:0" loading="lazy"></iframe>\n'
    )


def write_state_map(table: pd.DataFrame, out: Path) -> Path:
    """``state_map.html``: the state map as an HTML fragment the county-reports page includes."""
    path = out / "state_map.html"
    path.write_text(
        map_iframe(state_map(table), title="Map of California counties; click one for its report"),
        encoding="utf-8",
    )
    return path


def localise_assets(html_dir: Path) -> list[Path]:
    """Point every built page at the site's own copy of Leaflet instead of folium's CDN links."""
    changed = []
    for path in sorted(Path(html_dir).rglob("*.html")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if not any(url in text for url in LOCAL_ASSETS):
            continue
        up = os.path.relpath(html_dir, path.parent)
        for url, local in LOCAL_ASSETS.items():
            text = text.replace(url, f"{up}/{local}".removeprefix("./"))
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    return changed
