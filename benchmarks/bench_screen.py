"""Statewide screening + scoring (+ outliers and ranking) of the 95,000-person synthetic dataset.

Target: ≤ 5 s for ``build_candidates`` over every county.  Ingest time is reported apart.
Usage: python benchmarks/bench_screen.py [--people 95000] [--seed 1] [--data PROCESSED_DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from helpers.data.ingest import ingest, load_dataset
from helpers.screening.candidates import build_candidates
from helpers.screening.config import load_config
from helpers.screening.score import sensitivity
from helpers.synthetic import write_sample

AS_OF = "2026-05-01"
TARGET_SECONDS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=95_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=None, help="an ingested folder to reuse")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.data is not None:
        tables = load_dataset(args.data, AS_OF).tables
    else:
        with tempfile.TemporaryDirectory() as tmp:
            write_sample(Path(tmp) / "raw", people=args.people, seed=args.seed)
            tables = ingest(Path(tmp) / "raw", AS_OF).tables
    print(f"screen: data ready in {time.perf_counter() - start:.1f} s (not timed)")
    config = load_config(None)
    build_candidates(tables, None, config, AS_OF)  # warm-up: imports and reference caches
    start = time.perf_counter()
    candidates = build_candidates(tables, None, config, AS_OF)
    seconds = time.perf_counter() - start
    n = len(candidates)
    start = time.perf_counter()
    la = candidates[candidates["county"] == "Los Angeles"]
    sens = sensitivity(la, config)
    sens_seconds = time.perf_counter() - start
    counts = candidates["eligibility"].value_counts().to_dict()
    print(
        f"screen: {n:,} people screened, scored, ranked and outlier-tested in {seconds:.2f} s "
        f"({n / seconds:,.0f} people/s; target <= {TARGET_SECONDS:.0f} s: "
        f"{'met' if seconds <= TARGET_SECONDS else 'MISSED'})"
    )
    print(
        f"screen: {counts}; {int(candidates['outlier'].sum()):,} extreme outliers; "
        f"sensitivity for Los Angeles ({len(sens)} weight steps) in {sens_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
