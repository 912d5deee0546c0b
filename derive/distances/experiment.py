r"""Problem 2's numbers: the kNN experiment of :mod:`numerics.knn.experiment`, and its checks.

:func:`run` runs :func:`numerics.knn.experiment.run_knn_experiment` (the same function as
``gradproof knn``) and saves its figures; :func:`checks` compares the vectorised distances
with the naive loop and with the derived expansion, and the cross-validation's choice
with the minimum of its table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from derive.registry import ExperimentContext
from derive.solutions.checking import rel_difference, sample_rows, timed_check
from derive.solutions.results import Check

__all__ = ["run", "checks", "knn_checks"]


def knn_checks(knn: dict[str, Any], dataset: str, data_dir: str | Path | None, rng: np.random.Generator) -> list[Check]:
    """Vectorised distances against the naive loop and the derived expansion; the CV choice is the minimum."""
    X, _ = sample_rows(dataset, data_dir, rng, 90)
    test, train = X[:30], X[30:]

    def naive() -> tuple[bool, str]:
        from numerics.knn.distances import compute_distances, naive_distances

        norms = {"l1": lambda v: np.abs(v).sum(), "l2": np.linalg.norm, "linf": lambda v: np.abs(v).max()}
        errs = {k: rel_difference(compute_distances(test, train, k), naive_distances(test, train, f)) for k, f in norms.items()}
        worst = max(errs.values())
        return worst < 1e-12, "max relative difference " + ", ".join(f"{k} {v:.0e}" for k, v in errs.items())

    def derived() -> tuple[bool, str]:
        from derive.distances.maths import squared_distances
        from numerics.knn.distances import l2_distances

        err = rel_difference(l2_distances(test, train, squared=True), squared_distances(test.astype(float), train.astype(float)))
        return err < 1e-12, f"vectorised squared L2 vs ‖x‖² + ‖z‖² − 2xᵀz lambdified: relative difference {err:.0e}"

    def best() -> tuple[bool, str]:
        cv = knn["cv"]
        mean = np.asarray(cv["mean"])
        a = cv["norms"].index("l2")
        k_best = cv["ks"][int(np.argmin(mean[a]))]
        b = cv["ks"].index(knn["best_k"])
        n_best = cv["norms"][int(np.argmin(mean[:, b]))]
        ok = k_best == knn["best_k"] and n_best == knn["best"]["norm"]
        return ok, f"best k {knn['best_k']} (argmin {k_best}), best norm {knn['best']['norm']} (argmin {n_best})"

    return [timed_check("kNN: vectorised = naive distances", naive),
            timed_check("kNN: vectorised L2 = derived expansion", derived),
            timed_check("kNN: CV picks the minimum", best)]


def run(ctx: ExperimentContext) -> dict[str, Any]:
    """The kNN experiment (``gradproof knn`` with the context's dataset and seed); saves its figures."""
    from numerics.knn.experiment import run_knn_experiment, save_knn_figures

    result = run_knn_experiment(ctx.dataset, data_dir=ctx.data_dir, download=ctx.download, seed=ctx.seed)
    save_knn_figures(result, ctx.figures_dir)
    return result.to_dict()


def checks(knn: dict[str, Any], ctx: ExperimentContext) -> list[Check]:
    """The checks of :func:`knn_checks` on the problem's check stream."""
    return knn_checks(knn, ctx.dataset, ctx.data_dir, ctx.check_rng())
