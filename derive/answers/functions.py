r"""The one table of the answer language's functions: name, arity, numpy, SymPy, LaTeX, size.

Every reader of the language looks functions up here: the parser (names, arity,
keywords), the evaluator (:attr:`Function.numpy`), the SymPy translation
(:attr:`Function.sympy`; None where a function is not translated), the LaTeX reader
(:attr:`Function.latex`: the command names that mean the function, and how the
argument is written) and the size guard (:attr:`Function.result_size`: the number
of entries of the result, computed from the arguments' shapes *before* anything is
built).  Adding a function is one row of :data:`FUNCTIONS`.

SymPy is imported only when a SymPy implementation is called.

Examples
--------
>>> FUNCTIONS["log"].latex, FUNCTIONS["log"].arity
(('log', 'ln'), (1, 1))
>>> LATEX_NAMES["ln"].name, LATEX_NAMES["tr"].name
('log', 'trace')
>>> FUNCTIONS["outer"].result_size([(20000,), (20000,)], [None, None])
400000000
"""

from __future__ import annotations

import math
from fractions import Fraction
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.answers.errors import EvaluationError, NotSymbolic
from derive.answers.limits import MAX_ELEMENTS

__all__ = ["Function", "FUNCTIONS", "LATEX_NAMES", "NUMPY", "SYMPY", "Shape"]

Shape = tuple[int, ...]
#: result entries from (argument shapes, argument values when they are whole numbers)
SizeRule = Callable[[Sequence[Shape], Sequence[int | None]], int]


@dataclass(frozen=True)
class Function:
    r"""One function of the answer language.

    Attributes
    ----------
    name : str
        The name in the numpy-like syntax.
    arity : (int, int)
        Fewest and most positional arguments.
    keywords : frozenset of str
        Keyword arguments it accepts (``axis``, ``keepdims``, ``ord``).
    numpy : callable
        The float64 implementation.
    sympy : callable or None
        The implementation on SymPy values (numbers, symbols, object arrays of
        them); None when the function is not translated to SymPy.
    latex : tuple of str
        LaTeX command names (without the backslash) that mean this function.
    latex_form : {"operand", "parens", "braced"}
        How the LaTeX argument is written: ``\log x`` / ``\log(x)``, ``\max(a, b)``,
        ``\sqrt{x}``.
    result_size : callable
        Entries of the result from the arguments' shapes (and their values when they
        are whole numbers, for ``ones(n)``): checked before the function runs.
    smooth : bool
        False for case splits (comparisons, min/max, abs, indicators): a question
        whose derived result has no case split refuses them.
    rational : bool
        Whether it maps exact rationals to exact rationals (False for exp, log,
        sqrt, norm, softmax, logsumexp).
    """

    name: str
    arity: tuple[int, int]
    numpy: Callable[..., Any]
    sympy: Callable[..., Any] | None
    result_size: SizeRule
    keywords: frozenset[str] = frozenset()
    latex: tuple[str, ...] = ()
    latex_form: str = "operand"
    smooth: bool = True
    rational: bool = True


# -- result sizes (before anything is built) ------------------------------------------------------

def _size(shape: Shape) -> int:
    return math.prod(shape)


def _same(shapes: Sequence[Shape], values: Sequence[int | None]) -> int:
    return _size(shapes[0]) if shapes else 1


def _broadcast(shapes: Sequence[Shape], values: Sequence[int | None]) -> int:
    try:
        return _size(np.broadcast_shapes(*shapes))
    except ValueError:  # numpy reports the mismatch itself
        return max((_size(s) for s in shapes), default=1)


def _outer(shapes: Sequence[Shape], values: Sequence[int | None]) -> int:
    return _size(shapes[0]) * _size(shapes[1])


def _allocated(shapes: Sequence[Shape], values: Sequence[int | None]) -> int:
    if any(v is None for v in values):
        raise EvaluationError("a size given to ones/zeros/eye must be a whole number")
    return math.prod(abs(int(v)) for v in values)  # type: ignore[arg-type]


def _eye(shapes: Sequence[Shape], values: Sequence[int | None]) -> int:
    n = _allocated(shapes, values)
    return n * n


def _diag(shapes: Sequence[Shape], values: Sequence[int | None]) -> int:
    s = shapes[0]
    return s[0] * s[0] if len(s) == 1 else min(s, default=1)


def _dot(shapes: Sequence[Shape], values: Sequence[int | None]) -> int:
    a, b = shapes
    if not a or not b:
        return max(_size(a), _size(b))
    return _size(a[:-1]) * _size(b[:-2] + b[-1:])


