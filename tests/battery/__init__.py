r"""Machinery of the cross-verification battery (``tests/test_battery_*.py``).

The battery checks that the derived formulas (``derive``, lambdified), float64
central differences and the numerical code (``numerics``, loop and vectorised)
agree.  Everything a check needs lives in this package so that the mutant test
(``test_battery_mutants.py``) re-runs exactly the same checks with one
implementation swapped for a mutant.  One module per quantity -- ``softmax``,
``hinge``, ``noisy`` (noisy regression / ridge), ``distances`` and ``gradcheck``
(``numerics.gradcheck``'s engines and checkers) -- holds that quantity's

* **tables of implementations under test** -- flat ``{"kind/name": callable}``
  dicts with one calling convention per kind (:func:`softmax_impls`, ...);
* **independent references** -- scipy's ``logsumexp``, exact ``Fraction``
  arithmetic (hinge), Python integers and Fractions (distances), and mpmath at 50
  digits (softmax stability, ridge minimiser);
* **error bounds** from the float64 error model (the tolerances, derived in the
  functions ``*_bounds``);
* **checks** ``check_*(impls, case) -> None`` that raise :class:`BatteryFailure`
  naming every implementation that disagreed;
* **hypothesis strategies** for the cases.

Shared by all: ``report`` (:class:`BatteryFailure`, :class:`Report`, :func:`select`),
``error_model`` (ε, η), ``finite_differences``, ``strategies`` (float arrays, dtypes);
``registry`` holds :data:`BATTERIES`, which pairs each check with its strategy; ``components``
defines a :class:`Battery` (its implementations, checks, mutants and derivation size symbol).  Every
public name is re-exported here: import from ``battery``.

Tolerances
----------
A dot product of length :math:`n` computed in floating point is within
:math:`n\varepsilon\,|x|^\top|w|` of the exact one (:math:`\gamma_n \le n\varepsilon`
for :math:`n\varepsilon < 1/2`); every bound below propagates that through the
formula (first order; the few-ulp errors of ``exp``/``log``/division are covered by
explicit additive :math:`c\,\varepsilon` terms).  Two computations that each
satisfy a bound :math:`\delta` differ by at most :math:`2\delta` -- that factor 2 is
the only "safety factor".  Per dtype: ε and the underflow unit η are those of the least
precise floating input (:func:`working_eps`, :func:`working_eta`): float32 cases are held
to float32's ε = 2⁻²³ (code may compute in float32), float64 ones to 2⁻⁵², and integer
(uint8) distances must be exact.  A central difference with step :math:`h` of a function
computed within :math:`\delta_f` has error at most
:math:`h^2 M_3 / 6 + \delta_f / h` (:math:`M_3` a bound on the third derivative
along the probe); for the softmax loss :math:`M_3 \le \frac{1}{N}\sum_j |x_{jd}|^3
/ (6\sqrt3)` (the largest value of :math:`|p(1-p)(1-2p)|`), for the piecewise-linear
hinge (probes that do not cross a kink) and the quadratic ridge objective
:math:`M_3 = 0`.  Nothing here was tuned until green: when a check fails, the
bound or the implementation is wrong, and the failure says which values disagree.
"""

from __future__ import annotations

from battery.distances import (
    NORMS,
    DistanceCase,
    check_distances,
    distance_bounds,
    distance_cases,
    distance_impls,
    exact_distances,
)
from battery.error_model import EPS, FloatArray, f64, working_eps, working_eta
from battery.finite_differences import FD_STEP, central_difference, probe_indices
from battery.gradcheck import check_numerical_gradient, gradcheck_impls
from battery.hinge import (
    KINK_STEP,
    KINK_VALUES,
    HingeCase,
    check_hinge_kink,
    check_hinge_smooth,
    exact_hinge_loss,
    hinge_bounds,
    hinge_cases,
    hinge_impls,
    hinge_kink_cases,
    kink_clearance,
    one_sided_slopes,
    reference_hinge_loss,
)
from battery.noisy import (
    MC_DRAWS,
    MC_K,
    RIDGE_FD_STEP,
    ExpectationCase,
    RidgeCase,
    check_expectation,
    check_ridge,
    check_ridge_minimiser,
    expectation_cases,
    minimiser_cases,
    mp_ridge_minimiser,
    noisy_impls,
    reference_ridge_objective,
    ridge_bounds,
    ridge_cases,
    ridge_condition,
)
from battery.components import Mutant, Wrap
from battery.registry import BATTERIES, Battery, Component
from battery.report import BatteryFailure, Impl, Impls, Report, select
from battery.softmax import (
    SOFTMAX_M3,
    SoftmaxCase,
    argmax_is_robust,
    check_softmax,
    check_softmax_initial,
    check_softmax_predict,
    check_softmax_stability,
    large_score_cases,
    mp_softmax_loss_and_grad,
    reference_softmax_grad,
    reference_softmax_loss,
    softmax_bounds,
    softmax_cases,
    softmax_fd_bound,
    softmax_impls,
)
from battery.strategies import DTYPES, float_arrays, floats

__all__ = [
    "argmax_is_robust",
    "BATTERIES",
    "Battery",
    "BatteryFailure",
    "central_difference",
    "check_distances",
    "check_expectation",
    "check_hinge_kink",
    "check_hinge_smooth",
    "check_numerical_gradient",
    "check_ridge",
    "check_ridge_minimiser",
    "check_softmax",
    "check_softmax_initial",
    "check_softmax_predict",
    "check_softmax_stability",
    "Component",
    "distance_bounds",
    "distance_cases",
    "distance_impls",
    "DistanceCase",
    "DTYPES",
    "EPS",
    "exact_distances",
    "exact_hinge_loss",
    "expectation_cases",
    "ExpectationCase",
    "f64",
    "FD_STEP",
    "float_arrays",
    "FloatArray",
    "floats",
    "gradcheck_impls",
    "hinge_bounds",
    "hinge_cases",
    "hinge_impls",
    "hinge_kink_cases",
    "HingeCase",
    "Impl",
    "Impls",
    "kink_clearance",
    "KINK_STEP",
    "KINK_VALUES",
    "large_score_cases",
    "MC_DRAWS",
    "MC_K",
    "minimiser_cases",
    "Mutant",
    "mp_ridge_minimiser",
    "mp_softmax_loss_and_grad",
    "noisy_impls",
    "NORMS",
    "one_sided_slopes",
    "probe_indices",
    "reference_hinge_loss",
    "reference_ridge_objective",
    "reference_softmax_grad",
    "reference_softmax_loss",
    "Report",
    "ridge_bounds",
    "ridge_cases",
    "ridge_condition",
    "RIDGE_FD_STEP",
    "RidgeCase",
    "select",
    "softmax_bounds",
    "softmax_cases",
    "softmax_fd_bound",
    "softmax_impls",
    "SOFTMAX_M3",
    "SoftmaxCase",
    "working_eps",
    "working_eta",
    "Wrap",
]
