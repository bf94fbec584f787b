"""Ingest throughput on the 95,000-person synthetic dataset: rows/s and peak memory.

Usage: python benchmarks/bench_ingest.py [--people 95000] [--seed 1]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from helpers.data.ingest import ingest, write_processed
from helpers.synthetic import write_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=95_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "processed"
        write_sample(raw, people=args.people, seed=args.seed)
        start = time.perf_counter()
        result = ingest(raw, "2026-05-01")
        write_processed(result, out)
        seconds = time.perf_counter() - start
    rows = sum(i.rows_in for i in result.manifest.inputs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ingest: {rows:,} rows from {len(result.manifest.inputs)} files in {seconds:.2f} s")
    print(f"ingest: {rows / seconds:,.0f} rows/s; quarantined {result.manifest.quarantined_rows:,}")
    print(f"ingest: peak memory {peak_mb:,.0f} MB (whole process, includes generating the sample)")


if __name__ == "__main__":
    main()
