"""The questions on the multiclass SVM: the per-class subgradient, its matrix form, the loss at W = 0.

The known mistakes (declared as :class:`~derive.answers.questions.Variant` s, so that a wrong
answer is named): counting the true class in the sum over j (its margin is Δ > 0, so it is
always "active" and the true class's count gains 1), forgetting the −count·xᵢ term of the
true class, the missing 1/N, the regulariser's gradient without its factor 2.  The
indicator with ≥ instead of > is *not* a mistake: it takes the value 1 at a margin of exactly
0, which is another point of the subdifferential (steps ``subdiff`` and ``grad`` of the
derivation); the float instances keep every margin away from 0, where the two agree, and the
exact instances put margins at 0 ± 2⁻ᵏ but never at 0, so it is accepted — while a threshold
moved off 0 (``m > 2**-60``, ``m > -1e-300``) is not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.instances import concrete, kink_offset, positive_scale, uniform
from derive.answers.questions import Question, SymbolSpec as S, Term, Variant

__all__ = ["QUESTIONS", "KINK_CLEARANCE"]

#: float instances keep every margin at least this far from 0, where ≥ and > (any kink value) agree;
#: thresholds near the kink are checked on exact instances with margins at 0 ± 2⁻ᵏ (_near_the_kink)
KINK_CLEARANCE = 1e-9


def _functions() -> Any:
    import derive.svm.functions as functions

    return functions


def _maths() -> Any:
    import derive.svm.maths as maths

    return maths


def _svm_data(s: dict[str, int], rng: np.random.Generator) -> dict[str, Any]:
    N, D, C = s["N"], s["D"], s["C"]
    while True:  # away from the kinks (a margin of exactly 0), where the subgradient is a choice
        X, W = uniform(rng, N, D), uniform(rng, D, C, low=-1, high=1)
        y = rng.integers(0, C, size=N)
        S_ = X @ W
        margins = S_ - S_[np.arange(N), y][:, None] + 1.0
        margins[np.arange(N), y] = 1.0
        if np.all(np.abs(margins) > KINK_CLEARANCE):
            return {"X": X, "W": W, "y": y, "reg": positive_scale(rng), "S": S_,
                    "Y": np.eye(C)[y], "m": S_ - S_[np.arange(N), y][:, None] + 1.0, "k": int(rng.integers(0, C))}


def _near_the_kink(env: dict[str, Any], rng: np.random.Generator) -> None:
    """Exact data with one margin per sample at 0 ± 2⁻ᵏ (k up to 4000: :func:`kink_offset`), so a shifted
    threshold shows.

    The last coordinate of a sample x is solved for so that m_ij = s_ij − s_(i,yᵢ) + 1 = ±2⁻ᵏ exactly
    for one class j ≠ yᵢ; S and m are then recomputed exactly.  A margin of exactly 0 is never drawn:
    there ``>`` and ``>=`` are both subgradients.
    """
    import sympy as sp

    X, W, y = env["X"], env["W"], env["y"]
    N, C = X.shape[0], W.shape[1]
    for i in range(N):
        if rng.random() < 0.25:
            continue  # a generic sample
        yi = int(y[i])
        j = int(rng.choice([c for c in range(C) if c != yi]))
        slope = W[-1, j] - W[-1, yi]
        if slope == 0:
            continue
        target = kink_offset(rng)
        rest = sum((X[i, t] * (W[t, j] - W[t, yi]) for t in range(X.shape[1] - 1)), sp.Integer(0))
        X[i, -1] = (target - 1 - rest) / slope
    S_ = X @ W
    env["S"] = S_
    env["m"] = S_ - np.array([[S_[i, int(y[i])]] for i in range(N)], dtype=object) + 1


def _initial_loss_symbolic(env: dict[str, Any]) -> Any:
    return concrete(_maths().derivation().step("initial-loss").rhs.subs(_maths().DELTA, 1), env)


_SVM = (
    S("X", ("N", "D"), "inputs, one sample per row"), S("y", ("N",), "labels in 0..C-1"),
    S("W", ("D", "C"), "weights, one column w_k per class"), S("reg", (), "regularisation strength λ"),
    S("S", ("N", "C"), "scores S = X @ W, S[i, j] = s_ij", "derived"),
    S("Y", ("N", "C"), "one-hot labels, Y[i, j] = 1{y_i = j}", "derived"),
    S("m", ("N", "C"), "margins m[i, j] = S[i, j] - S[i, y_i] + 1 (the true class's is 1)", "derived"),
    S("N", (), "number of samples", "size"), S("D", (), "number of features", "size"),
    S("C", (), "number of classes", "size"),
    S("i", ("N",), "sample index, bound in sums (0..N-1)", "bound"),
    S("j", ("C",), "class index, bound in sums (0..C-1)", "bound"),
)
_SIZES = {"N": (1, 8), "D": (1, 6), "C": (2, 5)}  # the index forms nest two sums: bounded by the work budget
_FLAGS: dict[str, Any] = {"tall": {"N": 240, "D": 240, "C": 30}, "case_split": True, "exact_adjust": _near_the_kink}
_CLASS_K = S("k", ("C",), "class index (given)", "index")
_ENTRY_DK = (S("d", ("D",), "feature index: with k, an answer using d and k is the entry (d, k), stacked over "
                             "d = 0..D-1 (rows)", "stacked"),
             S("k", ("C",), "class index: the column, stacked over k = 0..C-1", "stacked"))

#: the active mask A_ij = 1{m_ij > 0} for j ≠ y_i (margins m_ij = s_ij − s_(i,y_i) + Δ, Δ = 1)
_ACTIVE = "((m > 0) * (1 - Y))"
_ALL = "(m > 0)"  # the true class counted too: its margin is 1 > 0
_MASK = f"({_ACTIVE} - Y * sum({_ACTIVE}, axis=1, keepdims=1))"
_MASK_TRUE_COUNTED = f"({_ACTIVE} - Y * sum({_ALL}, axis=1, keepdims=1))"


def _column(mask: str, scale: str = " / N", reg: str = "2 * reg * W[:, k]") -> str:
    return f"X.T @ {mask}[:, k]{scale} + {reg}"


def _matrix(mask: str, scale: str = " / N", reg: str = "2 * reg * W") -> str:
    return f"X.T @ {mask}{scale} + {reg}"


_GEQ = "≥ instead of >"

QUESTIONS: tuple[Question, ...] = (
    Question(
        "svm.grad_w_k",
        "∇_{w_k} L, the subgradient of the multiclass SVM loss L = (1/N) Σᵢ Σ_{j≠yᵢ} max(0, sᵢⱼ − s_{i,yᵢ} + 1) "
        "+ reg‖W‖²_F for the weights of one class k (column k of W; margins > 0 active)",
        _SVM + (_CLASS_K,), ("D",),
        {"numpy": _column(_MASK),
         "index": "1/N * sum_i ((1 - 1{y_i = k}) * 1{m[i, k] > 0} - 1{y_i = k} * "
                  "sum_j (1 - 1{y_i = j}) * 1{m[i, j] > 0}) * x_i + 2 * reg * W[:, k]",
         "latex": r"\frac{1}{N}\sum_{i=1}^{N}\left(\left(1 - \mathbb{1}\{y_i = k\}\right)\mathbb{1}\{m_{i,k} > 0\} - "
                  r"\mathbb{1}\{y_i = k\}\sum_{j=1}^{C}\left(1 - \mathbb{1}\{y_i = j\}\right)\mathbb{1}\{m_{i,j} > 0\}"
                  r"\right) x_i + 2 r \left(W^\top\right)_{k}"},
        _SIZES, _svm_data,
        lambda e: _functions().svm_grad(e["W"], e["X"], e["y"], e["reg"])[:, e["k"]],
        aliases={"x": "X", "r": "reg"}, **_FLAGS,
        terms=(Term("the other classes' term Σᵢ 1{k ≠ yᵢ} 1{m_ik > 0} xᵢ / N", f"X.T @ {_ACTIVE}[:, k] / N"),
               Term("the true class's term −Σᵢ 1{yᵢ = k} (Σ_{j≠yᵢ} 1{m_ij > 0}) xᵢ / N",
                    f"X.T @ (Y * sum({_ACTIVE}, axis=1, keepdims=1))[:, k] / N", -1),
               Term("the regulariser's term 2·reg·w_k", "reg * W[:, k]", 2)),
        variants=(
            Variant("the true class is counted in the sum over j (its margin is Δ = 1 > 0, so its count is one "
                    "too many)", "true_class_counted", _column(_MASK_TRUE_COUNTED)),
            Variant("the true class's term −(Σ_{j≠yᵢ} 1{m_ij > 0}) xᵢ is missing", "missing_true_class_term",
                    _column(_ACTIVE)),
            Variant("the 1/N of the mean is missing", "missing_mean", _column(_MASK, scale="")),
            Variant("the regulariser's gradient lacks its factor 2 (∇ reg‖W‖² = 2·reg·W)", "reg_without_2",
                    _column(_MASK, reg="reg * W[:, k]")),
        ),
    ),
    Question(
        "svm.grad_W",
        "∇_W L in matrix form, (D, C): X.T @ M / N + 2·reg·W with the mask M written out "
        "(M_ij = 1{m_ij > 0} for j ≠ yᵢ, M_{i,yᵢ} = −Σ_{j≠yᵢ} 1{m_ij > 0})",
        _SVM + _ENTRY_DK, ("D", "C"),
        {"numpy": _matrix(_MASK),
         "index": "1/N * sum_i ((1 - 1{y_i = k}) * 1{m[i, k] > 0} - 1{y_i = k} * "
                  "sum_j (1 - 1{y_i = j}) * 1{m[i, j] > 0}) * X[i, d] + 2 * reg * W[d, k]",
         "latex": r"\frac{1}{N}\sum_{i=1}^{N}\left(\left(1 - \mathbb{1}\{y_i = k\}\right)\mathbb{1}\{m_{i,k} > 0\} - "
                  r"\mathbb{1}\{y_i = k\}\sum_{j=1}^{C}\left(1 - \mathbb{1}\{y_i = j\}\right)\mathbb{1}\{m_{i,j} > 0\}"
                  r"\right) X_{i,d} + 2 r W_{d,k}"},
        _SIZES, _svm_data,
        lambda e: _functions().svm_grad(e["W"], e["X"], e["y"], e["reg"]),
        aliases={"x": "X", "r": "reg"}, **_FLAGS,
        terms=(Term("the other classes' term XᵀA/N (A: the active margins)", f"X.T @ {_ACTIVE} / N"),
               Term("the true class's term −Xᵀ(Y ⊙ row counts)/N",
                    f"X.T @ (Y * sum({_ACTIVE}, axis=1, keepdims=1)) / N", -1),
               Term("the regulariser's term 2·reg·W", "reg * W", 2)),
        variants=(
            Variant("the true class is counted in the sum over j (its margin is Δ = 1 > 0, so its count is one "
                    "too many)", "true_class_counted", _matrix(_MASK_TRUE_COUNTED)),
            Variant("the true class's entries −(Σ_{j≠yᵢ} 1{m_ij > 0}) of the mask are missing",
                    "missing_true_class_term", _matrix(_ACTIVE)),
            Variant("the 1/N of the mean is missing", "missing_mean", _matrix(_MASK, scale="")),
            Variant("the regulariser's gradient lacks its factor 2 (∇ reg‖W‖² = 2·reg·W)", "reg_without_2",
                    _matrix(_MASK, reg="reg * W")),
        ),
    ),
    Question(
        "svm.initial_loss", "the SVM loss at W = 0 with C classes and Δ = 1 (why the first loss is about C − 1)",
        (S("C", (), "number of classes", "size"), S("j", ("C",), "class index, bound in sums (0..C-1)", "bound")),
        (),
        {"numpy": "C - 1", "index": "C - 1", "latex": r"C - 1"},
        {"C": (2, 2000)}, lambda s, rng: {},
        lambda e: _functions().initial_loss(e["C"]),
        variants=(Variant("the true class is counted in the sum over j: its margin is Δ = 1, one more per sample",
                          "true_class_counted", "C"),
                  Variant("log C is the softmax's initial loss, not the SVM's", "softmax_loss", "log(C)")),
        symbolic=_initial_loss_symbolic,
    ),
)
