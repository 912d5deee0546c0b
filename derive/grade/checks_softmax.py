r"""Checks of the homework's ``Softmax`` class (SPEC problem 5) against :mod:`numerics.softmax`.

Each probe builds a fresh ``Softmax([C, D])`` in the sandbox, sets ``W`` and calls
one method: on a tiny case first (a minimal failing example), then on random and
CIFAR-shaped inputs (100 × 3073, C = 10), and with scores of ±1e3 for stability.

Notes
-----
The reference is the mean negative log-likelihood and its gradient

.. math::

    L = -\frac{1}{N} \sum_j \log P_{j, y_j}, \qquad
    \nabla_W L = \frac{1}{N} (P - Y)^\top X \in \mathbb{R}^{C \times D},
    \qquad P = \mathrm{softmax}(X W^\top)

computed with the row maximum subtracted (finite for scores of ±1e3).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.grade.check import Check, CheckGroup, Evidence, Probe, array_output, call, example, new, npy, put, task_failure
from derive.grade.checks_softmax_model import MODEL_CHECKS
from derive.grade.common import Judge, no_loops_judge, speedup_judge, timed_reference
from derive.grade.diagnose import Verdict, compare, diagnose, fmt, gradient_mistakes, loss_mistakes, max_relative_error
from numerics.softmax import softmax_loss_and_grad, softmax_loss_and_grad_loop

__all__ = ["GROUP", "SOFTMAX_CHECKS", "METHODS", "UNDERFLOW"]

CLS = "Softmax"
LOSS, LAG, FAST = "loss", "loss_and_grad", "fast_loss_and_grad"
METHODS = ["__init__", "init_weights", LOSS, LAG, FAST, "grad_check_sparse", "train", "predict"]

#: largest accepted relative error of a gradient and of a loss
GRAD_TOL = 1e-6
LOSS_RTOL = 1e-7
#: rows and features of the timing probe (C = 10): many short rows, so that a Python loop's cost per row
#: dominates (at D = 3073 a loop version is only ~3× slower than a vectorised one; here 15× and more)
SPEED_N, SPEED_D = 8000, 64
#: the vectorised loss and gradient must beat the reference loop by this factor (measured under load: loop
#: versions 1.2–2.8×; vectorised ones 14–160×, their round trip's fixed cost included)
MIN_SPEEDUP = 6.0

OVERFLOW_MESSAGE = (
    "no max-subtraction: overflow for large scores — exp(1000) is inf and inf/inf is NaN; subtract each row's "
    "maximum score before exp (the softmax does not change)"
)
UNDERFLOW_ADVICE = (
    "advice: P[y] = e^−2000 underflows to 0, so log(P[y]) is −inf and the loss inf even with max-subtraction; "
    "compute −log P[y] = log Σ exp(s − m) − (s_y − m) with m the row maximum (log-sum-exp), never log of P[y] itself"
)


def _cifar(rng: np.random.Generator, n: int) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Mean-subtracted pixel rows with a bias column, labels 0..9, W ~ N(0, 1)·1e-4."""
    X = rng.integers(0, 256, size=(n, 3072)).astype(np.float64)
    X -= X.mean(axis=0)
    X = np.hstack([X, np.ones((n, 1))])
    return X, rng.integers(0, 10, size=n).astype(np.int64), rng.standard_normal((10, 3073)) * 1e-4


def _case(name: str, label: str, W: Any, X: Any, y: Any) -> tuple[str, str, NDArray[Any], NDArray[Any], NDArray[np.int64]]:
    return name, label, np.asarray(W, dtype=np.float64), np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def _tiny() -> tuple[str, str, NDArray[Any], NDArray[Any], NDArray[np.int64]]:
    W = [[0.2, -0.1, 0.0], [0.1, 0.3, -0.2], [-0.3, 0.2, 0.1]]
    return _case("tiny", "a tiny example (N = 2, D = 3, C = 3)", W, [[1.0, 2.0, 1.0], [0.5, -1.0, 1.0]], [0, 2])


def _random(rng: np.random.Generator) -> tuple[str, str, NDArray[Any], NDArray[Any], NDArray[np.int64]]:
    return _case("random", "random inputs (N = 15, D = 6, C = 4)", rng.standard_normal((4, 6)) * 0.5,
                 rng.standard_normal((15, 6)), rng.integers(0, 4, size=15))


def _large(rng: np.random.Generator) -> list[tuple[str, str, NDArray[Any], NDArray[Any], NDArray[np.int64]]]:
    """Scores up to ±1e3 whose true class is within 300 of the row maximum.

    exp overflows without max-subtraction; with it, P[y] ≥ e^−300 stays a normal float, so
    these cases test overflow only (the underflow of P[y] is :func:`_underflow`'s advice).
    """
    X = rng.standard_normal((8, 5))
    W = rng.standard_normal((4, 5))
    W *= 1e3 / np.abs(X @ W.T).max()  # scores reach ±1e3
    S = X @ W.T
    y = np.array([rng.choice(np.flatnonzero(row >= row.max() - 300.0)) for row in S])
    return [
        _case("big1", "scores [1000, 999, 990] (N = 1, D = 2, C = 3)", [[1000.0, 0.0], [999.0, 0.0], [990.0, 0.0]], [[1.0, 1.0]], [1]),
        _case("big", "scores up to ±1e3, true class within 300 of the maximum (N = 8, D = 5, C = 4)", W, X, y),
    ]


