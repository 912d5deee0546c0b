r"""The multiclass (Weston–Watkins) SVM of the CS231n assignment: loss and subgradient, a classifier, a sweep.

Conventions of the assignment's ``linear_svm.py``: samples as rows of ``X`` of shape
``(N, D)`` (bias column already appended), weights ``W`` of shape ``(D, C)``, scores
``S = X W`` of shape ``(N, C)``, integer labels ``y`` in ``0 .. C-1``, margin
:data:`DELTA` = 1.  Both losses return ``(loss, dW)``.

Examples
--------
>>> import numpy as np
>>> X = np.array([[1.0, 2.0, 1.0], [0.5, -1.0, 1.0]])
>>> y = np.array([0, 2])
>>> W = np.zeros((3, 4))
>>> svm_loss_vectorized(W, X, y, 0.0)[0]  # every margin is Δ = 1: C - 1
3.0
>>> loss, dW = svm_loss_naive(W, X, y, 0.1)
>>> bool(np.allclose(dW, svm_loss_vectorized(W, X, y, 0.1)[1]))
True
>>> rng = np.random.default_rng(0)
>>> Xs = np.hstack([rng.standard_normal((80, 2)), np.ones((80, 1))])
>>> ys = np.argmax(Xs @ rng.standard_normal((3, 3)), axis=1)  # linearly separable labels
>>> svm = LinearSVM(rng=np.random.default_rng(1))
>>> history = svm.train(Xs, ys, learning_rate=0.05, reg=1e-3, num_iters=200, batch_size=40)
>>> history[-1] < history[0], float(np.mean(svm.predict(Xs) == ys)) > 0.8
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.gradcheck import GradCheckResult, check_gradient
from numerics.sweep import best_on_validation, sweep_data, train_grid
from numerics.validation import as_float, check_int, check_labels, check_matrix, check_positive_float

__all__ = [
    "DELTA", "MAX_BATCH_BYTES", "svm_loss_naive", "svm_loss_vectorized", "svm_loss", "svm_mask", "svm_grad_check", "probe_crosses_kink",
    "LinearSVM", "SweepCell", "SVMSweep", "svm_sweep",
]

#: the margin Δ of the assignment
DELTA = 1.0
#: largest SGD batch (rows × features × bytes) :meth:`LinearSVM.train` copies per step
MAX_BATCH_BYTES = 2**30

_NOTES = r"""
    Notes
    -----
    With scores :math:`s_{ij} = x_i^\top w_j` and margins
    :math:`m_{ij} = s_{ij} - s_{i y_i} + \Delta` (:math:`\Delta = 1`),

    .. math::

        L(W) = \frac{1}{N} \sum_{i=1}^{N} \sum_{j \ne y_i} \max(0, m_{ij}) + \lambda \|W\|_F^2,
        \qquad
        \nabla_W L = \frac{1}{N} X^\top M + 2 \lambda W,

    with the mask :math:`M_{ij} = \mathbb{1}\{m_{ij} > 0\}` for :math:`j \ne y_i` and
    :math:`M_{i y_i} = -\sum_{j \ne y_i} \mathbb{1}\{m_{ij} > 0\}`; :math:`\lambda` is ``reg``.
    At a margin of exactly 0 the loss has a kink: the indicator's value 0 there (``> 0``)
    gives one subgradient, 1 (``>= 0``) another; see :mod:`derive.svm`.
