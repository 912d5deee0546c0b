r"""Squared Euclidean distances by expanding the square (SPEC problem 2, vectorised L2).

The identity behind the loop-free kNN distance matrix,

.. math::

    \|x - z\|_2^2 = \|x\|_2^2 + \|z\|_2^2 - 2 x^\top z ,

derived for a symbolic number of features ``n`` and then lifted to all pairs of
rows of ``X`` (shape ``(A, n)``) and ``Z`` (shape ``(B, n)``):

.. math::

    D^2 = \operatorname{diag}(X X^\top)\, \mathbf{1}_B^\top
          + \mathbf{1}_A \operatorname{diag}(Z Z^\top)^\top - 2 X Z^\top ,

with :math:`\operatorname{diag}(X X^\top) = (X \circ X)\mathbf{1}_n` (row-wise squared
norms, never forming :math:`X X^\top`).  :func:`squared_distances` is that last
matrix expression, lambdified to numpy.

Examples
--------
>>> from derive.latex import to_latex
>>> to_latex(derivation().step("vector").rhs)
'- 2 x^\\top z + \\|x\\|_2^2 + \\|z\\|_2^2'
>>> import numpy as np
>>> squared_distances(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[3.0, 4.0]]))
array([[25.],
       [13.]])
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray
from sympy.matrices.expressions.diagonal import DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.numpy import NumPyPrinter

from derive.core import Derivation, Step
from derive.matrix_forms import unroll_sums
from derive.notation import X, Z

__all__ = ["derivation", "squared_distances", "matrix_form", "SqDist", "Ones", "Diag"]

n, A, B = sp.symbols("n A B", integer=True, positive=True)
k, a, b = sp.symbols("k a b", integer=True)
x = sp.IndexedBase("x", real=True)
z = sp.IndexedBase("z", real=True)
XM = sp.MatrixSymbol("X", A, n)
ZM = sp.MatrixSymbol("Z", B, n)
D2 = sp.MatrixSymbol("D^2", A, B)


class SqDist(sp.Function):
    r"""Unevaluated label :math:`\|u - v\|_2^2` for a step's left-hand side."""

    nargs = 2

    @classmethod
    def eval(cls, u: Any, v: Any) -> None:  # noqa: D102 - a label, never evaluates
        return None

    def _homework_latex(self, printer: Any) -> str:
        u, v = (printer._print(t) for t in self.args)
        return rf"\|{u} - {v}\|_2^2"


class Ones(sp.OneMatrix):
    r"""The all-ones matrix, printed :math:`\mathbf{1}_n` (column) or :math:`\mathbf{1}_n^\top` (row)."""

    def _homework_latex(self, printer: Any) -> str:
        r, c = self.shape
        if r == 1:
            return rf"\mathbf{{1}}_{{{printer._print(c)}}}^\top"
        return rf"\mathbf{{1}}_{{{printer._print(r)}}}"


class Diag(DiagonalOf):
    r"""The diagonal of a square matrix as a column, printed :math:`\operatorname{diag}(M)`."""

    def _homework_latex(self, printer: Any) -> str:
        return rf"\operatorname{{diag}}\left({printer._print(self.arg)}\right)"


def _mm(*factors: Any) -> sp.MatMul:
    # keep the written order and grouping: numpy evaluates .dot chains left to right
    return sp.MatMul(*factors, evaluate=False)


def matrix_form(diag_form: bool = False) -> sp.MatrixExpr:
    r"""The all-pairs squared distances as a matrix expression of shape ``(A, B)``.

    Parameters
    ----------
    diag_form : bool, default False
        ``True``: :math:`\operatorname{diag}(XX^\top)\mathbf{1}^\top + \mathbf{1}\operatorname{diag}(ZZ^\top)^\top - 2XZ^\top`;
        ``False``: the same with :math:`\operatorname{diag}(XX^\top) = (X\circ X)\mathbf{1}_n`
        (the vectorised form that is lambdified).
    """
    if diag_form:
        rx: Any = Diag(_mm(XM, sp.Transpose(XM)))
        rz: Any = Diag(_mm(ZM, sp.Transpose(ZM)))
    else:
        rx = _mm(sp.HadamardProduct(XM, XM), Ones(n, 1))
        rz = _mm(sp.HadamardProduct(ZM, ZM), Ones(n, 1))
    return sp.MatAdd(_mm(rx, Ones(1, B)), _mm(Ones(A, 1), sp.Transpose(rz)),
                     sp.Mul(-2, _mm(XM, sp.Transpose(ZM)), evaluate=False), evaluate=False)


def _rows_to_indexed(e: Any) -> Any:
    """Evaluate matrix entries and write ``X[a, k]``, ``Z[b, k]`` as the homework's indexed rows."""
    e = e.doit()
    bases = {"X": X, "Z": Z}
    return e.replace(lambda t: isinstance(t, MatrixElement) and isinstance(t.parent, sp.MatrixSymbol)
                     and t.parent.name in bases,
                     lambda t: bases[t.parent.name][t.i, t.j])


def _explicit(e: Any) -> Any:
    """An explicit matrix of the entries of a matrix expression of concrete shape."""
    return sp.Matrix(e.shape[0], e.shape[1], lambda i, j: unroll_sums(e[i, j])).doit()


#: concrete sizes for the exact checks of the matrix steps (square, tall, wide, single row)
MATRIX_SIZES = ({A: 2, B: 3, n: 2}, {A: 3, B: 1, n: 3}, {A: 1, B: 2, n: 4})


