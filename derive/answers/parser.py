r"""Read a numpy-like (or index-form) answer into our own tree — never evaluating it.

The text goes through :func:`ast.parse` in ``mode="eval"`` (which only *parses*),
then a walker converts the Python syntax tree into :mod:`derive.answers.ast_nodes`
against a whitelist: number literals, the question's names, the operators
``+ - * / @ **``, comparisons, ``.T``, subscripts, and calls of the functions in
:data:`~derive.answers.functions.FUNCTIONS` with their allowed keywords.
Everything else is refused with a message — above all ``__import__``, dunder
attributes, ``lambda`` and comprehensions.  Limits (in :mod:`derive.answers.limits`):
:data:`MAX_LENGTH` characters, :data:`MAX_DEPTH` nesting, :data:`MAX_NODES` syntax
nodes, exponents up to :data:`MAX_EXPONENT`, constants up to :data:`MAX_CONSTANT`,
constant allocations up to :data:`MAX_ALLOCATION` entries.

Examples
--------
>>> vocab = Vocabulary({"X": 2, "y": 1, "theta": 1, "N": 0})
>>> from derive.answers.ast_nodes import render
>>> render(parse_expression("2/N * X.T @ (X @ theta - y)", vocab))
'2 / N * X.T @ (X @ theta - y)'
>>> parse_expression("__import__('os').system('true')", vocab)
Traceback (most recent call last):
...
derive.answers.errors.RefusedInput: refused at column 1: '__import__' is not allowed: dunder names are never evaluated
  __import__('os').system('true')
  ^
"""

from __future__ import annotations

import ast
import math

from derive.answers.ast_nodes import (
    Bin, Call, Compare, Index, Indicator, Name, Neg, NewAxis, Node, Num, Slice, SumOver, Transpose,
)
from derive.answers.errors import AnswerParseError, RefusedInput
from derive.answers.functions import FUNCTIONS
from derive.answers.lexer import SUM_MARKER, Rewritten, rewrite_index_form
from derive.answers.limits import (
    MAX_ALLOCATION, MAX_CONSTANT, MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_NODES, check_limits, constant_value,
)
from derive.answers.vocabulary import Vocabulary

# Vocabulary, FUNCTIONS, the limits, check_limits and constant_value live in derive.answers.vocabulary,
# derive.answers.functions and derive.answers.limits; they stay importable from here.
__all__ = [
    "Vocabulary", "FUNCTIONS", "parse_expression", "check_limits", "constant_value",
    "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES", "MAX_EXPONENT", "MAX_CONSTANT", "MAX_ALLOCATION",
]

_ALLOCATORS = {"ones", "zeros", "eye"}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@", ast.Pow: "**"}
_CMPOPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_PRODUCT = ("*", "/", "@")
_FORBIDDEN = {
    ast.Lambda: "lambda expressions", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "generator expressions",
    ast.NamedExpr: "assignment expressions", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.JoinedStr: "f-strings", ast.Starred: "starred arguments",
}


def parse_expression(text: str, vocab: Vocabulary) -> Node:
    """Parse a numpy-like or index-form answer into our tree.

    Raises
    ------
    AnswerParseError
        When the text is not a valid expression of the accepted syntax.
    RefusedInput
        When it uses something never evaluated (dunders, lambda, ...) or exceeds a limit.
    """
    check_limits(text)
    rewritten = rewrite_index_form(text, vocab.subscriptable(), vocab.indices)
    try:
        tree = ast.parse(rewritten.text.strip() or "()", mode="eval")
    except SyntaxError as exc:
        col = rewritten.original_column((exc.offset or 1) - 1 + _lstrip(rewritten.text))
        detail = "" if exc.msg == "invalid syntax" else f" ({exc.msg})"
        raise AnswerParseError(f"invalid syntax{detail}", text=text, position=col) from None
    except (RecursionError, MemoryError):
        raise RefusedInput("the expression is nested too deeply", text=text) from None
    walker = _Walker(vocab, rewritten, text, rewritten.text.strip() or "()")
    walker.prescan(tree)
    try:
        return walker.convert(tree.body, 0)
    except RecursionError:
        raise RefusedInput("the expression is nested too deeply", text=text) from None


