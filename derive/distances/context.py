r"""What ``gradproof check-derivation --problem distances`` knows: the squared distances of problem 2.

Two feature vectors :math:`x, z` (written without a sample index), the data
matrices :math:`X` (rows :math:`x^{(a)}`) and :math:`Z` (rows :math:`z^{(b)}`),
and :math:`D`, the matrix of Euclidean distances :math:`D_{a,b} = \|x^{(a)} - z^{(b)}\|`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.derivation.context import Context, Definition, Symbol

__all__ = ["CONTEXT"]


def _data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    A, B, n = s["A"], s["B"], s["n"]
    return {"X": rng.uniform(-2, 2, (A, n)), "Z": rng.uniform(-2, 2, (B, n)), "x1": rng.uniform(-2, 2, n),
            "z1": rng.uniform(-2, 2, n)}


CONTEXT = Context(
    key="distances",
    title="Squared Euclidean distances by expansion",
    symbols=(
        Symbol("X", ("A", "n"), "the test points, one row x^{(a)} per point", ("X", "x")),
        Symbol("Z", ("B", "n"), "the training points, one row z^{(b)} per point", ("Z", "z")),
        Symbol("x1", ("n",), "a feature vector x (written without a sample index)", ()),
        Symbol("z1", ("n",), "a feature vector z (written without a sample index)", ()),
    ),
    sizes={"A": "number of test points", "B": "number of training points", "n": "number of features"},
    small={"A": (1, 2), "B": (1, 2), "n": (1, 2)},
    wide={"A": (3, 20), "B": (3, 20), "n": (3, 30)},
    make_data=_data,
    definitions=(
        Definition("D", ("D",), "sqrt(sum((X[:, None, :] - Z[None, :, :])**2, axis=-1))",
                   "D: the (A, B) matrix of distances D_{a,b} = ‖x^{(a)} − z^{(b)}‖"),
    ),
    terms=(
        Definition("t_cross", ("2xᵀz",), "2 * x1 @ z1", ""),
        Definition("t_cross_ab", ("2x^{(a)ᵀ}z^{(b)}",), "2 * X[a_] @ Z[b_]", "", subscripts=("a_", "b_")),
        Definition("t_cross_matrix", ("2XZᵀ",), "2 * X @ Z.T", ""),
        Definition("t_xx", ("‖x‖²",), "x1 @ x1", ""),
        Definition("t_zz", ("‖z‖²",), "z1 @ z1", ""),
        Definition("t_xx_a", ("‖x^{(a)}‖²",), "X[a_] @ X[a_]", "", subscripts=("a_",)),
        Definition("t_zz_b", ("‖z^{(b)}‖²",), "Z[b_] @ Z[b_]", "", subscripts=("b_",)),
    ),
    bare={"x": "x1", "z": "z1"},
    sample_subscript=False,
)
