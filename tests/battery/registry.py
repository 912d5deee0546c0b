"""The battery: each quantity's table and its (check, strategy) components."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from battery.distances import check_distances, distance_cases, distance_impls
from battery.gradcheck import check_numerical_gradient, gradcheck_impls
from battery.hinge import check_hinge_kink, check_hinge_smooth, hinge_cases, hinge_impls, hinge_kink_cases
from battery.noisy import (check_expectation, check_ridge, check_ridge_minimiser, expectation_cases, minimiser_cases,
                           noisy_impls, ridge_cases)
from battery.report import Impl, Impls
from battery.softmax import (check_softmax, check_softmax_initial, check_softmax_predict, check_softmax_stability,
                             large_score_cases, softmax_cases, softmax_impls)


@dataclass(frozen=True)
class Component:
    """One check of the battery with the strategy its cases come from."""

    name: str
    check: Callable[[Impls, Any], None]
    cases: Callable[[], st.SearchStrategy[Any]]


@dataclass(frozen=True)
class Battery:
    """A quantity's implementations under test and the checks that must all pass for them."""

    impls: Callable[[], dict[str, Impl]]
    components: tuple[Component, ...]


BATTERIES: dict[str, Battery] = {
    "softmax": Battery(softmax_impls, (
        Component("loss and gradient", check_softmax, softmax_cases),
        Component("initial loss", check_softmax_initial, softmax_cases),
        Component("predict", check_softmax_predict, lambda: softmax_cases(untied=True)),
        Component("stability", check_softmax_stability, large_score_cases),
    )),
    "hinge": Battery(hinge_impls, (
        Component("off the kinks", check_hinge_smooth, hinge_cases),
        Component("at a kink", check_hinge_kink, hinge_kink_cases),
    )),
    "noisy": Battery(noisy_impls, (
        Component("objective and gradient", check_ridge, ridge_cases),
        Component("minimiser", check_ridge_minimiser, minimiser_cases),
        Component("expectation", check_expectation, expectation_cases),
    )),
    "distances": Battery(distance_impls, (
        Component("all norms", check_distances, distance_cases),
    )),
    "gradcheck": Battery(gradcheck_impls, (
        Component("finite differences and checkers", check_numerical_gradient,
                  lambda: softmax_cases(dtypes=(np.float64,))),
    )),
}
