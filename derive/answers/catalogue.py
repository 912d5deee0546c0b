r"""The questions ``gradproof check-answer`` knows: every result :mod:`derive` produces.

Each reference is a call of the numpy function lambdified from the derivation
(imported lazily, so this module imports without SymPy work); the symbolic
references are the derivations' own result steps at concrete sizes.

Examples
--------
>>> [q.id for q in QUESTIONS][:4]
['noisy.expected_loss', 'noisy.R', 'noisy.ridge_gradient', 'noisy.ridge_minimiser']
>>> get_question("softmax.grad_W").examples["numpy"]
'(Y - P).T @ X'
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import sympy as sp

from derive.answers.questions import Question, SymbolSpec as S, Term, Variant

__all__ = ["QUESTIONS", "get_question", "question_ids"]


def _derived(module: str) -> Any:
    return importlib.import_module(f"derive.{module}")


def _u(rng: np.random.Generator, *shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """Uniform data rounded to 2 decimals (readable counterexamples, still generic)."""
    return np.round(rng.uniform(low, high, size=shape), 2)


def _sigma(rng: np.random.Generator) -> float:
    # away from 1, so that sigma, sigma^2 and sigma^4 differ clearly
    return float(np.round(rng.choice([rng.uniform(0.4, 0.8), rng.uniform(1.3, 2.2)]), 2))


def _softmax_rows(z: np.ndarray) -> np.ndarray:
    # exp(z - max) / sum exp(z - max): stable row-wise softmax
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# -- data -------------------------------------------------------------------------------------

def _noisy_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    N, d = s["N"], s["d"]
    return {"X": _u(rng, N, d), "y": _u(rng, N), "theta": _u(rng, d), "sigma": _sigma(rng), "I": np.eye(d)}


def _softmax_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    m, n, c = s["m"], s["n"], s["c"]
    X, W, b = _u(rng, m, n), _u(rng, c, n, low=-1, high=1), _u(rng, c, low=-1, high=1)
    y = rng.integers(0, c, size=m)
    return {"X": X, "W": W, "b": b, "y": y, "P": _softmax_rows(X @ W.T + b), "Y": np.eye(c)[y],
            "i": int(rng.integers(0, c))}


def _mean_loss_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    m, D, C = s["m"], s["D"], s["C"]
    X = np.hstack([_u(rng, m, D - 1), np.ones((m, 1))])  # bias trick: a column of ones
    W, y = _u(rng, C, D, low=-1, high=1), rng.integers(0, C, size=m)
    return {"X": X, "W": W, "y": y, "P": _softmax_rows(X @ W.T), "Y": np.eye(C)[y]}


def _hinge_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    K, n = s["K"], s["n"]
    while True:  # stay away from the kink (margin exactly 1), where the gradient is a choice
        X, w, b = _u(rng, K, n), _u(rng, n, low=-1, high=1), float(_u(rng, low=-1, high=1))
        y = rng.choice([-1.0, 1.0], size=K)
        if np.all(np.abs(y * (X @ w + b) - 1.0) > 1e-3):
            return {"X": X, "w": w, "b": b, "y": y}


def _distance_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    return {"X": _u(rng, s["A"], s["n"]), "Z": _u(rng, s["B"], s["n"])}


# -- symbolic references: the derivation's own result at concrete sizes ------------------------

def _concrete(expr: Any, env: dict[str, Any]) -> Any:
    """Substitute sizes, expand the sums, and put ``env``'s element symbols for the entries."""
    expr = expr.xreplace({s: sp.Integer(env[s.name]) for s in expr.free_symbols
                          if s.name in env and isinstance(env[s.name], int)}).doit()
    expr = expr.replace(lambda e: isinstance(e, sp.Indexed),
                        lambda e: env[str(e.base.label)][tuple(int(i) for i in e.indices)])
    return expr.xreplace({s: env[s.name] for s in expr.free_symbols if s.name in env})


def _noisy_symbolic(label: str | None) -> Any:
    def reference(env: dict[str, Any]) -> Any:
        d = _derived("noisy").derivation()
        return _concrete((d.step(label) if label else d.result).rhs, env)
    return reference


def _initial_loss_symbolic(env: dict[str, Any]) -> Any:
    return _concrete(_derived("softmax").derivation().step("initial-loss").rhs, env)


# -- the questions ------------------------------------------------------------------------------

