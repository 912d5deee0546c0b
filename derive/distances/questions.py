"""The question on all-pairs squared distances, expanded as ‖x‖² + ‖z‖² − 2xᵀz."""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.instances import uniform
from derive.answers.questions import Question, SymbolSpec as S, Term

__all__ = ["QUESTIONS"]


def _maths() -> Any:
    import derive.distances.maths as maths

    return maths


def _distance_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    return {"X": uniform(rng, s["A"], s["n"]), "Z": uniform(rng, s["B"], s["n"])}


QUESTIONS: tuple[Question, ...] = (
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
        {"A": (1, 16), "B": (1, 16), "n": (1, 14)}, _distance_data,
        lambda e: _maths().squared_distances(e["X"], e["Z"]),
        aliases={"x": "X", "z": "Z"}, tall={"A": 200, "B": 200, "n": 240},
        terms=(Term("the ‖x⁽ᵃ⁾‖² term", "outer(sum(X**2, axis=1), ones(B))"),
               Term("the ‖z⁽ᵇ⁾‖² term", "outer(ones(A), sum(Z**2, axis=1))"),
               Term("the cross term −2XZᵀ", "X @ Z.T", -2)),
    ),
)
