"""The questions on the mean hinge loss: its gradients in w and b (checked exactly near the kink)."""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.instances import kink_offset, uniform
from derive.answers.questions import Question, SymbolSpec as S, Variant

__all__ = ["QUESTIONS"]


def _maths() -> Any:
    import derive.hinge.maths as maths

    return maths


def _hinge_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    K, n = s["K"], s["n"]
    X, w, b = uniform(rng, K, n), uniform(rng, n, low=-1, high=1), float(uniform(rng, low=-1, high=1))
    return {"X": X, "w": w, "b": b, "y": rng.choice([-1.0, 1.0], size=K)}


def _near_the_kink(env: dict[str, Any], rng: np.random.Generator) -> None:
    """Exact data with most margins at 1 ± 2⁻ᵏ (k up to 4000: :func:`kink_offset`), so a shifted threshold shows.

    The last coordinate of a sample x is solved for so that y (wᵀx + b) = 1 ± 2⁻ᵏ exactly.
    A margin of exactly 1 is never drawn: there the gradient does not exist and any
    subgradient (``< 1`` or ``<= 1``) is right.
    """
    import sympy as sp

    X, w, b, y = env["X"], env["w"], env["b"], env["y"]
    if w[-1] == 0:
        w[-1] = sp.Rational(1, 3)
    for i in range(X.shape[0]):
        if rng.random() < 0.25:
            continue  # a generic margin
        margin = 1 + kink_offset(rng)
        rest = sum((X[i, t] * w[t] for t in range(X.shape[1] - 1)), sp.Integer(0))
        X[i, -1] = (margin / y[i] - b - rest) / w[-1]


_HINGE = (
    S("X", ("K", "n"), "inputs, one sample per row"), S("y", ("K",), "labels in {-1, +1}"),
    S("w", ("n",), "weights"), S("b", (), "bias"),
    S("K", (), "number of samples", "size"), S("n", (), "number of features", "size"),
    S("i", ("K",), "sample index, bound in sums (0..K-1)", "bound"),
    S("j", ("K",), "sample index, bound in sums (0..K-1)", "bound"),
)
_HINGE_SIZES = {"K": (1, 24), "n": (1, 14)}
_HINGE_FLAGS: dict[str, Any] = {"tall": {"K": 240, "n": 240}, "case_split": True, "exact_adjust": _near_the_kink}
_ACTIVE = "(y * (X @ w + b) < 1)"


QUESTIONS: tuple[Question, ...] = (
    Question(
        "hinge.grad_w", "∇_w L of the mean hinge loss L(w, b) = (1/K) Σᵢ max(0, 1 − y⁽ⁱ⁾(wᵀx⁽ⁱ⁾ + b))",
        _HINGE, ("n",),
        {"numpy": f"-X.T @ (y * {_ACTIVE}) / K",
         "index": "1/K * sum_i -1{y_i * (x_i @ w + b) < 1} * y_i * x_i",
         "latex": r"\frac{1}{K}\sum_{i=1}^{K} -\mathbb{1}\{y^{(i)}(x^{(i)\top} w + b) < 1\} y^{(i)} x^{(i)}"},
        _HINGE_SIZES, _hinge_data,
        lambda e: _maths().hinge_grad_w(e["w"], e["b"], e["X"], e["y"]),
        aliases={"x": "X"}, **_HINGE_FLAGS,
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
        lambda e: _maths().hinge_grad_b(e["w"], e["b"], e["X"], e["y"]),
        aliases={"x": "X"}, **_HINGE_FLAGS,
        variants=(Variant("the indicator 1{margin < 1} is missing", "missing_indicator", "-sum(y) / K"),
                  Variant("the indicator's inequality is reversed (1{margin > 1})", "reversed_indicator",
                          "-sum(y * (y * (X @ w + b) > 1)) / K"),
                  Variant("the indicator tests the score wᵀx + b, not the margin y(wᵀx + b)", "score_not_margin",
                          "-sum(y * ((X @ w + b) < 1)) / K")),
    ),
)
