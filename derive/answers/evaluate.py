r"""Evaluate our expression tree with numpy, within a work and memory budget.

Only the nodes of :mod:`derive.answers.ast_nodes` are evaluated, with the
functions of :data:`IMPLEMENTATIONS` (the whitelist of
:data:`derive.answers.vocabulary.FUNCTIONS`); nothing of the user's text reaches
Python.  An index sum ``sum(j, body)`` evaluates ``body`` for j = 0..n-1, where
n is the value of the size the question gives for j.  Every evaluation counts
its steps (limit ``budget``) and refuses intermediate arrays larger than
:data:`MAX_ELEMENTS`, so nested sums or large allocations cannot hang or exhaust
the machine.

Examples
--------
>>> import numpy as np
>>> from derive.answers.parser import Vocabulary, parse_expression
>>> v = Vocabulary({"X": 2, "y": 1, "N": 0}, frozenset({"j"}), aliases={"x": "X"})
>>> env = {"X": np.array([[1.0, 2.0], [3.0, 4.0]]), "y": np.array([1.0, -1.0]), "N": 2}
>>> evaluate(parse_expression("sum_j y_j * x_j", v), env, ranges={"j": "N"})
array([-2., -2.])
>>> evaluate(parse_expression("X.T @ y", v), env, ranges={"j": "N"})
array([-2., -2.])
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from derive.answers.ast_nodes import (
    Bin, Call, Compare, Index, Indicator, Name, Neg, NewAxis, Node, Num, Slice, SumOver, Transpose, render,
)

__all__ = ["evaluate", "EvaluationError", "IMPLEMENTATIONS", "MAX_ELEMENTS", "DEFAULT_BUDGET"]

MAX_ELEMENTS = 1_000_000
DEFAULT_BUDGET = 50_000


class EvaluationError(ValueError):
    """The answer could not be evaluated on an instance (shapes, indices, budget)."""


def _softmax(z: NDArray[Any], axis: int = -1) -> NDArray[Any]:
    # exp(z - max z) / sum exp(z - max z): the same ratios, no overflow
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _logsumexp(z: NDArray[Any], axis: int = -1) -> NDArray[Any]:
    # log sum exp z = max z + log sum exp(z - max z)
    zmax = np.max(z, axis=axis, keepdims=True)
    return np.squeeze(zmax, axis=axis) + np.log(np.sum(np.exp(z - zmax), axis=axis))


def _size_arg(v: Any) -> int:
    a = np.asarray(v)
    if a.ndim != 0 or not float(a) == int(a) or int(a) < 0:
        raise EvaluationError(f"a size must be a non-negative whole number, got {v!r}")
    return int(a)


def _allocate(kind: str, *args: Any) -> NDArray[Any]:
    shape = tuple(_size_arg(a) for a in args)
    if kind == "eye":
        shape = (shape[0], shape[0])
    if int(np.prod(shape, dtype=float)) > MAX_ELEMENTS:
        shown = ", ".join(f"{float(a):g}" for a in args)
        raise EvaluationError(f"{kind}({shown}) would allocate more than {MAX_ELEMENTS} entries")
    return np.eye(shape[0]) if kind == "eye" else (np.ones(shape) if kind == "ones" else np.zeros(shape))


def _max(x: Any, y: Any = None, axis: int | None = None, keepdims: int = 0) -> Any:
    return np.maximum(x, y) if y is not None else np.max(x, axis=axis, keepdims=bool(keepdims))


def _min(x: Any, y: Any = None, axis: int | None = None, keepdims: int = 0) -> Any:
    return np.minimum(x, y) if y is not None else np.min(x, axis=axis, keepdims=bool(keepdims))


def _norm(x: Any, ord: int | None = None, axis: int | None = None) -> Any:
    return np.linalg.norm(np.asarray(x, dtype=float), ord=ord, axis=axis)


#: function name -> numpy implementation
IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "square": np.square,
    "sum": lambda x, axis=None, keepdims=0: np.sum(x, axis=axis, keepdims=bool(keepdims)),
    "mean": lambda x, axis=None, keepdims=0: np.mean(x, axis=axis, keepdims=bool(keepdims)),
    "norm": _norm, "max": _max, "min": _min, "maximum": np.maximum, "minimum": np.minimum,
    "where": lambda c, a, b: np.where(np.asarray(c) != 0, a, b),
    "ind": lambda c: (np.asarray(c) != 0).astype(float),
    "ones": lambda *a: _allocate("ones", *a), "zeros": lambda *a: _allocate("zeros", *a),
    "eye": lambda n: _allocate("eye", n),
    "inv": np.linalg.inv, "solve": np.linalg.solve, "diag": np.diag, "outer": np.outer,
    "dot": np.dot, "trace": np.trace, "transpose": np.transpose,
    "softmax": _softmax, "logsumexp": _logsumexp,
}

_BIN: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "@": operator.matmul,
}
_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def evaluate(node: Node, env: Mapping[str, Any], *, ranges: Mapping[str, str],
             budget: int = DEFAULT_BUDGET,
             functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    """Evaluate ``node`` on one instance.

    Parameters
    ----------
    node : Node
        The parsed answer.
    env : mapping
        Values of the names: arrays for symbols and derived quantities, ints for
        sizes and indices.
    ranges : mapping
        Index name -> name of the size it runs over (``{"j": "N"}``).
    budget : int
        Maximum number of node evaluations (sums multiply it).
    functions : mapping, optional
        Implementations of the whitelisted functions; default :data:`IMPLEMENTATIONS`
        (numpy, float64).  :mod:`derive.answers.to_sympy` passes SymPy ones, and
        then the values are SymPy expressions or numpy object arrays of them.

    Returns
    -------
    ndarray of float64 (or SymPy values with ``functions`` given)

    Raises
    ------
    EvaluationError
        On shape mismatches, bad indices, a missing name, or an exceeded budget.
    """
    numeric = functions is None
    ev = _Evaluator(env, ranges, budget, IMPLEMENTATIONS if functions is None else functions, numeric)
    with np.errstate(all="ignore"):
        value = ev.run(node)
    return np.asarray(value, dtype=float) if numeric else value


class _Evaluator:
    def __init__(self, env: Mapping[str, Any], ranges: Mapping[str, str], budget: int,
                 functions: Mapping[str, Callable[..., Any]], numeric: bool) -> None:
        self.env, self.ranges, self.budget = dict(env), ranges, budget
        self.functions, self.numeric = functions, numeric

    def _float(self, x: Any) -> Any:
        return np.asarray(x, dtype=float) if self.numeric else x

    def run(self, node: Node) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise EvaluationError("the answer takes too many steps to evaluate (budget exceeded)")
        value = self._dispatch(node)
        if isinstance(value, np.ndarray) and value.size > MAX_ELEMENTS:
            raise EvaluationError(f"{render(node)} has {value.size} entries (limit {MAX_ELEMENTS})")
        return value

    def _dispatch(self, node: Node) -> Any:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Name):
            if node.id not in self.env:
                raise EvaluationError(f"{node.id!r} has no value here (is it an index used outside a sum?)")
            return self.env[node.id]
        if isinstance(node, Neg):
            return -self._float(self.run(node.operand))
        if isinstance(node, Bin):
            return self._binary(node)
        if isinstance(node, Compare | Indicator) and "ind" not in self.functions:
            raise EvaluationError(f"{render(node)} cannot be evaluated in this mode")
        if isinstance(node, Compare):
            return _CMP[node.op](self.run(node.left), self.run(node.right)) * 1.0
        if isinstance(node, Indicator):
            return self.functions["ind"](self.run(node.cond))
        if isinstance(node, Transpose):
            return np.transpose(self.run(node.operand))
        if isinstance(node, Index):
            return self._index(node)
        if isinstance(node, SumOver):
            return self._sum(node)
        if isinstance(node, Call):
            return self._call(node)
        raise EvaluationError(f"cannot evaluate {render(node)}")

    def _binary(self, node: Bin) -> Any:
        a, b = self.run(node.left), self.run(node.right)
        if node.op == "@" and (np.ndim(a) == 0 or np.ndim(b) == 0):
            raise EvaluationError(f"shape mismatch in {render(node)}: @ needs arrays on both sides "
                                  f"(got shapes {np.shape(a)} and {np.shape(b)}); use * with a scalar")
        try:
            if node.op == "**":
                if self.numeric:
                    return np.power(self._float(a), b)
                if getattr(b, "is_number", False) and abs(float(b)) > 64:  # SymPy would expand it
                    raise EvaluationError(f"the exponent in {render(node)} is too large to expand")
                return a ** b
            return _BIN[node.op](a, b)
        except ValueError as exc:
            raise EvaluationError(f"shape mismatch in {render(node)}: shapes {np.shape(a)} and "
                                  f"{np.shape(b)} ({_first_line(exc)})") from None

    def _index(self, node: Index) -> Any:
        base = np.asarray(self.run(node.base))
        key: list[Any] = []
        for item in node.items:
            if isinstance(item, NewAxis):
                key.append(None)
            elif isinstance(item, Slice):
                start = None if item.start is None else self._int(item.start)
                stop = None if item.stop is None else self._int(item.stop)
                key.append(slice(start, stop))
            else:
                v = np.asarray(self.run(item))
                if not np.issubdtype(v.dtype, np.integer):
                    if v.ndim == 0 and float(v).is_integer():
                        v = np.asarray(int(v))
                    else:
                        raise EvaluationError(f"index {render(item)} is not a whole number")
                key.append(v if v.ndim else int(v))
        try:
            return base[tuple(key)]
        except IndexError as exc:
            raise EvaluationError(f"{render(node)}: {_first_line(exc)} (shape {base.shape})") from None

    def _int(self, item: Node) -> int:
        v = np.asarray(self.run(item), dtype=float)
        if v.ndim != 0 or not float(v).is_integer():
            raise EvaluationError(f"slice bound {render(item)} is not a whole number")
        return int(v)

    def _sum(self, node: SumOver) -> Any:
        size_name = self.ranges.get(node.var)
        if size_name is None or size_name not in self.env:
            raise EvaluationError(f"this question does not say what {node.var!r} runs over")
        saved = self.env.get(node.var)
        total: Any = 0.0
        try:
            for value in range(int(self.env[size_name])):
                self.env[node.var] = value
                term = self.run(node.body)
                try:
                    total = total + term
                except ValueError as exc:
                    raise EvaluationError(f"the terms of {render(node)} have different shapes "
                                          f"({_first_line(exc)})") from None
        finally:
            if saved is None:
                self.env.pop(node.var, None)
            else:
                self.env[node.var] = saved
        return total

    def _call(self, node: Call) -> Any:
        args = [self.run(a) for a in node.args]
        kwargs = {k: (None if isinstance(v, NewAxis) else self.run(v)) for k, v in node.kwargs}
        try:
            function = self.functions.get(node.func)
            if function is None:
                raise EvaluationError(f"{node.func}() cannot be evaluated in this mode")
            return function(*args, **kwargs)
        except (ValueError, np.linalg.LinAlgError, np.exceptions.AxisError, TypeError, IndexError) as exc:
            if isinstance(exc, EvaluationError):
                raise
            raise EvaluationError(f"{render(node)}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
