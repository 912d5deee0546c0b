r"""What ``gradproof check-derivation --problem svm`` knows: the multiclass SVM loss.

:math:`L(W) = \frac{1}{N}\sum_i \sum_{j \ne y_i} \max(0, s_{ij} - s_{i,y_i} + \Delta) + \lambda\|W\|_F^2`
with scores :math:`S = XW` (:math:`s_{ij} = x_i^\top w_j`, :math:`w_j` the column j of W),
:math:`\Delta = 1`.  Away from the kinks (a margin of exactly 0) every derivative is the
gradient; at a kink any subgradient is accepted.  ``\nabla_W`` differentiates; a
derivative with respect to one column ``w_k`` is not supported yet (write it with ``\nabla_W``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.derivation.context import Context, Definition, Symbol

__all__ = ["CONTEXT"]


def _data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    N, D, C = s["N"], s["D"], s["C"]
    y = rng.integers(0, C, size=N)
    return {"X": rng.uniform(-2, 2, (N, D)), "W": rng.uniform(-1, 1, (D, C)), "y": y, "Y": np.eye(C)[y],
            "reg": float(rng.uniform(0.1, 2.0))}


_SCORES = "X @ W"
_MARGINS = f"({_SCORES} - sum(({_SCORES}) * Y, axis=1)[:, None] + 1)"

CONTEXT = Context(
    key="svm",
    title="Multiclass SVM loss and its subgradient",
    symbols=(
        Symbol("X", ("N", "D"), "inputs, one sample x_i per row", ("X", "x")),
        Symbol("y", ("N",), "labels y_i", ("y",), "label"),
        Symbol("W", ("D", "C"), "weights, one column w_j per class", ("W",)),
        Symbol("Y", ("N", "C"), "one-hot labels, Y_{ij} = 1{y_i = j}", ("Y",), "constant"),
        Symbol("reg", (), "the regularisation strength λ", (r"\lambda",)),
    ),
    sizes={"N": "number of samples", "D": "number of features", "C": "number of classes"},
    small={"N": (1, 2), "D": (1, 2), "C": (2, 3)},
    wide={"N": (4, 30), "D": (3, 15), "C": (3, 10)},
    make_data=_data,
    definitions=(
        Definition("wcol", ("w",), "W[:, k_]", "w_j: the column j of W", subscripts=("k_",)),
        Definition("S", ("S",), _SCORES, "the scores S = XW, s_ij = x_iᵀw_j"),
        Definition("Delta", (r"\Delta",), "1", "the margin Δ = 1"),
        Definition("L", ("L",), f"mean(sum(maximum(0, {_MARGINS}) * (1 - Y), axis=1)) + reg * sum(W**2)",
                   "the loss L(W) = (1/N) Σ_i Σ_{j≠y_i} max(0, s_ij − s_{i,y_i} + Δ) + λ‖W‖²_F"),
    ),
    label_size="C",
    kink="a margin s_ij − s_{i,y_i} + Δ = 0",
)