def _square(shapes: Sequence[Shape], values: Sequence[int | None]) -> int:
    return _size(shapes[0])


# -- numpy implementations ----------------------------------------------------------------------

def _softmax(z: NDArray[Any], axis: int = -1) -> NDArray[Any]:
    # exp(z - max z) / sum exp(z - max z): the same ratios, no overflow
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _logsumexp(z: NDArray[Any], axis: int = -1) -> NDArray[Any]:
    # log sum exp z = max z + log sum exp(z - max z)
    zmax = np.max(z, axis=axis, keepdims=True)
    return np.squeeze(zmax, axis=axis) + np.log(np.sum(np.exp(z - zmax), axis=axis))


def _whole(v: Any) -> int:
    a = np.asarray(v)
    if a.ndim != 0 or not float(a) == int(a) or int(a) < 0:
        raise EvaluationError(f"a size must be a non-negative whole number, got {v!r}")
    return int(a)


def _allocate(kind: str) -> Callable[..., NDArray[Any]]:
    def make(*args: Any) -> NDArray[Any]:
        shape = tuple(_whole(a) for a in args)
        if kind == "eye":
            shape = (shape[0], shape[0])
        if math.prod(shape) > MAX_ELEMENTS:
            raise EvaluationError(f"{kind}() would allocate more than {MAX_ELEMENTS} entries")
        return np.eye(shape[0]) if kind == "eye" else (np.ones(shape) if kind == "ones" else np.zeros(shape))
    return make


def _max(x: Any, y: Any = None, axis: int | None = None, keepdims: int = 0) -> Any:
    return np.maximum(x, y) if y is not None else np.max(x, axis=axis, keepdims=bool(keepdims))


def _min(x: Any, y: Any = None, axis: int | None = None, keepdims: int = 0) -> Any:
    return np.minimum(x, y) if y is not None else np.min(x, axis=axis, keepdims=bool(keepdims))


def _norm(x: Any, ord: int | None = None, axis: int | None = None) -> Any:
    return np.linalg.norm(np.asarray(x, dtype=float), ord=ord, axis=axis)


def _np_sum(x: Any, axis: int | None = None, keepdims: int = 0) -> Any:
    return np.sum(x, axis=axis, keepdims=bool(keepdims))


def _np_mean(x: Any, axis: int | None = None, keepdims: int = 0) -> Any:
    return np.mean(x, axis=axis, keepdims=bool(keepdims))


def _trace(x: Any) -> Any:
    """The trace; a scalar is a 1 × 1 matrix (tr θᵀθ = θᵀθ)."""
    return x if np.ndim(x) == 0 else np.trace(x)


def _np_where(c: Any, a: Any, b: Any) -> Any:
    return np.where(np.asarray(c) != 0, a, b)


def _np_ind(c: Any) -> Any:
    return (np.asarray(c) != 0).astype(float)


# -- SymPy implementations (SymPy imported on first call) ----------------------------------------

def _sp() -> Any:
    import sympy

    return sympy


def _objects(x: Any) -> NDArray[Any]:
    return np.asarray(x, dtype=object)


def _elementwise(name: str) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        f = getattr(_sp(), name)
        if isinstance(x, np.ndarray):
            return np.vectorize(f, otypes=[object])(x)
        return f(x)
    return apply


def _sp_square(x: Any) -> Any:
    return _objects(x) ** 2 if isinstance(x, np.ndarray) else x**2


def _sp_sum(x: Any, axis: int | None = None, keepdims: int = 0) -> Any:
    return np.sum(_objects(x), axis=axis, keepdims=bool(keepdims))


def _sp_mean(x: Any, axis: int | None = None, keepdims: int = 0) -> Any:
    a = _objects(x)
    count = a.size if axis is None else a.shape[axis]
    return _sp_sum(a, axis, keepdims) * _sp().Rational(1, count)


def _sp_norm(x: Any, ord: int | None = None, axis: int | None = None) -> Any:
    if ord not in (None, 2) or axis is not None:
        raise NotSymbolic("only the plain 2-norm is converted")
    sp = _sp()
    return sp.sqrt(sum((e**2 for e in _objects(x).ravel()), sp.Integer(0)))


def _sp_softmax(z: Any, axis: int = -1) -> Any:
    e = _elementwise("exp")(_objects(z))
    return e / np.sum(e, axis=axis, keepdims=True)


def _sp_logsumexp(z: Any, axis: int = -1) -> Any:
    return _elementwise("log")(np.sum(_elementwise("exp")(_objects(z)), axis=axis))


