r"""Checks of the homework's ``KNN`` class (SPEC problem 2) against :mod:`numerics.knn`.

Every probe trains a fresh ``KNN`` in the sandbox and calls one method on
generated inputs (a tiny case first, so that a failure comes with a minimal
example) or on CIFAR-shaped ones (uint8-valued pixels, 3072 features).

Notes
-----
The vectorised distances use
:math:`\lVert x - z \rVert^2 = \lVert x \rVert^2 + \lVert z \rVert^2 - 2 x^\top z`;
rounding can make it slightly negative for (near-)duplicate rows, where a
square root without clamping gives NaN.  uint8 arithmetic wraps modulo 256.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.grade.check import Check, CheckGroup, Evidence, Probe, array_output, call, example, new, npy, task_failure
from derive.grade.common import Judge, no_loops_judge, speedup_judge, timed_reference
from derive.grade.diagnose import Verdict, compare, distance_mistakes, fmt
from numerics.knn.distances import l1_distances, l2_distances, linf_distances, naive_distances
from numerics.knn.predict import predict_labels

__all__ = ["GROUP", "KNN_CHECKS", "METHODS"]

CLS = "KNN"
DIST, VEC, PRED = "compute_distances", "compute_L2_distances_vectorized", "predict_labels"
METHODS = ["train", DIST, VEC, PRED]

#: CIFAR-shaped sizes: test rows, train rows, features
CIFAR = (50, 500, 3072)
#: sizes of the timing probe: many pairs of short rows, so that a Python loop's cost per pair dominates
#: (with 3072 features a loop version is only ~2–5× slower than a vectorised one; here it is ~100× slower)
SPEED = (50, 400, 64)
#: the vectorised distances must beat the reference loop by this factor (measured under load: correct ones 12–600×, loops 1.4–3.4×)
MIN_SPEEDUP = 6.0

NAN_MESSAGE = (
    "NaN for (near-)duplicate rows: sqrt of tiny negative numbers gives NaN in vectorised L2 — "
    "rounding makes ‖x‖² + ‖z‖² − 2xᵀz slightly negative when x ≈ z; clamp with np.maximum(d2, 0) before np.sqrt"
)
WRAP_MESSAGE = (
    "uint8 arithmetic wraps around (in uint8, 0 − 1 = 255 and 16² = 0): the same values as float64 give the right "
    "distances; convert with X.astype(np.float64) before subtracting or multiplying"
)


def _pixels(rng: np.random.Generator, shape: tuple[int, int]) -> NDArray[np.float64]:
    return rng.integers(0, 256, size=shape).astype(np.float64)


def _case(steps: list[dict[str, Any]], arrays: dict[str, Any], method: str, name: str, X_test: Any, X_train: Any, *extra: Any) -> None:
    """Append: fresh KNN, train on ``X_train``, call ``method(X_test, *extra)`` saved as ``name``."""
    arrays[f"{name}_Xtr"], arrays[f"{name}_Xte"] = X_train, X_test
    arrays[f"{name}_ytr"] = np.arange(X_train.shape[0], dtype=np.int64) % 3
    steps += [new(CLS), call("train", npy(f"{name}_Xtr"), npy(f"{name}_ytr")), call(method, npy(f"{name}_Xte"), *extra, save=name)]


def _distance_probe(method: str, cases: list[tuple[str, str, Any, Any, Any]], extra: dict[str, Any] | None = None) -> Probe:
    """cases: (name, label, X_test, X_train, reference)."""
    steps: list[dict[str, Any]] = []
    arrays: dict[str, Any] = {}
    for name, _, X_test, X_train, _ in cases:
        _case(steps, arrays, method, name, X_test, X_train, *((extra or {}).get(name, ())))
    return Probe(steps, arrays, {"cases": cases})


def _nan_diagnosis(got: NDArray[Any], ref: NDArray[Any]) -> str | None:
    if got.shape == ref.shape and np.isnan(got).any():
        near_zero = np.abs(ref) <= 1e-3 * max(1.0, float(ref.max(initial=0.0)))
        return NAN_MESSAGE if (np.isnan(got) <= near_zero).all() else "the output contains NaN"
    return None


def _judge_cases(ev: Evidence, method: str, *, rtol: float = 1e-7) -> tuple[Verdict | None, str | None]:
    """(failing verdict, name of the failing case) at the first wrong case, else (None, labels of the cases)."""
    failed = task_failure(ev)
    if failed is not None:
        return failed, None
    for name, label, X_test, X_train, ref in ev.context["cases"]:
        got, why = array_output(ev, name, f"{method} on {label}")
        problem = why or compare(got, ref, rtol=rtol, atol=1e-9 * max(1.0, float(np.max(ref))))
        if problem is None:
            continue
        diag = None
        if got is not None:
            diag = _nan_diagnosis(got, ref)
            for text, candidate in distance_mistakes(np.asarray(X_test), np.asarray(X_train), ref):
                if diag is None and compare(got, candidate, rtol=1e-6, atol=1e-6) is None:
                    diag = text
        msg = f"{label}: {problem}"
        if diag:
            msg += f"\ndiagnosis: {diag}"
        if X_test.size + X_train.size <= 40:
            msg += "\nminimal failing example:\n" + example(X_train=X_train, X_test=X_test, expected=ref, got=got)
        return Verdict(False, msg), name
    return None, ", ".join(label for _, label, *_ in ev.context["cases"])


def _distances_judge(method: str) -> Judge:
    def judge(ev: Evidence) -> Verdict:
        verdict, labels = _judge_cases(ev, method)
        return verdict or Verdict(True, f"matches the reference on {labels}")

    return judge


def _generated(method: str) -> Judge:
    def probe(rng: np.random.Generator) -> Probe:
        tiny_tr = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
        tiny_te = np.array([[0.0, 0.0], [2.0, 1.0]])
        rand_tr, rand_te = rng.standard_normal((11, 5)), rng.standard_normal((7, 5))
        return _distance_probe(method, [
            ("tiny", "a 2 × 3 example", tiny_te, tiny_tr, l2_distances(tiny_te, tiny_tr)),
            ("random", "random 7 × 11 × 5 floats", rand_te, rand_tr, l2_distances(rand_te, rand_tr)),
        ])

    return probe


def _cifar(method: str) -> Judge:
    def probe(rng: np.random.Generator) -> Probe:
        n_te, n_tr, d = CIFAR
        X_tr, X_te = _pixels(rng, (n_tr, d)), _pixels(rng, (n_te, d))
        label = f"CIFAR-shaped input ({n_te} test × {n_tr} train × {d} pixel values)"
        return _distance_probe(method, [("cifar", label, X_te, X_tr, l2_distances(X_te, X_tr))])

    return probe


def _other_norms(rng: np.random.Generator) -> Probe:
    X_tr, X_te = rng.standard_normal((9, 4)), rng.standard_normal((6, 4))
    cases = [
        ("l1", "norm = L1 (a callable: sum |v|)", X_te, X_tr, l1_distances(X_te, X_tr)),
        ("linf", "norm = L∞ (a callable: max |v|)", X_te, X_tr, linf_distances(X_te, X_tr)),
    ]
    return _distance_probe(DIST, cases, {"l1": ({"norm": "l1"},), "linf": ({"norm": "linf"},)})


def _uint8(method: str) -> Judge:
    def probe(rng: np.random.Generator) -> Probe:
        tiny_tr = np.array([[1, 0], [3, 4]], dtype=np.uint8)
        tiny_te = np.array([[0, 0]], dtype=np.uint8)
        rand_tr = rng.integers(0, 256, size=(12, 10)).astype(np.uint8)
        rand_te = rng.integers(0, 256, size=(6, 10)).astype(np.uint8)
        ref = l2_distances(rand_te, rand_tr)
        return _distance_probe(method, [
            (_FLOAT_CASE, "random pixel values as float64", rand_te.astype(np.float64), rand_tr.astype(np.float64), ref),
            ("tiny", "a uint8 example", tiny_te, tiny_tr, l2_distances(tiny_te, tiny_tr)),
            ("rand", "random uint8 pixels (6 × 12 × 10)", rand_te, rand_tr, ref),
        ])

    return probe


#: the uint8 probe's case with the same pixels as float64 (wrong there = wrong before uint8 matters)
_FLOAT_CASE = "float"


def _uint8_judge(method: str) -> Judge:
    def judge(ev: Evidence) -> Verdict:
        failed = task_failure(ev)
        if failed is not None:
            return failed
        verdict, labels = _judge_cases(ev, method)
        if verdict is None:
            return Verdict(True, f"no wrap-around: matches the reference on {labels}")
        if labels == _FLOAT_CASE:  # wrong on float input already: not a uint8 wrap-around
            return Verdict(False, "wrong before uint8 even matters — " + verdict.message)
        first, _, rest = verdict.message.partition("\n")
        return Verdict(False, f"{first}\ndiagnosis: {WRAP_MESSAGE}" + (f"\n{rest}" if rest else ""))

    return judge


def _duplicates(rng: np.random.Generator) -> Probe:
    n_dup, d = 20, 3072
    X_tr = rng.standard_normal((30, d)) * 30 + 100  # large norms: the expansion cancels badly
    P_tr = _pixels(rng, (30, d))
    cases = [
        ("pixels", "test rows equal to train rows (pixel values)", P_tr[:n_dup].copy(), P_tr, l2_distances(P_tr[:n_dup], P_tr)),
        ("floats", "test rows equal to train rows (floats)", X_tr[:n_dup].copy(), X_tr, l2_distances(X_tr[:n_dup], X_tr)),
    ]
    return _distance_probe(VEC, cases)


def _duplicates_judge(ev: Evidence) -> Verdict:
    failed = task_failure(ev)
    if failed is not None:
        return failed
    for name, label, X_test, X_train, ref in ev.context["cases"]:
        got, why = array_output(ev, name, f"{VEC} on {label}")
        if why or got is None:
            return Verdict(False, why or "nothing returned")
        if got.shape != ref.shape:
            return Verdict(False, f"{label}: expected shape {ref.shape}, got {got.shape}")
        diag = _nan_diagnosis(got, ref)
        if diag is not None:
            i, j = (int(v) for v in np.argwhere(np.isnan(got))[0])
            return Verdict(False, f"{label}: got NaN at [{i}, {j}] (expected {fmt(ref[i, j])})\ndiagnosis: {diag}")
        diag_entries = got[np.arange(X_test.shape[0]), np.arange(X_test.shape[0])]
        if name == "pixels" and np.any(diag_entries != 0):
            k = int(np.flatnonzero(diag_entries != 0)[0])
            return Verdict(False, f"{label}: the distance of a row to itself must be exactly 0 for integer-valued data, got {fmt(diag_entries[k])} at [{k}, {k}]")
        scale = float(np.max(np.einsum("ij,ij->i", X_train, X_train)))
        tol = float(np.sqrt(64 * np.finfo(np.float64).eps * 2 * scale))
        problem = compare(got, ref, rtol=1e-6, atol=tol)
        if problem is not None:
            return Verdict(False, f"{label}: {problem}")
    return Verdict(True, "no NaN; exact zeros for duplicate pixel rows, round-off-sized values for duplicate float rows")


def _speed(rng: np.random.Generator) -> Probe:
    n_te, n_tr, d = SPEED
    arrays = {"Xtr": _pixels(rng, (n_tr, d)), "Xte": _pixels(rng, (n_te, d)), "ytr": np.arange(n_tr, dtype=np.int64) % 3}
    steps = [new(CLS), call("train", npy("Xtr"), npy("ytr")), call(VEC, npy("Xte"), save="fast")]
    reference = partial(naive_distances, arrays["Xte"], arrays["Xtr"], np.linalg.norm)
    return Probe(steps, arrays, timed={"fast": timed_reference(reference, MIN_SPEEDUP)})


def _tie_free(rng: np.random.Generator, n_test: int, y_train: NDArray[np.int64], k: int) -> NDArray[np.float64]:
    """Random distances whose k nearest never tie in the vote (and never tie in distance)."""
    while True:
        D = rng.permutation(n_test * y_train.size).reshape(n_test, y_train.size).astype(np.float64) + 0.5
        counts = [Counter(y_train[np.argsort(row)[:k]].tolist()).most_common() for row in D]
        if all(len(c) == 1 or c[0][1] > c[1][1] for c in counts):
            return D


def _predict_probe(rng: np.random.Generator) -> Probe:
    y_tr = rng.integers(0, 5, size=15).astype(np.int64)
    steps, arrays, cases = [], {"ytr": y_tr, "Xtr": np.zeros((15, 2))}, []
    for k in (1, 5):
        D = _tie_free(rng, 6, y_tr, k)
        arrays[f"D{k}"] = D
        cases.append((f"k{k}", k, D, predict_labels(D, y_tr, k)))
    steps = [new(CLS), call("train", npy("Xtr"), npy("ytr"))]
    steps += [call(PRED, npy(f"D{k}"), k, save=f"k{k}") for k in (1, 5)]
    return Probe(steps, arrays, {"cases": cases, "y_train": y_tr})


#: the tie probe: training labels and, per k, the nearest training indices of each row (nearest first)
TIE_LABELS = np.array([5, 2, 8, 2, 5, 1, 8, 3], dtype=np.int64)
TIE_ROWS: dict[int, list[list[int]]] = {
    2: [[0, 1], [2, 3], [6, 5], [2, 6]],          # 5|2 -> 2, 8|2 -> 2, 8|1 -> 1, 8 8 -> 8
    3: [[6, 0, 5], [2, 7, 4], [0, 4, 1]],         # 8|5|1 -> 1, 8|3|5 -> 3, 5 5 2 -> 5
    4: [[2, 1, 6, 3], [6, 3, 2, 1], [0, 4, 2, 1]],  # 8 2 8 2 -> 2 (twice), 5 5 8 2 -> 5
}


def _ties_probe(rng: np.random.Generator) -> Probe:
    arrays: dict[str, Any] = {"ytr": TIE_LABELS, "Xtr": np.zeros((TIE_LABELS.size, 2))}
    steps = [new(CLS), call("train", npy("Xtr"), npy("ytr"))]
    cases = []
    for k, rows in TIE_ROWS.items():
        D = rng.uniform(1.0, 2.0, size=(len(rows), TIE_LABELS.size))
        for r, nearest in enumerate(rows):
            D[r, nearest] = 0.1 * np.arange(1, k + 1)
        arrays[f"D{k}"] = D
        steps.append(call(PRED, npy(f"D{k}"), k, save=f"k{k}"))
        cases.append((f"k{k}", k, D, predict_labels(D, TIE_LABELS, k)))
    return Probe(steps, arrays, {"cases": cases, "y_train": TIE_LABELS})


def _labels_judge(ties: bool) -> Judge:
    def judge(ev: Evidence) -> Verdict:
        failed = task_failure(ev)
        if failed is not None:
            return failed
        y_tr = ev.context["y_train"]
        for name, k, D, ref in ev.context["cases"]:
            got, why = array_output(ev, name, f"{PRED}(dists, k={k})")
            if why or got is None:
                return Verdict(False, why or "nothing returned")
            if got.shape != ref.shape:
                return Verdict(False, f"k = {k}: expected shape {ref.shape} (one label per test row), got {got.shape}")
            if got.dtype.kind not in "iu":
                return Verdict(False, f"k = {k}: expected integer labels, got dtype {got.dtype}")
            wrong = np.flatnonzero(got != ref)
            if wrong.size == 0:
                continue
            r = int(wrong[0])
            nearest = np.argsort(D[r], kind="stable")[:k]
            labels = y_tr[nearest]
            msg = (f"k = {k}, row {r}: expected label {ref[r]}, got {got[r]}; the {k} nearest have distances "
                   f"{fmt(D[r, nearest])} and labels {labels.tolist()}")
            counts = Counter(labels.tolist())
            top = max(counts.values())
            tied = sorted(lab for lab, c in counts.items() if c == top)
            if ties and len(tied) > 1 and got[r] in tied:
                msg += f"\ndiagnosis: ties not broken toward the smallest label: labels {tied} have {top} vote(s) each; the smallest, {tied[0]}, must win"
                if got[r] == tied[-1]:
                    msg += " (your code picks the largest)"
                elif got[r] == next(lab for lab in labels.tolist() if lab in tied):
                    msg += " (your code picks the tied label met first among the nearest, as Counter.most_common does)"
            return Verdict(False, msg)
        what = "constructed ties (k = 2, 3, 4) go to the smallest label" if ties else "matches the reference for k = 1 and k = 5; (N,) integer labels"
        return Verdict(True, what)

    return judge


#: the checks "no loops" and "speed-up" of the vectorised distances count only when these pass
_VEC_OUTPUT = ("output (generated)", "output (CIFAR-shaped)")

KNN_CHECKS: list[Check] = [
    Check(CLS, DIST, "output (generated)", 5, _generated(DIST), _distances_judge(DIST)),
    Check(CLS, DIST, "output (CIFAR-shaped)", 3, _cifar(DIST), _distances_judge(DIST)),
    Check(CLS, DIST, "other norms", 3, _other_norms, _distances_judge(DIST)),
    Check(CLS, DIST, "uint8 wrap-around", 4, _uint8(DIST), _uint8_judge(DIST)),
    Check(CLS, VEC, "output (generated)", 5, _generated(VEC), _distances_judge(VEC)),
    Check(CLS, VEC, "output (CIFAR-shaped)", 3, _cifar(VEC), _distances_judge(VEC)),
    Check(CLS, VEC, "near-duplicate rows (no NaN)", 4, _duplicates, _duplicates_judge),
    Check(CLS, VEC, "uint8 wrap-around", 4, _uint8(VEC), _uint8_judge(VEC)),
    Check(CLS, VEC, "no loops", 5, None, no_loops_judge(CLS, VEC), requires=_VEC_OUTPUT),
    Check(CLS, VEC, "speed-up", 4, _speed, speedup_judge("numerics' naive_distances", VEC, "{} test × {} train × {} features".format(*SPEED), MIN_SPEEDUP),
          requires=_VEC_OUTPUT),
    Check(CLS, PRED, "output (generated)", 5, _predict_probe, _labels_judge(ties=False)),
    Check(CLS, PRED, "tie-breaking", 5, _ties_probe, _labels_judge(ties=True)),
]

GROUP = CheckGroup(CLS, METHODS, KNN_CHECKS)
