r"""Problem 1's numbers: a synthetic regression problem, Monte Carlo against the closed form, the shrinkage path.

A Monte-Carlo estimate of :math:`\mathbb{E}_\delta[\tilde L(\theta)]` beside the closed form
:math:`L(\theta) + \sigma^2\|\theta\|^2`, and the shrinkage path :math:`\|\theta^*(\sigma)\|`
with its two limits (:func:`run`), and the checks of those numbers against the derivation (:func:`checks`).
Seeded through the problem's own random stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from derive.registry import ExperimentContext
from derive.solutions.checking import PNG_SAVE, rel_difference, timed_check
from derive.solutions.results import Check

__all__ = ["NoisyNumbers", "run", "checks", "noisy_experiment", "regression_problem", "save_shrinkage_figure",
           "NOISY_SIZES", "MC_SIGMAS", "MC_DRAWS", "PATH_SIGMAS", "MC_Z_MAX", "FIGURE_FILE"]

#: the file of the shrinkage-path figure
FIGURE_FILE = "shrinkage_path.png"

#: (N, d, standard deviation of the targets' noise) of the synthetic regression problem
NOISY_SIZES: tuple[int, int, float] = (40, 5, 0.5)
#: noise levels of the Monte-Carlo comparison, and draws per level
MC_SIGMAS: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0)
#: noise levels of the shrinkage path (log-spaced)
PATH_SIGMAS: tuple[float, ...] = tuple(float(s) for s in np.logspace(-3, 2, 51))


@dataclass(frozen=True)
class NoisyNumbers:
    """Problem 1 on a synthetic regression problem: Monte Carlo against the closed form, shrinkage path.

    ``monte_carlo`` rows are ``(sigma, closed_form, mc_mean, mc_standard_error)``; the path
    is ``‖θ*(σ)‖`` at ``sigmas``.
    """

    n_samples: int
    n_features: int
    noise_std: float
    n_draws: int
    monte_carlo: tuple[tuple[float, float, float, float], ...]
    sigmas: tuple[float, ...]
    norms: tuple[float, ...]
    least_squares_norm: float
    asymptote_coefficient: float

    @property
    def small_sigma(self) -> tuple[float, float]:
        """``(σ_min, ‖θ*(σ_min)‖)``: the σ → 0 end of the path."""
        return self.sigmas[0], self.norms[0]

    @property
    def large_sigma(self) -> tuple[float, float]:
        """``(σ_max, σ_max² ‖θ*(σ_max)‖)``: the σ → ∞ end, to compare with ``‖Xᵀy‖ / N``."""
        return self.sigmas[-1], self.sigmas[-1] ** 2 * self.norms[-1]


MC_DRAWS = 20000




def regression_problem(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The synthetic problem: :math:`X \sim \mathcal N(0, 1)^{N\times d}`, :math:`y = X\theta_0 + 0.5\,\varepsilon`.

    Returns
    -------
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,)
    theta0 : ndarray of shape (d,)
        The parameters that generated ``y`` (where the Monte-Carlo loss is evaluated).
    """
    n, d, noise = NOISY_SIZES
    X = rng.standard_normal((n, d))
    theta0 = rng.standard_normal(d)
    y = X @ theta0 + noise * rng.standard_normal(n)
    return X, y, theta0


def noisy_experiment(rng: np.random.Generator) -> NoisyNumbers:
    """Monte Carlo against the closed form at :data:`MC_SIGMAS`, and the shrinkage path.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the problem, then the Monte-Carlo noise.
    """
    from numerics.noisy import expected_noisy_loss, noisy_loss_monte_carlo, shrinkage_limits, shrinkage_path

    X, y, theta0 = regression_problem(rng)
    rows = []
    for s in MC_SIGMAS:
        mean, se = noisy_loss_monte_carlo(theta0, X, y, s, n_draws=MC_DRAWS, rng=rng)
        rows.append((s, expected_noisy_loss(theta0, X, y, s), mean, se))
    norms = shrinkage_path(X, y, np.array(PATH_SIGMAS))
    ls, coef = shrinkage_limits(X, y)
    n, d, noise = NOISY_SIZES
    return NoisyNumbers(n, d, noise, MC_DRAWS, tuple(rows), PATH_SIGMAS, tuple(float(v) for v in norms), ls, coef)


