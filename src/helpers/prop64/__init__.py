"""Prop 64 cannabis-conviction relief engine for CA DOJ criminal-history research files.

Reads the DOJ 95-column research file, groups rows into people, finds each Prop 64 conviction
(HS 11357-11360) of a county, and runs a configurable decision flow (``configs/prop64/*.yaml``)
that gives every such conviction an ``outcome`` (dismiss, reduce, not_eligible, review) and a plain
``reason``. See ``book/method/prop64.md``.

Names are imported lazily so that ``secondlook --help`` does not load numpy or pyarrow.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "is_pc290": "codes",
    "is_superstrike": "codes",
    "normalize_section": "codes",
    "parse_section": "codes",
    "possible_other_prop64": "codes",
    "prop64_section": "codes",
    "related_charge": "codes",
    "section_text": "codes",
    "ADDED_COLUMNS": "engine",
    "Evaluation": "engine",
    "evaluate": "engine",
    "OUTCOMES": "flows",
    "STEP_TYPES": "flows",
    "Flow": "flows",
    "apply_flow": "flows",
    "flow_for_county": "flows",
    "load_flow": "flows",
    "parse_flow": "flows",
    "presets": "flows",
    "DOJ_COLUMNS": "read",
    "DojFile": "read",
    "read_doj": "read",
    "FileResult": "report",
    "process_file": "report",
    "run_prop64": "report",
    "write_csv": "report",
    "generate_doj": "sample",
    "write_sample": "sample",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"helpers.prop64.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'helpers.prop64' has no attribute {name!r}")
