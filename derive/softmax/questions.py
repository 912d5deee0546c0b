"""The questions on the softmax classifier: per-class and matrix gradients, mean-loss gradient, initial loss."""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.instances import concrete, uniform
from derive.answers.questions import Question, SymbolSpec as S, Term, Variant

__all__ = ["QUESTIONS"]


def _maths() -> Any:
    import derive.softmax.maths as maths

    return maths


def _functions() -> Any:
    import derive.softmax.functions as functions

    return functions


def _softmax_rows(z: np.ndarray) -> np.ndarray:
    # exp(z - max) / sum exp(z - max): stable row-wise softmax
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    m, n, c = s["m"], s["n"], s["c"]
    X, W, b = uniform(rng, m, n), uniform(rng, c, n, low=-1, high=1), uniform(rng, c, low=-1, high=1)
    y = rng.integers(0, c, size=m)
    return {"X": X, "W": W, "b": b, "y": y, "P": _softmax_rows(X @ W.T + b), "Y": np.eye(c)[y],
            "i": int(rng.integers(0, c))}


def _mean_loss_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    m, D, C = s["m"], s["D"], s["C"]
    X = np.hstack([uniform(rng, m, D - 1), np.ones((m, 1))])  # bias trick: a column of ones
    W, y = uniform(rng, C, D, low=-1, high=1), rng.integers(0, C, size=m)
    return {"X": X, "W": W, "y": y, "P": _softmax_rows(X @ W.T), "Y": np.eye(C)[y]}


def _exact_softmax(env: dict[str, Any], coarse: bool) -> None:
    """Exact data with P = softmax(X Wᵀ + b) computed exactly, P's entries ratios of sums of e^(score).

    ``coarse``: the inputs moved to multiples of 1/4 (the scores are multiples of 1/16, and the
    difference is a rational function of e^(1/16) that SymPy decides fast); else they stay on the
    fine 2⁻²⁰ grid (a term vanishing on the coarse grid shows there).
    """
    import sympy as sp

    def quarter(v: Any) -> Any:
        return sp.Rational(int(round(float(v) * 4)), 4)

    for name in ("X", "W", "b"):
        if name in env and coarse:
            env[name] = np.vectorize(quarter, otypes=[object])(env[name])
    scores = env["X"] @ env["W"].T + (env["b"] if "b" in env else 0)
    e = np.vectorize(sp.exp, otypes=[object])(scores)
    env["P"] = e / np.sum(e, axis=1, keepdims=True)


def _initial_loss_symbolic(env: dict[str, Any]) -> Any:
    return concrete(_maths().derivation().step("initial-loss").rhs, env)


_SOFTMAX = (
    S("X", ("m", "n"), "inputs, one sample per row"), S("y", ("m",), "labels in 0..c-1"),
    S("W", ("c", "n"), "weights, one row w_i per class"), S("b", ("c",), "biases"),
    S("P", ("m", "c"), "softmax probabilities, P[j, i] = softmax_i(x^(j))", "derived"),
    S("Y", ("m", "c"), "one-hot labels, Y[j, i] = 1{y^(j) = i}", "derived"),
    S("m", (), "number of samples", "size"), S("n", (), "number of features", "size"),
    S("c", (), "number of classes", "size"),
    S("j", ("m",), "sample index, bound in sums (0..m-1)", "bound"),
    S("k", ("c",), "class index, bound in sums (0..c-1)", "bound"),
)
_SOFTMAX_SIZES = {"m": (1, 24), "n": (1, 14), "c": (2, 12)}
_SOFTMAX_TALL = {"m": 240, "n": 240, "c": 200}
# P is not a rational function of the data: for answers that use P (not exp/softmax) the exact check
# draws it as independent data; answers that recompute it, or that differ with P independent, are
# checked with P computed exactly from the data (_exact_softmax).
_FLAGS: dict[str, Any] = {"tall": _SOFTMAX_TALL, "case_split": True, "rational_names": False,
                          "exact_derived": _exact_softmax}
_CLASS_I = S("i", ("c",), "class index (given)", "index")
_ROWS_I = S("i", ("c",), "class index: an answer using i is the row i, stacked over i = 0..c-1", "stacked")


def _softmax_args(e: dict[str, Any]) -> tuple[Any, ...]:
    return e["W"], e["b"], e["X"], e["y"]


