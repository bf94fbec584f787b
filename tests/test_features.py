"""The model's feature matrix: values from the tiny hand-written folder and the synthetic sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.data.ingest import ingest
from helpers.model.features import (
    FEATURES,
    SENTENCE_CAP_YEARS,
    build_features,
    enhancement_kind,
    score_terms,
    screen_inputs,
)
from helpers.screening.config import load_config

AS_OF = "2026-05-01"


@pytest.fixture
def tiny(raw_dir):
    return ingest(raw_dir, AS_OF).tables


def test_features_of_tiny_folder(tiny):
    X = build_features(tiny, AS_OF)
    assert list(X.columns) == list(FEATURES)
    assert list(X.index) == list(tiny["people"]["cdcno"])
    lwop = X.loc["deadbeef"]
    assert lwop["sentence_years"] == SENTENCE_CAP_YEARS
    assert lwop["sentence_lwop"] == 1.0
    assert lwop["no_release_date"] == 1.0
    assert lwop["current_homicide"] == 1.0
    assert X.loc["a1b2c3d4", "n_enh_firearm"] == 1.0  # PC12022(a)(1)
    assert X.loc["12345678", "n_enh_priors"] == 1.0  # HS11370.2(a)
    assert X.loc["a1b2c3d4", "n_prior_offenses"] == 2.0
    assert X.loc["a1b2c3d4", "current_robbery"] == 1.0
    assert X.loc["12345678", "current_serious"] == 0.0
    assert X.loc["12345678", "sentence_type"] == "DSL"
    # No DSA extract: its columns are unknown, not zero.
    assert X["violations_5y"].isna().all()
    assert X["childhood_trauma"].isna().all()


def test_enhancement_kinds():
    enh = pd.DataFrame(
        {
            "code": ["PC", "PC", "PC", "PC", "PC", "HS", "PC"],
            "section": ["12022.53", "12022", "12022", "12022.7", "186.22", "11370.2", "459"],
            "subdivision": ["(d)", "(a)(1)", "(b)(1)", "(a)", "(b)(1)", "(a)", ""],
        }
    )
    assert enhancement_kind(enh).tolist() == [
        "firearm",
        "firearm",
        "weapon",
        "gbi",
        "gang",
        "priors",
        "other",
    ]


def test_screen_inputs_follow_the_rules():
    statewide = screen_inputs(load_config(None))
    assert {"sentence_years", "time_served_years", "current_serious", "prior_super_strike"} <= set(
        statewide
    )
    assert "age" not in statewide
    assert "age" in screen_inputs(load_config("Santa Clara"))
    assert set(statewide) <= set(FEATURES)


def test_score_terms_reproduce_r(tiny):
    from helpers.model import r_values
    from helpers.screening.score import score

    cfg = load_config(None)
    terms = score_terms(tiny, AS_OF, cfg.score)
    r = r_values(terms, cfg.score.a, cfg.score.b, cfg.score.d, cfg.score.factors)
    expected = score(tiny, cfg, AS_OF)["R"].to_numpy()
    np.testing.assert_allclose(r, expected, atol=1e-5)
    assert len(terms.prior_level) == 3
