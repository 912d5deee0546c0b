r"""Prove a derivation line for symbolic sizes: both sides as SymPy entries, their difference reduced to zero.

A side becomes a :class:`SymArray` — its shape in size symbols (``N``, ``d``, ...)
and a function from index symbols to the SymPy expression of that entry — built
from our own tree (nothing of the user's text is given to SymPy as text): arrays
are ``IndexedBase`` objects, sums with their written bounds are ``Sum`` over the
0-based position, a matrix product is a ``Sum`` over the shared axis, ``\|v\|`` the
square root of a sum of squares, ``\mathbb{1}\{k = l\}`` a ``KroneckerDelta`` and a
derivative with respect to a symbol or one of its entries SymPy's ``diff``.  The
difference at a generic entry (fresh index symbols, with their ranges assumed) is
handed to :func:`derive.zero.symbolic_zero`'s cheap reductions (no ``simplify``);
only a difference reduced to ``0`` counts as *proved*.  What the converter does not
know (expectations, softmax, piecewise parts, ...) gives ``None``: the line is then
checked exactly or numerically.

Budgets: a side with more than :data:`MAX_OPS` operations is not tried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
import time
from itertools import count
from typing import Any

import sympy as sp

from derive.answers.ast_nodes import Bin, Call, Compare, Index, Indicator, Name, Neg, Node, Num, Slice, Transpose
from derive.answers.derivation.context import Context
from derive.answers.derivation.nodes import BoundedSum, Deriv, Named, Outer
from derive.zero import collapse_deltas, drop_range_guards, is_zero_value

__all__ = ["prove", "SymArray", "MAX_OPS"]

#: the largest difference (in SymPy operations) the prover tries
MAX_OPS = 600
#: the most terms of a sum with a numeric bound (SymPy expands those term by term)
MAX_TERMS = 64


class _Unsupported(Exception):
    pass


@dataclass(frozen=True)
class SymArray:
    """An array of SymPy expressions: its shape (size expressions) and its entry at given index symbols."""

    shape: tuple[Any, ...]
    entry: Callable[..., Any]

    @property
    def ndim(self) -> int:
        return len(self.shape)


def _scalar(e: Any) -> SymArray:
    return SymArray((), lambda: e)


class _Converter:
    def __init__(self, ctx: Context, free: Mapping[str, str]) -> None:
        self.ctx = ctx
        self.fresh = count()
        self.sizes = {k: sp.Symbol(k, integer=True, positive=True) for k in ctx.sizes}
        self.assume: dict[sp.Symbol, tuple[Any, Any]] = {}
        for var, size in free.items():
            self.assume[self.index(var)] = (0, self.size(size) - 1)

    def index(self, name: str) -> sp.Symbol:
        return sp.Symbol(name, integer=True)

    def size(self, name: str) -> Any:
        if name in self.sizes:
            return self.sizes[name]
        raise _Unsupported(f"size {name}")

    def new_index(self, upper: Any) -> sp.Symbol:
        s = sp.Symbol(f"_q{next(self.fresh)}", integer=True)
        self.assume[s] = (0, upper - 1)
        return s

    def convert(self, node: Node) -> SymArray:
        if isinstance(node, Num):
            v = node.value
            return _scalar(sp.Rational(Fraction(node.text or repr(v))) if isinstance(v, float) else sp.Integer(v))
        if isinstance(node, Name):
            return self.name(node.id)
        if isinstance(node, Named):
            return self.convert(node.tree)
        if isinstance(node, Neg):
            a = self.convert(node.operand)
            return SymArray(a.shape, lambda *i: -a.entry(*i))
        if isinstance(node, Transpose):
            a = self.convert(node.operand)
            if a.ndim < 2:
                return a
            if a.ndim != 2:
                raise _Unsupported("transpose of a 3-d array")
            return SymArray((a.shape[1], a.shape[0]), lambda i, j: a.entry(j, i))
        if isinstance(node, Index):
            return self.indexed(node)
        if isinstance(node, Bin):
            return self.binary(node)
        if isinstance(node, Outer):
            a, b = self.convert(node.left), self.convert(node.right)
            if a.ndim != 1 or b.ndim != 1:
                raise _Unsupported("outer product of non-vectors")
            return SymArray((a.shape[0], b.shape[0]), lambda i, j: a.entry(i) * b.entry(j))
        if isinstance(node, BoundedSum):
            return self.bounded_sum(node)
        if isinstance(node, Indicator):
            return self.convert(node.cond)
        if isinstance(node, Compare):
            if node.op not in ("==", "!="):
                raise _Unsupported("an inequality")
            a, b = self.convert(node.left), self.convert(node.right)
            if a.ndim or b.ndim:
                raise _Unsupported("a comparison of arrays")
            delta = sp.KroneckerDelta(a.entry(), b.entry())
            return _scalar(delta if node.op == "==" else 1 - delta)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Deriv):
            return self.derivative(node)
        raise _Unsupported(type(node).__name__)

    def name(self, name: str) -> SymArray:
        if name in self.sizes:
            return _scalar(self.sizes[name])
        sym = self.ctx.by_name.get(name)
        if sym is None and name.startswith("__"):
            raise _Unsupported(name)  # the ones vector written without its length
        if sym is None:
            return _scalar(self.index(name))  # a sum's variable or a free index (0-based position)
        if sym.kind == "noise" or name == "I":
            raise _Unsupported(f"{name} ({sym.kind})")
        if sym.kind == "label":
            labels = sp.IndexedBase(name, integer=True)
            return SymArray(tuple(self.size(s) for s in sym.shape), lambda *i: labels[i])
        if not sym.shape:
            positive = name in ("sigma", "lam")
            return _scalar(sp.Symbol(name, positive=True) if positive else sp.Symbol(name, real=True))
        base = sp.IndexedBase(name, real=True)
        shape = tuple(self.size(s) for s in sym.shape)
        return SymArray(shape, lambda *i: base[i])

    def indexed(self, node: Index) -> SymArray:
        a = self.convert(node.base)
        items: list[Any] = []
        kept: list[int] = []
        if len(node.items) > a.ndim:
            raise _Unsupported("too many indices")
        for k, item in enumerate(node.items):
            if isinstance(item, Slice):
                items.append(None)
                kept.append(k)
                continue
            v = self.convert(item)
            if v.ndim:
                raise _Unsupported("an index that is not a scalar")
            items.append(v.entry())
        rest = list(range(len(node.items), a.ndim))
        shape = tuple(a.shape[k] for k in kept) + tuple(a.shape[k] for k in rest)

        def entry(*idx: Any) -> Any:
            full = list(items) + [None] * len(rest)
            pos = kept + rest
            for k, v in zip(pos, idx):
                full[k] = v
            return a.entry(*full)
        return SymArray(shape, entry)

    def binary(self, node: Bin) -> SymArray:
        a, b = self.convert(node.left), self.convert(node.right)
        op = node.op
        if op == "@" and (a.ndim == 0 or b.ndim == 0):
            op = "*"
        if op == "@":
            return self.matmul(a, b)
        if op == "**":
            if a.ndim or b.ndim:
                raise _Unsupported("a power of an array")
            return _scalar(a.entry() ** b.entry())
        if op == "/" and b.ndim:
            raise _Unsupported("division by an array")
        if a.ndim and b.ndim and a.ndim != b.ndim:
            raise _Unsupported("broadcasting")
        shape = a.shape if a.ndim else b.shape
        if a.ndim and b.ndim and any(sp.simplify(x - y) != 0 for x, y in zip(a.shape, b.shape)):
            raise _Unsupported("shapes differ")
        fa = (lambda *i: a.entry(*i)) if a.ndim else (lambda *i: a.entry())
        fb = (lambda *i: b.entry(*i)) if b.ndim else (lambda *i: b.entry())
        ops = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y, "/": lambda x, y: x / y}
        f = ops[op]
        return SymArray(shape, lambda *i: f(fa(*i), fb(*i)))

    def matmul(self, a: SymArray, b: SymArray) -> SymArray:
        inner = a.shape[-1]
        if a.ndim > 2 or b.ndim > 2:
            raise _Unsupported("a product of 3-d arrays")

        def total(left: Callable[[Any], Any], right: Callable[[Any], Any]) -> Any:
            k = sp.Symbol(f"_s{next(self.fresh)}", integer=True)
            return sp.Sum(left(k) * right(k), (k, 0, inner - 1))
        if a.ndim == 1 and b.ndim == 1:
            return _scalar(total(lambda k: a.entry(k), lambda k: b.entry(k)))
        if a.ndim == 2 and b.ndim == 1:
            return SymArray((a.shape[0],), lambda i: total(lambda k: a.entry(i, k), lambda k: b.entry(k)))
        if a.ndim == 1 and b.ndim == 2:
            return SymArray((b.shape[1],), lambda j: total(lambda k: a.entry(k), lambda k: b.entry(k, j)))
        return SymArray((a.shape[0], b.shape[1]),
                        lambda i, j: total(lambda k: a.entry(i, k), lambda k: b.entry(k, j)))

    def bounded_sum(self, node: BoundedSum) -> SymArray:
        var = self.index(node.var)
        if node.upper is not None:
            up = self.convert(node.upper)
            if up.ndim:
                raise _Unsupported("an array as a sum's bound")
            top = up.entry() - node.base
        else:
            top = self.size(node.size) - 1
        if getattr(top, "is_number", False) and top > MAX_TERMS:
            raise _Unsupported("a sum with many written terms (SymPy would expand it)")
        body = self.convert(node.body)
        first = node.start or 0
        return SymArray(body.shape, lambda *i: sp.Sum(body.entry(*i), (var, first, top)))

    def call(self, node: Call) -> SymArray:
        funcs = {"log": sp.log, "exp": sp.exp, "sqrt": sp.sqrt, "abs": sp.Abs}
        if node.kwargs:
            raise _Unsupported("keyword arguments")
        args = [self.convert(a) for a in node.args]
        if node.func in funcs and len(args) == 1 and args[0].ndim == 0:
            return _scalar(funcs[node.func](args[0].entry()))
        if node.func == "norm" and len(args) == 1 and args[0].ndim in (1, 2):
            return _scalar(sp.sqrt(self.sum_all(args[0], lambda e: e ** 2)))
        if node.func == "sum" and len(args) == 1:
            return _scalar(self.sum_all(args[0], lambda e: e))
        if node.func == "mean" and len(args) == 1 and args[0].ndim:
            return _scalar(self.sum_all(args[0], lambda e: e) / sp.Mul(*args[0].shape))
        if node.func in ("maximum", "minimum") and len(args) == 2 and not args[0].ndim and not args[1].ndim:
            f = sp.Max if node.func == "maximum" else sp.Min
            return _scalar(f(args[0].entry(), args[1].entry()))
        if node.func == "ind" and len(args) == 1 and not args[0].ndim:
            return _scalar(1 - sp.KroneckerDelta(args[0].entry(), 0))
        raise _Unsupported(node.func)

    def sum_all(self, a: SymArray, f: Callable[[Any], Any]) -> Any:
        idx = [sp.Symbol(f"_s{next(self.fresh)}", integer=True) for _ in a.shape]
        e = f(a.entry(*idx))
        for k, n in reversed(list(zip(idx, a.shape))):
            e = sp.Sum(e, (k, 0, n - 1))
        return e

    def derivative(self, node: Deriv) -> SymArray:
        body = self.convert(node.body)
        target = self.convert(node.wrt)
        probe = [sp.Symbol(f"_d{next(self.fresh)}", integer=True) for _ in target.shape]
        for s, n in zip(probe, target.shape):
            self.assume[s] = (0, n - 1)
        if not probe:
            var = target.entry()
            if not isinstance(var, sp.Indexed | sp.Symbol):
                raise _Unsupported("a derivative with respect to an expression")
            return SymArray(body.shape, lambda *i: sp.diff(body.entry(*i), var))
        shape = body.shape + target.shape

        def entry(*idx: Any) -> Any:
            own, at = idx[:body.ndim], idx[body.ndim:]
            var = target.entry(*at)
            if not isinstance(var, sp.Indexed):
                raise _Unsupported("a derivative with respect to an expression")
            return sp.diff(body.entry(*own), var)
        return SymArray(shape, entry)


def _canonical(e: Any, depth: int = 0) -> Any:
    """Every sum's variable renamed by its nesting depth, so that equal sums compare equal."""
    if isinstance(e, sp.Sum):
        body = e.function
        limits = []
        for k, (var, lo, hi) in enumerate(e.limits):
            new = sp.Symbol(f"_c{depth + k}", integer=True)
            body = body.xreplace({var: new})
            limits.append((new, lo, hi))
        return sp.Sum(_canonical(body, depth + len(limits)), *limits)
    if not e.args:
        return e
    return e.func(*[_canonical(a, depth) for a in e.args])


