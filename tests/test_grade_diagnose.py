"""Diagnosis by matching, and the judges fed deliberately wrong evidence (every check must be able to fail)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from derive.grade.check import Evidence
from derive.grade.checks_softmax_model import _gradcheck_judge, _init_judge, _train_judge
from derive.grade.common import no_loops_judge, speedup_judge
from derive.grade.diagnose import close, compare, diagnose, distance_mistakes, fmt, gradient_mistakes, loss_mistakes, max_relative_error
from derive.grade.sandbox import TaskOutcome, Value
from numerics.knn.distances import l2_distances
from numerics.softmax import softmax_loss_and_grad


def _problem(seed: int, n: int, d: int, c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((c, d)), rng.standard_normal((n, d)), rng.integers(0, c, size=n)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 9), d=st.integers(1, 6), c=st.integers(2, 5))
def test_every_gradient_mistake_is_recognised_as_itself(seed: int, n: int, d: int, c: int) -> None:
    W, X, y = _problem(seed, n, d, c)
    G = softmax_loss_and_grad(W, X, y)[1]
    mistakes = gradient_mistakes(W, X, y)
    assert diagnose(G, G, mistakes) is None  # the right answer is no mistake
    for text, wrong in mistakes:
        if not any(close(wrong, v) for t, v in mistakes if t != text) and not close(wrong, G):
            assert diagnose(wrong, G, mistakes) == text


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 9))
def test_loss_mistakes_are_recognised(seed: int, n: int) -> None:
    W, X, y = _problem(seed, n, 3, 4)
    L = softmax_loss_and_grad(W, X, y)[0]
    mistakes = loss_mistakes(W, X, y)
    assert diagnose(L, L, mistakes) is None
    assert diagnose(n * L, L, mistakes).startswith("missing 1/N")
    assert diagnose(-L, L, mistakes).startswith("the loss is the reference times −1")


def test_named_gradient_mistakes() -> None:
    W, X, y = _problem(0, 5, 4, 3)
    P = np.exp(X @ W.T)
    P /= P.sum(axis=1, keepdims=True)
    P1 = P.copy()
    P1[np.arange(5), y] = 1.0  # the student's dscores[y] = 1
    G = softmax_loss_and_grad(W, X, y)[1]
    mistakes = gradient_mistakes(W, X, y)
    assert "set to 1; it should be P − 1" in diagnose(P1.T @ X / 5, G, mistakes)
    assert diagnose(5 * G, G, mistakes).startswith("missing 1/N")
    assert diagnose(G.T, G, mistakes).startswith("transposed gradient: shape (D, C) = (4, 3)")
    assert diagnose(-G.T, G, mistakes).endswith("wrong sign): the gradient of the mean NLL is +(P − Y)ᵀX / N")
    assert diagnose(G * 1.001, G, mistakes) is None  # off, but not a known mistake


def test_distance_mistakes() -> None:
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    D = l2_distances(A, B)
    mistakes = distance_mistakes(A, B, D)
    assert diagnose(D**2, D, mistakes).startswith("squared distances")
    assert diagnose(D.T, D, mistakes).startswith("transposed")
    assert diagnose(D, D, mistakes) is None


def test_compare_and_relative_error() -> None:
    ref = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert compare(ref, ref) is None
    assert compare(ref[:1], ref) == "expected shape (2, 2), got shape (1, 2)"
    assert compare(np.array([[1.0, np.nan], [3.0, 4.0]]), ref) == "first difference at [0, 1]: expected 2, got nan"
    assert max_relative_error(ref, ref) == 0.0
    assert np.isnan(max_relative_error(ref * np.nan, ref))
    assert fmt(np.arange(3)) == "[0, 1, 2]" and fmt(2.5) == "2.5"


def _ev(outputs: dict, times: dict | None = None, context: dict | None = None, stdout: str = "", **kw: object) -> Evidence:
    return Evidence(TaskOutcome("ok", None, outputs, times or {}, stdout), context or {}, **kw)


def _arr(a: object) -> Value:
    return Value("array", np.asarray(a, dtype=np.float64), "ndarray")


def test_speedup_judge_times_the_reference_not_the_students_loop() -> None:
    judge = speedup_judge("ref loop", "fast", "a size")
    slow_reference = {"reference": lambda: time.sleep(0.02)}
    assert judge(_ev({}, {"fast": 0.001}, context=slow_reference)).passed
    slow = judge(_ev({}, {"fast": 0.5, "loop": 1e6}, context=slow_reference))  # a sleeping student loop is not looked at
    assert not slow.passed and "over the reference loop version" in slow.message
    assert "could not time" in judge(_ev({}, {"loop": 1.0}, context=slow_reference)).message


def test_no_loops_judge_reads_only_the_submission(tmp_path: Path) -> None:
    src = tmp_path / "s.py"
    src.write_text("class KNN:\n    def fast(self, X):\n        return [x for x in X]\n")
    judge = no_loops_judge("KNN", "fast")
    found = judge(Evidence(None, {}, {"file": str(src), "line": 2}, (tmp_path,)))
    assert not found.passed and "list comprehension at line 3" in found.message
    outside = judge(Evidence(None, {}, {"file": str(src), "line": 2}, (tmp_path / "elsewhere",)))
    assert not outside.passed and "outside the submission" in outside.message
    assert not judge(Evidence(None, {}, None, (tmp_path,))).passed


def _gradcheck_ev(outputs: dict, stdouts: tuple[str, ...] = ()) -> Evidence:
    W = np.ones((2, 2))
    G = np.array([[0.5, -0.25], [0.125, 2.0]])
    steps = ({"op": "new"}, {"op": "set"}, {"op": "call", "save": "right"}, {"op": "get", "save": "W_after"}, {"op": "call", "save": "wrong"})
    outcome = TaskOutcome("ok", None, {"W_after": _arr(W), **outputs}, {}, "".join(stdouts), stdouts)
    return Evidence(outcome, {"W": W, "G": G, "Gbad": G * 1.05}, steps=steps)


def _line(numerical: float, analytic: float) -> str:
    rel = abs(numerical - analytic) / (abs(numerical) + abs(analytic))
    return "numerical: %f analytic: %f, relative error: %e\n" % (numerical, analytic, rel)


def test_gradcheck_judge_reads_returned_errors_and_can_fail() -> None:
    good = {"right": _arr([1e-9, 2e-8]), "wrong": _arr([0.02, 0.03])}
    assert _gradcheck_judge(_gradcheck_ev(good)).passed
    big = _gradcheck_judge(_gradcheck_ev({**good, "right": _arr([1e-9, 1e-2])}))
    assert not big.passed and "relative errors up to 0.01" in big.message
    blind = _gradcheck_judge(_gradcheck_ev({**good, "wrong": _arr([1e-9])}))
    assert not blind.passed and "cannot tell a wrong gradient from the right one" in blind.message
    moved = _gradcheck_judge(_gradcheck_ev({**good, "W_after": _arr(np.ones((2, 2)) + 1e-5)}))
    assert not moved.passed and "changed self.W" in moved.message
    odd = _gradcheck_judge(_gradcheck_ev({**good, "right": _arr([3.0])}))
    assert not odd.passed and "expected relative errors" in odd.message


def test_gradcheck_judge_attributes_each_calls_printed_lines() -> None:
    none = {"right": Value("none", None, "NoneType"), "wrong": Value("none", None, "NoneType")}
    right = _line(0.5, 0.5) + _line(2.0, 2.0)
    wrong = _line(0.5, 0.525) + _line(2.0, 2.1)
    assert _gradcheck_judge(_gradcheck_ev(none, ("", "", right, "", wrong))).passed
    # the wrong gradient's lines printed by the first call, nothing by the second: not credited
    swapped = _gradcheck_judge(_gradcheck_ev(none, ("", "", wrong, "", "")))
    assert not swapped.passed
    silent = _gradcheck_judge(_gradcheck_ev(none, ("", "", "", "", "")))
    assert not silent.passed and "printed nothing checkable" in silent.message
    constant = "relative error: 1e-12\n" * 3
    faked = _gradcheck_judge(_gradcheck_ev(none, ("", "", constant, "", constant)))
    assert not faked.passed and "cannot tell" in faked.message
    invented = _gradcheck_judge(_gradcheck_ev(none, ("", "", _line(0.1, 0.1), "", wrong)))
    assert not invented.passed and "not an entry of the gradient passed in" in invented.message
    bad_numerical = _gradcheck_judge(_gradcheck_ev(none, ("", "", _line(0.7, 0.5), "", wrong)))
    assert not bad_numerical.passed and "the finite difference is wrong" in bad_numerical.message


def test_train_and_init_judges_can_fail() -> None:
    X = np.hstack([np.eye(3), np.ones((3, 1))])[:, :3]
    ctx = {"X": X, "y": np.arange(3)}
    flat = _train_judge(_ev({"losses": _arr(np.ones(60)), "W": _arr(np.eye(3))}, context=ctx))
    assert not flat.passed and "does not decrease" in flat.message
    short = _train_judge(_ev({"losses": _arr(np.ones(5)), "W": _arr(np.eye(3))}, context=ctx))
    assert not short.passed and "list of 60 losses" in short.message
    zeros = _init_judge(_ev({"W0": _arr(np.zeros((4, 7))), "W1": _arr(np.zeros((3, 5)))}))
    assert not zeros.passed and "std ≈ 1e-4" in zeros.message
