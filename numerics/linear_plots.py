r"""Figures for the linear models: SGD loss curve, learning-rate sweep, shrinkage path, hinge loss.

Every function returns a :class:`matplotlib.figure.Figure` built without
``pyplot`` (no global state); save it with ``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from numerics.softmax_model import SweepResult
from numerics.validation import as_float, check_array, check_positive_float

__all__ = ["plot_hinge", "plot_loss_curve", "plot_lr_sweep", "plot_shrinkage_path"]


def plot_loss_curve(losses: Sequence[float] | ArrayLike, *, log_c: float | None = None, title: str = "SGD loss",
                    reference: tuple[float, str] | None = None) -> Figure:
    """Batch loss against iteration, with a running mean and (optionally) a reference line.

    Parameters
    ----------
    losses : sequence of float, length num_iters
    log_c : float, optional
        Draw the expected initial loss log C as a reference line (softmax).
    title : str
    reference : (float, str), optional
        Any other reference line and its label (the SVM's C − 1).
    """
    arr = as_float(check_array(losses, "losses", ndim=1, shape_doc="(num_iters,)"))
    it = np.arange(arr.shape[0])
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.subplots()
    ax.plot(it, arr, lw=0.6, alpha=0.5, label="batch loss")
    window = max(1, min(50, arr.shape[0] // 10))
    running = np.convolve(arr, np.ones(window) / window, mode="valid")
    ax.plot(it[window - 1 :], running, lw=1.5, label=f"running mean ({window})")
    if log_c is not None:
        reference = (check_positive_float(log_c, "log_c"), "log C")
    if reference is not None:
        ax.axhline(reference[0], color="gray", ls="--", lw=1, label=reference[1])
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    return fig


def plot_lr_sweep(sweep: SweepResult) -> Figure:
    """Accuracies (train, validation) and final training loss against the learning rate; best marked."""
    if not isinstance(sweep, SweepResult):
        raise ValueError(f"sweep: expected a SweepResult from learning_rate_sweep, got {type(sweep).__name__}")
    lrs = np.array([e.learning_rate for e in sweep.entries])
    fig = Figure(figsize=(9.0, 3.8), layout="constrained")
    ax_acc, ax_loss = fig.subplots(1, 2)
    ax_acc.plot(lrs, [e.train_accuracy for e in sweep.entries], "o-", label="train")
    ax_acc.plot(lrs, [e.val_accuracy for e in sweep.entries], "s-", label="validation")
    best = sweep.best
    ax_acc.plot([best.learning_rate], [best.val_accuracy], "k*", ms=14, label=f"best: {best.learning_rate:g}")
    ax_acc.set_ylabel("accuracy")
    ax_acc.legend()
    ax_loss.plot(lrs, [e.final_loss for e in sweep.entries], "o-")
    ax_loss.set_ylabel("final training loss")
    for ax in (ax_acc, ax_loss):
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
    fig.suptitle("Learning-rate sweep")
    return fig


def plot_shrinkage_path(
    sigmas: ArrayLike,
    norms: ArrayLike,
    *,
    least_squares_norm: float | None = None,
    asymptote_coefficient: float | None = None,
) -> Figure:
    r"""Log-log plot of :math:`\|\theta^*(\sigma)\|` with its two limits.

    Parameters
    ----------
    sigmas, norms : array_like of shape (n_sigmas,), positive
        From :func:`numerics.noisy.shrinkage_path`.
    least_squares_norm : float, optional
        The σ → 0 limit (:func:`numerics.noisy.shrinkage_limits`); default: the
        norm at the smallest σ.
    asymptote_coefficient : float, optional
        :math:`c` of the large-σ asymptote :math:`c / \sigma^2`; default: estimated
        from the largest σ.
    """
    s = as_float(check_array(sigmas, "sigmas", ndim=1, shape_doc="(n_sigmas,)"))
    n = as_float(check_array(norms, "norms", ndim=1, shape_doc="(n_sigmas,)"))
    if s.shape != n.shape:
        raise ValueError(f"sigmas and norms: expected the same length, got {s.shape[0]} and {n.shape[0]}")
    if (s <= 0).any() or (n <= 0).any():
        raise ValueError("sigmas and norms: expected positive values for a log-log plot, got a value <= 0")
    order = np.argsort(s)
    s, n = s[order], n[order]
    ls = n[0] if least_squares_norm is None else check_positive_float(least_squares_norm, "least_squares_norm")
    c = n[-1] * s[-1] ** 2 if asymptote_coefficient is None else check_positive_float(asymptote_coefficient, "asymptote_coefficient")
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.loglog(s, n, "o-", ms=3, label=r"$\|\theta^*(\sigma)\|$")
    ax.axhline(ls, color="gray", ls="--", lw=1, label=r"least squares ($\sigma \to 0$)")
    tail = s[s >= np.sqrt(s[0] * s[-1])]  # draw the asymptote over the upper half of the range
    ax.loglog(tail, c / tail**2, ":", color="C3", label=r"$\|X^\top y\| / (N\sigma^2)$")
    ax.set_ylim(min(n.min(), (c / tail**2).min()) * 0.5, max(n.max(), ls) * 2)
    ax.set_xlabel(r"noise level $\sigma$")
    ax.set_ylabel(r"$\|\theta^*\|$")
    ax.set_title("Shrinkage path: input noise acts as ridge")
    ax.legend()
    return fig


def plot_hinge(margin_range: tuple[float, float] = (-1.5, 3.0), *, kink_value: float = 0.0, n_points: int = 401) -> Figure:
    r"""Hinge loss :math:`\max(0, 1 - p)` of one sample against its margin ``p``, and its subgradient.

    The subgradient panel draws :math:`-1\{p < 1\}`, the whole subdifferential
    :math:`[-1, 0]` at the kink p = 1, and the value chosen there
    (:math:`-` ``kink_value``).
    """
    lo, hi = (float(v) for v in margin_range)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < 1.0 < hi):
        raise ValueError(f"margin_range: expected finite (low, high) with low < 1 < high, got {margin_range!r}")
    kv = check_positive_float(kink_value, "kink_value", allow_zero=True)
    if kv > 1:
        raise ValueError(f"kink_value: expected a number in [0, 1], got {kink_value!r}")
    p = np.linspace(lo, hi, n_points)
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    ax_loss, ax_grad = fig.subplots(1, 2)
    ax_loss.plot(p, np.maximum(0.0, 1.0 - p))
    ax_loss.plot([1.0], [0.0], "ro", label="kink (p = 1)")
    ax_loss.set_title(r"$\max(0,\ 1 - p)$")
    ax_grad.plot(p[p < 1], -np.ones(np.count_nonzero(p < 1)), "C0")
    ax_grad.plot(p[p > 1], np.zeros(np.count_nonzero(p > 1)), "C0")
    ax_grad.plot([1.0, 1.0], [-1.0, 0.0], color="C1", lw=3, alpha=0.5, label="subdifferential [-1, 0]")
    ax_grad.plot([1.0], [-kv], "ro", label=f"chosen at p = 1: {0.0 - kv:g}")
    ax_grad.set_ylim(-1.3, 0.3)
    ax_grad.set_title(r"subgradient $-1\{p < 1\}$")
    for ax in (ax_loss, ax_grad):
        ax.axvline(1.0, color="gray", ls=":", lw=1)
        ax.set_xlabel(r"margin $p = y (w^\top x + b)$")
        ax.legend()
    return fig
