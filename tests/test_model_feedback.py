"""The decision log as feedback to the model: labels before and after, and the change in ranking."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.model import ModelSettings, feedback_report
from helpers.screening.config import load_config

AS_OF = "2026-05-01"


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    from helpers.data.ingest import ingest
    from helpers.synthetic import write_sample

    root = tmp_path_factory.mktemp("feedback")
    write_sample(root / "raw", people=3000, seed=3)
    return ingest(root / "raw", AS_OF).tables


def test_feedback_report(tables: dict[str, pd.DataFrame]) -> None:
    settings = ModelSettings(n_estimators=10, n_boot=10, n_jobs=1)
    config = load_config(None)
    fb = feedback_report(tables, tables["decisions"], config, AS_OF, k=50, model_settings=settings)
    labels = fb.labels
    assert len(labels) > 2000
    # Reviewed people take the log's decision: positive iff any referral or resentencing.
    pos = set(tables["decisions"].query("decision in ['referred', 'resentenced']")["cdcno"])
    reviewed = labels[labels["reviewed"]]
    assert reviewed["label_after"].tolist() == reviewed["cdcno"].isin(pos).tolist()
    unreviewed = labels[~labels["reviewed"]]
    assert (unreviewed["label_after"] == unreviewed["label_before"]).all()
    m = fb.ranking.set_index("measure")["value"]
    assert m["labels changed by the log"] == int(labels["changed"].sum()) > 0
    overlap = m["overlap@k (share of the top k kept)"]
    assert overlap == len(set(fb.top_before) & set(fb.top_after)) / 50
    assert 0 <= overlap < 1 and -1 <= m["Kendall tau, all people"] <= 1
    assert {"before", "after", "change"} <= set(fb.metrics.columns)
    assert "pr_auc" in set(fb.metrics["metric"])
