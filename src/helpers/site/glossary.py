"""The project glossary: every term of art defined once, and the one HTML markup for a term with a "?".

The terms live in ``data/reference/glossary.yml`` (a list of entries with ``key``, ``term``,
``definition``, optional ``aliases`` and ``source``).  ``load_glossary`` reads and validates the file,
``lookup`` finds an entry by key, term or alias (any case), and ``term_html`` writes the markup that
the website uses wherever a term carries a "?" whose definition shows on mouse hover or keyboard
focus (CSS only: ``helpers/_static/glossary.css``).  The Sphinx role ``{gloss}`` in
``helpers.site.sphinx_glossary`` is built on these functions.

The file is found next to the other reference tables: ``$SECONDLOOK_REFERENCE_DIR/glossary.yml``
when that folder has one, otherwise ``<repo>/data/reference/glossary.yml``.
"""

from __future__ import annotations

import difflib
import html
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from helpers import paths
from helpers.errors import InputError

FILE_NAME = "glossary.yml"
ENV_VAR = paths.REFERENCE_ENV_VAR
DEFAULT_PATH = paths.REFERENCE_DIR / FILE_NAME

KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED_FIELDS = ("key", "term", "definition", "source")
OPTIONAL_FIELDS = ("aliases",)

_counter = itertools.count(1)


@dataclass(frozen=True)
class GlossaryEntry:
    """One term of art: ``key`` (slug), display ``term``, plain-English ``definition``, ``source``."""

    key: str
    term: str
    definition: str
    source: str
    aliases: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        """The HTML id of the entry on the glossary page (``term-<key>``)."""
        return f"term-{self.key}"


def default_path() -> Path:
    """``$SECONDLOOK_REFERENCE_DIR/glossary.yml`` if that file exists, else the repository's copy."""
    candidate = paths.reference_dir() / FILE_NAME
    return candidate if candidate.is_file() else DEFAULT_PATH


def _norm(text: str) -> str:
    """Form used to compare keys, terms and aliases: case, spacing, hyphens and underscores ignored."""
    text = str(text).replace("\u00a0", " ").replace("-", " ").replace("_", " ")
    return " ".join(text.split()).casefold()


def load_glossary(path: str | Path | None = None) -> dict[str, GlossaryEntry]:
    """Read and validate the glossary; return ``{key: GlossaryEntry}`` in file order.

    Raises ``InputError`` naming the file and the entry for: unreadable YAML, a top level that is
    not a list, an entry that is not a mapping, unknown or missing fields, an empty field, a key
    that is not a lower-case slug, a duplicate key, or a term or alias that collides with another
    entry's key, term or alias (compared ignoring case and spacing).
    """
    resolved = Path(path).expanduser().resolve() if path is not None else default_path()
    try:
        stamp = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise InputError(f"glossary file not found ({exc.strerror})", file=str(resolved)) from None
    return dict(_load_cached(resolved, stamp))


def _read_list(path: Path) -> list:
    """The glossary file's entries (a non-empty YAML list), or a one-line error naming the file."""
    file = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", file=file, row=row
        ) from None
    if not isinstance(raw, list) or not raw:
        raise InputError("the glossary must be a non-empty YAML list of entries", file=file)
    return raw


def _entry_name(item: object, number: int, file: str) -> str:
    """How errors name the entry: its number, and its key when it has one."""
    if not isinstance(item, Mapping):
        raise InputError(
            f"entry {number}: expected a mapping with key, term, definition, source", file=file
        )
    if isinstance(item.get("key"), str) and item["key"].strip():
        return f"entry {number} ('{item['key'].strip()}')"
    return f"entry {number}"


