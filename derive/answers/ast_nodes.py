"""Our own small expression tree for answers, and its canonical rendering.

Both input syntaxes (numpy-like/index form and the LaTeX subset) are read into
these nodes; nothing of the user's text is ever handed to Python or SymPy.
:func:`render` prints a tree in the numpy-like syntax (index sums as
``sum(j, ...)``, indicators as ``1{...}``), which reads back to the same tree.

Examples
--------
>>> scaled = Bin("*", Bin("/", Num(2), Name("N")), Transpose(Name("X")))
>>> render(Bin("@", scaled, Bin("-", Bin("@", Name("X"), Name("theta")), Name("y"))))
'2 / N * X.T @ (X @ theta - y)'
>>> render(SumOver("j", Bin("*", Indicator(Compare("==", Index(Name("y"), (Name("j"),)), Name("i"))), Index(Name("X"), (Name("j"),)))))
'sum(j, 1{y[j] == i} * X[j])'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields

__all__ = [
    "Node", "Num", "Name", "Neg", "Bin", "Compare", "Indicator", "Call", "Transpose",
    "Index", "Slice", "NewAxis", "SumOver", "render", "walk", "names_used",
]


class Node:
    """Base class of the expression tree (immutable dataclasses)."""

    def children(self) -> Iterator[Node]:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                for v in value:
                    if isinstance(v, Node):
                        yield v
                    elif isinstance(v, tuple):  # keyword (name, node)
                        yield from (w for w in v if isinstance(w, Node))


@dataclass(frozen=True)
class Num(Node):
    """A number literal (int or float); ``text`` is the decimal as typed, when it says more than the float.

    ``1.00000000000000000001`` is the float 1.0 but the exact value 1 + 10⁻²⁰: the exact
    check reads ``text``.
    """

    value: int | float
    text: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Name(Node):
    """A question symbol, size, index or derived quantity."""

    id: str


@dataclass(frozen=True)
class Neg(Node):
    """Unary minus."""

    operand: Node


@dataclass(frozen=True)
class Bin(Node):
    """Binary operation; ``op`` in ``+ - * / @ **``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    """A comparison; ``op`` in ``== != < <= > >=`` (value 1.0 or 0.0)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Indicator(Node):
    r"""The indicator :math:`\mathbb{1}\{\text{cond}\}`."""

    cond: Node


@dataclass(frozen=True)
class Call(Node):
    """A call of a whitelisted function; ``kwargs`` is a tuple of (name, node)."""

    func: str
    args: tuple[Node, ...]
    kwargs: tuple[tuple[str, Node], ...] = ()


@dataclass(frozen=True)
class Transpose(Node):
    """``operand.T`` (reverses the axes; a 1-D vector is its own transpose)."""

    operand: Node


@dataclass(frozen=True)
class Slice(Node):
    """A slice ``start:stop`` inside a subscript (``None`` for an open end)."""

    start: Node | None = None
    stop: Node | None = None


@dataclass(frozen=True)
class NewAxis(Node):
    """``None`` inside a subscript (a new axis of length 1)."""


@dataclass(frozen=True)
class Index(Node):
    """``base[i0, i1, ...]``; items are nodes, :class:`Slice` or :class:`NewAxis`."""

    base: Node
    items: tuple[Node, ...]


@dataclass(frozen=True)
class SumOver(Node):
    """The index sum over ``var`` of ``body``, for ``start <= var < stop`` (0-based).

    ``start`` None is 0 and ``stop`` None is the size the question gives for ``var``
    (the whole range).
    """

    var: str
    body: Node
    start: Node | None = None
    stop: Node | None = None


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(n.children())))


def names_used(node: Node) -> set[str]:
    """The identifiers a tree refers to (sum variables included)."""
    out = {n.id for n in walk(node) if isinstance(n, Name)}
    out |= {n.var for n in walk(node) if isinstance(n, SumOver)}
    return out


# precedence: higher binds tighter (Python's levels)
_PREC = {"cmp": 1, "+": 2, "-": 2, "*": 3, "/": 3, "@": 3, "neg": 4, "**": 5, "atom": 6}


def _prec(node: Node) -> int:
    if isinstance(node, Bin):
        return _PREC[node.op]
    if isinstance(node, Compare):
        return _PREC["cmp"]
    if isinstance(node, Neg):
        return _PREC["neg"]
    if isinstance(node, Num) and node.value < 0:
        return _PREC["neg"]
    return _PREC["atom"]


def _wrap(node: Node, need: int) -> str:
    text = render(node)
    return f"({text})" if _prec(node) < need else text


def _num(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return repr(value)


def render(node: Node) -> str:
    """The canonical numpy-like text of ``node`` (minimal parentheses)."""
    if isinstance(node, Num):
        return _num(node.value)
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Neg):
        return "-" + _wrap(node.operand, _PREC["neg"])
    if isinstance(node, Bin):
        p = _PREC[node.op]
        if node.op == "**":  # right-associative; the base binds tighter than unary minus
            return f"{_wrap(node.left, p + 1)} ** {_wrap(node.right, _PREC['neg'])}"
        return f"{_wrap(node.left, p)} {node.op} {_wrap(node.right, p + 1)}"
    if isinstance(node, Compare):
        return f"{_wrap(node.left, 2)} {node.op} {_wrap(node.right, 2)}"
    if isinstance(node, Indicator):
        return "1{" + render(node.cond) + "}"
    if isinstance(node, Call):
        parts = [render(a) for a in node.args] + [f"{k}={render(v)}" for k, v in node.kwargs]
        return f"{node.func}({', '.join(parts)})"
    if isinstance(node, Transpose):
        return _wrap(node.operand, _PREC["atom"]) + ".T"
    if isinstance(node, Slice):
        return (render(node.start) if node.start else "") + ":" + (render(node.stop) if node.stop else "")
    if isinstance(node, NewAxis):
        return "None"
    if isinstance(node, Index):
        return f"{_wrap(node.base, _PREC['atom'])}[{', '.join(render(i) for i in node.items)}]"
    if isinstance(node, SumOver):
        bounds = ""
        if node.start is not None or node.stop is not None:
            bounds = f", {render(node.start or Num(0))}, {render(node.stop) if node.stop else 'None'}"
        return f"sum({node.var}, {render(node.body)}{bounds})"
    raise TypeError(f"render: unknown node {node!r}")
