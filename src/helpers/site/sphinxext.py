"""Sphinx extension for the public site: charts and formulas that work offline.

* ``{vega-chart}`` directive: embeds a Vega-Lite spec (a JSON file written by ``helpers.site.build``) with the
  bundle of :mod:`helpers.site.vega`, added only to pages that hold a chart.
* Math is rendered to MathML at build time (``latex2mathml``), which browsers display natively: no
  MathJax, no CDN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from helpers.site import vega


class vega_chart(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """A chart placeholder holding its spec."""


class VegaChartDirective(SphinxDirective):
    """``{vega-chart} path/to/spec.json`` with optional ``:label:`` (accessible name)."""

    required_arguments = 1
    option_spec = {"label": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        """A ``vega_chart`` node holding the spec read from the file."""
        rel, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        spec_path = Path(path)
        if not spec_path.exists():
            raise self.error(f"vega-chart: no chart spec at {rel} (run `secondlook run` first)")
        self.env.note_dependency(rel)
        try:
            spec = json.loads(spec_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise self.error(f"vega-chart: {rel} is not valid JSON ({exc})") from exc
        node = vega_chart()
        node["spec"] = spec
        node["chart_id"] = spec_path.stem
        node["label"] = self.options.get("label", spec.get("description", spec_path.stem))
        return [node]


def _visit_vega_chart(self: Any, node: vega_chart) -> None:
    self.body.append(vega.chart_html(node["spec"], node["chart_id"], label=node["label"]))
    raise nodes.SkipNode


def _skip(_self: Any, _node: nodes.Node) -> None:
    raise nodes.SkipNode


def _mathml(latex: str, display: str) -> str:
    from latex2mathml.converter import convert

    return convert(latex.strip(), display=display)


def _visit_math_inline(self: Any, node: nodes.math) -> None:
    self.body.append(f'<span class="math">{_mathml(node.astext(), "inline")}</span>')
    raise nodes.SkipNode


def _visit_math_block(self: Any, node: nodes.math_block) -> None:
    self.body.append(f'<div class="math">{_mathml(node.astext(), "block")}</div>\n')
    raise nodes.SkipNode


def _builder_inited(app: Sphinx) -> None:
    if app.builder.format == "html":
        vega.write_vendor(Path(app.outdir) / "_static")


def _is_thebe(script: Any) -> bool:
    name = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", ""))
    return "thebe" in name or "THEBE_JS_URL" in body


def _page_context(
    app: Sphinx, _pagename: str, _templatename: str, context: dict, doctree: nodes.document | None
) -> None:
    # The site is static (no kernel): drop Thebe, whose script is added twice and would fetch code from
    # a CDN if it were ever activated.
    if "script_files" in context:
        context["script_files"][:] = [s for s in context["script_files"] if not _is_thebe(s)]
    if doctree is not None and doctree.next_node(vega_chart) is not None:
        app.add_js_file(f"{vega.VENDOR_SUBDIR}/{vega.BUNDLE_NAME}")
        app.add_js_file(f"{vega.VENDOR_SUBDIR}/{vega.LOADER_NAME}")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the chart directive, the MathML renderer and the vendored JavaScript."""
    app.add_node(
        vega_chart, html=(_visit_vega_chart, None), latex=(_skip, None), text=(_skip, None)
    )
    app.add_directive("vega-chart", VegaChartDirective)
    app.add_html_math_renderer(
        "mathml",
        inline_renderers=(_visit_math_inline, None),
        block_renderers=(_visit_math_block, None),
    )
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _page_context)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
