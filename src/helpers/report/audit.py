"""Views of the county bias-audit notebook: selections and their audit tables."""

from __future__ import annotations

import pandas as pd

from helpers.report.context import CountyContext


def selections(ctx: CountyContext, k: int | None = None) -> dict[str, pd.Series]:
    """The selections the audit compares: screen-eligible, top-k by R, top-k by model (if any)."""
    k = int(k or ctx.config.top_k)
    c = ctx.candidates
    out = {
        "screen eligible": (c["eligibility"] == "eligible"),
        f"top {k} by R": c["rank"] <= k,
    }
    if "model_rank" in c and c["model_rank"].notna().any():
        model_rank = c["model_rank"].rank(method="first")
        out[f"top {k} by model"] = model_rank <= k
    return {
        name: s.fillna(False).astype(bool).set_axis(c["cdcno"].to_numpy())
        for name, s in out.items()
    }


def selection_audit_table(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """Selection rates and disparity ratios by race group for each selection, suppressed in public."""
    from helpers import audit

    people = ctx.people.set_index("cdcno").loc[ctx.candidates["cdcno"]].reset_index()
    frames = []
    for name, selected in selections(ctx, k).items():
        table = audit.selection_audit(
            people,
            selected.to_numpy(),
            groups={"race_group": ["race_group"]},
            n_boot=500,
            seed=ctx.seed,
        )
        table = audit.protect_selection_audit(table, ctx.mode)
        table.insert(0, "selection", name)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
