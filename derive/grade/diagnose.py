r"""Compare a student's output with the reference, and name the mistake when it is a known one.

A diagnosis is found by *matching*: the student's output is compared with the
reference and with the reference put through each classic mistake (a sign, a
factor :math:`N`, a transpose, the true-class entry of the score gradient set to 1,
a square root missing, ...).  The first transformation that matches names the
mistake.

Examples
--------
>>> import numpy as np
>>> G = np.array([[1.0, -2.0], [0.5, 4.0]])
>>> diagnose(-G, G, [("sign", -G), ("missing 1/N", 3 * G)])
'sign'
>>> compare(G, G) is None
True
>>> print(compare(G * [[1, 1], [1, 2]], G))
first difference at [1, 1]: expected 4, got 8
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Verdict",
    "close",
    "compare",
    "diagnose",
    "fmt",
    "gradient_mistakes",
    "loss_mistakes",
    "distance_mistakes",
    "max_relative_error",
]

#: default tolerances of :func:`close`
RTOL = 1e-6
ATOL = 1e-9


@dataclass(frozen=True)
class Verdict:
    """Outcome of one check: passed or not, and what to tell the student.

    ``failure`` is the probe's status when it did not run to the end ("error", "timeout",
    "crash" or "import"), else None.
    """

    passed: bool
    message: str
    failure: str | None = None


def fmt(a: Any, precision: int = 4) -> str:
    """Short text of an array or a number, on one line where possible.

    >>> fmt(np.array([[1.0, 2.5], [3.0, 4.0]]))
    '[[1, 2.5], [3, 4]]'
    """
    arr = np.asarray(a)
    if arr.ndim == 0:
        return f"{arr.item():.{precision + 2}g}" if arr.dtype.kind == "f" else str(arr.item())
    text = np.array2string(
        arr, precision=precision, separator=", ", threshold=24, edgeitems=3, max_line_width=100000,
        formatter={"float_kind": lambda x: f"{x:.{precision + 2}g}"},
    )
    return " ".join(text.split())


def close(got: Any, ref: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Same shape and every entry within ``atol + rtol * |ref|`` (NaN never matches; ±inf only itself).

    >>> close(0.0, -np.inf), close(np.inf, np.inf)
    (False, True)
    """
    g, r = np.asarray(got), np.asarray(ref)
    if g.shape != r.shape or g.dtype.kind not in "biuf":
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        g = g.astype(np.float64)
        near = np.abs(g - r) <= atol + rtol * np.abs(r)
        return bool(np.all(np.where(np.isfinite(r), near, g == r)))


def compare(got: Any, ref: Any, rtol: float = RTOL, atol: float = ATOL) -> str | None:
    """``None`` when ``got`` matches ``ref``, else where and how it differs."""
    g, r = np.asarray(got), np.asarray(ref)
    if g.dtype.kind not in "biuf":
        return f"expected numbers, got dtype {g.dtype}"
    if g.shape != r.shape:
        return f"expected shape {r.shape}, got shape {g.shape}"
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~(np.abs(g.astype(np.float64) - r) <= atol + rtol * np.abs(r))
    if not bad.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    n_bad = int(bad.sum())
    where = f"[{', '.join(map(str, idx))}]" if idx else ""
    more = f" ({n_bad} of {bad.size} entries differ)" if n_bad > 1 else ""
    return f"first difference at {where}: expected {fmt(r[idx])}, got {fmt(g[idx])}{more}".replace(" at :", ":")


def max_relative_error(got: NDArray[Any], ref: NDArray[Any], floor: float = 1e-8) -> float:
    r"""Largest :math:`|g - r| / \max(|g| + |r|, \mathrm{floor} \cdot \max|r|)` (NaN if either has NaN).

    The floor keeps entries that are round-off-sized in the reference from
    dominating: they are judged relative to the largest entry instead.

    >>> max_relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.002])) < 1e-3
    True
    """
    g = np.asarray(got, dtype=np.float64)
    r = np.asarray(ref, dtype=np.float64)
    if not (np.isfinite(g).all() and np.isfinite(r).all()):
        return float("nan")
    tiny = max(floor * float(np.abs(r).max(initial=0.0)), float(np.finfo(np.float64).tiny))
    return float((np.abs(g - r) / np.maximum(np.abs(g) + np.abs(r), tiny)).max(initial=0.0))


#: the diagnosis of an output that is all zeros where the reference is not
ZEROS = "the output is all zeros: not implemented yet? (a stub that returns zeros)"


