"""Leakage control on a 20,000-person sample: a shallow tree rebuilds the statewide screen (a rule)
from the earlier "without screen inputs" features, and cannot from the features outside the
declared leakage set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import model as M
from helpers.screening.config import load_config

AS_OF = "2026-05-01"
pytestmark = pytest.mark.slow  # a 20,000-person sample and its screen (seconds)


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, np.ndarray]:
    from helpers.data.ingest import ingest
    from helpers.screening.candidates import build_candidates
    from helpers.synthetic import write_sample

    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, people=20_000, seed=1)
    tables = ingest(folder, AS_OF).tables
    config = load_config(None)
    cand = build_candidates(tables, None, config, AS_OF)
    y = M.screen_labels(cand)
    known = y.notna().to_numpy()
    X = M.build_features(tables, AS_OF, config).reindex(y.index[known])
    return X, y[known].to_numpy(dtype=bool)


def test_the_earlier_variant_leaks_and_the_published_set_does_not(screened) -> None:
    X, y = screened
    config = load_config(None)
    assert 30 <= y.sum() <= 0.02 * len(y)  # a rare label, as the statewide screen is
    earlier = [c for c in M.FEATURES if c not in M.screen_inputs(config)]
    old = M.shallow_tree_check(X[earlier], y, "without screen inputs only", seed=1)
    assert old.leaks, old  # proxies of every input are still there
    assert old.pr_auc > 10 * old.base_rate
    clean = M.shallow_tree_check(X[M.clean_features(config)], y, "outside the leakage set", seed=1)
    assert not clean.leaks, clean
    assert clean.lift < M.LEAKAGE_LIFT


def test_every_feature_set_of_the_rule_emulation_check(screened) -> None:
    X, y = screened
    sets = M.feature_sets(load_config(None), list(X.columns))
    assert list(sets) == list(M.FEATURE_SETS)
    verdicts = {
        name: M.shallow_tree_check(X[cols], y, name, 1).leaks for name, cols in sets.items()
    }
    assert verdicts == {
        "all features": True,
        "without screen inputs only": True,
        "without the leakage set": False,
    }
