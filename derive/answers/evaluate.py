r"""Evaluate our expression tree with numpy, within a work and memory budget.

Only the nodes of :mod:`derive.answers.ast_nodes` are evaluated, with the
functions of the table :data:`derive.answers.functions.FUNCTIONS` (its numpy
column by default); nothing of the user's text reaches Python.  An index sum
``sum(j, body)`` evaluates ``body`` for j = 0..n-1, where n is the value of the
size the question gives for j.  Before every operation the size of its result is
computed from its operands' shapes: a result over :data:`MAX_ELEMENTS` entries is
refused before it is built, and every entry computed counts against a work budget
(``work``), as every node evaluated does against ``budget`` — so nested sums or
large allocations cannot hang or exhaust the machine (:class:`TooExpensive`).

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
from derive.answers.errors import EvaluationError, ShapeMismatch, TooExpensive
from derive.answers.functions import FUNCTIONS, NUMPY
from derive.answers.limits import MAX_ELEMENTS

__all__ = ["evaluate", "EvaluationError", "TooExpensive", "IMPLEMENTATIONS", "MAX_ELEMENTS", "DEFAULT_BUDGET",
           "DEFAULT_WORK"]

#: Most node evaluations per answer and instance (an index sum multiplies its body's).
DEFAULT_BUDGET = 50_000
#: Most entries computed per answer and instance, summed over every operation (a matrix product
#: counts its multiplications).
DEFAULT_WORK = 20_000_000

#: function name -> numpy implementation (the ``numpy`` column of the function table)
IMPLEMENTATIONS = NUMPY

_BIN: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "@": operator.matmul,
}
_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def evaluate(node: Node, env: Mapping[str, Any], *, ranges: Mapping[str, str],
             budget: int = DEFAULT_BUDGET, work: int = DEFAULT_WORK,
             functions: Mapping[str, Callable[..., Any]] | None = None,
             number: Callable[[Num], Any] | None = None,
             observe: Callable[[Node, Any, tuple[Any, ...]], None] | None = None) -> Any:
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
    work : int
        Maximum number of entries computed, summed over all operations.
    functions : mapping, optional
        Implementations of the functions; default the numpy column of the table
        (float64).  :mod:`derive.answers.to_sympy` passes the SymPy column, and then
        the values are SymPy expressions or numpy object arrays of them.
    number : callable, optional
        Converts a literal node (with ``functions`` given: to an exact SymPy number).
    observe : callable, optional
        Called as ``observe(node, value, operands)`` after every node is evaluated
        (``operands``: the argument values of a call or comparison, else ``()``);
        :mod:`derive.answers.switches` uses it to see which way each case split went.

    Returns
    -------
    ndarray of float64 (or SymPy values with ``functions`` given)

    Raises
    ------
    EvaluationError
        On shape mismatches, bad indices or a missing name.
    TooExpensive
        When a result would have more than :data:`MAX_ELEMENTS` entries (checked
        before it is built) or the answer exceeds ``budget`` or ``work``.
    """
    numeric = functions is None
    ev = _Evaluator(env, ranges, budget, work, NUMPY if functions is None else functions, numeric, number)
    ev.observe = observe
    try:
        with np.errstate(all="ignore"):
            value = ev.run(node)
    except OverflowError:
        raise EvaluationError("a value overflows (it is too large to represent)") from None
    except RecursionError:
        raise TooExpensive("the answer is nested too deeply to evaluate") from None
    return np.asarray(value, dtype=float) if numeric else value


def _matmul_entries(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, int]:
    """(entries of a @ b, multiplications it takes), from the shapes (an upper bound)."""
    inner = a[-1] if a else 1
    out = int(np.prod(a[:-1], dtype=np.int64)) * int(np.prod(b[:-2] + b[-1:], dtype=np.int64)) if b else 1
    return out, out * max(1, inner)


