r"""Case splits the instances never exercise, and switches built from smooth functions.

:mod:`derive.answers.gates` refuses, before any checking, the case splits a question cannot
trust at all (any split where the derived result has none; splits on sizes or parameters
alone).  Two kinds remain, found here:

* **a split on the data that never switches** on the instances drawn: ``(X[0, 0] > 3) * w``
  (the data are in [−2, 2]), ``maximum(0, X[0, 0] − 2.2)``, or two splits that are each
  exercised but whose product — a narrow window ``(x > 1.07) * (x < 1.071)`` — is zero
  wherever the check looks.  :class:`SwitchLog` watches the numeric evaluation (the
  ``observe`` hook of :func:`derive.answers.evaluate.evaluate`): every comparison,
  indicator, ``where``, two-argument ``max``/``min`` and ``abs`` must go both ways on some
  entry of some instance, and every part of the answer that contains a split must be
  non-zero somewhere; else what the split guards was never compared, and the answer is
  refused with that reason;
* **a switch built from smooth functions**: ``sqrt((N - 300)**2)`` is ``|N − 300|``,
  ``0**((C - 10)**2)`` is ``1{C = 10}``, ``exp(log(u**2) / 2)`` is ``|u|``.
  :func:`find_smooth_switch` translates the parts of the answer that depend only on sizes
  and scalar parameters (σ, reg) — and, where the derived result has no case split, the
  whole answer with the data as symbols — to SymPy with *symbolic* values, and refuses
  the answer when the result has ``Abs``, ``sign``, ``Min``/``Max``, ``Piecewise`` or a
  power of 0 in it.

Examples
--------
>>> from derive.answers.catalogue import get_question
>>> from derive.answers.parser import parse_expression
>>> q = get_question("noisy.R")
>>> find_smooth_switch(parse_expression("sigma**2 * theta @ theta + sqrt((N - 300)**2) - (300 - N)", q.vocabulary()), q)
'sqrt((N - 300) ** 2) is |N - 300| for symbolic sizes and parameters: a switch at some value'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers.ast_nodes import Bin, Call, Compare, Indicator, Node, Num, names_used, render, walk
from derive.answers.errors import EvaluationError, NotSymbolic, RefusedInput

__all__ = ["SwitchLog", "find_smooth_switch", "refuse_smooth_switches"]

_PAIRWISE = ("maximum", "minimum", "max", "min")


def _is_split(node: Node) -> bool:
    if isinstance(node, Compare | Indicator):
        return True
    if not isinstance(node, Call):
        return False
    if node.func in _PAIRWISE:
        return len(node.args) == 2  # a reduction max(S, axis=1) picks an entry, it does not switch
    return node.func in ("abs", "where", "ind")


def _ways(first: str, a: bool, second: str, b: bool) -> set[str]:
    return ({first} if a else set()) | ({second} if b else set())


def _outcomes(node: Node, value: Any, operands: tuple[Any, ...]) -> set[str]:
    """Which ways the split ``node`` went on this evaluation."""
    with np.errstate(all="ignore"):
        if isinstance(node, Call) and node.func == "where":
            c = np.asarray(operands[0], dtype=float)
            return _ways("then", bool(np.any(c != 0)), "else", bool(np.any(c == 0)))
        if isinstance(node, Call) and node.func in _PAIRWISE:
            a, b = (np.asarray(x, dtype=float) for x in operands[:2])
            return _ways("first", bool(np.any(a > b)), "second", bool(np.any(a < b)))
        if isinstance(node, Call) and node.func == "abs":
            x = np.asarray(operands[0], dtype=float)
            return _ways("positive", bool(np.any(x > 0)), "negative", bool(np.any(x < 0)))
        v = np.asarray(value, dtype=float)  # comparisons, indicators, ind(): 0/1 values
        return _ways("on", bool(np.any(v != 0)), "off", bool(np.any(v == 0)))


class SwitchLog:
    """Records, over the numeric instances, which way each case split of ``tree`` went."""

    def __init__(self, tree: Node) -> None:
        self.tree = tree  # keeps the nodes (and their ids) alive
        nodes = list(walk(tree))
        self.splits = {id(n): n for n in nodes if _is_split(n)}
        self.guarded = {id(n): n for n in nodes if any(_is_split(m) for m in walk(n))}
        self.seen: dict[int, set[str]] = {k: set() for k in self.splits}
        self.nonzero: set[int] = set()
        self.evaluations = 0

    def __call__(self, node: Node, value: Any, operands: tuple[Any, ...]) -> None:
        key = id(node)
        if key == id(self.tree):
            self.evaluations += 1
        try:
            if key in self.guarded and key not in self.nonzero:
                with np.errstate(all="ignore"):
                    if np.any(np.asarray(value, dtype=float) != 0):
                        self.nonzero.add(key)
            if key in self.splits and len(self.seen[key]) < 2:
                self.seen[key] |= _outcomes(node, value, operands)
        except (TypeError, ValueError, IndexError):
            self.seen.pop(key, None)  # not a numeric value: nothing to say about it

    def unexercised(self) -> str | None:
        """Why a split of the answer was never exercised (None when every one was)."""
        if not self.evaluations:
            return None
        for key, node in self.splits.items():
            if key in self.seen and len(self.seen[key]) < 2:
                way = next(iter(self.seen[key]), "neither way")
                return (f"{render(node)[:80]} never switches on the instances drawn (it always went '{way}'), "
                        "so what it guards is never compared with the derived result")
        for key, node in self.guarded.items():
            if key not in self.nonzero:
                return (f"{render(node)[:80]} is zero on every instance drawn: its case split switches it off "
                        "wherever the check looks, so it is never compared with the derived result")
        return None


# -- switches built from smooth functions -----------------------------------------------------------

def _non_analytic(expr: Any) -> Any:
    """A part of the SymPy expression that switches (|u|, sign, min/max, piecewise, 0**u), or None."""
    import sympy as sp

    for sub in sp.preorder_traversal(expr):
        if isinstance(sub, sp.Abs | sp.sign | sp.Heaviside | sp.Piecewise | sp.Min | sp.Max | sp.floor
                      | sp.ceiling):
            return sub
        if isinstance(sub, sp.Pow) and sub.base == 0 and not sub.exp.is_number:
            return sub
    return None


def _scalar_symbols(question: Any) -> dict[str, Any]:
    import sympy as sp

    env: dict[str, Any] = {}
    for s in question.symbols:
        if s.kind == "size":
            env[s.name] = sp.Symbol(s.name, integer=True, positive=True)
        elif s.kind == "index":
            env[s.name] = sp.Symbol(s.name, integer=True, nonnegative=True)
        elif s.kind == "input" and not s.shape:
            env[s.name] = sp.Symbol(s.name, positive=True) if s.positive else sp.Symbol(s.name, real=True)
    return env


def _translate(node: Node, env: dict[str, Any], question: Any) -> Any:
    from derive.answers.to_sympy import to_sympy

    try:
        return to_sympy(node, env, ranges=question.ranges)
    except (NotSymbolic, EvaluationError, ArithmeticError, RecursionError):
        return None


#: functions through which a smooth-looking answer can build |u| or a step (sqrt(u**2), exp(log(u**2)/2), ...)
_KINK_CAPABLE = frozenset({"sqrt", "norm", "exp", "log", "logsumexp", "softmax"})


def _may_switch(tree: Node) -> bool:
    """Whether the answer has a construct that can hide a switch: one of :data:`_KINK_CAPABLE`, or a
    power whose exponent is not a whole-number literal (``u**0.5``, ``0**((N-7)**2)``)."""
    for node in walk(tree):
        if isinstance(node, Call) and node.func in _KINK_CAPABLE:
            return True
        if isinstance(node, Bin) and node.op == "**":
            if not (isinstance(node.right, Num) and isinstance(node.right.value, int)):
                return True
    return False


def find_smooth_switch(tree: Node, question: Any) -> str | None:
    """Why the answer has a switch built from smooth functions (None when it has none)."""
    if not _may_switch(tree):
        return None
    scalars = _scalar_symbols(question)
    data = {s.name for s in question.symbols if s.kind in ("input", "derived")} - set(scalars)
    bound = set(question.ranges) | {name for name, _ in question.stacked}
    seen: set[int] = set()
    for node in walk(tree):  # the largest parts over sizes and scalar parameters only
        names = names_used(node)
        if id(node) in seen or not names or names & (data | bound) or not names <= set(scalars):
            continue
        seen.update(id(n) for n in walk(node))
        value = _translate(node, scalars, question)
        found = None if value is None or isinstance(value, np.ndarray) else _non_analytic(value)
        if found is not None:
            return f"{render(node)[:80]} is {_shown(found)} for symbolic sizes and parameters: a switch at some value"
    if not question.case_split:
        return _whole_answer_switch(tree, question, scalars)
    return None


def _whole_answer_switch(tree: Node, question: Any, scalars: dict[str, Any]) -> str | None:
    """The answer with the data as real symbols at small sizes (the derived result has no case split)."""
    from derive.answers.to_sympy import element_symbols

    sizes = {n: min(hi, max(lo, 2)) for n, (lo, hi) in question.sizes.items()}
    env: dict[str, Any] = dict(scalars)
    env.update(sizes)
    for s in question.symbols:
        if s.kind == "input" and s.shape:
            env[s.name] = element_symbols(s.name, tuple(sizes[d] for d in s.shape), real=True)
        elif s.kind == "derived" and s.name == "I" and s.shape:
            env[s.name] = np.eye(sizes[s.shape[0]], dtype=int).astype(object)
    value = _translate(tree, env, question)
    if value is None:
        return None
    entries = value.ravel() if isinstance(value, np.ndarray) else [value]
    for e in entries:
        found = _non_analytic(e)
        if found is not None:
            return f"the answer contains {_shown(found)} for symbolic data: a switch at some value of the data"
    return None


def _shown(expr: Any) -> str:
    import sympy as sp

    if isinstance(expr, sp.Abs):
        return f"|{expr.args[0]}|"
    if isinstance(expr, sp.Pow) and expr.base == 0:
        return f"0**({expr.exp}), 1 where the exponent is 0 and 0 elsewhere"
    return str(expr)[:80]


def refuse_smooth_switches(tree: Node, question: Any, text: str) -> None:
    """Raise :class:`RefusedInput` for a switch built from smooth functions."""
    why = find_smooth_switch(tree, question)
    if why is not None:
        raise RefusedInput(f"cannot be checked: {why}; the instances could miss where it switches", text=text)


#: the largest size an escape instance is evaluated at exactly (a larger zero is left to the float stage,
#: where a product of that many factors is no longer small)
ESCAPE_CAP = 40


def escape_sizes(tree: Node, question: Any) -> list[dict[str, int]]:
    """Sizes past every integer zero of the answer's parts over sizes alone.

    ``1e-50 * (N - 1) * … * (N - 6)`` is zero at every size the exact stage draws (N ≤ 6) and too small
    for float64 at any other: each size-only part is translated to SymPy with symbolic sizes, its largest
    integer zero ``z`` found (:func:`derive.zero.vanishing_points`), and that size — or, for an index,
    every size — is set to ``z + 2`` (the others at their smallest) for one more exact instance.
    """
    import sympy as sp

    from derive.zero import vanishing_points

    scalars = _scalar_symbols(question)
    sizes = [s.name for s in question.symbols if s.kind == "size"]
    allowed = set(sizes) | {s.name for s in question.symbols if s.kind == "index"} | set(question.ranges)
    raise_to: dict[str, int] = {}
    for node in walk(tree):
        names = names_used(node)
        if not names or not names <= allowed:
            continue
        env = dict(scalars)
        for name in names - set(env):
            env[name] = sp.Symbol(name, integer=True)
        value = _translate(node, env, question)
        if value is None or isinstance(value, np.ndarray) or not hasattr(value, "free_symbols"):
            continue
        for sym, z in vanishing_points(value, cap=ESCAPE_CAP).items():
            if z < 6 or z + 2 > ESCAPE_CAP:
                continue
            for n in ([str(sym)] if str(sym) in question.sizes else list(question.sizes)):
                lo, hi = question.sizes[n]
                raise_to[n] = max(raise_to.get(n, lo), min(hi, max(lo, z + 2)))
    if not raise_to:
        return []
    low = {n: lohi[0] for n, lohi in question.sizes.items()}
    points = [{**low, n: v} for n, v in raise_to.items()]
    together = {**low, **raise_to}  # factors in two sizes: (N - 1)…(N - 6)·(d - 1)…(d - 6)
    return points + ([together] if together not in points else [])

