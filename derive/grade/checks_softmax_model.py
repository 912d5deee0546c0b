r"""Checks of the rest of the homework's ``Softmax`` class: initial weights, the sparse
gradient check, SGD training and prediction.

Notes
-----
``train`` must learn an easy problem (three well-separated blobs) with
:math:`W \leftarrow W - \eta \nabla_W L_{batch}`; ``predict`` is
:math:`\arg\max_k (X W^\top)_{jk}` over the *class* axis (``axis=1``).
"""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import NDArray

from derive.grade.check import Check, Evidence, Probe, array_output, call, example, get, new, npy, put, task_failure
from derive.grade.diagnose import Verdict, fmt
from derive.grade.training import train_judge, train_probe
from numerics.softmax import softmax_loss_and_grad

__all__ = ["MODEL_CHECKS"]

CLS = "Softmax"


def _init_probe(rng: np.random.Generator) -> Probe:
    steps = [new(CLS, [4, 7]), get("W", "W0"), call("init_weights", [3, 5]), get("W", "W1")]
    return Probe(steps, {})


def _init_judge(ev: Evidence) -> Verdict:
    failed = task_failure(ev)
    if failed is not None:
        return failed
    for key, shape, how in (("W0", (4, 7), "Softmax([4, 7])"), ("W1", (3, 5), "init_weights([3, 5])")):
        W, why = array_output(ev, key, f"W after {how}")
        if why or W is None:
            return Verdict(False, why or "no W")
        if W.shape != shape:
            return Verdict(False, f"W after {how}: expected shape (C, D) = {shape}, got {W.shape}")
        std = float(np.std(W)) if np.isfinite(W).all() else float("nan")
        if not 1e-5 <= std <= 1e-3:
            return Verdict(False, f"W after {how}: expected N(0, 1)·1e-4 entries (std ≈ 1e-4), got std {fmt(std)}")
    return Verdict(True, "W has shape (C, D) and N(0, 1)·1e-4 entries")


def _gradcheck_probe(rng: np.random.Generator) -> Probe:
    """The correct gradient, then the same gradient 5 % off: a working check tells them apart."""
    while True:  # every entry well away from 0, so that relative errors are meaningful everywhere
        W, X, y = rng.standard_normal((4, 8)) * 0.1, rng.standard_normal((20, 8)), rng.integers(0, 4, size=20)
        G = softmax_loss_and_grad(W, X, y)[1]
        if np.abs(G).min() >= 1e-3:
            break
    arrays = {"W": W, "X": X, "y": y, "G": G, "Gbad": G * (1 + WRONG_BY)}
    steps = [new(CLS, [4, 8]), put("W", npy("W")),
             call("grad_check_sparse", npy("X"), npy("y"), npy("G"), save="right"), get("W", "W_after"),
             call("grad_check_sparse", npy("X"), npy("y"), npy("Gbad"), save="wrong")]
    return Probe(steps, arrays, {"W": W, "G": G, "Gbad": arrays["Gbad"]})


#: the deliberately wrong gradient is the right one times 1 + WRONG_BY (relative error 0.05 / 2.05 ≈ 0.024)
WRONG_BY = 0.05
#: the right gradient passes when every relative error is at most this; the wrong one is caught above CAUGHT
RIGHT_MAX, CAUGHT = 1e-5, 1e-3

_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?nan|[-+]?inf)"
#: the assignment's line: 'numerical: %f analytic: %f, relative error: %e'
_LINE = re.compile(rf"numerical\s*[:=]?\s*{_NUM}\s*,?\s*analytic\s*[:=]?\s*{_NUM}\s*,?\s*rel(?:ative)?[ _]?err(?:or)?\s*[:=]?\s*{_NUM}", re.IGNORECASE)
_REL = re.compile(rf"rel(?:ative)?[ _]?err(?:or)?\s*[:=]?\s*{_NUM}", re.IGNORECASE)
NOTHING_CHECKABLE = (
    "grad_check_sparse printed nothing checkable and returned no relative errors: print the relative error of "
    "each sampled coordinate (the assignment's 'numerical: %f analytic: %f, relative error: %e') or return them"
)


def _printed_pairs_problem(lines: list[tuple[float, float, float]], given: NDArray[Any], true: NDArray[Any], which: str) -> str | None:
    """Why the printed (numerical, analytic) pairs are not a finite-difference check of ``given``, or None."""
    for numerical, analytic, _ in lines:
        at = np.abs(given - analytic) <= 1e-6 + 1e-6 * abs(analytic)  # %f keeps 6 decimals
        if not at.any():
            return f"for the {which} gradient it printed analytic {fmt(analytic)}, which is not an entry of the gradient passed in"
        if not (np.abs(true[at] - numerical) <= 1e-6 + 1e-3 * np.abs(true[at])).any():
            return (f"for the {which} gradient it printed numerical {fmt(numerical)} where the loss's derivative is "
                    f"{fmt(true[at][0])}: the finite difference is wrong (is the loss right? is W restored?)")
    return None


