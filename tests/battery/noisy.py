"""Noisy regression / ridge: references, bounds, implementations, checks and strategies."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from battery.error_model import EPS, FloatArray
from battery.finite_differences import central_difference, probe_indices
from battery.report import Impl, Impls, Report, select
from battery.strategies import float_arrays, floats
from battery.components import Battery, Component, Mutant, Wrap

#: step for the quadratic ridge objective: M₃ = 0, so a larger step only shrinks the rounding term δ_f/h
RIDGE_FD_STEP = 2.0**-7


@dataclass(frozen=True)
class RidgeCase:
    """Parameters ``theta`` (d,), data ``X`` (N, d), targets ``y`` (N,), noise level ``sigma`` ≥ 0."""

    theta: FloatArray
    X: FloatArray
    y: FloatArray
    sigma: float


def reference_ridge_objective(theta: FloatArray, X: FloatArray, y: FloatArray, sigma: float) -> float:
    """L(θ) + σ²‖θ‖² with L the mean squared error."""
    r = np.einsum("id,d->i", X, theta) - y
    return float(np.mean(r * r) + sigma * sigma * np.sum(theta * theta))


def ridge_bounds(case: RidgeCase, pad: float = 0.0) -> tuple[float, float, FloatArray]:
    r"""Bounds on one float64 evaluation of L, of L + σ²‖θ‖² and of each gradient entry.

    Residuals :math:`r_i = x_i^\top\theta - y_i` within :math:`\rho_i = (d+1)\varepsilon(|x_i|^\top|\theta| + |y_i|)`;
    :math:`\frac1N\|r\|^2` within :math:`\frac1N(2|r|^\top\rho + \rho^\top\rho + (N+1)\varepsilon\|r\|^2)`;
    :math:`\sigma^2\|\theta\|^2` within :math:`(d+3)\varepsilon\sigma^2\|\theta\|^2`; the gradient
    :math:`\frac2N X^\top r + 2\sigma^2\theta` within
    :math:`\frac2N |X|^\top(\rho + (N+1)\varepsilon|r|) + 4\varepsilon\sigma^2|\theta| + \varepsilon|g|`.
    ``pad`` widens |θ| (for evaluations at θ ± h).
    """
    theta, X, y, s2 = case.theta, case.X, case.y, case.sigma**2
    N, d = X.shape
    at = np.abs(theta) + pad
    r = X @ theta - y
    ar = np.abs(r) + np.abs(X) @ np.full(d, pad)
    rho = (d + 1) * EPS * (np.abs(X) @ at + np.abs(y))
    sq = float((2 * ar @ rho + rho @ rho + (N + 1) * EPS * (ar @ ar)) / N)
    obj = sq + (d + 3) * EPS * s2 * float(at @ at) + EPS * (float(ar @ ar) / N + s2 * float(at @ at))
    g = 2 / N * X.T @ r + 2 * s2 * theta
    grad = 2 / N * np.abs(X).T @ (rho + (N + 1) * EPS * ar) + 4 * EPS * s2 * at + EPS * np.abs(g)
    return sq, obj, grad


@functools.cache
def _noisy_table() -> dict[str, Impl]:
    import derive.noisy as dn
    from numerics import noisy as nn

    def objective(mod: Any) -> Impl:
        return lambda theta, X, y, sigma: (mod.squared_loss(theta, X, y), mod.expected_noisy_loss(theta, X, y, sigma),
                                           mod.ridge_gradient(theta, X, y, sigma))

    return {
        # objective/<name>: (theta, X, y, sigma) -> (L, E[L~] closed form, gradient of E[L~])
        "objective/numerics.noisy": objective(nn),
        "objective/derive.noisy": objective(dn),
        # minimiser/<name>: (X, y, sigma) -> theta*(sigma)
        "minimiser/numerics.noisy": nn.ridge_minimiser,
        "minimiser/derive.noisy": dn.ridge_minimiser,
        # monte-carlo/<name>: (theta, X, y, sigma, n_draws, rng) -> (mean, standard error)
        "monte-carlo/numerics.noisy": lambda theta, X, y, sigma, n_draws, rng: nn.noisy_loss_monte_carlo(
            theta, X, y, sigma, n_draws=n_draws, rng=rng),
    }


def noisy_impls() -> dict[str, Impl]:
    """The noisy-regression implementations under test (a fresh dict)."""
    return dict(_noisy_table())


def check_ridge(impls: Impls, case: RidgeCase, *, probes: int | None = None,
                rng: np.random.Generator | None = None) -> None:
    """L, E[L~] = L + σ²‖θ‖² and its gradient (vs reference and central differences) for ``objective/``.

    ``probes`` limits the finite differences to that many coordinates drawn with ``rng``.
    """
    theta, X, y, sigma = case.theta, case.X, case.y, case.sigma
    rep = Report("noisy regression objective and ridge gradient")
    sq_bound, obj_bound, grad_bound = ridge_bounds(case)
    _, obj_bound_h, _ = ridge_bounds(case, pad=RIDGE_FD_STEP)
    r = X @ theta - y
    ref_sq = float(np.mean(r * r))
    ref_obj = reference_ridge_objective(theta, X, y, sigma)
    ref_grad = 2 / X.shape[0] * X.T @ r + 2 * sigma * sigma * theta
    idx = probe_indices(theta.size, probes, rng)
    fd = central_difference(lambda t: reference_ridge_objective(t, X, y, sigma), theta, idx, h=RIDGE_FD_STEP)
    for name, fn in select(impls, "objective").items():
        out = rep.call(name, fn, theta, X, y, sigma)
        if out is None:
            continue
        sq, obj, grad = out
        rep.compare(name, "L(theta)", sq, ref_sq, 2 * sq_bound)
        rep.compare(name, "E[L~] closed form", obj, ref_obj, 2 * obj_bound)
        if rep.compare(name, "gradient vs reference", grad, ref_grad, 2 * grad_bound):
            # quadratic: the central difference has no truncation error, only rounding δ_f/h
            rep.compare(name, "gradient vs central differences", np.asarray(grad).reshape(-1)[idx], fd,
                        obj_bound_h / RIDGE_FD_STEP + grad_bound[idx])
    rep.close()


def ridge_condition(X: FloatArray, sigma: float) -> float:
    """2-norm condition number of XᵀX + Nσ²I."""
    A = X.T @ X + X.shape[0] * sigma * sigma * np.eye(X.shape[1])
    return float(np.linalg.cond(A))


def mp_ridge_minimiser(X: FloatArray, y: FloatArray, sigma: float, dps: int = 50) -> FloatArray:
    """(XᵀX + Nσ²I)⁻¹Xᵀy solved in mpmath at ``dps`` digits from the exact float inputs (small d)."""
    N, d = X.shape
    with mpmath.workdps(dps):
        Xm = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in X])
        ym = mpmath.matrix([mpmath.mpf(float(v)) for v in y])
        A = Xm.T * Xm + N * mpmath.mpf(float(sigma)) ** 2 * mpmath.eye(d)
        theta = mpmath.lu_solve(A, Xm.T * ym)
        return np.array([float(theta[k]) for k in range(d)])


def check_ridge_minimiser(impls: Impls, case: RidgeCase) -> None:
    r"""``minimiser/`` impls equal θ* = (XᵀX + Nσ²I)⁻¹Xᵀy computed in mpmath (50 digits).

    Perturbation bound for a float64 solve: :math:`\|\delta\theta\| / \|\theta\| \le
    \kappa(A)(\|\delta A\|/\|A\| + \|\delta b\|/\|b\|) / (1 - \kappa\|\delta A\|/\|A\|)` with
    :math:`A = X^\top X + N\sigma^2 I` formed within :math:`(N + 2)\varepsilon(\||X|^\top|X|\| + N\sigma^2)`,
    the solve backward-stable within :math:`4d\varepsilon\|A\|`, and :math:`b = X^\top y` within
    :math:`(N+1)\varepsilon\||X|^\top|y|\|`; the last factor is at most 2 for κ ≤ 1e8 (assumed by
    :func:`minimiser_cases`), plus one rounding of the reference.
    """
    X, y, sigma = case.X, case.y, case.sigma
    N, d = X.shape
    if not sigma > 0:
        raise ValueError("check_ridge_minimiser: needs sigma > 0")
    A = X.T @ X + N * sigma * sigma * np.eye(d)
    kappa = float(np.linalg.cond(A))
    ref = mp_ridge_minimiser(X, y, sigma)
    normA = float(np.linalg.norm(A, 2))
    dA = ((N + 2) * EPS * (np.linalg.norm(np.abs(X).T @ np.abs(X), 2) + N * sigma * sigma) + 4 * d * EPS * normA) / normA
    nb = float(np.linalg.norm(X.T @ y))
    db = (N + 1) * EPS * float(np.linalg.norm(np.abs(X).T @ np.abs(y))) / nb if nb > 0 else 0.0
    tol = (2 * kappa * (dA + db) + EPS) * float(np.linalg.norm(ref))
    rep = Report("ridge minimiser")
    for name, fn in select(impls, "minimiser").items():
        got = rep.call(name, fn, X, y, sigma)
        if got is not None and rep.compare(name, "theta*", got, ref, np.inf):  # shape and NaN first
            err = float(np.linalg.norm(np.asarray(got, dtype=np.float64) - ref))
            if not err <= tol:
                rep.fail(name, f"theta*: ‖got - reference‖ = {err:.3g} > {tol:.3g} (κ = {kappa:.3g}); "
                               f"got {np.asarray(got).tolist()}, reference {ref.tolist()}")
    rep.close()


#: Monte-Carlo draws per check: the mean of 4000 skewed (χ²-like) draws is close to normal
MC_DRAWS = 4000
#: accepted |closed form - MC mean| in standard errors.  Normal tail P(|Z| > 5) = 5.7e-7 per
#: check; the skewness of the mean (≤ √8/√4000 = 0.045) and the 1/√(2·4000) = 1% error of the
#: estimated SE raise that by well under 10x: < 1e-3 chance of a false alarm over the 1000
#: examples of the thorough profile, while a wrong regulariser term (e.g. σ²‖θ‖ or σ‖θ‖²)
#: is many standard errors off whenever σ‖θ‖ is not small.
MC_K = 5.0


@dataclass(frozen=True)
class ExpectationCase:
    """A ridge case plus the seed of the Monte-Carlo draws."""

    ridge: RidgeCase
    seed: int


def check_expectation(impls: Impls, case: ExpectationCase) -> None:
    """Each closed form (``objective/``) is within MC_K standard errors of each ``monte-carlo/`` estimate."""
    c = case.ridge
    rep = Report(f"E[L~]: closed form vs Monte Carlo within {MC_K} standard errors")
    estimates = {}
    for name, fn in select(impls, "monte-carlo").items():
        out = rep.call(name, fn, c.theta, c.X, c.y, c.sigma, MC_DRAWS, np.random.default_rng(case.seed))
        if out is None:
            continue
        mean, se = (float(v) for v in out)
        if not (np.isfinite(mean) and np.isfinite(se) and se >= 0):
            rep.fail(name, f"estimate {mean!r} ± {se!r} is not a finite mean with a standard error ≥ 0")
            continue
        estimates[name] = (mean, se)
    for name, fn in select(impls, "objective").items():
        out = rep.call(name, fn, c.theta, c.X, c.y, c.sigma)
        if out is None:
            continue
        for mc_name, (mean, se) in estimates.items():
            rep.compare(name, f"closed form vs {mc_name} (mean {mean:.6g}, SE {se:.3g})", out[1], mean,
                        MC_K * se + 8 * EPS * abs(mean))
    rep.close()


@st.composite
def ridge_cases(draw: st.DrawFn, *, min_sigma: float = 0.0) -> RidgeCase:
    """Small cases: N in 1..6, d in 1..4, σ in [min_sigma, 3] (0 included when min_sigma is 0)."""
    N = draw(st.integers(1, 6), label="N")
    d = draw(st.integers(1, 4), label="d")
    X = draw(float_arrays((N, d), -3, 3), label="X")
    y = draw(float_arrays((N,), -3, 3), label="y")
    theta = draw(float_arrays((d,), -2, 2), label="theta")
    sigma = draw(st.one_of(st.just(min_sigma), floats(min_sigma, 3.0)), label="sigma")
    return RidgeCase(theta, X, y, sigma)


@st.composite
def minimiser_cases(draw: st.DrawFn) -> RidgeCase:
    """Ridge cases with σ ≥ 0.05 and a condition number of XᵀX + Nσ²I at most 1e8 (assumed, not loosened)."""
    case = draw(ridge_cases(min_sigma=0.05))
    assume(ridge_condition(case.X, case.sigma) <= 1e8)
    return case


@st.composite
def expectation_cases(draw: st.DrawFn) -> ExpectationCase:
    """Ridge cases with σ in [0.1, 2] and a hypothesis-chosen seed for the noise."""
    ridge = draw(ridge_cases(min_sigma=0.1).filter(lambda c: c.sigma <= 2.0))
    # the sample variance squares deviations of the size of the loss: below ~1e-154 they underflow
    # and the standard error becomes 0; such losses are far outside the homework's range
    assume(reference_ridge_objective(ridge.theta, ridge.X, ridge.y, ridge.sigma) > 1e-100)
    return ExpectationCase(ridge, draw(st.integers(0, 2**32 - 1), label="seed"))


# -- mutants: the mistakes these checks must catch (test_battery_mutants.py) --------------------

def objective_mutant(change: Callable[[Any, Any, Any, float, tuple[Any, Any, Any]], tuple[Any, Any, Any]]) -> Wrap:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        return lambda theta, X, y, sigma: change(theta, X, y, sigma, fn(theta, X, y, sigma))
    return wrap


RIDGE_MUTANTS = [
    ("ridge gradient x 1.001", "objective and gradient", objective_mutant(lambda t, X, y, s, o: (o[0], o[1], o[2] * 1.001))),
    ("ridge gradient sign flipped", "objective and gradient", objective_mutant(lambda t, X, y, s, o: (o[0], o[1], -o[2]))),
    ("ridge gradient missing 1/N", "objective and gradient", objective_mutant(
        lambda t, X, y, s, o: (o[0], o[1], X.shape[0] * (o[2] - 2 * s * s * t) + 2 * s * s * t))),
    ("closed form with sigma^2 |theta| (wrong power)", "expectation", objective_mutant(
        lambda t, X, y, s, o: (o[0], o[1] - s * s * (t @ t) + s * s * math.sqrt(t @ t), o[2]))),
    ("closed form without the noise term", "expectation", objective_mutant(lambda t, X, y, s, o: (o[0], o[0], o[2]))),
    ("closed form with sigma |theta|^2", "objective and gradient", objective_mutant(
        lambda t, X, y, s, o: (o[0], o[1] - s * s * (t @ t) + s * (t @ t), o[2]))),
]


def minimiser_without_n(fn: Callable[..., Any]) -> Callable[..., Any]:
    """(XᵀX + σ²I)⁻¹Xᵀy: the N of Nσ² forgotten."""
    return lambda X, y, sigma: fn(X, y, sigma / math.sqrt(X.shape[0]))


MUTANTS: list[Mutant] = [
    *(Mutant(name, target, component, wrap)
      for target in ("objective/numerics.noisy", "objective/derive.noisy")
      for name, component, wrap in RIDGE_MUTANTS),
    *(Mutant("N sigma^2 -> sigma^2", target, "minimiser", minimiser_without_n)
      for target in ("minimiser/numerics.noisy", "minimiser/derive.noisy")),
]


BATTERY = Battery(noisy_impls, (
    Component("objective and gradient", check_ridge, ridge_cases),
    Component("minimiser", check_ridge_minimiser, minimiser_cases),
    Component("expectation", check_expectation, expectation_cases),
), mutants=tuple(MUTANTS), derivation_size="N", derivation_parameter="sigma")
