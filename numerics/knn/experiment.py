"""The homework's k-nearest-neighbour experiment (SPEC problem 2) as a function returning a record.

:func:`run_knn_experiment` loads a dataset, takes the first ``n_train`` / ``n_test``
images, and measures the homework's numbers: the k = 1 L2 test error, the
cross-validation table over k and the norms, the best k, the error of each norm at
that k, the best (k, norm), its test error and the improvement over k = 1 with L2.
:func:`save_knn_figures` draws its figures.  ``gradproof knn``, the worked solutions
and ``gradproof all`` all call these; the same ``seed`` gives the same record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numerics.knn.cv import K_CHOICES, CVResult

__all__ = ["KNNExperiment", "run_knn_experiment", "save_knn_figures", "DEFAULT_SIZES", "CV_NORMS", "FIGURES"]

#: (n_train, n_test) when not given; None = everything the dataset has
DEFAULT_SIZES: dict[str, tuple[int | None, int | None]] = {
    "cifar10": (5000, 500),  # the homework's subsample
    "digits": (None, None),
    "cifar10-subset": (None, None),  # all of it (4000 / 1000 in the shared subset)
}
#: CV order: L2 first, so that a tie between norms keeps the homework's default
CV_NORMS: tuple[str, ...] = ("l2", "l1", "linf")
#: the figures :func:`save_knn_figures` writes, in order: sample grid, error against k, error per norm
FIGURES: tuple[str, ...] = ("knn_samples.png", "knn_error_vs_k.png", "knn_error_vs_norm.png")


@dataclass(frozen=True)
class KNNExperiment:
    """What :func:`run_knn_experiment` measured (every number a Python ``int`` / ``float``).

    Attributes
    ----------
    dataset : str
    seed : int
    n_train, n_test, n_features, n_classes : int
    k1_l2_test_error : float
        Test error of k = 1 with the L2 distance; ``k1_l2_test_wrong`` of ``n_test`` wrong.
    cv : CVResult
        The cross-validation over ``cv.ks`` and ``cv.norms``.
    best_k : int
        The k with the lowest mean L2 validation error.
    best_norm : str
        The norm with the lowest mean validation error at ``best_k``.
    best_test_error : float
        Test error of (``best_k``, ``best_norm``); ``best_test_wrong`` wrong.
    """

    dataset: str
    seed: int
    n_train: int
    n_test: int
    n_features: int
    n_classes: int
    k1_l2_test_error: float
    k1_l2_test_wrong: int
    cv: CVResult
    best_k: int
    best_norm: str
    best_test_error: float
    best_test_wrong: int
    sample_images: NDArray[Any] = field(repr=False, compare=False)
    sample_labels: NDArray[Any] = field(repr=False, compare=False)
    class_names: tuple[str, ...] = field(repr=False, compare=False, default=())

    @property
    def improvement_over_k1_l2(self) -> float:
        """Test error of k = 1 with L2 minus that of the best pair (positive: the best pair errs less)."""
        return self.k1_l2_test_error - self.best_test_error

    def error_per_norm(self) -> dict[str, dict[str, float]]:
        """``{norm: {"mean": ..., "std": ...}}``: validation error of each norm at ``best_k`` over folds."""
        return {n: {"mean": float(self.cv.fold_errors(n, self.best_k).mean()),
                    "std": float(self.cv.fold_errors(n, self.best_k).std())} for n in self.cv.norms}

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-able data (``gradproof knn --json`` prints it, with ``figures``)."""
        return {
            "dataset": self.dataset,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_features": self.n_features,
            "n_classes": self.n_classes,
            "seed": self.seed,
            "k1_l2_test_error": self.k1_l2_test_error,
            "k1_l2_test_wrong": self.k1_l2_test_wrong,
            "cv": self.cv.to_dict(),
            "best_k": self.best_k,
            "error_per_norm_at_best_k": self.error_per_norm(),
            "best": {"k": self.best_k, "norm": self.best_norm},
            "best_test_error": self.best_test_error,
            "best_test_wrong": self.best_test_wrong,
            "improvement_over_k1_l2": self.improvement_over_k1_l2,
        }


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    # independent streams: adding a figure never changes the folds
    fold, grid = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    return fold, grid


