"""What if a rule of the screen were dropped?  People added and how the selection ratios change.

:func:`criterion_what_if` takes the candidate list's rule columns (``rule_<name>``: true = the
person passes the rule, NA = the record cannot tell) and, for each rule, selects the people who pass
every *other* rule.  Per rule: how many more people would pass, and the selection audit of that
selection by race group (Wilson and Katz intervals, flags after the correction), beside the screen
as configured.  A person whose record cannot decide another rule is not counted as passing it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.audit.constants import RATIO_BOUNDS, REFERENCE_GROUP
from helpers.audit.groups import add_groups
from helpers.audit.selection import SELECTION_DERIVED, protect_selection_audit, selection_audit

RULE_PREFIX = "rule_"
"""The prefix of the candidate list's rule columns."""
AS_CONFIGURED = "the screen as configured"
"""The ``selection`` of the what-if table's baseline rows."""
WHAT_IF_RACE = {"race_group": ["race_group"]}
"""The what-if table compares race groups."""


def rule_columns(candidates: pd.DataFrame) -> list[str]:
    """The rule columns of a candidate list, in its order."""
    return [c for c in candidates.columns if c.startswith(RULE_PREFIX)]


def _passes(candidates: pd.DataFrame, ids: pd.Series, rules: list[str]) -> np.ndarray:
    """Per person of ``ids``: passes every rule in ``rules`` (unknown or missing = no)."""
    cand = candidates.drop_duplicates("cdcno").set_index("cdcno")
    ok = pd.Series(True, index=cand.index)
    for r in rules:
        ok &= cand[r].astype("boolean").fillna(False).astype(bool)
    return ids.map(ok).fillna(False).to_numpy(bool)


def criterion_what_if(
    people: pd.DataFrame,
    candidates: pd.DataFrame,
    reference_group: str = REFERENCE_GROUP,
    *,
    mode: str = "public",
    bounds: tuple[float, float] = RATIO_BOUNDS,
) -> pd.DataFrame:
    """For each rule of the screen: the people who would pass without it, and the selection ratios.

    One block of rows per selection: ``the screen as configured`` (every rule), then
    ``without <rule>`` for each rule; each block is the race-group selection audit
    (:func:`helpers.audit.selection_audit`) with ``rule``, ``n_pass`` (people passing in the
    whole scope) and ``n_added`` (more than as configured), protected for ``mode``.  Empty when
    the candidate list has no rule columns.
    """
    rules = rule_columns(candidates)
    if not rules:
        return pd.DataFrame()
    p = add_groups(people).reset_index(drop=True)
    ids = p["cdcno"].astype("string")
    blocks = [("", AS_CONFIGURED, _passes(candidates, ids, rules))]
    for r in rules:
        others = [x for x in rules if x != r]
        name = r[len(RULE_PREFIX) :]
        blocks.append((name, f"without {name}", _passes(candidates, ids, others)))
    base = int(blocks[0][2].sum())
    parts = []
    for rule, label, mask in blocks:
        t = selection_audit(p, mask, WHAT_IF_RACE, reference_group, bounds=bounds, within=None)
        t.insert(0, "selection", label)
        t.insert(1, "rule", rule)
        t.insert(2, "n_pass", int(mask.sum()))
        t.insert(3, "n_added", int(mask.sum()) - base)
        parts.append(t)
    table = protect_selection_audit(pd.concat(parts, ignore_index=True), mode)
    return _hide_small_totals(table, mode)


def _hide_small_totals(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """In public mode, hide what would reveal 1 to 10 people by difference with the screen as
    configured: ``n_pass`` and ``n_added`` of a rule adding 1 to 10 people, and each group's
    counts, rates and ratios where that group gains 1 to 10 people."""
    if mode == "da":
        return table
    from helpers.privacy import SMALL_CELL

    out = table.copy()
    added = out["n_added"].astype("Int64")
    small_total = (added > 0) & (added < SMALL_CELL)
    out["n_pass"] = out["n_pass"].astype("Int64").mask(small_total)
    out["n_added"] = added.mask(small_total)
    base = out[out["selection"] == AS_CONFIGURED].set_index("group")["n_selected"]
    gain = out["n_selected"].astype("Float64") - out["group"].map(base).astype("Float64")
    small = ((gain > 0) & (gain < SMALL_CELL)).fillna(False) | (
        small_total & (out["group"] == "All")
    )
    small &= out["selection"] != AS_CONFIGURED
    hide = [c for c in SELECTION_DERIVED if c in out] + ["n_selected", "n_not_selected"]
    for col in hide:
        out[col] = out[col].mask(small)
    out.loc[small, "suppressed"] = True
    out.loc[small, "suppression"] = "difference with the screen as configured"
    return out
