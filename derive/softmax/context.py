r"""What ``gradproof check-derivation --problem softmax`` knows: the symbols and definitions of problems 3 and 5.

:math:`\operatorname{softmax}_i(x) = e^{b_i + w_i^\top x} / \sum_k e^{b_k + w_k^\top x}`
(also written :math:`\sigma_i(x)`), :math:`P(y \mid x, \theta) = \operatorname{softmax}_y(x)`,
the log-likelihood :math:`\mathcal{L} = \sum_j \log P(y^{(j)} \mid x^{(j)}, \theta)`, the mean
loss :math:`L(\theta) = -\mathcal{L}/m`, the matrices :math:`P` (probabilities) and
:math:`Y` (one-hot labels).  Classes are counted by ``c`` (``C`` is read as ``c``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.ast_nodes import Name, Num
from derive.answers.derivation.context import Context, Definition, Symbol
from derive.answers.derivation.nodes import Concat

__all__ = ["CONTEXT"]


def _data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    m, n, c = s["m"], s["n"], s["c"]
    y = rng.integers(0, c, size=m)
    return {"X": rng.uniform(-2, 2, (m, n)), "W": rng.uniform(-1, 1, (c, n)), "b": rng.uniform(-1, 1, c),
            "y": y, "Y": np.eye(c)[y], "theta": 0.0, "n1": n + 1}


_LOGLIK = "sum(j_, log(softmax(W @ X[j_] + b)[y[j_]]))"

CONTEXT = Context(
    key="softmax",
    title="Softmax log-likelihood and its gradients",
    symbols=(
        Symbol("X", ("m", "n"), "inputs, one sample x^{(j)} per row", ("X", "x")),
        Symbol("y", ("m",), "labels y^{(j)} (classes counted from 1 or 0, as the sums are)", ("y",), "label"),
        Symbol("W", ("c", "n"), "weights, one row w_i per class", ("W", "w")),
        Symbol("b", ("c",), "biases b_i", ("b",)),
        Symbol("Y", ("m", "c"), "one-hot labels, Y_{j,i} = 1{y^{(j)} = i}", ("Y",), "constant"),
        Symbol("theta", (), "the parameters (W, b), as the argument of P(y | x, θ)", (r"\theta",), "constant"),
    ),
    sizes={"m": "number of samples", "n": "number of features", "c": "number of classes"},
    small={"m": (1, 2), "n": (1, 2), "c": (2, 3)},
    wide={"m": (4, 30), "n": (3, 14), "c": (3, 10)},
    make_data=_data,
    definitions=(
        Definition("softmax", ("softmax",), "softmax(W @ xv + b)[i_]",
                   "softmax_i(x) = e^{b_i + w_iᵀx} / Σ_k e^{b_k + w_kᵀx} (also σ_i(x))",
                   params=("xv",), subscripts=("i_",)),
        Definition("score", ("a",), "W[i_] @ xv + b[i_]", "the score a_i(x) = b_i + w_iᵀx",
                   params=("xv",), subscripts=("i_",)),
        Definition("P", ("P",), "softmax(X @ W.T + b)", "P: the (m, c) matrix of probabilities, "
                   "P_{j,i} = softmax_i(x^{(j)})", applied="Pcond"),
        Definition("Pcond", (), "softmax(W @ xv + b)[lab]", "P(y | x, θ) = softmax_y(x)",
                   params=("lab", "xv", "th"), param_ndims={"lab": 0, "th": 0}),
        Definition("Xtilde", (r"\tilde{X}", r"\tilde{x}"), "", "the bias trick's inputs x̃ = [x; 1], X̃ = [X 1]",
                   build=lambda: Concat(Name("X"), Num(1))),
        Definition("Wtilde", (r"\tilde{W}", r"\tilde{w}"), "", "the bias trick's weights w̃_i = [w_i; b_i], W̃ = [W b]",
                   build=lambda: Concat(Name("W"), Name("b"))),
        Definition("ell", (r"\ell",), "logsumexp(X @ W.T + b)", "ℓ: each sample's log-sum-exp of its scores"),
        Definition("loglik", (r"\mathcal{L}",), _LOGLIK, "the log-likelihood 𝓛 = Σ_j log P(y^{(j)} | x^{(j)}, θ)",
                   bound={"j_": "m"}),
        Definition("L", ("L",), f"-1 / m * {_LOGLIK}", "the mean loss L(θ) = −𝓛 / m (problem 5)",
                   bound={"j_": "m"}),
    ),
    terms=(
        Definition("t_p_sum", ("Σ_j softmax_i(x^{(j)})",), "sum(j_, softmax(W @ X[j_] + b)[i_])", "",
                   subscripts=("i_",), bound={"j_": "m"}),
        Definition("t_y_sum", ("Σ_j 1{y^{(j)} = i}",), "sum(j_, 1{y[j_] == i_})", "",
                   subscripts=("i_",), bound={"j_": "m"}),
        Definition("t_px_sum", ("Σ_j softmax_i(x^{(j)}) x^{(j)}",), "sum(j_, softmax(W @ X[j_] + b)[i_] * X[j_])",
                   "", subscripts=("i_",), bound={"j_": "m"}),
        Definition("t_yx_sum", ("Σ_j 1{y^{(j)} = i} x^{(j)}",), "sum(j_, 1{y[j_] == i_} * X[j_])", "",
                   subscripts=("i_",), bound={"j_": "m"}),
        Definition("t_PtX", ("PᵀX",), "softmax(X @ W.T + b).T @ X", ""),
        Definition("t_YtX", ("YᵀX",), "Y.T @ X", ""),
        Definition("t_Pt1", ("Pᵀ1",), "sum(softmax(X @ W.T + b), axis=0)", ""),
        Definition("t_Yt1", ("Yᵀ1",), "sum(Y, axis=0)", ""),
    ),
    homework={"c": 10},
    label_size="c",
    sigma_means_softmax=True,
)
