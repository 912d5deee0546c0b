"""Battery: E_δ[L̃(θ)] -- the closed forms of numerics and derive against a seeded Monte-Carlo
estimate, within MC_K = 5 standard errors (justified at ``battery.noisy.MC_K``).

The seed is chosen by hypothesis, so the ci profile is reproducible and the thorough profile
explores many noise draws.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, note

from battery import MC_DRAWS, ExpectationCase, RidgeCase, check_expectation, expectation_cases, noisy_impls


@given(case=expectation_cases())
def test_closed_form_is_within_k_standard_errors_of_monte_carlo(case: ExpectationCase) -> None:
    c = case.ridge
    note(f"theta = {c.theta.tolist()!r}\nX = {c.X.tolist()!r}\ny = {c.y.tolist()!r}\nsigma = {c.sigma!r}")
    note(f"seed = {case.seed}, {MC_DRAWS} draws")
    check_expectation(noisy_impls(), case)


def test_monte_carlo_is_seeded() -> None:
    """The same seed gives the same estimate (the battery's cases are reproducible)."""
    c = RidgeCase(np.array([1.0, -2.0]), np.array([[1.0, 0.5], [0.0, 2.0]]), np.array([1.0, -1.0]), 0.7)
    mc = noisy_impls()["monte-carlo/numerics.noisy"]
    a = mc(c.theta, c.X, c.y, c.sigma, 100, np.random.default_rng(3))
    b = mc(c.theta, c.X, c.y, c.sigma, 100, np.random.default_rng(3))
    assert a == b
    check_expectation(noisy_impls(), ExpectationCase(c, 3))
