r"""Deciding whether a symbolic difference is zero.

Two deciders, used by :mod:`derive.core` to check derivation steps:

* :func:`symbolic_zero` — reduce a difference to ``0`` with SymPy for symbolic
  sizes. It knows SymPy 1.14's pitfalls: ``diff`` of indexed sums leaves
  Kronecker-delta sums wrapped in ``Piecewise`` range guards (dropped here when
  the step's index ranges imply them), ``simplify`` may raise ``StopIteration``
  on such sums (caught; the deltas are collapsed with ``deltasummation`` first),
  and a matrix difference may reduce to ``ZeroMatrix``, which is not ``== 0``.
  Only ``True`` (reduced to 0) passes a step: such a step is *proved* for all sizes.
* :func:`check_exactly` — substitute concrete sizes, expand every sum and evaluate
  with random rational data, at

  - the sizes the step lists (small ones, several data sets each),
  - random sizes (:func:`draw_sizes`): one draw per size symbol with that symbol in
    ``LARGE`` = 13..14 and the others in 1..3, plus a mixed draw in 1..7, from a seed
    that is recorded (``derive.core.step_seed``),
  - the boundaries of every gate on a size (:func:`gate_sizes`: ``Piecewise``, step
    functions, ``KroneckerDelta``, ``Max``/``Min``, ``floor``, ...) and on a scalar
    parameter such as σ (:func:`parameter_gates`), where a term switched on only for some
    sizes or some σ range would otherwise hide.

  Values are compared by :func:`value_is_zero`: floats are first read as the exact rationals
  they stand for (:func:`rationalise_floats`), rational values are compared with 0 exactly (no
  tolerance: ``-2 + 10**-50`` is not ``-2``), and only where transcendental values remain
  (logarithms, exponentials) is a tolerance used — relative, 1e-80 at 100 digits.

What "checked" does not claim
-----------------------------
A step that passes :func:`check_exactly` is reported *checked* (at the listed sizes), never
*proved*.  The "degree + 1 points" argument — a polynomial of degree at most D in one size that
vanishes at D + 1 distinct sizes vanishes for all sizes; with k sizes and a degree bound D_i per
size, vanishing on a tensor grid of (D_i + 1) values per size proves it (Schwartz–Zippel's
deterministic form) — needs the difference, *for fixed data*, to be a polynomial in the sizes.
In these derivations the sizes are sum ranges and matrix shapes: the number of data entries
changes with the size, so the difference is not a polynomial in the sizes with fixed
coefficients and no degree bound exists.  (The random rational data also make each concrete-size
check a randomised identity test, not a proof.)  So no exact step is called proved; the steps
that can be proved are written so that SymPy proves them for symbolic sizes, e.g. the square of
a sum by :func:`square_sums` (distributivity) and the Hessian's matrix form entry by entry for
symbolic ``(p, q)``.

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

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sympy.concrete.delta import deltasummation
from sympy.simplify.simplify import sum_simplify

__all__ = ["symbolic_zero", "exact_zero", "check_exactly", "ExactCheck", "draw_sizes", "gate_sizes",
           "parameter_gates", "escape_sizes", "out_of_reach", "vanishing_points", "value_is_zero", "rationalise_floats", "drop_range_guards", "collapse_deltas",
           "is_zero_value", "size_symbols", "square_sums"]

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
            if not isinstance(diff, (sp.MatrixExpr, sp.MatrixBase)):  # e.g. a generic entry (p, q)
                return symbolic_zero(diff, assume=assume)
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


def _random_parameter(rng: np.random.Generator, positive: bool) -> sp.Rational:
    """A scalar parameter (``sigma``, ``b``, ...): a random rational of any magnitude from 1e-4 to 1e4."""
    return _random_rational(rng, positive) * sp.Rational(10) ** int(rng.integers(-4, 5))


def _substitute_data(e: Any, spec: Mapping[Any, Any], rng: np.random.Generator,
                     fixed: Mapping[sp.Symbol, Any] | None = None) -> Any:
    """Replace indexed entries, matrix symbols and remaining real symbols by random rationals.

    ``fixed`` gives chosen values for some scalar symbols (the boundaries of gates).
    """
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
    fixed = dict(fixed or {})
    syms = {s: fixed[s] if s in fixed else _random_parameter(rng, positive=bool(s.is_positive))
            for s in sorted(e.free_symbols, key=str) if isinstance(s, sp.Symbol)}
    return e.xreplace(syms).doit()


# -- exact values: rational where possible, a relative tolerance only where transcendentals remain --------

#: digits of the evaluation where transcendental values remain, and the relative tolerance there
DIGITS = 100
RELATIVE_TOLERANCE = sp.Rational(1, 10**80)


def rationalise_floats(e: Any) -> Any:
    """Every ``Float`` as the exact rational it stands for (``1e-50`` stays non-zero, ``1.0000000001`` is not 1)."""
    if not hasattr(e, "atoms"):
        return e
    floats = {f: sp.Rational(f) for f in e.atoms(sp.Float)}
    return e.xreplace(floats) if floats else e


def _numeric_scale(v: Any) -> Any:
    """What a relative tolerance is relative to: ``v`` with every sum replaced by the sum of its terms' magnitudes.

    Through sums, products and integer powers the magnitudes are combined (a cancellation
    ``a·(b − c)`` is measured by ``|a|·(|b| + |c|)``); any other function is taken at its
    value, ``|f(…)|`` — a large sum *inside* a logarithm or exponential does not make the
    rounding error of the whole large, so it does not widen the tolerance.
    """
    try:
        m = _magnitude(v)
    except (TypeError, ValueError):
        return sp.S.One
    return m if m.is_number and m.is_finite and m > 0 else sp.S.One


def _magnitude(e: Any) -> Any:
    if isinstance(e, sp.Add):
        return sp.Add(*[_magnitude(a) for a in e.args])
    if isinstance(e, sp.Mul):
        return sp.Mul(*[_magnitude(a) for a in e.args])
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0:
        return _magnitude(e.base) ** e.exp
    return abs(sp.N(e, 30))


def value_is_zero(v: Any) -> tuple[bool | None, str]:
    """Decide whether a number (data already substituted) is zero.

    Returns ``(verdict, how)``: ``how`` is ``"exact"`` when the value is rational (compared with
    0 exactly, no tolerance) and ``"numeric"`` when transcendental values remain (zero up to a
    relative tolerance of 1e-80 at 100 digits).  ``verdict`` is ``None`` when the value could not
    be evaluated (free symbols left).
    """
    v = rationalise_floats(v)
    e = sp.expand(v)
    if e.is_Rational:
        return e == 0, "exact"
    if is_zero_value(e):
        return True, "exact"
    r = sp.cancel(sp.together(e))
    if r.is_Rational:
        return r == 0, "exact"
    approx = sp.N(v, DIGITS)
    if not approx.is_number:
        return None, "numeric"
    if approx == 0:
        return True, "numeric"
    scale = _numeric_scale(v)
    return bool(abs(approx) <= RELATIVE_TOLERANCE * scale), "numeric"


# -- which sizes to evaluate at: the listed ones, random draws, and the boundaries of any gate ---------

#: random sizes: one draw per size symbol with that symbol in LARGE and the others in 1..SMALL_HIGH,
#: then MIXED_DRAWS draws with every symbol in 1..MIXED_HIGH
LARGE = (13, 14)
SMALL_HIGH = 3
MIXED_HIGH = 7
MIXED_DRAWS = 1

_GATES = (sp.Piecewise, sp.Heaviside, sp.KroneckerDelta, sp.Max, sp.Min, sp.floor, sp.ceiling, sp.Mod,
          sp.Abs, sp.sign, sp.core.relational.Relational)


def size_symbols(sizes: Sequence[Mapping[Any, Any]]) -> list[sp.Symbol]:
    """The integer symbols the listed sizes give values to (sizes and free indices), in their order."""
    out: list[sp.Symbol] = []
    for size in sizes:
        for k in size:
            if isinstance(k, sp.Symbol) and k not in out:
                out.append(k)
    return out


def draw_sizes(
    sizes: Sequence[Mapping[Any, Any]],
    rng: np.random.Generator,
    *,
    ranges: Mapping[sp.Symbol, tuple[Any, Any]] | None = None,
    where: Callable[[Mapping[sp.Symbol, int]], bool] | None = None,
) -> list[dict[Any, Any]]:
    """Random sizes for an exact check, besides the listed small ones.

    Parameters
    ----------
    sizes : sequence of mappings
        The listed sizes (their symbols are the ones drawn; a label spec is copied over).
    rng : numpy.random.Generator
    ranges : mapping, optional
        ``{symbol: (low, high)}`` overriding the default ranges (bounds may use symbols drawn
        before, e.g. a free index ``p: (0, d - 1)``).  By default a positive size symbol is drawn
        from ``LARGE`` (one draw per symbol, the others in ``1..SMALL_HIGH``) and from
        ``1..MIXED_HIGH``; another symbol takes a value from a listed size.
    where : callable, optional
        A condition the drawn sizes must satisfy (e.g. ``N >= d``); draws that fail it are redrawn.

    Returns
    -------
    list of dict
        One mapping per draw, in the format of ``sizes``.
    """
    syms = size_symbols(sizes)
    ranges = dict(ranges or {})
    extra = {k: v for k, v in sizes[0].items() if not isinstance(k, sp.Symbol)}
    plans: list[sp.Symbol | None] = [s for s in syms if s.is_positive and s not in ranges] + [None] * MIXED_DRAWS
    out: list[dict[Any, Any]] = []
    for large in plans:
        for attempt in range(200):
            size: dict[Any, Any] = {}
            for s in syms:
                if s in ranges:
                    lo, hi = (int(sp.sympify(b).subs(size)) for b in ranges[s])
                elif not s.is_positive:
                    size[s] = sizes[int(rng.integers(len(sizes)))][s]
                    continue
                elif s == large:
                    lo, hi = LARGE
                elif large is not None and attempt < 100:
                    lo, hi = 1, SMALL_HIGH
                else:
                    lo, hi = 1, (MIXED_HIGH if large is None else LARGE[1])
                size[s] = int(rng.integers(lo, hi + 1)) if hi >= lo else lo
            if where is None or where(size):
                out.append({**size, **extra})
                break
    return out


def gate_sizes(diff: Any, sizes: Sequence[Mapping[Any, Any]], cap: int = 40) -> list[dict[Any, Any]]:
    """Sizes at and next to every boundary where a gate on a size changes (``N > 12``, ``KroneckerDelta(N, 15)``).

    A term switched on only for some sizes (a ``Piecewise``, step function, ``Max``, ...) is
    looked for in the difference, and the sizes just below, at and above each boundary
    (up to ``cap``) are added, with the other sizes as in the first listed size.
    """
    syms = [s for s in size_symbols(sizes) if s.is_positive]
    base = dict(sizes[0])
    points: list[dict[Any, Any]] = []
    for b, s in _boundaries(diff, syms):
        for v in {int(sp.floor(b)) - 1, int(sp.floor(b)), int(sp.ceiling(b)), int(sp.ceiling(b)) + 1}:
            if 1 <= v <= cap:
                p = {**base, s: v}
                if p not in points:
                    points.append(p)
    return points


def out_of_reach(diff: Any, sizes: Sequence[Mapping[Any, Any]], cap: int = 40, *,
                 zeros: Mapping[sp.Symbol, int] | None = None) -> str | None:
    """Why the difference cannot be checked at sizes up to ``cap``, or None.

    A gate on a size that switches beyond ``cap`` (``N > 10**6``) or a size-only factor that
    vanishes at every size up to ``cap`` (``(N - 1)(N - 2) … (N - 45)``) hides a term where no
    exact evaluation can reach it: such a step is not verified rather than silently passed.
    """
    syms = [s for s in size_symbols(sizes) if s.is_positive]
    for b, s in _boundaries(diff, syms):
        if b > cap:
            return f"a term switches at {s} = {b}, beyond the sizes evaluated exactly (up to {cap})"
    for s, z in (vanishing_points(diff) if zeros is None else zeros).items():
        if s in syms and z >= cap:
            return f"a factor vanishes for every {s} up to {z}, beyond the sizes evaluated exactly (up to {cap})"
    return None


def escape_sizes(diff: Any, sizes: Sequence[Mapping[Any, Any]], cap: int = 40, *,
                 zeros: Mapping[sp.Symbol, int] | None = None) -> list[dict[Any, Any]]:
    """Sizes past every integer zero of a size- or index-only part of the difference.

    A wrong term multiplied by ``(N - 1)(N - 2) … (N - 14)`` — or summed with a factor
    ``j (j - 1) … (j - 13)`` of its index — vanishes at every small size.  For each integer
    symbol ``s`` of such a part, the largest integer zero ``z`` (found up to ``cap``, or the
    largest integer root of a polynomial) is found; then each size symbol in turn is set to
    ``z + 2`` (others as in the first listed size), so the index ranges reach past it too.
    """
    found = [z for z in (vanishing_points(diff) if zeros is None else zeros).values() if z < cap]
    if not found:
        return []
    top = max(found) + 2
    if top <= LARGE[1]:
        return []
    base = dict(sizes[0])
    syms = [s for s in size_symbols(sizes) if s.is_positive]
    return [{**base, s: min(top, cap)} for s in syms]


def vanishing_points(diff: Any, cap: int = 40) -> dict[sp.Symbol, int]:
    """``{symbol: largest integer zero}`` over the parts of ``diff`` that depend on one integer symbol only."""
    exprs = list(diff) if isinstance(diff, sp.MatrixBase) else [diff]
    parts: set[Any] = set()
    for ex in exprs:
        if not hasattr(ex, "free_symbols"):
            continue
        for node in sp.preorder_traversal(ex):
            if isinstance(node, sp.Expr) and not node.is_Atom and len(node.free_symbols) == 1:
                (sym,) = node.free_symbols
                if isinstance(sym, sp.Symbol) and sym.is_integer:
                    parts.add(node)
    out: dict[sp.Symbol, int] = {}
    for node in parts:
        (sym,) = node.free_symbols
        z = _largest_integer_zero(node, sym, cap)
        if z is not None:
            out[sym] = max(out.get(sym, z), z)
    return out


def _largest_integer_zero(e: Any, s: sp.Symbol, cap: int) -> int | None:
    """The largest integer ``v >= 0`` with ``e(v) = 0`` (``cap`` if e vanishes at every 0..cap and is no polynomial)."""
    try:
        poly = sp.Poly(e, s)
    except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError, TypeError):
        poly = None
    if poly is not None and poly.degree() > 0:
        try:
            roots = [int(r) for r in sp.roots(poly, filter="Z") if r >= 0]
        except (NotImplementedError, ValueError, TypeError):
            roots = []
        return max(roots) if roots else None
    zeros = []
    for v in range(cap + 1):
        try:
            val = e.subs(s, v)
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if val.is_number and val == 0:
            zeros.append(v)
    if len(zeros) == cap + 1:
        return None  # zero at every integer (sin(pi*N)): an identity on the integers, not a gate
    return max(zeros) if zeros else None


def _boundaries(e: Any, syms: Sequence[sp.Symbol]) -> list[tuple[Any, sp.Symbol]]:
    """``(value, symbol)``: where a gate in ``e`` switches as ``symbol`` varies (other symbols fixed)."""
    out: list[tuple[Any, sp.Symbol]] = []
    exprs = [e] if not isinstance(e, sp.MatrixBase) else list(e)
    for ex in exprs:
        if not hasattr(ex, "atoms"):
            continue
        for g in _gate_nodes(ex):
            for arg in _switch_points(g):
                for s in syms:
                    if not arg.has(s):
                        continue
                    try:
                        roots = sp.solve(arg, s)
                    except (NotImplementedError, TypeError, ValueError):
                        continue
                    for r in roots:
                        r = sp.sympify(r)
                        if r.is_number and r.is_real:
                            out.append((r, s))
    return out


def _gate_nodes(e: Any) -> list[Any]:
    return [x for x in sp.preorder_traversal(e) if isinstance(x, _GATES)]


def _switch_points(g: Any) -> list[Any]:
    """Expressions whose zeros are where the gate ``g`` switches."""
    if isinstance(g, sp.core.relational.Relational):
        return [g.lhs - g.rhs]
    if isinstance(g, sp.Piecewise):
        return [c.lhs - c.rhs for _, c in g.args if isinstance(c, sp.core.relational.Relational)]
    if isinstance(g, (sp.KroneckerDelta, sp.Max, sp.Min)):
        a = list(g.args)
        return [a[i] - a[j] for i in range(len(a)) for j in range(i + 1, len(a))]
    if isinstance(g, sp.Mod):
        return [g.args[0]]
    return [g.args[0]]


def parameter_gates(diff: Any, sizes: Mapping[Any, Any]) -> list[dict[sp.Symbol, Any]]:
    """Values of scalar parameters (``sigma``, ...) at and next to the boundaries of gates on them."""
    exprs = list(diff) if isinstance(diff, sp.MatrixBase) else [diff]
    out: list[dict[sp.Symbol, Any]] = []
    for ex in exprs:
        if not hasattr(ex, "atoms"):
            continue
        ex = ex.subs({k: v for k, v in sizes.items() if isinstance(k, sp.Symbol)})
        params = sorted((s for s in ex.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer), key=str)
        for b, s in _boundaries(ex, params):
            b = sp.nsimplify(b) if not b.is_Rational else b
            if not b.is_Rational:
                b = sp.Rational(sp.N(b, 30))
            for v in (b, b * (1 + sp.Rational(1, 1000)) + sp.Rational(1, 10**6),
                      b * (1 - sp.Rational(1, 1000)) - sp.Rational(1, 10**6)):
                if (s.is_positive and v <= 0) or {s: v} in out:
                    continue
                out.append({s: v})
    return out


@dataclass(frozen=True)
class ExactCheck:
    """The outcome of :func:`check_exactly`.

    Attributes
    ----------
    ok : bool
    how : str
        ``"exact"`` (every value rational, compared with 0 exactly) or ``"exact and numeric"``
        (some values transcendental: zero to a relative 1e-80 at 100 digits).
    detail : str
    sizes : tuple of dict
        Every size evaluated at, ``{name: value}``, in order: listed, then drawn, then gate boundaries.
    drawn : int
        How many of ``sizes`` were drawn at random.
    seed : int or None
        The seed of the random sizes and data.
    """

    ok: bool
    how: str
    detail: str
    sizes: tuple[dict[str, int], ...]
    drawn: int
    seed: int | None


def check_exactly(
    diff: Any,
    sizes: Sequence[Mapping[Any, Any]],
    *,
    seed: int,
    ranges: Mapping[sp.Symbol, tuple[Any, Any]] | None = None,
    where: Callable[[Mapping[sp.Symbol, int]], bool] | None = None,
    trials: int = 2,
    normalise: Normaliser = None,
) -> ExactCheck:
    """Check ``diff == 0`` at the listed sizes, at random sizes drawn with ``seed`` and at gate boundaries.

    The listed sizes get ``trials`` random data sets each, the drawn and boundary sizes one.
    See :func:`draw_sizes` and :func:`gate_sizes`.
    """
    rng = np.random.default_rng(seed)
    drawn = draw_sizes(sizes, rng, ranges=ranges, where=where)
    diff = rationalise_floats(diff) if not isinstance(diff, sp.MatrixBase) else diff.applyfunc(rationalise_floats)
    zeros = vanishing_points(diff)  # once, for both
    reach = out_of_reach(diff, sizes, zeros=zeros)
    if reach is not None:
        return ExactCheck(False, "exact", f"not verified: {reach}", (), len(drawn), seed)
    escapes = escape_sizes(diff, sizes, zeros=zeros)
    gates = [g for g in gate_sizes(diff, sizes) + escapes if where is None or where(g)]
    blocked = [g for g in escapes if g not in gates]
    if blocked:  # raising that size alone breaks the step's condition (N >= d): no cheap size reaches past it
        return ExactCheck(False, "exact", ("not verified: a factor vanishes at every small size, and the size past its "
                          f"zeros ({_fmt(blocked[0])}) breaks the step's condition"), (), len(drawn), seed)
    plan = [(s, trials) for s in sizes] + [(s, 1) for s in drawn] + [(s, 1) for s in gates]
    seen: list[dict[str, int]] = []
    hows: set[str] = set()
    for size, n in plan:
        if size in escapes:
            try:
                with _time_limit(ESCAPE_SECONDS):
                    ok, how, detail = _check_at(diff, size, n, rng, normalise)
            except _OverTime:
                return ExactCheck(False, _how(hows), f"not verified: a factor vanishes at every small size, and "
                                  f"evaluating past its zeros ({_fmt(size)}) took over {ESCAPE_SECONDS:g} s",
                                  tuple(seen), len(drawn), seed)
        else:
            ok, how, detail = _check_at(diff, size, n, rng, normalise)
        seen.append(_plain(size))
        hows |= how
        if not ok:
            return ExactCheck(False, _how(hows), detail, tuple(seen), len(drawn), seed)
    detail = (f"zero at {len(sizes)} listed size(s) × {trials} random data sets, {len(drawn)} random size(s)"
              + (f" and {len(gates)} gate boundary or escape size(s)" if gates else "") + f" (seed {seed})")
    return ExactCheck(True, _how(hows), detail, tuple(seen), len(drawn), seed)


#: seconds an escape size may take before the step is reported not verified (fail closed)
ESCAPE_SECONDS = 2.0


class _OverTime(BaseException):
    """Not an ``Exception``: SymPy's broad ``except Exception`` clauses must not swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_OverTime` after ``seconds`` (a SIGALRM timer; no limit off the main thread)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def alarm(signum: int, frame: Any) -> None:
        raise _OverTime

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)  # and again every 0.25 s, should one be swallowed
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _how(hows: set[str]) -> str:
    return "exact and numeric" if "numeric" in hows else "exact"