def _required_fields(item: Mapping, where: str, file: str) -> dict[str, str]:
    """The entry's required fields as single-spaced text (unknown, missing or empty: an error)."""
    unknown = sorted(set(map(str, item)) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise InputError(
            f"{where}: unknown field(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)})",
            file=file,
        )
    values: dict[str, str] = {}
    for field in REQUIRED_FIELDS:
        value = item.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InputError(f"{where}: field '{field}' is missing or empty", file=file)
        if not isinstance(value, str):
            raise InputError(f"{where}: field '{field}' must be text", file=file)
        values[field] = " ".join(value.split())
    if not KEY_PATTERN.match(values["key"]):
        raise InputError(
            f"{where}: key '{values['key']}' must be a lower-case slug (letters, digits, hyphens)",
            file=file,
        )
    return values


def _aliases(item: Mapping, where: str, file: str) -> list[str]:
    """The entry's aliases (one text or a list of texts) as single-spaced text."""
    raw = item.get("aliases") or []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise InputError(f"{where}: 'aliases' must be a list of text", file=file)
    aliases: list[str] = []
    for alias in raw:
        if not isinstance(alias, str):
            raise InputError(f"{where}: alias {alias!r} must be text (quote it)", file=file)
        if not alias.strip():
            raise InputError(f"{where}: an alias is empty", file=file)
        aliases.append(" ".join(alias.split()))
    return aliases


def _claim_names(entry: GlossaryEntry, names: dict[str, str], where: str, file: str) -> None:
    """Record the entry's key, term and aliases in ``names``; one owned by another entry is an error."""
    own: set[str] = set()
    labelled = [("key", entry.key), ("term", entry.term)] + [("alias", a) for a in entry.aliases]
    for label, name in labelled:
        norm = _norm(name)
        if norm in own:
            continue  # an alias may repeat the entry's own key or term (e.g. "youth offender")
        owner = names.get(norm)
        if owner is not None:
            raise InputError(f"{where}: {label} '{name}' collides with entry '{owner}'", file=file)
        own.add(norm)
    for norm in own:
        names[norm] = entry.key


@lru_cache(maxsize=8)
def _load_cached(path: Path, _stamp: int) -> tuple[tuple[str, GlossaryEntry], ...]:
    """The validated entries of the file (cached per path and modification time)."""
    file = str(path)
    entries: dict[str, GlossaryEntry] = {}
    names: dict[str, str] = {}  # normalised key/term/alias -> key of the entry that owns it
    for number, item in enumerate(_read_list(path), start=1):
        where = _entry_name(item, number, file)
        values = _required_fields(item, where, file)
        if values["key"] in entries:
            raise InputError(f"{where}: duplicate key '{values['key']}'", file=file)
        entry = GlossaryEntry(
            key=values["key"],
            term=values["term"],
            definition=values["definition"],
            source=values["source"],
            aliases=tuple(_aliases(item, where, file)),
        )
        _claim_names(entry, names, where, file)
        entries[entry.key] = entry
    return tuple(entries.items())


def _index(glossary: Mapping[str, GlossaryEntry]) -> dict[str, GlossaryEntry]:
    index: dict[str, GlossaryEntry] = {}
    for entry in glossary.values():
        for name in (entry.key, entry.term, *entry.aliases):
            index.setdefault(_norm(name), entry)
    return index


def lookup(text: str, glossary: Mapping[str, GlossaryEntry] | None = None) -> GlossaryEntry:
    """Return the entry whose key, term or alias is ``text`` (ignoring case and spacing).

    An unknown term raises ``InputError`` listing the closest known names.
    """
    glossary = load_glossary() if glossary is None else glossary
    index = _index(glossary)
    found = index.get(_norm(text))
    if found is not None:
        return found
    close = difflib.get_close_matches(_norm(text), list(index), n=12, cutoff=0.6)
    shown: dict[str, str] = {}  # one suggestion per entry, best first
    for name in close:
        entry = index[name]
        if entry.key not in shown and len(shown) < 4:
            shown[entry.key] = (
                f"'{entry.key}'" if name == _norm(entry.key) else f"'{name}' ({entry.key})"
            )
    hint = f"; did you mean {', '.join(shown.values())}?" if shown else ""
    raise InputError(f"unknown glossary term '{text}'{hint} (terms are defined in {FILE_NAME})")


def term_html(
    text: str,
    label: str | None = None,
    *,
    uid: str | int | None = None,
    href: str | None = None,
    glossary: Mapping[str, GlossaryEntry] | None = None,
) -> str:
    """Return the markup for a term with a "?" that shows its definition on hover and focus.

    ``text`` is a key, term or alias; ``label`` the words shown (default: ``text`` as written).
    ``uid`` makes the tooltip's id unique on the page (a per-page counter, say); without it a
    process-wide counter is used.  With ``href`` the label links to the glossary entry.  Every piece
    of text is HTML-escaped.  The structure is::

        <span class="sl-term" data-term="KEY">LABEL<button type="button" class="sl-q"
        aria-describedby="sl-def-KEY-N" aria-label="What is TERM?">?</button><span class="sl-def"
        role="tooltip" id="sl-def-KEY-N">DEFINITION</span></span>
    """
    entry = lookup(text, glossary)
    shown = text if label is None else label
    n = next(_counter) if uid is None else uid
    def_id = f"sl-def-{entry.key}-{re.sub(r'[^A-Za-z0-9_-]+', '-', str(n))}"
    esc = html.escape
    shown_html = esc(shown)
    if href:
        shown_html = f'<a class="sl-term-link" href="{esc(href)}">{shown_html}</a>'
    return (
        f'<span class="sl-term" data-term="{esc(entry.key)}">{shown_html}'
        f'<button type="button" class="sl-q" aria-describedby="{def_id}"'
        f' aria-label="{esc(f"What is {entry.term}?")}">?</button>'
        f'<span class="sl-def" role="tooltip" id="{def_id}">{esc(entry.definition)}</span>'
        f"</span>"
    )
