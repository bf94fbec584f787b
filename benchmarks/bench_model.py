"""The decision model on the 95,000-person synthetic dataset: statewide training with the repeated
cross-validation, the shared stage's model step, throughput and peak memory.

Targets on 2 cores: statewide training (dated features, every method on the repeated grouped K-fold,
the time split, feedback, learned weights with their bootstrap, the final fit, the rule emulation
check) ≤ 60 s; the shared model step (statewide and county models, every county's ranked list)
no slower than before (≈ 100 s).

Usage: python benchmarks/bench_model.py [--people 95000] [--seed 1] [--data PROCESSED_DIR]
[--shared]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from helpers import model as M
from helpers.counties import county_names
from helpers.data.ingest import ingest, load_processed, write_processed
from helpers.screening.candidates import build_candidates
from helpers.screening.config import county_file, load_config
from helpers.synthetic import write_sample

AS_OF = "2026-05-01"
TARGET_TRAIN_SECONDS = 60.0


def _tables(args: argparse.Namespace, tmp: Path) -> dict[str, pd.DataFrame]:
    if args.data:
        return load_processed(Path(args.data))
    raw, out = tmp / "raw", tmp / "processed"
    write_sample(raw, people=args.people, seed=args.seed)
    write_processed(ingest(raw, AS_OF), out)
    return load_processed(out)


def _peak_mb() -> float:
    """Peak resident memory of this process (MB; the fold workers hold one fold's data each)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _lists(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every county's candidate list under its own configuration (one build per configuration)."""
    built: dict[Path, pd.DataFrame] = {}
    out = {}
    for county in county_names():
        path = county_file(county)
        if path not in built:
            built[path] = build_candidates(tables, None, load_config(county, path), AS_OF)
        out[county] = built[path]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=95_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", help="an ingested folder to use instead of generating one")
    parser.add_argument("--shared", action="store_true", help="also time the shared model step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tables = _tables(args, Path(tmp))
        config = load_config(None)
        lists = _lists(tables)
        statewide = lists[next(c for c in lists if county_file(c) == county_file(None))]
        start = time.perf_counter()
        result = M.train_model(tables, None, config, AS_OF, candidates=statewide)
        seconds = time.perf_counter() - start
        meta = result.metadata
        t = result.timing
        d = meta.data
        print(
            f"statewide training: {d.n_decisions:,} decisions of {d.n_people:,} people in "
            f"{seconds:.1f} s (target ≤ {TARGET_TRAIN_SECONDS:.0f}); dated features "
            f"{t.features:.1f} s, cross-validation of 5 methods "
            f"({meta.evaluation.n_splits} folds × {meta.evaluation.n_repeats}) "
            f"{t.cross_validation:.1f} s, final fit {t.fit:.1f} s; "
            f"{d.n_decisions / t.features:,.0f} dated examples/s"
        )
        pr = next(r for r in meta.table("metrics") if r["metric"] == "pr_auc")
        print(
            f"  PR-AUC {pr['value']:.3f} [{pr['ci_low']:.3f}, {pr['ci_high']:.3f}] "
            f"(base rate {d.positive_share:.3f})"
        )
        print(f"  peak memory of the main process: {_peak_mb():,.0f} MB")
        if args.shared:
            start = time.perf_counter()
            shared = M.train_shared(tables, AS_OF, lists, Path(tmp) / "model", M.ModelSettings())
            seconds = time.perf_counter() - start
            ranked = int(shared.predictions["model_rank"].notna().sum())
            print(
                f"shared model step: {len(shared.counties)} county models "
                f"({', '.join(shared.counties) or 'none'}), {ranked:,} people ranked of "
                f"{len(shared.predictions):,}: {seconds:.1f} s"
            )
            print(f"  peak memory of the main process: {_peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