def _plain(size: Mapping[Any, Any]) -> dict[str, int]:
    return {str(k): int(v) for k, v in size.items() if isinstance(k, sp.Symbol)}


def _check_at(diff: Any, size: Mapping[Any, Any], trials: int, rng: np.random.Generator,
              normalise: Normaliser) -> tuple[bool, set[str], str]:
    ints = {k: v for k, v in size.items() if not isinstance(k, sp.IndexedBase)}
    spec = {k: (v[0], sp.sympify(v[1]).subs(ints), sp.sympify(v[2]).subs(ints))
            for k, v in size.items() if isinstance(k, sp.IndexedBase)}
    base = diff.subs(ints) if not isinstance(diff, sp.MatrixBase) else sp.Matrix(diff).subs(ints)
    if normalise is not None:
        base = normalise(base)
    base = rationalise_floats(_explicit_constants(base.doit()))
    fixed_sets = [None] * trials + parameter_gates(base, {})
    hows: set[str] = set()
    for fixed in fixed_sets:
        value = _substitute_data(base, spec, rng, fixed)
        entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
        for v in entries:
            verdict, how = value_is_zero(v)
            hows.add(how)
            if verdict is None:
                free = sorted(map(str, getattr(sp.N(v, 15), "free_symbols", ())))
                return False, hows, f"could not evaluate at {_fmt(size)}: free symbols {free}"
            if not verdict:
                where = _fmt(size) + (f", {_fmt(fixed)}" if fixed else "")
                kind = "exactly" if how == "exact" else f"to {DIGITS} digits"
                return False, hows, f"non-zero at {where} ({kind}): difference {sp.N(v, 8)}"
    return True, hows, ""


