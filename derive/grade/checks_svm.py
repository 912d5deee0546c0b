r"""Checks of the assignment's multiclass SVM (``linear_svm.py``) against :mod:`numerics.linear_svm`.

Two graded units: the module-level functions ``svm_loss_naive(W, X, y, reg)`` and
``svm_loss_vectorized(W, X, y, reg)`` (reported under ``linear_svm``, the assignment's
file; both return ``(loss, dW)`` with ``X`` of shape (N, D) and ``W`` of shape (D, C)),
and the class ``LinearSVM`` (``train`` by SGD, ``predict``).  Each output probe runs a
tiny case first (a minimal failing example), then random and CIFAR-shaped inputs
(100 × 3073, C = 10, the assignment's ``reg`` = 2.5e4).

Notes
-----
With margins :math:`m_{ij} = s_{ij} - s_{i y_i} + \Delta`, :math:`\Delta = 1`, :math:`S = XW`,

.. math::

    L = \frac{1}{N} \sum_i \sum_{j \ne y_i} \max(0, m_{ij}) + \lambda \lVert W \rVert_F^2, \qquad
    \nabla_W L = \frac{1}{N} X^\top M + 2 \lambda W,

:math:`M_{ij} = \mathbb{1}\{m_{ij} > 0\}` (:math:`j \ne y_i`), :math:`M_{i y_i} = -\sum_{j \ne y_i} M_{ij}`.
At a margin of exactly 0 the hinge has a kink and any indicator value in [0, 1] gives a
subgradient; the kink probe (integer data, margins exactly 0) accepts the reference's
``> 0`` and the common ``>= 0`` alike, and says why.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.grade.check import Check, CheckGroup, Evidence, Probe, array_output, call, example, fn, new, npy, put, task_failure
from derive.grade.common import Judge, no_loops_judge, speedup_judge, timed_reference
from derive.grade.diagnose import Verdict, compare, diagnose, fmt, max_relative_error
from derive.grade.training import train_judge, train_probe
from numerics.linear_svm import DELTA, svm_loss_naive, svm_loss_vectorized

__all__ = ["GROUPS", "FUNCTION_CHECKS", "MODEL_CHECKS", "UNIT", "CLS", "svm_mistakes", "svm_reference_ge"]

#: the unit the module-level functions are reported under (the assignment's file name)
UNIT = "linear_svm"
CLS = "LinearSVM"
NAIVE, VEC = "svm_loss_naive", "svm_loss_vectorized"

#: largest accepted relative error of a gradient and of a loss
GRAD_TOL = 1e-6
LOSS_RTOL = 1e-7
#: rows and features of the timing probe (C = 10): many short rows, so that a Python loop's cost per row
#: dominates (at D = 3073 a loop version is only ~5–10× slower than a vectorised one; here 15× and more)
SPEED_N, SPEED_D = 4000, 64
#: the vectorised loss must beat the reference loop by this factor (measured under load: loops dressed as
#: vectorised 1.1–4.3×; vectorised ones 22–130×, their round trip's fixed cost included)
MIN_SPEEDUP = 8.0
#: the assignment's regularisation strength (makes the reg terms as large as the data terms at CIFAR scale)
CIFAR_REG = 2.5e4

Case = tuple[str, str, NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], float]


def _case(name: str, label: str, W: Any, X: Any, y: Any, reg: float) -> Case:
    return name, label, np.asarray(W, dtype=np.float64), np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64), float(reg)


def _tiny() -> Case:
    """N = 3, D = 4, C = 3 (D ≠ C, so a transposed dW shows in its shape); no margin is exactly 0."""
    W = [[0.2, -0.1, 0.0], [0.1, 0.3, -0.2], [-0.3, 0.2, 0.1], [0.05, 0.0, -0.05]]
    X = [[1.0, 2.0, 1.0, 1.0], [0.5, -1.0, 1.0, 1.0], [-1.0, 0.5, 2.0, 1.0]]
    return _case("tiny", "a tiny example (N = 3, D = 4, C = 3, reg = 0.1)", W, X, [0, 2, 1], 0.1)


def _random(rng: np.random.Generator) -> Case:
    return _case("random", "random inputs (N = 15, D = 6, C = 4, reg = 0.05)", rng.standard_normal((6, 4)) * 0.5,
                 rng.standard_normal((15, 6)), rng.integers(0, 4, size=15), 0.05)


def _cifar(rng: np.random.Generator, n: int) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Mean-subtracted pixel rows with a bias column, labels 0..9, W ~ N(0, 1)·1e-4 of shape (D, C)."""
    X = rng.integers(0, 256, size=(n, 3072)).astype(np.float64)
    X -= X.mean(axis=0)
    X = np.hstack([X, np.ones((n, 1))])
    return X, rng.integers(0, 10, size=n).astype(np.int64), rng.standard_normal((3073, 10)) * 1e-4


