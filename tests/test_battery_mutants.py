"""The battery is checked: every mutant of an implementation is caught by the SAME battery checks.

A mutant is a student's mistake (SPEC's list, plus hinge, ridge, distance and checker ones)
wrapped around a real implementation.  For each mutant the implementation table of its
quantity gets the mutant in place of the real entry (same key), and hypothesis' ``find``
searches the check's own case strategy for a case on which the check reports the mutant.
The found case must pass with the real table: the check failed because of the mutant, and
it can fail.  A separate test asserts that every check of every battery catches at least
one mutant.

Mutants that cannot be a wrapper (they *remove* something from inside the real code: the
max-subtraction, the L2 clamp, the float conversion of uint8, the central difference) are
the real computation with that one thing left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import scipy.special
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from battery import BATTERIES, BatteryFailure, Component, FD_STEP

#: stop at the first failing case (no shrinking); derandomised so the run is reproducible
FIND_SETTINGS = settings(max_examples=400, phases=[Phase.generate], database=None, derandomize=True, deadline=None,
                         suppress_health_check=list(HealthCheck))

Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True)
class Mutant:
    """``wrap(real)`` replaces ``battery``'s entry ``target``; ``component`` must catch it."""

    name: str
    battery: str
    target: str
    component: str
    wrap: Wrap

    def __str__(self) -> str:
        return f"{self.name} [{self.target}]"


# -- softmax --------------------------------------------------------------------------------------

def scaled(factor: float) -> Wrap:
    """Gradient × factor (× 1.001: a 0.1 % error; × -1: the sign flipped)."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def mutant(W: Any, X: Any, y: Any) -> Any:
            loss, grad = fn(W, X, y)
            return loss, grad * factor
        return mutant
    return wrap


def transposed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Gradient transposed ((D, C) instead of (C, D); for C = D the wrong entries)."""
    def mutant(W: Any, X: Any, y: Any) -> Any:
        loss, grad = fn(W, X, y)
        return loss, np.asarray(grad).T
    return mutant


def true_class_one(fn: Callable[..., Any]) -> Callable[..., Any]:
    """dscores[j, y_j] = 1 instead of P[j, y_j] - 1: adds (2 - P[j, y_j]) x_j / N to row y_j."""
    def mutant(W: Any, X: Any, y: Any) -> Any:
        loss, grad = fn(W, X, y)
        P = scipy.special.softmax(X @ W.T, axis=1)
        rows = np.arange(X.shape[0])
        extra = np.zeros_like(P)
        extra[rows, y] = 2.0 - P[rows, y]
        return loss, grad + extra.T @ X / X.shape[0]
    return mutant


