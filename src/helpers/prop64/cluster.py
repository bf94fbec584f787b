"""The distributed engine: a DOJ file evaluated on a Dask cluster, partitioned by person.

``secondlook prop64 ... --engine dask [--scheduler ADDRESS]``. The client reads the file once and
splits it by person into partitions (:func:`helpers.prop64.partition.split`) in
``<out>/<stem>_parts/``; every worker evaluates whole partitions with the same function as the
local engine (:func:`helpers.prop64.partition.evaluate_part`) and writes the partition's outputs
there; the client merges the partial counts into the summary and, unless told not to, combines
the partitions' rows back in file order into the same files the local engine writes, byte for
byte. Without ``--scheduler`` a :class:`distributed.LocalCluster` of two single-threaded worker
processes runs on this machine.

On a real cluster the workers must see ``--out`` at the same path (a shared file system) and have
this package installed at the same version; see the Prop 64 method page.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from helpers.prop64 import tally
from helpers.prop64.flows import Flow
from helpers.prop64.partition import combine, evaluate_part, part_count, split
from helpers.prop64.stream import ErrorFile, Outputs, RowCounts

LOCAL_WORKERS = 2


def _peak_rss() -> int:
    """Peak resident memory of this process in bytes (run on every worker)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def parts_dir(outputs: Outputs) -> Path:
    """``<out>/<stem>_parts``: the partitions' inputs (removed at the end) and outputs."""
    stem = outputs.results.name.removesuffix("_results.csv")
    return outputs.results.parent / f"{stem}_parts"


def _client(scheduler: str | None, memory: int) -> tuple[Any, Any]:
    """A client of the scheduler at ``scheduler``, or of a new two-worker local cluster."""
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(
        n_workers=LOCAL_WORKERS,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory,
        dashboard_address=None,
        host="127.0.0.1",
    )
    return Client(cluster), cluster


def run_dask(
    path: Path,
    county: str,
    as_of: dt.date,
    flow: Flow,
    outputs: Outputs,
    settings: dict[str, Any],
) -> tuple[tally.Tally, RowCounts, int]:
    """Split, evaluate the partitions on the cluster, merge (see the module doc). ``settings``:
    ``block_bytes``, ``memory``, ``scheduler``, ``combine`` and, optionally, ``stats`` (a dict
    that gets the workers' peak memory). Returns the merged tally, the rows accounted for and the
    number of partitions."""
    block_bytes = settings["block_bytes"]
    work = parts_dir(outputs)
    if work.exists():
        shutil.rmtree(work)
    rows = RowCounts()
    errors = ErrorFile(outputs.errors)
    client, cluster = _client(settings.get("scheduler"), settings["memory"])
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        n_parts = part_count(path, block_bytes, minimum=2 * workers)
        try:
            parts = split(path, work / "input", n_parts, block_bytes, rows, errors)
        finally:
            errors.close()
        futures = client.map(
            evaluate_part,
            parts,
            county=county,
            as_of=as_of,
            flow=flow,
            out_dir=str(work),
            pure=False,
        )
        tallies = client.gather(futures)
        if "stats" in settings:
            peaks = client.run(_peak_rss)
            settings["stats"]["worker_peak_rss_bytes"] = max(peaks.values(), default=0)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    shutil.rmtree(work / "input", ignore_errors=True)
    if settings.get("combine", True):
        combine([p.outputs(work) for p in parts], outputs)
    return tally.merge_all(tallies), rows, len(parts)
