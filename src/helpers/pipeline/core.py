"""Run the parameterised notebooks per county with Papermill, in parallel, with a content-hash cache.

Design (measured on 2 cores: a fresh kernel costs ~4 s per notebook, a reused one ~0.3 s):

* **Shared statewide steps run once** (:func:`prepare_shared`): ingest (when given raw files), the
  candidate list for each distinct county configuration, the statewide model and its predictions.
  They are written to ``outputs/shared/`` and every county notebook only reads them.
* **Worker processes** (spawned, never forked) each keep **one started Jupyter kernel** and run their
  counties' notebooks in it, resetting the namespace between notebooks (imports stay warm).
* A county whose inputs, configuration, notebooks and code are unchanged is **skipped** (its cache key
  is stored beside its outputs).  A failing county is recorded with its error and the others go on.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import multiprocessing
import os
import platform
import subprocess
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import helpers
from helpers import paths
from helpers.counties import canonical_name, county_names, slug
from helpers.errors import InputError

ROOT = paths.ROOT
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ("01-clean", "02-score", "03-model", "04-bias-audit", "05-county-report")
PUBLIC_ROOT = ROOT / "book" / "counties"
DA_ROOT = ROOT / "da_reports"
SHARED_ROOT = ROOT / "outputs" / "shared"
CACHE_FILE = ".cache-key"
ERROR_FILE = "ERROR.txt"


@dataclass
class RunSettings:
    """What one ``secondlook run`` does."""

    data: Path
    as_of: str
    mode: str = "public"
    seed: int = 1
    jobs: int = 2
    out_root: Path | None = None
    shared_root: Path = SHARED_ROOT
    notebooks: tuple[str, ...] = NOTEBOOKS
    force: bool = False

    def output_root(self) -> Path:
        if self.out_root is not None:
            return Path(self.out_root)
        return PUBLIC_ROOT if self.mode == "public" else DA_ROOT


@dataclass
class CountyResult:
    """The outcome for one county."""

    county: str
    status: str  # "ran" | "skipped" | "failed"
    seconds: float = 0.0
    error: str = ""
    outputs: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Hashes and provenance
# --------------------------------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_hash() -> str:
    """Hash of the ``helpers`` package sources (a code change reruns every county)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "helpers").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def git_commit() -> str:
    """The current git commit (``unknown`` outside a repository)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def package_versions() -> dict[str, str]:
    """Versions of the libraries the results depend on."""
    import importlib.metadata as md

    names = [
        "pandas",
        "numpy",
        "pyarrow",
        "scikit-learn",
        "imbalanced-learn",
        "fairlearn",
        "papermill",
    ]
    out = {"python": platform.python_version(), "secondlook": helpers.__version__}
    for name in names:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


# --------------------------------------------------------------------------------------------------
# Shared statewide steps
# --------------------------------------------------------------------------------------------------


def prepare_shared(settings: RunSettings, counties: list[str]) -> dict[str, Any]:
    """Run the statewide steps once and write them under ``settings.shared_root``.

    Returns the shared manifest (also written as ``shared.json``): input hashes, one candidate file
    per distinct configuration, model files, versions.
    """
    import pandas as pd

    from helpers.data.ingest import ingest, is_processed, load_dataset, write_processed
    from helpers.screening.candidates import build_candidates
    from helpers.screening.config import county_file, load_config

    shared = Path(settings.shared_root)
    shared.mkdir(parents=True, exist_ok=True)
    data = Path(settings.data)
    processed = shared / "processed"
    if is_processed(data):
        dataset = load_dataset(data, settings.as_of)
        manifest, tables = dataset.manifest, dataset.tables
        processed = data
    else:
        result = ingest(data, settings.as_of)
        write_processed(result, processed)
        manifest, tables = result.manifest, result.tables
    inputs = manifest.input_hashes()

    # One candidate list per distinct configuration file (most counties share the statewide one),
    # for every county, so that the site and the statewide pages stay whole after a partial run.
    config_files: dict[str, list[str]] = {}
    for county in county_names():
        config_files.setdefault(str(county_file(county)), []).append(county)
    candidate_files: dict[str, str] = {}
    config_hashes: dict[str, str] = {}
    for path, members in config_files.items():
        config = load_config(members[0], Path(path))
        text = "".join(Path(f).read_text() for f in _config_paths(config.files))
        key = _sha(text.encode())[:16]
        out = shared / "candidates" / f"{Path(path).stem}-{key}.parquet"
        if not out.exists() or settings.force:
            out.parent.mkdir(parents=True, exist_ok=True)
            frame = build_candidates(tables, None, config, settings.as_of)
            frame.to_parquet(out, index=False)
        for county in members:
            candidate_files[county] = str(out)
            config_hashes[county] = key

    statewide = str(county_file(None))
    if statewide not in config_files:  # the model is trained on the statewide screen
        config = load_config(None)
        text = "".join(Path(f).read_text() for f in _config_paths(config.files))
        skey = _sha(text.encode())[:16]
        state_file = shared / "candidates" / f"{Path(statewide).stem}-{skey}.parquet"
        if not state_file.exists() or settings.force:
            state_file.parent.mkdir(parents=True, exist_ok=True)
            build_candidates(tables, None, config, settings.as_of).to_parquet(
                state_file, index=False
            )
    else:
        state_file = Path(candidate_files[config_files[statewide][0]])
    model_key = _sha(
        json.dumps(
            [inputs, str(state_file), code_hash(), settings.seed, str(settings.as_of)]
        ).encode()
    )
    model = _shared_model(settings, tables, shared, state_file, model_key)
    audit_dir = _shared_audit(settings, processed, shared, model_key)
    shared_manifest = {
        "as_of": manifest.as_of.isoformat(),
        "seed": settings.seed,
        "mode": settings.mode,
        "processed": str(processed),
        "inputs": inputs,
        "candidates": candidate_files,
        "statewide_candidates": str(state_file),
        "config_hashes": config_hashes,
        "model": model,
        "audit": str(audit_dir),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "created": datetime.now().isoformat(timespec="seconds"),
        "people": int(len(tables["people"])),
        "quarantined_rows": manifest.quarantined_rows,
    }
    (shared / "shared.json").write_text(json.dumps(shared_manifest, indent=2, default=str))
    pd.DataFrame({"county": counties}).to_csv(shared / "counties.csv", index=False)
    return shared_manifest


def _config_paths(files: list[str]) -> list[Path]:
    out = []
    for name in files:
        path = Path(name)
        if not path.is_absolute():
            path = ROOT / "configs" / name if (ROOT / "configs" / name).exists() else ROOT / name
        out.append(path)
    return [p for p in out if p.exists()]


def _shared_model(
    settings: RunSettings, tables: dict, shared: Path, candidates: Path, key: str
) -> dict[str, Any]:
    """Train the statewide model once (label: the statewide screen) and score everybody.

    Writes the model, its metadata, the evaluation tables and ``predictions.parquet`` (``cdcno,
    model_score, model_rank`` within the county, ``top_features``) to ``shared/model``.  Reused while
    the inputs, configuration and code are unchanged.
    """
    import pandas as pd

    from helpers.model import ModelSettings, model_ranks, predict, save_model, train_model
    from helpers.model.features import build_features
    from helpers.screening.config import load_config

    out = shared / "model"
    stamp = out / CACHE_FILE
    info_path = out / "shared_model.json"
    if (
        stamp.exists()
        and stamp.read_text().strip() == key
        and info_path.exists()
        and not settings.force
    ):
        return json.loads(info_path.read_text())
    out.mkdir(parents=True, exist_ok=True)
    config = load_config(None)
    frame = pd.read_parquet(candidates)
    result = train_model(
        tables,
        None,
        config,
        settings.as_of,
        label="screen",
        settings=ModelSettings(random_state=settings.seed),
        candidates=frame,
    )
    model_path, meta_path = save_model(result.pipeline, result.metadata, out)
    for name in (
        "metrics",
        "comparison",
        "importance",
        "weights",
        "inspection",
        "feedback",
        "by_group",
    ):
        table = getattr(result, name)
        if table is not None:
            table.to_csv(out / f"{name}.csv", index=False)
    X = build_features(tables, settings.as_of, config)
    X = X.loc[~X.index.duplicated()]
    scored = predict(result.pipeline, result.metadata, X).reset_index(names="cdcno")
    county = tables["people"].drop_duplicates("cdcno").set_index("cdcno")["county"]
    scored["county"] = scored["cdcno"].map(county)
    scored["model_rank"] = model_ranks(scored["model_score"].to_numpy(), scored["county"])
    predictions = out / "predictions.parquet"
    scored[["cdcno", "model_score", "model_rank", "top_features"]].to_parquet(
        predictions, index=False
    )
    info = {
        "hash": result.metadata.get("training_data_hash", key),
        "model": str(model_path),
        "metadata": str(meta_path),
        "predictions": str(predictions),
        "dir": str(out),
    }
    info_path.write_text(json.dumps(info, indent=2))
    stamp.write_text(key + "\n")
    return info


# --------------------------------------------------------------------------------------------------
# Workers: one kernel per process, reused across notebooks
# --------------------------------------------------------------------------------------------------

_KERNEL: Any = None


def _shared_audit(settings: RunSettings, processed: Path, shared: Path, key: str) -> Path:
    """The statewide bias audit (public mode), run once per input, code and seed; its folder."""
    from helpers.audit.run import write_audit

    out = shared / "audit"
    stamp = out / ".cache-key"
    if settings.force or not stamp.exists() or stamp.read_text() != key:
        write_audit(Path(processed), out, "statewide", as_of=str(settings.as_of), mode="public")
        stamp.write_text(key)
    return out


def _kernel_manager() -> Any:
    """This worker's started kernel (started on first use, shut down at exit)."""
    global _KERNEL
    if _KERNEL is None or not _KERNEL.is_alive():
        from jupyter_client.manager import KernelManager

        _KERNEL = KernelManager(kernel_name="python3")
        _KERNEL.start_kernel(extra_arguments=["--HistoryManager.enabled=False"])
        atexit.register(_shutdown_kernel)
    return _KERNEL