def missing_mean(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Sum instead of mean: loss and gradient both × N (consistent with each other!)."""
    def mutant(W: Any, X: Any, y: Any) -> Any:
        loss, grad = fn(W, X, y)
        n = X.shape[0]
        return loss * n, None if grad is None else grad * n
    return mutant


def no_max_subtraction(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The vectorised loss and gradient with exp(S) instead of exp(S - max S): overflow at large scores."""
    def mutant(W: Any, X: Any, y: Any) -> Any:
        S = X @ W.T
        rows = np.arange(X.shape[0])
        with np.errstate(all="ignore"):
            E = np.exp(S)
            Z = E.sum(axis=1)
            loss = float(np.mean(np.log(Z) - S[rows, y]))
            G = E / Z[:, None]
            G[rows, y] -= 1.0
            return loss, G.T @ X / X.shape[0]
    return mutant


def argmax_wrong_axis(fn: Callable[..., Any]) -> Callable[..., Any]:
    """predict with argmax over the samples (axis 0) instead of the classes."""
    return lambda W, X: np.argmax(X @ W.T, axis=0)


def initial_off_by_one(fn: Callable[..., Any]) -> Callable[..., Any]:
    """log(C + 1) instead of log C."""
    return lambda C: fn(C + 1)


SOFTMAX_GRADS = (
    "loss/numerics.softmax_loss_and_grad", "loss/numerics.softmax_loss_and_grad_loop",
    "loss/numerics.Softmax.fast_loss_and_grad", "loss/numerics.Softmax.loss_and_grad",
    "loss/derive.mean_loss", "loss/derive.log_likelihood+grad_W+grad_b", "loss/derive.log_likelihood+grad_w_i+grad_b",
)
SOFTMAX_LOSSES = ("loss/numerics.softmax_loss_loop", "loss/numerics.softmax_loss", "loss/numerics.Softmax.loss")

MUTANTS: list[Mutant] = [
    *(Mutant(name, "softmax", target, "loss and gradient", wrap)
      for target in SOFTMAX_GRADS
      for name, wrap in [("gradient x 1.001", scaled(1.001)), ("sign flipped", scaled(-1.0)),
                         ("transposed", transposed), ("true-class entry 1 instead of P - 1", true_class_one),
                         ("missing 1/N", missing_mean)]),
    *(Mutant("missing 1/N", "softmax", target, "loss and gradient", missing_mean) for target in SOFTMAX_LOSSES),
    Mutant("missing 1/N", "softmax", "loss/numerics.softmax_loss_and_grad", "initial loss", missing_mean),
    Mutant("initial loss log(C + 1)", "softmax", "initial/derive.initial_loss", "initial loss", initial_off_by_one),
    *(Mutant("no max-subtraction", "softmax", target, "stability", no_max_subtraction)
      for target in ("loss/numerics.softmax_loss_and_grad", "loss/derive.mean_loss")),
    Mutant("argmax on the wrong axis", "softmax", "predict/numerics.Softmax.predict", "predict", argmax_wrong_axis),
]


# -- hinge ------------------------------------------------------------------------------------------

def _margins(w: Any, b: float, X: Any, y: Any) -> Any:
    from numerics.svm import margins

    return margins(w, b, X, y)


def kink_value_outside(value: float) -> Wrap:
    """At p = 1 use ``value`` (outside [0, 1]) instead of the requested kink value."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def mutant(w: Any, b: float, X: Any, y: Any, kink_value: float) -> Any:
            loss, gw, gb = fn(w, b, X, y, kink_value)
            at = (_margins(w, b, X, y) == 1.0) * (value - kink_value)
            coef = -(at * y) / X.shape[0]  # the extra weight of the kink samples
            return loss, gw + X.T @ coef, gb + coef.sum()
        return mutant
    return wrap


def hinge_sign_of_y(fn: Callable[..., Any]) -> Callable[..., Any]:
    """+1{p < 1} y x / K: the sign of y (and so of the subgradient) flipped."""
    def mutant(w: Any, b: float, X: Any, y: Any, kink_value: float) -> Any:
        loss, gw, gb = fn(w, b, X, y, kink_value)
        return loss, -gw, -gb
    return mutant


def hinge_y_dropped(fn: Callable[..., Any]) -> Callable[..., Any]:
    """-1{p < 1} x / K: y used in the margin but dropped from the gradient (wrong for y = -1)."""
    def mutant(w: Any, b: float, X: Any, y: Any, kink_value: float) -> Any:
        loss, _, _ = fn(w, b, X, y, kink_value)
        p = _margins(w, b, X, y)
        g = (p < 1).astype(float) + (p == 1) * kink_value
        return loss, -(X.T @ g) / X.shape[0], -g.sum() / X.shape[0]
    return mutant


HINGE_IMPLS = ("hinge/numerics.svm", "hinge/derive.hinge")
MUTANTS += [
    *(Mutant(name, "hinge", target, component, wrap)
      for target in HINGE_IMPLS
      for name, component, wrap in [
          ("indicator on p <= 1 counting the kink twice (kink value 2)", "at a kink", kink_value_outside(2.0)),
          ("kink value -1", "at a kink", kink_value_outside(-1.0)),
          ("wrong sign of y", "off the kinks", hinge_sign_of_y),
          ("y dropped from the gradient", "off the kinks", hinge_y_dropped),
      ]),
]


# -- multiclass SVM ---------------------------------------------------------------------------------

def _svm_parts(W: Any, X: Any, y: Any) -> tuple[Any, Any, Any]:
    """float64 copies, the one-hot Y and each row's count of positive other-class margins."""
    Wf, Xf = np.asarray(W, dtype=np.float64), np.asarray(X, dtype=np.float64)
    S = Xf @ Wf
    Y = np.eye(Wf.shape[1])[y]
    m = S - S[np.arange(Xf.shape[0]), y][:, None] + 1.0
    counts = np.sum((m > 0) & (Y == 0), axis=1)
    return Xf, Y, counts


def svm_true_class_counted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """j = y_i counted in the sum: its margin Δ = 1 adds 1 per sample to the loss, and the true class's count is one too many."""
    def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
        loss, dW = fn(W, X, y, reg)
        Xf, Y, _ = _svm_parts(W, X, y)
        return loss + 1.0, dW - Xf.T @ Y / Xf.shape[0]
    return mutant


def svm_missing_true_class_term(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The mask without its true-class entries −count: dW = Xᵀ A / N + 2 reg W."""
    def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
        loss, dW = fn(W, X, y, reg)
        Xf, Y, counts = _svm_parts(W, X, y)
        return loss, dW + Xf.T @ (Y * counts[:, None]) / Xf.shape[0]
    return mutant


def svm_missing_mean(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Sum over samples instead of mean: the data loss and its subgradient × N (the regulariser unchanged)."""
    def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
        loss, dW = fn(W, X, y, reg)
        Wf, n = np.asarray(W, dtype=np.float64), np.shape(X)[0]
        r = reg * float(np.sum(Wf * Wf))
        return (loss - r) * n + r, (np.asarray(dW) - 2 * reg * Wf) * n + 2 * reg * Wf
    return mutant


def svm_reg_without_2(fn: Callable[..., Any]) -> Callable[..., Any]:
    """reg·W instead of 2·reg·W in the subgradient."""
    def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
        loss, dW = fn(W, X, y, reg)
        return loss, dW - reg * np.asarray(W, dtype=np.float64)
    return mutant


def svm_kink_value(value: float) -> Wrap:
    """At a margin of exactly 0 use the step value ``value`` (outside [0, 1]) instead of 0."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
            out = fn(W, X, y, reg)
            loss, dW = out if isinstance(out, tuple) else (None, out)
            Wf, Xf = np.asarray(W, dtype=np.float64), np.asarray(X, dtype=np.float64)
            S = Xf @ Wf
            rows = np.arange(Xf.shape[0])
            at = ((S - S[rows, y][:, None] + 1.0) == 0.0) * value
            at[rows, y] = 0.0
            extra = at.copy()
            extra[rows, y] = -at.sum(axis=1)
            g = np.asarray(dW) + Xf.T @ extra / Xf.shape[0]
            return (loss, g) if isinstance(out, tuple) else g
        return mutant
    return wrap


def svm_initial_c(fn: Callable[..., Any]) -> Callable[..., Any]:
    """C instead of C − 1 (the true class counted)."""
    return lambda C: fn(C) + 1


SVM_IMPLS = ("svm/numerics.svm_loss_naive", "svm/numerics.svm_loss_vectorized", "svm/derive.svm_loss+svm_grad")
MUTANTS += [
    *(Mutant(name, "svm", target, component, wrap)
      for target in SVM_IMPLS
      for name, component, wrap in [
          ("true class counted in the sum over j", "off the kinks", svm_true_class_counted),
          ("true class counted in the sum over j", "initial loss", svm_true_class_counted),
          ("missing -count x_i of the true class", "off the kinks", svm_missing_true_class_term),
          ("missing 1/N", "off the kinks", svm_missing_mean),
          ("reg gradient without the factor 2", "off the kinks", svm_reg_without_2),
          ("missing -count x_i of the true class", "naive vs vectorised, wide", svm_missing_true_class_term),
          ("kink value 2 (a pair at its kink counted twice)", "at a kink", svm_kink_value(2.0)),
      ]),
    Mutant("kink value -1", "svm", "kink/derive.svm_grad(h=1, margin >= 0)", "at a kink", svm_kink_value(-2.0)),
    Mutant("initial loss C instead of C - 1", "svm", "initial/derive.initial_loss", "initial loss", svm_initial_c),
]


# -- noisy regression / ridge ------------------------------------------------------------------------

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


MUTANTS += [
    *(Mutant(name, "noisy", target, component, wrap)
      for target in ("objective/numerics.noisy", "objective/derive.noisy")
      for name, component, wrap in RIDGE_MUTANTS),
    *(Mutant("N sigma^2 -> sigma^2", "noisy", target, "minimiser", minimiser_without_n)
      for target in ("minimiser/numerics.noisy", "minimiser/derive.noisy")),
]


# -- distances ---------------------------------------------------------------------------------------

def l2_without_clamp(fn: Callable[..., Any]) -> Callable[..., Any]:
    """sqrt of the expansion ‖x‖² + ‖z‖² - 2xᵀz without the clamp at 0 (derive's unclamped value)."""
    from derive.distances import squared_distances

    def mutant(X: Any, Z: Any) -> Any:
        with np.errstate(invalid="ignore"):
            return np.sqrt(squared_distances(X, Z))
    return mutant


def uint8_wraparound(fn: Callable[..., Any]) -> Callable[..., Any]:
    """|x - z| summed in the input dtype: for uint8, 0 - 1 is 255."""
    return lambda X, Z: np.abs(X[:, None, :] - Z[None, :, :]).sum(axis=-1).astype(np.float64)


def cross_term_once(fn: Callable[..., Any]) -> Callable[..., Any]:
    """‖x‖² + ‖z‖² - xᵀz: the factor 2 of the cross term forgotten."""
    def mutant(X: Any, Z: Any) -> Any:
        Xf, Zf = np.asarray(X, dtype=np.float64), np.asarray(Z, dtype=np.float64)
        return fn(X, Z) - Xf @ Zf.T
    return mutant


def linf_as_l1(fn: Callable[..., Any]) -> Callable[..., Any]:
    """L∞ computed as a sum (the L1 kernel) of |x - z|."""
    from numerics.knn.distances import l1_distances

    return l1_distances


MUTANTS += [
    Mutant("L2 without the clamp", "distances", "l2/numerics.l2_distances", "all norms", l2_without_clamp),
    Mutant("uint8 wrap-around", "distances", "l1/numerics.l1_distances", "all norms", uint8_wraparound),
    Mutant("cross term without the factor 2", "distances", "sq/derive.squared_distances", "all norms", cross_term_once),
    Mutant("L-infinity as a sum", "distances", "linf/numerics.linf_distances", "all norms", linf_as_l1),
]


# -- numerics.gradcheck ------------------------------------------------------------------------------

def fd_divided_by_h(fn: Callable[..., Any]) -> Callable[..., Any]:
    """(f(x + h) - f(x - h)) / h: twice the derivative."""
    return lambda f, x, idx: 2 * np.asarray(fn(f, x, idx))


def forward_difference(fn: Callable[..., Any]) -> Callable[..., Any]:
    """(f(x + h) - f(x)) / h: first-order accurate only (error ≈ h f''/2)."""
    def mutant(f: Any, x: Any, idx: Any) -> Any:
        work = np.array(x, dtype=np.float64)
        f0 = f(work)
        out = []
        for i in idx:
            up = work.copy()
            up.flat[i] += FD_STEP
            out.append((f(up) - f0) / (up.flat[i] - work.flat[i]))
        return np.array(out)
    return mutant


MUTANTS += [
    Mutant("central difference divided by h", "gradcheck", "fd/numerics.gradcheck.numerical_gradient",
           "finite differences and checkers", fd_divided_by_h),
    Mutant("forward difference", "gradcheck", "fd/numerics.gradcheck.sparse_numerical_gradient",
           "finite differences and checkers", forward_difference),
    Mutant("checker that always passes", "gradcheck", "checker/numerics.gradcheck.check_gradient",
           "finite differences and checkers", lambda fn: lambda case, grad: True),
    Mutant("checker that only prints", "gradcheck", "checker/numerics.Softmax.grad_check_sparse",
           "finite differences and checkers", lambda fn: lambda case, grad: print("relative errors") or True),
]


def _component(battery: str, name: str) -> Component:
    return next(c for c in BATTERIES[battery].components if c.name == name)


def _condition(component: Component, impls: dict[str, Any], target: str) -> Callable[[Any], bool]:
    def caught(case: Any) -> bool:
        try:
            component.check(impls, case)
        except BatteryFailure as exc:
            return target in exc.failed
        return False
    return caught


@pytest.mark.parametrize("mutant", MUTANTS, ids=str)
def test_mutant_is_caught(mutant: Mutant) -> None:
    battery = BATTERIES[mutant.battery]
    impls = battery.impls()
    assert mutant.target in impls, f"unknown implementation {mutant.target}"
    impls[mutant.target] = mutant.wrap(impls[mutant.target])
    component = _component(mutant.battery, mutant.component)
    try:
        case = find(component.cases(), _condition(component, impls, mutant.target), settings=FIND_SETTINGS)
    except NoSuchExample:
        pytest.fail(f"the battery's '{component.name}' check never caught the mutant {mutant}")
    component.check(battery.impls(), case)  # the real implementations pass on the very case that caught it


def test_every_check_can_fail() -> None:
    """Each (battery, check) pair is the designated catcher of at least one mutant above."""
    covered = {(m.battery, m.component) for m in MUTANTS}
    missing = [(b, c.name) for b, battery in BATTERIES.items() for c in battery.components if (b, c.name) not in covered]
    assert not missing, f"checks that no mutant exercises: {missing}"


def test_real_tables_pass_a_sample_of_every_check() -> None:
    """The converse of the mutant test on a fixed small sample: the unmodified tables pass every check
    (the battery tests proper run them on many more cases)."""
    for name, battery in BATTERIES.items():
        for component in battery.components:
            with pytest.raises(NoSuchExample):
                find(component.cases(), _condition_any(component, battery.impls()),
                     settings=settings(FIND_SETTINGS, max_examples=10))


def _condition_any(component: Component, impls: dict[str, Any]) -> Callable[[Any], bool]:
    def fails(case: Any) -> bool:
        try:
            component.check(impls, case)
        except BatteryFailure:
            return True
        return False
    return fails
