r"""A readable text of a derivation tree (for diagnoses): defined names as written, the rest numpy-like.

Examples
--------
>>> from derive.answers.ast_nodes import Bin, Name, Num
>>> from derive.answers.derivation.nodes import BoundedSum, Named
>>> show(Bin("*", Num(2), BoundedSum("j", Named(r"L(\theta)", Name("x")), "N")))
'2 * sum_j L(\\theta)'
"""

from __future__ import annotations

from derive.answers.ast_nodes import Call, Name, Node, SumOver, render
from derive.answers.derivation.nodes import BoundedSum, Concat, Deriv, Expect, Named, Outer, map_children

__all__ = ["show"]


def _plain(node: Node, labels: dict[str, str]) -> Node:
    if isinstance(node, Named):
        key = f"__named{len(labels)}"
        labels[key] = node.label
        return Name(key)
    if isinstance(node, BoundedSum):
        return SumOver(node.var, _plain(node.body, labels))
    if isinstance(node, Expect):
        return Call("E", (_plain(node.body, labels),))
    if isinstance(node, Deriv):
        return Call("d", (_plain(node.body, labels), _plain(node.wrt, labels)))
    if isinstance(node, Outer):
        return Call("outer", (_plain(node.left, labels), _plain(node.right, labels)))
    if isinstance(node, Concat):
        return Call("concat", (_plain(node.left, labels), _plain(node.right, labels)))
    return map_children(node, lambda child: _plain(child, labels))


def show(node: Node) -> str:
    """``node`` as text: a defined quantity by its written label, sums as ``sum_j ...``."""
    labels: dict[str, str] = {}
    try:
        text = render(_plain(node, labels))
    except TypeError:
        return type(node).__name__
    text = text.replace("sum(", "\x00")
    out = []
    k = 0
    while k < len(text):  # sum(j, body) -> sum_j body
        if text[k] == "\x00":
            comma = text.index(", ", k)
            depth, end = 1, comma + 2
            while end < len(text) and depth:
                depth += {"(": 1, ")": -1, "\x00": 1}.get(text[end], 0)
                end += 1
            out.append(f"sum_{text[k + 1:comma]} " + text[comma + 2:end - 1].replace("\x00", "sum("))
            k = end
        else:
            out.append(text[k])
            k += 1
    result = "".join(out)
    for word, letter in (("sigma", "σ"), ("theta", "θ"), ("delta1", "δ"), ("delta", "δ"), (" ** 2", "²")):
        result = result.replace(word, letter)
    for key, label in sorted(labels.items(), key=lambda kv: -len(kv[0])):
        result = result.replace(key, label)
    return result
