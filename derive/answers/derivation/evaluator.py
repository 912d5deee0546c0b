r"""Evaluate a derivation line's tree on one instance, with expectations and derivatives, within a budget.

The values are numpy arrays (float64, complex128 inside a derivative).  Beyond
:mod:`derive.answers.evaluate` it knows the nodes of
:mod:`derive.answers.derivation.nodes`:

* :class:`~derive.answers.derivation.nodes.Deriv` — by the complex step
  :math:`f'(x) = \operatorname{Im} f(x + ih)/h` with :math:`h = 10^{-30}`: no
  subtraction, so the derivative is exact to rounding for every analytic
  expression (max, indicators and comparisons act on the real part, which is how
  the kink of the hinge is left to the subgradient choice);
* :class:`~derive.answers.derivation.nodes.Expect` — the expectation over the
  Gaussian noise of a polynomial of degree at most 3 in the noise entries, exactly,
  by the symmetric rule :math:`\mathbb{E} f(\delta) = \frac{1}{2n}\sum_k
  [f(\sigma\sqrt{n} e_k) + f(-\sigma\sqrt{n} e_k)]` (odd moments vanish,
  :math:`\mathbb{E}[\delta_k\delta_l] = \sigma^2 \mathbb{1}\{k = l\}` — the moment
  rule of :mod:`derive.expectation`); a higher degree or the noise inside a
  non-polynomial function is refused (:class:`NotChecked`), never approximated.

With ``exact=True`` the values are exact rationals (:class:`fractions.Fraction` in
object arrays): written decimals are read as the exact decimals they are (``0.1``
is 1/10), floats met along the way are read as the exact rationals they stand for,
and what cannot stay rational (``exp``, ``log``, a square root, a derivative by the
complex step, an inverse) raises :class:`NotExact` — the line is then checked
numerically.  In exact mode an expectation uses the rule
:math:`\mathbb{E} f(\delta) = f(0) + \frac{\sigma^2}{2}\sum_k [f(e_k) + f(-e_k) - 2f(0)]`,
exact for polynomials of degree at most 3 in the noise (the central second
difference of a cubic along one axis is exact, and mixed terms have zero mean).

Every evaluation counts its steps and watches a deadline in CPU time (so that a
busy machine does not change a verdict); running out raises :class:`OverBudget`
(the line is then ``undecided``).
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from derive.answers.ast_nodes import (
    Bin, Call, Compare, Index, Indicator, Name, Neg, NewAxis, Node, Num, Slice, SumOver, Transpose, render,
)
from derive.answers.ast_nodes import walk as _walk
from derive.answers.derivation.nodes import At, BoundedSum, Concat, Deriv, Expect, Limit, Named, Outer
from derive.answers.evaluate import EvaluationError

__all__ = ["evaluate_line", "OverBudget", "NotChecked", "NotExact", "exact_value", "noise_degree", "STEP", "MAX_ENTRIES"]

#: complex step (any tiny h works: nothing is subtracted)
STEP = 1e-30
MAX_ENTRIES = 200_000


class OverBudget(EvaluationError):
    """The evaluation ran out of steps or time."""


class NotChecked(EvaluationError):
    """The line uses something this evaluator refuses to approximate."""


class NotExact(EvaluationError):
    """In exact mode: the line needs a value that is not rational (exp, log, sqrt, a derivative)."""


def _to_fraction(x: Any) -> Any:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int | np.integer | bool | np.bool_):
        return Fraction(int(x))  # a Fraction, so that / stays exact
    if isinstance(x, float | np.floating):
        if not math.isfinite(float(x)):
            raise NotExact("a value is not finite")
        return Fraction(float(x))
    if isinstance(x, complex | np.complexfloating):
        raise NotExact("a complex value")
    raise NotExact(f"a value of type {type(x).__name__}")


_TO_FRACTION = np.vectorize(_to_fraction, otypes=[object])


def exact_value(value: Any) -> Any:
    """``value`` (a number or an array) with every entry an exact rational (int or Fraction)."""
    if isinstance(value, _Ones):
        return value
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _to_fraction(value[()])
        return _TO_FRACTION(value) if value.size else value.astype(object)
    return _to_fraction(value)


def _count(n: Any) -> int:
    v = np.real(np.asarray(n))
    if v.ndim != 0 or not float(v).is_integer() or not 0 <= float(v) <= MAX_ENTRIES:
        raise EvaluationError(f"a vector of ones needs a whole length up to {MAX_ENTRIES}, got {n!r}")
    return int(v)


class _Ones:
    """``scale`` times the all-ones vector whose length its neighbour in a matrix product decides."""

    def __init__(self, scale: Any = 1.0) -> None:
        self.scale = scale


def _real(x: Any) -> Any:
    return np.real(x)


def _softmax(z: Any, axis: int = -1) -> Any:
    e = np.exp(z - np.max(_real(z), axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _logsumexp(z: Any, axis: int = -1) -> Any:
    zmax = np.max(_real(z), axis=axis, keepdims=True)
    return np.squeeze(zmax, axis=axis) + np.log(np.sum(np.exp(z - zmax), axis=axis))


def _norm(x: Any) -> Any:
    a = np.asarray(x)
    return np.sqrt(np.sum(a * a))  # analytic: the complex step goes through it


def _maximum(a: Any, b: Any) -> Any:
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    return np.where(_real(a) >= _real(b), a, b)


def _minimum(a: Any, b: Any) -> Any:
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    return np.where(_real(a) <= _real(b), a, b)


def _abs(x: Any) -> Any:
    return np.where(_real(x) >= 0, x, -np.asarray(x))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": _abs, "square": np.square,
    "sum": lambda x, axis=None: np.sum(x, axis=axis), "mean": lambda x, axis=None: np.mean(x, axis=axis),
    "norm": _norm, "maximum": _maximum, "minimum": _minimum,
    "inv": np.linalg.inv, "diag": np.diag, "trace": np.trace, "transpose": np.transpose,
    "softmax": _softmax, "logsumexp": _logsumexp,
    "onehot": lambda y, c: np.eye(int(c))[np.asarray(y, dtype=int)],
    "ones": lambda n: np.ones(_count(n)),
    "where": lambda c, a, b: np.where(_real(c) != 0, a, b),
    "ind": lambda c: (_real(c) != 0).astype(float),
    "stack": lambda *xs: np.stack(np.broadcast_arrays(*[np.asarray(x) for x in xs])),
}

_BIN: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "@": operator.matmul,
}
_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_LINEAR = {"sum", "mean", "transpose", "trace", "diag"}
#: functions whose values are not rational in general (exact mode refuses them)
_IRRATIONAL = {"exp", "log", "sqrt", "norm", "softmax", "logsumexp", "inv"}


def noise_degree(node: Node, noise: frozenset[str]) -> float:
    """The degree of ``node`` as a polynomial in the noise entries (``inf``: not a polynomial)."""
    if isinstance(node, Name):
        return 1 if node.id in noise else 0
    if isinstance(node, Num | Expect):
        return 0
    if isinstance(node, Neg | Transpose):
        return noise_degree(node.operand, noise)
    if isinstance(node, Named):
        return noise_degree(node.tree, noise)
    if isinstance(node, Index):
        if any(noise_degree(i, noise) for i in node.items):
            return math.inf
        return noise_degree(node.base, noise)
    if isinstance(node, SumOver | BoundedSum | Deriv):
        return noise_degree(node.body, noise)
    if isinstance(node, Bin | Outer | Concat):
        a, b = noise_degree(node.left, noise), noise_degree(node.right, noise)
        op = node.op if isinstance(node, Bin) else ("*" if isinstance(node, Outer) else "+")
        if op in ("+", "-"):
            return max(a, b)
        if op in ("*", "@"):
            return a + b
        if op == "/":
            return a if b == 0 else math.inf
        if b == 0 and isinstance(node.right, Num) and float(node.right.value).is_integer() and node.right.value >= 0:
            if isinstance(node.left, Call) and node.left.func == "norm" and node.right.value == 2:
                return 2 * noise_degree(node.left.args[0], noise)
            return a * int(node.right.value)
        return 0 if a == 0 and b == 0 else math.inf
    if isinstance(node, Call):
        degrees = [noise_degree(x, noise) for x in node.args]
        if all(d == 0 for d in degrees):
            return 0
        return max(degrees) if node.func in _LINEAR else math.inf
    if isinstance(node, Compare | Indicator):
        return 0 if all(noise_degree(c, noise) == 0 for c in node.children()) else math.inf
    return math.inf


def evaluate_line(node: Node, env: Mapping[str, Any], *, ranges: Mapping[str, str], noise: Mapping[str, str],
                  budget: int, deadline: float, exact: bool = False) -> Any:
    """Evaluate ``node`` on one instance.

    Parameters
    ----------
    node : Node
        The parsed side of a claim.
    env : mapping
        Values of the names (arrays; ints for sizes and indices).
    ranges : mapping
        Sum variable -> size name (for :class:`SumOver`).
    noise : mapping
        Noise symbol -> name of its standard deviation (``{"delta": "sigma"}``).
    budget : int
        Maximum number of node evaluations.
    deadline : float
        ``time.process_time()`` after which the evaluation stops (:class:`OverBudget`).
    exact : bool
        Exact rationals instead of floats (see the module docstring); ``env`` must then hold
        exact values (:func:`exact_value`).
    """
    ev = _Evaluator(env, ranges, noise, budget, deadline, exact)
    with np.errstate(all="ignore"):
        return ev.run(node)


class _Evaluator:
    def __init__(self, env: Mapping[str, Any], ranges: Mapping[str, str], noise: Mapping[str, str], budget: int,
                 deadline: float, exact: bool = False) -> None:
        self.env, self.ranges, self.noise = dict(env), ranges, noise
        self.exact = exact
        self.budget, self.deadline = budget, deadline
        self.in_derivative = False
        self.tracking: list[tuple[set[str], set[tuple[str, int]]]] = []  # noise entries read, per expectation

    def run(self, node: Node) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise OverBudget("the line takes too many steps to evaluate (budget exceeded)")
        if self.budget % 2048 == 0 and time.process_time() > self.deadline:
            raise OverBudget("the line took longer than its time budget")
        value = self._dispatch(node)
        if isinstance(value, np.ndarray) and value.size > MAX_ENTRIES:
            raise EvaluationError(f"{_show(node)} has {value.size} entries (limit {MAX_ENTRIES})")
        return exact_value(value) if self.exact else value

    def _dispatch(self, node: Node) -> Any:
        if isinstance(node, Num):
            if self.exact and isinstance(node.value, float):
                return Fraction(node.text or repr(node.value))  # the decimal as written: 0.1 is 1/10
            return node.value
        if isinstance(node, Name):
            if node.id == "__ones":
                return _Ones()
            if node.id not in self.env:
                raise EvaluationError(f"{node.id!r} has no value here")
            self._read(node.id, None)
            return self.env[node.id]
        if isinstance(node, Neg):
            inner = self.run(node.operand)
            return _Ones(-inner.scale) if isinstance(inner, _Ones) else -np.asarray(inner)
        if isinstance(node, Bin):
            return self._binary(node)
        if isinstance(node, Compare):
            a, b = self.run(node.left), self.run(node.right)
            return _CMP[node.op](_real(a), _real(b)) * 1.0
        if isinstance(node, Indicator):
            return (_real(self.run(node.cond)) != 0) * 1.0
        if isinstance(node, Transpose):
            inner = self.run(node.operand)
            return inner if isinstance(inner, _Ones) else np.transpose(inner)
        if isinstance(node, Index):
            return self._index(node)
        if isinstance(node, SumOver):
            return self._sum(node.var, node.body, self.ranges.get(node.var), None, 0)
        if isinstance(node, BoundedSum):
            return self._sum(node.var, node.body, node.size, node.upper, node.base, node.start or 0)
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Outer):
            a, b = self.run(node.left), self.run(node.right)
            if isinstance(a, _Ones) != isinstance(b, _Ones):  # 1 bᵀ: b as a row, broadcast against its neighbour
                if isinstance(a, _Ones):
                    return a.scale * np.asarray(b)[None, :]
                return b.scale * np.asarray(a)[:, None]
            a, b = np.asarray(a), np.asarray(b)
            if a.ndim != 1 or b.ndim != 1:
                raise EvaluationError(f"shape mismatch in {_show(node)}: an outer product needs two vectors")
            return np.outer(a, b)
        if isinstance(node, Concat):
            a, b = np.asarray(self.run(node.left)), np.asarray(self.run(node.right))
            column = np.broadcast_to(b, a.shape[:-1]) if b.ndim < a.ndim else b
            return np.concatenate([a, np.asarray(column)[..., None]], axis=-1)
        if isinstance(node, Named):
            return self.run(node.tree)
        if isinstance(node, Deriv):
            return self._derivative(node)
        if isinstance(node, Expect):
            return self._expectation(node)
        if isinstance(node, At):
            return self._at(node)
        if isinstance(node, Limit):
            return self._limit(node)
        raise EvaluationError(f"cannot evaluate {_show(node)}")

    def _binary(self, node: Bin) -> Any:
        if (self.exact and node.op == "**" and isinstance(node.left, Call) and node.left.func == "norm"
                and isinstance(node.right, Num) and node.right.value == 2):
            inner = np.asarray(self.run(node.left.args[0]))
            return np.sum(inner * inner)  # ‖v‖² stays rational
        a, b = self.run(node.left), self.run(node.right)
        if isinstance(a, _Ones) or isinstance(b, _Ones):
            scalar = b if isinstance(a, _Ones) else a
            if node.op in ("*", "/") and np.ndim(scalar) == 0 and not (isinstance(a, _Ones) and isinstance(b, _Ones)):
                if isinstance(b, _Ones) and node.op == "/":
                    raise NotChecked("the length of the ones vector 1 cannot be read here: write 1_n")
                ones = a if isinstance(a, _Ones) else b
                return _Ones(ones.scale * scalar if node.op == "*" else ones.scale / scalar)
            if node.op != "@" or (isinstance(a, _Ones) and isinstance(b, _Ones)):
                raise NotChecked("the length of the ones vector 1 cannot be read here: write 1_n")
            a = a.scale * self._ones(np.shape(b)[0]) if isinstance(a, _Ones) else a
            b = b.scale * self._ones(np.shape(a)[-1]) if isinstance(b, _Ones) else b
        if node.op == "@" and (np.ndim(a) == 0 or np.ndim(b) == 0):
            return np.asarray(a) * np.asarray(b)  # a scalar on one side: a plain product
        try:
            if node.op == "**" and self.exact:
                return self._exact_power(a, b)
            if node.op == "**":
                return np.power(np.asarray(a, dtype=complex if np.iscomplexobj(a) else float), b)
            return _BIN[node.op](np.asarray(a), np.asarray(b))
        except ZeroDivisionError:
            raise EvaluationError(f"division by zero in {_show(node)}") from None
        except ValueError as exc:
            raise EvaluationError(f"shape mismatch in {_show(node)}: shapes {np.shape(a)} and {np.shape(b)}"
                                  f" ({_first_line(exc)})") from None

    def _ones(self, n: int) -> Any:
        return np.ones(n, dtype=object) if self.exact else np.ones(n)

    def _exact_power(self, a: Any, b: Any) -> Any:
        e = np.asarray(b)
        if e.ndim != 0 or e[()] != int(e[()]):
            raise NotExact("a power that is not a whole number")
        k = int(e[()])
        base = exact_value(np.asarray(a))
        if k < 0 and np.any(np.asarray(base) == 0):
            raise EvaluationError("division by zero (a negative power of 0)")
        if abs(k) > 64:
            raise NotExact("a power above 64")
        return base ** k

    def _read(self, name: str, key: tuple[Any, ...] | None) -> None:
        """Record which noise entries an expectation's body reads (all of them for a whole-array read)."""
        for names, entries in self.tracking:
            if name in names:
                shape = np.shape(self.env[name])
                flat = np.arange(int(np.prod(shape, dtype=int))).reshape(shape)
                picked = flat if key is None else flat[key]
                entries.update((name, int(e)) for e in np.ravel(picked))

    def _index(self, node: Index) -> Any:
        direct = isinstance(node.base, Name) and any(node.base.id in names for names, _ in self.tracking)
        base = np.asarray(self.env[node.base.id] if direct else self.run(node.base))  # type: ignore[union-attr]
        key: list[Any] = []
        for item in node.items:
            if isinstance(item, NewAxis):
                key.append(None)
                continue
            if isinstance(item, Slice):
                key.append(slice(None))
                continue
            v = np.real(np.asarray(self.run(item)))
            if v.ndim != 0 or not float(v).is_integer():
                raise EvaluationError(f"index {_show(item)} is not a whole number")
            if int(v) < 0:
                raise EvaluationError(f"{_show(node)}: index {int(v)} is out of range (shape {base.shape})")
            key.append(int(v))
        try:
            value = base[tuple(key)]
            if direct:
                self._read(node.base.id, tuple(key))  # type: ignore[union-attr]
            return value
        except IndexError as exc:
            raise EvaluationError(f"{_show(node)}: {_first_line(exc)} (shape {base.shape})") from None

    def _sum(self, var: str, body: Node, size: str | None, upper: Node | None, base: int, start: int = 0) -> Any:
        if upper is not None:
            top = np.real(np.asarray(self.run(upper)))
            if top.ndim != 0 or not float(top).is_integer():
                raise EvaluationError(f"the upper bound of the sum over {var} is not a whole number")
            count = int(top) - base + 1
        elif size is not None and size in self.env:
            count = int(self.env[size])
        else:
            raise EvaluationError(f"cannot tell what {var!r} runs over")
        if count > 100_000:
            raise OverBudget(f"the sum over {var} has {count} terms")
        saved = self.env.get(var)
        total: Any = 0 if self.exact else 0.0
        try:
            for value in range(start, max(0, count)):
                self.env[var] = value
                term = self.run(body)
                try:
                    total = total + np.asarray(term)
                except ValueError as exc:
                    raise EvaluationError(f"the terms of the sum over {var} have different shapes "
                                          f"({_first_line(exc)})") from None
        finally:
            if saved is None:
                self.env.pop(var, None)
            else:
                self.env[var] = saved
        return total

    def _call(self, node: Call) -> Any:
        if self.exact and node.func in _IRRATIONAL:
            raise NotExact(f"{node.func} is not rational")
        args = [self.run(a) for a in node.args]
        kwargs = {k: self.run(v) for k, v in node.kwargs}
        function = FUNCTIONS.get(node.func)
        if function is None:
            raise EvaluationError(f"{node.func}() is not known here")
        try:
            return function(*args, **kwargs)
        except (ValueError, np.linalg.LinAlgError, np.exceptions.AxisError, TypeError, IndexError) as exc:
            raise EvaluationError(f"{_show(node)}: {_first_line(exc)}") from None

    def _derivative(self, node: Deriv) -> Any:
        if self.exact:
            raise NotExact("a derivative (taken by the complex step, not exactly)")
        if not self.in_derivative and any(isinstance(n, Deriv) for n in _walk(node.body)):
            return self._second_derivative(node)
        if self.in_derivative:
            raise NotChecked("second derivatives are not checked")
        sub_shape, points = self._points(node.wrt)
        originals = {name: np.asarray(self.env[name]) for name, _ in points}
        for name, a in originals.items():
            if not np.issubdtype(a.dtype, np.floating) and not isinstance(self.env[name], float):
                raise NotChecked(f"cannot differentiate with respect to {name}")
        outs = []
        self.in_derivative = True
        try:
            for name, idx in points:
                moved = np.array(originals[name], dtype=complex)
                moved[idx] += 1j * STEP
                self.env[name] = moved if moved.ndim else moved[()]
                outs.append(np.imag(np.asarray(self.run(node.body))) / STEP)
                self.env[name] = self._restore(name, originals)
        finally:
            for name in originals:
                self.env[name] = self._restore(name, originals)
            self.in_derivative = False
        shapes = {o.shape for o in outs}
        if len(shapes) != 1:
            raise EvaluationError("the derivative's entries have different shapes")
        stacked = np.stack(outs, axis=-1)
        return stacked.reshape(outs[0].shape + sub_shape)

    def _second_derivative(self, node: Deriv) -> Any:
        """A derivative of a derivative: central differences (Richardson-extrapolated, error O(h⁴)) of the
        inner derivative, which is taken by the complex step."""
        sub_shape, points = self._points(node.wrt)
        originals = {name: np.asarray(self.env[name]) for name, _ in points}
        outs = []
        try:
            for name, idx in points:
                x = float(np.real(originals[name][idx]))
                h = 1e-3 * max(1.0, abs(x))
                estimates = []
                for step in (h, h / 2):
                    values = []
                    for sign in (1.0, -1.0):
                        moved = np.array(originals[name], dtype=float)
                        moved[idx] = x + sign * step
                        self.env[name] = moved if moved.ndim else float(moved[()])
                        values.append(np.real(np.asarray(self.run(node.body))))
                    estimates.append((values[0] - values[1]) / (2 * step))
                    self.env[name] = self._restore(name, originals)
                outs.append((4 * estimates[1] - estimates[0]) / 3)
        finally:
            for name in originals:
                self.env[name] = self._restore(name, originals)
        shapes = {o.shape for o in outs}
        if len(shapes) != 1:
            raise EvaluationError("the derivative's entries have different shapes")
        return np.stack(outs, axis=-1).reshape(outs[0].shape + sub_shape)

    def _restore(self, name: str, originals: Mapping[str, Any]) -> Any:
        a = originals[name]
        return a if a.ndim else float(a)

    def _indices(self, wrt: Node) -> tuple[Node, list[int | None]]:
        """The variable under ``wrt`` and the written indices of its leading axes (None: a whole axis, ``W[:, j]``)."""
        chain = []
        node = wrt
        while isinstance(node, Index | Named):
            if isinstance(node, Named):
                if not isinstance(node.tree, Index | Name):
                    break
                node = node.tree
                continue
            chain.append(node.items)
            node = node.base
        items: list[int | None] = []
        for group in reversed(chain):
            for item in group:
                if isinstance(item, Slice):
                    items.append(None)
                    continue
                v = np.real(np.asarray(self.run(item)))
                if v.ndim != 0 or not float(v).is_integer():
                    raise EvaluationError(f"index {_show(item)} is not a whole number")
                items.append(int(v))
        return node, items

    def _points(self, wrt: Node) -> tuple[tuple[int, ...], list[tuple[str, tuple[int, ...]]]]:
        """The entries a derivative perturbs, in the order of the variable's (sub-)array: (shape, [(name, index)])."""
        base, items = self._indices(wrt)
        while isinstance(base, Named):
            base = base.tree
        if isinstance(base, Name) and base.id in self.env and None in items:
            shape = np.shape(self.env[base.id])
            self._check_range(wrt, [0 if i is None else i for i in items], shape)
            open_axes = [k for k, i in enumerate(items) if i is None] + list(range(len(items), len(shape)))
            sub = tuple(shape[k] for k in open_axes)
            points = []
            for idx in np.ndindex(*sub):
                full = [0 if i is None else i for i in items] + [0] * (len(shape) - len(items))
                for k, v in zip(open_axes, idx):
                    full[k] = v
                points.append((base.id, tuple(full)))
            return sub, points
        if isinstance(base, Name) and base.id in self.env:
            shape = np.shape(self.env[base.id])
            fixed = [i for i in items if i is not None]
            self._check_range(wrt, fixed, shape)
            rest = shape[len(fixed):]
            return rest, [(base.id, tuple(fixed) + idx) for idx in np.ndindex(*rest)]
        if isinstance(base, Concat) and isinstance(base.left, Name) and isinstance(base.right, Name):
            left, right = base.left.id, base.right.id
            lshape = np.shape(self.env[left])
            shape = lshape[:-1] + (lshape[-1] + 1,)
            self._check_range(wrt, items, shape)
            rest = shape[len(items):]
            points = []
            for idx in np.ndindex(*rest):
                full = tuple(items) + idx
                points.append((left, full) if full[-1] < lshape[-1] else (right, full[:-1]))
            return rest, points
        raise EvaluationError(f"cannot differentiate with respect to {_show(wrt)}")

    def _check_range(self, wrt: Node, items: list[int], shape: tuple[int, ...]) -> None:
        if len(items) > len(shape) or any(not 0 <= i < n for i, n in zip(items, shape)):
            raise EvaluationError(f"{_show(wrt)} is out of range (shape {shape})")

    def _expectation(self, node: Expect) -> Any:
        present = [n for n in self.noise if n in self.env]
        if not present:
            raise EvaluationError("no noise to take the expectation over")
        degree = noise_degree(node.body, frozenset(present))
        if degree == 0:
            return self.run(node.body)
        if degree > 3:
            what = "not a polynomial" if math.isinf(degree) else f"a polynomial of degree {int(degree)}"
            raise NotChecked(f"the expectation of {what} in the noise is not checked (only degree ≤ 3)")
        if self.exact:
            return self._exact_expectation(node, present)
        originals = {n: np.asarray(self.env[n], dtype=float) for n in present}
        for n in present:
            self.env[n] = np.zeros_like(originals[n])
        read: set[tuple[str, int]] = set()
        self.tracking.append((set(present), read))
        try:
            at_zero = np.asarray(self.run(node.body))  # also finds the entries the body reads
        finally:
            self.tracking.pop()
        # the body depends only on the entries it reads: the symmetric rule over those entries alone
        entries = sorted(read)
        if not entries:
            self.env.update(originals)
            return at_zero
        scale = {n: float(np.real(self.env[self.noise[n]])) * math.sqrt(len(entries)) for n in present}
        acc: Any = 0.0
        try:
            for name, flat in entries:
                for sign in (1.0, -1.0):
                    point = np.zeros_like(originals[name])
                    point.reshape(-1)[flat] = sign * scale[name]
                    self.env[name] = point
                    acc = acc + np.asarray(self.run(node.body))
                self.env[name] = np.zeros_like(originals[name])
        finally:
            self.env.update(originals)
        return acc / (2 * len(entries))


    def _targets(self, target: Node) -> list[str]:
        while isinstance(target, Named):
            target = target.tree
        if isinstance(target, Name) and target.id in self.env:
            return [target.id]
        if isinstance(target, Concat) and isinstance(target.left, Name) and isinstance(target.right, Name):
            return [target.left.id, target.right.id]
        raise EvaluationError(f"cannot set {_show(target)} to a value: only a parameter can be (a condition such as "
                              "p_i = 1 is read only under a subdifferential)")

    def _at(self, node: At) -> Any:
        """``body`` with the parameter set to the value (a scalar fills the whole array)."""
        names = self._targets(node.target)
        value = self.run(node.value)
        saved = {n: self.env[n] for n in names}
        try:
            for n in names:
                shape = np.shape(saved[n])
                v = np.asarray(value)
                if len(names) > 1 and v.ndim:
                    raise EvaluationError("only a number can be given to [W b] at once")
                try:
                    filled = np.array(np.broadcast_to(v, shape))
                except ValueError:
                    raise EvaluationError(f"{_show(node.value)} does not fit the shape {shape} of {n}") from None
                self.env[n] = filled if filled.ndim else filled[()]
            return self.run(node.body)
        finally:
            self.env.update(saved)

    #: the points a limit is read at, and how close the last two must be (relative)
    LIMIT_POINTS = {"0": (1e-6, 1e-7, 1e-8), "inf": (1e6, 1e7, 1e8)}

    def _limit(self, node: Limit) -> Any:
        """The value at the last point of a sequence tending to the limit, once the sequence is seen to settle."""
        if self.exact:
            raise NotExact("a limit (read off a sequence, not exactly)")
        if node.var not in self.env or np.ndim(self.env[node.var]) != 0:
            raise EvaluationError(f"a limit is taken over a scalar parameter, not {node.var}")
        saved = self.env[node.var]
        values = []
        try:
            for t in self.LIMIT_POINTS[node.to]:
                self.env[node.var] = t
                values.append(np.asarray(self.run(node.body), dtype=float))
        finally:
            self.env[node.var] = saved
        steps = [float(np.max(np.abs(b - a))) if a.size else 0.0 for a, b in zip(values, values[1:])]
        scale = max(1.0, float(np.max(np.abs(values[-1]))) if values[-1].size else 1.0)
        if not (np.all(np.isfinite(values[-1])) and steps[-1] <= max(steps[0], 1e-300) * 0.5 + 1e-12 * scale
                and steps[-1] <= 1e-6 * scale):
            raise EvaluationError(f"the sequence at {node.var} = {self.LIMIT_POINTS[node.to]} does not settle: "
                                  "the limit cannot be read off")
        return values[-1]

    def _exact_expectation(self, node: Expect, present: list[str]) -> Any:
        """E f(δ) = f(0) + σ²/2 Σ_k [f(e_k) + f(−e_k) − 2 f(0)], exact for degree ≤ 3 (see the module docstring)."""
        originals = {n: self.env[n] for n in present}
        zeros = {n: np.zeros(np.shape(originals[n]), dtype=int).astype(object) for n in present}
        self.env.update(zeros)
        read: set[tuple[str, int]] = set()
        self.tracking.append((set(present), read))
        try:
            at_zero = self.run(node.body)
        finally:
            self.tracking.pop()
        try:
            acc: Any = 0
            for name, flat in sorted(read):
                for sign in (1, -1):
                    point = zeros[name].copy()
                    point.reshape(-1)[flat] = sign
                    self.env[name] = point
                    acc = acc + np.asarray(self.run(node.body)) - at_zero
                self.env[name] = zeros[name]
                acc = acc * 1  # keep object arrays
            sigma2 = {n: exact_value(self.env[self.noise[n]]) ** 2 for n in present}
            if len({str(v) for v in sigma2.values()}) > 1:
                raise NotExact("noises with different scales")
            s2 = next(iter(sigma2.values()))
            return at_zero + Fraction(1, 2) * s2 * acc if read else at_zero
        finally:
            self.env.update(originals)


def _show(node: Node) -> str:
    try:
        return render(node)
    except TypeError:
        return type(node).__name__


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
