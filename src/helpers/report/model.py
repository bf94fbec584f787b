"""Views of the model notebook: which model ranks the county, its summary in words, figures and
tables, its list and how the list agrees with the rules and the score R."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.model import (
    COUNTY,
    KS,
    PLAN_FILE,
    ModelMetadata,
    ModelSettings,
    agreement_table,
    count_text,
    county_model_dir,
    list_differences,
    method_name,
    rank_correlation,
    read_metadata,
)
from helpers.privacy import SMALL_CELL, pseudonymise, suppress
from helpers.report import present
from helpers.report.cleaning import count_words
from helpers.report.context import CountyContext

#: Human names of the metrics of the model's tables.
METRIC_LABELS = {
    "pr_auc": "PR-AUC",
    **{f"{m}_at_{k}": f"{m.capitalize()}@{k}" for k in KS for m in ("precision", "recall")},
    "precision": "Precision",
    "recall": "Recall",
}

#: Count columns of the tables that count people (suppressed 1-10 in public mode).
_COUNTS = {
    "metrics": ["n"],
    "comparison": ["n"],
    "time_split": ["n"],
    "by_group": ["n", "n_positive", "n_flagged", "n_found"],
    "calibration": ["n", "positives"],
    "inspection": ["n_positive_decisions", "n_top_unreviewed", "n_other_unreviewed"],
}


def model_dir(ctx: CountyContext) -> Path:
    """The folder of the model that ranks the county: its own, or the statewide one."""
    model = ctx.shared.model
    if model.ranks_by.get(ctx.county) == COUNTY:
        return county_model_dir(model.dir, ctx.county)
    return model.dir


def model_table(ctx: CountyContext, name: str) -> pd.DataFrame:
    """One evaluation table of the model that ranks the county (metrics, comparison, weights, …)."""
    path = model_dir(ctx) / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame({"note": [f"no {name} table: this model's run did not compute it"]})
    table = pd.read_csv(path)
    numeric = table.select_dtypes("number").columns
    table[numeric] = table[numeric].round(3)
    counts = [c for c in _COUNTS.get(name, []) if c in table]
    if ctx.public and counts:
        table = suppress(table, counts).drop(columns=["suppressed", "suppression"], errors="ignore")
    return table


def model_plan(ctx: CountyContext) -> pd.DataFrame:
    """The county's decisions and the model that ranks it (its own, or the statewide one)."""
    path = ctx.shared.model.dir / PLAN_FILE
    if not path.exists():
        return pd.DataFrame({"note": ["no county plan in this run"]})
    plan = pd.read_csv(path)
    row = plan.loc[plan["county"] == ctx.county]
    if ctx.public:
        row = suppress(row, ["n_decisions", "n_positive", "n_negative"])
        row = row.drop(columns=["suppressed", "suppression"], errors="ignore")
    return row.reset_index(drop=True)


def _meta(ctx: CountyContext) -> ModelMetadata | None:
    """The metadata of the model that ranks the county (``None`` when no model was trained)."""
    path = model_dir(ctx) / "model.json"
    return read_metadata(path) if path.is_file() else None


def model_setting(ctx: CountyContext) -> pd.DataFrame:
    """The ranking model's settings, once: label, decisions, evaluation, parameters, hash."""
    meta = _meta(ctx)
    if meta is None:
        why = ctx.candidates.get("model_status", pd.Series(["no model in this run"])).iloc[0]
        return pd.DataFrame({"Item": ["ranked by"], "Value": [str(why)]}).astype("string")
    d, e, p = meta.data, meta.evaluation, meta.parameters
    decisions = count_text(d.n_decisions) if ctx.public else f"{d.n_decisions:,}"
    positives = count_text(d.n_positive) if ctx.public else f"{d.n_positive:,}"
    rows = [
        ("ranked by", ctx.shared.model.ranks_by.get(ctx.county, "statewide model")),
        ("model trained on the decisions of", meta.county),
        ("label", meta.label_definition),
        ("people never reviewed", meta.unlabelled),
        ("decisions", f"{decisions} ({positives} positive, {100 * d.positive_share:.1f} %)"),
        ("decision dates", f"{d.first_decision} to {d.last_decision}"),
        ("cross-validation", f"{e.n_splits}-fold grouped by person × {e.n_repeats} repeats"),
        ("time split", f"train before {e.time_cutoff}, test the later decisions of unseen people"),
        ("office capacity k", f"{p.capacity} (also reported: k = {_text(p.ks)})"),
        ("intervals", "Wilson for precision@k and recall@k; bootstrap over folds for PR-AUC"),
        (
            "forest",
            f"{meta.model}: {p.n_estimators} trees, max_depth {_text(p.max_depth)}, "
            f"min_samples_leaf {p.min_samples_leaf}, max_features {p.max_features}, "
            f"sampling_strategy {p.sampling_strategy}, SMOTENC {'yes' if p.smote else 'no'}",
        ),
        ("seed", str(meta.seed)),
        ("data as of", meta.as_of),
        ("training-data hash", d.training_data_sha256),
    ]
    return pd.DataFrame(
        [(item, _text(value)) for item, value in rows], columns=["Item", "Value"]
    ).astype({"Value": "string"})


