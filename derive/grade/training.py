r"""The "learns" check shared by the linear classifiers (``Softmax.train``, ``LinearSVM.train``).

``train`` runs SGD on three well-separated blobs (150 points in 2-D plus a bias column);
it must return ``num_iters`` finite losses whose last ten average under half the first ten,
and leave a ``W`` that classifies at least 90 % of the points.

Notes
-----
The scores are :math:`X W^\top` for a ``W`` of shape (C, D) (``Softmax``) and :math:`X W`
for one of shape (D, C) (``LinearSVM``); here C = D = 3, so only the orientation differs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.grade.check import Evidence, Probe, array_output, call, get, new, npy, task_failure
from derive.grade.diagnose import Verdict, fmt

__all__ = ["MIN_ACCURACY", "blobs", "train_probe", "train_judge"]

#: the fraction of the blobs the learned W must classify
MIN_ACCURACY = 0.9


def blobs(rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Three blobs (centres 3 apart, σ = 0.5), 50 points each, with a bias column: X (150, 3), y (150,)."""
    centres = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0]])
    y = np.repeat(np.arange(3), 50)
    X = centres[y] + 0.5 * rng.standard_normal((150, 2))
    return np.hstack([X, np.ones((150, 1))]), y.astype(np.int64)


def train_probe(cls: str, new_args: list[Any], train_args: dict[str, Any]) -> Any:
    """A probe: ``cls(*new_args).train(X, y, **train_args)`` saved as "losses", then ``W`` saved as "W"."""

    def probe(rng: np.random.Generator) -> Probe:
        X, y = blobs(rng)
        steps = [new(cls, *new_args), call("train", npy("X"), npy("y"), save="losses", **train_args), get("W", "W")]
        return Probe(steps, {"X": X, "y": y}, {"X": X, "y": y})

    return probe


def train_judge(num_iters: int, *, classes_last: bool) -> Any:
    """The judge of :func:`train_probe`; ``classes_last``: W is (D, C) and the scores are X W, else X Wᵀ."""
    shape_name = "(D, C)" if classes_last else "(C, D)"

    def judge(ev: Evidence) -> Verdict:
        failed = task_failure(ev)
        if failed is not None:
            return failed
        losses, why = array_output(ev, "losses", "train")
        if why or losses is None:
            return Verdict(False, why or "no losses")
        if losses.shape != (num_iters,):
            return Verdict(False, f"train(..., num_iters={num_iters}) must return a list of {num_iters} losses, got shape {losses.shape}")
        if losses.dtype.kind not in "biuf" or not np.isfinite(losses).all():
            return Verdict(False, "the loss history contains NaN or inf (or is not numbers)")
        first, last = float(losses[:10].mean()), float(losses[-10:].mean())
        if not last < 0.5 * first:
            return Verdict(False, f"the loss does not decrease on an easy separable problem: mean of the first 10 {fmt(first)}, "
                                  f"of the last 10 {fmt(last)}")
        W, why = array_output(ev, "W", "W after train")
        X, y = ev.context["X"], ev.context["y"]
        if why or W is None or W.shape != (3, 3) or W.dtype.kind not in "biuf":
            return Verdict(False, why or f"W after train: expected shape {shape_name} = (3, 3), got {None if W is None else W.shape}")
        scores = X @ W if classes_last else X @ W.T
        acc = float(np.mean(np.argmax(scores, axis=1) == y))
        if acc < MIN_ACCURACY:
            return Verdict(False, f"after training, the learned W classifies only {acc:.0%} of an easy separable problem")
        return Verdict(True, f"loss {fmt(first, 2)} → {fmt(last, 2)} over {num_iters} iterations; training accuracy {acc:.0%}")

    return judge
