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

from derive.answers.ast_nodes import Node
from derive.answers.evaluate import MAX_ELEMENTS, EvaluationError, evaluate

__all__ = ["to_sympy", "sympy_zero", "expanded_terms", "MAX_EXPANDED_TERMS", "NotSymbolic", "SYMPY_FUNCTIONS", "element_symbols"]


class NotSymbolic(ValueError):
    """The answer uses something this converter does not translate to SymPy."""


def _elementwise(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return np.vectorize(f, otypes=[object])(x)
        return f(x)
    return apply


def _sum(x: Any, axis: int | None = None, keepdims: int = 0) -> Any:
    return np.sum(np.asarray(x, dtype=object), axis=axis, keepdims=bool(keepdims))


def _mean(x: Any, axis: int | None = None, keepdims: int = 0) -> Any:
    a = np.asarray(x, dtype=object)
    count = a.size if axis is None else a.shape[axis]
    return _sum(a, axis, keepdims) * sp.Rational(1, count)


def _norm(x: Any, ord: int | None = None, axis: int | None = None) -> Any:
    if ord not in (None, 2) or axis is not None:
        raise NotSymbolic("only the plain 2-norm is converted")
    a = np.asarray(x, dtype=object)
    return sp.sqrt(sum((e**2 for e in a.ravel()), sp.Integer(0)))


def _allocate(kind: str) -> Callable[..., Any]:
    def make(*args: Any) -> Any:
        if not all(isinstance(a, int | sp.Integer) for a in args):
            raise NotSymbolic(f"{kind}() needs a concrete size")
        shape = tuple(int(a) for a in args)
        if math.prod(shape) * (shape[0] if kind == "eye" else 1) > MAX_ELEMENTS:
            raise NotSymbolic(f"{kind}() of that size is not built")
        if kind == "eye":
            return np.array(sp.eye(shape[0]).tolist(), dtype=object).reshape(shape[0], shape[0])
        fill = sp.Integer(1 if kind == "ones" else 0)
        return np.full(shape, fill, dtype=object)
    return make


#: SymPy counterparts of the whitelisted functions (the rest are not converted).
SYMPY_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": _elementwise(sp.exp), "log": _elementwise(sp.log), "sqrt": _elementwise(sp.sqrt),
    "abs": _elementwise(sp.Abs), "square": _elementwise(lambda e: e**2),
    "sum": _sum, "mean": _mean, "norm": _norm,
    "ones": _allocate("ones"), "zeros": _allocate("zeros"), "eye": _allocate("eye"),
    "outer": lambda a, b: np.outer(np.asarray(a, dtype=object), np.asarray(b, dtype=object)),
    "dot": lambda a, b: np.dot(np.asarray(a, dtype=object), np.asarray(b, dtype=object)),
    "trace": lambda a: np.trace(np.asarray(a, dtype=object)),
    "transpose": lambda a: np.transpose(np.asarray(a, dtype=object)),
    "diag": lambda a: np.diag(np.asarray(a, dtype=object)),
}


def element_symbols(name: str, shape: tuple[int, ...], **assumptions: Any) -> Any:
    """A SymPy symbol (``shape == ()``) or an object array of element symbols ``name_i_j``."""
    if not shape:
        return sp.Symbol(name, **assumptions)
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = sp.Symbol(f"{name}_{'_'.join(map(str, idx))}", **assumptions)
    return out


def to_sympy(node: Node, env: Mapping[str, Any], *, ranges: Mapping[str, str]) -> Any:
    """Evaluate ``node`` on SymPy values; raise :class:`NotSymbolic` where it cannot."""
    try:
        value = evaluate(node, env, ranges=ranges, functions=SYMPY_FUNCTIONS)
    except EvaluationError as exc:
        raise NotSymbolic(str(exc)) from None
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
    terms (a hostile ``(a + b + c)**60`` must not hang the checker).
    """
    if isinstance(diff, np.ndarray):
        verdicts = [sympy_zero(e, max_ops) for e in diff.ravel()]
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
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if value.is_number and value.is_finite and abs(complex(value)) > 1e-12:
            return True
    return False
