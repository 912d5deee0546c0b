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
:mod:`derive.answers.latex_lexer`); and the forms read by :mod:`derive.answers.latex_forms`
(``P(y = i \mid x^{(j)}, \theta)``, ``e^{a}``, ``\mathbf{x}``, ``x^T_i``, …).  An answer pasted with
its name in front (``R = ...``) is read from the right-hand side.  Anything else is a parse error
pointing at its column.

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
from derive.answers.errors import AnswerParseError, RefusedInput
from derive.answers.functions import LATEX_NAMES, Function
from derive.answers.latex_forms import CASE_WORDS, RELATIONS, LatexForms, top_level_equals
from derive.answers.latex_lexer import Tok, looks_like_latex, tokenize
from derive.answers.latex_scripts import PendingSum
from derive.answers.limits import MAX_CONSTANT, MAX_DEPTH, check_limits
from derive.answers.vocabulary import Vocabulary

__all__ = ["parse_latex", "looks_like_latex", "LatexParser"]

_PRODUCT_CMDS = {r"\cdot", r"\times"}
_DECORATIONS = {r"\hat", r"\tilde", r"\bar", r"\widehat", r"\widetilde", r"\overline"}
#: Greek letters (as commands) a question may not have: an unknown symbol, not an unsupported command
_GREEK_NAMES = frozenset("""alpha beta gamma delta epsilon varepsilon zeta eta theta iota kappa lambda mu nu xi pi rho
    sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega""".split())


def parse_latex(text: str, vocab: Vocabulary) -> Node:
    """Parse a LaTeX-subset answer into our tree.

    The answer may be pasted with the name of the result in front, ``R = \\sigma^2\\|\\theta\\|^2`` or
    ``\\nabla_{w_i}\\mathcal{L} = ...``: when the left-hand side of a single top-level ``=`` is not an
    expression of the question's symbols, it is read as that name and only the right-hand side is
    the answer (the name itself is not checked).  Two expressions either side of ``=``, or a chain
    ``a = b = c``, are refused: a claim is for ``gradproof check-derivation``.

    Raises
    ------
    AnswerParseError
        Anything outside the subset, with the column of the offending token.
    RefusedInput
        Over-long or too deeply nested input, or a too large exponent.
    """
    check_limits(text)
    toks = tokenize(text)
    equals = top_level_equals(toks)
    if equals:
        if len(equals) > 1:
            raise AnswerParseError("a chain of equalities: give one result (the right-hand side alone), or check "
                                   "the chain line by line with gradproof check-derivation",
                                   text=text, position=toks[equals[1]].pos)
        eq = equals[0]
        left = [*toks[:eq], Tok("end", "", toks[eq].pos)]
        try:
            _parse_tokens(text, left, vocab)
        except (AnswerParseError, RefusedInput):
            pass  # not an expression of the question: the result's name (R, \theta^*, \nabla_w L, E[...])
        else:
            raise AnswerParseError("both sides of '=' are expressions: give the result alone (the right-hand "
                                   "side), or check the step with gradproof check-derivation",
                                   text=text, position=toks[eq].pos)
        toks = toks[eq + 1:]
        if toks[0].kind == "end":
            raise AnswerParseError("nothing after '=': expected the result", text=text, position=toks[0].pos)
    return _parse_tokens(text, toks, vocab)


def _parse_tokens(text: str, toks: list[Tok], vocab: Vocabulary) -> Node:
    parser = LatexParser(text, toks, vocab)
    try:
        node = parser.expr(0)
    except RecursionError:
        raise RefusedInput("the expression is nested too deeply", text=text) from None
    parser.expect_end()
    return node


