r"""Expectations over Gaussian noise, as a derivation rule.

:func:`gaussian_expectation` takes :math:`\mathbb{E}_\delta[\cdot]` of an expression
that is a polynomial of degree at most two in the entries of an indexed noise
array ``delta[j, k]`` with i.i.d. :math:`\mathcal{N}(0, \sigma^2)` entries, using only

* linearity over sums (``Add`` and ``Sum``) and over factors free of the noise;
* :math:`\mathbb{E}[\delta^{(j)}_k] = 0`;
* :math:`\mathbb{E}[\delta^{(j)}_k \delta^{(j')}_l] = \sigma^2\, \mathbb{1}\{j = j'\}\, \mathbb{1}\{k = l\}`
  (independent samples, :math:`\mathbb{E}[\delta\delta^\top] = \sigma^2 I` within a sample).

Anything else — a cubic term, a product of noisy sums, a noisy sum raised to a
power, noise in a summation bound — raises :class:`NotImplementedError`: the rule
never guesses.  A derivation expands the square first (a double sum), then
applies the rule (see :mod:`derive.noisy`).

Examples
--------
>>> import sympy as sp
>>> from derive.notation import DELTA, THETA
>>> sigma = sp.Symbol("sigma", positive=True)
>>> j, k, l = sp.symbols("j k l", integer=True)
>>> gaussian_expectation(3 * DELTA[j, k] * THETA[k], DELTA, sigma)
0
>>> gaussian_expectation(DELTA[j, k] * DELTA[j, l] * THETA[k], DELTA, sigma)
sigma**2*KroneckerDelta(k, l)*theta[k]
>>> gaussian_expectation(DELTA[j, k] ** 3, DELTA, sigma)
Traceback (most recent call last):
...
NotImplementedError: E over delta: moments of degree 3 are not handled (term delta[j, k]**3)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr
from sympy.printing.pretty.stringpict import prettyForm

__all__ = [
    "gaussian_expectation", "expectation_rule",
    # display-only operators and matrix <-> index bridges used by derive.noisy's steps
    "AsScalar", "Component", "At", "ThetaStar", "Lim", "MatrixLimit", "DeferredInverse",
    "index_normaliser", "stack_components", "explicit_identity", "defer_inverses", "rational_limit",
    "canonical_sums", "unroll_sums", "linear_sums",
]


def _is_noise(x: Any, noise: sp.IndexedBase) -> bool:
    return isinstance(x, sp.Indexed) and x.base == noise


def _moment(entries: list[sp.Indexed], sigma: sp.Expr, term: Any, noise: sp.IndexedBase) -> sp.Expr:
    """E of a product of noise entries (with multiplicity): degree 1 -> 0, degree 2 -> covariance."""
    if len(entries) == 1:
        return sp.S.Zero  # E[delta] = 0
    if len(entries) == 2:
        a, b = entries
        if len(a.indices) != len(b.indices):
            raise NotImplementedError(f"E over {noise}: entries {a} and {b} have different ranks")
        # E[delta_a delta_b] = sigma^2 * prod_i 1{a_i = b_i}  (i.i.d. entries)
        return sigma**2 * sp.Mul(*[sp.KroneckerDelta(u, v) for u, v in zip(a.indices, b.indices)])
    raise NotImplementedError(f"E over {noise}: moments of degree {len(entries)} are not handled (term {term})")


def gaussian_expectation(expr: Any, noise: sp.IndexedBase, sigma: sp.Expr) -> Any:
    r"""Take :math:`\mathbb{E}` over the i.i.d. :math:`\mathcal{N}(0, \sigma^2)` entries of ``noise``.

    Parameters
    ----------
    expr : sympy expression
        At most quadratic in the entries ``noise[...]``, with products of noise
        written out as (double) sums of products of entries.
    noise : IndexedBase
        The random array (e.g. :data:`derive.notation.DELTA`).
    sigma : sympy expression
        The noise's standard deviation.

    Returns
    -------
    sympy expression
        The expectation, with second moments as Kronecker deltas.

    Raises
    ------
    NotImplementedError
        On anything outside linearity and the first two moments.

    Notes
    -----
    .. math::

        \mathbb{E}[\delta^{(j)}_k] = 0, \qquad
        \mathbb{E}[\delta^{(j)}_k \delta^{(j')}_l] = \sigma^2\,
        \mathbb{1}\{j = j'\}\,\mathbb{1}\{k = l\}.
    """
    if not expr.has(noise):
        return expr
    if isinstance(expr, sp.Add):
        return sp.Add(*[gaussian_expectation(a, noise, sigma) for a in expr.args])
    if isinstance(expr, sp.Sum):
        for limit in expr.limits:
            if any(b.has(noise) for b in limit[1:]):
                raise NotImplementedError(f"E over {noise}: noise in summation bounds {limit}")
        inner = gaussian_expectation(expr.function, noise, sigma)
        return sp.S.Zero if inner == 0 else sp.Sum(inner, *expr.limits)
    if _is_noise(expr, noise) or isinstance(expr, sp.Pow):
        return _product(sp.S.One, [expr], expr, noise, sigma)
    if isinstance(expr, sp.Mul):
        const = [f for f in expr.args if not f.has(noise)]
        rand = [f for f in expr.args if f.has(noise)]
        c = sp.Mul(*const)
        if len(rand) == 1 and isinstance(rand[0], (sp.Add, sp.Sum)):
            return c * gaussian_expectation(rand[0], noise, sigma)  # E[c X] = c E[X]
        return _product(c, rand, expr, noise, sigma)
    raise NotImplementedError(f"E over {noise}: cannot take the expectation of {expr} ({type(expr).__name__})")


def _product(c: Any, factors: list[Any], term: Any, noise: sp.IndexedBase, sigma: sp.Expr) -> Any:
    """c * E[product of noise entries and their integer powers]."""
    entries: list[sp.Indexed] = []
    for f in factors:
        if _is_noise(f, noise):
            entries.append(f)
        elif isinstance(f, sp.Pow) and _is_noise(f.base, noise) and f.exp.is_Integer and f.exp > 0:
            entries.extend([f.base] * int(f.exp))
        else:
            raise NotImplementedError(
                f"E over {noise}: expected a product of noise entries, got factor {f} in {term}; "
                "expand products of sums into double sums first")
    return c * _moment(entries, sigma, term, noise)


def expectation_rule(noise: sp.IndexedBase, sigma: sp.Expr):  # noqa: ANN201 - a rule for Step(rule=...)
    """The rule ``e -> E_noise[e]`` for :class:`derive.core.Step`."""

    def rule(expr: Any) -> Any:
        return gaussian_expectation(expr, noise, sigma)

    rule.__name__ = f"E_{noise}"
    return rule


# -- Matrix forms, limits and sums: the other rules and normalisers of derive.noisy --------------------
#
# A step that restates an index-form result in matrix form (MatrixSymbols of symbolic shape) is checked
# by taking the matrix expression's entry (SymPy writes it as sums over dummy indices of MatrixElements),
# mapping each element back to the indexed symbol it stands for, and renaming bound variables
# canonically, so that the generic zero test compares the two forms for symbolic sizes.


class AsScalar(sp.Function):
    r"""A 1×1 matrix expression read as a scalar (prints as the matrix expression)."""

    nargs = 1

    def _homework_latex(self, printer: Any) -> str:
        return printer._print(self.args[0])

    def _pretty(self, printer: Any) -> Any:
        return printer._print(self.args[0])


class Component(sp.Function):
    r"""Entry ``p`` of a column-vector expression, :math:`[v]_p`."""

    nargs = 2

    def _homework_latex(self, printer: Any) -> str:
        return f"\\left[{printer._print(self.args[0])}\\right]_{{{printer._print(self.args[1])}}}"

    def _pretty(self, printer: Any) -> Any:
        body = prettyForm(*printer._print(self.args[0]).parens("[", "]"))
        return prettyForm(*body.right(f"_{self.args[1]}"))


class At(sp.Function):
    r"""``expr`` evaluated at ``point`` (display only): :math:`e\,|_{\theta = \theta^*}`."""

    nargs = 2

    def _homework_latex(self, printer: Any) -> str:
        return f"\\left.{printer._print(self.args[0])}\\right|_{{\\theta = {printer._print(self.args[1])}}}"

    def _pretty(self, printer: Any) -> Any:
        point = printer._print(self.args[1])
        return prettyForm(*printer._print(self.args[0]).right(prettyForm(*point.left("|θ = "))))


class ThetaStar(sp.Function):
    r"""The name :math:`\theta^*(\sigma)` of the minimiser (display only)."""

    nargs = 1

    def _homework_latex(self, printer: Any) -> str:
        return f"\\theta^*\\left({printer._print(self.args[0])}\\right)"

    def _pretty(self, printer: Any) -> Any:
        return printer._print(sp.Function("θ*")(self.args[0]))


def _point_latex(printer: Any, point: Any) -> str:
    # sympy's oo prints itself through `_latex`, which the homework printer does not call
    return {sp.oo: "\\infty", -sp.oo: "-\\infty"}.get(point, printer._print(point))


class Lim(sp.Function):
    r"""Unevaluated :math:`\lim_{v \to v_0} e` for left-hand sides (display only)."""

    nargs = 3

    def _homework_latex(self, printer: Any) -> str:
        expr, var, point = self.args
        body = printer._print(expr)
        if isinstance(expr, sp.Mul):
            body = f"\\left({body}\\right)"
        return f"\\lim_{{{printer._print(var)} \\to {_point_latex(printer, point)}}} {body}"

    def _pretty(self, printer: Any) -> Any:
        return printer._print(sp.Limit(*self.args))


class MatrixLimit(MatrixExpr):
    r"""Elementwise :math:`\lim_{v \to v_0}` of a matrix expression.

    Stays unevaluated while the matrix is symbolic (``MatrixSymbol`` s of symbolic
    shape); once the matrix is explicit (concrete sizes and data, as in
    :func:`derive.zero.exact_zero`), ``doit`` takes the limit of every entry (:func:`rational_limit`).
    """

    def __new__(cls, expr: Any, var: sp.Symbol, point: Any) -> MatrixLimit:
        return super().__new__(cls, sp.sympify(expr), sp.sympify(var), sp.sympify(point))

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape

    @property
    def free_symbols(self) -> set[sp.Basic]:
        expr, var, point = self.args
        return (expr.free_symbols - {var}) | point.free_symbols

    def doit(self, **hints: Any) -> Any:
        expr, var, point = self.args
        if expr.atoms(sp.MatrixSymbol):  # symbolic shape or data: nothing to evaluate yet
            return MatrixLimit(expr, var, point)
        inner = expr if isinstance(expr, sp.MatrixBase) else _explicit(expr)
        return sp.ImmutableMatrix(sp.Matrix(inner).applyfunc(lambda e: rational_limit(e, var, point)))

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        return sp.Limit(self.args[0]._entry(i, j, **kwargs), self.args[1], self.args[2])

    def _homework_latex(self, printer: Any) -> str:
        expr, var, point = self.args
        return f"\\lim_{{{printer._print(var)} \\to {_point_latex(printer, point)}}} {printer._print(expr)}"


def _explicit(e: Any) -> sp.MatrixBase:
    """Evaluate a matrix expression of explicit matrices; inverses by adjugate / determinant.

    (SymPy's default Gaussian elimination is slow on entries that are rational functions of a symbol.)
    """
    def invert(x: sp.Inverse) -> sp.ImmutableMatrix:
        a = x.arg.doit()
        a = a if isinstance(a, sp.MatrixBase) else a.as_explicit()
        a = sp.Matrix(a)
        det = sp.cancel(a.det(method="berkowitz"))
        if det == 0:
            raise ValueError(f"MatrixLimit: the matrix {a} is singular")
        return sp.ImmutableMatrix(a.adjugate(method="berkowitz") / det)

    e = explicit_identity(e).replace(lambda x: isinstance(x, sp.Inverse), invert).doit()
    return e if isinstance(e, sp.MatrixBase) else e.as_explicit()


def rational_limit(e: Any, var: sp.Symbol, point: Any) -> Any:
    """``limit(e, var -> point)``; fast and exact for a rational function of ``var``, else ``sympy.limit``."""
    r = sp.cancel(sp.together(e))
    num, den = sp.fraction(r)
    if not (num.is_polynomial(var) and den.is_polynomial(var)):
        return sp.limit(e, var, point)
    pn, pd = sp.Poly(num, var), sp.Poly(den, var)
    if point is sp.oo:
        if pn.is_zero or pn.degree() < pd.degree():
            return sp.S.Zero
        if pn.degree() == pd.degree():
            return sp.cancel(pn.LC() / pd.LC())
        return sp.limit(e, var, point)  # diverges: let SymPy find the sign
    if pd.eval(point) != 0:
        return sp.cancel(pn.eval(point) / pd.eval(point))
    return sp.limit(e, var, point)


class DeferredInverse(sp.Inverse):
    """A matrix inverse that ``doit`` computes only once the matrix is numeric (no free symbols)."""

    def doit(self, **hints: Any) -> Any:
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if arg.free_symbols or arg.atoms(sp.MatrixSymbol):
            return DeferredInverse(arg)
        arg = explicit_identity(arg).doit()
        return sp.Inverse(arg).doit()


def defer_inverses(e: Any) -> Any:
    """A normaliser for exact checks: invert matrices only after the random data is substituted.

    Inverting ``X^T X + N sigma^2 I`` with ``sigma`` still a symbol is slow (row reduction over
    rational functions); with every entry a rational number it is instant.
    """
    return explicit_identity(e).replace(lambda x: isinstance(x, sp.Inverse) and not isinstance(x, DeferredInverse),
                                        lambda x: DeferredInverse(x.arg))


def linear_sums(e: Any) -> Any:
    """Normal form of sums by linearity: split over ``+``, pull out factors free of the summation
    indices, and sum constants (``Sum(c, (j, lo, hi)) = (hi - lo + 1) c``); inner sums first."""
    if isinstance(e, sp.Sum):
        body = sp.expand(linear_sums(e.function))
        out = []
        for term in sp.Add.make_args(body):
            for v, lo, hi in e.limits:  # innermost first
                const, dep = (term.as_independent(v, as_Add=False) if term.has(v) else (term, sp.S.One))
                term = const * (hi - lo + 1) if dep == 1 else const * sp.Sum(dep, (v, lo, hi))
            out.append(term)
        return sp.Add(*out)
    if not e.args or isinstance(e, (sp.Indexed, sp.Symbol)):
        return e
    return e.func(*[linear_sums(a) for a in e.args])


def unroll_sums(e: Any) -> Any:
    """Write out every sum with concrete integer bounds as an explicit ``Add`` (a normaliser for exact checks).

    Much faster than ``Sum.doit``, which first looks for closed forms.
    """
    if isinstance(e, sp.Sum):
        out = e.function
        for v, lo, hi in e.limits:  # innermost first
            if not (lo.is_Integer and hi.is_Integer):
                return e.func(unroll_sums(e.function), *e.limits)
            out = sp.Add(*[out.xreplace({v: sp.Integer(i)}) for i in range(int(lo), int(hi) + 1)])
        return unroll_sums(out)
    if not e.args or isinstance(e, (sp.Indexed, sp.Symbol)):
        return e
    return e.func(*[unroll_sums(a) for a in e.args])


def canonical_sums(e: Any, depth: int = 0) -> Any:
    """Rename every summation index by its nesting depth (``_c0`` outermost), so equal sums compare equal."""
    if isinstance(e, sp.Sum):
        n = len(e.limits)
        rep = {}
        for pos, (v, _, _) in enumerate(e.limits):  # SymPy lists the innermost limit first
            rep[v] = sp.Symbol(f"_c{depth + n - 1 - pos}", integer=True)
        # inner bounds may use outer indices, so rename inside the bounds too
        limits = [(rep[v], lo.xreplace(rep), hi.xreplace(rep)) for v, lo, hi in e.limits]
        return sp.Sum(canonical_sums(e.function.xreplace(rep), depth + n), *limits)
    if not e.args or isinstance(e, (sp.Indexed, sp.IndexedBase, sp.Symbol)):
        return e
    return e.func(*[canonical_sums(a, depth) for a in e.args])


def index_normaliser(entries: Mapping[sp.MatrixSymbol, Callable[[Any, Any], Any]]) -> Callable[[Any], Any]:
    """A ``Step.simplify`` normaliser: matrix entries -> indexed symbols, canonical summation indices.

    ``entries`` maps each ``MatrixSymbol`` to ``(row, col) -> indexed entry``.

    Examples
    --------
    >>> from derive.notation import X, THETA
    >>> n, m = sp.symbols("n m", integer=True, positive=True)
    >>> i, k = sp.symbols("i k", integer=True)
    >>> A, v = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("theta", n, 1)
    >>> norm = index_normaliser({A: lambda a, b: X[a, b], v: lambda a, b: THETA[a]})
    >>> norm(Component(A * v, i) - sp.Sum(X[i, k] * THETA[k], (k, 0, n - 1)))
    0
    """

    def to_indexed(e: Any) -> Any:
        e = e.replace(lambda x: isinstance(x, AsScalar), lambda x: x.args[0][0, 0])
        e = e.replace(lambda x: isinstance(x, Component), lambda x: x.args[0][x.args[1], 0])
        e = e.replace(lambda x: isinstance(x, MatrixElement) and x.parent in entries,
                      lambda x: entries[x.parent](x.i, x.j))
        return linear_sums(sp.expand(canonical_sums(e)))

    return to_indexed


def explicit_identity(e: Any) -> Any:
    """Replace identity matrices of concrete size by explicit ones (SymPy keeps ``I + Matrix`` unevaluated)."""
    return e.replace(lambda x: isinstance(x, sp.Identity) and x.shape[0].is_Integer,
                     lambda x: sp.ImmutableMatrix(sp.eye(int(x.shape[0]))))


def stack_components(e: Any) -> Any:
    """The rule 'stack the components': ``Component(v, p)`` for every ``p`` is the vector ``v``."""
    if not isinstance(e, Component):
        raise ValueError(f"stack_components: expected a Component(vector, index), got {e}")
    return e.args[0]
