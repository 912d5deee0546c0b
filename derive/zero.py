r"""Deciding whether a symbolic difference is zero.

Two deciders, used by :mod:`derive.core` to check derivation steps:

* :func:`symbolic_zero` — reduce a difference to ``0`` with SymPy for symbolic
  sizes. It knows SymPy 1.14's pitfalls: ``diff`` of indexed sums leaves
  Kronecker-delta sums wrapped in ``Piecewise`` range guards (dropped here when
  the step's index ranges imply them), ``simplify`` may raise ``StopIteration``
  on such sums (caught; the deltas are collapsed with ``deltasummation`` first),
  and a matrix difference may reduce to ``ZeroMatrix``, which is not ``== 0``.
* :func:`exact_zero` — substitute concrete sizes, expand every sum and evaluate
  with random rational data: rational arithmetic where possible, otherwise 60
  significant digits.

Examples
--------
>>> import sympy as sp
>>> n = sp.Symbol("n", integer=True, positive=True)
>>> k, l = sp.symbols("k l", integer=True)
>>> x = sp.IndexedBase("x")
>>> symbolic_zero(sp.Sum(sp.KroneckerDelta(k, l) * x[l], (l, 0, n - 1)) - x[k],
...               assume={k: (0, n - 1)})
True
>>> symbolic_zero(sp.Integer(3))
False
>>> exact_zero(sp.Sum(x[l], (l, 0, n - 1)) - sp.Sum(x[n - 1 - l], (l, 0, n - 1)),
...            [{n: 4}], rng=__import__("numpy").random.default_rng(0))[0]
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sympy.concrete.delta import deltasummation
from sympy.simplify.simplify import sum_simplify

__all__ = ["symbolic_zero", "exact_zero", "drop_range_guards", "collapse_deltas", "is_zero_value"]

Normaliser = Callable[[Any], Any] | None


def is_zero_value(e: Any) -> bool:
    """True if ``e`` is literally zero (scalar 0, ``ZeroMatrix`` or an all-zero matrix)."""
    if isinstance(e, sp.MatrixBase):
        return all(is_zero_value(x) for x in e)
    if isinstance(e, sp.ZeroMatrix):
        return True
    if isinstance(e, sp.MatrixExpr):
        return False
    return bool(e == 0) or (getattr(e, "is_zero", None) is True)


def _holds(cond: Any, assume: Mapping[sp.Symbol, tuple[Any, Any]]) -> bool:
    """Whether a (linear) range condition holds for every index in its assumed range."""
    if cond is sp.true:
        return True
    if isinstance(cond, sp.And):
        return all(_holds(c, assume) for c in cond.args)
    if not isinstance(cond, sp.core.relational.Relational):
        return False
    syms = [s for s in cond.free_symbols if s in assume]
    if not syms:
        return bool(sp.simplify(cond) is sp.true)
    corners = [{}]
    for s in syms:
        corners = [dict(c, **{s.name: v}) for c in corners for v in assume[s]]
    for corner in corners:
        sub = sp.simplify(cond.subs({s: corner[s.name] for s in syms}))
        if sub is sp.false or not isinstance(sub, (sp.core.relational.Relational, type(sp.true))):
            return False
        if sub is not sp.true:
            # try again treating sizes as large positive numbers: lhs - rhs sign
            diff = sp.simplify(sub.lhs - sub.rhs)
            if isinstance(sub, (sp.LessThan, sp.StrictLessThan)):
                ok = diff.is_nonpositive if isinstance(sub, sp.LessThan) else diff.is_negative
            elif isinstance(sub, (sp.GreaterThan, sp.StrictGreaterThan)):
                ok = diff.is_nonnegative if isinstance(sub, sp.GreaterThan) else diff.is_positive
            else:
                ok = False
            if ok is not True:
                return False
    return True


def drop_range_guards(e: Any, assume: Mapping[sp.Symbol, tuple[Any, Any]]) -> Any:
    """Replace each ``Piecewise`` by its first branch when ``assume`` implies its condition."""
    if not assume:
        return e

    def pick(pw: sp.Piecewise) -> Any:
        # Only the first branch may be taken: a later one would also need every
        # earlier condition to be provably false on the whole range.
        expr, cond = pw.args[0]
        return expr if _holds(cond, assume) else pw

    return e.replace(lambda x: isinstance(x, sp.Piecewise), pick)


def collapse_deltas(e: Any, assume: Mapping[sp.Symbol, tuple[Any, Any]] | None = None) -> Any:
    """Collapse sums over Kronecker deltas (inner sums first) with ``deltasummation``."""
    assume = dict(assume or {})

    def collapse(s: sp.Sum) -> Any:
        out = s.function
        for limit in s.limits:
            var, lo, hi = limit
            if out.has(sp.KroneckerDelta):
                out = sp.Add(*[deltasummation(t, (var, lo, hi)) for t in sp.Add.make_args(sp.expand(out))])
                out = drop_range_guards(out, {**assume, var: (lo, hi)})
            else:
                out = sp.Sum(out, (var, lo, hi))
        return out

    return e.replace(lambda x: isinstance(x, sp.Sum) and x.has(sp.KroneckerDelta), collapse)


def _pipeline(assume: Mapping[sp.Symbol, tuple[Any, Any]]) -> list[Callable[[Any], Any]]:
    return [
        lambda e: e,
        sp.expand,
        lambda e: sp.expand(drop_range_guards(e.doit(), assume)),
        lambda e: sp.expand(collapse_deltas(drop_range_guards(e.doit(), assume), assume)),
        lambda e: sum_simplify(sp.expand(collapse_deltas(drop_range_guards(e.doit(), assume), assume))),
        lambda e: sp.simplify(sum_simplify(sp.expand(collapse_deltas(drop_range_guards(e.doit(), assume), assume)))),
    ]


def symbolic_zero(
    diff: Any,
    *,
    assume: Mapping[sp.Symbol, tuple[Any, Any]] | None = None,
    normalise: Normaliser = None,
) -> bool | None:
    """Decide whether ``diff`` is zero for all values of its symbols.

    Returns
    -------
    True
        The difference reduces to zero.
    False
        It reduces to a non-zero number (provably non-zero).
    None
        SymPy could not decide; use :func:`exact_zero`.
    """
    assume = dict(assume or {})
    if isinstance(diff, sp.MatrixBase):
        verdicts = [symbolic_zero(x, assume=assume, normalise=normalise) for x in diff]
        if all(v is True for v in verdicts):
            return True
        return False if any(v is False for v in verdicts) else None
    if isinstance(diff, sp.MatrixExpr):
        if normalise is not None:
            diff = normalise(diff)
        for transform in (lambda e: e.doit(), lambda e: sp.expand(e).doit()):
            try:
                if isinstance(transform(diff), sp.ZeroMatrix):
                    return True
            except (TypeError, ValueError, NotImplementedError, AttributeError):
                continue
        reduced = diff.doit()
        try:
            explicit = reduced.as_explicit()
        except (ValueError, TypeError, AttributeError):  # symbolic shape
            return None
        return symbolic_zero(sp.Matrix(explicit), assume=assume, normalise=normalise)
    if normalise is not None:
        diff = normalise(diff)
    for transform in _pipeline(assume):
        try:
            r = transform(diff)
        except (StopIteration, RecursionError, TypeError, ValueError, NotImplementedError):
            continue
        if is_zero_value(r):
            return True
        if getattr(r, "is_number", False) and r.is_zero is False:
            return False
    return None


def _random_rational(rng: np.random.Generator, positive: bool = False) -> sp.Rational:
    num = int(rng.integers(1, 40)) * (1 if positive or rng.random() < 0.5 else -1)
    den = int(rng.integers(1, 12))
    return sp.Rational(Fraction(num, den))


def _substitute_data(e: Any, spec: Mapping[Any, Any], rng: np.random.Generator) -> Any:
    """Replace indexed entries, matrix symbols and remaining real symbols by random rationals."""
    # Matrix symbols -> explicit random matrices.
    ms = {m: sp.Matrix(m.shape[0], m.shape[1], lambda *_: _random_rational(rng)) for m in e.atoms(sp.MatrixSymbol)}
    if ms:
        e = e.xreplace(ms).doit()
    # Indexed entries: integer-valued bases (labels) first, since they appear inside other indices.
    int_bases = {b: v for b, v in spec.items() if isinstance(b, sp.IndexedBase)}
    for _ in range(3):
        indexed = sorted(e.atoms(sp.Indexed), key=str)
        labels = [x for x in indexed if x.base in int_bases]
        if not labels:
            break
        rep = {}
        for x in labels:
            _, lo, hi = int_bases[x.base]
            rep[x] = sp.Integer(int(rng.integers(int(lo), int(hi) + 1)))
        e = e.xreplace(rep).doit()
    values = {x: _random_rational(rng) for x in sorted(e.atoms(sp.Indexed), key=str)}
    e = e.xreplace(values)
    syms = {s: _random_rational(rng, positive=bool(s.is_positive)) for s in e.free_symbols if isinstance(s, sp.Symbol)}
    return e.xreplace(syms).doit()


def exact_zero(
    diff: Any,
    sizes: Sequence[Mapping[Any, Any]],
    *,
    rng: np.random.Generator,
    trials: int = 2,
    normalise: Normaliser = None,
) -> tuple[bool, str, str]:
    """Check ``diff == 0`` by exact evaluation at concrete sizes with random data.

    Parameters
    ----------
    diff : sympy expression or matrix
    sizes : sequence of mappings
        Each maps size/index symbols to integers and, optionally, an
        ``IndexedBase`` of integer data (labels) to ``("int", low, high)``
        (bounds may use the size symbols).
    rng : numpy.random.Generator
        Source of the random rational data.
    trials : int
        Random data sets per size.

    Returns
    -------
    (ok, method, detail)
        ``method`` is ``"exact"`` when rational arithmetic decided every case and
        ``"exact (60 digits)"`` when transcendental values needed 60-digit evaluation.
    """
    if not sizes:
        return False, "exact", "no concrete sizes given"
    method = "exact"
    for size in sizes:
        ints = {k: v for k, v in size.items() if not isinstance(k, sp.IndexedBase)}
        spec = {k: (v[0], sp.sympify(v[1]).subs(ints), sp.sympify(v[2]).subs(ints))
                for k, v in size.items() if isinstance(k, sp.IndexedBase)}
        base = diff.subs(ints) if not isinstance(diff, sp.MatrixBase) else sp.Matrix(diff).subs(ints)
        if normalise is not None:
            base = normalise(base)
        base = _explicit_constants(base.doit())
        for _ in range(trials):
            value = _substitute_data(base, spec, rng)
            entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
            for v in entries:
                if is_zero_value(sp.expand(v)):
                    continue
                approx = sp.N(v, 60)
                if not approx.is_number:
                    return False, method, f"could not evaluate at {_fmt(size)}: free symbols {sorted(map(str, approx.free_symbols))}"
                if abs(approx) < sp.Float("1e-45", 60):
                    method = "exact (60 digits)"
                    continue
                return False, method, f"non-zero at {_fmt(size)}: difference {sp.N(v, 8)}"
    return True, method, f"zero at {len(sizes)} size(s) × {trials} random rational data set(s)"


def _explicit_constants(e: Any) -> Any:
    """Concrete-size ``Identity`` / ``ZeroMatrix`` / ``OneMatrix`` as explicit matrices (they do not mix with ``Matrix``)."""
    if not hasattr(e, "atoms"):
        return e
    consts = {c: c.as_explicit() for c in e.atoms(sp.Identity, sp.ZeroMatrix, sp.OneMatrix)
              if all(getattr(x, "is_Integer", False) for x in c.shape)}
    return e.xreplace(consts).doit() if consts else e


def _fmt(size: Mapping[Any, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in size.items() if not isinstance(k, sp.IndexedBase))
