"""The notebooks' controls: factor presets and pickers work without a kernel, sliders recompute R."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers.report import widgets
from helpers.screening.config import ScoreSettings

FACTORS = {"age": -0.5, "rules_violations": 0.5}


def saved_links() -> set[tuple[str, str, str, str]]:
    """The browser-side links in the widget state a page saves: (source id, trait, target id, trait)."""
    import ipywidgets as w

    state = w.Widget.get_manager_state(drop_defaults=False)["state"]
    out = set()
    for model in state.values():
        if model["model_name"] == "LinkModel":
            (src, s_trait), (dst, d_trait) = model["state"]["source"], model["state"]["target"]
            out.add(
                (src.removeprefix("IPY_MODEL_"), s_trait, dst.removeprefix("IPY_MODEL_"), d_trait)
            )
    return out


def fake_context(public: bool = True) -> SimpleNamespace:
    n = 30
    rng = np.random.default_rng(1)
    candidates = pd.DataFrame(
        {
            "cdcno": [f"X{i:04d}" for i in range(n)],
            "county": "Alpine",
            "eligibility": ["eligible"] * 20 + ["not eligible"] * 10,
            "score_status": ["scored"] * (n - 1) + ["cannot_score"],
            "current_sum": rng.integers(5, 30, n).astype(float),
            "prior_sum": rng.uniform(0, 10, n),
            "factor_age": rng.uniform(0, 1, n),
            "factor_rules_violations": rng.uniform(0, 1, n),
            "time_served_years": rng.uniform(1, 30, n),
            "age": rng.uniform(20, 80, n),
            "controlling_offense_key": "PC211",
        }
    )
    score = ScoreSettings(a=1.0, b=0.5, d=0.9, factors=FACTORS, labels={})
    return SimpleNamespace(
        candidates=candidates,
        config=SimpleNamespace(score=score, top_k=10),
        public=public,
        salt="test-salt",
        as_of="2026-05-01",
    )


def test_presets_change_the_factor_weights() -> None:
    assert widgets.preset_factors(FACTORS, "no factors (offenses only)") == {
        "age": 0.0,
        "rules_violations": 0.0,
    }
    assert widgets.preset_factors(FACTORS, "mitigating factors only") == {
        "age": -0.5,
        "rules_violations": 0.0,
    }
    assert widgets.preset_factors(FACTORS, "factors doubled")["age"] == -1.0
    with pytest.raises(ValueError, match="unknown factor preset"):
        widgets.preset_factors(FACTORS, "everything")


def test_rescore_recomputes_r_and_ranks_unscored_last() -> None:
    ctx = fake_context()
    c = ctx.candidates
    ranked = widgets.rescore(ctx, 2.0, 0.0, 0.9, {"age": 0.0, "rules_violations": 0.0})
    by_id = ranked.set_index("cdcno")
    assert by_id.loc["X0000", "R"] == pytest.approx(2 * c.loc[0, "current_sum"])
    assert ranked["rank"].tolist() == list(range(1, len(c) + 1))
    eligible = ranked[ranked["eligibility"] == "eligible"]
    assert eligible["rank"].max() == 20 and eligible["R"].is_monotonic_increasing
    assert ranked.iloc[-1]["cdcno"] == "X0029"  # cannot be scored: after everyone scored


def test_the_preset_picker_is_linked_in_the_browser_to_precomputed_lists() -> None:
    import ipywidgets as w

    box = widgets.weights_explorer(fake_context(), k=5)
    preset, stack = box.children[1], box.children[2]
    assert isinstance(stack, w.Stack) and len(stack.children) == len(widgets.FACTOR_PRESETS)
    assert (preset.model_id, "index", stack.model_id, "selected_index") in saved_links()
    lists = [child.value for child in stack.children]
    assert len(set(lists)) > 1  # the presets give different lists
    assert "X0000" not in "".join(lists)  # public mode: pseudonyms only
    assert "P-" in lists[0]


def test_the_sliders_recompute_live_with_a_kernel() -> None:
    box = widgets.weights_explorer(fake_context(public=False), k=5)
    sliders, live = box.children[4].children, box.children[5]
    assert "needs" not in live.value and "running notebook" in live.value
    sliders[0].value = 0.0  # a = 0: current offenses no longer count
    assert "a = 0, b = 0.5, d = 0.9" in live.value
    assert "X00" in live.value  # DA mode: CDCR numbers


def test_audit_pickers_switch_selection_and_group_without_a_kernel() -> None:

    table = pd.DataFrame(
        {
            "selection": ["screen eligible"] * 2 + ["top 50 by R"] * 2,
            "group": ["Black", "White"] * 2,
            "n_population": pd.array([120, 300, 120, 300], dtype="Int64"),
            "n_selected": pd.array([40, pd.NA, 12, 30], dtype="Int64"),
            "share_of_population": [0.3, 0.7, 0.3, 0.7],
            "share_of_selected": [0.5, np.nan, 0.29, 0.71],
            "ratio_vs_reference": [1.234, np.nan, 0.4, 1.0],
        }
    )
    box = widgets.audit_pickers(fake_context(), table)
    selection, group = box.children[0].children
    outer = box.children[1]
    assert selection.options == ("screen eligible", "top 50 by R")
    assert group.options == ("Black", "White")
    first = outer.children[0].children[0].value
    assert "Black" in first and "40 selected of 120" in first and "1.23" in first
    assert "suppressed" in outer.children[0].children[1].value
    linked = saved_links()
    assert (selection.model_id, "index", outer.model_id, "selected_index") in linked
    assert all(
        (group.model_id, "index", inner.model_id, "selected_index") in linked
        for inner in outer.children
    )


def test_widget_ids_repeat_across_processes_and_never_collide_within_one() -> None:
    import subprocess
    import sys

    script = (
        "import ipywidgets as w\n"
        "from helpers.report.widgets import stable_widget_ids\n"
        "ids = []\n"
        "for _ in range(2):\n"
        "    with stable_widget_ids('county'):\n"
        "        box = w.VBox([w.HTML('a'), w.Dropdown(options=['a', 'b'])])\n"
        "    ids += [box.model_id, box.children[0].model_id, box.layout.model_id]\n"
        "print(' '.join(ids))\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    first, second = (run.stdout.split() for run in runs)
    assert first == second
    assert len(set(first)) == len(first) == 6
