"""Learned weights of the score R: a, b, d and the factor weights fitted to the labels.

R = a·Σf(current) + b·Σf(prior)·d^t + Σx·y (:func:`r_values`); :func:`learn_weights` fits the
weights by constrained logistic regression and :func:`weights_table` puts them beside the office's.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.model.features import ScoreTerms
from helpers.model.pipeline import parallel_map
from helpers.screening.config import FACTOR_DIRECTIONS, ScoreSettings


@dataclass
class LearnedWeights:
    """Weights of R fitted to labels (logit units) and the fit's summary."""

    a: float
    b: float
    d: float
    factors: dict[str, float]
    intercept: float
    loss: float
    converged: bool

    def r(self, terms: ScoreTerms, idx: np.ndarray | None = None) -> np.ndarray:
        """R with these weights for the people at positions ``idx`` (all by default)."""
        return r_values(terms, self.a, self.b, self.d, self.factors, idx)


def _prior_sum(terms: ScoreTerms, d: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Σ f·d^t and its derivative in d, per person."""
    t = terms.prior_years
    f = terms.prior_level
    dt = np.power(d, t)
    s = np.bincount(terms.prior_person, weights=f * dt, minlength=n)
    ds = np.bincount(
        terms.prior_person, weights=f * t * np.power(d, np.maximum(t - 1, 0)) * (t > 0), minlength=n
    )
    return s, ds


def r_values(
    terms: ScoreTerms,
    a: float,
    b: float,
    d: float,
    factors: dict[str, float],
    idx: np.ndarray | None = None,
) -> np.ndarray:
    """R = a·Σf(current) + b·Σf(prior)·d^t + Σx·y for every person (or those at ``idx``)."""
    n = len(terms.current_sum)
    prior, _ = _prior_sum(terms, d, n)
    Y = terms.factors[list(factors)].to_numpy(dtype="float64")
    r = a * terms.current_sum + b * prior + Y @ np.array(list(factors.values()), dtype="float64")
    return r if idx is None else r[idx]


def _sample_weights(y: np.ndarray, balanced: bool) -> np.ndarray:
    """Weights of the people in the loss, summing to 1 (each class half of it when ``balanced``)."""
    if balanced:
        n_pos = max(y.sum(), 1.0)
        n_neg = max(len(y) - y.sum(), 1.0)
        w = np.where(y > 0, len(y) / (2 * n_pos), len(y) / (2 * n_neg))
    else:
        w = np.ones_like(y)
    return w / w.sum()


def learn_weights(
    terms: ScoreTerms,
    y: np.ndarray,
    idx: np.ndarray | None = None,
    *,
    balanced: bool = True,
    l2: float = 1e-4,
    start: LearnedWeights | None = None,
) -> LearnedWeights:
    """Fit a, b, d and the factor weights x of R to labels by constrained logistic regression.

    Model: P(positive) = sigmoid(c − R), lower R = better candidate, with a ≥ 0, b ≥ 0 (a graver
    record raises R), 0.001 ≤ d ≤ 1 and x free (the sign says mitigating or aggravating).  The
    loss is the (class-balanced when ``balanced``) log-loss plus a small ridge ``l2`` on the
    standardised weights; optimised by L-BFGS-B with the analytic gradient (scipy).  Weights are in
    logit units: multiply all of a, b, x by one positive number to put them on another scale
    (rankings do not change).  ``start`` is a fit to start from (a bootstrap replicate starts from
    the fit to all data).
    """
    from scipy.optimize import minimize
    from scipy.special import expit
    from threadpoolctl import threadpool_limits

    n_all = len(terms.current_sum)
    idx = np.arange(n_all) if idx is None else np.asarray(idx)
    y = np.asarray(y, dtype="float64")
    if y.shape[0] != idx.shape[0]:
        raise ValueError("y must have one label per person in idx")
    names = list(terms.factors.columns)
    C = terms.current_sum[idx]
    Y = terms.factors.to_numpy(dtype="float64")[idx]
    sc = C.std() or 1.0
    p1, _ = _prior_sum(terms, 1.0, n_all)
    sp = p1[idx].std() or 1.0
    w = _sample_weights(y, balanced)
    m = len(names)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        c0, a_s, b_s, d = theta[:4]
        x = theta[4:]
        ps_all, dps_all = _prior_sum(terms, d, n_all)
        ps, dps = ps_all[idx], dps_all[idx]
        r = a_s * C / sc + b_s * ps / sp + Y @ x
        z = c0 - r
        p = expit(z)
        eps = 1e-12
        value = -(w * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))).sum()
        value += 0.5 * l2 * (a_s**2 + b_s**2 + (x**2).sum())
        g = w * (p - y)  # dL/dz
        grad = np.empty_like(theta)
        grad[0] = g.sum()
        grad[1] = -(g * C / sc).sum() + l2 * a_s
        grad[2] = -(g * ps / sp).sum() + l2 * b_s
        grad[3] = -(g * b_s * dps / sp).sum()
        grad[4:] = -(Y * g[:, None]).sum(axis=0) + l2 * x
        return float(value), grad

    prior = np.clip(np.average(y, weights=w), 1e-6, 1 - 1e-6)
    theta0 = np.r_[np.log(prior / (1 - prior)) + 1.0, 0.5, 0.5, 0.9, np.zeros(m)]
    if start is not None:
        x0 = [start.factors.get(k, 0.0) for k in names]
        theta0 = np.r_[start.intercept, start.a * sc, start.b * sp, start.d, x0]
    bounds = [(None, None), (0.0, None), (0.0, None), (1e-3, 1.0)] + [(None, None)] * m
    # A dozen parameters: BLAS threads only add waiting (ten times slower with two threads).
    with threadpool_limits(1, user_api="blas"):
        res = minimize(
            loss,
            theta0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-8},
        )
    c0, a_s, b_s, d = res.x[:4]
    return LearnedWeights(
        a=float(a_s / sc),
        b=float(b_s / sp),
        d=float(d),
        factors={k: float(v) for k, v in zip(names, res.x[4:], strict=True)},
        intercept=float(c0),
        loss=float(res.fun),
        converged=bool(res.success),
    )


def weights_table(learned: LearnedWeights, office: ScoreSettings) -> pd.DataFrame:
    """Learned weights beside the office's: raw (logit units) and rescaled to the office's scale.

    ``learned_office_scale`` multiplies a, b and every x by one factor so that Σ|weights| equals the
    office's (d is scale-free and shown as is).
    """
    names, learned_v, scale = _scaled(learned, office)
    office_v = np.array(
        [office.a, office.b, *[office.factors.get(k, 0.0) for k in learned.factors]]
    )
    rows = [
        {
            "weight": k,
            "office": float(o),
            "office_label": office.labels.get(k, ""),
            "learned": float(v),
            "learned_office_scale": float(v * scale),
            "direction": (
                ""
                if k in ("a", "b")
                else ("mitigating" if FACTOR_DIRECTIONS.get(k, -1) < 0 else "aggravating")
            ),
        }
        for k, o, v in zip(names, office_v, learned_v, strict=True)
    ]
    rows.insert(
        2,
        {
            "weight": "d",
            "office": office.d,
            "office_label": str(office.d),
            "learned": learned.d,
            "learned_office_scale": learned.d,
            "direction": "",
        },
    )
    return pd.DataFrame(rows)


def _scaled(learned: LearnedWeights, office: ScoreSettings) -> tuple[list[str], np.ndarray, float]:
    """Names (a, b, factors), learned values and the factor that puts them on the office's scale."""
    names = ["a", "b", *learned.factors]
    office_v = np.array(
        [office.a, office.b, *[office.factors.get(k, 0.0) for k in learned.factors]]
    )
    values = np.array([learned.a, learned.b, *learned.factors.values()])
    total = np.abs(values).sum()
    return names, values, (np.abs(office_v).sum() / total if total else np.nan)


#: b times the SD of the undecayed prior sum below this (logit units) puts no real weight on
#: priors, so the decay d is not identified.
B_IDENTIFIED = 0.01
#: Fewest bootstrap replicates an interval is computed from.
MIN_IDENTIFIED = 10


def _refit(
    task: tuple[ScoreTerms, np.ndarray, list[np.ndarray], LearnedWeights],
) -> list[LearnedWeights]:
    """Refit the weights on each bootstrap sample (positions) of ``task``, from the full fit."""
    terms, y, samples, learned = task
    return [learn_weights(terms, y[idx], idx, start=learned) for idx in samples]


def bootstrap_weights(
    terms: ScoreTerms,
    y: np.ndarray,
    groups: pd.Series,
    office: ScoreSettings,
    n_boot: int,
    seed: int,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """:func:`weights_table` with 95 % intervals from a bootstrap over people.

    Each replicate draws people with replacement (all of a person's examples together), refits
    the weights and rescales them to the office's total; ``*_low``/``*_high`` are the 2.5 and 97.5
    percentiles of the replicates, in logit units and on the office's scale.  The decay ``d`` is
    only identified when priors carry weight (b × SD of the prior sum ≥ :data:`B_IDENTIFIED`):
    its value is left blank (NaN) when the fit to all data gives them none, and its interval uses
    the replicates that do and is left blank when fewer than :data:`MIN_IDENTIFIED` do.  The
    samples are drawn first and refitted in ``n_jobs`` processes (the same result for any number).
    """
    y = np.asarray(y, dtype="float64")
    learned = learn_weights(terms, y)
    prior_sd = float(np.std(_prior_sum(terms, 1.0, len(terms.current_sum))[0])) or 1.0
    table = weights_table(learned, office)
    if learned.b * prior_sd < B_IDENTIFIED:
        table.loc[table["weight"] == "d", ["learned", "learned_office_scale"]] = np.nan
    codes, uniques = pd.factorize(pd.Series(groups).astype("string"))
    rows_of = pd.Series(np.arange(len(codes))).groupby(codes).indices
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(uniques), len(uniques))
        idx = np.concatenate([rows_of[i] for i in pick])
        if y[idx].min() < y[idx].max():  # a sample with one class has no fit
            samples.append(idx)
    size = max(1, -(-len(samples) // max(n_jobs, 1)))  # one block of samples per process
    blocks = [(terms, y, samples[i : i + size], learned) for i in range(0, len(samples), size)]
    fits = [fit for block in parallel_map(_refit, blocks, n_jobs) for fit in block]
    raw, scaled = [], []
    for fit in fits:
        _, values, scale = _scaled(fit, office)
        d = fit.d if fit.b * prior_sd >= B_IDENTIFIED else np.nan
        raw.append(np.r_[values[:2], d, values[2:]])
        scaled.append(np.r_[values[:2] * scale, d, values[2:] * scale])
    order = ["a", "b", "d", *learned.factors]
    table = table.set_index("weight").loc[order].reset_index()
    for name, boot in (("learned", raw), ("learned_office_scale", scaled)):
        b = np.array(boot) if boot else np.full((1, len(order)), np.nan)
        enough = np.isfinite(b).sum(axis=0) >= MIN_IDENTIFIED
        with warnings.catch_warnings():  # an all-NaN column (d without b) has no quantile
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanquantile(b, [0.025, 0.975], axis=0)
        table[f"{name}_low"] = np.where(enough, lo, np.nan)
        table[f"{name}_high"] = np.where(enough, hi, np.nan)
    table["n_boot"] = len(raw)
    return table


def weights_preset(table: pd.DataFrame, source: str) -> str:
    """The learned weights (office scale) as a preset file an office can adopt or ignore.

    The preset holds only the ``score`` weights: copied to ``configs/presets/`` and named last in a
    county file's ``extends`` list, it replaces the weights and keeps the county's screen.
    """
    t = table.set_index("weight")
    w = t["learned_office_scale"]
    factors = [k for k in table["weight"] if k not in ("a", "b", "d")]
    d, d_note = w["d"], ""
    if not np.isfinite(d):  # priors carry no weight: d is not identified, keep the office's
        d, d_note = t.loc["d", "office"], "  # not identified (b = 0): the office's value"
    lines = [
        "# Weights of R learned from the review-decision log: an optional preset.",
        f"# Source: {source}.",
        "# Fitted by constrained logistic regression (helpers.model.learn_weights), rescaled so that",
        "# the total weight equals the office's; intervals are in the model card. To adopt it, copy",
        "# this file to configs/presets/ and add its name last to a county file's `extends` list; to",
        "# ignore it, do nothing.",
        "name: learned weights",
        "description: Weights of R learned from the office decisions (office scale).",
        "score:",
        f"  a: {w['a']:.4f}",
        f"  b: {w['b']:.4f}",
        f"  d: {min(max(d, 0.001), 1.0):.4f}{d_note}",
        "  factors:",
        *[f"    {k}: {w[k]:.4f}" for k in factors],
    ]
    return "\n".join(lines)
