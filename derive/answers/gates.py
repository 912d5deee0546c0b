r"""Case splits a sampling check cannot be trusted with, refused before any checking.

A comparison, indicator, ``where``, ``min``/``max`` or ``abs`` makes an answer
piecewise: ``theta * (sigma > 0.8) * (sigma < 1.3)`` or ``log(min(c, 12))`` agree
with the derived result everywhere except in a region random instances may miss.
So:

* a question whose derived result has no case split (:attr:`Question.case_split`
  False: the noisy-regression results, the distances, the initial loss) refuses
  every such construct — a correct answer never needs one;
* a question whose result does split on the data (the hinge loss's
  ``1{margin < 1}``, the softmax's ``1{y⁽ʲ⁾ = i}``) accepts a split only when it
  involves the data; a split on sizes, indices, parameters or constants alone
  (``(N > 6)``, ``1{i = 3}``) is refused.

Examples
--------
>>> from derive.answers.catalogue import get_question
>>> from derive.answers.parser import parse_expression
>>> q = get_question("noisy.R")
>>> render(find_gate(parse_expression("sigma**2 * theta @ theta * (N > 6)", q.vocabulary()), q))
'N > 6'
>>> q = get_question("hinge.grad_b")
>>> find_gate(parse_expression(q.examples["numpy"], q.vocabulary()), q) is None
True
"""

from __future__ import annotations

from typing import Any

from derive.answers.ast_nodes import Call, Compare, Indicator, Node, names_used, render, walk
from derive.answers.errors import RefusedInput
from derive.answers.functions import FUNCTIONS

__all__ = ["find_gate", "refuse_gates", "render"]


def _splits(node: Node) -> bool:
    if isinstance(node, Compare | Indicator):
        return True
    return isinstance(node, Call) and node.func in FUNCTIONS and not FUNCTIONS[node.func].smooth


def find_gate(tree: Node, question: Any) -> Node | None:
    """The first case split of ``tree`` that ``question`` refuses, or None."""
    vocab = question.vocabulary()
    data = {name for name, ndim in vocab.ndims.items() if ndim >= 1}
    for node in walk(tree):
        if not _splits(node):
            continue
        if not question.case_split or not (names_used(node) & data):
            return node
    return None


def refuse_gates(tree: Node, question: Any, text: str) -> None:
    """Raise :class:`RefusedInput` for a case split the check cannot be trusted with."""
    gate = find_gate(tree, question)
    if gate is None:
        return
    if not question.case_split:
        why = ("the derived result has no case split, and a piecewise answer could differ from it only "
               "where no instance looks; write it without comparisons, indicators, where, min/max or abs")
    else:
        why = ("it splits on sizes, indices, parameters or constants only, not on the data; a term switched on "
               "or off that way could hide where no instance looks")
    raise RefusedInput(f"{render(gate)[:80]} cannot be checked: {why}", text=text)
