"""Eligibility model on the 95,000-person synthetic dataset: training and prediction times, headline metrics.

Targets: statewide training ≤ 30 s on 2 cores, prediction of everybody ≤ 2 s.

Usage: python benchmarks/bench_model.py [--people 95000] [--seed 1] [--data PROCESSED_DIR] [--full]

``--full`` also runs the whole evaluation (comparison, leakage, learned weights, feedback,
importance) for both labels and prints its wall time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from helpers import model as M
from helpers.data.ingest import ingest, load_processed, write_processed
from helpers.model.features import build_features
from helpers.screening.candidates import build_candidates
from helpers.screening.config import load_config
from helpers.synthetic import write_sample

AS_OF = "2026-05-01"


def _tables(args: argparse.Namespace, tmp: Path) -> dict:
    if args.data:
        return load_processed(Path(args.data))
    raw, out = tmp / "raw", tmp / "processed"
    write_sample(raw, people=args.people, seed=args.seed)
    write_processed(ingest(raw, AS_OF), out)
    return load_processed(out)


def _line(name: str, metrics) -> str:
    m = metrics.set_index("metric")
    parts = [
        f"{k} {m.loc[k, 'value']:.3f} [{m.loc[k, 'ci_low']:.3f}, {m.loc[k, 'ci_high']:.3f}]"
        for k in ("precision", "recall", "pr_auc", "balanced_accuracy", "recall_at_100")
    ]
    return f"{name}: " + "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=95_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", help="an ingested folder to use instead of generating one")
    parser.add_argument("--full", action="store_true", help="also time the full evaluation")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tables = _tables(args, Path(tmp))
    config = load_config(None)
    start = time.perf_counter()
    cand = build_candidates(tables, None, config, AS_OF)
    t_cand = time.perf_counter() - start
    start = time.perf_counter()
    X = build_features(tables, AS_OF, config).reindex(cand["cdcno"].astype("string"))
    t_feat = time.perf_counter() - start
    X = X[[c for c in X.columns if X[c].notna().any()]]
    print(f"people {len(X):,}; candidates {t_cand:.1f} s; features {t_feat:.1f} s")
    for label in ("screen", "decisions"):
        y_all = M.make_labels(cand, tables, label)
        known = y_all.notna().to_numpy()
        Xl, y = X.loc[known], y_all[known].to_numpy(dtype=bool)
        for smote in (False, True):
            settings = M.ModelSettings(smote=smote)
            train, test = M.split(y, settings)
            pipe = M.make_pipeline(list(Xl.columns), settings)
            start = time.perf_counter()
            M.fit(pipe, Xl.iloc[train], y[train])
            t_fit = time.perf_counter() - start
            start = time.perf_counter()
            s_all = M.scores(pipe, X)
            t_pred = time.perf_counter() - start
            s = s_all[np.flatnonzero(known)[test]]
            metrics = M.bootstrap_metrics(y[test], s, s >= settings.threshold)
            name = f"{label:<9} {'SMOTE+BRF' if smote else 'BRF':<9}"
            print(
                f"{name} train {len(train):,} ({int(y[train].sum())} positive): fit {t_fit:.1f} s "
                f"(target ≤ 30); predict {len(X):,} people {t_pred:.2f} s (target ≤ 2)"
            )
            print("  " + _line("test", metrics))
    if args.full:
        for label in ("screen", "decisions"):
            start = time.perf_counter()
            M.train_model(tables, None, config, AS_OF, label, candidates=cand)
            print(f"full evaluation ({label}): {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
