r"""Problem 6's numbers: the multiclass SVM experiment of :mod:`numerics.svm_experiment`, and its checks.

:func:`run` runs :func:`numerics.svm_experiment.run_svm_experiment` (the same function as
``gradproof svm``) and saves its figures; :func:`checks` compares the initial loss with the
derived :math:`C - 1`, the gradient checks, naive against vectorised, numerics against the
derived subgradient, the kink values 0 and 1 against the derived subdifferential (and a wrong
candidate), and that SGD learns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from derive.registry import ExperimentContext
from derive.solutions.checking import rel_difference, sample_rows, timed_check
from derive.solutions.results import Check

__all__ = ["run", "checks", "svm_checks", "GRAD_CHECK_TOL", "NAIVE_FAST_TOL", "INITIAL_LOSS_REL"]

#: largest accepted relative error of a gradient-check probe (float64; probes across a kink excluded)
GRAD_CHECK_TOL = 1e-5
#: naive and vectorised agree to this relative difference (the same sums in another order)
NAIVE_FAST_TOL = 1e-10
#: "about C − 1": within this fraction of C − 1
INITIAL_LOSS_REL = 0.05


def _centred(dataset: str, data_dir: str | Path | None, rng: np.random.Generator, n: int) -> tuple[np.ndarray,
                                                                                                  np.ndarray]:
    """``n`` training rows, centred, with the bias column (as in the experiment), and their labels."""
    from numerics.preprocess import append_bias

    X, y = sample_rows(dataset, data_dir, rng, n)
    Xf = X.astype(float)
    return append_bias(Xf - Xf.mean(axis=0)), y


def svm_checks(sv: dict[str, Any], dataset: str, data_dir: str | Path | None,
               rng: np.random.Generator) -> list[Check]:
    """Initial loss, gradient checks, naive = vectorised, numerics = derived, the kink, SGD learns."""
    C = int(sv["n_classes"])

    def initial() -> tuple[bool, str]:
        # Step near-zero: while every margin is positive the data loss is (C − 1)Δ plus the mean of
        # the score differences, each at most the largest gap |s_ij − s_(i,y_i)|.  Checked at the dev-set
        # weights shrunk until that gap is small (on raw CIFAR pixels the notebook's 1e-4 is not near 0).
        from derive.svm.functions import initial_loss

        nz = sv["near_zero"]
        expected, gap = initial_loss(C), nz["max_score_gap"]
        diff = abs(nz["data_loss"] - expected)
        ok = gap < 1.0 and diff <= (C - 1) * gap + 1e-12 and diff <= INITIAL_LOSS_REL * expected
        return ok, (f"data loss {nz['data_loss']:.6f} at {nz['scale']:.2g} × the dev-set weights, derived C − 1 = "
                    f"{expected:g}; largest score gap {gap:.2e} {'<' if gap < 1 else '≥'} Δ = 1 and |difference| "
                    f"{diff:.2e} {'≤' if diff <= (C - 1) * gap + 1e-12 else '>'} (C − 1)·gap = {(C - 1) * gap:.2e} "
                    f"(the notebook's W ~ {sv['initial_w_std']:g}·N(0, 1): {sv['initial_data_loss']:.6f})")

    def gradcheck() -> tuple[bool, str]:
        g = sv["grad_check"]
        errors = [e for name in ("naive", "vectorised")
                  for e, kink in zip(g[name], g["kink_probes"][name], strict=True) if not kink]
        kinks = g["kinks"]["naive"] + g["kinks"]["vectorised"]
        if not errors:
            return False, f"every one of the {2 * g['num_checks']} probes crossed a kink"
        worst = max(errors)
        ok = worst < GRAD_CHECK_TOL and all(g["passed"].values())
        return ok, (f"max relative error {worst:.1e} over {len(errors)} probes "
                    f"({kinks} across a kink, not counted)").replace(" 1 probes ", " 1 probe ")

    def naive_fast() -> tuple[bool, str]:
        nf = sv["naive_vs_vectorised"]
        rel = nf["grad_max_abs_difference"] / max(nf["grad_max_abs"], 1e-300)
        worst = max(nf["loss_difference"] / max(abs(sv["initial_loss"]), 1e-300), rel)
        return worst < NAIVE_FAST_TOL, f"largest relative difference {worst:.1e} (tolerance {NAIVE_FAST_TOL:g})"

    def derived() -> tuple[bool, str]:
        from derive.svm.functions import svm_grad, svm_loss
        from numerics.linear_svm import svm_loss_vectorized

        X, y = _centred(dataset, data_dir, rng, 100)
        W = 1e-3 * rng.standard_normal((X.shape[1], C))
        loss, grad = svm_loss_vectorized(W, X, y, 0.5)
        e_loss, e_grad = rel_difference(loss, svm_loss(W, X, y, 0.5)), rel_difference(grad, svm_grad(W, X, y, 0.5))
        return max(e_loss, e_grad) < 1e-12, f"relative difference: loss {e_loss:.0e}, subgradient {e_grad:.0e}"

    def kink() -> tuple[bool, str]:
        from derive.svm.functions import subgradient_in_subdifferential, svm_grad
        from numerics.linear_svm import svm_loss_vectorized

        from numerics.preprocess import append_bias

        # integer pixels and weights in multiples of 1/8: every score is exact, so the margin is exactly 0
        X_raw, y = sample_rows(dataset, data_dir, rng, 20)
        X = append_bias(X_raw.astype(float))
        W = rng.integers(-4, 5, size=(X.shape[1], C)) / 8.0
        j = (int(y[0]) + 1) % C
        S = X @ W
        W[-1, j] -= S[0, j] - S[0, y[0]] + 1.0  # the bias row: sample 0's margin for class j becomes 0
        S = X @ W
        if S[0, j] - S[0, y[0]] + 1.0 != 0.0:
            return False, "could not build an exact kink"
        _, g0 = svm_loss_vectorized(W, X, y, 0.1)  # the assignment's > 0
        g1 = svm_grad(W, X, y, 0.1, kink_value=1.0)  # >= 0
        tol = 1e-9 * max(1.0, float(np.max(np.abs(X))))
        ok0 = subgradient_in_subdifferential(g0, W, X, y, 0.1, atol=tol, kink_atol=1e-9)
        ok1 = subgradient_in_subdifferential(g1, W, X, y, 0.1, atol=tol, kink_atol=1e-9)
        outside = 3 * g1 - 2 * g0  # past the segment's end t = 1 (t = 3)
        shifted = subgradient_in_subdifferential(outside, W, X, y, 0.1, atol=tol, kink_atol=1e-9)
        ok = ok0 and ok1 and not shifted and not np.allclose(g0, g1)
        return ok, (f"margin > 0 (h = 0) accepted: {ok0}; margin ≥ 0 (h = 1) accepted: {ok1}; "
                    f"a point past the segment rejected: {not shifted}")

    def learns() -> tuple[bool, str]:
        sgd, best = sv["sgd"], sv["best"]
        ok = not sgd["diverged"] and sgd["mean_last_100"] < sgd["first_loss"] and best["val_accuracy"] > 1.0 / C
        return ok, (f"loss {sgd['first_loss']:.3f} -> {sgd['mean_last_100']:.3f}; best validation accuracy "
                    f"{best['val_accuracy']:.3f} (chance {1 / C:.3f})")

    return [timed_check("svm: initial loss ≈ C − 1", initial),
            timed_check("svm: sparse gradient check", gradcheck),
            timed_check("svm: naive = vectorised", naive_fast),
            timed_check("svm: numerics = derived subgradient", derived),
            timed_check("svm: kink values 0 and 1 are subgradients", kink),
            timed_check("svm: SGD learns", learns)]


def run(ctx: ExperimentContext) -> dict[str, Any]:
    """The SVM experiment (``gradproof svm`` with the context's dataset and seed); saves its figures."""
    from numerics.svm_experiment import run_svm_experiment, save_svm_figures

    result = run_svm_experiment(ctx.dataset, data_dir=ctx.data_dir, download=ctx.download, seed=ctx.seed,
                                progress=ctx.progress)
    save_svm_figures(result, ctx.figures_dir)
    return result.to_dict()


def checks(record: dict[str, Any], ctx: ExperimentContext) -> list[Check]:
    """The checks of :func:`svm_checks` on the problem's check stream."""
    return svm_checks(record, ctx.dataset, ctx.data_dir, ctx.check_rng())
