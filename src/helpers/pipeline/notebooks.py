"""One county's notebooks executed with Papermill, finished for the site, failures recorded."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import paths
from helpers.pipeline.kernel import ENGINE, register_engine, reset_namespace
from helpers.pipeline.layout import ERROR_FILE, NOTEBOOK_DIR, REPORT_NOTEBOOK
from helpers.pipeline.settings import CountyResult
from helpers.provenance import display_path


def finalise_notebook(path: Path, county: str) -> None:
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


def describe_error(exc: BaseException) -> str:
    """A failed notebook's error in a few lines: name, value and cell (traceback tail if not a cell's)."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    where = f" (cell {cell})" if cell is not None else ""
    text = f"{ename}: {evalue}{where}"
    if not hasattr(exc, "ename"):
        text += "\n" + "".join(traceback.format_exception(exc)[-3:])
    return text.strip()


def _folder(notebook: str, out: Path) -> dict[str, str]:
    """The county's output folder, for the report notebook's DA export (``<folder>/export``)."""
    return {"out_dir": display_path(out)} if notebook == REPORT_NOTEBOOK else {}


AfterCounty = Callable[[str, dict[str, Any], str], list[str]]
"""A step run after a county's notebooks, in the same worker: ``(county, parameters, out_dir)`` →
the files it wrote (e.g. the DA report)."""


def run_county(
    county: str,
    parameters: dict[str, Any],
    notebooks: tuple[str, ...],
    out_dir: str,
    after: AfterCounty | None = None,
) -> CountyResult:
    """Execute the notebooks of one county into ``out_dir`` (called in a worker process), then
    ``after`` (if given).

    ``parameters`` are injected into every notebook, with ``county``.  A failure is written to
    ``ERROR.txt`` and returned as a ``failed`` result, never raised.
    """
    import jupytext
    import papermill as pm

    register_engine()
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / ERROR_FILE).unlink(missing_ok=True)
    written = []
    try:
        for name in notebooks:
            target = out / f"{name}.ipynb"
            reset_namespace(str(out.resolve()))
            pm.execute_notebook(
                jupytext.read(NOTEBOOK_DIR / f"{name}.md"),
                str(target),
                parameters={**parameters, "county": county, **_folder(name, out)},
                engine_name=ENGINE,
                kernel_name="python3",
                progress_bar=False,
                request_save_on_cell_execute=False,  # written once at the end, not per cell
                cwd=str(paths.ROOT),
            )
            finalise_notebook(target, county)
            written.append(str(target))
        if after is not None:
            written += after(county, parameters, str(out))
    except Exception as exc:  # one county's failure must not stop the others
        message = describe_error(exc)
        (out / ERROR_FILE).write_text(message + "\n")
        return CountyResult(county, "failed", time.perf_counter() - start, message, written)
    return CountyResult(county, "ran", time.perf_counter() - start, "", written)
