r"""Matrix forms: the bridges between index form and matrix form that several derivations share.

A step that restates an index-form result in matrix form (``MatrixSymbol`` s of symbolic
shape) is checked either

* for symbolic sizes, by taking the matrix expression's entry (SymPy writes it as sums over
  dummy indices of ``MatrixElement`` s), mapping each element back to the indexed symbol it stands
  for and renaming bound variables canonically (:func:`index_normaliser`); or
* exactly at concrete sizes, by making both sides explicit matrices (:func:`explicit_entries`,
  :func:`explicit_matrix`) with every sum unrolled (:func:`unroll_sums`).

This module is the one place for these helpers; :mod:`derive.expectation` holds only the
Gaussian expectation rule.

Examples
--------
>>> import sympy as sp
>>> j = sp.Symbol("j", integer=True)
>>> unroll_sums(sp.Sum(sp.IndexedBase("x")[j], (j, 0, 2)))
x[0] + x[1] + x[2]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.pretty.stringpict import prettyForm

__all__ = [
    "AsScalar", "Component", "EntryMatrix", "InOrder", "OnesRow", "EntryRule",
    "index_normaliser", "stack_components", "explicit_identity", "explicit_matrix", "entry_matrix",
    "explicit_entries", "canonical_sums", "unroll_sums", "linear_sums",
]


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


def explicit_matrix(e: Any) -> sp.MatrixBase:
    """A matrix expression of concrete shape as an explicit matrix; inverses by adjugate / determinant.

    (SymPy's default Gaussian elimination is slow on entries that are rational functions of a symbol.)
    """
    def invert(x: sp.Inverse) -> sp.ImmutableMatrix:
        a = x.arg.doit()
        a = a if isinstance(a, sp.MatrixBase) else a.as_explicit()
        a = sp.Matrix(a)
        det = sp.cancel(a.det(method="berkowitz"))
        if det == 0:
            raise ValueError(f"explicit_matrix: the matrix {a} is singular")
        return sp.ImmutableMatrix(a.adjugate(method="berkowitz") / det)

    if isinstance(e, sp.MatrixBase):
        return e
    out = explicit_identity(e).replace(lambda x: isinstance(x, sp.Inverse), invert).doit()
    if isinstance(out, sp.MatrixBase):
        return out
    rows, cols = out.shape
    return sp.ImmutableMatrix(sp.Matrix(int(rows), int(cols), lambda r, s: out[r, s]).doit())


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


#: An entry rule: ``(row, col) -> sympy expression`` for one matrix symbol (symbolic sizes
#: in it are substituted afterwards).
EntryRule = Callable[[int, int], Any]


class EntryMatrix(sp.MatrixExpr):
    r"""The ``rows x cols`` matrix whose entry :math:`(r, s)` is ``body`` at ``(row, col) = (r, s)``.

    Like ``FunctionMatrix``, but ``doit`` leaves the (indexed-sum) body alone: SymPy
    would otherwise try to evaluate symbolic sums, which is slow and pointless here.

    >>> import sympy as sp
    >>> r, s = sp.symbols("r s", integer=True)
    >>> EntryMatrix(2, 2, r, s, 10 * r + s).as_explicit()
    Matrix([
    [ 0,  1],
    [10, 11]])
    """

    def __new__(cls, rows: Any, cols: Any, row: sp.Symbol, col: sp.Symbol, body: Any) -> EntryMatrix:
        return sp.Basic.__new__(cls, *map(sp.sympify, (rows, cols, row, col, body)))

    @property
    def shape(self) -> tuple[Any, Any]:  # noqa: D102
        return self.args[0], self.args[1]

    def _entry(self, r: Any, s: Any, **kwargs: Any) -> Any:
        return self.args[4].xreplace({self.args[2]: r, self.args[3]: s})

    def doit(self, **hints: Any) -> EntryMatrix:  # noqa: D102 - deliberately no evaluation
        return self

    @property
    def free_symbols(self) -> set[sp.Basic]:  # noqa: D102 - row and col are bound
        return (self.args[4].free_symbols - {self.args[2], self.args[3]}) | self.args[0].free_symbols \
            | self.args[1].free_symbols


class InOrder(sp.MatAdd):
    r"""A matrix sum printed in the order written (:math:`Y - P`, not SymPy's :math:`-P + Y`).

    >>> from derive.latex import to_latex
    >>> Y, P = sp.MatrixSymbol("Y", 2, 2), sp.MatrixSymbol("P", 2, 2)
    >>> to_latex(sp.Transpose(InOrder(Y, -P)))
    '\\left(Y - P\\right)^\\top'
    """

    def _homework_latex(self, printer: Any) -> str:
        out = printer._print(self.args[0])
        for t in self.args[1:]:
            out += f" - {printer._print(-t)}" if t.could_extract_minus_sign() else f" + {printer._print(t)}"
        return out


class OnesRow(sp.OneMatrix):
    r"""The row of ones :math:`\mathbf{1}^\top` (shape ``(1, m)``), printed as such."""

    def _homework_latex(self, printer: Any) -> str:
        return r"\mathbf{1}^\top"




def entry_matrix(rows: Any, cols: Any, entry: Callable[[int, int], Any]) -> sp.ImmutableMatrix:
    """The explicit ``rows x cols`` matrix of ``entry(r, s)``, every concrete sum unrolled."""
    return sp.ImmutableMatrix(int(rows), int(cols), lambda r, s: unroll_sums(sp.sympify(entry(int(r), int(s)))))


def explicit_entries(
    rules: Mapping[str, EntryRule],
    shapes: Mapping[str, tuple[sp.Expr, sp.Expr]],
    rename: Callable[[Any], Any] | None = None,
) -> Callable[[Any], Any]:
    """A step normaliser that makes a matrix difference explicit at concrete sizes.

    Parameters
    ----------
    rules : mapping
        ``{matrix symbol name: entry rule}``; an entry rule maps ``(row, col)``
        to the entry, in the same indexed notation as the index form.
    shapes : mapping
        ``{matrix symbol name: (rows, cols)}`` with the *symbolic* shapes, used to
        read the concrete sizes (``{m: 2, n: 3, ...}``) off the substituted symbols.
    rename : callable, optional
        Applied to every explicit entry (e.g. naming the softmax entries, so that
        the check does not depend on what they are).

    Returns
    -------
    callable
        ``normalise(e)`` for :class:`derive.core.Step` ``simplify=``: every
        :class:`EntryMatrix`, matrix symbol and matrix of ones becomes an explicit
        matrix with every sum unrolled; expressions that still have symbolic
        shapes are returned unchanged.
    """
    rename = rename or (lambda x: x)

    def normalise(e: Any) -> Any:
        mats = [M for M in e.atoms(sp.MatrixSymbol) if M.name in rules]
        if not all(d.is_Integer for M in mats for d in M.shape):
            return e
        sizes: dict[Any, int] = {}
        for M in mats:
            for sym_dim, dim in zip(shapes[M.name], M.shape, strict=True):
                free = sorted(sym_dim.free_symbols, key=str)
                if len(free) == 1:  # a size or a size plus a constant (n + 1 -> n)
                    sizes[free[0]] = int(dim - sym_dim.subs(free[0], 0))
        reps: dict[Any, Any] = {
            M: entry_matrix(*M.shape, lambda r, s, _M=M: rename(sp.sympify(rules[_M.name](r, s)).subs(sizes)))
            for M in mats}
        reps.update({O: sp.ones(*map(int, O.shape)).as_immutable() for O in e.atoms(sp.OneMatrix)})
        reps.update({F: entry_matrix(*F.shape, lambda r, s, _F=F: rename(_F._entry(r, s))) for F in e.atoms(EntryMatrix)})
        out = e.xreplace(reps).doit()
        return sp.ImmutableMatrix(out.as_explicit()) if isinstance(out, sp.MatrixExpr) else out

    return normalise
