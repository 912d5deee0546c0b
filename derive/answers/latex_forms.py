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

from derive.answers.ast_nodes import Call, Index, Name, Node
from derive.answers.errors import AnswerParseError
from derive.answers.latex_lexer import Tok
from derive.answers.latex_scripts import LatexScripts

__all__ = ["LatexForms", "top_level_equals"]


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

    def indicator(self, depth: int, opening: str = r"\\{") -> Node:
        """The indicator of a comparison."""
        raise NotImplementedError

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
        after = self.toks[hi + 1] if self.at("{") else self.toks[min(hi, len(self.toks) - 1)]
        if len(inner) == 1 and inner[0].value in ("1", "I") and after.value in (r"\{", "["):
            self.k = hi + (1 if self.at("{") else 0)
            return self.indicator(depth, "[") if self.at("[") else self.indicator(depth)
        if len(inner) == 1 and inner[0].value == "1":
            raise self.fail("\\mathbf{1} is read as an indicator \\mathbf{1}\\{...\\}; a vector of ones is not "
                            "supported here (its length is not known): write the sum instead", t)
        if len(inner) != 1 or inner[0].kind not in ("letter", "cmd"):
            raise self.fail(f"expected one symbol in {t.value}{{...}}, e.g. {t.value}{{x}}", t)
        self.k = hi + (1 if self.at("{") else 0)
        return self.atom_from(inner[0]) if inner[0].kind == "cmd" else self.name(inner[0])

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
