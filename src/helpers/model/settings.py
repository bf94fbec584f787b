"""The settings of a training run: forest, resampling, split, threshold, bootstrap and explanations."""

from __future__ import annotations

from dataclasses import dataclass

#: Capacities k of recall@k and precision@k (files an office can read).
KS = (25, 50, 100)
#: The default random seed of every fit, split and bootstrap.
SEED = 1172


@dataclass
class ModelSettings:
    """Every setting of a training run (stored in the metadata as ``parameters``)."""

    n_estimators: int = 200
    max_depth: int | None = None
    min_samples_leaf: int = 3
    max_features: str | float = "sqrt"
    sampling_strategy: str = "all"
    replacement: bool = True
    bootstrap: bool = False
    smote: bool = False
    smote_ratio: float = 0.1
    smote_k_neighbors: int = 5
    n_jobs: int = 2
    random_state: int = SEED
    test_size: float = 0.25
    threshold: float = 0.5
    ks: tuple[int, ...] = KS
    n_boot: int = 1000
    importance_repeats: int = 3
    importance_max_rows: int = 8000
    explain_features: int = 8