def save_shrinkage_figure(noisy: NoisyNumbers, path: Path) -> Path:
    """Save the shrinkage-path figure to ``path``; return ``path``."""
    from numerics.linear_plots import plot_shrinkage_path

    fig = plot_shrinkage_path(noisy.sigmas, noisy.norms, least_squares_norm=noisy.least_squares_norm,
                              asymptote_coefficient=noisy.asymptote_coefficient)
    fig.savefig(path, **PNG_SAVE)
    return path


#: Monte-Carlo estimates within this many standard errors of the closed form
MC_Z_MAX = 4.0


def noisy_checks(noisy: NoisyNumbers, rng: np.random.Generator) -> list[Check]:
    """Monte Carlo = closed form; derived = numerics; the path's two limits and monotonicity."""

    def monte_carlo() -> tuple[bool, str]:
        z = [abs(mc - closed) / se for _, closed, mc, se in noisy.monte_carlo]
        return max(z) < MC_Z_MAX, f"largest |MC - closed form| = {max(z):.1f} standard errors (limit {MC_Z_MAX:g})"

    def derived() -> tuple[bool, str]:
        import derive.noisy.maths as dn
        import numerics.noisy as nn
        
        X, y, theta = regression_problem(rng)
        e_loss = max(rel_difference(dn.expected_noisy_loss(theta, X, y, s), nn.expected_noisy_loss(theta, X, y, s))
                     for s in (0.1, 1.0))
        e_min = max(rel_difference(dn.ridge_minimiser(X, y, s), nn.ridge_minimiser(X, y, s)) for s in (0.1, 1.0))
        return max(e_loss, e_min) < 1e-10, f"relative difference: E[L̃] {e_loss:.0e}, θ*(σ) {e_min:.0e}"

    def limits() -> tuple[bool, str]:
        (s0, n0), (s1, r1) = noisy.small_sigma, noisy.large_sigma
        e0 = abs(n0 / noisy.least_squares_norm - 1)
        e1 = abs(r1 / noisy.asymptote_coefficient - 1)
        return e0 < 1e-3 and e1 < 1e-2, (f"σ = {s0:g}: ‖θ*‖ / ‖θ_LS‖ − 1 = {e0:.0e}; "
                                         f"σ = {s1:g}: σ²‖θ*‖ / (‖Xᵀy‖/N) − 1 = {e1:.0e}")

    def decreasing() -> tuple[bool, str]:
        steps = np.diff(noisy.norms)
        return bool(np.all(steps < 0)), f"{int(np.count_nonzero(steps < 0))} of {steps.size} steps decrease"

    return [timed_check("noisy: Monte Carlo = L + σ²‖θ‖²", monte_carlo),
            timed_check("noisy: numerics = derived", derived),
            timed_check("noisy: limits σ → 0, σ → ∞", limits),
            timed_check("noisy: ‖θ*(σ)‖ decreases", decreasing)]


def run(ctx: ExperimentContext) -> NoisyNumbers:
    """Problem 1's experiment on the problem's random stream; saves the shrinkage-path figure."""
    noisy = noisy_experiment(ctx.rng())
    save_shrinkage_figure(noisy, ctx.figures_dir / FIGURE_FILE)
    return noisy


def checks(noisy: NoisyNumbers, ctx: ExperimentContext) -> list[Check]:
    """The checks of :func:`noisy_checks` on the problem's check stream."""
    return noisy_checks(noisy, ctx.check_rng())