def _sp_allocate(kind: str) -> Callable[..., Any]:
    def make(*args: Any) -> Any:
        sp = _sp()
        if not all(isinstance(a, int | sp.Integer) or (isinstance(a, sp.Basic) and a.is_Integer) for a in args):
            raise NotSymbolic(f"{kind}() needs a concrete size")
        shape = tuple(int(a) for a in args)
        if math.prod(shape) * (shape[0] if kind == "eye" else 1) > MAX_ELEMENTS:
            raise EvaluationError(f"{kind}() would allocate more than {MAX_ELEMENTS} entries")
        if kind == "eye":
            out = np.full((shape[0], shape[0]), sp.Integer(0), dtype=object)
            for k in range(shape[0]):
                out[k, k] = sp.Integer(1)
            return out
        return np.full(shape, sp.Integer(1 if kind == "ones" else 0), dtype=object)
    return make


def _fractions(a: Any, what: str) -> list[list[Fraction]]:
    """A square matrix of exact numbers as rows of Fractions (NotSymbolic for anything else)."""
    sp = _sp()
    m = _objects(a)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise EvaluationError(f"{what} needs a square matrix, got shape {m.shape}")
    return [[_fraction(e, what, sp) for e in row] for row in m]


def _fraction(e: Any, what: str, sp: Any) -> Fraction:
    if isinstance(e, int | np.integer):
        return Fraction(int(e))
    if isinstance(e, sp.Basic) and e.is_Rational:
        return Fraction(int(e.p), int(e.q))
    raise NotSymbolic(f"{what} is translated only for matrices of exact numbers")


def _gauss_jordan(a: list[list[Fraction]], b: list[list[Fraction]], what: str) -> list[list[Fraction]]:
    """Solve a x = b exactly (rows of Fractions), or EvaluationError when a is singular."""
    n = len(a)
    rows = [a[i][:] + b[i][:] for i in range(n)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if rows[r][col] != 0), None)
        if pivot is None:
            raise EvaluationError(f"{what}: the matrix is singular")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        p = rows[col][col]
        rows[col] = [v / p for v in rows[col]]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                f = rows[r][col]
                rows[r] = [v - f * w for v, w in zip(rows[r], rows[col])]
    return [row[n:] for row in rows]


def _rationals(rows: list[list[Fraction]]) -> NDArray[Any]:
    sp = _sp()
    return np.array([[sp.Rational(v.numerator, v.denominator) for v in row] for row in rows], dtype=object)


def _sp_inv(a: Any) -> Any:
    m = _fractions(a, "inv()")
    n = len(m)
    eye = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    return _rationals(_gauss_jordan(m, eye, "inv()")).reshape(n, n)


def _sp_solve(a: Any, b: Any) -> Any:
    m = _fractions(a, "solve()")
    rhs = _objects(b)
    if rhs.ndim not in (1, 2) or rhs.shape[0] != len(m):
        raise EvaluationError(f"solve(): shapes {(len(m), len(m))} and {rhs.shape} do not match")
    sp = _sp()
    cols = rhs.reshape(len(m), -1)
    x = _rationals(_gauss_jordan(m, [[_fraction(e, "solve()", sp) for e in row] for row in cols], "solve()"))
    return x[:, 0] if rhs.ndim == 1 else x.reshape(rhs.shape)


def _sp_truth(c: Any) -> bool:
    sp = _sp()
    if isinstance(c, bool | np.bool_):
        return bool(c)
    if c in (sp.true, sp.false):
        return bool(c)
    if isinstance(c, sp.Basic) and c.is_number:
        return bool(c != 0)
    if isinstance(c, int | float):
        return c != 0
    raise NotSymbolic("a case split on a symbolic value is not translated")


def _sp_ind(c: Any) -> Any:
    sp = _sp()
    if isinstance(c, np.ndarray):
        return np.vectorize(lambda e: sp.Integer(int(_sp_truth(e))), otypes=[object])(c)
    return sp.Integer(int(_sp_truth(c)))


def _sp_where(c: Any, a: Any, b: Any) -> Any:
    if isinstance(c, np.ndarray) or isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        cc, aa, bb = np.broadcast_arrays(_objects(c), _objects(a), _objects(b))
        out = np.empty(cc.shape, dtype=object)
        for idx in np.ndindex(*cc.shape):
            out[idx] = aa[idx] if _sp_truth(cc[idx]) else bb[idx]
        return out
    return a if _sp_truth(c) else b


