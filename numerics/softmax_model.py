r"""The homework's ``Softmax`` classifier: losses, a sparse gradient check, SGD, and the learning-rate sweep.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = np.hstack([rng.standard_normal((60, 4)), np.ones((60, 1))])
>>> y = (X[:, 0] > 0).astype(int)
>>> model = Softmax([2, 5], rng=np.random.default_rng(1))
>>> round(model.fast_loss_and_grad(X, y)[0], 3)  # log 2 at W ≈ 0
0.693
>>> losses = model.train(X, y, learning_rate=0.5, num_iters=50, batch_size=20)
>>> losses[-1] < losses[0], float(np.mean(model.predict(X) == y)) > 0.9
(True, True)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

from numerics import accel
from numerics.accel.pace import FasterOfTwo
from numerics.gradcheck import check_gradient
from numerics.softmax import loss_and_grad_validated, loss_shifted_exp, validate_softmax_inputs, softmax_loss_and_grad, softmax_loss_and_grad_loop, softmax_loss_loop
from numerics.sweep import best_on_validation, sweep_data, train_grid
from numerics.validation import as_float, check_int, check_labels, check_matrix, check_positive_float

__all__ = ["DEFAULT_LEARNING_RATES", "Softmax", "SweepEntry", "SweepResult", "learning_rate_sweep"]

#: The homework's sweep (for raw CIFAR-10 pixel scale).
DEFAULT_LEARNING_RATES: tuple[float, ...] = (1e-5, 5e-5, 1e-4, 5e-4, 1e-3)


def _check_dims(dims: Sequence[int]) -> tuple[int, int]:
    try:
        c, d = dims
    except (TypeError, ValueError):
        raise ValueError(f"dims: expected [C, D] (number of classes, number of features), got {dims!r}") from None
    return check_int(c, "dims[0] (C)", low=1), check_int(d, "dims[1] (D)", low=1)


class Softmax:
    r"""Linear softmax classifier with weights ``W`` of shape ``(C, D)``.

    Parameters
    ----------
    dims : sequence of two ints, default (10, 3073)
        ``[C, D]``: number of classes and of features (bias column included).
    rng : numpy.random.Generator, optional
        Source of the initial weights and of the SGD batches (unseeded when omitted).
    reg : float, default 0.0
        L2 strength :math:`\lambda`; the loss gains :math:`\lambda \|W\|_F^2`,
        bias column included (see :func:`numerics.softmax.softmax_loss_and_grad`).

    Attributes
    ----------
    W : ndarray of shape (C, D)
        Initialised :math:`\mathcal{N}(0, 1) \cdot 10^{-4}`.
    """

    def __init__(self, dims: Sequence[int] = (10, 3073), *, rng: np.random.Generator | None = None, reg: float = 0.0) -> None:
        self.rng = np.random.default_rng() if rng is None else rng
        self.reg = check_positive_float(reg, "reg", allow_zero=True)
        self.W: NDArray[np.float64]
        self.init_weights(dims)

    def init_weights(self, dims: Sequence[int]) -> None:
        """Set ``W`` to a ``(C, D)`` draw of N(0, 1)·1e-4 from ``self.rng``."""
        c, d = _check_dims(dims)
        self.W = self.rng.standard_normal((c, d)) * 1e-4

    def loss(self, X: ArrayLike, y: ArrayLike) -> float:
        """Mean loss with a loop over examples; see :func:`numerics.softmax.softmax_loss_loop`."""
        return softmax_loss_loop(self.W, X, y, self.reg)

    def loss_and_grad(self, X: ArrayLike, y: ArrayLike) -> tuple[float, NDArray[np.float64]]:
        """Loss and ``(C, D)`` gradient with a loop; see :func:`numerics.softmax.softmax_loss_and_grad_loop`."""
        return softmax_loss_and_grad_loop(self.W, X, y, self.reg)

    def fast_loss_and_grad(self, X: ArrayLike, y: ArrayLike) -> tuple[float, NDArray[np.float64]]:
        """Vectorised loss and gradient; see :func:`numerics.softmax.softmax_loss_and_grad`."""
        return softmax_loss_and_grad(self.W, X, y, self.reg)

    def grad_check_sparse(
        self,
        X: ArrayLike,
        y: ArrayLike,
        your_grad: ArrayLike,
        num_checks: int = 10,
        h: float = 1e-5,
        *,
        raise_on_failure: bool = False,
    ) -> NDArray[np.float64]:
        r"""Relative errors of ``your_grad`` at ``num_checks`` random entries of ``W``.

        Central differences of the loss with step ``h`` at entries drawn from
        ``self.rng``; neither ``self.W`` nor the caller's arrays change.

        Parameters
        ----------
        X : array_like of shape (N, D)
        y : array_like of int, shape (N,)
        your_grad : array_like of shape (C, D)
            The gradient to check, at the current ``W``.
        num_checks : int, default 10
        h : float, default 1e-5
        raise_on_failure : bool, default False
            Raise :class:`numerics.gradcheck.GradientCheckError` when an error
            exceeds the float64 tolerance (1e-5).

        Returns
        -------
        ndarray of shape (num_checks,)
            :math:`|n - a| / (|n| + |a|)` per probe (≈ 1e-7 or less for a correct gradient).
        """
        W, X_, y_, reg = validate_softmax_inputs(self.W, X, y, self.reg)
        grad = check_matrix(your_grad, "your_grad")
        if grad.shape != W.shape:
            raise ValueError(f"your_grad: expected the shape of W {W.shape}, got {grad.shape}")

        def softmax_loss_of_W(w: NDArray[Any]) -> float:
            return loss_shifted_exp(w, X_, y_, reg)[0]

        result = check_gradient(
            softmax_loss_of_W, grad, W, h=h, num_checks=num_checks, rng=self.rng, raise_on_failure=raise_on_failure
        )
        return result.rel_errors

    def train(
        self,
        X: ArrayLike,
        y: ArrayLike,
        learning_rate: float = 1e-3,
        num_iters: int = 100,
        batch_size: int = 200,
        verbose: bool = False,
    ) -> list[float]:
        r"""Minibatch SGD on the mean loss; returns the loss of every batch.

        Each iteration draws ``batch_size`` rows *with replacement* from
        ``self.rng``, then :math:`W \leftarrow W - \eta \nabla_W L_{\text{batch}}`.

        Parameters
        ----------
        X : array_like of shape (N, D)
        y : array_like of int, shape (N,)
        learning_rate : float, default 1e-3
        num_iters : int, default 100
        batch_size : int, default 200
        verbose : bool, default False
            Print the loss every 100 iterations.

        Returns
        -------
        list of float, length num_iters
            Batch loss before each update.
        """
        c, d = self.W.shape
        X_ = as_float(check_matrix(X, "X", n_cols=d))
        y_ = check_labels(y, "y", n_samples=X_.shape[0], n_classes=c)
        lr = check_positive_float(learning_rate, "learning_rate")
        num_iters = check_int(num_iters, "num_iters", low=0)
        batch_size = check_int(batch_size, "batch_size", low=1)
        W = np.array(self.W, dtype=np.result_type(X_, np.float64))  # never update an array the user handed us
        fused = accel.softmax_backend(W, X_, batch_size) == "numba"
        scratch = accel.softmax_scratch(W.shape) if fused else None
        pace = FasterOfTwo(window=25, probe_every=16)  # parallel or serial fused kernel: the same numbers, whichever is faster now
        Xb = np.empty((0 if fused else batch_size, d), dtype=X_.dtype)  # reused batch buffers: no allocation per step
        yb = np.empty(batch_size, dtype=np.int64)
        losses: list[float] = []
        with threadpool_limits(limits=1, user_api="blas"):  # batch-sized GEMMs: a second thread costs more than it saves
            for it in range(num_iters):
                idx = self.rng.integers(0, X_.shape[0], size=batch_size)
                if fused:  # one pass over the sampled rows where they lie in X: no copy of the batch
                    option = pace.choice(it)  # 0: serial (measured first, the safe one on a busy machine), 1: parallel
                    t0 = time.perf_counter()
                    loss, dW = accel.softmax_loss_grad(W, X_, y_, idx, backend="numba", scratch=scratch, serial=option == 0)
                    pace.record(option, time.perf_counter() - t0)
                    if not np.isfinite(loss):
                        loss, dW = loss_and_grad_validated(W, X_[idx], y_[idx], self.reg)  # reports the overflow
                    elif self.reg:
                        loss += self.reg * float(np.sum(W * W))
                        dW += (2.0 * self.reg) * W
                else:
                    # indices are in range by construction; mode="clip" lets take write straight into
                    # the buffer (mode="raise" with out= goes through a temporary copy, 3x slower)
                    np.take(X_, idx, axis=0, out=Xb, mode="clip")
                    np.take(y_, idx, out=yb, mode="clip")
                    loss, dW = loss_and_grad_validated(W, Xb, yb, self.reg)
                dW *= lr
                W -= dW
                losses.append(loss)
                if verbose and it % 100 == 0:
                    print(f"iteration {it} / {num_iters}: loss {loss:.6f}")
        self.W = W
        return losses

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """Class of the largest score per row: ``argmax(X @ W.T, axis=1)``, shape (N,)."""
        X_ = as_float(check_matrix(X, "X", n_cols=self.W.shape[1]))
        return np.argmax(X_ @ self.W.T, axis=1).astype(np.int64)


@dataclass(frozen=True)
class SweepEntry:
    """One learning rate of :func:`learning_rate_sweep`.

    ``final_loss`` is the mean loss on the whole training set after training
    (not the last, noisy, batch loss); ``losses`` the batch-loss history.
    """

    learning_rate: float
    final_loss: float
    train_accuracy: float
    val_accuracy: float
    losses: list[float] = field(repr=False)
    model: Softmax = field(repr=False)


@dataclass(frozen=True)
class SweepResult:
    """Every entry of a sweep and the index of the best (highest validation accuracy, first on ties)."""

    entries: tuple[SweepEntry, ...]
    best_index: int

    @property
    def best(self) -> SweepEntry:
        """The entry with the highest validation accuracy."""
        return self.entries[self.best_index]


def learning_rate_sweep(
    X_train: ArrayLike,
    y_train: ArrayLike,
    X_val: ArrayLike,
    y_val: ArrayLike,
    learning_rates: Sequence[float] = DEFAULT_LEARNING_RATES,
    *,
    num_iters: int,
    batch_size: int,
    rng: np.random.Generator,
    n_classes: int | None = None,
    reg: float = 0.0,
    progress: bool = False,
) -> SweepResult:
    """Train one :class:`Softmax` per learning rate and compare them on validation data.

    Each model gets its own generator spawned from ``rng`` (its initial weights
    and batches), so the result is identical for the same seed.

    Parameters
    ----------
    X_train : array_like of shape (N, D)
    y_train : array_like of int, shape (N,)
    X_val : array_like of shape (M, D)
    y_val : array_like of int, shape (M,)
    learning_rates : sequence of float
        Default: the homework's ``(1e-5, 5e-5, 1e-4, 5e-4, 1e-3)``.
    num_iters, batch_size : int
        SGD settings for every model.
    rng : numpy.random.Generator
    n_classes : int, optional
        Default: one more than the largest label seen.
    reg : float, default 0.0
    progress : bool, default False
        Show a progress bar over the learning rates (on stderr, when it is a terminal).

    Returns
    -------
    SweepResult
    """
    Xt, yt, Xv, yv, c = sweep_data(X_train, y_train, X_val, y_val, n_classes)
    lrs = [check_positive_float(lr, "learning_rates[]") for lr in learning_rates]
    if not lrs:
        raise ValueError("learning_rates: expected at least one learning rate, got none")
    num_iters = check_int(num_iters, "num_iters", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)

    def fit(lr: float, child: np.random.Generator) -> SweepEntry:
        model = Softmax([c, Xt.shape[1]], rng=child, reg=reg)
        losses = model.train(Xt, yt, learning_rate=lr, num_iters=num_iters, batch_size=batch_size)
        final = loss_shifted_exp(model.W, Xt, yt, reg)[0]
        train_acc = float(np.mean(model.predict(Xt) == yt))
        val_acc = float(np.mean(model.predict(Xv) == yv))
        return SweepEntry(lr, final, train_acc, val_acc, losses, model)

    entries = train_grid(lrs, fit, rng=rng, progress=progress, desc="learning-rate sweep", unit="lr")
    return SweepResult(tuple(entries), best_on_validation([e.val_accuracy for e in entries]))
