r"""The scripts of the LaTeX subset: superscripts ``^``, subscripts ``_`` and the limits of ``\sum``.

``^{(j)}`` is the sample superscript, ``^T``/``^\top`` a transpose, ``^{-1}`` an
inverse, anything else a power; ``_j``/``_{j,i}`` index, and ``\|v\|_2`` names the
2-norm; ``\sum_{j=1}^{N}`` must use the question's range.  Mixed into the parser of
:mod:`derive.answers.latex_input`, whose ``expr``, ``term``, ``_atom_from`` and
``_starts_factor`` these rules call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from derive.answers.ast_nodes import Bin, Call, Index, Name, Node, Num, SumOver, Transpose
from derive.answers.errors import RefusedInput
from derive.answers.latex_lexer import Tok, TokenStream
from derive.answers.limits import MAX_EXPONENT, constant_value
from derive.answers.vocabulary import Vocabulary

if TYPE_CHECKING:
    from derive.answers.latex_input import _LatexParser

__all__ = ["LatexScripts", "PendingSum"]

_TRANSPOSE = {"T", r"\top", r"\intercal"}


class LatexScripts(TokenStream):
    """The ``^``, ``_`` and ``\\sum`` rules of the LaTeX grammar (a mixin of its parser)."""

    vocab: Vocabulary

    def superscript(self, base: Node, caret: Tok, depth: int) -> Node:
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

    def subscript(self, base: Node, under: Tok, depth: int) -> Node:
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

    def sum_limits(self, sum_tok: Tok) -> PendingSum:
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
        return PendingSum(var)


@dataclass(frozen=True)
class PendingSum(Node):
    """A ``\\sum`` whose summand is the rest of the product term."""

    var: str

    def finish(self, parser: _LatexParser, depth: int) -> Node:
        if not parser._starts_factor() and not parser.at("-"):
            raise parser.fail(f"\\sum over {self.var} needs a summand")
        return SumOver(self.var, parser.term(depth + 1))

