"""Agreement of a county's three orders: the rules (its screen), the score R and the model.

Among the people the county's screen passes or cannot decide (the only people either ranking may
list), for each capacity k: the k best by R (the candidate list's ``rank``) and the k best by the
model (``model_rank``), how many of each the screen passes outright, how many are in both, and who
is in one list but not the other (:func:`list_differences`).  :func:`rank_correlation` is the
Spearman correlation of −R and the model score among the people the screen passes, with a
Fisher-z 95 % interval (standard error 1.06 / √(n − 3), Fieller, Hartley & Pearson 1957).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.model.evaluation import Z95
from helpers.model.ranking import RANKABLE

AGREEMENT_COLUMNS = (
    "k",
    "n_by_R",
    "n_by_model",
    "n_both",
    "n_R_only",
    "n_model_only",
    "overlap",
    "n_by_R_passing",
    "n_by_model_passing",
)


def _rankable(candidates: pd.DataFrame) -> pd.DataFrame:
    """The people either ranking may list, with their R order and model rank."""
    c = candidates.loc[candidates["eligibility"].astype("string").isin(RANKABLE).fillna(False)]
    c = c.loc[pd.to_numeric(c["model_rank"], errors="coerce").notna()].copy()
    by = "rank" if "rank" in c else "R"
    c["order_R"] = pd.to_numeric(c[by], errors="coerce").rank(method="first")
    c["order_model"] = pd.to_numeric(c["model_rank"], errors="coerce").rank(method="first")
    return c


def agreement_table(candidates: pd.DataFrame, ks: tuple[int, ...]) -> pd.DataFrame:
    """Per k: the sizes of the two top-k lists, their overlap and how many the screen passes."""
    c = _rankable(candidates)
    passing = (c["eligibility"].astype("string") == "eligible").to_numpy(dtype=bool)
    rows = []
    for k in ks:
        by_r = (c["order_R"] <= k).to_numpy(dtype=bool)
        by_m = (c["order_model"] <= k).to_numpy(dtype=bool)
        both = int((by_r & by_m).sum())
        size = min(k, len(c))
        rows.append(
            {
                "k": k,
                "n_by_R": int(by_r.sum()),
                "n_by_model": int(by_m.sum()),
                "n_both": both,
                "n_R_only": int((by_r & ~by_m).sum()),
                "n_model_only": int((by_m & ~by_r).sum()),
                "overlap": both / size if size else np.nan,
                "n_by_R_passing": int((by_r & passing).sum()),
                "n_by_model_passing": int((by_m & passing).sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))


def rank_correlation(candidates: pd.DataFrame) -> pd.DataFrame:
    """Spearman's ρ of −R and the model score among the people the screen passes, with its interval."""
    from scipy.stats import spearmanr

    c = _rankable(candidates)
    c = c.loc[(c["eligibility"].astype("string") == "eligible").to_numpy(dtype=bool)]
    r = pd.to_numeric(c["R"], errors="coerce").to_numpy(dtype="float64")
    s = pd.to_numeric(c["model_score"], errors="coerce").to_numpy(dtype="float64")
    ok = np.isfinite(r) & np.isfinite(s)
    n = int(ok.sum())
    rho = lo = hi = np.nan
    if n >= 4 and np.ptp(r[ok]) > 0 and np.ptp(s[ok]) > 0:
        rho = float(spearmanr(-r[ok], s[ok]).statistic)
        z, se = np.arctanh(np.clip(rho, -0.999999, 0.999999)), 1.06 / np.sqrt(n - 3)
        lo, hi = float(np.tanh(z - Z95 * se)), float(np.tanh(z + Z95 * se))
    return pd.DataFrame(
        [
            {
                "measure": "Spearman rho (-R, model score), screen passes",
                "n": n,
                "value": rho,
                "ci_low": lo,
                "ci_high": hi,
            }
        ]
    )


def list_differences(candidates: pd.DataFrame, k: int) -> pd.DataFrame:
    """The people in the top k by R or by the model but not both: who each list adds."""
    c = _rankable(candidates)
    by_r, by_m = c["order_R"] <= k, c["order_model"] <= k
    out = c.loc[(by_r ^ by_m).to_numpy(dtype=bool)].copy()
    out["list"] = np.where(
        (out["order_R"] <= k).to_numpy(), f"top {k} by R only", f"top {k} by model only"
    )
    cols = ["cdcno", "list", "eligibility", "order_R", "order_model", "R", "model_score"]
    out = out[[col for col in cols if col in out]].rename(
        columns={"order_R": "place_by_R", "order_model": "place_by_model"}
    )
    return out.sort_values(["list", "place_by_R"], kind="stable").reset_index(drop=True)
