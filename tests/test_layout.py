"""The package's house rules: stages import downwards only, no private names across modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "helpers"

# Rank of each part of the package: a module may import its own part or a part of lower rank.
# Parts of the same rank are independent of each other.
RANKS = {
    "errors": 0,
    "paths": 0,
    "counties": 1,
    "privacy": 1,
    "printing": 1,
    "provenance": 1,
    "spreadsheets": 1,
    "yamlconfig": 1,
    "data": 2,
    "prop64": 2,
    "screening": 3,
    "synthetic": 3,
    "audit": 4,
    "model": 5,
    "accountability": 6,
    "pipeline": 7,
    "report": 8,
    "site": 8,
    "cli": 10,
}


def _part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "helpers":
        return None
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, imported names) for every import in a file, nested ones too."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, [a.name for a in node.names]))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


def _own_part(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem


def test_every_part_has_a_rank() -> None:
    parts = {_own_part(p) for p in _modules()} - {"__init__"}
    assert parts == set(RANKS), "rank every subpackage and top-level module"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_run_downwards(path: Path) -> None:
    own = _own_part(path)
    if own == "__init__":
        return
    for line, module, names in _imports(path):
        part = _part(module)
        if part is None or part == own:
            continue
        targets = [part] if part else names  # ``from helpers import x``: x is the part
        for target in targets:
            assert target in RANKS, f"{path.name}:{line} imports unknown helpers.{target}"
            assert RANKS[target] < RANKS[own], (
                f"{path.relative_to(SRC)}:{line} ({own}, rank {RANKS[own]}) imports "
                f"{module} ({target}, rank {RANKS[target]}): imports must run downwards"
            )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_private_name_crosses_modules(path: Path) -> None:
    for line, module, names in _imports(path):
        if _part(module) is None:
            continue
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, (
            f"{path.relative_to(SRC)}:{line} imports private {private} from {module}"
        )


def test_every_subpackage_says_what_it_owns_and_exports_with_all() -> None:
    for init in sorted(SRC.glob("*/__init__.py")):
        tree = ast.parse(init.read_text())
        doc = ast.get_docstring(tree)
        assert doc and len(doc) > 60, f"{init.parent.name}: a docstring saying what it owns"
        exported = [
            n
            for n in tree.body
            if isinstance(n, ast.Assign)
            and any(getattr(t, "id", "") == "__all__" for t in n.targets)
        ]
        assert exported, f"{init.parent.name}: public names listed in __all__"


#: Text about how the project is made rather than what it does: tracker or work-log numbers and
#: placeholder phrases (written with ``\s`` so that this pattern is not such a phrase itself).
PROCESS_TEXT = re.compile(r"\bissues?\s*#?\d|\bissue\s\"|not\sbuilt\syet|\bsessions?\s\d", re.I)


def test_no_development_process_words_in_the_project() -> None:
    """The project's text speaks of the project and its sources, not of how it was built."""
    root = SRC.parents[1]
    folders = [
        "src",
        "configs",
        "book",
        "notebooks",
        "benchmarks",
        "tests",
        "scripts",
        "data/reference",
    ]
    files = [p for f in folders for p in (root / f).rglob("*") if p.is_file()]
    files += [root / n for n in ("README.md", "Makefile", "_config.yml", "_toc.yml")]
    hits = []
    for path in files:
        if path.suffix not in {".py", ".md", ".yaml", ".yml", ".csv", ".txt", ".toml", ""}:
            continue
        text = path.read_text(errors="ignore")
        if not PROCESS_TEXT.search(text):
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if PROCESS_TEXT.search(line) and "PROCESS_TEXT" not in line:
                hits.append(f"{path.relative_to(root)}:{n}: {line.strip()[:80]}")
    assert not hits, "\n".join(hits)