"""


def _validate(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: Any) -> tuple[NDArray[Any], NDArray[Any],
                                                                            NDArray[np.int64], float]:
    """Shapes, labels and finiteness, once per public entry."""
    W_ = as_float(check_matrix(W, "W"))
    X_ = as_float(check_matrix(X, "X", n_cols=W_.shape[0]))
    y_ = check_labels(y, "y", n_samples=X_.shape[0], n_classes=W_.shape[1])
    return W_, X_, y_, check_positive_float(reg, "reg", allow_zero=True)


def svm_loss_naive(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float) -> tuple[float, NDArray[np.float64]]:
    r"""Multiclass SVM loss and subgradient with explicit loops (the assignment's ``svm_loss_naive``).

    Parameters
    ----------
    W : array_like of shape (D, C)
    X : array_like of shape (N, D)
    y : array_like of int, shape (N,)
        Labels in ``0 .. C-1``.
    reg : float
        Regularisation strength :math:`\lambda \ge 0`.

    Returns
    -------
    loss : float
    dW : ndarray of shape (D, C)
    """ + _NOTES
    W_, X_, y_, lam = _validate(W, X, y, reg)
    n_train, n_classes = X_.shape[0], W_.shape[1]
    dW = np.zeros(W_.shape, dtype=np.result_type(W_, X_, np.float64))
    loss = 0.0
    for i in range(n_train):
        scores = X_[i] @ W_
        correct = scores[y_[i]]
        for j in range(n_classes):
            if j == y_[i]:
                continue
            margin = scores[j] - correct + DELTA
            if margin > 0:
                loss += float(margin)
                dW[:, j] += X_[i]
                dW[:, y_[i]] -= X_[i]
    loss /= n_train
    dW /= n_train
    loss += lam * float(np.sum(W_ * W_))
    dW += 2.0 * lam * W_
    return float(loss), dW


def _margins(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64]) -> NDArray[Any]:
    """Margins m_ij = s_ij - s_{i,y_i} + Δ, with the true class set to 0 (it has no term)."""
    S = X @ W
    rows = np.arange(X.shape[0])
    margins = S - S[rows, y][:, None] + DELTA
    margins[rows, y] = 0.0
    return margins


def _loss_and_grad(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64], reg: float) -> tuple[float, NDArray[Any]]:
    """The vectorised loss and subgradient on validated arrays (the indicator is ``> 0``)."""
    n = X.shape[0]
    margins = _margins(W, X, y)
    M = (margins > 0).astype(margins.dtype)
    loss = float(np.sum(np.maximum(margins, 0.0))) / n
    M[np.arange(n), y] = -M.sum(axis=1)
    dW = X.T @ M
    dW /= n
    if reg:
        loss += reg * float(np.sum(W * W))
        dW += (2.0 * reg) * W
    return loss, dW


def svm_loss_vectorized(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float) -> tuple[float, NDArray[np.float64]]:
    r"""Multiclass SVM loss and subgradient without loops (the assignment's ``svm_loss_vectorized``).

    Parameters
    ----------
    W : array_like of shape (D, C)
    X : array_like of shape (N, D)
    y : array_like of int, shape (N,)
    reg : float

    Returns
    -------
    loss : float
    dW : ndarray of shape (D, C)
        Two matrix products, ``X @ W`` and ``X.T @ M``; nothing of size (N, D) is allocated.
    """ + _NOTES
    return _loss_and_grad(*_validate(W, X, y, reg))


def _loss(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64], reg: float) -> float:
    """The loss alone on validated arrays."""
    return float(np.sum(np.maximum(_margins(W, X, y), 0.0))) / X.shape[0] + reg * float(np.sum(W * W))


def svm_loss(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float) -> float:
    """The loss of :func:`svm_loss_vectorized` only (no gradient)."""
    return _loss(*_validate(W, X, y, reg))


def svm_mask(W: ArrayLike, X: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    r"""The mask :math:`M` of shape (N, C) with :math:`\nabla_W L = X^\top M / N + 2\lambda W`.

    :math:`M_{ij} = \mathbb{1}\{m_{ij} > 0\}` for :math:`j \ne y_i` and
    :math:`M_{i y_i} = -\sum_{j \ne y_i} M_{ij}`.
    """
    W_, X_, y_, _ = _validate(W, X, y, 0.0)
    M = (_margins(W_, X_, y_) > 0).astype(np.float64)
    M[np.arange(X_.shape[0]), y_] = -M.sum(axis=1)
    return M


def svm_grad_check(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float, grad: ArrayLike, *,
                   num_checks: int = 10, h: float = 1e-5, rng: np.random.Generator,
                   raise_on_failure: bool = False) -> GradCheckResult:
    r"""Central differences of :func:`svm_loss` against ``grad`` at ``num_checks`` random entries of ``W``.

    Probes whose interval :math:`W \pm h e_k` crosses a kink (a margin passing 0) are
    flagged in the result's ``kinks`` (:func:`probe_crosses_kink`) and not counted as
    failures: there the difference quotient straddles two linear pieces.

    Parameters
    ----------
    W : array_like of shape (D, C)
    X, y, reg : as in :func:`svm_loss_vectorized`
    grad : array_like of shape (D, C)
        The subgradient to check, at ``W``.
    num_checks : int, default 10
    h : float, default 1e-5
    rng : numpy.random.Generator
        Source of the probed entries.
    raise_on_failure : bool, default False

    Returns
    -------
    numerics.gradcheck.GradCheckResult
    """
    W_, X_, y_, lam = _validate(W, X, y, reg)
    g = as_float(check_matrix(grad, "grad"))
    if g.shape != W_.shape:
        raise ValueError(f"grad: expected the shape of W {W_.shape}, got {g.shape}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    n = check_int(num_checks, "num_checks", low=1, high=W_.size)

    def svm_loss_of_W(w: NDArray[Any]) -> float:
        return _loss(w, X_, y_, lam)

    return check_gradient(svm_loss_of_W, g, W_, h=h, num_checks=n, rng=rng, kink_detector=probe_crosses_kink(X_, y_),
                          raise_on_failure=raise_on_failure)


def probe_crosses_kink(X: NDArray[Any], y: NDArray[np.int64]) -> Callable[[Any, NDArray[Any], int, float], bool]:
    r"""A ``kink_detector`` for :func:`numerics.gradcheck.check_gradient` on the SVM loss of ``W`` (D, C).

    Moving :math:`W_{dk}` by :math:`\pm h` moves the margins :math:`m_{ik}` (:math:`k \ne y_i`) by
    :math:`\pm h x_{id}` and, for the samples of class :math:`k`, every margin of their row by
    :math:`\mp h x_{id}`.  The probe crosses a kink when one of those margins lies within that
    distance of 0.  (:func:`numerics.gradcheck.crosses_kink` compares one-sided slopes, which the
    curvature of the regulariser also separates: it would flag every probe.)
    """
    def detector(f: Any, W: NDArray[Any], index: int, h: float) -> bool:
        d, k = np.unravel_index(int(index), W.shape)
        margins = X @ W - (X @ W)[np.arange(X.shape[0]), y][:, None] + DELTA
        move = abs(h) * np.abs(X[:, d]) * (1 + 1e-9) + 1e-12
        own = (y != k) & (np.abs(margins[:, k]) <= move)
        rows = (y == k)[:, None] & (np.abs(margins) <= move[:, None])
        rows[np.arange(X.shape[0]), y] = False  # the true class has no term
        return bool(own.any() or rows.any())

    return detector


class LinearSVM:
    r"""Linear multiclass SVM (the assignment's ``LinearSVM``): weights ``W`` of shape ``(D, C)``.

    Parameters
    ----------
    rng : numpy.random.Generator, optional
        Source of the initial weights and of the SGD batches (unseeded when omitted).

    Attributes
    ----------
    W : ndarray of shape (D, C) or None
        ``None`` until the first :meth:`train`, which draws it as ``0.001 * N(0, 1)``
        (the assignment's initialisation), with C one more than the largest label unless
        ``n_classes`` is given.
    """

    def __init__(self, rng: np.random.Generator | None = None) -> None:
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        self.rng = np.random.default_rng() if rng is None else rng
        self.W: NDArray[np.float64] | None = None
        self.diverged = False

    def loss(self, X_batch: ArrayLike, y_batch: ArrayLike, reg: float) -> tuple[float, NDArray[np.float64]]:
        """Loss and subgradient at the current ``W``; see :func:`svm_loss_vectorized`."""
        if self.W is None:
            raise ValueError("LinearSVM: expected trained weights, got W = None; call train(X, y, ...) first")
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)

    def train(
        self,
        X: ArrayLike,
        y: ArrayLike,
        learning_rate: float = 1e-3,
        reg: float = 1e-5,
        num_iters: int = 100,
        batch_size: int = 200,
        verbose: bool = False,
        *,
        n_classes: int | None = None,
    ) -> list[float]:
        r"""Minibatch SGD on the regularised SVM loss; returns the loss of every batch.

        Each iteration draws ``batch_size`` rows *with replacement* from ``self.rng``
        (as :meth:`numerics.softmax_model.Softmax.train` does), then
        :math:`W \leftarrow W - \eta \nabla_W L_{\text{batch}}`.

        Parameters
        ----------
        X : array_like of shape (N, D)
        y : array_like of int, shape (N,)
        learning_rate : float, default 1e-3
        reg : float, default 1e-5
        num_iters : int, default 100
        batch_size : int, default 200
        verbose : bool, default False
            Print the loss every 100 iterations.
        n_classes : int, optional
            C when ``W`` is first drawn (default: one more than the largest label).

        Returns
        -------
        list of float, length num_iters
            Batch loss before each update.  When a batch loss or subgradient overflows
            (a learning rate too large), training stops there: ``diverged`` becomes True,
            the list ends with that non-finite loss and ``W`` keeps its last finite value.
        """
        X_ = as_float(check_matrix(X, "X"))
        y_ = check_labels(y, "y", n_samples=X_.shape[0])
        lr = check_positive_float(learning_rate, "learning_rate")
        lam = check_positive_float(reg, "reg", allow_zero=True)
        num_iters = check_int(num_iters, "num_iters", low=0)
        batch_size = check_int(batch_size, "batch_size", low=1)
        if self.W is None:
            c = int(y_.max()) + 1 if n_classes is None else check_int(n_classes, "n_classes", low=1)
            self.W = 0.001 * self.rng.standard_normal((X_.shape[1], c))
        if self.W.shape[0] != X_.shape[1]:
            raise ValueError(f"X: expected {self.W.shape[0]} columns (the rows of W), got {X_.shape[1]}")
        check_labels(y_, "y", n_classes=self.W.shape[1])
        if batch_size * X_.shape[1] * X_.itemsize > MAX_BATCH_BYTES:
            raise ValueError(f"batch_size: expected a batch of at most {MAX_BATCH_BYTES // 2**20} MiB "
                             f"({MAX_BATCH_BYTES // (X_.shape[1] * X_.itemsize)} rows of {X_.shape[1]} features), "
                             f"got {batch_size} rows")
        W = np.array(self.W, dtype=np.result_type(X_, np.float64))  # never update an array the user handed us
        history: list[float] = []
        self.diverged = False
        for it in range(num_iters):
            idx = self.rng.integers(0, X_.shape[0], size=batch_size)
            with np.errstate(over="ignore", invalid="ignore"):
                loss, dW = _loss_and_grad(W, X_[idx], y_[idx], lam)
            if not (np.isfinite(loss) and np.all(np.isfinite(dW))):
                history.append(loss)  # the step is too large: stop at the last finite W
                self.diverged = True
                break
            dW *= lr
            W -= dW
            history.append(loss)
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:.6f}")
        self.W = W
        return history

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """Class of the largest score per row: ``argmax(X @ W, axis=1)``, shape (N,)."""
        if self.W is None:
            raise ValueError("LinearSVM: expected trained weights, got W = None; call train(X, y, ...) first")
        X_ = as_float(check_matrix(X, "X", n_cols=self.W.shape[0]))
        return np.argmax(X_ @ self.W, axis=1).astype(np.int64)


@dataclass(frozen=True)
class SweepCell:
    """One (learning rate, regularisation) pair of :func:`svm_sweep` (``diverged``: SGD overflowed and stopped)."""

    learning_rate: float
    reg: float
    train_accuracy: float
    val_accuracy: float
    final_loss: float
    diverged: bool
    model: LinearSVM = field(repr=False)


@dataclass(frozen=True)
class SVMSweep:
    """The grid of :func:`svm_sweep`, row-major over (learning rate, reg), and the best cell."""

    learning_rates: tuple[float, ...]
    regs: tuple[float, ...]
    cells: tuple[SweepCell, ...]
    best_index: int

    @property
    def best(self) -> SweepCell:
        """The cell with the highest validation accuracy (the first on ties)."""
        return self.cells[self.best_index]

    def val_grid(self) -> NDArray[np.float64]:
        """Validation accuracies as an array of shape (len(learning_rates), len(regs))."""
        return np.array([c.val_accuracy for c in self.cells]).reshape(len(self.learning_rates), len(self.regs))


def svm_sweep(
    X_train: ArrayLike,
    y_train: ArrayLike,
    X_val: ArrayLike,
    y_val: ArrayLike,
    learning_rates: Sequence[float],
    regs: Sequence[float],
    *,
    num_iters: int,
    batch_size: int,
    rng: np.random.Generator,
    n_classes: int | None = None,
    progress: bool = False,
) -> SVMSweep:
    """Train one :class:`LinearSVM` per (learning rate, regularisation) and compare them on validation data.

    Each model gets its own generator spawned from ``rng``, so the result is the
    same for the same seed.

    Parameters
    ----------
    X_train : array_like of shape (N, D)
    y_train : array_like of int, shape (N,)
    X_val : array_like of shape (M, D)
    y_val : array_like of int, shape (M,)
    learning_rates, regs : sequences of float
    num_iters, batch_size : int
    rng : numpy.random.Generator
    n_classes : int, optional
        Default: one more than the largest label seen.
    progress : bool, default False
        A progress bar over the grid (stderr, when it is a terminal).

    Returns
    -------
    SVMSweep
    """
    Xt, yt, Xv, yv, c = sweep_data(X_train, y_train, X_val, y_val, n_classes)
    lrs = tuple(check_positive_float(v, "learning_rates[]") for v in learning_rates)
    lams = tuple(check_positive_float(v, "regs[]", allow_zero=True) for v in regs)
    if not lrs or not lams:
        raise ValueError(f"learning_rates and regs: expected at least one value each, got {len(lrs)} and {len(lams)}")
    num_iters = check_int(num_iters, "num_iters", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)

    def fit(point: tuple[float, float], child: np.random.Generator) -> SweepCell:
        lr, lam = point
        model = LinearSVM(rng=child)
        model.train(Xt, yt, learning_rate=lr, reg=lam, num_iters=num_iters, batch_size=batch_size, n_classes=c)
        with np.errstate(over="ignore", invalid="ignore"):
            final = _loss(np.asarray(model.W), Xt, yt, lam)
        return SweepCell(lr, lam, float(np.mean(model.predict(Xt) == yt)), float(np.mean(model.predict(Xv) == yv)),
                         final, model.diverged, model)

    cells = train_grid([(lr, lam) for lr in lrs for lam in lams], fit, rng=rng, progress=progress,
                       desc="learning rate x reg", unit="model")
    return SVMSweep(lrs, lams, tuple(cells), best_on_validation([cell.val_accuracy for cell in cells]))