class LatexParser(LatexForms):
    """The recursive-descent parser of the LaTeX subset (its scripts in :class:`LatexScripts`)."""

    def __init__(self, text: str, toks: list[Tok], vocab: Vocabulary) -> None:
        super().__init__(text, toks)
        self.vocab = vocab
        self.in_norm = 0  # inside \| ... \|, a \| closes the norm (no nested norms)
        self.renamed: list[tuple[str, str]] = []  # sum letters as written -> the question's index, innermost last

    def node_ndim(self, node: Node) -> int:
        return _ndim(node, self.vocab)

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
        if t.kind == "word":
            return t.value not in CASE_WORDS
        if t.kind in ("num", "letter"):
            return True
        if t.kind == "cmd":
            if t.value == r"\|" and self.in_norm:
                return False
            return (t.value not in RELATIONS and t.value not in _PRODUCT_CMDS
                    and t.value not in (r"\}", r"\rangle", r"\cr", r"\end"))
        return t.value in ("(", "[", "{")

    def product(self, depth: int) -> Node:
        self._guard(depth)
        node = self.power(depth + 1)
        if isinstance(node, PendingSum):
            return node.finish(self, depth)
        while True:
            if self.at("*", r"\cdot", r"\times", "/"):
                op = self.take().value
                rhs = self.power(depth + 1)
                if isinstance(rhs, PendingSum):
                    rhs = rhs.finish(self, depth)
                    return Bin("/", node, rhs) if op == "/" else self.mul(node, rhs)
                node = Bin("/", node, rhs) if op == "/" else self.mul(node, rhs)
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
        first = self.tok
        node = self.primary(depth + 1)
        if isinstance(node, PendingSum):
            return node
        scripted_transpose = False  # a transpose written as a script here (x^T), not one inside parentheses
        while self.at("^", "_", "'"):
            t = self.take()
            if t.value == "'":
                node, scripted_transpose = Transpose(node), True
            elif t.value == "_" and scripted_transpose and isinstance(node, Transpose):
                node = Transpose(self.transposed_subscript(node.operand, first, t, depth + 1))
                scripted_transpose = False
            elif t.value == "_":
                node = self.subscript(node, t, depth + 1)
            else:
                before = node
                node = self.superscript(node, t, depth + 1)
                scripted_transpose = isinstance(node, Transpose) and node.operand == before
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
        if t.value == "E" and self.vocab.resolve("E") is None:
            raise self.expectation_error(t)
        name = {"ln": "log", "tr": "trace"}.get(t.value, t.value)
        if name in LATEX_NAMES:
            return self.function(LATEX_NAMES[name], depth)
        raise self.fail(f"unsupported function {t.value!r}", t)

    def primary(self, depth: int) -> Node:
        t = self.tok
        if t.kind == "end":
            raise self.fail("the answer ends too early")
        if t.kind == "num":
            self.take()
            indicator = self.indicator_after(plain=True, depth=depth) if t.value == "1" else None
            return indicator if indicator is not None else _number(t, self)
        if t.kind == "letter":
            self.take()
            if t.value == "e" and self.at("^") and self.vocab.resolve("e") is None:  # e^{a}: exp(a)
                return self.euler_power(t, depth)
            if t.value == "P" and self.at("(") and self.vocab.ndims.get("P") == 2:
                return self.conditional_probability(t, depth)
            if t.value == "E" and self.at("[", "_") and self.vocab.resolve("E") is None:
                raise self.expectation_error(t)
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
            if self.tok.kind == "num" and len(self.tok.value) == 2 and self.tok.value.isdigit():  # \frac12
                digits = self.take()
                return Bin("/", Num(int(digits.value[0])), Num(int(digits.value[1])))
            num = self.argument(depth)
            den = self.argument(depth)
            return Bin("/", num, den)
        if v == r"\langle":  # <a, b>: the inner product
            left = self.expr(depth + 1)
            self.expect(",")
            right = self.expr(depth + 1)
            self.expect(r"\rangle")
            if max(self.node_ndim(left), self.node_ndim(right)) >= 2:
                raise self.fail("<A, B> of matrices is not read: write \\operatorname{tr}(A^\\top B)", t)
            return Bin("@", Transpose(left), right) if self.node_ndim(left) >= 1 else Bin("*", left, right)
        if v == r"\|":
            if self.in_norm:
                raise self.fail("nested norms are not supported", t)
            self.in_norm += 1
            inner = self.expr(depth + 1)
            self.in_norm -= 1
            self.expect(r"\|")
            return Call("norm", (inner,))
        if v in _DECORATIONS:
            return self.decorated(t, depth)
        if v == r"\E" or (v in (r"\mathbb", r"\mathbf", r"\mathrm", r"\mathcal") and self.peek().value == "E"):
            raise self.expectation_error(t)
        if v in (r"\nabla", r"\partial"):
            raise self.fail(f"{v} is an operator, not a result: give what the derivative comes to (a leading "
                            "'\\nabla_w L =' naming the result is fine)", t)
        if v[1:] in _GREEK_NAMES:
            raise self.fail(f"unknown symbol {v}; this question knows: {self.vocab.known()}", t)
        if v in (r"\mathbb", r"\mathbf", r"\mathrm", r"\boldsymbol", r"\bm", r"\vec", r"\pmb", r"\mathds",
                 r"\mathbbm"):
            return self.typeface(t, depth)
        if v == r"\one":  # 𝟙{...}
            indicator = self.indicator_after(plain=False, depth=depth)
            if indicator is None:
                raise self.fail("expected 𝟙{a = b}: an indicator needs its comparison", t)
            return indicator
        if v == r"\begin" and self.environment() == "cases":
            return self.cases(t, depth)
        if v[1:] in LATEX_NAMES:
            return self.function(LATEX_NAMES[v[1:]], depth)
        if v == r"\sum":
            return self.sum_limits(t, depth)
        raise self.fail(f"unsupported LaTeX command {v}", t)

    def function(self, f: Function, depth: int) -> Node:
        """A function of the table written in LaTeX: ``\\log x``, ``\\sqrt{x}``, ``\\max(a, b)``, ``\\log_{2} x``."""
        if f.name == "log" and self.at("_"):
            under = self.take()
            lo, hi = self._group_tokens()
            braced = self.at("{")
            toks = self.toks[lo:hi]
            written = "".join(x.value for x in toks)
            if not (written == "e" or (len(toks) == 1 and toks[0].kind == "num" and 0 < float(written) != 1)):
                raise self.fail(f"expected a logarithm's base (\\log_e, \\log_2, \\log_{{10}}), got \\log_{written}",
                                under)
            self.k = hi + (1 if braced else 0)
            arg = self.function(f, depth + 1)
            return arg if written == "e" else Bin("/", arg, Call("log", (_number(toks[0], self),)))
        if f.latex_form == "braced":
            return Call(f.name, (self.braced(depth),))
        if f.latex_form == "parens":
            closing = r"\}" if self.at(r"\{") else ")"  # \max\{0, a\} as well as \max(0, a)
            self.expect("(" if closing == ")" else r"\{")
            args = [self.expr(depth + 1)]
            while self.at(","):
                self.take()
                args.append(self.expr(depth + 1))
            self.expect(closing)
            low, high = f.arity
            if not low <= len(args) <= high:
                raise self.fail(f"\\{f.latex[0]} takes {low if low == high else f'{low} to {high}'} "
                                f"argument(s), got {len(args)}")
            return Call(f.name, tuple(args))
        return Call(f.name, (self.power(depth + 1),))

    def argument(self, depth: int) -> Node:
        """A command's argument: ``{...}``, or one token as LaTeX allows (``\\frac1N``)."""
        if self.at("{"):
            return self.braced(depth)
        t = self.take()
        if t.kind == "letter":
            return self.name(t)
        if t.kind == "num" and len(t.value) == 1 or t.kind == "cmd":
            return self.atom_from(t)
        raise self.fail("expected '{' (or a single digit or letter) for the argument", t)

    def braced(self, depth: int) -> Node:
        self.expect("{")
        inner = self.expr(depth + 1)
        self.expect("}")
        return inner


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
        if node.func in ("inv", "eye"):
            return 2
        return max((_ndim(a, vocab) for a in node.args), default=0)
    return 0
