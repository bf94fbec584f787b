"""The main job end to end: every county's notebooks, then the site; and one county's rerun.

Targets: all 58 counties and the book build ≤ 10 minutes on 2 cores; one county's rerun
≤ 60 s.  Also times one county's DA run with its report (HTML and PDF).  Works in a scratch copy of the book so the repository's own site is left alone.
Usage: python benchmarks/bench_pipeline.py [--people 95000] [--seed 1] [--jobs 2] [--counties N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from helpers.counties import county_names, slug
from helpers.data.ingest import ingest, write_processed
from helpers.pipeline import RunSettings, run
from helpers.report.da_report import REPORT_PDF, county_da_report
from helpers.site.build import build_site
from helpers.synthetic import write_sample

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-05-01"
TARGET_ALL_SECONDS = 600.0
TARGET_ONE_SECONDS = 60.0


def scratch_book(root: Path) -> None:
    """Copy the book sources (not the generated parts) into ``root``."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "_static", root / "_static")
    shutil.copytree(
        ROOT / "book", root / "book", ignore=shutil.ignore_patterns("counties", "generated")
    )
    for name in ("data", "configs"):
        (root / name).symlink_to(ROOT / name, target_is_directory=True)


def main() -> None:
    """Time the whole job on fresh synthetic data, then one county's rerun."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=95_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--counties", type=int, default=58, help="first N counties only")
    args = parser.parse_args()
    counties = county_names()[: args.counties]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        start = time.perf_counter()
        write_sample(tmp_path / "raw", people=args.people, seed=args.seed)
        result = ingest(tmp_path / "raw", AS_OF)
        write_processed(result, tmp_path / "processed")
        prep = time.perf_counter() - start
        rows = sum(len(t) for t in result.tables.values())
        print(f"pipeline: sample + ingest of {args.people:,} people ({rows:,} rows): {prep:.1f} s")

        site = tmp_path / "site"
        site.mkdir()
        scratch_book(site)
        settings = RunSettings(
            data=tmp_path / "processed",
            as_of=AS_OF,
            jobs=args.jobs,
            seed=args.seed,
            out_root=site / "book" / "counties",
            shared_root=tmp_path / "shared",
        )
        start = time.perf_counter()
        results = run(settings, counties, progress=False)
        counties_s = time.perf_counter() - start
        failed = [r.county for r in results if r.status == "failed"]
        start = time.perf_counter()
        build_site(tmp_path / "shared", site, progress=False)
        book_s = time.perf_counter() - start
        total = counties_s + book_s
        print(
            f"pipeline: {len(counties)} counties in {counties_s:.1f} s "
            f"({counties_s / len(counties):.1f} s/county with {args.jobs} workers), "
            f"{len(failed)} failed; site build {book_s:.1f} s; total {total:.1f} s "
            f"(target {TARGET_ALL_SECONDS:.0f} s: {'met' if total <= TARGET_ALL_SECONDS else 'MISSED'})"
        )
        # A county rerun (e.g. after its configuration changed): its cache key is gone, the shared
        # statewide steps are reused.
        (settings.output_root() / slug(counties[0]) / ".cache-key").unlink()
        one = replace(settings, jobs=1)
        start = time.perf_counter()
        run(one, [counties[0]], progress=False)
        one_s = time.perf_counter() - start
        print(
            f"pipeline: rerun of {counties[0]} in {one_s:.1f} s "
            f"(target {TARGET_ONE_SECONDS:.0f} s: {'met' if one_s <= TARGET_ONE_SECONDS else 'MISSED'})"
        )
        # The DA report of one county (notebooks in DA mode, then report.html and report.pdf).
        da = replace(settings, mode="da", jobs=1, out_root=tmp_path / "da_reports")
        start = time.perf_counter()
        done = run(da, [counties[0]], progress=False, after=county_da_report)
        da_s = time.perf_counter() - start
        pdf = da.output_root() / slug(counties[0]) / REPORT_PDF
        print(
            f"pipeline: DA run with report of {counties[0]} in {da_s:.1f} s "
            f"({done[0].status}; report.pdf {pdf.stat().st_size / 1e6 if pdf.exists() else 0:.2f} MB)"
        )


if __name__ == "__main__":
    main()
