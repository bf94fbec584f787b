"""Speed of ``secondlook sample``: people/s and peak memory for the 95,000-person dataset.

Usage: python benchmarks/bench_sample.py [--people 95000] [--seed 1] [--repeat 1]

Budget: 95,000 people in 20 s or less on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from helpers.synthetic import write_sample

BUDGET_SECONDS = 20.0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=95_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs; the best time is reported")
    args = parser.parse_args()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            start = time.perf_counter()
            counts = write_sample(Path(tmp) / f"run{i}", people=args.people, seed=args.seed)
            times.append(time.perf_counter() - start)
        size_mb = sum(p.stat().st_size for p in (Path(tmp) / "run0").rglob("*")) / 1e6
    best = min(times)
    rows = sum(counts.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    budget = BUDGET_SECONDS * args.people / 95_000
    print(
        f"sample: {args.people:,} people, {rows:,} rows in {len(counts)} files ({size_mb:,.0f} MB)"
    )
    print(f"sample: {best:.2f} s best of {len(times)} -> {args.people / best:,.0f} people/s")
    print(f"sample: peak memory {peak_mb:,.0f} MB (whole process)")
    status = "OK" if best <= budget else "TOO SLOW"
    print(f"sample: budget {budget:.1f} s for {args.people:,} people: {status}")


if __name__ == "__main__":
    main()