def run_knn_experiment(dataset: str = "digits", *, data_dir: str | Path | None = None, download: bool = False,
                       n_train: int | None = None, n_test: int | None = None, folds: int = 5,
                       ks: Sequence[int] | None = None, seed: int = 0, progress: bool = False) -> KNNExperiment:
    """Run the homework's kNN experiment.

    Parameters
    ----------
    dataset : {"digits", "cifar10", "cifar10-subset"}
    data_dir : path, optional
        Where CIFAR-10 is (default: the per-user cache).
    download : bool
        Download CIFAR-10 if it is missing.
    n_train, n_test : int, optional
        First rows of each split (default :data:`DEFAULT_SIZES`; None there = all).
    folds : int
        Cross-validation folds.
    ks : sequence of int, optional
        The k values to cross-validate (default :data:`numerics.knn.K_CHOICES`).
    seed : int
        Seed of the folds (and of the sample grid of :func:`save_knn_figures`).
    progress : bool
        Progress bars on stderr.

    Returns
    -------
    KNNExperiment

    Raises
    ------
    ValueError, FileNotFoundError, OSError
        Unknown dataset, bad sizes, or missing / unreadable data (the message says which).
    """
    from numerics.data import load_dataset
    from numerics.knn import KNN, compute_distances, cross_validate
    from numerics.preprocess import first_n

    if dataset not in DEFAULT_SIZES:
        raise ValueError(f"dataset: expected one of {', '.join(DEFAULT_SIZES)}, got {dataset!r}")
    ds = load_dataset(dataset, data_dir, download=download)
    default_train, default_test = DEFAULT_SIZES[dataset]
    n_tr = n_train if n_train is not None else (default_train or ds.X_train.shape[0])
    n_te = n_test if n_test is not None else (default_test or ds.X_test.shape[0])
    X_train, y_train, X_test, y_test = first_n(ds, n_tr, n_te)
    fold_rng, _ = _streams(seed)

    model = KNN().train(X_train, y_train)
    d_l2 = model.compute_L2_distances_vectorized(X_test)
    wrong_k1 = int(np.count_nonzero(model.predict_labels(d_l2, k=1) != y_test))
    cv = cross_validate(X_train, y_train, ks=tuple(ks) if ks else K_CHOICES, norms=CV_NORMS, n_folds=folds,
                        rng=fold_rng, progress=progress)
    best_k = cv.best_k("l2")
    best_norm = cv.best_norm(best_k)
    d_best = d_l2 if best_norm == "l2" else compute_distances(X_test, X_train, best_norm)
    wrong_best = int(np.count_nonzero(model.predict_labels(d_best, k=best_k) != y_test))
    return KNNExperiment(
        dataset=ds.name, seed=seed, n_train=int(X_train.shape[0]), n_test=int(X_test.shape[0]),
        n_features=int(X_train.shape[1]), n_classes=len(ds.class_names),
        k1_l2_test_error=wrong_k1 / len(y_test), k1_l2_test_wrong=wrong_k1, cv=cv, best_k=best_k,
        best_norm=best_norm, best_test_error=wrong_best / len(y_test), best_test_wrong=wrong_best,
        sample_images=ds.images(X_train), sample_labels=y_train, class_names=tuple(ds.class_names),
    )


def save_knn_figures(result: KNNExperiment, out: str | Path) -> list[Path]:
    """Save the sample grid, the error against k and the error per norm (:data:`FIGURES`) in ``out``."""
    from numerics.knn.plots import plot_error_vs_k, plot_error_vs_norm, plot_sample_grid

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    _, grid_rng = _streams(result.seed)
    figs = (
        plot_sample_grid(result.sample_images, result.sample_labels, list(result.class_names), rng=grid_rng),
        plot_error_vs_k(result.cv, "l2"),
        plot_error_vs_norm(result.cv, result.best_k),
    )
    paths = []
    for fig, name in zip(figs, FIGURES, strict=True):
        fig.savefig(folder / name, dpi=100)
        paths.append(folder / name)
    return paths
