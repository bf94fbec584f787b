"""The Prop 64 method page's reference tables, generated from the code and the preset files.

:func:`step_types_markdown` lists the step types of :data:`helpers.prop64.steps.STEP_TYPES` (their
settings, test and default reason), :func:`presets_markdown` the preset flows of
``configs/prop64/`` (name, county, what each extends, description and sources). The site build
writes them into ``book/generated/``, which ``book/method/prop64.md`` includes, so the page always
says what the code does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers import yamlconfig
from helpers.prop64.flows import load_flow, presets
from helpers.prop64.steps import STEP_TYPES, Param, StepType

STEP_TYPES_PAGE = "prop64_step_types.md"
PRESETS_PAGE = "prop64_presets.md"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _setting(name: str, param: Param) -> str:
    if param.required:
        rule = "required"
    elif isinstance(param.default, dt.date):
        rule = f"default {param.default.isoformat()}"
    elif isinstance(param.default, bool):
        rule = f"default {str(param.default).lower()}"
    elif param.default in (None, [], ()):
        rule = "optional"
    else:
        rule = f"default `{param.default}`"
    return f"`{name}`: {param.describe()} ({rule})"


def _default_reason(spec: StepType) -> str:
    if isinstance(spec.reason, str):
        return f"`{spec.reason}`"
    by_outcome = [f"{k}: `{v}`" for k, v in spec.reason.items() if k != "*"]
    return "; ".join([*by_outcome, f"otherwise `{spec.reason['*']}`"])


def step_types_markdown() -> str:
    """The table of step types (MyST Markdown), one row per entry of the registry."""
    lines = [
        "| Type | Settings | The test holds when | Default reason | Eligibility Reason |",
        "|---|---|---|---|---|",
    ]
    for kind, spec in STEP_TYPES.items():
        settings = "; ".join(_setting(n, p) for n, p in spec.params.items()) or "none"
        label = f"`{spec.reference}` (Clear My Record)" if spec.reference else "the reason"
        lines.append(
            f"| `{kind}` | {_cell(settings)} | {_cell(spec.doc)} | "
            f"{_cell(_default_reason(spec))} | {_cell(label)} |"
        )
    return "\n".join(lines) + "\n"


def presets_markdown() -> str:
    """The table of preset flows (MyST Markdown): name, county, parent, description, sources."""
    lines = [
        "| Preset | County | Extends | Description | Sources |",
        "|---|---|---|---|---|",
    ]
    for name, path in sorted(presets().items(), key=lambda item: (item[0] != "statewide", item[0])):
        flow = load_flow(path)
        parents = yamlconfig.parents_of(yamlconfig.read_mapping(path), path)
        extends = ", ".join(f"`{p}`" for p in parents) or "-"
        county = flow.county.title() if flow.county else "any"
        sources = "; ".join(flow.sources)
        lines.append(
            f"| `{name}` ({path.name}) | {_cell(county)} | {extends} | "
            f"{_cell(flow.description)} | {_cell(sources)} |"
        )
    return "\n".join(lines) + "\n"


def write_reference_pages(out: Path) -> list[Path]:
    """Write the step-type and preset tables into ``out`` (``book/generated/``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        (STEP_TYPES_PAGE, step_types_markdown()),
        (PRESETS_PAGE, presets_markdown()),
    ):
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
