"""Vega-Lite charts that run in a static page with no network and no Jupyter kernel.

One JavaScript bundle (Vega, Vega-Lite and vega-embed, built by the ``vl-convert-python`` wheel from
PyPI, so nothing is fetched from a CDN) and a small loader are written into the site's
``_static/vendor/`` folder and included only on pages that hold a chart.  A chart is a ``<div
class="sl-chart">`` plus its spec inlined as JSON (``fetch`` does not work from ``file://``).  The loader
embeds every chart and keeps each Vega view in ``window.secondlookViews[<div id>]`` so tests can read
the data the browser computed.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

VENDOR_SUBDIR = "vendor"
BUNDLE_NAME = "vega-bundle.js"
LOADER_NAME = "secondlook-charts.js"

LOADER_JS = """\
/* secondlook: embed every inline Vega-Lite chart of the page (no network, no kernel). */
(function () {
  window.secondlookViews = window.secondlookViews || {};
  function embedAll() {
    document.querySelectorAll("div.sl-chart[data-spec]").forEach(function (el) {
      if (el.dataset.embedded) return;
      el.dataset.embedded = "1";
      var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" })
        .then(function (result) {
          window.secondlookViews[el.id] = result.view;
          el.dataset.ready = "1";
        })
        .catch(function (err) {
          el.dataset.error = String(err);
          el.textContent = "This chart could not be drawn: " + err;
          console.error(err);
        });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", embedAll);
  } else {
    embedAll();
  }
})();
"""


@lru_cache(maxsize=1)
def bundle_js() -> str:
    """The Vega + Vega-Lite + vega-embed bundle (assigns ``window.vegaEmbed``, ``vega``, ``vegaLite``)."""
    import vl_convert

    # Wrapped in a function so its top-level names (e.g. ``_``) do not clash with the page's scripts.
    return "(function () {\n" + vl_convert.javascript_bundle() + "\n})();\n"


def write_vendor(static_dir: str | Path) -> list[Path]:
    """Write the bundle and the loader into ``<static_dir>/vendor/``; return the paths."""
    folder = Path(static_dir) / VENDOR_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((BUNDLE_NAME, bundle_js()), (LOADER_NAME, LOADER_JS)):
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _json_for_script(spec: dict[str, Any]) -> str:
    """JSON safe to place inside a ``<script>`` element."""
    text = json.dumps(spec, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def chart_html(spec: dict[str, Any], chart_id: str, *, label: str | None = None) -> str:
    """The markup of one chart: a container ``div`` and its inline spec."""
    safe_id = "".join(c if c.isalnum() or c in "-_" else "-" for c in chart_id)
    aria = f' role="figure" aria-label="{html.escape(label)}"' if label else ""
    return (
        f'<div class="sl-chart" id="sl-chart-{safe_id}" data-spec="sl-spec-{safe_id}"{aria}></div>\n'
        f'<script type="application/json" id="sl-spec-{safe_id}">{_json_for_script(spec)}</script>\n'
    )


def standalone_html(specs: dict[str, dict[str, Any]], title: str = "secondlook chart") -> str:
    """A single self-contained HTML page (bundle inlined) showing ``specs``; for tests and e-mail."""
    charts = "".join(chart_html(spec, chart_id) for chart_id, spec in specs.items())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>\n{charts}"
        f"<script>{bundle_js()}</script>\n<script>{LOADER_JS}</script>\n</body></html>\n"
    )


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    """Write a chart spec as compact JSON (parent folders made; NaN refused); return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, separators=(",", ":"), allow_nan=False), encoding="utf-8")
    return path