def _underflow() -> list[tuple[str, str, NDArray[Any], NDArray[Any], NDArray[np.int64]]]:
    """Scores [1000, 0, −1000] with the true class at −1000: P[y] = e^−2000 underflows to 0."""
    W = [[1000.0, 0.0], [0.0, 0.0], [-1000.0, 0.0]]
    return [_case("far", "scores [1000, 0, −1000] with the true class at −1000 (N = 1, D = 2, C = 3)", W, [[1.0, 1.0]], [2])]


def _probe(method: str, cases: list[Any], grad: bool) -> Probe:
    steps: list[dict[str, Any]] = []
    arrays: dict[str, Any] = {}
    for name, _, W, X, y in cases:
        arrays.update({f"{name}_W": W, f"{name}_X": X, f"{name}_y": y})
        steps += [new(CLS, list(W.shape)), put("W", npy(f"{name}_W")),
                  call(method, npy(f"{name}_X"), npy(f"{name}_y"), save=name, unpack=2 if grad else None)]
    return Probe(steps, arrays, {"cases": cases})


def _loss_verdict(got: Any, W: Any, X: Any, y: Any, ref: float, stability: bool) -> str | None:
    """None when the loss matches, else the problem with a diagnosis."""
    arr = np.asarray(got, dtype=np.float64) if got is not None else None
    if arr is None or arr.size != 1:
        return f"the loss: expected a float, got {'nothing' if arr is None else f'an array of shape {arr.shape}'}"
    value = float(arr.reshape(()))
    if abs(value - ref) <= LOSS_RTOL * max(abs(ref), 1e-3):
        return None
    msg = f"the loss: expected {fmt(ref)}, got {fmt(value)}"
    if not np.isfinite(value):
        return msg + (f"\ndiagnosis: {OVERFLOW_MESSAGE}" if stability else "")
    diag = diagnose(value, ref, loss_mistakes(W, X, y), rtol=1e-6)
    return msg + (f"\ndiagnosis: {diag}" if diag else "")


def _grad_verdict(got: Any, W: Any, X: Any, y: Any, ref: NDArray[Any], stability: bool) -> str | None:
    """None when the gradient matches (relative error ≤ GRAD_TOL), else the problem with a diagnosis."""
    if got is None:
        return "the gradient: nothing returned"
    g = np.asarray(got)
    if g.shape == ref.shape and g.dtype.kind in "biuf":
        err = max_relative_error(g, ref)
        if err <= GRAD_TOL:
            return None
        msg = f"the gradient: max relative error {fmt(err)} > {GRAD_TOL:g}; {compare(g, ref)}"
    else:
        msg = f"the gradient: {compare(g, ref)}"
    if g.dtype.kind in "biuf" and g.shape == ref.shape and not np.isfinite(g).all():
        return msg + (f"\ndiagnosis: {OVERFLOW_MESSAGE}" if stability else "\nthe gradient contains NaN or inf")
    diag = diagnose(g, ref, gradient_mistakes(W, X, y), rtol=1e-6)
    return msg + (f"\ndiagnosis: {diag}" if diag else "")


def _judge(method: str, grad: bool, stability: bool = False) -> Judge:
    def judge(ev: Evidence) -> Verdict:
        failed = task_failure(ev)
        if failed is not None:
            return failed
        worst = 0.0
        for name, label, W, X, y in ev.context["cases"]:
            ref_loss, ref_grad = softmax_loss_and_grad(W, X, y)
            if grad:
                loss_v, grad_v = ev.value(f"{name}.0"), ev.value(f"{name}.1")
                bad = ev.value(name)
                if bad is not None and bad.kind == "bad":
                    return Verdict(False, f"{label}: {method} must return (loss, grad): {bad.value}")
                problem = _loss_verdict(loss_v.value if loss_v else None, W, X, y, ref_loss, stability)
                grad_arr, why = array_output(ev, f"{name}.1", "the gradient")
                grad_problem = why or _grad_verdict(grad_arr, W, X, y, ref_grad, stability)
                if problem and grad_problem and OVERFLOW_MESSAGE in grad_problem:
                    problem = problem.split("\n")[0] + f"; {grad_problem}"
                problem = problem or grad_problem
                if problem is None and grad_arr is not None:
                    worst = max(worst, max_relative_error(grad_arr, ref_grad))
            else:
                loss_v = ev.value(name)
                if loss_v is None or loss_v.kind not in ("scalar", "array"):
                    return Verdict(False, f"{label}: {method} returned {loss_v.value if loss_v else 'nothing'}; expected a float")
                problem = _loss_verdict(loss_v.value, W, X, y, ref_loss, stability)
                grad_arr = None
            if problem is not None:
                msg = f"{label}: {problem}"
                if X.size <= 12:
                    shown = {"W": W, "X": X, "y": y, "expected loss": ref_loss}
                    if grad:
                        shown.update({"expected grad": ref_grad, "got grad": grad_arr})
                    msg += "\nminimal failing example:\n" + example(**shown)
                return Verdict(False, msg)
        labels = ", ".join(c[1] for c in ev.context["cases"])
        extra = f"; gradient relative error ≤ {fmt(worst, 2)}" if grad else ""
        return Verdict(True, f"matches the reference on {labels}{extra}")

    return judge


