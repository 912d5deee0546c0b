r"""Display operators and exact-check helpers of the noisy-regression derivation.

The minimiser's name :math:`\theta^*(\sigma)`, evaluation at a point, limits (scalar and
elementwise on matrices, exact for rational functions of the variable) and inverses
deferred until the data are numbers.  Used by :mod:`derive.noisy.maths` only.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.printing.pretty.stringpict import prettyForm

from derive.matrix_forms import explicit_identity, explicit_matrix

__all__ = ["At", "ThetaStar", "Lim", "MatrixLimit", "rational_limit", "DeferredInverse", "defer_inverses"]


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
        inner = expr if isinstance(expr, sp.MatrixBase) else explicit_matrix(expr)
        return sp.ImmutableMatrix(sp.Matrix(inner).applyfunc(lambda e: rational_limit(e, var, point)))

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        return sp.Limit(self.args[0]._entry(i, j, **kwargs), self.args[1], self.args[2])

    def _homework_latex(self, printer: Any) -> str:
        expr, var, point = self.args
        return f"\\lim_{{{printer._print(var)} \\to {_point_latex(printer, point)}}} {printer._print(expr)}"


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
