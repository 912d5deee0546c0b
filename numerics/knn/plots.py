"""Figures of the kNN experiments: sample grid, error vs k, error vs norm.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no
global state, no backend); save it with ``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from numerics.knn.cv import CVResult
from numerics.validation import check_array, check_int, check_labels

__all__ = ["plot_error_vs_k", "plot_error_vs_norm", "plot_sample_grid", "NORM_LABELS"]

#: how the norms are written on the figures
NORM_LABELS: dict[str, str] = {"l1": "L1", "l2": "L2", "linf": "L∞"}


def _check_result(result: CVResult) -> CVResult:
    if not isinstance(result, CVResult):
        raise ValueError(f"result: expected a CVResult, got {type(result).__name__}")
    return result


def _jitter(n: int, width: float) -> np.ndarray:
    """Deterministic horizontal offsets for ``n`` fold points (no randomness in figures)."""
    return np.linspace(-width, width, n) if n > 1 else np.zeros(1)


def plot_error_vs_k(result: CVResult, norm: str = "l2") -> Figure:
    """Cross-validation error against k: mean ± std over folds, with every fold's point.

    Parameters
    ----------
    result : CVResult
    norm : str, default "l2"
        One of ``result.norms``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    result = _check_result(result)
    a = result._norm_index(norm)
    ks = np.asarray(result.ks, dtype=float)
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    offsets = _jitter(result.n_folds, 0.15)
    for f in range(result.n_folds):
        ax.plot(ks + offsets[f], result.errors[a, :, f], "o", ms=3, color="0.6",
                label="single fold" if f == 0 else None)
    ax.errorbar(ks, result.mean()[a], yerr=result.std()[a], fmt="o-", capsize=4, color="C0",
                label="mean ± std over folds")
    best = result.best_k(norm)
    ax.axvline(best, color="C3", ls=":", lw=1, label=f"best k = {best}")
    ax.set_xlabel("k (number of neighbours)")
    ax.set_ylabel("validation error")
    ax.set_title(f"{result.n_folds}-fold cross-validation, {NORM_LABELS.get(norm, norm)} distance")
    ax.set_xticks(ks)
    ax.legend()
    return fig


def plot_error_vs_norm(result: CVResult, k: int) -> Figure:
    """Cross-validation error of each norm at a fixed k: mean ± std, and every fold's point.

    Parameters
    ----------
    result : CVResult
    k : int
        One of ``result.ks``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    result = _check_result(result)
    b = result._k_index(k)
    x = np.arange(len(result.norms), dtype=float)
    fig = Figure(figsize=(5.0, 4.2), layout="constrained")
    ax = fig.subplots()
    offsets = _jitter(result.n_folds, 0.08)
    for f in range(result.n_folds):
        ax.plot(x + offsets[f], result.errors[:, b, f], "o", ms=3, color="0.6",
                label="single fold" if f == 0 else None)
    ax.errorbar(x, result.mean()[:, b], yerr=result.std()[:, b], fmt="s", capsize=6, color="C0",
                label="mean ± std over folds")
    ax.set_xticks(x, [NORM_LABELS.get(n, n) for n in result.norms])
    ax.set_xlim(-0.5, len(result.norms) - 0.5)
    ax.set_xlabel("distance")
    ax.set_ylabel("validation error")
    ax.set_title(f"{result.n_folds}-fold cross-validation at k = {k}")
    ax.legend()
    return fig


def plot_sample_grid(
    images: ArrayLike,
    labels: ArrayLike,
    class_names: Sequence[str],
    *,
    per_class: int = 7,
    rng: np.random.Generator | None = None,
) -> Figure:
    """A grid of sample images: one column per class, ``per_class`` rows, drawn as one mosaic.

    Parameters
    ----------
    images : array_like of shape (n, H, W, C), uint8
        ``C`` is 1 (shown in grey) or 3 (RGB).
    labels : array_like of shape (n,), int
        Labels in ``0 .. len(class_names) - 1``.
    class_names : sequence of str
    per_class : int, default 7
    rng : numpy.random.Generator, optional
        Draw the samples of each class at random (without replacement); None takes
        the first ``per_class`` of each class. A class with fewer images leaves
        blank cells.

    Returns
    -------
    matplotlib.figure.Figure
    """
    imgs = check_array(images, "images", ndim=4, shape_doc="(n, H, W, C)")
    if imgs.dtype != np.uint8:
        raise ValueError(f"images: expected dtype uint8, got {imgs.dtype}")
    if imgs.shape[3] not in (1, 3):
        raise ValueError(f"images: expected 1 or 3 channels (last axis), got shape {imgs.shape}")
    names = tuple(str(c) for c in class_names)
    if not names:
        raise ValueError("class_names: expected at least one name, got none")
    y = check_labels(labels, "labels", n_samples=imgs.shape[0], n_classes=len(names))
    per_class = check_int(per_class, "per_class", low=1)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator or None, got {rng!r}")
    n, H, W, C = imgs.shape
    # one mosaic image (fast to draw) on a white background, 1-pixel white gaps; values in [0, 1]
    scale = max(1, int(imgs.max())) if C == 1 else 255  # digits are 0..16, CIFAR 0..255
    pad = max(1, H // 8)
    canvas = np.ones((per_class * (H + pad) - pad, len(names) * (W + pad) - pad, 3))
    for c in range(len(names)):
        idx = np.flatnonzero(y == c)
        if rng is not None:
            idx = rng.choice(idx, size=min(per_class, idx.size), replace=False)
        for r, i in enumerate(idx[:per_class]):
            top, left = r * (H + pad), c * (W + pad)
            canvas[top : top + H, left : left + W] = imgs[i] / scale  # (H, W, 1) broadcasts to grey RGB
    fig = Figure(figsize=(0.8 * len(names) + 0.4, 0.8 * per_class + 0.5), layout="constrained")
    ax = fig.subplots()
    ax.imshow(canvas, interpolation="nearest")
    ax.set_xticks([c * (W + pad) + (W - 1) / 2 for c in range(len(names))], names, fontsize=9)
    ax.xaxis.tick_top()
    ax.set_yticks([])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return fig