def _split_sums(e: Any) -> Any:
    """Each sum of a sum of terms as the sum of the sums (with constant factors pulled out)."""
    def split(x: Any) -> Any:
        body = sp.expand(x.function)
        terms = body.args if isinstance(body, sp.Add) else (body,)
        out = 0
        for t in terms:
            inside = [f for f in sp.Mul.make_args(t) if f.has(*[v for v, *_ in x.limits])]
            outside = [f for f in sp.Mul.make_args(t) if f not in inside]
            out += sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *x.limits)
        return out
    return e.replace(lambda x: isinstance(x, sp.Sum), split)


def _reductions(assume: Mapping[sp.Symbol, tuple[Any, Any]]) -> list[Callable[[Any], Any]]:
    from sympy.simplify.simplify import sum_simplify

    def deep(e: Any) -> Any:
        return sp.expand(collapse_deltas(drop_range_guards(e.doit(), assume), assume))
    return [lambda e: sp.expand(_canonical(e)), lambda e: sp.expand(_canonical(deep(e))),
            lambda e: sp.expand(_canonical(_split_sums(_canonical(deep(e))))),
            lambda e: sum_simplify(sp.expand(_canonical(_split_sums(deep(e)))))]


def prove(left: Node, right: Node, ctx: Context, free: Mapping[str, str], deadline: float | None = None
          ) -> str | None:
    """``"proved symbolically (...)"`` when ``left - right`` reduces to 0 for symbolic sizes, else None.

    ``deadline`` (``time.process_time()``): no further reduction is started after it.
    """
    try:
        conv = _Converter(ctx, free)
        a, b = conv.convert(left), conv.convert(right)
        if a.ndim != b.ndim and not (a.ndim == 0 or b.ndim == 0):
            return None
        if a.ndim and b.ndim and any(sp.simplify(x - y) != 0 for x, y in zip(a.shape, b.shape)):
            return None
        if a.ndim != b.ndim:  # a written 0 for a vector or matrix: every entry
            if not (isinstance(left, Num) or isinstance(right, Num)):
                return None
        shape = a.shape if a.ndim else b.shape
        idx = [conv.new_index(n) for n in shape]
        ea = a.entry(*idx) if a.ndim else a.entry()
        eb = b.entry(*idx) if b.ndim else b.entry()
        diff = ea - eb
        if sp.count_ops(diff) > MAX_OPS:
            return None
        for reduce in _reductions(conv.assume):
            if deadline is not None and time.process_time() > deadline:
                return None
            try:
                r = reduce(diff)
            except (StopIteration, RecursionError, TypeError, ValueError, NotImplementedError, AttributeError):
                continue
            if is_zero_value(r):
                sizes = sorted(str(s) for s in diff.free_symbols if str(s) in conv.sizes)
                where = f"for symbolic {', '.join(sizes)}" if sizes else "for symbolic values"
                return f"proved symbolically ({where})"
    except (_Unsupported, TypeError, ValueError, AttributeError, IndexError, RecursionError, NotImplementedError):
        return None
    return None
