"""Saving, loading and using a trained model: ``model.joblib`` and ``model.json``, scores and ranks.

The saved files are byte-identical across reruns with the same data and seed: the metadata holds no
clock time, and every decision tree's node table is rewritten with its padding bytes zeroed
(:func:`zero_tree_padding`) — scikit-learn leaves them uninitialised, so the pickled bytes of an
otherwise identical tree differ between runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.errors import InputError
from helpers.model.explanations import explain
from helpers.model.metadata import MODEL_FILE_HASH, ModelMetadata
from helpers.model.pipeline import scores
from helpers.provenance import file_sha256

MODEL_FILE = "model.joblib"
METADATA_FILE = "model.json"


def _trees(obj: Any, seen: set[int]) -> list[Any]:
    """Every scikit-learn ``Tree`` reachable from ``obj`` (attributes, lists, tuples, mappings)."""
    from sklearn.tree._tree import Tree

    if id(obj) in seen or isinstance(obj, str | bytes | np.ndarray | int | float):
        return []
    seen.add(id(obj))
    if isinstance(obj, Tree):
        return [obj]
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, list | tuple):
        children = list(obj)
    else:
        children = list(getattr(obj, "__dict__", {}).values())
    return [t for child in children for t in _trees(child, seen)]


def zero_tree_padding(pipeline: Any) -> int:
    """Zero the padding bytes of every decision tree's node table in ``pipeline``; the tree count.

    A node is a C struct whose last field (one byte) is followed by seven padding bytes that
    scikit-learn never initialises; pickling copies them.  The values of the tree do not change.
    """
    trees = _trees(pipeline, set())
    for tree in trees:
        state = tree.__getstate__()
        nodes = state["nodes"]
        clean = np.zeros(nodes.shape, dtype=nodes.dtype)
        for name in nodes.dtype.names:
            clean[name] = nodes[name]
        tree.__setstate__({**state, "nodes": clean})
    return len(trees)


def save_model(pipeline: Any, metadata: ModelMetadata, out_dir: Path) -> tuple[Path, Path]:
    """Write ``model.joblib`` (pipeline + metadata) and ``model.json`` (metadata) to ``out_dir``.

    ``model.json`` also records the SHA-256 of ``model.joblib`` (``model_file_sha256``).  Both are
    byte-identical across reruns (:func:`zero_tree_padding`).
    """
    import joblib

    zero_tree_padding(pipeline)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_FILE
    joblib.dump({"pipeline": pipeline, "metadata": metadata.to_dict()}, model_path, compress=3)
    meta_path = out_dir / METADATA_FILE
    meta = {**metadata.to_dict(), MODEL_FILE_HASH: file_sha256(model_path)}
    meta_path.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    return model_path, meta_path


def load_model(path: Path) -> tuple[Any, ModelMetadata]:
    """(pipeline, metadata) from a ``model.joblib`` (or its folder) written by :func:`save_model`."""
    import joblib

    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.exists():
        raise InputError("no such model file (train one with `secondlook train`)", file=str(path))
    try:
        bundle = joblib.load(path)
    except Exception as exc:  # not a joblib file
        raise InputError(f"cannot be read as a model file ({exc})", file=str(path)) from None
    if not isinstance(bundle, dict) or "pipeline" not in bundle or "metadata" not in bundle:
        raise InputError("is not a secondlook model file", file=str(path))
    return bundle["pipeline"], ModelMetadata.from_dict(bundle["metadata"], path)


def predict(
    pipeline: Any,
    metadata: ModelMetadata,
    X: pd.DataFrame,
    *,
    explain_rows: bool | np.ndarray = True,
) -> pd.DataFrame:
    """``model_score`` (probability of the positive label) and ``top_features`` per person of ``X``.

    ``explain_rows``: ``True`` explains everybody, ``False`` nobody (no ``top_features`` column), a
    boolean mask only those rows (the others get ``""``).
    """
    X = X.reindex(columns=metadata.features)
    s = scores(pipeline, X)
    out = pd.DataFrame({"model_score": s}, index=X.index)
    if explain_rows is True:
        explain_rows = np.ones(len(X), dtype=bool)
    if explain_rows is not False:
        rows = np.asarray(explain_rows, dtype=bool)
        text = pd.Series("", index=X.index, dtype="string")
        if rows.any():
            text[rows] = explain(
                pipeline,
                X.loc[rows],
                metadata.explain_features,
                metadata.reference_values,
                base=s[rows],
            ).to_numpy()
        out["top_features"] = text.to_numpy()
    return out


def model_ranks(score: np.ndarray, county: pd.Series | None = None) -> np.ndarray:
    """Rank 1..n by ``score`` descending (within each county when given; ties by position)."""
    score = np.asarray(score, dtype="float64")
    ranks = np.zeros(len(score), dtype=np.int64)
    groups = (
        pd.Series(np.zeros(len(score)))
        if county is None
        else county.astype("string").fillna("").reset_index(drop=True)
    )
    for _, idx in groups.groupby(groups, sort=False).indices.items():
        order = np.argsort(-score[idx], kind="stable")
        ranks[idx[order]] = np.arange(1, len(idx) + 1)
    return ranks