def _shutdown_kernel() -> None:
    global _KERNEL
    if _KERNEL is not None:
        try:
            _KERNEL.shutdown_kernel(now=True)
        finally:
            _KERNEL = None


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class ReusedKernelEngine(NBClientEngine):
        """Papermill engine that runs notebooks in this worker's already-started kernel."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            **kwargs,
        ):
            km = _kernel_manager()
            safe = remove_args(["timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(
                safe,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            return PapermillNotebookClient(nb_man, km=km, **final).execute()

    papermill_engines.register("secondlook-reuse", ReusedKernelEngine)


def _reset_namespace() -> None:
    """Clear the kernel's variables between notebooks (imported modules stay loaded)."""
    km = _kernel_manager()
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute_interactive("%reset -f", silent=True, timeout=60)
    finally:
        client.stop_channels()


def _finalise_notebook(path: Path, county: str) -> None:
    """Put the county's name in the headings and fold code away (tag ``hide-input``) for the site."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("{{ county }}", county)
        if cell.cell_type == "code":
            tags = set(cell.metadata.get("tags", []))
            if "parameters" not in tags and "injected-parameters" not in tags:
                tags.add("hide-input")
            else:
                tags.add("remove-cell")
            cell.metadata["tags"] = sorted(tags)
    nbformat.write(nb, path)


def run_county(
    county: str, parameters: dict[str, Any], notebooks: tuple[str, ...], out_dir: str
) -> CountyResult:
    """Execute the notebooks of one county into ``out_dir`` (called in a worker process)."""
    import jupytext
    import papermill as pm

    _register_engine()
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / ERROR_FILE).unlink(missing_ok=True)
    written = []
    try:
        for name in notebooks:
            source = NOTEBOOK_DIR / f"{name}.md"
            target = out / f"{name}.ipynb"
            _reset_namespace()
            pm.execute_notebook(
                jupytext.read(source),
                str(target),
                parameters={**parameters, "county": county},
                engine_name="secondlook-reuse",
                kernel_name="python3",
                progress_bar=False,
                cwd=str(ROOT),
            )
            _finalise_notebook(target, county)
            written.append(str(target))
    except Exception as exc:  # one county's failure must not stop the others
        message = _describe_error(exc)
        (out / ERROR_FILE).write_text(message + "\n")
        return CountyResult(county, "failed", time.perf_counter() - start, message, written)
    return CountyResult(county, "ran", time.perf_counter() - start, "", written)


def _describe_error(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    where = f" (cell {cell})" if cell is not None else ""
    text = f"{ename}: {evalue}{where}"
    if not hasattr(exc, "ename"):
        text += "\n" + "".join(traceback.format_exception(exc)[-3:])
    return text.strip()


def _worker_init() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    _register_engine()


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


def county_cache_key(county: str, settings: RunSettings, shared: dict[str, Any], code: str) -> str:
    """Content hash of everything a county's outputs depend on."""
    from helpers.screening.config import county_file, load_config

    config = load_config(county, county_file(county))
    config_text = "".join(p.read_text() for p in _config_paths(config.files))
    notebooks = "".join((NOTEBOOK_DIR / f"{n}.md").read_text() for n in settings.notebooks)
    parts = {
        "county": county,
        "inputs": shared["inputs"],
        "as_of": shared["as_of"],
        "mode": settings.mode,
        "seed": settings.seed,
        "config": _sha(config_text.encode()),
        "notebooks": _sha(notebooks.encode()),
        "code": code,
        "model": shared.get("model", {}).get("hash", ""),
    }
    return _sha(json.dumps(parts, sort_keys=True).encode())


