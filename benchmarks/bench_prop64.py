"""Benchmark of the Prop 64 engine at statewide scale, on synthetic DOJ research files.

For each size (default 1,000,000 and 10,000,000 rows) it writes the file with the project's
generator (``secondlook sample-doj``, vectorised, batch by batch), then runs the whole engine
(read, evaluate, write the outputs and summaries) with the local engine and with the Dask engine
on a local cluster of two workers, each run in its own process so that its peak memory is its
own. It prints rows per second and the peak resident memory (for Dask: the client and the largest
worker) and checks the targets on 2 cores: the file written in at most 2 minutes, 10,000,000 rows
evaluated in at most 3 minutes, peak memory at most 1 GB whatever the size.

    python benchmarks/bench_prop64.py [--rows 1000000,10000000] [--engines local,dask]
        [--memory 1GB] [--seed 1] [--county "SAN JOAQUIN"] [--workdir DIR]

The files are large (about 320 bytes a row in, 800 out: 10,000,000 rows need some 12 GB of disk
per engine); they are removed afterwards unless ``--workdir`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GEN_TARGET_S = 120.0  # seconds to write 10,000,000 rows
RUN_TARGET_S = 180.0  # seconds to evaluate 10,000,000 rows
PEAK_TARGET_GB = 1.0
TARGET_ROWS = 10_000_000
ROWS_PER_PERSON = 8.51  # rows per synthetic person (the generator's average)

_GENERATE = """
import json, resource, sys, time
from helpers.synthetic.doj import write_doj
t = time.perf_counter()
path, n = write_doj(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"rows": n, "seconds": time.perf_counter() - t, "peak": peak}))
"""

_RUN = """
import datetime as dt, json, resource, sys, time
from helpers.prop64.flows import flow_for_county
from helpers.prop64.report import EngineSettings, process_file
from helpers.prop64.stream import parse_memory
src, out, county, engine, memory = sys.argv[1:6]
settings = EngineSettings(engine=engine, memory=parse_memory(memory))
timings = {}
t = time.perf_counter()
result = process_file(src, county, dt.date(2020, 7, 1), flow_for_county(county), out,
                      timings=timings, settings=settings)
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak": peak,
                  "worker_peak": timings.get("worker_peak_rss_bytes", 0),
                  "engine": result.summary["engine"], "outcomes": result.summary["outcomes"],
                  "rows": result.summary["rows"]["read"]}))
"""


def _child(code: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _gb(n: float) -> str:
    return f"{n / 1024**3:.2f} GB"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def bench_size(rows: int, args: argparse.Namespace, work: Path) -> list[bool]:
    """Generate a file of about ``rows`` rows and run each engine on it; the targets met."""
    people = max(1, round(rows / ROWS_PER_PERSON))
    src = work / f"doj_{rows}.csv"
    gen = _child(_GENERATE, str(src), str(people), str(args.seed), args.county)
    size = src.stat().st_size
    scale = TARGET_ROWS / gen["rows"]
    print(
        f"\n== {gen['rows']:,} rows ({people:,} synthetic people, {size / 1e9:.2f} GB): "
        f"written in {gen['seconds']:.1f} s ({gen['rows'] / gen['seconds']:,.0f} rows/s, "
        f"peak {_gb(gen['peak'])})"
    )
    checks = []
    if rows >= TARGET_ROWS:
        ok = gen["seconds"] * scale <= GEN_TARGET_S
        checks.append(ok)
        print(f"   sample-doj: 10,000,000 rows <= {GEN_TARGET_S:.0f} s -> {_verdict(ok)}")
    for engine in args.engines:
        out = work / f"out_{engine}_{rows}"
        res = _child(_RUN, str(src), str(out), args.county, engine, args.memory)
        peak = max(res["peak"], res["worker_peak"])
        worker = f", largest worker {_gb(res['worker_peak'])}" if res["worker_peak"] else ""
        print(
            f"   {engine:5s}: {res['seconds']:.1f} s, {res['rows'] / res['seconds']:,.0f} rows/s, "
            f"peak {_gb(res['peak'])}{worker} on {os.cpu_count()} cores; {res['engine']}"
        )
        ok_mem = peak <= PEAK_TARGET_GB * 1024**3
        checks.append(ok_mem)
        line = f"          peak memory <= {PEAK_TARGET_GB:.0f} GB -> {_verdict(ok_mem)}"
        if rows >= TARGET_ROWS:
            ok_time = res["seconds"] * scale <= RUN_TARGET_S
            checks.append(ok_time)
            line += f"; 10,000,000 rows <= {RUN_TARGET_S:.0f} s -> {_verdict(ok_time)}"
        print(line)
        if not args.workdir:
            shutil.rmtree(out, ignore_errors=True)
    if not args.workdir:
        src.unlink()
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", default=f"1000000,{TARGET_ROWS}", help="sizes, comma separated")
    parser.add_argument("--engines", default="local,dask", help="engines, comma separated")
    parser.add_argument("--memory", default="1GB", help="memory budget of each run (--memory)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--county", default="SAN JOAQUIN")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    sizes = [int(r) for r in args.rows.split(",") if r.strip()]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        checks = [ok for rows in sizes for ok in bench_size(rows, args, work)]
    print(f"\n{sum(checks)} of {len(checks)} targets met in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