def exact_zero(
    diff: Any,
    sizes: Sequence[Mapping[Any, Any]],
    *,
    rng: np.random.Generator,
    trials: int = 2,
    normalise: Normaliser = None,
) -> tuple[bool, str, str]:
    """Check ``diff == 0`` by exact evaluation at exactly the given concrete sizes with random data.

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
        ``method`` is ``"exact"`` when every value was rational (compared with 0 exactly) and
        ``"exact and numeric"`` when transcendental values remained (relative tolerance 1e-80).
        :func:`check_exactly` also draws random sizes; this function does not.
    """
    if not sizes:
        return False, "exact", "no concrete sizes given"
    diff = rationalise_floats(diff) if not isinstance(diff, sp.MatrixBase) else diff.applyfunc(rationalise_floats)
    hows: set[str] = set()
    for size in sizes:
        ok, how, detail = _check_at(diff, size, trials, rng, normalise)
        hows |= how
        if not ok:
            return False, _how(hows), detail
    return True, _how(hows), f"zero at {len(sizes)} size(s) × {trials} random rational data set(s)"


def _explicit_constants(e: Any) -> Any:
    """Concrete-size ``Identity`` / ``ZeroMatrix`` / ``OneMatrix`` as explicit matrices (they do not mix with ``Matrix``)."""
    if not hasattr(e, "atoms"):
        return e
    consts = {c: c.as_explicit() for c in e.atoms(sp.Identity, sp.ZeroMatrix, sp.OneMatrix)
              if all(getattr(x, "is_Integer", False) for x in c.shape)}
    return e.xreplace(consts).doit() if consts else e


def _fmt(size: Mapping[Any, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in size.items() if not isinstance(k, sp.IndexedBase))


def square_sums(e: Any) -> Any:
    r"""Rewrite every square of a single sum as a double sum: :math:`(\sum_k a_k)^2 = \sum_k \sum_l a_k a_l`.

    Distributivity, valid for symbolic bounds; a normaliser for symbolic checks (SymPy cannot
    square a sum of symbolic length).  The second index is a fresh dummy.
    """
    def square(p: sp.Pow) -> Any:
        s = p.base
        (v, lo, hi), = s.limits
        w = sp.Dummy(f"{v.name}_2", integer=True)
        return sp.Sum(sp.Sum(s.function * s.function.xreplace({v: w}), (w, lo, hi)), (v, lo, hi))

    return e.replace(lambda x: isinstance(x, sp.Pow) and x.exp == 2 and isinstance(x.base, sp.Sum)
                     and len(x.base.limits) == 1, square)
