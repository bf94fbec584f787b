"""The per-criterion "what if": people added when a rule is dropped, and the selection ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import audit


def screen(n_white: int = 200, n_black: int = 200) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two rules: ``age`` (everybody passes but 30 Black people) and ``served`` (half pass)."""
    n = n_white + n_black
    race = ["White"] * n_white + ["Black"] * n_black
    people = pd.DataFrame({"cdcno": [f"w{i}" for i in range(n)], "race_group": race})
    age = np.ones(n, dtype=bool)
    age[n_white : n_white + 30] = False
    served = pd.array(np.arange(n) % 2 == 0, dtype="boolean")
    served[1] = pd.NA  # the record cannot tell
    candidates = pd.DataFrame({"cdcno": people["cdcno"], "rule_age": age, "rule_served": served})
    return people, candidates


def test_what_if_by_hand() -> None:
    people, candidates = screen()
    t = audit.criterion_what_if(people, candidates, mode="da")
    t = t.set_index(["selection", "group"])
    assert t.loc[("the screen as configured", "All"), "n_pass"] == 100 + 85
    assert t.loc[("without age", "All"), "n_added"] == 15
    assert t.loc[("without served", "All"), "n_pass"] == 200 + 170 - 0
    assert t.loc[("without served", "All"), "n_added"] == 370 - 185
    black = t.loc[("the screen as configured", "Black")]
    assert black["ratio_vs_reference"] == pytest.approx((85 / 200) / (100 / 200))
    assert t.loc[("without age", "Black"), "ratio_vs_reference"] == pytest.approx(1.0)
    assert t.loc[("without age", "Black"), "rule"] == "age"


def test_what_if_hides_small_differences_in_public() -> None:
    people, candidates = screen()
    candidates.loc[200:229, "rule_age"] = True
    candidates.loc[[200, 202, 204], "rule_age"] = False  # dropping age adds 2 Black people
    pub = audit.criterion_what_if(people, candidates).set_index(["selection", "group"])
    assert pd.isna(pub.loc[("without age", "All"), "n_added"])
    assert pd.isna(pub.loc[("without age", "Black"), "n_selected"])
    assert pub.loc[("without age", "White"), "n_selected"] == 100  # no change: shown
    assert audit.criterion_what_if(
        people, candidates.drop(columns=["rule_age", "rule_served"])
    ).empty