def resolve_counties(names: str | None, every: bool) -> list[str]:
    """Counties from ``--counties "A,B"`` or ``--all`` (canonical names; unknown names are an error)."""
    if every:
        return county_names()
    if not names:
        raise InputError('name counties with --counties "Los Angeles,Alameda" or use --all')
    raw = [n.strip() for n in names.split(",") if n.strip()]
    return list(dict.fromkeys(canonical_name(r, "--counties") or "" for r in raw))


def run(settings: RunSettings, counties: list[str], progress: bool = True) -> list[CountyResult]:
    """Prepare the shared steps, then execute every county's notebooks (skipping unchanged ones)."""
    from tqdm import tqdm

    shared = prepare_shared(settings, counties)
    code = code_hash()
    root = settings.output_root()
    parameters = {
        "data": str(Path(shared["processed"]).resolve()),
        "shared": str(Path(settings.shared_root).resolve()),
        "as_of": shared["as_of"],
        "mode": settings.mode,
        "seed": settings.seed,
    }
    results: list[CountyResult] = []
    todo: list[tuple[str, Path, str]] = []
    for county in counties:
        out = root / slug(county)
        key = county_cache_key(county, settings, shared, code)
        complete = all((out / f"{n}.ipynb").exists() for n in settings.notebooks)
        cached = (out / CACHE_FILE).exists() and (out / CACHE_FILE).read_text().strip() == key
        if complete and cached and not settings.force and not (out / ERROR_FILE).exists():
            results.append(CountyResult(county, "skipped"))
        else:
            (out / CACHE_FILE).unlink(missing_ok=True)
            todo.append((county, out, key))
    bar = tqdm(total=len(todo), desc="counties", unit="county", disable=not progress or not todo)
    if todo:
        context = multiprocessing.get_context("spawn")
        workers = max(1, min(settings.jobs, len(todo)))
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init) as pool:
            futures = {
                pool.submit(run_county, county, parameters, settings.notebooks, str(out)): (
                    county,
                    out,
                    key,
                )
                for county, out, key in todo
            }
            for future in as_completed(futures):
                county, out, key = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a worker died
                    result = CountyResult(county, "failed", 0.0, _describe_error(exc))
                    out.mkdir(parents=True, exist_ok=True)
                    (out / ERROR_FILE).write_text(result.error + "\n")
                if result.status == "ran":
                    (out / CACHE_FILE).write_text(key + "\n")
                results.append(result)
                bar.update(1)
                bar.set_postfix_str(f"{county}: {result.status}")
    bar.close()
    order = {c: i for i, c in enumerate(counties)}
    results.sort(key=lambda r: order[r.county])
    _write_run_log(root, settings, results)
    return results


def _write_run_log(root: Path, settings: RunSettings, results: list[CountyResult]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    log = {
        "settings": {k: str(v) for k, v in asdict(settings).items()},
        "date": date.today().isoformat(),
        "results": [asdict(r) for r in results],
    }
    (root / "run.json").write_text(json.dumps(log, indent=2))
