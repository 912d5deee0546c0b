r"""What ``gradproof check-derivation --problem svm`` knows: the multiclass SVM of problem 6.

Scores :math:`s_{i,j} = x_i^\top w_j` (:math:`X` of shape (N, D), :math:`W` of shape (D, C), :math:`w_j` its
column j), margins :math:`m_{i,j} = s_{i,j} - s_{i,y_i} + 1` and the loss
:math:`L(W) = \frac1N \sum_i \sum_{j \ne y_i} \max(0, m_{i,j}) + \lambda \|W\|_F^2` (the sum over
:math:`j \ne y_i` written with the factor :math:`1 - \mathbb{1}\{j = y_i\}`).  At a kink (a margin of
exactly 0) any subgradient is accepted, so ``> 0`` and ``\ge 0`` in the indicator both follow.
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
            "lam": float(rng.uniform(0.1, 2)), "h": float(rng.uniform(0, 1))}


_MARGIN = "X[i_] @ W[:, j_] - X[i_] @ W[:, y[i_]] + 1"
#: the active margins A (N, C): 1{m_ij > 0} off the true class
_ACTIVE = "((((X @ W).T - sum((X @ W) * Y, axis=1)).T + 1 > 0) * (1 - Y))"

_M = f"{_ACTIVE} - (Y.T * sum({_ACTIVE}, axis=1)).T"
#: Y scaled by each sample's count of active margins: entry (i, y_i) is count_i
_COUNT = f"(Y.T * sum({_ACTIVE}, axis=1)).T"

CONTEXT = Context(
    key="svm",
    title="Multiclass SVM loss and its subgradient",
    symbols=(
        Symbol("X", ("N", "D"), "inputs, one sample x_i per row", ("X", "x")),
        Symbol("y", ("N",), "labels y_i (classes counted from 1 or 0, as the sums are)", ("y",), "label"),
        Symbol("W", ("D", "C"), "weights, one column w_j per class", ("W",)),
        Symbol("lam", (), "the regularisation strength λ (reg)", (r"\lambda", "λ")),
        Symbol("h", (), "the subgradient's value at a kink, any h in [0, 1]", ("h",)),
        Symbol("Y", ("N", "C"), "one-hot labels, Y_{i,j} = 1{y_i = j}", ("Y",), "constant"),
    ),
    sizes={"N": "number of samples", "D": "number of features", "C": "number of classes"},
    small={"N": (1, 2), "D": (1, 2), "C": (2, 3)},
    wide={"N": (4, 30), "D": (3, 12), "C": (3, 10)},
    make_data=_data,
    definitions=(
        Definition("wcol", ("w",), "W[:, j_]", "w_j: column j of W, the weights of class j", subscripts=("j_",)),
        Definition("M", ("M",), _M,
                   "the mask M (N, C): M_{i,j} = 1{m_{i,j} > 0} for j ≠ y_i, M_{i,y_i} = −Σ_{j≠y_i} 1{m_{i,j} > 0}"),
        Definition("Delta", (r"\Delta",), "1", "the margin Δ = 1"),
        Definition("ell", (r"\ell",), f"maximum(0, {_MARGIN}) / N",
                   "ℓ_{i,j}: pair (i, j)'s term of the loss, (1/N) max(0, m_{i,j})", subscripts=("i_", "j_")),
        Definition("H", ("H",), "1{z_ > 0}", "the Heaviside step H_h(z) (h: its value at the kink z = 0)",
                   params=("z_",), subscripts=("h_",), param_ndims={"z_": 0}),
        Definition("s", ("s",), "X[i_] @ W[:, j_]", "the score s_{i,j} = x_iᵀw_j", subscripts=("i_", "j_")),
        Definition("m", ("m",), _MARGIN, "the margin m_{i,j} = s_{i,j} − s_{i,y_i} + 1", subscripts=("i_", "j_")),
        Definition("L", ("L",), f"sum(i_, sum(j_, (1 - 1{{j_ == y[i_]}}) * maximum(0, {_MARGIN}))) / N "
                   "+ lam * sum(W ** 2)",
                   "the loss L(W) = (1/N) Σ_i Σ_{j≠y_i} max(0, m_{i,j}) + λ‖W‖²_F", params=("W",), param_ndims={"W": 2},
                   bound={"i_": "N", "j_": "C"}),
    ),
    terms=(
        Definition("t_reg", ("2λW",), "2 * lam * W", ""),
        Definition("t_reg_col", ("2λ w_j",), "2 * lam * W[:, j_]", "", subscripts=("j_",)),
        Definition("t_data", ("(1/N) XᵀM",), f"X.T @ ({_M}) / N", ""),
        Definition("t_data_col", ("(1/N) Σ_i M_{i,j} x_i",), f"(X.T @ ({_M}))[:, j_] / N", "", subscripts=("j_",)),
        Definition("t_true", ("(1/N) XᵀY",), "X.T @ Y / N", ""),
        Definition("t_true_col", ("(1/N) Σ_i 1{y_i = j} x_i",), "(X.T @ Y)[:, j_] / N", "", subscripts=("j_",)),
        Definition("t_one", ("Δ",), "1", ""),
        Definition("t_count", ("(1/N) Σ_i 1{y_i = j} count_i x_i",), f"X.T @ {_COUNT} / N", ""),
        Definition("t_count_col", ("(1/N) Σ_i 1{y_i = j} count_i x_i",), f"(X.T @ {_COUNT})[:, j_] / N", "",
                   subscripts=("j_",)),
    ),
    term_hints={
        "t_one": {-1.0: "true_class_counted: the term j = y_i is counted in the sum over classes: it adds "
                        "max(0, Δ) = Δ = 1 to the loss (the sum runs over j ≠ y_i)"},
        **{t: {0.5: "reg_factor: the regularisation term's gradient is λW where 2λW is expected: the factor 2 of "
                    "∇‖W‖² = 2W is missing",
               1.0: "missing_term: missing term: the regularisation gradient 2λW"} for t in ("t_reg", "t_reg_col")},
        **{t: {1.0: "true_class_counted: the true class is counted in the sum over classes (j = y_i is not "
                    "excluded; its margin is always Δ = 1 > 0, which adds x_i/N to the true class's column)"}
           for t in ("t_true", "t_true_col")},
        **{t: {-1.0: "missing_term: missing term: −count_i·x_i for the true class (the true class's score is in "
                    "every margin of sample i)"} for t in ("t_count", "t_count_col")},

    },
    homework={"C": 10},
    label_size="C",
    parameters=("W",),
    kink="a margin m_{i,j} = 0 (j ≠ y_i)",
)
