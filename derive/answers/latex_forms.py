r"""Notation as students write it, read by the LaTeX parser (its base class :class:`LatexForms`).

Each rule reads one form into the question's own terms: ``softmax_i(x^{(j)})``/``\\sigma_i(x^{(j)})`` and
``P(y = i \\mid x^{(j)}, \\theta)`` are the entry P[j, i]; ``e^{a}`` is exp(a) (when the question has no
symbol e); ``\\mathbf{x}``, ``\\boldsymbol{\\theta}``, ``\\vec{x}`` are only a look, ``\\mathbb{I}``/``\\mathbf{I}``
the identity and ``\\mathbb{1}\\{...\\}`` an indicator; ``x^T_i`` is the transpose of x_i; ``\\hat{θ}``,
``\\tilde{x}`` are names of their own, known only if the question has them.  A form that cannot mean
anything here (an expectation ``E[...]`` in a result, ``W^T_k`` of a matrix) gets a message saying what
was expected, at its column.  :func:`top_level_equals` finds the ``=`` of a pasted ``R = ...``.
The grammar rules these rules call are declared here and defined by the parser in
:mod:`derive.answers.latex_input`, so this module does not import that one.
"""

from __future__ import annotations

from derive.answers.ast_nodes import Call, Compare, Index, Indicator, Name, Node, Num
from derive.answers.errors import AnswerParseError
from derive.answers.latex_lexer import Tok
from derive.answers.latex_scripts import LatexScripts

__all__ = ["LatexForms", "top_level_equals", "RELATIONS", "CASE_WORDS"]

#: comparison signs -> the tree's operators
RELATIONS = {"=": "==", "<": "<", ">": ">", r"\neq": "!=", r"\ne": "!=", r"\le": "<=", r"\leq": "<=",
             r"\ge": ">=", r"\geq": ">="}
#: words that introduce a case's condition (``\text{if}``) or the last case (``\text{otherwise}``)
CASE_WORDS = frozenset({"if", "for", "when", "otherwise", "else"})


def top_level_equals(toks: list[Tok]) -> list[int]:
    """Positions of the ``=`` tokens outside every bracket (an indicator's ``=`` is inside its braces)."""
    out, level = [], 0
    for k, t in enumerate(toks):
        if t.value in ("(", "[", "{", r"\{") and t.kind in ("op", "cmd"):
            level += 1
        elif t.value in (")", "]", "}", r"\}") and t.kind in ("op", "cmd"):
            level -= 1
        elif t.value == "=" and t.kind == "op" and level == 0:
            out.append(k)
    return out