QUESTIONS: tuple[Question, ...] = (
    Question(
        "softmax.grad_w_i", "∇_{w_i} 𝓛, the log-likelihood gradient for the weights of one class i",
        _SOFTMAX + (_CLASS_I,), ("n",),
        {"numpy": "(Y - P)[:, i] @ X",
         "index": "sum_j (1{y_j = i} - P[j, i]) * x_j",
         "latex": r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - P_{j,i}\right) x^{(j)}"},
        _SOFTMAX_SIZES, _softmax_data,
        lambda e: _functions().grad_w_i(*_softmax_args(e), e["i"]),
        aliases={"x": "X"}, **_FLAGS,
        terms=(Term("the indicator term Σⱼ 1{y⁽ʲ⁾ = i} x⁽ʲ⁾", "sum_j 1{y_j = i} * x_j"),
               Term("the −softmax term −Σⱼ softmax_i(x⁽ʲ⁾) x⁽ʲ⁾", "sum_j P[j, i] * x_j", -1)),
    ),
    Question(
        "softmax.grad_b_i", "∇_{b_i} 𝓛, the log-likelihood gradient for the bias of one class i",
        _SOFTMAX + (_CLASS_I,), (),
        {"numpy": "sum(Y[:, i] - P[:, i])",
         "index": "sum_j (1{y_j = i} - P[j, i])",
         "latex": r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - P_{j,i}\right)"},
        _SOFTMAX_SIZES, _softmax_data,
        lambda e: _functions().grad_b(*_softmax_args(e))[e["i"]],
        aliases={"x": "X"}, **_FLAGS,
        terms=(Term("the indicator term Σⱼ 1{y⁽ʲ⁾ = i}", "sum_j 1{y_j = i}"),
               Term("the −softmax term −Σⱼ softmax_i(x⁽ʲ⁾)", "sum_j P[j, i]", -1)),
    ),
    Question(
        "softmax.grad_W", "∇_W 𝓛 in matrix form (row i is ∇_{w_i} 𝓛)",
        _SOFTMAX + (_ROWS_I,), ("c", "n"),
        {"numpy": "(Y - P).T @ X",
         "index": "sum_j (1{y_j = i} - P[j, i]) * x_j",
         "latex": r"(Y - P)^\top X"},
        _SOFTMAX_SIZES, _softmax_data,
        lambda e: _functions().grad_W(*_softmax_args(e)),
        aliases={"x": "X"}, **_FLAGS,
        terms=(Term("the indicator term YᵀX", "Y.T @ X"), Term("the −softmax term −PᵀX", "P.T @ X", -1)),
    ),
    Question(
        "softmax.grad_b", "∇_b 𝓛 in matrix form (entry i is ∇_{b_i} 𝓛)",
        _SOFTMAX + (_ROWS_I,), ("c",),
        {"numpy": "(Y - P).T @ ones(m)",
         "index": "sum_j (1{y_j = i} - P[j, i])",
         "latex": r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - P_{j,i}\right)"},
        _SOFTMAX_SIZES, _softmax_data,
        lambda e: _functions().grad_b(*_softmax_args(e)),
        aliases={"x": "X"}, **_FLAGS,
        terms=(Term("the indicator term Yᵀ1", "sum(Y, axis=0)"), Term("the −softmax term −Pᵀ1", "sum(P, axis=0)", -1)),
    ),
    Question(
        "softmax.mean_loss_grad",
        "∇_W of the mean loss −𝓛/m (bias trick: X ends with a ones column, W is (C, D), scores X Wᵀ)",
        (S("X", ("m", "D"), "inputs with a last column of ones"), S("y", ("m",), "labels in 0..C-1"),
         S("W", ("C", "D"), "weights (biases in the last column)"),
         S("P", ("m", "C"), "softmax probabilities, P = softmax(X Wᵀ) row-wise", "derived"),
         S("Y", ("m", "C"), "one-hot labels", "derived"),
         S("m", (), "number of samples", "size"), S("D", (), "number of columns of X", "size"),
         S("C", (), "number of classes", "size"),
         S("j", ("m",), "sample index, bound in sums (0..m-1)", "bound"),
         S("i", ("C",), "class index: an answer using i is the row i, stacked over i = 0..C-1", "stacked")),
        ("C", "D"),
        {"numpy": "(P - Y).T @ X / m",
         "index": "1/m * sum_j (P[j, i] - 1{y_j = i}) * x_j",
         "latex": r"\frac{1}{m}(P - Y)^\top X"},
        {"m": (1, 24), "D": (2, 14), "C": (2, 12)}, _mean_loss_data,
        lambda e: _functions().mean_loss_grad(e["W"], e["X"], e["y"]),
        aliases={"x": "X"}, tall={"m": 240, "D": 240, "C": 200}, case_split=True, rational_names=False,
        exact_derived=_exact_softmax,
        terms=(Term("the softmax term PᵀX/m", "P.T @ X / m"), Term("the indicator term −YᵀX/m", "Y.T @ X / m", -1)),
    ),
    Question(
        "softmax.initial_loss", "the mean loss at W = 0 with c classes (the homework's 'why about 2.3')",
        (S("c", (), "number of classes", "size"),), (),
        {"numpy": "log(c)", "index": "-log(1/c)", "latex": r"\log c"},
        {"c": (2, 10**6)}, lambda s, rng: {},
        lambda e: _functions().initial_loss(e["c"]),
        variants=(Variant("the probability 1/c of each class, not the loss −log(1/c)", "probability_not_loss", "1/c"),
                  Variant("a base-10 logarithm; the loss uses the natural logarithm", "log10", "log(c) / log(10)")),
        symbolic=_initial_loss_symbolic,
    ),
)