def diagnose(got: Any, ref: Any, candidates: Sequence[tuple[str, Any]], rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """The description of the first candidate ``got`` matches, or ``None``.

    An all-zeros ``got`` (for a reference that is not) is named as such, never as a mistake
    whose transformation happens to be near 0.

    >>> diagnose(np.zeros(2), np.ones(2), [("sign", -np.ones(2))])
    'the output is all zeros: not implemented yet? (a stub that returns zeros)'
    """
    g = np.asarray(got)
    if g.dtype.kind in "biuf" and g.size and not np.any(g) and np.any(np.asarray(ref)):
        return ZEROS
    for text, value in candidates:
        if value is not None and close(got, value, rtol, atol * max(1.0, float(np.max(np.abs(np.asarray(ref)), initial=0)))):
            return text
    return None


def _one_hot(y: NDArray[np.int64], C: int) -> NDArray[np.float64]:
    Y = np.zeros((y.shape[0], C))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def _probabilities(W: NDArray[Any], X: NDArray[Any]) -> NDArray[np.float64]:
    S = X @ W.T
    S = S - S.max(axis=1, keepdims=True)
    P = np.exp(S)
    return P / P.sum(axis=1, keepdims=True)


def gradient_mistakes(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64]) -> list[tuple[str, NDArray[Any]]]:
    r"""The classic wrong softmax gradients, each with the message that names it.

    The reference is :math:`G = (P - Y)^\top X / N` of shape (C, D).
    """
    N, C = X.shape[0], W.shape[0]
    P = _probabilities(W, X)
    Y = _one_hot(y, C)
    G = (P - Y).T @ X / N
    P1 = P.copy()
    P1[np.arange(N), y] = 1.0  # the mistake: dscores[y] = 1 instead of -= 1
    G1 = P1.T @ X / N
    base = [
        ("", G),
        ("the gradient is the reference times −1 (wrong sign): the gradient of the mean NLL is +(P − Y)ᵀX / N", -G),
        (f"missing 1/N: the gradient is N = {N} times the reference (a sum over samples, not the mean)", N * G),
        (f"the gradient is the reference times −N = −{N}: wrong sign and missing 1/N", -N * G),
        (f"divided by N twice: the gradient is the reference divided by N = {N}", G / N),
        ("the true-class entry of the score gradient is set to 1; it should be P − 1 (subtract 1, do not assign)", G1),
        ("the true-class entry of the score gradient is set to 1 and the 1/N is missing; it should be (P − 1) / N", N * G1),
        ("the softmax term is missing: the gradient is −YᵀX / N; it should be (P − Y)ᵀX / N", -Y.T @ X / N),
    ]
    out = [(t, v) for t, v in base if t]
    for text, v in base:
        if v.shape[0] == v.shape[1]:
            label = "transposed gradient: it equals the reference transposed (Xᵀ(P − Y) / N); W is (C, D) and so is its gradient, (P − Y)ᵀX / N"
        else:
            label = f"transposed gradient: shape (D, C) = {v.T.shape}; expected (C, D) = {G.shape} like W, i.e. (P − Y)ᵀX / N, not Xᵀ(P − Y) / N"
        if text:
            label += f", and {text}"
        out.append((label, v.T))
    return out


def loss_mistakes(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64]) -> list[tuple[str, float]]:
    """The classic wrong mean-NLL losses, each with the message that names it."""
    N = X.shape[0]
    S = X @ W.T
    m = S.max(axis=1, keepdims=True)
    log_p = S - m - np.log(np.exp(S - m).sum(axis=1, keepdims=True))  # log-sum-exp: finite where P underflows
    L = float(-np.mean(log_p[np.arange(N), y]))
    return [
        ("the loss is the reference times −1 (wrong sign): the loss is −mean log P[y]", -L),
        (f"missing 1/N: the loss is N = {N} times the reference (a sum, not the mean)", N * L),
        ("the loss is the reference times −N: a sum of log P[y] with the wrong sign", -N * L),
    ]


def distance_mistakes(X_test: NDArray[Any], X_train: NDArray[Any], ref: NDArray[Any]) -> list[tuple[str, NDArray[Any]]]:
    """The classic wrong distance matrices, each with the message that names it."""
    out = [
        ("squared distances: the square root is missing", ref**2),
        (f"transposed: shape (num_train, num_test) = {ref.T.shape}; expected (num_test, num_train) = {ref.shape}", ref.T),
    ]
    if X_test.shape[0] * X_train.shape[0] * X_test.shape[1] <= 1 << 20:  # small inputs only
        diff = X_test[:, None, :].astype(np.float64) - X_train[None, :, :]
        out.append(("L1 (Manhattan) distances instead of L2", np.abs(diff).sum(-1)))
    return out
