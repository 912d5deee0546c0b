r"""Read an answer written in a small LaTeX subset into our tree.

Supported: numbers and single-letter symbols, ``\theta``/``\sigma`` (the
question's Greek symbols), ``+ - * /``, ``\cdot``/``\times`` and juxtaposition
(a matrix product when both sides are vectors or matrices, otherwise a plain
product), ``\frac{a}{b}``, ``\sqrt{a}``, powers ``^2``/``^{p}``, ``^{-1}``
(inverse), transposes ``^T``/``^\top``/``^{\top}``, the sample superscript
``x^{(j)}`` (also ``x^{(j)\top}``), subscripts ``y_j``/``P_{j,i}``/``\theta_k``,
``\sum_{j=1}^{N}`` (also ``\sum_j``, and 0-based ``\sum_{i=0}^{N-1}``), the norms
``\|v\|``, ``\|v\|_2``, ``\|v\|_2^2``, the indicator ``\mathbb{1}\{a = b\}``
(also ``1\{...\}``, ``1_{\{...\}}``, ``\mathbb{I}[...]``, with ``= \neq < \le > \ge``),
``\log``/``\ln``, ``\exp``, ``\max(a, b)``, parentheses with or without
``\left``/``\right``, and the spacing commands.  Notation as students write it:
any letter as a sum's index (it stands for the question's index over the same range,
inside that sum only: ``\sum_{i=1}^{N}`` sums over the samples); function names in
``\text``/``\operatorname``/``\mathrm``/``\mathit`` (``\text{softmax}_i(x^{(j)})``,
also ``\sigma_i(x^{(j)})`` where σ is no noise level, is the entry P[j, i]); a size's
other case when unambiguous (``C`` for ``c``); Unicode σ θ ‖ ² ᵀ ∑ (the tokens of
:mod:`derive.answers.latex_lexer`).  Anything else is a parse error pointing at its column.

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

from derive.answers.ast_nodes import (
    Bin, Call, Compare, Index, Indicator, Name, Neg, Node, Num, Slice, SumOver, Transpose,
)
from derive.answers.errors import RefusedInput
from derive.answers.functions import LATEX_NAMES, Function
from derive.answers.latex_lexer import Tok, looks_like_latex, tokenize
from derive.answers.latex_scripts import LatexScripts, PendingSum
from derive.answers.limits import MAX_CONSTANT, MAX_DEPTH, check_limits
from derive.answers.vocabulary import Vocabulary

__all__ = ["parse_latex", "looks_like_latex", "LatexParser"]

_RELATIONS = {"=": "==", "<": "<", ">": ">", r"\neq": "!=", r"\ne": "!=", r"\le": "<=", r"\leq": "<=",
              r"\ge": ">=", r"\geq": ">="}
_PRODUCT_CMDS = {r"\cdot", r"\times"}


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
    parser = LatexParser(text, tokenize(text), vocab)
    try:
        node = parser.expr(0)
    except RecursionError:
        raise RefusedInput("the expression is nested too deeply", text=text) from None
    parser.expect_end()
    return node


class LatexParser(LatexScripts):
    """The recursive-descent parser of the LaTeX subset (its scripts in :class:`LatexScripts`)."""

    def __init__(self, text: str, toks: list[Tok], vocab: Vocabulary) -> None:
        super().__init__(text, toks)
        self.vocab = vocab
        self.in_norm = 0  # inside \| ... \|, a \| closes the norm (no nested norms)
        self.renamed: list[tuple[str, str]] = []  # sum letters as written -> the question's index, innermost last

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

    def starts_factor(self) -> bool:
        t = self.tok
        if t.kind in ("num", "letter", "word"):
            return True
        if t.kind == "cmd":
            if t.value == r"\|" and self.in_norm:
                return False
            return t.value not in _RELATIONS and t.value not in _PRODUCT_CMDS and t.value != r"\}"
        return t.value in ("(", "[", "{")

    #: the written product and division signs (a subclass may read more, e.g. \circ)
    PRODUCT_OPS: tuple[str, ...] = ("*", r"\cdot", r"\times", "/")

    def product_of(self, a: Node, b: Node, op: str) -> Node:
        """``a op b`` for a written product sign ``op`` (not ``/``)."""
        return self.mul(a, b)

    def product(self, depth: int) -> Node:
        self._guard(depth)
        node = self.power(depth + 1)
        if isinstance(node, PendingSum):
            return node.finish(self, depth)
        while True:
            if self.at(*self.PRODUCT_OPS):
                op = self.take().value
                rhs = self.power(depth + 1)
                if isinstance(rhs, PendingSum):
                    rhs = rhs.finish(self, depth)
                    return Bin("/", node, rhs) if op == "/" else self.product_of(node, rhs, op)
                node = Bin("/", node, rhs) if op == "/" else self.product_of(node, rhs, op)
            elif self.starts_factor():
                rhs = self.power(depth + 1)
                if isinstance(rhs, PendingSum):
                    return self.mul(node, rhs.finish(self, depth))
                node = self.mul(node, rhs)
            else:
                return node

    def mul(self, a: Node, b: Node) -> Node:
        """Juxtaposition: a matrix product between arrays, else a plain product.

        Vectors are columns on paper, so a vector times a transposed vector
        (``\\theta\\theta^\\top``, ``x^{(j)} x^{(j)\\top}``) is their outer product.
        """
        if (_ndim(a, self.vocab) == 1 and isinstance(b, Transpose) and _ndim(b.operand, self.vocab) == 1
                and not isinstance(a, Transpose)):
            return Call("outer", (a, b.operand))
        if _ndim(a, self.vocab) >= 1 and _ndim(b, self.vocab) >= 1:
            return Bin("@", a, b)
        return Bin("*", a, b)

    def power(self, depth: int) -> Node:
        self._guard(depth)
        node = self.primary(depth + 1)
        if isinstance(node, PendingSum):
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

    def atom_from(self, t: Tok) -> Node:
        if t.kind == "num":
            return _number(t, self)
        if t.kind == "letter":
            return self.name(t)
        if t.kind == "cmd" and t.value[1:] in self.vocab.ndims:
            return Name(t.value[1:])
        raise self.fail(f"unexpected {t.value!r}", t)

    def name(self, t: Tok) -> Node:
        renamed = self.index_name(t.value)
        if renamed is not None:
            return Name(renamed)
        resolved = self.vocab.resolve(t.value)
        if resolved is None and len(t.value) == 1:  # C for the class count c: the other case, when unambiguous
            other = self.vocab.resolve(t.value.swapcase())
            if other is not None and self.vocab.ndims.get(other, 1) == 0 and other not in self.vocab.indices:
                resolved = other
        if resolved is None:
            raise self.fail(f"unknown symbol {t.value!r}; this question knows: {self.vocab.known()}", t)
        return Name(resolved)

    def word(self, t: Tok, depth: int) -> Node:
        r"""A function name written as a word: ``\text{softmax}_i(x^{(j)})``, ``\operatorname{log}``, ``diag``."""
        self.take()
        if t.value.lower() == "softmax":
            return self.softmax(t, depth)
        name = {"ln": "log", "tr": "trace"}.get(t.value, t.value)
        if name in LATEX_NAMES:
            return self.function(LATEX_NAMES[name], depth)
        raise self.fail(f"unsupported function {t.value!r}", t)

    def softmax(self, t: Tok, depth: int) -> Node:
        r"""``softmax_i(x^{(j)})`` (also ``\sigma_i``): the entry P[j, i] of the question's probabilities."""
        if self.vocab.ndims.get("P") != 2:
            raise self.fail("this question has no softmax probabilities P", t)
        self.expect("_")
        lo, hi = self._group_tokens()
        toks = [x for x in self.toks[lo:hi]]
        if len(toks) != 1 or toks[0].kind != "letter":
            raise self.fail("softmax needs its class index below it, e.g. softmax_i(x^{(j)})", t)
        cls = self.index_name(toks[0].value) or toks[0].value
        if cls not in self.vocab.indices:
            raise self.fail(f"softmax_{toks[0].value}: {toks[0].value} is not an index of this question", toks[0])
        self.k = hi + (1 if self.at("{") else 0)
        self.expect("(")
        arg = self.expr(depth + 1)
        self.expect(")")
        if not (isinstance(arg, Index) and isinstance(arg.base, Name) and arg.base.id == "X" and len(arg.items) == 1):
            raise self.fail("softmax_i(...) is read for one sample x^{(j)}", t)
        return Index(Name("P"), (arg.items[0], Name(cls)))

    def primary(self, depth: int) -> Node:
        t = self.tok
        if t.kind == "end":
            raise self.fail("the answer ends too early")
        if t.kind == "num":
            self.take()
            if t.value == "1" and self.at(r"\{"):
                return self.indicator(depth)
            if t.value == "1" and self.at("_") and self.peek().value == "{" and self.peek(2).value == r"\{":
                self.take()
                self.take()
                node = self.indicator(depth)  # 1_{\{a = b\}}
                self.expect("}")
                return node
            return _number(t, self)
        if t.kind == "letter":
            self.take()
            return self.name(t)
        if t.kind == "word":
            return self.word(t, depth)
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
        if t.kind == "word":  # \operatorname{tr}, \text{softmax}, a bare softmax
            self.take()
            if t.value not in LATEX_NAMES:
                raise self.fail(f"unsupported function {t.value}", t)
            return self.function(LATEX_NAMES[t.value], depth)
        raise self.fail(f"unexpected {t.value!r}")

    def command(self, t: Tok, depth: int) -> Node:
        v = t.value
        self.take()
        if v[1:] in self.vocab.ndims:
            return Name(v[1:])
        if v == r"\sigma" and self.vocab.ndims.get("P") == 2:  # σ_i(x): the softmax, where σ is no noise level
            return self.softmax(t, depth)
        if v == r"\frac":
            num = self.braced(depth)
            den = self.braced(depth)
            return Bin("/", num, den)
        if v == r"\|":
            if self.in_norm:
                raise self.fail("nested norms are not supported", t)
            self.in_norm += 1
            inner = self.expr(depth + 1)
            self.in_norm -= 1
            self.expect(r"\|")
            return Call("norm", (inner,))
        if v in (r"\mathbb", r"\mathbf", r"\mathrm"):
            self.expect("{")
            if not self.at("1", "I"):
                raise self.fail("expected \\mathbb{1} or \\mathbb{I} (an indicator)")
            self.take()
            self.expect("}")
            return self.indicator(depth, "[") if self.at("[") else self.indicator(depth)
        if v[1:] in LATEX_NAMES:
            return self.function(LATEX_NAMES[v[1:]], depth)
        if v == r"\sum":
            return self.sum_limits(t, depth)
        raise self.fail(f"unsupported LaTeX command {v}", t)

    def function(self, f: Function, depth: int) -> Node:
        """A function of the table written in LaTeX: ``\\log x``, ``\\sqrt{x}``, ``\\max(a, b)``."""
        if f.latex_form == "braced":
            return Call(f.name, (self.braced(depth),))
        if f.latex_form == "parens":
            self.expect("(")
            args = [self.expr(depth + 1)]
            while self.at(","):
                self.take()
                args.append(self.expr(depth + 1))
            self.expect(")")
            low, high = f.arity
            if not low <= len(args) <= high:
                raise self.fail(f"\\{f.latex[0]} takes {low if low == high else f'{low} to {high}'} "
                                f"argument(s), got {len(args)}")
            return Call(f.name, tuple(args))
        return Call(f.name, (self.power(depth + 1),))

    def braced(self, depth: int) -> Node:
        self.expect("{")
        inner = self.expr(depth + 1)
        self.expect("}")
        return inner

    def indicator(self, depth: int, opening: str = r"\{") -> Node:
        closing = {r"\{": r"\}", "[": "]"}[opening]
        self.expect(opening)
        left = self.expr(depth + 1)
        if not (self.tok.value in _RELATIONS and self.tok.kind in ("op", "cmd")):
            raise self.fail("expected a comparison (=, \\neq, <, \\le, >, \\ge) in the indicator")
        op = _RELATIONS[self.take().value]
        right = self.expr(depth + 1)
        self.expect(closing)
        return Indicator(Compare(op, left, right))


def _number(t: Tok, parser: LatexParser) -> Num:
    value: int | float = float(t.value) if "." in t.value else int(t.value)
    if abs(value) > MAX_CONSTANT:
        raise RefusedInput(f"the number {t.value:.40} is too large", text=parser.text, position=t.pos)
    return Num(value, t.value if isinstance(value, float) else None)


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