_NOISY = (
    S("X", ("N", "d"), "inputs, one sample per row"), S("y", ("N",), "targets"),
    S("theta", ("d",), "parameters"), S("sigma", (), "> 0, the noise standard deviation"),
    S("I", ("d", "d"), "the identity matrix", "derived"),
    S("N", (), "number of samples", "size"), S("d", (), "number of features", "size"),
    S("j", ("N",), "sample index, bound in sums (0..N-1)", "bound"),
    S("k", ("d",), "feature index, bound in sums (0..d-1)", "bound"),
)
_NOISY_SIZES = {"N": (1, 6), "d": (1, 4)}
_NOISY_SYMBOLIC_SIZES = ({"N": 1, "d": 1}, {"N": 2, "d": 2}, {"N": 3, "d": 2})
_DATA_LOSS = "mean((y - X @ theta)**2)"

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
_SOFTMAX_SIZES = {"m": (1, 6), "n": (1, 4), "c": (2, 5)}
_CLASS_I = S("i", ("c",), "class index (given)", "index")
_ROWS_I = S("i", ("c",), "class index: an answer using i is the row i, stacked over i = 0..c-1", "stacked")


def _softmax_args(e: dict[str, Any]) -> tuple[Any, ...]:
    return e["W"], e["b"], e["X"], e["y"]


_HINGE = (
    S("X", ("K", "n"), "inputs, one sample per row"), S("y", ("K",), "labels in {-1, +1}"),
    S("w", ("n",), "weights"), S("b", (), "bias"),
    S("K", (), "number of samples", "size"), S("n", (), "number of features", "size"),
    S("i", ("K",), "sample index, bound in sums (0..K-1)", "bound"),
    S("j", ("K",), "sample index, bound in sums (0..K-1)", "bound"),
)
_HINGE_SIZES = {"K": (1, 6), "n": (1, 4)}
_ACTIVE = "(y * (X @ w + b) < 1)"

