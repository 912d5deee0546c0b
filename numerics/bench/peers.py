r"""Peer implementations run on the same data in the same process: scikit-learn, SciPy, torch, faiss.

Each peer gets its input already converted to the dtype it works in (float64 for
scikit-learn and SciPy, float32 for torch and faiss), outside the timed call: the
comparison favours the peers. torch and faiss are used only when importable; the
project never requires them.

Examples
--------
>>> import numpy as np
>>> A = np.array([[0, 0]], dtype=np.uint8); B = np.array([[3, 4]], dtype=np.uint8)
>>> calls = distance_peers(A, B, "l1")
>>> {"scikit-learn", "scipy"} <= set(calls)       # torch and faiss too, when importable
True
>>> float(calls["scipy"]()[0, 0])
7.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["installed_peers", "distance_peers", "cv_peers"]

_SKLEARN = {"l2": "euclidean", "l1": "manhattan", "linf": "chebyshev"}
_SCIPY = {"l2": "euclidean", "l1": "cityblock", "linf": "chebyshev"}
#: scikit-learn's parallel jobs (the machine's two cores)
N_JOBS = 2


def installed_peers() -> dict[str, str | None]:
    """Peer name -> version, or None when not importable."""
    out: dict[str, str | None] = {}
    for name, module in (("scikit-learn", "sklearn"), ("scipy", "scipy"), ("torch", "torch"), ("faiss", "faiss")):
        try:
            out[name] = getattr(__import__(module), "__version__", "?")
        except ImportError:
            out[name] = None
    return out


def distance_peers(X_test: NDArray[Any], X_train: NDArray[Any], norm: str) -> dict[str, Callable[[], NDArray[Any]]]:
    """Zero-argument callables computing the (n_test, n_train) distances, one per installed peer."""
    from scipy.spatial.distance import cdist
    from sklearn.metrics import pairwise_distances

    t64, r64 = X_test.astype(np.float64), X_train.astype(np.float64)
    t32, r32 = X_test.astype(np.float32), X_train.astype(np.float32)
    calls: dict[str, Callable[[], NDArray[Any]]] = {
        "scikit-learn": lambda: pairwise_distances(t64, r64, metric=_SKLEARN[norm], n_jobs=N_JOBS),
        "scipy": lambda: cdist(t64, r64, metric=_SCIPY[norm]),
    }
    have = installed_peers()
    if have["torch"]:
        import torch

        p = {"l2": 2.0, "l1": 1.0, "linf": float("inf")}[norm]
        tt, rt = torch.from_numpy(t32), torch.from_numpy(r32)
        calls["torch"] = lambda: torch.cdist(tt, rt, p=p).numpy()
    if have["faiss"]:
        import faiss

        metric = {"l2": faiss.METRIC_L2, "l1": faiss.METRIC_L1, "linf": faiss.METRIC_Linf}[norm]
        if norm == "l2":
            calls["faiss"] = lambda: np.sqrt(faiss.pairwise_distances(t32, r32, metric))
        else:
            calls["faiss"] = lambda: faiss.pairwise_distances(t32, r32, metric)
    return calls


def _votes(neighbour_labels: NDArray[np.int64], k: int, n_classes: int) -> NDArray[np.int64]:
    counts = np.apply_along_axis(np.bincount, 1, neighbour_labels[:, :k], minlength=n_classes)
    return counts.argmax(axis=1)


def cv_peers(
    X: NDArray[Any], y: NDArray[np.int64], ks: Sequence[int], norms: Sequence[str], n_folds: int
) -> dict[str, Callable[[], NDArray[np.float64]]]:
    """Cross-validation errors (n_norms, n_ks, n_folds) by each peer, used well.

    Per fold and norm, one neighbour search for ``max(ks)`` serves every k (as
    gradproof does): scikit-learn's brute-force ``NearestNeighbors`` with two jobs,
    and faiss's ``knn`` when installed, for L2 only (its L1 / L-infinity brute
    force is measured in the distance workload; a cross-validation with it takes minutes).
    """
    from sklearn.neighbors import NearestNeighbors

    X64, X32 = X.astype(np.float64), X.astype(np.float32)
    folds = np.array_split(np.arange(X.shape[0]), n_folds)
    k_max, n_classes = max(ks), int(y.max()) + 1

    def run(search: Callable[[NDArray[np.intp], NDArray[np.intp], str], NDArray[np.int64]]) -> NDArray[np.float64]:
        errors = np.empty((len(norms), len(ks), n_folds))
        for f, val in enumerate(folds):
            train = np.concatenate([g for i, g in enumerate(folds) if i != f])
            for a, norm in enumerate(norms):
                labels = y[train][search(val, train, norm)]
                for b, k in enumerate(ks):
                    errors[a, b, f] = np.mean(_votes(labels, k, n_classes) != y[val])
        return errors

    def sk(val: NDArray[np.intp], train: NDArray[np.intp], norm: str) -> NDArray[np.int64]:
        nn = NearestNeighbors(n_neighbors=k_max, algorithm="brute", metric=_SKLEARN[norm], n_jobs=N_JOBS)
        return nn.fit(X64[train]).kneighbors(X64[val], return_distance=False)

    calls: dict[str, Callable[[], NDArray[np.float64]]] = {"scikit-learn": lambda: run(sk)}
    if installed_peers()["faiss"] and set(norms) == {"l2"}:  # faiss's L1 / L-inf search takes minutes here
        import faiss

        metrics = {"l2": faiss.METRIC_L2, "l1": faiss.METRIC_L1, "linf": faiss.METRIC_Linf}

        def fs(val: NDArray[np.intp], train: NDArray[np.intp], norm: str) -> NDArray[np.int64]:
            return faiss.knn(X32[val], X32[train], k_max, metric=metrics[norm])[1]

        calls["faiss"] = lambda: run(fs)
    return calls
