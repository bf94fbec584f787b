"""The glossary: validation of glossary.yml, lookup, the "?" markup, the Sphinx role and directive."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from helpers.errors import InputError
from helpers.site import glossary as gl

ROOT = Path(__file__).resolve().parents[1]

REQUIRED_KEYS = {
    "aggregated-months", "controlling-offense", "dsl", "indeterminate-sentence", "second-striker",
    "third-striker", "lwop", "condemned", "enhancement", "pir", "super-strike", "serious-felony",
    "violent-felony", "sex-registrable", "eprd", "mepd", "time-served", "offense-level", "decay",
    "mitigating-factor", "aggravating-factor", "eligibility-screen", "ranking-score",
    "extreme-outlier", "recall-at-k", "precision", "recall", "pr-auc", "balanced-random-forest",
    "smote", "disparity-ratio", "small-cell-suppression", "pseudonymous-id", "prop-64", "dismiss",
    "reduce", "needs-review", "cii-number", "rja", "commitment", "prior-commitment",
    "age-at-offense", "youth-offender", "elderly-parole", "cdcr", "doj-criminal-history",
}  # fmt: skip

GOOD = """\
- key: aggregated-months
  term: aggregated months
  aliases: [aggregate sentence]
  definition: The total sentence in months.
  source: CDCR data dictionary
- key: lwop
  term: LWOP
  aliases: [life without parole]
  definition: Life without the possibility of parole.
  source: PC 190.2
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "glossary.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- the shipped file ---------------------------------------------------------------------------


def test_shipped_glossary_loads_and_covers_the_required_terms() -> None:
    entries = gl.load_glossary()
    assert 45 <= len(entries) <= 70
    assert set(entries) >= REQUIRED_KEYS, sorted(REQUIRED_KEYS - set(entries))
    for entry in entries.values():
        sentences = re.findall(r"[.!?](?:\s|$)", entry.definition)
        assert 1 <= len(sentences) <= 3, (entry.key, entry.definition)
        assert entry.source and entry.term


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("aggregated months", "aggregated-months"),
        ("Aggregated-Months", "aggregated-months"),
        ("AGGREGATE   sentence", "aggregated-months"),
        ("PC 1172.1", "pir"),
        ("Super strike", "super-strike"),
        ("recall@k", "recall-at-k"),
        ("pr auc", "pr-auc"),
    ],
)
def test_lookup_by_key_term_or_alias_ignores_case_spacing_and_hyphens(text: str, key: str) -> None:
    assert gl.lookup(text).key == key


# --- validation ---------------------------------------------------------------------------------


def test_load_and_lookup_small_file(tmp_path: Path) -> None:
    entries = gl.load_glossary(write(tmp_path, GOOD))
    assert list(entries) == ["aggregated-months", "lwop"]
    entry = entries["lwop"]
    assert entry == gl.GlossaryEntry(
        "lwop",
        "LWOP",
        "Life without the possibility of parole.",
        "PC 190.2",
        ("life without parole",),
    )
    assert entry.anchor == "term-lwop"
    with pytest.raises(AttributeError):
        entry.term = "x"  # frozen
    assert gl.lookup("Life Without Parole", entries) is entry


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD + GOOD.split("- key: lwop")[0], "entry 3 ('aggregated-months'): duplicate key"),
        (
            GOOD.replace("definition: Life without the possibility of parole.", 'definition: "  "'),
            "entry 2 ('lwop'): field 'definition' is missing or empty",
        ),
        (
            GOOD.replace("  source: PC 190.2\n", ""),
            "entry 2 ('lwop'): field 'source' is missing or empty",
        ),
        (
            GOOD.replace("aliases: [life without parole]", "aliases: [Aggregate Sentence]"),
            "entry 2 ('lwop'): alias 'Aggregate Sentence' collides with entry 'aggregated-months'",
        ),
        (
            GOOD.replace("aliases: [life without parole]", "aliases: [aggregated months]"),
            "collides with entry 'aggregated-months'",
        ),
        (GOOD.replace("key: lwop", "key: LWOP Term"), "must be a lower-case slug"),
        (
            GOOD.replace("  source: PC 190.2", "  source: PC 190.2\n  sauce: x"),
            "unknown field(s) sauce",
        ),
        (GOOD.replace("aliases: [life without parole]", "aliases: [1172.1]"), "must be text"),
        ("key: x\n", "non-empty YAML list"),
        ("- [unclosed\n", "not valid YAML"),
    ],
)
def test_validation_errors_name_the_file_and_the_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        gl.load_glossary(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(path.resolve()))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        gl.load_glossary(tmp_path / "nope.yml")


def test_unknown_term_suggests_close_matches(tmp_path: Path) -> None:
    entries = gl.load_glossary(write(tmp_path, GOOD))
    with pytest.raises(
        InputError, match=r"unknown glossary term 'agregated month'.*aggregated-months"
    ):
        gl.lookup("agregated month", entries)
    with pytest.raises(InputError) as info:
        gl.lookup("zebra", entries)
    assert "did you mean" not in str(info.value)


# --- markup -------------------------------------------------------------------------------------


