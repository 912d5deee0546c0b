r"""Finite-difference gradient checking that fails loudly.

Central differences (every entry or a sparse sample of entries), the relative
error the homework uses, a tolerance per floating-point type, and a kink
detector for piecewise-linear losses such as the hinge.  Every check works on a
copy: the caller's array is never modified, not even temporarily.

Examples
--------
>>> import numpy as np
>>> f = lambda x: float(np.sum(x ** 3))
>>> x = np.array([1.0, -2.0, 0.5])
>>> np.round(numerical_gradient(f, x), 6)
array([ 3.  , 12.  ,  0.75])
>>> check_gradient(f, lambda x: 3 * x ** 2, x).passed
True
>>> check_gradient(f, lambda x: 3 * x ** 2 * [1, 1.001, 1], x)  # one entry off by 0.1 %
Traceback (most recent call last):
...
numerics.gradcheck.GradientCheckError: gradient check of <lambda> failed at index (1,): analytic 12.012, numeric 12, relative error 0.0004998 > tolerance 1e-05 (1 of 3 probes failed)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.validation import check_array, check_int, check_positive_float

__all__ = [
    "GradCheckResult",
    "GradientCheckError",
    "check_gradient",
    "crosses_kink",
    "default_tolerance",
    "numerical_gradient",
    "relative_error",
    "sparse_numerical_gradient",
]

ScalarFunction = Callable[[NDArray[Any]], float]

#: Round-off allowance of the kink detector, in units of eps·|f| / h (see crosses_kink).
KINK_ROUNDOFF_FACTOR = 1e3


class GradientCheckError(ValueError):
    """An analytic gradient disagrees with its finite-difference estimate."""


def _working_copy(x: ArrayLike, name: str = "x") -> NDArray[np.floating[Any]]:
    """Validated floating-point copy of ``x`` that the checks may perturb."""
    arr = check_array(x, name)
    if np.issubdtype(arr.dtype, np.floating):
        return np.array(arr, copy=True)
    return arr.astype(np.float64)  # integers and booleans: float64, no wrap-around


def _call(f: ScalarFunction, x: NDArray[Any]) -> float:
    value = np.asarray(f(x))
    if value.size != 1 or not np.isrealobj(value):
        raise ValueError(
            f"{_name(f)}: gradient checks apply to real scalar-valued functions, got a value of shape {value.shape} "
            f"and dtype {value.dtype}; check one output at a time"
        )
    return float(value.reshape(()))


def _name(f: Callable[..., Any]) -> str:
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


def _central(f: ScalarFunction, work: NDArray[Any], i: int, h: float) -> tuple[float, float, float]:
    """(f(x + h e_i), f(x - h e_i), the step actually taken); ``work`` restored after."""
    flat = work.reshape(-1)  # a view: work is a contiguous copy
    old = flat[i]
    flat[i] = old + h
    up_x = flat[i]
    f_up = _call(f, work)
    flat[i] = old - h
    down_x = flat[i]
    f_down = _call(f, work)
    flat[i] = old
    # divide by the representable step (x+h) - (x-h), not by 2h: removes one rounding error
    return f_up, f_down, float(up_x - down_x)


def numerical_gradient(f: ScalarFunction, x: ArrayLike, h: float = 1e-5) -> NDArray[np.floating[Any]]:
    r"""Central-difference estimate of the gradient of ``f`` at ``x``, every entry.

    Parameters
    ----------
    f : callable
        Real scalar function of an array shaped like ``x``.
    x : array_like of any shape
        Point of evaluation; never modified (``f`` sees a perturbed copy).
    h : float, default 1e-5
        Step.

    Returns
    -------
    ndarray of the shape of ``x``

    Notes
    -----
    .. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},

    with error :math:`O(h^2 f''')` plus round-off :math:`O(\varepsilon |f| / h)`.
    """
    h = check_positive_float(h, "h")
    work = _working_copy(x)
    grad = np.empty_like(work)
    for i in range(work.size):
        f_up, f_down, step = _central(f, work, i, h)
        grad.flat[i] = (f_up - f_down) / step
    return grad


def _flat_indices(indices: ArrayLike, shape: tuple[int, ...]) -> NDArray[np.int64]:
    idx = check_array(indices, "indices", ndim=1, shape_doc="(n_checks,)")
    if not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"indices: expected integer flat indices, got dtype {idx.dtype}")
    size = int(np.prod(shape))
    bad = (idx < 0) | (idx >= size)
    if bad.any():
        raise ValueError(f"indices: expected flat indices in 0..{size - 1} for shape {shape}, got {int(idx[bad][0])}")
    return idx.astype(np.int64)


def sparse_numerical_gradient(
    f: ScalarFunction, x: ArrayLike, indices: ArrayLike, h: float = 1e-5
) -> NDArray[np.floating[Any]]:
    """Central differences of ``f`` at ``x`` only at the flat ``indices``.

    Returns an array of shape ``(len(indices),)``; ``x`` is never modified.

    >>> import numpy as np
    >>> sparse_numerical_gradient(lambda x: float(x @ x), np.arange(4.0), [3, 1]).round(6)
    array([6., 2.])
    """
    h = check_positive_float(h, "h")
    work = _working_copy(x)
    idx = _flat_indices(indices, work.shape)
    out = np.empty(idx.shape[0], dtype=work.dtype)
    for k, i in enumerate(idx):
        f_up, f_down, step = _central(f, work, int(i), h)
        out[k] = (f_up - f_down) / step
    return out


def relative_error(numeric: ArrayLike, analytic: ArrayLike, tiny: float = float(np.finfo(np.float64).tiny)) -> NDArray[np.float64]:
    r"""Elementwise relative error :math:`|n - a| / \max(|n| + |a|, \mathrm{tiny})`.

    ``tiny`` only guards 0/0 by default (two exact zeros agree: error 0).  A larger
    ``tiny`` acts as an absolute floor: entries far below it are judged by
    their absolute difference, which is how :func:`check_gradient` ignores
    round-off in gradients that are zero.

    >>> relative_error([1.0, 0.0, 2.0], [1.001, 0.0, -2.0]).round(6).tolist()
    [0.0005, 0.0, 1.0]
    """
    n = np.asarray(numeric, dtype=np.float64)
    a = np.asarray(analytic, dtype=np.float64)
    if n.shape != a.shape:
        raise ValueError(f"numeric and analytic: expected the same shape, got {n.shape} and {a.shape}")
    tiny = check_positive_float(tiny, "tiny")
    return np.abs(n - a) / np.maximum(np.abs(n) + np.abs(a), tiny)


def default_tolerance(dtype: Any) -> float:
    """Largest relative error a correct gradient shows with ``h = 1e-5``-style steps.

    Integer and boolean dtypes are checked in float64 (what the checks convert
    them to).

    >>> default_tolerance(np.float64), default_tolerance(np.float32)
    (1e-05, 0.01)
    """
    dt = np.dtype(dtype)
    if dt.kind in "iub":
        dt = np.dtype(np.float64)
    if dt.kind != "f":
        raise ValueError(f"dtype: expected a real floating-point or integer dtype, got {dt}")
    if dt == np.float16:
        # eps ≈ 1e-3: even the best step leaves errors ≈ eps^(2/3) ≈ 1e-2; 1e-1 is
        # all float16 can promise, so check in float32 or float64 instead.
        return 1e-1
    if dt == np.float32:
        # eps ≈ 1.2e-7: central differences reach ≈ eps^(2/3) ≈ 2e-5 at the best step
        # and 1e-3 is typical at h = 1e-3; 1e-2 is the usual float32 threshold.
        return 1e-2
    if dt == np.float64:
        # eps ≈ 2.2e-16: truncation h² ≈ 1e-10 and round-off eps/h ≈ 2e-11 at h = 1e-5;
        # correct gradients show 1e-7 or better (the homework expects ~1e-7).  1e-5
        # keeps a 100x margin yet fails a gradient off by 0.1 % (error 5e-4).
        return 1e-5
    # extended precision (longdouble, eps ≤ 1e-19): round-off only shrinks; the
    # float64 argument with a tenfold tighter threshold.
    return 1e-6


@dataclass(frozen=True)
class GradCheckResult:
    """Outcome of :func:`check_gradient`.

    Attributes
    ----------
    indices : ndarray of int64, shape (n_checks,)
        Flat indices probed.
    numeric, analytic, rel_errors : ndarray of shape (n_checks,)
        Finite-difference and analytic derivatives, and their relative errors.
    kinks : ndarray of bool, shape (n_checks,)
        Probes whose interval crossed a kink (reported, not counted as failures).
    passed : bool
        Every non-kink probe has a relative error at most ``tol``.
    tol : float
        The tolerance used.
    """

    indices: NDArray[np.int64]
    numeric: NDArray[np.float64]
    analytic: NDArray[np.float64]
    rel_errors: NDArray[np.float64]
    kinks: NDArray[np.bool_]
    passed: bool
    tol: float

    @property
    def max_error(self) -> float:
        """Largest relative error over the probes that did not cross a kink (0 if none)."""
        errs = self.rel_errors[~self.kinks]
        if errs.size == 0:
            return 0.0
        return float(np.nanmax(errs)) if not np.isnan(errs).all() else float("nan")


def crosses_kink(f: ScalarFunction, x: ArrayLike, index: int | tuple[int, ...], h: float = 1e-5) -> bool:
    r"""Whether the probe ``x ± h e_index`` crosses a kink of a piecewise-linear ``f``.

    Notes
    -----
    On a linear piece the one-sided slopes agree up to round-off,

    .. math:: \frac{f(x + h e_i) - f(x)}{h} = \frac{f(x) - f(x - h e_i)}{h},

    so a difference beyond ``KINK_ROUNDOFF_FACTOR`` · ε · (|f(x+h)| + |f(x)| + |f(x-h)|) / h
    means the slope changed inside the interval.  Meant for piecewise-linear
    losses: a smooth but curved ``f`` also shows a difference (≈ h f'') and is
    reported as kinked.

    >>> import numpy as np
    >>> relu = lambda x: float(np.maximum(x, 0.0).sum())
    >>> crosses_kink(relu, np.array([0.0]), 0), crosses_kink(relu, np.array([0.3]), 0)
    (True, False)
    """
    h = check_positive_float(h, "h")
    work = _working_copy(x)
    if isinstance(index, tuple):
        if len(index) != work.ndim:
            raise ValueError(f"index: expected {work.ndim} coordinates for shape {work.shape}, got {index!r}")
        try:
            i = int(np.ravel_multi_index(index, work.shape))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"index: expected a valid index for shape {work.shape}, got {index!r} ({exc})") from None
    else:
        i = check_int(index, "index", low=0, high=work.size - 1)
    f_mid = _call(f, work)
    f_up, f_down, step = _central(f, work, i, h)
    half = step / 2
    forward = (f_up - f_mid) / half
    backward = (f_mid - f_down) / half
    eps = float(np.finfo(work.dtype).eps)
    roundoff = KINK_ROUNDOFF_FACTOR * eps * (abs(f_up) + abs(f_mid) + abs(f_down)) / half
    return bool(abs(forward - backward) > roundoff)


def check_gradient(
    f: ScalarFunction,
    grad: Callable[[NDArray[Any]], ArrayLike] | ArrayLike,
    x: ArrayLike,
    *,
    h: float = 1e-5,
    num_checks: int | None = None,
    rng: np.random.Generator | None = None,
    tol: float | None = None,
    kink_detector: Callable[[ScalarFunction, NDArray[Any], int, float], bool] | None = None,
    raise_on_failure: bool = True,
) -> GradCheckResult:
    r"""Compare an analytic gradient with central differences.

    Parameters
    ----------
    f : callable
        Real scalar function of an array shaped like ``x``.
    grad : callable or array_like
        The analytic gradient: a function of ``x`` or its value at ``x``; same shape as ``x``.
    x : array_like
        Point of the check; never modified.
    h : float, default 1e-5
        Finite-difference step.
    num_checks : int, optional
        Probe this many distinct entries drawn with ``rng`` (default: every entry).
    rng : numpy.random.Generator, optional
        Source of the sampled entries (a fresh unseeded generator when omitted).
    tol : float, optional
        Largest accepted relative error; default :func:`default_tolerance` of ``x``'s dtype.
    kink_detector : callable, optional
        ``kink_detector(f, x, flat_index, h) -> bool``, e.g. :func:`crosses_kink`;
        flagged probes are reported in ``kinks`` and not counted as failures.
    raise_on_failure : bool, default True
        Raise :class:`GradientCheckError` on failure instead of returning.

    Returns
    -------
    GradCheckResult

    Notes
    -----
    The relative error is :math:`|n - a| / \max(|n| + |a|, \tau)` with the floor
    :math:`\tau = 4 \varepsilon \max|f| / (h \cdot \mathrm{tol})`: a derivative
    smaller than the round-off of its own finite difference (e.g. an exact zero
    against a numeric 1e-12) passes iff the absolute difference is at round-off
    level, while every larger derivative is judged relatively.

    The round-off of ``f`` can exceed :math:`\varepsilon |f|` — a small loss is
    often a difference of large terms (a log-sum-exp minus the true-class score).
    So a probe that fails is measured again with step :math:`2h`: when
    :math:`|n - a| \le 2 |n_h - n_{2h}|` the mismatch lies within the finite
    difference's own error and the probe passes.  A wrong gradient is not excused
    this way unless the finite difference itself cannot resolve the error.
    """
    h = check_positive_float(h, "h")
    work = _working_copy(x)
    tol = default_tolerance(work.dtype) if tol is None else check_positive_float(tol, "tol")
    analytic_full = np.asarray(grad(np.array(work, copy=True)) if callable(grad) else grad)
    if analytic_full.shape != work.shape:
        raise ValueError(f"grad: expected the shape of x {work.shape}, got {analytic_full.shape}")
    if not (np.issubdtype(analytic_full.dtype, np.number) or analytic_full.dtype == np.bool_):
        raise ValueError(f"grad: expected a numeric array, got dtype {analytic_full.dtype}")
    if num_checks is None:
        indices = np.arange(work.size, dtype=np.int64)
    else:
        n = check_int(num_checks, "num_checks", low=1, high=work.size)
        gen = np.random.default_rng() if rng is None else rng
        indices = np.sort(gen.choice(work.size, size=n, replace=False)).astype(np.int64)
    numeric = np.empty(indices.shape[0], dtype=np.float64)
    f_scale = 0.0
    for k, i in enumerate(indices):
        f_up, f_down, step = _central(f, work, int(i), h)
        numeric[k] = (f_up - f_down) / step
        f_scale = max(f_scale, abs(f_up), abs(f_down))
    analytic = analytic_full.reshape(-1)[indices].astype(np.float64)
    eps = float(np.finfo(work.dtype).eps)
    floor = max(4 * eps * f_scale / (h * tol), float(np.finfo(np.float64).tiny))
    errors = relative_error(numeric, analytic, tiny=floor)
    if kink_detector is None:
        kinks = np.zeros(indices.shape[0], dtype=bool)
    else:
        kinks = np.array([bool(kink_detector(f, work, int(i), h)) for i in indices], dtype=bool)
    failed = ~(errors <= tol) & ~kinks  # NaN errors fail
    for k in np.flatnonzero(failed & np.isfinite(errors)):
        # the finite difference's own error, from a second step size (see Notes)
        f_up, f_down, step = _central(f, work, int(indices[k]), 2 * h)
        fd_error = abs(numeric[k] - (f_up - f_down) / step)
        if abs(numeric[k] - analytic[k]) <= 2 * fd_error:
            failed[k] = False
    result = GradCheckResult(indices, numeric, analytic, errors, kinks, not failed.any(), tol)
    if failed.any() and raise_on_failure:
        k = int(np.flatnonzero(failed)[np.argmax(np.nan_to_num(errors[failed], nan=np.inf))])
        where = tuple(int(c) for c in np.unravel_index(int(indices[k]), work.shape))
        raise GradientCheckError(
            f"gradient check of {_name(f)} failed at index {where}: analytic {analytic[k]:.6g}, "
            f"numeric {numeric[k]:.6g}, relative error {errors[k]:.4g} > tolerance {tol:.3g} "
            f"({int(failed.sum())} of {indices.shape[0]} probes failed)"
        )
    return result
