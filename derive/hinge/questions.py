"""The questions on the mean hinge loss: its gradients in w and b (away from the kink)."""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.instances import uniform
from derive.answers.questions import Question, SymbolSpec as S, Variant

__all__ = ["QUESTIONS"]


def _maths() -> Any:
    import derive.hinge.maths as maths

    return maths


def _hinge_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    K, n = s["K"], s["n"]
    while True:  # stay away from the kink (margin exactly 1), where the gradient is a choice
        X, w, b = uniform(rng, K, n), uniform(rng, n, low=-1, high=1), float(uniform(rng, low=-1, high=1))
        y = rng.choice([-1.0, 1.0], size=K)
        if np.all(np.abs(y * (X @ w + b) - 1.0) > 1e-3):
            return {"X": X, "w": w, "b": b, "y": y}


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
        "hinge.grad_w", "∇_w L of the mean hinge loss L(w, b) = (1/K) Σᵢ max(0, 1 − y⁽ⁱ⁾(wᵀx⁽ⁱ⁾ + b))",
        _HINGE, ("n",),
        {"numpy": f"-X.T @ (y * {_ACTIVE}) / K",
         "index": "1/K * sum_i -1{y_i * (x_i @ w + b) < 1} * y_i * x_i",
         "latex": r"\frac{1}{K}\sum_{i=1}^{K} -\mathbb{1}\{y^{(i)}(x^{(i)\top} w + b) < 1\} y^{(i)} x^{(i)}"},
        _HINGE_SIZES, _hinge_data,
        lambda e: _maths().hinge_grad_w(e["w"], e["b"], e["X"], e["y"]),
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
        lambda e: _maths().hinge_grad_b(e["w"], e["b"], e["X"], e["y"]),
        aliases={"x": "X"},
        variants=(Variant("the indicator 1{margin < 1} is missing", "missing_indicator", "-sum(y) / K"),
                  Variant("the indicator's inequality is reversed (1{margin > 1})", "reversed_indicator",
                          "-sum(y * (y * (X @ w + b) > 1)) / K"),
                  Variant("the indicator tests the score wᵀx + b, not the margin y(wᵀx + b)", "score_not_margin",
                          "-sum(y * ((X @ w + b) < 1)) / K")),
    ),
)
