"""k-nearest neighbours (SPEC problem 2): distances, prediction, the KNN class, cross-validation.

Plain functions do the work; :class:`KNN` is the homework's interface over them.
Figures live in :mod:`numerics.knn.plots` (imported on demand: it needs matplotlib).
"""

from __future__ import annotations

from numerics.knn.cv import K_CHOICES, CVResult, cross_validate
from numerics.knn.distances import (
    NORMS,
    compute_distances,
    l1_distances,
    l2_distances,
    linf_distances,
    naive_distances,
)
from numerics.knn.model import KNN
from numerics.knn.predict import nearest_indices, predict_from_neighbours, predict_labels

__all__ = [
    "NORMS",
    "K_CHOICES",
    "KNN",
    "CVResult",
    "compute_distances",
    "cross_validate",
    "l1_distances",
    "l2_distances",
    "linf_distances",
    "naive_distances",
    "nearest_indices",
    "predict_from_neighbours",
    "predict_labels",
]
