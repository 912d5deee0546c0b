r"""What ``gradproof check-derivation --problem hinge`` knows: the hinge loss of problem 4.

:math:`L(w, b) = \frac{1}{K}\sum_i \max(0, 1 - y^{(i)}(w^\top x^{(i)} + b))` with labels
:math:`y^{(i)} \in \{-1, +1\}`.  Away from the kink every derivative is the gradient;
at the kink (margin exactly 1) any subgradient is accepted, so ``<`` and ``\le`` in
the indicator both follow — such a line says it relies on that choice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.derivation.context import Context, Definition, Symbol

__all__ = ["CONTEXT"]


def _data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    K, n = s["K"], s["n"]
    return {"X": rng.uniform(-2, 2, (K, n)), "y": rng.choice([-1.0, 1.0], size=K), "w": rng.uniform(-1, 1, n),
            "b": float(rng.uniform(-1, 1)), "h": float(rng.uniform(0, 1))}


CONTEXT = Context(
    key="hinge",
    title="Hinge loss and its subgradients",
    symbols=(
        Symbol("X", ("K", "n"), "inputs, one sample x^{(i)} per row", ("X", "x")),
        Symbol("y", ("K",), "labels y^{(i)} in {-1, +1}", ("y",)),
        Symbol("w", ("n",), "weights", ("w",)),
        Symbol("b", (), "bias", ("b",)),
        Symbol("h", (), "the subgradient's value at the kink, any h in [0, 1]", ("h",)),
    ),
    sizes={"K": "number of samples", "n": "number of features"},
    small={"K": (1, 2), "n": (1, 2)},
    wide={"K": (4, 40), "n": (3, 15)},
    make_data=_data,
    definitions=(
        Definition("L", ("L",), "mean(maximum(0, 1 - y * (X @ w + b)))",
                   "the hinge loss L(w, b) = (1/K) Σ_i max(0, 1 − y^{(i)}(wᵀx^{(i)} + b))", params=("w", "b"),
                   param_ndims={"b": 0}),
        Definition("ell", (r"\ell",), "maximum(0, 1 - y[i_] * (X[i_] @ w + b)) / K",
                   "ℓ_i: sample i's term of the loss, (1/K) max(0, 1 − p_i)", subscripts=("i_",)),
        Definition("p", ("p",), "y[i_] * (X[i_] @ w + b)", "the margin p_i = y^{(i)}(wᵀx^{(i)} + b)",
                   subscripts=("i_",)),
        Definition("H", ("H",), "1{z_ > 0}", "the Heaviside step H_h(z) (h: its value at the kink z = 0)",
                   params=("z_",), subscripts=("h_",), param_ndims={"z_": 0}),
    ),
    parameters=("b", "w"),
    kink="the margin y^{(i)}(w^T x^{(i)} + b) = 1",
)
