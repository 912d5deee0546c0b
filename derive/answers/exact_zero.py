r"""Decide whether an exact number (got − expected on one instance) is zero, and say how.

The exact stage of :mod:`derive.answers.equivalence` evaluates the answer and the derived
result on exact data; their difference is a SymPy number.  It is decided:

1. **exactly, as a rational** — it expands to zero, or to a non-zero rational;
2. **exactly, in powers of e** — its only irrational parts are ``exp(r)`` with rational
   ``r`` (a softmax recomputed from rational scores): with ``u = e^{1/Q}`` (Q the common
   denominator of the exponents) it is a rational function R(u) with rational coefficients,
   and since e is transcendental, R(e^{1/Q}) = 0 exactly when R is the zero function — a
   polynomial identity SymPy decides.  A stray ``1e-300`` or factor ``1 + 2**-60`` makes R
   non-zero, however small it is;
3. **to N digits** — where other transcendental values remain (``log`` of a sum of
   exponentials), ``got`` and ``expected`` are evaluated to :data:`DIGITS` significant digits
   and compared with a *relative* tolerance of 10^−:data:`AGREE_DIGITS`; a difference above it
   is a proof of inequality, agreement is reported as "to N digits", never as "exactly".

Examples
--------
>>> import sympy as sp
>>> third = sp.Rational(1, 3)
>>> decide_zero(sp.exp(third) * sp.exp(third), sp.exp(2 * third))
Decision(zero=True, how='exact')
>>> decide_zero(sp.exp(third) / (sp.exp(third) + 1), 1 - 1 / (sp.exp(third) + 1) + sp.Rational(1, 10**300))
Decision(zero=False, how='exact')
>>> decide_zero(sp.log(1 + sp.exp(third)) - sp.log(2), sp.log((1 + sp.exp(third)) / 2)).how
'digits'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

__all__ = ["Decision", "decide_zero", "DIGITS", "AGREE_DIGITS", "MAX_DEGREE"]

#: Significant digits of the high-precision evaluation (far below any constant a student types).
DIGITS = 600
#: Agreement to this many significant digits (relative to the result's scale) counts as "equal to N digits".
AGREE_DIGITS = 560
#: Largest degree in u = e^{1/Q} the polynomial test expands (beyond it: the Lindemann–Weierstrass test).
MAX_DEGREE = 4000


@dataclass(frozen=True)
class Decision:
    """``zero``: True, False or None (undecided); ``how``: "exact" or "digits" (to :data:`AGREE_DIGITS`)."""

    zero: bool | None
    how: str


def decide_zero(got: Any, expected: Any, scale: Any = None) -> Decision:
    """Whether the SymPy numbers ``got`` and ``expected`` are equal (see the module docstring).

    ``scale`` (a positive float, default ``max(|expected|, |got|)``) is what the relative
    tolerance of the high-precision step is relative to: the largest entry of the result.
    """
    got, expected = _number(got), _number(expected)
    if got is None or expected is None:
        return Decision(None, "exact")
    diff = sp.expand(got - expected)
    if diff == 0:
        return Decision(True, "exact")
    if diff.free_symbols:
        return Decision(None, "exact")
    if diff.is_Rational:
        return Decision(False, "exact")
    exp_verdict = _powers_of_e_zero(diff)
    if exp_verdict is not None:
        return Decision(exp_verdict, "exact")
    return _to_digits(got, expected, scale)


def _number(x: Any) -> Any:
    """``x`` as one SymPy value (a 0-d array unwrapped), None for anything else."""
    while isinstance(x, np.ndarray):
        if x.size != 1:
            return None
        x = x.reshape(()).item()
    try:
        return sp.sympify(x, strict=True)
    except (sp.SympifyError, TypeError):
        return None


def _exponents(expr: Any) -> list[Any] | None:
    """The exponents r of every ``exp(r)`` in ``expr`` (None when one is not rational)."""
    out = []
    for atom in expr.atoms(sp.exp):
        if not atom.args[0].is_Rational:
            return None
        out.append(atom.args[0])
    if expr.has(sp.E):
        out.append(sp.Integer(1))
    return out


def _powers_of_e_zero(diff: Any) -> bool | None:
    """Exact verdict on a number whose only irrational atoms are exp(rational), else None."""
    exponents = _exponents(diff)
    if not exponents:
        return None
    q = sp.ilcm(*[r.q for r in exponents]) if len(exponents) > 1 else exponents[0].q
    degree = max(abs(r * q) for r in exponents)
    if degree > MAX_DEGREE:
        return _linear_in_exponentials(diff)
    u = sp.Dummy("u", positive=True)
    subs = {a: u ** int(a.args[0] * q) for a in diff.atoms(sp.exp)}
    f = diff.xreplace(subs).xreplace({sp.E: u**int(q)})
    try:
        numerator = sp.Poly(sp.numer(sp.together(f)), u)
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, ValueError, TypeError):
        return None
    if numerator.domain not in (sp.ZZ, sp.QQ):
        return None  # other irrational numbers (sqrt(2), log 2, pi) remain
    return numerator.is_zero


def _linear_in_exponentials(diff: Any) -> bool | None:
    """Lindemann–Weierstrass: Σ cᵢ e^{rᵢ} with distinct rational rᵢ, rational cᵢ, is zero only if every cᵢ is.

    Used for small expressions with huge exponents (``exp(1e-500)``); None when the
    expanded numerator is not of that form.
    """
    numerator = sp.expand(sp.numer(sp.together(diff)))
    if numerator == 0:
        return True
    for term in sp.Add.make_args(numerator):
        coeff, rest = term.as_coeff_Mul()
        exp_atom = isinstance(rest, sp.exp) and rest.args[0].is_Rational
        if not coeff.is_Rational or not (rest == 1 or exp_atom or rest is sp.E):
            return None
    return False


def _to_digits(got: Any, expected: Any, scale: Any) -> Decision:
    try:
        g = sp.sympify(got).evalf(DIGITS)
        e = sp.sympify(expected).evalf(DIGITS)
        if not (g.is_real and e.is_real and g.is_finite and e.is_finite):
            return Decision(None, "digits")
        size = sp.Float(scale, DIGITS) if scale is not None else max(abs(g), abs(e))
        if size == 0:
            return Decision(g == e or None, "digits")
        return Decision(bool(abs(g - e) <= size * sp.Float(10, DIGITS) ** -AGREE_DIGITS), "digits")
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return Decision(None, "digits")
