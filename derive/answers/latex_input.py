r"""Read an answer written in a small LaTeX subset into our tree.

Supported: numbers and single-letter symbols, ``\theta``/``\sigma`` (the
question's Greek symbols), ``+ - * /``, ``\cdot``/``\times`` and juxtaposition
(a matrix product when both sides are vectors or matrices, otherwise a plain
product), ``\frac{a}{b}``, ``\sqrt{a}``, powers ``^2``/``^{p}``, ``^{-1}``
(inverse), transposes ``^T``/``^\top``/``^{\top}``, the sample superscript
``x^{(j)}`` (also ``x^{(j)\top}``), subscripts ``y_j``/``P_{j,i}``/``\theta_k``,
``\sum_{j=1}^{N}`` (also ``\sum_j``; the range must be the question's), the norms
``\|v\|``, ``\|v\|_2``, ``\|v\|_2^2``, the indicator ``\mathbb{1}\{a = b\}``
(also ``1\{...\}``, with ``= \neq < \le > \ge``), ``\log``, ``\exp``, ``\max(a, b)``,
parentheses with or without ``\left``/``\right``, and the spacing commands.
Anything else is a parse error pointing at its column.

A ``\sum`` takes the rest of its product term as the summand, as on paper.

Examples
--------
>>> from derive.answers.parser import Vocabulary
>>> from derive.answers.ast_nodes import render
>>> v = Vocabulary({"X": 2, "y": 1, "theta": 1, "sigma": 0, "N": 0}, frozenset({"j", "k"}),
...                aliases={"x": "X"}, ranges={"j": "N", "k": "d"})
>>> render(parse_latex(r"\frac{2}{N} X^T (X\theta - y) + 2\sigma^2\theta", v))
'2 / N * X.T @ (X @ theta - y) + 2 * sigma ** 2 * theta'
>>> render(parse_latex(r"\frac{1}{N}\sum_{j=1}^{N} (y^{(j)} - x^{(j)\top}\theta)^2", v))
'1 / N * sum(j, (y[j] - X[j].T @ theta) ** 2)'
>>> parse_latex(r"\frac{1}{N} \foo", v)
Traceback (most recent call last):
...
derive.answers.errors.AnswerParseError: parse error at column 13: unsupported LaTeX command \foo
  \frac{1}{N} \foo
              ^
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.answers.ast_nodes import (
    Bin, Call, Compare, Index, Indicator, Name, Neg, Node, Num, Slice, SumOver, Transpose,
)
from derive.answers.errors import AnswerParseError, RefusedInput
from derive.answers.parser import MAX_CONSTANT, MAX_DEPTH, MAX_EXPONENT, Vocabulary, check_limits, constant_value

__all__ = ["parse_latex", "looks_like_latex"]

_TOKEN = re.compile(r"""
    (?P<space>\s+|\\[,;:!\ ]|\\quad\b|\\qquad\b)
  | (?P<cmd>\\[A-Za-z]+|\\[|{}])
  | (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<letter>[A-Za-z])
  | (?P<op>[-+*/=<>,()\[\]{}^_|'])
""", re.VERBOSE)

_SKIP = {r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr", r"\displaystyle"}
_RELATIONS = {"=": "==", "<": "<", ">": ">", r"\neq": "!=", r"\ne": "!=", r"\le": "<=", r"\leq": "<=",
              r"\ge": ">=", r"\geq": ">="}
_FUNCS = {r"\log": "log", r"\ln": "log", r"\exp": "exp"}
_PRODUCT_CMDS = {r"\cdot", r"\times"}
_TRANSPOSE = {"T", r"\top", r"\intercal"}


def looks_like_latex(text: str) -> bool:
    """Whether ``text`` is meant as LaTeX (it contains a backslash command)."""
    return re.search(r"\\[A-Za-z|{]", text) is not None


@dataclass(frozen=True)
class _Tok:
    kind: str
    value: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    k = 0
    while k < len(text):
        m = _TOKEN.match(text, k)
        if m is None:
            raise AnswerParseError(f"unexpected character {text[k]!r}", text=text, position=k)
        kind = m.lastgroup or ""
        value = m.group()
        if kind == "cmd" and value in _SKIP:
            kind = "space"
        if kind == "cmd" and value == r"\lVert":
            value = r"\|"
        if kind == "cmd" and value == r"\rVert":
            value = r"\|"
        if kind != "space":
            out.append(_Tok(kind, value, k))
        k = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


def parse_latex(text: str, vocab: Vocabulary) -> Node:
    """Parse a LaTeX-subset answer into our tree.

    Raises
    ------
    AnswerParseError
        Anything outside the subset, with the column of the offending token.
    RefusedInput
        Over-long or too deeply nested input, or a too large exponent.
    """
    check_limits(text)
    parser = _LatexParser(text, _tokenize(text), vocab)
    try:
        node = parser.expr(0)
    except RecursionError:
        raise RefusedInput("the expression is nested too deeply", text=text) from None
    parser.expect_end()
    return node


class _LatexParser:
    def __init__(self, text: str, toks: list[_Tok], vocab: Vocabulary) -> None:
        self.text, self.toks, self.vocab, self.k = text, toks, vocab, 0
        self.in_norm = 0  # inside \| ... \|, a \| closes the norm (no nested norms)

    # -- token helpers ----------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        return self.toks[self.k]

    def at(self, *values: str) -> bool:
        return self.tok.value in values and self.tok.kind != "end"

    def take(self) -> _Tok:
        t = self.toks[self.k]
        self.k += 1
        return t

    def fail(self, message: str, tok: _Tok | None = None) -> AnswerParseError:
        tok = tok or self.tok
        return AnswerParseError(message, text=self.text, position=tok.pos)

    def expect(self, value: str) -> _Tok:
        if not self.at(value):
            got = "the end of the answer" if self.tok.kind == "end" else repr(self.tok.value)
            raise self.fail(f"expected {value!r}, got {got}")
        return self.take()

    def expect_end(self) -> None:
        if self.tok.kind != "end":
            raise self.fail(f"unexpected {self.tok.value!r}")

    def _guard(self, depth: int) -> None:
        if depth > 3 * MAX_DEPTH:
            raise RefusedInput(f"the expression is nested more than {MAX_DEPTH} deep", text=self.text,
                               position=self.tok.pos)

    # -- grammar ------------------------------------------------------------------------
    def expr(self, depth: int) -> Node:
        self._guard(depth)
        node = self.term(depth + 1)
        while self.at("+", "-"):
            op = self.take().value
            node = Bin(op, node, self.term(depth + 1))
        return node

    def term(self, depth: int) -> Node:
        if self.at("-"):
            self.take()
            inner = self.product(depth + 1)
            return Num(-inner.value) if isinstance(inner, Num) else Neg(inner)
        if self.at("+"):
            self.take()
        return self.product(depth + 1)

    def _starts_factor(self) -> bool:
        t = self.tok
        if t.kind in ("num", "letter"):
            return True
        if t.kind == "cmd":
            if t.value == r"\|" and self.in_norm:
                return False
            return t.value not in _RELATIONS and t.value not in _PRODUCT_CMDS and t.value != r"\}"
        return t.value in ("(", "[", "{")

    def product(self, depth: int) -> Node:
        self._guard(depth)
        node = self.power(depth + 1)
        if isinstance(node, _PendingSum):
            return node.finish(self, depth)
        while True:
            if self.at("*", r"\cdot", r"\times", "/"):
                op = self.take().value
                rhs = self.power(depth + 1)
                if isinstance(rhs, _PendingSum):
                    rhs = rhs.finish(self, depth)
                    return Bin("/", node, rhs) if op == "/" else self.mul(node, rhs)
                node = Bin("/", node, rhs) if op == "/" else self.mul(node, rhs)
            elif self._starts_factor():
                rhs = self.power(depth + 1)
                if isinstance(rhs, _PendingSum):
                    return self.mul(node, rhs.finish(self, depth))
                node = self.mul(node, rhs)
            else:
                return node

    def mul(self, a: Node, b: Node) -> Node:
        """Juxtaposition: a matrix product between arrays, else a plain product."""
        if _ndim(a, self.vocab) >= 1 and _ndim(b, self.vocab) >= 1:
            return Bin("@", a, b)
        return Bin("*", a, b)

    def power(self, depth: int) -> Node:
        self._guard(depth)
        node = self.primary(depth + 1)
        if isinstance(node, _PendingSum):
            return node
        while self.at("^", "_", "'"):
            t = self.take()
            if t.value == "'":
                node = Transpose(node)
            elif t.value == "_":
                node = self.subscript(node, t, depth + 1)
            else:
                node = self.superscript(node, t, depth + 1)
        return node

    def _group_tokens(self) -> tuple[int, int]:
        """Token range of the next ``{...}`` group or single token."""
        if self.at("{"):
            start, level = self.k, 0
            for k in range(self.k, len(self.toks)):
                if self.toks[k].value == "{" and self.toks[k].kind == "op":
                    level += 1
                elif self.toks[k].value == "}" and self.toks[k].kind == "op":
                    level -= 1
                    if level == 0:
                        return start + 1, k
            raise self.fail("'{' is never closed")
        return self.k, self.k + 1

    def superscript(self, base: Node, caret: _Tok, depth: int) -> Node:
        lo, hi = self._group_tokens()
        braced = self.at("{")
        toks = self.toks[lo:hi]
        values = [t.value for t in toks]
        if not toks or toks[0].kind == "end":
            raise self.fail("'^' needs an exponent", caret)
        # ^{(j)} sample superscript, optionally followed by a transpose sign
        if len(values) >= 3 and values[0] == "(" and values[2] == ")" and values[1] in self.vocab.indices:
            node: Node = Index(base, (Name(values[1]),))
            if len(values) == 4 and values[3] in _TRANSPOSE:
                node = Transpose(node)
            elif len(values) != 3:
                raise self.fail("expected ^{(j)} or ^{(j)\\top}", toks[3])
            self.k = hi + (1 if braced else 0)
            return node
        if len(values) == 1 and values[0] in _TRANSPOSE:
            self.k = hi + (1 if braced else 0)
            return Transpose(base)
        if values == ["-", "1"]:
            self.k = hi + 1
            return Call("inv", (base,))
        if braced:
            self.take()
            exponent = self.expr(depth + 1)
            self.expect("}")
        else:
            t = self.take()
            if t.kind == "num" and len(t.value) > 1:  # x^23 means x^2 · 3 in LaTeX
                raise self.fail("write multi-digit exponents in braces, e.g. ^{23}", t)
            exponent = self._atom_from(t)
        value = constant_value(exponent)
        if value is not None and not abs(value) <= MAX_EXPONENT:
            raise RefusedInput(f"the exponent {value:g} is too large (limit {MAX_EXPONENT})",
                               text=self.text, position=caret.pos)
        return Bin("**", base, exponent)

    def subscript(self, base: Node, under: _Tok, depth: int) -> Node:
        lo, hi = self._group_tokens()
        braced = self.at("{")
        toks = [t for t in self.toks[lo:hi] if t.value != ","]
        if isinstance(base, Call) and base.func == "norm":  # \|v\|_2
            if [t.value for t in toks] != ["2"]:
                raise self.fail("only the 2-norm \\|v\\|_2 is supported", under)
            self.k = hi + (1 if braced else 0)
            return base
        items: list[Node] = []
        for t in toks:
            if t.kind == "letter" and t.value in self.vocab.indices:
                items.append(Name(t.value))
            elif t.kind == "num" and t.value.isdigit():
                items.append(Num(int(t.value)))
            else:
                raise self.fail(f"a subscript must be an index ({', '.join(sorted(self.vocab.indices))}) "
                                "or a number", t)
        if not items:
            raise self.fail("empty subscript", under)
        self.k = hi + (1 if braced else 0)
        return Index(base, tuple(items))

    def _atom_from(self, t: _Tok) -> Node:
        if t.kind == "num":
            return _number(t, self)
        if t.kind == "letter":
            return self.name(t)
        if t.kind == "cmd" and t.value[1:] in self.vocab.ndims:
            return Name(t.value[1:])
        raise self.fail(f"unexpected {t.value!r}", t)

    def name(self, t: _Tok) -> Node:
        resolved = self.vocab.resolve(t.value)
        if resolved is None:
            raise self.fail(f"unknown symbol {t.value!r}; this question knows: {self.vocab.known()}", t)
        return Name(resolved)

    def primary(self, depth: int) -> Node:
        t = self.tok
        if t.kind == "end":
            raise self.fail("the answer ends too early")
        if t.kind == "num":
            self.take()
            if t.value == "1" and self.at(r"\{"):
                return self.indicator(depth)
            return _number(t, self)
        if t.kind == "letter":
            self.take()
            return self.name(t)
        if t.value in ("(", "["):
            self.take()
            inner = self.expr(depth + 1)
            self.expect(")" if t.value == "(" else "]")
            return inner
        if t.value == "{":
            self.take()
            inner = self.expr(depth + 1)
            self.expect("}")
            return inner
        if t.kind == "cmd":
            return self.command(t, depth)
        raise self.fail(f"unexpected {t.value!r}")

    def command(self, t: _Tok, depth: int) -> Node:
        v = t.value
        self.take()
        if v[1:] in self.vocab.ndims:
            return Name(v[1:])
        if v == r"\frac":
            num = self.braced(depth)
            den = self.braced(depth)
            return Bin("/", num, den)
        if v == r"\sqrt":
            return Call("sqrt", (self.braced(depth),))
        if v == r"\|":
            if self.in_norm:
                raise self.fail("nested norms are not supported", t)
            self.in_norm += 1
            inner = self.expr(depth + 1)
            self.in_norm -= 1
            self.expect(r"\|")
            return Call("norm", (inner,))
        if v == r"\mathbb":
            self.expect("{")
            self.expect("1")
            self.expect("}")
            return self.indicator(depth)
        if v in _FUNCS:
            return Call(_FUNCS[v], (self.power(depth + 1),))
        if v == r"\max":
            self.expect("(")
            a = self.expr(depth + 1)
            self.expect(",")
            b = self.expr(depth + 1)
            self.expect(")")
            return Call("maximum", (a, b))
        if v == r"\sum":
            return self.sum_limits(t)
        raise self.fail(f"unsupported LaTeX command {v}", t)

    def braced(self, depth: int) -> Node:
        self.expect("{")
        inner = self.expr(depth + 1)
        self.expect("}")
        return inner

    def indicator(self, depth: int) -> Node:
        self.expect(r"\{")
        left = self.expr(depth + 1)
        if not (self.tok.value in _RELATIONS and self.tok.kind in ("op", "cmd")):
            raise self.fail("expected a comparison (=, \\neq, <, \\le, >, \\ge) in the indicator")
        op = _RELATIONS[self.take().value]
        right = self.expr(depth + 1)
        self.expect(r"\}")
        return Indicator(Compare(op, left, right))

    def sum_limits(self, sum_tok: _Tok) -> _PendingSum:
        self.expect("_")
        lo, hi = self._group_tokens()
        braced = self.at("{")
        toks = self.toks[lo:hi]
        if not toks or toks[0].kind != "letter" or toks[0].value not in self.vocab.indices:
            raise self.fail(f"\\sum needs an index ({', '.join(sorted(self.vocab.indices))}) below it",
                            toks[0] if toks else sum_tok)
        var = toks[0].value
        size = self.vocab.ranges.get(var, "?")
        lower = "".join(t.value for t in toks[1:])
        if lower not in ("", "=1", "=0"):
            raise self.fail(f"the sum over {var} must start at 1 (or 0)", toks[1])
        self.k = hi + (1 if braced else 0)
        if self.at("^"):
            caret = self.take()
            lo, hi = self._group_tokens()
            braced = self.at("{")
            upper = "".join(t.value for t in self.toks[lo:hi])
            wanted = size if lower != "=0" else f"{size}-1"
            if lower == "" or upper != wanted:
                start = "0" if lower == "=0" else "1"
                raise self.fail(f"in this question {var} runs over {start}..{wanted}", caret)
            self.k = hi + (1 if braced else 0)
        return _PendingSum(var)


@dataclass(frozen=True)
class _PendingSum(Node):
    """A ``\\sum`` whose summand is the rest of the product term."""

    var: str

    def finish(self, parser: _LatexParser, depth: int) -> Node:
        if not parser._starts_factor() and not parser.at("-"):
            raise parser.fail(f"\\sum over {self.var} needs a summand")
        return SumOver(self.var, parser.term(depth + 1))


def _number(t: _Tok, parser: _LatexParser) -> Num:
    value: int | float = float(t.value) if "." in t.value else int(t.value)
    if abs(value) > MAX_CONSTANT:
        raise RefusedInput(f"the number {t.value:.40} is too large", text=parser.text, position=t.pos)
    return Num(value)


def _ndim(node: Node, vocab: Vocabulary) -> int:
    """Number of dimensions of ``node`` (for reading juxtaposition)."""
    if isinstance(node, Num):
        return 0
    if isinstance(node, Name):
        return vocab.ndims.get(node.id, 0)
    if isinstance(node, Neg | Transpose):
        return _ndim(node.operand, vocab)
    if isinstance(node, Index):
        return max(0, _ndim(node.base, vocab) - sum(not isinstance(i, Slice) for i in node.items))
    if isinstance(node, Bin):
        a, b = _ndim(node.left, vocab), _ndim(node.right, vocab)
        if node.op == "@":
            return max(0, a + b - 2) if a and b else max(a, b)
        return a if node.op == "**" else max(a, b)
    if isinstance(node, SumOver):
        return _ndim(node.body, vocab)
    if isinstance(node, Call):
        if node.func == "norm":
            return 0
        if node.func == "inv":
            return 2
        return max((_ndim(a, vocab) for a in node.args), default=0)
    return 0
