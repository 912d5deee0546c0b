"""The questions on the noisy-input regression problem: the expected loss, R, the ridge gradient and minimiser."""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.instances import concrete, positive_scale, uniform
from derive.answers.questions import Question, SymbolSpec as S, Term, Variant

__all__ = ["QUESTIONS"]


def _maths() -> Any:
    import derive.noisy.maths as maths

    return maths


def _noisy_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    N, d = s["N"], s["d"]
    return {"X": uniform(rng, N, d), "y": uniform(rng, N), "theta": uniform(rng, d), "sigma": positive_scale(rng),
            "I": np.eye(d)}


def _noisy_symbolic(label: str | None) -> Any:
    def reference(env: dict[str, Any]) -> Any:
        d = _maths().derivation()
        return concrete((d.step(label) if label else d.result).rhs, env)
    return reference


_NOISY = (
    S("X", ("N", "d"), "inputs, one sample per row"), S("y", ("N",), "targets"),
    S("theta", ("d",), "parameters"), S("sigma", (), "> 0, the noise standard deviation", positive=True),
    S("I", ("d", "d"), "the identity matrix", "derived"),
    S("N", (), "number of samples", "size"), S("d", (), "number of features", "size"),
    S("j", ("N",), "sample index, bound in sums (0..N-1)", "bound"),
    S("k", ("d",), "feature index, bound in sums (0..d-1)", "bound"),
)
_NOISY_SIZES = {"N": (1, 24), "d": (1, 14)}
_NOISY_TALL = {"N": 240, "d": 240}
_NOISY_SYMBOLIC_SIZES = ({"N": 1, "d": 1}, {"N": 2, "d": 2}, {"N": 3, "d": 2})
_DATA_LOSS = "mean((y - X @ theta)**2)"


QUESTIONS: tuple[Question, ...] = (
    Question(
        "noisy.expected_loss", "E_δ[L̃(θ)], the expected loss under input noise δ ~ N(0, σ²I)",
        _NOISY, (),
        {"numpy": "mean((y - X @ theta)**2) + sigma**2 * theta @ theta",
         "index": "1/N * sum_j (y_j - x_j @ theta)**2 + sigma**2 * sum_k theta_k**2",
         "latex": r"\frac{1}{N}\sum_{j=1}^{N}\left(y^{(j)} - x^{(j)\top}\theta\right)^2 + \sigma^2\|\theta\|_2^2"},
        _NOISY_SIZES, _noisy_data,
        lambda e: _maths().expected_noisy_loss(e["theta"], e["X"], e["y"], e["sigma"]),
        aliases={"x": "X"}, tall=_NOISY_TALL,
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
        lambda e: (_maths().expected_noisy_loss(e["theta"], e["X"], e["y"], e["sigma"])
                   - _maths().squared_loss(e["theta"], e["X"], e["y"])),
        aliases={"x": "X"}, tall=_NOISY_TALL,
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
        lambda e: _maths().ridge_gradient(e["theta"], e["X"], e["y"], e["sigma"]),
        aliases={"x": "X"}, tall=_NOISY_TALL,
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
        lambda e: _maths().ridge_minimiser(e["X"], e["y"], e["sigma"]),
        aliases={"x": "X"}, tall=_NOISY_TALL,
        variants=(Variant("the regulariser is σ²I where Nσ²I is expected (the factor N is missing)", "missing_N",
                          "solve(X.T @ X + sigma**2 * I, X.T @ y)"),
                  Variant("the least-squares solution: the regulariser Nσ²I is missing", "missing_regulariser",
                          "solve(X.T @ X, X.T @ y)")),
        sigma_power=2,
    ),
)
