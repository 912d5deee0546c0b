r"""Our tree as a SymPy expression, and the symbolic equivalence test.

The tree is evaluated by :func:`derive.answers.evaluate.evaluate` with SymPy
implementations of the functions, on symbols instead of numbers: a scalar size
stays a SymPy symbol (``c`` in :math:`\log c`), an array becomes a numpy object
array of element symbols (``theta_0, theta_1, ...``) at a concrete size.  The
answer is equivalent when the difference with the reference reduces to zero.
Indicators, comparisons, ``where``/``max`` and the linear-algebra solvers are not
converted (:class:`NotSymbolic`); the caller then decides numerically.

Examples
--------
>>> import sympy as sp
>>> from derive.answers.parser import Vocabulary, parse_expression
>>> c = sp.Symbol("c", positive=True, integer=True)
>>> v = Vocabulary({"c": 0})
>>> to_sympy(parse_expression("-log(1/c)", v), {"c": c}, ranges={})
-log(1/c)
>>> sympy_zero(to_sympy(parse_expression("-log(1/c)", v), {"c": c}, ranges={}) - sp.log(c))
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from derive.answers.ast_nodes import Node, Num
from derive.answers.errors import EvaluationError, NotSymbolic
from derive.answers.evaluate import evaluate
from derive.answers.functions import SYMPY

__all__ = ["to_sympy", "sympy_zero", "expanded_terms", "MAX_EXPANDED_TERMS", "NotSymbolic", "SYMPY_FUNCTIONS",
           "element_symbols", "exact_number"]

#: SymPy counterparts of the functions (the ``sympy`` column of the function table).
SYMPY_FUNCTIONS = SYMPY


def exact_number(num: Num) -> Any:
    """A literal as an exact SymPy number: the decimal as typed (``0.1`` is 1/10, ``1e-50`` is 10⁻⁵⁰,
    ``1.00000000000000000001`` is not 1), else the float's shortest decimal."""
    if isinstance(num.value, int):
        return sp.Integer(num.value)
    return sp.Rational(num.text if num.text else repr(float(num.value)))


def element_symbols(name: str, shape: tuple[int, ...], **assumptions: Any) -> Any:
    """A SymPy symbol (``shape == ()``) or an object array of element symbols ``name_i_j``."""
    if not shape:
        return sp.Symbol(name, **assumptions)
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = sp.Symbol(f"{name}_{'_'.join(map(str, idx))}", **assumptions)
    return out


def to_sympy(node: Node, env: Mapping[str, Any], *, ranges: Mapping[str, str]) -> Any:
    """Evaluate ``node`` on SymPy values, literals as exact numbers.

    Raises
    ------
    NotSymbolic
        Where the translation does not cover a construct.
    EvaluationError
        Where the answer cannot be evaluated at all (shapes); :class:`TooExpensive`
        over a budget.
    """
    try:
        value = evaluate(node, env, ranges=ranges, functions=SYMPY, number=exact_number)
    except (NotSymbolic, EvaluationError):
        raise
    except (TypeError, AttributeError, ValueError) as exc:
        raise NotSymbolic(f"{type(exc).__name__}: {exc}") from None
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return sp.sympify(value.item()) if not isinstance(value.item(), sp.Basic) else value.item()
        return value
    if isinstance(value, int | float):
        return sp.nsimplify(value) if isinstance(value, float) else sp.Integer(value)
    return value


#: Largest number of terms :func:`sympy_zero` lets ``expand`` produce.
MAX_EXPANDED_TERMS = 2_000


def expanded_terms(e: Any) -> int:
    """An upper bound on the number of terms of ``expand(e)`` (capped above the limit)."""
    cap = MAX_EXPANDED_TERMS + 1
    if isinstance(e, sp.Add):
        return min(cap, sum(expanded_terms(a) for a in e.args))
    if isinstance(e, sp.Mul):
        out = 1
        for a in e.args:
            out = min(cap, out * expanded_terms(a))
        return out
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0:
        k, n = expanded_terms(e.base), int(e.exp)
        if k == 1:
            return 1
        return min(cap, math.comb(k + n - 1, n)) if n <= MAX_EXPANDED_TERMS else cap
    return 1


def sympy_zero(diff: Any, max_ops: int = 150) -> bool | None:
    """True if ``diff`` reduces to zero, False if provably non-zero, None if undecided.

    Undecided also when expanding would produce more than :data:`MAX_EXPANDED_TERMS`
    terms (a hostile ``(a + b + c)**60`` must not hang the checker), and when SymPy
    cannot evaluate it (``exp(exp(exp(exp(exp(c)))))`` overflows mpmath).
    """
    try:
        return _sympy_zero(diff, max_ops)
    except (ArithmeticError, RecursionError, ValueError, TypeError):
        return None


def _sympy_zero(diff: Any, max_ops: int) -> bool | None:
    if isinstance(diff, np.ndarray):
        verdicts = [_sympy_zero(e, max_ops) for e in diff.ravel()]
        if all(v is True for v in verdicts):
            return True
        return False if any(v is False for v in verdicts) else None
    if expanded_terms(diff) > MAX_EXPANDED_TERMS:
        return None
    expr = sp.expand(diff)
    if expr == 0:
        return True
    if expr.is_number:
        return bool(expr.is_zero) if expr.is_zero is not None else None
    if expr.is_polynomial() and not expr.has(sp.Function):
        return False  # a non-zero polynomial after expansion
    if sp.count_ops(expr) > max_ops:
        return None
    simplified = sp.simplify(expr)
    if simplified == 0:
        return True
    return False if _nonzero_somewhere(simplified) else None


def _nonzero_somewhere(expr: Any, tries: int = 3) -> bool:
    """True when ``expr`` is clearly non-zero at some exact point of its symbols' domain.

    One point where the value is non-zero (evaluated to 30 digits) proves the
    difference is not identically zero.  The points are fixed, not random, so
    verdicts are reproducible.
    """
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    for t in range(tries):
        point = {}
        for k, s in enumerate(symbols):
            if s.is_integer:
                point[s] = sp.Integer(2 + (3 * k + 5 * t) % 7)
            elif s.is_positive:
                point[s] = sp.Rational(3 + (2 * k + 3 * t) % 11, 7)
            else:
                point[s] = sp.Rational((5 * k + 7 * t) % 13 - 6, 5)
        try:
            value = sp.N(expr.xreplace(point), 30)
        except (TypeError, ValueError, ArithmeticError):
            continue
        if value.is_number and value.is_finite and abs(complex(value)) > 1e-12:
            return True
    return False