def _kink(rng: np.random.Generator) -> Case:
    """Integer data whose margins include exact zeros (s_j = s_y − 1): the hinge's kink, where > and ≥ differ."""
    while True:
        W = rng.integers(-2, 3, size=(3, 4)).astype(np.float64)
        X = rng.integers(-2, 3, size=(8, 3)).astype(np.float64)
        y = rng.integers(0, 4, size=8)
        S = X @ W
        m = S - S[np.arange(8), y][:, None] + DELTA
        m[np.arange(8), y] = np.nan
        if (m == 0).sum() >= 3 and (m > 0).sum() >= 3:
            return _case("kink", "integer data with margins exactly 0 (N = 8, D = 3, C = 4, reg = 0.25)", W, X, y, 0.25)


def svm_reference_ge(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64], reg: float) -> tuple[float, NDArray[np.float64]]:
    """Loss and the subgradient whose indicator is ``margin >= 0`` (1 at a kink): as valid as the reference's ``> 0``."""
    n = X.shape[0]
    S = X @ W
    rows = np.arange(n)
    margins = S - S[rows, y][:, None] + DELTA
    margins[rows, y] = -np.inf
    M = (margins >= 0).astype(np.float64)
    M[rows, y] = -M.sum(axis=1)
    loss = float(np.maximum(margins, 0).sum()) / n + reg * float(np.sum(W * W))
    return loss, X.T @ M / n + 2 * reg * W


def svm_mistakes(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64], reg: float) -> tuple[list[tuple[str, float]], list[tuple[str, NDArray[Any]]]]:
    r"""The classic wrong losses and wrong subgradients of the multiclass SVM, each with the message that names it.

    The reference: :math:`L = L_d + \lambda \lVert W \rVert^2`, :math:`G = X^\top M / N + 2\lambda W`.
    """
    n = X.shape[0]
    S = X @ W
    rows = np.arange(n)
    margins = S - S[rows, y][:, None] + DELTA
    margins[rows, y] = 0.0
    pos = (margins > 0).astype(np.float64)
    pos[rows, y] = 0.0
    M = pos.copy()
    M[rows, y] = -pos.sum(axis=1)
    Ld = float(np.maximum(margins, 0).sum()) / n
    R = float(np.sum(W * W))
    Gd, Gpos, GR = X.T @ M / n, X.T @ pos / n, 2 * reg * W
    all_margins = float(margins.sum()) / n
    losses = [
        (f"the loss is Δ = {DELTA:g} too large: the true class j = yᵢ is counted in the sum (its margin is always Δ); "
         "skip it (`if j == y[i]: continue`, or set margins[np.arange(N), y] = 0)", Ld + DELTA + reg * R),
        (f"missing 1/N: the data loss is N = {n} times the reference (a sum over samples, not the mean)", n * Ld + reg * R),
        (f"missing 1/N: the whole loss is N = {n} times the reference", n * (Ld + reg * R)),
        ("the regularisation loss has a factor 0.5 (0.5·reg·‖W‖²); this assignment's loss is reg·‖W‖²_F", Ld + 0.5 * reg * R),
        ("the regularisation loss is missing: add reg·‖W‖²_F (np.sum(W * W))", Ld),
        ("the regularisation loss is doubled (2·reg·‖W‖²); the loss has reg·‖W‖²_F, its gradient 2·reg·W", Ld + 2 * reg * R),
        ("max(0, ·) is missing: negative margins were added to the loss too", all_margins + reg * R),
        ("the loss is the reference times −1 (wrong sign)", -(Ld + reg * R)),
    ]
    base = [
        ("the true class's term is missing: for every positive margin, column yᵢ of dW also gets −xᵢ (it has −count·xᵢ / N in all)",
         Gpos + GR),
        (f"missing 1/N: the data gradient is N = {n} times the reference (a sum over samples, not the mean)", n * Gd + GR),
        (f"missing 1/N: the whole gradient is N = {n} times the reference", n * (Gd + GR)),
        ("the regularisation gradient lacks its factor 2: the derivative of reg·‖W‖² is 2·reg·W, not reg·W", Gd + reg * W),
        ("the regularisation gradient is missing: add 2·reg·W", Gd),
        ("the gradient is the reference times −1 (wrong sign): dW is +Xᵀ M / N + 2·reg·W", -(Gd + GR)),
        ("the gradient's signs are swapped: +count·xᵢ for the true class, −xᵢ for the others", -Gd + GR),
    ]
    grads = list(base)
    G = Gd + GR
    for text, v in [("", G), *base]:
        if v.shape[0] == v.shape[1]:
            label = "transposed: dW equals the reference transposed; dW has W's shape (D, C): Xᵀ M / N, not Mᵀ X / N"
        else:
            label = f"transposed: dW has shape (C, D) = {v.T.shape}; expected (D, C) = {G.shape} like W: Xᵀ M / N, not Mᵀ X / N"
        grads.append((label + (f", and {text}" if text else ""), v.T))
    return losses, grads


