"""numerics.gradcheck: the finite-difference engine and the checkers are implementations too."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from battery.error_model import FloatArray
from battery.finite_differences import FD_STEP
from battery.report import Impl, Impls, Report, select
from battery.softmax import (SoftmaxCase, reference_softmax_grad, reference_softmax_loss, softmax_bounds,
                             softmax_fd_bound)
from battery.components import Battery, Component, Mutant
from battery.softmax import softmax_cases


def _checker_check_gradient(case: SoftmaxCase, grad: FloatArray) -> bool:
    from numerics.gradcheck import check_gradient

    return check_gradient(lambda w: reference_softmax_loss(w, case.X, case.y), grad, case.W,
                          raise_on_failure=False).passed


def _checker_grad_check_sparse(case: SoftmaxCase, grad: FloatArray) -> bool:
    from numerics.gradcheck import default_tolerance
    from numerics.softmax_model import Softmax

    model = Softmax(case.W.shape, rng=np.random.default_rng(0))
    model.W = case.W
    errors = model.grad_check_sparse(case.X, case.y, grad, num_checks=case.W.size)
    return bool(np.all(errors <= default_tolerance(np.float64)))


@functools.cache
def _gradcheck_table() -> dict[str, Impl]:
    from numerics import gradcheck as gc

    return {
        # fd/<name>: (f, x, flat indices) -> central differences of f at x along the indices
        "fd/numerics.gradcheck.numerical_gradient": lambda f, x, idx: gc.numerical_gradient(f, x).reshape(-1)[idx],
        "fd/numerics.gradcheck.sparse_numerical_gradient": gc.sparse_numerical_gradient,
        "fd/numerics.gradcheck.check_gradient(...).numeric": lambda f, x, idx: gc.check_gradient(
            f, np.zeros_like(x), x, raise_on_failure=False).numeric[idx],
        # checker/<name>: (softmax case, candidate gradient of the mean loss) -> passed?
        "checker/numerics.gradcheck.check_gradient": _checker_check_gradient,
        "checker/numerics.Softmax.grad_check_sparse": _checker_grad_check_sparse,
    }


def gradcheck_impls() -> dict[str, Impl]:
    """The finite-difference engines and gradient checkers under test (a fresh dict)."""
    return dict(_gradcheck_table())


def check_numerical_gradient(impls: Impls, case: SoftmaxCase) -> None:
    """``fd/`` engines agree with the exact softmax gradient within the central-difference bound,
    and ``checker/`` checkers accept the exact gradient and reject it scaled by 1.001."""
    W, X, y = case.W, case.X, case.y
    if W.dtype != np.float64:
        raise ValueError(f"check_numerical_gradient: the bound is for float64 steps, got W of dtype {W.dtype}")
    rep = Report("numerics.gradcheck on the softmax loss")
    _, grad_bound = softmax_bounds(W, X, y)
    exact = reference_softmax_grad(W, X, y)
    idx = np.arange(W.size)
    tol = softmax_fd_bound(W, X, y).reshape(-1) + grad_bound.reshape(-1)
    for name, fn in select(impls, "fd").items():
        got = rep.call(name, fn, lambda w: reference_softmax_loss(w, X, y), W, idx)
        if got is not None:
            rep.compare(name, "central differences", got, exact.reshape(-1), tol)
    for name, fn in select(impls, "checker").items():
        if rep.call(name, fn, case, exact) is not True:
            rep.fail(name, "rejected the exact gradient")
        if np.abs(exact).max() > 1e-3 and rep.call(name, fn, case, exact * 1.001) is not False:
            rep.fail(name, "accepted the exact gradient scaled by 1.001")
    rep.close()


# -- mutants: the mistakes these checks must catch (test_battery_mutants.py) --------------------

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


MUTANTS: list[Mutant] = [
    Mutant("central difference divided by h", "fd/numerics.gradcheck.numerical_gradient",
           "finite differences and checkers", fd_divided_by_h),
    Mutant("forward difference", "fd/numerics.gradcheck.sparse_numerical_gradient",
           "finite differences and checkers", forward_difference),
    Mutant("checker that always passes", "checker/numerics.gradcheck.check_gradient",
           "finite differences and checkers", lambda fn: lambda case, grad: True),
    Mutant("checker that only prints", "checker/numerics.Softmax.grad_check_sparse",
           "finite differences and checkers", lambda fn: lambda case, grad: print("relative errors") or True),
]


GRADCHECK_BATTERY = Battery(gradcheck_impls, (
    Component("finite differences and checkers", check_numerical_gradient,
              lambda: softmax_cases(dtypes=(np.float64,))),
), mutants=tuple(MUTANTS))
