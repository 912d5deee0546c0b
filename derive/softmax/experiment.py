r"""Problem 5's numbers: the softmax classifier of :mod:`numerics.softmax_experiment`, and its checks.

:func:`run` runs :func:`numerics.softmax_experiment.run_softmax_experiment` (the same
function as ``gradproof softmax``) and saves its figures; :func:`checks` compares the
initial loss with the derived :math:`\log C`, the gradient checks, loop against
vectorised, numerics against the derived gradient, and that SGD learns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from derive.registry import ExperimentContext
from derive.solutions.checking import rel_difference, sample_rows, timed_check
from derive.solutions.results import Check

__all__ = ["run", "checks", "softmax_checks", "GRAD_CHECK_TOL", "LOOP_FAST_TOL", "INITIAL_LOSS_TOL", "INIT_W_STD"]

#: the homework expects sparse gradient-check relative errors of about 1e-7; at CIFAR pixel scale a
#: few entries reach 1e-6 (central differences with h = 1e-5 on scores of size ~1e2), so the check
#: uses numerics' float64 tolerance and reports the largest error it saw
GRAD_CHECK_TOL = 1e-5


#: loop and vectorised softmax must agree to rounding
LOOP_FAST_TOL = 1e-10


#: |initial loss - log C| beyond the second-order offset of W ~ 1e-4 N(0, 1) (see softmax_checks)
INITIAL_LOSS_TOL = 0.01


#: the standard deviation of the initial weights (SPEC problem 5)
INIT_W_STD = 1e-4


def softmax_checks(sm: dict[str, Any], dataset: str, data_dir: str | Path | None,
                   rng: np.random.Generator) -> list[Check]:
    """Initial loss, gradient checks, loop = vectorised, numerics = derived, SGD learns."""
    C = int(sm["n_classes"])

    def initial() -> tuple[bool, str]:
        # Small scores s = W x: loss ≈ log C + mean_k s_k + ½ var_k(s) − s_y, whose expectation over
        # W ~ σ_w N(0, 1) is log C + ½ (1 − 1/C) σ_w² ‖x‖²: the band allows twice that offset.
        from derive.softmax.functions import initial_loss

        X, _ = sample_rows(dataset, data_dir, rng, 200)
        Xc = X.astype(float) - X.mean(axis=0)
        offset = 0.5 * (1 - 1 / C) * INIT_W_STD**2 * float(np.mean(np.sum(Xc * Xc, axis=1) + 1.0))
        log_c = float(initial_loss(C))
        diff = abs(sm["initial_loss"] - log_c)
        band = INITIAL_LOSS_TOL + 4 * offset
        return diff < band, (f"initial loss {sm['initial_loss']:.6f}, derived log C = {log_c:.6f} "
                             f"(band ± {band:.3f})")

    def gradcheck() -> tuple[bool, str]:
        worst = max(max(sm["grad_check"]["loop"]), max(sm["grad_check"]["fast"]))
        below = worst < 1e-7
        return worst < GRAD_CHECK_TOL, ("max relative error < 1e-07" if below else
                                        f"max relative error {'<' if worst < GRAD_CHECK_TOL else '>='} "
                                        f"{GRAD_CHECK_TOL:g}")

    def loop_fast() -> tuple[bool, str]:
        lf = sm["loop_vs_fast"]
        worst = max(lf["loss_difference"], lf["grad_max_abs_difference"])
        return worst < LOOP_FAST_TOL, f"largest difference {'<' if worst < LOOP_FAST_TOL else '>='} {LOOP_FAST_TOL:g}"

    def derived() -> tuple[bool, str]:
        from derive.softmax.functions import mean_loss, mean_loss_grad
        from numerics.preprocess import append_bias
        from numerics.softmax import softmax_loss_and_grad

        X, y = sample_rows(dataset, data_dir, rng, 100)
        Xb = append_bias(X.astype(float) - X.mean(axis=0))
        W = 1e-3 * rng.standard_normal((C, Xb.shape[1]))
        loss, grad = softmax_loss_and_grad(W, Xb, y)
        e_loss, e_grad = rel_difference(loss, mean_loss(W, Xb, y)), rel_difference(grad, mean_loss_grad(W, Xb, y))
        return max(e_loss, e_grad) < 1e-10, f"relative difference: loss {e_loss:.0e}, gradient {e_grad:.0e}"

    def learns() -> tuple[bool, str]:
        sgd, best = sm["sgd"], sm["best"]
        ok = sgd["mean_last_100"] < sgd["first_loss"] and best["val_accuracy"] > 1.0 / C
        return ok, (f"loss {sgd['first_loss']:.3f} -> {sgd['mean_last_100']:.3f}; "
                    f"best validation accuracy {best['val_accuracy']:.3f} (chance {1 / C:.3f})")

    return [timed_check("softmax: initial loss = log C", initial),
            timed_check("softmax: sparse gradient check", gradcheck),
            timed_check("softmax: loop = vectorised", loop_fast),
            timed_check("softmax: numerics = derived gradient", derived),
            timed_check("softmax: SGD learns", learns)]


def run(ctx: ExperimentContext) -> dict[str, Any]:
    """The softmax experiment (``gradproof softmax`` with the context's dataset and seed); saves its figures."""
    from numerics.softmax_experiment import run_softmax_experiment, save_softmax_figures

    result = run_softmax_experiment(ctx.dataset, data_dir=ctx.data_dir, download=ctx.download, seed=ctx.seed)
    save_softmax_figures(result, ctx.figures_dir)
    return result.to_dict()


def checks(softmax: dict[str, Any], ctx: ExperimentContext) -> list[Check]:
    """The checks of :func:`softmax_checks` on the problem's check stream."""
    return softmax_checks(softmax, ctx.dataset, ctx.data_dir, ctx.check_rng())