def _exact_decimal(typed: str) -> bool:
    """Whether ``typed`` is a plain decimal literal (``1.0009``, ``1e-50``; no underscores or hex)."""
    return len(typed) <= 64 and all(ch in "0123456789.eE+-" for ch in typed)


def _lstrip(s: str) -> int:
    return len(s) - len(s.lstrip())


class _Walker:
    def __init__(self, vocab: Vocabulary, rewritten: Rewritten, text: str, source: str) -> None:
        self.vocab, self.rw, self.text, self.source = vocab, rewritten, text, source
        self.count = 0

    # -- errors ---------------------------------------------------------------------
    def _col(self, node: ast.AST) -> int:
        return self.rw.original_column(getattr(node, "col_offset", 0) + _lstrip(self.rw.text))

    def fail(self, node: ast.AST, message: str) -> AnswerParseError:
        return AnswerParseError(message, text=self.text, position=self._col(node))

    def refuse(self, node: ast.AST, message: str) -> RefusedInput:
        return RefusedInput(message, text=self.text, position=self._col(node))

    def prescan(self, tree: ast.AST) -> None:
        """Refuse hostile constructs anywhere in the tree before converting anything."""
        for count, node in enumerate(ast.walk(tree)):
            if count > MAX_NODES:
                raise self.refuse(tree, f"the expression has more than {MAX_NODES} parts")
            for kind, what in _FORBIDDEN.items():
                if isinstance(node, kind):
                    raise self.refuse(node, f"{what} are not allowed")
            if isinstance(node, ast.Name) and (node.id.startswith("__") or node.id.endswith("__")):
                raise self.refuse(node, f"{node.id!r} is not allowed: dunder names are never evaluated")
            if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                raise self.refuse(node, f"the attribute {node.attr!r} is not allowed: only .T is")

    # -- conversion -------------------------------------------------------------------
    def convert(self, node: ast.AST, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.refuse(node, f"the expression has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise self.refuse(node, f"the expression is nested more than {MAX_DEPTH} deep")
        for kind, what in _FORBIDDEN.items():
            if isinstance(node, kind):
                raise self.refuse(node, f"{what} are not allowed")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, f"{type(node).__name__} is not part of the answer syntax")
        return method(node, depth + 1)

    def _Constant(self, node: ast.Constant, depth: int) -> Node:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.refuse(node, f"only numbers are allowed as literals, got {type(v).__name__} {v!r:.40}")
        if not math.isfinite(v) or abs(v) > MAX_CONSTANT:
            raise self.refuse(node, f"the number {v!r:.40} is too large (limit {MAX_CONSTANT:g})")
        typed = ast.get_source_segment(self.source, node) if isinstance(v, float) else None
        return Num(v, typed if typed and _exact_decimal(typed) else None)

    def _Name(self, node: ast.Name, depth: int) -> Node:
        if node.id.startswith("__") or node.id.endswith("__"):
            raise self.refuse(node, f"{node.id!r} is not allowed: dunder names are never evaluated")
        if node.id.startswith(SUM_MARKER):
            raise self.fail(node, f"'sum_{node.id[len(SUM_MARKER):]}' needs a summand after it")
        if node.id in FUNCTIONS:
            raise self.fail(node, f"the function {node.id!r} must be called, e.g. {node.id}(...)")
        resolved = self.vocab.resolve(node.id)
        if resolved is None:
            raise self.fail(node, f"unknown name {node.id!r}; this question knows: {self.vocab.known()}")
        return Name(resolved)

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Node:
        if isinstance(node.op, ast.UAdd):
            return self.convert(node.operand, depth)
        if not isinstance(node.op, ast.USub):
            raise self.fail(node, f"the operator {type(node.op).__name__} is not supported")
        inner = self.convert(node.operand, depth)
        return Num(-inner.value) if isinstance(inner, Num) else Neg(inner)

    def _BinOp(self, node: ast.BinOp, depth: int) -> Node:
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise self.fail(node, f"the operator {type(node.op).__name__} is not supported; use + - * / @ **")
        if op in _PRODUCT:
            return self._product_chain(node, depth)
        left, right = self.convert(node.left, depth), self.convert(node.right, depth)
        if op == "**":
            self._check_exponent(node, right)
            return self._fold(node, Bin(op, left, right))
        return self._fold(node, Bin(op, left, right))

    def _product_chain(self, node: ast.BinOp, depth: int) -> Node:
        """Flatten ``a * b / c @ d`` so that a ``sum_j`` marker takes the rest of the term."""
        chain: list[tuple[str | None, ast.AST]] = []
        cur: ast.AST = node
        while isinstance(cur, ast.BinOp) and _BINOPS.get(type(cur.op)) in _PRODUCT:
            chain.append((_BINOPS[type(cur.op)], cur.right))
            cur = cur.left
        chain.append((None, cur))
        chain.reverse()
        return self._build_chain(chain, depth)

    def _marker(self, node: ast.AST) -> tuple[str, bool] | None:
        neg = False
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            node, neg = node.operand, True
        if isinstance(node, ast.Name) and node.id.startswith(SUM_MARKER):
            var = node.id[len(SUM_MARKER):]
            if var not in self.vocab.indices:
                raise self.fail(node, f"cannot sum over {var!r}: the indices of this question are "
                                      f"{', '.join(sorted(self.vocab.indices))}")
            return var, neg
        return None

    def _build_chain(self, chain: list[tuple[str | None, ast.AST]], depth: int) -> Node:
        acc: Node | None = None
        for k, (op, operand) in enumerate(chain):
            marker = self._marker(operand)
            if marker is not None:
                var, neg = marker
                rest = chain[k + 1:]
                if not rest:
                    raise self.fail(operand, f"'sum_{var}' needs a summand after it")
                body = self._build_chain([(None, rest[0][1])] + rest[1:], depth + 1)
                term: Node = SumOver(var, body)
                term = Neg(term) if neg else term
                return term if acc is None else Bin(op or "*", acc, term)
            value = self.convert(operand, depth + k)
            acc = value if acc is None else Bin(op or "*", acc, value)
        assert acc is not None  # the chain is never empty
        return acc

    def _check_exponent(self, node: ast.BinOp, exponent: Node) -> None:
        value = constant_value(exponent)
        if value is not None and abs(value) > MAX_EXPONENT:
            raise self.refuse(node, f"the exponent {value:g} is too large (limit {MAX_EXPONENT})")

    def _fold(self, node: ast.AST, tree: Node) -> Node:
        """Check constant sub-expressions stay small (e.g. ``(10**12)**60``)."""
        value = constant_value(tree)
        if value is not None and (not math.isfinite(value) or abs(value) > MAX_CONSTANT):
            raise self.refuse(node, f"a constant in the answer is too large (limit {MAX_CONSTANT:g})")
        return tree

    def _Compare(self, node: ast.Compare, depth: int) -> Node:
        if len(node.ops) != 1:
            raise self.fail(node, "chained comparisons are not supported; compare two things")
        op = _CMPOPS.get(type(node.ops[0]))
        if op is None:
            raise self.fail(node, f"the comparison {type(node.ops[0]).__name__} is not supported")
        return Compare(op, self.convert(node.left, depth), self.convert(node.comparators[0], depth))

    def _Attribute(self, node: ast.Attribute, depth: int) -> Node:
        if node.attr.startswith("_"):
            raise self.refuse(node, f"the attribute {node.attr!r} is not allowed: only .T is")
        if node.attr != "T":
            raise self.fail(node, f"the attribute {node.attr!r} is not supported: only .T (transpose) is")
        return Transpose(self.convert(node.value, depth))

    def _Subscript(self, node: ast.Subscript, depth: int) -> Node:
        base = self.convert(node.value, depth)
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return Index(base, tuple(self._item(i, depth) for i in items))

    def _item(self, node: ast.AST, depth: int) -> Node:
        if isinstance(node, ast.Constant) and node.value is None:
            return NewAxis()
        if isinstance(node, ast.Slice):
            if node.step is not None:
                raise self.fail(node, "slices with a step are not supported")
            start = self.convert(node.lower, depth) if node.lower is not None else None
            stop = self.convert(node.upper, depth) if node.upper is not None else None
            return Slice(start, stop)
        return self.convert(node, depth)

    def _Call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise self.refuse(node.func, f"method calls such as .{node.func.attr}(...) are not allowed")
            raise self.fail(node, "only calls of the listed functions are allowed")
        name = node.func.id
        if name.startswith("__"):
            raise self.refuse(node, f"{name!r} is not allowed: dunder names are never evaluated")
        if name not in FUNCTIONS:
            raise self.fail(node, f"unknown function {name!r}; allowed: {', '.join(sorted(FUNCTIONS))}")
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.refuse(a, "starred arguments are not allowed")
        if name == "sum" and len(node.args) in (2, 4) and not node.keywords and isinstance(node.args[0], ast.Name):
            var = node.args[0].id
            if var not in self.vocab.indices:
                raise self.fail(node.args[0], f"sum(j, ...) sums over an index; {var!r} is not one of "
                                              f"{', '.join(sorted(self.vocab.indices))}")
            bounds = [None if isinstance(a, ast.Constant) and a.value is None else self.convert(a, depth)
                      for a in node.args[2:]]
            return SumOver(var, self.convert(node.args[1], depth), *bounds)
        (low, high), allowed = FUNCTIONS[name].arity, FUNCTIONS[name].keywords
        if not low <= len(node.args) <= high:
            want = str(low) if low == high else f"{low} to {high}"
            raise self.fail(node, f"{name}() takes {want} positional argument(s), got {len(node.args)}")
        kwargs = []
        for kw in node.keywords:
            if kw.arg is None or kw.arg not in allowed:
                shown = "**" if kw.arg is None else kw.arg
                raise self.fail(kw, f"{name}() does not accept the keyword {shown!r}"
                                    + (f"; allowed: {', '.join(sorted(allowed))}" if allowed else ""))
            kwargs.append((kw.arg, self._keyword_value(kw)))
        args = tuple(self.convert(a, depth) for a in node.args)
        if name in _ALLOCATORS:
            self._check_allocation(node, name, args)
        if name == "ind":
            return Indicator(args[0])
        return Call(name, args, tuple(kwargs))

    def _keyword_value(self, kw: ast.keyword) -> Node:
        v = kw.value
        if isinstance(v, ast.Constant) and v.value is None and kw.arg == "axis":
            return NewAxis()
        if isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub) and isinstance(v.operand, ast.Constant):
            v_val = -v.operand.value if isinstance(v.operand.value, int) else None
        else:
            v_val = v.value if isinstance(v, ast.Constant) else None
        if isinstance(v_val, bool) and kw.arg == "keepdims":
            return Num(int(v_val))
        if isinstance(v_val, int) and not isinstance(v_val, bool) and -3 <= v_val <= 3:
            return Num(v_val)
        raise self.fail(kw, f"the keyword {kw.arg}= takes a small integer constant"
                            + (" or None" if kw.arg == "axis" else ""))

    def _check_allocation(self, node: ast.AST, name: str, args: tuple[Node, ...]) -> None:
        total = 1.0
        for a in args:
            v = constant_value(a)
            if v is not None:
                total *= abs(v) if name != "eye" else v * v
        if total > MAX_ALLOCATION:
            raise self.refuse(node, f"{name}() would allocate {total:g} entries (limit {MAX_ALLOCATION})")

