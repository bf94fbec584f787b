"""Feedback evaluated honestly: both models are tested on later decisions neither ever saw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import model as M

SETTINGS = M.ModelSettings(n_boot=200)


def _decisions(n: int, seed: int) -> tuple[np.ndarray, pd.Series, pd.Series, np.ndarray]:
    rng = np.random.default_rng(seed)
    dates = pd.Series(
        pd.Timestamp("2021-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 1800, n)), "D")
    )
    people = pd.Series([f"p{i}" for i in rng.integers(0, int(n * 0.9), n)])
    signal = rng.normal(0, 1, n)
    y = rng.random(n) < 1 / (1 + np.exp(-(2 * signal - 1)))
    return y, dates, people, signal


def test_neither_model_sees_the_test_decisions() -> None:
    y, dates, people, signal = _decisions(1200, 1)
    calls: list[tuple[np.ndarray, np.ndarray]] = []

    def method(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        calls.append((tr, te))
        return signal[te] + 0.01 * len(tr) / len(y)  # "more feedback" cannot change the order

    result = M.feedback_evaluation(method, y, dates, people, SETTINGS)
    assert result.status.startswith("evaluated: trained on the decisions before")
    (tr0, te0), (tr1, te1) = calls
    assert np.array_equal(te0, te1)
    assert len(tr0) < len(tr1) and set(tr0) <= set(tr1)
    earlier, later = (pd.Timestamp(d) for d in result.cutoffs)
    assert (dates.iloc[tr0] < earlier).all() and (dates.iloc[tr1] < later).all()
    assert (dates.iloc[te0] >= later).all()
    assert not set(people.iloc[te0]) & set(people.iloc[tr1])  # people neither model saw
    # The same order before and after: no change, and the paired interval says so.
    table = result.table.set_index("metric")
    assert table.loc["pr_auc", "change"] == pytest.approx(0.0)
    assert table.loc["pr_auc", "change_low"] == pytest.approx(0.0)
    assert table.loc["pr_auc", "before"] == pytest.approx(table.loc["pr_auc", "after"])


def test_feedback_not_evaluated_says_why() -> None:
    y, dates, people, signal = _decisions(60, 2)
    y[:] = False
    y[-3:] = True
    result = M.feedback_evaluation(lambda _tr, te: signal[te], y, dates, people, SETTINGS)
    assert result.table is None
    assert result.status.startswith("not evaluated: the training decisions before the feedback")
    empty = M.feedback_evaluation(
        lambda _tr, te: signal[te], y[:0], dates[:0], people[:0], SETTINGS
    )
    assert empty.status == "not evaluated: no decisions"