def _loss_problem(got: Any, case: Case, ref: float, ref_ge: float) -> str | None:
    """None when the loss matches, else what is wrong, with a diagnosis."""
    _, _, W, X, y, reg = case
    if got is None or got.kind not in ("scalar", "array") or np.asarray(got.value).size != 1:
        what = "nothing" if got is None else (f"an array of shape {np.asarray(got.value).shape}" if got.kind == "array" else str(got.value))
        return f"the loss: expected a float, got {what}"
    value = float(np.asarray(got.value, dtype=np.float64).reshape(()))
    if any(abs(value - r) <= LOSS_RTOL * max(abs(r), 1e-3) for r in (ref, ref_ge)):
        return None
    msg = f"the loss: expected {fmt(ref)}, got {fmt(value)}"
    if not np.isfinite(value):
        return msg + "\nthe loss is NaN or inf"
    diag = diagnose(value, ref, svm_mistakes(W, X, y, reg)[0], rtol=1e-6)
    return msg + (f"\ndiagnosis: {diag}" if diag else "")


def _grad_problem(got: NDArray[Any], case: Case, refs: list[NDArray[Any]]) -> str | None:
    """None when the gradient matches one of ``refs`` (relative error ≤ GRAD_TOL), else what is wrong, with a diagnosis."""
    _, _, W, X, y, reg = case
    ref = refs[0]
    if got.shape == ref.shape and got.dtype.kind in "biuf":
        errors = [max_relative_error(got, r) for r in refs]
        if min(errors) <= GRAD_TOL:  # NaN never passes
            return None
        msg = f"dW: max relative error {fmt(errors[0])} > {GRAD_TOL:g}; {compare(got, ref)}"
    else:
        msg = f"dW: {compare(got, ref)}"
    if got.dtype.kind in "biuf" and got.shape == ref.shape and not np.isfinite(got).all():
        return msg + "\ndW contains NaN or inf"
    diag = diagnose(got, ref, svm_mistakes(W, X, y, reg)[1], rtol=1e-6)
    return msg + (f"\ndiagnosis: {diag}" if diag else "")


