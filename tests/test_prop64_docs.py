"""The Prop 64 method page's tables come from the step-type registry and the preset files."""

from __future__ import annotations

from pathlib import Path

from helpers.prop64 import docs, flows
from helpers.prop64.steps import STEP_TYPES

ROOT = Path(__file__).resolve().parents[1]


def test_step_types_table_lists_every_registered_type_with_its_settings() -> None:
    text = docs.step_types_markdown()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(STEP_TYPES)
    for kind, spec in STEP_TYPES.items():
        row = next(r for r in rows if r.startswith(f"| `{kind}` |"))
        assert spec.doc.split("`")[0].strip() in row
        for name, param in spec.params.items():
            assert f"`{name}`: {param.describe()}" in row
    assert "`age`: a whole number between 40 and 65 (required)" in text
    assert "`scope`: one of: any, before_this (default `any`)" in text


def test_presets_table_shows_description_sources_and_parent() -> None:
    text = docs.presets_markdown()
    for name in flows.presets():
        flow = flows.load_flow(name)
        row = next(r for r in text.splitlines() if r.startswith(f"| `{name}` "))
        assert flow.description.split()[0] in row and flow.sources[0].split()[0] in row
    rows = {r.split("`")[1]: r for r in text.splitlines() if r.startswith("| `")}
    assert list(rows)[0] == "statewide"
    assert "| `san_joaquin` |" in rows["contra_costa"] and "| - |" in rows["statewide"]


def test_reference_pages_are_written_and_included_by_the_method_page(tmp_path: Path) -> None:
    written = docs.write_reference_pages(tmp_path)
    assert [p.name for p in written] == [docs.STEP_TYPES_PAGE, docs.PRESETS_PAGE]
    assert written[0].read_text(encoding="utf-8") == docs.step_types_markdown()
    page = (ROOT / "book" / "method" / "prop64.md").read_text(encoding="utf-8")
    for name in (docs.STEP_TYPES_PAGE, docs.PRESETS_PAGE):
        assert f"```{{include}} ../generated/{name}" in page
    assert "| `missing_conviction_date` |" not in page  # the table is generated, not hand-written