def _relative_errors(ev: Evidence, key: str, given: NDArray[Any], true: NDArray[Any], which: str) -> tuple[NDArray[Any] | None, str, str | None]:
    """(relative errors, "returned"/"printed", None) or (None, "", why they cannot be read) for one call."""
    v = ev.value(key)
    if v is not None and v.kind in ("scalar", "array"):
        errors = np.atleast_1d(np.asarray(v.value, dtype=np.float64)).reshape(-1)
        if errors.size and np.isfinite(errors).all() and (errors >= 0).all() and (errors <= 1).all():
            return errors, "returned", None
        if errors.size:
            return None, "", f"for the {which} gradient it returned {fmt(errors)}: expected relative errors, numbers in [0, 1]"
    text = ev.printed(key)
    lines = [tuple(float(x) for x in m) for m in _LINE.findall(text)]
    if lines:
        problem = _printed_pairs_problem(lines, given, true, which)
        return (None, "", problem) if problem else (np.array([r for *_, r in lines]), "printed", None)
    errors = np.array([float(m) for m in _REL.findall(text)])
    if errors.size:
        return errors, "printed", None
    return None, "", NOTHING_CHECKABLE


def _gradcheck_judge(ev: Evidence) -> Verdict:
    failed = task_failure(ev)
    if failed is not None:
        return failed
    W_after, _ = array_output(ev, "W_after", "W")
    if W_after is None or W_after.shape != ev.context["W"].shape or not np.allclose(W_after, ev.context["W"], rtol=0, atol=1e-12):
        return Verdict(False, "grad_check_sparse changed self.W: restore every entry after the finite difference")
    G = ev.context["G"]
    right, source, why = _relative_errors(ev, "right", G, G, "correct")
    if right is None:
        return Verdict(False, why or NOTHING_CHECKABLE)
    worst = float(np.max(np.abs(right))) if right.size and np.isfinite(right).all() else float("nan")
    if not worst <= RIGHT_MAX:
        return Verdict(False, f"for the correct gradient it {source} relative errors up to {fmt(worst)}; expected ≲ 1e-7 (at most {RIGHT_MAX:g})")
    wrong, source_bad, why = _relative_errors(ev, "wrong", ev.context["Gbad"], G, f"{WRONG_BY:.0%}-off")
    if wrong is None:
        return Verdict(False, why or NOTHING_CHECKABLE)
    worst_bad = float(np.max(np.abs(wrong))) if wrong.size else 0.0
    if not worst_bad > CAUGHT:  # NaN fails too
        return Verdict(False, f"a gradient {WRONG_BY:.0%} off (every entry × {1 + WRONG_BY:g}) gave relative errors of only "
                              f"{fmt(worst_bad)}: the check cannot tell a wrong gradient from the right one")
    return Verdict(True, f"{source} relative errors ≤ {fmt(worst, 2)} for the correct gradient and up to "
                         f"{fmt(worst_bad, 2)} for one {WRONG_BY:.0%} off")


TRAIN_ARGS = {"learning_rate": 0.5, "num_iters": 60, "batch_size": 50}
_train_probe = train_probe(CLS, [[3, 3]], TRAIN_ARGS)
_train_judge = train_judge(TRAIN_ARGS["num_iters"], classes_last=False)


def _predict_probe(rng: np.random.Generator) -> Probe:
    W, X = np.round(rng.standard_normal((3, 2)), 1), np.round(rng.standard_normal((5, 2)), 1)
    return Probe([new(CLS, [3, 2]), put("W", npy("W")), call("predict", npy("X"), save="pred")], {"W": W, "X": X}, {"W": W, "X": X})


def _predict_judge(ev: Evidence) -> Verdict:
    failed = task_failure(ev)
    if failed is not None:
        return failed
    W, X = ev.context["W"], ev.context["X"]
    S = X @ W.T
    ref = np.argmax(S, axis=1)
    got, why = array_output(ev, "pred", "predict")
    if why or got is None:
        return Verdict(False, why or "nothing returned")
    if got.shape != ref.shape or not np.array_equal(got, ref):
        msg = f"expected {fmt(ref)} (shape {ref.shape}), got {fmt(got)} (shape {got.shape})"
        if np.array_equal(got, np.argmax(S, axis=0)):
            msg += "\ndiagnosis: argmax over the wrong axis: axis=0 picks, for each class, the sample with the largest score; use argmax(X @ W.T, axis=1)"
        elif got.shape == () and int(got) == int(np.argmax(S)):
            msg += "\ndiagnosis: argmax over the flattened scores (no axis): use argmax(X @ W.T, axis=1)"
        return Verdict(False, msg + "\nminimal failing example:\n" + example(W=W, X=X))
    if got.dtype.kind not in "iu":
        return Verdict(False, f"the labels are right but of dtype {got.dtype}; expected integers")
    return Verdict(True, "(N,) integer labels equal to argmax(X Wᵀ, axis=1)")


MODEL_CHECKS: list[Check] = [
    Check(CLS, "__init__", "W shape and scale", 2, _init_probe, _init_judge),
    Check(CLS, "grad_check_sparse", "tells a right gradient from a wrong one", 4, _gradcheck_probe, _gradcheck_judge),
    Check(CLS, "train", "learns", 5, _train_probe, _train_judge),
    Check(CLS, "predict", "output", 4, _predict_probe, _predict_judge),
]