def _outputs_probe(function: str, cases: list[Case]) -> Probe:
    steps: list[dict[str, Any]] = []
    arrays: dict[str, Any] = {}
    for name, _, W, X, y, reg in cases:
        arrays.update({f"{name}_W": W, f"{name}_X": X, f"{name}_y": y})
        steps.append(fn(function, npy(f"{name}_W"), npy(f"{name}_X"), npy(f"{name}_y"), reg, save=name, unpack=2))
    return Probe(steps, arrays, {"cases": cases})


KINK_NOTE = ("at a margin of exactly 0 the hinge max(0, m) has a kink: its subdifferential there is [0, 1], so taking the "
             "indicator as 0 (margin > 0) or as 1 (margin >= 0) both give a valid subgradient")


def _outputs_judge(function: str, kink: bool = False) -> Judge:
    def judge(ev: Evidence) -> Verdict:
        failed = task_failure(ev)
        if failed is not None:
            return failed
        worst, used_ge = 0.0, False
        for case in ev.context["cases"]:
            name, label, W, X, y, reg = case
            ref_loss, ref_grad = svm_loss_vectorized(W, X, y, reg)
            ge_loss, ge_grad = svm_reference_ge(W, X, y, reg)
            bad = ev.value(name)
            if bad is not None and bad.kind == "bad":
                return Verdict(False, f"{label}: {function} must return (loss, dW): {bad.value}")
            problem = _loss_problem(ev.value(f"{name}.0"), case, ref_loss, ge_loss)
            grad, why = array_output(ev, f"{name}.1", "dW")
            grad_problem = why or (_grad_problem(grad, case, [ref_grad, ge_grad]) if grad is not None else "dW: nothing returned")
            problem = problem or grad_problem
            if problem is not None:
                msg = f"{label}: {problem}"
                if X.size <= 30:
                    msg += "\nminimal failing example:\n" + example(W=W, X=X, y=y, reg=reg, **{"expected loss": ref_loss, "expected dW": ref_grad,
                                                                                            "got dW": grad})
                return Verdict(False, msg)
            err_gt, err_ge = max_relative_error(grad, ref_grad), max_relative_error(grad, ge_grad)
            used_ge |= bool(err_ge < err_gt and not np.array_equal(ref_grad, ge_grad))
            worst = max(worst, min(err_gt, err_ge))
        labels = ", ".join(c[1] for c in ev.context["cases"])
        text = f"matches the reference on {labels}; dW relative error ≤ {fmt(worst, 2)}"
        if kink:
            which = ("your dW takes the indicator as 1 there (margin >= 0); the reference takes 0 (margin > 0). Accepted: "
                     if used_ge else "your dW takes the indicator as 0 there (margin > 0), as the reference does; ")
            text += f"\n{which}{KINK_NOTE}"
        return Verdict(True, text)

    return judge


def _generated(function: str) -> Any:
    return lambda rng: _outputs_probe(function, [_tiny(), _random(rng)])


def _cifar_probe(function: str) -> Any:
    def probe(rng: np.random.Generator) -> Probe:
        X, y, W = _cifar(rng, 100)
        return _outputs_probe(function, [_case("cifar", f"CIFAR-shaped input (N = 100, D = 3073, C = 10, reg = {CIFAR_REG:g})",
                                               W, X, y, CIFAR_REG)])

    return probe


def _kink_probe(function: str) -> Any:
    return lambda rng: _outputs_probe(function, [_kink(rng)])


def _speed(rng: np.random.Generator) -> Probe:
    X = np.hstack([rng.standard_normal((SPEED_N, SPEED_D - 1)), np.ones((SPEED_N, 1))])
    y, W = rng.integers(0, 10, size=SPEED_N).astype(np.int64), rng.standard_normal((SPEED_D, 10)) * 1e-2
    steps = [fn(VEC, npy("W"), npy("X"), npy("y"), 0.5, save="fast")]
    return Probe(steps, {"W": W, "X": X, "y": y}, timed={"fast": timed_reference(partial(svm_loss_naive, W, X, y, 0.5), MIN_SPEEDUP)})


# -- LinearSVM ------------------------------------------------------------------------------------

TRAIN_ARGS = {"learning_rate": 0.05, "reg": 1e-3, "num_iters": 80, "batch_size": 50}