def _text(value: object) -> str:
    """A setting's value as text (a tuple as a list, ``None`` as ``none``)."""
    if value is None:
        return "none"
    return str(list(value)) if isinstance(value, tuple) else str(value)


def _ids(ctx: CountyContext, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a pseudonymous ``person`` (public) or its ``cdcno`` (DA mode) first."""
    out = frame.drop(columns=["cdcno"])
    if ctx.public:
        out.insert(0, "person", pseudonymise(frame["cdcno"], ctx.salt).to_numpy())
    else:
        out.insert(0, "cdcno", frame["cdcno"].to_numpy())
    return out.reset_index(drop=True)


def model_ranked_list(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """The county's first k by model score (default: the office capacity of the ranking model; 0:
    everybody ranked): only people its screen passes or cannot decide."""
    if "model_rank" not in ctx.candidates or ctx.candidates["model_rank"].isna().all():
        why = "nobody is ranked: the county's screen passes nobody, or no model was trained"
        return pd.DataFrame({"note": [why]})
    if k is None:
        path = model_dir(ctx) / "model.json"
        k = read_metadata(path).parameters.capacity if path.is_file() else ModelSettings().capacity
    ranked = ctx.candidates.loc[ctx.candidates["model_rank"].notna()]
    top = ranked.sort_values("model_rank", kind="stable")
    top = top.head(k) if k else top
    cols = ["cdcno", "model_rank", "model_score", "rank", "eligibility", "R", "top_features"]
    return _ids(ctx, top[[c for c in cols if c in top]]).round(3)


def model_exclusions(ctx: CountyContext) -> pd.DataFrame:
    """How many people the model ranks, and how many it may not (the county's screen excludes
    them), by status; counts of 1-10 suppressed in public mode."""
    if "model_status" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model columns in this run"]})
    table = (
        ctx.candidates["model_status"]
        .value_counts()
        .rename_axis("model_status")
        .reset_index(name="n")
    )
    if ctx.public:
        table = suppress(table, ["n"]).drop(columns=["suppressed", "suppression"])
    return table


def model_agreement(ctx: CountyContext) -> pd.DataFrame:
    """Rules vs score vs model: for k = 25, 50, 100, the two top-k lists and their overlap."""
    if "model_rank" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model columns in this run"]})
    table = agreement_table(ctx.candidates, KS)
    if ctx.public:
        counts = [c for c in table.columns if c.startswith("n_")]
        table = suppress(table, counts, derived={"overlap": ["n_both"]})
        table = table.drop(columns=["suppressed", "suppression"])
    return table.round(3)


def model_rank_correlation(ctx: CountyContext) -> pd.DataFrame:
    """Spearman's ρ of −R and the model score among the people the county's screen passes."""
    if "model_rank" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model columns in this run"]})
    table = rank_correlation(ctx.candidates)
    if ctx.public:
        table = suppress(table, ["n"]).drop(columns=["suppressed", "suppression"])
    return table.round(3)


def model_list_differences(ctx: CountyContext, k: int = 50) -> pd.DataFrame:
    """Who is in the top k by R but not by the model, and the other way round."""
    if "model_rank" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model columns in this run"]})
    return _ids(ctx, list_differences(ctx.candidates, k)).round(3)


def agreement_sheets(ctx: CountyContext) -> dict[str, pd.DataFrame]:
    """The agreement tables of the DA export: rules vs score vs model, the rank correlation and who
    each top-50 list adds."""
    return {
        "agreement": model_agreement(ctx),
        "rank correlation": model_rank_correlation(ctx),
        "list differences": model_list_differences(ctx),
    }


def _interval_text(value: object, lo: object, hi: object, digits: int = 2) -> str:
    """``0.62 (0.43–0.78)``; the value alone without an interval; empty when there is no value."""

    def missing(v: object) -> bool:
        return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))

    if missing(value):
        return ""
    if missing(lo) or missing(hi):
        return _number(float(value), digits)
    sep = " to " if min(float(lo), float(hi)) < 0 else "–"
    return (
        f"{_number(float(value), digits)} ({_number(float(lo), digits)}{sep}"
        f"{_number(float(hi), digits)})"
    )


def _number(v: float, digits: int) -> str:
    """``v`` with ``digits`` decimals, or two significant digits when it is smaller than that."""
    size = abs(v)
    if size < 5e-6 or size >= 10 ** (1 - digits):
        return f"{v:.{digits}f}"
    return f"{v:.{max(digits, 1 - math.floor(math.log10(size)))}f}"


def _raw(ctx: CountyContext, name: str) -> pd.DataFrame:
    """One evaluation table of the ranking model as written (empty when not computed)."""
    path = model_dir(ctx) / f"{name}.csv"
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


def _hidden(ctx: CountyContext, n: object) -> bool:
    """True when a value rests on 1-10 people and the page is public."""
    return ctx.public and isinstance(n, int | float) and not math.isnan(n) and 1 <= n < SMALL_CELL


def _headline(ctx: CountyContext) -> tuple[str, ...]:
    """PR-AUC, precision@k and recall@k at the ranking model's office capacity k."""
    meta = _meta(ctx)
    k = meta.parameters.capacity if meta is not None else ModelSettings().capacity
    return ("pr_auc", f"precision_at_{k}", f"recall_at_{k}")