def _generated(method: str, grad: bool) -> Any:
    return lambda rng: _probe(method, [_tiny(), _random(rng)], grad)


def _cifar_probe(method: str, grad: bool) -> Any:
    def probe(rng: np.random.Generator) -> Probe:
        X, y, W = _cifar(rng, 100)
        return _probe(method, [_case("cifar", "CIFAR-shaped input (N = 100, D = 3073, C = 10)", W, X, y)], grad)

    return probe


def _stability(method: str, grad: bool) -> Any:
    return lambda rng: _probe(method, _large(rng), grad)


def _speed(rng: np.random.Generator) -> Probe:
    X = np.hstack([rng.standard_normal((SPEED_N, SPEED_D - 1)), np.ones((SPEED_N, 1))])
    y, W = rng.integers(0, 10, size=SPEED_N).astype(np.int64), rng.standard_normal((10, SPEED_D)) * 1e-2
    steps = [new(CLS, [10, SPEED_D]), put("W", npy("W")), call(FAST, npy("X"), npy("y"), save="fast")]
    reference = partial(softmax_loss_and_grad_loop, W, X, y)
    return Probe(steps, {"W": W, "X": X, "y": y}, timed={"fast": timed_reference(reference, MIN_SPEEDUP)})


def _underflow_probe(method: str, grad: bool) -> Any:
    return lambda rng: _probe(method, _underflow(), grad)


def _underflow_judge(method: str, grad: bool) -> Judge:
    """Advice: the loss must stay finite where P[y] underflows (log-sum-exp)."""
    outputs = _judge(method, grad)

    def judge(ev: Evidence) -> Verdict:
        verdict = outputs(ev)
        if verdict.passed:
            return Verdict(True, "finite loss where P[y] underflows to 0 (log-sum-exp or equivalent)")
        v = ev.value("far.0" if grad else "far")
        loss = np.asarray(v.value, dtype=np.float64).reshape(-1) if v is not None and v.kind in ("scalar", "array") else np.empty(0)
        if loss.size == 1 and np.isposinf(loss[0]):
            return Verdict(False, f"{ev.context['cases'][0][1]}: the loss is inf (expected 2000)\n{UNDERFLOW_ADVICE}")
        return verdict

    return judge


#: "no loops" and "speed-up" of fast_loss_and_grad count only when these pass
_FAST_OUTPUT = ("output (generated)", "output (CIFAR-shaped)")
UNDERFLOW = "underflow of P[y] (advice)"

SOFTMAX_CHECKS: list[Check] = [
    MODEL_CHECKS[0],
    Check(CLS, LOSS, "output (generated)", 4, _generated(LOSS, False), _judge(LOSS, False)),
    Check(CLS, LOSS, "output (CIFAR-shaped)", 2, _cifar_probe(LOSS, False), _judge(LOSS, False)),
    Check(CLS, LOSS, "stability (large scores)", 2, _stability(LOSS, False), _judge(LOSS, False, True)),
    Check(CLS, LOSS, UNDERFLOW, 0, _underflow_probe(LOSS, False), _underflow_judge(LOSS, False), advisory=True),
    Check(CLS, LAG, "output (generated)", 5, _generated(LAG, True), _judge(LAG, True)),
    Check(CLS, LAG, "output (CIFAR-shaped)", 2, _cifar_probe(LAG, True), _judge(LAG, True)),
    Check(CLS, LAG, "stability (large scores)", 2, _stability(LAG, True), _judge(LAG, True, True)),
    Check(CLS, LAG, UNDERFLOW, 0, _underflow_probe(LAG, True), _underflow_judge(LAG, True), advisory=True),
    Check(CLS, FAST, "output (generated)", 5, _generated(FAST, True), _judge(FAST, True)),
    Check(CLS, FAST, "output (CIFAR-shaped)", 3, _cifar_probe(FAST, True), _judge(FAST, True)),
    Check(CLS, FAST, "stability (large scores)", 3, _stability(FAST, True), _judge(FAST, True, True)),
    Check(CLS, FAST, UNDERFLOW, 0, _underflow_probe(FAST, True), _underflow_judge(FAST, True), advisory=True),
    Check(CLS, FAST, "no loops", 4, None, no_loops_judge(CLS, FAST), requires=_FAST_OUTPUT),
    Check(CLS, FAST, "speed-up", 3, _speed, speedup_judge("numerics' softmax_loss_and_grad_loop", FAST, f"N = {SPEED_N}, D = {SPEED_D}, C = 10",
                                                                    MIN_SPEEDUP),
          requires=_FAST_OUTPUT),
    *MODEL_CHECKS[1:],
]

GROUP = CheckGroup(CLS, METHODS, SOFTMAX_CHECKS)
