"""Sphinx extension: the ``{gloss}`` role and the ``{glossary-table}`` directive.

In MyST pages::

    the {gloss}`aggregated months` of the sentence      (label = the text as written)
    the {gloss}`months <aggregated-months>`             (label, then a key, term or alias)

    ```{glossary-table}
    ```

The role puts a "?" after the label whose definition (from ``data/reference/glossary.yml``) shows on
mouse hover and keyboard focus, with the markup of ``helpers.site.glossary.term_html``; in HTML the label
links to the entry on the page holding ``{glossary-table}``.  An unknown term is a Sphinx warning, so
a build with ``-W`` fails.  The directive lists every entry (term, definition, other names, source)
as a definition list whose terms carry the HTML ids ``term-<key>``.

Configuration (``conf.py`` or ``sphinx: config:`` in Jupyter Book's ``_config.yml``):

- ``glossary_file``: path to the glossary (relative to the configuration folder); default: the
  project's ``data/reference/glossary.yml``;
- ``glossary_page``: docname of the page the labels link to (e.g. ``book/about/glossary``);
  default: the page that uses ``{glossary-table}``; with neither, labels are not links.

The style sheet ``glossary.css`` ships beside this module (``helpers/_static``) and is added to
every HTML page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.utils import unescape
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.nodes import split_explicit_title

from helpers.errors import InputError
from helpers.site import glossary as gl

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "_static"
CSS_FILE = "glossary.css"
ROLE_NAME = "gloss"
DIRECTIVE_NAME = "glossary-table"
__version__ = "1.0"


class glossary_term(nodes.Inline, nodes.TextElement):  # noqa: N801 (docutils node naming)
    """A ``{gloss}`` occurrence; replaced by raw HTML (or plain text) once the doctree is resolved."""


def _glossary_path(app: Sphinx) -> Path:
    configured = app.config.glossary_file or ""
    if not configured:
        return gl.default_path()
    path = Path(configured).expanduser()
    if not path.is_absolute():
        path = Path(app.confdir or app.srcdir) / path
    return path.resolve()


def _load(env: BuildEnvironment) -> dict[str, gl.GlossaryEntry]:
    path = _glossary_path(env.app)
    env.note_dependency(str(path))
    return gl.load_glossary(path)


class GlossRole(SphinxRole):
    """``{gloss}`term``` or ``{gloss}`label <key-term-or-alias>```."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        """A ``glossary_term`` node for the term (resolved to markup once all pages are read)."""
        explicit, label, target = split_explicit_title(unescape(self.text))
        label = " ".join(label.split())
        try:
            entry = gl.lookup(target.strip(), _load(self.env))
        except InputError as exc:
            logger.warning(
                "%s role: %s", ROLE_NAME, exc, location=self.get_location(), type="glossary"
            )
            return [nodes.problematic(self.rawtext, self.rawtext)], []
        node = glossary_term(self.rawtext, label, key=entry.key, label=label, explicit=explicit)
        self.set_source_info(node)
        return [node], []


class GlossaryTableDirective(SphinxDirective):
    """Every glossary entry as a definition list with anchors ``#term-<key>``."""

    has_content = False
    required_arguments = 0
    optional_arguments = 0

    def run(self) -> list[nodes.Node]:
        """The glossary as a definition list, one anchored entry per term."""
        try:
            entries = _load(self.env)
        except InputError as exc:
            logger.warning("%s: %s", DIRECTIVE_NAME, exc, location=self.get_location())
            return []
        docs = _docs(self.env)
        docs.add(self.env.docname)
        dl = nodes.definition_list(classes=["sl-glossary"])
        for entry in sorted(entries.values(), key=lambda e: (e.term.casefold(), e.key)):
            item = nodes.definition_list_item()
            term = nodes.term(entry.term, entry.term)
            term["ids"].append(entry.anchor)
            self.state.document.ids[entry.anchor] = term
            definition = nodes.definition()
            definition += nodes.paragraph(entry.definition, entry.definition)
            if entry.aliases:
                para = nodes.paragraph(classes=["sl-glossary-aliases"])
                para += nodes.emphasis("Also written: ", "Also written: ")
                para += nodes.Text("; ".join(entry.aliases))
                definition += para
            source = nodes.paragraph(classes=["sl-glossary-source"])
            source += nodes.emphasis("Source: ", "Source: ")
            source += nodes.Text(entry.source)
            definition += source
            item += term
            item += definition
            dl += item
        return [dl]


def _docs(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "sl_glossary_docs"):
        env.sl_glossary_docs = set()
    return env.sl_glossary_docs


def _purge(_app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    """Forget a removed or changed document (Sphinx ``env-purge-doc``)."""
    _docs(env).discard(docname)


def _merge(_app: Sphinx, env: BuildEnvironment, _docnames: set[str], other: Any) -> None:
    """Merge a parallel reader's documents (Sphinx ``env-merge-info``)."""
    _docs(env).update(getattr(other, "sl_glossary_docs", set()))


def _link_page(app: Sphinx) -> str | None:
    page = app.config.glossary_page or ""
    if page:
        return page
    docs = sorted(_docs(app.env))
    return docs[0] if docs else None


def _resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each ``glossary_term`` with the ``term_html`` markup (HTML) or its label (other)."""
    found = list(doctree.findall(glossary_term))
    if not found:
        return
    entries = gl.load_glossary(_glossary_path(app))
    is_html = getattr(app.builder, "format", "") == "html"
    page = _link_page(app) if is_html else None
    for number, node in enumerate(found, start=1):
        key, label = node["key"], node["label"]
        if not is_html:
            node.replace_self(nodes.inline(label, label, classes=["sl-term"]))
            continue
        href = None
        if page:
            base = "" if page == docname else app.builder.get_relative_uri(docname, page)
            href = f"{base}#term-{key}"
        markup = gl.term_html(key, label, uid=number, href=href, glossary=entries)
        node.replace_self(nodes.raw(node.rawsource, markup, format="html"))


def _add_static_path(_app: Sphinx, config: Any) -> None:
    static = str(STATIC_DIR)
    if static not in config.html_static_path:
        config.html_static_path.append(static)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the role, the directive, the node, the style sheet and the two settings."""
    app.add_config_value("glossary_file", "", "env", [str])
    app.add_config_value("glossary_page", "", "env", [str])
    app.add_node(glossary_term)
    app.add_role(ROLE_NAME, GlossRole())
    app.add_directive(DIRECTIVE_NAME, GlossaryTableDirective)
    app.connect("config-inited", _add_static_path)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _resolve)
    app.add_css_file(CSS_FILE)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