QUESTIONS: tuple[Question, ...] = (
    Question(
        "noisy.expected_loss", "E_δ[L̃(θ)], the expected loss under input noise δ ~ N(0, σ²I)",
        _NOISY, (),
        {"numpy": "mean((y - X @ theta)**2) + sigma**2 * theta @ theta",
         "index": "1/N * sum_j (y_j - x_j @ theta)**2 + sigma**2 * sum_k theta_k**2",
         "latex": r"\frac{1}{N}\sum_{j=1}^{N}\left(y^{(j)} - x^{(j)\top}\theta\right)^2 + \sigma^2\|\theta\|_2^2"},
        _NOISY_SIZES, _noisy_data,
        lambda e: _derived("noisy").expected_noisy_loss(e["theta"], e["X"], e["y"], e["sigma"]),
        aliases={"x": "X"},
        terms=(Term("the data loss L(θ)", _DATA_LOSS), Term("the regulariser σ²‖θ‖²", "sigma**2 * theta @ theta", 1, 2)),
        variants=(Variant("the regulariser uses ‖θ‖ where ‖θ‖² is expected", "norm_not_squared",
                          _DATA_LOSS + " + sigma**2 * norm(theta)"),),
        symbolic=_noisy_symbolic(None), symbolic_sizes=_NOISY_SYMBOLIC_SIZES,
    ),
    Question(
        "noisy.R", "R = E_δ[L̃(θ)] − L(θ), the part of the expected loss that does not depend on the data",
        _NOISY, (),
        {"numpy": "sigma**2 * theta @ theta", "index": "sigma**2 * sum_k theta_k**2",
         "latex": r"\sigma^2 \|\theta\|_2^2"},
        _NOISY_SIZES, _noisy_data,
        lambda e: (_derived("noisy").expected_noisy_loss(e["theta"], e["X"], e["y"], e["sigma"])
                   - _derived("noisy").squared_loss(e["theta"], e["X"], e["y"])),
        aliases={"x": "X"},
        terms=(Term("the data loss L(θ)", _DATA_LOSS, 0), Term("σ²‖θ‖²", "sigma**2 * theta @ theta", 1, 2)),
        variants=(Variant("‖θ‖ where ‖θ‖² is expected", "norm_not_squared", "sigma**2 * norm(theta)"),),
        sigma_power=2, symbolic=_noisy_symbolic("R"), symbolic_sizes=_NOISY_SYMBOLIC_SIZES,
    ),
    Question(
        "noisy.ridge_gradient", "∇_θ E_δ[L̃(θ)], the gradient of the ridge objective L(θ) + σ²‖θ‖²",
        _NOISY, ("d",),
        {"numpy": "2/N * X.T @ (X @ theta - y) + 2 * sigma**2 * theta",
         "index": "2/N * sum_j (x_j @ theta - y_j) * x_j + 2 * sigma**2 * theta",
         "latex": r"\frac{2}{N} X^\top (X\theta - y) + 2\sigma^2\theta"},
        _NOISY_SIZES, _noisy_data,
        lambda e: _derived("noisy").ridge_gradient(e["theta"], e["X"], e["y"], e["sigma"]),
        aliases={"x": "X"},
        terms=(Term("the term (2/N) XᵀXθ", "2/N * X.T @ X @ theta"),
               Term("the term −(2/N) Xᵀy", "2/N * X.T @ y", -1),
               Term("the regulariser 2σ²θ", "2 * sigma**2 * theta", 1, 2)),
    ),
    Question(
        "noisy.ridge_minimiser", "θ*(σ), the minimiser of E_δ[L̃(θ)]",
        _NOISY, ("d",),
        {"numpy": "solve(X.T @ X + N * sigma**2 * eye(d), X.T @ y)",
         "index": "inv(sum_j outer(x_j, x_j) + N * sigma**2 * I) @ sum_j y_j * x_j",
         "latex": r"\left(X^\top X + N\sigma^2 I\right)^{-1} X^\top y"},
        _NOISY_SIZES, _noisy_data,
        lambda e: _derived("noisy").ridge_minimiser(e["X"], e["y"], e["sigma"]),
        aliases={"x": "X"},
        variants=(Variant("the regulariser is σ²I where Nσ²I is expected (the factor N is missing)", "missing_N",
                          "solve(X.T @ X + sigma**2 * I, X.T @ y)"),
                  Variant("the least-squares solution: the regulariser Nσ²I is missing", "missing_regulariser",
                          "solve(X.T @ X, X.T @ y)")),
        sigma_power=2,
    ),
    Question(
        "softmax.grad_w_i", "∇_{w_i} 𝓛, the log-likelihood gradient for the weights of one class i",
        _SOFTMAX + (_CLASS_I,), ("n",),
        {"numpy": "(Y - P)[:, i] @ X",
         "index": "sum_j (1{y_j = i} - P[j, i]) * x_j",
         "latex": r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - P_{j,i}\right) x^{(j)}"},
        _SOFTMAX_SIZES, _softmax_data,
        lambda e: _derived("softmax").grad_w_i(*_softmax_args(e), e["i"]),
        aliases={"x": "X"},
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
        lambda e: _derived("softmax").grad_b(*_softmax_args(e))[e["i"]],
        aliases={"x": "X"},
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
        lambda e: _derived("softmax").grad_W(*_softmax_args(e)),
        aliases={"x": "X"},
        terms=(Term("the indicator term YᵀX", "Y.T @ X"), Term("the −softmax term −PᵀX", "P.T @ X", -1)),
    ),
    Question(
        "softmax.grad_b", "∇_b 𝓛 in matrix form (entry i is ∇_{b_i} 𝓛)",
        _SOFTMAX + (_ROWS_I,), ("c",),
        {"numpy": "(Y - P).T @ ones(m)",
         "index": "sum_j (1{y_j = i} - P[j, i])",
         "latex": r"\sum_{j=1}^{m}\left(\mathbb{1}\{y^{(j)} = i\} - P_{j,i}\right)"},
        _SOFTMAX_SIZES, _softmax_data,
        lambda e: _derived("softmax").grad_b(*_softmax_args(e)),
        aliases={"x": "X"},
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
        {"m": (1, 6), "D": (2, 4), "C": (2, 5)}, _mean_loss_data,
        lambda e: _derived("softmax").mean_loss_grad(e["W"], e["X"], e["y"]),
        aliases={"x": "X"},
        terms=(Term("the softmax term PᵀX/m", "P.T @ X / m"), Term("the indicator term −YᵀX/m", "Y.T @ X / m", -1)),
    ),
    Question(
        "softmax.initial_loss", "the mean loss at W = 0 with c classes (the homework's 'why about 2.3')",
        (S("c", (), "number of classes", "size"),), (),
        {"numpy": "log(c)", "index": "-log(1/c)", "latex": r"\log c"},
        {"c": (2, 12)}, lambda s, rng: {},
        lambda e: _derived("softmax").initial_loss(e["c"]),
        variants=(Variant("the probability 1/c of each class, not the loss −log(1/c)", "probability_not_loss", "1/c"),
                  Variant("a base-10 logarithm; the loss uses the natural logarithm", "log10", "log(c) / log(10)")),
        symbolic=_initial_loss_symbolic,
    ),
    Question(
        "hinge.grad_w", "∇_w L of the mean hinge loss L(w, b) = (1/K) Σᵢ max(0, 1 − y⁽ⁱ⁾(wᵀx⁽ⁱ⁾ + b))",
        _HINGE, ("n",),
        {"numpy": f"-X.T @ (y * {_ACTIVE}) / K",
         "index": "1/K * sum_i -1{y_i * (x_i @ w + b) < 1} * y_i * x_i",
         "latex": r"\frac{1}{K}\sum_{i=1}^{K} -\mathbb{1}\{y^{(i)}(x^{(i)\top} w + b) < 1\} y^{(i)} x^{(i)}"},
        _HINGE_SIZES, _hinge_data,
        lambda e: _derived("hinge").hinge_grad_w(e["w"], e["b"], e["X"], e["y"]),
        aliases={"x": "X"},
        variants=(Variant("the indicator 1{margin < 1} is missing", "missing_indicator", "-X.T @ y / K"),
                  Variant("the indicator's inequality is reversed (1{margin > 1})", "reversed_indicator",
                          "-X.T @ (y * (y * (X @ w + b) > 1)) / K"),
                  Variant("the indicator tests the score wᵀx + b, not the margin y(wᵀx + b)", "score_not_margin",
                          "-X.T @ (y * ((X @ w + b) < 1)) / K")),
    ),
    Question(
        "hinge.grad_b", "∇_b L of the mean hinge loss (a scalar)",
        _HINGE, (),
        {"numpy": f"-sum(y * {_ACTIVE}) / K",
         "index": "-1/K * sum_i 1{y_i * (x_i @ w + b) < 1} * y_i",
         "latex": r"-\frac{1}{K}\sum_{i=1}^{K}\mathbb{1}\{y^{(i)}(x^{(i)\top} w + b) < 1\} y^{(i)}"},
        _HINGE_SIZES, _hinge_data,
        lambda e: _derived("hinge").hinge_grad_b(e["w"], e["b"], e["X"], e["y"]),
        aliases={"x": "X"},
        variants=(Variant("the indicator 1{margin < 1} is missing", "missing_indicator", "-sum(y) / K"),
                  Variant("the indicator's inequality is reversed (1{margin > 1})", "reversed_indicator",
                          "-sum(y * (y * (X @ w + b) > 1)) / K"),
                  Variant("the indicator tests the score wᵀx + b, not the margin y(wᵀx + b)", "score_not_margin",
                          "-sum(y * ((X @ w + b) < 1)) / K")),
    ),
    Question(
        "distances.expansion",
        "all-pairs squared distances D²[a, b] = ‖x⁽ᵃ⁾ − z⁽ᵇ⁾‖², expanded as ‖x‖² + ‖z‖² − 2xᵀz",
        (S("X", ("A", "n"), "first point set, one point per row"),
         S("Z", ("B", "n"), "second point set, one point per row"),
         S("A", (), "number of rows of X", "size"), S("B", (), "number of rows of Z", "size"),
         S("n", (), "dimension", "size"),
         S("a", ("A",), "row of X: an answer using a, b is entry [a, b], stacked", "stacked"),
         S("b", ("B",), "row of Z: an answer using a, b is entry [a, b], stacked", "stacked"),
         S("k", ("n",), "coordinate index, bound in sums (0..n-1)", "bound")),
        ("A", "B"),
        {"numpy": "sum(X**2, axis=1)[:, None] + sum(Z**2, axis=1)[None, :] - 2 * X @ Z.T",
         "index": "x_a @ x_a + z_b @ z_b - 2 * x_a @ z_b",
         "latex": r"\|x^{(a)}\|_2^2 + \|z^{(b)}\|_2^2 - 2 x^{(a)\top} z^{(b)}"},
        {"A": (1, 5), "B": (1, 5), "n": (1, 4)}, _distance_data,
        lambda e: _derived("distances").squared_distances(e["X"], e["Z"]),
        aliases={"x": "X", "z": "Z"},
        terms=(Term("the ‖x⁽ᵃ⁾‖² term", "outer(sum(X**2, axis=1), ones(B))"),
               Term("the ‖z⁽ᵇ⁾‖² term", "outer(ones(A), sum(Z**2, axis=1))"),
               Term("the cross term −2XZᵀ", "X @ Z.T", -2)),
    ),
)

_BY_ID = {q.id: q for q in QUESTIONS}


def question_ids() -> list[str]:
    """The ids of every question, in the homework's order."""
    return list(_BY_ID)


def get_question(qid: str) -> Question:
    """The question ``qid``; ValueError listing the known ids otherwise."""
    if qid not in _BY_ID:
        raise ValueError(f"unknown question {qid!r}; known questions: {', '.join(_BY_ID)}")
    return _BY_ID[qid]
