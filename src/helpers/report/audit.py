"""Views of the county bias-audit notebook: the audit's selections and their selection-audit table."""

from __future__ import annotations

import pandas as pd

from helpers.report.context import CountyContext


def selection_audit_table(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """Selection rates and disparity ratios by race group for each selection, suppressed in public.

    The selections are the audit's (:func:`helpers.audit.selections`: screen-eligible, the first k
    of the county's ranking by R and by the model), named in words (``top 50 by R``); ``k`` defaults
    to the county's ``ranking.top_k``.
    """
    from helpers import audit

    k = int(k or ctx.config.top_k)
    people = ctx.people.set_index("cdcno").loc[ctx.candidates["cdcno"]].reset_index()
    frames = []
    for name, selected in audit.selections(people, ctx.candidates, k).items():
        table = audit.selection_audit(
            people,
            selected.to_numpy(),
            groups={"race_group": ["race_group"]},
            n_boot=500,
            seed=ctx.seed,
        )
        table = audit.protect_selection_audit(table, ctx.mode)
        table.insert(0, "selection", name.replace("_", " "))
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