class _Evaluator:
    def __init__(self, env: Mapping[str, Any], ranges: Mapping[str, str], budget: int, work: int,
                 functions: Mapping[str, Callable[..., Any]], numeric: bool,
                 number: Callable[[Num], Any] | None) -> None:
        self.env, self.ranges, self.budget, self.work = dict(env), ranges, budget, work
        self.functions, self.numeric, self.number = functions, numeric, number
        self.observe: Callable[[Node, Any, tuple[Any, ...]], None] | None = None
        self._operands: dict[int, tuple[Any, ...]] = {}

    def _float(self, x: Any) -> Any:
        return np.asarray(x, dtype=float) if self.numeric else x

    def _reserve(self, node: Node, entries: int, operations: int | None = None) -> None:
        """Refuse a result of ``entries`` entries before it is built; charge the work."""
        if entries > MAX_ELEMENTS:
            raise TooExpensive(f"{render(node)[:60]} would build {entries:,} entries (limit {MAX_ELEMENTS:,})",
                               budget="memory")
        self.work -= max(1, entries if operations is None else operations)
        if self.work < 0:
            raise TooExpensive("the answer takes too much work to evaluate (work budget exceeded)")

    def run(self, node: Node) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise TooExpensive("the answer takes too many steps to evaluate (budget exceeded)")
        value = self._dispatch(node)
        if self.observe is not None:
            self.observe(node, value, self._operands.pop(id(node), ()))
        return value

    def _dispatch(self, node: Node) -> Any:
        if isinstance(node, Num):
            return node.value if self.number is None else self.number(node)
        if isinstance(node, Name):
            if node.id not in self.env:
                raise EvaluationError(f"{node.id!r} has no value here (is it an index used outside a sum?)")
            return self.env[node.id]
        if isinstance(node, Neg):
            value = self.run(node.operand)
            self._reserve(node, int(np.size(value)))
            return -self._float(value)
        if isinstance(node, Bin):
            return self._binary(node)
        if isinstance(node, Compare | Indicator) and "ind" not in self.functions:
            raise EvaluationError(f"{render(node)} cannot be evaluated in this mode")
        if isinstance(node, Compare):
            a, b = self.run(node.left), self.run(node.right)
            self._reserve(node, self._broadcast(node, a, b))
            result = _CMP[node.op](a, b)
            if self.observe is not None:
                self._operands[id(node)] = (a, b)
            return result * 1.0 if self.numeric else self.functions["ind"](result)
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

    def _broadcast(self, node: Node, a: Any, b: Any) -> int:
        try:
            return int(np.prod(np.broadcast_shapes(np.shape(a), np.shape(b)), dtype=np.int64))
        except ValueError:
            raise ShapeMismatch(f"shape mismatch in {render(node)}: shapes {np.shape(a)} and "
                                  f"{np.shape(b)} do not broadcast") from None

    def _binary(self, node: Bin) -> Any:
        a, b = self.run(node.left), self.run(node.right)
        if node.op == "@":
            if np.ndim(a) == 0 or np.ndim(b) == 0:
                raise ShapeMismatch(f"shape mismatch in {render(node)}: @ needs arrays on both sides "
                                      f"(got shapes {np.shape(a)} and {np.shape(b)}); use * with a scalar")
            self._reserve(node, *_matmul_entries(np.shape(a), np.shape(b)))
        else:
            self._reserve(node, self._broadcast(node, a, b))
        try:
            if node.op == "**":
                if self.numeric:
                    return np.power(self._float(a), b)
                if getattr(b, "is_number", False) and abs(float(b)) > 64:  # SymPy would expand it
                    raise TooExpensive(f"the exponent in {render(node)} is too large to expand")
                return a ** b
            return _BIN[node.op](a, b)
        except ValueError as exc:
            raise ShapeMismatch(f"shape mismatch in {render(node)}: shapes {np.shape(a)} and "
                                  f"{np.shape(b)} ({_first_line(exc)})") from None
        except ZeroDivisionError:
            raise EvaluationError(f"division by zero in {render(node)}") from None

    def _index(self, node: Index) -> Any:
        base = np.asarray(self.run(node.base))
        key: list[Any] = []
        entries = base.size
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
                    if v.ndim == 0 and _whole(v):
                        v = np.asarray(int(v))
                    else:
                        raise EvaluationError(f"index {render(item)} is not a whole number")
                entries *= max(1, v.size)
                key.append(v if v.ndim else int(v))
        self._reserve(node, entries)
        try:
            return base[tuple(key)]
        except IndexError as exc:
            raise EvaluationError(f"{render(node)}: {_first_line(exc)} (shape {base.shape})") from None

    def _int(self, item: Node) -> int:
        v = np.asarray(self.run(item))
        if v.ndim != 0 or not _whole(v):
            raise EvaluationError(f"the bound {render(item)} is not a whole number")
        return int(v)

    def _sum(self, node: SumOver) -> Any:
        size_name = self.ranges.get(node.var)
        if size_name is None or size_name not in self.env:
            raise EvaluationError(f"this question does not say what {node.var!r} runs over")
        saved = self.env.get(node.var)
        start = 0 if node.start is None else self._int(node.start)
        stop = int(self.env[size_name]) if node.stop is None else self._int(node.stop)
        total: Any = 0
        try:
            for value in range(start, stop):
                self.env[node.var] = value
                term = self.run(node.body)
                self._reserve(node, self._broadcast(node, total, term))
                try:
                    total = total + term
                except ValueError as exc:
                    raise ShapeMismatch(f"the terms of {render(node)} have different shapes "
                                          f"({_first_line(exc)})") from None
        finally:
            if saved is None:
                self.env.pop(node.var, None)
            else:
                self.env[node.var] = saved
        return self._float(total) if self.numeric else total

    def _call(self, node: Call) -> Any:
        args = [self.run(a) for a in node.args]
        kwargs = {k: (None if isinstance(v, NewAxis) else self.run(v)) for k, v in node.kwargs}
        spec = FUNCTIONS.get(node.func)
        function = self.functions.get(node.func)
        if spec is None or function is None:
            raise EvaluationError(f"{node.func}() cannot be evaluated in this mode")
        values = [int(float(a)) if np.ndim(a) == 0 and _whole(a) else None for a in args]
        self._reserve(node, spec.result_size([np.shape(a) for a in args], values))
        if self.observe is not None:
            self._operands[id(node)] = tuple(args)
        try:
            return function(*args, **kwargs)
        except EvaluationError:
            raise
        except (np.linalg.LinAlgError, np.exceptions.AxisError, TypeError, IndexError, ZeroDivisionError) as exc:
            raise EvaluationError(f"{render(node)}: {_first_line(exc)}") from None
        except ValueError as exc:  # numpy's shape checks
            raise ShapeMismatch(f"{render(node)}: {_first_line(exc)}") from None


def _whole(v: Any) -> bool:
    """Whether a 0-d value is a whole number (numbers and exact SymPy numbers)."""
    try:
        f = float(v.item() if isinstance(v, np.ndarray) else v)
    except (TypeError, ValueError, OverflowError):
        return False
    return bool(np.isfinite(f)) and f.is_integer()


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
