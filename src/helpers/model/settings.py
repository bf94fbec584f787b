"""The settings of a training run: forest, resampling, cross-validation, capacity, bootstrap, checks."""

from __future__ import annotations

from dataclasses import dataclass

#: Capacities k of recall@k and precision@k (files an office can read).
KS = (25, 50, 100)
#: The default random seed of every fit, fold and bootstrap.
SEED = 1172


@dataclass
class ModelSettings:
    """Every setting of a training run (stored in the metadata as ``parameters``).

    The threshold is a capacity: an office that reads ``capacity`` files takes the ``capacity``
    best-scored people; precision@k and recall@k are reported for every k of ``ks``.
    """

    n_estimators: int = 100
    max_depth: int | None = None
    min_samples_leaf: int = 3
    max_features: str | float = "sqrt"
    sampling_strategy: str = "all"
    replacement: bool = True
    bootstrap: bool = False
    smote: bool = False
    smote_ratio: float = 0.5
    smote_k_neighbors: int = 5
    n_jobs: int = 2
    random_state: int = SEED
    n_splits: int = 5
    n_repeats: int = 2
    time_test_share: float = 0.25
    capacity: int = 50
    ks: tuple[int, ...] = KS
    n_boot: int = 1000
    weight_boot: int = 100
    emulation_trees: int = 50
    emulation_folds: int = 3
    emulation_threshold: float = 0.5
    importance_repeats: int = 2
    importance_max_rows: int = 8000
    explain_features: int = 8
