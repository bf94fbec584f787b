"""Provenance of every output: file hashes, the code's hash and commit, library versions, paths
stored relative to the checkout, and deterministic element ids for generated maps.

Every manifest and report records the same facts through these functions, so that two outputs can
be compared, a rerun writes the same bytes, and a result is traced to the exact inputs, code and
libraries that made it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import helpers
from helpers import paths

LIBRARIES = (
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "scikit-learn",
    "imbalanced-learn",
    "fairlearn",
    "joblib",
    "papermill",
)
"""The libraries whose versions the results depend on (recorded in every manifest)."""


def bytes_sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes in memory."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks (bounded memory for any size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_hash() -> str:
    """Hash of the ``helpers`` package sources and the reference tables they read (a change in
    either reruns every county)."""
    digest = hashlib.sha256()
    reference = paths.reference_dir()
    files = [(p, p.relative_to(paths.ROOT)) for p in (paths.ROOT / "src" / "helpers").rglob("*.py")]
    files += [
        (p, "reference" / p.relative_to(reference)) for p in reference.rglob("*") if p.is_file()
    ]
    for path, name in sorted(files, key=lambda item: item[1].as_posix()):
        digest.update(name.as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def git_commit() -> str:
    """The current git commit (``unknown`` outside a repository)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=paths.ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def library_versions() -> dict[str, str]:
    """Python, ``secondlook`` and :data:`LIBRARIES` versions (``not installed`` when absent)."""
    out = {"python": platform.python_version(), "secondlook": helpers.__version__}
    for name in LIBRARIES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def display_path(path: str | Path) -> str:
    """``path`` as recorded inside an output or passed to a notebook: relative to the checkout
    (``data/processed``, ``../elsewhere/doj.csv``), never an absolute path that differs from one
    machine or checkout to the next. A relative ``path`` is taken as relative to the working
    folder."""
    return Path(os.path.relpath(Path(path).absolute(), paths.ROOT)).as_posix()


def stored_path(text: str | Path) -> Path:
    """A path recorded by :func:`display_path`, back as a usable path (relative: to the
    checkout)."""
    path = Path(text)
    return path if path.is_absolute() else Path(os.path.normpath(paths.ROOT / path))


def stable_ids(fmap: Any, prefix: str = "sl") -> Any:
    """Give every element of a folium map a deterministic id (folium draws random ones), so the
    same map gives the same bytes on rerun; elements added later get the next ids."""
    root = fmap.get_root()
    count = getattr(root, "_sl_count", 0)
    queue = [root]
    while queue:
        element = queue.pop(0)
        if not getattr(element, "_sl_stable", False):
            element._id = f"{prefix}{count:05d}"
            element._sl_stable = True
            count += 1
        queue.extend(element._children.values())
    root._sl_count = count
    return fmap