def _sp_pairwise(pick_first: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    def apply(x: Any, y: Any = None, axis: int | None = None, keepdims: int = 0) -> Any:
        if y is None:
            if axis is not None or keepdims:  # exact numbers compare; SymPy symbols raise TypeError
                reduce = np.max if pick_first is _ge else np.min
                return reduce(_objects(x), axis=axis, keepdims=bool(keepdims))
            items = list(_objects(x).ravel())
            if not items:
                raise EvaluationError("max/min of an empty array")
            best = items[0]
            for e in items[1:]:
                best = best if pick_first(best, e) else e
            return best
        return _sp_where(np.vectorize(pick_first, otypes=[object])(_objects(x), _objects(y))
                         if isinstance(x, np.ndarray) or isinstance(y, np.ndarray) else pick_first(x, y), x, y)
    return apply


def _ge(a: Any, b: Any) -> bool:
    return _sp_truth(a >= b)


def _le(a: Any, b: Any) -> bool:
    return _sp_truth(a <= b)


def _sp_abs(x: Any) -> Any:
    return _elementwise("Abs")(x)


def _sp_linear(f: Callable[..., Any]) -> Callable[..., Any]:
    def apply(*args: Any) -> Any:
        return f(*(_objects(a) for a in args))
    return apply


# -- the table ------------------------------------------------------------------------------------

_AXIS = frozenset({"axis", "keepdims"})

_ROWS: tuple[Function, ...] = (
    Function("exp", (1, 1), np.exp, _elementwise("exp"), _same, latex=("exp",), rational=False),
    Function("log", (1, 1), np.log, _elementwise("log"), _same, latex=("log", "ln"), rational=False),
    Function("sqrt", (1, 1), np.sqrt, _elementwise("sqrt"), _same, latex=("sqrt",), latex_form="braced", rational=False),
    Function("abs", (1, 1), np.abs, _sp_abs, _same, smooth=False),
    Function("square", (1, 1), np.square, _sp_square, _square),
    Function("sum", (1, 1), _np_sum, _sp_sum, _same, _AXIS),
    Function("mean", (1, 1), _np_mean, _sp_mean, _same, _AXIS),
    Function("norm", (1, 1), _norm, _sp_norm, _same, frozenset({"ord", "axis"}), rational=False),
    Function("max", (1, 2), _max, _sp_pairwise(_ge), _broadcast, _AXIS, smooth=False),
    Function("min", (1, 2), _min, _sp_pairwise(_le), _broadcast, _AXIS, smooth=False),
    Function("maximum", (2, 2), np.maximum, _sp_pairwise(_ge), _broadcast, latex=("max",), latex_form="parens",
             smooth=False),
    Function("minimum", (2, 2), np.minimum, _sp_pairwise(_le), _broadcast, latex=("min",), latex_form="parens",
             smooth=False),
    Function("where", (3, 3), _np_where, _sp_where, _broadcast, smooth=False),
    Function("ind", (1, 1), _np_ind, _sp_ind, _same, smooth=False),
    Function("ones", (1, 2), _allocate("ones"), _sp_allocate("ones"), _allocated),
    Function("zeros", (1, 2), _allocate("zeros"), _sp_allocate("zeros"), _allocated),
    Function("eye", (1, 1), _allocate("eye"), _sp_allocate("eye"), _eye),
    Function("inv", (1, 1), np.linalg.inv, _sp_inv, _same),
    Function("solve", (2, 2), np.linalg.solve, _sp_solve, _broadcast),
    Function("diag", (1, 1), np.diag, _sp_linear(np.diag), _diag, latex=("diag",)),
    Function("outer", (2, 2), np.outer, _sp_linear(np.outer), _outer),
    Function("dot", (2, 2), np.dot, _sp_linear(np.dot), _dot),
    Function("trace", (1, 1), _trace, _sp_linear(_trace), _same, latex=("tr", "trace", "Tr")),
    Function("transpose", (1, 1), np.transpose, _sp_linear(np.transpose), _same),
    Function("softmax", (1, 1), _softmax, _sp_softmax, _same, frozenset({"axis"}), latex=("softmax", "Softmax"),
             rational=False),
    Function("logsumexp", (1, 1), _logsumexp, _sp_logsumexp, _same, frozenset({"axis"}), rational=False),
)

#: function name -> its row
FUNCTIONS: Mapping[str, Function] = {f.name: f for f in _ROWS}
#: LaTeX command name (no backslash) -> the function it means
LATEX_NAMES: Mapping[str, Function] = {name: f for f in _ROWS for name in f.latex}
#: function name -> numpy implementation (the evaluator's default)
NUMPY: Mapping[str, Callable[..., Any]] = {f.name: f.numpy for f in _ROWS}
#: function name -> SymPy implementation (the functions that are translated)
SYMPY: Mapping[str, Callable[..., Any]] = {f.name: f.sympy for f in _ROWS if f.sympy is not None}
