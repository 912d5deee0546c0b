"""Input validation shared by every public entry point of :mod:`numerics`.

Each public function validates its input once, at the entry, with these helpers,
and raises :class:`ValueError` (or :class:`TypeError` for a wrong kind of object)
with a message that says what was expected and what was got.

Examples
--------
>>> import numpy as np
>>> check_matrix(np.ones((2, 3)), "X").shape
(2, 3)
>>> check_matrix(np.ones(3), "X")
Traceback (most recent call last):
...
ValueError: X: expected a 2-D array of shape (n_samples, n_features), got shape (3,)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "check_array",
    "check_matrix",
    "check_vector",
    "check_labels",
    "check_same_length",
    "check_int",
    "check_positive_float",
    "as_float",
]


def _describe(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"an array of shape {a.shape} and dtype {a.dtype}"
    return f"an object of type {type(a).__name__}"


def check_array(
    a: ArrayLike,
    name: str,
    *,
    ndim: int | None = None,
    shape_doc: str | None = None,
    allow_empty: bool = False,
    finite: bool = True,
    numeric: bool = True,
) -> NDArray[Any]:
    """Convert ``a`` to an ndarray and check its dimensionality and values.

    Parameters
    ----------
    a : array_like
        The user's input.
    name : str
        The parameter's name, used in error messages.
    ndim : int, optional
        Required number of dimensions.
    shape_doc : str, optional
        Human-readable expected shape, e.g. ``"(n_samples, n_features)"``.
    allow_empty : bool, default False
        Whether an array with a zero-length axis is accepted.
    finite : bool, default True
        Whether NaN and infinity are refused.
    numeric : bool, default True
        Whether the dtype must be boolean, integer or floating point.

    Returns
    -------
    ndarray
        The input as an array (not copied when it already was one).

    Raises
    ------
    ValueError
        On a wrong number of dimensions, an empty array, a non-numeric dtype or
        non-finite values.
    """
    if a is None:
        raise ValueError(f"{name}: expected an array, got None")
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise ValueError(f"{name}: expected a rectangular numeric array, got {type(a).__name__} ({exc})") from None
    if numeric and not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if numeric and np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name}: expected a real array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        doc = shape_doc or f"a {ndim}-D array"
        kind = f"a {ndim}-D array of shape {doc}" if shape_doc else doc
        raise ValueError(f"{name}: expected {kind}, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {arr.shape}")
    if finite and np.issubdtype(arr.dtype, np.floating) and arr.size and not np.isfinite(arr).all():
        n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name}: expected finite values, got {n_bad} NaN or infinite entr{'y' if n_bad == 1 else 'ies'}")
    return arr


def check_matrix(a: ArrayLike, name: str, *, n_cols: int | None = None, **kwargs: Any) -> NDArray[Any]:
    """Check a 2-D array of shape ``(n_samples, n_features)``.

    ``n_cols`` (optional) is the required number of columns.
    """
    arr = check_array(a, name, ndim=2, shape_doc="(n_samples, n_features)", **kwargs)
    if n_cols is not None and arr.shape[1] != n_cols:
        raise ValueError(f"{name}: expected {n_cols} columns, got shape {arr.shape}")
    return arr


def check_vector(a: ArrayLike, name: str, *, length: int | None = None, **kwargs: Any) -> NDArray[Any]:
    """Check a 1-D array, optionally of a given ``length``."""
    arr = check_array(a, name, ndim=1, shape_doc="(n,)", **kwargs)
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name}: expected length {length}, got length {arr.shape[0]}")
    return arr


def check_labels(
    y: ArrayLike,
    name: str = "y",
    *,
    n_samples: int | None = None,
    n_classes: int | None = None,
    allowed: tuple[int, ...] | None = None,
) -> NDArray[np.int64]:
    """Check integer class labels and return them as ``int64``.

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        Labels; floats are accepted only when they hold whole numbers.
    n_samples : int, optional
        Required length (the number of rows of the matching ``X``).
    n_classes : int, optional
        Labels must lie in ``0 .. n_classes - 1``.
    allowed : tuple of int, optional
        The exact set of allowed values (e.g. ``(-1, 1)`` for a binary SVM).
    """
    arr = check_array(y, name, ndim=1, shape_doc="(n_samples,)")
    if arr.dtype == np.bool_:
        raise ValueError(f"{name}: expected integer labels, got dtype bool")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name}: expected integer labels, got non-integer values such as {arr[arr != np.round(arr)][0]!r}")
    labels = arr.astype(np.int64)
    if n_samples is not None and labels.shape[0] != n_samples:
        raise ValueError(f"{name}: expected {n_samples} labels (one per row of X), got {labels.shape[0]}")
    if n_classes is not None:
        bad = (labels < 0) | (labels >= n_classes)
        if bad.any():
            raise ValueError(f"{name}: expected labels in 0..{n_classes - 1}, got {int(labels[bad][0])}")
    elif allowed is None and (labels < 0).any():
        raise ValueError(f"{name}: expected non-negative labels, got {int(labels[labels < 0][0])}")
    if allowed is not None:
        bad = ~np.isin(labels, allowed)
        if bad.any():
            raise ValueError(f"{name}: expected labels in {set(allowed)}, got {int(labels[bad][0])}")
    return labels


def check_same_length(a: NDArray[Any], b: NDArray[Any], name_a: str, name_b: str) -> None:
    """Raise unless ``a`` and ``b`` have the same number of rows."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{name_a} and {name_b}: expected the same number of rows, got {a.shape[0]} and {b.shape[0]}")


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Check an integer parameter lies in ``[low, high]`` and return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: expected an integer, got {value!r}")
    v = int(value)
    if low is not None and v < low:
        raise ValueError(f"{name}: expected an integer >= {low}, got {v}")
    if high is not None and v > high:
        raise ValueError(f"{name}: expected an integer <= {high}, got {v}")
    return v


def check_real(value: Any, name: str, *, low: float | None = None, high: float | None = None) -> float:
    """Check a finite real scalar (a 0-d array included) lies in ``[low, high]``; return it as ``float``.

    >>> check_real(np.array(0.5), "h", low=0.0, high=1.0)
    0.5
    >>> check_real(-1.0, "atol", low=0.0)
    Traceback (most recent call last):
    ...
    ValueError: atol: expected a finite real number >= 0.0, got -1.0
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: expected a real number, got {value!r}")
    f = float(value)
    if not np.isfinite(f) or (low is not None and f < low) or (high is not None and f > high):
        bounds = f" in [{low}, {high}]" if high is not None else (f" >= {low}" if low is not None else "")
        raise ValueError(f"{name}: expected a finite real number{bounds}, got {value!r}")
    return f


def check_positive_float(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Check a finite, positive (or non-negative) real parameter."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: expected a real number, got {value!r}")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: expected a finite number {bound}, got {value!r}")
    return v


def as_float(a: NDArray[Any], dtype: type = np.float64) -> NDArray[np.floating[Any]]:
    """Return ``a`` as floating point (no wrap-around for uint8 pixel data).

    Float arrays of a floating dtype are returned unchanged; every integer dtype
    (uint8 above all, whose arithmetic wraps around modulo 256) is converted to
    ``dtype`` before any subtraction happens.
    """
    if np.issubdtype(a.dtype, np.floating):
        return a
    return a.astype(dtype)
