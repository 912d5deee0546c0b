r"""The tree nodes a derivation line adds to :mod:`derive.answers.ast_nodes`.

A line of a hand derivation says more than a final answer: it takes expectations
(:class:`Expect`), differentiates (:class:`Deriv`), sums with written bounds
(:class:`BoundedSum`) and forms outer products (:class:`Outer`).  These nodes are
only evaluated by :mod:`derive.answers.derivation.evaluator`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from derive.answers.ast_nodes import Node

__all__ = ["Expect", "Deriv", "BoundedSum", "Outer", "Concat", "Named", "At", "Limit", "Subdiff", "SetOf", "map_children"]


def map_children(node: Node, f: Callable[[Node], Node]) -> Node:
    """``node`` with ``f`` applied to each child node (keyword pairs included); ``node`` itself if it has none."""
    kwargs: dict[str, Any] = {}
    for name in node.__dataclass_fields__:  # type: ignore[attr-defined]
        v = getattr(node, name)
        if isinstance(v, Node):
            kwargs[name] = f(v)
        elif isinstance(v, tuple):
            kwargs[name] = tuple(f(x) if isinstance(x, Node) else
                                 (tuple(f(y) if isinstance(y, Node) else y for y in x) if isinstance(x, tuple) else x)
                                 for x in v)
    return replace(node, **kwargs) if kwargs else node  # type: ignore[type-var]


@dataclass(frozen=True)
class Expect(Node):
    r""":math:`\mathbb{E}_\delta[\text{body}]` over the problem's Gaussian noise."""

    body: Node


@dataclass(frozen=True)
class Deriv(Node):
    r"""The derivative of ``body`` with respect to ``wrt`` (a symbol, or one of its entries).

    With respect to a whole array (``∇_W``) the result has the shape of ``body``
    followed by the array's shape (a scalar's gradient has the variable's shape).
    """

    body: Node
    wrt: Node


@dataclass(frozen=True)
class BoundedSum(Node):
    r"""``\sum_{var=lower}^{upper} body``; ``lower``/``upper`` as written (None: the full range).

    ``base`` is the written lower bound (0 or 1): the index's value ``v`` is the
    internal, 0-based position ``v - base``.
    """

    var: str
    body: Node
    size: str
    upper: Node | None = None
    base: int = 1
    start: int | None = None  # the first internal position when the written lower bound leaves terms out


@dataclass(frozen=True)
class Outer(Node):
    r"""The outer product :math:`a b^\top` of two vectors (a column times a row)."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Concat(Node):
    r"""``left`` with ``right`` appended as one more last entry (a vector) or last column (a matrix).

    The bias trick: :math:`\tilde{x} = [x; 1]`, :math:`\tilde{W} = [W\; b]`.
    """

    left: Node
    right: Node


@dataclass(frozen=True)
class Named(Node):
    r"""A defined quantity as written (``label``, e.g. ``L(\theta)``) and the tree it stands for.

    It evaluates to ``tree``; reports show ``label``.  ``atomic``: a diagnosis treats
    it as one term (a loss), not as the sum it expands to.
    """

    label: str
    tree: Node
    atomic: bool = True


@dataclass(frozen=True)
class At(Node):
    r"""``body`` evaluated with the parameter ``target`` set to ``value``: :math:`\left. f \right|_{W = 0}`.

    ``target`` is a symbol (or the bias trick's :math:`\tilde{W} = [W\; b]`, which sets both); a scalar
    ``value`` such as 0 fills the whole array.
    """

    body: Node
    target: Node
    value: Node


@dataclass(frozen=True)
class Limit(Node):
    r""":math:`\lim_{\text{var} \to \text{to}} \text{body}`, ``to`` a number or ``"inf"``/``"0"``."""

    body: Node
    var: str
    to: str


@dataclass(frozen=True)
class Subdiff(Node):
    r""":math:`\partial_{w} f\big|_{g = c}`: the subdifferential of ``body`` in ``wrt`` where ``where`` equals
    ``value`` (a kink); only compared with a :class:`SetOf` by
    :mod:`derive.answers.derivation.subdiff`."""

    body: Node
    wrt: Node
    where: Node
    value: Node


@dataclass(frozen=True)
class SetOf(Node):
    r""":math:`\{ \text{body} \mid \text{var} \in [\text{lo}, \text{hi}] \}`."""

    body: Node
    var: str
    lo: Node
    hi: Node