class LatexForms(LatexScripts):
    """The student-notation rules of the LaTeX grammar (a base class of its parser)."""

    # -- the grammar rules these rules call (defined by the parser) ------------------------
    def power(self, depth: int) -> Node:
        """A primary with its scripts."""
        raise NotImplementedError

    def name(self, t: Tok) -> Node:
        """The question's name for a letter."""
        raise NotImplementedError

    def braced(self, depth: int) -> Node:
        """A ``{...}`` group."""
        raise NotImplementedError

    def softmax(self, t: Tok, depth: int) -> Node:
        r"""``softmax_i(x^{(j)})`` (also ``\sigma_i``): the entry P[j, i] of the question's probabilities."""
        if self.vocab.ndims.get("P") != 2:
            raise self.fail("this question has no softmax probabilities P", t)
        if self.at("("):  # softmax(W x^{(j)} + b)_i: the function of the table, then its entry i
            self.take()
            arg = self.expr(depth + 1)
            self.expect(")")
            if not self.at("_"):
                raise self.fail("softmax(...) needs its class index after it, e.g. softmax(Wx + b)_i")
            return self.subscript(Call("softmax", (arg,)), self.take(), depth + 1)
        if not self.at("_"):
            raise self.fail("softmax needs its class index below it, e.g. softmax_i(x^{(j)})")
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

    def transposed_subscript(self, base: Node, first: Tok, under: Tok, depth: int) -> Node:
        r"""``x^T_i`` is :math:`(x_i)^\top` for a vector written in lower case (x, z, w: a row of X, Z, W);
        for a matrix, ``W^\top_k`` is ambiguous (a row of Wᵀ, or the transpose of w_k?) and refused."""
        if first.kind == "letter" and first.value.islower() or self.node_ndim(base) == 1:
            return self.subscript(base, under, depth)
        raise self.fail(f"{first.value}^T_k is ambiguous for a matrix: write ({first.value}^\\top)_k for row k of "
                        f"the transpose, or {first.value}_k^\\top", under)

    def typeface(self, t: Tok, depth: int) -> Node:
        r"""``\mathbb{1}\{…\}``/``\mathbb{I}[…]`` (indicators); otherwise the typeface is only a look:
        ``\mathbf{x}``, ``\boldsymbol{\theta}``, ``\vec{x}``, ``\mathbf{I}``/``\mathbb{I}`` (the identity)."""
        lo, hi = self._group_tokens()
        inner = self.toks[lo:hi]
        if len(inner) == 1 and inner[0].value in ("1", "I"):
            saved, self.k = self.k, hi + (1 if self.at("{") else 0)
            indicator = self.indicator_after(plain=False, depth=depth)
            if indicator is not None:
                return indicator
            self.k = saved
        if len(inner) == 1 and inner[0].value == "1":
            raise self.fail("\\mathbf{1} is read as an indicator \\mathbf{1}\\{...\\}; a vector of ones is not "
                            "supported here (its length is not known): write the sum instead", t)
        if len(inner) != 1 or inner[0].kind not in ("letter", "cmd"):
            raise self.fail(f"expected one symbol in {t.value}{{...}}, e.g. {t.value}{{x}}", t)
        self.k = hi + (1 if self.at("{") else 0)
        return self.atom_from(inner[0]) if inner[0].kind == "cmd" else self.name(inner[0])

    def indicator_after(self, *, plain: bool, depth: int) -> Node | None:
        r"""The indicator whose head (``1``, ``\mathbb{1}``, ``𝟙``) was just read, or None (cursor unmoved).

        ``\{a = b\}``, ``[a = b]``, ``_{\{a = b\}}`` and ``_{a = b}`` follow any head; ``(a = b)`` follows
        a typeset head only, and a plain ``1`` takes ``[...]``/``_{...}`` only when a comparison is inside
        (``1[x]`` could be a product).
        """
        if self.at(r"\{"):
            return self.indicator(depth)
        if self.at("[") and (not plain or self._relation_inside(*self._bracket_range())):
            return self.indicator(depth, "[")
        if self.at("(") and not plain and self._relation_inside(*self._bracket_range()):
            return self.indicator(depth, "(")
        if self.at("_") and self.peek().value == "{":
            self.take()
            lo, hi = self._group_tokens()
            if hi - lo >= 2 and self.toks[lo].value == r"\{" and self.toks[hi - 1].value == r"\}":
                self.take()
                node = self.indicator(depth)  # 1_{\{a = b\}}
                self.expect("}")
                return node
            if self._relation_inside(lo, hi):
                cond = self._comparison_between(lo, hi, depth)  # 1_{a = b}
                self.k = hi + 1
                return Indicator(cond)
            self.k -= 1  # not an indicator: give the '_' back
        return None

    def indicator(self, depth: int, opening: str = r"\{") -> Node:
        """The indicator of the comparison in ``\\{...\\}``, ``[...]`` or ``(...)`` at the cursor."""
        closing = {r"\{": r"\}", "[": "]", "(": ")"}[opening]
        self.expect(opening)
        cond = self.comparison(depth)
        self.expect(closing)
        return Indicator(cond)

    def comparison(self, depth: int) -> Compare:
        """``a = b``, ``a \\neq b``, ``a < b``, ``a \\le b``, …"""
        left = self.expr(depth + 1)
        if not (self.tok.value in RELATIONS and self.tok.kind in ("op", "cmd")):
            raise self.fail("expected a comparison (=, \\neq, <, \\le, >, \\ge) in the indicator")
        op = RELATIONS[self.take().value]
        right = self.expr(depth + 1)
        return Compare(op, left, right)

    def _comparison_between(self, lo: int, hi: int, depth: int) -> Compare:
        saved_toks, saved_k = self.toks, self.k
        self.toks, self.k = [*self.toks[lo:hi], Tok("end", "", self.toks[hi].pos)], 0
        try:
            node = self.comparison(depth + 1)
            self.expect_end()
        finally:
            self.toks, self.k = saved_toks, saved_k
        return node

    def _bracket_range(self) -> tuple[int, int]:
        """Token range inside the bracket at the cursor (to its matching closer, or the end)."""
        level = 0
        for k in range(self.k, len(self.toks)):
            t = self.toks[k]
            if t.kind == "op" and t.value in ("(", "[", "{"):
                level += 1
            elif t.kind == "op" and t.value in (")", "]", "}"):
                level -= 1
                if level == 0:
                    return self.k + 1, k
        return self.k + 1, len(self.toks) - 1

    def _relation_inside(self, lo: int, hi: int) -> bool:
        """Whether a comparison sign stands at the top level of tokens lo..hi."""
        level = 0
        for t in self.toks[lo:hi]:
            if t.kind == "op" and t.value in ("(", "[", "{"):
                level += 1
            elif t.kind == "op" and t.value in (")", "]", "}"):
                level -= 1
            elif level == 0 and t.value in RELATIONS and t.kind in ("op", "cmd"):
                return True
        return False

    def environment(self) -> str:
        """The name in ``{...}`` at the cursor (``\\begin{cases}``), without moving."""
        if not self.at("{"):
            return ""
        lo, hi = self._group_tokens()
        return "".join(x.value for x in self.toks[lo:hi])

    def cases(self, t: Tok, depth: int) -> Node:
        r"""``\begin{cases} a & \text{if } c \\ b & \text{otherwise} \end{cases}``: the first case whose
        condition holds (the last may be ``\text{otherwise}``; without it, 0 when no condition holds)."""
        self.k = self._group_tokens()[1] + 1
        rows: list[tuple[Node, Compare | None]] = []
        while True:
            value = self.expr(depth + 1)
            if self.at("&"):
                self.take()
            if self.at(","):
                self.take()
            condition: Compare | None = None
            if self.tok.kind == "word" and self.tok.value in ("otherwise", "else"):
                self.take()
            else:
                if self.tok.kind == "word" and self.tok.value in CASE_WORDS:
                    self.take()
                condition = self.comparison(depth + 1)
            rows.append((value, condition))
            if self.at(r"\cr"):
                self.take()
                if not self.at(r"\end"):
                    continue
            break
        if not self.at(r"\end"):
            raise self.fail("expected \\\\ (the next case) or \\end{cases}")
        end = self.take()
        if self.environment() != "cases":
            raise self.fail("expected \\end{cases}", end)
        self.k = self._group_tokens()[1] + 1
        last_value, last_condition = rows[-1]
        node: Node = last_value if last_condition is None else Call("where", (last_condition, last_value, Num(0)))
        for value, condition in reversed(rows[:-1]):
            if condition is None:
                raise self.fail("only the last case may be \\text{otherwise}", t)
            node = Call("where", (condition, value, node))
        return node

    def euler_power(self, t: Tok, depth: int) -> Node:
        """``e^{a}`` (``e`` not being a symbol of the question): ``exp(a)``."""
        self.expect("^")
        if self.at("{"):
            return Call("exp", (self.braced(depth + 1),))
        return Call("exp", (self.atom_from(self.take()),))

    def conditional_probability(self, t: Tok, depth: int) -> Node:
        r"""``P(y = i \mid x^{(j)}, \theta)`` (also ``y^{(j)} = i`` and ``|``): the entry P[j, i]."""
        self.expect("(")
        label = self.power(depth + 1)
        if not ((isinstance(label, Name) and label.id == "y") or (isinstance(label, Index) and label.base == Name("y"))):
            raise self.fail("expected P(y = i | x^{(j)}): the label y first", t)
        self.expect("=")
        cls_tok = self.take()
        cls = self.index_name(cls_tok.value) or cls_tok.value
        if cls_tok.kind != "letter" or cls not in self.vocab.indices:
            raise self.fail(f"expected a class index after 'y =' (one of {', '.join(sorted(self.vocab.indices))})",
                            cls_tok)
        if not self.at("|", r"\mid"):
            raise self.fail("expected '|' (or \\mid) after the class in P(y = i | x^{(j)})")
        self.take()
        sample = self.power(depth + 1)
        if not (isinstance(sample, Index) and sample.base == Name("X") and len(sample.items) == 1):
            raise self.fail("expected one sample x^{(j)} after '|' in P(y = i | x^{(j)})", t)
        if isinstance(label, Index) and label.items != sample.items:
            raise self.fail("P(y^{(j)} = i | x^{(k)}): the label and the sample must have the same index", t)
        while self.at(","):  # the parameters: P(y = i | x, \theta)
            self.take()
            if not self.at(r"\theta", "W", "b"):
                raise self.fail("expected the parameters (\\theta) after the ',' in P(y = i | x^{(j)}, \\theta)")
            self.take()
        self.expect(")")
        return Index(Name("P"), (sample.items[0], Name(cls)))

    def decorated(self, t: Tok, depth: int) -> Node:
        r"""``\hat{\theta}``, ``\tilde{x}``, ``\bar{y}``: a name of its own (known only if the question has it)."""
        lo, hi = self._group_tokens()
        braced = self.at("{")
        inner = "".join(x.value for x in self.toks[lo:hi])
        name = f"{t.value}{{{inner}}}"
        resolved = self.vocab.resolve(name)
        if resolved is None:
            raise self.fail(f"unknown symbol {name}; this question knows: {self.vocab.known()}", t)
        self.k = hi + (1 if braced else 0)
        return Name(resolved)

    def expectation_error(self, t: Tok) -> AnswerParseError:
        return self.fail("an expectation E[...] is not a result: give what it comes to (e.g. "
                         "E[δδᵀ] = σ²I); a leading 'E[...] =' naming the result is fine, and "
                         "gradproof check-derivation checks steps that use E", t)
