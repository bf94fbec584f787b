"""Benchmark of the Prop 64 engine on a synthetic DOJ research file.

Generates ~1,000,000 DOJ rows with the project's deterministic generator (in a child process, so
that the peak memory reported here is the engine's), runs the whole engine on it (read, evaluate,
write the four outputs) and prints rows per second and peak memory. Target: 1,000,000 rows in
30 s or less on 2 cores.

    python benchmarks/bench_prop64.py [--rows 1000000] [--seed 1] [--county "SAN JOAQUIN"]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 30.0
TARGET_ROWS = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, default=TARGET_ROWS, help="approximate number of DOJ rows"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--county", default="SAN JOAQUIN")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep the files here (default: temp dir)"
    )
    args = parser.parse_args()

    from helpers.prop64.flows import flow_for_county
    from helpers.prop64.report import process_file
    from helpers.synthetic.doj import generate_doj

    probe = generate_doj(2000, args.seed, args.county).num_rows / 2000  # rows per person
    people = max(1, round(args.rows / probe))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        src = work / "synthetic_doj.csv"
        t0 = time.perf_counter()
        code = (
            "import sys; from helpers.synthetic.doj import write_doj; "
            f"p, n = write_doj(sys.argv[1], {people}, {args.seed}, {args.county!r}); print(n)"
        )
        n_rows = int(
            subprocess.run(
                [sys.executable, "-c", code, str(src)], check=True, capture_output=True, text=True
            ).stdout
        )
        gen_s = time.perf_counter() - t0
        size_mb = src.stat().st_size / 1e6
        print(
            f"generated {n_rows:,} rows ({people:,} synthetic people, {size_mb:,.0f} MB) in {gen_s:.1f} s"
        )

        flow = flow_for_county(args.county)
        timings: dict[str, float] = {}
        result = process_file(
            src, args.county, dt.date(2020, 7, 1), flow, work / "out", timings=timings
        )
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
        s = result.summary
        total = timings["total"]
        print(
            f"flow {s['flow']}, {s['evaluated_convictions']:,} convictions evaluated: {s['outcomes']}"
        )
        print(
            f"read {timings['read']:.1f} s, evaluate {timings['evaluate']:.1f} s, write {timings['write']:.1f} s; "
            f"total {total:.1f} s on {os.cpu_count()} cores"
        )
        print(f"rows/s: {n_rows / total:,.0f}")
        print(f"peak memory: {peak_gb:.2f} GB")
        scaled = total * TARGET_ROWS / n_rows
        verdict = "PASS" if scaled <= TARGET_SECONDS else "FAIL"
        print(
            f"target 1,000,000 rows <= {TARGET_SECONDS:.0f} s: {scaled:.1f} s per million rows -> {verdict}"
        )


if __name__ == "__main__":
    main()
