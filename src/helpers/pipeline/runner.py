"""A ``secondlook run``: the shared stage, then every county's notebooks in parallel workers.

A county whose inputs, configuration, notebooks and code are unchanged is **skipped** (its cache
key is stored beside its outputs).  A failing county is recorded with its error and the others go
on.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.counties import canonical_name, county_names, slug
from helpers.errors import InputError
from helpers.pipeline.cache import county_cache_key
from helpers.pipeline.kernel import worker_init
from helpers.pipeline.layout import CACHE_FILE, ERROR_FILE
from helpers.pipeline.manifest import RunManifest
from helpers.pipeline.notebooks import AfterCounty, describe_error, run_county
from helpers.pipeline.runlog import wall_clock, write_run_log
from helpers.pipeline.settings import CountyResult, RunSettings
from helpers.pipeline.shared import prepare_shared
from helpers.provenance import display_path


@dataclass(frozen=True)
class CountyJob:
    """A county to run: where its notebooks go and the cache key they will be stored with."""

    county: str
    out: Path
    key: str


@dataclass(frozen=True)
class RunReport:
    """What a run did, as the command reports it."""

    results: list[CountyResult]
    output_root: Path

    @property
    def failed(self) -> list[CountyResult]:
        """The counties that failed."""
        return [r for r in self.results if r.status == "failed"]

    def summary(self) -> str:
        """One line: how many counties ran, were unchanged and failed, and where the outputs are."""
        ran = sum(r.status == "ran" for r in self.results)
        skipped = sum(r.status == "skipped" for r in self.results)
        return (
            f"{ran} counties ran, {skipped} unchanged (skipped), {len(self.failed)} failed "
            f"-> {self.output_root}"
        )

    def failures(self) -> list[str]:
        """One line per failed county with the first line of its error."""
        return [
            f"  FAILED {r.county}: {r.error.splitlines()[0] if r.error else 'unknown error'}"
            for r in self.failed
        ]


def resolve_counties(names: str | None, every: bool) -> list[str]:
    """Counties from ``--counties "A,B"`` or ``--all`` (canonical names; unknown names are an error)."""
    if every:
        return county_names()
    if not names:
        raise InputError('name counties with --counties "Los Angeles,Alameda" or use --all')
    raw = [n.strip() for n in names.split(",") if n.strip()]
    return list(dict.fromkeys(canonical_name(r, "--counties") or "" for r in raw))


def notebook_parameters(settings: RunSettings) -> dict[str, Any]:
    """The parameters every county notebook receives besides ``county``: shared folder and mode.

    Everything else (as-of date, seed, data) the notebooks read from the run manifest.
    """
    return {"shared": display_path(settings.shared_root), "mode": settings.mode}


def _pending(
    settings: RunSettings, manifest: RunManifest, counties: list[str]
) -> tuple[list[CountyResult], list[CountyJob]]:
    """Counties whose outputs are complete and current (skipped) and those to run."""
    root = settings.output_root()
    skipped: list[CountyResult] = []
    todo: list[CountyJob] = []
    for county in counties:
        out = root / slug(county)
        key = county_cache_key(county, manifest, settings.mode, settings.notebooks)
        complete = all((out / f"{n}.ipynb").exists() for n in settings.notebooks)
        cached = (out / CACHE_FILE).exists() and (out / CACHE_FILE).read_text().strip() == key
        if complete and cached and not settings.force and not (out / ERROR_FILE).exists():
            skipped.append(CountyResult(county, "skipped"))
        else:
            (out / CACHE_FILE).unlink(missing_ok=True)
            todo.append(CountyJob(county, out, key))
    return skipped, todo


def _execute(
    settings: RunSettings, todo: list[CountyJob], progress: bool, after: AfterCounty | None = None
) -> list[CountyResult]:
    """Run the counties' notebooks in worker processes; store each success's cache key."""
    from tqdm import tqdm

    if not todo:
        return []
    parameters = notebook_parameters(settings)
    results = []
    bar = tqdm(total=len(todo), desc="counties", unit="county", disable=not progress)
    context = multiprocessing.get_context("spawn")
    workers = max(1, min(settings.jobs, len(todo)))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=worker_init) as pool:
        futures = {
            pool.submit(
                run_county, job.county, parameters, settings.notebooks, str(job.out), after
            ): job
            for job in todo
        }
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a worker died
                result = CountyResult(job.county, "failed", 0.0, describe_error(exc))
                job.out.mkdir(parents=True, exist_ok=True)
                (job.out / ERROR_FILE).write_text(result.error + "\n")
            if result.status == "ran":
                (job.out / CACHE_FILE).write_text(job.key + "\n")
            results.append(result)
            bar.update(1)
            bar.set_postfix_str(f"{job.county}: {result.status}")
    bar.close()
    return results


def run(
    settings: RunSettings,
    counties: list[str],
    progress: bool = True,
    after: AfterCounty | None = None,
) -> list[CountyResult]:
    """Prepare the shared steps, then execute every county's notebooks (skipping unchanged ones),
    each followed by ``after`` in its worker (see :func:`run_county`).

    Results are in the order of ``counties``; the run log is written to the output root.
    """
    from tqdm import tqdm

    started = wall_clock()
    with tqdm(total=1, desc="shared stage", unit="stage", disable=not progress) as bar:
        manifest = prepare_shared(settings)
        bar.update(1)
    skipped, todo = _pending(settings, manifest, counties)
    results = skipped + _execute(settings, todo, progress, after)
    order = {c: i for i, c in enumerate(counties)}
    results.sort(key=lambda r: order[r.county])
    write_run_log(settings.output_root(), settings, results, started)
    return results


def run_counties(
    settings: RunSettings,
    names: str | None,
    every: bool,
    progress: bool = True,
    after: AfterCounty | None = None,
) -> RunReport:
    """``secondlook run``: the counties named by ``--counties``/``--all`` run with ``settings``
    (each followed by ``after``, e.g. the DA report)."""
    results = run(settings, resolve_counties(names, every), progress, after)
    return RunReport(results, settings.output_root())