def test_term_html_structure_and_escaping(tmp_path: Path) -> None:
    text = GOOD.replace(
        "definition: The total sentence in months.",
        "definition: 'Months <b>&</b> \"years\" of the term.'",
    ).replace("term: aggregated months", "term: aggregated <months>")
    entries = gl.load_glossary(write(tmp_path, text))
    out = gl.term_html(
        "aggregate sentence", "x < y & z", uid=7, href="/g.html?a=1&b=2#term-x", glossary=entries
    )
    assert out == (
        '<span class="sl-term" data-term="aggregated-months">'
        '<a class="sl-term-link" href="/g.html?a=1&amp;b=2#term-x">x &lt; y &amp; z</a>'
        '<button type="button" class="sl-q" aria-describedby="sl-def-aggregated-months-7"'
        ' aria-label="What is aggregated &lt;months&gt;?">?</button>'
        '<span class="sl-def" role="tooltip" id="sl-def-aggregated-months-7">'
        "Months &lt;b&gt;&amp;&lt;/b&gt; &quot;years&quot; of the term.</span></span>"
    )
    # Default label is the text as written; without uid every call gets a fresh id.
    a, b = gl.term_html("lwop", glossary=entries), gl.term_html("lwop", glossary=entries)
    assert ">lwop<button" in a
    ids = [re.search(r'id="([^"]+)"', s).group(1) for s in (a, b)]
    assert ids[0] != ids[1]
    assert "<a " not in a


def test_css_shows_the_definition_on_hover_and_focus() -> None:
    css = (ROOT / "src" / "helpers" / "site" / "_static" / "glossary.css").read_text()
    for selector in (".sl-q:hover + .sl-def", ".sl-q:focus + .sl-def", ".sl-term:hover > .sl-def"):
        assert selector in css
    assert 'html[data-theme="dark"] .sl-def' in css
    assert "@media print" in css


# --- Sphinx -------------------------------------------------------------------------------------


def build(src: Path, out: Path) -> int:
    from sphinx.cmd.build import build_main

    return build_main(
        ["-W", "-q", "-E", "-b", "html", "-d", str(out / ".doctrees"), str(src), str(out)]
    )


@pytest.fixture
def sphinx_project(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        'extensions = ["myst_parser", "helpers.site.sphinx_glossary"]\n'
        'glossary_file = "glossary.yml"\n'
        'exclude_patterns = ["_build"]\n'
    )
    (src / "glossary.yml").write_text(GOOD)
    (src / "index.md").write_text(
        "# Home\n\n"
        "The {gloss}`aggregated months` and the {gloss}`years <aggregated-months>` of an "
        "**{gloss}`LWOP`** term.\n\n"
        "```{toctree}\nabout/glossary\n```\n"
    )
    (src / "about").mkdir()
    (src / "about" / "glossary.md").write_text("# Glossary\n\n```{glossary-table}\n```\n")
    return src


def test_sphinx_role_and_directive(sphinx_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    assert build(sphinx_project, out) == 0
    index = (out / "index.html").read_text()
    assert (
        '<span class="sl-term" data-term="aggregated-months">'
        '<a class="sl-term-link" href="about/glossary.html#term-aggregated-months">aggregated months</a>'
        '<button type="button" class="sl-q" aria-describedby="sl-def-aggregated-months-1"'
    ) in index
    assert 'href="about/glossary.html#term-aggregated-months">years</a>' in index
    assert 'id="sl-def-aggregated-months-2"' in index and 'id="sl-def-lwop-3"' in index
    assert "<strong>" in index and "The total sentence in months." in index
    assert "glossary.css" in index and (out / "_static" / "glossary.css").is_file()
    page = (out / "about" / "glossary.html").read_text()
    assert 'id="term-aggregated-months"' in page and 'id="term-lwop"' in page
    assert "Life without the possibility of parole." in page and "PC 190.2" in page
    assert page.index("aggregated months") < page.index("Life without the possibility")


def test_sphinx_unknown_term_fails_the_build(
    sphinx_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = sphinx_project / "index.md"
    index.write_text(index.read_text() + "\nA {gloss}`agregated month`.\n")
    assert build(sphinx_project, tmp_path / "html") != 0
    err = capsys.readouterr().err
    assert "unknown glossary term 'agregated month'" in err and "aggregated-months" in err


def test_extension_setup_is_parallel_safe() -> None:
    from helpers.site import sphinx_glossary

    registered: dict[str, object] = {}

    class App:
        def __getattr__(self, name: str):
            return lambda *args, **_kwargs: registered.setdefault(name, args)

    meta = sphinx_glossary.setup(App())
    assert meta["parallel_read_safe"] is True and meta["parallel_write_safe"] is True
    assert registered["add_css_file"] == ("glossary.css",)
    assert registered["add_role"][0] == "gloss"
    assert registered["add_directive"][0] == "glossary-table"


# --- every {gloss} role used in the book and the notebooks names a known term ---------------------

ROLE = re.compile(r"\{gloss\}`([^`]+)`")


def test_every_gloss_role_in_pages_names_a_known_term() -> None:
    from sphinx.util.nodes import split_explicit_title

    entries = gl.load_glossary()
    files = sorted((ROOT / "book").rglob("*.md")) + sorted((ROOT / "notebooks").glob("*.md"))
    files = [f for f in files if "_build" not in f.parts]
    used, unknown = 0, []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in ROLE.finditer(line):
                used += 1
                _, _, target = split_explicit_title(match.group(1))
                try:
                    gl.lookup(target.strip(), entries)
                except InputError as exc:
                    unknown.append(f"{path.relative_to(ROOT)}:{number}: {exc}")
    assert not unknown, "\n".join(unknown)
    assert used > 50