def model_methods(
    ctx: CountyContext, name: str = "comparison", metrics: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Methods × metrics (default: PR-AUC, precision@k and recall@k at the office capacity k), each
    cell a value with its 95 % interval, of the cross-validation (``comparison``) or the time split
    (``time_split``)."""
    metrics = metrics or _headline(ctx)
    t = _raw(ctx, name)
    if t.empty:
        return pd.DataFrame({"note": [f"no {name.replace('_', ' ')} in this run"]})
    t = t.loc[t["method"] != "policy memo"]
    rows = []
    for method, part in t.groupby("method", sort=False):
        by = part.set_index("metric")
        row = {"Method": method}
        for metric in metrics:
            if metric in by.index:
                r = by.loc[metric]
                hide = _hidden(ctx, r.get("n"))
                cell = "" if hide else _interval_text(r["value"], r["ci_low"], r["ci_high"])
                row[METRIC_LABELS[metric]] = cell
        rows.append(row)
    return pd.DataFrame(rows)


def _errors(value: np.ndarray, low: pd.Series, high: pd.Series) -> np.ndarray:
    """Error-bar lengths below and above ``value`` (never negative; 0 where unknown)."""
    lo = value - pd.to_numeric(low, errors="coerce").to_numpy(dtype="float64")
    hi = pd.to_numeric(high, errors="coerce").to_numpy(dtype="float64") - value
    return np.clip(np.nan_to_num(np.vstack([lo, hi])), 0, None)


def model_capacity_figure(ctx: CountyContext) -> present.Html | pd.DataFrame:
    """Precision@k and recall@k of every method with their Wilson intervals (cross-validated)."""
    import matplotlib.pyplot as plt

    t = _raw(ctx, "comparison")
    if t.empty:
        return pd.DataFrame({"note": ["no comparison in this run"]})
    t = t.loc[t["metric"].str.contains("_at_", regex=False)].copy()
    t["kind"], t["k"] = t["metric"].str.split("_at_").str[0], t["metric"].str.split("_at_").str[1]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    methods = list(dict.fromkeys(t["method"]))
    width = 0.8 / max(len(methods), 1)
    for ax, kind in zip(axes, ("precision", "recall"), strict=True):
        part = t.loc[t["kind"] == kind]
        ks = list(dict.fromkeys(part["k"]))
        for i, method in enumerate(methods):
            m = part.loc[part["method"] == method].set_index("k").reindex(ks)
            x = np.arange(len(ks)) + (i - (len(methods) - 1) / 2) * width
            v = m["value"].to_numpy(dtype="float64")
            err = _errors(v, m["ci_low"], m["ci_high"])
            ax.errorbar(
                x,
                v,
                yerr=err,
                fmt="o",
                capsize=3,
                label=method,
                color=present.PALETTE[i % len(present.PALETTE)],
            )
        ax.set_xticks(np.arange(len(ks)), [f"k = {k}" for k in ks])
        ax.set_ylabel(f"{kind}@k")
        ax.set_ylim(0, 1)
        ax.set_title(f"{kind.capitalize()} among the first k")
    axes[1].legend(fontsize=8, loc="upper left", frameon=False)
    return present.figure(
        fig,
        "Of the k best-scored reviewed cases, the share found suitable (left) and the share of all "
        "suitable cases they hold (right), cross-validated, with 95 % Wilson intervals.",
    )


def model_calibration_figure(ctx: CountyContext) -> present.Html | pd.DataFrame:
    """Observed share of positive decisions by score band, with Wilson intervals."""
    import matplotlib.pyplot as plt

    t = _raw(ctx, "calibration")
    if t.empty:
        return pd.DataFrame({"note": ["no calibration table in this run"]})
    if "suppressed" in t:
        t = t.loc[~t["suppressed"].fillna(False).astype(bool)]
    t = t.dropna(subset=["mean_score", "observed_share"])
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    v = t["observed_share"].to_numpy(dtype="float64")
    err = _errors(v, t["observed_low"], t["observed_high"])
    ax.errorbar(t["mean_score"], v, yerr=err, fmt="o", capsize=3, color=present.PALETTE[0])
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="score = share")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean model score of the band")
    ax.set_ylabel("share of positive decisions")
    ax.legend(frameon=False, loc="upper left")
    return present.figure(
        fig,
        "Ten equal-count bands of the out-of-fold score: the share found suitable rises with the "
        "score (95 % Wilson intervals); the score orders people but is not a probability.",
    )


def model_feedback(ctx: CountyContext) -> pd.DataFrame:
    """Before and after more decisions, on later decisions neither model saw, and the change
    (PR-AUC, precision@k and recall@k at the office capacity k)."""
    t = _raw(ctx, "feedback")
    if t.empty:
        meta = _meta(ctx)
        status = meta.feedback_status if meta is not None else "no model in this run"
        return pd.DataFrame({"note": [status]})
    t = t.loc[t["metric"].isin(_headline(ctx))]
    rows = [
        {
            "Metric": METRIC_LABELS.get(r["metric"], r["metric"]),
            "Fewer decisions": _interval_text(r["before"], r["before_low"], r["before_high"]),
            "More decisions": _interval_text(r["after"], r["after_low"], r["after_high"]),
            "Change": _interval_text(r["change"], r["change_low"], r["change_high"]),
        }
        for r in t.to_dict("records")
    ]
    return pd.DataFrame(rows)


def model_groups(ctx: CountyContext) -> pd.DataFrame:
    """Recall and precision by race group with intervals (counts of 1-10 suppressed)."""
    t = model_table(ctx, "by_group")
    if "note" in t:
        return t
    out = pd.DataFrame({"Race/ethnicity": t["group"]})
    for col, name in (("n", "Decisions"), ("n_positive", "Positive"), ("n_flagged", "Flagged")):
        out[name] = t[col].map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
    for metric in ("recall", "precision"):
        out[metric.capitalize()] = [
            _interval_text(v, lo, hi)
            for v, lo, hi in zip(t[metric], t[f"{metric}_low"], t[f"{metric}_high"], strict=True)
        ]
    out.attrs["suppressed"] = bool(t[["n", "n_positive", "n_flagged"]].isna().any().any())
    return out


def model_weights(ctx: CountyContext) -> pd.DataFrame:
    """The weights of R learned from the decisions beside the office's, with intervals."""
    t = _raw(ctx, "weights")
    if t.empty:
        return pd.DataFrame({"note": ["no learned weights in this run"]})
    return pd.DataFrame(
        {
            "Weight": t["weight"],
            "Office": t["office_label"].astype("string"),
            "Learned (office scale)": [
                _interval_text(v, lo, hi)
                for v, lo, hi in zip(
                    t["learned_office_scale"],
                    t["learned_office_scale_low"],
                    t["learned_office_scale_high"],
                    strict=True,
                )
            ],
            "Direction": t["direction"].fillna("").astype("string"),
        }
    )


def model_importance(ctx: CountyContext, top: int = 10) -> pd.DataFrame:
    """The ``top`` features whose shuffling lowers PR-AUC most on the later decisions."""
    t = _raw(ctx, "importance")
    if t.empty:
        return pd.DataFrame({"note": ["no importance table in this run"]})
    t = t.head(top)
    return pd.DataFrame(
        {
            "Feature": t["feature"],
            "Fall in PR-AUC when shuffled": [
                _interval_text(m, None, None, 3) + f" ± {s:.3f}"
                for m, s in zip(t["importance_mean"], t["importance_std"], strict=True)
            ],
        }
    )


def model_ranked_download(ctx: CountyContext, top: int = 10) -> present.Html | pd.DataFrame:
    """Every person the model ranks, best first, as a download; the first ``top`` shown."""
    listed = model_ranked_list(ctx, k=0)
    if "note" in listed:
        return listed
    return present.download_table(
        ctx, listed, "model-ranked", top=top, caption="The first candidates by model score"
    )


def model_differences_download(ctx: CountyContext, k: int = 50) -> present.Html | pd.DataFrame:
    """Who is in the top k by R but not by the model and the other way round, as a download."""
    diffs = model_list_differences(ctx, k)
    if "note" in diffs or diffs.empty:
        return diffs if "note" in diffs else pd.DataFrame({"note": [f"the two top-{k} agree"]})
    return present.download_table(
        ctx, diffs, "model-list-differences", top=5, caption=f"In one top-{k} list only"
    )


def model_inspection_download(ctx: CountyContext, top: int = 5) -> present.Html | pd.DataFrame:
    """Positive decisions beside the best-ranked unreviewed people, largest differences first."""
    t = model_table(ctx, "inspection")
    if "note" in t:
        return t
    smd = [c for c in t.columns if c.startswith("smd_")]
    if smd:
        t = t.iloc[np.argsort(-t[smd[0]].abs().to_numpy(), kind="stable")].reset_index(drop=True)
        t = t.rename(columns={smd[0]: "standardised_difference"})
    return present.download_table(
        ctx, t, "model-inspection", top=top, caption="Features that differ most"
    )


def _metric(table: pd.DataFrame, method: str, metric: str) -> dict | None:
    """One row (value, ci_low, ci_high, n) of a method × metric table, or ``None``."""
    if table.empty:
        return None
    rows = table.loc[(table["method"] == method) & (table["metric"] == metric)]
    return None if rows.empty else rows.iloc[0].to_dict()


def _who_ranks(ctx: CountyContext, meta: ModelMetadata) -> str:
    """Which model ranks the county, and on how many decisions, in words."""
    path = ctx.shared.model.dir / PLAN_FILE
    plan = pd.read_csv(path) if path.exists() else pd.DataFrame({"county": []})
    rows = plan.loc[plan["county"] == ctx.county]
    row = rows.iloc[0].to_dict() if len(rows) else {}
    own = ctx.shared.model.ranks_by.get(ctx.county) == COUNTY
    trained = count_words(ctx, meta.data.n_decisions)
    if own:
        return f"{ctx.county}'s people are ranked by the county's own model, trained on its office's {trained} review decisions."
    n = row.get("n_decisions")
    office = "no decisions" if not n or pd.isna(n) else f"{count_words(ctx, int(n))} decisions"
    return (
        f"{ctx.county}'s people are ranked by the statewide model, trained on every office's "
        f"{trained} review decisions: this office has recorded {office}, fewer than a county "
        "model needs."
    )


def _performance(ctx: CountyContext, meta: ModelMetadata) -> list[str]:
    """The headline numbers: cross-validated and on later decisions, beside the score R."""
    chosen, k = method_name(meta.parameters), meta.parameters.capacity
    cv, later = _raw(ctx, "comparison"), _raw(ctx, "time_split")
    words = []
    pr, at_k = _metric(cv, chosen, "pr_auc"), _metric(cv, chosen, f"precision_at_{k}")
    if pr is not None and at_k is not None:
        words.append(
            f"Cross-validated over reviewed cases, the model's PR-AUC is "
            f"{_interval_text(pr['value'], pr['ci_low'], pr['ci_high'])} against "
            f"{meta.data.positive_share:.2f} for a random order, and of its {k} best-scored "
            f"reviewed cases a share of {_interval_text(at_k['value'], at_k['ci_low'], at_k['ci_high'])} "
            "was found suitable."
        )
    ours, office = (
        _metric(later, chosen, "pr_auc"),
        _metric(later, "score R (office weights)", "pr_auc"),
    )
    learned = _metric(later, "score R (learned weights)", "pr_auc")
    if ours is not None and office is not None:
        text = (
            f"On later decisions of people no model saw (from {meta.evaluation.time_cutoff}), its "
            f"PR-AUC is {_interval_text(ours['value'], ours['ci_low'], ours['ci_high'])}; the "
            f"score R with the office's weights reaches "
            f"{_interval_text(office['value'], office['ci_low'], office['ci_high'])}"
        )
        if learned is not None:
            text += (
                ", and with weights learned from the decisions "
                f"{_interval_text(learned['value'], learned['ci_low'], learned['ci_high'])}"
            )
        words.append(text + ".")
    return words


def _feedback_words(ctx: CountyContext, meta: ModelMetadata) -> str:
    """Does learning from more decisions help, on decisions neither model saw?"""
    t = _raw(ctx, "feedback")
    if t.empty:
        return f"Feedback {meta.feedback_status}."
    r = t.set_index("metric").loc["pr_auc"]
    verdict = (
        "helps"
        if r["change_low"] > 0
        else "hurts"
        if r["change_high"] < 0
        else "makes no clear difference"
    )
    return (
        "Trained on more decisions, the model's PR-AUC on the same later decisions changes by "
        f"{_interval_text(r['change'], r['change_low'], r['change_high'])}: more feedback "
        f"{verdict} so far."
    )


def _agreement_words(ctx: CountyContext) -> str:
    """How many of the first k by R are also among the first k by the model."""
    if "model_rank" not in ctx.candidates or ctx.candidates["model_rank"].isna().all():
        return "Nobody is ranked by the model, so its list cannot be compared with R's."
    t = agreement_table(ctx.candidates, KS)
    r = t.loc[t["k"] == 50].iloc[0] if (t["k"] == 50).any() else t.iloc[0]
    size = int(min(r["k"], max(r["n_by_R"], r["n_by_model"])))
    return (
        f"Of the first {count_words(ctx, size)} by the score R and by the model, "
        f"{count_words(ctx, int(r['n_both']))} are in both lists."
    )


def model_summary(ctx: CountyContext) -> present.Html:
    """The page's opening words, computed: who ranks the county and whom, how well (with
    intervals, beside the score R), whether feedback helps, agreement with R, and the caveats."""
    meta = _meta(ctx)
    status = ctx.candidates.get("model_status", pd.Series(dtype="string")).astype("string")
    ranked = int(status.eq("ranked").sum())
    excluded = int(len(status) - ranked)
    reach = (
        f"Only the {count_words(ctx, ranked)} people the county's screen passes or cannot decide "
        f"are ranked; the other {count_words(ctx, excluded)} are never model candidates."
        if ranked
        else "The county's screen passes nobody and leaves nobody undecided, so the model ranks "
        "nobody here."
    )
    if meta is None:
        paragraphs = [f"No model ranks {ctx.county}'s people in this run. {reach}"]
    else:
        paragraphs = [
            f"{_who_ranks(ctx, meta)} {reach}",
            " ".join(_performance(ctx, meta)),
            f"{_feedback_words(ctx, meta)} {_agreement_words(ctx)}",
            f"The policy memo reported recall {meta.memo.recall:.2f} and precision "
            f"{meta.memo.precision:.2f} for a model trained on a rule-like label; its setting "
            "differs (the model card explains how), so the numbers are not comparable. When the "
            "data is the synthetic default, every number here measures how well the model "
            "recovers the generator of the synthetic decision log, not how it would do on an "
            "office's real decisions.",
        ]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
    return present.Html(f'<div class="sl-summary">{body}</div>')