@functools.cache
def derivation() -> Derivation:
    """The squared-distance identity, for vectors and for all pairs of rows (cached)."""
    sq = sp.Sum((x[k] - z[k]) ** 2, (k, 0, n - 1))
    expanded = sp.Sum(x[k] ** 2 - 2 * x[k] * z[k] + z[k] ** 2, (k, 0, n - 1))
    split = (sp.Sum(x[k] ** 2, (k, 0, n - 1)) + sp.Sum(z[k] ** 2, (k, 0, n - 1))
             - 2 * sp.Sum(x[k] * z[k], (k, 0, n - 1)))
    rows = {x[k]: X[a, k], z[k]: Z[b, k]}
    pair = (sp.Sum(X[a, k] ** 2, (k, 0, n - 1)) + sp.Sum(Z[b, k] ** 2, (k, 0, n - 1))
            - 2 * sp.Sum(X[a, k] * Z[b, k], (k, 0, n - 1)))
    as_matrix = lambda e: sp.FunctionMatrix(A, B, sp.Lambda((a, b), e))  # noqa: E731 - entry -> matrix
    steps = [
        Step("Squared Euclidean distance of two feature vectors.", SqDist(x, z), sq,
             check="definition", label="definition"),
        Step("Expand the square inside the sum.", SqDist(x, z), expanded,
             why="(u − v)² = u² − 2uv + v²"),
        Step("Split the sum (linearity): two squared norms and a dot product.", SqDist(x, z), split,
             why="Σ(a + b) = Σa + Σb", label="vector"),
        Step("Apply it to row a of X and row b of Z: one entry of the all-pairs matrix.",
             D2[a, b], pair, rule=lambda e: e.xreplace(rows),
             why="x = x⁽ᵃ⁾, z = z⁽ᵇ⁾", label="entry"),
        Step("All entries at once: squared row norms broadcast along columns and rows, minus 2XZᵀ.",
             D2, matrix_form(diag_form=True), rule=as_matrix,
             why="(XZᵀ)[a, b] = x⁽ᵃ⁾ᵀz⁽ᵇ⁾ and diag(XXᵀ)[a] = ‖x⁽ᵃ⁾‖²; SymPy cannot compare a matrix "
                 "expression with the index form for symbolic sizes, so every entry is checked exactly "
                 "at concrete sizes",
             check="exact", sizes=list(MATRIX_SIZES), simplify=lambda e: _rows_to_indexed(_explicit(e)),
             label="matrix"),
        Step("Vectorised: the diagonal of XXᵀ is the row sums of X∘X (XXᵀ is never formed).",
             D2, matrix_form(diag_form=False),
             why="diag(XXᵀ) = (X∘X)1ₙ; checked exactly, entry by entry, at concrete sizes",
             check="exact", sizes=list(MATRIX_SIZES), simplify=_explicit, label="vectorised"),
    ]
    return Derivation(
        "distances", "Squared Euclidean distances by expansion", steps,
        symbols={
            "x, z": "feature vectors, shape (n,)",
            "X": "test rows x⁽ᵃ⁾, shape (A, n)",
            "Z": "training rows z⁽ᵇ⁾, shape (B, n)",
            "D2": "squared distances, shape (A, B)",
        },
        results=("vector", "vectorised"),
        notation={"x": ("x", "param"), "z": ("z", "param"), "D2": ("D^2", "param")},
    )


class _Printer(NumPyPrinter):
    """numpy printer for the matrix form (Hadamard products and all-ones matrices)."""

    def _print_HadamardProduct(self, e: Any) -> str:
        return "(" + " * ".join(self._print(t) for t in e.args) + ")"

    def _print_OneMatrix(self, e: Any) -> str:
        r, c = (self._print(s) for s in e.shape)
        return f"{self._module_format('numpy.ones')}(({r}, {c}))"


_squared_distances = sp.lambdify((XM, ZM, A, B, n), matrix_form(diag_form=False), printer=_Printer)


def squared_distances(X: ArrayLike, Z: ArrayLike) -> NDArray[np.float64]:
    r"""All-pairs squared Euclidean distances, lambdified from the derived matrix form.

    Parameters
    ----------
    X : array_like of shape (A, n)
        Rows :math:`x^{(a)}` (e.g. test images).
    Z : array_like of shape (B, n)
        Rows :math:`z^{(b)}` (e.g. training images).

    Returns
    -------
    ndarray of shape (A, B)
        ``D2[a, b]`` :math:`= \|x^{(a)} - z^{(b)}\|_2^2`.

    Raises
    ------
    ValueError
        If ``X`` or ``Z`` is not a non-empty finite 2-D array, or their column counts differ.

    Notes
    -----
    .. math::

        D^2 = (X \circ X)\mathbf{1}_n \mathbf{1}_B^\top
              + \mathbf{1}_A \left((Z \circ Z)\mathbf{1}_n\right)^\top - 2 X Z^\top

    (step "vectorised" of :func:`derivation`).  The identity is exact; in floating
    point the cancellation can leave tiny negative entries (about ``-1e-12`` times
    the squared norms) where a distance is 0.  This function returns the formula's
    value unchanged; a caller taking ``sqrt`` (the L2 distance of kNN) must clamp at
    0 first, ``np.sqrt(np.maximum(D2, 0))``, which the exact identity does not need.
    Integer input (uint8 pixels) is converted to float64 first, so nothing wraps around.
    """
    from numerics.validation import as_float, check_matrix

    Xa = as_float(check_matrix(X, "X"))
    Za = as_float(check_matrix(Z, "Z", n_cols=Xa.shape[1]))
    return np.asarray(_squared_distances(Xa, Za, Xa.shape[0], Za.shape[0], Xa.shape[1]), dtype=np.float64)
