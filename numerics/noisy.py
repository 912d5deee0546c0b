r"""Noisy linear regression (problem 1): input noise acts as ridge regularisation.

Every feature vector is corrupted by :math:`\delta \sim \mathcal{N}(0, \sigma^2 I)`;
in expectation the squared loss gains :math:`\sigma^2 \|\theta\|^2`.  This
module gives the closed form beside a seeded Monte-Carlo estimate, the ridge
minimiser :math:`\theta^*(\sigma)` and its shrinkage path.

Examples
--------
>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
>>> y = np.array([1.0, 2.0, 2.0])
>>> theta = np.array([1.0, 1.0])
>>> squared_loss(theta, X, y), expected_noisy_loss(theta, X, y, sigma=0.5)
(0.0, 0.5)
>>> np.allclose(ridge_gradient(ridge_minimiser(X, y, 0.3), X, y, 0.3), 0)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from numerics.validation import as_float, check_array, check_int, check_matrix, check_positive_float, check_vector

__all__ = [
    "expected_noisy_loss",
    "noisy_loss_monte_carlo",
    "ridge_gradient",
    "ridge_minimiser",
    "shrinkage_limits",
    "shrinkage_path",
    "squared_loss",
]

#: Largest number of noise entries drawn at once by the Monte-Carlo estimate (32 MB of float64).
_CHUNK_ENTRIES = 1 << 22


def _data(X: ArrayLike, y: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
    X_ = as_float(check_matrix(X, "X"))
    y_ = as_float(check_vector(y, "y", length=X_.shape[0]))
    return X_, y_


def _theta(theta: ArrayLike, X: NDArray[Any]) -> NDArray[Any]:
    return as_float(check_vector(theta, "theta", length=X.shape[1]))


def _sigma(sigma: Any) -> float:
    return check_positive_float(sigma, "sigma", allow_zero=True)


def squared_loss(theta: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
    r"""Mean squared error :math:`L(\theta) = \frac{1}{N} \|y - X\theta\|^2`.

    Parameters
    ----------
    theta : array_like of shape (d,)
    X : array_like of shape (N, d)
    y : array_like of shape (N,)
    """
    X_, y_ = _data(X, y)
    r = y_ - X_ @ _theta(theta, X_)
    return float(r @ r) / X_.shape[0]


def expected_noisy_loss(theta: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float) -> float:
    r"""Closed form of the expected noisy loss.

    Parameters
    ----------
    theta : array_like of shape (d,)
    X : array_like of shape (N, d)
    y : array_like of shape (N,)
    sigma : float >= 0
        Standard deviation of each noise coordinate.

    Notes
    -----
    .. math::

        \mathbb{E}_\delta\bigl[\tilde L(\theta)\bigr]
        = \mathbb{E}\Bigl[\frac{1}{N} \sum_i (y_i - (x_i + \delta_i)^\top \theta)^2\Bigr]
        = L(\theta) + \sigma^2 \|\theta\|^2,

    since the cross term has mean 0 and :math:`\mathbb{E}[\theta^\top \delta\delta^\top \theta] = \sigma^2 \|\theta\|^2`.
    """
    X_, y_ = _data(X, y)
    t = _theta(theta, X_)
    s = _sigma(sigma)
    r = y_ - X_ @ t
    return float(r @ r) / X_.shape[0] + s * s * float(t @ t)


def noisy_loss_monte_carlo(
    theta: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float, *, n_draws: int, rng: np.random.Generator
) -> tuple[float, float]:
    r"""Monte-Carlo estimate of :math:`\mathbb{E}_\delta[\tilde L(\theta)]` and its standard error.

    Each draw corrupts every row of ``X`` with fresh noise
    :math:`\delta_i \sim \mathcal{N}(0, \sigma^2 I)` (the whole ``(N, d)`` matrix is
    drawn, not a shortcut through the closed form) and evaluates the squared
    loss; draws are vectorised in chunks of at most ``2**22`` noise entries.

    Parameters
    ----------
    theta : array_like of shape (d,)
    X : array_like of shape (N, d)
    y : array_like of shape (N,)
    sigma : float >= 0
    n_draws : int >= 2
    rng : numpy.random.Generator

    Returns
    -------
    mean : float
        Average of the ``n_draws`` noisy losses.
    standard_error : float
        Sample standard deviation / sqrt(n_draws).
    """
    X_, y_ = _data(X, y)
    t = _theta(theta, X_)
    s = _sigma(sigma)
    n_draws = check_int(n_draws, "n_draws", low=2)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    n, d = X_.shape
    clean = y_ - X_ @ t  # y - X theta, shared by every draw
    chunk = max(1, _CHUNK_ENTRIES // (n * d))
    losses = np.empty(n_draws)
    for start in range(0, n_draws, chunk):
        m = min(chunk, n_draws - start)
        delta = rng.standard_normal((m, n, d))
        delta *= s
        r = clean - delta @ t  # (m, N): y - (x + delta)^T theta
        losses[start : start + m] = np.einsum("ij,ij->i", r, r) / n
    return float(losses.mean()), float(losses.std(ddof=1) / np.sqrt(n_draws))


def ridge_minimiser(X: ArrayLike, y: ArrayLike, sigma: float) -> NDArray[np.float64]:
    r"""Minimiser of :math:`L(\theta) + \sigma^2 \|\theta\|^2`.

    Parameters
    ----------
    X : array_like of shape (N, d)
    y : array_like of shape (N,)
    sigma : float >= 0
        At 0 the minimum-norm least-squares solution (the limit σ → 0).

    Returns
    -------
    ndarray of shape (d,)

    Notes
    -----
    .. math:: \theta^*(\sigma) = (X^\top X + N \sigma^2 I)^{-1} X^\top y,

    computed by a Cholesky solve (never an explicit inverse).
    """
    X_, y_ = _data(X, y)
    s = _sigma(sigma)
    if s == 0:
        return np.linalg.lstsq(X_, y_, rcond=None)[0]
    n, d = X_.shape
    A = X_.T @ X_
    A[np.diag_indices(d)] += n * s * s
    return scipy.linalg.solve(A, X_.T @ y_, assume_a="pos")


def ridge_gradient(theta: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float) -> NDArray[np.float64]:
    r"""Gradient of the ridge objective :math:`L(\theta) + \sigma^2 \|\theta\|^2`.

    Notes
    -----
    .. math:: \nabla_\theta = \frac{2}{N} X^\top (X\theta - y) + 2 \sigma^2 \theta
    """
    X_, y_ = _data(X, y)
    t = _theta(theta, X_)
    s = _sigma(sigma)
    return (2.0 / X_.shape[0]) * (X_.T @ (X_ @ t - y_)) + 2.0 * s * s * t


def shrinkage_path(X: ArrayLike, y: ArrayLike, sigmas: ArrayLike) -> NDArray[np.float64]:
    r"""Norm :math:`\|\theta^*(\sigma)\|` for each ``sigma`` (one SVD for all of them).

    Parameters
    ----------
    X : array_like of shape (N, d)
    y : array_like of shape (N,)
    sigmas : array_like of shape (n_sigmas,), every entry > 0

    Returns
    -------
    ndarray of shape (n_sigmas,)

    Notes
    -----
    With :math:`X = U \operatorname{diag}(s) V^\top` and :math:`c = U^\top y`,

    .. math:: \|\theta^*(\sigma)\|^2 = \sum_k \Bigl(\frac{s_k c_k}{s_k^2 + N\sigma^2}\Bigr)^2,

    strictly decreasing in σ (unless :math:`X^\top y = 0`), tending to the
    minimum-norm least-squares norm as σ → 0 and to
    :math:`\|X^\top y\| / (N \sigma^2)` as σ → ∞.
    """
    X_, y_ = _data(X, y)
    sig = as_float(check_array(sigmas, "sigmas", ndim=1, shape_doc="(n_sigmas,)"))
    if (sig <= 0).any():
        raise ValueError(f"sigmas: expected every sigma > 0 (use ridge_minimiser(X, y, 0) for sigma = 0), got {float(sig[sig <= 0][0])!r}")
    U, s, _ = np.linalg.svd(X_, full_matrices=False)
    c = U.T @ y_
    n = X_.shape[0]
    coef = (s * c)[None, :] / (s[None, :] ** 2 + n * sig[:, None] ** 2)  # (n_sigmas, rank)
    return np.sqrt(np.einsum("ij,ij->i", coef, coef))


def shrinkage_limits(X: ArrayLike, y: ArrayLike) -> tuple[float, float]:
    r"""The two ends of the shrinkage path.

    Returns
    -------
    least_squares_norm : float
        :math:`\|\theta^*(0)\|`, the minimum-norm least-squares solution's norm (σ → 0).
    asymptote_coefficient : float
        :math:`\|X^\top y\| / N`, so that :math:`\|\theta^*(\sigma)\| \sim` this / σ² as σ → ∞.
    """
    X_, y_ = _data(X, y)
    ls = np.linalg.lstsq(X_, y_, rcond=None)[0]
    return float(np.linalg.norm(ls)), float(np.linalg.norm(X_.T @ y_)) / X_.shape[0]