def _predict_probe(rng: np.random.Generator) -> Probe:
    while True:  # labels of every class, no ties
        W, X = np.round(rng.standard_normal((2, 3)), 1), np.round(rng.standard_normal((6, 2)), 1)
        S = X @ W
        top = np.sort(S, axis=1)
        if len(set(np.argmax(S, axis=1).tolist())) == 3 and (top[:, -1] - top[:, -2] > 1e-6).all():
            break
    steps = [new(CLS), put("W", npy("W")), call("predict", npy("X"), save="pred")]
    return Probe(steps, {"W": W, "X": X}, {"W": W, "X": X})


def _predict_judge(ev: Evidence) -> Verdict:
    failed = task_failure(ev)
    if failed is not None:
        return failed
    W, X = ev.context["W"], ev.context["X"]
    S = X @ W
    ref = np.argmax(S, axis=1)
    got, why = array_output(ev, "pred", "predict")
    if why or got is None:
        return Verdict(False, why or "nothing returned")
    if got.shape != ref.shape or not np.array_equal(got, ref):
        msg = f"expected {fmt(ref)} (shape {ref.shape}), got {fmt(got)} (shape {got.shape})"
        if got.shape == (S.shape[1],) and np.array_equal(got, np.argmax(S, axis=0)):
            msg += "\ndiagnosis: argmax over the wrong axis: axis=0 picks, for each class, the sample with the largest score; use argmax(X @ W, axis=1)"
        elif got.shape == ref.shape and np.array_equal(got, np.argmin(S, axis=1)):
            msg += "\ndiagnosis: argmin instead of argmax: the predicted class has the largest score"
        return Verdict(False, msg + "\nminimal failing example:\n" + example(W=W, X=X))
    if got.dtype.kind not in "iu":
        return Verdict(False, f"the labels are right but of dtype {got.dtype}; expected integers")
    return Verdict(True, "(N,) integer labels equal to argmax(X W, axis=1)")


#: "no loops" and "speed-up" of svm_loss_vectorized count only when these pass
_VEC_OUTPUT = ("output (generated)", "output (CIFAR-shaped)")
KINK = "kink (margin exactly 0)"

FUNCTION_CHECKS: list[Check] = [
    Check(UNIT, NAIVE, "output (generated)", 6, _generated(NAIVE), _outputs_judge(NAIVE)),
    Check(UNIT, NAIVE, "output (CIFAR-shaped)", 3, _cifar_probe(NAIVE), _outputs_judge(NAIVE)),
    Check(UNIT, NAIVE, KINK, 3, _kink_probe(NAIVE), _outputs_judge(NAIVE, kink=True)),
    Check(UNIT, VEC, "output (generated)", 6, _generated(VEC), _outputs_judge(VEC)),
    Check(UNIT, VEC, "output (CIFAR-shaped)", 3, _cifar_probe(VEC), _outputs_judge(VEC)),
    Check(UNIT, VEC, KINK, 3, _kink_probe(VEC), _outputs_judge(VEC, kink=True)),
    Check(UNIT, VEC, "no loops", 5, None, no_loops_judge(UNIT, VEC, function=True), requires=_VEC_OUTPUT),
    Check(UNIT, VEC, "speed-up", 5, _speed, speedup_judge("numerics' svm_loss_naive", VEC, f"N = {SPEED_N}, D = {SPEED_D}, C = 10", MIN_SPEEDUP),
          requires=_VEC_OUTPUT),
]

MODEL_CHECKS: list[Check] = [
    Check(CLS, "train", "learns", 8, train_probe(CLS, [], TRAIN_ARGS), train_judge(TRAIN_ARGS["num_iters"], classes_last=True)),
    Check(CLS, "predict", "output", 8, _predict_probe, _predict_judge),
]

#: svm's graded units: the loss functions, then the classifier
GROUPS: tuple[CheckGroup, ...] = (
    CheckGroup(UNIT, [NAIVE, VEC], FUNCTION_CHECKS, functions=True),
    CheckGroup(CLS, ["__init__", "loss", "train", "predict"], MODEL_CHECKS),
)
